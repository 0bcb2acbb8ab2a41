//! Text for the full-text index and the queries against it, the same on
//! both engines: the database only ever sees space-separated tokens.
//!
//! * Latin words and numbers: lower-cased and lightly stemmed (`servers`,
//!   `server` → `server`; `logging` → `log`).
//! * Chinese: the words jieba finds (search mode, so `数据库连接` also yields
//!   `数据`, `据库`, `连接`), plus every single character and every pair of
//!   adjacent characters of each Chinese run. Single characters let a
//!   one-character query (`库`) match; pairs let a partial word (`据库`) and a
//!   word jieba split differently in the document still match.
//!
//! A query is a list of terms that must all match; each term is a set of
//! alternatives, each alternative a set of tokens that must all be present.
//! A Chinese word of three or more characters matches as itself, or as all
//! of its pairs. A Latin term ending in `*` is a prefix.

use jieba_rs::Jieba;
use std::collections::BTreeSet;
use std::sync::LazyLock;

static JIEBA: LazyLock<Jieba> = LazyLock::new(Jieba::new);

/// Whether `c` is a CJK ideograph (the scripts the index pairs up).
pub fn is_cjk(c: char) -> bool {
    matches!(c as u32,
        0x3400..=0x4DBF | 0x4E00..=0x9FFF | 0xF900..=0xFAFF | 0x20000..=0x2FA1F)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Latin,
    Cjk,
}

/// The runs of Latin letters and digits and of CJK ideographs, in order;
/// everything else separates them.
fn runs(text: &str) -> Vec<(Kind, String)> {
    let mut out: Vec<(Kind, String)> = Vec::new();
    let mut cur: Option<(Kind, String)> = None;
    for ch in text.chars() {
        let kind = if is_cjk(ch) {
            Some(Kind::Cjk)
        } else if ch.is_alphanumeric() {
            Some(Kind::Latin)
        } else {
            None
        };
        match (kind, cur.as_mut()) {
            (Some(k), Some((ck, s))) if *ck == k => s.push(ch),
            (Some(k), _) => {
                if let Some(done) = cur.take() {
                    out.push(done);
                }
                cur = Some((k, ch.to_string()));
            }
            (None, _) => {
                if let Some(done) = cur.take() {
                    out.push(done);
                }
            }
        }
    }
    if let Some(done) = cur {
        out.push(done);
    }
    out
}

/// A light English stemmer: enough that plurals and -ing/-ed forms meet.
/// Index and query use the same function, so it only has to be consistent.
pub fn stem(word: &str) -> String {
    let w = word.to_lowercase();
    if !w.is_ascii() || w.len() <= 3 || w.bytes().any(|b| b.is_ascii_digit()) {
        return w;
    }
    for (suffix, keep) in [
        ("ies", "y"),
        ("sses", "ss"),
        ("ing", ""),
        ("ed", ""),
        ("es", ""),
        ("s", ""),
    ] {
        if let Some(base) = w.strip_suffix(suffix)
            && base.len() >= 3
            && !(suffix == "s" && base.ends_with('s'))
        {
            let mut b = format!("{base}{keep}");
            // running → runn → run
            let bytes = b.as_bytes();
            if (suffix == "ing" || suffix == "ed")
                && bytes.len() >= 2
                && bytes[bytes.len() - 1] == bytes[bytes.len() - 2]
                && !matches!(bytes[bytes.len() - 1], b'l' | b's' | b'z')
            {
                b.pop();
            }
            return b;
        }
    }
    w
}

fn chars_and_pairs(run: &str, out: &mut Vec<String>) {
    let chars: Vec<char> = run.chars().collect();
    for (i, c) in chars.iter().enumerate() {
        out.push(c.to_string());
        if let Some(n) = chars.get(i + 1) {
            out.push(format!("{c}{n}"));
        }
    }
}

/// The tokens of `text` for the index, space-separated.
pub fn index_text(text: &str) -> String {
    let mut out: Vec<String> = Vec::new();
    for (kind, run) in runs(text) {
        match kind {
            Kind::Latin => out.push(stem(&run)),
            Kind::Cjk => {
                for t in JIEBA.cut_for_search(&run, true) {
                    if t.word.chars().count() > 2 {
                        out.push(t.word.to_owned());
                    }
                }
                chars_and_pairs(&run, &mut out);
            }
        }
    }
    out.join(" ")
}

/// One alternative of a term: all these tokens must be present.
pub type Alternative = Vec<String>;

