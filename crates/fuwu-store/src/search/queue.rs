//! The index queue: a request's create queues it rather than indexing it
//! (no indexing work on the create path); a drain, in the background or
//! before a search, reads queued requests in batches, cuts their tokens and
//! writes them, removing only the entries not queued again meanwhile.

use super::index::{RequestTokens, tokens_of};
use crate::requests::Request;
use crate::{Conn, StoreError, query, query_owned};

/// Queue request `id` for indexing. Queuing it again bumps its `seq`, so a
/// drain that read an older text never removes the newer entry.
pub async fn enqueue_request(c: &mut Conn<'_>, id: i64, now: i64) -> Result<(), StoreError> {
    c.execute(
        query(
            "insert into search_queue (request_id, queued_at) values ($1, $2)
             on conflict (request_id) do update set queued_at = excluded.queued_at, seq = search_queue.seq + 1",
        )
        .bind(id)
        .bind(now),
    )
    .await?;
    Ok(())
}

/// Up to `limit` queued requests with their rows and messages, read with
/// three queries whatever the batch size (the tokens are cut by the caller,
/// see [`QueuedRequest::tokens`]).
pub async fn queued_requests(
    c: &mut Conn<'_>,
    limit: i64,
) -> Result<Vec<QueuedRequest>, StoreError> {
    queued_requests_after(c, None, limit).await
}

/// Like [`queued_requests`], from after queue place `after` (`queued_at`,
/// request id) on: a drain reads its next batch while the previous one,
/// still queued, is being written.
pub async fn queued_requests_after(
    c: &mut Conn<'_>,
    after: Option<(i64, i64)>,
    limit: i64,
) -> Result<Vec<QueuedRequest>, StoreError> {
    let (at, id) = after.unwrap_or((i64::MIN, i64::MIN));
    let queued: Vec<(i64, i64, i64)> = c
        .fetch_all(
            query(
                "select request_id, seq, queued_at from search_queue
                 where queued_at > $1 or (queued_at = $1 and request_id > $2)
                 order by queued_at, request_id limit $3",
            )
            .bind(at)
            .bind(id)
            .bind(limit),
        )
        .await?;
    if queued.is_empty() {
        return Ok(Vec::new());
    }
    let list = id_list(queued.iter().map(|q| q.0));
    let rows: Vec<Request> = c
        .fetch_all(query_owned(format!("select * from requests where id in ({list})")).unprepared())
        .await?;
    let messages: Vec<(i64, String, String)> = c
        .fetch_all(
            query_owned(format!(
                "select request_id, visibility, body from request_messages where request_id in ({list}) order by request_id, id"
            ))
            .unprepared(),
        )
        .await?;
    let mut rows: std::collections::HashMap<i64, Request> =
        rows.into_iter().map(|r| (r.id, r)).collect();
    let mut by_request: std::collections::HashMap<i64, Vec<(String, String)>> =
        std::collections::HashMap::new();
    for (id, v, b) in messages {
        by_request.entry(id).or_default().push((v, b));
    }
    Ok(queued
        .into_iter()
        .map(|(id, seq, queued_at)| QueuedRequest {
            id,
            seq,
            queued_at,
            // Gone (never committed elsewhere, or removed): the entry is dropped.
            request: rows.remove(&id),
            messages: by_request.remove(&id).unwrap_or_default(),
        })
        .collect())
}

/// A queued request's stored text, read for indexing: its row (`None`: gone)
/// and its messages (visibility, body) in order.
#[derive(Debug, Clone)]
pub struct QueuedRequest {
    pub id: i64,
    pub seq: i64,
    /// Its place in the queue, with `id`: where the next read goes on from.
    pub queued_at: i64,
    pub request: Option<Request>,
    pub messages: Vec<(String, String)>,
}

impl QueuedRequest {
    /// Its index tokens (empty when the request is gone).
    pub fn tokens(&self) -> RequestTokens {
        match &self.request {
            Some(r) => tokens_of(r, &self.messages),
            None => RequestTokens::empty(),
        }
    }
}

