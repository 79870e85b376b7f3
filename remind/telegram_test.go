package remind_test

import (
	"context"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	tgbot "github.com/go-telegram/bot"

	"github.com/conductbot/conductbot/bot"
	"github.com/conductbot/conductbot/bot/telegram"
	"github.com/conductbot/conductbot/internal/testkit"
	"github.com/conductbot/conductbot/remind"
)

// apiSender is an APISender on the real go-telegram/bot client talking to the stand-in.
func apiSender(t testing.TB, srv *testkit.API) *telegram.BroadcastSender {
	t.Helper()
	api, err := tgbot.New(srv.Token, tgbot.WithServerURL(srv.URL), tgbot.WithSkipGetMe())
	if err != nil {
		t.Fatal(err)
	}
	return telegram.BroadcastSenderOn(api, srv.Token, nil)
}

// botMessages counts the bot's messages per chat in the stand-in.
func botMessages(srv *testkit.API, ids []int64) map[int64]int {
	out := map[int64]int{}
	for _, id := range ids {
		if n := len(srv.BotMessages(id)); n > 0 {
			out[id] = n
		}
	}
	return out
}

func TestStandInRetryAfterAndBlocked(t *testing.T) {
	srv := testkit.NewAPI(t)
	e := newEnv(t, at("2026-11-02 06:00"), func(_ *remind.Config, so *remind.SchedulerOptions) {
		so.Sender = apiSender(t, srv)
	})
	ids := []int64{1001, 1002, 1003, 1004, 1005, 1006, 1007, 1008, 1009, 1010}
	e.subscribe(0, ids...)
	srv.FailNext("sendMessage", 2, testkit.TooManyRequests(3))
	srv.Block(1005)

	start := at("2026-11-02 08:30")
	r := e.runAt(start)
	if r.Sent != 9 || r.Blocked != 1 || r.Throttled != 2 {
		t.Fatalf("round %+v", r)
	}
	got := botMessages(srv, ids)
	for _, id := range ids {
		want := 1
		if id == 1005 {
			want = 0
		}
		if got[id] != want {
			t.Fatalf("chat %d has %d reminders, want %d (all: %v)", id, got[id], want, got)
		}
	}
	// Two 429s answered with retry_after 3: every send waited. Sends to different chats may be in flight together,
	// so the two pauses may overlap (both counted from the same moment): at least 3 s, not necessarily 6 s. Without
	// the pauses the ten sends take well under a second.
	if took := e.clock.Now().Sub(start); took < 3*time.Second {
		t.Fatalf("the broadcast took %v: retry_after was not honoured", took)
	}
	var throttled int
	for _, c := range srv.Calls("sendMessage") {
		if c.Status == 429 {
			throttled++
		}
	}
	if throttled != 2 {
		t.Fatalf("%d answers of 429", throttled)
	}
	sub, err := e.store.Subscription(context.Background(), 1005)
	if err != nil || sub.Enabled || sub.Reason != "blocked" {
		t.Fatalf("the chat that blocked the bot: %+v %v", sub, err)
	}
	// The next working day the blocked chat is not tried again.
	srv.ResetCalls()
	e.runAt(at("2026-11-03 08:30"))
	for _, c := range srv.Calls("sendMessage") {
		if c.ChatID() == 1005 {
			t.Fatal("sent again to a chat that blocked the bot")
		}
	}
	if n := len(srv.Calls("sendMessage")); n != 9 {
		t.Fatalf("%d sends on Tuesday, want 9", n)
	}
	// What was sent passed the stand-in's checks of text length and callback data.
	m := srv.BotMessages(1001)[0]
	if _, ok := m.Button("B"); !ok || !strings.Contains(m.Text, "今日规范") {
		t.Fatalf("reminder %q buttons %+v", m.Text, m.Buttons())
	}
}

