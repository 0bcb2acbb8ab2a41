//! Small closed vocabularies of the domain. Each is stored as text in the
//! database and sent as the same text in the API, so `as_str` and `FromStr`
//! are the single source of the spelling.

use serde::{Deserialize, Serialize};

/// A value that is not one of an enum's spellings.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{value}` is not a valid {kind}; expected one of: {expected}")]
pub struct UnknownValue {
    pub kind: &'static str,
    pub value: String,
    pub expected: &'static str,
}

macro_rules! text_enum {
    ($(#[$meta:meta])* $name:ident ($kind:literal) { $($(#[$vmeta:meta])* $variant:ident => $text:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, ::serde::Serialize, ::serde::Deserialize)]
        pub enum $name {
            $($(#[$vmeta])* #[serde(rename = $text)] $variant),+
        }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];
            pub const EXPECTED: &'static str = concat!($($text, " "),+);

            pub const fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text),+ }
            }
        }

        impl ::std::str::FromStr for $name {
            type Err = $crate::types::UnknownValue;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                match s {
                    $($text => Ok($name::$variant),)+
                    _ => Err($crate::types::UnknownValue { kind: $kind, value: s.to_owned(), expected: $name::EXPECTED.trim_end() }),
                }
            }
        }

        impl ::std::fmt::Display for $name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}
pub(crate) use text_enum;

text_enum! {
    /// Who a user is to the service desk (SPEC §1). `System` is the scheduler
    /// acting on a recorded rule (auto-close), never a person.
    Role("role") {
        CustomerUser => "customer_user",
        CustomerAdmin => "customer_admin",
        Agent => "agent",
        Engineer => "engineer",
        ThirdParty => "third_party",
        ProjectLeader => "project_leader",
        Admin => "admin",
        System => "system",
    }
}

impl Role {
    /// Customers belong to an organization and see only its requests.
    pub const fn is_customer(self) -> bool {
        matches!(self, Role::CustomerUser | Role::CustomerAdmin)
    }
    /// Staff of the service provider (not customers, not third parties).
    pub const fn is_staff(self) -> bool {
        matches!(
            self,
            Role::Agent | Role::Engineer | Role::ProjectLeader | Role::Admin | Role::System
        )
    }
}

text_enum! {
    /// How a request reached us.
    Channel("channel") {
        Phone => "phone",
        Web => "web",
        Email => "email",
        Onsite => "onsite",
        Api => "api",
        Monitoring => "monitoring",
    }
}

text_enum! {
    /// What kind of request (SPEC §3).
    Category("category") {
        Consultation => "consultation",
        Fault => "fault",
        ChangeRequest => "change_request",
        Training => "training",
        Inspection => "inspection",
        HealthCheck => "health_check",
        Backup => "backup",
        Other => "other",
    }
}

text_enum! {
    /// Which line of support holds the request.
    Tier("tier") {
        L1 => "l1",
        L2 => "l2",
        ThirdParty => "third_party",
    }
}

text_enum! {
    /// Lifecycle state (SPEC §6); see [`crate::lifecycle`] for the diagram.
    Status("status") {
        New => "new",
        Acknowledged => "acknowledged",
        Assigned => "assigned",
        InProgress => "in_progress",
        Pending => "pending",
        Resolved => "resolved",
        Reopened => "reopened",
        Closed => "closed",
        Cancelled => "cancelled",
    }
}

impl Status {
    /// No further transition is possible.
    pub const fn is_terminal(self) -> bool {
        matches!(self, Status::Closed | Status::Cancelled)
    }
    /// Still needs work from the service team.
    pub const fn is_open(self) -> bool {
        !matches!(self, Status::Resolved | Status::Closed | Status::Cancelled)
    }
}

text_enum! {
    /// Where in the handling flow an in-progress request is (seed 1.1.8.5).
    Stage("stage") {
        Collecting => "collecting",
        Analysing => "analysing",
        Planning => "planning",
        Implementing => "implementing",
    }
}

text_enum! {
    /// Whom a pending request waits for.
    WaitingFor("waiting_for") {
        Customer => "customer",
        ThirdParty => "third_party",
    }
}

text_enum! {
    /// How the engineer answers a request (seed 1.1.7 响应方式).
    ResponseMode("response_mode") {
        Remote => "remote",
        Phone => "phone",
        Onsite => "onsite",
    }
}

text_enum! {
    /// Whether a message is shown to the customer.
    Visibility("visibility") {
        Public => "public",
        Internal => "internal",
    }
}

text_enum! {
    /// Why a request was closed.
    CloseBasis("close_basis") {
        /// The customer confirmed the resolution as solved.
        Confirmed => "confirmed",
        /// No feedback within the policy's auto-close period.
        AutoClose => "auto_close",
    }
}

/// An instant, as Unix milliseconds in UTC. The core never reads a clock:
/// callers pass "now".
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Timestamp(pub i64);

/// RFC 3339 in UTC (`2026-12-08T05:37:33.762Z`): a time people can read in
/// a message. The core knows no viewer; the web layer shows such instants
/// in the viewer's zone.
impl std::fmt::Display for Timestamp {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match jiff::Timestamp::from_millisecond(self.0) {
            Ok(t) => write!(f, "{t}"),
            Err(_) => write!(f, "{} ms after 1970-01-01T00:00:00Z", self.0),
        }
    }
}

impl Timestamp {
    pub const fn from_millis(ms: i64) -> Self {
        Timestamp(ms)
    }
    pub const fn as_millis(self) -> i64 {
        self.0
    }
    pub const fn plus_millis(self, ms: i64) -> Self {
        Timestamp(self.0 + ms)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_instant_reads_as_rfc_3339_in_utc() {
        assert_eq!(
            Timestamp(1_796_921_853_762).to_string(),
            "2026-12-10T16:57:33.762Z"
        );
        assert_eq!(Timestamp(0).to_string(), "1970-01-01T00:00:00Z");
    }

    #[test]
    fn every_enum_spelling_round_trips_through_from_str_and_serde() {
        for s in Status::ALL {
            assert_eq!(s.as_str().parse::<Status>().unwrap(), *s);
            let json = serde_json::to_string(s).unwrap();
            assert_eq!(json, format!("\"{}\"", s.as_str()));
        }
        for c in Category::ALL {
            assert_eq!(c.as_str().parse::<Category>().unwrap(), *c);
        }
        for r in Role::ALL {
            assert_eq!(r.as_str().parse::<Role>().unwrap(), *r);
        }
    }

    #[test]
    fn an_unknown_spelling_names_the_kind_and_the_choices() {
        let err = "open".parse::<Status>().unwrap_err();
        assert_eq!(err.kind, "status");
        assert!(err.to_string().contains("in_progress"), "{err}");
    }
}
