use super::*;
use jiff::civil::{DateTime, date};
use jiff::tz::{TimeZone, offset};

// ---------------------------------------------------------------- helpers

/// Asia/Shanghai from the system database; China has had no DST since 1991,
/// so a fixed +08:00 stands in where the database is missing.
pub(super) fn shanghai() -> TimeZone {
    TimeZone::get(CN_MAINLAND_TIME_ZONE).unwrap_or_else(|_| TimeZone::fixed(offset(8)))
}

pub(super) fn cn() -> Calendar {
    Calendar::cn_mainland(shanghai()).unwrap()
}

/// New York's rules, without the system database.
fn new_york() -> TimeZone {
    TimeZone::posix("EST5EDT,M3.2.0,M11.1.0").unwrap()
}

fn berlin() -> TimeZone {
    TimeZone::posix("CET-1CEST,M3.5.0,M10.5.0/3").unwrap()
}

pub(super) fn dur(s: &str) -> BusinessDuration {
    s.parse().unwrap()
}

pub(super) fn windows(s: &str) -> DayWindows {
    s.parse().unwrap()
}

/// The instant the calendar's wall clock shows `local` ("2025-03-12 17:00").
pub(super) fn at(cal: &Calendar, local: &str) -> Timestamp {
    let dt: DateTime = local.replace(' ', "T").parse().unwrap();
    let zoned = dt.to_zoned(cal.time_zone().clone()).unwrap();
    Timestamp(zoned.timestamp().as_millisecond())
}

/// `t` on the calendar's wall clock, "YYYY-MM-DD HH:MM" (seconds and
/// milliseconds only when not zero).
pub(super) fn wall(cal: &Calendar, t: Timestamp) -> String {
    let dt = cal
        .time_zone()
        .to_datetime(jiff::Timestamp::from_millisecond(t.0).unwrap());
    let mut s = dt.strftime("%Y-%m-%d %H:%M").to_string();
    if dt.second() != 0 || dt.subsec_nanosecond() != 0 {
        s.push_str(&dt.strftime(":%S%.3f").to_string());
    }
    s
}

/// A predicate over an error, for tables of bad inputs.
type Check<E> = fn(&E) -> bool;

const HOUR: i64 = 3_600_000;
const MINUTE: i64 = 60_000;

pub(super) fn custom(name: &str, tz_name: &str, week: Week) -> CalendarSpec {
    CalendarSpec {
        name: name.to_owned(),
        time_zone: tz_name.to_owned(),
        week,
        standard_day: windows("09:00-17:00"),
        data_years: None,
        provisional: ProvisionalRule::Weekly,
        days: BTreeMap::new(),
    }
}

// ------------------------------------------------------- cn-mainland deadlines

#[test]
fn cn_mainland_deadlines_follow_windows_lunch_weekends_holidays_and_adjusted_workdays() {
    let cal = cn();
    #[rustfmt::skip]
    let cases = [
        // (start, duration, deadline, why)
        ("2025-03-12 17:00", "1h", "2025-03-12 18:00", "a deadline at a window's end stays there"),
        ("2025-03-12 17:30", "1h", "2025-03-13 09:30", "the rest carries to the next working morning"),
        ("2025-03-12 11:30", "1h", "2025-03-12 14:00", "the lunch break does not count"),
        ("2025-03-12 12:00", "30m", "2025-03-12 14:00", "12:00 is already lunch: windows are half-open"),
        ("2025-03-12 12:15", "30m", "2025-03-12 14:00", "a start at lunch waits for 13:30"),
        ("2025-03-12 09:00", "3h", "2025-03-12 12:00", "the morning's end is the deadline, not 13:30"),
        ("2025-03-12 09:00", "3h1m", "2025-03-12 13:31", "one more minute crosses lunch"),
        ("2025-03-12 08:00", "1h", "2025-03-12 10:00", "a start before opening waits for 09:00"),
        ("2025-03-12 18:00", "1h", "2025-03-13 10:00", "18:00 is closed"),
        ("2025-03-12 09:00", "1wd", "2025-03-12 18:00", "one working day is 7.5 h"),
        ("2025-03-12 09:00", "7h30m", "2025-03-12 18:00", "7h30m is one working day"),
        ("2025-03-12 09:01", "1wd", "2025-03-13 09:01", "a working day from mid-window"),
        ("2025-03-14 17:00", "2h", "2025-03-17 10:00", "Friday 17:00 + 2h skips the weekend"),
        ("2025-03-14 17:00", "1wd", "2025-03-17 17:00", "Friday 17:00 + 1 wd ends Monday"),
        ("2025-03-10 09:00", "1d", "2025-03-13 10:30", "d is 24 h of working time, not a calendar day"),
        ("2025-03-10 09:00", "5wd", "2025-03-14 18:00", "a working week ends Friday 18:00"),
        ("2025-03-10 09:00", "10wd", "2025-03-21 18:00", "two working weeks"),
        ("2025-03-10 09:00", "15wd", "2025-03-28 18:00", "three working weeks"),
        ("2025-03-12 10:00", "10wd", "2025-03-26 10:00", "ten working days from mid-week"),
        ("2025-09-30 17:00", "2wd", "2025-10-10 17:00", "National Day 10-01..10-08 is skipped"),
        ("2025-09-26 18:30", "2wd", "2025-09-29 18:00", "Sunday 09-28 is an adjusted working day"),
        ("2025-09-30 18:30", "1h", "2025-10-09 10:00", "the evening before National Day"),
        ("2025-10-10 17:00", "2h", "2025-10-11 10:00", "Saturday 10-11 is an adjusted working day"),
        ("2025-05-01 10:00", "1h", "2025-05-06 10:00", "a start on a public holiday waits for its end"),
        ("2025-04-26 10:00", "1h", "2025-04-27 10:00", "Sunday 04-27 is worked before Labour Day"),
        ("2025-01-27 17:00", "2h", "2025-02-05 10:00", "Spring Festival 01-28..02-04"),
        ("2025-12-31 17:00", "2h", "2026-01-04 10:00", "New Year 2026, then Sunday 01-04 is worked"),
        ("2024-02-03 10:00", "1h", "2024-02-04 10:00", "Sunday 2024-02-04 is worked"),
        ("2020-01-23 17:00", "2h", "2020-02-03 10:00", "Spring Festival 2020 as extended to 02-02"),
        ("2026-12-31 17:00", "1h", "2026-12-31 18:00", "the last day with data needs no later year"),
        ("2026-10-09 09:00", "3wd", "2026-10-12 18:00", "Friday, Saturday 2026-10-10 (worked), Monday"),
        ("2025-03-12 10:00:00.500", "1h", "2025-03-12 11:00:00.500", "milliseconds are kept"),
    ];
    for (start, d, expected, why) in cases {
        let got = cal.deadline(at(&cal, start), dur(d)).unwrap();
        assert_eq!(wall(&cal, got), expected, "{start} + {d}: {why}");
    }
}

