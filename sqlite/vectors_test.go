package sqlite

import (
	"context"
	"encoding/binary"
	"math"
	"math/rand/v2"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/conductbot/conductbot/storetest"
)

// TestVectorEncoding checks that every vector reads back bit for bit, written sparse exactly when that is shorter.
func TestVectorEncoding(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	negZero := float32(math.Copysign(0, -1))
	for _, c := range []struct {
		name   string
		v      []float32
		sparse bool
	}{
		{"offline-like", randomVector(r, 1024, 80), true},
		{"dense", randomVector(r, 1024, 4096), false},
		{"all zero", make([]float32, 8), true},
		{"one dimension", []float32{1}, false},
		{"two of three", []float32{0.6, 0, 0.8}, false}, // 4+12 bytes sparse, 12 dense
		{"one of three", []float32{0, 1, 0}, true},      // 4+6 bytes sparse, 12 dense
		{"negative zero kept", []float32{0, negZero, 0, 0, 1, 0, 0, 0}, true},
		{"last dimension of the widest space", func() []float32 { v := make([]float32, maxDims); v[maxDims-1] = 1; return v }(), true},
	} {
		t.Run(c.name, func(t *testing.T) {
			b := appendVector(nil, c.v)
			if isSparse(b) != c.sparse {
				t.Fatalf("sparse %v, want %v (%d bytes)", isSparse(b), c.sparse, len(b))
			}
			if dense := 4 * len(c.v); c.sparse && len(b) >= dense || !c.sparse && len(b) != dense {
				t.Fatalf("%d bytes for %d dimensions, sparse %v", len(b), len(c.v), c.sparse)
			}
			got := make([]float32, len(c.v))
			for i := range got {
				got[i] = 42 // decodeVector must clear what it does not set
			}
			if err := decodeVector(b, got); err != nil {
				t.Fatal(err)
			}
			for i := range got {
				if math.Float32bits(got[i]) != math.Float32bits(c.v[i]) {
					t.Fatalf("dimension %d: %v, want %v", i, got[i], c.v[i])
				}
			}
		})
	}
}

// TestVectorDecodingRejects checks that a blob that is neither encoding, or does not fit the space, is an error.
func TestVectorDecodingRejects(t *testing.T) {
	// sparse is a sparse blob of the given dimensions, each of value 1.
	sparse := func(dims ...uint16) []byte {
		b := binary.LittleEndian.AppendUint32(nil, sparseMarker)
		for _, d := range dims {
			b = binary.LittleEndian.AppendUint16(b, d)
			b = binary.LittleEndian.AppendUint32(b, math.Float32bits(1))
		}
		return b
	}
	for _, c := range []struct {
		name string
		b    []byte
	}{
		{"dense of other dimensions", make([]byte, 4*7)},
		{"sparse beyond the space", sparse(8)},
		{"sparse out of order", sparse(3, 2)},
		{"sparse repeated dimension", sparse(3, 3)},
		{"sparse truncated", sparse(3)[:9]},
	} {
		t.Run(c.name, func(t *testing.T) {
			if err := decodeVector(c.b, make([]float32, 8)); err == nil {
				t.Fatalf("decoded % x", c.b)
			}
			m := &matrix{dims: 8, start: []int32{0}}
			if isSparse(c.b) {
				if err := m.addSparse(c.b); err == nil {
					t.Fatalf("added % x", c.b)
				}
				if len(m.cols) != 0 || len(m.start) != 1 {
					t.Fatalf("a failed row left %d entries, %d starts", len(m.cols), len(m.start))
				}
			}
		})
	}
	if err := decodeVector(sparse(2, 5), make([]float32, 8)); err != nil {
		t.Fatalf("a valid sparse blob: %v", err)
	}
}

