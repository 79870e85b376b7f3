package supervise

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/conductbot/conductbot/bot"
	"github.com/conductbot/conductbot/inspect"
)

// Limits of a window head's answer.
const (
	MaxAnswerLength = 2000
	MaxAnswerPhotos = 5
)

// requestText is what the window's responsible person is shown of a rectification: the window, the problem, the
// clauses it breaks with their text, the month it was found in, the deadline and the history. It leaves out the
// visit's day and half-day, the inspector's notes and photos and the report's description, which could let the
// window recall who the visitor was.
func (s *Service) requestText(ctx context.Context, rc *Rectification, wm map[int64]inspect.Window) string {
	code := s.code(ctx, 0)
	if rep, err := s.o.Reports.Report(ctx, rc.ReportID); err == nil {
		code = s.code(ctx, rep.CodeVersionID)
	}
	today := s.Today()
	var b strings.Builder
	crit := ""
	if rc.Critical {
		crit = "【关键项】"
	}
	fmt.Fprintf(&b, "窗口：%s\n", windowLabel(wm, rc.WindowID))
	fmt.Fprintf(&b, "问题：%s%s（暗访发现）\n", crit, rc.Title)
	fmt.Fprintf(&b, "依据：\n%s\n", clauseText(code, rc.Clauses, 200))
	fmt.Fprintf(&b, "状态：%s\n", rc.State.Chinese())
	fmt.Fprintf(&b, "要求整改：%s\n", s.chinese(rc.Required))
	fmt.Fprintf(&b, "整改期限：%s", s.chinese(rc.Deadline))
	if rc.Overdue(today) {
		fmt.Fprintf(&b, "（已逾期 %d 个工作日）", s.calendar(ctx).WorkdaysLate(rc.Deadline, today))
	}
	if rc.Reply != "" {
		fmt.Fprintf(&b, "\n\n整改情况（%s）：%s", s.chinese(rc.Replied), blockValue("", rc.Reply))
		if len(rc.Photos) > 0 {
			fmt.Fprintf(&b, "\n附照片 %d 张", len(rc.Photos))
		}
	}
	if len(rc.Events) > 0 {
		b.WriteString("\n\n记录：")
		for _, e := range rc.Events {
			fmt.Fprintf(&b, "\n%s %s", s.chinese(e.On), e.Action.Chinese())
			if !e.Deadline.IsZero() {
				fmt.Fprintf(&b, "，期限 %s", s.chinese(e.Deadline))
			}
			if e.Note != "" && e.Action != ActSubmitted {
				fmt.Fprintf(&b, "：%s", blockValue("", e.Note))
			}
		}
	}
	return b.String()
}

// notifyHead tells the window's responsible person about a rectification (new, sent back, or overdue) and
// returns a sentence for the supervisor saying whether they were told.
func (s *Service) notifyHead(ctx context.Context, out bot.Transport, rc *Rectification, returned bool) string {
	hs, err := s.heads(ctx)
	if err != nil {
		s.log.LogAttrs(ctx, slog.LevelWarn, "supervise: window heads unavailable", slog.String("error", err.Error()))
		return "（未能读取窗口负责人，没有发出通知。）"
	}
	h, ok := hs[rc.WindowID]
	if !ok {
		return "该窗口还没有登记负责人，没有发出通知；请管理员用 /heads 登记，负责人之后可用 /rectify 查看。"
	}
	wm, _, err := s.windows(ctx)
	if err != nil {
		return "（未能读取窗口，没有发出通知。）"
	}
	head := "🛠 整改通知"
	if returned {
		head = "↩ 整改被退回，请重新整改"
	}
	text := head + "\n\n" + s.requestText(ctx, rc, wm) + "\n\n整改后请点下面的按钮回复整改情况（可附照片）。"
	_, err = sendWhole(ctx, out, h.UserID, bot.Message{Text: text, Buttons: [][]bot.Button{
		bot.Row(bot.Btn("✍️ 回复整改情况", prefixHead, "a", rc.ID)),
	}})
	if errors.Is(err, bot.ErrBlocked) {
		return "负责人 " + s.userLabel(ctx, h.UserID) + " 还没有与机器人对话（或已屏蔽），无法通知；对方发送 /start 后可用 /rectify 查看。"
	}
	if err != nil {
		s.log.LogAttrs(ctx, slog.LevelWarn, "supervise: could not notify a window head", slog.String("error", err.Error()))
		return "通知负责人失败，请稍后用 /rectify 查看。"
	}
	if _, err := s.o.Store.MarkRectNotified(ctx, rc.ID, s.Today()); err != nil {
		s.log.LogAttrs(ctx, slog.LevelWarn, "supervise: marking a notification", slog.String("error", err.Error()))
	}
	return "已通知窗口负责人 " + s.userLabel(ctx, h.UserID) + "。"
}

