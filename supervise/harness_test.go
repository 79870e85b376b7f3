package supervise_test

import (
	"context"
	"github.com/conductbot/conductbot/internal/testkit"
	"path/filepath"
	"testing"
	"time"

	"github.com/conductbot/conductbot/inspect"
	"github.com/conductbot/conductbot/retrieval"
	"github.com/conductbot/conductbot/rules"
	"github.com/conductbot/conductbot/sqlite"
	"github.com/conductbot/conductbot/supervise"
	"github.com/conductbot/conductbot/workday"
)

// cst is the center's zone in the tests (CONDUCTBOT_TZ).
var cst = time.FixedZone("CST", 8*3600)

// start is where test clocks start: Monday 2 November 2026, 09:00 in the center's zone.
var start = time.Date(2026, 11, 2, 9, 0, 0, 0, cst)

// stubAsker answers every question by abstaining: the tests here do not ask questions.
type stubAsker struct{}

func (stubAsker) Ask(_ context.Context, q string) (*retrieval.Answer, error) {
	return &retrieval.Answer{Question: q, Answer: "规范中没有相关规定。", Abstained: true}, nil
}

// at is a wall-clock time in the center's zone.
func at(day string, hour, minute int) time.Time {
	d := workday.MustDate(day)
	return time.Date(d.Year, d.Month, d.Day, hour, minute, 0, 0, cst)
}

// openStore opens a SQLite store in a temporary file with the shipped code imported.
func openStore(t testing.TB) *sqlite.DB {
	t.Helper()
	return openStoreAt(t, filepath.Join(t.TempDir(), "conductbot.db"))
}

// openStoreAt opens the SQLite store in the file at path, importing the shipped code when none is in force: a
// restart opens the same path again.
func openStoreAt(t testing.TB, path string) *sqlite.DB {
	t.Helper()
	db, err := sqlite.Open(context.Background(), path, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if _, err := db.CodeInForce(context.Background()); err == nil {
		return db
	}
	if _, _, err := db.PutCode(context.Background(), rules.Shipped(), "", start); err != nil {
		t.Fatal(err)
	}
	return db
}

// fixture is a store with a checklist and windows 3, 4, 5 (3号窗口 不动产登记 …).
type fixture struct {
	t       testing.TB
	path    string // the store's file
	db      *sqlite.DB
	version int64
	cl      *inspect.Checklist
	windows []inspect.Window
}

func newFixture(t testing.TB) *fixture {
	t.Helper()
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "conductbot.db")
	db := openStoreAt(t, path)
	v, err := db.CodeInForce(ctx)
	if err != nil {
		t.Fatal(err)
	}
	items := inspect.DefaultItemsFor(v.Code)
	cl := &inspect.Checklist{CodeVersionID: v.ID, Items: items, Created: workday.MustDate("2026-10-01")}
	if err := db.PutChecklist(ctx, cl); err != nil {
		t.Fatal(err)
	}
	ws, _ := inspect.ParseWindows("3 不动产登记\n4 公积金\n5 社保")
	if _, _, _, err := db.PutWindows(ctx, ws, true); err != nil {
		t.Fatal(err)
	}
	all, err := db.Windows(ctx, true)
	if err != nil {
		t.Fatal(err)
	}
	return &fixture{t: t, path: path, db: db, version: v.ID, cl: cl, windows: all}
}

// reopen closes the store and opens its file again, as a restarted process does.
func (f *fixture) reopen() {
	f.t.Helper()
	if err := f.db.Close(); err != nil {
		f.t.Fatal(err)
	}
	f.db = openStoreAt(f.t, f.path)
}

// file files a report of window w (index into the windows) visited on day, answering the checklist's items by
// key (符合 for those not named), with a note on each failure; state is set after filing through the review's
// moves. It returns the report as stored.
func (f *fixture) file(id string, w int, day string, half inspect.HalfDay, state inspect.State, answers map[string]inspect.Result,
	receipt string) *inspect.Report {
	f.t.Helper()
	ctx := context.Background()
	win := f.windows[w]
	r := &inspect.Report{ID: id, WindowID: win.ID, WindowLabel: win.Label(), VisitDate: workday.MustDate(day), HalfDay: half,
		Filed: workday.MustDate(day), CodeVersionID: f.version, ChecklistID: f.cl.ID, Description: "窗口人员一直在看手机，没抬头。",
		State: inspect.Pending, ReceiptHash: inspect.ReceiptHash(receipt)}
	for _, item := range f.cl.Items {
		res, ok := answers[item.Key]
		if !ok {
			res = inspect.Pass
		}
		r.Items = append(r.Items, inspect.ItemResult{Item: item, Result: res})
		if res == inspect.Fail {
			r.Findings = append(r.Findings, inspect.Finding{No: len(r.Findings) + 1, ItemKey: item.Key, Title: item.Title,
				Clauses: item.Clauses, Critical: item.Critical, Note: "我排队时看到她在玩手机", Source: inspect.FromChecklist})
		}
	}
	if err := f.db.FileReport(ctx, r, inspect.NewDraftID()); err != nil {
		f.t.Fatal(err)
	}
	on := workday.MustDate(day).AddDays(1)
	switch state {
	case inspect.Confirmed:
		f.move(id, inspect.Pending, inspect.Confirmed, "", on)
	case inspect.Rejected:
		f.move(id, inspect.Pending, inspect.Rejected, "情况不实", on)
	}
	got, err := f.db.Report(ctx, id)
	if err != nil {
		f.t.Fatal(err)
	}
	return got
}

func (f *fixture) move(id string, from, to inspect.State, reason string, on workday.Date) {
	f.t.Helper()
	if err := f.db.SetReportState(context.Background(), id, from, to, reason, on); err != nil {
		f.t.Fatal(err)
	}
}

// service wires supervision on the fixture's store with clock.
func (f *fixture) service(clock *testkit.Clock, opts ...func(*supervise.Options)) *supervise.Service {
	f.t.Helper()
	o := supervise.Options{Store: f.db, Reports: f.db, Code: f.db, Versions: f.db, Users: f.db, Admins: []int64{adminID},
		Location: cst, Clock: clock}
	for _, opt := range opts {
		opt(&o)
	}
	s, err := supervise.New(o)
	if err != nil {
		f.t.Fatal(err)
	}
	return s
}

// Users of the tests.
const (
	adminID = 9001
	superID = 5005
	headID  = 1001 // 3号窗口's responsible person
	head2ID = 1002 // 4号窗口's
	staffID = 1003
	inspID  = 7351906642
)
