package inspect_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/conductbot/conductbot/bot"
	"github.com/conductbot/conductbot/inspect"
	"github.com/conductbot/conductbot/internal/testkit"
	"github.com/conductbot/conductbot/rules"
	"github.com/conductbot/conductbot/workday"
)

func TestWindowsAdmin(t *testing.T) {
	e := newEnv(t)
	expect(t, e.say(staffUser, "/windows").Text, "仅限管理员")
	expect(t, e.say(adminUser, "/windows").Text, "还没有窗口")
	expect(t, e.say(adminUser, "/windows add 3 不动产登记").Text, "已添加 3号窗口 不动产登记")
	expect(t, e.say(adminUser, "/windows add 3 不动产登记（一）").Text, "已更新 3号窗口 不动产登记（一）")
	expect(t, e.say(adminUser, "/windows add").Text, "/windows add 窗口号 名称")
	expect(t, e.say(adminUser, "/windows load").Text, "请发送完整的窗口名单")
	m := e.say(adminUser, "4 公积金\n这一行不对\n4 重复")
	expect(t, m.Text, "没有保存", "第 2 行", "第 3 行")
	m = e.say(adminUser, "12号窗口 税务\n4，公积金\n5:社保")
	expect(t, m.Text, "已导入 3 个窗口", "新增 3", "停用 1", "3号窗口 不动产登记（一）（已停用）")
	ws, _ := e.store.Windows(context.Background(), false)
	if len(ws) != 3 || ws[0].No != "4" || ws[2].No != "12" {
		t.Fatalf("windows %+v", ws)
	}
	expect(t, e.say(adminUser, "/windows on 3").Text, "已启用 3号窗口")
	expect(t, e.say(adminUser, "/windows off 99").Text, "没有窗口号为 99")
}

func TestChecklistAdmin(t *testing.T) {
	e := newEnv(t)
	e.seedWindows()
	m := e.say(adminUser, "/checklist")
	expect(t, m.Text, "第 1 版", "11 项", "【关键】无吃东西、打瞌睡、玩手机、串岗（1.3.3）权重 2")
	m = e.say(adminUser, "/checklist edit")
	expect(t, m.Text, "greet 1.2.1 2 起立、微笑、主动招呼", "discipline 1.3.3 2 关键")
	m = e.say(adminUser, "greet 1.2.1 3 关键 起立、微笑、主动招呼\nphone 9.9.9 2 玩手机\nBad-Key 1.3.3 x 什么")
	expect(t, m.Text, "没有保存", "没有条款 9.9.9", "权重“x”不是整数")
	m = e.say(adminUser, "greet 1.2.1 3 关键 起立、微笑、主动招呼\n# 注释\ndiscipline 1.3.3,1.3.2 2 关键 纪律与仪表\ntidy 1.4.4 1 台面整洁")
	expect(t, m.Text, "已保存为第 2 版清单（3 项）")
	cl, err := e.store.ChecklistInForce(context.Background())
	if err != nil || len(cl.Items) != 3 || !cl.Items[0].Critical || cl.Items[0].Weight != 3 || len(cl.Items[1].Clauses) != 2 {
		t.Fatalf("checklist %+v %v", cl, err)
	}
	e.join(inspUser)
	e.say(inspUser, "/report")
	e.press(inspUser, "3号窗口")
	e.press(inspUser, "今天")
	m = e.press(inspUser, "上午")
	expect(t, m.Text, "检查项 1/3", "【关键项】")
	expect(t, e.say(adminUser, "/checklist reset").Text, "已保存为第 3 版清单（11 项）")
	// The open draft keeps its own revision.
	e.press(inspUser, "✅ 符合")
	expect(t, e.last(inspUser.ID).Text, "检查项 2/3", "纪律与仪表")
}

