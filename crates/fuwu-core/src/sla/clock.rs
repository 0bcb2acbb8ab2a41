//! Clocks: a pure function of a request's history, its policy and the
//! calendars, evaluated as of an instant.
//!
//! ```text
//!   facts (created, acknowledged, status/waiting/level changes …)
//!        + policy + calendars + at  ──compute──▶  [Clock]
//! ```
//!
//! Nothing here keeps time: replaying the same facts at the same `at` gives
//! the same clocks, so the stored rows, the `?at=` time travel of the API and
//! a recompute after a policy correction are all this one function.
//!
//! Rules:
//! - The history is cut into **generations** at every change of level or
//!   category: generation 1 from the creation, a new one from each change.
//!   Each generation runs the targets that apply to its level and category.
//!   What a change does to a clock depends on where the clock stood at the
//!   change:
//!   - **running or paused** (and not past its deadline): it becomes
//!     `superseded` (kept, with what it had used), and the next generation's
//!     clock for the same promise counts from its own start event —
//!     retroactively, from when the customer raised the request, not from
//!     the change;
//!   - **breached** (stopped late, or running past its deadline) or **met**
//!     (stopped in time, and not resumed by a later reopen): it is final. It
//!     keeps its generation's level, duration and deadline, a breached one
//!     keeps running to its stop event, and no later generation judges the
//!     same promise again.
//!
//!   A *promise* is what a target measures: its start and stop events
//!   (`restoration_l3` and `restoration_l1` are one promise, created →
//!   resolved). A later generation never judges a promise that stopped
//!   before it began. So each promise of a request has exactly one clock
//!   that is not superseded or voided, and a breach, once seen, is seen in
//!   every later view (property-tested in `clock_props`).
//! - A clock judged (met, breached, or superseded by a level change) keeps
//!   the terms it was judged under when the policy changes afterwards: the
//!   caller passes them to [`compute_kept`] (from the stored clocks), so a
//!   policy edit moves only running clocks onto its terms and never
//!   re-judges a finished one.
//! - A clock starts at the first occurrence of its target's start event and
//!   stops at the first occurrence of its stop event after that.
//! - Reopening (SPEC §6, "not solved"): a clock that stopped on `resolved`
//!   resumes at the reopen with the time it had used; the stretch between
//!   the resolution and the reopen does not count (it is listed in
//!   `earlier_stops`), and the next `resolved` stops it again. A clock that
//!   *starts* on `resolved` (the fault report) and has not stopped by the
//!   reopen is `voided`; the next resolution starts it afresh — unless it
//!   was already past its deadline at the reopen: then it stays breached and
//!   runs on to its stop event (a late report stays late).
//! - It pauses while the request's state matches one of the target's pause
//!   conditions (`waiting_for`, `status`); paused time is measured on the
//!   target's calendar and does not count.
//! - The deadline is the instant at which the counted working time reaches
//!   the duration, with the pauses so far; while paused it is unknown (`None`).
//! - `met`: stopped by the deadline; `breached`: stopped after it, or still
//!   running past it; else `running` or `paused`.

use super::{ClockEvent, PauseCondition, Policy, Target};
use crate::calendar::{Calendar, CalendarError};
use crate::level::FaultLevel;
use crate::types::{Category, Channel, Status, Timestamp, WaitingFor, text_enum};
use serde::Serialize;

/// One fact from a request's history.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fact {
    /// A built-in event happened.
    Event(ClockEvent),
    /// The request entered this status.
    Status(Status),
    /// The request started (Some) or stopped (None) waiting for a party.
    WaitingFor(Option<WaitingFor>),
    /// The fault level changed to this one.
    Level(FaultLevel),
    /// The category changed to this one.
    Category(Category),
}

/// A fact and when it happened.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Dated {
    pub at: Timestamp,
    pub fact: Fact,
}

/// What a request's clocks depend on: how it was raised and what happened since.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct History {
    pub created_at: Timestamp,
    pub channel: Channel,
    pub level: FaultLevel,
    pub category: Category,
    /// In the order they happened (ties keep their order).
    pub facts: Vec<Dated>,
}

