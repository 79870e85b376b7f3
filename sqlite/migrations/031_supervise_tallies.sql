-- Per-report aggregates of the answers and findings of spot-check reports, which never change once a report is
-- filed (package inspect has no way to change them): scores read one row a report instead of every item and
-- finding. Rows are made the first time a report is scored; the report's state and window are always read
-- from reports. Derived from report content only: nothing here concerns who filed a report.
CREATE TABLE supervise_report_tallies (
    report_id        TEXT PRIMARY KEY REFERENCES reports (id),
    pass             INTEGER NOT NULL,
    fail             INTEGER NOT NULL,
    unobserved       INTEGER NOT NULL,
    weight_pass      INTEGER NOT NULL,
    weight_observed  INTEGER NOT NULL,
    critical         TEXT NOT NULL CHECK (json_valid(critical)),  -- [{"key", "title", "clauses"}] of the critical items answered 不符合, in order
    clauses          TEXT NOT NULL     -- the distinct clause IDs the findings break, comma-separated
) STRICT, WITHOUT ROWID;
