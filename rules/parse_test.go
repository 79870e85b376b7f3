package rules

import (
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"
)

// fw writes the full-width forms a test input needs with ASCII tokens, so that the sources stay readable and
// cannot be changed by an editor that folds full-width punctuation: {(} （, {)} ）, {,} ，, {:} ：, {;} ；,
// {.} ．, {!} ！, {?} ？, {sp} the ideographic space, and {0}…{9} the full-width digits.
func fw(s string) string { return fwReplacer.Replace(s) }

var fwReplacer = func() *strings.Replacer {
	pairs := []string{
		"{(}", "\uff08", "{)}", "\uff09", "{,}", "\uff0c", "{:}", "\uff1a", "{;}", "\uff1b", "{.}", "\uff0e",
		"{!}", "\uff01", "{?}", "\uff1f", "{sp}", "\u3000",
	}
	for d := '0'; d <= '9'; d++ {
		pairs = append(pairs, "{"+string(d)+"}", string(d-'0'+'\uff10'))
	}
	return strings.NewReplacer(pairs...)
}()

type parseCase struct {
	name      string
	src       string
	title     string            // the code's title ("服务规范" when the source has none)
	issuer    string            // the code's issuer
	docNumber string            // the code's document number
	issued    string            // YYYY-MM-DD
	ids       []string          // clause IDs in document order
	headings  []string          // "ID title" of every heading, in document order
	texts     map[string]string // clause ID → text, for the clauses worth checking
	titles    map[string]string // clause ID → title
	paths     map[string]string // clause ID → path joined with "/"
}

