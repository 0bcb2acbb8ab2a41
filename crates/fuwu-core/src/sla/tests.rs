use super::templates::{self, LEVELS_0_5};
use super::*;
use crate::calendar::{CN_MAINLAND, PRESETS, TWENTY_FOUR_SEVEN};

fn lvl(n: i64) -> FaultLevel {
    FaultLevel::new(n).unwrap()
}

fn dur(s: &str) -> BusinessDuration {
    s.parse().unwrap()
}

fn keys_for(policy: &Policy, level: i64, category: Category) -> Vec<&str> {
    policy
        .targets_for(lvl(level), category)
        .map(|t| t.key.as_str())
        .collect()
}

#[test]
fn every_template_validates_against_the_preset_calendars() {
    for policy in templates::all() {
        assert_eq!(policy.validate(&PRESETS), Ok(()), "{}", policy.key);
    }
}

#[test]
fn every_template_is_found_by_its_key() {
    for key in templates::KEYS {
        assert_eq!(templates::by_key(key).unwrap().key, key);
    }
    assert!(templates::by_key("gold").is_none());
}

#[test]
fn every_template_survives_a_json_round_trip() {
    for policy in templates::all() {
        let json = serde_json::to_string_pretty(&policy).unwrap();
        let back: Policy = serde_json::from_str(&json).unwrap();
        assert_eq!(back, policy, "{json}");
    }
}

#[test]
fn levels_0_5_durations_and_calendars_follow_seed_1_1_7() {
    let p = templates::levels_0_5();
    let table = [
        ("restoration_l0", "1wd", CN_MAINLAND),
        ("restoration_l1", "24h", TWENTY_FOUR_SEVEN),
        ("restoration_l2", "4h", TWENTY_FOUR_SEVEN),
        ("restoration_l3", "2h", TWENTY_FOUR_SEVEN),
        ("restoration_l4", "4h", TWENTY_FOUR_SEVEN),
        ("remote_response_l0", "2h", CN_MAINLAND),
        ("remote_response_l1", "2h", TWENTY_FOUR_SEVEN),
        ("remote_response_l2", "30m", TWENTY_FOUR_SEVEN),
        ("remote_response_l3", "15m", TWENTY_FOUR_SEVEN),
        ("onsite_response_l0", "2wd", CN_MAINLAND),
        ("onsite_response_l1", "24h", TWENTY_FOUR_SEVEN),
        ("onsite_response_l2", "2h", TWENTY_FOUR_SEVEN),
        ("onsite_response_l3", "2h", TWENTY_FOUR_SEVEN),
        ("onsite_response_l4", "2h", TWENTY_FOUR_SEVEN),
        ("fault_report", "2wd", CN_MAINLAND),
    ];
    for (key, duration, calendar) in table {
        let t = p.target(key).unwrap_or_else(|| panic!("{key} missing"));
        assert_eq!(t.duration, dur(duration), "{key}");
        assert_eq!(t.calendar, calendar, "{key}");
    }
    assert_eq!(p.targets.len(), table.len());
}

#[test]
fn level_3_restoration_is_two_hours_of_natural_time_and_level_0_one_working_day() {
    let p = templates::levels_0_5();
    let restoration = |level| {
        p.targets_for(lvl(level), Category::Fault)
            .find(|t| t.stop == ClockEvent::Resolved && t.start == ClockEvent::Created)
            .unwrap()
    };
    let l3 = restoration(3);
    assert_eq!((l3.duration, l3.calendar.as_str()), (dur("2h"), "24x7"));
    let l0 = restoration(0);
    assert_eq!(
        (l0.duration, l0.calendar.as_str()),
        (dur("1wd"), "cn-mainland")
    );
}

#[test]
fn level_4_faults_get_no_remote_response_and_an_onsite_clock_from_creation() {
    let p = templates::levels_0_5();
    let keys = keys_for(&p, 4, Category::Fault);
    assert_eq!(
        keys,
        ["restoration_l4", "onsite_response_l4", "fault_report"]
    );
    assert!(
        p.targets_for(lvl(4), Category::Fault)
            .all(|t| t.stop != ClockEvent::Responded)
    );
    assert_eq!(
        p.target("onsite_response_l4").unwrap().start,
        ClockEvent::Created
    );
}

