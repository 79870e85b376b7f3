package postgres

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/conductbot/conductbot/sqlstore"
)

// dialect is how the shared store (sqlstore) speaks PostgreSQL.
type dialect struct{ db *DB }

var _ sqlstore.Dialect = dialect{}

func (dialect) Name() string { return "postgres" }

// Time passes times as they are: the columns are timestamptz.
func (dialect) Time(t time.Time) any { return t }

// IsUniqueViolation is SQLSTATE 23505.
func (dialect) IsUniqueViolation(err error) bool { return isUnique(err) }

// SkipLocked lets concurrent claims take different rows instead of waiting for each other.
func (dialect) SkipLocked() string { return " FOR UPDATE SKIP LOCKED" }

// Serialize takes SHARE ROW EXCLUSIVE on table: it conflicts with itself and with writers, not with readers.
func (dialect) Serialize(table string) string {
	return "LOCK TABLE " + pgx.Identifier{table}.Sanitize() + " IN SHARE ROW EXCLUSIVE MODE"
}

// ForUpdate locks the rows read against concurrent transactions.
func (dialect) ForUpdate() string { return " FOR UPDATE" }

// Scrub vacuums the tables, so that no dead tuple keeps the rows' earlier versions.
func (d dialect) Scrub(ctx context.Context, tables ...string) error {
	if len(tables) == 0 {
		return nil
	}
	ids := make([]string, len(tables))
	for i, t := range tables {
		ids[i] = pgx.Identifier{t}.Sanitize()
	}
	if _, err := d.db.pool.Exec(ctx, `VACUUM `+strings.Join(ids, ", ")); err != nil {
		return fmt.Errorf("postgres: vacuum %s: %w", strings.Join(tables, ", "), err)
	}
	return nil
}