// parseCases are the inputs Parse must accept. The fuzz test seeds from them and the render test round-trips them.
var parseCases = []parseCase{
	{
		name: "parts, full-width sections and items",
		src: fw(`一、规范化服务的内容
{(}一{)}服务语言
1、工作时{,}提倡讲普通话。
2、要使用文明用语。
{(}二{)}服务态度
1、接待服务对象时要主动热情。
二、规范化服务的管理
规范化服务工作在“中心”的统一领导下进行。
`),
		title:    "服务规范",
		ids:      []string{"1.1.1", "1.1.2", "1.2.1", "2"},
		headings: []string{"1 规范化服务的内容", "1.1 服务语言", "1.2 服务态度"},
		texts: map[string]string{
			"1.1.1": fw("工作时{,}提倡讲普通话。"), "1.2.1": "接待服务对象时要主动热情。",
			"2": "规范化服务工作在“中心”的统一领导下进行。",
		},
		titles: map[string]string{"1.1.1": "服务语言", "1.2.1": "服务态度", "2": "规范化服务的管理"},
		paths: map[string]string{
			"1.1.1": "规范化服务的内容/服务语言", "1.2.1": "规范化服务的内容/服务态度", "2": "规范化服务的管理",
		},
	},
	{
		name: "ASCII parentheses, 1. items and spaces after markers",
		src: `一. 总则
(一) 语言
1. 讲普通话。
2.使用文明用语。
(二)、态度
1．热情周到。
二 、 管理
(一)检查
中心定期检查。
`,
		title:    "服务规范",
		ids:      []string{"1.1.1", "1.1.2", "1.2.1", "2.1"},
		headings: []string{"1 总则", "1.1 语言", "1.2 态度", "2 管理"},
		texts:    map[string]string{"1.1.1": "讲普通话。", "1.1.2": "使用文明用语。", "1.2.1": "热情周到。", "2.1": "中心定期检查。"},
		titles:   map[string]string{"1.1.2": "语言", "2.1": "检查"},
		paths:    map[string]string{"2.1": "管理/检查"},
	},
	{
		name: "full-width digits, full-width stops and numbers past nine",
		src: fw(`{(}一{)}{sp}服务语言
{1}、提倡讲普通话。
{2}{.}要使用文明用语。
{3}，不得大声喧哗。
4、不得吸烟。
5、不得吃东西。
6、不得打瞌睡。
7、不得串岗。
8、不得聊天。
9、不得嬉闹。
{1}{0}、不得会客。
11、不得带小孩。
`),
		title:    "服务规范",
		ids:      []string{"1.1", "1.2", "1.3", "1.4", "1.5", "1.6", "1.7", "1.8", "1.9", "1.10", "1.11"},
		headings: []string{"1 服务语言"},
		texts:    map[string]string{"1.2": "要使用文明用语。", "1.3": "不得大声喧哗。", "1.10": "不得会客。"},
	},
	{
		name: "(1) sub-items, ASCII and full-width",
		src: fw(`1、各窗口应备齐以下物品{:}
(1)笔{;}
{(}2{)}纸。
2、不得在工作台面堆放个人物品。
`),
		title:    "服务规范",
		ids:      []string{"1", "1.1", "1.2", "2"},
		headings: []string{fw("1 各窗口应备齐以下物品{:}")},
		texts:    map[string]string{"1": fw("各窗口应备齐以下物品{:}"), "1.1": fw("笔{;}"), "1.2": "纸。"},
	},
	{
		name: "circled numbers",
		src: `一、服务设施
1、各窗口应备齐便民物品：
①笔
②纸
③老花镜
2、不得堆放个人物品。
`,
		title:    "服务规范",
		ids:      []string{"1.1", "1.1.1", "1.1.2", "1.1.3", "1.2"},
		headings: []string{"1 服务设施", "1.1 各窗口应备齐便民物品："},
		texts:    map[string]string{"1.1.1": "笔", "1.1.3": "老花镜", "1.2": "不得堆放个人物品。"},
		titles:   map[string]string{"1.1": "服务设施", "1.1.1": "服务设施"},
	},
	{
		name: "only items: IDs 1, 2, 3",
		src: `1、提倡讲普通话。
2、要使用文明用语。
3、不得发表不当言论。
`,
		title: "服务规范",
		ids:   []string{"1", "2", "3"},
		texts: map[string]string{"1": "提倡讲普通话。", "3": "不得发表不当言论。"},
	},
	{
		name: "an item directly under a part takes the next level",
		src: `一、总则
1、提倡讲普通话。
2、要使用文明用语。
`,
		title:    "服务规范",
		ids:      []string{"1.1", "1.2"},
		headings: []string{"1 总则"},
	},
	{
		name: "wrapped lines join",
		src: fw(`1、工作时{,}提倡讲普通话{,}
语言交流做到文明、简洁、清晰。
2、Speak plain English,
please.
3、排队等候的群众之间{,}
1.5米以内不得拥挤。
4、服务语言
讲普通话。
5、工作时间必须按“中心”的规定着装
有制服的一律着制服上岗。
`),
		title: "服务规范",
		ids:   []string{"1", "2", "3", "4", "5"},
		texts: map[string]string{
			"1": fw("工作时{,}提倡讲普通话{,}语言交流做到文明、简洁、清晰。"),
			"2": "Speak plain English, please.",
			"3": fw("排队等候的群众之间{,}1.5米以内不得拥挤。"),
			"4": "讲普通话。",
			"5": "工作时间必须按“中心”的规定着装有制服的一律着制服上岗。",
		},
		titles: map[string]string{"4": "服务语言", "5": ""},
	},
	{
		name: "metadata lines",
		src: fw(`标题{:}如皋市行政服务中心工作人员服务规范
发文机关{:}如皋市行政服务中心
文号{:}皋行服中心〔2012〕25号
日期{:}二〇一二年六月十二日

一、规范化服务的管理
规范化服务工作在“中心”的统一领导下进行。
`),
		title: "如皋市行政服务中心工作人员服务规范", issuer: "如皋市行政服务中心",
		docNumber: "皋行服中心〔2012〕25号", issued: "2012-06-12",
		ids: []string{"1"},
	},
	{
		name: "metadata with ASCII colons and ISO date",
		src: `名称: 窗口服务规范
发布机关: 某某中心
发文字号: 某服〔2020〕3号
发布日期: 2020-1-5
1、要文明服务。
`,
		title: "窗口服务规范", issuer: "某某中心", docNumber: "某服〔2020〕3号", issued: "2020-01-05",
		ids: []string{"1"},
	},
	{
		name: "title and document number lines without metadata, and a preamble",
		src: fw(`如皋市行政服务中心工作人员服务规范
皋行服中心〔2012〕25号
为进一步加强“中心”工作人员队伍建设{,}提高工作人员整体素质{,}
特制定本规范。

一、规范化服务的管理
规范化服务工作在“中心”的统一领导下进行。
`),
		title: "如皋市行政服务中心工作人员服务规范", docNumber: "皋行服中心〔2012〕25号",
		ids:    []string{"0", "1"},
		texts:  map[string]string{"0": fw("为进一步加强“中心”工作人员队伍建设{,}提高工作人员整体素质{,}特制定本规范。")},
		titles: map[string]string{"0": "前言"},
	},
	{
		name: "a preamble that cites a document number is no document number",
		src: fw(`为进一步加强队伍建设{,}依据皋行服中心〔2012〕
25号文件{,}特制定本规范。
依据〔2012〕
26号
一、规范化服务的管理
统一管理。
`),
		title: "服务规范",
		ids:   []string{"0", "1"},
		texts: map[string]string{"0": fw("为进一步加强队伍建设{,}依据皋行服中心〔2012〕25号文件{,}特制定本规范。依据〔2012〕26号")},
	},
	{
		name: "a trailing Chinese date line sets Issued and ends the code",
		src: `一、规范化服务的考核
规范化服务是“中心”内部管理的基本形式之一。

二〇一二年六月十二日
三、这一行在日期之后，不属于规范
`,
		title: "服务规范", issued: "2012-06-12",
		ids:   []string{"1"},
		texts: map[string]string{"1": "规范化服务是“中心”内部管理的基本形式之一。"},
	},
	{
		name: "a signature line before the closing date is the issuer, not clause text",
		src: fw(`1、不得发表不当言论。
2、要使用文明用语。
如皋市行政服务中心
2012年6月12日
`),
		title: "服务规范", issuer: "如皋市行政服务中心", issued: "2012-06-12",
		ids:   []string{"1", "2"},
		texts: map[string]string{"2": "要使用文明用语。"},
	},
	{
		name: "主题词 and 抄送 end the code",
		src: fw(`1、提倡讲普通话。
2、要使用文明用语。
主题词{:}行政服务 规范 通知
抄送{:}市委办公室
3、这不是条款。
`),
		title: "服务规范",
		ids:   []string{"1", "2"},
		texts: map[string]string{"2": "要使用文明用语。"},
	},
	{
		name: "a wrapped line that starts with 附件 or 印发 is text, not a trailer",
		src: `1、申请人应提交申请书及
附件材料。
2、不得擅自对外
印发文件。
3、不得刁难服务对象。
`,
		title: "服务规范",
		ids:   []string{"1", "2", "3"},
		texts: map[string]string{"1": "申请人应提交申请书及附件材料。", "2": "不得擅自对外印发文件。"},
	},
	{
		name: "a marker alone on its line takes the next line as its text",
		src: fw(`一、
规范化服务的内容
{(}一{)}
服务语言
1、
提倡讲普通话。
`),
		title:    "服务规范",
		ids:      []string{"1.1.1"},
		headings: []string{"1 规范化服务的内容", "1.1 服务语言"},
		texts:    map[string]string{"1.1.1": "提倡讲普通话。"},
		titles:   map[string]string{"1.1.1": "服务语言"},
	},
	{
		name: "a part heading with a body paragraph and no items",
		src: `一、规范化服务的管理
规范化服务工作在“中心”的统一领导下进行，以“中心”日常巡查督查为主要管理方式。
检查可采用自查、抽查、互查、暗访等方式。
二、规范化服务的考核
规范化服务是“中心”内部管理的基本形式之一。
`,
		title:  "服务规范",
		ids:    []string{"1", "2"},
		texts:  map[string]string{"1": "规范化服务工作在“中心”的统一领导下进行，以“中心”日常巡查督查为主要管理方式。检查可采用自查、抽查、互查、暗访等方式。"},
		titles: map[string]string{"1": "规范化服务的管理", "2": "规范化服务的考核"},
		paths:  map[string]string{"1": "规范化服务的管理"},
	},
	{
		name:     "CRLF line ends, a byte order mark and tabs",
		src:      "\ufeff一、总则\r\n\t1、提倡讲普通话。\r\n2、要使用\t文明用语。\r\n",
		title:    "服务规范",
		ids:      []string{"1.1", "1.2"},
		headings: []string{"1 总则"},
		texts:    map[string]string{"1.1": "提倡讲普通话。", "1.2": "要使用 文明用语。"},
	},
	{
		name: "a heading that is a sentence gets a clipped title and keeps its text as a clause",
		src: `一、为规范窗口工作人员的服务行为，特制定以下规定。
1、提倡讲普通话。
`,
		title:    "服务规范",
		ids:      []string{"1", "1.1"},
		headings: []string{"1 为规范窗口工作人员的服务行为，特制定以下…"},
		texts:    map[string]string{"1": "为规范窗口工作人员的服务行为，特制定以下规定。"},
	},
	{
		name:  "the shipped code",
		src:   ShippedSource,
		title: "如皋市行政服务中心工作人员服务规范", issuer: "如皋市行政服务中心",
		docNumber: "皋行服中心〔2012〕25号", issued: "2012-06-12",
	},
}

