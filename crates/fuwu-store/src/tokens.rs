//! API tokens: only their SHA-256 is stored.

use crate::{Conn, StoreError, from_row, query};

#[derive(Debug, Clone)]
pub struct TokenOwner {
    pub token_id: i64,
    pub user_id: i64,
    pub scope: String,
    pub expires_at: Option<i64>,
    pub revoked_at: Option<i64>,
    pub role: String,
    pub organization_id: Option<i64>,
    pub team_id: Option<i64>,
    pub active: bool,
    pub display_name: String,
}

from_row!(TokenOwner {
    token_id,
    user_id,
    scope,
    expires_at,
    revoked_at,
    role,
    organization_id,
    team_id,
    active,
    display_name
});

pub async fn insert_token(
    c: &mut Conn<'_>,
    user_id: i64,
    name: &str,
    token_hash: &str,
    scope: &str,
    expires_at: Option<i64>,
    now: i64,
) -> Result<i64, StoreError> {
    let (id,): (i64,) = c.fetch_one(query(
        "insert into api_tokens (user_id, name, token_hash, scope, created_at, expires_at) values ($1, $2, $3, $4, $5, $6) returning id")
        .bind(user_id).bind(name).bind(token_hash).bind(scope).bind(now).bind(expires_at)).await?;
    Ok(id)
}

pub async fn find_token(
    c: &mut Conn<'_>,
    token_hash: &str,
) -> Result<Option<TokenOwner>, StoreError> {
    c.fetch_optional(query(
        "select t.id as token_id, t.user_id, t.scope, t.expires_at, t.revoked_at, u.role, u.organization_id, u.team_id, u.active, u.display_name
         from api_tokens t join users u on u.id = t.user_id where t.token_hash = $1")
        .bind(token_hash)).await
}

/// A token as listed: never its secret or hash.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct Token {
    pub id: i64,
    pub user_id: i64,
    pub name: String,
    /// read, write or admin.
    pub scope: String,
    #[serde(serialize_with = "crate::ser::ms")]
    #[schema(value_type = String, format = DateTime)]
    pub created_at: i64,
    #[serde(serialize_with = "crate::ser::opt_ms")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub expires_at: Option<i64>,
    #[serde(serialize_with = "crate::ser::opt_ms")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub revoked_at: Option<i64>,
    /// Recorded within a few seconds of use.
    #[serde(serialize_with = "crate::ser::opt_ms")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub last_used_at: Option<i64>,
}

from_row!(Token {
    id,
    user_id,
    name,
    scope,
    created_at,
    expires_at,
    revoked_at,
    last_used_at
});

pub async fn list_tokens(c: &mut Conn<'_>, user_id: Option<i64>) -> Result<Vec<Token>, StoreError> {
    c.fetch_all(query(
        "select id, user_id, name, scope, created_at, expires_at, revoked_at, last_used_at from api_tokens
         where ($1 is null or user_id = $1) order by id")
        .bind(user_id)).await
}

pub async fn get_token(c: &mut Conn<'_>, id: i64) -> Result<Token, StoreError> {
    let row: Option<Token> = c.fetch_optional(query(
        "select id, user_id, name, scope, created_at, expires_at, revoked_at, last_used_at from api_tokens where id = $1")
        .bind(id)).await?;
    row.ok_or(StoreError::NotFound)
}

/// Revoke a token (idempotent: the first revocation time stays).
pub async fn revoke_token(c: &mut Conn<'_>, id: i64, now: i64) -> Result<(), StoreError> {
    c.execute(
        query("update api_tokens set revoked_at = coalesce(revoked_at, $2) where id = $1")
            .bind(id)
            .bind(now),
    )
    .await
    .map(|_| ())?;
    Ok(())
}

/// At most one `token_used` audit entry per token in this window.
pub const TOKEN_USE_AUDIT_MS: i64 = 3_600_000;

/// Record when tokens were last used (only ever moving forward), and audit a
/// use as `token_used` when the token's last such entry is older than an hour
/// (or it has none): one cheap conditional update per token in the batch.
pub async fn record_token_use(c: &mut Conn<'_>, uses: &[(i64, i64)]) -> Result<(), StoreError> {
    for (id, at) in uses {
        c.execute(query(
            "update api_tokens set last_used_at = $2 where id = $1 and (last_used_at is null or last_used_at < $2)")
            .bind(*id).bind(*at)).await.map(|_| ())?;
        let due: Option<(i64, String)> = c.fetch_optional(query(
            "update api_tokens set use_audited_at = $2 where id = $1 and (use_audited_at is null or use_audited_at <= $3)
             returning user_id, name")
            .bind(*id).bind(*at).bind(*at - TOKEN_USE_AUDIT_MS)).await?;
        if let Some((user_id, name)) = due {
            let details = serde_json::json!({ "name": name }).to_string();
            let entry = crate::audit::NewAudit {
                actor_id: user_id,
                kind: "token_used",
                object_type: "token",
                object_id: *id,
                details: Some(details),
            };
            crate::audit::insert_audit(c, &entry, *at).await?;
        }
    }
    Ok(())
}
