//! Instants are stored as Unix milliseconds and shown as RFC 3339 in UTC.

use serde::Serializer;

pub fn rfc3339(ms: i64) -> String {
    match jiff::Timestamp::from_millisecond(ms) {
        Ok(t) => t.to_string(),
        Err(_) => ms.to_string(),
    }
}

pub fn ms<S: Serializer>(v: &i64, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&rfc3339(*v))
}

pub fn opt_ms<S: Serializer>(v: &Option<i64>, s: S) -> Result<S::Ok, S::Error> {
    match v {
        Some(v) => s.serialize_str(&rfc3339(*v)),
        None => s.serialize_none(),
    }
}

/// A JSON text shown as JSON (an unreadable one as null).
pub fn raw_json<S: Serializer>(v: &str, s: S) -> Result<S::Ok, S::Error> {
    use serde::Serialize;
    serde_json::from_str::<serde_json::Value>(v)
        .unwrap_or(serde_json::Value::Null)
        .serialize(s)
}

/// A list stored as a JSON array in a `text` column, shown as the array.
pub fn json_list<S: Serializer>(v: &str, s: S) -> Result<S::Ok, S::Error> {
    use serde::Serialize;
    serde_json::from_str::<Vec<String>>(v)
        .unwrap_or_default()
        .serialize(s)
}
