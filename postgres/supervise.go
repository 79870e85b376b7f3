package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/conductbot/conductbot/inspect"
	"github.com/conductbot/conductbot/supervise"
	"github.com/conductbot/conductbot/workday"
)

// The supervision store (package supervise): see migrations/030_supervise.sql. Rectifications move their report
// between 已确认, 整改中 and 已整改 in the same transaction, the way SetReportState does (state check, update,
// event).

var _ supervise.Store = (*DB)(nil)

// svTx runs f in one transaction, passing the domain errors through unwrapped.
func (db *DB) svTx(ctx context.Context, what string, f func(tx pgx.Tx) error) error {
	tx, err := db.pool.Begin(ctx)
	if err != nil {
		return fmt.Errorf("postgres: %s: %w", what, err)
	}
	defer rollback(ctx, tx)
	if err := f(tx); err != nil {
		if errors.Is(err, supervise.ErrNotFound) || errors.Is(err, supervise.ErrConflict) || errors.Is(err, supervise.ErrDuplicate) {
			return err
		}
		return fmt.Errorf("postgres: %s: %w", what, err)
	}
	if err := tx.Commit(ctx); err != nil {
		return fmt.Errorf("postgres: %s: commit: %w", what, err)
	}
	return nil
}

// SetWindowHead implements supervise.Store.
func (db *DB) SetWindowHead(ctx context.Context, h supervise.WindowHead) error {
	_, err := db.pool.Exec(ctx, `INSERT INTO supervise_heads (window_id, user_id, since) VALUES ($1, $2, $3::date)
		ON CONFLICT (window_id) DO UPDATE SET user_id = excluded.user_id, since = excluded.since`, h.WindowID, h.UserID, h.Since.String())
	if err != nil {
		return fmt.Errorf("postgres: set window head: %w", err)
	}
	return nil
}

// RemoveWindowHead implements supervise.Store.
func (db *DB) RemoveWindowHead(ctx context.Context, windowID int64) (bool, error) {
	tag, err := db.pool.Exec(ctx, `DELETE FROM supervise_heads WHERE window_id = $1`, windowID)
	if err != nil {
		return false, fmt.Errorf("postgres: remove window head: %w", err)
	}
	return tag.RowsAffected() > 0, nil
}

// WindowHeads implements supervise.Store.
func (db *DB) WindowHeads(ctx context.Context) ([]supervise.WindowHead, error) {
	rows, err := db.pool.Query(ctx, `SELECT window_id, user_id, since::text FROM supervise_heads ORDER BY window_id`)
	if err != nil {
		return nil, fmt.Errorf("postgres: window heads: %w", err)
	}
	defer rows.Close()
	var out []supervise.WindowHead
	for rows.Next() {
		var h supervise.WindowHead
		var since string
		if err := rows.Scan(&h.WindowID, &h.UserID, &since); err != nil {
			return nil, fmt.Errorf("postgres: window heads: %w", err)
		}
		h.Since, _ = workday.ParseDate(since)
		out = append(out, h)
	}
	return out, rows.Err()
}

// svMoveReport moves a report within a transaction that locked it: the update and its event, as SetReportState.
func svMoveReport(ctx context.Context, tx pgx.Tx, id string, to inspect.State, reason string, on workday.Date) error {
	if _, err := tx.Exec(ctx, `UPDATE reports SET state = $2, state_reason = $3, changed = $4::date WHERE id = $1`,
		id, string(to), reason, on.String()); err != nil {
		return err
	}
	_, err := tx.Exec(ctx, `INSERT INTO report_events (report_id, no, state, reason, on_day)
		VALUES ($1, (SELECT coalesce(max(no), 0) + 1 FROM report_events WHERE report_id = $1), $2, $3, $4::date)`,
		id, string(to), reason, on.String())
	return err
}

