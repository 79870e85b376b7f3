package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/conductbot/conductbot/bot"
)

var (
	_ bot.UserStore    = (*Store)(nil)
	_ bot.StateStore   = (*Store)(nil)
	_ bot.StateRekeyer = (*Store)(nil)
	_ bot.QALog        = (*Store)(nil)
)

// storedRoles are the roles bot_user_roles may hold.
var storedRoles = map[bot.Role]string{bot.Supervisor: "supervisor", bot.Admin: "admin"}

func parseRoles(list sql.NullString) bot.Roles {
	var rs bot.Roles
	if !list.Valid {
		return rs
	}
	for _, name := range strings.Split(list.String, ",") {
		if r, ok := bot.ParseRole(name); ok {
			rs = rs.With(r)
		}
	}
	return rs
}

const userColumns = `u.id, u.username, u.name, u.first_seen, u.last_seen,
	(SELECT string_agg(role, ',') FROM bot_user_roles r WHERE r.user_id = u.id)`

func scanUser(row interface{ Scan(...any) error }) (*bot.User, error) {
	var u bot.User
	var roles sql.NullString
	if err := row.Scan(&u.ID, &u.Username, &u.Name, At(&u.FirstSeen), At(&u.LastSeen), &roles); err != nil {
		return nil, err
	}
	u.Granted = parseRoles(roles)
	return &u, nil
}

// SeeUser implements bot.UserStore.
func (s *Store) SeeUser(ctx context.Context, id bot.Identity, now time.Time) (*bot.User, error) {
	hour := s.d.Time(now.Truncate(time.Hour))
	_, err := s.db.ExecContext(ctx, `INSERT INTO bot_users (id, username, name, first_seen, last_seen) VALUES ($1, $2, $3, $4, $4)
		ON CONFLICT (id) DO UPDATE SET username = excluded.username, name = excluded.name,
			first_seen = coalesce(bot_users.first_seen, excluded.first_seen), last_seen = excluded.last_seen`,
		id.ID, id.Username, id.Name, hour)
	if err != nil {
		return nil, s.errorf("see user", err)
	}
	return s.GetUser(ctx, id.ID)
}

// GetUser implements bot.UserStore.
func (s *Store) GetUser(ctx context.Context, id int64) (*bot.User, error) {
	u, err := scanUser(s.db.QueryRowContext(ctx, `SELECT `+userColumns+` FROM bot_users u WHERE u.id = $1`, id))
	if errNoRows(err) {
		return nil, bot.ErrNotFound
	}
	if err != nil {
		return nil, s.errorf("user", err)
	}
	return u, nil
}

// FindUser implements bot.UserStore.
func (s *Store) FindUser(ctx context.Context, username string) (*bot.User, error) {
	username = strings.TrimPrefix(username, "@")
	if username == "" {
		return nil, bot.ErrNotFound
	}
	u, err := scanUser(s.db.QueryRowContext(ctx, `SELECT `+userColumns+` FROM bot_users u
		WHERE lower(u.username) = lower($1) AND u.username <> '' ORDER BY u.last_seen DESC NULLS LAST, u.id LIMIT 1`, username))
	if errNoRows(err) {
		return nil, bot.ErrNotFound
	}
	if err != nil {
		return nil, s.errorf("find user", err)
	}
	return u, nil
}

