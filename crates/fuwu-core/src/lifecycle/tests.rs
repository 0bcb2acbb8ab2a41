use super::*;

// ---------------------------------------------------------------- helpers

/// When the representative resolved requests were resolved.
const RESOLVED_AT: Timestamp = Timestamp::from_millis(1_700_000_000_000);
/// Three natural days, the default auto-close period.
const THREE_DAYS_MS: i64 = 3 * 24 * 3600 * 1000;
/// "Now" for the matrix: well past the default auto-close due time.
const NOW: Timestamp = Timestamp::from_millis(1_700_000_000_000 + THREE_DAYS_MS + 60_000);

fn text(s: &str) -> NonEmpty {
    NonEmpty::parse(s).unwrap()
}

fn fb(solved: bool, rating: Option<i64>, comment: Option<&str>) -> Feedback {
    Feedback {
        solved,
        rating: rating.map(|r| Rating::new(r).unwrap()),
        comment: comment.map(str::to_owned),
    }
}

fn snap(status: Status, tier: Tier) -> Snapshot {
    Snapshot {
        status,
        tier,
        ..Snapshot::new_request()
    }
}

/// A plausible request in each status, at tier L1 so that escalating to L2 is valid.
fn in_status(status: Status) -> Snapshot {
    use Status::*;
    let base = snap(status, Tier::L1);
    match status {
        New | Acknowledged | Assigned | Reopened => base,
        InProgress => Snapshot {
            stage: Some(Stage::Analysing),
            ..base
        },
        Pending => Snapshot {
            stage: Some(Stage::Analysing),
            waiting_for: Some(WaitingFor::ThirdParty),
            ..base
        },
        Resolved => Snapshot {
            stage: Some(Stage::Implementing),
            resolved_at: Some(RESOLVED_AT),
            ..base
        },
        Closed => Snapshot {
            stage: Some(Stage::Implementing),
            resolved_at: Some(RESOLVED_AT),
            feedback: Some(fb(true, Some(5), None)),
            ..base
        },
        Cancelled => Snapshot {
            stage: Some(Stage::Collecting),
            ..base
        },
    }
}

/// A valid action of each kind, carrying everything it requires.
fn action(kind: ActionKind) -> Action {
    match kind {
        ActionKind::Acknowledge => Action::Acknowledge,
        ActionKind::Dispatch => Action::Dispatch {
            tier: Tier::L2,
            assignee: Some(7),
            team: Some(3),
        },
        ActionKind::Respond => Action::Respond {
            mode: ResponseMode::Remote,
            plan: text("远程登录检查日志"),
        },
        ActionKind::SetStage => Action::SetStage {
            stage: Stage::Planning,
        },
        ActionKind::Escalate => Action::Escalate {
            to: Tier::L2,
            reason: text("需要研发分析"),
        },
        ActionKind::Wait => Action::Wait {
            waiting_for: WaitingFor::Customer,
            reason: text("等待用户提供截图"),
        },
        ActionKind::Resume => Action::Resume,
        ActionKind::Resolve => Action::Resolve {
            resolution: text("已打补丁"),
        },
        ActionKind::Feedback => Action::Feedback(fb(true, Some(5), Some("很好"))),
        ActionKind::Close => Action::Close {
            basis: CloseBasis::AutoClose,
        },
        ActionKind::Cancel => Action::Cancel {
            reason: text("重复提交"),
        },
    }
}

/// A role allowed to take the representative action.
fn actor(kind: ActionKind) -> Role {
    match kind {
        ActionKind::Acknowledge | ActionKind::Dispatch | ActionKind::Escalate => Role::Agent,
        ActionKind::Respond | ActionKind::SetStage | ActionKind::Wait | ActionKind::Resolve => {
            Role::Engineer
        }
        ActionKind::Resume | ActionKind::Close => Role::System,
        ActionKind::Feedback | ActionKind::Cancel => Role::CustomerUser,
    }
}

