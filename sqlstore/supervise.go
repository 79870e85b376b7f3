package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/conductbot/conductbot/inspect"
	"github.com/conductbot/conductbot/supervise"
	"github.com/conductbot/conductbot/workday"
)

// The supervision store (package supervise): see migrations/030_supervise.sql of either engine. Rectifications
// move their report between 已确认, 整改中 and 已整改 in the same transaction, the way SetReportState does (state
// check, update, event); the rows read to decide are locked (Dialect.ForUpdate) or the transaction holds the
// write lock from its start (SQLite).

var _ supervise.Store = (*Store)(nil)

// svPass are the errors of package supervise that a transaction returns as they are.
func svPass(err error) bool {
	return errors.Is(err, supervise.ErrNotFound) || errors.Is(err, supervise.ErrConflict) || errors.Is(err, supervise.ErrDuplicate)
}

// svTx runs f in one transaction, passing the domain errors through unwrapped.
func (s *Store) svTx(ctx context.Context, what string, f func(tx *sql.Tx) error) error {
	return s.tx(ctx, what, svPass, f)
}

// SetWindowHead implements supervise.Store.
func (s *Store) SetWindowHead(ctx context.Context, h supervise.WindowHead) error {
	_, err := s.db.ExecContext(ctx, `INSERT INTO supervise_heads (window_id, user_id, since) VALUES ($1, $2, $3)
		ON CONFLICT (window_id) DO UPDATE SET user_id = excluded.user_id, since = excluded.since`, h.WindowID, h.UserID, h.Since.String())
	if err != nil {
		return s.errorf("set window head", err)
	}
	return nil
}

// RemoveWindowHead implements supervise.Store.
func (s *Store) RemoveWindowHead(ctx context.Context, windowID int64) (bool, error) {
	res, err := s.db.ExecContext(ctx, `DELETE FROM supervise_heads WHERE window_id = $1`, windowID)
	if err != nil {
		return false, s.errorf("remove window head", err)
	}
	n, err := res.RowsAffected()
	return n > 0, err
}

// WindowHeads implements supervise.Store.
func (s *Store) WindowHeads(ctx context.Context) ([]supervise.WindowHead, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT window_id, user_id, since FROM supervise_heads ORDER BY window_id`)
	if err != nil {
		return nil, s.errorf("window heads", err)
	}
	defer rows.Close()
	var out []supervise.WindowHead
	for rows.Next() {
		var h supervise.WindowHead
		if err := rows.Scan(&h.WindowID, &h.UserID, Day(&h.Since)); err != nil {
			return nil, s.errorf("window heads", err)
		}
		out = append(out, h)
	}
	return out, rows.Err()
}

// RequireRectification implements supervise.Store.
func (s *Store) RequireRectification(ctx context.Context, r *supervise.Rectification, reason string) error {
	return s.svTx(ctx, "require rectification", func(tx *sql.Tx) error {
		var state string
		var window int64
		err := tx.QueryRowContext(ctx, `SELECT state, window_id FROM reports WHERE id = $1`+s.d.ForUpdate(), r.ReportID).Scan(&state, &window)
		if errNoRows(err) {
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
		if err := tx.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM report_findings WHERE report_id = $1 AND no = $2),
			EXISTS (SELECT 1 FROM supervise_rectifications WHERE report_id = $1 AND finding_no = $2 AND state <> 'accepted')`,
			r.ReportID, r.FindingNo).Scan(&found, &unfinished); err != nil {
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
			state, required, deadline) VALUES ($1, $2, $3, $4, $5, $6, $7, 'open', $8, $9)`,
			r.ID, r.ReportID, r.FindingNo, r.WindowID, r.Title, string(cs), r.Critical, r.Required.String(), r.Deadline.String())
		if s.d.IsUniqueViolation(err) {
			return supervise.ErrDuplicate
		}
		if err != nil {
			return err
		}
		if err := rectEvent(ctx, tx, r.ID, supervise.ActRequired, "", r.Deadline, r.Required); err != nil {
			return err
		}
		if st != inspect.Rectifying {
			return setState(ctx, tx, r.ReportID, inspect.Rectifying, reason, r.Required)
		}
		return nil
	})
}

func rectEvent(ctx context.Context, tx *sql.Tx, id string, a supervise.RectAction, note string, deadline, on workday.Date) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO supervise_rect_events (rect_id, no, action, note, deadline, on_day)
		VALUES ($1, (SELECT coalesce(max(no), 0) + 1 FROM supervise_rect_events WHERE rect_id = $1), $2, $3, $4, $5)`,
		id, string(a), note, day(deadline), on.String())
	return err
}

