package supervise

import (
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/conductbot/conductbot/workday"
)

// Month is a calendar month of the center's time zone (CONDUCTBOT_TZ): the period of a window's score. A report
// belongs to the month of its visit date, which is already a day of that zone.
type Month struct {
	Year  int
	Month time.Month
}

// MonthOf is the month of a day.
func MonthOf(d workday.Date) Month { return Month{d.Year, d.Month} }

// MonthAt is the month it is at t in loc (CONDUCTBOT_TZ): 2026-11-30T16:30Z is already December in Asia/Shanghai.
func MonthAt(t time.Time, loc *time.Location) Month { return MonthOf(workday.DateOf(t, loc)) }

var monthPatterns = []*regexp.Regexp{
	regexp.MustCompile(`^(\d{4})[-/.](\d{1,2})$`), // 2026-11, 2026/11
	regexp.MustCompile(`^(\d{4})(\d{2})$`),        // 202611
	regexp.MustCompile(`^(\d{4})年(\d{1,2})月?$`),   // 2026年11月
	regexp.MustCompile(`^()(\d{1,2})月$`),          // 11月: the latest such month not after the current one
	regexp.MustCompile(`^(\d{4})-(\d{2})-\d{2}$`), // a day: its month
}

// ParseMonth reads 2026-11, 202611, 2026年11月, or 11月 (the latest November not after current). current is the
// month it is now; it is only needed for the form without a year.
func ParseMonth(s string, current Month) (Month, error) {
	s = strings.TrimSpace(strings.ReplaceAll(s, " ", ""))
	for _, p := range monthPatterns {
		m := p.FindStringSubmatch(s)
		if m == nil {
			continue
		}
		mo, _ := strconv.Atoi(m[2])
		if mo < 1 || mo > 12 {
			break
		}
		y := current.Year
		if m[1] != "" {
			y, _ = strconv.Atoi(m[1])
		} else if time.Month(mo) > current.Month {
			y--
		}
		if y < 2000 || y > 2200 {
			break
		}
		return Month{y, time.Month(mo)}, nil
	}
	return Month{}, fmt.Errorf("month %q: want YYYY-MM", s)
}

// FirstMonth is the earliest month a supervisor may name: nothing the bot keeps is older.
var FirstMonth = Month{2000, time.January}

// Errors of ParseMonthIn.
var (
	ErrMonthFormat = errors.New("supervise: not a month")
	ErrMonthRange  = errors.New("supervise: month out of range")
)

// LastMonth is the latest month a supervisor may name when it is current now: the month after it.
func LastMonth(current Month) Month { return current.Next() }

// ParseMonthIn is ParseMonth of a month a supervisor typed, bounded to FirstMonth … LastMonth(current): an
// error wrapping ErrMonthFormat when s is no month, ErrMonthRange when it is one outside the range (2200-12).
func ParseMonthIn(s string, current Month) (Month, error) {
	m, err := ParseMonth(s, current)
	if err != nil {
		if y, ok := yearOf(s); ok && (y < FirstMonth.Year || y > LastMonth(current).Year) {
			return Month{}, fmt.Errorf("%w: %q", ErrMonthRange, s)
		}
		return Month{}, fmt.Errorf("%w: %v", ErrMonthFormat, err)
	}
	if m.Before(FirstMonth) || LastMonth(current).Before(m) {
		return Month{}, fmt.Errorf("%w: %s not within %s…%s", ErrMonthRange, m, FirstMonth, LastMonth(current))
	}
	return m, nil
}

// yearOf reads the year of a month written in one of ParseMonth's forms, whatever the year: 9999-01 is a month
// out of range, not something else.
func yearOf(s string) (int, bool) {
	s = strings.TrimSpace(strings.ReplaceAll(s, " ", ""))
	for _, p := range monthPatterns {
		if m := p.FindStringSubmatch(s); m != nil && m[1] != "" {
			y, err := strconv.Atoi(m[1])
			return y, err == nil
		}
	}
	return 0, false
}

// MonthRangeNotice tells a supervisor, in Chinese, which months may be named now.
func MonthRangeNotice(current Month) string {
	return fmt.Sprintf("月份超出范围：只能是 %s 到 %s 之间的月份。", FirstMonth.Chinese(), LastMonth(current).Chinese())
}

// MustMonth is ParseMonth of YYYY-MM for constants in tests and tables; it panics on a bad month.
func MustMonth(s string) Month {
	m, err := ParseMonth(s, Month{2000, 1})
	if err != nil {
		panic(err)
	}
	return m
}

// String is YYYY-MM ("" for the zero Month).
func (m Month) String() string {
	if m.IsZero() {
		return ""
	}
	return fmt.Sprintf("%04d-%02d", m.Year, int(m.Month))
}

// Compact is YYYYMM, for callback data.
func (m Month) Compact() string { return fmt.Sprintf("%04d%02d", m.Year, int(m.Month)) }

// Chinese is 2026年11月.
func (m Month) Chinese() string { return fmt.Sprintf("%d年%d月", m.Year, int(m.Month)) }

// IsZero reports whether m is the zero Month.
func (m Month) IsZero() bool { return m == Month{} }

// First is the month's first day.
func (m Month) First() workday.Date { return workday.Date{Year: m.Year, Month: m.Month, Day: 1} }

// Last is the month's last day.
func (m Month) Last() workday.Date { return m.Next().First().AddDays(-1) }

// Prev is the month before.
func (m Month) Prev() Month { return m.add(-1) }

// Next is the month after.
func (m Month) Next() Month { return m.add(1) }

func (m Month) add(n int) Month {
	t := time.Date(m.Year, m.Month+time.Month(n), 1, 12, 0, 0, 0, time.UTC)
	return Month{t.Year(), t.Month()}
}

// Contains reports whether the day is in the month.
func (m Month) Contains(d workday.Date) bool { return d.Year == m.Year && d.Month == m.Month }

// Before reports whether m is earlier than n.
func (m Month) Before(n Month) bool {
	return m.Year < n.Year || m.Year == n.Year && m.Month < n.Month
}
