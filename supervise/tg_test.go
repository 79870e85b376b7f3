package supervise_test

import (
	"bytes"
	"context"
	"image"
	"image/color"
	"image/jpeg"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/go-telegram/bot/models"

	"github.com/conductbot/conductbot/bot"
	"github.com/conductbot/conductbot/inspect"
	"github.com/conductbot/conductbot/internal/testkit"
	"github.com/conductbot/conductbot/qa"
	"github.com/conductbot/conductbot/supervise"
	"github.com/conductbot/conductbot/workday"
)

// Telegram users of the end-to-end tests.
var (
	tgAdmin = testkit.User(adminID, "boss", "主任")
	tgSuper = testkit.User(superID, "dujian", "督查员")
	tgHead  = testkit.User(headID, "xiaowang", "小王")
	tgHead2 = testkit.User(head2ID, "xiaoli", "小李")
	tgStaff = testkit.User(staffID, "xiaozhao", "小赵")
	tgInsp  = testkit.User(inspID, "secret_shopper_qz", "林晓燕")
	tgGroup = testkit.Group(-100555, "窗口工作群")
)

// tgBot is the bot with the spot-check and supervision capabilities on the real go-telegram/bot client against
// the Bot API stand-in, on a SQLite store.
type tgBot struct {
	t     testing.TB
	f     *fixture
	api   *testkit.API
	clock *testkit.Clock
	log   *testkit.LogBuffer
	sv    *supervise.Service
	opts  []func(*supervise.Options)
	*testkit.Telegram
}

// restart stops the bot, closes the store, opens its file again and starts a new bot on it: the same Bot API
// stand-in (the chats go on), clock and options.
func (h *tgBot) restart() *tgBot {
	h.t.Helper()
	h.Stop()
	h.f.reopen()
	return wireTG(h.t, h.f, h.api, h.clock, h.log, h.opts...)
}

// startTG wires and starts the bot. The supervisor holds a granted role, window 3 (index 0) has tgHead as its
// responsible person and window 4 tgHead2, and tgInsp is a registered inspector.
func startTG(t testing.TB, f *fixture, clock *testkit.Clock, opts ...func(*supervise.Options)) *tgBot {
	t.Helper()
	ctx := context.Background()
	db := f.db
	for _, u := range []models.User{tgAdmin, tgSuper, tgHead, tgHead2, tgStaff} {
		if _, err := db.SeeUser(ctx, bot.Identity{ID: u.ID, Username: u.Username, Name: u.FirstName}, clock.Now()); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := db.SetRole(ctx, superID, bot.Supervisor, true, adminID, clock.Now()); err != nil {
		t.Fatal(err)
	}
	for w, id := range map[int]int64{0: headID, 1: head2ID} {
		if err := db.SetWindowHead(ctx, supervise.WindowHead{WindowID: f.windows[w].ID, UserID: id, Since: workday.MustDate("2026-10-01")}); err != nil {
			t.Fatal(err)
		}
	}
	hash := inspect.InviteHash("INVIT-00001")
	if err := db.AddInvites(ctx, []string{hash}, workday.MustDate("2026-10-01"), clock.Now().Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if _, err := db.RedeemInvite(ctx, hash, inspID, clock.Now(), cst); err != nil {
		t.Fatal(err)
	}
	return wireTG(t, f, testkit.NewAPI(t), clock, &testkit.LogBuffer{}, opts...)
}

// wireTG wires the bot on the fixture's store as it is, polling api.
func wireTG(t testing.TB, f *fixture, api *testkit.API, clock *testkit.Clock, log *testkit.LogBuffer,
	opts ...func(*supervise.Options)) *tgBot {
	t.Helper()
	h := &tgBot{t: t, f: f, api: api, clock: clock, log: log, opts: opts}
	db := f.db
	logger := slog.New(slog.NewTextHandler(h.log, &slog.HandlerOptions{Level: slog.LevelDebug}))
	eng := stubAsker{}
	insp, err := inspect.New(inspect.Options{Store: db, Code: db, Users: db, Admins: []int64{adminID}, Location: cst,
		Clock: clock, Log: logger})
	if err != nil {
		t.Fatal(err)
	}
	h.sv = f.service(clock, append([]func(*supervise.Options){func(o *supervise.Options) { o.Log = logger }}, opts...)...)
	rt := testkit.Router(t, bot.Config{Users: db, States: db, Admins: []int64{adminID},
		RoleSources: []bot.RoleSource{insp}, Now: clock.Now, Log: logger}, qa.Config{Asker: eng, Code: db, QA: db})
	insp.Register(rt)
	h.sv.Register(rt)
	h.Telegram = testkit.StartTelegram(t, h.api, rt, db, logger) // innermost: marks each update handled
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("log:\n%s", h.log.String())
		}
	})
	return h
}

func expect(t testing.TB, text string, want ...string) {
	t.Helper()
	for _, w := range want {
		if !strings.Contains(text, w) {
			t.Fatalf("want %q in:\n%s", w, text)
		}
	}
}

func expectButton(t testing.TB, m testkit.Msg, label string) {
	t.Helper()
	if _, ok := m.Button(label); !ok {
		var labels []string
		for _, b := range m.Buttons() {
			labels = append(labels, b.Text)
		}
		t.Fatalf("no button %q on:\n%s\nbuttons: %q", label, m.Text, labels)
	}
}

func expectNot(t testing.TB, text string, unwanted ...string) {
	t.Helper()
	for _, w := range unwanted {
		if strings.Contains(text, w) {
			t.Fatalf("%q must not be in:\n%s", w, text)
		}
	}
}

func jpegPhoto(t testing.TB) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 64, 48))
	for x := 0; x < 64; x++ {
		for y := 0; y < 48; y++ {
			img.Set(x, y, color.RGBA{uint8(x * 4), uint8(y * 5), 90, 255})
		}
	}
	var b bytes.Buffer
	if err := jpeg.Encode(&b, img, nil); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// inspectorIdentity is every form of the inspector's identity a screen must not show.
var inspectorIdentity = []string{"7351906642", "secret_shopper_qz", "林晓燕", "暗访员"}
