//! The only crate that speaks SQL. One SQL text per query runs on SQLite and
//! on PostgreSQL: a [`Conn`] is either engine's connection, and the small
//! query layer in [`sql`] binds arguments and decodes rows the same way on both.
//!
//! Writes go through [`Db::write`]: on PostgreSQL one transaction per call
//! (the server groups concurrent commits in its WAL flush); on SQLite a single
//! writer thread groups the calls that queue up while a commit is being made
//! into one durable transaction, each call in its own savepoint, and answers
//! them only after the commit reached the disk. SQLite reads run in-process on
//! the calling thread, on a connection from a small pool; on PostgreSQL the
//! point reads of requests that arrive together share one statement
//! ([`Db::request_with_contract`], `coalesce`), and the creates of requests
//! that arrive together are written together ([`Db::create_request`], [`creates`]).

pub mod audit;
mod batch;
mod coalesce;
mod contract_terms;
pub mod creates;
pub mod dashboard;
pub mod directory;
mod error;
pub mod knowledge;
mod migrate;
pub mod pg;
mod rank;
mod readers;
pub mod reports;
pub mod requests;
pub mod search;
pub mod ser;
pub mod sessions;
pub mod sla;
pub mod sql;
pub mod tokens;
mod versions;

pub use error::StoreError;
pub use migrate::{MIGRATION_NAMES, migration_checksum, postgres_migrations, sqlite_migrations};
pub use sql::{FromRow, Query, query, query_owned};

use std::future::Future;
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::sync::Arc;

/// A boxed future borrowing a connection for `'c`.
pub type BoxFut<'c, T> = Pin<Box<dyn Future<Output = T> + Send + 'c>>;

