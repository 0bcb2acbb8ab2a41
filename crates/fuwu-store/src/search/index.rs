//! Writing the index: the tokens of a request or an article, cut in Rust
//! by [`index_text`] (jieba splits Chinese, not the database), stored in
//! the transaction of the change.

use super::postgres::tsvector_literal;
use crate::knowledge::Article;
use crate::requests::Request;
use crate::{Conn, StoreError, query};
use fuwu_core::search::index_text;

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
    pub(super) fn tsvectors(&self) -> (String, String) {
        (
            tsvector_literal(&[(&self.title, Some('A')), (&self.body, Some('B'))]),
            tsvector_literal(&[(&self.internal, None)]),
        )
    }

    pub(super) fn is_empty(&self) -> bool {
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
