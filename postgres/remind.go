package postgres

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/conductbot/conductbot/remind"
	"github.com/conductbot/conductbot/workday"
)

var _ remind.Store = (*DB)(nil)

func nullTime(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}

func fromNull(t *time.Time) time.Time {
	if t == nil {
		return time.Time{}
	}
	return *t
}

// Subscription implements remind.Store.
func (db *DB) Subscription(ctx context.Context, chatID int64) (*remind.Subscription, error) {
	var s remind.Subscription
	err := db.pool.QueryRow(ctx, `SELECT chat_id, is_group, minute, enabled, reason, set_by, updated_at
		FROM remind_subscriptions WHERE chat_id = $1`, chatID).
		Scan(&s.ChatID, &s.Group, &s.Minute, &s.Enabled, &s.Reason, &s.SetBy, &s.Updated)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, remind.ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("postgres: subscription: %w", err)
	}
	return &s, nil
}

// PutSubscription implements remind.Store.
func (db *DB) PutSubscription(ctx context.Context, s remind.Subscription) error {
	_, err := db.pool.Exec(ctx, `INSERT INTO remind_subscriptions (chat_id, is_group, minute, enabled, reason, set_by, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7)
		ON CONFLICT (chat_id) DO UPDATE SET is_group = excluded.is_group, minute = excluded.minute,
			enabled = excluded.enabled, reason = excluded.reason, set_by = excluded.set_by, updated_at = excluded.updated_at`,
		s.ChatID, s.Group, s.Minute, s.Enabled, s.Reason, s.SetBy, s.Updated)
	if err != nil {
		return fmt.Errorf("postgres: put subscription: %w", err)
	}
	return nil
}

// Subscriptions implements remind.Store.
func (db *DB) Subscriptions(ctx context.Context, groups, enabledOnly bool) ([]remind.Subscription, error) {
	rows, err := db.pool.Query(ctx, `SELECT chat_id, is_group, minute, enabled, reason, set_by, updated_at
		FROM remind_subscriptions WHERE is_group = $1 AND (enabled OR NOT $2) ORDER BY chat_id`, groups, enabledOnly)
	if err != nil {
		return nil, fmt.Errorf("postgres: subscriptions: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (remind.Subscription, error) {
		var s remind.Subscription
		err := r.Scan(&s.ChatID, &s.Group, &s.Minute, &s.Enabled, &s.Reason, &s.SetBy, &s.Updated)
		return s, err
	})
	if err != nil {
		return nil, fmt.Errorf("postgres: subscriptions: %w", err)
	}
	return out, nil
}

// CountSubscriptions implements remind.Store.
func (db *DB) CountSubscriptions(ctx context.Context) (users, groups int, err error) {
	err = db.pool.QueryRow(ctx, `SELECT count(*) FILTER (WHERE NOT is_group), count(*) FILTER (WHERE is_group)
		FROM remind_subscriptions WHERE enabled`).Scan(&users, &groups)
	if err != nil {
		return 0, 0, fmt.Errorf("postgres: count subscriptions: %w", err)
	}
	return users, groups, nil
}

// Schedule implements remind.Store.
func (db *DB) Schedule(ctx context.Context, day workday.Date, minute int, now time.Time) (int, error) {
	tag, err := db.pool.Exec(ctx, `INSERT INTO remind_deliveries (day, chat_id, created_at)
		SELECT $1::date, s.chat_id, $3 FROM remind_subscriptions s
		WHERE s.enabled AND s.minute <= $2
		  AND NOT EXISTS (SELECT 1 FROM remind_deliveries d WHERE d.day = $1::date AND d.chat_id = s.chat_id)
		ON CONFLICT (day, chat_id) DO NOTHING`, day.String(), minute, now)
	if err != nil {
		return 0, fmt.Errorf("postgres: schedule reminders: %w", err)
	}
	return int(tag.RowsAffected()), nil
}

