//! The scanner: every warning, breach and policy notice that falls due is
//! claimed and handled exactly once, across nodes, and the people it
//! concerns are notified.

use super::clocks::{NOTICE, handled_list, history_of, rfc, rows_for};
use super::terms::policy_for;
use crate::calendars::calendars_for;
use crate::{Actor, App, AppError};
use fuwu_core::level::FaultLevel;
use fuwu_core::sla::clock;
use fuwu_core::sla::{Policy, Recipient};
use fuwu_core::types::{Category, Timestamp};
use fuwu_store::Conn;
use fuwu_store::directory as dir;
use fuwu_store::requests::{self as store, Request};
use fuwu_store::sla::{self as sla_store, ClockRow, NewNotification, Notification};
use serde::Serialize;
use serde_json::json;
use utoipa::ToSchema;

/// A due clock the scanner could not handle.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct ScanProblem {
    pub request_id: i64,
    pub clock_id: i64,
    pub error: String,
    /// When the scan met it (Unix ms).
    pub at: i64,
}

impl App {
    /// Handle every warning, breach and notice due by now, each exactly once
    /// (a claim moves the row on only if no other node already did). Returns
    /// how many thresholds this call handled. A clock that cannot be handled
    /// (its data or calendar is unusable) is logged with its request, kept
    /// for the dashboard ([`App::scan_problems`]) and skipped: it never stops
    /// the others. A database that cannot be reached ends the pass.
    pub async fn scan_clocks(&self) -> Result<usize, AppError> {
        let mut handled = 0;
        let mut failed: Vec<ScanProblem> = Vec::new();
        loop {
            let now = self.now();
            let mut after: Option<(i64, i64)> = None;
            let mut progressed = false;
            loop {
                let due = self
                    .db
                    .read(move |mut c| {
                        Box::pin(
                            async move { sla_store::due_clocks(&mut c, now, after, 100).await },
                        )
                    })
                    .await?;
                let Some(last) = due.last() else { break };
                after = Some((last.next_due_at.unwrap_or(now), last.id));
                for row in due {
                    let (request_id, clock_id) = (row.request_id, row.id);
                    let outcome = self
                        .db
                        .write(move |mut c| {
                            Box::pin(async move { handle_due(&mut c, row, now, true).await })
                        })
                        .await;
                    match outcome {
                        Ok(true) => {
                            handled += 1;
                            progressed = true;
                        }
                        Ok(false) => {}
                        Err(e) if e.is_unavailable() => return Err(e),
                        Err(e) => {
                            tracing::error!(request_id, clock_id, error = %e, "SLA scan: a clock could not be handled");
                            if !failed.iter().any(|p| p.clock_id == clock_id) {
                                failed.push(ScanProblem {
                                    request_id,
                                    clock_id,
                                    error: e.to_string(),
                                    at: now,
                                });
                            }
                        }
                    }
                }
            }
            if !progressed {
                *self.scan_problems.lock().expect("scan problems") = failed;
                return Ok(handled);
            }
        }
    }

    /// The clocks the last scan could not handle (empty when it handled all).
    pub fn scan_problems(&self) -> Vec<ScanProblem> {
        self.scan_problems.lock().expect("scan problems").clone()
    }

    /// The caller's inbox, newest first.
    pub async fn my_notifications(&self, actor: &Actor) -> Result<Vec<Notification>, AppError> {
        let user = actor.user_id;
        Ok(self
            .db
            .read(move |mut c| {
                Box::pin(async move { sla_store::list_notifications(&mut c, user, 200).await })
            })
            .await?)
    }
}

