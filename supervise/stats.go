package supervise

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/conductbot/conductbot/bot"
	"github.com/conductbot/conductbot/inspect"
	"github.com/conductbot/conductbot/rules"
)

// Scores computes every window's score of month m: the active windows, and inactive ones that have confirmed
// reports in the month. Only confirmed reports (已确认, 整改中, 已整改) count.
func (s *Service) Scores(ctx context.Context, m Month) ([]WindowScore, error) {
	_, all, err := s.windows(ctx)
	if err != nil {
		return nil, err
	}
	cur, err := s.o.Store.Tallies(ctx, m.First(), m.Last(), Counted)
	if err != nil {
		return nil, err
	}
	prev, err := s.o.Store.Tallies(ctx, m.Prev().First(), m.Prev().Last(), Counted)
	if err != nil {
		return nil, err
	}
	adj, err := s.o.Store.Adjustments(ctx, m)
	if err != nil {
		return nil, err
	}
	var ws []inspect.Window
	for _, w := range all {
		if w.Active || cur[w.ID] != nil {
			ws = append(ws, w)
		}
	}
	return Scores(m, ws, cur, prev, adj, s.o.Scale), nil
}

// Overall adds up the windows' tallies: the center's confirmed reports and weighted compliance rate of the
// month.
func Overall(ss []WindowScore) (reports int, rate float64, ok bool) {
	var wp, wo int
	for i := range ss {
		reports += ss[i].Reports
		wp += ss[i].WeightPass
		wo += ss[i].WeightObserved
	}
	if wo > 0 {
		rate, ok = float64(wp)/float64(wo), true
	}
	return reports, rate, ok
}

// StatsText is the short text summary of a month sent with the chart.
func StatsText(m Month, ss []WindowScore, code *rules.Code) string {
	var b strings.Builder
	fmt.Fprintf(&b, "📊 %s 窗口服务规范化评分\n", m.Chinese())
	reports, rate, ok := Overall(ss)
	if !HasData(ss) {
		fmt.Fprintf(&b, "\n%s还没有已确认的暗访报告。只有督查确认的报告计入评分。", m.Chinese())
		return b.String()
	}
	withData := 0
	var without []string
	for i := range ss {
		if ss[i].Reports > 0 {
			withData++
		} else {
			without = append(without, ss[i].Window.Label())
		}
	}
	fmt.Fprintf(&b, "已确认报告 %d 份，涉及 %d 个窗口", reports, withData)
	if ok {
		fmt.Fprintf(&b, "；总体加权符合率 %s", Percent(rate))
	}
	b.WriteString("\n\n各窗口（加权符合率 · 较上月 · 报告数 · 关键项不符合 · 建议 / 最终调整）：")
	n := 0
	for i := range ss {
		w := &ss[i]
		if w.Reports == 0 {
			continue
		}
		n++
		fmt.Fprintf(&b, "\n%d. %s：", n, w.Window.Label())
		if w.Observed {
			b.WriteString(Percent(w.Compliance))
		} else {
			b.WriteString("无观察项")
		}
		switch d, ok := w.Trend(); {
		case ok:
			b.WriteString("（" + trendText(d) + "）")
		case !w.PrevObserved:
			b.WriteString("（上月无数据）")
		default:
			b.WriteString("（无法比较）")
		}
		fmt.Fprintf(&b, "· 报告 %d · 关键项 %d · 建议 %s", w.Reports, len(w.Critical), suggestionText(w.Suggestion))
		if w.Suggestion.Capped() {
			fmt.Fprintf(&b, "（合计 %s，按上限计）", signed(w.Suggestion.Raw))
		}
		if w.Adjustment != nil {
			fmt.Fprintf(&b, " · 最终 %s", FormatFinal(w.Adjustment.Final))
		} else {
			b.WriteString(" · 最终未定")
		}
	}
	if len(without) > 0 {
		fmt.Fprintf(&b, "\n\n本月无已确认报告的窗口：%s", bot.Clip(strings.Join(without, "、"), 300))
	}
	var allViol = map[string]int{}
	for i := range ss {
		for c, k := range ss[i].Violations {
			allViol[c] += k
		}
	}
	if top := TopClauses(allViol, 5); len(top) > 0 {
		b.WriteString("\n\n违规最多的条款（报告数）：")
		for _, c := range top {
			fmt.Fprintf(&b, "\n%s ×%d", clauseTitle(code, c.ClauseID), c.Count)
		}
	}
	var crit []string
	for i := range ss {
		for _, c := range ss[i].Critical {
			crit = append(crit, fmt.Sprintf("· %s %s %s：%s\uff08%s\uff09", ss[i].Window.Label(), c.VisitDate.Chinese(m.Year),
				c.HalfDay.Chinese(), c.Title, clauseList(c.Clauses)))
		}
	}
	if len(crit) > 0 {
		b.WriteString("\n\n关键项不符合：\n")
		if len(crit) > 15 {
			crit = append(crit[:15], fmt.Sprintf("……共 %d 项，详见导出的报表", len(crit)))
		}
		b.WriteString(strings.Join(crit, "\n"))
	}
	b.WriteString("\n\n建议调整分的算法见“ℹ️ 计算规则”；最终调整分由督查人员用“✏️ 调整分”记录（须写明理由）。")
	return b.String()
}

