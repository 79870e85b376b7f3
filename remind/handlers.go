package remind

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/conductbot/conductbot/bot"
	"github.com/conductbot/conductbot/qa"
	"github.com/conductbot/conductbot/rules"
	"github.com/conductbot/conductbot/workday"
)

// Callback prefixes of the reminders' buttons.
const (
	prefixAnswer = "rmq" // rmq:<YYYYMMDD>:<option>: an answer to the day's question
	prefixAsk    = "rma" // rma:<clause ID>: ask the Q&A engine about the clause of the day
)

// Register adds the reminders' commands and buttons to the router: /remind (staff; admins in groups),
// /today (staff), /stats (supervisors), /calendar (admins), and the buttons of the daily message.
func (r *Reminders) Register(rt *bot.Router) {
	rt.Command("remind", bot.Staff, r.cmdRemind, bot.Describe(zh("每日提醒:/remind on|off|08:15")))
	rt.Command("today", bot.Staff, r.cmdToday, bot.Describe("今日规范和每日一题"))
	rt.Command("quizstats", bot.Supervisor, r.QuizStats, bot.Describe(zh("每日一题统计(近 30 天)")))
	rt.Command("calendar", bot.Admin, r.cmdCalendar, bot.Describe("工作日历与节假日"))
	rt.Callback(prefixAnswer, bot.Staff, r.answerButton)
	rt.Callback(prefixAsk, bot.Staff, r.askButton)
}

// ParseTime reads a time of day: "8:15", "08:15", "0815", "8点15", "8点" (full-width colons too) and returns
// minutes after midnight.
func ParseTime(s string) (int, bool) {
	s = strings.TrimSpace(s)
	s = strings.NewReplacer("\uff1a", ":", "点半", ":30", "点", ":", "时", ":", "分", "").Replace(s)
	s = strings.TrimSuffix(s, ":")
	var hs, ms string
	if h, m, ok := strings.Cut(s, ":"); ok {
		hs, ms = h, m
	} else if len(s) == 4 {
		hs, ms = s[:2], s[2:]
	} else {
		hs, ms = s, "0"
	}
	h, err1 := strconv.Atoi(hs)
	m, err2 := strconv.Atoi(ms)
	if err1 != nil || err2 != nil || len(hs) > 2 || len(ms) > 2 || h < 0 || h > 23 || m < 0 || m > 59 {
		return 0, false
	}
	return h*60 + m, true
}

// FormatMinute is "08:30".
func FormatMinute(m int) string { return fmt.Sprintf("%02d:%02d", m/60, m%60) }

const remindUsage = "用法:\n/remind on 开启每日提醒\n/remind off 关闭\n/remind 08:15 设置推送时间(05:00–20:59)"

func (r *Reminders) cmdRemind(ctx context.Context, req *bot.Request) error {
	group := req.ChatType.IsGroup()
	if group && !req.Has(bot.Admin) {
		_, err := req.Reply(ctx, zh("只有管理员可以为本群设置每日提醒。您可以在与我的私聊中发送 /remind on 订阅个人提醒。"))
		return err
	}
	arg := strings.ToLower(strings.TrimSpace(req.Update.Args))
	if arg == "groups" && req.Has(bot.Admin) {
		return r.listGroups(ctx, req)
	}
	sub, err := r.store.Subscription(ctx, req.ChatID)
	if errors.Is(err, ErrNotFound) {
		sub, err = &Subscription{ChatID: req.ChatID, Group: group, Minute: DefaultMinute}, nil
	}
	if err != nil {
		return fmt.Errorf("subscription: %w", err)
	}
	who := "您"
	if group {
		who = "本群"
	}
	now := r.clock.Now()
	switch arg {
	case "":
		_, err := req.Reply(ctx, r.status(ctx, sub, who)+"\n\n"+zh(remindUsage))
		return err
	case "on", "开", "开启", "订阅":
		sub.Enabled, sub.Reason = true, ""
	case "off", "关", "关闭", "退订", "取消":
		sub.Enabled, sub.Reason = false, "off"
	default:
		m, ok := ParseTime(arg)
		if !ok {
			_, err := req.Reply(ctx, zh("没看懂这个时间。")+"\n"+zh(remindUsage))
			return err
		}
		if m < EarliestMinute || m >= Cutoff {
			_, err := req.Reply(ctx, zh("提醒时间需在 05:00 到 20:59 之间,例如 /remind 08:15 。"))
			return err
		}
		sub.Minute, sub.Enabled, sub.Reason = m, true, ""
	}
	sub.Group, sub.SetBy, sub.Updated = group, req.From.ID, now
	if err := r.store.PutSubscription(ctx, *sub); err != nil {
		return fmt.Errorf("put subscription: %w", err)
	}
	var text string
	if sub.Enabled {
		text = fmt.Sprintf(zh("✅ 已开启每日提醒:每个工作日 %s 推送今日规范和每日一题(节假日不推送,调休上班日照常)。"), FormatMinute(sub.Minute))
		if note := r.todayNote(ctx, sub); note != "" {
			text += "\n" + note
		}
	} else {
		text = zh("已关闭每日提醒。想再收到时,发送 /remind on 。")
	}
	_, err = req.Reply(ctx, text)
	return err
}

