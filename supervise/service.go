package supervise

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/conductbot/conductbot/bot"
	"github.com/conductbot/conductbot/inspect"
	"github.com/conductbot/conductbot/qa"
	"github.com/conductbot/conductbot/rules"
	"github.com/conductbot/conductbot/workday"
)

// Options wire supervision.
type Options struct {
	Store   Store       // required
	Reports ReportStore // required: the spot-check store
	// Code gives the code in force; Versions, when set, the version a report was judged against (clause texts
	// are shown from it).
	Code     qa.CodeSource // required
	Versions CodeVersions
	// Users finds window heads by username and the supervisors to notify; Admins are the configured admins.
	Users  bot.UserStore
	Admins []int64
	// NotifyChat is the group chat supervisors are told in (CONDUCTBOT_REPORT_CHAT); 0 tells each supervisor and
	// admin privately.
	NotifyChat int64

	Calendar    CalendarSource // default: the shipped calendar
	Scale       Scale          // zero: DefaultScale (CONDUCTBOT_SCORE_SCALE)
	RectifyDays int            // default DefaultRectifyDays
	// RemindAt is the time of day, in minutes after midnight, overdue rectifications are re-notified on working
	// days; default 9:00.
	RemindAt int

	// MaxUpload is the largest file the chat can carry (Telegram's Bot API takes up to 50 MB from a bot); a larger
	// export file is not sent: the supervisor is told to export it with the command line. Default
	// DefaultMaxUpload.
	MaxUpload int64

	Location *time.Location // CONDUCTBOT_TZ; default Asia/Shanghai
	Clock    workday.Clock  // default workday.System: the time, and the timers of the background loops
	Log      *slog.Logger   // default: discard
	// AfterStats, when set, runs after /stats has sent the scores: the reminders add the daily question's
	// participation there (both capabilities report to supervisors under /stats).
	AfterStats bot.Handler
}

// Service is the supervisors' capability: review of reports (/reports), rectifications (/rectify), window heads
// (/heads), scores and adjustments (/stats, /adjust), exports, and the daily re-notification of overdue
// rectifications (Run).
type Service struct {
	o   Options
	loc *time.Location
	now func() time.Time
	log *slog.Logger
	// owner names this process in daily claims; never a user.
	owner string
}

