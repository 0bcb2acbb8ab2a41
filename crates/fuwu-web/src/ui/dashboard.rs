//! The staff dashboard: open requests by level and state, clocks at risk and
//! breached, attainment per target today and this month, and two trend
//! charts drawn by the embedded Chart.js from JSON in the page.

use super::{Ctx, PageError, viewer};
use crate::AppState;
use crate::error::ApiError;
use crate::extract::Authn;
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::State;
use axum::http::{HeaderMap, Uri};
use axum::response::{IntoResponse, Response};
use fuwu_app::dashboard::{AT_RISK_HOURS, Period, TREND_DAYS};
use fuwu_app::sla::Attainment;
use fuwu_core::Status;
use serde_json::json;
use std::collections::HashMap;

const DAY_MS: i64 = 86_400_000;

/// One target's attainment as a table row.
pub struct AttainmentRow {
    pub target: String,
    pub met: u64,
    pub breached: u64,
    /// Met share in percent, `—` without finished clocks.
    pub rate: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "dashboard.html")]
pub struct DashboardPage {
    c: Ctx,
    statuses: Vec<&'static str>,
    /// Per level 0–5: counts per status (in `statuses` order) and the total.
    by_level: Vec<(i64, Vec<i64>, i64)>,
    total_open: i64,
    at_risk: i64,
    at_risk_hours: i64,
    breached: i64,
    today: Vec<AttainmentRow>,
    month: Vec<AttainmentRow>,
    /// Chart data, as JSON in a data attribute (escaped by the template).
    charts_json: String,
    /// When the figures were counted (they are shared for up to 15 s).
    as_of: i64,
    /// Calendars whose next year has no official data yet (administrators, from 1 November).
    provisional: Vec<fuwu_app::calendars::ProvisionalNotice>,
    /// Clocks the last SLA scan could not handle.
    scan_problems: Vec<fuwu_app::sla::ScanProblem>,
}

fn rows(names: &HashMap<String, String>, a: &[Attainment]) -> Vec<AttainmentRow> {
    a.iter()
        .map(|x| AttainmentRow {
            target: names
                .get(&x.target_key)
                .cloned()
                .unwrap_or_else(|| x.target_key.clone()),
            met: x.met,
            breached: x.breached,
            rate: match x.met + x.breached {
                0 => "—".into(),
                n => format!("{:.1} %", x.met as f64 * 100.0 / n as f64),
            },
        })
        .collect()
}

/// The viewer's today and this month, and the zone's offset now.
fn period(c: &Ctx, now_ms: i64) -> Period {
    let now = jiff::Timestamp::from_millisecond(now_ms)
        .unwrap_or(jiff::Timestamp::UNIX_EPOCH)
        .to_zoned(c.tz.clone());
    let start = |d: jiff::civil::Date| {
        d.to_zoned(c.tz.clone())
            .map_or(now_ms, |z| z.timestamp().as_millisecond())
    };
    Period {
        today_from: start(now.date()),
        month_from: start(now.date().first_of_month()),
        offset_ms: i64::from(now.offset().seconds()) * 1000,
    }
}

pub async fn dashboard(
    State(s): State<AppState>,
    auth: Result<Authn, ApiError>,
    headers: HeaderMap,
    uri: Uri,
) -> Result<Response, PageError> {
    let (a, c) = viewer(&s, auth, &headers, &uri).await?;
    let p = period(&c, s.app.now());
    let d = match s.app.dashboard(&a.actor, p).await {
        Ok(d) => d,
        Err(e) => return Err(PageError::Api(e.into(), Box::new(c))),
    };
    let statuses: Vec<&'static str> = Status::ALL
        .iter()
        .filter(|s| s.is_open())
        .map(|s| s.as_str())
        .collect();
    let by_level = (0..=5)
        .map(|level| {
            let counts: Vec<i64> = statuses
                .iter()
                .map(|st| {
                    d.open
                        .iter()
                        .filter(|(l, s, _)| *l == level && s == st)
                        .map(|(_, _, n)| n)
                        .sum()
                })
                .collect();
            let total = counts.iter().sum();
            (level, counts, total)
        })
        .collect::<Vec<_>>();
    let total_open = by_level.iter().map(|(_, _, n)| n).sum();
    // Every day of the range, also those without requests, for an honest x axis.
    let days: Vec<i64> = (0..TREND_DAYS).map(|i| d.first_day + i).collect();
    let labels: Vec<String> = days
        .iter()
        .map(|day| {
            jiff::Timestamp::from_millisecond(day * DAY_MS)
                .map(|t| {
                    t.to_zoned(jiff::tz::TimeZone::UTC)
                        .strftime("%m-%d")
                        .to_string()
                })
                .unwrap_or_default()
        })
        .collect();
    let volume: Vec<serde_json::Value> = (0..=5)
        .map(|level| {
            let data: Vec<i64> = days
                .iter()
                .map(|day| {
                    d.volume
                        .iter()
                        .filter(|(x, l, _)| x == day && *l == level)
                        .map(|(_, _, n)| n)
                        .sum()
                })
                .collect();
            json!({"label": c.tv("level", &level.to_string()), "level": level, "data": data})
        })
        .collect();
    let attainment: Vec<Option<f64>> = days
        .iter()
        .map(|day| {
            d.attainment
                .iter()
                .find(|(x, _, _)| x == day)
                .filter(|(_, _, n)| *n > 0)
                .map(|(_, met, n)| (*met as f64 * 1000.0 / *n as f64).round() / 10.0)
        })
        .collect();
    let charts = json!({
        "labels": labels,
        "volume": volume,
        "attainment": {"label": c.t("dash.attainment_rate"), "data": attainment},
    });
    let names = super::clocks::target_names(&s, &a.actor, &c).await;
    // A notice that cannot be read must not take the dashboard down.
    let provisional = s
        .app
        .provisional_notices(&a.actor)
        .await
        .unwrap_or_default();
    let scan_problems = s.app.scan_problems();
    Ok(DashboardPage {
        today: rows(&names, &d.today),
        month: rows(&names, &d.month),
        c,
        statuses,
        by_level,
        total_open,
        at_risk: d.at_risk,
        at_risk_hours: AT_RISK_HOURS,
        breached: d.breached,
        charts_json: charts.to_string(),
        as_of: d.as_of,
        provisional,
        scan_problems,
    }
    .into_response())
}
