package storetest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"reflect"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/conductbot/conductbot/inspect"
	"github.com/conductbot/conductbot/qa"
	"github.com/conductbot/conductbot/supervise"
	"github.com/conductbot/conductbot/workday"
)

// SuperviseStore is a store that keeps spot-check reports and supervision.
type SuperviseStore interface {
	inspect.Store
	supervise.Store
	supervise.ReportStore
}

// OpenSupervise returns a fresh, empty store for tb (closing it with tb.Cleanup).
type OpenSupervise func(tb testing.TB) SuperviseStore

// TestSupervise is the contract of the supervision store. The PostgreSQL and SQLite stores run it.
func TestSupervise(t *testing.T, open OpenSupervise) {
	t.Run("Heads", func(t *testing.T) { testHeads(t, open(t)) })
	t.Run("RectificationLife", func(t *testing.T) { testRectLife(t, open(t)) })
	t.Run("RectificationErrors", func(t *testing.T) { testRectErrors(t, open(t)) })
	t.Run("RectificationFilter", func(t *testing.T) { testRectFilter(t, open(t)) })
	t.Run("NotifiedAndClaims", func(t *testing.T) { testRectNotified(t, open(t)) })
	t.Run("Adjustments", func(t *testing.T) { testAdjustments(t, open(t)) })
	t.Run("TalliesAgreeWithReference", func(t *testing.T) { testTallies(t, open(t)) })
	t.Run("ViolationsByClause", func(t *testing.T) { testViolationsByClause(t, open(t)) })
	t.Run("ConcurrentAcceptance", func(t *testing.T) { testConcurrentAccept(t, open(t)) })
	t.Run("Export", func(t *testing.T) { testExport(t, open(t)) })
}

var svDay = workday.MustDate("2026-11-02")

// fileConfirmed files a report of the fixture and confirms it.
func fileConfirmed(tb testing.TB, f *ReportFixture, seed int, visit workday.Date) *inspect.Report {
	tb.Helper()
	ctx := context.Background()
	r := f.NewReport(seed, visit, inspect.Morning)
	rpNoErr(tb, f.Store.FileReport(ctx, r, inspect.NewDraftID()))
	rpNoErr(tb, f.Store.SetReportState(ctx, r.ID, inspect.Pending, inspect.Confirmed, "", visit.AddDays(1)))
	return r
}

func newRect(r *inspect.Report, finding int, deadline workday.Date) *supervise.Rectification {
	fd := r.Findings[finding-1]
	return &supervise.Rectification{ID: inspect.NewID(), ReportID: r.ID, FindingNo: fd.No, Title: fd.Title, Clauses: fd.Clauses,
		Critical: fd.Critical, Required: svDay, Deadline: deadline}
}

func testHeads(t *testing.T, s SuperviseStore) {
	ctx := context.Background()
	f := NewReportFixture(t, s, 3)
	hs, err := s.WindowHeads(ctx)
	rpNoErr(t, err)
	if len(hs) != 0 {
		t.Fatalf("heads of an empty store: %v", hs)
	}
	w1, w2 := f.Windows[0].ID, f.Windows[1].ID
	rpNoErr(t, s.SetWindowHead(ctx, supervise.WindowHead{WindowID: w2, UserID: 1001, Since: svDay}))
	rpNoErr(t, s.SetWindowHead(ctx, supervise.WindowHead{WindowID: w1, UserID: 1001, Since: svDay}))
	rpNoErr(t, s.SetWindowHead(ctx, supervise.WindowHead{WindowID: w2, UserID: 1002, Since: svDay.AddDays(1)}))
	hs, err = s.WindowHeads(ctx)
	rpNoErr(t, err)
	want := []supervise.WindowHead{{WindowID: w1, UserID: 1001, Since: svDay}, {WindowID: w2, UserID: 1002, Since: svDay.AddDays(1)}}
	if !reflect.DeepEqual(hs, want) {
		t.Fatalf("heads: %+v, want %+v", hs, want)
	}
	removed, err := s.RemoveWindowHead(ctx, w1)
	rpNoErr(t, err)
	again, err := s.RemoveWindowHead(ctx, w1)
	rpNoErr(t, err)
	if !removed || again {
		t.Fatalf("RemoveWindowHead: %v then %v", removed, again)
	}
	if hs, _ := s.WindowHeads(ctx); len(hs) != 1 || hs[0].WindowID != w2 {
		t.Fatalf("after removing: %+v", hs)
	}
}