// Claim implements remind.Store: the candidates are locked with FOR UPDATE SKIP LOCKED, so concurrent claims
// (of this or another process) never take the same delivery, and leased in the same statement.
func (db *DB) Claim(ctx context.Context, day workday.Date, minute int, owner string, now, leaseUntil time.Time, limit int) ([]remind.Delivery, error) {
	rows, err := db.pool.Query(ctx, `UPDATE remind_deliveries d SET lease_owner = $3, lease_until = $5
		FROM (
			SELECT c.day, c.chat_id, s.minute FROM remind_deliveries c
			JOIN remind_subscriptions s ON s.chat_id = c.chat_id
			WHERE c.day = $1::date AND c.state = 'pending'
			  AND (c.lease_until IS NULL OR c.lease_until <= $4)
			  AND (c.not_before IS NULL OR c.not_before <= $4)
			  AND s.enabled AND s.minute <= $2
			ORDER BY s.minute, c.chat_id
			LIMIT $6
			FOR UPDATE OF c SKIP LOCKED
		) picked
		WHERE d.day = picked.day AND d.chat_id = picked.chat_id
		RETURNING d.day::text, d.chat_id, d.state, d.attempts, d.not_before, d.lease_owner, d.lease_until,
			d.message_id, d.sent_at, d.last_error, picked.minute`,
		day.String(), minute, owner, now, leaseUntil, limit)
	if err != nil {
		return nil, fmt.Errorf("postgres: claim reminders: %w", err)
	}
	type claimed struct {
		d      remind.Delivery
		minute int
	}
	cs, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (claimed, error) {
		var c claimed
		d, err := scanDelivery(r, &c.minute)
		if d != nil {
			c.d = *d
		}
		return c, err
	})
	if err != nil {
		return nil, fmt.Errorf("postgres: claim reminders: %w", err)
	}
	// RETURNING does not keep the subquery's order.
	slices.SortFunc(cs, func(a, b claimed) int {
		if a.minute != b.minute {
			return a.minute - b.minute
		}
		return cmp.Compare(a.d.ChatID, b.d.ChatID)
	})
	out := make([]remind.Delivery, len(cs))
	for i, c := range cs {
		out[i] = c.d
	}
	return out, nil
}

func scanDelivery(r pgx.Row, extra ...any) (*remind.Delivery, error) {
	var d remind.Delivery
	var day string
	var notBefore, leaseUntil, sentAt *time.Time
	var msgID int64
	dest := append([]any{&day, &d.ChatID, &d.State, &d.Attempts, &notBefore, &d.LeaseOwner, &leaseUntil, &msgID, &sentAt,
		&d.LastError}, extra...)
	if err := r.Scan(dest...); err != nil {
		return nil, err
	}
	var err error
	if d.Day, err = workday.ParseDate(day); err != nil {
		return nil, err
	}
	d.NotBefore, d.LeaseUntil, d.SentAt, d.MessageID = fromNull(notBefore), fromNull(leaseUntil), fromNull(sentAt), int(msgID)
	return &d, nil
}

// MarkSent implements remind.Store.
func (db *DB) MarkSent(ctx context.Context, day workday.Date, chatID int64, owner string, messageID int, now time.Time) (bool, error) {
	var ok bool
	err := db.pool.QueryRow(ctx, `WITH old AS (
			SELECT lease_owner, state FROM remind_deliveries WHERE day = $1::date AND chat_id = $2 FOR UPDATE)
		UPDATE remind_deliveries d SET state = 'sent', message_id = $4, sent_at = $5, lease_owner = '', lease_until = NULL
		FROM old WHERE d.day = $1::date AND d.chat_id = $2
		RETURNING old.lease_owner = $3 AND old.state = 'pending'`,
		day.String(), chatID, owner, int64(messageID), now).Scan(&ok)
	if errors.Is(err, pgx.ErrNoRows) {
		return false, remind.ErrNotFound
	}
	if err != nil {
		return false, fmt.Errorf("postgres: mark reminder sent: %w", err)
	}
	return ok, nil
}

// MarkBlocked implements remind.Store.
func (db *DB) MarkBlocked(ctx context.Context, day workday.Date, chatID int64, owner string, now time.Time) error {
	tx, err := db.pool.Begin(ctx)
	if err != nil {
		return fmt.Errorf("postgres: mark chat blocked: %w", err)
	}
	defer rollback(ctx, tx)
	tag, err := tx.Exec(ctx, `UPDATE remind_deliveries SET state = 'blocked', lease_owner = '', lease_until = NULL
		WHERE day = $1::date AND chat_id = $2`, day.String(), chatID)
	if err != nil {
		return fmt.Errorf("postgres: mark chat blocked: %w", err)
	}
	if tag.RowsAffected() == 0 {
		return remind.ErrNotFound
	}
	if _, err := tx.Exec(ctx, `UPDATE remind_subscriptions SET enabled = false, reason = 'blocked', updated_at = $2
		WHERE chat_id = $1`, chatID, now); err != nil {
		return fmt.Errorf("postgres: mark chat blocked: %w", err)
	}
	if err := tx.Commit(ctx); err != nil {
		return fmt.Errorf("postgres: mark chat blocked: commit: %w", err)
	}
	return nil
}

