//! The queues: filters, sorts and pages of requests.

use super::{PageResult, fail};
use crate::AppState;
use crate::error::ApiError;
use crate::extract::Authn;
use crate::ui::{Ctx, PageError, see_other, viewer};
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, Uri};
use axum::response::IntoResponse;
use fuwu_app::requests::ListQuery;
use fuwu_app::{Actor, AppError};
use fuwu_core::{FaultLevel, Status};
use fuwu_store::requests::{RequestFilter, SortKey};
use serde::Deserialize;

// ---------------------------------------------------------------- queues

#[derive(Debug, Default, Deserialize)]
pub struct QueueQuery {
    view: Option<String>,
    status: Option<String>,
    level: Option<String>,
    org: Option<String>,
    sort: Option<String>,
    cursor: Option<String>,
    /// The breaching-soon view's look-ahead.
    hours: Option<String>,
}

pub struct Row {
    pub id: i64,
    pub title: String,
    pub status: String,
    pub level: i64,
    pub organization: String,
    pub tier: String,
    pub updated_at: i64,
}

#[derive(Template, WebTemplate)]
#[template(path = "queue.html")]
pub struct QueuePage {
    c: Ctx,
    views: Vec<(&'static str, &'static str)>,
    view: String,
    status: String,
    level: String,
    org: String,
    sort: String,
    statuses: Vec<&'static str>,
    orgs: Vec<(i64, String)>,
    sorts: Vec<(&'static str, &'static str)>,
    rows: Vec<Row>,
    next: Option<String>,
}

const VIEWS: &[(&str, &str)] = &[
    ("all", "queue.all"),
    ("mine", "queue.mine"),
    ("team", "queue.team"),
    ("unassigned", "queue.unassigned"),
    ("waiting", "queue.waiting"),
    ("breaching", "queue.breaching"),
    ("severe", "queue.severe"),
];

const SORTS: &[(&str, &str)] = &[
    ("newest", "sort.newest"),
    ("oldest", "sort.oldest"),
    ("updated", "sort.updated"),
    ("level_desc", "sort.level_desc"),
    ("level_asc", "sort.level_asc"),
];

fn open_statuses() -> Vec<String> {
    Status::ALL
        .iter()
        .filter(|s| !s.is_terminal())
        .map(|s| s.as_str().to_owned())
        .collect()
}

/// A work queue (staff) or the organization's requests (customers), filtered and sorted.
pub async fn queue(
    State(s): State<AppState>,
    auth: Result<Authn, ApiError>,
    headers: HeaderMap,
    uri: Uri,
    Query(q): Query<QueueQuery>,
) -> PageResult {
    let (a, c) = viewer(&s, auth, &headers, &uri).await?;
    let me = c.user.clone().ok_or(PageError::Login {
        next: c.here.clone(),
    })?;
    let view = match q.view.as_deref() {
        Some(v) if me.staff && VIEWS.iter().any(|(k, _)| *k == v) => v.to_owned(),
        _ => "all".to_owned(),
    };
    if view == "breaching" {
        let q = crate::ui::clocks::BreachingQuery {
            hours: q.hours,
            level: q.level,
            org: q.org,
            sort: q.sort,
        };
        return crate::ui::clocks::breaching_queue(&s, &a.actor, c, VIEWS.to_vec(), q).await;
    }
    let mut filter = RequestFilter::default();
    match view.as_str() {
        "mine" => filter.assignee_id = Some(me.id),
        // Without a team, "my team" is nobody's queue: show nothing rather than everything.
        "team" => filter.team_id = Some(me.team_id.unwrap_or(-1)),
        "unassigned" => filter.unassigned = true,
        "waiting" => filter.statuses = vec![Status::Pending.as_str().to_owned()],
        "severe" => filter.levels = vec![3, 4, 5],
        _ => {}
    }
    let status = q
        .status
        .as_deref()
        .and_then(|v| v.parse::<Status>().ok())
        .map(|v| v.as_str().to_owned())
        .unwrap_or_default();
    if !status.is_empty() {
        filter.statuses = vec![status.clone()];
    } else if filter.statuses.is_empty() && me.staff {
        filter.statuses = open_statuses();
    }
    let level = q
        .level
        .as_deref()
        .and_then(|v| v.parse::<i64>().ok())
        .and_then(|v| FaultLevel::new(v).ok())
        .map(|v| v.get() as i64);
    if let Some(l) = level {
        filter.levels = vec![l];
    }
    let org = q
        .org
        .as_deref()
        .and_then(|v| v.parse::<i64>().ok())
        .filter(|v| *v > 0);
    if org.is_some() {
        filter.organization_id = org;
    }
    let sort = q
        .sort
        .as_deref()
        .filter(|v| SORTS.iter().any(|(k, _)| k == v))
        .unwrap_or("newest")
        .to_owned();
    let (key, descending) = match sort.as_str() {
        "oldest" => (SortKey::CreatedAt, false),
        "updated" => (SortKey::UpdatedAt, true),
        "level_desc" => (SortKey::Level, true),
        "level_asc" => (SortKey::Level, false),
        _ => (SortKey::CreatedAt, true),
    };
    let page = s
        .app
        .list_requests(
            &a.actor,
            ListQuery {
                filter,
                sort: key,
                descending,
                cursor: q.cursor.clone().filter(|v| !v.is_empty()),
                limit: Some(50),
            },
        )
        .await;
    let page = match page {
        Ok(p) => p,
        // A cursor that is not ours: start again from the first page.
        Err(AppError::Invalid {
            field: "cursor", ..
        }) => {
            return Ok(see_other(uri.path()));
        }
        Err(e) => return Err(fail(c)(e)),
    };
    let orgs = org_names(&s, &a.actor).await;
    let rows = page
        .items
        .into_iter()
        .map(|r| Row {
            organization: orgs
                .iter()
                .find(|(id, _)| *id == r.organization_id)
                .map_or_else(|| format!("#{}", r.organization_id), |(_, n)| n.clone()),
            id: r.id,
            title: r.title,
            status: r.status,
            level: r.level,
            tier: r.tier,
            updated_at: r.updated_at,
        })
        .collect();
    let here_params = |cursor: &str| {
        let pairs = [
            ("view", view.as_str()),
            ("status", status.as_str()),
            ("level", &level.map(|l| l.to_string()).unwrap_or_default()),
            ("org", &org.map(|o| o.to_string()).unwrap_or_default()),
            ("sort", sort.as_str()),
            ("cursor", cursor),
        ]
        .iter()
        .filter(|(_, v)| !v.is_empty())
        .map(|(k, v)| format!("{k}={}", crate::ui::percent_encode(v)))
        .collect::<Vec<_>>()
        .join("&");
        format!("/ui/queue?{pairs}")
    };
    let next = page.next_cursor.as_deref().map(here_params);
    Ok(QueuePage {
        views: if me.staff { VIEWS.to_vec() } else { Vec::new() },
        c,
        view,
        status,
        level: level.map(|l| l.to_string()).unwrap_or_default(),
        org: org.map(|o| o.to_string()).unwrap_or_default(),
        sort,
        statuses: Status::ALL.iter().map(|s| s.as_str()).collect(),
        orgs,
        sorts: SORTS.to_vec(),
        rows,
        next,
    }
    .into_response())
}

/// The organizations the viewer may see, for names and the filter (empty when none).
async fn org_names(s: &AppState, actor: &Actor) -> Vec<(i64, String)> {
    s.app
        .list_organizations(actor, None, Some(200), None)
        .await
        .map(|p| p.items.into_iter().map(|o| (o.id, o.name)).collect())
        .unwrap_or_default()
}
