package inspect

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	mrand "math/rand/v2"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/conductbot/conductbot/bot"
	"github.com/conductbot/conductbot/workday"
)

// Release is the time of day notifications of new reports go out, in the center's zone: every day at that
// time, in a shuffled order, so that the moment supervisors hear of a report points neither to the visit nor to
// the moment it was filed (an inspector seen on their phone at 10:42 must not be the one whose report arrived at
// 10:42). Immediate sends each as soon as its report is filed, which admins may choose (promptness over
// timing). The zero Release is DefaultRelease (Options).
type Release struct {
	Set          bool
	Hour, Minute int
	Immediate    bool
}

// DefaultRelease is the daily release when none is configured: 17:30, as the working day ends.
var DefaultRelease = Release{Set: true, Hour: 17, Minute: 30}

// ParseRelease reads "18:00", "immediate" (or "0") for at once, and "" for DefaultRelease.
func ParseRelease(s string) (Release, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return DefaultRelease, nil
	}
	if s == "0" || strings.EqualFold(s, "immediate") {
		return Release{Immediate: true}, nil
	}
	t, err := time.Parse("15:04", s)
	if err != nil {
		return Release{}, fmt.Errorf("release time %q: want HH:MM", s)
	}
	return Release{Set: true, Hour: t.Hour(), Minute: t.Minute()}, nil
}

// String is "18:00", or "immediate".
func (r Release) String() string {
	if !r.Set {
		return "immediate"
	}
	return fmt.Sprintf("%02d:%02d", r.Hour, r.Minute)
}

// Notifier tells supervisors about new reports. Filing puts the report in the store's outbox in the same
// transaction; the notifier sends what the outbox holds and takes each report out once every recipient got
// it, so a crash between filing and sending loses nothing.
//
// Several instances may share one store (behind a load balancer, on one PostgreSQL): each notifier claims a
// batch of the outbox under its instance ID and a lease before it sends (ReportStore.ClaimNotifications), so
// no report goes out twice while its claimer is alive; the claims of an instance that died are taken over by
// another once its lease ran out, so none is lost. A claim names an instance, never a user.
type Notifier struct {
	s        *Service
	kick     chan struct{}
	releases chan chan struct{} // the daily release job asks the loop to release, and waits for it

	mu        sync.Mutex // one flush at a time: a notifier's own claims are not handed to it twice
	opts      NotifierOptions
	tuned     bool
	delivered map[string]*delivery // reports sent to some recipients but not all yet, by report ID
}

// NotifierOptions tune how the notifiers of instances sharing one store split the outbox; the zero value of
// each field is a sensible default.
type NotifierOptions struct {
	// Instance is the name this notifier claims notifications under: by default a random one per notifier
	// ("inspect-" and 12 hex digits), as the reminders' schedulers name their leases. It names a process, never
	// a user.
	Instance string
	// Lease is how long a claim holds before another instance may take it over (when this one died); default
	// DefaultNotifyLease. A notifier renews its lease while it sends, whenever half of it has passed.
	Lease time.Duration
	// Batch is how many notifications one claim takes; default DefaultNotifyBatch.
	Batch int
}

// Defaults of NotifierOptions.
const (
	DefaultNotifyLease = 5 * time.Minute
	DefaultNotifyBatch = 10
)

// delivery is a report's notification as far as it went: the recipients that got it.
type delivery struct {
	chats map[int64]bool
	since time.Time
}

// Tune sets the notifier's options; call it before Run or Flush.
func (n *Notifier) Tune(o NotifierOptions) {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.opts, n.tuned = o, false
	n.options()
}

// Instance is the name the notifier claims notifications under.
func (n *Notifier) Instance() string {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.options().Instance
}

// options returns the options with their defaults; n.mu is held.
func (n *Notifier) options() NotifierOptions {
	if !n.tuned {
		if n.opts.Instance == "" {
			var b [6]byte
			_, _ = rand.Read(b[:])
			n.opts.Instance = "inspect-" + hex.EncodeToString(b[:])
		}
		if n.opts.Lease <= 0 {
			n.opts.Lease = DefaultNotifyLease
		}
		if n.opts.Batch <= 0 {
			n.opts.Batch = DefaultNotifyBatch
		}
		n.tuned = true
	}
	return n.opts
}

// retryAfter is how long the loop waits before trying failed notifications again.
const retryAfter = 5 * time.Minute

// sweepEvery is how often the loop deletes expired drafts' photos.
const sweepEvery = time.Hour

// releaseTimeout bounds recording a notification sent and giving claims back when a flush ends, also when its
// context was cancelled.
const releaseTimeout = 10 * time.Second

