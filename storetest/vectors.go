package storetest

import (
	"context"
	"fmt"
	"math"
	"slices"
	"sync"
	"testing"

	"github.com/conductbot/conductbot/retrieval"
	"github.com/conductbot/conductbot/rules"
)

// similarityTolerance allows for half-precision indexes of wide spaces.
const similarityTolerance = 5e-3

// TestVectors checks retrieval.VectorStore.
func TestVectors(t *testing.T, open Open) {
	t.Run("Spaces", func(t *testing.T) { testSpaces(t, open) })
	t.Run("Ranking", func(t *testing.T) { testRanking(t, open) })
	t.Run("LimitedToVersion", func(t *testing.T) { testLimitedToVersion(t, open) })
	t.Run("IndexedAndCached", func(t *testing.T) { testIndexedAndCached(t, open) })
	t.Run("ReplaceOnRePut", func(t *testing.T) { testReplace(t, open) })
	t.Run("WrongDimensions", func(t *testing.T) { testWrongDimensions(t, open) })
	t.Run("UnknownClause", func(t *testing.T) { testUnknownClause(t, open) })
	t.Run("TwoSpaces", func(t *testing.T) { testTwoSpaces(t, open) })
	t.Run("ConcurrentSearchAndPut", func(t *testing.T) { testConcurrentSearchAndPut(t, open) })
}

// withVersion opens a store holding sampleCode in force.
func withVersion(t *testing.T, open Open) (Store, *rules.Version) {
	t.Helper()
	s := open(t)
	v, _, err := s.PutCode(context.Background(), sampleCode(), "", t0)
	if err != nil {
		t.Fatal(err)
	}
	return s, v
}

func mustSpace(t *testing.T, s Store, model string, dims int) retrieval.Space {
	t.Helper()
	space, err := s.VectorSpace(context.Background(), model, dims)
	if err != nil {
		t.Fatalf("VectorSpace(%q, %d): %v", model, dims, err)
	}
	if space.ID == 0 || space.Model != model || space.Dims != dims {
		t.Fatalf("VectorSpace(%q, %d) = %+v", model, dims, space)
	}
	return space
}

func mustPut(t *testing.T, s Store, space retrieval.Space, versionID int64, cvs []retrieval.ClauseVector) {
	t.Helper()
	if err := s.PutClauseVectors(context.Background(), space, versionID, cvs); err != nil {
		t.Fatalf("PutClauseVectors: %v", err)
	}
}

func mustSearch(t *testing.T, s Store, space retrieval.Space, versionID int64, q []float32, k int) []retrieval.VectorHit {
	t.Helper()
	hits, err := s.SearchClauses(context.Background(), space, versionID, q, k)
	if err != nil {
		t.Fatalf("SearchClauses: %v", err)
	}
	return hits
}

// wantHits compares hits with the expected clause IDs and similarities, in order.
func wantHits(t *testing.T, hits []retrieval.VectorHit, ids []string, sims []float64) {
	t.Helper()
	if len(hits) != len(ids) {
		t.Errorf("hits %v, want %v", hits, ids)
		return
	}
	for i := range ids {
		if hits[i].ClauseID != ids[i] || math.Abs(hits[i].Similarity-sims[i]) > similarityTolerance {
			t.Errorf("hit %d = %+v, want %s with similarity %.4f (all hits %v)", i, hits[i], ids[i], sims[i], hits)
		}
	}
}

func cv(id string, v []float32) retrieval.ClauseVector {
	return retrieval.ClauseVector{ClauseID: id, TextHash: rules.TextHash("text of " + id), Vector: v}
}

func testSpaces(t *testing.T, open Open) {
	s := open(t)
	ctx := context.Background()
	a := mustSpace(t, s, "model-a", 4)
	if again := mustSpace(t, s, "model-a", 4); again != a {
		t.Errorf("VectorSpace again = %+v, want %+v", again, a)
	}
	b := mustSpace(t, s, "model-b", 6)
	if b.ID == a.ID {
		t.Errorf("two models share space %d", a.ID)
	}
	for _, tc := range []struct {
		model string
		dims  int
	}{{"model-a", 6}, {"model-c", 0}, {"model-d", -3}, {"", 4}} {
		if sp, err := s.VectorSpace(ctx, tc.model, tc.dims); err == nil {
			t.Errorf("VectorSpace(%q, %d) = %+v, want an error", tc.model, tc.dims, sp)
		}
	}
}

