package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/conductbot/conductbot/rules"
)

var _ rules.Store = (*DB)(nil)

// querier is what both the pool and a transaction offer.
type querier interface {
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

// PutCode stores code as a new version in force, unless a version with the same hash exists: then that version is
// put in force and created is false. now zero means db.Now(). Concurrent calls are serialized by a table lock
// that still lets readers through.
func (db *DB) PutCode(ctx context.Context, code *rules.Code, source string, now time.Time) (*rules.Version, bool, error) {
	if code == nil {
		return nil, false, errors.New("postgres: put code: nil code")
	}
	if now.IsZero() {
		now = db.Now()
	}
	hash := code.Hash()
	headings, err := json.Marshal(code.Headings)
	if err != nil {
		return nil, false, fmt.Errorf("postgres: put code: encode headings: %w", err)
	}
	rows := make([][]any, len(code.Clauses))
	for i, cl := range code.Clauses {
		p, err := json.Marshal(cl.Path)
		if err != nil {
			return nil, false, fmt.Errorf("postgres: put code: encode path of clause %s: %w", cl.ID, err)
		}
		st, err := json.Marshal(cl.Statements)
		if err != nil {
			return nil, false, fmt.Errorf("postgres: put code: encode statements of clause %s: %w", cl.ID, err)
		}
		rows[i] = []any{nil, cl.ID, i, cl.Title, p, cl.Text, st} // version_id is set below
	}

	tx, err := db.pool.Begin(ctx)
	if err != nil {
		return nil, false, fmt.Errorf("postgres: put code: %w", err)
	}
	defer rollback(ctx, tx)
	// SHARE ROW EXCLUSIVE conflicts with itself and with writers, not with readers.
	if _, err := tx.Exec(ctx, `LOCK TABLE code_versions IN SHARE ROW EXCLUSIVE MODE`); err != nil {
		return nil, false, fmt.Errorf("postgres: put code: lock: %w", err)
	}
	var id int64
	err = tx.QueryRow(ctx, `SELECT id FROM code_versions WHERE hash = $1`, hash).Scan(&id)
	switch {
	case err == nil:
		// Two statements: a unique index is checked row by row, so one UPDATE flipping both rows could fail.
		if _, err := tx.Exec(ctx, `UPDATE code_versions SET in_force = false WHERE in_force AND id <> $1`, id); err != nil {
			return nil, false, fmt.Errorf("postgres: put code: %w", err)
		}
		if _, err := tx.Exec(ctx, `UPDATE code_versions SET in_force = true WHERE id = $1 AND NOT in_force`, id); err != nil {
			return nil, false, fmt.Errorf("postgres: put code: %w", err)
		}
		v, err := loadVersion(ctx, tx, `id = $1`, id)
		if err != nil {
			return nil, false, fmt.Errorf("postgres: put code: %w", err)
		}
		if err := tx.Commit(ctx); err != nil {
			return nil, false, fmt.Errorf("postgres: put code: commit: %w", err)
		}
		db.log.Info("code version in force", "version", v.Number, "id", v.ID, "created", false)
		return v, false, nil
	case errors.Is(err, pgx.ErrNoRows):
	default:
		return nil, false, fmt.Errorf("postgres: put code: %w", err)
	}

	if _, err := tx.Exec(ctx, `UPDATE code_versions SET in_force = false WHERE in_force`); err != nil {
		return nil, false, fmt.Errorf("postgres: put code: %w", err)
	}
	v := &rules.Version{Hash: hash, InForce: true, Source: source, Code: code}
	err = tx.QueryRow(ctx, `
		INSERT INTO code_versions (number, hash, in_force, title, issuer, doc_number, issued, headings, source, created_at, layout)
		VALUES ((SELECT coalesce(max(number), 0) + 1 FROM code_versions), $1, true, $2, $3, $4, $5, $6, $7, $8, $9)
		RETURNING id, number, created_at`,
		hash, code.Title, code.Issuer, code.DocNumber, code.Issued, headings, source, now, code.Layout,
	).Scan(&v.ID, &v.Number, &v.CreatedAt)
	if err != nil {
		return nil, false, fmt.Errorf("postgres: put code: insert version: %w", err)
	}
	v.CreatedAt = v.CreatedAt.UTC()
	for _, r := range rows {
		r[0] = v.ID
	}
	if _, err := tx.CopyFrom(ctx, pgx.Identifier{"clauses"},
		[]string{"version_id", "clause_id", "ord", "title", "path", "text", "statements"},
		pgx.CopyFromRows(rows)); err != nil {
		return nil, false, fmt.Errorf("postgres: put code: insert clauses: %w", err)
	}
	if err := tx.Commit(ctx); err != nil {
		return nil, false, fmt.Errorf("postgres: put code: commit: %w", err)
	}
	db.log.Info("code version in force", "version", v.Number, "id", v.ID, "created", true, "clauses", len(code.Clauses))
	return v, true, nil
}

// CodeInForce returns the version in force with its clauses, or an error wrapping rules.ErrNotFound.
func (db *DB) CodeInForce(ctx context.Context) (*rules.Version, error) {
	v, err := loadVersion(ctx, db.pool, `in_force`)
	if err != nil {
		return nil, fmt.Errorf("postgres: code in force: %w", err)
	}
	return v, nil
}

// CodeVersion returns one version with its clauses, or an error wrapping rules.ErrNotFound.
func (db *DB) CodeVersion(ctx context.Context, id int64) (*rules.Version, error) {
	v, err := loadVersion(ctx, db.pool, `id = $1`, id)
	if err != nil {
		return nil, fmt.Errorf("postgres: code version %d: %w", id, err)
	}
	return v, nil
}

// CodeVersions lists all versions, newest first. Their Code holds the title, issuer, document number, issue date
// and headings but no clauses, and Source is empty: CodeVersion has both.
func (db *DB) CodeVersions(ctx context.Context) ([]rules.Version, error) {
	rows, err := db.pool.Query(ctx, `SELECT `+versionColumns+` FROM code_versions ORDER BY number DESC`)
	if err != nil {
		return nil, fmt.Errorf("postgres: code versions: %w", err)
	}
	vs, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (rules.Version, error) {
		v, err := scanVersion(row, false)
		if err != nil {
			return rules.Version{}, err
		}
		return *v, nil
	})
	if err != nil {
		return nil, fmt.Errorf("postgres: code versions: %w", err)
	}
	return vs, nil
}