#[test]
fn a_zero_duration_is_the_start_inside_working_time_else_the_next_working_instant() {
    let cal = cn();
    #[rustfmt::skip]
    let cases = [
        ("2025-03-12 10:15", "2025-03-12 10:15"),
        ("2025-03-12 09:00", "2025-03-12 09:00"),
        ("2025-03-12 12:00", "2025-03-12 13:30"),
        ("2025-03-12 13:30", "2025-03-12 13:30"),
        ("2025-03-12 17:59:59.999", "2025-03-12 17:59:59.999"),
        ("2025-03-12 18:00", "2025-03-13 09:00"),
        ("2025-03-14 19:00", "2025-03-17 09:00"),
        ("2025-10-01 10:00", "2025-10-09 09:00"),
        ("2025-09-27 10:00", "2025-09-28 09:00"),
    ];
    for (start, expected) in cases {
        for zero in ["0m", "0h", "0d", "0wd"] {
            let got = cal.deadline(at(&cal, start), dur(zero)).unwrap();
            assert_eq!(wall(&cal, got), expected, "{start} + {zero}");
        }
        let next = cal.next_working_instant(at(&cal, start)).unwrap();
        assert_eq!(
            wall(&cal, next),
            expected,
            "next working instant after {start}"
        );
    }
}

#[test]
fn working_hours_are_half_open_windows_on_working_days() {
    let cal = cn();
    #[rustfmt::skip]
    let cases = [
        ("2025-03-12 08:59:59.999", false),
        ("2025-03-12 09:00", true),
        ("2025-03-12 11:59:59.999", true),
        ("2025-03-12 12:00", false),
        ("2025-03-12 13:29", false),
        ("2025-03-12 13:30", true),
        ("2025-03-12 18:00", false),
        ("2025-03-15 10:00", false), // Saturday
        ("2025-09-28 10:00", true),  // adjusted working Sunday
        ("2025-10-08 10:00", false), // National Day (a Wednesday)
        ("2026-12-31 20:00", false), // needs no 2027 data to answer
    ];
    for (t, expected) in cases {
        assert_eq!(cal.is_working(at(&cal, t)).unwrap(), expected, "{t}");
    }
}

#[test]
fn working_time_between_counts_only_working_time_and_is_signed() {
    let cal = cn();
    #[rustfmt::skip]
    let cases = [
        ("2025-03-14 17:00", "2025-03-17 10:00", 2 * HOUR),
        ("2025-03-17 10:00", "2025-03-14 17:00", -2 * HOUR),
        ("2025-03-12 10:00", "2025-03-12 10:00", 0),
        ("2025-03-12 11:00", "2025-03-12 14:00", 90 * MINUTE),
        ("2025-03-12 12:10", "2025-03-12 13:20", 0),
        ("2025-09-30 09:00", "2025-10-09 09:00", 450 * MINUTE),
        ("2025-03-01 00:00", "2025-04-01 00:00", 21 * 450 * MINUTE),
        ("2026-12-31 17:00", "2026-12-31 23:00", HOUR),
        ("2025-01-01 00:00", "2026-01-01 00:00", 248 * 450 * MINUTE),
    ];
    for (a, b, expected) in cases {
        let got = cal.working_time_between(at(&cal, a), at(&cal, b)).unwrap();
        assert_eq!(got, expected, "{a} → {b}");
    }
}

#[test]
fn cn_mainland_has_251_working_days_in_2024_and_248_in_2025() {
    let cal = cn();
    for (year, expected) in [(2024, 251), (2025, 248)] {
        let mut day = date(year, 1, 1);
        let mut count = 0;
        while day.year() == year {
            if !cal.windows_on(day).is_empty() {
                count += 1;
            }
            day = day.tomorrow().unwrap();
        }
        assert_eq!(count, expected, "{year}");
    }
}

// ------------------------------------------------------- the shipped data

#[test]
fn the_shipped_data_covers_2020_through_2026() {
    let data = parse_holiday_data(CN_MAINLAND_DATA).unwrap();
    assert_eq!(data.years, (2020..=2026).collect());
}