// status describes a subscription and today's state.
func (r *Reminders) status(ctx context.Context, sub *Subscription, who string) string {
	var b strings.Builder
	if sub.Enabled {
		fmt.Fprintf(&b, zh("%s的每日提醒:已开启,每个工作日 %s 推送。"), who, FormatMinute(sub.Minute))
	} else if sub.Reason == "blocked" {
		fmt.Fprintf(&b, zh("%s的每日提醒:已关闭(消息曾无法送达)。发送 /remind on 重新开启。"), who)
	} else {
		fmt.Fprintf(&b, zh("%s的每日提醒:未开启。"), who)
	}
	if note := r.todayNote(ctx, sub); note != "" {
		b.WriteString("\n" + note)
	}
	return b.String()
}

// todayNote says what happens today: a day off, sent already, still to come, or too late.
func (r *Reminders) todayNote(ctx context.Context, sub *Subscription) string {
	now := r.clock.Now()
	today := workday.DateOf(now, r.loc)
	cal, err := r.Calendar(ctx)
	if err != nil {
		return ""
	}
	info := cal.Day(today)
	if !info.Workday {
		next := cal.NextWorkday(today)
		return fmt.Sprintf(zh("今天(%s)%s,不推送;下一个工作日是 %s。"), today.Long(), info.Reason, next.Long())
	}
	if !sub.Enabled {
		return ""
	}
	if d, err := r.store.Delivery(ctx, today, sub.ChatID); err == nil && d.State == Sent {
		return zh("今天的提醒已送达;发送 /today 可以再看一遍。")
	}
	m := minuteOf(now, r.loc)
	switch {
	case m >= Cutoff:
		return zh("今天已过 21:00,不再推送;发送 /today 可以查看今天的内容。")
	case m >= sub.Minute:
		return zh("今天的提醒将在几分钟内送达。")
	}
	return fmt.Sprintf(zh("今天的提醒将在 %s 送达。"), FormatMinute(sub.Minute))
}

func (r *Reminders) listGroups(ctx context.Context, req *bot.Request) error {
	subs, err := r.store.Subscriptions(ctx, true, false)
	if err != nil {
		return err
	}
	if len(subs) == 0 {
		_, err := req.Reply(ctx, zh("还没有群开启每日提醒。在群里发送 /remind on 即可(需管理员)。"))
		return err
	}
	var b strings.Builder
	b.WriteString(zh("群提醒:\n"))
	for _, s := range subs {
		state := "已开启"
		if !s.Enabled {
			state = "已关闭"
			if s.Reason == "blocked" {
				state = zh("已关闭(机器人已不在群中)")
			}
		}
		fmt.Fprintf(&b, "• %d  %s  %s\n", s.ChatID, FormatMinute(s.Minute), state)
	}
	_, err = req.Reply(ctx, strings.TrimRight(b.String(), "\n"))
	return err
}

