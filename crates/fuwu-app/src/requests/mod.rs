//! Use cases of service requests: intake, reading, listing, editing, the
//! lifecycle actions, messages, work log and on-site visits.

use crate::access::{Capability, Narrowed};
use crate::history::diff;
use crate::request_access::{
    customer_sees_kind, load_visible, load_visible_with_contract, load_workable,
    visible_with_contract,
};
use crate::{Actor, App, AppError, Page, page_limit};
use fuwu_core::CloseBasis;
use fuwu_core::level::LevelDecision;
use fuwu_core::lifecycle::{self, Feedback, Rating, Rules, Snapshot};
use fuwu_core::{
    Category, Channel, FaultLevel, Impact, NonEmpty, Role, Stage, Status, Tier, Title, Urgency,
    WaitingFor,
};
use fuwu_store::requests::{
    self as store, Cursor, Message, NewEvent, Request, RequestFilter, SortKey, Visit, WorkLog,
};
use fuwu_store::{Conn, directory};
use serde::{Deserialize, Serialize};
use serde_json::json;
use sha2::{Digest, Sha256};
use utoipa::ToSchema;

mod actions;
mod visits;

pub(crate) use actions::{act_in, message_in};
pub use visits::VisitUpdate;

/// A new service request.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewRequest {
    /// phone, web, email, onsite, api or monitoring.
    #[schema(value_type = String, example = "phone")]
    pub channel: Channel,
    /// consultation, fault, change_request, training, inspection, health_check, backup or other.
    #[schema(value_type = String, example = "fault")]
    pub category: Category,
    /// none, minor, partial, unusable, crashed or data_damaged.
    #[schema(value_type = String, example = "partial")]
    pub impact: Impact,
    /// low, medium or high.
    #[schema(value_type = String, example = "high")]
    pub urgency: Urgency,
    /// Override the level derived from impact × urgency (staff only; needs `level_reason`).
    #[schema(value_type = Option<u8>, minimum = 0, maximum = 5)]
    pub level: Option<FaultLevel>,
    pub level_reason: Option<String>,
    #[schema(example = "统一身份认证平台登录缓慢")]
    pub title: String,
    #[serde(default)]
    pub description: String,
    /// Required for staff; a customer's own organization is implied.
    pub organization_id: Option<i64>,
    pub requester_contact_id: Option<i64>,
    pub system_id: Option<i64>,
}

/// Changes to a request's details; absent fields stay as they are.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RequestPatch {
    /// The version you read; a stale one is refused with 409.
    pub version: i64,
    pub title: Option<String>,
    pub description: Option<String>,
    #[schema(value_type = Option<String>)]
    pub category: Option<Category>,
    #[schema(value_type = Option<String>)]
    pub impact: Option<Impact>,
    #[schema(value_type = Option<String>)]
    pub urgency: Option<Urgency>,
    #[schema(value_type = Option<u8>, minimum = 0, maximum = 5)]
    pub level: Option<FaultLevel>,
    pub level_reason: Option<String>,
    pub system_id: Option<i64>,
    pub requester_contact_id: Option<i64>,
    pub third_party_ref: Option<String>,
}

/// Extra data some actions carry beyond the core's [`Action`].
#[derive(Debug, Clone, Default)]
pub struct ActionExtras {
    /// Escalation: who takes it over (optional; the team's queue otherwise).
    pub assignee_id: Option<i64>,
    pub team_id: Option<i64>,
    pub third_party_ref: Option<String>,
    /// Closing: what the closer said of the customer's satisfaction, checked
    /// by [`satisfaction`] and recorded with the closing. The API and the
    /// pages always pass it; `None` (imports, the demo) asks nothing.
    pub closing: Option<ClosingFeedback>,
    /// Auto-closing: the policy's rule that closed it, for the history.
    pub auto_close_rule: Option<serde_json::Value>,
}

/// A closing's satisfaction fields as sent.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ClosingFeedback {
    pub rating: Option<i64>,
    pub declined_to_rate: bool,
}

/// The customer's satisfaction given at closing (用户反馈).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Satisfaction {
    Rated(Rating),
    DeclinedToRate,
}

