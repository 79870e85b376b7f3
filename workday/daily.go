package workday

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"
	"sync"
	"time"
)

// RunClaim is what a claim on a daily run found.
type RunClaim int

// Outcomes of Claims.ClaimRun.
const (
	Claimed  RunClaim = iota // the caller holds the run now
	Finished                 // the run was done already
	Busy                     // another instance holds it, and its lease has not run out
)

// Claims record daily runs in the store that the instances of the program share, so that a job runs once a day
// across them, and a run an instance took and did not finish (it died) is taken over when its lease runs out.
// The SQLite and PostgreSQL stores implement it.
type Claims interface {
	// ClaimRun claims the run of job on day for owner until leaseUntil. The zero day claims a run that happens
	// once in all (a notice).
	ClaimRun(ctx context.Context, job string, day Date, owner string, now, leaseUntil time.Time) (RunClaim, error)
	// FinishRun records the run of job on day done.
	FinishRun(ctx context.Context, job string, day Date, owner string) error
}

// Once runs f once across the instances sharing c for job on day (the zero day: once in all): it claims the
// run, runs f, and records it done. It reports whether f ran. When f fails, the claim is left to run out and a
// later call may run f again.
func Once(ctx context.Context, c Claims, job string, day Date, owner string, now time.Time, f func(ctx context.Context) error) (bool, error) {
	got, err := c.ClaimRun(ctx, job, day, owner, now, now.Add(DefaultLease))
	if err != nil || got != Claimed {
		return false, err
	}
	if err := f(ctx); err != nil {
		return true, err
	}
	return true, c.FinishRun(context.WithoutCancel(ctx), job, day, owner)
}

// Days says on which days a job runs.
type Days int

// Days a job runs on.
const (
	Workdays Days = iota // working days by the calendar (the default)
	EveryDay
)

// Job is work done once a day at a time of day.
type Job struct {
	// Name is the job's stable name, its claim's key across instances and versions ("supervise.overdue").
	Name string
	// At is the minute of the day it runs, in the runner's zone (9:00 is 540). An instance started later in the
	// day runs that day's run at once.
	At int
	// Days: Workdays (default) or EveryDay.
	Days Days
	// Everywhere runs the job on every instance, each at its time: for work that has claims of its own (the
	// report outbox). By default a job runs once across the instances sharing the store.
	Everywhere bool
	// Run does the day's work. An error is logged and the run tried again after the runner's Retry.
	Run func(ctx context.Context, day Date) error
}

// Defaults of Daily.
const (
	DefaultLease = 10 * time.Minute
	DefaultRetry = 5 * time.Minute
	maxWait      = time.Hour // looked at again at least this often, whatever the clock did meanwhile
)

// Daily runs jobs at their time of day: one loop for every daily job of the program, so a new job is an Add,
// not a new loop.
type Daily struct {
	Clock    Clock
	Location *time.Location
	// Calendar is the working-day calendar in force (the shipped years with those admins loaded); nil: the
	// shipped calendar.
	Calendar func(ctx context.Context) (*Calendar, error)
	// Claims share the runs across instances; nil: each instance runs every job (a single instance).
	Claims Claims
	Log    *slog.Logger
	Owner  string        // the claims' owner: default a random name per runner
	Lease  time.Duration // default DefaultLease
	Retry  time.Duration // after a failed run or a run another instance holds; default DefaultRetry

	mu   sync.Mutex
	jobs []*jobState
}

type jobState struct {
	Job
	done    Date      // the last day whose run is over here (done, skipped, or done by another instance)
	retryAt time.Time // a failed or busy run is looked at again then
}