/// A connection of either engine, lent to a read or a write.
pub enum Conn<'c> {
    Sqlite(&'c mut rusqlite::Connection),
    Pg(&'c mut pg::PgConn),
}

impl Conn<'_> {
    pub fn engine(&self) -> Engine {
        match self {
            Conn::Sqlite(_) => Engine::Sqlite,
            Conn::Pg(_) => Engine::Postgres,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Engine {
    Sqlite,
    Postgres,
}

impl Engine {
    pub const fn name(self) -> &'static str {
        match self {
            Engine::Sqlite => "sqlite",
            Engine::Postgres => "postgres",
        }
    }
}

/// Where the data lives.
#[derive(Debug, Clone)]
pub enum Location {
    /// An SQLite database file `fuwu.db` inside this folder (created if missing).
    SqliteFolder(PathBuf),
    /// A `postgres://` URL.
    Postgres(String),
}

impl Location {
    /// A `postgres://` or `postgresql://` URL selects PostgreSQL; anything else is refused
    /// so that a typo never silently creates an empty SQLite database.
    pub fn from_url_or_folder(url: Option<&str>, data_dir: &Path) -> Result<Self, StoreError> {
        match url {
            None => Ok(Location::SqliteFolder(data_dir.to_path_buf())),
            Some(u) if u.starts_with("postgres://") || u.starts_with("postgresql://") => {
                Ok(Location::Postgres(u.to_owned()))
            }
            Some(u) if u.starts_with("sqlite:") => {
                let path = u
                    .trim_start_matches("sqlite://")
                    .trim_start_matches("sqlite:");
                Ok(Location::SqliteFolder(PathBuf::from(path)))
            }
            Some(other) => Err(StoreError::Config(format!(
                "unsupported database URL `{other}`: use postgres://… or leave it out for SQLite in the data folder"
            ))),
        }
    }
}

/// The database, on either engine.
#[derive(Clone)]
pub struct Db {
    inner: Inner,
}

#[derive(Clone)]
enum Inner {
    Sqlite {
        readers: Arc<readers::Readers>,
        writer: batch::Writer,
    },
    Pg {
        pool: Arc<pg::Pool>,
        request_reads: Arc<coalesce::RequestReads>,
        request_creates: Arc<creates::RequestCreates>,
    },
}

impl Db {
    /// Connect, run pending migrations, and start the SQLite writer. `now_ms` stamps the migration log.
    pub async fn open(location: &Location, now_ms: i64) -> Result<Db, StoreError> {
        match location {
            Location::SqliteFolder(dir) => {
                std::fs::create_dir_all(dir).map_err(|e| {
                    StoreError::Config(format!("cannot create data folder {}: {e}", dir.display()))
                })?;
                let file = dir.join("fuwu.db");
                let mut writer_conn = readers::open(&file, true)?;
                migrate::run_sqlite(&mut writer_conn, now_ms)?;
                let wal = dir.join("fuwu.db-wal");
                let readers = Arc::new(readers::Readers::new(file)?);
                let db = Db {
                    inner: Inner::Sqlite {
                        readers,
                        writer: batch::Writer::start(writer_conn, wal)?,
                    },
                };
                db.seed(now_ms).await?;
                Ok(db)
            }
            Location::Postgres(url) => {
                // Validate the URL up front for a clear message (a typo is not "unavailable").
                url.parse::<pg::tokio_postgres::Config>()
                    .map_err(|e| StoreError::Config(format!("bad PostgreSQL URL: {e}")))?;
                let pool = pg::Pool::open(url, 16).await?;
                let mut lent = pool.acquire().await?;
                migrate::run_postgres(lent.conn(), now_ms).await?;
                drop(lent);
                let db = Db {
                    inner: Inner::Pg {
                        request_reads: Arc::new(coalesce::RequestReads::start(url).await?),
                        request_creates: Arc::new(creates::RequestCreates::start(url).await?),
                        pool,
                    },
                };
                db.seed(now_ms).await?;
                Ok(db)
            }
        }
    }

    /// Data every database starts with: the SLA policy templates.
    async fn seed(&self, now_ms: i64) -> Result<(), StoreError> {
        self.write(move |mut c| Box::pin(async move { sla::seed_policies(&mut c, now_ms).await }))
            .await
    }

    pub fn engine(&self) -> Engine {
        match &self.inner {
            Inner::Sqlite { .. } => Engine::Sqlite,
            Inner::Pg { .. } => Engine::Postgres,
        }
    }

    /// Run `f` in a write transaction; its result is returned only once the
    /// transaction is durably committed. An `Err` from `f` rolls back its work alone.
    ///
    /// On PostgreSQL a transaction that lost a deadlock or a serialization
    /// conflict is run again (a clone of `f`, from the start; see
    /// `pg::transaction`), so `f` must be `Clone`: whatever it captured, it
    /// reads afresh each time.
    pub async fn write<T, E, F>(&self, f: F) -> Result<T, E>
    where
        F: for<'c> FnOnce(Conn<'c>) -> BoxFut<'c, Result<T, E>> + Clone + Send + 'static,
        T: Send + 'static,
        E: From<StoreError> + Send + 'static,
    {
        match &self.inner {
            Inner::Sqlite { writer, .. } => writer.run(f).await,
            Inner::Pg { pool, .. } => {
                let mut lent = pool.acquire().await?;
                pg::transaction(lent.conn(), f).await
            }
        }
    }

    /// Run `f` on a reading connection (it sees committed data only).
    pub async fn read<T, E, F>(&self, f: F) -> Result<T, E>
    where
        F: for<'c> FnOnce(Conn<'c>) -> BoxFut<'c, Result<T, E>>,
        E: From<StoreError>,
    {
        match &self.inner {
            Inner::Sqlite { readers, .. } => {
                let mut lent = readers.take()?;
                f(Conn::Sqlite(lent.conn())).await
            }
            Inner::Pg { pool, .. } => {
                let mut lent = pool.acquire().await?;
                f(Conn::Pg(lent.conn())).await
            }
        }
    }

    /// Like [`Db::read`], with a second reading connection when one is idle
    /// on PostgreSQL, for a read whose parts can run at once there (two
    /// backends, two cores). Never waits for the second: several such reads
    /// waiting for each other's connections could hold the whole pool. On
    /// SQLite reads run on the calling thread, so there is no second.
    pub async fn read_pair<T, E, F>(&self, f: F) -> Result<T, E>
    where
        F: for<'c> FnOnce(Conn<'c>, Option<Conn<'c>>) -> BoxFut<'c, Result<T, E>>,
        E: From<StoreError>,
    {
        match &self.inner {
            Inner::Sqlite { readers, .. } => {
                let mut lent = readers.take()?;
                f(Conn::Sqlite(lent.conn()), None).await
            }
            Inner::Pg { pool, .. } => {
                let mut lent = pool.acquire().await?;
                let mut helper = pool.try_idle();
                let second = helper.as_mut().map(|h| Conn::Pg(h.conn()));
                f(Conn::Pg(lent.conn()), second).await
            }
        }
    }

    /// A request with its contract's terms, as [`requests::get_request_with_contract`]
    /// reads it. On PostgreSQL the reads that arrive together share one
    /// statement (see `coalesce`); on SQLite a point read is microseconds on
    /// the calling thread and needs no such help.
    pub async fn request_with_contract(
        &self,
        id: i64,
    ) -> Result<requests::RequestWithContract, StoreError> {
        match &self.inner {
            Inner::Sqlite { readers, .. } => {
                let mut lent = readers.take()?;
                requests::get_request_with_contract(&mut Conn::Sqlite(lent.conn()), id).await
            }
            Inner::Pg { request_reads, .. } => request_reads.get(id).await,
        }
    }

    /// Take in a new request with its history row, clocks and idempotency
    /// key, durably. On PostgreSQL the creates that arrive together are
    /// written together (see [`creates`]).
    pub async fn create_request(
        &self,
        rec: creates::NewRequestRecord,
    ) -> Result<requests::Request, StoreError> {
        match &self.inner {
            Inner::Sqlite { writer, .. } => {
                writer
                    .run(move |mut c| {
                        Box::pin(async move { creates::insert_new_request(&mut c, rec).await })
                    })
                    .await
            }
            Inner::Pg {
                request_creates, ..
            } => request_creates.create(rec).await,
        }
    }

    /// Give SQLite's WAL its working size in zeros ahead of its writes (a
    /// server does this when it starts; see `batch`): one checkpoint interval
    /// of 10,000 pages with their frame headers, and room. Only speed is at
    /// stake, so a failure is logged, not returned. Nothing on PostgreSQL.
    pub async fn preallocate_wal(&self) {
        const BYTES: u64 = 48 << 20;
        let Inner::Sqlite { writer, .. } = &self.inner else {
            return;
        };
        let wal = writer.wal().to_path_buf();
        let done = self
            .write(move |_| {
                Box::pin(async move {
                    batch::zero_fill_wal(&wal, BYTES).map_err(|e| StoreError::Config(e.to_string()))
                })
            })
            .await;
        if let Err(e) = done {
            tracing::warn!(error = %e, "cannot preallocate the SQLite WAL");
        }
    }

    /// Refresh the query planner's statistics (after bulk loads).
    pub async fn analyze(&self) -> Result<(), StoreError> {
        self.write(|mut c| Box::pin(async move { c.execute_script("analyze").await }))
            .await
    }

    /// The SQLite writer's (journal mode, synchronous level, foreign keys); `None` on PostgreSQL.
    /// Lets tests and operators check the settings; the level is NORMAL (1) because the
    /// writer syncs the WAL itself before answering (see `batch`).
    pub async fn sqlite_settings(&self) -> Result<Option<(String, i64, i64)>, StoreError> {
        if self.engine() != Engine::Sqlite {
            return Ok(None);
        }
        self.write(|c| {
            Box::pin(async move {
                let Conn::Sqlite(c) = c else { return Ok(None) };
                let mode: String = c.query_row("pragma journal_mode", [], |r| r.get(0))?;
                let sync: i64 = c.query_row("pragma synchronous", [], |r| r.get(0))?;
                let fk: i64 = c.query_row("pragma foreign_keys", [], |r| r.get(0))?;
                Ok::<_, StoreError>(Some((mode, sync, fk)))
            })
        })
        .await
    }

    /// How many times the SQLite writer has synced its WAL to the disk (`None` on PostgreSQL).
    pub fn sqlite_wal_syncs(&self) -> Option<u64> {
        match &self.inner {
            Inner::Sqlite { writer, .. } => Some(writer.syncs()),
            Inner::Pg { .. } => None,
        }
    }

    /// Every table's columns, as (table, column) pairs, sorted: to compare the two engines' schemas.
    pub async fn schema_columns(&self) -> Result<Vec<(String, String)>, StoreError> {
        let sql = match self.engine() {
            Engine::Sqlite => {
                "select m.name, p.name from sqlite_master m join pragma_table_info(m.name) p
                 where m.type = 'table' and m.name not like 'sqlite_%' order by 1, 2"
            }
            Engine::Postgres => {
                "select table_name::text, column_name::text from information_schema.columns
                 where table_schema = current_schema() order by 1, 2"
            }
        };
        self.read(move |mut c| Box::pin(async move { c.fetch_all(query(sql)).await }))
            .await
    }

    /// Close connections, waiting for queued writes to finish.
    pub async fn close(self) {
        match self.inner {
            Inner::Sqlite { readers, writer } => {
                writer.shutdown().await;
                readers.close();
            }
            Inner::Pg { pool, .. } => pool.close(),
        }
    }
}
