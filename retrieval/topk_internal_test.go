package retrieval

import (
	"math/rand/v2"
	"slices"
	"sort"
	"testing"
)

// TestTopK: the heap keeps what sorting everything keeps, in the same order.
func TestTopK(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for _, n := range []int{0, 1, 5, 64, 65, 1000} {
		for _, k := range []int{0, 1, 3, 64} {
			scores := make([]float64, n)
			for i := range scores {
				scores[i] = float64(r.IntN(20)) // many ties
			}
			idx := make([]int, n)
			for i := range idx {
				idx[i] = i
			}
			sort.SliceStable(idx, func(a, b int) bool { return scores[idx[a]] > scores[idx[b]] })
			want := idx[:min(k, n)]
			if got := topK(scores, k); !slices.Equal(got, want) && !(len(got) == 0 && len(want) == 0) {
				t.Fatalf("n=%d k=%d: %v, want %v", n, k, got, want)
			}
		}
	}
}
