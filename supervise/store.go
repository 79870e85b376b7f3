package supervise

import (
	"context"
	"slices"
	"sort"
	"time"

	"github.com/conductbot/conductbot/inspect"
	"github.com/conductbot/conductbot/rules"
	"github.com/conductbot/conductbot/workday"
)

// Counted are the report states that count in scores: confirmed reports, whatever became of their
// rectification. Pending and rejected reports never count.
var Counted = []inspect.State{inspect.Confirmed, inspect.Rectifying, inspect.Rectified}

// Store is what supervision keeps beside the spot-check store (inspect.Store): window heads, rectifications
// with their photos and history, adjustments, and the aggregates scores are computed from. The PostgreSQL and
// SQLite stores implement it (their files supervise.go) and pass the contract suite storetest.TestSupervise.
type Store interface {
	// SetWindowHead registers (or replaces) the responsible person of a window.
	SetWindowHead(ctx context.Context, h WindowHead) error
	// RemoveWindowHead removes the window's responsible person; false when there was none.
	RemoveWindowHead(ctx context.Context, windowID int64) (bool, error)
	// WindowHeads lists the responsible persons, by window ID.
	WindowHeads(ctx context.Context) ([]WindowHead, error)

	// RequireRectification stores r (ID, ReportID, FindingNo, WindowID, Title, Clauses, Critical, Required and
	// Deadline set) as open with its first event, in one transaction with the report's move to 整改中 (from 已确认
	// or 已整改, recorded in the report's history with reason). ErrDuplicate when the finding has an unfinished
	// rectification; ErrConflict when the report is not in a state that may be rectified (已确认, 整改中, 已整改);
	// ErrNotFound when there is no such report.
	RequireRectification(ctx context.Context, r *Rectification, reason string) error
	// Rectification returns one rectification with its photos and events, or ErrNotFound.
	Rectification(ctx context.Context, id string) (*Rectification, error)
	// Rectifications lists rectifications, earliest deadline first (then by ID), with photos and events.
	Rectifications(ctx context.Context, f RectFilter) ([]Rectification, error)
	// EachRectification calls fn with each rectification Rectifications would list, in its order, reading them
	// a page at a time (memory bounded by the page, not by how many there are); fn's error stops it.
	EachRectification(ctx context.Context, f RectFilter, fn func(*Rectification) error) error
	// CountRectifications counts the rectifications f selects.
	CountRectifications(ctx context.Context, f RectFilter) (int, error)
	// PutRectPhoto stores a re-encoded photo of an answer being written; it belongs to no answer until
	// SubmitRectification names it.
	PutRectPhoto(ctx context.Context, rectID string, p *inspect.Photo) error
	// DeleteDraftRectPhotos removes the photos of the rectification that no answer names (an answer cancelled).
	DeleteDraftRectPhotos(ctx context.Context, rectID string) error
	// RectPhoto returns a photo of a submitted answer, or ErrNotFound.
	RectPhoto(ctx context.Context, id string) (*inspect.Photo, error)
	// SubmitRectification records the responsible person's answer: open → submitted, the named draft photos
	// become the answer's, the others are deleted. ErrConflict when it is not open; ErrNotFound.
	SubmitRectification(ctx context.Context, id, reply string, photoIDs []string, on workday.Date) error
	// AcceptRectification closes a submitted rectification (submitted → accepted); when it was the report's
	// last unfinished one, the report moves from 整改中 to 已整改 in the same transaction. ErrConflict when it is
	// not submitted.
	AcceptRectification(ctx context.Context, id, note string, on workday.Date) error
	// ReturnRectification sends a submitted rectification back (submitted → open) with a reason and a new
	// deadline. ErrConflict when it is not submitted.
	ReturnRectification(ctx context.Context, id, reason string, deadline, on workday.Date) error
	// MarkRectNotified records that the responsible person was told on day, unless they already were that
	// day or later; false then. Instances sharing a store use it to send each day's reminder once.
	MarkRectNotified(ctx context.Context, id string, day workday.Date) (bool, error)
	// Claims keep daily runs (the supervisors' list of overdue rectifications) once across instances.
	workday.Claims

	// PutAdjustment stores a's decision as the next revision of its window and month (a.Rev is set).
	PutAdjustment(ctx context.Context, a *Adjustment) error
	// Adjustments returns the latest revision of every window's adjustment of the month, by window ID.
	Adjustments(ctx context.Context, m Month) ([]Adjustment, error)
	// AdjustmentRevisions returns every revision of one window's adjustment of the month, oldest first.
	AdjustmentRevisions(ctx context.Context, windowID int64, m Month) ([]Adjustment, error)

	// Tallies aggregates the reports visited from from to to (inclusive) that are in any of states, per
	// window, in the database: the sums of the answers and their weights, the critical failures, and the
	// violations per clause. It is what scores are computed from.
	Tallies(ctx context.Context, from, to workday.Date, states []inspect.State) (map[int64]*Tally, error)
	// ViolationsByClause counts, per clause ID, the confirmed reports visited on or after the day of since (in
	// since's location) whose findings break it. remind.ViolationCounter.
	ViolationsByClause(ctx context.Context, since time.Time) (map[string]int, error)
}

