-- One table of daily runs for every daily job (workday.Daily): the overdue rectifications, the reminders'
-- calendar notices, and any job added later. A run is claimed by one instance under a lease, and marked done.
-- A zero day ('') is a run that happens once in all (a notice). It replaces supervise_daily and remind_notices.
CREATE TABLE daily_runs (
    job         TEXT NOT NULL,
    day         TEXT NOT NULL,
    owner       TEXT NOT NULL,
    lease_until TEXT NOT NULL,
    done        INTEGER NOT NULL DEFAULT 0 CHECK (done IN (0, 1)),
    PRIMARY KEY (job, day)
) STRICT, WITHOUT ROWID;

INSERT INTO daily_runs (job, day, owner, lease_until, done)
    SELECT 'supervise.' || kind, day, 'migrated', '', 1 FROM supervise_daily;
INSERT INTO daily_runs (job, day, owner, lease_until, done)
    SELECT key, '', 'migrated', '', 1 FROM remind_notices;

DROP TABLE supervise_daily;
DROP TABLE remind_notices;
