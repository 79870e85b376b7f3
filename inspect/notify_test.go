package inspect_test

import (
	"context"
	"log/slog"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-telegram/bot/models"

	"github.com/conductbot/conductbot/bot"
	"github.com/conductbot/conductbot/bot/telegram"
	"github.com/conductbot/conductbot/inspect"
	"github.com/conductbot/conductbot/internal/testkit"
	"github.com/conductbot/conductbot/postgres"
	"github.com/conductbot/conductbot/storetest"
	"github.com/conductbot/conductbot/workday"
)

// Several instances of the bot share one database (DESIGN.md, "Telegram facts"): the tests here run two
// notifiers, each on its own handle (its own connection pool, as two processes would) and its own Bot API
// client, against one Bot API stand-in, and count what each supervisor received.

// sharedPostgres opens two handles on one fresh PostgreSQL schema with the shipped code in force, or skips the
// test without TEST_DATABASE_URL.
func sharedPostgres(t *testing.T) (fullStore, fullStore) {
	t.Helper()
	url := testkit.PostgresURL(t)
	var dbs [2]*postgres.DB
	for i := range dbs {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		db, err := postgres.Open(ctx, url, nil)
		if err == nil {
			err = testkit.ImportShipped(ctx, db)
		}
		cancel()
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(db.Close)
		dbs[i] = db
	}
	return dbs[0], dbs[1]
}

// sharedSQLite opens two handles on one fresh SQLite file with the shipped code in force.
func sharedSQLite(t *testing.T) (fullStore, fullStore) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "conductbot.db")
	a, b := openSQLite(t, path), openSQLite(t, path)
	if err := testkit.ImportShipped(context.Background(), a); err != nil {
		t.Fatal(err)
	}
	return a, b
}

// A second supervisor: with the first one and the admin, three recipients of every notification.
var supervisor2 = bot.Identity{ID: 5006, Username: "dujian2", Name: "督查二"}

// instance is one process's notifier: its service on its own store handle and its own Bot API client.
type instance struct {
	svc    *inspect.Service
	n      *inspect.Notifier
	client bot.Transport
}

// notifyWorld is the stand-in, the shared clock and the reports filed, for two instances.
type notifyWorld struct {
	t       *testing.T
	api     *testkit.API
	clock   *testkit.Clock
	fixture *storetest.ReportFixture
	sa, sb  fullStore // the instances' handles on the one database
	a, b    *instance
	log     *testkit.LogBuffer
}

const testLease = 2 * time.Minute

func newNotifyWorld(t *testing.T, sa, sb fullStore, opts ...envOption) *notifyWorld {
	t.Helper()
	w := &notifyWorld{t: t, api: testkit.NewAPI(t), clock: testkit.NewClock(testkit.Start), log: &testkit.LogBuffer{},
		sa: sa, sb: sb}
	ctx := context.Background()
	for _, id := range []int64{supervisor.ID, supervisor2.ID} {
		if _, err := sa.SetRole(ctx, id, bot.Supervisor, true, adminUser.ID, w.clock.Now()); err != nil {
			t.Fatal(err)
		}
	}
	w.fixture = storetest.NewReportFixture(t, sa, 3)
	w.a = w.instance(sa, "a", opts)
	w.b = w.instance(sb, "b", opts)
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("log:\n%s", w.log.String())
		}
	})
	return w
}

func (w *notifyWorld) instance(st fullStore, name string, opts []envOption) *instance {
	w.t.Helper()
	logger := slog.New(slog.NewTextHandler(w.log, &slog.HandlerOptions{Level: slog.LevelDebug})).With("instance", name)
	o := inspect.Options{Store: st, Code: st, Users: st, Admins: []int64{adminUser.ID},
		Location: testkit.Start.Location(), Clock: w.clock, Log: logger}
	for _, f := range opts {
		f(&o)
	}
	svc, err := inspect.New(o)
	if err != nil {
		w.t.Fatal(err)
	}
	n := svc.Notifier()
	n.Tune(inspect.NotifierOptions{Instance: name, Lease: testLease, Batch: 3})
	if n.Instance() != name {
		w.t.Fatalf("instance %q", n.Instance())
	}
	tb, err := telegram.New(context.Background(), telegram.Options{Token: w.api.Token, ServerURL: w.api.URL,
		Router: bot.NewRouter(bot.Options{}), Log: logger,
		Sleep: func(ctx context.Context, _ time.Duration) error { return ctx.Err() }})
	if err != nil {
		w.t.Fatal(err)
	}
	return &instance{svc: svc, n: n, client: tb.Client()}
}

