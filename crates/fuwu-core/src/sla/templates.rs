//! The SLA policy templates shipped with Fuwu, each number taken from the seed
//! (the winning bid's after-sales plan). A contract picks one, or a copy
//! edited through the API.
//!
//! - [`LEVELS_0_5`] — seed 1.1.7 服务响应时间 per fault level 0–5, plus the
//!   fault reports of 1.1.7 and the immediate escalation of severe faults.
//! - [`THREE_GRADES`] — seed 1.1.5 故障等级处理时限 (grades 1–3) and the
//!   1.1.5 故障处理服务 on-site promise.
//! - [`VENDOR_VIP`] — seed 1.2 百度原厂技术支持方案 (the cloud vendor's VIP
//!   support).
//!
//! Common to all: warnings at 50 % and 80 %; escalation assignee (50 %) →
//! team lead (80 %) → project leader (100 %, the breach); severe faults
//! (level ≥ 3, 严重故障) notify the project leader when they are raised.
//!
//! Seed 1.1.7 说明: "响应时间除特别指明为工作时间外，其他均按自然时间计算" —
//! times are natural time (calendar `24x7`) unless the seed says working time
//! (工作日 → calendar `cn-mainland`).

use super::{
    ClockEvent, EscalationStep, LevelRange, Notice, PauseCondition, Policy, Recipient, Target,
    default_warn_at_percent,
};
use crate::calendar::{BusinessDuration, CN_MAINLAND, TWENTY_FOUR_SEVEN};
use crate::types::{Category, Channel, WaitingFor};
use std::collections::BTreeSet;

pub const LEVELS_0_5: &str = "levels-0-5";
pub const THREE_GRADES: &str = "three-grades";
pub const VENDOR_VIP: &str = "vendor-vip";
pub const GENERAL: &str = "general";
/// The keys of the shipped templates.
pub const KEYS: [&str; 4] = [LEVELS_0_5, THREE_GRADES, VENDOR_VIP, GENERAL];

/// Every shipped template.
pub fn all() -> Vec<Policy> {
    vec![levels_0_5(), three_grades(), vendor_vip(), general()]
}

/// A shipped template by key.
pub fn by_key(key: &str) -> Option<Policy> {
    match key {
        LEVELS_0_5 => Some(levels_0_5()),
        THREE_GRADES => Some(three_grades()),
        VENDOR_VIP => Some(vendor_vip()),
        GENERAL => Some(general()),
        _ => None,
    }
}

fn dur(text: &str) -> BusinessDuration {
    BusinessDuration::parse(text).expect("a valid duration literal")
}

/// Assignee at 50 %, team lead at 80 %, project leader at the breach; each
/// step keeps telling those told before.
pub fn standard_escalation() -> Vec<EscalationStep> {
    use Recipient::*;
    vec![
        EscalationStep {
            at_percent: 50,
            notify: vec![Assignee],
        },
        EscalationStep {
            at_percent: 80,
            notify: vec![Assignee, TeamLead],
        },
        EscalationStep {
            at_percent: 100,
            notify: vec![Assignee, TeamLead, ProjectLeader],
        },
    ]
}

/// For targets due immediately (zero duration): no warnings possible, so
/// everyone is told at the breach.
fn immediate_escalation() -> Vec<EscalationStep> {
    vec![EscalationStep {
        at_percent: 100,
        notify: vec![
            Recipient::Assignee,
            Recipient::TeamLead,
            Recipient::ProjectLeader,
        ],
    }]
}

/// The default pause rule: waiting for the customer stops the clock (the
/// delay is theirs); waiting for a third party does not (it is ours to manage).
fn customer_pause() -> Vec<PauseCondition> {
    vec![PauseCondition::WaitingFor(WaitingFor::Customer)]
}

fn faults_only() -> Option<BTreeSet<Category>> {
    Some(BTreeSet::from([Category::Fault]))
}

struct T {
    key: String,
    zh: String,
    en: String,
    levels: LevelRange,
    start: ClockEvent,
    stop: ClockEvent,
    duration: &'static str,
    calendar: &'static str,
}

impl T {
    fn build(self) -> Target {
        let duration = dur(self.duration);
        let (warn_at_percent, escalation) = if duration.is_zero() {
            (Vec::new(), immediate_escalation())
        } else {
            (default_warn_at_percent(), standard_escalation())
        };
        Target {
            key: self.key,
            name_zh: self.zh,
            name_en: self.en,
            levels: self.levels,
            categories: None,
            channels: None,
            start: self.start,
            stop: self.stop,
            pause_when: Vec::new(),
            duration,
            calendar: self.calendar.to_owned(),
            warn_at_percent,
            escalation,
        }
    }
}

