//! The request page and its actions (the forms it posts).

use super::{FormReader, PageResult, fail};
use crate::AppState;
use crate::error::{ApiError, ErrorCode};
use crate::extract::Authn;
use crate::ui::form::Form;
use crate::ui::{Ctx, PageError, see_other, viewer};
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, RawForm, State};
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::response::IntoResponse;
use fuwu_app::access::Capability;
use fuwu_app::requests::ActionExtras;
use fuwu_app::{Actor, AppError};
use fuwu_core::lifecycle::{Action, Feedback, Rating};
use fuwu_core::{CloseBasis, ResponseMode, Stage, Status, Tier, Visibility, WaitingFor};
use fuwu_store::requests::Request;
use std::collections::HashMap;

// ---------------------------------------------------------------- the request page

/// One entry of the time line.
pub struct Item {
    pub at: i64,
    /// reply, internal, event, visit, worklog (a CSS class).
    pub kind: &'static str,
    pub label: String,
    pub who: String,
    pub body: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "request.html")]
pub struct RequestPage {
    c: Ctx,
    r: Request,
    organization: String,
    contact: String,
    system: String,
    assignee: String,
    team: String,
    items: Vec<Item>,
    actions: Vec<String>,
    can_reply: bool,
    can_note: bool,
    can_visit: bool,
    can_worklog: bool,
    teams: Vec<(i64, String)>,
    staff: Vec<(i64, String)>,
    visits: Vec<VisitRow>,
    form: Form,
    clocks: crate::ui::clocks::ClockPanel,
    files: crate::ui::file_list::FileList,
    contract: String,
    policy: String,
}

/// An on-site visit as the request page shows it (with the next step to record).
pub struct VisitRow {
    pub id: i64,
    pub version: i64,
    pub engineer: String,
    pub requested_at: i64,
    pub departed_at: Option<i64>,
    pub arrived_at: Option<i64>,
    pub left_at: Option<i64>,
    pub work_done: String,
    /// `departed`, `arrived`, `left`, or empty when the visit is over.
    pub next: &'static str,
}

pub async fn request_page(
    State(s): State<AppState>,
    auth: Result<Authn, ApiError>,
    headers: HeaderMap,
    uri: Uri,
    Path(id): Path<String>,
) -> PageResult {
    let (a, c) = viewer(&s, auth, &headers, &uri).await?;
    let Some(id) = page_id(&id) else {
        return Err(not_found(c));
    };
    render_request(&s, &a.actor, c, id, Form::default(), StatusCode::OK).await
}

/// The id in a page path; anything else is the same 404 as a missing request.
fn page_id(raw: &str) -> Option<i64> {
    raw.parse::<i64>().ok().filter(|v| *v > 0)
}

fn not_found(c: Ctx) -> PageError {
    PageError::Api(
        ApiError::new(ErrorCode::NotFound, "no such request"),
        Box::new(c),
    )
}

