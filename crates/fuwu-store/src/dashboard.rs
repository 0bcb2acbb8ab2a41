//! The aggregates of the staff dashboard and the "breaching soon" queue.
//! Each reads through an index over a bounded range (open statuses, the last
//! days, clocks due soon), so it costs what is open or recent, not what the
//! database holds over the years.

use crate::sla::COUNTED;
use crate::{Conn, StoreError, from_row, query};

/// The statuses still needing work: the `requests_status` index reads only these.
const OPEN: &str = "('new','acknowledged','assigned','in_progress','pending','reopened')";

const DAY_MS: i64 = 86_400_000;

/// Open requests counted by (level, status).
pub async fn open_by_level_and_status(
    c: &mut Conn<'_>,
) -> Result<Vec<(i64, String, i64)>, StoreError> {
    let sql = format!(
        "select level, status, count(*) from requests where status in {OPEN} group by level, status order by level, status"
    );
    c.fetch_all(crate::query_owned(sql)).await
}

/// Running clocks of open requests due within the horizon (deadline), and
/// the breached clocks of open requests: (at risk, breached).
pub async fn clock_risk(c: &mut Conn<'_>, horizon: i64) -> Result<(i64, i64), StoreError> {
    let at_risk: (i64,) = c
        .fetch_one(
            query(
                "select count(*) from request_clocks
                 where next_due_at is not null and next_due_at <= $1
                 and state = 'running' and deadline <= $1 and target_key not like 'notice:%'",
            )
            .bind(horizon),
        )
        .await?;
    let sql = format!(
        "select count(*) from requests r join request_clocks k on k.request_id = r.id
         where r.status in {OPEN} and k.state = 'breached' and k.target_key not like 'notice:%'
         and {COUNTED}"
    );
    let breached: (i64,) = c.fetch_one(crate::query_owned(sql)).await?;
    Ok((at_risk.0, breached.0))
}

/// Requests raised per local day and level since `from` (Unix ms); a day
/// is counted in the viewer's zone by shifting with `offset_ms`.
pub async fn daily_volume(
    c: &mut Conn<'_>,
    from: i64,
    offset_ms: i64,
) -> Result<Vec<(i64, i64, i64)>, StoreError> {
    c.fetch_all(
        query(
            // `level in (…)` lets the (level, created_at) index answer alone
            // (a covering range per level) instead of a row lookup per request.
            "select (created_at + $2) / $3 as day, level, count(*) from requests
             where level in (0,1,2,3,4,5) and created_at >= $1
             group by (created_at + $2) / $3, level order by 1, 2",
        )
        .bind(from)
        .bind(offset_ms)
        .bind(DAY_MS),
    )
    .await
}

/// Finished clocks (met, breached) of the requests raised per local day
/// since `from`, each target of each request once ([`COUNTED`]).
pub async fn daily_attainment(
    c: &mut Conn<'_>,
    from: i64,
    offset_ms: i64,
) -> Result<Vec<(i64, i64, i64)>, StoreError> {
    let sql = format!(
        "select (r.created_at + $2) / $3 as day,
                sum(case when k.state = 'met' then 1 else 0 end), count(*)
         from requests r join request_clocks k on k.request_id = r.id
         where r.created_at >= $1 and k.state in ('met','breached') and k.target_key not like 'notice:%'
         and {COUNTED}
         group by (r.created_at + $2) / $3 order by 1"
    );
    c.fetch_all(
        crate::query_owned(sql)
            .bind(from)
            .bind(offset_ms)
            .bind(DAY_MS),
    )
    .await
}

/// A running clock near its deadline, with what a queue shows of its request.
#[derive(Debug, Clone, PartialEq)]
pub struct BreachingRow {
    pub clock_id: i64,
    pub request_id: i64,
    pub target_key: String,
    pub deadline: Option<i64>,
    pub started_at: i64,
    pub paused_ms: i64,
    pub handled: String,
    pub title: String,
    pub status: String,
    pub level: i64,
    pub organization_id: i64,
    pub tier: String,
    pub updated_at: i64,
}

from_row!(BreachingRow {
    clock_id,
    request_id,
    target_key,
    deadline,
    started_at,
    paused_ms,
    handled,
    title,
    status,
    level,
    organization_id,
    tier,
    updated_at
});

/// Running clocks whose deadline falls before `horizon` or that already
/// passed a warning threshold (the scanner noted it in `handled`), soonest
/// deadline first. Only clocks still due for something carry `next_due_at`,
/// so the partial index `request_clocks_due` bounds the scan to live clocks.
pub async fn breaching_soon(
    c: &mut Conn<'_>,
    horizon: i64,
    level: Option<i64>,
    organization_id: Option<i64>,
    limit: i64,
) -> Result<Vec<BreachingRow>, StoreError> {
    let sql = format!(
        "select k.id as clock_id, k.request_id, k.target_key, k.deadline, k.started_at, k.paused_ms, k.handled,
                r.title, r.status, r.level, r.organization_id, r.tier, r.updated_at
         from request_clocks k join requests r on r.id = k.request_id
         where k.next_due_at is not null and k.state = 'running' and k.target_key not like 'notice:%'
           and (k.deadline <= $1 or k.handled <> '[]')
           and r.status in {OPEN}
           and ($2 is null or r.level = $2) and ($3 is null or r.organization_id = $3)
         order by k.deadline, k.id limit $4"
    );
    c.fetch_all(
        crate::query_owned(sql)
            .bind(horizon)
            .bind(level)
            .bind(organization_id)
            .bind(limit),
    )
    .await
}
