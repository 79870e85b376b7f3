package supervise

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/conductbot/conductbot/bot"
	"github.com/conductbot/conductbot/inspect"
)

// PageSize is the number of reports a page of /reports lists.
const PageSize = 8

// Filter selects the reports /reports lists. Zero fields select everything.
type Filter struct {
	WindowID int64
	Month    Month
	State    inspect.State
	Page     int // from 0
}

// stateCodes are the one-letter codes of states in callback data; "a" is all.
var stateCodes = map[inspect.State]string{inspect.Pending: "p", inspect.Confirmed: "c", inspect.Rejected: "j",
	inspect.Rectifying: "r", inspect.Rectified: "d"}

// args encodes the filter as callback arguments: window, month, state, page.
func (f Filter) args() []string {
	m := "0"
	if !f.Month.IsZero() {
		m = f.Month.Compact()
	}
	st := "a"
	if c, ok := stateCodes[f.State]; ok {
		st = c
	}
	return []string{bot.ID(f.WindowID), m, st, strconv.Itoa(f.Page)}
}

// parseFilter reads the arguments written by args; ok is false for anything else.
func parseFilter(a []string) (Filter, bool) {
	if len(a) != 4 {
		return Filter{}, false
	}
	var f Filter
	var ok bool
	if f.WindowID, ok = bot.ParseID(a[0]); !ok {
		return Filter{}, false
	}
	if a[1] != "0" {
		m, err := ParseMonth(a[1], Month{})
		if err != nil || len(a[1]) != 6 {
			return Filter{}, false
		}
		f.Month = m
	}
	if a[2] != "a" {
		found := false
		for st, c := range stateCodes {
			if c == a[2] {
				f.State, found = st, true
			}
		}
		if !found {
			return Filter{}, false
		}
	}
	p, err := strconv.Atoi(a[3])
	if err != nil || p < 0 || p > 10000 {
		return Filter{}, false
	}
	f.Page = p
	return f, true
}

func (f Filter) reportFilter() inspect.ReportFilter {
	rf := inspect.ReportFilter{WindowID: f.WindowID}
	if !f.Month.IsZero() {
		rf.From, rf.To = f.Month.First(), f.Month.Last()
	}
	if f.State != "" {
		rf.States = []inspect.State{f.State}
	}
	return rf
}

// cmdReports is /reports [月份] [状态] [窗口号]: the pending reports by default.
func (s *Service) cmdReports(ctx context.Context, r *bot.Request) error {
	if !r.Has(bot.Supervisor) {
		_, err := r.Reply(ctx, bot.Denied(bot.Supervisor))
		return err
	}
	f := Filter{State: inspect.Pending}
	if args := strings.Fields(r.Args); len(args) > 0 {
		_, all, err := s.windows(ctx)
		if err != nil {
			return err
		}
		stateGiven := false
		for _, a := range args {
			if st, ok := inspect.ParseState(a); ok {
				f.State, stateGiven = st, true
				continue
			}
			if a == "全部" || a == "all" {
				f.State, stateGiven = "", true
				continue
			}
			m, merr := ParseMonthIn(a, s.CurrentMonth())
			if errors.Is(merr, ErrMonthRange) {
				_, err := r.Reply(ctx, MonthRangeNotice(s.CurrentMonth()))
				return err
			}
			if merr == nil {
				f.Month = m
				if !stateGiven {
					f.State = ""
				}
				continue
			}
			if w, ok := matchWindow(all, a); ok {
				f.WindowID = w.ID
				if !stateGiven {
					f.State = ""
				}
				continue
			}
			_, err := r.Reply(ctx, "看不懂“"+bot.Clip(a, 20)+"”。用法：/reports [月份] [状态] [窗口号]，例如 /reports 2026-11 待审核 3\n"+
				"状态：待审核、已确认、已驳回、整改中、已整改、全部。")
			return err
		}
	}
	m, err := s.listView(ctx, f)
	if err != nil {
		return err
	}
	_, err = r.Send(ctx, m)
	return err
}

// matchWindow finds a window by its number, "3", "3号" or "3号窗口".
func matchWindow(ws []inspect.Window, t string) (inspect.Window, bool) {
	t = strings.TrimSuffix(strings.TrimSuffix(strings.TrimSpace(t), "窗口"), "号")
	for _, w := range ws {
		if w.No == t {
			return w, true
		}
	}
	return inspect.Window{}, false
}

