package remind

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/conductbot/conductbot/bot"
	"github.com/conductbot/conductbot/qa"
	"github.com/conductbot/conductbot/rules"
	"github.com/conductbot/conductbot/workday"
)

// Times of day, in minutes after midnight in CONDUCTBOT_TZ.
const (
	DefaultMinute  = 8*60 + 30 // 08:30, a subscription's time unless the user sets another
	EarliestMinute = 5 * 60    // 05:00, the earliest time a user may choose
	Cutoff         = 21 * 60   // 21:00: nothing is sent at or after it; a day's reminder not sent by then is dropped
)

// CodeSource gives the code in force; rules.Store, the retrieval engine and qa.CodeSource implement it.
type CodeSource interface {
	CodeInForce(ctx context.Context) (*rules.Version, error)
}

// ViolationCounter counts the violations per clause ID found in confirmed spot-check reports since a time.
// The spot-check capability (inspect) implements it; a nil counter, or one that fails, means no data: every
// clause weighs the same.
type ViolationCounter interface {
	ViolationsByClause(ctx context.Context, since time.Time) (map[string]int, error)
}

// Config wires the reminders.
type Config struct {
	Store Store      // required
	Code  CodeSource // required
	// Asker answers the "ask about it" button (retrieval.Engine); nil: the button shows the clause and asks the
	// user to type a question.
	Asker      qa.Asker
	Violations ViolationCounter  // optional
	Location   *time.Location    // CONDUCTBOT_TZ; default Asia/Shanghai
	Clock      workday.Clock     // default workday.System
	Admins     []int64           // CONDUCTBOT_ADMINS: told when the calendar lacks a year
	Content    *Content          // readings and questions for every code; default: those of the code in force (ContentFor)
	Calendar   *workday.Calendar // the shipped years; default workday.ShippedCalendar(); the store's files override it
	Log        *slog.Logger
}

// Reminders is the daily reminder capability: the day's plan, the chat commands and the scheduler's content.
// It is safe for concurrent use.
type Reminders struct {
	store      Store
	code       CodeSource
	asker      qa.Asker
	violations ViolationCounter
	loc        *time.Location
	clock      workday.Clock
	admins     []int64
	content    *Content // nil: the code in force's (ContentFor)
	shipped    *workday.Calendar
	log        *slog.Logger

	planMu sync.Mutex // one plan computation at a time in this process (the store arbitrates between processes)
}

// New checks c and returns the reminders.
func New(c Config) (*Reminders, error) {
	if c.Store == nil || c.Code == nil {
		return nil, errors.New("remind: a store and a code source are required")
	}
	if c.Location == nil {
		loc, err := time.LoadLocation("Asia/Shanghai")
		if err != nil {
			loc = time.FixedZone("CST", 8*3600)
		}
		c.Location = loc
	}
	if c.Clock == nil {
		c.Clock = workday.System
	}
	if c.Calendar == nil {
		c.Calendar = workday.ShippedCalendar()
	}
	if c.Log == nil {
		c.Log = slog.New(slog.DiscardHandler)
	}
	return &Reminders{store: c.Store, code: c.Code, asker: c.Asker, violations: c.Violations, loc: c.Location,
		clock: c.Clock, admins: c.Admins, content: c.Content, shipped: c.Calendar, log: c.Log}, nil
}

// contentFor is what reminders say about code: the configured content, else code's own (its pack's, or derived).
func (r *Reminders) contentFor(code *rules.Code) *Content {
	if r.content != nil {
		return r.content
	}
	return ContentFor(code)
}

// Location is the reminders' time zone.
func (r *Reminders) Location() *time.Location { return r.loc }

// Today is the date now in the reminders' time zone.
func (r *Reminders) Today() workday.Date { return workday.DateOf(r.clock.Now(), r.loc) }

