//! Browser sessions, password hashes and the ways a user signs in
//! (`user_identities`). A session is stored only as the SHA-256 of its id.

use crate::{Conn, StoreError, from_row, query};

/// A session row joined with what is needed to act as its user.
#[derive(Debug, Clone)]
pub struct SessionOwner {
    pub user_id: i64,
    pub created_at: i64,
    pub last_seen_at: i64,
    pub expires_at: i64,
    pub role: String,
    pub organization_id: Option<i64>,
    pub team_id: Option<i64>,
    pub active: bool,
    pub display_name: String,
}

from_row!(SessionOwner {
    user_id,
    created_at,
    last_seen_at,
    expires_at,
    role,
    organization_id,
    team_id,
    active,
    display_name
});

pub struct NewSession<'a> {
    pub id_hash: &'a str,
    pub user_id: i64,
    pub now: i64,
    pub expires_at: i64,
    pub client_addr: &'a str,
    pub user_agent: &'a str,
}

pub async fn insert_session(c: &mut Conn<'_>, s: &NewSession<'_>) -> Result<(), StoreError> {
    c.execute(query(
        "insert into sessions (id_hash, user_id, created_at, last_seen_at, expires_at, client_addr, user_agent)
         values ($1, $2, $3, $3, $4, $5, $6)")
        .bind(s.id_hash).bind(s.user_id).bind(s.now).bind(s.expires_at).bind(s.client_addr).bind(s.user_agent)
        ).await.map(|_| ())?;
    Ok(())
}

pub async fn find_session(
    c: &mut Conn<'_>,
    id_hash: &str,
) -> Result<Option<SessionOwner>, StoreError> {
    c.fetch_optional(query(
        "select s.user_id, s.created_at, s.last_seen_at, s.expires_at, u.role, u.organization_id, u.team_id, u.active, u.display_name
         from sessions s join users u on u.id = s.user_id where s.id_hash = $1")
        .bind(id_hash)).await
}

/// Record that the session was used at `now` (only ever moving forward).
pub async fn touch_session(c: &mut Conn<'_>, id_hash: &str, now: i64) -> Result<(), StoreError> {
    c.execute(
        query("update sessions set last_seen_at = $2 where id_hash = $1 and last_seen_at < $2")
            .bind(id_hash)
            .bind(now),
    )
    .await
    .map(|_| ())?;
    Ok(())
}

/// End one session; returns the user it belonged to, if it existed.
pub async fn delete_session(c: &mut Conn<'_>, id_hash: &str) -> Result<Option<i64>, StoreError> {
    let row: Option<(i64,)> = c
        .fetch_optional(
            query("delete from sessions where id_hash = $1 returning user_id").bind(id_hash),
        )
        .await?;
    Ok(row.map(|r| r.0))
}

/// End every session of a user, except `keep` (the caller's own, when given); returns how many ended.
pub async fn delete_user_sessions(
    c: &mut Conn<'_>,
    user_id: i64,
    keep: Option<&str>,
) -> Result<u64, StoreError> {
    c.execute(
        query("delete from sessions where user_id = $1 and ($2 is null or id_hash <> $2)")
            .bind(user_id)
            .bind(keep),
    )
    .await
}

/// Forget sessions past their absolute expiry or idle since before `idle_before`.
pub async fn delete_stale_sessions(
    c: &mut Conn<'_>,
    now: i64,
    idle_before: i64,
) -> Result<u64, StoreError> {
    c.execute(
        query("delete from sessions where expires_at <= $1 or last_seen_at <= $2")
            .bind(now)
            .bind(idle_before),
    )
    .await
}

/// Set a user's password hash (a PHC string).
pub async fn set_password_hash(
    c: &mut Conn<'_>,
    user_id: i64,
    hash: &str,
    now: i64,
) -> Result<(), StoreError> {
    let done = c
        .execute(
            query("update users set password_hash = $2, updated_at = $3 where id = $1")
                .bind(user_id)
                .bind(hash)
                .bind(now),
        )
        .await?;
    if done == 0 {
        return Err(StoreError::NotFound);
    }
    Ok(())
}

/// Replace a user's password hash by a new one of the same password (made
/// with current parameters), only if it is still `old`: a password changed
/// meanwhile is never overwritten. Returns whether it was replaced.
pub async fn replace_password_hash(
    c: &mut Conn<'_>,
    user_id: i64,
    old: &str,
    new: &str,
) -> Result<bool, StoreError> {
    let done = c
        .execute(
            query("update users set password_hash = $3 where id = $1 and password_hash = $2")
                .bind(user_id)
                .bind(old)
                .bind(new),
        )
        .await?;
    Ok(done == 1)
}

/// How many browser sessions are stored (of one user, or of all).
pub async fn count_sessions(c: &mut Conn<'_>, user_id: Option<i64>) -> Result<i64, StoreError> {
    let (n,): (i64,) = c
        .fetch_one(
            query("select count(*) from sessions where $1 is null or user_id = $1").bind(user_id),
        )
        .await?;
    Ok(n)
}

/// One way a user signs in.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct Identity {
    pub user_id: i64,
    /// password, oidc or ldap.
    pub provider: String,
    pub subject: String,
    #[serde(serialize_with = "crate::ser::ms")]
    #[schema(value_type = String, format = DateTime)]
    pub created_at: i64,
}

from_row!(Identity {
    user_id,
    provider,
    subject,
    created_at
});

/// Link a user to an identity of a provider (nothing happens if it is already linked).
pub async fn link_identity(
    c: &mut Conn<'_>,
    user_id: i64,
    provider: &str,
    subject: &str,
    now: i64,
) -> Result<(), StoreError> {
    c.execute(query(
        "insert into user_identities (user_id, provider, subject, created_at) values ($1, $2, $3, $4)
         on conflict (provider, subject) do nothing")
        .bind(user_id).bind(provider).bind(subject).bind(now)).await.map(|_| ())?;
    Ok(())
}

pub async fn list_identities(c: &mut Conn<'_>, user_id: i64) -> Result<Vec<Identity>, StoreError> {
    c.fetch_all(query(
        "select user_id, provider, subject, created_at from user_identities where user_id = $1 order by id")
        .bind(user_id)).await
}
