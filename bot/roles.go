package bot

import (
	"context"
	"fmt"
	"strings"
)

// Role is one role a user can hold. Roles form a small partial order: everyone is Staff; an Admin is also a
// Supervisor. Inspector stands apart: it comes from the inspector registry (issue 4), not from admin rank, so
// an admin is not an inspector unless registered as one.
type Role uint8

// The roles.
const (
	Staff      Role = 1 << iota // 窗口工作人员: everyone who talks to the bot
	Inspector                   // 暗访人员: redeemed an invite code
	Supervisor                  // 督查: granted by an admin
	Admin                       // 管理员: configured, or granted by an admin
)

// AllRoles lists the roles in order of rank.
var AllRoles = []Role{Staff, Inspector, Supervisor, Admin}

// Roles is a set of roles.
type Roles uint8

// Has reports whether the set satisfies role r: every set has Staff, and Admin implies Supervisor.
func (rs Roles) Has(r Role) bool { return uint8(rs.effective())&uint8(r) != 0 }

func (rs Roles) effective() Roles {
	rs |= Roles(Staff)
	if rs&Roles(Admin) != 0 {
		rs |= Roles(Supervisor)
	}
	return rs
}

// With returns the set with r added.
func (rs Roles) With(r Role) Roles { return rs | Roles(r) }

// Without returns the set with r removed.
func (rs Roles) Without(r Role) Roles { return rs &^ Roles(r) }

// Contains reports whether r is in the set itself, without implication.
func (rs Roles) Contains(r Role) bool { return rs&Roles(r) != 0 }

// Top is the highest role the set satisfies, for display.
func (rs Roles) Top() Role {
	for i := len(AllRoles) - 1; i >= 0; i-- {
		if rs.Contains(AllRoles[i]) {
			return AllRoles[i]
		}
	}
	return Staff
}

// List returns the roles in the set, lowest first, always including Staff.
func (rs Roles) List() []Role {
	var out []Role
	for _, r := range AllRoles {
		if r == Staff || rs.Contains(r) {
			out = append(out, r)
		}
	}
	return out
}

// Chinese names the roles held, for messages: "窗口工作人员", "管理员、督查".
func (rs Roles) Chinese() string {
	var names []string
	for i := len(AllRoles) - 1; i >= 0; i-- {
		if r := AllRoles[i]; r != Staff && rs.Contains(r) {
			names = append(names, r.Chinese())
		}
	}
	if len(names) == 0 {
		return Staff.Chinese()
	}
	return strings.Join(names, "、")
}

// String is the role's name in configuration and the database.
func (r Role) String() string {
	switch r {
	case Staff:
		return "staff"
	case Inspector:
		return "inspector"
	case Supervisor:
		return "supervisor"
	case Admin:
		return "admin"
	}
	return "unknown"
}

// Chinese is the role's name shown to users.
func (r Role) Chinese() string {
	switch r {
	case Staff:
		return "窗口工作人员"
	case Inspector:
		return "暗访人员"
	case Supervisor:
		return "督查"
	case Admin:
		return "管理员"
	}
	return "未知身份"
}

// ParseRole reads a role name in English or Chinese ("supervisor", "督查", "管理员").
func ParseRole(s string) (Role, bool) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "staff", "窗口", "窗口工作人员", "工作人员":
		return Staff, true
	case "inspector", "暗访", "暗访人员":
		return Inspector, true
	case "supervisor", "督查", "督查人员":
		return Supervisor, true
	case "admin", "管理员":
		return Admin, true
	}
	return 0, false
}

// RoleSource adds roles a user holds by some other record than the users store: the inspector registry of
// the spot-check capability implements it. Sources are consulted when ResolveUser does not remember the user
// (Config.UserTTL); a change made through the router calls Request.RolesChanged, so it takes effect at once.
type RoleSource interface {
	RolesOf(ctx context.Context, userID int64) (Roles, error)
}

// RoleSourceFunc adapts a function to RoleSource.
type RoleSourceFunc func(ctx context.Context, userID int64) (Roles, error)

// RolesOf calls f.
func (f RoleSourceFunc) RolesOf(ctx context.Context, userID int64) (Roles, error) {
	return f(ctx, userID)
}

// StaticRoles gives fixed users fixed roles: the console's `--as` and tests use it.
type StaticRoles map[int64]Roles

// RolesOf returns the user's fixed roles.
func (s StaticRoles) RolesOf(_ context.Context, userID int64) (Roles, error) { return s[userID], nil }

// SupervisorChats are the chats where supervisors are told of things: the configured group chat when there is
// one, else each admin and each user granted the supervisor or admin role, once each. users may be nil.
func SupervisorChats(ctx context.Context, group int64, admins []int64, users UserStore) ([]int64, error) {
	if group != 0 {
		return []int64{group}, nil
	}
	seen := map[int64]bool{}
	var out []int64
	add := func(id int64) {
		if id != 0 && !seen[id] {
			seen[id] = true
			out = append(out, id)
		}
	}
	for _, id := range admins {
		add(id)
	}
	if users != nil {
		us, err := users.ListUsers(ctx, 1000)
		if err != nil {
			return nil, fmt.Errorf("list supervisors: %w", err)
		}
		for _, u := range us {
			if u.Granted.Contains(Supervisor) || u.Granted.Contains(Admin) {
				add(u.ID)
			}
		}
	}
	return out, nil
}
