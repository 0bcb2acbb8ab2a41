//! The scenarios, table-driven with fixed instants, on the shipped
//! templates and calendars.

use super::clock::{Clock, ClockState, Dated, Fact, History, compute, due_at, thresholds};
use super::templates;
use super::{ClockEvent, Policy};
use crate::calendar::{CN_MAINLAND, CN_MAINLAND_TIME_ZONE, Calendar, TWENTY_FOUR_SEVEN};
use crate::level::FaultLevel;
use crate::types::{Category, Channel, Status, Timestamp, WaitingFor};
use jiff::civil::DateTime;
use jiff::tz::{TimeZone, offset};

fn cn() -> Calendar {
    let tz = TimeZone::get(CN_MAINLAND_TIME_ZONE).unwrap_or_else(|_| TimeZone::fixed(offset(8)));
    Calendar::cn_mainland(tz).unwrap()
}

/// Beijing wall-clock time ("2025-09-26 20:00") as an instant.
fn bj(local: &str) -> Timestamp {
    let dt: DateTime = local.replace(' ', "T").parse().unwrap();
    let z = dt.to_zoned(TimeZone::fixed(offset(8))).unwrap();
    Timestamp(z.timestamp().as_millisecond())
}

fn level(n: i64) -> FaultLevel {
    FaultLevel::new(n).unwrap()
}

struct Env {
    cn: Calendar,
    all: Calendar,
}

impl Env {
    fn new() -> Env {
        Env {
            cn: cn(),
            all: Calendar::twenty_four_seven(),
        }
    }
    fn clocks(&self, policy: &Policy, h: &History, at: &str) -> Vec<Clock> {
        let lookup = |name: &str| match name {
            CN_MAINLAND => Some(&self.cn),
            TWENTY_FOUR_SEVEN => Some(&self.all),
            _ => None,
        };
        compute(policy, h, &lookup, bj(at)).unwrap()
    }
}

fn history(created: &str, lvl: i64, category: Category, facts: &[(&str, Fact)]) -> History {
    let mut all = vec![Dated {
        at: bj(created),
        fact: Fact::Event(ClockEvent::Created),
    }];
    all.extend(facts.iter().map(|(t, f)| Dated {
        at: bj(t),
        fact: *f,
    }));
    History {
        created_at: bj(created),
        channel: Channel::Phone,
        level: level(lvl),
        category,
        facts: all,
    }
}

fn find<'a>(clocks: &'a [Clock], key: &str, generation: u32) -> &'a Clock {
    clocks
        .iter()
        .find(|c| c.target_key == key && c.generation == generation)
        .unwrap_or_else(|| panic!("no clock {key} in generation {generation}: {clocks:#?}"))
}

const H: i64 = 3_600_000;

#[test]
fn a_level_3_fault_raised_on_the_friday_evening_before_national_day_runs_on_natural_time() {
    let env = Env::new();
    let policy = templates::levels_0_5();
    let h = history(
        "2025-09-26 20:00",
        3,
        Category::Fault,
        &[
            ("2025-09-26 20:10", Fact::Event(ClockEvent::Responded)),
            ("2025-09-30 10:00", Fact::Event(ClockEvent::Resolved)),
        ],
    );
    // (as of, target, expected deadline, state)
    let table: &[(&str, &str, Option<&str>, ClockState)] = &[
        (
            "2025-09-26 20:05",
            "remote_response_l3",
            Some("2025-09-26 20:15"),
            ClockState::Running,
        ),
        (
            "2025-09-26 21:00",
            "remote_response_l3",
            Some("2025-09-26 20:15"),
            ClockState::Met,
        ),
        (
            "2025-09-26 21:00",
            "restoration_l3",
            Some("2025-09-26 22:00"),
            ClockState::Running,
        ),
        // Natural time: the holiday does not stretch a severe fault's restoration.
        (
            "2025-09-27 09:00",
            "restoration_l3",
            Some("2025-09-26 22:00"),
            ClockState::Breached,
        ),
        // The report is working time: 6.5 h on 30 September, the holiday
        // (1–8 October) skipped, 7.5 h on the 9th, 1 h on the 10th.
        (
            "2025-10-02 12:00",
            "fault_report",
            Some("2025-10-10 10:00"),
            ClockState::Running,
        ),
    ];
    for (as_of, key, deadline, state) in table {
        let clocks = env.clocks(&policy, &h, as_of);
        let c = find(&clocks, key, 1);
        assert_eq!(c.deadline, deadline.map(bj), "{key} as of {as_of}");
        assert_eq!(c.state, *state, "{key} as of {as_of}");
    }
    // The severe-fault notice applies (the project leader hears at once).
    assert!(
        policy
            .notices_for(ClockEvent::Created, level(3), Category::Fault)
            .any(|n| n.key == "severe_fault_raised")
    );
}

