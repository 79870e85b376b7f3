package remind_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/conductbot/conductbot/bot"
	"github.com/conductbot/conductbot/internal/testkit"
	"github.com/conductbot/conductbot/remind"
	"github.com/conductbot/conductbot/workday"
)

var shanghai = mustLoad("Asia/Shanghai")

func mustLoad(name string) *time.Location {
	loc, err := time.LoadLocation(name)
	if err != nil {
		return time.FixedZone("CST", 8*3600)
	}
	return loc
}

// at is a time in Shanghai: at("2026-11-02 08:30").
func at(s string) time.Time {
	t, err := time.ParseInLocation("2006-01-02 15:04", s, shanghai)
	if err != nil {
		panic(err)
	}
	return t
}

// remindStore is what the reminders keep and read, as serve wires them: remind.Store and the code in force.
type remindStore interface {
	remind.Store
	remind.CodeSource
}

type env struct {
	t     testing.TB
	store remindStore
	clock *testkit.Clock
	rec   *testkit.Recorder
	rem   *remind.Reminders
	sched *remind.Scheduler
}

type envOpt func(*remind.Config, *remind.SchedulerOptions)

// newEnv wires the reminders on a fresh SQLite store (in memory, the shipped code in force).
func newEnv(t testing.TB, start time.Time, opts ...envOpt) *env {
	return newEnvOn(t, testkit.SQLite(t), start, opts...)
}

// newEnvOn wires the reminders on store, which keeps them and gives the code in force, with a fake clock
// starting at start and a Recorder as the sender.
func newEnvOn(t testing.TB, store remindStore, start time.Time, opts ...envOpt) *env {
	t.Helper()
	e := &env{t: t, store: store, clock: testkit.NewRushingClock(start), rec: &testkit.Recorder{}}
	cfg := remind.Config{Store: store, Code: store, Location: shanghai, Clock: e.clock}
	so := remind.SchedulerOptions{Sender: e.rec}
	for _, o := range opts {
		o(&cfg, &so)
	}
	var err error
	if e.rem, err = remind.New(cfg); err != nil {
		t.Fatal(err)
	}
	if e.sched, err = e.rem.Scheduler(so); err != nil {
		t.Fatal(err)
	}
	return e
}

// subscribe subscribes chats at minute (default time when 0).
func (e *env) subscribe(minute int, chats ...int64) {
	e.t.Helper()
	if minute == 0 {
		minute = remind.DefaultMinute
	}
	for _, id := range chats {
		err := e.store.PutSubscription(context.Background(), remind.Subscription{ChatID: id, Group: id < 0,
			Minute: minute, Enabled: true, SetBy: id, Updated: e.clock.Now()})
		if err != nil {
			e.t.Fatal(err)
		}
	}
}

// runAt moves the clock to t and runs one round.
func (e *env) runAt(t time.Time) remind.Round {
	e.t.Helper()
	e.clock.Set(t)
	r, err := e.sched.RunOnce(context.Background())
	if err != nil {
		e.t.Fatalf("RunOnce at %v: %v", t, err)
	}
	return r
}

func (e *env) perChat() map[int64]int { return e.rec.PerChat() }

func TestWorkdayWeekendHolidayMakeUpDay(t *testing.T) {
	e := newEnv(t, at("2026-09-28 07:00"))
	e.subscribe(0, 1, 2)
	for _, c := range []struct {
		at   string
		sent int
		why  string
	}{
		{"2026-09-28 09:00", 2, "an ordinary Monday"},
		{"2026-10-01 09:00", 0, "国庆节, a public holiday on a Thursday"},
		{"2026-10-05 09:00", 0, "a Monday moved next to 国庆节"},
		{"2026-10-08 09:00", 2, "the Thursday after the holiday"},
		{"2026-10-10 09:00", 2, "a make-up working Saturday (调休)"},
		{"2026-10-11 09:00", 0, "an ordinary Sunday"},
		{"2026-11-07 09:00", 0, "an ordinary Saturday"},
	} {
		r := e.runAt(at(c.at))
		if r.Sent != c.sent {
			t.Errorf("%s (%s): sent %d, want %d (round %+v)", c.at, c.why, r.Sent, c.sent, r)
		}
	}
	if got := e.perChat(); got[1] != 3 || got[2] != 3 {
		t.Errorf("per chat %v, want 3 each", got)
	}
}

