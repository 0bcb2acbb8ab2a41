//! `/api/v1/articles` (the knowledge base), `/api/v1/requests/{id}/article`
//! (a draft article from a resolved request), `/api/v1/search` and
//! `/api/v1/search/suggest`.

use crate::AppState;
use crate::error::{ApiError, ErrorBody, ErrorCode};
use crate::extract::{ApiJson, ApiQuery, Auth, Id};
use crate::requests::{opt_time, split};
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use fuwu_app::Page;
use fuwu_app::knowledge::{ArticleInput, ArticlePatch, ArticleView};
use fuwu_app::search::{SearchFilters, SearchKind, SearchResults, SynonymList};
use fuwu_store::knowledge::{Article, ArticleVersion};
use fuwu_store::requests::RequestFilter;
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub(crate) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_articles, create_article))
        .routes(routes!(get_article, update_article))
        .routes(routes!(article_versions))
        .routes(routes!(draft_from_request))
        .routes(routes!(record_answer))
        .routes(routes!(search))
        .routes(routes!(suggest))
        .routes(routes!(get_synonyms, put_synonyms))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct ArticleParams {
    cursor: Option<String>,
    /// 1–200, default 50.
    limit: Option<i64>,
    category: Option<String>,
}

#[utoipa::path(get, path = "/api/v1/articles", tag = "knowledge", params(ArticleParams),
    description = "Articles, newest first. Customers and third parties see published articles marked for customers only.",
    responses((status = 200, body = Page<Article>), (status = 401, body = ErrorBody)))]
async fn list_articles(
    State(s): State<AppState>,
    Auth(a): Auth,
    ApiQuery(p): ApiQuery<ArticleParams>,
) -> Result<Json<Page<Article>>, ApiError> {
    Ok(Json(
        s.app
            .list_articles(&a, p.cursor, p.limit, p.category)
            .await?,
    ))
}

#[utoipa::path(post, path = "/api/v1/articles", tag = "knowledge", request_body = ArticleInput,
    responses((status = 201, body = ArticleView), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn create_article(
    State(s): State<AppState>,
    Auth(a): Auth,
    ApiJson(input): ApiJson<ArticleInput>,
) -> Result<(StatusCode, Json<ArticleView>), ApiError> {
    Ok((
        StatusCode::CREATED,
        Json(s.app.create_article(&a, input).await?),
    ))
}

#[utoipa::path(get, path = "/api/v1/articles/{id}", tag = "knowledge", params(("id" = i64, Path)),
    responses((status = 200, body = ArticleView), (status = 404, body = ErrorBody)))]
async fn get_article(
    State(s): State<AppState>,
    Auth(a): Auth,
    Id(id): Id,
) -> Result<Json<ArticleView>, ApiError> {
    Ok(Json(s.app.get_article(&a, id).await?))
}

