//! The pages: queues, the request page with its actions, new requests (the
//! phone intake for staff, the portal form for customers).

use super::form::Form;
use super::{Ctx, PageError};
use axum::response::Response;
use fuwu_app::AppError;
use fuwu_core::NonEmpty;

type PageResult = Result<Response, PageError>;

pub(super) fn fail(c: Ctx) -> impl FnOnce(AppError) -> PageError {
    move |e| PageError::Api(e.into(), Box::new(c))
}

/// Reads fields of a posted form, noting an error beside each bad one.
pub(super) struct FormReader<'a> {
    pub(super) form: &'a mut Form,
}

impl FormReader<'_> {
    pub(super) fn opt(&self, field: &str) -> Option<String> {
        self.form
            .values
            .get(field)
            .map(|v| v.trim().to_owned())
            .filter(|v| !v.is_empty())
    }
    pub(super) fn error(&mut self, field: &str, key: &'static str) {
        self.form.errors.insert(field.to_owned(), key.to_owned());
    }
    pub(super) fn required(&mut self, field: &str) {
        self.error(field, "f.required");
    }
    pub(super) fn failed(&self) -> bool {
        !self.form.errors.is_empty()
    }
    pub(super) fn text(&mut self, field: &str) -> Option<NonEmpty> {
        match self.opt(field).and_then(|v| NonEmpty::parse(&v).ok()) {
            Some(v) => Some(v),
            None => {
                self.required(field);
                None
            }
        }
    }
    pub(super) fn pick<T: std::str::FromStr>(&mut self, field: &str) -> Option<T> {
        match self.opt(field).and_then(|v| v.parse::<T>().ok()) {
            Some(v) => Some(v),
            None => {
                self.required(field);
                None
            }
        }
    }
    pub(super) fn opt_id(&mut self, field: &str) -> Option<i64> {
        let v = self.opt(field)?;
        match v.parse::<i64>() {
            Ok(n) if n > 0 => Some(n),
            _ => {
                self.required(field);
                None
            }
        }
    }
    /// An optional local date and time (`2026-11-20T09:50`, as a
    /// `datetime-local` input sends it) in `tz`, as Unix ms.
    pub(super) fn local_time(&mut self, field: &str, tz: &jiff::tz::TimeZone) -> Option<i64> {
        let v = self.opt(field)?;
        match v
            .parse::<jiff::civil::DateTime>()
            .ok()
            .and_then(|dt| dt.to_zoned(tz.clone()).ok())
        {
            Some(z) => Some(z.timestamp().as_millisecond()),
            None => {
                self.error(field, "f.bad_time");
                None
            }
        }
    }
    pub(super) fn number(&mut self, field: &str, min: i64, max: i64) -> Option<i64> {
        match self.opt(field).and_then(|v| v.parse::<i64>().ok()) {
            Some(n) if (min..=max).contains(&n) => Some(n),
            _ => {
                self.required(field);
                None
            }
        }
    }
}

mod new;
mod queue;
pub(super) mod request;

pub use new::*;
pub use queue::*;
pub use request::*;
