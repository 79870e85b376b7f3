-- Spot-check reports (package inspect): windows, checklist revisions, the inspector registry, reports with their
-- items, findings, photos, supplements and state history, and the supervisors' notification outbox. Days are
-- date in CONDUCTBOT_TZ; times are timestamptz.
--
-- Anonymity (DESIGN.md): the inspector registry (inspectors, inspector_invites, inspector_lockouts) is the only
-- place that names Telegram users, and no report table refers to it. Report tables hold no user or chat ID, no
-- username or name, nothing derived from them, and no time of day: a report keeps the day and half-day of the
-- visit and the day it was filed. Report and photo IDs are random, and no report table has a sequence. (Like
-- every PostgreSQL row, a report row carries the ID of the transaction that wrote it, xmin, which orders it among
-- other writes; see inspect's package documentation for what that means for the bot's users table.) A draft's photos are
-- keyed by the draft's random ID (never the chat) until the report is filed; filing moves them to the report
-- and clears the draft ID.

-- The center's windows. Never deleted: old reports name them.
CREATE TABLE inspect_windows (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    no          text NOT NULL UNIQUE,               -- the number on the window, "3"
    name        text NOT NULL,                      -- 不动产登记
    active      boolean NOT NULL DEFAULT true
);

-- Revisions of the checklist; the newest is in force. Each cites the clauses of one code version.
CREATE TABLE inspect_checklists (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    number          integer NOT NULL UNIQUE,
    code_version_id bigint NOT NULL REFERENCES code_versions (id),
    items           jsonb NOT NULL,                  -- []inspect.Item
    created         date NOT NULL                              -- day
);

-- The inspector registry: who may file reports, shown to admins by a neutral label (暗访员07).
CREATE TABLE inspectors (
    user_id     bigint PRIMARY KEY,                 -- Telegram user ID
    no          integer NOT NULL UNIQUE,            -- the label's number
    joined      date NOT NULL,                      -- day
    revoked     date                                -- day; NULL while active
);

-- One-time invite codes, by the SHA-256 of the code (inspect.InviteHash): the codes themselves are not kept.
CREATE TABLE inspector_invites (
    hash        text PRIMARY KEY,
    created     date NOT NULL,                      -- day
    expires_at  timestamptz NOT NULL,
    used        boolean NOT NULL DEFAULT false   -- redeemed or burnt
);

-- Chats that sent wrong invite codes: ten in an hour lock the chat out for an hour.
CREATE TABLE inspector_lockouts (
    chat_id       bigint PRIMARY KEY,
    since         timestamptz NOT NULL,                    -- first failure of the current window
    failures      integer NOT NULL,
    locked_until  timestamptz
);

CREATE TABLE reports (
    id              text PRIMARY KEY,               -- random (inspect.NewID)
    window_id       bigint NOT NULL REFERENCES inspect_windows (id),
    window_label    text NOT NULL,                  -- the window's label when filed
    visit_date      date NOT NULL,                  -- day of the visit
    half_day        text NOT NULL CHECK (half_day IN ('am', 'pm')),
    filed           date NOT NULL,                  -- day it was filed: no time of day
    code_version_id bigint NOT NULL REFERENCES code_versions (id),
    checklist_id    bigint NOT NULL REFERENCES inspect_checklists (id),
    description     text NOT NULL DEFAULT '',
    state           text NOT NULL CHECK (state IN ('pending', 'confirmed', 'rejected', 'rectifying', 'rectified')),
    state_reason    text NOT NULL DEFAULT '',
    changed         date NOT NULL,                  -- day of the last state change
    receipt_hash    text NOT NULL UNIQUE            -- inspect.ReceiptHash of the receipt code
);
CREATE INDEX reports_visit ON reports (visit_date, half_day);
CREATE INDEX reports_window ON reports (window_id, visit_date);

-- Every checklist item of a report as it stood when filed, with its answer.
CREATE TABLE report_items (
    report_id   text NOT NULL REFERENCES reports (id),
    ord         integer NOT NULL,
    key         text NOT NULL,
    title       text NOT NULL,
    clauses     jsonb NOT NULL,                    -- []string
    weight      integer NOT NULL,
    critical    boolean NOT NULL,
    result      text NOT NULL CHECK (result IN ('pass', 'fail', 'unobserved')),
    PRIMARY KEY (report_id, ord)
);

-- What breaks the code: failed items, then findings the inspector confirmed from their description.
CREATE TABLE report_findings (
    report_id   text NOT NULL REFERENCES reports (id),
    no          integer NOT NULL,                  -- 1, 2, … within the report
    item_key    text NOT NULL DEFAULT '',
    title       text NOT NULL,
    clauses     jsonb NOT NULL,
    critical    boolean NOT NULL,
    note        text NOT NULL DEFAULT '',
    source      text NOT NULL CHECK (source IN ('checklist', 'description')),
    PRIMARY KEY (report_id, no)
);

-- Photos, re-encoded without metadata. A photo belongs to a draft (draft_id, until draft_expires) or to a
-- finding of a filed report, never both.
CREATE TABLE report_photos (
    id            text PRIMARY KEY,                 -- random
    report_id     text REFERENCES reports (id),
    finding_no    integer,
    ord           integer NOT NULL DEFAULT 0,
    draft_id      text,
    draft_expires timestamptz,                             -- to the hour
    width         integer NOT NULL,
    height        integer NOT NULL,
    bytes         integer NOT NULL,
    data          bytea NOT NULL,                    -- JPEG
    CHECK ((report_id IS NULL) <> (draft_id IS NULL))
);
CREATE INDEX report_photos_report ON report_photos (report_id, finding_no, ord) WHERE report_id IS NOT NULL;
CREATE INDEX report_photos_draft ON report_photos (draft_id) WHERE draft_id IS NOT NULL;

-- What the inspector added later through the receipt code.
CREATE TABLE report_supplements (
    report_id   text NOT NULL REFERENCES reports (id),
    no          integer NOT NULL,
    text        text NOT NULL,
    added       date NOT NULL,                      -- day
    PRIMARY KEY (report_id, no)
);

-- The state history of a report: the first event is its filing.
CREATE TABLE report_events (
    report_id   text NOT NULL REFERENCES reports (id),
    no          integer NOT NULL,
    state       text NOT NULL,
    reason      text NOT NULL DEFAULT '',
    on_day      date NOT NULL,                      -- day
    PRIMARY KEY (report_id, no)
);

-- Reports whose supervisors were not notified yet. No times: the notifier sends at once or at the release
-- time of day.
CREATE TABLE report_outbox (
    report_id   text PRIMARY KEY REFERENCES reports (id)
);
