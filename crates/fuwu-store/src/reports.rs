//! Fault reports (故障报告): one per request, versioned (see migration
//! 0010_fault_reports).

use crate::versions::updated_or_why_not;
use crate::{Conn, StoreError, from_row, query};

/// A fault report as stored. `timeline` is JSON; the app shapes what each
/// reader sees (customers never get `internal_notes` or `review_comment`).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct FaultReportRow {
    pub id: i64,
    pub request_id: i64,
    pub status: String,
    pub title: String,
    pub fault_type: String,
    pub level: i64,
    pub occurred_at: i64,
    pub resolved_at: Option<i64>,
    pub symptom: String,
    pub impact: String,
    pub cause: String,
    pub handling: String,
    pub solution: String,
    pub prevention: String,
    pub timeline: String,
    pub internal_notes: String,
    pub review_comment: Option<String>,
    pub author_id: i64,
    pub reviewer_id: Option<i64>,
    pub delivered_by: Option<i64>,
    pub submitted_for_review_at: Option<i64>,
    pub reviewed_at: Option<i64>,
    pub delivered_at: Option<i64>,
    pub created_at: i64,
    pub updated_at: i64,
    pub version: i64,
}

from_row!(FaultReportRow {
    id,
    request_id,
    status,
    title,
    fault_type,
    level,
    occurred_at,
    resolved_at,
    symptom,
    impact,
    cause,
    handling,
    solution,
    prevention,
    timeline,
    internal_notes,
    review_comment,
    author_id,
    reviewer_id,
    delivered_by,
    submitted_for_review_at,
    reviewed_at,
    delivered_at,
    created_at,
    updated_at,
    version
});

/// The report of a request, if it has one.
pub async fn report_of_request(
    c: &mut Conn<'_>,
    request_id: i64,
) -> Result<Option<FaultReportRow>, StoreError> {
    c.fetch_optional(query("select * from fault_reports where request_id = $1").bind(request_id))
        .await
}

/// Insert a new report (version 1); a second one for the request is a conflict.
pub async fn insert_report(
    c: &mut Conn<'_>,
    r: &FaultReportRow,
) -> Result<FaultReportRow, StoreError> {
    c.fetch_one(
        query(
            "insert into fault_reports (request_id, status, title, fault_type, level, occurred_at, resolved_at,
             symptom, impact, cause, handling, solution, prevention, timeline, internal_notes, author_id,
             created_at, updated_at, version)
             values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $17, 1) returning *",
        )
        .bind(r.request_id)
        .bind(r.status.as_str())
        .bind(r.title.as_str())
        .bind(r.fault_type.as_str())
        .bind(r.level)
        .bind(r.occurred_at)
        .bind(r.resolved_at)
        .bind(r.symptom.as_str())
        .bind(r.impact.as_str())
        .bind(r.cause.as_str())
        .bind(r.handling.as_str())
        .bind(r.solution.as_str())
        .bind(r.prevention.as_str())
        .bind(r.timeline.as_str())
        .bind(r.internal_notes.as_str())
        .bind(r.author_id)
        .bind(r.created_at),
    )
    .await
}

/// Write every changeable field of `r` if the stored version is still
/// `expected` (then version + 1); a stale version is `StaleVersion`.
pub async fn update_report(
    c: &mut Conn<'_>,
    r: &FaultReportRow,
    expected: i64,
) -> Result<FaultReportRow, StoreError> {
    let row: Option<FaultReportRow> = c
        .fetch_optional(
            query(
                "update fault_reports set status = $3, title = $4, fault_type = $5, symptom = $6, impact = $7,
                 cause = $8, handling = $9, solution = $10, prevention = $11, timeline = $12, internal_notes = $13,
                 review_comment = $14, reviewer_id = $15, delivered_by = $16, submitted_for_review_at = $17,
                 reviewed_at = $18, delivered_at = $19, updated_at = $20, version = version + 1
                 where id = $1 and version = $2 returning *",
            )
            .bind(r.id)
            .bind(expected)
            .bind(r.status.as_str())
            .bind(r.title.as_str())
            .bind(r.fault_type.as_str())
            .bind(r.symptom.as_str())
            .bind(r.impact.as_str())
            .bind(r.cause.as_str())
            .bind(r.handling.as_str())
            .bind(r.solution.as_str())
            .bind(r.prevention.as_str())
            .bind(r.timeline.as_str())
            .bind(r.internal_notes.as_str())
            .bind(r.review_comment.as_deref())
            .bind(r.reviewer_id)
            .bind(r.delivered_by)
            .bind(r.submitted_for_review_at)
            .bind(r.reviewed_at)
            .bind(r.delivered_at)
            .bind(r.updated_at),
        )
        .await?;
    updated_or_why_not(c, row, "fault_reports", r.id, expected).await
}

/// How many reports stand where: (status, the report clock's state or
/// `none` when the policy has no report target, count).
pub async fn report_summary(c: &mut Conn<'_>) -> Result<Vec<(String, String, i64)>, StoreError> {
    c.fetch_all(query(
        "select f.status, coalesce(k.state, 'none'), count(*) from fault_reports f
         left join request_clocks k on k.request_id = f.request_id and k.target_key = 'fault_report'
              and k.state <> 'superseded'
              and not exists (select 1 from request_clocks k2 where k2.request_id = k.request_id
                  and k2.target_key = k.target_key and k2.state <> 'superseded' and k2.generation > k.generation)
         group by f.status, coalesce(k.state, 'none') order by 1, 2",
    ))
    .await
}