func TestOwnTimeOfDay(t *testing.T) {
	e := newEnv(t, at("2026-11-02 06:00"))
	e.subscribe(8*60+15, 1)  // 08:15
	e.subscribe(0, 2)        // 08:30, the default
	e.subscribe(10*60, 3)    // 10:00
	e.subscribe(20*60+59, 4) // 20:59, the latest
	steps := []struct {
		at    string
		total map[int64]int
	}{
		{"2026-11-02 08:14", map[int64]int{}},
		{"2026-11-02 08:15", map[int64]int{1: 1}},
		{"2026-11-02 08:29", map[int64]int{1: 1}},
		{"2026-11-02 08:30", map[int64]int{1: 1, 2: 1}},
		{"2026-11-02 09:59", map[int64]int{1: 1, 2: 1}},
		{"2026-11-02 10:00", map[int64]int{1: 1, 2: 1, 3: 1}},
		{"2026-11-02 15:00", map[int64]int{1: 1, 2: 1, 3: 1}},
		{"2026-11-02 20:59", map[int64]int{1: 1, 2: 1, 3: 1, 4: 1}},
		{"2026-11-02 20:59", map[int64]int{1: 1, 2: 1, 3: 1, 4: 1}},
	}
	for _, s := range steps {
		e.runAt(at(s.at))
		if got := e.perChat(); fmt.Sprint(got) != fmt.Sprint(s.total) {
			t.Fatalf("after %s: %v, want %v", s.at, got, s.total)
		}
	}
}

func TestDayBoundaryInTheConfiguredZone(t *testing.T) {
	e := newEnv(t, time.Date(2026, 11, 2, 12, 0, 0, 0, time.UTC))
	e.subscribe(7*60, 1)
	// 22:59 UTC on Monday 2 November is 06:59 on Tuesday in Shanghai: not yet.
	if r := e.runAt(time.Date(2026, 11, 2, 22, 59, 0, 0, time.UTC)); r.Sent != 0 || r.Day.String() != "2026-11-03" {
		t.Fatalf("06:59 Tuesday: %+v", r)
	}
	// 23:00 UTC is 07:00 on Tuesday in Shanghai: Tuesday's reminder, although it is still Monday in UTC.
	if r := e.runAt(time.Date(2026, 11, 2, 23, 0, 0, 0, time.UTC)); r.Sent != 1 || r.Day.String() != "2026-11-03" {
		t.Fatalf("07:00 Tuesday: %+v", r)
	}
	// 12:59 UTC on Tuesday is 20:59 in Shanghai; 13:00 UTC is 21:00: the cut-off.
	e.subscribe(20*60+59, 2)
	if r := e.runAt(time.Date(2026, 11, 3, 13, 0, 0, 0, time.UTC)); r.Sent != 0 {
		t.Fatalf("21:00 Tuesday: %+v", r)
	}
	// Friday 6 November 16:30 UTC is Saturday 00:30 in Shanghai: a weekend, and Friday is over.
	if r := e.runAt(time.Date(2026, 11, 6, 16, 30, 0, 0, time.UTC)); r.Workday || r.Sent != 0 {
		t.Fatalf("Saturday 00:30: %+v", r)
	}
	plan, err := e.store.DayPlan(context.Background(), date("2026-11-03"))
	if err != nil {
		t.Fatal(err)
	}
	if got := e.rec.Sent()[0].Message.Text; !containsAll(got, "2026年11月3日 星期二", "第 "+plan.ClauseID+" 条") {
		t.Fatalf("the message is not Tuesday's: %s", got)
	}
}