// TestDenseRowsStillRead stores vectors, then rewrites some rows in the dense encoding the store wrote before
// the sparse one existed: searches, cached vectors and indexed clauses read both alike, and ties keep document
// order (which the clause IDs' order, 1.1.10 before 1.1.2, is not).
func TestDenseRowsStillRead(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "mixed.db")
	db := openPath(t, path)
	code := storetest.GenerateCode(30, 5)
	v, _, err := db.PutCode(ctx, code, "", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	const dims = 256
	space, err := db.VectorSpace(ctx, "offline-like", dims)
	if err != nil {
		t.Fatal(err)
	}
	r := rand.New(rand.NewPCG(9, 10))
	vs := make([][]float32, len(code.Clauses))
	for i := range vs {
		vs[i] = randomVector(r, dims, 12)
		if i%7 == 3 {
			vs[i] = vs[i-1] // ties: the earlier clause first
		}
		if i == 9 || i == 19 {
			vs[i] = vs[1] // 1.1.10 and 1.1.20 tie with 1.1.2, which comes first in the code, not in the IDs' order
		}
	}
	cvs := storetest.ClauseVectors(code, vs)
	if err := db.PutClauseVectors(ctx, space, v.ID, cvs); err != nil {
		t.Fatal(err)
	}
	var sparseRows int
	if err := db.db.QueryRowContext(ctx, `SELECT count(*) FROM clause_vectors WHERE length(embedding) < ?`, 4*dims).Scan(&sparseRows); err != nil {
		t.Fatal(err)
	}
	if sparseRows != len(vs) {
		t.Fatalf("%d of %d rows written sparse", sparseRows, len(vs))
	}
	for i := 0; i < len(vs); i += 2 { // as the store wrote them before
		dense := make([]byte, 0, 4*dims)
		for _, x := range vs[i] {
			dense = append(dense, byte(math.Float32bits(x)), byte(math.Float32bits(x)>>8), byte(math.Float32bits(x)>>16), byte(math.Float32bits(x)>>24))
		}
		if _, err := db.db.ExecContext(ctx, `UPDATE clause_vectors SET embedding = ? WHERE space_id = ? AND version_id = ? AND clause_id = ?`,
			dense, space.ID, v.ID, code.Clauses[i].ID); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := db.db.ExecContext(ctx, `UPDATE clause_vector_stamps SET stamp = stamp + 1`); err != nil {
		t.Fatal(err)
	}
	indexed, err := db.IndexedClauses(ctx, space, v.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(indexed) != len(cvs) {
		t.Fatalf("IndexedClauses: %d clauses, want %d", len(indexed), len(cvs))
	}
	hashes := make([]string, len(cvs))
	for i, cv := range cvs {
		if indexed[cv.ClauseID] != cv.TextHash {
			t.Fatalf("IndexedClauses[%s] = %q, want %q", cv.ClauseID, indexed[cv.ClauseID], cv.TextHash)
		}
		hashes[i] = cv.TextHash
	}
	cached, err := db.CachedVectors(ctx, space, hashes)
	if err != nil {
		t.Fatal(err)
	}
	for i, cv := range cvs {
		if !slices.Equal(cached[cv.TextHash], vs[i]) {
			t.Fatalf("CachedVectors of clause %s differ", cv.ClauseID)
		}
	}
	ids := make([]string, len(code.Clauses))
	for i, c := range code.Clauses {
		ids[i] = c.ID
	}
	queries := make([][]float32, 20)
	for i := range queries {
		queries[i] = randomVector(r, dims, 12)
		switch {
		case i == 0:
			queries[i] = vs[1]
		case i%2 == 0:
			queries[i] = vs[r.IntN(len(vs))]
		}
	}
	check := func(db *DB) {
		t.Helper()
		for i, q := range queries {
			got, err := db.SearchClauses(ctx, space, v.ID, q, 5)
			if err != nil {
				t.Fatal(err)
			}
			want := bruteForce(vs, q, 5)
			for j := range want {
				want[j].ClauseID = ids[indexOf(want[j].ClauseID)]
			}
			if !slices.Equal(got, want) {
				t.Fatalf("query %d: got %v, want %v", i, got, want)
			}
		}
	}
	check(db) // the clause order read with the vectors
	// Another process reads the code first, as an engine does: the vectors load in the order it noted.
	other := openPath(t, path)
	if _, err := other.CodeInForce(ctx); err != nil {
		t.Fatal(err)
	}
	if other.vectors.order(v.ID) == nil {
		t.Fatal("CodeInForce noted no clause order")
	}
	check(other)
}

// indexOf reads the row number bruteForce gives as a clause ID.
func indexOf(s string) int {
	n := 0
	for _, c := range s {
		n = 10*n + int(c-'0')
	}
	return n
}
