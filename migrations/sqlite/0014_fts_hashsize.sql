-- FTS5 gathers a transaction's new terms in memory and writes them as one
-- new index segment when that memory passes `hashsize` (default 1 MiB), or at
-- commit. The indexer writes up to 2,000 documents per transaction (several
-- MiB of terms): with the default, that is a handful of small segments per
-- batch, which FTS5 must merge again and again as the index grows (most of
-- indexing's cost at 1,000,000 requests). 32 MiB: one segment per batch.
insert into search_requests (search_requests, rank) values ('hashsize', 33554432);
insert into search_articles (search_articles, rank) values ('hashsize', 33554432);
