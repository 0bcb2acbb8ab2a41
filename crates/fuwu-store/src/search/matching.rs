//! Which matches a search considers, as both engines' searches share it:
//! the hit, how many matches are ranked, and the filters as SQL conditions
//! with their arguments.

use crate::query_owned;
use crate::requests::RequestFilter;
use fuwu_core::search::Combine;

/// A hit: the object's id and its relevance (higher is better).
pub type Hit = (i64, f64);

pub(super) enum Arg {
    I(i64),
    S(String),
    B(bool),
}

/// How many matches a request search ranks at most: the newest ones the
/// searcher may see. Ranking (bm25 / `ts_rank`) and joining every match of a
/// common word cost time in proportion to the index; this bounds it.
pub const CANDIDATES: i64 = 2_000;

/// Which matches a search ranks: those of all the words or of any, the
/// newest `candidates` of them the searcher may see.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Matching {
    pub combine: Combine,
    pub candidates: i64,
}

impl Matching {
    /// A search: documents with every word.
    pub const ALL: Matching = Matching {
        combine: Combine::All,
        candidates: CANDIDATES,
    };
    /// Filling up a search that found too few: partial matches come after
    /// every full one, and most are matches of the query's commonest word
    /// alone, so a quarter as many are ranked — ranking 2,000 of them cost
    /// as much as the rest of the search (docs/benchmarks-history.md, search
    /// session 6).
    pub const FILL_UP: Matching = Matching {
        combine: Combine::Any,
        candidates: CANDIDATES / 4,
    };
    /// Suggestions for a draft: what shares the most words with it.
    pub const SIMILAR: Matching = Matching {
        combine: Combine::Any,
        candidates: CANDIDATES,
    };
}

/// Whether `filter` looks at the request row. Without filters the index
/// alone answers (requests are never deleted, and PostgreSQL's index rows
/// reference theirs).
pub(super) fn needs_rows(filter: &RequestFilter) -> bool {
    !filter.statuses.is_empty()
        || !filter.categories.is_empty()
        || !filter.levels.is_empty()
        || filter.organization_id.is_some()
        || filter.assignee_id.is_some()
        || filter.contract_leader_id.is_some()
        || filter.created_from.is_some()
        || filter.created_to.is_some()
}

/// ` and r.… = $n` for each of `filter`'s conditions on the request row, its
/// values appended to `args` (numbered on from them).
pub(super) fn row_conditions(filter: &RequestFilter, args: &mut Vec<Arg>) -> String {
    let mut sql = String::new();
    let mut push = |sql: &mut String, fragment: &str, arg: Arg| {
        args.push(arg);
        sql.push_str(&fragment.replace('?', &format!("${}", args.len())));
    };
    for (column, values) in [
        ("status", &filter.statuses),
        ("category", &filter.categories),
    ] {
        if !values.is_empty() {
            let list: Vec<String> = values.iter().map(|v| crate::sql::text_literal(v)).collect();
            sql.push_str(&format!(" and r.{column} in ({})", list.join(", ")));
        }
    }
    if !filter.levels.is_empty() {
        let list: Vec<String> = filter.levels.iter().map(i64::to_string).collect();
        sql.push_str(&format!(" and r.level in ({})", list.join(", ")));
    }
    if let Some(v) = filter.organization_id {
        push(&mut sql, " and r.organization_id = ?", Arg::I(v));
    }
    if let Some(v) = filter.assignee_id {
        push(&mut sql, " and r.assignee_id = ?", Arg::I(v));
    }
    if let Some(v) = filter.contract_leader_id {
        push(
            &mut sql,
            " and r.contract_id in (select id from contracts where project_leader_id = ?)",
            Arg::I(v),
        );
    }
    if let Some(v) = filter.created_from {
        push(&mut sql, " and r.created_at >= ?", Arg::I(v));
    }
    if let Some(v) = filter.created_to {
        push(&mut sql, " and r.created_at < ?", Arg::I(v));
    }
    sql
}

pub(super) fn bound<'a>(sql: String, args: &'a [Arg]) -> crate::sql::Query<'a> {
    let mut qy = query_owned(sql).unprepared();
    for a in args {
        match a {
            Arg::I(v) => qy.push(*v),
            Arg::S(v) => qy.push(v.as_str()),
            Arg::B(v) => qy.push(*v),
        }
    }
    qy
}

/// Which articles a search may return: never archived ones; for a
/// customer (`$2`) only published, customer-visible ones; in category `$3`
/// when given.
pub(super) const ARTICLE_VISIBLE: &str = " and a.status <> 'archived' and (not $2 or (a.visibility = 'customers' and a.status = 'published'))
          and ($3 is null or a.category = $3)";