// RequireRectification implements supervise.Store.
func (db *DB) RequireRectification(ctx context.Context, r *supervise.Rectification, reason string) error {
	return db.svTx(ctx, "require rectification", func(tx pgx.Tx) error {
		var state string
		var window int64
		err := tx.QueryRow(ctx, `SELECT state, window_id FROM reports WHERE id = $1 FOR UPDATE`, r.ReportID).Scan(&state, &window)
		if errors.Is(err, pgx.ErrNoRows) {
			return supervise.ErrNotFound
		}
		if err != nil {
			return err
		}
		st := inspect.State(state)
		if st != inspect.Confirmed && st != inspect.Rectifying && st != inspect.Rectified {
			return supervise.ErrConflict
		}
		var found bool
		if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM report_findings WHERE report_id = $1 AND no = $2)`, r.ReportID, r.FindingNo).
			Scan(&found); err != nil {
			return err
		}
		if !found {
			return supervise.ErrNotFound
		}
		var unfinished bool
		if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM supervise_rectifications WHERE report_id = $1 AND finding_no = $2
			AND state <> 'accepted')`, r.ReportID, r.FindingNo).Scan(&unfinished); err != nil {
			return err
		}
		if unfinished {
			return supervise.ErrDuplicate
		}
		r.WindowID, r.State, r.Round = window, supervise.RectOpen, 0
		cs, _ := json.Marshal(pgNonNil(r.Clauses))
		_, err = tx.Exec(ctx, `INSERT INTO supervise_rectifications (id, report_id, finding_no, window_id, title, clauses, critical, state,
			required, deadline) VALUES ($1, $2, $3, $4, $5, $6::jsonb, $7, 'open', $8::date, $9::date)`,
			r.ID, r.ReportID, r.FindingNo, r.WindowID, r.Title, string(cs), r.Critical, r.Required.String(), r.Deadline.String())
		if isUnique(err) {
			return supervise.ErrDuplicate
		}
		if err != nil {
			return err
		}
		if err := pgRectEvent(ctx, tx, r.ID, supervise.ActRequired, "", r.Deadline, r.Required); err != nil {
			return err
		}
		if st != inspect.Rectifying {
			return svMoveReport(ctx, tx, r.ReportID, inspect.Rectifying, reason, r.Required)
		}
		return nil
	})
}

func pgRectEvent(ctx context.Context, tx pgx.Tx, id string, a supervise.RectAction, note string, deadline, on workday.Date) error {
	_, err := tx.Exec(ctx, `INSERT INTO supervise_rect_events (rect_id, no, action, note, deadline, on_day)
		VALUES ($1, (SELECT coalesce(max(no), 0) + 1 FROM supervise_rect_events WHERE rect_id = $1), $2, $3, $4::date, $5::date)`,
		id, string(a), note, inspNullDay(deadline), on.String())
	return err
}

const pgRectColumns = `x.id, x.report_id, x.finding_no, x.window_id, x.title, x.clauses, x.critical, x.state, x.required::text,
	x.deadline::text, x.reply, x.replied::text, x.closed::text, x.notified::text, x.round`

func scanPgRect(row pgx.Row) (*supervise.Rectification, error) {
	var r supervise.Rectification
	var clauses []byte
	var state, required, deadline string
	var replied, closed, notified *string
	if err := row.Scan(&r.ID, &r.ReportID, &r.FindingNo, &r.WindowID, &r.Title, &clauses, &r.Critical, &state, &required, &deadline,
		&r.Reply, &replied, &closed, &notified, &r.Round); err != nil {
		return nil, err
	}
	r.State = supervise.RectState(state)
	_ = json.Unmarshal(clauses, &r.Clauses)
	var errs [5]error
	r.Required, errs[0] = workday.ParseDate(required)
	r.Deadline, errs[1] = workday.ParseDate(deadline)
	r.Replied, errs[2] = inspParseNullDay(replied)
	r.Closed, errs[3] = inspParseNullDay(closed)
	r.Notified, errs[4] = inspParseNullDay(notified)
	return &r, errors.Join(errs[:]...)
}