func testRectLife(t *testing.T, s SuperviseStore) {
	ctx := context.Background()
	f := NewReportFixture(t, s, 2)
	r := fileConfirmed(t, f, 1, workday.MustDate("2026-10-30"))
	if len(r.Findings) < 2 {
		t.Fatalf("the fixture's report has %d findings", len(r.Findings))
	}
	d1 := workday.MustDate("2026-11-09")
	a := newRect(r, 1, d1)
	a.WindowID = 999 // the store takes the window from the report
	rpNoErr(t, s.RequireRectification(ctx, a, "要求整改问题 1"))
	if a.WindowID != r.WindowID || a.State != supervise.RectOpen {
		t.Fatalf("required: %+v", a)
	}
	rep, err := s.Report(ctx, r.ID)
	rpNoErr(t, err)
	if rep.State != inspect.Rectifying || rep.StateReason != "要求整改问题 1" || rep.Changed != svDay ||
		rep.Events[len(rep.Events)-1] != (inspect.Event{State: inspect.Rectifying, Reason: "要求整改问题 1", On: svDay}) {
		t.Fatalf("the report after the first rectification: %s %q %v %+v", rep.State, rep.StateReason, rep.Changed, rep.Events)
	}
	b := newRect(r, 2, d1.AddDays(1))
	rpNoErr(t, s.RequireRectification(ctx, b, "要求整改问题 2"))
	rep, _ = s.Report(ctx, r.ID)
	if len(rep.Events) != 3 { // filed, confirmed, rectifying: the second rectification does not move it again
		t.Fatalf("events: %+v", rep.Events)
	}
	got, err := s.Rectification(ctx, a.ID)
	rpNoErr(t, err)
	want := *a
	want.Events = []supervise.RectEvent{{Action: supervise.ActRequired, Deadline: d1, On: svDay}}
	if !reflect.DeepEqual(got, &want) {
		t.Fatalf("Rectification:\n%+v\nwant\n%+v", got, &want)
	}

	// An answer with two photos, a third taken back: only the named ones stay.
	p1, p2, p3 := photoOf(t, 1), photoOf(t, 2), photoOf(t, 3)
	for _, p := range []*inspect.Photo{p1, p2, p3} {
		rpNoErr(t, s.PutRectPhoto(ctx, a.ID, p))
	}
	if _, err := s.RectPhoto(ctx, p1.ID); !errors.Is(err, supervise.ErrNotFound) {
		t.Fatalf("a draft photo is readable: %v", err)
	}
	day2 := svDay.AddDays(2)
	rpNoErr(t, s.SubmitRectification(ctx, a.ID, "已对窗口人员进行批评教育", []string{p2.ID, p1.ID}, day2))
	got, _ = s.Rectification(ctx, a.ID)
	if got.State != supervise.RectSubmitted || got.Reply != "已对窗口人员进行批评教育" || got.Replied != day2 || got.Round != 1 ||
		len(got.Photos) != 2 || got.Photos[0].ID != p2.ID || got.Photos[1].ID != p1.ID || got.Photos[0].Width != p2.Width {
		t.Fatalf("submitted: %+v", got)
	}
	ph, err := s.RectPhoto(ctx, p2.ID)
	rpNoErr(t, err)
	if string(ph.Data) != string(p2.Data) {
		t.Fatalf("photo data %q", ph.Data)
	}
	if _, err := s.RectPhoto(ctx, p3.ID); !errors.Is(err, supervise.ErrNotFound) {
		t.Fatalf("the photo taken back is left: %v", err)
	}

	// Sent back: open again with a new deadline; the second answer's photos replace the first's.
	d2 := workday.MustDate("2026-11-16")
	rpNoErr(t, s.ReturnRectification(ctx, a.ID, "照片看不出整改效果", d2, day2.AddDays(1)))
	got, _ = s.Rectification(ctx, a.ID)
	if got.State != supervise.RectOpen || got.Deadline != d2 || len(got.Photos) != 2 {
		t.Fatalf("returned: %+v", got)
	}
	p4 := photoOf(t, 4)
	rpNoErr(t, s.PutRectPhoto(ctx, a.ID, p4))
	rpNoErr(t, s.SubmitRectification(ctx, a.ID, "重新整改，已更换桌面物品", []string{p4.ID}, day2.AddDays(2)))
	got, _ = s.Rectification(ctx, a.ID)
	if got.Round != 2 || len(got.Photos) != 1 || got.Photos[0].ID != p4.ID {
		t.Fatalf("second answer: %+v", got)
	}
	if _, err := s.RectPhoto(ctx, p1.ID); err != nil {
		t.Fatalf("the first answer's photo is gone: %v", err)
	}

	// Accepting the first leaves the report 整改中; accepting the last makes it 已整改.
	rpNoErr(t, s.AcceptRectification(ctx, a.ID, "", day2.AddDays(3)))
	rep, _ = s.Report(ctx, r.ID)
	if rep.State != inspect.Rectifying {
		t.Fatalf("report after the first acceptance: %s", rep.State)
	}
	rpNoErr(t, s.SubmitRectification(ctx, b.ID, "已整改", nil, day2.AddDays(3)))
	rpNoErr(t, s.AcceptRectification(ctx, b.ID, "很好", day2.AddDays(4)))
	rep, _ = s.Report(ctx, r.ID)
	if rep.State != inspect.Rectified || rep.StateReason != "整改完成" || rep.Changed != day2.AddDays(4) {
		t.Fatalf("report after the last acceptance: %s %q %v", rep.State, rep.StateReason, rep.Changed)
	}
	got, _ = s.Rectification(ctx, a.ID)
	wantEvents := []supervise.RectEvent{
		{Action: supervise.ActRequired, Deadline: d1, On: svDay},
		{Action: supervise.ActSubmitted, Note: "已对窗口人员进行批评教育", On: day2},
		{Action: supervise.ActReturned, Note: "照片看不出整改效果", Deadline: d2, On: day2.AddDays(1)},
		{Action: supervise.ActSubmitted, Note: "重新整改，已更换桌面物品", On: day2.AddDays(2)},
		{Action: supervise.ActAccepted, On: day2.AddDays(3)},
	}
	if got.State != supervise.RectAccepted || got.Closed != day2.AddDays(3) || !reflect.DeepEqual(got.Events, wantEvents) {
		t.Fatalf("accepted: %+v\nevents %+v", got, got.Events)
	}

	// A finding whose rectification was accepted may be rectified again; the report goes back to 整改中.
	again := newRect(r, 1, d2)
	rpNoErr(t, s.RequireRectification(ctx, again, "再次发现"))
	rep, _ = s.Report(ctx, r.ID)
	if rep.State != inspect.Rectifying {
		t.Fatalf("report after a new rectification of a rectified report: %s", rep.State)
	}
}