// Kick tells the loop a report was filed. It never blocks.
func (n *Notifier) Kick() {
	select {
	case n.kick <- struct{}{}:
	default:
	}
}

// DailyJobs is the release, for the program's one workday.Daily runner: with a release time set, every day at
// that time the loop (Run) sends what the outbox holds. Each instance releases (the outbox's claims keep each
// report's notification once); nil when notifications go out at once.
func (n *Notifier) DailyJobs() []workday.Job {
	r := n.s.o.Release
	if !r.Set {
		return nil
	}
	return []workday.Job{{Name: "inspect.release", At: r.Hour*60 + r.Minute, Days: workday.EveryDay, Everywhere: true,
		Run: n.Release}}
}

// Release asks the loop (Run) to send what the outbox holds now, and waits until it has.
func (n *Notifier) Release(ctx context.Context, _ workday.Date) error {
	done := make(chan struct{})
	select {
	case n.releases <- done:
	case <-ctx.Done():
		return ctx.Err()
	}
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Run sends notifications through out until ctx ends: at once after each Kick, or when released (Release). When
// another instance holds claims on notifications that are due, the loop looks again once that instance's lease
// ran out, and takes over what is still there (that instance died). Sending at once, it also looks every hour
// (with the sweep of expired drafts) for notifications no instance was told about.
func (n *Notifier) Run(ctx context.Context, out bot.Transport) error {
	s := n.s
	n.mu.Lock()
	o := n.options()
	n.mu.Unlock()
	s.log.LogAttrs(ctx, slog.LevelInfo, "inspect: notifier started", slog.String("instance", o.Instance),
		slog.String("release", s.o.Release.String()))
	var retry <-chan time.Time
	var retryDue map[string]bool // with a release time: the reports of the last release still to go
	flush := func(due map[string]bool) {
		_, left, err := n.flush(ctx, out, due)
		if ctx.Err() != nil {
			return
		}
		switch {
		case err != nil:
			s.log.LogAttrs(ctx, slog.LevelWarn, "inspect: notifications not all sent", slog.String("error", err.Error()))
			retry = s.o.Clock.After(retryAfter)
		case len(left) > 0: // claimed by another instance: sent by it, or taken over when its lease runs out
			retry = s.o.Clock.After(o.Lease)
		default:
			retry = nil
		}
		retryDue = nil
		if s.o.Release.Set {
			retryDue = left
			if retryDue == nil {
				retryDue = map[string]bool{} // nothing of the release is left: not all that is pending
			}
		}
	}
	if !s.o.Release.Set {
		flush(nil) // what the outbox kept over a restart
	}
	sweep := s.o.Clock.After(sweepEvery)
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-n.kick:
			if !s.o.Release.Set {
				flush(nil)
			}
		case done := <-n.releases:
			flush(nil)
			close(done)
		case <-retry:
			retry = nil
			flush(retryDue)
		case <-sweep:
			if k, err := s.Sweep(ctx); err != nil {
				s.log.LogAttrs(ctx, slog.LevelWarn, "inspect: sweeping expired drafts", slog.String("error", err.Error()))
			} else if k > 0 {
				s.log.LogAttrs(ctx, slog.LevelInfo, "inspect: expired drafts' photos deleted", slog.Int("photos", k))
			}
			if !s.o.Release.Set && retry == nil {
				flush(nil) // filed on an instance that died before it sent them
			}
			sweep = s.o.Clock.After(sweepEvery)
		}
	}
}

// Flush sends every pending notification now and returns how many reports were announced. Notifications
// other instances hold claims on are theirs to send (Run takes them over when their lease runs out).
func (n *Notifier) Flush(ctx context.Context, out bot.Transport) (int, error) {
	sent, _, err := n.flush(ctx, out, nil)
	return sent, err
}

