package workday_test

import (
	"context"
	"errors"
	"github.com/conductbot/conductbot/internal/testkit"
	"slices"
	"testing"
	"time"

	"github.com/conductbot/conductbot/workday"
)

var cst = time.FixedZone("CST", 8*3600)

func at(date string, hour, minute int) time.Time { return workday.MustDate(date).At(hour, minute, cst) }

// TestDailyRunsOnWorkingDays drives a 9:00 job on working days over a fortnight of the shipped calendar around
// 国庆 2026, one step a day at 9:00 and one at 8:00: it runs on working days (the make-up Saturday 10 October
// included) and not on weekends and holidays, once a day, never before its time.
func TestDailyRunsOnWorkingDays(t *testing.T) {
	clock := testkit.NewClock(at("2026-09-28", 8, 0))
	var ran []string
	d := &workday.Daily{Clock: clock, Location: cst}
	if err := d.Add(workday.Job{Name: "t.job", At: 9 * 60, Run: func(_ context.Context, day workday.Date) error {
		ran = append(ran, day.String())
		return nil
	}}); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	for day := workday.MustDate("2026-09-28"); day.Before(workday.MustDate("2026-10-13")); day = day.AddDays(1) {
		clock.Set(day.At(8, 0, cst))
		if next := d.RunDue(ctx); !next.Equal(day.At(9, 0, cst)) {
			t.Fatalf("%s 8:00: next run %v, want 9:00 the same day", day, next)
		}
		clock.Set(day.At(9, 0, cst))
		d.RunDue(ctx)
		clock.Set(day.At(17, 0, cst))
		if next := d.RunDue(ctx); !next.Equal(day.AddDays(1).At(9, 0, cst)) {
			t.Fatalf("%s 17:00: next run %v, want 9:00 the next day", day, next)
		}
	}
	// 29, 30 Sep; 1–7 Oct 国庆 and 中秋; 10 Oct (Sat) 调休上班; 12 Oct.
	want := []string{"2026-09-28", "2026-09-29", "2026-09-30", "2026-10-08", "2026-10-09", "2026-10-10", "2026-10-12"}
	if !slices.Equal(ran, want) {
		t.Fatalf("ran on %v, want %v", ran, want)
	}
}

// TestDailyCatchesUpRetriesAndSurvivesPanics: started after its time the job runs at once; a failing run is
// tried again after Retry, a panicking one too, and neither stops the others.
func TestDailyCatchesUpRetriesAndSurvivesPanics(t *testing.T) {
	clock := testkit.NewClock(at("2026-11-13", 10, 30)) // a Friday, after 9:00
	fails, panics, every := 1, 1, 0
	var got []string
	d := &workday.Daily{Clock: clock, Location: cst, Retry: 5 * time.Minute}
	add := func(j workday.Job) {
		if err := d.Add(j); err != nil {
			t.Fatal(err)
		}
	}
	add(workday.Job{Name: "fails", At: 9 * 60, Run: func(context.Context, workday.Date) error {
		if fails > 0 {
			fails--
			return errors.New("the store is down")
		}
		got = append(got, "fails")
		return nil
	}})
	add(workday.Job{Name: "panics", At: 9 * 60, Run: func(context.Context, workday.Date) error {
		if panics > 0 {
			panics--
			panic("bug")
		}
		got = append(got, "panics")
		return nil
	}})
	add(workday.Job{Name: "every", At: 10 * 60, Days: workday.EveryDay, Run: func(context.Context, workday.Date) error {
		every++
		return nil
	}})
	if err := d.Add(workday.Job{Name: "every", At: 60, Run: func(context.Context, workday.Date) error { return nil }}); err == nil {
		t.Error("a second job of the same name was added")
	}
	ctx := context.Background()
	if next := d.RunDue(ctx); !next.Equal(at("2026-11-13", 10, 35)) || len(got) != 0 || every != 1 {
		t.Fatalf("catch-up: next %v, ran %v, every %d", next, got, every)
	}
	clock.Advance(5 * time.Minute)
	if next := d.RunDue(ctx); !next.Equal(at("2026-11-14", 9, 0)) || !slices.Equal(got, []string{"fails", "panics"}) {
		t.Fatalf("retry: next %v, ran %v", next, got)
	}
	clock.Set(at("2026-11-14", 10, 0)) // Saturday: only the every-day job
	d.RunDue(ctx)
	if len(got) != 2 || every != 2 {
		t.Fatalf("Saturday: ran %v, every %d", got, every)
	}
}

// TestDailyRunLoop runs the loop itself on a settable clock: it waits for the job's time, runs it, and stops
// when its context ends.
func TestDailyRunLoop(t *testing.T) {
	clock := testkit.NewClock(at("2026-11-02", 8, 0))
	ran := make(chan workday.Date, 4)
	d := &workday.Daily{Clock: clock, Location: cst}
	if err := d.Add(workday.Job{Name: "t.loop", At: 9 * 60, Run: func(_ context.Context, day workday.Date) error {
		ran <- day
		return nil
	}}); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- d.Run(ctx) }()
	waits, err := clock.AwaitWaits(ctx, 1)
	if err != nil || waits[0] != time.Hour {
		t.Fatalf("the loop waits %v (%v), want an hour to 9:00", waits, err)
	}
	clock.Advance(time.Hour)
	select {
	case day := <-ran:
		if day.String() != "2026-11-02" {
			t.Fatalf("ran for %s", day)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the job did not run at 9:00")
	}
	if _, err := clock.AwaitWaits(ctx, 2); err != nil {
		t.Fatal(err)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}

// TestRushingClock: a rushing Fake's waits return at once and move the clock, as paced broadcasts need.
func TestRushingClock(t *testing.T) {
	start := at("2026-11-02", 8, 0)
	c := testkit.NewRushingClock(start)
	ctx := context.Background()
	for range 3 {
		if err := workday.Sleep(ctx, c, 40*time.Millisecond); err != nil {
			t.Fatal(err)
		}
	}
	if c.Slept() != 120*time.Millisecond || !c.Now().Equal(start.Add(120*time.Millisecond)) {
		t.Fatalf("slept %v, now %v", c.Slept(), c.Now())
	}
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if err := workday.Sleep(cctx, c, time.Hour); !errors.Is(err, context.Canceled) {
		t.Fatalf("a cancelled sleep: %v", err)
	}
}

// TestStartedClock runs at the wall clock's pace from its start.
func TestStartedClock(t *testing.T) {
	start := at("2027-01-01", 9, 0)
	c := workday.Started(start)
	if d := c.Now().Sub(start); d < 0 || d > time.Minute {
		t.Fatalf("started %v after its start", d)
	}
	before := c.Now()
	if got := <-c.After(time.Millisecond); got.Before(before) {
		t.Fatalf("After fired at %v, before %v", got, before)
	}
}
