//! Writing and reading the audit log. Directory changes and security events
//! are recorded here, in the same transaction as the change; a request's
//! changes are its own history (`request_events`).

use crate::paging::{page, page_limit};
use crate::{Actor, App, AppError, Page};
use fuwu_store::audit::{self as store, AuditEntry, AuditFilter, NewAudit, RequestEventFilter};
use fuwu_store::requests::Event;
use fuwu_store::{Conn, StoreError};
use serde::Serialize;
use serde_json::{Map, Value};

/// Fields every write touches; not worth recording.
const UNTRACKED: &[&str] = &["updated_at", "version"];

async fn write(
    c: &mut Conn<'_>,
    who: i64,
    kind: &str,
    object_type: &str,
    id: i64,
    details: Option<String>,
    now: i64,
) -> Result<(), StoreError> {
    let entry = NewAudit {
        actor_id: who,
        kind,
        object_type,
        object_id: id,
        details,
    };
    store::insert_audit(c, &entry, now).await
}

/// Record a new record, with its contents.
pub(crate) async fn created<T: Serialize>(
    c: &mut Conn<'_>,
    who: i64,
    object_type: &'static str,
    id: i64,
    row: &T,
    now: i64,
) -> Result<(), StoreError> {
    let kind = format!("{object_type}_created");
    let details = serde_json::to_value(row).ok().map(|v| v.to_string());
    write(c, who, &kind, object_type, id, details, now).await
}

/// Record the fields that changed as `{field: [before, after]}`; a change of a
/// user's role is also recorded as the security event `role_changed`.
pub(crate) async fn updated<T: Serialize>(
    c: &mut Conn<'_>,
    who: i64,
    object_type: &'static str,
    id: i64,
    before: &T,
    after: &T,
    now: i64,
) -> Result<(), StoreError> {
    let (Ok(Value::Object(b)), Ok(Value::Object(a))) =
        (serde_json::to_value(before), serde_json::to_value(after))
    else {
        return Ok(());
    };
    let changes: Map<String, Value> = a
        .iter()
        .filter(|(k, v)| !UNTRACKED.contains(&k.as_str()) && b.get(*k) != Some(*v))
        .map(|(k, v)| {
            (
                k.clone(),
                Value::Array(vec![b.get(k).cloned().unwrap_or(Value::Null), v.clone()]),
            )
        })
        .collect();
    if changes.is_empty() {
        return Ok(());
    }
    if object_type == "user" && changes.contains_key("role") {
        let details = Some(
            Value::Object(Map::from_iter([(
                "role".to_owned(),
                changes["role"].clone(),
            )]))
            .to_string(),
        );
        write(c, who, "role_changed", object_type, id, details, now).await?;
    }
    let kind = format!("{object_type}_updated");
    let details = Some(Value::Object(changes).to_string());
    write(c, who, &kind, object_type, id, details, now).await
}

/// A security event about a record (a token issued or revoked …).
pub(crate) async fn event(
    c: &mut Conn<'_>,
    who: i64,
    kind: &'static str,
    object_type: &'static str,
    id: i64,
    details: Value,
    now: i64,
) -> Result<(), StoreError> {
    write(
        c,
        who,
        kind,
        object_type,
        id,
        Some(details.to_string()),
        now,
    )
    .await
}

impl App {
    /// The audit log, newest first (administrators only).
    pub async fn audit_log(
        &self,
        actor: &Actor,
        filter: AuditFilter,
        cursor: Option<String>,
        limit: Option<i64>,
    ) -> Result<Page<AuditEntry>, AppError> {
        actor.require_admin("read the audit log")?;
        let before = cursor
            .map(|c| {
                c.parse::<i64>()
                    .map_err(|_| AppError::invalid("cursor", "not a cursor this API gave out"))
            })
            .transpose()?;
        let limit = page_limit(limit);
        let items = self
            .db
            .read(move |mut c| {
                Box::pin(async move { store::list_audit(&mut c, &filter, before, limit + 1).await })
            })
            .await?;
        Ok(page(items, limit, |e| e.id))
    }

    /// Every request's recorded changes (each request's history, across
    /// requests), newest first: the audit of request data for administrators.
    pub async fn request_changes(
        &self,
        actor: &Actor,
        filter: RequestEventFilter,
        cursor: Option<String>,
        limit: Option<i64>,
    ) -> Result<Page<Event>, AppError> {
        actor.require_admin("read the audit log")?;
        let before = cursor
            .map(|c| {
                c.parse::<i64>()
                    .map_err(|_| AppError::invalid("cursor", "not a cursor this API gave out"))
            })
            .transpose()?;
        let limit = page_limit(limit);
        let items = self
            .db
            .read(move |mut c| {
                Box::pin(async move {
                    store::list_request_events(&mut c, &filter, before, limit + 1).await
                })
            })
            .await?;
        Ok(page(items, limit, |e| e.id))
    }
}
