package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"time"

	"github.com/conductbot/conductbot/inspect"
	"github.com/conductbot/conductbot/workday"
)

// The spot-check store (package inspect): see migrations/020_reports.sql of either engine.

var _ inspect.Store = (*Store)(nil)

// inspPass are the errors of package inspect that a transaction returns as they are.
func inspPass(err error) bool {
	return errors.Is(err, inspect.ErrNotFound) || errors.Is(err, inspect.ErrConflict) || errors.Is(err, inspect.ErrDuplicate) ||
		errors.Is(err, inspect.ErrInviteUnknown) || errors.Is(err, inspect.ErrInviteUsed) || errors.Is(err, inspect.ErrInviteExpired)
}

// inspTx runs f in one transaction.
func (s *Store) inspTx(ctx context.Context, what string, f func(tx *sql.Tx) error) error {
	return s.tx(ctx, what, inspPass, f)
}

// Windows implements inspect.WindowStore.
func (s *Store) Windows(ctx context.Context, all bool) ([]inspect.Window, error) {
	q := `SELECT id, no, name, active FROM inspect_windows`
	if !all {
		q += ` WHERE active`
	}
	rows, err := s.db.QueryContext(ctx, q)
	if err != nil {
		return nil, s.errorf("windows", err)
	}
	defer rows.Close()
	var out []inspect.Window
	for rows.Next() {
		var w inspect.Window
		if err := rows.Scan(&w.ID, &w.No, &w.Name, &w.Active); err != nil {
			return nil, s.errorf("windows", err)
		}
		out = append(out, w)
	}
	if err := rows.Err(); err != nil {
		return nil, s.errorf("windows", err)
	}
	inspect.SortWindows(out)
	return out, nil
}

// Window implements inspect.WindowStore.
func (s *Store) Window(ctx context.Context, id int64) (*inspect.Window, error) {
	var w inspect.Window
	err := s.db.QueryRowContext(ctx, `SELECT id, no, name, active FROM inspect_windows WHERE id = $1`, id).Scan(&w.ID, &w.No, &w.Name, &w.Active)
	if errNoRows(err) {
		return nil, inspect.ErrNotFound
	}
	if err != nil {
		return nil, s.errorf("window", err)
	}
	return &w, nil
}

// PutWindows implements inspect.WindowStore.
func (s *Store) PutWindows(ctx context.Context, ws []inspect.Window, deactivateOthers bool) (added, updated, deactivated int, err error) {
	err = s.inspTx(ctx, "put windows", func(tx *sql.Tx) error {
		added, updated, deactivated = 0, 0, 0
		// One writer at a time: two lists loaded at once must not both insert the same number.
		if err := s.serialize(ctx, tx, "inspect_windows"); err != nil {
			return err
		}
		nos := make([]string, 0, len(ws))
		for _, w := range ws {
			nos = append(nos, w.No)
			var name string
			var active bool
			err := tx.QueryRowContext(ctx, `SELECT name, active FROM inspect_windows WHERE no = $1`, w.No).Scan(&name, &active)
			switch {
			case errNoRows(err):
				if _, err := tx.ExecContext(ctx, `INSERT INTO inspect_windows (no, name, active) VALUES ($1, $2, $3)`, w.No, w.Name, w.Active); err != nil {
					return err
				}
				added++
			case err != nil:
				return err
			case name != w.Name || active != w.Active:
				if _, err := tx.ExecContext(ctx, `UPDATE inspect_windows SET name = $2, active = $3 WHERE no = $1`, w.No, w.Name, w.Active); err != nil {
					return err
				}
				updated++
			}
		}
		if !deactivateOthers {
			return nil
		}
		res, err := tx.ExecContext(ctx, `UPDATE inspect_windows SET active = false WHERE active AND NOT (`+s.d.In("no", "$1")+`)`, s.d.List(nos))
		if err != nil {
			return err
		}
		n, err := res.RowsAffected()
		deactivated = int(n)
		return err
	})
	return added, updated, deactivated, err
}

func scanChecklist(row interface{ Scan(...any) error }) (*inspect.Checklist, error) {
	var c inspect.Checklist
	var items []byte
	if err := row.Scan(&c.ID, &c.Number, &c.CodeVersionID, &items, Day(&c.Created)); err != nil {
		return nil, err
	}
	if err := json.Unmarshal(items, &c.Items); err != nil {
		return nil, fmt.Errorf("checklist items: %w", err)
	}
	return &c, nil
}

const checklistColumns = `id, number, code_version_id, items, created`

// ChecklistInForce implements inspect.ChecklistStore.
func (s *Store) ChecklistInForce(ctx context.Context) (*inspect.Checklist, error) {
	c, err := scanChecklist(s.db.QueryRowContext(ctx, `SELECT `+checklistColumns+` FROM inspect_checklists ORDER BY number DESC LIMIT 1`))
	if errNoRows(err) {
		return nil, inspect.ErrNotFound
	}
	if err != nil {
		return nil, s.errorf("checklist in force", err)
	}
	return c, nil
}

