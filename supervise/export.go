package supervise

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/csv"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/conductbot/conductbot/bot"
	"github.com/conductbot/conductbot/inspect"
	"github.com/conductbot/conductbot/rules"
	"github.com/conductbot/conductbot/workday"
)

// MonthData is everything the export of a month holds: the window scores with their adjustments, every report
// visited in the month (any state) with its checklist answers, and the rectifications of those reports.
type MonthData struct {
	Month    Month
	Today    workday.Date
	Scores   []WindowScore
	Reports  []inspect.Report
	Rects    []Rectification
	Windows  map[int64]inspect.Window
	Code     *rules.Code
	Scale    Scale
	Revision map[int64]int // adjustments' revision count per window
	Made     time.Time     // when the export was made (the workbook's document dates)
}

// MonthData gathers the export of month m.
func (s *Service) MonthData(ctx context.Context, m Month) (*MonthData, error) {
	ss, err := s.Scores(ctx, m)
	if err != nil {
		return nil, err
	}
	reps, err := s.o.Reports.Reports(ctx, inspect.ReportFilter{From: m.First(), To: m.Last(), WithItems: true})
	if err != nil {
		return nil, err
	}
	// Oldest first reads better in a sheet.
	for i, j := 0, len(reps)-1; i < j; i, j = i+1, j-1 {
		reps[i], reps[j] = reps[j], reps[i]
	}
	rects, err := s.o.Store.Rectifications(ctx, RectFilter{From: m.First(), To: m.Last()})
	if err != nil {
		return nil, err
	}
	wm, _, err := s.windows(ctx)
	if err != nil {
		return nil, err
	}
	return &MonthData{Month: m, Today: s.Today(), Made: s.now(), Scores: ss, Reports: reps, Rects: rects, Windows: wm,
		Code: s.code(ctx, 0), Scale: s.o.Scale}, nil
}

// Sheet names of the workbook, in order.
const (
	SheetScores   = "窗口得分与调整"
	SheetReports  = "暗访报告"
	SheetItems    = "检查项"
	SheetFindings = "问题与说明"
	SheetRects    = "整改"
)

// table is one sheet: its header and rows of cell values (string, int, float64, day, or nil for an empty
// cell).
type table struct {
	name    string
	file    string // CSV file name stem
	header  []string
	rows    [][]any
	widths  []float64
	percent []int // columns holding rates (0…1), shown as 0.0% in the workbook
}

func optRate(ok bool, r float64) any {
	if !ok {
		return nil
	}
	return r
}

func yesNo(b bool) string {
	if b {
		return "是"
	}
	return "否"
}

// day is a date cell: a real date in the workbook (shown yyyy-mm-dd), YYYY-MM-DD in CSV.
type day workday.Date

func dayCell(d workday.Date) any {
	if d.IsZero() {
		return nil
	}
	return day(d)
}

// windowNo is a window's number as a number when it is one ("3"), else as text ("3A").
func windowNo(no string) any {
	if n, err := strconv.Atoi(no); err == nil && strconv.Itoa(n) == no {
		return n
	}
	if no == "" {
		return nil
	}
	return no
}