// cmdToday shows today's reminder on demand; it is not a delivery and does not count as one.
func (r *Reminders) cmdToday(ctx context.Context, req *bot.Request) error {
	today := r.Today()
	cal, err := r.Calendar(ctx)
	if err != nil {
		return err
	}
	if info := cal.Day(today); !info.Workday {
		// A day off has no reminder of its own: preview the next working day's clause (its question is answered
		// on that day, so no buttons).
		next := cal.NextWorkday(today)
		head := fmt.Sprintf("今天（%s）%s，休息日不推送。下面是下一个工作日（%s）的今日规范预告：", today.Long(), info.Reason, next.Long())
		p, err := r.Plan(ctx, next)
		if err != nil {
			_, rerr := req.Reply(ctx, fmt.Sprintf("今天（%s）%s，休息日不推送。下一个工作日是 %s。", today.Long(), info.Reason, next.Long()))
			return errors.Join(err, rerr)
		}
		m := r.Message(p, req.ChatType.IsGroup())
		m.Text, m.Buttons = head+"\n\n"+m.Text, nil
		_, err = req.Send(ctx, m)
		return err
	}
	p, err := r.Plan(ctx, today)
	if err != nil {
		return err
	}
	m := r.Message(p, req.ChatType.IsGroup())
	if !req.ChatType.IsGroup() && p.Question.Text != "" {
		// Answered already: the question is shown with the answer, not with its buttons again.
		if choice, ok, err := r.store.AnsweredChoice(ctx, today, req.From.ID); err == nil && ok && choice < len(p.Question.Options) {
			q := p.Question
			m.Text = strings.TrimSuffix(m.Text, "点下方字母作答。") + fmt.Sprintf("您已答过这道题（选 %s）。正确答案：%s. %s",
				optionLetters[choice], optionLetters[q.Answer], q.Options[q.Answer])
			m.Buttons = m.Buttons[len(m.Buttons)-1:]
		}
	}
	_, err = req.Send(ctx, m)
	return err
}

// answerButton takes an answer to a day's question. The button names the day and the option; everything
// else (the question, the right answer, whether the user answered already) is the server's.
func (r *Reminders) answerButton(ctx context.Context, req *bot.Request) error {
	day, ok := workday.ParseCompact(req.Arg(0))
	choice, err := strconv.Atoi(req.Arg(1))
	if !ok || err != nil || len(req.CallbackArgs) != 2 || req.Arg(1) != strconv.Itoa(choice) {
		return req.Answer(ctx, "此按钮已失效。")
	}
	p, err := r.store.DayPlan(ctx, day)
	if errors.Is(err, ErrNotFound) {
		return req.Answer(ctx, "此按钮已失效。")
	}
	if err != nil {
		return err
	}
	q := p.Question
	if q.Text == "" || choice < 0 || choice >= len(q.Options) {
		return req.Answer(ctx, "此按钮已失效。")
	}
	a := Answer{Day: day, UserID: req.From.ID, ChatID: req.ChatID, QuestionID: q.ID, Choice: choice,
		Correct: choice == q.Answer, Answered: r.clock.Now()}
	stored, first, err := r.store.PutAnswer(ctx, a)
	if err != nil {
		return fmt.Errorf("put answer: %w", err)
	}
	answered, correct, err := r.store.AnswerCounts(ctx, req.From.ID)
	if err != nil {
		return fmt.Errorf("answer counts: %w", err)
	}
	right := fmt.Sprintf("%s. %s", optionLetters[q.Answer], q.Options[q.Answer])
	var verdict string
	switch {
	case !first:
		verdict = fmt.Sprintf(zh("您已答过这道题(选 %s)。正确答案:%s"), optionLetters[stored.Choice], right)
	case stored.Correct:
		verdict = fmt.Sprintf(zh("✅ 回答正确!答案:%s"), right)
	default:
		verdict = fmt.Sprintf(zh("❌ 回答错误。正确答案:%s"), right)
	}
	source := fmt.Sprintf(zh("依据:第 %s 条"), q.ClauseID)
	tally := fmt.Sprintf(zh("您累计答题 %d 道,答对 %d 道(正确率 %d%%)。"), answered, correct, percent(correct, answered))
	if req.ChatType.IsGroup() || !first {
		// In a group the message is everyone's: the result goes to the one who answered, as an alert.
		return req.Alert(ctx, bot.Clip(verdict+"\n"+source+"\n"+tally, 200))
	}
	_ = req.Answer(ctx, "")
	m := r.Message(p, false)
	m.Text += "\n\n" + verdict + "\n" + source + "\n" + tally
	m.Buttons = m.Buttons[len(m.Buttons)-1:] // the answer buttons go; "ask about it" stays
	return req.Edit(ctx, m)
}

