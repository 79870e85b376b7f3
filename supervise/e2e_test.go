package supervise_test

import (
	"bytes"
	"context"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-telegram/bot/models"

	"github.com/xuri/excelize/v2"

	"github.com/conductbot/conductbot/bot"
	"github.com/conductbot/conductbot/inspect"
	"github.com/conductbot/conductbot/internal/testkit"
	"github.com/conductbot/conductbot/supervise"
	"github.com/conductbot/conductbot/workday"
)

// TestReviewThroughTelegram walks a supervisor's review through the Bot API stand-in and the real client:
// reject with a reason the inspector reads through the receipt code; confirm; require rectification; the
// window's responsible person answers with text and a photo; the supervisor looks at the photo and accepts;
// the inspector sees 已整改. No screen names the inspector, and the window is not told the visit's day.
func TestReviewThroughTelegram(t *testing.T) {
	f := newFixture(t)
	const code1, code2 = "K7P3-Q9XW-M2TA", "H4KD-7PQ2-XM9B"
	f.file("rep1aaaaaaaaaaaa", 0, "2026-10-29", inspect.Morning, inspect.Pending, map[string]inspect.Result{"tidy": inspect.Fail}, code1)
	f.file("rep2bbbbbbbbbbbb", 0, "2026-10-30", inspect.Afternoon, inspect.Pending,
		map[string]inspect.Result{"discipline": inspect.Fail, "dress": inspect.Unobserved}, code2)
	h := startTG(t, f, testkit.NewClock(start)) // Monday 2 November 2026, 09:00

	m := h.Say(tgSuper, "/reports")
	expect(t, m.Text, "共 2 份", "状态 待审核", "10月30日下午 · 3号窗口 不动产登记 · 待审核 · 问题 1 项（关键 1）", "10月29日上午")
	expectNot(t, m.Text, inspectorIdentity...)

	// The older report (2.) is rejected with a reason.
	_, m = h.Press(tgSuper, "2")
	expect(t, m.Text, "📄 暗访报告 · 3号窗口 不动产登记 · 10月29日上午\n", "编号：rep1aaaaaaaaaaaa", "台面整洁", "1.4.4", "说明：我排队时看到她在玩手机",
		"情况描述：窗口人员一直在看手机")
	expectNot(t, m.Text, append([]string{"提交日期", "回执"}, inspectorIdentity...)...)
	h.Press(tgSuper, "❌ 驳回")
	expect(t, h.Last(superID).Text, "请输入驳回", "暗访人员凭回执码可以看到")
	m = h.Say(tgSuper, "描述与现场情况不符")
	expect(t, m.Text, "已驳回", "状态：已驳回（驳回原因：描述与现场情况不符）", "处理记录：\n11月2日 已驳回：描述与现场情况不符")
	if _, ok := m.Button("↩ 重新审核"); !ok {
		t.Fatalf("no button to reopen: %+v", m.Buttons())
	}
	m = h.Say(tgInsp, "/status "+code1)
	expect(t, m.Text, "处理状态：已驳回", "驳回原因：描述与现场情况不符")

	// The other is confirmed, then its finding must be rectified within 5 working days.
	h.Say(tgSuper, "/reports")
	_, m = h.Press(tgSuper, "1")
	expect(t, m.Text, "rep2bbbbbbbbbbbb", "【关键】无吃东西、打瞌睡、玩手机、串岗", "1.3.3 服务仪表：")
	answer, m := h.Press(tgSuper, "✅ 确认")
	expect(t, answer, "已确认")
	expect(t, m.Text, "状态：已确认")
	expectButton(t, m, "🛠 整改 1")
	_, m = h.Press(tgSuper, "🛠 整改 1")
	expect(t, m.Text, "请选择整改期限")
	expectButton(t, m, "⭐ 5 个工作日（11月9日）")
	_, m = h.Press(tgSuper, "⭐ 5 个工作日")
	expect(t, m.Text, "已要求 3号窗口 不动产登记 整改问题 1，期限 11月9日（5 个工作日）", "已通知窗口负责人 @xiaowang 小王")

	// The responsible person is told the problem, the clause and the deadline, and nothing of the visit.
	n := h.Last(headID)
	expect(t, n.Text, "🛠 整改通知", "3号窗口 不动产登记", "【关键项】无吃东西、打瞌睡、玩手机、串岗（暗访发现）", "1.3.3 服务仪表：",
		"要求整改：11月2日", "整改期限：11月9日")
	expectNot(t, n.Text, append([]string{"10月30日", "下午", "我排队时", "一直在看手机", "rep2bbbbbbbbbbbb"}, inspectorIdentity...)...)
	if m := h.Say(tgInsp, "/status "+code2); !strings.Contains(m.Text, "处理状态：整改中") {
		t.Fatalf("the inspector sees:\n%s", m.Text)
	}

	// Another window's head may not answer; the window's own does, with text and a photo.
	rects, err := f.db.Rectifications(context.Background(), supervise.RectFilter{})
	if err != nil || len(rects) != 1 {
		t.Fatalf("rectifications: %v %v", rects, err)
	}
	rid := rects[0].ID
	if a, _ := h.PressData(tgHead2, 1, bot.CallbackData("rch", "a", rid)); !strings.Contains(a, "只有本窗口的负责人") {
		t.Fatalf("another window's head answering: %q", a)
	}
	h.Press(tgHead, "✍️ 回复整改情况")
	expect(t, h.Last(headID).Text, "请发送整改情况")
	m = h.Say(tgHead, "已对当班人员批评教育，手机统一放入储物柜")
	expect(t, m.Text, "已记下整改情况")
	h.Push(h.api.Photo(testkit.Private(tgHead), tgHead, "", jpegPhoto(t)))
	expect(t, h.Last(headID).Text, "已收到照片 1 张")
	_, m = h.Press(tgHead, "📤 提交")
	expect(t, m.Text, "已提交，等待督查人员验收")

	// Supervisors are told; they look at the photo and accept. The report becomes 已整改.
	n = h.Last(superID)
	expect(t, n.Text, "📥 整改回复待验收", "已对当班人员批评教育", "附照片 1 张")
	h.Press(tgSuper, "📷 整改照片（1）")
	if p := h.Last(superID); len(p.Photo) == 0 || !strings.Contains(p.Text, "整改照片 1/1") {
		t.Fatalf("no photo sent: %+v", p.Text)
	}
	answer, _ = h.Press(tgSuper, "✅ 验收通过")
	expect(t, answer, "已验收通过")
	expect(t, h.Last(headID).Text, "✅ 整改已验收通过")
	m = h.Say(tgInsp, "/status "+code2)
	expect(t, m.Text, "处理状态：已整改")
	rep, err := f.db.Report(context.Background(), "rep2bbbbbbbbbbbb")
	if err != nil || rep.State != inspect.Rectified {
		t.Fatalf("report: %v %v", rep.State, err)
	}

	// Every button press was answered.
	if left := h.api.Unanswered(); len(left) > 0 {
		t.Fatalf("unanswered callback queries: %v", left)
	}
}

