//! SLA policies (SPEC §4, §7): which clocks run for a request, how long each
//! may run, and who is told as it runs out.
//!
//! A [`Policy`] is plain serialisable data (stored as JSON, edited through the
//! API) holding a list of [`Target`]s. A target applies to a range of fault
//! levels (and optionally to some categories and channels), starts on one
//! [`ClockEvent`] and stops on another, pauses while a [`PauseCondition`]
//! holds, and allows a [`BusinessDuration`] of working time on a named
//! calendar. At each warning threshold and at each [`EscalationStep`] (100 % is
//! the breach) the listed [`Recipient`]s are told. A policy's [`Notice`]s tell
//! people about an event at once, without a clock — "severe faults go to the
//! project leader as soon as they are raised" (level 5 has no numeric target at
//! all, only immediate escalation).
//!
//! This module only describes policies and checks them ([`Policy::validate`]);
//! running the clocks is the caller's job. The shipped templates are in
//! [`templates`].

#[cfg(test)]
mod breach_props;
pub mod clock;
#[cfg(test)]
mod clock_props;
#[cfg(test)]
mod clock_tests;
pub mod counting;
#[cfg(test)]
mod level_change_tests;
#[cfg(test)]
mod reopen_tests;
pub mod templates;
#[cfg(test)]
mod tests;

use crate::calendar::BusinessDuration;
use crate::level::FaultLevel;
use crate::types::{Category, Channel, Status, WaitingFor, text_enum};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeSet, HashSet};

text_enum! {
    /// What a clock starts or stops on (SPEC §4 built-in events).
    ClockEvent("clock event") {
        /// The request was raised.
        Created => "created",
        /// Someone answered it for the first time (应答): the "answered within
        /// 10 minutes" kind of target.
        Acknowledged => "acknowledged",
        /// The engineer chose the response mode and a plan and is ready to
        /// start (响应, seed 1.1.7 说明) — not merely opening the ticket.
        Responded => "responded",
        /// An on-site visit was asked for (remote and phone could not solve it).
        OnsiteRequested => "onsite_requested",
        /// The engineer arrived on site.
        OnsiteArrived => "onsite_arrived",
        /// The service was restored / the request resolved.
        Resolved => "resolved",
        /// The fault report (故障报告) went to the customer.
        ReportSubmitted => "report_submitted",
        /// The agent revisited the user (回访用户).
        Revisited => "revisited",
        Closed => "closed",
        Reopened => "reopened",
        Cancelled => "cancelled",
    }
}

text_enum! {
    /// Who is told at a threshold or by a notice. Resolved to people by the
    /// caller from the request's assignment, team and contract.
    Recipient("recipient") {
        /// The engineer the request is assigned to.
        Assignee => "assignee",
        /// The lead of the assignee's team.
        TeamLead => "team_lead",
        /// The contract's project leader (项目负责人).
        ProjectLeader => "project_leader",
        /// The engineer on duty (值班工程师).
        DutyEngineer => "duty_engineer",
    }
}

/// While this holds, a target's clock does not run.
///
/// JSON: `{"waiting_for": "customer"}` or `{"status": "pending"}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PauseCondition {
    /// The request is pending, waiting for this party.
    WaitingFor(WaitingFor),
    /// The request is in this status (entered: pause; left: run again).
    Status(Status),
}

/// Fault levels `min..=max` (both 0–5).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct LevelRange {
    pub min: FaultLevel,
    pub max: FaultLevel,
}

impl LevelRange {
    /// Levels `min..=max`; panics on a level above 5 (for literals).
    pub fn new(min: u8, max: u8) -> LevelRange {
        let level = |n: u8| FaultLevel::new(i64::from(n)).expect("a fault level 0–5");
        LevelRange {
            min: level(min),
            max: level(max),
        }
    }
    /// The single level `n`.
    pub fn only(n: u8) -> LevelRange {
        LevelRange::new(n, n)
    }
    /// Every level, 0–5.
    pub fn all() -> LevelRange {
        LevelRange::new(0, FaultLevel::MAX)
    }
    pub fn contains(&self, level: FaultLevel) -> bool {
        self.min <= level && level <= self.max
    }
    pub fn is_empty(&self) -> bool {
        self.min > self.max
    }
}

