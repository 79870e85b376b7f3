package bot

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"runtime"
	"strings"
	"sync"
	"time"
)

// MsgError is what a user sees when a handler fails or panics.
const MsgError = "出错了，请稍后再试。"

// Recover turns a panicking or failing handler into a log line and a polite message, so one bad update never
// stops the bot. Logs carry the update ID, its kind and the route, never who sent it.
func Recover(log *slog.Logger) Middleware {
	return func(next Handler) Handler {
		return func(ctx context.Context, r *Request) (err error) {
			defer func() {
				p := recover()
				if p == nil && err == nil {
					return
				}
				attrs := []slog.Attr{slog.Int64("update_id", r.ID), slog.String("kind", r.Kind()), slog.String("route", routeName(r))}
				if p != nil {
					log.LogAttrs(ctx, slog.LevelError, "bot: handler panicked",
						append(attrs, slog.Any("panic", p), slog.String("stack", stack(3)))...)
				} else if errors.Is(err, ErrBlocked) || errors.Is(err, context.Canceled) {
					log.LogAttrs(ctx, slog.LevelInfo, "bot: could not answer", append(attrs, slog.String("error", err.Error()))...)
					err = nil
					return
				} else {
					log.LogAttrs(ctx, slog.LevelError, "bot: handler failed", append(attrs, slog.String("error", err.Error()))...)
				}
				err = nil
				if r.Callback != nil && !r.answered {
					if aerr := r.Alert(ctx, MsgError); aerr == nil {
						return
					}
				}
				if _, serr := r.Reply(ctx, MsgError); serr != nil {
					log.LogAttrs(ctx, slog.LevelWarn, "bot: could not send the error message",
						append(attrs, slog.String("error", serr.Error()))...)
				}
			}()
			return next(ctx, r)
		}
	}
}

// stack is the calling goroutine's stack as function names and file:line, skipping skip frames — without
// the argument words debug.Stack prints, among which a user's or chat's ID stands in hex (0x3e9).
func stack(skip int) string {
	pcs := make([]uintptr, 64)
	frames := runtime.CallersFrames(pcs[:runtime.Callers(skip, pcs)])
	var b strings.Builder
	for {
		f, more := frames.Next()
		fmt.Fprintf(&b, "%s\n\t%s:%d\n", f.Function, f.File, f.Line)
		if !more {
			return b.String()
		}
	}
}

func routeName(r *Request) string {
	switch {
	case r.Callback != nil:
		p, _, _ := strings.Cut(r.Callback.Data, ":")
		if validPrefix(p) {
			return "callback:" + p
		}
		return "callback:?"
	case r.Command != "":
		return "/" + r.Command
	}
	return r.Kind()
}

// Dedupe drops an update whose ID it has seen among the last size updates: Telegram redelivers an update
// when it did not get our acknowledgement in time. Updates without an ID (console) always pass.
func Dedupe(size int) Middleware {
	if size <= 0 {
		size = 4096
	}
	var (
		mu   sync.Mutex
		seen = make(map[int64]struct{}, size)
		ring = make([]int64, size)
		next int
	)
	return func(h Handler) Handler {
		return func(ctx context.Context, r *Request) error {
			if r.ID == 0 {
				return h(ctx, r)
			}
			mu.Lock()
			if _, dup := seen[r.ID]; dup {
				mu.Unlock()
				return nil
			}
			if old := ring[next]; old != 0 {
				delete(seen, old)
			}
			ring[next] = r.ID
			next = (next + 1) % size
			seen[r.ID] = struct{}{}
			mu.Unlock()
			return h(ctx, r)
		}
	}
}

// GroupFilter lets through, in group chats, only commands, button presses, messages that mention the bot and
// replies to the bot; channel posts never pass.
func GroupFilter(next Handler) Handler {
	return func(ctx context.Context, r *Request) error {
		if r.ChatType == ChatChannel {
			return nil
		}
		if r.ChatType.IsGroup() && r.Callback == nil && r.Command == "" && !r.Mentioned && !r.ReplyToBot {
			return nil
		}
		return next(ctx, r)
	}
}

