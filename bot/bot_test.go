package bot_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/conductbot/conductbot/bot"
	"github.com/conductbot/conductbot/internal/testkit"
	"github.com/conductbot/conductbot/sqlite"
)

// last is the text of the newest message out sent.
func last(out *testkit.Recorder) string {
	m, _ := out.Last()
	return m.Message.Text
}

func msg(chat int64, from int64, text string) bot.Update {
	u := bot.Update{ChatID: chat, ChatType: bot.ChatPrivate, From: bot.Identity{ID: from, Name: "用户"}, Text: text}
	if cmd, _, args, ok := bot.SplitCommand(text); ok {
		u.Command, u.Args = cmd, args
	}
	return u
}

func press(chat, from int64, data string) bot.Update {
	return bot.Update{ChatID: chat, ChatType: bot.ChatPrivate, From: bot.Identity{ID: from}, MessageID: 1,
		Callback: &bot.Callback{ID: "cb", Data: data}}
}

// newRouter is a router on a fresh SQLite store (in memory) with the usual middleware.
func newRouter(t *testing.T, admins ...int64) (*bot.Router, *sqlite.DB, *testkit.Clock) {
	st := testkit.EmptySQLite(t)
	clock := testkit.NewClock(testkit.Start)
	rt := bot.NewRouter(bot.Options{Now: clock.Now, States: st})
	rt.Use(bot.Recover(nil2discard()), bot.Dedupe(4), bot.GroupFilter, bot.ResolveUser(st, admins, nil))
	return rt, st, clock
}

func TestRouterRolesAndRegistration(t *testing.T) {
	rt, st, _ := newRouter(t, 9)
	rt.Command("report", bot.Inspector, func(ctx context.Context, r *bot.Request) error {
		_, err := r.Reply(ctx, "report")
		return err
	}, bot.Describe("填写报告"), bot.PrivateOnly())
	rt.Command("stats", bot.Supervisor, func(ctx context.Context, r *bot.Request) error {
		_, err := r.Reply(ctx, "stats")
		return err
	}, bot.Describe("统计"))
	rt.Command("secret", bot.Admin, func(ctx context.Context, r *bot.Request) error {
		_, err := r.Reply(ctx, "secret")
		return err
	}, bot.Hidden())
	rt.Callback("sv", bot.Supervisor, func(ctx context.Context, r *bot.Request) error { return r.Answer(ctx, "ok "+r.Arg(0)) })
	ctx := context.Background()
	out := &testkit.Recorder{}
	cases := []struct {
		from int64
		text string
		want string
	}{
		{1, "/stats", "仅限督查"},
		{9, "/stats", "stats"}, // an admin is a supervisor
		{9, "/report", "仅限暗访人员"},
		{1, "/secret", "仅限管理员"},
		{9, "/secret", "secret"},
		{1, "/nosuch", "没有这个命令"},
		{1, "/cancel", "没有进行中的操作"},
	}
	for _, c := range cases {
		if err := rt.Handle(ctx, out, msg(c.from, c.from, c.text)); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(last(out), c.want) {
			t.Errorf("%d %s: %q, want %q", c.from, c.text, last(out), c.want)
		}
	}
	// Granted roles count at once; a supervisor's button is refused to staff with an alert.
	if _, err := st.SetRole(ctx, 1, bot.Supervisor, true, 9, testkit.Start); err != nil {
		t.Fatal(err)
	}
	rt.Handle(ctx, out, msg(1, 1, "/stats"))
	if last(out) != "stats" {
		t.Errorf("granted supervisor got %q", last(out))
	}
	rt.Handle(ctx, out, press(2, 2, "sv:x"))
	rt.Handle(ctx, out, press(1, 1, "sv:y"))
	if as := out.Answers(); len(as) != 2 || !as[0].Alert || !strings.Contains(as[0].Text, "仅限督查") || as[1].Text != "ok y" {
		t.Errorf("answers %+v", as)
	}
	// Private-only in a group.
	g := msg(-5, 1, "/report")
	g.ChatType = bot.ChatGroup
	rt.Handle(ctx, out, g)
	if !strings.Contains(last(out), "私聊") {
		t.Errorf("group /report: %q", last(out))
	}
	// The menu lists visible commands by rank.
	var names []string
	for _, c := range rt.CommandsFor(bot.Roles(bot.Admin)) {
		names = append(names, c.Name)
	}
	if got := strings.Join(names, " "); got != "cancel stats" {
		t.Errorf("admin menu %q", got)
	}
	defer func() {
		if recover() == nil {
			t.Error("registering after the first update did not panic")
		}
	}()
	rt.Command("late", bot.Staff, nil)
}

