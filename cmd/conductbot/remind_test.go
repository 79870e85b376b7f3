package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func runCmd(t *testing.T, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	var out, errb bytes.Buffer
	code = run(context.Background(), args, strings.NewReader(""), &out, &errb)
	return out.String(), errb.String(), code
}

func TestRemindCalendarCommand(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("CONDUCTBOT_DATA_DIR", dir)
	t.Setenv("DATABASE_URL", "")
	out, errs, code := runCmd(t, "remind", "calendar", "--check", filepath.Join("..", "..", "remind", "calendar", "2026.txt"))
	if code != 0 || !strings.Contains(out, "2026 (official)") || !strings.Contains(out, "2026-10-10 Saturday  work 国庆节调休上班") ||
		!strings.Contains(out, "248 working days") {
		t.Fatalf("check: %d %s %s", code, out, errs)
	}
	if _, err := os.Stat(filepath.Join(dir, "conductbot.db")); err == nil {
		t.Fatal("--check opened the store")
	}

	file := filepath.Join(dir, "2027.txt")
	if err := os.WriteFile(file, []byte("year 2027\nstatus official\nsource 测试\noff 2027-01-01 元旦\nwork 2027-01-02 元旦调休上班\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	out, errs, code = runCmd(t, "remind", "calendar", file)
	if code != 0 || !strings.Contains(out, "stored") {
		t.Fatalf("store: %d %s %s", code, out, errs)
	}
	out, errs, code = runCmd(t, "remind", "calendar", "--show", "2027")
	if code != 0 || !strings.Contains(out, "2027 (official): 测试") || !strings.Contains(out, "2027-01-02 Saturday  work") {
		t.Fatalf("show: %d %s %s", code, out, errs)
	}

	bad := filepath.Join(dir, "bad.txt")
	if err := os.WriteFile(bad, []byte("year 2027\nstatus official\nwork 2027-01-04 调休\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, errs, code = runCmd(t, "remind", "calendar", bad); code == 0 || !strings.Contains(errs, "already a working day") {
		t.Fatalf("bad file: %d %s", code, errs)
	}
	if _, _, code = runCmd(t, "remind"); code != 2 {
		t.Fatalf("no subcommand: exit %d", code)
	}
	out, errs, code = runCmd(t, "remind", "status")
	if code != 0 || !strings.Contains(out, "subscribed: 0 users, 0 groups") {
		t.Fatalf("status: %d %s %s", code, out, errs)
	}
}
