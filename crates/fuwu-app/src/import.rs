//! Importing a request with its whole history from another service desk
//! (`POST /api/v1/requests/import`, SPEC §4 / issue #4 item 9).
//!
//! The import is checked first, without writing anything: timestamps in
//! order and not in the future, every lifecycle step legal in the pure state
//! machine (`fuwu_core::lifecycle::apply`) from the state the steps before it
//! left. A refusal names the event's index. Then, in one transaction, the
//! request is created at its original instant and each event is applied
//! through the very functions the live API uses (`act_in`, `update_in`,
//! `message_in`) with the event's own timestamp as "now" — so the history,
//! the states and the clocks (replayed from that history by the pure clock
//! computation) are exactly those of a request that lived here.
//!
//! Warnings, breaches and notices that fell due before the import are
//! recorded as handled without telling anyone: the other desk dealt with
//! them, and a migration must not page every project leader for last year's
//! faults. Thresholds still ahead fire as usual.
//!
//! Idempotent by `external_ref`: the same reference with the same body
//! answers with the request imported the first time (200); with another body
//! it is a conflict (409).

use crate::access::Capability;
use crate::requests::{
    ActionExtras, RequestPatch, act_in, check_belongs, check_handler, china_date, fingerprint,
    message_in, outside_free_period, update_in,
};
use crate::{Actor, App, AppError};
use fuwu_core::level::LevelDecision;
use fuwu_core::lifecycle::{self, Action, Feedback, Rating, Rules, Snapshot};
use fuwu_core::{
    Category, Channel, CloseBasis, FaultLevel, Impact, NonEmpty, ResponseMode, Stage, Status, Tier,
    Timestamp, Title, Urgency, Visibility, WaitingFor,
};
use fuwu_store::requests::{self as store, NewEvent, Request};
use fuwu_store::sla as sla_store;
use fuwu_store::{StoreError, directory};
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::ToSchema;

/// A request as another service desk recorded it, with its history.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ImportRequest {
    /// The request's reference in the other system; unique among imports.
    #[schema(example = "OTRS-2025-000123")]
    pub external_ref: String,
    pub organization_id: i64,
    /// The contract it ran under; default: the organization's contract current on `created_at`.
    pub contract_id: Option<i64>,
    pub requester_contact_id: Option<i64>,
    pub system_id: Option<i64>,
    #[schema(value_type = String, example = "phone")]
    pub channel: Channel,
    #[schema(value_type = String, example = "fault")]
    pub category: Category,
    #[schema(value_type = String, example = "partial")]
    pub impact: Impact,
    #[schema(value_type = String, example = "high")]
    pub urgency: Urgency,
    /// Override the level derived from impact × urgency (needs `level_reason`).
    #[schema(value_type = Option<u8>, minimum = 0, maximum = 5)]
    pub level: Option<FaultLevel>,
    pub level_reason: Option<String>,
    pub title: String,
    #[serde(default)]
    pub description: String,
    /// RFC 3339: when the request was raised.
    #[schema(example = "2025-09-30T19:40:00+08:00")]
    pub created_at: String,
    /// In the order they happened; each `{"at": RFC 3339, "type": …, …}`. Types:
    /// `acknowledged`; `dispatched` {tier, assignee_id?, team_id?}; `responded`
    /// {mode, plan}; `stage_changed` {stage}; `escalated` {to, reason,
    /// assignee_id?, team_id?, third_party_ref?}; `waiting` {waiting_for,
    /// reason}; `resumed`; `level_changed` {level, reason?}; `resolved`
    /// {resolution}; `feedback` {solved, rating?, comment?}; `closed` {basis};
    /// `cancelled` {reason}; `message` {visibility: public|internal, body}.
    #[serde(default)]
    #[schema(value_type = Vec<Object>)]
    pub events: Vec<ImportEvent>,
}

/// One event of an imported request's history.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ImportEvent {
    /// RFC 3339.
    pub at: String,
    #[serde(flatten)]
    pub what: ImportAction,
}

/// What happened.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum ImportAction {
    Acknowledged,
    Dispatched {
        tier: Tier,
        assignee_id: Option<i64>,
        team_id: Option<i64>,
    },
    Responded {
        mode: ResponseMode,
        plan: String,
    },
    StageChanged {
        stage: Stage,
    },
    Escalated {
        to: Tier,
        reason: String,
        assignee_id: Option<i64>,
        team_id: Option<i64>,
        third_party_ref: Option<String>,
    },
    Waiting {
        waiting_for: WaitingFor,
        reason: String,
    },
    Resumed,
    LevelChanged {
        level: FaultLevel,
        reason: Option<String>,
    },
    Resolved {
        resolution: String,
    },
    Feedback {
        solved: bool,
        rating: Option<i64>,
        comment: Option<String>,
    },
    Closed {
        basis: CloseBasis,
        /// The customer's rating given at closing, or that they declined to
        /// rate, as the other desk recorded it (optional: closes as recorded).
        #[serde(default)]
        rating: Option<i64>,
        #[serde(default)]
        declined_to_rate: bool,
    },
    Cancelled {
        reason: String,
    },
    Message {
        visibility: Visibility,
        body: String,
    },
}