func TestChecklistFollowsTheCode(t *testing.T) {
	code := rules.Shipped()
	store := testkit.SQLite(t) // the shipped code is version 1
	svc, err := inspect.New(inspect.Options{Store: store, Code: store})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	cl, v, err := svc.Checklist(ctx)
	if err != nil || cl.Number != 1 || v.ID != 1 || len(cl.Items) != len(inspect.DefaultItems) {
		t.Fatalf("first: %+v %v", cl, err)
	}
	// A new version of the code without 1.4.3 (便民物品): the checklist follows, without that item.
	changed := *code
	changed.Clauses = nil
	for _, c := range code.Clauses {
		if c.ID != "1.4.3" {
			changed.Clauses = append(changed.Clauses, c)
		}
	}
	if v2, created, err := store.PutCode(ctx, &changed, "", testkit.Start.Add(time.Hour)); err != nil || !created || v2.ID != 2 {
		t.Fatalf("import the changed code: %+v %v %v", v2, created, err)
	}
	cl2, _, err := svc.Checklist(ctx)
	if err != nil || cl2.Number != 2 || cl2.CodeVersionID != 2 || len(cl2.Items) != len(inspect.DefaultItems)-1 {
		t.Fatalf("after the code changed: %+v %v", cl2, err)
	}
	if _, _, ok := cl2.Item("supplies"); ok {
		t.Error("the item citing a removed clause is still there")
	}
	// Unchanged code: the same revision.
	if cl3, _, _ := svc.Checklist(ctx); cl3.ID != cl2.ID {
		t.Errorf("a new revision without a change: %d", cl3.Number)
	}
	// The old revision stays readable for old reports.
	if old, err := store.Checklist(ctx, cl.ID); err != nil || len(old.Items) != len(inspect.DefaultItems) {
		t.Errorf("old revision: %v", err)
	}
}

func TestParseChecklistAndWindows(t *testing.T) {
	items, probs := inspect.ParseItems(inspect.FormatItems(inspect.DefaultItems))
	if len(probs) > 0 || inspect.FormatItems(items) != inspect.FormatItems(inspect.DefaultItems) {
		t.Fatalf("round trip: %v", probs)
	}
	if p := inspect.ValidateItems(items, rules.Shipped()); len(p) > 0 {
		t.Fatalf("the default checklist does not fit the shipped code: %v", p)
	}
	if p := inspect.ValidateItems([]inspect.Item{{Key: "a", Title: "x", Clauses: []string{"1.1.1"}, Weight: 11},
		{Key: "a", Title: "", Weight: 1}}, rules.Shipped()); len(p) != 4 {
		t.Errorf("problems %v", p)
	}
	ws, probs := inspect.ParseWindows("窗口号,名称\n3 不动产登记\n4号窗口 公积金\nA1：咨询\n\n# 备注\n12\t税务")
	if len(probs) > 0 || len(ws) != 4 || ws[1].Label() != "4号窗口 公积金" || ws[2].No != "A1" || ws[3].Name != "税务" {
		t.Fatalf("windows %+v %v", ws, probs)
	}
}

func TestCodes(t *testing.T) {
	seen := map[string]bool{}
	for i := 0; i < 1000; i++ {
		r, in, id := inspect.NewReceipt(), inspect.NewInviteCode(), inspect.NewID()
		if !inspect.LooksLikeCode(r, inspect.ReceiptLen) || !inspect.LooksLikeCode(in, inspect.InviteLen) || len(id) != 16 || seen[r] || seen[id] {
			t.Fatalf("codes %q %q %q", r, in, id)
		}
		seen[r], seen[id] = true, true
	}
	if inspect.ReceiptHash("k7p3-q9xw-m2ta") != inspect.ReceiptHash("K7P3 Q9XW M2TA") ||
		inspect.ReceiptHash("K7P3Q9XWM2TA") != inspect.ReceiptHash("Ｋ7Ｐ3-Q9XW-M2TA") ||
		inspect.ReceiptHash("O1IL") != inspect.ReceiptHash("0111") {
		t.Error("normalized forms hash differently")
	}
	if inspect.ReceiptHash("K7P3-Q9XW-M2TA") == inspect.InviteHash("K7P3-Q9XW-M2TA") {
		t.Error("a receipt and an invite of the same text hash alike")
	}
}