/// Severe faults (level ≥ 3, seed 1.1.7 故障报告 "严重故障(三级及以上故障)")
/// reach the project leader when raised.
fn severe_fault_notice() -> Notice {
    Notice {
        key: "severe_fault_raised".into(),
        name_zh: "严重故障通知项目负责人".into(),
        name_en: "Severe fault: tell the project leader".into(),
        levels: LevelRange::new(3, 5),
        categories: None,
        on: ClockEvent::Created,
        notify: vec![Recipient::ProjectLeader],
    }
}

/// Seed 1.1.7, the table 故障级别 / 故障恢复最长时间 / 响应方式 / 响应时间:
///
/// | level | restoration | remote / phone response | on-site response |
/// |---|---|---|---|
/// | 0 | 1工作日内 → `1wd` cn-mainland | 工作日2小时内 → `2h` cn-mainland | 2个工作日内 → `2wd` cn-mainland |
/// | 1 | 24小时内 → `24h` 24x7 | 2小时内 → `2h` 24x7 | 24小时内 → `24h` 24x7 |
/// | 2 | 4小时内 → `4h` | 30分钟内 → `30m` | 2小时内 → `2h` |
/// | 3 | 2小时内 → `2h` | 15分钟内 → `15m` | 2小时内 → `2h` |
/// | 4 | 4小时、硬件故障 → `4h` | (on-site only) | 现场方式2小时内 → `2h` |
/// | 5 | not in the table (1.1.6: disaster, data destroyed) | — | — |
///
/// - Restoration (故障恢复): `created` → `resolved`, paused while waiting for
///   the customer.
/// - Remote / phone response (响应, 说明: mode and plan chosen, ready to
///   start): `created` → `responded`.
/// - On-site response ("其他方式无法解决时需现场方式"): `onsite_requested` →
///   `onsite_arrived`. Level 4 is on-site only (its only 响应方式 is 现场方式),
///   so its on-site clock starts at `created`.
/// - Level 5 has no numeric target: disaster recovery, best effort. It is
///   covered by the notices — every level ≥ 3 tells the project leader at
///   creation, and level 5 also tells the team lead and the duty engineer.
/// - Fault report (1.1.7 故障报告): within 2 working days after the fault is
///   resolved, for severe faults and for other faults alike → one target,
///   category fault, levels 1–5 (level 0 is "no fault", SPEC §7), `resolved`
///   → `report_submitted`, `2wd` cn-mainland.
///
/// Not added: the 4-hour on-site promise of 1.1.5 (it would contradict level
/// 1's 24 h and level 0's 2 working days here; it is in [`three_grades`]) and
/// the 1-hour remote maintenance response of 1.1.8.6 (it would override level
/// 0's 2 working hours and level 1's 2 h, and is implied for levels 2–3).
pub fn levels_0_5() -> Policy {
    use ClockEvent::*;
    // (level, restoration, calendar, remote response, on-site response)
    let table: [(u8, &str, &str, Option<&str>, &str); 5] = [
        (0, "1wd", CN_MAINLAND, Some("2h"), "2wd"),
        (1, "24h", TWENTY_FOUR_SEVEN, Some("2h"), "24h"),
        (2, "4h", TWENTY_FOUR_SEVEN, Some("30m"), "2h"),
        (3, "2h", TWENTY_FOUR_SEVEN, Some("15m"), "2h"),
        (4, "4h", TWENTY_FOUR_SEVEN, None, "2h"),
    ];
    let mut targets = Vec::new();
    for (level, restoration, calendar, remote, onsite) in table {
        let levels = LevelRange::only(level);
        let mut t = T {
            key: format!("restoration_l{level}"),
            zh: format!("{level}级故障恢复"),
            en: format!("Level {level} restoration"),
            levels,
            start: Created,
            stop: Resolved,
            duration: restoration,
            calendar,
        }
        .build();
        t.pause_when = customer_pause();
        targets.push(t);
        if let Some(remote) = remote {
            targets.push(
                T {
                    key: format!("remote_response_l{level}"),
                    zh: format!("{level}级远程/电话响应"),
                    en: format!("Level {level} remote / phone response"),
                    levels,
                    start: Created,
                    stop: Responded,
                    duration: remote,
                    calendar,
                }
                .build(),
            );
        }
        targets.push(
            T {
                key: format!("onsite_response_l{level}"),
                zh: format!("{level}级现场响应"),
                en: format!("Level {level} on-site response"),
                levels,
                // Level 4 is on-site only: the visit is due from the start.
                start: if remote.is_some() {
                    OnsiteRequested
                } else {
                    Created
                },
                stop: OnsiteArrived,
                duration: onsite,
                calendar,
            }
            .build(),
        );
    }
    let mut report = T {
        key: "fault_report".into(),
        zh: "故障报告".into(),
        en: "Fault report".into(),
        levels: LevelRange::new(1, 5),
        start: Resolved,
        stop: ReportSubmitted,
        duration: "2wd",
        calendar: CN_MAINLAND,
    }
    .build();
    report.categories = faults_only();
    targets.push(report);

    Policy {
        key: LEVELS_0_5.into(),
        name_zh: "六级故障服务响应时间".into(),
        name_en: "Fault levels 0–5".into(),
        description: "招标方案 1.1.7：按故障级别 0–5 的恢复时间、远程/电话响应时间和现场响应时间；\
                      故障解决后 2 个工作日内提交故障报告。"
            .into(),
        auto_close: None,
        targets,
        notices: vec![
            severe_fault_notice(),
            Notice {
                key: "disaster_raised".into(),
                name_zh: "5级故障立即升级".into(),
                name_en: "Level 5: escalate immediately".into(),
                levels: LevelRange::only(5),
                categories: None,
                on: ClockEvent::Created,
                notify: vec![Recipient::TeamLead, Recipient::DutyEngineer],
            },
        ],
    }
}