/// A query term: any one of its alternatives must match.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Term {
    pub alternatives: Vec<Alternative>,
    /// A Latin prefix (`vpn*`): the single token matches any word it begins.
    pub prefix: bool,
}

/// A parsed query: every term must match. Also the words to highlight.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SearchQuery {
    pub terms: Vec<Term>,
    /// What to mark in snippets: the words as typed (lower-cased), longest first.
    pub highlights: Vec<String>,
}

/// At most this many terms are used; the rest of a long text is ignored.
pub const MAX_TERMS: usize = 24;

fn cjk_term(word: &str) -> Term {
    let n = word.chars().count();
    let mut pairs = Vec::new();
    chars_and_pairs(word, &mut pairs);
    let pairs: Vec<String> = pairs
        .into_iter()
        .filter(|p| p.chars().count() == 2)
        .collect();
    let alternatives = match n {
        0 => vec![],
        1 | 2 => vec![vec![word.to_owned()]],
        _ => vec![vec![word.to_owned()], pairs],
    };
    Term {
        alternatives,
        prefix: false,
    }
}

/// Parse what a user typed. `None` when nothing searchable is left.
pub fn parse_query(q: &str) -> Option<SearchQuery> {
    let mut terms: Vec<Term> = Vec::new();
    let mut highlights: BTreeSet<String> = BTreeSet::new();
    // Split on whitespace first, so `vpn*` keeps its star.
    for piece in q.split_whitespace() {
        let prefix_piece = piece.ends_with('*');
        let rs = runs(piece);
        let last = rs.len().saturating_sub(1);
        for (i, (kind, run)) in rs.into_iter().enumerate() {
            match kind {
                Kind::Latin => {
                    let prefix = prefix_piece && i == last;
                    let token = if prefix {
                        run.to_lowercase()
                    } else {
                        stem(&run)
                    };
                    highlights.insert(run.to_lowercase());
                    terms.push(Term {
                        alternatives: vec![vec![token]],
                        prefix,
                    });
                }
                Kind::Cjk => {
                    highlights.insert(run.clone());
                    for t in JIEBA.cut(&run, true) {
                        terms.push(cjk_term(t.word));
                    }
                }
            }
        }
    }
    let mut seen = BTreeSet::new();
    terms.retain(|t| !t.alternatives.is_empty() && seen.insert(t.alternatives.clone()));
    terms.truncate(MAX_TERMS);
    if terms.is_empty() {
        return None;
    }
    let mut highlights: Vec<String> = highlights.into_iter().collect();
    highlights.sort_by_key(|h| std::cmp::Reverse(h.chars().count()));
    Some(SearchQuery { terms, highlights })
}

/// How the terms combine: all must match (a search), or any (suggestions
/// for a draft text, ranked by how many match).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Combine {
    All,
    Any,
}

/// How one engine's full-text query language spells tokens and operators.
struct Syntax {
    token: fn(&str) -> String,
    prefix: fn(&str) -> String,
    and: &'static str,
    or: &'static str,
}

const FTS5: Syntax = Syntax {
    token: |t| format!("\"{t}\""),
    prefix: |t| format!("\"{t}\"*"),
    and: " AND ",
    or: " OR ",
};

const TSQUERY: Syntax = Syntax {
    token: |t| format!("'{t}'"),
    prefix: |t| format!("'{t}':*"),
    and: " & ",
    or: " | ",
};

impl SearchQuery {
    /// The query in SQLite FTS5 syntax (tokens quoted, so nothing is an operator).
    pub fn fts5(&self, combine: Combine) -> String {
        self.render(&FTS5, combine)
    }

    /// The query in PostgreSQL `to_tsquery('simple', …)` syntax.
    pub fn tsquery(&self, combine: Combine) -> String {
        self.render(&TSQUERY, combine)
    }

    fn render(&self, syntax: &Syntax, combine: Combine) -> String {
        let term = |t: &Term| {
            let spell = if t.prefix {
                syntax.prefix
            } else {
                syntax.token
            };
            let alts: Vec<String> = t
                .alternatives
                .iter()
                .map(|a| {
                    let toks: Vec<String> = a.iter().map(|tok| spell(tok)).collect();
                    format!("({})", toks.join(syntax.and))
                })
                .collect();
            format!("({})", alts.join(syntax.or))
        };
        let joiner = match combine {
            Combine::All => syntax.and,
            Combine::Any => syntax.or,
        };
        self.terms.iter().map(term).collect::<Vec<_>>().join(joiner)
    }
}

fn escape_into(out: &mut String, s: &str) {
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
}

