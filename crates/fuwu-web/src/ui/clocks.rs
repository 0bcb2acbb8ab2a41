//! The request page's live SLA clocks (a partial htmx polls every 30 s) and
//! the "breaching soon" queue.

use super::{Ctx, PageError, viewer};
use crate::AppState;
use crate::error::{ApiError, ErrorCode};
use crate::extract::Authn;
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, Uri};
use axum::response::{IntoResponse, Response};
use fuwu_app::Actor;
use fuwu_app::sla::ClockView;
use fuwu_core::FaultLevel;

/// One clock as the page shows it.
pub struct ClockLine {
    pub name: String,
    pub state: String,
    /// ok, warning, danger, breached, met (a CSS class and a test hook).
    pub risk: &'static str,
    pub deadline: Option<i64>,
    pub remaining_seconds: i64,
    /// The share used, exact to 0.01 (`46.67`).
    pub percent_used: String,
    /// The bar's width in percent, 0–100.
    pub bar_width: String,
    /// Counted down by the page between refreshes: only a running clock on
    /// a round-the-clock calendar loses a second of working time per second.
    pub countdown: bool,
    /// Years without official holiday data its deadline or elapsed time
    /// relied on, as `2027` or `2027, 2028`; empty when none.
    pub provisional: String,
}

/// The clocks of one request, or why there are none to show.
pub struct ClockPanel {
    pub request_id: i64,
    pub lines: Vec<ClockLine>,
    /// The clocks could not be read (kept off the page, not failing it).
    pub unavailable: bool,
}

/// Colour by how much of the target is used: warning from 50 %, danger from 80 %.
pub fn risk(state: &str, percent_used: f64) -> &'static str {
    match state {
        "breached" => "breached",
        "met" => "met",
        _ if percent_used >= 100.0 => "breached",
        _ if percent_used >= 80.0 => "danger",
        _ if percent_used >= 50.0 => "warning",
        _ => "ok",
    }
}

fn ms_of(rfc: &Option<String>) -> Option<i64> {
    rfc.as_deref()
        .and_then(|t| t.parse::<jiff::Timestamp>().ok())
        .map(jiff::Timestamp::as_millisecond)
}

fn line(c: &Ctx, k: ClockView) -> ClockLine {
    ClockLine {
        name: match c.lang {
            super::i18n::Lang::En if !k.name_en.is_empty() => k.name_en,
            _ if !k.name_zh.is_empty() => k.name_zh,
            _ => k.target_key,
        },
        risk: risk(&k.state, k.percent_used),
        deadline: ms_of(&k.deadline),
        countdown: k.state == "running" && k.calendar == "24x7",
        remaining_seconds: k.remaining_seconds,
        percent_used: percent_text(k.percent_used),
        bar_width: format!("{:.2}", k.percent_used.clamp(0.0, 100.0)),
        provisional: k
            .provisional_years
            .iter()
            .map(i16::to_string)
            .collect::<Vec<_>>()
            .join(", "),
        state: k.state,
    }
}

/// The request's current clocks (superseded generations are history, not shown).
pub async fn panel(s: &AppState, actor: &Actor, c: &Ctx, id: i64) -> ClockPanel {
    match s.app.request_clocks(actor, id, None).await {
        Ok(rc) => panel_of(c, id, rc),
        Err(e) => {
            tracing::warn!(error = %e, request = id, "clocks unavailable on the request page");
            ClockPanel {
                request_id: id,
                lines: Vec::new(),
                unavailable: true,
            }
        }
    }
}

fn panel_of(c: &Ctx, id: i64, rc: fuwu_app::sla::RequestClocks) -> ClockPanel {
    ClockPanel {
        request_id: id,
        lines: rc
            .clocks
            .into_iter()
            .filter(|k| k.state != "superseded" && !k.target_key.starts_with("notice:"))
            .map(|k| line(c, k))
            .collect(),
        unavailable: false,
    }
}

/// The names of the targets of every policy, by key, in the viewer's
/// language (a key used by several policies takes the first name).
pub async fn target_names(
    s: &AppState,
    actor: &Actor,
    c: &Ctx,
) -> std::collections::HashMap<String, String> {
    let mut names = std::collections::HashMap::new();
    for p in s.app.list_sla_policies(actor).await.unwrap_or_default() {
        let Ok(policy) = serde_json::from_str::<fuwu_core::sla::Policy>(&p.definition) else {
            continue;
        };
        for t in policy.targets {
            let name = match c.lang {
                super::i18n::Lang::En => t.name_en,
                _ => t.name_zh,
            };
            names.entry(t.key).or_insert(name);
        }
    }
    names
}

/// A share in percent to two decimals, without trailing zeros: `46.67`, `50`, `12.5`.
pub fn percent_text(p: f64) -> String {
    let t = format!("{p:.2}");
    t.trim_end_matches('0').trim_end_matches('.').to_owned()
}

/// `1d 2h`, `3h 05m`, `12m`; negative for overdue.
pub fn duration_text(seconds: &i64) -> String {
    let s = seconds.unsigned_abs();
    let sign = if *seconds < 0 { "-" } else { "" };
    let (d, h, m) = (s / 86_400, s % 86_400 / 3600, s % 3600 / 60);
    match (d, h) {
        (0, 0) => format!("{sign}{m}m"),
        (0, _) => format!("{sign}{h}h {m:02}m"),
        _ => format!("{sign}{d}d {h}h"),
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "clocks.html")]
pub struct ClocksPart {
    c: Ctx,
    clocks: ClockPanel,
}

