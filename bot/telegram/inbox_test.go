package telegram_test

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/go-telegram/bot/models"

	"github.com/conductbot/conductbot/bot"
	"github.com/conductbot/conductbot/bot/telegram"
	"github.com/conductbot/conductbot/internal/testkit"
	"github.com/conductbot/conductbot/qa"
	"github.com/conductbot/conductbot/sqlite"
)

// echoRouter is the real router on st with /echo, which answers its argument; while hold is open, /echo
// of an argument starting with "hold" blocks (every /echo when all is set), ignoring its context, as a
// handler of a process about to die.
func echoRouter(t testing.TB, st *sqlite.DB, hold <-chan struct{}, all bool) *bot.Router {
	t.Helper()
	eng := testkit.Engine(t, st)
	rt, err := bot.New(bot.Config{Users: st, States: st})
	if err != nil {
		t.Fatal(err)
	}
	if err := qa.Register(rt, qa.Config{Asker: eng, Code: eng, QA: st, QuestionsPerMinute: 1 << 20}); err != nil {
		t.Fatal(err)
	}
	rt.Command("echo", bot.Staff, func(ctx context.Context, r *bot.Request) error {
		if hold != nil && (all || strings.HasPrefix(r.Args, "hold")) {
			<-hold
			return nil // the process is gone: nothing is sent
		}
		_, err := r.Reply(ctx, r.Args)
		return err
	})
	return rt
}

// runBot starts a bot on st; stop cancels it and returns Run's error.
func runBot(t testing.TB, api *testkit.API, rt *bot.Router, st *sqlite.DB, log *testkit.LogBuffer) (stop func() error) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	b, err := telegram.New(ctx, telegram.Options{Token: api.Token, ServerURL: api.URL, Router: rt, Inbox: st,
		Log: slog.New(slog.NewTextHandler(log, nil)), DrainTimeout: 200 * time.Millisecond, InboxLease: time.Minute})
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- b.Run(ctx) }()
	stopped := false
	stop = func() error {
		if stopped {
			return nil
		}
		stopped = true
		cancel()
		select {
		case err := <-done:
			return err
		case <-time.After(10 * time.Second):
			t.Fatal("the bot did not stop")
			return nil
		}
	}
	t.Cleanup(func() { stop() })
	return stop
}

// echoUpdates queues n /echo updates from users chats users, round-robin: "/echo c<chat>-<i>".
func echoUpdates(api *testkit.API, chats, n int, prefix func(chat int) string) []models.Update {
	var us []models.Update
	for i := range n {
		c := i % chats
		u := testkit.User(int64(2000+c), "", fmt.Sprint("用户", c))
		us = append(us, api.Text(testkit.Private(u), u, fmt.Sprintf("/echo %sc%d-%d", prefix(c), c, i/chats)))
	}
	return us
}

// answers counts the bot's answers by text, and lists each chat's in order.
func answers(api *testkit.API) (map[string]int, map[int64][]string) {
	count, order := map[string]int{}, map[int64][]string{}
	for _, c := range api.Calls("sendMessage") {
		if c.OK() {
			count[c.Text()]++
			order[c.ChatID()] = append(order[c.ChatID()], c.Text())
		}
	}
	return count, order
}

func waitAcknowledged(t *testing.T, api *testkit.API) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), testkit.WaitTimeout)
	defer cancel()
	if err := api.WaitFor(ctx, func([]testkit.Call) bool { return api.Pending() == 0 }); err != nil {
		t.Fatalf("%d updates not acknowledged", api.Pending())
	}
}

