//! Cursor paging shared by the directory, the audit log and the knowledge
//! base. Its own module so that none of them imports another for it (the
//! audit log and the directory used to import each other).

use crate::Page;

/// Clamp a client's page size to 1..=200 (default 50).
pub fn page_limit(requested: Option<i64>) -> i64 {
    requested.unwrap_or(50).clamp(1, 200)
}

/// Cut one extra fetched row off and turn the last kept id into the next cursor.
pub(crate) fn page<T>(mut items: Vec<T>, limit: i64, id: impl Fn(&T) -> i64) -> Page<T> {
    let next = if items.len() as i64 > limit {
        items.truncate(limit as usize);
        items.last().map(|t| id(t).to_string())
    } else {
        None
    };
    Page {
        items,
        next_cursor: next,
    }
}
