package rules

import (
	"fmt"
	"regexp"
	"strings"
)

// rePenalty finds what a clause does to those who break the code: points deducted, a public criticism,
// liability pursued, a disciplinary sanction. General vocabulary of Chinese rules, not of one code.
var rePenalty = regexp.MustCompile(`扣(?:除)?[0-9一二三四五六七八九十.．]+\s*分|扣分|通报批评|追究[^，。；]{0,8}责任|(?:警告|记过|记大过|降级|撤职|开除)处分|诫勉|取消[^，。；]{0,10}(?:资格|评优)|调离|辞退|解聘`)

// PenaltyTerms lists what the clause text says is done to one who breaks a rule (扣2分, 通报批评, 追究责任 …);
// none for a clause that states conduct.
func PenaltyTerms(text string) []string {
	var out []string
	seen := map[string]bool{}
	for _, m := range rePenalty.FindAllString(text, -1) {
		if !seen[m] {
			seen[m] = true
			out = append(out, m)
		}
	}
	return out
}

// Outline is what an import understood of a code: its layout, headings, how many statements forbid, require,
// encourage or permit, the clauses that state no rule, the penalties found, and warnings for the admin.
type Outline struct {
	Layout     string
	Articles   int // article codes: the number of articles
	Clauses    int
	Headings   []string // one line a heading, indented by depth
	Prohibited int
	Required   int
	Encouraged int
	Permitted  int
	NoRule     []string            // clause IDs whose statements carry no modality
	Penalties  map[string][]string // clause ID → its penalty terms
	Warnings   []string
}

// Outline summarises the code for the admin who imports it.
func (c *Code) Outline() *Outline {
	o := &Outline{Layout: c.Layout, Clauses: len(c.Clauses), Penalties: map[string][]string{}}
	for _, cl := range c.Clauses {
		if c.Layout == LayoutArticles && !strings.Contains(cl.ID, ".") && cl.ID != PreambleID {
			o.Articles++
		}
		if p := PenaltyTerms(cl.Text); len(p) > 0 {
			o.Penalties[cl.ID] = p
		}
		rule := false
		for _, st := range cl.Statements {
			switch st.Modality {
			case Prohibited:
				o.Prohibited++
			case Required:
				o.Required++
			case Encouraged:
				o.Encouraged++
			case Permitted:
				o.Permitted++
			default:
				continue
			}
			rule = true
		}
		if !rule && cl.ID != PreambleID && len(o.Penalties[cl.ID]) == 0 {
			o.NoRule = append(o.NoRule, cl.ID)
		}
	}
	span := func(ids []string) string {
		switch len(ids) {
		case 0:
			return ""
		case 1:
			return c.Cite(ids[0])
		}
		return c.Cite(ids[0]) + "–" + c.Cite(ids[len(ids)-1])
	}
	for _, h := range c.Headings {
		switch {
		case strings.HasPrefix(h.ID, ChapterPrefix):
			depth := strings.Count(h.ID, ".")
			n := atoi(h.ID[strings.LastIndexAny(h.ID, "cs")+1:])
			word := "章"
			if depth > 0 {
				word = "节"
			}
			line := fmt.Sprintf("%s第%s%s %s", strings.Repeat("  ", depth), ChineseNumeral(n), word, h.Title)
			if s := span(h.Articles); s != "" {
				line += "：" + s
			}
			o.Headings = append(o.Headings, line)
		case c.Layout != LayoutArticles:
			o.Headings = append(o.Headings, fmt.Sprintf("%s%s %s", strings.Repeat("  ", strings.Count(h.ID, ".")), Label(h.ID), h.Title))
		}
	}
	if o.Prohibited+o.Required+o.Encouraged+o.Permitted == 0 {
		o.Warnings = append(o.Warnings, "没有找到任何“不得、应当、提倡、可以”之类的规定：回答将只能引用条文，给不出“可以/不可以”的结论")
	}
	if len(o.NoRule) > 0 && len(o.NoRule)*2 > len(c.Clauses) {
		o.Warnings = append(o.Warnings, fmt.Sprintf("%d 条条文没有“不得、应当、可以”之类的词：这些条文只能引用，不能据以判断可否", len(o.NoRule)))
	}
	return o
}

// String is the outline as the import prints it.
func (o *Outline) String(c *Code) string {
	var b strings.Builder
	layout := "一、（一）1、 编号"
	count := fmt.Sprintf("%d 条", o.Clauses)
	if o.Layout == LayoutArticles {
		layout = "第X章／第X条"
		count = fmt.Sprintf("%d 条条文，%d 个条款（含项）", o.Articles, o.Clauses)
	}
	head := c.Title
	if c.DocNumber != "" || c.Issued != "" {
		head += "（" + strings.Trim(strings.Join([]string{c.DocNumber, c.Issued}, "，"), "，") + "）"
	}
	fmt.Fprintf(&b, "%s\n格式：%s；%s\n", head, layout, count)
	for _, h := range o.Headings {
		b.WriteString("  " + h + "\n")
	}
	fmt.Fprintf(&b, "规定：禁止 %d，要求 %d，提倡 %d，允许 %d", o.Prohibited, o.Required, o.Encouraged, o.Permitted)
	if len(o.NoRule) > 0 {
		var ids []string
		for _, id := range o.NoRule {
			ids = append(ids, c.Cite(id))
		}
		fmt.Fprintf(&b, "；没有规定词的条文 %d：%s", len(o.NoRule), clip(strings.Join(ids, "、"), 120))
	}
	b.WriteString("\n")
	if len(o.Penalties) > 0 {
		var parts []string
		for _, cl := range c.Clauses {
			if p := o.Penalties[cl.ID]; len(p) > 0 {
				parts = append(parts, c.Cite(cl.ID)+"（"+strings.Join(p, "、")+"）")
			}
		}
		fmt.Fprintf(&b, "处罚条款：%s（只用来回答“扣几分、怎么处理”，不用来判断可否）\n", strings.Join(parts, "；"))
	}
	for _, w := range o.Warnings {
		b.WriteString("⚠️ " + w + "\n")
	}
	return b.String()
}