const rectColumns = `x.id, x.report_id, x.finding_no, x.window_id, x.title, x.clauses, x.critical, x.state, x.required, x.deadline,
	x.reply, x.replied, x.closed, x.notified, x.round`

func scanRect(row interface{ Scan(...any) error }) (*supervise.Rectification, error) {
	var r supervise.Rectification
	var clauses []byte
	var state string
	if err := row.Scan(&r.ID, &r.ReportID, &r.FindingNo, &r.WindowID, &r.Title, &clauses, &r.Critical, &state, Day(&r.Required),
		Day(&r.Deadline), &r.Reply, Day(&r.Replied), Day(&r.Closed), Day(&r.Notified), &r.Round); err != nil {
		return nil, err
	}
	r.State = supervise.RectState(state)
	_ = json.Unmarshal(clauses, &r.Clauses)
	return &r, nil
}

// loadRectDetails reads the photos of the latest answer and the events of rectifications.
func (s *Store) loadRectDetails(ctx context.Context, rs []*supervise.Rectification) error {
	if len(rs) == 0 {
		return nil
	}
	byID := make(map[string]*supervise.Rectification, len(rs))
	ids := make([]string, len(rs))
	for i, r := range rs {
		byID[r.ID], ids[i] = r, r.ID
	}
	list := s.d.List(ids)
	rows, err := s.db.QueryContext(ctx, `SELECT p.rect_id, p.id, p.width, p.height, p.bytes FROM supervise_rect_photos p
		JOIN supervise_rectifications x ON x.id = p.rect_id AND x.round = p.round
		WHERE `+s.d.In("p.rect_id", "$1")+` AND p.round > 0 ORDER BY p.rect_id, p.ord`, list)
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
	rows, err = s.db.QueryContext(ctx, `SELECT rect_id, action, note, deadline, on_day FROM supervise_rect_events
		WHERE `+s.d.In("rect_id", "$1")+` ORDER BY rect_id, no`, list)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var id, action string
		var e supervise.RectEvent
		if err := rows.Scan(&id, &action, &e.Note, Day(&e.Deadline), Day(&e.On)); err != nil {
			return err
		}
		e.Action = supervise.RectAction(action)
		byID[id].Events = append(byID[id].Events, e)
	}
	return rows.Err()
}

// Rectification implements supervise.Store.
func (s *Store) Rectification(ctx context.Context, id string) (*supervise.Rectification, error) {
	r, err := scanRect(s.db.QueryRowContext(ctx, `SELECT `+rectColumns+` FROM supervise_rectifications x WHERE x.id = $1`, id))
	if errNoRows(err) {
		return nil, supervise.ErrNotFound
	}
	if err != nil {
		return nil, s.errorf("rectification", err)
	}
	if err := s.loadRectDetails(ctx, []*supervise.Rectification{r}); err != nil {
		return nil, s.errorf("rectification", err)
	}
	return r, nil
}

// strs is the values of a string-typed slice as []string, for Dialect.List.
func strs[T ~string](vs []T) []string {
	out := make([]string, len(vs))
	for i, v := range vs {
		out[i] = string(v)
	}
	return out
}

