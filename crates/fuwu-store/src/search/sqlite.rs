//! SQLite's searches: FTS5 tables (`search_requests`, `search_articles`,
//! rowid = the object's id), the newest matches ranked by bm25 (`rank.rs`).

use super::matching::{ARTICLE_VISIBLE, Arg, Hit, Matching, bound, needs_rows, row_conditions};
use crate::requests::RequestFilter;
use crate::{Conn, StoreError};
use fuwu_core::search::SearchQuery;

/// SQLite's request search (see [`super::search_requests`]): the FTS5 index
/// yields matches in rowid order, newest first, so the scan stops at the
/// candidates.
pub(super) async fn search_requests(
    c: &mut Conn<'_>,
    q: &SearchQuery,
    matching: Matching,
    filter: &RequestFilter,
    internal: bool,
    limit: i64,
) -> Result<Vec<Hit>, StoreError> {
    let mut args: Vec<Arg> = Vec::new();
    let needs_rows = needs_rows(filter);
    let expr = q.fts5(matching.combine);
    let expr = if internal {
        expr
    } else {
        format!("{{title body}} : ({expr})")
    };
    args.push(Arg::S(expr));
    let mut sql = format!(
        "select s.rowid as id
         from search_requests s{join}
         where search_requests match $1",
        join = if needs_rows {
            " join requests r on r.id = s.rowid"
        } else {
            ""
        }
    );
    sql.push_str(&row_conditions(filter, &mut args));
    sql.push_str(&format!(
        " order by s.rowid desc limit {}",
        matching.candidates
    ));
    // Rank the candidates only. The score (bm25, see `rank`) is computed as
    // the candidates are visited, in the same FTS5 cursor (it needs it); the
    // outer query sorts them.
    let n = args.len() + 1;
    let inner = sql.replacen(
        "select s.rowid as id",
        "select s.rowid as id, fuwu_rank(search_requests, $1, 'search_requests') as score",
        1,
    );
    let sql = format!("select id, score from ({inner}) order by score desc, id desc limit ${n}");
    args.push(Arg::I(limit));
    c.fetch_all(bound(sql, &args)).await
}

/// SQLite's article search: the newest visible matches, then ranked.
pub(super) fn articles_sql(cap: i64) -> String {
    let visible = ARTICLE_VISIBLE;
    format!(
        "select id, score from (
           select s.rowid as id, fuwu_rank(search_articles, 'articles ' || $1, 'search_articles') as score
           from search_articles s join articles a on a.id = s.rowid
           where search_articles match $1{visible}
           order by s.rowid desc limit {cap})
         order by score desc, id desc limit $4"
    )
}
