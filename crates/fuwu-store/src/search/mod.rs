//! The full-text index: requests and articles, written in the transaction
//! of each change, so whatever is committed is searchable at once on every
//! node. SQLite keeps it in FTS5 tables (`search_requests`,
//! `search_articles`, rowid = the object's id), PostgreSQL in `tsvector`
//! columns with GIN indexes; both hold the tokens of
//! [`fuwu_core::search::index_text`], so Chinese is split by jieba in Rust,
//! not by the database.

use crate::knowledge::Article;
use crate::requests::{Request, RequestFilter};
use crate::{Conn, StoreError, query, query_owned};
use fuwu_core::search::{Combine, SearchQuery, index_text};

fn json_words(list: &str) -> String {
    serde_json::from_str::<Vec<String>>(list)
        .unwrap_or_default()
        .join(" ")
}

/// The tokens of a request as the index sees it, from its row and messages.
async fn request_tokens(c: &mut Conn<'_>, r: &Request) -> Result<RequestTokens, StoreError> {
    let messages: Vec<(String, String)> = c
        .fetch_all(
            query(
                "select visibility, body from request_messages where request_id = $1 order by id",
            )
            .bind(r.id),
        )
        .await?;
    Ok(tokens_of(r, &messages))
}

/// The tokens of a request from its row and its messages (visibility, body)
/// in order: pure CPU work (jieba), so a batch can be cut on several threads.
pub fn tokens_of(r: &Request, messages: &[(String, String)]) -> RequestTokens {
    let mut public = vec![r.description.as_str()];
    public.extend(r.resolution.as_deref());
    public.extend(r.response_plan.as_deref());
    let mut internal = Vec::new();
    for (v, body) in messages {
        if v == "public" {
            public.push(body);
        } else {
            internal.push(body.as_str());
        }
    }
    RequestTokens {
        title: index_text(&r.title),
        body: index_text(&public.join("\n")),
        internal: index_text(&internal.join("\n")),
    }
}

/// A queued request's stored text, read for indexing: its row (`None`: gone)
/// and its messages (visibility, body) in order.
#[derive(Debug, Clone)]
pub struct QueuedRequest {
    pub id: i64,
    pub seq: i64,
    /// Its place in the queue, with `id`: where the next read goes on from.
    pub queued_at: i64,
    pub request: Option<Request>,
    pub messages: Vec<(String, String)>,
}

impl QueuedRequest {
    /// Its index tokens (empty when the request is gone).
    pub fn tokens(&self) -> RequestTokens {
        match &self.request {
            Some(r) => tokens_of(r, &self.messages),
            None => RequestTokens::empty(),
        }
    }
}

/// A request's index tokens (title, public text, internal notes), made in
/// Rust by [`index_text`].
#[derive(Debug, Clone)]
pub struct RequestTokens {
    pub title: String,
    pub body: String,
    pub internal: String,
}

impl RequestTokens {
    pub fn empty() -> RequestTokens {
        RequestTokens {
            title: String::new(),
            body: String::new(),
            internal: String::new(),
        }
    }

    /// PostgreSQL's `doc` (title A, public text B) and `internal` columns.
    fn tsvectors(&self) -> (String, String) {
        (
            tsvector_literal(&[(&self.title, Some('A')), (&self.body, Some('B'))]),
            tsvector_literal(&[(&self.internal, None)]),
        )
    }

    fn is_empty(&self) -> bool {
        self.title.is_empty() && self.body.is_empty() && self.internal.is_empty()
    }
}

/// (Re)index one request from its stored row and messages.
pub async fn index_request(c: &mut Conn<'_>, r: &Request) -> Result<(), StoreError> {
    let tokens = request_tokens(c, r).await?;
    write_request_tokens(c, r.id, &tokens).await
}

