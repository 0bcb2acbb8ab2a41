//! Use cases of the directory: organizations with their customer archive,
//! contacts, teams, users, systems, contracts, SLA policies.
//!
//! Staff keep organizations, contacts and systems current (the hotline adds
//! a caller it does not know); teams, users and contracts are the admin's.
//! Customers read their own organization's records.

use crate::access::Capability;
use crate::identity::validate_user;
use crate::paging::{page, page_limit};
use crate::{Actor, App, AppError, Page};
use fuwu_core::{Email, PhoneNumber, Role};
use fuwu_store::directory::{self as store, *};
use fuwu_store::{BoxFut, Conn, StoreError};
use serde::Deserialize;
use utoipa::ToSchema;

fn required(field: &'static str, v: &str, max: usize) -> Result<String, AppError> {
    let t = v.trim();
    if t.is_empty() {
        return Err(AppError::invalid(field, "must not be empty"));
    }
    if t.chars().count() > max {
        return Err(AppError::invalid(
            field,
            format!("at most {max} characters"),
        ));
    }
    Ok(t.to_owned())
}

fn optional(v: Option<String>) -> Option<String> {
    v.map(|s| s.trim().to_owned()).filter(|s| !s.is_empty())
}

fn email(v: Option<String>) -> Result<Option<String>, AppError> {
    optional(v)
        .map(|e| Email::parse(&e).map(|e| e.as_str().to_owned()))
        .transpose()
        .map_err(|e| AppError::invalid("email", e.to_string()))
}

fn phone(v: Option<String>) -> Result<Option<String>, AppError> {
    optional(v)
        .map(|p| PhoneNumber::parse(&p).map(|p| p.as_str().to_owned()))
        .transpose()
        .map_err(|e| AppError::invalid("phone", e.to_string()))
}

fn cursor(after: Option<String>) -> Result<i64, AppError> {
    match after {
        None => Ok(0),
        Some(s) => s
            .parse()
            .map_err(|_| AppError::invalid("cursor", "not a cursor this API gave out")),
    }
}

/// A patch field that may be absent (keep), `null` (clear) or a value (set):
/// present in the body — `null` included — becomes `Some(…)`.
fn present<'de, D, T>(d: D) -> Result<Option<Option<T>>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<T>::deserialize(d).map(Some)
}

macro_rules! merge {
    ($fields:ident, $patch:ident, $($f:ident),+) => {
        $(if let Some(v) = $patch.$f { $fields.$f = v; })+
    };
}

// ------------------------------------------------------------------ inputs

#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OrganizationInput {
    pub name: String,
    pub short_name: Option<String>,
    pub industry: Option<String>,
    pub address: Option<String>,
    pub phone: Option<String>,
    #[serde(default)]
    pub profile: String,
    #[serde(default)]
    pub support_needs: String,
    #[serde(default)]
    pub notes: String,
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OrganizationPatch {
    pub version: i64,
    pub name: Option<String>,
    #[serde(default, deserialize_with = "present")]
    pub short_name: Option<Option<String>>,
    #[serde(default, deserialize_with = "present")]
    pub industry: Option<Option<String>>,
    #[serde(default, deserialize_with = "present")]
    pub address: Option<Option<String>>,
    #[serde(default, deserialize_with = "present")]
    pub phone: Option<Option<String>>,
    pub profile: Option<String>,
    pub support_needs: Option<String>,
    pub notes: Option<String>,
}

