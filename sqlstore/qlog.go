package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"sync"

	"github.com/conductbot/conductbot/bot"
)

// questionLog commits the question log's rows in groups (issue 15): every question asked writes one row, and
// on SQLite each commit is an fsync taken under the one write lock, so twenty users asking at once queued for
// it. Concurrent LogQuestion calls are gathered into one transaction instead, leader and followers:
//
//   - a call finding no commit under way becomes the leader and commits its row at once, alone: without
//     contention a call costs what an INSERT of its own cost before, and no call ever waits for a timer;
//   - calls arriving while a commit is under way queue; when it ends, the leader hands the lead to the first of
//     them, which commits the whole queue in one transaction;
//   - every call returns only after the transaction holding its row committed, so an acknowledged question is
//     on disk, as before: there is nothing to flush on Close and nothing a crash can lose that was returned.
type questionLog struct {
	s *Store

	mu      sync.Mutex
	leading bool               // a commit is under way (or its leader is about to start one)
	queue   []*pendingQuestion // the calls waiting for the next commit
}

// pendingQuestion is one LogQuestion call waiting: lead tells it to commit the queue, done brings its result.
type pendingQuestion struct {
	args []any
	lead chan struct{}
	done chan questionLogged
}

type questionLogged struct {
	id  int64
	err error
}

const insertQuestion = `INSERT INTO bot_questions (chat_id, user_id, text, answer, verdict, abstained, clauses, version_id, asked_at)
	VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id`

// LogQuestion implements bot.QALog. It returns once the row is committed, possibly with others' rows in one
// transaction. A queued row is committed whether or not its caller's ctx ends meanwhile (the wait is bounded by
// the engine's lock timeout): its caller waits for it, as the lead may be handed to it.
func (s *Store) LogQuestion(ctx context.Context, q *bot.Question) (int64, error) {
	clauses := []byte("[]")
	if len(q.Clauses) > 0 {
		var err error
		if clauses, err = json.Marshal(q.Clauses); err != nil {
			return 0, s.errorf("log question", err)
		}
	}
	verdict := q.Verdict
	if verdict == "" {
		verdict = "none"
	}
	p := &pendingQuestion{
		args: []any{q.ChatID, q.UserID, q.Text, q.Answer, verdict, q.Abstained, string(clauses), q.VersionID, s.d.Time(q.Asked)},
		lead: make(chan struct{}, 1),
		done: make(chan questionLogged, 1),
	}
	l := &s.qlog
	l.mu.Lock()
	l.queue = append(l.queue, p)
	lead := !l.leading
	l.leading = true
	l.mu.Unlock()
	if !lead {
		select {
		case <-p.lead:
		case r := <-p.done:
			return r.id, r.err
		}
	}
	l.commitQueue(ctx)
	r := <-p.done
	return r.id, r.err
}

// commitQueue is the leader's work: commit every queued row in one transaction, tell each caller, then hand
// the lead to the first call that queued meanwhile, or give it up.
func (l *questionLog) commitQueue(ctx context.Context) {
	l.mu.Lock()
	batch := l.queue
	l.queue = nil
	l.mu.Unlock()

	// The rows are the followers' as much as the leader's: the leader's cancellation must not fail them.
	ids, err := l.s.insertQuestions(context.WithoutCancel(ctx), batch)
	if err != nil && len(batch) > 1 {
		// One bad row must not fail the others: commit each alone.
		for i, p := range batch {
			one, perr := l.s.insertQuestions(context.WithoutCancel(ctx), []*pendingQuestion{p})
			if perr == nil {
				ids[i] = one[0]
			}
			p.done <- questionLogged{id: ids[i], err: perr}
		}
	} else {
		for i, p := range batch {
			if err != nil {
				p.done <- questionLogged{err: err}
			} else {
				p.done <- questionLogged{id: ids[i]}
			}
		}
	}

	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.queue) == 0 {
		l.leading = false
		return
	}
	l.queue[0].lead <- struct{}{}
}

// insertQuestions inserts the rows of batch in one transaction and returns their IDs in order; ids has
// len(batch) entries even on error.
func (s *Store) insertQuestions(ctx context.Context, batch []*pendingQuestion) (ids []int64, err error) {
	ids = make([]int64, len(batch))
	if len(batch) == 1 {
		if err := s.db.QueryRowContext(ctx, insertQuestion, batch[0].args...).Scan(&ids[0]); err != nil {
			return ids, s.errorf("log question", err)
		}
		return ids, nil
	}
	err = s.tx(ctx, fmt.Sprintf("log %d questions", len(batch)), nil, func(tx *sql.Tx) error {
		st, err := tx.PrepareContext(ctx, insertQuestion)
		if err != nil {
			return err
		}
		defer st.Close()
		for i, p := range batch {
			if err := st.QueryRowContext(ctx, p.args...).Scan(&ids[i]); err != nil {
				return err
			}
		}
		return nil
	})
	return ids, err
}
