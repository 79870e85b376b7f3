package postgres

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/stdlib"

	"github.com/conductbot/conductbot/retrieval"
	"github.com/conductbot/conductbot/sqlstore"
)

// dialect is how the shared store (sqlstore) speaks PostgreSQL.
type dialect struct{ db *DB }

var _ sqlstore.Dialect = dialect{}

func (dialect) Name() string { return "postgres" }

// Time passes times as they are: the columns are timestamptz.
func (dialect) Time(t time.Time) any { return t }

// IsUniqueViolation is SQLSTATE 23505.
func (dialect) IsUniqueViolation(err error) bool {
	var pe *pgconn.PgError
	return errors.As(err, &pe) && pe.Code == "23505"
}

// SkipLocked lets concurrent claims take different rows instead of waiting for each other.
func (dialect) SkipLocked(table string) string {
	if table != "" {
		return " FOR UPDATE OF " + table + " SKIP LOCKED"
	}
	return " FOR UPDATE SKIP LOCKED"
}

// Serialize takes SHARE ROW EXCLUSIVE on table: it conflicts with itself and with writers, not with readers.
func (dialect) Serialize(table string) string {
	return "LOCK TABLE " + pgx.Identifier{table}.Sanitize() + " IN SHARE ROW EXCLUSIVE MODE"
}

// AdvisoryLock takes the transaction-level advisory lock key.
func (dialect) AdvisoryLock(key int64) string {
	return "SELECT pg_advisory_xact_lock(" + strconv.FormatInt(key, 10) + ")"
}

// In compares with every element of an array.
func (dialect) In(expr, ph string) string { return expr + " = ANY(" + ph + ")" }

// List is the slice itself: pgx sends it as an array.
func (dialect) List(vs any) any { return vs }

// Checkpoint has nothing to do: PostgreSQL's write-ahead log is the server's to recycle.
func (dialect) Checkpoint(ctx context.Context) error { return nil }

// Batch sends the statements as one pgx batch on the connection under tx: one round trip, each statement
// prepared once per connection as any other.
func (dialect) Batch(ctx context.Context, conn *sql.Conn, tx *sql.Tx, stmts []sqlstore.Stmt) error {
	return conn.Raw(func(dc any) error {
		c, ok := dc.(*stdlib.Conn)
		if !ok {
			return fmt.Errorf("postgres: batch on a %T", dc)
		}
		var b pgx.Batch
		for _, st := range stmts {
			b.Queue(st.SQL, st.Args...)
		}
		br := c.Conn().SendBatch(ctx, &b)
		for _, st := range stmts {
			tag, err := br.Exec()
			if err != nil {
				br.Close()
				return err
			}
			if st.Rows != nil {
				*st.Rows = tag.RowsAffected()
			}
		}
		return br.Close()
	})
}

// AggregateSettings turn JIT off and give the sorts enough memory to stay in memory.
func (dialect) AggregateSettings() string { return "SET LOCAL jit = off; SET LOCAL work_mem = '64MB'" }

// ForUpdate locks the rows read against concurrent transactions.
func (dialect) ForUpdate() string { return " FOR UPDATE" }

// Scrub vacuums the tables, so that no dead tuple keeps the rows' earlier versions.
func (d dialect) Scrub(ctx context.Context, tables ...string) error {
	if len(tables) == 0 {
		return nil
	}
	ids := make([]string, len(tables))
	for i, t := range tables {
		ids[i] = pgx.Identifier{t}.Sanitize()
	}
	if _, err := d.db.pool.Exec(ctx, `VACUUM `+strings.Join(ids, ", ")); err != nil {
		return fmt.Errorf("postgres: vacuum %s: %w", strings.Join(tables, ", "), err)
	}
	return nil
}

// MaxVectorDims is the most pgvector's vector type holds.
func (dialect) MaxVectorDims() int { return maxVectorDims }

// PrepareSpace makes the space's partial HNSW index (see DB.prepareSpace).
func (d dialect) PrepareSpace(ctx context.Context, tx *sql.Tx, s retrieval.Space, created bool) error {
	return d.db.prepareSpace(ctx, tx, s, created)
}

// DecodeVector reads pgvector's text form.
func (dialect) DecodeVector(src any, dst []float32) error { return decodeVector(src, dst) }
