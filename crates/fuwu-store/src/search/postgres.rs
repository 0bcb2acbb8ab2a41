//! PostgreSQL's searches and index format: `tsvector` columns with GIN
//! indexes, the request index partitioned by id (migrations 0017, 0019),
//! lexemes written by us rather than by `to_tsvector`.

use super::matching::{ARTICLE_VISIBLE, Arg, Hit, Matching, bound, needs_rows, row_conditions};
use crate::requests::RequestFilter;
use crate::{Conn, StoreError, query};
use fuwu_core::search::SearchQuery;

/// Tokens (space-separated, as
/// [`index_text`](fuwu_core::search::index_text) writes them) as a
/// PostgreSQL `tsvector` literal, each part with its weight (`None`:
/// PostgreSQL's default, D), positions counted on across the parts like
/// `setweight(a, 'A') || setweight(b, 'B')` would.
///
/// Writing the lexemes ourselves, not through `to_tsvector`, spares the
/// server its text parser (about a third of the indexing's server time) and
/// keeps index and query alike by construction: the query side is a
/// `tsquery` literal of the same tokens. PostgreSQL's limits are kept as
/// `to_tsvector` keeps them: positions stop at 16,383, a lexeme keeps its
/// first 256 positions, lexemes over 2,047 bytes are left out.
pub fn tsvector_literal(parts: &[(&str, Option<char>)]) -> String {
    const MAX_POS: u32 = (1 << 14) - 1;
    const MAX_POSITIONS: usize = 256;
    const MAX_LEXEME: usize = (1 << 11) - 1;
    let mut lexemes: std::collections::HashMap<&str, Vec<(u32, Option<char>)>> =
        std::collections::HashMap::new();
    let mut order: Vec<&str> = Vec::new();
    let mut pos: u32 = 0;
    for (text, weight) in parts {
        for tok in text.split_whitespace() {
            pos = (pos + 1).min(MAX_POS);
            if tok.len() > MAX_LEXEME {
                continue;
            }
            let list = lexemes.entry(tok).or_insert_with(|| {
                order.push(tok);
                Vec::new()
            });
            if list.len() < MAX_POSITIONS && list.last().is_none_or(|l| l.0 != pos) {
                list.push((pos, *weight));
            }
        }
    }
    let mut out = String::with_capacity(order.iter().map(|t| t.len() + 8).sum());
    for tok in order {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push('\'');
        for ch in tok.chars() {
            match ch {
                '\'' => out.push_str("''"),
                '\\' => out.push_str("\\\\"),
                c => out.push(c),
            }
        }
        out.push_str("':");
        for (i, (p, w)) in lexemes[tok].iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            out.push_str(&p.to_string());
            if let Some(w) = w {
                out.push(*w);
            }
        }
    }
    out
}

/// Costs (µs) measured at 1,000,000 requests on the 2-core machines, for
/// choosing how PostgreSQL finds the newest matches (see
/// [`search_requests`]): checking one candidate row in id order; one
/// posting of the GIN index; fetching one matching row by bitmap; running
/// one more statement.
const PG_CHECK_ROW_US: f64 = 1.4;
const PG_POSTING_US: f64 = 0.25;
const PG_BITMAP_ROW_US: f64 = 5.0;
const PG_STATEMENT_US: f64 = 300.0;
/// The index's partitions hold 2^17 request ids each (migration 0017).
const PG_PARTITION_BITS: u32 = 17;
/// A bitmap window is sized to hold this many times the matches missing.
const PG_WINDOW_MARGIN: f64 = 2.0;
/// How many of the newest requests the first look checks one by one.
const PG_PROBE: i64 = 1_024;

