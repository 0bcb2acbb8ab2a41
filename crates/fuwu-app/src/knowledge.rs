//! Use cases of the knowledge base: articles (symptom, cause, solution)
//! that staff write and everyone reads within their visibility, their
//! earlier versions, their links to requests, and a draft article made from
//! a resolved request in one call.
//!
//! Staff (agents, engineers, project leaders, admins) write; they read every
//! article, drafts and internal ones included. Customers and third-party
//! engineers read published articles marked for customers, nothing else: any
//! other article is "not found" to them.

use crate::access::Capability;
use crate::paging::{page, page_limit};
use crate::{Actor, App, AppError, Page};
use fuwu_core::Status;
use fuwu_store::knowledge::{self as store, Article, ArticleVersion};
use fuwu_store::{Conn, StoreError};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// An article with the requests it is linked to (staff only; empty for customers).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ArticleView {
    #[serde(flatten)]
    pub article: Article,
    pub request_ids: Vec<i64>,
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ArticleInput {
    pub title: String,
    #[serde(default)]
    pub symptom: String,
    #[serde(default)]
    pub cause: String,
    #[serde(default)]
    pub solution: String,
    #[serde(default)]
    pub category: String,
    #[serde(default)]
    pub tags: Vec<String>,
    #[serde(default)]
    pub related_systems: Vec<String>,
    /// `internal` (default) or `customers`.
    pub visibility: Option<String>,
    /// `draft` (default), `published` or `archived`.
    pub status: Option<String>,
    /// Requests this article answers.
    #[serde(default)]
    pub request_ids: Vec<i64>,
}

/// Absent fields keep their value; `version` is the one you read.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ArticlePatch {
    pub version: i64,
    pub title: Option<String>,
    pub symptom: Option<String>,
    pub cause: Option<String>,
    pub solution: Option<String>,
    pub category: Option<String>,
    pub tags: Option<Vec<String>>,
    pub related_systems: Option<Vec<String>>,
    pub visibility: Option<String>,
    pub status: Option<String>,
    /// More requests this article answers (added to the links).
    #[serde(default)]
    pub request_ids: Vec<i64>,
}

fn title(v: &str) -> Result<String, AppError> {
    let t = v.trim();
    if t.is_empty() {
        return Err(AppError::invalid("title", "must not be empty"));
    }
    if t.chars().count() > 200 {
        return Err(AppError::invalid("title", "at most 200 characters"));
    }
    Ok(t.to_owned())
}

fn long_text(field: &'static str, v: &str) -> Result<String, AppError> {
    if v.chars().count() > 20_000 {
        return Err(AppError::invalid(field, "at most 20000 characters"));
    }
    Ok(v.trim().to_owned())
}

fn short_text(field: &'static str, v: &str) -> Result<String, AppError> {
    if v.chars().count() > 50 {
        return Err(AppError::invalid(field, "at most 50 characters"));
    }
    Ok(v.trim().to_owned())
}

fn word_list(field: &'static str, v: &[String]) -> Result<String, AppError> {
    if v.len() > 20 {
        return Err(AppError::invalid(field, "at most 20 entries"));
    }
    let mut out: Vec<String> = Vec::new();
    for w in v {
        let w = short_text(field, w)?;
        if !w.is_empty() && !out.contains(&w) {
            out.push(w);
        }
    }
    Ok(serde_json::to_string(&out).unwrap_or_else(|_| "[]".into()))
}

fn visibility(v: &str) -> Result<String, AppError> {
    match v {
        "internal" | "customers" => Ok(v.to_owned()),
        _ => Err(AppError::invalid("visibility", "`internal` or `customers`")),
    }
}

fn status(v: &str) -> Result<String, AppError> {
    match v {
        "draft" | "published" | "archived" => Ok(v.to_owned()),
        _ => Err(AppError::invalid(
            "status",
            "`draft`, `published` or `archived`",
        )),
    }
}

/// Whether `actor` may read `a`.
fn may_read(actor: &Actor, a: &Article) -> bool {
    actor.sees_internal() || (a.visibility == "customers" && a.status == "published")
}

async fn view(
    c: &mut Conn<'_>,
    actor: &Actor,
    article: Article,
) -> Result<ArticleView, StoreError> {
    let request_ids = if actor.sees_internal() {
        store::linked_requests(c, article.id).await?
    } else {
        Vec::new()
    };
    Ok(ArticleView {
        article,
        request_ids,
    })
}