func TestDuplicateRegistrationPanics(t *testing.T) {
	for name, f := range map[string]func(rt *bot.Router){
		"command":  func(rt *bot.Router) { rt.Command("cancel", bot.Staff, nil) },
		"badname":  func(rt *bot.Router) { rt.Command("bad name", bot.Staff, nil) },
		"callback": func(rt *bot.Router) { rt.Callback("x", bot.Staff, nil); rt.Callback("x", bot.Staff, nil) },
		"prefix":   func(rt *bot.Router) { rt.Callback("Bad", bot.Staff, nil) },
		"form":     func(rt *bot.Router) { rt.Form(bot.Form{Kind: "k", Handle: nil}) },
	} {
		t.Run(name, func(t *testing.T) {
			defer func() {
				if recover() == nil {
					t.Error("no panic")
				}
			}()
			f(bot.NewRouter(bot.Options{}))
		})
	}
}

func TestFormsAndState(t *testing.T) {
	rt, st, clock := newRouter(t)
	type draft struct{ Lines []string }
	rt.Command("note", bot.Staff, func(ctx context.Context, r *bot.Request) error {
		if err := r.SaveState(ctx, "test.draft", draft{}, time.Hour); err != nil {
			return err
		}
		_, err := r.Reply(ctx, "请输入")
		return err
	})
	rt.Form(bot.Form{Kind: "test.draft", Need: bot.Staff,
		Handle: func(ctx context.Context, r *bot.Request) error {
			if r.Text == "pass" {
				return bot.ErrPass
			}
			var d draft
			if err := r.State.Decode(&d); err != nil {
				return err
			}
			d.Lines = append(d.Lines, r.Text)
			if err := r.SaveState(ctx, "test.draft", d, time.Hour); err != nil {
				return err
			}
			_, err := r.Reply(ctx, fmt.Sprintf("已记 %d 行", len(d.Lines)))
			return err
		},
		Cancel: func(ctx context.Context, r *bot.Request) error {
			r.ClearState(ctx, "test.draft")
			_, err := r.Reply(ctx, "草稿已丢弃")
			return err
		}})
	rt.Text(bot.Staff, func(ctx context.Context, r *bot.Request) error {
		_, err := r.Reply(ctx, "问题:"+r.Text)
		return err
	})
	ctx, out := context.Background(), &testkit.Recorder{}
	steps := []struct{ text, want string }{
		{"你好", "问题:你好"},
		{"/note", "请输入"},
		{"第一行", "已记 1 行"},
		{"第二行", "已记 2 行"},
		{"pass", "问题:pass"},
		{"/cancel", "草稿已丢弃"},
		{"第三行", "问题:第三行"},
		{"/note", "请输入"},
	}
	for _, s := range steps {
		rt.Handle(ctx, out, msg(1, 1, s.text))
		if last(out) != s.want {
			t.Fatalf("%q: %q, want %q", s.text, last(out), s.want)
		}
	}
	// Another chat is not in the form; the form expires.
	rt.Handle(ctx, out, msg(2, 2, "别的"))
	if last(out) != "问题:别的" {
		t.Errorf("chat 2: %q", last(out))
	}
	clock.Advance(time.Hour)
	rt.Handle(ctx, out, msg(1, 1, "过期了"))
	if last(out) != "问题:过期了" {
		t.Errorf("after expiry: %q", last(out))
	}
	if n, _ := st.DeleteExpiredStates(ctx, clock.Now()); n != 1 {
		t.Errorf("expired states swept: %d", n)
	}
}

