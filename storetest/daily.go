package storetest

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/conductbot/conductbot/workday"
)

// TestDaily is the contract of workday.Claims: a daily run is claimed by one owner at a time, taken over when
// its lease ran out, and never again once done; runs of other days and jobs, and once-in-all runs (the zero
// day), are apart.
func TestDaily(t *testing.T, open func(tb testing.TB) workday.Claims) {
	ctx := context.Background()
	s := open(t)
	day := workday.MustDate("2026-12-01")
	t0 := time.Date(2026, 12, 1, 1, 0, 0, 0, time.UTC)
	lease := t0.Add(10 * time.Minute)
	claim := func(job string, d workday.Date, owner string, now time.Time) workday.RunClaim {
		t.Helper()
		got, err := s.ClaimRun(ctx, job, d, owner, now, now.Add(10*time.Minute))
		if err != nil {
			t.Fatal(err)
		}
		return got
	}
	// Eight instances at once: one wins.
	var wg sync.WaitGroup
	var mu sync.Mutex
	wins := 0
	for i := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			got, err := s.ClaimRun(ctx, "supervise.overdue", day, string(rune('a'+i)), t0, lease)
			if err != nil {
				t.Error(err)
			}
			if got == workday.Claimed {
				mu.Lock()
				wins++
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if wins != 1 {
		t.Fatalf("the run was claimed %d times", wins)
	}
	if got := claim("supervise.overdue", day, "z", t0.Add(time.Minute)); got != workday.Busy {
		t.Fatalf("while the lease lasts: %v, want Busy", got)
	}
	// The lease ran out (its holder died): another instance takes it over, and its holder may claim it again.
	if got := claim("supervise.overdue", day, "z", t0.Add(11*time.Minute)); got != workday.Claimed {
		t.Fatalf("after the lease: %v, want Claimed", got)
	}
	if got := claim("supervise.overdue", day, "z", t0.Add(12*time.Minute)); got != workday.Claimed {
		t.Fatalf("the holder again: %v, want Claimed", got)
	}
	if err := s.FinishRun(ctx, "supervise.overdue", day, "z"); err != nil {
		t.Fatal(err)
	}
	for _, owner := range []string{"z", "y"} {
		if got := claim("supervise.overdue", day, owner, t0.Add(48*time.Hour)); got != workday.Finished {
			t.Fatalf("done, to %s: %v, want Finished", owner, got)
		}
	}
	if got := claim("supervise.overdue", day.AddDays(1), "y", t0); got != workday.Claimed {
		t.Fatalf("the next day: %v", got)
	}
	if got := claim("remind.calendar", day, "y", t0); got != workday.Claimed {
		t.Fatalf("another job: %v", got)
	}
	// A once-in-all run.
	ran := 0
	for range 3 {
		did, err := workday.Once(ctx, s, "calendar-missing-2028", workday.Date{}, "y", t0, func(context.Context) error { ran++; return nil })
		if err != nil {
			t.Fatal(err)
		}
		_ = did
	}
	if ran != 1 {
		t.Fatalf("a notice ran %d times", ran)
	}
}
