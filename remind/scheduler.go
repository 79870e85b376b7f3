package remind

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/conductbot/conductbot/bot"
	"github.com/conductbot/conductbot/workday"
)

// SchedulerOptions tune the scheduler; the zero value of each field is a sensible default.
type SchedulerOptions struct {
	Sender Sender // required: bot/telegram.BroadcastSender (recommended) or a bot.Transport
	Pacing Pacing // default: 25 messages a second, 1 a second per chat

	Tick     time.Duration // how often due deliveries are looked for; default 30 s (aligned to the clock)
	Workers  int           // sends in flight at once; default 8
	Batch    int           // deliveries claimed at once; default 50
	Lease    time.Duration // how long a claim holds before another instance may take it over; default 5 min
	Instance string        // the lease owner's name; default a random one per scheduler

	MaxAttempts  int           // failed sends (5xx, timeouts …) before a day's delivery is given up; default 5
	RetryBackoff time.Duration // wait after the first failed send, doubling after each; default 1 min
	SendTimeout  time.Duration // one send; default 30 s
	// MaxInlineRetryAfter: a 429 asking to wait up to this long is waited out in place (every send pauses);
	// a longer one gives the delivery back to be claimed after the wait. Default 60 s.
	MaxInlineRetryAfter time.Duration
}

// Scheduler sends each subscribed chat its reminder once on every working day, at the chat's own time (late,
// but the same day and never at or after 21:00, when it was down at that time), paced under the Bot API's
// limits. Several schedulers on one database (one per instance) share the work: each delivery is claimed by
// one of them.
type Scheduler struct {
	r    *Reminders
	o    SchedulerOptions
	pace *pacer

	mu     sync.Mutex
	logged map[string]bool // calendar warnings logged by this process
}

// Scheduler returns a scheduler of the reminders.
func (r *Reminders) Scheduler(o SchedulerOptions) (*Scheduler, error) {
	if o.Sender == nil {
		return nil, errors.New("remind: the scheduler needs a Sender")
	}
	if o.Tick <= 0 {
		o.Tick = 30 * time.Second
	}
	if o.Workers <= 0 {
		o.Workers = 8
	}
	if o.Batch <= 0 {
		o.Batch = 50
	}
	if o.Lease <= 0 {
		o.Lease = 5 * time.Minute
	}
	if o.Instance == "" {
		var b [6]byte
		_, _ = rand.Read(b[:])
		o.Instance = "remind-" + hex.EncodeToString(b[:])
	}
	if o.MaxAttempts <= 0 {
		o.MaxAttempts = 5
	}
	if o.RetryBackoff <= 0 {
		o.RetryBackoff = time.Minute
	}
	if o.SendTimeout <= 0 {
		o.SendTimeout = 30 * time.Second
	}
	if o.MaxInlineRetryAfter <= 0 {
		o.MaxInlineRetryAfter = time.Minute
	}
	return &Scheduler{r: r, o: o, pace: newPacer(r.clock, o.Pacing), logged: map[string]bool{}}, nil
}

// Instance is the name the scheduler claims deliveries under.
func (s *Scheduler) Instance() string { return s.o.Instance }

// Run sends reminders until ctx ends, looking for due deliveries every Tick. It returns nil when ctx ends;
// sends under way then are finished and recorded, claimed deliveries not yet sent are given back.
func (s *Scheduler) Run(ctx context.Context) error {
	s.r.log.Info("remind: scheduler started", "instance", s.o.Instance, "tz", s.r.loc.String(), "tick", s.o.Tick)
	for {
		if _, err := s.RunOnce(ctx); err != nil && ctx.Err() == nil {
			s.r.log.Error("remind: round failed", "error", err)
		}
		now := s.r.clock.Now()
		wait := s.o.Tick - time.Duration(now.UnixNano()%int64(s.o.Tick))
		if err := workday.Sleep(ctx, s.r.clock, wait); err != nil {
			s.r.log.Info("remind: scheduler stopped", "instance", s.o.Instance)
			return nil
		}
	}
}

// Round is what one RunOnce did.
type Round struct {
	Day       workday.Date
	Workday   bool
	Scheduled int // deliveries that became due
	Sent      int
	Blocked   int // chats that blocked the bot, now unsubscribed
	Failed    int // failed sends (to be retried, or given up after MaxAttempts)
	Deferred  int // given back: a long 429, the 21:00 cut-off, or shutdown
	Throttled int // 429 answers
}

