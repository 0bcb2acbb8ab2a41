//! HTTP: the JSON API under `/api/v1` and its OpenAPI document, generated from
//! the handlers themselves so the two cannot drift apart.

mod audit;
mod directory;
pub mod error;
mod extract;
mod requests;
mod tokens;

use axum::Json;
use axum::Router;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::routing::get;
use error::ApiError;
use fuwu_app::App;
use std::sync::Arc;
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
Authenticate with `Authorization: Bearer <token>` (create one with `fuwu user create`). \
Errors are `{\"code\": ..., \"message\": ...}` with the stable codes listed under the ErrorBody schema. \
Updates carry the `version` you read; a stale one gets 409 `version_conflict`. \
Lists are paged with `cursor` (from `next_cursor`) and `limit` (1–200).",
    ),
    modifiers(&BearerAuth),
    security(("bearer" = [])),
    tags((name = "requests", description = "Service requests and their lifecycle"),
         (name = "directory", description = "Organizations, contacts, teams, users, systems, contracts"),
         (name = "identity", description = "API tokens and the audit log"),
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
        .merge(audit::routes())
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
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .with_state(state)
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
    ApiError::new("not_found", "no such endpoint; see /api/v1/openapi.json")
}

async fn method_not_allowed() -> impl IntoResponse {
    let mut r = ApiError::new(
        "method_not_allowed",
        "this endpoint does not support that method",
    )
    .into_response();
    *r.status_mut() = StatusCode::METHOD_NOT_ALLOWED;
    r
}