#[test]
fn response_stops_on_responded_and_onsite_runs_from_request_to_arrival() {
    let p = templates::levels_0_5();
    for level in 0..=3 {
        let remote = p.target(&format!("remote_response_l{level}")).unwrap();
        assert_eq!(
            (remote.start, remote.stop),
            (ClockEvent::Created, ClockEvent::Responded)
        );
        let onsite = p.target(&format!("onsite_response_l{level}")).unwrap();
        assert_eq!(
            (onsite.start, onsite.stop),
            (ClockEvent::OnsiteRequested, ClockEvent::OnsiteArrived)
        );
    }
}

#[test]
fn level_5_has_no_numeric_target_but_escalates_at_creation() {
    let p = templates::levels_0_5();
    assert_eq!(keys_for(&p, 5, Category::Fault), ["fault_report"]);
    let told: BTreeSet<Recipient> = p
        .notices_for(ClockEvent::Created, lvl(5), Category::Fault)
        .flat_map(|n| n.notify.iter().copied())
        .collect();
    assert_eq!(
        told,
        BTreeSet::from([
            Recipient::ProjectLeader,
            Recipient::TeamLead,
            Recipient::DutyEngineer
        ])
    );
}

#[test]
fn severe_faults_tell_the_project_leader_at_creation_in_every_template() {
    for policy in templates::all() {
        for level in 0..=5 {
            let told = policy
                .notices_for(ClockEvent::Created, lvl(level), Category::Fault)
                .any(|n| n.notify.contains(&Recipient::ProjectLeader));
            assert_eq!(told, level >= 3, "{} level {level}", policy.key);
        }
    }
}

#[test]
fn fault_reports_apply_to_faults_of_level_1_and_above_only() {
    for policy in [templates::levels_0_5(), templates::vendor_vip()] {
        for level in 0..=5 {
            for category in Category::ALL {
                let has = policy
                    .targets_for(lvl(level), *category)
                    .any(|t| t.key == "fault_report");
                let want = level >= 1 && *category == Category::Fault;
                assert_eq!(has, want, "{} level {level} {category}", policy.key);
            }
        }
    }
}

#[test]
fn restoration_pauses_for_the_customer_but_not_for_a_third_party() {
    let p = templates::levels_0_5();
    for t in p
        .targets
        .iter()
        .filter(|t| t.key.starts_with("restoration"))
    {
        assert!(t.pauses_when(PauseCondition::WaitingFor(WaitingFor::Customer)));
        assert!(!t.pauses_when(PauseCondition::WaitingFor(WaitingFor::ThirdParty)));
    }
}

#[test]
fn three_grades_map_to_levels_with_the_seed_1_1_5_times() {
    let p = templates::three_grades();
    // (level, response, resolution)
    let table = [
        (0, "30m", "48h"),
        (1, "30m", "48h"),
        (2, "30m", "36h"),
        (3, "0m", "24h"),
        (4, "0m", "24h"),
        (5, "0m", "24h"),
    ];
    for (level, response, resolution) in table {
        let targets: Vec<&Target> = p.targets_for(lvl(level), Category::Fault).collect();
        let find = |stop| {
            targets
                .iter()
                .find(|t| t.start == ClockEvent::Created && t.stop == stop)
                .unwrap()
        };
        assert_eq!(
            find(ClockEvent::Responded).duration,
            dur(response),
            "level {level}"
        );
        assert_eq!(
            find(ClockEvent::Resolved).duration,
            dur(resolution),
            "level {level}"
        );
    }
}

#[test]
fn grade_1_response_is_immediate_and_escalates_to_everyone_at_once() {
    let t = templates::three_grades()
        .target("response_g1")
        .cloned()
        .unwrap();
    assert!(t.duration.is_zero());
    assert!(t.warn_at_percent.is_empty());
    assert_eq!(t.escalation.len(), 1);
    assert_eq!(t.escalation[0].at_percent, 100);
}

#[test]
fn three_grades_promise_an_onsite_visit_within_four_hours_for_faults_only() {
    let p = templates::three_grades();
    let t = p.target("onsite_arrival").unwrap();
    assert_eq!(t.duration, dur("4h"));
    assert!(keys_for(&p, 1, Category::Fault).contains(&"onsite_arrival"));
    assert!(!keys_for(&p, 1, Category::Consultation).contains(&"onsite_arrival"));
}

