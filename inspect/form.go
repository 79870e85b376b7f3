package inspect

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"time"

	"github.com/conductbot/conductbot/bot"
	"github.com/conductbot/conductbot/workday"
)

// KindDraft is the bot state holding a chat's report draft, sealed (Options.SealKey).
const KindDraft = "report.draft"

// KindReceipt is the bot state holding, sealed, the receipt of a report filed from the chat until the inspector
// was shown it: ReportStore.Submit puts it in the draft's place in the transaction that files the report, and
// it is deleted once the receipt was sent. A crash in between leaves it, and the chat's next message, button or
// command shows the receipt.
const KindReceipt = "report.receipt"

// receiptTTL is how long a receipt waits to be shown.
const receiptTTL = 7 * 24 * time.Hour

// Limits of the form.
const (
	MaxNoteLen          = 1000 // characters of a note on one item
	MaxDescriptionLen   = 2000 // characters of the free description
	MaxPhotosPerItem    = 5
	MaxPhotosPerReport  = 20
	VisitWindowDays     = 14 // a visit may be reported up to 13 days back: today and the 13 days before
	buttonPrefix        = "rp"
	msgRevoked          = "您的暗访人员资格已被撤销，不能继续填写报告。草稿会在 24 小时内自动删除，发送 /cancel 可立即删除。"
	msgFormGone         = "这份报告表单已提交、取消或过期，按钮不再有效。发送 /report 开始填写新的报告。"
	msgStale            = "这条消息已过期，请使用最新一条消息中的按钮。"
	msgUseButtons       = "请点击上方消息中的按钮作答。发送 /cancel 可取消填写。"
	msgNoPhotoHere      = "现在不需要照片。如需附照片，请在某一检查项选择“不符合”后发送。"
	msgDocumentNotPhoto = "请以“照片”方式发送图片，不要以“文件”方式发送：文件会保留拍摄地点、设备等信息。"
	msgMediaNotPhoto    = "暂不接收视频、语音、贴纸等，请发送照片或文字。"
)

// step is where a draft is.
type step string

const (
	stepWindow step = "window"
	stepDate   step = "date"
	stepOlder  step = "older"
	stepOffDay step = "offday" // the visit's day is a day off by the calendar: confirm it
	stepHalf   step = "half"
	stepItem   step = "item"
	stepNote   step = "note"
	stepDesc   step = "desc"
	stepProps  step = "props"
	stepReview step = "review"
	stepEdits  step = "edits"
	stepCancel step = "cancel"
	stepResume step = "resume" // only rendered: the prompt of /report over an open draft
)

// draft is a report being filled in, kept in the bot's per-chat state (KindDraft) so that it survives
// restarts. It is keyed by the chat only there, and sealed: a copy of the database sees the chat ID next to
// ciphertext. Nothing of it but the answers goes into the report.
//
// When 提交 is first pressed, the draft is given the report's random ID and its receipt code, and saved so
// before the report is filed: a press repeated after a crash files under the same ID, which the store files
// once (ErrDuplicate), and shows the same receipt.
type draft struct {
	ID      string    `json:"id"`  // random; in every button of the form
	Rev     int       `json:"rev"` // bumped on every change; buttons of older renderings are stale
	Step    step      `json:"step"`
	Return  bool      `json:"ret,omitempty"` // back to the review after the step
	Expires time.Time `json:"exp"`

	ChecklistID   int64 `json:"cl"`
	CodeVersionID int64 `json:"cv"`

	WindowID int64        `json:"win,omitempty"`
	Visit    workday.Date `json:"visit,omitzero"`
	Half     HalfDay      `json:"half,omitempty"`
	Cursor   int          `json:"cur"` // the checklist item shown

	Answers     map[string]Result     `json:"ans,omitempty"`
	Notes       map[string]string     `json:"notes,omitempty"`
	Photos      map[string][]PhotoRef `json:"photos,omitempty"`
	Description string                `json:"desc,omitempty"`
	Proposals   []Proposal            `json:"props,omitempty"`
	DescDone    bool                  `json:"descdone,omitempty"`

	ReportID string `json:"rid,omitempty"` // set when 提交 is first pressed
	Receipt  string `json:"rc,omitempty"`
}