/// Store a request's tokens, replacing what the index held for it.
async fn write_request_tokens(
    c: &mut Conn<'_>,
    id: i64,
    t: &RequestTokens,
) -> Result<(), StoreError> {
    match c {
        Conn::Sqlite(_) => {
            c.execute(query("delete from search_requests where rowid = $1").bind(id))
                .await?;
            c.execute(
                query("insert into search_requests (rowid, title, body, internal) values ($1, $2, $3, $4)")
                    .bind(id)
                    .bind(&t.title)
                    .bind(&t.body)
                    .bind(&t.internal),
            )
            .await?;
        }
        Conn::Pg(_) => {
            let (doc, internal) = t.tsvectors();
            c.execute(
                query(
                    "insert into search_requests (request_id, doc, internal) values ($1, $2::tsvector, $3::tsvector)
                     on conflict (request_id) do update set doc = excluded.doc, internal = excluded.internal",
                )
                .bind(id)
                .bind(&doc)
                .bind(&internal),
            )
            .await?;
        }
    }
    Ok(())
}

/// Tokens (space-separated, as [`index_text`] writes them) as a PostgreSQL
/// `tsvector` literal, each part with its weight (`None`: PostgreSQL's
/// default, D), positions counted on across the parts like
/// `setweight(a, 'A') || setweight(b, 'B')` would.
///
/// Writing the lexemes ourselves, not through `to_tsvector`, spares the
/// server its text parser (about a third of the indexing's server time) and
/// keeps index and query alike by construction: the query side is a
/// `tsquery` literal of the same tokens. PostgreSQL's limits are kept as
/// `to_tsvector` keeps them: positions stop at 16,383, a lexeme keeps its
/// first 256 positions, lexemes over 2,047 bytes are left out.
pub fn tsvector_literal(parts: &[(&str, Option<char>)]) -> String {
    const MAX_POS: u32 = (1 << 14) - 1;
    const MAX_POSITIONS: usize = 256;
    const MAX_LEXEME: usize = (1 << 11) - 1;
    let mut lexemes: std::collections::HashMap<&str, Vec<(u32, Option<char>)>> =
        std::collections::HashMap::new();
    let mut order: Vec<&str> = Vec::new();
    let mut pos: u32 = 0;
    for (text, weight) in parts {
        for tok in text.split_whitespace() {
            pos = (pos + 1).min(MAX_POS);
            if tok.len() > MAX_LEXEME {
                continue;
            }
            let list = lexemes.entry(tok).or_insert_with(|| {
                order.push(tok);
                Vec::new()
            });
            if list.len() < MAX_POSITIONS && list.last().is_none_or(|l| l.0 != pos) {
                list.push((pos, *weight));
            }
        }
    }
    let mut out = String::with_capacity(order.iter().map(|t| t.len() + 8).sum());
    for tok in order {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push('\'');
        for ch in tok.chars() {
            match ch {
                '\'' => out.push_str("''"),
                '\\' => out.push_str("\\\\"),
                c => out.push(c),
            }
        }
        out.push_str("':");
        for (i, (p, w)) in lexemes[tok].iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            out.push_str(&p.to_string());
            if let Some(w) = w {
                out.push(*w);
            }
        }
    }
    out
}

/// Queue request `id` for indexing. Queuing it again bumps its `seq`, so a
/// drain that read an older text never removes the newer entry.
pub async fn enqueue_request(c: &mut Conn<'_>, id: i64, now: i64) -> Result<(), StoreError> {
    c.execute(
        query(
            "insert into search_queue (request_id, queued_at) values ($1, $2)
             on conflict (request_id) do update set queued_at = excluded.queued_at, seq = search_queue.seq + 1",
        )
        .bind(id)
        .bind(now),
    )
    .await?;
    Ok(())
}

/// Up to `limit` queued requests with their rows and messages, read with
/// three queries whatever the batch size (the tokens are cut by the caller,
/// see [`QueuedRequest::tokens`]).
pub async fn queued_requests(
    c: &mut Conn<'_>,
    limit: i64,
) -> Result<Vec<QueuedRequest>, StoreError> {
    queued_requests_after(c, None, limit).await
}

