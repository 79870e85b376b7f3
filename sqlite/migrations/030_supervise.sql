-- Supervision (package supervise): the responsible person of each window, rectifications of the findings of
-- confirmed reports with their photos and full history, the monthly evaluation adjustments (suggested and final,
-- every revision kept), and the claims of the daily jobs. Days are TEXT 'YYYY-MM-DD' in CONDUCTBOT_TZ.
--
-- Anonymity (DESIGN.md): these tables name window heads (supervise_heads.user_id), never inspectors; no table here
-- refers to the inspector registry, and none is named report_*: they hold what supervisors and windows did, not
-- what an inspector filed. A rectification refers to its report and finding only.

-- The responsible person of a window (窗口负责人), registered by an admin.
CREATE TABLE supervise_heads (
    window_id   INTEGER PRIMARY KEY REFERENCES inspect_windows (id),
    user_id     INTEGER NOT NULL,                   -- Telegram user ID of the responsible person
    since       TEXT NOT NULL                       -- day registered
) STRICT;
CREATE INDEX supervise_heads_user ON supervise_heads (user_id);

-- A window's duty to put one finding of a confirmed report right by a deadline (working days).
CREATE TABLE supervise_rectifications (
    id          TEXT PRIMARY KEY,                   -- random
    report_id   TEXT NOT NULL REFERENCES reports (id),
    finding_no  INTEGER NOT NULL,
    window_id   INTEGER NOT NULL REFERENCES inspect_windows (id),
    title       TEXT NOT NULL,
    clauses     TEXT NOT NULL CHECK (json_valid(clauses)),  -- []string
    critical    INTEGER NOT NULL CHECK (critical IN (0, 1)),
    state       TEXT NOT NULL CHECK (state IN ('open', 'submitted', 'accepted')),
    required    TEXT NOT NULL,
    deadline    TEXT NOT NULL,
    reply       TEXT NOT NULL DEFAULT '',           -- the latest answer
    replied     TEXT,
    closed      TEXT,                               -- accepted on
    notified    TEXT,                               -- the head was last told on
    round       INTEGER NOT NULL DEFAULT 0          -- answers submitted
) STRICT, WITHOUT ROWID;
-- One unfinished rectification per finding.
CREATE UNIQUE INDEX supervise_rect_unfinished ON supervise_rectifications (report_id, finding_no) WHERE state <> 'accepted';
CREATE INDEX supervise_rect_window ON supervise_rectifications (window_id, deadline);
CREATE INDEX supervise_rect_state ON supervise_rectifications (state, deadline);

-- Every step of a rectification: required, submitted, accepted, returned.
CREATE TABLE supervise_rect_events (
    rect_id     TEXT NOT NULL REFERENCES supervise_rectifications (id),
    no          INTEGER NOT NULL,
    action      TEXT NOT NULL CHECK (action IN ('required', 'submitted', 'accepted', 'returned')),
    note        TEXT NOT NULL DEFAULT '',
    deadline    TEXT,
    on_day      TEXT NOT NULL,
    PRIMARY KEY (rect_id, no)
) STRICT, WITHOUT ROWID;

-- Photos of the heads' answers, re-encoded without metadata; round 0 while the answer is being written.
CREATE TABLE supervise_rect_photos (
    id          TEXT PRIMARY KEY,                   -- random
    rect_id     TEXT NOT NULL REFERENCES supervise_rectifications (id),
    round       INTEGER NOT NULL DEFAULT 0,
    ord         INTEGER NOT NULL DEFAULT 0,
    width       INTEGER NOT NULL,
    height      INTEGER NOT NULL,
    bytes       INTEGER NOT NULL,
    data        BLOB NOT NULL                       -- JPEG
) STRICT, WITHOUT ROWID;
CREATE INDEX supervise_rect_photos_rect ON supervise_rect_photos (rect_id, round, ord);

-- Monthly evaluation adjustments: the suggestion of the scale and the supervisor's final figure with reason.
CREATE TABLE supervise_adjustments (
    window_id   INTEGER NOT NULL REFERENCES inspect_windows (id),
    month       TEXT NOT NULL CHECK (month GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]'),
    rev         INTEGER NOT NULL,
    compliance  REAL,                               -- when decided; NULL without observations
    suggested   INTEGER NOT NULL CHECK (suggested BETWEEN -5 AND 5),
    final       REAL NOT NULL CHECK (final BETWEEN -5 AND 5),
    reason      TEXT NOT NULL,
    decided     TEXT NOT NULL,
    PRIMARY KEY (window_id, month, rev)
) STRICT, WITHOUT ROWID;

-- Daily jobs that ran (the supervisors' overdue list): one instance sends each day's.
CREATE TABLE supervise_daily (
    kind        TEXT NOT NULL,
    day         TEXT NOT NULL,
    PRIMARY KEY (kind, day)
) STRICT, WITHOUT ROWID;
