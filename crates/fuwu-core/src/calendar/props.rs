//! Property tests (issue 4): for `cn-mainland`, `24x7` and random calendars
//! (random windows, holidays, adjusted workdays and time zones, daylight saving
//! time included):
//! - the working time elapsed from `start` to `deadline(start, d)` is `d`;
//! - deadlines never decrease as `d` grows;
//! - a deadline is never inside non-working time: it is working time, or the
//!   end of a window (the instant just before it is working time);
//!
//! and, on zones without offset changes, the engine agrees exactly with a
//! minute-by-minute reference model of the wall-clock windows; skipping whole
//! weeks gives the same answers as walking every window.

use super::tests::cn;
use super::*;
use jiff::tz::{Offset, TimeZone};
use proptest::prelude::*;
use std::sync::LazyLock;

static CN: LazyLock<Calendar> = LazyLock::new(cn);

const MINUTE: i64 = 60_000;
const DAY: i64 = 86_400_000;
/// 2020-01-01T00:00:00+08:00.
const CN_FIRST: i64 = 1_577_808_000_000;
/// 2028-12-01T00:00:00+08:00: starts run into the provisional years 2027 and 2028.
const CN_LAST: i64 = 1_859_212_800_000;
/// 2024-01-01T00:00:00Z, the base of random calendars' special days.
const RANDOM_FIRST: i64 = 1_704_067_200_000;

/// Zones for random calendars; the first three have a constant offset.
const ZONES: [&str; 8] = [
    "UTC",
    "+05:45",
    "-03:30",
    "EST5EDT,M3.2.0,M11.1.0",
    "CET-1CEST,M3.5.0,M10.5.0/3",
    "<+1030>-10:30<+11>-11,M10.1.0,M4.1.0",
    // Chile: changes at midnight (a skipped or repeated hour around 24:00).
    "<-04>4<-03>,M9.1.6/24,M4.1.6/24",
    // Two-hour jumps: midnight skipped in spring, repeated in autumn.
    "<+01>-1<+03>-3,M3.5.0/0,M10.5.0/1",
];
const FIXED_ZONES: usize = 3;

fn zone(i: usize) -> TimeZone {
    let fixed = |s: i32| TimeZone::fixed(Offset::from_seconds(s).unwrap());
    match i {
        0 => TimeZone::UTC,
        1 => fixed(5 * 3600 + 45 * 60),
        2 => fixed(-(3 * 3600 + 30 * 60)),
        _ => TimeZone::posix(ZONES[i]).unwrap(),
    }
}

/// Windows from sorted quarter-hour points taken in pairs.
fn windows_from(points: &BTreeSet<u16>) -> DayWindows {
    let points: Vec<u16> = points.iter().map(|p| p * 15).collect();
    DayWindows::new(
        points
            .chunks_exact(2)
            .map(|pair| Window::new(pair[0], pair[1]).unwrap()),
    )
    .unwrap()
}

/// A random calendar in one of `zones` zones.
fn random_calendar(zones: usize) -> impl Strategy<Value = Calendar> {
    let day = || proptest::collection::btree_set(0u16..=96, 0..=6);
    (
        proptest::collection::vec(day(), 7),
        proptest::collection::btree_set(0u16..=96, 2..=6),
        0..zones,
        proptest::collection::vec((0i64..1200, any::<bool>()), 0..40),
    )
        .prop_map(|(week_points, standard, zone_index, special)| {
            let mut week = Week::default();
            for (day, points) in Week::DAYS.iter().zip(&week_points) {
                week.set(*day, windows_from(points));
            }
            let standard_day = windows_from(&standard);
            if week.minutes() == 0 {
                week.monday = standard_day.clone();
            }
            let base = jiff::civil::date(2024, 1, 1);
            let days = special
                .into_iter()
                .map(|(offset, holiday)| {
                    let date = base.checked_add(jiff::Span::new().days(offset)).unwrap();
                    let kind = if holiday {
                        DayKind::Holiday
                    } else {
                        DayKind::Workday
                    };
                    (
                        date,
                        SpecialDay {
                            kind,
                            name: "random".into(),
                        },
                    )
                })
                .collect();
            let spec = CalendarSpec {
                name: format!("random-{}", ZONES[zone_index]),
                time_zone: ZONES[zone_index].into(),
                week,
                standard_day,
                data_years: None,
                provisional: ProvisionalRule::Weekly,
                days,
            };
            Calendar::new(spec, zone(zone_index)).unwrap()
        })
}

/// A calendar with the range its starts are drawn from.
fn calendar_and_starts(zones: usize) -> impl Strategy<Value = (Calendar, i64, i64)> {
    prop_oneof![
        1 => Just((CN.clone(), CN_FIRST, CN_LAST)),
        1 => Just((Calendar::twenty_four_seven(), RANDOM_FIRST, RANDOM_FIRST + 1000 * DAY)),
        3 => random_calendar(zones).prop_map(|c| (c, RANDOM_FIRST, RANDOM_FIRST + 1000 * DAY)),
    ]
}

fn duration() -> impl Strategy<Value = BusinessDuration> {
    let minutes = prop_oneof![Just(0u32), 0u32..=4320];
    (0u32..=10, minutes).prop_map(|(wd, m)| BusinessDuration::new(wd, m).unwrap())
}

