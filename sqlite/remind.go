package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/conductbot/conductbot/remind"
	"github.com/conductbot/conductbot/workday"
)

var _ remind.Store = (*DB)(nil)

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// nullTimeText is a stored time, or NULL for the zero time.
func nullTimeText(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return formatTime(t)
}

func parseNullTime(s sql.NullString) (time.Time, error) {
	if !s.Valid || s.String == "" {
		return time.Time{}, nil
	}
	return parseTime(s.String)
}

type scanner interface{ Scan(dest ...any) error }

const subscriptionColumns = `chat_id, is_group, minute, enabled, reason, set_by, updated_at`

func scanSubscription(r scanner) (*remind.Subscription, error) {
	var s remind.Subscription
	var group, enabled int
	var updated string
	if err := r.Scan(&s.ChatID, &group, &s.Minute, &enabled, &s.Reason, &s.SetBy, &updated); err != nil {
		return nil, err
	}
	s.Group, s.Enabled = group == 1, enabled == 1
	var err error
	s.Updated, err = parseTime(updated)
	return &s, err
}

// Subscription implements remind.Store.
func (db *DB) Subscription(ctx context.Context, chatID int64) (*remind.Subscription, error) {
	s, err := scanSubscription(db.db.QueryRowContext(ctx, `SELECT `+subscriptionColumns+`
		FROM remind_subscriptions WHERE chat_id = ?`, chatID))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, remind.ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("sqlite: subscription: %w", err)
	}
	return s, nil
}

// PutSubscription implements remind.Store.
func (db *DB) PutSubscription(ctx context.Context, s remind.Subscription) error {
	_, err := db.db.ExecContext(ctx, `INSERT INTO remind_subscriptions (chat_id, is_group, minute, enabled, reason, set_by, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (chat_id) DO UPDATE SET is_group = excluded.is_group, minute = excluded.minute,
			enabled = excluded.enabled, reason = excluded.reason, set_by = excluded.set_by, updated_at = excluded.updated_at`,
		s.ChatID, boolInt(s.Group), s.Minute, boolInt(s.Enabled), s.Reason, s.SetBy, formatTime(s.Updated))
	if err != nil {
		return fmt.Errorf("sqlite: put subscription: %w", err)
	}
	return nil
}

// Subscriptions implements remind.Store.
func (db *DB) Subscriptions(ctx context.Context, groups, enabledOnly bool) ([]remind.Subscription, error) {
	rows, err := db.db.QueryContext(ctx, `SELECT `+subscriptionColumns+` FROM remind_subscriptions
		WHERE is_group = ? AND (enabled = 1 OR ? = 0) ORDER BY chat_id`, boolInt(groups), boolInt(enabledOnly))
	if err != nil {
		return nil, fmt.Errorf("sqlite: subscriptions: %w", err)
	}
	defer rows.Close()
	var out []remind.Subscription
	for rows.Next() {
		s, err := scanSubscription(rows)
		if err != nil {
			return nil, fmt.Errorf("sqlite: subscriptions: %w", err)
		}
		out = append(out, *s)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: subscriptions: %w", err)
	}
	return out, nil
}

// CountSubscriptions implements remind.Store.
func (db *DB) CountSubscriptions(ctx context.Context) (users, groups int, err error) {
	err = db.db.QueryRowContext(ctx, `SELECT coalesce(sum(is_group = 0), 0), coalesce(sum(is_group = 1), 0)
		FROM remind_subscriptions WHERE enabled = 1`).Scan(&users, &groups)
	if err != nil {
		return 0, 0, fmt.Errorf("sqlite: count subscriptions: %w", err)
	}
	return users, groups, nil
}

