//! `/api/v1/tokens`: API tokens for integrations — created (secret shown once),
//! listed, revoked.

use crate::AppState;
use crate::error::{ApiError, ErrorBody};
use crate::extract::{ApiJson, ApiQuery, Auth, Id};
use crate::requests::parse_time;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use fuwu_app::identity::NewToken;
use fuwu_store::tokens::Token;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub(crate) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_tokens, create_token))
        .routes(routes!(revoke_token))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct TokenBody {
    /// The owner; yourself when absent (others: admins only).
    user_id: Option<i64>,
    name: String,
    /// read, write or admin — at most your own token's scope.
    #[schema(example = "write")]
    scope: String,
    /// RFC 3339; no expiry when absent.
    expires_at: Option<String>,
}

/// A new token and its secret. The secret is shown only here, once.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct CreatedToken {
    token: Token,
    secret: String,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct TokenParams {
    /// Whose tokens (admins); your own when absent, everyone's for an admin.
    user_id: Option<i64>,
}

#[utoipa::path(get, path = "/api/v1/tokens", tag = "identity", params(TokenParams),
    responses((status = 200, body = Vec<Token>), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
async fn list_tokens(
    State(s): State<AppState>,
    Auth(a): Auth,
    ApiQuery(p): ApiQuery<TokenParams>,
) -> Result<Json<Vec<Token>>, ApiError> {
    Ok(Json(s.app.list_tokens(&a, p.user_id).await?))
}

#[utoipa::path(post, path = "/api/v1/tokens", tag = "identity", request_body = TokenBody,
    responses((status = 201, body = CreatedToken), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn create_token(
    State(s): State<AppState>,
    Auth(a): Auth,
    ApiJson(b): ApiJson<TokenBody>,
) -> Result<(StatusCode, Json<CreatedToken>), ApiError> {
    let expires_at = b
        .expires_at
        .as_deref()
        .map(|t| parse_time("expires_at", t))
        .transpose()?;
    let (token, secret) = s
        .app
        .create_token(
            &a,
            NewToken {
                user_id: b.user_id,
                name: b.name,
                scope: b.scope,
                expires_at,
            },
        )
        .await?;
    Ok((StatusCode::CREATED, Json(CreatedToken { token, secret })))
}

#[utoipa::path(delete, path = "/api/v1/tokens/{id}", tag = "identity", params(("id" = i64, Path)),
    description = "Revoke a token: it stops working at once on this node (within 10 s on others).",
    responses((status = 200, body = Token), (status = 404, body = ErrorBody)))]
async fn revoke_token(
    State(s): State<AppState>,
    Auth(a): Auth,
    Id(id): Id,
) -> Result<Json<Token>, ApiError> {
    Ok(Json(s.app.revoke_token(&a, id).await?))
}
