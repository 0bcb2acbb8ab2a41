//! Organizations with their archive, the contacts and systems added from an
//! organization's page, and a contact's own page.

use super::form::{
    Body, CursorQuery, Saved, form_of, opt, refused, required, s_opt, version, with_query,
};
use super::systems::SYSTEM_KINDS;
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
use fuwu_app::directory::{
    ContactInput, ContactPatch, OrganizationInput, OrganizationPatch, SystemInput,
};
use fuwu_app::{Actor, AppError};
use fuwu_store::directory::Organization;
use std::collections::HashMap;

pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/ui/admin/organizations", get(organizations))
        .route(
            "/ui/admin/organizations/new",
            get(organization_new).post(organization_create),
        )
        .route(
            "/ui/admin/organizations/{id}",
            get(organization_edit).post(organization_update),
        )
        .route(
            "/ui/admin/contacts/{id}",
            get(contact_edit).post(contact_update),
        )
}

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
    uri: Uri,
    Query(q): Query<CursorQuery>,
    Admin { actor, c }: Admin,
) -> PageResult {
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

async fn organization_new(State(s): State<AppState>, Admin { actor, c }: Admin) -> PageResult {
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

async fn organization_create(State(s): State<AppState>, admin: Admin, body: Body) -> PageResult {
    let (actor, c, values) = admin.posted(body)?;
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
    Path(id): Path<String>,
    Query(q): Query<Saved>,
    admin: Admin,
) -> PageResult {
    let (actor, c, id) = admin.record(&id)?;
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
    Path(id): Path<String>,
    admin: Admin,
    body: Body,
) -> PageResult {
    let (actor, c, id, values) = admin.edit(&id, body)?;
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
    Path(id): Path<String>,
    Query(q): Query<Saved>,
    admin: Admin,
) -> PageResult {
    let (actor, c, id) = admin.record(&id)?;
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
    Path(id): Path<String>,
    admin: Admin,
    body: Body,
) -> PageResult {
    let (actor, c, id, values) = admin.edit(&id, body)?;
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
