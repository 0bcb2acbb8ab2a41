//! The authorization matrix: every route the server serves × every role ×
//! an object of the caller's own organization (or in their reach) and one of
//! another organization, with the expected outcome — from ONE table.
//!
//! The routes come from the served OpenAPI document (plus the few routes it
//! does not describe); a route missing from [`MATRIX`], or a row naming a
//! route the server does not serve, fails the test, so no endpoint can be
//! added without deciding who may use it.
//!
//! Outcomes, per role, as two letters — own, other:
//! * `A` allow: the call passes authorization — 2xx, or a 409 about the
//!   object's state or version (mutating calls send a stale `version`, so the
//!   fixture stays as it is and each call is judged on access alone);
//! * `D` deny: 403;
//! * `H` hidden: 404 `not_found`, exactly as for an id that does not exist.
//!
//! Besides the status, every denied or hidden answer, and every answer a
//! customer, a third-party engineer or a project leader gets, must contain
//! nothing of the other organization; customers and third parties never see
//! internal notes or the customer archive's notes.

use crate::both_engines;
use crate::harness::*;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use std::collections::BTreeSet;

/// The roles, in the order of the table's columns.
const ROLES: [&str; 7] = [
    "customer_user",
    "customer_admin",
    "agent",
    "engineer",
    "third_party",
    "project_leader",
    "admin",
];

