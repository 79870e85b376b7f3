package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/conductbot/conductbot/bot"
)

var (
	_ bot.UserStore  = (*DB)(nil)
	_ bot.StateStore = (*DB)(nil)
	_ bot.QALog      = (*DB)(nil)
)

// botTime is a stored nullable time: NULL for the zero time.
func botTime(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return formatTime(t)
}

func botParseTime(s sql.NullString) (time.Time, error) {
	if !s.Valid || s.String == "" {
		return time.Time{}, nil
	}
	return parseTime(s.String)
}

func botBool(b bool) int {
	if b {
		return 1
	}
	return 0
}

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
	(SELECT group_concat(role) FROM bot_user_roles r WHERE r.user_id = u.id)`

func scanUser(row interface{ Scan(...any) error }) (*bot.User, error) {
	var u bot.User
	var first, last, roles sql.NullString
	if err := row.Scan(&u.ID, &u.Username, &u.Name, &first, &last, &roles); err != nil {
		return nil, err
	}
	var err1, err2 error
	u.FirstSeen, err1 = botParseTime(first)
	u.LastSeen, err2 = botParseTime(last)
	u.Granted = parseRoles(roles)
	return &u, errors.Join(err1, err2)
}

// SeeUser implements bot.UserStore.
func (db *DB) SeeUser(ctx context.Context, id bot.Identity, now time.Time) (*bot.User, error) {
	hour := formatTime(now.Truncate(time.Hour))
	_, err := db.db.ExecContext(ctx, `INSERT INTO bot_users (id, username, name, first_seen, last_seen) VALUES (?, ?, ?, ?, ?)
		ON CONFLICT (id) DO UPDATE SET username = excluded.username, name = excluded.name,
			first_seen = coalesce(bot_users.first_seen, excluded.first_seen), last_seen = excluded.last_seen`,
		id.ID, id.Username, id.Name, hour, hour)
	if err != nil {
		return nil, fmt.Errorf("sqlite: see user: %w", err)
	}
	return db.GetUser(ctx, id.ID)
}

// GetUser implements bot.UserStore.
func (db *DB) GetUser(ctx context.Context, id int64) (*bot.User, error) {
	u, err := scanUser(db.db.QueryRowContext(ctx, `SELECT `+userColumns+` FROM bot_users u WHERE u.id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, bot.ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("sqlite: user: %w", err)
	}
	return u, nil
}

// FindUser implements bot.UserStore.
func (db *DB) FindUser(ctx context.Context, username string) (*bot.User, error) {
	username = strings.TrimPrefix(username, "@")
	if username == "" {
		return nil, bot.ErrNotFound
	}
	u, err := scanUser(db.db.QueryRowContext(ctx, `SELECT `+userColumns+` FROM bot_users u
		WHERE lower(u.username) = lower(?) AND u.username <> '' ORDER BY u.last_seen DESC NULLS LAST, u.id LIMIT 1`, username))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, bot.ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("sqlite: find user: %w", err)
	}
	return u, nil
}

// ListUsers implements bot.UserStore.
func (db *DB) ListUsers(ctx context.Context, limit int) ([]bot.User, error) {
	if limit <= 0 {
		limit = -1
	}
	rows, err := db.db.QueryContext(ctx, `SELECT `+userColumns+` FROM bot_users u
		ORDER BY EXISTS (SELECT 1 FROM bot_user_roles r WHERE r.user_id = u.id) DESC, u.last_seen DESC NULLS LAST, u.id
		LIMIT ?`, limit)
	if err != nil {
		return nil, fmt.Errorf("sqlite: list users: %w", err)
	}
	defer rows.Close()
	var out []bot.User
	for rows.Next() {
		u, err := scanUser(rows)
		if err != nil {
			return nil, fmt.Errorf("sqlite: list users: %w", err)
		}
		out = append(out, *u)
	}
	return out, rows.Err()
}

