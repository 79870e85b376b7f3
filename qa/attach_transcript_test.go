package qa_test

import (
	"context"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"

	"github.com/conductbot/conductbot/bot"
	"github.com/conductbot/conductbot/internal/testkit"
	"github.com/conductbot/conductbot/internal/golden"
	"github.com/go-telegram/bot/models"
)

// attachBot starts the bot on the Bot API stand-in with one staff member and one admin.
func attachBot(t *testing.T) (*testkit.Env, *testkit.API, *testkit.Telegram, models.User, models.User) {
	const admin = 9001
	env := testkit.NewBot(t, nil, admin)
	api := testkit.NewAPI(t)
	h := testkit.StartTelegram(t, api, env.Router, env.Store, slog.New(slog.DiscardHandler))
	return env, api, h, testkit.User(5001, "xiaowang", "小王"), testkit.User(admin, "laozhang", "老张")
}

// TestAttachTranscript: a question the code does not answer shows in /gaps with 归入条款; the admin attaches it
// to the suggested clause with one tap, and the same question asked again is answered from that clause. A second
// question is attached by typing its clause ID (a wrong one first). What the admin and the staff member read is
// testdata/attach-transcript.golden (go test ./qa -run TestAttachTranscript -update rewrites it).
func TestAttachTranscript(t *testing.T) {
	_, api, h, staff, boss := attachBot(t)
	trs := map[int64]*transcript{}
	var all strings.Builder
	tr := func(u int64) *transcript {
		if trs[u] == nil {
			trs[u] = &transcript{api: api, chat: u, edits: map[int]int{}, text: map[int]string{}}
		}
		return trs[u]
	}
	flush := func(who string, u int64) {
		all.WriteString("【" + who + "】\n" + tr(u).b.String())
		tr(u).b.Reset()
	}
	ask := func(line string) {
		tr(staff.ID).typed(line)
		h.Say(staff, line)
		tr(staff.ID).catchUp()
		flush("工作人员", staff.ID)
	}
	adminSays := func(line string) {
		tr(boss.ID).typed(line)
		h.Say(boss, line)
		tr(boss.ID).catchUp()
	}
	adminPresses := func(label string) {
		m, b := h.WithButton(boss.ID, label)
		notice, _ := h.PressData(boss, m.ID, b.CallbackData)
		tr(boss.ID).pressed(b.Text, notice)
		tr(boss.ID).catchUp()
	}

	const q1, q2 = "群众没带笔 我们要提供吗", "来办社保的跑到我们这了 我咋说"
	ask(q1)
	before := h.Last(staff.ID).Text
	if !strings.Contains(before, "没有") {
		t.Fatalf("%q was answered before any lesson: %q; pick a question the code does not answer", q1, before)
	}
	adminSays("/gaps")
	adminPresses("归入条款：一1")
	adminPresses("归入 ")
	flush("管理员", boss.ID)
	ask(q1)
	after := h.Last(staff.ID).Text
	if after == before || !strings.Contains(after, "1.4.3") {
		t.Errorf("after the lesson, %q is answered %q; want it from 1.4.3", q1, after)
	}

	// 👎 on a wrong clause, then attached by typing the clause ID.
	ask(q2)
	h.Press(staff, "👎 没帮助")
	h.Press(staff, "条款不对")
	h.Say(staff, "社保的事不归我们窗口，我想知道怎么引导")
	tr(staff.ID).catchUp()
	tr(staff.ID).b.Reset()
	adminSays("/gaps")
	adminPresses("归入条款：二1")
	adminSays("9.9.9")
	adminSays("1.1.5")
	flush("管理员", boss.ID)
	ask(q2)
	if last := h.Last(staff.ID).Text; !strings.Contains(last, "1.1.5") {
		t.Errorf("after the lesson, %q is answered %q; want it from 1.1.5", q2, last)
	}

	got := all.String()
	golden.Compare(t, filepath.Join("testdata", "attach-transcript.golden"), got)
	golden.Readable(t, got, "规范助手", func(line string) bool { return strings.HasPrefix(line, "> ") || strings.HasPrefix(line, "【") })
	if un := api.Unanswered(); len(un) > 0 {
		t.Errorf("unanswered presses: %v", un)
	}
}

// TestAttachRefusals: 归入条款 presses from a non-admin, with forged or stale data, are refused in Chinese and
// store nothing.
func TestAttachRefusals(t *testing.T) {
	env, _, h, staff, boss := attachBot(t)
	ctx := context.Background()

	h.Say(staff, "群众没带笔 我们要提供吗")
	m := h.Say(boss, "/gaps")
	b, ok := m.Button("归入条款")
	if !ok {
		t.Fatalf("/gaps has no 归入条款 button: %q", m.Text)
	}
	v := env.Engine.Version()
	qid := strings.TrimPrefix(b.CallbackData, "gp:p:")
	for _, c := range []struct {
		who  int64
		data string
		want string
	}{
		{staff.ID, b.CallbackData, "仅限管理员使用"},
		{boss.ID, "gp:p:zzzzzz", "已不在记录中"},
		{boss.ID, "gp:c:" + qid + ":" + bot.ID(v.ID+7) + ":1.4.3", "规范已更新"},
		{boss.ID, "gp:c:" + qid + ":" + bot.ID(v.ID) + ":9.9.9", "没有编号为 9.9.9 的条款"},
		{boss.ID, "gp:c:" + qid, "此按钮已失效"},
	} {
		u := staff
		if c.who == boss.ID {
			u = boss
		}
		notice, _ := h.PressData(u, m.ID, c.data)
		if !strings.Contains(notice, c.want) {
			t.Errorf("%d pressed %q: %q; want %q", c.who, c.data, notice, c.want)
		}
	}
	if ls, err := env.Store.Lessons(ctx, v.ID); err != nil || len(ls) != 0 {
		t.Errorf("refused presses stored %d lessons (%v)", len(ls), err)
	}
}
