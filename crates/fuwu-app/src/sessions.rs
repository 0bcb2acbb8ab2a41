//! Browser logins: password check with throttling, sessions (stored as the
//! SHA-256 of a 32-byte random id; absolute expiry and idle timeout), the
//! CSRF token bound to a session, password change and reset, and the audit
//! of authentication events and denials.
//!
//! The CSRF token of a session is `SHA-256("fuwu-csrf-v1:" ‖ session id)`: only
//! who holds the session id can compute it, every node computes the same, and
//! nothing more is stored.

use crate::access::{Actor, Scope};
use crate::password::{self, PasswordRule, constant_time_eq};
use crate::throttle::Verdict;
use crate::{App, AppError};
use fuwu_core::Role;
use fuwu_store::StoreError;
use fuwu_store::directory::{self, User};
use fuwu_store::sessions::{self as store, Identity, NewSession, SessionOwner};
use rand::RngExt;
use serde_json::json;
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

/// How long a looked-up session is trusted without reading it again.
const SESSION_CACHE_MS: i64 = 10_000;
/// A session's last use is written back at most this often (the idle timeout
/// is therefore exact to within this much).
const TOUCH_MS: i64 = 60_000;
/// The provider name of password logins in `user_identities`.
pub const PASSWORD_PROVIDER: &str = "password";

/// Sessions looked up recently: id hash → (owner, trusted until).
#[derive(Clone, Default)]
pub(crate) struct SessionCache(Arc<Mutex<HashMap<String, (SessionOwner, i64)>>>);

/// A new session: the secret for the cookie, shown only to the browser.
#[derive(Debug)]
pub struct LoggedIn {
    pub session_id: String,
    pub csrf_token: String,
    pub expires_at: i64,
    pub user: User,
}

/// The session a request came with.
#[derive(Debug, Clone)]
pub struct SessionInfo {
    pub id_hash: String,
    pub csrf_token: String,
    pub expires_at: i64,
}

impl SessionInfo {
    /// Whether `given` is this session's CSRF token (compared in constant time).
    pub fn csrf_matches(&self, given: &str) -> bool {
        constant_time_eq(given.trim().as_bytes(), self.csrf_token.as_bytes())
    }
}

/// Who tries to log in, from where.
#[derive(Debug, Clone)]
pub struct LoginAttempt {
    pub login: String,
    pub password: String,
    pub client_addr: String,
    pub user_agent: String,
}

fn sha256_hex(s: &str) -> String {
    hex::encode(Sha256::digest(s.as_bytes()))
}

/// The CSRF token bound to a session id.
pub fn csrf_token_for(session_id: &str) -> String {
    sha256_hex(&format!("fuwu-csrf-v1:{session_id}"))
}