func trendText(d float64) string {
	switch {
	case d > 0:
		return fmt.Sprintf("↑%.1f", d)
	case d < 0:
		return fmt.Sprintf("↓%.1f", -d)
	}
	return "持平"
}

func suggestionText(sg Suggestion) string {
	if !sg.Basis {
		return "—"
	}
	return signed(sg.Points)
}

// signed writes points with their sign, a minus sign for negatives: +2, 0, −3.
func signed(n int) string {
	switch {
	case n > 0:
		return "+" + strconv.Itoa(n)
	case n < 0:
		return "\u2212" + strconv.Itoa(-n)
	}
	return "0"
}

// FormatFinal writes a final figure: +2, −1.5, 0.
func FormatFinal(f float64) string {
	s := strconv.FormatFloat(math.Abs(f), 'f', -1, 64)
	switch {
	case f > 0:
		return "+" + s
	case f < 0:
		return "\u2212" + s
	}
	return "0"
}

// reFinal is a final figure as typed: a plain decimal with at most two digits before the point and one after
// it. No exponents (1e-309 would be read as 0), no hexadecimal, no NaN or Inf, no digit separators.
var reFinal = regexp.MustCompile(`^[+-]?(?:[0-9]{1,2}(?:\.[0-9])?|\.[0-9])$`)

// ParseFinal reads a final figure: −5…+5 with at most one decimal, in ASCII or full-width digits and signs.
func ParseFinal(t string) (float64, error) {
	t = strings.TrimSpace(t)
	var b strings.Builder
	for _, r := range t {
		switch {
		case r >= '\uff10' && r <= '\uff19':
			r = '0' + (r - '\uff10')
		case r == '\uff0b':
			r = '+'
		case r == '\uff0d' || r == '\u2212' || r == '\u2014' || r == '\u2013':
			r = '-'
		case r == '\uff0e' || r == '\u3002':
			r = '.'
		}
		b.WriteRune(r)
	}
	t = strings.TrimSpace(strings.TrimSuffix(strings.TrimSuffix(b.String(), "分"), "points"))
	if !reFinal.MatchString(t) {
		return 0, fmt.Errorf("adjustment %q: not a plain number with at most one decimal", t)
	}
	f, err := strconv.ParseFloat(t, 64)
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
		return 0, fmt.Errorf("adjustment %q: not a number", t)
	}
	if math.Abs(f) > MaxAdjustment {
		return 0, fmt.Errorf("adjustment %v: outside -5…+5", f)
	}
	f = math.Round(f*10) / 10
	if f == 0 {
		f = 0 // not −0
	}
	return f, nil
}

