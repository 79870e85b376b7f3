package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/conductbot/conductbot/inspect"
	"github.com/conductbot/conductbot/workday"
)

// The spot-check store (package inspect): see migrations/020_reports.sql. Days go in as 'YYYY-MM-DD' text cast
// to date and come out as ::text, the same form workday.Date reads.

var _ inspect.Store = (*DB)(nil)

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

// inspTx runs f in one transaction.
func (db *DB) inspTx(ctx context.Context, what string, f func(tx pgx.Tx) error) error {
	tx, err := db.pool.Begin(ctx)
	if err != nil {
		return fmt.Errorf("postgres: %s: %w", what, err)
	}
	defer rollback(ctx, tx)
	if err := f(tx); err != nil {
		if errors.Is(err, inspect.ErrNotFound) || errors.Is(err, inspect.ErrConflict) || errors.Is(err, inspect.ErrDuplicate) ||
			errors.Is(err, inspect.ErrInviteUnknown) || errors.Is(err, inspect.ErrInviteUsed) || errors.Is(err, inspect.ErrInviteExpired) {
			return err
		}
		return fmt.Errorf("postgres: %s: %w", what, err)
	}
	if err := tx.Commit(ctx); err != nil {
		return fmt.Errorf("postgres: %s: commit: %w", what, err)
	}
	return nil
}

// Windows implements inspect.WindowStore.
func (db *DB) Windows(ctx context.Context, all bool) ([]inspect.Window, error) {
	q := `SELECT id, no, name, active FROM inspect_windows`
	if !all {
		q += ` WHERE active`
	}
	rows, err := db.pool.Query(ctx, q)
	if err != nil {
		return nil, fmt.Errorf("postgres: windows: %w", err)
	}
	defer rows.Close()
	var out []inspect.Window
	for rows.Next() {
		var w inspect.Window
		if err := rows.Scan(&w.ID, &w.No, &w.Name, &w.Active); err != nil {
			return nil, fmt.Errorf("postgres: windows: %w", err)
		}
		out = append(out, w)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("postgres: windows: %w", err)
	}
	inspect.SortWindows(out)
	return out, nil
}

// Window implements inspect.WindowStore.
func (db *DB) Window(ctx context.Context, id int64) (*inspect.Window, error) {
	var w inspect.Window
	err := db.pool.QueryRow(ctx, `SELECT id, no, name, active FROM inspect_windows WHERE id = $1`, id).Scan(&w.ID, &w.No, &w.Name, &w.Active)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, inspect.ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("postgres: window: %w", err)
	}
	return &w, nil
}

// PutWindows implements inspect.WindowStore.
func (db *DB) PutWindows(ctx context.Context, ws []inspect.Window, deactivateOthers bool) (added, updated, deactivated int, err error) {
	err = db.inspTx(ctx, "put windows", func(tx pgx.Tx) error {
		added, updated, deactivated = 0, 0, 0
		// One writer at a time: two lists loaded at once must not both insert the same number.
		if _, err := tx.Exec(ctx, `LOCK TABLE inspect_windows IN SHARE ROW EXCLUSIVE MODE`); err != nil {
			return err
		}
		nos := make([]string, 0, len(ws))
		for _, w := range ws {
			nos = append(nos, w.No)
			var name string
			var active bool
			err := tx.QueryRow(ctx, `SELECT name, active FROM inspect_windows WHERE no = $1`, w.No).Scan(&name, &active)
			switch {
			case errors.Is(err, pgx.ErrNoRows):
				if _, err := tx.Exec(ctx, `INSERT INTO inspect_windows (no, name, active) VALUES ($1, $2, $3)`, w.No, w.Name, w.Active); err != nil {
					return err
				}
				added++
			case err != nil:
				return err
			case name != w.Name || active != w.Active:
				if _, err := tx.Exec(ctx, `UPDATE inspect_windows SET name = $2, active = $3 WHERE no = $1`, w.No, w.Name, w.Active); err != nil {
					return err
				}
				updated++
			}
		}
		if !deactivateOthers {
			return nil
		}
		tag, err := tx.Exec(ctx, `UPDATE inspect_windows SET active = false WHERE active AND NOT (no = ANY($1))`, nos)
		if err != nil {
			return err
		}
		deactivated = int(tag.RowsAffected())
		return nil
	})
	return added, updated, deactivated, err
}

