//! Fault reports (故障报告, SPEC §7): drafted from a resolved fault's
//! history by an engineer (L2), reviewed by the project leader or an
//! administrator, then delivered to the customer — which is the fault
//! report target's stop event (`report_submitted`), so the report clock is
//! met or breached like any other.
//!
//! Who: engineers, project leaders and administrators write (an engineer
//! only on requests they work); project leaders and administrators review
//! and deliver, never their own report. Staff read every report in reach;
//! the organization's customers read a delivered one, without the internal
//! fields; a draft does not exist for them (404).

use crate::access::Capability;
pub use crate::request_access::{INTERNAL_KINDS, customer_sees_kind};
use crate::request_access::{bump, load_visible, load_workable};
use crate::{Actor, App, AppError};
use fuwu_core::report::{self, ReportAction, ReportStatus};
use fuwu_core::sla::ClockEvent;
use fuwu_core::{Category, Channel, FaultLevel, Status};
use fuwu_store::Conn;
use fuwu_store::reports::{self as store, FaultReportRow};
use fuwu_store::requests::{self as req_store, NewEvent, Request};
use fuwu_store::ser::rfc3339;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use utoipa::ToSchema;

/// One line of the report's time line.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TimelineEntry {
    /// RFC 3339.
    #[schema(example = "2026-11-20T02:00:00Z")]
    pub at: String,
    /// What happened: the request's history kind (`created`, `responded`,
    /// `escalated`, `resolved` …) or `note` for a line the engineer added.
    #[serde(default = "note")]
    pub kind: String,
    pub text: String,
}

fn note() -> String {
    "note".into()
}

/// The report as staff see it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct FaultReport {
    pub id: i64,
    pub request_id: i64,
    /// draft, in_review, returned, approved or delivered.
    #[schema(example = "draft")]
    pub status: String,
    pub title: String,
    /// 故障种类.
    pub fault_type: String,
    /// The fault level when the report was drafted.
    pub level: i64,
    /// When the request was raised.
    #[schema(value_type = String, format = DateTime)]
    pub occurred_at: String,
    #[schema(value_type = Option<String>, format = DateTime)]
    pub resolved_at: Option<String>,
    /// 故障现象.
    pub symptom: String,
    /// 影响范围.
    pub impact: String,
    /// 故障原因.
    pub cause: String,
    /// 处理过程 / 故障处理方法.
    pub handling: String,
    /// 解决方法.
    pub solution: String,
    /// 日常运维建议或维护方案: how to keep it from happening again.
    pub prevention: String,
    pub timeline: Vec<TimelineEntry>,
    /// Staff only.
    pub internal_notes: String,
    /// The reviewer's last comment (staff only).
    pub review_comment: Option<String>,
    pub author_id: i64,
    pub reviewer_id: Option<i64>,
    pub delivered_by: Option<i64>,
    #[schema(value_type = Option<String>, format = DateTime)]
    pub submitted_for_review_at: Option<String>,
    #[schema(value_type = Option<String>, format = DateTime)]
    pub reviewed_at: Option<String>,
    #[schema(value_type = Option<String>, format = DateTime)]
    pub delivered_at: Option<String>,
    #[schema(value_type = String, format = DateTime)]
    pub created_at: String,
    #[schema(value_type = String, format = DateTime)]
    pub updated_at: String,
    pub version: i64,
    /// The fault report target's clock, when the policy has one for this request.
    pub due: Option<ReportDue>,
}

/// Where the report target stands.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ReportDue {
    pub target_key: String,
    #[schema(value_type = Option<String>, format = DateTime)]
    pub deadline: Option<String>,
    /// running, met, breached, voided …
    pub state: String,
}

/// The delivered report as the customer reads it: no internal fields.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CustomerFaultReport {
    pub request_id: i64,
    pub title: String,
    pub fault_type: String,
    pub level: i64,
    #[schema(value_type = String, format = DateTime)]
    pub occurred_at: String,
    #[schema(value_type = Option<String>, format = DateTime)]
    pub resolved_at: Option<String>,
    pub symptom: String,
    pub impact: String,
    pub cause: String,
    pub handling: String,
    pub solution: String,
    pub prevention: String,
    pub timeline: Vec<TimelineEntry>,
    #[schema(value_type = String, format = DateTime)]
    pub delivered_at: String,
}