func (s *Service) registerForm(rt *bot.Router) {
	rt.Command("report", bot.Inspector, s.report, bot.PrivateOnly(), bot.Describe("填写暗访报告"))
	rt.Callback(buttonPrefix, bot.Staff, s.formButton)
	rt.Form(bot.Form{Kind: KindDraft, Need: bot.Staff, Handle: s.formInput, Cancel: s.formCancel})
	rt.Form(bot.Form{Kind: KindReceipt, Need: bot.Staff, Handle: s.receiptInput, Cancel: s.receiptInput})
}

// btn is a button of the draft's current rendering.
func (d *draft) btn(text, action string, args ...string) bot.Button {
	return bot.Btn(text, buttonPrefix, append([]string{d.ID, strconv.Itoa(d.Rev), action}, args...)...)
}

func (s *Service) loadDraft(ctx context.Context, r *bot.Request) (*draft, bool, error) {
	var d draft
	ok, err := s.loadSealed(ctx, r, KindDraft, &d)
	if err != nil || !ok {
		return nil, false, err
	}
	d.init()
	return &d, true, nil
}

// init makes the maps a decoded draft may lack.
func (d *draft) init() {
	if d.Answers == nil {
		d.Answers = map[string]Result{}
	}
	if d.Notes == nil {
		d.Notes = map[string]string{}
	}
	if d.Photos == nil {
		d.Photos = map[string][]PhotoRef{}
	}
}

// saveDraft bumps the revision and stores the draft, sealed, until its fixed expiry.
func (s *Service) saveDraft(ctx context.Context, r *bot.Request, d *draft) error {
	d.Rev++
	return s.putDraft(ctx, r, d)
}

// putDraft stores the draft, sealed, without a new revision: the buttons shown stay valid.
func (s *Service) putDraft(ctx context.Context, r *bot.Request, d *draft) error {
	ttl := d.Expires.Sub(s.now())
	if ttl <= 0 {
		ttl = time.Second
	}
	return s.putSealed(ctx, r, KindDraft, d, ttl)
}

// report is /report: a new draft, or the choice to resume the open one.
func (s *Service) report(ctx context.Context, r *bot.Request) error {
	if _, err := s.pendingReceipt(ctx, r); err != nil {
		return err
	}
	d, ok, err := s.loadDraft(ctx, r)
	if err != nil {
		return err
	}
	if ok {
		// A new revision: the buttons of the messages before this prompt are stale now.
		if err := s.saveDraft(ctx, r, d); err != nil {
			return err
		}
		m, err := s.renderResume(ctx, d)
		if err != nil {
			return err
		}
		_, err = r.Send(ctx, m)
		return err
	}
	return s.startDraft(ctx, r)
}

// startDraft opens a new draft on the checklist in force and shows its first step.
func (s *Service) startDraft(ctx context.Context, r *bot.Request) error {
	cl, v, err := s.Checklist(ctx)
	if err != nil {
		return err
	}
	ws, err := s.o.Store.Windows(ctx, false)
	if err != nil {
		return err
	}
	if len(ws) == 0 {
		_, err := r.Reply(ctx, "还没有设置窗口名单，暂时无法填写报告。请联系管理员用 /windows 添加窗口。")
		return err
	}
	if err := r.ClearState(ctx, KindSupplement); err != nil {
		return err
	}
	d := &draft{ID: NewDraftID(), Step: stepWindow, Expires: s.now().Add(s.o.DraftTTL),
		ChecklistID: cl.ID, CodeVersionID: v.ID,
		Answers: map[string]Result{}, Notes: map[string]string{}, Photos: map[string][]PhotoRef{}}
	if err := s.saveDraft(ctx, r, d); err != nil {
		return err
	}
	m, err := s.render(ctx, d)
	if err != nil {
		return err
	}
	m.Text = "开始填写暗访报告。报告是匿名的：不记录您的账号、姓名和提交的具体时间。随时发送 /cancel 可取消。\n\n" + m.Text
	_, err = r.Send(ctx, m)
	return err
}

// formCancel is /cancel while a draft is open: the draft and its photos are deleted.
func (s *Service) formCancel(ctx context.Context, r *bot.Request) error {
	var d draft
	if r.State != nil {
		_, _ = s.openState(ctx, r, KindDraft, r.State.Data, &d)
	}
	if err := s.discard(ctx, r, &d); err != nil {
		return err
	}
	_, err := r.Reply(ctx, "已取消，草稿和照片已删除。")
	return err
}

