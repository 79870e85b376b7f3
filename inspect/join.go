package inspect

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"time"

	"github.com/conductbot/conductbot/bot"
	"github.com/conductbot/conductbot/workday"
)

// maxInviteDays is the longest validity an admin may give invite codes.
const maxInviteDays = 30

func (s *Service) registerJoin(rt *bot.Router) {
	s.rt = rt
	// /join is for everyone: whoever holds a code. It is not PrivateOnly, so that a code shown in a group can be
	// burnt.
	rt.Command("join", bot.Staff, s.join, bot.Hidden())
	rt.Command("invite", bot.Admin, s.invite, bot.PrivateOnly(),
		bot.Describe("生成暗访人员一次性邀请码：/invite [个数] [有效天数]"))
	rt.Command("inspectors", bot.Admin, s.inspectors, bot.PrivateOnly(), bot.Describe("查看、撤销暗访人员"))
	rt.Callback("ins", bot.Admin, s.inspectorsButton)
}

func (s *Service) join(ctx context.Context, r *bot.Request) error {
	code := strings.TrimSpace(r.Args)
	if r.ChatType != bot.ChatPrivate {
		if LooksLikeCode(code, InviteLen) {
			burnt, err := s.o.Store.BurnInvite(ctx, InviteHash(code))
			if err != nil {
				return err
			}
			if burnt {
				_, err := r.Reply(ctx, "这个邀请码已在群聊中公开，已作废。请向管理员索取新的邀请码，并在与我的私聊中发送 /join 邀请码。")
				return err
			}
		}
		_, err := r.Reply(ctx, "请在与我的私聊中发送 /join 邀请码。")
		return err
	}
	now := s.now()
	if in, err := s.o.Store.Inspector(ctx, r.From.ID); err == nil && in.Active() {
		_, err := r.Reply(ctx, "您已经是暗访人员，无需再次加入。发送 /report 填写暗访报告。")
		return err
	} else if err != nil && !errors.Is(err, ErrNotFound) {
		return err
	}
	until, err := s.o.Store.JoinLocked(ctx, r.ChatID, now)
	if err != nil {
		return err
	}
	if !until.IsZero() {
		_, err := r.Reply(ctx, fmt.Sprintf("输入错误的邀请码次数过多，请于 %s 之后再试。", s.clock(until)))
		return err
	}
	if code == "" {
		_, err := r.Reply(ctx, "用法：/join 邀请码\n邀请码由管理员提供，例如 /join H4KD7-PQ2XM 。")
		return err
	}
	var in *Inspector
	err = nil
	if LooksLikeCode(code, InviteLen) {
		in, err = s.o.Store.RedeemInvite(ctx, InviteHash(code), r.From.ID, now, s.loc)
	} else {
		err = ErrInviteUnknown
	}
	var msg string
	switch {
	case err == nil:
		r.RolesChanged(r.From.ID) // an inspector from now on, in this process
		if err := s.o.Store.JoinSucceeded(ctx, r.ChatID); err != nil {
			return err
		}
		s.log.LogAttrs(ctx, slog.LevelInfo, "inspect: an invite was redeemed")
		s.setMenu(ctx, r, r.Roles.With(bot.Inspector))
		_ = in
		_, err := r.Reply(ctx, "欢迎加入！您现在是暗访人员。\n\n"+
			"• /report 填写暗访报告（请在私聊中使用）\n"+
			"• /status 回执码 查看报告的处理进度，补充情况\n\n"+
			"您的报告是匿名的：报告里不记录您的 Telegram 账号、姓名或提交的具体时间；照片会去除拍摄地点等信息；"+
			"督查人员看到的报告和通知中没有任何能识别您的内容。")
		return err
	case errors.Is(err, ErrDuplicate):
		_, err := r.Reply(ctx, "您已经是暗访人员，无需再次加入。发送 /report 填写暗访报告。")
		return err
	case errors.Is(err, ErrInviteUsed):
		msg = "这个邀请码已经使用过或已作废。邀请码只能使用一次，请向管理员索取新的邀请码。"
	case errors.Is(err, ErrInviteExpired):
		msg = "这个邀请码已过期。请向管理员索取新的邀请码。"
	case errors.Is(err, ErrInviteUnknown):
		msg = "邀请码不正确，请核对后重试。"
	default:
		return err
	}
	failures, lockedUntil, err := s.o.Store.JoinFailed(ctx, r.ChatID, now, s.o.Lockout)
	if err != nil {
		return err
	}
	switch left := s.o.Lockout.Max - failures; {
	case !lockedUntil.IsZero():
		msg += fmt.Sprintf("\n错误次数过多，已暂停接受邀请码，请于 %s 之后再试。", s.clock(lockedUntil))
	case left <= 3:
		msg += fmt.Sprintf("\n（再错 %d 次将暂停 %s。）", left, chineseDuration(s.o.Lockout.For))
	}
	_, err = r.Reply(ctx, msg)
	return err
}

