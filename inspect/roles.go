package inspect

import (
	"sync"
	"time"

	"github.com/conductbot/conductbot/bot"
)

// DefaultRoleTTL is how long RolesOf trusts what it read of the inspector registry: how late another instance
// of the bot (sharing the store) sees an inspector joined or revoked on this one. This instance forgets the
// user at once (/join, /inspectors' revoke).
const DefaultRoleTTL = 30 * time.Second

// maxCachedRoles bounds the cache: past it, it starts over.
const maxCachedRoles = 10000

// roleCache remembers, per user, whether they are an active inspector, until a fixed expiry. Every update of
// every user asks (bot.ResolveUser), staff far more often than inspectors, so not being one is remembered too.
type roleCache struct {
	ttl time.Duration

	mu  sync.Mutex
	m   map[int64]cachedRoles
	gen uint64 // counts forget: a lookup that began before one is not remembered
}

type cachedRoles struct {
	roles bot.Roles
	until time.Time
}

func newRoleCache(ttl time.Duration) *roleCache {
	return &roleCache{ttl: ttl, m: map[int64]cachedRoles{}}
}

// get returns the user's remembered roles, if they have not expired at now.
func (c *roleCache) get(userID int64, now time.Time) (bot.Roles, bool) {
	if c.ttl <= 0 {
		return 0, false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.m[userID]
	if !ok || !now.Before(e.until) {
		return 0, false
	}
	return e.roles, true
}

// begin is called before the registry is read; put is given what it returned.
func (c *roleCache) begin() uint64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.gen
}

// put remembers the user's roles read at now. A read that began (gen) before a user was forgotten may have
// read the registry before their change and is not remembered.
func (c *roleCache) put(userID int64, roles bot.Roles, now time.Time, gen uint64) {
	if c.ttl <= 0 {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if gen != c.gen {
		return
	}
	if len(c.m) >= maxCachedRoles {
		clear(c.m)
	}
	c.m[userID] = cachedRoles{roles: roles, until: now.Add(c.ttl)}
}

// forget drops what is remembered of the user: their inspector role changed in this process.
func (c *roleCache) forget(userID int64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.gen++
	delete(c.m, userID)
}