// cmdStats is /stats [月份]: the chart of the month and its summary, with buttons to export, adjust and move
// between months.
func (s *Service) cmdStats(ctx context.Context, r *bot.Request) error {
	if !r.Has(bot.Supervisor) {
		_, err := r.Reply(ctx, bot.Denied(bot.Supervisor))
		return err
	}
	m, ok, err := s.monthArg(ctx, r, "用法：/stats 2026-11（不写则为本月）。")
	if !ok || err != nil {
		return err
	}
	if err := s.sendStats(ctx, r, m); err != nil {
		return err
	}
	// The reminders' figures are of the last 30 days, not of a month: they follow this month's scores only.
	if s.o.AfterStats != nil && m == s.CurrentMonth() {
		return s.o.AfterStats(ctx, r)
	}
	return nil
}

// monthArg reads the month argument of /stats and /export (this month when empty); ok is false after it
// replied with the usage.
func (s *Service) monthArg(ctx context.Context, r *bot.Request, usage string) (Month, bool, error) {
	m := s.CurrentMonth()
	a := strings.TrimSpace(r.Args)
	if a == "" {
		return m, true, nil
	}
	m, err := ParseMonthIn(a, s.CurrentMonth())
	if err != nil {
		msg := "月份的格式不对。" + usage
		if errors.Is(err, ErrMonthRange) {
			msg = MonthRangeNotice(s.CurrentMonth())
		}
		_, err := r.Reply(ctx, msg)
		return Month{}, false, err
	}
	return m, true, nil
}

// cmdExport is /export [月份]: the month's workbook and CSV files, as the button under /stats sends them.
func (s *Service) cmdExport(ctx context.Context, r *bot.Request) error {
	if !r.Has(bot.Supervisor) {
		_, err := r.Reply(ctx, bot.Denied(bot.Supervisor))
		return err
	}
	m, ok, err := s.monthArg(ctx, r, "用法：/export 2026-11（不写则为本月）。")
	if !ok || err != nil {
		return err
	}
	if s.CurrentMonth().Before(m) {
		_, err := r.Reply(ctx, "不能导出未来的月份。")
		return err
	}
	return s.sendExport(ctx, r, m)
}

func (s *Service) sendStats(ctx context.Context, r *bot.Request, m Month) error {
	ss, err := s.Scores(ctx, m)
	if err != nil {
		return err
	}
	code := s.code(ctx, 0)
	if HasData(ss) || anyPrev(ss) {
		png, err := Chart(m, ss, code)
		if err != nil {
			s.log.LogAttrs(ctx, slog.LevelError, "supervise: chart", slog.String("error", err.Error()))
		} else {
			caption := fmt.Sprintf("📊 %s：各窗口加权符合率（本月与上月）和违规最多的条款", m.Chinese())
			if _, err := r.Out.SendPhoto(ctx, r.ChatID, bot.File{Name: "stats-" + m.String() + ".png", Data: png}, bot.Message{Text: caption}); err != nil {
				return err
			}
		}
	}
	rows := [][]bot.Button{
		bot.Row(bot.Btn("📥 导出 Excel/CSV", prefixStats, "x", m.Compact()), bot.Btn("✏️ 调整分", prefixStats, "a", m.Compact())),
	}
	nav := []bot.Button{bot.Btn("◀ "+m.Prev().Chinese(), prefixStats, "m", m.Prev().Compact())}
	if m.Before(s.CurrentMonth()) {
		nav = append(nav, bot.Btn(m.Next().Chinese()+" ▶", prefixStats, "m", m.Next().Compact()))
	}
	nav = append(nav, bot.Btn("ℹ️ 计算规则", prefixStats, "h"))
	rows = append(rows, nav)
	text := StatsText(m, ss, code)
	if s.o.AfterStats != nil && m != s.CurrentMonth() {
		text += "\n\n每日提醒与每日一题的统计是最近 30 天的，不按月份统计，只随本月的 /stats 发送；也可以发送 /quizstats 查看。"
	}
	_, err = r.Reply(ctx, text, rows...)
	return err
}

func anyPrev(ss []WindowScore) bool {
	for i := range ss {
		if ss[i].PrevReports > 0 {
			return true
		}
	}
	return false
}