/// Like [`queued_requests`], from after queue place `after` (`queued_at`,
/// request id) on: a drain reads its next batch while the previous one,
/// still queued, is being written.
pub async fn queued_requests_after(
    c: &mut Conn<'_>,
    after: Option<(i64, i64)>,
    limit: i64,
) -> Result<Vec<QueuedRequest>, StoreError> {
    let (at, id) = after.unwrap_or((i64::MIN, i64::MIN));
    let queued: Vec<(i64, i64, i64)> = c
        .fetch_all(
            query(
                "select request_id, seq, queued_at from search_queue
                 where queued_at > $1 or (queued_at = $1 and request_id > $2)
                 order by queued_at, request_id limit $3",
            )
            .bind(at)
            .bind(id)
            .bind(limit),
        )
        .await?;
    if queued.is_empty() {
        return Ok(Vec::new());
    }
    let list = id_list(queued.iter().map(|q| q.0));
    let rows: Vec<Request> = c
        .fetch_all(query_owned(format!("select * from requests where id in ({list})")).unprepared())
        .await?;
    let messages: Vec<(i64, String, String)> = c
        .fetch_all(
            query_owned(format!(
                "select request_id, visibility, body from request_messages where request_id in ({list}) order by request_id, id"
            ))
            .unprepared(),
        )
        .await?;
    let mut rows: std::collections::HashMap<i64, Request> =
        rows.into_iter().map(|r| (r.id, r)).collect();
    let mut by_request: std::collections::HashMap<i64, Vec<(String, String)>> =
        std::collections::HashMap::new();
    for (id, v, b) in messages {
        by_request.entry(id).or_default().push((v, b));
    }
    Ok(queued
        .into_iter()
        .map(|(id, seq, queued_at)| QueuedRequest {
            id,
            seq,
            queued_at,
            // Gone (never committed elsewhere, or removed): the entry is dropped.
            request: rows.remove(&id),
            messages: by_request.remove(&id).unwrap_or_default(),
        })
        .collect())
}

/// `1, 2, 3`: integers spelled into a statement (no parameters to bind).
pub fn id_list(ids: impl IntoIterator<Item = i64>) -> String {
    ids.into_iter()
        .map(|i| i.to_string())
        .collect::<Vec<_>>()
        .join(", ")
}

/// Write the tokens of drained requests and remove their queue entries
/// (only those not queued again since they were read), with a handful of
/// statements per batch.
///
/// Several nodes may drain the same entries at once (PostgreSQL): the
/// entries are first locked in id order (`for update`), so the second
/// drainer waits for the first to commit, then deletes nothing and writes
/// nothing; two drainers lock in the same order and never deadlock.
pub async fn store_drained(
    c: &mut Conn<'_>,
    drained: &[(i64, i64, RequestTokens)],
) -> Result<usize, StoreError> {
    if drained.is_empty() {
        return Ok(0);
    }
    let list = id_list(drained.iter().map(|d| d.0));
    if matches!(c, Conn::Pg(_)) {
        let _locked: Vec<(i64,)> = c
            .fetch_all(
                query_owned(format!(
                    "select request_id from search_queue where request_id in ({list}) order by request_id for update"
                ))
                .unprepared(),
            )
            .await?;
    }
    let pairs = drained
        .iter()
        .map(|(id, seq, _)| format!("({id}, {seq})"))
        .collect::<Vec<_>>()
        .join(", ");
    let gone: Vec<(i64,)> = c
        .fetch_all(
            query_owned(format!(
                "delete from search_queue where (request_id, seq) in (values {pairs}) returning request_id"
            ))
            .unprepared(),
        )
        .await?;
    let gone: std::collections::HashSet<i64> = gone.into_iter().map(|(i,)| i).collect();
    // Queued again meanwhile, or drained by another node: nothing to do for those.
    let mut write: Vec<(i64, &RequestTokens)> = drained
        .iter()
        .filter(|(id, _, t)| gone.contains(id) && !t.is_empty())
        .map(|(id, _, t)| (*id, t))
        .collect();
    write.sort_by_key(|w| w.0);
    write.dedup_by_key(|w| w.0);
    write_tokens_batch(c, &write).await?;
    Ok(write.len())
}

