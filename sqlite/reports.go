package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/conductbot/conductbot/inspect"
	"github.com/conductbot/conductbot/workday"
)

// The spot-check store (package inspect): see migrations/020_reports.sql.

var _ inspect.Store = (*DB)(nil)

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

// inspTx runs f in one write transaction.
func (db *DB) inspTx(ctx context.Context, what string, f func(tx *sql.Tx) error) error {
	tx, err := db.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("sqlite: %s: %w", what, err)
	}
	defer tx.Rollback()
	if err := f(tx); err != nil {
		if errors.Is(err, inspect.ErrNotFound) || errors.Is(err, inspect.ErrConflict) || errors.Is(err, inspect.ErrDuplicate) ||
			errors.Is(err, inspect.ErrInviteUnknown) || errors.Is(err, inspect.ErrInviteUsed) || errors.Is(err, inspect.ErrInviteExpired) {
			return err
		}
		return fmt.Errorf("sqlite: %s: %w", what, err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("sqlite: %s: commit: %w", what, err)
	}
	return nil
}

// isUniqueViolation reports whether err is SQLite's UNIQUE or PRIMARY KEY constraint failure.
func isUniqueViolation(err error) bool {
	return err != nil && (strings.Contains(err.Error(), "UNIQUE constraint failed") || strings.Contains(err.Error(), "PRIMARY KEY"))
}

// Windows implements inspect.WindowStore.
func (db *DB) Windows(ctx context.Context, all bool) ([]inspect.Window, error) {
	q := `SELECT id, no, name, active FROM inspect_windows`
	if !all {
		q += ` WHERE active = 1`
	}
	rows, err := db.db.QueryContext(ctx, q)
	if err != nil {
		return nil, fmt.Errorf("sqlite: windows: %w", err)
	}
	defer rows.Close()
	var out []inspect.Window
	for rows.Next() {
		var w inspect.Window
		if err := rows.Scan(&w.ID, &w.No, &w.Name, &w.Active); err != nil {
			return nil, fmt.Errorf("sqlite: windows: %w", err)
		}
		out = append(out, w)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: windows: %w", err)
	}
	inspect.SortWindows(out)
	return out, nil
}

// Window implements inspect.WindowStore.
func (db *DB) Window(ctx context.Context, id int64) (*inspect.Window, error) {
	var w inspect.Window
	err := db.db.QueryRowContext(ctx, `SELECT id, no, name, active FROM inspect_windows WHERE id = ?`, id).Scan(&w.ID, &w.No, &w.Name, &w.Active)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, inspect.ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("sqlite: window: %w", err)
	}
	return &w, nil
}

