//! The API's one error type. Every public code is in [`CODES`] with its status;
//! internal causes are logged, never sent.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use fuwu_app::AppError;
use fuwu_core::lifecycle::LifecycleError;
use serde::Serialize;
use std::borrow::Cow;
use utoipa::ToSchema;

/// Every error code the API returns, its HTTP status, and what it means.
pub const CODES: &[(&str, u16, &str)] = &[
    (
        "bad_request",
        400,
        "the request is malformed: unreadable JSON, a bad query parameter or header",
    ),
    (
        "unauthenticated",
        401,
        "no valid API token or session cookie was presented (a session expired, ended or was tampered with)",
    ),
    (
        "login_failed",
        401,
        "wrong username or password; the same answer whether or not the account exists",
    ),
    ("forbidden", 403, "the acting user may not do this"),
    (
        "csrf_token_missing",
        403,
        "a state-changing request authenticated by the session cookie lacks its CSRF token (header X-CSRF-Token or form field csrf_token)",
    ),
    (
        "cross_site_request",
        403,
        "a login was posted from another site (its Origin is not this host)",
    ),
    (
        "csrf_token_invalid",
        403,
        "the CSRF token does not belong to this session",
    ),
    (
        "action_not_allowed",
        403,
        "the acting user's role may not take this lifecycle action",
    ),
    (
        "not_found",
        404,
        "no such resource, or not visible to the acting user",
    ),
    (
        "method_not_allowed",
        405,
        "the resource does not support this method",
    ),
    (
        "version_conflict",
        409,
        "the record changed since it was read; reload and retry",
    ),
    (
        "invalid_transition",
        409,
        "the action is not possible in the current state of the request or of its fault report",
    ),
    (
        "conflict",
        409,
        "the change conflicts with existing data (a unique value is taken)",
    ),
    (
        "payload_too_large",
        413,
        "the upload exceeds the size limit",
    ),
    (
        "validation_failed",
        422,
        "a field is missing or has an invalid value",
    ),
    (
        "action_requirements",
        422,
        "the action lacks what it requires (a handler, a confirmation, a due time)",
    ),
    (
        "idempotency_key_reused",
        422,
        "the Idempotency-Key was used before with a different body",
    ),
    (
        "file_type_not_allowed",
        422,
        "the uploaded file's content type is not accepted",
    ),
    (
        "too_many_attempts",
        429,
        "too many failed logins for this account or from this address; retry after the Retry-After header's seconds",
    ),
    (
        "unavailable",
        503,
        "the database is unavailable (unreachable, busy, or a write kept losing conflicts with others after being retried); retry after the Retry-After header's seconds",
    ),
    ("internal", 500, "an unexpected error; it was logged"),
];

/// Seconds a client is told to wait (`Retry-After`) after a 503 `unavailable`.
pub const UNAVAILABLE_RETRY_AFTER_S: u64 = 2;

/// The body of every error response.
#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorBody {
    /// A stable machine-readable code from the table in the API description.
    #[schema(example = "invalid_transition")]
    pub code: &'static str,
    /// A human-readable explanation.
    pub message: String,
    /// The offending field, for validation errors.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
}

#[derive(Debug)]
pub struct ApiError {
    pub code: &'static str,
    pub message: String,
    pub field: Option<String>,
    /// Seconds for the `Retry-After` header (429, 503).
    pub retry_after: Option<u64>,
}

/// Put on every error response, so middleware can tell a denial (403) by its
/// code and message without parsing the body.
#[derive(Debug, Clone)]
pub struct ErrorInfo {
    pub code: &'static str,
    pub message: String,
}

impl ApiError {
    pub fn new(code: &'static str, message: impl Into<String>) -> Self {
        ApiError {
            code,
            message: message.into(),
            field: None,
            retry_after: None,
        }
    }
    pub fn field(code: &'static str, field: &str, message: impl Into<String>) -> Self {
        ApiError {
            code,
            message: message.into(),
            field: Some(field.to_owned()),
            retry_after: None,
        }
    }
    pub fn status(&self) -> StatusCode {
        let n = CODES
            .iter()
            .find(|(c, _, _)| *c == self.code)
            .map_or(500, |(_, s, _)| *s);
        StatusCode::from_u16(n).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = self.status();
        let info = ErrorInfo {
            code: self.code,
            message: self.message.clone(),
        };
        let mut r = (
            status,
            Json(ErrorBody {
                code: self.code,
                message: self.message,
                field: self.field,
            }),
        )
            .into_response();
        if let Some(s) = self.retry_after {
            r.headers_mut()
                .insert(axum::http::header::RETRY_AFTER, s.into());
        }
        r.extensions_mut().insert(info);
        r
    }
}