text_enum! {
    /// Where a clock stands.
    ClockState("clock state") {
        Running => "running",
        Paused => "paused",
        Met => "met",
        Breached => "breached",
        /// Replaced by a level or category change while it ran.
        Superseded => "superseded",
        /// Started on a resolution that a reopen undid: nothing is due until
        /// the request is resolved again.
        Voided => "voided",
    }
}

/// One target's clock for one generation, as of the instant asked for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Clock {
    pub generation: u32,
    pub target_key: String,
    pub level: FaultLevel,
    pub calendar: String,
    pub duration: crate::calendar::BusinessDuration,
    pub started_at: Timestamp,
    /// Stop event, or the end of its generation when superseded.
    pub stopped_at: Option<Timestamp>,
    /// Start of the pause in force, if paused.
    pub paused_since: Option<Timestamp>,
    /// Working time spent paused (ms).
    pub paused_ms: i64,
    /// `None` while paused.
    pub deadline: Option<Timestamp>,
    pub state: ClockState,
    /// Counted working time (ms).
    pub elapsed_ms: i64,
    /// Duration minus elapsed (negative once breached).
    pub remaining_ms: i64,
    /// Elapsed as a percentage of the duration in hundredths of a percent,
    /// rounded to the nearest (10 000 = the whole duration; 46.67 % is 4667).
    pub percent_used_x100: i64,
    /// The target's whole duration in working ms on its calendar.
    pub duration_ms: i64,
    /// The pause intervals that count for this clock (`None` end: in force),
    /// earlier stops included.
    #[serde(skip)]
    pub pauses: Vec<(Timestamp, Option<Timestamp>)>,
    /// Stops that a reopen undid: (resolved, reopened), oldest first.
    #[serde(skip)]
    pub earlier_stops: Vec<(Timestamp, Timestamp)>,
}

/// Why clocks cannot be computed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ClockError {
    #[error("target `{target}` uses calendar `{calendar}`, which is not known")]
    UnknownCalendar { target: String, calendar: String },
    #[error(transparent)]
    Calendar(#[from] CalendarError),
}

/// A stretch of history with one level and category.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Generation {
    /// 1 from the creation, +1 at each change of level or category.
    pub number: u32,
    pub from: Timestamp,
    pub to: Option<Timestamp>,
    pub level: FaultLevel,
    pub category: Category,
}

/// A pause interval `[from, to)`; `to = None`: still paused.
type Pause = (Timestamp, Option<Timestamp>);

/// The terms a clock was judged under (met, breached or superseded), which
/// it keeps when the policy changes afterwards.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Terms {
    pub calendar: String,
    pub duration: crate::calendar::BusinessDuration,
}

/// What a target promises: its start and stop events. Targets of different
/// levels with the same events (`restoration_l3`, `restoration_l1`) are one
/// promise, which a level change hands on while it runs.
pub fn promise(target: &Target) -> (ClockEvent, ClockEvent) {
    (target.start, target.stop)
}

/// Every clock of `history` under `policy`, as of `at` (facts after `at` are
/// ignored). `calendar` resolves a calendar name.
pub fn compute<'c>(
    policy: &Policy,
    history: &History,
    calendar: &dyn Fn(&str) -> Option<&'c Calendar>,
    at: Timestamp,
) -> Result<Vec<Clock>, ClockError> {
    compute_kept(policy, history, calendar, at, &|_, _| None)
}

