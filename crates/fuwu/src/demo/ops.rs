//! A story as data, and telling it: the steps a request's story is made of
//! (each a use case call at a moment), how a story that would run past now
//! is compressed, and running the steps through the application.

use super::{MIN, fmt_local, next_office_start, office_hours};
use anyhow::{Context, bail};
use fuwu_app::requests::{ActionExtras, RequestPatch, VisitUpdate};
use fuwu_app::{Actor, App, ManualClock};
use fuwu_core::Visibility;
use fuwu_core::lifecycle::Action;

pub(super) enum Attachment {
    /// A log file a customer exports to show the error.
    ErrorLog { system: String },
    /// The engineer's report of planned work.
    Report {
        kind: &'static str,
        title: String,
        org: String,
        system: String,
        engineer: String,
    },
}

pub(super) enum Op {
    Act(Actor, Action, ActionExtras),
    Msg(Actor, Visibility, String),
    Work(Actor, i64, String),
    Attach(Actor, Attachment),
    VisitRequest(Actor, i64),
    VisitArrive(Actor),
    VisitLeave(Actor, String),
    /// Record the third party's own case number on the request.
    SetRef(Actor, String),
    /// A step of the request's fault report (故障报告).
    Report(Actor, ReportOp),
}

/// The fault report steps a story can take, each through the real use case.
pub(super) enum ReportOp {
    /// Draft from the history, then fill in the cause and the prevention.
    Draft {
        cause: String,
        prevention: String,
    },
    SubmitReview,
    Return(String),
    /// Edit after a return (the impact, as the reviewer asked).
    Amend(String),
    Approve,
    Deliver,
}

/// How far a fault's report got.
#[derive(Clone, Copy, PartialEq)]
pub(super) enum ReportFate {
    Draft,
    InReview,
    Returned,
    OnTime,
    ReturnedThenOnTime,
    Late,
}

pub(super) struct Step {
    /// Milliseconds after the previous step.
    delay: i64,
    /// Not compressed when the story must fit before now (the auto-close period).
    fixed: bool,
    op: Op,
}

pub(super) struct Story {
    pub(super) request_id: i64,
    pub(super) created_at: i64,
    /// No step happens after this instant.
    pub(super) budget_end: i64,
    pub(super) steps: Vec<Step>,
}

/// A story being written: steps, and roughly when each will happen.
pub(super) struct Steps {
    steps: Vec<Step>,
    start: i64,
    elapsed: i64,
    /// Work that can wait for office hours waits for them (levels 0–1).
    office: bool,
}

impl Steps {
    pub(super) fn new(start: i64, office: bool) -> Self {
        Steps {
            steps: Vec::new(),
            start,
            elapsed: 0,
            office,
        }
    }
    pub(super) fn done(self) -> anyhow::Result<Vec<Step>> {
        Ok(self.steps)
    }
    pub(super) fn add(&mut self, mut delay: i64, fixed: bool, snap: bool, op: Op) {
        if snap {
            let at = self.start + self.elapsed + delay;
            if !office_hours(at) {
                // Some time in the next working morning (08:30–12:00).
                let jitter = (at / 7919).rem_euclid(210) * MIN;
                delay = next_office_start(at) + jitter - self.start - self.elapsed;
            }
        }
        self.elapsed += delay;
        self.steps.push(Step { delay, fixed, op });
    }
    pub(super) fn push(&mut self, delay: i64, op: Op) {
        self.add(delay, false, self.office, op);
    }
    /// Something people do in office hours whatever the level (feedback, revisits).
    pub(super) fn push_office(&mut self, delay: i64, op: Op) {
        self.add(delay, false, true, op);
    }
    pub(super) fn fixed(&mut self, delay: i64, op: Op) {
        self.add(delay, true, false, op);
    }
    pub(super) fn act(&mut self, delay: i64, who: &Actor, action: Action) {
        self.push(delay, Op::Act(who.clone(), action, ActionExtras::default()));
    }
    pub(super) fn act_office(&mut self, delay: i64, who: &Actor, action: Action) {
        self.push_office(delay, Op::Act(who.clone(), action, ActionExtras::default()));
    }
    pub(super) fn say(&mut self, delay: i64, who: &Actor, visibility: Visibility, text: String) {
        self.push(delay, Op::Msg(who.clone(), visibility, text));
    }
    pub(super) fn say_office(
        &mut self,
        delay: i64,
        who: &Actor,
        visibility: Visibility,
        text: String,
    ) {
        self.push_office(delay, Op::Msg(who.clone(), visibility, text));
    }
}