/// What the representative action of `kind` does to `before`, apart from the status.
fn expected_effect(kind: ActionKind, before: &Snapshot) -> (Snapshot, Event) {
    let mut after = before.clone();
    let event = match kind {
        ActionKind::Acknowledge => Event::Acknowledged,
        ActionKind::Dispatch => {
            after.tier = Tier::L2;
            after.stage = None;
            after.waiting_for = None;
            Event::Dispatched {
                tier: Tier::L2,
                assignee: Some(7),
                team: Some(3),
            }
        }
        ActionKind::Respond => Event::Responded {
            mode: ResponseMode::Remote,
            plan: "远程登录检查日志".into(),
        },
        ActionKind::SetStage => {
            after.stage = Some(Stage::Planning);
            Event::StageChanged {
                from: before.stage,
                to: Stage::Planning,
            }
        }
        ActionKind::Escalate => {
            after.tier = Tier::L2;
            after.stage = None;
            after.waiting_for = None;
            Event::Escalated {
                from: Tier::L1,
                to: Tier::L2,
                reason: "需要研发分析".into(),
            }
        }
        ActionKind::Wait => {
            after.waiting_for = Some(WaitingFor::Customer);
            Event::WaitingStarted {
                waiting_for: WaitingFor::Customer,
                reason: "等待用户提供截图".into(),
            }
        }
        ActionKind::Resume => {
            after.waiting_for = None;
            Event::WaitingEnded {
                waiting_for: before.waiting_for.unwrap(),
            }
        }
        ActionKind::Resolve => {
            after.waiting_for = None;
            after.resolved_at = Some(NOW);
            after.feedback = None;
            Event::Resolved {
                resolution: "已打补丁".into(),
            }
        }
        ActionKind::Feedback => {
            after.feedback = Some(fb(true, Some(5), Some("很好")));
            Event::FeedbackRecorded(fb(true, Some(5), Some("很好")))
        }
        ActionKind::Close => Event::Closed {
            basis: CloseBasis::AutoClose,
        },
        ActionKind::Cancel => {
            after.waiting_for = None;
            Event::Cancelled {
                reason: "重复提交".into(),
            }
        }
    };
    (after, event)
}

fn run(
    snapshot: &Snapshot,
    action: Action,
    role: Role,
    now: Timestamp,
) -> Result<(Snapshot, Event), LifecycleError> {
    apply(snapshot, action, role, now, Rules::default())
}

// ---------------------------------------------------------------- the transition matrix

/// Every status × every action: the status it leads to, or `None` when it is invalid there.
/// Columns follow `ActionKind::ALL`.
#[rustfmt::skip]
fn transition_table() -> Vec<(Status, [Option<Status>; 11])> {
    use Status::*;
    let x: Option<Status> = None;
    vec![
        //            ack                 dispatch        respond           set_stage         escalate        wait           resume            resolve         feedback        close         cancel
        (New,          [Some(Acknowledged), x,              x,                x,                x,              x,             x,                x,              x,              x,            Some(Cancelled)]),
        (Acknowledged, [x,                  Some(Assigned), Some(InProgress), x,                Some(Assigned), x,             x,                x,              x,              x,            Some(Cancelled)]),
        (Assigned,     [x,                  Some(Assigned), Some(InProgress), x,                Some(Assigned), x,             x,                x,              x,              x,            Some(Cancelled)]),
        (InProgress,   [x,                  Some(Assigned), Some(InProgress), Some(InProgress), Some(Assigned), Some(Pending), x,                Some(Resolved), x,              x,            Some(Cancelled)]),
        (Pending,      [x,                  Some(Assigned), x,                x,                Some(Assigned), x,             Some(InProgress), Some(Resolved), x,              x,            Some(Cancelled)]),
        (Resolved,     [x,                  x,              x,                x,                x,              x,             x,                x,              Some(Resolved), Some(Closed), x]),
        (Reopened,     [x,                  Some(Assigned), Some(InProgress), x,                Some(Assigned), x,             x,                x,              x,              x,            Some(Cancelled)]),
        (Closed,       [x,                  x,              x,                x,                x,              x,             x,                x,              x,              x,            x]),
        (Cancelled,    [x,                  x,              x,                x,                x,              x,             x,                x,              x,              x,            x]),
    ]
}

#[test]
fn every_status_and_action_leads_to_the_documented_status_or_an_invalid_transition() {
    let table = transition_table();
    assert_eq!(
        table.iter().map(|(s, _)| *s).collect::<Vec<_>>(),
        Status::ALL,
        "the table covers every status once, in order"
    );
    assert_eq!(
        ActionKind::ALL.len(),
        11,
        "the table has one column per action"
    );
    for (from, row) in table {
        for (kind, expected) in ActionKind::ALL.iter().copied().zip(row) {
            let before = in_status(from);
            let got = run(&before, action(kind), actor(kind), NOW);
            match expected {
                Some(to) => {
                    let (mut after, event) = expected_effect(kind, &before);
                    after.status = to;
                    assert_eq!(got, Ok((after, event)), "{kind} from {from}");
                }
                None => assert_eq!(
                    got,
                    Err(LifecycleError::InvalidTransition { action: kind, from }),
                    "{kind} from {from}"
                ),
            }
        }
    }
}

