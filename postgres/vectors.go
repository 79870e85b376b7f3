package postgres

import (
	"context"
	"database/sql"
	"fmt"
	"math"
	"strconv"

	"github.com/jackc/pgx/v5"
	"github.com/pgvector/pgvector-go"

	"github.com/conductbot/conductbot/retrieval"
)

var _ retrieval.VectorStore = (*DB)(nil)

const (
	maxVectorDims  = 16000 // the most pgvector's vector type holds
	maxIndexDims   = 2000  // the most an HNSW index on vector takes
	maxHalfvecDims = 4000  // the most an HNSW index on halfvec takes
	maxEfSearch    = 1000  // the most hnsw.ef_search accepts
	maxSparseNNZ   = 1000  // the most non-zero dimensions an HNSW index on sparsevec takes
)

// spaceExpr is how the queries and the space's partial index see embedding: typed with the space's dimensions
// (halfvec above 2000, where HNSW on vector stops) so that the planner matches the index. indexed is false above
// 4000 dimensions, where no HNSW index is possible and search scans the space.
func spaceExpr(s retrieval.Space) (expr, opclass string, half, indexed bool) {
	switch {
	case s.Dims <= maxIndexDims:
		return fmt.Sprintf("embedding::vector(%d)", s.Dims), "vector_cosine_ops", false, true
	case s.Dims <= maxHalfvecDims:
		return fmt.Sprintf("embedding::halfvec(%d)", s.Dims), "halfvec_cosine_ops", true, true
	default:
		return fmt.Sprintf("embedding::vector(%d)", s.Dims), "", false, false
	}
}

// indexName is the name of the partial HNSW index of a space on embedding (its dense rows).
func indexName(s retrieval.Space) string {
	return fmt.Sprintf("clause_vectors_hnsw_%d", s.ID)
}

// sparseIndexName is the name of the partial HNSW index of a space on sparse (its sparse rows).
func sparseIndexName(s retrieval.Space) string {
	return fmt.Sprintf("clause_vectors_sparse_%d", s.ID)
}

// sparseExpr is how the queries and the space's sparse index see the sparse column.
func sparseExpr(s retrieval.Space) string {
	return fmt.Sprintf("sparse::sparsevec(%d)", s.Dims)
}

// sparseOf returns v in sparsevec form when it is worth storing so — at most half of its dimensions non-zero,
// and few enough for an HNSW index (1,000) — else nil, and the row is dense. The offline embedder's vectors
// (hashed grams) have about 70 non-zero dimensions of 1,024; a remote model's have none zero.
func sparseOf(v []float32) any {
	nnz := 0
	for _, x := range v {
		if x != 0 {
			nnz++
		}
	}
	if nnz > maxSparseNNZ || 2*nnz > len(v) {
		return nil
	}
	return pgvector.NewSparseVector(v)
}

// prepareSpace makes the partial HNSW indexes of a space created in tx, or those of an older space that a stopped
// bulk put left missing, or that were not made yet when the space was created (the sparse one, migration 120)
// (Dialect.PrepareSpace).
func (db *DB) prepareSpace(ctx context.Context, tx *sql.Tx, s retrieval.Space, created bool) error {
	_, _, _, indexed := spaceExpr(s)
	if !indexed && created {
		db.log.Warn("vector space too wide for an HNSW index on its dense vectors: their search scans them", "model", s.Model, "dims", s.Dims)
	}
	for _, name := range []string{indexName(s), sparseIndexName(s)} {
		stmt := createIndexSQL(s, name)
		if stmt == "" {
			continue
		}
		missing := created
		if !created {
			// A bulk put (PutClauseVectors) drops the indexes of an empty space and builds them after the copy; a
			// process stopped in between left them missing.
			if err := tx.QueryRowContext(ctx, `SELECT to_regclass($1) IS NULL`, name).Scan(&missing); err != nil {
				return err
			}
		}
		if missing {
			// A new space's indexes cover no rows yet and build at once; so does an older space's sparse index,
			// none of whose rows are sparse.
			if _, err := tx.ExecContext(ctx, stmt); err != nil {
				return fmt.Errorf("create index: %w", err)
			}
		}
	}
	return nil
}

