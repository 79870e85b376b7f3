package bot_test

import (
	"io"
	"log/slog"
)

func nil2discard() *slog.Logger { return slog.New(slog.DiscardHandler) }

func slogTo(w io.Writer) *slog.Logger { return slog.New(slog.NewTextHandler(w, nil)) }