func TestParse(t *testing.T) {
	for _, tc := range parseCases {
		t.Run(tc.name, func(t *testing.T) {
			code, err := Parse(tc.src)
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			checkWellFormed(t, code)
			got := [4]string{code.Title, code.Issuer, code.DocNumber, code.Issued}
			want := [4]string{tc.title, tc.issuer, tc.docNumber, tc.issued}
			if got != want {
				t.Errorf("title, issuer, doc number, issued = %q, want %q", got, want)
			}
			if tc.ids != nil {
				if ids := clauseIDs(code); !reflect.DeepEqual(ids, tc.ids) {
					t.Errorf("clause IDs = %v, want %v", ids, tc.ids)
				}
			}
			if tc.headings != nil {
				var hs []string
				for _, h := range code.Headings {
					hs = append(hs, h.ID+" "+h.Title)
				}
				if !reflect.DeepEqual(hs, tc.headings) {
					t.Errorf("headings = %q, want %q", hs, tc.headings)
				}
			}
			for id, want := range tc.texts {
				if cl, ok := code.Clause(id); !ok || cl.Text != want {
					t.Errorf("clause %s text = %q, want %q", id, cl.Text, want)
				}
			}
			for id, want := range tc.titles {
				if cl, ok := code.Clause(id); !ok || cl.Title != want {
					t.Errorf("clause %s title = %q, want %q", id, cl.Title, want)
				}
			}
			for id, want := range tc.paths {
				if cl, ok := code.Clause(id); !ok || strings.Join(cl.Path, "/") != want {
					t.Errorf("clause %s path = %q, want %q", id, cl.Path, want)
				}
			}
		})
	}
}