// PutWindows implements inspect.WindowStore.
func (db *DB) PutWindows(ctx context.Context, ws []inspect.Window, deactivateOthers bool) (added, updated, deactivated int, err error) {
	err = db.inspTx(ctx, "put windows", func(tx *sql.Tx) error {
		added, updated, deactivated = 0, 0, 0
		listed := map[string]bool{}
		for _, w := range ws {
			listed[w.No] = true
			var name string
			var active bool
			err := tx.QueryRowContext(ctx, `SELECT name, active FROM inspect_windows WHERE no = ?`, w.No).Scan(&name, &active)
			switch {
			case errors.Is(err, sql.ErrNoRows):
				if _, err := tx.ExecContext(ctx, `INSERT INTO inspect_windows (no, name, active) VALUES (?, ?, ?)`, w.No, w.Name, inspBool(w.Active)); err != nil {
					return err
				}
				added++
			case err != nil:
				return err
			case name != w.Name || active != w.Active:
				if _, err := tx.ExecContext(ctx, `UPDATE inspect_windows SET name = ?, active = ? WHERE no = ?`, w.Name, inspBool(w.Active), w.No); err != nil {
					return err
				}
				updated++
			}
		}
		if !deactivateOthers {
			return nil
		}
		rows, err := tx.QueryContext(ctx, `SELECT no FROM inspect_windows WHERE active = 1`)
		if err != nil {
			return err
		}
		var off []string
		for rows.Next() {
			var no string
			if err := rows.Scan(&no); err != nil {
				rows.Close()
				return err
			}
			if !listed[no] {
				off = append(off, no)
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		for _, no := range off {
			if _, err := tx.ExecContext(ctx, `UPDATE inspect_windows SET active = 0 WHERE no = ?`, no); err != nil {
				return err
			}
			deactivated++
		}
		return nil
	})
	return added, updated, deactivated, err
}

func scanChecklist(row interface{ Scan(...any) error }) (*inspect.Checklist, error) {
	var c inspect.Checklist
	var items, created string
	if err := row.Scan(&c.ID, &c.Number, &c.CodeVersionID, &items, &created); err != nil {
		return nil, err
	}
	if err := json.Unmarshal([]byte(items), &c.Items); err != nil {
		return nil, fmt.Errorf("checklist items: %w", err)
	}
	d, err := workday.ParseDate(created)
	c.Created = d
	return &c, err
}

const checklistColumns = `id, number, code_version_id, items, created`

// ChecklistInForce implements inspect.ChecklistStore.
func (db *DB) ChecklistInForce(ctx context.Context) (*inspect.Checklist, error) {
	c, err := scanChecklist(db.db.QueryRowContext(ctx, `SELECT `+checklistColumns+` FROM inspect_checklists ORDER BY number DESC LIMIT 1`))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, inspect.ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("sqlite: checklist in force: %w", err)
	}
	return c, nil
}

// Checklist implements inspect.ChecklistStore.
func (db *DB) Checklist(ctx context.Context, id int64) (*inspect.Checklist, error) {
	c, err := scanChecklist(db.db.QueryRowContext(ctx, `SELECT `+checklistColumns+` FROM inspect_checklists WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, inspect.ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("sqlite: checklist: %w", err)
	}
	return c, nil
}

// PutChecklist implements inspect.ChecklistStore.
func (db *DB) PutChecklist(ctx context.Context, c *inspect.Checklist) error {
	items, err := json.Marshal(c.Items)
	if err != nil {
		return err
	}
	return db.inspTx(ctx, "put checklist", func(tx *sql.Tx) error {
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT coalesce(max(number), 0) + 1 FROM inspect_checklists`).Scan(&n); err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, `INSERT INTO inspect_checklists (number, code_version_id, items, created) VALUES (?, ?, ?, ?)`,
			n, c.CodeVersionID, string(items), c.Created.String())
		if err != nil {
			return err
		}
		id, err := res.LastInsertId()
		if err != nil {
			return err
		}
		c.ID, c.Number = id, n
		return nil
	})
}

