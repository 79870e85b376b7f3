package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"

	_ "time/tzdata" // CONDUCTBOT_TZ works on machines without a zoneinfo database

	"github.com/conductbot/conductbot/config"
	"github.com/conductbot/conductbot/inspect"
	"github.com/conductbot/conductbot/postgres"
	"github.com/conductbot/conductbot/retrieval"
	"github.com/conductbot/conductbot/rules"
	"github.com/conductbot/conductbot/sqlite"
	"github.com/conductbot/conductbot/workday"
)

// Store is everything the program keeps: the PostgreSQL and SQLite stores both implement it. Capabilities add
// their store interfaces here.
type Store interface {
	rules.Store
	retrieval.VectorStore
	retrieval.LessonCache
}

// Main is the whole program, wired: configuration, store, retrieval engine. Subcommands open what they need;
// tests start it with their own streams and environment.
type Main struct {
	Config *config.Config
	Log    *slog.Logger
	Clock  workday.Clock // the program's time; workday.System but in tests

	Stdin          io.Reader
	Stdout, Stderr io.Writer

	Store  Store
	Engine *retrieval.Engine

	// DefaultLogLevel applies when LOG_LEVEL is not set: info for the bot, warn for one-shot commands whose
	// output is their answer.
	DefaultLogLevel string

	closers []func() error
	sealKey []byte // SealKey's, once read
}

// NewMain returns a Main on clock that has read nothing yet.
func NewMain(clock workday.Clock, stdin io.Reader, stdout, stderr io.Writer) *Main {
	return &Main{Stdin: stdin, Stdout: stdout, Stderr: stderr, Clock: clock, Log: newLogger(stderr, "info"), DefaultLogLevel: "info"}
}

// LoadConfig reads the environment once; subcommands call it first.
func (m *Main) LoadConfig() error {
	if m.Config != nil {
		return nil
	}
	c, err := config.FromEnv()
	if err != nil {
		return err
	}
	m.Config = c
	level := c.LogLevel
	if level == "" {
		level = m.DefaultLogLevel
	}
	m.Log = newLogger(m.Stderr, level)
	return nil
}

// OpenStore opens PostgreSQL when DATABASE_URL is set, else the embedded SQLite store under CONDUCTBOT_DATA_DIR,
// bringing its schema up to date either way.
func (m *Main) OpenStore(ctx context.Context) error {
	if m.Store != nil {
		return nil
	}
	if err := m.LoadConfig(); err != nil {
		return err
	}
	if m.Config.DatabaseURL != "" {
		db, err := postgres.Open(ctx, m.Config.DatabaseURL, m.Log)
		if err != nil {
			return fmt.Errorf("open PostgreSQL: %w", err)
		}
		m.onClose(func() error { db.Close(); return nil })
		m.Store = db
		return nil
	}
	if err := os.MkdirAll(m.Config.DataDir, 0o700); err != nil {
		return fmt.Errorf("data directory: %w", err)
	}
	db, err := sqlite.Open(ctx, m.Config.SQLitePath(), m.Log)
	if err != nil {
		return fmt.Errorf("open %s: %w", m.Config.SQLitePath(), err)
	}
	m.onClose(db.Close)
	m.Store = db
	return nil
}

// Open opens the store, imports the shipped code when no code was ever imported, and builds the retrieval
// engine (offline, plus the OpenAI-compatible embedder and answer writer when configured).
func (m *Main) Open(ctx context.Context) error {
	if m.Engine != nil {
		return nil
	}
	if err := m.OpenStore(ctx); err != nil {
		return err
	}
	if err := m.ensureCode(ctx); err != nil {
		return err
	}
	opts := retrieval.Options{Codes: m.Store, Vectors: m.Store, Log: m.Log}
	c := m.Config
	oc := retrieval.OpenAIConfig{APIKey: c.OpenAIAPIKey, BaseURL: c.OpenAIBaseURL, EmbeddingModel: c.EmbeddingModel, ChatModel: c.ChatModel, Log: m.Log}
	if c.OpenAIEnabled() {
		emb, err := retrieval.NewOpenAIEmbedder(oc)
		if err != nil {
			return fmt.Errorf("embedder: %w", err)
		}
		opts.Remote = emb
	}
	if c.LLMEnabled() {
		w, err := retrieval.NewOpenAIAnswerWriter(oc)
		if err != nil {
			return fmt.Errorf("answer writer: %w", err)
		}
		opts.Writer = w
	}
	e, err := retrieval.NewEngine(ctx, opts)
	if err != nil {
		return err
	}
	m.Engine = e
	return nil
}

// ensureCode imports the shipped code when no code was ever imported.
func (m *Main) ensureCode(ctx context.Context) error {
	if _, err := m.Store.CodeInForce(ctx); errors.Is(err, rules.ErrNotFound) {
		v, _, err := m.Store.PutCode(ctx, rules.Shipped(), rules.ShippedSource, m.Clock.Now())
		if err != nil {
			return fmt.Errorf("import the shipped code: %w", err)
		}
		m.Log.Info("imported the shipped code", "version", v.Number, "clauses", len(v.Code.Clauses))
	} else if err != nil {
		return fmt.Errorf("code in force: %w", err)
	}
	return nil
}

// SealKey is the key of CONDUCTBOT_SEAL_KEY_FILE, read once: it seals report drafts, waiting receipts and the
// update inbox, outside the database and the data dir; the first start makes it.
func (m *Main) SealKey(ctx context.Context) ([]byte, error) {
	if m.sealKey != nil {
		return m.sealKey, nil
	}
	if err := m.LoadConfig(); err != nil {
		return nil, err
	}
	key, created, err := inspect.LoadSealKey(m.Config.SealKeyFile)
	if err != nil {
		return nil, fmt.Errorf("CONDUCTBOT_SEAL_KEY_FILE: %w", err)
	}
	if created {
		m.Log.LogAttrs(ctx, slog.LevelWarn, "inspect: created a new seal key file for report drafts; back it up apart from the data",
			slog.String("file", m.Config.SealKeyFile))
	}
	m.sealKey = key
	return key, nil
}

// onClose registers f to run, in reverse order, when Main closes.
func (m *Main) onClose(f func() error) { m.closers = append(m.closers, f) }

// Close releases what Open acquired.
func (m *Main) Close() error {
	var errs []error
	for i := len(m.closers) - 1; i >= 0; i-- {
		errs = append(errs, m.closers[i]())
	}
	m.closers = nil
	return errors.Join(errs...)
}