// ResolveUser records the sender in the users store and sets Request.User and Request.Roles: what the store
// granted, Admin for the configured admins, and what the sources add (the inspector registry). The store is
// written only when the user is new, changed names, or was last seen over an hour ago. What it read is
// remembered in cache (nil: nothing is) until the cache's TTL runs out or Request.RolesChanged forgets it.
func ResolveUser(users UserStore, admins []int64, cache *UserCache, sources ...RoleSource) Middleware {
	admin := make(map[int64]bool, len(admins))
	for _, id := range admins {
		admin[id] = true
	}
	return func(next Handler) Handler {
		return func(ctx context.Context, r *Request) error {
			if r.From.ID == 0 {
				return nil // no sender: nothing a user asked for
			}
			now := r.Now()
			u, more, cached := cache.get(r.From.ID, now)
			if !cached {
				gen := cache.begin()
				var err error
				if u, more, err = lookUpUser(ctx, users, sources, r.From.ID); err != nil {
					return err
				}
				if u != nil {
					cache.put(u, more, now, gen)
				}
			}
			switch {
			case u != nil && more.Contains(Inspector):
				// An inspector's last-seen time is not refreshed: it would record when they were active, which
				// could be matched against the day a report was filed (docs/design.md, anonymity).
			case u == nil || u.Username != r.From.Username || u.Name != r.From.Name || now.Sub(u.LastSeen) >= time.Hour:
				gen := cache.begin()
				var err error
				if u, err = users.SeeUser(ctx, r.From, now); err != nil {
					return fmt.Errorf("record user: %w", err)
				}
				cache.put(u, more, now, gen)
			}
			roles := u.Granted.With(Staff) | more
			if admin[u.ID] {
				roles = roles.With(Admin)
			}
			r.User, r.Roles = u, roles
			return next(ctx, r)
		}
	}
}

// lookUpUser reads the stored user (nil when unknown) and the roles the sources add.
func lookUpUser(ctx context.Context, users UserStore, sources []RoleSource, id int64) (*User, Roles, error) {
	var more Roles
	for _, s := range sources {
		rs, err := s.RolesOf(ctx, id)
		if err != nil {
			return nil, 0, fmt.Errorf("roles of user: %w", err)
		}
		more |= rs
	}
	u, err := users.GetUser(ctx, id)
	if errors.Is(err, ErrNotFound) {
		return nil, more, nil
	}
	if err != nil {
		return nil, 0, fmt.Errorf("look up user: %w", err)
	}
	return u, more, nil
}

// Limiter is a per-user token bucket: n events per window, refilled continuously.
type Limiter struct {
	n      float64
	window time.Duration
	now    func() time.Time

	mu      sync.Mutex
	buckets map[int64]*bucket
	calls   int
}

type bucket struct {
	tokens   float64
	last     time.Time
	notified bool
}

// NewLimiter allows n events per window for each user.
func NewLimiter(n int, window time.Duration, now func() time.Time) *Limiter {
	if now == nil {
		now = time.Now
	}
	return &Limiter{n: float64(n), window: window, now: now, buckets: map[int64]*bucket{}}
}

// Allow takes one event for the user. When refused, notify is true the first time since the user was last
// allowed, so they are told once rather than on every message.
func (l *Limiter) Allow(userID int64) (ok, notify bool) {
	now := l.now()
	l.mu.Lock()
	defer l.mu.Unlock()
	l.calls++
	if l.calls%1024 == 0 {
		l.sweep(now)
	}
	b := l.buckets[userID]
	if b == nil {
		b = &bucket{tokens: l.n, last: now}
		l.buckets[userID] = b
	}
	if el := now.Sub(b.last); el > 0 {
		b.tokens = min(l.n, b.tokens+l.n*float64(el)/float64(l.window))
		b.last = now
	}
	if b.tokens >= 1 {
		b.tokens--
		b.notified = false
		return true, false
	}
	notify = !b.notified
	b.notified = true
	return false, notify
}

// sweep forgets users whose bucket has refilled: they are as good as new.
func (l *Limiter) sweep(now time.Time) {
	for id, b := range l.buckets {
		if now.Sub(b.last) >= l.window {
			delete(l.buckets, id)
		}
	}
}

// MsgSlowDown is what a user who asks too fast is told.
const MsgSlowDown = "您提问太快了，请稍等一会儿再问（每分钟最多 %d 个问题）。"

// RateLimit refuses updates from users over the limiter's rate, telling them politely once.
func RateLimit(l *Limiter) Middleware {
	return func(next Handler) Handler {
		return func(ctx context.Context, r *Request) error {
			ok, notify := l.Allow(r.From.ID)
			if ok {
				return next(ctx, r)
			}
			if notify {
				_, err := r.Reply(ctx, fmt.Sprintf(MsgSlowDown, int(l.n*float64(time.Minute)/float64(l.window))))
				return err
			}
			return nil
		}
	}
}
