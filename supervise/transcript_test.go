package supervise_test

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/go-telegram/bot/models"

	"github.com/conductbot/conductbot/bot"
	"github.com/conductbot/conductbot/inspect"
	"github.com/conductbot/conductbot/internal/golden"
	"github.com/conductbot/conductbot/internal/testkit"
	"github.com/conductbot/conductbot/supervise"
	"github.com/conductbot/conductbot/workday"
)

// update rewrites the expected transcripts in testdata/ from what the bot says now:
//
//	go test ./supervise -run Transcript -update
//
// Read the diff before committing it: the transcripts are what users see.

// findingSpec is a checklist item answered 不符合 in a report filed by fileFull, with the inspector's note and
// a number of photos.
type findingSpec struct {
	key    string
	note   string
	photos int
}

// fileFull files a report as an inspector's form would: the items of fails answered 不符合 with their notes and
// photos (stored as the draft's, then filed with it), the others 符合; extra findings (from the description)
// after them; desc as the description. The report is pending.
func (f *fixture) fileFull(id string, w int, day string, half inspect.HalfDay, fails []findingSpec, extra []inspect.Finding,
	desc, receipt string) *inspect.Report {
	f.t.Helper()
	ctx := context.Background()
	win := f.windows[w]
	draft := inspect.NewDraftID()
	r := &inspect.Report{ID: id, WindowID: win.ID, WindowLabel: win.Label(), VisitDate: workday.MustDate(day), HalfDay: half,
		Filed: workday.MustDate(day), CodeVersionID: f.version, ChecklistID: f.cl.ID, Description: desc,
		State: inspect.Pending, ReceiptHash: inspect.ReceiptHash(receipt)}
	specs := map[string]findingSpec{}
	for _, s := range fails {
		specs[s.key] = s
	}
	for _, item := range f.cl.Items {
		spec, failed := specs[item.Key]
		res := inspect.Pass
		if failed {
			res = inspect.Fail
		}
		r.Items = append(r.Items, inspect.ItemResult{Item: item, Result: res})
		if !failed {
			continue
		}
		fd := inspect.Finding{No: len(r.Findings) + 1, ItemKey: item.Key, Title: item.Title, Clauses: item.Clauses,
			Critical: item.Critical, Note: spec.note, Source: inspect.FromChecklist}
		for range spec.photos {
			p, err := inspect.Reencode(jpegPhoto(f.t))
			if err != nil {
				f.t.Fatal(err)
			}
			if err := f.db.PutDraftPhoto(ctx, draft, p, start.Add(24*time.Hour)); err != nil {
				f.t.Fatal(err)
			}
			fd.Photos = append(fd.Photos, p.PhotoRef)
		}
		r.Findings = append(r.Findings, fd)
	}
	for _, x := range extra {
		x.No = len(r.Findings) + 1
		x.Source = inspect.FromDescription
		r.Findings = append(r.Findings, x)
	}
	if len(r.Findings) != len(fails)+len(extra) {
		f.t.Fatalf("fileFull: unknown item keys in %+v", fails)
	}
	if err := f.db.FileReport(ctx, r, draft); err != nil {
		f.t.Fatal(err)
	}
	got, err := f.db.Report(ctx, id)
	if err != nil {
		f.t.Fatal(err)
	}
	return got
}

// transcript records a conversation through the Bot API stand-in as a person reads it: what each user typed
// or pressed, and every message the bot sent or rewrote in the watched chats since, with its buttons.
type transcript struct {
	t     *testing.T
	h     *tgBot
	b     strings.Builder
	names map[int64]string
	chats []int64
	seen  map[int64]map[int]string // chat → message ID → the message as last written down
}

func newTranscript(t *testing.T, h *tgBot, names map[int64]string, chats ...int64) *transcript {
	tr := &transcript{t: t, h: h, names: names, chats: chats, seen: map[int64]map[int]string{}}
	for _, c := range chats {
		tr.seen[c] = map[int]string{}
		for _, m := range h.api.BotMessages(c) {
			tr.seen[c][m.ID] = render(m)
		}
	}
	return tr
}

