//! Migrations, embedded in the binary: `migrations/sqlite/` and
//! `migrations/postgres/` hold files of identical names. Each runs once, in a
//! transaction, recorded in `schema_migrations`. On PostgreSQL an advisory
//! lock lets several nodes start at once.

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
    "0019_search_partitions_ahead"
);

const LOG_TABLE: &str = "create table if not exists schema_migrations (name text primary key, applied_at bigint not null)";

/// An arbitrary constant naming Fuwu's migration lock on PostgreSQL.
const PG_LOCK_KEY: i64 = 0x0066_7577_756d_6967;

pub(crate) fn run_sqlite(conn: &mut rusqlite::Connection, now_ms: i64) -> Result<(), StoreError> {
    conn.execute_batch(LOG_TABLE)?;
    for (name, sql) in sqlite_migrations() {
        // IMMEDIATE takes the write lock first, so two processes never apply one migration twice.
        let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        let applied = tx
            .query_row(
                "select 1 from schema_migrations where name = ?1",
                [name],
                |_| Ok(()),
            )
            .map(|()| true)
            .or_else(|e| match e {
                rusqlite::Error::QueryReturnedNoRows => Ok(false),
                other => Err(other),
            })?;
        if applied {
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
