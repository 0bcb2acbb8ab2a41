//! Years without holiday data: provisional years, the statutory holidays
//! of mainland China, and administrators' years.

use super::tests::{at, cn, custom, dur, shanghai, wall, windows};
use super::*;
use jiff::civil::date;

const HOUR: i64 = 3_600_000;

fn days_text(days: &[DayEntry]) -> Vec<String> {
    days.iter()
        .map(|d| format!("{} {} {}", d.date, d.kind, d.name))
        .collect()
}

#[test]
fn a_year_without_the_notice_is_provisional_with_the_statutory_holidays_and_make_up_days() {
    let cal = cn();
    assert!(cal.is_provisional(2027) && !cal.is_provisional(2026));
    #[rustfmt::skip]
    let expected = [
        "2027-01-01 holiday 元旦",
        // 除夕 Fri, 初一 Sat, 初二 Sun, 初三 Mon: two weekend days owed.
        "2027-02-05 holiday 春节", "2027-02-06 holiday 春节", "2027-02-07 holiday 春节",
        "2027-02-08 holiday 春节", "2027-02-09 holiday 春节", "2027-02-10 holiday 春节",
        "2027-04-05 holiday 清明节",
        // 1-2 May on the weekend: Monday and Tuesday instead.
        "2027-05-01 holiday 劳动节", "2027-05-02 holiday 劳动节",
        "2027-05-03 holiday 劳动节", "2027-05-04 holiday 劳动节",
        "2027-06-09 holiday 端午节",
        "2027-09-15 holiday 中秋节",
        "2027-10-01 holiday 国庆节", "2027-10-02 holiday 国庆节", "2027-10-03 holiday 国庆节",
        "2027-10-04 holiday 国庆节", "2027-10-05 holiday 国庆节",
    ];
    assert_eq!(days_text(&cal.year_days(2027)), expected);
    assert!(
        cal.year_days(2027)
            .iter()
            .all(|d| d.kind == DayKind::Holiday),
        "no adjusted working days without the notice"
    );
}

#[test]
fn provisional_years_before_2025_follow_the_earlier_law() {
    // 2019 (before the shipped data): no 除夕, one day of 劳动节; 春节 2019-02-05 (Tue).
    let days = days_text(&cn().year_days(2019));
    assert!(
        days.contains(&"2019-02-05 holiday 春节".to_owned()),
        "{days:?}"
    );
    assert!(
        !days.contains(&"2019-02-04 holiday 春节".to_owned()),
        "{days:?}"
    );
    assert!(
        days.contains(&"2019-05-01 holiday 劳动节".to_owned()),
        "{days:?}"
    );
    assert!(
        !days.contains(&"2019-05-02 holiday 劳动节".to_owned()),
        "{days:?}"
    );
    assert!(
        days.contains(&"2019-04-05 holiday 清明节".to_owned()),
        "{days:?}"
    );
}

#[test]
fn the_statutory_festivals_fall_on_the_notices_holidays_in_the_shipped_years() {
    // The computed lunar and solar-term dates checked against the State
    // Council's notices: every festival day is a holiday there (the notices
    // only add bridges and adjusted working days around them).
    let cal = cn();
    for year in 2020..=2026 {
        for (name, dates) in super::statutory::festivals(year) {
            for d in dates {
                let official = cal.special_day(d);
                assert!(
                    official
                        .as_ref()
                        .is_some_and(|o| o.kind == DayKind::Holiday),
                    "{year} {name}: {d} is {official:?} in the notice"
                );
            }
        }
    }
    assert!(cn_statutory_days(1800).is_empty() && cn_statutory_days(2100).is_empty());
}

#[test]
fn answers_across_a_provisional_year_work_and_say_which_years_were_provisional() {
    let cal = cn();
    // 2027-01-01 is a statutory holiday, then the weekend.
    let start = at(&cal, "2026-12-31 17:00");
    let due = cal.deadline(start, dur("2h")).unwrap();
    assert_eq!(wall(&cal, due), "2027-01-04 10:00");
    assert_eq!(cal.provisional_years_between(start, due), vec![2027]);
    assert_eq!(
        cal.provisional_years_between(start, at(&cal, "2026-12-31 18:00")),
        Vec::<i16>::new()
    );
    assert_eq!(
        cal.working_time_between(start, at(&cal, "2027-01-04 12:00"))
            .unwrap(),
        4 * HOUR
    );
    assert!(
        !cal.is_working(at(&cal, "2027-02-09 10:00")).unwrap(),
        "a make-up day"
    );
    assert!(cal.is_working(at(&cal, "2027-02-11 10:00")).unwrap());
    // 2019 and 2028 answer too.
    let early = cal
        .deadline(at(&cal, "2019-12-31 10:00"), dur("0m"))
        .unwrap();
    assert_eq!(wall(&cal, early), "2019-12-31 10:00");
    let long = cal
        .deadline(at(&cal, "2026-12-01 10:00"), dur("300wd"))
        .unwrap();
    assert_eq!(
        cal.provisional_years_between(at(&cal, "2026-12-01 10:00"), long),
        vec![2027, 2028]
    );
    assert_eq!(
        Calendar::twenty_four_seven().provisional_years_between(Timestamp(0), long),
        Vec::<i16>::new()
    );
}

