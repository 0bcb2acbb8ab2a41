//! Extractors that answer bad input with the API's JSON errors.

use crate::AppState;
use crate::error::{ApiError, ErrorCode};
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

/// A JSON body: unreadable JSON is 400, a body of the wrong shape is 422,
/// and so is a text holding the NUL character, naming its field (see [`nul_in_json`]).
pub struct ApiJson<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for ApiJson<T> {
    type Rejection = ApiError;
    async fn from_request(req: Request, state: &S) -> Result<Self, ApiError> {
        json_body(req, state, true).await.map(ApiJson)
    }
}

/// Read a JSON body as [`ApiJson`] does; `refuse_nul: false` lets a NUL
/// through, for the one use case that must see it (a login counts it as a
/// failed attempt, see `App::login`).
pub async fn json_body<T: DeserializeOwned, S: Send + Sync>(
    req: Request,
    state: &S,
    refuse_nul: bool,
) -> Result<T, ApiError> {
    let is_json = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(|v| {
            v.split(';')
                .next()
                .unwrap_or("")
                .trim()
                .to_ascii_lowercase()
        })
        .is_some_and(|m| {
            m == "application/json" || (m.starts_with("application/") && m.ends_with("+json"))
        });
    if !is_json {
        return Err(ApiError::new(
            ErrorCode::BadRequest,
            "send the body as JSON with Content-Type: application/json",
        ));
    }
    let bytes = axum::body::Bytes::from_request(req, state)
        .await
        .map_err(|e| ApiError::new(ErrorCode::BadRequest, e.body_text()))?;
    if refuse_nul {
        refuse_nul_in_json(&bytes)?;
    }
    match axum::Json::<T>::from_bytes(&bytes) {
        Ok(axum::Json(v)) => Ok(v),
        Err(JsonRejection::JsonDataError(e)) => {
            Err(ApiError::new(ErrorCode::ValidationFailed, e.body_text()))
        }
        Err(JsonRejection::JsonSyntaxError(e)) => {
            Err(ApiError::new(ErrorCode::BadRequest, e.body_text()))
        }
        Err(e) => Err(ApiError::new(ErrorCode::BadRequest, e.body_text())),
    }
}

/// The path (`title`, `events[2].body`) of the first text in a JSON document
/// that holds the NUL character, a key or a value. JSON can carry NUL only
/// escaped (`\u0000`): a body without that sequence is not parsed twice.
pub fn nul_in_json(bytes: &[u8]) -> Option<String> {
    const ESCAPED_NUL: &[u8] = b"\\u0000";
    if !bytes.windows(ESCAPED_NUL.len()).any(|w| w == ESCAPED_NUL) {
        return None;
    }
    fn walk(v: &serde_json::Value, path: &str) -> Option<String> {
        let join = |key: &str| match path {
            "" => key.to_owned(),
            _ => format!("{path}.{key}"),
        };
        match v {
            serde_json::Value::String(s) if s.contains('\0') => Some(if path.is_empty() {
                "body".into()
            } else {
                path.into()
            }),
            serde_json::Value::Array(items) => items
                .iter()
                .enumerate()
                .find_map(|(i, item)| walk(item, &format!("{path}[{i}]"))),
            serde_json::Value::Object(fields) => fields.iter().find_map(|(k, item)| {
                if k.contains('\0') {
                    Some(join(&k.replace('\0', "\\u0000")))
                } else {
                    walk(item, &join(k))
                }
            }),
            _ => None,
        }
    }
    // Unreadable JSON is the parser's to refuse, with its own message.
    let doc: serde_json::Value = serde_json::from_slice(bytes).ok()?;
    walk(&doc, "")
}

/// 422 naming the field whose text holds the NUL character, if one does.
fn refuse_nul_in_json(bytes: &[u8]) -> Result<(), ApiError> {
    match nul_in_json(bytes) {
        Some(field) => Err(ApiError::field(
            ErrorCode::ValidationFailed,
            &field,
            format!("{field}: {NUL_MESSAGE}"),
        )),
        None => Ok(()),
    }
}

/// What a refused NUL character is told.
pub const NUL_MESSAGE: &str = "must not contain the NUL character (\\u0000)";

/// The name of the first query parameter (or the path) holding the NUL
/// character (`%00`): such a request is refused before any handler (400).
pub fn nul_in_uri(uri: &axum::http::Uri) -> Option<String> {
    if uri.path().contains("%00") {
        return Some("path".into());
    }
    let q = uri.query().filter(|q| q.contains("%00"))?;
    let pairs: Vec<(String, String)> = serde_urlencoded::from_str(q).unwrap_or_default();
    Some(
        pairs
            .into_iter()
            .find(|(k, v)| k.contains('\0') || v.contains('\0'))
            .map_or_else(|| "query".to_owned(), |(k, _)| k.replace('\0', "%00")),
    )
}

