// Package retrieval finds the clauses of the code in force that answer a question, decides the verdict and
// composes the answer. Clauses are ranked by fusing a lexical score (BM25 over characters and bigrams, with a
// thesaurus of everyday words) with vector similarity from an Embedder; vectors live in a VectorStore
// (pgvector on PostgreSQL, brute force on SQLite).
package retrieval

import (
	"context"
	"math"
)

// Embedder turns texts into vectors. Implementations return unit-length vectors, so cosine similarity is a dot
// product.
type Embedder interface {
	// Model names the model and its settings: vectors of different models never mix.
	Model() string
	// Embed returns one vector per text, in order.
	Embed(ctx context.Context, texts []string) ([][]float32, error)
}

// Space is where the vectors of one embedding model live.
type Space struct {
	ID    int64
	Model string
	Dims  int
}

// ClauseVector is the vector of one clause's text.
type ClauseVector struct {
	ClauseID string
	TextHash string // rules.TextHash of the embedded text
	Vector   []float32
}

// VectorHit is one clause found by vector search.
type VectorHit struct {
	ClauseID   string
	Similarity float64 // cosine similarity, -1…1
}

// VectorStore keeps clause vectors per code version and space. The PostgreSQL and SQLite stores implement it.
type VectorStore interface {
	// VectorSpace returns the space of model, creating it (on PostgreSQL with its HNSW index) the first time.
	VectorSpace(ctx context.Context, model string, dims int) (Space, error)
	// IndexedClauses maps the IDs of the version's clauses that have a vector in space to the hash of the text
	// that was embedded.
	IndexedClauses(ctx context.Context, space Space, versionID int64) (map[string]string, error)
	// CachedVectors returns the vectors stored in space, under any version, for the given text hashes.
	CachedVectors(ctx context.Context, space Space, textHashes []string) (map[string][]float32, error)
	// PutClauseVectors stores vectors of the version's clauses, replacing those of the same clauses.
	PutClauseVectors(ctx context.Context, space Space, versionID int64, vectors []ClauseVector) error
	// SearchClauses returns at most k clauses of the version nearest to q by cosine similarity, best first.
	SearchClauses(ctx context.Context, space Space, versionID int64, q []float32, k int) ([]VectorHit, error)
}

// Normalize scales v to unit length in place and returns it; a zero vector stays zero.
func Normalize(v []float32) []float32 {
	var sum float64
	for _, x := range v {
		sum += float64(x) * float64(x)
	}
	if sum == 0 {
		return v
	}
	inv := float32(1 / math.Sqrt(sum))
	for i := range v {
		v[i] *= inv
	}
	return v
}

// Dot is the dot product of two vectors of equal length; for unit vectors it is their cosine similarity. Four
// accumulators let the CPU overlap the multiplications (about twice as fast as one running sum).
func Dot(a, b []float32) float64 {
	n := min(len(a), len(b))
	a, b = a[:n], b[:n]
	var s0, s1, s2, s3 float32
	i := 0
	for ; i+4 <= n; i += 4 {
		s0 += a[i] * b[i]
		s1 += a[i+1] * b[i+1]
		s2 += a[i+2] * b[i+2]
		s3 += a[i+3] * b[i+3]
	}
	for ; i < n; i++ {
		s0 += a[i] * b[i]
	}
	return float64((s0 + s1) + (s2 + s3))
}
