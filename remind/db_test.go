package remind_test

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/conductbot/conductbot/internal/testkit"
	"github.com/conductbot/conductbot/postgres"
)

// openPostgresFor opens one handle on a fresh PostgreSQL schema with the shipped code in force, skipping tb
// without TEST_DATABASE_URL.
func openPostgresFor(tb testing.TB) remindStore {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	db, err := postgres.Open(ctx, testkit.PostgresURL(tb), nil)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(db.Close)
	if err := testkit.ImportShipped(ctx, db); err != nil {
		tb.Fatal(err)
	}
	return db
}

// openSQLiteFor opens one handle on a fresh SQLite file with the shipped code in force.
func openSQLiteFor(tb testing.TB) remindStore {
	tb.Helper()
	return testkit.SQLiteFile(tb, filepath.Join(tb.TempDir(), "conductbot.db"))
}

// openPostgres opens n handles (n connection pools, as n processes would) on one fresh PostgreSQL schema with
// the shipped code in force. It skips the test when TEST_DATABASE_URL is not set.
func openPostgres(t *testing.T, n int) []remindStore {
	t.Helper()
	url := testkit.PostgresURL(t)
	var out []remindStore
	for i := 0; i < n; i++ {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		db, err := postgres.Open(ctx, url, nil)
		if err == nil {
			err = testkit.ImportShipped(ctx, db)
		}
		cancel()
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(db.Close)
		out = append(out, db)
	}
	return out
}

// openSQLite opens n handles on one fresh SQLite file with the shipped code in force.
func openSQLite(t *testing.T, n int) []remindStore {
	t.Helper()
	path := filepath.Join(t.TempDir(), "conductbot.db")
	var out []remindStore
	for i := 0; i < n; i++ {
		out = append(out, testkit.SQLiteFile(t, path))
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