// clock shows a time of day, with the date when it is not today: 10:35, 11月3日 10:35.
func (s *Service) clock(t time.Time) string {
	t = t.In(s.loc)
	if workday.DateOf(t, s.loc) == s.today() {
		return t.Format("15:04")
	}
	return workday.DateOf(t, s.loc).Chinese(s.today().Year) + " " + t.Format("15:04")
}

func chineseDuration(d time.Duration) string {
	switch {
	case d%(24*time.Hour) == 0:
		return fmt.Sprintf("%d 天", d/(24*time.Hour))
	case d%time.Hour == 0:
		return fmt.Sprintf("%d 小时", d/time.Hour)
	}
	return fmt.Sprintf("%d 分钟", d/time.Minute)
}

// setMenu updates the chat's command menu for roles, where the transport has one.
func (s *Service) setMenu(ctx context.Context, r *bot.Request, roles bot.Roles) {
	m, ok := r.Out.(bot.CommandMenu)
	if !ok || s.rt == nil {
		return
	}
	if err := m.SetCommands(ctx, r.ChatID, s.rt.CommandsFor(roles)); err != nil {
		s.log.LogAttrs(ctx, slog.LevelWarn, "inspect: could not set the command menu", slog.String("error", err.Error()))
	}
}

func (s *Service) invite(ctx context.Context, r *bot.Request) error {
	usage := fmt.Sprintf("用法：/invite [个数] [有效天数]\n例如 /invite 3 7 生成 3 个 7 天内有效的邀请码。个数 1–%d，天数 1–%d，默认 1 个、%d 天。",
		MaxInvites, maxInviteDays, int(s.o.InviteTTL/(24*time.Hour)))
	f := strings.Fields(r.Args)
	n, days := 1, 0
	if len(f) > 2 {
		_, err := r.Reply(ctx, usage)
		return err
	}
	var err error
	if len(f) >= 1 {
		if n, err = strconv.Atoi(f[0]); err != nil || n < 1 || n > MaxInvites {
			_, err := r.Reply(ctx, usage)
			return err
		}
	}
	if len(f) == 2 {
		if days, err = strconv.Atoi(f[1]); err != nil || days < 1 || days > maxInviteDays {
			_, err := r.Reply(ctx, usage)
			return err
		}
	}
	codes, expires, err := s.CreateInvites(ctx, n, time.Duration(days)*24*time.Hour)
	if err != nil {
		return err
	}
	var b strings.Builder
	fmt.Fprintf(&b, "已生成 %d 个一次性邀请码，有效期至 %s：\n\n", n, s.clock(expires))
	for _, c := range codes {
		b.WriteString(c + "\n")
	}
	b.WriteString("\n请通过安全的渠道分别交给暗访人员，对方在与我的私聊中发送 /join 邀请码 即可加入。邀请码只显示这一次，系统只保存其摘要。")
	_, err = r.Reply(ctx, b.String())
	return err
}

