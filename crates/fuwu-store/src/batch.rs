//! Group commit for SQLite. SQLite has one writer at a time, and a durable
//! commit costs an fsync; so one thread owns the write connection and commits
//! whatever queued up while the previous commit was on its way to the disk.
//! Idle, a write is committed at once (a batch of one); under load, many
//! share one fsync. Each call runs in its own savepoint, so one call's error
//! undoes only its own work, and every caller is answered after the commit.

use crate::{BoxFut, Conn, StoreError};
use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::sync::Arc;
use std::task::{Context, Poll, Wake, Waker};
use std::thread::Thread;
use tokio::sync::{mpsc, oneshot};

/// Upper bound of one batch, so a flood cannot make one transaction huge.
const MAX_BATCH: usize = 256;

type Finish = Box<dyn FnOnce(Result<(), String>) + Send>;
type Job = Box<dyn for<'c> FnOnce(Conn<'c>) -> BoxFut<'c, (bool, Finish)> + Send>;

enum Msg {
    Job(Job),
    Shutdown(oneshot::Sender<()>),
}

#[derive(Clone)]
pub(crate) struct Writer {
    tx: mpsc::Sender<Msg>,
}

impl Writer {
    /// Start the writer thread; it owns `conn` until shut down.
    pub(crate) fn start(conn: rusqlite::Connection) -> Result<Writer, StoreError> {
        let (tx, rx) = mpsc::channel(4096);
        // Lets a write that awaits something of tokio's (a timer, a channel) work here too.
        let runtime = tokio::runtime::Handle::try_current().ok();
        std::thread::Builder::new()
            .name("fuwu-sqlite-writer".into())
            .spawn(move || {
                let _entered = runtime.as_ref().map(|h| h.enter());
                run(conn, rx)
            })
            .map_err(|e| StoreError::Config(format!("cannot start the SQLite writer: {e}")))?;
        Ok(Writer { tx })
    }
    pub(crate) async fn run<T, E, F>(&self, f: F) -> Result<T, E>
    where
        F: for<'c> FnOnce(Conn<'c>) -> BoxFut<'c, Result<T, E>> + Send + 'static,
        T: Send + 'static,
        E: From<StoreError> + Send + 'static,
    {
        let (reply, answer) = oneshot::channel::<Result<T, E>>();
        let job: Job = Box::new(move |conn| {
            Box::pin(async move {
                let out = f(conn).await;
                let ok = out.is_ok();
                let finish: Finish = Box::new(move |commit| {
                    let out = match (commit, out) {
                        (Ok(()), out) => out,
                        // The caller's own error stands; a successful call whose
                        // commit failed did not happen.
                        (Err(_), Err(e)) => Err(e),
                        (Err(msg), Ok(_)) => Err(E::from(StoreError::Unavailable(msg))),
                    };
                    let _ = reply.send(out);
                });
                (ok, finish)
            })
        });
        self.tx
            .send(Msg::Job(job))
            .await
            .map_err(|_| E::from(StoreError::WriterGone))?;
        answer.await.map_err(|_| E::from(StoreError::WriterGone))?
    }

    pub(crate) async fn shutdown(&self) {
        let (done, wait) = oneshot::channel();
        if self.tx.send(Msg::Shutdown(done)).await.is_ok() {
            let _ = wait.await;
        }
    }
}

/// Wakes the writer thread when a write's future can go on.
struct Unpark(Thread);

impl Wake for Unpark {
    fn wake(self: Arc<Self>) {
        self.0.unpark();
    }
}

/// Drive a write's future on this thread. On SQLite every store call completes
/// at once, so this returns after one poll unless the write awaits something else.
fn block_on<F: Future>(fut: F) -> F::Output {
    let mut fut = std::pin::pin!(fut);
    let waker = Waker::from(Arc::new(Unpark(std::thread::current())));
    let mut cx = Context::from_waker(&waker);
    loop {
        if let Poll::Ready(v) = fut.as_mut().poll(&mut cx) {
            return v;
        }
        std::thread::park();
    }
}

fn run(mut conn: rusqlite::Connection, mut rx: mpsc::Receiver<Msg>) {
    let mut stop: Option<oneshot::Sender<()>> = None;
    while stop.is_none() {
        let Some(first) = rx.blocking_recv() else {
            break;
        };
        let mut jobs = Vec::new();
        match first {
            Msg::Job(j) => jobs.push(j),
            Msg::Shutdown(s) => stop = Some(s),
        }
        while jobs.len() < MAX_BATCH && stop.is_none() {
            match rx.try_recv() {
                Ok(Msg::Job(j)) => jobs.push(j),
                Ok(Msg::Shutdown(s)) => stop = Some(s),
                Err(_) => break,
            }
        }
        if !jobs.is_empty() {
            commit_batch(&mut conn, jobs);
        }
    }
    if let Err((_, e)) = conn.close() {
        tracing::warn!(error = %e, "closing the SQLite writer");
    }
    if let Some(s) = stop {
        let _ = s.send(());
    }
}

fn commit_batch(conn: &mut rusqlite::Connection, jobs: Vec<Job>) {
    let mut finishers: Vec<Finish> = Vec::with_capacity(jobs.len());
    let mut last_ok: Option<bool> = None;
    for job in jobs {
        let between = match last_ok {
            None => "begin immediate; savepoint call",
            Some(true) => "release call; savepoint call",
            Some(false) => "rollback to call; release call; savepoint call",
        };
        if let Err(e) = conn.execute_batch(between) {
            tracing::error!(error = %e, "cannot open a savepoint; the batch is abandoned");
            let _ = conn.execute_batch("rollback");
            // Dropping the calls not yet run answers their callers with `WriterGone`.
            for finish in finishers {
                finish(Err(e.to_string()));
            }
            return;
        }
        let outcome =
            std::panic::catch_unwind(AssertUnwindSafe(|| block_on(job(Conn::Sqlite(&mut *conn)))));
        match outcome {
            Ok((ok, finish)) => {
                last_ok = Some(ok);
                finishers.push(finish);
            }
            Err(_) => {
                // The caller's future panicked; its reply channel is gone with it.
                tracing::error!("a write panicked; its changes were rolled back");
                last_ok = Some(false);
            }
        }
    }
    // COMMIT keeps every released savepoint and the last one if it succeeded.
    let close = if last_ok == Some(false) {
        "rollback to call; commit"
    } else {
        "commit"
    };
    let commit = match conn.execute_batch(close) {
        Ok(()) => Ok(()),
        Err(e) => {
            tracing::error!(error = %e, "commit failed; the batch was rolled back");
            let _ = conn.execute_batch("rollback");
            Err(e.to_string())
        }
    };
    for finish in finishers {
        finish(commit.clone());
    }
}