// tables lays the month's data out as the four sheets.
func (d *MonthData) tables() []table {
	scores := table{name: SheetScores, file: "scores",
		header: []string{"窗口号", "窗口", "已确认报告数", "符合项数", "不符合项数", "未观察项数", "加权符合", "加权观察", "加权符合率",
			"上月符合率", "较上月（百分点）", "关键项不符合数", "关键项不符合明细", "违规条款（报告数）", "建议调整分", "建议依据", "最终调整分",
			"调整理由", "决定日期"},
		widths:  []float64{8, 24, 12, 10, 10, 10, 10, 10, 12, 12, 14, 14, 40, 30, 10, 40, 10, 40, 12},
		percent: []int{8, 9}}
	for i := range d.Scores {
		s := &d.Scores[i]
		var trend any
		if t, ok := s.Trend(); ok {
			trend = t
		}
		var crit []string
		for _, c := range s.Critical {
			crit = append(crit, fmt.Sprintf("%s %s %s %s（%s）", c.ReportID, c.VisitDate, c.HalfDay.Chinese(), c.Title, clauseList(c.Clauses)))
		}
		var viol []string
		for _, c := range TopClauses(s.Violations, 0) {
			viol = append(viol, fmt.Sprintf("%s×%d", c.ClauseID, c.Count))
		}
		var sugg any
		if s.Suggestion.Basis {
			sugg = s.Suggestion.Points
		}
		row := []any{windowNo(s.Window.No), s.Window.Label(), s.Reports, s.Pass, s.Fail, s.Unobserved, s.WeightPass, s.WeightObserved,
			optRate(s.Observed, s.Compliance), optRate(s.PrevObserved, s.PrevCompliance), trend, len(s.Critical),
			strings.Join(crit, "\n"), strings.Join(viol, "、"), sugg, s.Suggestion.Explain()}
		if a := s.Adjustment; a != nil {
			row = append(row, a.Final, a.Reason, dayCell(a.Decided))
		} else {
			row = append(row, nil, nil, nil)
		}
		scores.rows = append(scores.rows, row)
	}

	reports := table{name: SheetReports, file: "reports",
		header: []string{"报告编号", "窗口号", "窗口", "暗访日期", "时段", "状态", "状态说明", "符合", "不符合", "未观察", "关键项不符合",
			"加权符合率", "问题数", "违反条款", "情况描述", "计入评分"},
		widths:  []float64{20, 8, 24, 12, 6, 8, 24, 6, 6, 6, 12, 12, 8, 20, 50, 8},
		percent: []int{11}}
	items := table{name: SheetItems, file: "items",
		header: []string{"报告编号", "窗口号", "暗访日期", "时段", "状态", "序号", "代号", "检查项", "条款", "权重", "关键项", "结果", "说明", "照片数"},
		widths: []float64{20, 8, 12, 6, 8, 6, 12, 40, 14, 6, 8, 8, 50, 8}}
	findings := table{name: SheetFindings, file: "findings",
		header: []string{"报告编号", "窗口号", "暗访日期", "时段", "问题序号", "问题", "条款", "关键项", "来源", "说明", "照片数"},
		widths: []float64{20, 8, 12, 6, 8, 30, 14, 8, 10, 60, 8}}
	for _, r := range d.Reports {
		c := r.Counts()
		var clauses []string
		seen := map[string]bool{}
		for _, f := range r.Findings {
			for _, id := range f.Clauses {
				if !seen[id] {
					seen[id] = true
					clauses = append(clauses, id)
				}
			}
		}
		sort.Slice(clauses, func(i, j int) bool { return rules.CompareIDs(clauses[i], clauses[j]) < 0 })
		counted := false
		for _, st := range Counted {
			counted = counted || r.State == st
		}
		w := d.Windows[r.WindowID]
		reports.rows = append(reports.rows, []any{r.ID, windowNo(w.No), r.WindowLabel, dayCell(r.VisitDate), r.HalfDay.Chinese(), r.State.Chinese(),
			r.StateReason, c.Pass, c.Fail, c.Unobserved, c.CriticalFail, optRate(c.WeightObserved > 0, ratio(c.WeightPass, c.WeightObserved)),
			len(r.Findings), strings.Join(clauses, "、"), r.Description, yesNo(counted)})
		byItem := map[string]*inspect.Finding{}
		for i := range r.Findings {
			f := &r.Findings[i]
			if f.ItemKey != "" {
				byItem[f.ItemKey] = f
			}
			source := "检查项"
			if f.Source == inspect.FromDescription {
				source = "情况描述"
			}
			findings.rows = append(findings.rows, []any{r.ID, windowNo(w.No), dayCell(r.VisitDate), r.HalfDay.Chinese(), f.No, f.Title,
				clauseList(f.Clauses), yesNo(f.Critical), source, optText(f.Note), len(f.Photos)})
		}
		for i, it := range r.Items {
			var note, photos any
			if f := byItem[it.Key]; f != nil {
				note, photos = optText(f.Note), len(f.Photos)
			}
			items.rows = append(items.rows, []any{r.ID, windowNo(w.No), dayCell(r.VisitDate), r.HalfDay.Chinese(), r.State.Chinese(), i + 1, it.Key,
				it.Title, it.ClauseList(), it.Weight, yesNo(it.Critical), it.Result.Chinese(), note, photos})
		}
	}

	rects := table{name: SheetRects, file: "rectifications",
		header: []string{"整改编号", "报告编号", "问题序号", "窗口号", "窗口", "问题", "条款", "关键项", "要求日期", "期限", "状态", "是否逾期",
			"提交次数", "最近提交日期", "整改情况", "通过日期", "记录"},
		widths: []float64{20, 20, 8, 8, 24, 30, 14, 8, 12, 12, 8, 8, 8, 12, 40, 12, 50}}
	for _, rc := range d.Rects {
		late := rc.Overdue(d.Today) || rc.State != RectOpen && lastSubmit(rc).After(rc.Deadline)
		var log []string
		for _, e := range rc.Events {
			line := e.On.String() + " " + e.Action.Chinese()
			if !e.Deadline.IsZero() {
				line += "，期限 " + e.Deadline.String()
			}
			if e.Note != "" && e.Action != ActSubmitted {
				line += "：" + e.Note
			}
			log = append(log, line)
		}
		w := d.Windows[rc.WindowID]
		rects.rows = append(rects.rows, []any{rc.ID, rc.ReportID, rc.FindingNo, windowNo(w.No), w.Label(), rc.Title, clauseList(rc.Clauses),
			yesNo(rc.Critical), dayCell(rc.Required), dayCell(rc.Deadline), rc.State.Chinese(), yesNo(late), rc.Round,
			dayCell(rc.Replied), rc.Reply, dayCell(rc.Closed), strings.Join(log, "\n")})
	}
	return []table{scores, reports, items, findings, rects}
}

