//! The lifecycle actions, messages and the work log of a request.

use super::{
    ActionExtras, CLOCK_SKEW_MS, Satisfaction, check_handler, nonempty, parse, rules_for,
    satisfaction, snapshot_of,
};
use crate::access::Capability;
use crate::history::{diff, lifecycle_details};
use crate::request_access::{bump, load_workable};
use crate::{Actor, App, AppError};
use fuwu_core::lifecycle::{self, Action};
use fuwu_core::{Role, Status, Visibility};
use fuwu_store::Conn;
use fuwu_store::requests::{self as store, Message, NewEvent, Request, WorkLog};
use serde_json::json;

impl App {
    /// Take a lifecycle action. `expected_version`, when given, must match.
    pub async fn act(
        &self,
        actor: &Actor,
        id: i64,
        expected_version: Option<i64>,
        action: Action,
        extras: ActionExtras,
    ) -> Result<Request, AppError> {
        actor.require_write()?;
        let now = self.now();
        let actor = actor.clone();
        self.db
            .write(move |mut c| {
                Box::pin(async move {
                    act_in(&mut c, &actor, id, expected_version, action, extras, now).await
                })
            })
            .await
    }

    /// Add a public reply or an internal note. A customer's reply to a request
    /// waiting for the customer ends the wait.
    pub async fn add_message(
        &self,
        actor: &Actor,
        id: i64,
        visibility: Visibility,
        body: &str,
    ) -> Result<Message, AppError> {
        actor.require_write()?;
        if visibility == Visibility::Internal {
            actor.require(Capability::SeeInternal)?;
        }
        let body = nonempty("body", body)?.into_inner();
        let now = self.now();
        let actor = actor.clone();
        self.db
            .write(move |mut c| {
                Box::pin(async move { message_in(&mut c, &actor, id, visibility, body, now).await })
            })
            .await
    }

    /// Record time spent (staff). Billable by default when the request is.
    pub async fn add_work_log(
        &self,
        actor: &Actor,
        id: i64,
        minutes: i64,
        billable: Option<bool>,
        note: &str,
        worked_at: Option<i64>,
    ) -> Result<WorkLog, AppError> {
        actor.require(Capability::LogWork)?;
        if !(1..=1440).contains(&minutes) {
            return Err(AppError::invalid("minutes", "between 1 and 1440"));
        }
        let note = note.trim().to_owned();
        let now = self.now();
        if worked_at.is_some_and(|w| w > now + CLOCK_SKEW_MS) {
            return Err(AppError::invalid(
                "worked_at",
                "work cannot be logged in the future",
            ));
        }
        let actor = actor.clone();
        self.db
            .write(move |mut c| {
                Box::pin(async move {
                    let r = load_workable(&mut c, &actor, id).await?;
                    let w = store::insert_work_log(
                        &mut c,
                        &store::NewWorkLog {
                            request_id: id,
                            user_id: actor.user_id,
                            minutes,
                            billable: billable.unwrap_or(r.billable),
                            note: &note,
                            worked_at: worked_at.unwrap_or(now),
                        },
                        now,
                    )
                    .await?;
                    let ev = NewEvent {
                        kind: "work_logged".into(),
                        details: Some(
                            json!({"minutes": minutes, "billable": w.billable}).to_string(),
                        ),
                        ..Default::default()
                    };
                    store::insert_events(&mut c, id, actor.user_id, now, &[ev]).await?;
                    Ok(w)
                })
            })
            .await
    }
}

/// Add a message in the caller's transaction (also used by imports, with their own `now`).
pub(crate) async fn message_in(
    c: &mut Conn<'_>,
    actor: &Actor,
    id: i64,
    visibility: Visibility,
    body: String,
    now: i64,
) -> Result<Message, AppError> {
    let r = load_workable(c, actor, id).await?;
    if parse::<Status>("status", &r.status)?.is_terminal() {
        return Err(AppError::Conflict(format!(
            "request {id} is {}; it takes no more messages",
            r.status
        )));
    }
    let m = store::insert_message(c, id, actor.user_id, visibility.as_str(), &body, now).await?;
    let ev = NewEvent {
        kind: format!("message_{}", visibility.as_str()),
        details: Some(json!({"message_id": m.id}).to_string()),
        ..Default::default()
    };
    store::insert_events(c, id, actor.user_id, now, &[ev]).await?;
    if actor.role.is_customer()
        && r.status == "pending"
        && r.waiting_for.as_deref() == Some("customer")
    {
        let system = Actor {
            role: Role::System,
            ..actor.clone()
        };
        act_in(
            c,
            &system,
            id,
            None,
            Action::Resume,
            ActionExtras::default(),
            now,
        )
        .await?;
    } else {
        bump(c, &r, now).await?;
    }
    Ok(m)
}

