// Package sqlstore is the store of the capabilities written once over database/sql: the same queries run on
// SQLite (sqlite/, modernc.org/sqlite) and on PostgreSQL (postgres/, through pgx's database/sql adapter). What
// the two engines do differently lives behind Dialect, one small file in each engine's package.
//
// The queries are written in the subset both engines read alike:
//   - placeholders are $1, $2, …: PostgreSQL's own, and SQLite binds $N to the Nth argument (a placeholder may
//     be repeated);
//   - booleans are written true/false, NOT col or col = false (SQLite reads the keywords as 1 and 0) and bound
//     as Go bools;
//   - times are bound through Dialect.Time (TEXT in SQLite, timestamptz in PostgreSQL) and scanned with At or
//     AtNull; days (workday.Date) are bound as their "2006-01-02" text and scanned with Day;
//   - JSON is bound as text and read as text (jsonb in PostgreSQL infers the type from the column);
//   - IN-lists are expanded with Marks; claims of rows for a worker end their subquery with
//     Dialect.SkipLocked (FOR UPDATE SKIP LOCKED on PostgreSQL; SQLite's single writer needs none).
//
// Code of this package never starts a query while it holds a transaction's open Rows or another open Rows: an
// in-memory SQLite database has a single connection.
package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/conductbot/conductbot/retrieval"
	"github.com/conductbot/conductbot/workday"
)

// Dialect is what differs between the engines the store runs on. ⚠️ A new method needs an implementation in
// sqlite/dialect.go and postgres/dialect.go.
type Dialect interface {
	// Name is the engine's name, the prefix of the store's errors ("sqlite", "postgres").
	Name() string
	// Time is t as a query argument for a time column.
	Time(t time.Time) any
	// IsUniqueViolation reports whether err is a unique or primary key constraint failure.
	IsUniqueViolation(err error) bool
	// SkipLocked ends the subquery choosing the rows a claim takes: " FOR UPDATE SKIP LOCKED" (" FOR UPDATE OF
	// table SKIP LOCKED" when table is not empty) where concurrent transactions may claim at once, empty where
	// writers take turns.
	SkipLocked(table string) string
	// Serialize is the statement that begins a transaction writing table which must take turns with the other
	// writers of the table (readers going on), or empty where every transaction writing takes turns anyway.
	Serialize(table string) string
	// AdvisoryLock is the statement that makes the transactions running it take turns on key, or empty where
	// every transaction writing takes turns anyway.
	AdvisoryLock(key int64) string
	// In is the condition that expr is one of the list bound to placeholder ph (the argument made by List).
	In(expr, ph string) string
	// List is a list of values ([]string, []int64) as the one argument In reads.
	List(vs any) any
	// Checkpoint moves what the engine keeps of earlier versions of rows out of a log it can truncate (SQLite's
	// write-ahead log), after a report is filed and hourly; nothing to do where there is no such log.
	Checkpoint(ctx context.Context) error
	// Batch runs stmts in tx, a transaction open on conn, stopping at the first error.
	Batch(ctx context.Context, conn *sql.Conn, tx *sql.Tx, stmts []Stmt) error
	// AggregateSettings are statements that tune a read-only transaction for reading many rows of aggregates, or
	// empty: then the aggregates are read without a transaction.
	AggregateSettings() string
	// ForUpdate ends a SELECT in a transaction that will change the rows read: " FOR UPDATE" or empty.
	ForUpdate() string
	// Scrub removes from the database files the earlier versions of rows of tables just rewritten or deleted
	// (SQLite: checkpoint the write-ahead log; PostgreSQL: VACUUM the tables).
	Scrub(ctx context.Context, tables ...string) error
	// MaxVectorDims is the most dimensions a vector space may have.
	MaxVectorDims() int
	// PrepareSpace readies a vector space in the transaction that made it (created) or found it: PostgreSQL
	// makes its partial HNSW index; nothing to do where search needs no index.
	PrepareSpace(ctx context.Context, tx *sql.Tx, s retrieval.Space, created bool) error
	// DecodeVector reads an embedding column, scanned as the driver gave it, into dst, which must have room for
	// exactly all of it.
	DecodeVector(src any, dst []float32) error
}

// Store is the capabilities' store over one database. It is safe for concurrent use.
type Store struct {
	db   *sql.DB
	d    Dialect
	name string
	log  *slog.Logger
	qlog questionLog // LogQuestion's group commit
	// Now is the clock of the store, time.Now unless a test replaces it before use.
	Now func() time.Time
}

