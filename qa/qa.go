package qa

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/conductbot/conductbot/bot"
	"github.com/conductbot/conductbot/retrieval"
	"github.com/conductbot/conductbot/rules"
)

// MaxQuestionLen is the longest question taken, in characters.
const MaxQuestionLen = 500

// noteTTL is how long the bot waits for the optional note after a 👎 reason.
const noteTTL = 10 * time.Minute

// KindNote is the state of the 👎 note prompt.
const KindNote = "qa.note"

// Asker answers a staff question from the code in force; retrieval.Engine implements it.
type Asker interface {
	Ask(ctx context.Context, question string) (*retrieval.Answer, error)
}

// CodeSource gives the code in force for browsing; the stores (rules.Store) and the engine implement it.
type CodeSource interface {
	CodeInForce(ctx context.Context) (*rules.Version, error)
}

// Config is what Register wires the Q&A conversations from.
type Config struct {
	Asker Asker
	Code  CodeSource
	QA    bot.QALog
	// Lessons and Learner, both set, give /gaps its 归入条款 buttons: an admin attaches a question to a clause
	// of the version in force (an admin lesson), and the engine learns it at once.
	Lessons LessonStore
	Learner Learner

	QuestionsPerMinute int // per user; default 20
}

// DefaultQuestionsPerMinute is the default per-user rate of questions.
const DefaultQuestionsPerMinute = 20

// features holds the dependencies of the Q&A handlers.
type features struct {
	Config
	limiter *bot.Limiter
	rt      *bot.Router
	log     *slog.Logger
}

// Register adds the Q&A conversations to the router (bot.New): /start, /help, questions with feedback, /rules,
// /clause and, for admins, /gaps. It takes the router's clock and logger.
func Register(rt *bot.Router, c Config) error {
	switch {
	case c.Asker == nil:
		return errors.New("qa: no Asker")
	case c.Code == nil:
		return errors.New("qa: no CodeSource")
	case c.QA == nil:
		return errors.New("qa: no question log")
	}
	if c.QuestionsPerMinute <= 0 {
		c.QuestionsPerMinute = DefaultQuestionsPerMinute
	}
	f := &features{Config: c, limiter: bot.NewLimiter(c.QuestionsPerMinute, time.Minute, rt.Now), rt: rt, log: rt.Log()}
	f.registerStaff(rt)
	rt.Command("gaps", bot.Admin, f.gaps, bot.Describe("规范盲区：未覆盖的问题和差评回答（近 30 天）"))
	rt.Callback("gp", bot.Admin, f.gapButton)
	rt.Form(bot.Form{Kind: KindAttach, Need: bot.Admin, Handle: f.attachTyped, Cancel: f.cancelAttach})
	return nil
}

func (f *features) registerStaff(rt *bot.Router) {
	rt.Command("start", bot.Staff, f.start, bot.Describe("开始使用，查看我能做什么"))
	rt.Command("help", bot.Staff, f.help, bot.Describe("帮助"))
	rt.Command("rules", bot.Staff, f.rules, bot.Describe("浏览规范全文"))
	rt.Command("clause", bot.Staff, f.clause, bot.Describe("按编号查看某一条"))
	rt.Text(bot.Staff, f.ask, bot.With(bot.RateLimit(f.limiter)))
	rt.Callback("qa", bot.Staff, f.qaButton)
	rt.Callback("fb", bot.Staff, f.feedbackButton)
	rt.Callback("rl", bot.Staff, f.browseButton)
	rt.Form(bot.Form{Kind: KindNote, Need: bot.Staff, Handle: f.note, Cancel: f.cancelNote})
}