// testRanking puts the clauses of sampleCode at known angles from axis 0 and searches along it, in spaces of
// several widths (on PostgreSQL: vector index, halfvec index, no index).
func testRanking(t *testing.T, open Open) {
	s, v := withVersion(t, open)
	ids := []string{"0", "1.1.1", "1.1.2", "1.1.10", "2.1"}
	angles := []float64{90, 10, 50, 30, 70} // in document order
	byAngle := []string{"1.1.1", "1.1.10", "1.1.2", "2.1", "0"}
	cosines := []float64{math.Cos(10 * math.Pi / 180), math.Cos(30 * math.Pi / 180), math.Cos(50 * math.Pi / 180),
		math.Cos(70 * math.Pi / 180), 0}
	for _, dims := range []int{8, 1536, 3072, 4100} {
		t.Run(fmt.Sprint(dims), func(t *testing.T) {
			space := mustSpace(t, s, fmt.Sprintf("ranking-%d", dims), dims)
			var cvs []retrieval.ClauseVector
			for i, id := range ids {
				cvs = append(cvs, cv(id, unitAt(dims, angles[i], i+1)))
			}
			// Store them in an order that is neither the document's nor the ranking's.
			cvs[0], cvs[3] = cvs[3], cvs[0]
			mustPut(t, s, space, v.ID, cvs)

			q := axis(dims, 0)
			wantHits(t, mustSearch(t, s, space, v.ID, q, 3), byAngle[:3], cosines[:3])
			wantHits(t, mustSearch(t, s, space, v.ID, q, 10), byAngle, cosines)
			if hits := mustSearch(t, s, space, v.ID, q, 0); len(hits) != 0 {
				t.Errorf("k=0 gave %v", hits)
			}
			// Opposite direction: negative similarities, order reversed.
			neg := make([]float32, dims)
			neg[0] = -1
			rev := slices.Clone(byAngle)
			slices.Reverse(rev)
			var negCos []float64
			for i := range cosines {
				negCos = append(negCos, -cosines[len(cosines)-1-i])
			}
			wantHits(t, mustSearch(t, s, space, v.ID, neg, 5), rev, negCos)
		})
	}
}

func testLimitedToVersion(t *testing.T, open Open) {
	s, v1 := withVersion(t, open)
	ctx := context.Background()
	v2, _, err := s.PutCode(ctx, changedCode(1), "", t0)
	if err != nil {
		t.Fatal(err)
	}
	const dims = 8
	space := mustSpace(t, s, "versions", dims)
	// Version 1's 1.1.1 lies exactly on the query; version 2's clauses only near it.
	mustPut(t, s, space, v1.ID, []retrieval.ClauseVector{cv("1.1.1", axis(dims, 0)), cv("2.1", axis(dims, 1))})
	mustPut(t, s, space, v2.ID, []retrieval.ClauseVector{
		cv("1.1.2", unitAt(dims, 20, 2)), cv("2.2", unitAt(dims, 40, 3)), cv("2.1", unitAt(dims, 60, 4))})
	q := axis(dims, 0)
	wantHits(t, mustSearch(t, s, space, v2.ID, q, 10), []string{"1.1.2", "2.2", "2.1"},
		[]float64{math.Cos(20 * math.Pi / 180), math.Cos(40 * math.Pi / 180), math.Cos(60 * math.Pi / 180)})
	wantHits(t, mustSearch(t, s, space, v1.ID, q, 10), []string{"1.1.1", "2.1"}, []float64{1, 0})
	if hits := mustSearch(t, s, space, v2.ID+v1.ID+1000, q, 10); len(hits) != 0 {
		t.Errorf("search in an unknown version gave %v", hits)
	}
	empty := mustSpace(t, s, "versions-empty", dims)
	if hits := mustSearch(t, s, empty, v1.ID, q, 10); len(hits) != 0 {
		t.Errorf("search in an empty space gave %v", hits)
	}
}

