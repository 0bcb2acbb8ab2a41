-- PostgreSQL's tsvector storage (see migrations/postgres/0016_search_storage.sql);
-- nothing to do on SQLite.
select 1;