func TestLateTheSameDayNeverAfterNineNorTheNextDay(t *testing.T) {
	e := newEnv(t, at("2026-11-02 06:00"))
	e.subscribe(0, 1)
	e.subscribe(20*60+50, 2)
	// The process was down at 08:30 and starts at 14:00: chat 1 gets Monday's reminder late.
	if r := e.runAt(at("2026-11-02 14:00")); r.Sent != 1 {
		t.Fatalf("14:00: %+v", r)
	}
	// Down again from 20:45 to 21:05: chat 2's 20:50 reminder is not sent after 21:00 …
	if r := e.runAt(at("2026-11-02 21:05")); r.Sent != 0 {
		t.Fatalf("21:05: %+v", r)
	}
	// … nor on Tuesday: on Tuesday each chat gets Tuesday's reminder once, at its time.
	if r := e.runAt(at("2026-11-03 00:10")); r.Sent != 0 {
		t.Fatalf("00:10 Tuesday: %+v", r)
	}
	e.runAt(at("2026-11-03 08:30"))
	e.runAt(at("2026-11-03 20:50"))
	got := e.perChat()
	if got[1] != 2 || got[2] != 1 {
		t.Fatalf("per chat %v: want chat 1 twice (Monday, Tuesday), chat 2 once (Tuesday)", got)
	}
	if d, err := e.store.Delivery(context.Background(), date("2026-11-02"), 2); err == nil && d.State == remind.Sent {
		t.Fatalf("Monday's delivery to chat 2 was sent: %+v", d)
	}
	for _, s := range e.rec.Sent() {
		if s.ChatID == 2 && !containsAll(s.Message.Text, "11月3日") {
			t.Fatalf("chat 2 got another day's reminder: %s", s.Message.Text)
		}
	}
}

func TestBroadcastStopsAtNine(t *testing.T) {
	e := newEnv(t, at("2026-11-02 06:00"))
	ids := make([]int64, 600)
	for i := range ids {
		ids[i] = int64(1000 + i)
	}
	e.subscribe(20*60+59, ids...)
	var mu sync.Mutex
	var last time.Time
	e.rec.After = func(testkit.Sent) {
		mu.Lock()
		defer mu.Unlock()
		if now := e.clock.Now(); now.After(last) {
			last = now
		}
	}
	// 600 messages at 25 a second take 24 s; starting at 20:59:50 only about 10 s are left.
	r := e.runAt(at("2026-11-02 20:59").Add(50 * time.Second))
	if r.Sent < 240 || r.Sent > 260 {
		t.Fatalf("round %+v: want about 250 sent before 21:00", r)
	}
	if !last.Before(at("2026-11-02 21:00")) {
		t.Fatalf("sent until %v", last)
	}
	before := len(e.rec.Sent())
	e.runAt(at("2026-11-02 21:30"))
	e.runAt(at("2026-11-03 07:00"))
	if len(e.rec.Sent()) != before {
		t.Fatal("sent after 21:00 or the next morning")
	}
}

func TestPacing(t *testing.T) {
	e := newEnv(t, at("2026-11-02 06:00"))
	ids := make([]int64, 250)
	for i := range ids {
		ids[i] = int64(1 + i)
	}
	e.subscribe(0, ids...)
	start := at("2026-11-02 08:30")
	r := e.runAt(start)
	if r.Sent != 250 {
		t.Fatalf("%+v", r)
	}
	// 250 messages at 25 a second: the last goes out 9.96 s after the first.
	if took := e.clock.Now().Sub(start); took < 9900*time.Millisecond || took > 10100*time.Millisecond {
		t.Fatalf("the broadcast took %v of virtual time, want about 10 s", took)
	}
}

func TestPerChatPacingOfRetries(t *testing.T) {
	// A chat whose send fails with a 5xx is retried later, never twice within a second.
	var calls atomic.Int32
	e := newEnv(t, at("2026-11-02 06:00"), func(_ *remind.Config, so *remind.SchedulerOptions) {
		so.RetryBackoff = time.Millisecond
	})
	e.rec.Fail = func(chatID int64, n int) error {
		calls.Add(1)
		if n == 0 {
			return errors.New("telegram sendMessage: server error 502: Bad Gateway")
		}
		return nil
	}
	e.subscribe(0, 7)
	e.runAt(at("2026-11-02 08:30"))
	r := e.runAt(at("2026-11-02 08:30").Add(100 * time.Millisecond))
	if r.Sent != 1 {
		t.Fatalf("retry round %+v", r)
	}
	if !e.clock.Now().After(at("2026-11-02 08:30").Add(999 * time.Millisecond)) {
		t.Fatalf("retried within a second of the first try: %v", e.clock.Now())
	}
}