func stateLabel(st inspect.State) string {
	if st == "" {
		return "全部"
	}
	return st.Chinese()
}

// listView is one page of reports with its filter and navigation.
func (s *Service) listView(ctx context.Context, f Filter) (bot.Message, error) {
	wm, _, err := s.windows(ctx)
	if err != nil {
		return bot.Message{}, err
	}
	rf := f.reportFilter()
	total, err := s.o.Reports.CountReports(ctx, rf)
	if err != nil {
		return bot.Message{}, err
	}
	pages := max(1, (total+PageSize-1)/PageSize)
	if f.Page >= pages {
		f.Page = pages - 1
	}
	rf.Limit, rf.Offset, rf.WithItems = PageSize, f.Page*PageSize, true
	reps, err := s.o.Reports.Reports(ctx, rf)
	if err != nil {
		return bot.Message{}, err
	}
	var b strings.Builder
	fmt.Fprintf(&b, "📋 暗访报告（第 %d/%d 页，共 %d 份）\n", f.Page+1, pages, total)
	win := "全部"
	if f.WindowID != 0 {
		win = windowLabel(wm, f.WindowID)
	}
	mon := "全部"
	if !f.Month.IsZero() {
		mon = f.Month.Chinese()
	}
	fmt.Fprintf(&b, "筛选：窗口 %s · 月份 %s · 状态 %s\n", win, mon, stateLabel(f.State))
	if len(reps) == 0 {
		b.WriteString("\n没有符合条件的报告。")
	}
	var rows [][]bot.Button
	var row []bot.Button
	for i, rep := range reps {
		n := f.Page*PageSize + i + 1
		fmt.Fprintf(&b, "\n%d. %s · %s · %s · %s", n, s.visitLabel(&rep), rep.WindowLabel, rep.State.Chinese(), problemsText(&rep))
		row = append(row, bot.Btn(strconv.Itoa(n), prefixReview, append([]string{"o", rep.ID}, f.args()...)...))
		if len(row) == 4 {
			rows = append(rows, row)
			row = nil
		}
	}
	if len(row) > 0 {
		rows = append(rows, row)
	}
	var nav []bot.Button
	if f.Page > 0 {
		p := f
		p.Page--
		nav = append(nav, bot.Btn("◀ 上一页", prefixReview, append([]string{"l"}, p.args()...)...))
	}
	if f.Page+1 < pages {
		p := f
		p.Page++
		nav = append(nav, bot.Btn("下一页 ▶", prefixReview, append([]string{"l"}, p.args()...)...))
	}
	if len(nav) > 0 {
		rows = append(rows, nav)
	}
	g := f
	g.Page = 0
	rows = append(rows, bot.Row(
		bot.Btn("🏢 窗口", prefixReview, append([]string{"fw"}, g.args()...)...),
		bot.Btn("📅 月份", prefixReview, append([]string{"fm"}, g.args()...)...),
		bot.Btn("🔖 状态", prefixReview, append([]string{"fs"}, g.args()...)...)))
	if len(reps) > 0 {
		b.WriteString("\n\n点编号查看报告。")
	}
	return bot.Message{Text: b.String(), Buttons: rows}, nil
}

