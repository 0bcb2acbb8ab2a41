use sqlx::error::ErrorKind;

/// Storage failures, classified by kind (never by the driver's message text).
#[derive(Debug, thiserror::Error)]
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
    #[error("the write could not be committed: the database writer is unavailable")]
    WriterGone,
    #[error("stored data is corrupt: {0}")]
    Corrupt(String),
    #[error("database error: {0}")]
    Database(String),
}

impl From<sqlx::Error> for StoreError {
    fn from(e: sqlx::Error) -> Self {
        match &e {
            sqlx::Error::RowNotFound => StoreError::NotFound,
            sqlx::Error::Database(db) => {
                let constraint = db.constraint().unwrap_or("").to_owned();
                match db.kind() {
                    ErrorKind::UniqueViolation => StoreError::Conflict { constraint },
                    ErrorKind::ForeignKeyViolation => StoreError::MissingReference { constraint },
                    ErrorKind::CheckViolation | ErrorKind::NotNullViolation => {
                        StoreError::Invalid { constraint }
                    }
                    _ => StoreError::Database(e.to_string()),
                }
            }
            sqlx::Error::Io(_)
            | sqlx::Error::PoolTimedOut
            | sqlx::Error::PoolClosed
            | sqlx::Error::Tls(_) => StoreError::Unavailable(e.to_string()),
            sqlx::Error::ColumnDecode { .. } | sqlx::Error::Decode(_) => {
                StoreError::Corrupt(e.to_string())
            }
            _ => StoreError::Database(e.to_string()),
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
