// Package remindtest has what tests and benchmarks of the reminders share: an in-memory remind.Store (held to
// the same contract as the PostgreSQL and SQLite stores by storetest) and a fake clock whose sleeps return at
// once, moving the clock on.
package remindtest

import (
	"context"
	"sort"
	"sync"
	"time"

	"github.com/conductbot/conductbot/remind"
)

// MemStore is an in-memory remind.Store, safe for concurrent use.
type MemStore struct {
	mu         sync.Mutex
	subs       map[int64]remind.Subscription
	deliveries map[delKey]*remind.Delivery
	plans      map[remind.Date]remind.DayPlan
	answers    map[ansKey]remind.Answer
	calendars  map[int]string
	once       map[string]bool
}

type delKey struct {
	day  remind.Date
	chat int64
}

type ansKey struct {
	day  remind.Date
	user int64
}

var _ remind.Store = (*MemStore)(nil)

// NewMemStore returns an empty store.
func NewMemStore() *MemStore {
	return &MemStore{subs: map[int64]remind.Subscription{}, deliveries: map[delKey]*remind.Delivery{},
		plans: map[remind.Date]remind.DayPlan{}, answers: map[ansKey]remind.Answer{}, calendars: map[int]string{},
		once: map[string]bool{}}
}

// Subscription implements remind.Store.
func (m *MemStore) Subscription(_ context.Context, chatID int64) (*remind.Subscription, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	s, ok := m.subs[chatID]
	if !ok {
		return nil, remind.ErrNotFound
	}
	return &s, nil
}

// PutSubscription implements remind.Store.
func (m *MemStore) PutSubscription(_ context.Context, s remind.Subscription) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.subs[s.ChatID] = s
	return nil
}

// Subscriptions implements remind.Store.
func (m *MemStore) Subscriptions(_ context.Context, groups, enabledOnly bool) ([]remind.Subscription, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []remind.Subscription
	for _, s := range m.subs {
		if s.Group == groups && (s.Enabled || !enabledOnly) {
			out = append(out, s)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ChatID < out[j].ChatID })
	return out, nil
}

// CountSubscriptions implements remind.Store.
func (m *MemStore) CountSubscriptions(context.Context) (users, groups int, err error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, s := range m.subs {
		switch {
		case !s.Enabled:
		case s.Group:
			groups++
		default:
			users++
		}
	}
	return users, groups, nil
}

// Schedule implements remind.Store.
func (m *MemStore) Schedule(_ context.Context, day remind.Date, minute int, _ time.Time) (int, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	n := 0
	for _, s := range m.subs {
		if !s.Enabled || s.Minute > minute {
			continue
		}
		k := delKey{day, s.ChatID}
		if _, ok := m.deliveries[k]; ok {
			continue
		}
		m.deliveries[k] = &remind.Delivery{ChatID: s.ChatID, Day: day, State: remind.Pending}
		n++
	}
	return n, nil
}

// Claim implements remind.Store.
func (m *MemStore) Claim(_ context.Context, day remind.Date, minute int, owner string, now, leaseUntil time.Time, limit int) ([]remind.Delivery, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var cands []*remind.Delivery
	for k, d := range m.deliveries {
		if k.day != day || d.State != remind.Pending || d.LeaseOwner != "" && d.LeaseUntil.After(now) ||
			d.NotBefore.After(now) {
			continue
		}
		s, ok := m.subs[k.chat]
		if !ok || !s.Enabled || s.Minute > minute {
			continue
		}
		cands = append(cands, d)
	}
	sort.Slice(cands, func(i, j int) bool {
		a, b := m.subs[cands[i].ChatID].Minute, m.subs[cands[j].ChatID].Minute
		if a != b {
			return a < b
		}
		return cands[i].ChatID < cands[j].ChatID
	})
	if len(cands) > limit {
		cands = cands[:limit]
	}
	out := make([]remind.Delivery, len(cands))
	for i, d := range cands {
		d.LeaseOwner, d.LeaseUntil = owner, leaseUntil
		out[i] = *d
	}
	return out, nil
}

// MarkSent implements remind.Store.
func (m *MemStore) MarkSent(_ context.Context, day remind.Date, chatID int64, owner string, messageID int, now time.Time) (bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	d, found := m.deliveries[delKey{day, chatID}]
	if !found {
		return false, remind.ErrNotFound
	}
	ok := d.LeaseOwner == owner && d.State == remind.Pending
	d.State, d.MessageID, d.SentAt, d.LeaseOwner, d.LeaseUntil = remind.Sent, messageID, now, "", time.Time{}
	return ok, nil
}

