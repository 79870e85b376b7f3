package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/conductbot/conductbot/workday"
)

func runCmd(t *testing.T, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	var out, errb bytes.Buffer
	code = run(context.Background(), testClock(), args, strings.NewReader(""), &out, &errb)
	return out.String(), errb.String(), code
}

func TestRemindCalendarCommand(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("CONDUCTBOT_DATA_DIR", dir)
	t.Setenv("DATABASE_URL", "")
	out, errs, code := runCmd(t, "remind", "calendar", "--check", filepath.Join("..", "..", "workday", "calendar", "2026.txt"))
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

// TestRemindStatusCalendar: `remind status` says, on any date, whether this year's and next year's calendars
// are missing or provisional, and what to do.
func TestRemindStatusCalendar(t *testing.T) {
	for _, c := range []struct {
		date      string
		want, not []string
	}{
		{"2026-11-02", []string{"calendar 2026: official", "the calendar for 2027 is provisional", "conductbot remind calendar FILE"}, []string{"no calendar"}},
		{"2027-06-01", []string{"the calendar for 2027 is provisional", "no calendar for 2028", "to do: when the State Council publishes the 2028 holidays"}, nil},
		{"2029-01-02", []string{"no calendar for 2029", "no calendar for 2030"}, []string{"provisional"}},
	} {
		t.Run(c.date, func(t *testing.T) {
			t.Setenv("CONDUCTBOT_DATA_DIR", t.TempDir())
			t.Setenv("DATABASE_URL", "")
			var out, errb bytes.Buffer
			clock := workday.Started(workday.MustDate(c.date).At(10, 0, time.FixedZone("CST", 8*3600)))
			if code := run(context.Background(), clock, []string{"remind", "status"}, strings.NewReader(""), &out, &errb); code != 0 {
				t.Fatalf("exit %d: %s", code, errb.String())
			}
			for _, w := range c.want {
				if !strings.Contains(out.String(), w) {
					t.Errorf("no %q in\n%s", w, out.String())
				}
			}
			for _, w := range c.not {
				if strings.Contains(out.String(), w) {
					t.Errorf("%q in\n%s", w, out.String())
				}
			}
		})
	}
}
