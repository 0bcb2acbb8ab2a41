//! The SLA engine's use cases: policies and calendars (read by staff, written
//! by administrators, audited), a request's clocks (computed by the pure
//! `fuwu_core::sla::clock::compute` from its history and stored in the same
//! transaction as each change), and the scanner that handles due warnings
//! and breaches exactly once.
//!
//! Which policy: the request's contract's policy; without a contract, or a
//! contract without a policy, the default policy `levels-0-5`
//! ([`DEFAULT_POLICY`]).

use crate::access::Capability;
use crate::calendars::{Builtins, calendar_names, calendars_for, presets};
pub use crate::calendars::{CalendarInput, CalendarView};
use crate::request_access::load_visible;
use crate::{Actor, App, AppError, audit};
use fuwu_core::calendar::{BusinessDuration, Calendar};
use fuwu_core::level::FaultLevel;
use fuwu_core::sla::clock::{self, ClockState, Dated, Fact, History};
use fuwu_core::sla::counting::{Finished, counted};
use fuwu_core::sla::{ClockEvent, Policy, Recipient, templates};
use fuwu_core::types::{Category, Channel, Timestamp, WaitingFor};
use fuwu_store::directory::{self as dir, SlaPolicy};
use fuwu_store::requests::{self as store, Request};
use fuwu_store::sla::{self as sla_store, ClockRow, NewNotification, Notification};
use fuwu_store::{Conn, StoreError};
use serde::{Deserialize, Serialize};
use serde_json::json;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use utoipa::ToSchema;

/// The policy of requests whose contract names none.
pub const DEFAULT_POLICY: &str = templates::LEVELS_0_5;

/// Prefix of the stored pseudo-clocks that carry a policy notice to the scanner.
const NOTICE: &str = "notice:";

pub(crate) fn parse_policy(row: &SlaPolicy) -> Option<Policy> {
    serde_json::from_str(&row.definition).ok()
}

/// The instant whose policy and calendars a request's clocks are shown under
/// as of `at`: `at` itself, or its end if it ended before — a closed request
/// keeps the terms it was closed under, as its stored clocks do (a policy
/// change refreshes open requests only).
fn terms_instant(r: &Request, at: i64) -> i64 {
    r.closed_at.map_or(at, |end| end.min(at))
}

/// Policy `id` as it was in force at `at` (`current` if it has not changed since).
async fn policy_as_of(
    c: &mut Conn<'_>,
    id: i64,
    current: Policy,
    at: i64,
) -> Result<Policy, AppError> {
    Ok(sla_store::policy_definition_at(c, id, at)
        .await?
        .and_then(|d| serde_json::from_str(&d).ok())
        .unwrap_or(current))
}

/// The policy a request runs under: its contract's, else the default.
pub(crate) async fn policy_for(
    c: &mut Conn<'_>,
    contract_id: Option<i64>,
) -> Result<(i64, Policy), AppError> {
    if let Some(k) = contract_id
        && let Some(p) = dir::get_contract(c, k).await?.sla_policy_id
    {
        let row = dir::get_sla_policy(c, p).await?;
        if let Some(policy) = parse_policy(&row) {
            return Ok((row.id, policy));
        }
    }
    let row = sla_store::get_policy_by_name(c, DEFAULT_POLICY).await?;
    let policy = parse_policy(&row).unwrap_or_else(templates::levels_0_5);
    Ok((row.id, policy))
}

fn event_of(kind: &str) -> Option<ClockEvent> {
    match kind {
        "created" => Some(ClockEvent::Created),
        "acknowledged" => Some(ClockEvent::Acknowledged),
        "responded" => Some(ClockEvent::Responded),
        "onsite_requested" => Some(ClockEvent::OnsiteRequested),
        "onsite_arrived" => Some(ClockEvent::OnsiteArrived),
        "resolved" => Some(ClockEvent::Resolved),
        "report_submitted" => Some(ClockEvent::ReportSubmitted),
        "revisited" => Some(ClockEvent::Revisited),
        "closed" => Some(ClockEvent::Closed),
        "reopened" => Some(ClockEvent::Reopened),
        "cancelled" => Some(ClockEvent::Cancelled),
        _ => None,
    }
}

