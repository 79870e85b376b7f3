-- The retrieval index built from a code version (retrieval.IndexStore): built once, loaded by every process that
-- answers from the version. format names the encoding and the thesaurus it was built with; another format is
-- built again and replaces it.
CREATE TABLE code_index (
    version_id  INTEGER NOT NULL PRIMARY KEY REFERENCES code_versions (id),
    format      TEXT NOT NULL,
    data        BLOB NOT NULL
) STRICT;
