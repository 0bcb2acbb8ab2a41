//! What the admin forms share: the posted fields, the values read from them
//! with their field errors, a use case's refusal shown on the form, and the
//! queries the list pages take.

use crate::error::{ApiError, ErrorCode};
use crate::ui::form::Form;
use crate::ui::percent_encode;
use axum::extract::RawForm;
use axum::extract::rejection::RawFormRejection;
use axum::http::StatusCode;
use fuwu_app::AppError;
use serde::Deserialize;
use std::collections::HashMap;

/// A posted form, taken as it came so that an unreadable one is an error
/// page in the viewer's language rather than axum's plain-text rejection.
pub(super) type Body = Result<RawForm, RawFormRejection>;

#[derive(Debug, Default, Deserialize)]
pub struct Saved {
    pub(super) saved: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
pub struct CursorQuery {
    pub(super) cursor: Option<String>,
    pub(super) q: Option<String>,
    pub(super) org: Option<String>,
}

pub(super) fn page_id(raw: &str) -> Option<i64> {
    raw.parse::<i64>().ok().filter(|v| *v > 0)
}

/// The posted fields (without the CSRF token, checked before any handler).
pub(super) fn posted(body: Body) -> Result<HashMap<String, String>, ApiError> {
    let Ok(RawForm(bytes)) = body else {
        return Err(ApiError::new(ErrorCode::BadRequest, "send the page's form"));
    };
    serde_urlencoded::from_bytes::<Vec<(String, String)>>(&bytes)
        .map(|v| v.into_iter().filter(|(k, _)| k != "csrf_token").collect())
        .map_err(|_| ApiError::new(ErrorCode::BadRequest, "an unreadable form"))
}

pub(super) fn form_of(values: HashMap<String, String>) -> Form {
    Form {
        open: values.get("action").cloned().unwrap_or_default(),
        values,
        ..Form::default()
    }
}

pub(super) fn opt(form: &Form, field: &str) -> Option<String> {
    form.values
        .get(field)
        .map(|v| v.trim().to_owned())
        .filter(|v| !v.is_empty())
}

pub(super) fn checked(form: &Form, field: &str) -> bool {
    opt(form, field).is_some_and(|v| v == "on" || v == "true")
}

/// An optional id (a select's empty option is "none"); garbage is a field error.
pub(super) fn opt_id(form: &mut Form, field: &str) -> Option<i64> {
    let v = opt(form, field)?;
    match page_id(&v) {
        Some(n) => Some(n),
        None => {
            form.errors
                .insert(field.to_owned(), "admin.f.number".into());
            None
        }
    }
}

pub(super) fn required(form: &mut Form, field: &str) -> String {
    match opt(form, field) {
        Some(v) => v,
        None => {
            form.errors.insert(field.to_owned(), "f.required".into());
            String::new()
        }
    }
}

pub(super) fn version(form: &mut Form) -> i64 {
    match opt(form, "version").and_then(|v| v.parse::<i64>().ok()) {
        Some(v) => v,
        None => {
            form.errors.insert("version".into(), "f.required".into());
            0
        }
    }
}

/// A use case's refusal as the form shows it: beside the field, or as the
/// form's alert (someone else changed it, a duplicate); anything else is an error page.
pub(super) fn refused(form: &mut Form, e: AppError) -> Result<StatusCode, AppError> {
    match e {
        AppError::Invalid { field, message } => {
            // An update's check runs inside its transaction and comes back as
            // `body` with "field: why"; put it beside that field when the form has one.
            let (field, message) = match message.split_once(": ") {
                Some((f, m)) if field == "body" && form.values.contains_key(f) => {
                    (f.to_owned(), m.to_owned())
                }
                _ => (field.to_owned(), message),
            };
            form.errors.insert(field, message);
            Ok(StatusCode::UNPROCESSABLE_ENTITY)
        }
        AppError::StaleVersion { .. } => {
            form.alert = Some("admin.stale");
            Ok(StatusCode::CONFLICT)
        }
        AppError::Conflict(message) => {
            form.alert = Some("admin.duplicate");
            form.errors.insert("conflict".into(), message);
            Ok(StatusCode::CONFLICT)
        }
        other => Err(other),
    }
}

pub(super) fn with_query(path: &str, pairs: &[(&str, String)]) -> String {
    let q = pairs
        .iter()
        .filter(|(_, v)| !v.is_empty())
        .map(|(k, v)| format!("{k}={}", percent_encode(v)))
        .collect::<Vec<_>>()
        .join("&");
    if q.is_empty() {
        path.to_owned()
    } else {
        format!("{path}?{q}")
    }
}

pub(super) fn s_opt(v: &Option<String>) -> String {
    v.clone().unwrap_or_default()
}

pub(super) fn id_opt(v: Option<i64>) -> String {
    v.map(|n| n.to_string()).unwrap_or_default()
}
