/// Storage failures, classified by kind (never by the driver's message text).
#[derive(Debug, Clone, thiserror::Error)]
pub enum StoreError {
    #[error("not found")]
    NotFound,
    #[error("conflicts with existing data ({constraint})")]
    Conflict { constraint: String },
    #[error("refers to something that does not exist ({constraint})")]
    MissingReference { constraint: String },
    #[error("violates a data rule ({constraint})")]
    Invalid { constraint: String },
    #[error("the record was changed by someone else (expected version {expected})")]
    StaleVersion { expected: i64 },
    #[error("configuration: {0}")]
    Config(String),
    #[error("the database is unavailable: {0}")]
    Unavailable(String),
    /// The database aborted the transaction to resolve contention with another
    /// (PostgreSQL deadlock 40P01, serialization failure 40001): rerunning the
    /// whole transaction is safe, and the write runners do so a few times.
    #[error("the transaction lost a conflict with another and was rolled back: {0}")]
    Contention(String),
    /// A text the database cannot store (PostgreSQL refuses the NUL character:
    /// 22021, 22P05). The web layer refuses such input first; this is the guard.
    #[error("a text holds a character the database cannot store (NUL)")]
    InvalidText,
    #[error("the write could not be committed: the database writer is unavailable")]
    WriterGone,
    #[error("stored data is corrupt: {0}")]
    Corrupt(String),
    #[error("database error: {0}")]
    Database(String),
}

impl StoreError {
    /// Whether rerunning the whole transaction may succeed (a lost deadlock or
    /// serialization conflict: the database rolled it back entirely).
    pub fn is_contention(&self) -> bool {
        matches!(self, StoreError::Contention(_))
    }

    /// Whether this is another call's idempotency key, committed first.
    pub fn is_idempotency_conflict(&self) -> bool {
        matches!(self, StoreError::Conflict { constraint } if constraint.contains("idempotency_keys"))
    }
}

impl From<tokio_postgres::Error> for StoreError {
    fn from(e: tokio_postgres::Error) -> Self {
        use tokio_postgres::error::SqlState;
        if let Some(db) = e.as_db_error() {
            let constraint = db.constraint().unwrap_or("").to_owned();
            let code = db.code();
            // For the log (never sent to a client): the server's own words.
            let cause = format!(
                "{} ({}){}",
                db.message(),
                code.code(),
                db.detail().map(|d| format!(": {d}")).unwrap_or_default()
            );
            return if *code == SqlState::UNIQUE_VIOLATION {
                StoreError::Conflict { constraint }
            } else if *code == SqlState::FOREIGN_KEY_VIOLATION {
                StoreError::MissingReference { constraint }
            } else if *code == SqlState::CHECK_VIOLATION || *code == SqlState::NOT_NULL_VIOLATION {
                StoreError::Invalid { constraint }
            } else if *code == SqlState::T_R_DEADLOCK_DETECTED
                || *code == SqlState::T_R_SERIALIZATION_FAILURE
            {
                StoreError::Contention(cause)
            } else if *code == SqlState::CHARACTER_NOT_IN_REPERTOIRE
                || *code == SqlState::UNTRANSLATABLE_CHARACTER
            {
                StoreError::InvalidText
            } else if code.code().starts_with("08")
                || code.code().starts_with("53")
                || code.code().starts_with("57")
                || *code == SqlState::LOCK_NOT_AVAILABLE
            {
                // Connection exceptions, insufficient resources (too many
                // connections, disk full), operator intervention (shutdown,
                // admin cancel, a statement timeout), a lock timeout.
                StoreError::Unavailable(cause)
            } else {
                StoreError::Database(cause)
            };
        }
        if e.is_closed() {
            return StoreError::Unavailable(e.to_string());
        }
        // Reading a column reports its own failures as corrupt (the row
        // reader); what remains is a value of the wrong type on either side
        // of the wire, or the connection failing.
        let source = std::error::Error::source(&e);
        if source.is_some_and(|s| {
            s.is::<tokio_postgres::types::WrongType>() || s.is::<tokio_postgres::types::WasNull>()
        }) {
            StoreError::Corrupt(e.to_string())
        } else {
            StoreError::Unavailable(e.to_string())
        }
    }
}

impl From<rusqlite::Error> for StoreError {
    fn from(e: rusqlite::Error) -> Self {
        use rusqlite::ffi;
        match &e {
            rusqlite::Error::QueryReturnedNoRows => StoreError::NotFound,
            rusqlite::Error::SqliteFailure(err, message) => {
                // SQLite names what failed only in the message, e.g.
                // "UNIQUE constraint failed: users.username"; the kind comes from the code.
                let constraint = message
                    .as_deref()
                    .and_then(|m| m.split_once("failed: "))
                    .map(|(_, what)| what.to_owned())
                    .unwrap_or_default();
                match err.extended_code {
                    ffi::SQLITE_CONSTRAINT_UNIQUE | ffi::SQLITE_CONSTRAINT_PRIMARYKEY => {
                        StoreError::Conflict { constraint }
                    }
                    ffi::SQLITE_CONSTRAINT_FOREIGNKEY => {
                        StoreError::MissingReference { constraint }
                    }
                    ffi::SQLITE_CONSTRAINT_CHECK | ffi::SQLITE_CONSTRAINT_NOTNULL => {
                        StoreError::Invalid { constraint }
                    }
                    _ => match err.code {
                        ffi::ErrorCode::DatabaseBusy
                        | ffi::ErrorCode::DatabaseLocked
                        | ffi::ErrorCode::CannotOpen
                        | ffi::ErrorCode::SystemIoFailure
                        | ffi::ErrorCode::DiskFull
                        | ffi::ErrorCode::ReadOnly => StoreError::Unavailable(e.to_string()),
                        ffi::ErrorCode::DatabaseCorrupt | ffi::ErrorCode::NotADatabase => {
                            StoreError::Corrupt(e.to_string())
                        }
                        _ => StoreError::Database(e.to_string()),
                    },
                }
            }
            rusqlite::Error::FromSqlConversionFailure(..)
            | rusqlite::Error::IntegralValueOutOfRange(..)
            | rusqlite::Error::Utf8Error(..)
            | rusqlite::Error::InvalidColumnType(..) => StoreError::Corrupt(e.to_string()),
            _ => StoreError::Database(e.to_string()),
        }
    }
}
