//! `fuwu_rank`: FTS5's bm25 for `search_requests` and `search_articles`,
//! with the document counts per phrase cached.
//!
//! FTS5's `bm25()` starts every query by counting, for each phrase of the
//! expression, the documents that hold it: a walk over the phrase's whole
//! doclist (`xQueryPhrase`), so a query costs in proportion to the index even
//! when only the 2,000 newest matches are ranked (about 10 ms at 100,000
//! requests for a two-phrase query, ten times that at 1,000,000). This
//! function computes the same score (k1 = 1.2, b = 0.75, column weights 10 /
//! 3 / 2, higher is better: it is `-bm25`), but keeps the counts of an
//! expression per database file in memory and counts again only when the
//! number of indexed rows moved by more than 2 % — the IDF of a query seen
//! before is reused, slightly stale at most.

// Every unsafe block says why it is sound.
#![deny(clippy::undocumented_unsafe_blocks)]

use rusqlite::ffi;
use std::collections::HashMap;
use std::ffi::{CStr, c_int, c_void};
use std::sync::{Mutex, OnceLock};

const K1: f64 = 1.2;
const B: f64 = 0.75;
const WEIGHTS: [f64; 3] = [10.0, 3.0, 2.0];
/// Expressions remembered at most (then the cache starts over).
const MAX_CACHED: usize = 20_000;

struct Cached {
    rows: i64,
    idf: Vec<f64>,
}

fn cache() -> &'static Mutex<HashMap<(String, String), Cached>> {
    static CACHE: OnceLock<Mutex<HashMap<(String, String), Cached>>> = OnceLock::new();
    CACHE.get_or_init(|| Mutex::new(HashMap::new()))
}

/// One query's constants, kept with FTS5's cursor.
struct QueryState {
    idf: Vec<f64>,
    avgdl: f64,
}

unsafe extern "C" fn drop_state(p: *mut c_void) {
    // SAFETY: FTS5 calls this once, with the pointer `fuwu_rank` handed to
    // xSetAuxdata, which came from `Box::into_raw` of a `QueryState`.
    drop(unsafe { Box::from_raw(p as *mut QueryState) });
}

/// Documents counted per phrase at most; a phrase held by more is
/// extrapolated from where the count stopped (see [`count_documents`]).
const COUNT_CAP: i64 = 10_000;

/// A phrase's document count in progress.
struct Counting {
    hits: i64,
    /// The rowid the count stopped at, when it reached [`COUNT_CAP`].
    stopped_at: Option<i64>,
}

unsafe extern "C" fn count_row(
    api: *const ffi::Fts5ExtensionApi,
    fts: *mut ffi::Fts5Context,
    user: *mut c_void,
) -> c_int {
    // SAFETY: `user` is the `&mut Counting` that `count_documents` passed to
    // xQueryPhrase, alive and not otherwise borrowed for the whole walk.
    let counting = unsafe { &mut *(user as *mut Counting) };
    counting.hits += 1;
    if counting.hits >= COUNT_CAP {
        // SAFETY: FTS5 passes a valid API table and the cursor of the row
        // being visited; xRowid is always set in the FTS5 API.
        counting.stopped_at = Some(unsafe { ((*api).xRowid.unwrap())(fts) });
        // Stops the walk; xQueryPhrase then returns SQLITE_OK.
        return ffi::SQLITE_DONE;
    }
    ffi::SQLITE_OK
}

