package supervise

import (
	"archive/zip"
	"bufio"
	"context"
	"encoding/csv"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
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

// MonthData is the export of a month: the window scores with their adjustments (in memory: one row a window),
// and how many reports visited in the month (any state), checklist answers, findings and rectifications of
// those reports there are. The reports and rectifications themselves are read from the stores a page at a time
// while the files are written, so that memory does not grow with the month.
type MonthData struct {
	Month    Month
	Today    workday.Date
	Scores   []WindowScore
	Windows  map[int64]inspect.Window
	Code     *rules.Code
	Scale    Scale
	Made     time.Time // when the export was made (the workbook's document dates)
	Reports  int       // reports visited in the month
	Items    int       // their checklist answers
	Findings int       // their findings
	Rects    int       // rectifications of those reports

	reports ReportStore
	rects   Store
}

// MonthData gathers the export of month m.
func (s *Service) MonthData(ctx context.Context, m Month) (*MonthData, error) {
	ss, err := s.Scores(ctx, m)
	if err != nil {
		return nil, err
	}
	nr, ni, nf, err := s.o.Reports.CountReportRows(ctx, inspect.ReportFilter{From: m.First(), To: m.Last()})
	if err != nil {
		return nil, err
	}
	nrc, err := s.o.Store.CountRectifications(ctx, RectFilter{From: m.First(), To: m.Last()})
	if err != nil {
		return nil, err
	}
	wm, _, err := s.windows(ctx)
	if err != nil {
		return nil, err
	}
	return &MonthData{Month: m, Today: s.Today(), Made: s.now(), Scores: ss, Windows: wm, Code: s.code(ctx, 0), Scale: s.o.Scale,
		Reports: nr, Items: ni, Findings: nf, Rects: nrc, reports: s.o.Reports, rects: s.o.Store}, nil
}

// Sheet names of the workbook, in order.
const (
	SheetScores   = "窗口得分与调整"
	SheetReports  = "暗访报告"
	SheetItems    = "检查项"
	SheetFindings = "问题与说明"
	SheetRects    = "整改"
)

// table is one sheet: its header, and how its rows' cells (string, int, float64, day, or nil for an empty cell)
// are laid out.
type table struct {
	name    string
	file    string // CSV file name stem, and the Excel table's name
	header  []string
	widths  []float64
	percent []int // columns holding rates (0…1), shown as 0.0% in the workbook
	rows    int   // how many rows it has (counted before writing)
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

// The sheets, in the workbook's order.
const (
	tScores = iota
	tReports
	tItems
	tFindings
	tRects
)

// tables are the five sheets of the month's export.
func (d *MonthData) tables() []table {
	return []table{
		tScores: {name: SheetScores, file: "scores", rows: len(d.Scores),
			header: []string{"窗口号", "窗口", "已确认报告数", "符合项数", "不符合项数", "未观察项数", "加权符合", "加权观察", "加权符合率",
				"上月符合率", "较上月（百分点）", "关键项不符合数", "关键项不符合明细", "违规条款（报告数）", "建议调整分", "建议依据", "最终调整分",
				"调整理由", "决定日期"},
			widths:  []float64{8, 24, 12, 10, 10, 10, 10, 10, 12, 12, 14, 14, 40, 30, 10, 40, 10, 40, 12},
			percent: []int{8, 9}},
		tReports: {name: SheetReports, file: "reports", rows: d.Reports,
			header: []string{"报告编号", "窗口号", "窗口", "暗访日期", "时段", "状态", "状态说明", "符合", "不符合", "未观察", "关键项不符合",
				"加权符合率", "问题数", "违反条款", "情况描述", "计入评分"},
			widths:  []float64{20, 8, 24, 12, 6, 8, 24, 6, 6, 6, 12, 12, 8, 20, 50, 8},
			percent: []int{11}},
		tItems: {name: SheetItems, file: "items", rows: d.Items,
			header: []string{"报告编号", "窗口号", "暗访日期", "时段", "状态", "序号", "代号", "检查项", "条款", "权重", "关键项", "结果", "说明", "照片数"},
			widths: []float64{20, 8, 12, 6, 8, 6, 12, 40, 14, 6, 8, 8, 50, 8}},
		tFindings: {name: SheetFindings, file: "findings", rows: d.Findings,
			header: []string{"报告编号", "窗口号", "暗访日期", "时段", "问题序号", "问题", "条款", "关键项", "来源", "说明", "照片数"},
			widths: []float64{20, 8, 12, 6, 8, 30, 14, 8, 10, 60, 8}},
		tRects: {name: SheetRects, file: "rectifications", rows: d.Rects,
			header: []string{"整改编号", "报告编号", "问题序号", "窗口号", "窗口", "问题", "条款", "关键项", "要求日期", "期限", "状态", "是否逾期",
				"提交次数", "最近提交日期", "整改情况", "通过日期", "记录"},
			widths: []float64{20, 20, 8, 8, 24, 30, 14, 8, 12, 12, 8, 8, 8, 12, 40, 12, 50}},
	}
}

// scoreRow is a window's row of 窗口得分与调整.
func scoreRow(s *WindowScore) []any {
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
		return append(row, a.Final, a.Reason, dayCell(a.Decided))
	}
	return append(row, nil, nil, nil)
}

// addReport adds a report's rows: one to 暗访报告, one a checklist answer to 检查项, one a finding to 问题与说明.
func (d *MonthData) addReport(out []*sheetOut, r *inspect.Report) error {
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
	counted := slices.Contains(Counted, r.State)
	w := d.Windows[r.WindowID]
	if err := out[tReports].add([]any{r.ID, windowNo(w.No), r.WindowLabel, dayCell(r.VisitDate), r.HalfDay.Chinese(), r.State.Chinese(),
		r.StateReason, c.Pass, c.Fail, c.Unobserved, c.CriticalFail, optRate(c.WeightObserved > 0, ratio(c.WeightPass, c.WeightObserved)),
		len(r.Findings), strings.Join(clauses, "、"), r.Description, yesNo(counted)}); err != nil {
		return err
	}
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
		if err := out[tFindings].add([]any{r.ID, windowNo(w.No), dayCell(r.VisitDate), r.HalfDay.Chinese(), f.No, f.Title,
			clauseList(f.Clauses), yesNo(f.Critical), source, optText(f.Note), len(f.Photos)}); err != nil {
			return err
		}
	}
	for i, it := range r.Items {
		var note, photos any
		if f := byItem[it.Key]; f != nil {
			note, photos = optText(f.Note), len(f.Photos)
		}
		if err := out[tItems].add([]any{r.ID, windowNo(w.No), dayCell(r.VisitDate), r.HalfDay.Chinese(), r.State.Chinese(), i + 1, it.Key,
			it.Title, it.ClauseList(), it.Weight, yesNo(it.Critical), it.Result.Chinese(), note, photos}); err != nil {
			return err
		}
	}
	return nil
}

