package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/conductbot/conductbot/rules"
)

var _ rules.Store = (*DB)(nil)

// querier is what both the database and a transaction offer.
type querier interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// PutCode stores code as a new version in force, unless a version with the same hash exists: then that version is
// put in force and created is false. now zero means db.Now(). The immediate transaction serializes concurrent
// calls.
func (db *DB) PutCode(ctx context.Context, code *rules.Code, source string, now time.Time) (*rules.Version, bool, error) {
	if code == nil {
		return nil, false, errors.New("sqlite: put code: nil code")
	}
	if now.IsZero() {
		now = db.Now()
	}
	hash := code.Hash()
	headings, err := json.Marshal(code.Headings)
	if err != nil {
		return nil, false, fmt.Errorf("sqlite: put code: encode headings: %w", err)
	}

	tx, err := db.db.BeginTx(ctx, nil)
	if err != nil {
		return nil, false, fmt.Errorf("sqlite: put code: %w", err)
	}
	defer tx.Rollback()
	var id int64
	err = tx.QueryRowContext(ctx, `SELECT id FROM code_versions WHERE hash = ?`, hash).Scan(&id)
	switch {
	case err == nil:
		// Two statements: the unique index may be checked row by row.
		if _, err := tx.ExecContext(ctx, `UPDATE code_versions SET in_force = 0 WHERE in_force = 1 AND id <> ?`, id); err != nil {
			return nil, false, fmt.Errorf("sqlite: put code: %w", err)
		}
		if _, err := tx.ExecContext(ctx, `UPDATE code_versions SET in_force = 1 WHERE id = ? AND in_force = 0`, id); err != nil {
			return nil, false, fmt.Errorf("sqlite: put code: %w", err)
		}
		v, err := loadVersion(ctx, tx, `id = ?`, id)
		if err != nil {
			return nil, false, fmt.Errorf("sqlite: put code: %w", err)
		}
		if err := tx.Commit(); err != nil {
			return nil, false, fmt.Errorf("sqlite: put code: commit: %w", err)
		}
		db.log.Info("code version in force", "version", v.Number, "id", v.ID, "created", false)
		return v, false, nil
	case errors.Is(err, sql.ErrNoRows):
	default:
		return nil, false, fmt.Errorf("sqlite: put code: %w", err)
	}

	if _, err := tx.ExecContext(ctx, `UPDATE code_versions SET in_force = 0 WHERE in_force = 1`); err != nil {
		return nil, false, fmt.Errorf("sqlite: put code: %w", err)
	}
	created := formatTime(now)
	v := &rules.Version{Hash: hash, InForce: true, Source: source, Code: code}
	if v.CreatedAt, err = parseTime(created); err != nil {
		return nil, false, fmt.Errorf("sqlite: put code: %w", err)
	}
	err = tx.QueryRowContext(ctx, `
		INSERT INTO code_versions (number, hash, in_force, title, issuer, doc_number, issued, headings, source, created_at, layout)
		VALUES ((SELECT coalesce(max(number), 0) + 1 FROM code_versions), ?, 1, ?, ?, ?, ?, ?, ?, ?, ?)
		RETURNING id, number`,
		hash, code.Title, code.Issuer, code.DocNumber, code.Issued, string(headings), source, created, code.Layout,
	).Scan(&v.ID, &v.Number)
	if err != nil {
		return nil, false, fmt.Errorf("sqlite: put code: insert version: %w", err)
	}
	stmt, err := tx.PrepareContext(ctx, `INSERT INTO clauses (version_id, clause_id, ord, title, path, text, statements)
		VALUES (?, ?, ?, ?, ?, ?, ?)`)
	if err != nil {
		return nil, false, fmt.Errorf("sqlite: put code: %w", err)
	}
	defer stmt.Close()
	for i, cl := range code.Clauses {
		p, err := json.Marshal(cl.Path)
		if err != nil {
			return nil, false, fmt.Errorf("sqlite: put code: encode path of clause %s: %w", cl.ID, err)
		}
		st, err := json.Marshal(cl.Statements)
		if err != nil {
			return nil, false, fmt.Errorf("sqlite: put code: encode statements of clause %s: %w", cl.ID, err)
		}
		if _, err := stmt.ExecContext(ctx, v.ID, cl.ID, i, cl.Title, string(p), cl.Text, string(st)); err != nil {
			return nil, false, fmt.Errorf("sqlite: put code: insert clause %s: %w", cl.ID, err)
		}
	}
	if err := tx.Commit(); err != nil {
		return nil, false, fmt.Errorf("sqlite: put code: commit: %w", err)
	}
	db.log.Info("code version in force", "version", v.Number, "id", v.ID, "created", true, "clauses", len(code.Clauses))
	return v, true, nil
}