/// `text` with every RFC 3339 instant in it (`2026-12-08T05:37:33.762Z`,
/// as the use cases and the domain write them, or with an offset) written
/// by `show`: refusals name times as the reader reads them.
pub fn instants_in(text: &str, show: impl Fn(jiff::Timestamp) -> String) -> Cow<'_, str> {
    let bytes = text.as_bytes();
    let starts_instant = |i: usize| {
        bytes.len() >= i + 11
            && bytes[i..i + 4].iter().all(u8::is_ascii_digit)
            && bytes[i + 4] == b'-'
            && bytes[i + 10] == b'T'
            && (i == 0 || !bytes[i - 1].is_ascii_alphanumeric())
    };
    let in_instant = |b: &u8| b.is_ascii_alphanumeric() || matches!(b, b':' | b'.' | b'+' | b'-');
    let mut out = String::new();
    let (mut copied, mut i) = (0, 0);
    while i < bytes.len() {
        if !starts_instant(i) {
            i += 1;
            continue;
        }
        let end = i + bytes[i..].iter().take_while(|b| in_instant(b)).count();
        // A sentence's full stop is not part of the instant.
        let end = if bytes[end - 1] == b'.' { end - 1 } else { end };
        if let Ok(t) = text[i..end].parse::<jiff::Timestamp>() {
            out.push_str(&text[copied..i]);
            out.push_str(&show(t));
            copied = end;
        }
        i = end;
    }
    if copied == 0 {
        return Cow::Borrowed(text);
    }
    out.push_str(&text[copied..]);
    Cow::Owned(out)
}

/// The zone the API writes the times in its messages in: users have no zone
/// of their own, the desk's is China's.
fn api_zone() -> &'static jiff::tz::TimeZone {
    static ZONE: std::sync::OnceLock<jiff::tz::TimeZone> = std::sync::OnceLock::new();
    ZONE.get_or_init(|| {
        jiff::tz::TimeZone::get(crate::ui::DEFAULT_TZ)
            .unwrap_or_else(|_| jiff::tz::TimeZone::fixed(jiff::tz::offset(8)))
    })
}

/// An instant in an API message: RFC 3339 in China's time, to the second.
pub fn api_time(t: jiff::Timestamp) -> String {
    t.to_zoned(api_zone().clone())
        .strftime("%Y-%m-%dT%H:%M:%S%:z")
        .to_string()
}

impl From<AppError> for ApiError {
    fn from(e: AppError) -> Self {
        let msg = instants_in(&e.to_string(), api_time).into_owned();
        match e {
            AppError::Unauthenticated => ApiError::new("unauthenticated", msg),
            AppError::LoginFailed => ApiError::new("login_failed", msg),
            AppError::Throttled { retry_after_s } => ApiError {
                retry_after: Some(retry_after_s),
                ..ApiError::new("too_many_attempts", msg)
            },
            AppError::Forbidden(_) => ApiError::new("forbidden", msg),
            AppError::NotFound { .. } => ApiError::new("not_found", msg),
            AppError::Invalid { field, message } => {
                ApiError::field("validation_failed", field, format!("{field}: {message}"))
            }
            AppError::InvalidEvent { index, .. } => {
                ApiError::field("validation_failed", &format!("events[{index}]"), msg)
            }
            AppError::Lifecycle(l) => match l {
                LifecycleError::RoleNotAllowed { .. } => ApiError::new("action_not_allowed", msg),
                LifecycleError::InvalidTransition { .. } | LifecycleError::SameStage { .. } => {
                    ApiError::new("invalid_transition", msg)
                }
                LifecycleError::InvalidEscalation { .. } => {
                    ApiError::field("action_requirements", "to", msg)
                }
                _ => ApiError::new("action_requirements", msg),
            },
            AppError::StaleVersion { .. } => ApiError::field("version_conflict", "version", msg),
            AppError::Conflict(_) => ApiError::new("conflict", msg),
            AppError::InvalidState(_) => ApiError::new("invalid_transition", msg),
            AppError::IdempotencyKeyReused => ApiError::new("idempotency_key_reused", msg),
            AppError::TooLarge { .. } => ApiError::new("payload_too_large", msg),
            AppError::UnsupportedMediaType(_) => ApiError::new("file_type_not_allowed", msg),
            AppError::Unavailable(cause) => {
                tracing::error!(error = %cause, "database unavailable");
                ApiError {
                    retry_after: Some(UNAVAILABLE_RETRY_AFTER_S),
                    ..ApiError::new("unavailable", "the database is unavailable; retry later")
                }
            }
            AppError::Internal(cause) => {
                tracing::error!(error = ?cause, "internal error");
                ApiError::new("internal", "an unexpected error occurred; it was logged")
            }
            AppError::Hashing(cause) => {
                tracing::error!(error = %cause, "password hashing failed");
                ApiError::new("internal", "an unexpected error occurred; it was logged")
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{api_time, instants_in};

    #[test]
    fn instants_in_a_message_are_written_in_china_time() {
        assert_eq!(
            instants_in(
                "auto-close is not due before 2026-12-10T16:57:33.762Z",
                api_time
            ),
            "auto-close is not due before 2026-12-11T00:57:33+08:00"
        );
        assert_eq!(
            instants_in(
                "2026-11-01T10:00:00+08:00 is earlier than the event before it (2026-11-01T03:00:00Z).",
                api_time
            ),
            "2026-11-01T10:00:00+08:00 is earlier than the event before it (2026-11-01T11:00:00+08:00)."
        );
    }

    #[test]
    fn dates_numbers_and_plain_text_are_left_alone() {
        for text in [
            "2026-01-05 is a Monday",
            "version 2026-12",
            "events[2]: required",
            "x2026-12-10T16:57:33Z",
        ] {
            assert_eq!(instants_in(text, api_time), text);
        }
    }
}
