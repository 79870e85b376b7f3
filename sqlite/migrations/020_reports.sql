-- Spot-check reports (package inspect): windows, checklist revisions, the inspector registry, reports with their
-- items, findings, photos, supplements and state history, and the supervisors' notification outbox. Days are
-- TEXT 'YYYY-MM-DD' in CONDUCTBOT_TZ; times follow the conventions of 001_rules.sql.
--
-- Anonymity (DESIGN.md): the inspector registry (inspectors, inspector_invites, inspector_lockouts) is the only
-- place that names Telegram users, and no report table refers to it. Report tables hold no user or chat ID, no
-- username or name, nothing derived from them, and no time of day: a report keeps the day and half-day of the
-- visit and the day it was filed. Report and photo IDs are random; the report tables are WITHOUT ROWID, so
-- that not even a hidden row number keeps the order in which reports or photos came in. A draft's photos are
-- keyed by the draft's random ID (never the chat) until the report is filed; filing moves them to the report
-- and clears the draft ID.

-- The center's windows. Never deleted: old reports name them.
CREATE TABLE inspect_windows (
    id          INTEGER PRIMARY KEY,
    no          TEXT NOT NULL UNIQUE,               -- the number on the window, "3"
    name        TEXT NOT NULL,                      -- 不动产登记
    active      INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1))
) STRICT;

-- Revisions of the checklist; the newest is in force. Each cites the clauses of one code version.
CREATE TABLE inspect_checklists (
    id              INTEGER PRIMARY KEY,
    number          INTEGER NOT NULL UNIQUE,
    code_version_id INTEGER NOT NULL REFERENCES code_versions (id),
    items           TEXT NOT NULL CHECK (json_valid(items)),   -- []inspect.Item
    created         TEXT NOT NULL                              -- day
) STRICT;

-- The inspector registry: who may file reports, shown to admins by a neutral label (暗访员07).
CREATE TABLE inspectors (
    user_id     INTEGER PRIMARY KEY,                -- Telegram user ID
    no          INTEGER NOT NULL UNIQUE,            -- the label's number
    joined      TEXT NOT NULL,                      -- day
    revoked     TEXT                                -- day; NULL while active
) STRICT;

-- One-time invite codes, by the SHA-256 of the code (inspect.InviteHash): the codes themselves are not kept.
CREATE TABLE inspector_invites (
    hash        TEXT PRIMARY KEY,
    created     TEXT NOT NULL,                      -- day
    expires_at  TEXT NOT NULL,
    used        INTEGER NOT NULL DEFAULT 0 CHECK (used IN (0, 1))   -- redeemed or burnt
) STRICT, WITHOUT ROWID;

-- Chats that sent wrong invite codes: ten in an hour lock the chat out for an hour.
CREATE TABLE inspector_lockouts (
    chat_id       INTEGER PRIMARY KEY,
    since         TEXT NOT NULL,                    -- first failure of the current window
    failures      INTEGER NOT NULL,
    locked_until  TEXT
) STRICT;

CREATE TABLE reports (
    id              TEXT PRIMARY KEY,               -- random (inspect.NewID)
    window_id       INTEGER NOT NULL REFERENCES inspect_windows (id),
    window_label    TEXT NOT NULL,                  -- the window's label when filed
    visit_date      TEXT NOT NULL,                  -- day of the visit
    half_day        TEXT NOT NULL CHECK (half_day IN ('am', 'pm')),
    filed           TEXT NOT NULL,                  -- day it was filed: no time of day
    code_version_id INTEGER NOT NULL REFERENCES code_versions (id),
    checklist_id    INTEGER NOT NULL REFERENCES inspect_checklists (id),
    description     TEXT NOT NULL DEFAULT '',
    state           TEXT NOT NULL CHECK (state IN ('pending', 'confirmed', 'rejected', 'rectifying', 'rectified')),
    state_reason    TEXT NOT NULL DEFAULT '',
    changed         TEXT NOT NULL,                  -- day of the last state change
    receipt_hash    TEXT NOT NULL UNIQUE            -- inspect.ReceiptHash of the receipt code
) STRICT, WITHOUT ROWID;
CREATE INDEX reports_visit ON reports (visit_date, half_day);
CREATE INDEX reports_window ON reports (window_id, visit_date);

