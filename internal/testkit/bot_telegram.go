package testkit

import (
	"context"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/go-telegram/bot/models"

	"github.com/conductbot/conductbot/bot"
	"github.com/conductbot/conductbot/bot/telegram"
)

// Telegram is a router running on the real go-telegram client against the Bot API stand-in. Each update is
// marked when its handler returns, so a test can push an update and look at the replies once it was handled.
type Telegram struct {
	API *API
	Bot *telegram.Bot

	t      testing.TB
	cancel context.CancelFunc
	done   chan error

	mu      sync.Mutex
	handled map[int64]bool
	changed chan struct{}
}

// StartTelegram adds the marking middleware to rt (innermost, so call it after every Register) and starts
// polling api; states keeps the polling offset (optional). The bot stops at the test's cleanup at the latest.
func StartTelegram(t testing.TB, api *API, rt *bot.Router, states bot.StateStore, log *slog.Logger) *Telegram {
	t.Helper()
	h := &Telegram{API: api, t: t, handled: map[int64]bool{}, changed: make(chan struct{})}
	rt.Use(func(next bot.Handler) bot.Handler {
		return func(ctx context.Context, r *bot.Request) error {
			defer h.mark(r.ID)
			return next(ctx, r)
		}
	})
	runCtx, cancel := context.WithCancel(context.Background())
	tb, err := telegram.New(runCtx, telegram.Options{Token: api.Token, ServerURL: api.URL, Router: rt, States: states, Log: log,
		Sleep: func(ctx context.Context, _ time.Duration) error { return ctx.Err() }, DrainTimeout: 5 * time.Second})
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	h.Bot, h.cancel, h.done = tb, cancel, make(chan error, 1)
	go func() { h.done <- tb.Run(runCtx) }()
	t.Cleanup(h.Stop)
	return h
}

func (h *Telegram) mark(id int64) {
	h.mu.Lock()
	h.handled[id] = true
	close(h.changed)
	h.changed = make(chan struct{})
	h.mu.Unlock()
}

// Wait blocks until the update was handled.
func (h *Telegram) Wait(id int64) {
	h.t.Helper()
	deadline := time.After(WaitTimeout)
	for {
		h.mu.Lock()
		ok, ch := h.handled[id], h.changed
		h.mu.Unlock()
		if ok {
			return
		}
		select {
		case <-ch:
		case <-deadline:
			h.t.Fatalf("update %d not handled within %v", id, WaitTimeout)
		}
	}
}

// Push sends an update and waits until the bot handled it.
func (h *Telegram) Push(u models.Update) {
	h.t.Helper()
	h.Wait(h.API.Push(u)[0])
}

// Stop shuts the bot down; later calls do nothing.
func (h *Telegram) Stop() {
	if h.cancel == nil {
		return
	}
	h.cancel()
	h.cancel = nil
	select {
	case <-h.done:
	case <-time.After(10 * time.Second):
		h.t.Fatal("the bot did not stop")
	}
}

// Say sends text from u in its private chat and returns the bot's last message there.
func (h *Telegram) Say(u models.User, text string) Msg {
	h.t.Helper()
	h.Push(h.API.Text(Private(u), u, text))
	return h.Last(u.ID)
}

// Last is the bot's last message in a chat, as it is now.
func (h *Telegram) Last(chat int64) Msg {
	ms := h.API.BotMessages(chat)
	if len(ms) == 0 {
		return Msg{}
	}
	return ms[len(ms)-1]
}

// WithButton is the bot's latest message in the chat that has a button labelled label.
func (h *Telegram) WithButton(chat int64, label string) (Msg, models.InlineKeyboardButton) {
	h.t.Helper()
	ms := h.API.BotMessages(chat)
	for i := len(ms) - 1; i >= 0; i-- {
		if b, ok := ms[i].Button(label); ok {
			return ms[i], b
		}
	}
	h.t.Fatalf("no message in chat %d has a button %q; last: %q", chat, label, h.Last(chat).Text)
	return Msg{}, models.InlineKeyboardButton{}
}

// Press presses the button labelled label of the latest message in u's chat having one, and returns the answer
// the callback query got and the bot's last message after.
func (h *Telegram) Press(u models.User, label string) (answer string, last Msg) {
	h.t.Helper()
	m, b := h.WithButton(u.ID, label)
	return h.PressData(u, m.ID, b.CallbackData)
}

// PressData presses a button with the given data on message msgID of u's chat (forged or stale presses too).
func (h *Telegram) PressData(u models.User, msgID int, data string) (answer string, last Msg) {
	h.t.Helper()
	up := h.API.Press(Private(u), u, msgID, data)
	h.Push(up)
	id := CallbackID(up)
	for _, c := range h.API.Calls("answerCallbackQuery") {
		if c.Params["callback_query_id"] == id {
			answer = c.Params["text"]
		}
	}
	return answer, h.Last(u.ID)
}
