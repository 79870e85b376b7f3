package retrieval_test

import (
	"context"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/conductbot/conductbot/internal/testkit"
	"github.com/conductbot/conductbot/postgres"
	"github.com/conductbot/conductbot/retrieval"
	"github.com/conductbot/conductbot/rules"
	"github.com/conductbot/conductbot/sqlite"
)

var benchQuestions = []string{
	"中午太困了能在窗口趴一会吗", "上班能穿拖鞋吗", "群众骂我怎么办", "可以把群众的电话号码告诉别人吗",
	"接电话先说什么", "男同事能留胡子吗", "窗口可以吃零食吗", "明天会下雨吗", "即办件有什么要求", "1.3.3",
}

// BenchmarkAsk measures one answer in process for the shipped code on SQLite, offline.
func BenchmarkAsk(b *testing.B) {
	e := newEngine(b, openSQLite(b), retrieval.Options{})
	askLoop(b, e)
}

// askLoop times b.N answers to the bench questions and reports their percentiles with the allocations.
func askLoop(b *testing.B, e *retrieval.Engine) {
	ctx := context.Background()
	lat := make([]time.Duration, 0, b.N)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		start := time.Now()
		if _, err := e.Ask(ctx, benchQuestions[i%len(benchQuestions)]); err != nil {
			b.Fatal(err)
		}
		lat = append(lat, time.Since(start))
	}
	b.StopTimer()
	reportPercentiles(b, lat)
}

func reportPercentiles(b *testing.B, lat []time.Duration) {
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	if len(lat) > 0 {
		b.ReportMetric(float64(lat[len(lat)/2].Microseconds()), "p50-µs")
		b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds()), "p99-µs")
	}
}

// BenchmarkBuildEngine measures building the index of the shipped code (lexicon, offline embedder; the vectors
// are already stored) and reports the heap one engine holds.
func BenchmarkBuildEngine(b *testing.B) {
	st := openSQLite(b)
	newEngine(b, st, retrieval.Options{}) // vectors stored once
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		newEngine(b, st, retrieval.Options{})
	}
	b.StopTimer()
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	e := newEngine(b, st, retrieval.Options{})
	runtime.GC()
	runtime.ReadMemStats(&after)
	b.ReportMetric(float64(int64(after.HeapAlloc)-int64(before.HeapAlloc))/1024, "engine-heap-KB")
	runtime.KeepAlive(e)
}

// generatedCode is a code of n clauses made of the shipped code's sentences, shuffled and numbered anew, so that
// the vocabulary is realistic.
func generatedCode(n int) *rules.Code {
	shipped := rules.Shipped()
	var sentences []string
	for _, c := range shipped.Clauses {
		for _, s := range c.Statements {
			sentences = append(sentences, s.Text)
		}
	}
	r := rand.New(rand.NewPCG(1, 2))
	code := &rules.Code{Title: "生成的规范"}
	perSection := 100
	for i := 0; i < n; i++ {
		part, sec, item := i/(perSection*10)+1, (i/perSection)%10+1, i%perSection+1
		if i%(perSection*10) == 0 {
			code.Headings = append(code.Headings, rules.Heading{ID: fmt.Sprint(part), Title: fmt.Sprintf("第%d部分", part)})
		}
		if i%perSection == 0 {
			code.Headings = append(code.Headings, rules.Heading{ID: fmt.Sprintf("%d.%d", part, sec), Title: fmt.Sprintf("第%d节", sec)})
		}
		a, b2 := sentences[r.IntN(len(sentences))], sentences[r.IntN(len(sentences))]
		text := fmt.Sprintf("%s，%s（第%d条）。", a, b2, i)
		code.Clauses = append(code.Clauses, rules.Clause{
			ID: fmt.Sprintf("%d.%d.%d", part, sec, item), Title: fmt.Sprintf("第%d节", sec), Text: text,
			Path: []string{fmt.Sprintf("第%d部分", part), fmt.Sprintf("第%d节", sec)}, Statements: rules.SplitStatements(text),
		})
	}
	return code
}