const pgChecklistColumns = `id, number, code_version_id, items, created::text`

func scanPgChecklist(row pgx.Row) (*inspect.Checklist, error) {
	var c inspect.Checklist
	var items []byte
	var created string
	if err := row.Scan(&c.ID, &c.Number, &c.CodeVersionID, &items, &created); err != nil {
		return nil, err
	}
	if err := json.Unmarshal(items, &c.Items); err != nil {
		return nil, fmt.Errorf("checklist items: %w", err)
	}
	d, err := workday.ParseDate(created)
	c.Created = d
	return &c, err
}

// ChecklistInForce implements inspect.ChecklistStore.
func (db *DB) ChecklistInForce(ctx context.Context) (*inspect.Checklist, error) {
	c, err := scanPgChecklist(db.pool.QueryRow(ctx, `SELECT `+pgChecklistColumns+` FROM inspect_checklists ORDER BY number DESC LIMIT 1`))
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, inspect.ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("postgres: checklist in force: %w", err)
	}
	return c, nil
}

// Checklist implements inspect.ChecklistStore.
func (db *DB) Checklist(ctx context.Context, id int64) (*inspect.Checklist, error) {
	c, err := scanPgChecklist(db.pool.QueryRow(ctx, `SELECT `+pgChecklistColumns+` FROM inspect_checklists WHERE id = $1`, id))
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, inspect.ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("postgres: checklist: %w", err)
	}
	return c, nil
}

// PutChecklist implements inspect.ChecklistStore.
func (db *DB) PutChecklist(ctx context.Context, c *inspect.Checklist) error {
	items, err := json.Marshal(c.Items)
	if err != nil {
		return err
	}
	return db.inspTx(ctx, "put checklist", func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `LOCK TABLE inspect_checklists IN SHARE ROW EXCLUSIVE MODE`); err != nil {
			return err
		}
		return tx.QueryRow(ctx, `INSERT INTO inspect_checklists (number, code_version_id, items, created)
			VALUES ((SELECT coalesce(max(number), 0) + 1 FROM inspect_checklists), $1, $2::jsonb, $3::date) RETURNING id, number`,
			c.CodeVersionID, string(items), c.Created.String()).Scan(&c.ID, &c.Number)
	})
}