// ListUsers implements bot.UserStore.
func (s *Store) ListUsers(ctx context.Context, n int) ([]bot.User, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT `+userColumns+` FROM bot_users u
		ORDER BY EXISTS (SELECT 1 FROM bot_user_roles r WHERE r.user_id = u.id) DESC, u.last_seen DESC NULLS LAST, u.id
		LIMIT $1`, limit(n))
	if err != nil {
		return nil, s.errorf("list users", err)
	}
	defer rows.Close()
	var out []bot.User
	for rows.Next() {
		u, err := scanUser(rows)
		if err != nil {
			return nil, s.errorf("list users", err)
		}
		out = append(out, *u)
	}
	return out, rows.Err()
}

// SetRole implements bot.UserStore.
func (s *Store) SetRole(ctx context.Context, userID int64, role bot.Role, on bool, by int64, now time.Time) (bool, error) {
	name, ok := storedRoles[role]
	if !ok {
		return false, fmt.Errorf("%s: role %s is not granted in the chat", s.name, role)
	}
	var n int64
	err := s.tx(ctx, "set role", nil, func(tx *sql.Tx) error {
		var res sql.Result
		var err error
		if on {
			if _, err := tx.ExecContext(ctx, `INSERT INTO bot_users (id) VALUES ($1) ON CONFLICT (id) DO NOTHING`, userID); err != nil {
				return err
			}
			res, err = tx.ExecContext(ctx, `INSERT INTO bot_user_roles (user_id, role, granted_by, granted_at) VALUES ($1, $2, $3, $4)
				ON CONFLICT (user_id, role) DO NOTHING`, userID, name, by, s.d.Time(now))
		} else {
			res, err = tx.ExecContext(ctx, `DELETE FROM bot_user_roles WHERE user_id = $1 AND role = $2`, userID, name)
		}
		if err != nil {
			return err
		}
		n, err = res.RowsAffected()
		return err
	})
	return n > 0, err
}

const stateColumns = `chat_id, kind, data, expires_at, updated_at`

func scanState(row interface{ Scan(...any) error }) (*bot.State, error) {
	var st bot.State
	var data []byte
	if err := row.Scan(&st.ChatID, &st.Kind, &data, At(&st.Expires), At(&st.Updated)); err != nil {
		return nil, err
	}
	st.Data = json.RawMessage(data)
	return &st, nil
}

// GetState implements bot.StateStore.
func (s *Store) GetState(ctx context.Context, chatID int64, kind string) (*bot.State, error) {
	st, err := scanState(s.db.QueryRowContext(ctx, `SELECT `+stateColumns+` FROM bot_states WHERE chat_id = $1 AND kind = $2`, chatID, kind))
	if errNoRows(err) {
		return nil, bot.ErrNotFound
	}
	if err != nil {
		return nil, s.errorf("state", err)
	}
	return st, nil
}

// ActiveState implements bot.StateStore.
func (s *Store) ActiveState(ctx context.Context, chatID int64, now time.Time) (*bot.State, error) {
	st, err := scanState(s.db.QueryRowContext(ctx, `SELECT `+stateColumns+` FROM bot_states
		WHERE chat_id = $1 AND (expires_at IS NULL OR expires_at > $2) ORDER BY updated_at DESC, kind LIMIT 1`, chatID, s.d.Time(now)))
	if errNoRows(err) {
		return nil, bot.ErrNotFound
	}
	if err != nil {
		return nil, s.errorf("active state", err)
	}
	return st, nil
}

// PutState implements bot.StateStore.
func (s *Store) PutState(ctx context.Context, st bot.State) error {
	data := string(st.Data)
	if data == "" {
		data = "null"
	}
	_, err := s.db.ExecContext(ctx, `INSERT INTO bot_states (chat_id, kind, data, expires_at, updated_at) VALUES ($1, $2, $3, $4, $5)
		ON CONFLICT (chat_id, kind) DO UPDATE SET data = excluded.data, expires_at = excluded.expires_at, updated_at = excluded.updated_at`,
		st.ChatID, st.Kind, data, s.nullTime(st.Expires), s.d.Time(st.Updated))
	if err != nil {
		return s.errorf("put state", err)
	}
	return nil
}

// DeleteState implements bot.StateStore.
func (s *Store) DeleteState(ctx context.Context, chatID int64, kind string) error {
	if _, err := s.db.ExecContext(ctx, `DELETE FROM bot_states WHERE chat_id = $1 AND kind = $2`, chatID, kind); err != nil {
		return s.errorf("delete state", err)
	}
	return nil
}

// DeleteExpiredStates implements bot.StateStore.
func (s *Store) DeleteExpiredStates(ctx context.Context, now time.Time) (int, error) {
	res, err := s.db.ExecContext(ctx, `DELETE FROM bot_states WHERE expires_at IS NOT NULL AND expires_at <= $1`, s.d.Time(now))
	if err != nil {
		return 0, s.errorf("delete expired states", err)
	}
	n, err := res.RowsAffected()
	return int(n), err
}

// RekeyStates implements bot.StateRekeyer. The database is scrubbed after (Dialect.Scrub), so that no earlier
// version of a row pairs a chat with its pseudonym.
func (s *Store) RekeyStates(ctx context.Context, chatKey func(int64) int64) (int, error) {
	n := 0
	err := s.tx(ctx, "rekey states", nil, func(tx *sql.Tx) error {
		rows, err := tx.QueryContext(ctx, `SELECT chat_id, kind FROM bot_states WHERE chat_id <> 0 AND chat_id < $1`+s.d.ForUpdate(), int64(1)<<62)
		if err != nil {
			return err
		}
		type key struct {
			chat int64
			kind string
		}
		var old []key
		for rows.Next() {
			var k key
			if err := rows.Scan(&k.chat, &k.kind); err != nil {
				rows.Close()
				return err
			}
			old = append(old, k)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		for _, k := range old {
			if _, err := tx.ExecContext(ctx, `INSERT INTO bot_states (chat_id, kind, data, expires_at, updated_at)
				SELECT $1, kind, data, expires_at, updated_at FROM bot_states WHERE chat_id = $2 AND kind = $3
				ON CONFLICT (chat_id, kind) DO NOTHING`, chatKey(k.chat), k.chat, k.kind); err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, `DELETE FROM bot_states WHERE chat_id = $1 AND kind = $2`, k.chat, k.kind); err != nil {
				return err
			}
		}
		n = len(old)
		return nil
	})
	if err != nil || n == 0 {
		return n, err
	}
	return n, s.d.Scrub(ctx, "bot_states")
}

const questionColumns = `id, chat_id, user_id, text, answer, verdict, abstained, clauses, version_id, asked_at`

func scanQuestion(row interface{ Scan(...any) error }, extra ...any) (*bot.Question, error) {
	var q bot.Question
	var clauses []byte
	dest := append([]any{&q.ID, &q.ChatID, &q.UserID, &q.Text, &q.Answer, &q.Verdict, &q.Abstained, &clauses, &q.VersionID, At(&q.Asked)}, extra...)
	if err := row.Scan(dest...); err != nil {
		return nil, err
	}
	if err := json.Unmarshal(clauses, &q.Clauses); err != nil {
		return nil, err
	}
	if len(q.Clauses) == 0 {
		q.Clauses = nil
	}
	return &q, nil
}

// GetQuestion implements bot.QALog.
func (s *Store) GetQuestion(ctx context.Context, id int64) (*bot.Question, error) {
	q, err := scanQuestion(s.db.QueryRowContext(ctx, `SELECT `+questionColumns+` FROM bot_questions WHERE id = $1`, id))
	if errNoRows(err) {
		return nil, bot.ErrNotFound
	}
	if err != nil {
		return nil, s.errorf("question", err)
	}
	return q, nil
}

// PutFeedback implements bot.QALog.
func (s *Store) PutFeedback(ctx context.Context, f bot.Feedback) error {
	res, err := s.db.ExecContext(ctx, `INSERT INTO bot_feedback (question_id, user_id, helpful, reason, note, rated_at)
		SELECT $1, $2, $3, $4, $5, $6 WHERE EXISTS (SELECT 1 FROM bot_questions WHERE id = $1)
		ON CONFLICT (question_id, user_id) DO UPDATE SET helpful = excluded.helpful, reason = excluded.reason,
			note = excluded.note, rated_at = excluded.rated_at`,
		f.QuestionID, f.UserID, f.Helpful, string(f.Reason), f.Note, s.d.Time(f.Rated))
	if err != nil {
		return s.errorf("put feedback", err)
	}
	if n, err := res.RowsAffected(); err == nil && n == 0 {
		return bot.ErrNotFound
	}
	return nil
}

// UncoveredQuestions implements bot.QALog.
func (s *Store) UncoveredQuestions(ctx context.Context, since time.Time, n int) ([]bot.Question, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT `+questionColumns+` FROM bot_questions
		WHERE abstained AND asked_at >= $1 ORDER BY id DESC LIMIT $2`, s.d.Time(since), limit(n))
	if err != nil {
		return nil, s.errorf("uncovered questions", err)
	}
	defer rows.Close()
	var out []bot.Question
	for rows.Next() {
		q, err := scanQuestion(rows)
		if err != nil {
			return nil, s.errorf("uncovered questions", err)
		}
		out = append(out, *q)
	}
	return out, rows.Err()
}

