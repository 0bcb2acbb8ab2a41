//! The search page (`/ui/search`), reached from the search box in every
//! page's header: requests and articles the viewer may see, with
//! highlighted snippets, filters and pages. What may be seen is decided by
//! the search use case (reach, internal notes for staff only, public
//! articles for customers); this page only shows it.

use super::{Ctx, PageError, viewer};
use crate::AppState;
use crate::error::ApiError;
use crate::extract::Authn;
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, Uri};
use axum::response::{IntoResponse, Response};
use fuwu_app::AppError;
use fuwu_app::search::{ArticleHit, RequestHit, SearchFilters};
use fuwu_core::{Category, FaultLevel, Status};
use fuwu_store::requests::RequestFilter;
use serde::Deserialize;

const PER_PAGE: i64 = 10;

#[derive(Debug, Default, Deserialize)]
pub struct SearchQuery {
    q: Option<String>,
    org: Option<String>,
    status: Option<String>,
    level: Option<String>,
    category: Option<String>,
    /// A day (YYYY-MM-DD) in the viewer's time zone: created on or after it.
    from: Option<String>,
    /// A day: created on or before it.
    to: Option<String>,
    /// From 1.
    page: Option<i64>,
}

#[derive(Template, WebTemplate)]
#[template(path = "search.html")]
pub struct SearchPage {
    c: Ctx,
    q: String,
    org: String,
    status: String,
    level: String,
    category: String,
    from: String,
    to: String,
    orgs: Vec<(i64, String)>,
    statuses: Vec<&'static str>,
    categories: Vec<&'static str>,
    requests: Vec<(RequestHit, String)>,
    articles: Vec<ArticleHit>,
    /// Whether a query was run (an empty box shows the form only).
    asked: bool,
    /// The query was refused (too long, nothing searchable).
    invalid: bool,
    page: i64,
    prev: Option<String>,
    next: Option<String>,
}

/// The start of day `d` (YYYY-MM-DD) in the viewer's zone, in Unix ms.
fn day_start(c: &Ctx, d: &str, plus_days: i64) -> Option<i64> {
    let date: jiff::civil::Date = d.parse().ok()?;
    let date = date.checked_add(jiff::Span::new().days(plus_days)).ok()?;
    date.to_zoned(c.tz.clone())
        .ok()
        .map(|z| z.timestamp().as_millisecond())
}

fn valid<T: std::str::FromStr>(v: &Option<String>) -> String {
    v.as_deref()
        .filter(|v| v.parse::<T>().is_ok())
        .unwrap_or_default()
        .to_owned()
}

pub async fn search_page(
    State(s): State<AppState>,
    auth: Result<Authn, ApiError>,
    headers: HeaderMap,
    uri: Uri,
    Query(p): Query<SearchQuery>,
) -> Result<Response, PageError> {
    let (a, c) = viewer(&s, auth, &headers, &uri).await?;
    let staff = c.is_staff();
    let q = p.q.clone().unwrap_or_default().trim().to_owned();
    let status = valid::<Status>(&p.status);
    let category = valid::<Category>(&p.category);
    let level = p
        .level
        .as_deref()
        .and_then(|v| v.parse::<i64>().ok())
        .and_then(|v| FaultLevel::new(v).ok())
        .map(|v| v.get().to_string())
        .unwrap_or_default();
    // Customers search their own organization only: no organization filter to offer.
    let org = if staff {
        valid::<i64>(&p.org)
    } else {
        String::new()
    };
    let from = p
        .from
        .clone()
        .filter(|d| day_start(&c, d, 0).is_some())
        .unwrap_or_default();
    let to =
        p.to.clone()
            .filter(|d| day_start(&c, d, 1).is_some())
            .unwrap_or_default();
    let page = p.page.unwrap_or(1).clamp(1, 10);
    let filters = SearchFilters {
        requests: RequestFilter {
            statuses: (!status.is_empty())
                .then(|| status.clone())
                .into_iter()
                .collect(),
            levels: level.parse().ok().into_iter().collect(),
            categories: (!category.is_empty())
                .then(|| category.clone())
                .into_iter()
                .collect(),
            organization_id: org.parse().ok(),
            created_from: day_start(&c, &from, 0),
            created_to: day_start(&c, &to, 1),
            ..Default::default()
        },
        article_category: None,
    };
    let mut invalid = false;
    let (results, more) = if q.is_empty() {
        (None, false)
    } else {
        match s
            .app
            .search_page(&a.actor, &q, filters, page - 1, PER_PAGE)
            .await
        {
            Ok((r, more)) => (Some(r), more),
            Err(AppError::Invalid { .. }) => {
                invalid = true;
                (None, false)
            }
            Err(e) => return Err(PageError::Api(e.into(), Box::new(c))),
        }
    };
    let orgs = if staff {
        s.app
            .list_organizations(&a.actor, None, Some(200), None)
            .await
            .map(|p| p.items.into_iter().map(|o| (o.id, o.name)).collect())
            .unwrap_or_default()
    } else {
        Vec::new()
    };
    let link = |n: i64| {
        let pairs = [
            ("q", q.as_str()),
            ("org", org.as_str()),
            ("status", status.as_str()),
            ("level", level.as_str()),
            ("category", category.as_str()),
            ("from", from.as_str()),
            ("to", to.as_str()),
            ("page", &n.to_string()),
        ]
        .iter()
        .filter(|(_, v)| !v.is_empty())
        .map(|(k, v)| format!("{k}={}", super::percent_encode(v)))
        .collect::<Vec<_>>()
        .join("&");
        format!("/ui/search?{pairs}")
    };
    let asked = results.is_some();
    let (requests, articles) = results
        .map(|r| (r.requests, r.articles))
        .unwrap_or_default();
    let requests = requests
        .into_iter()
        .map(|h| {
            let name = orgs
                .iter()
                .find(|(id, _)| *id == h.organization_id)
                .map(|(_, n)| n.clone())
                .unwrap_or_default();
            (h, name)
        })
        .collect();
    Ok(SearchPage {
        prev: (page > 1).then(|| link(page - 1)),
        next: (more && page < 10).then(|| link(page + 1)),
        c,
        q,
        org,
        status,
        level,
        category,
        from,
        to,
        orgs,
        statuses: Status::ALL.iter().map(|s| s.as_str()).collect(),
        categories: Category::ALL.iter().map(|v| v.as_str()).collect(),
        requests,
        articles,
        asked,
        invalid,
        page,
    }
    .into_response())
}
