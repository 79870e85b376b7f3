package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"time"

	"github.com/conductbot/conductbot/rules"
)

var _ rules.Store = (*Store)(nil)

// clauseBatch is how many clauses one INSERT writes: 7 arguments each, well under both engines' limits on the
// arguments of a statement.
const clauseBatch = 500

// PutCode stores code as a new version in force, unless a version with the same hash exists: then that version is
// put in force and created is false. now zero means s.Now(). Concurrent calls take turns (Dialect.Serialize);
// readers go on.
func (s *Store) PutCode(ctx context.Context, code *rules.Code, source string, now time.Time) (*rules.Version, bool, error) {
	if code == nil {
		return nil, false, fmt.Errorf("%s: put code: nil code", s.name)
	}
	if now.IsZero() {
		now = s.Now()
	}
	hash := code.Hash()
	headings, err := json.Marshal(code.Headings)
	if err != nil {
		return nil, false, s.errorf("put code: encode headings", err)
	}
	clauses := make([]any, 0, 7*len(code.Clauses))
	for i, cl := range code.Clauses {
		p, err := json.Marshal(cl.Path)
		if err != nil {
			return nil, false, s.errorf("put code: encode path of clause "+cl.ID, err)
		}
		st, err := json.Marshal(cl.Statements)
		if err != nil {
			return nil, false, s.errorf("put code: encode statements of clause "+cl.ID, err)
		}
		clauses = append(clauses, nil, cl.ID, i, cl.Title, string(p), cl.Text, string(st)) // version_id is set below
	}

	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return nil, false, s.errorf("put code", err)
	}
	defer tx.Rollback()
	if err := s.serialize(ctx, tx, "code_versions"); err != nil {
		return nil, false, s.errorf("put code", err)
	}
	var id int64
	err = tx.QueryRowContext(ctx, `SELECT id FROM code_versions WHERE hash = $1`, hash).Scan(&id)
	switch {
	case err == nil:
		// Two statements: a unique index may be checked row by row, so one UPDATE flipping both rows could fail.
		if _, err := tx.ExecContext(ctx, `UPDATE code_versions SET in_force = false WHERE in_force AND id <> $1`, id); err != nil {
			return nil, false, s.errorf("put code", err)
		}
		if _, err := tx.ExecContext(ctx, `UPDATE code_versions SET in_force = true WHERE id = $1 AND NOT in_force`, id); err != nil {
			return nil, false, s.errorf("put code", err)
		}
		v, err := loadVersion(ctx, tx, `id = $1`, id)
		if err != nil {
			return nil, false, s.errorf("put code", err)
		}
		if err := tx.Commit(); err != nil {
			return nil, false, s.errorf("put code: commit", err)
		}
		s.log.Info("code version in force", "version", v.Number, "id", v.ID, "created", false)
		return v, false, nil
	case errNoRows(err):
	default:
		return nil, false, s.errorf("put code", err)
	}

	if _, err := tx.ExecContext(ctx, `UPDATE code_versions SET in_force = false WHERE in_force`); err != nil {
		return nil, false, s.errorf("put code", err)
	}
	// As stored: UTC, microseconds.
	v := &rules.Version{Hash: hash, InForce: true, Source: source, Code: code, CreatedAt: now.UTC().Truncate(time.Microsecond)}
	err = tx.QueryRowContext(ctx, `
		INSERT INTO code_versions (number, hash, in_force, title, issuer, doc_number, issued, headings, source, created_at, layout)
		VALUES ((SELECT coalesce(max(number), 0) + 1 FROM code_versions), $1, true, $2, $3, $4, $5, $6, $7, $8, $9)
		RETURNING id, number`,
		hash, code.Title, code.Issuer, code.DocNumber, code.Issued, string(headings), source, s.d.Time(now), code.Layout,
	).Scan(&v.ID, &v.Number)
	if err != nil {
		return nil, false, s.errorf("put code: insert version", err)
	}
	for i := 0; i < len(clauses); i += 7 {
		clauses[i] = v.ID
	}
	for len(clauses) > 0 {
		n := min(len(clauses)/7, clauseBatch)
		if _, err := tx.ExecContext(ctx, `INSERT INTO clauses (version_id, clause_id, ord, title, path, text, statements)
			VALUES `+valuesMarks(n, 7), clauses[:7*n]...); err != nil {
			return nil, false, s.errorf("put code: insert clauses", err)
		}
		clauses = clauses[7*n:]
	}
	if err := tx.Commit(); err != nil {
		return nil, false, s.errorf("put code: commit", err)
	}
	s.log.Info("code version in force", "version", v.Number, "id", v.ID, "created", true, "clauses", len(code.Clauses))
	return v, true, nil
}