/// Who is told when a target's clock has used `at_percent` of its duration.
/// 0 means "when the clock starts"; 100 is the breach; above 100 is later
/// still.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EscalationStep {
    pub at_percent: u16,
    pub notify: Vec<Recipient>,
}

/// One clock of a policy.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Target {
    /// Stable identifier, unique in the policy (e.g. `restoration_l3`).
    pub key: String,
    pub name_zh: String,
    pub name_en: String,
    /// The fault levels it applies to.
    pub levels: LevelRange,
    /// `None`: every category; else only these.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub categories: Option<BTreeSet<Category>>,
    /// `None`: every channel; else only requests that came in on these.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub channels: Option<BTreeSet<Channel>>,
    pub start: ClockEvent,
    pub stop: ClockEvent,
    #[serde(default)]
    pub pause_when: Vec<PauseCondition>,
    /// The allowed working time. Zero means "immediately": the deadline is the
    /// start itself, so such a target has no warning thresholds.
    pub duration: BusinessDuration,
    /// The calendar the duration is measured on (`24x7`, `cn-mainland`, or an
    /// admin's calendar).
    pub calendar: String,
    /// Percentages of the duration (each 1–99, increasing) at which the
    /// assignee is warned; the breach is always 100.
    #[serde(default = "default_warn_at_percent")]
    pub warn_at_percent: Vec<u8>,
    /// Who is told at which percentage (increasing).
    #[serde(default)]
    pub escalation: Vec<EscalationStep>,
}

/// The usual warnings: at half and at four fifths of the time.
pub fn default_warn_at_percent() -> Vec<u8> {
    vec![50, 80]
}

impl Target {
    /// Whether this target's clock runs for a request of this level and category.
    pub fn applies_to(&self, level: FaultLevel, category: Category) -> bool {
        self.levels.contains(level)
            && self
                .categories
                .as_ref()
                .is_none_or(|set| set.contains(&category))
    }

    /// Like [`Target::applies_to`], also checking the request's channel.
    pub fn applies_to_request(
        &self,
        level: FaultLevel,
        category: Category,
        channel: Channel,
    ) -> bool {
        self.applies_to(level, category)
            && self
                .channels
                .as_ref()
                .is_none_or(|set| set.contains(&channel))
    }

    /// Whether the clock pauses under `condition`.
    pub fn pauses_when(&self, condition: PauseCondition) -> bool {
        self.pause_when.contains(&condition)
    }
}

/// Tell people about an event at once, with no clock (e.g. a severe fault is
/// raised: the project leader hears of it immediately).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Notice {
    pub key: String,
    pub name_zh: String,
    pub name_en: String,
    pub levels: LevelRange,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub categories: Option<BTreeSet<Category>>,
    pub on: ClockEvent,
    pub notify: Vec<Recipient>,
}

impl Notice {
    pub fn applies_to(&self, level: FaultLevel, category: Category) -> bool {
        self.levels.contains(level)
            && self
                .categories
                .as_ref()
                .is_none_or(|set| set.contains(&category))
    }
}

/// Close a resolved request without the customer's answer after this much
/// working time on this calendar (SPEC §6).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AutoClose {
    pub after: BusinessDuration,
    pub calendar: String,
}

/// An SLA policy: what a contract promises.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Policy {
    pub key: String,
    pub name_zh: String,
    pub name_en: String,
    #[serde(default)]
    pub description: String,
    /// `None`: resolved requests close only when the customer confirms.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub auto_close: Option<AutoClose>,
    pub targets: Vec<Target>,
    #[serde(default)]
    pub notices: Vec<Notice>,
}

