// PostgresURL gives each test its own empty PostgreSQL schema in the database at TEST_DATABASE_URL.
//
// Tests of any package may use it:
//
//	db, err := postgres.Open(ctx, testkit.PostgresURL(t), nil)
//
// To run such tests locally: scripts/test-setup.sh, then
// TEST_DATABASE_URL=postgres://postgres@127.0.0.1:5432/test?sslmode=disable go test ./...

package testkit

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// PostgresEnvVar names the variable holding the test database's URL.
const PostgresEnvVar = "TEST_DATABASE_URL"

// PostgresSkipMessage tells how to enable the PostgreSQL tests.
const PostgresSkipMessage = PostgresEnvVar + " is not set: to run the PostgreSQL tests, run scripts/test-setup.sh, then set " +
	PostgresEnvVar + "=postgres://postgres@127.0.0.1:5432/test?sslmode=disable"

// extensionLock is the advisory lock key under which test processes create the extension ("cbtestex").
const extensionLock int64 = 0x6362746573746578

var (
	extensionOnce sync.Once
	extensionErr  error
)

// PostgresBaseURL returns TEST_DATABASE_URL, or skips tb when it is not set.
func PostgresBaseURL(tb testing.TB) string {
	tb.Helper()
	base := os.Getenv(PostgresEnvVar)
	if base == "" {
		tb.Skip(PostgresSkipMessage)
	}
	return base
}

// PostgresURL creates the schema t_<random> in the test database and returns a URL whose connections use it first
// (search_path=t_<random>,public); the pgvector extension lives in public, created there once. The schema is
// dropped when tb ends, after the cleanups registered later (such as closing the store) have run. URL skips tb
// when TEST_DATABASE_URL is not set.
func PostgresURL(tb testing.TB) string {
	tb.Helper()
	base := PostgresBaseURL(tb)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()

	extensionOnce.Do(func() { extensionErr = createExtension(ctx, base) })
	if extensionErr != nil {
		tb.Fatalf("testkit: %v", extensionErr)
	}

	var b [6]byte
	_, _ = rand.Read(b[:])
	schema := "t_" + hex.EncodeToString(b[:])
	conn, err := pgx.Connect(ctx, base)
	if err != nil {
		tb.Fatalf("testkit: connect: %v", err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, `CREATE SCHEMA `+schema); err != nil {
		tb.Fatalf("testkit: create schema: %v", err)
	}
	tb.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		conn, err := pgx.Connect(ctx, base)
		if err != nil {
			tb.Errorf("testkit: connect to drop schema %s: %v", schema, err)
			return
		}
		defer conn.Close(ctx)
		if _, err := conn.Exec(ctx, `DROP SCHEMA `+schema+` CASCADE`); err != nil {
			tb.Errorf("testkit: drop schema %s: %v", schema, err)
		}
	})

	u, err := url.Parse(base)
	if err != nil {
		tb.Fatalf("testkit: %s must be a URL: %v", PostgresEnvVar, err)
	}
	q := u.Query()
	q.Set("search_path", schema+",public")
	u.RawQuery = q.Encode()
	return u.String()
}

// createExtension creates pgvector in public, serialized across test processes.
func createExtension(ctx context.Context, base string) error {
	conn, err := pgx.Connect(ctx, base)
	if err != nil {
		return fmt.Errorf("connect: %w", err)
	}
	defer conn.Close(ctx)
	tx, err := conn.Begin(ctx)
	if err != nil {
		return err
	}
	defer func() { _ = tx.Rollback(ctx) }()
	if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1)`, extensionLock); err != nil {
		return err
	}
	if _, err := tx.Exec(ctx, `CREATE EXTENSION IF NOT EXISTS vector SCHEMA public`); err != nil {
		return fmt.Errorf("create extension vector (is pgvector installed? see scripts/test-setup.sh): %w", err)
	}
	return tx.Commit(ctx)
}