#[test]
fn a_level_0_question_raised_on_a_public_holiday_counts_from_the_first_working_morning() {
    let env = Env::new();
    let policy = templates::levels_0_5();
    let h = history("2025-10-01 10:00", 0, Category::Consultation, &[]);
    let table: &[(&str, &str, &str, ClockState, i64)] = &[
        // (as of, target, deadline, state, percent used)
        (
            "2025-10-05 10:00",
            "remote_response_l0",
            "2025-10-09 11:00",
            ClockState::Running,
            0,
        ),
        (
            "2025-10-05 10:00",
            "restoration_l0",
            "2025-10-09 18:00",
            ClockState::Running,
            0,
        ),
        (
            "2025-10-09 10:00",
            "remote_response_l0",
            "2025-10-09 11:00",
            ClockState::Running,
            50,
        ),
        (
            "2025-10-09 11:00",
            "remote_response_l0",
            "2025-10-09 11:00",
            ClockState::Breached,
            100,
        ),
    ];
    for (as_of, key, deadline, state, percent) in table {
        let clocks = env.clocks(&policy, &h, as_of);
        let c = find(&clocks, key, 1);
        assert_eq!(c.deadline, Some(bj(deadline)), "{key} as of {as_of}");
        assert_eq!(c.state, *state, "{key} as of {as_of}");
        assert_eq!(c.percent_used_x100, *percent * 100, "{key} as of {as_of}");
    }
    // No fault report for a question, no on-site clock before a visit is asked for.
    let clocks = env.clocks(&policy, &h, "2025-10-05 10:00");
    assert!(
        clocks
            .iter()
            .all(|c| c.target_key != "fault_report" && c.target_key != "onsite_response_l0")
    );
}

#[test]
fn waiting_for_the_customer_over_a_weekend_pauses_restoration_but_waiting_for_a_third_party_does_not()
 {
    let env = Env::new();
    let policy = templates::levels_0_5();
    let wait = |who: WaitingFor| {
        history(
            "2025-11-14 10:00", // a Friday
            1,
            Category::Fault,
            &[
                ("2025-11-14 16:00", Fact::Status(Status::Pending)),
                ("2025-11-14 16:00", Fact::WaitingFor(Some(who))),
                ("2025-11-17 09:00", Fact::Status(Status::InProgress)),
                ("2025-11-17 09:00", Fact::WaitingFor(None)),
            ],
        )
    };
    let customer = wait(WaitingFor::Customer);
    let third = wait(WaitingFor::ThirdParty);
    // (history, as of, state, deadline, elapsed h, paused h)
    type Row<'a> = (&'a History, &'a str, ClockState, Option<&'a str>, i64, i64);
    let table: &[Row] = &[
        (
            &customer,
            "2025-11-16 12:00",
            ClockState::Paused,
            None,
            6,
            44,
        ),
        // 6 h used before the pause, 18 h left from Monday 09:00.
        (
            &customer,
            "2025-11-17 12:00",
            ClockState::Running,
            Some("2025-11-18 03:00"),
            9,
            65,
        ),
        (
            &third,
            "2025-11-16 12:00",
            ClockState::Breached,
            Some("2025-11-15 10:00"),
            50,
            0,
        ),
    ];
    for (h, as_of, state, deadline, elapsed, paused) in table {
        let clocks = env.clocks(&policy, h, as_of);
        let c = find(&clocks, "restoration_l1", 1);
        assert_eq!(c.state, *state, "as of {as_of}");
        assert_eq!(c.deadline, deadline.map(bj), "as of {as_of}");
        assert_eq!(c.elapsed_ms, elapsed * H, "as of {as_of}");
        assert_eq!(c.paused_ms, paused * H, "as of {as_of}");
    }
    // The response clock has no pause condition: it runs through the wait.
    let c = find(
        &env.clocks(&policy, &customer, "2025-11-16 12:00"),
        "remote_response_l1",
        1,
    )
    .clone();
    assert_eq!(c.state, ClockState::Breached);
    assert_eq!(c.paused_ms, 0);
}

