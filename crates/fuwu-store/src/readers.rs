//! SQLite connections: how they are opened, and the pool readers borrow from.

use crate::StoreError;
use rusqlite::{Connection, OpenFlags};
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::Duration;

/// Enough for every fixed statement of the store, so none is ever re-prepared.
const STATEMENT_CACHE: usize = 256;

/// Idle connections kept; more are opened when more reads run at once and closed afterwards.
const KEEP_IDLE: usize = 8;

/// Open a connection with Fuwu's settings. The writer sets the durable
/// journal mode; readers are read-only.
pub(crate) fn open(file: &Path, writer: bool) -> Result<Connection, StoreError> {
    let mut flags = OpenFlags::SQLITE_OPEN_READ_WRITE
        | OpenFlags::SQLITE_OPEN_NO_MUTEX
        | OpenFlags::SQLITE_OPEN_URI;
    if writer {
        flags |= OpenFlags::SQLITE_OPEN_CREATE;
    }
    let conn = Connection::open_with_flags(file, flags).map_err(|e| {
        StoreError::Config(format!(
            "cannot open SQLite database {}: {e}",
            file.display()
        ))
    })?;
    conn.busy_timeout(Duration::from_secs(10))?;
    conn.set_prepared_statement_cache_capacity(STATEMENT_CACHE);
    // Plans never depend on bound values: otherwise SQLite re-prepares a
    // cached statement whenever a parameter it could plan on is bound again
    // (a `LIMIT ?`, a compared column with statistics), which made a tenth
    // of a create's CPU and defeated the statement cache.
    conn.set_db_config(
        rusqlite::config::DbConfig::SQLITE_DBCONFIG_ENABLE_QPSG,
        true,
    )?;
    let settings = if writer {
        // NORMAL: SQLite does not sync the WAL at commit; the writer's syncer does,
        // before any caller is answered (see `batch`), so that syncing one batch
        // overlaps with running the next. Checkpoints still sync as under FULL;
        // they run on the writer, between batches, so they are made rarer
        // (every 10,000 WAL pages, ~40 MB, instead of 1,000): with the default,
        // the checkpoints' syncs and WAL writes were a tenth of the writer's
        // time under a stream of creates (docs/benchmarks-history.md, session 5).
        "pragma journal_mode = wal; pragma synchronous = normal; pragma wal_autocheckpoint = 10000;"
    } else {
        "pragma query_only = true;"
    };
    conn.execute_batch(settings)?;
    crate::rank::register(&conn)?;
    conn.execute_batch(
        "pragma foreign_keys = on; pragma temp_store = memory;
         pragma cache_size = -65536; pragma mmap_size = 0;",
    )?;
    Ok(conn)
}

/// Read connections, lent one per read.
pub(crate) struct Readers {
    file: PathBuf,
    idle: Mutex<Vec<Connection>>,
}

impl Readers {
    pub(crate) fn new(file: PathBuf) -> Result<Readers, StoreError> {
        let first = open(&file, false)?;
        Ok(Readers {
            file,
            idle: Mutex::new(vec![first]),
        })
    }

    pub(crate) fn take(&self) -> Result<Lent<'_>, StoreError> {
        let idle = self.idle.lock().map_or(None, |mut v| v.pop());
        let conn = match idle {
            Some(c) => c,
            None => open(&self.file, false)?,
        };
        Ok(Lent {
            pool: self,
            conn: Some(conn),
        })
    }

    pub(crate) fn close(&self) {
        if let Ok(mut v) = self.idle.lock() {
            v.clear();
        }
    }
}

/// A borrowed read connection; it goes back to the pool when dropped.
pub(crate) struct Lent<'p> {
    pool: &'p Readers,
    conn: Option<Connection>,
}

impl Lent<'_> {
    pub(crate) fn conn(&mut self) -> &mut Connection {
        self.conn.as_mut().expect("present until dropped")
    }
}

impl Drop for Lent<'_> {
    fn drop(&mut self) {
        let Some(conn) = self.conn.take() else { return };
        // A read that failed halfway may have left a statement or transaction open.
        if !conn.is_autocommit() {
            return;
        }
        if let Ok(mut v) = self.pool.idle.lock()
            && v.len() < KEEP_IDLE
        {
            v.push(conn);
        }
    }
}
