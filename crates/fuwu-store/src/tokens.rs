//! API tokens: only their SHA-256 is stored.

use crate::{Conn, StoreError, on_conn};
use sqlx::FromRow;

#[derive(Debug, Clone, FromRow)]
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

pub async fn insert_token(
    c: &mut Conn<'_>,
    user_id: i64,
    name: &str,
    token_hash: &str,
    scope: &str,
    expires_at: Option<i64>,
    now: i64,
) -> Result<i64, StoreError> {
    let (id,): (i64,) = on_conn!(c, c => sqlx::query_as(
        "insert into api_tokens (user_id, name, token_hash, scope, created_at, expires_at) values ($1, $2, $3, $4, $5, $6) returning id")
        .bind(user_id).bind(name).bind(token_hash).bind(scope).bind(now).bind(expires_at).fetch_one(c).await)?;
    Ok(id)
}

pub async fn find_token(
    c: &mut Conn<'_>,
    token_hash: &str,
) -> Result<Option<TokenOwner>, StoreError> {
    Ok(on_conn!(c, c => sqlx::query_as(
        "select t.id as token_id, t.user_id, t.scope, t.expires_at, t.revoked_at, u.role, u.organization_id, u.team_id, u.active, u.display_name
         from api_tokens t join users u on u.id = t.user_id where t.token_hash = $1")
        .bind(token_hash).fetch_optional(c).await)?)
}
