//! Turning a change of a request into history rows: who, when, field, before, after.

use fuwu_core::lifecycle::Event;
use fuwu_store::requests::{NewEvent, Request};
use serde_json::{Value, json};

/// Fields whose change is implied by every write and not worth a history row.
const UNTRACKED: &[&str] = &["id", "updated_at", "version"];

fn text(v: &Value) -> Option<String> {
    match v {
        Value::Null => None,
        Value::String(s) => Some(s.clone()),
        other => Some(other.to_string()),
    }
}

/// One row per changed field, all with `kind`; `details` on the first row.
pub(crate) fn diff(
    kind: &str,
    before: &Request,
    after: &Request,
    details: Option<Value>,
) -> Vec<NewEvent> {
    let (Ok(Value::Object(b)), Ok(Value::Object(a))) =
        (serde_json::to_value(before), serde_json::to_value(after))
    else {
        return Vec::new();
    };
    let mut rows: Vec<NewEvent> = a
        .iter()
        .filter(|(k, _)| !UNTRACKED.contains(&k.as_str()))
        .filter(|(k, v)| b.get(*k) != Some(*v))
        .map(|(k, v)| NewEvent {
            kind: kind.to_owned(),
            field: Some(k.clone()),
            before: b.get(k).and_then(text),
            after: text(v),
            details: None,
        })
        .collect();
    let details = details.map(|d| d.to_string());
    match rows.first_mut() {
        Some(first) => first.details = details,
        None => rows.push(NewEvent {
            kind: kind.to_owned(),
            details,
            ..NewEvent::default()
        }),
    }
    rows
}

/// The history kind and details of a lifecycle event.
pub(crate) fn lifecycle_details(event: &Event) -> (&'static str, Value) {
    match event {
        Event::Acknowledged => ("acknowledged", json!({})),
        Event::Dispatched {
            tier,
            assignee,
            team,
        } => (
            "dispatched",
            json!({"tier": tier, "assignee_id": assignee, "team_id": team}),
        ),
        Event::Responded { mode, plan } => ("responded", json!({"mode": mode, "plan": plan})),
        Event::StageChanged { from, to } => ("stage_changed", json!({"from": from, "to": to})),
        Event::Escalated { from, to, reason } => (
            "escalated",
            json!({"from": from, "to": to, "reason": reason}),
        ),
        Event::WaitingStarted {
            waiting_for,
            reason,
        } => (
            "waiting_started",
            json!({"waiting_for": waiting_for, "reason": reason}),
        ),
        Event::WaitingEnded { waiting_for } => {
            ("waiting_ended", json!({"waiting_for": waiting_for}))
        }
        Event::Resolved { resolution } => ("resolved", json!({"resolution": resolution})),
        Event::FeedbackRecorded(f) => (
            "feedback",
            json!({"solved": f.solved, "rating": f.rating, "comment": f.comment}),
        ),
        Event::Reopened { comment } => ("reopened", json!({"comment": comment})),
        Event::Closed { basis } => ("closed", json!({"basis": basis})),
        Event::Cancelled { reason } => ("cancelled", json!({"reason": reason})),
    }
}
