package bot_test

import (
	"context"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/conductbot/conductbot/bot"
	"github.com/conductbot/conductbot/internal/testkit"
)

// TestUserCacheRoleChanges checks that what ResolveUser remembers follows /grant and /revoke at once on the
// instance that made them, and on another instance sharing the store once its UserTTL ran out.
func TestUserCacheRoleChanges(t *testing.T) {
	const admin, staff = 9, 1
	st := testkit.EmptySQLite(t)
	clock := testkit.NewClock(testkit.Start)
	newInstance := func() *bot.Router {
		rt, err := bot.New(bot.Config{Users: st, States: st, Admins: []int64{admin}, Now: clock.Now, UserTTL: 30 * time.Second})
		if err != nil {
			t.Fatal(err)
		}
		rt.Command("stats", bot.Supervisor, func(ctx context.Context, r *bot.Request) error {
			_, err := r.Reply(ctx, "stats")
			return err
		})
		return rt
	}
	here, there := newInstance(), newInstance()
	ctx := context.Background()
	out := &testkit.Recorder{}
	say := func(rt *bot.Router, from int64, text string) string {
		t.Helper()
		if err := rt.Handle(ctx, out, msg(from, from, text)); err != nil {
			t.Fatal(err)
		}
		return last(out)
	}
	isSupervisor := func(rt *bot.Router) bool { return say(rt, staff, "/stats") == "stats" }

	steps := []struct {
		do          string        // an admin's command on here, or ""
		wait        time.Duration // then the clock moves
		here, there bool          // then: is the staff member a supervisor on each instance
	}{
		{"", 0, false, false}, // both remember: not a supervisor
		{"/grant 1 supervisor", 0, true, false},
		{"", 29 * time.Second, true, false},
		{"", time.Second, true, true},
		{"/revoke 1 supervisor", 0, false, true},
		{"", 30 * time.Second, false, false},
	}
	for i, s := range steps {
		if s.do != "" {
			if got := say(here, admin, s.do); !strings.Contains(got, "督查") {
				t.Fatalf("step %d: %s answered %q", i, s.do, got)
			}
		}
		clock.Advance(s.wait)
		if got := isSupervisor(here); got != s.here {
			t.Fatalf("step %d (%s, +%s): supervisor here %v, want %v", i, s.do, s.wait, got, s.here)
		}
		if got := isSupervisor(there); got != s.there {
			t.Fatalf("step %d (%s, +%s): supervisor on the other instance %v, want %v", i, s.do, s.wait, got, s.there)
		}
	}
}

// TestUserCacheRoleSource checks that a role source is asked once per UserTTL, not on every update, and again
// at once after Request.RolesChanged (what /join and /inspectors' revoke call).
func TestUserCacheRoleSource(t *testing.T) {
	const user = 5
	for _, c := range []struct {
		name      string
		ttl       time.Duration
		wantAsked int64 // of 4 updates, the third after RolesChanged
	}{
		{"cached", 30 * time.Second, 2},
		{"uncached", -1, 4},
	} {
		t.Run(c.name, func(t *testing.T) {
			st := testkit.EmptySQLite(t)
			var asked, inspector atomic.Int64
			src := bot.RoleSourceFunc(func(context.Context, int64) (bot.Roles, error) {
				asked.Add(1)
				if inspector.Load() != 0 {
					return bot.Roles(bot.Inspector), nil
				}
				return 0, nil
			})
			rt, err := bot.New(bot.Config{Users: st, States: st, Now: testkit.NewClock(testkit.Start).Now,
				UserTTL: c.ttl, RoleSources: []bot.RoleSource{src}})
			if err != nil {
				t.Fatal(err)
			}
			rt.Command("join", bot.Staff, func(ctx context.Context, r *bot.Request) error {
				inspector.Store(1)
				r.RolesChanged(r.From.ID)
				_, err := r.Reply(ctx, "joined")
				return err
			})
			rt.Command("report", bot.Inspector, func(ctx context.Context, r *bot.Request) error {
				_, err := r.Reply(ctx, "report")
				return err
			})
			out := &testkit.Recorder{}
			for i, step := range []struct{ text, want string }{
				{"/report", "仅限暗访人员"}, {"/join", "joined"}, {"/report", "report"}, {"/report", "report"},
			} {
				if err := rt.Handle(context.Background(), out, msg(user, user, step.text)); err != nil {
					t.Fatal(err)
				}
				if !strings.Contains(last(out), step.want) {
					t.Fatalf("update %d %s: %q, want %q", i, step.text, last(out), step.want)
				}
			}
			if got := asked.Load(); got != c.wantAsked {
				t.Fatalf("the role source was asked %d times for 4 updates, want %d", got, c.wantAsked)
			}
		})
	}
}
