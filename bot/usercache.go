package bot

import (
	"sync"
	"time"
)

// DefaultUserTTL is how long ResolveUser trusts what it read of a user — the stored user with their granted
// roles, and what the role sources (the inspector registry) add: how late this instance sees a role granted or
// revoked on another instance sharing the store, or from the command line. A change made through this
// instance's router (/grant, /revoke, /join, /inspectors' revoke: Request.RolesChanged) is seen at once.
const DefaultUserTTL = 30 * time.Second

// maxCachedUsers bounds the cache: past it, it starts over.
const maxCachedUsers = 10000

// UserCache remembers, per user, what ResolveUser read for them, until a fixed expiry: every update of every
// user needs it, and reading it cost a query of the users store and one of the inspector registry per update
// (issue 15). It keeps only what the store already holds, in memory.
type UserCache struct {
	ttl time.Duration

	mu  sync.Mutex
	m   map[int64]cachedUser
	gen uint64 // counts Forget: a lookup that began before one is not remembered
}

type cachedUser struct {
	user  User
	more  Roles // what the role sources added
	until time.Time
}

// NewUserCache returns a cache trusting what it is given for ttl; ttl <= 0 remembers nothing.
func NewUserCache(ttl time.Duration) *UserCache {
	return &UserCache{ttl: ttl, m: map[int64]cachedUser{}}
}

// get returns a copy of the user and the sources' roles remembered, if they have not expired at now.
func (c *UserCache) get(userID int64, now time.Time) (*User, Roles, bool) {
	if c == nil || c.ttl <= 0 {
		return nil, 0, false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.m[userID]
	if !ok || !now.Before(e.until) {
		return nil, 0, false
	}
	u := e.user
	return &u, e.more, true
}

// begin is called before the stores are read; put is given what they returned.
func (c *UserCache) begin() uint64 {
	if c == nil {
		return 0
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.gen
}

// put remembers what was read at now. A read that began (gen) before a user was forgotten may have read the
// stores before their change and is not remembered.
func (c *UserCache) put(u *User, more Roles, now time.Time, gen uint64) {
	if c == nil || c.ttl <= 0 {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if gen != c.gen {
		return
	}
	if len(c.m) >= maxCachedUsers {
		clear(c.m)
	}
	c.m[u.ID] = cachedUser{user: *u, more: more, until: now.Add(c.ttl)}
}

// Forget drops what is remembered of the user: their roles changed in this process.
func (c *UserCache) Forget(userID int64) {
	if c == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.gen++
	delete(c.m, userID)
}
