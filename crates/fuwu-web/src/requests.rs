//! `/api/v1/requests`: intake, reading, listing, editing, one endpoint per
//! lifecycle action, messages, attachments, work log and on-site visits.

use crate::AppState;
use crate::error::{ApiError, ErrorBody, ErrorCode};
use crate::extract::{ApiJson, ApiJsonOrEmpty, ApiQuery, Auth, Id, Ids};
use axum::Json;
use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use fuwu_app::Page;
use fuwu_app::requests::{
    ActionExtras, ListQuery, NewRequest, RequestDetail, RequestPatch, VisitUpdate,
};
use fuwu_core::lifecycle::{Action, Feedback, Rating};
use fuwu_core::{CloseBasis, NonEmpty, ResponseMode, Stage, Tier, Visibility, WaitingFor};
use fuwu_store::requests::{Attachment, Message, Request, RequestFilter, SortKey, Visit, WorkLog};
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub(crate) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_requests, create_request))
        .routes(routes!(import_request))
        .routes(routes!(get_request, update_request))
        .routes(routes!(get_timeline))
        .routes(routes!(acknowledge))
        .routes(routes!(dispatch))
        .routes(routes!(respond))
        .routes(routes!(set_stage))
        .routes(routes!(escalate))
        .routes(routes!(wait))
        .routes(routes!(resume))
        .routes(routes!(resolve))
        .routes(routes!(feedback))
        .routes(routes!(close))
        .routes(routes!(cancel))
        .routes(routes!(add_message))
        .routes(routes!(upload_attachment))
        .routes(routes!(download_attachment))
        .routes(routes!(add_work_log))
        .routes(routes!(request_visit))
        .routes(routes!(update_visit))
}

pub(crate) fn parse_time(field: &'static str, raw: &str) -> Result<i64, ApiError> {
    raw.parse::<jiff::Timestamp>()
        .map(jiff::Timestamp::as_millisecond)
        .map_err(|e| {
            ApiError::field(
                ErrorCode::BadRequest,
                field,
                format!("{field}: `{raw}` is not an RFC 3339 instant ({e})"),
            )
        })
}

pub(crate) fn opt_time(field: &'static str, raw: &Option<String>) -> Result<Option<i64>, ApiError> {
    raw.as_deref().map(|r| parse_time(field, r)).transpose()
}

pub(crate) fn split<T: std::str::FromStr>(
    field: &'static str,
    raw: &Option<String>,
) -> Result<Vec<T>, ApiError>
where
    T::Err: std::fmt::Display,
{
    let Some(raw) = raw else {
        return Ok(Vec::new());
    };
    raw.split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|s| {
            s.parse::<T>()
                .map_err(|e| ApiError::field(ErrorCode::BadRequest, field, format!("{field}: {e}")))
        })
        .collect()
}

fn text(field: &'static str, raw: &str) -> Result<NonEmpty, ApiError> {
    NonEmpty::parse(raw)
        .map_err(|e| ApiError::field(ErrorCode::ValidationFailed, field, format!("{field}: {e}")))
}

/// Filters, sorting and paging of the request list.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct ListParams {
    /// Comma-separated states, e.g. `new,acknowledged`.
    status: Option<String>,
    /// Comma-separated fault levels 0–5, e.g. `3,4,5`.
    level: Option<String>,
    /// Comma-separated categories.
    category: Option<String>,
    organization_id: Option<i64>,
    assignee_id: Option<i64>,
    /// `true`: only requests nobody is assigned to.
    unassigned: Option<bool>,
    team_id: Option<i64>,
    system_id: Option<i64>,
    /// RFC 3339; created at or after.
    created_from: Option<String>,
    /// RFC 3339; created before.
    created_to: Option<String>,
    updated_from: Option<String>,
    updated_to: Option<String>,
    /// `created_at`, `updated_at`, `level` or `id`; prefix `-` for descending. Default `-created_at`.
    sort: Option<String>,
    /// `next_cursor` of the previous page.
    cursor: Option<String>,
    /// Page size 1–200, default 50.
    limit: Option<i64>,
}

#[utoipa::path(get, path = "/api/v1/requests", tag = "requests", params(ListParams),
    responses((status = 200, body = Page<Request>), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody)))]
