//! HTTP: the JSON API under `/api/v1` and its OpenAPI document, generated from
//! the handlers themselves so the two cannot drift apart.

mod audit;
mod directory;
pub mod error;
mod extract;
mod knowledge;
mod reports;
mod requests;
mod sessions;
mod sla;
mod tokens;
pub mod ui;

use axum::Json;
use axum::Router;
use axum::body::Body;
use axum::extract::Request;
use axum::http::{StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use error::{ApiError, ErrorCode, ErrorInfo};
use extract::{ActorSlot, CSRF_HEADER, FormCsrf, SESSION_COOKIE, cookie, is_safe};
use fuwu_app::App;
use std::sync::Arc;

/// Where times are shown when the browser has not told its zone (and in the
/// API's refusals: users have no zone of their own yet).
pub const DEFAULT_TZ: &str = "Asia/Shanghai";
use utoipa::OpenApi;
use utoipa::openapi::security::{Http, HttpAuthScheme, SecurityScheme};
use utoipa_axum::router::OpenApiRouter;

#[derive(Clone)]
pub struct AppState {
    pub app: App,
    openapi: Arc<serde_json::Value>,
}

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Fuwu service desk API",
        description = "Service requests, their lifecycle and the directory around them. \
Authenticate with `Authorization: Bearer <token>` (create one with `fuwu user create`), \
or log in (`POST /login`) for the `fuwu_session` cookie: then every POST, PUT, PATCH and DELETE must carry \
the session's CSRF token (from `GET /api/v1/me`) as `X-CSRF-Token` or the form field `csrf_token`. \
Errors are `{\"code\": ..., \"message\": ...}` with the stable codes listed under the ErrorBody schema. \
Updates carry the `version` you read; a stale one gets 409 `version_conflict`. \
Lists are paged with `cursor` (from `next_cursor`) and `limit` (1–200).",
    ),
    modifiers(&BearerAuth),
    security(("bearer" = [])),
    tags((name = "requests", description = "Service requests and their lifecycle"),
         (name = "directory", description = "Organizations, contacts, teams, users, systems, contracts"),
         (name = "knowledge", description = "The knowledge base and full-text search"),
         (name = "identity", description = "Logins and sessions, passwords, API tokens and the audit log"),
         (name = "system", description = "Health and the API description"))
)]
struct ApiDoc;

struct BearerAuth;
impl utoipa::Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(Http::new(HttpAuthScheme::Bearer)),
        );
    }
}

/// The API routes with their OpenAPI description.
fn api() -> OpenApiRouter<AppState> {
    OpenApiRouter::with_openapi(ApiDoc::openapi())
        .merge(requests::routes())
        .merge(directory::routes())
        .merge(tokens::routes())
        .merge(sessions::routes())
        .merge(audit::routes())
        .merge(sla::routes())
        .merge(knowledge::routes())
        .merge(reports::routes())
}

/// The OpenAPI document of the API this build serves.
pub fn openapi() -> utoipa::openapi::OpenApi {
    let (_, mut doc) = api().split_for_parts();
    let codes = error::CODES
        .iter()
        .map(|(c, s, m)| format!("| `{c}` | {s} | {m} |"))
        .collect::<Vec<_>>()
        .join("\n");
    let desc = doc.info.description.get_or_insert_with(String::new);
    desc.push_str("\n\n| code | status | meaning |\n|---|---|---|\n");
    desc.push_str(&codes);
    doc
}

/// The whole HTTP application.
pub fn router(app: App) -> Router {
    let (api_router, _) = api().split_for_parts();
    let doc = serde_json::to_value(openapi()).unwrap_or_default();
    let state = AppState {
        app,
        openapi: Arc::new(doc),
    };
    Router::new()
        .route("/healthz", get(healthz))
        .route("/api/v1/openapi.json", get(openapi_json))
        .merge(api_router)
        .merge(ui::routes())
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            security_layer,
        ))
        .with_state(state)
}

/// Largest urlencoded form body read for its CSRF field.
const FORM_LIMIT: usize = 1024 * 1024;

