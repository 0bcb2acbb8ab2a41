//! Property tests for clocks (issue 4, item 4): random histories — start,
//! waits for the customer (pause) or a third party (no pause), resumes, an
//! optional stop — on `24x7` and `cn-mainland`, viewed at random instants:
//! - elapsed working time is never negative and never exceeds the wall time
//!   from start to the view instant (or the stop);
//! - elapsed is monotone in the view instant;
//! - time spent waiting for the customer adds no elapsed time;
//! - on `24x7`, deadline − start ≥ duration (= without pauses);
//! - percent used is elapsed / duration;
//! - the state agrees with the deadline: running and paused clocks are not
//!   past it, a running clock past it is breached, a stopped one is met iff
//!   it stopped by the deadline.

use super::clock::{Clock, ClockState, Dated, Fact, History, compute};
use super::{ClockEvent, LevelRange, PauseCondition, Policy, Target};
use crate::calendar::TWENTY_FOUR_SEVEN;
use crate::calendar::{BusinessDuration, CN_MAINLAND, CN_MAINLAND_TIME_ZONE, Calendar};
use crate::level::FaultLevel;
use crate::types::{Category, Channel, Status, Timestamp, WaitingFor};
use jiff::tz::{TimeZone, offset};
use proptest::prelude::*;
use std::sync::LazyLock;

static CN: LazyLock<Calendar> = LazyLock::new(|| {
    let tz = TimeZone::get(CN_MAINLAND_TIME_ZONE).unwrap_or_else(|_| TimeZone::fixed(offset(8)));
    Calendar::cn_mainland(tz).unwrap()
});
static ALL: LazyLock<Calendar> = LazyLock::new(Calendar::twenty_four_seven);

const MINUTE: i64 = 60_000;
/// 2020-01-01T00:00:00+08:00 and 2026-06-01: with at most ~60 days of
/// history and 10 wd of duration, everything stays inside the shipped data.
const FIRST: i64 = 1_577_808_000_000;
const LAST: i64 = 1_780_272_000_000;

fn policy(calendar: &str, duration: BusinessDuration) -> Policy {
    Policy {
        key: "p".into(),
        name_zh: "p".into(),
        name_en: "p".into(),
        description: String::new(),
        auto_close: None,
        targets: vec![Target {
            key: "t".into(),
            name_zh: "t".into(),
            name_en: "t".into(),
            levels: LevelRange::all(),
            categories: None,
            channels: None,
            start: ClockEvent::Created,
            stop: ClockEvent::Resolved,
            pause_when: vec![PauseCondition::WaitingFor(WaitingFor::Customer)],
            duration,
            calendar: calendar.into(),
            warn_at_percent: Vec::new(),
            escalation: Vec::new(),
        }],
        notices: Vec::new(),
    }
}

/// One step after the previous one: wait for someone, resume, or resolve.
#[derive(Debug, Clone, Copy)]
enum Op {
    Wait(WaitingFor),
    Resume,
    Resolve,
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        Just(Op::Wait(WaitingFor::Customer)),
        Just(Op::Wait(WaitingFor::ThirdParty)),
        Just(Op::Resume),
        Just(Op::Resume),
        Just(Op::Resolve),
    ]
}

/// A history and the intervals it waited for the customer ([from, to), open: None).
fn history(created: i64, steps: &[(i64, Op)]) -> (History, Vec<(i64, Option<i64>)>) {
    let mut facts = vec![Dated {
        at: Timestamp(created),
        fact: Fact::Event(ClockEvent::Created),
    }];
    let mut at = created;
    let mut waiting: Option<WaitingFor> = None;
    let mut customer: Vec<(i64, Option<i64>)> = Vec::new();
    for &(gap, op) in steps {
        at += gap;
        let t = Timestamp(at);
        match op {
            Op::Wait(w) if waiting.is_none() => {
                facts.push(Dated {
                    at: t,
                    fact: Fact::Status(Status::Pending),
                });
                facts.push(Dated {
                    at: t,
                    fact: Fact::WaitingFor(Some(w)),
                });
                waiting = Some(w);
                if w == WaitingFor::Customer {
                    customer.push((at, None));
                }
            }
            Op::Resume if waiting.is_some() => {
                facts.push(Dated {
                    at: t,
                    fact: Fact::Status(Status::InProgress),
                });
                facts.push(Dated {
                    at: t,
                    fact: Fact::WaitingFor(None),
                });
                if waiting == Some(WaitingFor::Customer) {
                    customer.last_mut().expect("an open wait").1 = Some(at);
                }
                waiting = None;
            }
            Op::Resolve => {
                facts.push(Dated {
                    at: t,
                    fact: Fact::Event(ClockEvent::Resolved),
                });
                facts.push(Dated {
                    at: t,
                    fact: Fact::Status(Status::Resolved),
                });
                if waiting == Some(WaitingFor::Customer) {
                    customer.last_mut().expect("an open wait").1 = Some(at);
                }
                break;
            }
            _ => {}
        }
    }
    let h = History {
        created_at: Timestamp(created),
        channel: Channel::Phone,
        level: FaultLevel::new(2).unwrap(),
        category: Category::Fault,
        facts,
    };
    (h, customer)
}