/// Store the tokens of many requests, replacing what the index held for
/// them: on SQLite one `delete` and multi-row `insert`s with anonymous `?`
/// (numbered parameters are looked up linearly, quadratic in a big
/// statement); on PostgreSQL multi-row upserts.
async fn write_tokens_batch(
    c: &mut Conn<'_>,
    rows: &[(i64, &RequestTokens)],
) -> Result<(), StoreError> {
    if rows.is_empty() {
        return Ok(());
    }
    // 4 parameters a row (3 on PostgreSQL); stay far below either engine's limit.
    const CHUNK: usize = 200;
    if matches!(c, Conn::Sqlite(_)) {
        let list = id_list(rows.iter().map(|r| r.0));
        c.execute(
            query_owned(format!(
                "delete from search_requests where rowid in ({list})"
            ))
            .unprepared(),
        )
        .await?;
    }
    for chunk in rows.chunks(CHUNK) {
        match c {
            Conn::Sqlite(_) => {
                let values = vec!["(?, ?, ?, ?)"; chunk.len()].join(", ");
                let mut q = query_owned(format!(
                    "insert into search_requests (rowid, title, body, internal) values {values}"
                ))
                .unprepared();
                for (id, t) in chunk {
                    q.push(*id);
                    q.push(t.title.as_str());
                    q.push(t.body.as_str());
                    q.push(t.internal.as_str());
                }
                c.execute(q).await?;
            }
            Conn::Pg(_) => {
                let values = (0..chunk.len())
                    .map(|i| {
                        let n = i * 3;
                        format!(
                            "(${}::int8, ${}::tsvector, ${}::tsvector)",
                            n + 1,
                            n + 2,
                            n + 3
                        )
                    })
                    .collect::<Vec<_>>()
                    .join(", ");
                let vectors: Vec<(String, String)> =
                    chunk.iter().map(|(_, t)| t.tsvectors()).collect();
                let mut q = query_owned(format!(
                    "insert into search_requests (request_id, doc, internal) values {values}
                     on conflict (request_id) do update set doc = excluded.doc, internal = excluded.internal"
                ))
                .unprepared();
                for ((id, _), (doc, internal)) in chunk.iter().zip(&vectors) {
                    q.push(*id);
                    q.push(doc.as_str());
                    q.push(internal.as_str());
                }
                c.execute(q).await?;
            }
        }
    }
    Ok(())
}

/// After a drain wrote to it: merge PostgreSQL's GIN pending lists (where
/// fast inserts go) into the indexes, which every search would otherwise
/// scan linearly (~10 ms each after a bulk drain of 100,000 requests) until
/// autovacuum gets to them. Nothing to do on SQLite.
pub async fn settle_index(c: &mut Conn<'_>) -> Result<(), StoreError> {
    if matches!(c, Conn::Pg(_)) {
        // The requests' index is partitioned: each partition's GIN index has its own list.
        let _: Vec<(i64,)> = c
            .fetch_all(query(
                "select gin_clean_pending_list(i.inhrelid::regclass)::int8 from pg_inherits i
                 where i.inhparent in ('search_requests_doc'::regclass, 'search_requests_internal'::regclass)",
            ))
            .await?;
    }
    Ok(())
}

/// After a big drain on PostgreSQL: vacuum the queue, whose dead entries
/// every search's queue read would otherwise step over (4 ms a search after
/// a bulk reindex of 1,000,000) until autovacuum gets to them. Outside any
/// transaction; nothing to do on SQLite.
pub async fn vacuum_queue(c: &mut Conn<'_>) -> Result<(), StoreError> {
    if matches!(c, Conn::Pg(_)) {
        c.execute_script("vacuum search_queue").await?;
    }
    Ok(())
}

