-- Sparse clause vectors. See 001_rules.sql for the numbering.

-- sparse is embedding in pgvector's sparsevec form when most of its dimensions are zero (the offline embedder's
-- hashed grams: about 70 of 1,024), else NULL. A space's search reads it through a second partial HNSW index,
-- clause_vectors_sparse_<space id> on sparse::sparsevec(dims), and scans it where the planner prefers an exact
-- search: a sparse row is about 600 bytes stored in the row, where embedding is 4 kB kept out of line, and its
-- distance costs its non-zero dimensions, not all of them. Rows stored before this migration keep sparse NULL
-- and are found through their space's index on embedding as before; adding a nullable column rewrites nothing.
ALTER TABLE clause_vectors ADD COLUMN sparse sparsevec;
