package rules

import (
	"errors"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzParse checks that Parse never panics, and that whatever it accepts is well formed and survives Render.
func FuzzParse(f *testing.F) {
	f.Add(ShippedSource)
	for _, tc := range parseCases {
		f.Add(tc.src)
	}
	for _, tc := range parseErrorCases {
		if len(tc.src) < 4096 {
			f.Add(tc.src)
		}
	}
	f.Fuzz(func(t *testing.T, src string) {
		code, err := Parse(src)
		if err != nil {
			var pe *ParseError
			if !errors.As(err, &pe) {
				t.Fatalf("error is %T, not *ParseError: %v", err, err)
			}
			if pe.Msg == "" {
				t.Fatalf("empty error message")
			}
			return
		}
		checkWellFormed(t, code)
		checkRoundTrip(t, code)
	})
}

// checkWellFormed asserts the invariants every parsed code keeps.
func checkWellFormed(t *testing.T, code *Code) {
	t.Helper()
	if code.Title == "" {
		t.Errorf("empty title")
	}
	if len(code.Clauses) == 0 {
		t.Fatalf("no clauses")
	}
	seen := map[string]bool{}
	for _, cl := range code.Clauses {
		if cl.ID == "" || strings.TrimSpace(cl.Text) == "" {
			t.Errorf("clause %q has an empty ID or text: %+v", cl.ID, cl)
		}
		if seen[cl.ID] {
			t.Errorf("clause ID %q twice", cl.ID)
		}
		seen[cl.ID] = true
		for _, p := range strings.Split(cl.ID, ".") {
			if p == "" || p[0] == '0' && cl.ID != PreambleID {
				t.Errorf("malformed clause ID %q", cl.ID)
			}
		}
		if !utf8.ValidString(cl.Text) || strings.ContainsAny(cl.Text, "\n\r") {
			t.Errorf("clause %s: text not a single valid line: %q", cl.ID, cl.Text)
		}
	}
	hseen := map[string]bool{}
	for _, h := range code.Headings {
		if h.ID == "" || hseen[h.ID] {
			t.Errorf("heading ID %q empty or twice", h.ID)
		}
		hseen[h.ID] = true
	}
	ids := func() []string {
		var out []string
		for _, cl := range code.Clauses {
			out = append(out, cl.ID)
		}
		return out
	}()
	for i := 1; i < len(ids); i++ {
		if CompareIDs(ids[i-1], ids[i]) >= 0 {
			t.Errorf("clauses out of document order: %s before %s", ids[i-1], ids[i])
		}
	}
}

// structuredLines are the kinds of line a real code has; FuzzStructuredParse strings them together under numbering
// that is mostly right, which random bytes alone rarely reach.
var structuredLines = []string{
	"服务语言", "规范化服务的内容", "工作时\uff0c提倡讲普通话。", "不得穿拖鞋", "女工作人员可淡妆\uff0c不披散发。",
	"工作时间必须按“中心”的规定着装", "有制服的一律着制服上岗。", "如皋市行政服务中心", "二〇一二年六月十二日",
	"2012-06-12", "主题词\uff1a行政服务", "抄送\uff1a市委办公室", "标题\uff1a服务规范", "文号\uff1a皋行服中心〔2012〕25号",
	"如“不知道”等。", "、", ".", "\u3000", "1.5米以内不得拥挤。", "\uff08政务公开需要的除外\uff0c", "附件材料。",
	"为进一步加强队伍建设\uff0c特制定本规范。", "检查可采用自查、抽查等方式。", "Speak plain English,", "please.",
	"\uff0c而要当面轻声传叫。", "为规范窗口工作人员的服务行为\uff0c特制定以下规定\uff1a", "服务质量",
}

// FuzzStructuredParse builds a code from shape (one line per byte: which marker, which line of text) and text
// (used as one of the lines), then checks what FuzzParse checks.
func FuzzStructuredParse(f *testing.F) {
	f.Add([]byte{0, 9, 27, 35, 3, 11, 19}, "服务仪表")
	f.Add([]byte{0, 1, 3, 3, 7, 0, 7}, "不得上网")
	f.Add([]byte{3, 3, 3, 0x83, 6, 6}, "二〇一二年六月十二日")
	f.Fuzz(func(t *testing.T, shape []byte, text string) {
		if len(shape) > 200 {
			return
		}
		src := buildStructured(shape, text)
		code, err := Parse(src)
		if err != nil {
			var pe *ParseError
			if !errors.As(err, &pe) || pe.Msg == "" {
				t.Fatalf("bad error %v", err)
			}
			return
		}
		checkWellFormed(t, code)
		checkRoundTrip(t, code)
	})
}

// buildStructured writes the code FuzzStructuredParse describes. Each byte of shape: bits 0-2 the marker (part,
// section, section in full-width, item, item in full-width digits, sub-item, circled, none: a wrapped line), bits
// 3-7 the line of text; bit 6 puts the marker alone on its line, bit 5 breaks the nesting, bit 7 repeats a number.
func buildStructured(shape []byte, text string) string {
	var b strings.Builder
	var count [rankCircled + 1]int
	var open []int // ranks in use, outermost first
	for i, c := range shape {
		line := text
		if pick := int(c>>3) % (len(structuredLines) + 1); pick < len(structuredLines) {
			line = structuredLines[pick]
		}
		kind := int(c % 8)
		if kind == 7 {
			b.WriteString(line + "\n")
			continue
		}
		rank := []int{rankPart, rankSection, rankSection, rankItem, rankItem, rankSubItem, rankCircled}[kind]
		sound := c&0x20 == 0 || i%4 != 0
		for j, r := range open {
			if r >= rank {
				if sound {
					rank = r // a rank between two open ones would sit beside a sibling of another rank
				}
				open = open[:j]
				break
			}
		}
		open = append(open, rank)
		n := count[rank] + 1
		if c&0x80 != 0 && i%3 == 0 && n > 1 {
			n-- // a repeated number now and then
		}
		count[rank] = n
		for r := rank + 1; r < len(count); r++ {
			count[r] = 0
		}
		full := c&1 == 0
		var marker string
		switch rank {
		case rankPart:
			marker = ChineseNumeral(n) + map[bool]string{true: "\uff0e", false: "、"}[full && n > 5]
		case rankSection:
			marker = map[bool]string{true: "\uff08" + ChineseNumeral(n) + "\uff09", false: "(" + ChineseNumeral(n) + ")"}[full]
		case rankItem:
			marker = strconv.Itoa(n) + "、"
			if full {
				marker = strings.Map(func(r rune) rune { return r - '0' + '\uff10' }, strconv.Itoa(n)) + "\uff0e"
			}
		case rankSubItem:
			marker = map[bool]string{true: "\uff08" + strconv.Itoa(n) + "\uff09", false: "(" + strconv.Itoa(n) + ")"}[full]
		default:
			marker = string(rune('①' + (n-1)%20))
		}
		sep := ""
		if c&0x40 != 0 {
			sep = "\n" // the marker alone on its line
		}
		b.WriteString(marker + sep + line + "\n")
	}
	return b.String()
}