/// What a closing says of the customer's satisfaction: a request closed on
/// the customer's confirmation carries a rating (1–5) or an explicit
/// "declined to rate", never both; an auto-close carries neither.
pub fn satisfaction(
    basis: CloseBasis,
    rating: Option<i64>,
    declined_to_rate: bool,
) -> Result<Option<Satisfaction>, AppError> {
    match (basis, rating, declined_to_rate) {
        (CloseBasis::AutoClose, None, false) => Ok(None),
        (CloseBasis::AutoClose, _, _) => Err(AppError::invalid(
            "rating",
            "an auto-close has no rating: the customer did not answer",
        )),
        (CloseBasis::Confirmed, Some(_), true) => Err(AppError::invalid(
            "rating",
            "give a rating or say the customer declined to rate, not both",
        )),
        (CloseBasis::Confirmed, Some(r), false) => Rating::new(r)
            .map(|r| Some(Satisfaction::Rated(r)))
            .map_err(|_| AppError::invalid("rating", "a rating is 1–5")),
        (CloseBasis::Confirmed, None, true) => Ok(Some(Satisfaction::DeclinedToRate)),
        (CloseBasis::Confirmed, None, false) => Err(AppError::invalid(
            "rating",
            "closing on the customer's confirmation needs their rating (1–5) or that they declined to rate",
        )),
    }
}

/// How to list requests.
#[derive(Debug, Clone)]
pub struct ListQuery {
    pub filter: RequestFilter,
    pub sort: SortKey,
    pub descending: bool,
    pub cursor: Option<String>,
    pub limit: Option<i64>,
}

/// A request with everything around it, as this actor may see it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RequestDetail {
    pub request: Request,
    pub messages: Vec<Message>,
    pub history: Vec<store::Event>,
    pub attachments: Vec<store::Attachment>,
    /// Staff only; empty for customers.
    pub work_logs: Vec<WorkLog>,
    pub visits: Vec<Visit>,
    /// Lifecycle actions this actor could take now.
    #[schema(value_type = Vec<String>)]
    pub available_actions: Vec<String>,
    /// The contract, billability and SLA policy (absent for third parties).
    pub entitlement: Option<crate::entitlement::Entitlement>,
    /// Whether this actor may work the request (reply, notes, work log, visits):
    /// the web UI offers those forms only then.
    #[serde(skip)]
    pub may_work: bool,
}

pub(super) fn nonempty(field: &'static str, raw: &str) -> Result<NonEmpty, AppError> {
    NonEmpty::parse(raw).map_err(|e| AppError::invalid(field, e.to_string()))
}

pub(super) fn parse<T: std::str::FromStr<Err = fuwu_core::UnknownValue>>(
    field: &'static str,
    s: &str,
) -> Result<T, AppError> {
    s.parse()
        .map_err(|e: fuwu_core::UnknownValue| AppError::invalid(field, e.to_string()))
}

/// The lifecycle's view of a stored request.
pub fn snapshot_of(r: &Request) -> Result<Snapshot, AppError> {
    let status: Status = parse("status", &r.status)?;
    let feedback = match (status, r.feedback_solved) {
        (Status::Resolved, Some(solved)) => Some(Feedback {
            solved,
            rating: r.feedback_rating.and_then(|v| Rating::new(v).ok()),
            comment: r.feedback_comment.clone(),
        }),
        _ => None,
    };
    Ok(Snapshot {
        status,
        tier: parse("tier", &r.tier)?,
        stage: r
            .stage
            .as_deref()
            .map(|s| parse::<Stage>("stage", s))
            .transpose()?,
        waiting_for: r
            .waiting_for
            .as_deref()
            .map(|s| parse::<WaitingFor>("waiting_for", s))
            .transpose()?,
        resolved_at: r.resolved_at.map(fuwu_core::Timestamp::from_millis),
        feedback,
    })
}

/// How far ahead of the server's clock a reported time may be (a phone's clock, a typing delay).
pub(super) const CLOCK_SKEW_MS: i64 = 5 * 60_000;

/// Today's date in China (one offset all year), as `YYYY-MM-DD`.
pub fn china_date(now_ms: i64) -> String {
    jiff::Timestamp::from_millisecond(now_ms)
        .map(|t| {
            t.to_zoned(jiff::tz::TimeZone::fixed(jiff::tz::offset(8)))
                .date()
                .to_string()
        })
        .unwrap_or_default()
}

