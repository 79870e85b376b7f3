package inspect

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"errors"
	"fmt"
	"log/slog"
	"regexp"
	"strings"
	"time"

	"github.com/conductbot/conductbot/bot"
	"github.com/conductbot/conductbot/qa"
	"github.com/conductbot/conductbot/rules"
	"github.com/conductbot/conductbot/workday"
)

// Defaults of Options.
const (
	DefaultInviteTTL = 7 * 24 * time.Hour
	DefaultDraftTTL  = 24 * time.Hour
	// MaxInvites is the most invite codes made at once.
	MaxInvites = 50
)

// Options wire the spot-check capability.
type Options struct {
	Store Store
	// Code gives the code in force: checklist items cite its clauses, and reports record its version.
	Code qa.CodeSource
	// Observer maps an inspector's own description to the clauses it shows broken (retrieval.Engine).
	// Optional: without it the description is kept as it is.
	Observer Observer
	// Users and Admins find the supervisors to notify when NotifyChat is 0.
	Users  bot.UserStore
	Admins []int64

	// NotifyChat is the group chat supervisors are notified in; 0 notifies each supervisor and admin privately.
	NotifyChat int64
	// Release holds notifications back to a fixed time of day, so that their timing does not point to the visit;
	// the zero Release is DefaultRelease, and Release{Immediate: true} sends each as soon as its report is filed.
	Release Release
	// SealKey (SealKeyLen bytes, LoadSealKey) seals the chat states that hold a draft, a receipt waiting to be
	// shown or the report a supplement is for: a copy of the database (or of the SQLite data directory, its
	// write-ahead log included) holds only ciphertext next to an inspector's chat ID. It must be the same for
	// every instance and every restart; without it a random key is made, and drafts do not survive a restart.
	SealKey []byte

	Location      *time.Location // CONDUCTBOT_TZ: the day of visits and filing; default Asia/Shanghai
	Clock         workday.Clock  // default workday.System: the time, and the timers of the background loops
	Log           *slog.Logger   // default: discard
	MaxPhotoBytes int64          // default MaxPhotoBytes
	InviteTTL     time.Duration  // default 7 days
	DraftTTL      time.Duration  // default 24 hours
	Lockout       Lockout        // default DefaultLockout
	// Calendar tells working days from days off: a visit on a day off is questioned before it is taken. Default:
	// workday.ShippedCalendar(); the program passes the reminders' calendar (remind.Reminders), which has the
	// years admins stored over the shipped ones.
	Calendar CalendarSource
}

// CalendarSource gives the working-day calendar in force (remind.Reminders implements it).
type CalendarSource interface {
	Calendar(ctx context.Context) (*workday.Calendar, error)
}

// Service is the spot-check capability: its conversations (Register), the inspector role (RolesOf) and the
// supervisors' notifications (Notifier).
type Service struct {
	o        Options
	loc      *time.Location
	now      func() time.Time
	log      *slog.Logger
	key      []byte // signs the supplement buttons; new on every start
	sealer   *sealer
	statusRL *bot.Limiter
	notifier *Notifier
	rt       *bot.Router // set by Register: the command menu of new inspectors
}

// New checks the options and returns the service.
func New(o Options) (*Service, error) {
	if o.Store == nil || o.Code == nil {
		return nil, errors.New("inspect: a store and a code source are required")
	}
	if o.Location == nil {
		loc, err := time.LoadLocation("Asia/Shanghai")
		if err != nil {
			loc = time.FixedZone("CST", 8*3600)
		}
		o.Location = loc
	}
	if o.Clock == nil {
		o.Clock = workday.System
	}
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
	if o.MaxPhotoBytes <= 0 || o.MaxPhotoBytes > MaxPhotoBytes {
		o.MaxPhotoBytes = MaxPhotoBytes
	}
	if o.InviteTTL <= 0 {
		o.InviteTTL = DefaultInviteTTL
	}
	if o.DraftTTL <= 0 {
		o.DraftTTL = DefaultDraftTTL
	}
	if o.Lockout.Max <= 0 {
		o.Lockout = DefaultLockout
	}
	if !o.Release.Set && !o.Release.Immediate {
		o.Release = DefaultRelease
	}
	if o.Release.Immediate {
		o.Release = Release{Immediate: true}
	}
	if len(o.SealKey) == 0 {
		o.SealKey = make([]byte, SealKeyLen)
		if _, err := rand.Read(o.SealKey); err != nil {
			return nil, err
		}
		o.Log.Warn("inspect: no seal key configured; drafts of reports will not survive a restart")
	}
	sl, err := newSealer(o.SealKey)
	if err != nil {
		return nil, err
	}
	key := make([]byte, 32)
	if _, err := rand.Read(key); err != nil {
		return nil, err
	}
	s := &Service{o: o, loc: o.Location, now: o.Clock.Now, log: o.Log, key: key, sealer: sl,
		statusRL: bot.NewLimiter(10, time.Hour, o.Clock.Now)}
	s.notifier = &Notifier{s: s, kick: make(chan struct{}, 1), releases: make(chan chan struct{})}
	return s, nil
}

