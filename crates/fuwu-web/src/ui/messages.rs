//! The use cases' refusals in the viewer's language. The app layer and the
//! domain explain a refusal in English (the API's `message`); a form shows
//! it beside the field, so a Chinese viewer needs it in Chinese. As gettext
//! does, the English text is the key: `i18n/messages.zh-CN.txt` holds
//! `English = 中文` lines, where `{}` stands for a part that varies (an id, a
//! value the user typed, a nested message) and is carried over in order.
//! A text with no entry shows as it came (and the tests list every text
//! the app layer and the domain can produce, so none lacks one).

use super::i18n::Lang;
use std::borrow::Cow;
use std::collections::HashMap;
use std::sync::OnceLock;

/// One `English = 中文` line, its texts cut at the `{}`s.
#[derive(Debug)]
struct Pattern {
    english: Vec<&'static str>,
    chinese: Vec<&'static str>,
    /// Letters fixed by the pattern: the most specific of several matches wins.
    fixed: usize,
}

#[derive(Debug)]
pub(crate) struct Messages {
    exact: HashMap<&'static str, &'static str>,
    patterns: Vec<Pattern>,
}

impl Messages {
    fn parse(src: &'static str) -> Messages {
        let mut exact = HashMap::new();
        let mut patterns = Vec::new();
        for line in src.lines().map(str::trim) {
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let Some((en, zh)) = line.split_once(" = ") else {
                continue;
            };
            let (en, zh) = (en.trim(), zh.trim());
            if en.contains("{}") {
                let english: Vec<&str> = en.split("{}").collect();
                patterns.push(Pattern {
                    fixed: english.iter().map(|s| s.len()).sum(),
                    english,
                    chinese: zh.split("{}").collect(),
                });
            } else {
                exact.insert(en, zh);
            }
        }
        // Most specific first: the first pattern that matches is the answer.
        patterns.sort_by_key(|p| std::cmp::Reverse(p.fixed));
        Messages { exact, patterns }
    }

    fn zh() -> &'static Messages {
        static ZH: OnceLock<Messages> = OnceLock::new();
        ZH.get_or_init(|| Messages::parse(include_str!("../../i18n/messages.zh-CN.txt")))
    }

    /// `text` in `lang`; as it came when there is no translation.
    pub(crate) fn translate(lang: Lang, text: &str) -> Cow<'_, str> {
        match lang {
            Lang::En => Cow::Borrowed(text),
            Lang::Zh => Messages::zh().to_chinese(text, 0),
        }
    }

    fn to_chinese<'t>(&self, text: &'t str, depth: u8) -> Cow<'t, str> {
        if let Some(zh) = self.exact.get(text) {
            return Cow::Borrowed(zh);
        }
        if depth < 3 {
            for p in &self.patterns {
                if let Some(parts) = p.capture(text) {
                    // A part that is a sentence is a message carried inside
                    // this one; a single word is a value (a name, a state)
                    // and stays as typed, even if it spells a known message.
                    return Cow::Owned(p.fill(&parts, |part| match part.contains(' ') {
                        true => self.to_chinese(part, depth + 1),
                        false => Cow::Borrowed(part),
                    }));
                }
            }
        }
        Cow::Borrowed(text)
    }

    /// Whether `text` (an English message) has a Chinese translation.
    #[cfg(test)]
    fn covers(&self, text: &str) -> bool {
        self.exact.contains_key(text) || self.patterns.iter().any(|p| p.capture(text).is_some())
    }
}

