-- The layout of a code: '' for the outline numbering (一、 (一) 1、), 'articles' for 第一章 … 第一条 …; it decides how
-- a clause is cited (第十二条第（三）项 or 第 1.3.3 条).
ALTER TABLE code_versions ADD COLUMN layout TEXT NOT NULL DEFAULT '';