/// A request's history rows as the facts the clocks depend on.
pub(crate) fn history_of(r: &Request, events: &[store::Event]) -> Result<History, AppError> {
    let bad = |what: &str| AppError::Internal(StoreError::Config(format!("bad {what} in history")));
    let first = events
        .iter()
        .find(|e| e.kind == "created")
        .and_then(|e| e.details.as_deref())
        .and_then(|d| serde_json::from_str::<serde_json::Value>(d).ok());
    let level = first
        .as_ref()
        .and_then(|d| d["level"].as_i64())
        .or_else(|| {
            // Created before the level was recorded: the first level change's `before`, else now.
            events
                .iter()
                .find(|e| e.field.as_deref() == Some("level"))
                .and_then(|e| e.before.as_deref()?.parse().ok())
        })
        .unwrap_or(r.level);
    let category = first
        .as_ref()
        .and_then(|d| d["category"].as_str().map(str::to_owned))
        .unwrap_or_else(|| r.category.clone());
    let mut facts = Vec::with_capacity(events.len());
    for e in events {
        let at = Timestamp(e.at);
        // An arrival happened when the engineer says it did (entered
        // afterwards, it is recorded as its `after`), never after its entry.
        let happened = match e.kind.as_str() {
            "onsite_arrived" => e
                .after
                .as_deref()
                .and_then(|t| t.parse::<jiff::Timestamp>().ok())
                .map_or(at, |t| Timestamp(t.as_millisecond().min(e.at))),
            _ => at,
        };
        if let Some(ev) = event_of(&e.kind)
            && !facts
                .iter()
                .any(|f: &Dated| f.at == happened && f.fact == Fact::Event(ev))
        {
            facts.push(Dated {
                at: happened,
                fact: Fact::Event(ev),
            });
        }
        let after = e.after.as_deref();
        let fact = match e.field.as_deref() {
            Some("status") => Some(Fact::Status(
                after
                    .and_then(|s| s.parse().ok())
                    .ok_or_else(|| bad("status"))?,
            )),
            Some("waiting_for") => Some(Fact::WaitingFor(
                after.and_then(|s| s.parse::<WaitingFor>().ok()),
            )),
            Some("level") => Some(Fact::Level(
                after
                    .and_then(|s| s.parse::<i64>().ok())
                    .and_then(|n| FaultLevel::new(n).ok())
                    .ok_or_else(|| bad("level"))?,
            )),
            Some("category") => Some(Fact::Category(
                after
                    .and_then(|s| s.parse().ok())
                    .ok_or_else(|| bad("category"))?,
            )),
            _ => None,
        };
        if let Some(fact) = fact {
            facts.push(Dated { at, fact });
        }
    }
    // In the order they happened (a backdated arrival moves back; ties keep
    // their order).
    facts.sort_by_key(|f| f.at);
    Ok(History {
        created_at: Timestamp(r.created_at),
        channel: r.channel.parse::<Channel>().map_err(|_| bad("channel"))?,
        level: FaultLevel::new(level).map_err(|_| bad("level"))?,
        category: category.parse::<Category>().map_err(|_| bad("category"))?,
        facts,
    })
}

fn handled_list(text: &str) -> Vec<u16> {
    serde_json::from_str(text).unwrap_or_default()
}

/// Whether a stored clock has been judged (met, breached, or superseded by a
/// level change): it keeps its terms, and a policy edit does not judge it again.
fn judged(row: &ClockRow) -> bool {
    matches!(row.state.as_str(), "met" | "breached" | "superseded")
        && !row.target_key.starts_with(NOTICE)
}

/// The terms the judged stored clocks keep, by (generation, target key).
fn kept_terms(rows: &[ClockRow]) -> HashMap<(u32, String), clock::Terms> {
    rows.iter()
        .filter(|r| judged(r))
        .filter_map(|r| {
            let duration = BusinessDuration::parse(&r.duration).ok()?;
            let generation = u32::try_from(r.generation).ok()?;
            Some((
                (generation, r.target_key.clone()),
                clock::Terms {
                    calendar: r.calendar.clone(),
                    duration,
                },
            ))
        })
        .collect()
}

/// [`clock::compute_kept`] with the terms of `stored`'s judged clocks.
fn compute_clocks<'c>(
    policy: &Policy,
    history: &History,
    calendars: &dyn Fn(&str) -> Option<&'c Calendar>,
    stored: &[ClockRow],
    at: i64,
) -> Result<Vec<clock::Clock>, AppError> {
    let kept = kept_terms(stored);
    clock::compute_kept(policy, history, calendars, Timestamp(at), &|g, key| {
        kept.get(&(g, key.to_owned())).cloned()
    })
    .map_err(|e| AppError::Internal(StoreError::Config(e.to_string())))
}

/// The clocks of `history` as rows to store at `now`, keeping what the
/// scanner has already handled and working out what falls due next.
fn rows_for<'c>(
    request_id: i64,
    policy_id: i64,
    policy: &Policy,
    history: &History,
    calendars: &dyn Fn(&str) -> Option<&'c Calendar>,
    existing: &[ClockRow],
    now: i64,
) -> Result<Vec<ClockRow>, AppError> {
    let clocks = compute_clocks(policy, history, calendars, existing, now)?;
    let mut rows = Vec::with_capacity(clocks.len());
    for k in clocks {
        let target = policy.target(&k.target_key).expect("a clock of the policy");
        let before = existing
            .iter()
            .find(|r| r.generation == i64::from(k.generation) && r.target_key == k.target_key);
        // A clock started afresh (a fault report clock after a reopen and a
        // new resolution) is a new run: its thresholds are due again.
        let handled = before
            .filter(|r| r.started_at == k.started_at.as_millis())
            .map(|r| handled_list(&r.handled))
            .unwrap_or_default();
        let cal = calendars(&k.calendar).ok_or_else(|| {
            AppError::Internal(StoreError::Config(format!("no calendar `{}`", k.calendar)))
        })?;
        let mut next = (None, None);
        if k.stopped_at.is_none() && k.paused_since.is_none() {
            for p in clock::thresholds(target) {
                if handled.contains(&p) {
                    continue;
                }
                if let Some(due) = clock::due_at(&k, cal, p)
                    .map_err(|e| AppError::Internal(StoreError::Config(e.to_string())))?
                {
                    next = (Some(i64::from(p)), Some(due.as_millis()));
                }
                break;
            }
        }
        rows.push(ClockRow {
            id: 0,
            request_id,
            generation: i64::from(k.generation),
            policy_id: Some(policy_id),
            target_key: k.target_key.clone(),
            level: i64::from(k.level.get()),
            calendar: k.calendar.clone(),
            duration: k.duration.to_string(),
            started_at: k.started_at.as_millis(),
            stopped_at: k.stopped_at.map(|t| t.as_millis()),
            paused_since: k.paused_since.map(|t| t.as_millis()),
            paused_ms: k.paused_ms,
            deadline: k.deadline.map(|t| t.as_millis()),
            state: k.state.as_str().into(),
            handled: serde_json::to_string(&handled).unwrap_or_else(|_| "[]".into()),
            next_threshold: next.0,
            next_due_at: next.1,
            updated_at: now,
        });
    }
    // Notices: one pseudo-clock per notice and generation, due at once.
    for g in clock::generations(history, Timestamp(now)) {
        for event in [ClockEvent::Created] {
            for n in policy.notices_for(event, g.level, g.category) {
                let key = format!("{NOTICE}{}", n.key);
                if existing
                    .iter()
                    .any(|r| r.target_key == key && r.generation == i64::from(g.number))
                {
                    continue;
                }
                rows.push(ClockRow {
                    id: 0,
                    request_id,
                    generation: i64::from(g.number),
                    policy_id: Some(policy_id),
                    target_key: key,
                    level: i64::from(g.level.get()),
                    calendar: fuwu_core::calendar::TWENTY_FOUR_SEVEN.into(),
                    duration: "0m".into(),
                    started_at: g.from.as_millis(),
                    stopped_at: Some(g.from.as_millis()),
                    paused_since: None,
                    paused_ms: 0,
                    deadline: Some(g.from.as_millis()),
                    state: ClockState::Met.as_str().into(),
                    handled: "[]".into(),
                    next_threshold: Some(0),
                    next_due_at: Some(g.from.as_millis()),
                    updated_at: now,
                });
            }
        }
    }
    Ok(rows)
}