/// Write the tokens of drained requests and remove their queue entries
/// (only those not queued again since they were read), with a handful of
/// statements per batch.
///
/// Several nodes may drain the same entries at once (PostgreSQL): the
/// entries are first locked in id order (`for update`), so the second
/// drainer waits for the first to commit, then deletes nothing and writes
/// nothing; two drainers lock in the same order and never deadlock.
pub async fn store_drained(
    c: &mut Conn<'_>,
    drained: &[(i64, i64, RequestTokens)],
) -> Result<usize, StoreError> {
    if drained.is_empty() {
        return Ok(0);
    }
    let list = id_list(drained.iter().map(|d| d.0));
    if matches!(c, Conn::Pg(_)) {
        let _locked: Vec<(i64,)> = c
            .fetch_all(
                query_owned(format!(
                    "select request_id from search_queue where request_id in ({list}) order by request_id for update"
                ))
                .unprepared(),
            )
            .await?;
    }
    let pairs = drained
        .iter()
        .map(|(id, seq, _)| format!("({id}, {seq})"))
        .collect::<Vec<_>>()
        .join(", ");
    let gone: Vec<(i64,)> = c
        .fetch_all(
            query_owned(format!(
                "delete from search_queue where (request_id, seq) in (values {pairs}) returning request_id"
            ))
            .unprepared(),
        )
        .await?;
    let gone: std::collections::HashSet<i64> = gone.into_iter().map(|(i,)| i).collect();
    // Queued again meanwhile, or drained by another node: nothing to do for those.
    let mut write: Vec<(i64, &RequestTokens)> = drained
        .iter()
        .filter(|(id, _, t)| gone.contains(id) && !t.is_empty())
        .map(|(id, _, t)| (*id, t))
        .collect();
    write.sort_by_key(|w| w.0);
    write.dedup_by_key(|w| w.0);
    write_tokens_batch(c, &write).await?;
    Ok(write.len())
}

/// Store the tokens of many requests, replacing what the index held for
/// them: on SQLite one `delete` and multi-row `insert`s with anonymous `?`
/// (numbered parameters are looked up linearly, quadratic in a big
/// statement); on PostgreSQL multi-row upserts.
async fn write_tokens_batch(
    c: &mut Conn<'_>,
    rows: &[(i64, &RequestTokens)],
) -> Result<(), StoreError> {
    if rows.is_empty() {
        return Ok(());
    }
    // 4 parameters a row (3 on PostgreSQL); stay far below either engine's limit.
    const CHUNK: usize = 200;
    if matches!(c, Conn::Sqlite(_)) {
        let list = id_list(rows.iter().map(|r| r.0));
        c.execute(
            query_owned(format!(
                "delete from search_requests where rowid in ({list})"
            ))
            .unprepared(),
        )
        .await?;
    }
    for chunk in rows.chunks(CHUNK) {
        match c {
            Conn::Sqlite(_) => {
                let values = vec!["(?, ?, ?, ?)"; chunk.len()].join(", ");
                let mut q = query_owned(format!(
                    "insert into search_requests (rowid, title, body, internal) values {values}"
                ))
                .unprepared();
                for (id, t) in chunk {
                    q.push(*id);
                    q.push(t.title.as_str());
                    q.push(t.body.as_str());
                    q.push(t.internal.as_str());
                }
                c.execute(q).await?;
            }
            Conn::Pg(_) => {
                let values = (0..chunk.len())
                    .map(|i| {
                        let n = i * 3;
                        format!(
                            "(${}::int8, ${}::tsvector, ${}::tsvector)",
                            n + 1,
                            n + 2,
                            n + 3
                        )
                    })
                    .collect::<Vec<_>>()
                    .join(", ");
                let vectors: Vec<(String, String)> =
                    chunk.iter().map(|(_, t)| t.tsvectors()).collect();
                let mut q = query_owned(format!(
                    "insert into search_requests (request_id, doc, internal) values {values}
                     on conflict (request_id) do update set doc = excluded.doc, internal = excluded.internal"
                ))
                .unprepared();
                for ((id, _), (doc, internal)) in chunk.iter().zip(&vectors) {
                    q.push(*id);
                    q.push(doc.as_str());
                    q.push(internal.as_str());
                }
                c.execute(q).await?;
            }
        }
    }
    Ok(())
}

/// After a drain wrote to it: merge PostgreSQL's GIN pending lists (where
/// fast inserts go) into the indexes, which every search would otherwise
/// scan linearly (~10 ms each after a bulk drain of 100,000 requests) until
/// autovacuum gets to them. Nothing to do on SQLite.
pub async fn settle_index(c: &mut Conn<'_>) -> Result<(), StoreError> {
    if matches!(c, Conn::Pg(_)) {
        // The requests' index is partitioned: each partition's GIN index has its own list.
        let _: Vec<(i64,)> = c
            .fetch_all(query(
                "select gin_clean_pending_list(i.inhrelid::regclass)::int8 from pg_inherits i
                 where i.inhparent in ('search_requests_doc'::regclass, 'search_requests_internal'::regclass)",
            ))
            .await?;
    }
    Ok(())
}

/// After a big drain on PostgreSQL: vacuum the queue, whose dead entries
/// every search's queue read would otherwise step over (4 ms a search after
/// a bulk reindex of 1,000,000) until autovacuum gets to them. Outside any
/// transaction; nothing to do on SQLite.
pub async fn vacuum_queue(c: &mut Conn<'_>) -> Result<(), StoreError> {
    if matches!(c, Conn::Pg(_)) {
        c.execute_script("vacuum search_queue").await?;
    }
    Ok(())
}

/// `1, 2, 3`: integers spelled into a statement (no parameters to bind).
pub fn id_list(ids: impl IntoIterator<Item = i64>) -> String {
    ids.into_iter()
        .map(|i| i.to_string())
        .collect::<Vec<_>>()
        .join(", ")
}
