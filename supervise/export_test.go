package supervise_test

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/csv"
	"fmt"
	"github.com/conductbot/conductbot/internal/testkit"
	"io"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"github.com/conductbot/conductbot/inspect"
	"github.com/conductbot/conductbot/supervise"
	"github.com/conductbot/conductbot/workday"
)

// exportMonth files November 2026 (and a report of October for the trend) on a store and returns the month's
// export data, gathered on 12 November.
//
//	3号窗口: R1 3 Nov am, confirmed, nobadword (critical, weight 3) 不符合, dress 未观察: 13/18 observed weights pass;
//	         R2 20 Nov pm, pending (listed, not counted); rectification of R1's finding, overdue on 12 Nov
//	4号窗口: R3 15 Oct, polite 不符合 (2 of 18 … ) and R4 10 Nov all 符合; adjustment +2 with a reason
//	5号窗口: nothing
func exportMonth(t *testing.T) (*supervise.MonthData, *fixture) {
	t.Helper()
	ctx := context.Background()
	f := newFixture(t)
	r1 := f.file("r1aaaaaaaaaaaaaa", 0, "2026-11-03", inspect.Morning, inspect.Confirmed,
		map[string]inspect.Result{"nobadword": inspect.Fail, "dress": inspect.Unobserved}, "AAAA-BBBB-CCCC")
	f.file("r2bbbbbbbbbbbbbb", 0, "2026-11-20", inspect.Afternoon, inspect.Pending, nil, "AAAA-BBBB-CCC2")
	f.file("r3cccccccccccccc", 1, "2026-10-15", inspect.Morning, inspect.Confirmed, map[string]inspect.Result{"polite": inspect.Fail}, "AAAA-BBBB-CCC3")
	f.file("r4dddddddddddddd", 1, "2026-11-10", inspect.Morning, inspect.Confirmed, nil, "AAAA-BBBB-CCC4")
	clock := testkit.NewClock(at("2026-11-12", 10, 0))
	s := f.service(clock)
	rc := &supervise.Rectification{ID: "rcaaaaaaaaaaaaaa", ReportID: r1.ID, FindingNo: 1, Title: r1.Findings[0].Title,
		Clauses: r1.Findings[0].Clauses, Critical: true, Required: workday.MustDate("2026-11-04"),
		Deadline: s.Deadline(ctx, workday.MustDate("2026-11-04"), 0)}
	if err := f.db.RequireRectification(ctx, rc, "要求整改问题 1"); err != nil {
		t.Fatal(err)
	}
	if err := f.db.PutAdjustment(ctx, &supervise.Adjustment{WindowID: f.windows[1].ID, Month: supervise.MustMonth("2026-11"), Suggested: 4,
		Final: 2, Reason: "服务明显改进", Decided: workday.MustDate("2026-11-12")}); err != nil {
		t.Fatal(err)
	}
	d, err := s.MonthData(ctx, supervise.MustMonth("2026-11"))
	if err != nil {
		t.Fatal(err)
	}
	return d, f
}

