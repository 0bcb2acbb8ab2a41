//! Password hashing (Argon2id, stored as a PHC string) and the password rule.
//! Hashing is deliberately slow: callers run it on a blocking thread.

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use rand::RngExt;
use std::sync::OnceLock;

/// Fewest characters a password may have.
pub const MIN_PASSWORD_CHARS: usize = 10;
/// Most characters a password may have (hashing cost must stay bounded).
pub const MAX_PASSWORD_CHARS: usize = 256;

/// Why a password is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PasswordRule {
    #[error("must have at least {MIN_PASSWORD_CHARS} characters")]
    TooShort,
    #[error("must have at most {MAX_PASSWORD_CHARS} characters")]
    TooLong,
    #[error("must not be the username")]
    SameAsUsername,
}

/// Hashing failed (bad parameters, a corrupt stored hash): never the user's fault.
#[derive(Debug, thiserror::Error)]
#[error("password hashing: {0}")]
pub struct HashError(pub(crate) String);

/// Check a new password against the rule.
pub fn check_new_password(password: &str, username: &str) -> Result<(), PasswordRule> {
    let n = password.chars().count();
    if n < MIN_PASSWORD_CHARS {
        return Err(PasswordRule::TooShort);
    }
    if n > MAX_PASSWORD_CHARS {
        return Err(PasswordRule::TooLong);
    }
    if password.eq_ignore_ascii_case(username) {
        return Err(PasswordRule::SameAsUsername);
    }
    Ok(())
}

/// Argon2id with the crate's recommended parameters (19 MiB, 2 passes, 1 lane: OWASP's minimum).
fn argon2() -> Argon2<'static> {
    Argon2::new(Algorithm::Argon2id, Version::V0x13, Params::default())
}

/// Hash a password with a fresh random salt; the PHC string carries the parameters.
pub fn hash_password(password: &str) -> Result<String, HashError> {
    hash_with(argon2(), password)
}

/// Hash with other Argon2id parameters (memory in KiB, passes, lanes): how
/// hashes made under earlier settings look. For tests and tools; logins
/// always store [`hash_password`]'s.
pub fn hash_password_with_params(
    password: &str,
    m_cost: u32,
    t_cost: u32,
    p_cost: u32,
) -> Result<String, HashError> {
    let params = Params::new(m_cost, t_cost, p_cost, None).map_err(|e| HashError(e.to_string()))?;
    hash_with(
        Argon2::new(Algorithm::Argon2id, Version::V0x13, params),
        password,
    )
}

fn hash_with(a: Argon2<'_>, password: &str) -> Result<String, HashError> {
    let salt_bytes: [u8; 16] = rand::rng().random();
    let salt = SaltString::encode_b64(&salt_bytes).map_err(|e| HashError(e.to_string()))?;
    a.hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| HashError(e.to_string()))
}

/// Whether a stored hash was made otherwise than [`hash_password`] makes
/// them now (another algorithm or version, other memory, passes or lanes):
/// after a successful login it is replaced by a current one.
pub fn needs_rehash(stored: &str) -> bool {
    let Ok(parsed) = PasswordHash::new(stored) else {
        return false;
    };
    let current = Params::default();
    let same = parsed.algorithm == Algorithm::Argon2id.ident()
        && parsed.version == Some(Version::V0x13.into())
        && Params::try_from(&parsed).is_ok_and(|p| {
            p.m_cost() == current.m_cost()
                && p.t_cost() == current.t_cost()
                && p.p_cost() == current.p_cost()
                && p.output_len().unwrap_or(Params::DEFAULT_OUTPUT_LEN)
                    == current.output_len().unwrap_or(Params::DEFAULT_OUTPUT_LEN)
        });
    !same
}

/// Whether `password` matches the stored PHC string. A hash that cannot be
/// parsed matches nothing.
pub fn verify_password(password: &str, stored: &str) -> bool {
    match PasswordHash::new(stored) {
        Ok(parsed) => argon2()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok(),
        Err(_) => false,
    }
}

/// A hash of a random password, verified against when the account does not
/// exist (or has no password) so that answering takes as long as for a real one.
pub fn dummy_hash() -> &'static str {
    static DUMMY: OnceLock<String> = OnceLock::new();
    DUMMY.get_or_init(|| {
        let random: [u8; 16] = rand::rng().random();
        hash_password(&hex::encode(random)).unwrap_or_default()
    })
}

/// Compare two secrets in time independent of where they differ.
pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    use subtle::ConstantTimeEq;
    // Unequal lengths answer at once: the lengths of our secrets are public.
    a.ct_eq(b).into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_password_verifies_against_its_own_argon2id_hash_only() {
        let h = hash_password("correct horse battery").unwrap();
        assert!(h.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{h}");
        assert!(verify_password("correct horse battery", &h));
        assert!(!verify_password("correct horse batterY", &h));
        assert_ne!(h, hash_password("correct horse battery").unwrap(), "salted");
    }

    #[test]
    fn a_hash_with_weaker_parameters_still_verifies_and_asks_for_a_rehash() {
        let weak = hash_password_with_params("correct horse battery", 8, 1, 1).unwrap();
        assert!(weak.starts_with("$argon2id$v=19$m=8,t=1,p=1$"), "{weak}");
        assert!(
            verify_password("correct horse battery", &weak),
            "its own parameters are used"
        );
        assert!(!verify_password("correct horse batterY", &weak));
        assert!(needs_rehash(&weak));
        let stronger_elsewhere = hash_password_with_params("x", 19 * 1024, 3, 1).unwrap();
        assert!(
            needs_rehash(&stronger_elsewhere),
            "any difference, not only weaker"
        );
        assert!(!needs_rehash(
            &hash_password("correct horse battery").unwrap()
        ));
        assert!(
            !needs_rehash("not a phc string"),
            "nothing to replace it from"
        );
    }

    #[test]
    fn a_corrupt_stored_hash_matches_nothing() {
        assert!(!verify_password("", "not a phc string"));
        assert!(!verify_password("x", ""));
    }

    #[test]
    fn the_rule_asks_for_length_and_refuses_the_username() {
        assert_eq!(
            check_new_password("short", "li.lei"),
            Err(PasswordRule::TooShort)
        );
        assert_eq!(
            check_new_password("密码密码密码密码密码", "li.lei"),
            Ok(()),
            "characters, not bytes"
        );
        assert_eq!(
            check_new_password(&"x".repeat(257), "li.lei"),
            Err(PasswordRule::TooLong)
        );
        assert_eq!(
            check_new_password("Zhang.San.Feng", "zhang.san.feng"),
            Err(PasswordRule::SameAsUsername)
        );
    }

    #[test]
    fn constant_time_eq_compares_whole_values() {
        assert!(constant_time_eq(b"abc", b"abc"));
        assert!(!constant_time_eq(b"abc", b"abd"));
        assert!(!constant_time_eq(b"abc", b"ab"));
    }
}
