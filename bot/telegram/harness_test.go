package telegram_test

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"log/slog"

	"github.com/go-telegram/bot/models"

	"github.com/conductbot/conductbot/bot"
	"github.com/conductbot/conductbot/bot/telegram"
	"github.com/conductbot/conductbot/internal/testkit"
)

var (
	staff    = testkit.User(1001, "xiaowang", "小王")
	staff2   = testkit.User(1002, "xiaoli", "小李")
	admin    = testkit.User(9001, "boss", "主任")
	group    = testkit.Group(-100777, "窗口工作群")
	staffDM  = testkit.Private(staff)
	staff2DM = testkit.Private(staff2)
	adminDM  = testkit.Private(admin)
)

// harness is a bot running against the Bot API stand-in.
type harness struct {
	t      *testing.T
	api    *testkit.API
	env    *testkit.Env
	log    *testkit.LogBuffer
	bot    *telegram.Bot
	cancel context.CancelFunc
	done   chan error

	mu     sync.Mutex
	sleeps []time.Duration
}

type setup struct {
	webhook  *telegram.Webhook
	register func(rt *bot.Router) // more routes, before the bot starts
	router   *bot.Router          // instead of testkit's
	options  func(o *telegram.Options)
}

// start runs a bot with the real engine on the real SQLite store (testkit.New), admin as the configured admin,
// and sleeps that only record how long they would have waited.
func start(t *testing.T, s setup) *harness {
	t.Helper()
	h := &harness{t: t, api: testkit.NewAPI(t), log: &testkit.LogBuffer{}}
	h.env = testkit.NewBot(t, h.log, admin.ID)
	rt := h.env.Router
	if s.router != nil {
		rt = s.router
	}
	if s.register != nil {
		s.register(rt)
	}
	o := telegram.Options{Token: h.api.Token, ServerURL: h.api.URL, Router: rt, States: h.env.Store, Inbox: h.env.Store,
		Log: slog.New(slog.NewTextHandler(h.log, &slog.HandlerOptions{Level: slog.LevelDebug})), Sleep: h.sleep,
		DrainTimeout: 5 * time.Second}
	if s.webhook != nil {
		o.Webhook = *s.webhook
	}
	if s.options != nil {
		s.options(&o)
	}
	ctx, cancel := context.WithCancel(context.Background())
	b, err := telegram.New(ctx, o)
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	h.bot, h.cancel, h.done = b, cancel, make(chan error, 1)
	go func() { h.done <- b.Run(ctx) }()
	t.Cleanup(func() { h.stop() })
	return h
}

func (h *harness) sleep(ctx context.Context, d time.Duration) error {
	h.mu.Lock()
	h.sleeps = append(h.sleeps, d)
	h.mu.Unlock()
	return ctx.Err()
}

func (h *harness) slept() []time.Duration {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]time.Duration(nil), h.sleeps...)
}

// stop shuts the bot down and returns Run's error; later calls return nil.
func (h *harness) stop() error {
	if h.cancel == nil {
		return nil
	}
	h.cancel()
	h.cancel = nil
	select {
	case err := <-h.done:
		if strings.Contains(h.log.String(), h.api.Token) {
			h.t.Errorf("the token appears in the log")
		}
		return err
	case <-time.After(10 * time.Second):
		h.t.Fatal("the bot did not stop")
		return nil
	}
}

// send queues a user's text and waits for the bot's next sendMessage to that chat.
func (h *harness) ask(chat models.Chat, from models.User, text string) testkit.Call {
	h.t.Helper()
	n := len(h.api.Sent(chat.ID))
	h.api.Push(h.api.Text(chat, from, text))
	return h.api.WaitSent(h.t, chat.ID, n)
}

// press presses a button and waits until the bot answered the callback query; it returns the answer.
func (h *harness) press(chat models.Chat, from models.User, messageID int, data string) testkit.Call {
	h.t.Helper()
	u := h.api.Press(chat, from, messageID, data)
	h.api.Push(u)
	id := testkit.CallbackID(u)
	return h.api.WaitCall(h.t, "answerCallbackQuery", func(c testkit.Call) bool { return c.Params["callback_query_id"] == id })
}

// messageID of a sendMessage call.
func messageID(t *testing.T, c testkit.Call) int {
	t.Helper()
	var m models.Message
	if err := jsonUnmarshal(c.Result, &m); err != nil || m.ID == 0 {
		t.Fatalf("no message in %s result %s", c.Method, c.Result)
	}
	return m.ID
}

func button(t *testing.T, c testkit.Call, text string) string {
	t.Helper()
	for _, b := range c.Buttons() {
		if strings.Contains(b.Text, text) {
			return b.CallbackData
		}
	}
	t.Fatalf("no button %q in %q; buttons %+v", text, c.Text(), c.Buttons())
	return ""
}

func msgButton(t *testing.T, m testkit.Msg, text string) string {
	t.Helper()
	b, ok := m.Button(text)
	if !ok {
		t.Fatalf("no button %q in %q; buttons %+v", text, m.Text, m.Buttons())
	}
	return b.CallbackData
}

func contains(t *testing.T, s string, want ...string) {
	t.Helper()
	for _, w := range want {
		if !strings.Contains(s, w) {
			t.Errorf("%q does not contain %q", s, w)
		}
	}
}
