//! Taking in new requests. A create writes five rows or more: the request,
//! its `created` history row, its first SLA clocks, its place in the search
//! queue and, with an `Idempotency-Key`, the key.
//!
//! On SQLite each create is one call of the grouping writer (`batch`): the
//! same multi-row statements as one writer call per group made no
//! difference there (2,028–2,295 against 2,058–2,401 creates/s, alternating
//! runs; SQLite's statements are cheap, and its writer already shares one
//! commit among whatever queued up). On
//! PostgreSQL the creates that arrive together are written together
//! ([`RequestCreates`]): one transaction and one multi-row statement per
//! table for the whole group. PostgreSQL spends most of a single create's
//! CPU per statement, not per row (executor start-up, the check constraints
//! read from the catalog, the round trips, the commit), and on these 2-core
//! machines that CPU is what limits the rate. If a group fails (a reused
//! idempotency key racing, a reference deleted meanwhile), it is rolled back
//! and each of its creates is retried alone, so every caller gets its own
//! result and no create fails for another's fault.

use crate::pg::{Pool, transaction};
use crate::requests::{NewEvent, Request};
use crate::sla::ClockRow;
use crate::{Conn, StoreError, query, query_owned};
use std::sync::Arc;
use tokio::sync::{Semaphore, mpsc, oneshot};

/// A new request with everything written with it. The request's `id` and
/// `version`, and the clocks' `request_id`, are assigned when it is written.
#[derive(Debug, Clone)]
pub struct NewRequestRecord {
    pub request: Request,
    /// The `created` history row (by the request's creator, at its creation time).
    pub created: NewEvent,
    pub clocks: Vec<ClockRow>,
    pub idempotency: Option<IdempotencyEntry>,
}

/// An `Idempotency-Key` to record with the request it created.
#[derive(Debug, Clone)]
pub struct IdempotencyEntry {
    pub user_id: i64,
    pub key: String,
    /// A digest of the body, to tell a retry from a reuse of the key.
    pub fingerprint: String,
}

/// Write one new request and its rows (in the caller's transaction).
pub async fn insert_new_request(
    c: &mut Conn<'_>,
    rec: NewRequestRecord,
) -> Result<Request, StoreError> {
    let created = crate::requests::insert_request(c, rec.request).await?;
    crate::requests::insert_events(
        c,
        created.id,
        created.created_by,
        created.created_at,
        &[rec.created],
    )
    .await?;
    let clocks: Vec<ClockRow> = rec
        .clocks
        .into_iter()
        .map(|k| ClockRow {
            request_id: created.id,
            ..k
        })
        .collect();
    crate::sla::upsert_clocks(c, &clocks).await?;
    if let Some(k) = &rec.idempotency {
        crate::requests::insert_idempotency_key(
            c,
            k.user_id,
            &k.key,
            &k.fingerprint,
            created.id,
            created.created_at,
        )
        .await?;
    }
    Ok(created)
}

/// Write several new requests with one statement per table (PostgreSQL:
/// the ids come from the requests' sequence first). The caller's
/// transaction makes them one unit: an error leaves it to be rolled back.
async fn insert_new_requests(
    c: &mut Conn<'_>,
    recs: &[NewRequestRecord],
) -> Result<Vec<i64>, StoreError> {
    let ids: Vec<(i64,)> = c
        .fetch_all(
            query("select nextval(pg_get_serial_sequence('requests', 'id')) from generate_series(1, $1)")
                .bind(recs.len() as i64),
        )
        .await?;
    let ids: Vec<i64> = ids.into_iter().map(|(id,)| id).collect();
    if ids.len() != recs.len() {
        return Err(StoreError::Database(format!(
            "asked for {} request ids, got {}",
            recs.len(),
            ids.len()
        )));
    }

    let mut q = query_owned(format!(
        "insert into requests (id, {}) values {}",
        crate::requests::INSERT_COLUMNS,
        crate::sql::rows_of_placeholders(recs.len(), 37)
    ));
    for (rec, id) in recs.iter().zip(&ids) {
        q.push(*id);
        crate::requests::push_request(&mut q, &rec.request);
    }
    let mut statements = vec![q];

    let mut q = query_owned(format!(
        "insert into request_events (request_id, at, actor_id, kind, field, before, after, details) values {}",
        crate::sql::rows_of_placeholders(recs.len(), 8)
    ));
    for (rec, id) in recs.iter().zip(&ids) {
        let (r, e) = (&rec.request, &rec.created);
        q.push(*id);
        q.push(r.created_at);
        q.push(r.created_by);
        q.push(&e.kind);
        q.push(&e.field);
        q.push(&e.before);
        q.push(&e.after);
        q.push(&e.details);
    }
    statements.push(q);

    let clocks: Vec<ClockRow> = recs
        .iter()
        .zip(&ids)
        .flat_map(|(rec, id)| {
            rec.clocks.iter().map(|k| ClockRow {
                request_id: *id,
                ..k.clone()
            })
        })
        .collect();
    statements.extend(crate::sla::upsert_clocks_query(&clocks));

    let mut q = query_owned(format!(
        "insert into search_queue (request_id, queued_at) values {}",
        crate::sql::rows_of_placeholders(recs.len(), 2)
    ));
    for (rec, id) in recs.iter().zip(&ids) {
        q.push(*id);
        q.push(rec.request.created_at);
    }
    statements.push(q);

    let keyed: Vec<(&IdempotencyEntry, i64, i64)> = recs
        .iter()
        .zip(&ids)
        .filter_map(|(rec, id)| {
            rec.idempotency
                .as_ref()
                .map(|k| (k, *id, rec.request.created_at))
        })
        .collect();
    if !keyed.is_empty() {
        let mut q = query_owned(format!(
            "insert into idempotency_keys (user_id, key, fingerprint, request_id, created_at) values {}",
            crate::sql::rows_of_placeholders(keyed.len(), 5)
        ));
        for (k, id, at) in keyed {
            q.push(k.user_id);
            q.push(k.key.as_str());
            q.push(k.fingerprint.as_str());
            q.push(id);
            q.push(at);
        }
        statements.push(q);
    }
    // One round trip for all of them on PostgreSQL.
    c.execute_all(&statements).await?;
    Ok(ids)
}

