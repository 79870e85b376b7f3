-- Per-report aggregates of the answers and findings of spot-check reports, which never change once a report is
-- filed (package inspect has no way to change them): scores read one row a report instead of every item and
-- finding. Rows are made the first time a report is scored; the report's state and window are always read
-- from reports. Derived from report content only: nothing here concerns who filed a report.
CREATE TABLE supervise_report_tallies (
    report_id        text PRIMARY KEY REFERENCES reports (id),
    pass             integer NOT NULL,
    fail             integer NOT NULL,
    unobserved       integer NOT NULL,
    weight_pass      integer NOT NULL,
    weight_observed  integer NOT NULL,
    critical         jsonb NOT NULL,   -- [{"key", "title", "clauses"}] of the critical items answered 不符合, in order
    clauses          text NOT NULL     -- the distinct clause IDs the findings break, comma-separated
);
