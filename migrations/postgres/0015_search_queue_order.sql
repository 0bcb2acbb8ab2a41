-- The indexer reads the queue oldest first, a batch at a time, going on from
-- the last place read: without this index each read sorted the whole queue
-- (all 1,000,000 entries of a bulk reindex, for every batch of 2,000).
create index search_queue_order on search_queue (queued_at, request_id);