/// Seed 1.1.5, 故障等级处理时限 (grade 1 most severe):
///
/// | grade | 响应时间 | 解决时间 | levels |
/// |---|---|---|---|
/// | 1 | 第一时间 → `0m` (due immediately) | 24小时 → `24h` | 3–5 |
/// | 2 | 30分钟内 → `30m` | 36小时 → `36h` | 2 |
/// | 3 | 30分钟内 → `30m` | 48小时 → `48h` | 0–1 |
///
/// Grade ↔ level mapping, by the seed's own descriptions (1.1.5 vs 1.1.6):
/// - grade 1 "死机、损坏…系统/网络已经全部瘫痪…所有用户无法正常使用" is the
///   system being unusable or crashed → levels 3 (主备机均无法正常使用),
///   4 and 5 (系统崩溃) — exactly the severe faults;
/// - grade 2 "部分用户…无法进行正常操作…或者是具有潜在的系统瘫痪…的危险" is
///   part of the system failing → level 2 (部分系统模块出现问题);
/// - grade 3 "对单个用户正常使用造成一定影响" is the least → level 1 (轻微故障,
///   基本不影响用户使用) and level 0 (non-fault support, which keeps the
///   lowest commitment rather than none).
///
/// Times are natural time (1.1.5 promises 7×24 受理); response stops on
/// `responded`, resolution on `resolved` and pauses while waiting for the
/// customer. Also 1.1.5 故障处理服务 "运维人员在4小时内到达现场": on-site within
/// 4 h for every fault (`onsite_requested` → `onsite_arrived`, category
/// fault). No fault-report deadline: 1.1.5 states none.
pub fn three_grades() -> Policy {
    use ClockEvent::*;
    // (grade, levels, response, resolution)
    let table: [(u8, LevelRange, &str, &str); 3] = [
        (1, LevelRange::new(3, 5), "0m", "24h"),
        (2, LevelRange::only(2), "30m", "36h"),
        (3, LevelRange::new(0, 1), "30m", "48h"),
    ];
    let mut targets = Vec::new();
    for (grade, levels, response, resolution) in table {
        targets.push(
            T {
                key: format!("response_g{grade}"),
                zh: format!("{grade}级故障响应"),
                en: format!("Grade {grade} response"),
                levels,
                start: Created,
                stop: Responded,
                duration: response,
                calendar: TWENTY_FOUR_SEVEN,
            }
            .build(),
        );
        let mut t = T {
            key: format!("resolution_g{grade}"),
            zh: format!("{grade}级故障解决"),
            en: format!("Grade {grade} resolution"),
            levels,
            start: Created,
            stop: Resolved,
            duration: resolution,
            calendar: TWENTY_FOUR_SEVEN,
        }
        .build();
        t.pause_when = customer_pause();
        targets.push(t);
    }
    let mut onsite = T {
        key: "onsite_arrival".into(),
        zh: "4小时内到达现场".into(),
        en: "On site within 4 hours".into(),
        levels: LevelRange::all(),
        start: OnsiteRequested,
        stop: OnsiteArrived,
        duration: "4h",
        calendar: TWENTY_FOUR_SEVEN,
    }
    .build();
    onsite.categories = faults_only();
    targets.push(onsite);

    Policy {
        key: THREE_GRADES.into(),
        name_zh: "三级故障处理时限".into(),
        name_en: "Three fault grades".into(),
        description:
            "招标方案 1.1.5：一级故障第一时间响应、24 小时解决；二级 30 分钟响应、36 小时解决；\
                      三级 30 分钟响应、48 小时解决；故障时运维人员 4 小时内到达现场。\
                      一级 = 故障级别 3–5，二级 = 2，三级 = 0–1。"
                .into(),
        auto_close: None,
        targets,
        notices: vec![severe_fault_notice()],
    }
}

