package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math"

	"github.com/conductbot/conductbot/retrieval"
)

// What both engines do alike with the clause vectors (retrieval.VectorStore): their spaces, what is indexed,
// the cache of vectors by text hash, and the checks of what is put and searched. How vectors are written in bulk
// and searched is each engine's own (pgvector's HNSW index; SQLite's vectors in memory, compared one by one).

// VectorSpace returns the space of model, creating it the first time, and lets the dialect prepare it
// (Dialect.PrepareSpace: PostgreSQL's partial HNSW index) in the same transaction. A model seen before with
// other dimensions is an error: its vectors would not mix.
func (s *Store) VectorSpace(ctx context.Context, model string, dims int) (retrieval.Space, error) {
	what := fmt.Sprintf("vector space %q", model)
	if model == "" {
		return retrieval.Space{}, s.errorf("vector space", errors.New("empty model name"))
	}
	if limit := s.d.MaxVectorDims(); dims <= 0 || dims > limit {
		return retrieval.Space{}, fmt.Errorf("%s: %s: %d dimensions, want 1…%d", s.name, what, dims, limit)
	}
	sp := retrieval.Space{Model: model}
	var created bool
	err := s.tx(ctx, what, nil, func(tx *sql.Tx) error {
		// A concurrent insert of the same model makes this one wait, then do nothing; the SELECT then sees it.
		res, err := tx.ExecContext(ctx, `INSERT INTO vector_spaces (model, dims) VALUES ($1, $2) ON CONFLICT (model) DO NOTHING`, model, dims)
		if err != nil {
			return err
		}
		n, err := res.RowsAffected()
		if err != nil {
			return err
		}
		created = n > 0
		if err := tx.QueryRowContext(ctx, `SELECT id, dims FROM vector_spaces WHERE model = $1`, model).Scan(&sp.ID, &sp.Dims); err != nil {
			return err
		}
		if sp.Dims != dims {
			return fmt.Errorf("it has %d dimensions, not %d", sp.Dims, dims)
		}
		return s.d.PrepareSpace(ctx, tx, sp, created)
	})
	if err != nil {
		return retrieval.Space{}, err
	}
	if created {
		s.log.Info("created vector space", "model", model, "dims", dims, "id", sp.ID)
	}
	return sp, nil
}

// IndexedClauses maps the IDs of the version's clauses that have a vector in space to the hash of their text.
func (s *Store) IndexedClauses(ctx context.Context, space retrieval.Space, versionID int64) (map[string]string, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT clause_id, text_hash FROM clause_vectors
		WHERE space_id = $1 AND version_id = $2`, space.ID, versionID)
	if err != nil {
		return nil, s.errorf("indexed clauses", err)
	}
	defer rows.Close()
	m := make(map[string]string)
	for rows.Next() {
		var id, hash string
		if err := rows.Scan(&id, &hash); err != nil {
			return nil, s.errorf("indexed clauses", err)
		}
		m[id] = hash
	}
	if err := rows.Err(); err != nil {
		return nil, s.errorf("indexed clauses", err)
	}
	return m, nil
}

// CachedVectors returns the vectors stored in space, under any version, for the given text hashes (one a hash:
// the same text has the same vector).
func (s *Store) CachedVectors(ctx context.Context, space retrieval.Space, textHashes []string) (map[string][]float32, error) {
	m := make(map[string][]float32)
	if len(textHashes) == 0 {
		return m, nil
	}
	rows, err := s.db.QueryContext(ctx, `SELECT text_hash, embedding FROM clause_vectors
		WHERE space_id = $1 AND `+s.d.In("text_hash", "$2"), space.ID, s.d.List(textHashes))
	if err != nil {
		return nil, s.errorf("cached vectors", err)
	}
	defer rows.Close()
	for rows.Next() {
		var hash string
		var raw any
		if err := rows.Scan(&hash, &raw); err != nil {
			return nil, s.errorf("cached vectors", err)
		}
		if _, seen := m[hash]; seen {
			continue
		}
		v := make([]float32, space.Dims)
		if err := s.d.DecodeVector(raw, v); err != nil {
			return nil, s.errorf("cached vectors: text "+hash, err)
		}
		m[hash] = v
	}
	if err := rows.Err(); err != nil {
		return nil, s.errorf("cached vectors", err)
	}
	return m, nil
}

// CheckSpace checks that s is a space of the store: an ID and 1…maxDims dimensions.
func (s *Store) CheckSpace(sp retrieval.Space) error {
	if sp.ID <= 0 || sp.Dims <= 0 || sp.Dims > s.d.MaxVectorDims() {
		return fmt.Errorf("invalid vector space %+v", sp)
	}
	return nil
}

// CheckQuery checks a search's query vector against space: its dimensions, and that it is finite.
func (s *Store) CheckQuery(space retrieval.Space, q []float32) error {
	if err := s.CheckSpace(space); err != nil {
		return err
	}
	if len(q) != space.Dims {
		return fmt.Errorf("query of %d dimensions in a space of %d", len(q), space.Dims)
	}
	if !Finite(q) {
		return errors.New("the query vector is not finite")
	}
	return nil
}

// CheckVectors validates vectors to put into space and drops all but the last of each clause.
func (s *Store) CheckVectors(space retrieval.Space, vectors []retrieval.ClauseVector) ([]retrieval.ClauseVector, error) {
	if err := s.CheckSpace(space); err != nil {
		return nil, err
	}
	last := make(map[string]int, len(vectors))
	for i, cv := range vectors {
		if cv.ClauseID == "" || cv.TextHash == "" {
			return nil, fmt.Errorf("vector %d: empty clause ID or text hash", i)
		}
		if len(cv.Vector) != space.Dims {
			return nil, fmt.Errorf("vector of clause %s has %d dimensions, the space %d", cv.ClauseID, len(cv.Vector), space.Dims)
		}
		if !Finite(cv.Vector) {
			return nil, fmt.Errorf("vector of clause %s is not finite", cv.ClauseID)
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

// CheckStoredDims checks, before a put, that space has the dimensions stored for it (a space's dimensions never
// change once it is made).
func (s *Store) CheckStoredDims(ctx context.Context, space retrieval.Space) error {
	var dims int
	if err := s.db.QueryRowContext(ctx, `SELECT dims FROM vector_spaces WHERE id = $1`, space.ID).Scan(&dims); err != nil {
		return fmt.Errorf("space %d: %w", space.ID, err)
	}
	if dims != space.Dims {
		return fmt.Errorf("space %d has %d dimensions, not %d", space.ID, dims, space.Dims)
	}
	return nil
}

// Finite reports whether every component of v is a number (not NaN, not infinite).
func Finite(v []float32) bool {
	for _, x := range v {
		if math.IsNaN(float64(x)) || math.IsInf(float64(x), 0) {
			return false
		}
	}
	return true
}
