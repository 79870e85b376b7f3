package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/conductbot/conductbot/workday"
)

// ClaimRun implements workday.Claims: one statement takes a run nobody holds, one this owner holds, or one
// whose lease ran out; the store's single writer makes it atomic.
func (db *DB) ClaimRun(ctx context.Context, job string, day workday.Date, owner string, now, leaseUntil time.Time) (workday.RunClaim, error) {
	var got string
	err := db.db.QueryRowContext(ctx, `INSERT INTO daily_runs (job, day, owner, lease_until, done) VALUES (?1, ?2, ?3, ?4, 0)
		ON CONFLICT (job, day) DO UPDATE SET owner = excluded.owner, lease_until = excluded.lease_until
		WHERE daily_runs.done = 0 AND (daily_runs.owner = excluded.owner OR daily_runs.lease_until <= ?5)
		RETURNING owner`, job, day.String(), owner, formatTime(leaseUntil), formatTime(now)).Scan(&got)
	if err == nil {
		return workday.Claimed, nil
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return 0, fmt.Errorf("sqlite: claim daily run: %w", err)
	}
	var done bool
	if err := db.db.QueryRowContext(ctx, `SELECT done FROM daily_runs WHERE job = ? AND day = ?`, job, day.String()).Scan(&done); err != nil {
		return 0, fmt.Errorf("sqlite: claim daily run: %w", err)
	}
	if done {
		return workday.Finished, nil
	}
	return workday.Busy, nil
}

// FinishRun implements workday.Claims.
func (db *DB) FinishRun(ctx context.Context, job string, day workday.Date, owner string) error {
	if _, err := db.db.ExecContext(ctx, `UPDATE daily_runs SET done = 1 WHERE job = ? AND day = ?`, job, day.String()); err != nil {
		return fmt.Errorf("sqlite: finish daily run: %w", err)
	}
	return nil
}
