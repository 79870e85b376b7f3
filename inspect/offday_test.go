package inspect_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/conductbot/conductbot/inspect"
	"github.com/conductbot/conductbot/internal/testkit"
	"github.com/conductbot/conductbot/workday"
)

// at is a fake clock at 09:00 of a day in the center's zone.
func at(y int, m time.Month, d int) *testkit.Clock {
	return testkit.NewClock(time.Date(y, m, d, 9, 0, 0, 0, testkit.Start.Location()))
}

// offDayEnv is an env with windows and a joined inspector, at the clock's day.
func offDayEnv(t *testing.T, clock *testkit.Clock, opts ...envOption) *env {
	t.Helper()
	e := newEnvOn(t, testkit.SQLite(t), clock, opts...)
	e.seedWindows()
	e.join(inspUser)
	return e
}

// The visit's day is checked against the shipped 2026 calendar: a Sunday, a day of the 国庆节 holiday and a
// weekday are what they are; the make-up working Saturday 10月10日 (国庆节调休上班) is a working day.
func TestVisitOnDayOffShippedCalendar(t *testing.T) {
	e := offDayEnv(t, at(2026, 10, 12)) // a Monday
	e.say(inspUser, "/report")
	e.press(inspUser, "3号窗口")
	for _, c := range []struct {
		typed, want string
		off         bool
	}{
		{"10月10日", "", false},              // Saturday, 调休上班
		{"10月11日", "休息日（周末）", true},        // Sunday
		{"10月7日", "休息日（国庆节假期）", true},      // Wednesday, 国庆节
		{"10月9日", "", false},               // Friday
		{"2026-10-03", "休息日（国庆节假期）", true}, // Saturday in the holiday
	} {
		m := e.say(inspUser, c.typed)
		if c.off {
			expect(t, m.Text, c.want, "暗访确实是在这一天吗")
			if _, ok := m.button("是这一天"); !ok {
				t.Fatalf("%s: no confirmation button:\n%s", c.typed, m.Text)
			}
			m = e.press(inspUser, "改选日期") // back to the date, the day off not taken
			expect(t, m.Text, "请选择暗访的日期")
			if strings.Contains(m.Text, "休息日") {
				t.Fatalf("%s: still warned after 改选日期:\n%s", c.typed, m.Text)
			}
			continue
		}
		if strings.Contains(m.Text, "休息日") || !strings.Contains(m.Text, "上午还是下午") {
			t.Fatalf("%s is a working day, got:\n%s", c.typed, m.Text)
		}
		e.press(inspUser, "返回") // from the half-day back to the date
	}
}

// Confirmed, the day off goes on to the half-day and the review says it is a day off; a working day is not
// marked.
func TestVisitOnDayOffConfirmed(t *testing.T) {
	e := offDayEnv(t, at(2026, 11, 2)) // a Monday
	e.say(inspUser, "/report")
	e.press(inspUser, "3号窗口")
	m := e.press(inspUser, "昨天") // Sunday 11月1日
	expect(t, m.Text, "第 2/5 步", "日期：11月1日 周日", "⚠️ 这一天是休息日（周末）")
	m = e.press(inspUser, "是这一天")
	expect(t, m.Text, "第 3/5 步", "日期：11月1日")
	m = e.press(inspUser, "上午")
	expect(t, m.Text, "检查项 1/")

	for i := 0; strings.Contains(e.last(inspUser.ID).Text, "是否符合"); i++ {
		if i > 40 {
			t.Fatal("the checklist does not end")
		}
		e.press(inspUser, "✅ 符合")
	}
	rev := e.press(inspUser, "跳过")
	expect(t, rev.Text, "核对", "时间：11月1日 上午（休息日：周末）")

	// Changing the date from the review to a working day drops the mark.
	e.press(inspUser, "✏️ 日期")
	m = e.press(inspUser, "今天")
	if strings.Contains(m.Text, "休息日") || !strings.Contains(m.Text, "时间：11月2日 上午") {
		t.Fatalf("back at the review after a working day:\n%s", m.Text)
	}
	// And back to the day off from the review: asked again, then back at the review.
	e.press(inspUser, "✏️ 日期")
	m = e.say(inspUser, "11月1日")
	expect(t, m.Text, "修改日期", "休息日（周末）")
	m = e.press(inspUser, "是这一天")
	expect(t, m.Text, "核对", "（休息日：周末）")
}

// calendarFunc is a CalendarSource of a function.
type calendarFunc func(context.Context) (*workday.Calendar, error)

func (f calendarFunc) Calendar(ctx context.Context) (*workday.Calendar, error) { return f(ctx) }

// The form asks Options.Calendar (the reminders' calendar in the program): a year admins stored over the
// shipped one decides; a source that fails falls back to the shipped calendar.
func TestVisitOnDayOffCalendarSource(t *testing.T) {
	y, err := workday.ParseYear("year 2026\nstatus official\nsource 测试\noff 2026-11-02 测试放假\n")
	if err != nil {
		t.Fatal(err)
	}
	stored := workday.ShippedCalendar().With(y)
	e := offDayEnv(t, at(2026, 11, 2), func(o *inspect.Options) {
		o.Calendar = calendarFunc(func(context.Context) (*workday.Calendar, error) { return stored, nil })
	})
	e.say(inspUser, "/report")
	e.press(inspUser, "3号窗口")
	expect(t, e.press(inspUser, "今天").Text, "休息日（测试放假假期）")

	failing := offDayEnv(t, at(2026, 11, 2), func(o *inspect.Options) {
		o.Calendar = calendarFunc(func(context.Context) (*workday.Calendar, error) { return nil, errors.New("down") })
	})
	failing.say(inspUser, "/report")
	failing.press(inspUser, "3号窗口")
	expect(t, failing.press(inspUser, "今天").Text, "上午还是下午")   // a Monday by the shipped calendar
	expect(t, failing.press(inspUser, "返回").Text, "请选择暗访的日期") // back to the date
	expect(t, failing.press(inspUser, "昨天").Text, "休息日（周末）")
	expect(t, failing.log.String(), "working-day calendar")
}
