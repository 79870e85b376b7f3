// Package workday is the program's one notion of time: civil dates in the center's zone (Date), the working-day
// calendar of China with its weekends, public holidays and make-up working days (Calendar), the clock every
// capability reads (Clock, with a real and a settable implementation), and jobs that run at a time of day on
// working days, once across the instances sharing a store (Daily).
//
// Nothing else in the program reads the wall clock to decide what to do: the clock is injected at the top
// (cmd/conductbot's run) and handed down, so a test can run the whole bot on any date.
package workday

import (
	"fmt"
	"strings"
	"time"
)

// Date is a calendar day in the center's time zone (CONDUCTBOT_TZ), without a time of day. The zero Date is
// "no date". Stores keep it as "YYYY-MM-DD".
type Date struct {
	Year  int
	Month time.Month
	Day   int
}

// DateOf is the day t falls on in loc (t's own zone when loc is nil).
func DateOf(t time.Time, loc *time.Location) Date {
	if loc != nil {
		t = t.In(loc)
	}
	y, m, d := t.Date()
	return Date{y, m, d}
}

// ParseDate reads YYYY-MM-DD.
func ParseDate(s string) (Date, error) {
	t, err := time.Parse(time.DateOnly, strings.TrimSpace(s))
	if err != nil {
		return Date{}, fmt.Errorf("date %q: want YYYY-MM-DD", s)
	}
	return Date{t.Year(), t.Month(), t.Day()}, nil
}

// MustDate is ParseDate for constants in tests and tables; it panics on a bad date.
func MustDate(s string) Date {
	d, err := ParseDate(s)
	if err != nil {
		panic(err)
	}
	return d
}

// ParseCompact reads "YYYYMMDD" (callback data).
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

// String is YYYY-MM-DD, or "" for the zero Date.
func (d Date) String() string {
	if d.IsZero() {
		return ""
	}
	return fmt.Sprintf("%04d-%02d-%02d", d.Year, int(d.Month), d.Day)
}

// Compact is "YYYYMMDD", for callback data.
func (d Date) Compact() string { return fmt.Sprintf("%04d%02d%02d", d.Year, int(d.Month), d.Day) }

// IsZero reports whether d is the zero Date.
func (d Date) IsZero() bool { return d == Date{} }

// Time is midnight of the day in loc (UTC when loc is nil).
func (d Date) Time(loc *time.Location) time.Time { return d.At(0, 0, loc) }

// At is the instant of hour:minute on d in loc (UTC when loc is nil).
func (d Date) At(hour, minute int, loc *time.Location) time.Time {
	if loc == nil {
		loc = time.UTC
	}
	return time.Date(d.Year, d.Month, d.Day, hour, minute, 0, 0, loc)
}

// AddDays returns the day n days later (earlier when n < 0).
func (d Date) AddDays(n int) Date {
	return DateOf(time.Date(d.Year, d.Month, d.Day+n, 12, 0, 0, 0, time.UTC), nil)
}

// Compare orders dates: -1 when d is before e, 0 when equal, +1 after.
func (d Date) Compare(e Date) int { return d.Time(nil).Compare(e.Time(nil)) }

// Before reports whether d is before e.
func (d Date) Before(e Date) bool { return d.Compare(e) < 0 }

// After reports whether d is after e.
func (d Date) After(e Date) bool { return d.Compare(e) > 0 }

// DaysSince is the number of days from e to d (positive when d is later).
func (d Date) DaysSince(e Date) int { return int(d.Time(nil).Sub(e.Time(nil)).Hours() / 24) }

// Weekday is the day of the week.
func (d Date) Weekday() time.Weekday { return d.At(12, 0, nil).Weekday() }

// Chinese is the date as shown in a list: 11月2日, with the year when it is not year.
func (d Date) Chinese(year int) string {
	if d.Year != year {
		return fmt.Sprintf("%d年%d月%d日", d.Year, int(d.Month), d.Day)
	}
	return fmt.Sprintf("%d月%d日", int(d.Month), d.Day)
}

// Long is the date as a heading reads it: "2026年11月2日 星期一".
func (d Date) Long() string {
	return fmt.Sprintf("%d年%d月%d日 %s", d.Year, int(d.Month), d.Day, WeekdayName(d.Weekday()))
}

// WeekdayName is 星期一 … 星期日.
func WeekdayName(w time.Weekday) string { return weekdayNames[w] }

var weekdayNames = [...]string{"星期日", "星期一", "星期二", "星期三", "星期四", "星期五", "星期六"}

// MarshalText writes YYYY-MM-DD (JSON and database text).
func (d Date) MarshalText() ([]byte, error) { return []byte(d.String()), nil }

// UnmarshalText reads YYYY-MM-DD; empty text is the zero Date.
func (d *Date) UnmarshalText(b []byte) error {
	if len(b) == 0 {
		*d = Date{}
		return nil
	}
	v, err := ParseDate(string(b))
	if err != nil {
		return err
	}
	*d = v
	return nil
}

// MinuteOf is the minute of the day of t in loc: 9:30 is 570.
func MinuteOf(t time.Time, loc *time.Location) int {
	if loc != nil {
		t = t.In(loc)
	}
	return t.Hour()*60 + t.Minute()
}

// ParseClock reads "HH:MM" as a minute of the day.
func ParseClock(s string) (int, error) {
	t, err := time.Parse("15:04", strings.TrimSpace(s))
	if err != nil {
		return 0, fmt.Errorf("time of day %q: want HH:MM", s)
	}
	return t.Hour()*60 + t.Minute(), nil
}

// FormatClock writes a minute of the day as "HH:MM".
func FormatClock(minute int) string { return fmt.Sprintf("%02d:%02d", minute/60, minute%60) }