#[utoipa::path(patch, path = "/api/v1/articles/{id}", tag = "knowledge", params(("id" = i64, Path)), request_body = ArticlePatch,
    description = "Change an article; the version it replaces is kept (see `/versions`).",
    responses((status = 200, body = ArticleView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn update_article(
    State(s): State<AppState>,
    Auth(a): Auth,
    Id(id): Id,
    ApiJson(p): ApiJson<ArticlePatch>,
) -> Result<Json<ArticleView>, ApiError> {
    Ok(Json(s.app.update_article(&a, id, p).await?))
}

#[utoipa::path(get, path = "/api/v1/articles/{id}/versions", tag = "knowledge", params(("id" = i64, Path)),
    description = "The article's earlier versions, newest first (staff).",
    responses((status = 200, body = Vec<ArticleVersion>), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn article_versions(
    State(s): State<AppState>,
    Auth(a): Auth,
    Id(id): Id,
) -> Result<Json<Vec<ArticleVersion>>, ApiError> {
    Ok(Json(s.app.article_versions(&a, id).await?))
}

#[utoipa::path(post, path = "/api/v1/requests/{id}/article", tag = "knowledge", params(("id" = i64, Path)),
    description = "A draft, internal article from a resolved or closed request (title, description as symptom, resolution as solution), linked to it.",
    responses((status = 201, body = ArticleView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
async fn draft_from_request(
    State(s): State<AppState>,
    Auth(a): Auth,
    Id(id): Id,
) -> Result<(StatusCode, Json<ArticleView>), ApiError> {
    Ok((
        StatusCode::CREATED,
        Json(s.app.draft_article_from_request(&a, id).await?),
    ))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct AnsweredBy {
    article_id: i64,
}

#[utoipa::path(post, path = "/api/v1/requests/{id}/answered-by", tag = "knowledge", params(("id" = i64, Path)), request_body = AnsweredBy,
    description = "Record that the request was answered from a knowledge-base article (the first line's \"answer from knowledge\" step): links them and notes it in the request's history.",
    responses((status = 200, body = ArticleView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn record_answer(
    State(s): State<AppState>,
    Auth(a): Auth,
    Id(id): Id,
    ApiJson(body): ApiJson<AnsweredBy>,
) -> Result<Json<ArticleView>, ApiError> {
    Ok(Json(s.app.record_answer(&a, id, body.article_id).await?))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct SearchParams {
    /// Words to find (Chinese, English or both); all must match. `vpn*` is a
    /// prefix, `"数据库 连接池"` a phrase (adjacent, in order); words of a
    /// synonym group find each other.
    q: String,
    /// `request` or `article`; both when absent.
    #[serde(rename = "type")]
    kind: Option<String>,
    organization_id: Option<i64>,
    /// Comma-separated states.
    status: Option<String>,
    /// Comma-separated fault levels 0–5.
    level: Option<String>,
    /// Comma-separated categories (requests); an article category (articles).
    category: Option<String>,
    /// RFC 3339; requests created at or after.
    from: Option<String>,
    /// RFC 3339; requests created before.
    to: Option<String>,
    /// 1–50, default 20 (of each type).
    limit: Option<i64>,
}

#[utoipa::path(get, path = "/api/v1/search", tag = "knowledge", params(SearchParams),
    description = "Full-text search over the requests and articles you may see, best first, with HTML snippets (query words in `<mark>`, all else escaped).",
    responses((status = 200, body = SearchResults), (status = 400, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn search(
    State(s): State<AppState>,
    Auth(a): Auth,
    ApiQuery(p): ApiQuery<SearchParams>,
) -> Result<Json<SearchResults>, ApiError> {
    let kind = match p.kind.as_deref() {
        None | Some("") => SearchKind::Both,
        Some("request") => SearchKind::Requests,
        Some("article") => SearchKind::Articles,
        Some(_) => {
            return Err(ApiError::field(
                ErrorCode::BadRequest,
                "type",
                "type: `request` or `article`",
            ));
        }
    };
    let levels: Vec<i64> = split("level", &p.level)?;
    if levels.iter().any(|l| !(0..=5).contains(l)) {
        return Err(ApiError::field(
            ErrorCode::BadRequest,
            "level",
            "levels are 0–5",
        ));
    }
    let statuses: Vec<fuwu_core::Status> = split("status", &p.status)?;
    let (categories, article_category) = match kind {
        SearchKind::Articles => (Vec::new(), p.category.clone()),
        _ => {
            let c: Vec<fuwu_core::Category> = split("category", &p.category)?;
            (c.iter().map(|c| c.as_str().to_owned()).collect(), None)
        }
    };
    let filters = SearchFilters {
        requests: RequestFilter {
            statuses: statuses.iter().map(|s| s.as_str().to_owned()).collect(),
            levels,
            categories,
            organization_id: p.organization_id,
            created_from: opt_time("from", &p.from)?,
            created_to: opt_time("to", &p.to)?,
            ..Default::default()
        },
        article_category,
    };
    Ok(Json(
        s.app
            .search(&a, &p.q, kind, filters, p.limit.unwrap_or(20))
            .await?,
    ))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct SuggestParams {
    /// The draft request's text (title and description).
    text: String,
}

#[utoipa::path(get, path = "/api/v1/search/suggest", tag = "knowledge", params(SuggestParams),
    description = "For a request being written: up to five articles and five past requests sharing the most words with the text.",
    responses((status = 200, body = SearchResults)))]
async fn suggest(
    State(s): State<AppState>,
    Auth(a): Auth,
    ApiQuery(p): ApiQuery<SuggestParams>,
) -> Result<Json<SearchResults>, ApiError> {
    Ok(Json(s.app.suggest(&a, &p.text).await?))
}

#[utoipa::path(get, path = "/api/v1/search/synonyms", tag = "knowledge",
    description = "The synonym groups queries expand with: the shipped ones and the ones admins added (admins).",
    responses((status = 200, body = SynonymList), (status = 403, body = ErrorBody)))]
async fn get_synonyms(
    State(s): State<AppState>,
    Auth(a): Auth,
) -> Result<Json<SynonymList>, ApiError> {
    Ok(Json(s.app.synonyms(&a).await?))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct SynonymInput {
    /// The admins' groups, replacing the previous ones; each 2–30 words.
    custom: Vec<Vec<String>>,
}

#[utoipa::path(put, path = "/api/v1/search/synonyms", tag = "knowledge", request_body = SynonymInput,
    description = "Replace the admins' synonym groups (admins). Applies to the next query on every node; no reindex.",
    responses((status = 200, body = SynonymList), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn put_synonyms(
    State(s): State<AppState>,
    Auth(a): Auth,
    ApiJson(body): ApiJson<SynonymInput>,
) -> Result<Json<SynonymList>, ApiError> {
    Ok(Json(s.app.set_synonyms(&a, body.custom).await?))
}
