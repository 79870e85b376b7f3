package telegram_test

import (
	"encoding/json"
	"io"
	"log/slog"
)

func jsonUnmarshal(b []byte, v any) error { return json.Unmarshal(b, v) }

func slogTo(w io.Writer) *slog.Logger {
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: slog.LevelDebug}))
}