/// What a reader gets: staff the whole report, customers the delivered one.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(untagged)]
pub enum FaultReportView {
    Staff(Box<FaultReport>),
    Customer(Box<CustomerFaultReport>),
}

/// Changes to a draft or returned report; absent fields stay as they are.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FaultReportPatch {
    /// The version you read; a stale one is refused with 409.
    pub version: i64,
    pub title: Option<String>,
    pub fault_type: Option<String>,
    pub symptom: Option<String>,
    pub impact: Option<String>,
    pub cause: Option<String>,
    pub handling: Option<String>,
    pub solution: Option<String>,
    pub prevention: Option<String>,
    /// Replaces the whole time line.
    pub timeline: Option<Vec<TimelineEntry>>,
    pub internal_notes: Option<String>,
}

/// The body of a review step: the version read (optional) and a comment
/// (required to return a report).
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReportStep {
    pub version: Option<i64>,
    pub comment: Option<String>,
}

const MAX_FIELD: usize = 20_000;

fn opt_ms(v: Option<i64>) -> Option<String> {
    v.map(rfc3339)
}

fn status_of(row: &FaultReportRow) -> Result<ReportStatus, AppError> {
    row.status.parse().map_err(|_| {
        AppError::Internal(fuwu_store::StoreError::Config(format!(
            "fault report {} has the unknown status `{}`",
            row.id, row.status
        )))
    })
}

fn timeline_of(row: &FaultReportRow) -> Vec<TimelineEntry> {
    serde_json::from_str(&row.timeline).unwrap_or_default()
}

fn staff_view(row: FaultReportRow, due: Option<ReportDue>) -> FaultReport {
    FaultReport {
        timeline: timeline_of(&row),
        id: row.id,
        request_id: row.request_id,
        status: row.status,
        title: row.title,
        fault_type: row.fault_type,
        level: row.level,
        occurred_at: rfc3339(row.occurred_at),
        resolved_at: opt_ms(row.resolved_at),
        symptom: row.symptom,
        impact: row.impact,
        cause: row.cause,
        handling: row.handling,
        solution: row.solution,
        prevention: row.prevention,
        internal_notes: row.internal_notes,
        review_comment: row.review_comment,
        author_id: row.author_id,
        reviewer_id: row.reviewer_id,
        delivered_by: row.delivered_by,
        submitted_for_review_at: opt_ms(row.submitted_for_review_at),
        reviewed_at: opt_ms(row.reviewed_at),
        delivered_at: opt_ms(row.delivered_at),
        created_at: rfc3339(row.created_at),
        updated_at: rfc3339(row.updated_at),
        version: row.version,
        due,
    }
}

fn customer_view(row: FaultReportRow) -> CustomerFaultReport {
    CustomerFaultReport {
        timeline: timeline_of(&row),
        request_id: row.request_id,
        title: row.title,
        fault_type: row.fault_type,
        level: row.level,
        occurred_at: rfc3339(row.occurred_at),
        resolved_at: opt_ms(row.resolved_at),
        symptom: row.symptom,
        impact: row.impact,
        cause: row.cause,
        handling: row.handling,
        solution: row.solution,
        prevention: row.prevention,
        delivered_at: rfc3339(row.delivered_at.unwrap_or(row.updated_at)),
    }
}

fn zh_channel(s: &str) -> &str {
    match s {
        "phone" => "热线电话",
        "web" => "网络",
        "email" => "电子邮件",
        "onsite" => "现场",
        "api" => "接口",
        "monitoring" => "监控告警",
        other => other,
    }
}

fn zh_tier(s: &str) -> &str {
    match s {
        "l1" => "一线支持",
        "l2" => "二线支持",
        "third_party" => "第三方支持",
        other => other,
    }
}

fn zh_mode(s: &str) -> &str {
    match s {
        "remote" => "远程方式",
        "phone" => "电话方式",
        "onsite" => "现场方式",
        other => other,
    }
}

fn zh_impact(s: &str) -> &str {
    match s {
        "none" => "系统运行正常",
        "minor" => "轻微故障，基本不影响用户使用",
        "partial" => "部分模块出现问题",
        "unusable" => "系统无法正常使用，主备机均无法使用",
        "crashed" => "系统崩溃，各应用都无法使用，服务器数据完好",
        "data_damaged" => "系统崩溃，各应用都无法使用，服务器数据破坏严重",
        other => other,
    }
}

