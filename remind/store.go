package remind

import (
	"context"
	"errors"
	"time"

	"github.com/conductbot/conductbot/workday"
)

// ErrNotFound is returned by stores when the thing asked for does not exist.
var ErrNotFound = errors.New("remind: not found")

// Subscription is a chat that receives the daily reminder: a user's private chat (ChatID = the user's ID) or
// a group an admin pointed the reminder at.
type Subscription struct {
	ChatID  int64
	Group   bool
	Minute  int  // minutes after midnight in CONDUCTBOT_TZ: 510 is 08:30
	Enabled bool // false: unsubscribed (by /remind off, or because the chat blocked the bot)
	// Reason says why it was disabled: "off" (the user), "blocked" (403), "" while enabled.
	Reason  string
	SetBy   int64 // the user who last changed it
	Updated time.Time
}

// Delivery states.
const (
	Pending = "pending" // due, not yet sent
	Sent    = "sent"    // delivered
	Blocked = "blocked" // the chat blocked the bot: unsubscribed
	Failed  = "failed"  // gave up after MaxAttempts errors
)

// Delivery is one chat's reminder of one day. (ChatID, Day) is unique: that is "exactly once".
type Delivery struct {
	ChatID    int64
	Day       workday.Date
	State     string
	Attempts  int       // failed attempts so far
	NotBefore time.Time // zero: at once
	// LeaseOwner and LeaseUntil: the instance that claimed the delivery to send it, and until when the claim
	// holds; an expired lease (the instance died) lets another instance claim it again.
	LeaseOwner string
	LeaseUntil time.Time
	MessageID  int
	SentAt     time.Time
	LastError  string
}

// DayPlan is what every reminder of one day carries: the clause of the day and the question of the day. It is
// chosen once per day (the first instance to store it wins) so every chat gets the same.
type DayPlan struct {
	Day           workday.Date
	VersionID     int64 // the code version the clause was taken from
	ClauseID      string
	ClauseCycle   int    // rotation round of clauses: no clause repeats within a round
	Title         string // the clause's section title, as it was that day
	Text          string // the clause's text, as it was that day
	Reading       string // the one-line practical reading
	QuestionID    string
	QuestionCycle int // rotation round of questions
	Question      Question
	Created       time.Time
}

// Question is a multiple-choice question of the day, as sent (options already in their shown order).
type Question struct {
	ID       string   `json:"id"`
	ClauseID string   `json:"clause"`
	Text     string   `json:"text"`
	Options  []string `json:"options"`
	Answer   int      `json:"answer"` // index into Options
}

// Answer is one user's answer to one day's question. A user answers each day's question once.
type Answer struct {
	Day        workday.Date
	UserID     int64
	ChatID     int64
	QuestionID string
	Choice     int
	Correct    bool
	Answered   time.Time
}

// DayStats counts the answers to one day's question.
type DayStats struct {
	Day      workday.Date
	Answered int
	Correct  int
}

// Store keeps subscriptions, deliveries, day plans, quiz answers and calendar files. The PostgreSQL and
// SQLite stores implement it; storetest holds its contract.
//
// Claim is the heart of "exactly once": it must hand each pending delivery to one caller at a time, even
// across processes (PostgreSQL: FOR UPDATE SKIP LOCKED under a lease; SQLite: one write transaction).
type Store interface {
	// Subscription returns the chat's subscription, or ErrNotFound.
	Subscription(ctx context.Context, chatID int64) (*Subscription, error)
	// PutSubscription creates or replaces the chat's subscription.
	PutSubscription(ctx context.Context, s Subscription) error
	// Subscriptions lists subscriptions, groups or private chats, enabled ones only when enabledOnly, by chat ID.
	Subscriptions(ctx context.Context, groups bool, enabledOnly bool) ([]Subscription, error)
	// CountSubscriptions counts the enabled subscriptions of private chats and of groups.
	CountSubscriptions(ctx context.Context) (users, groups int, err error)

	// Schedule creates a pending delivery for day for every enabled subscription whose minute is at or before
	// minute and which has none for day yet; it returns how many it created.
	Schedule(ctx context.Context, day workday.Date, minute int, now time.Time) (int, error)
	// Claim leases up to limit pending deliveries of day to owner until leaseUntil: those whose lease is
	// free or expired at now, whose NotBefore has come, and whose subscription is still enabled with its
	// minute at or before minute. Deliveries of other days are never returned.
	Claim(ctx context.Context, day workday.Date, minute int, owner string, now, leaseUntil time.Time, limit int) ([]Delivery, error)
	// MarkSent records a delivery owner sent. ok is false when owner no longer held the lease (another
	// instance took it over); the delivery is recorded as sent all the same.
	MarkSent(ctx context.Context, day workday.Date, chatID int64, owner string, messageID int, now time.Time) (ok bool, err error)
	// MarkBlocked records that the chat blocked the bot: the delivery ends Blocked and the subscription is
	// disabled with reason "blocked", in one transaction.
	MarkBlocked(ctx context.Context, day workday.Date, chatID int64, owner string, now time.Time) error
	// Release gives a claimed delivery back, to be claimed again from notBefore (zero: at once). With
	// failed, the attempt counts: after maxAttempts failed attempts the delivery ends Failed.
	Release(ctx context.Context, day workday.Date, chatID int64, owner string, notBefore time.Time, failed bool, lastError string, maxAttempts int) error
	// Delivery returns one delivery, or ErrNotFound.
	Delivery(ctx context.Context, day workday.Date, chatID int64) (*Delivery, error)
	// DeliveryCounts counts the deliveries of the days from since (inclusive) by state.
	DeliveryCounts(ctx context.Context, since workday.Date) (map[string]int, error)

	// DayPlan returns the plan of day, or ErrNotFound.
	DayPlan(ctx context.Context, day workday.Date) (*DayPlan, error)
	// PutDayPlan stores p unless day already has a plan, and returns the plan stored for the day (p, or the
	// one stored first).
	PutDayPlan(ctx context.Context, p DayPlan) (*DayPlan, error)
	// DayPlans returns the latest plans before day (exclusive), newest first, at most limit.
	DayPlans(ctx context.Context, before workday.Date, limit int) ([]DayPlan, error)

	// PutAnswer records a's answer unless the user already answered that day's question; it returns the
	// stored answer and whether it was a's.
	PutAnswer(ctx context.Context, a Answer) (stored *Answer, first bool, err error)
	// AnsweredChoice is the option a user chose for day's question; ok is false when they did not answer it.
	AnsweredChoice(ctx context.Context, day workday.Date, userID int64) (choice int, ok bool, err error)
	// AnswerCounts counts a user's answers and correct answers.
	AnswerCounts(ctx context.Context, userID int64) (answered, correct int, err error)
	// AnswerStats counts the answers of each day from since (inclusive) that had any, by day, and the distinct
	// users who answered.
	AnswerStats(ctx context.Context, since workday.Date) (days []DayStats, users int, err error)

	// CalendarYears returns the calendar files admins stored, by year.
	CalendarYears(ctx context.Context) (map[int]string, error)
	// PutCalendarYear stores a year's calendar file, replacing an earlier one.
	PutCalendarYear(ctx context.Context, year int, text string, now time.Time) error

	// Claims keep what goes out once in all across instances (the calendar notices to admins).
	workday.Claims
}
