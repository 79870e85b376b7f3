package inspect

import (
	"context"
	"sort"
	"strconv"
	"time"

	"github.com/conductbot/conductbot/workday"
)

// Store is everything the spot-check capability keeps. The PostgreSQL and SQLite stores implement it and pass
// the contract suite storetest.TestReports; tests run on the real stores (internal/testkit), never on a fake.
type Store interface {
	WindowStore
	ChecklistStore
	InspectorStore
	ReportStore
}

// WindowStore keeps the center's windows.
type WindowStore interface {
	// Windows lists the windows in order of their numbers (numeric where they are numbers), the inactive ones
	// too when all is set.
	Windows(ctx context.Context, all bool) ([]Window, error)
	// Window returns one window, active or not, or ErrNotFound.
	Window(ctx context.Context, id int64) (*Window, error)
	// PutWindows adds windows and updates the name and activity of those whose number exists; with
	// deactivateOthers, windows not in ws are made inactive (a whole list loaded from a file). Windows are never
	// deleted: old reports name them.
	PutWindows(ctx context.Context, ws []Window, deactivateOthers bool) (added, updated, deactivated int, err error)
}

// ChecklistStore keeps the revisions of the checklist.
type ChecklistStore interface {
	// ChecklistInForce returns the newest revision, or ErrNotFound before the first.
	ChecklistInForce(ctx context.Context) (*Checklist, error)
	// Checklist returns one revision, or ErrNotFound.
	Checklist(ctx context.Context, id int64) (*Checklist, error)
	// PutChecklist stores c as a new revision in force, numbering it; c.ID and c.Number are set.
	PutChecklist(ctx context.Context, c *Checklist) error
}

// Lockout is the policy against guessing invite codes: Max wrong codes within Window lock the chat out for
// For.
type Lockout struct {
	Max    int
	Window time.Duration
	For    time.Duration
}

// DefaultLockout is ten wrong codes in an hour lock the chat out for an hour.
var DefaultLockout = Lockout{Max: 10, Window: time.Hour, For: time.Hour}

// InspectorStore is the inspector registry: the invite codes (only their hashes), the inspectors by user ID with
// neutral labels, and the lock-out of chats that guess codes. It is the only part of the store that names
// Telegram users, and nothing in the reports refers to it.
type InspectorStore interface {
	// AddInvites stores invite codes by their hashes (InviteHash), usable until expires.
	AddInvites(ctx context.Context, hashes []string, created workday.Date, expires time.Time) error
	// RedeemInvite uses the invite and makes userID an active inspector with a new label, in one transaction;
	// a revoked inspector comes back under a new label. Errors: ErrInviteUnknown, ErrInviteUsed,
	// ErrInviteExpired; ErrDuplicate when the user is an active inspector already (the invite stays unused).
	RedeemInvite(ctx context.Context, hash string, userID int64, now time.Time, loc *time.Location) (*Inspector, error)
	// BurnInvite makes an unused invite unusable (it was shown in a group); false when there was none to burn.
	BurnInvite(ctx context.Context, hash string) (bool, error)
	// OpenInvites counts the invites neither used nor expired at now.
	OpenInvites(ctx context.Context, now time.Time) (int, error)
	// Inspector returns the registry entry of a user, revoked or not, or ErrNotFound.
	Inspector(ctx context.Context, userID int64) (*Inspector, error)
	// Inspectors lists the registry by label number.
	Inspectors(ctx context.Context) ([]Inspector, error)
	// RevokeInspector revokes the active inspector with label number no; ErrNotFound when there is none.
	RevokeInspector(ctx context.Context, no int, on workday.Date) (*Inspector, error)
	// JoinLocked returns until when the chat is locked out of /join at now; the zero time when it is not.
	JoinLocked(ctx context.Context, chatID int64, now time.Time) (time.Time, error)
	// JoinFailed counts a wrong code from the chat under policy p and returns the failures counted in the
	// current window and, when they reached p.Max, until when the chat is locked out.
	JoinFailed(ctx context.Context, chatID int64, now time.Time, p Lockout) (failures int, lockedUntil time.Time, err error)
	// JoinSucceeded forgets the chat's failures.
	JoinSucceeded(ctx context.Context, chatID int64) error
}

// ReportFilter selects reports. Zero fields select everything.
type ReportFilter struct {
	WindowID  int64
	From, To  workday.Date // visit dates, inclusive
	States    []State      // any of them
	Limit     int          // 0: no limit
	Offset    int
	WithItems bool // load Items and Findings (scores need them; lists may not)
}

