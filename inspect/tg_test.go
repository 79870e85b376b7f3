package inspect_test

import (
	"context"
	"log/slog"
	"strings"
	"testing"

	"github.com/go-telegram/bot/models"

	"github.com/conductbot/conductbot/bot"
	"github.com/conductbot/conductbot/inspect"
	"github.com/conductbot/conductbot/internal/testkit"
	"github.com/conductbot/conductbot/qa"
	"github.com/conductbot/conductbot/retrieval"
	"github.com/conductbot/conductbot/rules"
)

// fullStore is a SQL store: the bot's users and states, the code and its vectors, and the spot-check store.
type fullStore interface {
	inspect.Store
	bot.UserStore
	bot.StateStore
	bot.QALog
	rules.Store
	retrieval.VectorStore
}

// Telegram users of the end-to-end tests: the same identities as the bot-level tests.
var (
	tgAdmin   = testkit.User(adminUser.ID, adminUser.Username, adminUser.Name)
	tgInsp    = testkit.User(inspUser.ID, inspUser.Username, inspUser.Name)
	tgInsp2   = testkit.User(inspUser2.ID, inspUser2.Username, inspUser2.Name)
	tgStaff   = testkit.User(staffUser.ID, staffUser.Username, staffUser.Name)
	tgGroup   = testkit.Group(-100555, "窗口工作群")
	tgReports = testkit.Group(-100777, "督查通知群")
)

// tgBot is the bot with the spot-check capability running on the real go-telegram/bot client against the Bot
// API stand-in, on a SQL store.
type tgBot struct {
	t     testing.TB
	api   *testkit.API
	store fullStore
	clock *testkit.Clock
	log   *testkit.LogBuffer
	svc   *inspect.Service
	rt    *bot.Router
	*testkit.Telegram
}

type tgSetup struct {
	api   *testkit.API       // shared across a restart; nil: a new one
	log   *testkit.LogBuffer // shared across a restart; nil: a new one
	clock *testkit.Clock
	opts  []envOption
}

// startTG wires and starts the bot on store. The shipped code is imported when the store has none.
func startTG(t testing.TB, store fullStore, s tgSetup) *tgBot {
	t.Helper()
	ctx := context.Background()
	if s.api == nil {
		s.api = testkit.NewAPI(t)
	}
	if s.log == nil {
		s.log = &testkit.LogBuffer{}
	}
	if s.clock == nil {
		s.clock = testkit.NewClock(testkit.Start)
	}
	if _, err := store.CodeInForce(ctx); err != nil {
		if _, _, err := store.PutCode(ctx, rules.Shipped(), "", s.clock.Now()); err != nil {
			t.Fatal(err)
		}
	}
	h := &tgBot{t: t, api: s.api, store: store, clock: s.clock, log: s.log}
	logger := slog.New(slog.NewTextHandler(h.log, &slog.HandlerOptions{Level: slog.LevelDebug}))
	eng := testkit.Engine(t, store)
	o := inspect.Options{Store: store, Code: store, Observer: eng, Users: store, Admins: []int64{tgAdmin.ID},
		Location: testkit.Start.Location(), Clock: s.clock, Log: logger, SealKey: testSealKey}
	for _, f := range s.opts {
		f(&o)
	}
	svc, err := inspect.New(o)
	if err != nil {
		t.Fatal(err)
	}
	rt := testkit.Router(t, bot.Config{Users: store, States: store, Admins: []int64{tgAdmin.ID},
		RoleSources: []bot.RoleSource{svc}, Now: s.clock.Now, Log: logger, StateKey: stateChat}, qa.Config{Asker: eng, Code: eng, QA: store})
	svc.Register(rt)
	h.svc, h.rt = svc, rt
	h.Telegram = testkit.StartTelegram(t, s.api, rt, store, logger) // innermost: marks each update handled
	return h
}

// invite has the admin make a code and returns it.
func (h *tgBot) invite() string {
	h.t.Helper()
	m := h.Say(tgAdmin, "/invite")
	code := codePattern.FindString(m.Text)
	if code == "" {
		h.t.Fatalf("no invite code in %q", m.Text)
	}
	return code
}

func (h *tgBot) join(u models.User) {
	h.t.Helper()
	m := h.Say(u, "/join "+h.invite())
	expect(h.t, m.Text, "欢迎加入")
}

func (h *tgBot) seedWindows() {
	h.t.Helper()
	ws, _ := inspect.ParseWindows("3 不动产登记\n4 公积金\n5 社保")
	if _, _, _, err := h.store.PutWindows(context.Background(), ws, true); err != nil {
		h.t.Fatal(err)
	}
}

// answerItems answers every remaining checklist item 符合, but discipline 不符合 with a note and, when photo is
// not nil, that photo; it stops at the description step.
func (h *tgBot) answerItems(u models.User, photo []byte) {
	h.t.Helper()
	for i := 0; i < 40; i++ {
		m := h.Last(u.ID)
		switch {
		case strings.Contains(m.Text, "无吃东西") && strings.Contains(m.Text, "是否符合"):
			h.Press(u, "不符合")
			h.Say(u, "工作人员一直低头玩手机")
			if photo != nil {
				h.Push(h.api.Photo(testkit.Private(u), u, "", photo))
				expect(h.t, h.Last(u.ID).Text, "已收到第 1 张照片")
			}
			h.Press(u, "下一项")
		case strings.Contains(m.Text, "是否符合"):
			h.Press(u, "✅ 符合")
		case strings.Contains(m.Text, "情况描述"):
			return
		default:
			h.t.Fatalf("unexpected step:\n%s", m.Text)
		}
	}
	h.t.Fatal("the checklist does not end")
}

// fileReport files a whole report as u through Telegram and returns the receipt code.
func (h *tgBot) fileReport(u models.User, photo []byte) string {
	h.t.Helper()
	h.Say(u, "/report")
	h.Press(u, "3号窗口")
	h.Press(u, "今天")
	h.Press(u, "上午")
	h.answerItems(u, photo)
	h.Say(u, "窗口人员一直在看手机，没抬头。")
	for i := 1; ; i++ {
		m := h.Last(u.ID)
		b, ok := m.Button("✅ 采纳 " + string(rune('0'+i)))
		if !ok {
			break
		}
		h.PressData(u, m.ID, b.CallbackData)
	}
	_, m := h.Press(u, "完成")
	expect(h.t, m.Text, "核对")
	h.Press(u, "提交")
	m = h.Last(u.ID)
	expect(h.t, m.Text, "回执码")
	return codePattern.FindString(m.Text)
}
