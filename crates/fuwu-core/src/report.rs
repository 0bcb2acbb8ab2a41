//! Fault reports (故障报告, SPEC §7) as a pure state machine.
//!
//! ```text
//!   draft ──submit_review──► in_review ──approve──► approved ──deliver──► delivered
//!     ▲  (edit)                 │
//!     │                         │ return (with a comment)
//!  returned ◄───────────────────┘
//!     │ (edit)
//!     └────────submit_review──► in_review
//! ```
//!
//! Only a draft or a returned report is edited; an approved one goes to the
//! customer as it was approved. Delivering is the fault report's clock event
//! (`report_submitted`): the report target runs from the resolution to here.

use crate::types::text_enum;

text_enum! {
    /// Where a fault report stands.
    ReportStatus("fault report status") {
        /// Being written by the engineer (L2).
        Draft => "draft",
        /// Waiting for the project leader's (or an administrator's) review.
        InReview => "in_review",
        /// Sent back by the reviewer with a comment; edited like a draft.
        Returned => "returned",
        /// Approved; ready to go to the customer.
        Approved => "approved",
        /// Submitted to the customer, who can read it from now on.
        Delivered => "delivered",
    }
}

text_enum! {
    /// What can be done to a fault report.
    ReportAction("fault report action") {
        Edit => "edit",
        SubmitReview => "submit_review",
        Approve => "approve",
        Return => "return",
        Deliver => "deliver",
    }
}

/// An action the report's status does not allow.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("a fault report that is {from} cannot {action}")]
pub struct ReportTransitionError {
    pub from: ReportStatus,
    pub action: ReportAction,
}

impl ReportStatus {
    /// Whether the customer may read the report.
    pub const fn is_delivered(self) -> bool {
        matches!(self, ReportStatus::Delivered)
    }
}

/// The status after `action`, or why it is not possible now.
pub fn next(
    from: ReportStatus,
    action: ReportAction,
) -> Result<ReportStatus, ReportTransitionError> {
    use ReportAction as A;
    use ReportStatus as S;
    match (from, action) {
        (S::Draft | S::Returned, A::Edit) => Ok(from),
        (S::Draft | S::Returned, A::SubmitReview) => Ok(S::InReview),
        (S::InReview, A::Approve) => Ok(S::Approved),
        (S::InReview, A::Return) => Ok(S::Returned),
        (S::Approved, A::Deliver) => Ok(S::Delivered),
        _ => Err(ReportTransitionError { from, action }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ReportAction as A;
    use ReportStatus as S;

    #[test]
    fn a_report_goes_from_draft_through_review_to_the_customer() {
        let mut s = S::Draft;
        for a in [A::Edit, A::SubmitReview, A::Approve, A::Deliver] {
            s = next(s, a).unwrap();
        }
        assert_eq!(s, S::Delivered);
    }

    #[test]
    fn a_returned_report_is_edited_and_submitted_again() {
        let s = next(S::InReview, A::Return).unwrap();
        assert_eq!(s, S::Returned);
        assert_eq!(next(s, A::Edit), Ok(S::Returned));
        assert_eq!(next(s, A::SubmitReview), Ok(S::InReview));
    }

    #[test]
    fn only_drafts_and_returned_reports_are_edited_and_only_approved_ones_delivered() {
        for s in S::ALL {
            let editable = matches!(s, S::Draft | S::Returned);
            assert_eq!(next(*s, A::Edit).is_ok(), editable, "{s}");
            assert_eq!(next(*s, A::Deliver).is_ok(), *s == S::Approved, "{s}");
        }
        assert_eq!(
            next(S::Delivered, A::Approve),
            Err(ReportTransitionError {
                from: S::Delivered,
                action: A::Approve
            })
        );
    }
}