type roundCounters struct {
	sent, blocked, failed, deferred, throttled atomic.Int64
}

// minuteOf is the minute of the day of t in loc.
func minuteOf(t time.Time, loc *time.Location) int {
	l := t.In(loc)
	return l.Hour()*60 + l.Minute()
}

// RunOnce sends what is due now: it creates today's due deliveries, then claims and sends them batch by
// batch until none is left, the day's cut-off (21:00) passes, or ctx ends.
func (s *Scheduler) RunOnce(ctx context.Context) (round Round, err error) {
	now := s.r.clock.Now()
	day := workday.DateOf(now, s.r.loc)
	round.Day = day
	cal, err := s.r.Calendar(ctx)
	if err != nil {
		return round, err
	}
	info := cal.Day(day)
	round.Workday = info.Workday
	minute := minuteOf(now, s.r.loc)
	if !info.Workday || minute >= Cutoff {
		s.r.log.Debug("remind: round done", "day", day.String(), "workday", info.Workday, "reason", info.Reason)
		return round, nil
	}
	n, err := s.r.store.Schedule(ctx, day, minute, now)
	if err != nil {
		return round, fmt.Errorf("remind: schedule: %w", err)
	}
	round.Scheduled = n
	var plan *DayPlan
	var c roundCounters
	defer func() {
		round.Sent, round.Blocked, round.Failed = int(c.sent.Load()), int(c.blocked.Load()), int(c.failed.Load())
		round.Deferred, round.Throttled = int(c.deferred.Load()), int(c.throttled.Load())
	}()
	for ctx.Err() == nil {
		now = s.r.clock.Now()
		if workday.DateOf(now, s.r.loc) != day || minuteOf(now, s.r.loc) >= Cutoff {
			break
		}
		batch, err := s.r.store.Claim(ctx, day, minuteOf(now, s.r.loc), s.o.Instance, now, now.Add(s.o.Lease), s.o.Batch)
		if err != nil {
			if ctx.Err() != nil {
				break
			}
			return round, fmt.Errorf("remind: claim: %w", err)
		}
		if len(batch) == 0 {
			break
		}
		if plan == nil {
			if plan, err = s.r.Plan(ctx, day); err != nil {
				s.giveBack(ctx, day, batch, &c)
				return round, err
			}
		}
		s.sendBatch(ctx, day, plan, batch, &c)
	}
	if sent := c.sent.Load(); sent > 0 {
		s.r.log.Info("remind: sent reminders", "day", day.String(), "sent", sent,
			"blocked", c.blocked.Load(), "failed", c.failed.Load(), "deferred", c.deferred.Load())
	}
	s.r.log.Debug("remind: round done", "day", day.String(), "scheduled", n, "sent", c.sent.Load())
	return round, nil
}

// giveBack releases claimed deliveries unsent, to be claimed again at once.
func (s *Scheduler) giveBack(ctx context.Context, day workday.Date, batch []Delivery, c *roundCounters) {
	rctx := context.WithoutCancel(ctx)
	for _, d := range batch {
		if err := s.r.store.Release(rctx, day, d.ChatID, s.o.Instance, time.Time{}, false, "", s.o.MaxAttempts); err != nil {
			s.r.log.Warn("remind: could not give a delivery back; it is taken over when its lease ends", "error", err)
		}
		c.deferred.Add(1)
	}
}

func (s *Scheduler) sendBatch(ctx context.Context, day workday.Date, plan *DayPlan, batch []Delivery, c *roundCounters) {
	private, group := s.r.Message(plan, false), s.r.Message(plan, true)
	jobs := make(chan Delivery)
	var wg sync.WaitGroup
	for range min(s.o.Workers, len(batch)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for d := range jobs {
				m := private
				if d.ChatID < 0 { // Telegram's group and channel IDs are negative
					m = group
				}
				s.deliver(ctx, day, d, m, c)
			}
		}()
	}
	for _, d := range batch {
		jobs <- d
	}
	close(jobs)
	wg.Wait()
}

