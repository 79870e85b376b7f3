package supervise_test

import (
	"context"
	"github.com/conductbot/conductbot/internal/testkit"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/conductbot/conductbot/inspect"
	"github.com/conductbot/conductbot/supervise"
	"github.com/conductbot/conductbot/workday"
)

// overdueFixture has two rectifications of 3号窗口 (head headID) due on Friday 6 November and one of 5号窗口
// (no head) due on Monday 9 November.
func overdueFixture(t *testing.T) (*fixture, []string) {
	t.Helper()
	ctx := context.Background()
	f := newFixture(t)
	f.file("rep1aaaaaaaaaaaa", 0, "2026-10-29", inspect.Morning, inspect.Confirmed,
		map[string]inspect.Result{"tidy": inspect.Fail, "dress": inspect.Fail}, "K7P3-Q9XW-M2TA")
	f.file("rep2bbbbbbbbbbbb", 2, "2026-10-29", inspect.Morning, inspect.Confirmed, map[string]inspect.Result{"tidy": inspect.Fail}, "K7P3-Q9XW-M2TB")
	var ids []string
	for _, r := range []struct {
		report   string
		finding  int
		deadline string
	}{{"rep1aaaaaaaaaaaa", 1, "2026-11-06"}, {"rep1aaaaaaaaaaaa", 2, "2026-11-06"}, {"rep2bbbbbbbbbbbb", 1, "2026-11-09"}} {
		rc := &supervise.Rectification{ID: inspect.NewID(), ReportID: r.report, FindingNo: r.finding, Title: "问题",
			Clauses: []string{"1.4.4"}, Required: workday.MustDate("2026-10-30"), Deadline: workday.MustDate(r.deadline)}
		if err := f.db.RequireRectification(ctx, rc, "要求整改"); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, rc.ID)
	}
	if err := f.db.SetWindowHead(ctx, supervise.WindowHead{WindowID: f.windows[0].ID, UserID: headID, Since: workday.MustDate("2026-10-01")}); err != nil {
		t.Fatal(err)
	}
	return f, ids
}

// TestRemindOverdue: overdue rectifications are re-notified once a day to the window's head, and supervisors get
// one list a day; a rectification still within its deadline is not; one answered is no longer overdue.
func TestRemindOverdue(t *testing.T) {
	ctx := context.Background()
	f, ids := overdueFixture(t)
	clock := testkit.NewClock(at("2026-11-09", 9, 0))
	s := f.service(clock)
	out := &testkit.Recorder{}
	day := workday.MustDate("2026-11-09")
	n, err := s.RemindOverdue(ctx, out, day)
	if err != nil || n != 2 {
		t.Fatalf("RemindOverdue: %d %v", n, err)
	}
	head := out.To(headID)
	if len(head) != 2 || !strings.Contains(head[0].Message.Text, "⏰ 整改已逾期 1 个工作日") ||
		!sameSet([]string{head[0].Message.Buttons[0][0].Data, head[1].Message.Buttons[0][0].Data}, []string{"rch:a:" + ids[0], "rch:a:" + ids[1]}) {
		t.Fatalf("to the head: %+v", head)
	}
	sup := out.To(adminID)
	if len(sup) != 1 || !strings.Contains(sup[0].Message.Text, "逾期未整改 2 项") || strings.Contains(sup[0].Message.Text, "5号窗口") {
		t.Fatalf("to the supervisors: %+v", sup)
	}
	// Again the same day (another instance, a restart): nothing more.
	out.Reset()
	if n, err := s.RemindOverdue(ctx, out, day); err != nil || n != 0 || len(out.Sent()) != 0 {
		t.Fatalf("second run the same day: %d %v %+v", n, err, out.Sent())
	}
	// The next day: the 5号窗口 one is overdue too (no head: in the supervisors' list only); one of 3号窗口 was
	// answered meanwhile.
	if err := f.db.SubmitRectification(ctx, ids[1], "已整改", nil, day); err != nil {
		t.Fatal(err)
	}
	out.Reset()
	n, err = s.RemindOverdue(ctx, out, day.AddDays(1))
	if err != nil || n != 1 || len(out.To(headID)) != 1 || !strings.Contains(out.To(headID)[0].Message.Text, "逾期 2 个工作日") {
		t.Fatalf("next day: %d %v %+v", n, err, out.Sent())
	}
	if sup := out.To(adminID); len(sup) != 1 || !strings.Contains(sup[0].Message.Text, "逾期未整改 2 项") || !strings.Contains(sup[0].Message.Text, "5号窗口 社保") ||
		!strings.Contains(sup[0].Message.Text, "未登记负责人") {
		t.Fatalf("next day to the supervisors: %+v", sup)
	}
	// A head who blocked the bot does not stop the others.
	out.Reset()
	out.Block(headID)
	if _, err := s.RemindOverdue(ctx, out, day.AddDays(2)); err != nil {
		t.Fatal(err)
	}
	if len(out.To(adminID)) != 1 {
		t.Fatalf("with the head blocked: %+v", out.Sent())
	}
}

// TestRunDaily runs supervision's daily job on the program's daily runner, on a settable clock: started after
// 9:00 on a working day it catches up at once, then runs at 9:00 on the next working days; the weekend sends
// nothing, and a second instance on the same store sends nothing twice.
func TestRunDaily(t *testing.T) {
	f, _ := overdueFixture(t)
	clock := testkit.NewClock(at("2026-11-13", 10, 30)) // Friday, after 9:00
	s := f.service(clock)
	out := &testkit.Recorder{}
	runner := func() *workday.Daily {
		d := &workday.Daily{Clock: clock, Location: cst, Claims: f.db}
		for _, j := range s.DailyJobs(out) {
			if err := d.Add(j); err != nil {
				t.Fatal(err)
			}
		}
		return d
	}
	a, b := runner(), runner()
	ctx := context.Background()
	var next []time.Time
	for _, to := range []time.Time{at("2026-11-13", 10, 30), at("2026-11-14", 9, 0), at("2026-11-15", 9, 0), at("2026-11-16", 9, 0)} {
		clock.Set(to)
		next = append(next, a.RunDue(ctx))
		b.RunDue(ctx)
	}
	if !next[0].Equal(at("2026-11-14", 9, 0)) || !next[3].Equal(at("2026-11-17", 9, 0)) {
		t.Fatalf("next runs: %v", next)
	}
	var days []string
	for _, m := range out.To(adminID) {
		days = append(days, m.Message.Text[strings.Index(m.Message.Text, "（")+3:strings.Index(m.Message.Text, "）")])
	}
	if strings.Join(days, ",") != "11月13日,11月16日" {
		t.Fatalf("supervisors' lists on %v", days)
	}
}

func sameSet(a, b []string) bool {
	a, b = slices.Clone(a), slices.Clone(b)
	slices.Sort(a)
	slices.Sort(b)
	return slices.Equal(a, b)
}
