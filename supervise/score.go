package supervise

import (
	"math"
	"sort"
	"strings"

	"github.com/conductbot/conductbot/inspect"
	"github.com/conductbot/conductbot/rules"
)

// WindowScore is one window's month: the weighted compliance rate of its confirmed reports, its critical
// failures, its violations per clause, the change against the previous month, and the adjustment.
type WindowScore struct {
	Window inspect.Window
	Month  Month
	Tally

	// Compliance is WeightPass / WeightObserved when Observed (some item was answered 符合 or 不符合).
	Compliance float64
	Observed   bool
	// PrevCompliance is the previous month's rate when PrevObserved; PrevReports its confirmed reports.
	PrevCompliance float64
	PrevObserved   bool
	PrevReports    int

	Suggestion Suggestion
	Adjustment *Adjustment // the supervisor's latest decision; nil when none was recorded
}

// Trend is the change of the rate against the previous month in percentage points; ok is false when either
// month has no observations.
func (s *WindowScore) Trend() (points float64, ok bool) {
	if !s.Observed || !s.PrevObserved {
		return 0, false
	}
	return math.Round((s.Compliance-s.PrevCompliance)*1000) / 10, true
}

// Rate is the tally's weighted compliance rate: weighted passed ÷ weighted observed, 未观察 excluded; ok is false
// when nothing was observed.
func (t *Tally) Rate() (rate float64, ok bool) {
	if t == nil || t.WeightObserved == 0 {
		return 0, false
	}
	return float64(t.WeightPass) / float64(t.WeightObserved), true
}

// ClauseCount is a clause with how many reports found it broken.
type ClauseCount struct {
	ClauseID string
	Count    int
}

// TopClauses sorts violations, most first (ties in clause order), and keeps at most n (all when n ≤ 0).
func TopClauses(v map[string]int, n int) []ClauseCount {
	out := make([]ClauseCount, 0, len(v))
	for id, c := range v {
		if c > 0 {
			out = append(out, ClauseCount{id, c})
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Count != out[j].Count {
			return out[i].Count > out[j].Count
		}
		return rules.CompareIDs(out[i].ClauseID, out[j].ClauseID) < 0
	})
	if n > 0 && len(out) > n {
		out = out[:n]
	}
	return out
}

// Scores computes the window scores of month m from the tallies of the month and of the one before, with the
// latest adjustments recorded. Every window in windows gets a score, with or without reports; windows that
// only appear in the tallies (deleted from the list) are added. The result is in window order.
func Scores(m Month, windows []inspect.Window, cur, prev map[int64]*Tally, adj []Adjustment, sc Scale) []WindowScore {
	byID := map[int64]inspect.Window{}
	var ws []inspect.Window
	for _, w := range windows {
		byID[w.ID] = w
		ws = append(ws, w)
	}
	for id := range cur {
		if _, ok := byID[id]; !ok {
			w := inspect.Window{ID: id, No: "?", Name: "已删除的窗口"}
			byID[id] = w
			ws = append(ws, w)
		}
	}
	inspect.SortWindows(ws)
	adjs := map[int64]*Adjustment{}
	for i := range adj {
		adjs[adj[i].WindowID] = &adj[i]
	}
	out := make([]WindowScore, 0, len(ws))
	for _, w := range ws {
		s := WindowScore{Window: w, Month: m}
		if t := cur[w.ID]; t != nil {
			s.Tally = *t
		} else {
			s.Tally = Tally{WindowID: w.ID}
		}
		if s.Violations == nil {
			s.Violations = map[string]int{}
		}
		s.Compliance, s.Observed = s.Tally.Rate()
		if p := prev[w.ID]; p != nil {
			s.PrevCompliance, s.PrevObserved = p.Rate()
			s.PrevReports = p.Reports
		}
		s.Suggestion = sc.Suggest(&s)
		s.Adjustment = adjs[w.ID]
		out = append(out, s)
	}
	return out
}

// HasData reports whether any window has a confirmed report in the month.
func HasData(ss []WindowScore) bool {
	for i := range ss {
		if ss[i].Reports > 0 {
			return true
		}
	}
	return false
}

// clauseTitle is "1.3.3 服务仪表", or the bare ID when the code does not have it.
func clauseTitle(code *rules.Code, id string) string {
	if code != nil {
		if c, ok := code.Clause(id); ok && c.Title != "" {
			return id + " " + c.Title
		}
	}
	return id
}

// clauseList is "1.3.2、1.3.3".
func clauseList(ids []string) string { return strings.Join(ids, "、") }