func optText(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// lastSubmit is the day of the rectification's latest answer (zero when none): one after the deadline was late.
func lastSubmit(rc Rectification) workday.Date {
	var d workday.Date
	for _, e := range rc.Events {
		if e.Action == ActSubmitted {
			d = e.On
		}
	}
	return d
}

func ratio(a, b int) float64 { return float64(a) / float64(b) }

// XLSX writes the month's workbook: the sheets 窗口得分与调整, 暗访报告, 检查项, 问题与说明 and 整改, each a table a
// spreadsheet opens as one: a header row frozen above the data, an autofilter over all of it, the sheet's real
// dimension, numbers as numbers (window numbers too), rates between 0 and 1 shown as percentages, days as
// dates shown yyyy-mm-dd. Rows are streamed (excelize's StreamWriter), not kept cell by cell.
func (d *MonthData) XLSX(w io.Writer) error {
	f := excelize.NewFile()
	defer f.Close()
	head, err := f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}, Fill: excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"DDEBF7"}},
		Alignment: &excelize.Alignment{Vertical: "center", WrapText: true}})
	if err != nil {
		return err
	}
	pct, err := f.NewStyle(&excelize.Style{CustomNumFmt: ptr("0.0%"), Alignment: &excelize.Alignment{Vertical: "top"}})
	if err != nil {
		return err
	}
	date, err := f.NewStyle(&excelize.Style{CustomNumFmt: ptr("yyyy-mm-dd"), Alignment: &excelize.Alignment{Vertical: "top"}})
	if err != nil {
		return err
	}
	wrap, err := f.NewStyle(&excelize.Style{Alignment: &excelize.Alignment{Vertical: "top", WrapText: true}})
	if err != nil {
		return err
	}
	top, err := f.NewStyle(&excelize.Style{Alignment: &excelize.Alignment{Vertical: "top"}})
	if err != nil {
		return err
	}
	for i, t := range d.tables() {
		if i == 0 {
			if err := f.SetSheetName("Sheet1", t.name); err != nil {
				return err
			}
		} else if _, err := f.NewSheet(t.name); err != nil {
			return err
		}
		// The used range, known before streaming: the stream writes the sheet's head when it starts.
		last, _ := excelize.CoordinatesToCellName(len(t.header), max(len(t.rows), 1)+1)
		if err := f.SetSheetDimension(t.name, "A1:"+last); err != nil {
			return err
		}
		sw, err := f.NewStreamWriter(t.name)
		if err != nil {
			return err
		}
		if err := sw.SetPanes(&excelize.Panes{Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft"}); err != nil {
			return err
		}
		for c, wd := range t.widths {
			if err := sw.SetColWidth(c+1, c+1, wd); err != nil {
				return err
			}
		}
		isPct := map[int]bool{}
		for _, c := range t.percent {
			isPct[c] = true
		}
		header := make([]any, len(t.header))
		for c, h := range t.header {
			header[c] = excelize.Cell{StyleID: head, Value: h}
		}
		if err := sw.SetRow("A1", header); err != nil {
			return err
		}
		for r, row := range t.rows {
			cells := make([]any, len(row))
			for c, v := range row {
				style := top
				if c < len(t.widths) && t.widths[c] >= 30 {
					style = wrap
				}
				switch x := v.(type) {
				case nil:
					cells[c] = excelize.Cell{StyleID: style}
				case day:
					cells[c] = excelize.Cell{StyleID: date, Value: workday.Date(x).Time(time.UTC)}
				case float64:
					if isPct[c] {
						style = pct
					}
					cells[c] = excelize.Cell{StyleID: style, Value: x}
				default:
					cells[c] = excelize.Cell{StyleID: style, Value: x}
				}
			}
			cell, _ := excelize.CoordinatesToCellName(1, r+2)
			if err := sw.SetRow(cell, cells); err != nil {
				return err
			}
		}
		// The data as an Excel table: the autofilter covers every row, and a reader sees one table.
		if err := sw.AddTable(&excelize.Table{Range: "A1:" + last, Name: t.file, StyleName: "TableStyleLight1",
			ShowRowStripes: ptr(true)}); err != nil {
			return err
		}
		if err := sw.Flush(); err != nil {
			return err
		}
	}
	f.SetActiveSheet(0)
	made := d.Made.UTC().Format(time.RFC3339)
	if err := f.SetDocProps(&excelize.DocProperties{Title: d.Month.Chinese() + " 窗口服务规范化考核", Creator: "ConductBot 规范助手",
		LastModifiedBy: "ConductBot 规范助手", Created: made, Modified: made, Language: "zh-CN"}); err != nil {
		return err
	}
	_, err = f.WriteTo(w)
	return err
}

