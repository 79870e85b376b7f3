package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/conductbot/conductbot/bot"
)

var (
	_ bot.UserStore  = (*DB)(nil)
	_ bot.StateStore = (*DB)(nil)
	_ bot.QALog      = (*DB)(nil)
)

// botStoredRoles are the roles bot_user_roles may hold.
var botStoredRoles = map[bot.Role]string{bot.Supervisor: "supervisor", bot.Admin: "admin"}

func botNullTime(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}

func botTime(t *time.Time) time.Time {
	if t == nil {
		return time.Time{}
	}
	return *t
}

const botUserColumns = `u.id, u.username, u.name, u.first_seen, u.last_seen,
	(SELECT string_agg(role, ',') FROM bot_user_roles r WHERE r.user_id = u.id)`

func scanBotUser(row pgx.Row) (*bot.User, error) {
	var u bot.User
	var first, last *time.Time
	var roles *string
	if err := row.Scan(&u.ID, &u.Username, &u.Name, &first, &last, &roles); err != nil {
		return nil, err
	}
	u.FirstSeen, u.LastSeen = botTime(first), botTime(last)
	if roles != nil {
		for _, name := range strings.Split(*roles, ",") {
			if r, ok := bot.ParseRole(name); ok {
				u.Granted = u.Granted.With(r)
			}
		}
	}
	return &u, nil
}

// SeeUser implements bot.UserStore.
func (db *DB) SeeUser(ctx context.Context, id bot.Identity, now time.Time) (*bot.User, error) {
	hour := now.Truncate(time.Hour)
	_, err := db.pool.Exec(ctx, `INSERT INTO bot_users (id, username, name, first_seen, last_seen) VALUES ($1, $2, $3, $4, $4)
		ON CONFLICT (id) DO UPDATE SET username = excluded.username, name = excluded.name,
			first_seen = coalesce(bot_users.first_seen, excluded.first_seen), last_seen = excluded.last_seen`,
		id.ID, id.Username, id.Name, hour)
	if err != nil {
		return nil, fmt.Errorf("postgres: see user: %w", err)
	}
	return db.GetUser(ctx, id.ID)
}

// GetUser implements bot.UserStore.
func (db *DB) GetUser(ctx context.Context, id int64) (*bot.User, error) {
	u, err := scanBotUser(db.pool.QueryRow(ctx, `SELECT `+botUserColumns+` FROM bot_users u WHERE u.id = $1`, id))
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, bot.ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("postgres: user: %w", err)
	}
	return u, nil
}

// FindUser implements bot.UserStore.
func (db *DB) FindUser(ctx context.Context, username string) (*bot.User, error) {
	username = strings.TrimPrefix(username, "@")
	if username == "" {
		return nil, bot.ErrNotFound
	}
	u, err := scanBotUser(db.pool.QueryRow(ctx, `SELECT `+botUserColumns+` FROM bot_users u
		WHERE lower(u.username) = lower($1) AND u.username <> '' ORDER BY u.last_seen DESC NULLS LAST, u.id LIMIT 1`, username))
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, bot.ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("postgres: find user: %w", err)
	}
	return u, nil
}

// ListUsers implements bot.UserStore.
func (db *DB) ListUsers(ctx context.Context, limit int) ([]bot.User, error) {
	var lim *int
	if limit > 0 {
		lim = &limit
	}
	rows, err := db.pool.Query(ctx, `SELECT `+botUserColumns+` FROM bot_users u
		ORDER BY EXISTS (SELECT 1 FROM bot_user_roles r WHERE r.user_id = u.id) DESC, u.last_seen DESC NULLS LAST, u.id
		LIMIT $1`, lim)
	if err != nil {
		return nil, fmt.Errorf("postgres: list users: %w", err)
	}
	defer rows.Close()
	var out []bot.User
	for rows.Next() {
		u, err := scanBotUser(rows)
		if err != nil {
			return nil, fmt.Errorf("postgres: list users: %w", err)
		}
		out = append(out, *u)
	}
	return out, rows.Err()
}