pub(crate) async fn act_in(
    c: &mut Conn<'_>,
    actor: &Actor,
    id: i64,
    expected_version: Option<i64>,
    action: Action,
    extras: ActionExtras,
    now: i64,
) -> Result<Request, AppError> {
    let before = load_workable(c, actor, id).await?;
    // Who may act comes before whether the version is current.
    if !lifecycle::roles_allowed(action.kind()).contains(&actor.role) {
        return Err(lifecycle::LifecycleError::RoleNotAllowed {
            action: action.kind(),
            role: actor.role,
        }
        .into());
    }
    if let Some(v) = expected_version
        && v != before.version
    {
        return Err(AppError::StaleVersion {
            what: "request",
            expected: v,
        });
    }
    let rules = rules_for(c, &before).await?;
    match &action {
        Action::Dispatch {
            tier,
            assignee,
            team,
        } => check_handler(c, *tier, *assignee, *team).await?,
        Action::Escalate { to, .. } => {
            check_handler(c, *to, extras.assignee_id, extras.team_id).await?;
        }
        _ => {}
    }
    let feedback_input = match &action {
        Action::Feedback(f) => Some(f.clone()),
        _ => None,
    };
    let snapshot = snapshot_of(&before)?;
    let (next, event) = lifecycle::apply(
        &snapshot,
        action,
        actor.role,
        fuwu_core::Timestamp::from_millis(now),
        rules,
    )?;
    // After the lifecycle's own checks: a closing that may not happen says so first.
    let satisfaction = match (&event, extras.closing) {
        (lifecycle::Event::Closed { basis }, Some(f)) => {
            satisfaction(*basis, f.rating, f.declined_to_rate)?
        }
        _ => None,
    };
    let mut after = before.clone();
    after.status = next.status.as_str().into();
    after.tier = next.tier.as_str().into();
    after.stage = next.stage.map(|s| s.as_str().into());
    after.waiting_for = next.waiting_for.map(|w| w.as_str().into());
    after.resolved_at = next.resolved_at.map(fuwu_core::Timestamp::as_millis);
    after.updated_at = now;
    use lifecycle::Event as E;
    match &event {
        E::Acknowledged => after.acknowledged_at = after.acknowledged_at.or(Some(now)),
        E::Dispatched { assignee, team, .. } => {
            // Dispatching to a team alone puts the request in that team's queue.
            after.assignee_id = *assignee;
            after.team_id = team.or(after.team_id);
        }
        E::Responded { mode, plan } => {
            after.response_mode = Some(mode.as_str().into());
            after.response_plan = Some(plan.clone());
            after.responded_at = after.responded_at.or(Some(now));
        }
        E::Escalated { .. } => {
            after.assignee_id = extras.assignee_id;
            after.team_id = extras.team_id.or(after.team_id);
            if let Some(t) = &extras.third_party_ref {
                after.third_party_ref = Some(t.clone());
            }
        }
        E::Resolved { resolution } => {
            after.resolution = Some(resolution.clone());
            after.feedback_solved = None;
            after.feedback_rating = None;
            after.feedback_comment = None;
        }
        E::FeedbackRecorded(_) | E::Reopened { .. } => {
            if let Some(f) = feedback_input {
                after.feedback_solved = Some(f.solved);
                after.feedback_rating = f.rating.map(|r| r.get() as i64);
                after.feedback_comment = f.comment;
            }
        }
        E::Closed { basis } => {
            after.close_basis = Some(basis.as_str().into());
            after.closed_at = Some(now);
            match satisfaction {
                Some(Satisfaction::Rated(r)) => after.feedback_rating = Some(i64::from(r.get())),
                Some(Satisfaction::DeclinedToRate) => after.feedback_rating = None,
                None => {}
            }
        }
        E::Cancelled { reason } => {
            after.cancel_reason = Some(reason.clone());
            after.closed_at = Some(now);
        }
        E::StageChanged { .. } | E::WaitingStarted { .. } | E::WaitingEnded { .. } => {}
    }
    let (kind, mut details) = lifecycle_details(&event);
    if let (E::Closed { .. }, Some(d)) = (&event, details.as_object_mut()) {
        match satisfaction {
            Some(Satisfaction::Rated(r)) => {
                d.insert("rating".into(), json!(r.get()));
            }
            Some(Satisfaction::DeclinedToRate) => {
                d.insert("declined_to_rate".into(), json!(true));
            }
            None => {}
        }
        if let Some(rule) = &extras.auto_close_rule {
            d.insert("rule".into(), rule.clone());
        }
    }
    let rows = diff(kind, &before, &after, Some(details));
    let saved = store::update_request(c, &after, before.version)
        .await
        .map_err(|e| AppError::from_store("request", e))?;
    store::insert_events(c, id, actor.user_id, now, &rows).await?;
    crate::sla::refresh_clocks(c, &saved, now).await?;
    Ok(saved)
}
