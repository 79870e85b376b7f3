package inspect

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"time"

	"github.com/conductbot/conductbot/bot"
)

// Release is the time of day notifications of new reports go out, in the center's zone. The zero Release
// sends them as soon as a report is filed; a set one holds them back to that time, every day, so that the
// moment supervisors hear of a report does not point to the visit.
type Release struct {
	Set          bool
	Hour, Minute int
}

// ParseRelease reads "18:00" (or "" for at once).
func ParseRelease(s string) (Release, error) {
	s = strings.TrimSpace(s)
	if s == "" || s == "0" || strings.EqualFold(s, "immediate") {
		return Release{}, nil
	}
	t, err := time.Parse("15:04", s)
	if err != nil {
		return Release{}, fmt.Errorf("release time %q: want HH:MM", s)
	}
	return Release{Set: true, Hour: t.Hour(), Minute: t.Minute()}, nil
}

// String is "18:00", or "" when not set.
func (r Release) String() string {
	if !r.Set {
		return ""
	}
	return fmt.Sprintf("%02d:%02d", r.Hour, r.Minute)
}

// Next is the first release time strictly after now.
func (r Release) Next(now time.Time, loc *time.Location) time.Time {
	n := now.In(loc)
	t := time.Date(n.Year(), n.Month(), n.Day(), r.Hour, r.Minute, 0, 0, loc)
	if !t.After(n) {
		t = time.Date(n.Year(), n.Month(), n.Day()+1, r.Hour, r.Minute, 0, 0, loc)
	}
	return t
}

// Notifier tells supervisors about new reports. Filing puts the report in the store's outbox in the same
// transaction; the notifier sends what the outbox holds and takes each report out once every recipient got
// it, so a crash between filing and sending loses nothing.
type Notifier struct {
	s    *Service
	kick chan struct{}
}

// retryAfter is how long the loop waits before trying failed notifications again.
const retryAfter = 5 * time.Minute

// sweepEvery is how often the loop deletes expired drafts' photos.
const sweepEvery = time.Hour

// Kick tells the loop a report was filed. It never blocks.
func (n *Notifier) Kick() {
	select {
	case n.kick <- struct{}{}:
	default:
	}
}

// Run sends notifications through out until ctx ends: at once after each Kick, or at the release time.
func (n *Notifier) Run(ctx context.Context, out bot.Transport) error {
	s := n.s
	var retry <-chan time.Time
	flush := func() {
		if _, err := n.Flush(ctx, out); err != nil && ctx.Err() == nil {
			s.log.LogAttrs(ctx, slog.LevelWarn, "inspect: notifications not all sent", slog.String("error", err.Error()))
			retry = s.o.After(retryAfter)
		}
	}
	if !s.o.Release.Set {
		flush() // what the outbox kept over a restart
	}
	sweep := s.o.After(sweepEvery)
	var release <-chan time.Time
	nextRelease := func() {
		if s.o.Release.Set {
			now := s.now()
			release = s.o.After(s.o.Release.Next(now, s.loc).Sub(now))
		}
	}
	nextRelease()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-n.kick:
			if !s.o.Release.Set {
				flush()
			}
		case <-release:
			flush()
			nextRelease()
		case <-retry:
			retry = nil
			flush()
		case <-sweep:
			if k, err := s.Sweep(ctx); err != nil {
				s.log.LogAttrs(ctx, slog.LevelWarn, "inspect: sweeping expired drafts", slog.String("error", err.Error()))
			} else if k > 0 {
				s.log.LogAttrs(ctx, slog.LevelInfo, "inspect: expired drafts' photos deleted", slog.Int("photos", k))
			}
			sweep = s.o.After(sweepEvery)
		}
	}
}