// deliver sends one claimed delivery and records the outcome. A send that has started is finished and
// recorded even when ctx ends meanwhile (shutdown), so a restart neither repeats nor loses it.
func (s *Scheduler) deliver(ctx context.Context, day workday.Date, d Delivery, m bot.Message, c *roundCounters) {
	rctx := context.WithoutCancel(ctx) // records outlive a shutdown
	release := func(notBefore time.Time, failed bool, reason string) {
		if err := s.r.store.Release(rctx, day, d.ChatID, s.o.Instance, notBefore, failed, reason, s.o.MaxAttempts); err != nil {
			s.r.log.Warn("remind: could not give a delivery back; it is taken over when its lease ends", "error", err)
		}
	}
	for throttled := 0; ; throttled++ {
		if err := s.pace.wait(ctx, d.ChatID); err != nil {
			release(time.Time{}, false, "")
			c.deferred.Add(1)
			return
		}
		now := s.r.clock.Now()
		if workday.DateOf(now, s.r.loc) != day || minuteOf(now, s.r.loc) >= Cutoff {
			release(time.Time{}, false, "")
			c.deferred.Add(1)
			return
		}
		sctx, cancel := context.WithTimeout(rctx, s.o.SendTimeout)
		id, err := s.o.Sender.Send(sctx, d.ChatID, m)
		cancel()
		now = s.r.clock.Now()
		if err == nil {
			ok, merr := s.r.store.MarkSent(rctx, day, d.ChatID, s.o.Instance, id, now)
			switch {
			case merr != nil:
				s.r.log.Error("remind: sent but could not record it; the delivery may be repeated when its lease ends",
					"day", day.String(), "error", merr)
			case !ok:
				s.r.log.Warn("remind: sent after the claim had passed to another instance", "day", day.String())
			}
			c.sent.Add(1)
			return
		}
		if blocked(err) {
			if merr := s.r.store.MarkBlocked(rctx, day, d.ChatID, s.o.Instance, now); merr != nil {
				s.r.log.Error("remind: could not unsubscribe a chat that blocked the bot", "error", merr)
			}
			s.r.log.Info("remind: a chat blocked the bot; unsubscribed it", "day", day.String())
			c.blocked.Add(1)
			return
		}
		if wait, ok := retryAfter(err); ok {
			c.throttled.Add(1)
			s.pace.pauseFor(wait)
			s.r.log.Warn("remind: the Bot API asks to slow down; pausing every send", "retry_after", wait)
			if wait <= s.o.MaxInlineRetryAfter && throttled < 3 && ctx.Err() == nil {
				continue
			}
			release(now.Add(wait), false, "")
			c.deferred.Add(1)
			return
		}
		attempts := d.Attempts + 1
		backoff := s.o.RetryBackoff << min(attempts-1, 6)
		s.r.log.Warn("remind: send failed; will retry", "day", day.String(), "attempt", attempts, "error", err.Error())
		release(now.Add(backoff), true, truncate(err.Error(), 300))
		c.failed.Add(1)
		return
	}
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n]
}

// CalendarAt is when admins are told on working days what the calendar lacks (CalendarNotices).
const CalendarAt = 9 * 60

// DailyJobs are the reminders' daily work for the program's one workday.Daily runner: at CalendarAt on working
// days, CalendarNotices.
func (s *Scheduler) DailyJobs() []workday.Job {
	return []workday.Job{{Name: "remind.calendar", At: CalendarAt, Everywhere: true, // each notice is claimed once in all
		Run: func(ctx context.Context, day workday.Date) error {
			cal, err := s.r.Calendar(ctx)
			if err != nil {
				return err
			}
			return s.CalendarNotices(ctx, cal, day)
		}}}
}

// CalendarNotices warns, in the log once per process and to the configured admins once in all, when the
// current year has no calendar file (Monday–Friday is then assumed) or only a provisional one, and in
// December when next year's is missing or provisional.
func (s *Scheduler) CalendarNotices(ctx context.Context, cal *workday.Calendar, day workday.Date) error {
	var errs []error
	for _, n := range cal.Notices(day) {
		s.mu.Lock()
		first := !s.logged[n.Key]
		s.logged[n.Key] = true
		s.mu.Unlock()
		if first {
			s.r.log.Warn("remind: calendar incomplete", "notice", n.Key)
		}
		if len(s.r.admins) == 0 {
			continue
		}
		_, err := workday.Once(ctx, s.r.store, "notice."+n.Key, workday.Date{}, s.o.Instance, s.r.clock.Now(), func(ctx context.Context) error {
			for _, id := range s.r.admins {
				if err := s.pace.wait(ctx, id); err != nil {
					return err
				}
				if _, err := s.o.Sender.Send(ctx, id, bot.Message{Text: n.Text}); err != nil {
					s.r.log.Warn("remind: could not tell an admin about the calendar", "error", err.Error())
				}
			}
			return nil
		})
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}