#[test]
fn closed_and_cancelled_requests_accept_no_action_at_all() {
    for status in [Status::Closed, Status::Cancelled] {
        assert!(status.is_terminal());
        for role in Role::ALL.iter().copied() {
            assert_eq!(
                available_actions(&in_status(status), role),
                Vec::<ActionKind>::new(),
                "{role} on {status}"
            );
        }
    }
}

// ---------------------------------------------------------------- roles

/// Who may take each action (SPEC §1, §6; the table documented on `roles_allowed`).
fn role_table() -> Vec<(ActionKind, &'static [Role])> {
    use ActionKind as A;
    use Role::*;
    vec![
        (A::Acknowledge, &[Agent, Engineer, ProjectLeader, Admin]),
        (A::Dispatch, &[Agent, Engineer, ProjectLeader, Admin]),
        (
            A::Respond,
            &[Agent, Engineer, ThirdParty, ProjectLeader, Admin],
        ),
        (A::SetStage, &[Agent, Engineer, ThirdParty, Admin]),
        (A::Escalate, &[Agent, Engineer, ProjectLeader, Admin]),
        (A::Wait, &[Agent, Engineer, ThirdParty, Admin]),
        (A::Resume, &[Agent, Engineer, ThirdParty, Admin, System]),
        (A::Resolve, &[Agent, Engineer, ThirdParty, Admin]),
        (A::Feedback, &[CustomerUser, CustomerAdmin, Agent, Admin]),
        (A::Close, &[Agent, ProjectLeader, Admin, System]),
        (
            A::Cancel,
            &[
                CustomerUser,
                CustomerAdmin,
                Agent,
                Engineer,
                ProjectLeader,
                Admin,
            ],
        ),
    ]
}

/// A status from which each action is valid.
fn valid_from(kind: ActionKind) -> Status {
    use Status::*;
    match kind {
        ActionKind::Acknowledge | ActionKind::Cancel => New,
        ActionKind::Dispatch | ActionKind::Escalate => Acknowledged,
        ActionKind::Respond => Assigned,
        ActionKind::SetStage | ActionKind::Wait | ActionKind::Resolve => InProgress,
        ActionKind::Resume => Pending,
        ActionKind::Feedback | ActionKind::Close => Resolved,
    }
}

#[test]
fn every_role_may_take_exactly_the_actions_in_the_documented_table() {
    let table = role_table();
    assert_eq!(
        table.iter().map(|(a, _)| *a).collect::<Vec<_>>(),
        ActionKind::ALL
    );
    for (kind, allowed) in table {
        assert_eq!(roles_allowed(kind), allowed, "roles_allowed({kind})");
        for role in Role::ALL.iter().copied() {
            let got = run(&in_status(valid_from(kind)), action(kind), role, NOW);
            if allowed.contains(&role) {
                assert!(got.is_ok(), "{role} may {kind}: {got:?}");
            } else {
                assert_eq!(
                    got,
                    Err(LifecycleError::RoleNotAllowed { action: kind, role }),
                    "{role} may not {kind}"
                );
            }
        }
    }
}

#[test]
fn a_role_that_may_not_take_an_action_is_refused_before_the_state_is_looked_at() {
    for (kind, allowed) in role_table() {
        for role in Role::ALL.iter().copied().filter(|r| !allowed.contains(r)) {
            for status in Status::ALL.iter().copied() {
                assert_eq!(
                    run(&in_status(status), action(kind), role, NOW),
                    Err(LifecycleError::RoleNotAllowed { action: kind, role }),
                    "{role} {kind} on {status}"
                );
            }
        }
    }
}

