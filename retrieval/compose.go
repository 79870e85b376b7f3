package retrieval

import (
	"context"
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/conductbot/conductbot/rules"
)

// Stage 6, compose: the answer's text — the verdict, the deciding sentence quoted and cited — or the abstention
// with the nearest clauses; the chat model's answer when one is configured.

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

// citeTitled cites a clause the way its document does, with its title: "第 1.3.3 条（服务仪表）",
// "第十二条第（三）项（服务行为）"; the preamble is just "前言".
func citeTitled(code *rules.Code, id, title string) string {
	cite := code.Cite(id)
	if title == cite {
		return cite
	}
	return cite + titleSuffix(title)
}

// citations are the best clauses, ranked; the answer's text names only the related ones that come close to the
// best (RelatedMin).
func (e *Engine) citations(cands []candidate) []Citation {
	out := []Citation{}
	for i := 0; i < len(cands) && i < 1+e.tun.RelatedShown; i++ {
		c := cands[i]
		out = append(out, Citation{ID: c.doc.clause.ID, Title: c.doc.clause.Title, Text: c.doc.clause.Text, Score: round3(c.score)})
	}
	return out
}

// composeAnswer writes the extractive answer, shaped for a phone: the verdict first, then one complete deciding
// sentence quoted, with the clause cited the way the document cites it (第 1.3.3 条 / 第十二条第（三）项) and its
// title. The full text of the clause and the related clauses are behind buttons (Answer.FullTextAdds, the
// citations), not repeated in the text.
func composeAnswer(a *Answer, code *rules.Code, relatedMin float64) string {
	_ = relatedMin // the related clauses are the citations; the bot offers them on a button
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
	clause, ok := code.Clause(best.ID)
	if !ok {
		clause = rules.Clause{ID: best.ID, Title: best.Title, Text: best.Text, Statements: rules.SplitStatements(best.Text)}
	}
	a.Quote = decidingSentence(clause, a.Deciding, a.Question)
	fmt.Fprintf(&b, "《%s》%s规定%s“%s”。", codeName(code), citeTitled(code, best.ID, best.Title), cnColon, innerQuotes(a.Quote))
	return b.String()
}

