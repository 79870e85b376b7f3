package remind

import (
	"bufio"
	_ "embed"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/conductbot/conductbot/bot"
	"github.com/conductbot/conductbot/rules"
)

//go:embed readings.txt
var readingsFile string

//go:embed quiz.txt
var quizFile string

// Reading is a one-line practical reading of a clause and a question to ask the Q&A engine about it.
type Reading struct {
	ClauseID string
	Guard    string
	Text     string
	Ask      string
}

// ParseReadings reads the format of remind/readings.txt.
func ParseReadings(text string) (map[string]Reading, error) {
	out := map[string]Reading{}
	sc := bufio.NewScanner(strings.NewReader(text))
	line := 0
	for sc.Scan() {
		line++
		s := strings.TrimSpace(sc.Text())
		if s == "" || strings.HasPrefix(s, "#") {
			continue
		}
		f := strings.Split(s, "|")
		if len(f) != 4 {
			return nil, fmt.Errorf("readings line %d: want ID | GUARD | READING | QUESTION", line)
		}
		for i := range f {
			f[i] = strings.TrimSpace(f[i])
		}
		if f[0] == "" || f[1] == "" || f[2] == "" || f[3] == "" {
			return nil, fmt.Errorf("readings line %d: an empty field", line)
		}
		if _, dup := out[f[0]]; dup {
			return nil, fmt.Errorf("readings line %d: clause %s twice", line, f[0])
		}
		out[f[0]] = Reading{ClauseID: f[0], Guard: f[1], Text: f[2], Ask: f[3]}
	}
	return out, sc.Err()
}

// BankQuestion is a question of the bank before its options are shuffled: Options[0] is the right one.
type BankQuestion struct {
	ID       string
	ClauseID string
	Guard    string
	Text     string
	Options  []string
}

// ParseQuiz reads the format of remind/quiz.txt.
func ParseQuiz(text string) ([]BankQuestion, error) {
	var out []BankQuestion
	seen := map[string]bool{}
	var cur *BankQuestion
	right := 0
	flush := func(line int) error {
		if cur == nil {
			return nil
		}
		switch {
		case cur.ID == "" || cur.ClauseID == "" || cur.Text == "":
			return fmt.Errorf("quiz block ending at line %d: id, clause and q are required", line)
		case right != 1:
			return fmt.Errorf("quiz %s: %d right options, want exactly one", cur.ID, right)
		case len(cur.Options) < 2 || len(cur.Options) > 4:
			return fmt.Errorf("quiz %s: %d options, want 2 to 4", cur.ID, len(cur.Options))
		case seen[cur.ID]:
			return fmt.Errorf("quiz %s: the id is used twice", cur.ID)
		}
		seen[cur.ID] = true
		out = append(out, *cur)
		cur, right = nil, 0
		return nil
	}
	sc := bufio.NewScanner(strings.NewReader(text))
	line := 0
	for sc.Scan() {
		line++
		s := strings.TrimSpace(sc.Text())
		if strings.HasPrefix(s, "#") {
			continue
		}
		if s == "" {
			if err := flush(line); err != nil {
				return nil, err
			}
			continue
		}
		if cur == nil {
			cur = &BankQuestion{}
		}
		switch {
		case strings.HasPrefix(s, "+ "):
			right++
			cur.Options = append([]string{strings.TrimSpace(s[2:])}, cur.Options...)
		case strings.HasPrefix(s, "- "):
			cur.Options = append(cur.Options, strings.TrimSpace(s[2:]))
		default:
			key, val, ok := strings.Cut(s, ":")
			if !ok {
				return nil, fmt.Errorf("quiz line %d: want key: value, + option or - option", line)
			}
			val = strings.TrimSpace(val)
			switch strings.TrimSpace(key) {
			case "id":
				cur.ID = val
			case "clause":
				cur.ClauseID = val
			case "guard":
				cur.Guard = val
			case "q":
				cur.Text = val
			default:
				return nil, fmt.Errorf("quiz line %d: unknown key %q", line, key)
			}
		}
	}
	if err := flush(line); err != nil {
		return nil, err
	}
	return out, sc.Err()
}

// Content is what reminders say about the code: readings and questions. The shipped content fits the
// shipped code; for another code the guards drop what no longer fits and the generated parts take over.
type Content struct {
	Readings map[string]Reading
	Bank     []BankQuestion
}