#[test]
fn the_system_may_only_resume_and_auto_close() {
    let only: Vec<ActionKind> = role_table()
        .into_iter()
        .filter(|(_, roles)| roles.contains(&Role::System))
        .map(|(a, _)| a)
        .collect();
    assert_eq!(only, [ActionKind::Resume, ActionKind::Close]);

    // Even with the customer's confirmation, the scheduler may not close "as confirmed".
    let confirmed = Snapshot {
        feedback: Some(fb(true, Some(4), None)),
        ..in_status(Status::Resolved)
    };
    let close = Action::Close {
        basis: CloseBasis::Confirmed,
    };
    assert_eq!(
        run(&confirmed, close.clone(), Role::System, NOW),
        Err(LifecycleError::RoleNotAllowed {
            action: ActionKind::Close,
            role: Role::System
        })
    );
    assert_eq!(
        run(&confirmed, close, Role::Agent, NOW).unwrap().0.status,
        Status::Closed
    );
}

#[test]
fn a_person_may_also_close_by_the_auto_close_rule_when_it_is_due() {
    for role in [Role::Agent, Role::ProjectLeader, Role::Admin] {
        let (next, event) = run(
            &in_status(Status::Resolved),
            action(ActionKind::Close),
            role,
            NOW,
        )
        .unwrap();
        assert_eq!(next.status, Status::Closed, "{role}");
        assert_eq!(
            event,
            Event::Closed {
                basis: CloseBasis::AutoClose
            }
        );
    }
}

// ---------------------------------------------------------------- what each action requires

#[test]
fn dispatching_without_an_assignee_or_a_team_is_refused() {
    let cases = [
        (None, None, false),
        (Some(7), None, true),
        (None, Some(3), true),
        (Some(7), Some(3), true),
    ];
    for (assignee, team, ok) in cases {
        let got = run(
            &in_status(Status::Acknowledged),
            Action::Dispatch {
                tier: Tier::L1,
                assignee,
                team,
            },
            Role::Agent,
            NOW,
        );
        if ok {
            let (next, event) = got.unwrap();
            assert_eq!((next.status, next.tier), (Status::Assigned, Tier::L1));
            assert_eq!(
                event,
                Event::Dispatched {
                    tier: Tier::L1,
                    assignee,
                    team
                }
            );
        } else {
            assert_eq!(got, Err(LifecycleError::DispatchNeedsHandler));
        }
    }
}

#[test]
fn escalation_only_goes_up_the_lines() {
    use Tier::*;
    let cases = [
        (L1, L2, true),
        (L2, ThirdParty, true),
        (L1, ThirdParty, true),
        (L1, L1, false),
        (L2, L2, false),
        (L2, L1, false),
        (ThirdParty, L2, false),
        (ThirdParty, L1, false),
        (ThirdParty, ThirdParty, false),
    ];
    for (from, to, ok) in cases {
        let got = run(
            &snap(Status::InProgress, from),
            Action::Escalate {
                to,
                reason: text("超出能力范围"),
            },
            Role::Engineer,
            NOW,
        );
        if ok {
            let (next, event) = got.unwrap();
            assert_eq!(
                (next.status, next.tier),
                (Status::Assigned, to),
                "{from} → {to}"
            );
            assert_eq!(
                event,
                Event::Escalated {
                    from,
                    to,
                    reason: "超出能力范围".into()
                }
            );
        } else {
            assert_eq!(
                got,
                Err(LifecycleError::InvalidEscalation { from, to }),
                "{from} → {to}"
            );
        }
    }
}

#[test]
fn dispatching_and_escalating_clear_the_stage_and_the_waiting() {
    let pending = Snapshot {
        stage: Some(Stage::Implementing),
        waiting_for: Some(WaitingFor::Customer),
        ..snap(Status::Pending, Tier::L1)
    };
    let actions = [
        Action::Dispatch {
            tier: Tier::L2,
            assignee: None,
            team: Some(3),
        },
        Action::Escalate {
            to: Tier::ThirdParty,
            reason: text("第三方设备故障"),
        },
    ];
    for a in actions {
        let (next, _) = run(&pending, a.clone(), Role::Engineer, NOW).unwrap();
        assert_eq!(next.status, Status::Assigned, "{a:?}");
        assert_eq!((next.stage, next.waiting_for), (None, None), "{a:?}");
    }
}

