//! Organizations (with their customer archive), contacts, teams, users,
//! systems, contracts and SLA policy references.

use crate::contract_terms::ContractTerms;
use crate::versions::updated_or_why_not;
use crate::{Conn, StoreError, from_row, query};
use serde::Serialize;
use std::sync::LazyLock;
use utoipa::ToSchema;

/// A page of rows with the cursor for the next one.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Page<T> {
    pub items: Vec<T>,
    /// Pass as `cursor` to get the next page; absent on the last page.
    pub next_cursor: Option<String>,
}

macro_rules! get_by_id {
    ($fn:ident, $row:ty, $table:literal) => {
        pub async fn $fn(c: &mut Conn<'_>, id: i64) -> Result<$row, StoreError> {
            let row: Option<$row> = c
                .fetch_optional(query(concat!("select * from ", $table, " where id = $1")).bind(id))
                .await?;
            row.ok_or(StoreError::NotFound)
        }
    };
}

// ---------------------------------------------------------------- organizations

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Organization {
    pub id: i64,
    pub name: String,
    pub short_name: Option<String>,
    pub industry: Option<String>,
    pub address: Option<String>,
    pub phone: Option<String>,
    /// Customer archive (客户档案): who they are, their environment.
    pub profile: String,
    /// Their particular support needs.
    pub support_needs: String,
    pub notes: String,
    #[serde(serialize_with = "crate::ser::ms")]
    #[schema(value_type = String, format = DateTime)]
    pub created_at: i64,
    #[serde(serialize_with = "crate::ser::ms")]
    #[schema(value_type = String, format = DateTime)]
    pub updated_at: i64,
    pub version: i64,
}

from_row!(Organization {
    id,
    name,
    short_name,
    industry,
    address,
    phone,
    profile,
    support_needs,
    notes,
    created_at,
    updated_at,
    version
});

#[derive(Debug, Clone)]
pub struct OrganizationFields {
    pub name: String,
    pub short_name: Option<String>,
    pub industry: Option<String>,
    pub address: Option<String>,
    pub phone: Option<String>,
    pub profile: String,
    pub support_needs: String,
    pub notes: String,
}

impl From<&Organization> for OrganizationFields {
    fn from(o: &Organization) -> Self {
        OrganizationFields {
            name: o.name.clone(),
            short_name: o.short_name.clone(),
            industry: o.industry.clone(),
            address: o.address.clone(),
            phone: o.phone.clone(),
            profile: o.profile.clone(),
            support_needs: o.support_needs.clone(),
            notes: o.notes.clone(),
        }
    }
}

pub async fn insert_organization(
    c: &mut Conn<'_>,
    f: &OrganizationFields,
    now: i64,
) -> Result<Organization, StoreError> {
    c.fetch_one(query(
        "insert into organizations (name, short_name, industry, address, phone, profile, support_needs, notes, created_at, updated_at)
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9) returning *")
        .bind(&f.name).bind(&f.short_name).bind(&f.industry).bind(&f.address).bind(&f.phone)
        .bind(&f.profile).bind(&f.support_needs).bind(&f.notes).bind(now)
        ).await
}

