// Package memstore keeps the bot's users, conversation state and question log in memory: for tests, for
// benchmarks, and as the reference the SQL stores are checked against (storetest).
package memstore

import (
	"context"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/conductbot/conductbot/bot"
)

// Store implements bot.UserStore, bot.StateStore and bot.QALog. The zero value is not usable; call New.
type Store struct {
	mu        sync.Mutex
	users     map[int64]*bot.User
	states    map[stateKey]bot.State
	questions []bot.Question // ID = index + 1
	feedback  map[fbKey]bot.Feedback
}

type stateKey struct {
	chat int64
	kind string
}

type fbKey struct{ q, user int64 }

// New returns an empty store.
func New() *Store {
	return &Store{users: map[int64]*bot.User{}, states: map[stateKey]bot.State{}, feedback: map[fbKey]bot.Feedback{}}
}

var (
	_ bot.UserStore  = (*Store)(nil)
	_ bot.StateStore = (*Store)(nil)
	_ bot.QALog      = (*Store)(nil)
)

// SeeUser implements bot.UserStore.
func (s *Store) SeeUser(_ context.Context, id bot.Identity, now time.Time) (*bot.User, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	hour := now.Truncate(time.Hour)
	u := s.users[id.ID]
	if u == nil {
		u = &bot.User{ID: id.ID}
		s.users[id.ID] = u
	}
	if u.FirstSeen.IsZero() {
		u.FirstSeen = hour
	}
	u.Username, u.Name, u.LastSeen = id.Username, id.Name, hour
	c := *u
	return &c, nil
}

// GetUser implements bot.UserStore.
func (s *Store) GetUser(_ context.Context, id int64) (*bot.User, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	u := s.users[id]
	if u == nil {
		return nil, bot.ErrNotFound
	}
	c := *u
	return &c, nil
}

// FindUser implements bot.UserStore.
func (s *Store) FindUser(_ context.Context, username string) (*bot.User, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	username = strings.TrimPrefix(username, "@")
	var found *bot.User
	for _, u := range s.users {
		if u.Username != "" && strings.EqualFold(u.Username, username) && (found == nil || u.LastSeen.After(found.LastSeen)) {
			found = u
		}
	}
	if found == nil {
		return nil, bot.ErrNotFound
	}
	c := *found
	return &c, nil
}

// ListUsers implements bot.UserStore.
func (s *Store) ListUsers(_ context.Context, limit int) ([]bot.User, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]bot.User, 0, len(s.users))
	for _, u := range s.users {
		out = append(out, *u)
	}
	sort.Slice(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if (a.Granted != 0) != (b.Granted != 0) {
			return a.Granted != 0
		}
		if !a.LastSeen.Equal(b.LastSeen) {
			return a.LastSeen.After(b.LastSeen)
		}
		return a.ID < b.ID
	})
	if limit > 0 && len(out) > limit {
		out = out[:limit]
	}
	return out, nil
}

// SetRole implements bot.UserStore.
func (s *Store) SetRole(_ context.Context, userID int64, role bot.Role, on bool, _ int64, _ time.Time) (bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	u := s.users[userID]
	if u == nil {
		if !on {
			return false, nil
		}
		u = &bot.User{ID: userID}
		s.users[userID] = u
	}
	before := u.Granted
	if on {
		u.Granted = u.Granted.With(role)
	} else {
		u.Granted = u.Granted.Without(role)
	}
	return u.Granted != before, nil
}

// GetState implements bot.StateStore.
func (s *Store) GetState(_ context.Context, chatID int64, kind string) (*bot.State, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	st, ok := s.states[stateKey{chatID, kind}]
	if !ok {
		return nil, bot.ErrNotFound
	}
	st.Data = slices.Clone(st.Data)
	return &st, nil
}

