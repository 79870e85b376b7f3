package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/conductbot/conductbot/inspect"
	"github.com/conductbot/conductbot/supervise"
	"github.com/conductbot/conductbot/workday"
)

// The supervision store (package supervise): see migrations/030_supervise.sql. Rectifications move their report
// between 已确认, 整改中 and 已整改 in the same transaction, the way SetReportState does (state check, update,
// event). Transactions begin IMMEDIATE: they hold the write lock from the start, so reads in them are current.

var _ supervise.Store = (*DB)(nil)

// svTx runs f in one write transaction, passing the domain errors through unwrapped.
func (db *DB) svTx(ctx context.Context, what string, f func(tx *sql.Tx) error) error {
	tx, err := db.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("sqlite: %s: %w", what, err)
	}
	defer tx.Rollback()
	if err := f(tx); err != nil {
		if errors.Is(err, supervise.ErrNotFound) || errors.Is(err, supervise.ErrConflict) || errors.Is(err, supervise.ErrDuplicate) {
			return err
		}
		return fmt.Errorf("sqlite: %s: %w", what, err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("sqlite: %s: commit: %w", what, err)
	}
	return nil
}

// jsonList is a JSON array of values, for `IN (SELECT value FROM json_each(?))`.
func jsonList[T any](vs []T) string {
	b, _ := json.Marshal(vs)
	return string(b)
}

// SetWindowHead implements supervise.Store.
func (db *DB) SetWindowHead(ctx context.Context, h supervise.WindowHead) error {
	_, err := db.db.ExecContext(ctx, `INSERT INTO supervise_heads (window_id, user_id, since) VALUES (?, ?, ?)
		ON CONFLICT (window_id) DO UPDATE SET user_id = excluded.user_id, since = excluded.since`, h.WindowID, h.UserID, h.Since.String())
	if err != nil {
		return fmt.Errorf("sqlite: set window head: %w", err)
	}
	return nil
}

// RemoveWindowHead implements supervise.Store.
func (db *DB) RemoveWindowHead(ctx context.Context, windowID int64) (bool, error) {
	res, err := db.db.ExecContext(ctx, `DELETE FROM supervise_heads WHERE window_id = ?`, windowID)
	if err != nil {
		return false, fmt.Errorf("sqlite: remove window head: %w", err)
	}
	n, err := res.RowsAffected()
	return n > 0, err
}

// WindowHeads implements supervise.Store.
func (db *DB) WindowHeads(ctx context.Context) ([]supervise.WindowHead, error) {
	rows, err := db.db.QueryContext(ctx, `SELECT window_id, user_id, since FROM supervise_heads ORDER BY window_id`)
	if err != nil {
		return nil, fmt.Errorf("sqlite: window heads: %w", err)
	}
	defer rows.Close()
	var out []supervise.WindowHead
	for rows.Next() {
		var h supervise.WindowHead
		var since string
		if err := rows.Scan(&h.WindowID, &h.UserID, &since); err != nil {
			return nil, fmt.Errorf("sqlite: window heads: %w", err)
		}
		h.Since, _ = workday.ParseDate(since)
		out = append(out, h)
	}
	return out, rows.Err()
}

// svMoveReport moves a report within a write transaction: the update and its event, as SetReportState.
func svMoveReport(ctx context.Context, tx *sql.Tx, id string, to inspect.State, reason string, on workday.Date) error {
	if _, err := tx.ExecContext(ctx, `UPDATE reports SET state = ?, state_reason = ?, changed = ? WHERE id = ?`,
		string(to), reason, on.String(), id); err != nil {
		return err
	}
	_, err := tx.ExecContext(ctx, `INSERT INTO report_events (report_id, no, state, reason, on_day)
		VALUES (?, (SELECT coalesce(max(no), 0) + 1 FROM report_events WHERE report_id = ?), ?, ?, ?)`,
		id, id, string(to), reason, on.String())
	return err
}

