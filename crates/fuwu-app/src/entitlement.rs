//! What a request is entitled to (SPEC §2, §4): the contract it runs under
//! (and whether it is billable, decided at intake from the contract's free
//! service period) and the SLA policy its clocks run on.

use crate::access::Actor;
use crate::{App, AppError};
use fuwu_core::Role;
use fuwu_store::requests::{ContractTerms, Request};
use serde::Serialize;
use utoipa::ToSchema;

/// The contract of a request, as the request shows it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ContractRef {
    pub id: i64,
    pub code: String,
    pub name: String,
    /// 项目验收之日, `YYYY-MM-DD`.
    pub accepted_on: String,
    pub free_service_months: i64,
    /// The first day outside the free service period (`YYYY-MM-DD`): requests
    /// raised from then on are billable (charged at cost).
    pub free_until: Option<String>,
    pub vip: bool,
}

/// The SLA policy a request's clocks run under.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PolicyRef {
    pub id: i64,
    /// The policy's key, e.g. `levels-0-5`.
    pub name: String,
    pub name_zh: String,
    pub name_en: String,
}

/// A request's contract, billability and policy.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Entitlement {
    /// Absent for an organization without a current contract at intake.
    pub contract: Option<ContractRef>,
    /// Outside the contract's free service period at intake: work time and
    /// materials are charged at cost (the same flag as the request's `billable`).
    pub billable: bool,
    /// The contract's policy, else the default (`levels-0-5`).
    pub policy: PolicyRef,
}

/// A request with its entitlement (GET /api/v1/requests/{id}).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RequestView {
    #[serde(flatten)]
    pub request: Request,
    /// Absent for third-party engineers, who are not party to the contract.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub entitlement: Option<Entitlement>,
}

fn free_until(accepted_on: &str, months: i64) -> Option<String> {
    let accepted = accepted_on.parse::<jiff::civil::Date>().ok()?;
    accepted
        .checked_add(jiff::Span::new().months(months))
        .ok()
        .map(|d| d.to_string())
}

/// What the read transaction gathers of a request's entitlement: its
/// contract, and which policy it names. The policy itself comes from the
/// app's policy cache ([`App::entitlement`]), so that showing a request does
/// not read and parse a policy document each time.
pub(crate) struct EntitlementParts {
    contract: Option<ContractRef>,
    sla_policy_id: Option<i64>,
    billable: bool,
}

/// The parts of `r`'s entitlement as `actor` may see them (`None`: not
/// shown), from the contract terms read with the request.
pub(crate) fn entitlement_of(
    actor: &Actor,
    r: &Request,
    terms: Option<&ContractTerms>,
) -> Option<EntitlementParts> {
    if actor.role == Role::ThirdParty {
        return None;
    }
    let (contract, sla_policy_id) = match terms {
        Some(k) => (
            Some(ContractRef {
                id: k.id,
                free_until: free_until(&k.accepted_on, k.free_service_months),
                code: k.code.clone(),
                name: k.name.clone(),
                accepted_on: k.accepted_on.clone(),
                free_service_months: k.free_service_months,
                vip: k.vip,
            }),
            k.sla_policy_id,
        ),
        None => (None, None),
    };
    Some(EntitlementParts {
        contract,
        sla_policy_id,
        billable: r.billable,
    })
}

impl App {
    /// Complete an entitlement with its policy (the contract's, else the default).
    pub(crate) async fn entitlement(
        &self,
        parts: Option<EntitlementParts>,
    ) -> Result<Option<Entitlement>, AppError> {
        let Some(parts) = parts else {
            return Ok(None);
        };
        let (policy_id, policy) = self.cached_policy(parts.sla_policy_id).await?;
        Ok(Some(Entitlement {
            contract: parts.contract,
            billable: parts.billable,
            policy: PolicyRef {
                id: policy_id,
                name: policy.key.clone(),
                name_zh: policy.name_zh.clone(),
                name_en: policy.name_en.clone(),
            },
        }))
    }
}
