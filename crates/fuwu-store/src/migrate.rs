//! Migrations, embedded in the binary: `migrations/sqlite/` and
//! `migrations/postgres/` hold files of identical names. Each runs once, in a
//! transaction, recorded in `schema_migrations` with the SHA-256 of its text:
//! a migration edited after it was applied is refused at start, since the
//! database would silently lack the edit. On PostgreSQL an advisory lock lets
//! several nodes start at once.

use crate::StoreError;
use crate::pg::PgConn;

macro_rules! migrations {
    ($($name:literal),+ $(,)?) => {
        /// Names of all migrations, in order.
        pub const MIGRATION_NAMES: &[&str] = &[$($name),+];
        /// (name, SQL) for SQLite.
        pub fn sqlite_migrations() -> &'static [(&'static str, &'static str)] {
            &[$(($name, include_str!(concat!("../../../migrations/sqlite/", $name, ".sql")))),+]
        }
        /// (name, SQL) for PostgreSQL.
        pub fn postgres_migrations() -> &'static [(&'static str, &'static str)] {
            &[$(($name, include_str!(concat!("../../../migrations/postgres/", $name, ".sql")))),+]
        }
    };
}

migrations!(
    "0001_core",
    "0002_audit",
    "0003_system_user",
    "0004_sessions",
    "0005_access",
    "0006_sla",
    "0007_kb",
    "0008_search_queue",
    "0010_fault_reports",
    "0011_sla_history",
    "0012_search",
    "0013_queue_index",
    "0014_fts_hashsize",
    "0015_search_queue_order",
    "0016_search_storage",
    "0017_search_partitions",
    "0018_assignee_queue_index",
    "0019_search_partitions_ahead",
    "0020_migration_checksums"
);

const LOG_TABLE: &str = "create table if not exists schema_migrations (name text primary key, applied_at bigint not null)";

/// The migration that adds `schema_migrations.checksum`: before it is applied
/// there is nothing to compare.
const CHECKSUMS_FROM: &str = "0020_migration_checksums";

/// The SHA-256 (hex) of a migration's text as this build embeds it.
pub fn migration_checksum(sql: &str) -> String {
    use sha2::{Digest, Sha256};
    hex::encode(Sha256::digest(sql.as_bytes()))
}

/// Compare the checksums recorded for applied migrations with this build's.
/// A migration without one (applied before checksums were kept) is trusted
/// and filled in after the pending migrations ran.
fn verify(
    embedded: &[(&'static str, &'static str)],
    recorded: impl IntoIterator<Item = (String, Option<String>)>,
) -> Result<(), StoreError> {
    for (name, stored) in recorded {
        let (Some(stored), Some((_, sql))) = (stored, embedded.iter().find(|(n, _)| *n == name))
        else {
            continue;
        };
        if stored != migration_checksum(sql) {
            return Err(StoreError::Config(format!(
                "migration {name} was changed after it was applied to this database \
                 (recorded checksum {stored}, this build's {}); restore its original text \
                 and put the change in a new migration",
                migration_checksum(sql)
            )));
        }
    }
    Ok(())
}

/// An arbitrary constant naming Fuwu's migration lock on PostgreSQL.
const PG_LOCK_KEY: i64 = 0x0066_7577_756d_6967;

fn sqlite_applied(conn: &rusqlite::Connection, name: &str) -> Result<bool, rusqlite::Error> {
    conn.query_row(
        "select 1 from schema_migrations where name = ?1",
        [name],
        |_| Ok(()),
    )
    .map(|()| true)
    .or_else(|e| match e {
        rusqlite::Error::QueryReturnedNoRows => Ok(false),
        other => Err(other),
    })
}

pub(crate) fn run_sqlite(conn: &mut rusqlite::Connection, now_ms: i64) -> Result<(), StoreError> {
    conn.execute_batch(LOG_TABLE)?;
    if sqlite_applied(conn, CHECKSUMS_FROM)? {
        let recorded = conn
            .prepare("select name, checksum from schema_migrations")?
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<Result<Vec<_>, _>>()?;
        verify(sqlite_migrations(), recorded)?;
    }
    for (name, sql) in sqlite_migrations() {
        // IMMEDIATE takes the write lock first, so two processes never apply one migration twice.
        let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        if sqlite_applied(&tx, name)? {
            tx.commit()?;
            continue;
        }
        let result = tx.execute_batch(sql).and_then(|()| {
            tx.execute(
                "insert into schema_migrations (name, applied_at) values (?1, ?2)",
                rusqlite::params![name, now_ms],
            )
        });
        match result {
            Ok(_) => {
                tx.commit()?;
                tracing::info!(migration = name, "applied");
            }
            // Dropping the transaction rolls it back.
            Err(e) => return Err(StoreError::Config(format!("migration {name} failed: {e}"))),
        }
    }
    let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
    for (name, sql) in sqlite_migrations() {
        tx.execute(
            "update schema_migrations set checksum = ?1 where name = ?2 and checksum is null",
            rusqlite::params![migration_checksum(sql), name],
        )?;
    }
    tx.commit()?;
    Ok(())
}

pub(crate) async fn run_postgres(conn: &mut PgConn, now_ms: i64) -> Result<(), StoreError> {
    let client = &conn.client;
    client.batch_execute("begin").await?;
    let result = async {
        // Several nodes may start at once: one applies, the others wait and find it done.
        client
            .execute("select pg_advisory_xact_lock($1)", &[&PG_LOCK_KEY])
            .await?;
        client.batch_execute(LOG_TABLE).await?;
        let checksums_kept = client
            .query_opt(
                "select name from schema_migrations where name = $1",
                &[&CHECKSUMS_FROM],
            )
            .await?
            .is_some();
        if checksums_kept {
            let recorded = client
                .query("select name, checksum from schema_migrations", &[])
                .await?
                .iter()
                .map(|r| Ok((r.try_get(0)?, r.try_get(1)?)))
                .collect::<Result<Vec<_>, tokio_postgres::Error>>()?;
            verify(postgres_migrations(), recorded)?;
        }
        for (name, sql) in postgres_migrations() {
            let applied = client
                .query_opt(
                    "select name from schema_migrations where name = $1",
                    &[name],
                )
                .await?;
            if applied.is_some() {
                continue;
            }
            client
                .batch_execute(sql)
                .await
                .map_err(|e| StoreError::Config(format!("migration {name} failed: {e}")))?;
            client
                .execute(
                    "insert into schema_migrations (name, applied_at) values ($1, $2)",
                    &[name, &now_ms],
                )
                .await?;
            tracing::info!(migration = name, "applied");
        }
        for (name, sql) in postgres_migrations() {
            client
                .execute(
                    "update schema_migrations set checksum = $1 where name = $2 and checksum is null",
                    &[&migration_checksum(sql), name],
                )
                .await?;
        }
        Ok::<_, StoreError>(())
    }
    .await;
    match result {
        Ok(()) => Ok(client.batch_execute("commit").await?),
        Err(e) => {
            let _ = client.batch_execute("rollback").await;
            Err(e)
        }
    }
}