/// Every route × role: (own, other). Columns in the order of [`ROLES`].
#[rustfmt::skip]
const MATRIX: &[(&str, &str, [&str; 7])] = &[
    //                                                      cust_user cust_adm agent  engineer third_p proj_ld admin
    ("GET",    "/healthz",                                  ["AA", "AA", "AA", "AA", "AA", "AA", "AA"]),
    ("GET",    "/api/v1/openapi.json",                      ["AA", "AA", "AA", "AA", "AA", "AA", "AA"]),
    ("POST",   "/login",                                    ["AA", "AA", "AA", "AA", "AA", "AA", "AA"]),
    ("POST",   "/logout",                                   ["AA", "AA", "AA", "AA", "AA", "AA", "AA"]),
    ("GET",    "/api/v1/me",                                ["AA", "AA", "AA", "AA", "AA", "AA", "AA"]),
    ("POST",   "/api/v1/me/password",                       ["AA", "AA", "AA", "AA", "AA", "AA", "AA"]),
    ("POST",   "/api/v1/users/{id}/password",               ["DD", "DD", "DD", "DD", "DD", "DD", "AA"]),
    // own: your tokens; other: another user's (admins only).
    ("GET",    "/api/v1/tokens",                            ["AD", "AD", "AD", "AD", "AD", "AD", "AA"]),
    ("POST",   "/api/v1/tokens",                            ["AD", "AD", "AD", "AD", "AD", "AD", "AA"]),
    ("DELETE", "/api/v1/tokens/{id}",                       ["AH", "AH", "AH", "AH", "AH", "AH", "AA"]),
    ("GET",    "/api/v1/audit",                             ["DD", "DD", "DD", "DD", "DD", "DD", "AA"]),
    ("GET",    "/api/v1/audit/request-events",              ["DD", "DD", "DD", "DD", "DD", "DD", "AA"]),
    // Requests: own = the request of organization A, in the engineer's team queue,
    // handed to the third party, under the project leader's contract; other = organization B's.
    ("GET",    "/api/v1/requests",                          ["AA", "AA", "AA", "AA", "AA", "AA", "AA"]),
    ("POST",   "/api/v1/requests",                          ["AD", "AD", "AA", "AA", "DD", "AH", "AA"]),
    // Importing with history writes the past: administrators only.
    ("POST",   "/api/v1/requests/import",                   ["DD", "DD", "DD", "DD", "DD", "DD", "AA"]),
    ("GET",    "/api/v1/requests/{id}",                     ["AH", "AH", "AA", "AA", "AH", "AH", "AA"]),
    ("PATCH",  "/api/v1/requests/{id}",                     ["DD", "DD", "AA", "AD", "DD", "AH", "AA"]),
    ("GET",    "/api/v1/requests/{id}/timeline",            ["AH", "AH", "AA", "AA", "AH", "AH", "AA"]),
    ("POST",   "/api/v1/requests/{id}/acknowledge",         ["DH", "DH", "AA", "AD", "DH", "AH", "AA"]),
    ("POST",   "/api/v1/requests/{id}/dispatch",            ["DH", "DH", "AA", "AD", "DH", "AH", "AA"]),
    ("POST",   "/api/v1/requests/{id}/respond",             ["DH", "DH", "AA", "AD", "AH", "AH", "AA"]),
    ("POST",   "/api/v1/requests/{id}/stage",               ["DH", "DH", "AA", "AD", "AH", "DH", "AA"]),
    ("POST",   "/api/v1/requests/{id}/escalate",            ["DH", "DH", "AA", "AD", "DH", "AH", "AA"]),
    ("POST",   "/api/v1/requests/{id}/wait",                ["DH", "DH", "AA", "AD", "AH", "DH", "AA"]),
    ("POST",   "/api/v1/requests/{id}/resume",              ["DH", "DH", "AA", "AD", "AH", "DH", "AA"]),
    ("POST",   "/api/v1/requests/{id}/resolve",             ["DH", "DH", "AA", "AD", "AH", "DH", "AA"]),
    ("POST",   "/api/v1/requests/{id}/feedback",            ["AH", "AH", "AA", "DD", "DH", "DH", "AA"]),
    ("POST",   "/api/v1/requests/{id}/close",               ["DH", "DH", "AA", "DD", "DH", "AH", "AA"]),
    ("POST",   "/api/v1/requests/{id}/cancel",              ["AH", "AH", "AA", "AD", "DH", "AH", "AA"]),
    ("POST",   "/api/v1/requests/{id}/messages",            ["AH", "AH", "AA", "AD", "AH", "AH", "AA"]),
    ("POST",   "/api/v1/requests/{id}/attachments",         ["AH", "AH", "AA", "AD", "AH", "AH", "AA"]),
    ("GET",    "/api/v1/requests/{id}/attachments/{attachment_id}", ["AH", "AH", "AA", "AA", "AH", "AH", "AA"]),
    ("POST",   "/api/v1/requests/{id}/work-logs",           ["DD", "DD", "AA", "AD", "DD", "AH", "AA"]),
    ("POST",   "/api/v1/requests/{id}/visits",              ["DD", "DD", "AA", "AD", "DD", "AH", "AA"]),
    ("PATCH",  "/api/v1/requests/{id}/visits/{visit_id}",   ["DD", "DD", "AA", "AD", "DD", "AH", "AA"]),
    // The directory: own = organization A's records, other = B's.
    ("GET",    "/api/v1/organizations",                     ["AA", "AA", "AA", "AA", "DD", "AA", "AA"]),
    ("POST",   "/api/v1/organizations",                     ["DD", "DD", "AA", "AA", "DD", "DD", "AA"]),
    ("GET",    "/api/v1/organizations/{id}",                ["AH", "AH", "AA", "AA", "HH", "AH", "AA"]),
    ("PATCH",  "/api/v1/organizations/{id}",                ["DD", "DD", "AA", "AA", "DD", "DD", "AA"]),
    ("GET",    "/api/v1/contacts",                          ["AH", "AH", "AA", "AA", "DD", "AA", "AA"]),
    ("POST",   "/api/v1/contacts",                          ["DD", "DD", "AA", "AA", "DD", "DD", "AA"]),
    ("GET",    "/api/v1/contacts/{id}",                     ["AH", "AH", "AA", "AA", "HH", "AH", "AA"]),
    ("PATCH",  "/api/v1/contacts/{id}",                     ["DD", "DD", "AA", "AA", "DD", "DD", "AA"]),
    ("GET",    "/api/v1/systems",                           ["AH", "AH", "AA", "AA", "DD", "AA", "AA"]),
    ("POST",   "/api/v1/systems",                           ["DD", "DD", "AA", "AA", "DD", "DD", "AA"]),
    ("GET",    "/api/v1/systems/{id}",                      ["AH", "AH", "AA", "AA", "HH", "AH", "AA"]),
    ("PATCH",  "/api/v1/systems/{id}",                      ["DD", "DD", "AA", "AA", "DD", "DD", "AA"]),
    ("GET",    "/api/v1/contracts",                         ["DD", "AH", "AA", "AA", "DD", "AA", "AA"]),
    ("POST",   "/api/v1/contracts",                         ["DD", "DD", "DD", "DD", "DD", "DD", "AA"]),
    ("GET",    "/api/v1/contracts/{id}",                    ["DH", "AH", "AA", "AA", "HH", "AH", "AA"]),
    ("PATCH",  "/api/v1/contracts/{id}",                    ["DD", "DD", "DD", "DD", "DD", "DD", "AA"]),
    // The provider's own directory: own = your team / yourself, other = another team / a user of B.
    ("GET",    "/api/v1/teams",                             ["DD", "DD", "AA", "AA", "DD", "AA", "AA"]),
    ("POST",   "/api/v1/teams",                             ["DD", "DD", "DD", "DD", "DD", "DD", "AA"]),
    ("GET",    "/api/v1/teams/{id}",                        ["DD", "DD", "AA", "AA", "DD", "AA", "AA"]),
    ("PATCH",  "/api/v1/teams/{id}",                        ["DD", "DD", "DD", "DD", "DD", "DD", "AA"]),
    ("GET",    "/api/v1/users",                             ["DD", "DD", "AA", "AA", "DD", "AA", "AA"]),
    ("POST",   "/api/v1/users",                             ["DD", "DD", "DD", "DD", "DD", "DD", "AA"]),
    ("GET",    "/api/v1/users/{id}",                        ["AD", "AD", "AA", "AA", "AD", "AA", "AA"]),
    // The web UI (own = organization A's request, other = B's, as for the API above).
    ("GET",    "/",                                         ["AA", "AA", "AA", "AA", "AA", "AA", "AA"]),
    ("GET",    "/ui",                                       ["AA", "AA", "AA", "AA", "AA", "AA", "AA"]),
    ("GET",    "/ui/login",                                 ["AA", "AA", "AA", "AA", "AA", "AA", "AA"]),
    ("GET",    "/ui/lang/{tag}",                            ["AA", "AA", "AA", "AA", "AA", "AA", "AA"]),
    ("GET",    "/ui/assets/{file}",                         ["AA", "AA", "AA", "AA", "AA", "AA", "AA"]),
    ("GET",    "/ui/queue",                                 ["AA", "AA", "AA", "AA", "AA", "AA", "AA"]),
    ("GET",    "/ui/requests/{id}",                         ["AH", "AH", "AA", "AA", "AH", "AH", "AA"]),
    // The page's forms: probed with "acknowledge" at a stale version.
    ("POST",   "/ui/requests/{id}",                         ["DH", "DH", "AA", "AD", "DH", "AH", "AA"]),
    ("GET",    "/ui/new",                                   ["AA", "AA", "AA", "AA", "DD", "AA", "AA"]),
    ("POST",   "/ui/new",                                   ["AD", "AD", "AA", "AA", "DD", "AH", "AA"]),
    ("GET",    "/ui/new/lookup",                            ["DD", "DD", "AA", "AA", "DD", "AA", "AA"]),
    // The request page's clocks (a partial) and its upload form (as the API's upload).
    ("GET",    "/ui/requests/{id}/clocks",                  ["AH", "AH", "AA", "AA", "AH", "AH", "AA"]),
    ("POST",   "/ui/requests/{id}/attachments",             ["AH", "AH", "AA", "AD", "AH", "AH", "AA"]),
    // The dashboard spans every organization: the desk's staff only.
    ("GET",    "/ui/dashboard",                             ["DD", "DD", "AA", "AA", "DD", "DD", "AA"]),
    ("PATCH",  "/api/v1/users/{id}",                        ["DD", "DD", "DD", "DD", "DD", "DD", "AA"]),
    // The SLA engine: staff read policies and calendars, administrators write
    // them; own = the fixture's custom calendar / a seeded policy, other = a second one.
    ("GET",    "/api/v1/sla-policies",                      ["DD", "DD", "AA", "AA", "DD", "AA", "AA"]),
    ("POST",   "/api/v1/sla-policies",                      ["DD", "DD", "DD", "DD", "DD", "DD", "AA"]),
    ("GET",    "/api/v1/sla-policies/{id}",                 ["DD", "DD", "AA", "AA", "DD", "AA", "AA"]),
    ("PATCH",  "/api/v1/sla-policies/{id}",                 ["DD", "DD", "DD", "DD", "DD", "DD", "AA"]),
    ("GET",    "/api/v1/calendars",                         ["DD", "DD", "AA", "AA", "DD", "AA", "AA"]),
    ("POST",   "/api/v1/calendars",                         ["DD", "DD", "DD", "DD", "DD", "DD", "AA"]),
    ("GET",    "/api/v1/calendars/{name}",                  ["DD", "DD", "AA", "AA", "DD", "AA", "AA"]),
    ("PUT",    "/api/v1/calendars/{name}",                  ["DD", "DD", "DD", "DD", "DD", "DD", "AA"]),
    ("GET",    "/api/v1/calendars/{name}/ical",             ["DD", "DD", "AA", "AA", "DD", "AA", "AA"]),
    ("POST",   "/api/v1/calendars/{name}/ical",             ["DD", "DD", "DD", "DD", "DD", "DD", "AA"]),
    ("DELETE", "/api/v1/calendars/{name}",                  ["DD", "DD", "DD", "DD", "DD", "DD", "AA"]),
    ("GET",    "/api/v1/calendars/{name}/years/{year}",     ["DD", "DD", "AA", "AA", "DD", "AA", "AA"]),
    ("PUT",    "/api/v1/calendars/{name}/years/{year}",     ["DD", "DD", "DD", "DD", "DD", "DD", "AA"]),
    ("GET",    "/api/v1/sla/notices",                       ["DD", "DD", "AA", "AA", "DD", "AA", "AA"]),
    ("GET",    "/api/v1/requests/{id}/clocks",              ["AH", "AH", "AA", "AA", "AH", "AH", "AA"]),
    ("GET",    "/api/v1/me/notifications",                  ["AA", "AA", "AA", "AA", "AA", "AA", "AA"]),
    // Reports: the customer admin sees its organization's, the customer user none (SPEC §1);
    // own = unfiltered, other = asking for organization B.
    ("GET",    "/api/v1/sla/attainment",                    ["DD", "AH", "AA", "AA", "DD", "DD", "AA"]),
    // The knowledge base: own = a published article for customers, other = an internal one.
    ("GET",    "/api/v1/articles",                          ["AA", "AA", "AA", "AA", "AA", "AA", "AA"]),
    ("POST",   "/api/v1/articles",                          ["DD", "DD", "AA", "AA", "DD", "AA", "AA"]),
    ("GET",    "/api/v1/articles/{id}",                     ["AH", "AH", "AA", "AA", "AH", "AA", "AA"]),
    ("PATCH",  "/api/v1/articles/{id}",                     ["DD", "DD", "AA", "AA", "DD", "AA", "AA"]),
    ("GET",    "/api/v1/articles/{id}/versions",            ["DH", "DH", "AA", "AA", "DH", "AA", "AA"]),
    // The admin area: administrators only (own = A's record or the caller, other = B's).
    ("GET",    "/ui/admin",                                 ["DD", "DD", "DD", "DD", "DD", "DD", "AA"]),
    ("GET",    "/ui/admin/users",                           ["DD", "DD", "DD", "DD", "DD", "DD", "AA"]),
    ("GET",    "/ui/admin/users/new",                       ["DD", "DD", "DD", "DD", "DD", "DD", "AA"]),
    ("POST",   "/ui/admin/users/new",                       ["DD", "DD", "DD", "DD", "DD", "DD", "AA"]),
    ("GET",    "/ui/admin/users/{id}",                      ["DD", "DD", "DD", "DD", "DD", "DD", "AA"]),
    ("POST",   "/ui/admin/users/{id}",                      ["DD", "DD", "DD", "DD", "DD", "DD", "AA"]),
    ("GET",    "/ui/admin/teams",                           ["DD", "DD", "DD", "DD", "DD", "DD", "AA"]),
    ("GET",    "/ui/admin/teams/new",                       ["DD", "DD", "DD", "DD", "DD", "DD", "AA"]),
    ("POST",   "/ui/admin/teams/new",                       ["DD", "DD", "DD", "DD", "DD", "DD", "AA"]),
    ("GET",    "/ui/admin/teams/{id}",                      ["DD", "DD", "DD", "DD", "DD", "DD", "AA"]),
    ("POST",   "/ui/admin/teams/{id}",                      ["DD", "DD", "DD", "DD", "DD", "DD", "AA"]),
    ("GET",    "/ui/admin/organizations",                   ["DD", "DD", "DD", "DD", "DD", "DD", "AA"]),
    ("GET",    "/ui/admin/organizations/new",               ["DD", "DD", "DD", "DD", "DD", "DD", "AA"]),
    ("POST",   "/ui/admin/organizations/new",               ["DD", "DD", "DD", "DD", "DD", "DD", "AA"]),
    ("GET",    "/ui/admin/organizations/{id}",              ["DD", "DD", "DD", "DD", "DD", "DD", "AA"]),
    ("POST",   "/ui/admin/organizations/{id}",              ["DD", "DD", "DD", "DD", "DD", "DD", "AA"]),
    ("GET",    "/ui/admin/contracts",                       ["DD", "DD", "DD", "DD", "DD", "DD", "AA"]),
    ("GET",    "/ui/admin/contracts/new",                   ["DD", "DD", "DD", "DD", "DD", "DD", "AA"]),
    ("POST",   "/ui/admin/contracts/new",                   ["DD", "DD", "DD", "DD", "DD", "DD", "AA"]),
    ("GET",    "/ui/admin/contracts/{id}",                  ["DD", "DD", "DD", "DD", "DD", "DD", "AA"]),
    ("POST",   "/ui/admin/contracts/{id}",                  ["DD", "DD", "DD", "DD", "DD", "DD", "AA"]),
    ("GET",    "/ui/admin/systems",                         ["DD", "DD", "DD", "DD", "DD", "DD", "AA"]),
    ("GET",    "/ui/admin/systems/{id}",                    ["DD", "DD", "DD", "DD", "DD", "DD", "AA"]),
    ("POST",   "/ui/admin/systems/{id}",                    ["DD", "DD", "DD", "DD", "DD", "DD", "AA"]),
    ("GET",    "/ui/admin/calendars",                       ["DD", "DD", "DD", "DD", "DD", "DD", "AA"]),
    ("GET",    "/ui/admin/calendars/{name}",                ["DD", "DD", "DD", "DD", "DD", "DD", "AA"]),
    ("POST",   "/ui/admin/calendars/{name}",                ["DD", "DD", "DD", "DD", "DD", "DD", "AA"]),
    ("GET",    "/ui/admin/sla-policies",                    ["DD", "DD", "DD", "DD", "DD", "DD", "AA"]),
    ("GET",    "/ui/admin/sla-policies/{id}",               ["DD", "DD", "DD", "DD", "DD", "DD", "AA"]),
    ("POST",   "/ui/admin/sla-policies/{id}",               ["DD", "DD", "DD", "DD", "DD", "DD", "AA"]),
    // A draft article from a request (the fixture's are unresolved: 409 once access passes).
    ("POST",   "/api/v1/requests/{id}/article",             ["DD", "DD", "AA", "AA", "DD", "AH", "AA"]),
    ("POST",   "/api/v1/requests/{id}/answered-by",         ["DD", "DD", "AA", "AD", "DD", "AH", "AA"]),
    // Fault reports: own = A's resolved fault with a delivered report (written by the
    // engineer, its internal notes marked), other = B's. Engineers write on requests they
    // work, project leaders and administrators review and deliver; customers read the
    // delivered report; writes probe a stale version or a delivered report (409).
    ("GET",    "/api/v1/requests/{id}/fault-report",        ["AH", "AH", "AA", "AA", "HH", "AH", "AA"]),
    ("POST",   "/api/v1/requests/{id}/fault-report",        ["DD", "DD", "DD", "AD", "DD", "AH", "AA"]),
    ("PATCH",  "/api/v1/requests/{id}/fault-report",        ["DD", "DD", "DD", "AD", "DD", "AH", "AA"]),
    ("POST",   "/api/v1/requests/{id}/fault-report/submit-review", ["DD", "DD", "DD", "AD", "DD", "AH", "AA"]),
    ("POST",   "/api/v1/requests/{id}/fault-report/approve", ["DD", "DD", "DD", "DD", "DD", "AH", "AA"]),
    ("POST",   "/api/v1/requests/{id}/fault-report/return", ["DD", "DD", "DD", "DD", "DD", "AH", "AA"]),
    ("POST",   "/api/v1/requests/{id}/fault-report/deliver", ["DD", "DD", "DD", "DD", "DD", "AH", "AA"]),
    // Search: own = unfiltered, other = asking for organization B; results are narrowed, never refused.
    ("GET",    "/api/v1/search",                            ["AA", "AA", "AA", "AA", "AA", "AA", "AA"]),
    ("GET",    "/api/v1/search/suggest",                    ["AA", "AA", "AA", "AA", "AA", "AA", "AA"]),
    ("GET",    "/api/v1/search/synonyms",                   ["DD", "DD", "DD", "DD", "DD", "DD", "AA"]),
    ("PUT",    "/api/v1/search/synonyms",                   ["DD", "DD", "DD", "DD", "DD", "DD", "AA"]),
    // The search page, narrowed like /api/v1/search.
    ("GET",    "/ui/search",                                ["AA", "AA", "AA", "AA", "AA", "AA", "AA"]),
];