/// The clock rows of a request just created: computed from its one fact,
/// without reading anything back (one multi-row insert on the create path).
pub(crate) fn initial_rows(
    r: &Request,
    policy_id: i64,
    policy: &Policy,
    builtins: &Builtins,
) -> Result<Vec<ClockRow>, AppError> {
    let history = History {
        created_at: Timestamp(r.created_at),
        channel: r
            .channel
            .parse()
            .map_err(|_| AppError::invalid("channel", "unknown"))?,
        level: FaultLevel::new(r.level).map_err(|e| AppError::invalid("level", e.to_string()))?,
        category: r
            .category
            .parse()
            .map_err(|_| AppError::invalid("category", "unknown"))?,
        facts: vec![Dated {
            at: Timestamp(r.created_at),
            fact: Fact::Event(ClockEvent::Created),
        }],
    };
    let all_presets = policy
        .targets_for_request(history.level, history.category, history.channel)
        .all(|t| builtins.contains_key(t.calendar.as_str()));
    if !all_presets {
        // A custom calendar: leave it to the first refresh.
        return Ok(Vec::new());
    }
    rows_for(
        r.id,
        policy_id,
        policy,
        &history,
        &|name| builtins.get(name),
        &[],
        r.created_at,
    )
}

/// Recompute and store a request's clocks, in the caller's transaction.
/// Returns how many stored clocks changed (new, updated or retired).
pub(crate) async fn refresh_clocks(
    c: &mut Conn<'_>,
    r: &Request,
    now: i64,
) -> Result<usize, AppError> {
    refresh_clocks_under(c, r, now, None).await
}

/// Like [`refresh_clocks`], under the policy and calendars in force at
/// `terms_at` (default: the current ones).
async fn refresh_clocks_under(
    c: &mut Conn<'_>,
    r: &Request,
    now: i64,
    terms_at: Option<i64>,
) -> Result<usize, AppError> {
    let (policy_id, policy) = policy_for(c, r.contract_id).await?;
    let policy = match terms_at {
        Some(at) => policy_as_of(c, policy_id, policy, at).await?,
        None => policy,
    };
    let events = store::list_events(c, r.id).await?;
    let history = history_of(r, &events)?;
    let calendars = calendars_for(c, &policy, terms_at).await?;
    let existing = sla_store::list_clocks(c, r.id).await?;
    let rows = rows_for(
        r.id,
        policy_id,
        &policy,
        &history,
        &|name| calendars.get(name),
        &existing,
        now,
    )?;
    // Skip rows that did not change (most actions touch one or two clocks).
    let changed: Vec<&ClockRow> = rows
        .iter()
        .filter(|n| {
            !existing.iter().any(|o| {
                o.generation == n.generation
                    && o.target_key == n.target_key
                    && ClockRow {
                        id: 0,
                        updated_at: 0,
                        ..o.clone()
                    } == ClockRow {
                        id: 0,
                        updated_at: 0,
                        ..(*n).clone()
                    }
            })
        })
        .collect();
    // A stored clock the computation no longer has is retired, unless its
    // outcome stands: a judged clock whose target the policy no longer
    // applies to its level (an edit or another policy changed the terms,
    // not the facts) keeps counting.
    let mut retired = 0;
    for o in &existing {
        let computed = rows
            .iter()
            .any(|n| n.generation == o.generation && n.target_key == o.target_key);
        let terms_gone = policy
            .target(&o.target_key)
            .is_none_or(|t| !FaultLevel::new(o.level).is_ok_and(|l| t.levels.contains(l)));
        let kept = o.target_key.starts_with(NOTICE)
            || o.state == "superseded"
            || computed
            || (judged(o) && terms_gone);
        if !kept {
            sla_store::retire_clock(c, o.id, now).await?;
            retired += 1;
        }
    }
    let changed: Vec<ClockRow> = changed.into_iter().cloned().collect();
    sla_store::upsert_clocks(c, &changed).await?;
    Ok(changed.len() + retired)
}

