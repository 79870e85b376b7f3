package inspect_test

import (
	"context"
	"testing"
	"time"

	"github.com/conductbot/conductbot/bot"
	"github.com/conductbot/conductbot/inspect"
)

// TestRoleCache checks that the inspector role RolesOf remembers follows /join and a revocation at once in the
// process that made them, and in another process sharing the store within Options.RoleTTL.
func TestRoleCache(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	other, err := inspect.New(inspect.Options{Store: e.store, Code: testenvCode(t, e), Clock: e.clock,
		Location: e.clock.Now().Location(), SealKey: testSealKey, RoleTTL: 30 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	isInspector := func(s *inspect.Service) bool {
		t.Helper()
		rs, err := s.RolesOf(ctx, inspUser.ID)
		if err != nil {
			t.Fatal(err)
		}
		return rs.Contains(bot.Inspector)
	}
	if isInspector(e.svc) || isInspector(other) { // both remember: not an inspector
		t.Fatal("an inspector before joining")
	}
	e.join(inspUser)
	if !isInspector(e.svc) {
		t.Fatal("joined here, not an inspector here at once")
	}
	if isInspector(other) {
		t.Fatal("the other process forgot what it read before the TTL ran out")
	}
	e.clock.Advance(30 * time.Second)
	if !isInspector(other) {
		t.Fatal("joined, not an inspector in the other process after the TTL")
	}

	if !isInspector(e.svc) { // remembered here from now
		t.Fatal("joined, not an inspector here")
	}
	expect(t, e.say(adminUser, "/inspectors revoke 01").Text, "已撤销 暗访员01")
	if isInspector(e.svc) {
		t.Fatal("revoked here, still an inspector here")
	}
	if !isInspector(other) {
		t.Fatal("the other process forgot what it read before the TTL ran out")
	}
	e.clock.Advance(30 * time.Second)
	if isInspector(other) {
		t.Fatal("revoked, still an inspector in the other process after the TTL")
	}
}

// BenchmarkRolesOf measures the inspector lookup bot.ResolveUser makes on every update, for a user who is not
// an inspector (most updates): from the registry each time (RoleTTL < 0, as before the cache), and remembered.
func BenchmarkRolesOf(b *testing.B) {
	ctx := context.Background()
	benchStores(b, func(b *testing.B, store fullStore) {
		for _, bc := range []struct {
			name string
			ttl  time.Duration
		}{{"uncached", -1}, {"cached", inspect.DefaultRoleTTL}} {
			b.Run(bc.name, func(b *testing.B) {
				svc, err := inspect.New(inspect.Options{Store: store, Code: store, SealKey: testSealKey, RoleTTL: bc.ttl})
				if err != nil {
					b.Fatal(err)
				}
				b.ReportAllocs()
				b.ResetTimer()
				for i := 0; i < b.N; i++ {
					if _, err := svc.RolesOf(ctx, int64(1000+i%64)); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	})
}
