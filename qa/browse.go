package qa

import (
	"fmt"
	"sort"
	"strings"

	"github.com/conductbot/conductbot/rules"

	"github.com/conductbot/conductbot/bot"
)

// browseView renders one place of the code for /rules: "" the table of contents, a heading's ID its children,
// a clause's ID the clause in full. Every view has buttons to go down and back, all as rl callbacks, so the
// whole browse happens in one message.
func browseView(code *rules.Code, id string) (bot.Message, bool) {
	if id == "" {
		return tocView(code), true
	}
	if h, ok := code.Heading(id); ok {
		return headingView(code, h), true
	}
	if c, ok := code.Clause(id); ok {
		return clauseView(code, c), true
	}
	return bot.Message{}, false
}

// node is a heading or a clause below another node, in document order.
type node struct {
	id, label string
}

func children(code *rules.Code, id string) []node {
	hs, cs := code.Children(id)
	var ns []node
	for _, h := range hs {
		ns = append(ns, node{h.ID, h.Title})
	}
	for _, c := range cs {
		if _, isHeading := code.Heading(c.ID); isHeading {
			continue
		}
		label := c.Title
		if c.ID == rules.PreambleID {
			label = "前言"
		} else if p, ok := code.Heading(rules.ParentID(c.ID)); ok && p.Title == c.Title || label == "" {
			label = bot.Clip(c.Text, 16)
		}
		ns = append(ns, node{c.ID, label})
	}
	sort.SliceStable(ns, func(i, j int) bool { return rules.CompareIDs(ns[i].id, ns[j].id) < 0 })
	return ns
}

func tocView(code *rules.Code) bot.Message {
	var b strings.Builder
	fmt.Fprintf(&b, "📖《%s》", code.Title)
	if code.DocNumber != "" {
		fmt.Fprintf(&b, "\n%s", code.DocNumber)
	}
	b.WriteString("\n\n请选择要查看的部分：")
	var rows [][]bot.Button
	for _, n := range children(code, "") {
		text := n.label
		if n.id != rules.PreambleID {
			text = docMarker(n.id) + n.label
		}
		rows = append(rows, bot.Row(bot.Btn(text, "rl", n.id)))
	}
	return bot.Message{Text: b.String(), Buttons: rows}
}

func headingView(code *rules.Code, h rules.Heading) bot.Message {
	var b strings.Builder
	b.WriteString(headingLabel(h))
	if parent := rules.ParentTitle(code, h.ID); parent != "" {
		fmt.Fprintf(&b, "\n（%s）", parent)
	}
	kids := children(code, h.ID)
	var rows [][]bot.Button
	var row []bot.Button
	perRow, clauses := 2, false
	for _, n := range kids {
		if _, isClause := code.Clause(n.id); isClause {
			perRow, clauses = 4, true
		}
	}
	b.WriteString("\n")
	for _, n := range kids {
		if c, isClause := code.Clause(n.id); isClause {
			fmt.Fprintf(&b, "\n%s %s", n.id, bot.Lead(c.Text, 60))
			row = append(row, bot.Btn(n.id, "rl", n.id))
		} else {
			fmt.Fprintf(&b, "\n%s%s", docMarker(n.id), n.label)
			row = append(row, bot.Btn(docMarker(n.id)+n.label, "rl", n.id))
		}
		if len(row) == perRow {
			rows, row = append(rows, row), nil
		}
	}
	if len(row) > 0 {
		rows = append(rows, row)
	}
	if clauses {
		b.WriteString("\n\n点击编号查看全文。")
	} else {
		b.WriteString("\n\n请选择：")
	}
	return bot.Message{Text: b.String(), Buttons: append(rows, backRow(code, h.ID))}
}

// headingLabel writes a heading as the document numbers it: "一、规范化服务的内容", "一(三) 服务仪表".
func headingLabel(h rules.Heading) string {
	if !strings.Contains(h.ID, ".") {
		return docMarker(h.ID) + h.Title
	}
	return docLabel(h.ID) + " " + h.Title
}

