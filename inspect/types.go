package inspect

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/conductbot/conductbot/workday"
)

// HalfDay is the part of the day of a visit.
type HalfDay string

// The half-days.
const (
	Morning   HalfDay = "am" // 上午
	Afternoon HalfDay = "pm" // 下午
)

// Chinese is 上午 or 下午.
func (h HalfDay) Chinese() string {
	switch h {
	case Morning:
		return "上午"
	case Afternoon:
		return "下午"
	}
	return "未填"
}

// Valid reports whether h is one of the half-days.
func (h HalfDay) Valid() bool { return h == Morning || h == Afternoon }

// Result is the answer to one checklist item.
type Result string

// The answers.
const (
	Pass       Result = "pass"       // 符合
	Fail       Result = "fail"       // 不符合
	Unobserved Result = "unobserved" // 未观察
)

// Results lists the answers in the order the buttons show them.
var Results = []Result{Pass, Fail, Unobserved}

// Chinese is 符合, 不符合 or 未观察.
func (r Result) Chinese() string {
	switch r {
	case Pass:
		return "符合"
	case Fail:
		return "不符合"
	case Unobserved:
		return "未观察"
	}
	return "未填"
}

// Symbol marks the answer in summaries.
func (r Result) Symbol() string {
	switch r {
	case Pass:
		return "✅"
	case Fail:
		return "❌"
	case Unobserved:
		return "➖"
	}
	return "▫️"
}

// Valid reports whether r is one of the answers.
func (r Result) Valid() bool { return r == Pass || r == Fail || r == Unobserved }

// State is where a report is in its review.
type State string

// The states of a report. A report is filed 待审核; a supervisor confirms or rejects it (issue 5); a confirmed
// report whose findings need work goes 整改中 until the window has put them right, 已整改.
const (
	Pending    State = "pending"    // 待审核
	Confirmed  State = "confirmed"  // 已确认
	Rejected   State = "rejected"   // 已驳回
	Rectifying State = "rectifying" // 整改中
	Rectified  State = "rectified"  // 已整改
)

// States lists the states in the order of a report's life.
var States = []State{Pending, Confirmed, Rejected, Rectifying, Rectified}

// Chinese is the state's name shown to users.
func (s State) Chinese() string {
	switch s {
	case Pending:
		return "待审核"
	case Confirmed:
		return "已确认"
	case Rejected:
		return "已驳回"
	case Rectifying:
		return "整改中"
	case Rectified:
		return "已整改"
	}
	return "未知"
}

// Valid reports whether s is one of the states.
func (s State) Valid() bool {
	for _, t := range States {
		if s == t {
			return true
		}
	}
	return false
}

// ParseState reads a state by its English or Chinese name.
func ParseState(s string) (State, bool) {
	s = strings.TrimSpace(s)
	for _, t := range States {
		if s == string(t) || s == t.Chinese() {
			return t, true
		}
	}
	return "", false
}

// transitions are the moves a review may make: confirm or reject a pending report, reopen a rejected one,
// require rectification of a confirmed one, accept a rectification or send it back.
var transitions = map[State][]State{
	Pending:    {Confirmed, Rejected},
	Rejected:   {Pending},
	Confirmed:  {Rectifying, Rejected},
	Rectifying: {Rectified},
	Rectified:  {Rectifying},
}

// CanMove reports whether a report may go from one state to another.
func CanMove(from, to State) bool {
	for _, s := range transitions[from] {
		if s == to {
			return true
		}
	}
	return false
}

// Item is one checklist item: a thing an inspector can see at a window, citing the clauses it checks.
type Item struct {
	Key      string   `json:"key"`      // stable short name, [a-z0-9_]{1,16}, e.g. "greet"
	Title    string   `json:"title"`    // 起立、微笑、主动招呼
	Clauses  []string `json:"clauses"`  // clause IDs of the code version of the checklist, e.g. ["1.2.1"]
	Weight   int      `json:"weight"`   // 1..MaxWeight, for the weighted compliance rate
	Critical bool     `json:"critical"` // a failure is listed on its own in scores (关键项)
}

// ClauseList is the item's clause IDs joined for display: "1.3.3" or "1.3.2、1.3.3".
func (it Item) ClauseList() string { return strings.Join(it.Clauses, "、") }

// Checklist is one revision of the checklist, built against one version of the code.
type Checklist struct {
	ID            int64
	Number        int   // 1, 2, 3 … in order of revision
	CodeVersionID int64 // the rules.Version whose clause IDs the items cite
	Items         []Item
	Created       workday.Date
}

// Item returns the item with the key.
func (c *Checklist) Item(key string) (Item, int, bool) {
	for i, it := range c.Items {
		if it.Key == key {
			return it, i, true
		}
	}
	return Item{}, -1, false
}

// Window is a service window of the center.
type Window struct {
	ID     int64
	No     string // the number on the window, "3"
	Name   string // what it serves, 不动产登记
	Active bool   // inactive windows are kept for old reports but not offered
}

