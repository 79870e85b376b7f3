package inspect_test

import (
	"context"
	"fmt"
	"log/slog"
	"regexp"
	"strings"
	"testing"

	"github.com/conductbot/conductbot/bot"
	"github.com/conductbot/conductbot/inspect"
	"github.com/conductbot/conductbot/internal/testkit"
	"github.com/conductbot/conductbot/qa"
)

// Users of the tests. The inspector's ID and username are what the anonymity tests look for.
var (
	adminUser  = bot.Identity{ID: 9001, Username: "boss", Name: "主任"}
	inspUser   = bot.Identity{ID: 7351906642, Username: "secret_shopper_qz", Name: "林晓燕"}
	staffUser  = bot.Identity{ID: 1001, Username: "xiaowang", Name: "小王"}
	inspUser2  = bot.Identity{ID: 7351906643, Username: "second_shopper", Name: "第二位"}
	supervisor = bot.Identity{ID: 5005, Username: "dujian", Name: "督查"}
)

// testSealKey seals the chat states of the tests' services: the same across a restart, as a key file is.
var testSealKey = []byte("0123456789abcdef0123456789abcdef")

// stateChat is the key a chat's states are stored under in the tests, as serve wires it: the chat's pseudonym
// under the seal key.
var stateChat = bot.ChatPseudonym(testSealKey)

// openState opens the chat's sealed state of kind as the service does.
func openState(t testing.TB, chat int64, st *bot.State, v any) {
	t.Helper()
	if err := inspect.OpenSealed(testSealKey, st.Kind, chat, st.Data, v); err != nil {
		t.Fatalf("open the sealed state %s: %v", st.Kind, err)
	}
}

// sent is a message the bot sent, as it is after its edits.
type sent struct {
	ID      int
	Chat    int64
	Text    string
	Buttons [][]bot.Button
	Edits   int
}

// button returns the first button whose text contains s.
func (m *sent) button(s string) (bot.Button, bool) {
	for _, row := range m.Buttons {
		for _, b := range row {
			if strings.Contains(b.Text, s) {
				return b, true
			}
		}
	}
	return bot.Button{}, false
}

// fakeOut is the recording transport, with the views these tests read.
type fakeOut struct{ *testkit.Recorder }

func newOut() *fakeOut { return &fakeOut{&testkit.Recorder{KnownEditsOnly: true}} }

// to returns the messages sent to chat as they read after their edits.
func (o *fakeOut) to(chat int64) []*sent {
	var out []*sent
	for _, m := range o.Messages(chat) {
		out = append(out, &sent{ID: m.MessageID, Chat: m.ChatID, Text: m.Message.Text, Buttons: m.Message.Buttons, Edits: m.Edits})
	}
	return out
}

func (o *fakeOut) lastAnswer() bot.Notice {
	as := o.Answers()
	if len(as) == 0 {
		return bot.Notice{}
	}
	return as[len(as)-1]
}

// env is the bot with the spot-check capability on the real SQLite store (in memory, the shipped code in force),
// a settable clock and the real offline retrieval engine on that store.
type env struct {
	t      testing.TB
	clock  *testkit.Clock
	users  botStore
	store  inspect.Store
	svc    *inspect.Service
	rt     *bot.Router
	out    *fakeOut
	log    *testkit.LogBuffer
	nextID int64
	nextCB int
	// afterUpdate, when set, runs after every update was handled (the at-rest tests copy the data dir).
	afterUpdate func()
}

type envOption func(*inspect.Options)

func newEnv(t testing.TB, opts ...envOption) *env {
	return newEnvOn(t, testkit.SQLite(t), nil, opts...)
}

// botStore is what the bot keeps.
type botStore interface {
	bot.UserStore
	bot.StateStore
	bot.QALog
}