// discard deletes the draft and its photos.
func (s *Service) discard(ctx context.Context, r *bot.Request, d *draft) error {
	if d.ID != "" {
		if err := s.o.Store.DeleteDraftPhotos(ctx, d.ID); err != nil {
			return err
		}
	}
	return r.ClearState(ctx, KindDraft)
}

// formButton handles every button of the form. The button's draft ID and revision are checked against the
// chat's own draft: a button of another, a finished or an older form is answered, not acted upon.
func (s *Service) formButton(ctx context.Context, r *bot.Request) error {
	if r.ChatType != bot.ChatPrivate {
		return r.Alert(ctx, "请在与我的私聊中填写报告。")
	}
	d, ok, err := s.loadDraft(ctx, r)
	if err != nil {
		return err
	}
	id, rev, action, arg := r.Arg(0), r.Arg(1), r.Arg(2), r.Arg(3)
	if !ok {
		// Filed, and the receipt never reached the inspector (a crash): it is shown now.
		if shown, err := s.pendingReceipt(ctx, r); err != nil || shown {
			if err == nil {
				_ = r.Answer(ctx, "报告已提交")
			}
			return err
		}
	}
	if !ok || d.ID != id || id == "" {
		return r.Alert(ctx, msgFormGone)
	}
	if !r.Has(bot.Inspector) {
		return r.Alert(ctx, msgRevoked)
	}
	if rev != strconv.Itoa(d.Rev) {
		return r.Alert(ctx, msgStale)
	}
	cl, err := s.o.Store.Checklist(ctx, d.ChecklistID)
	if err != nil {
		return err
	}
	notice, err := s.apply(ctx, r, d, cl, action, arg)
	if err != nil {
		return err
	}
	if d.Step == "" { // filed or cancelled: apply answered already
		return nil
	}
	if notice != "" {
		_ = r.Answer(ctx, notice)
	}
	if err := s.saveDraft(ctx, r, d); err != nil {
		return err
	}
	m, err := s.render(ctx, d)
	if err != nil {
		return err
	}
	return r.Edit(ctx, m)
}

// apply performs a button's action on the draft: go (resume: show the step as it was), new (delete the draft
// and start anew) and c (cancel, asking first) in any step, the step's own actions (formSteps) in it. It
// returns a short notice for the button's answer. An action that ends the draft (submit, confirmed cancel)
// answers and clears the step.
func (s *Service) apply(ctx context.Context, r *bot.Request, d *draft, cl *Checklist, action, arg string) (string, error) {
	f := &form{Service: s, ctx: ctx, r: r, d: d, cl: cl}
	switch action {
	case "go":
		return "", nil
	case "new":
		if err := s.o.Store.DeleteDraftPhotos(ctx, d.ID); err != nil {
			return "", err
		}
		if err := r.ClearState(ctx, KindDraft); err != nil {
			return "", err
		}
		_ = r.Answer(ctx, "已删除旧草稿")
		d.Step = ""
		if err := r.Edit(ctx, bot.Message{Text: "旧草稿已删除。"}); err != nil {
			return "", err
		}
		return "", s.startDraft(ctx, r)
	case "c":
		d.Step, d.Return = stepCancel, false
		return "", nil
	}
	st := steps[d.Step]
	if st == nil {
		return f.bad()
	}
	if action == "b" {
		if st.back == nil {
			return f.bad()
		}
		st.back(f)
		return "", nil
	}
	if h := st.buttons[action]; h != nil {
		return h(f, arg)
	}
	return f.bad()
}

// next moves the draft on after a step was answered: to the first step whose answer is missing, else as the
// step says (formStep.next): forward through the form, or back to the review when the step was changed from
// there.
func (s *Service) next(d *draft, cl *Checklist) {
	for _, st := range formSteps {
		if st.missing != nil && st.missing(d) {
			d.Step = st.name
			return
		}
	}
	if st := steps[d.Step]; st != nil && st.next != nil {
		st.next(d, cl)
		return
	}
	d.Step, d.Return = stepReview, false
}

func firstUnanswered(d *draft, cl *Checklist) int {
	for i, it := range cl.Items {
		if !d.Answers[it.Key].Valid() {
			return i
		}
	}
	return -1
}

func parseAnswer(arg string) (int, Result, bool) {
	a, b, ok := strings.Cut(arg, ".")
	i, err := strconv.Atoi(a)
	if !ok || err != nil || i < 0 {
		return 0, "", false
	}
	switch b {
	case "p":
		return i, Pass, true
	case "f":
		return i, Fail, true
	case "u":
		return i, Unobserved, true
	}
	return 0, "", false
}