func clauseIDs(code *Code) []string {
	var ids []string
	for _, cl := range code.Clauses {
		ids = append(ids, cl.ID)
	}
	return ids
}

type parseErrorCase struct {
	name string
	src  string
	line int      // ParseError.Line; 0 when the error is about the whole input
	msg  []string // words the message must contain
}

var parseErrorCases = []parseErrorCase{
	{"duplicate number", "一、总则\n（一）语言\n1、讲普通话。\n2、文明用语。\n2、礼貌用语。\n", 5, []string{"编号“2、”重复", "第4行已有"}},
	{"duplicate section", fw("一、总则\n{(}一{)}语言\n1、讲普通话。\n(一)态度\n1、热情。\n"), 4, []string{"编号“(一)”重复", "第2行已有"}},
	{"duplicate part after a part", "一、总则\n规范服务。\n一、管理\n统一管理。\n", 3, []string{"编号“一、”重复", "第1行已有"}},
	{"skipped item number", "1、讲普通话。\n3、文明用语。\n", 2, []string{"编号“3、”不连续", "应为“2、”"}},
	{"skipped part", "一、总则\n规范服务。\n三、考核\n年终考核。\n", 3, []string{"编号“三、”不连续", "应为“二、”"}},
	{"numbering that does not start at one", "\n\n(2)讲普通话。\n", 3, []string{"编号“(2)”不连续", "应为“(1)”"}},
	{"a section below an item", "一、总则\n1、讲普通话。\n（一）语言\n", 3, []string{"编号“(一)”重复", "第2行已有"}},
	{"text before any heading", "服务规范\n\n总则\n一、规范服务。\n", 3, []string{"“总则”出现在第一个编号标题之前", "既不是标题也不是前言"}},
	{"preamble without any numbered clause", "\n为进一步加强“中心”工作人员队伍建设，特制定本规范。\n", 2, []string{"没有找到任何编号条款"}},
	{"empty document", "", 0, []string{"文档是空的"}},
	{"whitespace-only document", " \n\t\r\n\u3000\n\ufeff\n", 0, []string{"文档是空的"}},
	{"a numbered line with no content", "一、服务语言\n1、\n2、讲普通话。\n", 2, []string{"编号 1.1 下没有内容"}},
	{"a last heading with no content", "1、讲普通话。\n2、\n", 2, []string{"编号 2 下没有内容"}},
	{"a metadata date that cannot be read", fw("日期{:}明年\n1、讲普通话。\n"), 1, []string{"日期“明年”看不懂"}},
	{"invalid UTF-8", "一、总则\n1、讲普通话。\n2、文明\xff用语。\n", 3, []string{"不是 UTF-8 编码"}},
	{"NUL in a clause", "一、总则\n1、讲普通话。\n2、文明\x00用语。\n", 3, []string{"含有控制字符（U+0000）", "请删除后再导入"}},
	{"escape in a title", "一、总则\r\n（一）\x1b[31m语言\r\n1、讲普通话。\r\n", 2, []string{"含有控制字符（U+001B）"}},
	{"form feed between pages", "一、总则\n1、讲普通话。\n\f\n二、管理\n1、统一管理。\n", 3, []string{"U+000C"}},
	{"C1 control", "标题：服务规范\u0085\n1、讲普通话。\n", 1, []string{"U+0085"}},
	{"DEL", "1、讲普通话。\x7f\n", 1, []string{"U+007F"}},
	{"oversized input", strings.Repeat("1、讲普通话。\n", MaxSourceBytes/len("1、讲普通话。\n")+1), 0, []string{"文件太大", "32768 KB"}},
}

