//! SLA policies and their targets' durations and warning thresholds.

use super::form::{Body, form_of, opt, refused, version};
use super::{Admin, PageResult, SECTIONS, fail, fail_ref, not_found};
use crate::AppState;
use crate::ui::form::Form;
use crate::ui::{Ctx, percent_encode, see_other};
use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::routing::get;
use fuwu_app::sla::PolicyInput;
use fuwu_app::{Actor, AppError};
use fuwu_core::calendar::BusinessDuration;
use fuwu_core::sla::Policy;
use serde::Deserialize;

pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/ui/admin/sla-policies", get(policies))
        .route("/ui/admin/sla-policies/{id}", get(policy).post(policy_post))
}

pub struct PolicyRow {
    pub id: i64,
    pub key: String,
    pub name: String,
    pub description: String,
    pub targets: usize,
}

#[derive(Template, WebTemplate)]
#[template(path = "admin/policies.html")]
struct PoliciesPage {
    c: Ctx,
    here: &'static str,
    sections: &'static [(&'static str, &'static str)],
    rows: Vec<PolicyRow>,
}

fn localized<'a>(c: &Ctx, zh: &'a str, en: &'a str) -> &'a str {
    match c.lang {
        crate::ui::i18n::Lang::En => en,
        _ => zh,
    }
}

async fn policies(State(s): State<AppState>, Admin { actor, c }: Admin) -> PageResult {
    let list = match s.app.list_sla_policies(&actor).await {
        Ok(l) => l,
        Err(e) => return Err(fail(c)(e)),
    };
    let rows = list
        .into_iter()
        .map(|p| {
            let parsed = serde_json::from_str::<Policy>(&p.definition).ok();
            PolicyRow {
                id: p.id,
                name: parsed.as_ref().map_or_else(
                    || p.name.clone(),
                    |x| localized(&c, &x.name_zh, &x.name_en).to_owned(),
                ),
                key: p.name,
                description: p.description,
                targets: parsed.map_or(0, |x| x.targets.len()),
            }
        })
        .collect();
    Ok(PoliciesPage {
        c,
        here: "/ui/admin/sla-policies",
        sections: SECTIONS,
        rows,
    }
    .into_response())
}

pub struct TargetRow {
    pub key: String,
    pub name: String,
    pub levels: String,
    pub categories: String,
    pub channels: String,
    pub start: String,
    pub stop: String,
    pub pauses: String,
    pub duration: String,
    pub calendar: String,
    pub warn: String,
    pub escalation: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "admin/policy.html")]
struct PolicyPage {
    c: Ctx,
    here: &'static str,
    sections: &'static [(&'static str, &'static str)],
    id: i64,
    version: i64,
    key: String,
    name: String,
    description: String,
    level: String,
    category: String,
    categories: Vec<&'static str>,
    rows: Vec<TargetRow>,
    form: Form,
    saved: bool,
}

#[derive(Debug, Default, Deserialize)]
pub struct TargetQuery {
    level: Option<String>,
    category: Option<String>,
    saved: Option<String>,
}

/// A serde value as its short text: `"acknowledged"`, `{"waiting_for":"customer"}` → `waiting_for: customer`.
fn word<T: serde::Serialize>(v: &T) -> String {
    match serde_json::to_value(v) {
        Ok(serde_json::Value::String(s)) => s,
        Ok(serde_json::Value::Object(m)) => m
            .iter()
            .map(|(k, v)| format!("{k}: {}", v.as_str().unwrap_or_default()))
            .collect::<Vec<_>>()
            .join(", "),
        Ok(other) => other.to_string(),
        Err(_) => String::new(),
    }
}

