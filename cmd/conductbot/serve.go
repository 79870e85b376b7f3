package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/conductbot/conductbot/bot"
	"github.com/conductbot/conductbot/bot/telegram"
	"github.com/conductbot/conductbot/qa"
	"github.com/conductbot/conductbot/workday"
)

func init() {
	register("serve", "run the Telegram bot (long polling; webhook when WEBHOOK_URL is set)", runServe)
}

// botStore is what the bot keeps; the PostgreSQL and SQLite stores implement it.
type botStore interface {
	bot.UserStore
	bot.StateStore
	bot.QALog
}

// botCapability is a capability plugged into the bot (spot-check reports, reminders …): it registers its
// commands, buttons and forms on the router. It may also implement bot.RoleSource (its roles are consulted on
// every update) and botRunner (background work for as long as the bot runs).
type botCapability interface {
	Register(rt *bot.Router)
}

// botRunner is a capability with background work: notifications, schedulers. Run returns when ctx ends.
type botRunner interface {
	Run(ctx context.Context, out bot.Transport) error
}

// dailyCapability is a capability with work at a time of day on working days (releases, reminders of what is
// overdue, notices): its jobs join the program's one daily runner (workday.Daily) for as long as the bot runs.
type dailyCapability interface {
	DailyJobs(out bot.Transport) []workday.Job
}

// calendarSource is the capability that keeps the working-day calendar in force (the reminders).
type calendarSource interface {
	Calendar(ctx context.Context) (*workday.Calendar, error)
}

type botFeature struct {
	name string
	open func(ctx context.Context, m *Main) (botCapability, error)
}

var botFeatures []botFeature

// addBotFeature plugs a capability into `serve` and `chat`. Call it from an init() in the capability's own
// file of this package; open runs after Main.Open (store, engine and configuration ready):
//
//	func init() {
//		addBotFeature("inspect", func(ctx context.Context, m *Main) (botCapability, error) {
//			return inspect.New(inspect.Options{Store: m.Store.(inspect.Store), …})
//		})
//	}
func addBotFeature(name string, open func(ctx context.Context, m *Main) (botCapability, error)) {
	botFeatures = append(botFeatures, botFeature{name: name, open: open})
}

// wiredBot is the router with every capability registered.
type wiredBot struct {
	router *bot.Router
	store  botStore
	caps   []botCapability
	names  []string
	log    *slog.Logger
	daily  *workday.Daily // the capabilities' daily jobs join it in start
}

// openBot opens the store and the engine and wires the conversations: the framework's (package bot), the Q&A
// (package qa) and every capability added with addBotFeature. extra adds roles (the console's --as).
func (m *Main) openBot(ctx context.Context, extra ...bot.RoleSource) (*wiredBot, error) {
	if err := m.Open(ctx); err != nil {
		return nil, err
	}
	st, ok := m.Store.(botStore)
	if !ok {
		return nil, fmt.Errorf("the store %T does not keep the bot's users, states and questions", m.Store)
	}
	w := &wiredBot{store: st, log: m.Log,
		daily: &workday.Daily{Clock: m.Clock, Location: m.Config.TimeZone, Log: m.Log}}
	if c, ok := m.Store.(workday.Claims); ok {
		w.daily.Claims = c
	}
	roles := append([]bot.RoleSource(nil), extra...)
	for _, f := range botFeatures {
		c, err := f.open(ctx, m)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", f.name, err)
		}
		w.caps, w.names = append(w.caps, c), append(w.names, f.name)
		if rs, ok := c.(bot.RoleSource); ok {
			roles = append(roles, rs)
		}
		if cs, ok := c.(calendarSource); ok {
			w.daily.Calendar = cs.Calendar
		}
	}
	// Chat states are stored under keyed pseudonyms of the chats (bot.ChatPseudonym), so that the transaction
	// filing a spot-check report, which ends the draft's state, touches no row naming the inspector.
	key, err := m.SealKey(ctx)
	if err != nil {
		return nil, err
	}
	stateKey := bot.ChatPseudonym(key)
	if rk, ok := m.Store.(bot.StateRekeyer); ok {
		n, err := rk.RekeyStates(ctx, stateKey)
		if err != nil {
			return nil, err
		}
		if n > 0 {
			m.Log.Info("bot: chat states moved under the chats' pseudonyms", slog.Int("states", n))
		}
	}
	rt, err := bot.New(bot.Config{Users: st, States: st,
		Admins: m.Config.Admins, RoleSources: roles, Now: m.Clock.Now, Log: m.Log, StateKey: stateKey})
	if err != nil {
		return nil, err
	}
	if err := qa.Register(rt, qa.Config{Asker: m.Engine, Code: m.Engine, QA: st, Lessons: m.Store, Learner: m.Engine}); err != nil {
		return nil, err
	}
	for _, c := range w.caps {
		c.Register(rt)
	}
	w.router = rt
	return w, nil
}

