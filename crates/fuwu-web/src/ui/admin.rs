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

use super::pages::Form;
use super::{Ctx, PageError, percent_encode, see_other, viewer};
use crate::AppState;
use crate::error::{ApiError, ErrorCode};
use crate::extract::Authn;
use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::rejection::RawFormRejection;
use axum::extract::{Path, Query, RawForm, State};
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use fuwu_app::access::{Capability, allows};
use fuwu_app::directory::{
    ContactInput, ContactPatch, ContractInput, ContractPatch, OrganizationInput, OrganizationPatch,
    SystemInput, SystemPatch, TeamInput, TeamPatch, UserInput, UserPatch,
};
use fuwu_app::sla::{CalendarInput, PolicyInput};
use fuwu_app::{Actor, AppError};
use fuwu_core::Role;
use fuwu_core::calendar::{BusinessDuration, Calendar, CalendarSpec, DayKind, DayWindows};
use fuwu_core::lifecycle::{ActionKind, roles_allowed};
use fuwu_core::sla::Policy;
use fuwu_store::directory::{Contract, Organization, User};
use serde::Deserialize;
use std::collections::HashMap;

type PageResult = Result<Response, PageError>;
type Body = Result<RawForm, RawFormRejection>;

pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route("/ui/admin", get(index))
        .route("/ui/admin/users", get(users))
        .route("/ui/admin/users/new", get(user_new).post(user_create))
        .route("/ui/admin/users/{id}", get(user_edit).post(user_update))
        .route("/ui/admin/teams", get(teams))
        .route("/ui/admin/teams/new", get(team_new).post(team_create))
        .route("/ui/admin/teams/{id}", get(team_edit).post(team_update))
        .route("/ui/admin/organizations", get(organizations))
        .route(
            "/ui/admin/organizations/new",
            get(organization_new).post(organization_create),
        )
        .route(
            "/ui/admin/organizations/{id}",
            get(organization_edit).post(organization_update),
        )
        .route("/ui/admin/contracts", get(contracts))
        .route(
            "/ui/admin/contracts/new",
            get(contract_new).post(contract_create),
        )
        .route(
            "/ui/admin/contracts/{id}",
            get(contract_edit).post(contract_update),
        )
        .route("/ui/admin/systems", get(systems))
        .route(
            "/ui/admin/systems/{id}",
            get(system_edit).post(system_update),
        )
        .route(
            "/ui/admin/contacts/{id}",
            get(contact_edit).post(contact_update),
        )
        .route("/ui/admin/calendars", get(calendars))
        .route(
            "/ui/admin/calendars/{name}",
            get(calendar).post(calendar_post),
        )
        .route("/ui/admin/sla-policies", get(policies))
        .route("/ui/admin/sla-policies/{id}", get(policy).post(policy_post))
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

