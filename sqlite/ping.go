package sqlite

import (
	"context"
	"fmt"
)

// Ping reports whether the store can be written: it takes the write lock and lets it go at once, so a
// database another process holds locked, or a file gone read-only, fails. ctx bounds the wait.
func (db *DB) Ping(ctx context.Context) error {
	errc := make(chan error, 1)
	go func() {
		tx, err := db.db.BeginTx(ctx, nil) // IMMEDIATE: takes the write lock
		if err == nil {
			err = tx.Rollback()
		}
		errc <- err
	}()
	select {
	case err := <-errc:
		if err != nil {
			return fmt.Errorf("sqlite: ping: %w", err)
		}
		return nil
	case <-ctx.Done():
		return fmt.Errorf("sqlite: ping: %w", ctx.Err())
	}
}