// AddInvites implements inspect.InspectorStore.
func (db *DB) AddInvites(ctx context.Context, hashes []string, created workday.Date, expires time.Time) error {
	return db.inspTx(ctx, "add invites", func(tx *sql.Tx) error {
		for _, h := range hashes {
			_, err := tx.ExecContext(ctx, `INSERT INTO inspector_invites (hash, created, expires_at) VALUES (?, ?, ?)`,
				h, created.String(), formatTime(expires))
			if isUniqueViolation(err) {
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
func (db *DB) RedeemInvite(ctx context.Context, hash string, userID int64, now time.Time, loc *time.Location) (*inspect.Inspector, error) {
	var in *inspect.Inspector
	err := db.inspTx(ctx, "redeem invite", func(tx *sql.Tx) error {
		var expires string
		var used bool
		err := tx.QueryRowContext(ctx, `SELECT expires_at, used FROM inspector_invites WHERE hash = ?`, hash).Scan(&expires, &used)
		if errors.Is(err, sql.ErrNoRows) {
			return inspect.ErrInviteUnknown
		}
		if err != nil {
			return err
		}
		exp, err := parseTime(expires)
		if err != nil {
			return err
		}
		switch {
		case used:
			return inspect.ErrInviteUsed
		case !now.Before(exp):
			return inspect.ErrInviteExpired
		}
		var revoked sql.NullString
		err = tx.QueryRowContext(ctx, `SELECT revoked FROM inspectors WHERE user_id = ?`, userID).Scan(&revoked)
		if err == nil && !revoked.Valid {
			return inspect.ErrDuplicate
		}
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE inspector_invites SET used = 1 WHERE hash = ?`, hash); err != nil {
			return err
		}
		var no int
		if err := tx.QueryRowContext(ctx, `SELECT coalesce(max(no), 0) + 1 FROM inspectors`).Scan(&no); err != nil {
			return err
		}
		joined := workday.DateOf(now, loc)
		if _, err := tx.ExecContext(ctx, `INSERT INTO inspectors (user_id, no, joined) VALUES (?, ?, ?)
			ON CONFLICT (user_id) DO UPDATE SET no = excluded.no, joined = excluded.joined, revoked = NULL`,
			userID, no, joined.String()); err != nil {
			return err
		}
		in = &inspect.Inspector{UserID: userID, No: no, Joined: joined}
		return nil
	})
	return in, err
}

// BurnInvite implements inspect.InspectorStore.
func (db *DB) BurnInvite(ctx context.Context, hash string) (bool, error) {
	res, err := db.db.ExecContext(ctx, `UPDATE inspector_invites SET used = 1 WHERE hash = ? AND used = 0`, hash)
	if err != nil {
		return false, fmt.Errorf("sqlite: burn invite: %w", err)
	}
	n, err := res.RowsAffected()
	return n > 0, err
}

// OpenInvites implements inspect.InspectorStore.
func (db *DB) OpenInvites(ctx context.Context, now time.Time) (int, error) {
	var n int
	err := db.db.QueryRowContext(ctx, `SELECT count(*) FROM inspector_invites WHERE used = 0 AND expires_at > ?`, formatTime(now)).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("sqlite: open invites: %w", err)
	}
	return n, nil
}

func scanInspector(row interface{ Scan(...any) error }) (*inspect.Inspector, error) {
	var in inspect.Inspector
	var joined string
	var revoked sql.NullString
	if err := row.Scan(&in.UserID, &in.No, &joined, &revoked); err != nil {
		return nil, err
	}
	var err1, err2 error
	in.Joined, err1 = workday.ParseDate(joined)
	in.Revoked, err2 = inspParseDay(revoked)
	return &in, errors.Join(err1, err2)
}

// Inspector implements inspect.InspectorStore.
func (db *DB) Inspector(ctx context.Context, userID int64) (*inspect.Inspector, error) {
	in, err := scanInspector(db.db.QueryRowContext(ctx, `SELECT user_id, no, joined, revoked FROM inspectors WHERE user_id = ?`, userID))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, inspect.ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("sqlite: inspector: %w", err)
	}
	return in, nil
}

// Inspectors implements inspect.InspectorStore.
func (db *DB) Inspectors(ctx context.Context) ([]inspect.Inspector, error) {
	rows, err := db.db.QueryContext(ctx, `SELECT user_id, no, joined, revoked FROM inspectors ORDER BY no`)
	if err != nil {
		return nil, fmt.Errorf("sqlite: inspectors: %w", err)
	}
	defer rows.Close()
	var out []inspect.Inspector
	for rows.Next() {
		in, err := scanInspector(rows)
		if err != nil {
			return nil, fmt.Errorf("sqlite: inspectors: %w", err)
		}
		out = append(out, *in)
	}
	return out, rows.Err()
}

// RevokeInspector implements inspect.InspectorStore.
func (db *DB) RevokeInspector(ctx context.Context, no int, on workday.Date) (*inspect.Inspector, error) {
	in, err := scanInspector(db.db.QueryRowContext(ctx, `UPDATE inspectors SET revoked = ? WHERE no = ? AND revoked IS NULL
		RETURNING user_id, no, joined, revoked`, on.String(), no))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, inspect.ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("sqlite: revoke inspector: %w", err)
	}
	return in, nil
}

// JoinLocked implements inspect.InspectorStore.
func (db *DB) JoinLocked(ctx context.Context, chatID int64, now time.Time) (time.Time, error) {
	var until sql.NullString
	err := db.db.QueryRowContext(ctx, `SELECT locked_until FROM inspector_lockouts WHERE chat_id = ? AND locked_until > ?`,
		chatID, formatTime(now)).Scan(&until)
	if errors.Is(err, sql.ErrNoRows) {
		return time.Time{}, nil
	}
	if err != nil {
		return time.Time{}, fmt.Errorf("sqlite: join lock: %w", err)
	}
	return botParseTime(until)
}

// JoinFailed implements inspect.InspectorStore.
func (db *DB) JoinFailed(ctx context.Context, chatID int64, now time.Time, p inspect.Lockout) (failures int, lockedUntil time.Time, err error) {
	err = db.inspTx(ctx, "join failed", func(tx *sql.Tx) error {
		var since string
		var until sql.NullString
		err := tx.QueryRowContext(ctx, `SELECT since, failures, locked_until FROM inspector_lockouts WHERE chat_id = ?`, chatID).
			Scan(&since, &failures, &until)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		start, _ := parseTime(since)
		lu, _ := botParseTime(until)
		if errors.Is(err, sql.ErrNoRows) || !now.Before(start.Add(p.Window)) && !now.Before(lu) {
			start, failures, lu = now, 0, time.Time{}
		}
		failures++
		if failures >= p.Max && lu.IsZero() {
			lu = now.Add(p.For)
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO inspector_lockouts (chat_id, since, failures, locked_until) VALUES (?, ?, ?, ?)
			ON CONFLICT (chat_id) DO UPDATE SET since = excluded.since, failures = excluded.failures, locked_until = excluded.locked_until`,
			chatID, formatTime(start), failures, botTime(lu))
		if now.Before(lu) {
			lockedUntil = lu
		}
		return err
	})
	return failures, lockedUntil, err
}

// JoinSucceeded implements inspect.InspectorStore.
func (db *DB) JoinSucceeded(ctx context.Context, chatID int64) error {
	if _, err := db.db.ExecContext(ctx, `DELETE FROM inspector_lockouts WHERE chat_id = ?`, chatID); err != nil {
		return fmt.Errorf("sqlite: join succeeded: %w", err)
	}
	return nil
}

// PutDraftPhoto implements inspect.ReportStore.
func (db *DB) PutDraftPhoto(ctx context.Context, draftID string, p *inspect.Photo, expires time.Time) error {
	_, err := db.db.ExecContext(ctx, `INSERT INTO report_photos (id, draft_id, draft_expires, width, height, bytes, data)
		VALUES (?, ?, ?, ?, ?, ?, ?)`, p.ID, draftID, formatTime(expires.Truncate(time.Hour)), p.Width, p.Height, len(p.Data), p.Data)
	if isUniqueViolation(err) {
		return inspect.ErrDuplicate
	}
	if err != nil {
		return fmt.Errorf("sqlite: put draft photo: %w", err)
	}
	return nil
}

// DeleteDraftPhotos implements inspect.ReportStore.
func (db *DB) DeleteDraftPhotos(ctx context.Context, draftID string, ids ...string) error {
	return db.inspTx(ctx, "delete draft photos", func(tx *sql.Tx) error {
		if len(ids) == 0 {
			_, err := tx.ExecContext(ctx, `DELETE FROM report_photos WHERE draft_id = ?`, draftID)
			return err
		}
		for _, id := range ids {
			if _, err := tx.ExecContext(ctx, `DELETE FROM report_photos WHERE draft_id = ? AND id = ?`, draftID, id); err != nil {
				return err
			}
		}
		return nil
	})
}

// DeleteExpiredDrafts implements inspect.ReportStore.
func (db *DB) DeleteExpiredDrafts(ctx context.Context, now time.Time) (int, error) {
	res, err := db.db.ExecContext(ctx, `DELETE FROM report_photos WHERE draft_id IS NOT NULL AND draft_expires <= ?`, formatTime(now))
	if err != nil {
		return 0, fmt.Errorf("sqlite: delete expired drafts: %w", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, fmt.Errorf("sqlite: delete expired drafts: %w", err)
	}
	// Hourly: a checkpoint a reader kept from completing after a filing is done now.
	if cerr := db.checkpoint(ctx); cerr != nil {
		db.log.LogAttrs(ctx, slog.LevelWarn, "sqlite: checkpoint", slog.String("error", cerr.Error()))
	}
	return int(n), nil
}

// FileReport implements inspect.ReportStore.
func (db *DB) FileReport(ctx context.Context, r *inspect.Report, draftID string) error {
	return db.inspTx(ctx, "file report", func(tx *sql.Tx) error {
		return fileReport(ctx, tx, r, draftID)
	})
}

// Submit implements inspect.ReportStore.
func (db *DB) Submit(ctx context.Context, s inspect.Submission) error {
	err := db.inspTx(ctx, "submit report", func(tx *sql.Tx) error {
		if err := fileReport(ctx, tx, s.Report, s.DraftID); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM bot_states WHERE chat_id = ? AND kind = ?`, s.StateChat, inspect.KindDraft); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO bot_states (chat_id, kind, data, expires_at, updated_at) VALUES (?, ?, ?, ?, ?)
			ON CONFLICT (chat_id, kind) DO UPDATE SET data = excluded.data, expires_at = excluded.expires_at, updated_at = excluded.updated_at`,
			s.StateChat, inspect.KindReceipt, string(s.Receipt), formatTime(s.ReceiptExpires), formatTime(s.Updated))
		return err
	})
	if err != nil {
		return err
	}
	if err := db.checkpoint(ctx); err != nil {
		// Filed all the same; the next filing or the hourly sweep checkpoints again.
		db.log.LogAttrs(ctx, slog.LevelWarn, "sqlite: checkpoint after filing a report", slog.String("error", err.Error()))
	}
	return nil
}

// fileReport stores a report from a draft in tx (FileReport).
func fileReport(ctx context.Context, tx *sql.Tx, r *inspect.Report, draftID string) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO reports (id, window_id, window_label, visit_date, half_day, filed, code_version_id,
		checklist_id, description, state, state_reason, changed, receipt_hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, '', ?, ?)`,
		r.ID, r.WindowID, r.WindowLabel, r.VisitDate.String(), string(r.HalfDay), r.Filed.String(), r.CodeVersionID,
		r.ChecklistID, r.Description, string(r.State), r.Filed.String(), r.ReceiptHash)
	if isUniqueViolation(err) {
		return inspect.ErrDuplicate
	}
	if err != nil {
		return err
	}
	for i, it := range r.Items {
		cs, _ := json.Marshal(nonNil(it.Clauses))
		if _, err := tx.ExecContext(ctx, `INSERT INTO report_items (report_id, ord, key, title, clauses, weight, critical, result)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, r.ID, i, it.Key, it.Title, string(cs), it.Weight, inspBool(it.Critical), string(it.Result)); err != nil {
			return err
		}
	}
	for _, f := range r.Findings {
		cs, _ := json.Marshal(nonNil(f.Clauses))
		if _, err := tx.ExecContext(ctx, `INSERT INTO report_findings (report_id, no, item_key, title, clauses, critical, note, source)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, r.ID, f.No, f.ItemKey, f.Title, string(cs), inspBool(f.Critical), f.Note, string(f.Source)); err != nil {
			return err
		}
		for k, p := range f.Photos {
			res, err := tx.ExecContext(ctx, `UPDATE report_photos SET report_id = ?, finding_no = ?, ord = ?, draft_id = NULL, draft_expires = NULL
				WHERE id = ? AND draft_id = ?`, r.ID, f.No, k, p.ID, draftID)
			if err != nil {
				return err
			}
			if n, _ := res.RowsAffected(); n != 1 {
				return fmt.Errorf("photo of the draft: %w", inspect.ErrNotFound)
			}
		}
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM report_photos WHERE draft_id = ?`, draftID); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO report_events (report_id, no, state, reason, on_day) VALUES (?, 1, ?, '', ?)`,
		r.ID, string(r.State), r.Filed.String()); err != nil {
		return err
	}
	_, err = tx.ExecContext(ctx, `INSERT INTO report_outbox (report_id) VALUES (?)`, r.ID)
	return err
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

const reportColumns = `id, window_id, window_label, visit_date, half_day, filed, code_version_id, checklist_id, description,
	state, state_reason, changed, receipt_hash`

func scanReport(row interface{ Scan(...any) error }) (*inspect.Report, error) {
	var r inspect.Report
	var visit, filed, changed, half, state string
	if err := row.Scan(&r.ID, &r.WindowID, &r.WindowLabel, &visit, &half, &filed, &r.CodeVersionID, &r.ChecklistID,
		&r.Description, &state, &r.StateReason, &changed, &r.ReceiptHash); err != nil {
		return nil, err
	}
	r.HalfDay, r.State = inspect.HalfDay(half), inspect.State(state)
	var e1, e2, e3 error
	r.VisitDate, e1 = workday.ParseDate(visit)
	r.Filed, e2 = workday.ParseDate(filed)
	r.Changed, e3 = workday.ParseDate(changed)
	return &r, errors.Join(e1, e2, e3)
}

// loadDetails reads the items, findings (with their photos' references), supplements and events of reports,
// keyed by ID; full adds supplements and events.
func (db *DB) loadDetails(ctx context.Context, reps []*inspect.Report, full bool) error {
	if len(reps) == 0 {
		return nil
	}
	byID := make(map[string]*inspect.Report, len(reps))
	ids := make([]string, len(reps))
	for i, r := range reps {
		byID[r.ID], ids[i] = r, r.ID
	}
	list, _ := json.Marshal(ids)
	in := `(SELECT value FROM json_each(?))`
	rows, err := db.db.QueryContext(ctx, `SELECT report_id, key, title, clauses, weight, critical, result FROM report_items
		WHERE report_id IN `+in+` ORDER BY report_id, ord`, string(list))
	if err != nil {
		return err
	}
	for rows.Next() {
		var id, clauses, result string
		var it inspect.ItemResult
		if err := rows.Scan(&id, &it.Key, &it.Title, &clauses, &it.Weight, &it.Critical, &result); err != nil {
			rows.Close()
			return err
		}
		_ = json.Unmarshal([]byte(clauses), &it.Clauses)
		it.Result = inspect.Result(result)
		byID[id].Items = append(byID[id].Items, it)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	rows, err = db.db.QueryContext(ctx, `SELECT report_id, no, item_key, title, clauses, critical, note, source FROM report_findings
		WHERE report_id IN `+in+` ORDER BY report_id, no`, string(list))
	if err != nil {
		return err
	}
	for rows.Next() {
		var id, clauses, source string
		var f inspect.Finding
		if err := rows.Scan(&id, &f.No, &f.ItemKey, &f.Title, &clauses, &f.Critical, &f.Note, &source); err != nil {
			rows.Close()
			return err
		}
		_ = json.Unmarshal([]byte(clauses), &f.Clauses)
		f.Source = inspect.Source(source)
		byID[id].Findings = append(byID[id].Findings, f)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	rows, err = db.db.QueryContext(ctx, `SELECT report_id, finding_no, id, width, height, bytes FROM report_photos
		WHERE report_id IN `+in+` ORDER BY report_id, finding_no, ord`, string(list))
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
	if err := rows.Err(); err != nil {
		return err
	}
	if !full {
		return nil
	}
	rows, err = db.db.QueryContext(ctx, `SELECT report_id, no, text, added FROM report_supplements
		WHERE report_id IN `+in+` ORDER BY report_id, no`, string(list))
	if err != nil {
		return err
	}
	for rows.Next() {
		var id, added string
		var s inspect.Supplement
		if err := rows.Scan(&id, &s.No, &s.Text, &added); err != nil {
			rows.Close()
			return err
		}
		s.Added, _ = workday.ParseDate(added)
		byID[id].Supplements = append(byID[id].Supplements, s)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	rows, err = db.db.QueryContext(ctx, `SELECT report_id, state, reason, on_day FROM report_events
		WHERE report_id IN `+in+` ORDER BY report_id, no`, string(list))
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var id, state, on string
		var e inspect.Event
		if err := rows.Scan(&id, &state, &e.Reason, &on); err != nil {
			return err
		}
		e.State = inspect.State(state)
		e.On, _ = workday.ParseDate(on)
		byID[id].Events = append(byID[id].Events, e)
	}
	return rows.Err()
}

func (db *DB) oneReport(ctx context.Context, where string, arg any) (*inspect.Report, error) {
	r, err := scanReport(db.db.QueryRowContext(ctx, `SELECT `+reportColumns+` FROM reports WHERE `+where, arg))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, inspect.ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("sqlite: report: %w", err)
	}
	if err := db.loadDetails(ctx, []*inspect.Report{r}, true); err != nil {
		return nil, fmt.Errorf("sqlite: report: %w", err)
	}
	return r, nil
}

// Report implements inspect.ReportStore.
func (db *DB) Report(ctx context.Context, id string) (*inspect.Report, error) {
	return db.oneReport(ctx, `id = ?`, id)
}

// ReportByReceipt implements inspect.ReportStore.
func (db *DB) ReportByReceipt(ctx context.Context, hash string) (*inspect.Report, error) {
	return db.oneReport(ctx, `receipt_hash = ?`, hash)
}

// reportWhere is the WHERE clause of a filter and its arguments.
func reportWhere(f inspect.ReportFilter) (string, []any) {
	var conds []string
	var args []any
	if f.WindowID != 0 {
		conds = append(conds, `window_id = ?`)
		args = append(args, f.WindowID)
	}
	if !f.From.IsZero() {
		conds = append(conds, `visit_date >= ?`)
		args = append(args, f.From.String())
	}
	if !f.To.IsZero() {
		conds = append(conds, `visit_date <= ?`)
		args = append(args, f.To.String())
	}
	if len(f.States) > 0 {
		marks := make([]string, len(f.States))
		for i, s := range f.States {
			marks[i] = "?"
			args = append(args, string(s))
		}
		conds = append(conds, `state IN (`+strings.Join(marks, ", ")+`)`)
	}
	if len(conds) == 0 {
		return "", nil
	}
	return ` WHERE ` + strings.Join(conds, " AND "), args
}

// Reports implements inspect.ReportStore.
func (db *DB) Reports(ctx context.Context, f inspect.ReportFilter) ([]inspect.Report, error) {
	where, args := reportWhere(f)
	q := `SELECT ` + reportColumns + ` FROM reports` + where + ` ORDER BY visit_date DESC, half_day DESC, id`
	if f.Limit > 0 || f.Offset > 0 {
		limit := f.Limit
		if limit <= 0 {
			limit = -1
		}
		q += ` LIMIT ? OFFSET ?`
		args = append(args, limit, f.Offset)
	}
	rows, err := db.db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("sqlite: reports: %w", err)
	}
	var ptrs []*inspect.Report
	for rows.Next() {
		r, err := scanReport(rows)
		if err != nil {
			rows.Close()
			return nil, fmt.Errorf("sqlite: reports: %w", err)
		}
		ptrs = append(ptrs, r)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: reports: %w", err)
	}
	if f.WithItems {
		for i := 0; i < len(ptrs); i += 500 {
			if err := db.loadDetails(ctx, ptrs[i:min(i+500, len(ptrs))], false); err != nil {
				return nil, fmt.Errorf("sqlite: reports: %w", err)
			}
		}
	}
	out := make([]inspect.Report, len(ptrs))
	for i, r := range ptrs {
		out[i] = *r
	}
	return out, nil
}

// CountReports implements inspect.ReportStore.
func (db *DB) CountReports(ctx context.Context, f inspect.ReportFilter) (int, error) {
	where, args := reportWhere(f)
	var n int
	if err := db.db.QueryRowContext(ctx, `SELECT count(*) FROM reports`+where, args...).Scan(&n); err != nil {
		return 0, fmt.Errorf("sqlite: count reports: %w", err)
	}
	return n, nil
}

// Photo implements inspect.ReportStore.
func (db *DB) Photo(ctx context.Context, id string) (*inspect.Photo, error) {
	var p inspect.Photo
	err := db.db.QueryRowContext(ctx, `SELECT id, width, height, bytes, data FROM report_photos WHERE id = ? AND report_id IS NOT NULL`, id).
		Scan(&p.ID, &p.Width, &p.Height, &p.Bytes, &p.Data)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, inspect.ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("sqlite: photo: %w", err)
	}
	return &p, nil
}

// AddSupplement implements inspect.ReportStore.
func (db *DB) AddSupplement(ctx context.Context, reportID, text string, on workday.Date) (int, error) {
	var no int
	err := db.inspTx(ctx, "add supplement", func(tx *sql.Tx) error {
		var exists bool
		if err := tx.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM reports WHERE id = ?)`, reportID).Scan(&exists); err != nil {
			return err
		}
		if !exists {
			return inspect.ErrNotFound
		}
		if err := tx.QueryRowContext(ctx, `SELECT coalesce(max(no), 0) + 1 FROM report_supplements WHERE report_id = ?`, reportID).Scan(&no); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO report_supplements (report_id, no, text, added) VALUES (?, ?, ?, ?)`, reportID, no, text, on.String())
		return err
	})
	return no, err
}

// SetReportState implements inspect.ReportStore.
func (db *DB) SetReportState(ctx context.Context, id string, from, to inspect.State, reason string, on workday.Date) error {
	return db.inspTx(ctx, "set report state", func(tx *sql.Tx) error {
		var state string
		err := tx.QueryRowContext(ctx, `SELECT state FROM reports WHERE id = ?`, id).Scan(&state)
		if errors.Is(err, sql.ErrNoRows) {
			return inspect.ErrNotFound
		}
		if err != nil {
			return err
		}
		if inspect.State(state) != from || !inspect.CanMove(from, to) {
			return inspect.ErrConflict
		}
		if _, err := tx.ExecContext(ctx, `UPDATE reports SET state = ?, state_reason = ?, changed = ? WHERE id = ?`,
			string(to), reason, on.String(), id); err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO report_events (report_id, no, state, reason, on_day)
			VALUES (?, (SELECT coalesce(max(no), 0) + 1 FROM report_events WHERE report_id = ?), ?, ?, ?)`,
			id, id, string(to), reason, on.String())
		return err
	})
}

