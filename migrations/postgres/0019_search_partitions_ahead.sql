-- The search index's partitions are made ahead of need, never in a write's way.
--
-- Before: on a fresh database, indexing the first request made the first
-- partition while requests were being written. Attaching a partition copies
-- the index's foreign key to `requests`, which locks `requests` in SHARE ROW
-- EXCLUSIVE mode: it waited for every write in flight while holding the
-- index's default partition, and writes deadlocked with it (4 of 5 fresh
-- loads of 150 imported requests failed).
--
-- Now:
-- * the index no longer references `requests` (its rows are derived from
--   them, and requests are never deleted): making a partition locks only the
--   index;
-- * the first two partitions are made here, at migration time, and the
--   indexer makes the next one a whole partition (131,072 ids) ahead;
-- * a creator never waits for another (a transaction-level advisory lock,
--   tried, not awaited) nor for long for a lock (200 ms): it gives up, and
--   the indexer tries again at its next drain. Rows meanwhile land in the
--   default partition and move when theirs is made.
alter table search_requests drop constraint if exists search_requests_request_id_fkey;

drop function fuwu_search_partitions(bigint);
create function fuwu_search_partitions(upto bigint) returns boolean
language plpgsql as $$
declare
    top bigint;
    k bigint;
begin
    if not pg_try_advisory_xact_lock(7235473) then
        return false;
    end if;
    perform set_config('lock_timeout', '200ms', true);
    select max(substr(c.relname, length('search_requests_p') + 1)::bigint) into top
      from pg_inherits i join pg_class c on c.oid = i.inhrelid
     where i.inhparent = 'search_requests'::regclass and c.relname ~ '^search_requests_p[0-9]+$';
    if top is null then
        -- The first partition is the lowest request's (ids start at 1).
        select (coalesce(min(id), 1) >> 17) - 1 into top from requests;
    end if;
    k := top + 1;
    while k <= upto >> 17 loop
        begin
            -- Built beside the table, filled from the default partition, then
            -- attached: attaching locks searches out far less than creating a
            -- partition in place would.
            execute format('create table search_requests_p%s (like search_requests including defaults including storage including compression)', k);
            execute format('with moved as (delete from search_requests_default where request_id >= %s and request_id < %s returning *)
                            insert into search_requests_p%s select * from moved', k << 17, (k + 1) << 17, k);
            execute format('alter table search_requests attach partition search_requests_p%s for values from (%s) to (%s)',
                           k, k << 17, (k + 1) << 17);
        exception when lock_not_available then
            return false;
        end;
        k := k + 1;
    end loop;
    return true;
end
$$;

select fuwu_search_partitions(coalesce(max(id), 0) + (1 << 17)) from requests;
