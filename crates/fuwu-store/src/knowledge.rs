//! Knowledge-base articles, their earlier versions and their links to
//! requests. Every write re-indexes the article in the same transaction.
//!
//! This module and [`crate::search`] import each other, on purpose, as
//! requests and search do: the index is written inside the article's own
//! transaction (what is committed is what is found, and no caller can forget
//! it), and the search reads the articles' rows.

use crate::versions::updated_or_why_not;
use crate::{Conn, StoreError, from_row, query, query_owned, search};
use serde::Serialize;
use utoipa::ToSchema;

/// An article as stored. `tags` and `related_systems` are JSON arrays of strings.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct Article {
    pub id: i64,
    pub title: String,
    /// What the user sees (现象).
    pub symptom: String,
    /// Why it happens (原因).
    pub cause: String,
    /// What fixes it (解决方法).
    pub solution: String,
    #[schema(example = "fault")]
    pub category: String,
    #[serde(serialize_with = "crate::ser::json_list")]
    #[schema(value_type = Vec<String>)]
    pub tags: String,
    #[serde(serialize_with = "crate::ser::json_list")]
    #[schema(value_type = Vec<String>)]
    pub related_systems: String,
    /// `internal` (staff only) or `customers` (customers read it too, once published).
    #[schema(example = "customers")]
    pub visibility: String,
    /// `draft`, `published` or `archived`.
    #[schema(example = "published")]
    pub status: String,
    /// The request it was drafted from, if any.
    pub source_request_id: Option<i64>,
    pub created_by: i64,
    pub updated_by: i64,
    #[serde(serialize_with = "crate::ser::ms")]
    #[schema(value_type = String, format = DateTime)]
    pub created_at: i64,
    #[serde(serialize_with = "crate::ser::ms")]
    #[schema(value_type = String, format = DateTime)]
    pub updated_at: i64,
    pub version: i64,
}

from_row!(Article {
    id,
    title,
    symptom,
    cause,
    solution,
    category,
    tags,
    related_systems,
    visibility,
    status,
    source_request_id,
    created_by,
    updated_by,
    created_at,
    updated_at,
    version
});

/// An earlier version of an article, as it was until `updated_at`'s change.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct ArticleVersion {
    pub article_id: i64,
    pub version: i64,
    pub title: String,
    pub symptom: String,
    pub cause: String,
    pub solution: String,
    pub category: String,
    #[serde(serialize_with = "crate::ser::json_list")]
    #[schema(value_type = Vec<String>)]
    pub tags: String,
    #[serde(serialize_with = "crate::ser::json_list")]
    #[schema(value_type = Vec<String>)]
    pub related_systems: String,
    pub visibility: String,
    pub status: String,
    /// Who wrote this version.
    pub updated_by: i64,
    #[serde(serialize_with = "crate::ser::ms")]
    #[schema(value_type = String, format = DateTime)]
    pub updated_at: i64,
}

from_row!(ArticleVersion {
    article_id,
    version,
    title,
    symptom,
    cause,
    solution,
    category,
    tags,
    related_systems,
    visibility,
    status,
    updated_by,
    updated_at
});

const COLUMNS: &str = "title, symptom, cause, solution, category, tags, related_systems, visibility, status, source_request_id, created_by, updated_by, created_at, updated_at";

/// Insert an article (its `id` and `version` are assigned) and index it.
pub async fn insert_article(c: &mut Conn<'_>, a: &Article) -> Result<Article, StoreError> {
    let sql = format!(
        "insert into articles ({COLUMNS}, version) values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, 1) returning *"
    );
    let row: Article = c
        .fetch_one(
            query_owned(sql)
                .bind(&a.title)
                .bind(&a.symptom)
                .bind(&a.cause)
                .bind(&a.solution)
                .bind(&a.category)
                .bind(&a.tags)
                .bind(&a.related_systems)
                .bind(&a.visibility)
                .bind(&a.status)
                .bind(a.source_request_id)
                .bind(a.created_by)
                .bind(a.updated_by)
                .bind(a.created_at)
                .bind(a.updated_at),
        )
        .await?;
    search::index_article(c, &row).await?;
    Ok(row)
}