// AddInvites implements inspect.InspectorStore.
func (db *DB) AddInvites(ctx context.Context, hashes []string, created workday.Date, expires time.Time) error {
	return db.inspTx(ctx, "add invites", func(tx pgx.Tx) error {
		for _, h := range hashes {
			_, err := tx.Exec(ctx, `INSERT INTO inspector_invites (hash, created, expires_at) VALUES ($1, $2::date, $3)`, h, created.String(), expires)
			if isUnique(err) {
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
	err := db.inspTx(ctx, "redeem invite", func(tx pgx.Tx) error {
		var expires time.Time
		var used bool
		err := tx.QueryRow(ctx, `SELECT expires_at, used FROM inspector_invites WHERE hash = $1 FOR UPDATE`, hash).Scan(&expires, &used)
		if errors.Is(err, pgx.ErrNoRows) {
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
		if _, err := tx.Exec(ctx, `LOCK TABLE inspectors IN SHARE ROW EXCLUSIVE MODE`); err != nil {
			return err
		}
		var revoked *string
		err = tx.QueryRow(ctx, `SELECT revoked::text FROM inspectors WHERE user_id = $1`, userID).Scan(&revoked)
		if err == nil && revoked == nil {
			return inspect.ErrDuplicate
		}
		if err != nil && !errors.Is(err, pgx.ErrNoRows) {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE inspector_invites SET used = true WHERE hash = $1`, hash); err != nil {
			return err
		}
		joined := workday.DateOf(now, loc)
		var no int
		if err := tx.QueryRow(ctx, `INSERT INTO inspectors (user_id, no, joined)
			VALUES ($1, (SELECT coalesce(max(no), 0) + 1 FROM inspectors), $2::date)
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
func (db *DB) BurnInvite(ctx context.Context, hash string) (bool, error) {
	tag, err := db.pool.Exec(ctx, `UPDATE inspector_invites SET used = true WHERE hash = $1 AND NOT used`, hash)
	if err != nil {
		return false, fmt.Errorf("postgres: burn invite: %w", err)
	}
	return tag.RowsAffected() > 0, nil
}

// OpenInvites implements inspect.InspectorStore.
func (db *DB) OpenInvites(ctx context.Context, now time.Time) (int, error) {
	var n int
	if err := db.pool.QueryRow(ctx, `SELECT count(*) FROM inspector_invites WHERE NOT used AND expires_at > $1`, now).Scan(&n); err != nil {
		return 0, fmt.Errorf("postgres: open invites: %w", err)
	}
	return n, nil
}

const pgInspectorColumns = `user_id, no, joined::text, revoked::text`

func scanPgInspector(row pgx.Row) (*inspect.Inspector, error) {
	var in inspect.Inspector
	var joined string
	var revoked *string
	if err := row.Scan(&in.UserID, &in.No, &joined, &revoked); err != nil {
		return nil, err
	}
	var err1, err2 error
	in.Joined, err1 = workday.ParseDate(joined)
	in.Revoked, err2 = inspParseNullDay(revoked)
	return &in, errors.Join(err1, err2)
}

// Inspector implements inspect.InspectorStore.
func (db *DB) Inspector(ctx context.Context, userID int64) (*inspect.Inspector, error) {
	in, err := scanPgInspector(db.pool.QueryRow(ctx, `SELECT `+pgInspectorColumns+` FROM inspectors WHERE user_id = $1`, userID))
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, inspect.ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("postgres: inspector: %w", err)
	}
	return in, nil
}

// Inspectors implements inspect.InspectorStore.
func (db *DB) Inspectors(ctx context.Context) ([]inspect.Inspector, error) {
	rows, err := db.pool.Query(ctx, `SELECT `+pgInspectorColumns+` FROM inspectors ORDER BY no`)
	if err != nil {
		return nil, fmt.Errorf("postgres: inspectors: %w", err)
	}
	defer rows.Close()
	var out []inspect.Inspector
	for rows.Next() {
		in, err := scanPgInspector(rows)
		if err != nil {
			return nil, fmt.Errorf("postgres: inspectors: %w", err)
		}
		out = append(out, *in)
	}
	return out, rows.Err()
}

// RevokeInspector implements inspect.InspectorStore.
func (db *DB) RevokeInspector(ctx context.Context, no int, on workday.Date) (*inspect.Inspector, error) {
	in, err := scanPgInspector(db.pool.QueryRow(ctx, `UPDATE inspectors SET revoked = $2::date WHERE no = $1 AND revoked IS NULL
		RETURNING `+pgInspectorColumns, no, on.String()))
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, inspect.ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("postgres: revoke inspector: %w", err)
	}
	return in, nil
}

// JoinLocked implements inspect.InspectorStore.
func (db *DB) JoinLocked(ctx context.Context, chatID int64, now time.Time) (time.Time, error) {
	var until time.Time
	err := db.pool.QueryRow(ctx, `SELECT locked_until FROM inspector_lockouts WHERE chat_id = $1 AND locked_until > $2`, chatID, now).Scan(&until)
	if errors.Is(err, pgx.ErrNoRows) {
		return time.Time{}, nil
	}
	if err != nil {
		return time.Time{}, fmt.Errorf("postgres: join lock: %w", err)
	}
	return until, nil
}

// JoinFailed implements inspect.InspectorStore.
func (db *DB) JoinFailed(ctx context.Context, chatID int64, now time.Time, p inspect.Lockout) (failures int, lockedUntil time.Time, err error) {
	err = db.inspTx(ctx, "join failed", func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `INSERT INTO inspector_lockouts (chat_id, since, failures) VALUES ($1, $2, 0) ON CONFLICT (chat_id) DO NOTHING`,
			chatID, now); err != nil {
			return err
		}
		var start time.Time
		var until *time.Time
		if err := tx.QueryRow(ctx, `SELECT since, failures, locked_until FROM inspector_lockouts WHERE chat_id = $1 FOR UPDATE`, chatID).
			Scan(&start, &failures, &until); err != nil {
			return err
		}
		var lu time.Time
		if until != nil {
			lu = *until
		}
		if !now.Before(start.Add(p.Window)) && !now.Before(lu) {
			start, failures, lu = now, 0, time.Time{}
		}
		failures++
		if failures >= p.Max && lu.IsZero() {
			lu = now.Add(p.For)
		}
		var luArg *time.Time
		if !lu.IsZero() {
			luArg = &lu
		}
		if _, err := tx.Exec(ctx, `UPDATE inspector_lockouts SET since = $2, failures = $3, locked_until = $4 WHERE chat_id = $1`,
			chatID, start, failures, luArg); err != nil {
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
func (db *DB) JoinSucceeded(ctx context.Context, chatID int64) error {
	if _, err := db.pool.Exec(ctx, `DELETE FROM inspector_lockouts WHERE chat_id = $1`, chatID); err != nil {
		return fmt.Errorf("postgres: join succeeded: %w", err)
	}
	return nil
}

// PutDraftPhoto implements inspect.ReportStore.
func (db *DB) PutDraftPhoto(ctx context.Context, draftID string, p *inspect.Photo, expires time.Time) error {
	_, err := db.pool.Exec(ctx, `INSERT INTO report_photos (id, draft_id, draft_expires, width, height, bytes, data)
		VALUES ($1, $2, $3, $4, $5, $6, $7)`, p.ID, draftID, expires.Truncate(time.Hour), p.Width, p.Height, len(p.Data), p.Data)
	if isUnique(err) {
		return inspect.ErrDuplicate
	}
	if err != nil {
		return fmt.Errorf("postgres: put draft photo: %w", err)
	}
	return nil
}

// DeleteDraftPhotos implements inspect.ReportStore.
func (db *DB) DeleteDraftPhotos(ctx context.Context, draftID string, ids ...string) error {
	var err error
	if len(ids) == 0 {
		_, err = db.pool.Exec(ctx, `DELETE FROM report_photos WHERE draft_id = $1`, draftID)
	} else {
		_, err = db.pool.Exec(ctx, `DELETE FROM report_photos WHERE draft_id = $1 AND id = ANY($2)`, draftID, ids)
	}
	if err != nil {
		return fmt.Errorf("postgres: delete draft photos: %w", err)
	}
	return nil
}

// DeleteExpiredDrafts implements inspect.ReportStore.
func (db *DB) DeleteExpiredDrafts(ctx context.Context, now time.Time) (int, error) {
	tag, err := db.pool.Exec(ctx, `DELETE FROM report_photos WHERE draft_id IS NOT NULL AND draft_expires <= $1`, now)
	if err != nil {
		return 0, fmt.Errorf("postgres: delete expired drafts: %w", err)
	}
	return int(tag.RowsAffected()), nil
}

func pgNonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// FileReport implements inspect.ReportStore.
func (db *DB) FileReport(ctx context.Context, r *inspect.Report, draftID string) error {
	return db.inspTx(ctx, "file report", func(tx pgx.Tx) error {
		return pgFileReport(ctx, tx, r, draftID)
	})
}

// Submit implements inspect.ReportStore. The draft's state is sealed (inspect.Options.SealKey), so its dead
// tuples, left in the table's pages until a vacuum, hold only ciphertext next to the chat ID.
func (db *DB) Submit(ctx context.Context, s inspect.Submission) error {
	return db.inspTx(ctx, "submit report", func(tx pgx.Tx) error {
		if err := pgFileReport(ctx, tx, s.Report, s.DraftID); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `DELETE FROM bot_states WHERE chat_id = $1 AND kind = $2`, s.StateChat, inspect.KindDraft); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `INSERT INTO bot_states (chat_id, kind, data, expires_at, updated_at) VALUES ($1, $2, $3::jsonb, $4, $5)
			ON CONFLICT (chat_id, kind) DO UPDATE SET data = excluded.data, expires_at = excluded.expires_at, updated_at = excluded.updated_at`,
			s.StateChat, inspect.KindReceipt, string(s.Receipt), s.ReceiptExpires, s.Updated)
		return err
	})
}

// pgFileReport stores a report from a draft in tx (FileReport).
func pgFileReport(ctx context.Context, tx pgx.Tx, r *inspect.Report, draftID string) error {
	_, err := tx.Exec(ctx, `INSERT INTO reports (id, window_id, window_label, visit_date, half_day, filed, code_version_id,
		checklist_id, description, state, state_reason, changed, receipt_hash)
		VALUES ($1, $2, $3, $4::date, $5, $6::date, $7, $8, $9, $10, '', $6::date, $11)`,
		r.ID, r.WindowID, r.WindowLabel, r.VisitDate.String(), string(r.HalfDay), r.Filed.String(), r.CodeVersionID,
		r.ChecklistID, r.Description, string(r.State), r.ReceiptHash)
	if isUnique(err) {
		return inspect.ErrDuplicate
	}
	if err != nil {
		return err
	}
	var b pgx.Batch
	for i, it := range r.Items {
		cs, _ := json.Marshal(pgNonNil(it.Clauses))
		b.Queue(`INSERT INTO report_items (report_id, ord, key, title, clauses, weight, critical, result)
			VALUES ($1, $2, $3, $4, $5::jsonb, $6, $7, $8)`, r.ID, i, it.Key, it.Title, string(cs), it.Weight, it.Critical, string(it.Result))
	}
	for _, f := range r.Findings {
		cs, _ := json.Marshal(pgNonNil(f.Clauses))
		b.Queue(`INSERT INTO report_findings (report_id, no, item_key, title, clauses, critical, note, source)
			VALUES ($1, $2, $3, $4, $5::jsonb, $6, $7, $8)`, r.ID, f.No, f.ItemKey, f.Title, string(cs), f.Critical, f.Note, string(f.Source))
	}
	type photoMove struct{ id string }
	var moves []photoMove
	for _, f := range r.Findings {
		for k, p := range f.Photos {
			moves = append(moves, photoMove{p.ID})
			b.Queue(`UPDATE report_photos SET report_id = $1, finding_no = $2, ord = $3, draft_id = NULL, draft_expires = NULL
				WHERE id = $4 AND draft_id = $5`, r.ID, f.No, k, p.ID, draftID)
		}
	}
	b.Queue(`DELETE FROM report_photos WHERE draft_id = $1`, draftID)
	b.Queue(`INSERT INTO report_events (report_id, no, state, reason, on_day) VALUES ($1, 1, $2, '', $3::date)`,
		r.ID, string(r.State), r.Filed.String())
	b.Queue(`INSERT INTO report_outbox (report_id) VALUES ($1)`, r.ID)
	br := tx.SendBatch(ctx, &b)
	nItems := len(r.Items) + len(r.Findings)
	for i := 0; i < nItems; i++ {
		if _, err := br.Exec(); err != nil {
			br.Close()
			return err
		}
	}
	for range moves {
		tag, err := br.Exec()
		if err != nil {
			br.Close()
			return err
		}
		if tag.RowsAffected() != 1 {
			br.Close()
			return fmt.Errorf("photo of the draft: %w", inspect.ErrNotFound)
		}
	}
	for i := 0; i < 3; i++ {
		if _, err := br.Exec(); err != nil {
			br.Close()
			return err
		}
	}
	return br.Close()
}

const pgReportColumns = `id, window_id, window_label, visit_date::text, half_day, filed::text, code_version_id, checklist_id,
	description, state, state_reason, changed::text, receipt_hash`

func scanPgReport(row pgx.Row) (*inspect.Report, error) {
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

// loadPgDetails reads the items, findings (with their photos' references) and, when full, supplements and events
// of reports.
func (db *DB) loadPgDetails(ctx context.Context, reps []*inspect.Report, full bool) error {
	if len(reps) == 0 {
		return nil
	}
	byID := make(map[string]*inspect.Report, len(reps))
	ids := make([]string, len(reps))
	for i, r := range reps {
		byID[r.ID], ids[i] = r, r.ID
	}
	rows, err := db.pool.Query(ctx, `SELECT report_id, key, title, clauses, weight, critical, result FROM report_items
		WHERE report_id = ANY($1) ORDER BY report_id, ord`, ids)
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
	rows, err = db.pool.Query(ctx, `SELECT report_id, no, item_key, title, clauses, critical, note, source FROM report_findings
		WHERE report_id = ANY($1) ORDER BY report_id, no`, ids)
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
	rows, err = db.pool.Query(ctx, `SELECT report_id, finding_no, id, width, height, bytes FROM report_photos
		WHERE report_id = ANY($1) ORDER BY report_id, finding_no, ord`, ids)
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
	rows, err = db.pool.Query(ctx, `SELECT report_id, no, text, added::text FROM report_supplements
		WHERE report_id = ANY($1) ORDER BY report_id, no`, ids)
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
	rows, err = db.pool.Query(ctx, `SELECT report_id, state, reason, on_day::text FROM report_events
		WHERE report_id = ANY($1) ORDER BY report_id, no`, ids)
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

func (db *DB) onePgReport(ctx context.Context, where string, arg any) (*inspect.Report, error) {
	r, err := scanPgReport(db.pool.QueryRow(ctx, `SELECT `+pgReportColumns+` FROM reports WHERE `+where, arg))
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, inspect.ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("postgres: report: %w", err)
	}
	if err := db.loadPgDetails(ctx, []*inspect.Report{r}, true); err != nil {
		return nil, fmt.Errorf("postgres: report: %w", err)
	}
	return r, nil
}

// Report implements inspect.ReportStore.
func (db *DB) Report(ctx context.Context, id string) (*inspect.Report, error) {
	return db.onePgReport(ctx, `id = $1`, id)
}

// ReportByReceipt implements inspect.ReportStore.
func (db *DB) ReportByReceipt(ctx context.Context, hash string) (*inspect.Report, error) {
	return db.onePgReport(ctx, `receipt_hash = $1`, hash)
}

func pgReportWhere(f inspect.ReportFilter) (string, []any) {
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
		conds = append(conds, `visit_date >= `+arg(f.From.String())+`::date`)
	}
	if !f.To.IsZero() {
		conds = append(conds, `visit_date <= `+arg(f.To.String())+`::date`)
	}
	if len(f.States) > 0 {
		ss := make([]string, len(f.States))
		for i, s := range f.States {
			ss[i] = string(s)
		}
		conds = append(conds, `state = ANY(`+arg(ss)+`)`)
	}
	if len(conds) == 0 {
		return "", args
	}
	return ` WHERE ` + strings.Join(conds, " AND "), args
}

// Reports implements inspect.ReportStore.
func (db *DB) Reports(ctx context.Context, f inspect.ReportFilter) ([]inspect.Report, error) {
	where, args := pgReportWhere(f)
	q := `SELECT ` + pgReportColumns + ` FROM reports` + where + ` ORDER BY visit_date DESC, half_day DESC, id`
	if f.Limit > 0 {
		args = append(args, f.Limit)
		q += ` LIMIT $` + strconv.Itoa(len(args))
	}
	if f.Offset > 0 {
		args = append(args, f.Offset)
		q += ` OFFSET $` + strconv.Itoa(len(args))
	}
	rows, err := db.pool.Query(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("postgres: reports: %w", err)
	}
	var ptrs []*inspect.Report
	for rows.Next() {
		r, err := scanPgReport(rows)
		if err != nil {
			rows.Close()
			return nil, fmt.Errorf("postgres: reports: %w", err)
		}
		ptrs = append(ptrs, r)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("postgres: reports: %w", err)
	}
	if f.WithItems {
		for i := 0; i < len(ptrs); i += 1000 {
			if err := db.loadPgDetails(ctx, ptrs[i:min(i+1000, len(ptrs))], false); err != nil {
				return nil, fmt.Errorf("postgres: reports: %w", err)
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
	where, args := pgReportWhere(f)
	var n int
	if err := db.pool.QueryRow(ctx, `SELECT count(*) FROM reports`+where, args...).Scan(&n); err != nil {
		return 0, fmt.Errorf("postgres: count reports: %w", err)
	}
	return n, nil
}

// Photo implements inspect.ReportStore.
func (db *DB) Photo(ctx context.Context, id string) (*inspect.Photo, error) {
	var p inspect.Photo
	err := db.pool.QueryRow(ctx, `SELECT id, width, height, bytes, data FROM report_photos WHERE id = $1 AND report_id IS NOT NULL`, id).
		Scan(&p.ID, &p.Width, &p.Height, &p.Bytes, &p.Data)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, inspect.ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("postgres: photo: %w", err)
	}
	return &p, nil
}

// AddSupplement implements inspect.ReportStore.
func (db *DB) AddSupplement(ctx context.Context, reportID, text string, on workday.Date) (int, error) {
	var no int
	err := db.inspTx(ctx, "add supplement", func(tx pgx.Tx) error {
		// Locking the report row numbers its supplements one at a time.
		var id string
		err := tx.QueryRow(ctx, `SELECT id FROM reports WHERE id = $1 FOR UPDATE`, reportID).Scan(&id)
		if errors.Is(err, pgx.ErrNoRows) {
			return inspect.ErrNotFound
		}
		if err != nil {
			return err
		}
		return tx.QueryRow(ctx, `INSERT INTO report_supplements (report_id, no, text, added)
			VALUES ($1, (SELECT coalesce(max(no), 0) + 1 FROM report_supplements WHERE report_id = $1), $2, $3::date) RETURNING no`,
			reportID, text, on.String()).Scan(&no)
	})
	return no, err
}

// SetReportState implements inspect.ReportStore.
func (db *DB) SetReportState(ctx context.Context, id string, from, to inspect.State, reason string, on workday.Date) error {
	return db.inspTx(ctx, "set report state", func(tx pgx.Tx) error {
		var state string
		err := tx.QueryRow(ctx, `SELECT state FROM reports WHERE id = $1 FOR UPDATE`, id).Scan(&state)
		if errors.Is(err, pgx.ErrNoRows) {
			return inspect.ErrNotFound
		}
		if err != nil {
			return err
		}
		if inspect.State(state) != from || !inspect.CanMove(from, to) {
			return inspect.ErrConflict
		}
		if _, err := tx.Exec(ctx, `UPDATE reports SET state = $2, state_reason = $3, changed = $4::date WHERE id = $1`,
			id, string(to), reason, on.String()); err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `INSERT INTO report_events (report_id, no, state, reason, on_day)
			VALUES ($1, (SELECT coalesce(max(no), 0) + 1 FROM report_events WHERE report_id = $1), $2, $3, $4::date)`,
			id, string(to), reason, on.String())
		return err
	})
}

// PendingNotifications implements inspect.ReportStore.
func (db *DB) PendingNotifications(ctx context.Context, limit int) ([]string, error) {
	q := `SELECT report_id FROM report_outbox ORDER BY report_id`
	args := []any{}
	if limit > 0 {
		q += ` LIMIT $1`
		args = append(args, limit)
	}
	rows, err := db.pool.Query(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("postgres: pending notifications: %w", err)
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
// ("outboxcl" in ASCII). A claim decides whether another instance still holds a report by that instance's
// lease in notifier_leases; FOR UPDATE SKIP LOCKED rechecks a row's own columns when a concurrent claim changed
// it, but not another table, so without the lock two claims could both take a report the other just claimed.
const outboxClaimLock int64 = 0x6f7574626f78636c

// ClaimNotifications implements inspect.ReportStore: under outboxClaimLock, the leases run out at now are
// dropped, up to limit reports nobody (alive) holds are locked (FOR UPDATE SKIP LOCKED: rows a sending
// instance is deleting are passed over, not waited for) and claimed, and owner's lease is renewed, in one
// transaction.
func (db *DB) ClaimNotifications(ctx context.Context, owner string, now, leaseUntil time.Time, limit int) ([]string, error) {
	if owner == "" {
		return nil, errors.New("postgres: claim notifications: no owner")
	}
	var out []string
	err := db.inspTx(ctx, "claim notifications", func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1)`, outboxClaimLock); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `DELETE FROM notifier_leases WHERE lease_until <= $2 AND owner <> $1`, owner, now); err != nil {
			return err
		}
		if limit > 0 {
			if _, err := tx.Exec(ctx, `UPDATE report_outbox o SET lease_owner = $1
				FROM (
					SELECT c.report_id FROM report_outbox c
					WHERE c.lease_owner = ''
					   OR (c.lease_owner <> $1 AND NOT EXISTS (SELECT 1 FROM notifier_leases l WHERE l.owner = c.lease_owner))
					ORDER BY c.report_id
					LIMIT $2
					FOR UPDATE OF c SKIP LOCKED
				) picked
				WHERE o.report_id = picked.report_id`, owner, limit); err != nil {
				return err
			}
		}
		rows, err := tx.Query(ctx, `SELECT report_id FROM report_outbox WHERE lease_owner = $1 ORDER BY report_id`, owner)
		if err != nil {
			return err
		}
		out, err = pgx.CollectRows(rows, pgx.RowTo[string])
		if err != nil {
			return err
		}
		if len(out) == 0 {
			_, err = tx.Exec(ctx, `DELETE FROM notifier_leases WHERE owner = $1`, owner)
			return err
		}
		_, err = tx.Exec(ctx, `INSERT INTO notifier_leases (owner, lease_until) VALUES ($1, $2)
			ON CONFLICT (owner) DO UPDATE SET lease_until = excluded.lease_until`, owner, leaseUntil)
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
	err := db.pool.QueryRow(ctx, `WITH gone AS (DELETE FROM report_outbox WHERE report_id = $1 RETURNING lease_owner)
		SELECT coalesce(bool_or(lease_owner = $2), false) FROM gone`, reportID, owner).Scan(&held)
	if err != nil {
		return false, fmt.Errorf("postgres: notification sent: %w", err)
	}
	return held, nil
}

// ReleaseNotifications implements inspect.ReportStore.
func (db *DB) ReleaseNotifications(ctx context.Context, owner string, reportIDs ...string) error {
	return db.inspTx(ctx, "release notifications", func(tx pgx.Tx) error {
		if len(reportIDs) == 0 {
			if _, err := tx.Exec(ctx, `UPDATE report_outbox SET lease_owner = '' WHERE lease_owner = $1`, owner); err != nil {
				return err
			}
		} else if _, err := tx.Exec(ctx, `UPDATE report_outbox SET lease_owner = '' WHERE lease_owner = $1 AND report_id = ANY($2)`,
			owner, reportIDs); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `DELETE FROM notifier_leases WHERE owner = $1
			AND NOT EXISTS (SELECT 1 FROM report_outbox WHERE lease_owner = $1)`, owner)
		return err
	})
}
