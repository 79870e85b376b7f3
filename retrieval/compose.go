package retrieval

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/conductbot/conductbot/rules"
)

// Full-width punctuation used in answers, written as escapes so editors cannot fold it to ASCII.
const (
	cnComma = "\uff0c" // ，
	cnColon = "\uff1a" // ：
	cnSemi  = "\uff1b" // ；
	cnLP    = "\uff08" // （
	cnRP    = "\uff09" // ）
)

// verdictLead is how an answer opens for each verdict.
var verdictLead = map[Verdict]string{
	Forbidden: "不可以。",
	Required:  "必须。",
	Allowed:   "可以。",
}

// CiteLabel is how an answer names a clause: "1.3.3（服务仪表）".
func CiteLabel(id, title string) string {
	if title == "" {
		return id
	}
	return id + cnLP + title + cnRP
}

// titleSuffix is "（服务仪表）" after a clause number, or nothing.
func titleSuffix(title string) string {
	if title == "" {
		return ""
	}
	return cnLP + title + cnRP
}

// composeAnswer writes the extractive answer: the verdict first, the deciding sentence quoted, the clause ID and
// its section title, then the related clauses that score at least relatedMin of the best one's score.
func composeAnswer(a *Answer, code *rules.Code, relatedMin float64) string {
	var b strings.Builder
	best := a.Citations[0]
	if lead, ok := verdictLead[a.Verdict]; ok {
		if a.Verdict == Allowed && a.Deciding != nil && a.Deciding.Modality == rules.Required {
			lead = "可以，而且应当这样做。"
		}
		if a.Verdict == Allowed && a.Deciding != nil && a.Deciding.Modality == rules.Prohibited {
			// 能涂透明指甲油吗: the question names the opposite of what is prohibited (不涂浓指甲油).
			lead = "可以：规范禁止的是下面这种做法，您问的不在其列。"
		}
		if a.Verdict == Allowed && a.Deciding != nil && a.Deciding.Modality == rules.Encouraged {
			// 能用方言吗 / 能讲普通话吗: 提倡讲普通话 neither forbids the one nor requires the other.
			lead = "可以：规范对此是提倡，不是硬性要求。"
		}
		b.WriteString(lead)
	}
	quote := best.Text
	if a.Deciding != nil && a.Deciding.Text != "" && a.Verdict != NoVerdict {
		quote = a.Deciding.Text
	}
	fmt.Fprintf(&b, "《%s》%s%s规定%s“%s”", codeName(code), code.Cite(best.ID), titleSuffix(best.Title), cnColon, strings.TrimRight(quote, "。"+cnSemi))
	b.WriteString("。")
	if quote != best.Text {
		fmt.Fprintf(&b, "\n\n原文%s%s", cnColon, best.Text)
	}
	var related []string
	for _, c := range a.Citations[1:] {
		if c.Score >= best.Score*relatedMin {
			related = append(related, CiteLabel(c.ID, c.Title))
		}
	}
	if len(related) > 0 {
		b.WriteString("\n\n相关条款" + cnColon + strings.Join(related, cnSemi) + "。")
	}
	return b.String()
}

// composeAbstention says honestly that the code does not cover the question, and lists the nearest clauses.
func composeAbstention(near []Citation) string {
	var b strings.Builder
	b.WriteString("规范中没有相关规定。")
	if len(near) > 0 {
		b.WriteString("\n\n最接近的条款（仅供参考）" + cnColon)
		for i, c := range near {
			if i > 0 {
				b.WriteString(cnSemi)
			}
			b.WriteString(CiteLabel(c.ID, c.Title))
		}
		b.WriteString("。")
	}
	b.WriteString("\n\n如果您认为规范应该对此作出规定，可以点 👎 告诉我们。")
	return b.String()
}

// aboutCode matches questions about the code itself rather than its rules: when it was issued, by whom, its
// document number.
var aboutCode = regexp.MustCompile(`(?:规范|规定|这套|制度|文件|守则|规矩)[^里中内上\s]{0,6}(?:哪年|哪一年|什么时候|啥时候|何时|哪天|日期|文号|几号文|谁发|谁定|谁制定|哪个单位|哪个部门|发文|出台|印发|颁布|下发)(?:是多少|是什么|是啥|多少|的|发的|出台的|印发的|定的|下发的|制定的)?[啊呀呢吗的？?]*$|^\S{0,4}(?:哪年|哪一年|什么时候|啥时候|何时|谁|哪个单位|哪个部门)\S{0,4}(?:发|定|出台|印发|颁布|下发|制定)\S{0,3}(?:这套|这个|本)?(?:规范|规定|制度|守则|规矩)\S{0,2}$`)

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
	if c, ok := code.Clause("0"); ok {
		fmt.Fprintf(&b, "\n\n制定的目的见序言%s%s", cnColon, c.Text)
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
		a.Answer = fmt.Sprintf("%s%s%s%s", code.Cite(c.ID), titleSuffix(c.Title), cnColon, c.Text)
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

func codeName(code *rules.Code) string {
	if code.Title == "" {
		return "服务规范"
	}
	return code.Title
}

// writeWithLLM lets the chat model write the answer from the retrieved clauses, removes citations of clauses
// it was not given, and falls back to the extractive answer, with one log line, when it fails.
func (e *Engine) writeWithLLM(ctx context.Context, a *Answer) string {
	sources := make([]SourceClause, len(a.Citations))
	for i, c := range a.Citations {
		sources[i] = SourceClause{ID: c.ID, Title: c.Title, Text: c.Text}
	}
	text, err := e.opts.Writer.WriteAnswer(ctx, a.Question, sources, a.Answer)
	if err != nil {
		e.log.Warn("LLM answer failed; using the extractive answer", "err", err)
		return a.Answer
	}
	clean, cited, removed := CheckCitations(text, sources)
	if len(removed) > 0 {
		e.log.Warn("LLM cited clauses it was not given; removed", "removed", removed)
	}
	if strings.TrimSpace(clean) == "" {
		e.log.Warn("LLM answer empty after citation check; using the extractive answer")
		return a.Answer
	}
	if len(cited) == 0 {
		// Every answer shows the IDs it rests on.
		clean += "\n\n依据" + cnColon + CiteLabel(a.Citations[0].ID, a.Citations[0].Title)
	}
	return clean
}