// Schedule implements remind.Store.
func (db *DB) Schedule(ctx context.Context, day workday.Date, minute int, now time.Time) (int, error) {
	res, err := db.db.ExecContext(ctx, `INSERT INTO remind_deliveries (day, chat_id, created_at)
		SELECT ?1, s.chat_id, ?3 FROM remind_subscriptions s
		WHERE s.enabled = 1 AND s.minute <= ?2
		  AND NOT EXISTS (SELECT 1 FROM remind_deliveries d WHERE d.day = ?1 AND d.chat_id = s.chat_id)
		ON CONFLICT (day, chat_id) DO NOTHING`, day.String(), minute, formatTime(now))
	if err != nil {
		return 0, fmt.Errorf("sqlite: schedule reminders: %w", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, fmt.Errorf("sqlite: schedule reminders: %w", err)
	}
	return int(n), nil
}

const deliveryColumns = `day, chat_id, state, attempts, not_before, lease_owner, lease_until, message_id, sent_at,
	last_error`

func scanDelivery(r scanner) (*remind.Delivery, error) {
	var d remind.Delivery
	var day string
	var notBefore, leaseUntil, sentAt sql.NullString
	if err := r.Scan(&day, &d.ChatID, &d.State, &d.Attempts, &notBefore, &d.LeaseOwner, &leaseUntil, &d.MessageID,
		&sentAt, &d.LastError); err != nil {
		return nil, err
	}
	var err error
	if d.Day, err = workday.ParseDate(day); err != nil {
		return nil, err
	}
	if d.NotBefore, err = parseNullTime(notBefore); err != nil {
		return nil, err
	}
	if d.LeaseUntil, err = parseNullTime(leaseUntil); err != nil {
		return nil, err
	}
	if d.SentAt, err = parseNullTime(sentAt); err != nil {
		return nil, err
	}
	return &d, nil
}

// Claim implements remind.Store: one write transaction picks and leases the deliveries, so no other claim (of
// this or another process) sees them free.
func (db *DB) Claim(ctx context.Context, day workday.Date, minute int, owner string, now, leaseUntil time.Time, limit int) ([]remind.Delivery, error) {
	tx, err := db.db.BeginTx(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("sqlite: claim reminders: %w", err)
	}
	defer tx.Rollback()
	nowText := formatTime(now)
	rows, err := tx.QueryContext(ctx, `SELECT d.chat_id FROM remind_deliveries d
		JOIN remind_subscriptions s ON s.chat_id = d.chat_id
		WHERE d.day = ? AND d.state = 'pending'
		  AND (d.lease_until IS NULL OR d.lease_until <= ?)
		  AND (d.not_before IS NULL OR d.not_before <= ?)
		  AND s.enabled = 1 AND s.minute <= ?
		ORDER BY s.minute, d.chat_id
		LIMIT ?`, day.String(), nowText, nowText, minute, limit)
	if err != nil {
		return nil, fmt.Errorf("sqlite: claim reminders: %w", err)
	}
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return nil, fmt.Errorf("sqlite: claim reminders: %w", err)
		}
		ids = append(ids, id)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: claim reminders: %w", err)
	}
	out := make([]remind.Delivery, 0, len(ids))
	for _, id := range ids {
		d, err := scanDelivery(tx.QueryRowContext(ctx, `UPDATE remind_deliveries SET lease_owner = ?, lease_until = ?
			WHERE day = ? AND chat_id = ? RETURNING `+deliveryColumns, owner, formatTime(leaseUntil), day.String(), id))
		if err != nil {
			return nil, fmt.Errorf("sqlite: claim reminders: %w", err)
		}
		out = append(out, *d)
	}
	if err := tx.Commit(); err != nil {
		return nil, fmt.Errorf("sqlite: claim reminders: commit: %w", err)
	}
	return out, nil
}