pub(crate) async fn render_request(
    s: &AppState,
    actor: &Actor,
    c: Ctx,
    id: i64,
    form: Form,
    status: StatusCode,
) -> PageResult {
    let d = match s.app.request_detail(actor, id).await {
        Ok(d) => d,
        Err(e) => return Err(fail(c)(e)),
    };
    let r = d.request;
    let me = c.user.as_ref().map_or(0, |u| u.id);
    let reads_staff = actor.has(Capability::ReadStaffDirectory);
    let users: Vec<(i64, String, String)> = if reads_staff {
        s.app
            .list_users(actor, None, Some(200), None, None, None)
            .await
            .map(|p| {
                p.items
                    .into_iter()
                    .map(|u| (u.id, u.display_name, u.role))
                    .collect()
            })
            .unwrap_or_default()
    } else {
        Vec::new()
    };
    let name_of = |uid: i64| -> String {
        if uid == me {
            return c.user.as_ref().map_or_else(String::new, |u| u.name.clone());
        }
        users
            .iter()
            .find(|(i, _, _)| *i == uid)
            .map_or_else(|| c.t("who.desk").to_owned(), |(_, n, _)| n.clone())
    };
    let mut items = Vec::new();
    for m in &d.messages {
        let internal = m.visibility == Visibility::Internal.as_str();
        items.push(Item {
            at: m.created_at,
            kind: if internal { "internal" } else { "reply" },
            label: c
                .t(if internal { "tl.note" } else { "tl.reply" })
                .to_owned(),
            who: name_of(m.author_id),
            body: m.body.clone(),
        });
    }
    // A stored value as a reader wants it: names for vocabularies and ids, local times.
    let value_text = |field: &str, v: Option<&str>| -> String {
        let Some(v) = v else {
            return "—".to_owned();
        };
        match field {
            "status" => c.tv("status", v),
            "tier" | "to" | "from" => c.tv("tier", v),
            "stage" => c.tv("stage", v),
            "waiting_for" => c.tv("waiting", v),
            "response_mode" | "mode" => c.tv("mode", v),
            "close_basis" | "basis" => c.tv("basis", v),
            "category" => c.tv("category", v),
            "impact" => c.tv("impact", v),
            "urgency" => c.tv("urgency", v),
            "level" => c.tv("level", v),
            "feedback_solved" | "solved" => match v {
                "true" => c.t("f.solved").to_owned(),
                "false" => c.t("f.not_solved").to_owned(),
                other => other.to_owned(),
            },
            "assignee_id" => v.parse::<i64>().map_or_else(|_| v.to_owned(), name_of),
            f if f.ends_with("_at") => v
                .parse::<jiff::Timestamp>()
                .map_or_else(|_| v.to_owned(), |t| c.time(&t.as_millisecond())),
            _ => v.to_owned(),
        }
    };
    let details_text = |raw: &str| -> String {
        match serde_json::from_str::<serde_json::Value>(raw) {
            Ok(serde_json::Value::Object(m)) => m
                .iter()
                .filter(|(_, v)| !v.is_null())
                .map(|(k, v)| {
                    let text = v.as_str().map_or_else(|| v.to_string(), str::to_owned);
                    format!("{}: {}", c.tv("field", k), value_text(k, Some(&text)))
                })
                .collect::<Vec<_>>()
                .join("\n"),
            _ => raw.to_owned(),
        }
    };
    for e in &d.history {
        let change = e.field.as_deref().map(|f| {
            format!(
                "{}: {} → {}",
                c.tv("field", f),
                value_text(f, e.before.as_deref()),
                value_text(f, e.after.as_deref())
            )
        });
        let label = match change {
            Some(ch) => format!("{} · {ch}", c.tv("event", &e.kind)),
            None => c.tv("event", &e.kind),
        };
        items.push(Item {
            at: e.at,
            kind: "event",
            label: format!("{} · {}", c.t("tl.event"), label),
            who: name_of(e.actor_id),
            // The lifecycle's own data (plan, reason, mode); a new request's
            // snapshot is its details already shown beside.
            body: match (e.kind.as_str(), e.details.as_deref()) {
                ("created", _) | (_, None) => String::new(),
                (_, Some(raw)) => details_text(raw),
            },
        });
    }
    for v in &d.visits {
        let mut body = Vec::new();
        for (key, at) in [
            ("tl.departed", v.departed_at),
            ("tl.arrived", v.arrived_at),
            ("tl.left", v.left_at),
        ] {
            if let Some(at) = at {
                body.push(format!("{} {}", c.t(key), c.time(&at)));
            }
        }
        if let Some(w) = &v.work_done {
            body.push(w.clone());
        }
        items.push(Item {
            at: v.requested_at,
            kind: "visit",
            label: format!("{} · {}", c.t("tl.visit"), c.t("tl.requested")),
            who: v.engineer_id.map(name_of).unwrap_or_default(),
            body: body.join("\n"),
        });
    }
    for w in &d.work_logs {
        items.push(Item {
            at: w.worked_at,
            kind: "worklog",
            label: format!(
                "{} · {} {}",
                c.t("tl.worklog"),
                w.minutes,
                c.t("tl.minutes")
            ),
            who: name_of(w.user_id),
            body: w.note.clone(),
        });
    }
    items.sort_by_key(|i| i.at);
    let terminal = r
        .status
        .parse::<Status>()
        .is_ok_and(fuwu_core::Status::is_terminal);
    let organization = s
        .app
        .get_organization(actor, r.organization_id)
        .await
        .map_or_else(|_| format!("#{}", r.organization_id), |o| o.name);
    let contact = match r.requester_contact_id {
        Some(k) => s
            .app
            .get_contact(actor, k)
            .await
            .map(|k| k.name)
            .unwrap_or_default(),
        None => String::new(),
    };
    let system = match r.system_id {
        Some(k) => s
            .app
            .get_system(actor, k)
            .await
            .map(|k| k.name)
            .unwrap_or_default(),
        None => String::new(),
    };
    let teams: Vec<(i64, String)> = if reads_staff {
        s.app
            .list_teams(actor, None, Some(200))
            .await
            .map(|p| p.items.into_iter().map(|t| (t.id, t.name)).collect())
            .unwrap_or_default()
    } else {
        Vec::new()
    };
    let assignee = r.assignee_id.map(name_of).unwrap_or_default();
    let team = r
        .team_id
        .and_then(|t| teams.iter().find(|(i, _)| *i == t).map(|(_, n)| n.clone()))
        .unwrap_or_default();
    let staff = users
        .iter()
        .filter(|(_, _, role)| {
            matches!(
                role.as_str(),
                "agent" | "engineer" | "third_party" | "project_leader"
            )
        })
        .map(|(i, n, _)| (*i, n.clone()))
        .collect();
    let visits = d
        .visits
        .iter()
        .map(|v| VisitRow {
            id: v.id,
            version: v.version,
            engineer: v.engineer_id.map(name_of).unwrap_or_default(),
            requested_at: v.requested_at,
            departed_at: v.departed_at,
            arrived_at: v.arrived_at,
            left_at: v.left_at,
            work_done: v.work_done.clone().unwrap_or_default(),
            next: match (v.departed_at, v.arrived_at, v.left_at) {
                (None, None, None) => "departed",
                (_, None, None) => "arrived",
                (_, Some(_), None) => "left",
                _ => "",
            },
        })
        .collect();
    let may_work = d.may_work && !terminal;
    let clocks = crate::ui::clocks::panel(s, actor, &c, id).await;
    let files = crate::ui::file_list::list(
        &d.attachments,
        may_work,
        s.app.settings.max_attachment_bytes,
        &name_of,
    );
    // SPEC §2/§4: every request shows the contract and the policy it runs under.
    let (contract, policy) = match &d.entitlement {
        Some(e) => (
            e.contract.as_ref().map_or_else(String::new, |k| {
                let vip = if k.vip { " · VIP" } else { "" };
                format!("{} {}{vip}", k.code, k.name)
            }),
            match c.lang {
                crate::ui::i18n::Lang::En if !e.policy.name_en.is_empty() => {
                    e.policy.name_en.clone()
                }
                _ if !e.policy.name_zh.is_empty() => e.policy.name_zh.clone(),
                _ => e.policy.name.clone(),
            },
        ),
        None => (String::new(), String::new()),
    };
    Ok((
        status,
        RequestPage {
            contract,
            policy,
            can_reply: may_work,
            can_note: may_work && actor.has(Capability::SeeInternal),
            can_visit: may_work && actor.has(Capability::RecordVisits),
            can_worklog: d.may_work && actor.has(Capability::LogWork),
            c,
            r,
            organization,
            contact,
            system,
            assignee,
            team,
            items,
            actions: d.available_actions,
            teams,
            staff,
            visits,
            form,
            clocks,
            files,
        },
    )
        .into_response())
}

