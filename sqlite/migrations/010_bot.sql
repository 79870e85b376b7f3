-- The bot (package bot): known users and the roles admins grant, per-chat conversation state, the questions
-- asked and the feedback on their answers. Times follow the conventions of 001_rules.sql (NULL: none).
--
-- Anonymity (DESIGN.md): nothing here refers to spot-check reports, and the inspector role is not stored here
-- (the inspector registry is its own table). Chat states are deleted when their form ends.

-- Everyone who has talked to the bot, and everyone an admin granted a role. Times are kept to the hour.
CREATE TABLE bot_users (
    id          INTEGER PRIMARY KEY,                -- Telegram user ID
    username    TEXT NOT NULL DEFAULT '',           -- without @
    name        TEXT NOT NULL DEFAULT '',
    first_seen  TEXT,                               -- NULL: granted a role before ever writing
    last_seen   TEXT
) STRICT;
CREATE INDEX bot_users_username ON bot_users (lower(username)) WHERE username <> '';

-- Roles granted in the chat (/grant); configured admins (CONDUCTBOT_ADMINS) are not stored.
CREATE TABLE bot_user_roles (
    user_id     INTEGER NOT NULL REFERENCES bot_users (id),
    role        TEXT NOT NULL CHECK (role IN ('supervisor', 'admin')),
    granted_by  INTEGER NOT NULL,
    granted_at  TEXT NOT NULL,
    PRIMARY KEY (user_id, role)
) STRICT;

-- A chat's conversation state of one kind: an open form. The newest unexpired one is the chat's active form.
-- Chat 0 holds bot-wide state (the Telegram polling offset).
CREATE TABLE bot_states (
    chat_id     INTEGER NOT NULL,
    kind        TEXT NOT NULL,                      -- "qa.note", "report.draft" …
    data        TEXT NOT NULL CHECK (json_valid(data)),
    expires_at  TEXT,                               -- NULL: never
    updated_at  TEXT NOT NULL,
    PRIMARY KEY (chat_id, kind)
) STRICT;
CREATE INDEX bot_states_expires ON bot_states (expires_at) WHERE expires_at IS NOT NULL;

-- A question asked and the answer it got.
CREATE TABLE bot_questions (
    id          INTEGER PRIMARY KEY,
    chat_id     INTEGER NOT NULL,
    user_id     INTEGER NOT NULL,
    text        TEXT NOT NULL,
    answer      TEXT NOT NULL DEFAULT '',
    verdict     TEXT NOT NULL DEFAULT 'none',       -- retrieval.Verdict
    abstained   INTEGER NOT NULL DEFAULT 0 CHECK (abstained IN (0, 1)),
    clauses     TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(clauses)),   -- cited clause IDs, best first
    version_id  INTEGER NOT NULL DEFAULT 0,         -- code_versions.id it was answered from (not enforced)
    asked_at    TEXT NOT NULL
) STRICT;
CREATE INDEX bot_questions_uncovered ON bot_questions (asked_at) WHERE abstained = 1;
CREATE INDEX bot_questions_asked ON bot_questions (asked_at);

-- One user's rating of one answer; a later rating replaces it.
CREATE TABLE bot_feedback (
    question_id INTEGER NOT NULL REFERENCES bot_questions (id),
    user_id     INTEGER NOT NULL,
    helpful     INTEGER NOT NULL CHECK (helpful IN (0, 1)),
    reason      TEXT NOT NULL DEFAULT '' CHECK (reason IN ('', 'off_topic', 'wrong_rule', 'not_covered', 'other')),
    note        TEXT NOT NULL DEFAULT '',
    rated_at    TEXT NOT NULL,
    PRIMARY KEY (question_id, user_id)
) STRICT;
