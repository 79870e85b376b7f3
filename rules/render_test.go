package rules

import (
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"
)

// checkRoundTrip asserts that Parse(code.Render()) gives the same code: metadata, headings, and clauses with the
// same IDs, titles, paths, texts and statements.
func checkRoundTrip(t *testing.T, code *Code) {
	t.Helper()
	src := code.Render()
	again, err := Parse(src)
	if err != nil {
		t.Fatalf("the rendered code does not parse: %v\n--- rendered:\n%s", err, src)
	}
	if diff := diffCodes(code, again); diff != "" {
		t.Fatalf("the rendered code parses differently: %s\n--- rendered:\n%s", diff, src)
	}
}

// diffCodes describes the first difference between two codes, or returns "".
func diffCodes(a, b *Code) string {
	if ma, mb := [4]string{a.Title, a.Issuer, a.DocNumber, a.Issued}, [4]string{b.Title, b.Issuer, b.DocNumber, b.Issued}; ma != mb {
		return "metadata " + quoteAll(ma[:]) + " became " + quoteAll(mb[:])
	}
	if !reflect.DeepEqual(a.Headings, b.Headings) {
		return "headings " + strings.Join(headingStrings(a), " | ") + " became " + strings.Join(headingStrings(b), " | ")
	}
	if ia, ib := clauseIDs(a), clauseIDs(b); !reflect.DeepEqual(ia, ib) {
		return "clause IDs " + strings.Join(ia, ",") + " became " + strings.Join(ib, ",")
	}
	for i := range a.Clauses {
		x, y := a.Clauses[i], b.Clauses[i]
		switch {
		case x.Title != y.Title:
			return "clause " + x.ID + " title " + quoteAll([]string{x.Title}) + " became " + quoteAll([]string{y.Title})
		case !reflect.DeepEqual(x.Path, y.Path) && (len(x.Path)+len(y.Path) > 0):
			return "clause " + x.ID + " path " + quoteAll(x.Path) + " became " + quoteAll(y.Path)
		case x.Text != y.Text:
			return "clause " + x.ID + " text " + quoteAll([]string{x.Text}) + " became " + quoteAll([]string{y.Text})
		case !reflect.DeepEqual(x.Statements, y.Statements):
			return "clause " + x.ID + " statements differ"
		}
	}
	return ""
}

func headingStrings(c *Code) []string {
	var out []string
	for _, h := range c.Headings {
		out = append(out, h.ID+" "+h.Title)
	}
	return out
}

func quoteAll(ss []string) string {
	var b strings.Builder
	b.WriteString("[")
	for i, s := range ss {
		if i > 0 {
			b.WriteString(" ")
		}
		b.WriteString(`"` + s + `"`)
	}
	b.WriteString("]")
	return b.String()
}

func TestRenderRoundTrip(t *testing.T) {
	t.Run("shipped", func(t *testing.T) {
		code := Shipped()
		checkRoundTrip(t, code)
		again, _ := Parse(code.Render())
		if again.Hash() != code.Hash() {
			t.Errorf("the rendered shipped code hashes differently")
		}
	})
	for _, tc := range parseCases {
		t.Run(tc.name, func(t *testing.T) {
			code, err := Parse(tc.src)
			if err != nil {
				t.Fatal(err)
			}
			checkRoundTrip(t, code)
		})
	}
}

// TestRenderShape pins what the rendered text looks like, since people read it (export, /code in the bot).
func TestRenderShape(t *testing.T) {
	out := Shipped().Render()
	for _, want := range []string{
		"标题:如皋市行政服务中心工作人员服务规范\n", "文号:皋行服中心〔2012〕25号\n", "日期:2012-06-12\n",
		"\n一、规范化服务的内容\n", "\n(三)服务仪表\n", "\n二、规范化服务的管理\n规范化服务工作在",
		"\n2、工作时，仪表举止要端庄",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("rendered code lacks %q", want)
		}
	}
	// Rendering is deterministic and a fixed point: render(parse(render(c))) == render(c).
	again, err := Parse(out)
	if err != nil {
		t.Fatal(err)
	}
	if again.Render() != out {
		t.Errorf("render is not a fixed point")
	}
}

// TestRenderLargeCodes: numbering past the small numbers still renders to the same IDs (parts up to 九百九十九,
// items up to 999), and rendering a code with many clauses stays fast (it once sorted with an insertion sort).
func TestRenderLargeCodes(t *testing.T) {
	var b strings.Builder
	for i := 1; i <= 250; i++ {
		b.WriteString(ChineseNumeral(i) + "、工作时不得吸烟。\n")
	}
	b.WriteString("二百五十一、服务质量\n")
	for i := 1; i <= 999; i++ {
		b.WriteString(strconv.Itoa(i) + "、要热情。\n")
	}
	code, err := Parse(b.String())
	if err != nil {
		t.Fatal(err)
	}
	if n := len(code.Clauses); n != 250+999 {
		t.Fatalf("%d clauses", n)
	}
	if last := code.Clauses[len(code.Clauses)-1].ID; last != "251.999" || Label(last) != "二百五十一(九百九十九)" {
		t.Errorf("last clause %s, label %s", last, Label(last))
	}
	checkRoundTrip(t, code)

	// Many clauses: about 20,000 sections and items in random map order must sort in well under a second.
	b.Reset()
	for p := 1; p <= 20; p++ {
		b.WriteString(ChineseNumeral(p) + "、第" + strconv.Itoa(p) + "部分\n")
		for s := 1; s <= 30; s++ {
			b.WriteString("(" + ChineseNumeral(s) + ")小节\n")
			for i := 1; i <= 30; i++ {
				b.WriteString(strconv.Itoa(i) + "、要热情。\n")
			}
		}
	}
	code, err = Parse(b.String())
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	out := code.Render()
	if d := time.Since(start); d > 10*time.Second {
		t.Errorf("rendering %d clauses took %v", len(code.Clauses), d)
	}
	if !strings.Contains(out, "\n二十、第20部分\n") {
		t.Errorf("rendered large code lacks its last part")
	}
}