/// PostgreSQL: make sure the index has partitions for request `id` and one
/// partition beyond it (see migrations 0017 and 0019), so requests created
/// meanwhile find theirs. Returns the highest request id that still has a
/// partition beyond its own: nothing to do again until a request beyond it
/// is indexed (`i64::MAX` on SQLite, which has no partitions). `i64::MIN`
/// when another creator was at it or a lock was not free within 200 ms:
/// making partitions never waits in a write's way; ask again later. In its
/// own transaction, before the rows are written.
pub async fn ensure_partitions(c: &mut Conn<'_>, id: i64) -> Result<i64, StoreError> {
    if !matches!(c, Conn::Pg(_)) {
        return Ok(i64::MAX);
    }
    let upto = id + (1 << PG_PARTITION_BITS);
    let (made,): (bool,) = c
        .fetch_one(query("select fuwu_search_partitions($1::int8)").bind(upto))
        .await?;
    if !made {
        return Ok(i64::MIN);
    }
    Ok(((upto >> PG_PARTITION_BITS) << PG_PARTITION_BITS) - 1)
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

/// (Re)index the request `id`.
pub async fn index_request_id(c: &mut Conn<'_>, id: i64) -> Result<(), StoreError> {
    let r = crate::requests::get_request(c, id).await?;
    index_request(c, &r).await
}

/// (Re)index one article.
pub async fn index_article(c: &mut Conn<'_>, a: &Article) -> Result<(), StoreError> {
    let title = index_text(&format!(
        "{} {} {}",
        a.title,
        json_words(&a.tags),
        json_words(&a.related_systems)
    ));
    let body = index_text(&format!("{}\n{}\n{}", a.symptom, a.cause, a.solution));
    match c {
        Conn::Sqlite(_) => {
            c.execute(query("delete from search_articles where rowid = $1").bind(a.id))
                .await?;
            c.execute(
                query("insert into search_articles (rowid, title, body) values ($1, $2, $3)")
                    .bind(a.id)
                    .bind(&title)
                    .bind(&body),
            )
            .await?;
        }
        Conn::Pg(_) => {
            let doc = tsvector_literal(&[(&title, Some('A')), (&body, Some('B'))]);
            c.execute(
                query(
                    "insert into search_articles (article_id, doc) values ($1, $2::tsvector)
                     on conflict (article_id) do update set doc = excluded.doc",
                )
                .bind(a.id)
                .bind(&doc),
            )
            .await?;
        }
    }
    Ok(())
}

/// A hit: the object's id and its relevance (higher is better).
pub type Hit = (i64, f64);

enum Arg {
    I(i64),
    S(String),
    B(bool),
}

/// How many matches a request search ranks at most: the newest ones the
/// searcher may see. Ranking (bm25 / `ts_rank`) and joining every match of a
/// common word cost time in proportion to the index; this bounds it.
pub const CANDIDATES: i64 = 2_000;

/// Which matches a search ranks: those of all the words or of any, the
/// newest `candidates` of them the searcher may see.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Matching {
    pub combine: Combine,
    pub candidates: i64,
}

impl Matching {
    /// A search: documents with every word.
    pub const ALL: Matching = Matching {
        combine: Combine::All,
        candidates: CANDIDATES,
    };
    /// Filling up a search that found too few: partial matches come after
    /// every full one, and most are matches of the query's commonest word
    /// alone, so a quarter as many are ranked — ranking 2,000 of them cost
    /// as much as the rest of the search (docs/benchmarks-history.md, search
    /// session 6).
    pub const FILL_UP: Matching = Matching {
        combine: Combine::Any,
        candidates: CANDIDATES / 4,
    };
    /// Suggestions for a draft: what shares the most words with it.
    pub const SIMILAR: Matching = Matching {
        combine: Combine::Any,
        candidates: CANDIDATES,
    };
}

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
    let mut args: Vec<Arg> = Vec::new();
    if matches!(c, Conn::Pg(_)) {
        return pg_search_requests(c, helper, q, matching, filter, internal, limit).await;
    }
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

/// Whether `filter` looks at the request row. Without filters the index
/// alone answers (requests are never deleted, and PostgreSQL's index rows
/// reference theirs).
fn needs_rows(filter: &RequestFilter) -> bool {
    !filter.statuses.is_empty()
        || !filter.categories.is_empty()
        || !filter.levels.is_empty()
        || filter.organization_id.is_some()
        || filter.assignee_id.is_some()
        || filter.contract_leader_id.is_some()
        || filter.created_from.is_some()
        || filter.created_to.is_some()
}

/// ` and r.… = $n` for each of `filter`'s conditions on the request row, its
/// values appended to `args` (numbered on from them).
fn row_conditions(filter: &RequestFilter, args: &mut Vec<Arg>) -> String {
    let mut sql = String::new();
    let mut push = |sql: &mut String, fragment: &str, arg: Arg| {
        args.push(arg);
        sql.push_str(&fragment.replace('?', &format!("${}", args.len())));
    };
    for (column, values) in [
        ("status", &filter.statuses),
        ("category", &filter.categories),
    ] {
        if !values.is_empty() {
            let list: Vec<String> = values
                .iter()
                .map(|v| format!("'{}'", v.replace('\'', "")))
                .collect();
            sql.push_str(&format!(" and r.{column} in ({})", list.join(", ")));
        }
    }
    if !filter.levels.is_empty() {
        let list: Vec<String> = filter.levels.iter().map(i64::to_string).collect();
        sql.push_str(&format!(" and r.level in ({})", list.join(", ")));
    }
    if let Some(v) = filter.organization_id {
        push(&mut sql, " and r.organization_id = ?", Arg::I(v));
    }
    if let Some(v) = filter.assignee_id {
        push(&mut sql, " and r.assignee_id = ?", Arg::I(v));
    }
    if let Some(v) = filter.contract_leader_id {
        push(
            &mut sql,
            " and r.contract_id in (select id from contracts where project_leader_id = ?)",
            Arg::I(v),
        );
    }
    if let Some(v) = filter.created_from {
        push(&mut sql, " and r.created_at >= ?", Arg::I(v));
    }
    if let Some(v) = filter.created_to {
        push(&mut sql, " and r.created_at < ?", Arg::I(v));
    }
    sql
}

