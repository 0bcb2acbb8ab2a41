//! The web UI: server-rendered pages (askama, auto-escaped) under `/ui`, with
//! htmx for the few partial updates. Pages call the same use cases as the
//! API with the acting user; access is decided there, never here.
//!
//! - language: `fuwu_lang` cookie (zh-CN by default), switched by `/ui/lang/{tag}`;
//!   every string comes from the catalogue of [`i18n`];
//! - time zone: the `fuwu_tz` cookie the browser reports (an IANA name),
//!   Asia/Shanghai by default;
//! - assets: embedded, served with a content hash and a year of caching ([`assets`]).

mod admin;
pub mod assets;
mod clocks;
mod dashboard;
pub(crate) mod file_list;
pub(crate) mod files;
pub(crate) mod form;
pub mod i18n;
mod messages;
mod pages;
mod search;

use crate::AppState;
use crate::error::{ApiError, ErrorCode, ErrorInfo};
use crate::extract::{Authn, cookie};
use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::{Path, Query};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use fuwu_core::Role;
use i18n::{Catalog, LANG_COOKIE, Lang};
use serde::Deserialize;

/// The cookie with the browser's time zone.
pub const TZ_COOKIE: &str = "fuwu_tz";
pub use crate::DEFAULT_TZ;

pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route("/", get(root))
        .route("/ui", get(root))
        .route("/ui/login", get(login_page))
        .route("/ui/lang/{tag}", get(switch_language))
        .route("/ui/assets/{file}", get(assets::serve))
        .route("/ui/queue", get(pages::queue))
        .route(
            "/ui/requests/{id}",
            get(pages::request_page).post(pages::request_post),
        )
        .route(
            "/ui/new",
            get(pages::new_request).post(pages::create_request),
        )
        .route("/ui/new/lookup", get(pages::lookup))
        .merge(admin::routes())
        .route("/ui/requests/{id}/clocks", get(clocks::clocks_part))
        .route(
            "/ui/requests/{id}/attachments",
            axum::routing::post(files::upload),
        )
        .route("/ui/dashboard", get(dashboard::dashboard))
        .route("/ui/search", get(search::search_page))
}

/// Who is looking, as the layout shows them.
#[derive(Debug, Clone)]
pub struct Viewer {
    pub id: i64,
    pub name: String,
    pub role: Role,
    pub staff: bool,
    pub team_id: Option<i64>,
    pub organization_id: Option<i64>,
}

/// What every page knows: language, time zone, viewer, CSRF token, own URL.
pub struct Ctx {
    pub lang: Lang,
    cat: &'static Catalog,
    pub tz: jiff::tz::TimeZone,
    pub tz_name: String,
    pub user: Option<Viewer>,
    pub csrf: String,
    /// This page's path and query, for the language links to come back to.
    pub here: String,
}

impl Ctx {
    /// A context from the request's cookies, without a viewer.
    pub fn anonymous(headers: &HeaderMap, here: &str) -> Ctx {
        let lang = Lang::from_cookie(cookie(headers, LANG_COOKIE));
        let asked = cookie(headers, TZ_COOKIE).map(percent_decode);
        let (tz, tz_name) = asked
            .and_then(|n| jiff::tz::TimeZone::get(&n).ok().map(|z| (z, n)))
            .or_else(|| {
                jiff::tz::TimeZone::get(DEFAULT_TZ)
                    .ok()
                    .map(|z| (z, DEFAULT_TZ.to_owned()))
            })
            .unwrap_or((
                jiff::tz::TimeZone::fixed(jiff::tz::offset(8)),
                "UTC+8".into(),
            ));
        Ctx {
            lang,
            cat: lang.catalog(),
            tz,
            tz_name,
            user: None,
            csrf: String::new(),
            here: here.to_owned(),
        }
    }