/// Why a policy is not usable. `target` names the target (or notice) by key.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PolicyError {
    #[error("the policy needs a key")]
    EmptyKey,
    #[error("the policy `{policy}` needs a Chinese and an English name")]
    EmptyName { policy: String },
    #[error("target number {index} needs a key")]
    EmptyTargetKey { index: usize },
    #[error("target `{target}` needs a Chinese and an English name")]
    EmptyTargetName { target: String },
    #[error("two targets or notices share the key `{key}`")]
    DuplicateKey { key: String },
    #[error("target `{target}` starts and stops on the same event `{event}`")]
    StartEqualsStop { target: String, event: ClockEvent },
    #[error("target `{target}` applies to no level: {min} is above {max}")]
    EmptyLevelRange {
        target: String,
        min: FaultLevel,
        max: FaultLevel,
    },
    #[error("target `{target}` has an empty category filter; omit it to mean every category")]
    EmptyCategories { target: String },
    #[error("target `{target}` has an empty channel filter; omit it to mean every channel")]
    EmptyChannels { target: String },
    #[error("target `{target}` lists the pause condition {condition:?} twice")]
    DuplicatePauseCondition {
        target: String,
        condition: PauseCondition,
    },
    #[error(
        "target `{target}`: warning at {percent} %; warnings must be between 1 and 99 % (the breach is 100 %)"
    )]
    WarnThresholdOutOfRange { target: String, percent: u8 },
    #[error(
        "target `{target}`: warning thresholds must increase, but {percent} % follows {previous} %"
    )]
    WarnThresholdsNotIncreasing {
        target: String,
        previous: u8,
        percent: u8,
    },
    #[error(
        "target `{target}` is due immediately (zero duration), so it cannot warn before the breach"
    )]
    WarningsOnZeroDuration { target: String },
    #[error("target `{target}` uses the calendar `{calendar}`, which does not exist")]
    UnknownCalendar { target: String, calendar: String },
    #[error(
        "target `{target}`: escalation steps must increase, but {percent} % follows {previous} %"
    )]
    EscalationNotIncreasing {
        target: String,
        previous: u16,
        percent: u16,
    },
    #[error("target `{target}`: the escalation step at {percent} % notifies nobody")]
    EscalationWithoutRecipients { target: String, percent: u16 },
    #[error("notice `{target}` notifies nobody")]
    NoticeWithoutRecipients { target: String },
    #[error("auto-close after zero time would close requests the moment they are resolved")]
    ZeroAutoClose,
}

/// Pseudo-target name used in errors about the policy's auto-close calendar.
pub const AUTO_CLOSE: &str = "auto_close";

impl Policy {
    /// The targets whose clocks run for a request of this level and category.
    pub fn targets_for(
        &self,
        level: FaultLevel,
        category: Category,
    ) -> impl Iterator<Item = &Target> {
        self.targets
            .iter()
            .filter(move |t| t.applies_to(level, category))
    }

    /// Like [`Policy::targets_for`], also filtering by the request's channel.
    pub fn targets_for_request(
        &self,
        level: FaultLevel,
        category: Category,
        channel: Channel,
    ) -> impl Iterator<Item = &Target> {
        self.targets
            .iter()
            .filter(move |t| t.applies_to_request(level, category, channel))
    }

    /// The notices that fire on `event` for a request of this level and category.
    pub fn notices_for(
        &self,
        event: ClockEvent,
        level: FaultLevel,
        category: Category,
    ) -> impl Iterator<Item = &Notice> {
        self.notices
            .iter()
            .filter(move |n| n.on == event && n.applies_to(level, category))
    }

    /// The target with this key.
    pub fn target(&self, key: &str) -> Option<&Target> {
        self.targets.iter().find(|t| t.key == key)
    }

