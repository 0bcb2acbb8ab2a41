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
//! Token order: first the *units* of the text in order (each Latin word, each
//! Chinese character), then the jieba words and character pairs. So two
//! units adjacent in the text are adjacent tokens in the index on both
//! engines, and a phrase (`"数据库 连接池"`) is a phrase of units: an FTS5
//! phrase, a tsquery `<->` chain.
//!
//! A query is a list of terms that must all match; each term is a set of
//! alternatives, each alternative a set of tokens that must all be present,
//! or a phrase of units. A Chinese word of three or more characters matches
//! as itself, or as all of its pairs. A Latin term ending in `*` is a prefix.
//! A word found in a synonym group ([`Synonyms`]) matches any word of the group.

use jieba_rs::Jieba;
use std::collections::{BTreeSet, HashMap};
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

/// The tokens of `text` for the index, space-separated: the units in text
/// order, then the jieba words and pairs (see the module comment).
pub fn index_text(text: &str) -> String {
    let mut units: Vec<String> = Vec::new();
    let mut extra: Vec<String> = Vec::new();
    for (kind, run) in runs(text) {
        match kind {
            Kind::Latin => units.push(stem(&run)),
            Kind::Cjk => {
                for t in JIEBA.cut_for_search(&run, true) {
                    if t.word.chars().count() > 2 {
                        extra.push(t.word.to_owned());
                    }
                }
                let chars: Vec<char> = run.chars().collect();
                for (i, c) in chars.iter().enumerate() {
                    units.push(c.to_string());
                    if let Some(n) = chars.get(i + 1) {
                        extra.push(format!("{c}{n}"));
                    }
                }
            }
        }
    }
    units.extend(extra);
    units.join(" ")
}

/// The units of `text` (stemmed Latin words, single Chinese characters) in
/// order: what a phrase must find adjacent.
pub fn phrase_units(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    for (kind, run) in runs(text) {
        match kind {
            Kind::Latin => out.push(stem(&run)),
            Kind::Cjk => out.extend(run.chars().map(String::from)),
        }
    }
    out
}

/// One alternative of a term: all these tokens must be present.
pub type Alternative = Vec<String>;

/// A query term: any one of its alternatives or phrases must match.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Term {
    pub alternatives: Vec<Alternative>,
    /// Units that must occur adjacent and in this order.
    pub phrases: Vec<Vec<String>>,
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

fn cjk_alternatives(word: &str) -> Vec<Alternative> {
    let n = word.chars().count();
    let chars: Vec<char> = word.chars().collect();
    let pairs: Vec<String> = chars.windows(2).map(|w| w.iter().collect()).collect();
    match n {
        0 => vec![],
        1 | 2 => vec![vec![word.to_owned()]],
        _ => vec![vec![word.to_owned()], pairs],
    }
}

fn cjk_term(word: &str) -> Term {
    Term {
        alternatives: cjk_alternatives(word),
        ..Term::default()
    }
}

/// The synonym groups shipped with Fuwu (`synonyms.txt`, one group a line,
/// words separated by `/`).
pub const SHIPPED_SYNONYMS: &str = include_str!("synonyms.txt");

/// The groups of a synonym list text, ignoring blank lines and `#` comments.
pub fn parse_synonym_list(text: &str) -> Vec<Vec<String>> {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(|l| {
            l.split('/')
                .map(|w| w.split_whitespace().collect::<Vec<_>>().join(" "))
                .filter(|w| !w.is_empty())
                .collect::<Vec<_>>()
        })
        .filter(|g| g.len() > 1)
        .collect()
}

/// Synonym groups for query expansion: a word of a group matches any word
/// of it. Looked up by a single word (a Latin word, stemmed, or a run of
/// Chinese characters); any member, including several words, is searched.
#[derive(Debug, Clone, Default)]
pub struct Synonyms {
    groups: Vec<Vec<String>>,
    by_key: HashMap<String, Vec<usize>>,
    /// The longest Chinese key, in characters (bounds the run scan).
    longest_cjk: usize,
}

impl Synonyms {
    /// The shipped list.
    pub fn shipped() -> Synonyms {
        Synonyms::new(parse_synonym_list(SHIPPED_SYNONYMS))
    }

    /// The shipped list and `custom` groups.
    pub fn shipped_with(custom: Vec<Vec<String>>) -> Synonyms {
        let mut s = SHIPPED.clone();
        for g in custom {
            s.add(g);
        }
        s
    }

    pub fn new(groups: Vec<Vec<String>>) -> Synonyms {
        let mut s = Synonyms::default();
        for g in groups {
            s.add(g);
        }
        s
    }