// Add registers a job. Call it before Run.
func (d *Daily) Add(j Job) error {
	if j.Name == "" || j.Run == nil || j.At < 0 || j.At >= 24*60 {
		return fmt.Errorf("workday: job %q: name, run and a time of day are required", j.Name)
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	for _, s := range d.jobs {
		if s.Name == j.Name {
			return fmt.Errorf("workday: job %q added twice", j.Name)
		}
	}
	d.jobs = append(d.jobs, &jobState{Job: j})
	return nil
}

// Jobs lists the names of the registered jobs.
func (d *Daily) Jobs() []string {
	d.mu.Lock()
	defer d.mu.Unlock()
	out := make([]string, len(d.jobs))
	for i, s := range d.jobs {
		out[i] = s.Name
	}
	return out
}

func (d *Daily) defaults() {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.Clock == nil {
		d.Clock = System
	}
	if d.Location == nil {
		d.Location = time.Local
	}
	if d.Log == nil {
		d.Log = slog.New(slog.DiscardHandler)
	}
	if d.Owner == "" {
		d.Owner = NewOwner("daily")
	}
	if d.Lease <= 0 {
		d.Lease = DefaultLease
	}
	if d.Retry <= 0 {
		d.Retry = DefaultRetry
	}
}

// Run runs the jobs until ctx ends; it returns nil then.
func (d *Daily) Run(ctx context.Context) error {
	d.defaults()
	for {
		next := d.RunDue(ctx)
		wait := min(next.Sub(d.Clock.Now()), maxWait)
		if err := Sleep(ctx, d.Clock, wait); err != nil {
			return nil
		}
	}
}

// RunDue runs every job that is due now and returns when a job is due next.
func (d *Daily) RunDue(ctx context.Context) time.Time {
	d.defaults()
	d.mu.Lock()
	jobs := append([]*jobState(nil), d.jobs...)
	d.mu.Unlock()
	var cal *Calendar
	next := time.Time{}
	for _, j := range jobs {
		if ctx.Err() != nil {
			break
		}
		now := d.Clock.Now()
		today := DateOf(now, d.Location)
		if j.done != today && MinuteOf(now, d.Location) >= j.At && !now.Before(j.retryAt) {
			if cal == nil {
				cal = d.calendar(ctx)
			}
			d.runJob(ctx, j, today, cal, now)
		}
		at := d.nextRun(j, d.Clock.Now())
		if next.IsZero() || at.Before(next) {
			next = at
		}
	}
	if next.IsZero() {
		next = d.Clock.Now().Add(maxWait)
	}
	return next
}

// nextRun is when j is due next after now.
func (d *Daily) nextRun(j *jobState, now time.Time) time.Time {
	today := DateOf(now, d.Location)
	if j.done == today {
		return today.AddDays(1).At(j.At/60, j.At%60, d.Location)
	}
	at := today.At(j.At/60, j.At%60, d.Location)
	if j.retryAt.After(at) {
		at = j.retryAt
	}
	return at
}

func (d *Daily) calendar(ctx context.Context) *Calendar {
	if d.Calendar == nil {
		return ShippedCalendar()
	}
	cal, err := d.Calendar(ctx)
	if err != nil || cal == nil {
		d.Log.LogAttrs(ctx, slog.LevelWarn, "workday: calendar unavailable; the shipped one is used", slog.Any("error", err))
		return ShippedCalendar()
	}
	return cal
}

// runJob runs j's run of today, unless today is a day off for it or another instance has it.
func (d *Daily) runJob(ctx context.Context, j *jobState, today Date, cal *Calendar, now time.Time) {
	if j.Days == Workdays && !cal.IsWorkday(today) {
		j.done = today
		d.logRun(ctx, j, today, "day off")
		return
	}
	shared := d.Claims != nil && !j.Everywhere
	if shared {
		got, err := d.Claims.ClaimRun(ctx, j.Name, today, d.Owner, now, now.Add(d.Lease))
		switch {
		case err != nil:
			d.Log.LogAttrs(ctx, slog.LevelWarn, "workday: claiming a daily run", slog.String("job", j.Name), slog.String("error", err.Error()))
			j.retryAt = now.Add(d.Retry)
			return
		case got == Finished:
			j.done = today
			d.logRun(ctx, j, today, "done elsewhere")
			return
		case got == Busy:
			j.retryAt = now.Add(d.Retry)
			return
		}
	}
	err := safeRun(ctx, j.Job, today)
	if err != nil {
		if ctx.Err() == nil {
			d.Log.LogAttrs(ctx, slog.LevelWarn, "workday: daily run failed; will retry", slog.String("job", j.Name),
				slog.String("day", today.String()), slog.String("error", err.Error()))
		}
		j.retryAt = d.Clock.Now().Add(d.Retry)
		return
	}
	j.done, j.retryAt = today, time.Time{}
	if shared {
		if err := d.Claims.FinishRun(context.WithoutCancel(ctx), j.Name, today, d.Owner); err != nil {
			d.Log.LogAttrs(ctx, slog.LevelWarn, "workday: recording a daily run done", slog.String("job", j.Name), slog.String("error", err.Error()))
		}
	}
	d.logRun(ctx, j, today, "done")
}

func (d *Daily) logRun(ctx context.Context, j *jobState, day Date, outcome string) {
	d.Log.LogAttrs(ctx, slog.LevelDebug, "workday: daily run", slog.String("job", j.Name), slog.String("day", day.String()),
		slog.String("outcome", outcome))
}

// safeRun runs a job's work, turning a panic into an error: a job never stops the loop.
func safeRun(ctx context.Context, j Job, day Date) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("panic: %v", r)
		}
	}()
	return j.Run(ctx, day)
}

// NewOwner is a random name for this process in claims: prefix, a dash and 12 hex digits. It names a process,
// never a user.
func NewOwner(prefix string) string {
	var b [6]byte
	_, _ = rand.Read(b[:])
	return prefix + "-" + hex.EncodeToString(b[:])
}
