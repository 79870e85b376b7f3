package rules

import (
	"reflect"
	"strings"
	"testing"
)

func TestDetectModality(t *testing.T) {
	for _, tc := range []struct {
		s    string
		want Modality
	}{
		// prohibitions
		{"禁止使用伤害感情、激化矛盾、损害形象的语言", Prohibited},
		{"服务大厅工作区域内不得穿拖鞋", Prohibited},
		{"不准冷落、刁难、训斥和歧视", Prohibited},
		{"严禁在大厅内吸烟", Prohibited},
		{"不要与其争吵", Prohibited},
		{"接电话不能主动挂机", Prohibited},
		{"不可推诿", Prohibited},
		{"不许迟到早退", Prohibited},
		{"杜绝门难进、脸难看、事难办", Prohibited},
		{"不应推诿扯皮", Prohibited},
		{"不留胡须", Prohibited}, // a bare 不 in a norm
		{"不与其争辩", Prohibited},
		// requirements
		{"必须用起立、正视、微笑等方式与服务对象打招呼", Required},
		{"有制服的部门窗口工作人员一律着制服上岗", Required},
		{"应主动站立、热情打招呼、熟练应答相关业务问题", Required},
		{"各窗口应当备齐资料", Required},
		{"要使用礼貌用语", Required},
		{"务必按时到岗", Required},
		{"确保事项网上受理", Required},
		{"需要提供身份证", Required},
		{"须持证上岗", Required},
		{"承诺件要尽可能的做到早办结", Required}, // 要 comes first
		// encouragement and permission
		{"提倡讲普通话", Encouraged},
		{"并尽量用普通话", Encouraged},
		{"尽可能缩短办理时限", Encouraged},
		{"鼓励窗口创新服务方式", Encouraged},
		{"女工作人员可淡妆", Permitted},
		{"检查可采用自查、抽查、互查、暗访等方式", Permitted},
		{"可以佩戴工号牌", Permitted},
		{"允许轮流就餐", Permitted},
		// words that contain a marker and carry no modality
		{"作为一条重要依据", None},
		{"以“中心”日常巡查督查为主要管理方式", None},
		{"服务对象可能出现误解", None},
		{"不断提高办事效率", None},
		{"服务对象出言不逊", None},
		{"熟练应答相关业务问题", None},
		{"政务公开需要的除外", None},
		{"按统一要求摆放", None},
		{"办理许可证", None},
		{"坚持不懈地学习", None},
		{"不必惊慌", None},
		{"规范化服务是内部管理的基本形式之一", None},
		{"然后", None},
		{"", None},
		// quoted examples are not read
		{"如“我不管，问别人去”、“不知道”等", None},
		{"“不得”二字", None},
		{"「不要」", None},
		{"要说“您这个业务请到××窗口办理”", Required},
		{"如“不知道”，不得使用", Prohibited},
		// the earliest marker wins
		{"不要急于办结，应耐心解释", Prohibited},
		{"应耐心解释，不要急于办结", Required},
		{"提倡微笑，必须文明", Encouraged},
		// a quote that is never closed hides the rest, never more
		{"“不知道", None},
		{"不得说“不知道", Prohibited},
	} {
		if got := DetectModality(tc.s); got != tc.want {
			t.Errorf("DetectModality(%q) = %s, want %s", tc.s, got, tc.want)
		}
	}
}