/// The name of the first field of an urlencoded form holding the NUL character.
pub fn nul_in_form(bytes: &[u8]) -> Option<String> {
    if !bytes.windows(3).any(|w| w == b"%00") {
        return None;
    }
    let pairs: Vec<(String, String)> = serde_urlencoded::from_bytes(bytes).unwrap_or_default();
    pairs
        .into_iter()
        .find(|(k, v)| k.contains('\0') || v.contains('\0'))
        .map(|(k, _)| k.replace('\0', "%00"))
}

/// Query parameters; a malformed one is 400 (a NUL character in one is
/// refused for every route, query extractor or not: see `nul_in_uri`).
pub struct ApiQuery<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequestParts<S> for ApiQuery<T> {
    type Rejection = ApiError;
    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        match axum::extract::Query::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Query(v)) => Ok(ApiQuery(v)),
            Err(QueryRejection::FailedToDeserializeQueryString(e)) => {
                Err(ApiError::new(ErrorCode::BadRequest, e.body_text()))
            }
            Err(e) => Err(ApiError::new(ErrorCode::BadRequest, e.body_text())),
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
                .map_err(|_| ApiError::new(ErrorCode::BadRequest, "the path must name one id"))?;
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
                .map_err(|_| ApiError::new(ErrorCode::BadRequest, "the path must name two ids"))?;
        Ok(Ids(parse_id(&a)?, parse_id(&b)?))
    }
}

fn parse_id(raw: &str) -> Result<i64, ApiError> {
    raw.parse::<i64>()
        .ok()
        .filter(|v| *v > 0)
        .ok_or_else(|| ApiError::new(ErrorCode::NotFound, format!("`{raw}` is not an id")))
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
            ErrorCode::CsrfTokenMissing,
            "send the session's CSRF token (from GET /api/v1/me) as the X-CSRF-Token header or the csrf_token form field",
        )),
        Some(t) if session.csrf_matches(&t) => Ok(()),
        Some(_) => Err(ApiError::new(
            ErrorCode::CsrfTokenInvalid,
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
                        ErrorCode::Unauthenticated,
                        "the Authorization header must be `Bearer <token>`",
                    )
                })?;
            let actor = state
                .app
                .authenticate(token.trim())
                .await
                .map_err(|e| match e {
                    fuwu_app::AppError::Unauthenticated => ApiError::new(
                        ErrorCode::Unauthenticated,
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
                ErrorCode::Unauthenticated,
                "log in (POST /login) or send an API token as `Authorization: Bearer <token>`",
            ));
        };
        let (actor, session) = state
            .app
            .authenticate_session(sid)
            .await
            .map_err(|e| match e {
                fuwu_app::AppError::Unauthenticated => ApiError::new(
                    ErrorCode::Unauthenticated,
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
            .map_err(|e| ApiError::new(ErrorCode::BadRequest, e.body_text()))?;
        if bytes.iter().all(u8::is_ascii_whitespace) {
            return Ok(ApiJsonOrEmpty(T::default()));
        }
        refuse_nul_in_json(&bytes)?;
        serde_json::from_slice(&bytes)
            .map(ApiJsonOrEmpty)
            .map_err(|e| {
                if e.is_syntax() || e.is_eof() {
                    ApiError::new(ErrorCode::BadRequest, format!("unreadable JSON: {e}"))
                } else {
                    ApiError::new(ErrorCode::ValidationFailed, e.to_string())
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

#[cfg(test)]
mod tests {
    use super::{nul_in_form, nul_in_json, nul_in_uri};

    #[test]
    fn a_nul_is_found_by_the_path_of_its_field() {
        assert_eq!(
            nul_in_json(br#"{"title": "a\u0000"}"#).as_deref(),
            Some("title")
        );
        assert_eq!(
            nul_in_json(br#"{"events": [{"at": "x"}, {"body": "\u0000"}]}"#).as_deref(),
            Some("events[1].body")
        );
        assert_eq!(nul_in_json(br#"["\u0000"]"#).as_deref(), Some("[0]"));
        assert_eq!(nul_in_json(br#""\u0000""#).as_deref(), Some("body"));
    }

    #[test]
    fn an_escaped_backslash_before_u0000_is_no_nul() {
        assert_eq!(nul_in_json(br#"{"title": "C:\\u0000"}"#), None);
        assert_eq!(nul_in_json(br#"{"title": "plain"}"#), None);
    }

    #[test]
    fn a_nul_in_a_query_form_or_path_is_named() {
        let uri = |s: &str| s.parse::<axum::http::Uri>().unwrap();
        assert_eq!(
            nul_in_uri(&uri("/a?kind=x&actor=b%00")).as_deref(),
            Some("actor")
        );
        assert_eq!(nul_in_uri(&uri("/a/b%00c")).as_deref(), Some("path"));
        assert_eq!(nul_in_uri(&uri("/a?kind=x%20y")), None);
        assert_eq!(
            nul_in_form(b"name=a%00&csrf_token=t").as_deref(),
            Some("name")
        );
        assert_eq!(nul_in_form(b"name=a%2500"), None);
    }
}
