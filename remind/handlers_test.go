package remind_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/conductbot/conductbot/bot"
	"github.com/conductbot/conductbot/internal/testkit"
	"github.com/conductbot/conductbot/remind"
	"github.com/conductbot/conductbot/workday"
)

const (
	staffID      = 1001
	staff2ID     = 1002
	supervisorID = 7001
	adminID      = 9001
	groupID      = -100777
)

// chatEnv is the reminders registered on a router, answering through a Recorder; the reminders, the bot's users
// and the engine are on one SQLite store (in memory), as serve wires them.
type chatEnv struct {
	*env
	rt     *bot.Router
	nextID int64
}

func newChat(t *testing.T, start string) *chatEnv {
	t.Helper()
	db := testkit.SQLite(t)
	eng := testkit.Engine(t, db)
	e := newEnvOn(t, db, at(start), func(c *remind.Config, _ *remind.SchedulerOptions) {
		c.Asker = eng
		c.Admins = []int64{adminID}
	})
	rt := bot.NewRouter(bot.Options{Now: e.clock.Now, States: db})
	rt.Use(bot.ResolveUser(db, []int64{adminID}, nil, bot.StaticRoles{supervisorID: bot.Roles(bot.Supervisor)}))
	e.rem.Register(rt)
	return &chatEnv{env: e, rt: rt}
}

func (c *chatEnv) handle(u bot.Update) {
	c.t.Helper()
	c.nextID++
	u.ID = c.nextID
	if u.ChatType == "" {
		u.ChatType = bot.ChatPrivate
		u.ChatID = u.From.ID
	}
	if err := c.rt.Handle(context.Background(), c.rec, u); err != nil {
		c.t.Fatal(err)
	}
}

// command sends "/name args" from user (in their private chat unless chatID is a group).
func (c *chatEnv) command(user int64, chatID int64, name, args string) string {
	c.t.Helper()
	n := len(c.rec.Sent())
	u := bot.Update{From: bot.Identity{ID: user, Name: fmt.Sprint("用户", user)}, Command: name, Args: args,
		Text: strings.TrimSpace("/" + name + " " + args)}
	if chatID < 0 {
		u.ChatID, u.ChatType = chatID, bot.ChatGroup
	}
	c.handle(u)
	sent := c.rec.Sent()
	if len(sent) == n {
		return ""
	}
	return sent[len(sent)-1].Message.Text
}

// press presses a button with data on message msgID.
func (c *chatEnv) press(user, chatID int64, msgID int, data string) (notice bot.Notice, edit *testkit.Sent) {
	c.t.Helper()
	n, a := len(c.rec.Sent()), len(c.rec.Answers())
	u := bot.Update{From: bot.Identity{ID: user}, MessageID: msgID, Callback: &bot.Callback{ID: fmt.Sprint("cb", c.nextID), Data: data}}
	if chatID < 0 {
		u.ChatID, u.ChatType = chatID, bot.ChatGroup
	}
	c.handle(u)
	if as := c.rec.Answers(); len(as) > a {
		notice = as[len(as)-1]
	} else {
		c.t.Fatalf("button %s was not answered", data)
	}
	for _, s := range c.rec.Sent()[n:] {
		s := s
		edit = &s
	}
	return notice, edit
}

func TestRemindCommand(t *testing.T) {
	c := newChat(t, "2026-11-02 07:00")
	ctx := context.Background()
	if got := c.command(staffID, 0, "remind", ""); !containsAll(got, "未开启", "/remind on", "08:15") {
		t.Fatalf("status: %s", got)
	}
	if got := c.command(staffID, 0, "remind", "on"); !containsAll(got, "已开启", "08:30", "将在 08:30 送达") {
		t.Fatalf("on: %s", got)
	}
	sub, err := c.store.Subscription(ctx, staffID)
	if err != nil || !sub.Enabled || sub.Minute != remind.DefaultMinute || sub.Group {
		t.Fatalf("%+v %v", sub, err)
	}
	for in, want := range map[string]int{"08:15": 495, "7:05": 425, "0930": 570, "8点半": 510, "20\uff1a59": 1259} {
		if got := c.command(staffID, 0, "remind", in); !strings.Contains(got, "已开启") {
			t.Fatalf("%s: %s", in, got)
		}
		if sub, _ := c.store.Subscription(ctx, staffID); sub.Minute != want {
			t.Fatalf("%s: minute %d, want %d", in, sub.Minute, want)
		}
	}
	for _, bad := range []string{"21:00", "04:59", "25:00", "明天", "8:61"} {
		got := c.command(staffID, 0, "remind", bad)
		if strings.Contains(got, "已开启") || got == "" {
			t.Fatalf("%s accepted: %s", bad, got)
		}
	}
	if got := c.command(staffID, 0, "remind", "off"); !strings.Contains(got, "已关闭") {
		t.Fatalf("off: %s", got)
	}
	if sub, _ := c.store.Subscription(ctx, staffID); sub.Enabled || sub.Reason != "off" {
		t.Fatalf("%+v", sub)
	}
	// Messages use full-width punctuation around Chinese text.
	if got := c.command(staffID, 0, "remind", ""); strings.ContainsAny(got, ",()") {
		t.Fatalf("ASCII punctuation in %q", got)
	}
}

