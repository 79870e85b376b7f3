package postgres

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/conductbot/conductbot/internal/testkit"
	"github.com/conductbot/conductbot/retrieval"
	"github.com/conductbot/conductbot/storetest"
)

// The tests need TEST_DATABASE_URL; see package testkit.

func testLogger(tb testing.TB) *slog.Logger {
	if testing.Verbose() {
		return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	return slog.New(slog.DiscardHandler)
}

// open opens a store on a fresh schema.
func open(tb testing.TB) storetest.Store {
	tb.Helper()
	return openDB(tb)
}

func openDB(tb testing.TB) *DB {
	tb.Helper()
	return openURL(tb, testkit.PostgresURL(tb))
}

// openURL opens the store on the database at url, closing it with tb.Cleanup.
func openURL(tb testing.TB, url string) *DB {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	db, err := Open(ctx, url, testLogger(tb))
	if err != nil {
		tb.Fatalf("Open: %v", err)
	}
	tb.Cleanup(db.Close)
	return db
}

func TestStore(t *testing.T) {
	storetest.Run(t, open)
}

func TestMigrationFiles(t *testing.T) {
	ms, err := loadMigrations(migrationFiles, "migrations")
	if err != nil {
		t.Fatal(err)
	}
	if len(ms) == 0 || ms[0].Version != 1 || !strings.Contains(ms[0].SQL, "CREATE EXTENSION IF NOT EXISTS vector") {
		t.Fatalf("the first migration must create the vector extension: %+v", ms)
	}
}

// TestConcurrentOpen starts several stores at once on a fresh schema: each migration runs exactly once.
func TestConcurrentOpen(t *testing.T) {
	url := testkit.PostgresURL(t)
	ms, err := loadMigrations(migrationFiles, "migrations")
	if err != nil {
		t.Fatal(err)
	}
	storetest.TestConcurrentOpen(t, 4, len(ms), func() (*sql.DB, error) {
		db, err := Open(context.Background(), url, testLogger(t))
		if err != nil {
			return nil, err
		}
		t.Cleanup(db.Close)
		return db.SQL(), nil
	}, func() error { return Migrate(context.Background(), url) })
}

// TestSearchUsesIndex checks that the search query of a 10,000-clause version goes through the space's HNSW
// index of the rows' kind — on embedding for dense vectors, on sparse for mostly-zero ones —, and that the index
// finds a stored vector, also once the statement's plan is the cached generic one.
func TestSearchUsesIndex(t *testing.T) {
	if testing.Short() {
		t.Skip("slow: builds an HNSW index of 10,000 vectors")
	}
	db := openDB(t)
	ctx := context.Background()
	const n, dims = 10000, 1024
	code := storetest.GenerateCode(n, 1)
	v, _, err := db.PutCode(ctx, code, "", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		model   string
		vectors [][]float32
		index   func(retrieval.Space) string
	}{
		{"explain-dense-1024", storetest.RandomUnitVectors(n, dims, 1), indexName},
		{"explain-sparse-1024", sparseVectors(n, dims, 60), sparseIndexName},
	} {
		t.Run(tc.model, func(t *testing.T) {
			space, err := db.VectorSpace(ctx, tc.model, dims)
			if err != nil {
				t.Fatal(err)
			}
			// An empty space: PutClauseVectors drops its indexes, copies, builds them and analyzes the table.
			if err := db.PutClauseVectors(ctx, space, v.ID, storetest.ClauseVectors(code, tc.vectors)); err != nil {
				t.Fatal(err)
			}
			sparse, dense := queryVectors(space, tc.vectors[0])
			rows, err := db.pool.Query(ctx, `EXPLAIN `+searchSQL(space, 10), v.ID, sparse, dense)
			if err != nil {
				t.Fatal(err)
			}
			var plan strings.Builder
			for rows.Next() {
				var line string
				if err := rows.Scan(&line); err != nil {
					t.Fatal(err)
				}
				plan.WriteString(line + "\n")
			}
			if err := rows.Err(); err != nil {
				t.Fatal(err)
			}
			// The plan repeats the 1024 numbers of the query vector: shorten its lines for the log.
			var short strings.Builder
			for line := range strings.Lines(plan.String()) {
				if len(line) > 160 {
					line = line[:160] + "…\n"
				}
				short.WriteString(line)
			}
			t.Logf("search plan:\n%s", short.String())
			if want := "Index Scan using " + tc.index(space); !strings.Contains(plan.String(), want) {
				t.Errorf("the search plan does not use %s:\n%s", tc.index(space), short.String())
			}
			if strings.Contains(plan.String(), "Seq Scan on clause_vectors") {
				t.Errorf("the search plan scans clause_vectors:\n%s", short.String())
			}
			// Past the fifth execution PostgreSQL may plan the prepared statement once for all parameters.
			for i, c := range []int{1234, 17, 9999, 5000, 42, 777, 3, 8080} {
				hits, err := db.SearchClauses(ctx, space, v.ID, tc.vectors[c], 10)
				if err != nil {
					t.Fatal(err)
				}
				if len(hits) != 10 || hits[0].ClauseID != code.Clauses[c].ID || hits[0].Similarity < 0.999 {
					t.Errorf("search %d: searching for clause %s's own vector gave %v", i, code.Clauses[c].ID, hits)
				}
			}
		})
	}
}

// sparseVectors returns n unit vectors of dims dimensions with nnz non-zero ones each, as the offline embedder
// makes: grams hashed into dimensions, most of them zero.
func sparseVectors(n, dims, nnz int) [][]float32 {
	r := rand.New(rand.NewPCG(7, 8))
	out := make([][]float32, n)
	for i := range out {
		v := make([]float32, dims)
		for range nnz {
			v[r.IntN(dims)] += float32(r.NormFloat64())
		}
		out[i] = retrieval.Normalize(v)
	}
	return out
}

// TestIndexPerSpace checks the indexes VectorSpace creates: on the dense rows vector up to 2000 dimensions,
// halfvec up to 4000, none above; on the sparse rows sparsevec.
func TestIndexPerSpace(t *testing.T) {
	db := openDB(t)
	ctx := context.Background()
	for _, tc := range []struct {
		dims int
		want string // in the index definition; "" for no index
	}{
		{384, "vector(384)) vector_cosine_ops"},
		{2000, "vector(2000)) vector_cosine_ops"},
		{3072, "halfvec(3072)) halfvec_cosine_ops"},
		{4100, ""},
	} {
		space, err := db.VectorSpace(ctx, fmt.Sprint("model-", tc.dims), tc.dims)
		if err != nil {
			t.Fatal(err)
		}
		var def string
		err = db.pool.QueryRow(ctx, `SELECT coalesce(max(indexdef), '') FROM pg_indexes
			WHERE tablename = 'clause_vectors' AND indexname = $1 AND schemaname = current_schema()`, indexName(space)).Scan(&def)
		if err != nil {
			t.Fatal(err)
		}
		if tc.want == "" && def != "" || !strings.Contains(def, tc.want) ||
			tc.want != "" && !strings.Contains(def, fmt.Sprintf("WHERE ((space_id = %d) AND (sparse IS NULL))", space.ID)) {
			t.Errorf("%d dimensions: index %q, want one with %q", tc.dims, def, tc.want)
		}
		// Every space has an index on its sparse rows, whatever its dimensions.
		err = db.pool.QueryRow(ctx, `SELECT coalesce(max(indexdef), '') FROM pg_indexes
			WHERE tablename = 'clause_vectors' AND indexname = $1 AND schemaname = current_schema()`, sparseIndexName(space)).Scan(&def)
		if err != nil {
			t.Fatal(err)
		}
		if want := fmt.Sprintf("sparsevec(%d)) sparsevec_cosine_ops) WHERE ((space_id = %d) AND (sparse IS NOT NULL))", tc.dims, space.ID); !strings.Contains(def, want) {
			t.Errorf("%d dimensions: sparse index %q, want one with %q", tc.dims, def, want)
		}
	}
}

// bulkPut stores vectors as PutClauseVectors does, but with the space's HNSW index dropped meanwhile and then
// rebuilt from its own definition: building an index is many times faster than inserting as many vectors into
// it one by one, and the tests that use it only need the result.
func bulkPut(tb testing.TB, db *DB, space retrieval.Space, versionID int64, vectors []retrieval.ClauseVector) {
	tb.Helper()
	ctx := context.Background()
	var def string
	if err := db.pool.QueryRow(ctx, `SELECT indexdef FROM pg_indexes WHERE schemaname = current_schema() AND indexname = $1`,
		indexName(space)).Scan(&def); err != nil {
		tb.Fatalf("the index of space %d: %v", space.ID, err)
	}
	if _, err := db.pool.Exec(ctx, `DROP INDEX `+indexName(space)); err != nil {
		tb.Fatal(err)
	}
	if err := db.PutClauseVectors(ctx, space, versionID, vectors); err != nil {
		tb.Fatal(err)
	}
	conn, err := db.pool.Acquire(ctx)
	if err != nil {
		tb.Fatal(err)
	}
	defer conn.Release()
	if _, err := conn.Exec(ctx, `SET maintenance_work_mem = '512MB'`); err != nil {
		tb.Fatal(err)
	}
	if _, err := conn.Exec(ctx, def); err != nil {
		tb.Fatalf("rebuild %s: %v", indexName(space), err)
	}
	if _, err := conn.Exec(ctx, `RESET maintenance_work_mem`); err != nil {
		tb.Fatal(err)
	}
}

func BenchmarkSearchClauses(b *testing.B) {
	storetest.BenchmarkSearchClauses(b, open, func(tb testing.TB, s storetest.Store, space retrieval.Space, versionID int64, vectors []retrieval.ClauseVector) {
		bulkPut(tb, s.(*DB), space, versionID, vectors)
	})
}

// BenchmarkSearchClausesSparse measures SearchClauses for 20 hits (the engine's k) among 10,000 vectors of 1024
// dimensions shaped as the offline embedder's — about 70 non-zero dimensions a clause, 14 a question.
func BenchmarkSearchClausesSparse(b *testing.B) {
	const n, dims = 10000, 1024
	ctx := context.Background()
	db := openDB(b)
	code := storetest.GenerateCode(n, 1)
	v, _, err := db.PutCode(ctx, code, "", time.Now())
	if err != nil {
		b.Fatal(err)
	}
	space, err := db.VectorSpace(ctx, "bench-sparse-1024", dims)
	if err != nil {
		b.Fatal(err)
	}
	if err := db.PutClauseVectors(ctx, space, v.ID, storetest.ClauseVectors(code, sparseVectors(n, dims, 70))); err != nil {
		b.Fatal(err)
	}
	queries := sparseVectors(64, dims, 14)
	if _, err := db.SearchClauses(ctx, space, v.ID, queries[0], 20); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		hits, err := db.SearchClauses(ctx, space, v.ID, queries[i%len(queries)], 20)
		if err != nil {
			b.Fatal(err)
		}
		if len(hits) != 20 {
			b.Fatalf("%d hits, want 20", len(hits))
		}
	}
}