func testIndexedAndCached(t *testing.T, open Open) {
	s, v1 := withVersion(t, open)
	ctx := context.Background()
	const dims = 16
	space := mustSpace(t, s, "cache", dims)
	other := mustSpace(t, s, "cache-other", dims)

	if m, err := s.IndexedClauses(ctx, space, v1.ID); err != nil || len(m) != 0 {
		t.Fatalf("IndexedClauses before any put = %v, %v", m, err)
	}
	code1 := sampleCode()
	vecs := RandomUnitVectors(len(code1.Clauses), dims, 7)
	mustPut(t, s, space, v1.ID, ClauseVectors(code1, vecs))

	m, err := s.IndexedClauses(ctx, space, v1.ID)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{}
	for _, cl := range code1.Clauses {
		want[cl.ID] = rules.TextHash(cl.Text)
	}
	if fmt.Sprint(m) != fmt.Sprint(want) {
		t.Errorf("IndexedClauses = %v, want %v", m, want)
	}
	if m, err := s.IndexedClauses(ctx, other, v1.ID); err != nil || len(m) != 0 {
		t.Errorf("IndexedClauses in another space = %v, %v", m, err)
	}

	// Version 2 rewords 1.1.2 and adds 2.2: the other texts' vectors are found by hash before version 2 has any.
	code2 := changedCode(1)
	v2, _, err := s.PutCode(ctx, code2, "", t0)
	if err != nil {
		t.Fatal(err)
	}
	if m, err := s.IndexedClauses(ctx, space, v2.ID); err != nil || len(m) != 0 {
		t.Errorf("IndexedClauses of version 2 = %v, %v; want none", m, err)
	}
	var hashes []string
	for _, cl := range code2.Clauses {
		hashes = append(hashes, rules.TextHash(cl.Text))
	}
	hashes = append(hashes, hashes[0], rules.TextHash("never embedded"))
	cached, err := s.CachedVectors(ctx, space, hashes)
	if err != nil {
		t.Fatal(err)
	}
	for i, cl := range code1.Clauses {
		h := rules.TextHash(cl.Text)
		_, inV2 := code2.Clause(cl.ID)
		reworded := cl.ID == "1.1.2"
		got, ok := cached[h]
		switch {
		case inV2 && !reworded && (!ok || !slices.Equal(got, vecs[i])):
			t.Errorf("CachedVectors[%s] = %v, %v; want version 1's vector", cl.ID, got, ok)
		case reworded && ok:
			t.Errorf("CachedVectors has the old text of %s under a hash of version 2", cl.ID)
		}
	}
	if len(cached) != len(code1.Clauses)-1 {
		t.Errorf("CachedVectors found %d vectors, want %d", len(cached), len(code1.Clauses)-1)
	}
	if c, err := s.CachedVectors(ctx, other, hashes); err != nil || len(c) != 0 {
		t.Errorf("CachedVectors in another space = %v, %v; want none", c, err)
	}
	if c, err := s.CachedVectors(ctx, space, nil); err != nil || len(c) != 0 {
		t.Errorf("CachedVectors(nil) = %v, %v", c, err)
	}
}

