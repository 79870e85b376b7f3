// Package postgres implements the stores on PostgreSQL with the pgvector extension: rules.Store and
// retrieval.VectorStore here, the other capabilities' stores in their own files of this package.
//
// The schema lives in migrations/NNN_name.sql, embedded into the binary; Open and Migrate apply the files not yet
// applied, in order, each in one transaction with its row in schema_migrations, under a transaction-level
// advisory lock so that several processes may start at once. See migrations/001_rules.sql for the numbering the
// capabilities share.
//
// Requires pgvector 0.8.0 or later (HNSW iterative index scans).
package postgres

import (
	"context"
	"database/sql"
	"embed"
	"fmt"
	"log/slog"

	"github.com/conductbot/conductbot/internal/migrations"
	"github.com/conductbot/conductbot/sqlstore"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/pgx/v5/stdlib"
	pgxvec "github.com/pgvector/pgvector-go/pgx"
)

//go:embed migrations/*.sql
var migrationFiles embed.FS

// migrationLock is the key of the advisory lock every migration transaction takes ("conductb" in ASCII).
const migrationLock int64 = 0x636f6e6475637462

// DB is the PostgreSQL store. It is safe for concurrent use.
type DB struct {
	// Store holds the queries both engines share, over pool through pgx's database/sql adapter; its Now is the
	// clock of the store.
	*sqlstore.Store
	pool  *pgxpool.Pool
	sqlDB *sql.DB
	log   *slog.Logger
}

// Open brings the schema up to date on a plain connection (which also creates the vector extension), then opens
// a connection pool on databaseURL whose connections know the pgvector types. log may be nil.
//
// A database migrated already (every start but the first of a version) is told on the pool's first connection:
// a start then connects once, not twice.
func Open(ctx context.Context, databaseURL string, log *slog.Logger) (*DB, error) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	cfg, err := pgxpool.ParseConfig(databaseURL)
	if err != nil {
		return nil, fmt.Errorf("postgres: parse database URL: %w", err)
	}
	cfg.AfterConnect = func(ctx context.Context, conn *pgx.Conn) error {
		if err := pgxvec.RegisterTypes(ctx, conn); err != nil {
			return fmt.Errorf("postgres: register pgvector types: %w", err)
		}
		if _, err := conn.Exec(ctx, sessionSettings); err != nil {
			return fmt.Errorf("postgres: search settings: %w", err)
		}
		return nil
	}
	pool, migrated := openMigrated(ctx, cfg, log)
	if !migrated {
		if err := migrate(ctx, databaseURL, log); err != nil {
			return nil, err
		}
		if pool, err = pgxpool.NewWithConfig(ctx, cfg); err != nil {
			return nil, fmt.Errorf("postgres: open pool: %w", err)
		}
		if err := pool.Ping(ctx); err != nil {
			pool.Close()
			return nil, fmt.Errorf("postgres: connect: %w", err)
		}
	}
	// OpenDBFromPool leaves database/sql no idle connections of its own: they would stay acquired from the pool,
	// and the direct users of the pool (search, bulk puts, batches) would open other connections meanwhile —
	// a second backend at every start's first search.
	sqlDB := stdlib.OpenDBFromPool(pool)
	db := &DB{pool: pool, sqlDB: sqlDB, log: log}
	db.Store = sqlstore.New(db.sqlDB, dialect{db}, log)
	return db, nil
}

// openMigrated opens the pool when the database has every migration applied, and reports whether it did; on a
// database to migrate (or without the vector extension yet, which the pool's connections need) it returns
// false, having closed what it opened.
func openMigrated(ctx context.Context, cfg *pgxpool.Config, log *slog.Logger) (*pgxpool.Pool, bool) {
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, false
	}
	ms, err := loadMigrations(migrationFiles, "migrations")
	if err != nil {
		pool.Close()
		return nil, false // migrate reports it
	}
	conn, err := pool.Acquire(ctx)
	if err != nil {
		pool.Close()
		return nil, false
	}
	newest, ok := allApplied(ctx, conn.Conn(), ms)
	conn.Release()
	if !ok {
		pool.Close()
		return nil, false
	}
	warnNewer(log, ms, newest)
	return pool, true
}

// Close closes the pool, waiting for connections in use to be released.
func (db *DB) Close() {
	db.sqlDB.Close()
	db.pool.Close()
}

// SQL is the database handle over the pool (pgx's database/sql adapter), for tests and for tools that need SQL
// the store does not offer.
func (db *DB) SQL() *sql.DB {
	return db.sqlDB
}

// Pool is the connection pool, for tests and for tools that need SQL the store does not offer.
func (db *DB) Pool() *pgxpool.Pool {
	return db.pool
}

