//! PostgreSQL connections through `tokio-postgres`: connecting, a small pool,
//! and a per-connection cache of prepared statements.
//!
//! Statements are prepared with the parameter types of the values bound
//! (`prepare_typed`), as the query layer's typed nulls allow, so `$1 is null`
//! needs no cast; a prepared statement is reused for the connection's life.

use crate::{BoxFut, Conn, StoreError};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use tokio_postgres::types::Type;
use tokio_postgres::{Client, NoTls, Statement};

pub use tokio_postgres;

/// Connect to `url` and drive the connection on the runtime.
pub async fn connect(url: &str) -> Result<Client, StoreError> {
    let (client, connection) = tokio_postgres::connect(url, NoTls)
        .await
        .map_err(|e| StoreError::Unavailable(format!("cannot connect to PostgreSQL: {e}")))?;
    tokio::spawn(async move {
        if let Err(e) = connection.await {
            tracing::debug!(error = %e, "a PostgreSQL connection ended");
        }
    });
    Ok(client)
}

/// One pooled connection with its prepared statements.
pub struct PgConn {
    pub(crate) client: Client,
    statements: HashMap<String, (Vec<Type>, Statement)>,
    /// A transaction was begun and not yet ended: such a connection never goes back to the pool.
    pub(crate) in_transaction: bool,
    /// `begin` is owed: it travels with the transaction's first statement
    /// (pipelined, one round trip for both) instead of costing its own.
    pub(crate) begin_owed: bool,
    /// A statement of the current transaction lost a deadlock or a
    /// serialization conflict: [`transaction`] reruns the whole closure,
    /// whatever error the closure made of it.
    pub(crate) contended: Option<String>,
}

impl PgConn {
    /// Pass `r` on, remembering a lost conflict (see `contended`).
    pub(crate) fn noting<T>(&mut self, r: Result<T, StoreError>) -> Result<T, StoreError> {
        if let Err(e) = &r
            && e.is_contention()
        {
            self.contended = Some(e.to_string());
        }
        r
    }

    /// The prepared statement for `sql` with these parameter types.
    pub(crate) async fn statement(
        &mut self,
        sql: &str,
        types: &[Type],
    ) -> Result<Statement, tokio_postgres::Error> {
        if let Some((known, st)) = self.statements.get(sql)
            && known.as_slice() == types
        {
            return Ok(st.clone());
        }
        let st = self.client.prepare_typed(sql, types).await?;
        self.statements
            .insert(sql.to_owned(), (types.to_vec(), st.clone()));
        Ok(st)
    }
}

/// Connections to one database, at most `size` at once.
pub(crate) struct Pool {
    url: String,
    /// Session settings every new connection runs first (empty: none).
    setup: &'static str,
    idle: Mutex<Vec<PgConn>>,
    permits: Arc<Semaphore>,
}

impl Pool {
    pub(crate) async fn open(url: &str, size: usize) -> Result<Arc<Pool>, StoreError> {
        Pool::open_with(url, size, "").await
    }

    /// A pool whose connections each run `setup` (session settings) once, when made.
    pub(crate) async fn open_with(
        url: &str,
        size: usize,
        setup: &'static str,
    ) -> Result<Arc<Pool>, StoreError> {
        let pool = Arc::new(Pool {
            url: url.to_owned(),
            setup,
            idle: Mutex::new(Vec::new()),
            permits: Arc::new(Semaphore::new(size)),
        });
        // Fail at start-up, not at the first request, when the server is unreachable.
        let first = pool.acquire().await?;
        drop(first);
        Ok(pool)
    }

    pub(crate) async fn acquire(self: &Arc<Self>) -> Result<Lent, StoreError> {
        let permit = tokio::time::timeout(
            Duration::from_secs(10),
            self.permits.clone().acquire_owned(),
        )
        .await
        .map_err(|_| StoreError::Unavailable("no PostgreSQL connection free for 10 s".into()))?
        .map_err(|_| StoreError::Unavailable("the PostgreSQL pool is closed".into()))?;
        let idle = self.idle.lock().ok().and_then(|mut v| v.pop());
        let conn = match idle {
            Some(c) if !c.client.is_closed() => c,
            _ => {
                let client = connect(&self.url).await?;
                if !self.setup.is_empty() {
                    client.batch_execute(self.setup).await?;
                }
                PgConn {
                    client,
                    statements: HashMap::new(),
                    in_transaction: false,
                    begin_owed: false,
                    contended: None,
                }
            }
        };
        Ok(Lent {
            pool: self.clone(),
            conn: Some(conn),
            _permit: permit,
        })
    }