func testReplace(t *testing.T, open Open) {
	s, v := withVersion(t, open)
	ctx := context.Background()
	const dims = 8
	space := mustSpace(t, s, "replace", dims)
	first := []retrieval.ClauseVector{cv("1.1.1", unitAt(dims, 10, 1)), cv("1.1.2", unitAt(dims, 50, 2))}
	mustPut(t, s, space, v.ID, first)
	q := axis(dims, 0)
	wantHits(t, mustSearch(t, s, space, v.ID, q, 2), []string{"1.1.1", "1.1.2"},
		[]float64{math.Cos(10 * math.Pi / 180), math.Cos(50 * math.Pi / 180)})

	// Re-put 1.1.1 further away under a new hash; within one call the last vector of a clause wins.
	moved := retrieval.ClauseVector{ClauseID: "1.1.1", TextHash: rules.TextHash("new text"), Vector: unitAt(dims, 80, 1)}
	mustPut(t, s, space, v.ID, []retrieval.ClauseVector{cv("1.1.1", unitAt(dims, 5, 1)), moved})
	wantHits(t, mustSearch(t, s, space, v.ID, q, 2), []string{"1.1.2", "1.1.1"},
		[]float64{math.Cos(50 * math.Pi / 180), math.Cos(80 * math.Pi / 180)})
	m, err := s.IndexedClauses(ctx, space, v.ID)
	if err != nil {
		t.Fatal(err)
	}
	if m["1.1.1"] != moved.TextHash || m["1.1.2"] != first[1].TextHash || len(m) != 2 {
		t.Errorf("IndexedClauses after re-put = %v", m)
	}
	cached, err := s.CachedVectors(ctx, space, []string{first[0].TextHash, moved.TextHash})
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := cached[first[0].TextHash]; ok || !slices.Equal(cached[moved.TextHash], moved.Vector) {
		t.Errorf("CachedVectors after re-put = %v", cached)
	}
	// Putting the same vectors again changes nothing.
	mustPut(t, s, space, v.ID, []retrieval.ClauseVector{moved})
	wantHits(t, mustSearch(t, s, space, v.ID, q, 1), []string{"1.1.2"}, []float64{math.Cos(50 * math.Pi / 180)})
	if err := s.PutClauseVectors(ctx, space, v.ID, nil); err != nil {
		t.Errorf("PutClauseVectors(nil): %v", err)
	}
}

func testWrongDimensions(t *testing.T, open Open) {
	s, v := withVersion(t, open)
	ctx := context.Background()
	const dims = 8
	space := mustSpace(t, s, "dims", dims)
	bad := []retrieval.ClauseVector{cv("1.1.1", axis(dims, 0)), cv("1.1.2", make([]float32, dims-1))}
	if err := s.PutClauseVectors(ctx, space, v.ID, bad); err == nil {
		t.Errorf("PutClauseVectors with a short vector succeeded")
	}
	if m, err := s.IndexedClauses(ctx, space, v.ID); err != nil || len(m) != 0 {
		t.Errorf("a failed put left %v, %v", m, err)
	}
	if err := s.PutClauseVectors(ctx, space, v.ID, []retrieval.ClauseVector{cv("1.1.1", make([]float32, dims+1))}); err == nil {
		t.Errorf("PutClauseVectors with a long vector succeeded")
	}
	lying := space
	lying.Dims = dims + 1
	if err := s.PutClauseVectors(ctx, lying, v.ID, []retrieval.ClauseVector{cv("1.1.1", axis(dims+1, 0))}); err == nil {
		t.Errorf("PutClauseVectors into a space of other dimensions succeeded")
	}
	mustPut(t, s, space, v.ID, []retrieval.ClauseVector{cv("1.1.1", axis(dims, 0))})
	for _, n := range []int{0, dims - 1, dims + 1} {
		if hits, err := s.SearchClauses(ctx, space, v.ID, make([]float32, n), 3); err == nil {
			t.Errorf("SearchClauses with a query of %d dimensions = %v, want an error", n, hits)
		}
	}
	wantHits(t, mustSearch(t, s, space, v.ID, axis(dims, 0), 3), []string{"1.1.1"}, []float64{1})
}

func testUnknownClause(t *testing.T, open Open) {
	s, v := withVersion(t, open)
	ctx := context.Background()
	space := mustSpace(t, s, "unknown", 4)
	err := s.PutClauseVectors(ctx, space, v.ID, []retrieval.ClauseVector{cv("1.1.1", axis(4, 0)), cv("9.9.9", axis(4, 1))})
	if err == nil {
		t.Errorf("PutClauseVectors for a clause the version lacks succeeded")
	}
	if err := s.PutClauseVectors(ctx, space, v.ID+1000, []retrieval.ClauseVector{cv("1.1.1", axis(4, 0))}); err == nil {
		t.Errorf("PutClauseVectors for an unknown version succeeded")
	}
	if m, err := s.IndexedClauses(ctx, space, v.ID); err != nil || len(m) != 0 {
		t.Errorf("failed puts left %v, %v", m, err)
	}
}