/// The clocks section alone, for htmx to swap in.
pub async fn clocks_part(
    State(s): State<AppState>,
    auth: Result<Authn, ApiError>,
    headers: HeaderMap,
    uri: Uri,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let (a, c) = viewer(&s, auth, &headers, &uri).await?;
    let Some(id) = id.parse::<i64>().ok().filter(|v| *v > 0) else {
        return Err(PageError::Api(
            ApiError::new(ErrorCode::NotFound, "no such request"),
            Box::new(c),
        ));
    };
    // Out of reach is the same 404 as the request page gives.
    let clocks = match s.app.request_clocks(&a.actor, id, None).await {
        Ok(rc) => panel_of(&c, id, rc),
        Err(e) => return Err(PageError::Api(e.into(), Box::new(c))),
    };
    Ok(ClocksPart { c, clocks }.into_response())
}

// ---------------------------------------------------------------- breaching soon

/// The view's filters, as the queue page read them.
#[derive(Debug, Default)]
pub struct BreachingQuery {
    pub hours: Option<String>,
    pub level: Option<String>,
    pub org: Option<String>,
    pub sort: Option<String>,
}

pub struct BreachingLine {
    pub id: i64,
    pub title: String,
    pub status: String,
    pub level: i64,
    pub organization: String,
    pub tier: String,
    pub target: String,
    pub deadline: i64,
    pub left_seconds: i64,
    pub warned: bool,
}

#[derive(Template, WebTemplate)]
#[template(path = "breaching.html")]
pub struct BreachingPage {
    c: Ctx,
    views: Vec<(&'static str, &'static str)>,
    hours: i64,
    level: String,
    org: String,
    sort: String,
    orgs: Vec<(i64, String)>,
    sorts: Vec<(&'static str, &'static str)>,
    rows: Vec<BreachingLine>,
}

const SORTS: &[(&str, &str)] = &[
    ("deadline", "sort.deadline"),
    ("level_desc", "sort.level_desc"),
];

/// Default look-ahead of the queue.
const DEFAULT_HOURS: i64 = 4;

/// The "breaching soon" view of the queues (staff).
pub async fn breaching_queue(
    s: &AppState,
    actor: &Actor,
    c: Ctx,
    views: Vec<(&'static str, &'static str)>,
    q: BreachingQuery,
) -> Result<Response, PageError> {
    let hours = q
        .hours
        .as_deref()
        .and_then(|v| v.parse::<i64>().ok())
        .filter(|v| (1..=336).contains(v))
        .unwrap_or(DEFAULT_HOURS);
    let level = q
        .level
        .as_deref()
        .and_then(|v| v.parse::<i64>().ok())
        .and_then(|v| FaultLevel::new(v).ok())
        .map(|v| v.get() as i64);
    let org = q
        .org
        .as_deref()
        .and_then(|v| v.parse::<i64>().ok())
        .filter(|v| *v > 0);
    let sort = q
        .sort
        .as_deref()
        .filter(|v| SORTS.iter().any(|(k, _)| k == v))
        .unwrap_or("deadline")
        .to_owned();
    let rows = match s.app.breaching_soon(actor, hours, level, org).await {
        Ok(r) => r,
        Err(e) => return Err(PageError::Api(e.into(), Box::new(c))),
    };
    let orgs = s
        .app
        .list_organizations(actor, None, Some(200), None)
        .await
        .map(|p| {
            p.items
                .into_iter()
                .map(|o| (o.id, o.name))
                .collect::<Vec<_>>()
        })
        .unwrap_or_default();
    let now = s.app.now();
    let names = target_names(s, actor, &c).await;
    let mut rows: Vec<BreachingLine> = rows
        .into_iter()
        .map(|r| BreachingLine {
            organization: orgs
                .iter()
                .find(|(id, _)| *id == r.organization_id)
                .map_or_else(|| format!("#{}", r.organization_id), |(_, n)| n.clone()),
            target: names
                .get(&r.target_key)
                .cloned()
                .unwrap_or_else(|| r.target_key.clone()),
            deadline: r.deadline.unwrap_or(now),
            left_seconds: (r.deadline.unwrap_or(now) - now) / 1000,
            warned: r.handled != "[]",
            id: r.request_id,
            title: r.title,
            status: r.status,
            level: r.level,
            tier: r.tier,
        })
        .collect();
    // The store gives them soonest deadline first.
    if sort == "level_desc" {
        rows.sort_by_key(|r| (-r.level, r.deadline));
    }
    Ok(BreachingPage {
        c,
        views,
        hours,
        level: level.map(|l| l.to_string()).unwrap_or_default(),
        org: org.map(|o| o.to_string()).unwrap_or_default(),
        sort,
        orgs,
        sorts: SORTS.to_vec(),
        rows,
    }
    .into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clocks_are_coloured_by_the_share_of_the_target_used() {
        assert_eq!(risk("running", 10.0), "ok");
        assert_eq!(risk("running", 49.99), "ok");
        assert_eq!(risk("running", 50.0), "warning");
        assert_eq!(risk("paused", 79.99), "warning");
        assert_eq!(risk("running", 80.0), "danger");
        assert_eq!(risk("running", 100.0), "breached");
        assert_eq!(risk("met", 95.0), "met");
        assert_eq!(risk("breached", 40.0), "breached");
    }

    #[test]
    fn the_share_used_reads_to_the_hundredth() {
        assert_eq!(percent_text(46.67), "46.67");
        assert_eq!(percent_text(50.0), "50");
        assert_eq!(percent_text(12.5), "12.5");
        assert_eq!(percent_text(300.0), "300");
        assert_eq!(percent_text(0.0), "0");
    }

    #[test]
    fn durations_read_as_days_hours_and_minutes() {
        assert_eq!(duration_text(&59), "0m");
        assert_eq!(duration_text(&(3 * 3600 + 5 * 60)), "3h 05m");
        assert_eq!(duration_text(&(-(2 * 86_400 + 3600))), "-2d 1h");
    }
}