/// Whether the contract's free service period (from its acceptance date) has ended on `now`.
pub fn outside_free_period(accepted_on: &str, free_months: i64, now_ms: i64) -> bool {
    let Ok(accepted) = accepted_on.parse::<jiff::civil::Date>() else {
        return false;
    };
    let Ok(end) = accepted.checked_add(jiff::Span::new().months(free_months)) else {
        return false;
    };
    // China has one offset all year; the free period ends at local midnight.
    let today = jiff::Timestamp::from_millisecond(now_ms).map_or(accepted, |t| {
        t.to_zoned(jiff::tz::TimeZone::fixed(jiff::tz::offset(8)))
            .date()
    });
    today >= end
}

/// The contact and the system must be the request's organization's. One
/// answer whether such a record is missing or another organization's, so a
/// customer cannot probe other tenants' ids.
pub(crate) async fn check_belongs(
    c: &mut Conn<'_>,
    organization_id: i64,
    contact: Option<i64>,
    system: Option<i64>,
) -> Result<(), AppError> {
    if contact.is_none() && system.is_none() {
        return Ok(());
    }
    let (_, contact_org, system_org) =
        directory::intake_owners(c, organization_id, contact, system).await?;
    check_owners(
        organization_id,
        (contact, contact_org),
        (system, system_org),
    )
}

/// A request's contact and system must be of its organization: each is
/// (the id given, the organization that id belongs to).
fn check_owners(
    organization_id: i64,
    contact: (Option<i64>, Option<i64>),
    system: (Option<i64>, Option<i64>),
) -> Result<(), AppError> {
    if let (Some(id), owner) = contact
        && owner != Some(organization_id)
    {
        return Err(AppError::invalid(
            "requester_contact_id",
            format!("no contact {id} in the request's organization"),
        ));
    }
    if let (Some(id), owner) = system
        && owner != Some(organization_id)
    {
        return Err(AppError::invalid(
            "system_id",
            format!("no system {id} in the request's organization"),
        ));
    }
    Ok(())
}

pub(crate) async fn check_handler(
    c: &mut Conn<'_>,
    tier: Tier,
    assignee: Option<i64>,
    team: Option<i64>,
) -> Result<(), AppError> {
    if let Some(id) = assignee {
        let u = directory::get_user(c, id)
            .await
            .map_err(|e| AppError::from_store("assignee", e))?;
        let role: Role = parse("role", &u.role)?;
        let fits = match tier {
            Tier::ThirdParty => role == Role::ThirdParty || role.is_staff(),
            _ => role.is_staff(),
        };
        if !u.active || !fits {
            return Err(AppError::invalid(
                "assignee_id",
                format!("user {id} cannot handle a request at tier {tier}"),
            ));
        }
    }
    if let Some(id) = team {
        directory::get_team(c, id)
            .await
            .map_err(|e| AppError::from_store("team", e))?;
    }
    Ok(())
}

pub(crate) async fn rules_for(c: &mut Conn<'_>, r: &Request) -> Result<Rules, AppError> {
    let Some(contract_id) = r.contract_id else {
        return Ok(Rules::default());
    };
    let contract = directory::get_contract(c, contract_id).await?;
    match contract.sla_policy_id {
        Some(p) => Ok(Rules {
            auto_close_after_ms: directory::get_sla_policy(c, p).await?.auto_close_after_ms,
        }),
        None => Ok(Rules::default()),
    }
}

/// A digest of a request body, to tell a retry (same body) from a reuse of
/// its key or reference with another body.
pub(crate) fn fingerprint<T: serde::Serialize>(input: &T) -> String {
    hex::encode(Sha256::digest(
        serde_json::to_vec(input).unwrap_or_default(),
    ))
}

