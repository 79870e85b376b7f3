// Package remindtest has what tests and benchmarks of the reminders share besides the store (they run on the
// real SQLite store, see internal/testenv): a fake clock whose sleeps return at once, moving the clock on, and
// a Recorder that takes what the scheduler and the handlers send.
package remindtest

import (
	"context"
	"sync"
	"time"
)

// Clock is a fake remind.Clock: Sleep returns at once (unless the context has ended) and moves the clock to
// the end of the sleep, so paced broadcasts and retry_after waits take no wall time and the total virtual
// time is what the pacing would have cost. It records every sleep.
type Clock struct {
	mu     sync.Mutex
	t      time.Time
	sleeps []time.Duration
	total  time.Duration
	keep   bool
}

// NewClock starts at t.
func NewClock(t time.Time) *Clock { return &Clock{t: t, keep: true} }

// Now returns the clock's time.
func (c *Clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }

// Set moves the clock to t.
func (c *Clock) Set(t time.Time) { c.mu.Lock(); c.t = t; c.mu.Unlock() }

// Advance moves the clock on by d.
func (c *Clock) Advance(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }

// Sleep implements remind.Clock: the clock moves to at least the sleep's end, measured from when Sleep was
// called, so concurrent sleepers end at the latest of their ends as they would on a real clock.
func (c *Clock) Sleep(ctx context.Context, d time.Duration) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if d <= 0 {
		return nil
	}
	end := c.t.Add(d)
	if end.After(c.t) {
		c.t = end
	}
	c.total += d
	if c.keep && len(c.sleeps) < 100000 {
		c.sleeps = append(c.sleeps, d)
	}
	return nil
}

// Sleeps returns the durations slept so far.
func (c *Clock) Sleeps() []time.Duration {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]time.Duration(nil), c.sleeps...)
}

// Slept is the sum of all sleeps.
func (c *Clock) Slept() time.Duration { c.mu.Lock(); defer c.mu.Unlock(); return c.total }