func TestParseErrors(t *testing.T) {
	for _, tc := range parseErrorCases {
		t.Run(tc.name, func(t *testing.T) {
			code, err := Parse(tc.src)
			if err == nil {
				t.Fatalf("Parse accepted it: %d clauses %v", len(code.Clauses), clauseIDs(code))
			}
			var pe *ParseError
			if !errors.As(err, &pe) {
				t.Fatalf("error %T %v is not a *ParseError", err, err)
			}
			if pe.Line != tc.line {
				t.Errorf("Line = %d, want %d (%v)", pe.Line, tc.line, err)
			}
			for _, w := range tc.msg {
				if !strings.Contains(pe.Msg, w) {
					t.Errorf("message %q does not say %q", pe.Msg, w)
				}
			}
			prefix := fmt.Sprintf("第%d行", tc.line)
			if hasPrefix := strings.HasPrefix(err.Error(), prefix); hasPrefix != (tc.line > 0) {
				t.Errorf("Error() = %q; starts with %q: %v, want %v", err.Error(), prefix, hasPrefix, tc.line > 0)
			}
			if !containsHan(pe.Msg) {
				t.Errorf("message %q is not in Chinese", pe.Msg)
			}
		})
	}
}

func containsHan(s string) bool {
	for _, r := range s {
		if r >= 0x4E00 && r <= 0x9FFF {
			return true
		}
	}
	return false
}

// TestParseSizeLimit: MaxSourceBytes is accepted, even as one line; one byte more is not.
func TestParseSizeLimit(t *testing.T) {
	head := "1、"
	src := head + strings.Repeat("好", (MaxSourceBytes-len(head))/3)
	src += strings.Repeat("a", MaxSourceBytes-len(src))
	if len(src) != MaxSourceBytes {
		t.Fatalf("test input is %d bytes", len(src))
	}
	code, err := Parse(src)
	if err != nil {
		t.Fatalf("a one-line input of exactly MaxSourceBytes: %v", err)
	}
	if len(code.Clauses) != 1 || len(code.Clauses[0].Text) != MaxSourceBytes-len(head) {
		t.Errorf("got %d clauses", len(code.Clauses))
	}
	if _, err := Parse(src + "\n"); err == nil {
		t.Errorf("MaxSourceBytes+1 accepted")
	}
}

