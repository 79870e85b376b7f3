package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/conductbot/conductbot/retrieval"
	"github.com/conductbot/conductbot/storetest"
)

func testLogger() *slog.Logger {
	if testing.Verbose() {
		return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	return slog.New(slog.DiscardHandler)
}

func openPath(tb testing.TB, path string) *DB {
	tb.Helper()
	db, err := Open(context.Background(), path, testLogger())
	if err != nil {
		tb.Fatalf("Open(%s): %v", path, err)
	}
	tb.Cleanup(func() {
		if err := db.Close(); err != nil {
			tb.Errorf("Close: %v", err)
		}
	})
	return db
}

// openFile opens a store in a file of a fresh temporary directory.
func openFile(tb testing.TB) storetest.Store {
	return openPath(tb, filepath.Join(tb.TempDir(), "conductbot.db"))
}

func openMemory(tb testing.TB) storetest.Store {
	return openPath(tb, Memory)
}

func TestStore(t *testing.T) {
	storetest.Run(t, openFile)
}

func TestStoreInMemory(t *testing.T) {
	storetest.Run(t, openMemory)
}

func TestMigrationFiles(t *testing.T) {
	ms, err := loadMigrations(migrationFiles, "migrations")
	if err != nil {
		t.Fatal(err)
	}
	if len(ms) == 0 || ms[0].Version != 1 {
		t.Fatalf("migrations: %+v", ms)
	}
}

func TestOpenSettings(t *testing.T) {
	db := openPath(t, filepath.Join(t.TempDir(), "settings.db"))
	ctx := context.Background()
	for pragma, want := range map[string]string{"journal_mode": "wal", "foreign_keys": "1", "busy_timeout": fmt.Sprint(busyTimeout), "secure_delete": "1", "synchronous": "2"} {
		var got string
		if err := db.SQL().QueryRowContext(ctx, "PRAGMA "+pragma).Scan(&got); err != nil {
			t.Fatal(err)
		}
		if got != want {
			t.Errorf("PRAGMA %s = %s, want %s", pragma, got, want)
		}
	}
	for _, bad := range []string{"", "a.db?mode=ro", "file:a.db"} {
		if _, err := Open(ctx, bad, nil); err == nil {
			t.Errorf("Open(%q) succeeded", bad)
		}
	}
}

// TestConcurrentOpen starts several stores at once on a fresh file: each migration runs exactly once.
func TestConcurrentOpen(t *testing.T) {
	path := filepath.Join(t.TempDir(), "race.db")
	ms, err := loadMigrations(migrationFiles, "migrations")
	if err != nil {
		t.Fatal(err)
	}
	storetest.TestConcurrentOpen(t, 4, len(ms), func() (*sql.DB, error) {
		db, err := Open(context.Background(), path, testLogger())
		if err != nil {
			return nil, err
		}
		t.Cleanup(func() { db.Close() })
		return db.SQL(), nil
	}, func() error { return Migrate(context.Background(), path) })
}

// TestCacheAcrossProcesses writes vectors through one store and searches through another on the same file: the
// searching store's cached copy must not hide the write.
func TestCacheAcrossProcesses(t *testing.T) {
	path := filepath.Join(t.TempDir(), "shared.db")
	a, b := openPath(t, path), openPath(t, path)
	ctx := context.Background()
	code := storetest.GenerateCode(3, 1)
	v, _, err := a.PutCode(ctx, code, "", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	space, err := a.VectorSpace(ctx, "m", 3)
	if err != nil {
		t.Fatal(err)
	}
	put := func(db *DB, best int) {
		t.Helper()
		vs := make([][]float32, 3)
		for i := range vs {
			vs[i] = []float32{0.1, 1, 0}
			if i == best {
				vs[i] = []float32{1, 0, 0}
			}
			retrieval.Normalize(vs[i])
		}
		if err := db.PutClauseVectors(ctx, space, v.ID, storetest.ClauseVectors(code, vs)); err != nil {
			t.Fatal(err)
		}
	}
	best := func() string {
		t.Helper()
		hits, err := a.SearchClauses(ctx, space, v.ID, []float32{1, 0, 0}, 1)
		if err != nil || len(hits) != 1 {
			t.Fatalf("SearchClauses = %v, %v", hits, err)
		}
		return hits[0].ClauseID
	}
	put(a, 0)
	if got := best(); got != code.Clauses[0].ID {
		t.Fatalf("best %s, want %s", got, code.Clauses[0].ID)
	}
	put(b, 2)
	if got := best(); got != code.Clauses[2].ID {
		t.Errorf("after another process's write the best is %s, want %s", got, code.Clauses[2].ID)
	}
}

// TestMatrixSearch compares the top-k selection with a full sort, for small and large k and with ties.
func TestMatrixSearch(t *testing.T) {
	const n, dims = 1000, 16
	vs := storetest.RandomUnitVectors(n, dims, 3)
	m := &matrix{dims: dims}
	for i, v := range vs {
		if i%10 == 9 {
			v = vs[i-1] // ties
		}
		m.ids = append(m.ids, fmt.Sprint(i))
		m.data = append(m.data, v...)
	}
	q := storetest.RandomUnitVectors(1, dims, 4)[0]
	all := make([]retrieval.VectorHit, n)
	for i := range all {
		all[i] = retrieval.VectorHit{ClauseID: fmt.Sprint(i), Similarity: retrieval.Dot(q, m.data[i*dims:(i+1)*dims])}
	}
	slices.SortStableFunc(all, func(a, b retrieval.VectorHit) int {
		switch {
		case a.Similarity > b.Similarity:
			return -1
		case a.Similarity < b.Similarity:
			return 1
		}
		return 0
	})
	for _, k := range []int{1, 5, 10, 64, 65, 300, n, n + 5} {
		got := m.search(q, k)
		want := all[:min(k, n)]
		if !slices.Equal(got, want) {
			t.Errorf("k=%d: got %v…, want %v…", k, got[:min(3, len(got))], want[:min(3, len(want))])
		}
	}
	if hits := (&matrix{dims: dims}).search(q, 3); len(hits) != 0 {
		t.Errorf("empty matrix: %v", hits)
	}
}

func TestTimeFormat(t *testing.T) {
	at := time.Date(2024, 3, 1, 17, 30, 0, 123456789, time.FixedZone("CST", 8*3600))
	s := formatTime(at)
	if s != "2024-03-01T09:30:00.123456Z" {
		t.Errorf("formatTime = %s", s)
	}
	back, err := parseTime(s)
	if err != nil || !back.Equal(at.Truncate(time.Microsecond)) || back.Location() != time.UTC {
		t.Errorf("parseTime(%s) = %v, %v", s, back, err)
	}
}

func BenchmarkSearchClauses(b *testing.B) {
	storetest.BenchmarkSearchClauses(b, openFile, nil)
}

func BenchmarkPutClauseVectors(b *testing.B) {
	storetest.BenchmarkPutClauseVectors(b, openFile)
}
