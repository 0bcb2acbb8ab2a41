//! The store's own small query layer: one SQL text (with `$1…$n`
//! placeholders) and one list of arguments run on either engine, and rows
//! decode into the same Rust types.
//!
//! SQLite runs in-process through `rusqlite`, synchronously, on the thread
//! that polls the future: a point read costs microseconds, and a thread hop
//! per statement (what an async SQLite driver pays) would cost more than the
//! query. PostgreSQL runs through `tokio-postgres` over the network,
//! asynchronously, with statements prepared once per connection.

use crate::pg::PgConn;
use crate::{Conn, StoreError};
use bytes::BytesMut;
use rusqlite::types::ValueRef;
use std::borrow::Cow;
use std::future::Future;
use tokio_postgres::Row as PgRow;
use tokio_postgres::types::{IsNull, ToSql, Type};

/// One argument. Nulls are typed so that PostgreSQL knows each parameter's type.
#[derive(Debug, Clone, Copy)]
pub enum Value<'a> {
    I64(Option<i64>),
    Bool(Option<bool>),
    Text(Option<&'a str>),
    Bytes(Option<&'a [u8]>),
}

macro_rules! value_from {
    ($($t:ty => |$v:ident| $e:expr;)*) => {
        $(impl<'a> From<$t> for Value<'a> {
            fn from($v: $t) -> Self { $e }
        })*
    };
}

value_from! {
    i64 => |v| Value::I64(Some(v));
    Option<i64> => |v| Value::I64(v);
    &'a i64 => |v| Value::I64(Some(*v));
    &'a Option<i64> => |v| Value::I64(*v);
    bool => |v| Value::Bool(Some(v));
    Option<bool> => |v| Value::Bool(v);
    &'a str => |v| Value::Text(Some(v));
    &'a String => |v| Value::Text(Some(v.as_str()));
    Option<&'a str> => |v| Value::Text(v);
    &'a Option<String> => |v| Value::Text(v.as_deref());
    &'a [u8] => |v| Value::Bytes(Some(v));
    &'a Vec<u8> => |v| Value::Bytes(Some(v.as_slice()));
}

/// A statement and its arguments.
#[derive(Debug, Clone)]
pub struct Query<'a> {
    sql: Cow<'a, str>,
    args: Vec<Value<'a>>,
    prepared: bool,
}

/// A statement with a fixed text: prepared once per connection and reused.
pub fn query(sql: &str) -> Query<'_> {
    Query {
        sql: Cow::Borrowed(sql),
        args: Vec::new(),
        prepared: true,
    }
}

/// A statement whose text is built at run time.
pub fn query_owned<'a>(sql: String) -> Query<'a> {
    Query {
        sql: Cow::Owned(sql),
        args: Vec::new(),
        prepared: true,
    }
}

impl<'a> Query<'a> {
    pub fn bind(mut self, v: impl Into<Value<'a>>) -> Self {
        self.args.push(v.into());
        self
    }

    pub fn push(&mut self, v: impl Into<Value<'a>>) {
        self.args.push(v.into());
    }

    /// Plan this statement for its actual arguments each time, instead of
    /// keeping a prepared plan: PostgreSQL would settle on a generic plan that
    /// ignores how selective a list's filter values are.
    pub fn unprepared(mut self) -> Self {
        self.prepared = false;
        self
    }

    pub fn sql(&self) -> &str {
        &self.sql
    }
}

/// `($1, …, $width), ($width+1, …), …` for `rows` rows.
/// A text as an SQL string literal, the same on both engines (a quote is
/// doubled). For the few places that spell fixed vocabulary values into the
/// SQL text so the planner sees them; everything a user typed is bound.
pub(crate) fn text_literal(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}

pub(crate) fn rows_of_placeholders(rows: usize, width: usize) -> String {
    let mut s = String::with_capacity(rows * width * 5);
    for i in 0..rows {
        if i > 0 {
            s.push_str(", ");
        }
        s.push('(');
        for j in 0..width {
            if j > 0 {
                s.push_str(", ");
            }
            s.push('$');
            s.push_str(&(i * width + j + 1).to_string());
        }
        s.push(')');
    }
    s
}

// ---------------------------------------------------------------- decoding