// RequireRectification implements supervise.Store.
func (db *DB) RequireRectification(ctx context.Context, r *supervise.Rectification, reason string) error {
	return db.svTx(ctx, "require rectification", func(tx *sql.Tx) error {
		var state string
		var window int64
		err := tx.QueryRowContext(ctx, `SELECT state, window_id FROM reports WHERE id = ?`, r.ReportID).Scan(&state, &window)
		if errors.Is(err, sql.ErrNoRows) {
			return supervise.ErrNotFound
		}
		if err != nil {
			return err
		}
		st := inspect.State(state)
		if st != inspect.Confirmed && st != inspect.Rectifying && st != inspect.Rectified {
			return supervise.ErrConflict
		}
		var found, unfinished bool
		if err := tx.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM report_findings WHERE report_id = ? AND no = ?),
			EXISTS (SELECT 1 FROM supervise_rectifications WHERE report_id = ? AND finding_no = ? AND state <> 'accepted')`,
			r.ReportID, r.FindingNo, r.ReportID, r.FindingNo).Scan(&found, &unfinished); err != nil {
			return err
		}
		if !found {
			return supervise.ErrNotFound
		}
		if unfinished {
			return supervise.ErrDuplicate
		}
		r.WindowID, r.State, r.Round = window, supervise.RectOpen, 0
		cs, _ := json.Marshal(nonNil(r.Clauses))
		_, err = tx.ExecContext(ctx, `INSERT INTO supervise_rectifications (id, report_id, finding_no, window_id, title, clauses, critical,
			state, required, deadline) VALUES (?, ?, ?, ?, ?, ?, ?, 'open', ?, ?)`,
			r.ID, r.ReportID, r.FindingNo, r.WindowID, r.Title, string(cs), inspBool(r.Critical), r.Required.String(), r.Deadline.String())
		if isUniqueViolation(err) {
			return supervise.ErrDuplicate
		}
		if err != nil {
			return err
		}
		if err := sqRectEvent(ctx, tx, r.ID, supervise.ActRequired, "", r.Deadline, r.Required); err != nil {
			return err
		}
		if st != inspect.Rectifying {
			return svMoveReport(ctx, tx, r.ReportID, inspect.Rectifying, reason, r.Required)
		}
		return nil
	})
}

func sqRectEvent(ctx context.Context, tx *sql.Tx, id string, a supervise.RectAction, note string, deadline, on workday.Date) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO supervise_rect_events (rect_id, no, action, note, deadline, on_day)
		VALUES (?, (SELECT coalesce(max(no), 0) + 1 FROM supervise_rect_events WHERE rect_id = ?), ?, ?, ?, ?)`,
		id, id, string(a), note, inspDay(deadline), on.String())
	return err
}

const sqRectColumns = `x.id, x.report_id, x.finding_no, x.window_id, x.title, x.clauses, x.critical, x.state, x.required, x.deadline,
	x.reply, x.replied, x.closed, x.notified, x.round`

func scanSqRect(row interface{ Scan(...any) error }) (*supervise.Rectification, error) {
	var r supervise.Rectification
	var clauses, state, required, deadline string
	var replied, closed, notified sql.NullString
	if err := row.Scan(&r.ID, &r.ReportID, &r.FindingNo, &r.WindowID, &r.Title, &clauses, &r.Critical, &state, &required, &deadline,
		&r.Reply, &replied, &closed, &notified, &r.Round); err != nil {
		return nil, err
	}
	r.State = supervise.RectState(state)
	_ = json.Unmarshal([]byte(clauses), &r.Clauses)
	var errs [5]error
	r.Required, errs[0] = workday.ParseDate(required)
	r.Deadline, errs[1] = workday.ParseDate(deadline)
	r.Replied, errs[2] = inspParseDay(replied)
	r.Closed, errs[3] = inspParseDay(closed)
	r.Notified, errs[4] = inspParseDay(notified)
	return &r, errors.Join(errs[:]...)
}

