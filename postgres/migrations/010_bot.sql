-- The bot (package bot): known users and the roles admins grant, per-chat conversation state, the questions
-- asked and the feedback on their answers.
--
-- Anonymity (DESIGN.md): nothing here refers to spot-check reports, and the inspector role is not stored here
-- (the inspector registry is its own table). Chat states are deleted when their form ends.

-- Everyone who has talked to the bot, and everyone an admin granted a role. Times are kept to the hour.
CREATE TABLE bot_users (
    id          bigint PRIMARY KEY,                 -- Telegram user ID
    username    text NOT NULL DEFAULT '',           -- without @
    name        text NOT NULL DEFAULT '',
    first_seen  timestamptz,                        -- NULL: granted a role before ever writing
    last_seen   timestamptz
);
CREATE INDEX bot_users_username ON bot_users (lower(username)) WHERE username <> '';

-- Roles granted in the chat (/grant); configured admins (CONDUCTBOT_ADMINS) are not stored.
CREATE TABLE bot_user_roles (
    user_id     bigint NOT NULL REFERENCES bot_users (id),
    role        text NOT NULL CHECK (role IN ('supervisor', 'admin')),
    granted_by  bigint NOT NULL,
    granted_at  timestamptz NOT NULL,
    PRIMARY KEY (user_id, role)
);

-- A chat's conversation state of one kind: an open form. The newest unexpired one is the chat's active form.
-- Chat 0 holds bot-wide state (the Telegram polling offset).
CREATE TABLE bot_states (
    chat_id     bigint NOT NULL,
    kind        text NOT NULL,                      -- "qa.note", "report.draft" …
    data        jsonb NOT NULL,
    expires_at  timestamptz,                        -- NULL: never
    updated_at  timestamptz NOT NULL,
    PRIMARY KEY (chat_id, kind)
);
CREATE INDEX bot_states_expires ON bot_states (expires_at) WHERE expires_at IS NOT NULL;

-- A question asked and the answer it got.
CREATE TABLE bot_questions (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    chat_id     bigint NOT NULL,
    user_id     bigint NOT NULL,
    text        text NOT NULL,
    answer      text NOT NULL DEFAULT '',
    verdict     text NOT NULL DEFAULT 'none',       -- retrieval.Verdict
    abstained   boolean NOT NULL DEFAULT false,
    clauses     jsonb NOT NULL DEFAULT '[]',        -- cited clause IDs, best first
    version_id  bigint NOT NULL DEFAULT 0,          -- code_versions.id it was answered from (not enforced)
    asked_at    timestamptz NOT NULL
);
CREATE INDEX bot_questions_uncovered ON bot_questions (asked_at) WHERE abstained;
CREATE INDEX bot_questions_asked ON bot_questions (asked_at);

-- One user's rating of one answer; a later rating replaces it.
CREATE TABLE bot_feedback (
    question_id bigint NOT NULL REFERENCES bot_questions (id),
    user_id     bigint NOT NULL,
    helpful     boolean NOT NULL,
    reason      text NOT NULL DEFAULT '' CHECK (reason IN ('', 'off_topic', 'wrong_rule', 'not_covered', 'other')),
    note        text NOT NULL DEFAULT '',
    rated_at    timestamptz NOT NULL,
    PRIMARY KEY (question_id, user_id)
);