fn bound<'a>(sql: String, args: &'a [Arg]) -> crate::sql::Query<'a> {
    let mut qy = query_owned(sql).unprepared();
    for a in args {
        match a {
            Arg::I(v) => qy.push(*v),
            Arg::S(v) => qy.push(v.as_str()),
            Arg::B(v) => qy.push(*v),
        }
    }
    qy
}

/// Costs (µs) measured at 1,000,000 requests on the 2-core machines, for
/// choosing how PostgreSQL finds the newest matches (see
/// [`pg_search_requests`]): checking one candidate row in id order; one
/// posting of the GIN index; fetching one matching row by bitmap; running
/// one more statement.
const PG_CHECK_ROW_US: f64 = 1.4;
const PG_POSTING_US: f64 = 0.25;
const PG_BITMAP_ROW_US: f64 = 5.0;
const PG_STATEMENT_US: f64 = 300.0;
/// The index's partitions hold 2^17 request ids each (migration 0017).
const PG_PARTITION_BITS: u32 = 17;
/// A bitmap window is sized to hold this many times the matches missing.
const PG_WINDOW_MARGIN: f64 = 2.0;
/// How many of the newest requests the first look checks one by one.
const PG_PROBE: i64 = 1_024;

/// PostgreSQL's request search: the [`CANDIDATES`] newest visible matches,
/// ranked by `ts_rank` as they are found.
///
/// PostgreSQL cannot read a GIN index in id order, so "the newest matches"
/// is either a walk down the primary key checking each row (cheap when
/// matches are dense: a common word) or GIN bitmaps of the matches (cheap
/// when they are rare; a bitmap's cost grows with every match it holds).
/// Its planner guesses the density from statistics and, at 1,000,000
/// requests, guessed wrong by 5× to 50×, which cost up to a second. So the
/// density is measured instead: the newest [`PG_PROBE`] requests are checked
/// one by one, and the rest takes the path the measured density makes
/// cheaper — on down the primary key, or the bitmaps of the index's
/// partitions (2^17 ids each, migration 0017), newest first, until enough
/// are found.
async fn pg_search_requests(
    c: &mut Conn<'_>,
    mut helper: Option<&mut Conn<'_>>,
    q: &SearchQuery,
    matching: Matching,
    filter: &RequestFilter,
    internal: bool,
    limit: i64,
) -> Result<Vec<Hit>, StoreError> {
    let needs_rows = needs_rows(filter);
    let (lo, hi): (i64, i64) = c
        .fetch_one(query(
            "select coalesce(min(request_id), 0), coalesce(max(request_id), -1) from search_requests",
        ))
        .await?;
    if hi < lo {
        return Ok(Vec::new());
    }
    let mut args = vec![Arg::S(q.tsquery(matching.combine)), Arg::B(internal)];
    let conditions = row_conditions(filter, &mut args);
    let matches = "(s.doc @@ $1::tsquery or ($2 and s.internal @@ $1::tsquery))";
    let scan = |how: PgScan, above: i64, upto: i64, n: i64| {
        // `coalesce` hides the match from the GIN index: the walk checks rows.
        let test = match how {
            PgScan::Walk => format!("coalesce({matches}, false)"),
            PgScan::Bitmap => matches.to_owned(),
        };
        // `ts_rank` costs ~1.4 µs a row even on an empty vector (it sorts the
        // query's operands at every call); most requests have no internal notes.
        format!(
            "select s.request_id, (ts_rank(s.doc, $1::tsquery)
               + case when $2 and length(s.internal) > 0 then 0.1 * ts_rank(s.internal, $1::tsquery) else 0 end)::float8
             from search_requests s{join}
             where {test} and s.request_id > {above} and s.request_id <= {upto}{conditions}
             order by s.request_id desc limit {n}",
            join = if needs_rows {
                " join requests r on r.id = s.request_id"
            } else {
                ""
            }
        )
    };
    let probe_above = (hi - PG_PROBE).max(lo - 1);
    let mut found: Vec<Hit> = c
        .fetch_all(bound(
            scan(PgScan::Walk, probe_above, hi, matching.candidates),
            &args,
        ))
        .await?;
    let rest = probe_above - lo + 1;
    let missing = matching.candidates - found.len() as i64;
    if rest > 0 && missing > 0 {
        let density = (found.len() as f64 + 0.5) / (hi - probe_above) as f64;
        let walk_us = PG_CHECK_ROW_US * (rest as f64).min(missing as f64 / density);
        // The GIN index is read one partition at a time (migration 0017) and,
        // within a partition, over a window of ids expected to hold twice
        // the missing matches (the primary key's bitmap bounds it), so only
        // those rows are fetched and ranked: all the postings of as many
        // partitions as the missing matches need, about twice the missing
        // rows, and a statement each.
        let partition = (1_i64 << PG_PARTITION_BITS) as f64;
        let per_partition = density * partition;
        let partitions = (PG_WINDOW_MARGIN * missing as f64 / per_partition)
            .ceil()
            .min((rest as f64 / partition).ceil() + 1.0);
        let rows = (PG_WINDOW_MARGIN * missing as f64).min(density * rest as f64);
        let bitmap_us = partitions * (per_partition * PG_POSTING_US + PG_STATEMENT_US)
            + rows * PG_BITMAP_ROW_US;
        if walk_us <= bitmap_us {
            found.extend(
                c.fetch_all::<Hit>(bound(
                    scan(PgScan::Walk, lo - 1, probe_above, missing),
                    &args,
                ))
                .await?,
            );
        } else {
            // Newest first, a window at a time, never across a partition's
            // start, until enough were found. When a window is not expected
            // to hold all that is missing, the next one is read at the same
            // time on the helper connection (its matches are all older, so
            // only as many of them as are still missing are kept).
            let mut upto = probe_above;
            let mut missing = missing;
            let mut density = density;
            let window_below = |upto: i64, missing: f64, density: f64| {
                let start = ((upto >> PG_PARTITION_BITS) << PG_PARTITION_BITS).max(lo);
                let window = (PG_WINDOW_MARGIN * missing / density).ceil() as i64;
                (upto - window.max(PG_PROBE)).max(start - 1)
            };
            while missing > 0 && upto >= lo {
                let above = window_below(upto, missing as f64, density);
                let expected = density * (upto - above) as f64;
                let next = match helper.as_deref_mut() {
                    Some(h) if above >= lo && expected < missing as f64 => {
                        Some((h, window_below(above, missing as f64 - expected, density)))
                    }
                    _ => None,
                };
                let this = bound(scan(PgScan::Bitmap, above, upto, missing), &args);
                let (mut more, older, bottom) = match next {
                    Some((h, below)) => {
                        let that = bound(scan(PgScan::Bitmap, below, above, missing), &args);
                        let (more, older) = futures::future::try_join(
                            pg_bitmap_scan(c, this),
                            pg_bitmap_scan(h, that),
                        )
                        .await?;
                        (more, older, below)
                    }
                    None => (pg_bitmap_scan(c, this).await?, Vec::new(), above),
                };
                more.extend(older);
                // Fewer than expected: matches are sparser here; the next
                // window is sized by what these held.
                if (more.len() as i64) < missing {
                    let seen = (more.len() as f64 + 0.5) / (upto - bottom) as f64;
                    density = density.min(seen);
                }
                more.truncate(missing as usize);
                missing -= more.len() as i64;
                found.extend(more);
                upto = bottom;
            }
        }
    }
    found.sort_by(|a, b| b.1.total_cmp(&a.1).then(b.0.cmp(&a.0)));
    found.truncate(limit.max(0) as usize);
    Ok(found)
}