/// Every form of the request page posts here, naming its `action`: the
/// lifecycle actions, `message` (reply or note), `visit`, `worklog`.
/// Success: back to the page (303). Refused: the page again with the
/// errors beside the fields and everything typed kept.
pub async fn request_post(
    State(s): State<AppState>,
    auth: Result<Authn, ApiError>,
    headers: HeaderMap,
    uri: Uri,
    Path(id): Path<String>,
    body: Result<RawForm, axum::extract::rejection::RawFormRejection>,
) -> PageResult {
    let (a, c) = viewer(&s, auth, &headers, &uri).await?;
    let Some(id) = page_id(&id) else {
        return Err(not_found(c));
    };
    let Ok(RawForm(bytes)) = body else {
        return Err(PageError::Api(
            ApiError::new(ErrorCode::BadRequest, "send the page's form"),
            Box::new(c),
        ));
    };
    let values: HashMap<String, String> =
        match serde_urlencoded::from_bytes::<Vec<(String, String)>>(&bytes) {
            Ok(v) => v.into_iter().filter(|(k, _)| k != "csrf_token").collect(),
            Err(_) => {
                return Err(PageError::Api(
                    ApiError::new(ErrorCode::BadRequest, "an unreadable form"),
                    Box::new(c),
                ));
            }
        };
    let mut form = Form {
        open: values.get("action").cloned().unwrap_or_default(),
        values,
        ..Form::default()
    };
    let outcome = perform(&s, &a.actor, &c.tz, id, &mut form).await;
    match outcome {
        Ok(()) => Ok(see_other(&format!("/ui/requests/{id}"))),
        Err(Refusal::Fields) => {
            render_request(&s, &a.actor, c, id, form, StatusCode::UNPROCESSABLE_ENTITY).await
        }
        Err(Refusal::App(e)) => match e {
            AppError::Invalid { field, message } => {
                form.errors.insert(field.to_owned(), message);
                render_request(&s, &a.actor, c, id, form, StatusCode::UNPROCESSABLE_ENTITY).await
            }
            AppError::StaleVersion { .. } => {
                form.alert = Some("f.version");
                render_request(&s, &a.actor, c, id, form, StatusCode::CONFLICT).await
            }
            AppError::Lifecycle(fuwu_core::lifecycle::LifecycleError::RoleNotAllowed {
                ..
            })
            | AppError::Forbidden(_)
            | AppError::NotFound { .. }
            | AppError::Unauthenticated => Err(fail(c)(e)),
            AppError::Lifecycle(_) | AppError::Conflict(_) => {
                form.alert = Some("err.conflict");
                render_request(&s, &a.actor, c, id, form, StatusCode::CONFLICT).await
            }
            other => Err(fail(c)(other)),
        },
    }
}