// big10k holds, per store, the engine over a generated code of 10,000 clauses: building it (embedding and
// indexing 10,000 vectors, minutes on PostgreSQL's HNSW index) happens once, not on each round of b.N.
var big10k = struct {
	sync.Mutex
	engines map[string]*retrieval.Engine
	took    map[string]time.Duration
}{engines: map[string]*retrieval.Engine{}, took: map[string]time.Duration{}}

// BenchmarkAsk10k measures answering over a generated code of 10,000 clauses, on SQLite and (with
// TEST_DATABASE_URL) on PostgreSQL, where vector search runs on the HNSW index.
func BenchmarkAsk10k(b *testing.B) {
	outer := b // stores live as long as the whole benchmark, not one round of a sub-benchmark
	open := map[string]func(b *testing.B) store{
		"sqlite": func(b *testing.B) store {
			dir, err := os.MkdirTemp("", "ask10k")
			if err != nil {
				b.Fatal(err)
			}
			db, err := sqlite.Open(context.Background(), filepath.Join(dir, "big.db"), slog.New(slog.DiscardHandler))
			if err != nil {
				b.Fatal(err)
			}
			return db // kept for the whole run, like the engine
		},
		"postgres": func(b *testing.B) store {
			db, err := postgres.Open(context.Background(), testkit.PostgresURL(b), slog.New(slog.DiscardHandler))
			if err != nil {
				b.Fatal(err)
			}
			return db
		},
	}
	for _, name := range []string{"sqlite", "postgres"} {
		b.Run(name, func(b *testing.B) {
			if name == "postgres" {
				testkit.PostgresBaseURL(b) // skips without TEST_DATABASE_URL
			}
			big10k.Lock()
			e := big10k.engines[name]
			if e == nil {
				st := open[name](outer)
				if _, _, err := st.PutCode(context.Background(), generatedCode(10000), "generated", time.Now()); err != nil {
					big10k.Unlock()
					b.Fatal(err)
				}
				start := time.Now()
				e = newEngine(b, st, retrieval.Options{})
				big10k.engines[name], big10k.took[name] = e, time.Since(start)
			}
			took := big10k.took[name]
			big10k.Unlock()
			askLoop(b, e)
			b.ReportMetric(took.Seconds(), "index-s") // after ResetTimer, which drops reported metrics
		})
	}
}

// sized holds, per store and size, a store with a generated code imported and an engine over it, built once for
// the whole run (on PostgreSQL, indexing 10,000 vectors takes long).
var sized = struct {
	sync.Mutex
	stores  map[string]store
	engines map[string]*retrieval.Engine
	paths   map[string]string // SQLite file, for reopening
	urls    map[string]string // PostgreSQL URL, for reopening
	took    map[string]time.Duration
	owner   map[string]*testing.B // the benchmark whose clean-up drops the store (PostgreSQL test databases)
}{stores: map[string]store{}, engines: map[string]*retrieval.Engine{}, paths: map[string]string{}, urls: map[string]string{},
	took: map[string]time.Duration{}, owner: map[string]*testing.B{}}

// benchSizes are the code sizes of BenchmarkAskSizes; 100,000 clauses only with CONDUCTBOT_BENCH_100K=1 (minutes).
func benchSizes() []int {
	if os.Getenv("CONDUCTBOT_BENCH_100K") == "1" {
		return []int{1000, 10000, 100000}
	}
	return []int{1000, 10000}
}

// openBenchStore opens an empty store of the given kind that outlives the sub-benchmark.
func openBenchStore(outer *testing.B, b *testing.B, kind string) (store, string) {
	switch kind {
	case "sqlite":
		dir, err := os.MkdirTemp("", "bench")
		if err != nil {
			b.Fatal(err)
		}
		path := filepath.Join(dir, "big.db")
		db, err := sqlite.Open(context.Background(), path, slog.New(slog.DiscardHandler))
		if err != nil {
			b.Fatal(err)
		}
		return db, path
	default:
		testkit.PostgresBaseURL(b) // skips without TEST_DATABASE_URL
		url := testkit.PostgresURL(outer)
		db, err := postgres.Open(context.Background(), url, slog.New(slog.DiscardHandler))
		if err != nil {
			b.Fatal(err)
		}
		return db, url
	}
}

