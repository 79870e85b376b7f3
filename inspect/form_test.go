package inspect_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/conductbot/conductbot/bot"
	"github.com/conductbot/conductbot/inspect"
	"github.com/conductbot/conductbot/internal/testkit"
	"github.com/conductbot/conductbot/sqlite"
	"github.com/conductbot/conductbot/workday"
)

// invite makes one invite code as the admin and returns it.
func (e *env) invite() string {
	e.t.Helper()
	m := e.say(adminUser, "/invite")
	code := codePattern.FindString(m.Text)
	if code == "" {
		e.t.Fatalf("no invite code in:\n%s", m.Text)
	}
	return code
}

// join makes u an inspector.
func (e *env) join(u bot.Identity) {
	e.t.Helper()
	m := e.say(u, "/join "+e.invite())
	expect(e.t, m.Text, "欢迎加入")
}

// fileReport fills and files a whole report as u: window 3, today's morning, every item 符合 but
// discipline (不符合 with a note and, when photo is not nil, a photo), a description whose proposals are all
// adopted. It returns the receipt code.
func (e *env) fileReport(u bot.Identity, photo []byte) string {
	e.t.Helper()
	e.fillReport(u, photo)
	e.press(u, "提交")
	m := e.last(u.ID)
	expect(e.t, m.Text, "回执码")
	code := codePattern.FindString(m.Text)
	if code == "" {
		e.t.Fatalf("no receipt in:\n%s", m.Text)
	}
	return code
}

// fillReport fills a report as fileReport does, up to the review with its 提交 button, and returns the review.
func (e *env) fillReport(u bot.Identity, photo []byte) *sent {
	e.t.Helper()
	e.say(u, "/report")
	e.press(u, "3号窗口")
	e.press(u, "今天")
	e.press(u, "上午")
	for i := 0; ; i++ {
		m := e.last(u.ID)
		if !strings.Contains(m.Text, "检查项") {
			break
		}
		if strings.Contains(m.Text, "无吃东西") {
			e.press(u, "不符合")
			e.say(u, "工作人员一直低头玩手机")
			if photo != nil {
				e.photo(u, "", photo)
			}
			e.press(u, "下一项")
			continue
		}
		e.press(u, "✅ 符合")
		if i > 20 {
			e.t.Fatal("the checklist does not end")
		}
	}
	e.say(u, "窗口人员一直在看手机，没抬头。")
	m := e.adoptAll(u)
	expect(e.t, m.Text, "核对", "3号窗口 不动产登记")
	return m
}

// adoptAll adopts every proposal of the last message and presses 完成.
func (e *env) adoptAll(u bot.Identity) *sent {
	e.t.Helper()
	for i := 1; ; i++ {
		if _, ok := e.last(u.ID).button(fmt.Sprintf("✅ 采纳 %d", i)); !ok {
			break
		}
		e.press(u, fmt.Sprintf("✅ 采纳 %d", i))
	}
	return e.press(u, "完成")
}

