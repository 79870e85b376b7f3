package sqlstore

import (
	"context"
	"database/sql"
)

// Stmt is one statement of a batch, with its arguments.
type Stmt struct {
	SQL  string
	Args []any
	// Rows, if not nil, receives the number of rows the statement changed.
	Rows *int64
}

// batch is statements that run together in a transaction (Dialect.Batch): on PostgreSQL in one round trip, on
// SQLite one after the other.
type batch []Stmt

// add appends statement q with its arguments.
func (b *batch) add(q string, args ...any) { *b = append(*b, Stmt{SQL: q, Args: args}) }

// addCounted appends statement q, whose count of rows changed goes to rows.
func (b *batch) addCounted(rows *int64, q string, args ...any) {
	*b = append(*b, Stmt{SQL: q, Args: args, Rows: rows})
}

// connTx runs f in one transaction on a connection of its own, so that f may run batches on conn (Dialect.Batch),
// and commits it. Errors of f are handled as in Store.tx.
func (s *Store) connTx(ctx context.Context, what string, pass func(error) bool, f func(conn *sql.Conn, tx *sql.Tx) error) error {
	conn, err := s.db.Conn(ctx)
	if err != nil {
		return s.errorf(what, err)
	}
	defer conn.Close()
	tx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		return s.errorf(what, err)
	}
	defer tx.Rollback()
	if err := f(conn, tx); err != nil {
		if pass != nil && pass(err) {
			return err
		}
		return s.errorf(what, err)
	}
	if err := tx.Commit(); err != nil {
		return s.errorf(what+": commit", err)
	}
	return nil
}
