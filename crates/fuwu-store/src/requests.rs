//! Service requests and everything hanging off them: history, messages,
//! attachments, work log, on-site visits, idempotency keys.
//!
//! This module and [`crate::search`] import each other, on purpose: every
//! write of a request queues or updates its index entry here, in the same
//! transaction, so that what is committed is what is searchable (no caller
//! can forget it); and the search reads requests' rows and filters. Breaking
//! the circle would mean every caller indexing by hand.

pub use crate::contract_terms::ContractTerms;
use crate::versions::updated_or_why_not;
use crate::{Conn, Query, StoreError, from_row, query, query_owned};
use serde::Serialize;
use std::sync::LazyLock;
use utoipa::ToSchema;

/// A service request as stored. Enum-valued columns hold the core's spellings.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct Request {
    pub id: i64,
    #[schema(example = "phone")]
    pub channel: String,
    #[schema(example = "fault")]
    pub category: String,
    #[schema(example = "partial")]
    pub impact: String,
    #[schema(example = "medium")]
    pub urgency: String,
    /// Fault level 0–5 (5 most severe); levels ≥ 3 are severe faults.
    pub level: i64,
    /// Present when an agent overrode the level derived from impact × urgency.
    pub level_override_reason: Option<String>,
    pub title: String,
    pub description: String,
    pub organization_id: i64,
    pub requester_contact_id: Option<i64>,
    pub requester_user_id: Option<i64>,
    pub system_id: Option<i64>,
    pub contract_id: Option<i64>,
    pub assignee_id: Option<i64>,
    pub team_id: Option<i64>,
    #[schema(example = "l1")]
    pub tier: String,
    #[schema(example = "in_progress")]
    pub status: String,
    pub stage: Option<String>,
    pub waiting_for: Option<String>,
    pub response_mode: Option<String>,
    pub response_plan: Option<String>,
    pub resolution: Option<String>,
    /// The third party's own case number, when a third party handles it.
    pub third_party_ref: Option<String>,
    /// Outside the contract's free service period: work and materials are charged at cost.
    pub billable: bool,
    pub feedback_solved: Option<bool>,
    pub feedback_rating: Option<i64>,
    pub feedback_comment: Option<String>,
    pub close_basis: Option<String>,
    pub cancel_reason: Option<String>,
    pub created_by: i64,
    #[serde(serialize_with = "crate::ser::ms")]
    #[schema(value_type = String, format = DateTime)]
    pub created_at: i64,
    #[serde(serialize_with = "crate::ser::ms")]
    #[schema(value_type = String, format = DateTime)]
    pub updated_at: i64,
    #[serde(serialize_with = "crate::ser::opt_ms")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub acknowledged_at: Option<i64>,
    #[serde(serialize_with = "crate::ser::opt_ms")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub responded_at: Option<i64>,
    #[serde(serialize_with = "crate::ser::opt_ms")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub resolved_at: Option<i64>,
    #[serde(serialize_with = "crate::ser::opt_ms")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub closed_at: Option<i64>,
    /// Send it back with an update; a stale version is refused with 409.
    pub version: i64,
}

from_row!(Request {
    id,
    channel,
    category,
    impact,
    urgency,
    level,
    level_override_reason,
    title,
    description,
    organization_id,
    requester_contact_id,
    requester_user_id,
    system_id,
    contract_id,
    assignee_id,
    team_id,
    tier,
    status,
    stage,
    waiting_for,
    response_mode,
    response_plan,
    resolution,
    third_party_ref,
    billable,
    feedback_solved,
    feedback_rating,
    feedback_comment,
    close_basis,
    cancel_reason,
    created_by,
    created_at,
    updated_at,
    acknowledged_at,
    responded_at,
    resolved_at,
    closed_at,
    version
});

pub(crate) const INSERT_COLUMNS: &str = "channel, category, impact, urgency, level, level_override_reason, title, description,
    organization_id, requester_contact_id, requester_user_id, system_id, contract_id, assignee_id, team_id, tier, status,
    stage, waiting_for, response_mode, response_plan, resolution, third_party_ref, billable, feedback_solved,
    feedback_rating, feedback_comment, close_basis, cancel_reason, created_by, created_at, updated_at,
    acknowledged_at, responded_at, resolved_at, closed_at";