/// PostgreSQL's request search: the [`CANDIDATES`](super::CANDIDATES) newest visible matches,
/// ranked by `ts_rank` as they are found.
///
/// PostgreSQL cannot read a GIN index in id order, so "the newest matches"
/// is either a walk down the primary key checking each row (cheap when
/// matches are dense: a common word) or GIN bitmaps of the matches (cheap
/// when they are rare; a bitmap's cost grows with every match it holds).
/// Its planner guesses the density from statistics and, at 1,000,000
/// requests, guessed wrong by 5× to 50×, which cost up to a second. So the
/// density is measured instead: the newest [`PG_PROBE`] requests are checked
/// one by one, and the rest takes the path the measured density makes
/// cheaper — on down the primary key, or the bitmaps of the index's
/// partitions (2^17 ids each, migration 0017), newest first, until enough
/// are found.
pub(super) async fn search_requests(
    c: &mut Conn<'_>,
    mut helper: Option<&mut Conn<'_>>,
    q: &SearchQuery,
    matching: Matching,
    filter: &RequestFilter,
    internal: bool,
    limit: i64,
) -> Result<Vec<Hit>, StoreError> {
    let needs_rows = needs_rows(filter);
    let (lo, hi): (i64, i64) = c
        .fetch_one(query(
            "select coalesce(min(request_id), 0), coalesce(max(request_id), -1) from search_requests",
        ))
        .await?;
    if hi < lo {
        return Ok(Vec::new());
    }
    let mut args = vec![Arg::S(q.tsquery(matching.combine)), Arg::B(internal)];
    let conditions = row_conditions(filter, &mut args);
    let matches = "(s.doc @@ $1::tsquery or ($2 and s.internal @@ $1::tsquery))";
    let scan = |how: PgScan, above: i64, upto: i64, n: i64| {
        // `coalesce` hides the match from the GIN index: the walk checks rows.
        let test = match how {
            PgScan::Walk => format!("coalesce({matches}, false)"),
            PgScan::Bitmap => matches.to_owned(),
        };
        // `ts_rank` costs ~1.4 µs a row even on an empty vector (it sorts the
        // query's operands at every call); most requests have no internal notes.
        format!(
            "select s.request_id, (ts_rank(s.doc, $1::tsquery)
               + case when $2 and length(s.internal) > 0 then 0.1 * ts_rank(s.internal, $1::tsquery) else 0 end)::float8
             from search_requests s{join}
             where {test} and s.request_id > {above} and s.request_id <= {upto}{conditions}
             order by s.request_id desc limit {n}",
            join = if needs_rows {
                " join requests r on r.id = s.request_id"
            } else {
                ""
            }
        )
    };
    let probe_above = (hi - PG_PROBE).max(lo - 1);
    let mut found: Vec<Hit> = c
        .fetch_all(bound(
            scan(PgScan::Walk, probe_above, hi, matching.candidates),
            &args,
        ))
        .await?;
    let rest = probe_above - lo + 1;
    let missing = matching.candidates - found.len() as i64;
    if rest > 0 && missing > 0 {
        let density = (found.len() as f64 + 0.5) / (hi - probe_above) as f64;
        let walk_us = PG_CHECK_ROW_US * (rest as f64).min(missing as f64 / density);
        // The GIN index is read one partition at a time (migration 0017) and,
        // within a partition, over a window of ids expected to hold twice
        // the missing matches (the primary key's bitmap bounds it), so only
        // those rows are fetched and ranked: all the postings of as many
        // partitions as the missing matches need, about twice the missing
        // rows, and a statement each.
        let partition = (1_i64 << PG_PARTITION_BITS) as f64;
        let per_partition = density * partition;
        let partitions = (PG_WINDOW_MARGIN * missing as f64 / per_partition)
            .ceil()
            .min((rest as f64 / partition).ceil() + 1.0);
        let rows = (PG_WINDOW_MARGIN * missing as f64).min(density * rest as f64);
        let bitmap_us = partitions * (per_partition * PG_POSTING_US + PG_STATEMENT_US)
            + rows * PG_BITMAP_ROW_US;
        if walk_us <= bitmap_us {
            found.extend(
                c.fetch_all::<Hit>(bound(
                    scan(PgScan::Walk, lo - 1, probe_above, missing),
                    &args,
                ))
                .await?,
            );
        } else {
            // Newest first, a window at a time, never across a partition's
            // start, until enough were found. When a window is not expected
            // to hold all that is missing, the next one is read at the same
            // time on the helper connection (its matches are all older, so
            // only as many of them as are still missing are kept).
            let mut upto = probe_above;
            let mut missing = missing;
            let mut density = density;
            let window_below = |upto: i64, missing: f64, density: f64| {
                let start = ((upto >> PG_PARTITION_BITS) << PG_PARTITION_BITS).max(lo);
                let window = (PG_WINDOW_MARGIN * missing / density).ceil() as i64;
                (upto - window.max(PG_PROBE)).max(start - 1)
            };
            while missing > 0 && upto >= lo {
                let above = window_below(upto, missing as f64, density);
                let expected = density * (upto - above) as f64;
                let next = match helper.as_deref_mut() {
                    Some(h) if above >= lo && expected < missing as f64 => {
                        Some((h, window_below(above, missing as f64 - expected, density)))
                    }
                    _ => None,
                };
                let this = bound(scan(PgScan::Bitmap, above, upto, missing), &args);
                let (mut more, older, bottom) = match next {
                    Some((h, below)) => {
                        let that = bound(scan(PgScan::Bitmap, below, above, missing), &args);
                        let (more, older) = futures::future::try_join(
                            pg_bitmap_scan(c, this),
                            pg_bitmap_scan(h, that),
                        )
                        .await?;
                        (more, older, below)
                    }
                    None => (pg_bitmap_scan(c, this).await?, Vec::new(), above),
                };
                more.extend(older);
                // Fewer than expected: matches are sparser here; the next
                // window is sized by what these held.
                if (more.len() as i64) < missing {
                    let seen = (more.len() as f64 + 0.5) / (upto - bottom) as f64;
                    density = density.min(seen);
                }
                more.truncate(missing as usize);
                missing -= more.len() as i64;
                found.extend(more);
                upto = bottom;
            }
        }
    }
    found.sort_by(|a, b| b.1.total_cmp(&a.1).then(b.0.cmp(&a.0)));
    found.truncate(limit.max(0) as usize);
    Ok(found)
}