/// One checked step of the replay.
enum Step {
    Act(Action, ActionExtras),
    Level(FaultLevel, Option<String>),
    Message(Visibility, String),
}

/// A refusal of event `index` names the event. Only refusals of the event's
/// content are its fault: a database failure (unavailable, a lost conflict,
/// an internal error) stays what it is, never a validation error.
fn at_index(index: usize) -> impl Fn(AppError) -> AppError {
    move |e| match e {
        AppError::Invalid { .. }
        | AppError::Lifecycle(_)
        | AppError::InvalidState(_)
        | AppError::NotFound { .. }
        | AppError::Conflict(_)
        | AppError::Forbidden(_) => AppError::InvalidEvent {
            index,
            message: e.to_string(),
        },
        other => other,
    }
}

fn text(index: usize, field: &str, raw: &str) -> Result<NonEmpty, AppError> {
    NonEmpty::parse(raw).map_err(|e| AppError::InvalidEvent {
        index,
        message: format!("{field}: {e}"),
    })
}

/// RFC 3339 to Unix ms.
fn instant(raw: &str) -> Option<i64> {
    raw.parse::<jiff::Timestamp>()
        .ok()
        .map(jiff::Timestamp::as_millisecond)
}

/// The steps of `events` with their instants, checked in order through the
/// pure state machine: nothing is read or written here.
fn check_events(
    events: &[ImportEvent],
    created_at: i64,
    now: i64,
    actor: &Actor,
    rules: Rules,
) -> Result<Vec<(i64, Step)>, AppError> {
    let mut snapshot = Snapshot::new_request();
    let mut last = created_at;
    let mut out = Vec::with_capacity(events.len());
    for (i, e) in events.iter().enumerate() {
        let bad = |message: String| AppError::InvalidEvent { index: i, message };
        let at =
            instant(&e.at).ok_or_else(|| bad(format!("`{}` is not an RFC 3339 instant", e.at)))?;
        if at < last {
            return Err(bad(format!(
                "{} is earlier than the event before it ({}); events must be in the order they happened",
                e.at,
                fuwu_store::ser::rfc3339(last)
            )));
        }
        if at > now {
            return Err(bad(format!("{} is in the future", e.at)));
        }
        last = at;
        let step = match &e.what {
            ImportAction::Acknowledged => Step::Act(Action::Acknowledge, ActionExtras::default()),
            ImportAction::Dispatched {
                tier,
                assignee_id,
                team_id,
            } => Step::Act(
                Action::Dispatch {
                    tier: *tier,
                    assignee: *assignee_id,
                    team: *team_id,
                },
                ActionExtras::default(),
            ),
            ImportAction::Responded { mode, plan } => Step::Act(
                Action::Respond {
                    mode: *mode,
                    plan: text(i, "plan", plan)?,
                },
                ActionExtras::default(),
            ),
            ImportAction::StageChanged { stage } => {
                Step::Act(Action::SetStage { stage: *stage }, ActionExtras::default())
            }
            ImportAction::Escalated {
                to,
                reason,
                assignee_id,
                team_id,
                third_party_ref,
            } => Step::Act(
                Action::Escalate {
                    to: *to,
                    reason: text(i, "reason", reason)?,
                },
                ActionExtras {
                    assignee_id: *assignee_id,
                    team_id: *team_id,
                    third_party_ref: third_party_ref.clone(),
                    ..Default::default()
                },
            ),
            ImportAction::Waiting {
                waiting_for,
                reason,
            } => Step::Act(
                Action::Wait {
                    waiting_for: *waiting_for,
                    reason: text(i, "reason", reason)?,
                },
                ActionExtras::default(),
            ),
            ImportAction::Resumed => Step::Act(Action::Resume, ActionExtras::default()),
            ImportAction::LevelChanged { level, reason } => Step::Level(*level, reason.clone()),
            ImportAction::Resolved { resolution } => Step::Act(
                Action::Resolve {
                    resolution: text(i, "resolution", resolution)?,
                },
                ActionExtras::default(),
            ),
            ImportAction::Feedback {
                solved,
                rating,
                comment,
            } => Step::Act(
                Action::Feedback(Feedback {
                    solved: *solved,
                    rating: rating
                        .map(Rating::new)
                        .transpose()
                        .map_err(|e| bad(e.to_string()))?,
                    comment: comment
                        .as_ref()
                        .map(|c| c.trim().to_owned())
                        .filter(|c| !c.is_empty()),
                }),
                ActionExtras::default(),
            ),
            ImportAction::Closed {
                basis,
                rating,
                declined_to_rate,
            } => Step::Act(
                Action::Close { basis: *basis },
                ActionExtras {
                    closing: (rating.is_some() || *declined_to_rate).then_some(
                        crate::requests::ClosingFeedback {
                            rating: *rating,
                            declined_to_rate: *declined_to_rate,
                        },
                    ),
                    ..Default::default()
                },
            ),
            ImportAction::Cancelled { reason } => Step::Act(
                Action::Cancel {
                    reason: text(i, "reason", reason)?,
                },
                ActionExtras::default(),
            ),
            ImportAction::Message { visibility, body } => {
                Step::Message(*visibility, text(i, "body", body)?.into_inner())
            }
        };
        match &step {
            Step::Act(action, _) => {
                snapshot = lifecycle::apply(
                    &snapshot,
                    action.clone(),
                    actor.role,
                    Timestamp::from_millis(at),
                    rules,
                )
                .map_err(|e| bad(e.to_string()))?
                .0;
            }
            Step::Level(..) | Step::Message(..) if snapshot.status.is_terminal() => {
                return Err(bad(format!(
                    "the request is {} by then; it takes no more changes",
                    snapshot.status
                )));
            }
            Step::Level(..) | Step::Message(..) => {}
        }
        out.push((at, step));
    }
    Ok(out)
}