// RolesOf implements bot.RoleSource: an active inspector of the registry holds bot.Inspector. Pass the service
// in bot.Config.RoleSources; the router asks it when it does not remember the user (bot.Config.UserTTL), and
// /join and a revocation here make it forget them (Request.RolesChanged), so that they take effect at once in
// this process.
func (s *Service) RolesOf(ctx context.Context, userID int64) (bot.Roles, error) {
	in, err := s.o.Store.Inspector(ctx, userID)
	if errors.Is(err, ErrNotFound) {
		return 0, nil
	}
	if err != nil {
		return 0, err
	}
	if !in.Active() {
		return 0, nil
	}
	return bot.Roles(bot.Inspector), nil
}

// Register adds the spot-check commands, buttons and forms to rt: /join, /report, /status for inspectors;
// /invite, /inspectors, /windows, /checklist for admins.
func (s *Service) Register(rt *bot.Router) {
	rt.Use(s.codeGuard)
	s.registerJoin(rt)
	s.registerForm(rt)
	s.registerStatus(rt)
	s.registerAdmin(rt)
}

// receiptText and inviteText are a receipt or invite code typed alone, as the bot showed it.
var (
	receiptText = regexp.MustCompile(`^[0-9A-Za-z]{4}[- ]?[0-9A-Za-z]{4}[- ]?[0-9A-Za-z]{4}$`)
	inviteText  = regexp.MustCompile(`^[0-9A-Za-z]{5}[- ]?[0-9A-Za-z]{5}$`)
)

// codeGuard takes a receipt or invite code sent in a private chat without its command, as /status or /join
// would: written as the bot showed it (with its dashes), or without them when it has a digit — a word of ten
// letters is not taken for a code. Otherwise the text would be an ordinary question, and the question log keeps questions with the
// asker's user ID: a receipt there would tie the inspector to the report.
func (s *Service) codeGuard(next bot.Handler) bot.Handler {
	return func(ctx context.Context, r *bot.Request) error {
		if r.ChatType != bot.ChatPrivate || r.Callback != nil || r.Command != "" || len(r.Photos) > 0 || r.Document != nil {
			return next(ctx, r)
		}
		text := strings.TrimSpace(r.Text)
		switch {
		case receiptText.MatchString(text) && LooksLikeCode(text, ReceiptLen) && (strings.Count(text, "-") == 2 || strings.ContainsAny(text, "0123456789")):
			if !r.Has(bot.Inspector) {
				_, err := r.Reply(ctx, "这像是一个回执码。暗访人员请发送 /status 回执码 查看报告进度。")
				return err
			}
			r.Command, r.Args = "status", text
			return s.status(ctx, r)
		case inviteText.MatchString(text) && LooksLikeCode(text, InviteLen) && (strings.Contains(text, "-") || strings.ContainsAny(text, "0123456789")):
			r.Command, r.Args = "join", text
			return s.join(ctx, r)
		}
		return next(ctx, r)
	}
}

// Notifier is the service's notifier of supervisors.
func (s *Service) Notifier() *Notifier { return s.notifier }

// calendar is the working-day calendar in force; the shipped one when the source fails (a warning is logged).
func (s *Service) calendar(ctx context.Context) *workday.Calendar {
	if s.o.Calendar == nil {
		return workday.ShippedCalendar()
	}
	cal, err := s.o.Calendar.Calendar(ctx)
	if err != nil || cal == nil {
		if err != nil {
			s.log.LogAttrs(ctx, slog.LevelWarn, "inspect: reading the working-day calendar; using the shipped one", slog.String("error", err.Error()))
		}
		return workday.ShippedCalendar()
	}
	return cal
}

// today is the current day in the center's zone.
func (s *Service) today() workday.Date { return workday.DateOf(s.now(), s.loc) }

// CreateInvites makes n one-time invite codes valid for ttl (the default when 0) and returns them with their
// expiry. Only their hashes are stored: the codes are shown once.
func (s *Service) CreateInvites(ctx context.Context, n int, ttl time.Duration) ([]string, time.Time, error) {
	if n < 1 || n > MaxInvites {
		return nil, time.Time{}, fmt.Errorf("inspect: between 1 and %d invites at once", MaxInvites)
	}
	if ttl <= 0 {
		ttl = s.o.InviteTTL
	}
	now := s.now()
	expires := now.Add(ttl).Truncate(time.Minute)
	codes := make([]string, n)
	hashes := make([]string, n)
	for i := range codes {
		codes[i] = NewInviteCode()
		hashes[i] = InviteHash(codes[i])
	}
	if err := s.o.Store.AddInvites(ctx, hashes, workday.DateOf(now, s.loc), expires); err != nil {
		return nil, time.Time{}, err
	}
	return codes, expires, nil
}