// cmdRectify is /rectify: for supervisors every unfinished rectification, overdue ones first; for a window's
// responsible person their windows' requests; for anyone else an explanation.
func (s *Service) cmdRectify(ctx context.Context, r *bot.Request) error {
	if r.Has(bot.Supervisor) {
		m, err := s.superList(ctx)
		if err != nil {
			return err
		}
		_, err = r.Send(ctx, m)
		return err
	}
	ids, err := s.headedWindows(ctx, r.From.ID)
	if err != nil {
		return err
	}
	if len(ids) == 0 {
		_, err := r.Reply(ctx, "您还不是任何窗口的负责人，没有整改事项。窗口负责人由管理员登记。")
		return err
	}
	m, err := s.headList(ctx, ids)
	if err != nil {
		return err
	}
	// A draft kept from before (a chat left, a restart) is offered first.
	var st answerState
	ok, err := r.LoadState(ctx, KindAnswer, &st)
	if err != nil {
		return err
	}
	if ok {
		if rc, err := s.o.Store.Rectification(ctx, st.RectID); err == nil && rc.State == RectOpen && containsID(ids, rc.WindowID) {
			m.Text = clip16(fmt.Sprintf("📝 您有一份未提交的整改回复草稿：%s（%s），已保存，提交后才会交给督查人员。\n\n", rc.Title, st.summary()) + m.Text)
			m.Buttons = append([][]bot.Button{bot.Row(bot.Btn("✍️ 继续草稿", prefixHead, "a", rc.ID), bot.Btn("📤 提交草稿", prefixHead, "s", rc.ID))}, m.Buttons...)
		}
	}
	_, err = r.Send(ctx, m)
	return err
}

// headList lists a head's windows' unfinished rectifications and the ones accepted in the last 30 days.
func (s *Service) headList(ctx context.Context, windowIDs []int64) (bot.Message, error) {
	rects, err := s.o.Store.Rectifications(ctx, RectFilter{WindowIDs: windowIDs})
	if err != nil {
		return bot.Message{}, err
	}
	wm, _, err := s.windows(ctx)
	if err != nil {
		return bot.Message{}, err
	}
	today := s.Today()
	var b strings.Builder
	b.WriteString("🛠 本窗口的整改事项")
	var rows [][]bot.Button
	n := 0
	for _, rc := range rects {
		if rc.State == RectAccepted && rc.Closed.Before(today.AddDays(-30)) {
			continue
		}
		n++
		fmt.Fprintf(&b, "\n\n%d. %s · %s\uff08%s\uff09\n   %s，期限 %s", n, windowLabel(wm, rc.WindowID), rc.Title, clauseList(rc.Clauses),
			rc.State.Chinese(), s.chinese(rc.Deadline))
		if rc.Overdue(today) {
			b.WriteString("（已逾期）")
		}
		row := []bot.Button{bot.Btn(fmt.Sprintf("查看 %d", n), prefixHead, "v", rc.ID)}
		if rc.State == RectOpen {
			row = append(row, bot.Btn(fmt.Sprintf("✍️ 回复 %d", n), prefixHead, "a", rc.ID))
		}
		rows = append(rows, row)
		if n >= 30 {
			break
		}
	}
	if n == 0 {
		b.WriteString("\n\n目前没有整改事项。")
	}
	return bot.Message{Text: clip16(b.String()), Buttons: rows}, nil
}

