// Package sqlite implements the stores on an embedded SQLite database (modernc.org/sqlite, pure Go): rules.Store
// and retrieval.VectorStore here, the other capabilities' stores in their own files of this package.
//
// The database runs in WAL mode with foreign keys on; every transaction begins IMMEDIATE, so writers take turns
// (waiting up to busy_timeout) instead of failing on a lock upgrade, while readers go on. The schema lives in
// migrations/NNN_name.sql, embedded into the binary; Open and Migrate apply the files not yet applied, in order,
// each in one transaction with its row in schema_migrations. See migrations/001_rules.sql for the numbering the
// capabilities share and the column conventions.
package sqlite

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/conductbot/conductbot/internal/migrations"
	"github.com/conductbot/conductbot/sqlstore"

	_ "modernc.org/sqlite" // the "sqlite" driver
)

//go:embed migrations/*.sql
var migrationFiles embed.FS

// Memory is the path of a private in-memory database, for tests.
const Memory = ":memory:"

// busyTimeout is how long a writer waits for another one, in milliseconds.
const busyTimeout = 10000

// DB is the SQLite store. It is safe for concurrent use.
type DB struct {
	// Store holds the queries both engines share; its Now is the clock of the store.
	*sqlstore.Store
	db  *sql.DB
	log *slog.Logger
	// vectors caches the vectors of recently searched (space, version)s.
	vectors *matrixCache
}

// Open opens (creating it if need be) the database file at path and brings its schema up to date. path
// ":memory:" (Memory) opens a private in-memory database on a single connection. log may be nil.
func Open(ctx context.Context, path string, log *slog.Logger) (*DB, error) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	sqlDB, err := openSQL(ctx, path)
	if err != nil {
		return nil, err
	}
	if err := migrate(ctx, sqlDB, log); err != nil {
		sqlDB.Close()
		return nil, err
	}
	db := &DB{db: sqlDB, log: log, vectors: newMatrixCache()}
	db.Store = sqlstore.New(sqlDB, dialect{db}, log)
	return db, nil
}

// Close closes the database.
func (db *DB) Close() error {
	return db.db.Close()
}

// SQL is the database handle, for tests and for tools that need SQL the store does not offer. Its transactions
// begin IMMEDIATE (they take the write lock) unless opened with sql.TxOptions{ReadOnly: true}.
func (db *DB) SQL() *sql.DB {
	return db.db
}

// Migrate brings the schema of the database file at path up to date (the `conductbot migrate` subcommand). It
// logs to slog.Default.
func Migrate(ctx context.Context, path string) error {
	sqlDB, err := openSQL(ctx, path)
	if err != nil {
		return err
	}
	defer sqlDB.Close()
	return migrate(ctx, sqlDB, slog.Default())
}

// openSQL opens path with the store's settings.
func openSQL(ctx context.Context, path string) (*sql.DB, error) {
	if path == "" {
		return nil, errors.New("sqlite: empty database path")
	}
	if strings.ContainsAny(path, "?#") || strings.HasPrefix(path, "file:") {
		return nil, fmt.Errorf("sqlite: database path %q: want a plain file name", path)
	}
	// secure_delete overwrites deleted content: a cancelled report draft must not linger in free pages. It
	// cleans the database file only; the write-ahead log keeps earlier page images until it is checkpointed
	// (see checkpoint, run after every filed report).
	params := fmt.Sprintf("_txlock=immediate&_busy_timeout=%d&_foreign_keys=1&_pragma=secure_delete(1)", busyTimeout)
	memory := path == Memory
	if !memory {
		params += "&_journal_mode=WAL"
	}
	sqlDB, err := sql.Open("sqlite", path+"?"+params)
	if err != nil {
		return nil, fmt.Errorf("sqlite: open %s: %w", path, err)
	}
	if memory {
		// Every connection to :memory: is a database of its own: keep exactly one, forever. Code of this
		// package must therefore never start a query while it holds a transaction or an open Rows.
		sqlDB.SetMaxOpenConns(1)
		sqlDB.SetMaxIdleConns(1)
		sqlDB.SetConnMaxLifetime(0)
		sqlDB.SetConnMaxIdleTime(0)
	} else {
		sqlDB.SetMaxIdleConns(4)
	}
	if err := sqlDB.PingContext(ctx); err != nil {
		sqlDB.Close()
		return nil, fmt.Errorf("sqlite: open %s: %w", path, err)
	}
	return sqlDB, nil
}