func TestFailedSendsGiveUpAfterMaxAttempts(t *testing.T) {
	e := newEnv(t, at("2026-11-02 06:00"), func(_ *remind.Config, so *remind.SchedulerOptions) {
		so.MaxAttempts, so.RetryBackoff = 3, time.Minute
	})
	e.rec.Fail = func(int64, int) error { return errors.New("boom") }
	e.subscribe(0, 1)
	for i := 0; i < 10; i++ {
		e.runAt(at("2026-11-02 08:30").Add(time.Duration(i) * 10 * time.Minute))
	}
	d, err := e.store.Delivery(context.Background(), date("2026-11-02"), 1)
	if err != nil || d.State != remind.Failed || d.Attempts != 3 || d.LastError != "boom" {
		t.Fatalf("%+v %v", d, err)
	}
}

func TestTooManyRequestsPausesEverySend(t *testing.T) {
	e := newEnv(t, at("2026-11-02 06:00"))
	var once sync.Once
	e.rec.Fail = func(chatID int64, n int) error {
		var err error
		once.Do(func() { err = &remind.RetryAfterError{After: 7 * time.Second} })
		return err
	}
	e.subscribe(0, 1, 2, 3, 4, 5)
	start := at("2026-11-02 08:30")
	r := e.runAt(start)
	if r.Sent != 5 || r.Throttled != 1 {
		t.Fatalf("%+v", r)
	}
	if got := e.perChat(); len(got) != 5 {
		t.Fatalf("per chat %v", got)
	}
	if took := e.clock.Now().Sub(start); took < 7*time.Second {
		t.Fatalf("the broadcast took %v: the 7 s retry_after was not honoured", took)
	}
}

func TestBlockedChatIsUnsubscribed(t *testing.T) {
	e := newEnv(t, at("2026-11-02 06:00"))
	e.rec.Fail = func(chatID int64, n int) error {
		if chatID == 2 {
			return fmt.Errorf("telegram sendMessage: %w", bot.ErrBlocked)
		}
		return nil
	}
	e.subscribe(0, 1, 2, 3)
	r := e.runAt(at("2026-11-02 08:30"))
	if r.Sent != 2 || r.Blocked != 1 {
		t.Fatalf("%+v", r)
	}
	sub, err := e.store.Subscription(context.Background(), 2)
	if err != nil || sub.Enabled || sub.Reason != "blocked" {
		t.Fatalf("%+v %v", sub, err)
	}
	e.runAt(at("2026-11-03 08:30"))
	if got := e.perChat(); got[2] != 0 || got[1] != 2 {
		t.Fatalf("per chat %v", got)
	}
}

// TestRestartInTheMiddleOfABroadcast restarts the scheduler on the same handle (one in-memory SQLite store); the
// OnSQLite and OnPostgres variants restart it on another handle of the database.
func TestRestartInTheMiddleOfABroadcast(t *testing.T) {
	store := testkit.SQLite(t)
	restartMidBroadcast(t, store, store)
}

