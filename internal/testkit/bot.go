// The bot wired for a test (NewBot): a bot.Config on the real offline retrieval engine and the real SQLite store
// (in memory, the shipped code in force; see stores.go), and a log buffer.

package testkit

import (
	"io"
	"log/slog"
	"sync"
	"testing"

	"github.com/conductbot/conductbot/bot"
	"github.com/conductbot/conductbot/qa"
	"github.com/conductbot/conductbot/retrieval"
	"github.com/conductbot/conductbot/sqlite"
)

// Start is where test clocks start: a Monday morning in Asia/Shanghai, when the tests' stores imported the
// shipped code.
var Start = Imported

// Env is a wired bot on the real SQLite store (in memory) and the real engine on that store.
type Env struct {
	Config bot.Config
	QA     qa.Config
	Store  *sqlite.DB
	Engine *retrieval.Engine
	Clock  *Clock
	Router *bot.Router
}

// NewBot wires bot.New for a test, as `conductbot serve` does, on a fresh in-memory SQLite store with the shipped
// code in force: admins are the configured admins; log receives the logs (nil: discarded).
func NewBot(tb testing.TB, log io.Writer, admins ...int64) *Env {
	tb.Helper()
	if log == nil {
		log = io.Discard
	}
	st := SQLite(tb)
	clock := NewClock(Start)
	eng := Engine(tb, st)
	cfg := bot.Config{Users: st, States: st, Admins: admins, Now: clock.Now,
		Log: slog.New(slog.NewTextHandler(log, &slog.HandlerOptions{Level: slog.LevelDebug}))}
	q := qa.Config{Asker: eng, Code: eng, QA: st, Lessons: st, Learner: eng}
	return &Env{Config: cfg, QA: q, Store: st, Engine: eng, Clock: clock, Router: Router(tb, cfg, q)}
}

// Router wires bot.New and qa.Register, as `conductbot serve` does.
func Router(tb testing.TB, c bot.Config, q qa.Config) *bot.Router {
	tb.Helper()
	rt, err := bot.New(c)
	if err != nil {
		tb.Fatal(err)
	}
	if err := qa.Register(rt, q); err != nil {
		tb.Fatal(err)
	}
	return rt
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
