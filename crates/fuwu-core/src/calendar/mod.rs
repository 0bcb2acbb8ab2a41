//! Calendars (SPEC §5): when work happens, and arithmetic on amounts of
//! working time.
//!
//! A [`Calendar`] is a time zone, the working [`Window`]s of each weekday (several
//! per day, e.g. around a lunch break), holidays (dates not worked) and adjusted
//! working days (调休: dates worked although their weekday has no windows; they
//! are worked with the calendar's *standard day* windows). Its data lives in a
//! serialisable [`CalendarSpec`]; the caller resolves the IANA time zone name at
//! the edge (`TimeZone::get(&spec.time_zone)`) and hands it in — the core never
//! reads the system's time zone database, nor a clock.
//!
//! # Semantics
//!
//! - Windows are half-open, `[start, end)` in local wall-clock time: at 12:00
//!   the 09:00–12:00 window is over, at 13:30 the next one has begun.
//! - [`BusinessDuration`]s are amounts of working time: `m` minutes, `h` hours,
//!   `d` 24 hours, `wd` working days of the calendar's standard-day length
//!   (7.5 h in `cn-mainland`, 24 h in `24x7`).
//! - [`Calendar::deadline`]`(start, d)` is the earliest instant at which the
//!   working time elapsed since `start` equals `d`. A start outside working
//!   time starts the clock at the next working instant; a deadline exactly at a
//!   window's end is that end (17:00 + 1h = 18:00 the same day in
//!   `cn-mainland`); a zero duration gives `start` if it is inside working time,
//!   else the next working instant.
//! - [`Calendar::working_time_between`] measures the same working time, so
//!   `working_time_between(s, deadline(s, d)) == d`.
//! - Time zones with offset changes (daylight saving time): a window covers the
//!   real time from the first instant the wall clock shows (or jumps past) its
//!   start to the last instant it shows (or jumps past) its end. A window inside
//!   a skipped hour is empty; a repeated hour inside a window is worked twice,
//!   as real time.
//! - A calendar may know holiday data only for some years (`cn-mainland`: the
//!   years of the State Council's announcements shipped with Fuwu or entered
//!   by administrators). Another year is *provisional*: it is worked by the
//!   calendar's [`ProvisionalRule`] (`cn-mainland`: the weekly windows minus
//!   the statutory holidays the law fixes, see [`cn_statutory_days`]; other
//!   calendars: the weekly windows), never an error, and never silently:
//!   [`Calendar::provisional_years_between`] tells an answer which provisional
//!   years it relied on.
//!
//! The engine walks window by window and skips whole ordinary weeks (no special
//! day, no offset change), so a deadline of 10 `wd` costs a few dozen window
//! conversions, not a minute-by-minute scan.

mod data;
mod duration;
mod ical;
mod statutory;
mod walk;
mod windows;

#[cfg(test)]
mod props;
#[cfg(test)]
mod provisional_tests;
#[cfg(test)]
mod tests;

pub use data::{CN_MAINLAND_DATA, DataError, DataErrorKind, HolidayData, parse_holiday_data};
pub use duration::{BusinessDuration, DurationError, MAX_MINUTES, MAX_WORKING_DAYS};
pub use ical::{ICalError, ICalErrorKind, ICalImport, parse_icalendar, to_icalendar};
pub use statutory::{STATUTORY_YEARS, cn_statutory_days};
pub use windows::{DayWindows, MINUTES_PER_DAY, Week, Window, WindowError};

use crate::types::{Timestamp, text_enum};
use jiff::civil::Date;
use jiff::tz::TimeZone;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

/// The preset calendar in which all time is working time.
pub const TWENTY_FOUR_SEVEN: &str = "24x7";
/// The preset calendar of mainland China's working days.
pub const CN_MAINLAND: &str = "cn-mainland";
/// The IANA time zone of [`CN_MAINLAND`], for callers to resolve.
pub const CN_MAINLAND_TIME_ZONE: &str = "Asia/Shanghai";
/// The names of the shipped presets.
pub const PRESETS: [&str; 2] = [TWENTY_FOUR_SEVEN, CN_MAINLAND];