// loadSqRectDetails reads the photos of the latest answer and the events of rectifications.
func (db *DB) loadSqRectDetails(ctx context.Context, rs []*supervise.Rectification) error {
	if len(rs) == 0 {
		return nil
	}
	byID := make(map[string]*supervise.Rectification, len(rs))
	ids := make([]string, len(rs))
	for i, r := range rs {
		byID[r.ID], ids[i] = r, r.ID
	}
	list := jsonList(ids)
	rows, err := db.db.QueryContext(ctx, `SELECT p.rect_id, p.id, p.width, p.height, p.bytes FROM supervise_rect_photos p
		JOIN supervise_rectifications x ON x.id = p.rect_id AND x.round = p.round
		WHERE p.rect_id IN (SELECT value FROM json_each(?)) AND p.round > 0 ORDER BY p.rect_id, p.ord`, list)
	if err != nil {
		return err
	}
	for rows.Next() {
		var id string
		var p inspect.PhotoRef
		if err := rows.Scan(&id, &p.ID, &p.Width, &p.Height, &p.Bytes); err != nil {
			rows.Close()
			return err
		}
		byID[id].Photos = append(byID[id].Photos, p)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	rows, err = db.db.QueryContext(ctx, `SELECT rect_id, action, note, deadline, on_day FROM supervise_rect_events
		WHERE rect_id IN (SELECT value FROM json_each(?)) ORDER BY rect_id, no`, list)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var id, action, on string
		var deadline sql.NullString
		var e supervise.RectEvent
		if err := rows.Scan(&id, &action, &e.Note, &deadline, &on); err != nil {
			return err
		}
		e.Action = supervise.RectAction(action)
		e.Deadline, _ = inspParseDay(deadline)
		e.On, _ = workday.ParseDate(on)
		byID[id].Events = append(byID[id].Events, e)
	}
	return rows.Err()
}