func testTwoSpaces(t *testing.T, open Open) {
	s, v := withVersion(t, open)
	ctx := context.Background()
	a := mustSpace(t, s, "narrow", 4)
	b := mustSpace(t, s, "wide", 6)
	// Along axis 0, narrow ranks 1.1.1 first and wide ranks 1.1.2 first.
	mustPut(t, s, a, v.ID, []retrieval.ClauseVector{cv("1.1.1", unitAt(4, 10, 1)), cv("1.1.2", unitAt(4, 60, 2))})
	mustPut(t, s, b, v.ID, []retrieval.ClauseVector{cv("1.1.1", unitAt(6, 60, 1)), cv("1.1.2", unitAt(6, 10, 2)), cv("2.1", unitAt(6, 30, 3))})
	cos := func(deg float64) float64 { return math.Cos(deg * math.Pi / 180) }
	wantHits(t, mustSearch(t, s, a, v.ID, axis(4, 0), 5), []string{"1.1.1", "1.1.2"}, []float64{cos(10), cos(60)})
	wantHits(t, mustSearch(t, s, b, v.ID, axis(6, 0), 5), []string{"1.1.2", "2.1", "1.1.1"}, []float64{cos(10), cos(30), cos(60)})
	ma, _ := s.IndexedClauses(ctx, a, v.ID)
	mb, _ := s.IndexedClauses(ctx, b, v.ID)
	if len(ma) != 2 || len(mb) != 3 {
		t.Errorf("IndexedClauses: narrow %v, wide %v", ma, mb)
	}
	if _, err := s.SearchClauses(ctx, a, v.ID, axis(6, 0), 5); err == nil {
		t.Errorf("a wide query in the narrow space succeeded")
	}
	ca, err := s.CachedVectors(ctx, a, []string{rules.TextHash("text of 1.1.1")})
	if err != nil || len(ca[rules.TextHash("text of 1.1.1")]) != 4 {
		t.Errorf("CachedVectors(narrow) = %v, %v", ca, err)
	}
}

// testConcurrentSearchAndPut searches while vectors are replaced; afterwards searches see the last put.
func testConcurrentSearchAndPut(t *testing.T, open Open) {
	s, v := withVersion(t, open)
	ctx := context.Background()
	const dims = 32
	space := mustSpace(t, s, "concurrent", dims)
	layout := func(best string) []retrieval.ClauseVector {
		var cvs []retrieval.ClauseVector
		for i, id := range []string{"0", "1.1.1", "1.1.2", "1.1.10", "2.1"} {
			deg := 40.0 + float64(i)*10
			if id == best {
				deg = 5
			}
			cvs = append(cvs, cv(id, unitAt(dims, deg, i+1)))
		}
		return cvs
	}
	mustPut(t, s, space, v.ID, layout("0"))
	q := axis(dims, 0)
	var wg sync.WaitGroup
	stop := make(chan struct{})
	errs := make(chan error, 8)
	for g := 0; g < 3; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				hits, err := s.SearchClauses(ctx, space, v.ID, q, 5)
				if err == nil && len(hits) != 5 {
					err = fmt.Errorf("%d hits during puts", len(hits))
				}
				if err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	order := []string{"1.1.1", "1.1.2", "1.1.10", "2.1", "0", "1.1.2"}
	for _, best := range order {
		if err := s.PutClauseVectors(ctx, space, v.ID, layout(best)); err != nil {
			t.Errorf("PutClauseVectors: %v", err)
		}
	}
	close(stop)
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Errorf("SearchClauses: %v", err)
	}
	hits := mustSearch(t, s, space, v.ID, q, 1)
	if len(hits) != 1 || hits[0].ClauseID != order[len(order)-1] {
		t.Errorf("after the puts the best hit is %v, want %s", hits, order[len(order)-1])
	}
}