func percent(a, b int) int {
	if b == 0 {
		return 0
	}
	return (a*100 + b/2) / b
}

// askButton puts the clause's question to the Q&A engine and sends its answer.
func (r *Reminders) askButton(ctx context.Context, req *bot.Request) error {
	id := req.Arg(0)
	if len(req.CallbackArgs) != 1 || id == "" {
		return req.Answer(ctx, "此按钮已失效。")
	}
	v, err := r.code.CodeInForce(ctx)
	if err != nil {
		return fmt.Errorf("code in force: %w", err)
	}
	c, ok := v.Code.Clause(id)
	if !ok {
		return req.Alert(ctx, zh("规范已更新,第 "+id+" 条已不存在。发送 /rules 浏览现行规范。"))
	}
	_ = req.Answer(ctx, "")
	invite := fmt.Sprintf(zh("关于第 %s 条(%s)还有别的疑问?直接把问题发给我就行。"), c.ID, c.Title)
	if req.ChatType.IsGroup() {
		invite = fmt.Sprintf(zh("关于第 %s 条(%s)还有别的疑问?在群里 @我 或回复我的消息提问。"), c.ID, c.Title)
	}
	if r.asker == nil {
		_, err := req.Send(ctx, bot.Message{Text: fmt.Sprintf(zh("第 %s 条(%s)\n"), c.ID, c.Title) + c.Text + "\n\n" + invite,
			Buttons: [][]bot.Button{bot.Row(bot.Btn("📖 浏览规范", "rl", rules.ParentID(c.ID)))}})
		return err
	}
	question := r.contentFor(v.Code).AskOf(c)
	a, err := r.asker.Ask(ctx, question)
	if err != nil {
		return fmt.Errorf("ask: %w", err)
	}
	text := "❓ " + question + "\n\n" + qa.AnswerText(a) + "\n\n" + invite
	_, err = req.Send(ctx, bot.Message{Text: text, ReplyTo: req.MessageID})
	return err
}

// Stats is the participation in the daily question over a period, without anyone's name.
type Stats struct {
	Since           workday.Date
	Users, Groups   int            // enabled subscriptions now
	Deliveries      map[string]int // by state
	Questions       int            // days with answers
	Answers         int
	Correct         int
	DistinctUsers   int
	MostMissed      []MissedQuestion
	AverageAnswered float64 // answers per question day
}

// MissedQuestion is a question with its answers over the period.
type MissedQuestion struct {
	QuestionID string
	ClauseID   string
	Text       string
	Answered   int
	Wrong      int
}

// Stats counts the last days (30: the last 30 days including today).
func (r *Reminders) Stats(ctx context.Context, days int) (*Stats, error) {
	since := r.Today().AddDays(-(days - 1))
	st := &Stats{Since: since}
	var err error
	if st.Users, st.Groups, err = r.store.CountSubscriptions(ctx); err != nil {
		return nil, err
	}
	if st.Deliveries, err = r.store.DeliveryCounts(ctx, since); err != nil {
		return nil, err
	}
	ds, users, err := r.store.AnswerStats(ctx, since)
	if err != nil {
		return nil, err
	}
	st.DistinctUsers = users
	byQ := map[string]*MissedQuestion{}
	for _, d := range ds {
		p, err := r.store.DayPlan(ctx, d.Day)
		if err != nil {
			continue
		}
		st.Questions++
		st.Answers += d.Answered
		st.Correct += d.Correct
		m := byQ[p.QuestionID]
		if m == nil {
			m = &MissedQuestion{QuestionID: p.QuestionID, ClauseID: p.Question.ClauseID, Text: p.Question.Text}
			byQ[p.QuestionID] = m
		}
		m.Answered += d.Answered
		m.Wrong += d.Answered - d.Correct
	}
	if st.Questions > 0 {
		st.AverageAnswered = float64(st.Answers) / float64(st.Questions)
	}
	for _, m := range byQ {
		if m.Wrong > 0 {
			st.MostMissed = append(st.MostMissed, *m)
		}
	}
	sort.Slice(st.MostMissed, func(i, j int) bool {
		a, b := st.MostMissed[i], st.MostMissed[j]
		ra, rb := float64(a.Wrong)/float64(a.Answered), float64(b.Wrong)/float64(b.Answered)
		if ra != rb {
			return ra > rb
		}
		if a.Wrong != b.Wrong {
			return a.Wrong > b.Wrong
		}
		return a.QuestionID < b.QuestionID
	})
	if len(st.MostMissed) > 5 {
		st.MostMissed = st.MostMissed[:5]
	}
	return st, nil
}