fn clock_at(p: &Policy, h: &History, at: i64) -> Clock {
    let lookup = |name: &str| match name {
        CN_MAINLAND => Some(&*CN),
        TWENTY_FOUR_SEVEN => Some(&*ALL),
        _ => None,
    };
    let mut clocks = compute(p, h, &lookup, Timestamp(at)).unwrap();
    assert_eq!(clocks.len(), 1);
    clocks.remove(0)
}

fn duration() -> impl Strategy<Value = BusinessDuration> {
    prop_oneof![
        (0u32..=600).prop_map(|m| BusinessDuration::new(0, m).unwrap()),
        (0u32..=10).prop_map(|d| BusinessDuration::new(d, 0).unwrap()),
        (0u32..=3, 0u32..=24 * 60).prop_map(|(d, m)| BusinessDuration::new(d, m).unwrap()),
    ]
}

fn case() -> impl Strategy<Value = (bool, BusinessDuration, i64, Vec<(i64, Op)>, Vec<i64>)> {
    (
        any::<bool>(),
        duration(),
        FIRST..LAST,
        proptest::collection::vec((0i64..3 * 24 * 60, op()), 0..12).prop_map(|v| {
            v.into_iter()
                .map(|(m, o)| (m * MINUTE, o))
                .collect::<Vec<_>>()
        }),
        proptest::collection::vec(0i64..40 * 24 * 60, 1..6)
            .prop_map(|v| v.into_iter().map(|m| m * MINUTE).collect::<Vec<_>>()),
    )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn clocks_keep_their_invariants((on_cn, d, created, steps, offsets) in case()) {
        let calendar = if on_cn { CN_MAINLAND } else { TWENTY_FOUR_SEVEN };
        let cal: &Calendar = if on_cn { &CN } else { &ALL };
        let p = policy(calendar, d);
        let (h, customer) = history(created, &steps);
        let duration_ms = cal.duration_ms(d);
        let mut views: Vec<i64> = offsets.iter().map(|o| created + o).collect();
        views.sort_unstable();
        let mut previous: Option<i64> = None;
        for &at in &views {
            let k = clock_at(&p, &h, at);
            let end = k.stopped_at.map_or(at, |s| s.as_millis().min(at)).max(created);
            // Elapsed: between zero and the wall time.
            prop_assert!(k.elapsed_ms >= 0, "{k:?}");
            prop_assert!(k.elapsed_ms <= end - created, "elapsed {} > wall {}", k.elapsed_ms, end - created);
            // Monotone in the view instant.
            if let Some(before) = previous {
                prop_assert!(k.elapsed_ms >= before, "elapsed went back: {before} → {}", k.elapsed_ms);
            }
            previous = Some(k.elapsed_ms);
            prop_assert_eq!(k.duration_ms, duration_ms);
            prop_assert_eq!(k.remaining_ms, duration_ms - k.elapsed_ms);
            // Percent used.
            if duration_ms > 0 {
                // Exact to 0.01 %, rounded to the nearest.
                let exact = k.elapsed_ms as f64 * 100.0 / duration_ms as f64;
                prop_assert!((k.percent_used_x100 as f64 / 100.0 - exact).abs() <= 0.005 + 1e-9, "{} vs {exact}", k.percent_used_x100);
            }
            // Deadline: at least the duration after the start on 24x7 (exactly, without pauses).
            if let Some(deadline) = k.deadline {
                if !on_cn {
                    prop_assert!(deadline.as_millis() - created >= duration_ms);
                    if customer.is_empty() {
                        prop_assert_eq!(deadline.as_millis() - created, duration_ms);
                    }
                }
            } else {
                prop_assert!(k.paused_since.is_some() && k.stopped_at.is_none(), "{k:?}");
            }
            // States against the deadline.
            match k.state {
                ClockState::Running => {
                    prop_assert!(k.deadline.is_some_and(|dl| dl.as_millis() > at), "{k:?}");
                    prop_assert!(k.elapsed_ms < duration_ms || duration_ms == 0, "{k:?}");
                }
                ClockState::Paused => {
                    prop_assert!(k.paused_since.is_some() && k.stopped_at.is_none());
                }
                ClockState::Breached => match k.stopped_at {
                    Some(stop) => prop_assert!(k.deadline.is_none_or(|dl| stop > dl), "{k:?}"),
                    None => {
                        prop_assert!(k.deadline.is_some_and(|dl| dl.as_millis() <= at), "{k:?}");
                        prop_assert!(k.elapsed_ms >= duration_ms, "{k:?}");
                    }
                },
                ClockState::Met => {
                    let stop = k.stopped_at.expect("a met clock stopped");
                    prop_assert!(k.deadline.is_some_and(|dl| stop <= dl), "{k:?}");
                }
                ClockState::Superseded => prop_assert!(false, "no level change here"),
                // Only a clock that starts on resolution can be voided (by a reopen).
                ClockState::Voided => prop_assert!(false, "this target starts at creation: {k:?}"),
            }
        }
        // Waiting for the customer adds nothing: the clock at the end of each
        // wait shows what it showed when the wait began.
        for (from, to) in customer {
            let Some(to) = to else { continue };
            let a = clock_at(&p, &h, from).elapsed_ms;
            let b = clock_at(&p, &h, to).elapsed_ms;
            prop_assert_eq!(a, b, "a customer wait [{}, {}) counted", from, to);
            let mid = clock_at(&p, &h, from + (to - from) / 2).elapsed_ms;
            prop_assert_eq!(a, mid);
        }
    }
}