async fn link_all(
    c: &mut Conn<'_>,
    actor: &Actor,
    article_id: i64,
    request_ids: &[i64],
    now: i64,
) -> Result<(), AppError> {
    for &r in request_ids {
        // A request out of the writer's reach is refused like a missing one.
        crate::request_access::load_visible(c, actor, r)
            .await
            .map_err(|e| match e {
                AppError::NotFound { .. } => {
                    AppError::invalid("request_ids", format!("no request {r}"))
                }
                other => other,
            })?;
        store::link_request(c, article_id, r, actor.user_id, now).await?;
    }
    Ok(())
}

fn not_found(e: StoreError) -> AppError {
    AppError::from_store("article", e)
}

impl App {
    pub async fn create_article(
        &self,
        actor: &Actor,
        input: ArticleInput,
    ) -> Result<ArticleView, AppError> {
        actor.require(Capability::WriteKnowledge)?;
        let now = self.now();
        let a = Article {
            id: 0,
            title: title(&input.title)?,
            symptom: long_text("symptom", &input.symptom)?,
            cause: long_text("cause", &input.cause)?,
            solution: long_text("solution", &input.solution)?,
            category: short_text("category", &input.category)?,
            tags: word_list("tags", &input.tags)?,
            related_systems: word_list("related_systems", &input.related_systems)?,
            visibility: visibility(input.visibility.as_deref().unwrap_or("internal"))?,
            status: status(input.status.as_deref().unwrap_or("draft"))?,
            source_request_id: None,
            created_by: actor.user_id,
            updated_by: actor.user_id,
            created_at: now,
            updated_at: now,
            version: 1,
        };
        let actor = actor.clone();
        self.db
            .write(move |mut c| {
                Box::pin(async move {
                    let row = store::insert_article(&mut c, &a).await?;
                    link_all(&mut c, &actor, row.id, &input.request_ids, now).await?;
                    crate::audit::created(&mut c, actor.user_id, "article", row.id, &row, now)
                        .await?;
                    Ok(view(&mut c, &actor, row).await?)
                })
            })
            .await
    }

    pub async fn update_article(
        &self,
        actor: &Actor,
        id: i64,
        p: ArticlePatch,
    ) -> Result<ArticleView, AppError> {
        actor.require(Capability::WriteKnowledge)?;
        let now = self.now();
        let actor = actor.clone();
        self.db
            .write(move |mut c| {
                Box::pin(async move {
                    let before = store::get_article(&mut c, id).await.map_err(not_found)?;
                    let mut a = before.clone();
                    if let Some(v) = &p.title {
                        a.title = title(v)?;
                    }
                    if let Some(v) = &p.symptom {
                        a.symptom = long_text("symptom", v)?;
                    }
                    if let Some(v) = &p.cause {
                        a.cause = long_text("cause", v)?;
                    }
                    if let Some(v) = &p.solution {
                        a.solution = long_text("solution", v)?;
                    }
                    if let Some(v) = &p.category {
                        a.category = short_text("category", v)?;
                    }
                    if let Some(v) = &p.tags {
                        a.tags = word_list("tags", v)?;
                    }
                    if let Some(v) = &p.related_systems {
                        a.related_systems = word_list("related_systems", v)?;
                    }
                    if let Some(v) = &p.visibility {
                        a.visibility = visibility(v)?;
                    }
                    if let Some(v) = &p.status {
                        a.status = status(v)?;
                    }
                    a.updated_by = actor.user_id;
                    a.updated_at = now;
                    let after = store::update_article(&mut c, &a, p.version)
                        .await
                        .map_err(not_found)?;
                    link_all(&mut c, &actor, id, &p.request_ids, now).await?;
                    crate::audit::updated(
                        &mut c,
                        actor.user_id,
                        "article",
                        id,
                        &before,
                        &after,
                        now,
                    )
                    .await?;
                    Ok(view(&mut c, &actor, after).await?)
                })
            })
            .await
    }

    pub async fn get_article(&self, actor: &Actor, id: i64) -> Result<ArticleView, AppError> {
        let actor = actor.clone();
        self.db
            .read(move |mut c| {
                Box::pin(async move {
                    let a = store::get_article(&mut c, id).await.map_err(not_found)?;
                    if !may_read(&actor, &a) {
                        return Err(AppError::NotFound { what: "article" });
                    }
                    Ok(view(&mut c, &actor, a).await?)
                })
            })
            .await
    }

    pub async fn list_articles(
        &self,
        actor: &Actor,
        cursor: Option<String>,
        limit: Option<i64>,
        category: Option<String>,
    ) -> Result<Page<Article>, AppError> {
        let before = match cursor {
            None => i64::MAX,
            Some(s) => s
                .parse()
                .map_err(|_| AppError::invalid("cursor", "not a cursor this API gave out"))?,
        };
        let limit = page_limit(limit);
        let customer_view = !actor.sees_internal();
        let rows = self
            .db
            .read(move |mut c| {
                Box::pin(async move {
                    store::list_articles(
                        &mut c,
                        customer_view,
                        category.as_deref(),
                        before,
                        limit + 1,
                    )
                    .await
                })
            })
            .await?;
        Ok(page(rows, limit, |a| a.id))
    }

