package remind

import (
	"fmt"
	"time"
)

// Date is a civil date in the reminders' time zone (CONDUCTBOT_TZ). Stores keep it as "YYYY-MM-DD".
type Date struct {
	Year  int
	Month time.Month
	Day   int
}

// DateOf is the date of t in loc.
func DateOf(t time.Time, loc *time.Location) Date {
	y, m, d := t.In(loc).Date()
	return Date{y, m, d}
}

// ParseDate reads "YYYY-MM-DD".
func ParseDate(s string) (Date, error) {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return Date{}, fmt.Errorf("date %q: want YYYY-MM-DD", s)
	}
	return Date{t.Year(), t.Month(), t.Day()}, nil
}

// String is "YYYY-MM-DD".
func (d Date) String() string { return fmt.Sprintf("%04d-%02d-%02d", d.Year, int(d.Month), d.Day) }

// Compact is "YYYYMMDD", for callback data.
func (d Date) Compact() string { return fmt.Sprintf("%04d%02d%02d", d.Year, int(d.Month), d.Day) }

// ParseCompact reads "YYYYMMDD".
func ParseCompact(s string) (Date, bool) {
	if len(s) != 8 {
		return Date{}, false
	}
	t, err := time.Parse("20060102", s)
	if err != nil {
		return Date{}, false
	}
	return Date{t.Year(), t.Month(), t.Day()}, true
}

// IsZero reports whether d is the zero Date.
func (d Date) IsZero() bool { return d == Date{} }

// At is the instant of hour:minute on d in loc.
func (d Date) At(hour, minute int, loc *time.Location) time.Time {
	return time.Date(d.Year, d.Month, d.Day, hour, minute, 0, 0, loc)
}

// Weekday is d's day of the week.
func (d Date) Weekday() time.Weekday { return d.At(12, 0, time.UTC).Weekday() }

// AddDays is the date n days after d (before, for negative n).
func (d Date) AddDays(n int) Date {
	t := time.Date(d.Year, d.Month, d.Day+n, 12, 0, 0, 0, time.UTC)
	return Date{t.Year(), t.Month(), t.Day()}
}

// Before reports whether d is earlier than e.
func (d Date) Before(e Date) bool { return d.String() < e.String() }

// Chinese is the date as users read it: "2026年11月2日 星期一".
func (d Date) Chinese() string {
	return fmt.Sprintf("%d年%d月%d日 %s", d.Year, int(d.Month), d.Day, weekdayNames[d.Weekday()])
}

var weekdayNames = [...]string{"星期日", "星期一", "星期二", "星期三", "星期四", "星期五", "星期六"}