// superList lists every unfinished rectification: overdue first, then those waiting for acceptance, then the
// others by deadline.
func (s *Service) superList(ctx context.Context) (bot.Message, error) {
	rects, err := s.o.Store.Rectifications(ctx, RectFilter{States: []RectState{RectOpen, RectSubmitted}})
	if err != nil {
		return bot.Message{}, err
	}
	wm, _, err := s.windows(ctx)
	if err != nil {
		return bot.Message{}, err
	}
	hs, err := s.heads(ctx)
	if err != nil {
		return bot.Message{}, err
	}
	today := s.Today()
	cal := s.calendar(ctx)
	var overdue, waiting, open []Rectification
	for _, rc := range rects {
		switch {
		case rc.Overdue(today):
			overdue = append(overdue, rc)
		case rc.State == RectSubmitted:
			waiting = append(waiting, rc)
		default:
			open = append(open, rc)
		}
	}
	var b strings.Builder
	fmt.Fprintf(&b, "🛠 未完成的整改 %d 项：逾期 %d，待验收 %d，整改中 %d", len(rects), len(overdue), len(waiting), len(open))
	var rows [][]bot.Button
	n := 0
	section := func(title string, list []Rectification) {
		if len(list) == 0 {
			return
		}
		b.WriteString("\n\n" + title)
		for _, rc := range list {
			n++
			if n > 40 {
				continue
			}
			fmt.Fprintf(&b, "\n%d. %s · %s\uff08%s\uff09· 期限 %s", n, windowLabel(wm, rc.WindowID), rc.Title, clauseList(rc.Clauses), s.chinese(rc.Deadline))
			if rc.Overdue(today) {
				fmt.Fprintf(&b, "，逾期 %d 个工作日", cal.WorkdaysLate(rc.Deadline, today))
			}
			if _, ok := hs[rc.WindowID]; !ok {
				b.WriteString("（未登记负责人）")
			}
			row := []bot.Button{bot.Btn(fmt.Sprintf("查看 %d", n), prefixSuper, "v", rc.ID)}
			if rc.State == RectSubmitted {
				row = append(row, bot.Btn(fmt.Sprintf("✅ 通过 %d", n), prefixSuper, "ok", rc.ID), bot.Btn(fmt.Sprintf("↩ 退回 %d", n), prefixSuper, "no", rc.ID))
			}
			rows = append(rows, row)
		}
	}
	section("⏰ 已逾期：", overdue)
	section("📥 待验收：", waiting)
	section("⏳ 整改中：", open)
	if n > 40 {
		fmt.Fprintf(&b, "\n\n……另有 %d 项未列出，请导出月度报表查看。", n-40)
	}
	if len(rects) == 0 {
		b.WriteString("\n\n没有未完成的整改。")
	}
	return bot.Message{Text: clip16(b.String()), Buttons: rows}, nil
}

// rectFor loads the rectification a button names.
func (s *Service) rectFor(ctx context.Context, r *bot.Request) (*Rectification, error) {
	id := r.Arg(1)
	if id == "" {
		return nil, ErrNotFound
	}
	return s.o.Store.Rectification(ctx, id)
}

