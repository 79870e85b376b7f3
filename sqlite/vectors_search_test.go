package sqlite

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/conductbot/conductbot/retrieval"
)

// randomMatrix builds a matrix of n unit vectors of dims with nnz non-zero entries each (all entries when nnz is
// dims), the way loadMatrix does.
func randomMatrix(r *rand.Rand, n, dims, nnz int) (*matrix, [][]float32) {
	m := &matrix{dims: dims, start: []int32{0}}
	rows := make([][]float32, n)
	for i := range rows {
		rows[i] = randomVector(r, dims, nnz)
		m.add(rows[i])
		m.ids = append(m.ids, fmt.Sprint(i))
	}
	m.finish()
	return m, rows
}

func randomVector(r *rand.Rand, dims, nnz int) []float32 {
	v := make([]float32, dims)
	for range nnz {
		v[r.IntN(dims)] += float32(r.NormFloat64())
	}
	return retrieval.Normalize(v)
}

// bruteForce is the search of every row with retrieval.Dot: what the sparse search must return, to the bit.
func bruteForce(rows [][]float32, q []float32, k int) []retrieval.VectorHit {
	idx := make([]int, len(rows))
	sims := make([]float64, len(rows))
	for i := range rows {
		idx[i], sims[i] = i, retrieval.Dot(q, rows[i])
	}
	slices.SortStableFunc(idx, func(a, b int) int {
		switch {
		case sims[a] > sims[b]:
			return -1
		case sims[a] < sims[b]:
			return 1
		}
		return 0
	})
	hits := make([]retrieval.VectorHit, min(k, len(idx)))
	for i := range hits {
		hits[i] = retrieval.VectorHit{ClauseID: fmt.Sprint(idx[i]), Similarity: sims[idx[i]]}
	}
	return hits
}

func TestSparseSearchIsExact(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	for _, c := range []struct{ n, dims, nnz, qnnz int }{
		{2000, 1024, 150, 60}, {500, 1022, 40, 5}, {300, 64, 3, 2}, {50, 1024, 100, 1024}, {5, 16, 2, 2},
	} {
		m, rows := randomMatrix(r, c.n, c.dims, c.nnz)
		if (m.data == nil) != (c.nnz*4 < c.dims) {
			t.Fatalf("%+v: dense %v", c, m.data != nil)
		}
		for i := range 50 {
			q := randomVector(r, c.dims, c.qnnz)
			if i%5 == 0 { // a question that is a clause: exact ties with its duplicates
				q = slices.Clone(rows[r.IntN(len(rows))])
			}
			for _, k := range []int{1, 20, 100} {
				got, want := m.search(q, k), bruteForce(rows, q, k)
				if !slices.Equal(got, want) {
					t.Fatalf("%+v k=%d: got %v, want %v", c, k, got[:min(3, len(got))], want[:min(3, len(want))])
				}
			}
		}
	}
}

// BenchmarkSearch compares the sparse search through inverted lists with scoring every row, on vectors shaped
// like the offline embedder's (about 150 of 1,024 dimensions set in a clause, 60 in a question).
func BenchmarkSearch(b *testing.B) {
	for _, n := range []int{10000, 100000} {
		r := rand.New(rand.NewPCG(5, 6))
		m, _ := randomMatrix(r, n, 1024, 150)
		dense := &matrix{dims: m.dims, ids: m.ids, start: []int32{0}}
		for i := range n {
			row := make([]float32, m.dims)
			for j := m.start[i]; j < m.start[i+1]; j++ {
				row[m.cols[j]] = m.vals[j]
			}
			dense.add(row)
		}
		dense.finish()
		dense.data = make([]float32, n*m.dims) // force the dense path
		for i := range n {
			for j := dense.start[i]; j < dense.start[i+1]; j++ {
				dense.data[i*m.dims+int(dense.cols[j])] = dense.vals[j]
			}
		}
		qs := make([][]float32, 64)
		for i := range qs {
			qs[i] = randomVector(r, 1024, 60)
		}
		for _, c := range []struct {
			name string
			m    *matrix
		}{{"inverted", m}, {"every-row", dense}} {
			b.Run(fmt.Sprintf("%s/%d", c.name, n), func(b *testing.B) {
				b.ReportAllocs()
				for i := 0; b.Loop(); i++ {
					c.m.search(qs[i%len(qs)], 20)
				}
			})
		}
	}
}