// TestAccessThroughTelegram: every path checks the role on the server, whatever a client sends.
func TestAccessThroughTelegram(t *testing.T) {
	f := newFixture(t)
	f.file("rep1aaaaaaaaaaaa", 0, "2026-10-29", inspect.Morning, inspect.Confirmed, map[string]inspect.Result{"tidy": inspect.Fail}, "K7P3-Q9XW-M2TA")
	f.file("rep2bbbbbbbbbbbb", 1, "2026-10-29", inspect.Morning, inspect.Pending, map[string]inspect.Result{"tidy": inspect.Fail}, "K7P3-Q9XW-M2TB")
	ctx := context.Background()
	rc := &supervise.Rectification{ID: "rectaaaaaaaaaaaa", ReportID: "rep1aaaaaaaaaaaa", FindingNo: 1, Title: "台面整洁", Clauses: []string{"1.4.4"},
		Required: workday.MustDate("2026-10-30"), Deadline: workday.MustDate("2026-11-06")}
	if err := f.db.RequireRectification(ctx, rc, "要求整改"); err != nil {
		t.Fatal(err)
	}
	h := startTG(t, f, testkit.NewClock(start))

	denied := bot.Denied(bot.Supervisor)
	for _, u := range []struct {
		name string
		user models.User
	}{{"staff", tgStaff}, {"inspector", tgInsp}, {"window head", tgHead}} {
		for _, cmd := range []string{"/reports", "/stats", "/stats 2026-10", "/scores", "/adjust 3 +1 很好", "/export", "/export 2026-10"} {
			if m := h.Say(u.user, cmd); m.Text != denied {
				t.Errorf("%s %s: %q", u.name, cmd, m.Text)
			}
		}
		if m := h.Say(u.user, "/heads set 3 @xiaozhao"); m.Text != bot.Denied(bot.Admin) {
			t.Errorf("%s /heads: %q", u.name, m.Text)
		}
		// Forged buttons of every supervisor screen.
		for _, data := range []string{
			bot.CallbackData("sv", "c", "rep2bbbbbbbbbbbb"), bot.CallbackData("sv", "o", "rep1aaaaaaaaaaaa"),
			bot.CallbackData("sv", "l", "0", "0", "a", "0"), bot.CallbackData("sv", "p", "rep1aaaaaaaaaaaa"),
			bot.CallbackData("sv", "qd", "rep1aaaaaaaaaaaa", "1", "5"), bot.CallbackData("rcs", "ok", rc.ID),
			bot.CallbackData("rcs", "v", rc.ID), bot.CallbackData("ss", "x", "202611"), bot.CallbackData("ss", "w", "202611", "1"),
		} {
			before := len(h.api.BotMessages(u.user.ID))
			if a, _ := h.PressData(u.user, 1, data); a != denied {
				t.Errorf("%s pressing %s: %q", u.name, data, a)
			}
			if after := len(h.api.BotMessages(u.user.ID)); after != before {
				t.Errorf("%s pressing %s got a message: %q", u.name, data, h.Last(u.user.ID).Text)
			}
		}
	}
	if rep, _ := f.db.Report(ctx, "rep2bbbbbbbbbbbb"); rep.State != inspect.Pending {
		t.Fatalf("a forged confirmation went through: %s", rep.State)
	}
	for _, c := range h.api.Calls("sendDocument", "sendPhoto") {
		t.Errorf("a file was sent to chat %d", c.ChatID())
	}

	// Window staff see their own window's requests only.
	expect(t, h.Say(tgStaff, "/rectify").Text, "您还不是任何窗口的负责人")
	m := h.Say(tgHead, "/rectify")
	expect(t, m.Text, "本窗口的整改事项", "3号窗口 不动产登记 · 台面整洁（1.4.4）", "待整改，期限 11月6日")
	if b, ok := m.Button("✍️ 回复 1"); !ok || !strings.Contains(b.CallbackData, rc.ID) {
		t.Fatalf("buttons: %+v", m.Buttons())
	}
	expect(t, h.Say(tgHead2, "/rectify").Text, "目前没有整改事项")
	for _, data := range []string{bot.CallbackData("rch", "v", rc.ID), bot.CallbackData("rch", "a", rc.ID), bot.CallbackData("rch", "s", rc.ID)} {
		if a, _ := h.PressData(tgHead2, 1, data); !strings.Contains(a, "只有本窗口的负责人") {
			t.Errorf("another window's head pressing %s: %q", data, a)
		}
	}
	// A supervisor may look at a request through the head's button but not answer it.
	if a, m := h.PressData(tgSuper, 1, bot.CallbackData("rch", "v", rc.ID)); a != "" || !strings.Contains(m.Text, "台面整洁") {
		t.Errorf("supervisor viewing: %q %q", a, m.Text)
	}
	if a, _ := h.PressData(tgSuper, 1, bot.CallbackData("rch", "a", rc.ID)); !strings.Contains(a, "只有本窗口的负责人") {
		t.Errorf("supervisor answering: %q", a)
	}
	// Supervisors see everything unfinished, overdue first.
	h.clock.Advance(7 * 24 * time.Hour) // Monday 9 November: the 6 November deadline has passed
	m = h.Say(tgSuper, "/rectify")
	expect(t, m.Text, "未完成的整改 1 项：逾期 1", "⏰ 已逾期：", "逾期 1 个工作日")

	// Review commands stay in private chats.
	h.Push(h.api.Text(tgGroup, tgSuper, "/reports"))
	expect(t, h.Last(tgGroup.ID).Text, "请在与我的私聊中使用 /reports")
	// Garbage in a filter button is refused, not acted on.
	if a, _ := h.PressData(tgSuper, 1, "sv:l:zz:99:x:0"); a != "此按钮已失效。" {
		t.Errorf("a malformed filter: %q", a)
	}
	// Admins hold the supervisor's rights.
	expect(t, h.Say(tgAdmin, "/reports").Text, "暗访报告")
	if left := h.api.Unanswered(); len(left) > 0 {
		t.Fatalf("unanswered callback queries: %v", left)
	}
}