// cmdStats shows supervisors participation and the most missed questions: counts only, never anyone's name,
// so it is safe in a group chat too.
// QuizStats answers /quizstats, and follows supervision's /stats: subscriptions, deliveries and the daily
// question's participation over the last 30 days, never ranking named people.
func (r *Reminders) QuizStats(ctx context.Context, req *bot.Request) error {
	st, err := r.Stats(ctx, 30)
	if err != nil {
		return fmt.Errorf("stats: %w", err)
	}
	var b strings.Builder
	b.WriteString(zh("📊 每日提醒与每日一题(近 30 天)\n"))
	fmt.Fprintf(&b, zh("订阅:个人 %d 人,群 %d 个\n"), st.Users, st.Groups)
	fmt.Fprintf(&b, zh("推送:送达 %d 次"), st.Deliveries[Sent])
	if n := st.Deliveries[Blocked]; n > 0 {
		fmt.Fprintf(&b, zh(",无法送达已退订 %d 次"), n)
	}
	if n := st.Deliveries[Failed]; n > 0 {
		fmt.Fprintf(&b, zh(",失败 %d 次"), n)
	}
	b.WriteString("\n")
	if st.Answers == 0 {
		b.WriteString(zh("答题:近 30 天还没有人答题。"))
	} else {
		fmt.Fprintf(&b, zh("答题:%d 道题,%d 人参与,共 %d 人次,平均每题 %.1f 人次,正确率 %d%%\n"),
			st.Questions, st.DistinctUsers, st.Answers, st.AverageAnswered, percent(st.Correct, st.Answers))
		if len(st.MostMissed) > 0 {
			b.WriteString(zh("\n错得最多的题目:\n"))
			for i, m := range st.MostMissed {
				fmt.Fprintf(&b, zh("%d. %s(第 %s 条)错误率 %d%%,%d 人次作答\n"), i+1, m.Text, m.ClauseID,
					percent(m.Wrong, m.Answered), m.Answered)
			}
			b.WriteString("建议在晨会上讲一讲这些条款。")
		}
	}
	_, err = req.Reply(ctx, strings.TrimRight(b.String(), "\n"))
	return err
}

// cmdCalendar shows admins the calendar of this year and the next, and the days off and make-up working days
// of the coming 60 days.
func (r *Reminders) cmdCalendar(ctx context.Context, req *bot.Request) error {
	cal, err := r.Calendar(ctx)
	if err != nil {
		return err
	}
	today := r.Today()
	var b strings.Builder
	b.WriteString("🗓 工作日历\n")
	for _, n := range []int{today.Year, today.Year + 1} {
		y, ok := cal.Year(n)
		switch {
		case !ok:
			fmt.Fprintf(&b, zh("%d 年:没有日历,按周一至周五推送(不含节假日和调休)。\n"), n)
		case y.Status == workday.StatusProvisional:
			fmt.Fprintf(&b, zh("%d 年:预估(%s),待国务院公布后更新。\n"), n, y.Source)
		default:
			fmt.Fprintf(&b, zh("%d 年:%s\n"), n, y.Source)
		}
	}
	b.WriteString(zh("\n未来 60 天的特殊日子:\n"))
	found := false
	for i := 0; i < 60; i++ {
		d := today.AddDays(i)
		info := cal.Day(d)
		weekend := d.Weekday() == time.Saturday || d.Weekday() == time.Sunday
		if info.Workday == !weekend {
			continue
		}
		found = true
		state := "休息"
		if info.Workday {
			state = "上班"
		}
		fmt.Fprintf(&b, "• %s %s %s\n", d.Long(), info.Reason, state)
	}
	if !found {
		b.WriteString(zh("(没有:均为正常的周一至周五上班)\n"))
	}
	b.WriteString(zh("\n更新日历:把国务院的放假安排写成日历文件(格式见 workday/calendar/2026.txt)," +
		"在服务器上运行 conductbot remind calendar 文件。"))
	_, err = req.Reply(ctx, b.String())
	return err
}