/// Append the values of [`INSERT_COLUMNS`] for `r`, in that order.
pub(crate) fn push_request<'a>(q: &mut Query<'a>, r: &'a Request) {
    q.push(&r.channel);
    q.push(&r.category);
    q.push(&r.impact);
    q.push(&r.urgency);
    q.push(r.level);
    q.push(&r.level_override_reason);
    q.push(&r.title);
    q.push(&r.description);
    q.push(r.organization_id);
    q.push(r.requester_contact_id);
    q.push(r.requester_user_id);
    q.push(r.system_id);
    q.push(r.contract_id);
    q.push(r.assignee_id);
    q.push(r.team_id);
    q.push(&r.tier);
    q.push(&r.status);
    q.push(&r.stage);
    q.push(&r.waiting_for);
    q.push(&r.response_mode);
    q.push(&r.response_plan);
    q.push(&r.resolution);
    q.push(&r.third_party_ref);
    q.push(r.billable);
    q.push(r.feedback_solved);
    q.push(r.feedback_rating);
    q.push(&r.feedback_comment);
    q.push(&r.close_basis);
    q.push(&r.cancel_reason);
    q.push(r.created_by);
    q.push(r.created_at);
    q.push(r.updated_at);
    q.push(r.acknowledged_at);
    q.push(r.responded_at);
    q.push(r.resolved_at);
    q.push(r.closed_at);
}

fn bind_request<'a>(mut q: Query<'a>, r: &'a Request) -> Query<'a> {
    push_request(&mut q, r);
    q
}

fn placeholders(from: usize, count: usize) -> String {
    (from..from + count)
        .map(|i| format!("${i}"))
        .collect::<Vec<_>>()
        .join(", ")
}

static INSERT_SQL: LazyLock<String> = LazyLock::new(|| {
    format!(
        "insert into requests ({INSERT_COLUMNS}) values ({}) returning id, version",
        placeholders(1, 36)
    )
});

/// Insert a request (its `id` and `version` are ignored and assigned) and
/// queue it for the full-text index (see [`crate::search::queued_requests`]):
/// the create path does no indexing work.
///
/// Every other column is stored as given, so the row is built from `r` rather
/// than read back: `returning *` made SQLite materialize and the store decode
/// all 38 columns inside the single writer's time, for values already at hand.
pub async fn insert_request(c: &mut Conn<'_>, r: Request) -> Result<Request, StoreError> {
    let (id, version): (i64, i64) = c.fetch_one(bind_request(query(&INSERT_SQL), &r)).await?;
    crate::search::enqueue_request(c, id, r.created_at).await?;
    Ok(Request { id, version, ..r })
}

/// The columns of a request the full-text index reads (besides its messages).
type IndexedText = (String, String, Option<String>, Option<String>);

/// Write every mutable column of `r` if the stored version is still `expected_version`.
pub async fn update_request(
    c: &mut Conn<'_>,
    r: &Request,
    expected_version: i64,
) -> Result<Request, StoreError> {
    static SQL: LazyLock<String> = LazyLock::new(|| {
        let sets = INSERT_COLUMNS
            .split(',')
            .map(str::trim)
            .enumerate()
            .map(|(i, col)| format!("{col} = ${}", i + 1))
            .collect::<Vec<_>>()
            .join(", ");
        format!(
            "update requests set {sets}, version = version + 1 where id = $37 and version = $38 returning *"
        )
    });
    // Most updates (lifecycle steps) leave the indexed text alone: re-index only when it changed.
    let before: Option<IndexedText> = c
        .fetch_optional(
            query(
                "select title, description, resolution, response_plan from requests where id = $1",
            )
            .bind(r.id),
        )
        .await?;
    let row: Option<Request> = c
        .fetch_optional(
            bind_request(query(&SQL), r)
                .bind(r.id)
                .bind(expected_version),
        )
        .await?;
    let row = updated_or_why_not(c, row, "requests", r.id, expected_version).await?;
    let after = (
        row.title.clone(),
        row.description.clone(),
        row.resolution.clone(),
        row.response_plan.clone(),
    );
    if before != Some(after) {
        crate::search::index_request(c, &row).await?;
    }
    Ok(row)
}

/// A request with its contract's terms, read in one statement.
#[derive(Debug, Clone)]
pub struct RequestWithContract {
    pub request: Request,
    pub contract: Option<ContractTerms>,
}

impl crate::sql::FromRow for RequestWithContract {
    // Positional: the statement lists the request's columns in field order,
    // then the contract's (see `get_request_with_contract`).
    const COLUMNS: &'static [&'static str] = &[];
    fn from_row(r: &mut impl crate::sql::RowReader) -> Result<Self, StoreError> {
        let request = Request::from_row(r)?;
        let contract = ContractTerms::from_nullable_columns(r)?;
        Ok(RequestWithContract { request, contract })
    }
}

/// The statement that reads [`RequestWithContract`]s of the requests `r` matching `filter`.
pub(crate) fn request_with_contract_sql(filter: &str) -> String {
    use crate::sql::FromRow;
    let columns: Vec<String> = Request::COLUMNS.iter().map(|c| format!("r.{c}")).collect();
    format!(
        "select {}, k.id, k.code, k.name, k.accepted_on, k.free_service_months, k.vip, k.sla_policy_id, k.project_leader_id
         from requests r left join contracts k on k.id = r.contract_id where {filter}",
        columns.join(", ")
    )
}

/// A request and its contract's terms: what showing a request needs, in one
/// statement (on PostgreSQL one round trip instead of two).
pub async fn get_request_with_contract(
    c: &mut Conn<'_>,
    id: i64,
) -> Result<RequestWithContract, StoreError> {
    static SQL: LazyLock<String> = LazyLock::new(|| request_with_contract_sql("r.id = $1"));
    let row: Option<RequestWithContract> = c.fetch_optional(query(&SQL).bind(id)).await?;
    row.ok_or(StoreError::NotFound)
}

pub async fn get_request(c: &mut Conn<'_>, id: i64) -> Result<Request, StoreError> {
    let row: Option<Request> = c
        .fetch_optional(query("select * from requests where id = $1").bind(id))
        .await?;
    row.ok_or(StoreError::NotFound)
}

// ---------------------------------------------------------------- listing

/// Columns a request list can be sorted by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SortKey {
    CreatedAt,
    UpdatedAt,
    Level,
    Id,
}

impl SortKey {
    fn column(self) -> &'static str {
        match self {
            SortKey::CreatedAt => "created_at",
            SortKey::UpdatedAt => "updated_at",
            SortKey::Level => "level",
            SortKey::Id => "id",
        }
    }
    fn value(self, r: &Request) -> i64 {
        match self {
            SortKey::CreatedAt => r.created_at,
            SortKey::UpdatedAt => r.updated_at,
            SortKey::Level => r.level,
            SortKey::Id => r.id,
        }
    }
}

/// Filters of a request list; every present filter must hold.
#[derive(Debug, Clone, Default)]
pub struct RequestFilter {
    pub statuses: Vec<String>,
    pub levels: Vec<i64>,
    pub categories: Vec<String>,
    pub organization_id: Option<i64>,
    pub assignee_id: Option<i64>,
    /// Only requests nobody is assigned to.
    pub unassigned: bool,
    pub team_id: Option<i64>,
    pub system_id: Option<i64>,
    pub created_from: Option<i64>,
    pub created_to: Option<i64>,
    pub updated_from: Option<i64>,
    pub updated_to: Option<i64>,
    /// Only requests under a contract this user leads (a project leader's reach).
    pub contract_leader_id: Option<i64>,
}

/// Where a page starts: after the row with this sort value and id.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cursor {
    pub value: i64,
    pub id: i64,
}

impl Cursor {
    pub fn encode(self) -> String {
        format!("{}_{}", self.value, self.id)
    }
    pub fn decode(s: &str) -> Option<Cursor> {
        let (v, id) = s.split_once('_')?;
        Some(Cursor {
            value: v.parse().ok()?,
            id: id.parse().ok()?,
        })
    }
}

enum Arg {
    I(i64),
    S(String),
}

/// A page of requests in keyset order (`sort`, then id), and the cursor after its last row.
pub async fn list_requests(
    c: &mut Conn<'_>,
    filter: &RequestFilter,
    sort: SortKey,
    descending: bool,
    after: Option<Cursor>,
    limit: i64,
) -> Result<(Vec<Request>, Option<Cursor>), StoreError> {
    let mut sql = String::from("select * from requests where 1 = 1");
    let mut args: Vec<Arg> = Vec::new();
    let push = |sql: &mut String, args: &mut Vec<Arg>, fragment: &str, arg: Arg| {
        args.push(arg);
        sql.push_str(&fragment.replace('?', &format!("${}", args.len())));
    };
    // SQLite plans its statements without looking at bound values (QPSG,
    // see `readers`), so it cannot tell that `status in ('new', …)` is 2 % of
    // the rows while `closed` is 91 %: at 1,000,000 requests it picked a skip
    // scan of (organization, status, level) for the open high-level queue, 80
    // ms instead of 1.4. The value lists are spelled into the statement there
    // (statuses, categories and levels are checked words and numbers).
    let inline = matches!(c, Conn::Sqlite(_));
    let list = |sql: &mut String, args: &mut Vec<Arg>, column: &str, values: Vec<Arg>| {
        if values.is_empty() {
            return;
        }
        if inline {
            let spelled: Vec<String> = values
                .iter()
                .map(|v| match v {
                    Arg::I(i) => i.to_string(),
                    Arg::S(s) => crate::sql::text_literal(s),
                })
                .collect();
            sql.push_str(&format!(" and {column} in ({})", spelled.join(", ")));
            return;
        }
        let start = args.len() + 1;
        let n = values.len();
        args.extend(values);
        sql.push_str(&format!(" and {column} in ({})", placeholders(start, n)));
    };
    list(
        &mut sql,
        &mut args,
        "status",
        filter.statuses.iter().cloned().map(Arg::S).collect(),
    );
    list(
        &mut sql,
        &mut args,
        "level",
        filter.levels.iter().copied().map(Arg::I).collect(),
    );
    list(
        &mut sql,
        &mut args,
        "category",
        filter.categories.iter().cloned().map(Arg::S).collect(),
    );
    if let Some(v) = filter.organization_id {
        push(&mut sql, &mut args, " and organization_id = ?", Arg::I(v));
    }
    if let Some(v) = filter.assignee_id {
        push(&mut sql, &mut args, " and assignee_id = ?", Arg::I(v));
    }
    if filter.unassigned {
        sql.push_str(" and assignee_id is null");
    }
    if let Some(v) = filter.team_id {
        push(&mut sql, &mut args, " and team_id = ?", Arg::I(v));
    }
    if let Some(v) = filter.system_id {
        push(&mut sql, &mut args, " and system_id = ?", Arg::I(v));
    }
    if let Some(v) = filter.created_from {
        push(&mut sql, &mut args, " and created_at >= ?", Arg::I(v));
    }
    if let Some(v) = filter.created_to {
        push(&mut sql, &mut args, " and created_at < ?", Arg::I(v));
    }
    if let Some(v) = filter.updated_from {
        push(&mut sql, &mut args, " and updated_at >= ?", Arg::I(v));
    }
    if let Some(v) = filter.updated_to {
        push(&mut sql, &mut args, " and updated_at < ?", Arg::I(v));
    }
    if let Some(v) = filter.contract_leader_id {
        let f = " and contract_id in (select id from contracts where project_leader_id = ?)";
        push(&mut sql, &mut args, f, Arg::I(v));
    }
    let col = sort.column();
    let (cmp, dir) = if descending {
        ("<", "desc")
    } else {
        (">", "asc")
    };
    if let Some(cur) = after {
        if sort == SortKey::Id {
            push(
                &mut sql,
                &mut args,
                &format!(" and id {cmp} ?"),
                Arg::I(cur.id),
            );
        } else {
            args.push(Arg::I(cur.value));
            let v = args.len();
            args.push(Arg::I(cur.id));
            let i = args.len();
            // A row-value comparison lets both engines seek the (column, id) index
            // to the cursor instead of filtering every row before it.
            sql.push_str(&format!(" and ({col}, id) {cmp} (${v}, ${i})"));
        }
    }
    if sort == SortKey::Id {
        sql.push_str(&format!(" order by id {dir}"));
    } else {
        sql.push_str(&format!(" order by {col} {dir}, id {dir}"));
    }
    args.push(Arg::I(limit + 1));
    sql.push_str(&format!(" limit ${}", args.len()));

    let mut q = query_owned(sql).unprepared();
    for a in &args {
        match a {
            Arg::I(v) => q.push(*v),
            Arg::S(v) => q.push(v.as_str()),
        }
    }
    let mut rows: Vec<Request> = c.fetch_all(q).await?;
    let next = if rows.len() as i64 > limit {
        rows.truncate(limit as usize);
        rows.last().map(|r| Cursor {
            value: sort.value(r),
            id: r.id,
        })
    } else {
        None
    };
    Ok((rows, next))
}

// ---------------------------------------------------------------- history

/// One entry of a request's history: a lifecycle event or a field change.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct Event {
    pub id: i64,
    pub request_id: i64,
    #[serde(serialize_with = "crate::ser::ms")]
    #[schema(value_type = String, format = DateTime)]
    pub at: i64,
    pub actor_id: i64,
    /// `created`, `changed` (a field), or a lifecycle event such as `acknowledged`, `responded`, `escalated`.
    pub kind: String,
    pub field: Option<String>,
    pub before: Option<String>,
    pub after: Option<String>,
    /// JSON with the event's own data (plan, reason, mode …).
    pub details: Option<String>,
}

from_row!(Event {
    id,
    request_id,
    at,
    actor_id,
    kind,
    field,
    before,
    after,
    details
});

#[derive(Debug, Clone, Default)]
pub struct NewEvent {
    pub kind: String,
    pub field: Option<String>,
    pub before: Option<String>,
    pub after: Option<String>,
    pub details: Option<String>,
}

pub async fn insert_events(
    c: &mut Conn<'_>,
    request_id: i64,
    actor_id: i64,
    at: i64,
    events: &[NewEvent],
) -> Result<(), StoreError> {
    for e in events {
        c.execute(query(
            "insert into request_events (request_id, at, actor_id, kind, field, before, after, details) values ($1, $2, $3, $4, $5, $6, $7, $8)")
            .bind(request_id).bind(at).bind(actor_id).bind(&e.kind).bind(&e.field).bind(&e.before).bind(&e.after).bind(&e.details)
            ).await?;
    }
    Ok(())
}

pub async fn list_events(c: &mut Conn<'_>, request_id: i64) -> Result<Vec<Event>, StoreError> {
    c.fetch_all(
        query("select * from request_events where request_id = $1 order by id").bind(request_id),
    )
    .await
}

// ---------------------------------------------------------------- messages

#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct Message {
    pub id: i64,
    pub request_id: i64,
    pub author_id: i64,
    /// `public` (a reply the customer sees) or `internal` (a note for staff).
    #[schema(example = "public")]
    pub visibility: String,
    pub body: String,
    #[serde(serialize_with = "crate::ser::ms")]
    #[schema(value_type = String, format = DateTime)]
    pub created_at: i64,
}

from_row!(Message {
    id,
    request_id,
    author_id,
    visibility,
    body,
    created_at
});

pub async fn insert_message(
    c: &mut Conn<'_>,
    request_id: i64,
    author_id: i64,
    visibility: &str,
    body: &str,
    now: i64,
) -> Result<Message, StoreError> {
    let m: Message = c.fetch_one(query(
        "insert into request_messages (request_id, author_id, visibility, body, created_at) values ($1, $2, $3, $4, $5) returning *")
        .bind(request_id).bind(author_id).bind(visibility).bind(body).bind(now)).await?;
    crate::search::index_request_id(c, request_id).await?;
    Ok(m)
}

pub async fn list_messages(
    c: &mut Conn<'_>,
    request_id: i64,
    include_internal: bool,
) -> Result<Vec<Message>, StoreError> {
    c.fetch_all(query(
        "select * from request_messages where request_id = $1 and ($2 or visibility = 'public') order by id")
        .bind(request_id).bind(include_internal)).await
}

// ---------------------------------------------------------------- attachments

#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct Attachment {
    pub id: i64,
    pub request_id: i64,
    pub message_id: Option<i64>,
    pub filename: String,
    pub content_type: String,
    pub size: i64,
    pub sha256: String,
    pub uploaded_by: i64,
    #[serde(serialize_with = "crate::ser::ms")]
    #[schema(value_type = String, format = DateTime)]
    pub created_at: i64,
}

from_row!(Attachment {
    id,
    request_id,
    message_id,
    filename,
    content_type,
    size,
    sha256,
    uploaded_by,
    created_at
});

pub struct NewAttachment<'a> {
    pub request_id: i64,
    pub message_id: Option<i64>,
    pub filename: &'a str,
    pub content_type: &'a str,
    pub sha256: &'a str,
    pub data: &'a [u8],
    pub uploaded_by: i64,
}

/// Store the bytes once per content (by SHA-256) and the attachment record.
pub async fn insert_attachment(
    c: &mut Conn<'_>,
    a: &NewAttachment<'_>,
    now: i64,
) -> Result<Attachment, StoreError> {
    let size = a.data.len() as i64;
    c.execute(query("insert into attachment_blobs (sha256, size, data) values ($1, $2, $3) on conflict (sha256) do nothing")
        .bind(a.sha256).bind(size).bind(a.data)).await.map(|_| ())?;
    c.fetch_one(query(
        "insert into attachments (request_id, message_id, filename, content_type, size, sha256, uploaded_by, created_at)
         values ($1, $2, $3, $4, $5, $6, $7, $8) returning *")
        .bind(a.request_id).bind(a.message_id).bind(a.filename).bind(a.content_type).bind(size).bind(a.sha256)
        .bind(a.uploaded_by).bind(now)).await
}

pub async fn get_attachment(c: &mut Conn<'_>, id: i64) -> Result<Attachment, StoreError> {
    let row: Option<Attachment> = c
        .fetch_optional(query("select * from attachments where id = $1").bind(id))
        .await?;
    row.ok_or(StoreError::NotFound)
}

pub async fn attachment_data(c: &mut Conn<'_>, sha256: &str) -> Result<Vec<u8>, StoreError> {
    let row: Option<(Vec<u8>,)> = c
        .fetch_optional(query("select data from attachment_blobs where sha256 = $1").bind(sha256))
        .await?;
    row.map(|r| r.0).ok_or(StoreError::NotFound)
}

pub async fn list_attachments(
    c: &mut Conn<'_>,
    request_id: i64,
) -> Result<Vec<Attachment>, StoreError> {
    c.fetch_all(
        query("select * from attachments where request_id = $1 order by id").bind(request_id),
    )
    .await
}

// ---------------------------------------------------------------- work log

#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct WorkLog {
    pub id: i64,
    pub request_id: i64,
    pub user_id: i64,
    pub minutes: i64,
    pub billable: bool,
    pub note: String,
    #[serde(serialize_with = "crate::ser::ms")]
    #[schema(value_type = String, format = DateTime)]
    pub worked_at: i64,
    #[serde(serialize_with = "crate::ser::ms")]
    #[schema(value_type = String, format = DateTime)]
    pub created_at: i64,
}

from_row!(WorkLog {
    id,
    request_id,
    user_id,
    minutes,
    billable,
    note,
    worked_at,
    created_at
});

/// Time spent on a request.
pub struct NewWorkLog<'a> {
    pub request_id: i64,
    pub user_id: i64,
    pub minutes: i64,
    pub billable: bool,
    pub note: &'a str,
    pub worked_at: i64,
}

pub async fn insert_work_log(
    c: &mut Conn<'_>,
    w: &NewWorkLog<'_>,
    now: i64,
) -> Result<WorkLog, StoreError> {
    c.fetch_one(query(
        "insert into work_logs (request_id, user_id, minutes, billable, note, worked_at, created_at) values ($1, $2, $3, $4, $5, $6, $7) returning *")
        .bind(w.request_id).bind(w.user_id).bind(w.minutes).bind(w.billable).bind(w.note).bind(w.worked_at).bind(now)).await
}

pub async fn list_work_logs(c: &mut Conn<'_>, request_id: i64) -> Result<Vec<WorkLog>, StoreError> {
    c.fetch_all(query("select * from work_logs where request_id = $1 order by id").bind(request_id))
        .await
}

// ---------------------------------------------------------------- on-site visits

#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct Visit {
    pub id: i64,
    pub request_id: i64,
    pub engineer_id: Option<i64>,
    #[serde(serialize_with = "crate::ser::ms")]
    #[schema(value_type = String, format = DateTime)]
    pub requested_at: i64,
    #[serde(serialize_with = "crate::ser::opt_ms")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub departed_at: Option<i64>,
    /// Arrival stops the on-site clock.
    #[serde(serialize_with = "crate::ser::opt_ms")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub arrived_at: Option<i64>,
    #[serde(serialize_with = "crate::ser::opt_ms")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub left_at: Option<i64>,
    pub work_done: Option<String>,
    #[serde(serialize_with = "crate::ser::ms")]
    #[schema(value_type = String, format = DateTime)]
    pub created_at: i64,
    #[serde(serialize_with = "crate::ser::ms")]
    #[schema(value_type = String, format = DateTime)]
    pub updated_at: i64,
    pub version: i64,
}

from_row!(Visit {
    id,
    request_id,
    engineer_id,
    requested_at,
    departed_at,
    arrived_at,
    left_at,
    work_done,
    created_at,
    updated_at,
    version
});

pub async fn insert_visit(
    c: &mut Conn<'_>,
    request_id: i64,
    engineer_id: Option<i64>,
    requested_at: i64,
    now: i64,
) -> Result<Visit, StoreError> {
    c.fetch_one(query(
        "insert into onsite_visits (request_id, engineer_id, requested_at, created_at, updated_at) values ($1, $2, $3, $4, $4) returning *")
        .bind(request_id).bind(engineer_id).bind(requested_at).bind(now)).await
}

pub async fn update_visit(
    c: &mut Conn<'_>,
    v: &Visit,
    expected_version: i64,
    now: i64,
) -> Result<Visit, StoreError> {
    let row: Option<Visit> = c.fetch_optional(query(
        "update onsite_visits set engineer_id = $3, departed_at = $4, arrived_at = $5, left_at = $6, work_done = $7,
         updated_at = $8, version = version + 1 where id = $1 and version = $2 returning *")
        .bind(v.id).bind(expected_version).bind(v.engineer_id).bind(v.departed_at).bind(v.arrived_at).bind(v.left_at)
        .bind(&v.work_done).bind(now)).await?;
    updated_or_why_not(c, row, "onsite_visits", v.id, expected_version).await
}

pub async fn get_visit(c: &mut Conn<'_>, id: i64) -> Result<Visit, StoreError> {
    let row: Option<Visit> = c
        .fetch_optional(query("select * from onsite_visits where id = $1").bind(id))
        .await?;
    row.ok_or(StoreError::NotFound)
}

pub async fn list_visits(c: &mut Conn<'_>, request_id: i64) -> Result<Vec<Visit>, StoreError> {
    c.fetch_all(
        query("select * from onsite_visits where request_id = $1 order by id").bind(request_id),
    )
    .await
}

// ---------------------------------------------------------------- idempotency

/// The request an earlier call with this key created, and the fingerprint of that call's body.
pub async fn find_idempotency_key(
    c: &mut Conn<'_>,
    user_id: i64,
    key: &str,
) -> Result<Option<(String, i64)>, StoreError> {
    c.fetch_optional(
        query(
            "select fingerprint, request_id from idempotency_keys where user_id = $1 and key = $2",
        )
        .bind(user_id)
        .bind(key),
    )
    .await
}

pub async fn insert_idempotency_key(
    c: &mut Conn<'_>,
    user_id: i64,
    key: &str,
    fingerprint: &str,
    request_id: i64,
    now: i64,
) -> Result<(), StoreError> {
    c.execute(query("insert into idempotency_keys (user_id, key, fingerprint, request_id, created_at) values ($1, $2, $3, $4, $5)")
        .bind(user_id).bind(key).bind(fingerprint).bind(request_id).bind(now)).await.map(|_| ())?;
    Ok(())
}
