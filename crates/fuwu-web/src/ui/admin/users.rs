//! Users: the list with its filters, a user's profile and password reset.

use super::form::{
    Body, Saved, checked, form_of, id_opt, opt, opt_id, page_id, refused, required, s_opt, version,
    with_query,
};
use super::options::{name_in, org_options, team_options, with_chosen_org};
use super::roles::human_roles;
use super::{Admin, PageResult, SECTIONS, fail, fail_ref};
use crate::AppState;
use crate::ui::form::Form;
use crate::ui::{Ctx, see_other};
use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, Uri};
use axum::response::IntoResponse;
use axum::routing::get;
use fuwu_app::directory::{UserInput, UserPatch};
use fuwu_app::{Actor, AppError};
use fuwu_core::Role;
use fuwu_store::directory::User;
use serde::Deserialize;
use std::collections::HashMap;

pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/ui/admin/users", get(users))
        .route("/ui/admin/users/new", get(user_new).post(user_create))
        .route("/ui/admin/users/{id}", get(user_edit).post(user_update))
}

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
    uri: Uri,
    Query(q): Query<UserQuery>,
    Admin { actor, c }: Admin,
) -> PageResult {
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

async fn user_new(State(s): State<AppState>, Admin { actor, c }: Admin) -> PageResult {
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

async fn user_create(State(s): State<AppState>, admin: Admin, body: Body) -> PageResult {
    let (actor, c, values) = admin.posted(body)?;
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

async fn user_edit(
    State(s): State<AppState>,
    Path(id): Path<String>,
    Query(q): Query<Saved>,
    admin: Admin,
) -> PageResult {
    let (actor, c, id) = admin.record(&id)?;
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
    Path(id): Path<String>,
    admin: Admin,
    body: Body,
) -> PageResult {
    let (actor, c, id, values) = admin.edit(&id, body)?;
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