// SetRole implements bot.UserStore.
func (db *DB) SetRole(ctx context.Context, userID int64, role bot.Role, on bool, by int64, now time.Time) (bool, error) {
	name, ok := botStoredRoles[role]
	if !ok {
		return false, fmt.Errorf("postgres: role %s is not granted in the chat", role)
	}
	if !on {
		tag, err := db.pool.Exec(ctx, `DELETE FROM bot_user_roles WHERE user_id = $1 AND role = $2`, userID, name)
		if err != nil {
			return false, fmt.Errorf("postgres: revoke role: %w", err)
		}
		return tag.RowsAffected() > 0, nil
	}
	var changed bool
	err := pgx.BeginFunc(ctx, db.pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `INSERT INTO bot_users (id) VALUES ($1) ON CONFLICT (id) DO NOTHING`, userID); err != nil {
			return err
		}
		tag, err := tx.Exec(ctx, `INSERT INTO bot_user_roles (user_id, role, granted_by, granted_at) VALUES ($1, $2, $3, $4)
			ON CONFLICT (user_id, role) DO NOTHING`, userID, name, by, now)
		changed = tag.RowsAffected() > 0
		return err
	})
	if err != nil {
		return false, fmt.Errorf("postgres: grant role: %w", err)
	}
	return changed, nil
}

const botStateColumns = `chat_id, kind, data, expires_at, updated_at`

func scanBotState(row pgx.Row) (*bot.State, error) {
	var st bot.State
	var data []byte
	var expires *time.Time
	if err := row.Scan(&st.ChatID, &st.Kind, &data, &expires, &st.Updated); err != nil {
		return nil, err
	}
	st.Data, st.Expires = json.RawMessage(data), botTime(expires)
	return &st, nil
}

// GetState implements bot.StateStore.
func (db *DB) GetState(ctx context.Context, chatID int64, kind string) (*bot.State, error) {
	st, err := scanBotState(db.pool.QueryRow(ctx, `SELECT `+botStateColumns+` FROM bot_states WHERE chat_id = $1 AND kind = $2`, chatID, kind))
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, bot.ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("postgres: state: %w", err)
	}
	return st, nil
}

// ActiveState implements bot.StateStore.
func (db *DB) ActiveState(ctx context.Context, chatID int64, now time.Time) (*bot.State, error) {
	st, err := scanBotState(db.pool.QueryRow(ctx, `SELECT `+botStateColumns+` FROM bot_states
		WHERE chat_id = $1 AND (expires_at IS NULL OR expires_at > $2) ORDER BY updated_at DESC, kind LIMIT 1`, chatID, now))
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, bot.ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("postgres: active state: %w", err)
	}
	return st, nil
}

// PutState implements bot.StateStore.
func (db *DB) PutState(ctx context.Context, st bot.State) error {
	data := string(st.Data)
	if data == "" {
		data = "null"
	}
	_, err := db.pool.Exec(ctx, `INSERT INTO bot_states (chat_id, kind, data, expires_at, updated_at) VALUES ($1, $2, $3::jsonb, $4, $5)
		ON CONFLICT (chat_id, kind) DO UPDATE SET data = excluded.data, expires_at = excluded.expires_at, updated_at = excluded.updated_at`,
		st.ChatID, st.Kind, data, botNullTime(st.Expires), st.Updated)
	if err != nil {
		return fmt.Errorf("postgres: put state: %w", err)
	}
	return nil
}

// DeleteState implements bot.StateStore.
func (db *DB) DeleteState(ctx context.Context, chatID int64, kind string) error {
	if _, err := db.pool.Exec(ctx, `DELETE FROM bot_states WHERE chat_id = $1 AND kind = $2`, chatID, kind); err != nil {
		return fmt.Errorf("postgres: delete state: %w", err)
	}
	return nil
}