/// Routes the OpenAPI document does not describe (it describes itself nowhere).
/// The web UI's pages are here too: the same use cases decide, so a page must
/// answer each role as the API does (pages answer HTML: a 404 page is "hidden",
/// a 409 page "allowed").
const UNDOCUMENTED: &[(&str, &str)] = &[
    ("GET", "/healthz"),
    ("GET", "/api/v1/openapi.json"),
    ("GET", "/"),
    ("GET", "/ui"),
    ("GET", "/ui/login"),
    ("GET", "/ui/lang/{tag}"),
    ("GET", "/ui/assets/{file}"),
    ("GET", "/ui/queue"),
    ("GET", "/ui/requests/{id}"),
    ("POST", "/ui/requests/{id}"),
    ("GET", "/ui/new"),
    ("POST", "/ui/new"),
    ("GET", "/ui/new/lookup"),
    ("GET", "/ui/admin"),
    ("GET", "/ui/admin/users"),
    ("GET", "/ui/admin/users/new"),
    ("POST", "/ui/admin/users/new"),
    ("GET", "/ui/admin/users/{id}"),
    ("POST", "/ui/admin/users/{id}"),
    ("GET", "/ui/admin/teams"),
    ("GET", "/ui/admin/teams/new"),
    ("POST", "/ui/admin/teams/new"),
    ("GET", "/ui/admin/teams/{id}"),
    ("POST", "/ui/admin/teams/{id}"),
    ("GET", "/ui/admin/organizations"),
    ("GET", "/ui/admin/organizations/new"),
    ("POST", "/ui/admin/organizations/new"),
    ("GET", "/ui/admin/organizations/{id}"),
    ("POST", "/ui/admin/organizations/{id}"),
    ("GET", "/ui/admin/contracts"),
    ("GET", "/ui/admin/contracts/new"),
    ("POST", "/ui/admin/contracts/new"),
    ("GET", "/ui/admin/contracts/{id}"),
    ("POST", "/ui/admin/contracts/{id}"),
    ("GET", "/ui/admin/systems"),
    ("GET", "/ui/admin/systems/{id}"),
    ("POST", "/ui/admin/systems/{id}"),
    ("GET", "/ui/admin/calendars"),
    ("GET", "/ui/admin/calendars/{name}"),
    ("POST", "/ui/admin/calendars/{name}"),
    ("GET", "/ui/admin/sla-policies"),
    ("GET", "/ui/admin/sla-policies/{id}"),
    ("POST", "/ui/admin/sla-policies/{id}"),
    ("GET", "/ui/requests/{id}/clocks"),
    ("POST", "/ui/requests/{id}/attachments"),
    ("GET", "/ui/dashboard"),
    ("GET", "/ui/search"),
];