async fn list_requests(
    State(s): State<AppState>,
    Auth(actor): Auth,
    ApiQuery(p): ApiQuery<ListParams>,
) -> Result<Json<Page<Request>>, ApiError> {
    let levels: Vec<i64> = split("level", &p.level)?;
    if levels.iter().any(|l| !(0..=5).contains(l)) {
        return Err(ApiError::field(
            ErrorCode::BadRequest,
            "level",
            "levels are 0–5",
        ));
    }
    let statuses: Vec<fuwu_core::Status> = split("status", &p.status)?;
    let categories: Vec<fuwu_core::Category> = split("category", &p.category)?;
    let filter = RequestFilter {
        statuses: statuses.iter().map(|s| s.as_str().to_owned()).collect(),
        levels,
        categories: categories.iter().map(|c| c.as_str().to_owned()).collect(),
        organization_id: p.organization_id,
        assignee_id: p.assignee_id,
        unassigned: p.unassigned.unwrap_or(false),
        team_id: p.team_id,
        system_id: p.system_id,
        created_from: opt_time("created_from", &p.created_from)?,
        created_to: opt_time("created_to", &p.created_to)?,
        updated_from: opt_time("updated_from", &p.updated_from)?,
        updated_to: opt_time("updated_to", &p.updated_to)?,
        contract_leader_id: None,
    };
    let sort_raw = p.sort.as_deref().unwrap_or("-created_at");
    let (descending, key) = match sort_raw.strip_prefix('-') {
        Some(k) => (true, k),
        None => (false, sort_raw),
    };
    let sort = match key {
        "created_at" => SortKey::CreatedAt,
        "updated_at" => SortKey::UpdatedAt,
        "level" => SortKey::Level,
        "id" => SortKey::Id,
        other => {
            return Err(ApiError::field(
                ErrorCode::BadRequest,
                "sort",
                format!("cannot sort by `{other}`; use created_at, updated_at, level or id"),
            ));
        }
    };
    let page = s
        .app
        .list_requests(
            &actor,
            ListQuery {
                filter,
                sort,
                descending,
                cursor: p.cursor,
                limit: p.limit,
            },
        )
        .await?;
    Ok(Json(page))
}

#[utoipa::path(post, path = "/api/v1/requests", tag = "requests", request_body = NewRequest,
    params(("Idempotency-Key" = Option<String>, Header, description = "Retrying with the same key returns the request created the first time")),
    responses((status = 201, body = Request, description = "Created"), (status = 200, body = Request, description = "A retry: the request created earlier with this Idempotency-Key"),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn create_request(
    State(s): State<AppState>,
    Auth(actor): Auth,
    headers: HeaderMap,
    ApiJson(input): ApiJson<NewRequest>,
) -> Result<Response, ApiError> {
    let key = match headers.get("idempotency-key") {
        Some(v) => Some(
            v.to_str()
                .map_err(|_| {
                    ApiError::field(
                        ErrorCode::BadRequest,
                        "Idempotency-Key",
                        "must be visible ASCII",
                    )
                })?
                .to_owned(),
        ),
        None => None,
    };
    let (r, created) = s.app.create_request(&actor, input, key).await?;
    let status = if created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    let mut resp = (status, Json(&r)).into_response();
    if let Ok(v) = HeaderValue::from_str(&format!("/api/v1/requests/{}", r.id)) {
        resp.headers_mut().insert(header::LOCATION, v);
    }
    Ok(resp)
}

#[utoipa::path(post, path = "/api/v1/requests/import", tag = "requests", request_body = fuwu_app::import::ImportRequest,
    description = "Import a request from another service desk with its whole history and original timestamps (administrators; a write-scoped token suffices). Each event is checked in order through the lifecycle state machine (a refusal is 422 with `field` = `events[i]`, and nothing is written); the request then gets exactly the history, states and clocks it would have had if it had lived here. Warnings and breaches that fell due before the import are recorded as handled without notifying anyone. Idempotent by `external_ref`: the same reference with the same body answers 200 with the request imported the first time; with another body, 409.",
    responses((status = 201, body = Request, description = "Imported"), (status = 200, body = Request, description = "Imported before with the same body"),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn import_request(
    State(s): State<AppState>,
    Auth(actor): Auth,
    ApiJson(input): ApiJson<fuwu_app::import::ImportRequest>,
) -> Result<Response, ApiError> {
    let (r, created) = s.app.import_request(&actor, input).await?;
    let status = if created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    let mut resp = (status, Json(&r)).into_response();
    if let Ok(v) = HeaderValue::from_str(&format!("/api/v1/requests/{}", r.id)) {
        resp.headers_mut().insert(header::LOCATION, v);
    }
    Ok(resp)
}

#[utoipa::path(get, path = "/api/v1/requests/{id}", tag = "requests", params(("id" = i64, Path)),
    description = "The request itself with its `entitlement`: the contract it runs under (with the end of the free service period), whether it is billable (decided at intake), and the SLA policy of its clocks. Its messages, history, attachments, work log and visits are at `/timeline`.",
    responses((status = 200, body = fuwu_app::entitlement::RequestView), (status = 404, body = ErrorBody)))]