text_enum! {
    /// What a special date is.
    DayKind("day kind") {
        /// Not worked, whatever its weekday.
        Holiday => "holiday",
        /// Worked with the standard day's windows, whatever its weekday (调休).
        Workday => "workday",
    }
}

text_enum! {
    /// How a calendar works a year it has no holiday data for.
    #[derive(Default)]
    ProvisionalRule("provisional rule") {
        /// The weekly windows, no holidays.
        #[default]
        Weekly => "weekly",
        /// The weekly windows minus mainland China's statutory holidays, with
        /// the law's make-up rest days ([`cn_statutory_days`]).
        CnStatutory => "cn_statutory",
    }
}

/// A holiday or an adjusted working day, with the festival it belongs to.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct SpecialDay {
    pub kind: DayKind,
    pub name: String,
}

/// One special date, as listed by [`Calendar::year_days`].
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct DayEntry {
    pub date: Date,
    pub kind: DayKind,
    pub name: String,
}

/// A calendar's data, as stored, edited by admins and exchanged. Turn it into
/// a working [`Calendar`] with [`Calendar::new`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CalendarSpec {
    pub name: String,
    /// IANA time zone name, e.g. `Asia/Shanghai`.
    pub time_zone: String,
    pub week: Week,
    /// The windows of an adjusted working day; their length is one `wd`.
    pub standard_day: DayWindows,
    /// The years whose holidays are known. `None`: the listed days are all
    /// there are, in every year (custom calendars, `24x7`). `Some`: another
    /// year is provisional, worked by `provisional`.
    pub data_years: Option<BTreeSet<i16>>,
    /// How a provisional year is worked.
    #[serde(default)]
    pub provisional: ProvisionalRule,
    /// Holidays and adjusted working days; one kind per date.
    pub days: BTreeMap<Date, SpecialDay>,
}

impl CalendarSpec {
    /// `24x7`: every instant is working time; UTC; `wd` = 24 h.
    pub fn twenty_four_seven() -> CalendarSpec {
        CalendarSpec {
            name: TWENTY_FOUR_SEVEN.to_owned(),
            time_zone: "UTC".to_owned(),
            week: Week::every_day(DayWindows::all_day()),
            standard_day: DayWindows::all_day(),
            data_years: None,
            provisional: ProvisionalRule::Weekly,
            days: BTreeMap::new(),
        }
    }

    /// `cn-mainland`: Asia/Shanghai, Monday to Friday 09:00–12:00 and
    /// 13:30–18:00, plus adjusted working days, minus public holidays, from the
    /// shipped State Council data ([`CN_MAINLAND_DATA`]).
    pub fn cn_mainland() -> CalendarSpec {
        let data = parse_holiday_data(CN_MAINLAND_DATA)
            .expect("the shipped holiday data parses (a unit test checks it)");
        let day = DayWindows::parse("09:00-12:00,13:30-18:00").expect("a valid literal");
        CalendarSpec {
            name: CN_MAINLAND.to_owned(),
            time_zone: CN_MAINLAND_TIME_ZONE.to_owned(),
            week: Week::monday_to_friday(day.clone()),
            standard_day: day,
            data_years: Some(data.years),
            provisional: ProvisionalRule::CnStatutory,
            days: data.days,
        }
    }

    /// A shipped preset by name ([`PRESETS`]).
    pub fn preset(name: &str) -> Option<CalendarSpec> {
        match name {
            TWENTY_FOUR_SEVEN => Some(CalendarSpec::twenty_four_seven()),
            CN_MAINLAND => Some(CalendarSpec::cn_mainland()),
            _ => None,
        }
    }

    /// Adds a year's (or several years') data: its days replace those of the
    /// same dates, and its years become known (unless every year already is).
    pub fn merge_holiday_data(&mut self, data: HolidayData) {
        if let Some(years) = &mut self.data_years {
            years.extend(data.years);
        }
        self.days.extend(data.days);
    }