// start runs the capabilities' background work, their daily jobs and the hourly sweep of expired chat states
// until ctx ends; wait returns when all of it has stopped.
func (w *wiredBot) start(ctx context.Context, out bot.Transport) (wait func() error) {
	now := w.daily.Clock.Now
	var wg sync.WaitGroup
	var mu sync.Mutex
	var errs []error
	run := func(name string, f func(ctx context.Context) error) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := f(ctx); err != nil && !errors.Is(err, context.Canceled) {
				w.log.Error("bot: background work stopped", "capability", name, "error", err)
				mu.Lock()
				errs = append(errs, fmt.Errorf("%s: %w", name, err))
				mu.Unlock()
			}
		}()
	}
	for i, c := range w.caps {
		if r, ok := c.(botRunner); ok {
			run(w.names[i], func(ctx context.Context) error { return r.Run(ctx, out) })
		}
	}
	for i, c := range w.caps {
		if dc, ok := c.(dailyCapability); ok {
			for _, j := range dc.DailyJobs(out) {
				if err := w.daily.Add(j); err != nil {
					w.log.Error("bot: daily job not added", "capability", w.names[i], "error", err)
				}
			}
		}
	}
	if len(w.daily.Jobs()) > 0 {
		w.log.Info("bot: daily jobs", "jobs", strings.Join(w.daily.Jobs(), ","))
		run("daily", w.daily.Run)
	}
	run("states", func(ctx context.Context) error {
		t := time.NewTicker(time.Hour)
		defer t.Stop()
		for {
			if n, err := w.store.DeleteExpiredStates(ctx, now()); err != nil && ctx.Err() == nil {
				w.log.Warn("bot: sweeping expired chat states", "error", err)
			} else if n > 0 {
				w.log.Debug("bot: swept expired chat states", "count", n)
			}
			select {
			case <-ctx.Done():
				return nil
			case <-t.C:
			}
		}
	})
	return func() error {
		wg.Wait()
		return errors.Join(errs...)
	}
}

func runServe(ctx context.Context, m *Main, args []string) error {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(m.Stderr)
	drain := fs.Duration("drain", 30*time.Second, "on shutdown, how long to wait for running handlers")
	fs.Usage = func() {
		fmt.Fprintln(m.Stderr, "Usage: conductbot serve [--drain 30s]\n\nRuns the Telegram bot: long polling, or a webhook when WEBHOOK_URL is set\n(WEBHOOK_LISTEN, WEBHOOK_SECRET). TELEGRAM_BOT_TOKEN is required; see README.")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		fs.Usage()
		return fmt.Errorf("%w: serve takes no arguments", errUsage)
	}
	if err := m.LoadConfig(); err != nil {
		return err
	}
	c := m.Config
	if err := c.RequireTelegram(); err != nil {
		return err
	}
	w, err := m.openBot(ctx)
	if err != nil {
		return err
	}
	o := telegram.Options{Token: c.TelegramToken, ServerURL: c.TelegramAPIURL, Router: w.router,
		Log: m.Log, States: w.store, DrainTimeout: *drain,
		Webhook: telegram.Webhook{URL: c.WebhookURL, Listen: c.WebhookListen, Secret: c.WebhookSecret}}
	// The update inbox: nothing Telegram was told we received is lost to a crash; /healthz pings the store.
	if in, ok := m.Store.(bot.UpdateInbox); ok {
		// Sealed with the drafts' key: an update waiting in the inbox holds an inspector's chat ID and text.
		key, err := m.SealKey(ctx)
		if err != nil {
			return err
		}
		if o.Inbox, err = bot.SealedInbox(in, key); err != nil {
			return err
		}
	}
	if p, ok := m.Store.(telegram.Pinger); ok {
		o.Health = p
	}
	tb, err := telegram.New(ctx, o)
	if err != nil {
		return err
	}
	m.Log.Info("bot: started", "bot", "@"+tb.Username(), "capabilities", len(w.caps))
	bg, stopBG := context.WithCancel(context.WithoutCancel(ctx))
	wait := w.start(bg, tb.Client())
	// Run returns after ctx ends and the running handlers finished; then the background work stops, and
	// run's deferred Main.Close closes the store.
	err = tb.Run(ctx)
	stopBG()
	err = errors.Join(err, wait())
	m.Log.Info("bot: stopped")
	return err
}