// createIndexSQL creates the partial HNSW index name (indexName or sparseIndexName) of a space; "" when the
// space has no such index (dense rows of more than 4000 dimensions). The dense index leaves the sparse rows out,
// so that its scans need not step over them; a space's dense index made before migration 120 covers all its
// rows, which then all have sparse NULL.
func createIndexSQL(s retrieval.Space, name string) string {
	if name == sparseIndexName(s) {
		return fmt.Sprintf(`CREATE INDEX IF NOT EXISTS %s ON clause_vectors USING hnsw ((%s) sparsevec_cosine_ops) WHERE space_id = %d AND sparse IS NOT NULL`,
			name, sparseExpr(s), s.ID)
	}
	expr, opclass, _, indexed := spaceExpr(s)
	if !indexed {
		return ""
	}
	return fmt.Sprintf(`CREATE INDEX IF NOT EXISTS %s ON clause_vectors USING hnsw ((%s) %s) WHERE space_id = %d AND sparse IS NULL`,
		name, expr, opclass, s.ID)
}

// decodeVector reads an embedding in pgvector's text form ([1,2,3], as pgx's database/sql adapter gives it)
// into dst.
func decodeVector(src any, dst []float32) error {
	var v pgvector.Vector
	if err := v.Scan(src); err != nil {
		return err
	}
	if len(v.Slice()) != len(dst) {
		return fmt.Errorf("a vector of %d dimensions in a space of %d", len(v.Slice()), len(dst))
	}
	copy(dst, v.Slice())
	return nil
}

// PutClauseVectors stores vectors of the version's clauses in one transaction, replacing those of the same
// clauses. It copies them into a temporary table, then upserts; rows whose hash and vector did not change are
// left alone, so that re-putting a version does not churn the HNSW index. Every clause must exist in the
// version and every vector must have the space's dimensions, or nothing is stored.
func (db *DB) PutClauseVectors(ctx context.Context, space retrieval.Space, versionID int64, vectors []retrieval.ClauseVector) error {
	vectors, err := db.CheckVectors(space, vectors)
	if err != nil {
		return fmt.Errorf("postgres: put clause vectors: %w", err)
	}
	if len(vectors) == 0 {
		return nil
	}
	if err := db.CheckStoredDims(ctx, space); err != nil {
		return fmt.Errorf("postgres: put clause vectors: %w", err)
	}
	bulk, err := db.startBulk(ctx, space, len(vectors))
	if err != nil {
		return fmt.Errorf("postgres: put clause vectors: %w", err)
	}
	tx, err := db.pool.Begin(ctx)
	if err != nil {
		return fmt.Errorf("postgres: put clause vectors: %w", err)
	}
	defer rollback(ctx, tx)
	// The temporary table lives as long as the pooled connection; its rows go at commit.
	if _, err := tx.Exec(ctx, `CREATE TEMP TABLE IF NOT EXISTS clause_vectors_in2 (
		clause_id text NOT NULL, text_hash text NOT NULL, embedding vector NOT NULL, sparse sparsevec) ON COMMIT DELETE ROWS`); err != nil {
		return fmt.Errorf("postgres: put clause vectors: %w", err)
	}
	if _, err := tx.CopyFrom(ctx, pgx.Identifier{"pg_temp", "clause_vectors_in2"}, []string{"clause_id", "text_hash", "embedding", "sparse"},
		pgx.CopyFromSlice(len(vectors), func(i int) ([]any, error) {
			cv := vectors[i]
			return []any{cv.ClauseID, cv.TextHash, pgvector.NewVector(cv.Vector), sparseOf(cv.Vector)}, nil
		})); err != nil {
		return fmt.Errorf("postgres: put clause vectors: copy: %w", err)
	}
	tag, err := tx.Exec(ctx, `
		INSERT INTO clause_vectors (space_id, version_id, clause_id, text_hash, embedding, sparse)
		SELECT $1, $2, clause_id, text_hash, embedding, sparse FROM pg_temp.clause_vectors_in2
		ON CONFLICT (space_id, version_id, clause_id) DO UPDATE
		SET text_hash = excluded.text_hash, embedding = excluded.embedding, sparse = excluded.sparse
		WHERE clause_vectors.text_hash <> excluded.text_hash OR clause_vectors.embedding <> excluded.embedding`,
		space.ID, versionID)
	if err != nil {
		return fmt.Errorf("postgres: put clause vectors: %w", err)
	}
	if err := tx.Commit(ctx); err != nil {
		return fmt.Errorf("postgres: put clause vectors: commit: %w", err)
	}
	db.log.Debug("stored clause vectors", "space", space.ID, "version", versionID, "given", len(vectors), "written", tag.RowsAffected())
	if bulk {
		if err := db.buildIndex(ctx, space); err != nil {
			return fmt.Errorf("postgres: put clause vectors: %w", err)
		}
	}
	if tag.RowsAffected() >= analyzeAfter {
		// Until the statistics know the new rows, the planner takes the version for a handful of rows and sorts
		// them all instead of asking the HNSW index (hundreds of milliseconds at 10,000 rows); autovacuum would
		// only catch up within a minute or so. The columns of the filter are enough, and cheap.
		if _, err := db.pool.Exec(ctx, `ANALYZE clause_vectors (space_id, version_id)`); err != nil {
			db.log.Warn("analyze clause_vectors", "err", err)
		}
	}
	return nil
}

