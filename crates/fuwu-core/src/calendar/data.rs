//! The holiday data format (`data/holidays-cn-mainland.txt`): a small, pure
//! line parser. The file's header comment documents the format.

use super::{DayKind, SpecialDay};
use crate::types::UnknownValue;
use jiff::civil::Date;
use std::collections::{BTreeMap, BTreeSet};

/// Mainland China's public holidays and adjusted working days, 2020–2026, as
/// announced by the State Council; the source of the `cn-mainland` preset.
pub const CN_MAINLAND_DATA: &str = include_str!("../../data/holidays-cn-mainland.txt");

/// Parsed holiday data: the years it covers and its dates.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HolidayData {
    pub years: BTreeSet<i16>,
    pub days: BTreeMap<Date, SpecialDay>,
}

/// A line of holiday data that cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("line {line}: {kind}")]
pub struct DataError {
    /// 1-based.
    pub line: usize,
    pub kind: DataErrorKind,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DataErrorKind {
    #[error("`{text}` is neither `year YYYY` nor `YYYY-MM-DD holiday|workday NAME`")]
    Malformed { text: String },
    #[error("`{text}` is not a year")]
    BadYear { text: String },
    #[error("year {year} is declared twice")]
    DuplicateYear { year: i16 },
    #[error("`{text}` is not a date YYYY-MM-DD")]
    BadDate { text: String },
    #[error(transparent)]
    UnknownKind(UnknownValue),
    #[error("{date} needs the name of its festival")]
    MissingName { date: Date },
    #[error("{date} is listed twice (first on line {first_line})")]
    DuplicateDate { date: Date, first_line: usize },
    #[error("{date} is not in a declared year; add a `year {year}` line")]
    UndeclaredYear { date: Date, year: i16 },
}

/// Parses `YYYY-MM-DD` strictly.
pub(super) fn parse_iso_date(text: &str) -> Option<Date> {
    let b = text.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let num = |s: &str| -> Option<i64> {
        s.bytes()
            .all(|c| c.is_ascii_digit())
            .then(|| s.parse().ok())
            .flatten()
    };
    let (y, m, d) = (num(&text[0..4])?, num(&text[5..7])?, num(&text[8..10])?);
    Date::new(y as i16, m as i8, d as i8).ok()
}

/// Parses holiday data (format: see the header of [`super::CN_MAINLAND_DATA`]).
pub fn parse_holiday_data(text: &str) -> Result<HolidayData, DataError> {
    let mut data = HolidayData::default();
    let mut lines_of: BTreeMap<Date, usize> = BTreeMap::new();
    for (index, raw) in text.lines().enumerate() {
        let line = index + 1;
        let err = |kind| DataError { line, kind };
        let content = raw.split('#').next().unwrap_or("").trim();
        if content.is_empty() {
            continue;
        }
        let (first, rest) = content
            .split_once(char::is_whitespace)
            .map_or((content, ""), |(a, b)| (a, b.trim()));
        if first == "year" {
            let year: i16 = rest
                .parse()
                .ok()
                .filter(|y| (1..=9999).contains(y))
                .ok_or_else(|| {
                    err(DataErrorKind::BadYear {
                        text: rest.to_owned(),
                    })
                })?;
            if !data.years.insert(year) {
                return Err(err(DataErrorKind::DuplicateYear { year }));
            }
            continue;
        }
        if !first.starts_with(|c: char| c.is_ascii_digit()) {
            return Err(err(DataErrorKind::Malformed {
                text: content.to_owned(),
            }));
        }
        let date = parse_iso_date(first).ok_or_else(|| {
            err(DataErrorKind::BadDate {
                text: first.to_owned(),
            })
        })?;
        let (kind, name) = rest
            .split_once(char::is_whitespace)
            .map_or((rest, ""), |(a, b)| (a, b.trim()));
        if kind.is_empty() {
            return Err(err(DataErrorKind::Malformed {
                text: content.to_owned(),
            }));
        }
        let kind: DayKind = kind
            .parse()
            .map_err(|e| err(DataErrorKind::UnknownKind(e)))?;
        if name.is_empty() {
            return Err(err(DataErrorKind::MissingName { date }));
        }
        if let Some(first_line) = lines_of.insert(date, line) {
            return Err(err(DataErrorKind::DuplicateDate { date, first_line }));
        }
        data.days.insert(
            date,
            SpecialDay {
                kind,
                name: name.to_owned(),
            },
        );
    }
    for (date, line) in &lines_of {
        let year = date.year();
        let in_declared =
            data.years.contains(&year) || (date.month() == 12 && data.years.contains(&(year + 1)));
        if !in_declared {
            return Err(DataError {
                line: *line,
                kind: DataErrorKind::UndeclaredYear { date: *date, year },
            });
        }
    }
    Ok(data)
}
