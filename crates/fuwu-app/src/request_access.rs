//! Loading a request for an actor (visible, or workable) and what a customer
//! may read of its history: shared by the request, fault report, SLA,
//! attachment and knowledge use cases. Its own module so that those import
//! it rather than one another (requests and reports used to import each
//! other for these).

use crate::{Actor, AppError};
use fuwu_store::requests::{self as store, Request};
use fuwu_store::{Conn, StoreError};

/// Load a request the actor may see; one out of reach is "not found".
pub(crate) async fn load_visible(
    c: &mut Conn<'_>,
    actor: &Actor,
    id: i64,
) -> Result<Request, AppError> {
    let r = store::get_request(c, id)
        .await
        .map_err(|e| AppError::from_store("request", e))?;
    if actor.may_read_request(c, &r).await? {
        Ok(r)
    } else {
        Err(AppError::NotFound { what: "request" })
    }
}

/// [`load_visible`] with the terms of the request's contract, in one statement.
pub(crate) async fn load_visible_with_contract(
    c: &mut Conn<'_>,
    actor: &Actor,
    id: i64,
) -> Result<store::RequestWithContract, AppError> {
    visible_with_contract(actor, store::get_request_with_contract(c, id).await)
}

/// A request read with its contract, if the actor may see it (else 404).
pub(crate) fn visible_with_contract(
    actor: &Actor,
    found: Result<store::RequestWithContract, StoreError>,
) -> Result<store::RequestWithContract, AppError> {
    let found = found.map_err(|e| AppError::from_store("request", e))?;
    let leader = found.contract.as_ref().and_then(|k| k.project_leader_id);
    if actor.may_read_request_led_by(&found.request, leader) {
        Ok(found)
    } else {
        Err(AppError::NotFound { what: "request" })
    }
}

/// Load a request the actor may work (change, act on, write to): out of
/// reach is 404, in sight but not theirs to work is 403.
pub(crate) async fn load_workable(
    c: &mut Conn<'_>,
    actor: &Actor,
    id: i64,
) -> Result<Request, AppError> {
    let r = load_visible(c, actor, id).await?;
    if actor.may_work(c, &r).await? {
        Ok(r)
    } else {
        Err(AppError::Forbidden(
            "work this request (it is another team's or another person's)",
        ))
    }
}

/// Touch `updated_at` so lists sorted by activity show the request.
pub(crate) async fn bump(c: &mut Conn<'_>, r: &Request, now: i64) -> Result<(), AppError> {
    let mut after = r.clone();
    after.updated_at = now;
    store::update_request(c, &after, r.version)
        .await
        .map_err(|e| AppError::from_store("request", e))?;
    Ok(())
}

/// History kinds of the review, hidden from customers (the delivery,
/// `report_submitted`, is not among them).
pub const INTERNAL_KINDS: &[&str] = &[
    "fault_report_drafted",
    "fault_report_submitted_for_review",
    "fault_report_returned",
    "fault_report_approved",
];

/// Whether a customer reads this history kind.
pub fn customer_sees_kind(kind: &str) -> bool {
    !INTERNAL_KINDS.contains(&kind)
}
