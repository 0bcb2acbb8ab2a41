-- The requests' index in partitions of 131,072 request ids (2^17), so a
-- search that must read the GIN index reads only the newest partitions it
-- needs, not the postings of every request ever made: at 1,000,000 requests
-- a common word's bitmap over the whole index cost 50–130 ms alone.
-- `fuwu_search_partitions(upto)` creates the partitions up to the one
-- holding id `upto` (the indexer keeps one spare ahead); a row whose
-- partition does not exist yet lands in the default partition and moves
-- when its partition is created.
alter table search_requests rename to search_requests_unpartitioned;
alter index search_requests_doc rename to search_requests_unpartitioned_doc;
alter index search_requests_internal rename to search_requests_unpartitioned_internal;
alter table search_requests_unpartitioned rename constraint search_requests_pkey to search_requests_unpartitioned_pkey;
alter table search_requests_unpartitioned rename constraint search_requests_request_id_fkey to search_requests_unpartitioned_request_id_fkey;

create table search_requests (
    request_id bigint not null references requests(id),
    doc tsvector not null,
    internal tsvector not null,
    primary key (request_id)
) partition by range (request_id);
alter table search_requests alter column doc set storage main, alter column internal set storage main;
do $$
begin
    alter table search_requests alter column doc set compression lz4, alter column internal set compression lz4;
exception when others then
    null;
end
$$;
create table search_requests_default partition of search_requests default;
create index search_requests_doc on search_requests using gin (doc);
create index search_requests_internal on search_requests using gin (internal);

create function fuwu_search_partitions(upto bigint) returns void
language plpgsql as $$
declare
    top bigint;
    k bigint;
begin
    -- One creator at a time, on every node.
    perform pg_advisory_xact_lock(7235473);
    select max(substr(c.relname, length('search_requests_p') + 1)::bigint) into top
      from pg_inherits i join pg_class c on c.oid = i.inhrelid
     where i.inhparent = 'search_requests'::regclass and c.relname ~ '^search_requests_p[0-9]+$';
    if top is null then
        -- The first partition is the lowest request's (ids need not start at 1).
        select (coalesce(min(id), upto) >> 17) - 1 into top from requests;
    end if;
    k := top + 1;
    while k <= upto >> 17 loop
        -- Built beside the table, filled from the default partition, then
        -- attached: attaching locks searches out far less than creating a
        -- partition in place would.
        execute format('create table search_requests_p%s (like search_requests including defaults including storage including compression)', k);
        execute format('with moved as (delete from search_requests_default where request_id >= %s and request_id < %s returning *)
                        insert into search_requests_p%s select * from moved', k << 17, (k + 1) << 17, k);
        execute format('alter table search_requests attach partition search_requests_p%s for values from (%s) to (%s)',
                       k, k << 17, (k + 1) << 17);
        k := k + 1;
    end loop;
end
$$;

select fuwu_search_partitions(max(id) + (1 << 17)) from requests having count(*) > 0;
insert into search_requests select * from search_requests_unpartitioned;
drop table search_requests_unpartitioned;