// MarkSent implements remind.Store.
func (db *DB) MarkSent(ctx context.Context, day workday.Date, chatID int64, owner string, messageID int, now time.Time) (bool, error) {
	tx, err := db.db.BeginTx(ctx, nil)
	if err != nil {
		return false, fmt.Errorf("sqlite: mark reminder sent: %w", err)
	}
	defer tx.Rollback()
	var oldOwner, oldState string
	err = tx.QueryRowContext(ctx, `SELECT lease_owner, state FROM remind_deliveries WHERE day = ? AND chat_id = ?`,
		day.String(), chatID).Scan(&oldOwner, &oldState)
	if errors.Is(err, sql.ErrNoRows) {
		return false, remind.ErrNotFound
	}
	if err != nil {
		return false, fmt.Errorf("sqlite: mark reminder sent: %w", err)
	}
	if _, err := tx.ExecContext(ctx, `UPDATE remind_deliveries SET state = 'sent', message_id = ?, sent_at = ?,
		lease_owner = '', lease_until = NULL WHERE day = ? AND chat_id = ?`, messageID, formatTime(now), day.String(), chatID); err != nil {
		return false, fmt.Errorf("sqlite: mark reminder sent: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return false, fmt.Errorf("sqlite: mark reminder sent: commit: %w", err)
	}
	return oldOwner == owner && oldState == remind.Pending, nil
}

// MarkBlocked implements remind.Store.
func (db *DB) MarkBlocked(ctx context.Context, day workday.Date, chatID int64, owner string, now time.Time) error {
	tx, err := db.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("sqlite: mark chat blocked: %w", err)
	}
	defer tx.Rollback()
	res, err := tx.ExecContext(ctx, `UPDATE remind_deliveries SET state = 'blocked', lease_owner = '', lease_until = NULL
		WHERE day = ? AND chat_id = ?`, day.String(), chatID)
	if err != nil {
		return fmt.Errorf("sqlite: mark chat blocked: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return remind.ErrNotFound
	}
	if _, err := tx.ExecContext(ctx, `UPDATE remind_subscriptions SET enabled = 0, reason = 'blocked', updated_at = ?
		WHERE chat_id = ?`, formatTime(now), chatID); err != nil {
		return fmt.Errorf("sqlite: mark chat blocked: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("sqlite: mark chat blocked: commit: %w", err)
	}
	return nil
}

// Release implements remind.Store.
func (db *DB) Release(ctx context.Context, day workday.Date, chatID int64, owner string, notBefore time.Time, failed bool, lastError string, maxAttempts int) error {
	f := boolInt(failed)
	_, err := db.db.ExecContext(ctx, `UPDATE remind_deliveries SET lease_owner = '', lease_until = NULL, not_before = ?4,
			attempts = attempts + ?5,
			last_error = CASE WHEN ?5 = 1 THEN ?6 ELSE last_error END,
			state = CASE WHEN ?5 = 1 AND attempts + 1 >= ?7 THEN 'failed' ELSE state END
		WHERE day = ?1 AND chat_id = ?2 AND lease_owner = ?3 AND state = 'pending'`,
		day.String(), chatID, owner, nullTimeText(notBefore), f, lastError, maxAttempts)
	if err != nil {
		return fmt.Errorf("sqlite: release reminder: %w", err)
	}
	return nil
}

// Delivery implements remind.Store.
func (db *DB) Delivery(ctx context.Context, day workday.Date, chatID int64) (*remind.Delivery, error) {
	d, err := scanDelivery(db.db.QueryRowContext(ctx, `SELECT `+deliveryColumns+` FROM remind_deliveries
		WHERE day = ? AND chat_id = ?`, day.String(), chatID))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, remind.ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("sqlite: reminder delivery: %w", err)
	}
	return d, nil
}

// DeliveryCounts implements remind.Store.
func (db *DB) DeliveryCounts(ctx context.Context, since workday.Date) (map[string]int, error) {
	rows, err := db.db.QueryContext(ctx, `SELECT state, count(*) FROM remind_deliveries WHERE day >= ? GROUP BY state`,
		since.String())
	if err != nil {
		return nil, fmt.Errorf("sqlite: reminder counts: %w", err)
	}
	defer rows.Close()
	out := map[string]int{}
	for rows.Next() {
		var state string
		var n int
		if err := rows.Scan(&state, &n); err != nil {
			return nil, fmt.Errorf("sqlite: reminder counts: %w", err)
		}
		out[state] = n
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: reminder counts: %w", err)
	}
	return out, nil
}

const planColumns = `day, version_id, clause_id, clause_cycle, title, text, reading, question_id, question_cycle,
	question, created_at`

func scanPlan(r scanner) (*remind.DayPlan, error) {
	var p remind.DayPlan
	var day, q, created string
	if err := r.Scan(&day, &p.VersionID, &p.ClauseID, &p.ClauseCycle, &p.Title, &p.Text, &p.Reading, &p.QuestionID,
		&p.QuestionCycle, &q, &created); err != nil {
		return nil, err
	}
	var err error
	if p.Day, err = workday.ParseDate(day); err != nil {
		return nil, err
	}
	if p.Created, err = parseTime(created); err != nil {
		return nil, err
	}
	if err := json.Unmarshal([]byte(q), &p.Question); err != nil {
		return nil, fmt.Errorf("question of %s: %w", day, err)
	}
	return &p, nil
}

// DayPlan implements remind.Store.
func (db *DB) DayPlan(ctx context.Context, day workday.Date) (*remind.DayPlan, error) {
	p, err := scanPlan(db.db.QueryRowContext(ctx, `SELECT `+planColumns+` FROM remind_day_plans WHERE day = ?`, day.String()))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, remind.ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("sqlite: day plan: %w", err)
	}
	return p, nil
}

