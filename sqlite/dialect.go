package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/conductbot/conductbot/retrieval"
	"github.com/conductbot/conductbot/sqlstore"
)

// dialect is how the shared store (sqlstore) speaks SQLite.
type dialect struct{ db *DB }

var _ sqlstore.Dialect = dialect{}

func (dialect) Name() string { return "sqlite" }

// Time stores times as fixed-width UTC text (sqlstore.TimeLayout), which sorts as time does.
func (dialect) Time(t time.Time) any { return formatTime(t) }

// IsUniqueViolation is SQLite's UNIQUE or PRIMARY KEY constraint failure.
func (dialect) IsUniqueViolation(err error) bool {
	return err != nil && (strings.Contains(err.Error(), "UNIQUE constraint failed") || strings.Contains(err.Error(), "PRIMARY KEY"))
}

// SkipLocked is empty: writers take turns (every transaction begins IMMEDIATE), nothing is locked to skip.
func (dialect) SkipLocked(table string) string { return "" }

// Serialize is empty: every transaction begins IMMEDIATE, so writers take turns.
func (dialect) Serialize(table string) string { return "" }

// AdvisoryLock is empty: every transaction begins IMMEDIATE, so writers take turns.
func (dialect) AdvisoryLock(key int64) string { return "" }

// In reads the list from a JSON array.
func (dialect) In(expr, ph string) string {
	return expr + " IN (SELECT value FROM json_each(" + ph + "))"
}

// List is the values as a JSON array.
func (dialect) List(vs any) any {
	b, err := json.Marshal(vs)
	if err != nil {
		panic(fmt.Sprintf("sqlite: list %T: %v", vs, err)) // only slices of strings and numbers are passed
	}
	return string(b)
}

// Checkpoint checkpoints the write-ahead log (see DB.checkpoint).
func (d dialect) Checkpoint(ctx context.Context) error { return d.db.checkpoint(ctx) }

// Batch runs the statements one after the other: they are calls into the engine, not round trips.
func (dialect) Batch(ctx context.Context, conn *sql.Conn, tx *sql.Tx, stmts []sqlstore.Stmt) error {
	for _, st := range stmts {
		res, err := tx.ExecContext(ctx, st.SQL, st.Args...)
		if err != nil {
			return err
		}
		if st.Rows != nil {
			if *st.Rows, err = res.RowsAffected(); err != nil {
				return err
			}
		}
	}
	return nil
}

// AggregateSettings is empty: SQLite has nothing to tune for a large read.
func (dialect) AggregateSettings() string { return "" }

// ForUpdate is empty: the transaction holds the write lock from its start.
func (dialect) ForUpdate() string { return "" }

// Scrub checkpoints the write-ahead log: the frames of earlier versions of the pages leave the data directory
// (secure_delete cleans the database file itself).
func (d dialect) Scrub(ctx context.Context, tables ...string) error { return d.db.checkpoint(ctx) }

// MaxVectorDims bounds the dimensions of a space: vectors are searched in memory, with no index to limit them.
func (dialect) MaxVectorDims() int { return maxDims }

// PrepareSpace has nothing to do: a search compares the query with every vector of the version.
func (dialect) PrepareSpace(context.Context, *sql.Tx, retrieval.Space, bool) error { return nil }

// DecodeVector reads an embedding blob (little-endian float32).
func (dialect) DecodeVector(src any, dst []float32) error {
	b, ok := src.([]byte)
	if !ok {
		return fmt.Errorf("an embedding of type %T", src)
	}
	return decodeVector(b, dst)
}