fn detail(d: &Value, key: &str) -> String {
    d[key].as_str().unwrap_or_default().trim().to_owned()
}

fn with(prefix: &str, rest: &str) -> String {
    if rest.is_empty() {
        prefix.to_owned()
    } else {
        format!("{prefix}：{rest}")
    }
}

/// The time line of a request, one line per milestone of its history
/// (messages, notes and field edits other than the level are left out).
fn timeline_from(r: &Request, events: &[req_store::Event]) -> Vec<TimelineEntry> {
    let mut out: Vec<TimelineEntry> = Vec::new();
    let mut seen: Vec<(i64, String)> = Vec::new();
    for e in events {
        let d: Value = e
            .details
            .as_deref()
            .and_then(|t| serde_json::from_str(t).ok())
            .unwrap_or(Value::Null);
        let mut at = e.at;
        let text = match (e.kind.as_str(), e.field.as_deref()) {
            (_, Some("level")) => format!(
                "故障级别由 {} 级调整为 {} 级",
                e.before.as_deref().unwrap_or("?"),
                e.after.as_deref().unwrap_or("?")
            ),
            ("created", _) => format!("经{}受理服务请求：{}", zh_channel(&r.channel), r.title),
            ("acknowledged", _) => "客户服务代表应答".to_owned(),
            ("dispatched", _) => format!("分派至{}", zh_tier(&detail(&d, "tier"))),
            ("responded", _) => with(
                &format!("确定响应方式（{}）及解决方案", zh_mode(&detail(&d, "mode"))),
                &detail(&d, "plan"),
            ),
            ("escalated", _) => with(
                &format!("升级至{}", zh_tier(&detail(&d, "to"))),
                &detail(&d, "reason"),
            ),
            ("waiting_started", _) => with(
                if detail(&d, "waiting_for") == "customer" {
                    "等待用户"
                } else {
                    "等待第三方"
                },
                &detail(&d, "reason"),
            ),
            ("waiting_ended", _) => "等待结束，继续处理".to_owned(),
            ("onsite_requested", _) => "申请现场支持".to_owned(),
            ("onsite_arrived" | "onsite_left", _) => {
                // The visit's own time, not when it was recorded.
                if let Some(t) = e
                    .after
                    .as_deref()
                    .and_then(|t| t.parse::<jiff::Timestamp>().ok())
                {
                    at = t.as_millisecond();
                }
                if e.kind == "onsite_arrived" {
                    "工程师到达现场"
                } else {
                    "工程师离开现场"
                }
                .to_owned()
            }
            ("resolved", _) => with("故障解决", &detail(&d, "resolution")),
            ("reopened", _) => with("用户反馈未解决，请求重新打开", &detail(&d, "comment")),
            ("feedback", _) => "用户确认已解决".to_owned(),
            ("closed", _) => "请求关闭".to_owned(),
            _ => continue,
        };
        // An action writes one row per changed field: one line per action.
        let key = (e.at, e.kind.clone());
        if e.field.as_deref() != Some("level") {
            if seen.contains(&key) {
                continue;
            }
            seen.push(key);
        }
        out.push(TimelineEntry {
            at: rfc3339(at),
            kind: if e.field.as_deref() == Some("level") {
                "level_changed".into()
            } else {
                e.kind.clone()
            },
            text,
        });
    }
    out
}

