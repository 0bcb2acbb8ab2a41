-- Synonym groups admins add to the shipped list (fuwu-core's synonyms.txt).
-- Read at every query, so an edit applies at once on every node and needs no
-- reindex. `words`: a JSON array of strings.
create table search_synonyms (
    position bigint primary key,
    words text not null,
    updated_by bigint not null references users(id),
    updated_at bigint not null
);
-- Bumped at every enqueue of the same request: a drain removes an entry only
-- if its seq is still the one it read, so a change queued in the same
-- millisecond (or on a node whose clock is behind) is never dropped.
alter table search_queue add column seq bigint not null default 0;
