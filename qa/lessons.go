package qa

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/conductbot/conductbot/bot"
	"github.com/conductbot/conductbot/retrieval"
	"github.com/conductbot/conductbot/rules"
)

// LessonStore keeps the lessons admins attach; the SQLite and PostgreSQL stores implement it.
type LessonStore interface {
	PutLessons(ctx context.Context, lessons []rules.Lesson) (int, error)
}

// Learner takes in the lessons just stored; retrieval.Engine implements it (Learn rebuilds its index).
type Learner interface {
	Learn(ctx context.Context) error
}

// KindAttach is the state of 归入条款 while the admin may type a clause ID.
const KindAttach = "qa.attach"

const (
	attachTTL = 10 * time.Minute
	// attachButtons is how many /gaps groups of each kind get a 归入条款 button.
	attachButtons = 5
	// attachSuggested is how many nearest clauses are offered as one-tap choices.
	attachSuggested = 3
)

// attachState is what the typed clause ID applies to.
type attachState struct {
	Question int64 `json:"question"`
	Version  int64 `json:"version"`
}

const (
	msgAttachGone    = "这个问题已不在记录中，请重新打开 /gaps。"
	msgAttachStale   = "规范已更新，此按钮已失效，请重新打开 /gaps。"
	msgAttachNoWrite = "未配置条款学习，无法归入。"
)

// gapButtons are the 归入条款 buttons of /gaps: one for each of the first groups of uncovered questions and of
// 👎 answers, numbered as the report numbers them.
func gapButtons(g *Gaps) [][]bot.Button {
	var rows [][]bot.Button
	add := func(kind string, cs []Cluster) {
		for i, c := range cs {
			if i == attachButtons {
				break
			}
			rows = append(rows, bot.Row(bot.Btn(fmt.Sprintf("归入条款：%s%d", kind, i+1), "gp", "p", bot.ID(c.Question))))
		}
	}
	add("一", g.Uncovered)
	worst := make([]Cluster, len(g.Worst))
	for i, w := range g.Worst {
		worst[i] = w.Cluster
	}
	add("二", worst)
	return rows
}

// gapButton: gp:p:<question> offers the clauses nearest the question; gp:c:<question>:<version>:<clause>
// attaches it to the clause; gp:x cancels. Only admins reach it (the route's role).
func (f *features) gapButton(ctx context.Context, r *bot.Request) error {
	if f.Lessons == nil || f.Learner == nil {
		return r.Alert(ctx, msgAttachNoWrite)
	}
	switch {
	case r.Arg(0) == "x" && len(r.CallbackArgs) == 1:
		if err := r.ClearState(ctx, KindAttach); err != nil {
			return err
		}
		return r.Edit(ctx, bot.Message{Text: "已取消归入。"})
	case r.Arg(0) == "p" && len(r.CallbackArgs) == 2:
		q, err := f.gapQuestion(ctx, r.Arg(1))
		if err != nil || q == nil {
			return f.refuse(ctx, r, err, msgAttachGone)
		}
		return f.offerClauses(ctx, r, q)
	case r.Arg(0) == "c" && len(r.CallbackArgs) == 4:
		q, err := f.gapQuestion(ctx, r.Arg(1))
		if err != nil || q == nil {
			return f.refuse(ctx, r, err, msgAttachGone)
		}
		ver, ok := bot.ParseID(r.Arg(2))
		if !ok {
			return r.Alert(ctx, msgStaleButton)
		}
		text, err := f.attach(ctx, r, q, ver, r.Arg(3))
		if err != nil || text == "" {
			return err
		}
		return r.Edit(ctx, bot.Message{Text: text})
	}
	return r.Alert(ctx, msgStaleButton)
}

// refuse answers a press whose question could not be loaded: err when the store failed, else msg.
func (f *features) refuse(ctx context.Context, r *bot.Request, err error, msg string) error {
	if err != nil {
		return err
	}
	return r.Alert(ctx, msg)
}

// gapQuestion loads the question a 归入条款 button names: nil when the argument is no ID or names no question.
func (f *features) gapQuestion(ctx context.Context, arg string) (*bot.Question, error) {
	id, ok := bot.ParseID(arg)
	if !ok {
		return nil, nil
	}
	q, err := f.QA.GetQuestion(ctx, id)
	if errors.Is(err, bot.ErrNotFound) {
		return nil, nil
	}
	return q, err
}