// ErrNoItems is returned when the code in force gives no checklist item: none of the saved checklist's clauses
// is in it, and it states no requirement or prohibition to derive one from.
var ErrNoItems = errors.New("inspect: the code in force gives no checklist item")

// Checklist returns the checklist revision for the code in force, making one when there is none (the code's
// default items) or when the code changed since (FollowCode), and the code version.
func (s *Service) Checklist(ctx context.Context) (*Checklist, *rules.Version, error) {
	cl, v, _, err := s.followCode(ctx)
	return cl, v, err
}

// FollowCode brings the checklist to the code in force after it changed: its items follow their clauses by
// text (Rebind). It returns a warning in Chinese listing the items whose clauses changed or are gone, for the
// admin to review ("" when there are none, or when the checklist already follows the code in force).
func (s *Service) FollowCode(ctx context.Context) (string, error) {
	_, _, warning, err := s.followCode(ctx)
	return warning, err
}

func (s *Service) followCode(ctx context.Context) (*Checklist, *rules.Version, string, error) {
	v, err := s.o.Code.CodeInForce(ctx)
	if err != nil {
		return nil, nil, "", fmt.Errorf("code in force: %w", err)
	}
	if v.Code == nil {
		return nil, nil, "", errors.New("inspect: the code in force has no clauses")
	}
	cl, err := s.o.Store.ChecklistInForce(ctx)
	switch {
	case errors.Is(err, ErrNotFound):
		items := DefaultItemsFor(v.Code)
		if len(items) == 0 {
			return nil, nil, "", ErrNoItems
		}
		cl = &Checklist{CodeVersionID: v.ID, Items: items, Created: s.today()}
		if err := s.o.Store.PutChecklist(ctx, cl); err != nil {
			return nil, nil, "", err
		}
		return cl, v, "", nil
	case err != nil:
		return nil, nil, "", err
	case cl.CodeVersionID == v.ID:
		return cl, v, "", nil
	}
	old, err := s.codeVersion(ctx, cl.CodeVersionID)
	if err != nil {
		return nil, nil, "", err
	}
	items, review := Rebind(cl.Items, old, v.Code)
	if len(items) == 0 {
		items = DefaultItemsFor(v.Code)
	}
	if len(items) == 0 {
		return nil, nil, "", ErrNoItems
	}
	warning := FormatReview(review, old, v.Code)
	if warning != "" {
		keys := make([]string, len(review))
		for i, r := range review {
			keys[i] = r.Item.Key
		}
		s.log.LogAttrs(ctx, slog.LevelWarn, "inspect: checklist items cite clauses that changed in the new code version",
			slog.Any("items", keys), slog.Int("code_version", v.Number))
	}
	next := &Checklist{CodeVersionID: v.ID, Items: items, Created: s.today()}
	if err := s.o.Store.PutChecklist(ctx, next); err != nil {
		return nil, nil, "", err
	}
	return next, v, warning, nil
}

// codeVersions gives one stored version of the code: the stores (rules.Store) do.
type codeVersions interface {
	CodeVersion(ctx context.Context, id int64) (*rules.Version, error)
}

// codeVersion is the code of version id from the code source or else the store, or nil when neither can tell
// (then clauses are followed by ID) or the version is gone.
func (s *Service) codeVersion(ctx context.Context, id int64) (*rules.Code, error) {
	src, ok := s.o.Code.(codeVersions)
	if !ok {
		if src, ok = s.o.Store.(codeVersions); !ok {
			return nil, nil
		}
	}
	v, err := src.CodeVersion(ctx, id)
	switch {
	case errors.Is(err, rules.ErrNotFound):
		return nil, nil
	case err != nil:
		return nil, fmt.Errorf("code version %d: %w", id, err)
	}
	return v.Code, nil
}

// sign makes a short tag binding parts together under the service's key (buttons that must not be forged).
func (s *Service) sign(parts ...string) string {
	m := hmac.New(sha256.New, s.key)
	for _, p := range parts {
		m.Write([]byte(p))
		m.Write([]byte{0})
	}
	return idEncoding.EncodeToString(m.Sum(nil)[:10])
}

// Sweep deletes the photos of drafts that expired without being filed. The service's Run calls it hourly.
func (s *Service) Sweep(ctx context.Context) (int, error) {
	return s.o.Store.DeleteExpiredDrafts(ctx, s.now())
}

// DailyJobs are the service's daily work (the release of notifications), for the program's workday.Daily.
func (s *Service) DailyJobs(bot.Transport) []workday.Job { return s.notifier.DailyJobs() }

// Run sends supervisors' notifications through out (at once, or when released) and sweeps expired drafts
// hourly, until ctx ends.
func (s *Service) Run(ctx context.Context, out bot.Transport) error {
	return s.notifier.Run(ctx, out)
}
