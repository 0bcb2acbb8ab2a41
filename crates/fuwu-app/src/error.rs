use fuwu_core::lifecycle::LifecycleError;
use fuwu_store::StoreError;

/// Why a use case refused or failed. The web layer maps each to a status and a stable code.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("authentication required")]
    Unauthenticated,
    /// One answer for a wrong password, an unknown or inactive account: never which.
    #[error("wrong username or password (用户名或密码错误)")]
    LoginFailed,
    #[error(
        "too many failed logins; try again in {retry_after_s} seconds (登录失败次数过多，请稍后再试)"
    )]
    Throttled { retry_after_s: u64 },
    #[error("you may not {0}")]
    Forbidden(&'static str),
    #[error("{what} not found")]
    NotFound { what: &'static str },
    #[error("{field}: {message}")]
    Invalid {
        field: &'static str,
        message: String,
    },
    /// An imported request's event `index` (from 0) is refused.
    #[error("events[{index}]: {message}")]
    InvalidEvent { index: usize, message: String },
    #[error(transparent)]
    Lifecycle(#[from] LifecycleError),
    #[error(
        "the {what} was changed by someone else; reload it and try again (you sent version {expected})"
    )]
    StaleVersion { what: &'static str, expected: i64 },
    #[error("{0}")]
    Conflict(String),
    /// The action is not possible in the current state of the record (a
    /// fault report's review, a request that is not resolved).
    #[error("{0}")]
    InvalidState(String),
    #[error("this Idempotency-Key was already used with a different request body")]
    IdempotencyKeyReused,
    #[error("the upload is larger than the limit of {limit} bytes")]
    TooLarge { limit: usize },
    #[error("{0}")]
    UnsupportedMediaType(String),
    #[error("the database is unavailable")]
    Unavailable(#[source] StoreError),
    #[error("internal error")]
    Internal(#[source] StoreError),
    #[error("internal error")]
    Hashing(#[from] crate::password::HashError),
}

impl AppError {
    /// Whether the database could not be reached (as opposed to a problem
    /// with one record).
    pub fn is_unavailable(&self) -> bool {
        matches!(
            self,
            AppError::Unavailable(_)
                | AppError::Internal(StoreError::Unavailable(_) | StoreError::WriterGone)
        )
    }

    pub fn invalid(field: &'static str, message: impl Into<String>) -> Self {
        AppError::Invalid {
            field,
            message: message.into(),
        }
    }

    /// Map a store error where the missing or conflicting thing is known.
    pub fn from_store(what: &'static str, e: StoreError) -> Self {
        match e {
            StoreError::NotFound => AppError::NotFound { what },
            StoreError::StaleVersion { expected } => AppError::StaleVersion { what, expected },
            // Constraint names describe the schema, not the request: they go
            // to the log for whoever debugs it, never into the client's message.
            StoreError::Conflict { constraint } => {
                tracing::info!(what, constraint, "refused: a unique value is taken");
                AppError::Conflict(format!(
                    "a {what} with the same unique value already exists"
                ))
            }
            StoreError::MissingReference { constraint } => {
                tracing::info!(what, constraint, "refused: a reference to nothing");
                AppError::invalid(
                    "reference",
                    format!("the {what} refers to a record that does not exist"),
                )
            }
            StoreError::Invalid { constraint } => {
                tracing::info!(what, constraint, "refused: a data rule is broken");
                AppError::invalid("value", format!("a value of the {what} breaks a data rule"))
            }
            StoreError::InvalidText => AppError::invalid(
                "text",
                "a text holds the NUL character, which cannot be stored",
            ),
            // A lost conflict reaches here only after the write runner's retries.
            e @ (StoreError::Unavailable(_)
            | StoreError::WriterGone
            | StoreError::Contention(_)) => AppError::Unavailable(e),
            e => AppError::Internal(e),
        }
    }
}

impl From<StoreError> for AppError {
    fn from(e: StoreError) -> Self {
        AppError::from_store("record", e)
    }
}

impl From<fuwu_core::report::ReportTransitionError> for AppError {
    fn from(e: fuwu_core::report::ReportTransitionError) -> Self {
        AppError::InvalidState(e.to_string())
    }
}
