//! Issue 18 §2: a level change moves running clocks onto the new level's
//! terms; clocks that already stopped or breached keep what they had; a
//! breach is never erased; each promise is judged once.

use super::ClockEvent;
use super::clock::{Clock, ClockState, Dated, Fact, History, Terms, compute_kept, percent_x100};
use super::templates;
use crate::calendar::{
    BusinessDuration, CN_MAINLAND, CN_MAINLAND_TIME_ZONE, Calendar, TWENTY_FOUR_SEVEN,
};
use crate::level::FaultLevel;
use crate::types::{Category, Channel, Status, Timestamp};
use jiff::civil::DateTime;
use jiff::tz::{TimeZone, offset};

fn bj(local: &str) -> Timestamp {
    let dt: DateTime = local.replace(' ', "T").parse().unwrap();
    Timestamp(
        dt.to_zoned(TimeZone::fixed(offset(8)))
            .unwrap()
            .timestamp()
            .as_millisecond(),
    )
}

fn level(n: i64) -> Fact {
    Fact::Level(FaultLevel::new(n).unwrap())
}

/// The clocks of a fault of `lvl` raised at 08:00 on Thursday 2026-11-12,
/// under levels-0-5, as of `at`; `kept` gives the terms of judged clocks.
fn clocks_kept(
    lvl: i64,
    facts: &[(&str, Fact)],
    at: &str,
    kept: &dyn Fn(u32, &str) -> Option<Terms>,
) -> Vec<Clock> {
    let tz = TimeZone::get(CN_MAINLAND_TIME_ZONE).unwrap_or_else(|_| TimeZone::fixed(offset(8)));
    let cn = Calendar::cn_mainland(tz).unwrap();
    let all = Calendar::twenty_four_seven();
    let lookup = |name: &str| match name {
        CN_MAINLAND => Some(&cn),
        TWENTY_FOUR_SEVEN => Some(&all),
        _ => None,
    };
    let created = bj("2026-11-12 08:00");
    let mut list = vec![Dated {
        at: created,
        fact: Fact::Event(ClockEvent::Created),
    }];
    list.extend(facts.iter().map(|(t, f)| Dated {
        at: bj(t),
        fact: *f,
    }));
    let h = History {
        created_at: created,
        channel: Channel::Phone,
        level: FaultLevel::new(lvl).unwrap(),
        category: Category::Fault,
        facts: list,
    };
    compute_kept(&templates::levels_0_5(), &h, &lookup, bj(at), kept).unwrap()
}

fn clocks(lvl: i64, facts: &[(&str, Fact)], at: &str) -> Vec<Clock> {
    clocks_kept(lvl, facts, at, &|_, _| None)
}

fn find<'a>(clocks: &'a [Clock], key: &str, generation: u32) -> Option<&'a Clock> {
    clocks
        .iter()
        .find(|c| c.target_key == key && c.generation == generation)
}

const RESOLVED: Fact = Fact::Event(ClockEvent::Resolved);

#[test]
fn a_restoration_breached_at_10_stays_breached_after_a_downgrade_at_10_30() {
    let facts = [
        ("2026-11-12 08:05", Fact::Event(ClockEvent::Responded)),
        ("2026-11-12 10:30", level(1)),
    ];
    for at in ["2026-11-12 10:31", "2026-11-12 20:00"] {
        let now = clocks(3, &facts, at);
        let r = find(&now, "restoration_l3", 1).expect("kept");
        assert_eq!(r.state, ClockState::Breached, "as of {at}");
        assert_eq!(r.deadline, Some(bj("2026-11-12 10:00")));
        assert_eq!(r.stopped_at, None, "it runs on until the restoration");
        assert!(
            find(&now, "restoration_l1", 2).is_none(),
            "level 1 does not judge restoration again: {now:#?}"
        );
    }
    let mut later = facts.to_vec();
    later.push(("2026-11-12 12:00", RESOLVED));
    let done = clocks(3, &later, "2026-11-13 08:00");
    let r = find(&done, "restoration_l3", 1).unwrap();
    assert_eq!(
        (r.state, r.stopped_at, r.level.get()),
        (ClockState::Breached, Some(bj("2026-11-12 12:00")), 3)
    );
    assert_eq!(r.percent_used_x100, 20_000);
    assert!(find(&done, "restoration_l1", 2).is_none());
}

#[test]
fn a_response_met_at_level_1_is_not_judged_again_as_a_level_3_response_after_an_upgrade() {
    let facts = [
        ("2026-11-12 08:30", Fact::Event(ClockEvent::Responded)),
        ("2026-11-12 09:00", level(3)),
    ];
    let now = clocks(1, &facts, "2026-11-12 09:30");
    let response = find(&now, "remote_response_l1", 1).unwrap();
    assert_eq!(
        (response.state, response.level.get(), response.deadline),
        (ClockState::Met, 1, Some(bj("2026-11-12 10:00")))
    );
    assert!(find(&now, "remote_response_l3", 2).is_none(), "{now:#?}");
    // Restoration was running: it moves onto level 3's two hours, from 08:00.
    assert_eq!(
        find(&now, "restoration_l1", 1).unwrap().state,
        ClockState::Superseded
    );
    let r3 = find(&now, "restoration_l3", 2).unwrap();
    assert_eq!(
        (r3.state, r3.started_at, r3.deadline),
        (
            ClockState::Running,
            bj("2026-11-12 08:00"),
            Some(bj("2026-11-12 10:00"))
        )
    );
}

