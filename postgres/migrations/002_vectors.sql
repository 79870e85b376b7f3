-- Clause vectors for vector search (retrieval.VectorStore). See 001_rules.sql for the numbering.

-- One space per embedding model: vectors of different models never mix.
CREATE TABLE vector_spaces (
    id     bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    model  text NOT NULL UNIQUE,
    dims   integer NOT NULL CHECK (dims > 0)
);

-- embedding is an untyped vector so that spaces of different dimensions share the table. Each space gets its own
-- partial HNSW index on embedding::vector(dims) (halfvec above 2000 dimensions), created by VectorSpace the first
-- time the space appears; its name is clause_vectors_hnsw_<space id>.
CREATE TABLE clause_vectors (
    space_id    bigint NOT NULL REFERENCES vector_spaces (id),
    version_id  bigint NOT NULL,
    clause_id   text NOT NULL,
    text_hash   text NOT NULL,                      -- rules.TextHash of the embedded text
    embedding   vector NOT NULL,
    PRIMARY KEY (space_id, version_id, clause_id),
    FOREIGN KEY (version_id, clause_id) REFERENCES clauses (version_id, clause_id)
);

-- CachedVectors looks vectors up by text hash across versions.
CREATE INDEX clause_vectors_text_hash ON clause_vectors (space_id, text_hash);