#[test]
fn every_adjusted_workday_in_the_shipped_data_is_a_weekend_date() {
    let data = parse_holiday_data(CN_MAINLAND_DATA).unwrap();
    for (date, day) in &data.days {
        if day.kind == DayKind::Workday {
            let wd = date.weekday();
            assert!(
                matches!(
                    wd,
                    jiff::civil::Weekday::Saturday | jiff::civil::Weekday::Sunday
                ),
                "{date} {} is a {wd:?}",
                day.name
            );
        }
    }
}

/// Each year, weekday holidays minus adjusted workdays equals the statutory
/// public holiday days: 11 until 2024, 13 from 2025 (除夕 and 05-02 added);
/// 2020 has two more for the COVID-19 extension of the Spring Festival
/// (01-31 off, the 02-01 workday cancelled).
#[test]
fn each_years_data_balances_to_its_statutory_holiday_count() {
    let data = parse_holiday_data(CN_MAINLAND_DATA).unwrap();
    for (year, statutory) in [
        (2020, 13),
        (2021, 11),
        (2022, 11),
        (2023, 11),
        (2024, 11),
        (2025, 13),
        (2026, 13),
    ] {
        let mut balance = 0;
        for (date, day) in data.days.iter().filter(|(d, _)| d.year() == year) {
            let weekend = date.weekday().to_monday_zero_offset() >= 5;
            match day.kind {
                DayKind::Holiday if !weekend => balance += 1,
                DayKind::Workday => balance -= 1,
                DayKind::Holiday => {}
            }
        }
        assert_eq!(balance, statutory, "{year}");
    }
}

#[test]
fn the_2025_data_matches_the_state_councils_notice() {
    let data = parse_holiday_data(CN_MAINLAND_DATA).unwrap();
    let range = |a: Date, b: Date| {
        let mut out = vec![];
        let mut d = a;
        while d <= b {
            out.push(d);
            d = d.tomorrow().unwrap();
        }
        out
    };
    let holidays: Vec<Date> = [
        range(date(2025, 1, 1), date(2025, 1, 1)),
        range(date(2025, 1, 28), date(2025, 2, 4)),
        range(date(2025, 4, 4), date(2025, 4, 6)),
        range(date(2025, 5, 1), date(2025, 5, 5)),
        range(date(2025, 5, 31), date(2025, 6, 2)),
        range(date(2025, 10, 1), date(2025, 10, 8)),
    ]
    .concat();
    let workdays = vec![
        date(2025, 1, 26),
        date(2025, 2, 8),
        date(2025, 4, 27),
        date(2025, 9, 28),
        date(2025, 10, 11),
    ];
    let of_kind = |kind| -> Vec<Date> {
        data.days
            .iter()
            .filter(|(d, day)| d.year() == 2025 && day.kind == kind)
            .map(|(d, _)| *d)
            .collect()
    };
    assert_eq!(of_kind(DayKind::Holiday), holidays);
    assert_eq!(of_kind(DayKind::Workday), workdays);
    assert_eq!(data.days[&date(2025, 1, 28)].name, "春节");
}

#[test]
fn bad_holiday_data_is_refused_naming_the_line() {
    #[rustfmt::skip]
    let cases: [(&str, usize, Check<DataErrorKind>); 9] = [
        ("year 20x5", 1, |k| matches!(k, DataErrorKind::BadYear { .. })),
        ("year 2025\nyear 2025", 2, |k| matches!(k, DataErrorKind::DuplicateYear { year: 2025 })),
        ("year 2025\n2025-13-01 holiday 元旦", 2, |k| matches!(k, DataErrorKind::BadDate { .. })),
        ("year 2025\n2025-1-01 holiday 元旦", 2, |k| matches!(k, DataErrorKind::BadDate { .. })),
        ("year 2025\n\n2025-01-01 vacation 元旦", 3, |k| matches!(k, DataErrorKind::UnknownKind(_))),
        ("year 2025\n2025-01-01 holiday", 2, |k| matches!(k, DataErrorKind::MissingName { .. })),
        ("year 2025\n2025-01-01 holiday a\n2025-01-01 workday b", 3, |k| matches!(k, DataErrorKind::DuplicateDate { first_line: 2, .. })),
        ("year 2025\n2026-01-01 holiday 元旦", 2, |k| matches!(k, DataErrorKind::UndeclaredYear { year: 2026, .. })),
        ("# header\nholiday 2025-01-01", 2, |k| matches!(k, DataErrorKind::Malformed { .. })),
    ];
    for (text, line, check) in cases {
        let err = parse_holiday_data(text).unwrap_err();
        assert_eq!(err.line, line, "{text:?}: {err}");
        assert!(check(&err.kind), "{text:?}: {err}");
        assert!(err.to_string().starts_with(&format!("line {line}: ")));
    }
}

#[test]
fn holiday_data_allows_comments_and_a_new_year_break_starting_in_december() {
    let text = "# c\nyear 2023  # note\n2022-12-31 holiday 元旦 # trailing\n";
    let data = parse_holiday_data(text).unwrap();
    assert_eq!(data.days[&date(2022, 12, 31)].name, "元旦");
}

#[test]
fn admins_can_add_a_year_of_data_to_cn_mainland() {
    let mut spec = CalendarSpec::cn_mainland();
    let extra = parse_holiday_data("year 2027\n2027-01-01 holiday 元旦\n").unwrap();
    spec.merge_holiday_data(extra);
    let cal = Calendar::new(spec, shanghai()).unwrap();
    let got = cal
        .deadline(at(&cal, "2026-12-31 17:00"), dur("2h"))
        .unwrap();
    assert_eq!(
        wall(&cal, got),
        "2027-01-04 10:00",
        "01-01 holiday, then the weekend"
    );
}

// ------------------------------------------------------- 24x7

