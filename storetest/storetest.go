// Package storetest is the contract suite every store (postgres, sqlite) runs, so that both mean the same thing.
//
// A store's test calls the suite with a function that opens a fresh, empty store for one test:
//
//	func TestStore(t *testing.T) { storetest.Run(t, open) }
//
// Capabilities that add store methods extend Store with their interface and add their Test… functions here,
// then call them from Run.
package storetest

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/conductbot/conductbot/retrieval"
	"github.com/conductbot/conductbot/rules"
)

// Store is everything a store implements.
type Store interface {
	rules.Store
	retrieval.VectorStore
	LessonStore
}

// Open returns a fresh, empty store for tb; it registers its own cleanup (closing the store, removing its data)
// with tb.Cleanup.
type Open func(tb testing.TB) Store

// Run runs the whole contract suite.
func Run(t *testing.T, open Open) {
	t.Run("Rules", func(t *testing.T) { TestRules(t, open) })
	t.Run("Vectors", func(t *testing.T) { TestVectors(t, open) })
	t.Run("Lessons", func(t *testing.T) { TestLessons(t, open) })
}

// GenerateCode returns a code of n clauses in two levels of headings, all with distinct texts. seed changes
// every text, so codes of different seeds have different hashes.
func GenerateCode(n int, seed uint64) *rules.Code {
	r := rand.New(rand.NewPCG(seed, 0x5eed))
	words := []string{"工作人员", "服务对象", "窗口", "仪表", "着装", "微笑", "礼貌", "用语", "办事", "效率",
		"首问负责", "一次告知", "限时办结", "不得", "必须", "严禁", "提倡", "应当", "接听电话", "离岗"}
	code := &rules.Code{
		Title:     fmt.Sprintf("生成的服务规范 %d", seed),
		Issuer:    "测试中心",
		DocNumber: fmt.Sprintf("测〔2024〕%d号", seed%1000),
		Issued:    "2024-01-02",
	}
	const perSection = 50
	for i := 0; i < n; i++ {
		part, section, item := i/(perSection*10)+1, (i/perSection)%10+1, i%perSection+1
		partID, sectionID := fmt.Sprint(part), fmt.Sprintf("%d.%d", part, section)
		if i%(perSection*10) == 0 {
			code.Headings = append(code.Headings, rules.Heading{ID: partID, Title: fmt.Sprintf("第%s部分", rules.ChineseNumeral(part))})
		}
		if i%perSection == 0 {
			code.Headings = append(code.Headings, rules.Heading{ID: sectionID, Title: fmt.Sprintf("第%s节", rules.ChineseNumeral(section))})
		}
		text := fmt.Sprintf("第%d条：", i+1)
		for w := 0; w < 8; w++ {
			text += words[r.IntN(len(words))]
		}
		code.Clauses = append(code.Clauses, rules.Clause{
			ID:    fmt.Sprintf("%d.%d.%d", part, section, item),
			Title: fmt.Sprintf("第%s节", rules.ChineseNumeral(section)),
			Path:  []string{fmt.Sprintf("第%s部分", rules.ChineseNumeral(part)), fmt.Sprintf("第%s节", rules.ChineseNumeral(section))},
			Text:  text,
			Statements: []rules.Statement{
				{Text: text, Modality: rules.Required},
			},
		})
	}
	return code
}

// RandomUnitVectors returns n random vectors of unit length.
func RandomUnitVectors(n, dims int, seed uint64) [][]float32 {
	r := rand.New(rand.NewPCG(seed, 0x7ec7))
	vs := make([][]float32, n)
	for i := range vs {
		v := make([]float32, dims)
		for j := range v {
			v[j] = float32(r.NormFloat64())
		}
		vs[i] = retrieval.Normalize(v)
	}
	return vs
}

// ClauseVectors pairs the code's clauses with vectors, hashing each clause's text.
func ClauseVectors(code *rules.Code, vectors [][]float32) []retrieval.ClauseVector {
	cvs := make([]retrieval.ClauseVector, len(code.Clauses))
	for i, cl := range code.Clauses {
		cvs[i] = retrieval.ClauseVector{ClauseID: cl.ID, TextHash: rules.TextHash(cl.Text), Vector: vectors[i]}
	}
	return cvs
}

// Loader stores the vectors a benchmark searches, before its timer starts. A store may load them faster than
// PutClauseVectors does (on PostgreSQL: building the HNSW index after the inserts instead of inserting into it).
type Loader func(tb testing.TB, s Store, space retrieval.Space, versionID int64, vectors []retrieval.ClauseVector)

// BenchmarkSearchClauses measures SearchClauses for 10 hits among 10,000 clauses of 1024 dimensions. load nil
// means PutClauseVectors.
func BenchmarkSearchClauses(b *testing.B, open Open, load Loader) {
	const n, dims = 10000, 1024
	ctx := context.Background()
	s := open(b)
	code := GenerateCode(n, 1)
	v, _, err := s.PutCode(ctx, code, "", benchTime)
	if err != nil {
		b.Fatal(err)
	}
	space, err := s.VectorSpace(ctx, "bench-1024", dims)
	if err != nil {
		b.Fatal(err)
	}
	cvs := ClauseVectors(code, RandomUnitVectors(n, dims, 1))
	if load != nil {
		load(b, s, space, v.ID, cvs)
	} else if err := s.PutClauseVectors(ctx, space, v.ID, cvs); err != nil {
		b.Fatal(err)
	}
	queries := RandomUnitVectors(64, dims, 2)
	// The first search may build caches; steady state is what matters.
	if _, err := s.SearchClauses(ctx, space, v.ID, queries[0], 10); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		hits, err := s.SearchClauses(ctx, space, v.ID, queries[i%len(queries)], 10)
		if err != nil {
			b.Fatal(err)
		}
		if len(hits) != 10 {
			b.Fatalf("%d hits, want 10", len(hits))
		}
	}
}

// BenchmarkPutClauseVectors measures storing the vectors of a fresh version of 10,000 clauses of 1024
// dimensions.
func BenchmarkPutClauseVectors(b *testing.B, open Open) {
	const n, dims = 10000, 1024
	ctx := context.Background()
	s := open(b)
	space, err := s.VectorSpace(ctx, "bench-1024", dims)
	if err != nil {
		b.Fatal(err)
	}
	vectors := RandomUnitVectors(n, dims, 1)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		code := GenerateCode(n, uint64(i)+100)
		v, _, err := s.PutCode(ctx, code, "", benchTime)
		if err != nil {
			b.Fatal(err)
		}
		cvs := ClauseVectors(code, vectors)
		b.StartTimer()
		if err := s.PutClauseVectors(ctx, space, v.ID, cvs); err != nil {
			b.Fatal(err)
		}
	}
}

// unitAt returns the unit vector of dims dimensions at angle deg from axis 0, towards axis a.
func unitAt(dims int, deg float64, a int) []float32 {
	v := make([]float32, dims)
	rad := deg * math.Pi / 180
	v[0] = float32(math.Cos(rad))
	v[a] += float32(math.Sin(rad))
	return v
}

func axis(dims, a int) []float32 {
	v := make([]float32, dims)
	v[a] = 1
	return v
}