impl App {
    /// Take in a new request. With an idempotency key, a retry returns the
    /// request the first call created (`false` = not newly created).
    pub async fn create_request(
        &self,
        actor: &Actor,
        input: NewRequest,
        idempotency_key: Option<String>,
    ) -> Result<(Request, bool), AppError> {
        actor.require(Capability::CreateRequests)?;
        let title =
            Title::parse(&input.title).map_err(|e| AppError::invalid("title", e.to_string()))?;
        if input.description.chars().count() > 100_000 {
            return Err(AppError::invalid(
                "description",
                "at most 100,000 characters",
            ));
        }
        if actor.role.is_customer() && input.level.is_some() {
            return Err(AppError::Forbidden(
                "set the fault level; it follows from impact and urgency",
            ));
        }
        let decision = LevelDecision::decide(
            input.impact,
            input.urgency,
            input.level,
            input.level_reason.as_deref(),
        )
        .map_err(|e| AppError::invalid("level_reason", e.to_string()))?;
        let organization_id = if actor.role.is_customer() {
            let own = actor.organization_id.ok_or(AppError::Forbidden(
                "create requests without an organization",
            ))?;
            if input.organization_id.is_some_and(|o| o != own) {
                return Err(AppError::Forbidden(
                    "create requests for another organization",
                ));
            }
            own
        } else {
            input
                .organization_id
                .ok_or_else(|| AppError::invalid("organization_id", "required"))?
        };
        if let Some(key) = &idempotency_key
            && (key.is_empty() || key.len() > 200)
        {
            return Err(AppError::invalid("Idempotency-Key", "1–200 characters"));
        }
        let print = fingerprint(&input);
        let now = self.now();
        let actor_c = actor.clone();
        let key = idempotency_key.clone();
        // Checks and lookups read from a reading connection, so the write
        // transaction holds nothing but the inserts (and the writer stays free).
        let (key_r, input_r) = (key.clone(), (input.requester_contact_id, input.system_id));
        let user = actor.user_id;
        let actor_r = actor.clone();
        // A project leader's request runs under a contract they lead, so they keep seeing it.
        let leader = (actor.role == Role::ProjectLeader).then_some(actor.user_id);
        let looked_up = self
            .db
            .read(move |mut c| {
                Box::pin(async move {
                    if let Some(key) = &key_r
                        && let Some(seen) = store::find_idempotency_key(&mut c, user, key).await?
                    {
                        return Ok(Err(seen));
                    }
                    // The references and the contract in one statement (a
                    // create's reads were five lookups, each a round trip on PostgreSQL).
                    let found = directory::intake_lookup(
                        &mut c,
                        organization_id,
                        input_r.0,
                        input_r.1,
                        &china_date(now),
                        leader,
                    )
                    .await?;
                    if !found.organization_exists
                        || !actor_r.sees_organization(&mut c, organization_id).await?
                    {
                        return Err(AppError::NotFound {
                            what: "organization",
                        });
                    }
                    check_owners(
                        organization_id,
                        (input_r.0, found.contact_organization),
                        (input_r.1, found.system_organization),
                    )?;
                    // A customer's own request names them as the requester by
                    // default: the contact record their user is linked to, when
                    // it is of this organization.
                    let requester = match input_r.0 {
                        Some(k) => Some(k),
                        None if actor_r.role.is_customer() => {
                            match directory::get_user(&mut c, actor_r.user_id)
                                .await?
                                .contact_id
                            {
                                Some(k) => directory::get_contact(&mut c, k)
                                    .await
                                    .ok()
                                    .filter(|ct| ct.organization_id == organization_id)
                                    .map(|ct| ct.id),
                                None => None,
                            }
                        }
                        None => None,
                    };
                    Ok::<_, AppError>(Ok((found.contract, requester)))
                })
            })
            .await?;
        let (contract, requester_contact_id) = match looked_up {
            Ok(found) => found,
            // A retry: answer with what the first call created.
            Err((seen, _)) if seen != print => return Err(AppError::IdempotencyKeyReused),
            Err((_, id)) => return Ok((self.get_request(actor, id).await?, false)),
        };
        let billable = contract
            .as_ref()
            .is_some_and(|k| outside_free_period(&k.accepted_on, k.free_service_months, now));
        let contract_id = contract.as_ref().map(|k| k.id);
        let (policy_id, policy) = self
            .cached_policy(contract.as_ref().and_then(|k| k.sla_policy_id))
            .await?;
        let builtins = self.builtin_calendars().await?;
        // The CPU work (the first clocks) is done here, so that SQLite's single
        // writer only writes; the full-text index is written later, in batches
        // (the request is queued for it).
        let row = Request {
            id: 0,
            channel: input.channel.as_str().into(),
            category: input.category.as_str().into(),
            impact: input.impact.as_str().into(),
            urgency: input.urgency.as_str().into(),
            level: decision.level.get() as i64,
            level_override_reason: decision.override_reason.clone(),
            title: title.into_inner(),
            description: input.description.trim().to_owned(),
            organization_id,
            requester_contact_id,
            requester_user_id: actor_c.role.is_customer().then_some(actor_c.user_id),
            system_id: input.system_id,
            contract_id,
            assignee_id: None,
            team_id: None,
            tier: Tier::L1.as_str().into(),
            status: Status::New.as_str().into(),
            stage: None,
            waiting_for: None,
            response_mode: None,
            response_plan: None,
            resolution: None,
            third_party_ref: None,
            billable,
            feedback_solved: None,
            feedback_rating: None,
            feedback_comment: None,
            close_basis: None,
            cancel_reason: None,
            created_by: actor_c.user_id,
            created_at: now,
            updated_at: now,
            acknowledged_at: None,
            responded_at: None,
            resolved_at: None,
            closed_at: None,
            version: 1,
        };
        let clocks = crate::sla::initial_rows(&row, policy_id, &policy, &builtins)?;
        let details = json!({
            "channel": row.channel, "category": row.category, "level": row.level,
            "level_override_reason": row.level_override_reason, "billable": row.billable,
            "contract_id": row.contract_id,
        });
        let record = fuwu_store::creates::NewRequestRecord {
            request: row,
            created: NewEvent {
                kind: "created".into(),
                details: Some(details.to_string()),
                ..Default::default()
            },
            clocks,
            idempotency: key.map(|key| fuwu_store::creates::IdempotencyEntry {
                user_id: actor_c.user_id,
                key,
                fingerprint: print.clone(),
            }),
        };
        match self.db.create_request(record).await {
            Ok(created) => Ok((created, true)),
            // Another call committed the same key first: answer with its request.
            Err(e) if e.is_idempotency_conflict() => {
                let user = actor.user_id;
                let key = idempotency_key.unwrap_or_default();
                let found = self
                    .db
                    .read(move |mut c| {
                        Box::pin(
                            async move { store::find_idempotency_key(&mut c, user, &key).await },
                        )
                    })
                    .await?;
                match found {
                    Some((seen, _)) if seen != print => Err(AppError::IdempotencyKeyReused),
                    Some((_, id)) => Ok((self.get_request(actor, id).await?, false)),
                    None => Err(AppError::Conflict("idempotency key in use".into())),
                }
            }
            Err(e) => Err(AppError::from_store("request", e)),
        }
    }