// file files n reports, alternating between the two instances' handles, and returns their IDs.
func (w *notifyWorld) file(n int) []string {
	w.t.Helper()
	var ids []string
	for i := 0; i < n; i++ {
		r := w.fixture.NewReport(i, workday.MustDate("2026-11-02"), inspect.Morning)
		var store inspect.Store = w.sa
		if i%2 == 1 {
			store = w.sb
		}
		if err := store.FileReport(context.Background(), r, inspect.NewDraftID()); err != nil {
			w.t.Fatal(err)
		}
		ids = append(ids, r.ID)
	}
	return ids
}

// reportNo finds the report of a notification in the data of its 🔎 查看 button (sv:o:<report ID>).
var reportNo = regexp.MustCompile(`^sv:o:([a-z2-7]{16})$`)

// viewedReport is the report ID a notification's 查看 button opens, or "".
func viewedReport(c interface {
	Buttons() []models.InlineKeyboardButton
}) string {
	for _, b := range c.Buttons() {
		if m := reportNo.FindStringSubmatch(b.CallbackData); m != nil {
			return m[1]
		}
	}
	return ""
}

// received counts, per recipient and report, the notifications the stand-in delivered.
func (w *notifyWorld) received() map[int64]map[string]int {
	out := map[int64]map[string]int{}
	for _, c := range w.api.Calls("sendMessage") {
		if !c.OK() {
			continue
		}
		id := viewedReport(c)
		if id == "" || strings.Contains(c.Text(), id) {
			w.t.Errorf("a message to %d that is no notification: %q", c.ChatID(), c.Text())
			continue
		}
		if out[c.ChatID()] == nil {
			out[c.ChatID()] = map[string]int{}
		}
		out[c.ChatID()][id]++
	}
	return out
}

// recipients are the admin and the two supervisors.
var recipients = []int64{adminUser.ID, supervisor.ID, supervisor2.ID}

// exactlyOnce checks that every recipient got a notification of each of ids once, and of nothing else.
func (w *notifyWorld) exactlyOnce(ids []string) {
	w.t.Helper()
	got := w.received()
	if len(got) != len(recipients) {
		w.t.Errorf("notified chats %d, want %d", len(got), len(recipients))
	}
	for _, chat := range recipients {
		for _, id := range ids {
			if got[chat][id] != 1 {
				w.t.Errorf("chat %d got report %s %d times, want once", chat, id, got[chat][id])
			}
		}
		if len(got[chat]) != len(ids) {
			w.t.Errorf("chat %d got %d reports, want %d", chat, len(got[chat]), len(ids))
		}
	}
}

// TestTwoNotifiersOnPostgres: two instances on one PostgreSQL flush the outbox at the same time, round after
// round, while reports keep coming in; each supervisor gets each notification exactly once.
func TestTwoNotifiersOnPostgres(t *testing.T) {
	sa, sb := sharedPostgres(t)
	twoNotifiers(t, sa, sb)
}

// TestTwoNotifiersOnSQLite: the same with two processes on one SQLite file.
func TestTwoNotifiersOnSQLite(t *testing.T) {
	sa, sb := sharedSQLite(t)
	twoNotifiers(t, sa, sb)
}

func twoNotifiers(t *testing.T, sa, sb fullStore) {
	w := newNotifyWorld(t, sa, sb)
	ctx := context.Background()
	var all []string
	total := 0
	for round := 0; round < 4; round++ {
		all = append(all, w.file(7)...)
		var wg sync.WaitGroup
		var mu sync.Mutex
		// Each instance flushes twice at once (a kick and the hourly look), the other instance alongside.
		for _, in := range []*instance{w.a, w.b, w.a, w.b} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				n, err := in.n.Flush(ctx, in.client)
				if err != nil {
					t.Error(err)
				}
				mu.Lock()
				total += n
				mu.Unlock()
			}()
		}
		wg.Wait()
	}
	if total != len(all) {
		t.Errorf("the flushes announced %d reports, want %d", total, len(all))
	}
	w.exactlyOnce(all)
	if left, _ := sa.PendingNotifications(ctx, 0); len(left) != 0 {
		t.Errorf("left in the outbox: %v", left)
	}
	// Nothing is sent again.
	for _, in := range []*instance{w.a, w.b} {
		if n, err := in.n.Flush(ctx, in.client); n != 0 || err != nil {
			t.Errorf("a later flush: %d %v", n, err)
		}
	}
	w.exactlyOnce(all)
}

