//! How each target was kept over a period: met, breached, and the time used.

use crate::access::Capability;
use crate::{Actor, App, AppError};
use fuwu_core::sla::counting::{Finished, counted};
use fuwu_core::types::Timestamp;
use fuwu_store::sla::{self as sla_store, ClockRow};
use serde::Serialize;
use utoipa::ToSchema;

/// How one target was kept over a period.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct Attainment {
    pub target_key: String,
    pub met: u64,
    pub breached: u64,
    /// Nearest-rank percentiles of the time used, in seconds (absent without data;
    /// working time only on the built-in calendars).
    pub median_working_seconds: Option<i64>,
    pub p90_working_seconds: Option<i64>,
    pub median_natural_seconds: Option<i64>,
    pub p90_natural_seconds: Option<i64>,
}

/// Nearest-rank percentile.
fn percentile(values: &mut [i64], p: usize) -> Option<i64> {
    if values.is_empty() {
        return None;
    }
    values.sort_unstable();
    let rank = (p * values.len()).div_ceil(100).max(1);
    Some(values[rank - 1])
}

impl App {
    /// How each target was kept for requests raised in `[from, to)`:
    /// met, breached, median and 90th percentile of the time used, in
    /// working time (the target's calendar, pauses excluded) and in natural
    /// time (start to stop). Service-desk staff and administrators, and a
    /// customer admin for its own organization (another one is not found).
    pub async fn attainment(
        &self,
        actor: &Actor,
        from: i64,
        to: i64,
        organization_id: Option<i64>,
        level: Option<i64>,
    ) -> Result<Vec<Attainment>, AppError> {
        actor.require(Capability::ReadReports)?;
        let organization_id = match actor.reach() {
            crate::access::Reach::All => organization_id,
            crate::access::Reach::Organization(_) => {
                actor.org_reach(organization_id)?.organization_id
            }
            _ => return Err(AppError::Forbidden("read attainment across organizations")),
        };
        let rows = self
            .db
            .read(move |mut c| {
                Box::pin(async move {
                    sla_store::finished_clocks(&mut c, from, to, organization_id, level).await
                })
            })
            .await?;
        // Working time on the built-in calendars as they are now, with the
        // years administrators entered (not the shipped data alone).
        let builtins = self.builtin_calendars().await?;
        // Each target of each request once (a breach is never outvoted).
        let finished: Vec<Finished> = rows
            .iter()
            .map(|r| Finished {
                request_id: r.request_id,
                target_key: &r.target_key,
                generation: r.generation,
                breached: r.state == "breached",
            })
            .collect();
        let rows: Vec<&ClockRow> = counted(&finished).into_iter().map(|i| &rows[i]).collect();
        let mut out: Vec<Attainment> = Vec::new();
        let mut i = 0;
        while i < rows.len() {
            let key = rows[i].target_key.clone();
            let mut working = Vec::new();
            let mut natural = Vec::new();
            let (mut met, mut breached) = (0, 0);
            while i < rows.len() && rows[i].target_key == key {
                let r = rows[i];
                if r.state == "met" {
                    met += 1;
                } else {
                    breached += 1;
                }
                if let (Some(stop), Some(cal)) = (r.stopped_at, builtins.get(r.calendar.as_str())) {
                    if let Ok(w) =
                        cal.working_time_between(Timestamp(r.started_at), Timestamp(stop))
                    {
                        working.push((w - r.paused_ms) / 1000);
                    }
                    natural.push((stop - r.started_at) / 1000);
                }
                i += 1;
            }
            out.push(Attainment {
                target_key: key,
                met,
                breached,
                median_working_seconds: percentile(&mut working, 50),
                p90_working_seconds: percentile(&mut working, 90),
                median_natural_seconds: percentile(&mut natural, 50),
                p90_natural_seconds: percentile(&mut natural, 90),
            });
        }
        Ok(out)
    }
}