    /// Sets `year`'s holidays and adjusted working days to `days` (dates of
    /// other years are ignored) and makes the year known: entering a year's
    /// data makes it official.
    pub fn set_year(&mut self, year: i16, days: impl IntoIterator<Item = (Date, SpecialDay)>) {
        self.days.retain(|d, _| d.year() != year);
        self.days
            .extend(days.into_iter().filter(|(d, _)| d.year() == year));
        if let Some(years) = &mut self.data_years {
            years.insert(year);
        }
    }

    /// Lays `overlay`'s years over this calendar: each year it declares
    /// replaces this calendar's days of that year ([`CalendarSpec::set_year`]).
    /// How administrators' years extend or correct a built-in calendar.
    pub fn overlay_years(&mut self, overlay: &CalendarSpec) {
        for year in overlay.data_years.iter().flatten() {
            let days = overlay
                .days
                .iter()
                .filter(|(d, _)| d.year() == *year)
                .map(|(d, x)| (*d, x.clone()));
            self.set_year(*year, days.collect::<Vec<_>>());
        }
    }

    /// Whether `year` is provisional: the calendar declares data years and
    /// `year` is not one of them.
    pub fn is_provisional(&self, year: i16) -> bool {
        self.data_years
            .as_ref()
            .is_some_and(|years| !years.contains(&year))
    }
}

/// Why a calendar cannot answer.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CalendarError {
    #[error("calendar `{calendar}` has no working time after {}", show_instant(*after))]
    NoWorkingTime { calendar: String, after: Timestamp },
    #[error("calendar `{calendar}`: {} is outside the supported years -9999 to 9999", show_instant(*at))]
    OutOfRange { calendar: String, at: Timestamp },
    #[error("calendar `{calendar}`: a negative amount of working time ({ms} ms) has no deadline")]
    NegativeAmount { calendar: String, ms: i64 },
    #[error("calendar `{calendar}` needs a standard working day with at least one window")]
    EmptyStandardDay { calendar: String },
    #[error("calendar `{calendar}` is in time zone `{expected}`, but `{given}` was handed in")]
    TimeZoneMismatch {
        calendar: String,
        expected: String,
        given: String,
    },
}

/// `2020–2026` or `2020, 2022–2023`; `none` when empty.
pub fn years_text(years: &[i16]) -> String {
    let mut parts: Vec<String> = Vec::new();
    let mut i = 0;
    while i < years.len() {
        let mut j = i;
        while j + 1 < years.len() && years[j + 1] == years[j] + 1 {
            j += 1;
        }
        parts.push(if i == j {
            years[i].to_string()
        } else {
            format!("{}–{}", years[i], years[j])
        });
        i = j + 1;
    }
    if parts.is_empty() {
        "none".to_owned()
    } else {
        parts.join(", ")
    }
}

/// An instant in UTC for messages; the raw milliseconds if out of range.
fn show_instant(t: Timestamp) -> String {
    match jiff::Timestamp::from_millisecond(t.0) {
        Ok(ts) => ts.to_string(),
        Err(_) => format!("{} ms", t.0),
    }
}

/// A text that is not an RFC 3339 instant with an offset.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{text}` is not an RFC 3339 instant such as 2025-09-30T17:00:00+08:00")]
pub struct InvalidInstant {
    pub text: String,
}

/// Parses an RFC 3339 instant with an offset or `Z` (sub-millisecond digits are
/// dropped).
pub fn parse_rfc3339(text: &str) -> Result<Timestamp, InvalidInstant> {
    text.trim()
        .parse::<jiff::Timestamp>()
        .map(|ts| Timestamp(ts.as_millisecond()))
        .map_err(|_| InvalidInstant {
            text: text.to_owned(),
        })
}

/// A calendar ready to compute: its [`CalendarSpec`] and the resolved time zone.
#[derive(Debug, Clone)]
pub struct Calendar {
    spec: CalendarSpec,
    tz: TimeZone,
    /// The provisional rule's days of the years next to the known ones,
    /// looked up without the process-wide memo's lock (most deadlines that
    /// touch a provisional year touch one of these).
    near: Vec<(i16, statutory::YearDays)>,
    /// Working time of an ordinary week (no special days, no offset change).
    week_ms: i64,
    working_day_ms: i64,
}

