package bot

import (
	"context"
	"errors"
	"log/slog"
	"time"
)

// Config is what New wires the framework from: the middleware and the user and role administration.
type Config struct {
	Users  UserStore
	States StateStore

	Admins      []int64      // configured admins (CONDUCTBOT_ADMINS)
	RoleSources []RoleSource // more roles: the inspector registry, the console's --as

	// UserTTL is how long a user read for an update (their granted roles, what RoleSources add) is trusted:
	// how late this instance sees a role changed on another instance or from the command line. Changes made
	// through this router are seen at once (Request.RolesChanged). Default DefaultUserTTL; negative: no cache.
	UserTTL time.Duration

	// StateKey gives the key a chat's states are stored under (ChatPseudonym); default: the chat ID itself.
	StateKey func(chatID int64) int64

	Now func() time.Time
	Log *slog.Logger
}

// New returns a router with the standard middleware (recover, duplicate filter, group filter, role
// resolution) and the admin commands on users and roles: /grant, /revoke, /users. Capabilities register
// their conversations on it before the transport starts: the Q&A of issue 3 (package qa, with /start and
// /help), the spot checks (inspect), the review (supervise), the reminders (remind).
func New(c Config) (*Router, error) {
	if c.Users == nil || c.States == nil {
		return nil, errors.New("bot: the users and state stores are required")
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	if c.Log == nil {
		c.Log = slog.New(slog.DiscardHandler)
	}
	if c.UserTTL == 0 {
		c.UserTTL = DefaultUserTTL
	}
	rt := NewRouter(Options{Log: c.Log, Now: c.Now, States: c.States, StateKey: c.StateKey})
	rt.users = NewUserCache(c.UserTTL)
	rt.Use(Recover(c.Log), Dedupe(8192), GroupFilter, ResolveUser(c.Users, c.Admins, rt.users, c.RoleSources...))
	f := &features{Config: c, rt: rt}
	f.registerAdmin(rt)
	return rt, nil
}

// features holds the dependencies of the admin handlers.
type features struct {
	Config
	rt *Router
}

// SetMenu registers the chat's command menu for its user's roles, where the transport has one. Staff keep the
// default menu set at startup.
func (rt *Router) SetMenu(ctx context.Context, out Transport, chatID int64, rs Roles) {
	m, ok := out.(CommandMenu)
	if !ok {
		return
	}
	if err := m.SetCommands(ctx, chatID, rt.CommandsFor(rs)); err != nil {
		rt.log.LogAttrs(ctx, slogWarn, "bot: could not set the command menu", errAttr(err))
	}
}
