package remind_test

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/conductbot/conductbot/postgres"
	"github.com/conductbot/conductbot/postgres/pgtest"
	"github.com/conductbot/conductbot/remind"
	"github.com/conductbot/conductbot/sqlite"
)

// openPostgresFor opens one handle on a fresh PostgreSQL schema, skipping tb without TEST_DATABASE_URL.
func openPostgresFor(tb testing.TB) remind.Store {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	db, err := postgres.Open(ctx, pgtest.URL(tb), nil)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(db.Close)
	return db
}

// openSQLiteFor opens one handle on a fresh SQLite file.
func openSQLiteFor(tb testing.TB) remind.Store {
	tb.Helper()
	db, err := sqlite.Open(context.Background(), filepath.Join(tb.TempDir(), "conductbot.db"), nil)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { db.Close() })
	return db
}

// openPostgres opens n handles (n connection pools, as n processes would) on one fresh PostgreSQL schema.
// It skips the test when TEST_DATABASE_URL is not set.
func openPostgres(t *testing.T, n int) []remind.Store {
	t.Helper()
	url := pgtest.URL(t)
	var out []remind.Store
	for i := 0; i < n; i++ {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		db, err := postgres.Open(ctx, url, nil)
		cancel()
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(db.Close)
		out = append(out, db)
	}
	return out
}

// openSQLite opens n handles on one fresh SQLite file.
func openSQLite(t *testing.T, n int) []remind.Store {
	t.Helper()
	path := filepath.Join(t.TempDir(), "conductbot.db")
	var out []remind.Store
	for i := 0; i < n; i++ {
		db, err := sqlite.Open(context.Background(), path, nil)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		out = append(out, db)
	}
	return out
}

func TestTwoInstancesOnPostgres(t *testing.T) {
	s := openPostgres(t, 2)
	twoInstances(t, s[0], s[1])
}

func TestRestartInTheMiddleOfABroadcastOnPostgres(t *testing.T) {
	s := openPostgres(t, 2)
	restartMidBroadcast(t, s[0], s[1])
}

func TestTwoProcessesOnSQLite(t *testing.T) {
	s := openSQLite(t, 2)
	twoInstances(t, s[0], s[1])
}

func TestRestartInTheMiddleOfABroadcastOnSQLite(t *testing.T) {
	s := openSQLite(t, 2)
	restartMidBroadcast(t, s[0], s[1])
}
