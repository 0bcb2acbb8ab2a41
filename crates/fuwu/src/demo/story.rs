//! Telling one request's story: what happens to it after intake, as the
//! steps of the service desk's process (answer, dispatch, analyse, wait,
//! visit, implement, resolve, revisit and close), each a function here.
//!
//! The steps draw from the one seeded generator in the order the story is
//! told; that order is what makes the same seed and `now` give the same
//! demo, so moving a draw from one step to another changes every story after it.

use super::directory::{Dir, OrgRt};
use super::directory_data::*;
use super::ops::{Attachment, Op, ReportFate, ReportOp, Step, Steps};
use super::plan::{Creator, Plan, Target, render};
use super::replies::*;
use super::scenarios::*;
use super::{DAY, fmt_local, minutes, ne, next_office_start, office_hours, pick, weighted};
use fuwu_app::Actor;
use fuwu_app::requests::ActionExtras;
use fuwu_core::lifecycle::{Action, Feedback, Rating};
use fuwu_core::{
    Category, Channel, CloseBasis, ResponseMode, Role, Stage, Tier, Visibility, WaitingFor,
};
use rand::RngExt;
use rand::rngs::StdRng;
use std::ops::ControlFlow;

/// Whether the story goes on after a step, or ends where its plan says.
type Next = anyhow::Result<ControlFlow<()>>;

const GO_ON: Next = Ok(ControlFlow::Continue(()));
const END: Next = Ok(ControlFlow::Break(()));

/// What the steps of one story share: who takes part, and the steps so far.
struct Tale<'a> {
    rng: &'a mut StdRng,
    s: Steps,
    dir: &'a Dir,
    p: &'a Plan,
    sc: &'static Scenario,
    org: &'a OrgRt,
    sys: String,
    level: u8,
    target: Target,
    /// The organization's previous request (a duplicate points to it).
    prev_in_org: Option<i64>,
    agent: Actor,
    customer_requester: bool,
    customer: Actor,
    contact_name: &'static str,
    leader: &'a Actor,
    field_eng: Actor,
    /// Who holds the request: the agent until it is dispatched, then the
    /// engineer, and a vendor once handed over.
    handler: Actor,
    /// Who does the work (the agent or the engineer it was dispatched to).
    worker: Actor,
}