func TestRemindInAGroupNeedsAnAdmin(t *testing.T) {
	c := newChat(t, "2026-11-02 07:00")
	ctx := context.Background()
	if got := c.command(staffID, groupID, "remind", "on"); !strings.Contains(got, "只有管理员") {
		t.Fatalf("staff in a group: %s", got)
	}
	if _, err := c.store.Subscription(ctx, groupID); err == nil {
		t.Fatal("a staff member subscribed the group")
	}
	if got := c.command(adminID, groupID, "remind", "09:00"); !containsAll(got, "已开启", "09:00") {
		t.Fatalf("admin in a group: %s", got)
	}
	sub, err := c.store.Subscription(ctx, groupID)
	if err != nil || !sub.Group || !sub.Enabled || sub.SetBy != adminID || sub.Minute != 540 {
		t.Fatalf("%+v %v", sub, err)
	}
	if got := c.command(adminID, 0, "remind", "groups"); !containsAll(got, fmt.Sprint(groupID), "09:00", "已开启") {
		t.Fatalf("groups: %s", got)
	}
}

func TestTodayOnWorkdaysAndDaysOff(t *testing.T) {
	c := newChat(t, "2026-10-01 09:00")
	// A holiday previews the next working day's clause, without the question's buttons (it is that day's).
	if got := c.command(staffID, 0, "today", ""); !containsAll(got, "国庆节", "休息日不推送", "2026年10月8日 星期四", "今日规范", "第 ") {
		t.Fatalf("holiday: %s", got)
	}
	if m := c.rec.Sent()[len(c.rec.Sent())-1].Message; len(m.Buttons) != 0 {
		t.Fatalf("the preview has buttons %+v", m.Buttons)
	}
	c.clock.Set(at("2026-10-10 09:00")) // a make-up Saturday
	got := c.command(staffID, 0, "today", "")
	if !containsAll(got, "今日规范", "2026年10月10日 星期六", "每日一题", "A. ", "💡") {
		t.Fatalf("today: %s", got)
	}
	m := c.rec.Sent()[len(c.rec.Sent())-1].Message
	if len(m.Buttons) != 2 || len(m.Buttons[0]) < 2 || m.Buttons[1][0].Text != "💬 问问这一条" {
		t.Fatalf("buttons %+v", m.Buttons)
	}
	for _, row := range m.Buttons {
		for _, b := range row {
			if _, _, err := bot.ParseCallback(b.Data); err != nil {
				t.Fatalf("button data %q: %v", b.Data, err)
			}
		}
	}
	// /today does not count as the day's delivery.
	if _, err := c.store.Delivery(context.Background(), date("2026-10-10"), staffID); err == nil {
		t.Fatal("/today created a delivery")
	}
}

