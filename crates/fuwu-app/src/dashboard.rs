//! The staff dashboard and the "breaching soon" queue: aggregates over open
//! requests, live clocks and the recent past.

use crate::access::{Capability, Reach};
use crate::sla::Attainment;
use crate::{Actor, App, AppError};
use fuwu_store::dashboard as store;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

pub use fuwu_store::dashboard::BreachingRow;

/// Days of history in the trend charts.
pub const TREND_DAYS: i64 = 30;
const DAY_MS: i64 = 86_400_000;

/// Where the viewer's days begin.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Period {
    /// Start of today and of this month in the viewer's zone (Unix ms).
    pub today_from: i64,
    pub month_from: i64,
    /// The zone's offset from UTC now, in ms: days of the trends are counted with it.
    pub offset_ms: i64,
}

#[derive(Debug, Clone)]
pub struct Dashboard {
    /// (level, status, count) of open requests.
    pub open: Vec<(i64, String, i64)>,
    /// Running clocks due within [`AT_RISK_HOURS`], and breached clocks of open requests.
    pub at_risk: i64,
    pub breached: i64,
    pub today: Vec<Attainment>,
    pub month: Vec<Attainment>,
    /// The first day of the trends (local day number: (ms + offset) / day).
    pub first_day: i64,
    /// (day, level, requests raised).
    pub volume: Vec<(i64, i64, i64)>,
    /// (day, met, finished) clocks of the requests raised that day.
    pub attainment: Vec<(i64, i64, i64)>,
    /// When these figures were counted (Unix ms): they may be up to
    /// [`SNAPSHOT_FRESH`] old, or [`SNAPSHOT_STALE_OK`] while a newer count runs.
    pub as_of: i64,
}

/// A dashboard younger than this is served as it is.
pub const SNAPSHOT_FRESH: Duration = Duration::from_secs(15);
/// Older than [`SNAPSHOT_FRESH`] but younger than this: served at once while
/// a fresh count runs in the background; older: counted before answering.
pub const SNAPSHOT_STALE_OK: Duration = Duration::from_secs(60);

struct Snapshot {
    taken: Instant,
    data: Arc<Dashboard>,
    refreshing: bool,
}

/// The dashboards counted lately, by the viewer's period (its day and zone).
/// The aggregates read tens of thousands of rows at a million requests
/// (100–250 ms), the same for every member of the desk: counting them once
/// every 15 s for everybody keeps each view at a few milliseconds.
#[derive(Clone, Default)]
pub(crate) struct DashboardCache(Arc<Mutex<HashMap<Period, Snapshot>>>);

enum Cached {
    Serve(Arc<Dashboard>),
    ServeAndRefresh(Arc<Dashboard>),
    Count,
}

/// A clock is "at risk" when its deadline is this close.
pub const AT_RISK_HOURS: i64 = 4;

impl App {
    /// The dashboard: for the service desk (staff who see every organization).
    /// Served from a snapshot at most [`SNAPSHOT_FRESH`] old (see [`Dashboard::as_of`]).
    pub async fn dashboard(&self, actor: &Actor, p: Period) -> Result<Dashboard, AppError> {
        require_desk(actor)?;
        let cached = {
            let mut map = self
                .dashboards
                .0
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            match map.get_mut(&p) {
                Some(s) if s.taken.elapsed() < SNAPSHOT_FRESH => Cached::Serve(s.data.clone()),
                Some(s) if s.taken.elapsed() < SNAPSHOT_STALE_OK => {
                    if s.refreshing {
                        Cached::Serve(s.data.clone())
                    } else {
                        s.refreshing = true;
                        Cached::ServeAndRefresh(s.data.clone())
                    }
                }
                _ => Cached::Count,
            }
        };
        match cached {
            Cached::Serve(d) => Ok((*d).clone()),
            Cached::ServeAndRefresh(d) => {
                let (app, actor) = (self.clone(), actor.clone());
                tokio::spawn(async move {
                    if let Err(e) = app.count_dashboard(&actor, p).await {
                        tracing::warn!(error = %e, "dashboard refresh failed");
                        let mut map = app
                            .dashboards
                            .0
                            .lock()
                            .unwrap_or_else(std::sync::PoisonError::into_inner);
                        if let Some(s) = map.get_mut(&p) {
                            s.refreshing = false;
                        }
                    }
                });
                Ok((*d).clone())
            }
            Cached::Count => self.count_dashboard(actor, p).await,
        }
    }

