//! Group commit for SQLite. SQLite has one writer at a time, and a durable
//! commit costs an fsync; so one task owns the write connection and commits
//! whatever queued up while the previous commit was on its way to the disk.
//! Idle, a write is committed at once (a batch of one); under load, many
//! share one fsync. Each call runs in its own savepoint, so one call's error
//! undoes only its own work, and every caller is answered after the commit.

use crate::{BoxFut, Conn, StoreError};
use futures::FutureExt;
use sqlx::{Connection, SqliteConnection};
use std::panic::AssertUnwindSafe;
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
    pub(crate) fn start(conn: SqliteConnection) -> Writer {
        let (tx, rx) = mpsc::channel(4096);
        tokio::spawn(run(conn, rx));
        Writer { tx }
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

async fn exec(conn: &mut SqliteConnection, sql: &'static str) -> Result<(), sqlx::Error> {
    sqlx::raw_sql(sql).execute(&mut *conn).await.map(|_| ())
}

async fn run(mut conn: SqliteConnection, mut rx: mpsc::Receiver<Msg>) {
    let mut stop: Option<oneshot::Sender<()>> = None;
    while stop.is_none() {
        let Some(first) = rx.recv().await else { break };
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
            commit_batch(&mut conn, jobs).await;
        }
    }
    let _ = conn.close().await;
    if let Some(s) = stop {
        let _ = s.send(());
    }
}

async fn commit_batch(conn: &mut SqliteConnection, jobs: Vec<Job>) {
    let mut finishers: Vec<Finish> = Vec::with_capacity(jobs.len());
    // Every statement is a round trip to SQLite's thread, so the bookkeeping
    // between two calls travels as one: close the last call's savepoint (keeping
    // or undoing its work) and open the next one.
    let mut last_ok: Option<bool> = None;
    for job in jobs {
        let between = match last_ok {
            None => "begin immediate; savepoint call",
            Some(true) => "release call; savepoint call",
            Some(false) => "rollback to call; release call; savepoint call",
        };
        if let Err(e) = exec(conn, between).await {
            tracing::error!(error = %e, "cannot open a savepoint; the batch is abandoned");
            let _ = exec(conn, "rollback").await;
            // Dropping the calls not yet run answers their callers with `WriterGone`.
            for finish in finishers {
                finish(Err(e.to_string()));
            }
            return;
        }
        let outcome = AssertUnwindSafe(job(Conn::Sqlite(conn)))
            .catch_unwind()
            .await;
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
    let commit = match exec(conn, close).await {
        Ok(()) => Ok(()),
        Err(e) => {
            tracing::error!(error = %e, "commit failed; the batch was rolled back");
            let _ = exec(conn, "rollback").await;
            Err(e.to_string())
        }
    };
    for finish in finishers {
        finish(commit.clone());
    }
}
