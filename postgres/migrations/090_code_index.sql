-- The retrieval index built from a code version (retrieval.IndexStore): built once, loaded by every process that
-- answers from the version. format names the encoding and the thesaurus it was built with; another format is
-- built again and replaces it.
CREATE TABLE code_index (
    version_id  bigint NOT NULL PRIMARY KEY REFERENCES code_versions (id),
    format      text NOT NULL,
    data        bytea NOT NULL
);