// rectRow is a rectification's row of 整改.
func (d *MonthData) rectRow(rc *Rectification) []any {
	late := rc.Overdue(d.Today) || rc.State != RectOpen && lastSubmit(*rc).After(rc.Deadline)
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
	return []any{rc.ID, rc.ReportID, rc.FindingNo, windowNo(w.No), w.Label(), rc.Title, clauseList(rc.Clauses),
		yesNo(rc.Critical), dayCell(rc.Required), dayCell(rc.Deadline), rc.State.Chinese(), yesNo(late), rc.Round,
		dayCell(rc.Replied), rc.Reply, dayCell(rc.Closed), strings.Join(log, "\n")}
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

// MaxSheetRows is how many data rows a sheet holds: Excel's 1,048,576 rows less the header. A table with more
// continues on sheets named after it with a number: 检查项（2）, 检查项（3）….
const MaxSheetRows = 1<<20 - 1

// sheetRows is MaxSheetRows; tests make it small.
var sheetRows = MaxSheetRows

// sheetName is the name of the part-th sheet (from 0) of a table.
func sheetName(name string, part int) string {
	if part == 0 {
		return name
	}
	return fmt.Sprintf("%s（%d）", name, part+1)
}

// sheetOut writes one table's rows: to its sheets in the workbook (when there is one) and to its CSV file (when
// there is one).
type sheetOut struct {
	t      *table
	styles *styles
	sheets []*sheetPart // one per sheetRows rows
	csv    *csv.Writer
	buf    *bufio.Writer // under csv
	file   *os.File      // under buf
	rows   int           // written so far
	rec    []string
}

// styles are the workbook's cell styles.
type styles struct{ head, pct, date, wrap, top int }

// style is the style of a cell of column c holding v.
func (o *sheetOut) style(c int, v any) int {
	switch v.(type) {
	case day:
		return o.styles.date
	case float64:
		if slices.Contains(o.t.percent, c) {
			return o.styles.pct
		}
	}
	if c < len(o.t.widths) && o.t.widths[c] >= 30 {
		return o.styles.wrap
	}
	return o.styles.top
}

func (o *sheetOut) add(row []any) error {
	if o.sheets != nil {
		part := o.rows / sheetRows
		if part >= len(o.sheets) {
			return fmt.Errorf("export: %s has more rows than the %d counted (reports were filed meanwhile): export again", o.t.name, o.t.rows)
		}
		if err := o.sheets[part].row(o.rows%sheetRows+2, row, o.style); err != nil {
			return fmt.Errorf("export: %s: %w", o.t.name, err)
		}
	}
	if o.csv != nil {
		rec := o.rec[:0]
		for _, v := range row {
			rec = append(rec, csvCell(v))
		}
		o.rec = rec
		if err := o.csv.Write(rec); err != nil {
			return fmt.Errorf("export: %s: %w", o.t.file, err)
		}
	}
	o.rows++
	return nil
}

// Write writes the month's export in one pass over its reports and one over its rectifications: the workbook
// to xlsx (nil: none) and the CSV files (CSVNames) into csvDir ("": none). Memory is bounded by the stores'
// pages and the workbook's stream buffers, not by the month.
//
// The workbook has the sheets 窗口得分与调整, 暗访报告, 检查项, 问题与说明 and 整改, each a table a spreadsheet
// opens as one: a header row frozen above the data, an autofilter over all of it, the sheet's real dimension,
// numbers as numbers (window numbers too), rates between 0 and 1 shown as percentages, days as dates shown
// yyyy-mm-dd. Rows are streamed (excelize's StreamWriter); a table past sheetRows continues on a sheet of its
// own (检查项（2）). Its temporary files go to tmpDir ("": the system's).
func (d *MonthData) Write(ctx context.Context, xlsx io.Writer, csvDir, tmpDir string) error {
	ts := d.tables()
	out := make([]*sheetOut, len(ts))
	for i := range ts {
		out[i] = &sheetOut{t: &ts[i]}
	}
	var f *excelize.File
	if xlsx != nil {
		f = excelize.NewFile(excelize.Options{TmpDir: tmpDir})
		defer f.Close()
		defer func() {
			for _, o := range out {
				for _, p := range o.sheets {
					p.close()
				}
			}
		}()
		if err := d.startWorkbook(f, out, tmpDir); err != nil {
			return fmt.Errorf("export: workbook: %w", err)
		}
	}
	if csvDir != "" {
		for _, o := range out {
			cf, err := os.Create(filepath.Join(csvDir, o.t.file+"-"+d.Month.String()+".csv"))
			if err != nil {
				return fmt.Errorf("export: %w", err)
			}
			defer cf.Close() // closed, and the error checked, below when all went well
			o.file, o.buf = cf, bufio.NewWriterSize(cf, 64<<10)
			o.buf.WriteString("\ufeff")
			o.csv = csv.NewWriter(o.buf)
			if err := o.csv.Write(o.t.header); err != nil {
				return fmt.Errorf("export: %w", err)
			}
		}
	}
	for i := range d.Scores {
		if err := out[tScores].add(scoreRow(&d.Scores[i])); err != nil {
			return err
		}
	}
	err := d.reports.EachReport(ctx, inspect.ReportFilter{From: d.Month.First(), To: d.Month.Last(), WithItems: true},
		func(r *inspect.Report) error { return d.addReport(out, r) })
	if err != nil {
		return fmt.Errorf("export: reports: %w", err)
	}
	err = d.rects.EachRectification(ctx, RectFilter{From: d.Month.First(), To: d.Month.Last()},
		func(rc *Rectification) error { return out[tRects].add(d.rectRow(rc)) })
	if err != nil {
		return fmt.Errorf("export: rectifications: %w", err)
	}
	for _, o := range out {
		if o.csv == nil {
			continue
		}
		if o.csv.Flush(); o.csv.Error() != nil {
			return fmt.Errorf("export: %s: %w", o.t.file, o.csv.Error())
		}
		if err := o.buf.Flush(); err != nil {
			return fmt.Errorf("export: %s: %w", o.t.file, err)
		}
		if err := o.file.Close(); err != nil {
			return fmt.Errorf("export: %s: %w", o.t.file, err)
		}
	}
	if f == nil {
		return nil
	}
	if err := finishWorkbook(f, out); err != nil {
		return fmt.Errorf("export: workbook: %w", err)
	}
	made := d.Made.UTC().Format(time.RFC3339)
	if err := f.SetDocProps(&excelize.DocProperties{Title: d.Month.Chinese() + " 窗口服务规范化考核", Creator: "ConductBot 规范助手",
		LastModifiedBy: "ConductBot 规范助手", Created: made, Modified: made, Language: "zh-CN"}); err != nil {
		return fmt.Errorf("export: workbook: %w", err)
	}
	if err := writeWorkbook(xlsx, f, out, tmpDir); err != nil {
		return fmt.Errorf("export: workbook: %w", err)
	}
	return nil
}

// writeWorkbook writes f (the sheets' heads) to a temporary file, then to w with the sheets' rows.
func writeWorkbook(w io.Writer, f *excelize.File, out []*sheetOut, tmpDir string) error {
	wb, err := os.CreateTemp(tmpDir, "conductbot-workbook-")
	if err != nil {
		return err
	}
	defer os.Remove(wb.Name())
	defer wb.Close()
	if _, err := f.WriteTo(wb); err != nil {
		return err
	}
	var parts []*sheetPart
	for _, o := range out {
		parts = append(parts, o.sheets...)
	}
	return assemble(w, wb, parts)
}

// startWorkbook makes the workbook's styles and sheets, in order, and starts a stream on each with its panes,
// column widths and header.
func (d *MonthData) startWorkbook(f *excelize.File, out []*sheetOut, tmpDir string) error {
	var st styles
	var err error
	for _, s := range []struct {
		id    *int
		style *excelize.Style
	}{
		{&st.head, &excelize.Style{Font: &excelize.Font{Bold: true}, Fill: excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"DDEBF7"}},
			Alignment: &excelize.Alignment{Vertical: "center", WrapText: true}}},
		{&st.pct, &excelize.Style{CustomNumFmt: ptr("0.0%"), Alignment: &excelize.Alignment{Vertical: "top"}}},
		{&st.date, &excelize.Style{CustomNumFmt: ptr("yyyy-mm-dd"), Alignment: &excelize.Alignment{Vertical: "top"}}},
		{&st.wrap, &excelize.Style{Alignment: &excelize.Alignment{Vertical: "top", WrapText: true}}},
		{&st.top, &excelize.Style{Alignment: &excelize.Alignment{Vertical: "top"}}},
	} {
		if *s.id, err = f.NewStyle(s.style); err != nil {
			return err
		}
	}
	first := true
	for _, o := range out {
		o.styles = &st
		parts := max((o.t.rows+sheetRows-1)/sheetRows, 1)
		for p := 0; p < parts; p++ {
			name := sheetName(o.t.name, p)
			if first {
				if err := f.SetSheetName("Sheet1", name); err != nil {
					return err
				}
				first = false
			} else if _, err := f.NewSheet(name); err != nil {
				return err
			}
			// The used range, known before streaming: the stream writes the sheet's head when it starts.
			rows := min(o.t.rows-p*sheetRows, sheetRows)
			last, _ := excelize.CoordinatesToCellName(len(o.t.header), max(rows, 1)+1)
			if err := f.SetSheetDimension(name, "A1:"+last); err != nil {
				return err
			}
			sw, err := f.NewStreamWriter(name)
			if err != nil {
				return err
			}
			if err := sw.SetPanes(&excelize.Panes{Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft"}); err != nil {
				return err
			}
			for c, wd := range o.t.widths {
				if err := sw.SetColWidth(c+1, c+1, wd); err != nil {
					return err
				}
			}
			header := make([]any, len(o.t.header))
			for c, h := range o.t.header {
				header[c] = excelize.Cell{StyleID: st.head, Value: h}
			}
			if err := sw.SetRow("A1", header); err != nil {
				return err
			}
			part, err := newSheetPart(sw, len(f.GetSheetList()), tmpDir)
			if err != nil {
				return err
			}
			o.sheets = append(o.sheets, part)
		}
	}
	f.SetActiveSheet(0)
	return nil
}

