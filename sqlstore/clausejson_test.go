package sqlstore

import (
	"encoding/json"
	"reflect"
	"testing"

	"github.com/conductbot/conductbot/rules"
)

// TestClauseDecoderMatchesEncodingJSON holds the fast reading of paths and statements to what json.Unmarshal
// gives, on what each engine stores (json.Marshal's output, jsonb's text) and on what only encoding/json reads.
func TestClauseDecoderMatchesEncodingJSON(t *testing.T) {
	marshalled := func(v any) string {
		b, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	paths := []string{
		`[]`, `["规范化服务的内容","服务仪表"]`, `[ "第一章 总则" , "第一节"]`, " [\n\"a\"\t]\n",
		marshalled([]string{`引号"和\反斜杠`, "<b>&", "\u2028", "tab\there"}),
		`["\u670d\u52a1"]`, `null`, `["a",]`, `["a"`, `["a"] x`, `[1]`, `{}`, `["a\u0000b"]`, "[\"\xff\"]", ``,
	}
	for _, in := range paths {
		t.Run("path "+in, func(t *testing.T) {
			var want []string
			wantErr := json.Unmarshal([]byte(in), &want)
			got, err := newClauseDecoder().path([]byte(in))
			if (err != nil) != (wantErr != nil) {
				t.Fatalf("error %v, encoding/json's %v", err, wantErr)
			}
			if err == nil && !reflect.DeepEqual(got, want) {
				t.Fatalf("got %#v, encoding/json %#v", got, want)
			}
		})
	}
	statements := []string{
		`[]`,
		marshalled([]rules.Statement{{Text: "工作时不得在窗口吃东西", Modality: rules.Prohibited}, {Text: "要微笑", Modality: rules.Required}}),
		`[{"text": "可以休息", "modality": "permitted"}]`,   // jsonb: spaces after colons and commas
		`[{"modality":"encouraged","text":"提倡说普通话"}]`,   // keys in another order
		`[{"text":"a","modality":"new-kind"}]`,          // a modality this build does not know
		`[{"Text":"大小写不同的键","modality":"none"}]`,        // encoding/json matches keys without case
		`[{"text":"多余的键","modality":"none","extra":1}]`, // ignored by encoding/json
		`[{}]`, `[{"text":null}]`, `[{"text":"a"}]`, `null`, `[{"text":"a",}]`, `[{"text":"a"} {"text":"b"}]`,
		marshalled([]rules.Statement{{Text: `“引号”"ASCII" <和> & \`, Modality: rules.None}}),
		`[{"text":"\ud83d\ude00"}]`, "[{\"text\":\"bad \xc3\x28\"}]", `[{"text":"a","text":"b"}]`,
	}
	for _, in := range statements {
		t.Run("statements "+in, func(t *testing.T) {
			var want []rules.Statement
			wantErr := json.Unmarshal([]byte(in), &want)
			got, err := newClauseDecoder().statements([]byte(in))
			if (err != nil) != (wantErr != nil) {
				t.Fatalf("error %v, encoding/json's %v", err, wantErr)
			}
			if err == nil && !reflect.DeepEqual(got, want) {
				t.Fatalf("got %#v, encoding/json %#v", got, want)
			}
		})
	}
}

// TestClauseDecoderInterns checks that equal path elements read as one string, and that interning does not tie
// a string to the buffer it was read from.
func TestClauseDecoderInterns(t *testing.T) {
	d := newClauseDecoder()
	buf := []byte(`["服务规范","服务仪表"]`)
	a, err := d.path(buf)
	if err != nil {
		t.Fatal(err)
	}
	copy(buf, `["XXXXXXXXXXXX`) // the driver reuses its buffer for the next row
	b, err := d.path([]byte(`["服务规范","服务礼仪"]`))
	if err != nil {
		t.Fatal(err)
	}
	if a[0] != "服务规范" || a[1] != "服务仪表" {
		t.Fatalf("the first path changed with its buffer: %q", a)
	}
	if len(d.interned) != 3 {
		t.Fatalf("interned %d strings, want 3: %q", len(d.interned), d.interned)
	}
	if b[0] != a[0] {
		t.Fatalf("paths %q and %q", a, b)
	}
}

// TestInOrder checks that items come out in the order of their positions, whether the positions are the
// 0…n-1 PutCode writes or anything else (gaps, repeats: then a stable sort).
func TestInOrder(t *testing.T) {
	for _, c := range []struct {
		items []string
		ords  []int64
		want  []string
	}{
		{[]string{}, []int64{}, []string{}},
		{[]string{"1.1.10", "1.1.2", "1.1.1"}, []int64{2, 1, 0}, []string{"1.1.1", "1.1.2", "1.1.10"}},
		{[]string{"a", "b", "c"}, []int64{0, 1, 2}, []string{"a", "b", "c"}},
		{[]string{"a", "b", "c"}, []int64{10, 5, 7}, []string{"b", "c", "a"}},
		{[]string{"a", "b", "c", "d"}, []int64{1, 0, 1, -1}, []string{"d", "b", "a", "c"}},
	} {
		if got := InOrder(c.items, c.ords); !reflect.DeepEqual(got, c.want) {
			t.Errorf("InOrder(%q, %v) = %q, want %q", c.items, c.ords, got, c.want)
		}
	}
}