// headButton handles the window head's buttons. Anyone may press a button, so every press checks that the
// presser is the responsible person of the rectification's window (or a supervisor, who may see it).
func (s *Service) headButton(ctx context.Context, r *bot.Request) error {
	rc, err := s.rectFor(ctx, r)
	if errors.Is(err, ErrNotFound) {
		return r.Alert(ctx, "此按钮已失效。")
	}
	if err != nil {
		return err
	}
	ids, err := s.headedWindows(ctx, r.From.ID)
	if err != nil {
		return err
	}
	isHead := containsID(ids, rc.WindowID)
	if !isHead && !(r.Arg(0) == "v" && r.Has(bot.Supervisor)) {
		return r.Alert(ctx, "抱歉，只有本窗口的负责人可以查看和回复这项整改。")
	}
	switch r.Arg(0) {
	case "v":
		wm, _, err := s.windows(ctx)
		if err != nil {
			return err
		}
		var rows [][]bot.Button
		if rc.State == RectOpen && isHead {
			rows = append(rows, bot.Row(bot.Btn("✍️ 回复整改情况", prefixHead, "a", rc.ID)))
		}
		_ = r.Answer(ctx, "")
		_, err = sendWhole(ctx, r.Out, r.ChatID, bot.Message{Text: "🛠 整改事项\n\n" + s.requestText(ctx, rc, wm), Buttons: rows})
		return err
	case "a", "x":
		if rc.State != RectOpen {
			return r.Alert(ctx, "这项整改现在是"+rc.State.Chinese()+"，不需要回复。")
		}
		var st answerState
		ok, err := r.LoadState(ctx, KindAnswer, &st)
		if err != nil {
			return err
		}
		if ok && st.RectID == rc.ID {
			// The draft is kept: pressing the button again (from /rectify, or an old notice) resumes it.
			_ = r.Answer(ctx, "")
			return s.resumeAnswer(ctx, r, rc, st)
		}
		if ok && r.Arg(0) == "a" {
			// Another rectification's draft: it is not thrown away without asking.
			other := "另一项整改"
			if orc, err := s.o.Store.Rectification(ctx, st.RectID); err == nil {
				other = "“" + orc.Title + "”"
			}
			_ = r.Answer(ctx, "")
			_, err := r.Reply(ctx, fmt.Sprintf("您还有%s的整改回复草稿没有提交（%s）。先继续那份，还是放弃它、回复这一项？", other, st.summary()),
				bot.Row(bot.Btn("✍️ 继续那份", prefixHead, "a", st.RectID), bot.Btn("🗑 放弃那份，回复这项", prefixHead, "x", rc.ID)))
			return err
		}
		if ok {
			if err := s.o.Store.DeleteDraftRectPhotos(ctx, st.RectID); err != nil {
				return err
			}
		}
		// Photos of an earlier draft of this rectification that expired belong to no answer.
		if err := s.o.Store.DeleteDraftRectPhotos(ctx, rc.ID); err != nil {
			return err
		}
		if err := r.SaveState(ctx, KindAnswer, answerState{RectID: rc.ID}, answerTTL); err != nil {
			return err
		}
		_ = r.Answer(ctx, "")
		_, err = r.Reply(ctx, fmt.Sprintf("请发送整改情况：做了哪些改进（文字，%d 字以内），可以再发照片（最多 %d 张）。发完后点“提交”。"+
			"写到一半离开也不要紧：草稿会保存 %d 天，发送 /rectify 继续；发送 /cancel 放弃。\n\n问题：%s（%s）",
			MaxAnswerLength, MaxAnswerPhotos, answerDays, rc.Title, clauseList(rc.Clauses)))
		return err
	case "s", "c":
		var st answerState
		ok, err := r.LoadState(ctx, KindAnswer, &st)
		if err != nil {
			return err
		}
		if !ok || st.RectID != rc.ID {
			return r.Alert(ctx, "这个回复已经结束，请重新点“回复整改情况”。")
		}
		if r.Arg(0) == "c" {
			return s.answerCancel(ctx, r)
		}
		return s.submitAnswer(ctx, r, rc, st)
	}
	return r.Alert(ctx, "此按钮已失效。")
}

func containsID(ids []int64, id int64) bool {
	for _, x := range ids {
		if x == id {
			return true
		}
	}
	return false
}

// answerState is a window head's answer being written: a draft kept as the chat's state (in the store, so it
// survives restarts) for answerTTL, until it is submitted or cancelled.
type answerState struct {
	RectID string   `json:"rect"`
	Text   string   `json:"text"`
	Photos []string `json:"photos"`
}

// answerDays is how long an answer's draft is kept.
const (
	answerDays = 7
	answerTTL  = answerDays * 24 * time.Hour
)

// summary is "文字 24 字，照片 1 张".
func (st answerState) summary() string {
	if st.Text == "" && len(st.Photos) == 0 {
		return "还没有内容"
	}
	return fmt.Sprintf("文字 %d 字，照片 %d 张", utf8.RuneCountInString(st.Text), len(st.Photos))
}

