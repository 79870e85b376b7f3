-- Migrations of the embedded SQLite store, embedded into the binary and applied by sqlite.Migrate / sqlite.Open.
--
-- Each file is named NNN_name.sql and runs once, in order of NNN, in ONE transaction (BEGIN IMMEDIATE, so that
-- processes starting at once take turns) together with its row in schema_migrations. A file may hold several
-- statements. Never edit a file once it is committed: add a new one. Keep the PostgreSQL store's files
-- (postgres/migrations) in step: same number, same name, same meaning.
--
-- Numbering shared by the capabilities:
--   001–009  rules and vectors (code versions, clauses, vector spaces, clause vectors)
--   010–019  bot users, roles, feedback
--   020–029  spot-check reports
--   030–039  supervision
--   040–049  reminders
--
-- Conventions: STRICT tables; times are TEXT in UTC as 2006-01-02T15:04:05.000000Z (microseconds, like
-- PostgreSQL; see formatTime/parseTime in sqlite.go), so that they sort and compare as text; JSON is TEXT;
-- booleans are INTEGER 0/1. Foreign keys are enforced (PRAGMA foreign_keys cannot change inside a migration's
-- transaction).

-- One imported version of a code of conduct. Versions are never deleted: a report keeps the wording it was
-- judged against.
CREATE TABLE code_versions (
    id          INTEGER PRIMARY KEY,
    number      INTEGER NOT NULL UNIQUE,                    -- 1, 2, 3 … in order of import
    hash        TEXT NOT NULL UNIQUE,                       -- rules.Code.Hash()
    in_force    INTEGER NOT NULL DEFAULT 0 CHECK (in_force IN (0, 1)),
    title       TEXT NOT NULL,
    issuer      TEXT NOT NULL DEFAULT '',
    doc_number  TEXT NOT NULL DEFAULT '',
    issued      TEXT NOT NULL DEFAULT '',                   -- YYYY-MM-DD as the code states it, or ''
    headings    TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(headings)),   -- []rules.Heading
    source      TEXT NOT NULL DEFAULT '',                   -- the text it was imported from
    created_at  TEXT NOT NULL
) STRICT;

-- At most one version is in force.
CREATE UNIQUE INDEX code_versions_in_force ON code_versions (in_force) WHERE in_force = 1;

CREATE TABLE clauses (
    version_id  INTEGER NOT NULL REFERENCES code_versions (id),
    clause_id   TEXT NOT NULL,                              -- "1.3.3"
    ord         INTEGER NOT NULL,                           -- position in the document
    title       TEXT NOT NULL DEFAULT '',
    path        TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(path)),        -- []string
    text        TEXT NOT NULL,
    statements  TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(statements)),  -- []rules.Statement
    PRIMARY KEY (version_id, clause_id)
) STRICT;