    /// Add a group (a word in several groups matches all of them).
    pub fn add(&mut self, group: Vec<String>) {
        let i = self.groups.len();
        for w in &group {
            let rs = runs(w);
            if let [(kind, run)] = rs.as_slice() {
                let key = match kind {
                    Kind::Latin => stem(run),
                    Kind::Cjk => {
                        self.longest_cjk = self.longest_cjk.max(run.chars().count());
                        run.clone()
                    }
                };
                let list = self.by_key.entry(key).or_default();
                if !list.contains(&i) {
                    list.push(i);
                }
            }
        }
        self.groups.push(group);
    }

    fn lookup(&self, key: &str) -> Option<&[usize]> {
        self.by_key.get(key).map(Vec::as_slice)
    }

    /// The term for a word found in groups `idx`: every member of them.
    fn term(&self, idx: &[usize], highlights: &mut BTreeSet<String>) -> Term {
        let mut t = Term::default();
        for &i in idx {
            for w in &self.groups[i] {
                highlights.insert(w.to_lowercase());
                let rs = runs(w);
                match rs.as_slice() {
                    [(Kind::Latin, run)] => t.alternatives.push(vec![stem(run)]),
                    [(Kind::Cjk, run)] => t.alternatives.extend(cjk_alternatives(run)),
                    _ => t.phrases.push(phrase_units(w)),
                }
            }
        }
        let mut seen = BTreeSet::new();
        t.alternatives.retain(|a| seen.insert(a.clone()));
        t.phrases
            .retain(|p| !p.is_empty() && seen.insert(p.clone()));
        t
    }

    /// Split a Chinese run into the synonym words it contains (longest
    /// first, left to right) and the rest, which jieba cuts.
    fn cjk_terms(&self, run: &str, highlights: &mut BTreeSet<String>, out: &mut Vec<Term>) {
        let chars: Vec<char> = run.chars().collect();
        let mut rest = String::new();
        let mut i = 0;
        let flush = |rest: &mut String, out: &mut Vec<Term>| {
            for t in JIEBA.cut(rest, true) {
                out.push(cjk_term(t.word));
            }
            rest.clear();
        };
        while i < chars.len() {
            let found = (1..=self.longest_cjk.min(chars.len() - i))
                .rev()
                .find_map(|n| {
                    let w: String = chars[i..i + n].iter().collect();
                    self.lookup(&w).map(|idx| (n, idx))
                });
            match found {
                // A single character is a synonym only when the run is just it
                // (`慢`), not inside a longer word (`慢` in `傲慢`).
                Some((n, idx)) if n > 1 || chars.len() == 1 => {
                    flush(&mut rest, out);
                    out.push(self.term(idx, highlights));
                    i += n;
                }
                _ => {
                    rest.push(chars[i]);
                    i += 1;
                }
            }
        }
        flush(&mut rest, out);
    }
}

static SHIPPED: LazyLock<Synonyms> = LazyLock::new(Synonyms::shipped);

/// Parse what a user typed, with the shipped synonyms. `None` when nothing
/// searchable is left.
pub fn parse_query(q: &str) -> Option<SearchQuery> {
    parse_query_with(q, &SHIPPED)
}

/// Parse what a user typed, expanding words found in `synonyms`. Text in
/// double quotes is a phrase: its units must be adjacent and in order.
pub fn parse_query_with(q: &str, synonyms: &Synonyms) -> Option<SearchQuery> {
    let mut terms: Vec<Term> = Vec::new();
    let mut highlights: BTreeSet<String> = BTreeSet::new();
    let quoted: Vec<&str> = q.split('"').collect();
    // An unmatched quote: what follows it is plain words.
    let balanced = quoted.len() % 2 == 1;
    for (n, part) in quoted.iter().enumerate() {
        let in_quotes = n % 2 == 1 && (balanced || n + 1 < quoted.len());
        if in_quotes {
            let units = phrase_units(part);
            if units.len() > 1 {
                for (_, run) in runs(part) {
                    highlights.insert(run.to_lowercase());
                }
                terms.push(Term {
                    phrases: vec![units],
                    ..Term::default()
                });
                continue;
            }
        }
        plain_terms(part, synonyms, &mut terms, &mut highlights);
    }
    let mut seen = BTreeSet::new();
    terms.retain(|t| {
        !(t.alternatives.is_empty() && t.phrases.is_empty())
            && seen.insert((t.alternatives.clone(), t.phrases.clone()))
    });
    terms.truncate(MAX_TERMS);
    if terms.is_empty() {
        return None;
    }
    let mut highlights: Vec<String> = highlights.into_iter().collect();
    highlights.sort_by_key(|h| std::cmp::Reverse(h.chars().count()));
    Some(SearchQuery { terms, highlights })
}