/// A new draft filled from the request and its history.
async fn draft_of(
    c: &mut Conn<'_>,
    r: &Request,
    author: i64,
    now: i64,
) -> Result<FaultReportRow, AppError> {
    let events = req_store::list_events(c, r.id).await?;
    let visits = req_store::list_visits(c, r.id).await?;
    let system = match r.system_id {
        Some(s) => fuwu_store::directory::get_system(c, s)
            .await
            .ok()
            .map(|s| s.name),
        None => None,
    };
    let mut handling = Vec::new();
    if let (Some(mode), Some(plan)) = (&r.response_mode, &r.response_plan) {
        handling.push(format!("响应方式：{}；方案：{}", zh_mode(mode), plan));
    }
    for e in events.iter().filter(|e| e.kind == "escalated") {
        if let Some(d) = e
            .details
            .as_deref()
            .and_then(|t| serde_json::from_str::<Value>(t).ok())
        {
            handling.push(with(
                &format!("升级至{}", zh_tier(&detail(&d, "to"))),
                &detail(&d, "reason"),
            ));
        }
    }
    for v in visits.iter().filter_map(|v| v.work_done.as_deref()) {
        handling.push(format!("现场处理：{v}"));
    }
    if let Some(t) = &r.third_party_ref {
        handling.push(format!("第三方工单：{t}"));
    }
    let timeline = timeline_from(r, &events);
    Ok(FaultReportRow {
        request_id: r.id,
        status: ReportStatus::Draft.as_str().into(),
        title: format!("故障报告：{}", r.title),
        fault_type: match system {
            Some(s) => format!("{} 级故障（{s}）", r.level),
            None => format!("{} 级故障", r.level),
        },
        level: r.level,
        occurred_at: r.created_at,
        resolved_at: r.resolved_at,
        symptom: if r.description.is_empty() {
            r.title.clone()
        } else {
            r.description.clone()
        },
        impact: zh_impact(&r.impact).to_owned(),
        handling: handling.join("\n"),
        solution: r.resolution.clone().unwrap_or_default(),
        timeline: serde_json::to_string(&timeline).unwrap_or_else(|_| "[]".into()),
        author_id: author,
        created_at: now,
        updated_at: now,
        ..FaultReportRow::default()
    })
}

/// Whether a fault report is due for this request: its policy has a report
/// target for it, or it is a fault of level 1 or above (SPEC §7).
async fn report_applies(c: &mut Conn<'_>, r: &Request) -> Result<Option<String>, AppError> {
    let (_, policy) = crate::sla::policy_for(c, r.contract_id).await?;
    let (Ok(level), Ok(category), Ok(channel)) = (
        FaultLevel::new(r.level),
        r.category.parse::<Category>(),
        r.channel.parse::<Channel>(),
    ) else {
        return Ok(None);
    };
    let target = policy
        .targets
        .iter()
        .find(|t| {
            t.stop == ClockEvent::ReportSubmitted && t.applies_to_request(level, category, channel)
        })
        .map(|t| t.key.clone());
    Ok(target)
}

fn may_have_report(r: &Request, target: &Option<String>) -> bool {
    target.is_some() || (r.category == Category::Fault.as_str() && r.level >= 1)
}

async fn due_of(c: &mut Conn<'_>, r: &Request) -> Result<Option<ReportDue>, AppError> {
    let Some(key) = report_applies(c, r).await? else {
        return Ok(None);
    };
    let clocks = fuwu_store::sla::list_clocks(c, r.id).await?;
    Ok(clocks
        .into_iter()
        .filter(|k| k.target_key == key && k.state != "superseded")
        .max_by_key(|k| k.generation)
        .map(|k| ReportDue {
            target_key: k.target_key,
            deadline: opt_ms(k.deadline),
            state: k.state,
        }))
}

fn is_resolved(r: &Request) -> bool {
    matches!(
        r.status.parse::<Status>(),
        Ok(Status::Resolved | Status::Closed)
    )
}

fn check_len(field: &'static str, v: &str) -> Result<(), AppError> {
    if v.chars().count() > MAX_FIELD {
        return Err(AppError::invalid(field, "at most 20,000 characters"));
    }
    Ok(())
}

async fn existing(c: &mut Conn<'_>, request_id: i64) -> Result<FaultReportRow, AppError> {
    store::report_of_request(c, request_id)
        .await?
        .ok_or(AppError::NotFound {
            what: "fault report",
        })
}

async fn event(
    c: &mut Conn<'_>,
    r: &Request,
    actor: &Actor,
    kind: &str,
    details: Value,
    now: i64,
) -> Result<(), AppError> {
    let ev = NewEvent {
        kind: kind.into(),
        details: Some(details.to_string()),
        ..Default::default()
    };
    req_store::insert_events(c, r.id, actor.user_id, now, &[ev]).await?;
    Ok(())
}

impl App {
    /// The request's fault report as this actor may read it.
    pub async fn fault_report(
        &self,
        actor: &Actor,
        request_id: i64,
    ) -> Result<FaultReportView, AppError> {
        let actor = actor.clone();
        self.db
            .read(move |mut c| {
                Box::pin(async move {
                    let r = load_visible(&mut c, &actor, request_id).await?;
                    if actor.sees_internal() {
                        let row = existing(&mut c, request_id).await?;
                        let due = due_of(&mut c, &r).await?;
                        return Ok(FaultReportView::Staff(Box::new(staff_view(row, due))));
                    }
                    if actor.role.is_customer() {
                        // A report not yet delivered does not exist for the customer.
                        let row = existing(&mut c, request_id).await?;
                        if !status_of(&row)?.is_delivered() {
                            return Err(AppError::NotFound {
                                what: "fault report",
                            });
                        }
                        return Ok(FaultReportView::Customer(Box::new(customer_view(row))));
                    }
                    Err(AppError::Forbidden("read fault reports"))
                })
            })
            .await
    }

