package workday

import (
	"context"
	"time"
)

// Clock is where the program reads the time and waits. Every capability takes one; the program's top injects
// System (or, in a test, testkit.Clock or a clock Started on another date).
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