fn plain_terms(
    text: &str,
    synonyms: &Synonyms,
    terms: &mut Vec<Term>,
    highlights: &mut BTreeSet<String>,
) {
    // Split on whitespace first, so `vpn*` keeps its star.
    for piece in text.split_whitespace() {
        let prefix_piece = piece.ends_with('*');
        let rs = runs(piece);
        let last = rs.len().saturating_sub(1);
        for (i, (kind, run)) in rs.into_iter().enumerate() {
            match kind {
                Kind::Latin => {
                    let prefix = prefix_piece && i == last;
                    highlights.insert(run.to_lowercase());
                    if prefix {
                        terms.push(Term {
                            alternatives: vec![vec![run.to_lowercase()]],
                            prefix: true,
                            ..Term::default()
                        });
                        continue;
                    }
                    let token = stem(&run);
                    match synonyms.lookup(&token) {
                        Some(idx) => terms.push(synonyms.term(idx, highlights)),
                        None => terms.push(Term {
                            alternatives: vec![vec![token]],
                            ..Term::default()
                        }),
                    }
                }
                Kind::Cjk => {
                    highlights.insert(run.clone());
                    synonyms.cjk_terms(&run, highlights, terms);
                }
            }
        }
    }
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
    /// Joins the units of a phrase.
    next: &'static str,
}

const FTS5: Syntax = Syntax {
    token: |t| format!("\"{t}\""),
    prefix: |t| format!("\"{t}\"*"),
    and: " AND ",
    or: " OR ",
    next: " + ",
};

const TSQUERY: Syntax = Syntax {
    token: |t| format!("'{}'", tsquery_quoted(t)),
    prefix: |t| format!("'{}':*", tsquery_quoted(t)),
    and: " & ",
    or: " | ",
    next: " <-> ",
};

impl SearchQuery {
    /// The query in SQLite FTS5 syntax (tokens quoted, so nothing is an operator).
    pub fn fts5(&self, combine: Combine) -> String {
        self.render(&FTS5, combine)
    }

    /// The query as a PostgreSQL `tsquery` literal (`$1::tsquery`): its
    /// operands are lexemes as they are, the index's own tokens.
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
            let phrases = t.phrases.iter().map(|p| {
                let toks: Vec<String> = p.iter().map(|tok| (syntax.token)(tok)).collect();
                format!("({})", toks.join(syntax.next))
            });
            let alts: Vec<String> = t
                .alternatives
                .iter()
                .map(|a| {
                    let toks: Vec<String> = a.iter().map(|tok| spell(tok)).collect();
                    format!("({})", toks.join(syntax.and))
                })
                .chain(phrases)
                .collect();
            format!("({})", alts.join(syntax.or))
        };
        let joiner = match combine {
            Combine::All => syntax.and,
            Combine::Any => syntax.or,
        };
        // A partial match on "to" or "the" alone says nothing and matches
        // nearly every English document: with any-word matching, function
        // words are left out (unless there is nothing else).
        let meaningful = |t: &&Term| combine == Combine::All || !t.is_function_word();
        let kept: Vec<String> = if self.terms.iter().any(|t| !t.is_function_word()) {
            self.terms.iter().filter(meaningful).map(term).collect()
        } else {
            self.terms.iter().map(term).collect()
        };
        kept.join(joiner)
    }
}

/// English function words (as the stemmer leaves them): no evidence of
/// what a document is about.
const FUNCTION_WORDS: &[&str] = &[
    "a", "an", "and", "are", "as", "at", "be", "by", "for", "from", "in", "into", "is", "it",
    "its", "of", "on", "onto", "or", "the", "that", "this", "to", "was", "were", "with",
];

impl Term {
    /// A bare English function word ("to", "the"), typed as a word of its own.
    pub fn is_function_word(&self) -> bool {
        !self.prefix
            && self.phrases.is_empty()
            && matches!(self.alternatives.as_slice(), [alt] if matches!(alt.as_slice(), [w] if FUNCTION_WORDS.contains(&w.as_str())))
    }
}