    /// An idle connection, if one is there right now: never waits, never
    /// connects (a helper for a read that can also do without one).
    pub(crate) fn try_idle(self: &Arc<Self>) -> Option<Lent> {
        let permit = self.permits.clone().try_acquire_owned().ok()?;
        let conn = self.idle.lock().ok().and_then(|mut v| v.pop())?;
        if conn.client.is_closed() {
            return None;
        }
        Some(Lent {
            pool: self.clone(),
            conn: Some(conn),
            _permit: permit,
        })
    }

    pub(crate) fn close(&self) {
        self.permits.close();
        if let Ok(mut v) = self.idle.lock() {
            v.clear();
        }
    }
}

/// A borrowed connection; it goes back to the pool when dropped, unless it
/// broke or was left inside a transaction (a cancelled write), which closes it.
pub(crate) struct Lent {
    pool: Arc<Pool>,
    conn: Option<PgConn>,
    _permit: OwnedSemaphorePermit,
}

impl Lent {
    pub(crate) fn conn(&mut self) -> &mut PgConn {
        self.conn.as_mut().expect("present until dropped")
    }
}

impl Drop for Lent {
    fn drop(&mut self) {
        let Some(conn) = self.conn.take() else { return };
        if conn.in_transaction || conn.client.is_closed() || self.pool.permits.is_closed() {
            return;
        }
        if let Ok(mut v) = self.pool.idle.lock() {
            v.push(conn);
        }
    }
}

/// How many times a transaction is run at most when it keeps losing
/// deadlocks or serialization conflicts.
pub(crate) const ATTEMPTS: u32 = 4;

/// Run `f` in a transaction on `conn`: committed if it returns `Ok`, rolled
/// back otherwise. `begin` goes out with the first statement; until the
/// transaction ends, a cancelled call leaves the connection marked, and it
/// is closed instead of going back to the pool.
///
/// A transaction the server rolled back to resolve a deadlock (40P01) or a
/// serialization failure (40001) is run again from the start, up to
/// [`ATTEMPTS`] times in all, after a short random pause that grows with
/// each attempt (so the two parties do not collide again in step). `f` is
/// cloned for each run: whatever it captured is the same every time. What
/// still fails is returned as [`StoreError::Contention`], which the
/// use cases answer as "unavailable".
pub(crate) async fn transaction<T, E, F>(conn: &mut PgConn, f: F) -> Result<T, E>
where
    F: for<'c> FnOnce(Conn<'c>) -> BoxFut<'c, Result<T, E>> + Clone,
    E: From<StoreError>,
{
    let mut f = Some(f);
    let mut attempt = 1;
    loop {
        let run = if attempt < ATTEMPTS {
            f.clone()
        } else {
            f.take()
        };
        let run = run.expect("taken only on the last attempt");
        conn.contended = None;
        let out = transaction_once(conn, run).await;
        let Some(cause) = conn.contended.take().filter(|_| out.is_err()) else {
            return out;
        };
        if attempt == ATTEMPTS {
            tracing::error!(attempts = attempt, error = %cause, "a transaction kept losing deadlocks or serialization conflicts; given up");
            return out;
        }
        tracing::warn!(attempt, error = %cause, "a transaction lost a deadlock or serialization conflict; running it again");
        tokio::time::sleep(backoff(attempt)).await;
        attempt += 1;
    }
}

/// The pause before attempt `attempt + 1`: random in [5, 20) ms, times the attempt.
fn backoff(attempt: u32) -> Duration {
    use std::hash::{BuildHasher, Hasher};
    let noise = std::collections::hash_map::RandomState::new()
        .build_hasher()
        .finish();
    Duration::from_millis((5 + noise % 15) * u64::from(attempt))
}

async fn transaction_once<T, E, F>(conn: &mut PgConn, f: F) -> Result<T, E>
where
    F: for<'c> FnOnce(Conn<'c>) -> BoxFut<'c, Result<T, E>>,
    E: From<StoreError>,
{
    conn.begin_owed = true;
    conn.in_transaction = true;
    let out = f(Conn::Pg(&mut *conn)).await;
    if std::mem::take(&mut conn.begin_owed) {
        // No statement ran: there is no transaction to end.
        conn.in_transaction = false;
        return out;
    }
    let end = if out.is_ok() { "commit" } else { "rollback" };
    let ended = conn.client.batch_execute(end).await;
    conn.in_transaction = ended.is_err();
    match (out, ended) {
        (Ok(v), Ok(())) => Ok(v),
        (Ok(_), Err(e)) => {
            // A serializable transaction can lose its conflict at commit.
            let e = StoreError::from(e);
            if e.is_contention() {
                conn.contended = Some(e.to_string());
            }
            Err(e.into())
        }
        // The caller's error says more than a failed rollback.
        (Err(e), _) => Err(e),
    }
}