/// Like [`compute`], with the terms each clock already judged keeps:
/// `kept(generation, target key)` (a policy edit after the judgement does
/// not re-judge it). Kept terms on a calendar that no longer exists are
/// ignored.
pub fn compute_kept<'c>(
    policy: &Policy,
    history: &History,
    calendar: &dyn Fn(&str) -> Option<&'c Calendar>,
    at: Timestamp,
    kept: &dyn Fn(u32, &str) -> Option<Terms>,
) -> Result<Vec<Clock>, ClockError> {
    let facts: Vec<Dated> = history
        .facts
        .iter()
        .copied()
        .filter(|f| f.at <= at)
        .collect();
    let mut out = Vec::new();
    // Promises judged for good in an earlier generation.
    let mut closed: Vec<(ClockEvent, ClockEvent)> = Vec::new();
    for seg in &generations(history, at) {
        let mut closing = Vec::new();
        for target in policy.targets_for_request(seg.level, seg.category, history.channel) {
            let promise = promise(target);
            if closed.contains(&promise) {
                continue;
            }
            let kept_target;
            let target =
                match kept(seg.number, &target.key).filter(|t| calendar(&t.calendar).is_some()) {
                    Some(terms) => {
                        kept_target = Target {
                            calendar: terms.calendar,
                            duration: terms.duration,
                            ..target.clone()
                        };
                        &kept_target
                    }
                    None => target,
                };
            if let Some(clock) = clock_for(target, seg, history, &facts, calendar, at)? {
                if seg.to.is_some() && matches!(clock.state, ClockState::Met | ClockState::Breached)
                {
                    closing.push(promise);
                }
                out.push(clock);
            }
        }
        closed.extend(closing);
    }
    Ok(out)
}

/// The generations of `history` up to `at`.
pub fn generations(history: &History, at: Timestamp) -> Vec<Generation> {
    let facts = history.facts.iter().filter(|f| f.at <= at);
    let mut out = vec![Generation {
        number: 1,
        from: history.created_at,
        to: None,
        level: history.level,
        category: history.category,
    }];
    for f in facts {
        let last = *out.last().expect("never empty");
        let (level, category) = match f.fact {
            Fact::Level(l) if l != last.level => (l, last.category),
            Fact::Category(c) if c != last.category => (last.level, c),
            _ => continue,
        };
        out.last_mut().expect("never empty").to = Some(f.at);
        out.push(Generation {
            number: last.number + 1,
            from: f.at,
            to: None,
            level,
            category,
        });
    }
    out
}

fn first_event(facts: &[Dated], event: ClockEvent, from: Timestamp) -> Option<Timestamp> {
    facts
        .iter()
        .find(|f| f.at >= from && f.fact == Fact::Event(event))
        .map(|f| f.at)
}

/// How a target's clock ran over the facts: when it started, when it
/// stopped (or was voided), and the earlier stops a reopen undid.
#[derive(Clone)]
struct Run {
    started: Timestamp,
    stop: Option<Timestamp>,
    voided: bool,
    earlier_stops: Vec<(Timestamp, Timestamp)>,
}

/// `late(started, reopened)`: whether a run that starts on a resolution
/// was past its deadline when a reopen came (then it is not voided).
fn run_of(
    target: &Target,
    facts: &[Dated],
    created_at: Timestamp,
    late: &dyn Fn(Timestamp, Timestamp) -> Result<bool, CalendarError>,
) -> Result<Option<Run>, CalendarError> {
    let is = |f: &Dated, e: ClockEvent| f.fact == Fact::Event(e);
    if target.start == ClockEvent::Resolved {
        // Voided by a reopen before its stop; the next resolution starts it
        // afresh. Already late at the reopen: it stays, until its stop.
        let Some(mut start) = facts.iter().position(|f| is(f, target.start)) else {
            return Ok(None);
        };
        loop {
            let started = facts[start].at;
            let rest = &facts[start + 1..];
            let stop_at = |rest: &[Dated]| rest.iter().find(|f| is(f, target.stop)).map(|f| f.at);
            let Some(k) = rest
                .iter()
                .position(|f| is(f, target.stop) || is(f, ClockEvent::Reopened))
            else {
                return Ok(Some(Run {
                    started,
                    stop: None,
                    voided: false,
                    earlier_stops: Vec::new(),
                }));
            };
            if is(&rest[k], target.stop) {
                return Ok(Some(Run {
                    started,
                    stop: Some(rest[k].at),
                    voided: false,
                    earlier_stops: Vec::new(),
                }));
            }
            let reopened = start + 1 + k;
            if late(started, facts[reopened].at)? {
                return Ok(Some(Run {
                    started,
                    stop: stop_at(rest),
                    voided: false,
                    earlier_stops: Vec::new(),
                }));
            }
            match facts[reopened + 1..]
                .iter()
                .position(|f| is(f, target.start))
            {
                Some(n) => start = reopened + 1 + n,
                None => {
                    return Ok(Some(Run {
                        started,
                        stop: Some(facts[reopened].at),
                        voided: true,
                        earlier_stops: Vec::new(),
                    }));
                }
            }
        }
    }
    let Some(started) = first_event(facts, target.start, created_at) else {
        return Ok(None);
    };
    let mut stop = facts
        .iter()
        .position(|f| f.at >= started && is(f, target.stop));
    let mut earlier_stops = Vec::new();
    if target.stop == ClockEvent::Resolved {
        // Resumed by a reopen: the stop becomes an earlier stop.
        while let Some(i) = stop {
            let Some(r) = facts[i + 1..]
                .iter()
                .position(|f| is(f, ClockEvent::Reopened))
                .map(|r| i + 1 + r)
            else {
                break;
            };
            earlier_stops.push((facts[i].at, facts[r].at));
            stop = facts[r + 1..]
                .iter()
                .position(|f| is(f, target.stop))
                .map(|n| r + 1 + n);
        }
    }
    Ok(Some(Run {
        started,
        stop: stop.map(|i| facts[i].at),
        voided: false,
        earlier_stops,
    }))
}

