-- Daily reminders (package remind): subscriptions, one delivery per chat and working day, the day's plan, the
-- answers to the daily question, calendar years admins stored, and notices sent once. Days are TEXT
-- 'YYYY-MM-DD' in CONDUCTBOT_TZ; times follow the conventions of 001_rules.sql (NULL: none).

-- A chat that receives the daily reminder: a user's private chat (chat_id = the user's ID) or a group.
CREATE TABLE remind_subscriptions (
    chat_id     INTEGER PRIMARY KEY,
    is_group    INTEGER NOT NULL DEFAULT 0 CHECK (is_group IN (0, 1)),
    minute      INTEGER NOT NULL CHECK (minute >= 0 AND minute < 1440),  -- after midnight in CONDUCTBOT_TZ
    enabled     INTEGER NOT NULL DEFAULT 1 CHECK (enabled IN (0, 1)),
    reason      TEXT NOT NULL DEFAULT '',           -- why disabled: 'off' (the user), 'blocked' (403)
    set_by      INTEGER NOT NULL DEFAULT 0,         -- who last changed it
    updated_at  TEXT NOT NULL
) STRICT;
CREATE INDEX remind_subscriptions_due ON remind_subscriptions (minute) WHERE enabled = 1;

-- One chat's reminder of one day: the primary key is "exactly once". A scheduler claims pending rows in one
-- write transaction by setting lease_owner/lease_until, sends, then marks them sent; an expired lease lets
-- another process take a row over.
CREATE TABLE remind_deliveries (
    day          TEXT NOT NULL,
    chat_id      INTEGER NOT NULL,
    state        TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'sent', 'blocked', 'failed')),
    attempts     INTEGER NOT NULL DEFAULT 0,        -- failed sends so far
    not_before   TEXT,                              -- retry not before
    lease_owner  TEXT NOT NULL DEFAULT '',
    lease_until  TEXT,
    message_id   INTEGER NOT NULL DEFAULT 0,
    sent_at      TEXT,
    last_error   TEXT NOT NULL DEFAULT '',
    created_at   TEXT NOT NULL,
    PRIMARY KEY (day, chat_id)
) STRICT;
CREATE INDEX remind_deliveries_pending ON remind_deliveries (day, chat_id) WHERE state = 'pending';

-- What every reminder of a day carries, chosen once (the first process to insert it wins). The clause's text
-- is kept as it was that day.
CREATE TABLE remind_day_plans (
    day             TEXT PRIMARY KEY,
    version_id      INTEGER NOT NULL,               -- code_versions.id the clause came from (not enforced)
    clause_id       TEXT NOT NULL,
    clause_cycle    INTEGER NOT NULL,
    title           TEXT NOT NULL DEFAULT '',
    text            TEXT NOT NULL DEFAULT '',
    reading         TEXT NOT NULL DEFAULT '',
    question_id     TEXT NOT NULL DEFAULT '',
    question_cycle  INTEGER NOT NULL DEFAULT 0,
    question        TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(question)),  -- remind.Question
    created_at      TEXT NOT NULL
) STRICT;

-- Answers to the daily question: one per user and day.
CREATE TABLE remind_answers (
    day          TEXT NOT NULL,
    user_id      INTEGER NOT NULL,
    chat_id      INTEGER NOT NULL,
    question_id  TEXT NOT NULL,
    choice       INTEGER NOT NULL,
    correct      INTEGER NOT NULL CHECK (correct IN (0, 1)),
    answered_at  TEXT NOT NULL,
    PRIMARY KEY (day, user_id)
) STRICT;
CREATE INDEX remind_answers_user ON remind_answers (user_id);

-- Calendar files admins stored (`conductbot remind calendar FILE`); they override the shipped ones.
CREATE TABLE remind_calendars (
    year        INTEGER PRIMARY KEY,
    source      TEXT NOT NULL,
    updated_at  TEXT NOT NULL
) STRICT;

-- Notices that go out once across restarts and processes (calendar warnings to admins).
CREATE TABLE remind_notices (
    key         TEXT PRIMARY KEY,
    created_at  TEXT NOT NULL
) STRICT;