#[test]
fn a_custom_calendar_with_data_years_works_other_years_by_its_week() {
    let mut spec = custom(
        "plant",
        "Asia/Shanghai",
        Week::monday_to_friday(windows("08:00-16:00")),
    );
    spec.data_years = Some([2026].into());
    spec.days.insert(
        date(2026, 12, 31),
        SpecialDay {
            kind: DayKind::Holiday,
            name: "年终".into(),
        },
    );
    let cal = Calendar::new(spec, shanghai()).unwrap();
    assert!(cal.is_provisional(2027) && !cal.is_provisional(2026));
    assert!(
        cal.year_days(2027).is_empty(),
        "weekly: no holidays guessed"
    );
    let start = at(&cal, "2026-12-31 10:00");
    let due = cal.deadline(start, dur("1h")).unwrap();
    assert_eq!(
        wall(&cal, due),
        "2027-01-01 09:00",
        "2027-01-01 is worked by the week"
    );
    assert_eq!(cal.provisional_years_between(start, due), vec![2027]);
}

#[test]
fn entering_a_years_data_makes_it_official() {
    let mut spec = CalendarSpec::cn_mainland();
    let workday = SpecialDay {
        kind: DayKind::Workday,
        name: "元旦".into(),
    };
    let holiday = |n: &str| SpecialDay {
        kind: DayKind::Holiday,
        name: n.into(),
    };
    spec.set_year(
        2027,
        [
            (date(2027, 1, 1), holiday("元旦")),
            (date(2027, 1, 4), holiday("元旦")),
            (date(2027, 1, 9), workday.clone()),
            (date(2028, 1, 1), holiday("ignored: another year")),
        ],
    );
    assert!(!spec.is_provisional(2027));
    assert!(!spec.days.contains_key(&date(2028, 1, 1)));
    let cal = Calendar::new(spec.clone(), shanghai()).unwrap();
    assert_eq!(
        cal.year_days(2027).len(),
        3,
        "only the entered days: the statutory ones are gone"
    );
    assert!(
        cal.is_working(at(&cal, "2027-02-10 10:00")).unwrap(),
        "no longer a make-up day"
    );
    assert!(
        cal.is_working(at(&cal, "2027-01-09 10:00")).unwrap(),
        "the adjusted working Saturday"
    );
    assert_eq!(
        cal.provisional_years_between(at(&cal, "2027-01-01 00:00"), at(&cal, "2027-12-31 00:00")),
        Vec::<i16>::new()
    );
    // Laid over the shipped calendar, as administrators' years are.
    let mut overlay = CalendarSpec::cn_mainland();
    overlay.data_years = Some([2027].into());
    overlay.days = spec
        .days
        .iter()
        .filter(|(d, _)| d.year() == 2027)
        .map(|(d, x)| (*d, x.clone()))
        .collect();
    let mut shipped = CalendarSpec::cn_mainland();
    shipped.overlay_years(&overlay);
    assert_eq!(shipped, spec);
}

#[test]
fn a_start_on_new_years_day_of_the_first_year_needs_no_earlier_data() {
    let cal = cn();
    let got = cal
        .deadline(at(&cal, "2020-01-01 00:00"), dur("1h"))
        .unwrap();
    assert_eq!(wall(&cal, got), "2020-01-02 10:00");
}

#[test]
fn year_days_lists_a_years_holidays_and_adjusted_workdays_in_order() {
    let cal = cn();
    let days = cal.year_days(2025);
    assert_eq!(days.len(), 33);
    assert_eq!(
        days[0],
        DayEntry {
            date: date(2025, 1, 1),
            kind: DayKind::Holiday,
            name: "元旦".into()
        }
    );
    assert!(days.windows(2).all(|w| w[0].date < w[1].date));
    let empty = Calendar::twenty_four_seven().year_days(2025);
    assert!(
        empty.is_empty(),
        "24x7 knows every year and has no holidays"
    );
}