/// Markers planted in the fixture: what a role must never read.
const OTHER_TENANT: &str = "OTHER-TENANT";
const INTERNAL: &str = "SECRET-INTERNAL";
const ARCHIVE: &str = "SECRET-ARCHIVE";

const PW: &str = "matrix-password-1";
const PW2: &str = "matrix-password-2";
/// A version no record has: updates and actions that pass authorization end in 409, changing nothing.
const STALE: i64 = 999_999;

#[derive(Debug, Clone, Copy, PartialEq)]
enum Outcome {
    Allow,
    Deny,
    Hidden,
}

fn outcome(c: char) -> Outcome {
    match c {
        'A' => Outcome::Allow,
        'D' => Outcome::Deny,
        'H' => Outcome::Hidden,
        other => panic!("unknown outcome letter {other}"),
    }
}

/// One organization's side of the fixture.
struct Side {
    org: i64,
    contact: i64,
    system: i64,
    contract: i64,
    team: i64,
    request: i64,
    attachment: i64,
    visit: i64,
    article: i64,
    /// A resolved fault of the side with a delivered fault report.
    report_request: i64,
}

struct Caller {
    role: &'static str,
    username: String,
    id: i64,
    token: String,
    /// A token of this user's to revoke.
    spare_token: i64,
}

struct Fixture {
    own: Side,
    other: Side,
    callers: Vec<Caller>,
    /// A customer user of organization B: "another user".
    other_user: i64,
    other_user_spare_token: i64,
}

async fn user_in(
    t: &TestApp,
    username: &str,
    role: &str,
    org: Option<i64>,
    team: Option<i64>,
) -> (i64, String) {
    let u = t
        .ok(&t.admin_token, "/api/v1/users", json!({"username": username, "display_name": username, "role": role, "organization_id": org, "team_id": team}))
        .await;
    let id = u["id"].as_i64().unwrap();
    let scope = if role == "admin" { "admin" } else { "write" };
    (
        id,
        t.app.issue_token(id, "matrix", scope, None).await.unwrap(),
    )
}

async fn spare_token(t: &TestApp, token: &str) -> i64 {
    t.ok(
        token,
        "/api/v1/tokens",
        json!({"name": "spare", "scope": "read"}),
    )
    .await["token"]["id"]
        .as_i64()
        .unwrap()
}

fn id(v: &Value) -> i64 {
    v["id"].as_i64().unwrap_or_else(|| panic!("no id in {v}"))
}

async fn upload(t: &TestApp, request: i64, text: &str) -> i64 {
    let resp = t
        .http
        .post(format!(
            "{}/api/v1/requests/{request}/attachments?filename=log.txt",
            t.base
        ))
        .bearer_auth(&t.admin_token)
        .body(text.to_owned())
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::CREATED);
    id(&resp.json::<Value>().await.unwrap())
}

