//! The full-text index: requests and articles, written in the transaction
//! of each change, so whatever is committed is searchable at once on every
//! node. SQLite keeps it in FTS5 tables (`search_requests`,
//! `search_articles`, rowid = the object's id), PostgreSQL in `tsvector`
//! columns with GIN indexes; both hold the tokens of
//! [`fuwu_core::search::index_text`], so Chinese is split by jieba in Rust,
//! not by the database.
//!
//! [`index`] writes a request's or an article's tokens, [`queue`] holds the
//! requests waiting to be indexed and drains them, [`sqlite`] and
//! [`postgres`] search where the two engines truly differ, on what
//! [`matching`] gives both.

mod index;
mod matching;
mod postgres;
mod queue;
mod sqlite;

pub use index::{RequestTokens, index_article, index_request, index_request_id, tokens_of};
pub use matching::{CANDIDATES, Hit, Matching};
pub use postgres::{ensure_partitions, tsvector_literal};
pub use queue::{
    QueuedRequest, enqueue_request, id_list, queued_requests, queued_requests_after, settle_index,
    store_drained, vacuum_queue,
};

use crate::requests::RequestFilter;
use crate::{Conn, StoreError, query, query_owned};
use fuwu_core::search::SearchQuery;

/// Requests matching `q` within `filter` (already narrowed to the searcher's
/// reach), best first. `internal`: internal notes count too (staff).
///
/// Only the [`CANDIDATES`] newest matches that pass the filters are ranked:
/// the full-text index yields matches in id order, newest first, and the
/// scan stops there, so the cost does not grow with how many documents
/// match. The filters are applied before the cap, so a narrow reach still
/// gets every visible match up to the cap, and never anything else.
///
/// `helper`, a second connection (PostgreSQL), lets two parts of the search
/// run at once.
pub async fn search_requests(
    c: &mut Conn<'_>,
    helper: Option<&mut Conn<'_>>,
    q: &SearchQuery,
    matching: Matching,
    filter: &RequestFilter,
    internal: bool,
    limit: i64,
) -> Result<Vec<Hit>, StoreError> {
    match c {
        Conn::Sqlite(_) => sqlite::search_requests(c, q, matching, filter, internal, limit).await,
        Conn::Pg(_) => {
            postgres::search_requests(c, helper, q, matching, filter, internal, limit).await
        }
    }
}

/// Articles matching `q`, best first. `customer_view`: only published,
/// customer-visible ones; staff see drafts and internal ones too, never archived.
pub async fn search_articles(
    c: &mut Conn<'_>,
    q: &SearchQuery,
    matching: Matching,
    customer_view: bool,
    category: Option<&str>,
    limit: i64,
) -> Result<Vec<Hit>, StoreError> {
    // Like requests: the [`CANDIDATES`] newest visible matches, then ranked.
    let cap = matching.candidates;
    let (sql, expr) = match c {
        Conn::Sqlite(_) => (sqlite::articles_sql(cap), q.fts5(matching.combine)),
        Conn::Pg(_) => (postgres::articles_sql(cap), q.tsquery(matching.combine)),
    };
    c.fetch_all(
        query_owned(sql)
            .unprepared()
            .bind(expr.as_str())
            .bind(customer_view)
            .bind(category)
            .bind(limit),
    )
    .await
}

/// The synonym groups admins added, in order.
pub async fn custom_synonyms(c: &mut Conn<'_>) -> Result<Vec<Vec<String>>, StoreError> {
    let rows: Vec<(String,)> = c
        .fetch_all(query("select words from search_synonyms order by position"))
        .await?;
    Ok(rows
        .into_iter()
        .map(|(w,)| serde_json::from_str(&w).unwrap_or_default())
        .collect())
}

/// Replace the admins' synonym groups.
pub async fn replace_synonyms(
    c: &mut Conn<'_>,
    groups: &[Vec<String>],
    by: i64,
    at: i64,
) -> Result<(), StoreError> {
    c.execute(query("delete from search_synonyms")).await?;
    for (i, g) in groups.iter().enumerate() {
        let words = serde_json::to_string(g).unwrap_or_else(|_| "[]".to_owned());
        c.execute(
            query("insert into search_synonyms (position, words, updated_by, updated_at) values ($1, $2, $3, $4)")
                .bind(i as i64)
                .bind(words.as_str())
                .bind(by)
                .bind(at),
        )
        .await?;
    }
    Ok(())
}

/// Ids of requests (`articles`: of articles) after `after`, in id order: the
/// reindex walks them in batches.
pub async fn ids_after(
    c: &mut Conn<'_>,
    articles: bool,
    after: i64,
    limit: i64,
) -> Result<Vec<i64>, StoreError> {
    let sql = if articles {
        "select id from articles where id > $1 order by id limit $2"
    } else {
        "select id from requests where id > $1 order by id limit $2"
    };
    let rows: Vec<(i64,)> = c.fetch_all(query(sql).bind(after).bind(limit)).await?;
    Ok(rows.into_iter().map(|(i,)| i).collect())
}

/// How many requests and articles there are (for the reindex's progress).
pub async fn counts(c: &mut Conn<'_>) -> Result<(i64, i64), StoreError> {
    let (r,): (i64,) = c.fetch_one(query("select count(*) from requests")).await?;
    let (a,): (i64,) = c.fetch_one(query("select count(*) from articles")).await?;
    Ok((r, a))
}
