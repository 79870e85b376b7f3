package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os/user"
	"path/filepath"

	"github.com/conductbot/conductbot/bot"
	"github.com/conductbot/conductbot/bot/console"
)

func init() {
	register("chat", "talk to the bot in the terminal as staff, inspector, supervisor or admin; no Telegram needed", runChat)
}

func runChat(ctx context.Context, m *Main, args []string) error {
	m.DefaultLogLevel = "warn"
	fs := flag.NewFlagSet("chat", flag.ContinueOnError)
	fs.SetOutput(m.Stderr)
	as := fs.String("as", "staff", "the role to chat as: staff, inspector, supervisor or admin")
	id := fs.Int64("user", 1, "the user ID to chat as")
	name := fs.String("name", "", "the name to chat as (default: your login name)")
	fs.Usage = func() {
		fmt.Fprintln(m.Stderr, "Usage: conductbot chat [--as staff|inspector|supervisor|admin] [--user ID] [--name NAME]\n\n"+
			"Type a question or a command; buttons are shown as numbers, type one to press it;\n"+
			"/photo PATH sends a picture; /quit or Ctrl-D ends.")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return err
	}
	role, ok := bot.ParseRole(*as)
	if !ok || fs.NArg() > 0 || *id <= 0 {
		fs.Usage()
		return fmt.Errorf("%w: --as wants staff, inspector, supervisor or admin", errUsage)
	}
	if *name == "" {
		*name = "本机用户"
		if u, err := user.Current(); err == nil && u.Username != "" {
			*name = u.Username
		}
	}
	me := bot.Identity{ID: *id, Name: *name}
	w, err := m.openBot(ctx, bot.StaticRoles{me.ID: bot.Roles(role)})
	if err != nil {
		return err
	}
	con := console.New(m.Stdout, me.ID)
	filesDir := filepath.Join(m.Config.DataDir, "chat-files")
	con.SaveFilesTo(filesDir)
	// The current role: --as, with what the capabilities' registries add (an inspector who joined).
	current := func(ctx context.Context) string {
		rs := bot.Roles(role)
		for _, c := range w.caps {
			if src, ok := c.(bot.RoleSource); ok {
				if more, err := src.RolesOf(ctx, me.ID); err == nil {
					rs |= more
				}
			}
		}
		return rs.Chinese()
	}
	bg, stopBG := context.WithCancel(ctx)
	wait := w.start(bg, con)
	fmt.Fprintf(m.Stdout, "规范助手 · 终端对话 · 身份：%s\n直接输入问题或命令（/help）；按钮显示为编号，输入编号即按下（要求输入文字时用 #编号）；/quit 退出。\n图片和文件保存在 %s\n\n", current(ctx), filesDir)
	err = console.Run(ctx, console.Options{Router: w.router, In: m.Stdin, Out: m.Stdout, User: me, Console: con, Role: current})
	stopBG()
	if werr := wait(); werr != nil && !errors.Is(werr, context.Canceled) {
		err = errors.Join(err, werr)
	}
	return err
}
