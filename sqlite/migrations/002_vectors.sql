-- Clause vectors for vector search (retrieval.VectorStore). See 001_rules.sql for the numbering.

-- One space per embedding model: vectors of different models never mix.
CREATE TABLE vector_spaces (
    id     INTEGER PRIMARY KEY,
    model  TEXT NOT NULL UNIQUE,
    dims   INTEGER NOT NULL CHECK (dims > 0)
) STRICT;

CREATE TABLE clause_vectors (
    space_id    INTEGER NOT NULL REFERENCES vector_spaces (id),
    version_id  INTEGER NOT NULL,
    clause_id   TEXT NOT NULL,
    text_hash   TEXT NOT NULL,                              -- rules.TextHash of the embedded text
    embedding   BLOB NOT NULL,                              -- dims little-endian float32
    PRIMARY KEY (space_id, version_id, clause_id),
    FOREIGN KEY (version_id, clause_id) REFERENCES clauses (version_id, clause_id)
) STRICT;

-- CachedVectors looks vectors up by text hash across versions.
CREATE INDEX clause_vectors_text_hash ON clause_vectors (space_id, text_hash);

-- Search keeps each (space, version)'s vectors in memory; every write of them bumps the stamp in the same
-- transaction, so a process sees that its copy is stale even when another process wrote.
CREATE TABLE clause_vector_stamps (
    space_id    INTEGER NOT NULL,
    version_id  INTEGER NOT NULL,
    stamp       INTEGER NOT NULL,
    PRIMARY KEY (space_id, version_id)
) STRICT;
