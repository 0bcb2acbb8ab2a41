//! The SLA engine's API: `/api/v1/sla-policies`, `/api/v1/calendars` (with
//! iCalendar import and export), `/api/v1/requests/{id}/clocks` and
//! `/api/v1/me/notifications`.

use crate::AppState;
use crate::error::{ApiError, ErrorBody, ErrorCode};
use crate::extract::{ApiJson, ApiQuery, Auth, Id};
use crate::requests::parse_time;
use axum::Json;
use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use fuwu_app::calendars::{
    CalendarInput, CalendarView, CalendarYear, ProvisionalNotice, YearInput,
};
use fuwu_app::sla::{PolicyInput, RequestClocks, ScanProblem};
use fuwu_store::directory::SlaPolicy;
use fuwu_store::sla::Notification;
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub(crate) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_policies, create_policy))
        .routes(routes!(get_policy, update_policy))
        .routes(routes!(list_calendars, create_calendar))
        .routes(routes!(get_calendar, update_calendar, delete_calendar))
        .routes(routes!(export_calendar, import_calendar))
        .routes(routes!(get_calendar_year, set_calendar_year))
        .routes(routes!(sla_notices))
        .routes(routes!(request_clocks))
        .routes(routes!(my_notifications))
        .routes(routes!(attainment))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
struct AttainmentParams {
    /// RFC 3339: requests raised from then on (default: 30 days ago).
    from: Option<String>,
    /// RFC 3339: requests raised before then (default: now).
    to: Option<String>,
    organization_id: Option<i64>,
    level: Option<i64>,
}

#[utoipa::path(get, path = "/api/v1/sla/attainment", tag = "sla", params(AttainmentParams),
    description = "Per target, for the requests raised in the period: met, breached, median and 90th percentile of the time used, in working and in natural time. Service-desk staff and administrators; a customer admin for its own organization (another organization is 404).",
    responses((status = 200, body = Vec<fuwu_app::sla::Attainment>), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn attainment(
    State(s): State<AppState>,
    Auth(a): Auth,
    ApiQuery(p): ApiQuery<AttainmentParams>,
) -> Result<Json<Vec<fuwu_app::sla::Attainment>>, ApiError> {
    let now = s.app.now();
    let from = p
        .from
        .as_deref()
        .map(|t| parse_time("from", t))
        .transpose()?
        .unwrap_or(now - 30 * 86_400_000);
    let to =
        p.to.as_deref()
            .map(|t| parse_time("to", t))
            .transpose()?
            .unwrap_or(now + 1);
    Ok(Json(
        s.app
            .attainment(&a, from, to, p.organization_id, p.level)
            .await?,
    ))
}

#[utoipa::path(get, path = "/api/v1/sla-policies", tag = "sla",
    description = "Every SLA policy with its definition (targets, pauses, thresholds, escalation, notices). The templates `levels-0-5`, `three-grades`, `vendor-vip` and `general` are seeded at first start; `levels-0-5` is the default for requests whose contract names no policy.",
    responses((status = 200, body = Vec<SlaPolicy>), (status = 403, body = ErrorBody)))]
async fn list_policies(
    State(s): State<AppState>,
    Auth(a): Auth,
) -> Result<Json<Vec<SlaPolicy>>, ApiError> {
    Ok(Json(s.app.list_sla_policies(&a).await?))
}