// hangingOut is an instance that froze (or died) after claiming: its first send never returns until ctx ends,
// and nothing goes out.
type hangingOut struct {
	bot.Transport
	entered chan struct{}
}

func (h hangingOut) Send(ctx context.Context, _ int64, _ bot.Message) (int, error) {
	select {
	case h.entered <- struct{}{}:
	default:
	}
	<-ctx.Done()
	return 0, ctx.Err()
}

// hang starts a flush of in that claims a batch and hangs on its first send; stop ends it and waits.
func (w *notifyWorld) hang(in *instance) (stop func()) {
	w.t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	out := hangingOut{Transport: in.client, entered: make(chan struct{}, 1)}
	done := make(chan struct{})
	go func() {
		defer close(done)
		_, _ = in.n.Flush(ctx, out)
	}()
	select {
	case <-out.entered:
	case <-time.After(10 * time.Second):
		w.t.Fatal("the hanging instance did not claim and send")
	}
	var once sync.Once
	return func() { once.Do(func() { cancel(); <-done }) }
}

// runLoop runs in's loop with fake timers until the returned stop is called.
func runLoop(t *testing.T, in *instance) (stop func()) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- in.svc.Run(ctx, in.client) }()
	var once sync.Once
	return func() {
		once.Do(func() {
			cancel()
			select {
			case <-done:
			case <-time.After(10 * time.Second):
				t.Fatal("the loop did not stop")
			}
		})
	}
}

// timerOf waits for a wait of d among the first n asked for of c and returns its number, for c.Fire.
func timerOf(t *testing.T, c *testkit.Clock, n int, d time.Duration) int {
	t.Helper()
	ws := awaitWaits(t, c, n)
	for i, w := range ws {
		if w == d {
			return i
		}
	}
	t.Fatalf("no timer of %v among %v", d, ws)
	return -1
}

// TestCrashedNotifierTakenOverOnPostgres: instance a claims a batch and dies before sending it; b leaves a's
// claims alone while a's lease lasts and takes them over when it has run out. Nobody gets anything twice.
func TestCrashedNotifierTakenOverOnPostgres(t *testing.T) {
	sa, sb := sharedPostgres(t)
	crashedNotifier(t, sa, sb)
}

// TestCrashedNotifierTakenOverOnSQLite: the same with two processes on one SQLite file.
func TestCrashedNotifierTakenOverOnSQLite(t *testing.T) {
	sa, sb := sharedSQLite(t)
	crashedNotifier(t, sa, sb)
}

func crashedNotifier(t *testing.T, sa, sb fullStore) {
	w := newNotifyWorld(t, sa, sb, func(o *inspect.Options) {
		o.Release = inspect.Release{Immediate: true}
	})
	w.clock.HoldWaits() // the loops' timers fire when the test fires them
	ids := w.file(5)
	stopA := w.hang(w.a) // a holds the first three (its batch) and will never send them
	defer stopA()
	stopB := runLoop(t, w.b)
	defer stopB()
	// b sends at once what nobody holds, and looks again when a's lease has run out.
	w.api.WaitCount(t, "sendMessage", 2*len(recipients))
	retry := timerOf(t, w.clock, 2, testLease)
	if got := len(w.api.Calls("sendMessage")); got != 2*len(recipients) {
		t.Fatalf("%d messages while a's lease lasts, want %d (two reports)", got, 2*len(recipients))
	}
	w.clock.Advance(testLease)
	w.clock.Fire(retry)
	w.api.WaitCount(t, "sendMessage", len(ids)*len(recipients))
	// A flush waits for the one under way (the loop's): then nothing is left to send.
	if n, err := w.b.n.Flush(context.Background(), w.b.client); n != 0 || err != nil {
		t.Errorf("a flush after the takeover: %d %v", n, err)
	}
	stopB()
	stopA()
	w.exactlyOnce(ids)
	if left, _ := sa.PendingNotifications(context.Background(), 0); len(left) != 0 {
		t.Errorf("left in the outbox: %v", left)
	}
}

