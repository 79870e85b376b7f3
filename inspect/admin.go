package inspect

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/conductbot/conductbot/bot"
)

// Kinds of the admins' forms.
const (
	KindWindows   = "inspect.windows"   // waiting for a pasted window list
	KindChecklist = "inspect.checklist" // waiting for a pasted checklist
	adminFormTTL  = 30 * time.Minute
)

func (s *Service) registerAdmin(rt *bot.Router) {
	rt.Command("windows", bot.Admin, s.windows, bot.PrivateOnly(), bot.Describe("管理窗口名单"))
	rt.Command("checklist", bot.Admin, s.checklist, bot.PrivateOnly(), bot.Describe("查看、修改暗访检查清单"))
	rt.Form(bot.Form{Kind: KindWindows, Need: bot.Admin, Handle: s.windowsInput})
	rt.Form(bot.Form{Kind: KindChecklist, Need: bot.Admin, Handle: s.checklistInput})
}

const windowsUsage = "用法：\n" +
	"/windows 查看窗口名单\n" +
	"/windows add 3 不动产登记 添加窗口或修改名称\n" +
	"/windows off 3 停用窗口（旧报告仍保留）\n" +
	"/windows on 3 重新启用\n" +
	"/windows load 粘贴整份名单（每行“窗口号 名称”），替换现有名单"

func (s *Service) windows(ctx context.Context, r *bot.Request) error {
	f := strings.Fields(r.Args)
	if len(f) == 0 {
		return s.listWindows(ctx, r, "")
	}
	switch strings.ToLower(f[0]) {
	case "add", "添加":
		ws, probs := ParseWindows(strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(r.Args), f[0])))
		if len(probs) > 0 || len(ws) != 1 {
			_, err := r.Reply(ctx, "请写成“/windows add 窗口号 名称”，例如 /windows add 3 不动产登记")
			return err
		}
		added, updated, _, err := s.o.Store.PutWindows(ctx, ws, false)
		if err != nil {
			return err
		}
		msg := "已添加 " + ws[0].Label() + "。"
		if added == 0 && updated > 0 {
			msg = "已更新 " + ws[0].Label() + "。"
		} else if added == 0 {
			msg = ws[0].Label() + " 没有变化。"
		}
		return s.listWindows(ctx, r, msg)
	case "off", "on", "停用", "启用":
		if len(f) != 2 {
			_, err := r.Reply(ctx, windowsUsage)
			return err
		}
		on := f[0] == "on" || f[0] == "启用"
		all, err := s.o.Store.Windows(ctx, true)
		if err != nil {
			return err
		}
		w, ok := matchWindow(all, f[1])
		if !ok {
			_, err := r.Reply(ctx, "没有窗口号为 "+f[1]+" 的窗口。")
			return err
		}
		w.Active = on
		if _, _, _, err := s.o.Store.PutWindows(ctx, []Window{w}, false); err != nil {
			return err
		}
		verb := "停用"
		if on {
			verb = "启用"
		}
		return s.listWindows(ctx, r, "已"+verb+" "+w.Label()+"。")
	case "load", "导入":
		if err := r.SaveState(ctx, KindWindows, struct{}{}, adminFormTTL); err != nil {
			return err
		}
		_, err := r.Reply(ctx, "请发送完整的窗口名单，每行一个窗口，如：\n3 不动产登记\n4 公积金\n\n名单中没有的窗口将被停用（旧报告仍保留）。发送 /cancel 放弃。")
		return err
	}
	_, err := r.Reply(ctx, windowsUsage)
	return err
}

func (s *Service) listWindows(ctx context.Context, r *bot.Request, head string) error {
	ws, err := s.o.Store.Windows(ctx, true)
	if err != nil {
		return err
	}
	var b strings.Builder
	if head != "" {
		b.WriteString(head + "\n\n")
	}
	b.WriteString("窗口名单：\n")
	for _, w := range ws {
		state := ""
		if !w.Active {
			state = "（已停用）"
		}
		fmt.Fprintf(&b, "\n• %s%s", w.Label(), state)
	}
	if len(ws) == 0 {
		b.WriteString("\n（还没有窗口）")
	}
	b.WriteString("\n\n" + windowsUsage)
	_, err = r.Reply(ctx, b.String())
	return err
}