// Rectification implements supervise.Store.
func (db *DB) Rectification(ctx context.Context, id string) (*supervise.Rectification, error) {
	r, err := scanSqRect(db.db.QueryRowContext(ctx, `SELECT `+sqRectColumns+` FROM supervise_rectifications x WHERE x.id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, supervise.ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("sqlite: rectification: %w", err)
	}
	if err := db.loadSqRectDetails(ctx, []*supervise.Rectification{r}); err != nil {
		return nil, fmt.Errorf("sqlite: rectification: %w", err)
	}
	return r, nil
}

// Rectifications implements supervise.Store.
func (db *DB) Rectifications(ctx context.Context, f supervise.RectFilter) ([]supervise.Rectification, error) {
	var conds []string
	var args []any
	join := ""
	if len(f.WindowIDs) > 0 {
		conds = append(conds, `x.window_id IN (SELECT value FROM json_each(?))`)
		args = append(args, jsonList(f.WindowIDs))
	}
	if len(f.ReportIDs) > 0 {
		conds = append(conds, `x.report_id IN (SELECT value FROM json_each(?))`)
		args = append(args, jsonList(f.ReportIDs))
	}
	if len(f.States) > 0 {
		conds = append(conds, `x.state IN (SELECT value FROM json_each(?))`)
		args = append(args, jsonList(f.States))
	}
	if !f.DueBefore.IsZero() {
		conds = append(conds, `x.deadline < ?`)
		args = append(args, f.DueBefore.String())
	}
	if !f.From.IsZero() || !f.To.IsZero() {
		join = ` JOIN reports r ON r.id = x.report_id`
		if !f.From.IsZero() {
			conds = append(conds, `r.visit_date >= ?`)
			args = append(args, f.From.String())
		}
		if !f.To.IsZero() {
			conds = append(conds, `r.visit_date <= ?`)
			args = append(args, f.To.String())
		}
	}
	q := `SELECT ` + sqRectColumns + ` FROM supervise_rectifications x` + join
	if len(conds) > 0 {
		q += ` WHERE ` + strings.Join(conds, " AND ")
	}
	q += ` ORDER BY x.deadline, x.id`
	rows, err := db.db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("sqlite: rectifications: %w", err)
	}
	var ptrs []*supervise.Rectification
	for rows.Next() {
		r, err := scanSqRect(rows)
		if err != nil {
			rows.Close()
			return nil, fmt.Errorf("sqlite: rectifications: %w", err)
		}
		ptrs = append(ptrs, r)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: rectifications: %w", err)
	}
	for i := 0; i < len(ptrs); i += 500 {
		if err := db.loadSqRectDetails(ctx, ptrs[i:min(i+500, len(ptrs))]); err != nil {
			return nil, fmt.Errorf("sqlite: rectifications: %w", err)
		}
	}
	out := make([]supervise.Rectification, len(ptrs))
	for i, r := range ptrs {
		out[i] = *r
	}
	return out, nil
}

// PutRectPhoto implements supervise.Store.
func (db *DB) PutRectPhoto(ctx context.Context, rectID string, p *inspect.Photo) error {
	return db.svTx(ctx, "put rectification photo", func(tx *sql.Tx) error {
		var exists bool
		if err := tx.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM supervise_rectifications WHERE id = ?)`, rectID).Scan(&exists); err != nil {
			return err
		}
		if !exists {
			return supervise.ErrNotFound
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO supervise_rect_photos (id, rect_id, round, ord, width, height, bytes, data)
			VALUES (?, ?, 0, 0, ?, ?, ?, ?)`, p.ID, rectID, p.Width, p.Height, len(p.Data), p.Data)
		if isUniqueViolation(err) {
			return supervise.ErrDuplicate
		}
		return err
	})
}

// DeleteDraftRectPhotos implements supervise.Store.
func (db *DB) DeleteDraftRectPhotos(ctx context.Context, rectID string) error {
	if _, err := db.db.ExecContext(ctx, `DELETE FROM supervise_rect_photos WHERE rect_id = ? AND round = 0`, rectID); err != nil {
		return fmt.Errorf("sqlite: delete draft rectification photos: %w", err)
	}
	return nil
}

// RectPhoto implements supervise.Store.
func (db *DB) RectPhoto(ctx context.Context, id string) (*inspect.Photo, error) {
	var p inspect.Photo
	err := db.db.QueryRowContext(ctx, `SELECT id, width, height, bytes, data FROM supervise_rect_photos WHERE id = ? AND round > 0`, id).
		Scan(&p.ID, &p.Width, &p.Height, &p.Bytes, &p.Data)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, supervise.ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("sqlite: rectification photo: %w", err)
	}
	return &p, nil
}

func sqRect(ctx context.Context, tx *sql.Tx, id string) (state supervise.RectState, round int, report string, err error) {
	var s string
	err = tx.QueryRowContext(ctx, `SELECT state, round, report_id FROM supervise_rectifications WHERE id = ?`, id).Scan(&s, &round, &report)
	if errors.Is(err, sql.ErrNoRows) {
		return "", 0, "", supervise.ErrNotFound
	}
	return supervise.RectState(s), round, report, err
}

// SubmitRectification implements supervise.Store.
func (db *DB) SubmitRectification(ctx context.Context, id, reply string, photoIDs []string, on workday.Date) error {
	return db.svTx(ctx, "submit rectification", func(tx *sql.Tx) error {
		state, round, _, err := sqRect(ctx, tx, id)
		if err != nil {
			return err
		}
		if state != supervise.RectOpen {
			return supervise.ErrConflict
		}
		round++
		for k, pid := range photoIDs {
			res, err := tx.ExecContext(ctx, `UPDATE supervise_rect_photos SET round = ?, ord = ? WHERE id = ? AND rect_id = ? AND round = 0`,
				round, k, pid, id)
			if err != nil {
				return err
			}
			if n, _ := res.RowsAffected(); n != 1 {
				return fmt.Errorf("photo %s of the answer: %w", pid, supervise.ErrNotFound)
			}
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM supervise_rect_photos WHERE rect_id = ? AND round = 0`, id); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE supervise_rectifications SET state = 'submitted', reply = ?, replied = ?, round = ? WHERE id = ?`,
			reply, on.String(), round, id); err != nil {
			return err
		}
		return sqRectEvent(ctx, tx, id, supervise.ActSubmitted, reply, workday.Date{}, on)
	})
}

// AcceptRectification implements supervise.Store.
func (db *DB) AcceptRectification(ctx context.Context, id, note string, on workday.Date) error {
	return db.svTx(ctx, "accept rectification", func(tx *sql.Tx) error {
		state, _, report, err := sqRect(ctx, tx, id)
		if err != nil {
			return err
		}
		if state != supervise.RectSubmitted {
			return supervise.ErrConflict
		}
		if _, err := tx.ExecContext(ctx, `UPDATE supervise_rectifications SET state = 'accepted', closed = ? WHERE id = ?`, on.String(), id); err != nil {
			return err
		}
		if err := sqRectEvent(ctx, tx, id, supervise.ActAccepted, note, workday.Date{}, on); err != nil {
			return err
		}
		var left bool
		var repState string
		if err := tx.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM supervise_rectifications WHERE report_id = ? AND state <> 'accepted'),
			(SELECT state FROM reports WHERE id = ?)`, report, report).Scan(&left, &repState); err != nil {
			return err
		}
		if !left && inspect.State(repState) == inspect.Rectifying {
			return svMoveReport(ctx, tx, report, inspect.Rectified, "整改完成", on)
		}
		return nil
	})
}

