//! New requests: the phone intake for staff, the portal form for customers,
//! and the lookup of an organization's contacts and systems.

use super::{FormReader, PageResult, fail};
use crate::AppState;
use crate::error::{ApiError, ErrorCode};
use crate::extract::Authn;
use crate::ui::form::Form;
use crate::ui::{Ctx, PageError, see_other, viewer};
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Query, RawForm, State};
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use fuwu_app::access::Capability;
use fuwu_app::requests::NewRequest;
use fuwu_app::{Actor, AppError};
use fuwu_core::{Category, Channel, FaultLevel, Impact, Urgency};
use serde::Deserialize;

// ---------------------------------------------------------------- new requests

#[derive(Template, WebTemplate)]
#[template(path = "new.html")]
pub struct NewPage {
    c: Ctx,
    staff: bool,
    form: Form,
    /// `impact/urgency` → level, for the live level (from the core's table).
    levels_json: String,
    impacts: Vec<(&'static str, u8)>,
    urgencies: Vec<&'static str>,
    categories: Vec<&'static str>,
    systems: Vec<(i64, String)>,
}

fn levels_json() -> String {
    let mut m = serde_json::Map::new();
    for i in Impact::ALL {
        for u in Urgency::ALL {
            m.insert(format!("{i}/{u}"), FaultLevel::derive(*i, *u).get().into());
        }
    }
    serde_json::Value::Object(m).to_string()
}

async fn new_page(s: &AppState, actor: &Actor, c: Ctx, form: Form, status: StatusCode) -> Response {
    let staff = c.is_staff();
    let org = form.v("organization_id").parse::<i64>().ok();
    let systems = match (staff, org) {
        (true, None) => Vec::new(),
        (_, org) => s
            .app
            .list_systems(actor, None, Some(200), org)
            .await
            .map(|p| p.items.into_iter().map(|x| (x.id, x.name)).collect())
            .unwrap_or_default(),
    };
    (
        status,
        NewPage {
            c,
            staff,
            form,
            levels_json: levels_json(),
            impacts: Impact::ALL
                .iter()
                .map(|i| (i.as_str(), FaultLevel::derive(*i, Urgency::Medium).get()))
                .collect(),
            urgencies: Urgency::ALL.iter().map(|u| u.as_str()).collect(),
            categories: Category::ALL.iter().map(|v| v.as_str()).collect(),
            systems,
        },
    )
        .into_response()
}

/// Staff: the phone intake. Customers: the portal's form.
pub async fn new_request(
    State(s): State<AppState>,
    auth: Result<Authn, ApiError>,
    headers: HeaderMap,
    uri: Uri,
) -> PageResult {
    let (a, c) = viewer(&s, auth, &headers, &uri).await?;
    if !a.actor.has(Capability::CreateRequests) {
        return Err(fail(c)(AppError::Forbidden("create requests")));
    }
    let mut form = Form::default();
    for (k, v) in [
        ("category", "fault"),
        ("impact", "minor"),
        ("urgency", "medium"),
    ] {
        form.values.insert(k.into(), v.into());
    }
    Ok(new_page(&s, &a.actor, c, form, StatusCode::OK).await)
}

pub async fn create_request(
    State(s): State<AppState>,
    auth: Result<Authn, ApiError>,
    headers: HeaderMap,
    uri: Uri,
    body: Result<RawForm, axum::extract::rejection::RawFormRejection>,
) -> PageResult {
    let (a, c) = viewer(&s, auth, &headers, &uri).await?;
    let Ok(RawForm(bytes)) = body else {
        return Err(PageError::Api(
            ApiError::new(ErrorCode::BadRequest, "send the page's form"),
            Box::new(c),
        ));
    };
    let Ok(values) = serde_urlencoded::from_bytes::<Vec<(String, String)>>(&bytes) else {
        return Err(PageError::Api(
            ApiError::new(ErrorCode::BadRequest, "an unreadable form"),
            Box::new(c),
        ));
    };
    let mut form = Form {
        values: values
            .into_iter()
            .filter(|(k, _)| k != "csrf_token")
            .collect(),
        ..Form::default()
    };
    let staff = c.is_staff();
    let mut f = FormReader { form: &mut form };
    let category = f.pick::<Category>("category");
    let impact = f.pick::<Impact>("impact");
    let urgency = f.pick::<Urgency>("urgency");
    let title = f.text("title");
    let description = f.opt("description").unwrap_or_default();
    let organization_id = f.opt_id("organization_id");
    if staff && organization_id.is_none() {
        f.required("organization_id");
    }
    let requester_contact_id = f.opt_id("requester_contact_id");
    let system_id = f.opt_id("system_id");
    let (Some(category), Some(impact), Some(urgency), Some(title)) =
        (category, impact, urgency, title)
    else {
        return Ok(new_page(&s, &a.actor, c, form, StatusCode::UNPROCESSABLE_ENTITY).await);
    };
    if f.failed() {
        return Ok(new_page(&s, &a.actor, c, form, StatusCode::UNPROCESSABLE_ENTITY).await);
    }
    let input = NewRequest {
        channel: if staff { Channel::Phone } else { Channel::Web },
        category,
        impact,
        urgency,
        level: None,
        level_reason: None,
        title: title.into_inner(),
        description,
        organization_id,
        requester_contact_id,
        system_id,
    };
    match s.app.create_request(&a.actor, input, None).await {
        Ok((r, _)) => Ok(see_other(&format!("/ui/requests/{}", r.id))),
        Err(AppError::Invalid { field, message }) => {
            form.errors.insert(field.to_owned(), message);
            Ok(new_page(&s, &a.actor, c, form, StatusCode::UNPROCESSABLE_ENTITY).await)
        }
        Err(e) => Err(fail(c)(e)),
    }
}

#[derive(Debug, Default, Deserialize)]
pub struct LookupQuery {
    q: Option<String>,
}

pub struct Found {
    pub organization_id: i64,
    pub contact_id: String,
    pub label: String,
    pub contract: String,
    pub systems_json: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "lookup.html")]
