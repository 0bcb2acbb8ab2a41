-- SQLite's FTS5 tuning (see migrations/sqlite/0014_fts_hashsize.sql); nothing
-- to do on PostgreSQL.
select 1;