impl Pattern {
    /// The varying parts of `text`, if it has this pattern's shape.
    fn capture<'t>(&self, text: &'t str) -> Option<Vec<&'t str>> {
        let (first, rest) = self.english.split_first()?;
        let (last, middle) = rest.split_last()?;
        let mut tail = text.strip_prefix(first)?;
        let mut parts = Vec::with_capacity(rest.len());
        for lit in middle {
            let at = tail.find(lit).filter(|_| !lit.is_empty())?;
            parts.push(&tail[..at]);
            tail = &tail[at + lit.len()..];
        }
        let end = tail.strip_suffix(last)?;
        parts.push(end);
        Some(parts)
    }

    fn fill<'t>(&self, parts: &[&'t str], translate: impl Fn(&'t str) -> Cow<'t, str>) -> String {
        let mut out = String::new();
        for (i, lit) in self.chinese.iter().enumerate() {
            out.push_str(lit);
            if i + 1 < self.chinese.len() {
                match parts.get(i) {
                    Some(part) => out.push_str(&translate(part)),
                    None => out.push('…'),
                }
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fixed_varying_and_nested_texts_are_translated() {
        let t = |s| Messages::translate(Lang::Zh, s).into_owned();
        assert_eq!(t("must not be empty"), "不能为空");
        assert_eq!(
            t("no contact 17 in the request's organization"),
            "请求所属单位没有联系人 17"
        );
        // A domain error carried inside another keeps both translated.
        assert_eq!(
            t("line 3: `2026-02-30` is not a date YYYY-MM-DD"),
            "第 3 行：`2026-02-30` 不是 YYYY-MM-DD 格式的日期"
        );
        assert_eq!(
            t("nothing like this is known"),
            "nothing like this is known"
        );
        // A value that happens to spell a message stays as it was given.
        assert_eq!(
            t("`unknown` is not a valid channel; expected one of: phone, web"),
            "`unknown` 不是有效的channel；应为以下之一：phone, web"
        );
        assert_eq!(
            t("cannot close a request that is new"),
            "不能执行「close」：请求的状态是 new"
        );
        assert_eq!(
            Messages::translate(Lang::En, "must not be empty"),
            "must not be empty"
        );
    }

    #[test]
    fn every_line_has_the_same_number_of_varying_parts_in_both_languages() {
        let src = include_str!("../../i18n/messages.zh-CN.txt");
        for line in src
            .lines()
            .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
        {
            let (en, zh) = line
                .split_once(" = ")
                .unwrap_or_else(|| panic!("no ` = ` in {line}"));
            assert_eq!(en.matches("{}").count(), zh.matches("{}").count(), "{line}");
            assert!(!zh.trim().is_empty(), "{line}");
        }
    }

    /// The English texts the app layer refuses with and the domain's error
    /// messages, from their sources: `AppError::invalid(field, "…")`,
    /// `format!("…")` inside one, and `#[error("…")]`; `{…}` becomes `{}`.
    fn english_texts() -> Vec<String> {
        let root = concat!(env!("CARGO_MANIFEST_DIR"), "/..");
        let mut files = Vec::new();
        for dir in ["fuwu-app/src", "fuwu-core/src"] {
            collect_rs(&std::path::Path::new(root).join(dir), &mut files);
        }
        let mut texts = Vec::new();
        for f in files {
            let src = std::fs::read_to_string(&f).expect("source");
            for marker in ["AppError::invalid(", "#[error("] {
                for part in src.split(marker).skip(1) {
                    let call: String = part.chars().take(600).collect();
                    let text = if marker == "#[error(" {
                        first_literal(&call)
                    } else {
                        // The second argument: a literal or a format!'s literal.
                        let (_, arg) = call.split_once(',').unwrap_or(("", ""));
                        let arg = arg.trim_start();
                        if arg.starts_with('"') || arg.starts_with("format!(") {
                            first_literal(arg)
                        } else {
                            None
                        }
                    };
                    if let Some(t) = text {
                        texts.push(t);
                    }
                }
            }
        }
        texts.sort();
        texts.dedup();
        texts
    }

    fn collect_rs(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
        for e in std::fs::read_dir(dir).expect("dir").flatten() {
            let p = e.path();
            if p.is_dir() {
                collect_rs(&p, out);
            } else if p.extension().is_some_and(|x| x == "rs") {
                out.push(p);
            }
        }
    }

    /// The first string literal in `s`, its `{name}`s and `{name:?}`s as `{}`.
    fn first_literal(s: &str) -> Option<String> {
        let start = s.find('"')?;
        let body = &s[start + 1..];
        let mut lit = String::new();
        let mut chars = body.chars();
        while let Some(c) = chars.next() {
            match c {
                '\\' => match chars.next()? {
                    '"' => lit.push('"'),
                    '\\' => lit.push('\\'),
                    'n' => lit.push('\n'),
                    other => lit.push(other),
                },
                '"' => break,
                c => lit.push(c),
            }
        }
        let mut out = String::new();
        let mut rest = lit.as_str();
        while let Some(open) = rest.find('{') {
            out.push_str(&rest[..open]);
            let close = rest[open..].find('}')? + open;
            out.push_str("{}");
            rest = &rest[close + 1..];
        }
        out.push_str(rest);
        (!out.is_empty() && out != "{}").then_some(out)
    }

    #[test]
    fn every_refusal_of_the_app_layer_and_the_domain_has_a_chinese_text() {
        let texts = english_texts();
        assert!(texts.len() > 100, "only {} texts found", texts.len());
        // Each is checked in the shape a viewer meets it: its `{}`s filled.
        let missing: Vec<&String> = texts
            .iter()
            .filter(|t| !Messages::zh().covers(&t.replace("{}", "X1")))
            .collect();
        assert!(
            missing.is_empty(),
            "{} texts lack a line in i18n/messages.zh-CN.txt:\n{}",
            missing.len(),
            missing
                .iter()
                .map(|t| t.as_str())
                .collect::<Vec<_>>()
                .join("\n")
        );
    }
}
