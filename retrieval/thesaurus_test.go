package retrieval_test

import (
	"os"
	"strings"
	"testing"

	"github.com/conductbot/conductbot/retrieval"
	"github.com/conductbot/conductbot/rules"
)

// TestThesaurusFiles checks that the general vocabulary and the shipped code's pack both parse, together too.
func TestThesaurusFiles(t *testing.T) {
	general, err := os.ReadFile("thesaurus.txt")
	if err != nil {
		t.Fatal(err)
	}
	th, err := retrieval.ParseThesaurus(string(general))
	if err != nil {
		t.Fatalf("thesaurus.txt: %v", err)
	}
	pack := rules.Words(rules.Shipped())
	if strings.TrimSpace(pack) == "" {
		t.Fatal("the shipped code has no pack")
	}
	if _, err := retrieval.ParseThesaurus(pack); err != nil {
		t.Fatalf("rugao-2012/words.txt: %v", err)
	}
	if _, err := th.With(pack); err != nil {
		t.Fatal(err)
	}
}

// TestGeneralThesaurusHasNoShippedCodeTerms keeps the shipped code's own terms in its pack
// (rules/codes/rugao-2012/words.txt): the general vocabulary serves every code, and words that point at one
// code's clauses or name what it allows give wrong answers on the others.
func TestGeneralThesaurusHasNoShippedCodeTerms(t *testing.T) {
	general, err := os.ReadFile("thesaurus.txt")
	if err != nil {
		t.Fatal(err)
	}
	var body strings.Builder
	for _, line := range strings.Split(string(general), "\n") {
		if i := strings.IndexByte(line, '#'); i >= 0 {
			line = line[:i]
		}
		body.WriteString(line + "\n")
	}
	text := body.String()
	for _, term := range []string{
		// the place and its dialects
		"如皋", "皋城", "海安话", "如东话", "南通话", "江淮",
		// the code's own names for its rules
		"三个一样", "三声", "迎声", "答声", "送声", "百问不厌", "百查不烦", "一口清", "一纸明", "先外后内", "先急后缓",
		"即办件", "承诺件", "上报件", "联办件", "退回件", "行权网", "十字", "十个字", "±5分", "正负5分", "裁量权",
		"这里是行政服务中心", "浓指甲油", "披散发", "不超过3分钟", "三分钟", "轻声传叫", "传呼电话",
		"非本窗口人员", "审批工作电脑", "主动挂机", "熟练应答", "制定本规范",
		// what it allows, written as an opposite of what it forbids
		"透明指甲油", "淡色指甲油", "护甲油",
		// the code's quoted forbidden phrases used as formal words
		"你这人真笨", "你的记性真差", "你能把我怎么样", "你去投诉好了", "你怎么还问", "别罗嗦",
	} {
		if strings.Contains(text, term) {
			t.Errorf("thesaurus.txt has %q, a term of the shipped code: it belongs in rules/codes/rugao-2012/words.txt", term)
		}
	}
}