#[test]
fn vendor_vip_acknowledges_tickets_in_ten_minutes_around_the_clock() {
    let p = templates::vendor_vip();
    let t = p.target("acknowledgement").unwrap();
    assert_eq!(
        (t.start, t.stop, t.duration, t.calendar.as_str()),
        (
            ClockEvent::Created,
            ClockEvent::Acknowledged,
            dur("10m"),
            "24x7"
        )
    );
    let for_channel = |channel| -> Vec<&str> {
        p.targets_for_request(lvl(2), Category::Fault, channel)
            .filter(|t| t.stop == ClockEvent::Acknowledged)
            .map(|t| t.key.as_str())
            .collect()
    };
    assert_eq!(for_channel(Channel::Web), ["acknowledgement"]);
    assert_eq!(for_channel(Channel::Phone), ["acknowledgement"]);
    assert_eq!(for_channel(Channel::Email), ["email_acknowledgement"]);
    let report = p.target("fault_report").unwrap();
    assert_eq!(
        (report.duration, report.calendar.as_str()),
        (dur("12h"), "24x7")
    );
}

#[test]
fn every_template_target_warns_at_50_and_80_and_reaches_the_project_leader_at_breach() {
    for policy in templates::all() {
        for t in &policy.targets {
            if !t.duration.is_zero() {
                assert_eq!(t.warn_at_percent, [50, 80], "{}", t.key);
                let at = |p: u16| t.escalation.iter().find(|s| s.at_percent == p).unwrap();
                assert!(at(80).notify.contains(&Recipient::TeamLead), "{}", t.key);
            }
            let breach = t.escalation.iter().find(|s| s.at_percent == 100).unwrap();
            assert!(
                breach.notify.contains(&Recipient::ProjectLeader),
                "{}",
                t.key
            );
        }
    }
}

#[test]
fn omitted_optional_fields_take_their_defaults_when_read_from_json() {
    let json = r#"{
        "key": "p", "name_zh": "策略", "name_en": "Policy",
        "targets": [{
            "key": "t", "name_zh": "目标", "name_en": "Target",
            "levels": {"min": 1, "max": 3},
            "start": "created", "stop": "resolved",
            "pause_when": [{"waiting_for": "customer"}, {"status": "pending"}],
            "duration": "1wd4h", "calendar": "cn-mainland"
        }]
    }"#;
    let p: Policy = serde_json::from_str(json).unwrap();
    let t = &p.targets[0];
    assert_eq!(t.warn_at_percent, [50, 80]);
    assert_eq!(t.categories, None);
    assert_eq!(
        t.pause_when,
        [
            PauseCondition::WaitingFor(WaitingFor::Customer),
            PauseCondition::Status(Status::Pending)
        ]
    );
    assert_eq!(p.validate(&PRESETS), Ok(()));
    assert!(serde_json::from_str::<Policy>(&json.replace("\"max\": 3", "\"max\": 6")).is_err());
}

/// A valid policy with one target, for breaking one thing at a time.
fn good() -> Policy {
    let mut p = templates::levels_0_5();
    p.targets.truncate(1);
    p.notices.truncate(1);
    p
}

