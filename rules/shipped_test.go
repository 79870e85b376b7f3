package rules

import (
	"reflect"
	"strings"
	"testing"
)

func TestShippedMetadata(t *testing.T) {
	code := Shipped()
	got := [4]string{code.Title, code.Issuer, code.DocNumber, code.Issued}
	want := [4]string{"如皋市行政服务中心工作人员服务规范", "如皋市行政服务中心", "皋行服中心〔2012〕25号", "2012-06-12"}
	if got != want {
		t.Errorf("metadata = %q, want %q", got, want)
	}
}

func TestShippedClauseIDs(t *testing.T) {
	code := Shipped()
	want := []string{"0"}
	for section, items := range []int{6, 7, 3, 5, 7} {
		for i := 1; i <= items; i++ {
			want = append(want, "1."+string(rune('1'+section))+"."+string(rune('0'+i)))
		}
	}
	want = append(want, "2", "3")
	if len(want) != 31 {
		t.Fatalf("the test's own list has %d IDs", len(want))
	}
	if got := clauseIDs(code); !reflect.DeepEqual(got, want) {
		t.Errorf("clause IDs =\n%v\nwant\n%v", got, want)
	}
	if got := headingStrings(code); !reflect.DeepEqual(got, []string{
		"1 规范化服务的内容", "1.1 服务语言", "1.2 服务态度", "1.3 服务仪表", "1.4 服务设施", "1.5 服务质量",
	}) {
		t.Errorf("headings = %q", got)
	}
	checkWellFormed(t, code)
}

func TestShippedTitles(t *testing.T) {
	code := Shipped()
	for id, want := range map[string]string{
		"0": "前言", "1.1.1": "服务语言", "1.2.1": "服务态度", "1.3.3": "服务仪表", "1.4.5": "服务设施",
		"1.5.7": "服务质量", "2": "规范化服务的管理", "3": "规范化服务的考核",
	} {
		cl, ok := code.Clause(id)
		if !ok {
			t.Errorf("no clause %s", id)
			continue
		}
		if cl.Title != want {
			t.Errorf("clause %s title = %q, want %q", id, cl.Title, want)
		}
	}
	cl, _ := code.Clause("1.3.3")
	if got := strings.Join(cl.Path, "/"); got != "规范化服务的内容/服务仪表" {
		t.Errorf("1.3.3 path = %q", got)
	}
	if h, ok := code.Heading("1.3"); !ok || h.Title != "服务仪表" {
		t.Errorf("heading 1.3 = %+v", h)
	}
	if cl, _ := code.Clause("2"); !strings.HasPrefix(cl.Text, "规范化服务工作在“中心”的统一领导下进行") ||
		strings.Contains(cl.Text, "规范化服务的管理") {
		t.Errorf("clause 2 text = %q", cl.Text)
	}
	if cl, _ := code.Clause("0"); !strings.HasPrefix(cl.Text, "为进一步加强“中心”工作人员队伍建设") ||
		!strings.HasSuffix(cl.Text, "特制定本规范。") {
		t.Errorf("preamble = %q", cl.Text)
	}
}

// TestShippedNoClutter: the web page the code was copied from had download links, ratings and the document's
// trailer; none of it may reach a clause.
func TestShippedNoClutter(t *testing.T) {
	code := Shipped()
	// 示范文本 (1.4.2, a sample form) is the code's own word; 范文 anywhere else is a 范文网 page's clutter.
	clean := func(s string) string { return strings.ReplaceAll(s, "示范文本", "示范本") }
	for _, junk := range []string{"下载", "范文", "推荐度", "主题词", "抄送", "http", "www", "点击", "相关文章", "上一篇", "下一篇"} {
		for _, cl := range code.Clauses {
			if strings.Contains(clean(cl.Text), junk) {
				t.Errorf("clause %s contains %q: %q", cl.ID, junk, cl.Text)
			}
		}
		for _, h := range code.Headings {
			if strings.Contains(h.Title, junk) {
				t.Errorf("heading %s contains %q", h.ID, junk)
			}
		}
		if strings.Contains(clean(ShippedSource), junk) {
			t.Errorf("the shipped source contains %q", junk)
		}
	}
	for _, cl := range code.Clauses {
		if !strings.HasSuffix(cl.Text, "。") {
			t.Errorf("clause %s does not end a sentence: %q", cl.ID, clip(cl.Text, 40))
		}
	}
}

// statementsWith returns the statements of clause id whose text contains word.
func statementsWith(t *testing.T, code *Code, id, word string) []Statement {
	t.Helper()
	cl, ok := code.Clause(id)
	if !ok {
		t.Fatalf("no clause %s", id)
	}
	var out []Statement
	for _, s := range cl.Statements {
		if strings.Contains(s.Text, word) {
			out = append(out, s)
		}
	}
	if len(out) == 0 {
		t.Errorf("clause %s has no statement with %q: %+v", id, word, cl.Statements)
	}
	return out
}