// reviewButton handles every button of the review screens. The router let only supervisors and admins in;
// every action checks the report's state again in the store.
func (s *Service) reviewButton(ctx context.Context, r *bot.Request) error {
	if !r.Has(bot.Supervisor) {
		return r.Alert(ctx, bot.Denied(bot.Supervisor))
	}
	a := r.CallbackArgs
	if len(a) == 0 {
		return r.Alert(ctx, "此按钮已失效。")
	}
	switch a[0] {
	case "l", "fw", "fm", "fs":
		f, ok := parseFilter(a[1:])
		if !ok {
			return r.Alert(ctx, "此按钮已失效。")
		}
		var m bot.Message
		var err error
		switch a[0] {
		case "l":
			m, err = s.listView(ctx, f)
		default:
			m, err = s.filterMenu(ctx, a[0], f)
		}
		if err != nil {
			return err
		}
		return r.Edit(ctx, m)
	case "o", "g", "c", "r", "u", "q", "qd", "p":
		if len(a) < 2 {
			return r.Alert(ctx, "此按钮已失效。")
		}
		rep, err := s.o.Reports.Report(ctx, a[1])
		if errors.Is(err, inspect.ErrNotFound) {
			return r.Alert(ctx, "没有这份报告。")
		}
		if err != nil {
			return err
		}
		back, ok := parseFilter(a[2:])
		if !ok {
			back = Filter{State: inspect.Pending}
		}
		switch a[0] {
		case "o":
			m, err := s.reportView(ctx, rep, back, 0)
			if err != nil {
				return err
			}
			_, err = r.Send(ctx, m)
			return err
		case "g": // a page of the report, in place: sv:g:<report>:<page>:<filter…>
			page, err := strconv.Atoi(arg(a, 2))
			if err != nil || page < 0 || page > 1000 {
				return r.Alert(ctx, "此按钮已失效。")
			}
			if back, ok = parseFilter(a[3:]); !ok {
				back = Filter{State: inspect.Pending}
			}
			m, err := s.reportView(ctx, rep, back, page)
			if err != nil {
				return err
			}
			return r.Edit(ctx, m)
		case "c":
			return s.confirm(ctx, r, rep)
		case "r":
			return s.startReject(ctx, r, rep)
		case "u":
			return s.reopen(ctx, r, rep)
		case "q":
			return s.askDeadline(ctx, r, rep, a)
		case "qd":
			return s.require(ctx, r, rep, a)
		case "p":
			return s.sendReportPhotos(ctx, r, rep)
		}
	}
	return r.Alert(ctx, "此按钮已失效。")
}

// filterMenu offers the choices of one filter.
func (s *Service) filterMenu(ctx context.Context, which string, f Filter) (bot.Message, error) {
	var rows [][]bot.Button
	var row []bot.Button
	add := func(label string, g Filter) {
		g.Page = 0
		row = append(row, bot.Btn(label, prefixReview, append([]string{"l"}, g.args()...)...))
		if len(row) == 3 {
			rows = append(rows, row)
			row = nil
		}
	}
	var text string
	switch which {
	case "fw":
		text = "按窗口筛选："
		g := f
		g.WindowID = 0
		add("全部窗口", g)
		_, ws, err := s.windows(ctx)
		if err != nil {
			return bot.Message{}, err
		}
		for i, w := range ws {
			if i >= 47 {
				text += "\n（窗口较多，其余窗口请用 /reports 窗口号）"
				break
			}
			g := f
			g.WindowID = w.ID
			add(w.Label(), g)
		}
	case "fm":
		text = "按暗访月份筛选："
		g := f
		g.Month = Month{}
		add("全部月份", g)
		m := s.CurrentMonth()
		for i := 0; i < 12; i++ {
			g := f
			g.Month = m
			add(m.Chinese(), g)
			m = m.Prev()
		}
	case "fs":
		text = "按状态筛选："
		g := f
		g.State = ""
		add("全部状态", g)
		for _, st := range inspect.States {
			g := f
			g.State = st
			add(st.Chinese(), g)
		}
	}
	if len(row) > 0 {
		rows = append(rows, row)
	}
	rows = append(rows, bot.Row(bot.Btn("⬅ 返回", prefixReview, append([]string{"l"}, f.args()...)...)))
	return bot.Message{Text: text, Buttons: rows}, nil
}

// reportTitle names a report as people do: 暗访报告 · 3号窗口 不动产登记 · 11月3日上午.
func (s *Service) reportTitle(rep *inspect.Report) string {
	return "暗访报告 · " + rep.WindowLabel + " · " + s.visitLabel(rep)
}

// visitLabel is the visit's day and half-day: 11月3日上午.
func (s *Service) visitLabel(rep *inspect.Report) string {
	return s.chinese(rep.VisitDate) + rep.HalfDay.Chinese()
}

// findingCounts is how a list line and a report's heading count the problems: the findings (every one,
// from the checklist or the description) and how many of them are critical.
func findingCounts(rep *inspect.Report) (n, critical, fromChecklist int) {
	for _, f := range rep.Findings {
		n++
		if f.Critical {
			critical++
		}
		if f.Source == inspect.FromChecklist {
			fromChecklist++
		}
	}
	return n, critical, fromChecklist
}

