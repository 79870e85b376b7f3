-- Migrations of the PostgreSQL store, embedded into the binary and applied by postgres.Migrate / postgres.Open.
--
-- Each file is named NNN_name.sql and runs once, in order of NNN, in ONE transaction together with its row in
-- schema_migrations, under pg_advisory_xact_lock, so that several processes may start at once. A file may hold
-- several statements. Never edit a file once it is committed: add a new one. Keep the SQLite store's files
-- (sqlite/migrations) in step: same number, same name, same meaning.
--
-- Numbering shared by the capabilities:
--   001–009  rules and vectors (code versions, clauses, vector spaces, clause vectors)
--   010–019  bot users, roles, feedback
--   020–029  spot-check reports
--   030–039  supervision
--   040–049  reminders

CREATE EXTENSION IF NOT EXISTS vector;

-- One imported version of a code of conduct. Versions are never deleted: a report keeps the wording it was
-- judged against.
CREATE TABLE code_versions (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    number      integer NOT NULL UNIQUE,            -- 1, 2, 3 … in order of import
    hash        text NOT NULL UNIQUE,               -- rules.Code.Hash()
    in_force    boolean NOT NULL DEFAULT false,
    title       text NOT NULL,
    issuer      text NOT NULL DEFAULT '',
    doc_number  text NOT NULL DEFAULT '',
    issued      text NOT NULL DEFAULT '',           -- YYYY-MM-DD as the code states it, or ''
    headings    jsonb NOT NULL DEFAULT '[]',        -- []rules.Heading
    source      text NOT NULL DEFAULT '',           -- the text it was imported from
    created_at  timestamptz NOT NULL
);

-- At most one version is in force.
CREATE UNIQUE INDEX code_versions_in_force ON code_versions (in_force) WHERE in_force;

CREATE TABLE clauses (
    version_id  bigint NOT NULL REFERENCES code_versions (id),
    clause_id   text NOT NULL,                      -- "1.3.3"
    ord         integer NOT NULL,                   -- position in the document
    title       text NOT NULL DEFAULT '',
    path        jsonb NOT NULL DEFAULT '[]',        -- []string
    text        text NOT NULL,
    statements  jsonb NOT NULL DEFAULT '[]',        -- []rules.Statement
    PRIMARY KEY (version_id, clause_id)
);
