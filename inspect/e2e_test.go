package inspect_test

import (
	"context"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/conductbot/conductbot/inspect"
	"github.com/conductbot/conductbot/internal/testkit"
	"github.com/conductbot/conductbot/postgres"
	"github.com/conductbot/conductbot/sqlite"
)

// openSQLite opens (creating) the SQLite store at path; it is closed when the test ends unless closed before.
func openSQLite(t testing.TB, path string) *sqlite.DB {
	t.Helper()
	db, err := sqlite.Open(context.Background(), path, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// openPostgres opens the PostgreSQL store on a fresh schema, or skips the test without TEST_DATABASE_URL.
func openPostgres(t testing.TB) *postgres.DB {
	t.Helper()
	db, err := postgres.Open(context.Background(), testkit.PostgresURL(t), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(db.Close)
	return db
}

func TestTelegramFullReportWithPhoto(t *testing.T) {
	store := openSQLite(t, filepath.Join(t.TempDir(), "conductbot.db"))
	h := startTG(t, store, tgSetup{opts: []envOption{func(o *inspect.Options) { o.NotifyChat = tgReports.ID }}})
	h.seedWindows()
	h.join(tgInsp)
	receipt := h.fileReport(tgInsp, gpsJPEG(t, 320, 240, 1))

	ctx := context.Background()
	reps, err := store.Reports(ctx, inspect.ReportFilter{WithItems: true})
	if err != nil || len(reps) != 1 {
		t.Fatalf("reports: %d %v", len(reps), err)
	}
	r := reps[0]
	if r.ReceiptHash != inspect.ReceiptHash(receipt) || r.WindowLabel != "3号窗口 不动产登记" || r.HalfDay != inspect.Morning {
		t.Fatalf("report %+v", r)
	}
	var photos []inspect.PhotoRef
	for _, f := range r.Findings {
		photos = append(photos, f.Photos...)
	}
	if len(photos) != 1 {
		t.Fatalf("photos %+v", photos)
	}
	p, err := store.Photo(ctx, photos[0].ID)
	if err != nil {
		t.Fatal(err)
	}
	assertNoMetadata(t, p.Data)
	if p.Width != 320 || p.Height != 240 {
		t.Errorf("photo %dx%d", p.Width, p.Height)
	}

	// The supervisors' group hears of it through the bot's own client.
	if n, err := h.svc.Notifier().Flush(ctx, h.Bot.Client()); err != nil || n != 1 {
		t.Fatalf("flush: %d %v", n, err)
	}
	note := h.api.WaitSent(t, tgReports.ID, 0)
	expect(t, note.Text(), "新的暗访报告", "3号窗口 不动产登记", "1.3.3")

	m := h.Say(tgInsp, "/status "+receipt)
	expect(t, m.Text, "待审核")
	if un := h.api.Unanswered(); len(un) > 0 {
		t.Errorf("unanswered callback queries: %v", un)
	}
}

// TestTelegramRestartMidForm fills half a report, stops the bot, opens a new store, router and service on the
// same SQLite file, and finishes the report: nothing filed so far is lost, the old messages' buttons are stale.
func TestTelegramRestartMidForm(t *testing.T) {
	path := filepath.Join(t.TempDir(), "conductbot.db")
	store := openSQLite(t, path)
	api := testkit.NewAPI(t)
	log := &testkit.LogBuffer{}
	clock := testkit.NewClock(testkit.Start)
	h := startTG(t, store, tgSetup{api: api, log: log, clock: clock})
	h.seedWindows()
	h.join(tgInsp)
	h.Say(tgInsp, "/report")
	h.Press(tgInsp, "3号窗口")
	h.Press(tgInsp, "今天")
	h.Press(tgInsp, "上午")
	h.Press(tgInsp, "✅ 符合")
	h.Press(tgInsp, "不符合")
	h.Say(tgInsp, "没有使用文明用语，一直不耐烦")
	h.Push(api.Photo(testkit.Private(tgInsp), tgInsp, "", gpsJPEG(t, 64, 48, 1)))
	oldMsg, oldBtn := h.WithButton(tgInsp.ID, "下一项")

	h.Stop()
	if err := store.Close(); err != nil {
		t.Fatal(err)
	}
	clock.Advance(2 * time.Hour)

	store2 := openSQLite(t, path)
	h2 := startTG(t, store2, tgSetup{api: api, log: log, clock: clock})
	m := h2.Say(tgInsp, "/report")
	expect(t, m.Text, "未完成的暗访报告", "3号窗口 不动产登记", "已填 2/11 项")
	// The old message's button belongs to a rendering before the restart: answered, not acted upon.
	ans, _ := h2.PressData(tgInsp, oldMsg.ID, oldBtn.CallbackData)
	expect(t, ans, "已过期")
	_, m = h2.Press(tgInsp, "继续填写")
	expect(t, m.Text, "不符合", "没有使用文明用语", "已收到照片 1 张")
	h2.Press(tgInsp, "下一项")
	h2.answerItems(tgInsp, nil)
	_, m = h2.Press(tgInsp, "跳过")
	expect(t, m.Text, "核对", "❌ 使用文明用语", "照片 1 张", "❌ 无吃东西")
	h2.Press(tgInsp, "提交")
	expect(t, h2.Last(tgInsp.ID).Text, "回执码")

	reps, err := store2.Reports(context.Background(), inspect.ReportFilter{WithItems: true})
	if err != nil || len(reps) != 1 {
		t.Fatalf("reports: %d %v", len(reps), err)
	}
	var polite *inspect.Finding
	for i, f := range reps[0].Findings {
		if f.ItemKey == "polite" {
			polite = &reps[0].Findings[i]
		}
	}
	if polite == nil || len(polite.Photos) != 1 || !strings.Contains(polite.Note, "文明用语") {
		t.Fatalf("the finding filled before the restart: %+v", reps[0].Findings)
	}
	if un := api.Unanswered(); len(un) > 0 {
		t.Errorf("unanswered callback queries: %v", un)
	}
}

// TestTelegramStrayButtons presses buttons that must be answered and not acted upon: another user's form, an
// older rendering, a finished form, a form replaced by 重新开始, junk.
func TestTelegramStrayButtons(t *testing.T) {
	store := openSQLite(t, filepath.Join(t.TempDir(), "conductbot.db"))
	h := startTG(t, store, tgSetup{})
	h.seedWindows()
	h.join(tgInsp)
	h.join(tgInsp2)
	ctx := context.Background()

	h.Say(tgInsp, "/report")
	h.Say(tgInsp2, "/report")
	_, first := h.Press(tgInsp, "3号窗口")
	// A forged press in inspector 2's chat carrying inspector 1's form ID.
	_, b := h.WithButton(tgInsp.ID, "今天")
	ans, _ := h.PressData(tgInsp2, h.Last(tgInsp2.ID).ID, b.CallbackData)
	expect(t, ans, "已提交、取消或过期")
	if m := h.Last(tgInsp2.ID); !strings.Contains(m.Text, "第 1/5 步") {
		t.Fatalf("inspector 2's form moved: %s", m.Text)
	}
	// An older rendering of the same form: the window buttons after the window was chosen.
	var st struct {
		ID  string `json:"id"`
		Rev int    `json:"rev"`
	}
	state, err := store.GetState(ctx, stateChat(tgInsp.ID), inspect.KindDraft)
	if err != nil {
		t.Fatal(err)
	}
	openState(t, tgInsp.ID, state, &st)
	stale := "rp:" + st.ID + ":" + strconv.Itoa(st.Rev-1) + ":w:1"
	ans, _ = h.PressData(tgInsp, first.ID, stale)
	expect(t, ans, "已过期")
	// A button that does not fit the step, with the right revision (forged).
	ans, _ = h.PressData(tgInsp, first.ID, "rp:"+st.ID+":"+strconv.Itoa(st.Rev)+":s")
	expect(t, ans, "已过期")
	// Junk.
	ans, _ = h.PressData(tgInsp, first.ID, "rp:!!:x")
	expect(t, ans, "失效")
	ans, _ = h.PressData(tgInsp, first.ID, "zz:1:2")
	expect(t, ans, "失效")
	// A form replaced by 重新开始.
	oldMsg, oldBtn := h.WithButton(tgInsp.ID, "今天")
	h.Say(tgInsp, "/report")
	h.Press(tgInsp, "重新开始")
	ans, _ = h.PressData(tgInsp, oldMsg.ID, oldBtn.CallbackData)
	expect(t, ans, "已提交、取消或过期")
	// A finished form: its 提交 pressed again files nothing more.
	expect(t, h.Say(tgInsp2, "/cancel").Text, "已取消")
	h.fileReport(tgInsp2, nil)
	sub, subBtn := h.WithButton(tgInsp2.ID, "跳过")
	ans, _ = h.PressData(tgInsp2, sub.ID, subBtn.CallbackData)
	expect(t, ans, "已提交、取消或过期")
	if n, _ := store.CountReports(ctx, inspect.ReportFilter{}); n != 1 {
		t.Fatalf("%d reports", n)
	}
	if un := h.api.Unanswered(); len(un) > 0 {
		t.Errorf("unanswered callback queries: %v", un)
	}
}

func TestTelegramBadInput(t *testing.T) {
	store := openSQLite(t, filepath.Join(t.TempDir(), "conductbot.db"))
	h := startTG(t, store, tgSetup{opts: []envOption{func(o *inspect.Options) { o.MaxPhotoBytes = 50 << 10 }}})
	h.seedWindows()

	// /report from a non-inspector, and in a group.
	m := h.Say(tgStaff, "/report")
	expect(t, m.Text, "仅限暗访人员")
	h.join(tgInsp)
	h.Push(h.api.Text(tgGroup, tgInsp, "/report"))
	expect(t, h.Last(tgGroup.ID).Text, "私聊")

	h.Say(tgInsp, "/report")
	// Text where a button is expected.
	m = h.Say(tgInsp, "随便说点什么")
	expect(t, m.Text, "没有找到这个窗口", "第 1/5 步")
	h.Say(tgInsp, "3号")
	// A future date, typed and forged.
	m = h.Say(tgInsp, "11月5日")
	expect(t, m.Text, "不能选择未来的日期", "第 2/5 步")
	m = h.Say(tgInsp, "2026-10-01")
	expect(t, m.Text, "最近 14 天")
	mm, b := h.WithButton(tgInsp.ID, "今天")
	forged := strings.Replace(b.CallbackData, ":20261102", ":20261103", 1)
	ans, _ := h.PressData(tgInsp, mm.ID, forged)
	expect(t, ans, "不能选择未来的日期")
	h.Press(tgInsp, "今天")
	// The afternoon of today at 09:00, forged.
	mm, b = h.WithButton(tgInsp.ID, "上午")
	ans, _ = h.PressData(tgInsp, mm.ID, strings.Replace(b.CallbackData, ":am", ":pm", 1))
	expect(t, ans, "下午还没到")
	h.Press(tgInsp, "上午")
	h.Press(tgInsp, "✅ 符合")
	h.Press(tgInsp, "不符合")
	// A document and a too large photo where a photo is expected.
	h.Push(h.api.Document(testkit.Private(tgInsp), tgInsp, "scan.pdf", "application/pdf", []byte("%PDF-1.4")))
	expect(t, h.Last(tgInsp.ID).Text, "以“照片”方式发送")
	big := gpsJPEG(t, 1200, 900, 1)
	for len(big) < 60<<10 { // pad past the limit after the image data: still a valid JPEG
		big = append(big, make([]byte, 8<<10)...)
	}
	h.Push(h.api.Photo(testkit.Private(tgInsp), tgInsp, "", big))
	expect(t, h.Last(tgInsp.ID).Text, "照片太大了")
	h.Push(h.api.Photo(testkit.Private(tgInsp), tgInsp, "", []byte("not an image at all")))
	expect(t, h.Last(tgInsp.ID).Text, "无法识别")
	h.Say(tgInsp, "说了“你去投诉好了”")
	// Two forms at once: /report again offers to resume.
	m = h.Say(tgInsp, "/report")
	expect(t, m.Text, "未完成的暗访报告", "已填 2/11 项")
	_, m = h.Press(tgInsp, "继续填写")
	expect(t, m.Text, "你去投诉好了")

	// Revoked mid-form: text and buttons are refused, the draft stays.
	h.Say(tgAdmin, "/inspectors revoke 01")
	m = h.Say(tgInsp, "又补充一句")
	expect(t, m.Text, "资格已被撤销")
	ans, _ = h.Press(tgInsp, "下一项")
	expect(t, ans, "资格已被撤销")
	m = h.Say(tgInsp, "/report")
	expect(t, m.Text, "仅限暗访人员")
	var d struct {
		Notes map[string]string `json:"notes"`
	}
	st, err := store.GetState(context.Background(), stateChat(tgInsp.ID), inspect.KindDraft)
	if err == nil {
		openState(t, tgInsp.ID, st, &d)
	}
	if err != nil || !strings.Contains(d.Notes["polite"], "你去投诉好了") {
		t.Fatalf("the draft after revocation: %v %+v", err, d)
	}
	if un := h.api.Unanswered(); len(un) > 0 {
		t.Errorf("unanswered callback queries: %v", un)
	}
}
