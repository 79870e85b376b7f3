package bot_test

import (
	"context"
	"strings"
	"testing"

	"github.com/conductbot/conductbot/bot"
	"github.com/conductbot/conductbot/internal/testkit"
)

// TestFrameworkDefaultsWithoutCapabilities: a router with no capability registered still answers /start, /help
// (the commands the user may use) and plain text in a private chat with short Chinese messages; in a group,
// text nobody handles stays unanswered.
func TestFrameworkDefaultsWithoutCapabilities(t *testing.T) {
	rt, _, _ := newRouter(t)
	ctx := context.Background()
	cases := []struct {
		text string
		want string
	}{
		{"/start", bot.MsgHello},
		{"/help", bot.MsgHelpHeader + "\n/cancel 取消当前操作"},
		{"窗口可以吃东西吗？", bot.MsgNoText},
		{"/nosuch", "没有这个命令。发送 /help 查看我能做什么。"},
	}
	for _, c := range cases {
		out := &testkit.Recorder{}
		if err := rt.Handle(ctx, out, msg(1, 1, c.text)); err != nil {
			t.Fatal(err)
		}
		if got := last(out); got != c.want {
			t.Errorf("%s: %q, want %q", c.text, got, c.want)
		}
	}
	out := &testkit.Recorder{}
	g := msg(-5, 1, "大家好")
	g.ChatType = bot.ChatGroup
	if err := rt.Handle(ctx, out, g); err != nil {
		t.Fatal(err)
	}
	if sent := out.Sent(); len(sent) != 0 {
		t.Errorf("group text without a handler answered: %+v", sent)
	}
}

// TestCapabilityHandlersTakePrecedence: registered /start, /help and text handlers answer instead of the
// framework's defaults — a capability's own, and qa's as `conductbot serve` wires it.
func TestCapabilityHandlersTakePrecedence(t *testing.T) {
	ctx := context.Background()
	rt, _, _ := newRouter(t)
	reply := func(s string) bot.Handler {
		return func(ctx context.Context, r *bot.Request) error { _, err := r.Reply(ctx, s); return err }
	}
	rt.Command("start", bot.Staff, reply("自己的开始"))
	rt.Command("help", bot.Staff, reply("自己的帮助"))
	rt.Text(bot.Staff, reply("自己的回答"))
	for text, want := range map[string]string{"/start": "自己的开始", "/help": "自己的帮助", "你好": "自己的回答"} {
		out := &testkit.Recorder{}
		if err := rt.Handle(ctx, out, msg(1, 1, text)); err != nil {
			t.Fatal(err)
		}
		if got := last(out); got != want {
			t.Errorf("%s: %q, want %q", text, got, want)
		}
	}

	env := testkit.NewBot(t, nil)
	for _, text := range []string{"/start", "/help", "上班时间可以在窗口吃东西吗？"} {
		out := &testkit.Recorder{}
		if err := env.Router.Handle(ctx, out, msg(1, 1, text)); err != nil {
			t.Fatal(err)
		}
		got := last(out)
		if got == "" || got == bot.MsgHello || got == bot.MsgNoText || strings.HasPrefix(got, bot.MsgHelpHeader) {
			t.Errorf("qa registered, %s: the framework's default answered: %q", text, got)
		}
	}
}
