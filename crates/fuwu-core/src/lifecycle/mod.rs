//! The request lifecycle (SPEC §6) as a pure state machine.
//!
//! ```text
//!            acknowledge          dispatch / escalate
//!   new ───────────────► acknowledged ─────────────► assigned
//!                           │  respond                 │ respond (mode + plan)
//!                           └───────────────┐          ▼
//!                                           └──► in_progress ◄──── resume ───┐
//!                                                 │  │  set_stage            │
//!                         dispatch / escalate ◄───┘  ├── wait ──────────► pending
//!                                                    │ resolve               │ resolve
//!                                                    ▼                       │
//!                   feedback "not solved"         resolved ◄─────────────────┘
//!            reopened ◄───────────────────────────  │  feedback "solved" (stays)
//!              │ respond / dispatch / escalate      │ close (confirmed, or auto-close when due)
//!              ▼                                    ▼
//!          in_progress / assigned                closed
//!
//!   cancel (with a reason): from any state before resolved → cancelled
//! ```
//!
//! [`apply`] checks the actor's role first, then the state, then what the
//! action itself requires, and returns the next [`Snapshot`] with the
//! [`Event`] to record — or a typed [`LifecycleError`]. It never reads a clock.

#[cfg(test)]
mod tests;

use crate::text::NonEmpty;
use crate::types::{
    CloseBasis, ResponseMode, Role, Stage, Status, Tier, Timestamp, WaitingFor, text_enum,
};
use serde::{Deserialize, Serialize};

text_enum! {
    /// The lifecycle actions, one API endpoint each.
    ActionKind("action") {
        Acknowledge => "acknowledge",
        Dispatch => "dispatch",
        Respond => "respond",
        SetStage => "set_stage",
        Escalate => "escalate",
        Wait => "wait",
        Resume => "resume",
        Resolve => "resolve",
        Feedback => "feedback",
        Close => "close",
        Cancel => "cancel",
    }
}

/// A customer's satisfaction rating, 1 (poor) to 5 (excellent).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "u8", into = "u8")]
pub struct Rating(u8);

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("a rating must be between 1 and 5, got {0}")]
pub struct InvalidRating(pub i64);

impl Rating {
    pub fn new(v: i64) -> Result<Self, InvalidRating> {
        if (1..=5).contains(&v) {
            Ok(Rating(v as u8))
        } else {
            Err(InvalidRating(v))
        }
    }
    pub const fn get(self) -> u8 {
        self.0
    }
}
impl TryFrom<u8> for Rating {
    type Error = InvalidRating;
    fn try_from(v: u8) -> Result<Self, InvalidRating> {
        Rating::new(v as i64)
    }
}
impl From<Rating> for u8 {
    fn from(r: Rating) -> u8 {
        r.0
    }
}

/// The customer's answer to a resolution (用户反馈).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Feedback {
    pub solved: bool,
    pub rating: Option<Rating>,
    pub comment: Option<String>,
}

/// What the lifecycle needs to know about a request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Snapshot {
    pub status: Status,
    pub tier: Tier,
    pub stage: Option<Stage>,
    pub waiting_for: Option<WaitingFor>,
    /// When the request was last resolved; cleared when it is reopened.
    pub resolved_at: Option<Timestamp>,
    /// Feedback given since the last resolution.
    pub feedback: Option<Feedback>,
}

impl Snapshot {
    /// A request as it is created: new, with first line.
    pub const fn new_request() -> Self {
        Snapshot {
            status: Status::New,
            tier: Tier::L1,
            stage: None,
            waiting_for: None,
            resolved_at: None,
            feedback: None,
        }
    }
}

/// A lifecycle action with what it must carry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    /// An agent answers the request (应答).
    Acknowledge,
    /// Hand the request to a handler (分派): a person, a team, or both.
    Dispatch {
        tier: Tier,
        assignee: Option<i64>,
        team: Option<i64>,
    },
    /// The handler has chosen a response mode and a plan and is ready to start (响应).
    Respond { mode: ResponseMode, plan: NonEmpty },
    /// Move through collecting → analysing → planning → implementing.
    SetStage { stage: Stage },
    /// Move the request up a line: L1 → L2 → third party.
    Escalate { to: Tier, reason: NonEmpty },
    /// Wait for the customer or a third party.
    Wait {
        waiting_for: WaitingFor,
        reason: NonEmpty,
    },
    /// Waiting is over.
    Resume,
    /// The fault is fixed or the question answered.
    Resolve { resolution: NonEmpty },
    /// The customer's feedback on the resolution; "not solved" reopens.
    Feedback(Feedback),
    /// Close a resolved request, on the customer's confirmation or by the auto-close rule.
    Close { basis: CloseBasis },
    /// Withdraw or mark as duplicate.
    Cancel { reason: NonEmpty },
}

