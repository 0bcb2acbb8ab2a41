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

/// How long a verified token is trusted without asking the database again.
const TOKEN_CACHE_MS: i64 = 10_000;

#[derive(Clone, Default)]
pub(crate) struct TokenCache(Arc<Mutex<HashMap<String, (Actor, i64)>>>);

fn hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
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
        let key = hash(token);
        if let Some((actor, until)) = self
            .tokens
            .0
            .lock()
            .map_err(|_| AppError::Unauthenticated)?
            .get(&key)
            && *until > now
        {
            return Ok(actor.clone());
        }
        let k = key.clone();
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
        if let Ok(mut cache) = self.tokens.0.lock() {
            if cache.len() > 10_000 {
                cache.clear();
            }
            cache.insert(key, (actor.clone(), until));
        }
        Ok(actor)
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