// flush claims, sends and marks sent the notifications of the outbox, batch by batch, until none is left to
// claim; with due, only those of the reports due names (others it claims are given back unsent). It returns how
// many reports it announced and which of those that were in the outbox when it began are still there (due ones
// only): claimed by another instance, or not sent to every recipient.
func (n *Notifier) flush(ctx context.Context, out bot.Transport, due map[string]bool) (sent int, left map[string]bool, err error) {
	n.mu.Lock()
	defer n.mu.Unlock()
	s, o := n.s, n.options()
	if due != nil && len(due) == 0 {
		return 0, nil, nil
	}
	before, err := s.o.Store.PendingNotifications(ctx, 0)
	if err != nil {
		return 0, nil, err
	}
	if len(before) == 0 {
		return 0, nil, nil
	}
	defer func() {
		left = n.left(ctx, before, due)
	}()
	to, err := n.recipients(ctx)
	if err != nil {
		return 0, nil, err
	}
	n.forgetOld()
	// Whatever happens, what this flush claimed and did not send is given back, and the lease with it.
	defer func() {
		rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), releaseTimeout)
		defer cancel()
		if rerr := s.o.Store.ReleaseNotifications(rctx, o.Instance); rerr != nil {
			err = errors.Join(err, rerr)
		}
	}()

	done := map[string]bool{} // claimed reports this flush dealt with: sent, failed, or not due
	var queue []string
	var renewAt time.Time
	more := true                   // the last claim may have left notifications to claim
	batchSent, batchFailed := 0, 0 // of the last batch claimed
	var errs []error
	claim := func(limit int) error {
		now := s.now()
		held, err := s.o.Store.ClaimNotifications(ctx, o.Instance, now, now.Add(o.Lease), limit)
		if err != nil {
			return err
		}
		renewAt = now.Add(o.Lease / 2)
		kept := queue[:0]
		holds := map[string]bool{}
		for _, id := range held {
			holds[id] = true
		}
		lost := 0
		for _, id := range queue {
			if holds[id] {
				kept = append(kept, id)
			} else {
				lost++ // the lease ran out while this flush stalled; another instance has it now
			}
		}
		if lost > 0 {
			s.log.LogAttrs(ctx, slog.LevelWarn, "inspect: notifications taken over by another instance before they were sent",
				slog.Int("reports", lost), slog.String("instance", o.Instance))
		}
		queue = kept
		inQueue := map[string]bool{}
		for _, id := range queue {
			inQueue[id] = true
		}
		fresh := 0
		for _, id := range held {
			if !done[id] && !inQueue[id] {
				queue = append(queue, id)
				fresh++
			}
		}
		if s.o.Release.Set {
			// A release goes out in a shuffled order: not the order of filing, nor of the (random) IDs.
			tail := queue[len(queue)-fresh:]
			mrand.Shuffle(len(tail), func(i, j int) { tail[i], tail[j] = tail[j], tail[i] })
		}
		if limit > 0 {
			more = fresh >= limit
		}
		return nil
	}
	for ctx.Err() == nil {
		if len(queue) == 0 {
			if !more || batchFailed > 0 && batchSent == 0 {
				break // nothing more to claim, or nothing of the last batch could be sent
			}
			if err := claim(o.Batch); err != nil {
				return sent, nil, errors.Join(append(errs, err)...)
			}
			if len(queue) == 0 {
				break
			}
			batchSent, batchFailed = 0, 0
		} else if !s.now().Before(renewAt) {
			if err := claim(0); err != nil {
				return sent, nil, errors.Join(append(errs, err)...)
			}
			continue
		}
		id := queue[0]
		queue = queue[1:]
		done[id] = true
		if due != nil && !due[id] {
			continue // filed after the release: it waits for the next one
		}
		r, err := s.o.Store.Report(ctx, id)
		if errors.Is(err, ErrNotFound) {
			_, _ = s.o.Store.NotificationSent(ctx, id, o.Instance)
			continue
		}
		if err != nil {
			return sent, nil, errors.Join(append(errs, err)...)
		}
		msg := Notification(r, s.today().Year)
		d := n.delivered[id]
		ok := true
		for _, chat := range to {
			if d != nil && d.chats[chat] {
				continue
			}
			if _, err := out.Send(ctx, chat, msg); err != nil && !errors.Is(err, bot.ErrBlocked) {
				errs = append(errs, err)
				ok = false
				continue
			}
			if d == nil {
				d = &delivery{chats: map[int64]bool{}, since: s.now()}
				n.delivered[id] = d
			}
			d.chats[chat] = true
		}
		if !ok {
			batchFailed++
			continue // given back when the flush ends; sent to the others next time
		}
		held, err := n.markSent(ctx, id, o.Instance)
		if err != nil {
			return sent, nil, errors.Join(append(errs, err)...)
		}
		delete(n.delivered, id)
		if !held {
			s.log.LogAttrs(ctx, slog.LevelWarn, "inspect: a notification was sent after its claim ran out; another instance may have sent it too",
				slog.String("instance", o.Instance))
		}
		sent++
		batchSent++
	}
	if sent > 0 { // debug: sent at once, the line's time would be the time of filing
		s.log.LogAttrs(ctx, slog.LevelDebug, "inspect: supervisors notified", slog.Int("reports", sent), slog.Int("recipients", len(to)))
	}
	return sent, nil, errors.Join(errs...)
}

// markSent takes a report that went out to every recipient out of the outbox, even when ctx ended meanwhile
// (shutdown): left there, it would go out again.
func (n *Notifier) markSent(ctx context.Context, id, owner string) (bool, error) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), releaseTimeout)
	defer cancel()
	return n.s.o.Store.NotificationSent(ctx, id, owner)
}