fn check_organization(f: OrganizationFields) -> Result<OrganizationFields, AppError> {
    Ok(OrganizationFields {
        name: required("name", &f.name, 200)?,
        short_name: optional(f.short_name),
        industry: optional(f.industry),
        address: optional(f.address),
        phone: phone(f.phone)?,
        profile: f.profile,
        support_needs: f.support_needs,
        notes: f.notes,
    })
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ContactInput {
    pub organization_id: i64,
    pub name: String,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub job_title: Option<String>,
    #[serde(default)]
    pub notes: String,
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ContactPatch {
    pub version: i64,
    pub name: Option<String>,
    #[serde(default, deserialize_with = "present")]
    pub email: Option<Option<String>>,
    #[serde(default, deserialize_with = "present")]
    pub phone: Option<Option<String>>,
    #[serde(default, deserialize_with = "present")]
    pub job_title: Option<Option<String>>,
    pub notes: Option<String>,
}

fn check_contact(f: ContactFields) -> Result<ContactFields, AppError> {
    Ok(ContactFields {
        organization_id: f.organization_id,
        name: required("name", &f.name, 100)?,
        email: email(f.email)?,
        phone: phone(f.phone)?,
        job_title: optional(f.job_title),
        notes: f.notes,
    })
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TeamInput {
    pub name: String,
    #[serde(default)]
    pub description: String,
    pub lead_id: Option<i64>,
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TeamPatch {
    pub version: i64,
    pub name: Option<String>,
    pub description: Option<String>,
    #[serde(default, deserialize_with = "present")]
    pub lead_id: Option<Option<i64>>,
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UserInput {
    pub username: String,
    pub display_name: String,
    pub email: Option<String>,
    pub phone: Option<String>,
    /// customer_user, customer_admin, agent, engineer, third_party, project_leader or admin.
    pub role: String,
    pub organization_id: Option<i64>,
    pub contact_id: Option<i64>,
    pub team_id: Option<i64>,
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UserPatch {
    pub version: i64,
    pub display_name: Option<String>,
    #[serde(default, deserialize_with = "present")]
    pub email: Option<Option<String>>,
    #[serde(default, deserialize_with = "present")]
    pub phone: Option<Option<String>>,
    pub role: Option<String>,
    #[serde(default, deserialize_with = "present")]
    pub organization_id: Option<Option<i64>>,
    #[serde(default, deserialize_with = "present")]
    pub contact_id: Option<Option<i64>>,
    #[serde(default, deserialize_with = "present")]
    pub team_id: Option<Option<i64>>,
    pub active: Option<bool>,
}

fn check_user(f: UserFields) -> Result<UserFields, AppError> {
    let f = UserFields {
        email: email(f.email)?,
        phone: phone(f.phone)?,
        display_name: f.display_name.trim().to_owned(),
        ..f
    };
    validate_user(&f)?;
    Ok(f)
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SystemInput {
    pub organization_id: i64,
    pub name: String,
    /// software, server, device, network, cloud or other.
    pub kind: String,
    #[serde(default)]
    pub description: String,
    pub location: Option<String>,
    pub serial_number: Option<String>,
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SystemPatch {
    pub version: i64,
    pub name: Option<String>,
    pub kind: Option<String>,
    pub description: Option<String>,
    #[serde(default, deserialize_with = "present")]
    pub location: Option<Option<String>>,
    #[serde(default, deserialize_with = "present")]
    pub serial_number: Option<Option<String>>,
}

const SYSTEM_KINDS: &[&str] = &["software", "server", "device", "network", "cloud", "other"];

fn check_system(f: SystemFields) -> Result<SystemFields, AppError> {
    if !SYSTEM_KINDS.contains(&f.kind.as_str()) {
        return Err(AppError::invalid(
            "kind",
            format!("one of {}", SYSTEM_KINDS.join(", ")),
        ));
    }
    Ok(SystemFields {
        name: required("name", &f.name, 200)?,
        location: optional(f.location),
        serial_number: optional(f.serial_number),
        ..f
    })
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ContractInput {
    pub organization_id: i64,
    pub code: String,
    pub name: String,
    /// Acceptance date, `YYYY-MM-DD`.
    #[schema(format = Date, example = "2025-03-18")]
    pub accepted_on: String,
    /// Free service period in months; 24 (two years) when absent.
    pub free_service_months: Option<i64>,
    #[serde(default)]
    pub vip: bool,
    pub sla_policy_id: Option<i64>,
    pub project_leader_id: Option<i64>,
    #[serde(default)]
    pub notes: String,
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ContractPatch {
    pub version: i64,
    pub code: Option<String>,
    pub name: Option<String>,
    pub accepted_on: Option<String>,
    pub free_service_months: Option<i64>,
    pub vip: Option<bool>,
    #[serde(default, deserialize_with = "present")]
    pub sla_policy_id: Option<Option<i64>>,
    #[serde(default, deserialize_with = "present")]
    pub project_leader_id: Option<Option<i64>>,
    pub notes: Option<String>,
}

fn check_contract(f: ContractFields) -> Result<ContractFields, AppError> {
    if f.accepted_on.parse::<jiff::civil::Date>().is_err() {
        return Err(AppError::invalid("accepted_on", "a date as YYYY-MM-DD"));
    }
    if !(0..=600).contains(&f.free_service_months) {
        return Err(AppError::invalid(
            "free_service_months",
            "between 0 and 600",
        ));
    }
    Ok(ContractFields {
        code: required("code", &f.code, 64)?,
        name: required("name", &f.name, 200)?,
        ..f
    })
}

// ------------------------------------------------------------------ use cases

impl App {
    async fn admin_write<T, F>(&self, what: &'static str, f: F) -> Result<T, AppError>
    where
        T: Send + 'static,
        F: for<'c> FnOnce(Conn<'c>) -> BoxFut<'c, Result<T, StoreError>> + Clone + Send + 'static,
    {
        self.db
            .write(f)
            .await
            .map_err(|e| AppError::from_store(what, e))
    }

    pub async fn create_organization(
        &self,
        actor: &Actor,
        input: OrganizationInput,
    ) -> Result<Organization, AppError> {
        actor.require(Capability::KeepDirectory)?;
        let f = check_organization(OrganizationFields {
            name: input.name,
            short_name: input.short_name,
            industry: input.industry,
            address: input.address,
            phone: input.phone,
            profile: input.profile,
            support_needs: input.support_needs,
            notes: input.notes,
        })?;
        let now = self.now();
        let who = actor.user_id;
        self.admin_write("organization", move |mut c| {
            Box::pin(async move {
                let row = store::insert_organization(&mut c, &f, now).await?;
                crate::audit::created(&mut c, who, "organization", row.id, &row, now).await?;
                Ok(row)
            })
        })
        .await
    }

    pub async fn update_organization(
        &self,
        actor: &Actor,
        id: i64,
        p: OrganizationPatch,
    ) -> Result<Organization, AppError> {
        actor.require(Capability::KeepDirectory)?;
        let now = self.now();
        let who = actor.user_id;
        self.admin_write("organization", move |mut c| {
            Box::pin(async move {
                let before = store::get_organization(&mut c, id).await?;
                let mut f = OrganizationFields::from(&before);
                merge!(
                    f,
                    p,
                    name,
                    short_name,
                    industry,
                    address,
                    phone,
                    profile,
                    support_needs,
                    notes
                );
                let f = check_organization(f).map_err(|e| StoreError::Config(e.to_string()))?;
                let after = store::update_organization(&mut c, id, p.version, &f, now).await?;
                crate::audit::updated(&mut c, who, "organization", id, &before, &after, now)
                    .await?;
                Ok(after)
            })
        })
        .await
        .map_err(invalid_from_config)
    }

    pub async fn get_organization(&self, actor: &Actor, id: i64) -> Result<Organization, AppError> {
        let a = actor.clone();
        let mut o = self
            .db
            .read(move |mut c| {
                Box::pin(async move {
                    if !a.sees_organization(&mut c, id).await? {
                        return Err(AppError::NotFound {
                            what: "organization",
                        });
                    }
                    store::get_organization(&mut c, id)
                        .await
                        .map_err(|e| AppError::from_store("organization", e))
                })
            })
            .await?;
        if !actor.sees_internal() {
            o.notes.clear();
        }
        Ok(o)
    }

    pub async fn list_organizations(
        &self,
        actor: &Actor,
        after: Option<String>,
        limit: Option<i64>,
        q: Option<String>,
    ) -> Result<Page<Organization>, AppError> {
        let reach = actor.org_reach(None)?;
        let (after, limit) = (cursor(after)?, page_limit(limit));
        let mut rows = self
            .db
            .read(move |mut c| {
                Box::pin(async move {
                    store::list_organizations(&mut c, after, limit + 1, q.as_deref(), reach).await
                })
            })
            .await?;
        if !actor.sees_internal() {
            rows.iter_mut().for_each(|o| o.notes.clear());
        }
        Ok(page(rows, limit, |o| o.id))
    }

    pub async fn create_contact(
        &self,
        actor: &Actor,
        input: ContactInput,
    ) -> Result<Contact, AppError> {
        actor.require(Capability::KeepDirectory)?;
        let f = check_contact(ContactFields {
            organization_id: input.organization_id,
            name: input.name,
            email: input.email,
            phone: input.phone,
            job_title: input.job_title,
            notes: input.notes,
        })?;
        let now = self.now();
        let who = actor.user_id;
        self.admin_write("contact", move |mut c| {
            Box::pin(async move {
                let row = store::insert_contact(&mut c, &f, now).await?;
                crate::audit::created(&mut c, who, "contact", row.id, &row, now).await?;
                Ok(row)
            })
        })
        .await
    }

    pub async fn update_contact(
        &self,
        actor: &Actor,
        id: i64,
        p: ContactPatch,
    ) -> Result<Contact, AppError> {
        actor.require(Capability::KeepDirectory)?;
        let now = self.now();
        let who = actor.user_id;
        self.admin_write("contact", move |mut c| {
            Box::pin(async move {
                let before = store::get_contact(&mut c, id).await?;
                let mut f = ContactFields::from(&before);
                merge!(f, p, name, email, phone, job_title, notes);
                let f = check_contact(f).map_err(|e| StoreError::Config(e.to_string()))?;
                let after = store::update_contact(&mut c, id, p.version, &f, now).await?;
                crate::audit::updated(&mut c, who, "contact", id, &before, &after, now).await?;
                Ok(after)
            })
        })
        .await
        .map_err(invalid_from_config)
    }

    pub async fn get_contact(&self, actor: &Actor, id: i64) -> Result<Contact, AppError> {
        let a = actor.clone();
        let mut k = self
            .db
            .read(move |mut c| {
                Box::pin(async move {
                    let k = store::get_contact(&mut c, id)
                        .await
                        .map_err(|e| AppError::from_store("contact", e))?;
                    if a.sees_organization(&mut c, k.organization_id).await? {
                        Ok(k)
                    } else {
                        Err(AppError::NotFound { what: "contact" })
                    }
                })
            })
            .await?;
        if !actor.sees_internal() {
            k.notes.clear();
        }
        Ok(k)
    }

    pub async fn list_contacts(
        &self,
        actor: &Actor,
        after: Option<String>,
        limit: Option<i64>,
        organization_id: Option<i64>,
        phone_number: Option<String>,
    ) -> Result<Page<Contact>, AppError> {
        let reach = actor.org_reach(organization_id)?;
        let phone_number = phone_number
            .map(|p| PhoneNumber::parse(&p).map(|p| p.as_str().to_owned()))
            .transpose()
            .map_err(|e| AppError::invalid("phone", e.to_string()))?;
        let (after, limit) = (cursor(after)?, page_limit(limit));
        let mut rows = self
            .db
            .read(move |mut c| {
                Box::pin(async move {
                    store::list_contacts(&mut c, after, limit + 1, reach, phone_number.as_deref())
                        .await
                })
            })
            .await?;
        if !actor.sees_internal() {
            rows.iter_mut().for_each(|k| k.notes.clear());
        }
        Ok(page(rows, limit, |o| o.id))
    }

    pub async fn create_team(&self, actor: &Actor, input: TeamInput) -> Result<Team, AppError> {
        actor.require_write()?;
        actor.require_admin("create teams")?;
        let f = TeamFields {
            name: required("name", &input.name, 100)?,
            description: input.description,
            lead_id: input.lead_id,
        };
        let now = self.now();
        let who = actor.user_id;
        self.admin_write("team", move |mut c| {
            Box::pin(async move {
                let row = store::insert_team(&mut c, &f, now).await?;
                crate::audit::created(&mut c, who, "team", row.id, &row, now).await?;
                Ok(row)
            })
        })
        .await
    }

    pub async fn update_team(
        &self,
        actor: &Actor,
        id: i64,
        p: TeamPatch,
    ) -> Result<Team, AppError> {
        actor.require_write()?;
        actor.require_admin("edit teams")?;
        let now = self.now();
        let who = actor.user_id;
        self.admin_write("team", move |mut c| {
            Box::pin(async move {
                let before = store::get_team(&mut c, id).await?;
                let mut f = TeamFields::from(&before);
                merge!(f, p, name, description, lead_id);
                let after = store::update_team(&mut c, id, p.version, &f, now).await?;
                crate::audit::updated(&mut c, who, "team", id, &before, &after, now).await?;
                Ok(after)
            })
        })
        .await
    }

    pub async fn get_team(&self, actor: &Actor, id: i64) -> Result<Team, AppError> {
        actor.require(Capability::ReadStaffDirectory)?;
        self.db
            .read(move |mut c| Box::pin(async move { store::get_team(&mut c, id).await }))
            .await
            .map_err(|e| AppError::from_store("team", e))
    }

    pub async fn list_teams(
        &self,
        actor: &Actor,
        after: Option<String>,
        limit: Option<i64>,
    ) -> Result<Page<Team>, AppError> {
        actor.require(Capability::ReadStaffDirectory)?;
        let (after, limit) = (cursor(after)?, page_limit(limit));
        let rows = self
            .db
            .read(move |mut c| {
                Box::pin(async move { store::list_teams(&mut c, after, limit + 1).await })
            })
            .await?;
        Ok(page(rows, limit, |o| o.id))
    }

    pub async fn create_user(&self, actor: &Actor, input: UserInput) -> Result<User, AppError> {
        actor.require_write()?;
        actor.require_admin("create users")?;
        let f = check_user(UserFields {
            username: input.username.trim().to_owned(),
            display_name: input.display_name,
            email: input.email,
            phone: input.phone,
            role: input.role,
            organization_id: input.organization_id,
            contact_id: input.contact_id,
            team_id: input.team_id,
            active: true,
        })?;
        let now = self.now();
        let who = actor.user_id;
        self.admin_write("user", move |mut c| {
            Box::pin(async move {
                let row = store::insert_user(&mut c, &f, now).await?;
                crate::audit::created(&mut c, who, "user", row.id, &row, now).await?;
                Ok(row)
            })
        })
        .await
    }

    pub async fn update_user(
        &self,
        actor: &Actor,
        id: i64,
        p: UserPatch,
    ) -> Result<User, AppError> {
        actor.require_write()?;
        actor.require_admin("edit users")?;
        let now = self.now();
        let who = actor.user_id;
        self.admin_write("user", move |mut c| {
            Box::pin(async move {
                let before = store::get_user(&mut c, id).await?;
                let mut f = UserFields::from(&before);
                merge!(
                    f,
                    p,
                    display_name,
                    email,
                    phone,
                    role,
                    organization_id,
                    contact_id,
                    team_id,
                    active
                );
                let f = check_user(f).map_err(|e| StoreError::Config(e.to_string()))?;
                let after = store::update_user(&mut c, id, p.version, &f, now).await?;
                crate::audit::updated(&mut c, who, "user", id, &before, &after, now).await?;
                Ok(after)
            })
        })
        .await
        .map_err(invalid_from_config)
        .inspect(|_| {
            // A changed role or a deactivation must not wait for the token cache.
            self.forget_verified_tokens();
        })
    }

    pub async fn get_user(&self, actor: &Actor, id: i64) -> Result<User, AppError> {
        if actor.user_id != id {
            actor.require(Capability::ReadStaffDirectory)?;
        }
        self.db
            .read(move |mut c| Box::pin(async move { store::get_user(&mut c, id).await }))
            .await
            .map_err(|e| AppError::from_store("user", e))
    }

    pub async fn list_users(
        &self,
        actor: &Actor,
        after: Option<String>,
        limit: Option<i64>,
        role: Option<String>,
        team_id: Option<i64>,
        organization_id: Option<i64>,
    ) -> Result<Page<User>, AppError> {
        actor.require(Capability::ReadStaffDirectory)?;
        if let Some(r) = &role {
            r.parse::<Role>()
                .map_err(|e| AppError::invalid("role", e.to_string()))?;
        }
        let (after, limit) = (cursor(after)?, page_limit(limit));
        let rows = self
            .db
            .read(move |mut c| {
                Box::pin(async move {
                    store::list_users(
                        &mut c,
                        after,
                        limit + 1,
                        role.as_deref(),
                        team_id,
                        organization_id,
                    )
                    .await
                })
            })
            .await?;
        Ok(page(rows, limit, |o| o.id))
    }

    pub async fn create_system(
        &self,
        actor: &Actor,
        input: SystemInput,
    ) -> Result<System, AppError> {
        actor.require(Capability::KeepDirectory)?;
        let f = check_system(SystemFields {
            organization_id: input.organization_id,
            name: input.name,
            kind: input.kind,
            description: input.description,
            location: input.location,
            serial_number: input.serial_number,
        })?;
        let now = self.now();
        let who = actor.user_id;
        self.admin_write("system", move |mut c| {
            Box::pin(async move {
                let row = store::insert_system(&mut c, &f, now).await?;
                crate::audit::created(&mut c, who, "system", row.id, &row, now).await?;
                Ok(row)
            })
        })
        .await
    }

    pub async fn update_system(
        &self,
        actor: &Actor,
        id: i64,
        p: SystemPatch,
    ) -> Result<System, AppError> {
        actor.require(Capability::KeepDirectory)?;
        let now = self.now();
        let who = actor.user_id;
        self.admin_write("system", move |mut c| {
            Box::pin(async move {
                let before = store::get_system(&mut c, id).await?;
                let mut f = SystemFields::from(&before);
                merge!(f, p, name, kind, description, location, serial_number);
                let f = check_system(f).map_err(|e| StoreError::Config(e.to_string()))?;
                let after = store::update_system(&mut c, id, p.version, &f, now).await?;
                crate::audit::updated(&mut c, who, "system", id, &before, &after, now).await?;
                Ok(after)
            })
        })
        .await
        .map_err(invalid_from_config)
    }

    pub async fn get_system(&self, actor: &Actor, id: i64) -> Result<System, AppError> {
        let a = actor.clone();
        self.db
            .read(move |mut c| {
                Box::pin(async move {
                    let s = store::get_system(&mut c, id)
                        .await
                        .map_err(|e| AppError::from_store("system", e))?;
                    if a.sees_organization(&mut c, s.organization_id).await? {
                        Ok(s)
                    } else {
                        Err(AppError::NotFound { what: "system" })
                    }
                })
            })
            .await
    }

    pub async fn list_systems(
        &self,
        actor: &Actor,
        after: Option<String>,
        limit: Option<i64>,
        organization_id: Option<i64>,
    ) -> Result<Page<System>, AppError> {
        let reach = actor.org_reach(organization_id)?;
        let (after, limit) = (cursor(after)?, page_limit(limit));
        let rows = self
            .db
            .read(move |mut c| {
                Box::pin(async move { store::list_systems(&mut c, after, limit + 1, reach).await })
            })
            .await?;
        Ok(page(rows, limit, |o| o.id))
    }

    pub async fn create_contract(
        &self,
        actor: &Actor,
        input: ContractInput,
    ) -> Result<Contract, AppError> {
        actor.require_write()?;
        actor.require_admin("create contracts")?;
        let f = check_contract(ContractFields {
            organization_id: input.organization_id,
            code: input.code,
            name: input.name,
            accepted_on: input.accepted_on,
            free_service_months: input.free_service_months.unwrap_or(24),
            vip: input.vip,
            sla_policy_id: input.sla_policy_id,
            project_leader_id: input.project_leader_id,
            notes: input.notes,
        })?;
        let now = self.now();
        let who = actor.user_id;
        self.admin_write("contract", move |mut c| {
            Box::pin(async move {
                let row = store::insert_contract(&mut c, &f, now).await?;
                crate::audit::created(&mut c, who, "contract", row.id, &row, now).await?;
                Ok(row)
            })
        })
        .await
    }

    pub async fn update_contract(
        &self,
        actor: &Actor,
        id: i64,
        p: ContractPatch,
    ) -> Result<Contract, AppError> {
        actor.require_write()?;
        actor.require_admin("edit contracts")?;
        let now = self.now();
        let who = actor.user_id;
        let policy_named = p.sla_policy_id.is_some();
        let k = self
            .admin_write("contract", move |mut c| {
                Box::pin(async move {
                    let before = store::get_contract(&mut c, id).await?;
                    let mut f = ContractFields::from(&before);
                    merge!(
                        f,
                        p,
                        code,
                        name,
                        accepted_on,
                        free_service_months,
                        vip,
                        sla_policy_id,
                        project_leader_id,
                        notes
                    );
                    let f = check_contract(f).map_err(|e| StoreError::Config(e.to_string()))?;
                    let after = store::update_contract(&mut c, id, p.version, &f, now).await?;
                    crate::audit::updated(&mut c, who, "contract", id, &before, &after, now)
                        .await?;
                    Ok(after)
                })
            })
            .await
            .map_err(invalid_from_config)?;
        // Another policy: the open requests' running clocks follow at once.
        if policy_named {
            let changed = k.id;
            let ids = self
                .db
                .read(move |mut c| {
                    Box::pin(async move {
                        fuwu_store::sla::open_requests_of_contract(&mut c, changed).await
                    })
                })
                .await?;
            self.refresh_requests(ids).await?;
        }
        Ok(k)
    }

    pub async fn get_contract(&self, actor: &Actor, id: i64) -> Result<Contract, AppError> {
        let k = self
            .db
            .read(move |mut c| Box::pin(async move { store::get_contract(&mut c, id).await }))
            .await
            .map_err(|e| AppError::from_store("contract", e))?;
        if !actor.sees_contract(&k) {
            return Err(AppError::NotFound { what: "contract" });
        }
        actor.require(Capability::ReadContracts)?;
        let mut k = k;
        if !actor.sees_internal() {
            k.notes.clear();
        }
        Ok(k)
    }

    pub async fn list_contracts(
        &self,
        actor: &Actor,
        after: Option<String>,
        limit: Option<i64>,
        organization_id: Option<i64>,
    ) -> Result<Page<Contract>, AppError> {
        actor.require(Capability::ReadContracts)?;
        let reach = actor.org_reach(organization_id)?;
        let (after, limit) = (cursor(after)?, page_limit(limit));
        let mut rows = self
            .db
            .read(move |mut c| {
                Box::pin(
                    async move { store::list_contracts(&mut c, after, limit + 1, reach).await },
                )
            })
            .await?;
        if !actor.sees_internal() {
            rows.iter_mut().for_each(|k| k.notes.clear());
        }
        Ok(page(rows, limit, |o| o.id))
    }

    pub async fn list_sla_policies(&self, actor: &Actor) -> Result<Vec<SlaPolicy>, AppError> {
        actor.require(Capability::ReadStaffDirectory)?;
        Ok(self
            .db
            .read(|mut c| Box::pin(async move { store::list_sla_policies(&mut c).await }))
            .await?)
    }
}

/// Validation inside a write closure travels as `StoreError::Config`; turn it back into a 422.
fn invalid_from_config(e: AppError) -> AppError {
    match e {
        AppError::Internal(StoreError::Config(m)) => AppError::Invalid {
            field: "body",
            message: m,
        },
        other => other,
    }
}

/// One caller the phone intake found: a contact (when the search matched a
/// person) with their organization, its contracts and its covered systems.
#[derive(Debug, Clone)]
pub struct CallerMatch {
    pub organization: Organization,
    pub contact: Option<Contact>,
    pub contracts: Vec<Contract>,
    pub systems: Vec<System>,
}

impl App {
    /// Phone intake: who is calling? `needle` is part of a phone number, a
    /// contact's name or an organization's name; staff who take requests only.
    pub async fn intake_lookup(
        &self,
        actor: &Actor,
        needle: &str,
    ) -> Result<Vec<CallerMatch>, AppError> {
        actor.require(Capability::EditRequests)?;
        let needle = needle.trim().to_owned();
        if needle.chars().count() < 2 {
            return Ok(Vec::new());
        }
        let reach = actor.org_reach(None)?;
        let internal = actor.sees_internal();
        self.db
            .read(move |mut c| {
                Box::pin(async move {
                    let contacts = store::search_contacts(&mut c, &needle, 8, reach).await?;
                    let orgs =
                        store::list_organizations(&mut c, 0, 5, Some(&needle), reach).await?;
                    let mut found: Vec<(i64, Option<Contact>)> = contacts
                        .into_iter()
                        .map(|k| (k.organization_id, Some(k)))
                        .collect();
                    for o in &orgs {
                        if !found.iter().any(|(id, _)| *id == o.id) {
                            found.push((o.id, None));
                        }
                    }
                    let mut out = Vec::with_capacity(found.len());
                    for (org_id, mut contact) in found.into_iter().take(10) {
                        let mut organization = match store::get_organization(&mut c, org_id).await {
                            Ok(o) => o,
                            Err(StoreError::NotFound) => continue,
                            Err(e) => return Err(e),
                        };
                        let one = OrgReach {
                            organization_id: Some(org_id),
                            leader_id: reach.leader_id,
                        };
                        let mut contracts = store::list_contracts(&mut c, 0, 20, one).await?;
                        let systems = store::list_systems(&mut c, 0, 50, one).await?;
                        if !internal {
                            organization.notes.clear();
                            contracts.iter_mut().for_each(|k| k.notes.clear());
                            if let Some(k) = contact.as_mut() {
                                k.notes.clear();
                            }
                        }
                        out.push(CallerMatch {
                            organization,
                            contact,
                            contracts,
                            systems,
                        });
                    }
                    Ok::<_, StoreError>(out)
                })
            })
            .await
            .map_err(AppError::from)
    }
}
