//! Mainland China's statutory public holidays (《全国年节及纪念日放假办法》),
//! for the years of `cn-mainland` without the State Council's notice.
//!
//! The law fixes the festivals; the yearly notice adds the bridges and the
//! weekends worked in exchange (调休), which nobody can compute. So a
//! *provisional* year is: the festivals' dates, computed (lunar dates and the
//! 清明 solar term with `tyme4rs`), plus the law's make-up rest day (补休)
//! for a festival day that falls on a Saturday or Sunday, and no adjusted
//! working days.
//!
//! Which law: from 2025, as amended (除夕 and 5月2日 added, 13 days); before
//! 2025, the 2008–2024 text (春节 初一–初三, 劳动节 1 day). Make-up days: each
//! festival day on a weekend, or on a day another festival already holds
//! (中秋 on 1 October), gives the first Monday–Friday after the festival's
//! last day that is not itself a holiday.

use super::{DayKind, SpecialDay};
use jiff::civil::{Date, Weekday};
use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex, OnceLock};
use tyme4rs::tyme::lunar::LunarDay;
use tyme4rs::tyme::solar::{SolarDay, SolarTerm};

/// The years the computation covers: the lunisolar tables' safe range. Outside
/// it a provisional year has weekends only.
pub const STATUTORY_YEARS: std::ops::RangeInclusive<i16> = 1901..=2099;

/// A festival's name as the State Council's notices write it.
const NEW_YEAR: &str = "元旦";
const SPRING: &str = "春节";
const QINGMING: &str = "清明节";
const LABOUR: &str = "劳动节";
const DRAGON_BOAT: &str = "端午节";
const MID_AUTUMN: &str = "中秋节";
const NATIONAL: &str = "国庆节";

fn date_of(day: SolarDay) -> Option<Date> {
    Date::new(
        i16::try_from(day.get_year()).ok()?,
        i8::try_from(day.get_month()).ok()?,
        i8::try_from(day.get_day()).ok()?,
    )
    .ok()
}

fn lunar(year: i16, month: isize, day: usize) -> Option<Date> {
    date_of(LunarDay::from_ymd(isize::from(year), month, day).get_solar_day())
}

/// Consecutive dates from `first`.
fn run(first: Date, days: i64) -> Vec<Date> {
    (0..days)
        .filter_map(|i| first.checked_add(jiff::Span::new().days(i)).ok())
        .collect()
}

/// The festivals of `year` by the law in force then, each with its dates.
pub(super) fn festivals(year: i16) -> Vec<(&'static str, Vec<Date>)> {
    let amended = year >= 2025;
    let mut out = Vec::new();
    if let Ok(d) = Date::new(year, 1, 1) {
        out.push((NEW_YEAR, vec![d]));
    }
    if let Some(first) = lunar(year, 1, 1) {
        let mut days = run(first, 3);
        if amended && let Ok(eve) = first.yesterday() {
            days.insert(0, eve);
        }
        out.push((SPRING, days));
    }
    if let Some(d) = date_of(SolarTerm::from_name(isize::from(year), "清明").get_solar_day()) {
        out.push((QINGMING, vec![d]));
    }
    if let Ok(d) = Date::new(year, 5, 1) {
        out.push((LABOUR, run(d, if amended { 2 } else { 1 })));
    }
    if let Some(d) = lunar(year, 5, 5) {
        out.push((DRAGON_BOAT, vec![d]));
    }
    if let Some(d) = lunar(year, 8, 15) {
        out.push((MID_AUTUMN, vec![d]));
    }
    if let Ok(d) = Date::new(year, 10, 1) {
        out.push((NATIONAL, run(d, 3)));
    }
    out.sort_by_key(|(_, days)| days.first().copied());
    out
}

fn is_weekend(d: Date) -> bool {
    matches!(d.weekday(), Weekday::Saturday | Weekday::Sunday)
}

/// The statutory holidays of `year`, with make-up rest days (see the module
/// doc). Empty outside [`STATUTORY_YEARS`].
pub fn cn_statutory_days(year: i16) -> BTreeMap<Date, SpecialDay> {
    let mut out: BTreeMap<Date, SpecialDay> = BTreeMap::new();
    if !STATUTORY_YEARS.contains(&year) {
        return out;
    }
    let holiday = |name: &str| SpecialDay {
        kind: DayKind::Holiday,
        name: name.to_owned(),
    };
    for (name, days) in festivals(year) {
        let mut owed = 0;
        for d in &days {
            if is_weekend(*d) || out.contains_key(d) {
                owed += 1;
            }
            out.entry(*d).or_insert_with(|| holiday(name));
        }
        let Some(mut next) = days.last().copied() else {
            continue;
        };
        while owed > 0 {
            let Ok(d) = next.tomorrow() else { break };
            next = d;
            if !is_weekend(d) && !out.contains_key(&d) {
                out.insert(d, holiday(name));
                owed -= 1;
            }
        }
    }
    // Make-up days of a festival late in December may fall in January: they
    // belong to this year's festival but not to this year's table.
    out.retain(|d, _| d.year() == year);
    out
}

/// A year's special days, shared.
pub(super) type YearDays = Arc<BTreeMap<Date, SpecialDay>>;

/// [`cn_statutory_days`], computed once per year and process.
pub(super) fn cn_statutory_cached(year: i16) -> YearDays {
    static CACHE: OnceLock<Mutex<HashMap<i16, YearDays>>> = OnceLock::new();
    let cache = CACHE.get_or_init(Default::default);
    if let Some(days) = cache.lock().expect("statutory cache").get(&year) {
        return days.clone();
    }
    let days = Arc::new(cn_statutory_days(year));
    cache
        .lock()
        .expect("statutory cache")
        .entry(year)
        .or_insert(days)
        .clone()
}