// bulkAfter is the number of vectors from which a put into an empty space builds the space's HNSW index after
// copying them (10,000 vectors of 1,024 dimensions: seconds) rather than inserting them into it one by one (a
// minute).
const bulkAfter = 1000

// startBulk drops the (empty) HNSW indexes of space when n vectors are about to be its first ones, and reports
// whether it did: buildIndex must then build them. Each step commits alone, so that searches of other spaces are
// blocked only for the drop of empty indexes, not for the copy or the build.
func (db *DB) startBulk(ctx context.Context, space retrieval.Space, n int) (bool, error) {
	if n < bulkAfter {
		return false, nil
	}
	// Only indexes that exist are dropped and built again: one dropped by someone else is theirs to build.
	var used bool
	if err := db.pool.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM clause_vectors WHERE space_id = $1)
		OR to_regclass($2) IS NULL OR to_regclass($3) IS NULL`,
		space.ID, denseIndexOf(space), sparseIndexName(space)).Scan(&used); err != nil {
		return false, err
	}
	if used {
		return false, nil
	}
	if _, err := db.pool.Exec(ctx, `DROP INDEX IF EXISTS `+indexName(space)+`, `+sparseIndexName(space)); err != nil {
		return false, err
	}
	return true, nil
}

// denseIndexOf is the name of the space's index on embedding, or of its sparse index when it has none.
func denseIndexOf(space retrieval.Space) string {
	if _, _, _, indexed := spaceExpr(space); indexed {
		return indexName(space)
	}
	return sparseIndexName(space)
}

// buildIndex builds the HNSW indexes of space over the vectors it holds, with memory enough to keep the graph.
func (db *DB) buildIndex(ctx context.Context, space retrieval.Space) error {
	tx, err := db.pool.Begin(ctx)
	if err != nil {
		return err
	}
	defer rollback(ctx, tx)
	if _, err := tx.Exec(ctx, `SET LOCAL maintenance_work_mem = '512MB'`); err != nil {
		return err
	}
	for _, name := range []string{indexName(space), sparseIndexName(space)} {
		if stmt := createIndexSQL(space, name); stmt != "" {
			if _, err := tx.Exec(ctx, stmt); err != nil {
				return fmt.Errorf("build index: %w", err)
			}
		}
	}
	return tx.Commit(ctx)
}

// analyzeAfter is the number of rows written by one PutClauseVectors above which it refreshes the statistics.
const analyzeAfter = 500

// efSearch is the HNSW candidate list size of a search for k hits: 2.5 times pgvector's default for the usual
// k, more for large k. The iterative scan goes on past it when the version filter rejects candidates; beyond
// 100 the cost grows faster than the recall (measured on 10,000 random vectors of 1024 dimensions: 16 ms at 100,
// 26 ms at 200, 38 ms at 400, on a loaded two-CPU machine).
func efSearch(k int) int {
	return min(max(100, 4*k), maxEfSearch)
}

// sessionSettings are set on every connection of the pool when it connects: the settings of a search for up to
// 25 hits (the engine asks for 20), so that such a search is one statement, with no transaction around it to
// set them locally.
const (
	sessionEfSearch = 100
	sessionSettings = `SET hnsw.iterative_scan = relaxed_order; SET hnsw.ef_search = 100` // TestSessionSettings
	maxLiteralLimit = maxEfSearch                                                         // the most hits one search returns: k is written into its SQL
)

// searchSQL is the query of SearchClauses for k hits: $1 version ID, $2 the query as sparsevec, $3 the query as
// the dense rows' type. The sparse rows are searched through the space's sparse index, the dense rows through
// its index on embedding; a space holds one kind or both (a few long texts among sparse vectors), and the
// branch of the kind it lacks scans an empty index. The space's ID and dimensions and k are written in as
// integers: the planner matches the partial indexes, and the plan it caches for the prepared statement (a
// generic plan, after five executions) is planned for the same LIMIT as a custom one. Where the version is small
// the planner scans it exactly instead (sparse rows stay in the table row, about 600 bytes). With relaxed_order
// the index may return hits slightly out of order, so the materialized CTE is sorted again, ties in document
// order.
func searchSQL(s retrieval.Space, k int) string {
	expr, _, _, _ := spaceExpr(s)
	return fmt.Sprintf(`WITH hits AS MATERIALIZED (
	(SELECT clause_id, %[1]s <=> $2 AS distance FROM clause_vectors
	WHERE space_id = %[3]d AND version_id = $1 AND sparse IS NOT NULL
	ORDER BY %[1]s <=> $2 LIMIT %[4]d)
	UNION ALL
	(SELECT clause_id, %[2]s <=> $3 AS distance FROM clause_vectors
	WHERE space_id = %[3]d AND version_id = $1 AND sparse IS NULL
	ORDER BY %[2]s <=> $3 LIMIT %[4]d))
