//! Business durations: amounts of working time, written `90m`, `2h`, `1d`,
//! `2wd` or a combination such as `1h30m` or `1wd4h`.
//!
//! Grammar: one or more `<digits><unit>` parts without spaces, units `wd`
//! (working days), `d` (24 h), `h`, `m`, each unit at most once and largest
//! first. `0m` (or `0h`, …) is zero. `d`, `h` and `m` are fixed amounts of
//! working time; `wd` depends on the calendar (its standard working day), so a
//! duration keeps the two parts apart and [`super::Calendar::duration_ms`]
//! combines them.

use serde::{Deserialize, Serialize};
use std::fmt;

/// At most a century of `d`/`h`/`m` working time…
pub const MAX_MINUTES: u32 = 100 * 366 * 24 * 60;
/// …and at most this many working days.
pub const MAX_WORKING_DAYS: u32 = 100 * 366;

/// A text that is not a business duration.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DurationError {
    #[error("an empty duration; expected e.g. 30m, 2h, 1d or 2wd")]
    Empty,
    #[error(
        "`{input}` is not a duration: expected a number at character {position} (e.g. 30m, 2h, 1d, 2wd)"
    )]
    ExpectedNumber { input: String, position: usize },
    #[error("`{input}` is not a duration: the number {number} needs a unit (m, h, d or wd)")]
    MissingUnit { input: String, number: String },
    #[error("`{input}` is not a duration: unknown unit `{unit}`; expected m, h, d or wd")]
    UnknownUnit { input: String, unit: String },
    #[error("`{input}` is not a duration: each unit may appear once, largest first (wd, d, h, m)")]
    UnitOrder { input: String },
    #[error("`{input}` is too long a duration (at most 36600 d and 36600 wd)")]
    TooLarge { input: String },
}

/// An amount of working time: working days plus minutes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct BusinessDuration {
    working_days: u32,
    minutes: u32,
}

impl BusinessDuration {
    pub const ZERO: BusinessDuration = BusinessDuration {
        working_days: 0,
        minutes: 0,
    };

    /// `working_days` working days plus `minutes`, within the limits.
    pub fn new(working_days: u32, minutes: u32) -> Option<BusinessDuration> {
        (working_days <= MAX_WORKING_DAYS && minutes <= MAX_MINUTES).then_some(BusinessDuration {
            working_days,
            minutes,
        })
    }
    /// `minutes` of working time (`d`, `h` and `m` all become minutes).
    pub fn from_minutes(minutes: u32) -> Option<BusinessDuration> {
        (minutes <= MAX_MINUTES).then_some(BusinessDuration {
            working_days: 0,
            minutes,
        })
    }
    /// `days` working days.
    pub fn from_working_days(days: u32) -> Option<BusinessDuration> {
        (days <= MAX_WORKING_DAYS).then_some(BusinessDuration {
            working_days: days,
            minutes: 0,
        })
    }
    pub const fn working_days(self) -> u32 {
        self.working_days
    }
    /// The fixed part, in minutes.
    pub const fn minutes(self) -> u32 {
        self.minutes
    }
    pub const fn is_zero(self) -> bool {
        self.working_days == 0 && self.minutes == 0
    }

    pub fn parse(input: &str) -> Result<BusinessDuration, DurationError> {
        if input.is_empty() {
            return Err(DurationError::Empty);
        }
        let owned = || input.to_owned();
        let bytes = input.as_bytes();
        let (mut i, mut rank_seen) = (0usize, 0u8);
        let (mut wd, mut minutes) = (0u64, 0u64);
        while i < bytes.len() {
            let digits_start = i;
            while i < bytes.len() && bytes[i].is_ascii_digit() {
                i += 1;
            }
            if i == digits_start {
                return Err(DurationError::ExpectedNumber {
                    input: owned(),
                    position: input[..i].chars().count() + 1,
                });
            }
            let number = &input[digits_start..i];
            let unit_start = i;
            // The unit is everything up to the next digit (digits are ASCII, so
            // this cuts at a character boundary).
            while i < bytes.len() && !bytes[i].is_ascii_digit() {
                i += 1;
            }
            let unit = &input[unit_start..i];
            if unit.is_empty() {
                return Err(DurationError::MissingUnit {
                    input: owned(),
                    number: number.to_owned(),
                });
            }
            // Rank: wd=1, d=2, h=3, m=4; must strictly increase.
            let (rank, per_unit) = match unit {
                "wd" => (1u8, 0u64),
                "d" => (2, 24 * 60),
                "h" => (3, 60),
                "m" => (4, 1),
                _ => {
                    return Err(DurationError::UnknownUnit {
                        input: owned(),
                        unit: unit.to_owned(),
                    });
                }
            };
            if rank <= rank_seen {
                return Err(DurationError::UnitOrder { input: owned() });
            }
            rank_seen = rank;
            let too_large = || DurationError::TooLarge { input: owned() };
            let n: u64 = number.parse().map_err(|_| too_large())?;
            if rank == 1 {
                wd = n;
            } else {
                minutes = n
                    .checked_mul(per_unit)
                    .and_then(|m| m.checked_add(minutes))
                    .ok_or_else(too_large)?;
            }
            if wd > u64::from(MAX_WORKING_DAYS) || minutes > u64::from(MAX_MINUTES) {
                return Err(too_large());
            }
        }
        Ok(BusinessDuration {
            working_days: wd as u32,
            minutes: minutes as u32,
        })
    }
}

/// The canonical spelling: `0m` for zero, else the non-zero parts among
/// `wd`, `d`, `h`, `m`, largest first (`90m` prints as `1h30m`).
impl fmt::Display for BusinessDuration {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.is_zero() {
            return f.write_str("0m");
        }
        if self.working_days > 0 {
            write!(f, "{}wd", self.working_days)?;
        }
        let (d, h, m) = (
            self.minutes / 1440,
            self.minutes % 1440 / 60,
            self.minutes % 60,
        );
        for (n, unit) in [(d, "d"), (h, "h"), (m, "m")] {
            if n > 0 {
                write!(f, "{n}{unit}")?;
            }
        }
        Ok(())
    }
}

impl std::str::FromStr for BusinessDuration {
    type Err = DurationError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        BusinessDuration::parse(s)
    }
}

impl TryFrom<String> for BusinessDuration {
    type Error = DurationError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        BusinessDuration::parse(&s)
    }
}

impl From<BusinessDuration> for String {
    fn from(d: BusinessDuration) -> String {
        d.to_string()
    }
}
