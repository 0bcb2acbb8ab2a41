-- New requests wait here to be indexed: the index is written in batches, off
-- the create path; a search drains the queue first, so nothing written is missed.
create table search_queue (
    request_id bigint primary key,
    queued_at bigint not null
);