func testRectErrors(t *testing.T, s SuperviseStore) {
	ctx := context.Background()
	f := NewReportFixture(t, s, 2)
	pending := f.NewReport(2, svDay, inspect.Afternoon)
	rpNoErr(t, s.FileReport(ctx, pending, inspect.NewDraftID()))
	if err := s.RequireRectification(ctx, newRect(pending, 1, svDay), ""); !errors.Is(err, supervise.ErrConflict) {
		t.Fatalf("rectifying a pending report: %v", err)
	}
	rpNoErr(t, s.SetReportState(ctx, pending.ID, inspect.Pending, inspect.Rejected, "不实", svDay))
	if err := s.RequireRectification(ctx, newRect(pending, 1, svDay), ""); !errors.Is(err, supervise.ErrConflict) {
		t.Fatalf("rectifying a rejected report: %v", err)
	}
	ghost := newRect(pending, 1, svDay)
	ghost.ReportID = "nosuchreport0000"
	if err := s.RequireRectification(ctx, ghost, ""); !errors.Is(err, supervise.ErrNotFound) {
		t.Fatalf("rectifying an unknown report: %v", err)
	}
	r := fileConfirmed(t, f, 3, svDay)
	bad := newRect(r, 1, svDay)
	bad.FindingNo = 99
	if err := s.RequireRectification(ctx, bad, ""); !errors.Is(err, supervise.ErrNotFound) {
		t.Fatalf("rectifying an unknown finding: %v", err)
	}
	a := newRect(r, 1, svDay.AddDays(7))
	rpNoErr(t, s.RequireRectification(ctx, a, ""))
	if err := s.RequireRectification(ctx, newRect(r, 1, svDay), ""); !errors.Is(err, supervise.ErrDuplicate) {
		t.Fatalf("a second unfinished rectification of a finding: %v", err)
	}
	if _, err := s.Rectification(ctx, "nosuchrect000000"); !errors.Is(err, supervise.ErrNotFound) {
		t.Fatalf("Rectification of an unknown ID: %v", err)
	}
	for name, err := range map[string]error{
		"accept open":   s.AcceptRectification(ctx, a.ID, "", svDay),
		"return open":   s.ReturnRectification(ctx, a.ID, "x", svDay, svDay),
		"submit ghost":  s.SubmitRectification(ctx, "nosuchrect000000", "x", nil, svDay),
		"accept ghost":  s.AcceptRectification(ctx, "nosuchrect000000", "", svDay),
		"photo unknown": s.SubmitRectification(ctx, a.ID, "x", []string{"nosuchphoto00000"}, svDay),
	} {
		want := supervise.ErrConflict
		if name != "accept open" && name != "return open" {
			want = supervise.ErrNotFound
		}
		if !errors.Is(err, want) {
			t.Errorf("%s: %v, want %v", name, err, want)
		}
	}
	if got, _ := s.Rectification(ctx, a.ID); got.State != supervise.RectOpen || len(got.Events) != 1 {
		t.Fatalf("a refused step changed the rectification: %+v", got)
	}
	rpNoErr(t, s.SubmitRectification(ctx, a.ID, "已整改", nil, svDay))
	if err := s.SubmitRectification(ctx, a.ID, "again", nil, svDay); !errors.Is(err, supervise.ErrConflict) {
		t.Fatalf("submitting twice: %v", err)
	}
	if err := s.PutRectPhoto(ctx, "nosuchrect000000", photoOf(t, 9)); !errors.Is(err, supervise.ErrNotFound) {
		t.Fatalf("a photo of an unknown rectification: %v", err)
	}
	// A draft photo cancelled.
	p := photoOf(t, 5)
	b := newRect(r, 2, svDay.AddDays(7))
	rpNoErr(t, s.RequireRectification(ctx, b, ""))
	rpNoErr(t, s.PutRectPhoto(ctx, b.ID, p))
	rpNoErr(t, s.DeleteDraftRectPhotos(ctx, b.ID))
	if err := s.SubmitRectification(ctx, b.ID, "x", []string{p.ID}, svDay); !errors.Is(err, supervise.ErrNotFound) {
		t.Fatalf("submitting a deleted draft photo: %v", err)
	}
}

