-- PostgreSQL's 110 stops compressing the stored retrieval index; SQLite never compresses a blob. Nothing to do:
-- the file keeps the two stores' migrations in step.
SELECT 1;
