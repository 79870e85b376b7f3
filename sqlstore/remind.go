package sqlstore

import (
	"cmp"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/conductbot/conductbot/remind"
	"github.com/conductbot/conductbot/workday"
)

var _ remind.Store = (*Store)(nil)

const subscriptionColumns = `chat_id, is_group, minute, enabled, reason, set_by, updated_at`

func scanSubscription(r interface{ Scan(...any) error }) (*remind.Subscription, error) {
	var s remind.Subscription
	if err := r.Scan(&s.ChatID, &s.Group, &s.Minute, &s.Enabled, &s.Reason, &s.SetBy, At(&s.Updated)); err != nil {
		return nil, err
	}
	return &s, nil
}

// Subscription implements remind.Store.
func (s *Store) Subscription(ctx context.Context, chatID int64) (*remind.Subscription, error) {
	sub, err := scanSubscription(s.db.QueryRowContext(ctx, `SELECT `+subscriptionColumns+`
		FROM remind_subscriptions WHERE chat_id = $1`, chatID))
	if errNoRows(err) {
		return nil, remind.ErrNotFound
	}
	if err != nil {
		return nil, s.errorf("subscription", err)
	}
	return sub, nil
}

// PutSubscription implements remind.Store.
func (s *Store) PutSubscription(ctx context.Context, sub remind.Subscription) error {
	_, err := s.db.ExecContext(ctx, `INSERT INTO remind_subscriptions (chat_id, is_group, minute, enabled, reason, set_by, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7)
		ON CONFLICT (chat_id) DO UPDATE SET is_group = excluded.is_group, minute = excluded.minute,
			enabled = excluded.enabled, reason = excluded.reason, set_by = excluded.set_by, updated_at = excluded.updated_at`,
		sub.ChatID, sub.Group, sub.Minute, sub.Enabled, sub.Reason, sub.SetBy, s.d.Time(sub.Updated))
	if err != nil {
		return s.errorf("put subscription", err)
	}
	return nil
}

