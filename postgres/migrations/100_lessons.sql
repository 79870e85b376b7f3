-- Lessons of a code version (rules.Lesson): everyday questions and paraphrases tied to a clause, written by the
-- chat model at import ('model') or attached by an admin from /gaps ('admin'). The engine indexes them as extra
-- text of their clause. clause_hash is rules.TextHash of the clause's text when the lesson was made: the model's
-- lessons are cached by it across versions.
CREATE TABLE lessons (
    version_id  bigint NOT NULL REFERENCES code_versions (id),
    clause_id   text NOT NULL,
    text        text NOT NULL,
    source      text NOT NULL CHECK (source IN ('model', 'admin')),
    clause_hash text NOT NULL,
    created_at  timestamptz NOT NULL,
    UNIQUE (version_id, clause_id, text),
    FOREIGN KEY (version_id, clause_id) REFERENCES clauses (version_id, clause_id)
);
CREATE INDEX lessons_clause_hash ON lessons (clause_hash, source);