// Release implements remind.Store.
func (db *DB) Release(ctx context.Context, day workday.Date, chatID int64, owner string, notBefore time.Time, failed bool, lastError string, maxAttempts int) error {
	_, err := db.pool.Exec(ctx, `UPDATE remind_deliveries SET lease_owner = '', lease_until = NULL, not_before = $4,
			attempts = attempts + CASE WHEN $5 THEN 1 ELSE 0 END,
			last_error = CASE WHEN $5 THEN $6 ELSE last_error END,
			state = CASE WHEN $5 AND attempts + 1 >= $7 THEN 'failed' ELSE state END
		WHERE day = $1::date AND chat_id = $2 AND lease_owner = $3 AND state = 'pending'`,
		day.String(), chatID, owner, nullTime(notBefore), failed, lastError, maxAttempts)
	if err != nil {
		return fmt.Errorf("postgres: release reminder: %w", err)
	}
	return nil
}

// Delivery implements remind.Store.
func (db *DB) Delivery(ctx context.Context, day workday.Date, chatID int64) (*remind.Delivery, error) {
	d, err := scanDelivery(db.pool.QueryRow(ctx, `SELECT day::text, chat_id, state, attempts, not_before, lease_owner,
		lease_until, message_id, sent_at, last_error FROM remind_deliveries WHERE day = $1::date AND chat_id = $2`,
		day.String(), chatID))
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, remind.ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("postgres: reminder delivery: %w", err)
	}
	return d, nil
}

// DeliveryCounts implements remind.Store.
func (db *DB) DeliveryCounts(ctx context.Context, since workday.Date) (map[string]int, error) {
	rows, err := db.pool.Query(ctx, `SELECT state, count(*) FROM remind_deliveries WHERE day >= $1::date GROUP BY state`,
		since.String())
	if err != nil {
		return nil, fmt.Errorf("postgres: reminder counts: %w", err)
	}
	defer rows.Close()
	out := map[string]int{}
	for rows.Next() {
		var state string
		var n int
		if err := rows.Scan(&state, &n); err != nil {
			return nil, fmt.Errorf("postgres: reminder counts: %w", err)
		}
		out[state] = n
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("postgres: reminder counts: %w", err)
	}
	return out, nil
}

const planColumns = `day::text, version_id, clause_id, clause_cycle, title, text, reading, question_id, question_cycle,
	question, created_at`

func scanPlan(r pgx.Row) (*remind.DayPlan, error) {
	var p remind.DayPlan
	var day string
	var q []byte
	if err := r.Scan(&day, &p.VersionID, &p.ClauseID, &p.ClauseCycle, &p.Title, &p.Text, &p.Reading, &p.QuestionID,
		&p.QuestionCycle, &q, &p.Created); err != nil {
		return nil, err
	}
	var err error
	if p.Day, err = workday.ParseDate(day); err != nil {
		return nil, err
	}
	if err := json.Unmarshal(q, &p.Question); err != nil {
		return nil, fmt.Errorf("question of %s: %w", day, err)
	}
	return &p, nil
}

// DayPlan implements remind.Store.
func (db *DB) DayPlan(ctx context.Context, day workday.Date) (*remind.DayPlan, error) {
	p, err := scanPlan(db.pool.QueryRow(ctx, `SELECT `+planColumns+` FROM remind_day_plans WHERE day = $1::date`, day.String()))
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, remind.ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("postgres: day plan: %w", err)
	}
	return p, nil
}

// PutDayPlan implements remind.Store.
func (db *DB) PutDayPlan(ctx context.Context, p remind.DayPlan) (*remind.DayPlan, error) {
	q, err := json.Marshal(p.Question)
	if err != nil {
		return nil, fmt.Errorf("postgres: put day plan: %w", err)
	}
	if _, err := db.pool.Exec(ctx, `INSERT INTO remind_day_plans (day, version_id, clause_id, clause_cycle, title, text,
			reading, question_id, question_cycle, question, created_at)
		VALUES ($1::date, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) ON CONFLICT (day) DO NOTHING`,
		p.Day.String(), p.VersionID, p.ClauseID, p.ClauseCycle, p.Title, p.Text, p.Reading, p.QuestionID,
		p.QuestionCycle, q, p.Created); err != nil {
		return nil, fmt.Errorf("postgres: put day plan: %w", err)
	}
	return db.DayPlan(ctx, p.Day)
}

// DayPlans implements remind.Store.
func (db *DB) DayPlans(ctx context.Context, before workday.Date, limit int) ([]remind.DayPlan, error) {
	rows, err := db.pool.Query(ctx, `SELECT `+planColumns+` FROM remind_day_plans WHERE day < $1::date
		ORDER BY day DESC LIMIT $2`, before.String(), limit)
	if err != nil {
		return nil, fmt.Errorf("postgres: day plans: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (remind.DayPlan, error) {
		p, err := scanPlan(r)
		if err != nil {
			return remind.DayPlan{}, err
		}
		return *p, nil
	})
	if err != nil {
		return nil, fmt.Errorf("postgres: day plans: %w", err)
	}
	return out, nil
}