// ShippedContent is the embedded readings and question bank.
func ShippedContent() *Content {
	r, err := ParseReadings(readingsFile)
	if err != nil {
		panic("remind: " + err.Error())
	}
	q, err := ParseQuiz(quizFile)
	if err != nil {
		panic("remind: " + err.Error())
	}
	return &Content{Readings: r, Bank: q}
}

// ReadingOf is the one-line practical reading of c: the curated one when its guard still holds, else one
// derived from the clause's normative statements.
func (ct *Content) ReadingOf(c rules.Clause) string {
	if r, ok := ct.Readings[c.ID]; ok && strings.Contains(c.Text, r.Guard) {
		return r.Text
	}
	return deriveReading(c)
}

// AskOf is the question the "ask about it" button puts to the Q&A engine for c.
func (ct *Content) AskOf(c rules.Clause) string {
	if r, ok := ct.Readings[c.ID]; ok && strings.Contains(c.Text, r.Guard) {
		return r.Ask
	}
	return "第" + c.ID + "条" + c.Title + "有什么要求" + "\uff1f"
}

// deriveReading joins the clause's first normative statements: "要点：…；…。"
func deriveReading(c rules.Clause) string {
	var parts []string
	n := 0
	for _, s := range c.Statements {
		if s.Modality == rules.None || s.Modality == "" {
			continue
		}
		t := strings.TrimRight(strings.TrimSpace(s.Text), "。；;，,")
		if t == "" {
			continue
		}
		if n+utf8.RuneCountInString(t) > 60 && len(parts) > 0 {
			break
		}
		parts = append(parts, t)
		n += utf8.RuneCountInString(t)
	}
	if len(parts) == 0 {
		return bot.Clip(c.Text, 60)
	}
	return "要点\uff1a" + bot.Clip(strings.Join(parts, "\uff1b"), 70) + "。"
}

// innerQuotes turns double quotes inside a quotation into single ones, as Chinese typesetting nests them.
var innerQuotes = strings.NewReplacer("“", "‘", "”", "’")

// eligibleClauses are the clauses a reminder may show: all but the preamble and empty ones, in order.
func eligibleClauses(code *rules.Code) []rules.Clause {
	var out []rules.Clause
	for _, c := range code.Clauses {
		if c.ID != rules.PreambleID && strings.TrimSpace(c.Text) != "" {
			out = append(out, c)
		}
	}
	return out
}

// Questions are the questions available for code: the bank's whose clause exists and whose guard holds,
// then generated ones.
func (ct *Content) Questions(code *rules.Code) []BankQuestion {
	var out []BankQuestion
	for _, q := range ct.Bank {
		c, ok := code.Clause(q.ClauseID)
		if ok && strings.Contains(c.Text, q.Guard) {
			out = append(out, q)
		}
	}
	return append(out, generateQuestions(code)...)
}

// generateQuestions builds "which part of the service does this rule belong to" questions from the code's
// short normative statements: the right option is the section title of the statement's clause, the wrong
// ones other sections of the same part. Only parts with at least four sections give questions.
func generateQuestions(code *rules.Code) []BankQuestion {
	var out []BankQuestion
	for _, c := range eligibleClauses(code) {
		section := rules.ParentID(c.ID)
		part := rules.ParentID(section)
		if section == "" || part == "" {
			continue
		}
		own, ok := code.Heading(section)
		if !ok {
			continue
		}
		var others []string
		for _, h := range code.Headings {
			if rules.ParentID(h.ID) == part && h.ID != section && h.Title != own.Title {
				others = append(others, h.Title)
			}
		}
		if len(others) < 3 {
			continue
		}
		for i, s := range c.Statements {
			if s.Modality != rules.Prohibited && s.Modality != rules.Required {
				continue
			}
			t := strings.TrimRight(strings.TrimSpace(s.Text), "。；;，,")
			if n := utf8.RuneCountInString(t); n < 4 || n > 24 {
				continue
			}
			// Rotate the wrong options so that each question of a clause offers a different trio.
			wrong := make([]string, 3)
			for k := range wrong {
				wrong[k] = others[(i+k)%len(others)]
			}
			out = append(out, BankQuestion{
				ID:       fmt.Sprintf("gen-%s-%d", c.ID, i+1),
				ClauseID: c.ID,
				Text:     "“" + innerQuotes.Replace(t) + "”是规范中哪一方面的要求" + "\uff1f",
				Options:  append([]string{own.Title}, wrong...),
			})
		}
	}
	return out
}