#[test]
fn closing_as_confirmed_requires_feedback_that_says_solved() {
    let close = Action::Close {
        basis: CloseBasis::Confirmed,
    };
    let cases = [
        (None, Err(LifecycleError::ConfirmationRequired)),
        // Only reachable by hand: "not solved" feedback reopens instead of being stored.
        (
            Some(fb(false, Some(2), None)),
            Err(LifecycleError::ConfirmationRequired),
        ),
        (Some(fb(true, None, None)), Ok(Status::Closed)),
    ];
    for (feedback, expected) in cases {
        let resolved = Snapshot {
            feedback: feedback.clone(),
            ..in_status(Status::Resolved)
        };
        let got = run(&resolved, close.clone(), Role::Agent, NOW);
        match expected {
            Ok(status) => {
                let (next, event) = got.unwrap();
                assert_eq!(next, Snapshot { status, ..resolved });
                assert_eq!(
                    event,
                    Event::Closed {
                        basis: CloseBasis::Confirmed
                    }
                );
            }
            Err(e) => assert_eq!(got, Err(e), "{feedback:?}"),
        }
    }
}

#[test]
fn auto_closing_is_refused_until_the_period_after_resolution_has_passed() {
    let resolved = in_status(Status::Resolved);
    let close = || Action::Close {
        basis: CloseBasis::AutoClose,
    };
    for period in [1_000, THREE_DAYS_MS] {
        let rules = Rules {
            auto_close_after_ms: period,
        };
        let due = Timestamp::from_millis(RESOLVED_AT.as_millis() + period);
        for now in [RESOLVED_AT, RESOLVED_AT.plus_millis(period - 1)] {
            assert_eq!(
                apply(&resolved, close(), Role::System, now, rules),
                Err(LifecycleError::AutoCloseNotDue { due }),
                "period {period}, now {now:?}"
            );
        }
        for now in [due, due.plus_millis(1)] {
            let (next, event) = apply(&resolved, close(), Role::System, now, rules).unwrap();
            assert_eq!(
                next,
                Snapshot {
                    status: Status::Closed,
                    ..resolved.clone()
                }
            );
            assert_eq!(
                event,
                Event::Closed {
                    basis: CloseBasis::AutoClose
                }
            );
        }
    }
}

#[test]
fn the_default_auto_close_period_is_three_natural_days() {
    assert_eq!(Rules::default().auto_close_after_ms, THREE_DAYS_MS);
    assert_eq!(
        run(
            &in_status(Status::Resolved),
            Action::Close {
                basis: CloseBasis::AutoClose
            },
            Role::System,
            RESOLVED_AT.plus_millis(THREE_DAYS_MS - 1)
        ),
        Err(LifecycleError::AutoCloseNotDue {
            due: RESOLVED_AT.plus_millis(THREE_DAYS_MS)
        })
    );
}

#[test]
fn auto_closing_is_refused_once_the_customer_has_given_feedback() {
    let answered = Snapshot {
        feedback: Some(fb(true, Some(3), None)),
        ..in_status(Status::Resolved)
    };
    for role in [Role::System, Role::Agent] {
        assert_eq!(
            run(
                &answered,
                Action::Close {
                    basis: CloseBasis::AutoClose
                },
                role,
                NOW
            ),
            Err(LifecycleError::AutoCloseAfterFeedback),
            "{role}"
        );
    }
}

#[test]
fn not_solved_feedback_reopens_the_request_and_forgets_the_resolution() {
    let resolved = Snapshot {
        tier: Tier::L2,
        ..in_status(Status::Resolved)
    };
    let (next, event) = run(
        &resolved,
        Action::Feedback(fb(false, Some(1), Some("还是登录不了"))),
        Role::CustomerUser,
        NOW,
    )
    .unwrap();
    assert_eq!(
        next,
        Snapshot {
            status: Status::Reopened,
            tier: Tier::L2,
            stage: None,
            waiting_for: None,
            resolved_at: None,
            feedback: None,
        }
    );
    assert_eq!(
        event,
        Event::Reopened {
            comment: Some("还是登录不了".into())
        }
    );
}

#[test]
fn solved_feedback_keeps_the_request_resolved_and_stores_the_feedback() {
    let resolved = in_status(Status::Resolved);
    let feedback = fb(true, Some(4), Some("处理及时"));
    for role in [
        Role::CustomerUser,
        Role::CustomerAdmin,
        Role::Agent,
        Role::Admin,
    ] {
        let (next, event) = run(&resolved, Action::Feedback(feedback.clone()), role, NOW).unwrap();
        assert_eq!(
            next,
            Snapshot {
                feedback: Some(feedback.clone()),
                ..resolved.clone()
            }
        );
        assert_eq!(event, Event::FeedbackRecorded(feedback.clone()));
    }
}