func TestFullReport(t *testing.T) {
	e := newEnv(t)
	e.seedWindows()
	e.join(inspUser)

	m := e.say(inspUser, "/report")
	expect(t, m.Text, "第 1/5 步", "窗口")
	m = e.press(inspUser, "3号窗口")
	expect(t, m.Text, "第 2/5 步", "日期")
	m = e.press(inspUser, "今天")
	expect(t, m.Text, "上午还是下午")
	if _, ok := m.button("下午"); ok {
		t.Errorf("at 09:00 the afternoon of today is offered")
	}
	m = e.press(inspUser, "上午")
	expect(t, m.Text, "检查项 1/11", "起立、微笑、主动招呼", "1.2.1")

	var discipline bool
	for n := 0; n < 11; n++ {
		m = e.last(inspUser.ID)
		if strings.Contains(m.Text, "无吃东西") {
			discipline = true
			m = e.press(inspUser, "不符合")
			expect(t, m.Text, "补充说明")
			m = e.say(inspUser, "工作人员一直低头玩手机")
			expect(t, m.Text, "已记下说明")
			m = e.photo(inspUser, "手机在桌面下", gpsJPEG(t, 64, 48, 1))
			expect(t, m.Text, "已收到第 1 张照片", "去除拍摄地点")
			m = e.press(inspUser, "下一项")
			continue
		}
		m = e.press(inspUser, "✅ 符合")
	}
	if !discipline {
		t.Fatal("no discipline item")
	}
	expect(t, m.Text, "第 5/5 步", "描述")
	m = e.say(inspUser, "窗口人员一直在看手机，没抬头。给熟人插队先办。")
	expect(t, m.Text, "1.3.3", "1.2.2", "待确认")
	m = e.adoptAll(inspUser)
	expect(t, m.Text, "核对", "3号窗口 不动产登记", "上午", "❌ 无吃东西", "照片 1 张", "❌ 三个一样")
	m = e.press(inspUser, "提交")
	expect(t, m.Text, "回执码")
	receipt := codePattern.FindString(m.Text)

	ctx := context.Background()
	reps, err := e.store.Reports(ctx, inspect.ReportFilter{WithItems: true})
	if err != nil || len(reps) != 1 {
		t.Fatalf("reports: %v %d", err, len(reps))
	}
	r := reps[0]
	if r.VisitDate != workday.MustDate("2026-11-02") || r.HalfDay != inspect.Morning || r.Filed != workday.MustDate("2026-11-02") ||
		r.State != inspect.Pending || r.WindowLabel != "3号窗口 不动产登记" || len(r.Items) != 11 || r.CodeVersionID != 1 {
		t.Errorf("report: %+v", r)
	}
	if r.ReceiptHash != inspect.ReceiptHash(receipt) || strings.Contains(r.ReceiptHash, receipt) {
		t.Errorf("receipt hash %q", r.ReceiptHash)
	}
	c := r.Counts()
	if c.Fail != 2 || c.Pass != 9 || c.CriticalFail != 1 {
		t.Errorf("counts %+v", c)
	}
	if len(r.Findings) != 2 || r.Findings[0].ItemKey != "equal" && r.Findings[0].ItemKey != "discipline" {
		t.Fatalf("findings %+v", r.Findings)
	}
	var disc inspect.Finding
	for _, f := range r.Findings {
		if f.ItemKey == "discipline" {
			disc = f
		}
	}
	if len(disc.Photos) != 1 || !strings.Contains(disc.Note, "玩手机") || !strings.Contains(disc.Note, "手机在桌面下") {
		t.Errorf("discipline finding %+v", disc)
	}
	p, err := e.store.Photo(ctx, disc.Photos[0].ID)
	if err != nil {
		t.Fatal(err)
	}
	assertNoMetadata(t, p.Data)

	// The draft is gone.
	if _, err := e.users.GetState(ctx, stateChat(inspUser.ID), inspect.KindDraft); err == nil {
		t.Error("the draft is still stored after submission")
	}

	// Status and supplement.
	m = e.say(inspUser, "/status "+strings.ToLower(receipt))
	expect(t, m.Text, "待审核", "3号窗口")
	m = e.press(inspUser, "补充情况")
	expect(t, m.Text, "请发送要补充的情况")
	m = e.say(inspUser, "离开时又看到他在打瞌睡。")
	expect(t, m.Text, "已补充")
	got, _ := e.store.Report(ctx, r.ID)
	if len(got.Supplements) != 1 || got.Supplements[0].Added != workday.MustDate("2026-11-02") {
		t.Errorf("supplements %+v", got.Supplements)
	}

	// A rejection's reason reaches the inspector through the receipt.
	if err := e.store.SetReportState(ctx, r.ID, inspect.Pending, inspect.Rejected, "描述与监控不符", workday.MustDate("2026-11-03")); err != nil {
		t.Fatal(err)
	}
	m = e.say(inspUser, "/status "+receipt)
	expect(t, m.Text, "已驳回", "描述与监控不符")
}

func TestNotification(t *testing.T) {
	e := newEnv(t)
	e.seedWindows()
	if _, err := e.users.SetRole(context.Background(), supervisor.ID, bot.Supervisor, true, adminUser.ID, e.clock.Now()); err != nil {
		t.Fatal(err)
	}
	e.join(inspUser)
	e.fileReport(inspUser, nil)
	n, err := e.svc.Notifier().Flush(context.Background(), e.out)
	if err != nil || n != 1 {
		t.Fatalf("flush: %d %v", n, err)
	}
	for _, chat := range []int64{supervisor.ID, adminUser.ID} {
		m := e.last(chat)
		expect(t, m.Text, "新的暗访报告", "3号窗口 不动产登记", "上午", "1.3.3")
		for _, bad := range []string{"暗访员", inspUser.Username, inspUser.Name, "7351906642", "09:"} {
			if strings.Contains(m.Text, bad) {
				t.Errorf("the notification carries %q:\n%s", bad, m.Text)
			}
		}
	}
	if n, _ := e.svc.Notifier().Flush(context.Background(), e.out); n != 0 {
		t.Errorf("a second flush sent %d", n)
	}
}

