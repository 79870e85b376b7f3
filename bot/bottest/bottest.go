// Package bottest has what tests and benchmarks of the bot share: the real offline retrieval engine on the
// shipped code (with in-memory vectors), in-memory stores, a settable clock, and a bot.Config wiring them.
package bottest

import (
	"context"
	"io"
	"log/slog"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/conductbot/conductbot/bot"
	"github.com/conductbot/conductbot/bot/memstore"
	"github.com/conductbot/conductbot/retrieval"
	"github.com/conductbot/conductbot/rules"
)

// Vectors is an in-memory retrieval.VectorStore and retrieval.CodeSource serving one code version.
type Vectors struct {
	Version *rules.Version

	mu   sync.Mutex
	vecs map[string][]float32
}

// NewVectors serves code as version 1.
func NewVectors(code *rules.Code) *Vectors {
	return &Vectors{Version: &rules.Version{ID: 1, Number: 1, Hash: code.Hash(), InForce: true, Code: code},
		vecs: map[string][]float32{}}
}

// CodeInForce implements retrieval.CodeSource and bot.CodeSource.
func (v *Vectors) CodeInForce(context.Context) (*rules.Version, error) { return v.Version, nil }

// VectorSpace implements retrieval.VectorStore.
func (v *Vectors) VectorSpace(_ context.Context, model string, dims int) (retrieval.Space, error) {
	return retrieval.Space{ID: 1, Model: model, Dims: dims}, nil
}

// IndexedClauses implements retrieval.VectorStore.
func (v *Vectors) IndexedClauses(context.Context, retrieval.Space, int64) (map[string]string, error) {
	return nil, nil
}

// CachedVectors implements retrieval.VectorStore.
func (v *Vectors) CachedVectors(context.Context, retrieval.Space, []string) (map[string][]float32, error) {
	return map[string][]float32{}, nil
}

// PutClauseVectors implements retrieval.VectorStore.
func (v *Vectors) PutClauseVectors(_ context.Context, _ retrieval.Space, _ int64, vs []retrieval.ClauseVector) error {
	v.mu.Lock()
	defer v.mu.Unlock()
	for _, c := range vs {
		v.vecs[c.ClauseID] = c.Vector
	}
	return nil
}

// SearchClauses implements retrieval.VectorStore.
func (v *Vectors) SearchClauses(_ context.Context, _ retrieval.Space, _ int64, q []float32, k int) ([]retrieval.VectorHit, error) {
	v.mu.Lock()
	defer v.mu.Unlock()
	hs := make([]retrieval.VectorHit, 0, len(v.vecs))
	for id, vec := range v.vecs {
		hs = append(hs, retrieval.VectorHit{ClauseID: id, Similarity: retrieval.Dot(q, vec)})
	}
	sort.Slice(hs, func(i, j int) bool {
		if hs[i].Similarity != hs[j].Similarity {
			return hs[i].Similarity > hs[j].Similarity
		}
		return hs[i].ClauseID < hs[j].ClauseID
	})
	if len(hs) > k {
		hs = hs[:k]
	}
	return hs, nil
}

var (
	engineOnce sync.Once
	engine     *retrieval.Engine
	engineErr  error
)

// Engine is the offline retrieval engine on the shipped code, built once per test binary.
func Engine(tb testing.TB) *retrieval.Engine {
	tb.Helper()
	engineOnce.Do(func() {
		v := NewVectors(rules.Shipped())
		engine, engineErr = retrieval.NewEngine(context.Background(), retrieval.Options{Codes: v, Vectors: v})
	})
	if engineErr != nil {
		tb.Fatalf("retrieval engine: %v", engineErr)
	}
	return engine
}

// Clock is a settable clock, safe for concurrent use.
type Clock struct {
	mu sync.Mutex
	t  time.Time
}

// NewClock starts at t.
func NewClock(t time.Time) *Clock { return &Clock{t: t} }

// Now returns the clock's time.
func (c *Clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }

// Advance moves the clock on.
func (c *Clock) Advance(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }

// Start is where test clocks start: a Monday morning in Asia/Shanghai.
var Start = time.Date(2026, 11, 2, 9, 0, 0, 0, time.FixedZone("CST", 8*3600))

// Env is a wired bot on in-memory stores and the real engine.
type Env struct {
	Config bot.Config
	Store  *memstore.Store
	Clock  *Clock
	Router *bot.Router
}

// New wires bot.New for a test: admins are the configured admins; log receives the logs (nil: discarded).
func New(tb testing.TB, log io.Writer, admins ...int64) *Env {
	tb.Helper()
	if log == nil {
		log = io.Discard
	}
	st := memstore.New()
	clock := NewClock(Start)
	eng := Engine(tb)
	cfg := bot.Config{Asker: eng, Code: eng, Users: st, States: st, QA: st, Admins: admins, Now: clock.Now,
		Log: slog.New(slog.NewTextHandler(log, &slog.HandlerOptions{Level: slog.LevelDebug}))}
	rt, err := bot.New(cfg)
	if err != nil {
		tb.Fatal(err)
	}
	return &Env{Config: cfg, Store: st, Clock: clock, Router: rt}
}

// LogBuffer collects log output safely from many goroutines.
type LogBuffer struct {
	mu  sync.Mutex
	buf []byte
}

// Write implements io.Writer.
func (l *LogBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.buf = append(l.buf, p...)
	return len(p), nil
}

// String returns everything written so far.
func (l *LogBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return string(l.buf)
}
