package supervise

import (
	"errors"

	"github.com/conductbot/conductbot/inspect"
	"github.com/conductbot/conductbot/workday"
)

// WindowHead is the responsible person of a window (窗口负责人), registered by an admin: they receive the window's
// rectification requests and answer them.
type WindowHead struct {
	WindowID int64
	UserID   int64        // the Telegram user; their private chat has the same ID
	Since    workday.Date // the day they were registered
}

// RectState is where a rectification (整改) is.
type RectState string

// The states of a rectification. A supervisor requires it for one finding of a confirmed report (open); the
// window's responsible person answers with what they changed (submitted); the supervisor accepts it (accepted)
// or sends it back (open again, with a new deadline).
const (
	RectOpen      RectState = "open"      // 待整改
	RectSubmitted RectState = "submitted" // 待验收
	RectAccepted  RectState = "accepted"  // 已通过
)

// RectStates lists the states in the order of a rectification's life.
var RectStates = []RectState{RectOpen, RectSubmitted, RectAccepted}

// Chinese is the state's name shown to users.
func (s RectState) Chinese() string {
	switch s {
	case RectOpen:
		return "待整改"
	case RectSubmitted:
		return "待验收"
	case RectAccepted:
		return "已通过"
	}
	return "未知"
}

// Valid reports whether s is one of the states.
func (s RectState) Valid() bool { return s == RectOpen || s == RectSubmitted || s == RectAccepted }

// RectAction is one step in a rectification's history.
type RectAction string

// The steps.
const (
	ActRequired  RectAction = "required"  // 要求整改: open, with a deadline
	ActSubmitted RectAction = "submitted" // 提交整改情况: submitted
	ActAccepted  RectAction = "accepted"  // 验收通过: accepted
	ActReturned  RectAction = "returned"  // 退回重改: open again, with a reason and a new deadline
)

// Chinese is the step's name shown to users.
func (a RectAction) Chinese() string {
	switch a {
	case ActRequired:
		return "要求整改"
	case ActSubmitted:
		return "提交整改情况"
	case ActAccepted:
		return "验收通过"
	case ActReturned:
		return "退回重改"
	}
	return "未知"
}

// RectEvent is one step of a rectification's history: every change is kept.
type RectEvent struct {
	Action   RectAction
	Note     string       // the reply (submitted), the reason (returned), the supervisor's remark (accepted)
	Deadline workday.Date // the deadline set (required, returned)
	On       workday.Date
}

// Rectification is a window's duty to put one finding of a confirmed report right, by a deadline counted in
// working days. It names the report and finding but nothing about who filed the report; what the window's
// responsible person is shown of it leaves out the visit's date and half-day and the inspector's notes and
// photos, which could let the window recall the visitor.
type Rectification struct {
	ID        string // random (inspect.NewID)
	ReportID  string
	FindingNo int
	WindowID  int64
	Title     string   // the finding's title
	Clauses   []string // the clause IDs the finding breaks
	Critical  bool

	State    RectState
	Required workday.Date // the day it was required
	Deadline workday.Date // due by the end of this day
	Reply    string       // the latest answer of the responsible person
	Replied  workday.Date // the day of the latest answer
	Closed   workday.Date // the day it was accepted
	Notified workday.Date // the day the responsible person was last told (re-notification of overdue ones)
	Round    int          // answers submitted so far

	Photos []inspect.PhotoRef // the photos of the latest answer
	Events []RectEvent        // oldest first
}

// Overdue reports whether the rectification is still to be done after its deadline, on day today.
func (r *Rectification) Overdue(today workday.Date) bool {
	return r.State == RectOpen && today.After(r.Deadline)
}

// Adjustment is a window's monthly evaluation adjustment (part 三 of the code: ±5 points at the center's
// discretion): the suggestion computed from the scale, and the figure a supervisor decided with their reason.
// Both are kept; every decision is a new revision.
type Adjustment struct {
	WindowID   int64
	Month      Month
	Rev        int      // 1, 2, … per window and month
	Compliance *float64 // the weighted compliance rate when decided; nil without observations
	Suggested  int      // from the scale, −5…+5
	Final      float64  // the supervisor's figure, −5…+5, at most one decimal
	Reason     string   // why (裁量理由); required
	Decided    workday.Date
}

// Limits of adjustments.
const (
	MaxAdjustment   = 5.0
	MaxReasonLength = 500
)

// Errors of the store and the service.
var (
	ErrNotFound  = errors.New("supervise: not found")
	ErrConflict  = errors.New("supervise: changed meanwhile") // a step from a state the rectification is no longer in
	ErrDuplicate = errors.New("supervise: already exists")    // an unfinished rectification of the same finding
)
