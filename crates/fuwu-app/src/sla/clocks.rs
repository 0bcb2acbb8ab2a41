//! A request's clocks: its history as the facts they depend on, the rows
//! stored with each change (keeping what the scanner has handled), their
//! rebuild (`fuwu sla recompute`), and the clocks as the API shows them.

use super::terms::{policy_as_of, policy_for, terms_instant};
use crate::calendars::{Builtins, calendars_for};
use crate::request_access::load_visible;
use crate::{Actor, App, AppError};
use fuwu_core::calendar::{BusinessDuration, Calendar};
use fuwu_core::level::FaultLevel;
use fuwu_core::sla::clock::{self, ClockState, Dated, Fact, History};
use fuwu_core::sla::{ClockEvent, Policy};
use fuwu_core::types::{Category, Channel, Timestamp, WaitingFor};
use fuwu_store::requests::{self as store, Request};
use fuwu_store::sla::{self as sla_store, ClockRow};
use fuwu_store::{Conn, StoreError};
use serde::Serialize;
use std::collections::HashMap;
use utoipa::ToSchema;

/// Prefix of the stored pseudo-clocks that carry a policy notice to the scanner.
pub(super) const NOTICE: &str = "notice:";

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
pub(super) fn history_of(r: &Request, events: &[store::Event]) -> Result<History, AppError> {
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

pub(super) fn handled_list(text: &str) -> Vec<u16> {
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
pub(super) fn rows_for<'c>(
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
            stopped_at: k.stopped_at.map(fuwu_core::Timestamp::as_millis),
            paused_since: k.paused_since.map(fuwu_core::Timestamp::as_millis),
            paused_ms: k.paused_ms,
            deadline: k.deadline.map(fuwu_core::Timestamp::as_millis),
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

/// What `fuwu sla recompute` did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Recompute {
    pub requests: usize,
    /// Requests with at least one clock changed.
    pub changed_requests: usize,
    pub changed_clocks: usize,
}

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
    let end = k.stopped_at.map_or(at, fuwu_core::Timestamp::as_millis);
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

pub(super) fn rfc(ms: i64) -> String {
    fuwu_store::ser::rfc3339(ms)
}

impl App {
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
}
