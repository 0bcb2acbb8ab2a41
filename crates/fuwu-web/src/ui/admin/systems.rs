//! Systems: the list across organizations and a system's own page.

use super::form::{
    Body, CursorQuery, Saved, form_of, id_opt, opt, page_id, refused, required, s_opt, version,
    with_query,
};
use super::options::{name_in, org_options};
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
use fuwu_app::AppError;
use fuwu_app::directory::SystemPatch;

pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/ui/admin/systems", get(systems))
        .route(
            "/ui/admin/systems/{id}",
            get(system_edit).post(system_update),
        )
}

/// The kinds of system the directory knows (its use case checks them).
pub(super) const SYSTEM_KINDS: [&str; 6] =
    ["software", "server", "device", "network", "cloud", "other"];

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
    uri: Uri,
    Query(q): Query<CursorQuery>,
    Admin { actor, c }: Admin,
) -> PageResult {
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
    Path(id): Path<String>,
    Query(q): Query<Saved>,
    admin: Admin,
) -> PageResult {
    let (actor, c, id) = admin.record(&id)?;
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
    Path(id): Path<String>,
    admin: Admin,
    body: Body,
) -> PageResult {
    let (actor, c, id, values) = admin.edit(&id, body)?;
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