// loadPgRectDetails reads the photos of the latest answer and the events of rectifications.
func (db *DB) loadPgRectDetails(ctx context.Context, rs []*supervise.Rectification) error {
	if len(rs) == 0 {
		return nil
	}
	byID := make(map[string]*supervise.Rectification, len(rs))
	ids := make([]string, len(rs))
	for i, r := range rs {
		byID[r.ID], ids[i] = r, r.ID
	}
	rows, err := db.pool.Query(ctx, `SELECT p.rect_id, p.id, p.width, p.height, p.bytes FROM supervise_rect_photos p
		JOIN supervise_rectifications x ON x.id = p.rect_id AND x.round = p.round
		WHERE p.rect_id = ANY($1) AND p.round > 0 ORDER BY p.rect_id, p.ord`, ids)
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
	rows, err = db.pool.Query(ctx, `SELECT rect_id, action, note, deadline::text, on_day::text FROM supervise_rect_events
		WHERE rect_id = ANY($1) ORDER BY rect_id, no`, ids)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var id, action, on string
		var deadline *string
		var e supervise.RectEvent
		if err := rows.Scan(&id, &action, &e.Note, &deadline, &on); err != nil {
			return err
		}
		e.Action = supervise.RectAction(action)
		e.Deadline, _ = inspParseNullDay(deadline)
		e.On, _ = workday.ParseDate(on)
		byID[id].Events = append(byID[id].Events, e)
	}
	return rows.Err()
}

// Rectification implements supervise.Store.
func (db *DB) Rectification(ctx context.Context, id string) (*supervise.Rectification, error) {
	r, err := scanPgRect(db.pool.QueryRow(ctx, `SELECT `+pgRectColumns+` FROM supervise_rectifications x WHERE x.id = $1`, id))
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, supervise.ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("postgres: rectification: %w", err)
	}
	if err := db.loadPgRectDetails(ctx, []*supervise.Rectification{r}); err != nil {
		return nil, fmt.Errorf("postgres: rectification: %w", err)
	}
	return r, nil
}