// failReportWrites makes every write of a report row fail in db, as a full disk would, until the returned
// function is called: the real FileReport then fails inside its transaction and rolls back.
func failReportWrites(t *testing.T, db *sqlite.DB) (repair func()) {
	t.Helper()
	ctx := context.Background()
	if _, err := db.SQL().ExecContext(ctx, `CREATE TEMP TRIGGER disk_full BEFORE INSERT ON reports
		BEGIN SELECT RAISE(ABORT, 'disk full'); END`); err != nil {
		t.Fatal(err)
	}
	return func() {
		t.Helper()
		if _, err := db.SQL().ExecContext(ctx, `DROP TRIGGER temp.disk_full`); err != nil {
			t.Fatal(err)
		}
	}
}

// TestFilingFailureKeepsTheDraft: a report is acknowledged only once it is written; when writing fails, the
// inspector is told, gets no receipt, and submits again later from the same draft.
func TestFilingFailureKeepsTheDraft(t *testing.T) {
	db := testkit.SQLite(t)
	e := newEnvOn(t, db, nil)
	repair := failReportWrites(t, db)
	e.seedWindows()
	e.join(inspUser)
	e.say(inspUser, "/report")
	e.press(inspUser, "3号窗口")
	e.press(inspUser, "今天")
	e.press(inspUser, "上午")
	for i := 0; i < 11; i++ {
		e.press(inspUser, "✅ 符合")
	}
	e.press(inspUser, "跳过")
	m := e.press(inspUser, "提交")
	if n := e.out.lastAnswer(); !strings.Contains(n.Text, "提交失败") {
		t.Fatalf("answer %+v", n)
	}
	if strings.Contains(m.Text, "回执码") {
		t.Fatal("a receipt for a report not written")
	}
	expect(t, m.Text, "核对")
	repair()
	m = e.press(inspUser, "提交")
	expect(t, m.Text, "回执码")
	if n, _ := db.CountReports(context.Background(), inspect.ReportFilter{}); n != 1 {
		t.Fatalf("%d reports", n)
	}
	if !strings.Contains(e.log.String(), "disk full") {
		t.Error("the failure is not logged")
	}
}

// TestCodeTypedWithoutCommand: a receipt or invite code sent alone is taken as /status or /join, never asked
// as a question (the question log keeps the asker's user ID).
func TestCodeTypedWithoutCommand(t *testing.T) {
	e := newEnv(t)
	e.seedWindows()
	e.join(inspUser)
	receipt := e.fileReport(inspUser, nil)
	expect(t, e.say(inspUser, receipt).Text, "待审核")
	expect(t, e.say(inspUser2, e.invite()).Text, "欢迎加入")
	expect(t, e.say(staffUser, receipt).Text, "/status")
	qs, err := e.users.UncoveredQuestions(context.Background(), time.Time{}, 100)
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range qs {
		if strings.Contains(q.Text, receipt) {
			t.Fatalf("the receipt went to the question log: %+v", q)
		}
	}
	// A code without digits, as the bot shows codes (with dashes), is still a code; ten letters without a dash
	// are a word, asked as a question.
	expect(t, e.say(staffUser, "HKDPQ-XMWTA").Text, "邀请码不正确")
	if m := e.say(staffUser, "HELLOWORLD").Text; strings.Contains(m, "邀请码") {
		t.Errorf("a word taken for an invite code: %s", m)
	}
	// Ordinary questions still reach the answers.
	expect(t, e.say(inspUser, "上班时间可以在窗口吃东西吗").Text, "1.3.3")
}

// TestCodesHaveADigit: every receipt and invite code has a digit, so that typed alone without its dashes it is
// still told from a word.
func TestCodesHaveADigit(t *testing.T) {
	for i := 0; i < 2000; i++ {
		for _, c := range []string{inspect.NewReceipt(), inspect.NewInviteCode()} {
			if !strings.ContainsAny(c, "0123456789") {
				t.Fatalf("code %s has no digit", c)
			}
		}
	}
}