func TestLabelAndMarker(t *testing.T) {
	if got := Label(PreambleID); got != "前言" {
		t.Errorf("Label(%q) = %q", PreambleID, got)
	}
	for _, tc := range []struct{ id, label, marker string }{
		{"1", "一", "一、"},
		{"2", "二", "二、"},
		{"1.3", "一(三)", "(三)"},
		{"1.3.3", "一(三)3", "3、"},
		{"1.5.7", "一(五)7", "7、"},
		{"1.2.3.4", "一(二)3.4", "(4)"},
		{"1.2.3.4.5", "一(二)3.4.5", "⑤"},
		{"12", "十二", "十二、"},
		{"2.10", "二(十)", "(十)"},
		{"1.1.12", "一(一)12", "12、"},
	} {
		if got := Label(tc.id); got != tc.label {
			t.Errorf("Label(%q) = %q, want %q", tc.id, got, tc.label)
		}
		if got := Marker(tc.id); got != tc.marker {
			t.Errorf("Marker(%q) = %q, want %q", tc.id, got, tc.marker)
		}
	}
}

func TestChineseNumeral(t *testing.T) {
	for n, want := range map[int]string{
		1: "一", 2: "二", 9: "九", 10: "十", 11: "十一", 19: "十九", 20: "二十", 21: "二十一", 99: "九十九",
		100: "一百", 101: "一百零一", 110: "一百一十", 115: "一百一十五", 199: "一百九十九", 200: "二百",
		305: "三百零五", 999: "九百九十九", 1000: "1000", 0: "0", -3: "-3",
	} {
		if got := ChineseNumeral(n); got != want {
			t.Errorf("ChineseNumeral(%d) = %q, want %q", n, got, want)
		}
	}
	// chineseNumber reads back what ChineseNumeral writes.
	for n := 1; n < 1000; n++ {
		if got := chineseNumber(ChineseNumeral(n)); got != n {
			t.Errorf("chineseNumber(ChineseNumeral(%d)) = %d", n, got)
		}
	}
	for s, want := range map[string]int{"两": 2, "一二": 0, "十": 10, "〇": 0, "甲": 0} {
		if got := chineseNumber(s); got != want {
			t.Errorf("chineseNumber(%q) = %d, want %d", s, got, want)
		}
	}
}

func TestCompareIDs(t *testing.T) {
	for _, tc := range []struct {
		a, b string
		want int
	}{
		{"1", "1", 0}, {"0", "1", -1}, {"1.9", "1.10", -1}, {"1.10", "1.9", 1}, {"1", "1.1", -1}, {"1.1", "1", 1},
		{"1.3.3", "1.3.3", 0}, {"1.5.7", "2", -1}, {"2", "1.5.7", 1}, {"3", "2.1", 1}, {"1.2.10", "1.2.2", 1},
	} {
		got := CompareIDs(tc.a, tc.b)
		if sign(got) != tc.want {
			t.Errorf("CompareIDs(%q, %q) = %d, want sign %d", tc.a, tc.b, got, tc.want)
		}
	}
	ids := []Clause{{ID: "2"}, {ID: "1.10"}, {ID: "0"}, {ID: "1.9"}, {ID: "1.1.2"}, {ID: "1"}}
	SortClauses(ids)
	var got []string
	for _, c := range ids {
		got = append(got, c.ID)
	}
	if want := []string{"0", "1", "1.1.2", "1.9", "1.10", "2"}; !reflect.DeepEqual(got, want) {
		t.Errorf("SortClauses = %v, want %v", got, want)
	}
}

func sign(n int) int {
	switch {
	case n < 0:
		return -1
	case n > 0:
		return 1
	}
	return 0
}

