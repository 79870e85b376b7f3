package storetest

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/conductbot/conductbot/bot"
	"github.com/conductbot/conductbot/inspect"
	"github.com/conductbot/conductbot/rules"
	"github.com/conductbot/conductbot/workday"
)

// OpenReports returns a fresh, empty spot-check store for tb (closing it with tb.Cleanup). Stores that also
// keep code versions (rules.Store) get one imported by the suite, since checklists and reports refer to it.
type OpenReports func(tb testing.TB) inspect.Store

// TestReports is the contract of the spot-check store. The PostgreSQL and SQLite stores run it.
func TestReports(t *testing.T, open OpenReports) {
	t.Run("Windows", func(t *testing.T) { testWindows(t, open(t)) })
	t.Run("Checklists", func(t *testing.T) { testChecklists(t, open(t)) })
	t.Run("Invites", func(t *testing.T) { testInvites(t, open(t)) })
	t.Run("Lockout", func(t *testing.T) { testLockout(t, open(t)) })
	t.Run("FileAndRead", func(t *testing.T) { testFileReport(t, open(t)) })
	t.Run("FileIsAtomic", func(t *testing.T) { testFileAtomic(t, open(t)) })
	t.Run("SubmitOnce", func(t *testing.T) { testSubmit(t, open(t)) })
	t.Run("ListAndCount", func(t *testing.T) { testListReports(t, open(t)) })
	t.Run("StatesAndSupplements", func(t *testing.T) { testReportStates(t, open(t)) })
	t.Run("DraftPhotos", func(t *testing.T) { testDraftPhotos(t, open(t)) })
	t.Run("Concurrent", func(t *testing.T) { testReportsConcurrent(t, open(t)) })
	t.Run("OutboxClaims", func(t *testing.T) { testOutboxClaims(t, open(t)) })
	t.Run("OutboxConcurrentClaims", func(t *testing.T) {
		s := open(t)
		testOutboxConcurrent(t, []inspect.Store{s, s})
	})
}

// OpenSharedReports returns two handles on one fresh, empty spot-check store, as two processes sharing a
// database hold them (two connection pools on one PostgreSQL schema, two handles on one SQLite file), closing
// them with tb.Cleanup.
type OpenSharedReports func(tb testing.TB) (inspect.Store, inspect.Store)

// TestReportsShared is the part of the spot-check store's contract that needs two processes on one database:
// their claims on the notification outbox never take the same report, and each report is sent once.
func TestReportsShared(t *testing.T, open OpenSharedReports) {
	t.Run("OutboxClaimsAcrossProcesses", func(t *testing.T) {
		a, b := open(t)
		testOutboxConcurrent(t, []inspect.Store{a, b})
	})
	t.Run("OutboxLeaseAcrossProcesses", func(t *testing.T) {
		a, b := open(t)
		ctx := context.Background()
		f := NewReportFixture(t, a, 2)
		ids := fileForOutbox(t, f, 3)
		lease := 5 * time.Minute
		got, err := a.ClaimNotifications(ctx, "a", rpT0, rpT0.Add(lease), 10)
		rpNoErr(t, err)
		if !reflect.DeepEqual(got, ids) {
			t.Fatalf("a claimed %v, want %v", got, ids)
		}
		if got, _ := b.ClaimNotifications(ctx, "b", rpT0.Add(lease-time.Second), rpT0.Add(2*lease), 10); len(got) != 0 {
			t.Fatalf("b claimed %v under a's live lease", got)
		}
		if held, err := a.NotificationSent(ctx, ids[0], "a"); err != nil || !held {
			t.Fatalf("a sent %s: held %v, %v", ids[0], held, err)
		}
		// a died: once its lease ran out, b takes over what a had not sent.
		got, err = b.ClaimNotifications(ctx, "b", rpT0.Add(lease), rpT0.Add(2*lease), 10)
		rpNoErr(t, err)
		if !reflect.DeepEqual(got, ids[1:]) {
			t.Fatalf("b took over %v, want %v", got, ids[1:])
		}
		if got, _ := a.ClaimNotifications(ctx, "a", rpT0.Add(lease), rpT0.Add(2*lease), 10); len(got) != 0 {
			t.Fatalf("a, back, still holds %v", got)
		}
	})
}

// fileForOutbox files n reports and returns their IDs in order: the order in which claims take them.
func fileForOutbox(t *testing.T, f *ReportFixture, n int) []string {
	t.Helper()
	var ids []string
	for i := 0; i < n; i++ {
		r := f.NewReport(i, workday.MustDate("2026-11-02"), inspect.Morning)
		rpNoErr(t, f.Store.FileReport(context.Background(), r, inspect.NewDraftID()))
		ids = append(ids, r.ID)
	}
	slices.Sort(ids)
	return ids
}

