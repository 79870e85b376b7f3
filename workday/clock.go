package workday

import (
	"context"
	"slices"
	"sync"
	"time"
)

// Clock is where the program reads the time and waits. Every capability takes one; the program's top injects
// System (or, in a test, a Fake or a clock Started on another date).
type Clock interface {
	Now() time.Time
	// After sends the time on the returned channel once d has passed.
	After(d time.Duration) <-chan time.Time
}

// Sleep waits d on c, or until ctx ends (then it returns ctx.Err()).
func Sleep(ctx context.Context, c Clock, d time.Duration) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if d <= 0 {
		return nil
	}
	select {
	case <-c.After(d):
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// System is the wall clock.
var System Clock = systemClock{}

type systemClock struct{}

func (systemClock) Now() time.Time                         { return time.Now() }
func (systemClock) After(d time.Duration) <-chan time.Time { return time.After(d) }

// Started is a clock that runs at the wall clock's pace from start: the whole program on another date, for
// end-to-end tests and for trying a date by hand (its waits are real waits).
func Started(start time.Time) Clock { return &startedClock{offset: time.Until(start)} }

type startedClock struct{ offset time.Duration }

func (c *startedClock) Now() time.Time { return time.Now().Add(c.offset) }
func (c *startedClock) After(d time.Duration) <-chan time.Time {
	out := make(chan time.Time, 1)
	time.AfterFunc(max(d, 0), func() { out <- c.Now() })
	return out
}

// Fake is a settable clock for tests, safe for concurrent use. Its time moves only when told to (Set, Advance),
// and a wait fires when the clock reaches its end — unless the Fake was made with NewRushing, whose every wait
// returns at once and moves the clock to the wait's end, so paced work takes no wall time and Slept says what
// the pacing would have cost.
type Fake struct {
	mu      sync.Mutex
	t       time.Time
	rushing bool
	timers  []fakeTimer
	asked   []time.Duration
	slept   time.Duration
	changed chan struct{} // closed and replaced whenever a wait is asked for
}

type fakeTimer struct {
	at time.Time
	ch chan time.Time
}

// NewFake is a Fake at t whose waits fire when Set or Advance reach their end.
func NewFake(t time.Time) *Fake { return &Fake{t: t, changed: make(chan struct{})} }

// NewRushing is a Fake at t whose waits return at once, moving the clock on.
func NewRushing(t time.Time) *Fake {
	f := NewFake(t)
	f.rushing = true
	return f
}

// Now returns the clock's time.
func (f *Fake) Now() time.Time { f.mu.Lock(); defer f.mu.Unlock(); return f.t }

// Set moves the clock to t and fires the waits that end by then.
func (f *Fake) Set(t time.Time) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.t = t
	f.fire()
}

// Advance moves the clock on by d and fires the waits that end by then.
func (f *Fake) Advance(d time.Duration) { f.Set(f.Now().Add(d)) }

// fire sends on the timers that are due; f.mu is held.
func (f *Fake) fire() {
	kept := f.timers[:0]
	for _, tm := range f.timers {
		if tm.at.After(f.t) {
			kept = append(kept, tm)
			continue
		}
		tm.ch <- f.t
	}
	f.timers = kept
}

// After implements Clock.
func (f *Fake) After(d time.Duration) <-chan time.Time {
	f.mu.Lock()
	defer f.mu.Unlock()
	ch := make(chan time.Time, 1)
	if len(f.asked) < 100000 {
		f.asked = append(f.asked, d)
	}
	close(f.changed)
	f.changed = make(chan struct{})
	if f.rushing {
		if d > 0 {
			f.t = f.t.Add(d)
			f.slept += d
		}
		ch <- f.t
		f.fire()
		return ch
	}
	f.timers = append(f.timers, fakeTimer{at: f.t.Add(d), ch: ch})
	f.fire()
	return ch
}

// Waits lists every wait asked for so far, in order.
func (f *Fake) Waits() []time.Duration {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.asked)
}

// Slept is the sum of the waits a rushing Fake skipped.
func (f *Fake) Slept() time.Duration { f.mu.Lock(); defer f.mu.Unlock(); return f.slept }

// Pending is the number of waits that have not fired yet.
func (f *Fake) Pending() int { f.mu.Lock(); defer f.mu.Unlock(); return len(f.timers) }

// AwaitWaits blocks until n waits have been asked for in all (or ctx ends) and returns them. Tests use it to know
// that a loop has finished a step and waits for the next.
func (f *Fake) AwaitWaits(ctx context.Context, n int) ([]time.Duration, error) {
	for {
		f.mu.Lock()
		if len(f.asked) >= n {
			out := slices.Clone(f.asked)
			f.mu.Unlock()
			return out, nil
		}
		ch := f.changed
		f.mu.Unlock()
		select {
		case <-ch:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
}