/// How one target was kept over a period.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct Attainment {
    pub target_key: String,
    pub met: u64,
    pub breached: u64,
    /// Nearest-rank percentiles of the time used, in seconds (absent without data;
    /// working time only on the built-in calendars).
    pub median_working_seconds: Option<i64>,
    pub p90_working_seconds: Option<i64>,
    pub median_natural_seconds: Option<i64>,
    pub p90_natural_seconds: Option<i64>,
}

/// Nearest-rank percentile.
fn percentile(values: &mut [i64], p: usize) -> Option<i64> {
    if values.is_empty() {
        return None;
    }
    values.sort_unstable();
    let rank = (p * values.len()).div_ceil(100).max(1);
    Some(values[rank - 1])
}

/// A due clock the scanner could not handle.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct ScanProblem {
    pub request_id: i64,
    pub clock_id: i64,
    pub error: String,
    /// When the scan met it (Unix ms).
    pub at: i64,
}

/// What `fuwu sla recompute` did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Recompute {
    pub requests: usize,
    /// Requests with at least one clock changed.
    pub changed_requests: usize,
    pub changed_clocks: usize,
}

// ---------------------------------------------------------------- API views

/// One clock as the API shows it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ClockView {
    pub target_key: String,
    pub name_zh: String,
    pub name_en: String,
    /// 1, then +1 at each level or category change; earlier generations are history.
    pub generation: u32,
    pub level: u8,
    pub calendar: String,
    /// e.g. `2h`, `1wd`.
    pub duration: String,
    #[schema(value_type = String, format = DateTime)]
    pub started_at: String,
    #[schema(value_type = Option<String>, format = DateTime)]
    pub stopped_at: Option<String>,
    /// Absent while paused.
    #[schema(value_type = Option<String>, format = DateTime)]
    pub deadline: Option<String>,
    #[schema(value_type = Option<String>, format = DateTime)]
    pub paused_since: Option<String>,
    /// `running`, `paused`, `met`, `breached`, `superseded`; `voided` for a
    /// clock started on a resolution that a reopen undid.
    pub state: String,
    /// Working time counted, remaining (negative once breached) and not
    /// counted (paused, or stopped until a reopen), in seconds.
    pub elapsed_seconds: i64,
    pub remaining_seconds: i64,
    pub paused_seconds: i64,
    /// Working time counted as a percentage of the duration, exact to 0.01
    /// (rounded to the nearest hundredth: 7 of 15 minutes is 46.67).
    pub percent_used: f64,
    /// Stops that a reopen undid (the clock resumed with the time it had used).
    pub earlier_stops: Vec<EarlierStop>,
    /// The provisional years of its calendar (years without the official
    /// holiday notice, worked by the calendar's provisional rule) that its
    /// deadline or elapsed time relied on; empty when none.
    pub provisional_years: Vec<i16>,
}

/// A stop of a clock that a reopen undid.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct EarlierStop {
    #[schema(value_type = String, format = DateTime)]
    pub stopped_at: String,
    #[schema(value_type = String, format = DateTime)]
    pub resumed_at: String,
}

/// The provisional years a clock's answer relied on: from its start to the
/// later of its deadline and where its elapsed time ends (its stop, else `at`).
fn provisional_years_of<'c>(
    k: &clock::Clock,
    calendars: &dyn Fn(&str) -> Option<&'c Calendar>,
    at: i64,
) -> Vec<i16> {
    let Some(cal) = calendars(&k.calendar) else {
        return Vec::new();
    };
    let end = k.stopped_at.map_or(at, |t| t.as_millis());
    let end = k.deadline.map_or(end, |d| d.as_millis().max(end));
    cal.provisional_years_between(k.started_at, Timestamp(end))
}

/// A request's clocks as of an instant.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RequestClocks {
    pub request_id: i64,
    pub policy_id: i64,
    pub policy: String,
    #[schema(value_type = String, format = DateTime)]
    pub at: String,
    pub clocks: Vec<ClockView>,
}

/// A new policy, or a policy's replacement.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PolicyInput {
    /// Required when replacing: the version you read.
    pub version: Option<i64>,
    /// fuwu-core's `Policy` (see the shipped templates for examples).
    #[schema(value_type = Object)]
    pub definition: serde_json::Value,
}

fn rfc(ms: i64) -> String {
    fuwu_store::ser::rfc3339(ms)
}

fn check_policy(value: serde_json::Value, calendars: &[String]) -> Result<Policy, AppError> {
    let policy: Policy = serde_json::from_value(value)
        .map_err(|e| AppError::invalid("definition", e.to_string()))?;
    let names: Vec<&str> = calendars.iter().map(String::as_str).collect();
    policy
        .validate(&names)
        .map_err(|e| AppError::invalid("definition", e.to_string()))?;
    Ok(policy)
}

fn auto_close_ms(p: &Policy) -> i64 {
    match &p.auto_close {
        Some(a) => presets()
            .get(a.calendar.as_str())
            .map(|c| c.duration_ms(a.after))
            .unwrap_or_else(|| i64::from(a.after.minutes()) * 60_000),
        None => fuwu_core::lifecycle::Rules::default().auto_close_after_ms,
    }
}

