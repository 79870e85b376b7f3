package main

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"time"

	"github.com/conductbot/conductbot/config"
)

// Main is the whole program, wired: configuration, store, retrieval engine. Subcommands open what they need;
// tests start it with their own streams and environment.
type Main struct {
	Config *config.Config
	Log    *slog.Logger
	Now    func() time.Time

	Stdin          io.Reader
	Stdout, Stderr io.Writer

	closers []func() error
}

// NewMain returns a Main that has read nothing yet.
func NewMain(stdin io.Reader, stdout, stderr io.Writer) *Main {
	return &Main{Stdin: stdin, Stdout: stdout, Stderr: stderr, Now: time.Now, Log: newLogger(stderr, "info")}
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
	m.Log = newLogger(m.Stderr, c.LogLevel)
	return nil
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

var _ = context.Background