// rectWhere is the FROM … WHERE of a filter of rectifications (x) and its arguments.
func (s *Store) rectWhere(f supervise.RectFilter) (string, []any) {
	var conds []string
	var args []any
	arg := func(v any) string {
		args = append(args, v)
		return "$" + strconv.Itoa(len(args))
	}
	join := ""
	if len(f.WindowIDs) > 0 {
		conds = append(conds, s.d.In("x.window_id", arg(s.d.List(f.WindowIDs))))
	}
	if len(f.ReportIDs) > 0 {
		conds = append(conds, s.d.In("x.report_id", arg(s.d.List(f.ReportIDs))))
	}
	if len(f.States) > 0 {
		conds = append(conds, s.d.In("x.state", arg(s.d.List(strs(f.States)))))
	}
	if !f.DueBefore.IsZero() {
		conds = append(conds, `x.deadline < `+arg(f.DueBefore.String()))
	}
	if !f.From.IsZero() || !f.To.IsZero() {
		join = ` JOIN reports r ON r.id = x.report_id`
		if !f.From.IsZero() {
			conds = append(conds, `r.visit_date >= `+arg(f.From.String()))
		}
		if !f.To.IsZero() {
			conds = append(conds, `r.visit_date <= `+arg(f.To.String()))
		}
	}
	q := ` FROM supervise_rectifications x` + join
	if len(conds) > 0 {
		q += ` WHERE ` + strings.Join(conds, " AND ")
	}
	return q, args
}