const versionColumns = `id, number, hash, in_force, title, issuer, doc_number, issued, headings, created_at, layout`

func scanVersion(row pgx.Row, withSource bool) (*rules.Version, error) {
	v := &rules.Version{Code: &rules.Code{}}
	var headings []byte
	dest := []any{&v.ID, &v.Number, &v.Hash, &v.InForce, &v.Code.Title, &v.Code.Issuer, &v.Code.DocNumber,
		&v.Code.Issued, &headings, &v.CreatedAt, &v.Code.Layout}
	if withSource {
		dest = append(dest, &v.Source)
	}
	if err := row.Scan(dest...); err != nil {
		return nil, err
	}
	if err := json.Unmarshal(headings, &v.Code.Headings); err != nil {
		return nil, fmt.Errorf("decode headings of version %d: %w", v.ID, err)
	}
	v.CreatedAt = v.CreatedAt.UTC()
	return v, nil
}

// loadVersion reads the version matching where (a condition on code_versions) with its source and clauses.
func loadVersion(ctx context.Context, q querier, where string, args ...any) (*rules.Version, error) {
	v, err := scanVersion(q.QueryRow(ctx, `SELECT `+versionColumns+`, source FROM code_versions WHERE `+where, args...), true)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, rules.ErrNotFound
	}
	if err != nil {
		return nil, err
	}
	rows, err := q.Query(ctx, `SELECT clause_id, title, path, text, statements FROM clauses
		WHERE version_id = $1 ORDER BY ord`, v.ID)
	if err != nil {
		return nil, fmt.Errorf("read clauses: %w", err)
	}
	v.Code.Clauses, err = pgx.CollectRows(rows, func(row pgx.CollectableRow) (rules.Clause, error) {
		var cl rules.Clause
		var path, statements []byte
		if err := row.Scan(&cl.ID, &cl.Title, &path, &cl.Text, &statements); err != nil {
			return cl, err
		}
		if err := json.Unmarshal(path, &cl.Path); err != nil {
			return cl, fmt.Errorf("decode path of clause %s: %w", cl.ID, err)
		}
		if err := json.Unmarshal(statements, &cl.Statements); err != nil {
			return cl, fmt.Errorf("decode statements of clause %s: %w", cl.ID, err)
		}
		return cl, nil
	})
	if err != nil {
		return nil, fmt.Errorf("read clauses: %w", err)
	}
	return v, nil
}
