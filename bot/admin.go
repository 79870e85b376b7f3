package bot

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
)

func (f *features) registerAdmin(rt *Router) {
	rt.Command("grant", Admin, f.grant, Describe("授予身份：/grant @用户名或ID supervisor|admin"))
	rt.Command("revoke", Admin, f.revoke, Describe("撤销身份：/revoke @用户名或ID supervisor|admin"))
	rt.Command("users", Admin, f.users, Describe("查看用户和身份"))
}

func (f *features) grant(ctx context.Context, r *Request) error  { return f.setRole(ctx, r, true) }
func (f *features) revoke(ctx context.Context, r *Request) error { return f.setRole(ctx, r, false) }

// setRole is /grant and /revoke: "<@username|ID> <role>", in either order.
func (f *features) setRole(ctx context.Context, r *Request, on bool) error {
	verb := map[bool]string{true: "grant", false: "revoke"}[on]
	usage := fmt.Sprintf("用法：/%s @用户名或用户ID 身份\n身份：supervisor（督查）或 admin（管理员）\n例如：/%s @zhangsan supervisor", verb, verb)
	fields := strings.Fields(r.Args)
	if len(fields) != 2 {
		_, err := r.Reply(ctx, usage)
		return err
	}
	role, ok := ParseRole(fields[1])
	who := fields[0]
	if !ok {
		if role, ok = ParseRole(fields[0]); ok {
			who = fields[1]
		}
	}
	switch {
	case !ok:
		_, err := r.Reply(ctx, usage)
		return err
	case role == Staff:
		_, err := r.Reply(ctx, "窗口工作人员是每个人的默认身份，无需授予或撤销。")
		return err
	case role == Inspector:
		_, err := r.Reply(ctx, "暗访人员通过一次性邀请码加入，不能直接授予。")
		return err
	}
	target, err := f.findUser(ctx, who, on)
	if err != nil {
		return err
	}
	if target == nil {
		_, err := r.Reply(ctx, "没有找到用户 "+Clip(who, 40)+"。请对方先给我发一条消息（例如 /start），或使用其数字用户 ID。")
		return err
	}
	if !on && target.ID == r.From.ID && role == Admin {
		_, err := r.Reply(ctx, "不能撤销自己的管理员身份，请让另一位管理员操作。")
		return err
	}
	if !on && role == Admin && f.isConfiguredAdmin(target.ID) {
		_, err := r.Reply(ctx, "该用户是配置文件（CONDUCTBOT_ADMINS）中的管理员，只能修改配置来撤销。")
		return err
	}
	changed, err := f.Users.SetRole(ctx, target.ID, role, on, r.From.ID, r.Now())
	if err != nil {
		return fmt.Errorf("set role: %w", err)
	}
	r.RolesChanged(target.ID) // their next update, in this process, has the role or not
	u, err := f.Users.GetUser(ctx, target.ID)
	if err != nil {
		return fmt.Errorf("reload user: %w", err)
	}
	roles := u.Granted
	if f.isConfiguredAdmin(u.ID) {
		roles = roles.With(Admin)
	}
	name := userLabel(u)
	var msg string
	switch {
	case !changed && on:
		msg = fmt.Sprintf("%s已经是%s。", name, role.Chinese())
	case !changed:
		msg = fmt.Sprintf("%s本来就不是%s。", name, role.Chinese())
	case on:
		msg = fmt.Sprintf("已授予 %s%s身份。当前身份：%s", name, role.Chinese(), roles.Chinese())
	default:
		msg = fmt.Sprintf("已撤销 %s的%s身份。当前身份：%s", name, role.Chinese(), roles.Chinese())
	}
	if changed {
		f.Log.LogAttrs(ctx, slogInfo, "bot: role changed", roleAttrs(role, on)...)
		f.rt.SetMenu(ctx, r.Out, u.ID, roles)
		notice := fmt.Sprintf("管理员已授予您%s身份。发送 /help 查看可用的命令。", role.Chinese())
		if !on {
			notice = fmt.Sprintf("您的%s身份已被撤销。", role.Chinese())
		}
		if _, err := r.Out.Send(ctx, u.ID, Message{Text: notice}); err != nil {
			msg += "\n（未能通知对方：对方可能还没有与我私聊过。）"
		}
	}
	_, err = r.Reply(ctx, msg)
	return err
}

func (f *features) isConfiguredAdmin(id int64) bool {
	for _, a := range f.Admins {
		if a == id {
			return true
		}
	}
	return false
}

// findUser resolves "@name", "name" or a numeric ID. A numeric ID of an unknown user resolves to a new user
// when create is set (granting a role to someone who has not written yet).
func (f *features) findUser(ctx context.Context, who string, create bool) (*User, error) {
	who = strings.TrimPrefix(strings.TrimSpace(who), "@")
	if id, err := strconv.ParseInt(who, 10, 64); err == nil && id > 0 {
		u, err := f.Users.GetUser(ctx, id)
		if errors.Is(err, ErrNotFound) {
			if !create {
				return nil, nil
			}
			return &User{ID: id}, nil
		}
		return u, err
	}
	if who == "" || len(who) > 64 {
		return nil, nil
	}
	u, err := f.Users.FindUser(ctx, who)
	if errors.Is(err, ErrNotFound) {
		return nil, nil
	}
	return u, err
}

func userLabel(u *User) string {
	var parts []string
	if u.Name != "" {
		parts = append(parts, u.Name)
	}
	if u.Username != "" {
		parts = append(parts, "@"+u.Username)
	}
	return strings.Join(parts, " ") + fmt.Sprintf("（ID %d）", u.ID)
}

// usersShown is how many users /users lists.
const usersShown = 50

func (f *features) users(ctx context.Context, r *Request) error {
	us, err := f.Users.ListUsers(ctx, usersShown)
	if err != nil {
		return fmt.Errorf("list users: %w", err)
	}
	var b strings.Builder
	b.WriteString("用户（有身份者在前，其余按最近使用排序）：\n")
	listed := map[int64]bool{}
	for _, u := range us {
		roles := u.Granted
		if f.isConfiguredAdmin(u.ID) {
			roles = roles.With(Admin)
		}
		listed[u.ID] = true
		fmt.Fprintf(&b, "\n• %s：%s", userLabel(&u), roles.Chinese())
		if f.isConfiguredAdmin(u.ID) {
			b.WriteString("（配置）")
		}
		if !u.LastSeen.IsZero() {
			fmt.Fprintf(&b, " · 最近 %s", u.LastSeen.Format("2006-01-02"))
		}
	}
	for _, id := range f.Admins {
		if !listed[id] {
			fmt.Fprintf(&b, "\n• 用户 ID %d：管理员（配置），尚未使用过", id)
		}
	}
	if len(us) == usersShown {
		fmt.Fprintf(&b, "\n\n只列出前 %d 位。", usersShown)
	}
	b.WriteString("\n\n授予或撤销身份：/grant 或 /revoke @用户名 supervisor|admin")
	_, err = r.Reply(ctx, b.String())
	return err
}
