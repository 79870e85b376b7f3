package sqlstore

import (
	"cmp"
	"context"
	"database/sql"
	"slices"
	"time"

	"github.com/conductbot/conductbot/bot"
)

var _ bot.UpdateInbox = (*Store)(nil)

// seenKept is how many received update IDs update_seen keeps: enough to recognise any redelivery, which comes
// within minutes of the first delivery.
const seenKept = 10000

// PutUpdates implements bot.UpdateInbox in one transaction (one fsync for a batch of getUpdates). Instances
// receiving the same update at once wait for each other on update_seen's unique key: one stores it.
func (s *Store) PutUpdates(ctx context.Context, botID int64, owner string, leaseUntil time.Time, us []bot.RawUpdate) ([]int64, error) {
	if len(us) == 0 {
		return nil, nil
	}
	var fresh []int64
	err := s.tx(ctx, "put updates", nil, func(tx *sql.Tx) error {
		seen := make(map[int64]bool, len(us))
		for _, u := range us {
			if seen[u.ID] {
				continue
			}
			seen[u.ID] = true
			res, err := tx.ExecContext(ctx, `INSERT INTO update_seen (bot_id, update_id) VALUES ($1, $2) ON CONFLICT DO NOTHING`, botID, u.ID)
			if err != nil {
				return err
			}
			if n, err := res.RowsAffected(); err != nil || n == 0 {
				continue
			}
			if _, err := tx.ExecContext(ctx, `INSERT INTO update_inbox (bot_id, update_id, data, owner, lease_until) VALUES ($1, $2, $3, $4, $5)`,
				botID, u.ID, []byte(u.Data), owner, s.d.Time(leaseUntil)); err != nil {
				return err
			}
			fresh = append(fresh, u.ID)
		}
		if len(fresh) > 0 {
			if _, err := tx.ExecContext(ctx, `DELETE FROM update_seen WHERE seq <= (SELECT max(seq) FROM update_seen) - $1`, seenKept); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return fresh, nil
}

// ClaimUpdates implements bot.UpdateInbox in one statement: the rows are chosen and leased at once; rows another
// claim is leasing at the same moment are skipped (Dialect.SkipLocked) or waited for (SQLite's single writer).
func (s *Store) ClaimUpdates(ctx context.Context, botID int64, owner string, now, leaseUntil time.Time, afterID int64, n int) ([]bot.RawUpdate, error) {
	rows, err := s.db.QueryContext(ctx, `UPDATE update_inbox SET owner = $1, lease_until = $2
		WHERE (bot_id, update_id) IN (SELECT bot_id, update_id FROM update_inbox
			WHERE bot_id = $3 AND update_id > $4 AND (owner = $1 OR lease_until <= $5)
			ORDER BY update_id LIMIT $6`+s.d.SkipLocked("")+`)
		RETURNING update_id, data`, owner, s.d.Time(leaseUntil), botID, afterID, s.d.Time(now), n)
	if err != nil {
		return nil, s.errorf("claim updates", err)
	}
	defer rows.Close()
	var out []bot.RawUpdate
	for rows.Next() {
		var u bot.RawUpdate
		var data []byte
		if err := rows.Scan(&u.ID, &data); err != nil {
			return nil, s.errorf("claim updates", err)
		}
		u.Data = data
		out = append(out, u)
	}
	if err := rows.Err(); err != nil {
		return nil, s.errorf("claim updates", err)
	}
	slices.SortFunc(out, func(a, b bot.RawUpdate) int { return cmp.Compare(a.ID, b.ID) })
	return out, nil
}

// DoneUpdate implements bot.UpdateInbox.
func (s *Store) DoneUpdate(ctx context.Context, botID, updateID int64) error {
	if _, err := s.db.ExecContext(ctx, `DELETE FROM update_inbox WHERE bot_id = $1 AND update_id = $2`, botID, updateID); err != nil {
		return s.errorf("done update", err)
	}
	return nil
}