// render is a bot's message as the transcript shows it: an attachment line, the text indented, the buttons a
// row a line.
func render(m testkit.Msg) string {
	var b strings.Builder
	switch {
	case len(m.Photo) > 0:
		b.WriteString("  ［照片］\n")
	case m.Doc != nil:
		fmt.Fprintf(&b, "  ［文件 %s］\n", m.Doc.Name)
	}
	for _, line := range strings.Split(m.Text, "\n") {
		b.WriteString(strings.TrimRight("  "+line, " ") + "\n")
	}
	if m.Markup != nil {
		for _, row := range m.Markup.InlineKeyboard {
			b.WriteString("  ")
			for _, btn := range row {
				b.WriteString("［" + btn.Text + "］")
			}
			b.WriteString("\n")
		}
	}
	return b.String()
}

func (tr *transcript) who(u models.User) string { return tr.names[u.ID] }

// flush writes down the messages sent or rewritten since the last step.
func (tr *transcript) flush() {
	for _, c := range tr.chats {
		for _, m := range tr.h.api.BotMessages(c) {
			r := render(m)
			old, seen := tr.seen[c][m.ID]
			switch {
			case !seen:
				fmt.Fprintf(&tr.b, "« 机器人 → %s：\n%s", tr.names[c], r)
			case old != r:
				fmt.Fprintf(&tr.b, "« 机器人 → %s（改写了原来的消息）：\n%s", tr.names[c], r)
			}
			tr.seen[c][m.ID] = r
		}
	}
}

func (tr *transcript) say(u models.User, text string) testkit.Msg {
	tr.t.Helper()
	fmt.Fprintf(&tr.b, "\n» %s：%s\n", tr.who(u), text)
	m := tr.h.Say(u, text)
	tr.flush()
	return m
}

func (tr *transcript) press(u models.User, label string) (string, testkit.Msg) {
	tr.t.Helper()
	m, btn := tr.h.WithButton(u.ID, label)
	fmt.Fprintf(&tr.b, "\n» %s 点按钮［%s］\n", tr.who(u), btn.Text)
	answer, last := tr.h.PressData(u, m.ID, btn.CallbackData)
	if answer != "" {
		fmt.Fprintf(&tr.b, "« 按钮提示：%s\n", answer)
	}
	tr.flush()
	return answer, last
}

func (tr *transcript) photo(u models.User) {
	tr.t.Helper()
	fmt.Fprintf(&tr.b, "\n» %s：［照片］\n", tr.who(u))
	tr.h.Push(tr.h.api.Photo(testkit.Private(u), u, "", jpegPhoto(tr.t)))
	tr.flush()
}

func (tr *transcript) event(s string) { fmt.Fprintf(&tr.b, "\n—— %s ——\n", s) }

// compare checks the transcript against testdata/name, or writes it there with -update.
func (tr *transcript) compare(name string) {
	tr.t.Helper()
	golden.Compare(tr.t, filepath.Join("testdata", name), strings.TrimLeft(tr.b.String(), "\n"))
}

