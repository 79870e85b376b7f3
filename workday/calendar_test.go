package workday_test

import (
	"strings"
	"testing"
	"time"

	"github.com/conductbot/conductbot/workday"
)

func date(s string) workday.Date {
	d, err := workday.ParseDate(s)
	if err != nil {
		panic(err)
	}
	return d
}

func TestShippedCalendar2026(t *testing.T) {
	cal := workday.ShippedCalendar()
	y, ok := cal.Year(2026)
	if !ok || y.Status != workday.StatusOfficial {
		t.Fatalf("2026: %v %+v", ok, y)
	}
	cases := []struct {
		day     string
		workday bool
		reason  string
	}{
		{"2026-01-01", false, "元旦"},     // Thursday, public holiday
		{"2026-01-02", false, "元旦"},     // Friday, moved next to it
		{"2026-01-04", true, "元旦调休上班"},  // Sunday, make-up working day
		{"2026-01-05", true, "工作日"},     // Monday
		{"2026-02-14", true, "春节调休上班"},  // Saturday
		{"2026-02-16", false, "春节"},     // Monday, 除夕
		{"2026-02-23", false, "春节"},     // Monday, the last day off
		{"2026-02-24", true, "工作日"},     // Tuesday
		{"2026-02-28", true, "春节调休上班"},  // Saturday
		{"2026-04-06", false, "清明节"},    // Monday
		{"2026-05-05", false, "劳动节"},    // Tuesday
		{"2026-05-09", true, "劳动节调休上班"}, // Saturday
		{"2026-06-19", false, "端午节"},    // Friday
		{"2026-09-20", true, "国庆节调休上班"}, // Sunday
		{"2026-09-25", false, "中秋节"},    // Friday
		{"2026-10-07", false, "国庆节"},    // Wednesday
		{"2026-10-08", true, "工作日"},     // Thursday
		{"2026-10-10", true, "国庆节调休上班"}, // Saturday
		{"2026-11-07", false, "周末"},     // an ordinary Saturday
		{"2026-11-08", false, "周末"},     // an ordinary Sunday
		{"2026-11-02", true, "工作日"},     // an ordinary Monday
	}
	for _, c := range cases {
		info := cal.Day(date(c.day))
		if info.Workday != c.workday || info.Reason != c.reason || !info.Known {
			t.Errorf("%s: workday=%v reason=%q known=%v; want %v %q", c.day, info.Workday, info.Reason, info.Known, c.workday, c.reason)
		}
	}
	// 365 days − 104 weekend days − 13 statutory holidays = 248 working days: the 19 weekdays off are exactly
	// made up by the 6 make-up Saturdays and Sundays plus the statutory days falling on weekends.
	n := 0
	for d := date("2026-01-01"); d.Year == 2026; d = d.AddDays(1) {
		if cal.IsWorkday(d) {
			n++
		}
	}
	if n != 248 {
		t.Errorf("2026 has %d working days, want 248", n)
	}
}

func TestShippedCalendar2027IsProvisional(t *testing.T) {
	cal := workday.ShippedCalendar()
	y, ok := cal.Year(2027)
	if !ok || y.Status != workday.StatusProvisional || !strings.Contains(y.Text, "PROVISIONAL") {
		t.Fatalf("2027 must ship as provisional: %v %+v", ok, y)
	}
	if len(y.Work) != 0 {
		t.Errorf("a provisional year cannot know make-up working days: %v", y.Work)
	}
	for _, d := range []string{"2027-01-01", "2027-02-05", "2027-02-08", "2027-02-10", "2027-04-05", "2027-05-03",
		"2027-06-09", "2027-09-15", "2027-10-05"} {
		if cal.IsWorkday(date(d)) {
			t.Errorf("%s should be a day off", d)
		}
	}
	if !cal.IsWorkday(date("2027-02-11")) || !cal.IsWorkday(date("2027-10-06")) {
		t.Error("the days after the holidays are working days")
	}
}

func TestCalendarFallsBackToMondayToFriday(t *testing.T) {
	cal := workday.ShippedCalendar()
	mon, sat := cal.Day(date("2030-01-07")), cal.Day(date("2030-01-05"))
	if mon.Known || !mon.Workday || sat.Known || sat.Workday {
		t.Fatalf("fallback: %+v %+v", mon, sat)
	}
	// 2030-01-01 is a Tuesday: without a file, the holiday is not known.
	if !cal.IsWorkday(date("2030-01-01")) {
		t.Error("without a file every weekday is a working day")
	}
}