// Checklist implements inspect.ChecklistStore.
func (s *Store) Checklist(ctx context.Context, id int64) (*inspect.Checklist, error) {
	c, err := scanChecklist(s.db.QueryRowContext(ctx, `SELECT `+checklistColumns+` FROM inspect_checklists WHERE id = $1`, id))
	if errNoRows(err) {
		return nil, inspect.ErrNotFound
	}
	if err != nil {
		return nil, s.errorf("checklist", err)
	}
	return c, nil
}

// PutChecklist implements inspect.ChecklistStore.
func (s *Store) PutChecklist(ctx context.Context, c *inspect.Checklist) error {
	items, err := json.Marshal(c.Items)
	if err != nil {
		return err
	}
	return s.inspTx(ctx, "put checklist", func(tx *sql.Tx) error {
		if err := s.serialize(ctx, tx, "inspect_checklists"); err != nil {
			return err
		}
		return tx.QueryRowContext(ctx, `INSERT INTO inspect_checklists (number, code_version_id, items, created)
			VALUES ((SELECT coalesce(max(number), 0) + 1 FROM inspect_checklists), $1, $2, $3) RETURNING id, number`,
			c.CodeVersionID, string(items), c.Created.String()).Scan(&c.ID, &c.Number)
	})
}

// AddInvites implements inspect.InspectorStore.
func (s *Store) AddInvites(ctx context.Context, hashes []string, created workday.Date, expires time.Time) error {
	return s.inspTx(ctx, "add invites", func(tx *sql.Tx) error {
		for _, h := range hashes {
			_, err := tx.ExecContext(ctx, `INSERT INTO inspector_invites (hash, created, expires_at) VALUES ($1, $2, $3)`,
				h, created.String(), s.d.Time(expires))
			if s.d.IsUniqueViolation(err) {
				return inspect.ErrDuplicate
			}
			if err != nil {
				return err
			}
		}
		return nil
	})
}