// Subscriptions implements remind.Store.
func (s *Store) Subscriptions(ctx context.Context, groups, enabledOnly bool) ([]remind.Subscription, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT `+subscriptionColumns+` FROM remind_subscriptions
		WHERE is_group = $1 AND (enabled OR NOT $2) ORDER BY chat_id`, groups, enabledOnly)
	if err != nil {
		return nil, s.errorf("subscriptions", err)
	}
	defer rows.Close()
	var out []remind.Subscription
	for rows.Next() {
		sub, err := scanSubscription(rows)
		if err != nil {
			return nil, s.errorf("subscriptions", err)
		}
		out = append(out, *sub)
	}
	if err := rows.Err(); err != nil {
		return nil, s.errorf("subscriptions", err)
	}
	return out, nil
}

// CountSubscriptions implements remind.Store.
func (s *Store) CountSubscriptions(ctx context.Context) (users, groups int, err error) {
	err = s.db.QueryRowContext(ctx, `SELECT count(*) FILTER (WHERE NOT is_group), count(*) FILTER (WHERE is_group)
		FROM remind_subscriptions WHERE enabled`).Scan(&users, &groups)
	if err != nil {
		return 0, 0, s.errorf("count subscriptions", err)
	}
	return users, groups, nil
}

// Schedule implements remind.Store.
func (s *Store) Schedule(ctx context.Context, day workday.Date, minute int, now time.Time) (int, error) {
	res, err := s.db.ExecContext(ctx, `INSERT INTO remind_deliveries (day, chat_id, created_at)
		SELECT $1, s.chat_id, $3 FROM remind_subscriptions s
		WHERE s.enabled AND s.minute <= $2
		  AND NOT EXISTS (SELECT 1 FROM remind_deliveries d WHERE d.day = $1 AND d.chat_id = s.chat_id)
		ON CONFLICT (day, chat_id) DO NOTHING`, day.String(), minute, s.d.Time(now))
	if err != nil {
		return 0, s.errorf("schedule reminders", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, s.errorf("schedule reminders", err)
	}
	return int(n), nil
}

const deliveryColumns = `day, chat_id, state, attempts, not_before, lease_owner, lease_until, message_id, sent_at,
	last_error`

func scanDelivery(r interface{ Scan(...any) error }, extra ...any) (*remind.Delivery, error) {
	var d remind.Delivery
	dest := append([]any{Day(&d.Day), &d.ChatID, &d.State, &d.Attempts, At(&d.NotBefore), &d.LeaseOwner, At(&d.LeaseUntil),
		&d.MessageID, At(&d.SentAt), &d.LastError}, extra...)
	if err := r.Scan(dest...); err != nil {
		return nil, err
	}
	return &d, nil
}

// Claim implements remind.Store: one statement picks and leases the deliveries; concurrent claims (of this or
// another process) never take the same delivery (Dialect.SkipLocked, or SQLite's single writer).
func (s *Store) Claim(ctx context.Context, day workday.Date, minute int, owner string, now, leaseUntil time.Time, n int) ([]remind.Delivery, error) {
	rows, err := s.db.QueryContext(ctx, `UPDATE remind_deliveries SET lease_owner = $3, lease_until = $5
		WHERE (day, chat_id) IN (
			SELECT c.day, c.chat_id FROM remind_deliveries c
			JOIN remind_subscriptions s ON s.chat_id = c.chat_id
			WHERE c.day = $1 AND c.state = 'pending'
			  AND (c.lease_until IS NULL OR c.lease_until <= $4)
			  AND (c.not_before IS NULL OR c.not_before <= $4)
			  AND s.enabled AND s.minute <= $2
			ORDER BY s.minute, c.chat_id
			LIMIT $6`+s.d.SkipLocked("c")+`)
		RETURNING `+deliveryColumns+`, (SELECT s.minute FROM remind_subscriptions s WHERE s.chat_id = remind_deliveries.chat_id)`,
		day.String(), minute, owner, s.d.Time(now), s.d.Time(leaseUntil), n)
	if err != nil {
		return nil, s.errorf("claim reminders", err)
	}
	defer rows.Close()
	type claimed struct {
		d      remind.Delivery
		minute int
	}
	var cs []claimed
	for rows.Next() {
		var c claimed
		d, err := scanDelivery(rows, &c.minute)
		if err != nil {
			return nil, s.errorf("claim reminders", err)
		}
		c.d = *d
		cs = append(cs, c)
	}
	if err := rows.Err(); err != nil {
		return nil, s.errorf("claim reminders", err)
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

// MarkSent implements remind.Store: the delivery is marked sent whoever holds it; the first statement tells
// whether owner held it, pending.
func (s *Store) MarkSent(ctx context.Context, day workday.Date, chatID int64, owner string, messageID int, now time.Time) (bool, error) {
	const sent = `UPDATE remind_deliveries SET state = 'sent', message_id = $3, sent_at = $4, lease_owner = '', lease_until = NULL
		WHERE day = $1 AND chat_id = $2`
	res, err := s.db.ExecContext(ctx, sent+` AND lease_owner = $5 AND state = 'pending'`,
		day.String(), chatID, int64(messageID), s.d.Time(now), owner)
	if err != nil {
		return false, s.errorf("mark reminder sent", err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return false, s.errorf("mark reminder sent", err)
	} else if n == 1 {
		return true, nil
	}
	res, err = s.db.ExecContext(ctx, sent, day.String(), chatID, int64(messageID), s.d.Time(now))
	if err != nil {
		return false, s.errorf("mark reminder sent", err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return false, s.errorf("mark reminder sent", err)
	} else if n == 0 {
		return false, remind.ErrNotFound
	}
	return false, nil
}

// MarkBlocked implements remind.Store.
func (s *Store) MarkBlocked(ctx context.Context, day workday.Date, chatID int64, owner string, now time.Time) error {
	pass := func(err error) bool { return errors.Is(err, remind.ErrNotFound) }
	return s.tx(ctx, "mark chat blocked", pass, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE remind_deliveries SET state = 'blocked', lease_owner = '', lease_until = NULL
			WHERE day = $1 AND chat_id = $2`, day.String(), chatID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return remind.ErrNotFound
		}
		_, err = tx.ExecContext(ctx, `UPDATE remind_subscriptions SET enabled = false, reason = 'blocked', updated_at = $2
			WHERE chat_id = $1`, chatID, s.d.Time(now))
		return err
	})
}