impl Action {
    pub const fn kind(&self) -> ActionKind {
        match self {
            Action::Acknowledge => ActionKind::Acknowledge,
            Action::Dispatch { .. } => ActionKind::Dispatch,
            Action::Respond { .. } => ActionKind::Respond,
            Action::SetStage { .. } => ActionKind::SetStage,
            Action::Escalate { .. } => ActionKind::Escalate,
            Action::Wait { .. } => ActionKind::Wait,
            Action::Resume => ActionKind::Resume,
            Action::Resolve { .. } => ActionKind::Resolve,
            Action::Feedback(_) => ActionKind::Feedback,
            Action::Close { .. } => ActionKind::Close,
            Action::Cancel { .. } => ActionKind::Cancel,
        }
    }
}

/// Rules from the request's policy that the lifecycle needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rules {
    /// A resolved request without feedback may be auto-closed this long after resolution.
    pub auto_close_after_ms: i64,
}

impl Default for Rules {
    fn default() -> Self {
        // Three natural days: long enough to cover a weekend's silence.
        Rules {
            auto_close_after_ms: 3 * 24 * 3600 * 1000,
        }
    }
}

/// What happened, to be recorded in the history and fed to the SLA clocks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    Acknowledged,
    Dispatched {
        tier: Tier,
        assignee: Option<i64>,
        team: Option<i64>,
    },
    Responded {
        mode: ResponseMode,
        plan: String,
    },
    StageChanged {
        from: Option<Stage>,
        to: Stage,
    },
    Escalated {
        from: Tier,
        to: Tier,
        reason: String,
    },
    WaitingStarted {
        waiting_for: WaitingFor,
        reason: String,
    },
    WaitingEnded {
        waiting_for: WaitingFor,
    },
    Resolved {
        resolution: String,
    },
    FeedbackRecorded(Feedback),
    Reopened {
        comment: Option<String>,
    },
    Closed {
        basis: CloseBasis,
    },
    Cancelled {
        reason: String,
    },
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LifecycleError {
    #[error("a {role} may not {action} a request")]
    RoleNotAllowed { action: ActionKind, role: Role },
    #[error("cannot {action} a request that is {from}")]
    InvalidTransition { action: ActionKind, from: Status },
    #[error("dispatching requires an assignee or a team")]
    DispatchNeedsHandler,
    #[error(
        "a request at tier {from} cannot be escalated to {to}; escalation goes up: l1 → l2 → third_party"
    )]
    InvalidEscalation { from: Tier, to: Tier },
    #[error("closing requires the customer's confirmation that the request is solved")]
    ConfirmationRequired,
    #[error("auto-close is not due before {due}")]
    AutoCloseNotDue { due: Timestamp },
    #[error("auto-close does not apply: the customer has given feedback")]
    AutoCloseAfterFeedback,
    #[error("the request is already at stage {stage}")]
    SameStage { stage: Stage },
}

/// Which roles may take each action (SPEC §1, §6). Tenancy (own organization,
/// handed-to-me) is checked by the app layer, not here.
pub fn roles_allowed(action: ActionKind) -> &'static [Role] {
    use Role::*;
    match action {
        ActionKind::Acknowledge | ActionKind::Dispatch | ActionKind::Escalate => {
            &[Agent, Engineer, ProjectLeader, Admin]
        }
        ActionKind::Respond => &[Agent, Engineer, ThirdParty, ProjectLeader, Admin],
        ActionKind::SetStage | ActionKind::Wait | ActionKind::Resolve => {
            &[Agent, Engineer, ThirdParty, Admin]
        }
        ActionKind::Resume => &[Agent, Engineer, ThirdParty, Admin, System],
        ActionKind::Feedback => &[CustomerUser, CustomerAdmin, Agent, Admin],
        ActionKind::Close => &[Agent, ProjectLeader, Admin, System],
        ActionKind::Cancel => &[
            CustomerUser,
            CustomerAdmin,
            Agent,
            Engineer,
            ProjectLeader,
            Admin,
        ],
    }
}

/// The states from which an action may start.
pub fn allowed_from(action: ActionKind) -> &'static [Status] {
    use Status::*;
    match action {
        ActionKind::Acknowledge => &[New],
        ActionKind::Dispatch | ActionKind::Escalate => {
            &[Acknowledged, Assigned, InProgress, Pending, Reopened]
        }
        ActionKind::Respond => &[Acknowledged, Assigned, InProgress, Reopened],
        ActionKind::SetStage | ActionKind::Wait => &[InProgress],
        ActionKind::Resume => &[Pending],
        ActionKind::Resolve => &[InProgress, Pending],
        ActionKind::Feedback | ActionKind::Close => &[Resolved],
        ActionKind::Cancel => &[New, Acknowledged, Assigned, InProgress, Pending, Reopened],
    }
}

