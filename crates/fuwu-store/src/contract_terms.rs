//! The contract terms read alongside a request or an intake lookup. Its own
//! module because both the requests and the directory decode it (it used
//! to live in requests, which made the two import each other).

use crate::StoreError;

/// The terms of a request's contract that showing the request needs.
#[derive(Debug, Clone, PartialEq)]
pub struct ContractTerms {
    pub id: i64,
    pub code: String,
    pub name: String,
    pub accepted_on: String,
    pub free_service_months: i64,
    pub vip: bool,
    pub sla_policy_id: Option<i64>,
    pub project_leader_id: Option<i64>,
}

impl ContractTerms {
    /// The contract's columns as a left join gives them (`k.id, k.code,
    /// k.name, k.accepted_on, k.free_service_months, k.vip, k.sla_policy_id,
    /// k.project_leader_id`, in that order): `None` when there is no contract.
    pub(crate) fn from_nullable_columns(
        r: &mut impl crate::sql::RowReader,
    ) -> Result<Option<ContractTerms>, StoreError> {
        let id: Option<i64> = r.next()?;
        let code: Option<String> = r.next()?;
        let name: Option<String> = r.next()?;
        let accepted_on: Option<String> = r.next()?;
        let free_service_months: Option<i64> = r.next()?;
        let vip: Option<bool> = r.next()?;
        let sla_policy_id: Option<i64> = r.next()?;
        let project_leader_id: Option<i64> = r.next()?;
        Ok(
            match (id, code, name, accepted_on, free_service_months, vip) {
                (Some(id), Some(code), Some(name), Some(accepted_on), Some(months), Some(vip)) => {
                    Some(ContractTerms {
                        id,
                        code,
                        name,
                        accepted_on,
                        free_service_months: months,
                        vip,
                        sla_policy_id,
                        project_leader_id,
                    })
                }
                _ => None,
            },
        )
    }
}