async fn policy_page(
    s: &AppState,
    actor: &Actor,
    c: Ctx,
    id: i64,
    q: TargetQuery,
    form: Form,
    status: StatusCode,
) -> PageResult {
    let row = match s.app.get_sla_policy(actor, id).await {
        Ok(r) => r,
        Err(e) => return Err(fail(c)(e)),
    };
    let policy: Policy = match serde_json::from_str(&row.definition) {
        Ok(p) => p,
        Err(_) => return Err(not_found(c)),
    };
    let level = q
        .level
        .as_deref()
        .and_then(|l| l.parse::<i64>().ok())
        .and_then(|l| fuwu_core::FaultLevel::new(l).ok());
    let category = q
        .category
        .as_deref()
        .and_then(|x| x.parse::<fuwu_core::Category>().ok());
    let rows = policy
        .targets
        .iter()
        .filter(|t| level.is_none_or(|l| t.levels.contains(l)))
        .filter(|t| {
            category.is_none_or(|k| t.categories.as_ref().is_none_or(|set| set.contains(&k)))
        })
        .map(|t| TargetRow {
            key: t.key.clone(),
            name: localized(&c, &t.name_zh, &t.name_en).to_owned(),
            levels: if t.levels.min == t.levels.max {
                t.levels.min.get().to_string()
            } else {
                format!("{}–{}", t.levels.min.get(), t.levels.max.get())
            },
            categories: t.categories.as_ref().map_or_else(String::new, |set| {
                set.iter()
                    .map(|k| c.tv("category", k.as_str()))
                    .collect::<Vec<_>>()
                    .join(", ")
            }),
            channels: t.channels.as_ref().map_or_else(String::new, |set| {
                set.iter()
                    .map(|k| c.tv("channel", k.as_str()))
                    .collect::<Vec<_>>()
                    .join(", ")
            }),
            start: word(&t.start),
            stop: word(&t.stop),
            pauses: t.pause_when.iter().map(word).collect::<Vec<_>>().join("; "),
            duration: t.duration.to_string(),
            calendar: t.calendar.clone(),
            warn: t
                .warn_at_percent
                .iter()
                .map(std::string::ToString::to_string)
                .collect::<Vec<_>>()
                .join(", "),
            escalation: t
                .escalation
                .iter()
                .map(|e| {
                    format!(
                        "{}% → {}",
                        e.at_percent,
                        e.notify.iter().map(word).collect::<Vec<_>>().join(", ")
                    )
                })
                .collect::<Vec<_>>()
                .join("; "),
        })
        .collect();
    Ok((
        status,
        PolicyPage {
            name: localized(&c, &policy.name_zh, &policy.name_en).to_owned(),
            c,
            here: "/ui/admin/sla-policies",
            sections: SECTIONS,
            id,
            version: row.version,
            key: policy.key.clone(),
            description: policy.description.clone(),
            level: level.map(|l| l.get().to_string()).unwrap_or_default(),
            category: category.map(|k| k.as_str().to_owned()).unwrap_or_default(),
            categories: fuwu_core::Category::ALL
                .iter()
                .map(|k| k.as_str())
                .collect(),
            rows,
            form,
            saved: q.saved.is_some(),
        },
    )
        .into_response())
}

async fn policy(
    State(s): State<AppState>,
    Path(id): Path<String>,
    Query(q): Query<TargetQuery>,
    admin: Admin,
) -> PageResult {
    let (actor, c, id) = admin.record(&id)?;
    policy_page(&s, &actor, c, id, q, Form::default(), StatusCode::OK).await
}

/// One target's duration and warning thresholds changed (`action` = the target's key).
async fn policy_post(
    State(s): State<AppState>,
    Path(id): Path<String>,
    admin: Admin,
    body: Body,
) -> PageResult {
    let (actor, c, id, values) = admin.edit(&id, body)?;
    let mut form = form_of(values);
    let outcome = target_change(&s, &actor, id, &mut form).await;
    let status = match outcome {
        Ok(true) => {
            return Ok(see_other(&format!(
                "/ui/admin/sla-policies/{id}?saved=1#target-{}",
                percent_encode(&form.open)
            )));
        }
        Ok(false) => StatusCode::UNPROCESSABLE_ENTITY,
        Err(e) => refused(&mut form, e).map_err(fail_ref(&c))?,
    };
    policy_page(&s, &actor, c, id, TargetQuery::default(), form, status).await
}

async fn target_change(
    s: &AppState,
    actor: &Actor,
    id: i64,
    form: &mut Form,
) -> Result<bool, AppError> {
    let version = version(form);
    let key = form.open.clone();
    let duration = match opt(form, "duration").map(|d| BusinessDuration::parse(&d)) {
        Some(Ok(d)) => Some(d),
        _ => {
            form.errors
                .insert("duration".into(), "admin.f.duration".into());
            None
        }
    };
    let warn: Result<Vec<u8>, _> = opt(form, "warn")
        .unwrap_or_default()
        .split([',', '，', ' '])
        .filter(|p| !p.trim().is_empty())
        .map(|p| p.trim().parse::<u8>())
        .collect();
    let warn = match warn {
        Ok(w) if w.iter().all(|p| (1..=99).contains(p)) && w.windows(2).all(|x| x[0] < x[1]) => {
            Some(w)
        }
        _ => {
            form.errors.insert("warn".into(), "admin.f.warn".into());
            None
        }
    };
    let (Some(duration), Some(warn)) = (duration, warn) else {
        return Ok(false);
    };
    if !form.errors.is_empty() {
        return Ok(false);
    }
    let row = s.app.get_sla_policy(actor, id).await?;
    // The version is checked before the target is looked up: a policy changed
    // meanwhile may not have this target any more, and "someone else changed
    // this" is the true answer then.
    if row.version != version {
        return Err(AppError::StaleVersion {
            what: "SLA policy",
            expected: version,
        });
    }
    let mut policy: Policy = serde_json::from_str(&row.definition)
        .map_err(|e| AppError::invalid("definition", e.to_string()))?;
    let Some(target) = policy.targets.iter_mut().find(|t| t.key == key) else {
        return Err(AppError::invalid("action", "no such target"));
    };
    target.duration = duration;
    target.warn_at_percent = warn;
    let definition = serde_json::to_value(&policy)
        .map_err(|e| AppError::invalid("definition", e.to_string()))?;
    s.app
        .update_sla_policy(
            actor,
            id,
            PolicyInput {
                version: Some(version),
                definition,
            },
        )
        .await?;
    Ok(true)
}
