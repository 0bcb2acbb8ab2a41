//! On-site visits (现场方式): requested, then departure, arrival (which stops
//! the on-site clock at the time it happened) and leaving.

use super::{CLOCK_SKEW_MS, check_handler, parse};
use crate::access::Capability;
use crate::request_access::{bump, load_workable};
use crate::{Actor, App, AppError};
use fuwu_core::{Status, Tier};
use fuwu_store::requests::{self as store, NewEvent, Visit};
use serde::Deserialize;
use serde_json::json;
use utoipa::ToSchema;

impl App {
    /// Request an on-site visit (现场方式); the on-site clock starts here.
    pub async fn request_visit(
        &self,
        actor: &Actor,
        id: i64,
        engineer_id: Option<i64>,
    ) -> Result<Visit, AppError> {
        actor.require(Capability::RecordVisits)?;
        let now = self.now();
        let actor = actor.clone();
        self.db
            .write(move |mut c| {
                Box::pin(async move {
                    let r = load_workable(&mut c, &actor, id).await?;
                    if !parse::<Status>("status", &r.status)?.is_open() {
                        return Err(AppError::Conflict(format!(
                            "request {id} is {}; no visit can be requested",
                            r.status
                        )));
                    }
                    check_handler(&mut c, Tier::L2, engineer_id, None).await?;
                    let v = store::insert_visit(&mut c, id, engineer_id, now, now).await?;
                    let ev = NewEvent {
                        kind: "onsite_requested".into(),
                        details: Some(
                            json!({"visit_id": v.id, "engineer_id": engineer_id}).to_string(),
                        ),
                        ..Default::default()
                    };
                    store::insert_events(&mut c, id, actor.user_id, now, &[ev]).await?;
                    bump(&mut c, &r, now).await?;
                    crate::sla::refresh_clocks(&mut c, &r, now).await?;
                    Ok(v)
                })
            })
            .await
    }

    /// Record a visit's progress: departure, arrival (stops the on-site clock), leaving, work done.
    pub async fn update_visit(
        &self,
        actor: &Actor,
        request_id: i64,
        visit_id: i64,
        update: VisitUpdate,
    ) -> Result<Visit, AppError> {
        actor.require(Capability::RecordVisits)?;
        let now = self.now();
        let actor = actor.clone();
        self.db
            .write(move |mut c| {
                Box::pin(async move {
                    let r = load_workable(&mut c, &actor, request_id).await?;
                    let before = store::get_visit(&mut c, visit_id)
                        .await
                        .map_err(|e| AppError::from_store("visit", e))?;
                    if before.request_id != request_id {
                        return Err(AppError::NotFound { what: "visit" });
                    }

                    if before.version != update.version {
                        return Err(AppError::StaleVersion {
                            what: "visit",
                            expected: update.version,
                        });
                    }
                    let mut v = before.clone();
                    if let Some(e) = update.engineer_id {
                        check_handler(&mut c, Tier::L2, Some(e), None).await?;
                        v.engineer_id = Some(e);
                    }
                    v.departed_at = update.departed_at.or(v.departed_at);
                    v.arrived_at = update.arrived_at.or(v.arrived_at);
                    v.left_at = update.left_at.or(v.left_at);
                    if let Some(w) = &update.work_done {
                        v.work_done = Some(w.trim().to_owned());
                    }
                    // An arrival entered afterwards carries its real time, which
                    // stops the on-site clock; it lies between the visit's request
                    // and now (the history keeps who entered it and when).
                    if let Some(a) = v.arrived_at
                        && before.arrived_at != Some(a)
                        && (a < v.requested_at || a > now + CLOCK_SKEW_MS)
                    {
                        return Err(AppError::invalid(
                            "arrived_at",
                            "the arrival must lie between the visit's request and now",
                        ));
                    }
                    if [v.departed_at, v.arrived_at, v.left_at]
                        .iter()
                        .flatten()
                        .any(|t| *t > now + CLOCK_SKEW_MS)
                    {
                        return Err(AppError::invalid(
                            "visit",
                            "visit times cannot be in the future",
                        ));
                    }
                    let times = [
                        v.requested_at,
                        v.departed_at.unwrap_or(v.requested_at),
                        v.arrived_at.unwrap_or(v.requested_at),
                        v.left_at.unwrap_or(v.requested_at),
                    ];
                    if v.arrived_at
                        .is_some_and(|a| v.departed_at.is_some_and(|d| a < d))
                        || v.left_at
                            .is_some_and(|l| v.arrived_at.is_none_or(|a| l < a))
                        || times.iter().any(|t| *t < v.requested_at)
                    {
                        return Err(AppError::invalid(
                            "visit",
                            "times must follow each other: requested ≤ departed ≤ arrived ≤ left",
                        ));
                    }
                    let saved = store::update_visit(&mut c, &v, update.version, now)
                        .await
                        .map_err(|e| AppError::from_store("visit", e))?;
                    let mut evs = Vec::new();
                    for (kind, was, is) in [
                        ("onsite_departed", before.departed_at, saved.departed_at),
                        ("onsite_arrived", before.arrived_at, saved.arrived_at),
                        ("onsite_left", before.left_at, saved.left_at),
                    ] {
                        if was != is {
                            evs.push(NewEvent {
                                kind: kind.into(),
                                field: Some(kind.trim_start_matches("onsite_").into()),
                                before: was.map(fuwu_store::ser::rfc3339),
                                after: is.map(fuwu_store::ser::rfc3339),
                                details: Some(json!({"visit_id": visit_id}).to_string()),
                            });
                        }
                    }
                    if before.work_done != saved.work_done {
                        evs.push(NewEvent {
                            kind: "onsite_work_recorded".into(),
                            details: Some(json!({"visit_id": visit_id}).to_string()),
                            ..Default::default()
                        });
                    }
                    store::insert_events(&mut c, request_id, actor.user_id, now, &evs).await?;
                    bump(&mut c, &r, now).await?;
                    if before.arrived_at != saved.arrived_at {
                        crate::sla::refresh_clocks(&mut c, &r, now).await?;
                    }
                    Ok(saved)
                })
            })
            .await
    }
}

/// Progress of an on-site visit; absent fields stay as they are.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct VisitUpdate {
    pub version: i64,
    pub engineer_id: Option<i64>,
    /// Unix milliseconds (the API accepts RFC 3339 and converts).
    #[serde(skip)]
    pub departed_at: Option<i64>,
    #[serde(skip)]
    pub arrived_at: Option<i64>,
    #[serde(skip)]
    pub left_at: Option<i64>,
    pub work_done: Option<String>,
}