pub async fn update_organization(
    c: &mut Conn<'_>,
    id: i64,
    version: i64,
    f: &OrganizationFields,
    now: i64,
) -> Result<Organization, StoreError> {
    let row: Option<Organization> = c.fetch_optional(query(
        "update organizations set name = $3, short_name = $4, industry = $5, address = $6, phone = $7, profile = $8,
         support_needs = $9, notes = $10, updated_at = $11, version = version + 1
         where id = $1 and version = $2 returning *")
        .bind(id).bind(version).bind(&f.name).bind(&f.short_name).bind(&f.industry).bind(&f.address).bind(&f.phone)
        .bind(&f.profile).bind(&f.support_needs).bind(&f.notes).bind(now)
        ).await?;
    updated_or_why_not(c, row, "organizations", id, version).await
}

get_by_id!(get_organization, Organization, "organizations");

pub async fn list_organizations(
    c: &mut Conn<'_>,
    after_id: i64,
    limit: i64,
    name_like: Option<&str>,
    reach: OrgReach,
) -> Result<Vec<Organization>, StoreError> {
    let pattern = name_like.map(|n| format!("%{}%", n.replace('%', "\\%").replace('_', "\\_")));
    c.fetch_all(query(
        "select * from organizations where id > $1 and ($2 is null or name like $2 escape '\\' or short_name like $2 escape '\\')
         and ($4 is null or id = $4)
         and ($5 is null or id in (select organization_id from contracts where project_leader_id = $5))
         order by id limit $3")
        .bind(after_id).bind(&pattern).bind(limit).bind(reach.organization_id).bind(reach.leader_id)).await
}

/// Which organizations' records a list may return (both present: both must hold).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct OrgReach {
    /// Only this organization.
    pub organization_id: Option<i64>,
    /// Only organizations with a contract this user leads.
    pub leader_id: Option<i64>,
}

/// Whether `leader_id` leads a contract of `organization_id`.
pub async fn leads_organization(
    c: &mut Conn<'_>,
    leader_id: i64,
    organization_id: i64,
) -> Result<bool, StoreError> {
    let row: Option<(i64,)> = c.fetch_optional(query(
        "select id from contracts where organization_id = $1 and project_leader_id = $2 limit 1")
        .bind(organization_id).bind(leader_id)).await?;
    Ok(row.is_some())
}

/// Who leads a contract (none when the contract has no leader or does not exist).
pub async fn contract_leader(
    c: &mut Conn<'_>,
    contract_id: i64,
) -> Result<Option<i64>, StoreError> {
    let row: Option<(Option<i64>,)> = c
        .fetch_optional(
            query("select project_leader_id from contracts where id = $1").bind(contract_id),
        )
        .await?;
    Ok(row.and_then(|(l,)| l))
}

// ---------------------------------------------------------------- contacts

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Contact {
    pub id: i64,
    pub organization_id: i64,
    pub name: String,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub job_title: Option<String>,
    pub notes: String,
    #[serde(serialize_with = "crate::ser::ms")]
    #[schema(value_type = String, format = DateTime)]
    pub created_at: i64,
    #[serde(serialize_with = "crate::ser::ms")]
    #[schema(value_type = String, format = DateTime)]
    pub updated_at: i64,
    pub version: i64,
}

from_row!(Contact {
    id,
    organization_id,
    name,
    email,
    phone,
    job_title,
    notes,
    created_at,
    updated_at,
    version
});

#[derive(Debug, Clone)]
pub struct ContactFields {
    pub organization_id: i64,
    pub name: String,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub job_title: Option<String>,
    pub notes: String,
}

impl From<&Contact> for ContactFields {
    fn from(o: &Contact) -> Self {
        ContactFields {
            organization_id: o.organization_id,
            name: o.name.clone(),
            email: o.email.clone(),
            phone: o.phone.clone(),
            job_title: o.job_title.clone(),
            notes: o.notes.clone(),
        }
    }
}

pub async fn insert_contact(
    c: &mut Conn<'_>,
    f: &ContactFields,
    now: i64,
) -> Result<Contact, StoreError> {
    c.fetch_one(query(
        "insert into contacts (organization_id, name, email, phone, job_title, notes, created_at, updated_at)
         values ($1, $2, $3, $4, $5, $6, $7, $7) returning *")
        .bind(f.organization_id).bind(&f.name).bind(&f.email).bind(&f.phone).bind(&f.job_title).bind(&f.notes).bind(now)
        ).await
}

pub async fn update_contact(
    c: &mut Conn<'_>,
    id: i64,
    version: i64,
    f: &ContactFields,
    now: i64,
) -> Result<Contact, StoreError> {
    let row: Option<Contact> = c.fetch_optional(query(
        "update contacts set organization_id = $3, name = $4, email = $5, phone = $6, job_title = $7, notes = $8,
         updated_at = $9, version = version + 1 where id = $1 and version = $2 returning *")
        .bind(id).bind(version).bind(f.organization_id).bind(&f.name).bind(&f.email).bind(&f.phone)
        .bind(&f.job_title).bind(&f.notes).bind(now)
        ).await?;
    updated_or_why_not(c, row, "contacts", id, version).await
}

get_by_id!(get_contact, Contact, "contacts");

pub async fn list_contacts(
    c: &mut Conn<'_>,
    after_id: i64,
    limit: i64,
    reach: OrgReach,
    phone: Option<&str>,
) -> Result<Vec<Contact>, StoreError> {
    c.fetch_all(query(
        "select * from contacts where id > $1 and ($2 is null or organization_id = $2) and ($3 is null or phone = $3)
         and ($5 is null or organization_id in (select organization_id from contracts where project_leader_id = $5))
         order by id limit $4")
        .bind(after_id).bind(reach.organization_id).bind(phone).bind(limit).bind(reach.leader_id)).await
}

/// Contacts whose name or phone contains `needle` (phone intake: the caller
/// types part of a name or a number), within the reach.
pub async fn search_contacts(
    c: &mut Conn<'_>,
    needle: &str,
    limit: i64,
    reach: OrgReach,
) -> Result<Vec<Contact>, StoreError> {
    let pattern = format!("%{}%", needle.replace('%', "\\%").replace('_', "\\_"));
    c.fetch_all(query(
        "select * from contacts where (name like $1 escape '\\' or phone like $1 escape '\\')
         and ($2 is null or organization_id = $2)
         and ($4 is null or organization_id in (select organization_id from contracts where project_leader_id = $4))
         order by id limit $3")
        .bind(&pattern).bind(reach.organization_id).bind(limit).bind(reach.leader_id)).await
}

// ---------------------------------------------------------------- teams

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Team {
    pub id: i64,
    pub name: String,
    pub description: String,
    pub lead_id: Option<i64>,
    #[serde(serialize_with = "crate::ser::ms")]
    #[schema(value_type = String, format = DateTime)]
    pub created_at: i64,
    #[serde(serialize_with = "crate::ser::ms")]
    #[schema(value_type = String, format = DateTime)]
    pub updated_at: i64,
    pub version: i64,
}

from_row!(Team {
    id,
    name,
    description,
    lead_id,
    created_at,
    updated_at,
    version
});

#[derive(Debug, Clone)]
pub struct TeamFields {
    pub name: String,
    pub description: String,
    pub lead_id: Option<i64>,
}

impl From<&Team> for TeamFields {
    fn from(t: &Team) -> Self {
        TeamFields {
            name: t.name.clone(),
            description: t.description.clone(),
            lead_id: t.lead_id,
        }
    }
}

pub async fn insert_team(c: &mut Conn<'_>, f: &TeamFields, now: i64) -> Result<Team, StoreError> {
    c.fetch_one(query(
        "insert into teams (name, description, lead_id, created_at, updated_at) values ($1, $2, $3, $4, $4) returning *")
        .bind(&f.name).bind(&f.description).bind(f.lead_id).bind(now)).await
}

pub async fn update_team(
    c: &mut Conn<'_>,
    id: i64,
    version: i64,
    f: &TeamFields,
    now: i64,
) -> Result<Team, StoreError> {
    let row: Option<Team> = c.fetch_optional(query(
        "update teams set name = $3, description = $4, lead_id = $5, updated_at = $6, version = version + 1
         where id = $1 and version = $2 returning *")
        .bind(id).bind(version).bind(&f.name).bind(&f.description).bind(f.lead_id).bind(now)
        ).await?;
    updated_or_why_not(c, row, "teams", id, version).await
}

get_by_id!(get_team, Team, "teams");

pub async fn list_teams(
    c: &mut Conn<'_>,
    after_id: i64,
    limit: i64,
) -> Result<Vec<Team>, StoreError> {
    c.fetch_all(
        query("select * from teams where id > $1 order by id limit $2")
            .bind(after_id)
            .bind(limit),
    )
    .await
}

// ---------------------------------------------------------------- users

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct User {
    pub id: i64,
    pub username: String,
    pub display_name: String,
    pub email: Option<String>,
    pub phone: Option<String>,
    #[schema(example = "agent")]
    pub role: String,
    pub organization_id: Option<i64>,
    pub contact_id: Option<i64>,
    pub team_id: Option<i64>,
    pub active: bool,
    #[serde(skip)]
    pub password_hash: Option<String>,
    #[serde(serialize_with = "crate::ser::ms")]
    #[schema(value_type = String, format = DateTime)]
    pub created_at: i64,
    #[serde(serialize_with = "crate::ser::ms")]
    #[schema(value_type = String, format = DateTime)]
    pub updated_at: i64,
    pub version: i64,
}

from_row!(User {
    id,
    username,
    display_name,
    email,
    phone,
    role,
    organization_id,
    contact_id,
    team_id,
    active,
    password_hash,
    created_at,
    updated_at,
    version
});

#[derive(Debug, Clone)]
pub struct UserFields {
    pub username: String,
    pub display_name: String,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub role: String,
    pub organization_id: Option<i64>,
    pub contact_id: Option<i64>,
    pub team_id: Option<i64>,
    pub active: bool,
}

impl From<&User> for UserFields {
    fn from(u: &User) -> Self {
        UserFields {
            username: u.username.clone(),
            display_name: u.display_name.clone(),
            email: u.email.clone(),
            phone: u.phone.clone(),
            role: u.role.clone(),
            organization_id: u.organization_id,
            contact_id: u.contact_id,
            team_id: u.team_id,
            active: u.active,
        }
    }
}

pub async fn insert_user(c: &mut Conn<'_>, f: &UserFields, now: i64) -> Result<User, StoreError> {
    c.fetch_one(query(
        "insert into users (username, display_name, email, phone, role, organization_id, contact_id, team_id, active, created_at, updated_at)
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10) returning *")
        .bind(&f.username).bind(&f.display_name).bind(&f.email).bind(&f.phone).bind(&f.role)
        .bind(f.organization_id).bind(f.contact_id).bind(f.team_id).bind(f.active).bind(now)
        ).await
}

pub async fn update_user(
    c: &mut Conn<'_>,
    id: i64,
    version: i64,
    f: &UserFields,
    now: i64,
) -> Result<User, StoreError> {
    let row: Option<User> = c.fetch_optional(query(
        "update users set username = $3, display_name = $4, email = $5, phone = $6, role = $7, organization_id = $8,
         contact_id = $9, team_id = $10, active = $11, updated_at = $12, version = version + 1
         where id = $1 and version = $2 returning *")
        .bind(id).bind(version).bind(&f.username).bind(&f.display_name).bind(&f.email).bind(&f.phone).bind(&f.role)
        .bind(f.organization_id).bind(f.contact_id).bind(f.team_id).bind(f.active).bind(now)
        ).await?;
    updated_or_why_not(c, row, "users", id, version).await
}

get_by_id!(get_user, User, "users");

pub async fn get_user_by_username(c: &mut Conn<'_>, username: &str) -> Result<User, StoreError> {
    let row: Option<User> = c
        .fetch_optional(query("select * from users where username = $1").bind(username))
        .await?;
    row.ok_or(StoreError::NotFound)
}

pub async fn list_users(
    c: &mut Conn<'_>,
    after_id: i64,
    limit: i64,
    role: Option<&str>,
    team_id: Option<i64>,
    organization_id: Option<i64>,
) -> Result<Vec<User>, StoreError> {
    c.fetch_all(query(
        "select * from users where id > $1 and ($2 is null or role = $2) and ($3 is null or team_id = $3)
         and ($4 is null or organization_id = $4) order by id limit $5")
        .bind(after_id).bind(role).bind(team_id).bind(organization_id).bind(limit)).await
}

// ---------------------------------------------------------------- systems

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct System {
    pub id: i64,
    pub organization_id: i64,
    pub name: String,
    /// software, server, device, network, cloud or other.
    #[schema(example = "software")]
    pub kind: String,
    pub description: String,
    pub location: Option<String>,
    pub serial_number: Option<String>,
    #[serde(serialize_with = "crate::ser::ms")]
    #[schema(value_type = String, format = DateTime)]
    pub created_at: i64,
    #[serde(serialize_with = "crate::ser::ms")]
    #[schema(value_type = String, format = DateTime)]
    pub updated_at: i64,
    pub version: i64,
}

from_row!(System {
    id,
    organization_id,
    name,
    kind,
    description,
    location,
    serial_number,
    created_at,
    updated_at,
    version
});

#[derive(Debug, Clone)]
pub struct SystemFields {
    pub organization_id: i64,
    pub name: String,
    pub kind: String,
    pub description: String,
    pub location: Option<String>,
    pub serial_number: Option<String>,
}

impl From<&System> for SystemFields {
    fn from(s: &System) -> Self {
        SystemFields {
            organization_id: s.organization_id,
            name: s.name.clone(),
            kind: s.kind.clone(),
            description: s.description.clone(),
            location: s.location.clone(),
            serial_number: s.serial_number.clone(),
        }
    }
}

pub async fn insert_system(
    c: &mut Conn<'_>,
    f: &SystemFields,
    now: i64,
) -> Result<System, StoreError> {
    c.fetch_one(query(
        "insert into systems (organization_id, name, kind, description, location, serial_number, created_at, updated_at)
         values ($1, $2, $3, $4, $5, $6, $7, $7) returning *")
        .bind(f.organization_id).bind(&f.name).bind(&f.kind).bind(&f.description).bind(&f.location).bind(&f.serial_number).bind(now)
        ).await
}

pub async fn update_system(
    c: &mut Conn<'_>,
    id: i64,
    version: i64,
    f: &SystemFields,
    now: i64,
) -> Result<System, StoreError> {
    let row: Option<System> = c.fetch_optional(query(
        "update systems set organization_id = $3, name = $4, kind = $5, description = $6, location = $7, serial_number = $8,
         updated_at = $9, version = version + 1 where id = $1 and version = $2 returning *")
        .bind(id).bind(version).bind(f.organization_id).bind(&f.name).bind(&f.kind).bind(&f.description)
        .bind(&f.location).bind(&f.serial_number).bind(now)
        ).await?;
    updated_or_why_not(c, row, "systems", id, version).await
}

get_by_id!(get_system, System, "systems");

pub async fn list_systems(
    c: &mut Conn<'_>,
    after_id: i64,
    limit: i64,
    reach: OrgReach,
) -> Result<Vec<System>, StoreError> {
    c.fetch_all(query(
        "select * from systems where id > $1 and ($2 is null or organization_id = $2)
         and ($4 is null or organization_id in (select organization_id from contracts where project_leader_id = $4))
         order by id limit $3")
        .bind(after_id).bind(reach.organization_id).bind(limit).bind(reach.leader_id)).await
}

// ---------------------------------------------------------------- SLA policies (filled by the SLA engine)

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SlaPolicy {
    pub id: i64,
    pub name: String,
    pub description: String,
    /// A resolved request without feedback closes automatically after this many milliseconds.
    pub auto_close_after_ms: i64,
    /// The policy itself (fuwu-core's `Policy`): targets, pauses, thresholds, escalation, notices.
    #[serde(serialize_with = "crate::ser::raw_json")]
    #[schema(value_type = Object)]
    pub definition: String,
    #[serde(serialize_with = "crate::ser::ms")]
    #[schema(value_type = String, format = DateTime)]
    pub created_at: i64,
    #[serde(serialize_with = "crate::ser::ms")]
    #[schema(value_type = String, format = DateTime)]
    pub updated_at: i64,
    pub version: i64,
}

from_row!(SlaPolicy {
    id,
    name,
    description,
    auto_close_after_ms,
    definition,
    created_at,
    updated_at,
    version
});

pub async fn insert_sla_policy(
    c: &mut Conn<'_>,
    name: &str,
    description: &str,
    auto_close_after_ms: i64,
    now: i64,
) -> Result<SlaPolicy, StoreError> {
    c.fetch_one(query(
        "insert into sla_policies (name, description, auto_close_after_ms, created_at, updated_at) values ($1, $2, $3, $4, $4) returning *")
        .bind(name).bind(description).bind(auto_close_after_ms).bind(now)).await
}

get_by_id!(get_sla_policy, SlaPolicy, "sla_policies");

pub async fn list_sla_policies(c: &mut Conn<'_>) -> Result<Vec<SlaPolicy>, StoreError> {
    c.fetch_all(query("select * from sla_policies order by id"))
        .await
}

// ---------------------------------------------------------------- contracts

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Contract {
    pub id: i64,
    pub organization_id: i64,
    pub code: String,
    pub name: String,
    /// Acceptance date (项目验收之日), `YYYY-MM-DD`: the free service period starts here.
    #[schema(format = Date, example = "2025-03-18")]
    pub accepted_on: String,
    /// Length of the free operation and maintenance period in months (default 24).
    pub free_service_months: i64,
    pub vip: bool,
    pub sla_policy_id: Option<i64>,
    pub project_leader_id: Option<i64>,
    pub notes: String,
    #[serde(serialize_with = "crate::ser::ms")]
    #[schema(value_type = String, format = DateTime)]
    pub created_at: i64,
    #[serde(serialize_with = "crate::ser::ms")]
    #[schema(value_type = String, format = DateTime)]
    pub updated_at: i64,
    pub version: i64,
}

from_row!(Contract {
    id,
    organization_id,
    code,
    name,
    accepted_on,
    free_service_months,
    vip,
    sla_policy_id,
    project_leader_id,
    notes,
    created_at,
    updated_at,
    version
});

#[derive(Debug, Clone)]
pub struct ContractFields {
    pub organization_id: i64,
    pub code: String,
    pub name: String,
    pub accepted_on: String,
    pub free_service_months: i64,
    pub vip: bool,
    pub sla_policy_id: Option<i64>,
    pub project_leader_id: Option<i64>,
    pub notes: String,
}

impl From<&Contract> for ContractFields {
    fn from(k: &Contract) -> Self {
        ContractFields {
            organization_id: k.organization_id,
            code: k.code.clone(),
            name: k.name.clone(),
            accepted_on: k.accepted_on.clone(),
            free_service_months: k.free_service_months,
            vip: k.vip,
            sla_policy_id: k.sla_policy_id,
            project_leader_id: k.project_leader_id,
            notes: k.notes.clone(),
        }
    }
}

pub async fn insert_contract(
    c: &mut Conn<'_>,
    f: &ContractFields,
    now: i64,
) -> Result<Contract, StoreError> {
    c.fetch_one(query(
        "insert into contracts (organization_id, code, name, accepted_on, free_service_months, vip, sla_policy_id, project_leader_id, notes, created_at, updated_at)
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10) returning *")
        .bind(f.organization_id).bind(&f.code).bind(&f.name).bind(&f.accepted_on).bind(f.free_service_months).bind(f.vip)
        .bind(f.sla_policy_id).bind(f.project_leader_id).bind(&f.notes).bind(now)
        ).await
}

pub async fn update_contract(
    c: &mut Conn<'_>,
    id: i64,
    version: i64,
    f: &ContractFields,
    now: i64,
) -> Result<Contract, StoreError> {
    let row: Option<Contract> = c.fetch_optional(query(
        "update contracts set organization_id = $3, code = $4, name = $5, accepted_on = $6, free_service_months = $7, vip = $8,
         sla_policy_id = $9, project_leader_id = $10, notes = $11, updated_at = $12, version = version + 1
         where id = $1 and version = $2 returning *")
        .bind(id).bind(version).bind(f.organization_id).bind(&f.code).bind(&f.name).bind(&f.accepted_on)
        .bind(f.free_service_months).bind(f.vip).bind(f.sla_policy_id).bind(f.project_leader_id).bind(&f.notes).bind(now)
        ).await?;
    updated_or_why_not(c, row, "contracts", id, version).await
}

get_by_id!(get_contract, Contract, "contracts");

pub async fn list_contracts(
    c: &mut Conn<'_>,
    after_id: i64,
    limit: i64,
    reach: OrgReach,
) -> Result<Vec<Contract>, StoreError> {
    c.fetch_all(
        query(
            "select * from contracts where id > $1 and ($2 is null or organization_id = $2)
         and ($4 is null or project_leader_id = $4) order by id limit $3",
        )
        .bind(after_id)
        .bind(reach.organization_id)
        .bind(limit)
        .bind(reach.leader_id),
    )
    .await
}

/// The contract a new request of this organization runs under on `today` (`YYYY-MM-DD`):
/// the latest one accepted by then — among those `leader` leads, when given
/// (a project leader's requests run under their own contracts).
/// What a new request's references point at, in one statement: whether
/// organization `organization_id` exists, and the organization of contact
/// `contact` and of system `system` (`None`: not given, or no such row).
/// What taking in a request for `organization_id` needs to know, in one
/// statement: whether the organization exists, the organizations of the
/// named contact and system, and the contract the request runs under (the
/// one accepted last by `today`; for a project leader, among those they lead).
#[derive(Debug, Clone)]
pub struct IntakeLookup {
    pub organization_exists: bool,
    pub contact_organization: Option<i64>,
    pub system_organization: Option<i64>,
    pub contract: Option<ContractTerms>,
}

impl crate::sql::FromRow for IntakeLookup {
    // Positional, in the order of `intake_lookup`'s statement.
    const COLUMNS: &'static [&'static str] = &[];
    fn from_row(r: &mut impl crate::sql::RowReader) -> Result<Self, StoreError> {
        let organizations: i64 = r.next()?;
        Ok(IntakeLookup {
            organization_exists: organizations > 0,
            contact_organization: r.next()?,
            system_organization: r.next()?,
            contract: ContractTerms::from_nullable_columns(r)?,
        })
    }
}

/// See [`IntakeLookup`]. (A create's reads were separate statements, each a
/// round trip and a statement's start-up on PostgreSQL.)
pub async fn intake_lookup(
    c: &mut Conn<'_>,
    organization_id: i64,
    contact: Option<i64>,
    system: Option<i64>,
    today: &str,
    leader: Option<i64>,
) -> Result<IntakeLookup, StoreError> {
    const SELECT: &str = "select (select count(*) from organizations where id = $1),
            (select organization_id from contacts where id = $2),
            (select organization_id from systems where id = $3),
            k.id, k.code, k.name, k.accepted_on, k.free_service_months, k.vip, k.sla_policy_id, k.project_leader_id
         from (select 1) as one left join contracts k on k.id = (select id from contracts
            where organization_id = $1 and accepted_on <= $4";
    const ORDER: &str = " order by accepted_on desc, id desc limit 1)";
    // Two texts rather than `($5 is null or …)`, as in `current_contract`.
    static PLAIN: LazyLock<String> = LazyLock::new(|| format!("{SELECT}{ORDER}"));
    static LEADER: LazyLock<String> =
        LazyLock::new(|| format!("{SELECT} and project_leader_id = $5{ORDER}"));
    let q = query(if leader.is_some() { &LEADER } else { &PLAIN })
        .bind(organization_id)
        .bind(contact)
        .bind(system)
        .bind(today);
    let q = match leader {
        Some(l) => q.bind(l),
        None => q,
    };
    c.fetch_one(q).await
}

pub async fn intake_owners(
    c: &mut Conn<'_>,
    organization_id: i64,
    contact: Option<i64>,
    system: Option<i64>,
) -> Result<(bool, Option<i64>, Option<i64>), StoreError> {
    let (organizations, contact_org, system_org): (i64, Option<i64>, Option<i64>) = c
        .fetch_one(
            query(
                "select (select count(*) from organizations where id = $1),
                        (select organization_id from contacts where id = $2),
                        (select organization_id from systems where id = $3)",
            )
            .bind(organization_id)
            .bind(contact)
            .bind(system),
        )
        .await?;
    Ok((organizations > 0, contact_org, system_org))
}

pub async fn current_contract(
    c: &mut Conn<'_>,
    organization_id: i64,
    today: &str,
    leader: Option<i64>,
) -> Result<Option<Contract>, StoreError> {
    // Two texts rather than `($3 is null or …)`: SQLite (3.4x) re-prepares a
    // statement on every bind when a parameter's value could change its plan,
    // and that made this lookup a tenth of a create's CPU.
    let q = match leader {
        None => query(
            "select * from contracts where organization_id = $1 and accepted_on <= $2
             order by accepted_on desc, id desc limit 1",
        )
        .bind(organization_id)
        .bind(today),
        Some(leader) => query(
            "select * from contracts where organization_id = $1 and accepted_on <= $2
             and project_leader_id = $3 order by accepted_on desc, id desc limit 1",
        )
        .bind(organization_id)
        .bind(today)
        .bind(leader),
    };
    c.fetch_optional(q).await
}