#[test]
fn setting_the_stage_it_already_has_is_refused() {
    let analysing = in_status(Status::InProgress);
    assert_eq!(
        run(
            &analysing,
            Action::SetStage {
                stage: Stage::Analysing
            },
            Role::Engineer,
            NOW
        ),
        Err(LifecycleError::SameStage {
            stage: Stage::Analysing
        })
    );
    let fresh = snap(Status::InProgress, Tier::L2);
    let (next, event) = run(
        &fresh,
        Action::SetStage {
            stage: Stage::Collecting,
        },
        Role::ThirdParty,
        NOW,
    )
    .unwrap();
    assert_eq!(next.stage, Some(Stage::Collecting));
    assert_eq!(
        event,
        Event::StageChanged {
            from: None,
            to: Stage::Collecting
        }
    );
}

#[test]
fn resolving_records_now_as_the_resolution_time() {
    for from in [Status::InProgress, Status::Pending] {
        for now in [Timestamp::from_millis(0), NOW, Timestamp::from_millis(42)] {
            let (next, _) = run(
                &in_status(from),
                Action::Resolve {
                    resolution: text("已恢复"),
                },
                Role::ThirdParty,
                now,
            )
            .unwrap();
            assert_eq!(next.status, Status::Resolved);
            assert_eq!(next.resolved_at, Some(now), "from {from}");
            assert_eq!(next.waiting_for, None, "from {from}");
        }
    }
}

#[test]
fn resuming_ends_the_waiting_for_whom_it_was_recorded() {
    for whom in WaitingFor::ALL.iter().copied() {
        let pending = Snapshot {
            waiting_for: Some(whom),
            ..in_status(Status::Pending)
        };
        for role in [Role::System, Role::ThirdParty] {
            let (next, event) = run(&pending, Action::Resume, role, NOW).unwrap();
            assert_eq!(
                next,
                Snapshot {
                    status: Status::InProgress,
                    waiting_for: None,
                    ..pending.clone()
                }
            );
            assert_eq!(event, Event::WaitingEnded { waiting_for: whom });
        }
    }
}

// ---------------------------------------------------------------- ratings

#[test]
fn a_rating_is_between_one_and_five() {
    for v in 1..=5 {
        assert_eq!(Rating::new(v).unwrap().get(), v as u8);
    }
    for v in [0, 6, -1, 256, i64::MIN] {
        assert_eq!(Rating::new(v), Err(InvalidRating(v)));
    }
}