async fn get_request(
    State(s): State<AppState>,
    Auth(actor): Auth,
    Id(id): Id,
) -> Result<Json<fuwu_app::entitlement::RequestView>, ApiError> {
    Ok(Json(s.app.request_view(&actor, id).await?))
}

#[utoipa::path(get, path = "/api/v1/requests/{id}/timeline", tag = "requests", params(("id" = i64, Path)),
    description = "The request with its whole time line as the caller may see it, and the lifecycle actions the caller may take now.",
    responses((status = 200, body = RequestDetail), (status = 404, body = ErrorBody)))]
async fn get_timeline(
    State(s): State<AppState>,
    Auth(actor): Auth,
    Id(id): Id,
) -> Result<Json<RequestDetail>, ApiError> {
    Ok(Json(s.app.request_detail(&actor, id).await?))
}

#[utoipa::path(patch, path = "/api/v1/requests/{id}", tag = "requests", params(("id" = i64, Path)), request_body = RequestPatch,
    responses((status = 200, body = Request), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn update_request(
    State(s): State<AppState>,
    Auth(actor): Auth,
    Id(id): Id,
    ApiJson(p): ApiJson<RequestPatch>,
) -> Result<Json<Request>, ApiError> {
    Ok(Json(s.app.update_request(&actor, id, p).await?))
}

async fn run(
    s: &AppState,
    actor: &fuwu_app::Actor,
    id: i64,
    version: Option<i64>,
    action: Action,
    extras: ActionExtras,
) -> Result<Json<Request>, ApiError> {
    Ok(Json(s.app.act(actor, id, version, action, extras).await?))
}

/// Only the version you read, if you want the action refused when the request changed meanwhile.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct VersionOnly {
    version: Option<i64>,
}