/// Compress a story that would otherwise run past now (the auto-close wait is kept).
pub(super) fn fit_to_budget(steps: Vec<Step>, budget: i64) -> Vec<Step> {
    let total: i64 = steps.iter().map(|s| s.delay).sum();
    if total <= budget || budget <= 0 {
        return steps;
    }
    let fixed: i64 = steps.iter().filter(|s| s.fixed).map(|s| s.delay).sum();
    let (scalable, kept) = if budget > fixed && total > fixed {
        ((budget - fixed) as f64 / (total - fixed) as f64, 1.0)
    } else {
        let f = budget as f64 / total as f64;
        (f, f)
    };
    steps
        .into_iter()
        .map(|s| Step {
            delay: (s.delay as f64 * if s.fixed { kept } else { scalable }) as i64,
            ..s
        })
        .collect()
}

async fn run_report_op(app: &App, who: &Actor, id: i64, op: ReportOp) -> anyhow::Result<()> {
    use fuwu_app::reports::{FaultReportPatch, ReportStep};
    use fuwu_core::report::ReportAction;
    let step = |action, comment: Option<String>| async move {
        app.fault_report_step(
            who,
            id,
            action,
            ReportStep {
                version: None,
                comment,
            },
        )
        .await
    };
    match op {
        ReportOp::Draft { cause, prevention } => {
            let draft = app.create_fault_report(who, id).await?;
            app.update_fault_report(
                who,
                id,
                FaultReportPatch {
                    version: draft.version,
                    cause: Some(cause),
                    prevention: Some(prevention),
                    ..Default::default()
                },
            )
            .await?;
        }
        ReportOp::Amend(impact) => {
            let now = match app.fault_report(who, id).await? {
                fuwu_app::reports::FaultReportView::Staff(r) => r.version,
                fuwu_app::reports::FaultReportView::Customer(_) => {
                    bail!("staff read the whole report")
                }
            };
            app.update_fault_report(
                who,
                id,
                FaultReportPatch {
                    version: now,
                    impact: Some(impact),
                    ..Default::default()
                },
            )
            .await?;
        }
        ReportOp::SubmitReview => {
            step(ReportAction::SubmitReview, None).await?;
        }
        ReportOp::Return(comment) => {
            step(ReportAction::Return, Some(comment)).await?;
        }
        ReportOp::Approve => {
            step(ReportAction::Approve, Some("同意提交客户。".to_owned())).await?;
        }
        ReportOp::Deliver => {
            step(ReportAction::Deliver, None).await?;
        }
    }
    Ok(())
}

