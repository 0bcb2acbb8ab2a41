//! Group commit for SQLite. SQLite has one writer at a time, and a durable
//! commit costs an fsync; so one thread owns the write connection and commits
//! whatever queued up while the previous commit was on its way to the disk.
//! Idle, a write is committed at once (a batch of one); under load, many
//! share one fsync. Each call runs in its own savepoint, so one call's error
//! undoes only its own work, and every caller is answered after the commit.
//!
//! The fsync is pipelined: the connection runs with `synchronous = NORMAL`
//! (SQLite writes the WAL at commit without syncing it), and a second thread
//! syncs the WAL file and only then answers the batch's callers, while the
//! writer already runs the next batch. An answer therefore still means "on the
//! disk" — what `synchronous = FULL` gives — but executing and syncing overlap
//! instead of taking turns. (Other connections may read a commit up to one
//! sync before it is durable; no caller is told it succeeded before that.)
//!
//! A server gives the WAL zeros ahead of SQLite's writes when it starts
//! ([`zero_fill_wal`], as PostgreSQL's `wal_init_zero`): an `fdatasync` after
//! writes that grow a file must also commit the file system's metadata (the
//! size, the new blocks); after overwrites, only the data. SQLite reuses its
//! WAL from the start after each checkpoint, so a long-running server
//! overwrites anyway; the zeros spare it the first cycle's appends.

use crate::{BoxFut, Conn, StoreError};
use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
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
    syncs: Arc<AtomicU64>,
    /// The write-ahead log the syncer makes durable.
    wal: Arc<PathBuf>,
}

/// Committed batches waiting for the WAL to reach the disk.
struct Committed {
    finishers: Vec<Finish>,
}

impl Writer {
    /// Start the writer thread; it owns `conn` until shut down.
    /// `wal` is the database's write-ahead log, which the syncer makes durable.
    pub(crate) fn start(conn: rusqlite::Connection, wal: PathBuf) -> Result<Writer, StoreError> {
        let (tx, rx) = mpsc::channel(4096);
        // Bounded, so the writer cannot run far ahead of the disk.
        let (to_sync, synced) = std::sync::mpsc::sync_channel::<Committed>(64);
        let syncs = Arc::new(AtomicU64::new(0));
        let counter = syncs.clone();
        let wal_path = wal.clone();
        let syncer = std::thread::Builder::new()
            .name("fuwu-sqlite-sync".into())
            .spawn(move || sync_loop(wal, synced, &counter))
            .map_err(|e| StoreError::Config(format!("cannot start the SQLite syncer: {e}")))?;
        // Lets a write that awaits something of tokio's (a timer, a channel) work here too.
        let runtime = tokio::runtime::Handle::try_current().ok();
        std::thread::Builder::new()
            .name("fuwu-sqlite-writer".into())
            .spawn(move || {
                let _entered = runtime.as_ref().map(|h| h.enter());
                run(conn, rx, to_sync, syncer);
            })
            .map_err(|e| StoreError::Config(format!("cannot start the SQLite writer: {e}")))?;
        Ok(Writer {
            tx,
            syncs,
            wal: Arc::new(wal_path),
        })
    }

    /// The database's write-ahead log.
    pub(crate) fn wal(&self) -> &std::path::Path {
        &self.wal
    }