func testOutboxClaims(t *testing.T, s inspect.Store) {
	ctx := context.Background()
	f := NewReportFixture(t, s, 2)
	ids := fileForOutbox(t, f, 6)
	lease := 5 * time.Minute
	at := func(d time.Duration) time.Time { return rpT0.Add(d) }
	claim := func(owner string, now time.Duration, limit int, want ...string) {
		t.Helper()
		got, err := s.ClaimNotifications(ctx, owner, at(now), at(now+lease), limit)
		rpNoErr(t, err)
		if len(got) == 0 {
			got = nil
		}
		if len(want) == 0 {
			want = nil
		}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("%s claims at +%v (limit %d): %v, want %v", owner, now, limit, got, want)
		}
	}
	if _, err := s.ClaimNotifications(ctx, "", rpT0, rpT0.Add(lease), 1); err == nil {
		t.Fatal("a claim without an owner succeeded")
	}
	// Claims take reports by ID, never one another instance holds.
	claim("a", 0, 2, ids[0], ids[1])
	claim("b", 0, 3, ids[2], ids[3], ids[4])
	claim("a", time.Minute, 0, ids[0], ids[1]) // renews a's lease to +6m, claims nothing
	claim("c", time.Minute, 10, ids[5])
	claim("d", time.Minute, 10)
	if got, _ := s.PendingNotifications(ctx, 0); !reflect.DeepEqual(got, ids) {
		t.Fatalf("claimed reports are still pending until sent: %v, want %v", got, ids)
	}
	// A report sent leaves the outbox and is never claimed again.
	if held, err := s.NotificationSent(ctx, ids[0], "a"); err != nil || !held {
		t.Fatalf("a sent %s: held %v, %v", ids[0], held, err)
	}
	if got, _ := s.PendingNotifications(ctx, 0); !reflect.DeepEqual(got, ids[1:]) {
		t.Fatalf("pending after one was sent: %v", got)
	}
	claim("a", time.Minute, 0, ids[1])
	// A claim given back is free at once.
	rpNoErr(t, s.ReleaseNotifications(ctx, "b", ids[2]))
	claim("b", 2*time.Minute, 0, ids[3], ids[4]) // b's lease now runs to +7m
	claim("d", 2*time.Minute, 10, ids[2])
	// An expired claim is taken over: c's lease ran out at +6m, a's at +6m; b's and d's hold to +7m.
	claim("e", 6*time.Minute, 10, ids[1], ids[5])
	claim("e", 6*time.Minute, 10, ids[1], ids[5])
	claim("a", 6*time.Minute, 0)
	claim("c", 6*time.Minute, 10)
	// a, which stalled past its lease, sends what e took over: it learns it no longer held it; e never
	// claims it again.
	if held, err := s.NotificationSent(ctx, ids[1], "a"); err != nil || held {
		t.Fatalf("a sent %s after its lease: held %v, %v", ids[1], held, err)
	}
	claim("e", 6*time.Minute, 0, ids[5])
	if held, err := s.NotificationSent(ctx, ids[1], "e"); err != nil || held {
		t.Fatalf("sending a report twice: held %v, %v", held, err)
	}
	// Giving back everything.
	rpNoErr(t, s.ReleaseNotifications(ctx, "e"))
	claim("e", 6*time.Minute, 0)
	claim("f", 6*time.Minute, 10, ids[5])
	rpNoErr(t, s.ReleaseNotifications(ctx, "nobody"))
	rpNoErr(t, s.ReleaseNotifications(ctx, "d", ids[3])) // b's, not d's: nothing happens
	claim("g", 6*time.Minute+time.Second, 10)
	// A report filed now is free, whoever holds the others.
	late := f.NewReport(9, workday.MustDate("2026-11-02"), inspect.Afternoon)
	rpNoErr(t, s.FileReport(ctx, late, inspect.NewDraftID()))
	claim("g", 6*time.Minute+time.Second, 10, late.ID)
	// All sent: nothing is left to claim, ever.
	for _, x := range []struct{ id, owner string }{{ids[2], "d"}, {ids[3], "b"}, {ids[4], "b"}, {ids[5], "f"}, {late.ID, "g"}} {
		if held, err := s.NotificationSent(ctx, x.id, x.owner); err != nil || !held {
			t.Fatalf("%s sent %s: held %v, %v", x.owner, x.id, held, err)
		}
	}
	claim("h", 24*time.Hour, 10)
	if got, _ := s.PendingNotifications(ctx, 0); len(got) != 0 {
		t.Fatalf("pending after all were sent: %v", got)
	}
}

