-- Daily reminders (package remind): subscriptions, one delivery per chat and working day, the day's plan, the
-- answers to the daily question, calendar years admins stored, and notices sent once.

-- A chat that receives the daily reminder: a user's private chat (chat_id = the user's ID) or a group.
CREATE TABLE remind_subscriptions (
    chat_id     bigint PRIMARY KEY,
    is_group    boolean NOT NULL DEFAULT false,
    minute      integer NOT NULL CHECK (minute >= 0 AND minute < 1440),  -- after midnight in CONDUCTBOT_TZ
    enabled     boolean NOT NULL DEFAULT true,
    reason      text NOT NULL DEFAULT '',           -- why disabled: 'off' (the user), 'blocked' (403)
    set_by      bigint NOT NULL DEFAULT 0,          -- who last changed it
    updated_at  timestamptz NOT NULL
);
CREATE INDEX remind_subscriptions_due ON remind_subscriptions (minute) WHERE enabled;

-- One chat's reminder of one day: the primary key is "exactly once". A scheduler claims a pending row by
-- setting lease_owner/lease_until (SELECT … FOR UPDATE SKIP LOCKED), sends, then marks it sent; an expired
-- lease lets another instance take the row over.
CREATE TABLE remind_deliveries (
    day          date NOT NULL,                     -- in CONDUCTBOT_TZ
    chat_id      bigint NOT NULL,
    state        text NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'sent', 'blocked', 'failed')),
    attempts     integer NOT NULL DEFAULT 0,        -- failed sends so far
    not_before   timestamptz,                       -- retry not before
    lease_owner  text NOT NULL DEFAULT '',
    lease_until  timestamptz,
    message_id   bigint NOT NULL DEFAULT 0,
    sent_at      timestamptz,
    last_error   text NOT NULL DEFAULT '',
    created_at   timestamptz NOT NULL,
    PRIMARY KEY (day, chat_id)
);
CREATE INDEX remind_deliveries_pending ON remind_deliveries (day, chat_id) WHERE state = 'pending';

-- What every reminder of a day carries, chosen once (the first instance to insert it wins). The clause's text
-- is kept as it was that day, so a reminder sent late reads the same after the code changes.
CREATE TABLE remind_day_plans (
    day             date PRIMARY KEY,
    version_id      bigint NOT NULL,                -- code_versions.id the clause came from (not enforced)
    clause_id       text NOT NULL,
    clause_cycle    integer NOT NULL,
    title           text NOT NULL DEFAULT '',
    text            text NOT NULL DEFAULT '',
    reading         text NOT NULL DEFAULT '',
    question_id     text NOT NULL DEFAULT '',
    question_cycle  integer NOT NULL DEFAULT 0,
    question        jsonb NOT NULL DEFAULT '{}',    -- remind.Question: text, options as shown, answer
    created_at      timestamptz NOT NULL
);

-- Answers to the daily question: one per user and day.
CREATE TABLE remind_answers (
    day          date NOT NULL,
    user_id      bigint NOT NULL,
    chat_id      bigint NOT NULL,
    question_id  text NOT NULL,
    choice       integer NOT NULL,
    correct      boolean NOT NULL,
    answered_at  timestamptz NOT NULL,
    PRIMARY KEY (day, user_id)
);
CREATE INDEX remind_answers_user ON remind_answers (user_id);

-- Calendar files admins stored (`conductbot remind calendar FILE`); they override the shipped ones.
CREATE TABLE remind_calendars (
    year        integer PRIMARY KEY,
    source      text NOT NULL,
    updated_at  timestamptz NOT NULL
);

-- Notices that go out once across restarts and instances (calendar warnings to admins).
CREATE TABLE remind_notices (
    key         text PRIMARY KEY,
    created_at  timestamptz NOT NULL
);