    pub async fn get_request(&self, actor: &Actor, id: i64) -> Result<Request, AppError> {
        let actor = actor.clone();
        self.db
            .read(move |mut c| Box::pin(async move { load_visible(&mut c, &actor, id).await }))
            .await
    }

    /// The request with its contract, billability and SLA policy.
    pub async fn request_view(
        &self,
        actor: &Actor,
        id: i64,
    ) -> Result<crate::entitlement::RequestView, AppError> {
        let found = visible_with_contract(actor, self.db.request_with_contract(id).await)?;
        let parts =
            crate::entitlement::entitlement_of(actor, &found.request, found.contract.as_ref());
        Ok(crate::entitlement::RequestView {
            request: found.request,
            entitlement: self.entitlement(parts).await?,
        })
    }

    /// The request with its whole time line, filtered to what the actor may see.
    pub async fn request_detail(&self, actor: &Actor, id: i64) -> Result<RequestDetail, AppError> {
        let actor = actor.clone();
        let found = self
            .db
            .read(move |mut c| {
                Box::pin(async move {
                    let found = load_visible_with_contract(&mut c, &actor, id).await?;
                    let parts = crate::entitlement::entitlement_of(
                        &actor,
                        &found.request,
                        found.contract.as_ref(),
                    );
                    let request = found.request;
                    let internal = actor.sees_internal();
                    let messages = store::list_messages(&mut c, id, internal).await?;
                    let mut history = store::list_events(&mut c, id).await?;
                    if !internal {
                        history.retain(|e| {
                            (e.field.is_none() || e.field.as_deref() == Some("status"))
                                && customer_sees_kind(&e.kind)
                        });
                        for e in &mut history {
                            e.details = None;
                        }
                    }
                    let message_ids: Vec<i64> = messages.iter().map(|m| m.id).collect();
                    let mut attachments = store::list_attachments(&mut c, id).await?;
                    attachments.retain(|a| a.message_id.is_none_or(|m| message_ids.contains(&m)));
                    let work_logs = if internal {
                        store::list_work_logs(&mut c, id).await?
                    } else {
                        Vec::new()
                    };
                    let visits = store::list_visits(&mut c, id).await?;
                    let may_work = actor.may_work(&mut c, &request).await?;
                    let available_actions = if may_work {
                        lifecycle::available_actions(&snapshot_of(&request)?, actor.role)
                            .into_iter()
                            .map(|a| a.as_str().to_owned())
                            .collect()
                    } else {
                        Vec::new()
                    };
                    let detail = RequestDetail {
                        entitlement: None,
                        request,
                        messages,
                        history,
                        attachments,
                        work_logs,
                        visits,
                        available_actions,
                        may_work,
                    };
                    Ok::<_, AppError>((detail, parts))
                })
            })
            .await?;
        let (mut detail, parts) = found;
        detail.entitlement = self.entitlement(parts).await?;
        Ok(detail)
    }

