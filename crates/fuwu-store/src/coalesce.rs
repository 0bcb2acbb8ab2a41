//! Point reads of requests on PostgreSQL, coalesced: the reads that arrive
//! while earlier ones are being answered go to the server together, as one
//! `where r.id = any($1)` statement.
//!
//! PostgreSQL spends most of a point read's CPU on the statement, not the
//! row (bind, snapshot, executor start-up, the protocol's messages), and on
//! these machines it shares two cores with the web server: one statement for
//! several reads leaves that CPU to the HTTP work. A read that arrives
//! when no batch is waiting goes out at once, alone, so an idle server adds
//! no latency; batches form only under load, the way a group commit does.
//! One statement is in flight at a time, on one connection: with two in
//! flight the batches halved and the reads were 10 % slower (0.30 × instead
//! of 0.33–0.36 × the `/healthz` rate, alternating runs,
//! docs/benchmarks-history.md, session 8).
//! Each read still sees every write acknowledged before it was asked for: its
//! statement starts after it was queued.

use crate::StoreError;
use crate::pg::Pool;
use crate::requests::RequestWithContract;
use std::collections::HashMap;
use std::sync::{Arc, LazyLock};
use tokio::sync::{mpsc, oneshot};
use tokio_postgres::types::Type;

type Reply = oneshot::Sender<Result<Option<RequestWithContract>, StoreError>>;

/// At most this many ids in one statement.
const MAX_BATCH: usize = 64;

/// The queue of point reads and the task that answers them.
pub(crate) struct RequestReads {
    queue: mpsc::UnboundedSender<(i64, Reply)>,
}

impl RequestReads {
    /// Start answering reads on a connection of its own to `url`. It keeps
    /// one generic plan for the statement: left to choose, PostgreSQL
    /// plans `= any($1)` afresh for every array (a custom plan looks cheaper
    /// for a short one), which costs it four times the execution itself.
    pub(crate) async fn start(url: &str) -> Result<RequestReads, StoreError> {
        let pool = Pool::open_with(url, 1, "set plan_cache_mode = force_generic_plan").await?;
        let (queue, waiting) = mpsc::unbounded_channel();
        tokio::spawn(gather(pool, waiting));
        Ok(RequestReads { queue })
    }

    /// The request `id` with its contract's terms; [`StoreError::NotFound`] if there is none.
    pub(crate) async fn get(&self, id: i64) -> Result<RequestWithContract, StoreError> {
        let (reply, answer) = oneshot::channel();
        self.queue
            .send((id, reply))
            .map_err(|_| StoreError::Unavailable("the PostgreSQL pool is closed".into()))?;
        answer
            .await
            .map_err(|_| StoreError::Unavailable("a PostgreSQL read was dropped".into()))??
            .ok_or(StoreError::NotFound)
    }
}

/// Take what has queued up while the previous statement ran, and answer it.
async fn gather(pool: Arc<Pool>, mut waiting: mpsc::UnboundedReceiver<(i64, Reply)>) {
    while let Some(batch) = next_batch(&mut waiting, MAX_BATCH).await {
        answer(&pool, batch).await;
    }
}

/// The next item of `waiting` (waiting for it) and whatever else is already
/// queued behind it, at most `max` in all; `None` once the queue is closed.
pub(crate) async fn next_batch<T>(
    waiting: &mut mpsc::UnboundedReceiver<T>,
    max: usize,
) -> Option<Vec<T>> {
    let mut batch = vec![waiting.recv().await?];
    while batch.len() < max {
        match waiting.try_recv() {
            Ok(next) => batch.push(next),
            Err(_) => break,
        }
    }
    Some(batch)
}

async fn answer(pool: &Arc<Pool>, mut batch: Vec<(i64, Reply)>) {
    // Sorted, so that a repeated id is asked for by neighbours and only the
    // last of them takes the row without a copy.
    batch.sort_unstable_by_key(|(id, _)| *id);
    let mut ids: Vec<i64> = batch.iter().map(|(id, _)| *id).collect();
    ids.dedup();
    match fetch(pool, &ids).await {
        Ok(found) => {
            let mut found: HashMap<i64, RequestWithContract> =
                found.into_iter().map(|r| (r.request.id, r)).collect();
            let mut batch = batch.into_iter().peekable();
            while let Some((id, reply)) = batch.next() {
                let row = if batch.peek().is_some_and(|(next, _)| *next == id) {
                    found.get(&id).cloned()
                } else {
                    found.remove(&id)
                };
                // The asker may have gone (a closed HTTP connection): nothing to do.
                let _ = reply.send(Ok(row));
            }
        }
        Err(e) => {
            for (_, reply) in batch {
                let _ = reply.send(Err(e.clone()));
            }
        }
    }
}

async fn fetch(pool: &Arc<Pool>, ids: &[i64]) -> Result<Vec<RequestWithContract>, StoreError> {
    static SQL: LazyLock<String> =
        LazyLock::new(|| crate::requests::request_with_contract_sql("r.id = any($1)"));
    let mut lent = pool.acquire().await?;
    let c = lent.conn();
    let statement = c.statement(&SQL, &[Type::INT8_ARRAY]).await?;
    let rows = c.client.query(&statement, &[&ids]).await?;
    crate::sql::pg_decode(&rows)
}