// Migrate brings the schema at databaseURL up to date (the `conductbot migrate` subcommand). It logs to
// slog.Default.
func Migrate(ctx context.Context, databaseURL string) error {
	return migrate(ctx, databaseURL, slog.Default())
}

// migration is one embedded SQL file; the two stores read them alike.
type migration = migrations.File

// loadMigrations reads the NNN_name.sql files of dir in fsys, ordered by number.
var loadMigrations = migrations.Load

func migrate(ctx context.Context, databaseURL string, log *slog.Logger) error {
	ms, err := loadMigrations(migrationFiles, "migrations")
	if err != nil {
		return fmt.Errorf("postgres: %w", err)
	}
	conn, err := pgx.Connect(ctx, databaseURL)
	if err != nil {
		return fmt.Errorf("postgres: connect: %w", err)
	}
	defer conn.Close(context.WithoutCancel(ctx))
	// Every start migrates; when every file is applied already (the usual case), one query says so instead of
	// a transaction of five round trips per file, which took most of a process's open.
	if newest, ok := allApplied(ctx, conn, ms); ok {
		warnNewer(log, ms, newest)
		return nil
	}
	for _, m := range ms {
		applied, err := applyMigration(ctx, conn, m)
		if err != nil {
			return fmt.Errorf("postgres: migration %s: %w", m.Name, err)
		}
		if applied {
			log.Info("applied migration", "store", "postgres", "migration", m.Name)
		}
	}
	// A newer binary may have migrated the database already (rolling deploys); say so, it is not an error.
	var newest int
	if err := conn.QueryRow(ctx, `SELECT coalesce(max(version), 0) FROM schema_migrations`).Scan(&newest); err != nil {
		return fmt.Errorf("postgres: read schema_migrations: %w", err)
	}
	warnNewer(log, ms, newest)
	return nil
}

// allApplied reports whether every migration of ms is recorded in schema_migrations, with the newest version
// recorded; false when it cannot tell (no such table yet): then each file is checked under the lock.
func allApplied(ctx context.Context, conn *pgx.Conn, ms []migration) (newest int, ok bool) {
	rows, err := conn.Query(ctx, `SELECT version FROM schema_migrations`)
	if err != nil {
		return 0, false
	}
	defer rows.Close()
	applied := make(map[int]bool)
	for rows.Next() {
		var v int
		if err := rows.Scan(&v); err != nil {
			return 0, false
		}
		applied[v] = true
		newest = max(newest, v)
	}
	if rows.Err() != nil {
		return 0, false
	}
	for _, m := range ms {
		if !applied[m.Version] {
			return 0, false
		}
	}
	return newest, true
}

// warnNewer says that a newer binary migrated the database already (rolling deploys): not an error.
func warnNewer(log *slog.Logger, ms []migration, newest int) {
	if len(ms) > 0 && newest > ms[len(ms)-1].Version {
		log.Warn("the database has migrations this binary does not know", "store", "postgres",
			"database", newest, "binary", ms[len(ms)-1].Version)
	}
}

// applyMigration runs m in one transaction with its schema_migrations row, unless it is applied already. The
// advisory lock serializes concurrent migrators; the check after taking it sees what the previous holder did.
func applyMigration(ctx context.Context, conn *pgx.Conn, m migration) (applied bool, err error) {
	tx, err := conn.Begin(ctx)
	if err != nil {
		return false, err
	}
	defer rollback(ctx, tx)
	if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1)`, migrationLock); err != nil {
		return false, fmt.Errorf("take the migration lock: %w", err)
	}
	if _, err := tx.Exec(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		version     integer PRIMARY KEY,
		name        text NOT NULL,
		applied_at  timestamptz NOT NULL DEFAULT now())`); err != nil {
		return false, fmt.Errorf("create schema_migrations: %w", err)
	}
	var done bool
	if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM schema_migrations WHERE version = $1)`, m.Version).Scan(&done); err != nil {
		return false, fmt.Errorf("read schema_migrations: %w", err)
	}
	if done {
		return false, nil
	}
	// Without arguments pgx uses the simple protocol, which runs every statement of the file.
	if _, err := tx.Exec(ctx, m.SQL); err != nil {
		return false, err
	}
	if _, err := tx.Exec(ctx, `INSERT INTO schema_migrations (version, name) VALUES ($1, $2)`, m.Version, m.Name); err != nil {
		return false, fmt.Errorf("record: %w", err)
	}
	if err := tx.Commit(ctx); err != nil {
		return false, fmt.Errorf("commit: %w", err)
	}
	return true, nil
}

// rollback ends tx when the function that began it returns without committing. Use it as
// `defer rollback(ctx, tx)`.
func rollback(ctx context.Context, tx pgx.Tx) {
	_ = tx.Rollback(context.WithoutCancel(ctx))
}