func (s *Service) inspectors(ctx context.Context, r *bot.Request) error {
	f := strings.Fields(r.Args)
	if len(f) == 2 && (f[0] == "revoke" || f[0] == "撤销") {
		no, ok := ParseLabel(f[1])
		if !ok {
			_, err := r.Reply(ctx, "用法：/inspectors revoke 编号，例如 /inspectors revoke 07")
			return err
		}
		return s.revoke(ctx, r, no)
	}
	text, rows, err := s.inspectorList(ctx)
	if err != nil {
		return err
	}
	_, err = r.Reply(ctx, text, rows...)
	return err
}

func (s *Service) inspectorList(ctx context.Context) (string, [][]bot.Button, error) {
	ins, err := s.o.Store.Inspectors(ctx)
	if err != nil {
		return "", nil, err
	}
	open, err := s.o.Store.OpenInvites(ctx, s.now())
	if err != nil {
		return "", nil, err
	}
	var b strings.Builder
	b.WriteString("暗访人员（以编号代称，不显示姓名）：\n")
	var rows [][]bot.Button
	var row []bot.Button
	active := 0
	for _, in := range ins {
		status := "有效"
		if !in.Active() {
			status = "已撤销\uff08" + in.Revoked.String() + "\uff09"
		} else {
			active++
			row = append(row, bot.Btn("撤销 "+in.Label(), "ins", "rv", strconv.Itoa(in.No)))
			if len(row) == 2 {
				rows = append(rows, row)
				row = nil
			}
		}
		fmt.Fprintf(&b, "\n• %s · %s 加入 · %s", in.Label(), in.Joined, status)
	}
	if len(row) > 0 {
		rows = append(rows, row)
	}
	if len(ins) == 0 {
		b.WriteString("\n（还没有暗访人员）")
	}
	fmt.Fprintf(&b, "\n\n有效 %d 人；未使用的邀请码 %d 个。\n生成邀请码：/invite [个数] [有效天数]", active, open)
	return b.String(), rows, nil
}

func (s *Service) inspectorsButton(ctx context.Context, r *bot.Request) error {
	no, err := strconv.Atoi(r.Arg(1))
	switch action := r.Arg(0); {
	case action == "rv" && err == nil && no > 0:
		return r.Edit(ctx, bot.Message{Text: fmt.Sprintf("确定撤销 %s 的暗访人员资格吗？撤销后对方不能再提交报告，已提交的报告不受影响。", FormatLabel(no)),
			Buttons: [][]bot.Button{bot.Row(bot.Btn("确定撤销", "ins", "ok", strconv.Itoa(no)), bot.Btn("返回", "ins", "ls"))}})
	case action == "ok" && err == nil && no > 0:
		return s.revoke(ctx, r, no)
	case action == "ls":
		text, rows, err := s.inspectorList(ctx)
		if err != nil {
			return err
		}
		return r.Edit(ctx, bot.Message{Text: text, Buttons: rows})
	}
	return r.Answer(ctx, "此按钮已失效。")
}

func (s *Service) revoke(ctx context.Context, r *bot.Request, no int) error {
	in, err := s.o.Store.RevokeInspector(ctx, no, s.today())
	if err == nil {
		r.RolesChanged(in.UserID) // no longer an inspector, from this update on in this process
	}
	if errors.Is(err, ErrNotFound) {
		msg := fmt.Sprintf("没有有效的 %s（可能已撤销）。", FormatLabel(no))
		if r.Callback != nil {
			_ = r.Answer(ctx, msg)
			return r.Edit(ctx, bot.Message{Text: msg})
		}
		_, err := r.Reply(ctx, msg)
		return err
	}
	if err != nil {
		return err
	}
	s.log.LogAttrs(ctx, slog.LevelInfo, "inspect: an inspector was revoked")
	msg := fmt.Sprintf("已撤销 %s 的暗访人员资格。", in.Label())
	if _, err := r.Out.Send(ctx, in.UserID, bot.Message{Text: "您的暗访人员资格已被管理员撤销，不能再提交暗访报告。已提交的报告不受影响。"}); err != nil {
		msg += "\n（未能通知对方。）"
	}
	if r.Callback != nil {
		return r.Edit(ctx, bot.Message{Text: msg})
	}
	_, err = r.Reply(ctx, msg)
	return err
}
