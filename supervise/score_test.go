package supervise_test

import (
	"fmt"
	"math"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/conductbot/conductbot/inspect"
	"github.com/conductbot/conductbot/supervise"
	"github.com/conductbot/conductbot/workday"
)

var (
	win3 = inspect.Window{ID: 1, No: "3", Name: "不动产登记", Active: true}
	win4 = inspect.Window{ID: 2, No: "4", Name: "公积金", Active: true}
	win5 = inspect.Window{ID: 3, No: "5", Name: "社保", Active: true}
)

// it is a checklist item with its answer.
func it(key string, weight int, critical bool, res inspect.Result, clauses ...string) inspect.ItemResult {
	return inspect.ItemResult{Item: inspect.Item{Key: key, Title: "检查项" + key, Clauses: clauses, Weight: weight, Critical: critical}, Result: res}
}

// rep is a report of window w visited on day with the items; failed items become findings.
func rep(id string, w inspect.Window, day string, state inspect.State, items ...inspect.ItemResult) inspect.Report {
	r := inspect.Report{ID: id, WindowID: w.ID, WindowLabel: w.Label(), VisitDate: workday.MustDate(day), HalfDay: inspect.Morning,
		State: state, Items: items}
	for _, x := range items {
		if x.Result == inspect.Fail {
			r.Findings = append(r.Findings, inspect.Finding{No: len(r.Findings) + 1, ItemKey: x.Key, Title: x.Title, Clauses: x.Clauses,
				Critical: x.Critical, Source: inspect.FromChecklist})
		}
	}
	return r
}

// scoresOf computes the scores of month m over reports, the way Service.Scores does with a store.
func scoresOf(m supervise.Month, reports []inspect.Report, adj ...supervise.Adjustment) []supervise.WindowScore {
	cur := supervise.TallyReports(reports, m.First(), m.Last(), supervise.Counted)
	prev := supervise.TallyReports(reports, m.Prev().First(), m.Prev().Last(), supervise.Counted)
	return supervise.Scores(m, []inspect.Window{win5, win3, win4}, cur, prev, adj, supervise.DefaultScale())
}