impl App {
    /// Import a request with its history (administrators, also with a
    /// write-scoped token). Returns the request and whether it was created
    /// now (`false`: imported before with the same body).
    pub async fn import_request(
        &self,
        actor: &Actor,
        input: ImportRequest,
    ) -> Result<(Request, bool), AppError> {
        actor.require(Capability::ImportRequests)?;
        let external_ref = input.external_ref.trim().to_owned();
        if external_ref.is_empty() || external_ref.chars().count() > 200 {
            return Err(AppError::invalid("external_ref", "1–200 characters"));
        }
        let title =
            Title::parse(&input.title).map_err(|e| AppError::invalid("title", e.to_string()))?;
        if input.description.chars().count() > 100_000 {
            return Err(AppError::invalid(
                "description",
                "at most 100,000 characters",
            ));
        }
        let decision = LevelDecision::decide(
            input.impact,
            input.urgency,
            input.level,
            input.level_reason.as_deref(),
        )
        .map_err(|e| AppError::invalid("level_reason", e.to_string()))?;
        let now = self.now();
        let created_at = instant(&input.created_at).ok_or_else(|| {
            AppError::invalid(
                "created_at",
                "an RFC 3339 instant, e.g. 2025-09-30T19:40:00+08:00",
            )
        })?;
        if created_at > now {
            return Err(AppError::invalid("created_at", "in the future"));
        }
        let print = fingerprint(&input);
        let actor = actor.clone();
        let result = self
            .db
            .write(move |mut c| {
                Box::pin(async move {
                    let c = &mut c;
                    if let Some((id, seen)) = sla_store::find_import(c, &external_ref).await? {
                        return if seen == print {
                            Ok((store::get_request(c, id).await?, false))
                        } else {
                            Err(AppError::Conflict(format!(
                                "`{external_ref}` was imported before, as request {id}, with other content"
                            )))
                        };
                    }
                    let org = input.organization_id;
                    directory::get_organization(c, org)
                        .await
                        .map_err(|e| AppError::from_store("organization", e))?;
                    check_belongs(c, org, input.requester_contact_id, input.system_id).await?;
                    let contract = match input.contract_id {
                        Some(k) => {
                            let k = directory::get_contract(c, k)
                                .await
                                .map_err(|e| AppError::from_store("contract", e))?;
                            if k.organization_id != org {
                                return Err(AppError::invalid(
                                    "contract_id",
                                    format!("contract {} is not the organization's", k.id),
                                ));
                            }
                            Some(k)
                        }
                        None => {
                            directory::current_contract(c, org, &china_date(created_at), None)
                                .await?
                        }
                    };
                    let rules = match contract.as_ref().and_then(|k| k.sla_policy_id) {
                        Some(p) => Rules {
                            auto_close_after_ms: directory::get_sla_policy(c, p)
                                .await?
                                .auto_close_after_ms,
                        },
                        None => Rules::default(),
                    };
                    let steps = check_events(&input.events, created_at, now, &actor, rules)?;
                    for (i, (_, step)) in steps.iter().enumerate() {
                        if let Step::Act(Action::Dispatch { tier, assignee, team }, _) = step {
                            check_handler(c, *tier, *assignee, *team).await.map_err(at_index(i))?;
                        }
                    }
                    // As `create_request` takes it in, at the original instant.
                    let row = Request {
                        id: 0,
                        channel: input.channel.as_str().into(),
                        category: input.category.as_str().into(),
                        impact: input.impact.as_str().into(),
                        urgency: input.urgency.as_str().into(),
                        level: decision.level.get() as i64,
                        level_override_reason: decision.override_reason.clone(),
                        title: title.into_inner(),
                        description: input.description.trim().to_owned(),
                        organization_id: org,
                        requester_contact_id: input.requester_contact_id,
                        requester_user_id: None,
                        system_id: input.system_id,
                        contract_id: contract.as_ref().map(|k| k.id),
                        assignee_id: None,
                        team_id: None,
                        tier: Tier::L1.as_str().into(),
                        status: Status::New.as_str().into(),
                        stage: None,
                        waiting_for: None,
                        response_mode: None,
                        response_plan: None,
                        resolution: None,
                        third_party_ref: None,
                        billable: contract.as_ref().is_some_and(|k| {
                            outside_free_period(&k.accepted_on, k.free_service_months, created_at)
                        }),
                        feedback_solved: None,
                        feedback_rating: None,
                        feedback_comment: None,
                        close_basis: None,
                        cancel_reason: None,
                        created_by: actor.user_id,
                        created_at,
                        updated_at: created_at,
                        acknowledged_at: None,
                        responded_at: None,
                        resolved_at: None,
                        closed_at: None,
                        version: 1,
                    };
                    let created = store::insert_request(c, row)
                        .await
                        .map_err(|e| AppError::from_store("request", e))?;
                    let id = created.id;
                    let details = json!({
                        "channel": created.channel, "category": created.category, "level": created.level,
                        "level_override_reason": created.level_override_reason, "billable": created.billable,
                        "contract_id": created.contract_id,
                    });
                    let ev = NewEvent {
                        kind: "created".into(),
                        details: Some(details.to_string()),
                        ..Default::default()
                    };
                    store::insert_events(c, id, actor.user_id, created_at, &[ev]).await?;
                    crate::sla::refresh_clocks(c, &created, created_at).await?;
                    for (i, (at, step)) in steps.into_iter().enumerate() {
                        match step {
                            Step::Act(action, extras) => {
                                act_in(c, &actor, id, None, action, extras, at)
                                    .await
                                    .map_err(at_index(i))?;
                            }
                            Step::Level(level, reason) => {
                                let r = store::get_request(c, id).await?;
                                let patch = RequestPatch {
                                    version: r.version,
                                    level: Some(level),
                                    level_reason: reason,
                                    ..Default::default()
                                };
                                update_in(c, &actor, id, patch, None, at)
                                    .await
                                    .map_err(at_index(i))?;
                            }
                            Step::Message(visibility, body) => {
                                message_in(c, &actor, id, visibility, body, at)
                                    .await
                                    .map_err(at_index(i))?;
                            }
                        }
                    }
                    sla_store::insert_import(c, id, &external_ref, &print, actor.user_id, now)
                        .await
                        .map_err(|e| match e {
                            StoreError::Conflict { .. } => AppError::Conflict(format!(
                                "`{external_ref}` is being imported by another call"
                            )),
                            e => AppError::from(e),
                        })?;
                    crate::sla::settle_past_thresholds(c, id, now).await?;
                    Ok((store::get_request(c, id).await?, true))
                })
            })
            .await?;
        Ok(result)
    }
}

#[cfg(test)]
mod tests {
    use super::at_index;
    use crate::AppError;
    use fuwu_store::StoreError;

    #[test]
    fn a_refused_event_is_named_by_its_index() {
        let e = at_index(2)(AppError::invalid("assignee_id", "required"));
        assert!(
            matches!(e, AppError::InvalidEvent { index: 2, .. }),
            "{e:?}"
        );
    }

    #[test]
    fn a_database_failure_during_an_event_is_not_a_validation_error() {
        let lost = AppError::from(StoreError::Contention("deadlock detected".into()));
        assert!(matches!(at_index(2)(lost), AppError::Unavailable(_)));
        let broken = AppError::from(StoreError::Database("boom".into()));
        assert!(matches!(at_index(2)(broken), AppError::Internal(_)));
        let gone = AppError::from(StoreError::Unavailable("connection closed".into()));
        assert!(matches!(at_index(2)(gone), AppError::Unavailable(_)));
    }
}