/// Parsed policies for the create path, so taking in a request reads no
/// policy: by the contract's policy id (`None`: the default), 10 s; an
/// update on this node clears it at once (other nodes: within 10 s).
#[derive(Clone, Default)]
pub(crate) struct PolicyCache(Arc<Mutex<HashMap<Option<i64>, CachedPolicy>>>);

/// When it was loaded, its id, the policy.
type CachedPolicy = (Instant, i64, Arc<Policy>);

const POLICY_TTL: Duration = Duration::from_secs(10);

impl App {
    pub(crate) async fn cached_policy(
        &self,
        policy_id: Option<i64>,
    ) -> Result<(i64, Arc<Policy>), AppError> {
        if let Some((at, id, p)) = self
            .policies
            .0
            .lock()
            .expect("policy cache")
            .get(&policy_id)
            && at.elapsed() < POLICY_TTL
        {
            return Ok((*id, p.clone()));
        }
        let (id, policy) = self
            .db
            .read(move |mut c| {
                Box::pin(async move {
                    if let Some(p) = policy_id {
                        let row = dir::get_sla_policy(&mut c, p).await?;
                        if let Some(policy) = parse_policy(&row) {
                            return Ok((row.id, policy));
                        }
                    }
                    let row = sla_store::get_policy_by_name(&mut c, DEFAULT_POLICY).await?;
                    Ok::<_, AppError>((
                        row.id,
                        parse_policy(&row).unwrap_or_else(templates::levels_0_5),
                    ))
                })
            })
            .await?;
        let policy = Arc::new(policy);
        self.policies
            .0
            .lock()
            .expect("policy cache")
            .insert(policy_id, (Instant::now(), id, policy.clone()));
        Ok((id, policy))
    }

    // ------------------------------------------------------------ policies

    pub async fn get_sla_policy(&self, actor: &Actor, id: i64) -> Result<SlaPolicy, AppError> {
        actor.require(Capability::ReadStaffDirectory)?;
        self.db
            .read(move |mut c| {
                Box::pin(async move {
                    dir::get_sla_policy(&mut c, id)
                        .await
                        .map_err(|e| AppError::from_store("SLA policy", e))
                })
            })
            .await
    }

    /// Create a policy (administrators). Its key is its name.
    pub async fn create_sla_policy(
        &self,
        actor: &Actor,
        input: PolicyInput,
    ) -> Result<SlaPolicy, AppError> {
        actor.require(Capability::Administer)?;
        let now = self.now();
        let who = actor.user_id;
        self.db
            .write(move |mut c| {
                Box::pin(async move {
                    let names = calendar_names(&mut c).await?;
                    let policy = check_policy(input.definition, &names)?;
                    let definition = serde_json::to_string(&policy)
                        .map_err(|e| AppError::invalid("definition", e.to_string()))?;
                    let row = sla_store::insert_policy(
                        &mut c,
                        &policy.key,
                        &policy.description,
                        auto_close_ms(&policy),
                        &definition,
                        now,
                    )
                    .await
                    .map_err(|e| AppError::from_store("SLA policy", e))?;
                    audit::created(&mut c, who, "sla_policy", row.id, &row, now).await?;
                    Ok(row)
                })
            })
            .await
    }

    /// Replace a policy's definition (administrators), with the version read.
    /// Running clocks follow at each request's next change (or `fuwu sla recompute`).
    pub async fn update_sla_policy(
        &self,
        actor: &Actor,
        id: i64,
        input: PolicyInput,
    ) -> Result<SlaPolicy, AppError> {
        actor.require(Capability::Administer)?;
        let version = input
            .version
            .ok_or_else(|| AppError::invalid("version", "required"))?;
        let now = self.now();
        let who = actor.user_id;
        let row = self
            .db
            .write(move |mut c| {
                Box::pin(async move {
                    let before = dir::get_sla_policy(&mut c, id)
                        .await
                        .map_err(|e| AppError::from_store("SLA policy", e))?;
                    let names = calendar_names(&mut c).await?;
                    let policy = check_policy(input.definition, &names)?;
                    let definition = serde_json::to_string(&policy)
                        .map_err(|e| AppError::invalid("definition", e.to_string()))?;
                    let row = sla_store::update_policy(
                        &mut c,
                        id,
                        version,
                        &policy.key,
                        &policy.description,
                        auto_close_ms(&policy),
                        &definition,
                        now,
                    )
                    .await
                    .map_err(|e| AppError::from_store("SLA policy", e))?;
                    audit::updated(&mut c, who, "sla_policy", id, &before, &row, now).await?;
                    Ok::<_, AppError>(row)
                })
            })
            .await
            .inspect(|_| self.policies.0.lock().expect("policy cache").clear())?;
        // Running clocks follow the corrected policy at once.
        let ids = self
            .db
            .read(move |mut c| {
                Box::pin(async move {
                    let default = sla_store::get_policy_by_name(&mut c, DEFAULT_POLICY).await?;
                    sla_store::open_requests_of_policy(&mut c, id, default.id).await
                })
            })
            .await?;
        self.refresh_requests(ids).await?;
        Ok(row)
    }

    // ------------------------------------------------------------ clocks