// statsButton handles the buttons under /stats.
func (s *Service) statsButton(ctx context.Context, r *bot.Request) error {
	if !r.Has(bot.Supervisor) {
		return r.Alert(ctx, bot.Denied(bot.Supervisor))
	}
	if r.Arg(0) == "h" {
		_ = r.Answer(ctx, "")
		_, err := r.Reply(ctx, s.o.Scale.Chinese()+"\n\n加权符合率 = 符合项权重之和 ÷ 已观察项（符合、不符合）权重之和，未观察项不计；只计督查确认的报告，按暗访日期所在月份统计。")
		return err
	}
	m, err := ParseMonth(r.Arg(1), Month{})
	if err != nil || len(r.Arg(1)) != 6 || s.CurrentMonth().Before(m) {
		return r.Alert(ctx, "此按钮已失效。")
	}
	switch r.Arg(0) {
	case "m":
		_ = r.Answer(ctx, "")
		return s.sendStats(ctx, r, m)
	case "x":
		_ = r.Answer(ctx, "正在生成报表……")
		return s.sendExport(ctx, r, m)
	case "a":
		ss, err := s.Scores(ctx, m)
		if err != nil {
			return err
		}
		var rows [][]bot.Button
		var row []bot.Button
		for i := range ss {
			w := &ss[i]
			label := w.Window.Label()
			if w.Adjustment != nil {
				label += " " + FormatFinal(w.Adjustment.Final)
			}
			row = append(row, bot.Btn(label, prefixStats, "w", m.Compact(), bot.ID(w.Window.ID)))
			if len(row) == 2 {
				rows = append(rows, row)
				row = nil
			}
			if len(rows) >= 40 {
				break
			}
		}
		if len(row) > 0 {
			rows = append(rows, row)
		}
		_ = r.Answer(ctx, "")
		_, err = r.Reply(ctx, fmt.Sprintf("%s：要记录哪个窗口的最终调整分？（也可以用 /adjust %s 窗口号 分数 理由）", m.Chinese(), m), rows...)
		return err
	case "w":
		id, ok := bot.ParseID(r.Arg(2))
		if !ok {
			return r.Alert(ctx, "此按钮已失效。")
		}
		sc, err := s.windowScore(ctx, m, id)
		if err != nil {
			if errors.Is(err, ErrNotFound) {
				return r.Alert(ctx, "没有这个窗口。")
			}
			return err
		}
		if err := r.SaveState(ctx, KindAdjust, adjustState{WindowID: id, Month: m.String()}, adjustTTL); err != nil {
			return err
		}
		_ = r.Answer(ctx, "")
		_, err = r.Reply(ctx, adjustPrompt(sc, nil))
		return err
	}
	return r.Alert(ctx, "此按钮已失效。")
}

func (s *Service) windowScore(ctx context.Context, m Month, windowID int64) (*WindowScore, error) {
	ss, err := s.Scores(ctx, m)
	if err != nil {
		return nil, err
	}
	for i := range ss {
		if ss[i].Window.ID == windowID {
			return &ss[i], nil
		}
	}
	return nil, ErrNotFound
}

func adjustPrompt(sc *WindowScore, draft *float64) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s · %s\n", sc.Window.Label(), sc.Month.Chinese())
	if sc.Observed {
		fmt.Fprintf(&b, "加权符合率 %s，已确认报告 %d 份，关键项不符合 %d 项\n", Percent(sc.Compliance), sc.Reports, len(sc.Critical))
	} else {
		fmt.Fprintf(&b, "已确认报告 %d 份，没有观察项\n", sc.Reports)
	}
	fmt.Fprintf(&b, "建议调整分：%s（%s）\n", suggestionText(sc.Suggestion), sc.Suggestion.Explain())
	if sc.Adjustment != nil {
		fmt.Fprintf(&b, "已记录的最终调整分：%s（%s，%s）\n", FormatFinal(sc.Adjustment.Final), sc.Adjustment.Reason,
			sc.Adjustment.Decided.Chinese(sc.Month.Year))
	}
	if draft != nil {
		fmt.Fprintf(&b, "\n草稿：最终调整分 %s，理由未填。请写明理由（也可以重新输入“分数 理由”）。", FormatFinal(*draft))
	} else {
		b.WriteString("\n请输入最终调整分（−5 到 +5，可有一位小数）和理由，例如：+2 本月服务明显改进，群众好评多。")
	}
	fmt.Fprintf(&b, "\n中途离开也不会丢失：草稿保存 %d 小时，发送 /adjust 继续；发送 /cancel 放弃。", int(adjustTTL/time.Hour))
	return b.String()
}