/// Seed 1.2 (the cloud vendor's VIP support, 1.2.1):
/// - 五: "提供7*24的故障响应时间…工单响应时间在10分钟以内" → acknowledgement
///   (`created` → `acknowledged`) within `10m` on `24x7`, every level, every
///   channel except e-mail;
/// - 八: "保证E-MAIL当日回复" → acknowledgement of e-mailed requests within
///   `1wd` on `cn-mainland`. An approximation: a mail arriving at 09:00 or
///   out of hours is due by the end of that (next) working day, exactly "the
///   same day"; a mail arriving at 15:00 is due at 15:00 the next working day
///   rather than at 18:00 today (the model has durations, not "end of day");
/// - 九: "在故障解决后12小时内，向用户单位提交故障处理报告" → fault report
///   `resolved` → `report_submitted` within `12h` on `24x7`, category fault,
///   levels 1–5 (as SPEC §7: level 0 is no fault).
pub fn vendor_vip() -> Policy {
    use ClockEvent::*;
    let mut ticket = T {
        key: "acknowledgement".into(),
        zh: "工单10分钟内响应".into(),
        en: "Ticket answered within 10 minutes".into(),
        levels: LevelRange::all(),
        start: Created,
        stop: Acknowledged,
        duration: "10m",
        calendar: TWENTY_FOUR_SEVEN,
    }
    .build();
    ticket.channels = Some(
        Channel::ALL
            .iter()
            .copied()
            .filter(|c| *c != Channel::Email)
            .collect(),
    );
    let mut email = T {
        key: "email_acknowledgement".into(),
        zh: "邮件当日回复".into(),
        en: "E-mail answered the same day".into(),
        levels: LevelRange::all(),
        start: Created,
        stop: Acknowledged,
        duration: "1wd",
        calendar: CN_MAINLAND,
    }
    .build();
    email.channels = Some(BTreeSet::from([Channel::Email]));
    let mut report = T {
        key: "fault_report".into(),
        zh: "故障处理报告".into(),
        en: "Fault report".into(),
        levels: LevelRange::new(1, 5),
        start: Resolved,
        stop: ReportSubmitted,
        duration: "12h",
        calendar: TWENTY_FOUR_SEVEN,
    }
    .build();
    report.categories = faults_only();

    Policy {
        key: VENDOR_VIP.into(),
        name_zh: "原厂 VIP 技术支持".into(),
        name_en: "Vendor VIP support".into(),
        description: "招标方案 1.2：VIP 客户 7×24 故障响应，工单 10 分钟内响应，E-MAIL 当日回复，\
                      故障解决后 12 小时内提交故障处理报告。"
            .into(),
        auto_close: None,
        targets: vec![ticket, email, report],
        notices: vec![severe_fault_notice()],
    }
}

/// The general commitments of the seed, as one policy a contract can pick:
/// - 1.1.5 故障处理服务 "运维人员在4小时内到达现场" → on site within `4h`
///   (`onsite_requested` → `onsite_arrived`, 24x7, faults);
/// - 1.1.8.6 "远程服务响应时间为1小时" → remote maintenance response within
///   `1h` (`created` → `responded`, 24x7, every level);
/// - 1.1.7 故障报告 → report within `2wd` on `cn-mainland` after resolution
///   (faults, levels 1–5).
pub fn general() -> Policy {
    use ClockEvent::*;
    let mut onsite = T {
        key: "onsite_arrival".into(),
        zh: "4小时内到达现场".into(),
        en: "On site within 4 hours".into(),
        levels: LevelRange::all(),
        start: OnsiteRequested,
        stop: OnsiteArrived,
        duration: "4h",
        calendar: TWENTY_FOUR_SEVEN,
    }
    .build();
    onsite.categories = faults_only();
    let remote = T {
        key: "remote_response".into(),
        zh: "远程服务1小时内响应".into(),
        en: "Remote maintenance response within 1 hour".into(),
        levels: LevelRange::all(),
        start: Created,
        stop: Responded,
        duration: "1h",
        calendar: TWENTY_FOUR_SEVEN,
    }
    .build();
    let mut report = T {
        key: "fault_report".into(),
        zh: "故障报告".into(),
        en: "Fault report".into(),
        levels: LevelRange::new(1, 5),
        start: Resolved,
        stop: ReportSubmitted,
        duration: "2wd",
        calendar: CN_MAINLAND,
    }
    .build();
    report.categories = faults_only();
    Policy {
        key: GENERAL.into(),
        name_zh: "通用服务承诺".into(),
        name_en: "General commitments".into(),
        description:
            "招标方案 1.1.5、1.1.8.6、1.1.7：故障时 4 小时内到达现场；远程服务响应 1 小时；\
                      故障解决后 2 个工作日内提交故障报告。"
                .into(),
        auto_close: None,
        targets: vec![remote, onsite, report],
        notices: vec![severe_fault_notice()],
    }
}