#[test]
fn each_bad_policy_is_rejected_with_its_own_error() {
    type Break = fn(&mut Policy);
    let cases: Vec<(&str, Break, PolicyError)> = vec![
        (
            "empty policy key",
            |p| p.key = " ".into(),
            PolicyError::EmptyKey,
        ),
        (
            "empty policy name",
            |p| p.name_en.clear(),
            PolicyError::EmptyName {
                policy: LEVELS_0_5.into(),
            },
        ),
        (
            "zero auto-close",
            |p| {
                p.auto_close = Some(AutoClose {
                    after: BusinessDuration::ZERO,
                    calendar: "24x7".into(),
                });
            },
            PolicyError::ZeroAutoClose,
        ),
        (
            "auto-close on an unknown calendar",
            |p| {
                p.auto_close = Some(AutoClose {
                    after: "3wd".parse().unwrap(),
                    calendar: "mars".into(),
                });
            },
            PolicyError::UnknownCalendar {
                target: AUTO_CLOSE.into(),
                calendar: "mars".into(),
            },
        ),
        (
            "empty target key",
            |p| p.targets[0].key.clear(),
            PolicyError::EmptyTargetKey { index: 0 },
        ),
        (
            "duplicate target key",
            |p| {
                let copy = p.targets[0].clone();
                p.targets.push(copy);
            },
            PolicyError::DuplicateKey {
                key: "restoration_l0".into(),
            },
        ),
        (
            "notice sharing a target's key",
            |p| p.notices[0].key = "restoration_l0".into(),
            PolicyError::DuplicateKey {
                key: "restoration_l0".into(),
            },
        ),
        (
            "empty target name",
            |p| p.targets[0].name_zh.clear(),
            PolicyError::EmptyTargetName {
                target: "restoration_l0".into(),
            },
        ),
        (
            "start equals stop",
            |p| p.targets[0].stop = ClockEvent::Created,
            PolicyError::StartEqualsStop {
                target: "restoration_l0".into(),
                event: ClockEvent::Created,
            },
        ),
        (
            "empty level range",
            |p| p.targets[0].levels = LevelRange::new(3, 1),
            PolicyError::EmptyLevelRange {
                target: "restoration_l0".into(),
                min: FaultLevel::new(3).unwrap(),
                max: FaultLevel::new(1).unwrap(),
            },
        ),
        (
            "empty category filter",
            |p| p.targets[0].categories = Some(BTreeSet::new()),
            PolicyError::EmptyCategories {
                target: "restoration_l0".into(),
            },
        ),
        (
            "empty channel filter",
            |p| p.targets[0].channels = Some(BTreeSet::new()),
            PolicyError::EmptyChannels {
                target: "restoration_l0".into(),
            },
        ),
        (
            "duplicate pause condition",
            |p| {
                p.targets[0]
                    .pause_when
                    .push(PauseCondition::WaitingFor(WaitingFor::Customer));
            },
            PolicyError::DuplicatePauseCondition {
                target: "restoration_l0".into(),
                condition: PauseCondition::WaitingFor(WaitingFor::Customer),
            },
        ),
        (
            "warning at 100 %",
            |p| p.targets[0].warn_at_percent = vec![50, 100],
            PolicyError::WarnThresholdOutOfRange {
                target: "restoration_l0".into(),
                percent: 100,
            },
        ),
        (
            "warning at 0 %",
            |p| p.targets[0].warn_at_percent = vec![0, 50],
            PolicyError::WarnThresholdOutOfRange {
                target: "restoration_l0".into(),
                percent: 0,
            },
        ),
        (
            "warnings decreasing",
            |p| p.targets[0].warn_at_percent = vec![80, 50],
            PolicyError::WarnThresholdsNotIncreasing {
                target: "restoration_l0".into(),
                previous: 80,
                percent: 50,
            },
        ),
        (
            "warnings repeated",
            |p| p.targets[0].warn_at_percent = vec![50, 50],
            PolicyError::WarnThresholdsNotIncreasing {
                target: "restoration_l0".into(),
                previous: 50,
                percent: 50,
            },
        ),
        (
            "warnings on a zero duration",
            |p| p.targets[0].duration = BusinessDuration::ZERO,
            PolicyError::WarningsOnZeroDuration {
                target: "restoration_l0".into(),
            },
        ),
        (
            "unknown calendar",
            |p| p.targets[0].calendar = "cn-hongkong".into(),
            PolicyError::UnknownCalendar {
                target: "restoration_l0".into(),
                calendar: "cn-hongkong".into(),
            },
        ),
        (
            "escalation steps decreasing",
            |p| p.targets[0].escalation.swap(0, 1),
            PolicyError::EscalationNotIncreasing {
                target: "restoration_l0".into(),
                previous: 80,
                percent: 50,
            },
        ),
        (
            "escalation step telling nobody",
            |p| p.targets[0].escalation[2].notify.clear(),
            PolicyError::EscalationWithoutRecipients {
                target: "restoration_l0".into(),
                percent: 100,
            },
        ),
        (
            "notice telling nobody",
            |p| p.notices[0].notify.clear(),
            PolicyError::NoticeWithoutRecipients {
                target: "severe_fault_raised".into(),
            },
        ),
    ];
    assert_eq!(good().validate(&PRESETS), Ok(()));
    for (name, break_it, want) in cases {
        let mut p = good();
        break_it(&mut p);
        assert_eq!(p.validate(&PRESETS), Err(want), "{name}");
    }
}

#[test]
fn a_calendar_is_known_only_if_the_caller_lists_it() {
    let p = templates::levels_0_5();
    assert!(matches!(
        p.validate(&[TWENTY_FOUR_SEVEN]),
        Err(PolicyError::UnknownCalendar { calendar, .. }) if calendar == CN_MAINLAND
    ));
    assert_eq!(
        p.validate(&[TWENTY_FOUR_SEVEN, CN_MAINLAND, "extra"]),
        Ok(())
    );
}