// Label is how the window is named: 3号窗口 不动产登记.
func (w Window) Label() string {
	no := w.No
	if no != "" && !strings.HasSuffix(no, "窗口") {
		no += "号窗口"
	}
	return strings.TrimSpace(no + " " + w.Name)
}

// Inspector is one entry of the inspector registry. It is the only record tying a Telegram user to the
// inspector role, and nothing refers to it: reports do not name their inspector.
type Inspector struct {
	UserID  int64
	No      int          // the neutral label's number: 暗访员 07
	Joined  workday.Date // the day the invite was redeemed
	Revoked workday.Date // zero while active
}

// Label is the neutral name admins see: 暗访员07.
func (i Inspector) Label() string { return FormatLabel(i.No) }

// Active reports whether the inspector may file reports.
func (i Inspector) Active() bool { return i.Revoked.IsZero() }

// FormatLabel is the label of inspector number n.
func FormatLabel(n int) string { return fmt.Sprintf("暗访员%02d", n) }

// ParseLabel reads "暗访员07", "07" or "7".
func ParseLabel(s string) (int, bool) {
	s = strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(s), "暗访员"))
	n, err := strconv.Atoi(s)
	return n, err == nil && n > 0
}

// Report is a filed spot-check report. It holds what the inspector saw and nothing about who they are.
type Report struct {
	ID            string       // random (NewID)
	WindowID      int64        // the window visited
	WindowLabel   string       // its label when the report was filed
	VisitDate     workday.Date // the day of the visit
	HalfDay       HalfDay      // 上午 or 下午
	Filed         workday.Date // the day the report was filed: no time of day
	CodeVersionID int64        // the rules.Version the report was judged against
	ChecklistID   int64        // the checklist revision answered

	Items       []ItemResult // every checklist item with its answer, in checklist order
	Findings    []Finding    // what breaks the code: failed items, then confirmed findings of the description
	Description string       // the inspector's own words, if any

	State       State
	StateReason string       // the reason of the last state change (a rejection's reason, shown to the inspector)
	Changed     workday.Date // the day of the last state change; Filed until then

	ReceiptHash string       // ReceiptHash of the receipt code given to the inspector
	Supplements []Supplement // what the inspector added later through the receipt code
	Events      []Event      // the state history, oldest first
}

// ItemResult is one checklist item as it stood when the report was filed, with its answer.
type ItemResult struct {
	Item
	Result Result `json:"result"`
}

// Source says where a finding came from.
type Source string

// The sources of findings.
const (
	FromChecklist   Source = "checklist"   // a checklist item answered 不符合
	FromDescription Source = "description" // the inspector confirmed a clause the description was matched to
)

// Finding is one thing the window did against the code: the unit supervisors review and require rectification
// for (issue 5 refers to it by report ID and No).
type Finding struct {
	No       int        `json:"no"`       // 1, 2, … within the report
	ItemKey  string     `json:"item_key"` // the checklist item that failed; "" when it came from the description alone
	Title    string     `json:"title"`    // the item's title, or the clause's section title
	Clauses  []string   `json:"clauses"`  // the clause IDs it breaks
	Critical bool       `json:"critical"` // the item is a critical one
	Note     string     `json:"note"`     // the inspector's note, or the sentence of the description
	Source   Source     `json:"source"`
	Photos   []PhotoRef `json:"photos"`
}

// PhotoRef names a stored photo without its bytes.
type PhotoRef struct {
	ID     string `json:"id"` // random (NewID)
	Width  int    `json:"width"`
	Height int    `json:"height"`
	Bytes  int    `json:"bytes"`
}

// Photo is a stored photo: always re-encoded JPEG without metadata (Reencode).
type Photo struct {
	PhotoRef
	Data []byte
}

// Supplement is something the inspector added to a filed report through its receipt code.
type Supplement struct {
	No    int
	Text  string
	Added workday.Date
}

// Event is one change of a report's state.
type Event struct {
	State  State
	Reason string
	On     workday.Date
}

// Counts are a report's answers counted.
type Counts struct {
	Pass, Fail, Unobserved int
	CriticalFail           int
	// WeightPass and WeightObserved give the weighted compliance rate: WeightPass / WeightObserved.
	WeightPass, WeightObserved int
}

// Counts counts the report's checklist answers.
func (r *Report) Counts() Counts {
	var c Counts
	for _, it := range r.Items {
		switch it.Result {
		case Pass:
			c.Pass++
			c.WeightPass += it.Weight
			c.WeightObserved += it.Weight
		case Fail:
			c.Fail++
			c.WeightObserved += it.Weight
			if it.Critical {
				c.CriticalFail++
			}
		default:
			c.Unobserved++
		}
	}
	return c
}

// Errors of the stores and the service.
var (
	ErrNotFound      = errors.New("inspect: not found")
	ErrConflict      = errors.New("inspect: changed meanwhile")   // a state change from a state the report is no longer in
	ErrInviteUnknown = errors.New("inspect: no such invite code") // wrong code
	ErrInviteUsed    = errors.New("inspect: invite code already used")
	ErrInviteExpired = errors.New("inspect: invite code expired")
	ErrDuplicate     = errors.New("inspect: already exists")
)
