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
		a.Lookup = true
		return true
	}
	text := normalize(raw)
	if aboutCode.MatchString(text) && codeFacts(a, ix.version.Code) {
		return true
	}
	return e.roleAnswer(ix, a, text)
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
	roles                                             []codeRole
}

// codeRole is what a code provides for itself (when it takes effect, whom it applies to, what it is based on,
// what befalls a breach): the questions that ask for it, and the clauses that hold it. A penalty role has no
// clause pattern: its clauses are the code's penalty clauses.
type codeRole struct {
	name     string
	question *regexp.Regexp
	clause   *regexp.Regexp
}

// readLookupLang reads lang/lookup.txt, checking how many groups lookup reads of each pattern.
func readLookupLang(f *langFile) lookupPatterns {
	return lookupPatterns{
		clauseID:     f.regexp("clauseID", 1),     // the ID
		label:        f.regexp("label", 3),        // part, section, item
		ordinal:      f.regexp("ordinal", 3),      // part, section, item
		titleOrdinal: f.regexp("titleOrdinal", 2), // title, ordinal
		aboutCode:    f.regexp("aboutCode", 0),
		roles:        readRoles(f),
	}
}

// readRoles reads @roleQuestion and @roleClause: every role has a question pattern, and every role but penalty a
// clause pattern.
func readRoles(f *langFile) []codeRole {
	clauses := map[string]*regexp.Regexp{}
	for _, kv := range f.table("roleClause") {
		re, err := regexp.Compile(kv[1])
		if err != nil {
			f.fail(fmt.Errorf("%s: @roleClause %s: %w", f.name, kv[0], err))
			return nil
		}
		clauses[kv[0]] = re
	}
	var out []codeRole
	for _, kv := range f.table("roleQuestion") {
		re, err := regexp.Compile(kv[1])
		if err != nil {
			f.fail(fmt.Errorf("%s: @roleQuestion %s: %w", f.name, kv[0], err))
			return nil
		}
		if clauses[kv[0]] == nil && kv[0] != "penalty" {
			f.fail(fmt.Errorf("%s: @roleQuestion %s has no @roleClause", f.name, kv[0]))
			return nil
		}
		out = append(out, codeRole{name: kv[0], question: re, clause: clauses[kv[0]]})
	}
	return out
}

// roleAnswer answers a question about what the code provides for itself (这规范什么时候开始执行, 辅警也要遵守吗,
// 违规了怎么处理) with the clause that holds the role, and reports whether it did: the one that shares most with the
// question, the first on ties. A code with no such clause leaves the question to ranking.
func (e *Engine) roleAnswer(ix *index, a *Answer, text string) bool {
	code := ix.version.Code
	for _, r := range lookupLang.roles {
		loc := r.question.FindStringIndex(text)
		if loc == nil {
			continue
		}
		rest := text[:loc[0]] + " " + text[loc[1]:] // what the question says besides asking for the role
		best, bestShared := -1, -1
		for i, c := range code.Clauses {
			holds := r.clause != nil && r.clause.MatchString(c.Text) || r.clause == nil && len(rules.PenaltyTerms(c.Text)) > 0
			if !holds {
				continue
			}
			if n := sharedBigrams(rest, c.Text); n > bestShared {
				best, bestShared = i, n
			}
		}
		if best < 0 {
			return false
		}
		e.lookupAnswer(ix, a, code.Clauses[best].ID)
		return true
	}
	return false
}

// sharedBigrams counts the distinct bigrams of q (charPairs) that text has.
func sharedBigrams(q, text string) int {
	n := 0
	for g := range charPairs(q) {
		if strings.Contains(text, g) {
			n++
		}
	}
	return n
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

// lookupAnswer answers with the clause or heading id — its text, cited — as a question that names it, or asks
// for the role it holds, is answered.
func (e *Engine) lookupAnswer(ix *index, a *Answer, id string) *Answer {
	code := ix.version.Code
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