// dropProposalsFor undoes adopted proposals of an item the inspector now answers otherwise than 不符合.
func (s *Service) dropProposalsFor(d *draft, key string, res Result) {
	if res == Fail {
		return
	}
	for i := range d.Proposals {
		if d.Proposals[i].ItemKey == key && d.Proposals[i].Adopted != nil && *d.Proposals[i].Adopted {
			no := false
			d.Proposals[i].Adopted = &no
		}
	}
}

func refIDs(refs []PhotoRef) []string {
	ids := make([]string, len(refs))
	for i, r := range refs {
		ids[i] = r.ID
	}
	return ids
}

// takeVisit sets the visit's day and moves on, or, when the calendar has the day as a day off (a weekend, a
// public holiday; a make-up working Saturday is a working day), first asks whether the visit really was on it.
func (s *Service) takeVisit(ctx context.Context, d *draft, cl *Checklist, day workday.Date) {
	d.Visit = day
	if d.Half != "" && s.futureHalf(d.Visit, d.Half) {
		d.Half, d.Return = "", false
	}
	if !s.calendar(ctx).IsWorkday(day) {
		d.Step = stepOffDay
		return
	}
	s.next(d, cl)
}

// offDayReason names why a day is off: 周末, or the holiday (国庆节假期).
func offDayReason(info workday.DayInfo) string {
	if info.Reason == "" || info.Reason == "周末" {
		return "周末"
	}
	return info.Reason + "假期"
}

// confirmWords are typed answers that confirm the day off.
var confirmWords = map[string]bool{"是": true, "是的": true, "确定": true, "确认": true, "对": true}

// checkVisitDate returns why a visit date cannot be taken, or "".
func (s *Service) checkVisitDate(d workday.Date) string {
	today := s.today()
	switch {
	case d.After(today):
		return "不能选择未来的日期。"
	case today.DaysSince(d) >= VisitWindowDays:
		return fmt.Sprintf("只能填写最近 %d 天内的暗访（%s 以后）。", VisitWindowDays, today.AddDays(-(VisitWindowDays - 1)).Chinese(today.Year))
	}
	return ""
}

// futureHalf reports whether the half-day of the date has not begun yet.
func (s *Service) futureHalf(d workday.Date, h HalfDay) bool {
	if d != s.today() || h != Afternoon {
		return false
	}
	return s.now().In(s.loc).Hour() < 12
}

// formInput handles the messages sent while a draft is open: typed dates and answers, notes, photos, the
// description. Anything else is answered with what the step expects; the draft is never lost.
func (s *Service) formInput(ctx context.Context, r *bot.Request) error {
	var d draft
	ok, err := s.openState(ctx, r, KindDraft, r.State.Data, &d)
	if err != nil {
		return fmt.Errorf("open draft: %w", err)
	}
	if !ok {
		_, err := r.Reply(ctx, msgFormGone)
		return err
	}
	d.init()
	if !r.Has(bot.Inspector) {
		_, err := r.Reply(ctx, msgRevoked)
		return err
	}
	if r.ChatType != bot.ChatPrivate {
		return bot.ErrPass
	}
	cl, err := s.o.Store.Checklist(ctx, d.ChecklistID)
	if err != nil {
		return err
	}
	text := strings.TrimSpace(r.Text)
	var notice string
	switch {
	case len(r.Photos) > 0:
		if !takesPhotos(d.Step) {
			return s.reprompt(ctx, r, &d, msgNoPhotoHere)
		}
		n, replied, err := s.takePhoto(ctx, r, &d, cl)
		if err != nil || replied {
			return err
		}
		notice = n
		if text == "" {
			break
		}
		// A caption is a note.
	case r.Document != nil:
		if takesPhotos(d.Step) {
			return s.reprompt(ctx, r, &d, msgDocumentNotPhoto)
		}
		return s.reprompt(ctx, r, &d, "现在不需要文件。"+msgUseButtons)
	case r.HasMedia || text == "":
		return s.reprompt(ctx, r, &d, msgMediaNotPhoto)
	}
	if text != "" {
		n, replied, err := s.typed(ctx, r, &d, cl, text)
		if err != nil || replied {
			return err
		}
		if notice == "" {
			notice = n
		} else if n != "" {
			notice += n
		}
	}
	if err := s.saveDraft(ctx, r, &d); err != nil {
		return err
	}
	m, err := s.render(ctx, &d)
	if err != nil {
		return err
	}
	if notice != "" {
		m.Text = notice + "\n\n" + m.Text
	}
	_, err = r.Send(ctx, m)
	return err
}