// TestBatchedReleaseTakeoverOnPostgres: with a release time, instance a takes over at the end of b's lease the
// part of the release b claimed before it died, and only that part: a report filed after the release waits for
// the next one.
func TestBatchedReleaseTakeoverOnPostgres(t *testing.T) {
	sa, sb := sharedPostgres(t)
	batchedTakeover(t, sa, sb)
}

// TestBatchedReleaseTakeoverOnSQLite: the same with two processes on one SQLite file.
func TestBatchedReleaseTakeoverOnSQLite(t *testing.T) {
	sa, sb := sharedSQLite(t)
	batchedTakeover(t, sa, sb)
}

func batchedTakeover(t *testing.T, sa, sb fullStore) {
	ctx := context.Background()
	w := newNotifyWorld(t, sa, sb, func(o *inspect.Options) {
		o.Release, _ = inspect.ParseRelease("18:00")
	})
	w.clock.HoldWaits() // the loops' timers fire when the test fires them
	ids := w.file(5)
	stopA := runLoop(t, w.a)
	defer stopA()
	awaitWaits(t, w.clock, 1) // the loop runs
	// 18:00: b's release claims its batch and dies; a's release sends the rest.
	w.clock.Advance(9 * time.Hour)
	stopB := w.hang(w.b)
	defer stopB()
	if err := w.a.svc.DailyJobs(w.a.client)[0].Run(ctx, workday.DateOf(w.clock.Now(), nil)); err != nil {
		t.Fatal(err)
	}
	w.api.WaitCount(t, "sendMessage", 2*len(recipients))
	retry := timerOf(t, w.clock, 2, testLease)
	late := w.file(1)[0] // filed after the release
	w.clock.Advance(testLease)
	w.clock.Fire(retry)
	w.api.WaitCount(t, "sendMessage", len(ids)*len(recipients))
	// The next release (a flush, which waits for the loop's under way) finds the late report still there:
	// the takeover did not send it.
	if n, err := w.a.n.Flush(ctx, w.a.client); n != 1 || err != nil {
		t.Fatalf("the next release: %d %v, want the late report", n, err)
	}
	stopA()
	stopB()
	w.exactlyOnce(append(ids, late))
	if left, _ := sb.PendingNotifications(ctx, 0); len(left) != 0 {
		t.Errorf("left in the outbox: %v", left)
	}
}

// TestNotifierLeavesNoLease: once a flush is over, the store keeps no lease, the one time the outbox's claims
// bring: the instant of a claim, right after a filing when notifications go out at once, stays nowhere.
func TestNotifierLeavesNoLease(t *testing.T) {
	db := openSQLite(t, filepath.Join(t.TempDir(), "conductbot.db"))
	if err := testkit.ImportShipped(context.Background(), db); err != nil {
		t.Fatal(err)
	}
	w := newNotifyWorld(t, db, db)
	ids := w.file(4)
	w.api.FailNext("sendMessage", 5, testkit.ServerError) // every try of the client's: one recipient misses one report
	if n, err := w.a.n.Flush(context.Background(), w.a.client); err == nil || n != len(ids)-1 {
		t.Fatalf("flush with one failure: %d %v", n, err)
	}
	count := func(q string) int {
		var n int
		if err := db.SQL().QueryRow(q).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	if n := count(`SELECT count(*) FROM notifier_leases`); n != 0 {
		t.Errorf("%d leases left after the flush", n)
	}
	if n := count(`SELECT count(*) FROM report_outbox WHERE lease_owner <> ''`); n != 0 {
		t.Errorf("%d claims left after the flush", n)
	}
	// The failed one goes out on the next flush, to the recipients that missed it only.
	if n, err := w.a.n.Flush(context.Background(), w.a.client); n != 1 || err != nil {
		t.Fatalf("second flush: %d %v", n, err)
	}
	w.exactlyOnce(ids)
}