    /// A request's clocks as of `at` (default now), replayed from its history.
    pub async fn request_clocks(
        &self,
        actor: &Actor,
        id: i64,
        at: Option<i64>,
    ) -> Result<RequestClocks, AppError> {
        let at = at.unwrap_or_else(|| self.now());
        let actor = actor.clone();
        self.db
            .read(move |mut c| {
                Box::pin(async move {
                    let r = load_visible(&mut c, &actor, id).await?;
                    let (policy_id, policy) = policy_for(&mut c, r.contract_id).await?;
                    // An audit sees what the clock said then: the policy and
                    // calendars in force at `at`, not today's.
                    let terms = terms_instant(&r, at);
                    let policy = policy_as_of(&mut c, policy_id, policy, terms).await?;
                    let events = store::list_events(&mut c, id).await?;
                    let history = history_of(&r, &events)?;
                    let calendars = calendars_for(&mut c, &policy, Some(terms)).await?;
                    let lookup = |name: &str| calendars.get(name);
                    // Judged clocks keep the terms they were judged under.
                    let stored = sla_store::list_clocks(&mut c, id).await?;
                    let clocks = compute_clocks(&policy, &history, &lookup, &stored, at)?;
                    let views = clocks
                        .into_iter()
                        .map(|k| {
                            let t = policy.target(&k.target_key);
                            let provisional_years = provisional_years_of(&k, &lookup, at);
                            ClockView {
                                provisional_years,
                                name_zh: t.map(|t| t.name_zh.clone()).unwrap_or_default(),
                                name_en: t.map(|t| t.name_en.clone()).unwrap_or_default(),
                                target_key: k.target_key,
                                generation: k.generation,
                                level: k.level.get(),
                                calendar: k.calendar,
                                duration: k.duration.to_string(),
                                started_at: rfc(k.started_at.as_millis()),
                                stopped_at: k.stopped_at.map(|t| rfc(t.as_millis())),
                                deadline: k.deadline.map(|t| rfc(t.as_millis())),
                                paused_since: k.paused_since.map(|t| rfc(t.as_millis())),
                                state: k.state.as_str().into(),
                                elapsed_seconds: k.elapsed_ms / 1000,
                                remaining_seconds: k.remaining_ms / 1000,
                                paused_seconds: k.paused_ms / 1000,
                                percent_used: k.percent_used_x100 as f64 / 100.0,
                                earlier_stops: k
                                    .earlier_stops
                                    .iter()
                                    .map(|(s, r)| EarlierStop {
                                        stopped_at: rfc(s.as_millis()),
                                        resumed_at: rfc(r.as_millis()),
                                    })
                                    .collect(),
                            }
                        })
                        .collect();
                    Ok(RequestClocks {
                        request_id: id,
                        policy_id,
                        policy: policy.key,
                        at: rfc(at),
                        clocks: views,
                    })
                })
            })
            .await
    }

    // ------------------------------------------------------------ scanner

    /// Handle every warning, breach and notice due by now, each exactly once
    /// (a claim moves the row on only if no other node already did). Returns
    /// how many thresholds this call handled. A clock that cannot be handled
    /// (its data or calendar is unusable) is logged with its request, kept
    /// for the dashboard ([`App::scan_problems`]) and skipped: it never stops
    /// the others. A database that cannot be reached ends the pass.
    pub async fn scan_clocks(&self) -> Result<usize, AppError> {
        let mut handled = 0;
        let mut failed: Vec<ScanProblem> = Vec::new();
        loop {
            let now = self.now();
            let mut after: Option<(i64, i64)> = None;
            let mut progressed = false;
            loop {
                let due = self
                    .db
                    .read(move |mut c| {
                        Box::pin(
                            async move { sla_store::due_clocks(&mut c, now, after, 100).await },
                        )
                    })
                    .await?;
                let Some(last) = due.last() else { break };
                after = Some((last.next_due_at.unwrap_or(now), last.id));
                for row in due {
                    let (request_id, clock_id) = (row.request_id, row.id);
                    let outcome = self
                        .db
                        .write(move |mut c| {
                            Box::pin(async move { handle_due(&mut c, row, now, true).await })
                        })
                        .await;
                    match outcome {
                        Ok(true) => {
                            handled += 1;
                            progressed = true;
                        }
                        Ok(false) => {}
                        Err(e) if e.is_unavailable() => return Err(e),
                        Err(e) => {
                            tracing::error!(request_id, clock_id, error = %e, "SLA scan: a clock could not be handled");
                            if !failed.iter().any(|p| p.clock_id == clock_id) {
                                failed.push(ScanProblem {
                                    request_id,
                                    clock_id,
                                    error: e.to_string(),
                                    at: now,
                                });
                            }
                        }
                    }
                }
            }
            if !progressed {
                *self.scan_problems.lock().expect("scan problems") = failed;
                return Ok(handled);
            }
        }
    }

    /// The clocks the last scan could not handle (empty when it handled all).
    pub fn scan_problems(&self) -> Vec<ScanProblem> {
        self.scan_problems.lock().expect("scan problems").clone()
    }