/// A fault of `org` worked by `engineer` of `team`, resolved, with a fault
/// report the engineer wrote (internal notes marked) that the admin
/// approved and delivered.
async fn reported_fault(
    t: &TestApp,
    org: i64,
    title: &str,
    engineer: i64,
    team: i64,
    engineer_token: &str,
) -> i64 {
    let r = id(&t.request(org, title).await);
    t.hand_to(r, "l2", engineer).await;
    t.ok(
        &t.admin_token,
        &format!("/api/v1/requests/{r}/dispatch"),
        json!({"tier": "l2", "assignee_id": engineer, "team_id": team}),
    )
    .await;
    t.ok(
        engineer_token,
        &format!("/api/v1/requests/{r}/respond"),
        json!({"mode": "remote", "plan": "远程排查"}),
    )
    .await;
    t.ok(
        engineer_token,
        &format!("/api/v1/requests/{r}/resolve"),
        json!({"resolution": "重启服务"}),
    )
    .await;
    let path = format!("/api/v1/requests/{r}/fault-report");
    t.ok(engineer_token, &path, json!({})).await;
    let (s, e) = t
        .patch(
            engineer_token,
            &path,
            json!({"version": 1, "internal_notes": format!("内部 {INTERNAL}")}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{e}");
    t.ok(engineer_token, &format!("{path}/submit-review"), json!({}))
        .await;
    t.ok(&t.admin_token, &format!("{path}/approve"), json!({}))
        .await;
    t.ok(&t.admin_token, &format!("{path}/deliver"), json!({}))
        .await;
    r
}

async fn fixture(t: &TestApp) -> Fixture {
    let (pl, pl_token) = user_in(t, "m.leader", "project_leader", None, None).await;
    let a = id(&t
        .ok(
            &t.admin_token,
            "/api/v1/organizations",
            json!({"name": "甲方医院", "notes": format!("档案备注 {ARCHIVE}")}),
        )
        .await);
    let b = id(&t.ok(&t.admin_token, "/api/v1/organizations", json!({"name": format!("乙方学校 {OTHER_TENANT}"), "notes": format!("{OTHER_TENANT} 档案")})).await);
    let ka = id(&t.ok(&t.admin_token, "/api/v1/contracts", json!({"organization_id": a, "code": "HT-A", "name": "甲方运维合同", "accepted_on": "2025-06-01", "project_leader_id": pl, "notes": format!("合同备注 {ARCHIVE}")})).await);
    let kb = id(&t.ok(&t.admin_token, "/api/v1/contracts", json!({"organization_id": b, "code": format!("HT-B-{OTHER_TENANT}"), "name": format!("{OTHER_TENANT} 合同"), "accepted_on": "2025-06-01"})).await);
    let ta = id(&t
        .ok(&t.admin_token, "/api/v1/teams", json!({"name": "二线一组"}))
        .await);
    let tb = id(&t
        .ok(&t.admin_token, "/api/v1/teams", json!({"name": "二线二组"}))
        .await);
    let (cu, cu_token) = user_in(t, "m.cust", "customer_user", Some(a), None).await;
    let (ca, ca_token) = user_in(t, "m.custadmin", "customer_admin", Some(a), None).await;
    let (ag, ag_token) = user_in(t, "m.agent", "agent", None, None).await;
    let (en, en_token) = user_in(t, "m.engineer", "engineer", None, Some(ta)).await;
    let (tp, tp_token) = user_in(t, "m.vendor", "third_party", None, None).await;
    let (eb, eb_token) = user_in(t, "m.engineer.b", "engineer", None, Some(tb)).await;
    let (cb, cb_token) = user_in(t, "m.cust.b", "customer_user", Some(b), None).await;
    let (_, me) = t.get(&t.admin_token, "/api/v1/me").await;
    let admin_id = me["user"]["id"].as_i64().unwrap();

    let contact_a = id(&t.ok(&t.admin_token, "/api/v1/contacts", json!({"organization_id": a, "name": "张主任", "notes": format!("联系人备注 {ARCHIVE}")})).await);
    let contact_b = id(&t
        .ok(
            &t.admin_token,
            "/api/v1/contacts",
            json!({"organization_id": b, "name": format!("{OTHER_TENANT} 王老师")}),
        )
        .await);
    let system_a = id(&t
        .ok(
            &t.admin_token,
            "/api/v1/systems",
            json!({"organization_id": a, "name": "HIS 系统", "kind": "software"}),
        )
        .await);
    let system_b = id(&t.ok(&t.admin_token, "/api/v1/systems", json!({"organization_id": b, "name": format!("{OTHER_TENANT} 教务系统"), "kind": "software"})).await);

    // A's request: in the engineer's team queue, handed to the third party, under the leader's contract.
    let ra = id(&t.request(a, "甲方 HIS 无法登录").await);
    t.hand_to(ra, "l2", en).await;
    t.ok(
        &t.admin_token,
        &format!("/api/v1/requests/{ra}/dispatch"),
        json!({"tier": "l2", "assignee_id": en, "team_id": ta}),
    )
    .await;
    t.ok(
        &t.admin_token,
        &format!("/api/v1/requests/{ra}/escalate"),
        json!({"to": "third_party", "reason": "存储厂商设备故障", "assignee_id": tp}),
    )
    .await;
    let rb = id(&t.request(b, &format!("{OTHER_TENANT} 教务系统故障")).await);
    t.hand_to(rb, "l2", eb).await;
    t.ok(
        &t.admin_token,
        &format!("/api/v1/requests/{rb}/dispatch"),
        json!({"tier": "l2", "assignee_id": eb, "team_id": tb}),
    )
    .await;
    for r in [ra, rb] {
        t.ok(
            &t.admin_token,
            &format!("/api/v1/requests/{r}/messages"),
            json!({"visibility": "internal", "body": format!("内部备注 {INTERNAL}")}),
        )
        .await;
    }
    for name in [
        "matrix-own",
        "matrix-other",
        "matrix-del-own",
        "matrix-del-other",
    ] {
        t.ok(
            &t.admin_token,
            "/api/v1/calendars",
            json!({"definition": calendar_spec(name)}),
        )
        .await;
    }
    let report_a = reported_fault(t, a, "甲方门户故障", en, ta, &en_token).await;
    let report_b =
        reported_fault(t, b, &format!("{OTHER_TENANT} 门户故障"), eb, tb, &eb_token).await;
    let att_a = upload(t, ra, "错误日志 ERROR 甲").await;
    let att_b = upload(t, rb, &format!("错误日志 {OTHER_TENANT}")).await;
    let visit_a = id(&t
        .ok(
            &t.admin_token,
            &format!("/api/v1/requests/{ra}/visits"),
            json!({}),
        )
        .await);
    let visit_b = id(&t
        .ok(
            &t.admin_token,
            &format!("/api/v1/requests/{rb}/visits"),
            json!({}),
        )
        .await);

    let article_public = id(&t
        .ok(
            &t.admin_token,
            "/api/v1/articles",
            json!({"title": "HIS 无法登录的处理", "solution": "重启应用服务", "visibility": "customers", "status": "published"}),
        )
        .await);
    let article_internal = id(&t
        .ok(
            &t.admin_token,
            "/api/v1/articles",
            json!({"title": format!("内部知识 {INTERNAL}"), "solution": "登录存储控制台", "status": "published"}),
        )
        .await);

    let mut callers = Vec::new();
    for (role, username, uid, token) in [
        ("customer_user", "m.cust", cu, cu_token),
        ("customer_admin", "m.custadmin", ca, ca_token),
        ("agent", "m.agent", ag, ag_token),
        ("engineer", "m.engineer", en, en_token),
        ("third_party", "m.vendor", tp, tp_token),
        ("project_leader", "m.leader", pl, pl_token),
        ("admin", "admin", admin_id, t.admin_token.clone()),
    ] {
        let (s, e) = t
            .post(
                &t.admin_token,
                &format!("/api/v1/users/{uid}/password"),
                json!({"new_password": PW}),
            )
            .await;
        assert!(s.is_success(), "{e}");
        let spare = spare_token(t, &token).await;
        callers.push(Caller {
            role,
            username: username.to_owned(),
            id: uid,
            token,
            spare_token: spare,
        });
    }
    assert_eq!(callers.iter().map(|c| c.role).collect::<Vec<_>>(), ROLES);
    Fixture {
        own: Side {
            org: a,
            contact: contact_a,
            system: system_a,
            contract: ka,
            team: ta,
            request: ra,
            attachment: att_a,
            visit: visit_a,
            article: article_public,
            report_request: report_a,
        },
        other: Side {
            org: b,
            contact: contact_b,
            system: system_b,
            contract: kb,
            team: tb,
            request: rb,
            attachment: att_b,
            visit: visit_b,
            article: article_internal,
            report_request: report_b,
        },
        callers,
        other_user: cb,
        other_user_spare_token: spare_token(t, &cb_token).await,
    }
}

/// The concrete call for a route, as `caller`, on the own or the other side.
fn probe(
    method: &str,
    route: &str,
    caller: &Caller,
    fx: &Fixture,
    own: bool,
    n: usize,
) -> (String, Option<Value>) {
    let side = if own { &fx.own } else { &fx.other };
    let uniq = format!("matrix-{n}");
    let user = if own { caller.id } else { fx.other_user };
    let token = if own {
        caller.spare_token
    } else {
        fx.other_user_spare_token
    };
    let part = if route.starts_with("/ui/") && !route.starts_with("/ui/admin/") {
        2
    } else {
        3
    };
    let object = match route.split('/').nth(part).unwrap_or("") {
        "requests" if route.contains("/fault-report") => side.report_request,
        "requests" => side.request,
        "organizations" => side.org,
        "contacts" => side.contact,
        "systems" => side.system,
        "contracts" => side.contract,
        "teams" => side.team,
        "users" => user,
        "tokens" => token,
        // Seeded at first start: 1 and 2 are templates.
        "sla-policies" => {
            if own {
                1
            } else {
                2
            }
        }
        "articles" => side.article,
        _ => 0,
    };
    let side_name = if own { "own" } else { "other" };
    let calendar = if method == "DELETE" {
        format!("matrix-del-{side_name}")
    } else {
        format!("matrix-{side_name}")
    };
    let path = route
        .replace("{name}", &calendar)
        .replace("{id}", &object.to_string())
        .replace("{attachment_id}", &side.attachment.to_string())
        .replace("{visit_id}", &side.visit.to_string())
        .replace("{tag}", "en")
        .replace("{year}", "2027")
        .replace(
            "{file}",
            fuwu_web::ui::assets::url("app.css").trim_start_matches("/ui/assets/"),
        );
    let org = side.org;
    let stale = |extra: Value| {
        let mut v = json!({"version": STALE});
        v.as_object_mut()
            .unwrap()
            .extend(extra.as_object().unwrap().clone());
        Some(v)
    };
    let body = match (method, route) {
        ("GET" | "DELETE", _) => None,
        ("POST", "/login") => Some(json!({"login": caller.username, "password": PW})),
        ("POST", "/logout") => None,
        ("POST", "/api/v1/me/password") => Some(if own {
            json!({"current_password": PW, "new_password": PW2})
        } else {
            json!({"current_password": PW2, "new_password": PW})
        }),
        ("POST", "/api/v1/users/{id}/password") => Some(json!({"new_password": PW})),
        ("POST", "/api/v1/tokens") => Some(if own {
            json!({"name": uniq, "scope": "read"})
        } else {
            json!({"name": uniq, "scope": "read", "user_id": user})
        }),
        ("POST", "/api/v1/requests") => Some(
            json!({"channel": "web", "category": "consultation", "impact": "none", "urgency": "low", "title": uniq, "organization_id": org}),
        ),
        ("POST", "/api/v1/requests/import") => Some(
            json!({"external_ref": uniq, "organization_id": org, "channel": "web", "category": "consultation", "impact": "none", "urgency": "low", "title": uniq, "created_at": "2026-01-05T09:00:00+08:00", "events": [{"at": "2026-01-05T09:05:00+08:00", "type": "acknowledged"}]}),
        ),
        ("PATCH", "/api/v1/requests/{id}") => stale(json!({"title": "x"})),
        ("POST", "/api/v1/requests/{id}/acknowledge" | "/api/v1/requests/{id}/resume") => {
            stale(json!({}))
        }
        ("POST", "/api/v1/requests/{id}/dispatch") => stale(json!({"tier": "l2"})),
        ("POST", "/api/v1/requests/{id}/respond") => {
            stale(json!({"mode": "remote", "plan": "远程排查"}))
        }
        ("POST", "/api/v1/requests/{id}/stage") => stale(json!({"stage": "analysing"})),
        ("POST", "/api/v1/requests/{id}/escalate") => {
            stale(json!({"to": "third_party", "reason": "x"}))
        }
        ("POST", "/api/v1/requests/{id}/wait") => {
            stale(json!({"waiting_for": "customer", "reason": "x"}))
        }
        ("POST", "/api/v1/requests/{id}/resolve") => stale(json!({"resolution": "x"})),
        ("POST", "/api/v1/requests/{id}/feedback") => stale(json!({"solved": true, "rating": 5})),
        ("POST", "/api/v1/requests/{id}/close") => stale(json!({"basis": "confirmed"})),
        ("POST", "/api/v1/requests/{id}/cancel") => stale(json!({"reason": "x"})),
        ("POST", "/api/v1/requests/{id}/messages") => {
            Some(json!({"visibility": "public", "body": "matrix"}))
        }
        ("POST", "/api/v1/requests/{id}/attachments") => Some(json!({"matrix": true})),
        ("POST", "/api/v1/requests/{id}/work-logs") => Some(json!({"minutes": 10})),
        ("POST", "/api/v1/requests/{id}/visits") => Some(json!({})),
        ("PATCH", "/api/v1/requests/{id}/visits/{visit_id}") => stale(json!({"work_done": "x"})),
        ("POST", "/api/v1/organizations") => Some(json!({"name": uniq})),
        ("PATCH", "/api/v1/organizations/{id}") => stale(json!({"notes": "x"})),
        ("POST", "/api/v1/contacts") => Some(json!({"organization_id": org, "name": uniq})),
        ("PATCH", "/api/v1/contacts/{id}") => stale(json!({"name": "x"})),
        ("POST", "/api/v1/systems") => {
            Some(json!({"organization_id": org, "name": uniq, "kind": "software"}))
        }
        ("PATCH", "/api/v1/systems/{id}") => stale(json!({"name": "x"})),
        ("POST", "/api/v1/contracts") => Some(
            json!({"organization_id": org, "code": uniq, "name": "x", "accepted_on": "2025-06-01"}),
        ),
        ("PATCH", "/api/v1/contracts/{id}") => stale(json!({"name": "x"})),
        ("POST", "/api/v1/teams") => Some(json!({"name": uniq})),
        ("PATCH", "/api/v1/teams/{id}") => stale(json!({"name": uniq})),
        ("POST", "/api/v1/users") => Some(
            json!({"username": uniq, "display_name": uniq, "role": "customer_user", "organization_id": org}),
        ),
        ("PATCH", "/api/v1/users/{id}") => stale(json!({"display_name": "x"})),
        ("POST", "/ui/requests/{id}") => {
            Some(json!({"action": "acknowledge", "version": STALE.to_string()}))
        }
        ("POST", "/ui/new") => Some(
            json!({"category": "consultation", "impact": "none", "urgency": "low", "title": uniq, "organization_id": org.to_string()}),
        ),
        ("POST", "/ui/admin/users/new") => Some(
            json!({"username": uniq, "display_name": uniq, "role": "customer_user", "organization_id": org.to_string()}),
        ),
        // Valid for whom it names (the admin themselves, or B's customer), so only the stale version refuses.
        ("POST", "/ui/admin/users/{id}") => Some(if own {
            json!({"action": "edit", "version": STALE.to_string(), "display_name": "x", "role": "admin"})
        } else {
            json!({"action": "edit", "version": STALE.to_string(), "display_name": "x", "role": "customer_user", "organization_id": org.to_string()})
        }),
        ("POST", "/ui/admin/teams/new") => Some(json!({"name": uniq})),
        ("POST", "/ui/admin/teams/{id}") => {
            Some(json!({"version": STALE.to_string(), "name": uniq}))
        }
        ("POST", "/ui/admin/organizations/new") => Some(json!({"name": uniq})),
        ("POST", "/ui/admin/organizations/{id}") => {
            Some(json!({"version": STALE.to_string(), "name": "x"}))
        }
        ("POST", "/ui/admin/contracts/new") => Some(
            json!({"organization_id": org.to_string(), "code": uniq, "name": "x", "accepted_on": "2025-06-01"}),
        ),
        ("POST", "/ui/admin/contracts/{id}") => Some(
            json!({"version": STALE.to_string(), "code": uniq, "name": "x", "accepted_on": "2025-06-01"}),
        ),
        ("POST", "/ui/admin/calendars/{name}") => Some(
            json!({"action": "day", "version": STALE.to_string(), "date": "2026-12-25", "kind": "holiday", "name": "x"}),
        ),
        ("POST", "/ui/admin/systems/{id}") => {
            Some(json!({"version": STALE.to_string(), "name": "x", "kind": "server"}))
        }
        ("POST", "/ui/admin/sla-policies/{id}") => Some(
            json!({"action": "any", "version": STALE.to_string(), "duration": "2h", "warn": "50, 80"}),
        ),
        ("POST", "/api/v1/sla-policies") => Some(
            json!({"definition": {"key": uniq, "name_zh": "测试", "name_en": "Test", "targets": []}}),
        ),
        ("PATCH", "/api/v1/sla-policies/{id}") => stale(
            json!({"definition": {"key": "levels-0-5", "name_zh": "测试", "name_en": "Test", "targets": []}}),
        ),
        ("POST", "/api/v1/calendars") => Some(json!({"definition": calendar_spec(&uniq)})),
        ("PUT", "/api/v1/calendars/{name}") => {
            stale(json!({"definition": calendar_spec(&calendar)}))
        }
        ("PUT", "/api/v1/calendars/{name}/years/{year}") => {
            Some(json!({"version": STALE, "days": []}))
        }
        // Sent as text/calendar by the loop.
        ("POST", "/api/v1/calendars/{name}/ical") => None,
        // Sent as multipart/form-data (a small text file) by the loop.
        ("POST", "/ui/requests/{id}/attachments") => None,
        ("POST", "/api/v1/articles") => Some(json!({"title": uniq})),
        ("PATCH", "/api/v1/articles/{id}") => stale(json!({"title": "x"})),
        ("POST", "/api/v1/requests/{id}/article") => Some(json!({})),
        ("POST", "/api/v1/requests/{id}/answered-by") => Some(json!({"article_id": side.article})),
        ("POST", "/api/v1/requests/{id}/fault-report") => Some(json!({})),
        ("PATCH", "/api/v1/requests/{id}/fault-report") => stale(json!({"cause": "x"})),
        (
            "POST",
            "/api/v1/requests/{id}/fault-report/submit-review"
            | "/api/v1/requests/{id}/fault-report/approve"
            | "/api/v1/requests/{id}/fault-report/deliver",
        ) => stale(json!({})),
        ("POST", "/api/v1/requests/{id}/fault-report/return") => stale(json!({"comment": "x"})),
        ("PUT", "/api/v1/search/synonyms") => Some(json!({"custom": [["矩阵", "matrix"]]})),
        (m, r) => panic!("no probe for {m} {r}: add one beside its row in MATRIX"),
    };
    // Collections: own = unfiltered (the reach alone must keep the other side out),
    // other = explicitly asking for the other organization or user.
    let path = match (method, route) {
        (
            "GET",
            "/api/v1/requests" | "/api/v1/contacts" | "/api/v1/systems" | "/api/v1/contracts"
            | "/api/v1/users",
        ) if !own => {
            format!("{path}?organization_id={org}")
        }
        ("GET", "/api/v1/tokens") if !own => format!("{path}?user_id={user}"),
        ("GET", "/api/v1/sla/attainment") if !own => format!("{path}?organization_id={org}"),
        // Queries that would find the other tenant's request and the internal note and article.
        ("GET", "/api/v1/search") if own => format!("{path}?q={INTERNAL}"),
        ("GET", "/api/v1/search") => format!("{path}?q={OTHER_TENANT}&organization_id={org}"),
        // The page shows the query back: the same words, spelled unlike the markers.
        ("GET", "/ui/search") if own => format!("{path}?q=secret%20internal"),
        ("GET", "/ui/search") => format!("{path}?q=other%20tenant&org={org}"),
        ("GET", "/api/v1/search/suggest") => {
            format!("{path}?text={INTERNAL}%20{OTHER_TENANT}%20HIS")
        }
        ("POST", "/api/v1/requests/{id}/attachments") => format!("{path}?filename=matrix.txt"),
        _ => path,
    };
    (path, body)
}

/// A custom calendar's JSON definition: all day, every day, in Shanghai.
fn calendar_spec(name: &str) -> Value {
    let mut spec = fuwu_core::calendar::CalendarSpec::twenty_four_seven();
    spec.name = name.to_owned();
    spec.time_zone = "Asia/Shanghai".into();
    serde_json::to_value(spec).unwrap()
}

/// An iCalendar file adding one holiday (what an administrator imports).
const ICAL_HOLIDAY: &str = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//matrix//EN\r\nBEGIN:VEVENT\r\nUID:m1\r\nDTSTAMP:20260101T000000Z\r\nDTSTART;VALUE=DATE:20261225\r\nSUMMARY:Holiday\r\nCATEGORIES:HOLIDAY\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n";

/// Every (method, path) the server serves, from its own OpenAPI document.
async fn served_routes(t: &TestApp) -> BTreeSet<(String, String)> {
    let doc: Value = t
        .http
        .get(format!("{}/api/v1/openapi.json", t.base))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let mut routes = BTreeSet::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for method in item.as_object().unwrap().keys() {
            routes.insert((method.to_uppercase(), path.clone()));
        }
    }
    for (m, p) in UNDOCUMENTED {
        routes.insert((m.to_string(), p.to_string()));
    }
    routes
}

fn forbidden_markers(role: &str) -> &'static [&'static str] {
    match role {
        "customer_user" | "customer_admin" | "third_party" => &[OTHER_TENANT, INTERNAL, ARCHIVE],
        "project_leader" => &[OTHER_TENANT],
        _ => &[],
    }
}

