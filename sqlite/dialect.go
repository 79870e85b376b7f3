package sqlite

import (
	"context"
	"time"

	"github.com/conductbot/conductbot/sqlstore"
)

// dialect is how the shared store (sqlstore) speaks SQLite.
type dialect struct{ db *DB }

var _ sqlstore.Dialect = dialect{}

func (dialect) Name() string { return "sqlite" }

// Time stores times as fixed-width UTC text (sqlstore.TimeLayout), which sorts as time does.
func (dialect) Time(t time.Time) any { return formatTime(t) }

// IsUniqueViolation is SQLite's UNIQUE or PRIMARY KEY constraint failure.
func (dialect) IsUniqueViolation(err error) bool { return isUniqueViolation(err) }

// SkipLocked is empty: writers take turns (every transaction begins IMMEDIATE), nothing is locked to skip.
func (dialect) SkipLocked() string { return "" }

// Serialize is empty: every transaction begins IMMEDIATE, so writers take turns.
func (dialect) Serialize(table string) string { return "" }

// ForUpdate is empty: the transaction holds the write lock from its start.
func (dialect) ForUpdate() string { return "" }

// Scrub checkpoints the write-ahead log: the frames of earlier versions of the pages leave the data directory
// (secure_delete cleans the database file itself).
func (d dialect) Scrub(ctx context.Context, tables ...string) error { return d.db.checkpoint(ctx) }