// restartMidBroadcast stops a broadcast on before after 137 sends, as SIGTERM does, then lets a new process
// on after (another handle of the same database) finish the day: each chat gets its reminder once.
func restartMidBroadcast(t *testing.T, before, after remindStore) {
	store := before
	first := newEnvOn(t, store, at("2026-11-02 06:00"), func(_ *remind.Config, so *remind.SchedulerOptions) {
		so.Instance = "first"
	})
	ids := make([]int64, 300)
	for i := range ids {
		ids[i] = int64(1 + i)
	}
	first.subscribe(0, ids...)
	ctx, stop := context.WithCancel(context.Background())
	var n atomic.Int32
	first.rec.After = func(testkit.Sent) {
		if n.Add(1) == 137 {
			stop() // SIGTERM in the middle of the broadcast
		}
	}
	first.clock.Set(at("2026-11-02 08:30"))
	r1, err := first.sched.RunOnce(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if r1.Sent < 137 || r1.Sent >= 300 {
		t.Fatalf("first round %+v", r1)
	}
	// A new process (another instance name) on the same store finishes the day at once: the first one gave
	// its unsent claims back, so nothing waits for a lease to expire.
	second := newEnvOn(t, after, at("2026-11-02 08:31"), func(_ *remind.Config, so *remind.SchedulerOptions) {
		so.Instance = "second"
	})
	r2 := second.runAt(at("2026-11-02 08:31"))
	if r1.Sent+r2.Sent != 300 {
		t.Fatalf("sent %d + %d, want 300", r1.Sent, r2.Sent)
	}
	got := first.perChat()
	for id, c := range second.perChat() {
		got[id] += c
	}
	for _, id := range ids {
		if got[id] != 1 {
			t.Fatalf("chat %d got %d reminders", id, got[id])
		}
	}
}

func TestCrashedInstanceIsTakenOverAfterItsLease(t *testing.T) {
	store := testkit.SQLite(t)
	e := newEnvOn(t, store, at("2026-11-02 06:00"), func(_ *remind.Config, so *remind.SchedulerOptions) {
		so.Lease = 5 * time.Minute
	})
	ids := []int64{1, 2, 3, 4, 5, 6}
	e.subscribe(0, ids...)
	ctx := context.Background()
	now := at("2026-11-02 08:30")
	// A process claimed four deliveries, then died without sending or giving them back.
	if _, err := store.Schedule(ctx, date("2026-11-02"), 8*60+30, now); err != nil {
		t.Fatal(err)
	}
	claimed, err := store.Claim(ctx, date("2026-11-02"), 8*60+30, "dead", now, now.Add(5*time.Minute), 4)
	if err != nil || len(claimed) != 4 {
		t.Fatalf("%v %v", claimed, err)
	}
	if r := e.runAt(now.Add(time.Minute)); r.Sent != 2 {
		t.Fatalf("while the lease holds: %+v", r)
	}
	if r := e.runAt(now.Add(5*time.Minute + time.Second)); r.Sent != 4 {
		t.Fatalf("after the lease: %+v", r)
	}
	for _, id := range ids {
		if e.perChat()[id] != 1 {
			t.Fatalf("per chat %v", e.perChat())
		}
	}
}

// TestTwoInstancesShareTheWork runs two schedulers on one handle (one in-memory SQLite store); the OnSQLite and
// OnPostgres variants give each its own handle of the database.
func TestTwoInstancesShareTheWork(t *testing.T) {
	store := testkit.SQLite(t)
	twoInstances(t, store, store)
}

// twoInstances runs two schedulers at once, on two handles of one database, and checks that each chat got
// one reminder.
func twoInstances(t *testing.T, storeA, storeB remindStore) {
	a := newEnvOn(t, storeA, at("2026-11-02 06:00"), func(_ *remind.Config, so *remind.SchedulerOptions) {
		so.Instance, so.Batch = "a", 10
	})
	b := newEnvOn(t, storeB, at("2026-11-02 06:00"), func(_ *remind.Config, so *remind.SchedulerOptions) {
		so.Instance, so.Batch = "b", 10
	})
	ids := make([]int64, 200)
	for i := range ids {
		ids[i] = int64(1 + i)
	}
	a.subscribe(0, ids...)
	a.clock.Set(at("2026-11-02 08:30"))
	b.clock.Set(at("2026-11-02 08:30"))
	var wg sync.WaitGroup
	rounds := make([]remind.Round, 2)
	for i, e := range []*env{a, b} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r, err := e.sched.RunOnce(context.Background())
			if err != nil {
				t.Error(err)
			}
			rounds[i] = r
		}()
	}
	wg.Wait()
	got := a.perChat()
	for id, c := range b.perChat() {
		got[id] += c
	}
	for _, id := range ids {
		if got[id] != 1 {
			t.Fatalf("chat %d got %d reminders (rounds %+v)", id, got[id], rounds)
		}
	}
	if rounds[0].Sent+rounds[1].Sent != len(ids) {
		t.Fatalf("rounds %+v", rounds)
	}
	t.Logf("instance a sent %d, b sent %d", rounds[0].Sent, rounds[1].Sent)
	// Both sent the same day's plan.
	ta, tb := a.rec.Sent(), b.rec.Sent()
	if len(ta) > 0 && len(tb) > 0 && ta[0].Message.Text != tb[0].Message.Text {
		t.Fatal("the instances sent different plans")
	}
}

func TestRunLoopWithFakeClock(t *testing.T) {
	e := newEnv(t, at("2026-11-02 08:00"))
	e.subscribe(0, 1)
	ctx, cancel := context.WithCancel(context.Background())
	e.rec.After = func(testkit.Sent) { cancel() }
	done := make(chan error, 1)
	go func() { done <- e.sched.Run(ctx) }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Run did not reach 08:30 on the fake clock")
	}
	if now := e.clock.Now(); now.Before(at("2026-11-02 08:30")) || now.After(at("2026-11-02 08:31")) {
		t.Fatalf("sent at %v", now)
	}
}