type Reply = oneshot::Sender<Result<Request, StoreError>>;

/// At most this many creates in one transaction.
const MAX_BATCH: usize = 64;

/// Groups written at once, each on a connection of its own: while one
/// group's commit waits for the disk, the next one runs. (One: 954
/// creates/s; four: 1,063/s; two: 1,091–1,181/s — alternating quick runs.)
const IN_FLIGHT: usize = 2;

/// The queue of PostgreSQL creates and the task that writes them.
pub(crate) struct RequestCreates {
    queue: mpsc::UnboundedSender<(NewRequestRecord, Reply)>,
}

impl RequestCreates {
    /// Start writing creates on connections of their own to `url`. They
    /// keep one generic plan per statement: the multi-row inserts have no
    /// plan to choose, and planning them for each batch's values (folding
    /// hundreds of parameters) cost PostgreSQL 8 % of a create's CPU.
    pub(crate) async fn start(url: &str) -> Result<RequestCreates, StoreError> {
        let pool =
            Pool::open_with(url, IN_FLIGHT, "set plan_cache_mode = force_generic_plan").await?;
        let (queue, waiting) = mpsc::unbounded_channel();
        tokio::spawn(gather(pool, waiting));
        Ok(RequestCreates { queue })
    }

    /// Write `rec`; the answer comes once its transaction is committed.
    pub(crate) async fn create(&self, rec: NewRequestRecord) -> Result<Request, StoreError> {
        let (reply, answer) = oneshot::channel();
        self.queue
            .send((rec, reply))
            .map_err(|_| StoreError::Unavailable("the PostgreSQL pool is closed".into()))?;
        answer
            .await
            .map_err(|_| StoreError::Unavailable("a PostgreSQL write was dropped".into()))?
    }
}

/// Take what has queued up while earlier groups were written, and write it.
async fn gather(pool: Arc<Pool>, mut waiting: mpsc::UnboundedReceiver<(NewRequestRecord, Reply)>) {
    let in_flight = Arc::new(Semaphore::new(IN_FLIGHT));
    loop {
        let Ok(permit) = in_flight.clone().acquire_owned().await else {
            return;
        };
        let Some(batch) = crate::coalesce::next_batch(&mut waiting, MAX_BATCH).await else {
            return;
        };
        let pool = pool.clone();
        tokio::spawn(async move {
            write_batch(&pool, batch).await;
            drop(permit);
        });
    }
}

async fn write_batch(pool: &Arc<Pool>, batch: Vec<(NewRequestRecord, Reply)>) {
    let mut lent = match pool.acquire().await {
        Ok(l) => l,
        Err(e) => {
            for (_, reply) in batch {
                let _ = reply.send(Err(e.clone()));
            }
            return;
        }
    };
    let conn = lent.conn();
    if batch.len() > 1 {
        let recs: Arc<Vec<NewRequestRecord>> =
            Arc::new(batch.iter().map(|(rec, _)| rec.clone()).collect());
        let written = {
            let recs = recs.clone();
            transaction(conn, move |mut c| {
                Box::pin(async move { insert_new_requests(&mut c, &recs).await })
            })
            .await
        };
        if let Ok(ids) = written {
            for ((rec, reply), id) in batch.into_iter().zip(ids) {
                let _ = reply.send(Ok(Request {
                    id,
                    version: 1,
                    ..rec.request
                }));
            }
            return;
        }
        // Fall through: each alone, so that only the one at fault fails.
    }
    for (rec, reply) in batch {
        let out = transaction(conn, move |mut c| {
            Box::pin(async move { insert_new_request(&mut c, rec).await })
        })
        .await;
        let _ = reply.send(out);
    }
}
