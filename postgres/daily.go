package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/conductbot/conductbot/workday"
)

// ClaimRun implements workday.Claims: one statement takes a run nobody holds, one this owner holds, or one
// whose lease ran out; the row lock of the upsert makes concurrent claims wait for each other.
func (db *DB) ClaimRun(ctx context.Context, job string, day workday.Date, owner string, now, leaseUntil time.Time) (workday.RunClaim, error) {
	var got string
	err := db.pool.QueryRow(ctx, `INSERT INTO daily_runs (job, day, owner, lease_until, done) VALUES ($1, $2, $3, $4, false)
		ON CONFLICT (job, day) DO UPDATE SET owner = excluded.owner, lease_until = excluded.lease_until
		WHERE NOT daily_runs.done AND (daily_runs.owner = excluded.owner OR daily_runs.lease_until <= $5)
		RETURNING owner`, job, day.String(), owner, leaseUntil, now).Scan(&got)
	if err == nil {
		return workday.Claimed, nil
	}
	if !errors.Is(err, pgx.ErrNoRows) {
		return 0, fmt.Errorf("postgres: claim daily run: %w", err)
	}
	var done bool
	if err := db.pool.QueryRow(ctx, `SELECT done FROM daily_runs WHERE job = $1 AND day = $2`, job, day.String()).Scan(&done); err != nil {
		return 0, fmt.Errorf("postgres: claim daily run: %w", err)
	}
	if done {
		return workday.Finished, nil
	}
	return workday.Busy, nil
}

// FinishRun implements workday.Claims.
func (db *DB) FinishRun(ctx context.Context, job string, day workday.Date, owner string) error {
	if _, err := db.pool.Exec(ctx, `UPDATE daily_runs SET done = true WHERE job = $1 AND day = $2`, job, day.String()); err != nil {
		return fmt.Errorf("postgres: finish daily run: %w", err)
	}
	return nil
}