    /// Check the policy; `calendars` are the names of the calendars that exist
    /// (at least [`crate::calendar::PRESETS`]). Reports the first problem found,
    /// policy fields first, then targets in order, then notices.
    pub fn validate(&self, calendars: &[&str]) -> Result<(), PolicyError> {
        if self.key.trim().is_empty() {
            return Err(PolicyError::EmptyKey);
        }
        if self.name_zh.trim().is_empty() || self.name_en.trim().is_empty() {
            return Err(PolicyError::EmptyName {
                policy: self.key.clone(),
            });
        }
        if let Some(auto) = &self.auto_close {
            if auto.after.is_zero() {
                return Err(PolicyError::ZeroAutoClose);
            }
            check_calendar(AUTO_CLOSE, &auto.calendar, calendars)?;
        }
        let mut keys = HashSet::new();
        for (index, target) in self.targets.iter().enumerate() {
            if target.key.trim().is_empty() {
                return Err(PolicyError::EmptyTargetKey { index });
            }
            if !keys.insert(target.key.as_str()) {
                return Err(PolicyError::DuplicateKey {
                    key: target.key.clone(),
                });
            }
            validate_target(target, calendars)?;
        }
        for (index, notice) in self.notices.iter().enumerate() {
            if notice.key.trim().is_empty() {
                return Err(PolicyError::EmptyTargetKey {
                    index: self.targets.len() + index,
                });
            }
            if !keys.insert(notice.key.as_str()) {
                return Err(PolicyError::DuplicateKey {
                    key: notice.key.clone(),
                });
            }
            let name = || notice.key.clone();
            if notice.name_zh.trim().is_empty() || notice.name_en.trim().is_empty() {
                return Err(PolicyError::EmptyTargetName { target: name() });
            }
            check_levels(&notice.key, notice.levels)?;
            if notice.categories.as_ref().is_some_and(BTreeSet::is_empty) {
                return Err(PolicyError::EmptyCategories { target: name() });
            }
            if notice.notify.is_empty() {
                return Err(PolicyError::NoticeWithoutRecipients { target: name() });
            }
        }
        Ok(())
    }
}

fn check_calendar(target: &str, calendar: &str, calendars: &[&str]) -> Result<(), PolicyError> {
    if calendars.contains(&calendar) {
        Ok(())
    } else {
        Err(PolicyError::UnknownCalendar {
            target: target.to_owned(),
            calendar: calendar.to_owned(),
        })
    }
}

fn check_levels(target: &str, levels: LevelRange) -> Result<(), PolicyError> {
    if levels.is_empty() {
        return Err(PolicyError::EmptyLevelRange {
            target: target.to_owned(),
            min: levels.min,
            max: levels.max,
        });
    }
    Ok(())
}

fn validate_target(t: &Target, calendars: &[&str]) -> Result<(), PolicyError> {
    let name = || t.key.clone();
    if t.name_zh.trim().is_empty() || t.name_en.trim().is_empty() {
        return Err(PolicyError::EmptyTargetName { target: name() });
    }
    if t.start == t.stop {
        return Err(PolicyError::StartEqualsStop {
            target: name(),
            event: t.start,
        });
    }
    check_levels(&t.key, t.levels)?;
    if t.categories.as_ref().is_some_and(BTreeSet::is_empty) {
        return Err(PolicyError::EmptyCategories { target: name() });
    }
    if t.channels.as_ref().is_some_and(BTreeSet::is_empty) {
        return Err(PolicyError::EmptyChannels { target: name() });
    }
    for (i, condition) in t.pause_when.iter().enumerate() {
        if t.pause_when[..i].contains(condition) {
            return Err(PolicyError::DuplicatePauseCondition {
                target: name(),
                condition: *condition,
            });
        }
    }
    let mut previous: Option<u8> = None;
    for &percent in &t.warn_at_percent {
        if !(1..=99).contains(&percent) {
            return Err(PolicyError::WarnThresholdOutOfRange {
                target: name(),
                percent,
            });
        }
        if let Some(previous) = previous.filter(|p| *p >= percent) {
            return Err(PolicyError::WarnThresholdsNotIncreasing {
                target: name(),
                previous,
                percent,
            });
        }
        previous = Some(percent);
    }
    if t.duration.is_zero() && !t.warn_at_percent.is_empty() {
        return Err(PolicyError::WarningsOnZeroDuration { target: name() });
    }
    check_calendar(&t.key, &t.calendar, calendars)?;
    let mut previous: Option<u16> = None;
    for step in &t.escalation {
        if let Some(previous) = previous.filter(|p| *p >= step.at_percent) {
            return Err(PolicyError::EscalationNotIncreasing {
                target: name(),
                previous,
                percent: step.at_percent,
            });
        }
        if step.notify.is_empty() {
            return Err(PolicyError::EscalationWithoutRecipients {
                target: name(),
                percent: step.at_percent,
            });
        }
        previous = Some(step.at_percent);
    }
    Ok(())
}