static NO_WINDOWS: DayWindows = DayWindows::NONE;

/// Provisional years kept at hand on each side of the known ones.
const NEAR_YEARS: i16 = 3;

impl Calendar {
    /// Checks the spec and binds it to its time zone. `tz` must be the zone
    /// named by `spec.time_zone` (checked when `tz` carries an IANA name).
    pub fn new(spec: CalendarSpec, tz: TimeZone) -> Result<Calendar, CalendarError> {
        if spec.standard_day.is_empty() {
            return Err(CalendarError::EmptyStandardDay {
                calendar: spec.name.clone(),
            });
        }
        if let Some(given) = tz.iana_name()
            && given != spec.time_zone
        {
            return Err(CalendarError::TimeZoneMismatch {
                calendar: spec.name.clone(),
                expected: spec.time_zone.clone(),
                given: given.to_owned(),
            });
        }
        let near = match (&spec.data_years, spec.provisional) {
            (Some(years), ProvisionalRule::CnStatutory) => {
                let (first, last) = (years.first().copied(), years.last().copied());
                let around = first.zip(last).map_or(Vec::new(), |(first, last)| {
                    (first.saturating_sub(NEAR_YEARS)..first)
                        .chain(last.saturating_add(1)..=last.saturating_add(NEAR_YEARS))
                        .collect()
                });
                around
                    .into_iter()
                    .chain((first.unwrap_or(0)..=last.unwrap_or(-1)).filter(|y| !years.contains(y)))
                    .map(|y| (y, statutory::cn_statutory_cached(y)))
                    .collect()
            }
            _ => Vec::new(),
        };
        Ok(Calendar {
            week_ms: i64::from(spec.week.minutes()) * 60_000,
            working_day_ms: i64::from(spec.standard_day.minutes()) * 60_000,
            near,
            spec,
            tz,
        })
    }

    /// The `24x7` preset, in UTC.
    pub fn twenty_four_seven() -> Calendar {
        Calendar::new(CalendarSpec::twenty_four_seven(), TimeZone::UTC)
            .expect("the 24x7 preset is valid")
    }

    /// The `cn-mainland` preset; `tz` is `Asia/Shanghai` as resolved by the
    /// caller (`TimeZone::get(CN_MAINLAND_TIME_ZONE)`).
    pub fn cn_mainland(tz: TimeZone) -> Result<Calendar, CalendarError> {
        Calendar::new(CalendarSpec::cn_mainland(), tz)
    }

    pub fn name(&self) -> &str {
        &self.spec.name
    }
    pub fn spec(&self) -> &CalendarSpec {
        &self.spec
    }
    pub fn into_spec(self) -> CalendarSpec {
        self.spec
    }
    pub fn time_zone(&self) -> &TimeZone {
        &self.tz
    }
    /// The length of one `wd`: the standard day's windows, in milliseconds.
    pub fn working_day_ms(&self) -> i64 {
        self.working_day_ms
    }
    /// The working time `d` stands for in this calendar, in milliseconds.
    pub fn duration_ms(&self, d: BusinessDuration) -> i64 {
        i64::from(d.working_days()) * self.working_day_ms + i64::from(d.minutes()) * 60_000
    }

    /// Whether holidays of `year` are known (not provisional).
    pub fn knows_year(&self, year: i16) -> bool {
        !self.spec.is_provisional(year)
    }

    /// Whether `year` is provisional (see [`CalendarSpec::is_provisional`]).
    pub fn is_provisional(&self, year: i16) -> bool {
        self.spec.is_provisional(year)
    }