    /// Count the dashboard's figures now and keep them as the period's snapshot.
    async fn count_dashboard(&self, actor: &Actor, p: Period) -> Result<Dashboard, AppError> {
        let now = self.now();
        let horizon = now + AT_RISK_HOURS * 3_600_000;
        let first_day = (p.today_from + p.offset_ms).div_euclid(DAY_MS) - (TREND_DAYS - 1);
        let from = first_day * DAY_MS - p.offset_ms;
        // Independent reads, side by side: each on its own pooled connection.
        let open = self
            .db
            .read(|mut c| Box::pin(async move { store::open_by_level_and_status(&mut c).await }));
        let risk = self
            .db
            .read(move |mut c| Box::pin(async move { store::clock_risk(&mut c, horizon).await }));
        let volume = self.db.read(move |mut c| {
            Box::pin(async move { store::daily_volume(&mut c, from, p.offset_ms).await })
        });
        let trend = self.db.read(move |mut c| {
            Box::pin(async move { store::daily_attainment(&mut c, from, p.offset_ms).await })
        });
        let today = self.attainment(actor, p.today_from, now + 1, None, None);
        let month = self.attainment(actor, p.month_from, now + 1, None, None);
        let (open, risk, volume, attainment, today, month) =
            tokio::join!(open, risk, volume, trend, today, month);
        let (at_risk, breached) = risk?;
        let (open, volume, attainment, today, month) =
            (open?, volume?, attainment?, today?, month?);
        let d = Dashboard {
            open,
            at_risk,
            breached,
            today,
            month,
            first_day,
            volume,
            attainment,
            as_of: now,
        };
        let mut map = self
            .dashboards
            .0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        // Periods nobody looked at for a while (yesterday's, other zones') go.
        map.retain(|_, s| s.taken.elapsed() < SNAPSHOT_STALE_OK);
        map.insert(
            p,
            Snapshot {
                taken: Instant::now(),
                data: Arc::new(d.clone()),
                refreshing: false,
            },
        );
        Ok(d)
    }

    /// Running clocks with the deadline within `hours` or past a warning
    /// threshold, of the open requests the actor may see, soonest first.
    pub async fn breaching_soon(
        &self,
        actor: &Actor,
        hours: i64,
        level: Option<i64>,
        organization_id: Option<i64>,
    ) -> Result<Vec<BreachingRow>, AppError> {
        actor.require(Capability::ReadStaffDirectory)?;
        let horizon = self.now() + hours.clamp(1, 24 * 14) * 3_600_000;
        let actor = actor.clone();
        self.db
            .read(move |mut c| {
                Box::pin(async move {
                    let rows =
                        store::breaching_soon(&mut c, horizon, level, organization_id, 200).await?;
                    if matches!(actor.reach(), Reach::All) {
                        return Ok(rows);
                    }
                    let mut seen = Vec::with_capacity(rows.len());
                    for row in rows {
                        let r = fuwu_store::requests::get_request(&mut c, row.request_id)
                            .await
                            .map_err(|e| AppError::from_store("request", e))?;
                        if actor.may_read_request(&mut c, &r).await? {
                            seen.push(row);
                        }
                    }
                    Ok(seen)
                })
            })
            .await
    }
}

/// The desk's overview spans every organization: staff with the full reach.
fn require_desk(actor: &Actor) -> Result<(), AppError> {
    actor.require(Capability::ReadStaffDirectory)?;
    if !matches!(actor.reach(), Reach::All) {
        return Err(AppError::Forbidden(
            "read the dashboard across organizations",
        ));
    }
    Ok(())
}