/// An HTML snippet of `text` around the first highlighted word, about
/// `width` characters long, with every highlighted word in `<mark>`.
/// Everything else is escaped, so the snippet is safe to insert as HTML.
pub fn snippet(text: &str, highlights: &[String], width: usize) -> String {
    let chars: Vec<char> = text.chars().collect();
    let lower: Vec<char> = chars
        .iter()
        .map(|c| c.to_lowercase().next().unwrap_or(*c))
        .collect();
    let hl: Vec<Vec<char>> = highlights
        .iter()
        .filter(|h| !h.is_empty())
        .map(|h| h.chars().collect())
        .collect();
    let match_at = |i: usize| -> Option<usize> {
        hl.iter()
            .find(|h| lower.get(i..i + h.len()) == Some(h.as_slice()))
            .map(Vec::len)
    };
    let first = (0..lower.len()).find(|&i| match_at(i).is_some());
    let start = first.map_or(0, |f| f.saturating_sub(width / 4));
    let end = (start + width).min(chars.len());
    let mut out = String::new();
    if start > 0 {
        out.push('…');
    }
    let mut i = start;
    while i < end {
        if let Some(n) = match_at(i) {
            let stop = (i + n).min(chars.len());
            out.push_str("<mark>");
            escape_into(&mut out, &chars[i..stop].iter().collect::<String>());
            out.push_str("</mark>");
            i = stop;
        } else {
            let c = if chars[i].is_control() { ' ' } else { chars[i] };
            escape_into(&mut out, c.encode_utf8(&mut [0; 4]));
            i += 1;
        }
    }
    if end < chars.len() {
        out.push('…');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tokens(s: &str) -> Vec<String> {
        index_text(s).split(' ').map(str::to_owned).collect()
    }

    #[test]
    fn chinese_text_is_indexed_as_words_single_characters_and_pairs() {
        let t = tokens("数据库连接失败");
        for want in ["数据库", "数据", "据库", "库", "连接", "失败", "接失"] {
            assert!(t.contains(&want.to_owned()), "{want} in {t:?}");
        }
    }

    #[test]
    fn latin_words_are_lower_cased_and_stemmed_alike_in_text_and_query() {
        let t = tokens("VPN servers Logging");
        assert_eq!(t, ["vpn", "server", "log"].map(str::to_owned).to_vec());
        let q = parse_query("server logging").unwrap();
        assert_eq!(q.terms[0].alternatives, vec![vec!["server".to_owned()]]);
        assert_eq!(q.terms[1].alternatives, vec![vec!["log".to_owned()]]);
        assert_eq!(stem("running"), "run");
        assert_eq!(stem("policies"), "policy");
        assert_eq!(stem("class"), "class");
    }

    #[test]
    fn a_long_chinese_word_matches_as_itself_or_as_all_its_pairs() {
        let q = parse_query("数据库").unwrap();
        assert_eq!(q.terms.len(), 1);
        assert_eq!(
            q.terms[0].alternatives,
            vec![
                vec!["数据库".to_owned()],
                vec!["数据".to_owned(), "据库".to_owned()]
            ]
        );
        assert_eq!(
            q.fts5(Combine::All),
            "((\"数据库\") OR (\"数据\" AND \"据库\"))"
        );
        assert_eq!(q.tsquery(Combine::All), "(('数据库') | ('数据' & '据库'))");
    }

    #[test]
    fn mixed_queries_and_prefixes_become_quoted_tokens_only() {
        let q = parse_query("VPN* 无法登录 \"AND\" OR(").unwrap();
        let f = q.fts5(Combine::All);
        assert!(f.starts_with("((\"vpn\"*))"), "{f}");
        assert!(f.contains("\"登录\""), "{f}");
        assert!(f.contains("\"and\"") && f.contains("\"or\""), "{f}");
        assert!(parse_query("  ，。!? ").is_none());
    }

    #[test]
    fn snippets_escape_html_and_mark_the_query_words() {
        let s = snippet(
            "<script>x</script> 数据库连接池耗尽, VPN down",
            &["数据库".to_owned(), "vpn".to_owned()],
            200,
        );
        assert_eq!(
            s,
            "&lt;script&gt;x&lt;/script&gt; <mark>数据库</mark>连接池耗尽, <mark>VPN</mark> down"
        );
        let long = format!("{}数据库{}", "甲".repeat(100), "乙".repeat(100));
        let s = snippet(&long, &["数据库".to_owned()], 40);
        assert!(s.starts_with('…') && s.ends_with('…'), "{s}");
        assert!(s.contains("<mark>数据库</mark>"), "{s}");
    }
}
