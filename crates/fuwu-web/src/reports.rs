//! `/api/v1/requests/{id}/fault-report`: a resolved fault's report (故障报告)
//! — drafted from the request's history, edited, reviewed, delivered to the
//! customer (which stops the fault report clock).

use crate::AppState;
use crate::error::{ApiError, ErrorBody};
use crate::extract::{ApiJson, ApiJsonOrEmpty, Auth, Id};
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use fuwu_app::reports::{FaultReport, FaultReportPatch, FaultReportView, ReportStep};
use fuwu_core::report::ReportAction;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub(crate) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(get_report, create_report, update_report))
        .routes(routes!(submit_review))
        .routes(routes!(approve))
        .routes(routes!(return_report))
        .routes(routes!(deliver))
}

#[utoipa::path(get, path = "/api/v1/requests/{id}/fault-report", tag = "requests", params(("id" = i64, Path)),
    description = "The request's fault report. Staff get the whole report with its review fields, internal notes and the report target's deadline (`due`); the organization's customers get it once delivered, without internal fields — before that it does not exist for them (404). Third-party engineers: 403.",
    responses((status = 200, body = FaultReportView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn get_report(
    State(s): State<AppState>,
    Auth(a): Auth,
    Id(id): Id,
) -> Result<Json<FaultReportView>, ApiError> {
    Ok(Json(s.app.fault_report(&a, id).await?))
}

#[utoipa::path(post, path = "/api/v1/requests/{id}/fault-report", tag = "requests", params(("id" = i64, Path)),
    description = "Draft the fault report of a resolved fault (level ≥ 1, or any request its policy's report target applies to), filled from the request: time line from its history (raised, acknowledged, dispatched, responded, escalated, waiting, on site, level changes, resolved, reopened), symptom, impact, handling and solution. Engineers working the request, project leaders, administrators.",
    responses((status = 201, body = FaultReport), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn create_report(
    State(s): State<AppState>,
    Auth(a): Auth,
    Id(id): Id,
) -> Result<(StatusCode, Json<FaultReport>), ApiError> {
    Ok((
        StatusCode::CREATED,
        Json(s.app.create_fault_report(&a, id).await?),
    ))
}

#[utoipa::path(patch, path = "/api/v1/requests/{id}/fault-report", tag = "requests", params(("id" = i64, Path)), request_body = FaultReportPatch,
    description = "Edit a draft or returned report with the `version` you read (409 `version_conflict` when stale; 409 `invalid_transition` once it is in review).",
    responses((status = 200, body = FaultReport), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn update_report(
    State(s): State<AppState>,
    Auth(a): Auth,
    Id(id): Id,
    ApiJson(p): ApiJson<FaultReportPatch>,
) -> Result<Json<FaultReport>, ApiError> {
    Ok(Json(s.app.update_fault_report(&a, id, p).await?))
}

async fn step(
    s: &AppState,
    a: &fuwu_app::Actor,
    id: i64,
    action: ReportAction,
    body: ReportStep,
) -> Result<Json<FaultReport>, ApiError> {
    Ok(Json(s.app.fault_report_step(a, id, action, body).await?))
}

#[utoipa::path(post, path = "/api/v1/requests/{id}/fault-report/submit-review", tag = "requests", params(("id" = i64, Path)), request_body = ReportStep,
    description = "Submit a draft or returned report for review: → in_review.",
    responses((status = 200, body = FaultReport), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
async fn submit_review(
    State(s): State<AppState>,
    Auth(a): Auth,
    Id(id): Id,
    ApiJsonOrEmpty(b): ApiJsonOrEmpty<ReportStep>,
) -> Result<Json<FaultReport>, ApiError> {
    step(&s, &a, id, ReportAction::SubmitReview, b).await
}

#[utoipa::path(post, path = "/api/v1/requests/{id}/fault-report/approve", tag = "requests", params(("id" = i64, Path)), request_body = ReportStep,
    description = "Approve a report in review (project leaders and administrators, not the report's author): → approved.",
    responses((status = 200, body = FaultReport), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
async fn approve(
    State(s): State<AppState>,
    Auth(a): Auth,
    Id(id): Id,
    ApiJsonOrEmpty(b): ApiJsonOrEmpty<ReportStep>,
) -> Result<Json<FaultReport>, ApiError> {
    step(&s, &a, id, ReportAction::Approve, b).await
}

#[utoipa::path(post, path = "/api/v1/requests/{id}/fault-report/return", tag = "requests", params(("id" = i64, Path)), request_body = ReportStep,
    description = "Send a report in review back to its author with a `comment` (required): → returned.",
    responses((status = 200, body = FaultReport), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn return_report(
    State(s): State<AppState>,
    Auth(a): Auth,
    Id(id): Id,
    ApiJsonOrEmpty(b): ApiJsonOrEmpty<ReportStep>,
) -> Result<Json<FaultReport>, ApiError> {
    step(&s, &a, id, ReportAction::Return, b).await
}

#[utoipa::path(post, path = "/api/v1/requests/{id}/fault-report/deliver", tag = "requests", params(("id" = i64, Path)), request_body = ReportStep,
    description = "Submit an approved report to the customer (project leaders and administrators): → delivered. This is the `report_submitted` event that stops the fault report clock — met if in time, breached if late. The request must be resolved or closed.",
    responses((status = 200, body = FaultReport), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
async fn deliver(
    State(s): State<AppState>,
    Auth(a): Auth,
    Id(id): Id,
    ApiJsonOrEmpty(b): ApiJsonOrEmpty<ReportStep>,
) -> Result<Json<FaultReport>, ApiError> {
    step(&s, &a, id, ReportAction::Deliver, b).await
}