func (s *Service) windowsInput(ctx context.Context, r *bot.Request) error {
	ws, probs := ParseWindows(r.Text)
	if strings.TrimSpace(r.Text) == "" {
		_, err := r.Reply(ctx, "请发送文字形式的窗口名单，或发送 /cancel 放弃。")
		return err
	}
	if len(probs) > 0 || len(ws) == 0 {
		if len(ws) == 0 && len(probs) == 0 {
			probs = []string{"名单是空的。"}
		}
		_, err := r.Reply(ctx, "名单有问题，没有保存：\n"+strings.Join(probs, "\n")+"\n\n请修改后重新发送，或发送 /cancel 放弃。")
		return err
	}
	added, updated, deactivated, err := s.o.Store.PutWindows(ctx, ws, true)
	if err != nil {
		return err
	}
	if err := r.ClearState(ctx, KindWindows); err != nil {
		return err
	}
	return s.listWindows(ctx, r, fmt.Sprintf("已导入 %d 个窗口：新增 %d，修改 %d，停用 %d。", len(ws), added, updated, deactivated))
}

func (s *Service) checklist(ctx context.Context, r *bot.Request) error {
	arg := strings.ToLower(strings.TrimSpace(r.Args))
	switch arg {
	case "edit", "修改":
		cl, _, err := s.Checklist(ctx)
		if err != nil {
			return err
		}
		if err := r.SaveState(ctx, KindChecklist, struct{}{}, adminFormTTL); err != nil {
			return err
		}
		_, err = r.Reply(ctx, "请发送修改后的完整清单，每行一项：代号 条款 权重 [关键] 名称。可以复制下面的当前清单修改后发送：\n\n"+
			FormatItems(cl.Items)+"\n发送 /cancel 放弃。")
		return err
	case "reset", "默认":
		_, v, err := s.Checklist(ctx)
		if err != nil {
			return err
		}
		items := DefaultItemsFor(v.Code)
		return s.saveChecklist(ctx, r, items, v.ID)
	case "":
	default:
		_, err := r.Reply(ctx, "用法：/checklist 查看；/checklist edit 修改；/checklist reset 恢复默认清单。")
		return err
	}
	cl, v, err := s.Checklist(ctx)
	if err != nil {
		return err
	}
	var b strings.Builder
	fmt.Fprintf(&b, "暗访检查清单 第 %d 版（依据规范第 %d 版，%d 项）：\n\n", cl.Number, v.Number, len(cl.Items))
	for i, it := range cl.Items {
		crit := ""
		if it.Critical {
			crit = "【关键】"
		}
		fmt.Fprintf(&b, "%d. %s%s（%s）权重 %d · 代号 %s\n", i+1, crit, it.Title, it.ClauseList(), it.Weight, it.Key)
	}
	b.WriteString("\n修改：/checklist edit；恢复默认：/checklist reset。已提交的报告保留提交时的清单。")
	_, err = r.Reply(ctx, b.String())
	return err
}

func (s *Service) checklistInput(ctx context.Context, r *bot.Request) error {
	if strings.TrimSpace(r.Text) == "" {
		_, err := r.Reply(ctx, "请发送文字形式的清单，或发送 /cancel 放弃。")
		return err
	}
	items, probs := ParseItems(r.Text)
	v, err := s.o.Code.CodeInForce(ctx)
	if err != nil {
		return err
	}
	probs = append(probs, ValidateItems(items, v.Code)...)
	if len(probs) > 0 {
		_, err := r.Reply(ctx, "清单有问题，没有保存：\n"+strings.Join(probs, "\n")+"\n\n请修改后重新发送，或发送 /cancel 放弃。")
		return err
	}
	if err := r.ClearState(ctx, KindChecklist); err != nil {
		return err
	}
	return s.saveChecklist(ctx, r, items, v.ID)
}

func (s *Service) saveChecklist(ctx context.Context, r *bot.Request, items []Item, versionID int64) error {
	if cur, err := s.o.Store.ChecklistInForce(ctx); err == nil && cur.CodeVersionID == versionID && sameItems(cur.Items, items) {
		_, err := r.Reply(ctx, "清单没有变化。")
		return err
	}
	cl := &Checklist{CodeVersionID: versionID, Items: items, Created: s.today()}
	if err := s.o.Store.PutChecklist(ctx, cl); err != nil {
		return err
	}
	_, err := r.Reply(ctx, fmt.Sprintf("已保存为第 %d 版清单（%d 项）。正在填写的报告仍按原清单，新报告使用新清单。", cl.Number, len(cl.Items)))
	return err
}