// rectPage reads the rectifications of one query with their photos and events.
func (s *Store) rectPage(ctx context.Context, q string, args []any) ([]*supervise.Rectification, error) {
	rows, err := s.db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	var ptrs []*supervise.Rectification
	for rows.Next() {
		r, err := scanRect(rows)
		if err != nil {
			rows.Close()
			return nil, err
		}
		ptrs = append(ptrs, r)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	for i := 0; i < len(ptrs); i += detailsBatch {
		if err := s.loadRectDetails(ctx, ptrs[i:min(i+detailsBatch, len(ptrs))]); err != nil {
			return nil, err
		}
	}
	return ptrs, nil
}

// Rectifications implements supervise.Store.
func (s *Store) Rectifications(ctx context.Context, f supervise.RectFilter) ([]supervise.Rectification, error) {
	from, args := s.rectWhere(f)
	ptrs, err := s.rectPage(ctx, `SELECT `+rectColumns+from+` ORDER BY x.deadline, x.id`, args)
	if err != nil {
		return nil, s.errorf("rectifications", err)
	}
	out := make([]supervise.Rectification, len(ptrs))
	for i, r := range ptrs {
		out[i] = *r
	}
	return out, nil
}

// EachRectification implements supervise.Store: Rectifications' rows and order, read in keyset pages.
func (s *Store) EachRectification(ctx context.Context, f supervise.RectFilter, fn func(*supervise.Rectification) error) error {
	from, args := s.rectWhere(f)
	err := eachPage(from, args, `x.deadline, x.id`,
		func(r *supervise.Rectification) []any { return []any{r.Deadline.String(), r.ID} },
		func(q string, args []any) ([]*supervise.Rectification, error) {
			return s.rectPage(ctx, `SELECT `+rectColumns+q, args)
		}, fn)
	return s.storeError("each rectification", err)
}

// CountRectifications implements supervise.Store.
func (s *Store) CountRectifications(ctx context.Context, f supervise.RectFilter) (int, error) {
	from, args := s.rectWhere(f)
	var n int
	if err := s.db.QueryRowContext(ctx, `SELECT count(*)`+from, args...).Scan(&n); err != nil {
		return 0, s.errorf("count rectifications", err)
	}
	return n, nil
}

// PutRectPhoto implements supervise.Store.
func (s *Store) PutRectPhoto(ctx context.Context, rectID string, p *inspect.Photo) error {
	_, err := s.db.ExecContext(ctx, `INSERT INTO supervise_rect_photos (id, rect_id, round, ord, width, height, bytes, data)
		VALUES ($1, $2, 0, 0, $3, $4, $5, $6)`, p.ID, rectID, p.Width, p.Height, len(p.Data), p.Data)
	if s.d.IsUniqueViolation(err) {
		return supervise.ErrDuplicate
	}
	if err != nil {
		// Most likely the foreign key: no such rectification.
		var exists bool
		if s.db.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM supervise_rectifications WHERE id = $1)`, rectID).Scan(&exists) == nil && !exists {
			return supervise.ErrNotFound
		}
		return s.errorf("put rectification photo", err)
	}
	return nil
}

// DeleteDraftRectPhotos implements supervise.Store.
func (s *Store) DeleteDraftRectPhotos(ctx context.Context, rectID string) error {
	if _, err := s.db.ExecContext(ctx, `DELETE FROM supervise_rect_photos WHERE rect_id = $1 AND round = 0`, rectID); err != nil {
		return s.errorf("delete draft rectification photos", err)
	}
	return nil
}

// RectPhoto implements supervise.Store.
func (s *Store) RectPhoto(ctx context.Context, id string) (*inspect.Photo, error) {
	var p inspect.Photo
	err := s.db.QueryRowContext(ctx, `SELECT id, width, height, bytes, data FROM supervise_rect_photos WHERE id = $1 AND round > 0`, id).
		Scan(&p.ID, &p.Width, &p.Height, &p.Bytes, &p.Data)
	if errNoRows(err) {
		return nil, supervise.ErrNotFound
	}
	if err != nil {
		return nil, s.errorf("rectification photo", err)
	}
	return &p, nil
}

// lockRect locks a rectification and returns its state, round and report.
func (s *Store) lockRect(ctx context.Context, tx *sql.Tx, id string) (state supervise.RectState, round int, report string, err error) {
	var st string
	err = tx.QueryRowContext(ctx, `SELECT state, round, report_id FROM supervise_rectifications WHERE id = $1`+s.d.ForUpdate(), id).
		Scan(&st, &round, &report)
	if errNoRows(err) {
		return "", 0, "", supervise.ErrNotFound
	}
	return supervise.RectState(st), round, report, err
}

// SubmitRectification implements supervise.Store.
func (s *Store) SubmitRectification(ctx context.Context, id, reply string, photoIDs []string, on workday.Date) error {
	return s.svTx(ctx, "submit rectification", func(tx *sql.Tx) error {
		state, round, _, err := s.lockRect(ctx, tx, id)
		if err != nil {
			return err
		}
		if state != supervise.RectOpen {
			return supervise.ErrConflict
		}
		round++
		for k, pid := range photoIDs {
			res, err := tx.ExecContext(ctx, `UPDATE supervise_rect_photos SET round = $3, ord = $4 WHERE id = $1 AND rect_id = $2 AND round = 0`,
				pid, id, round, k)
			if err != nil {
				return err
			}
			if n, _ := res.RowsAffected(); n != 1 {
				return fmt.Errorf("photo %s of the answer: %w", pid, supervise.ErrNotFound)
			}
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM supervise_rect_photos WHERE rect_id = $1 AND round = 0`, id); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE supervise_rectifications SET state = 'submitted', reply = $2, replied = $3, round = $4
			WHERE id = $1`, id, reply, on.String(), round); err != nil {
			return err
		}
		return rectEvent(ctx, tx, id, supervise.ActSubmitted, reply, workday.Date{}, on)
	})
}

// AcceptRectification implements supervise.Store.
func (s *Store) AcceptRectification(ctx context.Context, id, note string, on workday.Date) error {
	return s.svTx(ctx, "accept rectification", func(tx *sql.Tx) error {
		state, _, report, err := s.lockRect(ctx, tx, id)
		if err != nil {
			return err
		}
		if state != supervise.RectSubmitted {
			return supervise.ErrConflict
		}
		var repState string
		// The report is locked before the others are counted, so two acceptances of its last two
		// rectifications cannot both miss the move.
		if err := tx.QueryRowContext(ctx, `SELECT state FROM reports WHERE id = $1`+s.d.ForUpdate(), report).Scan(&repState); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE supervise_rectifications SET state = 'accepted', closed = $2 WHERE id = $1`, id, on.String()); err != nil {
			return err
		}
		if err := rectEvent(ctx, tx, id, supervise.ActAccepted, note, workday.Date{}, on); err != nil {
			return err
		}
		var left bool
		if err := tx.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM supervise_rectifications WHERE report_id = $1 AND state <> 'accepted')`,
			report).Scan(&left); err != nil {
			return err
		}
		if !left && inspect.State(repState) == inspect.Rectifying {
			return setState(ctx, tx, report, inspect.Rectified, "整改完成", on)
		}
		return nil
	})
}

// ReturnRectification implements supervise.Store.
func (s *Store) ReturnRectification(ctx context.Context, id, reason string, deadline, on workday.Date) error {
	return s.svTx(ctx, "return rectification", func(tx *sql.Tx) error {
		state, _, _, err := s.lockRect(ctx, tx, id)
		if err != nil {
			return err
		}
		if state != supervise.RectSubmitted {
			return supervise.ErrConflict
		}
		if _, err := tx.ExecContext(ctx, `UPDATE supervise_rectifications SET state = 'open', deadline = $2, notified = NULL WHERE id = $1`,
			id, deadline.String()); err != nil {
			return err
		}
		return rectEvent(ctx, tx, id, supervise.ActReturned, reason, deadline, on)
	})
}

// MarkRectNotified implements supervise.Store.
func (s *Store) MarkRectNotified(ctx context.Context, id string, on workday.Date) (bool, error) {
	res, err := s.db.ExecContext(ctx, `UPDATE supervise_rectifications SET notified = $2 WHERE id = $1 AND (notified IS NULL OR notified < $2)`,
		id, on.String())
	if err != nil {
		return false, s.errorf("mark rectification notified", err)
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

// PutAdjustment implements supervise.Store.
func (s *Store) PutAdjustment(ctx context.Context, a *supervise.Adjustment) error {
	return s.svTx(ctx, "put adjustment", func(tx *sql.Tx) error {
		// Revisions are numbered one at a time.
		if err := s.serialize(ctx, tx, "supervise_adjustments"); err != nil {
			return err
		}
		return tx.QueryRowContext(ctx, `INSERT INTO supervise_adjustments (window_id, month, rev, compliance, suggested, final, reason, decided)
			VALUES ($1, $2, (SELECT coalesce(max(rev), 0) + 1 FROM supervise_adjustments WHERE window_id = $1 AND month = $2),
			$3, $4, $5, $6, $7) RETURNING rev`,
			a.WindowID, a.Month.String(), a.Compliance, a.Suggested, a.Final, a.Reason, a.Decided.String()).Scan(&a.Rev)
	})
}

const adjColumns = `window_id, month, rev, compliance, suggested, final, reason, decided`

func scanAdjustments(rows *sql.Rows) ([]supervise.Adjustment, error) {
	defer rows.Close()
	var out []supervise.Adjustment
	for rows.Next() {
		var a supervise.Adjustment
		var month string
		var compliance sql.NullFloat64
		if err := rows.Scan(&a.WindowID, &month, &a.Rev, &compliance, &a.Suggested, &a.Final, &a.Reason, Day(&a.Decided)); err != nil {
			return nil, err
		}
		if compliance.Valid {
			c := compliance.Float64
			a.Compliance = &c
		}
		a.Final = math.Round(a.Final*10) / 10
		var err error
		if a.Month, err = supervise.ParseMonth(month, supervise.Month{}); err != nil {
			return nil, err
		}
		out = append(out, a)
	}
	return out, rows.Err()
}

// Adjustments implements supervise.Store.
func (s *Store) Adjustments(ctx context.Context, m supervise.Month) ([]supervise.Adjustment, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT `+adjColumns+` FROM supervise_adjustments a WHERE month = $1
		AND rev = (SELECT max(rev) FROM supervise_adjustments b WHERE b.window_id = a.window_id AND b.month = a.month) ORDER BY window_id`, m.String())
	if err != nil {
		return nil, s.errorf("adjustments", err)
	}
	out, err := scanAdjustments(rows)
	if err != nil {
		return nil, s.errorf("adjustments", err)
	}
	return out, nil
}

