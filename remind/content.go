package remind

import (
	"bufio"
	"fmt"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/conductbot/conductbot/bot"
	"github.com/conductbot/conductbot/rules"
)

// Reading is a one-line practical reading of a clause and a question to ask the Q&A engine about it.
type Reading struct {
	ClauseID string
	Guard    string
	Text     string
	Ask      string
}

// ParseReadings reads the format of a pack's readings.txt (rules/codes/<code>/readings.txt).
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

// ParseQuiz reads the format of a pack's quiz.txt (rules/codes/<code>/quiz.txt).
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

// Content is what reminders say about the code: readings and questions. A code's pack (rules.PackOf) brings
// curated ones; their guards drop what no longer fits the clause's text, and the derived parts take over.
type Content struct {
	Readings map[string]Reading
	Bank     []BankQuestion
}

// ContentFor is the content for code: its pack's readings and question bank, or, for a code without a pack,
// none curated: every reading is derived from its clause's statements and every question generated from the
// code (generateQuestions). A pack's files are parsed once.
func ContentFor(code *rules.Code) *Content {
	p := rules.PackOf(code)
	if p == nil {
		return &Content{Readings: map[string]Reading{}}
	}
	packContentMu.Lock()
	defer packContentMu.Unlock()
	if ct, ok := packContent[p.Name]; ok {
		return ct
	}
	r, err := ParseReadings(p.Readings)
	if err != nil {
		panic("remind: pack " + p.Name + ": " + err.Error()) // embedded files; the tests prevent it
	}
	q, err := ParseQuiz(p.Quiz)
	if err != nil {
		panic("remind: pack " + p.Name + ": " + err.Error())
	}
	ct := &Content{Readings: r, Bank: q}
	packContent[p.Name] = ct
	return ct
}

var (
	packContentMu sync.Mutex
	packContent   = map[string]*Content{} // by pack name
)

// ShippedContent is the content of the shipped code's pack.
func ShippedContent() *Content { return ContentFor(rules.Shipped()) }

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
// short normative statements: the right option is the title of the statement's clause, the wrong ones
// (questionOptions) titles of other parts of the code.
func generateQuestions(code *rules.Code) []BankQuestion {
	var out []BankQuestion
	for _, c := range eligibleClauses(code) {
		own, others := questionOptions(code, c)
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
				Options:  append([]string{own}, wrong...),
			})
		}
	}
	return out
}

// questionOptions are the right option and the wrong ones of a generated question about clause c. In the
// outline layout (一、 (一) 1、) they are the title of c's section and those of the other sections of its part;
// only parts with at least four sections give questions. In the articles layout (第X章 … 第X条) they are c's
// title and the other titles of the code's clauses, leaving out the headings c stands under (a rule of 着装
// under 仪容仪表 is both).
func questionOptions(code *rules.Code, c rules.Clause) (own string, others []string) {
	if code.Layout == rules.LayoutArticles {
		under := map[string]bool{c.Title: true}
		for _, p := range c.Path {
			under[p] = true
		}
		for _, o := range code.Clauses {
			if o.ID != rules.PreambleID && !under[o.Title] {
				under[o.Title] = true
				others = append(others, o.Title)
			}
		}
		return c.Title, others
	}
	section := rules.ParentID(c.ID)
	part := rules.ParentID(section)
	if section == "" || part == "" {
		return "", nil
	}
	h, ok := code.Heading(section)
	if !ok {
		return "", nil
	}
	for _, o := range code.Headings {
		if rules.ParentID(o.ID) == part && o.ID != section && o.Title != h.Title {
			others = append(others, o.Title)
		}
	}
	return h.Title, others
}