#[derive(Clone, Copy)]
enum PgScan {
    /// Down the primary key, checking each row.
    Walk,
    /// The GIN index's bitmap (with the primary key's for the id range).
    Bitmap,
}

/// Run a candidate query with the planner held to bitmap scans: left to
/// itself it walks the primary key whenever its statistics say matches are
/// dense, which is what [`search_requests`] just measured they are not.
/// The settings last for this one transaction; inside a caller's
/// transaction the planner chooses.
async fn pg_bitmap_scan(
    c: &mut Conn<'_>,
    qy: crate::sql::Query<'_>,
) -> Result<Vec<Hit>, StoreError> {
    let Conn::Pg(pg) = c else {
        return c.fetch_all(qy).await;
    };
    if pg.in_transaction {
        return c.fetch_all(qy).await;
    }
    // A cancelled search must not hand the open transaction back to the pool.
    pg.in_transaction = true;
    // No prefetching of the bitmap's heap pages either: each is a
    // `posix_fadvise` call, 4 % of the server's CPU in a search profile at
    // 1,000,000 requests, for pages the OS cache holds anyway (the newest
    // partitions are the hot ones).
    c.execute_script(
        "begin; set local enable_indexscan = off; set local enable_indexonlyscan = off; set local enable_seqscan = off; set local effective_io_concurrency = 0",
    )
    .await?;
    let out = c.fetch_all(qy).await;
    c.execute_script("rollback").await?;
    if let Conn::Pg(pg) = c {
        pg.in_transaction = false;
    }
    out
}

/// PostgreSQL: make sure the index has partitions for request `id` and one
/// partition beyond it (see migrations 0017 and 0019), so requests created
/// meanwhile find theirs. Returns the highest request id that still has a
/// partition beyond its own: nothing to do again until a request beyond it
/// is indexed (`i64::MAX` on SQLite, which has no partitions). `i64::MIN`
/// when another creator was at it or a lock was not free within 200 ms:
/// making partitions never waits in a write's way; ask again later. In its
/// own transaction, before the rows are written.
pub async fn ensure_partitions(c: &mut Conn<'_>, id: i64) -> Result<i64, StoreError> {
    if !matches!(c, Conn::Pg(_)) {
        return Ok(i64::MAX);
    }
    let upto = id + (1 << PG_PARTITION_BITS);
    let (made,): (bool,) = c
        .fetch_one(query("select fuwu_search_partitions($1::int8)").bind(upto))
        .await?;
    if !made {
        return Ok(i64::MIN);
    }
    Ok(((upto >> PG_PARTITION_BITS) << PG_PARTITION_BITS) - 1)
}

/// PostgreSQL's article search: the newest visible matches, then ranked.
pub(super) fn articles_sql(cap: i64) -> String {
    let visible = ARTICLE_VISIBLE;
    format!(
        "select s.article_id, ts_rank(s.doc, $1::tsquery)::float8 as score
         from (select s.article_id as id
               from search_articles s join articles a on a.id = s.article_id
               where s.doc @@ $1::tsquery{visible}
               order by s.article_id desc limit {cap}) c
         join search_articles s on s.article_id = c.id
         order by score desc, s.article_id desc limit $4"
    )
}

#[cfg(test)]
mod tests {
    use super::tsvector_literal;

    #[test]
    fn tsvector_literal_counts_positions_across_parts_with_their_weights() {
        let v = tsvector_literal(&[("打 印 打印", Some('A')), ("打印 机", Some('B'))]);
        assert_eq!(v, "'打':1A '印':2A '打印':3A,4B '机':5B");
        assert_eq!(tsvector_literal(&[("a  b", None)]), "'a':1 'b':2");
        assert_eq!(tsvector_literal(&[("", Some('A')), ("", Some('B'))]), "");
    }

    #[test]
    fn tsvector_literal_escapes_quotes_and_backslashes() {
        assert_eq!(
            tsvector_literal(&[("joe's c:\\x", None)]),
            "'joe''s':1 'c:\\\\x':2"
        );
    }

    #[test]
    fn tsvector_literal_keeps_postgresql_limits() {
        // Positions stop at 16,383; a lexeme keeps 256 of them.
        let many = vec!["w"; 20_000].join(" ");
        let v = tsvector_literal(&[(&many, None)]);
        let positions: Vec<&str> = v.trim_start_matches("'w':").split(',').collect();
        assert_eq!(positions.len(), 256);
        assert_eq!(positions[255], "256");
        let tail = format!("{} last", vec!["x"; 17_000].join(" "));
        assert!(tsvector_literal(&[(&tail, None)]).ends_with("'last':16383"));
        // A lexeme over 2,047 bytes is left out, as `to_tsvector` leaves it.
        let long = "a".repeat(2_048);
        assert_eq!(tsvector_literal(&[(&format!("{long} b"), None)]), "'b':2");
    }
}