// resumeAnswer shows a kept draft with the buttons to submit or cancel it.
func (s *Service) resumeAnswer(ctx context.Context, r *bot.Request, rc *Rectification, st answerState) error {
	var b strings.Builder
	fmt.Fprintf(&b, "📝 继续回复整改情况\n问题：%s（%s）\n\n已保存的草稿（%s）：", rc.Title, clauseList(rc.Clauses), st.summary())
	if st.Text != "" {
		b.WriteString("\n" + indent(strings.TrimSpace(st.Text)))
	}
	b.WriteString("\n\n可以继续补充文字或照片，完成后点“提交”；发送 /cancel 放弃。")
	_, err := sendWhole(ctx, r.Out, r.ChatID, bot.Message{Text: b.String(), Buttons: answerButtons(rc.ID)})
	return err
}

func answerButtons(id string) [][]bot.Button {
	return [][]bot.Button{bot.Row(bot.Btn("📤 提交", prefixHead, "s", id), bot.Btn("取消", prefixHead, "c", id))}
}

// answerInput takes the text and photos of a window head's answer.
func (s *Service) answerInput(ctx context.Context, r *bot.Request) error {
	var st answerState
	if err := r.State.Decode(&st); err != nil {
		return err
	}
	rc, err := s.o.Store.Rectification(ctx, st.RectID)
	if errors.Is(err, ErrNotFound) {
		_ = r.ClearState(ctx, KindAnswer)
		_, err := r.Reply(ctx, "这项整改已不存在。")
		return err
	}
	if err != nil {
		return err
	}
	ids, err := s.headedWindows(ctx, r.From.ID)
	if err != nil {
		return err
	}
	if !containsID(ids, rc.WindowID) {
		_ = r.ClearState(ctx, KindAnswer)
		_, err := r.Reply(ctx, "您已不是该窗口的负责人，回复没有保存。")
		return err
	}
	text := strings.TrimSpace(r.Text)
	if r.Document != nil || r.HasMedia {
		_, err := r.Reply(ctx, "请发送文字或照片（以“照片”方式发送，不要作为文件）。", answerButtons(rc.ID)...)
		return err
	}
	var notes []string
	if p, ok := r.LargestPhoto(); ok {
		if len(st.Photos) >= MaxAnswerPhotos {
			_, err := r.Reply(ctx, fmt.Sprintf("最多附 %d 张照片，这张没有保存。", MaxAnswerPhotos), answerButtons(rc.ID)...)
			return err
		}
		data, err := r.Out.Download(ctx, p.FileID, inspect.MaxPhotoBytes)
		if errors.Is(err, bot.ErrTooLarge) {
			_, err := r.Reply(ctx, "照片太大了（超过 20 MB），请压缩后重新发送。", answerButtons(rc.ID)...)
			return err
		}
		if err != nil {
			return err
		}
		ph, err := inspect.ReencodeContext(ctx, data) // bounded: header checked first, few decoded at once
		if errors.Is(err, inspect.ErrPhotoTooLarge) {
			_, err := r.Reply(ctx, inspect.PhotoTooLargeNotice(err), answerButtons(rc.ID)...)
			return err
		}
		if errors.Is(err, inspect.ErrNotImage) {
			_, err := r.Reply(ctx, "这张照片无法识别，请重新拍摄后发送。", answerButtons(rc.ID)...)
			return err
		}
		if err != nil {
			return fmt.Errorf("rectification photo: %w", err)
		}
		if err := s.o.Store.PutRectPhoto(ctx, rc.ID, ph); err != nil {
			return err
		}
		st.Photos = append(st.Photos, ph.ID)
		notes = append(notes, fmt.Sprintf("已收到照片 %d 张。", len(st.Photos)))
	}
	if text != "" {
		combined := text
		if st.Text != "" {
			combined = st.Text + "\n" + text
		}
		if n := utf8.RuneCountInString(combined); n > MaxAnswerLength {
			_, err := r.Reply(ctx, fmt.Sprintf("整改情况太长了（%d 字），最多 %d 字。这段文字没有保存。", n, MaxAnswerLength), answerButtons(rc.ID)...)
			return err
		}
		st.Text = combined
		notes = append(notes, "已记下整改情况。")
	}
	if len(notes) == 0 {
		_, err := r.Reply(ctx, "请发送整改情况的文字或照片。", answerButtons(rc.ID)...)
		return err
	}
	if err := r.SaveState(ctx, KindAnswer, st, answerTTL); err != nil {
		return err
	}
	msg := strings.Join(notes, "") + "已保存草稿，中途离开也不会丢失，发送 /rectify 继续。\n"
	if st.Text == "" {
		msg += "还需要用文字说明整改情况。"
	} else {
		msg += "可以继续补充文字或照片，完成后点“提交”。"
	}
	_, err = r.Reply(ctx, msg, answerButtons(rc.ID)...)
	return err
}