// AdjustmentRevisions implements supervise.Store.
func (s *Store) AdjustmentRevisions(ctx context.Context, windowID int64, m supervise.Month) ([]supervise.Adjustment, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT `+adjColumns+` FROM supervise_adjustments WHERE window_id = $1 AND month = $2 ORDER BY rev`,
		windowID, m.String())
	if err != nil {
		return nil, s.errorf("adjustment revisions", err)
	}
	out, err := scanAdjustments(rows)
	if err != nil {
		return nil, s.errorf("adjustment revisions", err)
	}
	return out, nil
}

// Tallies implements supervise.Store. Each report's answers and findings are aggregated once into
// supervise_report_tallies (migrations/031_supervise_tallies.sql: they never change after filing); a period is
// then one row a report, joined with the report's current state and added up in Go.
func (s *Store) Tallies(ctx context.Context, from, to workday.Date, states []inspect.State) (map[int64]*supervise.Tally, error) {
	out := map[int64]*supervise.Tally{}
	err := s.reportTallies(ctx, "tallies", `r.visit_date BETWEEN $1 AND $2 AND `+s.d.In("r.state", "$3"),
		[]any{from.String(), to.String(), s.d.List(strs(states))}, func(rt *supervise.ReportTally) { supervise.AddReport(out, rt) })
	if err != nil {
		return nil, err
	}
	supervise.SortTallies(out)
	return out, nil
}

// ViolationsByClause implements supervise.Store and remind.ViolationCounter.
func (s *Store) ViolationsByClause(ctx context.Context, since time.Time) (map[string]int, error) {
	from := workday.DateOf(since, since.Location())
	out := map[string]int{}
	err := s.reportTallies(ctx, "violations by clause", `r.visit_date >= $1 AND `+s.d.In("r.state", "$2"),
		[]any{from.String(), s.d.List(strs(supervise.Counted))}, func(rt *supervise.ReportTally) {
			for _, c := range rt.Clauses {
				out[c]++
			}
		})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// reportTallies calls add with the aggregate of every report where selects, making the aggregates that are
// missing first.
func (s *Store) reportTallies(ctx context.Context, what, where string, args []any, add func(*supervise.ReportTally)) error {
	got, missing, err := s.readTallies(ctx, where, args)
	if err != nil {
		return s.errorf(what, err)
	}
	if len(missing) > 0 {
		for i := 0; i < len(missing); i += detailsBatch {
			if err := s.fillTallies(ctx, missing[i:min(i+detailsBatch, len(missing))]); err != nil {
				return s.errorf(what, err)
			}
		}
		if got, missing, err = s.readTallies(ctx, where, args); err != nil {
			return s.errorf(what, err)
		}
		if len(missing) > 0 {
			return fmt.Errorf("%s: %s: %d reports without aggregates", s.name, what, len(missing))
		}
	}
	for i := range got {
		add(&got[i])
	}
	return nil
}

// readTallies reads the aggregates of the reports where selects, and the IDs of those that have none yet, in a
// read transaction tuned for aggregates where the engine has settings for it (Dialect.AggregateSettings).
func (s *Store) readTallies(ctx context.Context, where string, args []any) (got []supervise.ReportTally, missing []string, err error) {
	var q querier = s.db
	if set := s.d.AggregateSettings(); set != "" {
		tx, err := s.db.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
		if err != nil {
			return nil, nil, err
		}
		defer tx.Rollback()
		if _, err := tx.ExecContext(ctx, set); err != nil {
			return nil, nil, err
		}
		q = tx
	}
	rows, err := q.QueryContext(ctx, `SELECT r.id, r.window_id, r.visit_date, r.half_day, t.pass, t.fail, t.unobserved,
			t.weight_pass, t.weight_observed, t.critical, t.clauses
		FROM reports r LEFT JOIN supervise_report_tallies t ON t.report_id = r.id
		WHERE `+where, args...)
	if err != nil {
		return nil, nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var rt supervise.ReportTally
		var half string
		var pass, fail, unobs, wp, wo sql.NullInt64
		var critical []byte
		var clauses sql.NullString
		if err := rows.Scan(&rt.ReportID, &rt.WindowID, Day(&rt.VisitDate), &half, &pass, &fail, &unobs, &wp, &wo, &critical, &clauses); err != nil {
			return nil, nil, err
		}
		if !pass.Valid {
			missing = append(missing, rt.ReportID)
			continue
		}
		rt.HalfDay = inspect.HalfDay(half)
		rt.Pass, rt.Fail, rt.Unobserved = int(pass.Int64), int(fail.Int64), int(unobs.Int64)
		rt.WeightPass, rt.WeightObserved = int(wp.Int64), int(wo.Int64)
		if len(critical) > 2 {
			if err := json.Unmarshal(critical, &rt.Critical); err != nil {
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

// fillTallies makes the aggregates of reports, in Go from their items and findings: the counts and weights of
// the answers, the critical items answered 不符合 in order, and the distinct clauses the findings break.
func (s *Store) fillTallies(ctx context.Context, ids []string) error {
	type agg struct {
		supervise.ReportTally
		seen map[string]bool
	}
	byID := make(map[string]*agg, len(ids))
	for _, id := range ids {
		byID[id] = &agg{ReportTally: supervise.ReportTally{ReportID: id, Critical: []supervise.CriticalItem{}}, seen: map[string]bool{}}
	}
	list := s.d.List(ids)
	rows, err := s.db.QueryContext(ctx, `SELECT report_id, key, title, clauses, weight, critical, result FROM report_items
		WHERE `+s.d.In("report_id", "$1")+` ORDER BY report_id, ord`, list)
	if err != nil {
		return err
	}
	for rows.Next() {
		var id, key, title, result string
		var clauses []byte
		var weight int
		var critical bool
		if err := rows.Scan(&id, &key, &title, &clauses, &weight, &critical, &result); err != nil {
			rows.Close()
			return err
		}
		a := byID[id]
		switch inspect.Result(result) {
		case inspect.Pass:
			a.Pass++
			a.WeightPass += weight
			a.WeightObserved += weight
		case inspect.Fail:
			a.Fail++
			a.WeightObserved += weight
			if critical {
				c := supervise.CriticalItem{Key: key, Title: title, Clauses: []string{}}
				_ = json.Unmarshal(clauses, &c.Clauses)
				a.Critical = append(a.Critical, c)
			}
		case inspect.Unobserved:
			a.Unobserved++
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	rows, err = s.db.QueryContext(ctx, `SELECT report_id, clauses FROM report_findings
		WHERE `+s.d.In("report_id", "$1")+` ORDER BY report_id, no`, list)
	if err != nil {
		return err
	}
	for rows.Next() {
		var id string
		var clauses []byte
		if err := rows.Scan(&id, &clauses); err != nil {
			rows.Close()
			return err
		}
		var cs []string
		_ = json.Unmarshal(clauses, &cs)
		a := byID[id]
		for _, c := range cs {
			if !a.seen[c] {
				a.seen[c] = true
				a.Clauses = append(a.Clauses, c)
			}
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	args := make([]any, 0, 8*len(ids))
	for _, id := range ids {
		a := byID[id]
		crit, err := json.Marshal(a.Critical)
		if err != nil {
			return err
		}
		args = append(args, id, a.Pass, a.Fail, a.Unobserved, a.WeightPass, a.WeightObserved, string(crit), strings.Join(a.Clauses, ","))
	}
	_, err = s.db.ExecContext(ctx, `INSERT INTO supervise_report_tallies (report_id, pass, fail, unobserved, weight_pass,
			weight_observed, critical, clauses)
		VALUES `+valuesMarks(len(ids), 8)+` ON CONFLICT (report_id) DO NOTHING`, args...)
	return err
}
