-- Scores read the reports of a month with their state, window and half-day: a covering index allows index-only
-- scans instead of a visit to each report's row. An index on the spot-check table, owned here because only
-- supervision reads reports this way.
CREATE INDEX supervise_reports_scores ON reports (visit_date, state) INCLUDE (window_id, half_day, id);
