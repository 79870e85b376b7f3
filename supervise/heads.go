package supervise

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/conductbot/conductbot/bot"
)

const headsUsage = "用法：\n" +
	"/heads 查看各窗口负责人\n" +
	"/heads set 3 @用户名 登记 3 号窗口的负责人（也可以写用户 ID；对方需先向机器人发送过消息）\n" +
	"/heads del 3 取消 3 号窗口的负责人"

// cmdHeads is the admins' /heads: the responsible person of each window.
func (s *Service) cmdHeads(ctx context.Context, r *bot.Request) error {
	if !r.Has(bot.Admin) {
		_, err := r.Reply(ctx, bot.Denied(bot.Admin))
		return err
	}
	f := strings.Fields(r.Args)
	if len(f) == 0 {
		return s.listHeads(ctx, r, "")
	}
	_, all, err := s.windows(ctx)
	if err != nil {
		return err
	}
	switch strings.ToLower(f[0]) {
	case "set", "登记", "设置":
		if len(f) != 3 {
			_, err := r.Reply(ctx, headsUsage)
			return err
		}
		w, ok := matchWindow(all, f[1])
		if !ok {
			_, err := r.Reply(ctx, "没有窗口号为 "+f[1]+" 的窗口。")
			return err
		}
		uid, msg := s.findUser(ctx, f[2])
		if uid == 0 {
			_, err := r.Reply(ctx, msg)
			return err
		}
		if err := s.o.Store.SetWindowHead(ctx, WindowHead{WindowID: w.ID, UserID: uid, Since: s.Today()}); err != nil {
			return err
		}
		label := s.userLabel(ctx, uid)
		note := ""
		_, err := r.Out.Send(ctx, uid, bot.Message{Text: fmt.Sprintf("您已被登记为 %s 的窗口负责人，将收到本窗口的整改通知。发送 /rectify 查看整改事项。", w.Label())})
		if errors.Is(err, bot.ErrBlocked) {
			note = "（对方还没有与机器人对话，暂时无法通知；请对方先发送 /start。）"
		} else if err != nil {
			note = "（通知对方失败，请稍后让对方发送 /rectify 查看。）"
		}
		return s.listHeads(ctx, r, fmt.Sprintf("已登记 %s 的负责人：%s。%s", w.Label(), label, note))
	case "del", "rm", "取消", "删除":
		if len(f) != 2 {
			_, err := r.Reply(ctx, headsUsage)
			return err
		}
		w, ok := matchWindow(all, f[1])
		if !ok {
			_, err := r.Reply(ctx, "没有窗口号为 "+f[1]+" 的窗口。")
			return err
		}
		removed, err := s.o.Store.RemoveWindowHead(ctx, w.ID)
		if err != nil {
			return err
		}
		msg := "已取消 " + w.Label() + " 的负责人。"
		if !removed {
			msg = w.Label() + " 没有登记负责人。"
		}
		return s.listHeads(ctx, r, msg)
	}
	_, err = r.Reply(ctx, headsUsage)
	return err
}

// findUser resolves @username, username or a numeric user ID to a known user; 0 with a message otherwise.
func (s *Service) findUser(ctx context.Context, t string) (int64, string) {
	if s.o.Users == nil {
		return 0, "没有用户名册，无法登记。"
	}
	if id, err := strconv.ParseInt(t, 10, 64); err == nil && id > 0 {
		if _, err := s.o.Users.GetUser(ctx, id); err != nil {
			return 0, fmt.Sprintf("找不到用户 %d：请对方先向机器人发送 /start，再登记。", id)
		}
		return id, ""
	}
	name := strings.TrimPrefix(t, "@")
	u, err := s.o.Users.FindUser(ctx, name)
	if err != nil {
		return 0, "找不到用户 @" + name + "：请对方先向机器人发送 /start，再登记。"
	}
	return u.ID, ""
}

func (s *Service) listHeads(ctx context.Context, r *bot.Request, head string) error {
	_, ws, err := s.windows(ctx)
	if err != nil {
		return err
	}
	hs, err := s.heads(ctx)
	if err != nil {
		return err
	}
	var b strings.Builder
	if head != "" {
		b.WriteString(head + "\n\n")
	}
	b.WriteString("窗口负责人：")
	for _, w := range ws {
		if h, ok := hs[w.ID]; ok {
			fmt.Fprintf(&b, "\n• %s：%s（%s 起）", w.Label(), s.userLabel(ctx, h.UserID), s.chinese(h.Since))
		} else if w.Active {
			fmt.Fprintf(&b, "\n• %s：未登记", w.Label())
		}
	}
	if len(ws) == 0 {
		b.WriteString("\n（还没有窗口，请先用 /windows 添加）")
	}
	b.WriteString("\n\n" + headsUsage)
	_, err = r.Reply(ctx, clip16(b.String()))
	return err
}