func TestCalendarWarnings(t *testing.T) {
	e := newEnv(t, at("2026-12-01 08:00"), func(c *remind.Config, _ *remind.SchedulerOptions) {
		c.Admins = []int64{9001}
		// A calendar without 2026: Monday–Friday, with a warning.
		c.Calendar = workday.NewCalendar()
	})
	ctx := context.Background()
	e.notices(ctx, workday.NewCalendar(), "2026-12-01")
	e.notices(ctx, workday.NewCalendar(), "2026-12-02")
	e.runAt(at("2026-12-01 08:01")) // a round of reminders tells admins nothing
	var notes []string
	for _, s := range e.rec.Sent() {
		if s.ChatID == 9001 {
			notes = append(notes, s.Message.Text)
		}
	}
	if len(notes) != 2 || !containsAll(notes[0], "没有 2026 年的工作日历", "周一至周五") || !containsAll(notes[1], "2027") {
		t.Fatalf("admin notes: %q", notes)
	}
	// Another process on the same store does not repeat them.
	other := newEnvOn(t, e.store, at("2026-12-01 09:00"), func(c *remind.Config, _ *remind.SchedulerOptions) {
		c.Admins = []int64{9001}
		c.Calendar = workday.NewCalendar()
	})
	other.notices(ctx, workday.NewCalendar(), "2026-12-01")
	if len(other.rec.Sent()) != 0 {
		t.Fatalf("notes repeated: %v", other.rec.Sent())
	}
	// With the shipped calendar, December 2026 warns that 2027 is provisional.
	shipped := newEnv(t, at("2026-12-01 08:00"), func(c *remind.Config, _ *remind.SchedulerOptions) { c.Admins = []int64{9001} })
	shipped.notices(ctx, workday.ShippedCalendar(), "2026-12-01")
	if s := shipped.rec.Sent(); len(s) != 1 || !containsAll(s[0].Message.Text, "2027 年的工作日历是预估的") {
		t.Fatalf("%v", s)
	}
}

func TestStoredCalendarOverridesTheShippedOne(t *testing.T) {
	e := newEnv(t, at("2027-01-02 08:00"))
	e.subscribe(0, 1)
	// Suppose the announcement makes Saturday 2 January 2027 a make-up working day.
	text := "year 2027\nstatus official\nsource 测试\noff 2027-01-01 元旦\nwork 2027-01-02 调休上班\n"
	if _, err := e.rem.PutCalendar(context.Background(), text); err != nil {
		t.Fatal(err)
	}
	if r := e.runAt(at("2027-01-02 08:30")); r.Sent != 1 || !r.Workday {
		t.Fatalf("%+v", r)
	}
	if _, err := e.rem.PutCalendar(context.Background(), "year 2027\nstatus official\nwork 2027-01-04 x\n"); err == nil {
		t.Fatal("a make-up day on a Monday was accepted")
	}
}

func containsAll(s string, parts ...string) bool {
	for _, p := range parts {
		if !strings.Contains(s, p) {
			return false
		}
	}
	return true
}

func TestGroupGetsTheSharedVariant(t *testing.T) {
	e := newEnv(t, at("2026-11-02 06:00"))
	e.subscribe(0, 1, -100777)
	e.runAt(at("2026-11-02 08:30"))
	for _, s := range e.rec.Sent() {
		shared := strings.Contains(s.Message.Text, "结果只有您自己能看到")
		if shared != (s.ChatID < 0) {
			t.Fatalf("chat %d: %q", s.ChatID, s.Message.Text)
		}
	}
	if len(e.rec.Sent()) != 2 {
		t.Fatalf("%d sent", len(e.rec.Sent()))
	}
}

// notices runs the scheduler's calendar notices of day.
func (e *env) notices(ctx context.Context, cal *workday.Calendar, day string) {
	e.t.Helper()
	if err := e.sched.CalendarNotices(ctx, cal, workday.MustDate(day)); err != nil {
		e.t.Fatal(err)
	}
}