// left is what flush leaves of the due reports that were in the outbox when it began (before): those still
// there. On an error reading the outbox, all of them, to be looked at again.
func (n *Notifier) left(ctx context.Context, before []string, due map[string]bool) map[string]bool {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), releaseTimeout)
	defer cancel()
	after, err := n.s.o.Store.PendingNotifications(ctx, 0)
	still := map[string]bool{}
	for _, id := range after {
		still[id] = true
	}
	var out map[string]bool
	for _, id := range before {
		if (due == nil || due[id]) && (err != nil || still[id]) {
			if out == nil {
				out = map[string]bool{}
			}
			out[id] = true
		}
	}
	return out
}

// forgetOld drops the record of partial deliveries older than a day: another instance took them over, or the
// report is gone. n.mu is held.
func (n *Notifier) forgetOld() {
	if n.delivered == nil {
		n.delivered = map[string]*delivery{}
	}
	cut := n.s.now().Add(-24 * time.Hour)
	for id, d := range n.delivered {
		if d.since.Before(cut) {
			delete(n.delivered, id)
		}
	}
}

// recipients are the configured group chat, or every supervisor and admin.
func (n *Notifier) recipients(ctx context.Context) ([]int64, error) {
	return bot.SupervisorChats(ctx, n.s.o.NotifyChat, n.s.o.Admins, n.s.o.Users)
}

// ViewPrefix and ViewAction make the callback data of a report's 查看 button: supervise registers the prefix
// (supervise/service.go, prefixReview "sv") and shows the report on the action (supervise/review.go,
// reviewButton, case "o": sv:o:<report ID>), as its own list's buttons do. inspect does not import supervise, so
// the data is built here; supervise/notify_view_test.go checks that the button opens the report.
const (
	ViewPrefix = "sv"
	ViewAction = "o"
)

// ViewButton is the 🔎 查看 button of a notification: it opens the supervisors' view of the report.
func ViewButton(reportID string) bot.Button {
	return bot.Btn("🔎 查看", ViewPrefix, ViewAction, reportID)
}

// Notification is what supervisors are told of a new report: NotificationText, and the 🔎 查看 button that
// opens the report.
func Notification(r *Report, year int) bot.Message {
	return bot.Message{Text: NotificationText(r, year), Buttons: [][]bot.Button{bot.Row(ViewButton(r.ID))}}
}

// NotificationText is the text of a notification: the window, the day and half-day of the visit, the answers
// counted and the problems found, critical ones marked. Nothing in it concerns the inspector: no label, no time
// of filing, not even the inspector's notes (free text may give them away; supervisors read them in the review);
// no internal ID either (the 查看 button carries the report).
func NotificationText(r *Report, year int) string {
	c := r.Counts()
	var b strings.Builder
	b.WriteString("📋 新的暗访报告（待审核）\n\n")
	fmt.Fprintf(&b, "窗口：%s\n", r.WindowLabel)
	fmt.Fprintf(&b, "日期：%s（%s）\n", r.VisitDate.Chinese(year), weekdays[r.VisitDate.Weekday()])
	fmt.Fprintf(&b, "时段：%s\n", r.HalfDay.Chinese())
	switch {
	case len(r.Findings) == 0:
		b.WriteString("问题：无\n")
	case c.CriticalFail > 0:
		fmt.Fprintf(&b, "问题：%d 个，其中关键项 %d 个\n", len(r.Findings), c.CriticalFail)
	default:
		fmt.Fprintf(&b, "问题：%d 个\n", len(r.Findings))
	}
	fmt.Fprintf(&b, "检查项：符合 %d 项，不符合 %d 项，未观察 %d 项", c.Pass, c.Fail, c.Unobserved)
	if c.WeightObserved > 0 {
		fmt.Fprintf(&b, "；加权符合率 %s", percent(c.WeightPass, c.WeightObserved))
	}
	b.WriteString("\n")
	if len(r.Findings) > 0 {
		b.WriteString("\n")
		for _, f := range r.Findings {
			crit := ""
			if f.Critical {
				crit = "【关键项】"
			}
			extra := strings.Join(f.Clauses, "、")
			if len(f.Photos) > 0 {
				extra += fmt.Sprintf("；照片 %d 张", len(f.Photos))
			}
			fmt.Fprintf(&b, "%d. %s%s（%s）\n", f.No, crit, f.Title, extra)
		}
	}
	b.WriteString("\n点“🔎 查看”打开报告，审核、确认或驳回。")
	return b.String()
}

func percent(a, b int) string {
	if b == 0 {
		return "—"
	}
	return strconv.FormatFloat(float64(a)*100/float64(b), 'f', 1, 64) + "%"
}