/// A page of the admin area: the viewer, whom the app layer let administer.
async fn gate(
    s: &AppState,
    auth: Result<Authn, ApiError>,
    headers: &HeaderMap,
    uri: &Uri,
) -> Result<(Actor, Ctx), PageError> {
    let (a, c) = viewer(s, auth, headers, uri).await?;
    match a.actor.require(Capability::Administer) {
        Ok(()) => Ok((a.actor, c)),
        Err(e) => Err(PageError::Api(e.into(), Box::new(c))),
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

/// The gate, the record's id from the path and the posted fields of an edit form.
async fn gate_edit(
    s: &AppState,
    auth: Result<Authn, ApiError>,
    headers: &HeaderMap,
    uri: &Uri,
    raw_id: &str,
    body: Body,
) -> Result<(Actor, Ctx, i64, HashMap<String, String>), PageError> {
    let (actor, c) = gate(s, auth, headers, uri).await?;
    let Some(id) = page_id(raw_id) else {
        return Err(not_found(c));
    };
    match posted(body) {
        Ok(values) => Ok((actor, c, id, values)),
        Err(e) => Err(PageError::Api(e, Box::new(c))),
    }
}

fn page_id(raw: &str) -> Option<i64> {
    raw.parse::<i64>().ok().filter(|v| *v > 0)
}

/// The posted fields (without the CSRF token, checked before any handler).
fn posted(body: Body) -> Result<HashMap<String, String>, ApiError> {
    let Ok(RawForm(bytes)) = body else {
        return Err(ApiError::new(ErrorCode::BadRequest, "send the page's form"));
    };
    serde_urlencoded::from_bytes::<Vec<(String, String)>>(&bytes)
        .map(|v| v.into_iter().filter(|(k, _)| k != "csrf_token").collect())
        .map_err(|_| ApiError::new(ErrorCode::BadRequest, "an unreadable form"))
}

fn form_of(values: HashMap<String, String>) -> Form {
    Form {
        open: values.get("action").cloned().unwrap_or_default(),
        values,
        ..Form::default()
    }
}

fn opt(form: &Form, field: &str) -> Option<String> {
    form.values
        .get(field)
        .map(|v| v.trim().to_owned())
        .filter(|v| !v.is_empty())
}

fn checked(form: &Form, field: &str) -> bool {
    opt(form, field).is_some_and(|v| v == "on" || v == "true")
}

/// An optional id (a select's empty option is "none"); garbage is a field error.
fn opt_id(form: &mut Form, field: &str) -> Option<i64> {
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

fn required(form: &mut Form, field: &str) -> String {
    match opt(form, field) {
        Some(v) => v,
        None => {
            form.errors.insert(field.to_owned(), "f.required".into());
            String::new()
        }
    }
}

fn version(form: &mut Form) -> i64 {
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
fn refused(form: &mut Form, e: AppError) -> Result<StatusCode, AppError> {
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

fn with_query(path: &str, pairs: &[(&str, String)]) -> String {
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

fn s_opt(v: &Option<String>) -> String {
    v.clone().unwrap_or_default()
}

fn id_opt(v: Option<i64>) -> String {
    v.map(|n| n.to_string()).unwrap_or_default()
}

async fn org_options(s: &AppState, actor: &Actor) -> Vec<(String, String)> {
    s.app
        .list_organizations(actor, None, Some(200), None)
        .await
        .map(|p| {
            p.items
                .into_iter()
                .map(|o| (o.id.to_string(), o.name))
                .collect()
        })
        .unwrap_or_default()
}

async fn team_options(s: &AppState, actor: &Actor) -> Vec<(String, String)> {
    s.app
        .list_teams(actor, None, Some(200))
        .await
        .map(|p| {
            p.items
                .into_iter()
                .map(|t| (t.id.to_string(), t.name))
                .collect()
        })
        .unwrap_or_default()
}

/// The chosen organization among the options even beyond the first 200, so
/// saving a form never drops a value the list did not reach.
async fn with_chosen_org(
    s: &AppState,
    actor: &Actor,
    mut options: Vec<(String, String)>,
    chosen: &str,
) -> Vec<(String, String)> {
    if let Some(id) = page_id(chosen)
        && !options.iter().any(|(k, _)| k == chosen)
        && let Ok(o) = s.app.get_organization(actor, id).await
    {
        options.push((chosen.to_owned(), o.name));
    }
    options
}

/// Likewise for a chosen user (a project leader, a team lead).
async fn with_chosen_user(
    s: &AppState,
    actor: &Actor,
    mut options: Vec<(String, String)>,
    chosen: &str,
) -> Vec<(String, String)> {
    if let Some(id) = page_id(chosen)
        && !options.iter().any(|(k, _)| k == chosen)
        && let Ok(u) = s.app.get_user(actor, id).await
    {
        options.push((chosen.to_owned(), u.display_name));
    }
    options
}

fn name_in(options: &[(String, String)], id: Option<i64>) -> String {
    let Some(id) = id else {
        return String::new();
    };
    let key = id.to_string();
    options
        .iter()
        .find(|(k, _)| *k == key)
        .map_or_else(|| format!("#{id}"), |(_, n)| n.clone())
}

// ---------------------------------------------------------------- roles

/// Every capability with its name's catalogue key. The match makes a new
/// capability a compile error here, so the page cannot drift from the table.
fn capability_key(c: Capability) -> &'static str {
    match c {
        Capability::CreateRequests => "admin.cap.create_requests",
        Capability::EditRequests => "admin.cap.edit_requests",
        Capability::SeeInternal => "admin.cap.see_internal",
        Capability::LogWork => "admin.cap.log_work",
        Capability::RecordVisits => "admin.cap.record_visits",
        Capability::KeepDirectory => "admin.cap.keep_directory",
        Capability::ReadContracts => "admin.cap.read_contracts",
        Capability::ReadStaffDirectory => "admin.cap.read_staff_directory",
        Capability::WriteKnowledge => "admin.cap.write_knowledge",
        Capability::WriteFaultReports => "admin.cap.write_fault_reports",
        Capability::ReviewFaultReports => "admin.cap.review_fault_reports",
        Capability::ReadReports => "admin.cap.read_reports",
        Capability::ImportRequests => "admin.cap.import_requests",
        Capability::Administer => "admin.cap.administer",
    }
}

const CAPABILITIES: [Capability; 14] = [
    Capability::CreateRequests,
    Capability::EditRequests,
    Capability::SeeInternal,
    Capability::LogWork,
    Capability::RecordVisits,
    Capability::KeepDirectory,
    Capability::ReadContracts,
    Capability::ReadStaffDirectory,
    Capability::WriteKnowledge,
    Capability::WriteFaultReports,
    Capability::ReviewFaultReports,
    Capability::ReadReports,
    Capability::ImportRequests,
    Capability::Administer,
];

/// The roles a person can be given (the scheduler's `system` is nobody's).
fn human_roles() -> Vec<Role> {
    Role::ALL
        .iter()
        .copied()
        .filter(|r| *r != Role::System)
        .collect()
}

pub struct RoleRow {
    pub role: String,
    pub caps: Vec<&'static str>,
    pub actions: Vec<&'static str>,
}

#[derive(Template, WebTemplate)]
#[template(path = "admin/index.html")]
struct IndexPage {
    c: Ctx,
    here: &'static str,
    sections: &'static [(&'static str, &'static str)],
    caps: Vec<&'static str>,
    rows: Vec<RoleRow>,
}

/// The admin area's start: the roles and what each may do, read from the
/// capability table and the lifecycle's action table.
async fn index(
    State(s): State<AppState>,
    auth: Result<Authn, ApiError>,
    headers: HeaderMap,
    uri: Uri,
) -> PageResult {
    let (_, c) = gate(&s, auth, &headers, &uri).await?;
    let rows = human_roles()
        .into_iter()
        .map(|r| RoleRow {
            role: r.as_str().to_owned(),
            caps: CAPABILITIES
                .iter()
                .map(|cap| if allows(r, *cap) { "yes" } else { "" })
                .collect(),
            actions: ActionKind::ALL
                .iter()
                .filter(|a| roles_allowed(**a).contains(&r))
                .map(|a| a.as_str())
                .collect(),
        })
        .collect();
    Ok(IndexPage {
        c,
        here: "/ui/admin",
        sections: SECTIONS,
        caps: CAPABILITIES.iter().map(|k| capability_key(*k)).collect(),
        rows,
    }
    .into_response())
}

// ---------------------------------------------------------------- users

#[derive(Debug, Default, Deserialize)]
pub struct UserQuery {
    role: Option<String>,
    team: Option<String>,
    active: Option<String>,
    cursor: Option<String>,
}

pub struct UserRow {
    pub id: i64,
    pub username: String,
    pub name: String,
    pub role: String,
    pub team: String,
    pub organization: String,
    pub active: bool,
}

#[derive(Template, WebTemplate)]
#[template(path = "admin/users.html")]
struct UsersPage {
    c: Ctx,
    here: &'static str,
    sections: &'static [(&'static str, &'static str)],
    roles: Vec<&'static str>,
    teams: Vec<(String, String)>,
    role: String,
    team: String,
    active: String,
    rows: Vec<UserRow>,
    next: Option<String>,
}

const USER_PAGE: usize = 50;

async fn users(
    State(s): State<AppState>,
    auth: Result<Authn, ApiError>,
    headers: HeaderMap,
    uri: Uri,
    Query(q): Query<UserQuery>,
) -> PageResult {
    let (actor, c) = gate(&s, auth, &headers, &uri).await?;
    let role = q
        .role
        .filter(|r| r.parse::<Role>().is_ok())
        .unwrap_or_default();
    let team = q
        .team
        .as_deref()
        .and_then(page_id)
        .map(|t| t.to_string())
        .unwrap_or_default();
    let active = q
        .active
        .filter(|a| a == "yes" || a == "no")
        .unwrap_or_default();
    // The use case filters by role and team in SQL; "active" is kept here,
    // scanning on by id (the cursor) until a page is full, so paging stays right.
    let mut rows: Vec<User> = Vec::new();
    let mut cursor = q.cursor.filter(|v| !v.is_empty());
    let mut next = None;
    // At most 20 × 200 users a request; a page cut short by that bound still
    // carries the cursor on.
    'scan: for _ in 0..20 {
        let page = s
            .app
            .list_users(
                &actor,
                cursor.clone(),
                Some(200),
                Some(role.clone()).filter(|r| !r.is_empty()),
                team.parse().ok(),
                None,
            )
            .await;
        let page = match page {
            Ok(p) => p,
            Err(AppError::Invalid {
                field: "cursor", ..
            }) => return Ok(see_other(uri.path())),
            Err(e) => return Err(fail(c)(e)),
        };
        for u in page.items {
            if !active.is_empty() && (active == "yes") != u.active {
                continue;
            }
            if rows.len() == USER_PAGE {
                next = rows.last().map(|l| l.id.to_string());
                break 'scan;
            }
            rows.push(u);
        }
        next = page.next_cursor.clone();
        match page.next_cursor {
            Some(m) => cursor = Some(m),
            None => break,
        }
    }
    let teams = team_options(&s, &actor).await;
    let orgs = org_options(&s, &actor).await;
    let rows = rows
        .into_iter()
        .map(|u| UserRow {
            team: name_in(&teams, u.team_id),
            organization: name_in(&orgs, u.organization_id),
            id: u.id,
            username: u.username,
            name: u.display_name,
            role: u.role,
            active: u.active,
        })
        .collect();
    let next = next.map(|n| {
        with_query(
            "/ui/admin/users",
            &[
                ("role", role.clone()),
                ("team", team.clone()),
                ("active", active.clone()),
                ("cursor", n),
            ],
        )
    });
    Ok(UsersPage {
        c,
        here: "/ui/admin/users",
        sections: SECTIONS,
        roles: human_roles().iter().map(|r| r.as_str()).collect(),
        teams,
        role,
        team,
        active,
        rows,
        next,
    }
    .into_response())
}

#[derive(Template, WebTemplate)]
#[template(path = "admin/user.html")]
struct UserPage {
    c: Ctx,
    here: &'static str,
    sections: &'static [(&'static str, &'static str)],
    /// None: a new user.
    id: Option<i64>,
    username: String,
    roles: Vec<(String, String)>,
    teams: Vec<(String, String)>,
    orgs: Vec<(String, String)>,
    form: Form,
    /// The password reset's own form (kept apart from the profile's).
    pw: Form,
    saved: bool,
}

#[derive(Debug, Default, Deserialize)]
pub struct Saved {
    saved: Option<String>,
}

// The page's parts, each from a different caller; a struct would only rename them.
#[allow(clippy::too_many_arguments)]
async fn user_page(
    s: &AppState,
    actor: &Actor,
    c: Ctx,
    id: Option<i64>,
    username: String,
    form: Form,
    pw: Form,
    saved: bool,
    status: StatusCode,
) -> PageResult {
    let roles = human_roles()
        .iter()
        .map(|r| (r.as_str().to_owned(), c.tv("admin.role", r.as_str())))
        .collect();
    let teams = team_options(s, actor).await;
    let orgs = org_options(s, actor).await;
    let orgs = with_chosen_org(s, actor, orgs, form.v("organization_id")).await;
    Ok((
        status,
        UserPage {
            c,
            here: "/ui/admin/users",
            sections: SECTIONS,
            id,
            username,
            roles,
            teams,
            orgs,
            form,
            pw,
            saved,
        },
    )
        .into_response())
}

fn user_values(u: &User) -> Form {
    let mut v = HashMap::new();
    v.insert("version".into(), u.version.to_string());
    v.insert("display_name".into(), u.display_name.clone());
    v.insert("email".into(), s_opt(&u.email));
    v.insert("phone".into(), s_opt(&u.phone));
    v.insert("role".into(), u.role.clone());
    v.insert("team_id".into(), id_opt(u.team_id));
    v.insert("organization_id".into(), id_opt(u.organization_id));
    if u.active {
        v.insert("active".into(), "on".into());
    }
    Form {
        values: v,
        ..Form::default()
    }
}

async fn user_new(
    State(s): State<AppState>,
    auth: Result<Authn, ApiError>,
    headers: HeaderMap,
    uri: Uri,
) -> PageResult {
    let (actor, c) = gate(&s, auth, &headers, &uri).await?;
    let mut form = Form::default();
    form.values.insert("role".into(), "agent".into());
    user_page(
        &s,
        &actor,
        c,
        None,
        String::new(),
        form,
        Form::default(),
        false,
        StatusCode::OK,
    )
    .await
}

async fn user_create(
    State(s): State<AppState>,
    auth: Result<Authn, ApiError>,
    headers: HeaderMap,
    uri: Uri,
    body: Body,
) -> PageResult {
    let (actor, c) = gate(&s, auth, &headers, &uri).await?;
    let values = match posted(body) {
        Ok(v) => v,
        Err(e) => return Err(PageError::Api(e, Box::new(c))),
    };
    let mut form = form_of(values);
    let username = required(&mut form, "username");
    let display_name = required(&mut form, "display_name");
    let role = required(&mut form, "role");
    let organization_id = opt_id(&mut form, "organization_id");
    let team_id = opt_id(&mut form, "team_id");
    let status = if form.errors.is_empty() {
        let input = UserInput {
            username,
            display_name,
            email: opt(&form, "email"),
            phone: opt(&form, "phone"),
            role,
            organization_id,
            contact_id: None,
            team_id,
        };
        match s.app.create_user(&actor, input).await {
            Ok(u) => return Ok(see_other(&format!("/ui/admin/users/{}?saved=1", u.id))),
            Err(e) => refused(&mut form, e).map_err(fail_ref(&c))?,
        }
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    user_page(
        &s,
        &actor,
        c,
        None,
        String::new(),
        form,
        Form::default(),
        false,
        status,
    )
    .await
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

async fn user_edit(
    State(s): State<AppState>,
    auth: Result<Authn, ApiError>,
    headers: HeaderMap,
    uri: Uri,
    Path(id): Path<String>,
    Query(q): Query<Saved>,
) -> PageResult {
    let (actor, c) = gate(&s, auth, &headers, &uri).await?;
    let Some(id) = page_id(&id) else {
        return Err(not_found(c));
    };
    let u = match s.app.get_user(&actor, id).await {
        Ok(u) => u,
        Err(e) => return Err(fail(c)(e)),
    };
    user_page(
        &s,
        &actor,
        c,
        Some(id),
        u.username.clone(),
        user_values(&u),
        Form::default(),
        q.saved.is_some(),
        StatusCode::OK,
    )
    .await
}

/// The profile form (`action=edit`) or the password reset (`action=password`).
async fn user_update(
    State(s): State<AppState>,
    auth: Result<Authn, ApiError>,
    headers: HeaderMap,
    uri: Uri,
    Path(id): Path<String>,
    body: Body,
) -> PageResult {
    let (actor, c, id, values) = gate_edit(&s, auth, &headers, &uri, &id, body).await?;
    let current = match s.app.get_user(&actor, id).await {
        Ok(u) => u,
        Err(e) => return Err(fail(c)(e)),
    };
    let mut form = form_of(values);
    if form.open == "password" {
        let pw = required(&mut form, "new_password");
        let status = if form.errors.is_empty() {
            match s.app.reset_password(&actor, id, pw).await {
                Ok(_) => return Ok(see_other(&format!("/ui/admin/users/{id}?saved=1"))),
                Err(e) => refused(&mut form, e).map_err(fail_ref(&c))?,
            }
        } else {
            StatusCode::UNPROCESSABLE_ENTITY
        };
        // A password is never sent back.
        form.values.remove("new_password");
        return user_page(
            &s,
            &actor,
            c,
            Some(id),
            current.username.clone(),
            user_values(&current),
            form,
            false,
            status,
        )
        .await;
    }
    let version = version(&mut form);
    let display_name = required(&mut form, "display_name");
    let role = required(&mut form, "role");
    let organization_id = opt_id(&mut form, "organization_id");
    let team_id = opt_id(&mut form, "team_id");
    let status = if form.errors.is_empty() {
        let patch = UserPatch {
            version,
            display_name: Some(display_name),
            email: Some(opt(&form, "email")),
            phone: Some(opt(&form, "phone")),
            role: Some(role),
            organization_id: Some(organization_id),
            contact_id: None,
            team_id: Some(team_id),
            active: Some(checked(&form, "active")),
        };
        match s.app.update_user(&actor, id, patch).await {
            Ok(_) => return Ok(see_other(&format!("/ui/admin/users/{id}?saved=1"))),
            Err(e) => refused(&mut form, e).map_err(fail_ref(&c))?,
        }
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    user_page(
        &s,
        &actor,
        c,
        Some(id),
        current.username.clone(),
        form,
        Form::default(),
        false,
        status,
    )
    .await
}

// ---------------------------------------------------------------- teams

pub struct TeamRow {
    pub id: i64,
    pub name: String,
    pub description: String,
    pub lead: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "admin/teams.html")]
struct TeamsPage {
    c: Ctx,
    here: &'static str,
    sections: &'static [(&'static str, &'static str)],
    rows: Vec<TeamRow>,
    next: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
pub struct CursorQuery {
    cursor: Option<String>,
    q: Option<String>,
    org: Option<String>,
}

async fn teams(
    State(s): State<AppState>,
    auth: Result<Authn, ApiError>,
    headers: HeaderMap,
    uri: Uri,
    Query(q): Query<CursorQuery>,
) -> PageResult {
    let (actor, c) = gate(&s, auth, &headers, &uri).await?;
    let page = match s
        .app
        .list_teams(&actor, q.cursor.filter(|v| !v.is_empty()), Some(50))
        .await
    {
        Ok(p) => p,
        Err(AppError::Invalid {
            field: "cursor", ..
        }) => return Ok(see_other(uri.path())),
        Err(e) => return Err(fail(c)(e)),
    };
    let mut rows = Vec::new();
    for t in page.items {
        let lead = match t.lead_id {
            Some(l) => s
                .app
                .get_user(&actor, l)
                .await
                .map(|u| u.display_name)
                .unwrap_or_default(),
            None => String::new(),
        };
        rows.push(TeamRow {
            id: t.id,
            name: t.name,
            description: t.description,
            lead,
        });
    }
    let next = page
        .next_cursor
        .map(|n| with_query("/ui/admin/teams", &[("cursor", n)]));
    Ok(TeamsPage {
        c,
        here: "/ui/admin/teams",
        sections: SECTIONS,
        rows,
        next,
    }
    .into_response())
}

#[derive(Template, WebTemplate)]
#[template(path = "admin/team.html")]
struct TeamPage {
    c: Ctx,
    here: &'static str,
    sections: &'static [(&'static str, &'static str)],
    id: Option<i64>,
    staff: Vec<(String, String)>,
    form: Form,
    saved: bool,
}

async fn team_page(
    s: &AppState,
    actor: &Actor,
    c: Ctx,
    id: Option<i64>,
    form: Form,
    saved: bool,
    status: StatusCode,
) -> PageResult {
    // A lead is one of the provider's people, never a customer.
    let staff = s
        .app
        .list_users(actor, None, Some(200), None, None, None)
        .await
        .map(|p| {
            p.items
                .into_iter()
                .filter(|u| u.role.parse::<Role>().is_ok_and(|r| r.is_staff()))
                .map(|u| (u.id.to_string(), u.display_name))
                .collect()
        })
        .unwrap_or_default();
    let staff = with_chosen_user(s, actor, staff, form.v("lead_id")).await;
    Ok((
        status,
        TeamPage {
            c,
            here: "/ui/admin/teams",
            sections: SECTIONS,
            id,
            staff,
            form,
            saved,
        },
    )
        .into_response())
}

async fn team_new(
    State(s): State<AppState>,
    auth: Result<Authn, ApiError>,
    headers: HeaderMap,
    uri: Uri,
) -> PageResult {
    let (actor, c) = gate(&s, auth, &headers, &uri).await?;
    team_page(&s, &actor, c, None, Form::default(), false, StatusCode::OK).await
}

async fn team_create(
    State(s): State<AppState>,
    auth: Result<Authn, ApiError>,
    headers: HeaderMap,
    uri: Uri,
    body: Body,
) -> PageResult {
    let (actor, c) = gate(&s, auth, &headers, &uri).await?;
    let values = match posted(body) {
        Ok(v) => v,
        Err(e) => return Err(PageError::Api(e, Box::new(c))),
    };
    let mut form = form_of(values);
    let name = required(&mut form, "name");
    let lead_id = opt_id(&mut form, "lead_id");
    let status = if form.errors.is_empty() {
        let input = TeamInput {
            name,
            description: form.v("description").to_owned(),
            lead_id,
        };
        match s.app.create_team(&actor, input).await {
            Ok(t) => return Ok(see_other(&format!("/ui/admin/teams/{}?saved=1", t.id))),
            Err(e) => refused(&mut form, e).map_err(fail_ref(&c))?,
        }
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    team_page(&s, &actor, c, None, form, false, status).await
}

async fn team_edit(
    State(s): State<AppState>,
    auth: Result<Authn, ApiError>,
    headers: HeaderMap,
    uri: Uri,
    Path(id): Path<String>,
    Query(q): Query<Saved>,
) -> PageResult {
    let (actor, c) = gate(&s, auth, &headers, &uri).await?;
    let Some(id) = page_id(&id) else {
        return Err(not_found(c));
    };
    let t = match s.app.get_team(&actor, id).await {
        Ok(t) => t,
        Err(e) => return Err(fail(c)(e)),
    };
    let mut form = Form::default();
    form.values.insert("version".into(), t.version.to_string());
    form.values.insert("name".into(), t.name);
    form.values.insert("description".into(), t.description);
    form.values.insert("lead_id".into(), id_opt(t.lead_id));
    team_page(
        &s,
        &actor,
        c,
        Some(id),
        form,
        q.saved.is_some(),
        StatusCode::OK,
    )
    .await
}

async fn team_update(
    State(s): State<AppState>,
    auth: Result<Authn, ApiError>,
    headers: HeaderMap,
    uri: Uri,
    Path(id): Path<String>,
    body: Body,
) -> PageResult {
    let (actor, c, id, values) = gate_edit(&s, auth, &headers, &uri, &id, body).await?;
    let mut form = form_of(values);
    let version = version(&mut form);
    let name = required(&mut form, "name");
    let lead_id = opt_id(&mut form, "lead_id");
    let status = if form.errors.is_empty() {
        let patch = TeamPatch {
            version,
            name: Some(name),
            description: Some(form.v("description").to_owned()),
            lead_id: Some(lead_id),
        };
        match s.app.update_team(&actor, id, patch).await {
            Ok(_) => return Ok(see_other(&format!("/ui/admin/teams/{id}?saved=1"))),
            Err(e) => refused(&mut form, e).map_err(fail_ref(&c))?,
        }
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    team_page(&s, &actor, c, Some(id), form, false, status).await
}

// ---------------------------------------------------------------- organizations

#[derive(Template, WebTemplate)]
#[template(path = "admin/organizations.html")]
struct OrganizationsPage {
    c: Ctx,
    here: &'static str,
    sections: &'static [(&'static str, &'static str)],
    q: String,
    rows: Vec<Organization>,
    next: Option<String>,
}

async fn organizations(
    State(s): State<AppState>,
    auth: Result<Authn, ApiError>,
    headers: HeaderMap,
    uri: Uri,
    Query(q): Query<CursorQuery>,
) -> PageResult {
    let (actor, c) = gate(&s, auth, &headers, &uri).await?;
    let text = q.q.unwrap_or_default().trim().to_owned();
    let page = match s
        .app
        .list_organizations(
            &actor,
            q.cursor.filter(|v| !v.is_empty()),
            Some(50),
            Some(text.clone()).filter(|t| !t.is_empty()),
        )
        .await
    {
        Ok(p) => p,
        Err(AppError::Invalid {
            field: "cursor", ..
        }) => return Ok(see_other(uri.path())),
        Err(e) => return Err(fail(c)(e)),
    };
    let next = page.next_cursor.map(|n| {
        with_query(
            "/ui/admin/organizations",
            &[("q", text.clone()), ("cursor", n)],
        )
    });
    Ok(OrganizationsPage {
        c,
        here: "/ui/admin/organizations",
        sections: SECTIONS,
        q: text,
        rows: page.items,
        next,
    }
    .into_response())
}

pub struct Line {
    pub id: i64,
    pub name: String,
    pub detail: String,
}

/// The kinds of system the directory knows (its use case checks them).
const SYSTEM_KINDS: [&str; 6] = ["software", "server", "device", "network", "cloud", "other"];

#[derive(Template, WebTemplate)]
#[template(path = "admin/organization.html")]
struct OrganizationPage {
    c: Ctx,
    here: &'static str,
    sections: &'static [(&'static str, &'static str)],
    id: Option<i64>,
    form: Form,
    /// A contact or system being added (`sub.open` says which).
    sub: Form,
    kinds: [&'static str; 6],
    saved: bool,
    contacts: Vec<Line>,
    systems: Vec<Line>,
    contracts: Vec<Line>,
}

fn organization_values(o: &Organization) -> Form {
    let mut v = HashMap::new();
    v.insert("version".into(), o.version.to_string());
    v.insert("name".into(), o.name.clone());
    v.insert("short_name".into(), s_opt(&o.short_name));
    v.insert("industry".into(), s_opt(&o.industry));
    v.insert("address".into(), s_opt(&o.address));
    v.insert("phone".into(), s_opt(&o.phone));
    v.insert("profile".into(), o.profile.clone());
    v.insert("support_needs".into(), o.support_needs.clone());
    v.insert("notes".into(), o.notes.clone());
    Form {
        values: v,
        ..Form::default()
    }
}

// The page's parts, each from a different caller; a struct would only rename them.
#[allow(clippy::too_many_arguments)]
async fn organization_page(
    s: &AppState,
    actor: &Actor,
    c: Ctx,
    id: Option<i64>,
    form: Form,
    sub: Form,
    saved: bool,
    status: StatusCode,
) -> PageResult {
    let (mut contacts, mut systems, mut contracts) = (Vec::new(), Vec::new(), Vec::new());
    if let Some(id) = id {
        if let Ok(p) = s
            .app
            .list_contacts(actor, None, Some(200), Some(id), None)
            .await
        {
            contacts = p
                .items
                .into_iter()
                .map(|k| Line {
                    id: k.id,
                    name: k.name,
                    detail: [s_opt(&k.job_title), s_opt(&k.phone), s_opt(&k.email)]
                        .into_iter()
                        .filter(|x| !x.is_empty())
                        .collect::<Vec<_>>()
                        .join(" · "),
                })
                .collect();
        }
        if let Ok(p) = s.app.list_systems(actor, None, Some(200), Some(id)).await {
            systems = p
                .items
                .into_iter()
                .map(|x| Line {
                    id: x.id,
                    detail: c.tv("admin.kind", &x.kind),
                    name: x.name,
                })
                .collect();
        }
        if let Ok(p) = s.app.list_contracts(actor, None, Some(200), Some(id)).await {
            contracts = p
                .items
                .into_iter()
                .map(|k| Line {
                    id: k.id,
                    name: format!("{} {}", k.code, k.name),
                    detail: k.accepted_on,
                })
                .collect();
        }
    }
    Ok((
        status,
        OrganizationPage {
            c,
            here: "/ui/admin/organizations",
            sections: SECTIONS,
            id,
            form,
            sub,
            kinds: SYSTEM_KINDS,
            saved,
            contacts,
            systems,
            contracts,
        },
    )
        .into_response())
}

async fn organization_new(
    State(s): State<AppState>,
    auth: Result<Authn, ApiError>,
    headers: HeaderMap,
    uri: Uri,
) -> PageResult {
    let (actor, c) = gate(&s, auth, &headers, &uri).await?;
    organization_page(
        &s,
        &actor,
        c,
        None,
        Form::default(),
        Form::default(),
        false,
        StatusCode::OK,
    )
    .await
}

async fn organization_create(
    State(s): State<AppState>,
    auth: Result<Authn, ApiError>,
    headers: HeaderMap,
    uri: Uri,
    body: Body,
) -> PageResult {
    let (actor, c) = gate(&s, auth, &headers, &uri).await?;
    let values = match posted(body) {
        Ok(v) => v,
        Err(e) => return Err(PageError::Api(e, Box::new(c))),
    };
    let mut form = form_of(values);
    let name = required(&mut form, "name");
    let status = if form.errors.is_empty() {
        let input = OrganizationInput {
            name,
            short_name: opt(&form, "short_name"),
            industry: opt(&form, "industry"),
            address: opt(&form, "address"),
            phone: opt(&form, "phone"),
            profile: form.v("profile").to_owned(),
            support_needs: form.v("support_needs").to_owned(),
            notes: form.v("notes").to_owned(),
        };
        match s.app.create_organization(&actor, input).await {
            Ok(o) => {
                return Ok(see_other(&format!(
                    "/ui/admin/organizations/{}?saved=1",
                    o.id
                )));
            }
            Err(e) => refused(&mut form, e).map_err(fail_ref(&c))?,
        }
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    organization_page(&s, &actor, c, None, form, Form::default(), false, status).await
}

async fn organization_edit(
    State(s): State<AppState>,
    auth: Result<Authn, ApiError>,
    headers: HeaderMap,
    uri: Uri,
    Path(id): Path<String>,
    Query(q): Query<Saved>,
) -> PageResult {
    let (actor, c) = gate(&s, auth, &headers, &uri).await?;
    let Some(id) = page_id(&id) else {
        return Err(not_found(c));
    };
    let o = match s.app.get_organization(&actor, id).await {
        Ok(o) => o,
        Err(e) => return Err(fail(c)(e)),
    };
    organization_page(
        &s,
        &actor,
        c,
        Some(id),
        organization_values(&o),
        Form::default(),
        q.saved.is_some(),
        StatusCode::OK,
    )
    .await
}

async fn organization_update(
    State(s): State<AppState>,
    auth: Result<Authn, ApiError>,
    headers: HeaderMap,
    uri: Uri,
    Path(id): Path<String>,
    body: Body,
) -> PageResult {
    let (actor, c, id, values) = gate_edit(&s, auth, &headers, &uri, &id, body).await?;
    let mut form = form_of(values);
    if form.open == "contact" || form.open == "system" {
        let current = match s.app.get_organization(&actor, id).await {
            Ok(o) => o,
            Err(e) => return Err(fail(c)(e)),
        };
        let mut sub = form;
        let status = match add_to_organization(&s, &actor, id, &mut sub).await {
            Ok(true) => {
                return Ok(see_other(&format!(
                    "/ui/admin/organizations/{id}?saved=1#org-{}s",
                    sub.open
                )));
            }
            Ok(false) => StatusCode::UNPROCESSABLE_ENTITY,
            Err(e) => refused(&mut sub, e).map_err(fail_ref(&c))?,
        };
        let values = organization_values(&current);
        return organization_page(&s, &actor, c, Some(id), values, sub, false, status).await;
    }
    let version = version(&mut form);
    let name = required(&mut form, "name");
    let status = if form.errors.is_empty() {
        let patch = OrganizationPatch {
            version,
            name: Some(name),
            short_name: Some(opt(&form, "short_name")),
            industry: Some(opt(&form, "industry")),
            address: Some(opt(&form, "address")),
            phone: Some(opt(&form, "phone")),
            profile: Some(form.v("profile").to_owned()),
            support_needs: Some(form.v("support_needs").to_owned()),
            notes: Some(form.v("notes").to_owned()),
        };
        match s.app.update_organization(&actor, id, patch).await {
            Ok(_) => return Ok(see_other(&format!("/ui/admin/organizations/{id}?saved=1"))),
            Err(e) => refused(&mut form, e).map_err(fail_ref(&c))?,
        }
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    organization_page(
        &s,
        &actor,
        c,
        Some(id),
        form,
        Form::default(),
        false,
        status,
    )
    .await
}

/// A contact or a system added from the organization's page; Ok(false): field errors.
async fn add_to_organization(
    s: &AppState,
    actor: &Actor,
    id: i64,
    f: &mut Form,
) -> Result<bool, AppError> {
    let name = required(f, "name");
    let kind = if f.open == "system" {
        required(f, "kind")
    } else {
        String::new()
    };
    if !f.errors.is_empty() {
        return Ok(false);
    }
    if f.open == "contact" {
        let input = ContactInput {
            organization_id: id,
            name,
            email: opt(f, "email"),
            phone: opt(f, "phone"),
            job_title: opt(f, "job_title"),
            notes: String::new(),
        };
        s.app.create_contact(actor, input).await?;
    } else {
        let input = SystemInput {
            organization_id: id,
            name,
            kind,
            description: String::new(),
            location: opt(f, "location"),
            serial_number: opt(f, "serial_number"),
        };
        s.app.create_system(actor, input).await?;
    }
    Ok(true)
}

// ---------------------------------------------------------------- a system

#[derive(Template, WebTemplate)]
#[template(path = "admin/system.html")]
struct SystemPage {
    c: Ctx,
    here: &'static str,
    sections: &'static [(&'static str, &'static str)],
    id: i64,
    organization_id: i64,
    /// (kind, its name in the viewer's language).
    kinds: Vec<(String, String)>,
    form: Form,
    saved: bool,
}

fn system_page(
    c: Ctx,
    id: i64,
    organization_id: i64,
    form: Form,
    saved: bool,
    status: StatusCode,
) -> PageResult {
    let kinds = SYSTEM_KINDS
        .iter()
        .map(|k| ((*k).to_owned(), c.tv("admin.kind", k)))
        .collect();
    Ok((
        status,
        SystemPage {
            c,
            here: "/ui/admin/systems",
            sections: SECTIONS,
            id,
            organization_id,
            kinds,
            form,
            saved,
        },
    )
        .into_response())
}

async fn system_edit(
    State(s): State<AppState>,
    auth: Result<Authn, ApiError>,
    headers: HeaderMap,
    uri: Uri,
    Path(id): Path<String>,
    Query(q): Query<Saved>,
) -> PageResult {
    let (actor, c) = gate(&s, auth, &headers, &uri).await?;
    let Some(id) = page_id(&id) else {
        return Err(not_found(c));
    };
    let x = match s.app.get_system(&actor, id).await {
        Ok(x) => x,
        Err(e) => return Err(fail(c)(e)),
    };
    let mut form = Form::default();
    for (k, v) in [
        ("version", x.version.to_string()),
        ("name", x.name),
        ("kind", x.kind),
        ("description", x.description),
        ("location", x.location.unwrap_or_default()),
        ("serial_number", x.serial_number.unwrap_or_default()),
    ] {
        form.values.insert(k.into(), v);
    }
    let saved = q.saved.is_some();
    system_page(c, id, x.organization_id, form, saved, StatusCode::OK)
}

async fn system_update(
    State(s): State<AppState>,
    auth: Result<Authn, ApiError>,
    headers: HeaderMap,
    uri: Uri,
    Path(id): Path<String>,
    body: Body,
) -> PageResult {
    let (actor, c, id, values) = gate_edit(&s, auth, &headers, &uri, &id, body).await?;
    let current = match s.app.get_system(&actor, id).await {
        Ok(x) => x,
        Err(e) => return Err(fail(c)(e)),
    };
    let mut form = form_of(values);
    let version = version(&mut form);
    let name = required(&mut form, "name");
    let kind = required(&mut form, "kind");
    let status = if form.errors.is_empty() {
        let patch = SystemPatch {
            version,
            name: Some(name),
            kind: Some(kind),
            description: Some(form.v("description").to_owned()),
            location: Some(opt(&form, "location")),
            serial_number: Some(opt(&form, "serial_number")),
        };
        match s.app.update_system(&actor, id, patch).await {
            Ok(_) => return Ok(see_other(&format!("/ui/admin/systems/{id}?saved=1"))),
            Err(e) => refused(&mut form, e).map_err(fail_ref(&c))?,
        }
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    system_page(c, id, current.organization_id, form, false, status)
}

// ---------------------------------------------------------------- a contact

#[derive(Template, WebTemplate)]
#[template(path = "admin/contact.html")]
struct ContactPage {
    c: Ctx,
    here: &'static str,
    sections: &'static [(&'static str, &'static str)],
    id: i64,
    organization_id: i64,
    form: Form,
    saved: bool,
}

async fn contact_edit(
    State(s): State<AppState>,
    auth: Result<Authn, ApiError>,
    headers: HeaderMap,
    uri: Uri,
    Path(id): Path<String>,
    Query(q): Query<Saved>,
) -> PageResult {
    let (actor, c) = gate(&s, auth, &headers, &uri).await?;
    let Some(id) = page_id(&id) else {
        return Err(not_found(c));
    };
    let k = match s.app.get_contact(&actor, id).await {
        Ok(k) => k,
        Err(e) => return Err(fail(c)(e)),
    };
    let mut form = Form::default();
    for (f, v) in [
        ("version", k.version.to_string()),
        ("name", k.name),
        ("phone", k.phone.unwrap_or_default()),
        ("email", k.email.unwrap_or_default()),
        ("job_title", k.job_title.unwrap_or_default()),
        ("notes", k.notes),
    ] {
        form.values.insert(f.into(), v);
    }
    let saved = q.saved.is_some();
    contact_page(c, id, k.organization_id, form, saved, StatusCode::OK)
}

async fn contact_update(
    State(s): State<AppState>,
    auth: Result<Authn, ApiError>,
    headers: HeaderMap,
    uri: Uri,
    Path(id): Path<String>,
    body: Body,
) -> PageResult {
    let (actor, c, id, values) = gate_edit(&s, auth, &headers, &uri, &id, body).await?;
    let current = match s.app.get_contact(&actor, id).await {
        Ok(k) => k,
        Err(e) => return Err(fail(c)(e)),
    };
    let mut form = form_of(values);
    let version = version(&mut form);
    let name = required(&mut form, "name");
    let status = if form.errors.is_empty() {
        // An emptied field clears it (`Some(None)`), as the API's `null` does.
        let patch = ContactPatch {
            version,
            name: Some(name),
            phone: Some(opt(&form, "phone")),
            email: Some(opt(&form, "email")),
            job_title: Some(opt(&form, "job_title")),
            notes: Some(form.v("notes").to_owned()),
        };
        match s.app.update_contact(&actor, id, patch).await {
            Ok(_) => return Ok(see_other(&format!("/ui/admin/contacts/{id}?saved=1"))),
            Err(e) => refused(&mut form, e).map_err(fail_ref(&c))?,
        }
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    contact_page(c, id, current.organization_id, form, false, status)
}

fn contact_page(
    c: Ctx,
    id: i64,
    organization_id: i64,
    form: Form,
    saved: bool,
    status: StatusCode,
) -> PageResult {
    let page = ContactPage {
        c,
        here: "/ui/admin/organizations",
        sections: SECTIONS,
        id,
        organization_id,
        form,
        saved,
    };
    Ok((status, page).into_response())
}

// ---------------------------------------------------------------- contracts

pub struct ContractRow {
    pub id: i64,
    pub code: String,
    pub name: String,
    pub organization: String,
    pub accepted_on: String,
    pub billable_from: String,
    pub vip: bool,
    pub policy: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "admin/contracts.html")]
struct ContractsPage {
    c: Ctx,
    here: &'static str,
    sections: &'static [(&'static str, &'static str)],
    orgs: Vec<(String, String)>,
    org: String,
    rows: Vec<ContractRow>,
    next: Option<String>,
}

/// The first day after the free service period: billable from then on.
fn billable_from(accepted_on: &str, months: i64) -> String {
    accepted_on
        .parse::<jiff::civil::Date>()
        .ok()
        .and_then(|d| d.checked_add(jiff::Span::new().months(months)).ok())
        .map(|d| d.to_string())
        .unwrap_or_default()
}

async fn policy_options(s: &AppState, actor: &Actor) -> Vec<(String, String)> {
    s.app
        .list_sla_policies(actor)
        .await
        .map(|ps| ps.into_iter().map(|p| (p.id.to_string(), p.name)).collect())
        .unwrap_or_default()
}

async fn contracts(
    State(s): State<AppState>,
    auth: Result<Authn, ApiError>,
    headers: HeaderMap,
    uri: Uri,
    Query(q): Query<CursorQuery>,
) -> PageResult {
    let (actor, c) = gate(&s, auth, &headers, &uri).await?;
    let org = q.org.as_deref().and_then(page_id);
    let page = match s
        .app
        .list_contracts(&actor, q.cursor.filter(|v| !v.is_empty()), Some(50), org)
        .await
    {
        Ok(p) => p,
        Err(AppError::Invalid {
            field: "cursor", ..
        }) => return Ok(see_other(uri.path())),
        Err(e) => return Err(fail(c)(e)),
    };
    let orgs = org_options(&s, &actor).await;
    let policies = policy_options(&s, &actor).await;
    let rows = page
        .items
        .into_iter()
        .map(|k: Contract| ContractRow {
            organization: name_in(&orgs, Some(k.organization_id)),
            billable_from: billable_from(&k.accepted_on, k.free_service_months),
            policy: name_in(&policies, k.sla_policy_id),
            id: k.id,
            code: k.code,
            name: k.name,
            accepted_on: k.accepted_on,
            vip: k.vip,
        })
        .collect();
    let next = page.next_cursor.map(|n| {
        with_query(
            "/ui/admin/contracts",
            &[("org", id_opt(org)), ("cursor", n)],
        )
    });
    Ok(ContractsPage {
        c,
        here: "/ui/admin/contracts",
        sections: SECTIONS,
        orgs,
        org: id_opt(org),
        rows,
        next,
    }
    .into_response())
}

#[derive(Template, WebTemplate)]
#[template(path = "admin/contract.html")]
struct ContractPage {
    c: Ctx,
    here: &'static str,
    sections: &'static [(&'static str, &'static str)],
    id: Option<i64>,
    organization: String,
    orgs: Vec<(String, String)>,
    policies: Vec<(String, String)>,
    leaders: Vec<(String, String)>,
    billable: String,
    form: Form,
    saved: bool,
}

fn contract_values(k: &Contract) -> Form {
    let mut v = HashMap::new();
    v.insert("version".into(), k.version.to_string());
    v.insert("organization_id".into(), k.organization_id.to_string());
    v.insert("code".into(), k.code.clone());
    v.insert("name".into(), k.name.clone());
    v.insert("accepted_on".into(), k.accepted_on.clone());
    v.insert(
        "free_service_months".into(),
        k.free_service_months.to_string(),
    );
    if k.vip {
        v.insert("vip".into(), "on".into());
    }
    v.insert("sla_policy_id".into(), id_opt(k.sla_policy_id));
    v.insert("project_leader_id".into(), id_opt(k.project_leader_id));
    v.insert("notes".into(), k.notes.clone());
    Form {
        values: v,
        ..Form::default()
    }
}

async fn contract_page(
    s: &AppState,
    actor: &Actor,
    c: Ctx,
    id: Option<i64>,
    form: Form,
    saved: bool,
    status: StatusCode,
) -> PageResult {
    let orgs = org_options(s, actor).await;
    let policies = policy_options(s, actor).await;
    let leaders = s
        .app
        .list_users(
            actor,
            None,
            Some(200),
            Some("project_leader".into()),
            None,
            None,
        )
        .await
        .map(|p| {
            p.items
                .into_iter()
                .map(|u| (u.id.to_string(), u.display_name))
                .collect()
        })
        .unwrap_or_default();
    let orgs = with_chosen_org(s, actor, orgs, form.v("organization_id")).await;
    let leaders = with_chosen_user(s, actor, leaders, form.v("project_leader_id")).await;
    let organization = name_in(&orgs, form.v("organization_id").parse().ok());
    let billable = billable_from(
        form.v("accepted_on"),
        form.v("free_service_months").parse().unwrap_or(24),
    );
    Ok((
        status,
        ContractPage {
            c,
            here: "/ui/admin/contracts",
            sections: SECTIONS,
            id,
            organization,
            orgs,
            policies,
            leaders,
            billable,
            form,
            saved,
        },
    )
        .into_response())
}

#[derive(Debug, Default, Deserialize)]
pub struct NewContractQuery {
    org: Option<String>,
}

async fn contract_new(
    State(s): State<AppState>,
    auth: Result<Authn, ApiError>,
    headers: HeaderMap,
    uri: Uri,
    Query(q): Query<NewContractQuery>,
) -> PageResult {
    let (actor, c) = gate(&s, auth, &headers, &uri).await?;
    let mut form = Form::default();
    form.values
        .insert("free_service_months".into(), "24".into());
    if let Some(o) = q.org.as_deref().and_then(page_id) {
        form.values.insert("organization_id".into(), o.to_string());
    }
    contract_page(&s, &actor, c, None, form, false, StatusCode::OK).await
}

/// The free period in months: absent → the default (24), else 0–600 (the use case checks the range).
fn months(form: &mut Form) -> Option<i64> {
    let v = opt(form, "free_service_months")?;
    match v.parse::<i64>() {
        Ok(n) => Some(n),
        Err(_) => {
            form.errors
                .insert("free_service_months".into(), "admin.f.number".into());
            None
        }
    }
}

async fn contract_create(
    State(s): State<AppState>,
    auth: Result<Authn, ApiError>,
    headers: HeaderMap,
    uri: Uri,
    body: Body,
) -> PageResult {
    let (actor, c) = gate(&s, auth, &headers, &uri).await?;
    let values = match posted(body) {
        Ok(v) => v,
        Err(e) => return Err(PageError::Api(e, Box::new(c))),
    };
    let mut form = form_of(values);
    let organization_id = opt_id(&mut form, "organization_id");
    if organization_id.is_none() {
        form.errors
            .entry("organization_id".into())
            .or_insert_with(|| "f.required".into());
    }
    let code = required(&mut form, "code");
    let name = required(&mut form, "name");
    let accepted_on = required(&mut form, "accepted_on");
    let free_service_months = months(&mut form);
    let sla_policy_id = opt_id(&mut form, "sla_policy_id");
    let project_leader_id = opt_id(&mut form, "project_leader_id");
    let status = match organization_id {
        Some(organization_id) if form.errors.is_empty() => {
            let input = ContractInput {
                organization_id,
                code,
                name,
                accepted_on,
                free_service_months,
                vip: checked(&form, "vip"),
                sla_policy_id,
                project_leader_id,
                notes: form.v("notes").to_owned(),
            };
            match s.app.create_contract(&actor, input).await {
                Ok(k) => {
                    return Ok(see_other(&format!("/ui/admin/contracts/{}?saved=1", k.id)));
                }
                Err(e) => refused(&mut form, e).map_err(fail_ref(&c))?,
            }
        }
        _ => StatusCode::UNPROCESSABLE_ENTITY,
    };
    contract_page(&s, &actor, c, None, form, false, status).await
}

async fn contract_edit(
    State(s): State<AppState>,
    auth: Result<Authn, ApiError>,
    headers: HeaderMap,
    uri: Uri,
    Path(id): Path<String>,
    Query(q): Query<Saved>,
) -> PageResult {
    let (actor, c) = gate(&s, auth, &headers, &uri).await?;
    let Some(id) = page_id(&id) else {
        return Err(not_found(c));
    };
    let k = match s.app.get_contract(&actor, id).await {
        Ok(k) => k,
        Err(e) => return Err(fail(c)(e)),
    };
    contract_page(
        &s,
        &actor,
        c,
        Some(id),
        contract_values(&k),
        q.saved.is_some(),
        StatusCode::OK,
    )
    .await
}

async fn contract_update(
    State(s): State<AppState>,
    auth: Result<Authn, ApiError>,
    headers: HeaderMap,
    uri: Uri,
    Path(id): Path<String>,
    body: Body,
) -> PageResult {
    let (actor, c, id, values) = gate_edit(&s, auth, &headers, &uri, &id, body).await?;
    let current = match s.app.get_contract(&actor, id).await {
        Ok(k) => k,
        Err(e) => return Err(fail(c)(e)),
    };
    let mut form = form_of(values);
    // The organization is not changed here; the page shows it from the record.
    form.values.insert(
        "organization_id".into(),
        current.organization_id.to_string(),
    );
    let version = version(&mut form);
    let code = required(&mut form, "code");
    let name = required(&mut form, "name");
    let accepted_on = required(&mut form, "accepted_on");
    let free_service_months = months(&mut form);
    let sla_policy_id = opt_id(&mut form, "sla_policy_id");
    let project_leader_id = opt_id(&mut form, "project_leader_id");
    let status = if form.errors.is_empty() {
        let patch = ContractPatch {
            version,
            code: Some(code),
            name: Some(name),
            accepted_on: Some(accepted_on),
            free_service_months,
            vip: Some(checked(&form, "vip")),
            sla_policy_id: Some(sla_policy_id),
            project_leader_id: Some(project_leader_id),
            notes: Some(form.v("notes").to_owned()),
        };
        match s.app.update_contract(&actor, id, patch).await {
            Ok(_) => return Ok(see_other(&format!("/ui/admin/contracts/{id}?saved=1"))),
            Err(e) => refused(&mut form, e).map_err(fail_ref(&c))?,
        }
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    contract_page(&s, &actor, c, Some(id), form, false, status).await
}

// ---------------------------------------------------------------- systems

pub struct SystemRow {
    pub id: i64,
    pub name: String,
    pub kind: String,
    pub organization_id: i64,
    pub organization: String,
    pub location: String,
    pub serial_number: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "admin/systems.html")]
struct SystemsPage {
    c: Ctx,
    here: &'static str,
    sections: &'static [(&'static str, &'static str)],
    orgs: Vec<(String, String)>,
    org: String,
    rows: Vec<SystemRow>,
    next: Option<String>,
}

async fn systems(
    State(s): State<AppState>,
    auth: Result<Authn, ApiError>,
    headers: HeaderMap,
    uri: Uri,
    Query(q): Query<CursorQuery>,
) -> PageResult {
    let (actor, c) = gate(&s, auth, &headers, &uri).await?;
    let org = q.org.as_deref().and_then(page_id);
    let page = match s
        .app
        .list_systems(&actor, q.cursor.filter(|v| !v.is_empty()), Some(50), org)
        .await
    {
        Ok(p) => p,
        Err(AppError::Invalid {
            field: "cursor", ..
        }) => return Ok(see_other(uri.path())),
        Err(e) => return Err(fail(c)(e)),
    };
    let orgs = org_options(&s, &actor).await;
    let rows = page
        .items
        .into_iter()
        .map(|x| SystemRow {
            organization: name_in(&orgs, Some(x.organization_id)),
            organization_id: x.organization_id,
            id: x.id,
            name: x.name,
            kind: x.kind,
            location: s_opt(&x.location),
            serial_number: s_opt(&x.serial_number),
        })
        .collect();
    let next = page
        .next_cursor
        .map(|n| with_query("/ui/admin/systems", &[("org", id_opt(org)), ("cursor", n)]));
    Ok(SystemsPage {
        c,
        here: "/ui/admin/systems",
        sections: SECTIONS,
        orgs,
        org: id_opt(org),
        rows,
        next,
    }
    .into_response())
}

// ---------------------------------------------------------------- calendars

pub struct CalendarRow {
    pub name: String,
    pub preset: bool,
    pub time_zone: String,
    pub days: usize,
}

#[derive(Template, WebTemplate)]
#[template(path = "admin/calendars.html")]
struct CalendarsPage {
    c: Ctx,
    here: &'static str,
    sections: &'static [(&'static str, &'static str)],
    rows: Vec<CalendarRow>,
    year: i16,
}

async fn calendars(
    State(s): State<AppState>,
    auth: Result<Authn, ApiError>,
    headers: HeaderMap,
    uri: Uri,
) -> PageResult {
    let (actor, c) = gate(&s, auth, &headers, &uri).await?;
    let list = match s.app.list_calendars(&actor).await {
        Ok(l) => l,
        Err(e) => return Err(fail(c)(e)),
    };
    let rows = list
        .into_iter()
        .map(|v| {
            let spec = serde_json::from_value::<CalendarSpec>(v.definition).ok();
            CalendarRow {
                name: v.name,
                preset: v.preset,
                time_zone: spec
                    .as_ref()
                    .map(|x| x.time_zone.clone())
                    .unwrap_or_default(),
                days: spec.as_ref().map_or(0, |x| x.days.len()),
            }
        })
        .collect();
    Ok(CalendarsPage {
        year: this_year(&s, &c),
        c,
        here: "/ui/admin/calendars",
        sections: SECTIONS,
        rows,
    }
    .into_response())
}

fn this_year(s: &AppState, c: &Ctx) -> i16 {
    jiff::Timestamp::from_millisecond(s.app.now())
        .map(|t| t.to_zoned(c.tz.clone()).year())
        .unwrap_or(2026)
}

/// One day of the year view.
pub struct DayCell {
    pub date: String,
    pub day: i8,
    /// `work`, `off` (a weekend), `holiday`, `workday` (adjusted working day).
    pub kind: &'static str,
    pub name: String,
}

pub struct Month {
    pub number: i8,
    /// Weeks from Monday; `None` pads the first and last week.
    pub weeks: Vec<Vec<Option<DayCell>>>,
}

#[derive(Template, WebTemplate)]
#[template(path = "admin/calendar.html")]
struct CalendarPage {
    c: Ctx,
    here: &'static str,
    sections: &'static [(&'static str, &'static str)],
    name: String,
    preset: bool,
    version: i64,
    time_zone: String,
    year: i16,
    /// The calendar has no official data for this year: its days follow the
    /// calendar's provisional rule (暂定).
    provisional: bool,
    /// Its days may be edited (an administrator's calendar, or `cn-mainland`).
    days_editable: bool,
    /// Calendars whose next year is still provisional (from 1 November).
    notices: Vec<fuwu_app::calendars::ProvisionalNotice>,
    months: Vec<Month>,
    special: Vec<(String, String, String)>,
    week: Vec<(&'static str, String)>,
    form: Form,
    saved: bool,
}

#[derive(Debug, Default, Deserialize)]
pub struct YearQuery {
    year: Option<String>,
    saved: Option<String>,
}

const WEEKDAYS: [(&str, jiff::civil::Weekday); 7] = [
    ("monday", jiff::civil::Weekday::Monday),
    ("tuesday", jiff::civil::Weekday::Tuesday),
    ("wednesday", jiff::civil::Weekday::Wednesday),
    ("thursday", jiff::civil::Weekday::Thursday),
    ("friday", jiff::civil::Weekday::Friday),
    ("saturday", jiff::civil::Weekday::Saturday),
    ("sunday", jiff::civil::Weekday::Sunday),
];

/// The twelve month grids of `year` (the special days from the calendar's
/// `year_days`, provisional ones included, the rest from its week), and
/// whether the year is provisional.
fn year_grid(spec: &CalendarSpec, year: i16) -> (Vec<Month>, bool) {
    let tz = jiff::tz::TimeZone::get(&spec.time_zone).unwrap_or(jiff::tz::TimeZone::UTC);
    let Ok(cal) = Calendar::new(spec.clone(), tz) else {
        return (months_of(spec, year, &HashMap::new()), false);
    };
    let special: HashMap<jiff::civil::Date, (DayKind, String)> = cal
        .year_days(year)
        .into_iter()
        .map(|d| (d.date, (d.kind, d.name)))
        .collect();
    (months_of(spec, year, &special), cal.is_provisional(year))
}

fn months_of(
    spec: &CalendarSpec,
    year: i16,
    special: &HashMap<jiff::civil::Date, (DayKind, String)>,
) -> Vec<Month> {
    let mut months = Vec::new();
    for m in 1..=12i8 {
        let Ok(first) = jiff::civil::Date::new(year, m, 1) else {
            continue;
        };
        let mut weeks = Vec::new();
        let mut week: Vec<Option<DayCell>> = Vec::new();
        for _ in 0..first.weekday().to_monday_zero_offset() {
            week.push(None);
        }
        for d in 1..=first.days_in_month() {
            let Ok(date) = jiff::civil::Date::new(year, m, d) else {
                continue;
            };
            let (kind, name) = match special.get(&date) {
                Some((DayKind::Holiday, n)) => ("holiday", n.clone()),
                Some((DayKind::Workday, n)) => ("workday", n.clone()),
                None if spec.week.get(date.weekday()).is_empty() => ("off", String::new()),
                None => ("work", String::new()),
            };
            week.push(Some(DayCell {
                date: date.to_string(),
                day: d,
                kind,
                name,
            }));
            if week.len() == 7 {
                weeks.push(std::mem::take(&mut week));
            }
        }
        if !week.is_empty() {
            while week.len() < 7 {
                week.push(None);
            }
            weeks.push(week);
        }
        months.push(Month { number: m, weeks });
    }
    months
}

// The page's parts, each from a different caller; a struct would only rename them.
#[allow(clippy::too_many_arguments)]
async fn calendar_page(
    s: &AppState,
    actor: &Actor,
    c: Ctx,
    name: &str,
    year: Option<i16>,
    form: Form,
    saved: bool,
    status: StatusCode,
) -> PageResult {
    let view = match s.app.get_calendar(actor, name).await {
        Ok(v) => v,
        Err(e) => return Err(fail(c)(e)),
    };
    let spec: CalendarSpec = match serde_json::from_value(view.definition) {
        Ok(x) => x,
        Err(_) => return Err(not_found(c)),
    };
    let year = year.unwrap_or_else(|| this_year(s, &c));
    let (months, provisional) = year_grid(&spec, year);
    let special = match s.app.calendar_year(actor, name, year).await {
        Ok(y) => y
            .days
            .into_iter()
            .map(|d| (d.date.to_string(), d.kind.as_str().to_owned(), d.name))
            .collect(),
        Err(e) => return Err(fail(c)(e)),
    };
    let notices = match s.app.provisional_notices(actor).await {
        Ok(n) => n,
        Err(e) => return Err(fail(c)(e)),
    };
    let mut form = form;
    // The windows form shows what is stored unless a refused post brought its own.
    if form.open != "windows" {
        for (key, day) in WEEKDAYS {
            form.values
                .insert(format!("week_{key}"), spec.week.get(day).to_string());
        }
        form.values
            .insert("standard_day".into(), spec.standard_day.to_string());
    }
    let week = WEEKDAYS
        .iter()
        .map(|(k, d)| (*k, spec.week.get(*d).to_string()))
        .collect();
    Ok((
        status,
        CalendarPage {
            c,
            here: "/ui/admin/calendars",
            sections: SECTIONS,
            name: view.name,
            preset: view.preset,
            version: view.version.unwrap_or(0),
            time_zone: spec.time_zone.clone(),
            year,
            provisional,
            days_editable: !view.preset || view.version.is_some(),
            notices,
            months,
            special,
            week,

            form,
            saved,
        },
    )
        .into_response())
}

fn year_of(raw: Option<&str>) -> Option<i16> {
    raw.and_then(|y| y.parse::<i16>().ok())
        .filter(|y| (1900..=2200).contains(y))
}

async fn calendar(
    State(s): State<AppState>,
    auth: Result<Authn, ApiError>,
    headers: HeaderMap,
    uri: Uri,
    Path(name): Path<String>,
    Query(q): Query<YearQuery>,
) -> PageResult {
    let (actor, c) = gate(&s, auth, &headers, &uri).await?;
    calendar_page(
        &s,
        &actor,
        c,
        &name,
        year_of(q.year.as_deref()),
        Form::default(),
        q.saved.is_some(),
        StatusCode::OK,
    )
    .await
}

/// A holiday or adjusted working day set or removed (`action=day`), the
/// windows (`action=windows`), or an iCalendar file laid over it (`action=import`).
async fn calendar_post(
    State(s): State<AppState>,
    auth: Result<Authn, ApiError>,
    headers: HeaderMap,
    uri: Uri,
    Path(name): Path<String>,
    body: Body,
) -> PageResult {
    let (actor, c) = gate(&s, auth, &headers, &uri).await?;
    let values = match posted(body) {
        Ok(v) => v,
        Err(e) => return Err(PageError::Api(e, Box::new(c))),
    };
    let mut form = form_of(values);
    let year = year_of(opt(&form, "year").as_deref());
    let outcome = calendar_change(&s, &actor, &name, &mut form).await;
    let status = match outcome {
        Ok(true) => {
            let y = year.map(|y| y.to_string()).unwrap_or_default();
            return Ok(see_other(&with_query(
                &format!("/ui/admin/calendars/{}", percent_encode(&name)),
                &[("year", y), ("saved", "1".into())],
            )));
        }
        Ok(false) => StatusCode::UNPROCESSABLE_ENTITY,
        Err(e) => refused(&mut form, e).map_err(fail_ref(&c))?,
    };
    calendar_page(&s, &actor, c, &name, year, form, false, status).await
}

/// A range of dates marked as holidays or adjusted working days, or cleared
/// (`kind=none`): the year's days as shown (a provisional year's included)
/// with the change, entered as the year's data, which makes it official.
/// Ok(false): field errors were put in the form.
async fn day_change(
    s: &AppState,
    actor: &Actor,
    name: &str,
    form: &mut Form,
    version: i64,
) -> Result<bool, AppError> {
    let date = |f: &Form, k: &str| opt(f, k).and_then(|d| d.parse::<jiff::civil::Date>().ok());
    let Some(first) = date(form, "date") else {
        form.errors.insert("date".into(), "admin.f.date".into());
        return Ok(false);
    };
    let last = match opt(form, "to").filter(|t| !t.is_empty()) {
        None => first,
        Some(_) => match date(form, "to") {
            Some(d) if d >= first && d.year() == first.year() => d,
            _ => {
                form.errors.insert("to".into(), "admin.f.date_to".into());
                return Ok(false);
            }
        },
    };
    let kind = opt(form, "kind").unwrap_or_default();
    let day_name = opt(form, "name").unwrap_or_default();
    let kind = match kind.as_str() {
        "none" => None,
        k => match k.parse::<DayKind>() {
            Ok(k) => Some(k),
            Err(_) => {
                form.errors.insert("kind".into(), "f.required".into());
                return Ok(false);
            }
        },
    };
    if kind.is_some() && day_name.is_empty() {
        form.errors.insert("name".into(), "f.required".into());
        return Ok(false);
    }
    let year = first.year();
    let mut days: Vec<fuwu_app::calendars::YearDay> = s
        .app
        .calendar_year(actor, name, year)
        .await?
        .days
        .into_iter()
        .filter(|d| d.date < first || d.date > last)
        .collect();
    if let Some(kind) = kind {
        let mut d = first;
        while d <= last {
            days.push(fuwu_app::calendars::YearDay {
                date: d,
                kind,
                name: day_name.clone(),
            });
            let Ok(next) = d.tomorrow() else { break };
            d = next;
        }
    }
    s.app
        .set_calendar_year(
            actor,
            name,
            year,
            fuwu_app::calendars::YearInput { version, days },
        )
        .await?;
    Ok(true)
}

/// Ok(false): field errors were put in the form.
async fn calendar_change(
    s: &AppState,
    actor: &Actor,
    name: &str,
    form: &mut Form,
) -> Result<bool, AppError> {
    if form.open == "import" {
        let text = required(form, "icalendar");
        if !form.errors.is_empty() {
            return Ok(false);
        }
        s.app.import_calendar(actor, name, &text).await?;
        return Ok(true);
    }
    let version = version(form);
    if form.open == "day" {
        return day_change(s, actor, name, form, version).await;
    }
    let view = s.app.get_calendar(actor, name).await?;
    let mut spec: CalendarSpec = serde_json::from_value(view.definition)
        .map_err(|e| AppError::invalid("definition", e.to_string()))?;
    match form.open.as_str() {
        "windows" => {
            let mut parsed = Vec::new();
            for (key, day) in WEEKDAYS {
                let field = format!("week_{key}");
                let text = opt(form, &field).unwrap_or_default();
                match parse_windows(&text) {
                    Some(w) => parsed.push((day, w)),
                    None => {
                        form.errors.insert(field, "admin.f.windows".into());
                    }
                }
            }
            let standard = opt(form, "standard_day").unwrap_or_default();
            let standard = match parse_windows(&standard).filter(|w| !w.is_empty()) {
                Some(w) => Some(w),
                None => {
                    form.errors
                        .insert("standard_day".into(), "admin.f.windows".into());
                    None
                }
            };
            let Some(standard) = standard else {
                return Ok(false);
            };
            if !form.errors.is_empty() {
                return Ok(false);
            }
            for (day, w) in parsed {
                spec.week.set(day, w);
            }
            spec.standard_day = standard;
        }
        _ => return Err(AppError::invalid("action", "not an action of this page")),
    }
    if !form.errors.is_empty() {
        return Ok(false);
    }
    let definition =
        serde_json::to_value(&spec).map_err(|e| AppError::invalid("definition", e.to_string()))?;
    s.app
        .update_calendar(
            actor,
            name,
            CalendarInput {
                version: Some(version),
                definition,
            },
        )
        .await?;
    Ok(true)
}

/// `09:00-12:00,13:30-18:00`; empty (or `-`) is a day without work.
fn parse_windows(text: &str) -> Option<DayWindows> {
    let t = text.trim();
    if t.is_empty() || t == "-" {
        return Some(DayWindows::NONE);
    }
    DayWindows::parse(t).ok()
}

// ---------------------------------------------------------------- SLA policies

pub struct PolicyRow {
    pub id: i64,
    pub key: String,
    pub name: String,
    pub description: String,
    pub targets: usize,
}

#[derive(Template, WebTemplate)]
#[template(path = "admin/policies.html")]
struct PoliciesPage {
    c: Ctx,
    here: &'static str,
    sections: &'static [(&'static str, &'static str)],
    rows: Vec<PolicyRow>,
}

fn localized<'a>(c: &Ctx, zh: &'a str, en: &'a str) -> &'a str {
    match c.lang {
        super::i18n::Lang::En => en,
        _ => zh,
    }
}

async fn policies(
    State(s): State<AppState>,
    auth: Result<Authn, ApiError>,
    headers: HeaderMap,
    uri: Uri,
) -> PageResult {
    let (actor, c) = gate(&s, auth, &headers, &uri).await?;
    let list = match s.app.list_sla_policies(&actor).await {
        Ok(l) => l,
        Err(e) => return Err(fail(c)(e)),
    };
    let rows = list
        .into_iter()
        .map(|p| {
            let parsed = serde_json::from_str::<Policy>(&p.definition).ok();
            PolicyRow {
                id: p.id,
                name: parsed
                    .as_ref()
                    .map(|x| localized(&c, &x.name_zh, &x.name_en).to_owned())
                    .unwrap_or_else(|| p.name.clone()),
                key: p.name,
                description: p.description,
                targets: parsed.map_or(0, |x| x.targets.len()),
            }
        })
        .collect();
    Ok(PoliciesPage {
        c,
        here: "/ui/admin/sla-policies",
        sections: SECTIONS,
        rows,
    }
    .into_response())
}

pub struct TargetRow {
    pub key: String,
    pub name: String,
    pub levels: String,
    pub categories: String,
    pub channels: String,
    pub start: String,
    pub stop: String,
    pub pauses: String,
    pub duration: String,
    pub calendar: String,
    pub warn: String,
    pub escalation: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "admin/policy.html")]
struct PolicyPage {
    c: Ctx,
    here: &'static str,
    sections: &'static [(&'static str, &'static str)],
    id: i64,
    version: i64,
    key: String,
    name: String,
    description: String,
    level: String,
    category: String,
    categories: Vec<&'static str>,
    rows: Vec<TargetRow>,
    form: Form,
    saved: bool,
}

#[derive(Debug, Default, Deserialize)]
pub struct TargetQuery {
    level: Option<String>,
    category: Option<String>,
    saved: Option<String>,
}

/// A serde value as its short text: `"acknowledged"`, `{"waiting_for":"customer"}` → `waiting_for: customer`.
fn word<T: serde::Serialize>(v: &T) -> String {
    match serde_json::to_value(v) {
        Ok(serde_json::Value::String(s)) => s,
        Ok(serde_json::Value::Object(m)) => m
            .iter()
            .map(|(k, v)| format!("{k}: {}", v.as_str().unwrap_or_default()))
            .collect::<Vec<_>>()
            .join(", "),
        Ok(other) => other.to_string(),
        Err(_) => String::new(),
    }
}

async fn policy_page(
    s: &AppState,
    actor: &Actor,
    c: Ctx,
    id: i64,
    q: TargetQuery,
    form: Form,
    status: StatusCode,
) -> PageResult {
    let row = match s.app.get_sla_policy(actor, id).await {
        Ok(r) => r,
        Err(e) => return Err(fail(c)(e)),
    };
    let policy: Policy = match serde_json::from_str(&row.definition) {
        Ok(p) => p,
        Err(_) => return Err(not_found(c)),
    };
    let level = q
        .level
        .as_deref()
        .and_then(|l| l.parse::<i64>().ok())
        .and_then(|l| fuwu_core::FaultLevel::new(l).ok());
    let category = q
        .category
        .as_deref()
        .and_then(|x| x.parse::<fuwu_core::Category>().ok());
    let rows = policy
        .targets
        .iter()
        .filter(|t| level.is_none_or(|l| t.levels.contains(l)))
        .filter(|t| {
            category.is_none_or(|k| t.categories.as_ref().is_none_or(|set| set.contains(&k)))
        })
        .map(|t| TargetRow {
            key: t.key.clone(),
            name: localized(&c, &t.name_zh, &t.name_en).to_owned(),
            levels: if t.levels.min == t.levels.max {
                t.levels.min.get().to_string()
            } else {
                format!("{}–{}", t.levels.min.get(), t.levels.max.get())
            },
            categories: t.categories.as_ref().map_or_else(String::new, |set| {
                set.iter()
                    .map(|k| c.tv("category", k.as_str()))
                    .collect::<Vec<_>>()
                    .join(", ")
            }),
            channels: t.channels.as_ref().map_or_else(String::new, |set| {
                set.iter()
                    .map(|k| c.tv("channel", k.as_str()))
                    .collect::<Vec<_>>()
                    .join(", ")
            }),
            start: word(&t.start),
            stop: word(&t.stop),
            pauses: t.pause_when.iter().map(word).collect::<Vec<_>>().join("; "),
            duration: t.duration.to_string(),
            calendar: t.calendar.clone(),
            warn: t
                .warn_at_percent
                .iter()
                .map(|p| p.to_string())
                .collect::<Vec<_>>()
                .join(", "),
            escalation: t
                .escalation
                .iter()
                .map(|e| {
                    format!(
                        "{}% → {}",
                        e.at_percent,
                        e.notify.iter().map(word).collect::<Vec<_>>().join(", ")
                    )
                })
                .collect::<Vec<_>>()
                .join("; "),
        })
        .collect();
    Ok((
        status,
        PolicyPage {
            name: localized(&c, &policy.name_zh, &policy.name_en).to_owned(),
            c,
            here: "/ui/admin/sla-policies",
            sections: SECTIONS,
            id,
            version: row.version,
            key: policy.key.clone(),
            description: policy.description.clone(),
            level: level.map(|l| l.get().to_string()).unwrap_or_default(),
            category: category.map(|k| k.as_str().to_owned()).unwrap_or_default(),
            categories: fuwu_core::Category::ALL
                .iter()
                .map(|k| k.as_str())
                .collect(),
            rows,
            form,
            saved: q.saved.is_some(),
        },
    )
        .into_response())
}

async fn policy(
    State(s): State<AppState>,
    auth: Result<Authn, ApiError>,
    headers: HeaderMap,
    uri: Uri,
    Path(id): Path<String>,
    Query(q): Query<TargetQuery>,
) -> PageResult {
    let (actor, c) = gate(&s, auth, &headers, &uri).await?;
    let Some(id) = page_id(&id) else {
        return Err(not_found(c));
    };
    policy_page(&s, &actor, c, id, q, Form::default(), StatusCode::OK).await
}

/// One target's duration and warning thresholds changed (`action` = the target's key).
async fn policy_post(
    State(s): State<AppState>,
    auth: Result<Authn, ApiError>,
    headers: HeaderMap,
    uri: Uri,
    Path(id): Path<String>,
    body: Body,
) -> PageResult {
    let (actor, c, id, values) = gate_edit(&s, auth, &headers, &uri, &id, body).await?;
    let mut form = form_of(values);
    let outcome = target_change(&s, &actor, id, &mut form).await;
    let status = match outcome {
        Ok(true) => {
            return Ok(see_other(&format!(
                "/ui/admin/sla-policies/{id}?saved=1#target-{}",
                percent_encode(&form.open)
            )));
        }
        Ok(false) => StatusCode::UNPROCESSABLE_ENTITY,
        Err(e) => refused(&mut form, e).map_err(fail_ref(&c))?,
    };
    policy_page(&s, &actor, c, id, TargetQuery::default(), form, status).await
}

async fn target_change(
    s: &AppState,
    actor: &Actor,
    id: i64,
    form: &mut Form,
) -> Result<bool, AppError> {
    let version = version(form);
    let key = form.open.clone();
    let duration = match opt(form, "duration").map(|d| BusinessDuration::parse(&d)) {
        Some(Ok(d)) => Some(d),
        _ => {
            form.errors
                .insert("duration".into(), "admin.f.duration".into());
            None
        }
    };
    let warn: Result<Vec<u8>, _> = opt(form, "warn")
        .unwrap_or_default()
        .split([',', '，', ' '])
        .filter(|p| !p.trim().is_empty())
        .map(|p| p.trim().parse::<u8>())
        .collect();
    let warn = match warn {
        Ok(w) if w.iter().all(|p| (1..=99).contains(p)) && w.windows(2).all(|x| x[0] < x[1]) => {
            Some(w)
        }
        _ => {
            form.errors.insert("warn".into(), "admin.f.warn".into());
            None
        }
    };
    let (Some(duration), Some(warn)) = (duration, warn) else {
        return Ok(false);
    };
    if !form.errors.is_empty() {
        return Ok(false);
    }
    let row = s.app.get_sla_policy(actor, id).await?;
    // The version is checked before the target is looked up: a policy changed
    // meanwhile may not have this target any more, and "someone else changed
    // this" is the true answer then.
    if row.version != version {
        return Err(AppError::StaleVersion {
            what: "SLA policy",
            expected: version,
        });
    }
    let mut policy: Policy = serde_json::from_str(&row.definition)
        .map_err(|e| AppError::invalid("definition", e.to_string()))?;
    let Some(target) = policy.targets.iter_mut().find(|t| t.key == key) else {
        return Err(AppError::invalid("action", "no such target"));
    };
    target.duration = duration;
    target.warn_at_percent = warn;
    let definition = serde_json::to_value(&policy)
        .map_err(|e| AppError::invalid("definition", e.to_string()))?;
    s.app
        .update_sla_policy(
            actor,
            id,
            PolicyInput {
                version: Some(version),
                definition,
            },
        )
        .await?;
    Ok(true)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ui::i18n::Lang;

    #[test]
    fn every_key_of_the_admin_pages_is_in_both_catalogues() {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/templates/admin");
        let mut sources: Vec<String> = std::fs::read_dir(dir)
            .expect("admin templates")
            .filter_map(|e| e.ok())
            .filter_map(|e| std::fs::read_to_string(e.path()).ok())
            .collect();
        sources.push(include_str!("admin.rs").to_owned());
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

    #[test]
    fn the_year_view_marks_national_day_and_the_adjusted_sunday() {
        let spec = CalendarSpec::cn_mainland();
        let (months, no_data) = year_grid(&spec, 2026);
        assert!(!no_data);
        let find = |date: &str| {
            months
                .iter()
                .flat_map(|m| m.weeks.iter().flatten().flatten())
                .find(|d| d.date == date)
                .map(|d| d.kind)
        };
        assert_eq!(find("2026-10-01"), Some("holiday"));
        assert_eq!(
            find("2026-09-20"),
            Some("workday"),
            "a Sunday worked (调休)"
        );
        assert_eq!(find("2026-09-19"), Some("off"));
        assert_eq!(find("2026-09-21"), Some("work"));
        assert_eq!(months.len(), 12);
        // A year without data shows the week only, and says so.
        assert!(year_grid(&spec, 1990).1);
    }

    #[test]
    fn the_free_period_ends_and_billing_starts_after_the_months() {
        assert_eq!(billable_from("2025-03-18", 24), "2027-03-18");
        assert_eq!(billable_from("2024-01-31", 1), "2024-02-29");
        assert_eq!(billable_from("nonsense", 24), "");
    }
}