#[test]
fn on_24x7_every_instant_is_working_time_and_a_working_day_is_24_hours() {
    let cal = Calendar::twenty_four_seven();
    let t = Timestamp(1_700_000_123_456);
    #[rustfmt::skip]
    let cases = [
        ("0m", 0), ("90m", 90 * MINUTE), ("2h", 2 * HOUR), ("1d", 24 * HOUR),
        ("1wd", 24 * HOUR), ("2wd", 48 * HOUR), ("10wd", 240 * HOUR), ("1wd1h", 25 * HOUR),
        ("400d", 400 * 24 * HOUR),
    ];
    for (d, ms) in cases {
        assert_eq!(cal.deadline(t, dur(d)).unwrap(), t.plus_millis(ms), "{d}");
    }
    assert!(cal.is_working(t).unwrap());
    assert_eq!(cal.next_working_instant(t).unwrap(), t);
    assert_eq!(
        cal.working_time_between(t, t.plus_millis(123_456_789))
            .unwrap(),
        123_456_789
    );
    assert_eq!(cal.working_day_ms(), 24 * HOUR);
}

#[test]
fn on_24x7_in_a_daylight_saving_zone_a_day_is_24_real_hours() {
    let mut spec = CalendarSpec::twenty_four_seven();
    spec.time_zone = "Europe/Berlin".into();
    let cal = Calendar::new(spec, berlin()).unwrap();
    let start = at(&cal, "2025-03-29 12:00");
    let got = cal.deadline(start, dur("1d")).unwrap();
    assert_eq!(
        wall(&cal, got),
        "2025-03-30 13:00",
        "the clocks went forward"
    );
    assert_eq!(cal.working_time_between(start, got).unwrap(), 24 * HOUR);
    let autumn = at(&cal, "2025-10-25 12:00");
    assert_eq!(
        wall(&cal, cal.deadline(autumn, dur("1d")).unwrap()),
        "2025-10-26 11:00"
    );
}

// ------------------------------------------------------- daylight saving time

#[test]
fn windows_across_a_skipped_hour_count_real_time() {
    // New York, 2025-03-09: 02:00 EST jumps to 03:00 EDT.
    let mut spec = custom(
        "ny",
        "America/New_York",
        Week::every_day(windows("01:00-04:00")),
    );
    spec.standard_day = windows("01:00-04:00");
    let cal = Calendar::new(spec, new_york()).unwrap();
    let day = |s| at(&cal, s);
    assert_eq!(
        cal.working_time_between(day("2025-03-09 00:00"), day("2025-03-09 12:00"))
            .unwrap(),
        2 * HOUR
    );
    let got = cal.deadline(day("2025-03-09 01:00"), dur("1h30m")).unwrap();
    assert_eq!(wall(&cal, got), "2025-03-09 03:30");
    let got = cal.deadline(day("2025-03-09 01:00"), dur("2h")).unwrap();
    assert_eq!(wall(&cal, got), "2025-03-09 04:00", "the window's end");
    let got = cal.deadline(day("2025-03-09 01:00"), dur("2h1m")).unwrap();
    assert_eq!(wall(&cal, got), "2025-03-10 01:01");
}

#[test]
fn a_repeated_hour_inside_a_window_is_worked_twice() {
    // New York, 2025-11-02: 02:00 EDT falls back to 01:00 EST.
    let cal = Calendar::new(
        custom(
            "ny",
            "America/New_York",
            Week::every_day(windows("01:00-04:00")),
        ),
        new_york(),
    )
    .unwrap();
    let a = at(&cal, "2025-11-02 00:00");
    let b = at(&cal, "2025-11-02 12:00");
    assert_eq!(cal.working_time_between(a, b).unwrap(), 4 * HOUR);
    let got = cal.deadline(a, dur("4h")).unwrap();
    assert_eq!(wall(&cal, got), "2025-11-02 04:00");
    let got = cal.deadline(a, dur("1h30m")).unwrap();
    assert_eq!(
        wall(&cal, got),
        "2025-11-02 01:30",
        "the second 01:30 (EST)"
    );
    assert_eq!(got.0 - at(&cal, "2025-11-02 01:00").0, 90 * MINUTE);
}

#[test]
fn a_window_inside_a_skipped_hour_is_empty_and_one_starting_there_starts_at_the_jump() {
    let week = Week::every_day(windows("02:00-02:30,05:00-06:00"));
    let cal = Calendar::new(custom("ny", "America/New_York", week), new_york()).unwrap();
    let got = cal
        .deadline(at(&cal, "2025-03-09 00:00"), dur("30m"))
        .unwrap();
    assert_eq!(wall(&cal, got), "2025-03-09 05:30");

    let week = Week::every_day(windows("02:30-05:00"));
    let cal = Calendar::new(custom("ny", "America/New_York", week), new_york()).unwrap();
    let (a, b) = (at(&cal, "2025-03-09 00:00"), at(&cal, "2025-03-09 12:00"));
    assert_eq!(
        cal.working_time_between(a, b).unwrap(),
        2 * HOUR,
        "03:00 to 05:00 EDT"
    );
    assert_eq!(
        wall(&cal, cal.next_working_instant(a).unwrap()),
        "2025-03-09 03:00"
    );
}

