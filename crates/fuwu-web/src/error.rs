//! The API's one error type. Every public code is an [`ErrorCode`], which
//! fixes its status; internal causes are logged, never sent.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use fuwu_app::AppError;
use fuwu_core::lifecycle::LifecycleError;
use serde::Serialize;
use std::borrow::Cow;
use utoipa::ToSchema;

/// Declares [`ErrorCode`] and, from the same list, its wire code, status,
/// meaning and [`ErrorCode::ALL`]: one line per code, so none can be missing
/// from the table or lack a status.
macro_rules! error_codes {
    ($($variant:ident = $code:literal, $status:ident, $meaning:literal;)*) => {
        /// Every error code the API returns. A code is a variant, not a
        /// string, so it cannot be sent without its status (a string looked
        /// up in a table fell back to 500 when misspelt).
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum ErrorCode {
            $(#[doc = $meaning] $variant,)*
        }

        impl ErrorCode {
            /// Every code, in the order the API description lists them.
            pub const ALL: &[ErrorCode] = &[$(ErrorCode::$variant),*];

            /// The machine-readable code clients match on.
            pub const fn as_str(self) -> &'static str {
                match self {
                    $(ErrorCode::$variant => $code,)*
                }
            }

            pub const fn status(self) -> StatusCode {
                match self {
                    $(ErrorCode::$variant => StatusCode::$status,)*
                }
            }

            /// What the code means, for the API description.
            pub const fn meaning(self) -> &'static str {
                match self {
                    $(ErrorCode::$variant => $meaning,)*
                }
            }
        }
    };
}

error_codes! {
    BadRequest = "bad_request", BAD_REQUEST,
        "the request is malformed: unreadable JSON, a bad query parameter or header";
    Unauthenticated = "unauthenticated", UNAUTHORIZED,
        "no valid API token or session cookie was presented (a session expired, ended or was tampered with)";
    LoginFailed = "login_failed", UNAUTHORIZED,
        "wrong username or password; the same answer whether or not the account exists";
    Forbidden = "forbidden", FORBIDDEN,
        "the acting user may not do this";
    CsrfTokenMissing = "csrf_token_missing", FORBIDDEN,
        "a state-changing request authenticated by the session cookie lacks its CSRF token (header X-CSRF-Token or form field csrf_token)";
    CrossSiteRequest = "cross_site_request", FORBIDDEN,
        "a login was posted from another site (its Origin is not this host)";
    CsrfTokenInvalid = "csrf_token_invalid", FORBIDDEN,
        "the CSRF token does not belong to this session";
    ActionNotAllowed = "action_not_allowed", FORBIDDEN,
        "the acting user's role may not take this lifecycle action";
    NotFound = "not_found", NOT_FOUND,
        "no such resource, or not visible to the acting user";
    MethodNotAllowed = "method_not_allowed", METHOD_NOT_ALLOWED,
        "the resource does not support this method";
    VersionConflict = "version_conflict", CONFLICT,
        "the record changed since it was read; reload and retry";
    InvalidTransition = "invalid_transition", CONFLICT,
        "the action is not possible in the current state of the request or of its fault report";
    Conflict = "conflict", CONFLICT,
        "the change conflicts with existing data (a unique value is taken)";
    PayloadTooLarge = "payload_too_large", PAYLOAD_TOO_LARGE,
        "the upload exceeds the size limit";
    ValidationFailed = "validation_failed", UNPROCESSABLE_ENTITY,
        "a field is missing or has an invalid value";
    ActionRequirements = "action_requirements", UNPROCESSABLE_ENTITY,
        "the action lacks what it requires (a handler, a confirmation, a due time)";
    IdempotencyKeyReused = "idempotency_key_reused", UNPROCESSABLE_ENTITY,
        "the Idempotency-Key was used before with a different body";
    FileTypeNotAllowed = "file_type_not_allowed", UNPROCESSABLE_ENTITY,
        "the uploaded file's content type is not accepted";
    TooManyAttempts = "too_many_attempts", TOO_MANY_REQUESTS,
        "too many failed logins for this account or from this address; retry after the Retry-After header's seconds";
    Unavailable = "unavailable", SERVICE_UNAVAILABLE,
        "the database is unavailable (unreachable, busy, or a write kept losing conflicts with others after being retried); retry after the Retry-After header's seconds";
    Internal = "internal", INTERNAL_SERVER_ERROR,
        "an unexpected error; it was logged";
}

impl std::fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Every error code the API returns, its HTTP status, and what it means:
/// [`ErrorCode::ALL`] as plain data, for the API description and its tests.
pub const CODES: &[(&str, u16, &str)] = &{
    let mut table = [("", 0, ""); ErrorCode::ALL.len()];
    let mut i = 0;
    while i < table.len() {
        let c = ErrorCode::ALL[i];
        table[i] = (c.as_str(), c.status().as_u16(), c.meaning());
        i += 1;
    }
    table
};

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
    pub code: ErrorCode,
    pub message: String,
    pub field: Option<String>,
    /// Seconds for the `Retry-After` header (429, 503).
    pub retry_after: Option<u64>,
}

/// Put on every error response, so middleware can tell a denial (403) by its
/// code and message without parsing the body.
#[derive(Debug, Clone)]
pub struct ErrorInfo {
    pub code: ErrorCode,
    pub message: String,
}