/// A column value that can be read from either engine.
pub trait Decode: Sized {
    fn from_sqlite(v: ValueRef<'_>) -> Result<Self, String>;
    fn from_pg(row: &PgRow, index: usize) -> Result<Self, tokio_postgres::Error>;
}

fn sqlite_type_error(expected: &str, v: ValueRef<'_>) -> String {
    format!("expected {expected}, found {:?}", v.data_type())
}

macro_rules! decode {
    ($t:ty, $name:literal, |$v:ident| $sqlite:expr) => {
        impl Decode for $t {
            fn from_sqlite($v: ValueRef<'_>) -> Result<Self, String> {
                $sqlite.ok_or_else(|| sqlite_type_error($name, $v))
            }
            fn from_pg(row: &PgRow, index: usize) -> Result<Self, tokio_postgres::Error> {
                row.try_get::<_, $t>(index)
            }
        }
        impl Decode for Option<$t> {
            fn from_sqlite(v: ValueRef<'_>) -> Result<Self, String> {
                match v {
                    ValueRef::Null => Ok(None),
                    other => <$t>::from_sqlite(other).map(Some),
                }
            }
            fn from_pg(row: &PgRow, index: usize) -> Result<Self, tokio_postgres::Error> {
                row.try_get::<_, Option<$t>>(index)
            }
        }
    };
}

decode!(i64, "an integer", |v| match v {
    ValueRef::Integer(i) => Some(i),
    _ => None,
});
decode!(bool, "a boolean", |v| match v {
    ValueRef::Integer(i) => Some(i != 0),
    _ => None,
});
decode!(f64, "a number", |v| match v {
    ValueRef::Real(f) => Some(f),
    ValueRef::Integer(i) => Some(i as f64),
    _ => None,
});
decode!(String, "text", |v| match v {
    ValueRef::Text(t) => std::str::from_utf8(t).ok().map(str::to_owned),
    _ => None,
});
decode!(Vec<u8>, "bytes", |v| match v {
    ValueRef::Blob(b) => Some(b.to_vec()),
    ValueRef::Text(t) => Some(t.to_vec()),
    _ => None,
});

/// Reads one row's values in field order.
pub trait RowReader {
    fn next<T: Decode>(&mut self) -> Result<T, StoreError>;
}

/// A type built from a row. Structs name their columns (matched by name, in
/// any order); tuples take the columns as they come.
pub trait FromRow: Sized {
    /// Column names in field order; empty for positional types.
    const COLUMNS: &'static [&'static str];
    fn from_row(r: &mut impl RowReader) -> Result<Self, StoreError>;
}

/// `from_row!(Type { field, … })`: decode a struct whose fields are named like its columns.
#[macro_export]
macro_rules! from_row {
    ($t:ident { $($field:ident),* $(,)? }) => {
        impl $crate::sql::FromRow for $t {
            const COLUMNS: &'static [&'static str] = &[$(stringify!($field)),*];
            fn from_row(r: &mut impl $crate::sql::RowReader) -> Result<Self, $crate::StoreError> {
                Ok($t { $($field: r.next()?),* })
            }
        }
    };
}

macro_rules! tuple_from_row {
    ($($t:ident),+) => {
        impl<$($t: Decode),+> FromRow for ($($t,)+) {
            const COLUMNS: &'static [&'static str] = &[];
            fn from_row(r: &mut impl RowReader) -> Result<Self, StoreError> {
                Ok(($(r.next::<$t>()?,)+))
            }
        }
    };
}
tuple_from_row!(A);
tuple_from_row!(A, B);
tuple_from_row!(A, B, C);
tuple_from_row!(A, B, C, D);

/// For each of `T`'s fields, the index of its column in the result.
fn column_map<T: FromRow>(names: &[&str]) -> Result<Vec<usize>, StoreError> {
    if T::COLUMNS.is_empty() {
        return Ok((0..names.len()).collect());
    }
    T::COLUMNS
        .iter()
        .enumerate()
        .map(|(k, want)| {
            // `select *` usually lists columns in field order: try that position first.
            if names.get(k) == Some(want) {
                return Ok(k);
            }
            names
                .iter()
                .position(|n| n == want)
                .ok_or_else(|| StoreError::Corrupt(format!("the result has no column `{want}`")))
        })
        .collect()
}

/// Walks the fields of one row: the column of field `k` is `map[k]`.
struct Fields<'r> {
    map: &'r [usize],
    k: usize,
}

impl Fields<'_> {
    fn next_column(&mut self) -> Result<usize, StoreError> {
        let index = *self
            .map
            .get(self.k)
            .ok_or_else(|| StoreError::Corrupt("more fields than columns".into()))?;
        self.k += 1;
        Ok(index)
    }
}