pub(super) fn build_story(
    rng: &mut StdRng,
    dir: &Dir,
    p: &Plan,
    prev_in_org: Option<i64>,
    now_ms: i64,
) -> anyhow::Result<Vec<Step>> {
    let org = &dir.orgs[p.org];
    let mut target = p.target;
    if target == Target::AutoClosed && now_ms - p.at < org.auto_close_ms + 2 * DAY {
        target = Target::Closed;
    }
    if target == Target::New {
        return Steps::new(p.at, p.level <= 1).done();
    }
    let mut t = Tale::new(rng, dir, p, org, target, prev_in_org);
    // The story, step by step; a step that ends it (where the plan says the
    // request stops) leaves the rest untold.
    let steps: [fn(&mut Tale<'_>) -> Next; 14] = [
        answer,
        cancel_duplicate,
        dispatch,
        withdraw,
        brief,
        analyse,
        wait_for_customer,
        third_party,
        visit,
        implement,
        resolve,
        auto_close,
        feedback,
        close,
    ];
    for step in steps {
        if step(&mut t)?.is_break() {
            break;
        }
    }
    t.s.done()
}

impl<'a> Tale<'a> {
    fn new(
        rng: &'a mut StdRng,
        dir: &'a Dir,
        p: &'a Plan,
        org: &'a OrgRt,
        target: Target,
        prev_in_org: Option<i64>,
    ) -> Self {
        let agent = match p.creator {
            Creator::Agent(k) => dir.agents[k].clone(),
            _ => pick(rng, &dir.agents).clone(),
        };
        let customer_requester = matches!(p.creator, Creator::Customer(_));
        let customer = match (p.creator, p.contact) {
            (Creator::Customer(k), _) => org.customers[k].clone(),
            (_, Some(k)) if k < org.customers.len() => org.customers[k].clone(),
            _ => org.customers[0].clone(),
        };
        let contact_name = p
            .contact
            .map_or(org.contacts[0].name, |k| org.contacts[k].name);
        let leader = &dir.leaders[org.seed.leader];
        let field_eng = pick(rng, &dir.field).clone();
        Tale {
            s: Steps::new(p.at, p.level <= 1),
            dir,
            p,
            sc: p.sc,
            org,
            sys: p.system_name(dir).to_owned(),
            level: p.level,
            target,
            prev_in_org,
            handler: agent.clone(),
            worker: agent.clone(),
            agent,
            customer_requester,
            customer,
            contact_name,
            leader,
            field_eng,
            rng,
        }
    }

    /// A scenario's text with the system's and the organization's names.
    fn txt(&self, text: &str) -> String {
        render(text, &self.sys, self.org.seed.short_name)
    }

    /// The engineer's first public reply comes early when someone will go
    /// on site, a vendor is involved or the work is planned.
    fn early_reply(&self) -> bool {
        self.sc.onsite || self.sc.vendor.is_some() || self.sc.flow == Flow::Planned
    }
}

/// 应答 (answer) and 记录 (record).
fn answer(t: &mut Tale<'_>) -> Next {
    let (p, level, rng, s, agent) = (t.p, t.level, &mut *t.rng, &mut t.s, &t.agent);
    let live = matches!(
        p.channel,
        Channel::Phone | Channel::Monitoring | Channel::Onsite
    );
    let ack = if live {
        if level >= 3 {
            minutes(rng, 1, 4)
        } else {
            minutes(rng, 1, 10)
        }
    } else if level <= 1 && !office_hours(p.at) {
        next_office_start(p.at) - p.at + minutes(rng, 5, 40)
    } else {
        match level {
            0 => minutes(rng, 15, 120),
            1 => minutes(rng, 10, 45),
            2 => minutes(rng, 5, 20),
            _ => minutes(rng, 2, 8),
        }
    };
    // The hotline answers around the clock; web and mail wait for the morning (see above).
    s.add(
        ack,
        false,
        false,
        Op::Act(agent.clone(), Action::Acknowledge, ActionExtras::default()),
    );
    if level >= 3 || p.channel == Channel::Web || rng.random_bool(0.5) {
        let template = if level >= 3 {
            ACK_SEVERE
        } else if level == 0 {
            *pick(rng, &ACK_REPLIES[..2])
        } else {
            *pick(rng, ACK_REPLIES)
        };
        let text = template
            .replace("{agent}", &agent.display_name)
            .replace("{level}", &level.to_string());
        s.say(minutes(rng, 1, 5), agent, Visibility::Public, text);
    }
    if t.target == Target::Acknowledged {
        return END;
    }
    GO_ON
}

/// A duplicate is cancelled, pointing to the organization's other request.
fn cancel_duplicate(t: &mut Tale<'_>) -> Next {
    if t.target != Target::CancelledDuplicate {
        return GO_ON;
    }
    let org_name = t.org.seed.short_name;
    let reason = match t.prev_in_org {
        Some(id) => {
            format!("与请求 #{id} 重复：同一问题已由{org_name}其他人员报修，合并到 #{id} 处理。")
        }
        None => "重复报修：同一问题已电话报修并在处理中，本请求作废。".to_owned(),
    };
    t.s.act(
        minutes(t.rng, 3, 25),
        &t.agent,
        Action::Cancel {
            reason: ne(&reason)?,
        },
    );
    END
}

/// 分派 (dispatch) and 响应 (response: mode + plan).
fn dispatch(t: &mut Tale<'_>) -> Next {
    let plan = t.txt(t.sc.plan);
    let (dir, sc, level, target) = (t.dir, t.sc, t.level, t.target);
    let (rng, s, agent) = (&mut *t.rng, &mut t.s, &t.agent);
    if sc.flow == Flow::L1 {
        if target == Target::Assigned {
            s.act(
                minutes(rng, 2, 15),
                agent,
                Action::Dispatch {
                    tier: Tier::L1,
                    assignee: Some(agent.user_id),
                    team: Some(dir.team_l1),
                },
            );
            return END;
        }
        let mode = if rng.random_bool(0.6) {
            ResponseMode::Phone
        } else {
            ResponseMode::Remote
        };
        s.act(
            respond_delay(rng, level),
            agent,
            Action::Respond {
                mode,
                plan: ne(&plan)?,
            },
        );
        t.handler = agent.clone();
        t.worker = agent.clone();
        return GO_ON;
    }
    let (eng, team) = if sc.flow == Flow::Planned {
        (t.field_eng.clone(), dir.team_field)
    } else {
        (pick(rng, &dir.l2).clone(), dir.team_l2)
    };
    if sc.flow == Flow::L2 && level <= 2 && rng.random_bool(0.35) {
        s.act(
            respond_delay(rng, 2),
            agent,
            Action::Respond {
                mode: ResponseMode::Phone,
                plan: ne(L1_FIRST_PLAN)?,
            },
        );
        s.push(
            minutes(rng, 10, 60),
            Op::Act(
                agent.clone(),
                Action::Escalate {
                    to: Tier::L2,
                    reason: ne(ESCALATE_L2)?,
                },
                ActionExtras {
                    assignee_id: Some(eng.user_id),
                    team_id: Some(team),
                    third_party_ref: None,
                    ..Default::default()
                },
            ),
        );
    } else {
        s.act(
            if level >= 3 {
                minutes(rng, 1, 5)
            } else {
                minutes(rng, 3, 20)
            },
            agent,
            Action::Dispatch {
                tier: Tier::L2,
                assignee: Some(eng.user_id),
                team: Some(team),
            },
        );
    }
    if target == Target::Assigned {
        return END;
    }
    let mode = if sc.onsite {
        ResponseMode::Onsite
    } else {
        ResponseMode::Remote
    };
    s.act(
        respond_delay(rng, level),
        &eng,
        Action::Respond {
            mode,
            plan: ne(&plan)?,
        },
    );
    t.handler = eng.clone();
    t.worker = eng;
    GO_ON
}

/// The customer withdraws the request (or tells the agent so on the phone).
fn withdraw(t: &mut Tale<'_>) -> Next {
    if t.target != Target::CancelledWithdrawn {
        return GO_ON;
    }
    let why = *pick(t.rng, WITHDRAWN);
    let (who, reason) = if t.customer_requester {
        (&t.customer, why.to_owned())
    } else {
        (&t.agent, format!("客户来电告知：{why}"))
    };
    t.s.act_office(
        minutes(t.rng, 20, 600),
        who,
        Action::Cancel {
            reason: ne(&reason)?,
        },
    );
    END
}

/// The project leader's word: a severe fault's escalation, a project's schedule.
fn brief(t: &mut Tale<'_>) -> Next {
    if t.level >= 3 {
        let note = t.txt(LEADER_NOTE);
        t.s.say(minutes(t.rng, 3, 15), t.leader, Visibility::Internal, note);
    }
    if t.sc.flow == Flow::Project {
        let days = t.rng.random_range(3..=10);
        t.s.say(
            minutes(t.rng, 60, 600),
            t.leader,
            Visibility::Internal,
            format!(
                "已纳入项目组排期，由{}负责需求分析与开发实施，预计 {days} 个工作日完成。",
                t.worker.display_name
            ),
        );
    }
    GO_ON
}

/// 信息收集、分析判断 (collect and analyse).
fn analyse(t: &mut Tale<'_>) -> Next {
    let sc = t.sc;
    let early_reply = t.early_reply();
    let note = t.txt(sc.note);
    let reply = t.txt(sc.reply);
    let (rng, s, handler, worker) = (&mut *t.rng, &mut t.s, &t.handler, &t.worker);
    if matches!(sc.flow, Flow::L2 | Flow::Project) {
        s.act(
            minutes(rng, 5, 40),
            handler,
            Action::SetStage {
                stage: Stage::Analysing,
            },
        );
    }
    if !sc.note.is_empty() {
        s.say(minutes(rng, 10, 60), worker, Visibility::Internal, note);
    }
    if early_reply && !sc.reply.is_empty() {
        s.say(minutes(rng, 5, 30), worker, Visibility::Public, reply);
    }
    if t.target != Target::InProgress {
        return GO_ON;
    }
    match sc.flow {
        Flow::Project => {
            s.act(
                minutes(rng, 600, 2400),
                handler,
                Action::SetStage {
                    stage: Stage::Planning,
                },
            );
            if rng.random_bool(0.5) {
                s.act(
                    minutes(rng, 600, 2400),
                    handler,
                    Action::SetStage {
                        stage: Stage::Implementing,
                    },
                );
            }
        }
        _ if sc.onsite && rng.random_bool(0.6) => {
            s.push(
                minutes(rng, 3, 20),
                Op::VisitRequest(worker.clone(), t.field_eng.user_id),
            );
            s.push(minutes(rng, 40, 180), Op::VisitArrive(t.field_eng.clone()));
        }
        Flow::L2 if rng.random_bool(0.4) => s.act(
            minutes(rng, 20, 120),
            handler,
            Action::SetStage {
                stage: Stage::Implementing,
            },
        ),
        _ => {}
    }
    END
}

/// 等待用户 (waiting for the customer): a customer's reply resumes the request.
fn wait_for_customer(t: &mut Tale<'_>) -> Next {
    let (sc, level, target) = (t.sc, t.level, t.target);
    let (rng, s, worker, customer) = (&mut *t.rng, &mut t.s, &t.worker, &t.customer);
    // Nobody asks a customer for screenshots while their whole system is down.
    let wait_customer = target == Target::PendingCustomer
        || (target != Target::PendingThirdParty
            && level < 3
            && rng.random_bool(if sc.flow == Flow::Project { 0.7 } else { 0.15 }));
    if !wait_customer {
        return GO_ON;
    }
    let (reason, answer, with_log) = match sc.flow {
        Flow::Project => WAIT_PROJECT,
        Flow::Planned => WAIT_PLANNED,
        _ => *pick(rng, WAITS),
    };
    s.act(
        minutes(rng, 10, 90),
        worker,
        Action::Wait {
            waiting_for: WaitingFor::Customer,
            reason: ne(reason)?,
        },
    );
    if target == Target::PendingCustomer {
        return END;
    }
    let delay = if sc.flow == Flow::Project {
        minutes(rng, 600, 4000)
    } else {
        minutes(rng, 60, 1200)
    };
    if with_log {
        s.push_office(
            delay,
            Op::Attach(
                customer.clone(),
                Attachment::ErrorLog {
                    system: t.sys.clone(),
                },
            ),
        );
        s.say(
            minutes(rng, 1, 3),
            customer,
            Visibility::Public,
            answer.to_owned(),
        );
    } else {
        s.say_office(delay, customer, Visibility::Public, answer.to_owned());
    }
    GO_ON
}

/// 第三方故障 (a third party's fault): wait for it, or hand the request over.
fn third_party(t: &mut Tale<'_>) -> Next {
    let (p, dir, level, target) = (t.p, t.dir, t.level, t.target);
    let (rng, s, worker) = (&mut *t.rng, &mut t.s, &t.worker);
    let Some(v) = t.sc.vendor else {
        if target == Target::PendingThirdParty {
            s.act(
                minutes(rng, 10, 40),
                worker,
                Action::Wait {
                    waiting_for: WaitingFor::ThirdParty,
                    reason: ne("已向线路运营商报障，等待运营商排查专线。")?,
                },
            );
            return END;
        }
        return GO_ON;
    };
    let case = format!(
        "{}-{}-{:04}",
        v.case_prefix(),
        fmt_local(p.at, "%Y%m%d"),
        rng.random_range(1..=9999)
    );
    let (escalate_reason, wait_reason, vendor_plan, vendor_reply, done) = vendor_texts(v, &case);
    let vendor = dir.vendor(v);
    if target == Target::PendingThirdParty || rng.random_bool(0.45) {
        s.push(
            minutes(rng, 10, 40),
            Op::SetRef(worker.clone(), case.clone()),
        );
        s.act(
            minutes(rng, 1, 5),
            worker,
            Action::Wait {
                waiting_for: WaitingFor::ThirdParty,
                reason: ne(&wait_reason)?,
            },
        );
        if target == Target::PendingThirdParty {
            return END;
        }
        let delay = match (v, level >= 3) {
            (Vendor::Storage, false) => minutes(rng, 600, 2400),
            (Vendor::Cloud, false) => minutes(rng, 60, 300),
            (_, true) => minutes(rng, 40, 120),
        };
        s.act(delay, worker, Action::Resume);
        s.say(
            minutes(rng, 2, 10),
            worker,
            Visibility::Internal,
            format!("{}反馈（案例 {case}）：{done}", v.company()),
        );
        return GO_ON;
    }
    s.push(
        minutes(rng, 10, 40),
        Op::Act(
            worker.clone(),
            Action::Escalate {
                to: Tier::ThirdParty,
                reason: ne(&escalate_reason)?,
            },
            ActionExtras {
                assignee_id: Some(vendor.user_id),
                team_id: None,
                third_party_ref: Some(case.clone()),
                ..Default::default()
            },
        ),
    );
    s.act(
        if level >= 3 {
            minutes(rng, 5, 10)
        } else {
            minutes(rng, 8, 30)
        },
        vendor,
        Action::Respond {
            mode: if v == Vendor::Storage {
                ResponseMode::Onsite
            } else {
                ResponseMode::Remote
            },
            plan: ne(&vendor_plan)?,
        },
    );
    s.say(
        minutes(rng, 15, 60),
        vendor,
        Visibility::Public,
        vendor_reply,
    );
    t.handler = vendor.clone();
    GO_ON
}

/// 现场方式 (on site): departed, arrived (stops the on-site clock), left, work done.
fn visit(t: &mut Tale<'_>) -> Next {
    if !t.sc.onsite {
        return GO_ON;
    }
    let (p, sc, level) = (t.p, t.sc, t.level);
    let work_done = format!(
        "{}已请{}在服务单上签字确认。",
        t.txt(sc.resolution),
        t.contact_name
    );
    let (rng, s, worker, field_eng) = (&mut *t.rng, &mut t.s, &t.worker, &t.field_eng);
    s.push(
        minutes(rng, 3, 20),
        Op::VisitRequest(worker.clone(), field_eng.user_id),
    );
    let travel = if level >= 3 {
        minutes(rng, 35, 110)
    } else if sc.flow == Flow::Planned {
        minutes(rng, 900, 2900)
    } else {
        minutes(rng, 120, 1400)
    };
    if level >= 2 {
        s.push(travel, Op::VisitArrive(field_eng.clone()));
    } else {
        s.push_office(travel, Op::VisitArrive(field_eng.clone()));
    }
    s.push(
        minutes(rng, 60, 240),
        Op::VisitLeave(field_eng.clone(), work_done),
    );
    let spent = rng.random_range(90..=360);
    s.push(
        minutes(rng, 1, 10),
        Op::Work(
            field_eng.clone(),
            spent,
            format!("现场处理（含往返路程）：{}", p.title),
        ),
    );
    GO_ON
}

/// 制定方案、实施方案 (plan and implement), the time spent, and a planned
/// task's report.
fn implement(t: &mut Tale<'_>) -> Next {
    let (p, sc, level) = (t.p, t.sc, t.level);
    let early_reply = t.early_reply();
    let reply = t.txt(sc.reply);
    let (rng, s, handler, worker) = (&mut *t.rng, &mut t.s, &t.handler, &t.worker);
    if !early_reply && !sc.reply.is_empty() {
        s.say(minutes(rng, 10, 60), worker, Visibility::Public, reply);
    }
    match sc.flow {
        Flow::Project => {
            s.act(
                minutes(rng, 600, 2400),
                handler,
                Action::SetStage {
                    stage: Stage::Planning,
                },
            );
            s.act(
                minutes(rng, 600, 2400),
                handler,
                Action::SetStage {
                    stage: Stage::Implementing,
                },
            );
            let spent = rng.random_range(240..=720);
            s.push(
                minutes(rng, 240, 600),
                Op::Work(
                    worker.clone(),
                    spent,
                    format!("需求分析与方案编写：{}", p.title),
                ),
            );
        }
        Flow::L2 | Flow::Planned => s.act(
            minutes(rng, 5, 40),
            handler,
            Action::SetStage {
                stage: Stage::Implementing,
            },
        ),
        Flow::L1 => {}
    }
    let (lo, hi, note) = match sc.flow {
        Flow::L1 => (10, 40, "电话指导及记录"),
        Flow::L2 => (30, if level >= 3 { 480 } else { 240 }, "远程排查与处理"),
        Flow::Project => (300, 900, "开发、测试及生产环境部署"),
        Flow::Planned => (60, 240, "实施及报告编写"),
    };
    let spent = rng.random_range(lo..=hi);
    if !(sc.onsite && worker.user_id == t.field_eng.user_id) {
        s.push(
            minutes(rng, 5, 30),
            Op::Work(worker.clone(), spent, format!("{note}：{}", p.title)),
        );
    }
    if sc.flow == Flow::Planned
        && matches!(
            sc.category,
            Category::Inspection | Category::HealthCheck | Category::Backup
        )
    {
        let kind = match sc.category {
            Category::Inspection => "巡检",
            Category::HealthCheck => "健康检查",
            _ => "恢复演练",
        };
        s.push(
            minutes(rng, 20, 120),
            Op::Attach(
                worker.clone(),
                Attachment::Report {
                    kind,
                    title: p.title.clone(),
                    org: t.org.seed.name.to_owned(),
                    system: if t.sys.is_empty() {
                        "—".to_owned()
                    } else {
                        t.sys.clone()
                    },
                    engineer: worker.display_name.clone(),
                },
            ),
        );
    }
    GO_ON
}

/// 解决 (resolve), and a resolved fault's report.
fn resolve(t: &mut Tale<'_>) -> Next {
    let (sc, level) = (t.sc, t.level);
    let resolution = t.txt(sc.resolution);
    let (rng, s) = (&mut *t.rng, &mut t.s);
    let resolve_after = match (sc.flow, level) {
        (_, 5) => minutes(rng, 1200, 2100),
        (_, 4) => minutes(rng, 40, 150),
        (_, 3) => minutes(rng, 20, 80),
        (Flow::L1, _) => minutes(rng, 10, 120),
        (Flow::Project, _) => minutes(rng, 1440, 5000),
        (Flow::Planned, _) => minutes(rng, 30, 180),
        (Flow::L2, 2) => minutes(rng, 30, 180),
        (Flow::L2, _) => minutes(rng, 60, 1200),
    };
    s.act(
        resolve_after,
        &t.handler,
        Action::Resolve {
            resolution: ne(&resolution)?,
        },
    );
    if sc.category == Category::Fault && level >= 1 && t.worker.role == Role::Engineer {
        report_story(rng, s, &t.worker, t.leader, level);
    }
    if t.target == Target::Resolved {
        return END;
    }
    GO_ON
}

/// 回访用户 (revisit) without an answer: the request closes itself after the
/// organization's auto-close period.
fn auto_close(t: &mut Tale<'_>) -> Next {
    if t.target != Target::AutoClosed {
        return GO_ON;
    }
    let (rng, s) = (&mut *t.rng, &mut t.s);
    if rng.random_bool(0.6) {
        s.say_office(
            minutes(rng, 300, 1200),
            &t.agent,
            Visibility::Public,
            REVISIT_NO_ANSWER.to_owned(),
        );
    }
    s.fixed(
        t.org.auto_close_ms + minutes(rng, 5, 120),
        Op::Act(
            t.dir.system.clone(),
            Action::Close {
                basis: CloseBasis::AutoClose,
            },
            ActionExtras::default(),
        ),
    );
    END
}

/// 用户反馈 (feedback): by the customer, or by the agent on the revisit
/// call; a reopened request's second round first.
fn feedback(t: &mut Tale<'_>) -> Next {
    let target = t.target;
    let contact_name = t.contact_name;
    let (rng, s) = (&mut *t.rng, &mut t.s);
    let by_customer = t.customer_requester || rng.random_bool(0.35);
    let feedback_actor = if by_customer { &t.customer } else { &t.agent };
    let voice = |comment: &str| {
        if by_customer {
            comment.to_owned()
        } else {
            format!("电话回访{contact_name}：{comment}")
        }
    };
    let reopened = matches!(target, Target::Reopened | Target::ClosedAfterReopen);
    if reopened {
        s.act_office(
            minutes(rng, 60, 1800),
            feedback_actor,
            Action::Feedback(Feedback {
                solved: false,
                rating: None,
                comment: Some(voice(pick::<&str>(rng, REOPEN_COMMENTS))),
            }),
        );
        if target == Target::Reopened {
            return END;
        }
        s.act(
            minutes(rng, 15, 90),
            &t.worker,
            Action::Respond {
                mode: ResponseMode::Remote,
                plan: ne("复发后重新排查：扩大检查范围，核对主备节点及相关配置。")?,
            },
        );
        s.say(
            minutes(rng, 20, 120),
            &t.worker,
            Visibility::Internal,
            "复发原因分析：首次处理未覆盖全部节点和定时任务，正在补充检查。".to_owned(),
        );
        s.act(
            minutes(rng, 60, 480),
            &t.worker,
            Action::Resolve {
                resolution: ne(pick::<&str>(rng, SECOND_RESOLUTIONS))?,
            },
        );
    }
    let rating = if reopened {
        weighted(rng, &[(5, 20), (4, 40), (3, 25), (2, 10), (1, 5)])
    } else {
        weighted(rng, &[(5, 55), (4, 30), (3, 9), (2, 4), (1, 2)])
    };
    let comments = match rating {
        5 => COMMENTS_5,
        4 => COMMENTS_4,
        3 => COMMENTS_3,
        2 => COMMENTS_2,
        _ => COMMENTS_1,
    };
    let comment = voice(pick::<&str>(rng, comments));
    s.act_office(
        minutes(rng, 60, 1800),
        feedback_actor,
        Action::Feedback(Feedback {
            solved: true,
            rating: Some(Rating::new(rating)?),
            comment: Some(comment),
        }),
    );
    if target == Target::ResolvedConfirmed {
        return END;
    }
    GO_ON
}

/// 关闭请求 (close), once the customer confirmed.
fn close(t: &mut Tale<'_>) -> Next {
    t.s.act_office(
        minutes(t.rng, 10, 240),
        &t.agent,
        Action::Close {
            basis: CloseBasis::Confirmed,
        },
    );
    END
}

fn respond_delay(rng: &mut StdRng, level: u8) -> i64 {
    match level {
        0 => minutes(rng, 30, 240),
        1 => minutes(rng, 20, 90),
        2 => minutes(rng, 10, 25),
        _ => minutes(rng, 4, 10),
    }
}

/// The fault report of a resolved fault: drafted by the engineer who
/// handled it, reviewed and delivered by the contract's project leader —
/// in every state the desk meets: a draft, in review, returned, delivered
/// in time (after a return or not) and delivered late.
fn report_story(rng: &mut StdRng, s: &mut Steps, worker: &Actor, leader: &Actor, level: u8) {
    use ReportFate as F;
    let fate = weighted(
        rng,
        &[
            (F::Draft, 10),
            (F::InReview, 10),
            (F::Returned, 5),
            (F::OnTime, 50),
            (F::ReturnedThenOnTime, 10),
            (F::Late, 15),
        ],
    );
    let (cause, prevention) = pick(rng, REPORT_CAUSES);
    let report = |who: &Actor, op: ReportOp| Op::Report(who.clone(), op);
    s.push_office(
        minutes(rng, 60, 600),
        report(
            worker,
            ReportOp::Draft {
                cause: (*cause).to_owned(),
                prevention: (*prevention).to_owned(),
            },
        ),
    );
    if fate == F::Draft {
        return;
    }
    s.push_office(
        minutes(rng, 30, 240),
        report(worker, ReportOp::SubmitReview),
    );
    if fate == F::InReview {
        return;
    }
    if matches!(fate, F::Returned | F::ReturnedThenOnTime) {
        s.push_office(
            minutes(rng, 60, 300),
            report(leader, ReportOp::Return(REPORT_RETURN.to_owned())),
        );
        if fate == F::Returned {
            return;
        }
        let impact = if level >= 3 {
            "全部用户无法使用系统，业务中断至故障恢复；数据完好。"
        } else {
            "部分用户的相关功能受影响，其余业务正常；数据完好。"
        };
        s.push_office(
            minutes(rng, 30, 180),
            report(worker, ReportOp::Amend(impact.to_owned())),
        );
        s.push_office(minutes(rng, 10, 60), report(worker, ReportOp::SubmitReview));
    }
    s.push_office(minutes(rng, 30, 240), report(leader, ReportOp::Approve));
    if fate == F::Late {
        // Sent days later than the 2 working days: the report clock breaches.
        s.fixed(
            minutes(rng, 4 * 1440, 6 * 1440),
            report(leader, ReportOp::Deliver),
        );
    } else {
        s.push_office(minutes(rng, 5, 60), report(leader, ReportOp::Deliver));
    }
    s.say(
        minutes(rng, 1, 10),
        leader,
        Visibility::Internal,
        FAULT_REPORT_NOTE.to_owned(),
    );
}
