package retrieval

import (
	"strings"
	"testing"

	"github.com/conductbot/conductbot/rules"
)

// TestDecidingSentence: the quote is the whole sentence around the deciding statement, and a list of examples
// gives way to the rule it illustrates, with the example closest to the question. The clauses are made up: the
// rules come from punctuation and statements, not from one code's words.
func TestDecidingSentence(t *testing.T) {
	clause := func(text string) rules.Clause {
		return rules.Clause{ID: "3", Title: "测试", Text: text, Statements: rules.SplitStatements(text)}
	}
	stmt := func(c rules.Clause, has string) *rules.Statement {
		for _, s := range c.Statements {
			if strings.Contains(s.Text, has) {
				return &s
			}
		}
		t.Fatalf("no statement with %q in %+v", has, c.Statements)
		return nil
	}
	for _, tc := range []struct {
		name, text, stmt, question, want string
	}{
		{"a fragment grows to its sentence",
			"来访者发脾气时，要耐心解释，不要与其争吵，也不要与其顶撞，及时报告组长。其他事项另行规定。",
			"也不要与其顶撞", "能跟他顶撞吗",
			"来访者发脾气时，要耐心解释，不要与其争吵，也不要与其顶撞，及时报告组长"},
		{"examples give way to the rule, with the closest example",
			"严禁使用粗鲁的语言。如“你自己看”、“找别人去”、“下班了明天来”等。",
			"如", "能跟人说下班了让他明天来吗",
			"严禁使用粗鲁的语言。如“下班了明天来”等"},
		{"examples far from the question are left out",
			"严禁使用粗鲁的语言。如“你自己看”、“找别人去”等。",
			"如", "能骂人吗",
			"严禁使用粗鲁的语言"},
		{"examples inside the sentence are left out",
			"接待时应使用文明用语，如“您好”、“请稍等”、“再见”等；不得大声喧哗。",
			"应使用", "要说文明用语吗",
			"接待时应使用文明用语"},
		{"a sentence after a semicolon stands alone",
			"上班不得迟到；下班不得早退。",
			"早退", "能早退吗",
			"下班不得早退"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := clause(tc.text)
			if got := decidingSentence(c, stmt(c, tc.stmt), tc.question); got != tc.want {
				t.Errorf("got  %q\nwant %q", got, tc.want)
			}
		})
	}
	// No statement: the first rule of the clause, whole.
	c := clause("本规范适用于大厅。工作人员应当佩戴工牌，不得脱岗。")
	if got := decidingSentence(c, nil, "要戴工牌吗"); got != "工作人员应当佩戴工牌，不得脱岗" {
		t.Errorf("without a statement: %q", got)
	}
}

// TestFullTextAdds: the 查看原文 button is offered only when the clause says more than the quote.
func TestFullTextAdds(t *testing.T) {
	long := "工作时不得吃东西、打瞌睡，不得上网做与工作无关的事。女工作人员可淡妆，不披散发，不涂浓指甲油。"
	for _, tc := range []struct {
		quote string
		want  bool
	}{
		{"工作时不得吃东西、打瞌睡，不得上网做与工作无关的事", true},
		{strings.TrimSuffix(long, "。"), false},
		{"", true},
	} {
		a := &Answer{Quote: tc.quote, Citations: []Citation{{ID: "1", Text: long}}}
		if got := a.FullTextAdds(); got != tc.want {
			t.Errorf("quote %q: %v, want %v", tc.quote, got, tc.want)
		}
	}
	if (&Answer{Abstained: true, Citations: []Citation{{ID: "1", Text: long}}}).FullTextAdds() {
		t.Error("an abstention offers the full text")
	}
	if (&Answer{Lookup: true, Citations: []Citation{{ID: "1", Text: long}}}).FullTextAdds() {
		t.Error("a lookup, which shows the clause, offers it again")
	}
}

// TestCiteTitled: the preamble is not titled twice; other clauses are cited in their document's style.
func TestCiteTitled(t *testing.T) {
	outline := &rules.Code{}
	articles := &rules.Code{Layout: rules.LayoutArticles}
	for _, tc := range []struct {
		code      *rules.Code
		id, title string
		want      string
	}{
		{outline, "1.3.3", "服务仪表", "第 1.3.3 条（服务仪表）"},
		{articles, "12.3", "服务行为", "第十二条第（三）项（服务行为）"},
		{outline, rules.PreambleID, "前言", "前言"},
	} {
		if got := citeTitled(tc.code, tc.id, tc.title); got != tc.want {
			t.Errorf("%s: %q, want %q", tc.id, got, tc.want)
		}
	}
}