// MarkBlocked implements remind.Store.
func (m *MemStore) MarkBlocked(_ context.Context, day remind.Date, chatID int64, _ string, now time.Time) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	d, found := m.deliveries[delKey{day, chatID}]
	if !found {
		return remind.ErrNotFound
	}
	d.State, d.LeaseOwner, d.LeaseUntil = remind.Blocked, "", time.Time{}
	if s, ok := m.subs[chatID]; ok {
		s.Enabled, s.Reason, s.Updated = false, "blocked", now
		m.subs[chatID] = s
	}
	return nil
}

// Release implements remind.Store.
func (m *MemStore) Release(_ context.Context, day remind.Date, chatID int64, owner string, notBefore time.Time, failed bool, lastError string, maxAttempts int) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	d, found := m.deliveries[delKey{day, chatID}]
	if !found {
		return remind.ErrNotFound
	}
	if d.LeaseOwner != owner || d.State != remind.Pending {
		return nil
	}
	d.LeaseOwner, d.LeaseUntil, d.NotBefore = "", time.Time{}, notBefore
	if failed {
		d.Attempts++
		d.LastError = lastError
		if d.Attempts >= maxAttempts {
			d.State = remind.Failed
		}
	}
	return nil
}

// Delivery implements remind.Store.
func (m *MemStore) Delivery(_ context.Context, day remind.Date, chatID int64) (*remind.Delivery, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	d, found := m.deliveries[delKey{day, chatID}]
	if !found {
		return nil, remind.ErrNotFound
	}
	c := *d
	return &c, nil
}

// DeliveryCounts implements remind.Store.
func (m *MemStore) DeliveryCounts(_ context.Context, since remind.Date) (map[string]int, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := map[string]int{}
	for k, d := range m.deliveries {
		if !k.day.Before(since) {
			out[d.State]++
		}
	}
	return out, nil
}

// DayPlan implements remind.Store.
func (m *MemStore) DayPlan(_ context.Context, day remind.Date) (*remind.DayPlan, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	p, ok := m.plans[day]
	if !ok {
		return nil, remind.ErrNotFound
	}
	return clonePlan(p), nil
}

// PutDayPlan implements remind.Store.
func (m *MemStore) PutDayPlan(_ context.Context, p remind.DayPlan) (*remind.DayPlan, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if old, ok := m.plans[p.Day]; ok {
		return clonePlan(old), nil
	}
	m.plans[p.Day] = *clonePlan(p)
	return clonePlan(p), nil
}

func clonePlan(p remind.DayPlan) *remind.DayPlan {
	p.Question.Options = append([]string(nil), p.Question.Options...)
	return &p
}

// DayPlans implements remind.Store.
func (m *MemStore) DayPlans(_ context.Context, before remind.Date, limit int) ([]remind.DayPlan, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []remind.DayPlan
	for d, p := range m.plans {
		if d.Before(before) {
			out = append(out, *clonePlan(p))
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[j].Day.Before(out[i].Day) })
	if len(out) > limit {
		out = out[:limit]
	}
	return out, nil
}

// PutAnswer implements remind.Store.
func (m *MemStore) PutAnswer(_ context.Context, a remind.Answer) (*remind.Answer, bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	k := ansKey{a.Day, a.UserID}
	if old, ok := m.answers[k]; ok {
		return &old, false, nil
	}
	m.answers[k] = a
	return &a, true, nil
}

// AnswerCounts implements remind.Store.
func (m *MemStore) AnswerCounts(_ context.Context, userID int64) (answered, correct int, err error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	for k, a := range m.answers {
		if k.user == userID {
			answered++
			if a.Correct {
				correct++
			}
		}
	}
	return answered, correct, nil
}

// AnswerStats implements remind.Store.
func (m *MemStore) AnswerStats(_ context.Context, since remind.Date) ([]remind.DayStats, int, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	byDay := map[remind.Date]*remind.DayStats{}
	users := map[int64]bool{}
	for k, a := range m.answers {
		if k.day.Before(since) {
			continue
		}
		s := byDay[k.day]
		if s == nil {
			s = &remind.DayStats{Day: k.day}
			byDay[k.day] = s
		}
		s.Answered++
		if a.Correct {
			s.Correct++
		}
		users[k.user] = true
	}
	out := make([]remind.DayStats, 0, len(byDay))
	for _, s := range byDay {
		out = append(out, *s)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Day.Before(out[j].Day) })
	return out, len(users), nil
}

// CalendarYears implements remind.Store.
func (m *MemStore) CalendarYears(context.Context) (map[int]string, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := make(map[int]string, len(m.calendars))
	for y, t := range m.calendars {
		out[y] = t
	}
	return out, nil
}

// PutCalendarYear implements remind.Store.
func (m *MemStore) PutCalendarYear(_ context.Context, year int, text string, _ time.Time) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.calendars[year] = text
	return nil
}

// Once implements remind.Store.
func (m *MemStore) Once(_ context.Context, key string, _ time.Time) (bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.once[key] {
		return false, nil
	}
	m.once[key] = true
	return true, nil
}
