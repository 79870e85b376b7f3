package workday

import (
	"bufio"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"path"
	"slices"
	"strconv"
	"strings"
	"time"
)

//go:embed calendar/*.txt
var calendarFiles embed.FS

// Calendar statuses.
const (
	StatusOfficial    = "official"    // as announced by the State Council
	StatusProvisional = "provisional" // an estimate until the announcement
)

// Year is one year's working-day calendar: the days off that would otherwise be working days (public
// holidays and the days moved next to them) and the make-up working days on weekends (调休上班).
type Year struct {
	Year   int
	Status string // StatusOfficial or StatusProvisional
	Source string
	Off    map[Date]string // date → holiday name
	Work   map[Date]string // date → why it is a working day
	Text   string          // the file it was read from
}

// ParseYear reads a calendar file (format: workday/calendar/2026.txt).
func ParseYear(text string) (*Year, error) {
	y := &Year{Off: map[Date]string{}, Work: map[Date]string{}, Text: text}
	sc := bufio.NewScanner(strings.NewReader(text))
	line := 0
	type pending struct {
		line     int
		kind     string
		from, to Date
		name     string
	}
	var entries []pending
	for sc.Scan() {
		line++
		s := sc.Text()
		if i := strings.IndexByte(s, '#'); i >= 0 {
			s = s[:i]
		}
		s = strings.TrimSpace(s)
		if s == "" {
			continue
		}
		key, rest, _ := strings.Cut(s, " ")
		rest = strings.TrimSpace(rest)
		switch key {
		case "year":
			n, err := strconv.Atoi(rest)
			if err != nil || n < 2000 || n > 2200 {
				return nil, fmt.Errorf("line %d: year %q", line, rest)
			}
			y.Year = n
		case "status":
			if rest != StatusOfficial && rest != StatusProvisional {
				return nil, fmt.Errorf("line %d: status %q: want %s or %s", line, rest, StatusOfficial, StatusProvisional)
			}
			y.Status = rest
		case "source":
			y.Source = rest
		case "off", "work":
			span, name, _ := strings.Cut(rest, " ")
			name = strings.TrimSpace(name)
			if name == "" {
				return nil, fmt.Errorf("line %d: %s %s: name the day (元旦, 春节调休上班 …)", line, key, span)
			}
			a, b, isRange := strings.Cut(span, "..")
			from, err := ParseDate(a)
			if err != nil {
				return nil, fmt.Errorf("line %d: %w", line, err)
			}
			to := from
			if isRange {
				if key == "work" {
					return nil, fmt.Errorf("line %d: list make-up working days one a line", line)
				}
				if to, err = ParseDate(b); err != nil {
					return nil, fmt.Errorf("line %d: %w", line, err)
				}
				if to.Before(from) || from.AddDays(31).Before(to) {
					return nil, fmt.Errorf("line %d: range %s", line, span)
				}
			}
			entries = append(entries, pending{line, key, from, to, name})
		default:
			return nil, fmt.Errorf("line %d: unknown directive %q (want year, status, source, off or work)", line, key)
		}
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	if y.Year == 0 {
		return nil, errors.New("no year line")
	}
	if y.Status == "" {
		return nil, errors.New("no status line (official or provisional)")
	}
	for _, e := range entries {
		for d := e.from; !e.to.Before(d); d = d.AddDays(1) {
			if d.Year != y.Year {
				return nil, fmt.Errorf("line %d: %s is not in %d", e.line, d, y.Year)
			}
			if e.kind == "work" {
				if wd := d.Weekday(); wd != time.Saturday && wd != time.Sunday {
					return nil, fmt.Errorf("line %d: make-up working day %s is a %s, already a working day", e.line, d, wd)
				}
				y.Work[d] = e.name
			} else {
				y.Off[d] = e.name
			}
			if _, both := y.Work[d]; both {
				if _, off := y.Off[d]; off {
					return nil, fmt.Errorf("line %d: %s is listed both as a day off and as a working day", e.line, d)
				}
			}
		}
	}
	return y, nil
}

// ShippedYears are the calendars embedded in the binary (2026 official; 2027 provisional).
func ShippedYears() map[int]*Year {
	out := map[int]*Year{}
	entries, err := fs.ReadDir(calendarFiles, "calendar")
	if err != nil {
		panic(err)
	}
	for _, e := range entries {
		b, err := fs.ReadFile(calendarFiles, path.Join("calendar", e.Name()))
		if err != nil {
			panic(err)
		}
		y, err := ParseYear(string(b))
		if err != nil {
			panic(fmt.Sprintf("workday: shipped calendar %s: %v", e.Name(), err))
		}
		if e.Name() != strconv.Itoa(y.Year)+".txt" {
			panic(fmt.Sprintf("workday: shipped calendar %s says year %d", e.Name(), y.Year))
		}
		out[y.Year] = y
	}
	return out
}

// Calendar tells working days from days off. Years without a file fall back to Monday–Friday.
type Calendar struct {
	years map[int]*Year
}

// NewCalendar builds a calendar from years; later years of the same number replace earlier ones.
func NewCalendar(years ...*Year) *Calendar {
	c := &Calendar{years: map[int]*Year{}}
	for _, y := range years {
		if y != nil {
			c.years[y.Year] = y
		}
	}
	return c
}

// ShippedCalendar is the calendar of the embedded files.
func ShippedCalendar() *Calendar {
	return NewCalendar(slices.Collect(maps.Values(ShippedYears()))...)
}

// Year returns the year's file, if the calendar has one.
func (c *Calendar) Year(n int) (*Year, bool) {
	y, ok := c.years[n]
	return y, ok
}

// Years lists the years the calendar has files for, in order.
func (c *Calendar) Years() []int { return slices.Sorted(maps.Keys(c.years)) }

// DayInfo is what the calendar says about one date.
type DayInfo struct {
	Date    Date
	Workday bool
	Reason  string // 工作日, 周末, the holiday's name, or the make-up day's name
	Known   bool   // the date's year has a file; false: Monday–Friday fallback
	Status  string // the year's status when Known
}

// Day tells whether d is a working day.
func (c *Calendar) Day(d Date) DayInfo {
	info := DayInfo{Date: d}
	weekend := d.Weekday() == time.Saturday || d.Weekday() == time.Sunday
	y, ok := c.years[d.Year]
	if ok {
		info.Known, info.Status = true, y.Status
		if name, off := y.Off[d]; off {
			info.Reason = name
			return info
		}
		if name, work := y.Work[d]; work {
			info.Workday, info.Reason = true, name
			return info
		}
	}
	if weekend {
		info.Reason = "周末"
		return info
	}
	info.Workday, info.Reason = true, "工作日"
	return info
}

// IsWorkday reports whether d is a working day.
func (c *Calendar) IsWorkday(d Date) bool { return c.Day(d).Workday }

// NextWorkday is the first working day after d (within a year; zero Date if none, which cannot happen with
// Monday–Friday weeks).
func (c *Calendar) NextWorkday(d Date) Date {
	for i := 1; i <= 366; i++ {
		if n := d.AddDays(i); c.IsWorkday(n) {
			return n
		}
	}
	return Date{}
}

// AddWorkdays is the n-th working day after start (start itself does not count): 5 working days from a Friday
// is the next Friday, later when a public holiday falls between, earlier when a weekend is a make-up working
// day (调休上班). n ≤ 0 gives start.
func (c *Calendar) AddWorkdays(start Date, n int) Date {
	d := start
	for i := 0; i < n; {
		d = d.AddDays(1)
		if c.IsWorkday(d) {
			i++
		}
	}
	return d
}

// WorkdaysLate counts the working days after deadline up to and including today: 0 when not late.
func (c *Calendar) WorkdaysLate(deadline, today Date) int {
	n := 0
	for d := deadline.AddDays(1); !d.After(today) && n < 1000; d = d.AddDays(1) {
		if c.IsWorkday(d) {
			n++
		}
	}
	return n
}

// Notice is what an admin must be told about the calendar on day: the current year has no file (Monday to
// Friday is assumed) or only a provisional one; in December, the same of next year. Each notice has a Key
// that stays the same until the calendar changes, so it can be given once.
type Notice struct {
	Key  string // e.g. "calendar-provisional-2027-ahead"
	Year int
	Text string // in Chinese, for admins
}

// Notices lists what the calendar lacks as of day.
func (c *Calendar) Notices(day Date) []Notice {
	var out []Notice
	check := func(year int, ahead bool) {
		y, ok := c.Year(year)
		var n Notice
		switch {
		case !ok:
			n = Notice{Key: fmt.Sprintf("calendar-missing-%d", year), Year: year,
				Text: fmt.Sprintf("⚠️ 没有 %d 年的工作日历：每日提醒暂按周一至周五发送，不考虑法定节假日和调休。"+
					"请管理员在国务院公布放假安排后更新日历（conductbot remind calendar 文件）。", year)}
		case y.Status == StatusProvisional:
			n = Notice{Key: fmt.Sprintf("calendar-provisional-%d", year), Year: year,
				Text: fmt.Sprintf("⚠️ %d 年的工作日历是预估的（未含调休上班日）。"+
					"国务院公布放假安排后，请管理员更新日历（conductbot remind calendar 文件）。", year)}
		default:
			return
		}
		if ahead {
			n.Key += "-ahead"
		}
		out = append(out, n)
	}
	check(day.Year, false)
	if day.Month == time.December {
		check(day.Year+1, true)
	}
	return out
}

// With is a calendar of c's years with years over them (a year of the same number replaces c's).
func (c *Calendar) With(years ...*Year) *Calendar {
	all := slices.Collect(maps.Values(c.years))
	return NewCalendar(append(all, years...)...)
}