// finishWorkbook ends every sheet's stream with its table over the rows written.
func finishWorkbook(f *excelize.File, out []*sheetOut) error {
	for _, o := range out {
		for p, part := range o.sheets {
			sw := part.sw
			rows := min(max(o.rows-p*sheetRows, 0), sheetRows)
			last, _ := excelize.CoordinatesToCellName(len(o.t.header), max(rows, 1)+1)
			name := o.t.file
			if p > 0 {
				name += "_" + strconv.Itoa(p+1)
			}
			// The data as an Excel table: the autofilter covers every row, and a reader sees one table.
			if err := sw.AddTable(&excelize.Table{Range: "A1:" + last, Name: name, StyleName: "TableStyleLight1",
				ShowRowStripes: ptr(true)}); err != nil {
				return err
			}
			if err := sw.Flush(); err != nil {
				return err
			}
		}
	}
	return nil
}

func ptr[T any](v T) *T { return &v }

// XLSX writes the month's workbook (Write's) to w.
func (d *MonthData) XLSX(ctx context.Context, w io.Writer) error { return d.Write(ctx, w, "", "") }

// CSVFiles returns the five sheets as CSV files (UTF-8 with a byte-order mark, so that Excel reads the Chinese
// right), named scores-2026-11.csv, reports-…, items-…, findings-…, rectifications-…. They are read into memory:
// for a month of any size, Write them into a directory.
func (d *MonthData) CSVFiles(ctx context.Context) (map[string][]byte, error) {
	dir, err := os.MkdirTemp("", "conductbot-export-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	if err := d.Write(ctx, nil, dir, ""); err != nil {
		return nil, err
	}
	out := map[string][]byte{}
	for _, name := range d.CSVNames() {
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			return nil, err
		}
		out[name] = b
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

// ZipCSV packs the CSV files (CSVNames, in that order) in one zip archive, written to w.
func (d *MonthData) ZipCSV(ctx context.Context, w io.Writer) error {
	dir, err := os.MkdirTemp("", "conductbot-export-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	if err := d.Write(ctx, nil, dir, dir); err != nil {
		return err
	}
	return ZipFiles(w, dir, d.CSVNames())
}

// ZipFiles packs the named files of dir in one zip archive written to w, copying each from disk.
func ZipFiles(w io.Writer, dir string, names []string) error {
	z := zip.NewWriter(w)
	for _, name := range names {
		fw, err := z.Create(name)
		if err != nil {
			return err
		}
		if err := copyFile(fw, filepath.Join(dir, name)); err != nil {
			return err
		}
	}
	return z.Close()
}

func copyFile(w io.Writer, path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	_, err = io.Copy(w, f)
	return err
}

// XLSXName is the workbook's file name: conductbot-2026-11.xlsx.
func (d *MonthData) XLSXName() string { return "conductbot-" + d.Month.String() + ".xlsx" }

// ZipName is the CSV files' archive's name: conductbot-2026-11-csv.zip.
func (d *MonthData) ZipName() string { return "conductbot-" + d.Month.String() + "-csv.zip" }

// WriteFiles writes the month's workbook (XLSXName) and its CSV files (CSVNames), and with zipCSV their archive
// (ZipName), into dir, in one pass over the month.
func (d *MonthData) WriteFiles(ctx context.Context, dir string, zipCSV bool) error {
	x, err := os.Create(filepath.Join(dir, d.XLSXName()))
	if err != nil {
		return fmt.Errorf("export: %w", err)
	}
	defer x.Close()
	bw := bufio.NewWriterSize(x, 64<<10)
	if err := d.Write(ctx, bw, dir, dir); err != nil {
		return err
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("export: %w", err)
	}
	if err := x.Close(); err != nil {
		return fmt.Errorf("export: %w", err)
	}
	if !zipCSV {
		return nil
	}
	z, err := os.Create(filepath.Join(dir, d.ZipName()))
	if err != nil {
		return fmt.Errorf("export: %w", err)
	}
	defer z.Close()
	if err := ZipFiles(z, dir, d.CSVNames()); err != nil {
		return fmt.Errorf("export: %w", err)
	}
	return z.Close()
}

// sendExport sends the month's workbook and its CSV files as documents to a supervisor. The files are written
// to a temporary directory and sent from there, removed afterwards (whatever happened).
func (s *Service) sendExport(ctx context.Context, r *bot.Request, m Month) error {
	if !r.Has(bot.Supervisor) {
		_, err := r.Reply(ctx, bot.Denied(bot.Supervisor))
		return err
	}
	d, err := s.MonthData(ctx, m)
	if err != nil {
		return err
	}
	dir, err := os.MkdirTemp("", "conductbot-export-")
	if err != nil {
		return fmt.Errorf("export: %w", err)
	}
	defer os.RemoveAll(dir)
	if err := d.WriteFiles(ctx, dir, true); err != nil {
		return err
	}
	caption := fmt.Sprintf("📥 %s 考核报表：窗口得分与调整、暗访报告 %d 份、检查项、整改 %d 项。", m.Chinese(), d.Reports, d.Rects)
	for _, f := range []struct{ name, caption string }{
		{d.XLSXName(), caption},
		{d.ZipName(), "同样的内容，CSV 格式（UTF-8）。"},
	} {
		path := filepath.Join(dir, f.name)
		if info, err := os.Stat(path); err != nil {
			return fmt.Errorf("export: %w", err)
		} else if info.Size() > s.o.MaxUpload {
			// Telegram refuses it; say so and how to get it, rather than fail after the upload.
			if _, err := r.Reply(ctx, fmt.Sprintf(MsgExportTooLarge, f.name, fileSize(info.Size()),
				fileSize(s.o.MaxUpload), m.String())); err != nil {
				return err
			}
			continue
		}
		if _, err := r.Out.SendDocument(ctx, r.ChatID, bot.File{Name: f.name, Path: path}, bot.Message{Text: f.caption}); err != nil {
			return err
		}
	}
	return nil
}

// fileSize writes a size in MB, or in KB below one MB.
func fileSize(n int64) string {
	if n < 1<<20 {
		return fmt.Sprintf("%d KB", (n+1023)>>10)
	}
	return fmt.Sprintf("%.1f MB", float64(n)/(1<<20))
}

// DefaultMaxUpload is the largest file a bot may send through Telegram's Bot API.
const DefaultMaxUpload = 50 << 20

// MsgExportTooLarge tells a supervisor an export file is over what the chat carries: its name, its size and the
// limit in MB, and the month to give the command line.
const MsgExportTooLarge = "⚠️ %s 有 %s，超过聊天中发送文件的上限（%s），无法在这里发送。请管理员在服务器上运行：conductbot export --month %s --out 目录"

