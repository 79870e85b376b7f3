package rules

import (
	"os"
	"reflect"
	"strings"
	"testing"
)

// TestParseArticles reads a code in 第X章/第X条 layout with items, web-page clutter and a penalty chapter.
func TestParseArticles(t *testing.T) {
	src, err := os.ReadFile("testdata/articles-sample.txt")
	if err != nil {
		t.Fatal(err)
	}
	code, err := Parse(string(src))
	if err != nil {
		t.Fatal(err)
	}
	if code.Layout != LayoutArticles || code.Title != "某县政务服务中心窗口工作人员管理办法" || code.DocNumber != "县政务办〔2021〕7号" ||
		code.Issued != "2021-04-20" || code.Issuer != "县政务服务中心" {
		t.Fatalf("header: %q %q %q %q %q", code.Layout, code.Title, code.DocNumber, code.Issued, code.Issuer)
	}
	var ids []string
	for _, c := range code.Clauses {
		ids = append(ids, c.ID)
	}
	want := []string{"1", "2", "3", "4", "4.1", "4.2", "4.3", "5", "5.1", "5.2", "6", "7", "8"}
	if !reflect.DeepEqual(ids, want) {
		t.Fatalf("clause IDs %v, want %v", ids, want)
	}
	c3, _ := code.Clause("3")
	if c3.Text != "工作时间应当统一着装，佩戴工作牌。不得穿拖鞋、背心上岗。" || !reflect.DeepEqual(c3.Path, []string{"服务行为", "仪容仪表", "着装"}) || c3.Title != "着装" {
		t.Fatalf("article 3 (a titled article with two 款): %+v", c3)
	}
	// Items take the modality of the lead-in: 严禁下列行为：（一）在窗口吃零食 is a prohibition.
	for id, m := range map[string]Modality{"4.1": Prohibited, "4.3": Prohibited, "5.1": Required, "5.2": Required, "6": Encouraged} {
		c, _ := code.Clause(id)
		if len(c.Statements) == 0 || c.Statements[0].Modality != m {
			t.Errorf("%s %q: %+v, want %s", id, c.Text, c.Statements, m)
		}
	}
	c41, _ := code.Clause("4.1")
	if c41.Title != "仪容仪表" || !reflect.DeepEqual(c41.Path, []string{"服务行为", "仪容仪表"}) {
		t.Errorf("item 4.1: title %q path %v", c41.Title, c41.Path)
	}
	// Chapters and sections are headings that list their articles.
	hs, cs := code.Children("")
	if len(hs) != 3 || hs[1].ID != "c2" || hs[1].Title != "服务行为" || len(cs) != 0 {
		t.Fatalf("top: %+v %+v", hs, cs)
	}
	hs, cs = code.Children("c2")
	if len(hs) != 2 || hs[0].Title != "仪容仪表" || len(cs) != 0 {
		t.Fatalf("chapter 2: %+v %+v", hs, cs)
	}
	hs, cs = code.Children("c2.s1")
	if len(cs) != 2 || cs[0].ID != "3" || cs[1].ID != "4" {
		t.Fatalf("section 2.1: %+v %+v", hs, cs)
	}
	for id, want := range map[string]string{"12": "第十二条", "4.3": "第四条第（三）项", "5.2.1": "第五条第（二）项第1目", "0": "前言"} {
		if got := code.Cite(id); got != want {
			t.Errorf("Cite(%s) = %q, want %q", id, got, want)
		}
	}
	if got := (&Code{}).Cite("1.3.3"); got != "第 1.3.3 条" {
		t.Errorf("outline Cite = %q", got)
	}
}

// TestParseArticlesErrors: mistakes in the numbering are named with their line.
func TestParseArticlesErrors(t *testing.T) {
	for name, tc := range map[string]struct{ src, want string }{
		"gap":           {"第一条 应当着装。\n第三条 不得吸烟。\n", "第2行"},
		"repeat":        {"第一条 应当着装。\n第二条 不得吸烟。\n第二条 不得喧哗。\n", "重复"},
		"chapter gap":   {"第一章 总则\n第一条 应当着装。\n第三章 附则\n第二条 自发布之日起施行。\n", "第3行"},
		"text too soon": {"第一章 总则\n这是一段没有编号的文字但是没有标点符号的\n第一条 应当着装。\n", "第2行"},
		"no article":    {"某办法\n第一章 总则\n", "没有找到任何条文"},
	} {
		_, err := Parse(tc.src)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, want %q", name, err, tc.want)
		}
	}
}