// Flush sends every pending notification now and returns how many reports were announced.
func (n *Notifier) Flush(ctx context.Context, out bot.Transport) (int, error) {
	s := n.s
	to, err := n.recipients(ctx)
	if err != nil {
		return 0, err
	}
	sent := 0
	var errs []error
	for {
		ids, err := s.o.Store.PendingNotifications(ctx, 100)
		if err != nil {
			return sent, err
		}
		progress := false
		for _, id := range ids {
			r, err := s.o.Store.Report(ctx, id)
			if errors.Is(err, ErrNotFound) {
				_ = s.o.Store.NotificationSent(ctx, id)
				continue
			}
			if err != nil {
				return sent, err
			}
			text := NotificationText(r, s.today().Year)
			ok := true
			for _, chat := range to {
				if _, err := out.Send(ctx, chat, bot.Message{Text: text}); err != nil && !errors.Is(err, bot.ErrBlocked) {
					errs = append(errs, err)
					ok = false
				}
			}
			if !ok {
				continue
			}
			if err := s.o.Store.NotificationSent(ctx, id); err != nil {
				return sent, err
			}
			sent++
			progress = true
		}
		if len(ids) < 100 || !progress {
			break
		}
	}
	if sent > 0 { // debug: sent at once, the line's time would be the time of filing
		s.log.LogAttrs(ctx, slog.LevelDebug, "inspect: supervisors notified", slog.Int("reports", sent), slog.Int("recipients", len(to)))
	}
	return sent, errors.Join(errs...)
}

// recipients are the configured group chat, or every supervisor and admin.
func (n *Notifier) recipients(ctx context.Context) ([]int64, error) {
	s := n.s
	if s.o.NotifyChat != 0 {
		return []int64{s.o.NotifyChat}, nil
	}
	seen := map[int64]bool{}
	var out []int64
	add := func(id int64) {
		if id != 0 && !seen[id] {
			seen[id] = true
			out = append(out, id)
		}
	}
	for _, id := range s.o.Admins {
		add(id)
	}
	if s.o.Users != nil {
		us, err := s.o.Users.ListUsers(ctx, 1000)
		if err != nil {
			return nil, fmt.Errorf("list supervisors: %w", err)
		}
		for _, u := range us {
			if u.Granted.Contains(bot.Supervisor) || u.Granted.Contains(bot.Admin) {
				add(u.ID)
			}
		}
	}
	return out, nil
}

// NotificationText is what supervisors are told of a new report: the window, the visit, the answers counted
// and the clauses broken. Nothing in it concerns the inspector: no label, no time of filing, not even the
// inspector's notes (free text may give them away; supervisors read them in the review).
func NotificationText(r *Report, year int) string {
	c := r.Counts()
	var b strings.Builder
	b.WriteString("📋 新的暗访报告（待审核）\n")
	fmt.Fprintf(&b, "窗口：%s\n", r.WindowLabel)
	fmt.Fprintf(&b, "暗访时间：%s %s\n", r.VisitDate.Chinese(year), r.HalfDay.Chinese())
	fmt.Fprintf(&b, "检查结果：符合 %d 项，不符合 %d 项", c.Pass, c.Fail)
	if c.CriticalFail > 0 {
		fmt.Fprintf(&b, "（其中关键项 %d 项）", c.CriticalFail)
	}
	fmt.Fprintf(&b, "，未观察 %d 项", c.Unobserved)
	if c.WeightObserved > 0 {
		fmt.Fprintf(&b, "，加权符合率 %s", percent(c.WeightPass, c.WeightObserved))
	}
	b.WriteString("\n")
	if len(r.Findings) > 0 {
		b.WriteString("\n问题：\n")
		for _, f := range r.Findings {
			crit := ""
			if f.Critical {
				crit = "【关键】"
			}
			photos := ""
			if len(f.Photos) > 0 {
				photos = fmt.Sprintf("（照片 %d 张）", len(f.Photos))
			}
			fmt.Fprintf(&b, "%d. %s%s\uff08%s\uff09%s\n", f.No, crit, f.Title, strings.Join(f.Clauses, "、"), photos)
		}
	}
	fmt.Fprintf(&b, "\n报告编号：%s", r.ID)
	return b.String()
}

func percent(a, b int) string {
	if b == 0 {
		return "—"
	}
	return strconv.FormatFloat(float64(a)*100/float64(b), 'f', 1, 64) + "%"
}