func BenchmarkPutClauseVectors(b *testing.B) {
	storetest.BenchmarkPutClauseVectors(b, open)
}

// BenchmarkPutClauseVectorsNoIndex is BenchmarkPutClauseVectors without the space's HNSW index: the cost of the
// copy, the upsert and the foreign keys alone, to set against the cost of the index inserts.
func BenchmarkPutClauseVectorsNoIndex(b *testing.B) {
	storetest.BenchmarkPutClauseVectors(b, func(tb testing.TB) storetest.Store { return noIndex{openDB(tb)} })
}

// noIndex is a store whose vector spaces have no HNSW index.
type noIndex struct{ *DB }

func (s noIndex) VectorSpace(ctx context.Context, model string, dims int) (retrieval.Space, error) {
	space, err := s.DB.VectorSpace(ctx, model, dims)
	if err != nil {
		return space, err
	}
	_, err = s.pool.Exec(ctx, `DROP INDEX IF EXISTS `+indexName(space))
	return space, err
}

// TestSpaceBeforeSparse checks that a space made before migration 120 — its rows with sparse NULL, its index on
// embedding over all of its rows, no sparse index — keeps answering: VectorSpace adds the sparse index, the
// search finds the stored vectors through the old index, and vectors put since go to the sparse side.
func TestSpaceBeforeSparse(t *testing.T) {
	db := openDB(t)
	ctx := context.Background()
	const n, dims = 300, 64
	code := storetest.GenerateCode(n, 1)
	v, _, err := db.PutCode(ctx, code, "", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	space, err := db.VectorSpace(ctx, "old-64", dims)
	if err != nil {
		t.Fatal(err)
	}
	vectors := sparseVectors(n, dims, 6)
	cvs := storetest.ClauseVectors(code, vectors)
	if err := db.PutClauseVectors(ctx, space, v.ID, cvs[:n-10]); err != nil {
		t.Fatal(err)
	}
	// As migration 002 and the code before 120 left it.
	for _, stmt := range []string{
		`UPDATE clause_vectors SET sparse = NULL`,
		`DROP INDEX ` + indexName(space) + `, ` + sparseIndexName(space),
		fmt.Sprintf(`CREATE INDEX %s ON clause_vectors USING hnsw ((embedding::vector(%d)) vector_cosine_ops) WHERE space_id = %d`,
			indexName(space), dims, space.ID),
	} {
		if _, err := db.pool.Exec(ctx, stmt); err != nil {
			t.Fatal(err)
		}
	}
	again, err := db.VectorSpace(ctx, "old-64", dims)
	if err != nil {
		t.Fatal(err)
	}
	var sparseIndex bool
	if err := db.pool.QueryRow(ctx, `SELECT to_regclass($1) IS NOT NULL`, sparseIndexName(again)).Scan(&sparseIndex); err != nil {
		t.Fatal(err)
	}
	if !sparseIndex {
		t.Errorf("VectorSpace did not add %s to a space made before it", sparseIndexName(again))
	}
	// Re-putting the same vectors changes nothing: the old rows stay dense.
	if err := db.PutClauseVectors(ctx, again, v.ID, cvs); err != nil {
		t.Fatal(err)
	}
	var dense, sparse int
	if err := db.pool.QueryRow(ctx, `SELECT count(*) FILTER (WHERE sparse IS NULL), count(sparse) FROM clause_vectors WHERE space_id = $1`,
		again.ID).Scan(&dense, &sparse); err != nil {
		t.Fatal(err)
	}
	if dense != n-10 || sparse != 10 {
		t.Errorf("%d dense and %d sparse rows, want %d and 10", dense, sparse, n-10)
	}
	for _, c := range []int{0, 150, n - 11, n - 5, n - 1} { // old rows and new ones
		hits, err := db.SearchClauses(ctx, again, v.ID, vectors[c], 5)
		if err != nil {
			t.Fatal(err)
		}
		if len(hits) != 5 || hits[0].ClauseID != code.Clauses[c].ID || hits[0].Similarity < 0.999 {
			t.Errorf("searching for clause %s's own vector gave %v", code.Clauses[c].ID, hits)
		}
	}
}

// TestSessionSettings checks that every pooled connection searches with the settings of the engine's search
// (k = 20), so that SearchClauses need not set them in a transaction of its own.
func TestSessionSettings(t *testing.T) {
	db := openDB(t)
	ctx := context.Background()
	if efSearch(20) != sessionEfSearch {
		t.Fatalf("efSearch(20) = %d, the connections' ef_search %d", efSearch(20), sessionEfSearch)
	}
	for _, tc := range []struct{ name, want string }{
		{"hnsw.ef_search", fmt.Sprint(sessionEfSearch)},
		{"hnsw.iterative_scan", "relaxed_order"},
	} {
		var got string
		if err := db.pool.QueryRow(ctx, `SELECT current_setting($1)`, tc.name).Scan(&got); err != nil {
			t.Fatal(err)
		}
		if got != tc.want {
			t.Errorf("%s = %q on a pooled connection, want %q", tc.name, got, tc.want)
		}
	}
}
