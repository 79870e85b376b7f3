package sqlstore

import (
	"context"
	"time"

	"github.com/conductbot/conductbot/workday"
)

var _ workday.Claims = (*Store)(nil)

// ClaimRun implements workday.Claims: one statement takes a run nobody holds, one this owner holds, or one
// whose lease ran out; SQLite's single writer, or PostgreSQL's row lock of the upsert, makes concurrent claims
// wait for each other.
func (s *Store) ClaimRun(ctx context.Context, job string, day workday.Date, owner string, now, leaseUntil time.Time) (workday.RunClaim, error) {
	var got string
	err := s.db.QueryRowContext(ctx, `INSERT INTO daily_runs (job, day, owner, lease_until, done) VALUES ($1, $2, $3, $4, false)
		ON CONFLICT (job, day) DO UPDATE SET owner = excluded.owner, lease_until = excluded.lease_until
		WHERE NOT daily_runs.done AND (daily_runs.owner = excluded.owner OR daily_runs.lease_until <= $5)
		RETURNING owner`, job, day.String(), owner, s.d.Time(leaseUntil), s.d.Time(now)).Scan(&got)
	if err == nil {
		return workday.Claimed, nil
	}
	if !errNoRows(err) {
		return 0, s.errorf("claim daily run", err)
	}
	var done bool
	if err := s.db.QueryRowContext(ctx, `SELECT done FROM daily_runs WHERE job = $1 AND day = $2`, job, day.String()).Scan(&done); err != nil {
		return 0, s.errorf("claim daily run", err)
	}
	if done {
		return workday.Finished, nil
	}
	return workday.Busy, nil
}

// FinishRun implements workday.Claims.
func (s *Store) FinishRun(ctx context.Context, job string, day workday.Date, owner string) error {
	if _, err := s.db.ExecContext(ctx, `UPDATE daily_runs SET done = true WHERE job = $1 AND day = $2`, job, day.String()); err != nil {
		return s.errorf("finish daily run", err)
	}
	return nil
}