func testRectFilter(t *testing.T, s SuperviseStore) {
	ctx := context.Background()
	f := NewReportFixture(t, s, 3)
	oct := fileConfirmed(t, f, 0, workday.MustDate("2026-10-20")) // window 1
	nov := fileConfirmed(t, f, 1, workday.MustDate("2026-11-03")) // window 2
	x := newRect(oct, 1, workday.MustDate("2026-11-05"))
	y := newRect(nov, 1, workday.MustDate("2026-11-04"))
	z := newRect(nov, 2, workday.MustDate("2026-11-10"))
	for _, rc := range []*supervise.Rectification{x, y, z} {
		rpNoErr(t, s.RequireRectification(ctx, rc, ""))
	}
	rpNoErr(t, s.SubmitRectification(ctx, z.ID, "done", nil, svDay))
	ids := func(f supervise.RectFilter) []string {
		t.Helper()
		rs, err := s.Rectifications(ctx, f)
		rpNoErr(t, err)
		var out []string
		for _, r := range rs {
			out = append(out, r.ID)
		}
		return out
	}
	for name, c := range map[string]struct {
		f    supervise.RectFilter
		want []string
	}{
		"all, by deadline": {supervise.RectFilter{}, []string{y.ID, x.ID, z.ID}},
		"window":           {supervise.RectFilter{WindowIDs: []int64{f.Windows[1].ID, 12345}}, []string{y.ID, z.ID}},
		"report":           {supervise.RectFilter{ReportIDs: []string{oct.ID}}, []string{x.ID}},
		"state":            {supervise.RectFilter{States: []supervise.RectState{supervise.RectSubmitted}}, []string{z.ID}},
		"due before":       {supervise.RectFilter{DueBefore: workday.MustDate("2026-11-05")}, []string{y.ID}},
		"visit month":      {supervise.RectFilter{From: workday.MustDate("2026-11-01"), To: workday.MustDate("2026-11-30")}, []string{y.ID, z.ID}},
		"visit from":       {supervise.RectFilter{To: workday.MustDate("2026-10-31")}, []string{x.ID}},
		"nothing":          {supervise.RectFilter{States: []supervise.RectState{supervise.RectAccepted}}, nil},
	} {
		if got := ids(c.f); !slices.Equal(got, c.want) {
			t.Errorf("%s: %v, want %v", name, got, c.want)
		}
	}
	rs, _ := s.Rectifications(ctx, supervise.RectFilter{ReportIDs: []string{nov.ID}})
	for _, r := range rs {
		if len(r.Events) == 0 {
			t.Fatalf("Rectifications without events: %+v", r)
		}
	}
}