both_engines! {
    async fn every_route_answers_every_role_as_the_matrix_says(t: TestApp) {
        let served = served_routes(&t).await;
        let listed: BTreeSet<(String, String)> = MATRIX.iter().map(|(m, p, _)| (m.to_string(), p.to_string())).collect();
        assert_eq!(listed.len(), MATRIX.len(), "a route is listed twice in MATRIX");
        let missing: Vec<_> = served.difference(&listed).collect();
        assert!(missing.is_empty(), "routes with no row in the authorization MATRIX: {missing:?}");
        let stale: Vec<_> = listed.difference(&served).collect();
        assert!(stale.is_empty(), "MATRIX rows for routes the server does not serve: {stale:?}");

        let fx = fixture(&t).await;
        let mut failures = Vec::new();
        let mut calls = 0;
        for (method, route, expected) in MATRIX {
            for (caller, cell) in fx.callers.iter().zip(expected) {
                for (own, letter) in [(true, cell.chars().next().unwrap()), (false, cell.chars().nth(1).unwrap())] {
                    calls += 1;
                    let want = outcome(letter);
                    let (path, body) = probe(method, route, caller, &fx, own, calls);
                    let m = Method::from_bytes(method.as_bytes()).unwrap();
                    let upload = *route == "/ui/requests/{id}/attachments";
                    let page = route.starts_with("/ui") && *method == "POST" && !upload;
                    let ical = *route == "/api/v1/calendars/{name}/ical" && *method == "POST";
                    let (status, answer) = if upload {
                        let body = "--mx\r\nContent-Disposition: form-data; name=\"file\"; filename=\"matrix.txt\"\r\n\r\nmatrix\r\n--mx--\r\n";
                        let resp = t.http.post(format!("{}{path}", t.base)).bearer_auth(&caller.token)
                            .header("content-type", "multipart/form-data; boundary=mx").body(body).send().await.unwrap();
                        (resp.status(), Value::String(resp.text().await.unwrap_or_default()))
                    } else if page {
                        t.call_form(&caller.token, &path, body).await
                    } else if ical {
                        let resp = t.http.post(format!("{}{path}", t.base)).bearer_auth(&caller.token)
                            .header("content-type", "text/calendar").body(ICAL_HOLIDAY).send().await.unwrap();
                        let status = resp.status();
                        (status, resp.json::<Value>().await.unwrap_or(Value::Null))
                    } else {
                        t.call(&caller.token, m, &path, body).await
                    };
                    let code = TestApp::code(&answer).to_owned();
                    let html = *route == "/" || route.starts_with("/ui");
                    let got = match status.as_u16() {
                        200..=299 => Some(Outcome::Allow),
                        303 | 409 if html => Some(Outcome::Allow),
                        404 if html => Some(Outcome::Hidden),
                        409 if ["version_conflict", "invalid_transition", "conflict"].contains(&code.as_str()) => Some(Outcome::Allow),
                        403 => Some(Outcome::Deny),
                        404 if code == "not_found" => Some(Outcome::Hidden),
                        _ => None,
                    };
                    let side = if own { "own" } else { "other" };
                    if got != Some(want) {
                        failures.push(format!("{method} {route} as {} ({side}): expected {want:?}, got {status} {answer}", caller.role));
                        continue;
                    }
                    let text = answer.to_string();
                    let mut markers: Vec<&str> = forbidden_markers(caller.role).to_vec();
                    if want != Outcome::Allow {
                        markers.push(OTHER_TENANT);
                    }
                    for marker in markers {
                        if text.contains(marker) {
                            failures.push(format!("{method} {route} as {} ({side}) leaks {marker}: {text}", caller.role));
                        }
                    }
                }
            }
        }
        assert!(failures.is_empty(), "{} of {calls} calls differ from the matrix:\n{}", failures.len(), failures.join("\n"));
        assert_eq!(calls, MATRIX.len() * ROLES.len() * 2);
    }
}