func inboxLeft(t *testing.T, st *sqlite.DB) int {
	t.Helper()
	var n int
	if err := st.SQL().QueryRow(`SELECT count(*) FROM update_inbox`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// TestRestartAnswersEverythingOnce: 40 questions of 8 chats are acknowledged while every handler hangs; the
// bot stops without finishing them (its handlers never return, as in a crash) and a new one starts on the same
// file. Every question is answered exactly once, each chat's in order; Telegram's redelivery of some, before
// and after they were handled, changes nothing; the inbox is empty at the end.
func TestRestartAnswersEverythingOnce(t *testing.T) {
	api := testkit.NewAPI(t)
	path := filepath.Join(t.TempDir(), "conductbot.db")
	hold := make(chan struct{})
	t.Cleanup(func() { close(hold) })
	log := &testkit.LogBuffer{}

	st1 := testkit.SQLiteFile(t, path)
	stop1 := runBot(t, api, echoRouter(t, st1, hold, true), st1, log)
	us := echoUpdates(api, 8, 40, func(int) string { return "" })
	api.Push(us...)
	waitAcknowledged(t, api)
	if err := stop1(); err == nil || !strings.Contains(err.Error(), "drain") {
		t.Errorf("stopping with hung handlers: %v, want a drain error", err)
	}
	if n := len(api.Sent(2000)); n != 0 {
		t.Fatalf("the first bot answered %d", n)
	}
	if n := inboxLeft(t, st1); n != 40 {
		t.Fatalf("%d updates in the inbox after the crash, want 40", n)
	}

	// Telegram sends some again (say the acknowledgement was lost): they are in the inbox already.
	api.Push(us[:10]...)
	st2 := testkit.SQLiteFile(t, path)
	stop2 := runBot(t, api, echoRouter(t, st2, nil, false), st2, log)
	api.WaitCount(t, "sendMessage", 40)
	// Redelivered after being handled: ignored. A new question per chat comes after them in its chat.
	api.Push(us[10:20]...)
	last := echoUpdates(api, 8, 8, func(int) string { return "last-" })
	api.Push(last...)
	api.WaitCount(t, "sendMessage", 48)
	if err := stop2(); err != nil {
		t.Fatal(err)
	}
	count, order := answers(api)
	for i := range 40 {
		want := fmt.Sprintf("c%d-%d", i%8, i/8)
		if count[want] != 1 {
			t.Errorf("%s answered %d times", want, count[want])
		}
	}
	for c := range 8 {
		got := order[int64(2000+c)]
		want := []string{}
		for i := range 5 {
			want = append(want, fmt.Sprintf("c%d-%d", c, i))
		}
		want = append(want, fmt.Sprintf("last-c%d-0", c))
		if strings.Join(got, " ") != strings.Join(want, " ") {
			t.Errorf("chat %d answers %v, want %v", c, got, want)
		}
	}
	if n := inboxLeft(t, st2); n != 0 {
		t.Errorf("%d updates left in the inbox, want none", n)
	}
	if strings.Contains(log.String(), "用户") || strings.Contains(log.String(), "c1-") {
		t.Errorf("the log shows names or texts:\n%s", log.String())
	}
}

// The kill -9 test re-runs this test binary as a child process that runs the bot on a store file, and
// SIGKILLs it with updates acknowledged and unhandled.
const (
	childEnv = "CONDUCTBOT_TELEGRAM_KILL_CHILD"
	childURL = "CONDUCTBOT_TELEGRAM_KILL_URL"
	childDB  = "CONDUCTBOT_TELEGRAM_KILL_DB"
)

// TestKillChild is the child's bot; it does nothing unless started by TestKill9. It runs at most a minute.
func TestKillChild(t *testing.T) {
	if os.Getenv(childEnv) != "1" {
		t.Skip("the child process of TestKill9")
	}
	api := &testkit.API{Token: testkit.DefaultToken, URL: os.Getenv(childURL)}
	st, err := sqlite.Open(context.Background(), os.Getenv(childDB), nil)
	if err != nil {
		t.Fatal(err)
	}
	hold := make(chan struct{})
	rt := echoRouter(t, st, hold, false)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	b, err := telegram.New(ctx, telegram.Options{Token: api.Token, ServerURL: api.URL, Router: rt, Inbox: st})
	if err != nil {
		t.Fatal(err)
	}
	_ = b.Run(ctx)
}

// TestKill9: the child answers the chats whose first question does not hang and hangs on two chats; once
// Telegram has every update acknowledged, the child is killed with SIGKILL. A new bot on the same file answers
// the two chats' questions, in order, and nothing else again.
func TestKill9(t *testing.T) {
	if os.Getenv(childEnv) == "1" {
		t.Skip("in the child")
	}
	api := testkit.NewAPI(t)
	path := filepath.Join(t.TempDir(), "conductbot.db")
	st := testkit.SQLiteFile(t, path) // migrated and the code imported before the child opens it
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, os.Args[0], "-test.run=^TestKillChild$", "-test.count=1")
	cmd.Env = append(os.Environ(), childEnv+"=1", childURL+"="+api.URL, childDB+"="+path)
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	killed := false
	t.Cleanup(func() {
		if !killed {
			_ = cmd.Process.Kill()
			_ = cmd.Wait()
		}
	})
	// 40 questions of 8 chats; the first of chats 0 and 1 hangs, and their later ones wait behind it.
	us := echoUpdates(api, 8, 40, func(c int) string {
		if c < 2 {
			return "hold-"
		}
		return ""
	})
	api.Push(us...)
	api.WaitCount(t, "sendMessage", 30)
	waitAcknowledged(t, api)
	// The child deletes a handled update's row after its answer: wait until only the ten of chats 0 and 1 are
	// left, so the kill cannot fall between an answer and its deletion.
	deadline := time.Now().Add(testkit.WaitTimeout)
	for inboxLeft(t, st) != 10 {
		if time.Now().After(deadline) {
			t.Fatalf("%d updates in the inbox, want the 10 of the hung chats", inboxLeft(t, st))
		}
		time.Sleep(10 * time.Millisecond)
	}
	start := time.Now()
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	err := cmd.Wait()
	killed = true
	if ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus); !ok || !ws.Signaled() || ws.Signal() != syscall.SIGKILL {
		t.Fatalf("the child ended with %v, want killed", err)
	}
	t.Logf("child killed in %v", time.Since(start))

	stop := runBot(t, api, echoRouter(t, st, nil, false), st, &testkit.LogBuffer{})
	api.WaitCount(t, "sendMessage", 40)
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	count, order := answers(api)
	if len(api.Calls("sendMessage")) != 40 {
		t.Errorf("%d answers, want 40", len(api.Calls("sendMessage")))
	}
	for i, u := range us {
		text := strings.TrimPrefix(u.Message.Text, "/echo ")
		if count[text] != 1 {
			t.Errorf("update %d (%s) answered %d times", i, text, count[text])
		}
	}
	for c := range 2 {
		want := []string{}
		for i := range 5 {
			want = append(want, fmt.Sprintf("hold-c%d-%d", c, i))
		}
		if got := order[int64(2000+c)]; strings.Join(got, " ") != strings.Join(want, " ") {
			t.Errorf("chat %d answers %v, want %v", c, got, want)
		}
	}
	if n := inboxLeft(t, st); n != 0 {
		t.Errorf("%d updates left in the inbox", n)
	}
}