    /// Rebuild every request's clocks from its history, one request per
    /// transaction; `progress(done, total)` after each. Under which terms:
    /// an open request under the policy and calendars in force now (as every
    /// change to it does); a closed or cancelled one under those in force
    /// when it ended ([`terms_instant`]) — a later change of terms does not
    /// rewrite its result.
    pub async fn recompute_clocks(
        &self,
        mut progress: impl FnMut(usize, usize),
    ) -> Result<Recompute, AppError> {
        let total = self
            .db
            .read(|mut c| Box::pin(async move { sla_store::request_count(&mut c).await }))
            .await? as usize;
        let mut out = Recompute::default();
        let mut after = 0;
        loop {
            let ids = self
                .db
                .read(move |mut c| {
                    Box::pin(async move { sla_store::request_ids(&mut c, after, 500).await })
                })
                .await?;
            let Some(last) = ids.last() else {
                return Ok(out);
            };
            after = *last;
            for id in ids {
                let now = self.now();
                let n = self
                    .db
                    .write(move |mut c| {
                        Box::pin(async move {
                            let r = store::get_request(&mut c, id).await?;
                            refresh_clocks_under(&mut c, &r, now, r.closed_at).await
                        })
                    })
                    .await?;
                out.requests += 1;
                if n > 0 {
                    out.changed_requests += 1;
                    out.changed_clocks += n;
                }
                progress(out.requests, total);
            }
        }
    }

    /// Recompute the clocks of these requests now, one transaction each
    /// (after their contract's policy or the policy itself changed).
    pub(crate) async fn refresh_requests(&self, ids: Vec<i64>) -> Result<(), AppError> {
        for id in ids {
            let now = self.now();
            self.db
                .write(move |mut c| {
                    Box::pin(async move {
                        let r = store::get_request(&mut c, id).await?;
                        refresh_clocks(&mut c, &r, now).await
                    })
                })
                .await?;
        }
        Ok(())
    }

    /// How each target was kept for requests raised in `[from, to)`:
    /// met, breached, median and 90th percentile of the time used, in
    /// working time (the target's calendar, pauses excluded) and in natural
    /// time (start to stop). Service-desk staff and administrators, and a
    /// customer admin for its own organization (another one is not found).
    pub async fn attainment(
        &self,
        actor: &Actor,
        from: i64,
        to: i64,
        organization_id: Option<i64>,
        level: Option<i64>,
    ) -> Result<Vec<Attainment>, AppError> {
        actor.require(Capability::ReadReports)?;
        let organization_id = match actor.reach() {
            crate::access::Reach::All => organization_id,
            crate::access::Reach::Organization(_) => {
                actor.org_reach(organization_id)?.organization_id
            }
            _ => return Err(AppError::Forbidden("read attainment across organizations")),
        };
        let rows = self
            .db
            .read(move |mut c| {
                Box::pin(async move {
                    sla_store::finished_clocks(&mut c, from, to, organization_id, level).await
                })
            })
            .await?;
        // Each target of each request once (a breach is never outvoted).
        let finished: Vec<Finished> = rows
            .iter()
            .map(|r| Finished {
                request_id: r.request_id,
                target_key: &r.target_key,
                generation: r.generation,
                breached: r.state == "breached",
            })
            .collect();
        let rows: Vec<&ClockRow> = counted(&finished).into_iter().map(|i| &rows[i]).collect();
        let mut out: Vec<Attainment> = Vec::new();
        let mut i = 0;
        while i < rows.len() {
            let key = rows[i].target_key.clone();
            let mut working = Vec::new();
            let mut natural = Vec::new();
            let (mut met, mut breached) = (0, 0);
            while i < rows.len() && rows[i].target_key == key {
                let r = rows[i];
                if r.state == "met" {
                    met += 1;
                } else {
                    breached += 1;
                }
                if let (Some(stop), Some(cal)) = (r.stopped_at, presets().get(r.calendar.as_str()))
                {
                    if let Ok(w) =
                        cal.working_time_between(Timestamp(r.started_at), Timestamp(stop))
                    {
                        working.push((w - r.paused_ms) / 1000);
                    }
                    natural.push((stop - r.started_at) / 1000);
                }
                i += 1;
            }
            out.push(Attainment {
                target_key: key,
                met,
                breached,
                median_working_seconds: percentile(&mut working, 50),
                p90_working_seconds: percentile(&mut working, 90),
                median_natural_seconds: percentile(&mut natural, 50),
                p90_natural_seconds: percentile(&mut natural, 90),
            });
        }
        Ok(out)
    }

    /// The caller's inbox, newest first.
    pub async fn my_notifications(&self, actor: &Actor) -> Result<Vec<Notification>, AppError> {
        let user = actor.user_id;
        Ok(self
            .db
            .read(move |mut c| {
                Box::pin(async move { sla_store::list_notifications(&mut c, user, 200).await })
            })
            .await?)
    }
}