// SetRole implements bot.UserStore.
func (db *DB) SetRole(ctx context.Context, userID int64, role bot.Role, on bool, by int64, now time.Time) (bool, error) {
	name, ok := storedRoles[role]
	if !ok {
		return false, fmt.Errorf("sqlite: role %s is not granted in the chat", role)
	}
	tx, err := db.db.BeginTx(ctx, nil)
	if err != nil {
		return false, fmt.Errorf("sqlite: set role: %w", err)
	}
	defer tx.Rollback()
	var res sql.Result
	if on {
		if _, err := tx.ExecContext(ctx, `INSERT INTO bot_users (id) VALUES (?) ON CONFLICT (id) DO NOTHING`, userID); err != nil {
			return false, fmt.Errorf("sqlite: set role: %w", err)
		}
		res, err = tx.ExecContext(ctx, `INSERT INTO bot_user_roles (user_id, role, granted_by, granted_at) VALUES (?, ?, ?, ?)
			ON CONFLICT (user_id, role) DO NOTHING`, userID, name, by, formatTime(now))
	} else {
		res, err = tx.ExecContext(ctx, `DELETE FROM bot_user_roles WHERE user_id = ? AND role = ?`, userID, name)
	}
	if err != nil {
		return false, fmt.Errorf("sqlite: set role: %w", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, fmt.Errorf("sqlite: set role: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return false, fmt.Errorf("sqlite: set role: %w", err)
	}
	return n > 0, nil
}

const stateColumns = `chat_id, kind, data, expires_at, updated_at`

func scanState(row interface{ Scan(...any) error }) (*bot.State, error) {
	var st bot.State
	var data, updated string
	var expires sql.NullString
	if err := row.Scan(&st.ChatID, &st.Kind, &data, &expires, &updated); err != nil {
		return nil, err
	}
	st.Data = json.RawMessage(data)
	var err1, err2 error
	st.Expires, err1 = botParseTime(expires)
	st.Updated, err2 = parseTime(updated)
	return &st, errors.Join(err1, err2)
}

// GetState implements bot.StateStore.
func (db *DB) GetState(ctx context.Context, chatID int64, kind string) (*bot.State, error) {
	st, err := scanState(db.db.QueryRowContext(ctx, `SELECT `+stateColumns+` FROM bot_states WHERE chat_id = ? AND kind = ?`, chatID, kind))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, bot.ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("sqlite: state: %w", err)
	}
	return st, nil
}

// ActiveState implements bot.StateStore.
func (db *DB) ActiveState(ctx context.Context, chatID int64, now time.Time) (*bot.State, error) {
	st, err := scanState(db.db.QueryRowContext(ctx, `SELECT `+stateColumns+` FROM bot_states
		WHERE chat_id = ? AND (expires_at IS NULL OR expires_at > ?) ORDER BY updated_at DESC, kind LIMIT 1`, chatID, formatTime(now)))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, bot.ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("sqlite: active state: %w", err)
	}
	return st, nil
}

// PutState implements bot.StateStore.
func (db *DB) PutState(ctx context.Context, st bot.State) error {
	data := string(st.Data)
	if data == "" {
		data = "null"
	}
	_, err := db.db.ExecContext(ctx, `INSERT INTO bot_states (chat_id, kind, data, expires_at, updated_at) VALUES (?, ?, ?, ?, ?)
		ON CONFLICT (chat_id, kind) DO UPDATE SET data = excluded.data, expires_at = excluded.expires_at, updated_at = excluded.updated_at`,
		st.ChatID, st.Kind, data, botTime(st.Expires), formatTime(st.Updated))
	if err != nil {
		return fmt.Errorf("sqlite: put state: %w", err)
	}
	return nil
}

// DeleteState implements bot.StateStore.
func (db *DB) DeleteState(ctx context.Context, chatID int64, kind string) error {
	if _, err := db.db.ExecContext(ctx, `DELETE FROM bot_states WHERE chat_id = ? AND kind = ?`, chatID, kind); err != nil {
		return fmt.Errorf("sqlite: delete state: %w", err)
	}
	return nil
}

// DeleteExpiredStates implements bot.StateStore.
func (db *DB) DeleteExpiredStates(ctx context.Context, now time.Time) (int, error) {
	res, err := db.db.ExecContext(ctx, `DELETE FROM bot_states WHERE expires_at IS NOT NULL AND expires_at <= ?`, formatTime(now))
	if err != nil {
		return 0, fmt.Errorf("sqlite: delete expired states: %w", err)
	}
	n, err := res.RowsAffected()
	return int(n), err
}