#[test]
fn a_promise_new_at_the_changed_level_is_not_judged_on_a_stop_that_came_before_the_change() {
    // Level 4 has no remote response; the engineer responded at 08:40 and the
    // fault was lowered to 3 (15-minute response) at 09:00.
    let facts = [
        ("2026-11-12 08:40", Fact::Event(ClockEvent::Responded)),
        ("2026-11-12 09:00", level(3)),
    ];
    let now = clocks(4, &facts, "2026-11-12 09:30");
    assert!(find(&now, "remote_response_l3", 2).is_none(), "{now:#?}");
}

#[test]
fn a_met_restoration_reopened_after_a_level_change_runs_on_under_the_new_level() {
    let facts = [
        ("2026-11-12 09:00", RESOLVED),
        ("2026-11-12 09:00", Fact::Status(Status::Resolved)),
        ("2026-11-12 09:30", level(2)),
        ("2026-11-12 10:00", Fact::Event(ClockEvent::Reopened)),
        ("2026-11-12 10:00", Fact::Status(Status::Reopened)),
    ];
    let before = clocks(3, &facts[..3], "2026-11-12 09:45");
    assert_eq!(
        find(&before, "restoration_l3", 1).unwrap().state,
        ClockState::Met
    );
    let now = clocks(3, &facts, "2026-11-12 10:30");
    assert_eq!(
        find(&now, "restoration_l3", 1).unwrap().state,
        ClockState::Superseded,
        "the reopen undid the stop"
    );
    let r2 = find(&now, "restoration_l2", 2).unwrap();
    // 4 h from 08:00, with the hour it stood resolved not counted: 13:00.
    assert_eq!(
        (r2.state, r2.deadline),
        (ClockState::Running, Some(bj("2026-11-12 13:00")))
    );
}

#[test]
fn a_fault_report_already_late_when_the_fault_is_reopened_stays_breached() {
    // Resolved Thursday 09:00; the report (2 working days) was due Monday 09:00.
    let facts = [
        ("2026-11-12 09:00", RESOLVED),
        ("2026-11-12 09:00", Fact::Status(Status::Resolved)),
        ("2026-11-17 10:00", Fact::Event(ClockEvent::Reopened)),
        ("2026-11-17 10:00", Fact::Status(Status::Reopened)),
        ("2026-11-17 12:00", RESOLVED),
        ("2026-11-17 12:00", Fact::Status(Status::Resolved)),
    ];
    let late = clocks(1, &facts[..2], "2026-11-16 10:00");
    assert_eq!(
        find(&late, "fault_report", 1).unwrap().state,
        ClockState::Breached
    );
    for at in ["2026-11-17 11:00", "2026-11-18 11:00"] {
        let now = clocks(1, &facts, at);
        let report = find(&now, "fault_report", 1).unwrap();
        assert_eq!(
            (report.state, report.started_at),
            (ClockState::Breached, bj("2026-11-12 09:00")),
            "as of {at}"
        );
    }
}

#[test]
fn a_clock_judged_before_a_policy_edit_keeps_the_terms_it_was_judged_under() {
    // Restoration breached at 10:00 and resolved at 11:00; then the policy
    // gives level 3 four hours. Under the kept terms it is still breached.
    let facts = [("2026-11-12 11:00", RESOLVED)];
    let kept = |g: u32, key: &str| {
        (g == 1 && key == "restoration_l3").then(|| Terms {
            calendar: TWENTY_FOUR_SEVEN.into(),
            duration: BusinessDuration::parse("2h").unwrap(),
        })
    };
    let now = clocks_kept(3, &facts, "2026-11-12 12:00", &kept);
    let r = find(&now, "restoration_l3", 1).unwrap();
    assert_eq!(
        (r.state, r.deadline),
        (ClockState::Breached, Some(bj("2026-11-12 10:00")))
    );
}

#[test]
fn percent_used_is_exact_to_a_hundredth() {
    // 7 of 15 minutes: 46.666… % → 46.67 %.
    assert_eq!(
        percent_x100(7 * 60_000, 15 * 60_000, ClockState::Running),
        4667
    );
    assert_eq!(percent_x100(1, 3, ClockState::Running), 3333);
    assert_eq!(percent_x100(2, 3, ClockState::Running), 6667);
    assert_eq!(percent_x100(0, 0, ClockState::Breached), 10_000);
    assert_eq!(percent_x100(0, 0, ClockState::Met), 0);
}
