package main

import (
	"context"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/conductbot/conductbot/bot/bottest"
	"github.com/conductbot/conductbot/bot/telegramtest"
	"github.com/conductbot/conductbot/config"
	"github.com/conductbot/conductbot/remind"
	"github.com/conductbot/conductbot/sqlite"
)

// workingZone finds a fixed time zone in which it is now a working day between 06:00 and 20:00, so that
// `serve`, which runs on the wall clock, has a reminder due at once.
func workingZone(t *testing.T) (string, remind.Date, int) {
	t.Helper()
	cal := remind.ShippedCalendar()
	now := time.Now()
	for off := -12; off <= 14; off++ {
		name := fmt.Sprintf("Etc/GMT%+d", -off) // POSIX: Etc/GMT-8 is UTC+8
		if off == 0 {
			name = "UTC"
		}
		loc, err := time.LoadLocation(name)
		if err != nil {
			continue
		}
		l := now.In(loc)
		if d := remind.DateOf(now, loc); cal.IsWorkday(d) && l.Hour() >= 6 && l.Hour() < 20 {
			return name, d, l.Hour()*60 + l.Minute()
		}
	}
	t.Skip("no time zone has a working day's daytime now")
	return "", remind.Date{}, 0
}

// serve sends the reminders that are due: a subscriber gets today's reminder once, and a restart does not
// send it again.
func TestServeSendsReminders(t *testing.T) {
	api := telegramtest.New(t)
	serveEnv(t, api)
	tz, today, minute := workingZone(t)
	t.Setenv("CONDUCTBOT_TZ", tz)
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
	for _, id := range []int64{1001, 1002} {
		if err := db.PutSubscription(context.Background(), remind.Subscription{ChatID: id, Minute: max(remind.EarliestMinute, minute-1),
			Enabled: true, Updated: time.Now()}); err != nil {
			t.Fatal(err)
		}
	}
	db.Close()

	helper := telegramtest.User(1003, "xiaozhang", "小张")
	for round := 0; round < 2; round++ {
		ctx, cancel := context.WithCancel(context.Background())
		var stdout, stderr bottest.LogBuffer
		done := make(chan int, 1)
		go func() { done <- run(ctx, []string{"serve"}, strings.NewReader(""), &stdout, &stderr) }()
		// The scheduler's first round runs at start; wait until it is done.
		deadline := time.Now().Add(20 * time.Second)
		for !strings.Contains(stderr.String(), "remind: round done") {
			if time.Now().After(deadline) {
				cancel()
				t.Fatalf("no scheduler round:\n%s", stderr.String())
			}
			time.Sleep(10 * time.Millisecond)
		}
		// Stop only once the bot is polling (a stop in the middle of its start-up is another matter): it has
		// answered a message.
		n := len(api.Sent(1003))
		api.Push(api.Text(telegramtest.Private(helper), helper, "/help"))
		api.WaitSent(t, 1003, n)
		cancel()
		if code := <-done; code != 0 {
			t.Fatalf("exit %d\n%s", code, stderr.String())
		}
		if round == 0 {
			for _, id := range []int64{1001, 1002} {
				c := api.WaitSent(t, id, 0)
				if !strings.Contains(c.Text(), "今日规范") || !strings.Contains(c.Text(), fmt.Sprintf("%d月%d日", int(today.Month), today.Day)) {
					t.Fatalf("reminder to %d: %q", id, c.Text())
				}
			}
		}
	}
	for _, id := range []int64{1001, 1002} {
		if n := len(api.Sent(id)); n != 1 {
			t.Fatalf("chat %d got %d messages over two runs of serve", id, n)
		}
	}
}
