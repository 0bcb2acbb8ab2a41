-- The index's tsvectors stay in their row (storage MAIN: compressed when that
-- helps, moved out of line only when a row would not fit a page). With the
-- default (EXTENDED) a quarter of the requests' vectors, the ones over 2 kB,
-- went to the TOAST table, and every search that checks or ranks a candidate
-- paid a TOAST index look-up for them: a candidate check took 2.7 µs instead
-- of 1.4 µs at 1,000,000 requests. Applies to rows written from now on
-- (`fuwu search reindex` rewrites them all).
alter table search_requests alter column doc set storage main, alter column internal set storage main;
alter table search_articles alter column doc set storage main;
-- lz4 compresses and, above all, decompresses several times faster than
-- pglz; a server built without it keeps pglz.
do $$
begin
    alter table search_requests alter column doc set compression lz4, alter column internal set compression lz4;
    alter table search_articles alter column doc set compression lz4;
exception when others then
    null;
end
$$;