// TestStatsThroughTelegram: /stats sends the chart and the summary; the export button sends the workbook and
// the CSV files; an adjustment is recorded with its reason next to the suggestion.
func TestStatsThroughTelegram(t *testing.T) {
	f := newFixture(t)
	f.file("rep1aaaaaaaaaaaa", 0, "2026-11-02", inspect.Morning, inspect.Confirmed, map[string]inspect.Result{"nobadword": inspect.Fail}, "K7P3-Q9XW-M2TA")
	f.file("rep2bbbbbbbbbbbb", 1, "2026-11-02", inspect.Morning, inspect.Confirmed, nil, "K7P3-Q9XW-M2TB")
	f.file("rep3cccccccccccc", 1, "2026-10-12", inspect.Morning, inspect.Confirmed, map[string]inspect.Result{"greet": inspect.Fail}, "K7P3-Q9XW-M2TC")
	h := startTG(t, f, testkit.NewClock(start.Add(8*time.Hour))) // 17:00

	m := h.Say(tgSuper, "/stats")
	photos := h.api.Calls("sendPhoto")
	if len(photos) != 1 || photos[0].ChatID() != superID || len(photos[0].Files["photo"].Data) < 1000 {
		t.Fatalf("sendPhoto calls: %d", len(photos))
	}
	expect(t, m.Text, "📊 2026年11月 窗口服务规范化评分", "已确认报告 2 份，涉及 2 个窗口",
		"3号窗口 不动产登记：83.3%（上月无数据）· 报告 1 · 关键项 1 · 建议 −2 · 最终未定",
		"4号窗口 公积金：100.0%（↑11.1）· 报告 1 · 关键项 0 · 建议 +4", "本月无已确认报告的窗口：5号窗口 社保", "1.1.4 服务语言 ×1")

	// The files are written to a temporary directory, sent from disk and removed.
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp)
	leftOver := func() {
		t.Helper()
		if es, err := os.ReadDir(tmp); err != nil || len(es) > 0 {
			t.Fatalf("left in the temporary directory: %v %v", es, err)
		}
	}
	_, _ = h.Press(tgSuper, "📥 导出")
	leftOver()
	docs := h.api.Calls("sendDocument")
	if len(docs) != 2 || docs[0].Files["document"].Name != "conductbot-2026-11.xlsx" || docs[1].Files["document"].Name != "conductbot-2026-11-csv.zip" {
		t.Fatalf("documents: %+v", docs)
	}
	x, err := excelize.OpenReader(bytes.NewReader(docs[0].Files["document"].Data))
	if err != nil {
		t.Fatal(err)
	}
	if v, _ := x.GetCellValue("窗口得分与调整", "B3"); v != "4号窗口 公积金" {
		t.Fatalf("the sent workbook: B3 = %q", v)
	}
	x.Close()

	h.Press(tgSuper, "✏️ 调整分")
	_, m = h.Press(tgSuper, "4号窗口 公积金")
	expect(t, m.Text, "4号窗口 公积金 · 2026年11月", "建议调整分：+4（符合率 100.0% → +3；较上月 +11.1 个百分点 → +1）", "请输入最终调整分")
	expect(t, h.Say(tgSuper, "+9 太好了").Text, "调整分应为 −5 到 +5")
	expect(t, h.Say(tgSuper, "+2").Text, "请写明理由")
	expect(t, h.Say(tgSuper, "+2 本月服务明显改进，群众好评多").Text, "已记录 4号窗口 公积金 2026年11月 的最终调整分 +2（建议 +4），理由：本月服务明显改进，群众好评多。")
	expect(t, h.Say(tgSuper, "/adjust 2026-11 4 1.5 复核后调整").Text, "最终调整分 +1.5", "这是第 2 次记录")
	expect(t, h.Say(tgSuper, "/adjust 9 1 x").Text, "没有窗口号为 9 的窗口")
	revs, err := f.db.AdjustmentRevisions(context.Background(), f.windows[1].ID, supervise.MustMonth("2026-11"))
	if err != nil || len(revs) != 2 || revs[0].Suggested != 4 || revs[0].Final != 2 || revs[1].Final != 1.5 || revs[1].Reason != "复核后调整" ||
		revs[0].Compliance == nil || *revs[0].Compliance != 1 {
		t.Fatalf("revisions: %+v %v", revs, err)
	}
	m = h.Say(tgSuper, "/stats 2026-11")
	expect(t, m.Text, "建议 +4 · 最终 +1.5")
	// A month with nothing: no chart, a plain answer.
	before := len(h.api.Calls("sendPhoto"))
	expect(t, h.Say(tgSuper, "/stats 2026-08").Text, "2026年8月还没有已确认的暗访报告")
	if len(h.api.Calls("sendPhoto")) != before {
		t.Fatal("a chart of an empty month")
	}
	expect(t, h.Say(tgSuper, "/stats 2026-13").Text, "月份的格式不对")
	_, m = h.Press(tgSuper, "ℹ️ 计算规则")
	expect(t, m.Text, "符合率 ≥ 98%：+3", "未观察项不计")
	// Removed also when sending fails.
	sent := len(h.api.Calls("sendDocument"))
	h.api.FailNext("sendDocument", 1, testkit.Blocked)
	h.Say(tgSuper, "/export 2026-11")
	if len(h.api.Calls("sendDocument")) == sent {
		t.Fatal("/export sent no document")
	}
	leftOver()
	if left := h.api.Unanswered(); len(left) > 0 {
		t.Fatalf("unanswered callback queries: %v", left)
	}
}