func TestWithinAndParentID(t *testing.T) {
	for _, tc := range []struct {
		id, ancestor string
		want         bool
	}{
		{"1.3.3", "1.3", true}, {"1.3.3", "1", true}, {"1.3.3", "1.3.3", true}, {"2.1", "2", true},
		{"1.3", "1.3.3", false}, {"1.30", "1.3", false}, {"11", "1", false}, {"2", "1", false}, {"0", "", false},
	} {
		if got := Within(tc.id, tc.ancestor); got != tc.want {
			t.Errorf("Within(%q, %q) = %v", tc.id, tc.ancestor, got)
		}
	}
	for id, want := range map[string]string{"1.3.3": "1.3", "1.3": "1", "1": "", "0": "", "2.10": "2"} {
		if got := ParentID(id); got != want {
			t.Errorf("ParentID(%q) = %q, want %q", id, got, want)
		}
	}
}

func TestChildren(t *testing.T) {
	code := Shipped()
	hs, cs := code.Children("")
	if got := headingIDs(hs); !reflect.DeepEqual(got, []string{"1"}) {
		t.Errorf("top headings = %v", got)
	}
	if got := clauseIDsOf(cs); !reflect.DeepEqual(got, []string{"0", "2", "3"}) {
		t.Errorf("top clauses = %v", got)
	}
	hs, cs = code.Children("1")
	if got := headingIDs(hs); !reflect.DeepEqual(got, []string{"1.1", "1.2", "1.3", "1.4", "1.5"}) {
		t.Errorf("headings below 1 = %v", got)
	}
	if len(cs) != 0 {
		t.Errorf("clauses directly below 1 = %v", clauseIDsOf(cs))
	}
	hs, cs = code.Children("1.3")
	if len(hs) != 0 || !reflect.DeepEqual(clauseIDsOf(cs), []string{"1.3.1", "1.3.2", "1.3.3"}) {
		t.Errorf("below 1.3: headings %v clauses %v", headingIDs(hs), clauseIDsOf(cs))
	}
	if hs, cs := code.Children("1.3.3"); len(hs)+len(cs) != 0 {
		t.Errorf("a clause has children: %v %v", hs, cs)
	}
	if hs, cs := code.Children("9"); len(hs)+len(cs) != 0 {
		t.Errorf("an unknown ID has children: %v %v", hs, cs)
	}
}

func headingIDs(hs []Heading) []string {
	var out []string
	for _, h := range hs {
		out = append(out, h.ID)
	}
	return out
}

func clauseIDsOf(cs []Clause) []string {
	var out []string
	for _, c := range cs {
		out = append(out, c.ID)
	}
	return out
}

func TestHash(t *testing.T) {
	a, b := Shipped(), Shipped()
	if a.Hash() != b.Hash() || len(a.Hash()) != 64 {
		t.Fatalf("hash not stable: %s %s", a.Hash(), b.Hash())
	}
	// The same content written differently (rendered, blank lines, CRLF) hashes the same.
	again, err := Parse(strings.ReplaceAll(a.Render(), "\n", "\r\n\n"))
	if err != nil {
		t.Fatal(err)
	}
	if again.Hash() != a.Hash() {
		t.Errorf("the rendered code hashes differently")
	}
	// One clause changed by one character.
	i := len(b.Clauses) / 2
	b.Clauses[i].Text = strings.Replace(b.Clauses[i].Text, "要", "须", 1)
	if b.Hash() == a.Hash() {
		t.Errorf("changing clause %s did not change the hash", b.Clauses[i].ID)
	}
	// The same change made through the source.
	changed, err := Parse(strings.Replace(ShippedSource, "不留胡须", "不留长胡须", 1))
	if err != nil {
		t.Fatal(err)
	}
	if changed.Hash() == a.Hash() {
		t.Errorf("changing 1.3.2 in the source did not change the hash")
	}
	// Moving text from one clause to its neighbour is a change too.
	c := Shipped()
	c.Clauses[1].Text, c.Clauses[2].Text = c.Clauses[1].Text+c.Clauses[2].Text[:3], c.Clauses[2].Text[3:]
	if c.Hash() == a.Hash() {
		t.Errorf("moving text between clauses did not change the hash")
	}
	// Metadata belongs to the content.
	d := Shipped()
	d.Issued = "2013-01-01"
	if d.Hash() == a.Hash() {
		t.Errorf("changing the date did not change the hash")
	}
	if a1, a2 := TextHash("a"), TextHash(string([]byte{'a'})); TextHash("a") == TextHash("b") || a1 != a2 || !utf8.ValidString(a1) {
		t.Errorf("TextHash misbehaves")
	}
}