    /// The provisional years of the local dates from `from` to `to` (either
    /// order): those an answer about that span relied on. Empty for a
    /// calendar without data years.
    pub fn provisional_years_between(&self, from: Timestamp, to: Timestamp) -> Vec<i16> {
        if self.spec.data_years.is_none() {
            return Vec::new();
        }
        let (a, b) = if from <= to { (from, to) } else { (to, from) };
        let year = |t: Timestamp| {
            jiff::Timestamp::from_millisecond(t.0)
                .ok()
                .map(|ts| self.tz.to_datetime(ts).year())
        };
        let (Some(first), Some(last)) = (year(a), year(b)) else {
            return Vec::new();
        };
        (first..=last).filter(|y| self.is_provisional(*y)).collect()
    }

    /// The statutory days of a provisional `year` under this calendar's
    /// rule; `None` when the year is known or the rule adds none.
    fn provisional_days(&self, year: i16) -> Option<statutory::YearDays> {
        if self.spec.provisional != ProvisionalRule::CnStatutory || !self.is_provisional(year) {
            return None;
        }
        Some(match self.near.iter().find(|(y, _)| *y == year) {
            Some((_, days)) => days.clone(),
            None => statutory::cn_statutory_cached(year),
        })
    }

    /// The holiday or adjusted working day on `date`, if any: the calendar's
    /// own days, then, in a provisional year, its rule's.
    pub fn special_day(&self, date: Date) -> Option<SpecialDay> {
        if let Some(day) = self.spec.days.get(&date) {
            return Some(day.clone());
        }
        self.provisional_days(date.year())?.get(&date).cloned()
    }

    fn special_kind(&self, date: Date) -> Option<DayKind> {
        if let Some(day) = self.spec.days.get(&date) {
            return Some(day.kind);
        }
        self.provisional_days(date.year())?
            .get(&date)
            .map(|d| d.kind)
    }

    /// Whether any day in `[first, after)` is special (the calendar's own or,
    /// in a provisional year, its rule's).
    pub(super) fn has_special_in(&self, first: Date, after: Date) -> bool {
        if self.spec.days.range(first..after).next().is_some() {
            return true;
        }
        let mut year = first.year();
        while year <= after.year() {
            if let Some(days) = self.provisional_days(year)
                && days.range(first..after).next().is_some()
            {
                return true;
            }
            year += 1;
        }
        false
    }

    /// The windows worked on `date` (local civil date).
    pub fn windows_on(&self, date: Date) -> &DayWindows {
        self.windows_unchecked(date)
    }

    pub(super) fn windows_unchecked(&self, date: Date) -> &DayWindows {
        match self.special_kind(date) {
            Some(DayKind::Holiday) => &NO_WINDOWS,
            Some(DayKind::Workday) => &self.spec.standard_day,
            None => self.spec.week.get(date.weekday()),
        }
    }

    /// The holidays and adjusted working days of `year`, in date order (for
    /// `fuwu calendar show` and the admin year view); in a provisional year,
    /// those its rule gives ([`Calendar::is_provisional`] says which).
    pub fn year_days(&self, year: i16) -> Vec<DayEntry> {
        let (Ok(first), Ok(last)) = (Date::new(year, 1, 1), Date::new(year, 12, 31)) else {
            // Beyond the civil range -9999..=9999: nothing can be listed there.
            return Vec::new();
        };
        let mut days: BTreeMap<Date, SpecialDay> = self
            .provisional_days(year)
            .map(|d| (*d).clone())
            .unwrap_or_default();
        days.extend(
            self.spec
                .days
                .range(first..=last)
                .map(|(d, x)| (*d, x.clone())),
        );
        days.into_iter()
            .map(|(date, day)| DayEntry {
                date,
                kind: day.kind,
                name: day.name,
            })
            .collect()
    }

    /// `t` in RFC 3339 at the calendar's UTC offset at that instant, seconds
    /// included (`2025-10-10T17:00:00+08:00`; milliseconds only if non-zero).
    pub fn format_rfc3339(&self, t: Timestamp) -> Result<String, CalendarError> {
        let ts = self.jiff_ts(t.0)?;
        let offset = self.tz.to_offset(ts);
        Ok(ts.display_with_offset(offset).to_string())
    }
}
