//! Which terms a request's clocks run under: its contract's policy (else
//! the default) as it was at a given instant, and the policies themselves,
//! read by staff, written by administrators (audited), cached for the
//! create path.

use crate::access::Capability;
use crate::calendars::{calendar_names, presets};
use crate::{Actor, App, AppError, audit};
use fuwu_core::sla::{Policy, templates};
use fuwu_store::Conn;
use fuwu_store::directory::{self as dir, SlaPolicy};
use fuwu_store::requests::Request;
use fuwu_store::sla as sla_store;
use serde::Deserialize;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use utoipa::ToSchema;

/// The policy of requests whose contract names none.
pub const DEFAULT_POLICY: &str = templates::LEVELS_0_5;

pub(crate) fn parse_policy(row: &SlaPolicy) -> Option<Policy> {
    serde_json::from_str(&row.definition).ok()
}

/// The instant whose policy and calendars a request's clocks are shown under
/// as of `at`: `at` itself, or its end if it ended before — a closed request
/// keeps the terms it was closed under, as its stored clocks do (a policy
/// change refreshes open requests only).
pub(super) fn terms_instant(r: &Request, at: i64) -> i64 {
    r.closed_at.map_or(at, |end| end.min(at))
}

/// Policy `id` as it was in force at `at` (`current` if it has not changed since).
pub(super) async fn policy_as_of(
    c: &mut Conn<'_>,
    id: i64,
    current: Policy,
    at: i64,
) -> Result<Policy, AppError> {
    Ok(sla_store::policy_definition_at(c, id, at)
        .await?
        .and_then(|d| serde_json::from_str(&d).ok())
        .unwrap_or(current))
}

/// The policy a request runs under: its contract's, else the default.
pub(crate) async fn policy_for(
    c: &mut Conn<'_>,
    contract_id: Option<i64>,
) -> Result<(i64, Policy), AppError> {
    if let Some(k) = contract_id
        && let Some(p) = dir::get_contract(c, k).await?.sla_policy_id
    {
        let row = dir::get_sla_policy(c, p).await?;
        if let Some(policy) = parse_policy(&row) {
            return Ok((row.id, policy));
        }
    }
    let row = sla_store::get_policy_by_name(c, DEFAULT_POLICY).await?;
    let policy = parse_policy(&row).unwrap_or_else(templates::levels_0_5);
    Ok((row.id, policy))
}

/// A new policy, or a policy's replacement.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PolicyInput {
    /// Required when replacing: the version you read.
    pub version: Option<i64>,
    /// fuwu-core's `Policy` (see the shipped templates for examples).
    #[schema(value_type = Object)]
    pub definition: serde_json::Value,
}

fn check_policy(value: serde_json::Value, calendars: &[String]) -> Result<Policy, AppError> {
    let policy: Policy = serde_json::from_value(value)
        .map_err(|e| AppError::invalid("definition", e.to_string()))?;
    let names: Vec<&str> = calendars.iter().map(String::as_str).collect();
    policy
        .validate(&names)
        .map_err(|e| AppError::invalid("definition", e.to_string()))?;
    Ok(policy)
}

fn auto_close_ms(p: &Policy) -> i64 {
    match &p.auto_close {
        Some(a) => presets().get(a.calendar.as_str()).map_or_else(
            || i64::from(a.after.minutes()) * 60_000,
            |c| c.duration_ms(a.after),
        ),
        None => fuwu_core::lifecycle::Rules::default().auto_close_after_ms,
    }
}

/// Parsed policies for the create path, so taking in a request reads no
/// policy: by the contract's policy id (`None`: the default), 10 s; an
/// update on this node clears it at once (other nodes: within 10 s).
#[derive(Clone, Default)]
pub(crate) struct PolicyCache(Arc<Mutex<HashMap<Option<i64>, CachedPolicy>>>);

/// When it was loaded, its id, the policy.
type CachedPolicy = (Instant, i64, Arc<Policy>);

const POLICY_TTL: Duration = Duration::from_secs(10);