func TestScores(t *testing.T) {
	nov := supervise.MustMonth("2026-11")
	const C = inspect.Confirmed
	type want struct {
		reports                int
		observed               bool
		compliance             float64
		weightPass, weightObs  int
		pass, fail, unobserved int
		critical               []string // item keys
		violations             map[string]int
		trend                  string // "" when none, else "%+.1f"
		suggested              string // "—" without basis
	}
	cases := []struct {
		name    string
		reports []inspect.Report
		want    want // of window 3
	}{
		{name: "no reports", want: want{violations: map[string]int{}, suggested: "—"}},
		{name: "all unobserved", reports: []inspect.Report{
			rep("a", win3, "2026-11-05", C, it("greet", 2, false, inspect.Unobserved, "1.2.1"), it("tidy", 1, true, inspect.Unobserved, "1.4.4")),
		}, want: want{reports: 1, unobserved: 2, violations: map[string]int{}, suggested: "—"}},
		{name: "weights", reports: []inspect.Report{
			// 3 + 1 passed of 3 + 1 + 2 observed: 4/6; the unobserved weight 5 is excluded.
			rep("a", win3, "2026-11-05", C, it("greet", 3, false, inspect.Pass, "1.2.1"), it("polite", 1, false, inspect.Pass, "1.1.2"),
				it("dress", 2, false, inspect.Fail, "1.3.1"), it("tidy", 5, false, inspect.Unobserved, "1.4.4")),
		}, want: want{reports: 1, observed: true, compliance: 4.0 / 6, weightPass: 4, weightObs: 6, pass: 2, fail: 1, unobserved: 1,
			violations: map[string]int{"1.3.1": 1}, suggested: "−3"}}, // 66.7%
		{name: "weights add up over reports, not rates averaged", reports: []inspect.Report{
			rep("a", win3, "2026-11-05", C, it("greet", 1, false, inspect.Pass, "1.2.1"), it("dress", 1, false, inspect.Fail, "1.3.1")),
			rep("b", win3, "2026-11-06", C, it("greet", 10, false, inspect.Pass, "1.2.1")),
		}, want: want{reports: 2, observed: true, compliance: 11.0 / 12, weightPass: 11, weightObs: 12, pass: 2, fail: 1,
			violations: map[string]int{"1.3.1": 1}, suggested: "+1"}},
		{name: "critical failure", reports: []inspect.Report{
			rep("a", win3, "2026-11-05", C, it("greet", 2, false, inspect.Pass, "1.2.1"), it("discipline", 2, true, inspect.Fail, "1.3.3"),
				it("tidy", 16, false, inspect.Pass, "1.4.4")),
		}, want: want{reports: 1, observed: true, compliance: 0.9, weightPass: 18, weightObs: 20, pass: 2, fail: 1,
			critical: []string{"discipline"}, violations: map[string]int{"1.3.3": 1}, suggested: "0"}}, // 90% +1, one critical −1
		{name: "only confirmed reports count", reports: []inspect.Report{
			rep("a", win3, "2026-11-05", inspect.Pending, it("greet", 1, false, inspect.Fail, "1.2.1")),
			rep("b", win3, "2026-11-05", inspect.Rejected, it("greet", 1, false, inspect.Fail, "1.2.1")),
			rep("c", win3, "2026-11-05", inspect.Rectifying, it("greet", 1, false, inspect.Pass, "1.2.1")),
			rep("d", win3, "2026-11-05", inspect.Rectified, it("greet", 1, false, inspect.Pass, "1.2.1")),
		}, want: want{reports: 2, observed: true, compliance: 1, weightPass: 2, weightObs: 2, pass: 2, violations: map[string]int{}, suggested: "+3"}},
		{name: "month boundaries", reports: []inspect.Report{
			rep("oct", win3, "2026-10-31", C, it("greet", 1, false, inspect.Fail, "1.2.1")),
			rep("nov1", win3, "2026-11-01", C, it("greet", 1, false, inspect.Pass, "1.2.1")),
			rep("nov30", win3, "2026-11-30", C, it("greet", 1, false, inspect.Pass, "1.2.1")),
			rep("dec", win3, "2026-12-01", C, it("greet", 1, false, inspect.Fail, "1.2.1")),
		}, want: want{reports: 2, observed: true, compliance: 1, weightPass: 2, weightObs: 2, pass: 2, violations: map[string]int{},
			trend: "+100.0", suggested: "+4"}}, // 100% +3, up 100 points +1
		{name: "violations count reports, once per clause", reports: []inspect.Report{
			rep("a", win3, "2026-11-05", C, it("greet", 1, false, inspect.Fail, "1.2.1", "1.2.2"), it("equal", 1, false, inspect.Fail, "1.2.2")),
			rep("b", win3, "2026-11-06", C, it("equal", 1, false, inspect.Fail, "1.2.2")),
		}, want: want{reports: 2, observed: true, compliance: 0, weightObs: 3, fail: 3, violations: map[string]int{"1.2.1": 1, "1.2.2": 2},
			suggested: "−4"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ss := scoresOf(nov, c.reports)
			if len(ss) != 3 || ss[0].Window.No != "3" || ss[1].Window.No != "4" || ss[2].Window.No != "5" {
				t.Fatalf("windows: %+v", ss)
			}
			for _, other := range ss[1:] {
				if other.Reports != 0 || other.Observed {
					t.Errorf("window %s has data: %+v", other.Window.No, other)
				}
			}
			s := ss[0]
			var crit []string
			for _, cf := range s.Critical {
				crit = append(crit, cf.ItemKey)
			}
			trend := ""
			if d, ok := s.Trend(); ok {
				trend = fmt.Sprintf("%+.1f", d)
			}
			sugg := "—"
			if s.Suggestion.Basis {
				sugg = strings.NewReplacer("-", "\u2212").Replace(fmt.Sprintf("%+d", s.Suggestion.Points))
				if s.Suggestion.Points == 0 {
					sugg = "0"
				}
			}
			got := want{reports: s.Reports, observed: s.Observed, compliance: s.Compliance, weightPass: s.WeightPass, weightObs: s.WeightObserved,
				pass: s.Pass, fail: s.Fail, unobserved: s.Unobserved, critical: crit, violations: s.Violations, trend: trend, suggested: sugg}
			if math.Abs(got.compliance-c.want.compliance) < 1e-12 {
				got.compliance = c.want.compliance
			}
			if !reflect.DeepEqual(got, c.want) {
				t.Fatalf("window 3:\n got %+v\nwant %+v\nsuggestion %+v", got, c.want, s.Suggestion)
			}
		})
	}
}