-- Every checklist item of a report as it stood when filed, with its answer.
CREATE TABLE report_items (
    report_id   TEXT NOT NULL REFERENCES reports (id),
    ord         INTEGER NOT NULL,
    key         TEXT NOT NULL,
    title       TEXT NOT NULL,
    clauses     TEXT NOT NULL CHECK (json_valid(clauses)),  -- []string
    weight      INTEGER NOT NULL,
    critical    INTEGER NOT NULL CHECK (critical IN (0, 1)),
    result      TEXT NOT NULL CHECK (result IN ('pass', 'fail', 'unobserved')),
    PRIMARY KEY (report_id, ord)
) STRICT, WITHOUT ROWID;

-- What breaks the code: failed items, then findings the inspector confirmed from their description.
CREATE TABLE report_findings (
    report_id   TEXT NOT NULL REFERENCES reports (id),
    no          INTEGER NOT NULL,                   -- 1, 2, … within the report
    item_key    TEXT NOT NULL DEFAULT '',
    title       TEXT NOT NULL,
    clauses     TEXT NOT NULL CHECK (json_valid(clauses)),
    critical    INTEGER NOT NULL CHECK (critical IN (0, 1)),
    note        TEXT NOT NULL DEFAULT '',
    source      TEXT NOT NULL CHECK (source IN ('checklist', 'description')),
    PRIMARY KEY (report_id, no)
) STRICT, WITHOUT ROWID;

-- Photos, re-encoded without metadata. A photo belongs to a draft (draft_id, until draft_expires) or to a
-- finding of a filed report, never both.
CREATE TABLE report_photos (
    id            TEXT PRIMARY KEY,                 -- random
    report_id     TEXT REFERENCES reports (id),
    finding_no    INTEGER,
    ord           INTEGER NOT NULL DEFAULT 0,
    draft_id      TEXT,
    draft_expires TEXT,                             -- to the hour
    width         INTEGER NOT NULL,
    height        INTEGER NOT NULL,
    bytes         INTEGER NOT NULL,
    data          BLOB NOT NULL,                    -- JPEG
    CHECK ((report_id IS NULL) <> (draft_id IS NULL))
) STRICT, WITHOUT ROWID;
CREATE INDEX report_photos_report ON report_photos (report_id, finding_no, ord) WHERE report_id IS NOT NULL;
CREATE INDEX report_photos_draft ON report_photos (draft_id) WHERE draft_id IS NOT NULL;

-- What the inspector added later through the receipt code.
CREATE TABLE report_supplements (
    report_id   TEXT NOT NULL REFERENCES reports (id),
    no          INTEGER NOT NULL,
    text        TEXT NOT NULL,
    added       TEXT NOT NULL,                      -- day
    PRIMARY KEY (report_id, no)
) STRICT, WITHOUT ROWID;

-- The state history of a report: the first event is its filing.
CREATE TABLE report_events (
    report_id   TEXT NOT NULL REFERENCES reports (id),
    no          INTEGER NOT NULL,
    state       TEXT NOT NULL,
    reason      TEXT NOT NULL DEFAULT '',
    on_day      TEXT NOT NULL,                      -- day
    PRIMARY KEY (report_id, no)
) STRICT, WITHOUT ROWID;

-- Reports whose supervisors were not notified yet. No times: the notifier sends at once or at the release
-- time of day.
CREATE TABLE report_outbox (
    report_id   TEXT PRIMARY KEY REFERENCES reports (id)
) STRICT, WITHOUT ROWID;