#[test]
fn when_midnight_repeats_the_previous_days_window_runs_to_the_second_midnight() {
    // Clocks go back two hours at 01:00 on 2025-10-26: Saturday 23:00 to
    // Sunday 01:00 happens twice, Sunday 00:00 included.
    let tz = TimeZone::posix("<+01>-1<+03>-3,M3.5.0/0,M10.5.0/1").unwrap();
    let week = Week {
        saturday: windows("20:00-24:00"),
        ..Week::default()
    };
    let cal = Calendar::new(custom("late", "Test/Late", week), tz).unwrap();
    let utc = |s: &str| parse_rfc3339(s).unwrap();
    let first_sunday_half_past_midnight = utc("2025-10-25T21:30:00Z");
    assert_eq!(
        wall(&cal, first_sunday_half_past_midnight),
        "2025-10-26 00:30"
    );
    assert!(cal.is_working(first_sunday_half_past_midnight).unwrap());
    let (a, b) = (utc("2025-10-25T00:00:00Z"), utc("2025-10-26T12:00:00Z"));
    assert_eq!(cal.working_time_between(a, b).unwrap(), 6 * HOUR);
    let end = cal
        .deadline(first_sunday_half_past_midnight, dur("1h30m"))
        .unwrap();
    assert_eq!(end, utc("2025-10-25T23:00:00Z"), "the second midnight");
}

#[test]
fn windows_touching_midnight_join_across_days() {
    let week = Week {
        monday: windows("20:00-24:00"),
        tuesday: windows("00:00-04:00"),
        ..Week::default()
    };
    let cal = Calendar::new(custom("night", "UTC", week), TimeZone::UTC).unwrap();
    let got = cal
        .deadline(at(&cal, "2025-03-10 23:00"), dur("3h"))
        .unwrap();
    assert_eq!(wall(&cal, got), "2025-03-11 02:00");
    assert!(cal.is_working(at(&cal, "2025-03-11 00:00")).unwrap());
}

// ------------------------------------------------------- unusual calendars

#[test]
fn a_calendar_worked_only_on_adjusted_workdays_jumps_between_them() {
    let mut spec = custom("sparse", "UTC", Week::default());
    for d in [date(2025, 6, 7), date(2025, 6, 14)] {
        spec.days.insert(
            d,
            SpecialDay {
                kind: DayKind::Workday,
                name: "盘点".into(),
            },
        );
    }
    let cal = Calendar::new(spec, TimeZone::UTC).unwrap();
    let start = at(&cal, "2025-06-01 00:00");
    let got = cal.deadline(start, dur("9h")).unwrap();
    assert_eq!(wall(&cal, got), "2025-06-14 10:00");
    assert_eq!(
        cal.working_time_between(start, at(&cal, "2025-07-01 00:00"))
            .unwrap(),
        16 * HOUR
    );
    let after = at(&cal, "2025-06-15 00:00");
    assert!(matches!(
        cal.deadline(after, dur("1m")),
        Err(CalendarError::NoWorkingTime { .. })
    ));
    assert!(!cal.is_working(after).unwrap());
}

#[test]
fn a_calendar_without_any_working_time_says_so() {
    let cal = Calendar::new(custom("never", "UTC", Week::default()), TimeZone::UTC).unwrap();
    let t = Timestamp(1_750_000_000_000);
    assert!(matches!(
        cal.deadline(t, dur("0m")),
        Err(CalendarError::NoWorkingTime { .. })
    ));
    assert!(!cal.is_working(t).unwrap());
    assert_eq!(cal.working_time_between(t, t.plus_millis(HOUR)).unwrap(), 0);
}

#[test]
fn a_holiday_on_a_worked_weekday_and_a_workday_on_a_weekend_use_the_standard_day() {
    let mut week = Week::monday_to_friday(windows("09:00-17:00"));
    week.saturday = windows("09:00-12:00");
    let mut spec = custom("shop", "UTC", week);
    spec.standard_day = windows("08:00-18:00");
    spec.days.insert(
        date(2025, 3, 15),
        SpecialDay {
            kind: DayKind::Workday,
            name: "inventory".into(),
        },
    );
    spec.days.insert(
        date(2025, 3, 17),
        SpecialDay {
            kind: DayKind::Holiday,
            name: "local".into(),
        },
    );
    let cal = Calendar::new(spec, TimeZone::UTC).unwrap();
    assert_eq!(cal.windows_on(date(2025, 3, 15)).to_string(), "08:00-18:00");
    assert!(cal.windows_on(date(2025, 3, 17)).is_empty());
    assert_eq!(cal.windows_on(date(2025, 3, 22)).to_string(), "09:00-12:00");
    assert_eq!(cal.working_day_ms(), 10 * HOUR);
}

#[test]
fn a_negative_amount_of_working_time_has_no_deadline() {
    let cal = cn();
    assert!(matches!(
        cal.deadline_after(at(&cal, "2025-03-12 10:00"), -1),
        Err(CalendarError::NegativeAmount { ms: -1, .. })
    ));
}

#[test]
fn instants_beyond_the_supported_years_are_a_typed_error() {
    let cal = Calendar::twenty_four_seven();
    assert!(matches!(
        cal.deadline(Timestamp(i64::MAX / 2), dur("1h")),
        Err(CalendarError::OutOfRange { .. })
    ));
}

#[test]
fn a_calendar_needs_a_standard_day_and_its_own_time_zone() {
    let mut spec = CalendarSpec::cn_mainland();
    spec.standard_day = DayWindows::NONE;
    assert!(matches!(
        Calendar::new(spec, shanghai()),
        Err(CalendarError::EmptyStandardDay { .. })
    ));
    let err = Calendar::new(CalendarSpec::cn_mainland(), TimeZone::UTC).unwrap_err();
    assert_eq!(
        err,
        CalendarError::TimeZoneMismatch {
            calendar: CN_MAINLAND.into(),
            expected: CN_MAINLAND_TIME_ZONE.into(),
            given: "UTC".into(),
        }
    );
}