/// Claim and handle one due row: notify, then move `next_due_at` on.
async fn handle_due(
    c: &mut Conn<'_>,
    row: ClockRow,
    now: i64,
    notify: bool,
) -> Result<bool, AppError> {
    let Some(threshold) = row.next_threshold else {
        return Ok(false);
    };
    let r = store::get_request(c, row.request_id).await?;
    let (_, policy) = policy_for(c, r.contract_id).await?;
    let mut handled = handled_list(&row.handled);
    let th = u16::try_from(threshold).unwrap_or(100);
    handled.push(th);
    let handled_text = serde_json::to_string(&handled).unwrap_or_else(|_| "[]".into());
    // Who is told, and what falls due next.
    let (kind, recipients, next, state) = if let Some(key) = row.target_key.strip_prefix(NOTICE) {
        // Decided when sent: a request lowered (or recategorised) since the
        // notice fell due is not announced as what it no longer is; the
        // notice is marked handled, telling no one.
        let still = notice_still_applies(c, &r, &policy, key, row.generation).await?;
        let who = if still {
            policy
                .notices
                .iter()
                .find(|n| n.key == key)
                .map_or_else(|| vec![Recipient::ProjectLeader], |n| n.notify.clone())
        } else {
            Vec::new()
        };
        ("severe_fault", who, (None, None), row.state.clone())
    } else {
        let target = policy.target(&row.target_key);
        let who = target.map_or_else(
            || vec![Recipient::Assignee],
            |t| {
                t.escalation
                    .iter()
                    .find(|s| s.at_percent == th)
                    .map_or_else(|| vec![Recipient::Assignee], |s| s.notify.clone())
            },
        );
        // What falls due next: the same computation as every refresh, with
        // this threshold now handled.
        let events = store::list_events(c, r.id).await?;
        let history = history_of(&r, &events)?;
        let calendars = calendars_for(c, &policy, None).await?;
        let mine = ClockRow {
            handled: handled_text.clone(),
            ..row.clone()
        };
        let fresh = rows_for(
            r.id,
            row.policy_id.unwrap_or(0),
            &policy,
            &history,
            &|name| calendars.get(name),
            std::slice::from_ref(&mine),
            now,
        )?;
        let next = fresh
            .iter()
            .find(|f| f.generation == row.generation && f.target_key == row.target_key)
            .map_or((None, None), |f| (f.next_threshold, f.next_due_at));
        let kind = if th >= 100 { "breach" } else { "warning" };
        let state = if th >= 100 {
            "breached".to_owned()
        } else {
            row.state.clone()
        };
        (kind, who, next, state)
    };
    if !sla_store::claim_clock(c, &row, &handled_text, next.0, next.1, &state, now).await? {
        return Ok(false);
    }
    if !notify {
        return Ok(true);
    }
    let users = resolve(c, &r, &recipients).await?;
    let message = match kind {
        "severe_fault" => format!(
            "严重故障：请求 #{} 为 {} 级故障（{}）",
            r.id, r.level, r.title
        ),
        "breach" => format!(
            "已超时：请求 #{} 的 {} 已用尽时限（{} %）",
            r.id, row.target_key, th
        ),
        _ => format!(
            "预警：请求 #{} 的 {} 已用去 {} % 的时限",
            r.id, row.target_key, th
        ),
    };
    let payload = json!({
        "request_id": r.id, "title": r.title, "clock_id": row.id, "target": row.target_key,
        "threshold": th, "kind": kind, "deadline": row.deadline.map(rfc),
    })
    .to_string();
    for u in users {
        sla_store::notify(
            c,
            &NewNotification {
                user_id: u,
                request_id: r.id,
                clock_id: Some(row.id),
                kind,
                threshold: (kind != "severe_fault").then_some(i64::from(th)),
                message: &message,
                payload: &payload,
            },
            now,
        )
        .await?;
    }
    Ok(true)
}

/// Whether the notice `key` of generation `generation` still describes the
/// request: that generation is its current one, and the notice applies to
/// its current level and category.
async fn notice_still_applies(
    c: &mut Conn<'_>,
    r: &Request,
    policy: &Policy,
    key: &str,
    generation: i64,
) -> Result<bool, AppError> {
    let (Ok(level), Ok(category)) = (FaultLevel::new(r.level), r.category.parse::<Category>())
    else {
        return Ok(false);
    };
    let applies = policy
        .notices
        .iter()
        .any(|n| n.key == key && n.applies_to(level, category));
    if !applies {
        return Ok(false);
    }
    let events = store::list_events(c, r.id).await?;
    let history = history_of(r, &events)?;
    let current = clock::generations(&history, Timestamp(i64::MAX))
        .last()
        .map_or(1, |g| i64::from(g.number));
    Ok(generation == current)
}

/// Mark every threshold of request `id` that fell due by `now` as handled,
/// telling no one (an import: the other service desk dealt with its past).
pub(crate) async fn settle_past_thresholds(
    c: &mut Conn<'_>,
    id: i64,
    now: i64,
) -> Result<(), AppError> {
    // Each pass handles one threshold per clock; a clock has a handful.
    for _ in 0..64 {
        let due: Vec<ClockRow> = sla_store::list_clocks(c, id)
            .await?
            .into_iter()
            .filter(|k| k.next_due_at.is_some_and(|d| d <= now))
            .collect();
        if due.is_empty() {
            return Ok(());
        }
        for row in due {
            handle_due(c, row, now, false).await?;
        }
    }
    Ok(())
}

/// The people behind the recipients of a request, without repeats.
async fn resolve(c: &mut Conn<'_>, r: &Request, who: &[Recipient]) -> Result<Vec<i64>, AppError> {
    let mut out: Vec<i64> = Vec::new();
    for w in who {
        let id = match w {
            Recipient::Assignee => r.assignee_id,
            Recipient::TeamLead => {
                let team = match r.team_id {
                    Some(t) => Some(t),
                    None => match r.assignee_id {
                        Some(a) => dir::get_user(c, a).await.ok().and_then(|u| u.team_id),
                        None => None,
                    },
                };
                match team {
                    Some(t) => dir::get_team(c, t).await.ok().and_then(|t| t.lead_id),
                    None => None,
                }
            }
            Recipient::ProjectLeader => match r.contract_id {
                Some(k) => dir::get_contract(c, k)
                    .await
                    .ok()
                    .and_then(|k| k.project_leader_id),
                None => None,
            },
            // No on-call roster yet.
            Recipient::DutyEngineer => None,
        };
        if let Some(id) = id
            && !out.contains(&id)
        {
            out.push(id);
        }
    }
    Ok(out)
}