#[derive(Clone, Copy)]
enum PgScan {
    /// Down the primary key, checking each row.
    Walk,
    /// The GIN index's bitmap (with the primary key's for the id range).
    Bitmap,
}

/// Run a candidate query with the planner held to bitmap scans: left to
/// itself it walks the primary key whenever its statistics say matches are
/// dense, which is what [`pg_search_requests`] just measured they are not.
/// The settings last for this one transaction; inside a caller's
/// transaction the planner chooses.
async fn pg_bitmap_scan(
    c: &mut Conn<'_>,
    qy: crate::sql::Query<'_>,
) -> Result<Vec<Hit>, StoreError> {
    let Conn::Pg(pg) = c else {
        return c.fetch_all(qy).await;
    };
    if pg.in_transaction {
        return c.fetch_all(qy).await;
    }
    // A cancelled search must not hand the open transaction back to the pool.
    pg.in_transaction = true;
    // No prefetching of the bitmap's heap pages either: each is a
    // `posix_fadvise` call, 4 % of the server's CPU in a search profile at
    // 1,000,000 requests, for pages the OS cache holds anyway (the newest
    // partitions are the hot ones).
    c.execute_script(
        "begin; set local enable_indexscan = off; set local enable_indexonlyscan = off; set local enable_seqscan = off; set local effective_io_concurrency = 0",
    )
    .await?;
    let out = c.fetch_all(qy).await;
    c.execute_script("rollback").await?;
    if let Conn::Pg(pg) = c {
        pg.in_transaction = false;
    }
    out
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
    let visible = " and a.status <> 'archived' and (not $2 or (a.visibility = 'customers' and a.status = 'published'))
          and ($3 is null or a.category = $3)";
    let (sql, expr) = match c {
        Conn::Sqlite(_) => (
            format!(
                "select id, score from (
                   select s.rowid as id, fuwu_rank(search_articles, 'articles ' || $1, 'search_articles') as score
                   from search_articles s join articles a on a.id = s.rowid
                   where search_articles match $1{visible}
                   order by s.rowid desc limit {cap})
                 order by score desc, id desc limit $4"
            ),
            q.fts5(matching.combine),
        ),
        Conn::Pg(_) => (
            format!(
                "select s.article_id, ts_rank(s.doc, $1::tsquery)::float8 as score
                 from (select s.article_id as id
                       from search_articles s join articles a on a.id = s.article_id
                       where s.doc @@ $1::tsquery{visible}
                       order by s.article_id desc limit {cap}) c
                 join search_articles s on s.article_id = c.id
                 order by score desc, s.article_id desc limit $4"
            ),
            q.tsquery(matching.combine),
        ),
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

#[cfg(test)]
mod tests {
    use super::tsvector_literal;

    #[test]
    fn tsvector_literal_counts_positions_across_parts_with_their_weights() {
        let v = tsvector_literal(&[("打 印 打印", Some('A')), ("打印 机", Some('B'))]);
        assert_eq!(v, "'打':1A '印':2A '打印':3A,4B '机':5B");
        assert_eq!(tsvector_literal(&[("a  b", None)]), "'a':1 'b':2");
        assert_eq!(tsvector_literal(&[("", Some('A')), ("", Some('B'))]), "");
    }

    #[test]
    fn tsvector_literal_escapes_quotes_and_backslashes() {
        assert_eq!(
            tsvector_literal(&[("joe's c:\\x", None)]),
            "'joe''s':1 'c:\\\\x':2"
        );
    }

    #[test]
    fn tsvector_literal_keeps_postgresql_limits() {
        // Positions stop at 16,383; a lexeme keeps 256 of them.
        let many = vec!["w"; 20_000].join(" ");
        let v = tsvector_literal(&[(&many, None)]);
        let positions: Vec<&str> = v.trim_start_matches("'w':").split(',').collect();
        assert_eq!(positions.len(), 256);
        assert_eq!(positions[255], "256");
        let tail = format!("{} last", vec!["x"; 17_000].join(" "));
        assert!(tsvector_literal(&[(&tail, None)]).ends_with("'last':16383"));
        // A lexeme over 2,047 bytes is left out, as `to_tsvector` leaves it.
        let long = "a".repeat(2_048);
        assert_eq!(tsvector_literal(&[(&format!("{long} b"), None)]), "'b':2");
    }
}