#[test]
fn presets_are_found_by_name() {
    for name in PRESETS {
        assert_eq!(CalendarSpec::preset(name).unwrap().name, name);
    }
    assert!(CalendarSpec::preset("cn").is_none());
    assert_eq!(cn().working_day_ms(), 450 * MINUTE);
    assert_eq!(cn().duration_ms(dur("2wd")), 15 * HOUR);
    assert_eq!(cn().duration_ms(dur("1d")), 24 * HOUR);
}

// ------------------------------------------------------- durations

#[test]
fn durations_parse_from_their_units_and_print_canonically() {
    #[rustfmt::skip]
    let cases = [
        // (text, working days, minutes, canonical)
        ("0m", 0, 0, "0m"), ("0wd", 0, 0, "0m"), ("90m", 0, 90, "1h30m"),
        ("2h", 0, 120, "2h"), ("1d", 0, 1440, "1d"), ("24h", 0, 1440, "1d"),
        ("2wd", 2, 0, "2wd"), ("1h30m", 0, 90, "1h30m"), ("1wd4h", 1, 240, "1wd4h"),
        ("1d2h3m", 0, 1563, "1d2h3m"), ("007m", 0, 7, "7m"), ("10wd", 10, 0, "10wd"),
        ("36600wd", 36_600, 0, "36600wd"),
    ];
    for (text, wd, minutes, canonical) in cases {
        let d = dur(text);
        assert_eq!((d.working_days(), d.minutes()), (wd, minutes), "{text}");
        assert_eq!(d.to_string(), canonical, "{text}");
        assert_eq!(dur(canonical), d, "{canonical} round-trips");
    }
}

#[test]
fn bad_durations_are_refused_with_what_was_wrong() {
    use DurationError as E;
    #[rustfmt::skip]
    let cases: [(&str, Check<DurationError>); 12] = [
        ("", |e| matches!(e, E::Empty)),
        ("h", |e| matches!(e, E::ExpectedNumber { position: 1, .. })),
        ("-5m", |e| matches!(e, E::ExpectedNumber { position: 1, .. })),
        ("5", |e| matches!(e, E::MissingUnit { number, .. } if number == "5")),
        ("1h30", |e| matches!(e, E::MissingUnit { number, .. } if number == "30")),
        ("5x", |e| matches!(e, E::UnknownUnit { unit, .. } if unit == "x")),
        ("5 m", |e| matches!(e, E::UnknownUnit { unit, .. } if unit == " m")),
        ("5小时", |e| matches!(e, E::UnknownUnit { unit, .. } if unit == "小时")),
        ("1H", |e| matches!(e, E::UnknownUnit { .. })),
        ("1m1h", |e| matches!(e, E::UnitOrder { .. })),
        ("1h1h", |e| matches!(e, E::UnitOrder { .. })),
        ("99999999999999999999m", |e| matches!(e, E::TooLarge { .. })),
    ];
    for (text, check) in cases {
        let err = BusinessDuration::parse(text).unwrap_err();
        assert!(check(&err), "{text:?}: {err:?}");
        if !text.is_empty() {
            assert!(err.to_string().contains(&format!("`{text}`")), "{err}");
        }
    }
    assert!(matches!(
        BusinessDuration::parse("36601wd"),
        Err(E::TooLarge { .. })
    ));
    assert!(matches!(
        BusinessDuration::parse("36601d"),
        Err(E::TooLarge { .. })
    ));
}

#[test]
fn durations_serialize_as_their_text() {
    let d = dur("90m");
    assert_eq!(serde_json::to_string(&d).unwrap(), "\"1h30m\"");
    assert_eq!(
        serde_json::from_str::<BusinessDuration>("\"2wd\"").unwrap(),
        dur("2wd")
    );
    assert!(serde_json::from_str::<BusinessDuration>("\"2x\"").is_err());
}

// ------------------------------------------------------- windows

#[test]
fn windows_parse_sorted_and_merge_when_touching() {
    #[rustfmt::skip]
    let cases = [
        ("09:00-12:00,13:30-18:00", "09:00-12:00,13:30-18:00", 450),
        (" 09:00-12:00 , 12:00-13:00 ", "09:00-13:00", 240),
        ("00:00-24:00", "00:00-24:00", 1440),
        ("none", "none", 0),
        ("", "none", 0),
    ];
    for (text, canonical, minutes) in cases {
        let w = windows(text);
        assert_eq!(
            (w.to_string().as_str(), w.minutes()),
            (canonical, minutes),
            "{text:?}"
        );
    }
    #[rustfmt::skip]
    let bad: [(&str, Check<WindowError>); 6] = [
        ("9:00-12:00", |e| matches!(e, WindowError::BadTime { .. })),
        ("09:00-24:30", |e| matches!(e, WindowError::BadTime { .. })),
        ("09:00", |e| matches!(e, WindowError::Malformed { .. })),
        ("12:00-09:00", |e| matches!(e, WindowError::EndsBeforeStart { .. })),
        ("09:00-12:00,11:00-13:00", |e| matches!(e, WindowError::Overlap { .. })),
        ("13:00-14:00,09:00-12:00", |e| matches!(e, WindowError::Overlap { .. })),
    ];
    for (text, check) in bad {
        let err = DayWindows::parse(text).unwrap_err();
        assert!(check(&err), "{text:?}: {err:?}");
    }
}

// ------------------------------------------------------- instants