    /// The earlier versions of an article, newest first (staff only).
    pub async fn article_versions(
        &self,
        actor: &Actor,
        id: i64,
    ) -> Result<Vec<ArticleVersion>, AppError> {
        let actor = actor.clone();
        self.db
            .read(move |mut c| {
                Box::pin(async move {
                    let a = store::get_article(&mut c, id).await.map_err(not_found)?;
                    if !may_read(&actor, &a) {
                        return Err(AppError::NotFound { what: "article" });
                    }
                    actor.require(Capability::SeeInternal)?;
                    Ok(store::list_versions(&mut c, id).await?)
                })
            })
            .await
    }

    /// A draft article from a resolved (or closed) request: its title, its
    /// description as the symptom, its resolution as the solution, its
    /// system as a related system; internal until someone publishes it.
    pub async fn draft_article_from_request(
        &self,
        actor: &Actor,
        request_id: i64,
    ) -> Result<ArticleView, AppError> {
        actor.require(Capability::WriteKnowledge)?;
        let now = self.now();
        let actor = actor.clone();
        self.db
            .write(move |mut c| {
                Box::pin(async move {
                    let r = crate::request_access::load_visible(&mut c, &actor, request_id).await?;
                    let st: Status = r
                        .status
                        .parse()
                        .map_err(|_| AppError::Internal(StoreError::Corrupt("status".into())))?;
                    if !matches!(st, Status::Resolved | Status::Closed) {
                        return Err(AppError::Conflict(format!(
                            "request {request_id} is {}; only a resolved or closed request becomes an article",
                            r.status
                        )));
                    }
                    let mut systems = Vec::new();
                    if let Some(s) = r.system_id {
                        systems.push(fuwu_store::directory::get_system(&mut c, s).await?.name);
                    }
                    let cut = |s: &str, n: usize| s.chars().take(n).collect::<String>();
                    let a = Article {
                        id: 0,
                        title: cut(&r.title, 200),
                        symptom: cut(&r.description, 20_000),
                        cause: String::new(),
                        solution: cut(r.resolution.as_deref().unwrap_or(""), 20_000),
                        category: r.category.clone(),
                        tags: "[]".into(),
                        related_systems: serde_json::to_string(&systems)
                            .unwrap_or_else(|_| "[]".into()),
                        visibility: "internal".into(),
                        status: "draft".into(),
                        source_request_id: Some(r.id),
                        created_by: actor.user_id,
                        updated_by: actor.user_id,
                        created_at: now,
                        updated_at: now,
                        version: 1,
                    };
                    let row = store::insert_article(&mut c, &a).await?;
                    store::link_request(&mut c, row.id, r.id, actor.user_id, now).await?;
                    crate::audit::created(&mut c, actor.user_id, "article", row.id, &row, now)
                        .await?;
                    Ok(view(&mut c, &actor, row).await?)
                })
            })
            .await
    }

    /// The first line answered `request_id` from this article (SPEC §6,
    /// handling step 1): the article is linked to the request and the
    /// request's history records `answered_from_article`.
    pub async fn record_answer(
        &self,
        actor: &Actor,
        request_id: i64,
        article_id: i64,
    ) -> Result<ArticleView, AppError> {
        actor.require(Capability::WriteKnowledge)?;
        let now = self.now();
        let actor = actor.clone();
        self.db
            .write(move |mut c| {
                Box::pin(async move {
                    crate::request_access::load_workable(&mut c, &actor, request_id).await?;
                    let a = match store::get_article(&mut c, article_id).await {
                        Ok(a) if may_read(&actor, &a) => a,
                        Ok(_) | Err(StoreError::NotFound) => {
                            return Err(AppError::invalid(
                                "article_id",
                                format!("no article {article_id}"),
                            ));
                        }
                        Err(e) => return Err(e.into()),
                    };
                    store::link_request(&mut c, a.id, request_id, actor.user_id, now).await?;
                    let ev = fuwu_store::requests::NewEvent {
                        kind: "answered_from_article".into(),
                        details: Some(serde_json::json!({"article_id": a.id}).to_string()),
                        ..Default::default()
                    };
                    fuwu_store::requests::insert_events(
                        &mut c,
                        request_id,
                        actor.user_id,
                        now,
                        &[ev],
                    )
                    .await?;
                    Ok(view(&mut c, &actor, a).await?)
                })
            })
            .await
    }
}
