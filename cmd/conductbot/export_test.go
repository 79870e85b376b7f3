package main

import (
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/xuri/excelize/v2"

	"github.com/conductbot/conductbot/inspect"
	"github.com/conductbot/conductbot/sqlite"
	"github.com/conductbot/conductbot/storetest"
	"github.com/conductbot/conductbot/workday"
)

func runExportCmd(t *testing.T, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	var out, errb bytes.Buffer
	code = run(context.Background(), testClock(), args, strings.NewReader(""), &out, &errb)
	return out.String(), errb.String(), code
}

// fileOnDisk files a confirmed report of window 1 visited on day in the SQLite store of the data directory.
func fileOnDisk(t *testing.T, dir, day string) {
	t.Helper()
	ctx := context.Background()
	db, err := sqlite.Open(ctx, filepath.Join(dir, "conductbot.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	f := storetest.NewReportFixture(t, db, 2)
	r := f.NewReport(0, workday.MustDate(day), inspect.Morning)
	if err := db.FileReport(ctx, r, inspect.NewDraftID()); err != nil {
		t.Fatal(err)
	}
	if err := db.SetReportState(ctx, r.ID, inspect.Pending, inspect.Confirmed, "", workday.MustDate(day)); err != nil {
		t.Fatal(err)
	}
}

func TestExportCommand(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("CONDUCTBOT_DATA_DIR", dir)
	t.Setenv("DATABASE_URL", "")
	fileOnDisk(t, dir, "2026-11-03")
	out := filepath.Join(dir, "out")
	stdout, stderr, code := runExportCmd(t, "export", "--month", "2026-11", "--out", out)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	want := []string{"conductbot-2026-11.xlsx", "scores-2026-11.csv", "reports-2026-11.csv", "items-2026-11.csv", "findings-2026-11.csv", "rectifications-2026-11.csv"}
	lines := strings.Split(strings.TrimSpace(stdout), "\n")
	if len(lines) != len(want) {
		t.Fatalf("stdout: %q", stdout)
	}
	for i, name := range want {
		if lines[i] != filepath.Join(out, name) {
			t.Errorf("line %d: %q", i, lines[i])
		}
		if _, err := os.Stat(filepath.Join(out, name)); err != nil {
			t.Error(err)
		}
	}
	if !strings.Contains(stderr, "2026-11: 2 windows, 1 report, 0 rectifications") {
		t.Errorf("stderr: %q", stderr)
	}
	x, err := excelize.OpenFile(filepath.Join(out, "conductbot-2026-11.xlsx"))
	if err != nil {
		t.Fatal(err)
	}
	defer x.Close()
	if v, _ := x.GetCellValue("窗口得分与调整", "C2"); v != "1" {
		t.Errorf("reports counted for window 1: %q", v)
	}
	if v, _ := x.GetCellValue("暗访报告", "D2"); v != "2026-11-03" {
		t.Errorf("the report's visit: %q", v)
	}
	csv, _ := os.ReadFile(filepath.Join(out, "reports-2026-11.csv"))
	if !bytes.HasPrefix(csv, []byte("\ufeff报告编号,")) {
		t.Errorf("reports.csv starts %q", csv[:20])
	}

	for _, bad := range [][]string{{"export", "--month", "2026-13"}, {"export", "extra"}} {
		if _, _, code := runExportCmd(t, bad...); code != 2 {
			t.Errorf("%v: exit %d", bad, code)
		}
	}
	t.Setenv("CONDUCTBOT_SCORE_SCALE", "95=9")
	if _, stderr, code := runExportCmd(t, "export", "--month", "2026-11", "--out", out); code != 1 || !strings.Contains(stderr, "CONDUCTBOT_SCORE_SCALE") {
		t.Errorf("a bad scale: exit %d %s", code, stderr)
	}
}

// TestChatSupervisor: the supervisors' commands are wired into `conductbot chat` next to the other
// capabilities; /stats gives the scores, then the daily question's participation from the reminders.
func TestChatSupervisor(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("CONDUCTBOT_DATA_DIR", dir)
	t.Setenv("DATABASE_URL", "")
	t.Setenv("CONDUCTBOT_ADMINS", "")
	in, w := io.Pipe()
	var stdout, stderr exportBuffer
	done := make(chan int, 1)
	go func() {
		done <- run(context.Background(), testClock(), []string{"chat", "--as", "supervisor", "--user", "77"}, in, &stdout, &stderr)
	}()
	for _, l := range []string{"/reports", "/stats", "/rectify", "/heads", "/quit"} {
		io.WriteString(w, l+"\n")
	}
	w.Close()
	if code := <-done; code != 0 {
		t.Fatalf("exit code %d: %s", code, stderr.String())
	}
	out := stdout.String()
	for _, want := range []string{"暗访报告（第 1/1 页，共 0 份）", "窗口服务规范化评分", "还没有已确认的暗访报告", "每日提醒与每日一题", "没有未完成的整改", "仅限管理员"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
}

// exportBuffer is a buffer safe for concurrent use.
type exportBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *exportBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *exportBuffer) String() string { b.mu.Lock(); defer b.mu.Unlock(); return b.b.String() }
