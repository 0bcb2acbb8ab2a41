//! Optimistic updates: an `update … where id = $1 and version = $2
//! returning *` that returns nothing is explained here. Every record kind
//! uses it, so it lives apart from any one of them (it used to sit in the
//! directory, which made requests and the directory import each other).

use crate::{Conn, StoreError, query};

/// After an update matched no row: tell a missing record from a stale version.
async fn missing_or_stale(
    c: &mut Conn<'_>,
    table: &'static str,
    id: i64,
    expected: i64,
) -> StoreError {
    let sql = format!("select version from {table} where id = $1");
    let found: Result<Option<(i64,)>, StoreError> = c.fetch_optional(query(&sql).bind(id)).await;
    match found {
        Ok(Some(_)) => StoreError::StaleVersion { expected },
        Ok(None) => StoreError::NotFound,
        Err(e) => e,
    }
}

/// The row an update returned, or why there was none: missing or stale.
pub(crate) async fn updated_or_why_not<T>(
    c: &mut Conn<'_>,
    row: Option<T>,
    table: &'static str,
    id: i64,
    expected: i64,
) -> Result<T, StoreError> {
    match row {
        Some(r) => Ok(r),
        None => Err(missing_or_stale(c, table, id, expected).await),
    }
}
