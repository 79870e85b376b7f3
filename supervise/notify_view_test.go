package supervise_test

import (
	"context"
	"github.com/conductbot/conductbot/internal/testkit"
	"strings"
	"testing"

	"github.com/conductbot/conductbot/inspect"
)

// TestNotificationViewButton: the notification of a new report (package inspect) carries a 🔎 查看 button whose
// data inspect builds without importing supervise; with both capabilities registered, pressing it in the
// supervisor's chat opens supervise's view of that report. The notification itself shows no internal ID.
func TestNotificationViewButton(t *testing.T) {
	f := newFixture(t)
	const id = "rep2bbbbbbbbbbbb"
	f.file(id, 0, "2026-10-30", inspect.Afternoon, inspect.Pending,
		map[string]inspect.Result{"discipline": inspect.Fail, "dress": inspect.Unobserved}, "H4KD-7PQ2-XM9B")
	clock := testkit.NewClock(start)
	h := startTG(t, f, clock)

	// The notifier of the spot-check service sends through the running bot's client.
	notifier, err := inspect.New(inspect.Options{Store: f.db, Code: f.db, Users: f.db, Admins: []int64{adminID}, Location: cst,
		Clock: clock, Release: inspect.Release{Immediate: true}})
	if err != nil {
		t.Fatal(err)
	}
	if n, err := notifier.Notifier().Flush(context.Background(), h.Bot.Client()); err != nil || n != 1 {
		t.Fatalf("flush: %d %v", n, err)
	}
	note, b := h.WithButton(superID, "🔎 查看")
	expect(t, note.Text, "新的暗访报告", "窗口：3号窗口 不动产登记", "日期：10月30日（周五）", "时段：下午",
		"问题：1 个，其中关键项 1 个", "【关键项】无吃东西、打瞌睡、玩手机、串岗")
	expectNot(t, note.Text, append([]string{id, "编号"}, inspectorIdentity...)...)
	if b.CallbackData != inspect.ViewButton(id).Data {
		t.Fatalf("the button's data %q", b.CallbackData)
	}

	before := len(h.API.BotMessages(superID))
	_, m := h.Press(tgSuper, "🔎 查看")
	if got := len(h.API.BotMessages(superID)); got != before+1 {
		t.Fatalf("pressing 查看 sent %d messages, want the report", got-before)
	}
	expect(t, m.Text, "📄 暗访报告 · 3号窗口 不动产登记 · 10月30日下午", "无吃东西、打瞌睡、玩手机、串岗", "状态：待审核")
	expectButton(t, m, "✅ 确认")
	if !strings.Contains(note.Text, "查看") {
		t.Errorf("the notification does not say what the button does:\n%s", note.Text)
	}

	// Someone without the supervisor's role cannot open it with the same data.
	_, m = h.PressData(tgStaff, h.Say(tgStaff, "/start").ID, b.CallbackData)
	expectNot(t, m.Text, "📄 暗访报告")
}
