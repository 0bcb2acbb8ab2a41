//! The UI's words: one catalogue per language (`i18n/zh-CN.txt`, `i18n/en.txt`,
//! `key = value` lines), embedded at build time. zh-CN is the default; the
//! `fuwu_lang` cookie picks English.

use std::collections::HashMap;
use std::sync::OnceLock;

/// The cookie holding the chosen language.
pub const LANG_COOKIE: &str = "fuwu_lang";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    Zh,
    En,
}

impl Lang {
    pub const ALL: [Lang; 2] = [Lang::Zh, Lang::En];

    /// The language a cookie value names; anything else is the default, zh-CN.
    pub fn from_cookie(v: Option<&str>) -> Lang {
        match v {
            Some("en") => Lang::En,
            _ => Lang::Zh,
        }
    }

    pub fn parse(v: &str) -> Option<Lang> {
        match v {
            "en" => Some(Lang::En),
            "zh-CN" => Some(Lang::Zh),
            _ => None,
        }
    }

    /// The BCP 47 tag (`<html lang>`, the cookie value).
    pub const fn tag(self) -> &'static str {
        match self {
            Lang::Zh => "zh-CN",
            Lang::En => "en",
        }
    }

    fn source(self) -> &'static str {
        match self {
            Lang::Zh => include_str!("../../i18n/zh-CN.txt"),
            Lang::En => include_str!("../../i18n/en.txt"),
        }
    }

    /// The catalogue of this language.
    pub fn catalog(self) -> &'static Catalog {
        static ZH: OnceLock<Catalog> = OnceLock::new();
        static EN: OnceLock<Catalog> = OnceLock::new();
        let cell = match self {
            Lang::Zh => &ZH,
            Lang::En => &EN,
        };
        cell.get_or_init(|| Catalog::parse(self.source()))
    }
}

/// The strings of one language.
#[derive(Debug)]
pub struct Catalog {
    entries: HashMap<&'static str, &'static str>,
}

impl Catalog {
    fn parse(src: &'static str) -> Catalog {
        let entries = src
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty() && !l.starts_with('#'))
            .filter_map(|l| l.split_once(" = "))
            .map(|(k, v)| (k.trim(), v.trim()))
            .collect();
        Catalog { entries }
    }

    /// The text of `key`; a missing key shows as itself (and fails the tests).
    pub fn get<'a>(&self, key: &'a str) -> &'a str
    where
        'static: 'a,
    {
        self.entries.get(key).copied().unwrap_or(key)
    }

    pub fn has(&self, key: &str) -> bool {
        self.entries.contains_key(key)
    }

    pub fn keys(&self) -> impl Iterator<Item = &&'static str> {
        self.entries.keys()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use fuwu_core::lifecycle::ActionKind;
    use fuwu_core::{
        Category, Channel, Impact, ResponseMode, Stage, Status, Tier, Urgency, WaitingFor,
    };

    #[test]
    fn both_catalogues_have_the_same_keys_and_no_empty_text() {
        let zh: std::collections::BTreeSet<_> = Lang::Zh.catalog().keys().collect();
        let en: std::collections::BTreeSet<_> = Lang::En.catalog().keys().collect();
        assert_eq!(zh, en);
        assert!(zh.len() > 100);
        for l in Lang::ALL {
            for k in l.catalog().keys() {
                assert!(
                    !l.catalog().get(k).is_empty(),
                    "{k} is empty in {}",
                    l.tag()
                );
            }
        }
    }

    #[test]
    fn every_key_the_templates_and_pages_use_is_in_the_catalogues() {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/templates");
        let mut sources: Vec<String> = std::fs::read_dir(dir)
            .expect("templates")
            .filter_map(std::result::Result::ok)
            .filter_map(|e| std::fs::read_to_string(e.path()).ok())
            .collect();
        sources.push(include_str!("mod.rs").to_owned());
        sources.push(include_str!("pages/mod.rs").to_owned());
        sources.push(include_str!("pages/queue.rs").to_owned());
        sources.push(include_str!("pages/request.rs").to_owned());
        sources.push(include_str!("pages/new.rs").to_owned());
        sources.push(include_str!("clocks.rs").to_owned());
        sources.push(include_str!("dashboard.rs").to_owned());
        sources.push(include_str!("files.rs").to_owned());
        let mut checked = 0;
        for src in &sources {
            for part in src.split(".t(\"").skip(1) {
                let key = part.split('"').next().unwrap_or("");
                checked += 1;
                for l in Lang::ALL {
                    assert!(l.catalog().has(key), "`{key}` is missing in {}", l.tag());
                }
            }
        }
        assert!(checked > 50, "only {checked} keys found");
    }

    #[test]
    fn every_vocabulary_value_has_a_name_in_both_languages() {
        let mut keys = Vec::new();
        keys.extend(Status::ALL.iter().map(|v| format!("status.{v}")));
        keys.extend(Category::ALL.iter().map(|v| format!("category.{v}")));
        keys.extend(Impact::ALL.iter().map(|v| format!("impact.{v}")));
        keys.extend(Urgency::ALL.iter().map(|v| format!("urgency.{v}")));
        keys.extend(Tier::ALL.iter().map(|v| format!("tier.{v}")));
        keys.extend(Stage::ALL.iter().map(|v| format!("stage.{v}")));
        keys.extend(WaitingFor::ALL.iter().map(|v| format!("waiting.{v}")));
        keys.extend(ResponseMode::ALL.iter().map(|v| format!("mode.{v}")));
        keys.extend(Channel::ALL.iter().map(|v| format!("channel.{v}")));
        keys.extend(
            ActionKind::ALL
                .iter()
                .map(|v| format!("act.{}", v.as_str())),
        );
        for k in [
            "created",
            "changed",
            "acknowledged",
            "dispatched",
            "responded",
            "stage_changed",
            "escalated",
            "waiting_started",
            "waiting_ended",
            "resolved",
            "feedback",
            "reopened",
            "closed",
            "cancelled",
        ] {
            keys.push(format!("event.{k}"));
        }
        for n in 0..=5 {
            keys.extend([
                format!("level.{n}"),
                format!("leveldef.{n}"),
                format!("levelplain.{n}"),
            ]);
        }
        for l in Lang::ALL {
            for k in &keys {
                assert!(l.catalog().has(k), "`{k}` is missing in {}", l.tag());
            }
        }
    }

    #[test]
    fn an_unknown_cookie_value_falls_back_to_chinese() {
        assert_eq!(Lang::from_cookie(Some("fr")), Lang::Zh);
        assert_eq!(Lang::from_cookie(None), Lang::Zh);
        assert_eq!(Lang::from_cookie(Some("en")), Lang::En);
        assert_eq!(Lang::Zh.catalog().get("nav.logout"), "退出登录");
        assert_eq!(Lang::En.catalog().get("nav.logout"), "Log out");
    }
}