// problemsText is "问题 3 项（关键 1）", or "无问题".
func problemsText(rep *inspect.Report) string {
	n, crit, _ := findingCounts(rep)
	if n == 0 {
		return "无问题"
	}
	t := fmt.Sprintf("问题 %d 项", n)
	if crit > 0 {
		t += fmt.Sprintf("（关键 %d）", crit)
	}
	return t
}

// pageLimit is the most a page of a report holds (UTF-16 units), leaving room for its title and for a line
// put before it (已驳回 …) within one Telegram message.
const pageLimit = bot.MaxMessageLen - 600

// reportPage is one message of a report: its text (without the title line) and the findings it shows.
type reportPage struct {
	text     string
	findings []int
}

// block is a part of a report that is kept on one page when it fits; finding is its finding's number, or 0.
type block struct {
	text    string
	finding int
}

// paginate packs blocks into pages of at most limit UTF-16 units, never cutting a block that fits a page; a
// block longer than a page is split over pages at line or sentence ends. Nothing is left out.
func paginate(blocks []block, limit int) []reportPage {
	var pages []reportPage
	var cur reportPage
	flush := func() {
		if cur.text != "" {
			pages = append(pages, cur)
		}
		cur = reportPage{}
	}
	for _, b := range blocks {
		if b.text == "" {
			continue
		}
		sep := ""
		if cur.text != "" {
			sep = "\n\n"
		}
		if bot.Len16(cur.text+sep+b.text) <= limit {
			cur.text += sep + b.text
			if b.finding > 0 {
				cur.findings = append(cur.findings, b.finding)
			}
			continue
		}
		flush()
		parts := bot.SplitText(b.text, limit)
		for i, part := range parts {
			if i > 0 {
				flush()
			}
			cur.text = part
			if b.finding > 0 {
				cur.findings = append(cur.findings, b.finding)
			}
		}
	}
	flush()
	if len(pages) == 0 {
		pages = []reportPage{{}}
	}
	return pages
}