// PutDayPlan implements remind.Store.
func (db *DB) PutDayPlan(ctx context.Context, p remind.DayPlan) (*remind.DayPlan, error) {
	q, err := json.Marshal(p.Question)
	if err != nil {
		return nil, fmt.Errorf("sqlite: put day plan: %w", err)
	}
	if _, err := db.db.ExecContext(ctx, `INSERT INTO remind_day_plans (day, version_id, clause_id, clause_cycle, title, text,
			reading, question_id, question_cycle, question, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (day) DO NOTHING`,
		p.Day.String(), p.VersionID, p.ClauseID, p.ClauseCycle, p.Title, p.Text, p.Reading, p.QuestionID,
		p.QuestionCycle, string(q), formatTime(p.Created)); err != nil {
		return nil, fmt.Errorf("sqlite: put day plan: %w", err)
	}
	return db.DayPlan(ctx, p.Day)
}

// DayPlans implements remind.Store.
func (db *DB) DayPlans(ctx context.Context, before workday.Date, limit int) ([]remind.DayPlan, error) {
	rows, err := db.db.QueryContext(ctx, `SELECT `+planColumns+` FROM remind_day_plans WHERE day < ?
		ORDER BY day DESC LIMIT ?`, before.String(), limit)
	if err != nil {
		return nil, fmt.Errorf("sqlite: day plans: %w", err)
	}
	defer rows.Close()
	var out []remind.DayPlan
	for rows.Next() {
		p, err := scanPlan(rows)
		if err != nil {
			return nil, fmt.Errorf("sqlite: day plans: %w", err)
		}
		out = append(out, *p)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: day plans: %w", err)
	}
	return out, nil
}

