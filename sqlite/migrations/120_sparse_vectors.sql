-- PostgreSQL stores the offline embedder's sparse vectors in a sparsevec column with its own HNSW index; SQLite
-- already stores them sparsely in the embedding blob (sqlite/vectors.go). Kept so that both engines number their
-- migrations alike (001_rules.sql).
SELECT 1;