// reportPages renders a report for a supervisor, whole: the window, the visit, the answers, every finding with
// the clauses it breaks, its full note and its photos' count, the description, the inspector's supplements, the
// history and the rectifications. Long reports take several pages; nothing is cut. Nothing in it concerns
// who filed the report: reports keep nothing of that, and the view does not show even the day it was filed.
func (s *Service) reportPages(ctx context.Context, rep *inspect.Report) ([]reportPage, map[int]bool, int, error) {
	code := s.code(ctx, rep.CodeVersionID)
	rects, err := s.o.Store.Rectifications(ctx, RectFilter{ReportIDs: []string{rep.ID}})
	if err != nil {
		return nil, nil, 0, err
	}
	byFinding := map[int][]Rectification{}
	for _, rc := range rects {
		byFinding[rc.FindingNo] = append(byFinding[rc.FindingNo], rc)
	}
	today := s.Today()
	var blocks []block
	var b strings.Builder
	c := rep.Counts()
	fmt.Fprintf(&b, "状态：%s", rep.State.Chinese())
	if rep.StateReason != "" && rep.State == inspect.Rejected {
		fmt.Fprintf(&b, "（驳回原因：%s）", rep.StateReason)
	}
	fmt.Fprintf(&b, "\n检查结果：符合 %d 项，不符合 %d 项", c.Pass, c.Fail)
	if c.CriticalFail > 0 {
		fmt.Fprintf(&b, "（其中关键项 %d 项）", c.CriticalFail)
	}
	fmt.Fprintf(&b, "，未观察 %d 项", c.Unobserved)
	if c.WeightObserved > 0 {
		fmt.Fprintf(&b, "；加权符合率 %s", Percent(float64(c.WeightPass)/float64(c.WeightObserved)))
	}
	blocks = append(blocks, block{text: b.String()})
	if len(rep.Items) > 0 {
		b.Reset()
		b.WriteString("检查项：")
		for _, it := range rep.Items {
			crit := ""
			if it.Critical {
				crit = "【关键】"
			}
			fmt.Fprintf(&b, "\n%s %s%s（%s）", it.Result.Symbol(), crit, it.Title, it.ClauseList())
		}
		blocks = append(blocks, block{text: b.String()})
	}
	canRectify := rep.State == inspect.Confirmed || rep.State == inspect.Rectifying || rep.State == inspect.Rectified
	rectifiable := map[int]bool{}
	photos := 0
	if n, _, fromList := findingCounts(rep); n > 0 {
		head := fmt.Sprintf("问题（%d 项）：", n)
		if fromList != n {
			head = fmt.Sprintf("问题（%d 项：检查项不符合 %d 项，情况描述中另有 %d 项）：", n, fromList, n-fromList)
		}
		blocks = append(blocks, block{text: head})
	}
	for i, f := range rep.Findings {
		b.Reset()
		crit := ""
		if f.Critical {
			crit = "【关键】"
		}
		fmt.Fprintf(&b, "%d. %s%s\n%s", f.No, crit, f.Title, indent(clauseText(code, f.Clauses, 0)))
		if f.Note != "" {
			fmt.Fprintf(&b, "\n   说明：%s", blockValue("   ", f.Note))
		}
		if len(f.Photos) > 0 {
			fmt.Fprintf(&b, "\n   照片 %d 张（点“📷 照片”查看）", len(f.Photos))
			photos += len(f.Photos)
		}
		unfinished := false
		for _, rc := range byFinding[f.No] {
			fmt.Fprintf(&b, "\n   整改：%s，期限 %s", rc.State.Chinese(), s.chinese(rc.Deadline))
			if rc.Overdue(today) {
				b.WriteString("（已逾期）")
			}
			if rc.State != RectAccepted {
				unfinished = true
			}
		}
		if canRectify && !unfinished {
			rectifiable[f.No] = true
		}
		text := b.String()
		if i == 0 {
			// The heading stays with the first finding.
			blocks[len(blocks)-1].text += "\n" + text
			blocks[len(blocks)-1].finding = f.No
			continue
		}
		blocks = append(blocks, block{text: text, finding: f.No})
	}
	if rep.Description != "" {
		blocks = append(blocks, block{text: "情况描述：" + blockValue("", rep.Description)})
	}
	if len(rep.Supplements) > 0 {
		blocks = append(blocks, block{text: "补充："})
		for i, sp := range rep.Supplements {
			t := fmt.Sprintf("%d. %s %s", sp.No, s.chinese(sp.Added), blockValue("", sp.Text))
			if i == 0 {
				blocks[len(blocks)-1].text += "\n" + t
				continue
			}
			blocks = append(blocks, block{text: t})
		}
	}
	// The first event is the filing: its day is left out, like the filing day itself.
	if len(rep.Events) > 1 {
		b.Reset()
		b.WriteString("处理记录：")
		for _, e := range rep.Events[1:] {
			fmt.Fprintf(&b, "\n%s %s", s.chinese(e.On), e.State.Chinese())
			if e.Reason != "" {
				fmt.Fprintf(&b, "：%s", blockValue("", e.Reason))
			}
		}
		blocks = append(blocks, block{text: b.String()})
	}
	blocks = append(blocks, block{text: "编号：" + rep.ID})
	return paginate(blocks, pageLimit), rectifiable, photos, nil
}

