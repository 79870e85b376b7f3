package retrieval

import (
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/conductbot/conductbot/rules"
)

// Stage 1, lookup: a question that names a clause or a heading (1.3.3, 第一部分第三节第3条, 服务仪表第3条), or that
// asks about the code itself (哪年发的, 文号), is answered directly, without ranking.

// answerDirectly answers a question that names a clause or a heading, or that asks about the code itself, and
// reports whether it did.
func (e *Engine) answerDirectly(ix *index, a *Answer, raw string) bool {
	if id, ok := lookup(raw, ix.version.Code); ok {
		e.lookupAnswer(ix, a, id)
		return true
	}
	return aboutCode.MatchString(normalize(raw)) && codeFacts(a, ix.version.Code)
}

// Direct look-ups ("1.3.3", "第1.3.3条", "一(三)3", "第一部分第三节第3条", "服务仪表第3条") and questions about the code
// itself: the patterns are data, lang/lookup.txt, whose groups lookup reads by position.
var (
	lookupLang   = mustReadLang("lookup.txt", readLookupLang)
	reClauseID   = lookupLang.clauseID
	reLabel      = lookupLang.label
	reOrdinal    = lookupLang.ordinal
	reTitleOrdNo = lookupLang.titleOrdinal
	aboutCode    = lookupLang.aboutCode // a question about the code itself rather than its rules
)

// lookupPatterns are the patterns of lang/lookup.txt.
type lookupPatterns struct {
	clauseID, label, ordinal, titleOrdinal, aboutCode *regexp.Regexp
}

// readLookupLang reads lang/lookup.txt, checking how many groups lookup reads of each pattern.
func readLookupLang(f *langFile) lookupPatterns {
	return lookupPatterns{
		clauseID:     f.regexp("clauseID", 1),     // the ID
		label:        f.regexp("label", 3),        // part, section, item
		ordinal:      f.regexp("ordinal", 3),      // part, section, item
		titleOrdinal: f.regexp("titleOrdinal", 2), // title, ordinal
		aboutCode:    f.regexp("aboutCode", 0),
	}
}

// lookup returns the ID of the clause or heading a question names, if it names one.
func lookup(raw string, code *rules.Code) (string, bool) {
	s := strings.TrimSpace(strings.NewReplacer("\uff08", "(", "\uff09", ")", "\uff0e", ".", "。", "", "?", "", "\uff1f", "").Replace(raw))
	s = strings.TrimSpace(strings.TrimSuffix(strings.TrimSuffix(s, "?"), "呢"))
	exists := func(id string) bool {
		_, ok := code.Clause(id)
		_, okh := code.Heading(id)
		return ok || okh
	}
	num := func(x string) string { return strconv.Itoa(rules.ParseNumeral(x)) }
	if m := reClauseID.FindStringSubmatch(s); m != nil && exists(m[1]) {
		return m[1], true
	}
	if m := reLabel.FindStringSubmatch(s); m != nil && len([]rune(s)) <= len([]rune(m[0]))+6 {
		id := num(m[1]) + "." + num(m[2]) + "." + m[3]
		if exists(id) {
			return id, true
		}
	}
	if m := reOrdinal.FindStringSubmatch(s); m != nil && len([]rune(s)) <= len([]rune(m[0]))+8 {
		id := num(m[1])
		if m[2] != "" {
			id += "." + num(m[2])
		}
		if m[3] != "" {
			id += "." + num(m[3])
		}
		if exists(id) {
			return id, true
		}
	}
	if m := reTitleOrdNo.FindStringSubmatch(s); m != nil && len([]rune(s)) <= len([]rune(m[0]))+6 {
		title := strings.TrimSpace(strings.TrimSuffix(strings.TrimPrefix(m[1], "第"), "的"))
		var ids []string
		for _, h := range code.Headings {
			if h.Title == title || strings.Contains(h.Title, title) {
				ids = append(ids, h.ID)
			}
		}
		sort.Strings(ids)
		for _, hid := range ids {
			if id := hid + "." + num(m[2]); exists(id) {
				return id, true
			}
		}
	}
	return "", false
}

// codeFacts answers a question about the code itself from its header, citing the preamble; ok is false when
// the header does not say.
func codeFacts(a *Answer, code *rules.Code) bool {
	var facts []string
	if code.Issuer != "" {
		facts = append(facts, "由"+code.Issuer)
	}
	if t, err := time.Parse("2006-01-02", code.Issued); err == nil {
		facts = append(facts, fmt.Sprintf("于 %d 年 %d 月 %d 日", t.Year(), t.Month(), t.Day()))
	}
	if len(facts) == 0 && code.DocNumber == "" {
		return false
	}
	var b strings.Builder
	fmt.Fprintf(&b, "《%s》%s印发", codeName(code), strings.Join(facts, ""))
	if code.DocNumber != "" {
		fmt.Fprintf(&b, "，文号 %s", code.DocNumber)
	}
	b.WriteString("。")
	if c, ok := code.Clause(rules.PreambleID); ok {
		// The preamble is behind the 查看原文 button: quoted here it would double the answer.
		b.WriteString("制定的目的写在前言中。")
		a.Citations = append(a.Citations, Citation{ID: c.ID, Title: c.Title, Text: c.Text, Score: 1})
	}
	a.Answer = b.String()
	return true
}

// lookupAnswer answers a question that names a clause or a heading.
func (e *Engine) lookupAnswer(ix *index, a *Answer, id string) *Answer {
	code := ix.version.Code
	a.Lookup = true
	if c, ok := code.Clause(id); ok {
		a.Citations = append(a.Citations, Citation{ID: c.ID, Title: c.Title, Text: c.Text, Score: 1})
		a.Answer = citeTitled(code, c.ID, c.Title) + cnColon + c.Text
		return a
	}
	h, _ := code.Heading(id)
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s", id, h.Title)
	for _, c := range code.Clauses {
		if rules.Within(c.ID, id) {
			a.Citations = append(a.Citations, Citation{ID: c.ID, Title: c.Title, Text: c.Text, Score: 1})
			fmt.Fprintf(&b, "\n\n%s %s", c.ID, c.Text)
		}
	}
	a.Answer = b.String()
	return a
}