// DownRated implements bot.QALog: the questions, then the reasons and notes of their 👎 ratings.
func (s *Store) DownRated(ctx context.Context, since time.Time, n int) ([]bot.RatedQuestion, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT q.id, q.chat_id, q.user_id, q.text, q.answer, q.verdict, q.abstained, q.clauses,
			q.version_id, q.asked_at, count(*) FILTER (WHERE f.helpful), count(*) FILTER (WHERE NOT f.helpful)
		FROM bot_questions q JOIN bot_feedback f ON f.question_id = q.id
		WHERE q.asked_at >= $1
		GROUP BY q.id HAVING count(*) FILTER (WHERE NOT f.helpful) > 0
		ORDER BY count(*) FILTER (WHERE NOT f.helpful) DESC, q.id DESC LIMIT $2`, s.d.Time(since), limit(n))
	if err != nil {
		return nil, s.errorf("down-rated", err)
	}
	var out []bot.RatedQuestion
	byID := map[int64]int{}
	for rows.Next() {
		var rq bot.RatedQuestion
		q, err := scanQuestion(rows, &rq.Up, &rq.Down)
		if err != nil {
			rows.Close()
			return nil, s.errorf("down-rated", err)
		}
		rq.Question = *q
		byID[rq.ID] = len(out)
		out = append(out, rq)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, s.errorf("down-rated", err)
	}
	if len(out) == 0 {
		return nil, nil
	}
	// Read after the first query is closed (see the package comment).
	ids := make([]any, 0, len(out))
	for _, rq := range out {
		ids = append(ids, rq.ID)
	}
	rrows, err := s.db.QueryContext(ctx, `SELECT question_id, reason, note FROM bot_feedback
		WHERE NOT helpful AND question_id IN (`+Marks(1, len(ids))+`)`, ids...)
	if err != nil {
		return nil, s.errorf("down-rated reasons", err)
	}
	defer rrows.Close()
	for rrows.Next() {
		var id int64
		var reason, note string
		if err := rrows.Scan(&id, &reason, &note); err != nil {
			return nil, s.errorf("down-rated reasons", err)
		}
		rq := &out[byID[id]]
		if reason != "" {
			rq.Reasons = append(rq.Reasons, bot.Reason(reason))
		}
		if note != "" {
			rq.Notes = append(rq.Notes, note)
		}
	}
	// Sorted in Go: the engines' collations may order text differently.
	for i := range out {
		slices.Sort(out[i].Reasons)
		slices.Sort(out[i].Notes)
	}
	return out, rrows.Err()
}