// migration is one embedded SQL file; the two stores read them alike.
type migration = migrations.File

// loadMigrations reads the NNN_name.sql files of dir in fsys, ordered by number.
var loadMigrations = migrations.Load

func migrate(ctx context.Context, db *sql.DB, log *slog.Logger) error {
	ms, err := loadMigrations(migrationFiles, "migrations")
	if err != nil {
		return fmt.Errorf("sqlite: %w", err)
	}
	for _, m := range ms {
		applied, err := applyMigration(ctx, db, m)
		if err != nil {
			return fmt.Errorf("sqlite: migration %s: %w", m.Name, err)
		}
		if applied {
			log.Info("applied migration", "store", "sqlite", "migration", m.Name)
		}
	}
	var newest int
	if err := db.QueryRowContext(ctx, `SELECT coalesce(max(version), 0) FROM schema_migrations`).Scan(&newest); err != nil {
		return fmt.Errorf("sqlite: read schema_migrations: %w", err)
	}
	if len(ms) > 0 && newest > ms[len(ms)-1].Version {
		log.Warn("the database has migrations this binary does not know", "store", "sqlite",
			"database", newest, "binary", ms[len(ms)-1].Version)
	}
	return nil
}

// applyMigration runs m in one transaction with its schema_migrations row, unless it is applied already. The
// transaction begins IMMEDIATE, so concurrent migrators take turns and the check sees what the previous one did.
func applyMigration(ctx context.Context, db *sql.DB, m migration) (bool, error) {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return false, err
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		version     INTEGER PRIMARY KEY,
		name        TEXT NOT NULL,
		applied_at  TEXT NOT NULL) STRICT`); err != nil {
		return false, fmt.Errorf("create schema_migrations: %w", err)
	}
	var done bool
	if err := tx.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM schema_migrations WHERE version = ?)`, m.Version).Scan(&done); err != nil {
		return false, fmt.Errorf("read schema_migrations: %w", err)
	}
	if done {
		return false, nil
	}
	// The driver runs every statement of the file.
	if _, err := tx.ExecContext(ctx, m.SQL); err != nil {
		return false, err
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)`,
		m.Version, m.Name, formatTime(time.Now())); err != nil {
		return false, fmt.Errorf("record: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return false, fmt.Errorf("commit: %w", err)
	}
	return true, nil
}

// checkpointTimeout is how long a checkpoint waits for readers to leave the write-ahead log.
const checkpointTimeout = 2000

// errCheckpointBusy is a checkpoint that readers kept from completing.
var errCheckpointBusy = errors.New("sqlite: checkpoint: the write-ahead log is in use; it will be truncated later")

// checkpoint copies the write-ahead log into the database file and truncates it to zero bytes
// (wal_checkpoint(TRUNCATE)): the frames of earlier states of the pages — a draft's, a deleted row's — leave the
// data directory; with secure_delete the file keeps no deleted content either. It waits at most
// checkpointTimeout for readers. An in-memory database has no log: nothing to do.
func (db *DB) checkpoint(ctx context.Context) error {
	conn, err := db.db.Conn(ctx)
	if err != nil {
		return fmt.Errorf("sqlite: checkpoint: %w", err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, fmt.Sprintf("PRAGMA busy_timeout = %d", checkpointTimeout)); err != nil {
		return fmt.Errorf("sqlite: checkpoint: %w", err)
	}
	defer conn.ExecContext(context.WithoutCancel(ctx), fmt.Sprintf("PRAGMA busy_timeout = %d", busyTimeout)) //nolint:errcheck
	var busy, logFrames, moved int
	if err := conn.QueryRowContext(ctx, `PRAGMA wal_checkpoint(TRUNCATE)`).Scan(&busy, &logFrames, &moved); err != nil {
		return fmt.Errorf("sqlite: checkpoint: %w", err)
	}
	if busy != 0 {
		return errCheckpointBusy
	}
	return nil
}

// timeLayout is how times are stored (see sqlstore.TimeLayout).
const timeLayout = sqlstore.TimeLayout

// formatTime is t as stored.
func formatTime(t time.Time) string {
	return t.UTC().Format(timeLayout)
}

// parseTime reads a stored time, in UTC.
func parseTime(s string) (time.Time, error) {
	t, err := time.Parse(timeLayout, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("stored time %q: %w", s, err)
	}
	return t, nil
}

// querier is what both the database and a transaction offer.
type querier interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}