func ptr[T any](v T) *T { return &v }

// CSVFiles returns the four sheets as CSV files (UTF-8 with a byte-order mark, so that Excel reads the Chinese
// right), named scores-2026-11.csv, reports-…, items-…, rectifications-….
func (d *MonthData) CSVFiles() (map[string][]byte, error) {
	out := map[string][]byte{}
	for _, t := range d.tables() {
		var buf bytes.Buffer
		buf.WriteString("\ufeff")
		w := csv.NewWriter(&buf)
		if err := w.Write(t.header); err != nil {
			return nil, err
		}
		for _, row := range t.rows {
			rec := make([]string, len(row))
			for i, v := range row {
				rec[i] = csvCell(v)
			}
			if err := w.Write(rec); err != nil {
				return nil, err
			}
		}
		w.Flush()
		if err := w.Error(); err != nil {
			return nil, err
		}
		out[t.file+"-"+d.Month.String()+".csv"] = buf.Bytes()
	}
	return out, nil
}

// CSVNames lists the CSV file names in sheet order.
func (d *MonthData) CSVNames() []string {
	var names []string
	for _, stem := range []string{"scores", "reports", "items", "findings", "rectifications"} {
		names = append(names, stem+"-"+d.Month.String()+".csv")
	}
	return names
}

func csvCell(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		// A leading = + - @ would be a formula to a spreadsheet: neutralise it.
		if x != "" && strings.ContainsRune("=+-@", rune(x[0])) && !isNumber(x) {
			return "'" + x
		}
		return x
	case int:
		return strconv.Itoa(x)
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	case day:
		return workday.Date(x).String()
	}
	return fmt.Sprint(v)
}

func isNumber(s string) bool {
	_, err := strconv.ParseFloat(s, 64)
	return err == nil
}

// ZipCSV packs the CSV files in one zip archive.
func (d *MonthData) ZipCSV(w io.Writer) error {
	files, err := d.CSVFiles()
	if err != nil {
		return err
	}
	z := zip.NewWriter(w)
	for _, name := range d.CSVNames() {
		fw, err := z.Create(name)
		if err != nil {
			return err
		}
		if _, err := fw.Write(files[name]); err != nil {
			return err
		}
	}
	return z.Close()
}

// XLSXName is the workbook's file name: conductbot-2026-11.xlsx.
func (d *MonthData) XLSXName() string { return "conductbot-" + d.Month.String() + ".xlsx" }

// sendExport sends the month's workbook and its CSV files as documents to a supervisor.
func (s *Service) sendExport(ctx context.Context, r *bot.Request, m Month) error {
	if !r.Has(bot.Supervisor) {
		_, err := r.Reply(ctx, bot.Denied(bot.Supervisor))
		return err
	}
	d, err := s.MonthData(ctx, m)
	if err != nil {
		return err
	}
	var x, z bytes.Buffer
	if err := d.XLSX(&x); err != nil {
		return err
	}
	if err := d.ZipCSV(&z); err != nil {
		return err
	}
	caption := fmt.Sprintf("📥 %s 考核报表：窗口得分与调整、暗访报告 %d 份、检查项、整改 %d 项。", m.Chinese(), len(d.Reports), len(d.Rects))
	if _, err := r.Out.SendDocument(ctx, r.ChatID, bot.File{Name: d.XLSXName(), Data: x.Bytes()}, bot.Message{Text: caption}); err != nil {
		return err
	}
	_, err = r.Out.SendDocument(ctx, r.ChatID, bot.File{Name: "conductbot-" + m.String() + "-csv.zip", Data: z.Bytes()},
		bot.Message{Text: "同样的内容，CSV 格式（UTF-8）。"})
	return err
}