SELECT h.clause_id, h.distance FROM hits h
JOIN clauses c ON c.version_id = $1 AND c.clause_id = h.clause_id
ORDER BY h.distance, c.ord LIMIT %[4]d`, sparseExpr(s), expr, s.ID, k)
}

// searchSettingsSQL sets ef_search for one transaction, when a search for many hits needs more than the
// session's; $1 is ef_search.
const searchSettingsSQL = `SELECT set_config('hnsw.ef_search', $1, true)`

// queryVectors are q as the query parameters of space s: sparsevec for the sparse rows, and the type of the
// dense rows.
func queryVectors(s retrieval.Space, q []float32) (sparse, dense any) {
	sparse = pgvector.NewSparseVector(q)
	if _, _, half, _ := spaceExpr(s); half {
		return sparse, pgvector.NewHalfVector(q)
	}
	return sparse, pgvector.NewVector(q)
}

// SearchClauses returns at most k clauses of the version nearest to q by cosine similarity, best first, through
// the space's HNSW indexes (approximate) or, where the planner finds it cheaper, by scanning the version (exact).
func (db *DB) SearchClauses(ctx context.Context, space retrieval.Space, versionID int64, q []float32, k int) ([]retrieval.VectorHit, error) {
	if err := db.CheckQuery(space, q); err != nil {
		return nil, fmt.Errorf("postgres: search clauses: %w", err)
	}
	if k <= 0 {
		return nil, nil
	}
	k = min(k, maxLiteralLimit)
	sparse, dense := queryVectors(space, q)
	var hits []retrieval.VectorHit
	scan := func(rows pgx.Rows) error {
		var err error
		hits, err = pgx.CollectRows(rows, func(row pgx.CollectableRow) (retrieval.VectorHit, error) {
			var h retrieval.VectorHit
			var distance float64
			if err := row.Scan(&h.ClauseID, &distance); err != nil {
				return h, err
			}
			if math.IsNaN(distance) { // a zero vector has no direction
				distance = 1
			}
			h.Similarity = 1 - distance
			return h, nil
		})
		return err
	}
	batch := &pgx.Batch{}
	ef := efSearch(k)
	if ef != sessionEfSearch {
		// One round trip: the setting, the query and the commit go in one pipelined batch of prepared statements.
		batch.Queue(`BEGIN`)
		batch.Queue(searchSettingsSQL, strconv.Itoa(ef))
	}
	batch.Queue(searchSQL(space, k), versionID, sparse, dense).Query(scan)
	if ef != sessionEfSearch {
		batch.Queue(`COMMIT`)
	}
	if err := db.pool.SendBatch(ctx, batch).Close(); err != nil {
		return nil, fmt.Errorf("postgres: search clauses: %w", err)
	}
	return hits, nil
}
