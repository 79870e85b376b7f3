package testkit

import (
	"context"
	"slices"
	"sync"
	"time"
)

// Clock is the tests' settable workday.Clock, safe for concurrent use. Its time moves only when told to (Set,
// Advance), and a wait fires when the clock reaches its end — unless the Clock was made with NewRushingClock,
// whose every wait returns at once and moves the clock to the wait's end, so paced work takes no wall time and
// Slept says what the pacing would have cost; or it holds its waits (HoldWaits), which then fire only when the
// test fires them (Fire).
type Clock struct {
	mu      sync.Mutex
	t       time.Time
	rushing bool
	holding bool
	timers  []clockTimer
	asked   []time.Duration
	slept   time.Duration
	changed chan struct{} // closed and replaced whenever a wait is asked for
}

type clockTimer struct {
	n    int // the wait's place among all asked for, from 0
	at   time.Time
	held bool // fired only by Fire
	ch   chan time.Time
}

// NewClock is a Clock at t whose waits fire when Set or Advance reach their end.
func NewClock(t time.Time) *Clock { return &Clock{t: t, changed: make(chan struct{})} }

// NewRushingClock is a Clock at t whose waits return at once, moving the clock on.
func NewRushingClock(t time.Time) *Clock {
	c := NewClock(t)
	c.rushing = true
	return c
}

// HoldWaits makes the waits asked for from now on fire only when the test fires them (Fire), whatever the
// time: a test then decides which of a loop's timers goes off, and when.
func (c *Clock) HoldWaits() { c.mu.Lock(); defer c.mu.Unlock(); c.holding = true }

// Fire fires the n-th wait asked for (from 0, as Waits and AwaitWaits list them) with the clock's time, if it
// has not fired yet; it tells whether it fired.
func (c *Clock) Fire(n int) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	for i, tm := range c.timers {
		if tm.n == n {
			tm.ch <- c.t
			c.timers = slices.Delete(c.timers, i, i+1)
			return true
		}
	}
	return false
}

// Now returns the clock's time.
func (c *Clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }

// Set moves the clock to t and fires the waits that end by then.
func (c *Clock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = t
	c.fire()
}

// Advance moves the clock on by d and fires the waits that end by then.
func (c *Clock) Advance(d time.Duration) { c.Set(c.Now().Add(d)) }

// fire sends on the timers that are due and not held; c.mu is held.
func (c *Clock) fire() {
	kept := c.timers[:0]
	for _, tm := range c.timers {
		if tm.held || tm.at.After(c.t) {
			kept = append(kept, tm)
			continue
		}
		tm.ch <- c.t
	}
	c.timers = kept
}

// After implements workday.Clock.
func (c *Clock) After(d time.Duration) <-chan time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	ch := make(chan time.Time, 1)
	n := len(c.asked)
	if len(c.asked) < 100000 {
		c.asked = append(c.asked, d)
	}
	close(c.changed)
	c.changed = make(chan struct{})
	if c.rushing && !c.holding {
		if d > 0 {
			c.t = c.t.Add(d)
			c.slept += d
		}
		ch <- c.t
		c.fire()
		return ch
	}
	c.timers = append(c.timers, clockTimer{n: n, at: c.t.Add(d), held: c.holding, ch: ch})
	c.fire()
	return ch
}

// Waits lists every wait asked for so far, in order.
func (c *Clock) Waits() []time.Duration {
	c.mu.Lock()
	defer c.mu.Unlock()
	return slices.Clone(c.asked)
}

// Slept is the sum of the waits a rushing Clock skipped.
func (c *Clock) Slept() time.Duration { c.mu.Lock(); defer c.mu.Unlock(); return c.slept }

// Pending is the number of waits that have not fired yet.
func (c *Clock) Pending() int { c.mu.Lock(); defer c.mu.Unlock(); return len(c.timers) }

// AwaitWaits blocks until n waits have been asked for in all (or ctx ends) and returns them. Tests use it to know
// that a loop has finished a step and waits for the next.
func (c *Clock) AwaitWaits(ctx context.Context, n int) ([]time.Duration, error) {
	for {
		c.mu.Lock()
		if len(c.asked) >= n {
			out := slices.Clone(c.asked)
			c.mu.Unlock()
			return out, nil
		}
		ch := c.changed
		c.mu.Unlock()
		select {
		case <-ch:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
}
