-- Supervision (package supervise): the responsible person of each window, rectifications of the findings of
-- confirmed reports with their photos and full history, the monthly evaluation adjustments (suggested and final,
-- every revision kept), and the claims of the daily jobs. Days are date in CONDUCTBOT_TZ.
--
-- Anonymity (DESIGN.md): these tables name window heads (supervise_heads.user_id), never inspectors; no table here
-- refers to the inspector registry, and none is named report_*: they hold what supervisors and windows did, not
-- what an inspector filed. A rectification refers to its report and finding only.

-- The responsible person of a window (窗口负责人), registered by an admin.
CREATE TABLE supervise_heads (
    window_id   bigint PRIMARY KEY REFERENCES inspect_windows (id),
    user_id     bigint NOT NULL,                    -- Telegram user ID of the responsible person
    since       date NOT NULL                       -- day registered
);
CREATE INDEX supervise_heads_user ON supervise_heads (user_id);

-- A window's duty to put one finding of a confirmed report right by a deadline (working days).
CREATE TABLE supervise_rectifications (
    id          text PRIMARY KEY,                   -- random
    report_id   text NOT NULL REFERENCES reports (id),
    finding_no  integer NOT NULL,
    window_id   bigint NOT NULL REFERENCES inspect_windows (id),
    title       text NOT NULL,
    clauses     jsonb NOT NULL,                     -- []string
    critical    boolean NOT NULL,
    state       text NOT NULL CHECK (state IN ('open', 'submitted', 'accepted')),
    required    date NOT NULL,
    deadline    date NOT NULL,
    reply       text NOT NULL DEFAULT '',           -- the latest answer
    replied     date,
    closed      date,                               -- accepted on
    notified    date,                               -- the head was last told on
    round       integer NOT NULL DEFAULT 0          -- answers submitted
);
-- One unfinished rectification per finding.
CREATE UNIQUE INDEX supervise_rect_unfinished ON supervise_rectifications (report_id, finding_no) WHERE state <> 'accepted';
CREATE INDEX supervise_rect_window ON supervise_rectifications (window_id, deadline);
CREATE INDEX supervise_rect_state ON supervise_rectifications (state, deadline);

-- Every step of a rectification: required, submitted, accepted, returned.
CREATE TABLE supervise_rect_events (
    rect_id     text NOT NULL REFERENCES supervise_rectifications (id),
    no          integer NOT NULL,
    action      text NOT NULL CHECK (action IN ('required', 'submitted', 'accepted', 'returned')),
    note        text NOT NULL DEFAULT '',
    deadline    date,
    on_day      date NOT NULL,
    PRIMARY KEY (rect_id, no)
);

-- Photos of the heads' answers, re-encoded without metadata; round 0 while the answer is being written.
CREATE TABLE supervise_rect_photos (
    id          text PRIMARY KEY,                   -- random
    rect_id     text NOT NULL REFERENCES supervise_rectifications (id),
    round       integer NOT NULL DEFAULT 0,
    ord         integer NOT NULL DEFAULT 0,
    width       integer NOT NULL,
    height      integer NOT NULL,
    bytes       integer NOT NULL,
    data        bytea NOT NULL                      -- JPEG
);
CREATE INDEX supervise_rect_photos_rect ON supervise_rect_photos (rect_id, round, ord);

-- Monthly evaluation adjustments: the suggestion of the scale and the supervisor's final figure with reason.
CREATE TABLE supervise_adjustments (
    window_id   bigint NOT NULL REFERENCES inspect_windows (id),
    month       text NOT NULL CHECK (month ~ '^[0-9]{4}-[0-9]{2}$'),
    rev         integer NOT NULL,
    compliance  double precision,                   -- when decided; NULL without observations
    suggested   integer NOT NULL CHECK (suggested BETWEEN -5 AND 5),
    final       double precision NOT NULL CHECK (final BETWEEN -5 AND 5),
    reason      text NOT NULL,
    decided     date NOT NULL,
    PRIMARY KEY (window_id, month, rev)
);

-- Daily jobs that ran (the supervisors' overdue list): one instance sends each day's.
CREATE TABLE supervise_daily (
    kind        text NOT NULL,
    day         date NOT NULL,
    PRIMARY KEY (kind, day)
);