// New is the store on db, which speaks d. log may be nil.
func New(db *sql.DB, d Dialect, log *slog.Logger) *Store {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	s := &Store{db: db, d: d, name: d.Name(), log: log, Now: time.Now}
	s.qlog.s = s
	return s
}

// errorf wraps err as the store's error while doing what.
func (s *Store) errorf(what string, err error) error {
	return fmt.Errorf("%s: %s: %w", s.name, what, err)
}

// querier is what both the database and a transaction offer.
type querier interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
}

// tx runs f in one transaction and commits it. Errors of f for which pass is true are returned as they are (the
// capabilities' sentinel errors); the others are wrapped with what.
func (s *Store) tx(ctx context.Context, what string, pass func(error) bool, f func(tx *sql.Tx) error) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return s.errorf(what, err)
	}
	defer tx.Rollback()
	if err := f(tx); err != nil {
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

// serialize makes tx take turns with the other writers of table (Dialect.Serialize).
func (s *Store) serialize(ctx context.Context, tx *sql.Tx, table string) error {
	if q := s.d.Serialize(table); q != "" {
		if _, err := tx.ExecContext(ctx, q); err != nil {
			return fmt.Errorf("lock %s: %w", table, err)
		}
	}
	return nil
}

// lock makes tx take turns on key with the other transactions taking it (Dialect.AdvisoryLock).
func (s *Store) lock(ctx context.Context, tx *sql.Tx, key int64) error {
	if q := s.d.AdvisoryLock(key); q != "" {
		if _, err := tx.ExecContext(ctx, q); err != nil {
			return fmt.Errorf("advisory lock: %w", err)
		}
	}
	return nil
}

// nullTime is t as an argument, NULL for the zero time.
func (s *Store) nullTime(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return s.d.Time(t)
}

// limit is a LIMIT argument: n, or no limit for n <= 0.
func limit(n int) int64 {
	if n <= 0 {
		return math.MaxInt64
	}
	return int64(n)
}

// Marks is an IN-list of n placeholders numbered from first: "$3,$4,$5".
func Marks(first, n int) string {
	var b strings.Builder
	for i := range n {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteByte('$')
		b.WriteString(strconv.Itoa(first + i))
	}
	return b.String()
}

// TimeLayout is how SQLite stores times: UTC with microseconds, fixed width, so that they sort as text and keep
// what PostgreSQL keeps.
const TimeLayout = "2006-01-02T15:04:05.000000Z"

// parseTime reads a time stored as text.
func parseTime(s string) (time.Time, error) {
	t, err := time.Parse(TimeLayout, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("stored time %q: %w", s, err)
	}
	return t, nil
}

// timeDest scans a stored time (TEXT or timestamptz) into t, in UTC; NULL scans as the zero time.
type timeDest struct{ t *time.Time }

// At is a Scan destination for a time column.
func At(t *time.Time) sql.Scanner { return timeDest{t} }

func (d timeDest) Scan(src any) error {
	switch v := src.(type) {
	case nil:
		*d.t = time.Time{}
	case time.Time:
		*d.t = v.UTC()
	case string:
		if v == "" {
			*d.t = time.Time{}
			return nil
		}
		t, err := parseTime(v)
		if err != nil {
			return err
		}
		*d.t = t
	case []byte:
		return d.Scan(string(v))
	default:
		return fmt.Errorf("stored time: unexpected %T", src)
	}
	return nil
}

// dayDest scans a stored day (TEXT "2006-01-02" or date) into d; NULL scans as the zero date.
type dayDest struct{ d *workday.Date }

// Day is a Scan destination for a date column.
func Day(d *workday.Date) sql.Scanner { return dayDest{d} }

func (d dayDest) Scan(src any) error {
	switch v := src.(type) {
	case nil:
		*d.d = workday.Date{}
	case time.Time:
		*d.d = workday.DateOf(v, time.UTC)
	case string:
		if v == "" {
			*d.d = workday.Date{}
			return nil
		}
		day, err := workday.ParseDate(v)
		if err != nil {
			return err
		}
		*d.d = day
	case []byte:
		return d.Scan(string(v))
	default:
		return fmt.Errorf("stored day: unexpected %T", src)
	}
	return nil
}

// day is d as an argument, NULL for the zero date.
func day(d workday.Date) any {
	if d.IsZero() {
		return nil
	}
	return d.String()
}

// rowsAffected is what res changed; an error reading it counts as nothing.
func rowsAffected(res sql.Result) int64 {
	n, err := res.RowsAffected()
	if err != nil {
		return 0
	}
	return n
}

// errNoRows reports whether err is a single-row query that found nothing.
func errNoRows(err error) bool { return errors.Is(err, sql.ErrNoRows) }