// TestArticleCodeRoundTrip: Render writes an article code so that Parse reads the same clauses back, items
// within items included.
func TestArticleCodeRoundTrip(t *testing.T) {
	src, _ := os.ReadFile("testdata/articles-sample.txt")
	nested := strings.Replace(string(src), "（二）擅自离岗、串岗；", "（二）擅自离岗，包括：\n1. 上班时间外出办私事；\n2. 串岗聊天；", 1)
	code, err := Parse(nested)
	if err != nil {
		t.Fatal(err)
	}
	if c, ok := code.Clause("4.2.2"); !ok || c.Text != "串岗聊天；" || c.Statements[0].Modality != Prohibited {
		t.Fatalf("nested item 4.2.2: %+v %v", c, ok)
	}
	again, err := Parse(code.Render())
	if err != nil {
		t.Fatalf("%v\n%s", err, code.Render())
	}
	if again.Hash() != code.Hash() {
		t.Fatalf("round trip changed the code:\n%s", code.Render())
	}
}

// TestOutline: what an import shows the admin of an article code: chapters with their articles, the count of
// rules by modality, the clauses without a rule, the penalties.
func TestOutline(t *testing.T) {
	src, _ := os.ReadFile("testdata/articles-sample.txt")
	code, err := Parse(string(src))
	if err != nil {
		t.Fatal(err)
	}
	o := code.Outline()
	if o.Articles != 8 || o.Clauses != 13 || o.Prohibited < 4 || o.Required < 3 || o.Encouraged != 1 {
		t.Fatalf("outline %+v", o)
	}
	if p := o.Penalties["7"]; len(p) != 2 || p[0] != "扣2分" || p[1] != "通报批评" {
		t.Fatalf("penalties %v", o.Penalties)
	}
	text := o.String(code)
	for _, want := range []string{"格式：第X章／第X条；8 条条文", "第一章 总则：第一条–第二条", "  第一节 仪容仪表：第三条–第四条", "处罚条款：第七条（扣2分、通报批评）"} {
		if !strings.Contains(text, want) {
			t.Errorf("no %q in\n%s", want, text)
		}
	}
	if shipped := Shipped().Outline(); shipped.Prohibited == 0 || len(shipped.Headings) == 0 || shipped.Layout != LayoutOutline {
		t.Errorf("the shipped code's outline: %+v", shipped)
	}
}

// TestOutlineListsInheritTheLeadIn: in the outline layout too, items under a lead-in that forbids take its
// modality.
func TestOutlineListsInheritTheLeadIn(t *testing.T) {
	code, err := Parse("某中心服务规范\n一、工作纪律\n（一）窗口工作人员不得有下列行为：\n1、在窗口吃零食；\n2、串岗聊天。\n（二）提倡使用普通话。\n")
	if err != nil {
		t.Fatal(err)
	}
	for id, m := range map[string]Modality{"1.1.1": Prohibited, "1.1.2": Prohibited, "1.2": Encouraged} {
		c, ok := code.Clause(id)
		if !ok || len(c.Statements) == 0 || c.Statements[0].Modality != m {
			t.Errorf("%s: %+v, want %s", id, c, m)
		}
	}
}

// TestArticlesWithoutTheSiteFooter: a code pasted from a web page ends in the site's footer (主办, 网站标识码,
// 备案号); it is the page's frame, not the last article's text.
func TestArticlesWithoutTheSiteFooter(t *testing.T) {
	code, err := Parse("某中心窗口服务规范\n\n第一条　窗口人员不得擅离岗位。\n\n第二条　本规范自2021年4月1日起施行。\n\n【打印】【关闭】\n主办：某市某局　　网站标识码：3210000012　　备案号：苏ICP备12345678号\n版权所有 © 某市某局\n")
	if err != nil {
		t.Fatal(err)
	}
	c, ok := code.Clause("2")
	if !ok {
		t.Fatalf("no article 2 in %+v", code.Clauses)
	}
	if c.Text != "本规范自2021年4月1日起施行。" {
		t.Errorf("article 2 = %q, want its own sentence only", c.Text)
	}
}
