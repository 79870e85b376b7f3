package bot

import "log/slog"

const (
	slogWarn = slog.LevelWarn
	slogInfo = slog.LevelInfo
)

func errAttr(err error) slog.Attr { return slog.String("error", err.Error()) }

// roleAttrs describe a role change for the log without naming who: logs carry no user identities.
func roleAttrs(role Role, on bool) []slog.Attr {
	return []slog.Attr{slog.String("role", role.String()), slog.Bool("granted", on)}
}