func todaysPlan(t *testing.T, c *chatEnv) *remind.DayPlan {
	t.Helper()
	p, err := c.rem.Plan(context.Background(), c.rem.Today())
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestDailyQuestion(t *testing.T) {
	c := newChat(t, "2026-11-02 09:00")
	p := todaysPlan(t, c)
	q := p.Question
	right, wrong := q.Answer, (q.Answer+1)%len(q.Options)
	data := func(choice int) string { return bot.CallbackData("rmq", p.Day.Compact(), fmt.Sprint(choice)) }

	// In a private chat the message is edited to show the result; the answer buttons go.
	notice, edit := c.press(staffID, 0, 41, data(right))
	if notice.Alert || edit == nil || !edit.Edit || edit.MessageID != 41 {
		t.Fatalf("notice %+v edit %+v", notice, edit)
	}
	if !containsAll(edit.Message.Text, "✅ 回答正确", "依据\uff1a第 "+q.ClauseID+" 条", "累计答题 1 道", "正确率 100%") {
		t.Fatalf("result: %s", edit.Message.Text)
	}
	if len(edit.Message.Buttons) != 1 || edit.Message.Buttons[0][0].Data != "rma:"+p.ClauseID {
		t.Fatalf("buttons after answering: %+v", edit.Message.Buttons)
	}
	// A second press is not counted again.
	notice, edit = c.press(staffID, 0, 41, data(wrong))
	if !notice.Alert || !strings.Contains(notice.Text, "您已答过这道题") || edit != nil {
		t.Fatalf("second answer: %+v %+v", notice, edit)
	}
	// /today after answering shows the question with the answer, without its buttons.
	got := c.command(staffID, 0, "today", "")
	if !containsAll(got, "每日一题", "您已答过这道题", "正确答案") || strings.Contains(got, "点下方字母作答") {
		t.Fatalf("/today after answering: %s", got)
	}
	if m := c.rec.Sent()[len(c.rec.Sent())-1].Message; len(m.Buttons) != 1 || m.Buttons[0][0].Data != "rma:"+p.ClauseID {
		t.Fatalf("/today after answering has buttons %+v", m.Buttons)
	}
	// Another user answers wrong.
	_, edit = c.press(staff2ID, 0, 42, data(wrong))
	if edit == nil || !containsAll(edit.Message.Text, "❌ 回答错误", "正确答案", "正确率 0%") {
		t.Fatalf("wrong answer: %+v", edit)
	}
	// In a group the message is shared: the result is an alert to the one who pressed, nothing is edited.
	notice, edit = c.press(supervisorID, groupID, 43, data(right))
	if !notice.Alert || !strings.Contains(notice.Text, "回答正确") || edit != nil {
		t.Fatalf("group answer: %+v %+v", notice, edit)
	}
	answered, correct, _ := c.store.AnswerCounts(context.Background(), staffID)
	if answered != 1 || correct != 1 {
		t.Fatalf("staff: %d/%d", correct, answered)
	}
	// Forged or stale buttons are answered, not acted upon.
	for _, d := range []string{"rmq:20991231:0", "rmq:" + p.Day.Compact() + ":9", "rmq:" + p.Day.Compact() + ":01",
		"rmq:2026:0", "rmq:" + p.Day.Compact(), "rmq:" + p.Day.Compact() + ":-1"} {
		notice, edit := c.press(staffID+50, 0, 44, d)
		if !strings.Contains(notice.Text, "失效") || edit != nil {
			t.Fatalf("%s: %+v %+v", d, notice, edit)
		}
	}
	if n, _, _ := c.store.AnswerCounts(context.Background(), staffID+50); n != 0 {
		t.Fatal("a forged button recorded an answer")
	}
}

func TestAskAboutTheClause(t *testing.T) {
	c := newChat(t, "2026-11-02 09:00")
	notice, sent := c.press(staffID, 0, 41, "rma:1.3.3")
	if notice.Text != "" || sent == nil || sent.Edit {
		t.Fatalf("%+v %+v", notice, sent)
	}
	if !containsAll(sent.Message.Text, "上班时可以在窗口吃早饭吗", "1.3.3", "直接把问题发给我") {
		t.Fatalf("ask: %s", sent.Message.Text)
	}
	notice, sent = c.press(staffID, 0, 41, "rma:9.9.9")
	if !notice.Alert || sent != nil {
		t.Fatalf("unknown clause: %+v %+v", notice, sent)
	}
}

func TestStatsForSupervisors(t *testing.T) {
	c := newChat(t, "2026-11-02 07:00")
	for _, id := range []int64{staffID, staff2ID} {
		c.command(id, 0, "remind", "on")
	}
	c.runAt(at("2026-11-02 08:30"))
	p := todaysPlan(t, c)
	c.press(staffID, 0, 41, bot.CallbackData("rmq", p.Day.Compact(), fmt.Sprint(p.Question.Answer)))
	c.press(staff2ID, 0, 42, bot.CallbackData("rmq", p.Day.Compact(), fmt.Sprint((p.Question.Answer+1)%len(p.Question.Options))))

	if got := c.command(staffID, 0, "quizstats", ""); !strings.Contains(got, "仅限督查") {
		t.Fatalf("staff: %s", got)
	}
	for _, chat := range []int64{0, groupID} {
		got := c.command(supervisorID, chat, "quizstats", "")
		if !containsAll(got, "个人 2 人", "送达 2 次", "1 道题\uff0c2 人参与", "正确率 50%", "错得最多的题目", p.Question.Text) {
			t.Fatalf("stats: %s", got)
		}
		for _, who := range []string{fmt.Sprint(staffID), fmt.Sprint(staff2ID), "用户"} {
			if strings.Contains(got, who) {
				t.Fatalf("stats name someone (%s): %s", who, got)
			}
		}
	}
}

func TestCalendarCommand(t *testing.T) {
	c := newChat(t, "2026-12-20 09:00")
	if got := c.command(staffID, 0, "calendar", ""); !strings.Contains(got, "仅限管理员") {
		t.Fatalf("staff: %s", got)
	}
	got := c.command(adminID, 0, "calendar", "")
	if !containsAll(got, "2026 年", "国务院办公厅", "2027 年\uff1a预估", "2027年1月1日 星期五 元旦 休息", "conductbot remind calendar") {
		t.Fatalf("calendar: %s", got)
	}
}

func date(s string) workday.Date { return workday.MustDate(s) }
