package supervise

import (
	"context"

	"github.com/conductbot/conductbot/inspect"
	"github.com/conductbot/conductbot/remind"
)

// DefaultRectifyDays is the default time to rectify: 5 working days.
const DefaultRectifyDays = 5

// CalendarSource gives the working-day calendar of China in force: the reminders' calendar (remind.Reminders
// implements it: the shipped years with the ones admins stored over them). Deadlines are counted on it.
type CalendarSource interface {
	Calendar(ctx context.Context) (*remind.Calendar, error)
}

// ShippedCalendar is a CalendarSource of the calendar files shipped with remind.
type ShippedCalendar struct{}

// Calendar returns remind.ShippedCalendar().
func (ShippedCalendar) Calendar(context.Context) (*remind.Calendar, error) {
	return remind.ShippedCalendar(), nil
}

func toRemind(d inspect.Date) remind.Date {
	return remind.Date{Year: d.Year, Month: d.Month, Day: d.Day}
}

// AddWorkdays is the n-th working day after start (start itself does not count): a rectification required on
// a Friday with 5 working days is due the next Friday, later when a public holiday falls between, earlier when
// a weekend is a make-up working day (调休上班). n ≤ 0 gives start.
func AddWorkdays(cal *remind.Calendar, start inspect.Date, n int) inspect.Date {
	d := start
	for i := 0; i < n; {
		d = d.AddDays(1)
		if cal.IsWorkday(toRemind(d)) {
			i++
		}
	}
	return d
}

// IsWorkday reports whether d is a working day on cal.
func IsWorkday(cal *remind.Calendar, d inspect.Date) bool { return cal.IsWorkday(toRemind(d)) }

// WorkdaysLate counts the working days after deadline up to and including today: 0 when not late.
func WorkdaysLate(cal *remind.Calendar, deadline, today inspect.Date) int {
	n := 0
	for d := deadline.AddDays(1); !d.After(today) && n < 1000; d = d.AddDays(1) {
		if cal.IsWorkday(toRemind(d)) {
			n++
		}
	}
	return n
}