// TestShippedModalities pins the statements that decide verdicts (may I wear make-up? must I stand up?).
func TestShippedModalities(t *testing.T) {
	code := Shipped()
	for _, tc := range []struct {
		id, word string
		want     Modality
	}{
		{"1.1.1", "普通话", Encouraged},
		{"1.1.2", "十字文明用语", Required},
		{"1.1.4", "禁止使用伤害感情", Prohibited},
		{"1.1.6", "散布谣言", Prohibited},
		{"1.2.1", "起立", Required},
		{"1.2.3", "刁难", Prohibited},
		{"1.2.4", "不与其争辩", Prohibited},
		{"1.2.5", "争吵", Prohibited},
		{"1.2.6", "挂机", Prohibited},
		{"1.2.6", "高声喊叫", Prohibited},
		{"1.2.7", "主动站立", Required},
		{"1.3.1", "着制服上岗", Required},
		{"1.3.2", "淡妆", Permitted},
		{"1.3.2", "披散发", Prohibited},
		{"1.3.2", "指甲油", Prohibited},
		{"1.3.2", "长发", Prohibited},
		{"1.3.2", "胡须", Prohibited},
		{"1.3.2", "光头", Prohibited},
		{"1.3.2", "拖鞋", Prohibited},
		{"1.3.2", "端庄", Required},
		{"1.3.3", "吃东西", Prohibited},
		{"1.3.3", "上网", Prohibited},
		{"1.3.3", "带小孩", Prohibited},
		{"1.4.3", "便民物品", Required},
		{"1.4.4", "个人物品", Prohibited},
		{"1.4.5", "复印机", Prohibited},
		{"1.4.5", "有偿服务", Prohibited},
		{"1.5.6", "泄露", Prohibited},
		{"1.5.6", "私自复制", Prohibited},
		{"2", "暗访", Permitted},
	} {
		for _, s := range statementsWith(t, code, tc.id, tc.word) {
			if s.Modality != tc.want {
				t.Errorf("%s “%s”: %s, want %s", tc.id, s.Text, s.Modality, tc.want)
			}
		}
	}
	// The permission and each prohibition of 1.3.2 are statements of their own, not one long mixed statement.
	for _, s := range statementsWith(t, code, "1.3.2", "淡妆") {
		for _, word := range []string{"胡须", "指甲油", "拖鞋", "散发"} {
			if strings.Contains(s.Text, word) {
				t.Errorf("1.3.2: “%s” mixes the permission with the prohibition of %s", s.Text, word)
			}
		}
	}
	for _, id := range []string{"1.3.3", "1.4.5", "1.1.6"} {
		cl, _ := code.Clause(id)
		for _, s := range cl.Statements {
			if id == "1.1.6" && strings.Contains(s.Text, "严守政治纪律") {
				continue
			}
			if s.Modality != Prohibited {
				t.Errorf("%s “%s”: %s, want every statement prohibited", id, s.Text, s.Modality)
			}
		}
	}
}

// TestShippedQuotedExamples: the phrases quoted as examples (“不知道”, “您的××不能办理”) are not rules of their own.
// The words inside the quotes never give a modality: the sentence that lists them (如…等) shares the modality of the
// rule it illustrates (forbidden phrases in 1.1.4, phrases to use in 1.1.3, although one of them says 不能).
func TestShippedQuotedExamples(t *testing.T) {
	code := Shipped()
	for _, tc := range []struct {
		id, example string
		rule        Modality
	}{
		{"1.1.4", "“不知道”", Prohibited},
		{"1.1.4", "“我不管，问别人去”", Prohibited},
		{"1.1.3", "“对不起，根据××规定，您的××不能办理，请原谅”", Required},
		{"1.1.3", "“您慢走，再见”", Required},
	} {
		cl, _ := code.Clause(tc.id)
		if len(cl.Statements) < 2 {
			t.Fatalf("%s: %+v", tc.id, cl.Statements)
		}
		if cl.Statements[0].Modality != tc.rule {
			t.Errorf("%s: the rule “%s” is %s, want %s", tc.id, cl.Statements[0].Text, cl.Statements[0].Modality, tc.rule)
		}
		found := false
		for _, s := range cl.Statements {
			if strings.Contains(s.Text, tc.example) {
				found = true
				if s.Modality != tc.rule {
					t.Errorf("%s: the examples “%s” are %s, want %s like their rule", tc.id, clip(s.Text, 30), s.Modality, tc.rule)
				}
				if DetectModality(s.Text) != None {
					t.Errorf("%s: the examples “%s” have a modality of their own", tc.id, clip(s.Text, 30))
				}
			}
			if s.Text == strings.Trim(tc.example, "“”") {
				t.Errorf("%s: the example %s became a statement of its own", tc.id, tc.example)
			}
		}
		if !found {
			t.Errorf("%s: no statement quotes %s whole: %+v", tc.id, tc.example, cl.Statements)
		}
	}
	// 1.1.5's quoted sentence is what to say, inside a requirement.
	for _, s := range statementsWith(t, code, "1.1.5", "“您这个业务请到××窗口") {
		if s.Modality != Required {
			t.Errorf("1.1.5 “%s”: %s", s.Text, s.Modality)
		}
	}
}

// TestShippedSourceIsClean: the embedded file is UTF-8 with Unix line ends, no BOM, no trailing blanks.
func TestShippedSourceIsClean(t *testing.T) {
	if strings.ContainsAny(ShippedSource, "\r\ufeff\t") {
		t.Errorf("the shipped source has CR, BOM or tab characters")
	}
	for i, line := range strings.Split(ShippedSource, "\n") {
		if line != strings.TrimSpace(line) {
			t.Errorf("line %d has leading or trailing blanks: %q", i+1, line)
		}
	}
	if !strings.HasSuffix(ShippedSource, "\n") {
		t.Errorf("the shipped source does not end with a newline")
	}
}