    /// Draft the report of a resolved fault from its history.
    pub async fn create_fault_report(
        &self,
        actor: &Actor,
        request_id: i64,
    ) -> Result<FaultReport, AppError> {
        actor.require(Capability::WriteFaultReports)?;
        let now = self.now();
        let actor = actor.clone();
        self.db
            .write(move |mut c| {
                Box::pin(async move {
                    let r = load_workable(&mut c, &actor, request_id).await?;
                    let target = report_applies(&mut c, &r).await?;
                    if !may_have_report(&r, &target) {
                        return Err(AppError::invalid(
                            "request",
                            "fault reports are written for faults of level 1 and above",
                        ));
                    }
                    if !is_resolved(&r) {
                        return Err(AppError::InvalidState(format!(
                            "request {request_id} is {}; a fault report is drafted once it is resolved",
                            r.status
                        )));
                    }
                    if store::report_of_request(&mut c, request_id).await?.is_some() {
                        return Err(AppError::Conflict(format!(
                            "request {request_id} already has a fault report"
                        )));
                    }
                    let draft = draft_of(&mut c, &r, actor.user_id, now).await?;
                    let row = store::insert_report(&mut c, &draft)
                        .await
                        .map_err(|e| AppError::from_store("fault report", e))?;
                    event(
                        &mut c,
                        &r,
                        &actor,
                        "fault_report_drafted",
                        json!({"report_id": row.id}),
                        now,
                    )
                    .await?;
                    bump(&mut c, &r, now).await?;
                    let due = due_of(&mut c, &r).await?;
                    Ok(staff_view(row, due))
                })
            })
            .await
    }

    /// Edit a draft or returned report with the version read.
    pub async fn update_fault_report(
        &self,
        actor: &Actor,
        request_id: i64,
        patch: FaultReportPatch,
    ) -> Result<FaultReport, AppError> {
        actor.require(Capability::WriteFaultReports)?;
        for (field, v) in [
            ("title", &patch.title),
            ("fault_type", &patch.fault_type),
            ("symptom", &patch.symptom),
            ("impact", &patch.impact),
            ("cause", &patch.cause),
            ("handling", &patch.handling),
            ("solution", &patch.solution),
            ("prevention", &patch.prevention),
            ("internal_notes", &patch.internal_notes),
        ] {
            if let Some(v) = v {
                check_len(field, v)?;
            }
        }
        if patch.title.as_deref().is_some_and(|t| t.trim().is_empty()) {
            return Err(AppError::invalid("title", "must not be empty"));
        }
        if let Some(lines) = &patch.timeline {
            if lines.len() > 500 {
                return Err(AppError::invalid("timeline", "at most 500 lines"));
            }
            for l in lines {
                if l.at.parse::<jiff::Timestamp>().is_err() {
                    return Err(AppError::invalid(
                        "timeline",
                        format!("`{}` is not an RFC 3339 instant", l.at),
                    ));
                }
                check_len("timeline", &l.text)?;
            }
        }
        let now = self.now();
        let actor = actor.clone();
        self.db
            .write(move |mut c| {
                Box::pin(async move {
                    let r = load_workable(&mut c, &actor, request_id).await?;
                    let before = existing(&mut c, request_id).await?;
                    if before.version != patch.version {
                        return Err(AppError::StaleVersion {
                            what: "fault report",
                            expected: patch.version,
                        });
                    }
                    report::next(status_of(&before)?, ReportAction::Edit)?;
                    let mut row = before.clone();
                    let set = |dst: &mut String, v: &Option<String>| {
                        if let Some(v) = v {
                            *dst = v.trim().to_owned();
                        }
                    };
                    set(&mut row.title, &patch.title);
                    set(&mut row.fault_type, &patch.fault_type);
                    set(&mut row.symptom, &patch.symptom);
                    set(&mut row.impact, &patch.impact);
                    set(&mut row.cause, &patch.cause);
                    set(&mut row.handling, &patch.handling);
                    set(&mut row.solution, &patch.solution);
                    set(&mut row.prevention, &patch.prevention);
                    set(&mut row.internal_notes, &patch.internal_notes);
                    if let Some(t) = &patch.timeline {
                        row.timeline = serde_json::to_string(t).unwrap_or_else(|_| "[]".into());
                    }
                    row.updated_at = now;
                    let saved = store::update_report(&mut c, &row, patch.version)
                        .await
                        .map_err(|e| AppError::from_store("fault report", e))?;
                    let due = due_of(&mut c, &r).await?;
                    Ok(staff_view(saved, due))
                })
            })
            .await
    }

