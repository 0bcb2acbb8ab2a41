//! Users and API tokens, enough for the API to know who acts. Login pages,
//! sessions and the full role model belong to the identity work.

use crate::access::{Actor, Scope};
use crate::{App, AppError};
use fuwu_core::Role;
use fuwu_store::directory::{self, User, UserFields};
use fuwu_store::tokens;
use rand::RngExt;
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

/// The username of the scheduler's user; `:` keeps it apart from people's names.
pub const SYSTEM_USERNAME: &str = "fuwu:system";

/// How long a verified token is trusted without asking the database again.
const TOKEN_CACHE_MS: i64 = 10_000;

/// How often the last use of tokens is written back.
const TOKEN_USE_FLUSH_MS: i64 = 5_000;

/// Verified tokens (hash → actor, token id, trusted until), and token uses not yet written.
#[derive(Clone, Default)]
pub(crate) struct TokenCache(Arc<Mutex<TokenState>>);

#[derive(Default)]
pub(crate) struct TokenState {
    /// Keyed by the token's SHA-256 digest (hex only for the database).
    verified: HashMap<[u8; 32], (Actor, i64, i64)>,
    uses: HashMap<i64, i64>,
    flushed_at: i64,
}

fn digest(token: &str) -> [u8; 32] {
    Sha256::digest(token.as_bytes()).into()
}

/// The stored form of a token: its digest in hex.
fn hash(token: &str) -> String {
    hex::encode(digest(token))
}

/// What a new API token is for.
#[derive(Debug, Clone, serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewToken {
    /// The token's owner; yourself when absent (others: admins only).
    pub user_id: Option<i64>,
    /// What it is for, e.g. "监控告警接入".
    pub name: String,
    /// read, write or admin — at most the scope of the token creating it.
    pub scope: String,
    /// Unix milliseconds; no expiry when absent (the API takes RFC 3339).
    #[serde(skip)]
    pub expires_at: Option<i64>,
}

/// A new random token: shown once, stored only as its hash.
pub fn new_token_secret() -> String {
    let bytes: [u8; 24] = rand::rng().random();
    format!("fuwu_{}", hex::encode(bytes))
}

impl App {
    /// Who holds this bearer token, if it is valid now.
    pub async fn authenticate(&self, token: &str) -> Result<Actor, AppError> {
        let now = self.now();
        let key = digest(token);
        let cached = {
            let state = self
                .tokens
                .0
                .lock()
                .map_err(|_| AppError::Unauthenticated)?;
            state
                .verified
                .get(&key)
                .filter(|(_, _, until)| *until > now)
                .map(|(a, id, _)| (a.clone(), *id))
        };
        let (actor, token_id) = match cached {
            Some(hit) => hit,
            None => self.verify_token(key, now).await?,
        };
        self.note_token_use(token_id, now);
        Ok(actor)
    }

    async fn verify_token(&self, key: [u8; 32], now: i64) -> Result<(Actor, i64), AppError> {
        let k = hex::encode(key);
        let found = self
            .db
            .read(move |mut c| Box::pin(async move { tokens::find_token(&mut c, &k).await }))
            .await
            .map_err(|e| AppError::from_store("token", e))?;
        let Some(t) = found else {
            return Err(AppError::Unauthenticated);
        };
        if t.revoked_at.is_some() || t.expires_at.is_some_and(|e| e <= now) || !t.active {
            return Err(AppError::Unauthenticated);
        }
        let role: Role = t.role.parse().map_err(|_| AppError::Unauthenticated)?;
        let actor = Actor {
            user_id: t.user_id,
            role,
            organization_id: t.organization_id,
            team_id: t.team_id,
            scope: Scope::parse(&t.scope).unwrap_or(Scope::Read),
            display_name: t.display_name,
        };
        let until = t
            .expires_at
            .map_or(now + TOKEN_CACHE_MS, |e| e.min(now + TOKEN_CACHE_MS));
        if let Ok(mut state) = self.tokens.0.lock() {
            if state.verified.len() > 10_000 {
                state.verified.clear();
            }
            state
                .verified
                .insert(key, (actor.clone(), t.token_id, until));
        }
        Ok((actor, t.token_id))
    }