/// `a` and `b` as one sorted list of disjoint intervals.
fn merge(a: Vec<Pause>, b: &[(Timestamp, Timestamp)]) -> Vec<Pause> {
    if b.is_empty() {
        return a;
    }
    let mut all: Vec<Pause> = a;
    all.extend(b.iter().map(|&(s, e)| (s, Some(e))));
    all.sort_by_key(|p| p.0);
    let mut out: Vec<Pause> = Vec::with_capacity(all.len());
    for (s, e) in all {
        if let Some(last) = out.last_mut()
            && last.1.is_none_or(|le| s <= le)
        {
            last.1 = match (last.1, e) {
                (Some(le), Some(e)) => Some(le.max(e)),
                _ => None,
            };
            continue;
        }
        out.push((s, e));
    }
    out
}

/// When the target's pause conditions held, from the status / waiting timeline.
fn pauses(target: &Target, history: &History, facts: &[Dated]) -> Vec<Pause> {
    if target.pause_when.is_empty() {
        return Vec::new();
    }
    let mut status = Status::New;
    let mut waiting: Option<WaitingFor> = None;
    let holds = |s: Status, w: Option<WaitingFor>| {
        target.pause_when.iter().any(|c| match c {
            PauseCondition::Status(x) => *x == s,
            PauseCondition::WaitingFor(x) => w == Some(*x),
        })
    };
    let mut out: Vec<Pause> = Vec::new();
    let mut since = holds(status, waiting).then_some(history.created_at);
    for f in facts {
        match f.fact {
            Fact::Status(s) => status = s,
            Fact::WaitingFor(w) => waiting = w,
            _ => continue,
        }
        // A request that is not pending waits for nobody.
        let w = if status == Status::Pending {
            waiting
        } else {
            None
        };
        match (since, holds(status, w)) {
            (None, true) => since = Some(f.at),
            (Some(s), false) => {
                if f.at > s {
                    out.push((s, Some(f.at)));
                }
                since = None;
            }
            _ => {}
        }
    }
    if let Some(s) = since {
        out.push((s, None));
    }
    out
}

/// The instant at which `amount` working ms have been counted from `start`,
/// skipping `pauses`; `None` if a pause still in force comes first.
fn reach(
    cal: &Calendar,
    start: Timestamp,
    pauses: &[Pause],
    amount: i64,
) -> Result<Option<Timestamp>, CalendarError> {
    let mut cur = start;
    let mut remaining = amount;
    for &(ps, pe) in pauses {
        let pe_clipped = pe.map(|e| e.max(cur));
        if pe_clipped.is_some_and(|e| e <= cur) {
            continue;
        }
        let ps = ps.max(cur);
        let candidate = cal.deadline_after(cur, remaining)?;
        if candidate <= ps {
            return Ok(Some(candidate));
        }
        remaining -= cal.working_time_between(cur, ps)?;
        match pe_clipped {
            Some(e) => cur = e,
            None => return Ok(None),
        }
    }
    Ok(Some(cal.deadline_after(cur, remaining.max(0))?))
}