// RekeyStates implements bot.StateRekeyer. bot_states is vacuumed after, so that no dead tuple pairs a chat
// with its pseudonym.
func (db *DB) RekeyStates(ctx context.Context, chatKey func(int64) int64) (int, error) {
	n := 0
	err := db.inspTx(ctx, "rekey states", func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, `SELECT chat_id, kind FROM bot_states WHERE chat_id <> 0 AND chat_id < $1 FOR UPDATE`, int64(1)<<62)
		if err != nil {
			return err
		}
		type key struct {
			chat int64
			kind string
		}
		old, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (key, error) {
			var k key
			return k, r.Scan(&k.chat, &k.kind)
		})
		if err != nil {
			return err
		}
		for _, k := range old {
			if _, err := tx.Exec(ctx, `INSERT INTO bot_states (chat_id, kind, data, expires_at, updated_at)
				SELECT $1, kind, data, expires_at, updated_at FROM bot_states WHERE chat_id = $2 AND kind = $3
				ON CONFLICT (chat_id, kind) DO NOTHING`, chatKey(k.chat), k.chat, k.kind); err != nil {
				return err
			}
			if _, err := tx.Exec(ctx, `DELETE FROM bot_states WHERE chat_id = $1 AND kind = $2`, k.chat, k.kind); err != nil {
				return err
			}
		}
		n = len(old)
		return nil
	})
	if err != nil || n == 0 {
		return n, err
	}
	if _, err := db.pool.Exec(ctx, `VACUUM bot_states`); err != nil {
		return n, fmt.Errorf("postgres: vacuum bot_states: %w", err)
	}
	return n, nil
}

// DeleteExpiredStates implements bot.StateStore.
func (db *DB) DeleteExpiredStates(ctx context.Context, now time.Time) (int, error) {
	tag, err := db.pool.Exec(ctx, `DELETE FROM bot_states WHERE expires_at IS NOT NULL AND expires_at <= $1`, now)
	if err != nil {
		return 0, fmt.Errorf("postgres: delete expired states: %w", err)
	}
	return int(tag.RowsAffected()), nil
}

const botQuestionColumns = `id, chat_id, user_id, text, answer, verdict, abstained, clauses, version_id, asked_at`

func scanBotQuestion(row pgx.Row, extra ...any) (*bot.Question, error) {
	var q bot.Question
	var clauses []byte
	dest := append([]any{&q.ID, &q.ChatID, &q.UserID, &q.Text, &q.Answer, &q.Verdict, &q.Abstained, &clauses, &q.VersionID, &q.Asked}, extra...)
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

// LogQuestion implements bot.QALog.
func (db *DB) LogQuestion(ctx context.Context, q *bot.Question) (int64, error) {
	clauses := []byte("[]")
	if len(q.Clauses) > 0 {
		var err error
		if clauses, err = json.Marshal(q.Clauses); err != nil {
			return 0, err
		}
	}
	verdict := q.Verdict
	if verdict == "" {
		verdict = "none"
	}
	var id int64
	err := db.pool.QueryRow(ctx, `INSERT INTO bot_questions (chat_id, user_id, text, answer, verdict, abstained, clauses, version_id, asked_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7::jsonb, $8, $9) RETURNING id`, q.ChatID, q.UserID, q.Text, q.Answer, verdict, q.Abstained,
		string(clauses), q.VersionID, q.Asked).Scan(&id)
	if err != nil {
		return 0, fmt.Errorf("postgres: log question: %w", err)
	}
	return id, nil
}

// GetQuestion implements bot.QALog.
func (db *DB) GetQuestion(ctx context.Context, id int64) (*bot.Question, error) {
	q, err := scanBotQuestion(db.pool.QueryRow(ctx, `SELECT `+botQuestionColumns+` FROM bot_questions WHERE id = $1`, id))
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, bot.ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("postgres: question: %w", err)
	}
	return q, nil
}

