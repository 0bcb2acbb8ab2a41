-- PostgreSQL's index partitions (see migrations/postgres/0017_search_partitions.sql);
-- nothing to do on SQLite (FTS5 reads its doclists newest first already).
select 1;