/// Working ms inside `pauses` between `from` and `to`.
fn paused_between(
    cal: &Calendar,
    pauses: &[Pause],
    from: Timestamp,
    to: Timestamp,
) -> Result<i64, CalendarError> {
    let mut total = 0;
    for &(ps, pe) in pauses {
        let a = ps.max(from);
        let b = pe.unwrap_or(to).min(to);
        if b > a {
            total += cal.working_time_between(a, b)?;
        }
    }
    Ok(total)
}

/// The run of `target` over `facts`, checking on `cal` whether a
/// resolution-started run was already late when a reopen came.
fn run_for(
    target: &Target,
    history: &History,
    facts: &[Dated],
    cal: Option<&Calendar>,
) -> Result<Option<Run>, CalendarError> {
    let late = |started: Timestamp, reopened: Timestamp| -> Result<bool, CalendarError> {
        let Some(cal) = cal else {
            return Ok(false);
        };
        let before = clip(&pauses(target, history, facts), reopened);
        let deadline = reach(cal, started, &before, cal.duration_ms(target.duration))?;
        Ok(deadline.is_some_and(|d| d < reopened))
    };
    run_of(target, facts, history.created_at, &late)
}

/// The pauses that began before `end`, ended by it at the latest.
fn clip(pauses: &[Pause], end: Timestamp) -> Vec<Pause> {
    pauses
        .iter()
        .filter(|(ps, _)| *ps < end)
        .map(|&(ps, pe)| (ps, Some(pe.map_or(end, |e| e.min(end)))))
        .collect()
}

fn clock_for<'c>(
    target: &Target,
    seg: &Generation,
    history: &History,
    facts: &[Dated],
    calendar: &dyn Fn(&str) -> Option<&'c Calendar>,
    at: Timestamp,
) -> Result<Option<Clock>, ClockError> {
    let cal = calendar(&target.calendar);
    // Retroactive: the start event may precede the generation.
    let Some(run) = run_for(target, history, facts, cal)? else {
        return Ok(None);
    };
    if seg.to.is_some_and(|to| run.started >= to) {
        return Ok(None);
    }
    // A later generation never judges a promise that stopped before it began.
    if seg.number > 1 && run.stop.is_some_and(|s| s <= seg.from) {
        return Ok(None);
    }
    let cal = cal.ok_or_else(|| ClockError::UnknownCalendar {
        target: target.key.clone(),
        calendar: target.calendar.clone(),
    })?;
    let Some(to) = seg.to else {
        return Ok(Some(evaluate(target, seg, history, facts, cal, run, at)?));
    };
    // Where the clock stood when its generation ended decides its fate.
    let before: Vec<Dated> = facts.iter().copied().filter(|f| f.at <= to).collect();
    let Some(then_run) = run_for(target, history, &before, Some(cal))? else {
        return Ok(None);
    };
    let resumed_later = run.stop != then_run.stop || run.voided != then_run.voided;
    let then_stop = then_run.stop;
    let then = evaluate(target, seg, history, &before, cal, then_run.clone(), to)?;
    Ok(Some(match then.state {
        // Final: judged under this generation's terms, for good.
        ClockState::Breached => evaluate(target, seg, history, facts, cal, run, at)?,
        ClockState::Met if !resumed_later => evaluate(target, seg, history, facts, cal, run, at)?,
        ClockState::Voided => then,
        // Still running (or resumed by a later reopen): the next generation
        // takes the promise over; this clock keeps what it had used.
        _ => {
            let stop = then_stop.filter(|s| *s <= to).unwrap_or(to);
            let mut k = evaluate(
                target,
                seg,
                history,
                &before,
                cal,
                Run {
                    stop: Some(stop),
                    voided: false,
                    ..then_run
                },
                to,
            )?;
            k.state = ClockState::Superseded;
            k
        }
    }))
}