enum Refusal {
    /// Errors were put in the form.
    Fields,
    App(AppError),
}

impl From<AppError> for Refusal {
    fn from(e: AppError) -> Self {
        Refusal::App(e)
    }
}

/// Read the posted form into a use case call; field errors go into `form`.
async fn perform(
    s: &AppState,
    actor: &Actor,
    tz: &jiff::tz::TimeZone,
    id: i64,
    form: &mut Form,
) -> Result<(), Refusal> {
    let f = FormReader { form };
    let version = match f.opt("version") {
        None => None,
        Some(v) => match v.parse::<i64>() {
            Ok(v) => Some(v),
            Err(_) => return Err(Refusal::App(AppError::invalid("version", "not a version"))),
        },
    };
    let action = f.form.open.clone();
    let mut extras = ActionExtras::default();
    let mut f = f;
    let act = match action.as_str() {
        "message" => {
            let visibility = f.pick::<Visibility>("visibility");
            let body = f.text("body");
            let (Some(visibility), Some(body)) = (visibility, body) else {
                return Err(Refusal::Fields);
            };
            s.app
                .add_message(actor, id, visibility, body.as_str())
                .await?;
            return Ok(());
        }
        "visit" => {
            let engineer = f.opt_id("engineer_id");
            if f.failed() {
                return Err(Refusal::Fields);
            }
            s.app.request_visit(actor, id, engineer).await?;
            return Ok(());
        }
        "visit_progress" => {
            // One step of an on-site visit, recorded now: departed, arrived (stops
            // the on-site clock; entered afterwards, at the real time given in
            // the viewer's zone), left; with what was done.
            let visit = f.opt_id("visit_id");
            let visit_version = f.number("visit_version", 0, i64::MAX);
            let step = f.opt("step").unwrap_or_default();
            let work_done = f.opt("work_done");
            let arrived = f.local_time("arrived_at", tz);
            let (Some(visit), Some(visit_version)) = (visit, visit_version) else {
                return Err(Refusal::Fields);
            };
            if f.failed() {
                return Err(Refusal::Fields);
            }
            let now = s.app.now();
            let mut update = fuwu_app::requests::VisitUpdate {
                version: visit_version,
                engineer_id: None,
                departed_at: None,
                arrived_at: None,
                left_at: None,
                work_done,
            };
            match step.as_str() {
                "departed" => update.departed_at = Some(now),
                "arrived" => update.arrived_at = Some(arrived.unwrap_or(now)),
                "left" => update.left_at = Some(now),
                _ => {}
            }
            s.app.update_visit(actor, id, visit, update).await?;
            return Ok(());
        }
        "worklog" => {
            let minutes = f.number("minutes", 1, 24 * 60);
            let note = f.opt("note").unwrap_or_default();
            let Some(minutes) = minutes else {
                return Err(Refusal::Fields);
            };
            s.app
                .add_work_log(actor, id, minutes, None, &note, None)
                .await?;
            return Ok(());
        }
        "acknowledge" => Some(Action::Acknowledge),
        "resume" => Some(Action::Resume),
        "dispatch" => {
            let tier = f.pick::<Tier>("tier");
            let assignee = f.opt_id("assignee_id");
            let team = f.opt_id("team_id");
            tier.map(|tier| Action::Dispatch {
                tier,
                assignee,
                team,
            })
        }
        "respond" => {
            let mode = f.pick::<ResponseMode>("mode");
            let plan = f.text("plan");
            mode.zip(plan)
                .map(|(mode, plan)| Action::Respond { mode, plan })
        }
        "set_stage" => f
            .pick::<Stage>("stage")
            .map(|stage| Action::SetStage { stage }),
        "escalate" => {
            let to = f.pick::<Tier>("to");
            let reason = f.text("reason");
            extras.team_id = f.opt_id("team_id");
            extras.assignee_id = f.opt_id("assignee_id");
            extras.third_party_ref = f.opt("third_party_ref");
            to.zip(reason)
                .map(|(to, reason)| Action::Escalate { to, reason })
        }
        "wait" => {
            let waiting_for = f.pick::<WaitingFor>("waiting_for");
            let reason = f.text("reason");
            waiting_for
                .zip(reason)
                .map(|(waiting_for, reason)| Action::Wait {
                    waiting_for,
                    reason,
                })
        }
        "resolve" => f
            .text("resolution")
            .map(|resolution| Action::Resolve { resolution }),
        "feedback" => {
            let solved = match f.opt("solved").as_deref() {
                Some("yes") => Some(true),
                Some("no") => Some(false),
                _ => {
                    f.required("solved");
                    None
                }
            };
            let rating = match f.opt("rating") {
                None => None,
                Some(v) => match v.parse::<i64>().ok().and_then(|n| Rating::new(n).ok()) {
                    Some(r) => Some(r),
                    None => {
                        f.error("rating", "f.rating");
                        None
                    }
                },
            };
            let comment = f.opt("comment");
            solved.map(|solved| {
                Action::Feedback(Feedback {
                    solved,
                    rating,
                    comment,
                })
            })
        }
        "close" => {
            // Closing on the customer's confirmation records their rating or
            // that they declined to rate (用户反馈).
            let basis = f.pick::<CloseBasis>("basis");
            let rating = match f.opt("rating") {
                None => None,
                Some(v) => match v.parse::<i64>() {
                    Ok(n) => Some(n),
                    Err(_) => {
                        f.error("rating", "f.rating");
                        None
                    }
                },
            };
            extras.closing = Some(fuwu_app::requests::ClosingFeedback {
                rating,
                declined_to_rate: f.opt("declined_to_rate").is_some(),
            });
            basis.map(|basis| Action::Close { basis })
        }
        "cancel" => f.text("reason").map(|reason| Action::Cancel { reason }),
        _ => {
            return Err(Refusal::App(AppError::invalid(
                "action",
                "not an action of this page",
            )));
        }
    };
    match act {
        Some(action) if !f.failed() => {
            s.app.act(actor, id, version, action, extras).await?;
            Ok(())
        }
        _ => Err(Refusal::Fields),
    }
}