// typed takes a typed answer in the steps that take text (formStep.typed). replied is set when it has
// answered the inspector itself (a problem with the input) and the draft is to be left as it is.
func (s *Service) typed(ctx context.Context, r *bot.Request, d *draft, cl *Checklist, text string) (notice string, replied bool, err error) {
	f := &form{Service: s, ctx: ctx, r: r, d: d, cl: cl}
	if st := steps[d.Step]; st != nil && st.typed != nil {
		return st.typed(f, text)
	}
	return f.again(msgUseButtons)
}

func takesPhotos(st step) bool { return steps[st] != nil && steps[st].photos }

// matchWindow finds the window a typed text names: its number ("3", "3号", "3号窗口") or its label.
func matchWindow(ws []Window, t string) (Window, bool) {
	t = strings.TrimSpace(t)
	no := strings.TrimSuffix(strings.TrimSuffix(t, "窗口"), "号")
	for _, w := range ws {
		if w.No == no || w.Label() == t || w.Name == t {
			return w, true
		}
	}
	return Window{}, false
}

func typedResult(t string) (Result, bool) {
	switch t {
	case "符合":
		return Pass, true
	case "不符合":
		return Fail, true
	case "未观察", "没看到", "未看到":
		return Unobserved, true
	}
	return "", false
}

// reprompt tells the inspector what went wrong and shows the step again, below the message, with fresh
// buttons. The draft is saved unchanged but for its revision.
func (s *Service) reprompt(ctx context.Context, r *bot.Request, d *draft, msg string) error {
	if err := s.saveDraft(ctx, r, d); err != nil {
		return err
	}
	m, err := s.render(ctx, d)
	if err != nil {
		return err
	}
	m.Text = msg + "\n\n" + m.Text
	_, err = r.Send(ctx, m)
	return err
}

// takePhoto downloads the largest size of a photo, re-encodes it without metadata and keeps it with the
// draft's failed item. When the photo cannot be taken, it tells the inspector why and returns replied.
func (s *Service) takePhoto(ctx context.Context, r *bot.Request, d *draft, cl *Checklist) (notice string, replied bool, err error) {
	reply := func(msg string) (string, bool, error) { return "", true, s.reprompt(ctx, r, d, msg) }
	key := cl.Items[d.Cursor].Key
	total := 0
	for _, ps := range d.Photos {
		total += len(ps)
	}
	if len(d.Photos[key]) >= MaxPhotosPerItem || total >= MaxPhotosPerReport {
		return reply(fmt.Sprintf("照片已达上限（每项 %d 张，每份报告 %d 张），这张没有保存。", MaxPhotosPerItem, MaxPhotosPerReport))
	}
	p, _ := r.LargestPhoto()
	tooBig := fmt.Sprintf("照片太大了（超过 %d MB），没有保存。请压缩后重新发送；之前填写的内容都还在。", s.o.MaxPhotoBytes>>20)
	if p.Size > s.o.MaxPhotoBytes {
		return reply(tooBig)
	}
	data, err := r.Out.Download(ctx, p.FileID, s.o.MaxPhotoBytes)
	if errors.Is(err, bot.ErrTooLarge) {
		return reply(tooBig)
	}
	if err != nil {
		return "", false, fmt.Errorf("download photo: %w", err)
	}
	photo, err := ReencodeContext(ctx, data)
	if errors.Is(err, ErrPhotoTooLarge) {
		return reply(PhotoTooLargeNotice(err) + "之前填写的内容都还在。")
	}
	if errors.Is(err, ErrNotImage) {
		return reply("无法识别这张图片，没有保存。请发送 JPEG 或 PNG 照片。")
	}
	if err != nil {
		return "", false, err
	}
	if err := s.o.Store.PutDraftPhoto(ctx, d.ID, photo, d.Expires.Add(time.Hour).Truncate(time.Hour)); err != nil {
		return "", false, err
	}
	d.Photos[key] = append(d.Photos[key], photo.PhotoRef)
	return fmt.Sprintf("已收到第 %d 张照片（已去除拍摄地点、设备、时间等信息）。", len(d.Photos[key])), false, nil
}

