package telegram

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	tgbot "github.com/go-telegram/bot"
	"github.com/go-telegram/bot/models"

	"github.com/conductbot/conductbot/bot"
)

// Options configure a Bot.
type Options struct {
	Token     string      // TELEGRAM_BOT_TOKEN
	ServerURL string      // TELEGRAM_API_URL: a self-hosted Bot API server or a stand-in; empty: Telegram's
	Router    *bot.Router // the conversations
	Log       *slog.Logger

	// Webhook mode when Webhook.URL is set; long polling otherwise.
	Webhook Webhook

	// States keeps the polling offset across restarts, so the last batch is not handled twice; optional.
	States bot.StateStore

	// Inbox keeps each update on disk from before Telegram is told it arrived until its handler finished,
	// so that a crash loses nothing acknowledged and a redelivered update is handled once; optional (without
	// it, updates queued in memory are lost to a crash). Instance names this process's rows in it: stable
	// across restarts of one instance, distinct between instances sharing the store; default the host name
	// (and the webhook's listen address). InboxLease is how long an instance holds its rows before another may
	// take them over (its owner died); default 5 minutes, renewed every third of it.
	Inbox      bot.UpdateInbox
	Instance   string
	InboxLease time.Duration

	// Health is what GET /healthz checks (with HealthTimeout, default 2 s); default the Inbox when it has
	// a Ping method.
	Health        Pinger
	HealthTimeout time.Duration

	PollTimeout  time.Duration // long-poll wait; default 50 s
	DrainTimeout time.Duration // how long shutdown waits for running handlers; default 30 s
	Parallel     int           // chats handled at once; default 64
	MaxPending   int           // updates queued before the poller waits; default 1024

	// Retries of API calls.
	Sleep       func(ctx context.Context, d time.Duration) error // default SleepContext; tests inject their own
	Attempts    int                                              // tries per call; default 5
	CallTimeout time.Duration                                    // one try; default 20 s
	Backoff     time.Duration                                    // first wait after a 5xx or timeout; default 500 ms

	HTTPClient *http.Client // default: a client with timeouts fit for the poll
}

// Webhook configures webhook mode.
type Webhook struct {
	URL      string       // WEBHOOK_URL: the public HTTPS URL Telegram posts to; its path is served
	Listen   string       // WEBHOOK_LISTEN: local address, e.g. "127.0.0.1:8080"
	Secret   string       // WEBHOOK_SECRET; empty: a random one for this run
	Listener net.Listener // instead of Listen (tests)

	// Limits of the HTTP server, against slow or abusive clients; zero: the defaults in brackets.
	ReadHeaderTimeout time.Duration // to read a request's headers [5 s]
	ReadTimeout       time.Duration // to read a whole request [10 s]
	WriteTimeout      time.Duration // from the end of the headers to the end of the answer [30 s]
	IdleTimeout       time.Duration // an idle keep-alive connection is closed after it [60 s]
	MaxHeaderBytes    int           // [16 KiB]
	// WarnEvery is the least time between two WARN lines about requests with a wrong secret, each saying how
	// many came [1 min].
	WarnEvery time.Duration
}

// Pinger is a store that can tell whether it works (sqlite.DB, postgres.DB).
type Pinger interface {
	Ping(ctx context.Context) error
}

// Bot is a running Telegram bot.
type Bot struct {
	opts   Options
	api    *tgbot.Bot
	client *Client
	self   me
	log    *slog.Logger

	handlerCtx    context.Context
	cancelHandler context.CancelFunc
	disp          *dispatcher
	lastID        atomic.Int64

	inflightMu sync.Mutex
	inflight   map[int64]struct{} // updates of the inbox handed to the dispatcher and not finished
	badSecret  *warnLimiter
	healthWarn *warnLimiter

	addrMu sync.Mutex
	addr   net.Addr
}

// offsetKind is the bot-wide state (chat 0) keeping the last update ID received by polling.
func offsetKind(botID int64) string { return "telegram.offset." + strconv.FormatInt(botID, 10) }

// offsetMaxAge bounds how old a saved offset may be: after a week without updates Telegram may number the
// next update below it, and an old offset would then swallow updates.
const offsetMaxAge = 24 * time.Hour

type savedOffset struct {
	UpdateID int64     `json:"update_id"`
	Saved    time.Time `json:"saved"`
}

