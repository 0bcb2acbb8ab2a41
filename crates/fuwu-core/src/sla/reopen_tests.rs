//! Reopened requests: clocks that stopped on the resolution resume, the
//! fault report clock (which starts on it) is voided until the next one.

use super::ClockEvent;
use super::clock::{Clock, ClockState, Dated, Fact, History, compute};
use super::templates;
use crate::calendar::{CN_MAINLAND, CN_MAINLAND_TIME_ZONE, Calendar, TWENTY_FOUR_SEVEN};
use crate::level::FaultLevel;
use crate::types::{Category, Channel, Status, Timestamp};
use jiff::civil::DateTime;
use jiff::tz::{TimeZone, offset};

const H: i64 = 3_600_000;

fn bj(local: &str) -> Timestamp {
    let dt: DateTime = local.replace(' ', "T").parse().unwrap();
    Timestamp(
        dt.to_zoned(TimeZone::fixed(offset(8)))
            .unwrap()
            .timestamp()
            .as_millisecond(),
    )
}

fn clocks(facts: &[(&str, Fact)], at: &str) -> Vec<Clock> {
    let tz = TimeZone::get(CN_MAINLAND_TIME_ZONE).unwrap_or_else(|_| TimeZone::fixed(offset(8)));
    let cn = Calendar::cn_mainland(tz).unwrap();
    let all = Calendar::twenty_four_seven();
    let lookup = |name: &str| match name {
        CN_MAINLAND => Some(&cn),
        TWENTY_FOUR_SEVEN => Some(&all),
        _ => None,
    };
    let created = bj("2026-11-20 10:00"); // a Friday
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
        level: FaultLevel::new(1).unwrap(),
        category: Category::Fault,
        facts: list,
    };
    compute(&templates::levels_0_5(), &h, &lookup, bj(at)).unwrap()
}

fn find<'a>(clocks: &'a [Clock], key: &str) -> &'a Clock {
    clocks
        .iter()
        .find(|c| c.target_key == key)
        .unwrap_or_else(|| panic!("no {key}: {clocks:#?}"))
}

fn resolved(at: &'static str) -> [(&'static str, Fact); 2] {
    [
        (at, Fact::Event(ClockEvent::Resolved)),
        (at, Fact::Status(Status::Resolved)),
    ]
}

fn reopened(at: &'static str) -> [(&'static str, Fact); 2] {
    [
        (at, Fact::Event(ClockEvent::Reopened)),
        (at, Fact::Status(Status::Reopened)),
    ]
}

#[test]
fn a_reopened_request_resumes_restoration_with_the_time_it_had_used() {
    // Level 1: restoration 24 h natural time. Resolved after 4 h, reopened 10 h
    // later, resolved again after 2 more hours.
    let mut facts = Vec::new();
    facts.extend(resolved("2026-11-20 14:00"));
    facts.extend(reopened("2026-11-21 00:00"));
    let running = clocks(&facts, "2026-11-21 01:00");
    let r = find(&running, "restoration_l1");
    assert_eq!(r.state, ClockState::Running);
    assert_eq!(r.stopped_at, None);
    assert_eq!(r.elapsed_ms, 5 * H, "4 h before, 1 h since the reopen");
    assert_eq!(
        r.deadline,
        Some(bj("2026-11-21 20:00")),
        "pushed by the 10 h it was stopped"
    );
    assert_eq!(
        r.earlier_stops,
        vec![(bj("2026-11-20 14:00"), bj("2026-11-21 00:00"))]
    );

    facts.extend(resolved("2026-11-21 02:00"));
    let done = clocks(&facts, "2026-11-22 00:00");
    let r = find(&done, "restoration_l1");
    assert_eq!(
        (r.state, r.stopped_at, r.elapsed_ms),
        (ClockState::Met, Some(bj("2026-11-21 02:00")), 6 * H)
    );
    assert_eq!(
        r.earlier_stops.len(),
        1,
        "the earlier stop stays in history"
    );
    // The response clock stopped on `responded`, not on the resolution: untouched.
    assert!(
        running
            .iter()
            .all(|c| c.target_key != "remote_response_l1" || c.state == ClockState::Breached)
    );
}

#[test]
fn a_resumed_clock_breaches_on_its_pushed_deadline() {
    let mut facts = Vec::new();
    facts.extend(resolved("2026-11-20 14:00"));
    facts.extend(reopened("2026-11-21 00:00"));
    let late = clocks(&facts, "2026-11-21 20:00");
    assert_eq!(find(&late, "restoration_l1").state, ClockState::Breached);
    let before = clocks(&facts, "2026-11-21 19:59");
    assert_eq!(find(&before, "restoration_l1").state, ClockState::Running);
}

#[test]
fn the_fault_report_clock_is_voided_by_a_reopen_and_starts_afresh_at_the_next_resolution() {
    let mut facts = Vec::new();
    facts.extend(resolved("2026-11-20 11:00"));
    let first = clocks(&facts, "2026-11-20 12:00");
    let report = find(&first, "fault_report");
    // 2 working days on cn-mainland: 5.5 h on Friday, 7.5 h on Monday, 2 h on Tuesday.
    assert_eq!(
        (report.state, report.deadline),
        (ClockState::Running, Some(bj("2026-11-24 11:00")))
    );

    facts.extend(reopened("2026-11-20 16:00"));
    let voided = clocks(&facts, "2026-11-25 12:00");
    let report = find(&voided, "fault_report");
    assert_eq!(
        report.state,
        ClockState::Voided,
        "nothing is due while the fault is open again"
    );
    assert_eq!(report.stopped_at, Some(bj("2026-11-20 16:00")));

    facts.extend(resolved("2026-11-25 10:00"));
    let again = clocks(&facts, "2026-11-25 12:00");
    let report = find(&again, "fault_report");
    assert_eq!(report.started_at, bj("2026-11-25 10:00"));
    assert_eq!(report.state, ClockState::Running);
    assert_eq!(report.elapsed_ms, 2 * H, "from zero: 10:00–12:00");
    facts.push(("2026-11-26 09:30", Fact::Event(ClockEvent::ReportSubmitted)));
    let met = clocks(&facts, "2026-11-30 12:00");
    assert_eq!(find(&met, "fault_report").state, ClockState::Met);
}

#[test]
fn a_report_delivered_before_a_reopen_stays_met() {
    let mut facts = Vec::new();
    facts.extend(resolved("2026-11-20 11:00"));
    facts.push(("2026-11-20 15:00", Fact::Event(ClockEvent::ReportSubmitted)));
    facts.extend(reopened("2026-11-20 16:00"));
    let now = clocks(&facts, "2026-11-30 12:00");
    let report = find(&now, "fault_report");
    assert_eq!(
        (report.state, report.stopped_at),
        (ClockState::Met, Some(bj("2026-11-20 15:00")))
    );
}