// sizedEngine returns the store and engine of a generated code of n clauses on kind, building them the first time.
func sizedEngine(outer *testing.B, b *testing.B, kind string, n int) (*retrieval.Engine, string, time.Duration) {
	key := fmt.Sprint(kind, n)
	sized.Lock()
	defer sized.Unlock()
	if e := sized.engines[key]; e != nil && sized.owner[key] == outer {
		return e, key, sized.took[key]
	}
	st, where := openBenchStore(outer, b, kind)
	if _, _, err := st.PutCode(context.Background(), generatedCode(n), "generated", time.Now()); err != nil {
		b.Fatal(err)
	}
	start := time.Now()
	e := newEngine(b, st, retrieval.Options{})
	sized.stores[key], sized.engines[key], sized.took[key], sized.owner[key] = st, e, time.Since(start), outer
	if kind == "sqlite" {
		sized.paths[key] = where
	} else {
		sized.urls[key] = where
	}
	return e, key, sized.took[key]
}

// BenchmarkAskSizes measures answering over generated codes of 1,000 and 10,000 clauses (and 100,000 with
// CONDUCTBOT_BENCH_100K=1) on SQLite and, with TEST_DATABASE_URL, PostgreSQL; index-s is the first build of
// the engine (lexicon, vectors embedded and stored).
func BenchmarkAskSizes(b *testing.B) {
	outer := b
	for _, kind := range []string{"sqlite", "postgres"} {
		for _, n := range benchSizes() {
			b.Run(fmt.Sprintf("%s/%d", kind, n), func(b *testing.B) {
				e, _, took := sizedEngine(outer, b, kind, n)
				askLoop(b, e)
				b.ReportMetric(took.Seconds(), "index-s")
			})
		}
	}
}

// BenchmarkStartToAnswer measures what a new process does before its first answer over a code of 10,000
// clauses indexed before: open the store, build (or load) the engine, answer one question.
func BenchmarkStartToAnswer(b *testing.B) {
	outer := b
	for _, kind := range []string{"sqlite", "postgres"} {
		b.Run(kind, func(b *testing.B) {
			_, key, _ := sizedEngine(outer, b, kind, 10000)
			ctx := context.Background()
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				var st store
				var err error
				if kind == "sqlite" {
					st, err = sqlite.Open(ctx, sized.paths[key], slog.New(slog.DiscardHandler))
				} else {
					st, err = postgres.Open(ctx, sized.urls[key], slog.New(slog.DiscardHandler))
				}
				if err != nil {
					b.Fatal(err)
				}
				e := newEngine(b, st, retrieval.Options{})
				if _, err := e.Ask(ctx, benchQuestions[0]); err != nil {
					b.Fatal(err)
				}
				switch c := st.(type) {
				case *sqlite.DB:
					c.Close()
				case *postgres.DB:
					c.Close()
				}
			}
		})
	}
}

// BenchmarkImport measures importing a new code of 10,000 clauses (100,000 with CONDUCTBOT_BENCH_100K=1) and
// making it answerable: storing the version, then building the engine (lexicon, vectors, stored index).
func BenchmarkImport(b *testing.B) {
	outer := b
	sizes := []int{10000}
	if os.Getenv("CONDUCTBOT_BENCH_100K") == "1" {
		sizes = append(sizes, 100000)
	}
	for _, kind := range []string{"sqlite", "postgres"} {
		for _, n := range sizes {
			b.Run(fmt.Sprintf("%s/%d", kind, n), func(b *testing.B) {
				st, _ := openBenchStore(outer, b, kind)
				codes := make([]*rules.Code, b.N)
				for i := range codes {
					codes[i] = generatedCode(n)
					codes[i].Title = fmt.Sprintf("生成的规范 %d", i) // a new version each round
				}
				ctx := context.Background()
				b.ResetTimer()
				for i := 0; i < b.N; i++ {
					if _, _, err := st.PutCode(ctx, codes[i], "generated", time.Now()); err != nil {
						b.Fatal(err)
					}
					newEngine(b, st, retrieval.Options{})
				}
			})
		}
	}
}