func (s *Service) answerCancel(ctx context.Context, r *bot.Request) error {
	var st answerState
	if ok, err := r.LoadState(ctx, KindAnswer, &st); err != nil {
		return err
	} else if ok {
		if err := s.o.Store.DeleteDraftRectPhotos(ctx, st.RectID); err != nil {
			return err
		}
	}
	if err := r.ClearState(ctx, KindAnswer); err != nil {
		return err
	}
	_ = r.Answer(ctx, "")
	_, err := r.Reply(ctx, "已放弃回复，照片没有保存。")
	return err
}

func (s *Service) submitAnswer(ctx context.Context, r *bot.Request, rc *Rectification, st answerState) error {
	if strings.TrimSpace(st.Text) == "" {
		return r.Alert(ctx, "请先用文字说明整改情况，再提交。")
	}
	err := s.o.Store.SubmitRectification(ctx, rc.ID, st.Text, st.Photos, s.Today())
	if errors.Is(err, ErrConflict) {
		_ = r.ClearState(ctx, KindAnswer)
		return r.Alert(ctx, "这项整改的状态已经变化，回复没有提交。")
	}
	if err != nil {
		return err
	}
	if err := r.ClearState(ctx, KindAnswer); err != nil {
		return err
	}
	_ = r.Answer(ctx, "")
	if _, err := r.Reply(ctx, "已提交，等待督查人员验收。验收结果会通知您。"); err != nil {
		return err
	}
	rc, err = s.o.Store.Rectification(ctx, rc.ID)
	if err != nil {
		return err
	}
	wm, _, err := s.windows(ctx)
	if err != nil {
		return err
	}
	m := bot.Message{Text: "📥 整改回复待验收\n\n" + s.requestText(ctx, rc, wm), Buttons: superButtons(rc)}
	if err := s.tellSupervisors(ctx, r.Out, m); err != nil {
		s.log.LogAttrs(ctx, slog.LevelWarn, "supervise: telling supervisors of an answer", slog.String("error", err.Error()))
	}
	return nil
}

func superButtons(rc *Rectification) [][]bot.Button {
	var rows [][]bot.Button
	if rc.State == RectSubmitted {
		rows = append(rows, bot.Row(bot.Btn("✅ 验收通过", prefixSuper, "ok", rc.ID), bot.Btn("↩ 退回重改", prefixSuper, "no", rc.ID)))
	}
	var row []bot.Button
	if len(rc.Photos) > 0 {
		row = append(row, bot.Btn(fmt.Sprintf("📷 整改照片（%d）", len(rc.Photos)), prefixSuper, "ph", rc.ID))
	}
	row = append(row, bot.Btn("📄 原报告", prefixReview, "o", rc.ReportID))
	return append(rows, row)
}

