//! Teams and their leads.

use super::form::{
    Body, CursorQuery, Saved, form_of, id_opt, opt_id, refused, required, version, with_query,
};
use super::options::with_chosen_user;
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
use fuwu_app::directory::{TeamInput, TeamPatch};
use fuwu_app::{Actor, AppError};
use fuwu_core::Role;

pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/ui/admin/teams", get(teams))
        .route("/ui/admin/teams/new", get(team_new).post(team_create))
        .route("/ui/admin/teams/{id}", get(team_edit).post(team_update))
}

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

async fn teams(
    State(s): State<AppState>,
    uri: Uri,
    Query(q): Query<CursorQuery>,
    Admin { actor, c }: Admin,
) -> PageResult {
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
                .filter(|u| u.role.parse::<Role>().is_ok_and(fuwu_core::Role::is_staff))
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

async fn team_new(State(s): State<AppState>, Admin { actor, c }: Admin) -> PageResult {
    team_page(&s, &actor, c, None, Form::default(), false, StatusCode::OK).await
}

async fn team_create(State(s): State<AppState>, admin: Admin, body: Body) -> PageResult {
    let (actor, c, values) = admin.posted(body)?;
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
    Path(id): Path<String>,
    Query(q): Query<Saved>,
    admin: Admin,
) -> PageResult {
    let (actor, c, id) = admin.record(&id)?;
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
    Path(id): Path<String>,
    admin: Admin,
    body: Body,
) -> PageResult {
    let (actor, c, id, values) = admin.edit(&id, body)?;
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
