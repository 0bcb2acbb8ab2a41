//! Fuwu's use cases. Every one receives the acting user ([`Actor`]) and checks
//! what that actor may do here — never in the web layer — then loads, calls
//! the pure core with `now`, and stores the result and its history in one
//! transaction.

pub mod access;
pub mod attachments;
mod audit;
pub mod clock;
pub mod directory;
mod error;
mod history;
pub mod identity;
pub mod requests;

pub use access::Actor;
pub use clock::{Clock, ManualClock, SystemClock};
pub use error::AppError;
pub use fuwu_store::directory::Page;

use fuwu_store::Db;
use std::sync::Arc;

/// Limits and defaults of the running service.
#[derive(Debug, Clone)]
pub struct Settings {
    /// Largest attachment accepted, in bytes.
    pub max_attachment_bytes: usize,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            max_attachment_bytes: 20 * 1024 * 1024,
        }
    }
}

/// The application: database, clock and settings, shared by every front end.
#[derive(Clone)]
pub struct App {
    pub db: Db,
    pub clock: Arc<dyn Clock>,
    pub settings: Arc<Settings>,
    pub(crate) tokens: identity::TokenCache,
}

impl App {
    pub fn new(db: Db, clock: Arc<dyn Clock>, settings: Settings) -> App {
        App {
            db,
            clock,
            settings: Arc::new(settings),
            tokens: identity::TokenCache::default(),
        }
    }

    pub fn now(&self) -> i64 {
        self.clock.now().as_millis()
    }
}

/// Clamp a client's page size to 1..=200 (default 50).
pub fn page_limit(requested: Option<i64>) -> i64 {
    requested.unwrap_or(50).clamp(1, 200)
}