    /// Move a report one review step on: submit for review, approve, return
    /// (with a comment) or deliver to the customer.
    pub async fn fault_report_step(
        &self,
        actor: &Actor,
        request_id: i64,
        action: ReportAction,
        step: ReportStep,
    ) -> Result<FaultReport, AppError> {
        let reviewing = matches!(
            action,
            ReportAction::Approve | ReportAction::Return | ReportAction::Deliver
        );
        actor.require(if reviewing {
            Capability::ReviewFaultReports
        } else {
            Capability::WriteFaultReports
        })?;
        let comment = step
            .comment
            .as_deref()
            .map(str::trim)
            .filter(|c| !c.is_empty())
            .map(str::to_owned);
        if let Some(c) = &comment {
            check_len("comment", c)?;
        }
        let now = self.now();
        let actor = actor.clone();
        self.db
            .write(move |mut c| {
                Box::pin(async move {
                    let r = if reviewing {
                        load_visible(&mut c, &actor, request_id).await?
                    } else {
                        load_workable(&mut c, &actor, request_id).await?
                    };
                    let before = existing(&mut c, request_id).await?;
                    if let Some(v) = step.version
                        && v != before.version
                    {
                        return Err(AppError::StaleVersion {
                            what: "fault report",
                            expected: v,
                        });
                    }
                    let to = report::next(status_of(&before)?, action)?;
                    if reviewing && before.author_id == actor.user_id {
                        return Err(AppError::Forbidden(
                            "review or deliver a fault report you wrote",
                        ));
                    }
                    let mut row = before.clone();
                    row.status = to.as_str().into();
                    row.updated_at = now;
                    let kind = match action {
                        ReportAction::SubmitReview => {
                            row.submitted_for_review_at = Some(now);
                            "fault_report_submitted_for_review"
                        }
                        ReportAction::Approve => {
                            row.reviewer_id = Some(actor.user_id);
                            row.reviewed_at = Some(now);
                            row.review_comment = comment.clone();
                            "fault_report_approved"
                        }
                        ReportAction::Return => {
                            let Some(text) = &comment else {
                                return Err(AppError::invalid(
                                    "comment",
                                    "say what to change when returning a report",
                                ));
                            };
                            row.reviewer_id = Some(actor.user_id);
                            row.reviewed_at = Some(now);
                            row.review_comment = Some(text.clone());
                            "fault_report_returned"
                        }
                        ReportAction::Deliver => {
                            if !is_resolved(&r) {
                                return Err(AppError::InvalidState(format!(
                                    "request {request_id} is {}; deliver its report once it is resolved again",
                                    r.status
                                )));
                            }
                            row.delivered_by = Some(actor.user_id);
                            row.delivered_at = Some(now);
                            // The fault report target's stop event.
                            ClockEvent::ReportSubmitted.as_str()
                        }
                        ReportAction::Edit => unreachable!("edits go through update_fault_report"),
                    };
                    let saved = store::update_report(&mut c, &row, before.version)
                        .await
                        .map_err(|e| AppError::from_store("fault report", e))?;
                    event(
                        &mut c,
                        &r,
                        &actor,
                        kind,
                        json!({"report_id": saved.id, "comment": comment}),
                        now,
                    )
                    .await?;
                    bump(&mut c, &r, now).await?;
                    if action == ReportAction::Deliver {
                        let r = req_store::get_request(&mut c, request_id).await?;
                        crate::sla::refresh_clocks(&mut c, &r, now).await?;
                    }
                    let due = due_of(&mut c, &r).await?;
                    Ok(staff_view(saved, due))
                })
            })
            .await
    }
}
