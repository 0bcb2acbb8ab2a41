//! Fault levels 0–5 (seed 1.1.6; 5 is most severe) and how they follow from
//! impact × urgency (影响度及紧急度).
//!
//! Impact describes the system's condition in the words of the level table;
//! urgency moves the minor and partial cases by one level, because a small
//! fault that spreads or blocks a deadline deserves more than its breadth
//! alone says. From "system unusable" on, the condition itself decides.
//!
//! | impact \ urgency | low | medium | high |
//! |------------------|-----|--------|------|
//! | none             | 0   | 0      | 0    |
//! | minor            | 1   | 1      | 2    |
//! | partial          | 1   | 2      | 3    |
//! | unusable         | 3   | 3      | 3    |
//! | crashed          | 4   | 4      | 4    |
//! | data_damaged     | 5   | 5      | 5    |

use crate::types::text_enum;
use serde::{Deserialize, Serialize};
use std::fmt;

text_enum! {
    /// How much of the customer's system is affected.
    Impact("impact") {
        /// System fully normal; the request is not a fault.
        None => "none",
        /// Users barely affected: a program bug, one device, a failed node with standby.
        Minor => "minor",
        /// Some modules faulty; external users hardly notice.
        Partial => "partial",
        /// System unusable: primary and standby both down.
        Unusable => "unusable",
        /// System crashed, all applications down, server data intact.
        Crashed => "crashed",
        /// System crashed, all applications down, server data badly damaged.
        DataDamaged => "data_damaged",
    }
}

text_enum! {
    /// How soon the customer needs it.
    Urgency("urgency") {
        Low => "low",
        Medium => "medium",
        High => "high",
    }
}

/// A fault level 0–5. Construct with [`FaultLevel::new`]; other values cannot exist.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "u8", into = "u8")]
pub struct FaultLevel(u8);

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("fault level must be between 0 and 5, got {0}")]
pub struct InvalidFaultLevel(pub i64);

impl FaultLevel {
    pub const MAX: u8 = 5;
    /// Levels 3 and above are severe faults (严重故障).
    pub const SEVERE_FROM: FaultLevel = FaultLevel(3);

    pub fn new(value: i64) -> Result<Self, InvalidFaultLevel> {
        if (0..=Self::MAX as i64).contains(&value) {
            Ok(FaultLevel(value as u8))
        } else {
            Err(InvalidFaultLevel(value))
        }
    }

    pub const fn get(self) -> u8 {
        self.0
    }

    pub fn is_severe(self) -> bool {
        self >= Self::SEVERE_FROM
    }

    /// The level that impact × urgency gives (see the module table).
    pub const fn derive(impact: Impact, urgency: Urgency) -> FaultLevel {
        let level = match (impact, urgency) {
            (Impact::None, _) => 0,
            (Impact::Minor, Urgency::High) => 2,
            (Impact::Minor, _) => 1,
            (Impact::Partial, Urgency::Low) => 1,
            (Impact::Partial, Urgency::Medium) => 2,
            (Impact::Partial, Urgency::High) => 3,
            (Impact::Unusable, _) => 3,
            (Impact::Crashed, _) => 4,
            (Impact::DataDamaged, _) => 5,
        };
        FaultLevel(level)
    }
}

impl TryFrom<u8> for FaultLevel {
    type Error = InvalidFaultLevel;
    fn try_from(v: u8) -> Result<Self, Self::Error> {
        FaultLevel::new(v as i64)
    }
}

impl From<FaultLevel> for u8 {
    fn from(l: FaultLevel) -> u8 {
        l.0
    }
}

impl fmt::Display for FaultLevel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// The level a request carries: derived, or set by an agent with a reason.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LevelDecision {
    pub level: FaultLevel,
    /// `Some` when an agent overrode the derived level.
    pub override_reason: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LevelOverrideError {
    #[error("overriding the fault level requires a reason")]
    ReasonRequired,
}

impl LevelDecision {
    /// Decide the level: the derived one, unless `override_to` differs from it,
    /// in which case a non-blank reason is required and kept.
    pub fn decide(
        impact: Impact,
        urgency: Urgency,
        override_to: Option<FaultLevel>,
        reason: Option<&str>,
    ) -> Result<Self, LevelOverrideError> {
        let derived = FaultLevel::derive(impact, urgency);
        match override_to {
            Some(level) if level != derived => {
                let reason = reason.map(str::trim).filter(|r| !r.is_empty());
                match reason {
                    Some(r) => Ok(LevelDecision {
                        level,
                        override_reason: Some(r.to_owned()),
                    }),
                    None => Err(LevelOverrideError::ReasonRequired),
                }
            }
            _ => Ok(LevelDecision {
                level: derived,
                override_reason: None,
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lvl(n: i64) -> FaultLevel {
        FaultLevel::new(n).unwrap()
    }

    #[test]
    fn the_level_matrix_matches_the_documented_table() {
        use Impact::*;
        use Urgency::*;
        let table = [
            (None, [0, 0, 0]),
            (Minor, [1, 1, 2]),
            (Partial, [1, 2, 3]),
            (Unusable, [3, 3, 3]),
            (Crashed, [4, 4, 4]),
            (DataDamaged, [5, 5, 5]),
        ];
        for (impact, levels) in table {
            for (urgency, want) in [Low, Medium, High].into_iter().zip(levels) {
                assert_eq!(
                    FaultLevel::derive(impact, urgency),
                    lvl(want),
                    "{impact} × {urgency}"
                );
            }
        }
    }

    #[test]
    fn a_level_never_decreases_when_impact_or_urgency_grows() {
        for (i, impact) in Impact::ALL.iter().enumerate() {
            for (u, urgency) in Urgency::ALL.iter().enumerate() {
                let here = FaultLevel::derive(*impact, *urgency);
                if let Some(next) = Impact::ALL.get(i + 1) {
                    assert!(FaultLevel::derive(*next, *urgency) >= here);
                }
                if let Some(next) = Urgency::ALL.get(u + 1) {
                    assert!(FaultLevel::derive(*impact, *next) >= here);
                }
            }
        }
    }

    #[test]
    fn levels_outside_zero_to_five_are_rejected() {
        assert_eq!(FaultLevel::new(6), Err(InvalidFaultLevel(6)));
        assert_eq!(FaultLevel::new(-1), Err(InvalidFaultLevel(-1)));
        assert!(serde_json::from_str::<FaultLevel>("9").is_err());
        assert_eq!(serde_json::from_str::<FaultLevel>("5").unwrap(), lvl(5));
    }

    #[test]
    fn severe_faults_start_at_level_three() {
        assert!(!lvl(2).is_severe());
        assert!(lvl(3).is_severe());
        assert!(lvl(5).is_severe());
    }

    #[test]
    fn an_override_to_another_level_requires_a_reason() {
        let err = LevelDecision::decide(Impact::Minor, Urgency::Low, Some(lvl(3)), Some("  "))
            .unwrap_err();
        assert_eq!(err, LevelOverrideError::ReasonRequired);
        let ok = LevelDecision::decide(
            Impact::Minor,
            Urgency::Low,
            Some(lvl(3)),
            Some("政府门户首页"),
        )
        .unwrap();
        assert_eq!(ok.level, lvl(3));
        assert_eq!(ok.override_reason.as_deref(), Some("政府门户首页"));
    }

    #[test]
    fn an_override_equal_to_the_derived_level_is_no_override() {
        let d = LevelDecision::decide(Impact::Crashed, Urgency::Low, Some(lvl(4)), None).unwrap();
        assert_eq!(
            d,
            LevelDecision {
                level: lvl(4),
                override_reason: None
            }
        );
    }
}