// parseDay reads a typed day: 今天, 昨天, 前天, 11月2日, 11-02, 11/2, 2026-11-02.
func (s *Service) parseDay(t string) (workday.Date, bool) {
	today := s.today()
	t = strings.TrimSpace(strings.TrimSuffix(strings.TrimSuffix(strings.TrimSpace(t), "日"), "号"))
	switch t {
	case "今天", "今":
		return today, true
	case "昨天", "昨":
		return today.AddDays(-1), true
	case "前天":
		return today.AddDays(-2), true
	}
	t = strings.NewReplacer("年", "-", "月", "-", "/", "-", ".", "-").Replace(t)
	parts := strings.Split(t, "-")
	nums := make([]int, 0, 3)
	for _, p := range parts {
		n, err := strconv.Atoi(strings.TrimSpace(p))
		if err != nil {
			return workday.Date{}, false
		}
		nums = append(nums, n)
	}
	var d workday.Date
	switch len(nums) {
	case 2:
		d = workday.Date{Year: today.Year, Month: time.Month(nums[0]), Day: nums[1]}
		if d.After(today) && d.DaysSince(today) > 31 { // December's visit reported in January
			d.Year--
		}
	case 3:
		d = workday.Date{Year: nums[0], Month: time.Month(nums[1]), Day: nums[2]}
	default:
		return workday.Date{}, false
	}
	if d.Month < 1 || d.Month > 12 || d.Day < 1 || d.Day > 31 || d.AddDays(0) != d {
		return workday.Date{}, false
	}
	return d, true
}

// effective is the report the draft would file: each item's answer, with the adopted proposals making their
// items 不符合 and adding their sentences to the notes, and the findings.
func (s *Service) effective(d *draft, cl *Checklist) ([]ItemResult, []Finding) {
	answers := map[string]Result{}
	notes := map[string]string{}
	for k, v := range d.Answers {
		answers[k] = v
	}
	for k, v := range d.Notes {
		notes[k] = v
	}
	var extra []Finding
	for _, p := range d.Proposals {
		if p.Adopted == nil || !*p.Adopted {
			continue
		}
		if _, _, ok := cl.Item(p.ItemKey); ok {
			answers[p.ItemKey] = Fail
			if !strings.Contains(notes[p.ItemKey], p.Quote) {
				if notes[p.ItemKey] != "" {
					notes[p.ItemKey] += "\n"
				}
				notes[p.ItemKey] += "（描述）" + p.Quote
			}
			continue
		}
		extra = append(extra, Finding{Title: p.Title, Clauses: []string{p.Clause}, Note: p.Quote, Source: FromDescription})
	}
	items := make([]ItemResult, len(cl.Items))
	var findings []Finding
	for i, it := range cl.Items {
		items[i] = ItemResult{Item: it, Result: answers[it.Key]}
		if answers[it.Key] == Fail {
			findings = append(findings, Finding{ItemKey: it.Key, Title: it.Title, Clauses: append([]string(nil), it.Clauses...),
				Critical: it.Critical, Note: notes[it.Key], Source: FromChecklist, Photos: d.Photos[it.Key]})
		}
	}
	findings = append(findings, extra...)
	for i := range findings {
		findings[i].No = i + 1
	}
	return items, findings
}