// composeAbstention says honestly that the code does not cover the question, and lists the nearest clauses.
func composeAbstention(code *rules.Code, near []Citation) string {
	var b strings.Builder
	b.WriteString("规范中没有相关规定。")
	if len(near) > 0 {
		b.WriteString("\n\n最接近的条款（仅供参考）" + cnColon)
		for i, c := range near {
			if i > 0 {
				b.WriteString(cnSemi)
			}
			if code != nil && code.Layout == rules.LayoutArticles {
				b.WriteString(code.Cite(c.ID) + titleSuffix(c.Title)) // 第十二条第（三）项（服务行为）
			} else {
				b.WriteString(CiteLabel(c.ID, c.Title))
			}
		}
		b.WriteString("。")
	}
	b.WriteString("\n\n如果您认为规范应该对此作出规定，可以点 👎 告诉我们。")
	return b.String()
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

// sentenceMarks end a sentence; a quote is never cut inside one.
const sentenceMarks = "。！？；!?;\n"

// decidingSentence is what an answer quotes: the complete sentence of the clause that holds the deciding
// statement, never a comma fragment of it (也不要与其争辩 is quoted with the sentence it ends). A statement
// that only lists examples (如“…”、“…”等) is not the rule: the rule it illustrates is quoted, with the one
// example closest to the question when one is close. Lists of examples inside the sentence are left out the
// same way. It works from the punctuation and the clause's statements, for any code.
func decidingSentence(c rules.Clause, st *rules.Statement, question string) string {
	text := c.Text
	sentences := sentenceSpans(text)
	if len(sentences) == 0 {
		return strings.TrimSpace(text)
	}
	target := ""
	if st != nil {
		target = strings.TrimSpace(st.Text)
	}
	var examples []string
	if isExampleList(target) {
		examples = quotedPhrases(target)
		target = ruleBefore(c, target)
	}
	if target == "" {
		for _, s := range c.Statements {
			if s.Modality != rules.None && !isExampleList(s.Text) {
				target = strings.TrimSpace(s.Text)
				break
			}
		}
	}
	span := sentences[0]
	if at := strings.Index(text, target); target != "" && at >= 0 {
		for _, sp := range sentences {
			if sp[0] <= at && at < sp[1] {
				span = sp
				break
			}
		}
	}
	sentence := text[span[0]:span[1]]
	// A list of examples inside the sentence (…，如“…”、“…”等) illustrates the rule before it.
	if cut, list := examplesInside(sentence); cut > 0 {
		sentence = strings.TrimRight(sentence[:cut], " "+cnComma+","+cnColon+":")
		examples = append(examples, quotedPhrases(list)...)
	}
	if ex := closestExample(examples, question); ex != "" {
		sentence += "。如“" + ex + "”等"
	}
	// A lead-in to a list (应当遵守下列规定：) is quoted without its colon.
	return strings.TrimRight(strings.TrimSpace(sentence), cnColon+":"+cnComma+",")
}

// sentenceSpans are the byte spans of text's sentences, split at sentenceMarks outside quotes and brackets,
// without the marks and surrounding spaces.
func sentenceSpans(text string) [][2]int { return rules.SplitSpans(text, sentenceMarks) }

// isExampleList reports whether s lists examples rather than stating a rule: it opens with 如, 例如 or 比如 and
// is mostly quotations.
func isExampleList(s string) bool {
	s = strings.TrimSpace(s)
	if !strings.HasPrefix(s, "如") && !strings.HasPrefix(s, "例如") && !strings.HasPrefix(s, "比如") {
		return false
	}
	quoted := 0
	for _, q := range quotedPhrases(s) {
		quoted += utf8.RuneCountInString(q) + 2
	}
	return quoted*2 >= utf8.RuneCountInString(s)
}

// quotedPhrases are the texts in “…” (outermost) in s.
func quotedPhrases(s string) []string {
	var out []string
	depth, start := 0, 0
	for i, r := range s {
		switch r {
		case '“':
			if depth == 0 {
				start = i + len("“")
			}
			depth++
		case '”':
			if depth == 1 {
				if p := strings.TrimSpace(s[start:i]); p != "" {
					out = append(out, p)
				}
			}
			depth = max(depth-1, 0)
		}
	}
	return out
}

// ruleBefore is the statement of c before the example list ex that is not itself a list of examples: the rule
// the examples illustrate; empty when there is none.
func ruleBefore(c rules.Clause, ex string) string {
	at := -1
	for i, s := range c.Statements {
		if strings.TrimSpace(s.Text) == ex {
			at = i
			break
		}
	}
	for i := at - 1; i >= 0; i-- {
		if s := strings.TrimSpace(c.Statements[i].Text); !isExampleList(s) {
			return s
		}
	}
	return ""
}

// examplesInside finds a list of examples among the comma fragments of a sentence, after a rule: it returns the
// byte offset where the list starts (0 when there is none) and the list.
func examplesInside(sentence string) (int, string) {
	pieces := rules.SplitSpans(sentence, cnComma+",") // the comma fragments, outside quotes and brackets
	for i, p := range pieces {
		if i > 0 && isExampleList(sentence[p[0]:p[1]]) {
			return p[0], sentence[p[0]:]
		}
	}
	return 0, ""
}

// closestExample is the example that shares the most character pairs with the question, at least two; empty
// when none is that close.
func closestExample(examples []string, question string) string {
	q := charPairs(question)
	best, bestN := "", 1
	for _, ex := range examples {
		n := 0
		for p := range charPairs(ex) {
			if q[p] {
				n++
			}
		}
		if n > bestN {
			best, bestN = ex, n
		}
	}
	return best
}

// charPairs are the pairs of adjacent letters (Han characters, letters, digits) in s.
func charPairs(s string) map[string]bool {
	out := map[string]bool{}
	var prev rune
	for _, r := range s {
		if !unicode.IsLetter(r) && !unicode.IsDigit(r) {
			prev = 0
			continue
		}
		if prev != 0 {
			out[string([]rune{prev, r})] = true
		}
		prev = r
	}
	return out
}

// innerQuotes turns the double quotes inside a quotation into single ones (“…‘…’…”), as Chinese typesetting
// nests them.
func innerQuotes(s string) string {
	return strings.NewReplacer("“", "‘", "”", "’").Replace(s)
}
