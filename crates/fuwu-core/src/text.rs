//! Text values parsed at the boundary: once constructed they are valid.

use serde::{Deserialize, Serialize};
use std::fmt;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TextError {
    #[error("{field} must not be empty")]
    Empty { field: &'static str },
    #[error("{field} is too long: {len} characters, at most {max}")]
    TooLong {
        field: &'static str,
        len: usize,
        max: usize,
    },
    #[error("{field} contains control characters")]
    ControlCharacters { field: &'static str },
    #[error("`{value}` is not a valid email address")]
    InvalidEmail { value: String },
    #[error("`{value}` is not a valid phone number")]
    InvalidPhone { value: String },
}

fn check(
    field: &'static str,
    raw: &str,
    max: usize,
    allow_newlines: bool,
) -> Result<String, TextError> {
    let trimmed = raw.trim();
    if trimmed.is_empty() {
        return Err(TextError::Empty { field });
    }
    let len = trimmed.chars().count();
    if len > max {
        return Err(TextError::TooLong { field, len, max });
    }
    if trimmed
        .chars()
        .any(|c| c.is_control() && !(allow_newlines && matches!(c, '\n' | '\r' | '\t')))
    {
        return Err(TextError::ControlCharacters { field });
    }
    Ok(trimmed.to_owned())
}

macro_rules! text_type {
    ($(#[$m:meta])* $name:ident, $field:literal, $max:expr, $newlines:expr) => {
        $(#[$m])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
        #[serde(try_from = "String", into = "String")]
        pub struct $name(String);

        impl $name {
            pub const MAX_CHARS: usize = $max;
            pub fn parse(raw: &str) -> Result<Self, TextError> {
                check($field, raw, $max, $newlines).map($name)
            }
            pub fn as_str(&self) -> &str {
                &self.0
            }
            pub fn into_inner(self) -> String {
                self.0
            }
        }
        impl TryFrom<String> for $name {
            type Error = TextError;
            fn try_from(s: String) -> Result<Self, TextError> {
                Self::parse(&s)
            }
        }
        impl From<$name> for String {
            fn from(v: $name) -> String {
                v.0
            }
        }
        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }
    };
}

text_type!(
    /// A request title: one line, 1–200 characters.
    Title, "title", 200, false
);
text_type!(
    /// Free text that must say something (a plan, a reason, a resolution): up to 20,000 characters.
    NonEmpty, "text", 20_000, true
);

/// An email address, lower-cased domain, minimal but strict shape checks.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Email(String);

impl Email {
    pub fn parse(raw: &str) -> Result<Self, TextError> {
        let v = raw.trim();
        let bad = || TextError::InvalidEmail {
            value: raw.to_owned(),
        };
        let (local, domain) = v.rsplit_once('@').ok_or_else(bad)?;
        let ok = !local.is_empty()
            && local.len() <= 64
            && domain.len() <= 253
            && domain.contains('.')
            && !domain.starts_with('.')
            && !domain.ends_with('.')
            && !v
                .chars()
                .any(|c| c.is_whitespace() || c.is_control() || c == '<' || c == '>');
        if !ok {
            return Err(bad());
        }
        Ok(Email(format!("{local}@{}", domain.to_lowercase())))
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}
impl TryFrom<String> for Email {
    type Error = TextError;
    fn try_from(s: String) -> Result<Self, TextError> {
        Self::parse(&s)
    }
}
impl From<Email> for String {
    fn from(v: Email) -> String {
        v.0
    }
}

/// A phone number as people type it in China (`010-82685596`, `186 1132 1849`,
/// `+86 186…`), normalized to digits with an optional leading `+`, 5–20 digits.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct PhoneNumber(String);

impl PhoneNumber {
    pub fn parse(raw: &str) -> Result<Self, TextError> {
        let v = raw.trim();
        let bad = || TextError::InvalidPhone {
            value: raw.to_owned(),
        };
        let (plus, rest) = match v.strip_prefix('+') {
            Some(r) => ("+", r),
            None => ("", v),
        };
        if !rest
            .chars()
            .all(|c| c.is_ascii_digit() || matches!(c, ' ' | '-' | '(' | ')'))
        {
            return Err(bad());
        }
        let digits: String = rest.chars().filter(char::is_ascii_digit).collect();
        if !(5..=20).contains(&digits.len()) {
            return Err(bad());
        }
        Ok(PhoneNumber(format!("{plus}{digits}")))
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}
impl TryFrom<String> for PhoneNumber {
    type Error = TextError;
    fn try_from(s: String) -> Result<Self, TextError> {
        Self::parse(&s)
    }
}
impl From<PhoneNumber> for String {
    fn from(v: PhoneNumber) -> String {
        v.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_title_is_trimmed_and_must_not_be_blank_or_multiline() {
        assert_eq!(
            Title::parse("  门户无法登录 ").unwrap().as_str(),
            "门户无法登录"
        );
        assert_eq!(
            Title::parse("   "),
            Err(TextError::Empty { field: "title" })
        );
        assert!(matches!(
            Title::parse("a\nb"),
            Err(TextError::ControlCharacters { .. })
        ));
    }

    #[test]
    fn a_title_counts_characters_not_bytes() {
        assert!(Title::parse(&"故".repeat(200)).is_ok());
        assert!(matches!(
            Title::parse(&"故".repeat(201)),
            Err(TextError::TooLong { len: 201, .. })
        ));
    }

    #[test]
    fn free_text_keeps_its_line_breaks() {
        assert_eq!(
            NonEmpty::parse("第一步\n第二步").unwrap().as_str(),
            "第一步\n第二步"
        );
    }

    #[test]
    fn emails_are_checked_and_their_domain_lower_cased() {
        assert_eq!(
            Email::parse("Li.Na@Example.COM").unwrap().as_str(),
            "Li.Na@example.com"
        );
        for bad in ["", "no-at", "a@b", "a@.cn", "a b@c.cn", "@c.cn"] {
            assert!(Email::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn phone_numbers_keep_only_digits_and_a_leading_plus() {
        assert_eq!(
            PhoneNumber::parse("010-8268 5596").unwrap().as_str(),
            "01082685596"
        );
        assert_eq!(
            PhoneNumber::parse("+86 186-1132-1849").unwrap().as_str(),
            "+8618611321849"
        );
        for bad in ["12", "call me", "+", "010-8268x5596"] {
            assert!(PhoneNumber::parse(bad).is_err(), "{bad}");
        }
    }
}