// ReportStore is what supervision reads and changes of the spot-check store.
type ReportStore interface {
	inspect.WindowStore
	Report(ctx context.Context, id string) (*inspect.Report, error)
	Reports(ctx context.Context, f inspect.ReportFilter) ([]inspect.Report, error)
	CountReports(ctx context.Context, f inspect.ReportFilter) (int, error)
	// EachReport calls fn with each report f selects (Limit and Offset aside), oldest visit first, then morning
	// first, then by ID, reading them a page at a time; fn's error stops it.
	EachReport(ctx context.Context, f inspect.ReportFilter, fn func(*inspect.Report) error) error
	// CountReportRows counts the reports f selects and their checklist answers and findings.
	CountReportRows(ctx context.Context, f inspect.ReportFilter) (reports, items, findings int, err error)
	Photo(ctx context.Context, id string) (*inspect.Photo, error)
	SetReportState(ctx context.Context, id string, from, to inspect.State, reason string, on workday.Date) error
}

// CodeVersions gives a version of the code by ID: a report shows the wording it was judged against.
// rules.Store implements it.
type CodeVersions interface {
	CodeVersion(ctx context.Context, id int64) (*rules.Version, error)
}

// RectFilter selects rectifications. Zero fields select everything.
type RectFilter struct {
	WindowIDs []int64 // any of them
	ReportIDs []string
	States    []RectState
	From, To  workday.Date // visit dates of their reports, inclusive
	DueBefore workday.Date // deadline strictly before
}

// Tally is one window's aggregate of the reports of a period.
type Tally struct {
	WindowID               int64
	Reports                int
	Pass, Fail, Unobserved int
	// WeightPass and WeightObserved are the sums of the weights of the items answered 符合, and 符合 or 不符合.
	WeightPass, WeightObserved int
	Critical                   []CriticalFailure // by visit date, half-day, report ID, item order
	// Violations counts, per clause ID, the reports whose findings break the clause (a report counts once per
	// clause, however many of its findings cite it).
	Violations map[string]int
}

// CriticalFailure is a critical checklist item answered 不符合 in a report.
type CriticalFailure struct {
	ReportID  string
	VisitDate workday.Date
	HalfDay   inspect.HalfDay
	ItemKey   string
	Title     string
	Clauses   []string
}

