//! Fuwu's domain. Pure: no async runtime, no database, no clock reads — every
//! rule that needs "now" takes it as a [`Timestamp`] parameter.

pub mod calendar;
pub mod level;
pub mod lifecycle;
pub mod report;
pub mod search;
pub mod sla;
pub mod text;
pub mod types;

pub use level::{FaultLevel, Impact, Urgency};
pub use text::{Email, NonEmpty, PhoneNumber, TextError, Title};
pub use types::*;
