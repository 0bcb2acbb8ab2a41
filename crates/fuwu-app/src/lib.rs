//! Fuwu's use cases. Every one receives the acting user ([`Actor`]) and checks
//! what that actor may do here — never in the web layer — then loads, calls
//! the pure core with `now`, and stores the result and its history in one
//! transaction.

pub mod access;
pub mod attachments;
mod audit;
mod auto_close;
pub mod calendars;
pub mod clock;
pub mod dashboard;
pub mod directory;
pub mod entitlement;
mod error;
mod history;
pub mod identity;
pub mod import;
pub mod knowledge;
mod paging;
pub mod password;
pub mod proxies;
pub mod reports;
mod request_access;
pub mod requests;
pub mod search;
pub mod sessions;
pub mod sla;
pub mod throttle;

pub use access::Actor;
pub use clock::{Clock, ManualClock, SystemClock};
pub use error::AppError;
pub use fuwu_store::directory::Page;
pub use paging::page_limit;

use fuwu_store::Db;
use std::sync::Arc;

/// Limits and defaults of the running service.
#[derive(Debug, Clone)]
pub struct Settings {
    /// Largest attachment accepted, in bytes.
    pub max_attachment_bytes: usize,
    /// A browser session ends this long after login, however active (absolute expiry).
    pub session_max_age_ms: i64,
    /// A browser session ends after this long without a request (idle timeout).
    pub session_idle_ms: i64,
    /// Mark the session cookie `Secure` (served over HTTPS, directly or behind a proxy).
    pub cookie_secure: bool,
    /// Failed-login limits (kept in memory on each node).
    pub login_throttle: throttle::ThrottleLimits,
    /// Reverse proxies whose `X-Forwarded-For` names the client (none by default).
    pub trusted_proxies: proxies::TrustedProxies,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            max_attachment_bytes: 20 * 1024 * 1024,
            session_max_age_ms: 12 * 3_600_000,
            session_idle_ms: 2 * 3_600_000,
            cookie_secure: false,
            login_throttle: throttle::ThrottleLimits::default(),
            trusted_proxies: proxies::TrustedProxies::default(),
        }
    }
}

/// The application: database, clock and settings, shared by every front end.
/// A handle: every HTTP request clones it (axum's `State`), so a clone is
/// one reference count, not one per part.
#[derive(Clone)]
pub struct App(Arc<Parts>);

/// What an [`App`] holds.
pub struct Parts {
    pub db: Db,
    pub clock: Arc<dyn Clock>,
    pub settings: Arc<Settings>,
    pub(crate) tokens: identity::TokenCache,
    pub(crate) sessions: sessions::SessionCache,
    pub(crate) throttle: Arc<std::sync::Mutex<throttle::Throttle>>,
    /// Parsed SLA policies by contract policy id (None: the default), kept 10 s.
    pub(crate) policies: sla::PolicyCache,
    /// The built-in calendars with administrators' years, kept 10 s.
    pub(crate) builtins: calendars::BuiltinCache,
    /// The clocks the last SLA scan could not handle, for the dashboard.
    pub(crate) scan_problems: Arc<std::sync::Mutex<Vec<sla::ScanProblem>>>,
    /// The staff dashboard's latest counts, shared by every viewer of a period.
    pub(crate) dashboards: dashboard::DashboardCache,
}

impl App {
    pub fn new(db: Db, clock: Arc<dyn Clock>, settings: Settings) -> App {
        let throttle = throttle::Throttle::new(settings.login_throttle);
        App(Arc::new(Parts {
            db,
            clock,
            settings: Arc::new(settings),
            tokens: identity::TokenCache::default(),
            sessions: sessions::SessionCache::default(),
            throttle: Arc::new(std::sync::Mutex::new(throttle)),
            policies: sla::PolicyCache::default(),
            builtins: calendars::BuiltinCache::default(),
            scan_problems: Arc::default(),
            dashboards: dashboard::DashboardCache::default(),
        }))
    }

    pub fn now(&self) -> i64 {
        self.clock.now().as_millis()
    }
}

impl std::ops::Deref for App {
    type Target = Parts;
    fn deref(&self) -> &Parts {
        &self.0
    }
}

/// How often a server indexes the requests queued for full-text search in
/// the background (searches drain the queue themselves before they query).
pub const INDEX_EVERY: std::time::Duration = std::time::Duration::from_secs(2);