func testRectNotified(t *testing.T, s SuperviseStore) {
	ctx := context.Background()
	f := NewReportFixture(t, s, 1)
	r := fileConfirmed(t, f, 0, svDay)
	a := newRect(r, 1, svDay.AddDays(7))
	rpNoErr(t, s.RequireRectification(ctx, a, ""))
	for i, c := range []struct {
		day  workday.Date
		want bool
	}{{svDay, true}, {svDay, false}, {svDay.AddDays(-1), false}, {svDay.AddDays(1), true}, {svDay.AddDays(1), false}} {
		got, err := s.MarkRectNotified(ctx, a.ID, c.day)
		rpNoErr(t, err)
		if got != c.want {
			t.Fatalf("MarkRectNotified #%d %v: %v, want %v", i, c.day, got, c.want)
		}
	}
	if got, _ := s.Rectification(ctx, a.ID); got.Notified != svDay.AddDays(1) {
		t.Fatalf("notified %v", got.Notified)
	}
	if ok, _ := s.MarkRectNotified(ctx, "nosuchrect000000", svDay); ok {
		t.Fatal("MarkRectNotified of an unknown rectification")
	}
	// Returning clears the mark: the new deadline's reminders start afresh.
	rpNoErr(t, s.SubmitRectification(ctx, a.ID, "x", nil, svDay))
	rpNoErr(t, s.ReturnRectification(ctx, a.ID, "不行", svDay.AddDays(9), svDay.AddDays(2)))
	if got, _ := s.Rectification(ctx, a.ID); !got.Notified.IsZero() {
		t.Fatalf("notified after return %v", got.Notified)
	}
}