/// Claim and handle one due row: notify, then move `next_due_at` on.
async fn handle_due(
    c: &mut Conn<'_>,
    row: ClockRow,
    now: i64,
    notify: bool,
) -> Result<bool, AppError> {
    let Some(threshold) = row.next_threshold else {
        return Ok(false);
    };
    let r = store::get_request(c, row.request_id).await?;
    let (_, policy) = policy_for(c, r.contract_id).await?;
    let mut handled = handled_list(&row.handled);
    let th = u16::try_from(threshold).unwrap_or(100);
    handled.push(th);
    let handled_text = serde_json::to_string(&handled).unwrap_or_else(|_| "[]".into());
    // Who is told, and what falls due next.
    let (kind, recipients, next, state) = if let Some(key) = row.target_key.strip_prefix(NOTICE) {
        // Decided when sent: a request lowered (or recategorised) since the
        // notice fell due is not announced as what it no longer is; the
        // notice is marked handled, telling no one.
        let still = notice_still_applies(c, &r, &policy, key, row.generation).await?;
        let who = if still {
            policy
                .notices
                .iter()
                .find(|n| n.key == key)
                .map(|n| n.notify.clone())
                .unwrap_or_else(|| vec![Recipient::ProjectLeader])
        } else {
            Vec::new()
        };
        ("severe_fault", who, (None, None), row.state.clone())
    } else {
        let target = policy.target(&row.target_key);
        let who = target
            .map(|t| {
                t.escalation
                    .iter()
                    .find(|s| s.at_percent == th)
                    .map(|s| s.notify.clone())
                    .unwrap_or_else(|| vec![Recipient::Assignee])
            })
            .unwrap_or_else(|| vec![Recipient::Assignee]);
        // What falls due next: the same computation as every refresh, with
        // this threshold now handled.
        let events = store::list_events(c, r.id).await?;
        let history = history_of(&r, &events)?;
        let calendars = calendars_for(c, &policy, None).await?;
        let mine = ClockRow {
            handled: handled_text.clone(),
            ..row.clone()
        };
        let fresh = rows_for(
            r.id,
            row.policy_id.unwrap_or(0),
            &policy,
            &history,
            &|name| calendars.get(name),
            std::slice::from_ref(&mine),
            now,
        )?;
        let next = fresh
            .iter()
            .find(|f| f.generation == row.generation && f.target_key == row.target_key)
            .map_or((None, None), |f| (f.next_threshold, f.next_due_at));
        let kind = if th >= 100 { "breach" } else { "warning" };
        let state = if th >= 100 {
            "breached".to_owned()
        } else {
            row.state.clone()
        };
        (kind, who, next, state)
    };
    if !sla_store::claim_clock(c, &row, &handled_text, next.0, next.1, &state, now).await? {
        return Ok(false);
    }
    if !notify {
        return Ok(true);
    }
    let users = resolve(c, &r, &recipients).await?;
    let message = match kind {
        "severe_fault" => format!(
            "严重故障：请求 #{} 为 {} 级故障（{}）",
            r.id, r.level, r.title
        ),
        "breach" => format!(
            "已超时：请求 #{} 的 {} 已用尽时限（{} %）",
            r.id, row.target_key, th
        ),
        _ => format!(
            "预警：请求 #{} 的 {} 已用去 {} % 的时限",
            r.id, row.target_key, th
        ),
    };
    let payload = json!({
        "request_id": r.id, "title": r.title, "clock_id": row.id, "target": row.target_key,
        "threshold": th, "kind": kind, "deadline": row.deadline.map(rfc),
    })
    .to_string();
    for u in users {
        sla_store::notify(
            c,
            &NewNotification {
                user_id: u,
                request_id: r.id,
                clock_id: Some(row.id),
                kind,
                threshold: (kind != "severe_fault").then_some(i64::from(th)),
                message: &message,
                payload: &payload,
            },
            now,
        )
        .await?;
    }
    Ok(true)
}

/// Whether the notice `key` of generation `generation` still describes the
/// request: that generation is its current one, and the notice applies to
/// its current level and category.
async fn notice_still_applies(
    c: &mut Conn<'_>,
    r: &Request,
    policy: &Policy,
    key: &str,
    generation: i64,
) -> Result<bool, AppError> {
    let (Ok(level), Ok(category)) = (FaultLevel::new(r.level), r.category.parse::<Category>())
    else {
        return Ok(false);
    };
    let applies = policy
        .notices
        .iter()
        .any(|n| n.key == key && n.applies_to(level, category));
    if !applies {
        return Ok(false);
    }
    let events = store::list_events(c, r.id).await?;
    let history = history_of(r, &events)?;
    let current = clock::generations(&history, Timestamp(i64::MAX))
        .last()
        .map_or(1, |g| i64::from(g.number));
    Ok(generation == current)
}

/// Mark every threshold of request `id` that fell due by `now` as handled,
/// telling no one (an import: the other service desk dealt with its past).
pub(crate) async fn settle_past_thresholds(
    c: &mut Conn<'_>,
    id: i64,
    now: i64,
) -> Result<(), AppError> {
    // Each pass handles one threshold per clock; a clock has a handful.
    for _ in 0..64 {
        let due: Vec<ClockRow> = sla_store::list_clocks(c, id)
            .await?
            .into_iter()
            .filter(|k| k.next_due_at.is_some_and(|d| d <= now))
            .collect();
        if due.is_empty() {
            return Ok(());
        }
        for row in due {
            handle_due(c, row, now, false).await?;
        }
    }
    Ok(())
}

/// The people behind the recipients of a request, without repeats.
async fn resolve(c: &mut Conn<'_>, r: &Request, who: &[Recipient]) -> Result<Vec<i64>, AppError> {
    let mut out: Vec<i64> = Vec::new();
    for w in who {
        let id = match w {
            Recipient::Assignee => r.assignee_id,
            Recipient::TeamLead => {
                let team = match r.team_id {
                    Some(t) => Some(t),
                    None => match r.assignee_id {
                        Some(a) => dir::get_user(c, a).await.ok().and_then(|u| u.team_id),
                        None => None,
                    },
                };
                match team {
                    Some(t) => dir::get_team(c, t).await.ok().and_then(|t| t.lead_id),
                    None => None,
                }
            }
            Recipient::ProjectLeader => match r.contract_id {
                Some(k) => dir::get_contract(c, k)
                    .await
                    .ok()
                    .and_then(|k| k.project_leader_id),
                None => None,
            },
            // No on-call roster yet.
            Recipient::DutyEngineer => None,
        };
        if let Some(id) = id
            && !out.contains(&id)
        {
            out.push(id);
        }
    }
    Ok(out)
}