    /// Remember a use in memory and write the batch back every few seconds in the
    /// background, so recording the last use never slows a request down.
    fn note_token_use(&self, token_id: i64, now: i64) {
        let batch = {
            let Ok(mut state) = self.tokens.0.lock() else {
                return;
            };
            state.uses.insert(token_id, now);
            if now - state.flushed_at < TOKEN_USE_FLUSH_MS {
                return;
            }
            state.flushed_at = now;
            state.uses.drain().collect::<Vec<_>>()
        };
        let db = self.db.clone();
        tokio::spawn(async move {
            let written = db
                .write(move |mut c| {
                    Box::pin(async move { tokens::record_token_use(&mut c, &batch).await })
                })
                .await;
            if let Err(e) = written {
                tracing::warn!(error = %e, "could not record token use");
            }
        });
    }

    /// Forget every verified token and session, so a revocation, a role change
    /// or a deactivation takes effect at once on this node.
    pub(crate) fn forget_verified_tokens(&self) {
        if let Ok(mut state) = self.tokens.0.lock() {
            state.verified.clear();
        }
        self.forget_sessions();
    }

    /// Issue a token for `user_id` (yourself unless you are an admin), at most as
    /// powerful as the token asking. Returns the token and its secret, shown once.
    pub async fn create_token(
        &self,
        actor: &Actor,
        input: NewToken,
    ) -> Result<(tokens::Token, String), AppError> {
        actor.require_write()?;
        let user_id = input.user_id.unwrap_or(actor.user_id);
        if user_id != actor.user_id {
            actor.require_admin("create tokens for other users")?;
        }
        let scope = Scope::parse(&input.scope)
            .ok_or_else(|| AppError::invalid("scope", "read, write or admin"))?;
        if scope > actor.scope {
            return Err(AppError::Forbidden(
                "create a token more powerful than your own",
            ));
        }
        let name = input.name.trim().to_owned();
        if name.is_empty() || name.chars().count() > 100 {
            return Err(AppError::invalid("name", "1–100 characters"));
        }
        let now = self.now();
        if input.expires_at.is_some_and(|e| e <= now) {
            return Err(AppError::invalid("expires_at", "must be in the future"));
        }
        let secret = new_token_secret();
        let h = hash(&secret);
        let who = actor.user_id;
        let scope_text = input.scope.clone();
        let token = self
            .db
            .write(move |mut c| {
                Box::pin(async move {
                    let owner = directory::get_user(&mut c, user_id)
                        .await
                        .map_err(|e| AppError::from_store("user", e))?;
                    if scope == Scope::Admin && owner.role != "admin" {
                        return Err(AppError::invalid(
                            "scope",
                            "only administrators hold admin tokens",
                        ));
                    }
                    let id = tokens::insert_token(
                        &mut c,
                        user_id,
                        &name,
                        &h,
                        &scope_text,
                        input.expires_at,
                        now,
                    )
                    .await?;
                    let details = serde_json::json!({"user_id": user_id, "name": name, "scope": scope_text, "expires_at": input.expires_at});
                    crate::audit::event(&mut c, who, "token_created", "token", id, details, now).await?;
                    Ok(tokens::get_token(&mut c, id).await?)
                })
            })
            .await?;
        Ok((token, secret))
    }

    /// Your tokens; an admin may list anyone's (or everyone's).
    pub async fn list_tokens(
        &self,
        actor: &Actor,
        user_id: Option<i64>,
    ) -> Result<Vec<tokens::Token>, AppError> {
        let user_id = match user_id {
            Some(u) if u != actor.user_id => {
                actor.require_admin("list other users' tokens")?;
                Some(u)
            }
            None if actor.is_admin() => None,
            _ => Some(actor.user_id),
        };
        Ok(self
            .db
            .read(move |mut c| Box::pin(async move { tokens::list_tokens(&mut c, user_id).await }))
            .await?)
    }