#[test]
fn raising_the_level_from_1_to_3_halfway_supersedes_the_level_1_clocks_and_keeps_them() {
    let env = Env::new();
    let policy = templates::levels_0_5();
    let h = history(
        "2025-11-12 08:00",
        1,
        Category::Fault,
        &[("2025-11-12 20:00", Fact::Level(level(3)))],
    );
    let clocks = env.clocks(&policy, &h, "2025-11-12 20:30");
    let old = find(&clocks, "restoration_l1", 1);
    assert_eq!(old.state, ClockState::Superseded);
    assert_eq!(old.percent_used_x100, 5000);
    assert_eq!(old.stopped_at, Some(bj("2025-11-12 20:00")));
    let new = find(&clocks, "restoration_l3", 2);
    // Counted from when the customer raised it: long past its 2 hours.
    assert_eq!(new.started_at, bj("2025-11-12 08:00"));
    assert_eq!(new.deadline, Some(bj("2025-11-12 10:00")));
    assert_eq!(new.state, ClockState::Breached);
    assert_eq!(new.level, level(3));
    // Before the change, only generation 1 exists.
    let before = env.clocks(&policy, &h, "2025-11-12 19:00");
    assert!(before.iter().all(|c| c.generation == 1));
    assert_eq!(
        find(&before, "restoration_l1", 1).state,
        ClockState::Running
    );
}

#[test]
fn thresholds_fall_due_at_their_share_of_the_working_time() {
    let env = Env::new();
    let policy = templates::levels_0_5();
    let target = policy.target("restoration_l0").unwrap();
    assert_eq!(thresholds(target), vec![50, 80, 100]);
    // Monday 09:00, 1 wd = 7.5 h: 50 % (3.75 h) at 14:15 after the lunch
    // break, 80 % (6 h) at 16:30.
    let h = history("2025-11-17 09:00", 0, Category::Consultation, &[]);
    let c = find(
        &env.clocks(&policy, &h, "2025-11-17 09:30"),
        "restoration_l0",
        1,
    )
    .clone();
    let due = |p| due_at(&c, &env.cn, p).unwrap();
    assert_eq!(due(50), Some(bj("2025-11-17 14:15")));
    assert_eq!(due(80), Some(bj("2025-11-17 16:30")));
    assert_eq!(due(100), Some(bj("2025-11-17 18:00")));
}

#[test]
fn a_clock_stopped_before_its_deadline_is_met_and_one_stopped_after_is_breached() {
    let env = Env::new();
    let policy = templates::levels_0_5();
    for (resolved, state) in [
        ("2025-11-12 09:59", ClockState::Met),
        ("2025-11-12 10:00", ClockState::Met),
        ("2025-11-12 10:01", ClockState::Breached),
    ] {
        let h = history(
            "2025-11-12 08:00",
            3,
            Category::Fault,
            &[(resolved, Fact::Event(ClockEvent::Resolved))],
        );
        let c = find(
            &env.clocks(&policy, &h, "2025-11-13 08:00"),
            "restoration_l3",
            1,
        )
        .clone();
        assert_eq!(c.state, state, "resolved at {resolved}");
        assert_eq!(c.stopped_at, Some(bj(resolved)));
    }
}
