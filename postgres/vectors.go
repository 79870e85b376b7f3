package postgres

import (
	"context"
	"errors"
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

// indexName is the name of the partial HNSW index of a space.
func indexName(s retrieval.Space) string {
	return fmt.Sprintf("clause_vectors_hnsw_%d", s.ID)
}

// VectorSpace returns the space of model, creating it with its partial HNSW index the first time. A model seen
// before with other dimensions is an error: its vectors would not mix.
func (db *DB) VectorSpace(ctx context.Context, model string, dims int) (retrieval.Space, error) {
	if model == "" {
		return retrieval.Space{}, errors.New("postgres: vector space: empty model name")
	}
	if dims <= 0 || dims > maxVectorDims {
		return retrieval.Space{}, fmt.Errorf("postgres: vector space %q: %d dimensions, want 1…%d", model, dims, maxVectorDims)
	}
	tx, err := db.pool.Begin(ctx)
	if err != nil {
		return retrieval.Space{}, fmt.Errorf("postgres: vector space %q: %w", model, err)
	}
	defer rollback(ctx, tx)
	s := retrieval.Space{Model: model, Dims: dims}
	// A concurrent insert of the same model makes this one wait, then do nothing; the SELECT then sees it.
	err = tx.QueryRow(ctx, `INSERT INTO vector_spaces (model, dims) VALUES ($1, $2)
		ON CONFLICT (model) DO NOTHING RETURNING id`, model, dims).Scan(&s.ID)
	created := err == nil
	if errors.Is(err, pgx.ErrNoRows) {
		err = tx.QueryRow(ctx, `SELECT id, dims FROM vector_spaces WHERE model = $1`, model).Scan(&s.ID, &s.Dims)
	}
	if err != nil {
		return retrieval.Space{}, fmt.Errorf("postgres: vector space %q: %w", model, err)
	}
	if s.Dims != dims {
		return retrieval.Space{}, fmt.Errorf("postgres: vector space %q has %d dimensions, not %d", model, s.Dims, dims)
	}
	_, _, _, indexed := spaceExpr(s)
	if !indexed && created {
		db.log.Warn("vector space too wide for an HNSW index: search scans it", "model", model, "dims", dims)
	}
	missing := created
	if indexed && !created {
		// A bulk put (PutClauseVectors) drops the index of an empty space and builds it after the copy; a process
		// stopped in between left it missing.
		if err := tx.QueryRow(ctx, `SELECT to_regclass($1) IS NULL`, indexName(s)).Scan(&missing); err != nil {
			return retrieval.Space{}, fmt.Errorf("postgres: vector space %q: %w", model, err)
		}
	}
	if indexed && missing {
		// A new space's index covers no rows yet and builds at once.
		if _, err := tx.Exec(ctx, createIndexSQL(s)); err != nil {
			return retrieval.Space{}, fmt.Errorf("postgres: vector space %q: create index: %w", model, err)
		}
	}
	if err := tx.Commit(ctx); err != nil {
		return retrieval.Space{}, fmt.Errorf("postgres: vector space %q: commit: %w", model, err)
	}
	if created {
		db.log.Info("created vector space", "model", model, "dims", dims, "id", s.ID)
	}
	return s, nil
}

// createIndexSQL creates the partial HNSW index of an indexed space.
func createIndexSQL(s retrieval.Space) string {
	expr, opclass, _, _ := spaceExpr(s)
	return fmt.Sprintf(`CREATE INDEX IF NOT EXISTS %s ON clause_vectors USING hnsw ((%s) %s) WHERE space_id = %d`,
		indexName(s), expr, opclass, s.ID)
}

func checkSpace(s retrieval.Space) error {
	if s.ID <= 0 || s.Dims <= 0 || s.Dims > maxVectorDims {
		return fmt.Errorf("invalid vector space %+v", s)
	}
	return nil
}

// IndexedClauses maps the IDs of the version's clauses that have a vector in space to the hash of their text.
func (db *DB) IndexedClauses(ctx context.Context, space retrieval.Space, versionID int64) (map[string]string, error) {
	rows, err := db.pool.Query(ctx, `SELECT clause_id, text_hash FROM clause_vectors
		WHERE space_id = $1 AND version_id = $2`, space.ID, versionID)
	if err != nil {
		return nil, fmt.Errorf("postgres: indexed clauses: %w", err)
	}
	defer rows.Close()
	m := make(map[string]string)
	for rows.Next() {
		var id, hash string
		if err := rows.Scan(&id, &hash); err != nil {
			return nil, fmt.Errorf("postgres: indexed clauses: %w", err)
		}
		m[id] = hash
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("postgres: indexed clauses: %w", err)
	}
	return m, nil
}

// CachedVectors returns the vectors stored in space, under any version, for the given text hashes.
func (db *DB) CachedVectors(ctx context.Context, space retrieval.Space, textHashes []string) (map[string][]float32, error) {
	m := make(map[string][]float32)
	if len(textHashes) == 0 {
		return m, nil
	}
	rows, err := db.pool.Query(ctx, `SELECT DISTINCT ON (text_hash) text_hash, embedding FROM clause_vectors
		WHERE space_id = $1 AND text_hash = ANY($2)`, space.ID, textHashes)
	if err != nil {
		return nil, fmt.Errorf("postgres: cached vectors: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var hash string
		var v pgvector.Vector
		if err := rows.Scan(&hash, &v); err != nil {
			return nil, fmt.Errorf("postgres: cached vectors: %w", err)
		}
		if len(v.Slice()) != space.Dims {
			return nil, fmt.Errorf("postgres: cached vectors: a vector of %d dimensions in a space of %d", len(v.Slice()), space.Dims)
		}
		m[hash] = v.Slice()
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("postgres: cached vectors: %w", err)
	}
	return m, nil
}

// checkVectors validates vectors against space and drops all but the last of each clause.
func checkVectors(space retrieval.Space, vectors []retrieval.ClauseVector) ([]retrieval.ClauseVector, error) {
	last := make(map[string]int, len(vectors))
	for i, cv := range vectors {
		if cv.ClauseID == "" || cv.TextHash == "" {
			return nil, fmt.Errorf("vector %d: empty clause ID or text hash", i)
		}
		if len(cv.Vector) != space.Dims {
			return nil, fmt.Errorf("vector of clause %s has %d dimensions, the space %d", cv.ClauseID, len(cv.Vector), space.Dims)
		}
		for _, x := range cv.Vector {
			if math.IsNaN(float64(x)) || math.IsInf(float64(x), 0) {
				return nil, fmt.Errorf("vector of clause %s is not finite", cv.ClauseID)
			}
		}
		last[cv.ClauseID] = i
	}
	if len(last) == len(vectors) {
		return vectors, nil
	}
	out := make([]retrieval.ClauseVector, 0, len(last))
	for i, cv := range vectors {
		if last[cv.ClauseID] == i {
			out = append(out, cv)
		}
	}
	return out, nil
}

// PutClauseVectors stores vectors of the version's clauses in one transaction, replacing those of the same
// clauses. It copies them into a temporary table, then upserts; rows whose hash and vector did not change are
// left alone, so that re-putting a version does not churn the HNSW index. Every clause must exist in the
// version and every vector must have the space's dimensions, or nothing is stored.
func (db *DB) PutClauseVectors(ctx context.Context, space retrieval.Space, versionID int64, vectors []retrieval.ClauseVector) error {
	if err := checkSpace(space); err != nil {
		return fmt.Errorf("postgres: put clause vectors: %w", err)
	}
	vectors, err := checkVectors(space, vectors)
	if err != nil {
		return fmt.Errorf("postgres: put clause vectors: %w", err)
	}
	if len(vectors) == 0 {
		return nil
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
	var dims int
	if err := tx.QueryRow(ctx, `SELECT dims FROM vector_spaces WHERE id = $1`, space.ID).Scan(&dims); err != nil {
		return fmt.Errorf("postgres: put clause vectors: space %d: %w", space.ID, err)
	}
	if dims != space.Dims {
		return fmt.Errorf("postgres: put clause vectors: space %d has %d dimensions, not %d", space.ID, dims, space.Dims)
	}
	// The temporary table lives as long as the pooled connection; its rows go at commit.
	if _, err := tx.Exec(ctx, `CREATE TEMP TABLE IF NOT EXISTS clause_vectors_in (
		clause_id text NOT NULL, text_hash text NOT NULL, embedding vector NOT NULL) ON COMMIT DELETE ROWS`); err != nil {
		return fmt.Errorf("postgres: put clause vectors: %w", err)
	}
	if _, err := tx.CopyFrom(ctx, pgx.Identifier{"pg_temp", "clause_vectors_in"}, []string{"clause_id", "text_hash", "embedding"},
		pgx.CopyFromSlice(len(vectors), func(i int) ([]any, error) {
			cv := vectors[i]
			return []any{cv.ClauseID, cv.TextHash, pgvector.NewVector(cv.Vector)}, nil
		})); err != nil {
		return fmt.Errorf("postgres: put clause vectors: copy: %w", err)
	}
	tag, err := tx.Exec(ctx, `
		INSERT INTO clause_vectors (space_id, version_id, clause_id, text_hash, embedding)
		SELECT $1, $2, clause_id, text_hash, embedding FROM pg_temp.clause_vectors_in
		ON CONFLICT (space_id, version_id, clause_id) DO UPDATE
		SET text_hash = excluded.text_hash, embedding = excluded.embedding
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

// startBulk drops the (empty) HNSW index of space when n vectors are about to be its first ones, and reports
// whether it did: buildIndex must then build it. Each step commits alone, so that searches of other spaces are
// blocked only for the drop of an empty index, not for the copy or the build.
func (db *DB) startBulk(ctx context.Context, space retrieval.Space, n int) (bool, error) {
	if _, _, _, indexed := spaceExpr(space); !indexed || n < bulkAfter {
		return false, nil
	}
	// Only an index that exists is dropped and built again: one dropped by someone else is theirs to build.
	var used bool
	if err := db.pool.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM clause_vectors WHERE space_id = $1) OR to_regclass($2) IS NULL`,
		space.ID, indexName(space)).Scan(&used); err != nil {
		return false, err
	}
	if used {
		return false, nil
	}
	if _, err := db.pool.Exec(ctx, `DROP INDEX IF EXISTS `+indexName(space)); err != nil {
		return false, err
	}
	return true, nil
}

// buildIndex builds the HNSW index of space over the vectors it holds, with memory enough to keep the graph.
func (db *DB) buildIndex(ctx context.Context, space retrieval.Space) error {
	tx, err := db.pool.Begin(ctx)
	if err != nil {
		return err
	}
	defer rollback(ctx, tx)
	if _, err := tx.Exec(ctx, `SET LOCAL maintenance_work_mem = '512MB'`); err != nil {
		return err
	}
	if _, err := tx.Exec(ctx, createIndexSQL(space)); err != nil {
		return fmt.Errorf("build index: %w", err)
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

// searchSQL is the query of SearchClauses: $1 version ID, $2 query vector, $3 k. The space's ID and dimensions
// are written in as integers so that the planner matches its partial index. With relaxed_order the index may
// return hits slightly out of order, so the materialized CTE is sorted again, ties in document order.
func searchSQL(s retrieval.Space) string {
	expr, _, _, _ := spaceExpr(s)
	return fmt.Sprintf(`WITH hits AS MATERIALIZED (
	SELECT clause_id, %[1]s <=> $2 AS distance FROM clause_vectors
	WHERE space_id = %[2]d AND version_id = $1
	ORDER BY %[1]s <=> $2 LIMIT $3)
SELECT h.clause_id, h.distance FROM hits h
JOIN clauses c ON c.version_id = $1 AND c.clause_id = h.clause_id
ORDER BY h.distance, c.ord`, expr, s.ID)
}

// searchSettings are the transaction-local settings of a search for k hits. pgx prepares and caches statements,
// and after a few executions PostgreSQL may switch to a generic plan, planned without knowing the version and k;
// force_custom_plan keeps the plan that TestSearchUsesIndex checks.
func searchSettings(k int) string {
	return fmt.Sprintf(`SET LOCAL hnsw.iterative_scan = relaxed_order; SET LOCAL hnsw.ef_search = %d; `+
		`SET LOCAL plan_cache_mode = force_custom_plan`, efSearch(k))
}

// searchSettingsSQL is searchSettings as one statement that can be prepared and pipelined; $1 is ef_search.
const searchSettingsSQL = `SELECT set_config('hnsw.iterative_scan', 'relaxed_order', true), set_config('hnsw.ef_search', $1, true),
	set_config('plan_cache_mode', 'force_custom_plan', true)`

// queryVector is q as the query parameter of space s.
func queryVector(s retrieval.Space, q []float32) any {
	if _, _, half, _ := spaceExpr(s); half {
		return pgvector.NewHalfVector(q)
	}
	return pgvector.NewVector(q)
}

// SearchClauses returns at most k clauses of the version nearest to q by cosine similarity, best first, through
// the space's HNSW index (approximate).
func (db *DB) SearchClauses(ctx context.Context, space retrieval.Space, versionID int64, q []float32, k int) ([]retrieval.VectorHit, error) {
	if err := checkSpace(space); err != nil {
		return nil, fmt.Errorf("postgres: search clauses: %w", err)
	}
	if len(q) != space.Dims {
		return nil, fmt.Errorf("postgres: search clauses: query of %d dimensions in a space of %d", len(q), space.Dims)
	}
	if k <= 0 {
		return nil, nil
	}
	// One round trip: the settings, the query and the commit go in one pipelined batch of prepared statements.
	batch := &pgx.Batch{}
	batch.Queue(`BEGIN`)
	batch.Queue(searchSettingsSQL, strconv.Itoa(efSearch(k)))
	var hits []retrieval.VectorHit
	batch.Queue(searchSQL(space), versionID, queryVector(space, q), k).Query(func(rows pgx.Rows) error {
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
	})
	batch.Queue(`COMMIT`)
	if err := db.pool.SendBatch(ctx, batch).Close(); err != nil {
		return nil, fmt.Errorf("postgres: search clauses: %w", err)
	}
	return hits, nil
}