impl App {
    pub(crate) async fn cached_policy(
        &self,
        policy_id: Option<i64>,
    ) -> Result<(i64, Arc<Policy>), AppError> {
        if let Some((at, id, p)) = self
            .policies
            .0
            .lock()
            .expect("policy cache")
            .get(&policy_id)
            && at.elapsed() < POLICY_TTL
        {
            return Ok((*id, p.clone()));
        }
        let (id, policy) = self
            .db
            .read(move |mut c| {
                Box::pin(async move {
                    if let Some(p) = policy_id {
                        let row = dir::get_sla_policy(&mut c, p).await?;
                        if let Some(policy) = parse_policy(&row) {
                            return Ok((row.id, policy));
                        }
                    }
                    let row = sla_store::get_policy_by_name(&mut c, DEFAULT_POLICY).await?;
                    Ok::<_, AppError>((
                        row.id,
                        parse_policy(&row).unwrap_or_else(templates::levels_0_5),
                    ))
                })
            })
            .await?;
        let policy = Arc::new(policy);
        self.policies
            .0
            .lock()
            .expect("policy cache")
            .insert(policy_id, (Instant::now(), id, policy.clone()));
        Ok((id, policy))
    }

    pub async fn get_sla_policy(&self, actor: &Actor, id: i64) -> Result<SlaPolicy, AppError> {
        actor.require(Capability::ReadStaffDirectory)?;
        self.db
            .read(move |mut c| {
                Box::pin(async move {
                    dir::get_sla_policy(&mut c, id)
                        .await
                        .map_err(|e| AppError::from_store("SLA policy", e))
                })
            })
            .await
    }

    /// Create a policy (administrators). Its key is its name.
    pub async fn create_sla_policy(
        &self,
        actor: &Actor,
        input: PolicyInput,
    ) -> Result<SlaPolicy, AppError> {
        actor.require(Capability::Administer)?;
        let now = self.now();
        let who = actor.user_id;
        self.db
            .write(move |mut c| {
                Box::pin(async move {
                    let names = calendar_names(&mut c).await?;
                    let policy = check_policy(input.definition, &names)?;
                    let definition = serde_json::to_string(&policy)
                        .map_err(|e| AppError::invalid("definition", e.to_string()))?;
                    let row = sla_store::insert_policy(
                        &mut c,
                        &policy.key,
                        &policy.description,
                        auto_close_ms(&policy),
                        &definition,
                        now,
                    )
                    .await
                    .map_err(|e| AppError::from_store("SLA policy", e))?;
                    audit::created(&mut c, who, "sla_policy", row.id, &row, now).await?;
                    Ok(row)
                })
            })
            .await
    }

    /// Replace a policy's definition (administrators), with the version read.
    /// Running clocks follow at each request's next change (or `fuwu sla recompute`).
    pub async fn update_sla_policy(
        &self,
        actor: &Actor,
        id: i64,
        input: PolicyInput,
    ) -> Result<SlaPolicy, AppError> {
        actor.require(Capability::Administer)?;
        let version = input
            .version
            .ok_or_else(|| AppError::invalid("version", "required"))?;
        let now = self.now();
        let who = actor.user_id;
        let row = self
            .db
            .write(move |mut c| {
                Box::pin(async move {
                    let before = dir::get_sla_policy(&mut c, id)
                        .await
                        .map_err(|e| AppError::from_store("SLA policy", e))?;
                    let names = calendar_names(&mut c).await?;
                    let policy = check_policy(input.definition, &names)?;
                    let definition = serde_json::to_string(&policy)
                        .map_err(|e| AppError::invalid("definition", e.to_string()))?;
                    let row = sla_store::update_policy(
                        &mut c,
                        id,
                        version,
                        &policy.key,
                        &policy.description,
                        auto_close_ms(&policy),
                        &definition,
                        now,
                    )
                    .await
                    .map_err(|e| AppError::from_store("SLA policy", e))?;
                    audit::updated(&mut c, who, "sla_policy", id, &before, &row, now).await?;
                    Ok::<_, AppError>(row)
                })
            })
            .await
            .inspect(|_| self.policies.0.lock().expect("policy cache").clear())?;
        // Running clocks follow the corrected policy at once.
        let ids = self
            .db
            .read(move |mut c| {
                Box::pin(async move {
                    let default = sla_store::get_policy_by_name(&mut c, DEFAULT_POLICY).await?;
                    sla_store::open_requests_of_policy(&mut c, id, default.id).await
                })
            })
            .await?;
        self.refresh_requests(ids).await?;
        Ok(row)
    }
}
