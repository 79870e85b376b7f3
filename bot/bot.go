package bot

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"github.com/conductbot/conductbot/retrieval"
	"github.com/conductbot/conductbot/rules"
)

// Asker answers a staff question from the code in force; retrieval.Engine implements it.
type Asker interface {
	Ask(ctx context.Context, question string) (*retrieval.Answer, error)
}

// CodeSource gives the code in force for browsing; the stores (rules.Store) and the engine implement it.
type CodeSource interface {
	CodeInForce(ctx context.Context) (*rules.Version, error)
}

// Config is what New wires the staff and admin conversations from.
type Config struct {
	Asker  Asker
	Code   CodeSource
	Users  UserStore
	States StateStore
	QA     QALog

	Admins      []int64      // configured admins (CONDUCTBOT_ADMINS)
	RoleSources []RoleSource // more roles: the inspector registry, the console's --as

	// StateKey gives the key a chat's states are stored under (ChatPseudonym); default: the chat ID itself.
	StateKey func(chatID int64) int64

	QuestionsPerMinute int // per user; default 20
	Now                func() time.Time
	Log                *slog.Logger
}

// DefaultQuestionsPerMinute is the default per-user rate of questions.
const DefaultQuestionsPerMinute = 20

// New returns a router with the standard middleware (recover, duplicate filter, group filter, role
// resolution) and the conversations of issue 3: /start, /help, questions with feedback, /rules, /clause, and
// the admin commands /gaps, /grant, /revoke, /users. Other capabilities register more routes on it before the
// transport starts.
func New(c Config) (*Router, error) {
	switch {
	case c.Asker == nil:
		return nil, errors.New("bot: no Asker")
	case c.Code == nil:
		return nil, errors.New("bot: no CodeSource")
	case c.Users == nil || c.States == nil || c.QA == nil:
		return nil, errors.New("bot: the users, state and question stores are required")
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	if c.Log == nil {
		c.Log = slog.New(slog.DiscardHandler)
	}
	if c.QuestionsPerMinute <= 0 {
		c.QuestionsPerMinute = DefaultQuestionsPerMinute
	}
	rt := NewRouter(Options{Log: c.Log, Now: c.Now, States: c.States, StateKey: c.StateKey})
	rt.Use(Recover(c.Log), Dedupe(8192), GroupFilter, ResolveUser(c.Users, c.Admins, c.RoleSources...))
	f := &features{Config: c, limiter: NewLimiter(c.QuestionsPerMinute, time.Minute, c.Now)}
	f.registerStaff(rt)
	f.registerAdmin(rt)
	return rt, nil
}

// features holds the dependencies of the staff and admin handlers.
type features struct {
	Config
	limiter *Limiter
	rt      *Router
}