// Release implements remind.Store.
func (s *Store) Release(ctx context.Context, day workday.Date, chatID int64, owner string, notBefore time.Time, failed bool, lastError string, maxAttempts int) error {
	_, err := s.db.ExecContext(ctx, `UPDATE remind_deliveries SET lease_owner = '', lease_until = NULL, not_before = $4,
			attempts = attempts + CASE WHEN $5 THEN 1 ELSE 0 END,
			last_error = CASE WHEN $5 THEN $6 ELSE last_error END,
			state = CASE WHEN $5 AND attempts + 1 >= $7 THEN 'failed' ELSE state END
		WHERE day = $1 AND chat_id = $2 AND lease_owner = $3 AND state = 'pending'`,
		day.String(), chatID, owner, s.nullTime(notBefore), failed, lastError, maxAttempts)
	if err != nil {
		return s.errorf("release reminder", err)
	}
	return nil
}

// Delivery implements remind.Store.
func (s *Store) Delivery(ctx context.Context, day workday.Date, chatID int64) (*remind.Delivery, error) {
	d, err := scanDelivery(s.db.QueryRowContext(ctx, `SELECT `+deliveryColumns+` FROM remind_deliveries
		WHERE day = $1 AND chat_id = $2`, day.String(), chatID))
	if errNoRows(err) {
		return nil, remind.ErrNotFound
	}
	if err != nil {
		return nil, s.errorf("reminder delivery", err)
	}
	return d, nil
}

// DeliveryCounts implements remind.Store.
func (s *Store) DeliveryCounts(ctx context.Context, since workday.Date) (map[string]int, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT state, count(*) FROM remind_deliveries WHERE day >= $1 GROUP BY state`,
		since.String())
	if err != nil {
		return nil, s.errorf("reminder counts", err)
	}
	defer rows.Close()
	out := map[string]int{}
	for rows.Next() {
		var state string
		var n int
		if err := rows.Scan(&state, &n); err != nil {
			return nil, s.errorf("reminder counts", err)
		}
		out[state] = n
	}
	if err := rows.Err(); err != nil {
		return nil, s.errorf("reminder counts", err)
	}
	return out, nil
}

const planColumns = `day, version_id, clause_id, clause_cycle, title, text, reading, question_id, question_cycle,
	question, created_at`

func scanPlan(r interface{ Scan(...any) error }) (*remind.DayPlan, error) {
	var p remind.DayPlan
	var q []byte
	if err := r.Scan(Day(&p.Day), &p.VersionID, &p.ClauseID, &p.ClauseCycle, &p.Title, &p.Text, &p.Reading, &p.QuestionID,
		&p.QuestionCycle, &q, At(&p.Created)); err != nil {
		return nil, err
	}
	if err := json.Unmarshal(q, &p.Question); err != nil {
		return nil, fmt.Errorf("question of %s: %w", p.Day, err)
	}
	return &p, nil
}

// DayPlan implements remind.Store.
func (s *Store) DayPlan(ctx context.Context, day workday.Date) (*remind.DayPlan, error) {
	p, err := scanPlan(s.db.QueryRowContext(ctx, `SELECT `+planColumns+` FROM remind_day_plans WHERE day = $1`, day.String()))
	if errNoRows(err) {
		return nil, remind.ErrNotFound
	}
	if err != nil {
		return nil, s.errorf("day plan", err)
	}
	return p, nil
}

// PutDayPlan implements remind.Store.
func (s *Store) PutDayPlan(ctx context.Context, p remind.DayPlan) (*remind.DayPlan, error) {
	q, err := json.Marshal(p.Question)
	if err != nil {
		return nil, s.errorf("put day plan", err)
	}
	if _, err := s.db.ExecContext(ctx, `INSERT INTO remind_day_plans (day, version_id, clause_id, clause_cycle, title, text,
			reading, question_id, question_cycle, question, created_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) ON CONFLICT (day) DO NOTHING`,
		p.Day.String(), p.VersionID, p.ClauseID, p.ClauseCycle, p.Title, p.Text, p.Reading, p.QuestionID,
		p.QuestionCycle, string(q), s.d.Time(p.Created)); err != nil {
		return nil, s.errorf("put day plan", err)
	}
	return s.DayPlan(ctx, p.Day)
}

// DayPlans implements remind.Store.
func (s *Store) DayPlans(ctx context.Context, before workday.Date, n int) ([]remind.DayPlan, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT `+planColumns+` FROM remind_day_plans WHERE day < $1
		ORDER BY day DESC LIMIT $2`, before.String(), n)
	if err != nil {
		return nil, s.errorf("day plans", err)
	}
	defer rows.Close()
	var out []remind.DayPlan
	for rows.Next() {
		p, err := scanPlan(rows)
		if err != nil {
			return nil, s.errorf("day plans", err)
		}
		out = append(out, *p)
	}
	if err := rows.Err(); err != nil {
		return nil, s.errorf("day plans", err)
	}
	return out, nil
}