// reportView shows page page (from 0) of a report to a supervisor, with the buttons to act on it, to require
// rectification of the findings on the page, to turn the pages and to go back to the list.
func (s *Service) reportView(ctx context.Context, rep *inspect.Report, back Filter, page int) (bot.Message, error) {
	pages, rectifiable, photos, err := s.reportPages(ctx, rep)
	if err != nil {
		return bot.Message{}, err
	}
	page = max(0, min(page, len(pages)-1))
	p := pages[page]
	title := "📄 " + s.reportTitle(rep)
	if len(pages) > 1 {
		title += fmt.Sprintf("（第 %d/%d 页）", page+1, len(pages))
	}
	text := title + "\n" + p.text
	if page+1 < len(pages) {
		text += "\n\n（未完，点“下一页 ▶”继续）"
	}
	var rows [][]bot.Button
	var act []bot.Button
	switch rep.State {
	case inspect.Pending:
		act = append(act, bot.Btn("✅ 确认", prefixReview, "c", rep.ID), bot.Btn("❌ 驳回", prefixReview, "r", rep.ID))
	case inspect.Confirmed:
		act = append(act, bot.Btn("❌ 驳回", prefixReview, "r", rep.ID))
	case inspect.Rejected:
		act = append(act, bot.Btn("↩ 重新审核", prefixReview, "u", rep.ID))
	}
	if photos > 0 {
		act = append(act, bot.Btn(fmt.Sprintf("📷 照片（%d）", photos), prefixReview, "p", rep.ID))
	}
	if len(act) > 0 {
		rows = append(rows, act)
	}
	var rectRow []bot.Button
	for _, no := range p.findings {
		if !rectifiable[no] || containsInt(seenIn(pages[:page]), no) {
			continue
		}
		rectRow = append(rectRow, bot.Btn(fmt.Sprintf("🛠 整改 %d", no), prefixReview, "q", rep.ID, strconv.Itoa(no)))
		if len(rectRow) == 4 {
			rows = append(rows, rectRow)
			rectRow = nil
		}
	}
	if len(rectRow) > 0 {
		rows = append(rows, rectRow)
	}
	if len(pages) > 1 {
		var nav []bot.Button
		if page > 0 {
			nav = append(nav, bot.Btn("◀ 上一页", prefixReview, append([]string{"g", rep.ID, strconv.Itoa(page - 1)}, back.args()...)...))
		}
		if page+1 < len(pages) {
			nav = append(nav, bot.Btn("下一页 ▶", prefixReview, append([]string{"g", rep.ID, strconv.Itoa(page + 1)}, back.args()...)...))
		}
		rows = append(rows, nav)
	}
	rows = append(rows, bot.Row(bot.Btn("⬅ 报告列表", prefixReview, append([]string{"l"}, back.args()...)...)))
	return bot.Message{Text: text, Buttons: rows}, nil
}

// seenIn lists the findings of pages (a finding split over pages gets its button on its first page).
func seenIn(pages []reportPage) []int {
	var out []int
	for _, p := range pages {
		out = append(out, p.findings...)
	}
	return out
}

func indent(s string) string { return "   " + strings.ReplaceAll(s, "\n", "\n   ") }

// block writes a field's value after its label: on the same line when it is one line; otherwise from the next
// line on, every line indented under the label (a note merged from several, a description of paragraphs), so
// that no line of it starts at the left edge as if it were a field of its own. indent is the label's.
func blockValue(indent, value string) string {
	value = strings.TrimSpace(strings.ReplaceAll(value, "\r\n", "\n"))
	if !strings.Contains(value, "\n") {
		return value
	}
	var lines []string
	for _, l := range strings.Split(value, "\n") {
		if l = strings.TrimSpace(l); l != "" {
			lines = append(lines, indent+"   "+l)
		}
	}
	return "\n" + strings.Join(lines, "\n")
}

// refresh shows the report again after a change, in place of the message whose button was pressed.
func (s *Service) refresh(ctx context.Context, r *bot.Request, id string) error {
	rep, err := s.o.Reports.Report(ctx, id)
	if err != nil {
		return err
	}
	m, err := s.reportView(ctx, rep, Filter{State: inspect.Pending}, 0)
	if err != nil {
		return err
	}
	return r.Edit(ctx, m)
}

func (s *Service) confirm(ctx context.Context, r *bot.Request, rep *inspect.Report) error {
	err := s.o.Reports.SetReportState(ctx, rep.ID, inspect.Pending, inspect.Confirmed, "", s.Today())
	if errors.Is(err, inspect.ErrConflict) {
		_ = r.Alert(ctx, "报告的状态已经变化（现在是"+rep.State.Chinese()+"），请重新打开。")
		return s.refresh(ctx, r, rep.ID)
	}
	if err != nil {
		return err
	}
	_ = r.Answer(ctx, "已确认，这份报告计入窗口评分。")
	return s.refresh(ctx, r, rep.ID)
}