impl ApiError {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        ApiError {
            code,
            message: message.into(),
            field: None,
            retry_after: None,
        }
    }
    pub fn field(code: ErrorCode, field: &str, message: impl Into<String>) -> Self {
        ApiError {
            code,
            message: message.into(),
            field: Some(field.to_owned()),
            retry_after: None,
        }
    }
    pub fn status(&self) -> StatusCode {
        self.code.status()
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
                code: self.code.as_str(),
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
        jiff::tz::TimeZone::get(crate::DEFAULT_TZ)
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
            AppError::Unauthenticated => ApiError::new(ErrorCode::Unauthenticated, msg),
            AppError::LoginFailed => ApiError::new(ErrorCode::LoginFailed, msg),
            AppError::Throttled { retry_after_s } => ApiError {
                retry_after: Some(retry_after_s),
                ..ApiError::new(ErrorCode::TooManyAttempts, msg)
            },
            AppError::Forbidden(_) => ApiError::new(ErrorCode::Forbidden, msg),
            AppError::NotFound { .. } => ApiError::new(ErrorCode::NotFound, msg),
            AppError::Invalid { field, message } => ApiError::field(
                ErrorCode::ValidationFailed,
                field,
                format!("{field}: {message}"),
            ),
            AppError::InvalidEvent { index, .. } => ApiError::field(
                ErrorCode::ValidationFailed,
                &format!("events[{index}]"),
                msg,
            ),
            AppError::Lifecycle(l) => match l {
                LifecycleError::RoleNotAllowed { .. } => {
                    ApiError::new(ErrorCode::ActionNotAllowed, msg)
                }
                LifecycleError::InvalidTransition { .. } | LifecycleError::SameStage { .. } => {
                    ApiError::new(ErrorCode::InvalidTransition, msg)
                }
                LifecycleError::InvalidEscalation { .. } => {
                    ApiError::field(ErrorCode::ActionRequirements, "to", msg)
                }
                _ => ApiError::new(ErrorCode::ActionRequirements, msg),
            },
            AppError::StaleVersion { .. } => {
                ApiError::field(ErrorCode::VersionConflict, "version", msg)
            }
            AppError::Conflict(_) => ApiError::new(ErrorCode::Conflict, msg),
            AppError::InvalidState(_) => ApiError::new(ErrorCode::InvalidTransition, msg),
            AppError::IdempotencyKeyReused => ApiError::new(ErrorCode::IdempotencyKeyReused, msg),
            AppError::TooLarge { .. } => ApiError::new(ErrorCode::PayloadTooLarge, msg),
            AppError::UnsupportedMediaType(_) => ApiError::new(ErrorCode::FileTypeNotAllowed, msg),
            AppError::Unavailable(cause) => {
                tracing::error!(error = %cause, "database unavailable");
                ApiError {
                    retry_after: Some(UNAVAILABLE_RETRY_AFTER_S),
                    ..ApiError::new(
                        ErrorCode::Unavailable,
                        "the database is unavailable; retry later",
                    )
                }
            }
            AppError::Internal(cause) => {
                tracing::error!(error = ?cause, "internal error");
                ApiError::new(
                    ErrorCode::Internal,
                    "an unexpected error occurred; it was logged",
                )
            }
            AppError::Hashing(cause) => {
                tracing::error!(error = %cause, "password hashing failed");
                ApiError::new(
                    ErrorCode::Internal,
                    "an unexpected error occurred; it was logged",
                )
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{ErrorCode, api_time, instants_in};

    #[test]
    fn every_code_keeps_its_wire_name_and_status() {
        // Clients match on these: a change here breaks them.
        let expected = [
            ("bad_request", 400),
            ("unauthenticated", 401),
            ("login_failed", 401),
            ("forbidden", 403),
            ("csrf_token_missing", 403),
            ("cross_site_request", 403),
            ("csrf_token_invalid", 403),
            ("action_not_allowed", 403),
            ("not_found", 404),
            ("method_not_allowed", 405),
            ("version_conflict", 409),
            ("invalid_transition", 409),
            ("conflict", 409),
            ("payload_too_large", 413),
            ("validation_failed", 422),
            ("action_requirements", 422),
            ("idempotency_key_reused", 422),
            ("file_type_not_allowed", 422),
            ("too_many_attempts", 429),
            ("unavailable", 503),
            ("internal", 500),
        ];
        let actual: Vec<(&str, u16)> = ErrorCode::ALL
            .iter()
            .map(|c| (c.as_str(), c.status().as_u16()))
            .collect();
        assert_eq!(actual, expected);
        assert_eq!(super::CODES.len(), ErrorCode::ALL.len());
    }

    #[test]
    fn no_wire_code_is_used_twice() {
        let mut names: Vec<&str> = ErrorCode::ALL.iter().map(|c| c.as_str()).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), ErrorCode::ALL.len());
    }

    #[test]
    fn the_readme_errors_table_lists_exactly_the_codes() {
        let readme = include_str!("../../../README.md");
        let section = readme
            .split_once("### Errors")
            .expect("README has an Errors section")
            .1;
        let table: Vec<(String, u16)> = section
            .lines()
            .skip_while(|l| !l.starts_with('|'))
            .take_while(|l| l.starts_with('|'))
            .skip(2)
            .map(|row| {
                let cells: Vec<&str> = row.split('|').map(str::trim).collect();
                (
                    cells[1].trim_matches('`').to_owned(),
                    cells[2].parse().expect("a status"),
                )
            })
            .collect();
        let mut expected: Vec<(String, u16)> = ErrorCode::ALL
            .iter()
            .map(|c| (c.as_str().to_owned(), c.status().as_u16()))
            .collect();
        let mut table_sorted = table.clone();
        table_sorted.sort();
        expected.sort();
        assert_eq!(table_sorted, expected, "README's Errors table: {table:?}");
    }

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