func TestRecoverAndErrors(t *testing.T) {
	log := &testkit.LogBuffer{}
	st := testkit.EmptySQLite(t)
	rt := bot.NewRouter(bot.Options{States: st})
	rt.Use(bot.Recover(slogTo(log)), bot.ResolveUser(st, nil, nil))
	rt.Command("boom", bot.Staff, func(context.Context, *bot.Request) error { panic("boom") })
	rt.Command("fail", bot.Staff, func(context.Context, *bot.Request) error { return errors.New("db down") })
	rt.Command("gone", bot.Staff, func(ctx context.Context, r *bot.Request) error {
		_, err := r.Reply(ctx, "x")
		return err
	})
	rt.Callback("bb", bot.Staff, func(context.Context, *bot.Request) error { panic("button") })
	ctx, out := context.Background(), &testkit.Recorder{}
	for _, c := range []string{"/boom", "/fail"} {
		if err := rt.Handle(ctx, out, msg(7, 7, c)); err != nil {
			t.Fatal(err)
		}
		if last(out) != bot.MsgError {
			t.Errorf("%s: %q", c, last(out))
		}
	}
	rt.Handle(ctx, out, press(7, 7, "bb"))
	if as := out.Answers(); len(as) != 1 || as[0].Text != bot.MsgError || !as[0].Alert {
		t.Errorf("a panicking button: %+v", as)
	}
	// A blocked user: logged quietly, no error message attempted.
	out.Fail = func(int64, int) error { return fmt.Errorf("send: %w", bot.ErrBlocked) }
	if err := rt.Handle(ctx, out, msg(7, 7, "/gone")); err != nil {
		t.Fatal(err)
	}
	l := log.String()
	for _, want := range []string{"handler panicked", "panic=boom", "handler failed", "db down", "could not answer"} {
		if !strings.Contains(l, want) {
			t.Errorf("log lacks %q:\n%s", want, l)
		}
	}
}

func TestDedupeAndGroupFilter(t *testing.T) {
	rt, _, _ := newRouter(t)
	n := 0
	rt.Text(bot.Staff, func(ctx context.Context, r *bot.Request) error { n++; return nil })
	ctx, out := context.Background(), &testkit.Recorder{}
	u := msg(1, 1, "hi")
	for _, id := range []int64{10, 10, 11, 12, 13, 14, 10} { // the ring keeps 4: 10 is forgotten by the last
		u.ID = id
		rt.Handle(ctx, out, u)
	}
	if n != 6 {
		t.Errorf("handled %d, want 6", n)
	}
	n = 0
	g := msg(-1, 1, "群里聊天")
	g.ChatType = bot.ChatSupergroup
	rt.Handle(ctx, out, g)
	g.Mentioned = true
	rt.Handle(ctx, out, g)
	g.Mentioned, g.ReplyToBot = false, true
	rt.Handle(ctx, out, g)
	c := g
	c.ChatType = bot.ChatChannel
	rt.Handle(ctx, out, c)
	if n != 2 {
		t.Errorf("group messages handled %d, want 2 (mention, reply)", n)
	}
}

func TestRateLimit(t *testing.T) {
	clock := testkit.NewClock(testkit.Start)
	l := bot.NewLimiter(3, time.Minute, clock.Now)
	var got []string
	for range 5 {
		ok, notify := l.Allow(1)
		got = append(got, fmt.Sprint(ok, notify))
	}
	if want := "true false,true false,true false,false true,false false"; strings.Join(got, ",") != want {
		t.Errorf("got %s", strings.Join(got, ","))
	}
	if ok, _ := l.Allow(2); !ok {
		t.Error("another user was limited")
	}
	clock.Advance(20 * time.Second) // one token back
	if ok, _ := l.Allow(1); !ok {
		t.Error("no token after 20 s")
	}
	if ok, notify := l.Allow(1); ok || !notify {
		t.Error("told again only after being allowed again")
	}
}

func TestCallbackData(t *testing.T) {
	if s := bot.CallbackData("fb", "r", bot.ID(123456789), "4"); s != "fb:r:21i3v9:4" {
		t.Errorf("CallbackData %q", s)
	}
	for _, bad := range []string{"", "Fb:u", "fb:u:1 2", "fb:u:é", "toolongprefix:1", ":1", "fb:u:1/2", strings.Repeat("a", 65)} {
		if _, _, err := bot.ParseCallback(bad); err == nil {
			t.Errorf("ParseCallback(%q) accepted", bad)
		}
	}
	p, args, err := bot.ParseCallback("rl:1.3.3")
	if err != nil || p != "rl" || len(args) != 1 || args[0] != "1.3.3" {
		t.Errorf("ParseCallback: %q %q %v", p, args, err)
	}
	if p, args, err := bot.ParseCallback("rl"); err != nil || p != "rl" || len(args) != 0 {
		t.Errorf("no args: %q %q %v", p, args, err)
	}
	for _, s := range []string{"-1", "", "zzzzzzzzzzzzzz", "1.5", "+1"} {
		if _, ok := bot.ParseID(s); ok {
			t.Errorf("ParseID(%q) accepted", s)
		}
	}
	defer func() {
		if recover() == nil {
			t.Error("65 bytes of callback data did not panic")
		}
	}()
	bot.CallbackData("x", strings.Repeat("a", 63))
}