// New connects to the Bot API (getMe) and prepares the bot; Run starts it.
func New(ctx context.Context, o Options) (*Bot, error) {
	if o.Token == "" {
		return nil, errors.New("telegram: no token")
	}
	if o.Router == nil {
		return nil, errors.New("telegram: no router")
	}
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
	if o.PollTimeout <= 0 {
		o.PollTimeout = 50 * time.Second
	}
	if o.DrainTimeout <= 0 {
		o.DrainTimeout = 30 * time.Second
	}
	if o.Parallel <= 0 {
		o.Parallel = 64
	}
	if o.MaxPending <= 0 {
		o.MaxPending = 1024
	}
	if o.Sleep == nil {
		o.Sleep = SleepContext
	}
	if o.Attempts <= 0 {
		o.Attempts = 5
	}
	if o.CallTimeout <= 0 {
		o.CallTimeout = 20 * time.Second
	}
	if o.Backoff <= 0 {
		o.Backoff = 500 * time.Millisecond
	}
	if o.InboxLease <= 0 {
		o.InboxLease = 5 * time.Minute
	}
	if o.HealthTimeout <= 0 {
		o.HealthTimeout = 2 * time.Second
	}
	if o.Health == nil {
		if p, ok := o.Inbox.(Pinger); ok {
			o.Health = p
		}
	}
	if o.Instance == "" {
		o.Instance, _ = os.Hostname()
		if o.Webhook.URL != "" {
			o.Instance += "|" + o.Webhook.Listen
		}
	}
	setWebhookDefaults(&o.Webhook)
	if o.HTTPClient == nil {
		// Handlers of many chats send at once: keep a connection per running handler instead of Go's default
		// two idle connections per host, which would open and close one for nearly every call.
		tr := http.DefaultTransport.(*http.Transport).Clone()
		tr.MaxIdleConns = o.Parallel + 8
		tr.MaxIdleConnsPerHost = o.Parallel + 8
		o.HTTPClient = &http.Client{Timeout: o.PollTimeout + 15*time.Second, Transport: tr}
	}
	redact := redactor(o.Token)
	b := &Bot{opts: o, log: o.Log, inflight: map[int64]struct{}{},
		badSecret:  &warnLimiter{every: o.Webhook.WarnEvery},
		healthWarn: &warnLimiter{every: o.Webhook.WarnEvery}}
	b.handlerCtx, b.cancelHandler = context.WithCancel(context.WithoutCancel(ctx))
	b.disp = newDispatcher(b.handlerCtx, o.Log, o.Parallel, o.MaxPending, b.handle)

	// The library is only the API client: polling (getUpdates with explicit offsets) and the webhook are ours,
	// so that an update is acknowledged only once it is in the inbox.
	tgOpts := []tgbot.Option{
		tgbot.WithSkipGetMe(), // we call it ourselves, with retries, for the username
		tgbot.WithHTTPClient(o.PollTimeout, doer{o.HTTPClient}),
		tgbot.WithErrorsHandler(func(err error) {
			if !errors.Is(err, context.Canceled) {
				o.Log.LogAttrs(context.Background(), slog.LevelWarn, "telegram: polling", slog.String("error", redact(err.Error())))
			}
		}),
		tgbot.WithDebugHandler(func(string, ...any) {}),
	}
	if o.ServerURL != "" {
		tgOpts = append(tgOpts, tgbot.WithServerURL(o.ServerURL))
	}
	botID, _ := strconv.ParseInt(tokenPrefix(o.Token), 10, 64)
	if o.States != nil && o.Webhook.URL == "" && botID != 0 {
		if st, err := o.States.GetState(ctx, 0, offsetKind(botID)); err == nil {
			var so savedOffset
			if st.Decode(&so) == nil && so.UpdateID > 0 && time.Since(so.Saved) < offsetMaxAge {
				b.lastID.Store(so.UpdateID)
			}
		}
	}
	api, err := tgbot.New(o.Token, tgOpts...)
	if err != nil {
		return nil, fmt.Errorf("telegram: %s", redact(err.Error()))
	}
	b.api = api
	server := o.ServerURL
	if server == "" {
		server = "https://api.telegram.org"
	}
	b.client = &Client{api: api, upload: &uploader{base: strings.TrimSuffix(server, "/") + "/bot" + o.Token + "/", token: o.Token,
		http: doer{o.HTTPClient}},
		redact: redact, download: o.HTTPClient, log: o.Log, sleep: o.Sleep,
		attempts: o.Attempts, callTimeout: o.CallTimeout, backoff: o.Backoff}
	var user *models.User
	err = b.client.call(ctx, "getMe", func(ctx context.Context) error {
		var err error
		user, err = api.GetMe(ctx)
		return err
	})
	if err != nil {
		return nil, err
	}
	b.self = me{id: user.ID, username: user.Username}
	return b, nil
}