#[utoipa::path(post, path = "/api/v1/requests/{id}/acknowledge", tag = "requests", params(("id" = i64, Path)), request_body = Option<VersionOnly>,
    description = "An agent answers the request (应答): new → acknowledged.",
    responses((status = 200, body = Request), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
async fn acknowledge(
    State(s): State<AppState>,
    Auth(actor): Auth,
    Id(id): Id,
    ApiJsonOrEmpty(v): ApiJsonOrEmpty<VersionOnly>,
) -> Result<Json<Request>, ApiError> {
    run(
        &s,
        &actor,
        id,
        v.version,
        Action::Acknowledge,
        ActionExtras::default(),
    )
    .await
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct DispatchBody {
    version: Option<i64>,
    /// l1, l2 or third_party.
    #[schema(value_type = String, example = "l2")]
    tier: Tier,
    assignee_id: Option<i64>,
    team_id: Option<i64>,
}

#[utoipa::path(post, path = "/api/v1/requests/{id}/dispatch", tag = "requests", params(("id" = i64, Path)), request_body = DispatchBody,
    description = "Hand the request to a handler (分派): a person, a team or both.",
    responses((status = 200, body = Request), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn dispatch(
    State(s): State<AppState>,
    Auth(actor): Auth,
    Id(id): Id,
    ApiJson(b): ApiJson<DispatchBody>,
) -> Result<Json<Request>, ApiError> {
    run(
        &s,
        &actor,
        id,
        b.version,
        Action::Dispatch {
            tier: b.tier,
            assignee: b.assignee_id,
            team: b.team_id,
        },
        ActionExtras::default(),
    )
    .await
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct RespondBody {
    version: Option<i64>,
    /// remote, phone or onsite.
    #[schema(value_type = String, example = "remote")]
    mode: ResponseMode,
    /// The solution plan the handler is ready to carry out.
    plan: String,
}

#[utoipa::path(post, path = "/api/v1/requests/{id}/respond", tag = "requests", params(("id" = i64, Path)), request_body = RespondBody,
    description = "Record the response (响应): mode and plan chosen, ready to start. Stops the response clock.",
    responses((status = 200, body = Request), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn respond(
    State(s): State<AppState>,
    Auth(actor): Auth,
    Id(id): Id,
    ApiJson(b): ApiJson<RespondBody>,
) -> Result<Json<Request>, ApiError> {
    let plan = text("plan", &b.plan)?;
    run(
        &s,
        &actor,
        id,
        b.version,
        Action::Respond { mode: b.mode, plan },
        ActionExtras::default(),
    )
    .await
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct StageBody {
    version: Option<i64>,
    /// collecting, analysing, planning or implementing.
    #[schema(value_type = String, example = "analysing")]
    stage: Stage,
}

#[utoipa::path(post, path = "/api/v1/requests/{id}/stage", tag = "requests", params(("id" = i64, Path)), request_body = StageBody,
    description = "Move an in-progress request through collecting → analysing → planning → implementing.",
    responses((status = 200, body = Request), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
async fn set_stage(
    State(s): State<AppState>,
    Auth(actor): Auth,
    Id(id): Id,
    ApiJson(b): ApiJson<StageBody>,
) -> Result<Json<Request>, ApiError> {
    run(
        &s,
        &actor,
        id,
        b.version,
        Action::SetStage { stage: b.stage },
        ActionExtras::default(),
    )
    .await
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct EscalateBody {
    version: Option<i64>,
    /// l2 or third_party (escalation goes up).
    #[schema(value_type = String, example = "l2")]
    to: Tier,
    reason: String,
    assignee_id: Option<i64>,
    team_id: Option<i64>,
    /// The third party's own case number.
    third_party_ref: Option<String>,
}

#[utoipa::path(post, path = "/api/v1/requests/{id}/escalate", tag = "requests", params(("id" = i64, Path)), request_body = EscalateBody,
    description = "Escalate to second line or to a third party.",
    responses((status = 200, body = Request), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn escalate(
    State(s): State<AppState>,
    Auth(actor): Auth,
    Id(id): Id,
    ApiJson(b): ApiJson<EscalateBody>,
) -> Result<Json<Request>, ApiError> {
    let reason = text("reason", &b.reason)?;
    let extras = ActionExtras {
        assignee_id: b.assignee_id,
        team_id: b.team_id,
        third_party_ref: b.third_party_ref.filter(|t| !t.trim().is_empty()),
        ..Default::default()
    };
    run(
        &s,
        &actor,
        id,
        b.version,
        Action::Escalate { to: b.to, reason },
        extras,
    )
    .await
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct WaitBody {
    version: Option<i64>,
    /// customer or third_party.
    #[schema(value_type = String, example = "customer")]
    waiting_for: WaitingFor,
    reason: String,
}

#[utoipa::path(post, path = "/api/v1/requests/{id}/wait", tag = "requests", params(("id" = i64, Path)), request_body = WaitBody,
    description = "Wait for the customer or a third party: in_progress → pending.",
    responses((status = 200, body = Request), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn wait(
    State(s): State<AppState>,
    Auth(actor): Auth,
    Id(id): Id,
    ApiJson(b): ApiJson<WaitBody>,
) -> Result<Json<Request>, ApiError> {
    let reason = text("reason", &b.reason)?;
    run(
        &s,
        &actor,
        id,
        b.version,
        Action::Wait {
            waiting_for: b.waiting_for,
            reason,
        },
        ActionExtras::default(),
    )
    .await
}

#[utoipa::path(post, path = "/api/v1/requests/{id}/resume", tag = "requests", params(("id" = i64, Path)), request_body = Option<VersionOnly>,
    description = "Waiting is over: pending → in_progress.",
    responses((status = 200, body = Request), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
async fn resume(
    State(s): State<AppState>,
    Auth(actor): Auth,
    Id(id): Id,
    ApiJsonOrEmpty(v): ApiJsonOrEmpty<VersionOnly>,
) -> Result<Json<Request>, ApiError> {
    run(
        &s,
        &actor,
        id,
        v.version,
        Action::Resume,
        ActionExtras::default(),
    )
    .await
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct ResolveBody {
    version: Option<i64>,
    /// What was done; the customer sees it.
    resolution: String,
}

#[utoipa::path(post, path = "/api/v1/requests/{id}/resolve", tag = "requests", params(("id" = i64, Path)), request_body = ResolveBody,
    description = "The fault is fixed or the question answered.",
    responses((status = 200, body = Request), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn resolve(
    State(s): State<AppState>,
    Auth(actor): Auth,
    Id(id): Id,
    ApiJson(b): ApiJson<ResolveBody>,
) -> Result<Json<Request>, ApiError> {
    let resolution = text("resolution", &b.resolution)?;
    run(
        &s,
        &actor,
        id,
        b.version,
        Action::Resolve { resolution },
        ActionExtras::default(),
    )
    .await
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct FeedbackBody {
    version: Option<i64>,
    /// `true`: solved (the request may be closed); `false`: not solved (it reopens).
    solved: bool,
    /// Satisfaction 1–5.
    #[schema(minimum = 1, maximum = 5)]
    rating: Option<i64>,
    comment: Option<String>,
}

#[utoipa::path(post, path = "/api/v1/requests/{id}/feedback", tag = "requests", params(("id" = i64, Path)), request_body = FeedbackBody,
    description = "The customer's feedback on a resolution (用户反馈); an agent may record it during the revisit.",
    responses((status = 200, body = Request), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn feedback(
    State(s): State<AppState>,
    Auth(actor): Auth,
    Id(id): Id,
    ApiJson(b): ApiJson<FeedbackBody>,
) -> Result<Json<Request>, ApiError> {
    let rating = b
        .rating
        .map(Rating::new)
        .transpose()
        .map_err(|e| ApiError::field(ErrorCode::ValidationFailed, "rating", e.to_string()))?;
    let comment = b
        .comment
        .map(|c| c.trim().to_owned())
        .filter(|c| !c.is_empty());
    run(
        &s,
        &actor,
        id,
        b.version,
        Action::Feedback(Feedback {
            solved: b.solved,
            rating,
            comment,
        }),
        ActionExtras::default(),
    )
    .await
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct CloseBody {
    version: Option<i64>,
    /// `confirmed` (the customer confirmed it solved) or `auto_close` (no answer within the policy's period).
    #[schema(value_type = String, example = "confirmed")]
    basis: CloseBasis,
    /// With `confirmed`: the customer's satisfaction, 1–5 (or `declined_to_rate`).
    #[schema(minimum = 1, maximum = 5, example = 5)]
    rating: Option<i64>,
    /// With `confirmed`: the customer declined to rate (instead of `rating`).
    #[serde(default)]
    declined_to_rate: bool,
}

#[utoipa::path(post, path = "/api/v1/requests/{id}/close", tag = "requests", params(("id" = i64, Path)), request_body = CloseBody,
    description = "Close a resolved request (关闭请求).",
    responses((status = 200, body = Request), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn close(
    State(s): State<AppState>,
    Auth(actor): Auth,
    Id(id): Id,
    ApiJson(b): ApiJson<CloseBody>,
) -> Result<Json<Request>, ApiError> {
    run(
        &s,
        &actor,
        id,
        b.version,
        Action::Close { basis: b.basis },
        ActionExtras {
            closing: Some(fuwu_app::requests::ClosingFeedback {
                rating: b.rating,
                declined_to_rate: b.declined_to_rate,
            }),
            ..Default::default()
        },
    )
    .await
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct CancelBody {
    version: Option<i64>,
    /// Why: a duplicate of another request, withdrawn by the customer, …
    reason: String,
}

#[utoipa::path(post, path = "/api/v1/requests/{id}/cancel", tag = "requests", params(("id" = i64, Path)), request_body = CancelBody,
    description = "Cancel a duplicate or withdrawn request.",
    responses((status = 200, body = Request), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn cancel(
    State(s): State<AppState>,
    Auth(actor): Auth,
    Id(id): Id,
    ApiJson(b): ApiJson<CancelBody>,
) -> Result<Json<Request>, ApiError> {
    let reason = text("reason", &b.reason)?;
    run(
        &s,
        &actor,
        id,
        b.version,
        Action::Cancel { reason },
        ActionExtras::default(),
    )
    .await
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct MessageBody {
    /// `public` (a reply the customer sees, the default) or `internal` (a note for staff).
    #[schema(value_type = Option<String>, example = "public")]
    visibility: Option<Visibility>,
    body: String,
}

#[utoipa::path(post, path = "/api/v1/requests/{id}/messages", tag = "requests", params(("id" = i64, Path)), request_body = MessageBody,
    responses((status = 201, body = Message), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn add_message(
    State(s): State<AppState>,
    Auth(actor): Auth,
    Id(id): Id,
    ApiJson(b): ApiJson<MessageBody>,
) -> Result<(StatusCode, Json<Message>), ApiError> {
    let m = s
        .app
        .add_message(
            &actor,
            id,
            b.visibility.unwrap_or(Visibility::Public),
            &b.body,
        )
        .await?;
    Ok((StatusCode::CREATED, Json(m)))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct UploadParams {
    /// The file's name, e.g. `error.log`.
    filename: String,
}

#[utoipa::path(post, path = "/api/v1/requests/{id}/attachments", tag = "requests", params(("id" = i64, Path), UploadParams),
    request_body(content = Vec<u8>, content_type = "application/octet-stream", description = "The file's bytes; its type is detected from the content"),
    responses((status = 201, body = Attachment), (status = 404, body = ErrorBody), (status = 413, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn upload_attachment(
    State(s): State<AppState>,
    Auth(actor): Auth,
    Id(id): Id,
    ApiQuery(q): ApiQuery<UploadParams>,
    body: Body,
) -> Result<(StatusCode, Json<Attachment>), ApiError> {
    let limit = s.app.settings.max_attachment_bytes;
    let bytes = axum::body::to_bytes(body, limit + 1).await.map_err(|_| {
        ApiError::new(
            ErrorCode::PayloadTooLarge,
            format!("the upload is larger than the limit of {limit} bytes"),
        )
    })?;
    let a = s
        .app
        .add_attachment(&actor, id, &q.filename, bytes.to_vec())
        .await?;
    Ok((StatusCode::CREATED, Json(a)))
}

#[utoipa::path(get, path = "/api/v1/requests/{id}/attachments/{attachment_id}", tag = "requests",
    params(("id" = i64, Path), ("attachment_id" = i64, Path)),
    responses((status = 200, description = "The file, as a download", content_type = "application/octet-stream"), (status = 404, body = ErrorBody)))]
async fn download_attachment(
    State(s): State<AppState>,
    Auth(actor): Auth,
    Ids(id, aid): Ids,
) -> Result<Response, ApiError> {
    let (a, data) = s.app.get_attachment(&actor, id, aid).await?;
    let disposition = format!(
        "attachment; filename*=UTF-8''{}",
        percent_encode(&a.filename)
    );
    let mut resp = data.into_response();
    let h = resp.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_str(&a.content_type)
            .unwrap_or(HeaderValue::from_static("application/octet-stream")),
    );
    h.insert(
        header::CONTENT_DISPOSITION,
        HeaderValue::from_str(&disposition).unwrap_or(HeaderValue::from_static("attachment")),
    );
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static("default-src 'none'; sandbox"),
    );
    Ok(resp)
}

/// RFC 5987's `attr-char` minus its few extra punctuation marks: only the
/// unreserved characters stay as they are in `filename*=UTF-8''…`.
const FILENAME: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

fn percent_encode(s: &str) -> String {
    percent_encoding::utf8_percent_encode(s, FILENAME).to_string()
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct WorkLogBody {
    /// 1–1440 minutes.
    minutes: i64,
    /// Defaults to whether the request is billable (outside the free service period).
    billable: Option<bool>,
    #[serde(default)]
    note: String,
    /// RFC 3339; defaults to now.
    worked_at: Option<String>,
}

#[utoipa::path(post, path = "/api/v1/requests/{id}/work-logs", tag = "requests", params(("id" = i64, Path)), request_body = WorkLogBody,
    responses((status = 201, body = WorkLog), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn add_work_log(
    State(s): State<AppState>,
    Auth(actor): Auth,
    Id(id): Id,
    ApiJson(b): ApiJson<WorkLogBody>,
) -> Result<(StatusCode, Json<WorkLog>), ApiError> {
    let worked_at = opt_time("worked_at", &b.worked_at)?;
    let w = s
        .app
        .add_work_log(&actor, id, b.minutes, b.billable, &b.note, worked_at)
        .await?;
    Ok((StatusCode::CREATED, Json(w)))
}

#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct VisitBody {
    engineer_id: Option<i64>,
}

#[utoipa::path(post, path = "/api/v1/requests/{id}/visits", tag = "requests", params(("id" = i64, Path)), request_body = Option<VisitBody>,
    description = "Request an on-site visit (现场方式); the on-site clock starts now.",
    responses((status = 201, body = Visit), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
async fn request_visit(
    State(s): State<AppState>,
    Auth(actor): Auth,
    Id(id): Id,
    ApiJsonOrEmpty(b): ApiJsonOrEmpty<VisitBody>,
) -> Result<(StatusCode, Json<Visit>), ApiError> {
    Ok((
        StatusCode::CREATED,
        Json(s.app.request_visit(&actor, id, b.engineer_id).await?),
    ))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct VisitPatch {
    version: i64,
    engineer_id: Option<i64>,
    /// RFC 3339.
    departed_at: Option<String>,
    /// RFC 3339; arrival stops the on-site clock.
    arrived_at: Option<String>,
    left_at: Option<String>,
    work_done: Option<String>,
}

#[utoipa::path(patch, path = "/api/v1/requests/{id}/visits/{visit_id}", tag = "requests", params(("id" = i64, Path), ("visit_id" = i64, Path)), request_body = VisitPatch,
    responses((status = 200, body = Visit), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn update_visit(
    State(s): State<AppState>,
    Auth(actor): Auth,
    Ids(id, vid): Ids,
    ApiJson(b): ApiJson<VisitPatch>,
) -> Result<Json<Visit>, ApiError> {
    let u = VisitUpdate {
        version: b.version,
        engineer_id: b.engineer_id,
        departed_at: opt_time("departed_at", &b.departed_at)?,
        arrived_at: opt_time("arrived_at", &b.arrived_at)?,
        left_at: opt_time("left_at", &b.left_at)?,
        work_done: b.work_done,
    };
    Ok(Json(s.app.update_visit(&actor, id, vid, u).await?))
}

#[cfg(test)]
mod tests {
    use super::percent_encode;

    #[test]
    fn a_download_name_is_encoded_as_the_hand_written_encoder_did() {
        // Outputs of the encoder this replaced, `/` included (a name, not a path).
        for (name, encoded) in [
            (
                "/ui/queue?view=mine&page=2",
                "%2Fui%2Fqueue%3Fview%3Dmine%26page%3D2",
            ),
            (
                "工单 第3号/回复",
                "%E5%B7%A5%E5%8D%95%20%E7%AC%AC3%E5%8F%B7%2F%E5%9B%9E%E5%A4%8D",
            ),
            ("a b+c%20d", "a%20b%2Bc%2520d"),
            ("100%", "100%25"),
            ("?&=#", "%3F%26%3D%23"),
            ("~-_.!*'()", "~-_.%21%2A%27%28%29"),
            ("line\r\nbreak\0", "line%0D%0Abreak%00"),
            ("𝄞 emoji", "%F0%9D%84%9E%20emoji"),
            ("", ""),
        ] {
            assert_eq!(percent_encode(name), encoded, "{name:?}");
        }
    }
}