    /// The text of a catalogue key.
    pub fn t<'a>(&self, key: &'a str) -> &'a str
    where
        'static: 'a,
    {
        self.cat.get(key)
    }

    /// A form's error: a catalogue key's text, or else a use case's
    /// refusal (English) in the viewer's language.
    pub fn msg<'a>(&self, key_or_text: &'a str) -> std::borrow::Cow<'a, str>
    where
        'static: 'a,
    {
        if self.cat.has(key_or_text) {
            std::borrow::Cow::Borrowed(self.cat.get(key_or_text))
        } else {
            // Instants in a refusal as the viewer reads times: their zone, their format.
            let text = messages::Messages::translate(self.lang, key_or_text);
            match crate::error::instants_in(&text, |t| self.time(&t.as_millisecond())) {
                std::borrow::Cow::Borrowed(_) => text,
                std::borrow::Cow::Owned(local) => std::borrow::Cow::Owned(local),
            }
        }
    }

    /// The name of a vocabulary value: `tv("status", "new")` → 新建.
    pub fn tv(&self, prefix: &str, value: &str) -> String {
        let key = format!("{prefix}.{value}");
        match self.cat.has(&key) {
            true => self.cat.get(&key).to_owned(),
            false => value.to_owned(),
        }
    }

    /// An instant (Unix ms) in the viewer's time zone: `2026-11-20 10:00`.
    pub fn time(&self, ms: &i64) -> String {
        jiff::Timestamp::from_millisecond(*ms)
            .map(|t| {
                t.to_zoned(self.tz.clone())
                    .strftime("%Y-%m-%d %H:%M")
                    .to_string()
            })
            .unwrap_or_default()
    }

    pub fn opt_time(&self, ms: &Option<i64>) -> String {
        ms.as_ref().map(|m| self.time(m)).unwrap_or_default()
    }

    pub fn asset(&self, name: &str) -> String {
        assets::url(name)
    }

    pub fn lang_url(&self, tag: &str) -> String {
        format!("/ui/lang/{tag}?next={}", percent_encode(&self.here))
    }

    pub fn is_staff(&self) -> bool {
        self.user.as_ref().is_some_and(|u| u.staff)
    }
}

/// A page's failure: not logged in (→ the login page), or an error page.
pub enum PageError {
    Login { next: String },
    Api(ApiError, Box<Ctx>),
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        match self {
            PageError::Login { next } => {
                see_other(&format!("/ui/login?next={}", percent_encode(&next)))
            }
            PageError::Api(e, c) => error_page(e, *c),
        }
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "error.html")]
struct ErrorPage {
    c: Ctx,
    code: &'static str,
    message_key: &'static str,
}

/// An error as a page, with the API's status and the same audit marker.
fn error_page(e: ApiError, c: Ctx) -> Response {
    let status = e.status();
    if status.is_server_error() {
        tracing::warn!(code = %e.code, message = %e.message, "page failed");
    }
    let message_key = match status.as_u16() {
        404 => "err.not_found",
        403 => "err.forbidden",
        409 => "err.conflict",
        400 | 422 => "err.invalid",
        _ => "err.generic",
    };
    let info = ErrorInfo {
        code: e.code,
        message: e.message.clone(),
    };
    let mut r = (
        status,
        ErrorPage {
            c,
            code: e.code.as_str(),
            message_key,
        },
    )
        .into_response();
    r.extensions_mut().insert(info);
    r
}