struct SqliteReader<'r, 's> {
    row: &'r rusqlite::Row<'s>,
    fields: Fields<'r>,
}

impl RowReader for SqliteReader<'_, '_> {
    fn next<T: Decode>(&mut self) -> Result<T, StoreError> {
        let index = self.fields.next_column()?;
        let v = self.row.get_ref(index).map_err(StoreError::from)?;
        T::from_sqlite(v).map_err(|e| StoreError::Corrupt(format!("column {index}: {e}")))
    }
}

struct PgReader<'r> {
    row: &'r PgRow,
    fields: Fields<'r>,
}

impl RowReader for PgReader<'_> {
    fn next<T: Decode>(&mut self) -> Result<T, StoreError> {
        let index = self.fields.next_column()?;
        T::from_pg(self.row, index).map_err(|e| StoreError::Corrupt(format!("column {index}: {e}")))
    }
}

// ---------------------------------------------------------------- running

fn sqlite_param<'v>(v: &Value<'v>) -> rusqlite::types::ToSqlOutput<'v> {
    use rusqlite::types::{ToSqlOutput, Value as Owned};
    match *v {
        Value::I64(Some(i)) => ToSqlOutput::Borrowed(ValueRef::Integer(i)),
        Value::Bool(Some(b)) => ToSqlOutput::Borrowed(ValueRef::Integer(b as i64)),
        Value::Text(Some(s)) => ToSqlOutput::Borrowed(ValueRef::Text(s.as_bytes())),
        Value::Bytes(Some(b)) => ToSqlOutput::Borrowed(ValueRef::Blob(b)),
        Value::I64(None) | Value::Bool(None) | Value::Text(None) | Value::Bytes(None) => {
            ToSqlOutput::Owned(Owned::Null)
        }
    }
}

/// The statement with PostgreSQL's `$n` placeholders spelled as SQLite's `?n`:
/// SQLite reads `$1` as a *named* parameter and numbers names by first
/// appearance, which would bind `set a = $3 … where id = $1` wrongly.
fn sqlite_sql(sql: &str) -> Cow<'_, str> {
    let bytes = sql.as_bytes();
    let special = |b: &u8| *b == b'$' || *b == b'\'';
    let Some(mut i) = bytes.iter().position(special) else {
        return Cow::Borrowed(sql);
    };
    // Work on bytes: `$`, `?` and `'` are ASCII, so every other byte (UTF-8
    // included) is copied as is, a run between two special bytes at a time.
    let mut out = Vec::with_capacity(bytes.len());
    let (mut copied, mut in_literal) = (0, false);
    loop {
        if bytes[i] == b'\'' {
            in_literal = !in_literal;
        } else if !in_literal && bytes.get(i + 1).is_some_and(u8::is_ascii_digit) {
            out.extend_from_slice(&bytes[copied..i]);
            out.push(b'?');
            copied = i + 1;
        }
        match bytes[i + 1..].iter().position(special) {
            Some(k) => i += 1 + k,
            None => break,
        }
    }
    out.extend_from_slice(&bytes[copied..]);
    match String::from_utf8(out) {
        Ok(s) => Cow::Owned(s),
        // Unreachable: only ASCII bytes were replaced by ASCII bytes.
        Err(_) => Cow::Borrowed(sql),
    }
}

fn with_sqlite_statement<R>(
    c: &rusqlite::Connection,
    q: &Query<'_>,
    run: impl FnOnce(&mut rusqlite::Statement<'_>) -> Result<R, StoreError>,
) -> Result<R, StoreError> {
    let bind = |st: &mut rusqlite::Statement<'_>| -> Result<(), StoreError> {
        for (i, v) in q.args.iter().enumerate() {
            st.raw_bind_parameter(i + 1, sqlite_param(v))?;
        }
        Ok(())
    };
    let sql = sqlite_sql(&q.sql);
    if q.prepared {
        let mut st = c.prepare_cached(&sql)?;
        bind(&mut st)?;
        run(&mut st)
    } else {
        let mut st = c.prepare(&sql)?;
        bind(&mut st)?;
        run(&mut st)
    }
}