// submit files the report exactly once: the draft is given the report's ID and receipt code and saved so
// before filing; Submit files the report, deletes the draft and leaves the sealed receipt in one transaction;
// only then is the inspector told, and the receipt deleted once it was sent. Pressed again after a crash at any
// point, 提交 files the same report ID (at most once) or, the draft gone, shows the receipt.
func (s *Service) submit(ctx context.Context, r *bot.Request, d *draft, cl *Checklist) error {
	items, findings := s.effective(d, cl)
	for i, it := range items {
		if !it.Result.Valid() {
			d.Step, d.Cursor, d.Return = stepItem, i, true
			return r.Alert(ctx, fmt.Sprintf("第 %d 项“%s”还没有填写。", i+1, it.Title))
		}
	}
	w, err := s.o.Store.Window(ctx, d.WindowID)
	if err != nil {
		return err
	}
	if msg := s.checkVisitDate(d.Visit); msg != "" {
		d.Step, d.Return = stepDate, true
		return r.Alert(ctx, "暗访日期已超出可填写的范围："+msg)
	}
	if d.ReportID == "" || d.Receipt == "" {
		d.ReportID, d.Receipt = NewID(), NewReceipt()
		if err := s.putDraft(ctx, r, d); err != nil {
			return err
		}
	}
	rep := &Report{ID: d.ReportID, WindowID: w.ID, WindowLabel: w.Label(), VisitDate: d.Visit, HalfDay: d.Half,
		Filed: s.today(), CodeVersionID: d.CodeVersionID, ChecklistID: cl.ID, Items: items, Findings: findings,
		Description: d.Description, State: Pending, ReceiptHash: ReceiptHash(d.Receipt)}
	rc := pendingReceipt{Code: d.Receipt, Window: w.Label(), Visit: d.Visit, Half: d.Half}
	box, err := s.sealer.seal(KindReceipt, r.ChatID, rc)
	if err != nil {
		return err
	}
	now := s.now()
	err = s.o.Store.Submit(ctx, Submission{Report: rep, DraftID: d.ID, StateChat: r.StateChat(), Receipt: box,
		ReceiptExpires: now.Add(receiptTTL), Updated: now.Truncate(time.Hour)})
	if errors.Is(err, ErrDuplicate) {
		// Filed by a press of the same draft an instant ago, which is showing the receipt.
		d.Step = ""
		return r.Answer(ctx, "报告已提交")
	}
	if err != nil {
		// The draft is untouched: the inspector can press 提交 again.
		s.log.LogAttrs(ctx, slog.LevelError, "inspect: filing a report failed", slog.String("error", err.Error()))
		d.Step = stepReview
		return r.Alert(ctx, "提交失败，草稿已保留，请稍后再点“提交”。")
	}
	// Filed: from here on the inspector must be told, whatever else fails.
	// Debug only, and without the report's ID: at info level, production logs would keep the instant of each
	// filing, which the report itself does not.
	s.log.LogAttrs(ctx, slog.LevelDebug, "inspect: report filed")
	s.notifier.Kick()
	d.Step = ""
	_ = r.Answer(ctx, "已提交")
	_ = r.Edit(ctx, bot.Message{Text: "✅ 暗访报告已提交\uff08" + rc.Window + "\uff0c" + rc.Visit.Chinese(s.today().Year) + " " + rc.Half.Chinese() + "\uff09。"})
	return s.deliverReceipt(ctx, r, rc, false)
}

// pendingReceipt is the receipt of a report filed from the chat, kept sealed (KindReceipt) until it was sent.
type pendingReceipt struct {
	Code   string       `json:"code"`
	Window string       `json:"win"`
	Visit  workday.Date `json:"visit"`
	Half   HalfDay      `json:"half"`
}

// deliverReceipt sends the receipt and then deletes the chat's KindReceipt state; when the send fails, the
// state stays and the receipt is shown on the chat's next update.
func (s *Service) deliverReceipt(ctx context.Context, r *bot.Request, rc pendingReceipt, again bool) error {
	text := "感谢您的工作！报告已提交，等待督查审核。"
	if again {
		text = "您的暗访报告（" + rc.Window + "，" + rc.Visit.Chinese(s.today().Year) + " " + rc.Half.Chinese() +
			"）已经提交成功，上次没能把回执码发给您，现在补发。"
	}
	if _, err := r.Reply(ctx, text+"\n\n回执码："+rc.Code+
		"\n\n发送 /status "+rc.Code+" 可查看处理进度、补充情况。回执码只显示这一次，系统只保存它的摘要，无法找回。请抄下后删除本条消息。"); err != nil {
		return err
	}
	return r.ClearState(ctx, KindReceipt)
}

// pendingReceipt shows the receipt of a report filed from the chat that the inspector was not shown (a crash
// after filing), once; shown is false when there was none.
func (s *Service) pendingReceipt(ctx context.Context, r *bot.Request) (shown bool, err error) {
	var rc pendingReceipt
	ok, err := s.loadSealed(ctx, r, KindReceipt, &rc)
	if err != nil || !ok {
		return false, err
	}
	return true, s.deliverReceipt(ctx, r, rc, true)
}

// receiptInput is any message (or /cancel) while a receipt waits: the receipt is shown.
func (s *Service) receiptInput(ctx context.Context, r *bot.Request) error {
	shown, err := s.pendingReceipt(ctx, r)
	if err != nil || shown {
		return err
	}
	return bot.ErrPass
}