// TallyReports is the reference computation of Store.Tallies over reports in memory: reports outside
// [from, to] or not in states are skipped. The stores must agree with it (storetest checks).
func TallyReports(reports []inspect.Report, from, to workday.Date, states []inspect.State) map[int64]*Tally {
	out := map[int64]*Tally{}
	for i := range reports {
		r := &reports[i]
		if r.VisitDate.Before(from) || r.VisitDate.After(to) || !slices.Contains(states, r.State) {
			continue
		}
		t := out[r.WindowID]
		if t == nil {
			t = &Tally{WindowID: r.WindowID, Violations: map[string]int{}}
			out[r.WindowID] = t
		}
		t.Reports++
		for _, it := range r.Items {
			switch it.Result {
			case inspect.Pass:
				t.Pass++
				t.WeightPass += it.Weight
				t.WeightObserved += it.Weight
			case inspect.Fail:
				t.Fail++
				t.WeightObserved += it.Weight
				if it.Critical {
					t.Critical = append(t.Critical, CriticalFailure{ReportID: r.ID, VisitDate: r.VisitDate, HalfDay: r.HalfDay,
						ItemKey: it.Key, Title: it.Title, Clauses: append([]string(nil), it.Clauses...)})
				}
			default:
				t.Unobserved++
			}
		}
		seen := map[string]bool{}
		for _, f := range r.Findings {
			for _, c := range f.Clauses {
				if !seen[c] {
					seen[c] = true
					t.Violations[c]++
				}
			}
		}
	}
	for _, t := range out {
		SortCritical(t.Critical)
	}
	return out
}

// ReportTally is one report's aggregate as a store reads it: its window and visit, the sums of its answers,
// its critical items answered 不符合 and the clauses its findings break. Stores keep the part that never changes
// (the answers and findings) per report and add the report's current state's filter when reading.
type ReportTally struct {
	ReportID                   string
	WindowID                   int64
	VisitDate                  workday.Date
	HalfDay                    inspect.HalfDay
	Pass, Fail, Unobserved     int
	WeightPass, WeightObserved int
	Critical                   []CriticalItem
	Clauses                    []string // distinct
}

// CriticalItem is a critical checklist item answered 不符合, as ReportTally keeps it (JSON in the stores).
type CriticalItem struct {
	Key     string   `json:"key"`
	Title   string   `json:"title"`
	Clauses []string `json:"clauses"`
}

// AddReport adds one report's aggregate to tallies by window. Call SortTallies when all are added.
func AddReport(ts map[int64]*Tally, r *ReportTally) {
	t := ts[r.WindowID]
	if t == nil {
		t = &Tally{WindowID: r.WindowID, Violations: map[string]int{}}
		ts[r.WindowID] = t
	}
	t.Reports++
	t.Pass += r.Pass
	t.Fail += r.Fail
	t.Unobserved += r.Unobserved
	t.WeightPass += r.WeightPass
	t.WeightObserved += r.WeightObserved
	for _, c := range r.Critical {
		t.Critical = append(t.Critical, CriticalFailure{ReportID: r.ReportID, VisitDate: r.VisitDate, HalfDay: r.HalfDay,
			ItemKey: c.Key, Title: c.Title, Clauses: c.Clauses})
	}
	for _, c := range r.Clauses {
		t.Violations[c]++
	}
}

// SortTallies puts every tally's critical failures in order.
func SortTallies(ts map[int64]*Tally) {
	for _, t := range ts {
		SortCritical(t.Critical)
	}
}

// SortCritical puts critical failures in the order of Tally.Critical. Items of one report keep their order.
func SortCritical(cs []CriticalFailure) {
	sort.SliceStable(cs, func(i, j int) bool {
		a, b := cs[i], cs[j]
		if c := a.VisitDate.Compare(b.VisitDate); c != 0 {
			return c < 0
		}
		if a.HalfDay != b.HalfDay {
			return a.HalfDay == inspect.Morning
		}
		return a.ReportID < b.ReportID
	})
}

// Violations adds up the violations per clause of tallies.
func Violations(ts map[int64]*Tally) map[string]int {
	out := map[string]int{}
	for _, t := range ts {
		for c, n := range t.Violations {
			out[c] += n
		}
	}
	return out
}