// The bot's own client (bot/telegram) works as the Sender too: it waits out 429s itself and reports 403 as
// bot.ErrBlocked.
func TestStandInThroughTheBotsClient(t *testing.T) {
	srv := testkit.NewAPI(t)
	var mu sync.Mutex
	var waits []time.Duration
	tb, err := telegram.New(context.Background(), telegram.Options{Token: srv.Token, ServerURL: srv.URL,
		Router: bot.NewRouter(bot.Options{}), Sleep: func(ctx context.Context, d time.Duration) error {
			mu.Lock()
			waits = append(waits, d)
			mu.Unlock()
			return ctx.Err()
		}})
	if err != nil {
		t.Fatal(err)
	}
	e := newEnv(t, at("2026-11-02 06:00"), func(_ *remind.Config, so *remind.SchedulerOptions) {
		so.Sender = tb.Client()
	})
	ids := []int64{2001, 2002, 2003, 2004}
	e.subscribe(0, ids...)
	srv.FailNext("sendMessage", 1, testkit.TooManyRequests(2))
	srv.Block(2003)
	r := e.runAt(at("2026-11-02 08:30"))
	if r.Sent != 3 || r.Blocked != 1 {
		t.Fatalf("round %+v", r)
	}
	if got := botMessages(srv, ids); got[2001] != 1 || got[2002] != 1 || got[2004] != 1 || got[2003] != 0 {
		t.Fatalf("per chat %v", got)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(waits) != 1 || waits[0] != 2*time.Second {
		t.Fatalf("the client waited %v, want [2s]", waits)
	}
}

func TestAPISenderKeepsTheTokenOutOfErrors(t *testing.T) {
	srv := testkit.NewAPI(t)
	s := apiSender(t, srv)
	srv.Close() // connection refused: the error carries the request URL, whose path holds the token
	_, err := s.Send(context.Background(), 1, bot.Message{Text: "测试"})
	if err == nil {
		t.Fatal("sent to a closed server")
	}
	if strings.Contains(err.Error(), srv.Token) || strings.Contains(err.Error(), strings.Split(srv.Token, ":")[1]) {
		t.Fatalf("error text: %v", err)
	}
}

// A reminder goes out through the running bot's client, and the user answers the daily question with its
// button: the bot edits the message with the result.
func TestStandInEndToEnd(t *testing.T) {
	srv := testkit.NewAPI(t)
	env := testkit.NewBot(t, nil)
	e := newEnvOn(t, env.Store, at("2026-11-02 06:00"), func(c *remind.Config, _ *remind.SchedulerOptions) {
		c.Asker = env.QA.Asker
	})
	e.rem.Register(env.Router)
	ctx, cancel := context.WithCancel(context.Background())
	tb, err := telegram.New(ctx, telegram.Options{Token: srv.Token, ServerURL: srv.URL, Router: env.Router,
		States: env.Store, Log: slog.New(slog.DiscardHandler), Sleep: func(ctx context.Context, _ time.Duration) error { return ctx.Err() },
		DrainTimeout: 5 * time.Second, PollTimeout: time.Second})
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- tb.Run(ctx) }()
	defer func() {
		cancel()
		<-done
	}()
	sched, err := e.rem.Scheduler(remind.SchedulerOptions{Sender: telegram.BroadcastSenderOn(tb.Client().API(), srv.Token, tb.Client().Redact)})
	if err != nil {
		t.Fatal(err)
	}
	user := testkit.User(1001, "xiaowang", "小王")
	chat := testkit.Private(user)

	// The user subscribes in the chat …
	srv.Push(srv.Text(chat, user, "/remind on"))
	on := srv.WaitSent(t, chat.ID, 0)
	if !strings.Contains(on.Text(), "已开启每日提醒") {
		t.Fatalf("/remind on: %q", on.Text())
	}
	// … and gets the reminder at 08:30.
	e.clock.Set(at("2026-11-02 08:30"))
	if r, err := sched.RunOnce(context.Background()); err != nil || r.Sent != 1 {
		t.Fatalf("%+v %v", r, err)
	}
	msgs := srv.BotMessages(chat.ID)
	rem := msgs[len(msgs)-1]
	p, err := e.store.DayPlan(context.Background(), date("2026-11-02"))
	if err != nil {
		t.Fatal(err)
	}
	letter := []string{"A", "B", "C", "D"}[p.Question.Answer]
	b, ok := rem.Button(letter)
	if !ok {
		t.Fatalf("no button %s in %+v", letter, rem.Buttons())
	}
	u := srv.Press(chat, user, rem.ID, b.CallbackData)
	srv.Push(u)
	srv.WaitCall(t, "answerCallbackQuery", func(c testkit.Call) bool {
		return c.Params["callback_query_id"] == testkit.CallbackID(u)
	})
	srv.WaitCall(t, "editMessageText", nil)
	after, _ := srv.Message(chat.ID, rem.ID)
	if !strings.Contains(after.Text, "✅ 回答正确") || len(after.Buttons()) != 1 {
		t.Fatalf("after answering: %q %+v", after.Text, after.Buttons())
	}
	if un := srv.Unanswered(); len(un) != 0 {
		t.Fatalf("unanswered button presses %v", un)
	}
}