// RekeyStates implements bot.StateRekeyer. The write-ahead log is checkpointed after, so that no frame pairs a
// chat with its pseudonym.
func (db *DB) RekeyStates(ctx context.Context, chatKey func(int64) int64) (int, error) {
	n := 0
	err := db.inspTx(ctx, "rekey states", func(tx *sql.Tx) error {
		rows, err := tx.QueryContext(ctx, `SELECT chat_id, kind FROM bot_states WHERE chat_id <> 0 AND chat_id < ?`, int64(1)<<62)
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
				SELECT ?, kind, data, expires_at, updated_at FROM bot_states WHERE chat_id = ? AND kind = ?
				ON CONFLICT (chat_id, kind) DO NOTHING`, chatKey(k.chat), k.chat, k.kind); err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, `DELETE FROM bot_states WHERE chat_id = ? AND kind = ?`, k.chat, k.kind); err != nil {
				return err
			}
		}
		n = len(old)
		return nil
	})
	if err != nil || n == 0 {
		return n, err
	}
	return n, db.checkpoint(ctx)
}

const questionColumns = `id, chat_id, user_id, text, answer, verdict, abstained, clauses, version_id, asked_at`

func scanQuestion(row interface{ Scan(...any) error }) (*bot.Question, error) {
	var q bot.Question
	var abstained int
	var clauses, asked string
	if err := row.Scan(&q.ID, &q.ChatID, &q.UserID, &q.Text, &q.Answer, &q.Verdict, &abstained, &clauses, &q.VersionID, &asked); err != nil {
		return nil, err
	}
	q.Abstained = abstained == 1
	err1 := json.Unmarshal([]byte(clauses), &q.Clauses)
	if len(q.Clauses) == 0 {
		q.Clauses = nil
	}
	var err2 error
	q.Asked, err2 = parseTime(asked)
	return &q, errors.Join(err1, err2)
}

// LogQuestion implements bot.QALog.
func (db *DB) LogQuestion(ctx context.Context, q *bot.Question) (int64, error) {
	clauses, err := json.Marshal(q.Clauses)
	if err != nil {
		return 0, err
	}
	if q.Clauses == nil {
		clauses = []byte("[]")
	}
	verdict := q.Verdict
	if verdict == "" {
		verdict = "none"
	}
	res, err := db.db.ExecContext(ctx, `INSERT INTO bot_questions (chat_id, user_id, text, answer, verdict, abstained, clauses, version_id, asked_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`, q.ChatID, q.UserID, q.Text, q.Answer, verdict, botBool(q.Abstained), string(clauses),
		q.VersionID, formatTime(q.Asked))
	if err != nil {
		return 0, fmt.Errorf("sqlite: log question: %w", err)
	}
	return res.LastInsertId()
}

// GetQuestion implements bot.QALog.
func (db *DB) GetQuestion(ctx context.Context, id int64) (*bot.Question, error) {
	q, err := scanQuestion(db.db.QueryRowContext(ctx, `SELECT `+questionColumns+` FROM bot_questions WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, bot.ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("sqlite: question: %w", err)
	}
	return q, nil
}

// PutFeedback implements bot.QALog.
func (db *DB) PutFeedback(ctx context.Context, f bot.Feedback) error {
	res, err := db.db.ExecContext(ctx, `INSERT INTO bot_feedback (question_id, user_id, helpful, reason, note, rated_at)
		SELECT ?, ?, ?, ?, ?, ? WHERE EXISTS (SELECT 1 FROM bot_questions WHERE id = ?)
		ON CONFLICT (question_id, user_id) DO UPDATE SET helpful = excluded.helpful, reason = excluded.reason,
			note = excluded.note, rated_at = excluded.rated_at`,
		f.QuestionID, f.UserID, botBool(f.Helpful), string(f.Reason), f.Note, formatTime(f.Rated), f.QuestionID)
	if err != nil {
		return fmt.Errorf("sqlite: put feedback: %w", err)
	}
	if n, err := res.RowsAffected(); err == nil && n == 0 {
		return bot.ErrNotFound
	}
	return nil
}

// UncoveredQuestions implements bot.QALog.
func (db *DB) UncoveredQuestions(ctx context.Context, since time.Time, limit int) ([]bot.Question, error) {
	if limit <= 0 {
		limit = -1
	}
	rows, err := db.db.QueryContext(ctx, `SELECT `+questionColumns+` FROM bot_questions
		WHERE abstained = 1 AND asked_at >= ? ORDER BY id DESC LIMIT ?`, formatTime(since), limit)
	if err != nil {
		return nil, fmt.Errorf("sqlite: uncovered questions: %w", err)
	}
	defer rows.Close()
	var out []bot.Question
	for rows.Next() {
		q, err := scanQuestion(rows)
		if err != nil {
			return nil, fmt.Errorf("sqlite: uncovered questions: %w", err)
		}
		out = append(out, *q)
	}
	return out, rows.Err()
}

// DownRated implements bot.QALog.
func (db *DB) DownRated(ctx context.Context, since time.Time, limit int) ([]bot.RatedQuestion, error) {
	if limit <= 0 {
		limit = -1
	}
	rows, err := db.db.QueryContext(ctx, `SELECT q.id, q.chat_id, q.user_id, q.text, q.answer, q.verdict, q.abstained, q.clauses,
			q.version_id, q.asked_at, sum(f.helpful), sum(1 - f.helpful) AS down
		FROM bot_questions q JOIN bot_feedback f ON f.question_id = q.id
		WHERE q.asked_at >= ?
		GROUP BY q.id HAVING down > 0
		ORDER BY down DESC, q.id DESC LIMIT ?`, formatTime(since), limit)
	if err != nil {
		return nil, fmt.Errorf("sqlite: down-rated: %w", err)
	}
	var out []bot.RatedQuestion
	byID := map[int64]int{}
	for rows.Next() {
		var rq bot.RatedQuestion
		var abstained int
		var clauses, asked string
		if err := rows.Scan(&rq.ID, &rq.ChatID, &rq.UserID, &rq.Text, &rq.Answer, &rq.Verdict, &abstained, &clauses,
			&rq.VersionID, &asked, &rq.Up, &rq.Down); err != nil {
			rows.Close()
			return nil, fmt.Errorf("sqlite: down-rated: %w", err)
		}
		rq.Abstained = abstained == 1
		_ = json.Unmarshal([]byte(clauses), &rq.Clauses)
		if len(rq.Clauses) == 0 {
			rq.Clauses = nil
		}
		rq.Asked, err = parseTime(asked)
		if err != nil {
			rows.Close()
			return nil, err
		}
		byID[rq.ID] = len(out)
		out = append(out, rq)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: down-rated: %w", err)
	}
	if len(out) == 0 {
		return nil, nil
	}
	// The reasons and notes of the 👎 ratings, read after the first query is closed (see Memory).
	ids := make([]any, 0, len(out)+1)
	marks := make([]string, 0, len(out))
	for _, rq := range out {
		ids = append(ids, rq.ID)
		marks = append(marks, "?")
	}
	rrows, err := db.db.QueryContext(ctx, `SELECT question_id, reason, note FROM bot_feedback
		WHERE helpful = 0 AND question_id IN (`+strings.Join(marks, ",")+`)`, ids...)
	if err != nil {
		return nil, fmt.Errorf("sqlite: down-rated reasons: %w", err)
	}
	defer rrows.Close()
	for rrows.Next() {
		var id int64
		var reason, note string
		if err := rrows.Scan(&id, &reason, &note); err != nil {
			return nil, fmt.Errorf("sqlite: down-rated reasons: %w", err)
		}
		rq := &out[byID[id]]
		if reason != "" {
			rq.Reasons = append(rq.Reasons, bot.Reason(reason))
		}
		if note != "" {
			rq.Notes = append(rq.Notes, note)
		}
	}
	for i := range out {
		slices.Sort(out[i].Reasons)
		slices.Sort(out[i].Notes)
	}
	return out, rrows.Err()
}
