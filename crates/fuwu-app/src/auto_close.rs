//! Auto-close (SPEC §6): a resolved request that got no answer from the
//! customer within its policy's auto-close period is closed by the
//! scheduler, as its own (system) user, recording the rule that closed it.
//! The background worker calls [`App::auto_close_due`] beside the SLA scan.

use crate::requests::{ActionExtras, act_in, rules_for};
use crate::{App, AppError};
use fuwu_core::CloseBasis;
use fuwu_core::lifecycle::{Action, LifecycleError};
use fuwu_store::requests as store;
use fuwu_store::sla as sla_store;
use serde_json::json;

const DAY_MS: i64 = 86_400_000;

/// The policy's rule as the history records it: which policy, after how
/// long, on which calendar.
fn rule_of(policy: &fuwu_core::sla::Policy, after_ms: i64) -> serde_json::Value {
    match &policy.auto_close {
        Some(a) => {
            json!({"policy": policy.key, "after": a.after.to_string(), "calendar": a.calendar})
        }
        None => {
            let after = if after_ms % DAY_MS == 0 {
                format!("{}d", after_ms / DAY_MS)
            } else {
                format!("{}m", after_ms / 60_000)
            };
            json!({"policy": policy.key, "after": after, "calendar": fuwu_core::calendar::TWENTY_FOUR_SEVEN})
        }
    }
}

impl App {
    /// Close every resolved request whose policy's auto-close period has
    /// passed without the customer's feedback; one transaction each.
    /// Returns how many it closed. A request that got feedback, was
    /// reopened or was closed meanwhile (another node) is left alone.
    pub async fn auto_close_due(&self) -> Result<usize, AppError> {
        let system = self.system_actor().await?;
        let mut closed = 0;
        let mut after = 0;
        loop {
            let now = self.now();
            let ids = self
                .db
                .read(move |mut c| {
                    Box::pin(async move {
                        sla_store::resolved_without_feedback(&mut c, now, after, 200).await
                    })
                })
                .await?;
            let Some(last) = ids.last() else {
                return Ok(closed);
            };
            after = *last;
            for id in ids {
                let system = system.clone();
                let done = self
                    .db
                    .write(move |mut c| {
                        Box::pin(async move {
                            let r = store::get_request(&mut c, id).await?;
                            if r.status != "resolved" || r.feedback_solved.is_some() {
                                return Ok(false);
                            }
                            let rules = rules_for(&mut c, &r).await?;
                            let resolved_at = r.resolved_at.unwrap_or(r.updated_at);
                            if now < resolved_at + rules.auto_close_after_ms {
                                return Ok(false);
                            }
                            let (_, policy) = crate::sla::policy_for(&mut c, r.contract_id).await?;
                            let extras = ActionExtras {
                                auto_close_rule: Some(rule_of(&policy, rules.auto_close_after_ms)),
                                ..Default::default()
                            };
                            let action = Action::Close {
                                basis: CloseBasis::AutoClose,
                            };
                            match act_in(&mut c, &system, id, Some(r.version), action, extras, now)
                                .await
                            {
                                Ok(_) => Ok(true),
                                // Changed meanwhile: the next pass looks again.
                                Err(
                                    AppError::StaleVersion { .. }
                                    | AppError::Lifecycle(
                                        LifecycleError::AutoCloseNotDue { .. }
                                        | LifecycleError::AutoCloseAfterFeedback
                                        | LifecycleError::InvalidTransition { .. },
                                    ),
                                ) => Ok(false),
                                Err(e) => Err(e),
                            }
                        })
                    })
                    .await?;
                if done {
                    closed += 1;
                }
            }
        }
    }
}
