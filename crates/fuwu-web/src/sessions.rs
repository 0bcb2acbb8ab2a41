//! Browser logins: `POST /login` (JSON or an HTML form), `POST /logout`,
//! `GET /api/v1/me` (with the session's CSRF token), password change and
//! reset.

use crate::AppState;
use crate::error::{ApiError, ErrorBody, ErrorCode};
use crate::extract::{
    ActorSlot, ApiJson, Auth, Authn, ClientAddr, Id, SESSION_COOKIE, check_csrf, client_addr,
    cookie,
};
use axum::Json;
use axum::extract::{FromRequest, Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use fuwu_app::sessions::LoginAttempt;
use fuwu_store::directory::User;
use fuwu_store::sessions::Identity;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub(crate) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(login))
        .routes(routes!(logout))
        .routes(routes!(me))
        .routes(routes!(change_password))
        .routes(routes!(reset_password))
}

#[derive(Debug, Deserialize, ToSchema)]
pub(crate) struct LoginBody {
    /// The username.
    #[schema(example = "zhang.wei")]
    login: String,
    password: String,
    /// Forms only: where to go after logging in (a path on this site; default `/`).
    next: Option<String>,
}

/// A new session. The session id itself is only in the `fuwu_session` cookie.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct LoginAnswer {
    user: User,
    /// Send it as `X-CSRF-Token` (or the form field `csrf_token`) with every
    /// POST, PUT, PATCH and DELETE made with the session cookie.
    csrf_token: String,
    /// The session's absolute end; it ends earlier when left idle.
    #[schema(format = DateTime)]
    expires_at: String,
}

fn is_form(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"))
}

/// A path on this site to go to after a form login: never another site.
fn local_path(next: Option<&str>) -> &str {
    match next {
        Some(p)
            if p.starts_with('/') && !p.starts_with("//") && !p.contains(['\\', '\r', '\n']) =>
        {
            p
        }
        _ => "/",
    }
}

fn session_cookie(s: &AppState, value: &str, max_age_s: i64) -> HeaderValue {
    let secure = if s.app.settings.cookie_secure {
        "; Secure"
    } else {
        ""
    };
    let text = format!(
        "{SESSION_COOKIE}={value}; Path=/; HttpOnly; SameSite=Lax; Max-Age={max_age_s}{secure}"
    );
    HeaderValue::from_str(&text)
        .unwrap_or_else(|_| HeaderValue::from_static("fuwu_session=; Max-Age=0"))
}

/// Refuse a login posted from another site (login CSRF: a page elsewhere
/// logging the victim's browser into the attacker's account). Browsers send
/// `Origin` with every POST; its host must be the one the request was sent to.
fn same_origin(headers: &HeaderMap) -> Result<(), ApiError> {
    let Some(origin) = headers.get(header::ORIGIN).and_then(|v| v.to_str().ok()) else {
        return Ok(());
    };
    let host = headers
        .get("x-forwarded-host")
        .or_else(|| headers.get(header::HOST))
        .and_then(|v| v.to_str().ok());
    let origin_host = origin
        .split_once("://")
        .map(|(_, h)| h.trim_end_matches('/'));
    match (origin_host, host) {
        (Some(o), Some(h)) if o.eq_ignore_ascii_case(h.trim()) => Ok(()),
        (_, None) => Ok(()),
        _ => Err(ApiError::new(
            ErrorCode::CrossSiteRequest,
            "a login posted from another site is refused",
        )),
    }
}

fn see_other(location: &str) -> Response {
    let mut r = StatusCode::SEE_OTHER.into_response();
    if let Ok(v) = HeaderValue::from_str(location) {
        r.headers_mut().insert(header::LOCATION, v);
    }
    r
}

#[utoipa::path(post, path = "/login", tag = "identity", request_body = LoginBody, security(()),
    description = "Log in with a username and password (JSON, or an HTML form as application/x-www-form-urlencoded, \
which is answered 303 to `next`). Sets the `fuwu_session` cookie (HttpOnly, SameSite=Lax, Secure when configured). \
A wrong password, an unknown or an inactive account all get 401 `login_failed`; a login posted from another \
site (its `Origin` is not this host) gets 403 `cross_site_request`; too many failures per account \
(5 in 15 min) or per address (20) get 429 `too_many_attempts` with Retry-After.",
    responses((status = 200, body = LoginAnswer), (status = 303, description = "form login: to `next`"),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody), (status = 429, body = ErrorBody)))]