// PendingNotifications implements inspect.ReportStore.
func (db *DB) PendingNotifications(ctx context.Context, limit int) ([]string, error) {
	if limit <= 0 {
		limit = -1
	}
	rows, err := db.db.QueryContext(ctx, `SELECT report_id FROM report_outbox ORDER BY report_id LIMIT ?`, limit)
	if err != nil {
		return nil, fmt.Errorf("sqlite: pending notifications: %w", err)
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

// ClaimNotifications implements inspect.ReportStore: one write transaction (BEGIN IMMEDIATE) drops the leases
// run out at now, claims up to limit reports nobody (alive) holds and renews owner's lease, so no other claim, of
// this or another process, sees those reports free.
func (db *DB) ClaimNotifications(ctx context.Context, owner string, now, leaseUntil time.Time, limit int) ([]string, error) {
	if owner == "" {
		return nil, errors.New("sqlite: claim notifications: no owner")
	}
	var out []string
	err := db.inspTx(ctx, "claim notifications", func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `DELETE FROM notifier_leases WHERE lease_until <= ? AND owner <> ?`,
			formatTime(now), owner); err != nil {
			return err
		}
		if limit > 0 {
			if _, err := tx.ExecContext(ctx, `UPDATE report_outbox SET lease_owner = ?1
				WHERE report_id IN (
					SELECT c.report_id FROM report_outbox c
					WHERE c.lease_owner = ''
					   OR (c.lease_owner <> ?1 AND NOT EXISTS (SELECT 1 FROM notifier_leases l WHERE l.owner = c.lease_owner))
					ORDER BY c.report_id
					LIMIT ?2)`, owner, limit); err != nil {
				return err
			}
		}
		rows, err := tx.QueryContext(ctx, `SELECT report_id FROM report_outbox WHERE lease_owner = ? ORDER BY report_id`, owner)
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
			_, err = tx.ExecContext(ctx, `DELETE FROM notifier_leases WHERE owner = ?`, owner)
			return err
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO notifier_leases (owner, lease_until) VALUES (?, ?)
			ON CONFLICT (owner) DO UPDATE SET lease_until = excluded.lease_until`, owner, formatTime(leaseUntil))
		return err
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// NotificationSent implements inspect.ReportStore.
func (db *DB) NotificationSent(ctx context.Context, reportID, owner string) (bool, error) {
	var held bool
	err := db.inspTx(ctx, "notification sent", func(tx *sql.Tx) error {
		var was string
		err := tx.QueryRowContext(ctx, `DELETE FROM report_outbox WHERE report_id = ? RETURNING lease_owner`, reportID).Scan(&was)
		if errors.Is(err, sql.ErrNoRows) {
			return nil
		}
		held = err == nil && was == owner
		return err
	})
	return held, err
}

// ReleaseNotifications implements inspect.ReportStore.
func (db *DB) ReleaseNotifications(ctx context.Context, owner string, reportIDs ...string) error {
	return db.inspTx(ctx, "release notifications", func(tx *sql.Tx) error {
		if len(reportIDs) == 0 {
			if _, err := tx.ExecContext(ctx, `UPDATE report_outbox SET lease_owner = '' WHERE lease_owner = ?`, owner); err != nil {
				return err
			}
		}
		for _, id := range reportIDs {
			if _, err := tx.ExecContext(ctx, `UPDATE report_outbox SET lease_owner = '' WHERE lease_owner = ? AND report_id = ?`,
				owner, id); err != nil {
				return err
			}
		}
		_, err := tx.ExecContext(ctx, `DELETE FROM notifier_leases WHERE owner = ?1
			AND NOT EXISTS (SELECT 1 FROM report_outbox WHERE lease_owner = ?1)`, owner)
		return err
	})
}

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