fn ids(page: &Value) -> Vec<i64> {
    page["items"].as_array().unwrap().iter().map(id).collect()
}

both_engines! {
    async fn a_project_leader_sees_and_works_only_what_is_under_their_contracts(t: TestApp) {
        let (pl, leader) = user_in(&t, "pl.only", "project_leader", None, None).await;
        let a = id(&t.ok(&t.admin_token, "/api/v1/organizations", json!({"name": "领导的单位"})).await);
        let b = id(&t.ok(&t.admin_token, "/api/v1/organizations", json!({"name": "别人的单位"})).await);
        let ka = t.ok(&t.admin_token, "/api/v1/contracts", json!({"organization_id": a, "code": "PL-A", "name": "x", "accepted_on": "2025-06-01", "project_leader_id": pl})).await;
        t.ok(&t.admin_token, "/api/v1/contracts", json!({"organization_id": b, "code": "PL-B", "name": "x", "accepted_on": "2025-06-01"})).await;
        let ra = id(&t.request(a, "领导合同下的故障").await);
        let rb = id(&t.request(b, "别人合同下的故障").await);
        let (_, list) = t.get(&leader, "/api/v1/requests").await;
        assert_eq!(ids(&list), [ra]);
        let (s, r) = t.post(&leader, &format!("/api/v1/requests/{ra}/acknowledge"), json!({})).await;
        assert_eq!((s, r["status"].as_str()), (StatusCode::OK, Some("acknowledged")));
        assert_eq!(t.get(&leader, &format!("/api/v1/requests/{rb}")).await.0, StatusCode::NOT_FOUND);
        let (_, orgs) = t.get(&leader, "/api/v1/organizations").await;
        assert_eq!(ids(&orgs), [a]);
        let (_, contracts) = t.get(&leader, "/api/v1/contracts").await;
        assert_eq!(ids(&contracts), [id(&ka)]);
        let (s, _) = t.patch(&leader, &format!("/api/v1/organizations/{a}"), json!({"version": 1, "notes": "x"})).await;
        assert_eq!(s, StatusCode::FORBIDDEN, "the desk keeps the archive");
        // Handing the contract to nobody takes its requests out of sight at once.
        let (s, _) = t.patch(&t.admin_token, &format!("/api/v1/contracts/{}", id(&ka)), json!({"version": 1, "project_leader_id": null})).await;
        assert_eq!(s, StatusCode::OK);
        assert_eq!(t.get(&leader, &format!("/api/v1/requests/{ra}")).await.0, StatusCode::NOT_FOUND);
        let (_, list) = t.get(&leader, "/api/v1/requests").await;
        assert_eq!(ids(&list), Vec::<i64>::new());
    }

    async fn a_project_leaders_own_request_runs_under_their_contract(t: TestApp) {
        let (pl, leader) = user_in(&t, "pl.files", "project_leader", None, None).await;
        let a = id(&t.ok(&t.admin_token, "/api/v1/organizations", json!({"name": "两份合同的单位"})).await);
        let mine = id(&t.ok(&t.admin_token, "/api/v1/contracts", json!({"organization_id": a, "code": "PL-OLD", "name": "x", "accepted_on": "2024-06-01", "project_leader_id": pl})).await);
        // A newer contract of the same organization, led by nobody: the desk's default choice.
        let newer = id(&t.ok(&t.admin_token, "/api/v1/contracts", json!({"organization_id": a, "code": "PL-NEW", "name": "y", "accepted_on": "2025-06-01"})).await);
        let by_desk = t.request(a, "前台登记的故障").await;
        assert_eq!(by_desk["contract_id"].as_i64(), Some(newer));
        let (s, r) = t.post(&leader, "/api/v1/requests", json!({"channel": "phone", "category": "fault", "impact": "partial", "urgency": "medium", "title": "项目经理登记的故障", "organization_id": a})).await;
        assert_eq!(s, StatusCode::CREATED, "{r}");
        assert_eq!(r["contract_id"].as_i64(), Some(mine));
        assert_eq!(t.get(&leader, &format!("/api/v1/requests/{}", id(&r))).await.0, StatusCode::OK);
    }

    async fn an_engineer_reads_every_request_but_works_only_their_teams_queue(t: TestApp) {
        let org = id(&t.ok(&t.admin_token, "/api/v1/organizations", json!({"name": "分组单位"})).await);
        let t1 = id(&t.ok(&t.admin_token, "/api/v1/teams", json!({"name": "网络组"})).await);
        let t2 = id(&t.ok(&t.admin_token, "/api/v1/teams", json!({"name": "数据库组"})).await);
        let (e1, _) = user_in(&t, "eng.net", "engineer", None, Some(t1)).await;
        let (e2, other) = user_in(&t, "eng.db", "engineer", None, Some(t2)).await;
        let r = id(&t.request(org, "核心交换机端口故障").await);
        t.hand_to(r, "l2", e1).await;
        t.ok(&t.admin_token, &format!("/api/v1/requests/{r}/dispatch"), json!({"tier": "l2", "team_id": t1})).await;
        let (s, d) = t.get(&other, &format!("/api/v1/requests/{r}/timeline")).await;
        assert_eq!(s, StatusCode::OK, "engineers read every request");
        assert_eq!(d["available_actions"], json!([]), "nothing to offer on another team's request");
        let (s, e) = t.post(&other, &format!("/api/v1/requests/{r}/respond"), json!({"mode": "remote", "plan": "远程登录排查"})).await;
        assert_eq!((s, TestApp::code(&e)), (StatusCode::FORBIDDEN, "forbidden"));
        // Moved into the network team, the same engineer works its queue.
        let (s, _) = t.patch(&t.admin_token, &format!("/api/v1/users/{e2}"), json!({"version": 1, "team_id": t1})).await;
        assert_eq!(s, StatusCode::OK);
        let (s, d) = t.get(&other, &format!("/api/v1/requests/{r}/timeline")).await;
        assert_eq!(s, StatusCode::OK);
        assert!(d["available_actions"].as_array().unwrap().contains(&json!("respond")), "{d}");
        let (s, done) = t.post(&other, &format!("/api/v1/requests/{r}/respond"), json!({"mode": "remote", "plan": "远程登录排查"})).await;
        assert_eq!((s, done["status"].as_str()), (StatusCode::OK, Some("in_progress")));
        // Out of every team (`null` clears the field), the queue is no longer theirs.
        let (s, u) = t.patch(&t.admin_token, &format!("/api/v1/users/{e2}"), json!({"version": 2, "team_id": null})).await;
        assert_eq!((s, u["team_id"].clone()), (StatusCode::OK, Value::Null));
        let (s, _) = t.post(&other, &format!("/api/v1/requests/{r}/stage"), json!({"stage": "analysing"})).await;
        assert_eq!(s, StatusCode::FORBIDDEN);
    }
}