// Rectifications implements supervise.Store.
func (db *DB) Rectifications(ctx context.Context, f supervise.RectFilter) ([]supervise.Rectification, error) {
	var conds []string
	var args []any
	arg := func(v any) string {
		args = append(args, v)
		return "$" + strconv.Itoa(len(args))
	}
	join := ""
	if len(f.WindowIDs) > 0 {
		conds = append(conds, `x.window_id = ANY(`+arg(f.WindowIDs)+`)`)
	}
	if len(f.ReportIDs) > 0 {
		conds = append(conds, `x.report_id = ANY(`+arg(f.ReportIDs)+`)`)
	}
	if len(f.States) > 0 {
		ss := make([]string, len(f.States))
		for i, s := range f.States {
			ss[i] = string(s)
		}
		conds = append(conds, `x.state = ANY(`+arg(ss)+`)`)
	}
	if !f.DueBefore.IsZero() {
		conds = append(conds, `x.deadline < `+arg(f.DueBefore.String())+`::date`)
	}
	if !f.From.IsZero() || !f.To.IsZero() {
		join = ` JOIN reports r ON r.id = x.report_id`
		if !f.From.IsZero() {
			conds = append(conds, `r.visit_date >= `+arg(f.From.String())+`::date`)
		}
		if !f.To.IsZero() {
			conds = append(conds, `r.visit_date <= `+arg(f.To.String())+`::date`)
		}
	}
	q := `SELECT ` + pgRectColumns + ` FROM supervise_rectifications x` + join
	if len(conds) > 0 {
		q += ` WHERE ` + strings.Join(conds, " AND ")
	}
	q += ` ORDER BY x.deadline, x.id COLLATE "C"`
	rows, err := db.pool.Query(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("postgres: rectifications: %w", err)
	}
	var ptrs []*supervise.Rectification
	for rows.Next() {
		r, err := scanPgRect(rows)
		if err != nil {
			rows.Close()
			return nil, fmt.Errorf("postgres: rectifications: %w", err)
		}
		ptrs = append(ptrs, r)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("postgres: rectifications: %w", err)
	}
	for i := 0; i < len(ptrs); i += 1000 {
		if err := db.loadPgRectDetails(ctx, ptrs[i:min(i+1000, len(ptrs))]); err != nil {
			return nil, fmt.Errorf("postgres: rectifications: %w", err)
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
	_, err := db.pool.Exec(ctx, `INSERT INTO supervise_rect_photos (id, rect_id, round, ord, width, height, bytes, data)
		VALUES ($1, $2, 0, 0, $3, $4, $5, $6)`, p.ID, rectID, p.Width, p.Height, len(p.Data), p.Data)
	if isUnique(err) {
		return supervise.ErrDuplicate
	}
	if err != nil {
		var exists bool
		if db.pool.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM supervise_rectifications WHERE id = $1)`, rectID).Scan(&exists) == nil && !exists {
			return supervise.ErrNotFound
		}
		return fmt.Errorf("postgres: put rectification photo: %w", err)
	}
	return nil
}

// DeleteDraftRectPhotos implements supervise.Store.
func (db *DB) DeleteDraftRectPhotos(ctx context.Context, rectID string) error {
	if _, err := db.pool.Exec(ctx, `DELETE FROM supervise_rect_photos WHERE rect_id = $1 AND round = 0`, rectID); err != nil {
		return fmt.Errorf("postgres: delete draft rectification photos: %w", err)
	}
	return nil
}

// RectPhoto implements supervise.Store.
func (db *DB) RectPhoto(ctx context.Context, id string) (*inspect.Photo, error) {
	var p inspect.Photo
	err := db.pool.QueryRow(ctx, `SELECT id, width, height, bytes, data FROM supervise_rect_photos WHERE id = $1 AND round > 0`, id).
		Scan(&p.ID, &p.Width, &p.Height, &p.Bytes, &p.Data)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, supervise.ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("postgres: rectification photo: %w", err)
	}
	return &p, nil
}

// lockPgRect locks a rectification and returns its state, round and report.
func lockPgRect(ctx context.Context, tx pgx.Tx, id string) (state supervise.RectState, round int, report string, err error) {
	var s string
	err = tx.QueryRow(ctx, `SELECT state, round, report_id FROM supervise_rectifications WHERE id = $1 FOR UPDATE`, id).Scan(&s, &round, &report)
	if errors.Is(err, pgx.ErrNoRows) {
		return "", 0, "", supervise.ErrNotFound
	}
	return supervise.RectState(s), round, report, err
}

// SubmitRectification implements supervise.Store.
func (db *DB) SubmitRectification(ctx context.Context, id, reply string, photoIDs []string, on workday.Date) error {
	return db.svTx(ctx, "submit rectification", func(tx pgx.Tx) error {
		state, round, _, err := lockPgRect(ctx, tx, id)
		if err != nil {
			return err
		}
		if state != supervise.RectOpen {
			return supervise.ErrConflict
		}
		round++
		for k, pid := range photoIDs {
			tag, err := tx.Exec(ctx, `UPDATE supervise_rect_photos SET round = $3, ord = $4 WHERE id = $1 AND rect_id = $2 AND round = 0`,
				pid, id, round, k)
			if err != nil {
				return err
			}
			if tag.RowsAffected() != 1 {
				return fmt.Errorf("photo %s of the answer: %w", pid, supervise.ErrNotFound)
			}
		}
		if _, err := tx.Exec(ctx, `DELETE FROM supervise_rect_photos WHERE rect_id = $1 AND round = 0`, id); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE supervise_rectifications SET state = 'submitted', reply = $2, replied = $3::date, round = $4
			WHERE id = $1`, id, reply, on.String(), round); err != nil {
			return err
		}
		return pgRectEvent(ctx, tx, id, supervise.ActSubmitted, reply, workday.Date{}, on)
	})
}