    /// How many times the WAL was synced to the disk so far.
    pub(crate) fn syncs(&self) -> u64 {
        self.syncs.load(Ordering::Relaxed)
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

fn run(
    mut conn: rusqlite::Connection,
    mut rx: mpsc::Receiver<Msg>,
    to_sync: std::sync::mpsc::SyncSender<Committed>,
    syncer: std::thread::JoinHandle<()>,
) {
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
        if jobs.is_empty() {
            continue;
        }
        let (finishers, commit) = commit_batch(&mut conn, jobs);
        match commit {
            Ok(()) => {
                if let Err(e) = to_sync.send(Committed { finishers }) {
                    for finish in e.0.finishers {
                        finish(Err("the SQLite syncer stopped".into()));
                    }
                }
            }
            Err(msg) => {
                for finish in finishers {
                    finish(Err(msg.clone()));
                }
            }
        }
    }
    // Answer every committed caller before saying the writer is shut down.
    drop(to_sync);
    let _ = syncer.join();
    if let Err((_, e)) = conn.close() {
        tracing::warn!(error = %e, "closing the SQLite writer");
    }
    if let Some(s) = stop {
        let _ = s.send(());
    }
}

/// The WAL file, reopened if SQLite replaced it.
struct WalFile {
    path: PathBuf,
    file: Option<std::fs::File>,
}

impl WalFile {
    fn sync(&mut self) -> std::io::Result<()> {
        use std::os::unix::fs::MetadataExt;
        let on_disk = match std::fs::metadata(&self.path) {
            Ok(m) => m,
            // No WAL: SQLite checkpointed it into the database (syncing it) and removed it.
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
            Err(e) => return Err(e),
        };
        let same = match &self.file {
            Some(f) => f.metadata()?.ino() == on_disk.ino(),
            None => false,
        };
        if !same {
            self.file = Some(
                std::fs::OpenOptions::new()
                    .read(true)
                    .write(true)
                    .open(&self.path)?,
            );
        }
        match &self.file {
            Some(f) => f.sync_data(),
            None => Ok(()),
        }
    }
}

/// Extend the WAL at `path` with zeros to `bytes` and sync them, if it is
/// shorter. Run it as a write (SQLite's write lock keeps every writer, of any
/// process, off the WAL meanwhile): SQLite writes frames at its own position,
/// never past the end, and a frame of zeros ends its reading of the log, so
/// zeros past the end change nothing it reads.
pub(crate) fn zero_fill_wal(path: &std::path::Path, bytes: u64) -> std::io::Result<()> {
    use std::os::unix::fs::FileExt;
    let file = match std::fs::OpenOptions::new().write(true).open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(e),
    };
    let mut at = file.metadata()?.len();
    if at >= bytes {
        return Ok(());
    }
    let zeros = vec![0u8; 1 << 20];
    while at < bytes {
        let n = (bytes - at).min(zeros.len() as u64) as usize;
        file.write_all_at(&zeros[..n], at)?;
        at += n as u64;
    }
    file.sync_data()
}

fn sync_loop(wal: PathBuf, rx: std::sync::mpsc::Receiver<Committed>, syncs: &AtomicU64) {
    let mut wal = WalFile {
        path: wal,
        file: None,
    };
    while let Ok(first) = rx.recv() {
        // One sync covers every batch committed before it.
        let mut finishers = first.finishers;
        while let Ok(more) = rx.try_recv() {
            finishers.extend(more.finishers);
        }
        let result = wal.sync().map_err(|e| {
            tracing::error!(error = %e, "cannot sync the SQLite WAL; writes are not confirmed");
            format!("cannot make the write durable: {e}")
        });
        syncs.fetch_add(1, Ordering::Relaxed);
        for finish in finishers {
            finish(result.clone());
        }
    }
}

fn commit_batch(
    conn: &mut rusqlite::Connection,
    jobs: Vec<Job>,
) -> (Vec<Finish>, Result<(), String>) {
    let mut finishers: Vec<Finish> = Vec::with_capacity(jobs.len());
    let mut last_ok: Option<bool> = None;
    for job in jobs {
        let between = match last_ok {
            None => &["begin immediate", "savepoint call"][..],
            Some(true) => &["release call", "savepoint call"][..],
            Some(false) => &["rollback to call", "release call", "savepoint call"][..],
        };
        if let Err(e) = run_cached(conn, between) {
            tracing::error!(error = %e, "cannot open a savepoint; the batch is abandoned");
            let _ = conn.execute_batch("rollback");
            // Dropping the calls not yet run answers their callers with `WriterGone`.
            return (finishers, Err(e.to_string()));
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
        &["rollback to call", "commit"][..]
    } else {
        &["commit"][..]
    };
    let commit = match run_cached(conn, close) {
        Ok(()) => Ok(()),
        Err(e) => {
            tracing::error!(error = %e, "commit failed; the batch was rolled back");
            let _ = conn.execute_batch("rollback");
            Err(e.to_string())
        }
    };
    (finishers, commit)
}

/// Run bookkeeping statements, each prepared once for the connection's life.
fn run_cached(conn: &rusqlite::Connection, statements: &[&str]) -> rusqlite::Result<()> {
    for sql in statements {
        conn.prepare_cached(sql)?.raw_execute()?;
    }
    Ok(())
}