both_engines! {
    async fn a_customer_cannot_tell_another_tenants_ids_from_missing_ones(t: TestApp) {
        let (a, _) = t.organization("探测方", "2025-06-01").await;
        let (b, _) = t.organization("被探测方", "2025-06-01").await;
        let sys_b = id(&t.ok(&t.admin_token, "/api/v1/systems", json!({"organization_id": b, "name": "乙方系统", "kind": "software"})).await);
        let contact_b = id(&t.ok(&t.admin_token, "/api/v1/contacts", json!({"organization_id": b, "name": "乙方联系人"})).await);
        let (_, cust) = t.user("prober", "customer_user", Some(a)).await;
        let new = |field: &str, v: i64| json!({"channel": "web", "category": "fault", "impact": "minor", "urgency": "low", "title": "探测", field: v});
        for (field, existing) in [("system_id", sys_b), ("requester_contact_id", contact_b)] {
            let (s1, e1) = t.post(&cust, "/api/v1/requests", new(field, existing)).await;
            let (s2, e2) = t.post(&cust, "/api/v1/requests", new(field, 999_999)).await;
            assert_eq!((s1, e1["field"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some(field)));
            assert_eq!((s1, TestApp::code(&e1)), (s2, TestApp::code(&e2)), "the same answer for another tenant's {field} and a missing one");
            assert!(!e1.to_string().contains("乙方"), "{e1}");
            for (s, e) in [(s1, e1), (s2, e2)] {
                assert!(e["message"].as_str().unwrap().contains("in the request's organization"), "{s} {e}");
            }
        }
        let (_, mine) = t.get(&cust, "/api/v1/requests").await;
        assert_eq!(ids(&mine), Vec::<i64>::new(), "nothing was created");
    }
}
