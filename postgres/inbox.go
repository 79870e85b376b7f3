package postgres

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/conductbot/conductbot/bot"
)

var _ bot.UpdateInbox = (*DB)(nil)

// seenKept is how many received update IDs update_seen keeps: enough to recognise any redelivery, which comes
// within minutes of the first delivery.
const seenKept = 10000

// PutUpdates implements bot.UpdateInbox in one transaction. Instances receiving the same update at once wait
// for each other on update_seen's unique key: one stores it.
func (db *DB) PutUpdates(ctx context.Context, botID int64, owner string, leaseUntil time.Time, us []bot.RawUpdate) ([]int64, error) {
	if len(us) == 0 {
		return nil, nil
	}
	var fresh []int64
	err := pgx.BeginFunc(ctx, db.pool, func(tx pgx.Tx) error {
		seen := map[int64]bool{}
		for _, u := range us {
			if seen[u.ID] {
				continue
			}
			seen[u.ID] = true
			tag, err := tx.Exec(ctx, `INSERT INTO update_seen (bot_id, update_id) VALUES ($1, $2) ON CONFLICT DO NOTHING`, botID, u.ID)
			if err != nil {
				return err
			}
			if tag.RowsAffected() == 0 {
				continue
			}
			if _, err := tx.Exec(ctx, `INSERT INTO update_inbox (bot_id, update_id, data, owner, lease_until) VALUES ($1, $2, $3, $4, $5)`,
				botID, u.ID, []byte(u.Data), owner, leaseUntil); err != nil {
				return err
			}
			fresh = append(fresh, u.ID)
		}
		if len(fresh) > 0 {
			if _, err := tx.Exec(ctx, `DELETE FROM update_seen WHERE seq <= (SELECT max(seq) FROM update_seen) - $1`, seenKept); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("postgres: put updates: %w", err)
	}
	return fresh, nil
}

// ClaimUpdates implements bot.UpdateInbox; rows another claim is leasing at the same moment are skipped.
func (db *DB) ClaimUpdates(ctx context.Context, botID int64, owner string, now, leaseUntil time.Time, afterID int64, limit int) ([]bot.RawUpdate, error) {
	rows, err := db.pool.Query(ctx, `UPDATE update_inbox SET owner = $1, lease_until = $2
		WHERE (bot_id, update_id) IN (SELECT bot_id, update_id FROM update_inbox
			WHERE bot_id = $3 AND update_id > $4 AND (owner = $1 OR lease_until <= $5)
			ORDER BY update_id LIMIT $6 FOR UPDATE SKIP LOCKED)
		RETURNING update_id, data`, owner, leaseUntil, botID, afterID, now, limit)
	if err != nil {
		return nil, fmt.Errorf("postgres: claim updates: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (bot.RawUpdate, error) {
		var u bot.RawUpdate
		var data []byte
		err := r.Scan(&u.ID, &data)
		u.Data = data
		return u, err
	})
	if err != nil {
		return nil, fmt.Errorf("postgres: claim updates: %w", err)
	}
	slices.SortFunc(out, func(a, b bot.RawUpdate) int { return cmp.Compare(a.ID, b.ID) })
	return out, nil
}

// DoneUpdate implements bot.UpdateInbox.
func (db *DB) DoneUpdate(ctx context.Context, botID, updateID int64) error {
	if _, err := db.pool.Exec(ctx, `DELETE FROM update_inbox WHERE bot_id = $1 AND update_id = $2`, botID, updateID); err != nil {
		return fmt.Errorf("postgres: done update: %w", err)
	}
	return nil
}

// Ping reports whether the database answers a query within ctx.
func (db *DB) Ping(ctx context.Context) error {
	var one int
	if err := db.pool.QueryRow(ctx, `SELECT 1`).Scan(&one); err != nil {
		return fmt.Errorf("postgres: ping: %w", err)
	}
	return nil
}