// PutAnswer implements remind.Store.
func (db *DB) PutAnswer(ctx context.Context, a remind.Answer) (*remind.Answer, bool, error) {
	tag, err := db.pool.Exec(ctx, `INSERT INTO remind_answers (day, user_id, chat_id, question_id, choice, correct, answered_at)
		VALUES ($1::date, $2, $3, $4, $5, $6, $7) ON CONFLICT (day, user_id) DO NOTHING`,
		a.Day.String(), a.UserID, a.ChatID, a.QuestionID, a.Choice, a.Correct, a.Answered)
	if err != nil {
		return nil, false, fmt.Errorf("postgres: put answer: %w", err)
	}
	var s remind.Answer
	var day string
	err = db.pool.QueryRow(ctx, `SELECT day::text, user_id, chat_id, question_id, choice, correct, answered_at
		FROM remind_answers WHERE day = $1::date AND user_id = $2`, a.Day.String(), a.UserID).
		Scan(&day, &s.UserID, &s.ChatID, &s.QuestionID, &s.Choice, &s.Correct, &s.Answered)
	if err != nil {
		return nil, false, fmt.Errorf("postgres: put answer: %w", err)
	}
	if s.Day, err = workday.ParseDate(day); err != nil {
		return nil, false, fmt.Errorf("postgres: put answer: %w", err)
	}
	return &s, tag.RowsAffected() == 1, nil
}

// AnswerCounts implements remind.Store.
func (db *DB) AnswerCounts(ctx context.Context, userID int64) (answered, correct int, err error) {
	err = db.pool.QueryRow(ctx, `SELECT count(*), count(*) FILTER (WHERE correct) FROM remind_answers WHERE user_id = $1`,
		userID).Scan(&answered, &correct)
	if err != nil {
		return 0, 0, fmt.Errorf("postgres: answer counts: %w", err)
	}
	return answered, correct, nil
}

// AnswerStats implements remind.Store.
func (db *DB) AnswerStats(ctx context.Context, since workday.Date) ([]remind.DayStats, int, error) {
	rows, err := db.pool.Query(ctx, `SELECT day::text, count(*), count(*) FILTER (WHERE correct) FROM remind_answers
		WHERE day >= $1::date GROUP BY day ORDER BY day`, since.String())
	if err != nil {
		return nil, 0, fmt.Errorf("postgres: answer stats: %w", err)
	}
	days, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (remind.DayStats, error) {
		var s remind.DayStats
		var day string
		if err := r.Scan(&day, &s.Answered, &s.Correct); err != nil {
			return s, err
		}
		var err error
		s.Day, err = workday.ParseDate(day)
		return s, err
	})
	if err != nil {
		return nil, 0, fmt.Errorf("postgres: answer stats: %w", err)
	}
	var users int
	if err := db.pool.QueryRow(ctx, `SELECT count(DISTINCT user_id) FROM remind_answers WHERE day >= $1::date`,
		since.String()).Scan(&users); err != nil {
		return nil, 0, fmt.Errorf("postgres: answer stats: %w", err)
	}
	return days, users, nil
}

// CalendarYears implements remind.Store.
func (db *DB) CalendarYears(ctx context.Context) (map[int]string, error) {
	rows, err := db.pool.Query(ctx, `SELECT year, source FROM remind_calendars`)
	if err != nil {
		return nil, fmt.Errorf("postgres: calendars: %w", err)
	}
	defer rows.Close()
	out := map[int]string{}
	for rows.Next() {
		var y int
		var s string
		if err := rows.Scan(&y, &s); err != nil {
			return nil, fmt.Errorf("postgres: calendars: %w", err)
		}
		out[y] = s
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("postgres: calendars: %w", err)
	}
	return out, nil
}

// PutCalendarYear implements remind.Store.
func (db *DB) PutCalendarYear(ctx context.Context, year int, text string, now time.Time) error {
	if _, err := db.pool.Exec(ctx, `INSERT INTO remind_calendars (year, source, updated_at) VALUES ($1, $2, $3)
		ON CONFLICT (year) DO UPDATE SET source = excluded.source, updated_at = excluded.updated_at`, year, text, now); err != nil {
		return fmt.Errorf("postgres: put calendar: %w", err)
	}
	return nil
}

// AnsweredChoice implements remind.Store.
func (db *DB) AnsweredChoice(ctx context.Context, day workday.Date, userID int64) (int, bool, error) {
	var choice int
	err := db.pool.QueryRow(ctx, `SELECT choice FROM remind_answers WHERE day = $1::date AND user_id = $2`, day.String(), userID).Scan(&choice)
	if errors.Is(err, pgx.ErrNoRows) {
		return 0, false, nil
	}
	if err != nil {
		return 0, false, fmt.Errorf("postgres: answered choice: %w", err)
	}
	return choice, true, nil
}
