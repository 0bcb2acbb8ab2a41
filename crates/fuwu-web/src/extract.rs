//! Extractors that answer bad input with the API's JSON errors.

use crate::AppState;
use crate::error::ApiError;
use axum::extract::rejection::{JsonRejection, QueryRejection};
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use fuwu_app::Actor;
use serde::de::DeserializeOwned;

/// A JSON body: unreadable JSON is 400, a body of the wrong shape is 422.
pub struct ApiJson<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for ApiJson<T> {
    type Rejection = ApiError;
    async fn from_request(req: Request, state: &S) -> Result<Self, ApiError> {
        match axum::Json::<T>::from_request(req, state).await {
            Ok(axum::Json(v)) => Ok(ApiJson(v)),
            Err(JsonRejection::JsonDataError(e)) => {
                Err(ApiError::new("validation_failed", e.body_text()))
            }
            Err(JsonRejection::JsonSyntaxError(e)) => {
                Err(ApiError::new("bad_request", e.body_text()))
            }
            Err(JsonRejection::MissingJsonContentType(_)) => Err(ApiError::new(
                "bad_request",
                "send the body as JSON with Content-Type: application/json",
            )),
            Err(e) => Err(ApiError::new("bad_request", e.body_text())),
        }
    }
}

/// Query parameters; a malformed one is 400.
pub struct ApiQuery<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequestParts<S> for ApiQuery<T> {
    type Rejection = ApiError;
    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        match axum::extract::Query::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Query(v)) => Ok(ApiQuery(v)),
            Err(QueryRejection::FailedToDeserializeQueryString(e)) => {
                Err(ApiError::new("bad_request", e.body_text()))
            }
            Err(e) => Err(ApiError::new("bad_request", e.body_text())),
        }
    }
}

/// A path id that must be a positive integer.
pub struct Id(pub i64);

impl<S: Send + Sync> FromRequestParts<S> for Id {
    type Rejection = ApiError;
    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        let axum::extract::Path(raw): axum::extract::Path<String> =
            axum::extract::Path::from_request_parts(parts, state)
                .await
                .map_err(|_| ApiError::new("bad_request", "the path must name one id"))?;
        parse_id(&raw).map(Id)
    }
}

/// Two path ids: `/requests/{id}/things/{thing_id}`.
pub struct Ids(pub i64, pub i64);

impl<S: Send + Sync> FromRequestParts<S> for Ids {
    type Rejection = ApiError;
    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        let axum::extract::Path((a, b)): axum::extract::Path<(String, String)> =
            axum::extract::Path::from_request_parts(parts, state)
                .await
                .map_err(|_| ApiError::new("bad_request", "the path must name two ids"))?;
        Ok(Ids(parse_id(&a)?, parse_id(&b)?))
    }
}

fn parse_id(raw: &str) -> Result<i64, ApiError> {
    raw.parse::<i64>()
        .ok()
        .filter(|v| *v > 0)
        .ok_or_else(|| ApiError::new("not_found", format!("`{raw}` is not an id")))
}

/// The acting user, from `Authorization: Bearer <token>`.
pub struct Auth(pub Actor);

impl FromRequestParts<AppState> for Auth {
    type Rejection = ApiError;
    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let header = parts
            .headers
            .get(axum::http::header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .ok_or_else(|| {
                ApiError::new(
                    "unauthenticated",
                    "send an API token as `Authorization: Bearer <token>`",
                )
            })?;
        let token = header.strip_prefix("Bearer ").ok_or_else(|| {
            ApiError::new(
                "unauthenticated",
                "the Authorization header must be `Bearer <token>`",
            )
        })?;
        let actor = state
            .app
            .authenticate(token.trim())
            .await
            .map_err(|e| match e {
                fuwu_app::AppError::Unauthenticated => ApiError::new(
                    "unauthenticated",
                    "the API token is unknown, expired or revoked",
                ),
                other => other.into(),
            })?;
        Ok(Auth(actor))
    }
}

/// A JSON body that may be left out entirely (then `T::default()`).
pub struct ApiJsonOrEmpty<T>(pub T);

impl<T: DeserializeOwned + Default, S: Send + Sync> FromRequest<S> for ApiJsonOrEmpty<T> {
    type Rejection = ApiError;
    async fn from_request(req: Request, state: &S) -> Result<Self, ApiError> {
        let bytes = axum::body::Bytes::from_request(req, state)
            .await
            .map_err(|e| ApiError::new("bad_request", e.body_text()))?;
        if bytes.iter().all(u8::is_ascii_whitespace) {
            return Ok(ApiJsonOrEmpty(T::default()));
        }
        serde_json::from_slice(&bytes)
            .map(ApiJsonOrEmpty)
            .map_err(|e| {
                if e.is_syntax() || e.is_eof() {
                    ApiError::new("bad_request", format!("unreadable JSON: {e}"))
                } else {
                    ApiError::new("validation_failed", e.to_string())
                }
            })
    }
}
