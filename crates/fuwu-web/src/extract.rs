//! Extractors that answer bad input with the API's JSON errors.

use crate::AppState;
use crate::error::ApiError;
use axum::extract::ConnectInfo;
use axum::extract::rejection::{JsonRejection, QueryRejection};
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{HeaderMap, Method, header};
use fuwu_app::Actor;
use fuwu_app::sessions::SessionInfo;
use serde::de::DeserializeOwned;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

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

/// The browser session cookie.
pub const SESSION_COOKIE: &str = "fuwu_session";
/// The header carrying the CSRF token of a cookie session.
pub const CSRF_HEADER: &str = "x-csrf-token";

/// The CSRF token the form layer found in an urlencoded body (`csrf_token`).
#[derive(Debug, Clone)]
pub struct FormCsrf(pub String);

/// Filled with the acting user's id once a request is authenticated, so the
/// denial layer can audit the 403s the app layer answers.
#[derive(Debug, Clone, Default)]
pub struct ActorSlot(pub Arc<Mutex<Option<i64>>>);

/// The value of cookie `name`, from any `Cookie` header.
pub fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.trim())
}

/// The client's IP address ("" when unknown): the connection's peer, or, when
/// the peer is a configured trusted proxy, the right-most untrusted
/// `X-Forwarded-For` entry (see `fuwu_app::proxies`).
pub fn client_addr(
    headers: &HeaderMap,
    extensions: &axum::http::Extensions,
    trusted: &fuwu_app::proxies::TrustedProxies,
) -> String {
    let peer = extensions
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0.ip());
    trusted.client_addr(
        peer,
        headers
            .get_all("x-forwarded-for")
            .iter()
            .filter_map(|v| v.to_str().ok()),
    )
}

/// Whether the method changes nothing (and so needs no CSRF token).
pub fn is_safe(method: &Method) -> bool {
    matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS)
}

/// The CSRF token a request carries: the header, else the form field.
pub fn csrf_given(headers: &HeaderMap, extensions: &axum::http::Extensions) -> Option<String> {
    headers
        .get(CSRF_HEADER)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
        .or_else(|| extensions.get::<FormCsrf>().map(|f| f.0.clone()))
        .filter(|t| !t.trim().is_empty())
}

/// Refuse a state-changing request of a cookie session without its CSRF token.
pub fn check_csrf(
    method: &Method,
    headers: &HeaderMap,
    extensions: &axum::http::Extensions,
    session: &SessionInfo,
) -> Result<(), ApiError> {
    if is_safe(method) {
        return Ok(());
    }
    match csrf_given(headers, extensions) {
        None => Err(ApiError::new(
            "csrf_token_missing",
            "send the session's CSRF token (from GET /api/v1/me) as the X-CSRF-Token header or the csrf_token form field",
        )),
        Some(t) if session.csrf_matches(&t) => Ok(()),
        Some(_) => Err(ApiError::new(
            "csrf_token_invalid",
            "the CSRF token does not belong to this session; reload the page",
        )),
    }
}

/// The acting user and how they authenticated: `Authorization: Bearer <token>`,
/// else the session cookie (then a state-changing request must carry the
/// session's CSRF token).
pub struct Authn {
    pub actor: Actor,
    /// The cookie session, when that is how the request authenticated.
    pub session: Option<SessionInfo>,
}

impl FromRequestParts<AppState> for Authn {
    type Rejection = ApiError;
    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let fill = |user_id: i64| {
            if let Some(slot) = parts.extensions.get::<ActorSlot>()
                && let Ok(mut s) = slot.0.lock()
            {
                *s = Some(user_id);
            }
        };
        if let Some(header) = parts.headers.get(header::AUTHORIZATION) {
            let token = header
                .to_str()
                .ok()
                .and_then(|h| h.strip_prefix("Bearer "))
                .ok_or_else(|| {
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
            fill(actor.user_id);
            return Ok(Authn {
                actor,
                session: None,
            });
        }
        let Some(sid) = cookie(&parts.headers, SESSION_COOKIE) else {
            return Err(ApiError::new(
                "unauthenticated",
                "log in (POST /login) or send an API token as `Authorization: Bearer <token>`",
            ));
        };
        let (actor, session) = state
            .app
            .authenticate_session(sid)
            .await
            .map_err(|e| match e {
                fuwu_app::AppError::Unauthenticated => ApiError::new(
                    "unauthenticated",
                    "the session has ended, expired or is not valid; log in again (会话已失效，请重新登录)",
                ),
                other => other.into(),
            })?;
        fill(actor.user_id);
        check_csrf(&parts.method, &parts.headers, &parts.extensions, &session)?;
        Ok(Authn {
            actor,
            session: Some(session),
        })
    }
}

/// The acting user (see [`Authn`] for how they authenticate).
pub struct Auth(pub Actor);

impl FromRequestParts<AppState> for Auth {
    type Rejection = ApiError;
    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        Authn::from_request_parts(parts, state)
            .await
            .map(|a| Auth(a.actor))
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

/// The client's IP address ("" when the server was not given connection info);
/// see [`client_addr`].
pub struct ClientAddr(pub String);

impl FromRequestParts<AppState> for ClientAddr {
    type Rejection = std::convert::Infallible;
    async fn from_request_parts(parts: &mut Parts, s: &AppState) -> Result<Self, Self::Rejection> {
        Ok(ClientAddr(client_addr(
            &parts.headers,
            &parts.extensions,
            &s.app.settings.trusted_proxies,
        )))
    }
}