func (f *features) start(ctx context.Context, r *bot.Request) error {
	var code *rules.Code
	if v, err := f.Code.CodeInForce(ctx); err == nil {
		code = v.Code
	}
	ex := examplesOf(code)
	name := r.From.Name
	if name == "" {
		name = "您"
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%s，您好！我是规范助手，帮您随时查询《%s》。\n\n", name, ex.title)
	fmt.Fprintf(&b, "• 直接发送问题，例如：“%s”我会给出结论，并引用条款编号和原文。\n", ex.questions[0])
	fmt.Fprintf(&b, "• /rules 按目录浏览规范全文\n• /clause %s 查看某一条\n• /help 查看全部命令\n", ex.clause)
	if r.Roles.Contains(bot.Admin) || r.Roles.Contains(bot.Supervisor) || r.Roles.Contains(bot.Inspector) {
		b.WriteString("\n" + f.roleCommands(r.Roles))
	}
	fmt.Fprintf(&b, "\n您的身份：%s", r.Roles.Chinese())
	if r.ChatType == bot.ChatPrivate {
		f.rt.SetMenu(ctx, r.Out, r.ChatID, r.Roles)
	}
	_, err := r.Reply(ctx, b.String(), bot.Row(bot.Btn("📖 浏览规范", "rl")))
	return err
}

// examples are what /start and /help show as examples, taken from the code in force so that they hold after
// another code is imported: its title, a real clause ID and short questions built from clause titles.
type examples struct {
	title     string
	clause    string
	questions []string
}

// examplesOf picks the examples of a code: the first clause that forbids something (else the first that
// requires something, else the first clause) gives the clause ID and the first question; the first clause
// under another title that forbids (else requires) something gives the second.
func examplesOf(code *rules.Code) examples {
	ex := examples{title: "服务规范", clause: "1", questions: []string{"上班时间可以在窗口吃东西吗？", "接电话第一句应该说什么？"}}
	if code == nil || len(code.Clauses) == 0 {
		return ex
	}
	if code.Title != "" {
		ex.title = code.Title
	}
	rank := func(c rules.Clause) int {
		best := 3
		for _, s := range c.Statements {
			switch s.Modality {
			case rules.Prohibited:
				best = min(best, 0)
			case rules.Required:
				best = min(best, 1)
			}
		}
		if c.ID == rules.PreambleID || c.Title == "" {
			best = 4
		}
		return best
	}
	first := -1
	for i, c := range code.Clauses {
		if first < 0 || rank(c) < rank(code.Clauses[first]) {
			first = i
		}
	}
	c := code.Clauses[first]
	ex.clause = c.ID
	if c.Title == "" {
		return ex
	}
	ex.questions = []string{c.Title + "方面有什么规定？"}
	for want := 0; want < 3 && len(ex.questions) < 2; want++ {
		for _, o := range code.Clauses {
			if o.Title != c.Title && rank(o) == want {
				ex.questions = append(ex.questions, o.Title+"有哪些要求？")
				break
			}
		}
	}
	return ex
}

// roleCommands lists the commands beyond staff ones the roles open.
func (f *features) roleCommands(rs bot.Roles) string {
	staff := map[string]bool{}
	for _, c := range f.rt.CommandsFor(bot.Roles(bot.Staff)) {
		staff[c.Name] = true
	}
	var lines []string
	for _, c := range f.rt.CommandsFor(rs) {
		if !staff[c.Name] {
			lines = append(lines, "• /"+c.Name+" "+c.Description)
		}
	}
	if len(lines) == 0 {
		return ""
	}
	return "您还可以使用：\n" + strings.Join(lines, "\n") + "\n"
}

func (f *features) help(ctx context.Context, r *bot.Request) error {
	var code *rules.Code
	if v, err := f.Code.CodeInForce(ctx); err == nil {
		code = v.Code
	}
	ex := examplesOf(code)
	var b strings.Builder
	fmt.Fprintf(&b, "我能回答关于《%s》的问题。直接发送问题即可，例如：\n", ex.title)
	for _, q := range ex.questions {
		b.WriteString("“" + q + "”\n")
	}
	b.WriteString("\n回答先给结论（可以／不可以／必须），再引用条款编号和原文。觉得回答不对，请点 👎 告诉我原因。\n\n命令：\n")
	for _, c := range f.rt.CommandsFor(r.Roles) {
		desc := c.Description
		if c.Name == "clause" {
			desc += "，例如 /clause " + ex.clause
		}
		fmt.Fprintf(&b, "/%s %s\n", c.Name, desc)
	}
	if r.ChatType.IsGroup() {
		b.WriteString("\n在群里提问时，请 @我 或回复我的消息。")
	}
	_, err := r.Reply(ctx, strings.TrimRight(b.String(), "\n"))
	return err
}

// ask answers a question: any text that is not a command.
func (f *features) ask(ctx context.Context, r *bot.Request) error {
	q := strings.TrimSpace(r.Text)
	if q == "" {
		return nil
	}
	if n := utf8.RuneCountInString(q); n > MaxQuestionLen {
		_, err := r.Reply(ctx, fmt.Sprintf("问题太长了（%d 字）。请用一两句话描述要问的情况，%d 字以内。", n, MaxQuestionLen))
		return err
	}
	a, err := f.Asker.Ask(ctx, q)
	if err != nil {
		return fmt.Errorf("ask: %w", err)
	}
	if r.Roles.Contains(bot.Inspector) {
		// An inspector's questions are not logged: the log would record when an inspector was active, and that
		// could be matched against the day a report was filed (DESIGN.md, anonymity). Without a log entry
		// there is nothing to rate, so the answer offers the clause itself.
		_, err = r.Send(ctx, bot.Message{Text: AnswerText(a), Buttons: unloggedButtons(a), ReplyTo: replyTo(r)})
		return err
	}
	entry := &bot.Question{ChatID: r.ChatID, UserID: r.From.ID, Text: q, Answer: a.Answer, Verdict: string(a.Verdict),
		Abstained: a.Abstained, VersionID: a.Version, Asked: r.Now()}
	for _, c := range a.Citations {
		entry.Clauses = append(entry.Clauses, c.ID)
	}
	id, err := f.QA.LogQuestion(ctx, entry)
	if err != nil {
		return fmt.Errorf("log question: %w", err)
	}
	_, err = r.Send(ctx, bot.Message{Text: AnswerText(a), Buttons: answerButtons(id, a), ReplyTo: replyTo(r)})
	return err
}

// replyTo threads answers to their question in groups, where several people may ask at once.
func replyTo(r *bot.Request) int {
	if r.ChatType.IsGroup() {
		return r.MessageID
	}
	return 0
}

// AnswerText is the message for an answer: the engine's text, shaped for a phone (verdict first, the deciding
// sentence quoted with its clause cited and titled). The full clause is behind the 📄 查看原文 button, shown
// only when it adds to the quote (retrieval.Answer.FullTextAdds). A text that shows no clause (a chat model's,
// say) gets the clause it rests on.
func AnswerText(a *retrieval.Answer) string {
	text := strings.TrimSpace(a.Answer)
	if text == "" {
		text = "抱歉，规范中没有找到与这个问题相关的规定。"
	}
	if len(a.Citations) > 0 && !a.Abstained && a.Quote == "" && !a.Lookup {
		c := a.Citations[0]
		if !strings.Contains(text, c.ID) && !strings.Contains(text, c.Title) {
			text += "\n\n依据：" + retrieval.CiteLabel(c.ID, c.Title)
		}
	}
	return text
}

func answerButtons(qid int64, a *retrieval.Answer) [][]bot.Button {
	id := bot.ID(qid)
	var rows [][]bot.Button
	if len(a.Citations) > 0 && !a.Abstained {
		row := bot.Row()
		if a.FullTextAdds() {
			row = append(row, bot.Btn("📄 查看原文", "qa", "o", id))
		}
		rows = append(rows, append(row, bot.Btn("🔗 相关条款", "qa", "r", id)))
	} else {
		rows = append(rows, bot.Row(bot.Btn("📖 浏览规范", "rl")))
	}
	return append(rows, bot.Row(bot.Btn("👍 有帮助", "fb", "u", id), bot.Btn("👎 没帮助", "fb", "d", id)))
}

// unloggedButtons are the buttons of an answer that was not logged: the cited clause in the browser.
func unloggedButtons(a *retrieval.Answer) [][]bot.Button {
	if len(a.Citations) > 0 && !a.Abstained {
		label := "📄 查看原文"
		if !a.FullTextAdds() {
			label = "📖 在规范中查看"
		}
		return [][]bot.Button{bot.Row(bot.Btn(label, "rl", a.Citations[0].ID))}
	}
	return [][]bot.Button{bot.Row(bot.Btn("📖 浏览规范", "rl"))}
}

// question loads the question a button names and checks it was asked in this chat: a forged ID from another
// chat is refused like an expired button.
func (f *features) question(ctx context.Context, r *bot.Request, arg string) (*bot.Question, error) {
	id, ok := bot.ParseID(arg)
	if !ok {
		return nil, nil
	}
	q, err := f.QA.GetQuestion(ctx, id)
	if errors.Is(err, bot.ErrNotFound) || err == nil && q.ChatID != r.ChatID {
		return nil, nil
	}
	return q, err
}

const msgStaleButton = "此按钮已失效。"

// qaButton: qa:o:<question> shows the cited clause in full; qa:r:<question> lists related clauses.
func (f *features) qaButton(ctx context.Context, r *bot.Request) error {
	q, err := f.question(ctx, r, r.Arg(1))
	if err != nil {
		return err
	}
	if q == nil || len(q.Clauses) == 0 || len(r.CallbackArgs) != 2 {
		return r.Answer(ctx, msgStaleButton)
	}
	v, err := f.Code.CodeInForce(ctx)
	if err != nil {
		return fmt.Errorf("code in force: %w", err)
	}
	switch r.Arg(0) {
	case "o":
		m, ok := browseView(v.Code, q.Clauses[0])
		if !ok {
			return r.Alert(ctx, "规范已更新，条款 "+q.Clauses[0]+" 已不存在。请重新提问。")
		}
		_ = r.Answer(ctx, "")
		_, err = r.Send(ctx, m)
		return err
	case "r":
		_ = r.Answer(ctx, "")
		_, err = r.Send(ctx, relatedView(v.Code, q.Clauses))
		return err
	}
	return r.Answer(ctx, msgStaleButton)
}

// relatedView lists the answer's other citations, or the clauses next to its first one when it has none.
func relatedView(code *rules.Code, cited []string) bot.Message {
	seen := map[string]bool{cited[0]: true}
	var ids []string
	for _, id := range cited[1:] {
		if _, ok := code.Clause(id); ok && !seen[id] && len(ids) < 5 {
			ids = append(ids, id)
			seen[id] = true
		}
	}
	if len(ids) == 0 {
		_, sibs := code.Children(rules.ParentID(cited[0]))
		for _, c := range sibs {
			if !seen[c.ID] && c.ID != rules.PreambleID && len(ids) < 5 {
				ids = append(ids, c.ID)
			}
		}
	}
	if len(ids) == 0 {
		return bot.Message{Text: "没有找到相关条款。", Buttons: [][]bot.Button{bot.Row(bot.Btn("📖 浏览规范", "rl"))}}
	}
	var b strings.Builder
	b.WriteString("相关条款：\n")
	var rows [][]bot.Button
	for _, id := range ids {
		c, _ := code.Clause(id)
		fmt.Fprintf(&b, "\n%s %s：%s", id, c.Title, bot.Lead(c.Text, 50))
		rows = append(rows, bot.Row(bot.Btn(id+" "+c.Title, "rl", id)))
	}
	return bot.Message{Text: b.String(), Buttons: rows}
}

// msgNotAsker answers a feedback button pressed by someone other than the asker (in a group).
const msgNotAsker = "只有提问的人可以评价这个回答。"

// askedBy tells whether the sender of r asked q: only the asker rates an answer. A question whose asker is not
// known (0) is rated only in a private chat, where the chat is the asker's.
func askedBy(q *bot.Question, r *bot.Request) bool {
	if q.UserID == 0 {
		return r.ChatType == bot.ChatPrivate
	}
	return q.UserID == r.From.ID
}

// feedbackButton: fb:u:<q> 👍, fb:d:<q> 👎, fb:r:<q>:<n> the reason of a 👎. Only the asker's presses count.
func (f *features) feedbackButton(ctx context.Context, r *bot.Request) error {
	q, err := f.question(ctx, r, r.Arg(1))
	if err != nil {
		return err
	}
	if q == nil {
		return r.Answer(ctx, msgStaleButton)
	}
	if !askedBy(q, r) {
		return r.Answer(ctx, msgNotAsker)
	}
	fb := bot.Feedback{QuestionID: q.ID, UserID: r.From.ID, Rated: r.Now()}
	switch {
	case r.Arg(0) == "u" && len(r.CallbackArgs) == 2:
		fb.Helpful = true
		if err := f.QA.PutFeedback(ctx, fb); err != nil {
			return fmt.Errorf("feedback: %w", err)
		}
		return r.Answer(ctx, "谢谢您的反馈！")
	case r.Arg(0) == "d" && len(r.CallbackArgs) == 2:
		if err := f.QA.PutFeedback(ctx, fb); err != nil {
			return fmt.Errorf("feedback: %w", err)
		}
		_ = r.Answer(ctx, "已记录")
		rows := [][]bot.Button{bot.Row(), bot.Row()}
		for i, reason := range bot.Reasons {
			rows[i/2] = append(rows[i/2], bot.Btn(reason.Chinese(), "fb", "r", bot.ID(q.ID), fmt.Sprint(i+1)))
		}
		_, err := r.Send(ctx, bot.Message{Text: "抱歉没能帮上忙。请问哪里不对？", Buttons: rows, ReplyTo: r.MessageID})
		return err
	case r.Arg(0) == "r" && len(r.CallbackArgs) == 3:
		n := 0
		if _, err := fmt.Sscanf(r.Arg(2), "%d", &n); err != nil || n < 1 || n > len(bot.Reasons) || r.Arg(2) != fmt.Sprint(n) {
			return r.Answer(ctx, msgStaleButton)
		}
		fb.Reason = bot.Reasons[n-1]
		if err := f.QA.PutFeedback(ctx, fb); err != nil {
			return fmt.Errorf("feedback: %w", err)
		}
		_ = r.Answer(ctx, "已记录："+fb.Reason.Chinese())
		text := "已记录：" + fb.Reason.Chinese() + "。谢谢您的反馈，我们会据此完善规范助手。"
		if r.ChatType == bot.ChatPrivate {
			// Every reason may be explained in a sentence: the note reaches /gaps next to the reason. In a group
			// the next line may be anyone's, so there the reason alone is kept.
			if err := r.SaveState(ctx, KindNote, noteState{Question: q.ID, Reason: fb.Reason}, noteTTL); err != nil {
				return err
			}
			text = "已记录：" + fb.Reason.Chinese() + "。\n如愿意，请直接发一句话说明原因（10 分钟内）；不想说明请发送 /cancel 。"
		}
		return r.Edit(ctx, bot.Message{Text: text})
	}
	return r.Answer(ctx, msgStaleButton)
}

type noteState struct {
	Question int64      `json:"q"`
	Reason   bot.Reason `json:"reason"`
}

// MaxNoteLen is the longest note kept with a 👎, in characters.
const MaxNoteLen = 500

// note takes the optional sentence after a 👎 reason.
func (f *features) note(ctx context.Context, r *bot.Request) error {
	if r.Text == "" {
		return bot.ErrPass
	}
	var st noteState
	if err := r.State.Decode(&st); err != nil {
		_ = r.ClearState(ctx, KindNote)
		return bot.ErrPass
	}
	fb := bot.Feedback{QuestionID: st.Question, UserID: r.From.ID, Reason: st.Reason, Note: bot.Clip(r.Text, MaxNoteLen), Rated: r.Now()}
	if err := f.QA.PutFeedback(ctx, fb); err != nil {
		return fmt.Errorf("feedback note: %w", err)
	}
	if err := r.ClearState(ctx, KindNote); err != nil {
		return err
	}
	_, err := r.Reply(ctx, "已记录您的说明，谢谢！")
	return err
}

func (f *features) cancelNote(ctx context.Context, r *bot.Request) error {
	if err := r.ClearState(ctx, KindNote); err != nil {
		return err
	}
	_, err := r.Reply(ctx, "好的，不再补充说明。")
	return err
}

func (f *features) rules(ctx context.Context, r *bot.Request) error {
	v, err := f.Code.CodeInForce(ctx)
	if err != nil {
		return fmt.Errorf("code in force: %w", err)
	}
	m, _ := browseView(v.Code, "")
	_, err = r.Send(ctx, m)
	return err
}

func (f *features) clause(ctx context.Context, r *bot.Request) error {
	v, err := f.Code.CodeInForce(ctx)
	if err != nil {
		return fmt.Errorf("code in force: %w", err)
	}
	if strings.TrimSpace(r.Update.Args) == "" {
		_, err := r.Reply(ctx, "用法：/clause 条款编号，例如 /clause "+examplesOf(v.Code).clause+"。\n发送 /rules 可按目录浏览。")
		return err
	}
	id, ok := ParseClauseRef(r.Update.Args)
	m, found := browseView(v.Code, id)
	if !ok || !found {
		_, err := r.Reply(ctx, "没有找到条款“"+bot.Clip(r.Update.Args, 20)+"”。条款编号形如 "+examplesOf(v.Code).clause+"，发送 /rules 可按目录浏览。",
			bot.Row(bot.Btn("📖 浏览规范", "rl")))
		return err
	}
	_, err = r.Send(ctx, m)
	return err
}

// browseButton: rl shows the table of contents, rl:<id> a part, section or clause, all in the same message.
func (f *features) browseButton(ctx context.Context, r *bot.Request) error {
	if len(r.CallbackArgs) > 1 {
		return r.Answer(ctx, msgStaleButton)
	}
	v, err := f.Code.CodeInForce(ctx)
	if err != nil {
		return fmt.Errorf("code in force: %w", err)
	}
	m, ok := browseView(v.Code, r.Arg(0))
	if !ok {
		_ = r.Answer(ctx, "规范已更新，该条款已不存在。")
		m, _ = browseView(v.Code, "")
	}
	return r.Edit(ctx, m)
}