// TestWorkbook writes the month's workbook and reads it back with excelize, cell by cell.
func TestWorkbook(t *testing.T) {
	d, _ := exportMonth(t)
	var buf bytes.Buffer
	if err := d.XLSX(context.Background(), &buf); err != nil {
		t.Fatal(err)
	}
	data := bytes.Clone(buf.Bytes())
	x, err := excelize.OpenReader(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	defer x.Close()
	if got := x.GetSheetList(); !reflect.DeepEqual(got, []string{"窗口得分与调整", "暗访报告", "检查项", "问题与说明", "整改"}) {
		t.Fatalf("sheets: %v", got)
	}
	// raw reads a cell's stored value; shown reads it as Excel shows it (number formats applied).
	raw := func(sheet, cell string) string {
		t.Helper()
		v, err := x.GetCellValue(sheet, cell, excelize.Options{RawCellValue: true})
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	shown := func(sheet, cell string) string {
		t.Helper()
		v, err := x.GetCellValue(sheet, cell)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	num := func(sheet, cell string) float64 {
		t.Helper()
		v, err := strconv.ParseFloat(raw(sheet, cell), 64)
		if err != nil {
			t.Fatalf("%s!%s = %q: not a number", sheet, cell, raw(sheet, cell))
		}
		return v
	}
	expectCells := func(sheet string, want map[string]string) {
		t.Helper()
		for cell, w := range want {
			if got := shown(sheet, cell); got != w {
				t.Errorf("%s!%s = %q, want %q", sheet, cell, got, w)
			}
		}
	}
	const S = "窗口得分与调整"
	header, _ := x.GetRows(S)
	if want := []string{"窗口号", "窗口", "已确认报告数", "符合项数", "不符合项数", "未观察项数", "加权符合", "加权观察", "加权符合率", "上月符合率",
		"较上月（百分点）", "关键项不符合数", "关键项不符合明细", "违规条款（报告数）", "建议调整分", "建议依据", "最终调整分", "调整理由", "决定日期"}; !reflect.DeepEqual(header[0], want) {
		t.Fatalf("header: %q", header[0])
	}
	if len(header) != 4 {
		t.Fatalf("%d rows on %s, want a header and 3 windows", len(header), S)
	}
	// The default checklist's weights: greet 2, polite 1, nobadword 3, equal 2, patient 2, dress 1, appearance 1,
	// discipline 2, inform 2, supplies 1, tidy 1 = 18.
	expectCells(S, map[string]string{
		// 3号窗口: R1 only (R2 is pending): 11 items, 9 符合 (weights 18 − 3 − 1 = 14), 1 不符合 (3), 1 未观察 (1).
		"A2": "3", "B2": "3号窗口 不动产登记", "C2": "1", "D2": "9", "E2": "1", "F2": "1", "G2": "14", "H2": "17", "J2": "", "K2": "",
		"L2": "1", "N2": "1.1.4×1", "O2": "-2", "Q2": "", "R2": "", "S2": "",
		// 4号窗口: R4 all 符合 (18/18); October R3 17/18.
		"A3": "4", "B3": "4号窗口 公积金", "C3": "1", "D3": "11", "E3": "0", "F3": "0", "G3": "18", "H3": "18", "I3": "100.0%",
		"K3": "5.6", "L3": "0", "M3": "", "N3": "", "O3": "4", "Q3": "2", "R3": "服务明显改进", "S3": "2026-11-12",
		// 5号窗口: nothing; no suggestion.
		"A4": "5", "C4": "0", "G4": "0", "H4": "0", "I4": "", "O4": "", "P4": "数据不足",
	})
	if v := num(S, "I2"); math.Abs(v-14.0/17) > 1e-9 {
		t.Errorf("I2 = %v, want 14/17", v)
	}
	if v := num(S, "J3"); math.Abs(v-17.0/18) > 1e-9 {
		t.Errorf("J3 = %v, want 17/18", v)
	}
	if got := shown(S, "I2"); got != "82.4%" {
		t.Errorf("I2 shown as %q, want 82.4%%", got)
	}
	if got := raw(S, "M2"); !strings.Contains(got, "r1aaaaaaaaaaaaaa 2026-11-03 上午 无禁用语（1.1.4）") {
		t.Errorf("M2 = %q", got)
	}
	// 82.4% is in the 80% band (−1); one critical failure (−1); no October data for the trend.
	if got := raw(S, "P2"); got != "符合率 82.4% → −1；关键项不符合 1 项 → −1" {
		t.Errorf("P2 = %q", got)
	}

	const R = "暗访报告"
	rows, _ := x.GetRows(R)
	if len(rows) != 4 {
		t.Fatalf("%d rows on %s, want a header and 3 November reports", len(rows), R)
	}
	expectCells(R, map[string]string{
		"A1": "报告编号", "P1": "计入评分",
		"A2": "r1aaaaaaaaaaaaaa", "B2": "3", "C2": "3号窗口 不动产登记", "D2": "2026-11-03", "E2": "上午", "F2": "整改中", "G2": "要求整改问题 1",
		"H2": "9", "I2": "1", "J2": "1", "K2": "1", "M2": "1", "N2": "1.1.4", "O2": "窗口人员一直在看手机，没抬头。", "P2": "是",
		"A3": "r4dddddddddddddd", "F3": "已确认", "L3": "100.0%", "M3": "0", "N3": "", "P3": "是",
		"A4": "r2bbbbbbbbbbbbbb", "E4": "下午", "F4": "待审核", "P4": "否",
	})
	if v := num(R, "L2"); math.Abs(v-14.0/17) > 1e-9 {
		t.Errorf("reports L2 = %v", v)
	}

	const I = "检查项"
	rows, _ = x.GetRows(I)
	if len(rows) != 1+3*11 {
		t.Fatalf("%d rows on %s, want a header and 33 items", len(rows), I)
	}
	expectCells(I, map[string]string{
		"A1": "报告编号", "L1": "结果",
		"A2": "r1aaaaaaaaaaaaaa", "B2": "3", "C2": "2026-11-03", "D2": "上午", "E2": "整改中", "F2": "1", "G2": "greet",
		"H2": "起立、微笑、主动招呼", "I2": "1.2.1", "J2": "2", "K2": "否", "L2": "符合",
		"G4": "nobadword", "I4": "1.1.4", "J4": "3", "K4": "是", "L4": "不符合",
		"G7": "dress", "L7": "未观察",
		"A13": "r4dddddddddddddd", "F13": "1",
	})

	const X = "整改"
	rows, _ = x.GetRows(X)
	if len(rows) != 2 {
		t.Fatalf("%d rows on %s", len(rows), X)
	}
	expectCells(X, map[string]string{
		"A2": "rcaaaaaaaaaaaaaa", "B2": "r1aaaaaaaaaaaaaa", "C2": "1", "D2": "3", "E2": "3号窗口 不动产登记", "F2": "无禁用语", "G2": "1.1.4",
		"H2": "是", "I2": "2026-11-04", "J2": "2026-11-11", "K2": "待整改", "L2": "是", "M2": "0", "N2": "", "O2": "", "P2": "",
		"Q2": "2026-11-04 要求整改，期限 2026-11-11",
	})
	// Numbers are numbers (window numbers too), days are dates: serial numbers shown yyyy-mm-dd.
	for _, c := range [][2]string{{S, "A2"}, {S, "C2"}, {R, "B2"}, {X, "D2"}} {
		if typ, _ := x.GetCellType(c[0], c[1]); typ != excelize.CellTypeNumber && typ != excelize.CellTypeUnset {
			t.Errorf("%s!%s has type %v, want a number", c[0], c[1], typ)
		}
	}
	if v := num(R, "D2"); v != 46329 { // 2026-11-03 as Excel counts days
		t.Errorf("reports D2 = %v, want the date serial 46329", v)
	}
	// The items' notes and the findings sheet carry every note.
	const F = "问题与说明"
	expectCells(F, map[string]string{"A1": "报告编号", "J1": "说明", "A2": "r1aaaaaaaaaaaaaa", "E2": "1", "G2": "1.1.4", "H2": "是", "I2": "检查项"})
	if shown(I, "M1") != "说明" || shown(I, "M4") != shown(F, "J2") {
		t.Errorf("the note of item nobadword %q, of finding 1 %q", shown(I, "M4"), shown(F, "J2"))
	}
	if panes, err := x.GetPanes(S); err != nil || !panes.Freeze || panes.YSplit != 1 {
		t.Errorf("panes: %+v %v", panes, err)
	}
	// What a spreadsheet reads first: each sheet's used range, its table's autofilter over every row, and the
	// document's dates (the export's, not excelize's defaults).
	z, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	part := func(name string) string {
		t.Helper()
		r, err := z.Open(name)
		if err != nil {
			t.Fatal(err)
		}
		defer r.Close()
		b, _ := io.ReadAll(r)
		return string(b)
	}
	for i, ref := range []string{"A1:S4", "A1:P4", "A1:N34", "A1:K2", "A1:Q2"} {
		if s := part(fmt.Sprintf("xl/worksheets/sheet%d.xml", i+1)); !strings.Contains(s, `<dimension ref="`+ref+`"`) {
			t.Errorf("sheet %d: dimension not %s", i+1, ref)
		}
		if s := part(fmt.Sprintf("xl/tables/table%d.xml", i+1)); !strings.Contains(s, `<autoFilter ref="`+ref+`"`) {
			t.Errorf("table %d: autofilter not over %s", i+1, ref)
		}
	}
	if s := part("docProps/core.xml"); !strings.Contains(s, ">2026-11-12T02:00:00Z</dcterms:created>") {
		t.Errorf("document dates: %s", s)
	}
}

// TestCSVFiles checks the CSV files: UTF-8 with a byte-order mark, the same header and rows as the sheets.
func TestCSVFiles(t *testing.T) {
	d, _ := exportMonth(t)
	files, err := d.CSVFiles(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(files) != 5 {
		t.Fatalf("files: %v", len(files))
	}
	read := func(name string) [][]string {
		t.Helper()
		b, ok := files[name]
		if !ok {
			t.Fatalf("no %s", name)
		}
		if !bytes.HasPrefix(b, []byte("\ufeff")) {
			t.Fatalf("%s has no byte-order mark", name)
		}
		rows, err := csv.NewReader(bytes.NewReader(b[3:])).ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		return rows
	}
	scores := read("scores-2026-11.csv")
	if len(scores) != 4 || scores[0][0] != "窗口号" || scores[2][1] != "4号窗口 公积金" || scores[2][16] != "2" || scores[2][17] != "服务明显改进" {
		t.Fatalf("scores.csv: %q", scores)
	}
	if r, _ := strconv.ParseFloat(scores[1][8], 64); math.Abs(r-14.0/17) > 1e-12 {
		t.Fatalf("scores.csv rate %q", scores[1][8])
	}
	if reps := read("reports-2026-11.csv"); len(reps) != 4 || reps[1][0] != "r1aaaaaaaaaaaaaa" || reps[3][5] != "待审核" {
		t.Fatalf("reports.csv: %q", reps)
	}
	if items := read("items-2026-11.csv"); len(items) != 34 || items[3][11] != "不符合" {
		t.Fatalf("items.csv: %d rows", len(items))
	}
	if rects := read("rectifications-2026-11.csv"); len(rects) != 2 || rects[1][10] != "待整改" || rects[1][11] != "是" {
		t.Fatalf("rectifications.csv: %q", rects)
	}
	var z bytes.Buffer
	if err := d.ZipCSV(context.Background(), &z); err != nil {
		t.Fatal(err)
	}
	zr, err := zip.NewReader(bytes.NewReader(z.Bytes()), int64(z.Len()))
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, f := range zr.File {
		names = append(names, f.Name)
		rc, _ := f.Open()
		b, _ := io.ReadAll(rc)
		rc.Close()
		if !bytes.Equal(b, files[f.Name]) {
			t.Errorf("%s in the zip differs", f.Name)
		}
	}
	if !reflect.DeepEqual(names, d.CSVNames()) {
		t.Fatalf("zip: %v", names)
	}
}

// TestCSVFormulaInjection: a cell starting like a formula is neutralised in CSV.
func TestCSVFormulaInjection(t *testing.T) {
	d, f := exportMonth(t)
	ctx := context.Background()
	if err := f.db.PutAdjustment(ctx, &supervise.Adjustment{WindowID: f.windows[2].ID, Month: d.Month, Final: -1, Reason: "=HYPERLINK(\"x\")",
		Decided: workday.MustDate("2026-11-12")}); err != nil {
		t.Fatal(err)
	}
	d, err := f.service(testkit.NewClock(at("2026-11-12", 10, 0))).MonthData(ctx, d.Month)
	if err != nil {
		t.Fatal(err)
	}
	files, _ := d.CSVFiles(context.Background())
	rows, _ := csv.NewReader(bytes.NewReader(files["scores-2026-11.csv"][3:])).ReadAll()
	if rows[3][17] != "'=HYPERLINK(\"x\")" || rows[3][16] != "-1" {
		t.Fatalf("row: %q", rows[3])
	}
}

// TestWorkbookSplitsLongSheets: a table with more rows than a sheet holds continues on sheets named 检查项（2）…,
// each with its header, its own table and dimension; together they hold the CSV's rows in order.
func TestWorkbookSplitsLongSheets(t *testing.T) {
	supervise.SetSheetRows(t, 10)
	d, _ := exportMonth(t)
	ctx := context.Background()
	var buf bytes.Buffer
	if err := d.XLSX(ctx, &buf); err != nil {
		t.Fatal(err)
	}
	x, err := excelize.OpenReader(bytes.NewReader(buf.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	defer x.Close()
	if d.Items != 33 {
		t.Fatalf("%d checklist answers, want 3 reports × 11", d.Items)
	}
	want := []string{"窗口得分与调整", "暗访报告", "检查项", "检查项（2）", "检查项（3）", "检查项（4）", "问题与说明", "整改"}
	if got := x.GetSheetList(); !reflect.DeepEqual(got, want) {
		t.Fatalf("sheets: %v", got)
	}
	files, err := d.CSVFiles(ctx)
	if err != nil {
		t.Fatal(err)
	}
	csvRows, err := csv.NewReader(bytes.NewReader(files["items-2026-11.csv"][3:])).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for i, sheet := range want[2:6] {
		rows, err := x.GetRows(sheet, excelize.Options{RawCellValue: true})
		if err != nil {
			t.Fatal(err)
		}
		if n := []int{10, 10, 10, 3}[i]; len(rows) != n+1 || !reflect.DeepEqual(rows[0], csvRows[0]) {
			t.Fatalf("%s: %d rows (header %q), want a header and %d", sheet, len(rows), rows[0], n)
		}
		tables, err := x.GetTables(sheet)
		if err != nil || len(tables) != 1 || tables[0].Range != fmt.Sprintf("A1:N%d", len(rows)) {
			t.Fatalf("%s: tables %+v, %v", sheet, tables, err)
		}
		for _, r := range rows[1:] {
			ids = append(ids, r[0]+"/"+r[5])
		}
	}
	var wantIDs []string
	for _, r := range csvRows[1:] {
		wantIDs = append(wantIDs, r[0]+"/"+r[5])
	}
	if !reflect.DeepEqual(ids, wantIDs) {
		t.Fatalf("split sheets hold %v, want the CSV's %v", ids, wantIDs)
	}
}

// TestWriteFiles: the files the bot sends and the CLI writes are the workbook and CSV files Write makes, and
// the zip packs the CSV files.
func TestWriteFiles(t *testing.T) {
	d, _ := exportMonth(t)
	ctx := context.Background()
	dir := t.TempDir()
	if err := d.WriteFiles(ctx, dir, true); err != nil {
		t.Fatal(err)
	}
	files, err := d.CSVFiles(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range d.CSVNames() {
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil || !bytes.Equal(b, files[name]) {
			t.Fatalf("%s differs from CSVFiles' (%v)", name, err)
		}
	}
	zr, err := zip.OpenReader(filepath.Join(dir, d.ZipName()))
	if err != nil {
		t.Fatal(err)
	}
	defer zr.Close()
	if len(zr.File) != len(d.CSVNames()) {
		t.Fatalf("zip holds %d files", len(zr.File))
	}
	x, err := excelize.OpenFile(filepath.Join(dir, d.XLSXName()))
	if err != nil {
		t.Fatal(err)
	}
	defer x.Close()
	rows, err := x.GetRows(supervise.SheetReports)
	if err != nil || len(rows) != 1+d.Reports || d.Reports != 3 {
		t.Fatalf("%s: %d rows, %d reports, %v", supervise.SheetReports, len(rows), d.Reports, err)
	}
}