// ReturnRectification implements supervise.Store.
func (db *DB) ReturnRectification(ctx context.Context, id, reason string, deadline, on workday.Date) error {
	return db.svTx(ctx, "return rectification", func(tx *sql.Tx) error {
		state, _, _, err := sqRect(ctx, tx, id)
		if err != nil {
			return err
		}
		if state != supervise.RectSubmitted {
			return supervise.ErrConflict
		}
		if _, err := tx.ExecContext(ctx, `UPDATE supervise_rectifications SET state = 'open', deadline = ?, notified = NULL WHERE id = ?`,
			deadline.String(), id); err != nil {
			return err
		}
		return sqRectEvent(ctx, tx, id, supervise.ActReturned, reason, deadline, on)
	})
}

// MarkRectNotified implements supervise.Store.
func (db *DB) MarkRectNotified(ctx context.Context, id string, day workday.Date) (bool, error) {
	res, err := db.db.ExecContext(ctx, `UPDATE supervise_rectifications SET notified = ? WHERE id = ? AND (notified IS NULL OR notified < ?)`,
		day.String(), id, day.String())
	if err != nil {
		return false, fmt.Errorf("sqlite: mark rectification notified: %w", err)
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

// PutAdjustment implements supervise.Store.
func (db *DB) PutAdjustment(ctx context.Context, a *supervise.Adjustment) error {
	return db.svTx(ctx, "put adjustment", func(tx *sql.Tx) error {
		if err := tx.QueryRowContext(ctx, `SELECT coalesce(max(rev), 0) + 1 FROM supervise_adjustments WHERE window_id = ? AND month = ?`,
			a.WindowID, a.Month.String()).Scan(&a.Rev); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO supervise_adjustments (window_id, month, rev, compliance, suggested, final, reason, decided)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, a.WindowID, a.Month.String(), a.Rev, a.Compliance, a.Suggested, a.Final, a.Reason, a.Decided.String())
		return err
	})
}

const sqAdjColumns = `window_id, month, rev, compliance, suggested, final, reason, decided`

func scanSqAdjustments(rows *sql.Rows) ([]supervise.Adjustment, error) {
	defer rows.Close()
	var out []supervise.Adjustment
	for rows.Next() {
		var a supervise.Adjustment
		var month, decided string
		var compliance sql.NullFloat64
		if err := rows.Scan(&a.WindowID, &month, &a.Rev, &compliance, &a.Suggested, &a.Final, &a.Reason, &decided); err != nil {
			return nil, err
		}
		if compliance.Valid {
			c := compliance.Float64
			a.Compliance = &c
		}
		a.Final = math.Round(a.Final*10) / 10
		var err1, err2 error
		a.Month, err1 = supervise.ParseMonth(month, supervise.Month{})
		a.Decided, err2 = workday.ParseDate(decided)
		if err := errors.Join(err1, err2); err != nil {
			return nil, err
		}
		out = append(out, a)
	}
	return out, rows.Err()
}

// Adjustments implements supervise.Store.
func (db *DB) Adjustments(ctx context.Context, m supervise.Month) ([]supervise.Adjustment, error) {
	rows, err := db.db.QueryContext(ctx, `SELECT `+sqAdjColumns+` FROM supervise_adjustments a WHERE month = ?
		AND rev = (SELECT max(rev) FROM supervise_adjustments b WHERE b.window_id = a.window_id AND b.month = a.month) ORDER BY window_id`, m.String())
	if err != nil {
		return nil, fmt.Errorf("sqlite: adjustments: %w", err)
	}
	out, err := scanSqAdjustments(rows)
	if err != nil {
		return nil, fmt.Errorf("sqlite: adjustments: %w", err)
	}
	return out, nil
}

// AdjustmentRevisions implements supervise.Store.
func (db *DB) AdjustmentRevisions(ctx context.Context, windowID int64, m supervise.Month) ([]supervise.Adjustment, error) {
	rows, err := db.db.QueryContext(ctx, `SELECT `+sqAdjColumns+` FROM supervise_adjustments WHERE window_id = ? AND month = ? ORDER BY rev`,
		windowID, m.String())
	if err != nil {
		return nil, fmt.Errorf("sqlite: adjustment revisions: %w", err)
	}
	out, err := scanSqAdjustments(rows)
	if err != nil {
		return nil, fmt.Errorf("sqlite: adjustment revisions: %w", err)
	}
	return out, nil
}

// Tallies implements supervise.Store. Each report's answers and findings are aggregated once into
// supervise_report_tallies (migrations/031_supervise_tallies.sql: they never change after filing); a period is
// then one row a report, joined with the report's current state and added up in Go.
func (db *DB) Tallies(ctx context.Context, from, to workday.Date, states []inspect.State) (map[int64]*supervise.Tally, error) {
	out := map[int64]*supervise.Tally{}
	err := db.sqReportTallies(ctx, "tallies", `r.visit_date BETWEEN ? AND ? AND r.state IN (SELECT value FROM json_each(?))`,
		[]any{from.String(), to.String(), jsonList(states)}, func(rt *supervise.ReportTally) { supervise.AddReport(out, rt) })
	if err != nil {
		return nil, err
	}
	supervise.SortTallies(out)
	return out, nil
}

// sqReportTallies calls add with the aggregate of every report where selects, making the aggregates that are
// missing first.
func (db *DB) sqReportTallies(ctx context.Context, what, where string, args []any, add func(*supervise.ReportTally)) error {
	read := func() (got []supervise.ReportTally, missing []string, err error) {
		rows, err := db.db.QueryContext(ctx, `SELECT r.id, r.window_id, r.visit_date, r.half_day, t.pass, t.fail, t.unobserved,
				t.weight_pass, t.weight_observed, t.critical, t.clauses
			FROM reports r LEFT JOIN supervise_report_tallies t ON t.report_id = r.id
			WHERE `+where, args...)
		if err != nil {
			return nil, nil, err
		}
		defer rows.Close()
		for rows.Next() {
			var rt supervise.ReportTally
			var visit, half string
			var pass, fail, unobs, wp, wo sql.NullInt64
			var critical, clauses sql.NullString
			if err := rows.Scan(&rt.ReportID, &rt.WindowID, &visit, &half, &pass, &fail, &unobs, &wp, &wo, &critical, &clauses); err != nil {
				return nil, nil, err
			}
			if !pass.Valid {
				missing = append(missing, rt.ReportID)
				continue
			}
			rt.VisitDate, _ = workday.ParseDate(visit)
			rt.HalfDay = inspect.HalfDay(half)
			rt.Pass, rt.Fail, rt.Unobserved = int(pass.Int64), int(fail.Int64), int(unobs.Int64)
			rt.WeightPass, rt.WeightObserved = int(wp.Int64), int(wo.Int64)
			if len(critical.String) > 2 {
				if err := json.Unmarshal([]byte(critical.String), &rt.Critical); err != nil {
					return nil, nil, err
				}
			}
			if clauses.String != "" {
				rt.Clauses = strings.Split(clauses.String, ",")
			}
			got = append(got, rt)
		}
		return got, missing, rows.Err()
	}
	got, missing, err := read()
	if err != nil {
		return fmt.Errorf("sqlite: %s: %w", what, err)
	}
	if len(missing) > 0 {
		for i := 0; i < len(missing); i += 5000 {
			if err := db.sqFillTallies(ctx, missing[i:min(i+5000, len(missing))]); err != nil {
				return fmt.Errorf("sqlite: %s: %w", what, err)
			}
		}
		if got, missing, err = read(); err != nil {
			return fmt.Errorf("sqlite: %s: %w", what, err)
		}
		if len(missing) > 0 {
			return fmt.Errorf("sqlite: %s: %d reports without aggregates", what, len(missing))
		}
	}
	for i := range got {
		add(&got[i])
	}
	return nil
}

// sqFillTallies makes the aggregates of reports.
func (db *DB) sqFillTallies(ctx context.Context, ids []string) error {
	_, err := db.db.ExecContext(ctx, `INSERT OR IGNORE INTO supervise_report_tallies (report_id, pass, fail, unobserved, weight_pass,
			weight_observed, critical, clauses)
		SELECT r.id, coalesce(it.p, 0), coalesce(it.f, 0), coalesce(it.u, 0), coalesce(it.wp, 0), coalesce(it.wo, 0),
			coalesce((SELECT json_group_array(json_object('key', i.key, 'title', i.title, 'clauses', json(i.clauses)) ORDER BY i.ord)
				FROM report_items i WHERE i.report_id = r.id AND i.result = 'fail' AND i.critical = 1), '[]'),
			coalesce((SELECT group_concat(DISTINCT c.value) FROM report_findings f JOIN json_each(f.clauses) c WHERE f.report_id = r.id), '')
		FROM reports r LEFT JOIN (
			SELECT i.report_id, sum(i.result = 'pass') AS p, sum(i.result = 'fail') AS f, sum(i.result = 'unobserved') AS u,
				sum(CASE WHEN i.result = 'pass' THEN i.weight ELSE 0 END) AS wp,
				sum(CASE WHEN i.result IN ('pass', 'fail') THEN i.weight ELSE 0 END) AS wo
			FROM report_items i WHERE i.report_id IN (SELECT value FROM json_each(?1)) GROUP BY i.report_id) it ON it.report_id = r.id
		WHERE r.id IN (SELECT value FROM json_each(?1))`, jsonList(ids))
	return err
}

// ViolationsByClause implements supervise.Store and remind.ViolationCounter.
func (db *DB) ViolationsByClause(ctx context.Context, since time.Time) (map[string]int, error) {
	day := workday.DateOf(since, since.Location())
	out := map[string]int{}
	err := db.sqReportTallies(ctx, "violations by clause", `r.visit_date >= ? AND r.state IN (SELECT value FROM json_each(?))`,
		[]any{day.String(), jsonList(supervise.Counted)}, func(rt *supervise.ReportTally) {
			for _, c := range rt.Clauses {
				out[c]++
			}
		})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// The helpers below are shared with reports.go's former code; they go with supervise to sqlstore.

func inspDay(d workday.Date) any {
	if d.IsZero() {
		return nil
	}
	return d.String()
}

func inspParseDay(s sql.NullString) (workday.Date, error) {
	if !s.Valid || s.String == "" {
		return workday.Date{}, nil
	}
	return workday.ParseDate(s.String)
}

func inspBool(b bool) int {
	if b {
		return 1
	}
	return 0
}

// isUniqueViolation reports whether err is SQLite's UNIQUE or PRIMARY KEY constraint failure.
func isUniqueViolation(err error) bool {
	return err != nil && (strings.Contains(err.Error(), "UNIQUE constraint failed") || strings.Contains(err.Error(), "PRIMARY KEY"))
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}