// heldClock is a clock at testkit.Start whose waits fire only when the test fires them (testkit.Clock.Fire):
// the notifier's loop waits on it.
func heldClock() *testkit.Clock {
	c := testkit.NewClock(testkit.Start)
	c.HoldWaits()
	return c
}

// awaitWaits waits until n waits were asked for of c and returns them.
func awaitWaits(t *testing.T, c *testkit.Clock, n int) []time.Duration {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	ws, err := c.AwaitWaits(ctx, n)
	if err != nil {
		t.Fatalf("the loop did not ask for %d timers", n)
	}
	return ws
}

// notifyOut is a transport that signals each send.
type notifyOut struct {
	*fakeOut
	sent chan int64
}

func (o notifyOut) Send(ctx context.Context, chat int64, m bot.Message) (int, error) {
	id, err := o.fakeOut.Send(ctx, chat, m)
	o.sent <- chat
	return id, err
}

func TestBatchedReleaseLoop(t *testing.T) {
	e := newEnvOn(t, testkit.SQLite(t), heldClock(), func(o *inspect.Options) {
		o.NotifyChat = -100777
		o.Release, _ = inspect.ParseRelease("18:00")
	})
	e.seedWindows()
	e.join(inspUser)
	out := notifyOut{fakeOut: e.out, sent: make(chan int64, 10)}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- e.svc.Run(ctx, out) }()
	defer func() { cancel(); <-done }()

	ws := awaitWaits(t, e.clock, 1) // the sweep
	if ws[0] != time.Hour {
		t.Fatalf("timer %v, want the hourly sweep", ws[0])
	}
	jobs := e.svc.DailyJobs(out)
	if len(jobs) != 1 || jobs[0].At != 18*60 || jobs[0].Days != workday.EveryDay {
		t.Fatalf("daily jobs %+v, want the release at 18:00 every day", jobs)
	}
	e.fileReport(inspUser, nil) // kicks the loop: nothing goes out before the release time
	select {
	case chat := <-out.sent:
		t.Fatalf("a notification to %d before the release time", chat)
	default:
	}
	e.clock.Advance(9 * time.Hour)
	released := make(chan error, 1)
	go func() { released <- jobs[0].Run(ctx, workday.DateOf(e.clock.Now(), nil)) }()
	select {
	case chat := <-out.sent:
		if chat != -100777 {
			t.Fatalf("notified %d", chat)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("nothing sent at the release time")
	}
	expect(t, e.last(-100777).Text, "新的暗访报告")
	if err := <-released; err != nil {
		t.Errorf("the release: %v", err)
	}
}

func TestImmediateNotificationLoop(t *testing.T) {
	e := newEnvOn(t, testkit.SQLite(t), heldClock(), func(o *inspect.Options) {
		o.Release = inspect.Release{Immediate: true} // an admin chose promptness over hidden timing
	})
	if _, err := e.users.SetRole(context.Background(), supervisor.ID, bot.Supervisor, true, adminUser.ID, e.clock.Now()); err != nil {
		t.Fatal(err)
	}
	e.seedWindows()
	e.join(inspUser)
	out := notifyOut{fakeOut: e.out, sent: make(chan int64, 10)}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- e.svc.Run(ctx, out) }()
	defer func() { cancel(); <-done }()
	awaitWaits(t, e.clock, 1)
	e.fileReport(inspUser, nil)
	got := map[int64]bool{}
	for len(got) < 2 {
		select {
		case chat := <-out.sent:
			if chat == inspUser.ID {
				continue
			}
			got[chat] = true
		case <-time.After(10 * time.Second):
			t.Fatalf("notified %v, want the supervisor and the admin", got)
		}
	}
	if !got[supervisor.ID] || !got[adminUser.ID] {
		t.Errorf("notified %v", got)
	}
	if strings.Contains(e.last(supervisor.ID).Text, "暗访员") {
		t.Error("the notification names the inspector's label")
	}
}