// CodeInForce returns the version in force with its clauses, or an error wrapping rules.ErrNotFound.
func (db *DB) CodeInForce(ctx context.Context) (*rules.Version, error) {
	v, err := loadVersion(ctx, db.db, `in_force = 1`)
	if err != nil {
		return nil, fmt.Errorf("sqlite: code in force: %w", err)
	}
	return v, nil
}

// CodeVersion returns one version with its clauses, or an error wrapping rules.ErrNotFound.
func (db *DB) CodeVersion(ctx context.Context, id int64) (*rules.Version, error) {
	v, err := loadVersion(ctx, db.db, `id = ?`, id)
	if err != nil {
		return nil, fmt.Errorf("sqlite: code version %d: %w", id, err)
	}
	return v, nil
}

// CodeVersions lists all versions, newest first. Their Code holds the title, issuer, document number, issue date
// and headings but no clauses, and Source is empty: CodeVersion has both.
func (db *DB) CodeVersions(ctx context.Context) ([]rules.Version, error) {
	rows, err := db.db.QueryContext(ctx, `SELECT `+versionColumns+` FROM code_versions ORDER BY number DESC`)
	if err != nil {
		return nil, fmt.Errorf("sqlite: code versions: %w", err)
	}
	defer rows.Close()
	vs := []rules.Version{}
	for rows.Next() {
		v, err := scanVersion(rows, false)
		if err != nil {
			return nil, fmt.Errorf("sqlite: code versions: %w", err)
		}
		vs = append(vs, *v)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: code versions: %w", err)
	}
	return vs, nil
}

const versionColumns = `id, number, hash, in_force, title, issuer, doc_number, issued, headings, created_at, layout`

func scanVersion(row interface{ Scan(...any) error }, withSource bool) (*rules.Version, error) {
	v := &rules.Version{Code: &rules.Code{}}
	var headings, created string
	dest := []any{&v.ID, &v.Number, &v.Hash, &v.InForce, &v.Code.Title, &v.Code.Issuer, &v.Code.DocNumber,
		&v.Code.Issued, &headings, &created, &v.Code.Layout}
	if withSource {
		dest = append(dest, &v.Source)
	}
	if err := row.Scan(dest...); err != nil {
		return nil, err
	}
	if err := json.Unmarshal([]byte(headings), &v.Code.Headings); err != nil {
		return nil, fmt.Errorf("decode headings of version %d: %w", v.ID, err)
	}
	var err error
	if v.CreatedAt, err = parseTime(created); err != nil {
		return nil, err
	}
	return v, nil
}

// loadVersion reads the version matching where (a condition on code_versions) with its source and clauses.
func loadVersion(ctx context.Context, q querier, where string, args ...any) (*rules.Version, error) {
	v, err := scanVersion(q.QueryRowContext(ctx, `SELECT `+versionColumns+`, source FROM code_versions WHERE `+where, args...), true)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, rules.ErrNotFound
	}
	if err != nil {
		return nil, err
	}
	rows, err := q.QueryContext(ctx, `SELECT clause_id, title, path, text, statements FROM clauses
		WHERE version_id = ? ORDER BY ord`, v.ID)
	if err != nil {
		return nil, fmt.Errorf("read clauses: %w", err)
	}
	defer rows.Close()
	v.Code.Clauses = []rules.Clause{}
	for rows.Next() {
		var cl rules.Clause
		var path, statements string
		if err := rows.Scan(&cl.ID, &cl.Title, &path, &cl.Text, &statements); err != nil {
			return nil, fmt.Errorf("read clauses: %w", err)
		}
		if err := json.Unmarshal([]byte(path), &cl.Path); err != nil {
			return nil, fmt.Errorf("decode path of clause %s: %w", cl.ID, err)
		}
		if err := json.Unmarshal([]byte(statements), &cl.Statements); err != nil {
			return nil, fmt.Errorf("decode statements of clause %s: %w", cl.ID, err)
		}
		v.Code.Clauses = append(v.Code.Clauses, cl)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read clauses: %w", err)
	}
	return v, nil
}
