package remind_test

import (
	"context"
	"maps"
	"slices"
	"testing"

	"github.com/conductbot/conductbot/inspect"
	"github.com/conductbot/conductbot/internal/testkit"
	"github.com/conductbot/conductbot/remind"
	"github.com/conductbot/conductbot/storetest"
	"github.com/conductbot/conductbot/workday"
)

// fileViolations files, for each clause, n spot-check reports in st whose one finding cites it, visited in the
// 25 days from first, and confirms them as a supervisor would: the store then counts them for the rotation
// (remind.ViolationCounter), as serve wires it.
func fileViolations(t *testing.T, st inspect.Store, first workday.Date, counts map[string]int) {
	t.Helper()
	ctx := context.Background()
	f := storetest.NewReportFixture(t, st, 3)
	k := 0
	for _, clause := range slices.Sorted(maps.Keys(counts)) { // in a fixed order, so that each gets the same days
		for range counts[clause] {
			r := f.NewReport(k, first.AddDays(k%25), inspect.Morning)
			for i := range r.Items {
				r.Items[i].Result = inspect.Pass
			}
			r.Findings = []inspect.Finding{{No: 1, Title: "违反第" + clause + "条", Clauses: []string{clause},
				Note: "暗访发现", Source: inspect.FromDescription}}
			if err := st.FileReport(ctx, r, inspect.NewDraftID()); err != nil {
				t.Fatal(err)
			}
			if err := st.SetReportState(ctx, r.ID, inspect.Pending, inspect.Confirmed, "", r.Filed.AddDays(1)); err != nil {
				t.Fatal(err)
			}
			k++
		}
	}
}

// plans plans n consecutive working days from start and returns the clause IDs in order.
func plans(t *testing.T, e *env, start workday.Date, n int) []*remind.DayPlan {
	t.Helper()
	cal := workday.ShippedCalendar()
	var out []*remind.DayPlan
	for d := start; len(out) < n; d = d.AddDays(1) {
		if !cal.IsWorkday(d) {
			continue
		}
		p, err := e.rem.Plan(context.Background(), d)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, p)
	}
	return out
}

func TestClauseRotationWithoutRepeats(t *testing.T) {
	e := newEnv(t, at("2026-03-02 08:00"))
	const clauses = 30 // the shipped code without its preamble
	ps := plans(t, e, date("2026-03-02"), 2*clauses+5)
	seen := map[string]bool{}
	for i, p := range ps[:clauses] {
		if seen[p.ClauseID] || p.ClauseCycle != 1 {
			t.Fatalf("day %d (%s): clause %s repeated or cycle %d", i, p.Day, p.ClauseID, p.ClauseCycle)
		}
		if p.ClauseID == "0" {
			t.Fatal("the preamble is not a clause of the day")
		}
		seen[p.ClauseID] = true
	}
	seen = map[string]bool{}
	for _, p := range ps[clauses : 2*clauses] {
		if seen[p.ClauseID] || p.ClauseCycle != 2 {
			t.Fatalf("second round: clause %s repeated or cycle %d", p.ClauseID, p.ClauseCycle)
		}
		seen[p.ClauseID] = true
	}
	if ps[2*clauses].ClauseCycle != 3 {
		t.Fatalf("third round starts with cycle %d", ps[2*clauses].ClauseCycle)
	}
	// Questions rotate too, and their answers point at a real option.
	qseen := map[string]bool{}
	for _, p := range ps {
		q := p.Question
		if q.Text == "" || q.Answer < 0 || q.Answer >= len(q.Options) {
			t.Fatalf("%s: question %+v", p.Day, q)
		}
		if p.QuestionCycle == 1 {
			if qseen[q.ID] {
				t.Fatalf("question %s repeated within a round", q.ID)
			}
			qseen[q.ID] = true
		}
	}
	// The plan keeps the clause as it was: text, title and reading.
	if p := ps[0]; p.Text == "" || p.Title == "" || p.Reading == "" || p.VersionID != 1 {
		t.Fatalf("plan %+v", p)
	}
}

func TestRotationFavoursViolatedClauses(t *testing.T) {
	// Confirmed reports of the last 30 days found 1.3.3 (eating, phones at the window) broken 12 times and
	// 1.2.1 (standing up to greet) 6 times: both come in the first week or so of the 30-day round.
	db := testkit.SQLite(t)
	fileViolations(t, db, workday.MustDate("2026-03-01"), map[string]int{"1.3.3": 12, "1.2.1": 6}) // within the 30 days the round reads
	if got, err := db.ViolationsByClause(context.Background(), at("2026-03-02 00:00").AddDate(0, 0, -30)); err != nil ||
		len(got) != 2 || got["1.3.3"] != 12 || got["1.2.1"] != 6 {
		t.Fatalf("violations by clause %v %v", got, err)
	}
	e := newEnvOn(t, db, at("2026-03-02 08:00"), func(c *remind.Config, _ *remind.SchedulerOptions) {
		c.Violations = db
	})
	ps := plans(t, e, date("2026-03-02"), 30)
	pos := map[string]int{}
	for i, p := range ps {
		pos[p.ClauseID] = i
	}
	if pos["1.3.3"] > 3 || pos["1.2.1"] > 8 {
		t.Fatalf("violated clauses come late: 1.3.3 on day %d, 1.2.1 on day %d", pos["1.3.3"], pos["1.2.1"])
	}
	if len(pos) != 30 {
		t.Fatalf("the round still shows every clause once: %d distinct", len(pos))
	}
	// The same with a counter that fails (a reports store that cannot be read: closed): no weights, no failure.
	gone := testkit.SQLite(t)
	if err := gone.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := gone.ViolationsByClause(context.Background(), at("2026-02-01 00:00")); err == nil {
		t.Fatal("a closed store counted violations")
	}
	e2 := newEnv(t, at("2026-03-02 08:00"), func(c *remind.Config, _ *remind.SchedulerOptions) { c.Violations = gone })
	if ps := plans(t, e2, date("2026-03-02"), 3); len(ps) != 3 {
		t.Fatal(ps)
	}
}
