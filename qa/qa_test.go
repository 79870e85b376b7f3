package qa_test

import (
	"testing"

	"github.com/conductbot/conductbot/qa"
)

func TestClusterTexts(t *testing.T) {
	texts := []string{
		"食堂几点开饭", "食堂几点开饭？", "食堂几点钟开饭", "可以穿拖鞋吗", "能不能穿拖鞋",
		"停车场在哪里", "食堂几点开饭",
	}
	cs := qa.ClusterTexts(texts, qa.GapThreshold)
	if len(cs) != 3 {
		t.Fatalf("%d clusters: %+v", len(cs), cs)
	}
	if cs[0].Text != "食堂几点开饭" || cs[0].Count != 4 || len(cs[0].Variants) != 1 || cs[0].Variants[0] != "食堂几点钟开饭" {
		t.Errorf("first cluster %+v", cs[0])
	}
	if cs[1].Count != 2 || cs[2].Text != "停车场在哪里" {
		t.Errorf("clusters %+v", cs)
	}
}

func TestParseClauseRef(t *testing.T) {
	for in, want := range map[string]string{
		"1.3.3": "1.3.3", "１．３．３": "1.3.3", "第1.3.3条": "1.3.3", "一(三)3": "1.3.3", "一（五）1": "1.5.1",
		"二": "2", "一(三)": "1.3", "十二(十一)4": "12.11.4", "2": "2",
	} {
		if got, ok := qa.ParseClauseRef(in); !ok || got != want {
			t.Errorf("ParseClauseRef(%q) = %q %v, want %q", in, got, ok, want)
		}
	}
	for _, bad := range []string{"", "abc", "1..3", ".1", "一(三", "甲(一)1", "1.3.x"} {
		if got, ok := qa.ParseClauseRef(bad); ok {
			t.Errorf("ParseClauseRef(%q) = %q", bad, got)
		}
	}
}