fn sqlite_fetch<T: FromRow>(
    c: &rusqlite::Connection,
    q: &Query<'_>,
    at_most: usize,
) -> Result<Vec<T>, StoreError> {
    with_sqlite_statement(c, q, |st| {
        // Positional types need no names (reading them costs a UTF-8 check each).
        let map = if T::COLUMNS.is_empty() {
            (0..st.column_count()).collect()
        } else {
            column_map::<T>(&st.column_names().collect::<Vec<_>>())?
        };
        let mut rows = st.raw_query();
        let mut out = Vec::new();
        while out.len() < at_most {
            let Some(row) = rows.next()? else { break };
            let mut reader = SqliteReader {
                row,
                fields: Fields { map: &map, k: 0 },
            };
            out.push(T::from_row(&mut reader)?);
        }
        // A statement with side effects (INSERT … RETURNING) must run to its end.
        if out.len() == at_most {
            while rows.next()?.is_some() {}
        }
        Ok(out)
    })
}

impl Value<'_> {
    fn pg_type(&self) -> Type {
        match self {
            Value::I64(_) => Type::INT8,
            Value::Bool(_) => Type::BOOL,
            Value::Text(_) => Type::TEXT,
            Value::Bytes(_) => Type::BYTEA,
        }
    }
}

type ToSqlResult = Result<IsNull, Box<dyn std::error::Error + Sync + Send>>;

impl ToSql for Value<'_> {
    fn to_sql(&self, ty: &Type, out: &mut BytesMut) -> ToSqlResult {
        match *self {
            Value::I64(v) => v.to_sql(ty, out),
            Value::Bool(v) => v.to_sql(ty, out),
            Value::Text(v) => v.to_sql(ty, out),
            Value::Bytes(v) => v.to_sql(ty, out),
        }
    }

    // The check happens per value, in `to_sql_checked`.
    fn accepts(_: &Type) -> bool {
        true
    }

    fn to_sql_checked(&self, ty: &Type, out: &mut BytesMut) -> ToSqlResult {
        match *self {
            Value::I64(v) => v.to_sql_checked(ty, out),
            Value::Bool(v) => v.to_sql_checked(ty, out),
            Value::Text(v) => v.to_sql_checked(ty, out),
            Value::Bytes(v) => v.to_sql_checked(ty, out),
        }
    }
}

fn pg_params<'v>(q: &'v Query<'_>) -> Vec<&'v (dyn ToSql + Sync)> {
    q.args.iter().map(|v| v as &(dyn ToSql + Sync)).collect()
}

async fn pg_statement(
    c: &mut PgConn,
    q: &Query<'_>,
) -> Result<tokio_postgres::Statement, StoreError> {
    let types: Vec<Type> = q.args.iter().map(Value::pg_type).collect();
    if q.prepared {
        Ok(c.statement(&q.sql, &types).await?)
    } else {
        Ok(c.client.prepare_typed(&q.sql, &types).await?)
    }
}

/// Run `work` after the transaction's owed `begin`, both sent at once.
async fn after_begin<T>(
    client: &tokio_postgres::Client,
    begin_owed: bool,
    work: impl Future<Output = Result<T, tokio_postgres::Error>>,
) -> Result<T, StoreError> {
    if !begin_owed {
        return Ok(work.await?);
    }
    // The client sends requests in the order they are first polled: `begin` first.
    let (_, out) = futures::future::try_join(client.batch_execute("begin"), work).await?;
    Ok(out)
}

async fn pg_rows(c: &mut PgConn, q: &Query<'_>) -> Result<Vec<PgRow>, StoreError> {
    if q.prepared {
        let st = pg_statement(c, q).await?;
        let params = pg_params(q);
        let owed = std::mem::take(&mut c.begin_owed);
        after_begin(&c.client, owed, c.client.query(&st, &params)).await
    } else {
        // Parsed, planned for these values and run in one round trip.
        let params: Vec<(&(dyn ToSql + Sync), Type)> = q
            .args
            .iter()
            .map(|v| (v as &(dyn ToSql + Sync), v.pg_type()))
            .collect();
        let owed = std::mem::take(&mut c.begin_owed);
        after_begin(&c.client, owed, c.client.query_typed(&q.sql, &params)).await
    }
}

pub(crate) fn pg_decode<T: FromRow>(rows: &[PgRow]) -> Result<Vec<T>, StoreError> {
    let Some(first) = rows.first() else {
        return Ok(Vec::new());
    };
    let names: Vec<&str> = first
        .columns()
        .iter()
        .map(tokio_postgres::Column::name)
        .collect();
    let map = column_map::<T>(&names)?;
    rows.iter()
        .map(|row| {
            T::from_row(&mut PgReader {
                row,
                fields: Fields { map: &map, k: 0 },
            })
        })
        .collect()
}