/// A lexeme inside a quoted `tsquery` operand.
fn tsquery_quoted(t: &str) -> String {
    t.replace('\\', "\\\\").replace('\'', "''")
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
    fn units_come_first_in_text_order_so_adjacent_words_are_adjacent_tokens() {
        let t = tokens("VPN 数据库连接 pools");
        assert_eq!(
            t[..6],
            ["vpn", "数", "据", "库", "连", "接"].map(str::to_owned)
        );
        assert_eq!(t[6], "pool");
        assert!(t[7..].contains(&"数据库".to_owned()) && t[7..].contains(&"库连".to_owned()));
        assert_eq!(
            phrase_units("数据库 Pools"),
            ["数", "据", "库", "pool"].map(str::to_owned)
        );
    }

    #[test]
    fn any_word_matching_leaves_function_words_out_unless_nothing_else_is_left() {
        let q = parse_query_with("burn image to the CD", &Synonyms::default()).unwrap();
        assert_eq!(q.terms.len(), 5);
        assert_eq!(
            q.fts5(Combine::All),
            "((\"burn\")) AND ((\"image\")) AND ((\"to\")) AND ((\"the\")) AND ((\"cd\"))"
        );
        assert_eq!(
            q.tsquery(Combine::Any),
            "(('burn')) | (('image')) | (('cd'))"
        );
        let only = parse_query_with("to be or", &Synonyms::default()).unwrap();
        assert_eq!(
            only.fts5(Combine::Any),
            "((\"to\")) OR ((\"be\")) OR ((\"or\"))"
        );
        // In a phrase or as a prefix the word is the searcher's intent.
        let phrase = parse_query_with("\"log in to\" to*", &Synonyms::default()).unwrap();
        assert!(phrase.terms.iter().all(|t| !t.is_function_word()));
    }

    #[test]
    fn quoted_text_is_a_phrase_of_units_on_both_engines() {
        let q = parse_query_with("\"数据库 连接池\" conn*", &Synonyms::default()).unwrap();
        assert_eq!(
            q.fts5(Combine::All),
            "((\"数\" + \"据\" + \"库\" + \"连\" + \"接\" + \"池\")) AND ((\"conn\"*))"
        );
        assert_eq!(
            q.tsquery(Combine::All),
            "(('数' <-> '据' <-> '库' <-> '连' <-> '接' <-> '池')) & (('conn':*))"
        );
        let q = parse_query_with("\"Connection pool timeouts\"", &Synonyms::default()).unwrap();
        assert_eq!(
            q.terms[0].phrases,
            vec![vec![
                "connection".to_owned(),
                "pool".to_owned(),
                "timeout".to_owned()
            ]]
        );
        // An unmatched quote: plain words.
        let q = parse_query_with("\"vpn down", &Synonyms::default()).unwrap();
        assert_eq!(q.terms.len(), 2);
        assert!(q.terms.iter().all(|t| t.phrases.is_empty()));
    }

    #[test]
    fn synonyms_expand_a_word_into_every_word_of_its_group() {
        let syn = Synonyms::new(parse_synonym_list(
            "# c\n宕机/死机/down/挂了/service down\n慢/slow\n",
        ));
        let q = parse_query_with("服务器宕机", &syn).unwrap();
        let t = q
            .terms
            .iter()
            .find(|t| t.alternatives.contains(&vec!["死机".to_owned()]))
            .unwrap();
        assert!(t.alternatives.contains(&vec!["宕机".to_owned()]));
        assert!(t.alternatives.contains(&vec!["down".to_owned()]));
        assert!(t.alternatives.contains(&vec!["挂了".to_owned()]));
        assert_eq!(
            t.phrases,
            vec![vec!["service".to_owned(), "down".to_owned()]]
        );
        assert!(q.highlights.contains(&"死机".to_owned()));
        // From English to Chinese, and a lone character only on its own.
        let q = parse_query_with("DOWN", &syn).unwrap();
        assert!(q.terms[0].alternatives.contains(&vec!["宕机".to_owned()]));
        assert_eq!(
            parse_query_with("慢", &syn).unwrap().terms[0]
                .alternatives
                .len(),
            2
        );
        assert_eq!(
            parse_query_with("傲慢", &syn).unwrap().terms[0]
                .alternatives
                .len(),
            1
        );
        // The shipped list knows the fault words.
        let q = parse_query("数据库").unwrap();
        assert!(q.terms[0].alternatives.contains(&vec!["db".to_owned()]));
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
        let q = parse_query_with("server logging", &Synonyms::default()).unwrap();
        assert_eq!(q.terms[0].alternatives, vec![vec!["server".to_owned()]]);
        assert_eq!(q.terms[1].alternatives, vec![vec!["log".to_owned()]]);
        assert_eq!(stem("running"), "run");
        assert_eq!(stem("policies"), "policy");
        assert_eq!(stem("class"), "class");
    }

    #[test]
    fn a_long_chinese_word_matches_as_itself_or_as_all_its_pairs() {
        let q = parse_query_with("数据库", &Synonyms::default()).unwrap();
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
    fn tsquery_operands_double_quotes_and_backslashes() {
        // Tokens are letters and digits today; a literal must still never break.
        assert_eq!(super::tsquery_quoted("o'k\\"), "o''k\\\\");
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
