package bot

import (
	"context"
	"strings"
)

// What the framework itself answers when no capability registered a handler: a bot with no capability still
// greets, lists what it can do and says that it cannot answer text yet. A capability's /start, /help and text
// handler (qa's) take precedence.
const (
	// MsgHello answers /start.
	MsgHello = "您好！发送 /help 查看我能做什么。"
	// MsgHelpHeader opens the answer to /help, the commands the user may use following it.
	MsgHelpHeader = "可用的命令："
	// MsgNoText answers plain text in a private chat.
	MsgNoText = "我暂时不能回答文字消息。发送 /help 查看我能做什么。"
)

// defaultCommand answers /start and /help when no capability registered them; ok is false for other commands.
func (rt *Router) defaultCommand(ctx context.Context, r *Request) (ok bool, err error) {
	switch r.Command {
	case "start":
		_, err = r.Reply(ctx, MsgHello)
	case "help":
		var b strings.Builder
		b.WriteString(MsgHelpHeader)
		for _, c := range rt.CommandsFor(r.Roles) {
			b.WriteString("\n/" + c.Name + " " + c.Description)
		}
		_, err = r.Reply(ctx, b.String())
	default:
		return false, nil
	}
	return true, err
}