impl Conn<'_> {
    /// Every row of the result.
    pub async fn fetch_all<T: FromRow>(&mut self, q: Query<'_>) -> Result<Vec<T>, StoreError> {
        match self {
            Conn::Sqlite(c) => sqlite_fetch(c, &q, usize::MAX),
            Conn::Pg(c) => {
                let rows = pg_rows(c, &q).await;
                pg_decode(&c.noting(rows)?)
            }
        }
    }

    /// The first row, if any.
    pub async fn fetch_optional<T: FromRow>(
        &mut self,
        q: Query<'_>,
    ) -> Result<Option<T>, StoreError> {
        match self {
            Conn::Sqlite(c) => Ok(sqlite_fetch(c, &q, 1)?.pop()),
            Conn::Pg(c) => {
                let rows = pg_rows(c, &q).await;
                let rows = c.noting(rows)?;
                Ok(pg_decode(rows.get(..1).unwrap_or_default())?.pop())
            }
        }
    }

    /// The first row; [`StoreError::NotFound`] if there is none.
    pub async fn fetch_one<T: FromRow>(&mut self, q: Query<'_>) -> Result<T, StoreError> {
        self.fetch_optional(q).await?.ok_or(StoreError::NotFound)
    }

    /// Run a statement; the number of rows it changed.
    pub async fn execute(&mut self, q: Query<'_>) -> Result<u64, StoreError> {
        match self {
            Conn::Sqlite(c) => with_sqlite_statement(c, &q, |st| {
                let mut rows = st.raw_query();
                while rows.next()?.is_some() {}
                Ok(())
            })
            .map(|()| c.changes()),
            Conn::Pg(c) => {
                let st = pg_statement(c, &q).await?;
                let params = pg_params(&q);
                let owed = std::mem::take(&mut c.begin_owed);
                let done = after_begin(&c.client, owed, c.client.execute(&st, &params)).await;
                drop(params);
                c.noting(done)
            }
        }
    }

    /// Run several statements in order. On PostgreSQL they go out together
    /// (pipelined: one round trip for all, instead of one each); the first
    /// error is returned, and inside a transaction it aborts the rest.
    pub async fn execute_all(&mut self, qs: &[Query<'_>]) -> Result<(), StoreError> {
        match self {
            Conn::Sqlite(_) => {
                for q in qs {
                    self.execute(q.clone()).await?;
                }
                Ok(())
            }
            Conn::Pg(c) => {
                let mut statements = Vec::with_capacity(qs.len());
                for q in qs {
                    statements.push(pg_statement(c, q).await?);
                }
                let params: Vec<_> = qs.iter().map(pg_params).collect();
                let owed = std::mem::take(&mut c.begin_owed);
                let client = &c.client;
                let all = futures::future::try_join_all(
                    statements
                        .iter()
                        .zip(&params)
                        .map(|(st, p)| client.execute(st, p)),
                );
                let done = after_begin(client, owed, all).await.map(|_| ());
                drop(params);
                c.noting(done)
            }
        }
    }

    /// Run statements separated by `;`, without arguments (schema, bookkeeping).
    pub async fn execute_script(&mut self, sql: &str) -> Result<(), StoreError> {
        match self {
            Conn::Sqlite(c) => Ok(c.execute_batch(sql)?),
            Conn::Pg(c) => {
                let owed = std::mem::take(&mut c.begin_owed);
                let done = after_begin(&c.client, owed, c.client.batch_execute(sql)).await;
                c.noting(done)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_text_literal_doubles_its_quotes() {
        assert_eq!(super::text_literal("in_progress"), "'in_progress'");
        assert_eq!(super::text_literal("o'clock''"), "'o''clock'''''");
    }

    use super::{rows_of_placeholders, sqlite_sql};

    #[test]
    fn placeholders_number_rows_after_each_other() {
        assert_eq!(rows_of_placeholders(1, 2), "($1, $2)");
        assert_eq!(rows_of_placeholders(2, 3), "($1, $2, $3), ($4, $5, $6)");
    }

    #[test]
    fn placeholders_become_numbered_sqlite_parameters() {
        assert_eq!(
            sqlite_sql("update t set a = $3 where id = $1 and v = $2"),
            "update t set a = ?3 where id = ?1 and v = ?2"
        );
        assert_eq!(sqlite_sql("select '$1', $12"), "select '$1', ?12");
        assert_eq!(sqlite_sql("select 1"), "select 1");
        assert_eq!(sqlite_sql("select '中文' || $1"), "select '中文' || ?1");
    }
}