func (s *Service) reopen(ctx context.Context, r *bot.Request, rep *inspect.Report) error {
	err := s.o.Reports.SetReportState(ctx, rep.ID, inspect.Rejected, inspect.Pending, "重新审核", s.Today())
	if errors.Is(err, inspect.ErrConflict) {
		_ = r.Alert(ctx, "报告的状态已经变化，请重新打开。")
		return s.refresh(ctx, r, rep.ID)
	}
	if err != nil {
		return err
	}
	_ = r.Answer(ctx, "已改回待审核。")
	return s.refresh(ctx, r, rep.ID)
}

// rejectState is the form of a rejection's reason.
type rejectState struct {
	ReportID string        `json:"report"`
	From     inspect.State `json:"from"`
}

func (s *Service) startReject(ctx context.Context, r *bot.Request, rep *inspect.Report) error {
	if !inspect.CanMove(rep.State, inspect.Rejected) {
		return r.Alert(ctx, "这份报告现在是"+rep.State.Chinese()+"，不能驳回。")
	}
	if err := r.SaveState(ctx, KindReject, rejectState{ReportID: rep.ID, From: rep.State}, formTTL); err != nil {
		return err
	}
	_ = r.Answer(ctx, "")
	_, err := r.Reply(ctx, fmt.Sprintf("请输入驳回“%s · %s”这份报告的原因（必填，%d 字以内）。暗访人员凭回执码可以看到这个原因。发送 /cancel 放弃。",
		rep.WindowLabel, s.visitLabel(rep), MaxReasonLength))
	return err
}

// reason checks a typed reason: text only, not empty, not too long. It returns the reason, or replies and
// returns "".
func reason(ctx context.Context, r *bot.Request) (string, error) {
	text := strings.TrimSpace(r.Text)
	if len(r.Photos) > 0 || r.Document != nil || r.HasMedia || text == "" {
		_, err := r.Reply(ctx, "请用文字写明原因，或发送 /cancel 放弃。")
		return "", err
	}
	if n := utf8.RuneCountInString(text); n > MaxReasonLength {
		_, err := r.Reply(ctx, fmt.Sprintf("原因太长了（%d 字），最多 %d 字，请精简后重新发送。", n, MaxReasonLength))
		return "", err
	}
	if utf8.RuneCountInString(text) < 2 {
		_, err := r.Reply(ctx, "原因太短了，请写明具体原因。")
		return "", err
	}
	return text, nil
}

func (s *Service) rejectInput(ctx context.Context, r *bot.Request) error {
	var st rejectState
	if err := r.State.Decode(&st); err != nil {
		return err
	}
	why, err := reason(ctx, r)
	if why == "" || err != nil {
		return err
	}
	err = s.o.Reports.SetReportState(ctx, st.ReportID, st.From, inspect.Rejected, why, s.Today())
	if cerr := r.ClearState(ctx, KindReject); cerr != nil {
		return cerr
	}
	if errors.Is(err, inspect.ErrConflict) || errors.Is(err, inspect.ErrNotFound) {
		_, err := r.Reply(ctx, "报告的状态已经变化，没有驳回。请用 /reports 重新打开。")
		return err
	}
	if err != nil {
		return err
	}
	rep, err := s.o.Reports.Report(ctx, st.ReportID)
	if err != nil {
		return err
	}
	m, err := s.reportView(ctx, rep, Filter{State: inspect.Pending}, 0)
	if err != nil {
		return err
	}
	m.Text = "已驳回，暗访人员凭回执码可以看到原因。\n\n" + m.Text
	_, err = r.Send(ctx, m)
	return err
}

// findingOf returns finding no of the report.
func findingOf(rep *inspect.Report, arg string) (inspect.Finding, bool) {
	no, err := strconv.Atoi(arg)
	if err != nil {
		return inspect.Finding{}, false
	}
	for _, f := range rep.Findings {
		if f.No == no {
			return f, true
		}
	}
	return inspect.Finding{}, false
}

// deadlineChoices are the numbers of working days offered for a rectification.
var deadlineChoices = []int{3, 5, 10, 15}