// Calendar is the shipped calendar with the years admins stored over it. A stored file that no longer parses
// is skipped with a warning.
func (r *Reminders) Calendar(ctx context.Context) (*workday.Calendar, error) {
	stored, err := r.store.CalendarYears(ctx)
	if err != nil {
		return nil, fmt.Errorf("remind: stored calendars: %w", err)
	}
	if len(stored) == 0 {
		return r.shipped, nil
	}
	years := make([]*workday.Year, 0, len(stored))
	for n, text := range stored {
		y, err := workday.ParseYear(text)
		if err != nil || y.Year != n {
			r.log.Warn("remind: a stored calendar does not parse; using the shipped one", "year", n, "error", err)
			continue
		}
		years = append(years, y)
	}
	return r.shipped.With(years...), nil
}

// PutCalendar validates a calendar file and stores it for its year: it then overrides the shipped one.
func (r *Reminders) PutCalendar(ctx context.Context, text string) (*workday.Year, error) {
	y, err := workday.ParseYear(text)
	if err != nil {
		return nil, err
	}
	if err := r.store.PutCalendarYear(ctx, y.Year, text, r.clock.Now()); err != nil {
		return nil, err
	}
	return y, nil
}

// Plan returns the plan of day: the stored one, or a new one (which the store keeps unless another instance
// stored one first).
func (r *Reminders) Plan(ctx context.Context, day workday.Date) (*DayPlan, error) {
	p, err := r.store.DayPlan(ctx, day)
	if err == nil {
		return p, nil
	}
	if !errors.Is(err, ErrNotFound) {
		return nil, fmt.Errorf("remind: day plan: %w", err)
	}
	r.planMu.Lock()
	defer r.planMu.Unlock()
	if p, err := r.store.DayPlan(ctx, day); err == nil {
		return p, nil
	}
	np, err := r.newPlan(ctx, day)
	if err != nil {
		return nil, err
	}
	p, err = r.store.PutDayPlan(ctx, *np)
	if err != nil {
		return nil, fmt.Errorf("remind: store day plan: %w", err)
	}
	return p, nil
}

// historyLimit bounds the plans read to continue the rotations: more than any code's clauses or questions.
const historyLimit = 2000

func (r *Reminders) newPlan(ctx context.Context, day workday.Date) (*DayPlan, error) {
	v, err := r.code.CodeInForce(ctx)
	if err != nil {
		return nil, fmt.Errorf("remind: code in force: %w", err)
	}
	if v == nil || v.Code == nil {
		return nil, errors.New("remind: no code in force")
	}
	code := v.Code
	clauses := eligibleClauses(code)
	if len(clauses) == 0 {
		return nil, errors.New("remind: the code in force has no clauses")
	}
	history, err := r.store.DayPlans(ctx, day, historyLimit)
	if err != nil {
		return nil, fmt.Errorf("remind: day plans: %w", err)
	}
	violations := r.violationCounts(ctx, day)

	clauseCycle, questionCycle := 1, 1
	if len(history) > 0 {
		clauseCycle, questionCycle = max(1, history[0].ClauseCycle), max(1, history[0].QuestionCycle)
	}
	var shownClauses, shownQuestions []string
	for _, h := range history {
		if h.ClauseCycle == clauseCycle {
			shownClauses = append(shownClauses, h.ClauseID)
		}
		if h.QuestionCycle == questionCycle {
			shownQuestions = append(shownQuestions, h.QuestionID)
		}
	}

	ids := make([]string, len(clauses))
	for i, c := range clauses {
		ids[i] = c.ID
	}
	clauseWeight := func(id string) int { return 1 + ViolationWeight*max(0, violations[id]) }
	clauseID, clauseCycle := pick(ids, clauseWeight, clauseCycle, shownClauses, "clause:"+day.String())
	clause, _ := code.Clause(clauseID)

	p := &DayPlan{Day: day, VersionID: v.ID, ClauseID: clauseID, ClauseCycle: clauseCycle, Title: clause.Title,
		Text: clause.Text, Reading: r.contentFor(code).ReadingOf(clause), Created: r.clock.Now()}

	qs := r.contentFor(code).Questions(code)
	if len(qs) > 0 {
		byID := make(map[string]BankQuestion, len(qs))
		qids := make([]string, len(qs))
		for i, q := range qs {
			byID[q.ID], qids[i] = q, q.ID
		}
		questionWeight := func(id string) int {
			q := byID[id]
			w := 1
			if !strings.HasPrefix(id, "gen-") {
				w = 3 // the bank's questions are better than generated ones: they come first, mostly
			}
			return w + ViolationWeight*max(0, violations[q.ClauseID])
		}
		qid, qc := pick(qids, questionWeight, questionCycle, shownQuestions, "question:"+day.String())
		bq := byID[qid]
		opts, answer := shuffleOptions(bq.Options, "options:"+day.String())
		p.QuestionID, p.QuestionCycle = qid, qc
		p.Question = Question{ID: qid, ClauseID: bq.ClauseID, Text: bq.Text, Options: opts, Answer: answer}
	}
	return p, nil
}