// AcceptRectification implements supervise.Store.
func (db *DB) AcceptRectification(ctx context.Context, id, note string, on workday.Date) error {
	return db.svTx(ctx, "accept rectification", func(tx pgx.Tx) error {
		state, _, report, err := lockPgRect(ctx, tx, id)
		if err != nil {
			return err
		}
		if state != supervise.RectSubmitted {
			return supervise.ErrConflict
		}
		var repState string
		// The report is locked before the others are counted, so two acceptances of its last two
		// rectifications cannot both miss the move.
		if err := tx.QueryRow(ctx, `SELECT state FROM reports WHERE id = $1 FOR UPDATE`, report).Scan(&repState); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE supervise_rectifications SET state = 'accepted', closed = $2::date WHERE id = $1`, id, on.String()); err != nil {
			return err
		}
		if err := pgRectEvent(ctx, tx, id, supervise.ActAccepted, note, workday.Date{}, on); err != nil {
			return err
		}
		var left bool
		if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM supervise_rectifications WHERE report_id = $1 AND state <> 'accepted')`,
			report).Scan(&left); err != nil {
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
	return db.svTx(ctx, "return rectification", func(tx pgx.Tx) error {
		state, _, _, err := lockPgRect(ctx, tx, id)
		if err != nil {
			return err
		}
		if state != supervise.RectSubmitted {
			return supervise.ErrConflict
		}
		if _, err := tx.Exec(ctx, `UPDATE supervise_rectifications SET state = 'open', deadline = $2::date, notified = NULL WHERE id = $1`,
			id, deadline.String()); err != nil {
			return err
		}
		return pgRectEvent(ctx, tx, id, supervise.ActReturned, reason, deadline, on)
	})
}

// MarkRectNotified implements supervise.Store.
func (db *DB) MarkRectNotified(ctx context.Context, id string, day workday.Date) (bool, error) {
	tag, err := db.pool.Exec(ctx, `UPDATE supervise_rectifications SET notified = $2::date WHERE id = $1 AND (notified IS NULL OR notified < $2::date)`,
		id, day.String())
	if err != nil {
		return false, fmt.Errorf("postgres: mark rectification notified: %w", err)
	}
	return tag.RowsAffected() == 1, nil
}

// PutAdjustment implements supervise.Store.
func (db *DB) PutAdjustment(ctx context.Context, a *supervise.Adjustment) error {
	return db.svTx(ctx, "put adjustment", func(tx pgx.Tx) error {
		// Revisions are numbered one at a time.
		if _, err := tx.Exec(ctx, `LOCK TABLE supervise_adjustments IN SHARE ROW EXCLUSIVE MODE`); err != nil {
			return err
		}
		return tx.QueryRow(ctx, `INSERT INTO supervise_adjustments (window_id, month, rev, compliance, suggested, final, reason, decided)
			VALUES ($1, $2, (SELECT coalesce(max(rev), 0) + 1 FROM supervise_adjustments WHERE window_id = $1 AND month = $2),
			$3, $4, $5, $6, $7::date) RETURNING rev`,
			a.WindowID, a.Month.String(), a.Compliance, a.Suggested, a.Final, a.Reason, a.Decided.String()).Scan(&a.Rev)
	})
}

const pgAdjColumns = `window_id, month, rev, compliance, suggested, final, reason, decided::text`

func scanPgAdjustments(rows pgx.Rows) ([]supervise.Adjustment, error) {
	defer rows.Close()
	var out []supervise.Adjustment
	for rows.Next() {
		var a supervise.Adjustment
		var month, decided string
		if err := rows.Scan(&a.WindowID, &month, &a.Rev, &a.Compliance, &a.Suggested, &a.Final, &a.Reason, &decided); err != nil {
			return nil, err
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
	rows, err := db.pool.Query(ctx, `SELECT DISTINCT ON (window_id) `+pgAdjColumns+` FROM supervise_adjustments
		WHERE month = $1 ORDER BY window_id, rev DESC`, m.String())
	if err != nil {
		return nil, fmt.Errorf("postgres: adjustments: %w", err)
	}
	out, err := scanPgAdjustments(rows)
	if err != nil {
		return nil, fmt.Errorf("postgres: adjustments: %w", err)
	}
	return out, nil
}

// AdjustmentRevisions implements supervise.Store.
func (db *DB) AdjustmentRevisions(ctx context.Context, windowID int64, m supervise.Month) ([]supervise.Adjustment, error) {
	rows, err := db.pool.Query(ctx, `SELECT `+pgAdjColumns+` FROM supervise_adjustments WHERE window_id = $1 AND month = $2 ORDER BY rev`,
		windowID, m.String())
	if err != nil {
		return nil, fmt.Errorf("postgres: adjustment revisions: %w", err)
	}
	out, err := scanPgAdjustments(rows)
	if err != nil {
		return nil, fmt.Errorf("postgres: adjustment revisions: %w", err)
	}
	return out, nil
}

func pgStates(states []inspect.State) []string {
	ss := make([]string, len(states))
	for i, s := range states {
		ss[i] = string(s)
	}
	return ss
}

// Tallies implements supervise.Store. Each report's answers and findings are aggregated once into
// supervise_report_tallies (migrations/031_supervise_tallies.sql: they never change after filing); a period is
// then one row a report, joined with the report's current state and added up in Go.
func (db *DB) Tallies(ctx context.Context, from, to workday.Date, states []inspect.State) (map[int64]*supervise.Tally, error) {
	out := map[int64]*supervise.Tally{}
	err := db.pgReportTallies(ctx, "tallies", `r.visit_date BETWEEN $1::date AND $2::date AND r.state = ANY($3)`,
		[]any{from.String(), to.String(), pgStates(states)}, func(rt *supervise.ReportTally) { supervise.AddReport(out, rt) })
	if err != nil {
		return nil, err
	}
	supervise.SortTallies(out)
	return out, nil
}

// pgReportTallies calls add with the aggregate of every report where selects, making the aggregates that are
// missing first.
func (db *DB) pgReportTallies(ctx context.Context, what, where string, args []any, add func(*supervise.ReportTally)) error {
	read := func(tx pgx.Tx, add func(*supervise.ReportTally)) (missing []string, err error) {
		rows, err := tx.Query(ctx, `SELECT r.id, r.window_id, r.visit_date::text, r.half_day, t.pass, t.fail, t.unobserved,
				t.weight_pass, t.weight_observed, t.critical, t.clauses
			FROM reports r LEFT JOIN supervise_report_tallies t ON t.report_id = r.id
			WHERE `+where, args...)
		if err != nil {
			return nil, err
		}
		defer rows.Close()
		for rows.Next() {
			var rt supervise.ReportTally
			var visit, half string
			var pass, fail, unobs, wp, wo *int
			var critical []byte
			var clauses *string
			if err := rows.Scan(&rt.ReportID, &rt.WindowID, &visit, &half, &pass, &fail, &unobs, &wp, &wo, &critical, &clauses); err != nil {
				return nil, err
			}
			if pass == nil {
				missing = append(missing, rt.ReportID)
				continue
			}
			rt.VisitDate, _ = workday.ParseDate(visit)
			rt.HalfDay = inspect.HalfDay(half)
			rt.Pass, rt.Fail, rt.Unobserved, rt.WeightPass, rt.WeightObserved = *pass, *fail, *unobs, *wp, *wo
			if len(critical) > 2 {
				if err := json.Unmarshal(critical, &rt.Critical); err != nil {
					return nil, err
				}
			}
			if *clauses != "" {
				rt.Clauses = strings.Split(*clauses, ",")
			}
			add(&rt)
		}
		return missing, rows.Err()
	}
	var missing []string
	var got []supervise.ReportTally
	err := db.svReadTx(ctx, what, func(tx pgx.Tx) error {
		var err error
		missing, err = read(tx, func(rt *supervise.ReportTally) { got = append(got, *rt) })
		return err
	})
	if err != nil {
		return err
	}
	if len(missing) > 0 {
		for i := 0; i < len(missing); i += 5000 {
			if err := db.pgFillTallies(ctx, missing[i:min(i+5000, len(missing))]); err != nil {
				return fmt.Errorf("postgres: %s: %w", what, err)
			}
		}
		got = got[:0]
		err = db.svReadTx(ctx, what, func(tx pgx.Tx) error {
			left, err := read(tx, func(rt *supervise.ReportTally) { got = append(got, *rt) })
			if err == nil && len(left) > 0 {
				err = fmt.Errorf("%d reports without aggregates", len(left))
			}
			return err
		})
		if err != nil {
			return err
		}
	}
	for i := range got {
		add(&got[i])
	}
	return nil
}

// pgFillTallies makes the aggregates of reports.
func (db *DB) pgFillTallies(ctx context.Context, ids []string) error {
	_, err := db.pool.Exec(ctx, `INSERT INTO supervise_report_tallies (report_id, pass, fail, unobserved, weight_pass, weight_observed,
			critical, clauses)
		SELECT r.id, it.p, it.f, it.u, it.wp, it.wo, it.crit, coalesce(fc.cl, '')
		FROM reports r
		CROSS JOIN LATERAL (SELECT count(*) FILTER (WHERE i.result = 'pass') AS p, count(*) FILTER (WHERE i.result = 'fail') AS f,
				count(*) FILTER (WHERE i.result = 'unobserved') AS u,
				coalesce(sum(i.weight) FILTER (WHERE i.result = 'pass'), 0) AS wp,
				coalesce(sum(i.weight) FILTER (WHERE i.result IN ('pass', 'fail')), 0) AS wo,
				coalesce(jsonb_agg(jsonb_build_object('key', i.key, 'title', i.title, 'clauses', i.clauses) ORDER BY i.ord)
					FILTER (WHERE i.result = 'fail' AND i.critical), '[]'::jsonb) AS crit
			FROM report_items i WHERE i.report_id = r.id) it
		LEFT JOIN LATERAL (SELECT string_agg(DISTINCT c.clause, ',') AS cl
			FROM report_findings f CROSS JOIN LATERAL jsonb_array_elements_text(f.clauses) AS c(clause)
			WHERE f.report_id = r.id) fc ON true
		WHERE r.id = ANY($1)
		ON CONFLICT (report_id) DO NOTHING`, ids)
	return err
}

// svReadTx runs f in a read-only transaction tuned for aggregates: no JIT, enough memory to sort in memory.
func (db *DB) svReadTx(ctx context.Context, what string, f func(tx pgx.Tx) error) error {
	tx, err := db.pool.BeginTx(ctx, pgx.TxOptions{AccessMode: pgx.ReadOnly})
	if err != nil {
		return fmt.Errorf("postgres: %s: %w", what, err)
	}
	defer rollback(ctx, tx)
	if _, err := tx.Exec(ctx, `SET LOCAL jit = off; SET LOCAL work_mem = '64MB'`); err != nil {
		return fmt.Errorf("postgres: %s: %w", what, err)
	}
	if err := f(tx); err != nil {
		return fmt.Errorf("postgres: %s: %w", what, err)
	}
	return tx.Commit(ctx)
}

// ViolationsByClause implements supervise.Store and remind.ViolationCounter.
func (db *DB) ViolationsByClause(ctx context.Context, since time.Time) (map[string]int, error) {
	day := workday.DateOf(since, since.Location())
	out := map[string]int{}
	err := db.pgReportTallies(ctx, "violations by clause", `r.visit_date >= $1::date AND r.state = ANY($2)`,
		[]any{day.String(), pgStates(supervise.Counted)}, func(rt *supervise.ReportTally) {
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

func inspNullDay(d workday.Date) *string {
	if d.IsZero() {
		return nil
	}
	s := d.String()
	return &s
}

func inspParseNullDay(s *string) (workday.Date, error) {
	if s == nil || *s == "" {
		return workday.Date{}, nil
	}
	return workday.ParseDate(*s)
}

// isUnique reports whether err is a unique or primary key violation.
func isUnique(err error) bool {
	var pe *pgconn.PgError
	return errors.As(err, &pe) && pe.Code == "23505"
}

func pgNonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}