// askDeadline offers deadlines for the rectification of a finding.
func (s *Service) askDeadline(ctx context.Context, r *bot.Request, rep *inspect.Report, a []string) error {
	f, ok := findingOf(rep, arg(a, 2))
	if !ok {
		return r.Alert(ctx, "此按钮已失效。")
	}
	today := s.Today()
	var b strings.Builder
	fmt.Fprintf(&b, "要求 %s 整改问题 %d：%s\uff08%s\uff09\n\n请选择整改期限（按工作日计算，节假日顺延）：", rep.WindowLabel, f.No, f.Title, clauseList(f.Clauses))
	var row []bot.Button
	choices := append([]int(nil), deadlineChoices...)
	if !containsInt(choices, s.o.RectifyDays) {
		choices = append(choices, s.o.RectifyDays)
	}
	var rows [][]bot.Button
	for _, n := range choices {
		label := fmt.Sprintf("%d 个工作日（%s）", n, s.chinese(s.Deadline(ctx, today, n)))
		if n == s.o.RectifyDays {
			label = "⭐ " + label
		}
		row = append(row, bot.Btn(label, prefixReview, "qd", rep.ID, strconv.Itoa(f.No), strconv.Itoa(n)))
		if len(row) == 2 {
			rows = append(rows, row)
			row = nil
		}
	}
	if len(row) > 0 {
		rows = append(rows, row)
	}
	rows = append(rows, bot.Row(bot.Btn("⬅ 返回报告", prefixReview, "o", rep.ID)))
	_ = r.Answer(ctx, "")
	_, err := r.Reply(ctx, b.String(), rows...)
	return err
}

func containsInt(xs []int, x int) bool {
	for _, y := range xs {
		if y == x {
			return true
		}
	}
	return false
}

func arg(a []string, i int) string {
	if i < len(a) {
		return a[i]
	}
	return ""
}

// require creates the rectification of a finding and tells the window's responsible person.
func (s *Service) require(ctx context.Context, r *bot.Request, rep *inspect.Report, a []string) error {
	f, ok := findingOf(rep, arg(a, 2))
	days, err := strconv.Atoi(arg(a, 3))
	if !ok || err != nil || days < 1 || days > 60 {
		return r.Alert(ctx, "此按钮已失效。")
	}
	today := s.Today()
	rc := &Rectification{ID: inspect.NewID(), ReportID: rep.ID, FindingNo: f.No, WindowID: rep.WindowID, Title: f.Title,
		Clauses: f.Clauses, Critical: f.Critical, Required: today, Deadline: s.Deadline(ctx, today, days)}
	why := fmt.Sprintf("要求整改问题 %d：%s", f.No, f.Title)
	err = s.o.Store.RequireRectification(ctx, rc, why)
	switch {
	case errors.Is(err, ErrDuplicate):
		return r.Alert(ctx, "这个问题已经有未完成的整改。")
	case errors.Is(err, ErrConflict):
		return r.Alert(ctx, "报告现在是"+rep.State.Chinese()+"，确认后才能要求整改。")
	case err != nil:
		return err
	}
	notice := s.notifyHead(ctx, r.Out, rc, false)
	_ = r.Answer(ctx, "")
	_, err = r.Reply(ctx, fmt.Sprintf("已要求 %s 整改问题 %d，期限 %s（%d 个工作日）。%s", rep.WindowLabel, f.No,
		s.chinese(rc.Deadline), days, notice))
	return err
}

// sendReportPhotos sends the report's photos, each with the finding it belongs to.
func (s *Service) sendReportPhotos(ctx context.Context, r *bot.Request, rep *inspect.Report) error {
	_ = r.Answer(ctx, "")
	sent := 0
	for _, f := range rep.Findings {
		for k, ref := range f.Photos {
			p, err := s.o.Reports.Photo(ctx, ref.ID)
			if errors.Is(err, inspect.ErrNotFound) {
				continue
			}
			if err != nil {
				return err
			}
			caption := fmt.Sprintf("%s · %s · 问题 %d：%s · 照片 %d/%d", rep.WindowLabel, s.visitLabel(rep), f.No, f.Title, k+1, len(f.Photos))
			if _, err := r.Out.SendPhoto(ctx, r.ChatID, bot.File{Name: ref.ID + ".jpg", Data: p.Data}, bot.Message{Text: caption}); err != nil {
				return err
			}
			sent++
		}
	}
	if sent == 0 {
		_, err := r.Reply(ctx, "这份报告没有照片。")
		return err
	}
	return nil
}
