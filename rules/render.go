package rules

import (
	"slices"
	"strconv"
	"strings"
)

// Render writes the code back as text that Parse reads into the same clauses: metadata lines, the preamble,
// then headings and clauses with the numbering of their depth (一、 (一) 1、 (1) ①).
func (c *Code) Render() string {
	var b strings.Builder
	meta := func(k, v string) {
		if v != "" {
			b.WriteString(k + ":" + v + "\n")
		}
	}
	meta("标题", c.Title)
	meta("发文机关", c.Issuer)
	meta("文号", c.DocNumber)
	meta("日期", c.Issued)
	b.WriteString("\n")
	if pre, ok := c.Clause(PreambleID); ok {
		b.WriteString(pre.Text + "\n\n")
	}
	if c.Layout == LayoutArticles {
		c.renderArticles(&b)
		return b.String()
	}
	headings := map[string]string{}
	for _, h := range c.Headings {
		headings[h.ID] = h.Title
	}
	clauses := map[string]Clause{}
	for _, cl := range c.Clauses {
		clauses[cl.ID] = cl
	}
	var ids []string
	for id := range headings {
		ids = append(ids, id)
	}
	for id := range clauses {
		if _, dup := headings[id]; !dup && id != PreambleID {
			ids = append(ids, id)
		}
	}
	sortIDs(ids)
	// A clause has a title line of its own when its path is one longer than the path its heading gives the clauses
	// below it; a heading adds its title to that path when it has no text of its own, or when its clause has a title
	// line. Otherwise the heading's title was made from its text (为规范…), and only the text is written.
	pathLen := map[string]int{"": 0}
	owns := func(cl Clause) bool {
		n := pathLen[ParentID(cl.ID)]
		return cl.Title != "" && len(cl.Path) == n+1 && cl.Path[n] == cl.Title
	}
	for _, id := range ids {
		b.WriteString(Marker(id))
		cl, isClause := clauses[id]
		title, isHeading := headings[id]
		titled := isClause && owns(cl)
		if isHeading {
			pathLen[id] = pathLen[ParentID(id)]
			if titled || !isClause && title != "" {
				pathLen[id]++
			}
		}
		switch {
		case titled:
			b.WriteString(cl.Title + "\n" + cl.Text + "\n\n")
		case isClause:
			b.WriteString(cl.Text + "\n\n")
		default:
			b.WriteString(title + "\n\n")
		}
	}
	return b.String()
}

// ParentTitle is the title of the heading directly above id, or "".
func ParentTitle(c *Code, id string) string {
	h, _ := c.Heading(ParentID(id))
	return h.Title
}

// Marker is the numbering that starts the line of id at its depth: "1.3.3" → "3、", "1.3" → "(三)".
func Marker(id string) string {
	parts := strings.Split(id, ".")
	n, _ := strconv.Atoi(parts[len(parts)-1])
	switch len(parts) {
	case 1:
		return markerLabel(rankPart, n)
	case 2:
		return markerLabel(rankSection, n)
	case 3:
		return markerLabel(rankItem, n)
	case 4:
		return markerLabel(rankSubItem, n)
	default:
		return markerLabel(rankCircled, n)
	}
}

// Label writes a clause ID in the document's own numbering: "1.3.3" → "一(三)3".
func Label(id string) string {
	if id == PreambleID {
		return "前言"
	}
	parts := strings.Split(id, ".")
	var b strings.Builder
	for i, p := range parts {
		n, _ := strconv.Atoi(p)
		switch i {
		case 0:
			b.WriteString(ChineseNumeral(n))
		case 1:
			b.WriteString("(" + ChineseNumeral(n) + ")")
		default:
			b.WriteString(strconv.Itoa(n))
			if i < len(parts)-1 {
				b.WriteString(".")
			}
		}
	}
	return b.String()
}

// sortIDs sorts in O(n log n): the IDs come from maps in random order, and an insertion sort took minutes on a
// large code.
func sortIDs(ids []string) {
	slices.SortFunc(ids, CompareIDs)
}
