package bot

import (
	"context"
	"encoding/json"
	"errors"
	"time"
)

// ErrNotFound is returned by the stores when the thing asked for does not exist.
var ErrNotFound = errors.New("bot: not found")

// State is a chat's conversation state of one kind: an open form (a report draft, the 👎 reason prompt …).
// A chat may hold states of several kinds at once; the most recently saved unexpired one is the active form,
// which receives the chat's messages that are not commands. States survive restarts.
type State struct {
	ChatID  int64           // the chat, or the pseudonym it is stored under (Options.StateKey)
	Kind    string          // "<capability>.<form>", e.g. "qa.note", "report.draft"
	Data    json.RawMessage // the form's own JSON
	Expires time.Time       // zero: never
	Updated time.Time
}

// Expired reports whether the state is past its expiry at now.
func (s *State) Expired(now time.Time) bool { return !s.Expires.IsZero() && !now.Before(s.Expires) }

// Decode unmarshals the state's data into v.
func (s *State) Decode(v any) error { return json.Unmarshal(s.Data, v) }

// StateStore keeps per-chat conversation state. Chat ID 0 holds bot-wide state (the Telegram adapter keeps its
// update offset there).
type StateStore interface {
	// GetState returns the chat's state of kind, expired or not, or ErrNotFound.
	GetState(ctx context.Context, chatID int64, kind string) (*State, error)
	// ActiveState returns the chat's most recently updated state that has not expired at now, or ErrNotFound.
	ActiveState(ctx context.Context, chatID int64, now time.Time) (*State, error)
	// PutState creates or replaces the chat's state of st.Kind.
	PutState(ctx context.Context, st State) error
	// DeleteState removes the chat's state of kind; removing what does not exist is not an error.
	DeleteState(ctx context.Context, chatID int64, kind string) error
	// DeleteExpiredStates removes every state expired at now and returns how many.
	DeleteExpiredStates(ctx context.Context, now time.Time) (int, error)
}

// User is a known user: everyone who has talked to the bot, and everyone an admin granted a role.
type User struct {
	ID        int64
	Username  string
	Name      string
	FirstSeen time.Time // zero for a user granted a role before they ever wrote
	LastSeen  time.Time // kept to the hour
	Granted   Roles     // roles granted in the store (supervisor, admin); configured admins are not stored
}

// UserStore keeps the known users and the roles admins grant.
type UserStore interface {
	// SeeUser records that the user was seen at now (creating them, updating their names) and returns the
	// stored user with their granted roles.
	SeeUser(ctx context.Context, id Identity, now time.Time) (*User, error)
	// GetUser returns one user, or ErrNotFound.
	GetUser(ctx context.Context, id int64) (*User, error)
	// FindUser returns the user with that username (case-insensitive, without @), or ErrNotFound.
	FindUser(ctx context.Context, username string) (*User, error)
	// ListUsers returns users holding a granted role first, then the others most recently seen first, at
	// most limit in all.
	ListUsers(ctx context.Context, limit int) ([]User, error)
	// SetRole grants (on) or revokes (off) a role, creating the user when unknown; by is the admin's ID.
	// It reports whether anything changed.
	SetRole(ctx context.Context, userID int64, role Role, on bool, by int64, now time.Time) (bool, error)
}

// Question is one question asked and the answer it got.
type Question struct {
	ID        int64
	ChatID    int64
	UserID    int64
	Text      string
	Answer    string
	Verdict   string   // retrieval.Verdict
	Abstained bool     // the code does not cover it
	Clauses   []string // cited clause IDs, best first
	VersionID int64    // the code version it was answered from
	Asked     time.Time
}

// Reason is why an answer was rated 👎.
type Reason string

// The reasons a user can pick.
const (
	ReasonNone       Reason = ""
	ReasonOffTopic   Reason = "off_topic"   // 答非所问
	ReasonWrongRule  Reason = "wrong_rule"  // 条款不对
	ReasonNotCovered Reason = "not_covered" // 规范没写
	ReasonOther      Reason = "other"       // 其他
)

// Reasons lists the reasons in the order the buttons show them.
var Reasons = []Reason{ReasonOffTopic, ReasonWrongRule, ReasonNotCovered, ReasonOther}

// Chinese is the reason's label.
func (r Reason) Chinese() string {
	switch r {
	case ReasonOffTopic:
		return "答非所问"
	case ReasonWrongRule:
		return "条款不对"
	case ReasonNotCovered:
		return "规范没写"
	case ReasonOther:
		return "其他"
	}
	return "未说明"
}

// Feedback is one user's rating of one answer; a user's later rating of the same answer replaces it.
type Feedback struct {
	QuestionID int64
	UserID     int64
	Helpful    bool
	Reason     Reason
	Note       string
	Rated      time.Time
}

// RatedQuestion is a question with the ratings its answer got.
type RatedQuestion struct {
	Question
	Up, Down int
	Reasons  []Reason // one per 👎 that gave a reason
	Notes    []string
}

// QALog keeps the questions asked and the feedback on their answers: /gaps reads it.
type QALog interface {
	// LogQuestion stores q (q.ID is ignored) and returns its new ID.
	LogQuestion(ctx context.Context, q *Question) (int64, error)
	// GetQuestion returns one question, or ErrNotFound.
	GetQuestion(ctx context.Context, id int64) (*Question, error)
	// PutFeedback records a user's rating, replacing their earlier rating of the same answer.
	PutFeedback(ctx context.Context, f Feedback) error
	// UncoveredQuestions returns questions asked at or after since that the code did not cover, newest first,
	// at most limit.
	UncoveredQuestions(ctx context.Context, since time.Time, limit int) ([]Question, error)
	// DownRated returns questions asked at or after since whose answer got at least one 👎, with all their
	// ratings, at most limit, most 👎 first.
	DownRated(ctx context.Context, since time.Time, limit int) ([]RatedQuestion, error)
}

// RawUpdate is an update as Telegram sent it, kept in an UpdateInbox until it was handled.
type RawUpdate struct {
	ID   int64           // update_id
	Data json.RawMessage // the update's JSON as received: it carries user IDs, names and texts
}

// UpdateInbox keeps every update Telegram sends from before Telegram is told it arrived (the next getUpdates
// offset, the webhook's 200) until its handler finished, so that nothing acknowledged is lost to a crash, and
// remembers the IDs of recent updates, so that a redelivered update is handled once. Rows are held by an
// owner (an instance of the bot) under a lease: a row whose owner died is taken over once its lease ran out.
//
// The package inspect's anonymity depends on it: an update's row, with its user IDs and texts (an inspector's
// answers), is deleted as soon as its handler finished; only update IDs stay, and only the newest ones.
type UpdateInbox interface {
	// PutUpdates stores the updates not seen before, held by owner until leaseUntil, in one transaction, and
	// returns the IDs of those it stored. An update whose ID it has seen (waiting or handled) is not stored
	// again, nor returned.
	PutUpdates(ctx context.Context, botID int64, owner string, leaseUntil time.Time, us []RawUpdate) (fresh []int64, err error)
	// ClaimUpdates leases to owner until leaseUntil the waiting updates with an ID above afterID that owner
	// holds or whose lease ran out at now, at most limit, and returns them in ID order.
	ClaimUpdates(ctx context.Context, botID int64, owner string, now, leaseUntil time.Time, afterID int64, limit int) ([]RawUpdate, error)
	// DoneUpdate deletes a handled update's row; its ID stays known. Deleting what is not there is no error.
	DoneUpdate(ctx context.Context, botID, updateID int64) error
}