/// The page context of an authenticated viewer; not logged in → the login page.
pub(crate) async fn viewer(
    s: &AppState,
    auth: Result<Authn, ApiError>,
    headers: &HeaderMap,
    uri: &axum::http::Uri,
) -> Result<(Authn, Ctx), PageError> {
    let here = uri
        .path_and_query()
        .map_or_else(|| uri.path().to_owned(), |p| p.as_str().to_owned());
    let mut c = Ctx::anonymous(headers, &here);
    let a = match auth {
        Ok(a) => a,
        Err(e) if e.code == ErrorCode::Unauthenticated => {
            return Err(PageError::Login { next: here });
        }
        Err(e) => return Err(PageError::Api(e, Box::new(c))),
    };
    let user = match s.app.me(&a.actor).await {
        Ok((u, _)) => u,
        Err(e) => return Err(PageError::Api(e.into(), Box::new(c))),
    };
    c.user = Some(Viewer {
        id: user.id,
        name: user.display_name,
        role: a.actor.role,
        staff: a.actor.role.is_staff(),
        team_id: user.team_id,
        organization_id: user.organization_id,
    });
    c.csrf = a
        .session
        .as_ref()
        .map(|x| x.csrf_token.clone())
        .unwrap_or_default();
    Ok((a, c))
}

pub(crate) fn see_other(location: &str) -> Response {
    let mut r = StatusCode::SEE_OTHER.into_response();
    if let Ok(v) = HeaderValue::from_str(location) {
        r.headers_mut().insert(header::LOCATION, v);
    }
    r
}

async fn root() -> Response {
    see_other("/ui/queue")
}

#[derive(Template, WebTemplate)]
#[template(path = "login.html")]
struct LoginPage {
    c: Ctx,
    error: Option<&'static str>,
    login: String,
    next: String,
}

#[derive(Deserialize)]
struct LoginQuery {
    next: Option<String>,
}

async fn login_page(headers: HeaderMap, Query(q): Query<LoginQuery>) -> Response {
    let next = q.next.unwrap_or_else(|| "/ui".into());
    let c = Ctx::anonymous(
        &headers,
        &format!("/ui/login?next={}", percent_encode(&next)),
    );
    LoginPage {
        c,
        error: None,
        login: String::new(),
        next,
    }
    .into_response()
}

/// The login page again after a refused form login: the error beside the
/// form, the typed username kept (never the password).
pub(crate) fn login_refused(
    headers: &HeaderMap,
    login: String,
    next: String,
    e: ApiError,
) -> Response {
    let c = Ctx::anonymous(
        headers,
        &format!("/ui/login?next={}", percent_encode(&next)),
    );
    let error = match e.code {
        ErrorCode::LoginFailed => "login.login_failed",
        ErrorCode::TooManyAttempts => "login.too_many_attempts",
        ErrorCode::CrossSiteRequest => "login.cross_site_request",
        _ => "login.validation_failed",
    };
    let status = e.status();
    let mut r = (
        status,
        LoginPage {
            c,
            error: Some(error),
            login,
            next,
        },
    )
        .into_response();
    if let Some(s) = e.retry_after {
        r.headers_mut().insert(header::RETRY_AFTER, s.into());
    }
    r
}

/// Choose the language: a cookie for a year, then back to the page.
async fn switch_language(Path(tag): Path<String>, Query(q): Query<LoginQuery>) -> Response {
    let next = local_path(q.next.as_deref()).to_owned();
    let Some(lang) = Lang::parse(&tag) else {
        return see_other(&next);
    };
    let mut r = see_other(&next);
    let v = format!(
        "{LANG_COOKIE}={}; Path=/; Max-Age=31536000; SameSite=Lax",
        lang.tag()
    );
    if let Ok(v) = HeaderValue::from_str(&v) {
        r.headers_mut().insert(header::SET_COOKIE, v);
    }
    r
}

/// A path on this site, never another site.
pub(crate) fn local_path(next: Option<&str>) -> &str {
    match next {
        Some(p)
            if p.starts_with('/') && !p.starts_with("//") && !p.contains(['\\', '\r', '\n']) =>
        {
            p
        }
        _ => "/ui",
    }
}

/// What a path in a query parameter keeps as it is: the unreserved
/// characters and `/`, so `next=/ui/queue` stays readable in the address bar.
const PATH_IN_QUERY: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~')
    .remove(b'/');

