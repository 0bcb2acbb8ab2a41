//! The SLA engine's use cases, in four parts:
//!
//! - [`terms`]: which policy (and through it which calendars) a request
//!   runs under, the policies themselves (read by staff, written by
//!   administrators, audited) and their cache;
//! - [`clocks`]: a request's clocks, computed by the pure
//!   `fuwu_core::sla::clock::compute` from its history and stored in the
//!   same transaction as each change, and replayed for the API;
//! - [`scanner`]: the scan that handles due warnings, breaches and notices
//!   exactly once, and the notifications it leaves;
//! - [`attainment`]: how each target was kept over a period.
//!
//! Which policy: the request's contract's policy; without a contract, or a
//! contract without a policy, the default policy `levels-0-5`
//! ([`DEFAULT_POLICY`]). The calendars' own use cases are in
//! [`crate::calendars`].

mod attainment;
mod clocks;
mod scanner;
mod terms;

pub use crate::calendars::{CalendarInput, CalendarView};
pub use attainment::Attainment;
pub use clocks::{ClockView, EarlierStop, Recompute, RequestClocks};
pub(crate) use clocks::{initial_rows, refresh_clocks};
pub use scanner::ScanProblem;
pub(crate) use scanner::settle_past_thresholds;
pub use terms::{DEFAULT_POLICY, PolicyInput};
pub(crate) use terms::{PolicyCache, policy_for};