// RedeemInvite implements inspect.InspectorStore.
func (s *Store) RedeemInvite(ctx context.Context, hash string, userID int64, now time.Time, loc *time.Location) (*inspect.Inspector, error) {
	var in *inspect.Inspector
	err := s.inspTx(ctx, "redeem invite", func(tx *sql.Tx) error {
		var expires time.Time
		var used bool
		err := tx.QueryRowContext(ctx, `SELECT expires_at, used FROM inspector_invites WHERE hash = $1`+s.d.ForUpdate(), hash).
			Scan(At(&expires), &used)
		if errNoRows(err) {
			return inspect.ErrInviteUnknown
		}
		if err != nil {
			return err
		}
		switch {
		case used:
			return inspect.ErrInviteUsed
		case !now.Before(expires):
			return inspect.ErrInviteExpired
		}
		// Labels are numbered one at a time.
		if err := s.serialize(ctx, tx, "inspectors"); err != nil {
			return err
		}
		var revoked sql.NullString
		err = tx.QueryRowContext(ctx, `SELECT revoked FROM inspectors WHERE user_id = $1`, userID).Scan(&revoked)
		if err == nil && !revoked.Valid {
			return inspect.ErrDuplicate
		}
		if err != nil && !errNoRows(err) {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE inspector_invites SET used = true WHERE hash = $1`, hash); err != nil {
			return err
		}
		joined := workday.DateOf(now, loc)
		var no int
		if err := tx.QueryRowContext(ctx, `INSERT INTO inspectors (user_id, no, joined)
			VALUES ($1, (SELECT coalesce(max(no), 0) + 1 FROM inspectors), $2)
			ON CONFLICT (user_id) DO UPDATE SET no = excluded.no, joined = excluded.joined, revoked = NULL
			RETURNING no`, userID, joined.String()).Scan(&no); err != nil {
			return err
		}
		in = &inspect.Inspector{UserID: userID, No: no, Joined: joined}
		return nil
	})
	return in, err
}

// BurnInvite implements inspect.InspectorStore.
func (s *Store) BurnInvite(ctx context.Context, hash string) (bool, error) {
	res, err := s.db.ExecContext(ctx, `UPDATE inspector_invites SET used = true WHERE hash = $1 AND NOT used`, hash)
	if err != nil {
		return false, s.errorf("burn invite", err)
	}
	n, err := res.RowsAffected()
	return n > 0, err
}

// OpenInvites implements inspect.InspectorStore.
func (s *Store) OpenInvites(ctx context.Context, now time.Time) (int, error) {
	var n int
	err := s.db.QueryRowContext(ctx, `SELECT count(*) FROM inspector_invites WHERE NOT used AND expires_at > $1`, s.d.Time(now)).Scan(&n)
	if err != nil {
		return 0, s.errorf("open invites", err)
	}
	return n, nil
}

const inspectorColumns = `user_id, no, joined, revoked`

func scanInspector(row interface{ Scan(...any) error }) (*inspect.Inspector, error) {
	var in inspect.Inspector
	if err := row.Scan(&in.UserID, &in.No, Day(&in.Joined), Day(&in.Revoked)); err != nil {
		return nil, err
	}
	return &in, nil
}

// Inspector implements inspect.InspectorStore.
func (s *Store) Inspector(ctx context.Context, userID int64) (*inspect.Inspector, error) {
	in, err := scanInspector(s.db.QueryRowContext(ctx, `SELECT `+inspectorColumns+` FROM inspectors WHERE user_id = $1`, userID))
	if errNoRows(err) {
		return nil, inspect.ErrNotFound
	}
	if err != nil {
		return nil, s.errorf("inspector", err)
	}
	return in, nil
}

// Inspectors implements inspect.InspectorStore.
func (s *Store) Inspectors(ctx context.Context) ([]inspect.Inspector, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT `+inspectorColumns+` FROM inspectors ORDER BY no`)
	if err != nil {
		return nil, s.errorf("inspectors", err)
	}
	defer rows.Close()
	var out []inspect.Inspector
	for rows.Next() {
		in, err := scanInspector(rows)
		if err != nil {
			return nil, s.errorf("inspectors", err)
		}
		out = append(out, *in)
	}
	return out, rows.Err()
}

// RevokeInspector implements inspect.InspectorStore.
func (s *Store) RevokeInspector(ctx context.Context, no int, on workday.Date) (*inspect.Inspector, error) {
	in, err := scanInspector(s.db.QueryRowContext(ctx, `UPDATE inspectors SET revoked = $2 WHERE no = $1 AND revoked IS NULL
		RETURNING `+inspectorColumns, no, on.String()))
	if errNoRows(err) {
		return nil, inspect.ErrNotFound
	}
	if err != nil {
		return nil, s.errorf("revoke inspector", err)
	}
	return in, nil
}

// JoinLocked implements inspect.InspectorStore.
func (s *Store) JoinLocked(ctx context.Context, chatID int64, now time.Time) (time.Time, error) {
	var until time.Time
	err := s.db.QueryRowContext(ctx, `SELECT locked_until FROM inspector_lockouts WHERE chat_id = $1 AND locked_until > $2`,
		chatID, s.d.Time(now)).Scan(At(&until))
	if errNoRows(err) {
		return time.Time{}, nil
	}
	if err != nil {
		return time.Time{}, s.errorf("join lock", err)
	}
	return until, nil
}

// JoinFailed implements inspect.InspectorStore.
func (s *Store) JoinFailed(ctx context.Context, chatID int64, now time.Time, p inspect.Lockout) (failures int, lockedUntil time.Time, err error) {
	err = s.inspTx(ctx, "join failed", func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO inspector_lockouts (chat_id, since, failures) VALUES ($1, $2, 0) ON CONFLICT (chat_id) DO NOTHING`,
			chatID, s.d.Time(now)); err != nil {
			return err
		}
		var start, lu time.Time
		if err := tx.QueryRowContext(ctx, `SELECT since, failures, locked_until FROM inspector_lockouts WHERE chat_id = $1`+s.d.ForUpdate(), chatID).
			Scan(At(&start), &failures, At(&lu)); err != nil {
			return err
		}
		if !now.Before(start.Add(p.Window)) && !now.Before(lu) {
			start, failures, lu = now, 0, time.Time{}
		}
		failures++
		if failures >= p.Max && lu.IsZero() {
			lu = now.Add(p.For)
		}
		if _, err := tx.ExecContext(ctx, `UPDATE inspector_lockouts SET since = $2, failures = $3, locked_until = $4 WHERE chat_id = $1`,
			chatID, s.d.Time(start), failures, s.nullTime(lu)); err != nil {
			return err
		}
		if now.Before(lu) {
			lockedUntil = lu
		}
		return nil
	})
	return failures, lockedUntil, err
}

// JoinSucceeded implements inspect.InspectorStore.
func (s *Store) JoinSucceeded(ctx context.Context, chatID int64) error {
	if _, err := s.db.ExecContext(ctx, `DELETE FROM inspector_lockouts WHERE chat_id = $1`, chatID); err != nil {
		return s.errorf("join succeeded", err)
	}
	return nil
}

// PutDraftPhoto implements inspect.ReportStore.
func (s *Store) PutDraftPhoto(ctx context.Context, draftID string, p *inspect.Photo, expires time.Time) error {
	_, err := s.db.ExecContext(ctx, `INSERT INTO report_photos (id, draft_id, draft_expires, width, height, bytes, data)
		VALUES ($1, $2, $3, $4, $5, $6, $7)`, p.ID, draftID, s.d.Time(expires.Truncate(time.Hour)), p.Width, p.Height, len(p.Data), p.Data)
	if s.d.IsUniqueViolation(err) {
		return inspect.ErrDuplicate
	}
	if err != nil {
		return s.errorf("put draft photo", err)
	}
	return nil
}

// DeleteDraftPhotos implements inspect.ReportStore.
func (s *Store) DeleteDraftPhotos(ctx context.Context, draftID string, ids ...string) error {
	var err error
	if len(ids) == 0 {
		_, err = s.db.ExecContext(ctx, `DELETE FROM report_photos WHERE draft_id = $1`, draftID)
	} else {
		_, err = s.db.ExecContext(ctx, `DELETE FROM report_photos WHERE draft_id = $1 AND `+s.d.In("id", "$2"), draftID, s.d.List(ids))
	}
	if err != nil {
		return s.errorf("delete draft photos", err)
	}
	return nil
}

// DeleteExpiredDrafts implements inspect.ReportStore.
func (s *Store) DeleteExpiredDrafts(ctx context.Context, now time.Time) (int, error) {
	res, err := s.db.ExecContext(ctx, `DELETE FROM report_photos WHERE draft_id IS NOT NULL AND draft_expires <= $1`, s.d.Time(now))
	if err != nil {
		return 0, s.errorf("delete expired drafts", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, s.errorf("delete expired drafts", err)
	}
	// Hourly: a checkpoint a reader kept from completing after a filing is done now.
	if cerr := s.d.Checkpoint(ctx); cerr != nil {
		s.log.LogAttrs(ctx, slog.LevelWarn, s.name+": checkpoint", slog.String("error", cerr.Error()))
	}
	return int(n), nil
}

// FileReport implements inspect.ReportStore.
func (s *Store) FileReport(ctx context.Context, r *inspect.Report, draftID string) error {
	return s.connTx(ctx, "file report", inspPass, func(conn *sql.Conn, tx *sql.Tx) error {
		return s.fileReport(ctx, conn, tx, r, draftID, nil)
	})
}

// Submit implements inspect.ReportStore. The draft's state is sealed (inspect.Options.SealKey), so what the
// engine keeps of its earlier versions holds only ciphertext next to the chat ID; SQLite's write-ahead log is
// checkpointed after all the same.
func (s *Store) Submit(ctx context.Context, sub inspect.Submission) error {
	var then batch
	then.add(`DELETE FROM bot_states WHERE chat_id = $1 AND kind = $2`, sub.StateChat, inspect.KindDraft)
	then.add(`INSERT INTO bot_states (chat_id, kind, data, expires_at, updated_at) VALUES ($1, $2, $3, $4, $5)
		ON CONFLICT (chat_id, kind) DO UPDATE SET data = excluded.data, expires_at = excluded.expires_at, updated_at = excluded.updated_at`,
		sub.StateChat, inspect.KindReceipt, string(sub.Receipt), s.d.Time(sub.ReceiptExpires), s.d.Time(sub.Updated))
	err := s.connTx(ctx, "submit report", inspPass, func(conn *sql.Conn, tx *sql.Tx) error {
		return s.fileReport(ctx, conn, tx, sub.Report, sub.DraftID, then)
	})
	if err != nil {
		return err
	}
	if err := s.d.Checkpoint(ctx); err != nil {
		// Filed all the same; the next filing or the hourly sweep checkpoints again.
		s.log.LogAttrs(ctx, slog.LevelWarn, s.name+": checkpoint after filing a report", slog.String("error", err.Error()))
	}
	return nil
}

// fileReport stores a report from a draft in tx, open on conn (FileReport), then runs the statements of then,
// all in one batch: on PostgreSQL the whole filing is BEGIN, one round trip, COMMIT.
//
// ⚠️ A new column of reports, report_items or report_findings goes here, in reportColumns/scanReport or
// loadDetails, in both engines' migrations, and in storetest.
func (s *Store) fileReport(ctx context.Context, conn *sql.Conn, tx *sql.Tx, r *inspect.Report, draftID string, then batch) error {
	b := make(batch, 0, 5+len(r.Items)+2*len(r.Findings)+len(then))
	b.add(`INSERT INTO reports (id, window_id, window_label, visit_date, half_day, filed, code_version_id,
		checklist_id, description, state, state_reason, changed, receipt_hash)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, '', $6, $11)`,
		r.ID, r.WindowID, r.WindowLabel, r.VisitDate.String(), string(r.HalfDay), r.Filed.String(), r.CodeVersionID,
		r.ChecklistID, r.Description, string(r.State), r.ReceiptHash)
	for i, it := range r.Items {
		cs, _ := json.Marshal(nonNil(it.Clauses))
		b.add(`INSERT INTO report_items (report_id, ord, key, title, clauses, weight, critical, result)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`, r.ID, i, it.Key, it.Title, string(cs), it.Weight, it.Critical, string(it.Result))
	}
	for _, f := range r.Findings {
		cs, _ := json.Marshal(nonNil(f.Clauses))
		b.add(`INSERT INTO report_findings (report_id, no, item_key, title, clauses, critical, note, source)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`, r.ID, f.No, f.ItemKey, f.Title, string(cs), f.Critical, f.Note, string(f.Source))
	}
	var photos int
	for _, f := range r.Findings {
		photos += len(f.Photos)
	}
	moved := make([]int64, photos)
	k := 0
	for _, f := range r.Findings {
		for ord, p := range f.Photos {
			b.addCounted(&moved[k], `UPDATE report_photos SET report_id = $1, finding_no = $2, ord = $3, draft_id = NULL, draft_expires = NULL
				WHERE id = $4 AND draft_id = $5`, r.ID, f.No, ord, p.ID, draftID)
			k++
		}
	}
	b.add(`DELETE FROM report_photos WHERE draft_id = $1`, draftID)
	b.add(`INSERT INTO report_events (report_id, no, state, reason, on_day) VALUES ($1, 1, $2, '', $3)`,
		r.ID, string(r.State), r.Filed.String())
	b.add(`INSERT INTO report_outbox (report_id) VALUES ($1)`, r.ID)
	b = append(b, then...)
	if err := s.d.Batch(ctx, conn, tx, b); err != nil {
		if s.d.IsUniqueViolation(err) {
			return inspect.ErrDuplicate
		}
		return err
	}
	for _, n := range moved {
		if n != 1 {
			return fmt.Errorf("photo of the draft: %w", inspect.ErrNotFound)
		}
	}
	return nil
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// ⚠️ A new column of reports goes here, in scanReport and fileReport, in both engines' migrations, and in storetest.
const reportColumns = `id, window_id, window_label, visit_date, half_day, filed, code_version_id, checklist_id, description,
	state, state_reason, changed, receipt_hash`

func scanReport(row interface{ Scan(...any) error }) (*inspect.Report, error) {
	var r inspect.Report
	var half, state string
	if err := row.Scan(&r.ID, &r.WindowID, &r.WindowLabel, Day(&r.VisitDate), &half, Day(&r.Filed), &r.CodeVersionID, &r.ChecklistID,
		&r.Description, &state, &r.StateReason, Day(&r.Changed), &r.ReceiptHash); err != nil {
		return nil, err
	}
	r.HalfDay, r.State = inspect.HalfDay(half), inspect.State(state)
	return &r, nil
}

// loadDetails reads the items, findings (with their photos' references) and, when full, supplements and events
// of reports.
func (s *Store) loadDetails(ctx context.Context, reps []*inspect.Report, full bool) error {
	if len(reps) == 0 {
		return nil
	}
	byID := make(map[string]*inspect.Report, len(reps))
	ids := make([]string, len(reps))
	for i, r := range reps {
		byID[r.ID], ids[i] = r, r.ID
	}
	list := s.d.List(ids)
	in := s.d.In("report_id", "$1")
	rows, err := s.db.QueryContext(ctx, `SELECT report_id, key, title, clauses, weight, critical, result FROM report_items
		WHERE `+in+` ORDER BY report_id, ord`, list)
	if err != nil {
		return err
	}
	for rows.Next() {
		var id, result string
		var clauses []byte
		var it inspect.ItemResult
		if err := rows.Scan(&id, &it.Key, &it.Title, &clauses, &it.Weight, &it.Critical, &result); err != nil {
			rows.Close()
			return err
		}
		_ = json.Unmarshal(clauses, &it.Clauses)
		it.Result = inspect.Result(result)
		byID[id].Items = append(byID[id].Items, it)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	rows, err = s.db.QueryContext(ctx, `SELECT report_id, no, item_key, title, clauses, critical, note, source FROM report_findings
		WHERE `+in+` ORDER BY report_id, no`, list)
	if err != nil {
		return err
	}
	for rows.Next() {
		var id, source string
		var clauses []byte
		var f inspect.Finding
		if err := rows.Scan(&id, &f.No, &f.ItemKey, &f.Title, &clauses, &f.Critical, &f.Note, &source); err != nil {
			rows.Close()
			return err
		}
		_ = json.Unmarshal(clauses, &f.Clauses)
		f.Source = inspect.Source(source)
		byID[id].Findings = append(byID[id].Findings, f)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	rows, err = s.db.QueryContext(ctx, `SELECT report_id, finding_no, id, width, height, bytes FROM report_photos
		WHERE `+in+` ORDER BY report_id, finding_no, ord`, list)
	if err != nil {
		return err
	}
	for rows.Next() {
		var id string
		var no int
		var p inspect.PhotoRef
		if err := rows.Scan(&id, &no, &p.ID, &p.Width, &p.Height, &p.Bytes); err != nil {
			rows.Close()
			return err
		}
		r := byID[id]
		for i := range r.Findings {
			if r.Findings[i].No == no {
				r.Findings[i].Photos = append(r.Findings[i].Photos, p)
			}
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil || !full {
		return err
	}
	rows, err = s.db.QueryContext(ctx, `SELECT report_id, no, text, added FROM report_supplements
		WHERE `+in+` ORDER BY report_id, no`, list)
	if err != nil {
		return err
	}
	for rows.Next() {
		var id string
		var sp inspect.Supplement
		if err := rows.Scan(&id, &sp.No, &sp.Text, Day(&sp.Added)); err != nil {
			rows.Close()
			return err
		}
		byID[id].Supplements = append(byID[id].Supplements, sp)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	rows, err = s.db.QueryContext(ctx, `SELECT report_id, state, reason, on_day FROM report_events
		WHERE `+in+` ORDER BY report_id, no`, list)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var id, state string
		var e inspect.Event
		if err := rows.Scan(&id, &state, &e.Reason, Day(&e.On)); err != nil {
			return err
		}
		e.State = inspect.State(state)
		byID[id].Events = append(byID[id].Events, e)
	}
	return rows.Err()
}

func (s *Store) oneReport(ctx context.Context, where string, arg any) (*inspect.Report, error) {
	r, err := scanReport(s.db.QueryRowContext(ctx, `SELECT `+reportColumns+` FROM reports WHERE `+where, arg))
	if errNoRows(err) {
		return nil, inspect.ErrNotFound
	}
	if err != nil {
		return nil, s.errorf("report", err)
	}
	if err := s.loadDetails(ctx, []*inspect.Report{r}, true); err != nil {
		return nil, s.errorf("report", err)
	}
	return r, nil
}

// Report implements inspect.ReportStore.
func (s *Store) Report(ctx context.Context, id string) (*inspect.Report, error) {
	return s.oneReport(ctx, `id = $1`, id)
}

// ReportByReceipt implements inspect.ReportStore.
func (s *Store) ReportByReceipt(ctx context.Context, hash string) (*inspect.Report, error) {
	return s.oneReport(ctx, `receipt_hash = $1`, hash)
}

// reportWhere is the WHERE clause of a filter and its arguments.
func (s *Store) reportWhere(f inspect.ReportFilter) (string, []any) {
	var conds []string
	var args []any
	arg := func(v any) string {
		args = append(args, v)
		return "$" + strconv.Itoa(len(args))
	}
	if f.WindowID != 0 {
		conds = append(conds, `window_id = `+arg(f.WindowID))
	}
	if !f.From.IsZero() {
		conds = append(conds, `visit_date >= `+arg(f.From.String()))
	}
	if !f.To.IsZero() {
		conds = append(conds, `visit_date <= `+arg(f.To.String()))
	}
	if len(f.States) > 0 {
		ss := make([]string, len(f.States))
		for i, st := range f.States {
			ss[i] = string(st)
		}
		conds = append(conds, s.d.In("state", arg(s.d.List(ss))))
	}
	if len(conds) == 0 {
		return "", args
	}
	return ` WHERE ` + strings.Join(conds, " AND "), args
}

// detailsBatch is how many reports' details one round of loadDetails reads.
const detailsBatch = 500

// Reports implements inspect.ReportStore.
func (s *Store) Reports(ctx context.Context, f inspect.ReportFilter) ([]inspect.Report, error) {
	where, args := s.reportWhere(f)
	q := `SELECT ` + reportColumns + ` FROM reports` + where + ` ORDER BY visit_date DESC, half_day DESC, id`
	if f.Limit > 0 || f.Offset > 0 {
		args = append(args, limit(f.Limit), f.Offset)
		q += ` LIMIT $` + strconv.Itoa(len(args)-1) + ` OFFSET $` + strconv.Itoa(len(args))
	}
	rows, err := s.db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, s.errorf("reports", err)
	}
	var ptrs []*inspect.Report
	for rows.Next() {
		r, err := scanReport(rows)
		if err != nil {
			rows.Close()
			return nil, s.errorf("reports", err)
		}
		ptrs = append(ptrs, r)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, s.errorf("reports", err)
	}
	if f.WithItems {
		for i := 0; i < len(ptrs); i += detailsBatch {
			if err := s.loadDetails(ctx, ptrs[i:min(i+detailsBatch, len(ptrs))], false); err != nil {
				return nil, s.errorf("reports", err)
			}
		}
	}
	out := make([]inspect.Report, len(ptrs))
	for i, r := range ptrs {
		out[i] = *r
	}
	return out, nil
}

// exportPage is how many rows one page of EachReport and EachRectification reads: memory stays bounded by it,
// however many rows the filter selects.
const exportPage = 500

// eachPage walks a query in keyset pages of exportPage rows ordered by keyCols: page reads the rows of a query
// (FROM … WHERE … as from, with args) with the added condition that they come after the key of the last row of
// the page before (key gives it), and fn is called with each row. fn's error is returned as it is.
func eachPage[T any](from string, args []any, keyCols string, key func(*T) []any, page func(q string, args []any) ([]*T, error),
	fn func(*T) error) error {
	var last *T
	for {
		q, a := from, args
		if last != nil {
			n := len(a)
			a = append(a[:n:n], key(last)...)
			ps := make([]string, len(a)-n)
			for i := range ps {
				ps[i] = "$" + strconv.Itoa(n+i+1)
			}
			cond := `(` + keyCols + `) > (` + strings.Join(ps, ", ") + `)`
			if strings.Contains(q, " WHERE ") {
				q += ` AND ` + cond
			} else {
				q += ` WHERE ` + cond
			}
		}
		rows, err := page(q+` ORDER BY `+keyCols+` LIMIT `+strconv.Itoa(exportPage), a)
		if err != nil {
			return &pageError{err}
		}
		for _, r := range rows {
			if err := fn(r); err != nil {
				return err
			}
		}
		if len(rows) < exportPage {
			return nil
		}
		last = rows[len(rows)-1]
	}
}

// pageError is a failure to read a page (eachPage), told from fn's errors.
type pageError struct{ err error }

func (e *pageError) Error() string { return e.err.Error() }
func (e *pageError) Unwrap() error { return e.err }

// storeError wraps what of err is the store's (a pageError) as what; fn's errors pass as they are.
func (s *Store) storeError(what string, err error) error {
	var pe *pageError
	if errors.As(err, &pe) {
		return s.errorf(what, pe.err)
	}
	return err
}

// EachReport implements supervise.ReportStore: the reports f selects (their items and findings), oldest visit
// first (then morning first, then by ID), read in pages with a keyset (rows after the last one read), so that a
// report is seen once even as others are filed meanwhile.
func (s *Store) EachReport(ctx context.Context, f inspect.ReportFilter, fn func(*inspect.Report) error) error {
	where, args := s.reportWhere(f)
	err := eachPage(` FROM reports`+where, args, `visit_date, half_day, id`,
		func(r *inspect.Report) []any { return []any{r.VisitDate.String(), string(r.HalfDay), r.ID} },
		func(q string, args []any) ([]*inspect.Report, error) {
			page, err := s.reportPage(ctx, `SELECT `+reportColumns+q, args)
			if err == nil && f.WithItems {
				err = s.loadDetails(ctx, page, false)
			}
			return page, err
		}, fn)
	return s.storeError("each report", err)
}

// reportPage reads the reports of one query, without their details.
func (s *Store) reportPage(ctx context.Context, q string, args []any) ([]*inspect.Report, error) {
	rows, err := s.db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*inspect.Report
	for rows.Next() {
		r, err := scanReport(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// CountReportRows implements supervise.ReportStore: how many reports f selects, and how many checklist answers
// and findings they hold.
func (s *Store) CountReportRows(ctx context.Context, f inspect.ReportFilter) (reports, items, findings int, err error) {
	where, args := s.reportWhere(f)
	sel := `SELECT id FROM reports` + where
	err = s.db.QueryRowContext(ctx, `SELECT (SELECT count(*) FROM reports`+where+`),
		(SELECT count(*) FROM report_items WHERE report_id IN (`+sel+`)),
		(SELECT count(*) FROM report_findings WHERE report_id IN (`+sel+`))`, args...).Scan(&reports, &items, &findings)
	if err != nil {
		return 0, 0, 0, s.errorf("count report rows", err)
	}
	return reports, items, findings, nil
}

// CountReports implements inspect.ReportStore.
func (s *Store) CountReports(ctx context.Context, f inspect.ReportFilter) (int, error) {
	where, args := s.reportWhere(f)
	var n int
	if err := s.db.QueryRowContext(ctx, `SELECT count(*) FROM reports`+where, args...).Scan(&n); err != nil {
		return 0, s.errorf("count reports", err)
	}
	return n, nil
}

// Photo implements inspect.ReportStore.
func (s *Store) Photo(ctx context.Context, id string) (*inspect.Photo, error) {
	var p inspect.Photo
	err := s.db.QueryRowContext(ctx, `SELECT id, width, height, bytes, data FROM report_photos WHERE id = $1 AND report_id IS NOT NULL`, id).
		Scan(&p.ID, &p.Width, &p.Height, &p.Bytes, &p.Data)
	if errNoRows(err) {
		return nil, inspect.ErrNotFound
	}
	if err != nil {
		return nil, s.errorf("photo", err)
	}
	return &p, nil
}

// AddSupplement implements inspect.ReportStore.
func (s *Store) AddSupplement(ctx context.Context, reportID, text string, on workday.Date) (int, error) {
	var no int
	err := s.inspTx(ctx, "add supplement", func(tx *sql.Tx) error {
		// Locking the report row numbers its supplements one at a time.
		var id string
		err := tx.QueryRowContext(ctx, `SELECT id FROM reports WHERE id = $1`+s.d.ForUpdate(), reportID).Scan(&id)
		if errNoRows(err) {
			return inspect.ErrNotFound
		}
		if err != nil {
			return err
		}
		return tx.QueryRowContext(ctx, `INSERT INTO report_supplements (report_id, no, text, added)
			VALUES ($1, (SELECT coalesce(max(no), 0) + 1 FROM report_supplements WHERE report_id = $1), $2, $3) RETURNING no`,
			reportID, text, on.String()).Scan(&no)
	})
	return no, err
}

// SetReportState implements inspect.ReportStore.
func (s *Store) SetReportState(ctx context.Context, id string, from, to inspect.State, reason string, on workday.Date) error {
	return s.inspTx(ctx, "set report state", func(tx *sql.Tx) error {
		var state string
		err := tx.QueryRowContext(ctx, `SELECT state FROM reports WHERE id = $1`+s.d.ForUpdate(), id).Scan(&state)
		if errNoRows(err) {
			return inspect.ErrNotFound
		}
		if err != nil {
			return err
		}
		if inspect.State(state) != from || !inspect.CanMove(from, to) {
			return inspect.ErrConflict
		}
		return setState(ctx, tx, id, to, reason, on)
	})
}

// setState moves report id to state to, with its event.
func setState(ctx context.Context, tx *sql.Tx, id string, to inspect.State, reason string, on workday.Date) error {
	if _, err := tx.ExecContext(ctx, `UPDATE reports SET state = $2, state_reason = $3, changed = $4 WHERE id = $1`,
		id, string(to), reason, on.String()); err != nil {
		return err
	}
	_, err := tx.ExecContext(ctx, `INSERT INTO report_events (report_id, no, state, reason, on_day)
		VALUES ($1, (SELECT coalesce(max(no), 0) + 1 FROM report_events WHERE report_id = $1), $2, $3, $4)`,
		id, string(to), reason, on.String())
	return err
}

// PendingNotifications implements inspect.ReportStore.
func (s *Store) PendingNotifications(ctx context.Context, n int) ([]string, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT report_id FROM report_outbox ORDER BY report_id LIMIT $1`, limit(n))
	if err != nil {
		return nil, s.errorf("pending notifications", err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		out = append(out, id)
	}
	return out, rows.Err()
}

// outboxClaimLock is the key of the advisory lock under which claims on the notification outbox take turns
// ("outboxcl" in ASCII; Dialect.AdvisoryLock). A claim decides whether another instance still holds a report by
// that instance's lease in notifier_leases; FOR UPDATE SKIP LOCKED rechecks a row's own columns when a
// concurrent claim changed it, but not another table, so without the lock two claims could both take a report
// the other just claimed.
const outboxClaimLock int64 = 0x6f7574626f78636c

// ClaimNotifications implements inspect.ReportStore: in one transaction taking turns with the other claims, the
// leases run out at now are dropped, up to limit reports nobody (alive) holds are claimed (Dialect.SkipLocked:
// rows a sending instance is deleting are passed over, not waited for), and owner's lease is renewed.
func (s *Store) ClaimNotifications(ctx context.Context, owner string, now, leaseUntil time.Time, n int) ([]string, error) {
	if owner == "" {
		return nil, fmt.Errorf("%s: claim notifications: no owner", s.name)
	}
	var out []string
	err := s.inspTx(ctx, "claim notifications", func(tx *sql.Tx) error {
		if err := s.lock(ctx, tx, outboxClaimLock); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM notifier_leases WHERE lease_until <= $2 AND owner <> $1`, owner, s.d.Time(now)); err != nil {
			return err
		}
		if n > 0 {
			if _, err := tx.ExecContext(ctx, `UPDATE report_outbox SET lease_owner = $1
				WHERE report_id IN (
					SELECT c.report_id FROM report_outbox c
					WHERE c.lease_owner = ''
					   OR (c.lease_owner <> $1 AND NOT EXISTS (SELECT 1 FROM notifier_leases l WHERE l.owner = c.lease_owner))
					ORDER BY c.report_id
					LIMIT $2`+s.d.SkipLocked("")+`)`, owner, n); err != nil {
				return err
			}
		}
		rows, err := tx.QueryContext(ctx, `SELECT report_id FROM report_outbox WHERE lease_owner = $1 ORDER BY report_id`, owner)
		if err != nil {
			return err
		}
		for rows.Next() {
			var id string
			if err := rows.Scan(&id); err != nil {
				rows.Close()
				return err
			}
			out = append(out, id)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		if len(out) == 0 {
			_, err = tx.ExecContext(ctx, `DELETE FROM notifier_leases WHERE owner = $1`, owner)
			return err
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO notifier_leases (owner, lease_until) VALUES ($1, $2)
			ON CONFLICT (owner) DO UPDATE SET lease_until = excluded.lease_until`, owner, s.d.Time(leaseUntil))
		return err
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// NotificationSent implements inspect.ReportStore.
func (s *Store) NotificationSent(ctx context.Context, reportID, owner string) (bool, error) {
	var was string
	err := s.db.QueryRowContext(ctx, `DELETE FROM report_outbox WHERE report_id = $1 RETURNING lease_owner`, reportID).Scan(&was)
	if errNoRows(err) {
		return false, nil
	}
	if err != nil {
		return false, s.errorf("notification sent", err)
	}
	return was == owner, nil
}

// ReleaseNotifications implements inspect.ReportStore.
func (s *Store) ReleaseNotifications(ctx context.Context, owner string, reportIDs ...string) error {
	return s.inspTx(ctx, "release notifications", func(tx *sql.Tx) error {
		if len(reportIDs) == 0 {
			if _, err := tx.ExecContext(ctx, `UPDATE report_outbox SET lease_owner = '' WHERE lease_owner = $1`, owner); err != nil {
				return err
			}
		} else if _, err := tx.ExecContext(ctx, `UPDATE report_outbox SET lease_owner = '' WHERE lease_owner = $1 AND `+s.d.In("report_id", "$2"),
			owner, s.d.List(reportIDs)); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `DELETE FROM notifier_leases WHERE owner = $1
			AND NOT EXISTS (SELECT 1 FROM report_outbox WHERE lease_owner = $1)`, owner)
		return err
	})
}