// PutAnswer implements remind.Store.
func (db *DB) PutAnswer(ctx context.Context, a remind.Answer) (*remind.Answer, bool, error) {
	tx, err := db.db.BeginTx(ctx, nil)
	if err != nil {
		return nil, false, fmt.Errorf("sqlite: put answer: %w", err)
	}
	defer tx.Rollback()
	res, err := tx.ExecContext(ctx, `INSERT INTO remind_answers (day, user_id, chat_id, question_id, choice, correct, answered_at)
		VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (day, user_id) DO NOTHING`,
		a.Day.String(), a.UserID, a.ChatID, a.QuestionID, a.Choice, boolInt(a.Correct), formatTime(a.Answered))
	if err != nil {
		return nil, false, fmt.Errorf("sqlite: put answer: %w", err)
	}
	n, _ := res.RowsAffected()
	var s remind.Answer
	var day, answered string
	var correct int
	err = tx.QueryRowContext(ctx, `SELECT day, user_id, chat_id, question_id, choice, correct, answered_at
		FROM remind_answers WHERE day = ? AND user_id = ?`, a.Day.String(), a.UserID).
		Scan(&day, &s.UserID, &s.ChatID, &s.QuestionID, &s.Choice, &correct, &answered)
	if err != nil {
		return nil, false, fmt.Errorf("sqlite: put answer: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return nil, false, fmt.Errorf("sqlite: put answer: commit: %w", err)
	}
	s.Correct = correct == 1
	if s.Day, err = workday.ParseDate(day); err != nil {
		return nil, false, fmt.Errorf("sqlite: put answer: %w", err)
	}
	if s.Answered, err = parseTime(answered); err != nil {
		return nil, false, fmt.Errorf("sqlite: put answer: %w", err)
	}
	return &s, n == 1, nil
}

// AnswerCounts implements remind.Store.
func (db *DB) AnswerCounts(ctx context.Context, userID int64) (answered, correct int, err error) {
	err = db.db.QueryRowContext(ctx, `SELECT count(*), coalesce(sum(correct), 0) FROM remind_answers WHERE user_id = ?`,
		userID).Scan(&answered, &correct)
	if err != nil {
		return 0, 0, fmt.Errorf("sqlite: answer counts: %w", err)
	}
	return answered, correct, nil
}

// AnswerStats implements remind.Store.
func (db *DB) AnswerStats(ctx context.Context, since workday.Date) ([]remind.DayStats, int, error) {
	rows, err := db.db.QueryContext(ctx, `SELECT day, count(*), coalesce(sum(correct), 0) FROM remind_answers
		WHERE day >= ? GROUP BY day ORDER BY day`, since.String())
	if err != nil {
		return nil, 0, fmt.Errorf("sqlite: answer stats: %w", err)
	}
	var days []remind.DayStats
	for rows.Next() {
		var s remind.DayStats
		var day string
		if err := rows.Scan(&day, &s.Answered, &s.Correct); err != nil {
			rows.Close()
			return nil, 0, fmt.Errorf("sqlite: answer stats: %w", err)
		}
		if s.Day, err = workday.ParseDate(day); err != nil {
			rows.Close()
			return nil, 0, fmt.Errorf("sqlite: answer stats: %w", err)
		}
		days = append(days, s)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, 0, fmt.Errorf("sqlite: answer stats: %w", err)
	}
	var users int
	if err := db.db.QueryRowContext(ctx, `SELECT count(DISTINCT user_id) FROM remind_answers WHERE day >= ?`,
		since.String()).Scan(&users); err != nil {
		return nil, 0, fmt.Errorf("sqlite: answer stats: %w", err)
	}
	return days, users, nil
}

// CalendarYears implements remind.Store.
func (db *DB) CalendarYears(ctx context.Context) (map[int]string, error) {
	rows, err := db.db.QueryContext(ctx, `SELECT year, source FROM remind_calendars`)
	if err != nil {
		return nil, fmt.Errorf("sqlite: calendars: %w", err)
	}
	defer rows.Close()
	out := map[int]string{}
	for rows.Next() {
		var y int
		var s string
		if err := rows.Scan(&y, &s); err != nil {
			return nil, fmt.Errorf("sqlite: calendars: %w", err)
		}
		out[y] = s
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: calendars: %w", err)
	}
	return out, nil
}

// PutCalendarYear implements remind.Store.
func (db *DB) PutCalendarYear(ctx context.Context, year int, text string, now time.Time) error {
	if _, err := db.db.ExecContext(ctx, `INSERT INTO remind_calendars (year, source, updated_at) VALUES (?, ?, ?)
		ON CONFLICT (year) DO UPDATE SET source = excluded.source, updated_at = excluded.updated_at`,
		year, text, formatTime(now)); err != nil {
		return fmt.Errorf("sqlite: put calendar: %w", err)
	}
	return nil
}

// AnsweredChoice implements remind.Store.
func (db *DB) AnsweredChoice(ctx context.Context, day workday.Date, userID int64) (int, bool, error) {
	var choice int
	err := db.db.QueryRowContext(ctx, `SELECT choice FROM remind_answers WHERE day = ? AND user_id = ?`, day.String(), userID).Scan(&choice)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, false, nil
	}
	if err != nil {
		return 0, false, fmt.Errorf("sqlite: answered choice: %w", err)
	}
	return choice, true, nil
}