// violationCounts asks the counter for the last 30 days; a nil or failing counter is no data.
func (r *Reminders) violationCounts(ctx context.Context, day workday.Date) map[string]int {
	if r.violations == nil {
		return nil
	}
	since := day.At(0, 0, r.loc).AddDate(0, 0, -30)
	m, err := r.violations.ViolationsByClause(ctx, since)
	if err != nil {
		r.log.Warn("remind: violation counts unavailable; rotating without weights", "error", err)
		return nil
	}
	return m
}

// Option letters of the daily question.
var optionLetters = []string{"A", "B", "C", "D", "E", "F"}

// Message is the day's reminder as sent to a chat: 今日规范 with its reading, 每日一题 with its options as
// buttons, and a button to ask about the clause.
func (r *Reminders) Message(p *DayPlan, group bool) bot.Message {
	var b strings.Builder
	fmt.Fprintf(&b, "📌 今日规范 · %s\n", p.Day.Long())
	fmt.Fprintf(&b, zh("第 %s 条(%s)\n%s\n"), p.ClauseID, p.Title, p.Text)
	if p.Reading != "" {
		fmt.Fprintf(&b, zh("💡 一句话:%s\n"), p.Reading)
	}
	var rows [][]bot.Button
	if q := p.Question; q.Text != "" {
		fmt.Fprintf(&b, "\n📝 每日一题\n%s\n", q.Text)
		var row []bot.Button
		for i, o := range q.Options {
			fmt.Fprintf(&b, "%s. %s\n", optionLetters[i], o)
			row = append(row, bot.Btn(optionLetters[i], "rmq", p.Day.Compact(), fmt.Sprint(i)))
		}
		if group {
			b.WriteString(zh("点下方字母作答,结果只有您自己能看到。"))
		} else {
			b.WriteString("点下方字母作答。")
		}
		rows = append(rows, row)
	}
	rows = append(rows, bot.Row(bot.Btn("💬 问问这一条", "rma", p.ClauseID)))
	return bot.Message{Text: strings.TrimRight(b.String(), "\n"), Buttons: rows}
}

// zh turns the ASCII punctuation of a message template into the full-width marks Chinese text uses (the
// templates are typed where full-width marks may not survive): ( ) , : ; ? ! — except a colon or comma
// between digits (08:30, 10,000). Apply it to templates only, never to the code's text or user input.
func zh(s string) string {
	var b strings.Builder
	b.Grow(len(s) + 8)
	for i := 0; i < len(s); i++ {
		c := s[i]
		digits := i > 0 && i+1 < len(s) && isDigit(s[i-1]) && isDigit(s[i+1])
		switch {
		case c == ':' && !digits:
			b.WriteString("\uff1a")
		case c == ',' && !digits:
			b.WriteString("\uff0c")
		case c == '(':
			b.WriteString("\uff08")
		case c == ')':
			b.WriteString("\uff09")
		case c == ';':
			b.WriteString("\uff1b")
		case c == '?':
			b.WriteString("\uff1f")
		case c == '!':
			b.WriteString("\uff01")
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }
