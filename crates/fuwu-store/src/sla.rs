//! SLA storage: policy definitions (rows of `sla_policies`), admins'
//! calendars, the request clocks the app computes, and the notifications
//! (inbox and outbox) the scanner writes.

use crate::{Conn, Query, StoreError, from_row, query, query_owned};
use serde::Serialize;
use utoipa::ToSchema;

pub use crate::directory::SlaPolicy;

// ---------------------------------------------------------------- policies

/// The shipped templates, written on first start (and over a placeholder
/// row of the same name whose definition is still empty).
pub async fn seed_policies(c: &mut Conn<'_>, now: i64) -> Result<(), StoreError> {
    for p in fuwu_core::sla::templates::all() {
        let definition =
            serde_json::to_string(&p).map_err(|e| StoreError::Config(e.to_string()))?;
        let description = if p.description.is_empty() {
            p.name_zh.clone()
        } else {
            p.description.clone()
        };
        c.execute(query(
            "insert into sla_policies (name, description, auto_close_after_ms, definition, created_at, updated_at)
             values ($1, $2, $3, $4, $5, $5)
             on conflict (name) do update set definition = excluded.definition
             where sla_policies.definition = '{}'")
            .bind(&p.key).bind(&description).bind(3 * 24 * 3_600_000_i64).bind(&definition).bind(now)).await?;
    }
    Ok(())
}

pub async fn insert_policy(
    c: &mut Conn<'_>,
    name: &str,
    description: &str,
    auto_close_after_ms: i64,
    definition: &str,
    now: i64,
) -> Result<SlaPolicy, StoreError> {
    c.fetch_one(query(
        "insert into sla_policies (name, description, auto_close_after_ms, definition, created_at, updated_at)
         values ($1, $2, $3, $4, $5, $5) returning *")
        .bind(name).bind(description).bind(auto_close_after_ms).bind(definition).bind(now)).await
}

#[allow(clippy::too_many_arguments)]
pub async fn update_policy(
    c: &mut Conn<'_>,
    id: i64,
    version: i64,
    name: &str,
    description: &str,
    auto_close_after_ms: i64,
    definition: &str,
    now: i64,
) -> Result<SlaPolicy, StoreError> {
    // The definition being replaced is kept with the span it was in force.
    c.execute(query(
        "insert into sla_policy_versions (policy_id, version, definition, valid_from, valid_to)
         select id, version, definition, updated_at, $3 from sla_policies where id = $1 and version = $2")
        .bind(id).bind(version).bind(now)).await?;
    let row: Option<SlaPolicy> = c.fetch_optional(query(
        "update sla_policies set name = $3, description = $4, auto_close_after_ms = $5, definition = $6,
         updated_at = $7, version = version + 1 where id = $1 and version = $2 returning *")
        .bind(id).bind(version).bind(name).bind(description).bind(auto_close_after_ms).bind(definition).bind(now)).await?;
    crate::versions::updated_or_why_not(c, row, "sla_policies", id, version).await
}

/// The definition of policy `id` in force at `at`: the archived one that was
/// replaced first after `at`, else the current one.
pub async fn policy_definition_at(
    c: &mut Conn<'_>,
    id: i64,
    at: i64,
) -> Result<Option<String>, StoreError> {
    let row: Option<(String,)> = c
        .fetch_optional(
            query(
                "select definition from sla_policy_versions where policy_id = $1 and valid_to > $2
                 order by valid_to, version limit 1",
            )
            .bind(id)
            .bind(at),
        )
        .await?;
    Ok(row.map(|(d,)| d))
}

/// The definition of the calendar `name` in force at `at` (archived by an
/// update or a deletion after `at`), else `None`: the current one applies.
pub async fn calendar_definition_at(
    c: &mut Conn<'_>,
    name: &str,
    at: i64,
) -> Result<Option<String>, StoreError> {
    archived_calendar(c, name, at, false).await
}

/// The archived definition of calendar `name` that was in force at `at`
/// (from its start to its replacement), else `None`.
pub async fn calendar_definition_in_force(
    c: &mut Conn<'_>,
    name: &str,
    at: i64,
) -> Result<Option<String>, StoreError> {
    archived_calendar(c, name, at, true).await
}

/// An archived definition replaced after `at`; `since_start`: one that had
/// also started by then.
async fn archived_calendar(
    c: &mut Conn<'_>,
    name: &str,
    at: i64,
    since_start: bool,
) -> Result<Option<String>, StoreError> {
    let row: Option<(String,)> = c
        .fetch_optional(
            query(
                "select definition from calendar_versions
                 where name = $1 and valid_to > $2 and (not $3 or valid_from <= $2)
                 order by valid_to, version limit 1",
            )
            .bind(name)
            .bind(at)
            .bind(since_start),
        )
        .await?;
    Ok(row.map(|(d,)| d))
}

/// Keep calendar `id`'s current definition (if at `version`, or any) as replaced at `now`.
async fn archive_calendar(
    c: &mut Conn<'_>,
    id: i64,
    version: Option<i64>,
    now: i64,
) -> Result<(), StoreError> {
    c.execute(
        query(
            "insert into calendar_versions (calendar_id, version, name, definition, valid_from, valid_to)
             select id, version, name, definition, updated_at, $3 from calendars
             where id = $1 and ($2 = version or $2 = -1)",
        )
        .bind(id)
        .bind(version.unwrap_or(-1))
        .bind(now),
    )
    .await?;
    Ok(())
}

pub async fn get_policy_by_name(c: &mut Conn<'_>, name: &str) -> Result<SlaPolicy, StoreError> {
    let row: Option<SlaPolicy> = c
        .fetch_optional(query("select * from sla_policies where name = $1").bind(name))
        .await?;
    row.ok_or(StoreError::NotFound)
}

/// How many contracts use the policy.
pub async fn policy_use_count(c: &mut Conn<'_>, id: i64) -> Result<i64, StoreError> {
    let (n,): (i64,) = c
        .fetch_one(query("select count(*) from contracts where sla_policy_id = $1").bind(id))
        .await?;
    Ok(n)
}

// ---------------------------------------------------------------- calendars

/// An admin's calendar; `definition` is the JSON of a `CalendarSpec`.
#[derive(Debug, Clone, PartialEq)]
pub struct CalendarRow {
    pub id: i64,
    pub name: String,
    pub definition: String,
    pub created_at: i64,
    pub updated_at: i64,
    pub version: i64,
}

from_row!(CalendarRow {
    id,
    name,
    definition,
    created_at,
    updated_at,
    version
});

pub async fn list_calendars(c: &mut Conn<'_>) -> Result<Vec<CalendarRow>, StoreError> {
    c.fetch_all(query("select * from calendars order by name"))
        .await
}

pub async fn get_calendar(c: &mut Conn<'_>, name: &str) -> Result<CalendarRow, StoreError> {
    let row: Option<CalendarRow> = c
        .fetch_optional(query("select * from calendars where name = $1").bind(name))
        .await?;
    row.ok_or(StoreError::NotFound)
}

pub async fn insert_calendar(
    c: &mut Conn<'_>,
    name: &str,
    definition: &str,
    now: i64,
) -> Result<CalendarRow, StoreError> {
    c.fetch_one(query(
        "insert into calendars (name, definition, created_at, updated_at) values ($1, $2, $3, $3) returning *")
        .bind(name).bind(definition).bind(now)).await
}

pub async fn update_calendar(
    c: &mut Conn<'_>,
    id: i64,
    version: i64,
    definition: &str,
    now: i64,
) -> Result<CalendarRow, StoreError> {
    archive_calendar(c, id, Some(version), now).await?;
    let row: Option<CalendarRow> = c
        .fetch_optional(
            query(
                "update calendars set definition = $3, updated_at = $4, version = version + 1
         where id = $1 and version = $2 returning *",
            )
            .bind(id)
            .bind(version)
            .bind(definition)
            .bind(now),
        )
        .await?;
    crate::versions::updated_or_why_not(c, row, "calendars", id, version).await
}

/// Delete a calendar, keeping its last definition for audits of the past.
pub async fn delete_calendar(c: &mut Conn<'_>, id: i64, now: i64) -> Result<(), StoreError> {
    archive_calendar(c, id, None, now).await?;
    c.execute(query("delete from calendars where id = $1").bind(id))
        .await?;
    Ok(())
}

// ---------------------------------------------------------------- imports

/// The request imported under `external_ref` and the digest of its import body.
pub async fn find_import(
    c: &mut Conn<'_>,
    external_ref: &str,
) -> Result<Option<(i64, String)>, StoreError> {
    c.fetch_optional(
        query("select request_id, fingerprint from request_imports where external_ref = $1")
            .bind(external_ref),
    )
    .await
}

pub async fn insert_import(
    c: &mut Conn<'_>,
    request_id: i64,
    external_ref: &str,
    fingerprint: &str,
    by: i64,
    now: i64,
) -> Result<(), StoreError> {
    c.execute(
        query(
            "insert into request_imports (request_id, external_ref, fingerprint, imported_by, imported_at)
             values ($1, $2, $3, $4, $5)",
        )
        .bind(request_id)
        .bind(external_ref)
        .bind(fingerprint)
        .bind(by)
        .bind(now),
    )
    .await?;
    Ok(())
}

// ---------------------------------------------------------------- clocks

/// A request's clock as stored (see migration 0006_sla).
#[derive(Debug, Clone, PartialEq)]
pub struct ClockRow {
    pub id: i64,
    pub request_id: i64,
    pub generation: i64,
    pub policy_id: Option<i64>,
    pub target_key: String,
    pub level: i64,
    pub calendar: String,
    pub duration: String,
    pub started_at: i64,
    pub stopped_at: Option<i64>,
    pub paused_since: Option<i64>,
    pub paused_ms: i64,
    pub deadline: Option<i64>,
    pub state: String,
    /// JSON list of the thresholds (percent) already handled.
    pub handled: String,
    pub next_threshold: Option<i64>,
    pub next_due_at: Option<i64>,
    pub updated_at: i64,
}

from_row!(ClockRow {
    id,
    request_id,
    generation,
    policy_id,
    target_key,
    level,
    calendar,
    duration,
    started_at,
    stopped_at,
    paused_since,
    paused_ms,
    deadline,
    state,
    handled,
    next_threshold,
    next_due_at,
    updated_at
});

pub async fn list_clocks(c: &mut Conn<'_>, request_id: i64) -> Result<Vec<ClockRow>, StoreError> {
    c.fetch_all(
        query("select * from request_clocks where request_id = $1 order by generation, id")
            .bind(request_id),
    )
    .await
}

/// Insert or refresh clocks in one statement; `handled` of an existing row
/// is kept unless the caller sends a new one (it always sends the merged list).
pub async fn upsert_clocks(c: &mut Conn<'_>, rows: &[ClockRow]) -> Result<(), StoreError> {
    if let Some(q) = upsert_clocks_query(rows) {
        // Prepared once per row count (creates write the same few shapes).
        c.execute(q).await?;
    }
    Ok(())
}

/// The statement of [`upsert_clocks`]; `None` for no rows.
pub(crate) fn upsert_clocks_query(rows: &[ClockRow]) -> Option<Query<'_>> {
    if rows.is_empty() {
        return None;
    }
    const COLS: usize = 17;
    let mut sql = String::from(
        "insert into request_clocks (request_id, generation, policy_id, target_key, level, calendar, duration,
         started_at, stopped_at, paused_since, paused_ms, deadline, state, handled, next_threshold, next_due_at, updated_at) values ",
    );
    sql.push_str(&crate::sql::rows_of_placeholders(rows.len(), COLS));
    sql.push_str(
        " on conflict (request_id, generation, target_key) do update set policy_id = excluded.policy_id,
         level = excluded.level, calendar = excluded.calendar, duration = excluded.duration,
         started_at = excluded.started_at, stopped_at = excluded.stopped_at, paused_since = excluded.paused_since,
         paused_ms = excluded.paused_ms, deadline = excluded.deadline, state = excluded.state,
         handled = excluded.handled, next_threshold = excluded.next_threshold, next_due_at = excluded.next_due_at,
         updated_at = excluded.updated_at",
    );
    let mut q = query_owned(sql);
    for r in rows {
        q.push(r.request_id);
        q.push(r.generation);
        q.push(r.policy_id);
        q.push(r.target_key.as_str());
        q.push(r.level);
        q.push(r.calendar.as_str());
        q.push(r.duration.as_str());
        q.push(r.started_at);
        q.push(r.stopped_at);
        q.push(r.paused_since);
        q.push(r.paused_ms);
        q.push(r.deadline);
        q.push(r.state.as_str());
        q.push(r.handled.as_str());
        q.push(r.next_threshold);
        q.push(r.next_due_at);
        q.push(r.updated_at);
    }
    Some(q)
}

/// Mark a stored clock that no longer exists in the computation (its target
/// left the policy) as superseded, with nothing more due.
pub async fn retire_clock(c: &mut Conn<'_>, id: i64, now: i64) -> Result<(), StoreError> {
    c.execute(query(
        "update request_clocks set state = 'superseded', next_due_at = null, next_threshold = null, updated_at = $2 where id = $1")
        .bind(id).bind(now)).await?;
    Ok(())
}

/// Clocks with something due by `now`, earliest first (index `request_clocks_due`).
/// Due clocks in (`next_due_at`, `id`) order, after `after` when given (a
/// pass over them pages on, past the ones it could not handle).
pub async fn due_clocks(
    c: &mut Conn<'_>,
    now: i64,
    after: Option<(i64, i64)>,
    limit: i64,
) -> Result<Vec<ClockRow>, StoreError> {
    let (due, id) = after.unwrap_or((i64::MIN, i64::MIN));
    c.fetch_all(
        query(
            "select * from request_clocks where next_due_at is not null and next_due_at <= $1
           and (next_due_at > $2 or (next_due_at = $2 and id > $3))
         order by next_due_at, id limit $4",
        )
        .bind(now)
        .bind(due)
        .bind(id)
        .bind(limit),
    )
    .await
}

/// Claim a due threshold: move the row on only if nobody else has (its
/// `next_due_at` and `handled` are still what we read). `true`: it is ours.
pub async fn claim_clock(
    c: &mut Conn<'_>,
    old: &ClockRow,
    handled: &str,
    next_threshold: Option<i64>,
    next_due_at: Option<i64>,
    state: &str,
    now: i64,
) -> Result<bool, StoreError> {
    let n = c.execute(query(
        "update request_clocks set handled = $3, next_threshold = $4, next_due_at = $5, state = $6, updated_at = $7
         where id = $1 and next_due_at = $2 and handled = $8")
        .bind(old.id).bind(old.next_due_at).bind(handled).bind(next_threshold).bind(next_due_at)
        .bind(state).bind(now).bind(old.handled.as_str())).await?;
    Ok(n == 1)
}

/// Resolved requests without the customer's feedback, resolved by
/// `resolved_by`, after `after_id`, ascending (candidates for auto-close).
pub async fn resolved_without_feedback(
    c: &mut Conn<'_>,
    resolved_by: i64,
    after_id: i64,
    limit: i64,
) -> Result<Vec<i64>, StoreError> {
    let rows: Vec<(i64,)> = c
        .fetch_all(
            query(
                "select id from requests where status = 'resolved' and feedback_solved is null
                 and resolved_at <= $1 and id > $2 order by id limit $3",
            )
            .bind(resolved_by)
            .bind(after_id)
            .bind(limit),
        )
        .await?;
    Ok(rows.into_iter().map(|(id,)| id).collect())
}

/// Request ids after `after_id`, ascending (for a full recompute).
pub async fn request_ids(
    c: &mut Conn<'_>,
    after_id: i64,
    limit: i64,
) -> Result<Vec<i64>, StoreError> {
    let rows: Vec<(i64,)> = c
        .fetch_all(
            query("select id from requests where id > $1 order by id limit $2")
                .bind(after_id)
                .bind(limit),
        )
        .await?;
    Ok(rows.into_iter().map(|(id,)| id).collect())
}

/// Open requests (not closed or cancelled) of a contract.
pub async fn open_requests_of_contract(
    c: &mut Conn<'_>,
    contract_id: i64,
) -> Result<Vec<i64>, StoreError> {
    let rows: Vec<(i64,)> = c
        .fetch_all(query("select id from requests where contract_id = $1 and status not in ('closed','cancelled') order by id").bind(contract_id))
        .await?;
    Ok(rows.into_iter().map(|(id,)| id).collect())
}

/// Open requests running under a policy; `default_id` is the policy of
/// requests whose contract names none.
pub async fn open_requests_of_policy(
    c: &mut Conn<'_>,
    policy_id: i64,
    default_id: i64,
) -> Result<Vec<i64>, StoreError> {
    let rows: Vec<(i64,)> = c
        .fetch_all(query(
            "select r.id from requests r left join contracts k on k.id = r.contract_id
             where r.status not in ('closed','cancelled') and coalesce(k.sla_policy_id, $2) = $1 order by r.id")
            .bind(policy_id).bind(default_id))
        .await?;
    Ok(rows.into_iter().map(|(id,)| id).collect())
}

pub async fn request_count(c: &mut Conn<'_>) -> Result<i64, StoreError> {
    let (n,): (i64,) = c.fetch_one(query("select count(*) from requests")).await?;
    Ok(n)
}

/// Finished clocks (met or breached) of the last generation of requests
/// raised in `[from, to)`, with the request's organization.
/// `fuwu_core::sla::counting::counted` in SQL, for a finished (met or
/// breached) clock aliased `k`: no other finished clock of the same request
/// and target outranks it — a breach outranks a met clock, then the later
/// generation. Each target of each request is counted once.
pub const COUNTED: &str = "not exists (select 1 from request_clocks k2
     where k2.request_id = k.request_id and k2.target_key = k.target_key and k2.id <> k.id
     and k2.state in ('met','breached')
     and ((k2.state = 'breached' and k.state = 'met') or (k2.state = k.state and k2.generation > k.generation)))";

pub async fn finished_clocks(
    c: &mut Conn<'_>,
    from: i64,
    to: i64,
    organization_id: Option<i64>,
    level: Option<i64>,
) -> Result<Vec<ClockRow>, StoreError> {
    c.fetch_all(query(
        "select k.* from request_clocks k join requests r on r.id = k.request_id
         where r.created_at >= $1 and r.created_at < $2 and ($3 is null or r.organization_id = $3)
         and ($4 is null or k.level = $4) and k.state in ('met','breached') and k.target_key not like 'notice:%'
         order by k.target_key, k.id")
        .bind(from).bind(to).bind(organization_id).bind(level)).await
}

// ---------------------------------------------------------------- notifications

#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct Notification {
    pub id: i64,
    pub user_id: i64,
    pub request_id: i64,
    pub clock_id: Option<i64>,
    /// `warning`, `breach` or `severe_fault`.
    pub kind: String,
    /// Percent of the target used (warnings and breaches).
    pub threshold: Option<i64>,
    pub message: String,
    #[serde(serialize_with = "crate::ser::ms")]
    #[schema(value_type = String, format = DateTime)]
    pub created_at: i64,
    #[serde(serialize_with = "crate::ser::opt_ms")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub read_at: Option<i64>,
}

from_row!(Notification {
    id,
    user_id,
    request_id,
    clock_id,
    kind,
    threshold,
    message,
    created_at,
    read_at
});

pub struct NewNotification<'a> {
    pub user_id: i64,
    pub request_id: i64,
    pub clock_id: Option<i64>,
    pub kind: &'a str,
    pub threshold: Option<i64>,
    pub message: &'a str,
    /// JSON for the delivery channels.
    pub payload: &'a str,
}

/// Into the inbox and the outbox, together.
pub async fn notify(c: &mut Conn<'_>, n: &NewNotification<'_>, now: i64) -> Result<(), StoreError> {
    c.execute(query(
        "insert into notifications (user_id, request_id, clock_id, kind, threshold, message, created_at) values ($1, $2, $3, $4, $5, $6, $7)")
        .bind(n.user_id).bind(n.request_id).bind(n.clock_id).bind(n.kind).bind(n.threshold).bind(n.message).bind(now)).await?;
    c.execute(query(
        "insert into outbox (user_id, request_id, clock_id, kind, payload, created_at) values ($1, $2, $3, $4, $5, $6)")
        .bind(n.user_id).bind(n.request_id).bind(n.clock_id).bind(n.kind).bind(n.payload).bind(now)).await?;
    Ok(())
}

pub async fn list_notifications(
    c: &mut Conn<'_>,
    user_id: i64,
    limit: i64,
) -> Result<Vec<Notification>, StoreError> {
    c.fetch_all(
        query("select * from notifications where user_id = $1 order by id desc limit $2")
            .bind(user_id)
            .bind(limit),
    )
    .await
}

/// Outbox rows (for tests and the delivery channels): (user, request, clock, kind).
pub async fn list_outbox(
    c: &mut Conn<'_>,
) -> Result<Vec<(i64, i64, Option<i64>, String)>, StoreError> {
    c.fetch_all(query(
        "select user_id, request_id, clock_id, kind from outbox order by id",
    ))
    .await
}