// adjustState is an adjustment being recorded through the form: the window and month, and the figure once
// typed without its reason. It is kept as the chat's state (in the store, across restarts) for adjustTTL.
type adjustState struct {
	WindowID int64    `json:"window"`
	Month    string   `json:"month"`
	Final    *float64 `json:"final,omitempty"`
}

// adjustTTL is how long the adjustment form's draft is kept.
const adjustTTL = 24 * time.Hour

func (s *Service) adjustInput(ctx context.Context, r *bot.Request) error {
	var st adjustState
	if err := r.State.Decode(&st); err != nil {
		return err
	}
	m, err := ParseMonth(st.Month, Month{})
	if err != nil {
		_ = r.ClearState(ctx, KindAdjust)
		return err
	}
	text := strings.TrimSpace(r.Text)
	if len(r.Photos) > 0 || r.Document != nil || r.HasMedia || text == "" {
		_, err := r.Reply(ctx, "请用文字输入调整分和理由，例如：+2 本月服务明显改进。草稿已保存；发送 /cancel 放弃。")
		return err
	}
	num, why, _ := strings.Cut(strings.ReplaceAll(text, "\u3000", " "), " ")
	if _, perr := ParseFinal(num); perr != nil && st.Final != nil {
		if s.now().Sub(r.State.Updated) > formTTL {
			// A draft left a while ago: a message now may be about something else. Show the draft first; the
			// next message is its reason.
			return s.resumeAdjust(ctx, r, st)
		}
		// The figure was given before: the whole text is its reason.
		num, why = FormatFinal(*st.Final), text
	}
	return s.recordAdjustment(ctx, r, m, st.WindowID, num, why, &st)
}

// cmdAdjustResume is /adjust without arguments while the adjustment form's draft is kept: it shows it again.
func (s *Service) cmdAdjustResume(ctx context.Context, r *bot.Request) (bool, error) {
	var st adjustState
	ok, err := r.LoadState(ctx, KindAdjust, &st)
	if err != nil || !ok {
		return false, err
	}
	m, err := ParseMonth(st.Month, Month{})
	if err != nil {
		return false, r.ClearState(ctx, KindAdjust)
	}
	if _, err := s.windowScore(ctx, m, st.WindowID); errors.Is(err, ErrNotFound) {
		return false, r.ClearState(ctx, KindAdjust)
	} else if err != nil {
		return false, err
	}
	return true, s.resumeAdjust(ctx, r, st)
}

// resumeAdjust shows the adjustment form's draft again and makes it the chat's active form, so that the next
// message goes to it.
func (s *Service) resumeAdjust(ctx context.Context, r *bot.Request, st adjustState) error {
	m, err := ParseMonth(st.Month, Month{})
	if err != nil {
		return r.ClearState(ctx, KindAdjust)
	}
	sc, err := s.windowScore(ctx, m, st.WindowID)
	if errors.Is(err, ErrNotFound) {
		return r.ClearState(ctx, KindAdjust)
	}
	if err != nil {
		return err
	}
	if err := r.SaveState(ctx, KindAdjust, st, adjustTTL); err != nil {
		return err
	}
	_, err = r.Reply(ctx, "📝 继续记录调整分（草稿已保存）\n"+adjustPrompt(sc, st.Final))
	return err
}