// TestHeadsThroughTelegram: admins register and remove the responsible person of a window.
func TestHeadsThroughTelegram(t *testing.T) {
	f := newFixture(t)
	h := startTG(t, f, testkit.NewClock(start))
	m := h.Say(tgAdmin, "/heads")
	expect(t, m.Text, "3号窗口 不动产登记：@xiaowang 小王", "5号窗口 社保：未登记")
	m = h.Say(tgAdmin, "/heads set 5 @XiaoZhao")
	expect(t, m.Text, "已登记 5号窗口 社保 的负责人：@xiaozhao 小赵", "5号窗口 社保：@xiaozhao 小赵（11月2日 起）")
	expect(t, h.Last(staffID).Text, "您已被登记为 5号窗口 社保 的窗口负责人")
	expect(t, h.Say(tgStaff, "/rectify").Text, "目前没有整改事项")
	expect(t, h.Say(tgAdmin, "/heads set 5 @nobody").Text, "找不到用户 @nobody")
	expect(t, h.Say(tgAdmin, "/heads set 8 @xiaozhao").Text, "没有窗口号为 8 的窗口")
	expect(t, h.Say(tgAdmin, "/heads del 5").Text, "已取消 5号窗口 社保 的负责人")
	expect(t, h.Say(tgStaff, "/rectify").Text, "您还不是任何窗口的负责人")
	expect(t, h.Say(tgSuper, "/heads").Text, bot.Denied(bot.Admin))
}