// testOutboxConcurrent runs claimers at once, spread over stores (handles on one database), each claiming,
// sending and sometimes giving back notifications until none is left to claim: every report is sent exactly
// once, by the claimer that held it.
func testOutboxConcurrent(t *testing.T, stores []inspect.Store) {
	ctx := context.Background()
	f := NewReportFixture(t, stores[0], 3)
	ids := fileForOutbox(t, f, 40)
	const claimers = 6
	var mu sync.Mutex
	sent := map[string][]string{}
	var wg sync.WaitGroup
	errs := make(chan error, claimers)
	for w := 0; w < claimers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s, owner := stores[w%len(stores)], fmt.Sprintf("w%d", w)
			for round := 0; ; round++ {
				if round > 4*len(ids) {
					errs <- fmt.Errorf("%s still claims after %d rounds", owner, round)
					return
				}
				held, err := s.ClaimNotifications(ctx, owner, rpT0, rpT0.Add(time.Hour), 3)
				if err != nil {
					errs <- err
					return
				}
				if len(held) == 0 {
					return
				}
				if round%3 == 2 && len(held) > 1 { // give the last one back
					if err := s.ReleaseNotifications(ctx, owner, held[len(held)-1]); err != nil {
						errs <- err
						return
					}
					held = held[:len(held)-1]
				}
				for _, id := range held {
					mu.Lock()
					sent[id] = append(sent[id], owner)
					mu.Unlock()
					ok, err := s.NotificationSent(ctx, id, owner)
					if err != nil {
						errs <- err
						return
					}
					if !ok {
						errs <- fmt.Errorf("%s sent %s without holding it", owner, id)
					}
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	for _, id := range ids {
		if len(sent[id]) != 1 {
			t.Errorf("report %s sent by %v, want exactly one claimer", id, sent[id])
		}
	}
	if len(sent) != len(ids) {
		t.Errorf("%d reports sent, want %d", len(sent), len(ids))
	}
	for _, s := range stores {
		if got, _ := s.PendingNotifications(ctx, 0); len(got) != 0 {
			t.Errorf("pending after every claimer finished: %v", got)
		}
	}
}

var rpT0 = time.Date(2026, 11, 2, 1, 2, 3, 456789000, time.UTC)

func rpNoErr(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// ReportFixture is a store with a code version, a checklist and windows, for filing reports.
type ReportFixture struct {
	Store     inspect.Store
	Version   int64
	Checklist *inspect.Checklist
	Windows   []inspect.Window
}

// NewReportFixture imports the shipped code (when the store keeps codes), stores the default checklist and
// windows 1..n.
func NewReportFixture(tb testing.TB, s inspect.Store, windows int) *ReportFixture {
	tb.Helper()
	ctx := context.Background()
	f := &ReportFixture{Store: s, Version: 1}
	code := rules.Shipped()
	if rs, ok := s.(rules.Store); ok {
		v, _, err := rs.PutCode(ctx, code, "", rpT0)
		rpNoErr(tb, err)
		f.Version = v.ID
	}
	items := inspect.DefaultItemsFor(code)
	f.Checklist = &inspect.Checklist{CodeVersionID: f.Version, Items: items, Created: workday.MustDate("2026-11-01")}
	rpNoErr(tb, s.PutChecklist(ctx, f.Checklist))
	ws := make([]inspect.Window, windows)
	for i := range ws {
		ws[i] = inspect.Window{No: fmt.Sprint(i + 1), Name: fmt.Sprintf("窗口业务%d", i+1), Active: true}
	}
	_, _, _, err := s.PutWindows(ctx, ws, false)
	rpNoErr(tb, err)
	f.Windows, err = s.Windows(ctx, true)
	rpNoErr(tb, err)
	return f
}

// NewReport builds a report on the fixture's checklist: item i fails when i%every == seed%every, with a
// finding for each failure; nothing is stored.
func (f *ReportFixture) NewReport(seed int, visit workday.Date, half inspect.HalfDay) *inspect.Report {
	w := f.Windows[seed%len(f.Windows)]
	r := &inspect.Report{ID: inspect.NewID(), WindowID: w.ID, WindowLabel: w.Label(), VisitDate: visit, HalfDay: half,
		Filed: visit.AddDays(seed % 2), CodeVersionID: f.Version, ChecklistID: f.Checklist.ID, Description: fmt.Sprintf("描述 %d", seed),
		State: inspect.Pending, ReceiptHash: inspect.ReceiptHash(inspect.NewReceipt())}
	for i, it := range f.Checklist.Items {
		res := inspect.Pass
		switch {
		case i%5 == seed%5:
			res = inspect.Fail
		case i%7 == seed%7:
			res = inspect.Unobserved
		}
		r.Items = append(r.Items, inspect.ItemResult{Item: it, Result: res})
		if res == inspect.Fail {
			r.Findings = append(r.Findings, inspect.Finding{No: len(r.Findings) + 1, ItemKey: it.Key, Title: it.Title,
				Clauses: it.Clauses, Critical: it.Critical, Note: fmt.Sprintf("说明 %d", i), Source: inspect.FromChecklist})
		}
	}
	r.Findings = append(r.Findings, inspect.Finding{No: len(r.Findings) + 1, Title: "服务态度", Clauses: []string{"1.2.3"},
		Note: "态度冷淡", Source: inspect.FromDescription})
	return r
}

func testWindows(t *testing.T, s inspect.Store) {
	ctx := context.Background()
	ws, err := s.Windows(ctx, true)
	rpNoErr(t, err)
	if len(ws) != 0 {
		t.Fatalf("windows of an empty store: %v", ws)
	}
	if _, err := s.Window(ctx, 1); !errors.Is(err, inspect.ErrNotFound) {
		t.Fatalf("Window of an empty store: %v", err)
	}
	in := []inspect.Window{{No: "12", Name: "公积金", Active: true}, {No: "3", Name: "不动产登记", Active: true}, {No: "A1", Name: "咨询", Active: true}}
	a, u, d, err := s.PutWindows(ctx, in, false)
	rpNoErr(t, err)
	if a != 3 || u != 0 || d != 0 {
		t.Fatalf("PutWindows: %d %d %d", a, u, d)
	}
	ws, err = s.Windows(ctx, false)
	rpNoErr(t, err)
	if len(ws) != 3 || ws[0].No != "3" || ws[1].No != "12" || ws[2].No != "A1" || ws[0].Label() != "3号窗口 不动产登记" {
		t.Fatalf("windows in order: %+v", ws)
	}
	w, err := s.Window(ctx, ws[1].ID)
	rpNoErr(t, err)
	if *w != ws[1] {
		t.Fatalf("Window: %+v, want %+v", w, ws[1])
	}
	// A whole list: 3 renamed, 12 kept, A1 gone (deactivated), 5 new.
	a, u, d, err = s.PutWindows(ctx, []inspect.Window{{No: "3", Name: "不动产登记（一）", Active: true}, {No: "12", Name: "公积金", Active: true},
		{No: "5", Name: "社保", Active: true}}, true)
	rpNoErr(t, err)
	if a != 1 || u != 1 || d != 1 {
		t.Fatalf("PutWindows of a whole list: added %d updated %d deactivated %d", a, u, d)
	}
	active, _ := s.Windows(ctx, false)
	all, _ := s.Windows(ctx, true)
	if len(active) != 3 || len(all) != 4 || all[3].No != "A1" || all[3].Active || all[0].Name != "不动产登记（一）" || all[0].ID != ws[0].ID {
		t.Fatalf("after a whole list: active %+v all %+v", active, all)
	}
}

func testChecklists(t *testing.T, s inspect.Store) {
	ctx := context.Background()
	if _, err := s.ChecklistInForce(ctx); !errors.Is(err, inspect.ErrNotFound) {
		t.Fatalf("ChecklistInForce of an empty store: %v", err)
	}
	f := NewReportFixture(t, s, 1)
	if f.Checklist.ID == 0 || f.Checklist.Number != 1 {
		t.Fatalf("first checklist: %+v", f.Checklist)
	}
	second := &inspect.Checklist{CodeVersionID: f.Version, Items: append([]inspect.Item(nil), f.Checklist.Items[:3]...), Created: workday.MustDate("2026-11-05")}
	second.Items[0].Weight, second.Items[0].Critical = 7, true
	rpNoErr(t, s.PutChecklist(ctx, second))
	if second.Number != 2 || second.ID == f.Checklist.ID {
		t.Fatalf("second checklist: %+v", second)
	}
	got, err := s.ChecklistInForce(ctx)
	rpNoErr(t, err)
	if !reflect.DeepEqual(got, second) {
		t.Fatalf("in force:\n%+v\nwant\n%+v", got, second)
	}
	first, err := s.Checklist(ctx, f.Checklist.ID)
	rpNoErr(t, err)
	if !reflect.DeepEqual(first, f.Checklist) {
		t.Fatalf("first:\n%+v\nwant\n%+v", first, f.Checklist)
	}
	if _, err := s.Checklist(ctx, 9999); !errors.Is(err, inspect.ErrNotFound) {
		t.Fatalf("Checklist of an unknown ID: %v", err)
	}
}

func testInvites(t *testing.T, s inspect.Store) {
	ctx := context.Background()
	loc := time.FixedZone("CST", 8*3600)
	day := workday.DateOf(rpT0, loc)
	h1, h2, h3 := inspect.InviteHash("AAAAA-11111"), inspect.InviteHash("BBBBB-22222"), inspect.InviteHash("CCCCC-33333")
	rpNoErr(t, s.AddInvites(ctx, []string{h1, h2}, day, rpT0.Add(time.Hour)))
	rpNoErr(t, s.AddInvites(ctx, []string{h3}, day, rpT0.Add(-time.Minute)))
	if err := s.AddInvites(ctx, []string{h1}, day, rpT0); !errors.Is(err, inspect.ErrDuplicate) {
		t.Fatalf("adding an invite twice: %v", err)
	}
	if n, err := s.OpenInvites(ctx, rpT0); err != nil || n != 2 {
		t.Fatalf("OpenInvites: %d %v", n, err)
	}
	if _, err := s.Inspector(ctx, 42); !errors.Is(err, inspect.ErrNotFound) {
		t.Fatalf("Inspector of a stranger: %v", err)
	}
	if _, err := s.RedeemInvite(ctx, inspect.InviteHash("nope"), 42, rpT0, loc); !errors.Is(err, inspect.ErrInviteUnknown) {
		t.Fatalf("unknown code: %v", err)
	}
	if _, err := s.RedeemInvite(ctx, h3, 42, rpT0, loc); !errors.Is(err, inspect.ErrInviteExpired) {
		t.Fatalf("expired code: %v", err)
	}
	in, err := s.RedeemInvite(ctx, h1, 42, rpT0, loc)
	rpNoErr(t, err)
	if in.UserID != 42 || in.No != 1 || in.Joined != day || !in.Active() {
		t.Fatalf("redeemed: %+v", in)
	}
	if _, err := s.RedeemInvite(ctx, h1, 43, rpT0, loc); !errors.Is(err, inspect.ErrInviteUsed) {
		t.Fatalf("a used code: %v", err)
	}
	if _, err := s.RedeemInvite(ctx, h2, 42, rpT0, loc); !errors.Is(err, inspect.ErrDuplicate) {
		t.Fatalf("an active inspector redeeming again: %v", err)
	}
	if n, _ := s.OpenInvites(ctx, rpT0); n != 1 {
		t.Fatalf("the refused redemption used the invite: %d open", n)
	}
	burnt, err := s.BurnInvite(ctx, h2)
	rpNoErr(t, err)
	if again, _ := s.BurnInvite(ctx, h2); !burnt || again {
		t.Fatalf("BurnInvite: %v then %v", burnt, again)
	}
	if _, err := s.RedeemInvite(ctx, h2, 43, rpT0, loc); !errors.Is(err, inspect.ErrInviteUsed) {
		t.Fatalf("a burnt code: %v", err)
	}
	later := workday.DateOf(rpT0.Add(48*time.Hour), loc)
	if _, err := s.RevokeInspector(ctx, 9, later); !errors.Is(err, inspect.ErrNotFound) {
		t.Fatalf("revoking an unknown label: %v", err)
	}
	rev, err := s.RevokeInspector(ctx, 1, later)
	rpNoErr(t, err)
	if rev.UserID != 42 || rev.Revoked != later || rev.Active() {
		t.Fatalf("revoked: %+v", rev)
	}
	if _, err := s.RevokeInspector(ctx, 1, later); !errors.Is(err, inspect.ErrNotFound) {
		t.Fatalf("revoking twice: %v", err)
	}
	// Back with a new code, under a new label.
	h4 := inspect.InviteHash("DDDDD-44444")
	rpNoErr(t, s.AddInvites(ctx, []string{h4}, later, rpT0.Add(72*time.Hour)))
	back, err := s.RedeemInvite(ctx, h4, 42, rpT0.Add(49*time.Hour), loc)
	rpNoErr(t, err)
	if back.No != 2 || !back.Active() || back.Joined != later {
		t.Fatalf("rejoined: %+v", back)
	}
	all, err := s.Inspectors(ctx)
	rpNoErr(t, err)
	if len(all) != 1 || all[0] != *back {
		t.Fatalf("Inspectors: %+v", all)
	}
	got, err := s.Inspector(ctx, 42)
	rpNoErr(t, err)
	if *got != *back {
		t.Fatalf("Inspector: %+v", got)
	}
}

func testLockout(t *testing.T, s inspect.Store) {
	ctx := context.Background()
	p := inspect.DefaultLockout
	now := rpT0
	for i := 1; i < p.Max; i++ {
		n, until, err := s.JoinFailed(ctx, 5, now, p)
		rpNoErr(t, err)
		if n != i || !until.IsZero() {
			t.Fatalf("failure %d: %d %v", i, n, until)
		}
		now = now.Add(time.Minute)
	}
	if until, _ := s.JoinLocked(ctx, 5, now); !until.IsZero() {
		t.Fatalf("locked after %d failures", p.Max-1)
	}
	n, until, err := s.JoinFailed(ctx, 5, now, p)
	rpNoErr(t, err)
	if n != p.Max || !until.Equal(now.Add(p.For)) {
		t.Fatalf("failure %d: %d %v", p.Max, n, until)
	}
	if got, _ := s.JoinLocked(ctx, 5, now.Add(30*time.Minute)); !got.Equal(until) {
		t.Fatalf("JoinLocked during the lock: %v", got)
	}
	if got, _ := s.JoinLocked(ctx, 6, now); !got.IsZero() {
		t.Fatalf("another chat is locked: %v", got)
	}
	if got, _ := s.JoinLocked(ctx, 5, until); !got.IsZero() {
		t.Fatalf("still locked at the end of the lock: %v", got)
	}
	// After the lock, counting starts afresh.
	n, until, err = s.JoinFailed(ctx, 5, now.Add(p.For+time.Minute), p)
	rpNoErr(t, err)
	if n != 1 || !until.IsZero() {
		t.Fatalf("first failure after the lock: %d %v", n, until)
	}
	// Failures spread over more than the window do not add up.
	s.JoinFailed(ctx, 7, rpT0, p)
	if n, _, _ := s.JoinFailed(ctx, 7, rpT0.Add(p.Window+time.Second), p); n != 1 {
		t.Fatalf("failures an hour apart add up: %d", n)
	}
	rpNoErr(t, s.JoinSucceeded(ctx, 5))
	if n, _, _ := s.JoinFailed(ctx, 5, now.Add(p.For+2*time.Minute), p); n != 1 {
		t.Fatalf("JoinSucceeded did not clear: %d", n)
	}
}

func photoOf(tb testing.TB, seed int) *inspect.Photo {
	tb.Helper()
	data := []byte(fmt.Sprintf("\xff\xd8 jpeg bytes %d \xff\xd9", seed))
	return &inspect.Photo{PhotoRef: inspect.PhotoRef{ID: inspect.NewID(), Width: 640 + seed, Height: 480, Bytes: len(data)}, Data: data}
}

func testFileReport(t *testing.T, s inspect.Store) {
	ctx := context.Background()
	f := NewReportFixture(t, s, 3)
	r := f.NewReport(1, workday.MustDate("2026-11-02"), inspect.Morning)
	draft := inspect.NewDraftID()
	expires := rpT0.Add(24 * time.Hour)
	p1, p2, p3 := photoOf(t, 1), photoOf(t, 2), photoOf(t, 3)
	for _, p := range []*inspect.Photo{p1, p2, p3} {
		rpNoErr(t, s.PutDraftPhoto(ctx, draft, p, expires))
	}
	other := photoOf(t, 4)
	rpNoErr(t, s.PutDraftPhoto(ctx, "otherdft", other, expires))
	if _, err := s.Photo(ctx, p1.ID); !errors.Is(err, inspect.ErrNotFound) {
		t.Fatalf("a draft's photo is readable as a report's: %v", err)
	}
	r.Findings[0].Photos = []inspect.PhotoRef{p2.PhotoRef, p1.PhotoRef} // p3 was taken back: deleted on filing
	rpNoErr(t, s.FileReport(ctx, r, draft))

	got, err := s.Report(ctx, r.ID)
	rpNoErr(t, err)
	want := *r
	want.Changed = r.Filed
	want.Events = []inspect.Event{{State: inspect.Pending, On: r.Filed}}
	if !reflect.DeepEqual(got, &want) {
		t.Fatalf("Report:\n%+v\nwant\n%+v", got, &want)
	}
	byReceipt, err := s.ReportByReceipt(ctx, r.ReceiptHash)
	rpNoErr(t, err)
	if !reflect.DeepEqual(byReceipt, got) {
		t.Fatalf("ReportByReceipt differs from Report")
	}
	for _, p := range []*inspect.Photo{p1, p2} {
		gp, err := s.Photo(ctx, p.ID)
		rpNoErr(t, err)
		if !reflect.DeepEqual(gp, p) {
			t.Fatalf("Photo: %+v, want %+v", gp, p)
		}
	}
	if _, err := s.Photo(ctx, p3.ID); !errors.Is(err, inspect.ErrNotFound) {
		t.Fatalf("the photo taken back survived filing: %v", err)
	}
	// Another draft's photos are untouched: filing with one is refused.
	r2 := f.NewReport(2, workday.MustDate("2026-11-02"), inspect.Afternoon)
	r2.Findings[0].Photos = []inspect.PhotoRef{other.PhotoRef}
	if err := s.FileReport(ctx, r2, draft); !errors.Is(err, inspect.ErrNotFound) {
		t.Fatalf("filing with another draft's photo: %v", err)
	}
	if _, err := s.Report(ctx, r2.ID); !errors.Is(err, inspect.ErrNotFound) {
		t.Fatalf("a refused report was stored: %v", err)
	}
	if _, err := s.Report(ctx, "nosuchreport0000"); !errors.Is(err, inspect.ErrNotFound) {
		t.Fatalf("Report of an unknown ID: %v", err)
	}
	if _, err := s.ReportByReceipt(ctx, inspect.ReceiptHash("0000-0000-0000")); !errors.Is(err, inspect.ErrNotFound) {
		t.Fatalf("ReportByReceipt of an unknown code: %v", err)
	}
	dup := f.NewReport(3, workday.MustDate("2026-11-02"), inspect.Morning)
	dup.ReceiptHash = r.ReceiptHash
	if err := s.FileReport(ctx, dup, "nodraft1"); !errors.Is(err, inspect.ErrDuplicate) {
		t.Fatalf("filing with a receipt hash in use: %v", err)
	}
	// The outbox.
	ids, err := s.PendingNotifications(ctx, 10)
	rpNoErr(t, err)
	if len(ids) != 1 || ids[0] != r.ID {
		t.Fatalf("PendingNotifications: %v", ids)
	}
	if held, err := s.NotificationSent(ctx, r.ID, "unclaimed"); err != nil || held {
		t.Fatalf("NotificationSent of an unclaimed report: held %v, %v", held, err)
	}
	if ids, _ := s.PendingNotifications(ctx, 10); len(ids) != 0 {
		t.Fatalf("pending after sent: %v", ids)
	}
}

func testFileAtomic(t *testing.T, s inspect.Store) {
	ctx := context.Background()
	f := NewReportFixture(t, s, 2)
	draft := inspect.NewDraftID()
	p := photoOf(t, 1)
	rpNoErr(t, s.PutDraftPhoto(ctx, draft, p, rpT0.Add(time.Hour)))
	r := f.NewReport(1, workday.MustDate("2026-11-02"), inspect.Morning)
	r.Findings[0].Photos = []inspect.PhotoRef{p.PhotoRef, {ID: "missingphoto0000"}}
	if err := s.FileReport(ctx, r, draft); err == nil {
		t.Fatal("filing with a missing photo succeeded")
	}
	if n, _ := s.CountReports(ctx, inspect.ReportFilter{}); n != 0 {
		t.Fatalf("%d reports after a failed filing", n)
	}
	if ids, _ := s.PendingNotifications(ctx, 10); len(ids) != 0 {
		t.Fatalf("outbox after a failed filing: %v", ids)
	}
	// The draft's photo is still the draft's: filing without the missing one works.
	r.Findings[0].Photos = r.Findings[0].Photos[:1]
	rpNoErr(t, s.FileReport(ctx, r, draft))
	if _, err := s.Photo(ctx, p.ID); err != nil {
		t.Fatalf("the photo after filing: %v", err)
	}
}

func testListReports(t *testing.T, s inspect.Store) {
	ctx := context.Background()
	f := NewReportFixture(t, s, 3)
	var all []*inspect.Report
	for i := 0; i < 12; i++ {
		r := f.NewReport(i, workday.MustDate("2026-10-28").AddDays(i/2), []inspect.HalfDay{inspect.Morning, inspect.Afternoon}[i%2])
		rpNoErr(t, s.FileReport(ctx, r, inspect.NewDraftID()))
		all = append(all, r)
	}
	rpNoErr(t, s.SetReportState(ctx, all[0].ID, inspect.Pending, inspect.Confirmed, "", workday.MustDate("2026-11-03")))
	rpNoErr(t, s.SetReportState(ctx, all[1].ID, inspect.Pending, inspect.Rejected, "不实", workday.MustDate("2026-11-03")))

	got, err := s.Reports(ctx, inspect.ReportFilter{})
	rpNoErr(t, err)
	if len(got) != 12 {
		t.Fatalf("%d reports", len(got))
	}
	for i := 1; i < len(got); i++ {
		if inspect.ReportLess(&got[i], &got[i-1]) {
			t.Fatalf("out of order at %d: %s %s after %s %s", i, got[i].VisitDate, got[i].HalfDay, got[i-1].VisitDate, got[i-1].HalfDay)
		}
	}
	if got[0].VisitDate != workday.MustDate("2026-11-02") || got[0].HalfDay != inspect.Afternoon || got[0].Items != nil || got[0].Findings != nil {
		t.Fatalf("first of the list: %+v", got[0])
	}
	with, err := s.Reports(ctx, inspect.ReportFilter{WithItems: true, Limit: 3, Offset: 2})
	rpNoErr(t, err)
	if len(with) != 3 || with[0].ID != got[2].ID || len(with[0].Items) != len(f.Checklist.Items) || len(with[0].Findings) == 0 {
		t.Fatalf("a page with items: %d, first %+v", len(with), with[0])
	}
	for _, tc := range []struct {
		f    inspect.ReportFilter
		want int
	}{
		{inspect.ReportFilter{WindowID: f.Windows[0].ID}, 4},
		{inspect.ReportFilter{From: workday.MustDate("2026-10-30"), To: workday.MustDate("2026-10-31")}, 4},
		{inspect.ReportFilter{From: workday.MustDate("2026-11-01")}, 4},
		{inspect.ReportFilter{States: []inspect.State{inspect.Confirmed, inspect.Rejected}}, 2},
		{inspect.ReportFilter{States: []inspect.State{inspect.Pending}, WindowID: f.Windows[1].ID}, 3},
		{inspect.ReportFilter{Limit: 5}, 12},
	} {
		n, err := s.CountReports(ctx, tc.f)
		rpNoErr(t, err)
		if n != tc.want {
			t.Errorf("CountReports(%+v) = %d, want %d", tc.f, n, tc.want)
		}
		rs, err := s.Reports(ctx, inspect.ReportFilter{WindowID: tc.f.WindowID, From: tc.f.From, To: tc.f.To, States: tc.f.States})
		rpNoErr(t, err)
		if len(rs) != tc.want {
			t.Errorf("Reports(%+v): %d, want %d", tc.f, len(rs), tc.want)
		}
	}
}

func testReportStates(t *testing.T, s inspect.Store) {
	ctx := context.Background()
	f := NewReportFixture(t, s, 1)
	r := f.NewReport(1, workday.MustDate("2026-11-02"), inspect.Morning)
	rpNoErr(t, s.FileReport(ctx, r, "dft00001"))
	d3, d4, d9 := workday.MustDate("2026-11-03"), workday.MustDate("2026-11-04"), workday.MustDate("2026-11-09")
	if err := s.SetReportState(ctx, r.ID, inspect.Pending, inspect.Rectified, "", d3); !errors.Is(err, inspect.ErrConflict) {
		t.Fatalf("a move CanMove forbids: %v", err)
	}
	if err := s.SetReportState(ctx, r.ID, inspect.Confirmed, inspect.Rectifying, "", d3); !errors.Is(err, inspect.ErrConflict) {
		t.Fatalf("a move from a state the report is not in: %v", err)
	}
	if err := s.SetReportState(ctx, "nosuchreport0000", inspect.Pending, inspect.Confirmed, "", d3); !errors.Is(err, inspect.ErrNotFound) {
		t.Fatalf("an unknown report: %v", err)
	}
	rpNoErr(t, s.SetReportState(ctx, r.ID, inspect.Pending, inspect.Confirmed, "", d3))
	rpNoErr(t, s.SetReportState(ctx, r.ID, inspect.Confirmed, inspect.Rectifying, "限期整改", d4))
	rpNoErr(t, s.SetReportState(ctx, r.ID, inspect.Rectifying, inspect.Rectified, "已整改", d9))
	n1, err := s.AddSupplement(ctx, r.ID, "补充一", d3)
	rpNoErr(t, err)
	n2, err := s.AddSupplement(ctx, r.ID, "补充二", d4)
	rpNoErr(t, err)
	if n1 != 1 || n2 != 2 {
		t.Fatalf("supplement numbers %d %d", n1, n2)
	}
	if _, err := s.AddSupplement(ctx, "nosuchreport0000", "x", d3); !errors.Is(err, inspect.ErrNotFound) {
		t.Fatalf("a supplement to an unknown report: %v", err)
	}
	got, err := s.Report(ctx, r.ID)
	rpNoErr(t, err)
	wantEvents := []inspect.Event{{State: inspect.Pending, On: r.Filed}, {State: inspect.Confirmed, On: d3},
		{State: inspect.Rectifying, Reason: "限期整改", On: d4}, {State: inspect.Rectified, Reason: "已整改", On: d9}}
	wantSupp := []inspect.Supplement{{No: 1, Text: "补充一", Added: d3}, {No: 2, Text: "补充二", Added: d4}}
	if got.State != inspect.Rectified || got.StateReason != "已整改" || got.Changed != d9 ||
		!reflect.DeepEqual(got.Events, wantEvents) || !reflect.DeepEqual(got.Supplements, wantSupp) {
		t.Fatalf("after the review: state %s %q %s events %+v supplements %+v", got.State, got.StateReason, got.Changed, got.Events, got.Supplements)
	}
}

func testDraftPhotos(t *testing.T, s inspect.Store) {
	ctx := context.Background()
	NewReportFixture(t, s, 1)
	p1, p2, p3 := photoOf(t, 1), photoOf(t, 2), photoOf(t, 3)
	rpNoErr(t, s.PutDraftPhoto(ctx, "draft001", p1, rpT0.Add(time.Hour)))
	rpNoErr(t, s.PutDraftPhoto(ctx, "draft001", p2, rpT0.Add(time.Hour)))
	rpNoErr(t, s.PutDraftPhoto(ctx, "draft002", p3, rpT0.Add(3*time.Hour)))
	if err := s.PutDraftPhoto(ctx, "draft002", p3, rpT0); !errors.Is(err, inspect.ErrDuplicate) {
		t.Fatalf("the same photo twice: %v", err)
	}
	rpNoErr(t, s.DeleteDraftPhotos(ctx, "draft001", p1.ID))
	rpNoErr(t, s.DeleteDraftPhotos(ctx, "draft002", p2.ID)) // not draft002's: nothing happens
	n, err := s.DeleteExpiredDrafts(ctx, rpT0.Add(2*time.Hour))
	rpNoErr(t, err)
	if n != 1 {
		t.Fatalf("DeleteExpiredDrafts: %d, want 1 (p2)", n)
	}
	rpNoErr(t, s.DeleteDraftPhotos(ctx, "draft002"))
	if n, _ := s.DeleteExpiredDrafts(ctx, rpT0.Add(100*time.Hour)); n != 0 {
		t.Fatalf("photos left: %d", n)
	}
}

func testReportsConcurrent(t *testing.T, s inspect.Store) {
	ctx := context.Background()
	f := NewReportFixture(t, s, 5)
	const n = 24
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			draft := inspect.NewDraftID()
			p := photoOf(t, i)
			if err := s.PutDraftPhoto(ctx, draft, p, rpT0.Add(time.Hour)); err != nil {
				errs <- err
				return
			}
			r := f.NewReport(i, workday.MustDate("2026-11-02"), inspect.Morning)
			r.Findings[0].Photos = []inspect.PhotoRef{p.PhotoRef}
			if err := s.FileReport(ctx, r, draft); err != nil {
				errs <- err
				return
			}
			if _, err := s.AddSupplement(ctx, r.ID, "补充", r.Filed); err != nil {
				errs <- err
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if c, _ := s.CountReports(ctx, inspect.ReportFilter{}); c != n {
		t.Fatalf("%d reports, want %d", c, n)
	}
	if ids, _ := s.PendingNotifications(ctx, 0); len(ids) != n {
		t.Fatalf("%d pending notifications, want %d", len(ids), n)
	}
}

// testSubmit: Submit files the report, deletes the chat's draft state and leaves the receipt state in one
// transaction; a second Submit of the same report changes nothing (ErrDuplicate); a failed one changes nothing.
func testSubmit(t *testing.T, s inspect.Store) {
	ctx := context.Background()
	states, ok := s.(bot.StateStore)
	if !ok {
		t.Skipf("%T keeps no chat states", s)
	}
	f := NewReportFixture(t, s, 3)
	const chat, other = int64(7351906642), int64(1001)
	draft := inspect.NewDraftID()
	p1, p2 := photoOf(t, 1), photoOf(t, 2)
	for _, p := range []*inspect.Photo{p1, p2} {
		rpNoErr(t, s.PutDraftPhoto(ctx, draft, p, rpT0.Add(24*time.Hour)))
	}
	put := func(chat int64, kind, data string) {
		rpNoErr(t, states.PutState(ctx, bot.State{ChatID: chat, Kind: kind, Data: []byte(data), Expires: rpT0.Add(24 * time.Hour), Updated: rpT0}))
	}
	put(chat, inspect.KindDraft, `{"sealed":"draft"}`)
	put(other, inspect.KindDraft, `{"sealed":"another chat's draft"}`)
	put(chat, "qa.note", `{}`)
	r := f.NewReport(1, workday.MustDate("2026-11-02"), inspect.Morning)
	r.Findings[0].Photos = []inspect.PhotoRef{p1.PhotoRef}
	sub := inspect.Submission{Report: r, DraftID: draft, StateChat: chat, Receipt: []byte(`{"sealed":"receipt"}`),
		ReceiptExpires: rpT0.Add(7 * 24 * time.Hour), Updated: rpT0.Truncate(time.Hour)}

	// A submission that fails (a photo of another draft) changes nothing: the draft is there to file again.
	bad := *r
	bad.Findings = slices.Clone(r.Findings)
	bad.Findings[0].Photos = []inspect.PhotoRef{photoOf(t, 9).PhotoRef}
	badSub := sub
	badSub.Report = &bad
	if err := s.Submit(ctx, badSub); err == nil {
		t.Fatal("a submission naming a photo the draft does not hold was filed")
	}
	if _, err := states.GetState(ctx, chat, inspect.KindDraft); err != nil {
		t.Fatalf("a failed submission deleted the draft: %v", err)
	}
	if _, err := s.Report(ctx, r.ID); !errors.Is(err, inspect.ErrNotFound) {
		t.Fatalf("a failed submission left a report: %v", err)
	}

	rpNoErr(t, s.Submit(ctx, sub))
	if _, err := s.Report(ctx, r.ID); err != nil {
		t.Fatalf("the report: %v", err)
	}
	if _, err := states.GetState(ctx, chat, inspect.KindDraft); !errors.Is(err, bot.ErrNotFound) {
		t.Fatalf("the draft outlives its report: %v", err)
	}
	rc, err := states.GetState(ctx, chat, inspect.KindReceipt)
	rpNoErr(t, err)
	if string(rc.Data) != `{"sealed": "receipt"}` && string(rc.Data) != `{"sealed":"receipt"}` || !rc.Expires.Equal(sub.ReceiptExpires) {
		t.Fatalf("the receipt state: %s until %v", rc.Data, rc.Expires)
	}
	for _, k := range []struct {
		chat int64
		kind string
	}{{other, inspect.KindDraft}, {chat, "qa.note"}} {
		if _, err := states.GetState(ctx, k.chat, k.kind); err != nil {
			t.Fatalf("Submit deleted the state %s of chat %d: %v", k.kind, k.chat, err)
		}
	}
	if _, err := s.Photo(ctx, p1.ID); err != nil {
		t.Fatalf("the finding's photo: %v", err)
	}
	if _, err := s.Photo(ctx, p2.ID); !errors.Is(err, inspect.ErrNotFound) {
		t.Fatalf("the draft's other photo outlives it: %v", err)
	}
	pending, err := s.PendingNotifications(ctx, 0)
	rpNoErr(t, err)
	if !slices.Equal(pending, []string{r.ID}) {
		t.Fatalf("outbox %v", pending)
	}

	// Pressed again (the same report ID): nothing changes.
	rpNoErr(t, states.DeleteState(ctx, chat, inspect.KindReceipt))
	put(chat, inspect.KindDraft, `{"sealed":"a new draft"}`)
	if err := s.Submit(ctx, sub); !errors.Is(err, inspect.ErrDuplicate) {
		t.Fatalf("the same report submitted twice: %v", err)
	}
	if _, err := states.GetState(ctx, chat, inspect.KindDraft); err != nil {
		t.Fatalf("a duplicate submission deleted the chat's draft: %v", err)
	}
	if _, err := states.GetState(ctx, chat, inspect.KindReceipt); !errors.Is(err, bot.ErrNotFound) {
		t.Fatalf("a duplicate submission stored a receipt: %v", err)
	}
	n, err := s.CountReports(ctx, inspect.ReportFilter{})
	rpNoErr(t, err)
	pending, err = s.PendingNotifications(ctx, 0)
	rpNoErr(t, err)
	if n != 1 || len(pending) != 1 {
		t.Fatalf("%d reports, %d notifications after a repeated submission", n, len(pending))
	}
}
