//! The audit log: who did what to which record, and security events.

use crate::{Conn, StoreError, from_row, query};
use serde::Serialize;
use utoipa::ToSchema;

#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct AuditEntry {
    pub id: i64,
    #[serde(serialize_with = "crate::ser::ms")]
    #[schema(value_type = String, format = DateTime)]
    pub at: i64,
    /// The acting user; 0 is the operator at the command line, or nobody
    /// (a failed or throttled login of an unknown account).
    pub actor_id: i64,
    /// e.g. `organization_created`, `user_updated`, `role_changed`, `token_created`, `token_revoked`,
    /// `login_succeeded`, `login_failed`, `login_throttled`, `logout`, `password_changed`,
    /// `password_change_failed`, `password_reset`, `access_denied`, `token_used` (at most once an hour per token).
    pub kind: String,
    pub object_type: Option<String>,
    pub object_id: Option<i64>,
    /// JSON: the new record, or the changed fields as `{field: [before, after]}`.
    pub details: Option<String>,
}

from_row!(AuditEntry {
    id,
    at,
    actor_id,
    kind,
    object_type,
    object_id,
    details
});

pub struct NewAudit<'a> {
    pub actor_id: i64,
    pub kind: &'a str,
    pub object_type: &'a str,
    pub object_id: i64,
    pub details: Option<String>,
}

pub async fn insert_audit(c: &mut Conn<'_>, e: &NewAudit<'_>, at: i64) -> Result<(), StoreError> {
    c.execute(query(
        "insert into audit_log (at, actor_id, kind, object_type, object_id, details) values ($1, $2, $3, $4, $5, $6)")
        .bind(at).bind(e.actor_id).bind(e.kind).bind(e.object_type).bind(e.object_id).bind(&e.details)
        ).await.map(|_| ())?;
    Ok(())
}

/// Filters of the audit log; every present one must hold.
#[derive(Debug, Clone, Default)]
pub struct AuditFilter {
    pub kind: Option<String>,
    pub actor_id: Option<i64>,
    pub object_type: Option<String>,
    pub object_id: Option<i64>,
    pub from: Option<i64>,
    pub to: Option<i64>,
}

/// Newest first, `limit` entries older than `before_id`.
pub async fn list_audit(
    c: &mut Conn<'_>,
    f: &AuditFilter,
    before_id: Option<i64>,
    limit: i64,
) -> Result<Vec<AuditEntry>, StoreError> {
    c.fetch_all(query(
        "select * from audit_log where ($1 is null or kind = $1) and ($2 is null or actor_id = $2)
         and ($3 is null or object_type = $3) and ($4 is null or object_id = $4)
         and ($5 is null or at >= $5) and ($6 is null or at < $6) and ($7 is null or id < $7)
         order by id desc limit $8")
        .bind(&f.kind).bind(f.actor_id).bind(&f.object_type).bind(f.object_id).bind(f.from).bind(f.to)
        .bind(before_id).bind(limit)).await
}

/// Filters of the requests' recorded changes across requests; every present one must hold.
#[derive(Debug, Clone, Default)]
pub struct RequestEventFilter {
    pub request_id: Option<i64>,
    pub actor_id: Option<i64>,
    pub kind: Option<String>,
    pub from: Option<i64>,
    pub to: Option<i64>,
}

/// Every request's changes (`request_events`), newest first, `limit` entries older than `before_id`.
pub async fn list_request_events(
    c: &mut Conn<'_>,
    f: &RequestEventFilter,
    before_id: Option<i64>,
    limit: i64,
) -> Result<Vec<crate::requests::Event>, StoreError> {
    c.fetch_all(query(
        "select * from request_events where ($1 is null or request_id = $1) and ($2 is null or actor_id = $2)
         and ($3 is null or kind = $3) and ($4 is null or at >= $4) and ($5 is null or at < $5)
         and ($6 is null or id < $6)
         order by id desc limit $7")
        .bind(f.request_id).bind(f.actor_id).bind(&f.kind).bind(f.from).bind(f.to)
        .bind(before_id).bind(limit)).await
}