async fn login(State(s): State<AppState>, req: Request) -> Result<Response, ApiError> {
    let form = is_form(req.headers());
    let headers = req.headers().clone();
    // Another site's form is no user of ours: the plain API answer.
    same_origin(req.headers())?;
    let addr = client_addr(
        req.headers(),
        req.extensions(),
        &s.app.settings.trusted_proxies,
    );
    let agent = req
        .headers()
        .get(header::USER_AGENT)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_owned();
    let body: LoginBody = if form {
        match axum::Form::<LoginBody>::from_request(req, &s).await {
            Ok(b) => b.0,
            Err(e) => {
                let e = ApiError::new(ErrorCode::ValidationFailed, e.body_text());
                return Ok(crate::ui::login_refused(
                    &headers,
                    String::new(),
                    "/ui".into(),
                    e,
                ));
            }
        }
    } else {
        // A NUL in the name is the use case's to count (see `App::login`).
        crate::extract::json_body::<LoginBody, _>(req, &s, false).await?
    };
    if body.next.as_deref().is_some_and(|n| n.contains('\0')) {
        return Err(ApiError::field(
            ErrorCode::ValidationFailed,
            "next",
            format!("next: {}", crate::extract::NUL_MESSAGE),
        ));
    }
    let typed = body.login.clone();
    let attempt = s
        .app
        .login(LoginAttempt {
            login: body.login,
            password: body.password,
            client_addr: addr,
            user_agent: agent,
        })
        .await;
    let done = match attempt {
        Ok(d) => d,
        // A form login: the login page again, the error beside the form, the name kept.
        Err(e) if form => {
            let next = local_path(body.next.as_deref()).to_owned();
            return Ok(crate::ui::login_refused(&headers, typed, next, e.into()));
        }
        Err(e) => return Err(e.into()),
    };
    let max_age = s.app.settings.session_max_age_ms / 1000;
    let cookie = session_cookie(&s, &done.session_id, max_age);
    let mut r = if form {
        see_other(local_path(body.next.as_deref()))
    } else {
        Json(LoginAnswer {
            user: done.user,
            csrf_token: done.csrf_token,
            expires_at: fuwu_store::ser::rfc3339(done.expires_at),
        })
        .into_response()
    };
    r.headers_mut().insert(header::SET_COOKIE, cookie);
    Ok(r)
}

#[utoipa::path(post, path = "/logout", tag = "identity", security(()),
    description = "End the cookie session (it needs its CSRF token, like every state-changing request) and clear the cookie. \
Without a valid session it only clears the cookie.",
    responses((status = 204, description = "logged out"), (status = 303, description = "form logout: to /"),
        (status = 403, body = ErrorBody)))]
async fn logout(State(s): State<AppState>, req: Request) -> Result<Response, ApiError> {
    let (parts, _) = req.into_parts();
    let form = is_form(&parts.headers);
    if let Some(sid) = cookie(&parts.headers, SESSION_COOKIE) {
        match s.app.authenticate_session(sid).await {
            Ok((actor, session)) => {
                if let Some(slot) = parts.extensions.get::<ActorSlot>()
                    && let Ok(mut v) = slot.0.lock()
                {
                    *v = Some(actor.user_id);
                }
                check_csrf(&parts.method, &parts.headers, &parts.extensions, &session)?;
                s.app.logout(&actor, &session).await?;
            }
            Err(fuwu_app::AppError::Unauthenticated) => {}
            Err(e) => return Err(e.into()),
        }
    }
    let mut r = if form {
        see_other("/")
    } else {
        StatusCode::NO_CONTENT.into_response()
    };
    r.headers_mut()
        .insert(header::SET_COOKIE, session_cookie(&s, "", 0));
    Ok(r)
}

/// The acting user, and for a cookie session its CSRF token.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct Me {
    user: User,
    /// `session` (the cookie) or `token` (an API token).
    #[schema(example = "session")]
    auth: &'static str,
    /// Cookie sessions: send it as `X-CSRF-Token` with state-changing requests.
    #[serde(skip_serializing_if = "Option::is_none")]
    csrf_token: Option<String>,
    /// Cookie sessions: the absolute end of the session.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(format = DateTime)]
    session_expires_at: Option<String>,
    /// How this user can sign in (`password`; later `oidc`, `ldap`).
    identities: Vec<Identity>,
}

#[utoipa::path(get, path = "/api/v1/me", tag = "identity",
    responses((status = 200, body = Me), (status = 401, body = ErrorBody)))]
async fn me(State(s): State<AppState>, a: Authn) -> Result<Json<Me>, ApiError> {
    let (user, identities) = s.app.me(&a.actor).await?;
    Ok(Json(Me {
        user,
        auth: if a.session.is_some() {
            "session"
        } else {
            "token"
        },
        csrf_token: a.session.as_ref().map(|x| x.csrf_token.clone()),
        session_expires_at: a
            .session
            .as_ref()
            .map(|x| fuwu_store::ser::rfc3339(x.expires_at)),
        identities,
    }))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct ChangePassword {
    current_password: String,
    /// At least 10 characters, not the username.
    new_password: String,
}

#[utoipa::path(post, path = "/api/v1/me/password", tag = "identity", request_body = ChangePassword,
    description = "Change your own password; the current one is required. Your other sessions end, this one stays.",
    responses((status = 204, description = "changed"), (status = 401, body = ErrorBody),
        (status = 422, body = ErrorBody), (status = 429, body = ErrorBody)))]
async fn change_password(
    State(s): State<AppState>,
    a: Authn,
    ClientAddr(addr): ClientAddr,
    ApiJson(b): ApiJson<ChangePassword>,
) -> Result<StatusCode, ApiError> {
    s.app
        .change_own_password(
            &a.actor,
            a.session.as_ref(),
            &addr,
            b.current_password,
            b.new_password,
        )
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct ResetPassword {
    /// At least 10 characters, not the username.
    new_password: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct PasswordReset {
    /// How many of the user's sessions were ended.
    sessions_ended: u64,
}

#[utoipa::path(post, path = "/api/v1/users/{id}/password", tag = "identity", params(("id" = i64, Path)),
    request_body = ResetPassword,
    description = "Set a user's password (administrators). Every session of that user ends at once.",
    responses((status = 200, body = PasswordReset), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn reset_password(
    State(s): State<AppState>,
    Auth(a): Auth,
    Id(id): Id,
    ApiJson(b): ApiJson<ResetPassword>,
) -> Result<Json<PasswordReset>, ApiError> {
    let sessions_ended = s.app.reset_password(&a, id, b.new_password).await?;
    Ok(Json(PasswordReset { sessions_ended }))
}