#[test]
fn deadlines_print_in_rfc3339_at_the_calendars_offset_with_seconds() {
    let cal = cn();
    let start = parse_rfc3339("2025-09-30T17:00:00+08:00").unwrap();
    let got = cal.deadline(start, dur("2wd")).unwrap();
    assert_eq!(
        cal.format_rfc3339(got).unwrap(),
        "2025-10-10T17:00:00+08:00"
    );
    let utc_start = parse_rfc3339("2025-09-30T09:00:00Z").unwrap();
    assert_eq!(utc_start, start);
    assert_eq!(
        Calendar::twenty_four_seven()
            .format_rfc3339(Timestamp(1_000))
            .unwrap(),
        "1970-01-01T00:00:01+00:00"
    );
    let err = parse_rfc3339("2025-09-30 17:00").unwrap_err();
    assert_eq!(err.text, "2025-09-30 17:00");
}

// ------------------------------------------------------- serde and iCalendar

#[test]
fn a_calendar_spec_round_trips_through_json() {
    let spec = CalendarSpec::cn_mainland();
    let json = serde_json::to_string(&spec).unwrap();
    assert!(json.contains("\"2025-01-28\":{\"kind\":\"holiday\",\"name\":\"春节\"}"));
    assert!(json.contains("\"monday\":\"09:00-12:00,13:30-18:00\""));
    assert_eq!(serde_json::from_str::<CalendarSpec>(&json).unwrap(), spec);
}

const NOW: Timestamp = Timestamp(1_735_689_600_000); // 2025-01-01T00:00:00Z

#[test]
fn cn_mainland_round_trips_through_icalendar() {
    let spec = CalendarSpec::cn_mainland();
    let text = to_icalendar(&spec, NOW);
    let back = parse_icalendar(&text).unwrap().into_spec().unwrap();
    assert_eq!(back, spec);
}

#[test]
fn a_custom_calendar_with_awkward_text_round_trips_through_icalendar() {
    let mut week = Week::every_day(windows("08:00-12:00,13:00-17:30"));
    week.sunday = DayWindows::NONE;
    let mut spec = custom("华东, 驻场; \\ 组", "Asia/Shanghai", week);
    spec.standard_day = windows("08:00-17:30");
    spec.data_years = Some(BTreeSet::new());
    for (d, kind, name) in [
        (date(2025, 7, 1), DayKind::Holiday, "建党节, 区域;假"),
        (date(2025, 7, 2), DayKind::Holiday, "建党节, 区域;假"),
        (date(2025, 7, 3), DayKind::Holiday, "另一个"),
        (date(2025, 7, 6), DayKind::Workday, "调休\n补班"),
    ] {
        spec.days.insert(
            d,
            SpecialDay {
                kind,
                name: name.into(),
            },
        );
    }
    let text = to_icalendar(&spec, NOW);
    assert_eq!(parse_icalendar(&text).unwrap().into_spec().unwrap(), spec);
}

#[test]
fn the_icalendar_export_is_crlf_folded_with_merged_all_day_events() {
    let text = to_icalendar(&CalendarSpec::cn_mainland(), NOW);
    assert!(text.starts_with("BEGIN:VCALENDAR\r\nVERSION:2.0\r\n"));
    assert!(text.ends_with("END:VCALENDAR\r\n"));
    assert!(
        !text.replace("\r\n", "").contains('\n'),
        "only CRLF line ends"
    );
    for line in text.split("\r\n") {
        assert!(line.len() <= 75, "{line:?}");
    }
    assert!(text.contains(
        "DTSTART;VALUE=DATE:20250128\r\nDTEND;VALUE=DATE:20250205\r\nSUMMARY:春节\r\nCATEGORIES:HOLIDAY\r\n"
    ));
    assert!(text.contains(
        "DTSTART;VALUE=DATE:20250126\r\nDTEND;VALUE=DATE:20250127\r\nSUMMARY:春节\r\nCATEGORIES:WORKDAY\r\n"
    ));
    assert!(text.contains("X-WR-TIMEZONE:Asia/Shanghai\r\n"));
    assert!(text.contains("X-FUWU-WINDOWS-MO:09:00-12:00\\,13:30-18:00\r\n"));
    assert!(text.contains("X-FUWU-WINDOWS-SA:none\r\n"));
    assert!(text.contains("DTSTAMP:20250101T000000Z\r\n"));
}

#[test]
fn a_plain_holiday_feed_imports_into_an_existing_calendar() {
    let feed = "BEGIN:VCALENDAR\nVERSION:2.0\nPRODID:-//Example//CN//ZH\n\
        BEGIN:VTIMEZONE\nTZID:Asia/Shanghai\nEND:VTIMEZONE\n\
        BEGIN:VEVENT\nUID:a\nDTSTART;VALUE=DATE:20270101\nDURATION:P3D\n\
        SUMMARY:元\n 旦\nCATEGORIES:Holiday,中国\nBEGIN:VALARM\nACTION:DISPLAY\nEND:VALARM\nEND:VEVENT\n\
        BEGIN:VEVENT\nUID:b\nDTSTART:20270104\nSUMMARY:元旦\nCATEGORIES:WORKDAY\nEND:VEVENT\n\
        END:VCALENDAR\n";
    let import = parse_icalendar(feed).unwrap();
    assert!(import.week.is_none() && import.name.is_none());
    assert_eq!(import.days.len(), 4);
    assert_eq!(import.days[&date(2027, 1, 3)].name, "元旦");
    let mut spec = CalendarSpec::cn_mainland();
    let mut with_2027 = import.clone();
    with_2027.data_years = Some([2027].into());
    with_2027.merge_into(&mut spec);
    let cal = Calendar::new(spec, shanghai()).unwrap();
    let got = cal
        .deadline(at(&cal, "2026-12-31 17:00"), dur("2h"))
        .unwrap();
    assert_eq!(
        wall(&cal, got),
        "2027-01-04 10:00",
        "01-01..01-03 off, 01-04 worked"
    );
    assert!(matches!(
        import.into_spec(),
        Err(ICalError {
            line: 24,
            kind: ICalErrorKind::MissingProperty { .. }
        })
    ));
}