#[utoipa::path(post, path = "/api/v1/sla-policies", tag = "sla", request_body = PolicyInput,
    description = "Create a policy (administrators). The definition is validated: keys, levels, thresholds, escalation, calendars that exist.",
    responses((status = 201, body = SlaPolicy), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn create_policy(
    State(s): State<AppState>,
    Auth(a): Auth,
    ApiJson(p): ApiJson<PolicyInput>,
) -> Result<(StatusCode, Json<SlaPolicy>), ApiError> {
    Ok((
        StatusCode::CREATED,
        Json(s.app.create_sla_policy(&a, p).await?),
    ))
}

#[utoipa::path(get, path = "/api/v1/sla-policies/{id}", tag = "sla", params(("id" = i64, Path)),
    responses((status = 200, body = SlaPolicy), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn get_policy(
    State(s): State<AppState>,
    Auth(a): Auth,
    Id(id): Id,
) -> Result<Json<SlaPolicy>, ApiError> {
    Ok(Json(s.app.get_sla_policy(&a, id).await?))
}

#[utoipa::path(patch, path = "/api/v1/sla-policies/{id}", tag = "sla", params(("id" = i64, Path)), request_body = PolicyInput,
    description = "Replace a policy's definition (administrators) with the `version` you read.",
    responses((status = 200, body = SlaPolicy), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn update_policy(
    State(s): State<AppState>,
    Auth(a): Auth,
    Id(id): Id,
    ApiJson(p): ApiJson<PolicyInput>,
) -> Result<Json<SlaPolicy>, ApiError> {
    Ok(Json(s.app.update_sla_policy(&a, id, p).await?))
}

#[utoipa::path(get, path = "/api/v1/calendars", tag = "sla",
    description = "The built-in calendars `24x7` and `cn-mainland` (with the years administrators added) and the administrators' own.",
    responses((status = 200, body = Vec<CalendarView>), (status = 403, body = ErrorBody)))]
async fn list_calendars(
    State(s): State<AppState>,
    Auth(a): Auth,
) -> Result<Json<Vec<CalendarView>>, ApiError> {
    Ok(Json(s.app.list_calendars(&a).await?))
}

#[utoipa::path(post, path = "/api/v1/calendars", tag = "sla", request_body = CalendarInput,
    responses((status = 201, body = CalendarView), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn create_calendar(
    State(s): State<AppState>,
    Auth(a): Auth,
    ApiJson(p): ApiJson<CalendarInput>,
) -> Result<(StatusCode, Json<CalendarView>), ApiError> {
    Ok((
        StatusCode::CREATED,
        Json(s.app.create_calendar(&a, p).await?),
    ))
}

#[utoipa::path(get, path = "/api/v1/calendars/{name}", tag = "sla", params(("name" = String, Path)),
    responses((status = 200, body = CalendarView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn get_calendar(
    State(s): State<AppState>,
    Auth(a): Auth,
    Path(name): Path<String>,
) -> Result<Json<CalendarView>, ApiError> {
    Ok(Json(s.app.get_calendar(&a, &name).await?))
}

#[utoipa::path(put, path = "/api/v1/calendars/{name}", tag = "sla", params(("name" = String, Path)), request_body = CalendarInput,
    description = "Replace a calendar with the `version` you read. On the built-in `cn-mainland` (version 0 until first changed) only the years may change: each year in `data_years` whose days differ from the shipped ones is stored as the administrators' year; a change of name, time zone, windows or provisional rule is 422. `24x7` answers 403. Open requests' clocks are recomputed at once.",
    responses((status = 200, body = CalendarView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn update_calendar(
    State(s): State<AppState>,
    Auth(a): Auth,
    Path(name): Path<String>,
    ApiJson(p): ApiJson<CalendarInput>,
) -> Result<Json<CalendarView>, ApiError> {
    Ok(Json(s.app.update_calendar(&a, &name, p).await?))
}

#[utoipa::path(delete, path = "/api/v1/calendars/{name}", tag = "sla", params(("name" = String, Path)),
    description = "Delete a calendar no policy uses (409 otherwise).",
    responses((status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
async fn delete_calendar(
    State(s): State<AppState>,
    Auth(a): Auth,
    Path(name): Path<String>,
) -> Result<StatusCode, ApiError> {
    s.app.delete_calendar(&a, &name).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(get, path = "/api/v1/calendars/{name}/ical", tag = "sla", params(("name" = String, Path)),
    responses((status = 200, description = "The calendar as iCalendar", content_type = "text/calendar"), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn export_calendar(
    State(s): State<AppState>,
    Auth(a): Auth,
    Path(name): Path<String>,
) -> Result<Response, ApiError> {
    let text = s.app.export_calendar(&a, &name).await?;
    let mut resp = text.into_response();
    resp.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/calendar; charset=utf-8"),
    );
    Ok(resp)
}

#[utoipa::path(post, path = "/api/v1/calendars/{name}/ical", tag = "sla", params(("name" = String, Path)),
    request_body(content = String, content_type = "text/calendar", description = "An iCalendar file: a whole calendar as exported, or holidays and adjusted working days to lay over an existing one (also `cn-mainland`). On a calendar with data years, each year the file covers (its `X-FUWU-DATA-YEARS`, else the years of its events) replaces that year's days and becomes official."),
    responses((status = 200, body = CalendarView), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn import_calendar(
    State(s): State<AppState>,
    Auth(a): Auth,
    Path(name): Path<String>,
    body: Body,
) -> Result<Json<CalendarView>, ApiError> {
    let bytes = axum::body::to_bytes(body, 4 * 1024 * 1024)
        .await
        .map_err(|_| {
            ApiError::new(
                ErrorCode::PayloadTooLarge,
                "an iCalendar file of at most 4 MB",
            )
        })?;
    let text = String::from_utf8(bytes.to_vec())
        .map_err(|_| ApiError::from(fuwu_app::AppError::invalid("icalendar", "not UTF-8 text")))?;
    Ok(Json(s.app.import_calendar(&a, &name, &text).await?))
}

fn year_of(text: &str) -> Result<i16, ApiError> {
    text.parse::<i16>().map_err(|_| {
        ApiError::new(
            ErrorCode::BadRequest,
            "the year must be a number such as 2027",
        )
    })
}

#[utoipa::path(get, path = "/api/v1/calendars/{name}/years/{year}", tag = "sla",
    params(("name" = String, Path), ("year" = i16, Path)),
    description = "A year of a calendar: its holidays and adjusted working days, and whether the year is provisional (no official data yet: the days follow the calendar's provisional rule).",
    responses((status = 200, body = CalendarYear), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn get_calendar_year(
    State(s): State<AppState>,
    Auth(a): Auth,
    Path((name, year)): Path<(String, String)>,
) -> Result<Json<CalendarYear>, ApiError> {
    Ok(Json(s.app.calendar_year(&a, &name, year_of(&year)?).await?))
}

#[utoipa::path(put, path = "/api/v1/calendars/{name}/years/{year}", tag = "sla",
    params(("name" = String, Path), ("year" = i16, Path)), request_body = YearInput,
    description = "Enter a year's holidays and adjusted working days (administrators), with the calendar's `version`: they replace the year's days and the year becomes official. Works on `cn-mainland`. Open requests' clocks are recomputed at once; the change is audited and kept as a calendar version.",
    responses((status = 200, body = CalendarYear), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn set_calendar_year(
    State(s): State<AppState>,
    Auth(a): Auth,
    Path((name, year)): Path<(String, String)>,
    ApiJson(p): ApiJson<YearInput>,
) -> Result<Json<CalendarYear>, ApiError> {
    Ok(Json(
        s.app
            .set_calendar_year(&a, &name, year_of(&year)?, p)
            .await?,
    ))
}

/// What needs an administrator's or the desk's attention in the SLA engine.
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
struct SlaNotices {
    /// From 1 November (administrators): calendars whose next year is still provisional.
    provisional_years: Vec<ProvisionalNotice>,
    /// Clocks the last SLA scan could not handle (on this node).
    scan_problems: Vec<ScanProblem>,
}

#[utoipa::path(get, path = "/api/v1/sla/notices", tag = "sla",
    description = "Calendars whose next year has no official data yet (administrators, from 1 November) and the clocks the last SLA scan could not handle (staff).",
    responses((status = 200, body = SlaNotices), (status = 403, body = ErrorBody)))]
async fn sla_notices(
    State(s): State<AppState>,
    Auth(a): Auth,
) -> Result<Json<SlaNotices>, ApiError> {
    a.require(fuwu_app::access::Capability::ReadStaffDirectory)?;
    Ok(Json(SlaNotices {
        provisional_years: s.app.provisional_notices(&a).await?,
        scan_problems: s.app.scan_problems(),
    }))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
struct AtParams {
    /// RFC 3339: the clocks as they stood then (time travel for audits).
    at: Option<String>,
}

#[utoipa::path(get, path = "/api/v1/requests/{id}/clocks", tag = "sla", params(("id" = i64, Path), AtParams),
    description = "The request's SLA clocks, replayed from its history: deadline, elapsed, remaining and paused working time, percentage used and state (running, paused, met, breached; superseded for a level or category change; voided for a fault report clock whose resolution a reopen undid). A reopen resumes the clocks that stopped on the resolution; `earlier_stops` lists the undone stops. With `at`, as of that instant.",
    responses((status = 200, body = RequestClocks), (status = 404, body = ErrorBody), (status = 400, body = ErrorBody)))]
async fn request_clocks(
    State(s): State<AppState>,
    Auth(a): Auth,
    Id(id): Id,
    ApiQuery(p): ApiQuery<AtParams>,
) -> Result<Json<RequestClocks>, ApiError> {
    let at = p.at.as_deref().map(|t| parse_time("at", t)).transpose()?;
    Ok(Json(s.app.request_clocks(&a, id, at).await?))
}

#[utoipa::path(get, path = "/api/v1/me/notifications", tag = "sla",
    description = "Your in-app inbox: SLA warnings, breaches and severe faults, newest first.",
    responses((status = 200, body = Vec<Notification>), (status = 401, body = ErrorBody)))]
async fn my_notifications(
    State(s): State<AppState>,
    Auth(a): Auth,
) -> Result<Json<Vec<Notification>>, ApiError> {
    Ok(Json(s.app.my_notifications(&a).await?))
}
