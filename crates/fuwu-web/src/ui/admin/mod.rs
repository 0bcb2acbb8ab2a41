//! The admin area under `/ui/admin`: users (with password resets), roles
//! and what each may do, teams, organizations with their archive, contacts
//! and systems, contracts, systems, calendars (a year view, holidays and
//! adjusted working days, windows, iCalendar), SLA policies and their targets.
//!
//! Every page first asks the app layer whether the viewer may administer
//! (`Capability::Administer`, from the one table in fuwu-app's `access.rs`:
//! a customer administrator holds nothing here); every write then goes
//! through the same use case as the JSON API, which decides again. Forms
//! keep what was typed on a refusal, show the error beside the field and
//! carry the version read, so a concurrent change is a clear 409.
//!
//! One file per record kind; [`Admin`] is the gate every handler takes, and
//! `form` holds what the forms share.

mod calendars;
mod contracts;
mod form;
mod options;
mod organizations;
mod policies;
mod roles;
mod systems;
mod teams;
mod users;

use super::{Ctx, PageError, viewer};
use crate::AppState;
use crate::error::{ApiError, ErrorCode};
use crate::extract::Authn;
use axum::Router;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::response::Response;
use form::{Body, page_id, posted};
use fuwu_app::access::Capability;
use fuwu_app::{Actor, AppError};
use std::collections::HashMap;

type PageResult = Result<Response, PageError>;

pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .merge(roles::routes())
        .merge(users::routes())
        .merge(teams::routes())
        .merge(organizations::routes())
        .merge(contracts::routes())
        .merge(systems::routes())
        .merge(calendars::routes())
        .merge(policies::routes())
}

/// The sections of the admin area, for its tab bar: (path, catalogue key).
const SECTIONS: &[(&str, &str)] = &[
    ("/ui/admin", "admin.roles"),
    ("/ui/admin/users", "admin.users"),
    ("/ui/admin/teams", "admin.teams"),
    ("/ui/admin/organizations", "admin.organizations"),
    ("/ui/admin/contracts", "admin.contracts"),
    ("/ui/admin/systems", "admin.systems"),
    ("/ui/admin/calendars", "admin.calendars"),
    ("/ui/admin/sla-policies", "admin.policies"),
];

/// A page of the admin area: the viewer, whom the app layer let administer,
/// and the page's context. Anyone else gets what [`viewer`] answers (the
/// login page when not logged in) or the error page for the refusal.
///
/// Handlers take it after their `Path` and `Query`, as the last extractor
/// before the body: a malformed path or query is then refused before the
/// viewer is looked up, in the order the handlers always answered.
pub(super) struct Admin {
    pub(super) actor: Actor,
    pub(super) c: Ctx,
}

impl FromRequestParts<AppState> for Admin {
    type Rejection = PageError;

    async fn from_request_parts(parts: &mut Parts, s: &AppState) -> Result<Self, PageError> {
        let auth = Authn::from_request_parts(parts, s).await;
        let (a, c) = viewer(s, auth, &parts.headers, &parts.uri).await?;
        match a.actor.require(Capability::Administer) {
            Ok(()) => Ok(Admin { actor: a.actor, c }),
            Err(e) => Err(PageError::Api(e.into(), Box::new(c))),
        }
    }
}

impl Admin {
    /// The record's id from the path; a malformed one is no such record.
    fn record(self, raw_id: &str) -> Result<(Actor, Ctx, i64), PageError> {
        match page_id(raw_id) {
            Some(id) => Ok((self.actor, self.c, id)),
            None => Err(not_found(self.c)),
        }
    }

    /// The posted fields of a form.
    fn posted(self, body: Body) -> Result<(Actor, Ctx, HashMap<String, String>), PageError> {
        match posted(body) {
            Ok(values) => Ok((self.actor, self.c, values)),
            Err(e) => Err(PageError::Api(e, Box::new(self.c))),
        }
    }

    /// The record's id from the path and the posted fields of its edit form.
    fn edit(
        self,
        raw_id: &str,
        body: Body,
    ) -> Result<(Actor, Ctx, i64, HashMap<String, String>), PageError> {
        let (actor, c, id) = self.record(raw_id)?;
        match posted(body) {
            Ok(values) => Ok((actor, c, id, values)),
            Err(e) => Err(PageError::Api(e, Box::new(c))),
        }
    }
}

fn fail(c: Ctx) -> impl FnOnce(AppError) -> PageError {
    move |e| PageError::Api(e.into(), Box::new(c))
}

fn not_found(c: Ctx) -> PageError {
    PageError::Api(
        ApiError::new(ErrorCode::NotFound, "no such record"),
        Box::new(c),
    )
}

/// Like [`fail`], for a context still needed afterwards: the error page gets a copy.
fn fail_ref(c: &Ctx) -> impl FnOnce(AppError) -> PageError + '_ {
    move |e| {
        let copy = Ctx {
            lang: c.lang,
            cat: c.cat,
            tz: c.tz.clone(),
            tz_name: c.tz_name.clone(),
            user: c.user.clone(),
            csrf: c.csrf.clone(),
            here: c.here.clone(),
        };
        PageError::Api(e.into(), Box::new(copy))
    }
}

#[cfg(test)]
mod tests {
    use super::calendars::WEEKDAYS;
    use super::roles::human_roles;
    use super::systems::SYSTEM_KINDS;
    use crate::ui::i18n::Lang;

    #[test]
    fn every_key_of_the_admin_pages_is_in_both_catalogues() {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/templates/admin");
        let mut sources: Vec<String> = std::fs::read_dir(dir)
            .expect("admin templates")
            .filter_map(std::result::Result::ok)
            .filter_map(|e| std::fs::read_to_string(e.path()).ok())
            .collect();
        for src in [
            include_str!("mod.rs"),
            include_str!("form.rs"),
            include_str!("options.rs"),
            include_str!("roles.rs"),
            include_str!("users.rs"),
            include_str!("teams.rs"),
            include_str!("organizations.rs"),
            include_str!("systems.rs"),
            include_str!("contracts.rs"),
            include_str!("calendars.rs"),
            include_str!("policies.rs"),
        ] {
            sources.push(src.to_owned());
        }
        let mut keys: Vec<String> = Vec::new();
        for src in &sources {
            for part in src.split(".t(\"").skip(1) {
                keys.push(part.split('"').next().unwrap_or("").to_owned());
            }
            for part in src.split('"').filter(|p| {
                p.starts_with("admin.")
                    && !p.ends_with('.')
                    && p.len() > 6
                    && p.chars()
                        .all(|ch| ch.is_ascii_alphanumeric() || ch == '.' || ch == '_')
            }) {
                // Prefixes of `c.tv(prefix, value)` are not keys themselves.
                let prefix = [
                    "admin.kind",
                    "admin.role",
                    "admin.day",
                    "admin.weekday",
                    "admin.wd",
                    "admin.month",
                    "admin.rs",
                ];
                if !prefix.contains(&part) {
                    keys.push(part.to_owned());
                }
            }
        }
        for r in human_roles() {
            keys.push(format!("admin.role.{}", r.as_str()));
        }
        for k in SYSTEM_KINDS {
            keys.push(format!("admin.kind.{k}"));
        }
        for w in WEEKDAYS {
            keys.push(format!("admin.weekday.{}", w.0));
        }
        assert!(keys.len() > 60, "only {} keys found", keys.len());
        for l in Lang::ALL {
            for k in &keys {
                assert!(l.catalog().has(k), "`{k}` is missing in {}", l.tag());
            }
        }
    }
}