// cmdAdjust is /adjust [月份] 窗口号 分数 理由.
func (s *Service) cmdAdjust(ctx context.Context, r *bot.Request) error {
	if !r.Has(bot.Supervisor) {
		_, err := r.Reply(ctx, bot.Denied(bot.Supervisor))
		return err
	}
	const usage = "用法：/adjust [月份] 窗口号 分数 理由，例如 /adjust 2026-11 3 +2 本月服务明显改进（不写月份为本月）。也可以在 /stats 下点“✏️ 调整分”。"
	f := strings.Fields(r.Args)
	if len(f) == 0 {
		if resumed, err := s.cmdAdjustResume(ctx, r); resumed || err != nil {
			return err
		}
	}
	m := s.CurrentMonth()
	if len(f) > 0 {
		mm, err := ParseMonthIn(f[0], s.CurrentMonth())
		if errors.Is(err, ErrMonthRange) {
			_, err := r.Reply(ctx, MonthRangeNotice(s.CurrentMonth()))
			return err
		}
		if err == nil && (strings.Contains(f[0], "-") || strings.Contains(f[0], "月") || len(f[0]) == 6) {
			m, f = mm, f[1:]
		}
	}
	if len(f) < 2 {
		_, err := r.Reply(ctx, usage)
		return err
	}
	_, all, err := s.windows(ctx)
	if err != nil {
		return err
	}
	w, ok := matchWindow(all, f[0])
	if !ok {
		_, err := r.Reply(ctx, "没有窗口号为 "+f[0]+" 的窗口。\n"+usage)
		return err
	}
	return s.recordAdjustment(ctx, r, m, w.ID, f[1], strings.Join(f[2:], " "), nil)
}

// recordAdjustment checks and stores a supervisor's final figure with its reason, next to the suggestion. form
// is the adjustment form's draft when it came through the form (nil for /adjust): a figure given without its
// reason is kept in it.
func (s *Service) recordAdjustment(ctx context.Context, r *bot.Request, m Month, windowID int64, num, why string, form *adjustState) error {
	if s.CurrentMonth().Before(m) {
		_, err := r.Reply(ctx, "不能为未来的月份记录调整分。")
		return err
	}
	final, err := ParseFinal(num)
	if err != nil {
		msg := "调整分应为 −5 到 +5 之间的数，最多一位小数，例如 +2、−1.5、0。请重新输入。"
		if form != nil {
			msg += "草稿已保存；发送 /cancel 放弃。"
		}
		_, err := r.Reply(ctx, msg)
		return err
	}
	why = strings.TrimSpace(why)
	if utf8.RuneCountInString(why) < 2 {
		if form != nil {
			form.Final = &final
			if err := r.SaveState(ctx, KindAdjust, form, adjustTTL); err != nil {
				return err
			}
			_, err := r.Reply(ctx, fmt.Sprintf("已记下调整分 %s，已保存草稿。请写明理由（调整分是督查人员的裁量，理由必填），例如：本月服务明显改进。"+
				"中途离开也不会丢失，发送 /adjust 继续。", FormatFinal(final)))
			return err
		}
		_, err := r.Reply(ctx, "请写明理由（调整分是督查人员的裁量，理由必填），例如：/adjust 3 +2 本月服务明显改进。")
		return err
	}
	if utf8.RuneCountInString(why) > MaxReasonLength {
		_, err := r.Reply(ctx, fmt.Sprintf("理由太长了，最多 %d 字。", MaxReasonLength))
		return err
	}
	sc, err := s.windowScore(ctx, m, windowID)
	if errors.Is(err, ErrNotFound) {
		if form != nil {
			_ = r.ClearState(ctx, KindAdjust)
		}
		_, err := r.Reply(ctx, "没有这个窗口。")
		return err
	}
	if err != nil {
		return err
	}
	a := &Adjustment{WindowID: windowID, Month: m, Suggested: sc.Suggestion.Points, Final: final, Reason: why, Decided: s.Today()}
	if sc.Observed {
		c := sc.Compliance
		a.Compliance = &c
	}
	if err := s.o.Store.PutAdjustment(ctx, a); err != nil {
		return err
	}
	if form != nil {
		if err := r.ClearState(ctx, KindAdjust); err != nil {
			return err
		}
	}
	msg := fmt.Sprintf("已记录 %s %s 的最终调整分 %s（建议 %s），理由：%s。", sc.Window.Label(), m.Chinese(), FormatFinal(final),
		suggestionText(sc.Suggestion), why)
	if a.Rev > 1 {
		msg += fmt.Sprintf("这是第 %d 次记录，之前的记录都保留。", a.Rev)
	}
	_, err = r.Reply(ctx, msg)
	return err
}
