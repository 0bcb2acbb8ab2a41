//! Property tests for issue 18 §2 over random histories of the shipped
//! `levels-0-5` policy: level changes (0–4), waits for the customer,
//! responses, on-site visits, resolutions, reopens and fault reports, viewed
//! at increasing instants, and recomputed after policy edits (the durations
//! halved or doubled) with the terms each judged clock keeps:
//! - a clock once breached is breached in every later view;
//! - each promise (start and stop event) has at most one clock that is not
//!   superseded or voided, and each target at most one finished clock, so
//!   attainment counts each (request, target) once.

use super::clock::{Clock, ClockState, Dated, Fact, History, Terms, compute_kept, promise};
use super::{ClockEvent, Policy, templates};
use crate::calendar::{
    BusinessDuration, CN_MAINLAND, CN_MAINLAND_TIME_ZONE, Calendar, TWENTY_FOUR_SEVEN,
};
use crate::level::FaultLevel;
use crate::types::{Category, Channel, Status, Timestamp, WaitingFor};
use jiff::tz::{TimeZone, offset};
use proptest::prelude::*;
use std::collections::{HashMap, HashSet};
use std::sync::LazyLock;

static CN: LazyLock<Calendar> = LazyLock::new(|| {
    let tz = TimeZone::get(CN_MAINLAND_TIME_ZONE).unwrap_or_else(|_| TimeZone::fixed(offset(8)));
    Calendar::cn_mainland(tz).unwrap()
});
static ALL: LazyLock<Calendar> = LazyLock::new(Calendar::twenty_four_seven);

const MINUTE: i64 = 60_000;
/// 2021-01-01 to 2025-06-01: a few days of history stay in the shipped data.
const FIRST: i64 = 1_609_430_400_000;
const LAST: i64 = 1_748_736_000_000;

#[derive(Debug, Clone, Copy)]
enum Op {
    Level(i64),
    Wait,
    Resume,
    Respond,
    OnsiteRequested,
    OnsiteArrived,
    Resolve,
    Reopen,
    Report,
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        (0i64..=4).prop_map(Op::Level),
        Just(Op::Wait),
        Just(Op::Resume),
        Just(Op::Respond),
        Just(Op::OnsiteRequested),
        Just(Op::OnsiteArrived),
        Just(Op::Resolve),
        Just(Op::Reopen),
        Just(Op::Report),
    ]
}

fn history(created: i64, level: i64, steps: &[(i64, Op)]) -> History {
    let mut facts = vec![Dated {
        at: Timestamp(created),
        fact: Fact::Event(ClockEvent::Created),
    }];
    let mut at = created;
    let mut resolved = false;
    let mut push = |at: i64, fact: Fact| {
        facts.push(Dated {
            at: Timestamp(at),
            fact,
        });
    };
    for &(gap, op) in steps {
        at += gap;
        match op {
            Op::Level(n) => push(at, Fact::Level(FaultLevel::new(n).unwrap())),
            Op::Wait => {
                push(at, Fact::Status(Status::Pending));
                push(at, Fact::WaitingFor(Some(WaitingFor::Customer)));
            }
            Op::Resume => {
                push(at, Fact::Status(Status::InProgress));
                push(at, Fact::WaitingFor(None));
            }
            Op::Respond => push(at, Fact::Event(ClockEvent::Responded)),
            Op::OnsiteRequested => push(at, Fact::Event(ClockEvent::OnsiteRequested)),
            Op::OnsiteArrived => push(at, Fact::Event(ClockEvent::OnsiteArrived)),
            Op::Resolve if !resolved => {
                resolved = true;
                push(at, Fact::Event(ClockEvent::Resolved));
                push(at, Fact::Status(Status::Resolved));
            }
            Op::Reopen if resolved => {
                resolved = false;
                push(at, Fact::Event(ClockEvent::Reopened));
                push(at, Fact::Status(Status::Reopened));
            }
            Op::Report if resolved => push(at, Fact::Event(ClockEvent::ReportSubmitted)),
            _ => {}
        }
    }
    History {
        created_at: Timestamp(created),
        channel: Channel::Phone,
        level: FaultLevel::new(level).unwrap(),
        category: Category::Fault,
        facts,
    }
}