#[test]
fn bad_icalendar_is_refused_naming_the_line() {
    let wrap = |body: &str| format!("BEGIN:VCALENDAR\nVERSION:2.0\n{body}END:VCALENDAR\n");
    let event = |props: &str| wrap(&format!("BEGIN:VEVENT\n{props}END:VEVENT\n"));
    use ICalErrorKind as K;
    #[rustfmt::skip]
    let cases: Vec<(String, usize, Check<ICalErrorKind>)> = vec![
        ("hello\n".into(), 1, |k| matches!(k, K::NotICalendar)),
        (event("DTSTART:20250101T090000Z\nCATEGORIES:HOLIDAY\n"), 4, |k| matches!(k, K::NotAllDay { .. })),
        (event("DTSTART;VALUE=DATE:20251301\nCATEGORIES:HOLIDAY\n"), 4, |k| matches!(k, K::BadDate { .. })),
        (event("DTSTART;VALUE=DATE:20250101\n"), 3, |k| matches!(k, K::MissingCategory)),
        (event("DTSTART;VALUE=DATE:20250101\nCATEGORIES:HOLIDAY,WORKDAY\n"), 3, |k| matches!(k, K::BothCategories)),
        (event("CATEGORIES:HOLIDAY\n"), 3, |k| matches!(k, K::MissingStart)),
        (event("DTSTART;VALUE=DATE:20250101\nRRULE:FREQ=YEARLY\nCATEGORIES:HOLIDAY\n"), 5, |k| matches!(k, K::Unsupported { .. })),
        (event("DTSTART;VALUE=DATE:20250102\nDTEND;VALUE=DATE:20250101\nCATEGORIES:HOLIDAY\n"), 5, |k| matches!(k, K::BadSpan)),
        (event("DTSTART;VALUE=DATE:20250101\nDURATION:PT3H\nCATEGORIES:HOLIDAY\n"), 5, |k| matches!(k, K::BadDuration { .. })),
        (event("no colon here\n"), 4, |k| matches!(k, K::Malformed { .. })),
        (wrap("X-FUWU-WINDOWS-MO:9-12\n"), 3, |k| matches!(k, K::Windows { .. })),
        (wrap("X-FUWU-WINDOWS-MO:09:00-12:00\n"), 4, |k| matches!(k, K::MissingProperty { property } if property == "X-FUWU-WINDOWS-TU")),
        (wrap("X-FUWU-DATA-YEARS:2025\\,next\n"), 3, |k| matches!(k, K::BadYears { .. })),
        (wrap("BEGIN:VEVENT\nEND:VTODO\n"), 4, |k| matches!(k, K::Unbalanced { .. })),
        ("BEGIN:VCALENDAR\nBEGIN:VEVENT\n".into(), 2, |k| matches!(k, K::Unterminated { component } if component == "VEVENT")),
        (wrap("BEGIN:VEVENT\nDTSTART;VALUE=DATE:20250101\nCATEGORIES:HOLIDAY\nEND:VEVENT\n\
               BEGIN:VEVENT\nDTSTART;VALUE=DATE:20250101\nCATEGORIES:WORKDAY\nEND:VEVENT\n"),
            7, |k| matches!(k, K::DayConflict { .. })),
    ];
    for (text, line, check) in cases {
        let err = parse_icalendar(&text).unwrap_err();
        assert!(check(&err.kind), "{text:?}: {err}");
        assert_eq!(err.line, line, "{text:?}: {err}");
        assert!(
            err.to_string().starts_with(&format!("line {line}: ")),
            "{err}"
        );
    }
}

// ------------------------------------------------------- timing

/// Not a benchmark (those live with the binary); a quick sanity check of the
/// per-call cost: `cargo test -p fuwu-core --release timing -- --ignored --nocapture`.
#[test]
#[ignore = "timing only"]
fn timing_of_deadlines_from_zero_to_ten_working_days() {
    let cal = cn();
    let first = at(&cal, "2025-01-01 00:00").0;
    let durations: Vec<BusinessDuration> = (0..=10)
        .map(|wd| BusinessDuration::from_working_days(wd).unwrap())
        .collect();
    let ten = dur("10wd");
    let mut sink = 0i64;
    let runs = 20_000i64;
    let clock = std::time::Instant::now();
    for i in 0..runs {
        let start = Timestamp(first + i * 1_234_567);
        sink ^= cal.deadline(start, ten).unwrap().0;
    }
    let per_ten = clock.elapsed().as_nanos() as f64 / runs as f64;
    let clock = std::time::Instant::now();
    for i in 0..runs {
        let start = Timestamp(first + i * 1_234_567);
        let d = durations[i as usize % durations.len()];
        sink ^= cal.deadline(start, d).unwrap().0;
    }
    let per_mixed = clock.elapsed().as_nanos() as f64 / runs as f64;
    let clock = std::time::Instant::now();
    let cal24 = Calendar::twenty_four_seven();
    for i in 0..runs {
        sink ^= cal24
            .deadline(Timestamp(first + i * 1_234_567), ten)
            .unwrap()
            .0;
    }
    let per_24 = clock.elapsed().as_nanos() as f64 / runs as f64;
    eprintln!(
        "cn-mainland 10wd: {:.2} µs/call; 0..=10wd: {:.2} µs/call; 24x7 10wd: {:.2} µs/call ({sink})",
        per_ten / 1000.0,
        per_mixed / 1000.0,
        per_24 / 1000.0
    );
}