/// Wall-clock membership: is local minute `t` inside one of its date's
/// windows? Exact on zones with a constant offset.
fn works_at(cal: &Calendar, t: i64) -> bool {
    let dt = cal
        .time_zone()
        .to_datetime(jiff::Timestamp::from_millisecond(t).unwrap());
    let m = dt.hour() as u16 * 60 + dt.minute() as u16;
    cal.windows_on(dt.date())
        .windows()
        .iter()
        .any(|w| w.start_minute() <= m && m < w.end_minute())
}

/// The deadline by stepping minute by minute from a minute-aligned start.
fn reference_deadline(cal: &Calendar, start: i64, minutes: i64) -> i64 {
    let mut t = start;
    if minutes == 0 {
        while !works_at(cal, t) {
            t += MINUTE;
        }
        return t;
    }
    let mut counted = 0;
    loop {
        if works_at(cal, t) {
            counted += 1;
            if counted == minutes {
                return t + MINUTE;
            }
        }
        t += MINUTE;
    }
}

fn at_fraction(lo: i64, hi: i64, fraction: u32) -> i64 {
    lo + ((hi - lo) as i128 * i128::from(fraction) / i128::from(u32::MAX)) as i64
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn elapsed_working_time_to_the_deadline_is_the_duration_and_the_deadline_is_never_in_non_working_time(
        (cal, lo, hi) in calendar_and_starts(ZONES.len()),
        fraction in any::<u32>(),
        d in duration(),
    ) {
        let start = Timestamp(at_fraction(lo, hi, fraction));
        let deadline = cal.deadline(start, d).unwrap();
        prop_assert!(deadline >= start);
        prop_assert!(deadline >= cal.next_working_instant(start).unwrap());
        prop_assert_eq!(cal.working_time_between(start, deadline).unwrap(), cal.duration_ms(d));
        if d.is_zero() {
            prop_assert!(cal.is_working(deadline).unwrap(), "a zero deadline is a working instant");
            prop_assert_eq!(deadline, cal.next_working_instant(start).unwrap());
        } else {
            let working = cal.is_working(deadline).unwrap();
            let closes_a_window = cal.is_working(deadline.plus_millis(-1)).unwrap();
            prop_assert!(working || closes_a_window, "{} is inside non-working time", cal.format_rfc3339(deadline).unwrap());
        }
    }

    #[test]
    fn deadlines_never_decrease_as_the_duration_grows(
        (cal, lo, hi) in calendar_and_starts(ZONES.len()),
        fraction in any::<u32>(),
        a in duration(),
        b in duration(),
    ) {
        let start = Timestamp(at_fraction(lo, hi, fraction));
        let (short, long) = if cal.duration_ms(a) <= cal.duration_ms(b) { (a, b) } else { (b, a) };
        prop_assert!(cal.deadline(start, short).unwrap() <= cal.deadline(start, long).unwrap());
        // And by the millisecond, around window edges too.
        let ms = cal.duration_ms(short);
        prop_assert!(cal.deadline_after(start, ms).unwrap() <= cal.deadline_after(start, ms + 1).unwrap());
    }

    #[test]
    fn skipping_ordinary_weeks_changes_nothing(
        (cal, lo, hi) in calendar_and_starts(ZONES.len()),
        fraction in any::<u32>(),
        d in duration(),
        weeks in 0i64..=20,
    ) {
        let start = Timestamp(at_fraction(lo, hi, fraction));
        let ms = cal.duration_ms(d) + weeks * cal.working_day_ms() * 5;
        // cn-mainland beyond 2026 runs on provisional years: the same walk.
        let deadline = cal.deadline_after(start, ms).unwrap();
        prop_assert_eq!(deadline, cal.deadline_span_by_span(start, ms).unwrap());
        prop_assert_eq!(cal.working_time_between(start, deadline).unwrap(), ms);
        prop_assert_eq!(cal.between_span_by_span(start, deadline).unwrap(), ms);
    }

    #[test]
    fn working_time_adds_up_over_consecutive_intervals(
        (cal, lo, hi) in calendar_and_starts(ZONES.len()),
        fractions in proptest::collection::vec(any::<u32>(), 3),
    ) {
        let mut t: Vec<Timestamp> = fractions.iter().map(|f| Timestamp(at_fraction(lo, hi, *f))).collect();
        t.sort();
        let whole = cal.working_time_between(t[0], t[2]).unwrap();
        let parts = cal.working_time_between(t[0], t[1]).unwrap() + cal.working_time_between(t[1], t[2]).unwrap();
        prop_assert_eq!(whole, parts);
        prop_assert_eq!(cal.working_time_between(t[2], t[0]).unwrap(), -whole);
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 96, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn on_constant_offset_zones_the_engine_matches_a_minute_by_minute_model(
        (cal, lo, hi) in calendar_and_starts(FIXED_ZONES),
        fraction in any::<u32>(),
        minutes in prop_oneof![Just(0i64), 0i64..=300],
        span in 0i64..=3000,
        probe in 0i64..=3000,
    ) {
        let start = at_fraction(lo, hi, fraction) / MINUTE * MINUTE;
        let got = cal.deadline_after(Timestamp(start), minutes * MINUTE).unwrap();
        prop_assert_eq!(got.0, reference_deadline(&cal, start, minutes));

        let end = start + span * MINUTE;
        let counted = (0..span).filter(|i| works_at(&cal, start + i * MINUTE)).count() as i64;
        prop_assert_eq!(cal.working_time_between(Timestamp(start), Timestamp(end)).unwrap(), counted * MINUTE);

        let t = start + probe * MINUTE + 12_345;
        prop_assert_eq!(cal.is_working(Timestamp(t)).unwrap(), works_at(&cal, t - 12_345));
    }
}