/// The rowids the table spans, from its `_docsize` shadow table (`None` if unknown).
unsafe fn rowid_span(ctx: *mut ffi::sqlite3_context, table: &str) -> Option<(i64, i64)> {
    if !table.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
        return None;
    }
    // Not owned: the connection stays open when this handle is dropped.
    // SAFETY: `ctx` is the live function context of the running statement,
    // so its connection handle is valid for this call, on this thread.
    let db =
        unsafe { rusqlite::Connection::from_handle(ffi::sqlite3_context_db_handle(ctx)) }.ok()?;
    db.query_row(
        // Two subqueries: `select min(id), max(id)` would scan the whole table
        // (SQLite optimizes a lone min or max only).
        &format!(
            "select (select min(id) from main.{table}_docsize), (select max(id) from main.{table}_docsize)"
        ),
        [],
        |r| Ok((r.get::<_, Option<i64>>(0)?, r.get::<_, Option<i64>>(1)?)),
    )
    .ok()
    .and_then(|(lo, hi)| Some((lo?, hi?)))
}

/// How many documents hold phrase `p`. A walk over a phrase's whole doclist
/// costs in proportion to the index (tens of milliseconds for a common word at
/// 1,000,000 requests), so it stops after [`COUNT_CAP`] documents and scales
/// the count by the share of the rowid range walked (the walk goes up in
/// rowid order): an estimate within a few percent for a phrase that common,
/// where the IDF hardly moves anyway.
unsafe fn count_documents(
    api: &ffi::Fts5ExtensionApi,
    fts: *mut ffi::Fts5Context,
    p: c_int,
    span: &mut dyn FnMut() -> Option<(i64, i64)>,
    rows: i64,
) -> Result<i64, c_int> {
    let mut counting = Counting {
        hits: 0,
        stopped_at: None,
    };
    // SAFETY: `api` and `fts` come from FTS5 for the current row; `counting`
    // outlives the call, which is the only user of the pointer to it.
    let rc = unsafe {
        (api.xQueryPhrase.unwrap())(
            fts,
            p,
            &mut counting as *mut Counting as *mut c_void,
            Some(count_row),
        )
    };
    if rc != ffi::SQLITE_OK {
        return Err(rc);
    }
    let Some(stopped) = counting.stopped_at else {
        return Ok(counting.hits);
    };
    Ok(match span() {
        Some((lo, hi)) if stopped >= lo && hi > lo => {
            let walked = (stopped - lo + 1) as f64 / (hi - lo + 1) as f64;
            ((counting.hits as f64 / walked) as i64).clamp(counting.hits, rows.max(counting.hits))
        }
        _ => counting.hits,
    })
}

/// The query's IDF per phrase and average document length.
unsafe fn query_state(
    api: &ffi::Fts5ExtensionApi,
    fts: *mut ffi::Fts5Context,
    ctx: *mut ffi::sqlite3_context,
    key: Option<String>,
    table: Option<String>,
) -> Result<QueryState, c_int> {
    let mut rows: i64 = 0;
    // SAFETY (this and the FTS5 calls below): `api` and `fts` are what FTS5
    // handed the running auxiliary function; out-pointers are to live locals.
    // SAFETY: FTS5's API table and cursor for the running call; out-pointers to live locals.
    let rc = unsafe { (api.xRowCount.unwrap())(fts, &mut rows) };
    if rc != ffi::SQLITE_OK {
        return Err(rc);
    }
    let mut total: i64 = 0;
    // SAFETY: FTS5's API table and cursor for the running call; out-pointers to live locals.
    let rc = unsafe { (api.xColumnTotalSize.unwrap())(fts, -1, &mut total) };
    if rc != ffi::SQLITE_OK {
        return Err(rc);
    }
    let avgdl = if rows > 0 {
        total as f64 / rows as f64
    } else {
        1.0
    };
    // SAFETY: the context's connection is valid during the call; the file
    // name SQLite returns is a NUL-terminated string it owns, copied at once.
    let file = unsafe {
        let db = ffi::sqlite3_context_db_handle(ctx);
        let name = ffi::sqlite3_db_filename(db, c"main".as_ptr());
        if name.is_null() {
            String::new()
        } else {
            CStr::from_ptr(name).to_string_lossy().into_owned()
        }
    };
    // In-memory databases have no name: never cached.
    let key = key.filter(|_| !file.is_empty()).map(|k| (file, k));
    if let Some(k) = &key
        && let Some(c) = cache()
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .get(k)
        && (c.rows - rows).abs() * 50 <= rows
    {
        return Ok(QueryState {
            idf: c.idf.clone(),
            avgdl,
        });
    }
    // SAFETY: FTS5's API table and cursor for the running call; out-pointers to live locals.
    let phrases = unsafe { (api.xPhraseCount.unwrap())(fts) };
    let mut idf = Vec::with_capacity(phrases.max(0) as usize);
    let mut known_span: Option<Option<(i64, i64)>> = None;
    let mut span = || {
        *known_span
            // SAFETY: `ctx` is this call's live function context.
            .get_or_insert_with(|| table.as_deref().and_then(|t| unsafe { rowid_span(ctx, t) }))
    };
    for p in 0..phrases {
        // SAFETY: `p` is below xPhraseCount; `api` and `fts` are FTS5's.
        let hits = unsafe { count_documents(api, fts, p, &mut span, rows) }?;
        let n = rows as f64;
        let h = hits as f64;
        let v = ((n - h + 0.5) / (h + 0.5)).ln();
        idf.push(if v <= 0.0 { 1e-6 } else { v });
    }
    if let Some(k) = key {
        let mut c = cache()
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if c.len() >= MAX_CACHED {
            c.clear();
        }
        c.insert(
            k,
            Cached {
                rows,
                idf: idf.clone(),
            },
        );
    }
    Ok(QueryState { idf, avgdl })
}