func TestSplitStatements(t *testing.T) {
	type st = Statement
	for _, tc := range []struct {
		text string
		want []Statement
	}{
		{fw("女工作人员可淡妆{,}不披散发{,}不涂浓指甲油。"), []st{
			{"女工作人员可淡妆", Permitted}, {"不披散发", Prohibited}, {"不涂浓指甲油", Prohibited},
		}},
		{fw("工作时{,}提倡讲普通话{,}语言交流做到文明、简洁、清晰。"), []st{
			{fw("工作时{,}提倡讲普通话"), Encouraged}, {"语言交流做到文明、简洁、清晰", Required},
		}},
		// a leading condition joins the next fragment; a fragment without a marker joins the one before
		{fw("如有传呼电话{,}不得在大厅窗口高声喊叫{,}而要当面轻声传叫"), []st{
			{fw("如有传呼电话{,}不得在大厅窗口高声喊叫"), Prohibited}, {"而要当面轻声传叫", Required},
		}},
		{fw("要耐心听取{,}认真记录。"), []st{{fw("要耐心听取{,}认真记录"), Required}}},
		{fw("不得吸烟{,}在大厅内。"), []st{{fw("不得吸烟{,}在大厅内"), Prohibited}}},
		// sentences end at 。；！？ and their ASCII forms; none of them ends up in a statement
		{fw("不得吸烟{;}不得喝酒。要微笑{!}可以休息{?}提倡读书;禁止喧哗!"), []st{
			{"不得吸烟", Prohibited}, {"不得喝酒", Prohibited}, {"要微笑", Required}, {"可以休息", Permitted},
			{"提倡读书", Encouraged}, {"禁止喧哗", Prohibited},
		}},
		// quotes and brackets keep their commas and stops
		{fw("如“我不管{,}问别人去”、“不知道”等。"), []st{{fw("如“我不管{,}问别人去”、“不知道”等"), None}}},
		// examples (如“…”等) share the modality of the rule before them, whatever the quotes say
		{fw("禁止使用伤害感情的语言。如“我不管{,}问别人去”、“不知道”等。"), []st{
			{"禁止使用伤害感情的语言", Prohibited}, {fw("如“我不管{,}问别人去”、“不知道”等"), Prohibited},
		}},
		{fw("要使用礼貌用语。如{:}“对不起{,}您的××不能办理”、“再见”等。"), []st{
			{"要使用礼貌用语", Required}, {fw("如{:}“对不起{,}您的××不能办理”、“再见”等"), Required},
		}},
		{fw("要使用礼貌用语。如果有疑问{,}请咨询。"), []st{{"要使用礼貌用语", Required}, {fw("如果有疑问{,}请咨询"), None}}},
		{fw("不得泄露信息{(}政务公开需要的除外{,}经批准的除外。{)}"), []st{
			{fw("不得泄露信息{(}政务公开需要的除外{,}经批准的除外。{)}"), Prohibited},
		}},
		// ASCII commas split too, and the statement keeps the text as written
		{"不得吸烟,不得喝酒", []st{{"不得吸烟", Prohibited}, {"不得喝酒", Prohibited}}},
		{"不得吸烟,在大厅内", []st{{"不得吸烟,在大厅内", Prohibited}}},
		{"工作时,不得吸烟", []st{{"工作时,不得吸烟", Prohibited}}},
		{fw("工作时,,{,}不得吸烟"), []st{{fw("工作时,,{,}不得吸烟"), Prohibited}}},
		// a sentence without any marker is one statement without modality
		{fw("规范化服务是“中心”内部管理的基本形式之一{,}是有效举措。"), []st{
			{fw("规范化服务是“中心”内部管理的基本形式之一{,}是有效举措"), None},
		}},
		{"", nil},
		{fw("。{,}{;}  ,"), nil},
	} {
		got := SplitStatements(tc.text)
		if !reflect.DeepEqual(got, tc.want) {
			t.Errorf("SplitStatements(%q) =\n  %+v\nwant\n  %+v", tc.text, got, tc.want)
		}
	}
}

// FuzzSplitStatements: never panics, and statements are pieces of the input: no rune in them that the input lacks,
// no empty statement, no sentence stop outside quotes, and every modality is one of the five.
func FuzzSplitStatements(f *testing.F) {
	for _, cl := range Shipped().Clauses {
		f.Add(cl.Text)
	}
	for _, s := range []string{"不得吸烟,在大厅内", "“不知道", "如“a，b”,不得c", "（不得，可以）", "”不得“", ",,,", "\n不\n"} {
		f.Add(s)
	}
	valid := map[Modality]bool{None: true, Prohibited: true, Required: true, Encouraged: true, Permitted: true}
	f.Fuzz(func(t *testing.T, text string) {
		prev := None
		for _, s := range SplitStatements(text) {
			if strings.TrimSpace(s.Text) == "" {
				t.Fatalf("empty statement from %q", text)
			}
			for _, r := range s.Text {
				if !strings.ContainsRune(text, r) {
					t.Fatalf("statement %q has %q, which %q lacks", s.Text, r, text)
				}
			}
			if !valid[s.Modality] {
				t.Fatalf("modality %q", s.Modality)
			}
			// a statement is labelled by a marker inside it, or, when it lists examples, by the statement before
			if DetectModality(s.Text) != s.Modality && s.Modality != None && !(isExamples(s.Text) && s.Modality == prev) {
				t.Fatalf("statement %q labelled %s, detected %s", s.Text, s.Modality, DetectModality(s.Text))
			}
			prev = s.Modality
		}
	})
}

// TestException: what a norm leaves out of its rule (除…外), and nothing where it leaves nothing out.
func TestException(t *testing.T) {
	for _, c := range []struct{ sentence, left, rest string }{
		{"窗口台面除工作用品和个人水杯外，不得摆放其他个人物品", "工作用品和个人水杯", "窗口台面，不得摆放其他个人物品"},
		{"除了紧急情况以外，不得擅自离岗", "紧急情况", "，不得擅自离岗"},
		{"不得泄露申请人信息（政务公开需要的除外）", "", ""},
		{"不得擅自离岗", "", ""},
	} {
		left, rest, ok := Exception(c.sentence)
		if left != c.left || rest != c.rest || ok != (c.left != "") {
			t.Errorf("Exception(%q) = %q, %q, %v; want %q, %q", c.sentence, left, rest, ok, c.left, c.rest)
		}
	}
}
