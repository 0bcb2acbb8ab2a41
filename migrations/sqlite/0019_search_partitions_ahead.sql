-- PostgreSQL's index partitions made ahead of need (see
-- migrations/postgres/0019_search_partitions_ahead.sql); nothing to do on SQLite.
select 1;