func testAdjustments(t *testing.T, s SuperviseStore) {
	ctx := context.Background()
	f := NewReportFixture(t, s, 2)
	nov, oct := supervise.MustMonth("2026-11"), supervise.MustMonth("2026-10")
	w1, w2 := f.Windows[0].ID, f.Windows[1].ID
	rate := 0.925
	a1 := &supervise.Adjustment{WindowID: w1, Month: nov, Compliance: &rate, Suggested: 1, Final: 2, Reason: "服务明显改进", Decided: svDay}
	a2 := &supervise.Adjustment{WindowID: w1, Month: nov, Compliance: &rate, Suggested: 1, Final: -1.5, Reason: "复核后下调", Decided: svDay.AddDays(1)}
	b1 := &supervise.Adjustment{WindowID: w2, Month: nov, Suggested: 0, Final: 0, Reason: "无数据，不调整", Decided: svDay}
	c1 := &supervise.Adjustment{WindowID: w1, Month: oct, Suggested: -2, Final: -5, Reason: "十月多次违规", Decided: svDay}
	for _, a := range []*supervise.Adjustment{a1, a2, b1, c1} {
		rpNoErr(t, s.PutAdjustment(ctx, a))
	}
	if a1.Rev != 1 || a2.Rev != 2 || b1.Rev != 1 || c1.Rev != 1 {
		t.Fatalf("revisions %d %d %d %d", a1.Rev, a2.Rev, b1.Rev, c1.Rev)
	}
	got, err := s.Adjustments(ctx, nov)
	rpNoErr(t, err)
	if !reflect.DeepEqual(got, []supervise.Adjustment{*a2, *b1}) {
		t.Fatalf("Adjustments:\n%+v\nwant\n%+v", got, []supervise.Adjustment{*a2, *b1})
	}
	revs, err := s.AdjustmentRevisions(ctx, w1, nov)
	rpNoErr(t, err)
	if !reflect.DeepEqual(revs, []supervise.Adjustment{*a1, *a2}) {
		t.Fatalf("AdjustmentRevisions: %+v", revs)
	}
	if got, _ := s.Adjustments(ctx, supervise.MustMonth("2026-09")); len(got) != 0 {
		t.Fatalf("adjustments of an empty month: %+v", got)
	}
	// Concurrent decisions get distinct revisions.
	var wg sync.WaitGroup
	for i := range 6 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			a := &supervise.Adjustment{WindowID: w2, Month: oct, Suggested: 0, Final: float64(i) / 2, Reason: fmt.Sprint("理由", i), Decided: svDay}
			if err := s.PutAdjustment(ctx, a); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	revs, _ = s.AdjustmentRevisions(ctx, w2, oct)
	if len(revs) != 6 || revs[5].Rev != 6 {
		t.Fatalf("concurrent revisions: %+v", revs)
	}
}

// randomReports files n reports over the windows of f, visited between from and from+days, in random states.
func randomReports(tb testing.TB, f *ReportFixture, rng *rand.Rand, n int, from workday.Date, days int) []inspect.Report {
	tb.Helper()
	ctx := context.Background()
	var out []inspect.Report
	for i := 0; i < n; i++ {
		half := inspect.Morning
		if rng.IntN(2) == 1 {
			half = inspect.Afternoon
		}
		r := f.NewReport(rng.IntN(1000), from.AddDays(rng.IntN(days)), half)
		for k := range r.Items {
			r.Items[k].Result = inspect.Results[rng.IntN(3)]
			r.Items[k].Weight = 1 + rng.IntN(inspect.MaxWeight)
			r.Items[k].Critical = rng.IntN(4) == 0
		}
		r.State = inspect.States[rng.IntN(len(inspect.States))]
		if i%17 == 0 {
			r.Items = nil // a report without answers still counts as a report
		}
		rpNoErr(tb, f.Store.FileReport(ctx, r, inspect.NewDraftID()))
		out = append(out, *r)
	}
	return out
}

func testTallies(t *testing.T, s SuperviseStore) {
	ctx := context.Background()
	f := NewReportFixture(t, s, 4)
	rng := rand.New(rand.NewPCG(5, 5))
	reps := randomReports(t, f, rng, 120, workday.MustDate("2026-10-20"), 25)
	checkTallies(t, s, reps)
	// Reviews change states after the reports were first scored: the next scores follow.
	for i := range reps {
		if reps[i].State == inspect.Pending && i%2 == 0 {
			rpNoErr(t, s.SetReportState(ctx, reps[i].ID, inspect.Pending, inspect.Confirmed, "", svDay))
			reps[i].State = inspect.Confirmed
		}
	}
	// More reports filed after the first scores.
	reps = append(reps, randomReports(t, f, rng, 30, workday.MustDate("2026-11-01"), 20)...)
	checkTallies(t, s, reps)
}