pub(crate) fn percent_encode(s: &str) -> String {
    percent_encoding::utf8_percent_encode(s, PATH_IN_QUERY).to_string()
}

fn percent_decode(s: &str) -> String {
    percent_encoding::percent_decode_str(s)
        .decode_utf8_lossy()
        .into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_show_in_the_viewers_zone_and_shanghai_by_default() {
        let h = HeaderMap::new();
        let c = Ctx::anonymous(&h, "/ui");
        assert_eq!(c.tz_name, "Asia/Shanghai");
        // 2026-11-20T02:00:00Z
        assert_eq!(c.time(&1_795_140_000_000), "2026-11-20 10:00");
        let mut h = HeaderMap::new();
        h.insert(
            header::COOKIE,
            HeaderValue::from_static("fuwu_tz=Europe%2FBerlin; fuwu_lang=en"),
        );
        let c = Ctx::anonymous(&h, "/ui");
        assert_eq!((c.tz_name.as_str(), c.lang), ("Europe/Berlin", Lang::En));
        assert_eq!(c.time(&1_795_140_000_000), "2026-11-20 03:00");
        let mut h = HeaderMap::new();
        h.insert(
            header::COOKIE,
            HeaderValue::from_static("fuwu_tz=Mars%2FOlympus"),
        );
        assert_eq!(Ctx::anonymous(&h, "/ui").tz_name, "Asia/Shanghai");
    }

    #[test]
    fn a_refusal_names_its_time_in_the_viewers_zone_and_language() {
        let api = "auto-close is not due before 2026-12-11T00:57:33+08:00";
        let c = Ctx::anonymous(&HeaderMap::new(), "/ui");
        assert_eq!(c.msg(api), "2026-12-11 00:57 之前还不能自动关闭");
        let mut h = HeaderMap::new();
        h.insert(
            header::COOKIE,
            HeaderValue::from_static("fuwu_tz=Europe%2FBerlin; fuwu_lang=en"),
        );
        let c = Ctx::anonymous(&h, "/ui");
        assert_eq!(c.msg(api), "auto-close is not due before 2026-12-10 17:57");
    }

    #[test]
    fn a_path_in_a_query_is_encoded_as_the_hand_written_encoder_did() {
        // Outputs of the encoder this replaced: links already sent stay valid.
        for (text, encoded) in [
            (
                "/ui/queue?view=mine&page=2",
                "/ui/queue%3Fview%3Dmine%26page%3D2",
            ),
            (
                "工单 第3号/回复",
                "%E5%B7%A5%E5%8D%95%20%E7%AC%AC3%E5%8F%B7/%E5%9B%9E%E5%A4%8D",
            ),
            ("a b+c%20d", "a%20b%2Bc%2520d"),
            ("100%", "100%25"),
            ("?&=#", "%3F%26%3D%23"),
            ("~-_.!*'()", "~-_.%21%2A%27%28%29"),
            ("line\r\nbreak\0", "line%0D%0Abreak%00"),
            ("𝄞 emoji", "%F0%9D%84%9E%20emoji"),
            ("", ""),
        ] {
            assert_eq!(percent_encode(text), encoded, "{text:?}");
            assert_eq!(percent_decode(encoded), text);
        }
        assert_eq!(percent_decode("100%"), "100%", "a stray % stays");
        assert_eq!(percent_decode("%zz%4"), "%zz%4");
    }

    #[test]
    fn the_language_switch_goes_back_only_to_this_site() {
        assert_eq!(local_path(Some("//evil.example/x")), "/ui");
        assert_eq!(local_path(Some("https://evil.example")), "/ui");
        assert_eq!(
            local_path(Some("/ui/queue?view=mine")),
            "/ui/queue?view=mine"
        );
        assert_eq!(
            percent_decode(&percent_encode("/ui/queue?a=1&b=中")),
            "/ui/queue?a=1&b=中"
        );
    }
}