// PutFeedback implements bot.QALog.
func (db *DB) PutFeedback(ctx context.Context, f bot.Feedback) error {
	tag, err := db.pool.Exec(ctx, `INSERT INTO bot_feedback (question_id, user_id, helpful, reason, note, rated_at)
		SELECT $1, $2, $3, $4, $5, $6 WHERE EXISTS (SELECT 1 FROM bot_questions WHERE id = $1)
		ON CONFLICT (question_id, user_id) DO UPDATE SET helpful = excluded.helpful, reason = excluded.reason,
			note = excluded.note, rated_at = excluded.rated_at`,
		f.QuestionID, f.UserID, f.Helpful, string(f.Reason), f.Note, f.Rated)
	if err != nil {
		return fmt.Errorf("postgres: put feedback: %w", err)
	}
	if tag.RowsAffected() == 0 {
		return bot.ErrNotFound
	}
	return nil
}

// UncoveredQuestions implements bot.QALog.
func (db *DB) UncoveredQuestions(ctx context.Context, since time.Time, limit int) ([]bot.Question, error) {
	var lim *int
	if limit > 0 {
		lim = &limit
	}
	rows, err := db.pool.Query(ctx, `SELECT `+botQuestionColumns+` FROM bot_questions
		WHERE abstained AND asked_at >= $1 ORDER BY id DESC LIMIT $2`, since, lim)
	if err != nil {
		return nil, fmt.Errorf("postgres: uncovered questions: %w", err)
	}
	defer rows.Close()
	var out []bot.Question
	for rows.Next() {
		q, err := scanBotQuestion(rows)
		if err != nil {
			return nil, fmt.Errorf("postgres: uncovered questions: %w", err)
		}
		out = append(out, *q)
	}
	return out, rows.Err()
}

// DownRated implements bot.QALog.
func (db *DB) DownRated(ctx context.Context, since time.Time, limit int) ([]bot.RatedQuestion, error) {
	var lim *int
	if limit > 0 {
		lim = &limit
	}
	rows, err := db.pool.Query(ctx, `SELECT q.id, q.chat_id, q.user_id, q.text, q.answer, q.verdict, q.abstained, q.clauses,
			q.version_id, q.asked_at,
			count(*) FILTER (WHERE f.helpful), count(*) FILTER (WHERE NOT f.helpful),
			coalesce(array_agg(f.reason ORDER BY f.reason) FILTER (WHERE NOT f.helpful AND f.reason <> ''), '{}'),
			coalesce(array_agg(f.note ORDER BY f.note) FILTER (WHERE NOT f.helpful AND f.note <> ''), '{}')
		FROM bot_questions q JOIN bot_feedback f ON f.question_id = q.id
		WHERE q.asked_at >= $1
		GROUP BY q.id HAVING count(*) FILTER (WHERE NOT f.helpful) > 0
		ORDER BY count(*) FILTER (WHERE NOT f.helpful) DESC, q.id DESC LIMIT $2`, since, lim)
	if err != nil {
		return nil, fmt.Errorf("postgres: down-rated: %w", err)
	}
	defer rows.Close()
	var out []bot.RatedQuestion
	for rows.Next() {
		var up, down int64
		var reasons, notes []string
		q, err := scanBotQuestion(rows, &up, &down, &reasons, &notes)
		if err != nil {
			return nil, fmt.Errorf("postgres: down-rated: %w", err)
		}
		rq := bot.RatedQuestion{Question: *q, Up: int(up), Down: int(down)}
		for _, r := range reasons {
			rq.Reasons = append(rq.Reasons, bot.Reason(r))
		}
		if len(notes) > 0 {
			rq.Notes = notes
		}
		// Sorted in Go as well: the database's collation may order text differently.
		slices.Sort(rq.Reasons)
		slices.Sort(rq.Notes)
		out = append(out, rq)
	}
	return out, rows.Err()
}