/// Around every request: finds the CSRF token of an HTML form post made with
/// the session cookie (the `Auth` extractor checks it), and audits every 403
/// the app layer gives an authenticated caller.
async fn security_layer(
    axum::extract::State(s): axum::extract::State<AppState>,
    mut req: Request,
    next: Next,
) -> Response {
    // A NUL character is refused before any handler (no text of ours holds
    // one, and PostgreSQL cannot store it), naming where it was.
    if let Some(field) = extract::nul_in_uri(req.uri()) {
        return ApiError::field(
            ErrorCode::BadRequest,
            &field,
            format!("{field}: {}", extract::NUL_MESSAGE),
        )
        .into_response();
    }
    let slot = ActorSlot::default();
    req.extensions_mut().insert(slot.clone());
    let method = req.method().clone();
    let path = req.uri().path().to_owned();
    let h = req.headers();
    let is_form = !is_safe(&method)
        && h.get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
    let form_with_session = is_form
        && h.get(header::AUTHORIZATION).is_none()
        && h.get(CSRF_HEADER).is_none()
        && cookie(h, SESSION_COOKIE).is_some();
    // The login form is left to the login use case, which counts a NUL
    // login as a failed attempt.
    let form_checked = is_form && path != "/login";
    // A page's upload form: its CSRF token is a multipart field.
    let upload_with_session = !is_safe(&method)
        && h.get(header::AUTHORIZATION).is_none()
        && h.get(CSRF_HEADER).is_none()
        && cookie(h, SESSION_COOKIE).is_some()
        && h.get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("multipart/form-data"));
    let upload_type = h
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_owned();
    if form_with_session || form_checked {
        let (parts, body) = req.into_parts();
        let Ok(bytes) = axum::body::to_bytes(body, FORM_LIMIT).await else {
            let mut r = ApiError::new(ErrorCode::PayloadTooLarge, "the form is larger than 1 MiB")
                .into_response();
            *r.status_mut() = StatusCode::PAYLOAD_TOO_LARGE;
            return r;
        };
        if form_checked && let Some(field) = extract::nul_in_form(&bytes) {
            return ApiError::field(
                ErrorCode::ValidationFailed,
                &field,
                format!("{field}: {}", extract::NUL_MESSAGE),
            )
            .into_response();
        }
        let token = serde_urlencoded::from_bytes::<Vec<(String, String)>>(&bytes)
            .ok()
            .filter(|_| form_with_session)
            .and_then(|fields| fields.into_iter().find(|(k, _)| k == "csrf_token"))
            .map(|(_, v)| v);
        req = Request::from_parts(parts, Body::from(bytes));
        if let Some(t) = token {
            req.extensions_mut().insert(FormCsrf(t));
        }
    }
    if upload_with_session {
        let (parts, body) = req.into_parts();
        let cap = s.app.settings.max_attachment_bytes + ui::files::MULTIPART_SLACK;
        let (bytes, too_large) = ui::files::buffer(body, cap).await;
        let token = ui::files::csrf_field(&upload_type, &bytes);
        req = Request::from_parts(parts, Body::from(bytes));
        if let Some(t) = token {
            req.extensions_mut().insert(FormCsrf(t));
        }
        if too_large {
            req.extensions_mut().insert(ui::files::UploadTooLarge);
        }
    }
    let response = next.run(req).await;
    if response.status() == StatusCode::FORBIDDEN {
        let who = slot.0.lock().ok().and_then(|v| *v);
        if let (Some(who), Some(info)) = (who, response.extensions().get::<ErrorInfo>()) {
            let recorded = s
                .app
                .record_denial(
                    who,
                    method.as_str(),
                    &path,
                    info.code.as_str(),
                    &info.message,
                )
                .await;
            if let Err(e) = recorded {
                tracing::warn!(error = %e, "could not audit a denial");
            }
        }
    }
    response
}

async fn healthz() -> &'static str {
    "ok"
}

async fn openapi_json(
    axum::extract::State(s): axum::extract::State<AppState>,
) -> impl IntoResponse {
    Json(s.openapi.as_ref().clone())
}

async fn not_found() -> ApiError {
    ApiError::new(
        ErrorCode::NotFound,
        "no such endpoint; see /api/v1/openapi.json",
    )
}

async fn method_not_allowed() -> impl IntoResponse {
    let mut r = ApiError::new(
        ErrorCode::MethodNotAllowed,
        "this endpoint does not support that method",
    )
    .into_response();
    *r.status_mut() = StatusCode::METHOD_NOT_ALLOWED;
    r
}