/// `fuwu_rank(table, key, name)`: the row's score; `key` (the MATCH text,
/// prefixed to tell the tables apart) keys the cache; `name`, the table's
/// name, lets the document counts of common phrases be estimated.
unsafe extern "C" fn fuwu_rank(
    api: *const ffi::Fts5ExtensionApi,
    fts: *mut ffi::Fts5Context,
    ctx: *mut ffi::sqlite3_context,
    n_val: c_int,
    values: *mut *mut ffi::sqlite3_value,
) {
    // SAFETY: FTS5 calls an auxiliary function with a valid API table and
    // cursor and `n_val` argument values, for the duration of the call; the
    // auxdata slot holds only a `QueryState` this function stored.
    let api = unsafe { &*api };
    // SAFETY: FTS5's API table and cursor for the running call; out-pointers to live locals.
    let mut state = unsafe { (api.xGetAuxdata.unwrap())(fts, 0) } as *mut QueryState;
    if state.is_null() {
        let text_arg = |i: c_int| {
            if n_val <= i {
                return None;
            }
            // SAFETY: `i < n_val`, so `values[i]` is one of the call's
            // arguments; SQLite's text of it is NUL-terminated and lives until
            // the value changes, and it is copied at once.
            let v = unsafe { *values.add(i as usize) };
            // SAFETY: see the argument reading above: a live argument of this call, copied at once.
            let t = unsafe { ffi::sqlite3_value_text(v) };
            (!t.is_null()).then(|| {
                // SAFETY: see the argument reading above: a live argument of this call, copied at once.
                unsafe { CStr::from_ptr(t as *const std::ffi::c_char) }
                    .to_string_lossy()
                    .into_owned()
            })
        };
        // SAFETY: the pointers are this call's, as above.
        match unsafe { query_state(api, fts, ctx, text_arg(0), text_arg(1)) } {
            Ok(s) => {
                let raw = Box::into_raw(Box::new(s));
                // SAFETY: ownership of `raw` passes to FTS5, which frees it
                // with `drop_state` (also when the call fails).
                let rc = unsafe {
                    (api.xSetAuxdata.unwrap())(fts, raw as *mut c_void, Some(drop_state))
                };
                if rc != ffi::SQLITE_OK {
                    // xSetAuxdata frees it on failure.
                    // SAFETY: `ctx` is this call's live function context.
                    unsafe { ffi::sqlite3_result_error_code(ctx, rc) };
                    return;
                }
                state = raw;
            }
            Err(rc) => {
                // SAFETY: `ctx` is this call's live function context.
                unsafe { ffi::sqlite3_result_error_code(ctx, rc) };
                return;
            }
        }
    }
    // SAFETY: `state` is the non-null `QueryState` in the auxdata slot,
    // which FTS5 keeps until the query ends; the FTS5 calls below take
    // this call's `api`, `fts` and `ctx` and out-pointers to live locals.
    let state = unsafe { &*state };
    let mut freq = vec![0.0f64; state.idf.len()];
    let mut n_inst: c_int = 0;
    // SAFETY: FTS5's API table and cursor for the running call; out-pointers to live locals.
    let rc = unsafe { (api.xInstCount.unwrap())(fts, &mut n_inst) };
    if rc != ffi::SQLITE_OK {
        // SAFETY: `ctx` is this call's live function context.
        unsafe { ffi::sqlite3_result_error_code(ctx, rc) };
        return;
    }
    for i in 0..n_inst {
        let (mut phrase, mut col, mut off) = (0, 0, 0);
        // SAFETY: FTS5's API table and cursor for the running call; out-pointers to live locals.
        let rc = unsafe { (api.xInst.unwrap())(fts, i, &mut phrase, &mut col, &mut off) };
        if rc != ffi::SQLITE_OK {
            // SAFETY: `ctx` is this call's live function context.
            unsafe { ffi::sqlite3_result_error_code(ctx, rc) };
            return;
        }
        if let Some(f) = freq.get_mut(phrase as usize) {
            *f += WEIGHTS.get(col as usize).copied().unwrap_or(1.0);
        }
    }
    let mut len: c_int = 0;
    // SAFETY: FTS5's API table and cursor for the running call; out-pointers to live locals.
    let rc = unsafe { (api.xColumnSize.unwrap())(fts, -1, &mut len) };
    if rc != ffi::SQLITE_OK {
        // SAFETY: `ctx` is this call's live function context.
        unsafe { ffi::sqlite3_result_error_code(ctx, rc) };
        return;
    }
    let k = K1 * (1.0 - B + B * len as f64 / state.avgdl);
    let score: f64 = freq
        .iter()
        .zip(&state.idf)
        .map(|(f, idf)| idf * f * (K1 + 1.0) / (f + k))
        .sum();
    // SAFETY: `ctx` is this call's live function context.
    unsafe { ffi::sqlite3_result_double(ctx, score) };
}