/// The actions an actor could take on a request now (for offering buttons).
/// Requirements carried by the action itself (a plan, a reason) are not checked.
pub fn available_actions(snapshot: &Snapshot, role: Role) -> Vec<ActionKind> {
    ActionKind::ALL
        .iter()
        .copied()
        .filter(|a| {
            roles_allowed(*a).contains(&role) && allowed_from(*a).contains(&snapshot.status)
        })
        .collect()
}

/// Apply `action` by an actor with `role` at `now`.
pub fn apply(
    snapshot: &Snapshot,
    action: Action,
    role: Role,
    now: Timestamp,
    rules: Rules,
) -> Result<(Snapshot, Event), LifecycleError> {
    let kind = action.kind();
    if !roles_allowed(kind).contains(&role) {
        return Err(LifecycleError::RoleNotAllowed { action: kind, role });
    }
    // The scheduler acts only on recorded rules: it may auto-close when due and resume.
    if role == Role::System
        && !matches!(
            action,
            Action::Close {
                basis: CloseBasis::AutoClose
            } | Action::Resume
        )
    {
        return Err(LifecycleError::RoleNotAllowed { action: kind, role });
    }
    if !allowed_from(kind).contains(&snapshot.status) {
        return Err(LifecycleError::InvalidTransition {
            action: kind,
            from: snapshot.status,
        });
    }
    let mut next = snapshot.clone();
    let event = match action {
        Action::Acknowledge => {
            next.status = Status::Acknowledged;
            Event::Acknowledged
        }
        Action::Dispatch {
            tier,
            assignee,
            team,
        } => {
            if assignee.is_none() && team.is_none() {
                return Err(LifecycleError::DispatchNeedsHandler);
            }
            next.status = Status::Assigned;
            next.tier = tier;
            next.stage = None;
            next.waiting_for = None;
            Event::Dispatched {
                tier,
                assignee,
                team,
            }
        }
        Action::Respond { mode, plan } => {
            next.status = Status::InProgress;
            Event::Responded {
                mode,
                plan: plan.into_inner(),
            }
        }
        Action::SetStage { stage } => {
            if snapshot.stage == Some(stage) {
                return Err(LifecycleError::SameStage { stage });
            }
            next.stage = Some(stage);
            Event::StageChanged {
                from: snapshot.stage,
                to: stage,
            }
        }
        Action::Escalate { to, reason } => {
            if tier_rank(to) <= tier_rank(snapshot.tier) {
                return Err(LifecycleError::InvalidEscalation {
                    from: snapshot.tier,
                    to,
                });
            }
            next.status = Status::Assigned;
            next.tier = to;
            next.stage = None;
            next.waiting_for = None;
            Event::Escalated {
                from: snapshot.tier,
                to,
                reason: reason.into_inner(),
            }
        }
        Action::Wait {
            waiting_for,
            reason,
        } => {
            next.status = Status::Pending;
            next.waiting_for = Some(waiting_for);
            Event::WaitingStarted {
                waiting_for,
                reason: reason.into_inner(),
            }
        }
        Action::Resume => {
            next.status = Status::InProgress;
            next.waiting_for = None;
            // A pending request always records whom it waited for; the fallback
            // only covers snapshots built by hand.
            Event::WaitingEnded {
                waiting_for: snapshot.waiting_for.unwrap_or(WaitingFor::Customer),
            }
        }
        Action::Resolve { resolution } => {
            next.status = Status::Resolved;
            next.waiting_for = None;
            next.resolved_at = Some(now);
            next.feedback = None;
            Event::Resolved {
                resolution: resolution.into_inner(),
            }
        }
        Action::Feedback(feedback) => {
            if feedback.solved {
                next.feedback = Some(feedback.clone());
                Event::FeedbackRecorded(feedback)
            } else {
                next.status = Status::Reopened;
                next.resolved_at = None;
                next.feedback = None;
                next.stage = None;
                Event::Reopened {
                    comment: feedback.comment,
                }
            }
        }
        Action::Close { basis } => {
            match basis {
                CloseBasis::Confirmed => {
                    if !snapshot.feedback.as_ref().is_some_and(|f| f.solved) {
                        return Err(LifecycleError::ConfirmationRequired);
                    }
                }
                CloseBasis::AutoClose => {
                    if snapshot.feedback.is_some() {
                        return Err(LifecycleError::AutoCloseAfterFeedback);
                    }
                    let resolved_at = snapshot.resolved_at.unwrap_or(now);
                    let due = resolved_at.plus_millis(rules.auto_close_after_ms);
                    if now < due {
                        return Err(LifecycleError::AutoCloseNotDue { due });
                    }
                }
            }
            next.status = Status::Closed;
            Event::Closed { basis }
        }
        Action::Cancel { reason } => {
            next.status = Status::Cancelled;
            next.waiting_for = None;
            Event::Cancelled {
                reason: reason.into_inner(),
            }
        }
    };
    Ok((next, event))
}

const fn tier_rank(t: Tier) -> u8 {
    match t {
        Tier::L1 => 0,
        Tier::L2 => 1,
        Tier::ThirdParty => 2,
    }
}