// superRectButton handles the supervisors' buttons on rectifications.
func (s *Service) superRectButton(ctx context.Context, r *bot.Request) error {
	if !r.Has(bot.Supervisor) {
		return r.Alert(ctx, bot.Denied(bot.Supervisor))
	}
	rc, err := s.rectFor(ctx, r)
	if errors.Is(err, ErrNotFound) {
		return r.Alert(ctx, "此按钮已失效。")
	}
	if err != nil {
		return err
	}
	wm, _, err := s.windows(ctx)
	if err != nil {
		return err
	}
	switch r.Arg(0) {
	case "v":
		_ = r.Answer(ctx, "")
		head := "🛠 整改事项"
		if hs, err := s.heads(ctx); err == nil {
			if h, ok := hs[rc.WindowID]; ok {
				head += " · 负责人 " + s.userLabel(ctx, h.UserID)
			} else {
				head += " · 未登记负责人"
			}
		}
		_, err := sendWhole(ctx, r.Out, r.ChatID, bot.Message{Text: head + "\n\n" + s.requestText(ctx, rc, wm), Buttons: superButtons(rc)})
		return err
	case "ph":
		_ = r.Answer(ctx, "")
		for k, ref := range rc.Photos {
			p, err := s.o.Store.RectPhoto(ctx, ref.ID)
			if errors.Is(err, ErrNotFound) {
				continue
			}
			if err != nil {
				return err
			}
			caption := fmt.Sprintf("%s · 整改照片 %d/%d · %s", windowLabel(wm, rc.WindowID), k+1, len(rc.Photos), rc.Title)
			if _, err := r.Out.SendPhoto(ctx, r.ChatID, bot.File{Name: ref.ID + ".jpg", Data: p.Data}, bot.Message{Text: caption}); err != nil {
				return err
			}
		}
		return nil
	case "ok":
		err := s.o.Store.AcceptRectification(ctx, rc.ID, "", s.Today())
		if errors.Is(err, ErrConflict) {
			return r.Alert(ctx, "这项整改现在是"+rc.State.Chinese()+"，不能验收。")
		}
		if err != nil {
			return err
		}
		_ = r.Answer(ctx, "已验收通过。")
		if hs, err := s.heads(ctx); err == nil {
			if h, ok := hs[rc.WindowID]; ok {
				_, err := r.Out.Send(ctx, h.UserID, bot.Message{Text: fmt.Sprintf("✅ 整改已验收通过：%s · %s\uff08%s\uff09。谢谢！",
					windowLabel(wm, rc.WindowID), rc.Title, clauseList(rc.Clauses))})
				if err != nil && !errors.Is(err, bot.ErrBlocked) {
					s.log.LogAttrs(ctx, slog.LevelWarn, "supervise: telling a window head", slog.String("error", err.Error()))
				}
			}
		}
		rc, err = s.o.Store.Rectification(ctx, rc.ID)
		if err != nil {
			return err
		}
		return editWhole(ctx, r, bot.Message{Text: "✅ 已验收通过\n\n" + s.requestText(ctx, rc, wm), Buttons: superButtons(rc)})
	case "no":
		if rc.State != RectSubmitted {
			return r.Alert(ctx, "这项整改现在是"+rc.State.Chinese()+"，不能退回。")
		}
		if err := r.SaveState(ctx, KindReturn, returnState{RectID: rc.ID}, formTTL); err != nil {
			return err
		}
		_ = r.Answer(ctx, "")
		_, err := r.Reply(ctx, fmt.Sprintf("请输入退回的原因（必填，窗口负责人会看到）。新的期限为 %d 个工作日后（%s）。发送 /cancel 放弃。",
			s.o.RectifyDays, s.chinese(s.Deadline(ctx, s.Today(), 0))))
		return err
	}
	return r.Alert(ctx, "此按钮已失效。")
}

type returnState struct {
	RectID string `json:"rect"`
}

func (s *Service) returnInput(ctx context.Context, r *bot.Request) error {
	var st returnState
	if err := r.State.Decode(&st); err != nil {
		return err
	}
	why, err := reason(ctx, r)
	if why == "" || err != nil {
		return err
	}
	today := s.Today()
	deadline := s.Deadline(ctx, today, 0)
	err = s.o.Store.ReturnRectification(ctx, st.RectID, why, deadline, today)
	if cerr := r.ClearState(ctx, KindReturn); cerr != nil {
		return cerr
	}
	if errors.Is(err, ErrConflict) || errors.Is(err, ErrNotFound) {
		_, err := r.Reply(ctx, "这项整改的状态已经变化，没有退回。")
		return err
	}
	if err != nil {
		return err
	}
	rc, err := s.o.Store.Rectification(ctx, st.RectID)
	if err != nil {
		return err
	}
	notice := s.notifyHead(ctx, r.Out, rc, true)
	_, err = r.Reply(ctx, fmt.Sprintf("已退回，新的期限 %s。%s", s.chinese(deadline), notice))
	return err
}
