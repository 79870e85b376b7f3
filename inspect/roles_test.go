package inspect_test

import (
	"strings"
	"testing"
	"time"

	"github.com/conductbot/conductbot/bot"
	"github.com/conductbot/conductbot/internal/testkit"
)

// TestRoleChanges checks that the inspector role follows /join and a revocation at once on the instance of the
// bot that made them, and on another instance sharing the store once bot.DefaultUserTTL ran out (the router
// remembers users, bot.UserCache; inspect makes it forget them through Request.RolesChanged).
func TestRoleChanges(t *testing.T) {
	store := testkit.SQLite(t)
	e := newEnvOn(t, store, nil)
	other := newEnvOn(t, store, e.clock)
	isInspector := func(e *env) bool {
		t.Helper()
		refused := strings.Contains(e.say(inspUser, "/report").Text, "仅限暗访人员")
		e.say(inspUser, "/cancel")
		return !refused
	}
	steps := []struct {
		name        string
		do          func()
		wait        time.Duration
		here, there bool
	}{
		{"before joining", func() {}, 0, false, false}, // both remember: not an inspector
		{"joined here", func() { e.join(inspUser) }, 0, true, false},
		{"just before the TTL", func() {}, bot.DefaultUserTTL - time.Second, true, false},
		{"after the TTL", func() {}, time.Second, true, true},
		{"revoked here", func() { expect(t, e.say(adminUser, "/inspectors revoke 01").Text, "已撤销 暗访员01") }, 0, false, true},
		{"revoked, after the TTL", func() {}, bot.DefaultUserTTL, false, false},
	}
	for _, s := range steps {
		s.do()
		e.clock.Advance(s.wait)
		if got := isInspector(e); got != s.here {
			t.Fatalf("%s: inspector here %v, want %v", s.name, got, s.here)
		}
		if got := isInspector(other); got != s.there {
			t.Fatalf("%s: inspector on the other instance %v, want %v", s.name, got, s.there)
		}
	}
}