/// Write `a`'s editable fields if the stored version is still `expected`,
/// keeping the version it replaces in `article_versions`; re-index it.
pub async fn update_article(
    c: &mut Conn<'_>,
    a: &Article,
    expected: i64,
) -> Result<Article, StoreError> {
    c.execute(
        query(
            "insert into article_versions (article_id, version, title, symptom, cause, solution, category, tags, related_systems, visibility, status, updated_by, updated_at)
             select id, version, title, symptom, cause, solution, category, tags, related_systems, visibility, status, updated_by, updated_at
             from articles where id = $1 and version = $2",
        )
        .bind(a.id)
        .bind(expected),
    )
    .await?;
    let row: Option<Article> = c
        .fetch_optional(
            query(
                "update articles set title = $1, symptom = $2, cause = $3, solution = $4, category = $5, tags = $6,
                 related_systems = $7, visibility = $8, status = $9, updated_by = $10, updated_at = $11, version = version + 1
                 where id = $12 and version = $13 returning *",
            )
            .bind(&a.title)
            .bind(&a.symptom)
            .bind(&a.cause)
            .bind(&a.solution)
            .bind(&a.category)
            .bind(&a.tags)
            .bind(&a.related_systems)
            .bind(&a.visibility)
            .bind(&a.status)
            .bind(a.updated_by)
            .bind(a.updated_at)
            .bind(a.id)
            .bind(expected),
        )
        .await?;
    let row = updated_or_why_not(c, row, "articles", a.id, expected).await?;
    search::index_article(c, &row).await?;
    Ok(row)
}

pub async fn get_article(c: &mut Conn<'_>, id: i64) -> Result<Article, StoreError> {
    c.fetch_optional(query("select * from articles where id = $1").bind(id))
        .await?
        .ok_or(StoreError::NotFound)
}

/// A page of articles, newest first (keyset on `id`, before `before`).
/// `customer_view`: only published, customer-visible ones.
pub async fn list_articles(
    c: &mut Conn<'_>,
    customer_view: bool,
    category: Option<&str>,
    before: i64,
    limit: i64,
) -> Result<Vec<Article>, StoreError> {
    c.fetch_all(
        query(
            "select * from articles
             where (not $1 or (visibility = 'customers' and status = 'published'))
               and ($2 is null or category = $2)
               and id < $3
             order by id desc limit $4",
        )
        .bind(customer_view)
        .bind(category)
        .bind(before)
        .bind(limit),
    )
    .await
}

pub async fn list_versions(
    c: &mut Conn<'_>,
    article_id: i64,
) -> Result<Vec<ArticleVersion>, StoreError> {
    c.fetch_all(
        query("select * from article_versions where article_id = $1 order by version desc")
            .bind(article_id),
    )
    .await
}

/// Link an article to a request (nothing happens if they are linked already).
pub async fn link_request(
    c: &mut Conn<'_>,
    article_id: i64,
    request_id: i64,
    who: i64,
    now: i64,
) -> Result<(), StoreError> {
    c.execute(
        query(
            "insert into article_requests (article_id, request_id, linked_by, linked_at) values ($1, $2, $3, $4)
             on conflict (article_id, request_id) do nothing",
        )
        .bind(article_id)
        .bind(request_id)
        .bind(who)
        .bind(now),
    )
    .await?;
    Ok(())
}

pub async fn linked_requests(c: &mut Conn<'_>, article_id: i64) -> Result<Vec<i64>, StoreError> {
    let rows: Vec<(i64,)> = c
        .fetch_all(
            query(
                "select request_id from article_requests where article_id = $1 order by request_id",
            )
            .bind(article_id),
        )
        .await?;
    Ok(rows.into_iter().map(|(r,)| r).collect())
}