func checkTallies(t *testing.T, s SuperviseStore, reps []inspect.Report) {
	t.Helper()
	ctx := context.Background()
	for _, c := range []struct {
		from, to workday.Date
		states   []inspect.State
	}{
		{workday.MustDate("2026-11-01"), workday.MustDate("2026-11-30"), supervise.Counted},
		{workday.MustDate("2026-10-01"), workday.MustDate("2026-10-31"), supervise.Counted},
		{workday.MustDate("2026-10-25"), workday.MustDate("2026-11-02"), []inspect.State{inspect.Pending}},
		{workday.MustDate("2026-12-01"), workday.MustDate("2026-12-31"), supervise.Counted},
	} {
		got, err := s.Tallies(ctx, c.from, c.to, c.states)
		rpNoErr(t, err)
		want := supervise.TallyReports(reps, c.from, c.to, c.states)
		normalize := func(m map[int64]*supervise.Tally) {
			for _, t := range m {
				if len(t.Critical) == 0 {
					t.Critical = nil
				}
			}
		}
		normalize(got)
		normalize(want)
		if !reflect.DeepEqual(got, want) {
			for id := range want {
				if !reflect.DeepEqual(got[id], want[id]) {
					t.Errorf("%v–%v window %d:\n got %+v\nwant %+v", c.from, c.to, id, got[id], want[id])
				}
			}
			t.Fatalf("%v–%v: %d windows, want %d", c.from, c.to, len(got), len(want))
		}
	}
}

func testViolationsByClause(t *testing.T, s SuperviseStore) {
	ctx := context.Background()
	f := NewReportFixture(t, s, 3)
	rng := rand.New(rand.NewPCG(7, 7))
	reps := randomReports(t, f, rng, 60, workday.MustDate("2026-10-01"), 60)
	loc := time.FixedZone("CST", 8*3600)
	// 2026-10-31T16:30Z is 2026-11-01 00:30 in the center's zone: November 1 on.
	since := time.Date(2026, 10, 31, 16, 30, 0, 0, time.UTC).In(loc)
	got, err := s.ViolationsByClause(ctx, since)
	rpNoErr(t, err)
	want := supervise.Violations(supervise.TallyReports(reps, workday.MustDate("2026-11-01"), workday.MustDate("2100-01-01"), supervise.Counted))
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("ViolationsByClause: %v, want %v", got, want)
	}
	if len(want) == 0 {
		t.Fatal("no violations in the data")
	}
}

func testConcurrentAccept(t *testing.T, s SuperviseStore) {
	ctx := context.Background()
	f := NewReportFixture(t, s, 1)
	r := fileConfirmed(t, f, 1, svDay)
	var ids []string
	for i := range r.Findings {
		rc := newRect(r, i+1, svDay.AddDays(7))
		rpNoErr(t, s.RequireRectification(ctx, rc, ""))
		rpNoErr(t, s.SubmitRectification(ctx, rc.ID, "ok", nil, svDay))
		ids = append(ids, rc.ID)
	}
	var wg sync.WaitGroup
	for _, id := range ids {
		wg.Add(2)
		for range 2 { // each accepted twice at once: one wins, the other conflicts
			go func() {
				defer wg.Done()
				if err := s.AcceptRectification(ctx, id, "", svDay.AddDays(1)); err != nil && !errors.Is(err, supervise.ErrConflict) {
					t.Error(err)
				}
			}()
		}
	}
	wg.Wait()
	rep, err := s.Report(ctx, r.ID)
	rpNoErr(t, err)
	if rep.State != inspect.Rectified {
		t.Fatalf("after every rectification was accepted at once: %s", rep.State)
	}
	n := 0
	for _, e := range rep.Events {
		if e.State == inspect.Rectified {
			n++
		}
	}
	if n != 1 {
		t.Fatalf("the report moved to 已整改 %d times: %+v", n, rep.Events)
	}
}