// TestExportKeepsOthersAnswered: while a supervisor's export is being sent (its upload's answer held back by
// the Bot API stand-in), another user's message is answered.
func TestExportKeepsOthersAnswered(t *testing.T) {
	f := newFixture(t)
	f.file("rep1aaaaaaaaaaaa", 0, "2026-11-02", inspect.Morning, inspect.Confirmed, nil, "K7P3-Q9XW-M2TA")
	h := startTG(t, f, testkit.NewClock(start.Add(8*time.Hour)))
	release := make(chan struct{})
	var hold sync.Once
	h.api.OnCall(func(c testkit.Call) {
		if c.Method == "sendDocument" {
			hold.Do(func() { <-release })
		}
	})
	var released sync.Once
	defer released.Do(func() { close(release) }) // nothing stays held when the test fails early
	ids := h.api.Push(h.api.Text(testkit.Private(tgSuper), tgSuper, "/export 2026-11"))
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := h.api.WaitCountN(ctx, "sendDocument", 1); err != nil {
		t.Fatalf("the export's workbook never reached the API: %v", err)
	}
	if m := h.Say(tgStaff, "/help"); m.Text == "" || h.api.Count("sendDocument") != 1 {
		t.Fatalf("while the export was sent: %q, %d documents", m.Text, h.api.Count("sendDocument"))
	}
	released.Do(func() { close(release) })
	h.Wait(ids[0])
	if n := h.api.Count("sendDocument"); n != 2 {
		t.Fatalf("%d documents after the export, want the workbook and the CSV zip", n)
	}
}

// TestExportTooLargeForTheChat: an export file over what the chat carries is not uploaded; the supervisor is told
// its size and the command that exports it, and the file that fits is still sent.
func TestExportTooLargeForTheChat(t *testing.T) {
	f := newFixture(t)
	f.file("rep1aaaaaaaaaaaa", 0, "2026-11-02", inspect.Morning, inspect.Confirmed, map[string]inspect.Result{"nobadword": inspect.Fail}, "K7P3-Q9XW-M2TA")
	h := startTG(t, f, testkit.NewClock(start.Add(8*time.Hour)), func(o *supervise.Options) { o.MaxUpload = 6 << 10 })
	sent := len(h.api.Calls("sendDocument"))
	h.Say(tgSuper, "/export 2026-11")
	texts := ""
	for _, m := range h.api.Messages(superID) {
		texts += m.Text + "\n"
	}
	expect(t, texts, ".xlsx 有", "超过聊天中发送文件的上限（6 KB）", "conductbot export --month 2026-11")
	docs := h.api.Calls("sendDocument")[sent:]
	if len(docs) != 1 || len(docs[0].Files["document"].Data) > 6<<10 {
		t.Fatalf("%d documents sent, want only the CSV zip (the workbook is over 6 KB)", len(docs))
	}
}