/// A session id as the cookie carries it: 64 lower-case hex digits.
fn well_formed(session_id: &str) -> bool {
    session_id.len() == 64
        && session_id
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

fn truncate(s: &str, max: usize) -> String {
    s.chars().take(max).collect()
}

fn rule_error(field: &'static str, e: PasswordRule) -> AppError {
    AppError::invalid(field, e.to_string())
}

/// Hash on a blocking thread: Argon2 takes tens of milliseconds of CPU.
async fn hash_blocking(password: String) -> Result<String, AppError> {
    tokio::task::spawn_blocking(move || password::hash_password(&password))
        .await
        .map_err(|e| AppError::Hashing(password::HashError(e.to_string())))?
        .map_err(AppError::from)
}

async fn verify_blocking(password: String, stored: Option<String>) -> bool {
    tokio::task::spawn_blocking(move || {
        let real = stored.is_some();
        let hash = stored.unwrap_or_else(|| password::dummy_hash().to_owned());
        password::verify_password(&password, &hash) && real
    })
    .await
    .unwrap_or(false)
}

impl App {
    fn session_actor(o: &SessionOwner) -> Option<Actor> {
        let role: Role = o.role.parse().ok()?;
        if role == Role::System || !o.active {
            return None;
        }
        Some(Actor {
            user_id: o.user_id,
            role,
            organization_id: o.organization_id,
            team_id: o.team_id,
            scope: if role == Role::Admin {
                Scope::Admin
            } else {
                Scope::Write
            },
            display_name: o.display_name.clone(),
        })
    }

    /// Forget every cached session, so an ended session stops working at once on this node.
    pub(crate) fn forget_sessions(&self) {
        if let Ok(mut m) = self.sessions.0.lock() {
            m.clear();
        }
    }

    async fn user_by_username(&self, username: String) -> Result<Option<User>, AppError> {
        let found = self
            .db
            .read(move |mut c| {
                Box::pin(async move { directory::get_user_by_username(&mut c, &username).await })
            })
            .await;
        match found {
            Ok(u) => Ok(Some(u)),
            Err(StoreError::NotFound) => Ok(None),
            Err(e) => Err(AppError::from_store("user", e)),
        }
    }

    /// Write one security event in its own transaction.
    async fn security_event(
        &self,
        who: i64,
        kind: &'static str,
        object: (&'static str, i64),
        details: serde_json::Value,
    ) -> Result<(), AppError> {
        let now = self.now();
        self.db
            .write(move |mut c| {
                Box::pin(async move {
                    crate::audit::event(&mut c, who, kind, object.0, object.1, details, now).await
                })
            })
            .await
            .map_err(AppError::from)
    }

    /// Ask the throttle; a refusal is audited (once per window and key) and answered 429.
    async fn throttle_check(&self, account: &str, addr: &str) -> Result<(), AppError> {
        let now = self.now();
        let verdict = self
            .throttle
            .lock()
            .map_or(Verdict::Allowed, |mut t| t.check(account, addr, now));
        match verdict {
            Verdict::Allowed => Ok(()),
            Verdict::Blocked {
                retry_after_ms,
                report,
            } => {
                if report {
                    let details = json!({"login": account, "client_addr": addr});
                    self.security_event(0, "login_throttled", ("login", 0), details)
                        .await?;
                }
                Err(AppError::Throttled {
                    retry_after_s: (retry_after_ms as u64).div_ceil(1000),
                })
            }
        }
    }

    fn throttle_failed(&self, account: &str, addr: &str) {
        let now = self.now();
        if let Ok(mut t) = self.throttle.lock() {
            t.failed(account, addr, now);
        }
    }

    /// Check a login and password and open a session. Wrong password, unknown
    /// account, inactive account and no password get the same answer, after
    /// about the same work; too many failures get [`AppError::Throttled`].
    pub async fn login(&self, a: LoginAttempt) -> Result<LoggedIn, AppError> {
        let login = truncate(a.login.trim(), 128);
        let addr = truncate(&a.client_addr, 64);
        let agent = truncate(&a.user_agent, 512);
        self.throttle_check(&login, &addr).await?;
        // No account's name holds the NUL character (and PostgreSQL cannot
        // compare one): such a login fails unverified, but like any other
        // failure it counts towards the throttle and is audited, its name
        // as JSON escapes it.
        let nul_in = [("login", &login), ("password", &a.password)]
            .into_iter()
            .find(|(_, text)| text.contains('\0'));
        if let Some((field, _)) = nul_in {
            self.throttle_failed(&login, &addr);
            let details = json!({"login": login, "reason": "nul_character", "client_addr": addr, "user_agent": agent});
            self.security_event(0, "login_failed", ("login", 0), details)
                .await?;
            return Err(AppError::invalid(
                field,
                "must not contain the NUL character",
            ));
        }
        let user = if login.is_empty() {
            None
        } else {
            self.user_by_username(login.clone()).await?
        };
        let stored = user.as_ref().and_then(|u| u.password_hash.clone());
        let password = a.password;
        let password_ok = verify_blocking(password.clone(), stored.clone()).await;
        let reason = match &user {
            None => Some("unknown_account"),
            Some(_) if stored.is_none() => Some("no_password"),
            Some(_) if !password_ok => Some("wrong_password"),
            Some(u) if !u.active || u.role == Role::System.as_str() => Some("inactive"),
            Some(_) => None,
        };
        if let Some(reason) = reason {
            self.throttle_failed(&login, &addr);
            let details =
                json!({"login": login, "reason": reason, "client_addr": addr, "user_agent": agent});
            let (who, object) = user
                .as_ref()
                .map_or((0, ("login", 0)), |u| (u.id, ("user", u.id)));
            self.security_event(who, "login_failed", object, details)
                .await?;
            return Err(AppError::LoginFailed);
        }
        let Some(user) = user else {
            return Err(AppError::LoginFailed);
        };
        if let Ok(mut t) = self.throttle.lock() {
            t.succeeded(&login);
        }
        // A hash made under other Argon2 parameters is replaced by a current
        // one, now that the password is at hand.
        // A failure to hash costs the upgrade, never the login.
        let rehash = match stored.filter(|h| password::needs_rehash(h)) {
            Some(old) => match hash_blocking(password).await {
                Ok(new) => Some((old, new)),
                Err(e) => {
                    tracing::warn!(error = %e, user = user.id, "could not rehash a password");
                    None
                }
            },
            None => None,
        };
        let bytes: [u8; 32] = rand::rng().random();
        let session_id = hex::encode(bytes);
        let id_hash = sha256_hex(&session_id);
        let now = self.now();
        let expires_at = now + self.settings.session_max_age_ms;
        let idle_before = now - self.settings.session_idle_ms;
        let user_id = user.id;
        self.db
            .write(move |mut c| {
                Box::pin(async move {
                    let rehashed = match &rehash {
                        Some((old, new)) => {
                            store::replace_password_hash(&mut c, user_id, old, new).await?
                        }
                        None => false,
                    };
                    store::delete_stale_sessions(&mut c, now, idle_before).await?;
                    store::insert_session(
                        &mut c,
                        &NewSession {
                            id_hash: &id_hash,
                            user_id,
                            now,
                            expires_at,
                            client_addr: &addr,
                            user_agent: &agent,
                        },
                    )
                    .await?;
                    let mut details = json!({"client_addr": addr, "user_agent": agent, "session": &id_hash[..12]});
                    if rehashed {
                        details["password_rehashed"] = json!(true);
                    }
                    crate::audit::event(
                        &mut c,
                        user_id,
                        "login_succeeded",
                        "user",
                        user_id,
                        details,
                        now,
                    )
                    .await
                })
            })
            .await
            .map_err(AppError::from)?;
        Ok(LoggedIn {
            csrf_token: csrf_token_for(&session_id),
            session_id,
            expires_at,
            user,
        })
    }

    /// Who holds this session cookie, if the session is valid now. Records its
    /// use (at most once a minute) for the idle timeout.
    pub async fn authenticate_session(
        &self,
        session_id: &str,
    ) -> Result<(Actor, SessionInfo), AppError> {
        if !well_formed(session_id) {
            return Err(AppError::Unauthenticated);
        }
        let now = self.now();
        let id_hash = sha256_hex(session_id);
        let cached = self.sessions.0.lock().ok().and_then(|m| {
            m.get(&id_hash)
                .filter(|(_, until)| *until > now)
                .map(|(o, _)| o.clone())
        });
        let mut owner = match cached {
            Some(o) => o,
            None => {
                let h = id_hash.clone();
                let found = self
                    .db
                    .read(move |mut c| {
                        Box::pin(async move { store::find_session(&mut c, &h).await })
                    })
                    .await
                    .map_err(|e| AppError::from_store("session", e))?;
                found.ok_or(AppError::Unauthenticated)?
            }
        };
        let actor = Self::session_actor(&owner);
        let alive = owner.expires_at > now
            && owner.last_seen_at > now - self.settings.session_idle_ms
            && actor.is_some();
        let Some(actor) = actor.filter(|_| alive) else {
            self.end_session_quietly(&id_hash).await;
            return Err(AppError::Unauthenticated);
        };
        if now - owner.last_seen_at >= TOUCH_MS {
            let h = id_hash.clone();
            self.db
                .write(move |mut c| {
                    Box::pin(async move { store::touch_session(&mut c, &h, now).await })
                })
                .await
                .map_err(AppError::from)?;
            owner.last_seen_at = now;
        }
        let expires_at = owner.expires_at;
        if let Ok(mut m) = self.sessions.0.lock() {
            if m.len() > 10_000 {
                m.clear();
            }
            m.insert(id_hash.clone(), (owner, now + SESSION_CACHE_MS));
        }
        Ok((
            actor,
            SessionInfo {
                id_hash,
                csrf_token: csrf_token_for(session_id),
                expires_at,
            },
        ))
    }

    /// Housekeeping, run periodically by `fuwu serve`: delete the sessions
    /// past their absolute expiry or idle longer than the idle timeout (they
    /// can no longer be used, but would stay in the table), drop cached
    /// sessions no longer trusted, and forget throttle keys whose failures
    /// left the window. Returns how many sessions were deleted.
    pub async fn clean_sessions(&self) -> Result<u64, AppError> {
        let now = self.now();
        let idle_before = now - self.settings.session_idle_ms;
        let deleted = self
            .db
            .write(move |mut c| {
                Box::pin(
                    async move { store::delete_stale_sessions(&mut c, now, idle_before).await },
                )
            })
            .await
            .map_err(AppError::from)?;
        if let Ok(mut m) = self.sessions.0.lock() {
            m.retain(|_, (_, until)| *until > now);
        }
        if let Ok(mut t) = self.throttle.lock() {
            t.prune(now);
        }
        Ok(deleted)
    }

    /// Remove an expired or orphaned session; failing to is harmless (it cannot be used).
    async fn end_session_quietly(&self, id_hash: &str) {
        if let Ok(mut m) = self.sessions.0.lock() {
            m.remove(id_hash);
        }
        let h = id_hash.to_owned();
        let gone = self
            .db
            .write(move |mut c| {
                Box::pin(async move { store::delete_session(&mut c, &h).await.map(|_| ()) })
            })
            .await;
        if let Err(e) = gone {
            tracing::warn!(error = %e, "could not delete an ended session");
        }
    }

    /// End the caller's session (logout): at once on every node.
    pub async fn logout(&self, actor: &Actor, session: &SessionInfo) -> Result<(), AppError> {
        if let Ok(mut m) = self.sessions.0.lock() {
            m.remove(&session.id_hash);
        }
        let (h, who, now) = (session.id_hash.clone(), actor.user_id, self.now());
        self.db
            .write(move |mut c| {
                Box::pin(async move {
                    store::delete_session(&mut c, &h).await?;
                    let details = json!({"session": &h[..12]});
                    crate::audit::event(&mut c, who, "logout", "user", who, details, now).await
                })
            })
            .await
            .map_err(AppError::from)
    }

    /// Set a user's password hash, link the password identity, end the user's
    /// sessions (but `keep`) and audit `kind`, in one transaction.
    async fn store_password(
        &self,
        who: i64,
        user_id: i64,
        new_password: String,
        keep: Option<String>,
        kind: &'static str,
    ) -> Result<u64, AppError> {
        let hash = hash_blocking(new_password).await?;
        let now = self.now();
        let ended = self
            .db
            .write(move |mut c| {
                Box::pin(async move {
                    store::set_password_hash(&mut c, user_id, &hash, now).await?;
                    store::link_identity(
                        &mut c,
                        user_id,
                        PASSWORD_PROVIDER,
                        &user_id.to_string(),
                        now,
                    )
                    .await?;
                    let ended =
                        store::delete_user_sessions(&mut c, user_id, keep.as_deref()).await?;
                    let details = json!({"sessions_ended": ended});
                    crate::audit::event(&mut c, who, kind, "user", user_id, details, now).await?;
                    Ok::<_, StoreError>(ended)
                })
            })
            .await
            .map_err(|e| AppError::from_store("user", e))?;
        self.forget_sessions();
        Ok(ended)
    }

    /// Change your own password: the current one is required (and failures
    /// count towards the login throttle). Your other sessions end; the one
    /// asking, if any, stays.
    pub async fn change_own_password(
        &self,
        actor: &Actor,
        session: Option<&SessionInfo>,
        client_addr: &str,
        current: String,
        new_password: String,
    ) -> Result<(), AppError> {
        actor.require_write()?;
        let id = actor.user_id;
        let user = self
            .db
            .read(move |mut c| Box::pin(async move { directory::get_user(&mut c, id).await }))
            .await
            .map_err(|e| AppError::from_store("user", e))?;
        self.throttle_check(&user.username, client_addr).await?;
        if !verify_blocking(current, user.password_hash.clone()).await {
            self.throttle_failed(&user.username, client_addr);
            let details = json!({"reason": "wrong_current_password", "client_addr": client_addr});
            self.security_event(id, "password_change_failed", ("user", id), details)
                .await?;
            return Err(AppError::invalid(
                "current_password",
                "is not your current password",
            ));
        }
        password::check_new_password(&new_password, &user.username)
            .map_err(|e| rule_error("new_password", e))?;
        let keep = session.map(|s| s.id_hash.clone());
        self.store_password(id, id, new_password, keep, "password_changed")
            .await?;
        Ok(())
    }

    /// An administrator sets a user's password; all of that user's sessions end.
    pub async fn reset_password(
        &self,
        actor: &Actor,
        user_id: i64,
        new_password: String,
    ) -> Result<u64, AppError> {
        actor.require_write()?;
        actor.require_admin("reset passwords")?;
        let user = self
            .db
            .read(move |mut c| Box::pin(async move { directory::get_user(&mut c, user_id).await }))
            .await
            .map_err(|e| AppError::from_store("user", e))?;
        if user.role == Role::System.as_str() {
            return Err(AppError::invalid("user", "the system user never logs in"));
        }
        password::check_new_password(&new_password, &user.username)
            .map_err(|e| rule_error("new_password", e))?;
        self.store_password(actor.user_id, user_id, new_password, None, "password_reset")
            .await
    }

    /// Set a password from the command line (the operator, actor 0).
    pub async fn set_password_bootstrap(
        &self,
        user_id: i64,
        new_password: String,
    ) -> Result<(), AppError> {
        self.reset_password(&Actor::operator(), user_id, new_password)
            .await
            .map(|_| ())
    }

    /// The acting user's record and the ways they can sign in.
    pub async fn me(&self, actor: &Actor) -> Result<(User, Vec<Identity>), AppError> {
        let id = actor.user_id;
        self.db
            .read(move |mut c| {
                Box::pin(async move {
                    let u = directory::get_user(&mut c, id).await?;
                    let ids = store::list_identities(&mut c, id).await?;
                    Ok::<_, StoreError>((u, ids))
                })
            })
            .await
            .map_err(|e| AppError::from_store("user", e))
    }

    /// Record that the app layer refused an authenticated caller (a 403).
    pub async fn record_denial(
        &self,
        actor_id: i64,
        method: &str,
        path: &str,
        code: &str,
        message: &str,
    ) -> Result<(), AppError> {
        let details = json!({"method": method, "path": truncate(path, 256), "code": code, "message": message});
        self.security_event(actor_id, "access_denied", ("user", actor_id), details)
            .await
    }
}