pub struct LookupPart {
    c: Ctx,
    asked: bool,
    found: Vec<Found>,
}

/// The phone intake's lookup (an htmx partial): callers matching a number or a name.
pub async fn lookup(
    State(s): State<AppState>,
    auth: Result<Authn, ApiError>,
    headers: HeaderMap,
    uri: Uri,
    Query(q): Query<LookupQuery>,
) -> PageResult {
    let (a, c) = viewer(&s, auth, &headers, &uri).await?;
    let needle = q.q.unwrap_or_default();
    let matches = match s.app.intake_lookup(&a.actor, &needle).await {
        Ok(m) => m,
        Err(e) => return Err(fail(c)(e)),
    };
    let found = matches
        .into_iter()
        .map(|m| {
            let mut label = m.organization.name.clone();
            if let Some(k) = &m.contact {
                label.push_str(" · ");
                label.push_str(&k.name);
                if let Some(p) = &k.phone {
                    label.push_str(" · ");
                    label.push_str(p);
                }
            }
            let contract = m
                .contracts
                .iter()
                .map(|k| format!("{} {}{}", k.code, k.name, if k.vip { " · VIP" } else { "" }))
                .collect::<Vec<_>>()
                .join("; ");
            let systems: Vec<(i64, &str)> =
                m.systems.iter().map(|x| (x.id, x.name.as_str())).collect();
            Found {
                organization_id: m.organization.id,
                contact_id: m.contact.map(|k| k.id.to_string()).unwrap_or_default(),
                label,
                contract,
                systems_json: serde_json::to_string(&systems).unwrap_or_else(|_| "[]".into()),
            }
        })
        .collect();
    Ok(LookupPart {
        c,
        asked: needle.trim().chars().count() >= 2,
        found,
    }
    .into_response())
}
