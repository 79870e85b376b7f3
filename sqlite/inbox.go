package sqlite

import (
	"context"
	"fmt"

	"time"

	"github.com/conductbot/conductbot/bot"
)

var _ bot.UpdateInbox = (*DB)(nil)

// seenKept is how many received update IDs update_seen keeps: enough to recognise any redelivery, which comes
// within minutes of the first delivery.
const seenKept = 10000

// PutUpdates implements bot.UpdateInbox in one IMMEDIATE transaction (one fsync for a batch of getUpdates).
func (db *DB) PutUpdates(ctx context.Context, botID int64, owner string, leaseUntil time.Time, us []bot.RawUpdate) ([]int64, error) {
	if len(us) == 0 {
		return nil, nil
	}
	tx, err := db.db.BeginTx(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("sqlite: put updates: %w", err)
	}
	defer tx.Rollback()
	var fresh []int64
	for _, u := range us {
		res, err := tx.ExecContext(ctx, `INSERT INTO update_seen (bot_id, update_id) VALUES (?, ?) ON CONFLICT DO NOTHING`, botID, u.ID)
		if err != nil {
			return nil, fmt.Errorf("sqlite: put updates: %w", err)
		}
		if n, err := res.RowsAffected(); err != nil || n == 0 {
			continue
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO update_inbox (bot_id, update_id, data, owner, lease_until) VALUES (?, ?, ?, ?, ?)`,
			botID, u.ID, []byte(u.Data), owner, formatTime(leaseUntil)); err != nil {
			return nil, fmt.Errorf("sqlite: put updates: %w", err)
		}
		fresh = append(fresh, u.ID)
	}
	if len(fresh) > 0 {
		if _, err := tx.ExecContext(ctx, `DELETE FROM update_seen WHERE seq <= (SELECT max(seq) FROM update_seen) - ?`, seenKept); err != nil {
			return nil, fmt.Errorf("sqlite: prune seen updates: %w", err)
		}
	}
	if err := tx.Commit(); err != nil {
		return nil, fmt.Errorf("sqlite: put updates: %w", err)
	}
	return fresh, nil
}

// ClaimUpdates implements bot.UpdateInbox: the rows are read and leased in one transaction, the store's
// single writer keeping instances from claiming the same row.
func (db *DB) ClaimUpdates(ctx context.Context, botID int64, owner string, now, leaseUntil time.Time, afterID int64, limit int) ([]bot.RawUpdate, error) {
	tx, err := db.db.BeginTx(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("sqlite: claim updates: %w", err)
	}
	defer tx.Rollback()
	rows, err := tx.QueryContext(ctx, `SELECT update_id, data FROM update_inbox
		WHERE bot_id = ? AND update_id > ? AND (owner = ? OR lease_until <= ?) ORDER BY update_id LIMIT ?`,
		botID, afterID, owner, formatTime(now), limit)
	if err != nil {
		return nil, fmt.Errorf("sqlite: claim updates: %w", err)
	}
	var out []bot.RawUpdate
	for rows.Next() {
		var u bot.RawUpdate
		var data []byte
		if err := rows.Scan(&u.ID, &data); err != nil {
			rows.Close()
			return nil, fmt.Errorf("sqlite: claim updates: %w", err)
		}
		u.Data = data
		out = append(out, u)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: claim updates: %w", err)
	}
	if len(out) == 0 {
		return nil, nil
	}
	if _, err := tx.ExecContext(ctx, `UPDATE update_inbox SET owner = ?, lease_until = ?
		WHERE bot_id = ? AND update_id > ? AND update_id <= ? AND (owner = ? OR lease_until <= ?)`,
		owner, formatTime(leaseUntil), botID, afterID, out[len(out)-1].ID, owner, formatTime(now)); err != nil {
		return nil, fmt.Errorf("sqlite: claim updates: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return nil, fmt.Errorf("sqlite: claim updates: %w", err)
	}
	return out, nil
}

// DoneUpdate implements bot.UpdateInbox. secure_delete overwrites the row's bytes in the file.
func (db *DB) DoneUpdate(ctx context.Context, botID, updateID int64) error {
	if _, err := db.db.ExecContext(ctx, `DELETE FROM update_inbox WHERE bot_id = ? AND update_id = ?`, botID, updateID); err != nil {
		return fmt.Errorf("sqlite: done update: %w", err)
	}
	return nil
}

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