// The transcripts' report: 3号窗口, 11月3日上午, two checklist findings (one with a note merged from two and a
// photo) and one the inspector confirmed from the description.
func fileTranscriptReport(t *testing.T, f *fixture) {
	t.Helper()
	v, err := f.db.CodeInForce(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	title := "一次性告知"
	if c, ok := v.Code.Clause("1.5.1"); ok && c.Title != "" {
		title = c.Title
	}
	f.fileFull("rep3dddddddddddd", 0, "2026-11-03", inspect.Morning, []findingSpec{
		{key: "discipline", note: "我排队时看到她在玩手机\n后来又接了一个私人电话，约三分钟", photos: 1},
		{key: "tidy", note: "台面上堆着没归档的材料和水杯"},
	}, []inspect.Finding{{Title: title, Clauses: []string{"1.5.1"}, Note: "所需材料没有一次说清，让我回去再问"}},
		"上午十点左右到窗口咨询不动产转移登记。工作人员一直低头看手机，问了两次才回应。\n所需材料没有一次说清，让我回去再问。", "K7P3-Q9XW-M2TD")
}

// TestSupervisorTranscript: a supervisor reviews a report (titled by window and visit, counts that agree,
// merged notes indented), looks at its photo, confirms it, requires a rectification (the window's head is
// told), reads /stats (a capped suggestion says so; the reminders' 30 days only with this month), records an
// adjustment through the form in two messages, and exports the month.
func TestSupervisorTranscript(t *testing.T) {
	f := newFixture(t)
	fileTranscriptReport(t, f)
	// 4号窗口 had a bad morning: far below 60% with three critical failures — the parts add to −7.
	f.fileFull("rep4eeeeeeeeeeee", 1, "2026-11-02", inspect.Morning, []findingSpec{
		{key: "greet", note: "没有起身"}, {key: "polite", note: "没有问好"}, {key: "nobadword", note: "说“不知道，自己看”"},
		{key: "equal", note: "熟人插队先办"}, {key: "patient", note: "不耐烦地打断"}, {key: "discipline", note: "在玩手机"},
		{key: "inform", note: "没有告知所需材料"},
	}, nil, "窗口服务很差。", "K7P3-Q9XW-M2TE")
	f.move("rep4eeeeeeeeeeee", inspect.Pending, inspect.Confirmed, "", workday.MustDate("2026-11-03"))
	clock := testkit.NewClock(at("2026-11-04", 10, 0))
	h := startTG(t, f, clock, withQuizStats)
	tr := newTranscript(t, h, map[int64]string{superID: "督查员", headID: "小王（3号窗口负责人）"}, superID, headID)

	m := tr.say(tgSuper, "/reports")
	expect(t, m.Text, "1. 11月3日上午 · 3号窗口 不动产登记 · 待审核 · 问题 3 项（关键 1）")
	_, m = tr.press(tgSuper, "1")
	expect(t, m.Text, "📄 暗访报告 · 3号窗口 不动产登记 · 11月3日上午\n", "问题（3 项：检查项不符合 2 项，情况描述中另有 1 项）",
		"说明：\n      我排队时看到她在玩手机\n      后来又接了一个私人电话", "编号：rep3dddddddddddd")
	expectNot(t, m.Text, append([]string{"暗访报告 rep3", "…"}, inspectorIdentity...)...)
	tr.press(tgSuper, "📷 照片（1）")
	if p := h.Last(superID); len(p.Photo) == 0 || !strings.Contains(p.Text, "11月3日上午 · 问题 1") {
		t.Fatalf("the photo: %q", p.Text)
	}
	tr.press(tgSuper, "✅ 确认")
	tr.press(tgSuper, "🛠 整改 1")
	_, m = tr.press(tgSuper, "⭐ 5 个工作日")
	expect(t, m.Text, "已要求 3号窗口 不动产登记 整改问题 1，期限 11月11日")
	expect(t, h.Last(headID).Text, "🛠 整改通知")

	m = tr.say(tgSuper, "/stats")
	expect(t, m.Text, "每日提醒与每日一题（近 30 天）")
	stats, _ := h.WithButton(superID, "✏️ 调整分")
	expect(t, stats.Text, "4号窗口 公积金：", "建议 −5（合计 −7，按上限计）")
	tr.press(tgSuper, "✏️ 调整分")
	_, m = tr.press(tgSuper, "4号窗口 公积金")
	expect(t, m.Text, "合计 −7，按上限计 −5", "发送 /adjust 继续")
	expect(t, tr.say(tgSuper, "−5").Text, "已记下调整分 −5，已保存草稿")
	expect(t, tr.say(tgSuper, "关键项问题集中，按上限扣分").Text, "已记录 4号窗口 公积金 2026年11月 的最终调整分 −5（建议 −5）")

	m = tr.say(tgSuper, "/stats 2026-10")
	expect(t, m.Text, "2026年10月还没有已确认的暗访报告", "只随本月的 /stats 发送")
	expectNot(t, m.Text, "每日提醒与每日一题（近 30 天）")
	tr.say(tgSuper, "/export")
	docs := h.api.Calls("sendDocument")
	if len(docs) != 2 || docs[0].Files["document"].Name != "conductbot-2026-11.xlsx" {
		t.Fatalf("documents: %d", len(docs))
	}
	expect(t, h.api.BotMessages(superID)[len(h.api.BotMessages(superID))-2].Text, "整改 1 项")
	if left := h.api.Unanswered(); len(left) > 0 {
		t.Fatalf("unanswered callback queries: %v", left)
	}
	tr.compare("supervisor.txt")
}

// withQuizStats stands in for the reminders' figures /stats adds after the scores (remind.QuizStats in the
// program): a reply naming its own period.
func withQuizStats(o *supervise.Options) {
	o.AfterStats = func(ctx context.Context, r *bot.Request) error {
		_, err := r.Reply(ctx, "📊 每日提醒与每日一题（近 30 天）\n订阅 12 人，送达 240 次。")
		return err
	}
}

// TestWindowHeadTranscript: the window's responsible person receives a rectification request, answers with
// text and a photo, leaves before submitting, the service restarts on the same SQLite file, and /rectify offers
// the kept draft; they continue, add a line, submit, and hear that it was accepted.
func TestWindowHeadTranscript(t *testing.T) {
	f := newFixture(t)
	fileTranscriptReport(t, f)
	f.move("rep3dddddddddddd", inspect.Pending, inspect.Confirmed, "", workday.MustDate("2026-11-03"))
	clock := testkit.NewClock(at("2026-11-04", 10, 0))
	h := startTG(t, f, clock)
	h.Say(tgSuper, "/reports 已确认")
	h.Press(tgSuper, "1")
	h.Press(tgSuper, "🛠 整改 1")
	tr := newTranscript(t, h, map[int64]string{superID: "督查员", headID: "小王（3号窗口负责人）"}, headID, superID)

	tr.press(tgSuper, "⭐ 5 个工作日")
	n := h.Last(headID)
	expect(t, n.Text, "🛠 整改通知", "无吃东西、打瞌睡、玩手机、串岗", "整改期限：11月11日")
	expectNot(t, n.Text, append([]string{"11月3日", "上午", "我排队时", "看手机", "rep3dddddddddddd"}, inspectorIdentity...)...)
	tr.press(tgHead, "✍️ 回复整改情况")
	expect(t, tr.say(tgHead, "已对当班人员批评教育，手机统一放入储物柜。").Text, "已保存草稿", "/rectify 继续")
	tr.photo(tgHead)
	expect(t, h.Last(headID).Text, "已收到照片 1 张")

	tr.event("小王没有点“提交”就离开了对话；两小时后服务重启（同一个 SQLite 文件）")
	clock.Advance(2 * time.Hour)
	h = h.restart()
	tr.h = h

	m := tr.say(tgHead, "/rectify")
	expect(t, m.Text, "您有一份未提交的整改回复草稿", "文字 21 字，照片 1 张")
	_, m = tr.press(tgHead, "✍️ 继续草稿")
	expect(t, m.Text, "已对当班人员批评教育", "照片 1 张")
	tr.say(tgHead, "另在窗口张贴了服务承诺，请群众监督。")
	_, m = tr.press(tgHead, "📤 提交")
	expect(t, m.Text, "已提交，等待督查人员验收")
	expect(t, h.Last(superID).Text, "📥 整改回复待验收", "整改情况（11月4日）：\n   已对当班人员批评教育", "\n   另在窗口张贴了服务承诺", "附照片 1 张")
	tr.press(tgSuper, "✅ 验收通过")
	expect(t, h.Last(headID).Text, "✅ 整改已验收通过")

	rects, err := f.db.Rectifications(context.Background(), supervise.RectFilter{})
	if err != nil || len(rects) != 1 || len(rects[0].Photos) != 1 || rects[0].State != supervise.RectAccepted ||
		rects[0].Reply != "已对当班人员批评教育，手机统一放入储物柜。\n另在窗口张贴了服务承诺，请群众监督。" {
		t.Fatalf("rectifications: %+v %v", rects, err)
	}
	if left := h.api.Unanswered(); len(left) > 0 {
		t.Fatalf("unanswered callback queries: %v", left)
	}
	tr.compare("window_head.txt")
}

// TestLongReportPaged: a report of 11 findings with long notes, photos and a long description is shown whole,
// over pages a supervisor turns with 上一页/下一页: every note, the description and finding 11 appear in full
// in some page, each page fits one Telegram message, every finding gets its 整改 button, and every photo is
// sent on request. Nothing is cut.
func TestLongReportPaged(t *testing.T) {
	f := newFixture(t)
	var fails []findingSpec
	notes := map[string]string{}
	for i, item := range f.cl.Items {
		var b strings.Builder
		for b.Len() < 2500 { // about 900 characters
			fmt.Fprintf(&b, "第%d项：窗口人员第%d次没有按规范接待，群众在窗口前等了很久。", i+1, b.Len()/80+1)
		}
		note := b.String() + fmt.Sprintf("【第%d项说明完】", i+1)
		if i == 4 {
			note = "上午先看到一次。\n下午又看到一次，" + note // merged from two notes
		}
		notes[item.Key] = note
		photos := 0
		if i == 0 || i == 10 {
			photos = 2 - i/10 // two on the first finding, one on the last
		}
		fails = append(fails, findingSpec{key: item.Key, note: note, photos: photos})
	}
	if len(fails) != 11 {
		t.Fatalf("the checklist has %d items, want 11", len(fails))
	}
	desc := strings.Repeat("我在窗口前排队，观察了整个办理过程，工作人员的态度和做法都记录如下。", 50) + "【描述完】"
	f.fileFull("replongggggggggg", 0, "2026-11-03", inspect.Afternoon, fails, nil, desc, "K7P3-Q9XW-M2TF")
	h := startTG(t, f, testkit.NewClock(at("2026-11-04", 10, 0)))

	expect(t, h.Say(tgSuper, "/reports").Text, "11月3日下午 · 3号窗口 不动产登记 · 待审核 · 问题 11 项（关键 3）")
	_, first := h.Press(tgSuper, "1")
	h.Press(tgSuper, "✅ 确认")
	pages := []string{h.Last(superID).Text}
	rectButtons := 0
	count := func(m testkit.Msg) {
		for _, b := range m.Buttons() {
			if strings.HasPrefix(b.Text, "🛠 整改 ") {
				rectButtons++
			}
		}
	}
	count(h.Last(superID))
	for {
		m := h.Last(superID)
		if _, ok := m.Button("下一页 ▶"); !ok {
			break
		}
		if len(pages) > 20 {
			t.Fatal("the pages do not end")
		}
		_, m = h.Press(tgSuper, "下一页 ▶")
		pages = append(pages, m.Text)
		count(m)
	}
	if len(pages) < 3 {
		t.Fatalf("%d pages for a report of about 12,000 characters", len(pages))
	}
	for i, p := range pages {
		if n := bot.Len16(p); n > bot.MaxMessageLen {
			t.Errorf("page %d: %d UTF-16 units", i+1, n)
		}
		expect(t, p, fmt.Sprintf("📄 暗访报告 · 3号窗口 不动产登记 · 11月3日下午（第 %d/%d 页）\n", i+1, len(pages)))
		expectNot(t, p, "…")
	}
	all := strings.Join(pages, "\n")
	for key, note := range notes {
		for _, line := range strings.Split(note, "\n") {
			if !strings.Contains(all, line) {
				t.Errorf("the note of %s is not shown in full: %q", key, line)
			}
		}
	}
	expect(t, all, "\n11. 台面整洁", "情况描述：", desc, "上午先看到一次。\n      下午又看到一次，", "编号：replongggggggggg")
	if rectButtons != 11 {
		t.Errorf("%d 整改 buttons over the pages, want 11", rectButtons)
	}
	// Back to the first page, as it was (confirmed since).
	_, m := h.Press(tgSuper, "◀ 上一页")
	for range len(pages) - 2 {
		_, m = h.Press(tgSuper, "◀ 上一页")
	}
	if m.Text != pages[0] || !strings.Contains(first.Text, "（第 1/") {
		t.Errorf("page 1 again:\n%s\nwas:\n%s", m.Text, pages[0])
	}
	// Every photo, on request, with the finding it belongs to.
	h.Press(tgSuper, "📷 照片（3）")
	photos := h.api.Calls("sendPhoto")
	if len(photos) != 3 || !strings.Contains(photos[2].Text(), "问题 11：台面整洁 · 照片 1/1") {
		t.Fatalf("photos sent: %d", len(photos))
	}
	if left := h.api.Unanswered(); len(left) > 0 {
		t.Fatalf("unanswered callback queries: %v", left)
	}
}

// TestAdjustDraftSurvivesRestart: a figure typed into the adjustment form without its reason is kept as the
// chat's state; after a restart on the same SQLite file, /adjust shows the draft and the reason completes it.
func TestAdjustDraftSurvivesRestart(t *testing.T) {
	f := newFixture(t)
	f.file("rep1aaaaaaaaaaaa", 1, "2026-11-02", inspect.Morning, inspect.Confirmed, nil, "K7P3-Q9XW-M2TA")
	clock := testkit.NewClock(at("2026-11-04", 10, 0))
	h := startTG(t, f, clock)
	h.Say(tgSuper, "/stats")
	h.Press(tgSuper, "✏️ 调整分")
	h.Press(tgSuper, "4号窗口 公积金")
	expect(t, h.Say(tgSuper, "+1.5").Text, "已记下调整分 +1.5，已保存草稿", "发送 /adjust 继续")

	clock.Advance(3 * time.Hour)
	h = h.restart()
	m := h.Say(tgSuper, "/adjust")
	expect(t, m.Text, "继续记录调整分", "4号窗口 公积金 · 2026年11月", "草稿：最终调整分 +1.5，理由未填")
	// /adjust made it the active form again: the next message is the reason.
	expect(t, h.Say(tgSuper, "服务明显改进").Text, "已记录 4号窗口 公积金 2026年11月 的最终调整分 +1.5", "理由：服务明显改进")
	revs, err := f.db.AdjustmentRevisions(context.Background(), f.windows[1].ID, supervise.MustMonth("2026-11"))
	if err != nil || len(revs) != 1 || revs[0].Final != 1.5 || revs[0].Reason != "服务明显改进" {
		t.Fatalf("revisions: %+v %v", revs, err)
	}
	// The form is done: /adjust without arguments is the usage again.
	expect(t, h.Say(tgSuper, "/adjust").Text, "用法：/adjust")

	// A draft left for a while is shown before anything typed is taken as its reason.
	h.Press(tgSuper, "✏️ 调整分")
	h.Press(tgSuper, "3号窗口 不动产登记")
	h.Say(tgSuper, "-1")
	clock.Advance(2 * time.Hour)
	h = h.restart()
	expect(t, h.Say(tgSuper, "今天下午开会吗").Text, "继续记录调整分", "草稿：最终调整分 −1，理由未填")
	if revs, _ := f.db.AdjustmentRevisions(context.Background(), f.windows[0].ID, supervise.MustMonth("2026-11")); len(revs) != 0 {
		t.Fatalf("a stray message was taken as a reason: %+v", revs)
	}
	expect(t, h.Say(tgSuper, "窗口台面长期杂乱").Text, "最终调整分 −1（建议 —）", "理由：窗口台面长期杂乱")
}

// TestAnswerDraftKept: pressing 回复整改情况 again (the notice's button, or /rectify's) resumes the draft instead
// of wiping it; starting another rectification's answer asks before throwing a draft away.
func TestAnswerDraftKept(t *testing.T) {
	f := newFixture(t)
	f.file("rep1aaaaaaaaaaaa", 0, "2026-11-02", inspect.Morning, inspect.Confirmed,
		map[string]inspect.Result{"tidy": inspect.Fail, "dress": inspect.Fail}, "K7P3-Q9XW-M2TA")
	ctx := context.Background()
	var ids []string
	for no, title := range map[int]string{1: "着装规范", 2: "台面整洁"} {
		rc := &supervise.Rectification{ID: fmt.Sprintf("rect%012d", no), ReportID: "rep1aaaaaaaaaaaa", FindingNo: no, WindowID: f.windows[0].ID,
			Title: title, Clauses: []string{"1.3.1"}, Required: workday.MustDate("2026-11-03"), Deadline: workday.MustDate("2026-11-10")}
		if err := f.db.RequireRectification(ctx, rc, "要求整改"); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, rc.ID)
	}
	h := startTG(t, f, testkit.NewClock(at("2026-11-04", 10, 0)))
	h.PressData(tgHead, 1, bot.CallbackData("rch", "a", ids[0]))
	h.Say(tgHead, "已统一更换工装")
	h.Push(h.api.Photo(testkit.Private(tgHead), tgHead, "", jpegPhoto(t)))
	// The same button again: the draft is shown, nothing is lost.
	_, m := h.PressData(tgHead, 1, bot.CallbackData("rch", "a", ids[0]))
	expect(t, m.Text, "继续回复整改情况", "已统一更换工装", "照片 1 张")
	// Another rectification's button: asked, not wiped.
	_, m = h.PressData(tgHead, 1, bot.CallbackData("rch", "a", ids[1]))
	expect(t, m.Text, "还有", "整改回复草稿没有提交", "文字 7 字，照片 1 张")
	_, m = h.Press(tgHead, "✍️ 继续那份")
	expect(t, m.Text, "已统一更换工装")
	h.Press(tgHead, "📤 提交")
	rc, err := f.db.Rectification(ctx, ids[0])
	if err != nil || rc.State != supervise.RectSubmitted || rc.Reply != "已统一更换工装" || len(rc.Photos) != 1 {
		t.Fatalf("submitted: %+v %v", rc, err)
	}
	// /cancel throws a draft away, as it says.
	h.PressData(tgHead, 1, bot.CallbackData("rch", "a", ids[1]))
	h.Say(tgHead, "台面已清理")
	expect(t, h.Say(tgHead, "/cancel").Text, "已放弃回复")
	expectNot(t, h.Say(tgHead, "/rectify").Text, "未提交的整改回复草稿")
}