func TestParseYearRejectsMistakes(t *testing.T) {
	head := "year 2026\nstatus official\nsource test\n"
	for name, text := range map[string]string{
		"no year":              "status official\n",
		"no status":            "year 2026\n",
		"bad status":           "year 2026\nstatus maybe\n",
		"make-up on a weekday": head + "work 2026-11-02 调休\n",
		"other year":           head + "off 2027-01-01 元旦\n",
		"both":                 head + "off 2026-01-04 元旦\nwork 2026-01-04 调休\n",
		"no name":              head + "off 2026-01-01\n",
		"unknown directive":    head + "holiday 2026-01-01 元旦\n",
		"backwards range":      head + "off 2026-01-03..2026-01-01 元旦\n",
		"bad date":             head + "off 2026-13-01 元旦\n",
	} {
		if _, err := workday.ParseYear(text); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	y, err := workday.ParseYear(head + "off 2026-01-01..2026-01-03 元旦 # comment\nwork 2026-01-04 元旦调休上班\n")
	if err != nil || len(y.Off) != 3 || len(y.Work) != 1 {
		t.Fatalf("%v %+v", err, y)
	}
}

func TestDateHelpers(t *testing.T) {
	shanghai := time.FixedZone("CST", 8*3600)
	// 23:30 UTC on 2 November is 07:30 on 3 November in Shanghai.
	if d := workday.DateOf(time.Date(2026, 11, 2, 23, 30, 0, 0, time.UTC), shanghai); d.String() != "2026-11-03" {
		t.Fatalf("DateOf: %s", d)
	}
	if d := date("2026-12-31").AddDays(1); d.String() != "2027-01-01" {
		t.Fatalf("AddDays: %s", d)
	}
	if d, ok := workday.ParseCompact("20261102"); !ok || d.String() != "2026-11-02" || d.Compact() != "20261102" {
		t.Fatal("compact")
	}
	if _, ok := workday.ParseCompact("2026110"); ok {
		t.Fatal("short compact accepted")
	}
	if s := date("2026-11-02").Long(); s != "2026年11月2日 星期一" {
		t.Fatalf("Chinese: %s", s)
	}
}

// TestDeadlines counts rectification deadlines in working days on the shipped calendar of 2026 (国务院办公厅
// 2025-11-04): weekends, public holidays, and make-up working days on weekends (调休上班).
func TestDeadlines(t *testing.T) {
	cal := workday.ShippedCalendar()
	for _, c := range []struct {
		name  string
		start string
		n     int
		want  string
	}{
		{"within a week", "2026-11-02", 5, "2026-11-09"},              // Monday → next Monday
		{"across a weekend", "2026-11-05", 5, "2026-11-12"},           // Thursday: Fri, Mon, Tue, Wed, Thu
		{"required on a Saturday", "2026-11-07", 5, "2026-11-13"},     // Mon…Fri of the next week
		{"across 中秋 and a weekend", "2026-09-23", 5, "2026-10-08"},    // 24, 28, 29, 30 Sep; 25–27 off; 1–7 Oct 国庆
		{"across 国庆 with 调休 Saturday", "2026-09-30", 5, "2026-10-13"}, // 8, 9, 10 (Sat, 调休上班), 12, 13 Oct
		{"across 劳动节", "2026-04-29", 3, "2026-05-07"},                 // 30 Apr; 1–5 May off; 6, 7 May
		{"调休 Saturday counts", "2026-05-08", 1, "2026-05-09"},         // Saturday 9 May is a working day
		{"across 春节", "2026-02-12", 5, "2026-02-26"},                  // 13, 14 (调休) Feb; 15–23 off; 24, 25, 26
		{"zero days", "2026-11-07", 0, "2026-11-07"},
	} {
		got := cal.AddWorkdays(workday.MustDate(c.start), c.n)
		if got.String() != c.want {
			t.Errorf("%s: %s + %d working days = %s, want %s", c.name, c.start, c.n, got, c.want)
		}
	}
	// Late days count working days only: due Thursday 24 Sep, the next day is 中秋, then a weekend and 国庆.
	if n := cal.WorkdaysLate(workday.MustDate("2026-09-24"), workday.MustDate("2026-10-09")); n != 5 {
		// 28, 29, 30 Sep; 8, 9 Oct
		t.Errorf("WorkdaysLate across the holidays: %d", n)
	}
	if n := cal.WorkdaysLate(workday.MustDate("2026-11-09"), workday.MustDate("2026-11-09")); n != 0 {
		t.Errorf("late on the deadline itself: %d", n)
	}
	// Years without a file fall back to Monday–Friday.
	if got := cal.AddWorkdays(workday.MustDate("2031-01-03"), 5); got.String() != "2031-01-10" {
		t.Errorf("a year without a calendar: %s", got)
	}
}