// ActiveState implements bot.StateStore.
func (s *Store) ActiveState(_ context.Context, chatID int64, now time.Time) (*bot.State, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var best *bot.State
	for k, st := range s.states {
		if k.chat != chatID || st.Expired(now) {
			continue
		}
		if best == nil || st.Updated.After(best.Updated) || st.Updated.Equal(best.Updated) && st.Kind < best.Kind {
			c := st
			best = &c
		}
	}
	if best == nil {
		return nil, bot.ErrNotFound
	}
	best.Data = slices.Clone(best.Data)
	return best, nil
}

// PutState implements bot.StateStore.
func (s *Store) PutState(_ context.Context, st bot.State) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	st.Data = slices.Clone(st.Data)
	s.states[stateKey{st.ChatID, st.Kind}] = st
	return nil
}

// DeleteState implements bot.StateStore.
func (s *Store) DeleteState(_ context.Context, chatID int64, kind string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.states, stateKey{chatID, kind})
	return nil
}

// DeleteExpiredStates implements bot.StateStore.
func (s *Store) DeleteExpiredStates(_ context.Context, now time.Time) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for k, st := range s.states {
		if st.Expired(now) {
			delete(s.states, k)
			n++
		}
	}
	return n, nil
}

// LogQuestion implements bot.QALog.
func (s *Store) LogQuestion(_ context.Context, q *bot.Question) (int64, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c := *q
	c.Clauses = slices.Clone(q.Clauses)
	c.ID = int64(len(s.questions) + 1)
	s.questions = append(s.questions, c)
	return c.ID, nil
}

// GetQuestion implements bot.QALog.
func (s *Store) GetQuestion(_ context.Context, id int64) (*bot.Question, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if id < 1 || id > int64(len(s.questions)) {
		return nil, bot.ErrNotFound
	}
	c := s.questions[id-1]
	c.Clauses = slices.Clone(c.Clauses)
	return &c, nil
}

// PutFeedback implements bot.QALog.
func (s *Store) PutFeedback(_ context.Context, f bot.Feedback) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if f.QuestionID < 1 || f.QuestionID > int64(len(s.questions)) {
		return bot.ErrNotFound
	}
	s.feedback[fbKey{f.QuestionID, f.UserID}] = f
	return nil
}

// UncoveredQuestions implements bot.QALog.
func (s *Store) UncoveredQuestions(_ context.Context, since time.Time, limit int) ([]bot.Question, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []bot.Question
	for i := len(s.questions) - 1; i >= 0 && (limit <= 0 || len(out) < limit); i-- {
		q := s.questions[i]
		if q.Abstained && !q.Asked.Before(since) {
			q.Clauses = slices.Clone(q.Clauses)
			out = append(out, q)
		}
	}
	return out, nil
}

// DownRated implements bot.QALog.
func (s *Store) DownRated(_ context.Context, since time.Time, limit int) ([]bot.RatedQuestion, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	byQ := map[int64]*bot.RatedQuestion{}
	for k, f := range s.feedback {
		q := s.questions[k.q-1]
		if q.Asked.Before(since) {
			continue
		}
		rq := byQ[k.q]
		if rq == nil {
			rq = &bot.RatedQuestion{Question: q}
			rq.Clauses = slices.Clone(q.Clauses)
			byQ[k.q] = rq
		}
		if f.Helpful {
			rq.Up++
			continue
		}
		rq.Down++
		if f.Reason != bot.ReasonNone {
			rq.Reasons = append(rq.Reasons, f.Reason)
		}
		if f.Note != "" {
			rq.Notes = append(rq.Notes, f.Note)
		}
	}
	var out []bot.RatedQuestion
	for _, rq := range byQ {
		if rq.Down > 0 {
			slices.Sort(rq.Reasons)
			slices.Sort(rq.Notes)
			out = append(out, *rq)
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Down != out[j].Down {
			return out[i].Down > out[j].Down
		}
		return out[i].ID > out[j].ID
	})
	if limit > 0 && len(out) > limit {
		out = out[:limit]
	}
	return out, nil
}