fn attachment_file(a: &Attachment, at: i64) -> (String, Vec<u8>) {
    let ts = |back_min: i64| fmt_local(at - back_min * MIN, "%Y-%m-%d %H:%M:%S");
    match a {
        Attachment::ErrorLog { system } => {
            let name = if system.is_empty() { "系统" } else { system };
            let text = format!(
                "# {name} 应用日志摘录（客户导出）\n\
                 [{}] INFO  app-01  健康检查通过\n\
                 [{}] WARN  app-01  数据库连接池使用率 93% (186/200)\n\
                 [{}] ERROR app-01  请求处理超时 timeout=30000ms uri=/api/business/submit\n\
                 [{}] ERROR app-01  java.sql.SQLTimeoutException: ORA-01013: 用户请求取消当前的操作\n\
                 [{}] WARN  app-02  会话同步失败，已重试 3 次\n\
                 [{}] INFO  app-01  请求处理恢复，耗时 2315ms\n",
                ts(185),
                ts(160),
                ts(158),
                ts(158),
                ts(120),
                ts(95)
            );
            (
                format!("错误日志-{}.txt", fmt_local(at, "%Y%m%d-%H%M")),
                text.into_bytes(),
            )
        }
        Attachment::Report {
            kind,
            title,
            org,
            system,
            engineer,
        } => {
            let date = fmt_local(at, "%Y-%m-%d");
            let text = format!(
                "{title}\n\n单位：{org}\n系统：{system}\n日期：{date}\n工程师：{engineer}\n\n\
                 检查项                结果    说明\n\
                 CPU 使用率（峰值）     正常    35%\n\
                 内存使用率            正常    61%\n\
                 磁盘空间              正常    最高 72%（/data）\n\
                 系统与应用日志        正常    无严重错误\n\
                 服务进程              正常    全部运行\n\
                 备份任务              正常    最近 7 次均成功\n\
                 安全补丁              关注    2 个中危补丁待下次维护窗口安装\n\n\
                 结论：系统运行正常；建议关注 /data 分区增长趋势，并在下次维护窗口安装补丁。\n"
            );
            (format!("{kind}报告-{date}.txt"), text.into_bytes())
        }
    }
}

pub(super) async fn run_story(app: &App, clock: &ManualClock, story: Story) -> anyhow::Result<()> {
    let id = story.request_id;
    let mut t = story.created_at;
    let mut visit: Option<(i64, i64)> = None;
    for step in story.steps {
        let prev = t;
        t = (t + step.delay.max(1000)).min(story.budget_end).max(prev);
        clock.set(t);
        match step.op {
            Op::Act(who, action, extras) => {
                let kind = action.kind();
                app.act(&who, id, None, action, extras)
                    .await
                    .with_context(|| format!("{} by {}", kind, who.display_name))?;
            }
            Op::Msg(who, visibility, body) => {
                app.add_message(&who, id, visibility, &body)
                    .await
                    .with_context(|| format!("a message by {}", who.display_name))?;
            }
            Op::Work(who, spent, note) => {
                app.add_work_log(&who, id, spent, None, &note, None)
                    .await
                    .with_context(|| format!("work logged by {}", who.display_name))?;
            }
            Op::Attach(who, a) => {
                let (name, data) = attachment_file(&a, t);
                app.add_attachment(&who, id, &name, data)
                    .await
                    .with_context(|| format!("an attachment by {}", who.display_name))?;
            }
            Op::VisitRequest(who, engineer) => {
                let v = app
                    .request_visit(&who, id, Some(engineer))
                    .await
                    .with_context(|| format!("a visit requested by {}", who.display_name))?;
                visit = Some((v.id, v.version));
            }
            Op::VisitArrive(who) => {
                let (vid, version) = visit.context("arrival without a visit")?;
                let departed = prev.max(t - ((t - prev) / 2).min(90 * MIN));
                let v = app
                    .update_visit(
                        &who,
                        id,
                        vid,
                        VisitUpdate {
                            version,
                            departed_at: Some(departed),
                            arrived_at: Some(t),
                            ..Default::default()
                        },
                    )
                    .await?;
                visit = Some((v.id, v.version));
            }
            Op::VisitLeave(who, work_done) => {
                let (vid, version) = visit.context("leaving without a visit")?;
                let v = app
                    .update_visit(
                        &who,
                        id,
                        vid,
                        VisitUpdate {
                            version,
                            left_at: Some(t),
                            work_done: Some(work_done),
                            ..Default::default()
                        },
                    )
                    .await?;
                visit = Some((v.id, v.version));
            }
            Op::Report(who, op) => {
                run_report_op(app, &who, id, op)
                    .await
                    .with_context(|| format!("a fault report step by {}", who.display_name))?;
            }
            Op::SetRef(who, case) => {
                let r = app.get_request(&who, id).await?;
                app.update_request(
                    &who,
                    id,
                    RequestPatch {
                        version: r.version,
                        third_party_ref: Some(case),
                        ..Default::default()
                    },
                )
                .await?;
            }
        }
    }
    Ok(())
}
