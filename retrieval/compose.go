package retrieval

import (
	"context"
	"fmt"
	"strings"

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
		b.WriteString(lead)
	}
	quote := best.Text
	if a.Deciding != nil && a.Deciding.Text != "" && a.Verdict != NoVerdict {
		quote = a.Deciding.Text
	}
	fmt.Fprintf(&b, "《%s》第 %s 条%s规定%s“%s”", codeName(code), best.ID, titleSuffix(best.Title), cnColon, strings.TrimRight(quote, "。"+cnSemi))
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

// lookupAnswer answers a question that names a clause or a heading.
func (e *Engine) lookupAnswer(ix *index, a *Answer, id string) *Answer {
	code := ix.version.Code
	a.Lookup = true
	if c, ok := code.Clause(id); ok {
		a.Citations = append(a.Citations, Citation{ID: c.ID, Title: c.Title, Text: c.Text, Score: 1})
		a.Answer = fmt.Sprintf("第 %s 条%s%s%s", c.ID, titleSuffix(c.Title), cnColon, c.Text)
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