    pub async fn list_requests(
        &self,
        actor: &Actor,
        mut q: ListQuery,
    ) -> Result<Page<Request>, AppError> {
        if let Narrowed::Empty = actor.narrow_requests(&mut q.filter) {
            return Ok(Page {
                items: Vec::new(),
                next_cursor: None,
            });
        }
        let after = match &q.cursor {
            Some(s) => Some(
                Cursor::decode(s)
                    .ok_or_else(|| AppError::invalid("cursor", "not a cursor this API gave out"))?,
            ),
            None => None,
        };
        let limit = page_limit(q.limit);
        let (items, next) = self
            .db
            .read(move |mut c| {
                Box::pin(async move {
                    store::list_requests(&mut c, &q.filter, q.sort, q.descending, after, limit)
                        .await
                })
            })
            .await?;
        Ok(Page {
            items,
            next_cursor: next.map(Cursor::encode),
        })
    }

    /// Edit a request's details (staff). Every changed field lands in the history.
    pub async fn update_request(
        &self,
        actor: &Actor,
        id: i64,
        patch: RequestPatch,
    ) -> Result<Request, AppError> {
        actor.require(Capability::EditRequests)?;
        let title = patch
            .title
            .as_deref()
            .map(Title::parse)
            .transpose()
            .map_err(|e| AppError::invalid("title", e.to_string()))?;
        let now = self.now();
        let actor = actor.clone();
        self.db
            .write(move |mut c| {
                Box::pin(async move { update_in(&mut c, &actor, id, patch, title, now).await })
            })
            .await
    }
}

/// Edit a request's details in the caller's transaction (also used by imports, with their own `now`).
pub(crate) async fn update_in(
    c: &mut Conn<'_>,
    actor: &Actor,
    id: i64,
    patch: RequestPatch,
    title: Option<Title>,
    now: i64,
) -> Result<Request, AppError> {
    let before = load_workable(c, actor, id).await?;
    if before.version != patch.version {
        return Err(AppError::StaleVersion {
            what: "request",
            expected: patch.version,
        });
    }
    let mut after = before.clone();
    if let Some(t) = title {
        after.title = t.into_inner();
    }
    if let Some(d) = &patch.description {
        after.description = d.trim().to_owned();
    }
    if let Some(cat) = patch.category {
        after.category = cat.as_str().into();
    }
    let impact: Impact = patch
        .impact
        .map_or_else(|| parse("impact", &before.impact), Ok)?;
    let urgency: Urgency = patch
        .urgency
        .map_or_else(|| parse("urgency", &before.urgency), Ok)?;
    let keep_override =
        before.level_override_reason.is_some() && patch.impact.is_none() && patch.urgency.is_none();
    let override_to = patch.level.or(if keep_override {
        FaultLevel::new(before.level).ok()
    } else {
        None
    });
    let reason = patch
        .level_reason
        .clone()
        .or(before.level_override_reason.clone());
    let decision = LevelDecision::decide(impact, urgency, override_to, reason.as_deref())
        .map_err(|e| AppError::invalid("level_reason", e.to_string()))?;
    after.impact = impact.as_str().into();
    after.urgency = urgency.as_str().into();
    after.level = decision.level.get() as i64;
    after.level_override_reason = decision.override_reason;
    if let Some(s) = patch.system_id {
        after.system_id = Some(s);
    }
    if let Some(k) = patch.requester_contact_id {
        after.requester_contact_id = Some(k);
    }
    if let Some(t) = &patch.third_party_ref {
        after.third_party_ref = Some(t.trim().to_owned()).filter(|t| !t.is_empty());
    }
    check_belongs(
        c,
        after.organization_id,
        patch.requester_contact_id,
        patch.system_id,
    )
    .await?;
    after.updated_at = now;
    let rows = diff("changed", &before, &after, None);
    let saved = store::update_request(c, &after, patch.version)
        .await
        .map_err(|e| AppError::from_store("request", e))?;
    store::insert_events(c, id, actor.user_id, now, &rows).await?;
    if saved.level != before.level || saved.category != before.category {
        crate::sla::refresh_clocks(c, &saved, now).await?;
    }
    Ok(saved)
}
