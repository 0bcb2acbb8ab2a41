//! Searching requests and articles, and suggestions for a request being
//! written. What a searcher may see is decided here and applied in SQL: the
//! request reach of [`Actor::narrow_requests`], internal notes only for
//! staff, customer-visible published articles only for customers and third
//! parties. Snippets are HTML with the query's words in `<mark>`, all else
//! escaped.

use crate::access::Narrowed;
use crate::{Actor, App, AppError};
use fuwu_core::search::{
    SHIPPED_SYNONYMS, SearchQuery, Synonyms, parse_query_with, parse_synonym_list, phrase_units,
    snippet,
};
use fuwu_store::requests::RequestFilter;
use fuwu_store::search::{self as store, Matching};
use fuwu_store::{Conn, StoreError, query_owned};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use utoipa::ToSchema;

/// What to search.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SearchKind {
    Requests,
    Articles,
    Both,
}

/// A search's filters on requests (organization, status, level, category,
/// created date range) and on articles (category).
#[derive(Debug, Clone, Default)]
pub struct SearchFilters {
    pub requests: RequestFilter,
    pub article_category: Option<String>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RequestHit {
    pub id: i64,
    /// The title, HTML: query words in `<mark>`, everything else escaped.
    pub title: String,
    /// Text around the first match, HTML like `title`.
    pub snippet: String,
    pub status: String,
    pub level: i64,
    pub category: String,
    pub organization_id: i64,
    /// Relevance: higher is better (comparable within one answer only).
    pub score: f64,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ArticleHit {
    pub id: i64,
    /// The title, HTML: query words in `<mark>`, everything else escaped.
    pub title: String,
    /// Text around the first match, HTML like `title`.
    pub snippet: String,
    pub category: String,
    pub visibility: String,
    pub status: String,
    pub score: f64,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SearchResults {
    pub requests: Vec<RequestHit>,
    pub articles: Vec<ArticleHit>,
}

/// The synonym groups a query expands with: the shipped ones (read-only)
/// and the ones admins added.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq)]
pub struct SynonymList {
    #[serde(default)]
    pub shipped: Vec<Vec<String>>,
    pub custom: Vec<Vec<String>>,
}

const MAX_SYNONYM_GROUPS: usize = 500;
const MAX_GROUP_WORDS: usize = 30;
const MAX_SYNONYM_CHARS: usize = 60;

/// Trim the words, drop blank and repeated ones; 422 for a group that is
/// not a group, a word without letters, or a list too long.
fn clean_groups(groups: Vec<Vec<String>>) -> Result<Vec<Vec<String>>, AppError> {
    if groups.len() > MAX_SYNONYM_GROUPS {
        return Err(AppError::invalid(
            "custom",
            format!("at most {MAX_SYNONYM_GROUPS} groups"),
        ));
    }
    let mut out = Vec::with_capacity(groups.len());
    for (i, g) in groups.into_iter().enumerate() {
        let mut words: Vec<String> = Vec::new();
        for w in g {
            let w = w.split_whitespace().collect::<Vec<_>>().join(" ");
            if w.is_empty() || words.iter().any(|x| x.to_lowercase() == w.to_lowercase()) {
                continue;
            }
            if w.chars().count() > MAX_SYNONYM_CHARS
                || w.contains('/')
                || phrase_units(&w).is_empty()
            {
                return Err(AppError::invalid(
                    "custom",
                    format!(
                        "group {i}: {w:?} is not a word (letters, digits or Chinese, at most {MAX_SYNONYM_CHARS} characters, no '/')"
                    ),
                ));
            }
            words.push(w);
        }
        if words.len() < 2 || words.len() > MAX_GROUP_WORDS {
            return Err(AppError::invalid(
                "custom",
                format!("group {i}: 2 to {MAX_GROUP_WORDS} different words"),
            ));
        }
        out.push(words);
    }
    Ok(out)
}

const SNIPPET_CHARS: usize = 120;
/// The longest search query accepted.
const MAX_QUERY_CHARS: usize = 500;
/// How much of a draft request suggestions read.
const MAX_DRAFT_CHARS: usize = 2_000;

/// The hits with their rows and snippets: one query for the rows, one for
/// the messages, whatever the number of hits.
async fn request_hits(
    c: &mut Conn<'_>,
    q: &SearchQuery,
    hits: Vec<store::Hit>,
    internal: bool,
) -> Result<Vec<RequestHit>, StoreError> {
    if hits.is_empty() {
        return Ok(Vec::new());
    }
    let list = store::id_list(hits.iter().map(|h| h.0));
    let rows: Vec<fuwu_store::requests::Request> = c
        .fetch_all(query_owned(format!("select * from requests where id in ({list})")).unprepared())
        .await?;
    let mut rows: HashMap<i64, fuwu_store::requests::Request> =
        rows.into_iter().map(|r| (r.id, r)).collect();
    let messages: Vec<(i64, String)> = c
        .fetch_all(
            query_owned(format!(
                "select request_id, body from request_messages where request_id in ({list}) and ($1 or visibility = 'public') order by request_id, id"
            ))
            .unprepared()
            .bind(internal),
        )
        .await?;
    let mut by_request: HashMap<i64, Vec<String>> = HashMap::new();
    for (id, body) in messages {
        by_request.entry(id).or_default().push(body);
    }
    let mut out = Vec::with_capacity(hits.len());
    for (id, score) in hits {
        let r = rows.remove(&id).ok_or(StoreError::NotFound)?;
        let mut texts = vec![r.description.clone()];
        texts.extend(r.resolution.clone());
        texts.extend(by_request.remove(&id).unwrap_or_default());
        // The first text that mentions a query word, else the description.
        let lower_hl = &q.highlights;
        let best = texts
            .iter()
            .find(|t| {
                let l = t.to_lowercase();
                lower_hl.iter().any(|h| l.contains(h.as_str()))
            })
            .unwrap_or(&texts[0]);
        out.push(RequestHit {
            id,
            title: snippet(&r.title, &q.highlights, 500),
            snippet: snippet(best, &q.highlights, SNIPPET_CHARS),
            status: r.status,
            level: r.level,
            category: r.category,
            organization_id: r.organization_id,
            score,
        });
    }
    Ok(out)
}

async fn article_hits(
    c: &mut Conn<'_>,
    q: &SearchQuery,
    hits: Vec<store::Hit>,
) -> Result<Vec<ArticleHit>, StoreError> {
    if hits.is_empty() {
        return Ok(Vec::new());
    }
    let list = store::id_list(hits.iter().map(|h| h.0));
    let rows: Vec<fuwu_store::knowledge::Article> = c
        .fetch_all(query_owned(format!("select * from articles where id in ({list})")).unprepared())
        .await?;
    let mut rows: HashMap<i64, fuwu_store::knowledge::Article> =
        rows.into_iter().map(|a| (a.id, a)).collect();
    let mut out = Vec::with_capacity(hits.len());
    for (id, score) in hits {
        let a = rows.remove(&id).ok_or(StoreError::NotFound)?;
        let texts = [&a.symptom, &a.solution, &a.cause];
        let best = texts
            .iter()
            .find(|t| {
                let l = t.to_lowercase();
                q.highlights.iter().any(|h| l.contains(h.as_str()))
            })
            .unwrap_or(&texts[0]);
        out.push(ArticleHit {
            id,
            title: snippet(&a.title, &q.highlights, 500),
            snippet: snippet(best, &q.highlights, SNIPPET_CHARS),
            category: a.category,
            visibility: a.visibility,
            status: a.status,
            score,
        });
    }
    Ok(out)
}

/// The batch's index tokens, cut (jieba: the CPU-heavy part of indexing)
/// on as many threads as there are cores, in the batch's order.
async fn tokenize(
    queued: Vec<store::QueuedRequest>,
) -> Result<Vec<(i64, i64, store::RequestTokens)>, AppError> {
    let threads = std::thread::available_parallelism().map_or(1, std::num::NonZero::get);
    let per = queued.len().div_ceil(threads).max(1);
    let mut tasks = Vec::new();
    let mut rest = queued;
    while !rest.is_empty() {
        let tail = rest.split_off(per.min(rest.len()));
        let chunk = std::mem::replace(&mut rest, tail);
        tasks.push(tokio::task::spawn_blocking(move || {
            chunk
                .iter()
                .map(|q| (q.id, q.seq, q.tokens()))
                .collect::<Vec<_>>()
        }));
    }
    let mut out = Vec::new();
    for t in tasks {
        out.extend(t.await.map_err(|e| {
            AppError::Internal(StoreError::Database(format!("tokenizing failed: {e}")))
        })?);
    }
    Ok(out)
}

impl App {
    async fn run_search(
        &self,
        actor: &Actor,
        q: SearchQuery,
        matching: Matching,
        kind: SearchKind,
        mut filters: SearchFilters,
        limit: i64,
    ) -> Result<SearchResults, AppError> {
        let want_requests = kind != SearchKind::Articles
            && matches!(
                actor.narrow_requests(&mut filters.requests),
                Narrowed::Filter
            );
        let want_articles = kind != SearchKind::Requests;
        let internal = actor.sees_internal();
        // Requests and articles are read on two connections at once: on
        // PostgreSQL each is a backend of its own, so a search that ranks
        // many candidates of both uses both cores (a sequential search had
        // its two halves' times add up: docs/benchmarks-history.md, search
        // session 6).
        // SQLite reads run on the calling thread, so there they follow
        // each other as before.
        let requests = async {
            if !want_requests {
                return Ok(Vec::new());
            }
            let q = q.clone();
            self.db
                .read_pair(move |mut c, mut helper| {
                    Box::pin(async move {
                        let hits = store::search_requests(
                            &mut c,
                            helper.as_mut(),
                            &q,
                            matching,
                            &filters.requests,
                            internal,
                            limit,
                        )
                        .await?;
                        request_hits(&mut c, &q, hits, internal).await
                    })
                })
                .await
        };
        let articles = async {
            if !want_articles {
                return Ok(Vec::new());
            }
            let q = q.clone();
            let category = filters.article_category.clone();
            self.db
                .read(move |mut c| {
                    Box::pin(async move {
                        let hits = store::search_articles(
                            &mut c,
                            &q,
                            matching,
                            !internal,
                            category.as_deref(),
                            limit,
                        )
                        .await?;
                        article_hits(&mut c, &q, hits).await
                    })
                })
                .await
        };
        let (requests, articles) =
            tokio::try_join!(requests, articles).map_err(|e: StoreError| AppError::from(e))?;
        Ok(SearchResults { requests, articles })
    }

    /// Index the requests queued for it (new ones), in batches; returns how
    /// many this call wrote (entries another node drained meanwhile are not counted).
    /// Searches call it first, so whatever was committed is found.
    pub async fn drain_search_queue(&self) -> Result<usize, AppError> {
        // Each write transaction flushes FTS5's in-memory terms as one new segment,
        // which later merges cost: bigger batches, fewer segments (about 0.3 s
        // of the writer each in a bulk reindex).
        const BATCH: i64 = 2_000;
        type Written = tokio::task::JoinHandle<Result<usize, StoreError>>;
        // PostgreSQL writes a batch in one backend, so one write at a time
        // leaves a core idle (the tokenizing is a small part); batches hold
        // distinct requests, so two transactions never wait on each other.
        // SQLite has one writer anyway.
        let in_flight = match self.db.engine() {
            fuwu_store::Engine::Postgres => 2,
            fuwu_store::Engine::Sqlite => 1,
        };
        // Request ids with a spare index partition ahead (PostgreSQL; see `ensure_partitions`).
        let mut covered = i64::MIN;
        let mut total = 0;
        // Batch n is written while batch n+1 is read and tokenized: the
        // next read goes on from the last queue place read, since batch n
        // stays queued until its write commits.
        let mut after: Option<(i64, i64)> = None;
        let mut writing: std::collections::VecDeque<Written> = std::collections::VecDeque::new();
        let finish = |w: Written| async move {
            let written = w.await.map_err(|e| {
                AppError::Internal(StoreError::Database(format!("indexing failed: {e}")))
            })?;
            Ok::<usize, AppError>(written?)
        };
        loop {
            let queued = self
                .db
                .read(move |mut c| {
                    Box::pin(
                        async move { store::queued_requests_after(&mut c, after, BATCH).await },
                    )
                })
                .await?;
            let n = queued.len();
            if let Some(last) = queued.last() {
                after = Some((last.queued_at, last.id));
            }
            let batch = if n > 0 {
                Some(tokenize(queued).await?)
            } else {
                None
            };
            if writing.len() >= in_flight
                && let Some(w) = writing.pop_front()
            {
                total += finish(w).await?;
            }
            let Some(batch) = batch else { break };
            let last = batch.iter().map(|b| b.0).max().unwrap_or(0);
            if last > covered {
                covered = self
                    .db
                    .write(move |mut c| {
                        Box::pin(async move { store::ensure_partitions(&mut c, last).await })
                    })
                    .await?;
            }
            let db = self.db.clone();
            writing.push_back(tokio::spawn(async move {
                db.write(move |mut c| {
                    Box::pin(async move { store::store_drained(&mut c, &batch).await })
                })
                .await
            }));
            if (n as i64) < BATCH {
                break;
            }
        }
        while let Some(w) = writing.pop_front() {
            total += finish(w).await?;
        }
        if total > 0 {
            // Best effort: autovacuum does it too, later.
            let settled = self
                .db
                .write(|mut c| Box::pin(async move { store::settle_index(&mut c).await }))
                .await;
            if let Err(e) = settled {
                tracing::warn!(error = %e, "merging the search index's pending entries failed");
            }
        }
        if total >= 10 * BATCH as usize {
            let vacuumed = self
                .db
                .read(|mut c| Box::pin(async move { store::vacuum_queue(&mut c).await }))
                .await;
            if let Err(e) = vacuumed {
                tracing::warn!(error = %e, "vacuuming the search queue failed");
            }
        }
        Ok(total)
    }

    /// Drain the index queue every `every`, for ever (a server's background task):
    /// new requests are searchable within that time even if nobody searches.
    pub async fn index_forever(self, every: std::time::Duration) {
        let mut tick = tokio::time::interval(every);
        loop {
            tick.tick().await;
            if let Err(e) = self.drain_search_queue().await {
                tracing::warn!(error = %e, "search indexing failed");
            }
        }
    }

    /// The shipped synonyms with the admins' groups: read at every query, so
    /// an edit on one node applies on all at once.
    async fn synonyms_now(&self) -> Result<Synonyms, AppError> {
        let custom = self
            .db
            .read(|mut c| Box::pin(async move { store::custom_synonyms(&mut c).await }))
            .await?;
        Ok(Synonyms::shipped_with(custom))
    }

    /// The synonym groups (admins).
    pub async fn synonyms(&self, actor: &Actor) -> Result<SynonymList, AppError> {
        actor.require_admin("read the search synonyms")?;
        let custom = self
            .db
            .read(|mut c| Box::pin(async move { store::custom_synonyms(&mut c).await }))
            .await?;
        Ok(SynonymList {
            shipped: parse_synonym_list(SHIPPED_SYNONYMS),
            custom,
        })
    }

    /// Replace the admins' synonym groups (the shipped ones stay); audited.
    pub async fn set_synonyms(
        &self,
        actor: &Actor,
        custom: Vec<Vec<String>>,
    ) -> Result<SynonymList, AppError> {
        actor.require_admin("change the search synonyms")?;
        let custom = clean_groups(custom)?;
        let now = self.now();
        let who = actor.user_id;
        let groups = custom.clone();
        self.db
            .write(move |mut c| {
                Box::pin(async move {
                    #[derive(Serialize)]
                    struct Groups {
                        groups: Vec<Vec<String>>,
                    }
                    let before = Groups {
                        groups: store::custom_synonyms(&mut c).await?,
                    };
                    store::replace_synonyms(&mut c, &groups, who, now).await?;
                    crate::audit::updated(
                        &mut c,
                        who,
                        "search_synonyms",
                        0,
                        &before,
                        &Groups { groups },
                        now,
                    )
                    .await?;
                    Ok::<_, StoreError>(())
                })
            })
            .await?;
        Ok(SynonymList {
            shipped: parse_synonym_list(SHIPPED_SYNONYMS),
            custom,
        })
    }

    /// Requests and articles matching every word of `text`, best first,
    /// then those matching some of them, within what `actor` may see.
    pub async fn search(
        &self,
        actor: &Actor,
        text: &str,
        kind: SearchKind,
        filters: SearchFilters,
        limit: i64,
    ) -> Result<SearchResults, AppError> {
        if text.chars().count() > MAX_QUERY_CHARS {
            return Err(AppError::invalid(
                "q",
                format!("at most {MAX_QUERY_CHARS} characters"),
            ));
        }
        let synonyms = self.synonyms_now().await?;
        let q = parse_query_with(text, &synonyms).ok_or_else(|| {
            AppError::invalid("q", "give at least one word, number or Chinese character")
        })?;
        self.search_parsed(actor, q, kind, filters, limit.clamp(1, 50))
            .await
    }

    /// Page `page` (from 0) of `per_page` hits of each type, and whether more
    /// follow: the search page's pagination (the first ten pages).
    pub async fn search_page(
        &self,
        actor: &Actor,
        text: &str,
        filters: SearchFilters,
        page: i64,
        per_page: i64,
    ) -> Result<(SearchResults, bool), AppError> {
        let page = page.clamp(0, 9);
        let per_page = per_page.clamp(1, 20);
        if text.chars().count() > MAX_QUERY_CHARS {
            return Err(AppError::invalid(
                "q",
                format!("at most {MAX_QUERY_CHARS} characters"),
            ));
        }
        let synonyms = self.synonyms_now().await?;
        let q = parse_query_with(text, &synonyms).ok_or_else(|| {
            AppError::invalid("q", "give at least one word, number or Chinese character")
        })?;
        let from = (page * per_page) as usize;
        let upto = from + per_page as usize;
        let mut all = self
            .search_parsed(actor, q, SearchKind::Both, filters, upto as i64 + 1)
            .await?;
        let more = all.requests.len() > upto || all.articles.len() > upto;
        let window = |len: usize| from.min(len)..upto.min(len);
        all.requests = all.requests.drain(window(all.requests.len())).collect();
        all.articles = all.articles.drain(window(all.articles.len())).collect();
        Ok((all, more))
    }

    async fn search_parsed(
        &self,
        actor: &Actor,
        q: SearchQuery,
        kind: SearchKind,
        filters: SearchFilters,
        limit: i64,
    ) -> Result<SearchResults, AppError> {
        self.drain_search_queue().await?;
        let mut all = self
            .run_search(
                actor,
                q.clone(),
                Matching::ALL,
                kind,
                filters.clone(),
                limit,
            )
            .await?;
        // Fewer hits than asked for: fill up with the documents matching the
        // most of the words (a question typed as a sentence rarely has every
        // word in the answer), ranked after the full matches.
        // Only the kinds that came up short are searched again.
        let short_requests = kind != SearchKind::Articles && all.requests.len() < limit as usize;
        let short_articles = kind != SearchKind::Requests && all.articles.len() < limit as usize;
        let again = match (short_requests, short_articles) {
            (true, true) => Some(SearchKind::Both),
            (true, false) => Some(SearchKind::Requests),
            (false, true) => Some(SearchKind::Articles),
            (false, false) => None,
        };
        if let Some(again) = again
            && q.terms.len() > 1
        {
            let any = self
                .run_search(actor, q, Matching::FILL_UP, again, filters, limit)
                .await?;
            for h in any.requests {
                if all.requests.len() < limit as usize && all.requests.iter().all(|r| r.id != h.id)
                {
                    all.requests.push(h);
                }
            }
            for h in any.articles {
                if all.articles.len() < limit as usize && all.articles.iter().all(|a| a.id != h.id)
                {
                    all.articles.push(h);
                }
            }
        }
        Ok(all)
    }

    /// For a request being written: the articles and past requests sharing
    /// the most words with `text`, best first (five of each).
    pub async fn suggest(&self, actor: &Actor, text: &str) -> Result<SearchResults, AppError> {
        // A long draft: its beginning (title and first lines) says what it is about.
        let text: String = text.chars().take(MAX_DRAFT_CHARS).collect();
        let synonyms = self.synonyms_now().await?;
        let Some(q) = parse_query_with(&text, &synonyms) else {
            return Ok(SearchResults {
                requests: Vec::new(),
                articles: Vec::new(),
            });
        };
        self.drain_search_queue().await?;
        self.run_search(
            actor,
            q,
            Matching::SIMILAR,
            SearchKind::Both,
            SearchFilters::default(),
            5,
        )
        .await
    }

    /// Rebuild the whole index from the database, in batches; `progress`
    /// hears (done, total) after each batch.
    pub async fn reindex(
        &self,
        mut progress: impl FnMut(i64, i64),
    ) -> Result<(i64, i64), AppError> {
        let (nr, na) = self
            .db
            .read(|mut c| Box::pin(async move { store::counts(&mut c).await }))
            .await?;
        let total = nr + na;
        let mut done = 0;
        for articles in [false, true] {
            let mut after = 0;
            loop {
                let ids = self
                    .db
                    .read(move |mut c| {
                        Box::pin(
                            async move { store::ids_after(&mut c, articles, after, 500).await },
                        )
                    })
                    .await?;
                let Some(&last) = ids.last() else { break };
                let n = ids.len() as i64;
                self.db
                    .write(move |mut c| {
                        Box::pin(async move {
                            for id in ids {
                                if articles {
                                    let a = fuwu_store::knowledge::get_article(&mut c, id).await?;
                                    store::index_article(&mut c, &a).await?;
                                } else {
                                    store::index_request_id(&mut c, id).await?;
                                }
                            }
                            Ok::<_, StoreError>(())
                        })
                    })
                    .await?;
                after = last;
                done += n;
                progress(done, total);
            }
        }
        Ok((nr, na))
    }
}
