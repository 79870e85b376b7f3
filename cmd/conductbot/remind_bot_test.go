package main

import (
	"context"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/conductbot/conductbot/config"
	"github.com/conductbot/conductbot/internal/testkit"
	"github.com/conductbot/conductbot/remind"
	"github.com/conductbot/conductbot/sqlite"
	"github.com/conductbot/conductbot/workday"
)

// TestServeOnEveryDate runs `conductbot serve` end to end through the Bot API stand-in on a table of dates, the
// program's clock started at 09:00 of each (the time every daily job is due), twice (a restart the same day):
// staff get answers; reminders go out on working days only, once; admins are told once when the calendar of the
// year, or in December of the next year, is provisional or missing, and told nothing otherwise.
func TestServeOnEveryDate(t *testing.T) {
	cst := time.FixedZone("CST", 8*3600)
	for _, c := range []struct {
		name    string
		date    string
		workday bool
		notice  string // what admins are told about the calendar, "" for nothing
	}{
		{"1 December: next year provisional", "2026-12-01", true, "2027 年的工作日历是预估的"},
		{"31 December", "2026-12-31", true, "2027 年的工作日历是预估的"},
		{"1 January: 元旦", "2027-01-01", false, ""},
		{"a 调休 working Saturday", "2026-10-10", true, ""},
		{"first working day after the Spring Festival", "2026-02-24", true, ""},
		{"a Sunday", "2026-11-08", false, ""},
		{"a year with no calendar file", "2028-03-01", true, "没有 2028 年的工作日历"},
		{"a year with a provisional calendar", "2027-03-03", true, "2027 年的工作日历是预估的"},
	} {
		t.Run(c.name, func(t *testing.T) {
			day := workday.MustDate(c.date)
			start := day.At(9, 0, cst)
			if got := workday.ShippedCalendar().IsWorkday(day); got != c.workday {
				t.Fatalf("the shipped calendar says working day = %v", got)
			}
			api := testkit.NewAPI(t)
			serveEnv(t, api)
			t.Setenv("CONDUCTBOT_TZ", "Etc/GMT-8")
			subscribe(t, start, 1001, 1002)
			staff := testkit.User(1003, "xiaozhang", "小张")
			for round := range 2 {
				ctx, cancel := context.WithCancel(context.Background())
				var stdout, stderr testkit.LogBuffer
				done := make(chan int, 1)
				clock := workday.Started(start.Add(time.Duration(round) * time.Minute))
				go func() { done <- run(ctx, clock, []string{"serve"}, strings.NewReader(""), &stdout, &stderr) }()
				waitLog(t, &stderr, "remind: round done", "job=remind.calendar")
				n := len(api.Sent(staff.ID))
				api.Push(api.Text(testkit.Private(staff), staff, "上班可以玩手机吗"))
				if got := api.WaitSent(t, staff.ID, n).Text(); !strings.Contains(got, "1.3.3") {
					t.Errorf("round %d: the answer %q", round, got)
				}
				cancel()
				if code := <-done; code != 0 {
					t.Fatalf("exit %d\n%s", code, stderr.String())
				}
			}
			for _, id := range []int64{1001, 1002} {
				sent := api.Sent(id)
				want := 0
				if c.workday {
					want = 1
				}
				if len(sent) != want {
					t.Fatalf("chat %d got %d reminders over two runs, want %d", id, len(sent), want)
				}
				if want == 1 && !strings.Contains(sent[0].Text(), fmt.Sprintf("%d月%d日", int(day.Month), day.Day)) {
					t.Errorf("the reminder of %s: %q", day, sent[0].Text())
				}
			}
			var notices []string
			for _, m := range api.Sent(9001) {
				if strings.Contains(m.Text(), "工作日历") {
					notices = append(notices, m.Text())
				}
			}
			switch {
			case c.notice == "" && len(notices) != 0:
				t.Errorf("admins were told %q", notices)
			case c.notice != "" && (len(notices) != 1 || !strings.Contains(notices[0], c.notice)):
				t.Errorf("admins were told %q, want %q once", notices, c.notice)
			}
		})
	}
}

// subscribe puts chats' daily reminders at 08:30 into the store serve will open.
func subscribe(t *testing.T, now time.Time, chats ...int64) {
	t.Helper()
	cfg, err := config.FromEnv()
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(cfg.DataDir, 0o700); err != nil {
		t.Fatal(err)
	}
	db, err := sqlite.Open(context.Background(), cfg.SQLitePath(), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, id := range chats {
		if err := db.PutSubscription(context.Background(), remind.Subscription{ChatID: id, Minute: 8*60 + 30,
			Enabled: true, Updated: now}); err != nil {
			t.Fatal(err)
		}
	}
}

// waitLog waits until the log holds every one of parts; the timeout only bounds a failing test.
func waitLog(t *testing.T, log *testkit.LogBuffer, parts ...string) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		missing := ""
		for _, p := range parts {
			if !strings.Contains(log.String(), p) {
				missing = p
			}
		}
		if missing == "" {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("no %q in the log:\n%s", missing, log.String())
		}
		time.Sleep(10 * time.Millisecond)
	}
}