// PutAnswer implements remind.Store: the first answer of the day counts; later ones read it back.
func (s *Store) PutAnswer(ctx context.Context, a remind.Answer) (*remind.Answer, bool, error) {
	res, err := s.db.ExecContext(ctx, `INSERT INTO remind_answers (day, user_id, chat_id, question_id, choice, correct, answered_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (day, user_id) DO NOTHING`,
		a.Day.String(), a.UserID, a.ChatID, a.QuestionID, a.Choice, a.Correct, s.d.Time(a.Answered))
	if err != nil {
		return nil, false, s.errorf("put answer", err)
	}
	n, _ := res.RowsAffected()
	var got remind.Answer
	err = s.db.QueryRowContext(ctx, `SELECT day, user_id, chat_id, question_id, choice, correct, answered_at
		FROM remind_answers WHERE day = $1 AND user_id = $2`, a.Day.String(), a.UserID).
		Scan(Day(&got.Day), &got.UserID, &got.ChatID, &got.QuestionID, &got.Choice, &got.Correct, At(&got.Answered))
	if err != nil {
		return nil, false, s.errorf("put answer", err)
	}
	return &got, n == 1, nil
}

// AnswerCounts implements remind.Store.
func (s *Store) AnswerCounts(ctx context.Context, userID int64) (answered, correct int, err error) {
	err = s.db.QueryRowContext(ctx, `SELECT count(*), count(*) FILTER (WHERE correct) FROM remind_answers WHERE user_id = $1`,
		userID).Scan(&answered, &correct)
	if err != nil {
		return 0, 0, s.errorf("answer counts", err)
	}
	return answered, correct, nil
}

// AnswerStats implements remind.Store.
func (s *Store) AnswerStats(ctx context.Context, since workday.Date) ([]remind.DayStats, int, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT day, count(*), count(*) FILTER (WHERE correct) FROM remind_answers
		WHERE day >= $1 GROUP BY day ORDER BY day`, since.String())
	if err != nil {
		return nil, 0, s.errorf("answer stats", err)
	}
	var days []remind.DayStats
	for rows.Next() {
		var st remind.DayStats
		if err := rows.Scan(Day(&st.Day), &st.Answered, &st.Correct); err != nil {
			rows.Close()
			return nil, 0, s.errorf("answer stats", err)
		}
		days = append(days, st)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, 0, s.errorf("answer stats", err)
	}
	var users int
	if err := s.db.QueryRowContext(ctx, `SELECT count(DISTINCT user_id) FROM remind_answers WHERE day >= $1`,
		since.String()).Scan(&users); err != nil {
		return nil, 0, s.errorf("answer stats", err)
	}
	return days, users, nil
}

// CalendarYears implements remind.Store.
func (s *Store) CalendarYears(ctx context.Context) (map[int]string, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT year, source FROM remind_calendars`)
	if err != nil {
		return nil, s.errorf("calendars", err)
	}
	defer rows.Close()
	out := map[int]string{}
	for rows.Next() {
		var y int
		var src string
		if err := rows.Scan(&y, &src); err != nil {
			return nil, s.errorf("calendars", err)
		}
		out[y] = src
	}
	if err := rows.Err(); err != nil {
		return nil, s.errorf("calendars", err)
	}
	return out, nil
}

// PutCalendarYear implements remind.Store.
func (s *Store) PutCalendarYear(ctx context.Context, year int, text string, now time.Time) error {
	if _, err := s.db.ExecContext(ctx, `INSERT INTO remind_calendars (year, source, updated_at) VALUES ($1, $2, $3)
		ON CONFLICT (year) DO UPDATE SET source = excluded.source, updated_at = excluded.updated_at`,
		year, text, s.d.Time(now)); err != nil {
		return s.errorf("put calendar", err)
	}
	return nil
}

// AnsweredChoice implements remind.Store.
func (s *Store) AnsweredChoice(ctx context.Context, day workday.Date, userID int64) (int, bool, error) {
	var choice int
	err := s.db.QueryRowContext(ctx, `SELECT choice FROM remind_answers WHERE day = $1 AND user_id = $2`, day.String(), userID).Scan(&choice)
	if errNoRows(err) {
		return 0, false, nil
	}
	if err != nil {
		return 0, false, s.errorf("answered choice", err)
	}
	return choice, true, nil
}