// valuesMarks is the placeholders of rows rows of cols values each: "($1,$2),($3,$4)".
func valuesMarks(rows, cols int) string {
	b := make([]byte, 0, rows*cols*5)
	for r := range rows {
		if r > 0 {
			b = append(b, ',')
		}
		b = append(b, '(')
		b = append(b, Marks(r*cols+1, cols)...)
		b = append(b, ')')
	}
	return string(b)
}

// CodeInForce returns the version in force with its clauses, or an error wrapping rules.ErrNotFound.
func (s *Store) CodeInForce(ctx context.Context) (*rules.Version, error) {
	v, err := loadVersion(ctx, s.db, `in_force`)
	if err != nil {
		return nil, s.errorf("code in force", err)
	}
	return v, nil
}

// CodeVersion returns one version with its clauses, or an error wrapping rules.ErrNotFound.
func (s *Store) CodeVersion(ctx context.Context, id int64) (*rules.Version, error) {
	v, err := loadVersion(ctx, s.db, `id = $1`, id)
	if err != nil {
		return nil, s.errorf(fmt.Sprintf("code version %d", id), err)
	}
	return v, nil
}

// CodeVersions lists all versions, newest first. Their Code holds the title, issuer, document number, issue date
// and headings but no clauses, and Source is empty: CodeVersion has both.
func (s *Store) CodeVersions(ctx context.Context) ([]rules.Version, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT `+versionColumns+` FROM code_versions ORDER BY number DESC`)
	if err != nil {
		return nil, s.errorf("code versions", err)
	}
	defer rows.Close()
	vs := []rules.Version{}
	for rows.Next() {
		v, err := scanVersion(rows, false)
		if err != nil {
			return nil, s.errorf("code versions", err)
		}
		vs = append(vs, *v)
	}
	if err := rows.Err(); err != nil {
		return nil, s.errorf("code versions", err)
	}
	return vs, nil
}

const versionColumns = `id, number, hash, in_force, title, issuer, doc_number, issued, headings, created_at, layout`

func scanVersion(row interface{ Scan(...any) error }, withSource bool) (*rules.Version, error) {
	v := &rules.Version{Code: &rules.Code{}}
	var headings []byte
	dest := []any{&v.ID, &v.Number, &v.Hash, &v.InForce, &v.Code.Title, &v.Code.Issuer, &v.Code.DocNumber,
		&v.Code.Issued, &headings, At(&v.CreatedAt), &v.Code.Layout}
	if withSource {
		dest = append(dest, &v.Source)
	}
	if err := row.Scan(dest...); err != nil {
		return nil, err
	}
	if err := json.Unmarshal(headings, &v.Code.Headings); err != nil {
		return nil, fmt.Errorf("decode headings of version %d: %w", v.ID, err)
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
	// In the order of the index, put in document order below: a sort by ord in the query took a third of it.
	rows, err := q.QueryContext(ctx, `SELECT clause_id, ord, title, path, text, statements FROM clauses
		WHERE version_id = $1`, v.ID)
	if err != nil {
		return nil, fmt.Errorf("read clauses: %w", err)
	}
	defer rows.Close()
	v.Code.Clauses = []rules.Clause{}
	var ords []int64
	dec := newClauseDecoder()
	var title, path, statements sql.RawBytes // valid until the next row; decoded before it
	for rows.Next() {
		var cl rules.Clause
		var ord int64
		if err := rows.Scan(&cl.ID, &ord, &title, &path, &cl.Text, &statements); err != nil {
			return nil, fmt.Errorf("read clauses: %w", err)
		}
		ords = append(ords, ord)
		cl.Title = dec.intern(title)
		if cl.Path, err = dec.path(path); err != nil {
			return nil, fmt.Errorf("decode path of clause %s: %w", cl.ID, err)
		}
		if cl.Statements, err = dec.statements(statements); err != nil {
			return nil, fmt.Errorf("decode statements of clause %s: %w", cl.ID, err)
		}
		v.Code.Clauses = append(v.Code.Clauses, cl)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read clauses: %w", err)
	}
	v.Code.Clauses = InOrder(v.Code.Clauses, ords)
	return v, nil
}

// InOrder returns items in the order of their positions ords (items[i] is at ords[i]): placed directly when the
// positions are 0…n-1, as PutCode numbers clauses, else sorted by them.
func InOrder[T any](items []T, ords []int64) []T {
	n := len(items)
	out := make([]T, n)
	placed := make([]bool, n)
	for i, o := range ords {
		if o < 0 || o >= int64(n) || placed[o] {
			idx := make([]int, n)
			for j := range idx {
				idx[j] = j
			}
			sort.SliceStable(idx, func(a, b int) bool { return ords[idx[a]] < ords[idx[b]] })
			for j, k := range idx {
				out[j] = items[k]
			}
			return out
		}
		out[o], placed[o] = items[i], true
	}
	return out
}