func clauseView(code *rules.Code, c rules.Clause) bot.Message {
	var b strings.Builder
	if c.ID == rules.PreambleID {
		b.WriteString("前言")
	} else {
		if code.Layout == rules.LayoutArticles {
			fmt.Fprintf(&b, "%s · %s", code.Cite(c.ID), c.Title)
		} else {
			fmt.Fprintf(&b, "第 %s 条 · %s · %s", c.ID, docLabel(c.ID), c.Title)
		}
		if len(c.Path) > 1 {
			fmt.Fprintf(&b, "\n（%s）", strings.Join(c.Path, " › "))
		}
	}
	fmt.Fprintf(&b, "\n\n%s", c.Text)
	var nav []bot.Button
	sibs := children(code, rules.ParentID(c.ID))
	for i, n := range sibs {
		if n.id != c.ID {
			continue
		}
		if i > 0 {
			if _, ok := code.Clause(sibs[i-1].id); ok {
				nav = append(nav, bot.Btn("‹ 上一条", "rl", sibs[i-1].id))
			}
		}
		if i+1 < len(sibs) {
			if _, ok := code.Clause(sibs[i+1].id); ok {
				nav = append(nav, bot.Btn("下一条 ›", "rl", sibs[i+1].id))
			}
		}
	}
	var rows [][]bot.Button
	if len(nav) > 0 {
		rows = append(rows, nav)
	}
	return bot.Message{Text: b.String(), Buttons: append(rows, backRow(code, c.ID))}
}

func backRow(code *rules.Code, id string) []bot.Button {
	parent := rules.ParentID(id)
	if id == rules.PreambleID {
		parent = ""
	}
	if h, ok := code.Heading(parent); ok && parent != "" {
		return bot.Row(bot.Btn("« 返回 "+h.Title, "rl", parent))
	}
	return bot.Row(bot.Btn("« 返回目录", "rl"))
}

// ParseClauseRef reads a clause reference as users type it: "1.3.3", "1．3．3", "第1.3.3条", "一(三)3",
// "一（三）3". ok is false when it is neither form.
func ParseClauseRef(s string) (string, bool) {
	s = strings.TrimSpace(s)
	s = strings.TrimPrefix(s, "第")
	s = strings.TrimSuffix(s, "条")
	s = strings.Map(func(r rune) rune {
		switch {
		case r >= '０' && r <= '９':
			return '0' + (r - '０')
		case r == '．' || r == '。' || r == '、':
			return '.'
		case r == '（':
			return '('
		case r == '）':
			return ')'
		case r == ' ':
			return -1
		}
		return r
	}, s)
	if s == "" {
		return "", false
	}
	if numericID(s) {
		return s, true
	}
	// 一(三)3 → 1.3.3
	var parts []string
	rest := s
	i := strings.IndexAny(rest, "(")
	head := rest
	if i >= 0 {
		head = rest[:i]
	}
	n := cnNumber(head)
	if n == 0 {
		return "", false
	}
	parts = append(parts, fmt.Sprint(n))
	if i >= 0 {
		j := strings.Index(rest, ")")
		if j < i {
			return "", false
		}
		sec := cnNumber(rest[i+1 : j])
		if sec == 0 {
			return "", false
		}
		parts = append(parts, fmt.Sprint(sec))
		rest = rest[j+1:]
		if rest != "" {
			if !numericID(rest) {
				return "", false
			}
			parts = append(parts, rest)
		}
	}
	return strings.Join(parts, "."), true
}

func numericID(s string) bool {
	if s == "" || s[0] == '.' || s[len(s)-1] == '.' || strings.Contains(s, "..") {
		return false
	}
	for _, c := range s {
		if !(c >= '0' && c <= '9' || c == '.') {
			return false
		}
	}
	return true
}

// cnNumber reads 一 … 九十九; 0 when s is not one.
func cnNumber(s string) int {
	digits := map[rune]int{'一': 1, '二': 2, '三': 3, '四': 4, '五': 5, '六': 6, '七': 7, '八': 8, '九': 9}
	rs := []rune(s)
	switch {
	case len(rs) == 1 && rs[0] == '十':
		return 10
	case len(rs) == 1:
		return digits[rs[0]]
	case len(rs) == 2 && rs[0] == '十':
		return 10 + digits[rs[1]]
	case len(rs) == 2 && rs[1] == '十':
		return digits[rs[0]] * 10
	case len(rs) == 3 && rs[1] == '十' && digits[rs[0]] > 0 && digits[rs[2]] > 0:
		return digits[rs[0]]*10 + digits[rs[2]]
	}
	return 0
}

// fullWidth writes the document's numbering with the full-width brackets of Chinese official documents.
var fullWidth = strings.NewReplacer("(", "（", ")", "）")

// docLabel is rules.Label as the document writes it: "1.3.3" → "一（三）3".
func docLabel(id string) string { return fullWidth.Replace(rules.Label(id)) }

// docMarker is rules.Marker as the document writes it: "1.3" → "（三）".
func docMarker(id string) string { return fullWidth.Replace(rules.Marker(id)) }