#[test]
fn a_rating_is_serialized_as_a_number_and_out_of_range_numbers_are_rejected() {
    assert_eq!(
        serde_json::to_string(&Rating::new(5).unwrap()).unwrap(),
        "5"
    );
    assert_eq!(
        serde_json::from_str::<Rating>("3").unwrap(),
        Rating::new(3).unwrap()
    );
    for bad in ["0", "6", "-1", "256", "\"3\""] {
        assert!(serde_json::from_str::<Rating>(bad).is_err(), "{bad}");
    }
    let feedback: Result<Feedback, _> =
        serde_json::from_str(r#"{"solved": true, "rating": 6, "comment": null}"#);
    assert!(feedback.is_err());
}

// ---------------------------------------------------------------- available actions

#[test]
fn available_actions_offer_what_the_role_may_do_in_the_current_status() {
    use ActionKind as A;
    let cases: [(Status, Role, &[ActionKind]); 9] = [
        (Status::Resolved, Role::CustomerUser, &[A::Feedback]),
        (Status::Resolved, Role::Agent, &[A::Feedback, A::Close]),
        (Status::Resolved, Role::System, &[A::Close]),
        (Status::New, Role::Agent, &[A::Acknowledge, A::Cancel]),
        (Status::New, Role::CustomerAdmin, &[A::Cancel]),
        (
            Status::InProgress,
            Role::ThirdParty,
            &[A::Respond, A::SetStage, A::Wait, A::Resolve],
        ),
        (
            Status::Pending,
            Role::Agent,
            &[A::Dispatch, A::Escalate, A::Resume, A::Resolve, A::Cancel],
        ),
        (Status::Pending, Role::System, &[A::Resume]),
        (
            Status::Reopened,
            Role::ProjectLeader,
            &[A::Dispatch, A::Respond, A::Escalate, A::Cancel],
        ),
    ];
    for (status, role, expected) in cases {
        assert_eq!(
            available_actions(&in_status(status), role),
            expected,
            "{role} on {status}"
        );
    }
}

// ---------------------------------------------------------------- whole stories

/// Applies each step in turn, one minute apart, checking the status after each.
fn walk(start: Snapshot, t0: Timestamp, steps: Vec<(Role, Action, Status)>) -> Snapshot {
    let mut now = t0;
    let mut current = start;
    for (i, (role, action, expected)) in steps.into_iter().enumerate() {
        now = now.plus_millis(60_000);
        let kind = action.kind();
        let (next, _) = run(&current, action, role, now)
            .unwrap_or_else(|e| panic!("step {i} ({role} {kind} from {}): {e}", current.status));
        assert_eq!(next.status, expected, "step {i}: {role} {kind}");
        current = next;
    }
    current
}

#[test]
fn a_request_goes_from_new_through_both_lines_to_closed_on_confirmation() {
    use Status::*;
    let t0 = Timestamp::from_millis(1_700_000_000_000);
    let steps = vec![
        (Role::Agent, Action::Acknowledge, Acknowledged),
        (
            Role::Agent,
            Action::Dispatch {
                tier: Tier::L1,
                assignee: Some(11),
                team: None,
            },
            Assigned,
        ),
        (
            Role::Agent,
            Action::Respond {
                mode: ResponseMode::Remote,
                plan: text("查阅知识库"),
            },
            InProgress,
        ),
        (
            Role::Agent,
            Action::Escalate {
                to: Tier::L2,
                reason: text("知识库无解"),
            },
            Assigned,
        ),
        (
            Role::Engineer,
            Action::Respond {
                mode: ResponseMode::Onsite,
                plan: text("现场排查"),
            },
            InProgress,
        ),
        (
            Role::Engineer,
            Action::SetStage {
                stage: Stage::Analysing,
            },
            InProgress,
        ),
        (
            Role::Engineer,
            Action::Wait {
                waiting_for: WaitingFor::Customer,
                reason: text("等待日志"),
            },
            Pending,
        ),
        (Role::System, Action::Resume, InProgress),
        (
            Role::Engineer,
            Action::Resolve {
                resolution: text("修复配置"),
            },
            Resolved,
        ),
        (
            Role::CustomerUser,
            Action::Feedback(fb(true, Some(5), Some("满意"))),
            Resolved,
        ),
        (
            Role::Agent,
            Action::Close {
                basis: CloseBasis::Confirmed,
            },
            Closed,
        ),
    ];
    let end = walk(Snapshot::new_request(), t0, steps);
    assert_eq!(
        end,
        Snapshot {
            status: Closed,
            tier: Tier::L2,
            stage: Some(Stage::Analysing),
            waiting_for: None,
            resolved_at: Some(t0.plus_millis(9 * 60_000)),
            feedback: Some(fb(true, Some(5), Some("满意"))),
        }
    );
}

#[test]
fn a_request_the_customer_finds_unsolved_is_reopened_reworked_and_auto_closed_when_due() {
    use Status::*;
    let start = Snapshot {
        tier: Tier::L2,
        ..in_status(Resolved)
    };
    let steps = vec![
        (
            Role::CustomerUser,
            Action::Feedback(fb(false, None, Some("问题复现"))),
            Reopened,
        ),
        (
            Role::Engineer,
            Action::Respond {
                mode: ResponseMode::Phone,
                plan: text("电话指导"),
            },
            InProgress,
        ),
        (
            Role::Engineer,
            Action::Resolve {
                resolution: text("重启服务"),
            },
            Resolved,
        ),
    ];
    let resolved = walk(start, RESOLVED_AT, steps);
    let resolved_at = RESOLVED_AT.plus_millis(3 * 60_000);
    assert_eq!(resolved.resolved_at, Some(resolved_at));
    assert_eq!(resolved.feedback, None);

    let auto = || Action::Close {
        basis: CloseBasis::AutoClose,
    };
    let due = resolved_at.plus_millis(THREE_DAYS_MS);
    assert_eq!(
        run(&resolved, auto(), Role::System, due.plus_millis(-1)),
        Err(LifecycleError::AutoCloseNotDue { due })
    );
    let (closed, event) = run(&resolved, auto(), Role::System, due).unwrap();
    assert_eq!(
        closed,
        Snapshot {
            status: Closed,
            ..resolved
        }
    );
    assert_eq!(
        event,
        Event::Closed {
            basis: CloseBasis::AutoClose
        }
    );
}
