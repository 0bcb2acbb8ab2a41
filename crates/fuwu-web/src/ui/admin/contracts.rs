//! Contracts: their free service period, SLA policy and project leader.

use super::form::{
    Body, CursorQuery, Saved, checked, form_of, id_opt, opt, opt_id, page_id, refused, required,
    version, with_query,
};
use super::options::{name_in, org_options, with_chosen_org, with_chosen_user};
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
use fuwu_app::directory::{ContractInput, ContractPatch};
use fuwu_app::{Actor, AppError};
use fuwu_store::directory::Contract;
use serde::Deserialize;
use std::collections::HashMap;

pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/ui/admin/contracts", get(contracts))
        .route(
            "/ui/admin/contracts/new",
            get(contract_new).post(contract_create),
        )
        .route(
            "/ui/admin/contracts/{id}",
            get(contract_edit).post(contract_update),
        )
}

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
    uri: Uri,
    Query(q): Query<CursorQuery>,
    Admin { actor, c }: Admin,
) -> PageResult {
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
    Query(q): Query<NewContractQuery>,
    Admin { actor, c }: Admin,
) -> PageResult {
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

async fn contract_create(State(s): State<AppState>, admin: Admin, body: Body) -> PageResult {
    let (actor, c, values) = admin.posted(body)?;
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
    Path(id): Path<String>,
    Query(q): Query<Saved>,
    admin: Admin,
) -> PageResult {
    let (actor, c, id) = admin.record(&id)?;
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
    Path(id): Path<String>,
    admin: Admin,
    body: Body,
) -> PageResult {
    let (actor, c, id, values) = admin.edit(&id, body)?;
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_free_period_ends_and_billing_starts_after_the_months() {
        assert_eq!(billable_from("2025-03-18", 24), "2027-03-18");
        assert_eq!(billable_from("2024-01-31", 1), "2024-02-29");
        assert_eq!(billable_from("nonsense", 24), "");
    }
}