// newEnvOn wires the bot on store, as serve does: the spot-check store (unless an option replaces Options.Store),
// the bot's users and states, and the engine on the store's code in force; clock may be nil for a fresh one at
// testkit.Start.
func newEnvOn(t testing.TB, store fullStore, clock *testkit.Clock, opts ...envOption) *env {
	t.Helper()
	if clock == nil {
		clock = testkit.NewClock(testkit.Start)
	}
	e := &env{t: t, clock: clock, users: store, out: newOut(), log: &testkit.LogBuffer{}}
	logger := slog.New(slog.NewTextHandler(e.log, &slog.HandlerOptions{Level: slog.LevelDebug}))
	eng := testkit.Engine(t, store)
	o := inspect.Options{Store: store, Code: eng, Observer: eng, Users: store, Admins: []int64{adminUser.ID},
		Location: testkit.Start.Location(), Clock: clock, Log: logger, SealKey: testSealKey}
	for _, f := range opts {
		f(&o)
	}
	e.store = o.Store
	svc, err := inspect.New(o)
	if err != nil {
		t.Fatal(err)
	}
	rt := testkit.Router(t, bot.Config{Users: store, States: store, Admins: []int64{adminUser.ID},
		RoleSources: []bot.RoleSource{svc}, Now: clock.Now, Log: logger, StateKey: stateChat}, qa.Config{Asker: eng, Code: eng, QA: store})
	svc.Register(rt)
	e.svc, e.rt = svc, rt
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("log:\n%s", e.log.String())
		}
	})
	return e
}

// seedWindows adds three windows.
func (e *env) seedWindows() {
	e.t.Helper()
	ws, probs := inspect.ParseWindows("3 不动产登记\n4 公积金\n5 社保")
	if len(probs) > 0 {
		e.t.Fatal(probs)
	}
	if _, _, _, err := e.store.PutWindows(context.Background(), ws, true); err != nil {
		e.t.Fatal(err)
	}
}

// handle runs one update through the router.
func (e *env) handle(u bot.Update) {
	e.t.Helper()
	e.nextID++
	u.ID = e.nextID
	if err := e.rt.Handle(context.Background(), e.out, u); err != nil {
		e.t.Fatalf("handle: %v", err)
	}
	if e.afterUpdate != nil {
		e.afterUpdate()
	}
}

func private(u bot.Identity) bot.Update {
	return bot.Update{ChatID: u.ID, ChatType: bot.ChatPrivate, From: u}
}

// say sends a text (or command) from u in its private chat and returns the bot's last message to it.
func (e *env) say(u bot.Identity, text string) *sent {
	e.t.Helper()
	up := private(u)
	up.Text = text
	if cmd, _, args, ok := bot.SplitCommand(text); ok {
		up.Command, up.Args = cmd, args
	}
	e.handle(up)
	return e.last(u.ID)
}

// photo sends a photo (its largest size is data) with a caption.
func (e *env) photo(u bot.Identity, caption string, data []byte) *sent {
	e.t.Helper()
	id := e.out.AddFile(data)
	up := private(u)
	up.Text = caption
	up.Photos = []bot.Photo{{FileID: "thumb", Width: 90, Height: 60, Size: 100}, {FileID: id, Width: 1280, Height: 960, Size: int64(len(data))}}
	e.handle(up)
	return e.last(u.ID)
}

// pressData presses a button with the given data on message msgID.
func (e *env) pressData(u bot.Identity, msgID int, data string) {
	e.t.Helper()
	e.nextCB++
	up := private(u)
	up.MessageID = msgID
	up.Callback = &bot.Callback{ID: fmt.Sprint("cb", e.nextCB), Data: data}
	e.handle(up)
}

// press presses the button of u's last message whose text contains label and returns the last message after.
func (e *env) press(u bot.Identity, label string) *sent {
	e.t.Helper()
	m := e.last(u.ID)
	b, ok := m.button(label)
	if !ok {
		e.t.Fatalf("no button %q on the last message:\n%s\nbuttons: %v", label, m.Text, m.Buttons)
	}
	e.pressData(u, m.ID, b.Data)
	return e.last(u.ID)
}

// last is the bot's last message to a chat (nil when none).
func (e *env) last(chat int64) *sent {
	ms := e.out.to(chat)
	if len(ms) == 0 {
		return &sent{}
	}
	return ms[len(ms)-1]
}

// expect fails unless the text contains every want.
func expect(t testing.TB, text string, want ...string) {
	t.Helper()
	for _, w := range want {
		if !strings.Contains(text, w) {
			t.Fatalf("want %q in:\n%s", w, text)
		}
	}
}

var codePattern = regexp.MustCompile(`[0-9A-Z]{4,5}(?:-[0-9A-Z]{4,5})+`)