// New checks the options and returns the service.
func New(o Options) (*Service, error) {
	if o.Store == nil || o.Reports == nil || o.Code == nil {
		return nil, errors.New("supervise: a store, the report store and a code source are required")
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
	if len(o.Scale.Bands) == 0 {
		o.Scale = DefaultScale()
	}
	if o.MaxUpload <= 0 {
		o.MaxUpload = DefaultMaxUpload
	}
	if o.RectifyDays <= 0 {
		o.RectifyDays = DefaultRectifyDays
	}
	if o.RemindAt <= 0 || o.RemindAt >= 24*60 {
		o.RemindAt = 9 * 60
	}
	return &Service{o: o, loc: o.Location, now: o.Clock.Now, log: o.Log, owner: workday.NewOwner("supervise")}, nil
}

// Scale is the scale in use.
func (s *Service) Scale() Scale { return s.o.Scale }

// Location is the service's time zone.
func (s *Service) Location() *time.Location { return s.loc }

// Today is the current day in the center's zone.
func (s *Service) Today() workday.Date { return workday.DateOf(s.now(), s.loc) }

// CurrentMonth is the month it is now in the center's zone.
func (s *Service) CurrentMonth() Month { return MonthAt(s.now(), s.loc) }

// Register adds the supervisors' commands, buttons and forms to rt.
func (s *Service) Register(rt *bot.Router) {
	rt.Command("reports", bot.Supervisor, s.cmdReports, bot.PrivateOnly(),
		bot.Describe("审核暗访报告：/reports [月份] [状态] [窗口号]"))
	rt.Command("rectify", bot.Staff, s.cmdRectify, bot.PrivateOnly(), bot.Describe("整改事项：查看、回复、验收"))
	rt.Command("heads", bot.Admin, s.cmdHeads, bot.PrivateOnly(), bot.Describe("登记窗口负责人"))
	rt.Command("adjust", bot.Supervisor, s.cmdAdjust, bot.PrivateOnly(),
		bot.Describe("记录窗口月度考核调整分：/adjust [月份] 窗口号 分数 理由"))
	rt.Command("stats", bot.Supervisor, s.cmdStats, bot.PrivateOnly(), bot.Describe("窗口月度评分与图表：/stats [月份]"))
	rt.Command("scores", bot.Supervisor, s.cmdStats, bot.PrivateOnly(), bot.Hidden())
	rt.Command("export", bot.Supervisor, s.cmdExport, bot.PrivateOnly(), bot.Describe("导出月度考核报表（Excel/CSV）：/export [月份]"))
	rt.Callback(prefixReview, bot.Supervisor, s.reviewButton)
	rt.Callback(prefixSuper, bot.Supervisor, s.superRectButton)
	rt.Callback(prefixHead, bot.Staff, s.headButton)
	rt.Callback(prefixStats, bot.Supervisor, s.statsButton)
	rt.Form(bot.Form{Kind: KindReject, Need: bot.Supervisor, Handle: s.rejectInput})
	rt.Form(bot.Form{Kind: KindReturn, Need: bot.Supervisor, Handle: s.returnInput})
	rt.Form(bot.Form{Kind: KindAdjust, Need: bot.Supervisor, Handle: s.adjustInput})
	rt.Form(bot.Form{Kind: KindAnswer, Need: bot.Staff, Handle: s.answerInput, Cancel: s.answerCancel})
}

// Callback prefixes and form kinds.
const (
	prefixReview = "sv"  // report review (supervisors)
	prefixSuper  = "rcs" // rectifications, the supervisors' side
	prefixHead   = "rch" // rectifications, the window head's side
	prefixStats  = "ss"  // scores, adjustments, export

	KindReject = "supervise.reject" // waiting for the reason of a rejection
	KindReturn = "supervise.return" // waiting for the reason a rectification is sent back
	KindAdjust = "supervise.adjust" // waiting for an adjustment and its reason
	KindAnswer = "supervise.answer" // a window head writing what they changed

	formTTL = 30 * time.Minute
)

// calendar is the working-day calendar in force; the shipped one when the source fails.
func (s *Service) calendar(ctx context.Context) *workday.Calendar {
	if s.o.Calendar == nil {
		return workday.ShippedCalendar()
	}
	cal, err := s.o.Calendar.Calendar(ctx)
	if err != nil || cal == nil {
		s.log.LogAttrs(ctx, slog.LevelWarn, "supervise: calendar unavailable; using the shipped one", slog.Any("error", err))
		return workday.ShippedCalendar()
	}
	return cal
}

// Deadline is the deadline of a rectification required on day with n working days (the default when n ≤ 0).
func (s *Service) Deadline(ctx context.Context, day workday.Date, n int) workday.Date {
	if n <= 0 {
		n = s.o.RectifyDays
	}
	return s.calendar(ctx).AddWorkdays(day, n)
}

// code returns the code version of id, or the code in force; nil when neither is available.
func (s *Service) code(ctx context.Context, id int64) *rules.Code {
	if s.o.Versions != nil && id != 0 {
		if v, err := s.o.Versions.CodeVersion(ctx, id); err == nil && v.Code != nil {
			return v.Code
		}
	}
	if v, err := s.o.Code.CodeInForce(ctx); err == nil {
		return v.Code
	}
	return nil
}

// clauseText is "1.3.3 服务仪表：工作时不得…" for each clause, one a line, each text clipped to clip characters
// (whole when clip ≤ 0).
func clauseText(code *rules.Code, ids []string, clip int) string {
	var lines []string
	for _, id := range ids {
		line := id
		if code != nil {
			if c, ok := code.Clause(id); ok {
				text := c.Text
				if clip > 0 {
					text = bot.Clip(text, clip)
				}
				line += " " + c.Title + "\uff1a" + text
			}
		}
		lines = append(lines, line)
	}
	return strings.Join(lines, "\n")
}

// windows maps the windows by ID, inactive ones too.
func (s *Service) windows(ctx context.Context) (map[int64]inspect.Window, []inspect.Window, error) {
	ws, err := s.o.Reports.Windows(ctx, true)
	if err != nil {
		return nil, nil, err
	}
	m := make(map[int64]inspect.Window, len(ws))
	for _, w := range ws {
		m[w.ID] = w
	}
	return m, ws, nil
}

func windowLabel(ws map[int64]inspect.Window, id int64) string {
	if w, ok := ws[id]; ok {
		return w.Label()
	}
	return "未知窗口"
}

// heads maps window IDs to their responsible persons.
func (s *Service) heads(ctx context.Context) (map[int64]WindowHead, error) {
	hs, err := s.o.Store.WindowHeads(ctx)
	if err != nil {
		return nil, err
	}
	m := make(map[int64]WindowHead, len(hs))
	for _, h := range hs {
		m[h.WindowID] = h
	}
	return m, nil
}

// headedWindows lists the windows userID is the responsible person of.
func (s *Service) headedWindows(ctx context.Context, userID int64) ([]int64, error) {
	hs, err := s.o.Store.WindowHeads(ctx)
	if err != nil {
		return nil, err
	}
	var ids []int64
	for _, h := range hs {
		if h.UserID == userID && userID != 0 {
			ids = append(ids, h.WindowID)
		}
	}
	return ids, nil
}

// supervisors are the chats supervisors are told in: the configured group, or every supervisor and admin.
func (s *Service) supervisors(ctx context.Context) ([]int64, error) {
	return bot.SupervisorChats(ctx, s.o.NotifyChat, s.o.Admins, s.o.Users)
}

// tellSupervisors sends m to every supervisor chat; a chat that blocked the bot is skipped.
func (s *Service) tellSupervisors(ctx context.Context, out bot.Transport, m bot.Message) error {
	to, err := s.supervisors(ctx)
	if err != nil {
		return err
	}
	var errs []error
	for _, chat := range to {
		if _, err := sendWhole(ctx, out, chat, m); err != nil && !errors.Is(err, bot.ErrBlocked) {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// userLabel names a user for admins: @username 名字, or the ID.
func (s *Service) userLabel(ctx context.Context, id int64) string {
	if s.o.Users != nil {
		if u, err := s.o.Users.GetUser(ctx, id); err == nil {
			var parts []string
			if u.Username != "" {
				parts = append(parts, "@"+u.Username)
			}
			if u.Name != "" {
				parts = append(parts, u.Name)
			}
			if len(parts) > 0 {
				return strings.Join(parts, " ")
			}
		}
	}
	return fmt.Sprintf("用户 %d", id)
}

// chinese is a day as shown: 11月2日, with the year when it is not this year.
func (s *Service) chinese(d workday.Date) string { return d.Chinese(s.Today().Year) }

// partLimit is the most one message of a text split by sendWhole holds.
const partLimit = bot.MaxMessageLen - 96

// sendWhole sends m to chat whole: a text too long for one message goes in several, cut at line or sentence
// ends, the buttons under the last. It returns the last message's ID.
func sendWhole(ctx context.Context, out bot.Transport, chat int64, m bot.Message) (int, error) {
	parts := bot.SplitText(m.Text, partLimit)
	id := 0
	for i, p := range parts {
		part := bot.Message{Text: p}
		if i == len(parts)-1 {
			part.Buttons = m.Buttons
		}
		var err error
		if id, err = out.Send(ctx, chat, part); err != nil {
			return id, err
		}
	}
	return id, nil
}

// editWhole puts m in place of the pressed message; a text too long for one message goes on in new messages.
func editWhole(ctx context.Context, r *bot.Request, m bot.Message) error {
	parts := bot.SplitText(m.Text, partLimit)
	if len(parts) == 1 {
		return r.Edit(ctx, m)
	}
	if err := r.Edit(ctx, bot.Message{Text: parts[0]}); err != nil {
		return err
	}
	_, err := sendWhole(ctx, r.Out, r.ChatID, bot.Message{Text: strings.Join(parts[1:], "\n"), Buttons: m.Buttons})
	return err
}

// clip16 shortens text to fit one Telegram message (lists with a bounded number of lines).
func clip16(text string) string {
	const limit = bot.MaxMessageLen - 96
	if bot.Len16(text) <= limit {
		return text
	}
	r := []rune(text)
	n := 0
	for i, c := range r {
		n++
		if c > 0xffff {
			n++
		}
		if n > limit-2 {
			return string(r[:i]) + "\n…"
		}
	}
	return text
}