func TestSplitCommandAndMention(t *testing.T) {
	cases := []struct{ in, cmd, to, args string }{
		{"/start", "start", "", ""},
		{"/Clause@Conduct_Bot 1.3.3", "clause", "Conduct_Bot", "1.3.3"},
		{"/grant\n@zhang admin", "grant", "", "@zhang admin"},
		{"  /help  ", "help", "", ""},
	}
	for _, c := range cases {
		cmd, to, args, ok := bot.SplitCommand(c.in)
		if !ok || cmd != c.cmd || to != c.to || args != c.args {
			t.Errorf("SplitCommand(%q) = %q %q %q %v", c.in, cmd, to, args, ok)
		}
	}
	for _, s := range []string{"hello", "/", "/中文", "a /start", "//x"} {
		if _, _, _, ok := bot.SplitCommand(s); ok {
			t.Errorf("SplitCommand(%q) took it", s)
		}
	}
	if s, ok := bot.RemoveMention("@Conduct_Bot 上班可以吃东西吗", "conduct_bot"); !ok || s != "上班可以吃东西吗" {
		t.Errorf("RemoveMention: %q %v", s, ok)
	}
	if s, ok := bot.RemoveMention("问 @conduct_bots 吧", "conduct_bot"); ok || s != "问 @conduct_bots 吧" {
		t.Errorf("a longer name matched: %q %v", s, ok)
	}
}

func TestSplitText(t *testing.T) {
	sentence := "窗口工作人员应当文明用语，热情服务。"
	text := strings.Repeat(sentence, 300) // 5,400 characters
	parts := bot.SplitText(text, bot.MaxMessageLen)
	if len(parts) != 2 || strings.Join(parts, "") != text {
		t.Fatalf("%d parts", len(parts))
	}
	for _, p := range parts {
		if bot.Len16(p) > bot.MaxMessageLen || !strings.HasSuffix(p, "。") {
			t.Errorf("part of %d units ends %q", bot.Len16(p), p[len(p)-6:])
		}
	}
	// Emoji count twice; lines are preferred to sentences; no boundary at all still cuts.
	emoji := strings.Repeat("👍", 3000)
	for _, p := range bot.SplitText(emoji, bot.MaxMessageLen) {
		if bot.Len16(p) > bot.MaxMessageLen {
			t.Errorf("emoji part of %d units", bot.Len16(p))
		}
	}
	lines := strings.Repeat("第一句。第二句。\n", 10)
	if parts := bot.SplitText(lines, 30); !strings.HasSuffix(parts[0], "第二句。") {
		t.Errorf("line boundary not preferred: %q", parts[0])
	}
	if parts := bot.SplitText(strings.Repeat("字", 10), 4); len(parts) != 3 || parts[2] != "字字" {
		t.Errorf("hard cut: %q", parts)
	}
	if parts := bot.SplitText("短", 4096); len(parts) != 1 || parts[0] != "短" {
		t.Errorf("short: %q", parts)
	}
}

func TestRoles(t *testing.T) {
	admin := bot.Roles(bot.Admin)
	if !admin.Has(bot.Supervisor) || !admin.Has(bot.Staff) || admin.Has(bot.Inspector) {
		t.Error("admin implies supervisor and staff, not inspector")
	}
	if bot.Roles(0).Chinese() != "窗口工作人员" || admin.With(bot.Inspector).Chinese() != "管理员、暗访人员" {
		t.Errorf("names %q", admin.With(bot.Inspector).Chinese())
	}
	for _, s := range []string{"督查", "supervisor", "Supervisor"} {
		if r, ok := bot.ParseRole(s); !ok || r != bot.Supervisor {
			t.Errorf("ParseRole(%q)", s)
		}
	}
}
