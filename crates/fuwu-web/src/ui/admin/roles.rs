//! The admin area's start: the roles and what each may do.

use super::{Admin, PageResult, SECTIONS};
use crate::AppState;
use crate::ui::Ctx;
use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::response::IntoResponse;
use axum::routing::get;
use fuwu_app::access::{Capability, allows};
use fuwu_core::Role;
use fuwu_core::lifecycle::{ActionKind, roles_allowed};

pub(super) fn routes() -> Router<AppState> {
    Router::new().route("/ui/admin", get(index))
}

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
pub(super) fn human_roles() -> Vec<Role> {
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
async fn index(Admin { c, .. }: Admin) -> PageResult {
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