    /// Revoke one of your tokens (an admin: anyone's). Takes effect at once on this node
    /// and within the verification cache's 10 s on others.
    pub async fn revoke_token(
        &self,
        actor: &Actor,
        token_id: i64,
    ) -> Result<tokens::Token, AppError> {
        actor.require_write()?;
        let now = self.now();
        let actor_c = actor.clone();
        let token = self
            .db
            .write(move |mut c| {
                Box::pin(async move {
                    let t = tokens::get_token(&mut c, token_id)
                        .await
                        .map_err(|e| AppError::from_store("token", e))?;
                    let admin = actor_c.is_admin();
                    if t.user_id != actor_c.user_id && !admin {
                        return Err(AppError::NotFound { what: "token" });
                    }
                    tokens::revoke_token(&mut c, token_id, now).await?;
                    let details = serde_json::json!({"user_id": t.user_id, "name": t.name});
                    crate::audit::event(
                        &mut c,
                        actor_c.user_id,
                        "token_revoked",
                        "token",
                        token_id,
                        details,
                        now,
                    )
                    .await?;
                    Ok(tokens::get_token(&mut c, token_id).await?)
                })
            })
            .await?;
        self.forget_verified_tokens();
        Ok(token)
    }

    /// The scheduler's own user (created by a migration), to act on recorded
    /// rules such as auto-close; history then says who really did it.
    pub async fn system_actor(&self) -> Result<Actor, AppError> {
        let u = self
            .db
            .read(|mut c| {
                Box::pin(
                    async move { directory::get_user_by_username(&mut c, SYSTEM_USERNAME).await },
                )
            })
            .await
            .map_err(|e| AppError::from_store("system user", e))?;
        Ok(Actor {
            user_id: u.id,
            role: Role::System,
            organization_id: None,
            team_id: None,
            scope: Scope::Write,
            display_name: u.display_name,
        })
    }

    /// Create a user from the command line (bootstrapping an admin): no actor yet exists.
    pub async fn create_user_bootstrap(&self, fields: UserFields) -> Result<User, AppError> {
        validate_user(&fields)?;
        let now = self.now();
        self.db
            .write(move |mut c| {
                Box::pin(async move { directory::insert_user(&mut c, &fields, now).await })
            })
            .await
            .map_err(|e| AppError::from_store("user", e))
    }

    /// Issue a token for a user; returns the secret, which is not stored.
    pub async fn issue_token(
        &self,
        user_id: i64,
        name: &str,
        scope: &str,
        expires_at: Option<i64>,
    ) -> Result<String, AppError> {
        if Scope::parse(scope).is_none() {
            return Err(AppError::invalid(
                "scope",
                "scope must be read, write or admin",
            ));
        }
        let secret = new_token_secret();
        let (h, name, scope, now) = (hash(&secret), name.to_owned(), scope.to_owned(), self.now());
        self.db
            .write(move |mut c| {
                Box::pin(async move {
                    directory::get_user(&mut c, user_id).await?;
                    tokens::insert_token(&mut c, user_id, &name, &h, &scope, expires_at, now).await
                })
            })
            .await
            .map_err(|e| AppError::from_store("user", e))?;
        Ok(secret)
    }
}

pub(crate) fn validate_user(f: &UserFields) -> Result<(), AppError> {
    let name_ok = !f.username.is_empty()
        && f.username.len() <= 64
        && f.username
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-' | '@'));
    if !name_ok {
        return Err(AppError::invalid(
            "username",
            "1–64 characters: letters, digits, . _ - @",
        ));
    }
    if f.display_name.trim().is_empty() {
        return Err(AppError::invalid("display_name", "must not be empty"));
    }
    let role: Role = f
        .role
        .parse()
        .map_err(|e: fuwu_core::UnknownValue| AppError::invalid("role", e.to_string()))?;
    if role == Role::System {
        return Err(AppError::invalid(
            "role",
            "the system role is reserved for the scheduler",
        ));
    }
    if role.is_customer() && f.organization_id.is_none() {
        return Err(AppError::invalid(
            "organization_id",
            "customer users belong to an organization",
        ));
    }
    Ok(())
}
