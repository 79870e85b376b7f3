-- The stored retrieval index is read whole at every start: keep it out of line but uncompressed, so that a read
-- is a copy, not a decompression (pglz took two thirds of reading a 3 MB index of 10,000 clauses). Rows stored
-- before keep their compression until they are written again (a new index format rewrites them).
ALTER TABLE code_index ALTER COLUMN data SET STORAGE EXTERNAL;
