//! `/api/v1/audit`: the audit log for administrators.

use crate::AppState;
use crate::error::{ApiError, ErrorBody};
use crate::extract::{ApiQuery, Auth};
use crate::requests::parse_time;
use axum::Json;
use axum::extract::State;
use fuwu_app::Page;
use fuwu_store::audit::{AuditEntry, AuditFilter, RequestEventFilter};
use fuwu_store::requests::Event;
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub(crate) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_audit))
        .routes(routes!(list_request_changes))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct AuditParams {
    /// e.g. `user_updated`, `role_changed`, `token_created`, `token_revoked`, `organization_created`,
    /// `login_succeeded`, `login_failed`, `login_throttled`, `logout`, `password_changed`,
    /// `password_reset`, `access_denied`.
    kind: Option<String>,
    actor_id: Option<i64>,
    /// organization, contact, team, user, system, contract, token or login (unknown accounts).
    object_type: Option<String>,
    object_id: Option<i64>,
    /// RFC 3339; at or after.
    from: Option<String>,
    /// RFC 3339; before.
    to: Option<String>,
    cursor: Option<String>,
    limit: Option<i64>,
}

#[utoipa::path(get, path = "/api/v1/audit", tag = "identity", params(AuditParams),
    description = "Security events and the changes of the directory, users, tokens, SLA policies, calendars and articles, newest first. \
The requests' changes are their history, across requests at `/api/v1/audit/request-events`.",
    responses((status = 200, body = Page<AuditEntry>), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody)))]
async fn list_audit(
    State(s): State<AppState>,
    Auth(a): Auth,
    ApiQuery(p): ApiQuery<AuditParams>,
) -> Result<Json<Page<AuditEntry>>, ApiError> {
    let filter = AuditFilter {
        kind: p.kind,
        actor_id: p.actor_id,
        object_type: p.object_type,
        object_id: p.object_id,
        from: p
            .from
            .as_deref()
            .map(|t| parse_time("from", t))
            .transpose()?,
        to: p.to.as_deref().map(|t| parse_time("to", t)).transpose()?,
    };
    Ok(Json(s.app.audit_log(&a, filter, p.cursor, p.limit).await?))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct RequestEventParams {
    request_id: Option<i64>,
    actor_id: Option<i64>,
    /// `created`, `changed`, `message_public`, `message_internal`, `work_logged`, `attachment_added`, or a lifecycle
    /// event such as `acknowledged`, `dispatched`, `escalated`, `resolved`, `closed`.
    kind: Option<String>,
    /// RFC 3339; at or after.
    from: Option<String>,
    /// RFC 3339; before.
    to: Option<String>,
    cursor: Option<String>,
    limit: Option<i64>,
}

#[utoipa::path(get, path = "/api/v1/audit/request-events", tag = "identity", params(RequestEventParams),
    description = "Every change recorded on service requests (each request's history, across requests), newest first, \
for administrators: who changed which request, when, and how.",
    responses((status = 200, body = Page<Event>), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody)))]
async fn list_request_changes(
    State(s): State<AppState>,
    Auth(a): Auth,
    ApiQuery(p): ApiQuery<RequestEventParams>,
) -> Result<Json<Page<Event>>, ApiError> {
    let filter = RequestEventFilter {
        request_id: p.request_id,
        actor_id: p.actor_id,
        kind: p.kind,
        from: p
            .from
            .as_deref()
            .map(|t| parse_time("from", t))
            .transpose()?,
        to: p.to.as_deref().map(|t| parse_time("to", t)).transpose()?,
    };
    Ok(Json(
        s.app.request_changes(&a, filter, p.cursor, p.limit).await?,
    ))
}