/// The clock of one run of `target` in generation `seg`, as of `at`.
fn evaluate(
    target: &Target,
    seg: &Generation,
    history: &History,
    facts: &[Dated],
    cal: &Calendar,
    run: Run,
    at: Timestamp,
) -> Result<Clock, ClockError> {
    let started = run.started;
    let stopped_at = run.stop;
    let end = stopped_at.unwrap_or(at).max(started);
    // Earlier stops count like pauses: not working time of this clock.
    let all_pauses = merge(pauses(target, history, facts), &run.earlier_stops);
    let paused_ms = paused_between(cal, &all_pauses, started, end)?;
    let duration_ms = cal.duration_ms(target.duration);
    let elapsed_ms = cal.working_time_between(started, end)? - paused_ms;
    let paused_since = if stopped_at.is_none() {
        all_pauses
            .last()
            .filter(|(_, pe)| pe.is_none())
            .map(|(ps, _)| *ps)
    } else {
        None
    };
    // A stopped clock's pauses end with it; later ones never matter.
    let relevant: Vec<Pause> = match stopped_at {
        Some(end) => clip(&all_pauses, end),
        None => all_pauses,
    };
    let deadline = reach(cal, started, &relevant, duration_ms)?;
    let state = if run.voided {
        ClockState::Voided
    } else if let Some(stop) = stopped_at {
        if deadline.is_some_and(|d| stop <= d) {
            ClockState::Met
        } else {
            ClockState::Breached
        }
    } else if deadline.is_some_and(|d| d <= at) {
        ClockState::Breached
    } else if paused_since.is_some() {
        ClockState::Paused
    } else {
        ClockState::Running
    };
    Ok(Clock {
        generation: seg.number,
        target_key: target.key.clone(),
        level: seg.level,
        calendar: target.calendar.clone(),
        duration: target.duration,
        started_at: started,
        stopped_at,
        paused_since,
        paused_ms,
        deadline,
        state,
        elapsed_ms,
        remaining_ms: duration_ms - elapsed_ms,
        percent_used_x100: percent_x100(elapsed_ms, duration_ms, state),
        duration_ms,
        pauses: relevant,
        earlier_stops: run
            .earlier_stops
            .into_iter()
            .filter(|(s, _)| *s < end)
            .collect(),
    })
}

/// `elapsed / duration` in hundredths of a percent, rounded half up; a
/// zero-duration target is all used once breached.
pub fn percent_x100(elapsed_ms: i64, duration_ms: i64, state: ClockState) -> i64 {
    if duration_ms > 0 {
        let (e, d) = (i128::from(elapsed_ms), i128::from(duration_ms));
        i64::try_from((e * 20_000 + d).div_euclid(2 * d)).unwrap_or(i64::MAX)
    } else if state == ClockState::Breached {
        10_000
    } else {
        0
    }
}

/// The thresholds (percent) at which someone must be told for this target:
/// its warnings, its escalation steps and the breach (100), ascending.
pub fn thresholds(target: &Target) -> Vec<u16> {
    let mut t: Vec<u16> = target
        .warn_at_percent
        .iter()
        .map(|p| u16::from(*p))
        .chain(target.escalation.iter().map(|s| s.at_percent))
        .chain([100])
        .collect();
    t.sort_unstable();
    t.dedup();
    t
}

/// When a running clock reaches `percent` of its target (with the pauses so
/// far); `None` while paused or once stopped.
pub fn due_at(
    clock: &Clock,
    cal: &Calendar,
    percent: u16,
) -> Result<Option<Timestamp>, CalendarError> {
    if clock.stopped_at.is_some() || clock.paused_since.is_some() {
        return Ok(None);
    }
    reach(
        cal,
        clock.started_at,
        &clock.pauses,
        clock.duration_ms * i64::from(percent) / 100,
    )
}