// offerClauses sends the question with the clauses nearest it as one-tap choices, and waits for a typed ID.
func (f *features) offerClauses(ctx context.Context, r *bot.Request, q *bot.Question) error {
	v, err := f.Code.CodeInForce(ctx)
	if err != nil {
		return fmt.Errorf("code in force: %w", err)
	}
	var ids []string
	seen := map[string]bool{}
	suggest := func(id string) {
		if _, ok := v.Code.Clause(id); ok && !seen[id] && len(ids) < attachSuggested {
			seen[id] = true
			ids = append(ids, id)
		}
	}
	// The engine's nearest clauses now (an abstention still ranks them), then those the answer cited.
	a, err := f.Asker.Ask(ctx, q.Text)
	if err != nil {
		return fmt.Errorf("ask for suggestions: %w", err)
	}
	for _, c := range a.Citations {
		suggest(c.ID)
	}
	for _, id := range q.Clauses {
		suggest(id)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "把这个问题归入哪一条？\n“%s”\n", q.Text)
	var rows [][]bot.Button
	if len(ids) > 0 {
		b.WriteString("\n最接近的条款：\n")
	}
	for _, id := range ids {
		c, _ := v.Code.Clause(id)
		label := retrieval.CiteLabel(c.ID, c.Title)
		fmt.Fprintf(&b, "• %s：%s\n", label, c.Text)
		rows = append(rows, bot.Row(bot.Btn("归入 "+label, "gp", "c", bot.ID(q.ID), bot.ID(v.ID), c.ID)))
	}
	b.WriteString("\n点选一条，或直接发送条款编号（例如 " + exampleID(v.Code, ids) + "）。归入后，再有人这样问，会找到这一条。")
	rows = append(rows, bot.Row(bot.Btn("取消", "gp", "x")))
	if err := r.SaveState(ctx, KindAttach, attachState{Question: q.ID, Version: v.ID}, attachTTL); err != nil {
		return err
	}
	_, err = r.Send(ctx, bot.Message{Text: b.String(), Buttons: rows})
	return err
}

// exampleID is a clause ID to show as an example: the first suggested, else the code's first clause.
func exampleID(code *rules.Code, suggested []string) string {
	if len(suggested) > 0 {
		return suggested[0]
	}
	for _, c := range code.Clauses {
		if c.ID != rules.PreambleID {
			return c.ID
		}
	}
	return "1"
}

// attachTyped: the admin typed a clause ID for the question of the state.
func (f *features) attachTyped(ctx context.Context, r *bot.Request) error {
	if r.Text == "" {
		return bot.ErrPass
	}
	var st attachState
	if err := r.State.Decode(&st); err != nil {
		_ = r.ClearState(ctx, KindAttach)
		return bot.ErrPass
	}
	q, err := f.gapQuestion(ctx, bot.ID(st.Question))
	if err != nil {
		return err
	}
	if q == nil {
		_ = r.ClearState(ctx, KindAttach)
		_, err := r.Reply(ctx, msgAttachGone)
		return err
	}
	id := strings.TrimSuffix(strings.TrimPrefix(strings.TrimSpace(r.Text), "第"), "条")
	text, err := f.attach(ctx, r, q, st.Version, strings.TrimSpace(id))
	if err != nil || text == "" {
		return err
	}
	_, err = r.Reply(ctx, text)
	return err
}

func (f *features) cancelAttach(ctx context.Context, r *bot.Request) error {
	if err := r.ClearState(ctx, KindAttach); err != nil {
		return err
	}
	_, err := r.Reply(ctx, "已取消归入。")
	return err
}

// attach stores the question as an admin lesson of the clause in the version it was offered for, and has the
// engine learn it. It returns the confirmation to show, or "" when it told the admin why not (a version no
// longer in force, a clause the version lacks).
func (f *features) attach(ctx context.Context, r *bot.Request, q *bot.Question, version int64, clauseID string) (string, error) {
	v, err := f.Code.CodeInForce(ctx)
	if err != nil {
		return "", fmt.Errorf("code in force: %w", err)
	}
	tell := func(msg string) (string, error) {
		if r.Callback != nil {
			return "", r.Alert(ctx, msg)
		}
		_, err := r.Reply(ctx, msg)
		return "", err
	}
	if v.ID != version {
		_ = r.ClearState(ctx, KindAttach)
		return tell(msgAttachStale)
	}
	c, ok := v.Code.Clause(clauseID)
	if !ok || c.ID == rules.PreambleID {
		return tell(fmt.Sprintf("规范中没有编号为 %s 的条款。请发送条款编号（例如 %s），或发送 /cancel 取消。", bot.Clip(clauseID, 20), exampleID(v.Code, nil)))
	}
	l := rules.Lesson{VersionID: v.ID, ClauseID: c.ID, Text: q.Text, Source: rules.LessonAdmin, ClauseHash: rules.TextHash(c.Text), CreatedAt: r.Now()}
	n, err := f.Lessons.PutLessons(ctx, []rules.Lesson{l})
	if err != nil {
		return "", fmt.Errorf("attach a question: %w", err)
	}
	if err := f.Learner.Learn(ctx); err != nil {
		return "", fmt.Errorf("learn an attached question: %w", err)
	}
	if err := r.ClearState(ctx, KindAttach); err != nil {
		return "", err
	}
	label := retrieval.CiteLabel(c.ID, c.Title)
	if n == 0 {
		return fmt.Sprintf("“%s”已归入 %s，无需重复。", bot.Clip(q.Text, 60), label), nil
	}
	f.log.Info("qa: a question attached to a clause", "version", v.Number, "clause", c.ID)
	return fmt.Sprintf("已将“%s”归入 %s。再有人这样问，会引用这一条。", bot.Clip(q.Text, 60), label), nil
}