/// Register `fuwu_rank` on a connection.
pub(crate) fn register(c: &rusqlite::Connection) -> rusqlite::Result<()> {
    // SAFETY: `c.handle()` is the open connection, used on its own thread;
    // the statement is finalized before leaving; `select fts5(?1)` with a
    // pointer bound as `fts5_api_ptr` is FTS5's documented way to obtain its
    // API table, which lives as long as the connection, as does `fuwu_rank`.
    unsafe {
        let db = c.handle();
        let mut api: *mut ffi::fts5_api = std::ptr::null_mut();
        let mut st: *mut ffi::sqlite3_stmt = std::ptr::null_mut();
        let rc = ffi::sqlite3_prepare_v2(
            db,
            c"select fts5(?1)".as_ptr(),
            -1,
            &mut st,
            std::ptr::null_mut(),
        );
        if rc != ffi::SQLITE_OK {
            return Err(rusqlite::Error::SqliteFailure(ffi::Error::new(rc), None));
        }
        ffi::sqlite3_bind_pointer(
            st,
            1,
            &mut api as *mut *mut ffi::fts5_api as *mut c_void,
            c"fts5_api_ptr".as_ptr(),
            None,
        );
        ffi::sqlite3_step(st);
        ffi::sqlite3_finalize(st);
        if api.is_null() {
            return Err(rusqlite::Error::SqliteFailure(
                ffi::Error::new(ffi::SQLITE_ERROR),
                Some("FTS5 is not available".into()),
            ));
        }
        let rc = ((*api).xCreateFunction.unwrap())(
            api,
            c"fuwu_rank".as_ptr(),
            std::ptr::null_mut(),
            Some(fuwu_rank),
            None,
        );
        if rc != ffi::SQLITE_OK {
            return Err(rusqlite::Error::SqliteFailure(ffi::Error::new(rc), None));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    #[test]
    fn fuwu_rank_is_minus_bm25() {
        let c = rusqlite::Connection::open_in_memory().unwrap();
        super::register(&c).unwrap();
        c.execute_batch(
            "create virtual table t using fts5(title, body, internal, content='', contentless_delete=1);
             insert into t (rowid, title, body, internal) values
               (1, '服 务 器 服务', '无 法 连 接', ''),
               (2, '打 印 机', '服 务 器 坏 了 服务 务器', '服 务'),
               (3, 'vpn', '证 书 过 期 服 务', 'x'),
               (4, '教 务', '系 统 登 录', '服');",
        )
        .unwrap();
        for expr in [
            "\"服\"",
            "\"服\" AND \"务\"",
            "\"服务\" OR \"教\" OR \"务\" \"器\"",
            "{title body} : (\"服\")",
        ] {
            let mut st = c
                .prepare("select rowid, -bm25(t, 10.0, 3.0, 2.0), fuwu_rank(t, ?1) from t where t match ?1")
                .unwrap();
            let rows: Vec<(i64, f64, f64)> = st
                .query_map([expr], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
                .unwrap()
                .map(Result::unwrap)
                .collect();
            assert!(!rows.is_empty(), "{expr}");
            for (id, bm25, ours) in rows {
                assert!(
                    (bm25 - ours).abs() < 1e-9,
                    "{expr} row {id}: {bm25} vs {ours}"
                );
            }
        }
    }

    /// A phrase in more documents than the counting cap: its count is
    /// extrapolated from the share of rowids walked, and the scores stay
    /// within a hair of the exact bm25.
    #[test]
    fn common_phrases_are_estimated_close_to_bm25() {
        let c = rusqlite::Connection::open_in_memory().unwrap();
        super::register(&c).unwrap();
        c.execute_batch(
            "create virtual table t using fts5(title, body, internal, content='', contentless_delete=1);",
        )
        .unwrap();
        let tx = c.unchecked_transaction().unwrap();
        {
            let mut ins = tx
                .prepare("insert into t (rowid, title, body, internal) values (?1, ?2, ?3, '')")
                .unwrap();
            // `common` in 18,857 of 60,000 rows (every 5th and every 7th), `rare` in every 1,000th.
            for id in 1..=60_000i64 {
                let title = if id % 5 == 0 || id % 7 == 0 {
                    "common word"
                } else {
                    "other word"
                };
                let body = if id % 1_000 == 0 {
                    "rare thing"
                } else {
                    "thing"
                };
                ins.execute(rusqlite::params![id, title, body]).unwrap();
            }
        }
        tx.commit().unwrap();
        let rows: Vec<(i64, f64, f64)> = c
            .prepare(
                "select rowid, -bm25(t, 10.0, 3.0, 2.0), fuwu_rank(t, ?1, 't') from t
                 where t match ?1 order by rowid desc limit 50",
            )
            .unwrap()
            .query_map(["common OR rare"], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?))
            })
            .unwrap()
            .map(Result::unwrap)
            .collect();
        assert_eq!(rows.len(), 50);
        for (id, bm25, ours) in rows {
            assert!(
                // Counting only up to the cap (10,000) would be 2× off here.
                (bm25 - ours).abs() <= 1e-2 * bm25.abs(),
                "row {id}: {bm25} vs {ours}"
            );
        }
    }
}