// ReportLoader stores many reports at once for a benchmark, before its timer starts; nil means FileReport one
// by one. A store may load them faster in bulk.
type ReportLoader func(tb testing.TB, s SuperviseStore, reports []*inspect.Report)

// BenchmarkScores measures the month's scores (supervise.Service.Scores: the windows, two months of tallies,
// the adjustments) for 100 windows with perWindow confirmed reports each in the month and as many in the month
// before.
func BenchmarkScores(b *testing.B, open OpenSupervise, load ReportLoader, perWindow int) {
	const windows = 100
	ctx := context.Background()
	s := open(b)
	f := NewReportFixture(b, s, windows)
	m := supervise.MustMonth("2026-11")
	var reps []*inspect.Report
	for _, month := range []supervise.Month{m.Prev(), m} {
		for i := 0; i < windows*perWindow; i++ {
			half := inspect.Morning
			if i%3 == 0 {
				half = inspect.Afternoon
			}
			r := f.NewReport(i, month.First().AddDays((i/windows)%28), half)
			r.State = supervise.Counted[i%len(supervise.Counted)]
			reps = append(reps, r)
		}
	}
	if load == nil {
		for _, r := range reps {
			rpNoErr(b, s.FileReport(ctx, r, inspect.NewDraftID()))
		}
	} else {
		load(b, s, reps)
	}
	cs, ok := s.(qa.CodeSource)
	if !ok {
		b.Fatalf("the store %T has no code", s)
	}
	svc, err := supervise.New(supervise.Options{Store: s, Reports: s, Code: cs})
	rpNoErr(b, err)
	check := func() {
		ss, err := svc.Scores(ctx, m)
		rpNoErr(b, err)
		n := 0
		for _, sc := range ss {
			n += sc.Reports
		}
		if len(ss) != windows || n != windows*perWindow || !ss[0].PrevObserved {
			b.Fatalf("%d windows, %d reports", len(ss), n)
		}
	}
	check()
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		check()
	}
	b.ReportMetric(float64(windows*perWindow), "reports/month")
}

// ReportTable is the rows of one table of reports, for a store's ReportLoader to write in bulk.
type ReportTable struct {
	Name    string
	Columns []string
	Rows    [][]any
}

// ReportTables is reports as the rows of the tables reports, report_items and report_findings (no photos, events
// or outbox), in that order: days and JSON as text, counts as int32, so that either engine loads them as they
// are (SQLite's columns are text; PostgreSQL casts them from a staging table).
func ReportTables(reps []*inspect.Report) []ReportTable {
	reports := ReportTable{Name: "reports", Columns: []string{"id", "window_id", "window_label", "visit_date", "half_day", "filed",
		"code_version_id", "checklist_id", "description", "state", "state_reason", "changed", "receipt_hash"}}
	items := ReportTable{Name: "report_items", Columns: []string{"report_id", "ord", "key", "title", "clauses", "weight", "critical", "result"}}
	findings := ReportTable{Name: "report_findings", Columns: []string{"report_id", "no", "item_key", "title", "clauses", "critical", "note", "source"}}
	for _, r := range reps {
		reports.Rows = append(reports.Rows, []any{r.ID, r.WindowID, r.WindowLabel, r.VisitDate.String(), string(r.HalfDay), r.Filed.String(),
			r.CodeVersionID, r.ChecklistID, r.Description, string(r.State), "", r.Filed.String(), r.ReceiptHash})
		for i, it := range r.Items {
			cs, _ := json.Marshal(it.Clauses)
			items.Rows = append(items.Rows, []any{r.ID, int32(i), it.Key, it.Title, string(cs), int32(it.Weight), it.Critical, string(it.Result)})
		}
		for _, f := range r.Findings {
			cs, _ := json.Marshal(f.Clauses)
			findings.Rows = append(findings.Rows, []any{r.ID, int32(f.No), f.ItemKey, f.Title, string(cs), f.Critical, f.Note, string(f.Source)})
		}
	}
	return []ReportTable{reports, items, findings}
}