// TestMonthBoundariesInZone: a month is the center's (CONDUCTBOT_TZ): the same instant falls in different months
// in Asia/Shanghai and in UTC, and a report's visit date, a day of that zone, decides its month.
func TestMonthBoundariesInZone(t *testing.T) {
	sh, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		at       time.Time
		loc      *time.Location
		want     string
		wantDate string
	}{
		{time.Date(2026, 11, 30, 15, 59, 59, 0, time.UTC), sh, "2026-11", "2026-11-30"}, // 23:59:59 in Shanghai
		{time.Date(2026, 11, 30, 16, 0, 0, 0, time.UTC), sh, "2026-12", "2026-12-01"},   // midnight in Shanghai
		{time.Date(2026, 11, 30, 16, 0, 0, 0, time.UTC), time.UTC, "2026-11", "2026-11-30"},
		{time.Date(2026, 12, 31, 16, 30, 0, 0, time.UTC), sh, "2027-01", "2027-01-01"},
		{time.Date(2026, 10, 31, 16, 0, 0, 0, time.UTC), sh, "2026-11", "2026-11-01"},
	} {
		if got := supervise.MonthAt(c.at, c.loc); got.String() != c.want {
			t.Errorf("MonthAt(%v, %v) = %v, want %v", c.at, c.loc, got, c.want)
		}
		// A visit on that instant's day, scored in that month, counts there and not in the month before.
		day := workday.DateOf(c.at, c.loc)
		if day.String() != c.wantDate {
			t.Errorf("DateOf(%v, %v) = %v", c.at, c.loc, day)
		}
		m := supervise.MustMonth(c.want)
		ss := scoresOf(m, []inspect.Report{rep("x", win3, day.String(), inspect.Confirmed, it("greet", 1, false, inspect.Pass, "1.2.1"))})
		if ss[0].Reports != 1 {
			t.Errorf("a visit on %v is not counted in %v", day, m)
		}
		if prev := scoresOf(m.Prev(), []inspect.Report{rep("x", win3, day.String(), inspect.Confirmed, it("greet", 1, false, inspect.Pass, "1.2.1"))}); prev[0].Reports != 0 {
			t.Errorf("a visit on %v is counted in %v", day, m.Prev())
		}
	}
	m := supervise.MustMonth("2026-02")
	if m.First().String() != "2026-02-01" || m.Last().String() != "2026-02-28" || m.Prev().String() != "2026-01" ||
		supervise.MustMonth("2026-01").Prev().String() != "2025-12" || supervise.MustMonth("2028-02").Last().String() != "2028-02-29" {
		t.Fatal("month arithmetic")
	}
}

func TestScoresKeepAdjustments(t *testing.T) {
	nov := supervise.MustMonth("2026-11")
	a := supervise.Adjustment{WindowID: win4.ID, Month: nov, Rev: 2, Suggested: 0, Final: 1.5, Reason: "主动整改"}
	ss := scoresOf(nov, nil, a)
	if ss[1].Adjustment == nil || ss[1].Adjustment.Final != 1.5 || ss[0].Adjustment != nil {
		t.Fatalf("adjustments: %+v / %+v", ss[0].Adjustment, ss[1].Adjustment)
	}
	// A window deleted from the list but with reports is still scored.
	gone := inspect.Window{ID: 99, No: "9", Name: "旧窗口"}
	cur := supervise.TallyReports([]inspect.Report{rep("x", gone, "2026-11-03", inspect.Confirmed, it("greet", 1, false, inspect.Pass))},
		nov.First(), nov.Last(), supervise.Counted)
	ss = supervise.Scores(nov, []inspect.Window{win3}, cur, nil, nil, supervise.DefaultScale())
	if len(ss) != 2 || ss[1].Window.ID != 99 || ss[1].Reports != 1 {
		t.Fatalf("scores with a window not in the list: %+v", ss)
	}
}

func TestTopClauses(t *testing.T) {
	got := supervise.TopClauses(map[string]int{"1.10.1": 3, "1.2.1": 3, "1.9.1": 5, "2.1": 1, "1.1.1": 0}, 3)
	want := []supervise.ClauseCount{{"1.9.1", 5}, {"1.2.1", 3}, {"1.10.1", 3}}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("TopClauses: %v", got)
	}
}
