// SQLite, SQLiteFile and Engine give tests the real stores they run on: the SQLite store (the same migrations as in
// production), in memory or in a file, with the shipped code in force, and the retrieval engine wired on it as
// `conductbot serve` wires it. Tests of the capabilities (bot, inspect, remind, …) use it instead of fakes of
// the stores; the contract suite (storetest) holds SQLite and PostgreSQL to the same behaviour.
//
// The sqlite package implements the capabilities' store interfaces, so it imports them: tests that use testkit
// package must be external test packages (package bot_test, inspect_test, …).

package testkit

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/conductbot/conductbot/retrieval"
	"github.com/conductbot/conductbot/rules"
	"github.com/conductbot/conductbot/sqlite"
)

// Imported is when the stores opened here import the shipped code: a Monday morning in Asia/Shanghai, the
// moment the tests' clocks start (Start).
var Imported = time.Date(2026, 11, 2, 9, 0, 0, 0, time.FixedZone("CST", 8*3600))

// Store is what the retrieval engine needs from a store.
type Store interface {
	rules.Store
	retrieval.VectorStore
}

// SQLite opens a private in-memory SQLite database (sqlite.Memory: one connection) with the shipped code in
// force. It is closed when tb ends.
func SQLite(tb testing.TB) *sqlite.DB {
	tb.Helper()
	db := EmptySQLite(tb)
	mustImportShipped(tb, db)
	return db
}

// EmptySQLite opens a private in-memory SQLite database with no code imported. It is closed when tb ends.
func EmptySQLite(tb testing.TB) *sqlite.DB {
	tb.Helper()
	return open(tb, sqlite.Memory)
}

// SQLiteFile opens (creating it if need be) the SQLite database at path — a file in tb.TempDir() when path is
// empty — and imports the shipped code when no code is in force yet. Tests that restart a process, or run two
// of them on one database, open the same path twice. It is closed when tb ends.
func SQLiteFile(tb testing.TB, path string) *sqlite.DB {
	tb.Helper()
	if path == "" {
		path = filepath.Join(tb.TempDir(), "conductbot.db")
	}
	db := open(tb, path)
	mustImportShipped(tb, db)
	return db
}

func open(tb testing.TB, path string) *sqlite.DB {
	tb.Helper()
	db, err := sqlite.Open(context.Background(), path, slog.New(slog.DiscardHandler))
	if err != nil {
		tb.Fatalf("testkit: open SQLite %s: %v", path, err)
	}
	tb.Cleanup(func() {
		if err := db.Close(); err != nil {
			tb.Errorf("testkit: close SQLite %s: %v", path, err)
		}
	})
	return db
}

func mustImportShipped(tb testing.TB, st rules.Store) {
	tb.Helper()
	if err := ImportShipped(context.Background(), st); err != nil {
		tb.Fatal(err)
	}
}

// ImportShipped imports the shipped code at Imported, as `conductbot serve` does on a fresh database, unless a
// code is in force already.
func ImportShipped(ctx context.Context, st rules.Store) error {
	_, err := st.CodeInForce(ctx)
	if err == nil {
		return nil
	}
	if !errors.Is(err, rules.ErrNotFound) {
		return fmt.Errorf("testkit: code in force: %w", err)
	}
	if _, _, err := st.PutCode(ctx, rules.Shipped(), rules.ShippedSource, Imported); err != nil {
		return fmt.Errorf("testkit: import the shipped code: %w", err)
	}
	return nil
}

// Engine builds the offline retrieval engine on st, which must have a code in force: its vectors are indexed in
// st and searched there.
func Engine(tb testing.TB, st Store) *retrieval.Engine {
	tb.Helper()
	e, err := retrieval.NewEngine(context.Background(), retrieval.Options{Codes: st, Vectors: st})
	if err != nil {
		tb.Fatalf("testkit: retrieval engine: %v", err)
	}
	return e
}

// ImportFile parses the code file at path as `conductbot import` does and puts it into a fresh SQLite store in a
// file of tb.TempDir(), in force from Imported. Tests of codes other than the shipped one start here.
func ImportFile(tb testing.TB, path string) (*rules.Code, *sqlite.DB) {
	tb.Helper()
	src, err := os.ReadFile(path)
	if err != nil {
		tb.Fatal(err)
	}
	code, err := rules.Parse(string(src))
	if err != nil {
		tb.Fatalf("testkit: import %s: %v", path, err)
	}
	db := open(tb, filepath.Join(tb.TempDir(), "conductbot.db"))
	if _, _, err := db.PutCode(context.Background(), code, string(src), Imported); err != nil {
		tb.Fatalf("testkit: import %s: %v", path, err)
	}
	return code, db
}