func tokenPrefix(token string) string {
	for i := 0; i < len(token); i++ {
		if token[i] == ':' {
			return token[:i]
		}
	}
	return ""
}

// Client is the bot's Transport, for sends outside updates (notifications, reminders).
func (b *Bot) Client() *Client { return b.client }

// Username is the bot's @username, without the @.
func (b *Bot) Username() string { return b.self.username }

// Addr is the webhook server's address once it listens; nil before and in polling mode.
func (b *Bot) Addr() net.Addr {
	b.addrMu.Lock()
	defer b.addrMu.Unlock()
	return b.addr
}

func (b *Bot) handle(ctx context.Context, u bot.Update) {
	defer b.finish(u.ID) // also after a panic: an update that crashes its handler is not tried again
	if err := b.opts.Router.Handle(ctx, b.client, u); err != nil {
		b.log.LogAttrs(ctx, slog.LevelError, "telegram: update failed", slog.Int64("update_id", u.ID),
			slog.String("error", b.client.redact(err.Error())))
	}
}

// Run serves until ctx ends, then shuts down gracefully: it stops taking updates, waits for the running
// handlers (at most DrainTimeout), and returns; the caller closes the store after it.
func (b *Bot) Run(ctx context.Context) error {
	if err := b.client.SetCommands(ctx, 0, b.opts.Router.CommandsFor(bot.Roles(bot.Staff))); err != nil {
		b.log.LogAttrs(ctx, slog.LevelWarn, "telegram: could not set the command menu", slog.String("error", err.Error()))
	}
	// Updates left in the inbox by an earlier run go first, before any new update of their chats.
	b.sweep(ctx)
	sweepCtx, stopSweep := context.WithCancel(ctx)
	sweepDone := make(chan struct{})
	go func() { defer close(sweepDone); b.sweepEvery(sweepCtx) }()
	var err error
	if b.opts.Webhook.URL != "" {
		err = b.runWebhook(ctx)
	} else {
		err = b.runPolling(ctx)
	}
	stopSweep()
	<-sweepDone
	derr := b.drain()
	return errors.Join(err, derr)
}

func (b *Bot) runPolling(ctx context.Context) error {
	err := b.client.call(ctx, "deleteWebhook", func(ctx context.Context) error {
		_, err := b.api.DeleteWebhook(ctx, &tgbot.DeleteWebhookParams{})
		return err
	})
	if err != nil {
		return err
	}
	b.log.LogAttrs(ctx, slog.LevelInfo, "telegram: polling", slog.String("bot", "@"+b.self.username),
		slog.Bool("inbox", b.opts.Inbox != nil))
	b.poll(ctx) // returns when ctx ends, after the batch in hand was stored and queued
	return nil
}

// drain waits for the queued updates, then saves the polling offset.
func (b *Bot) drain() error {
	b.disp.close()
	ctx, cancel := context.WithTimeout(context.Background(), b.opts.DrainTimeout)
	defer cancel()
	err := b.disp.drain(ctx)
	if err != nil {
		b.log.LogAttrs(ctx, slog.LevelWarn, "telegram: handlers still running at the drain deadline; cancelling them")
	}
	b.cancelHandler()
	if b.opts.States != nil && b.opts.Webhook.URL == "" && b.self.id != 0 {
		if id := b.lastID.Load(); id > 0 {
			data, _ := json.Marshal(savedOffset{UpdateID: id, Saved: time.Now()})
			st := bot.State{ChatID: 0, Kind: offsetKind(b.self.id), Data: data, Updated: time.Now()}
			if serr := b.opts.States.PutState(context.Background(), st); serr != nil {
				err = errors.Join(err, fmt.Errorf("telegram: save offset: %w", serr))
			}
		}
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return fmt.Errorf("telegram: drain: %w", err)
	}
	return err
}