/// `levels-0-5` with every duration scaled by `num / den`.
fn edited(num: u32, den: u32) -> Policy {
    let mut p = templates::levels_0_5();
    for t in &mut p.targets {
        let d = t.duration;
        t.duration =
            BusinessDuration::new(d.working_days() * num / den, d.minutes() * num / den).unwrap();
        if t.duration.is_zero() {
            t.warn_at_percent.clear();
        }
    }
    p
}

fn view(p: &Policy, h: &History, at: i64, kept: &HashMap<(u32, String), Terms>) -> Vec<Clock> {
    let lookup = |name: &str| match name {
        CN_MAINLAND => Some(&*CN),
        TWENTY_FOUR_SEVEN => Some(&*ALL),
        _ => None,
    };
    compute_kept(p, h, &lookup, Timestamp(at), &|g, key| {
        kept.get(&(g, key.to_owned())).cloned()
    })
    .unwrap()
}

/// (created, level, steps, view offsets, which policy at each view).
type Case = (i64, i64, Vec<(i64, Op)>, Vec<i64>, Vec<u8>);

fn case() -> impl Strategy<Value = Case> {
    (
        FIRST..LAST,
        0i64..=4,
        proptest::collection::vec((0i64..6 * 60, op()), 0..16)
            .prop_map(|v| v.into_iter().map(|(m, o)| (m * MINUTE, o)).collect()),
        proptest::collection::vec(0i64..4 * 24 * 60, 1..8)
            .prop_map(|v| v.into_iter().map(|m| m * MINUTE).collect()),
        proptest::collection::vec(0u8..3, 8),
    )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn a_breach_is_never_erased_and_each_promise_is_judged_once(
        (created, level, steps, offsets, edits) in case()
    ) {
        let h = history(created, level, &steps);
        let policies = [templates::levels_0_5(), edited(1, 2), edited(2, 1)];
        let mut views: Vec<i64> = offsets.iter().map(|o| created + o).collect();
        views.sort_unstable();
        // Two runs: the plain policy at every view, and a policy edited
        // between views, recomputed with the terms of judged clocks kept.
        for with_edits in [false, true] {
            let mut kept: HashMap<(u32, String), Terms> = HashMap::new();
            let mut breached: HashSet<(u32, String)> = HashSet::new();
            for (i, &at) in views.iter().enumerate() {
                let p = if with_edits { &policies[usize::from(edits[i])] } else { &policies[0] };
                let clocks = view(p, &h, at, &kept);
                for (g, key) in &breached {
                    let k = clocks.iter().find(|k| k.generation == *g && &k.target_key == key);
                    prop_assert!(
                        k.is_some_and(|k| k.state == ClockState::Breached),
                        "{key}/{g} was breached, now {k:?}"
                    );
                }
                let mut promises = HashSet::new();
                let mut finished = HashSet::new();
                for k in &clocks {
                    let target = p.target(&k.target_key).unwrap();
                    if matches!(k.state, ClockState::Met | ClockState::Breached | ClockState::Superseded) {
                        kept.entry((k.generation, k.target_key.clone())).or_insert(Terms {
                            calendar: k.calendar.clone(),
                            duration: k.duration,
                        });
                    }
                    match k.state {
                        ClockState::Superseded | ClockState::Voided => continue,
                        ClockState::Met | ClockState::Breached => {
                            prop_assert!(finished.insert(k.target_key.clone()), "{} finished twice: {clocks:#?}", k.target_key);
                        }
                        _ => {}
                    }
                    prop_assert!(promises.insert(promise(target)), "{:?} twice: {clocks:#?}", promise(target));
                    if k.state == ClockState::Breached {
                        breached.insert((k.generation, k.target_key.clone()));
                    }
                }
            }
        }
    }
}