// ReportStore keeps reports, their photos, drafts' photos and the notification outbox.
type ReportStore interface {
	// PutDraftPhoto stores a re-encoded photo of a draft under the draft's random ID (never its chat), until
	// expires.
	PutDraftPhoto(ctx context.Context, draftID string, p *Photo, expires time.Time) error
	// DeleteDraftPhotos removes a draft's photos (the draft was cancelled or one was taken back); with ids only
	// those.
	DeleteDraftPhotos(ctx context.Context, draftID string, ids ...string) error
	// DeleteExpiredDrafts removes the photos of drafts expired at now and returns how many.
	DeleteExpiredDrafts(ctx context.Context, now time.Time) (int, error)

	// FileReport stores r in one transaction: the report, its items, its findings, the draft's photos the
	// findings name (moved from the draft, which keeps nothing), a row in the notification outbox; the draft's
	// other photos are deleted. r.ID, r.ReceiptHash, r.Filed and r.State must be set. Only after it returns nil
	// may the inspector be told the report is filed.
	FileReport(ctx context.Context, r *Report, draftID string) error
	// Submit files s.Report as FileReport does and, in the same transaction, deletes the chat's draft state
	// (KindDraft) and stores s.Receipt as the chat's KindReceipt state: a report and its draft never both exist,
	// and a crash at any point leaves either the draft (file it again) or the report with its receipt waiting to
	// be shown. ErrDuplicate when a report with s.Report.ID exists already (the draft's submission was filed):
	// nothing is changed then. The SQLite store then checkpoints its write-ahead log (TRUNCATE), so that the
	// frames of the draft's last states leave the data directory.
	Submit(ctx context.Context, s Submission) error
	// Report returns one report with its items, findings, supplements and events, or ErrNotFound.
	Report(ctx context.Context, id string) (*Report, error)
	// ReportByReceipt returns the report whose receipt code hashes to hash, or ErrNotFound.
	ReportByReceipt(ctx context.Context, hash string) (*Report, error)
	// Reports lists reports, the most recent visit first (then afternoon before morning, then by ID).
	Reports(ctx context.Context, f ReportFilter) ([]Report, error)
	// CountReports counts the reports f selects, ignoring its Limit and Offset.
	CountReports(ctx context.Context, f ReportFilter) (int, error)
	// Photo returns a stored photo of a report, or ErrNotFound (drafts' photos are not returned).
	Photo(ctx context.Context, id string) (*Photo, error)
	// AddSupplement appends the inspector's supplement to a report and returns its number.
	AddSupplement(ctx context.Context, reportID, text string, on workday.Date) (int, error)
	// SetReportState moves the report from state from to state to, recording the event; ErrConflict when the
	// report is no longer in from or CanMove forbids the move; ErrNotFound when there is no such report.
	SetReportState(ctx context.Context, id string, from, to State, reason string, on workday.Date) error

	// PendingNotifications lists the reports whose supervisors were not notified yet, claimed or not, by ID, at
	// most limit (0: all).
	PendingNotifications(ctx context.Context, limit int) ([]string, error)
	// ClaimNotifications claims for owner (an instance ID, never a user) up to limit more reports of the outbox
	// and leases everything owner holds until leaseUntil, in one step that no concurrent claim of this or another
	// process interleaves with. It claims reports that nobody holds, and those of another owner whose lease
	// ran out at now (the instance died); never one that another owner's live lease holds. It returns, by ID,
	// every report owner holds afterwards: the new ones and those it held already. limit < 1 claims nothing and
	// only renews the lease.
	ClaimNotifications(ctx context.Context, owner string, now, leaseUntil time.Time, limit int) ([]string, error)
	// NotificationSent removes a report from the outbox: its supervisors were told, and no claim returns it
	// again. held is false when owner did not hold it any more (its lease ran out and another instance took the
	// report over, or sent it already); the report leaves the outbox all the same.
	NotificationSent(ctx context.Context, reportID, owner string) (held bool, err error)
	// ReleaseNotifications gives back owner's claims on the reports named, on all of them when none are named,
	// so that the next claim (of any instance) may take them at once. When owner holds nothing more, its lease
	// is deleted.
	ReleaseNotifications(ctx context.Context, owner string, reportIDs ...string) error
}

// Submission is a report filed from a chat's draft (ReportStore.Submit).
type Submission struct {
	Report  *Report
	DraftID string // the draft's photos are moved to the report's findings or deleted
	// StateChat is the key the chat's states are stored under (bot.Request.StateChat: a keyed pseudonym of the
	// chat, so that this transaction touches no row naming the inspector): its draft state is deleted and its
	// KindReceipt state set to Receipt (sealed JSON made by the service, which the store cannot read) until
	// ReceiptExpires, updated at Updated.
	StateChat      int64
	Receipt        []byte
	ReceiptExpires time.Time
	Updated        time.Time
}

// SortWindows orders windows by number: numerically where both are numbers (3 before 12), numbers before
// other names, else as text.
func SortWindows(ws []Window) {
	sort.SliceStable(ws, func(i, j int) bool {
		a, b := ws[i], ws[j]
		x, errx := strconv.Atoi(a.No)
		y, erry := strconv.Atoi(b.No)
		switch {
		case errx == nil && erry == nil && x != y:
			return x < y
		case errx == nil && erry != nil:
			return true
		case errx != nil && erry == nil:
			return false
		}
		return a.No < b.No
	})
}

// ReportLess is the order of ReportStore.Reports: the latest visit first, afternoon before morning, then by ID.
func ReportLess(a, b *Report) bool {
	if c := a.VisitDate.Compare(b.VisitDate); c != 0 {
		return c > 0
	}
	if a.HalfDay != b.HalfDay {
		return a.HalfDay == Afternoon
	}
	return a.ID < b.ID
}
