//! Login throttling: failed logins counted per account (the name as typed,
//! whether or not it exists) and per client address in a sliding window.
//! Time is a parameter; the state lives in memory on each node.
//!
//! ```text
//!            failure (count < limit)
//!   open ────────────────────────────▶ open (one more failure in the window)
//!     ▲                                   │ count reaches the limit
//!     │ oldest counted failure            ▼
//!     └──── leaves the window ──────── blocked (attempts are refused unverified,
//!                                      and not counted)
//!   success: the account's failures are forgotten (the address's are not)
//! ```

use std::collections::{HashMap, VecDeque};

/// How many failures are allowed within how long.
#[derive(Debug, Clone, Copy)]
pub struct ThrottleLimits {
    pub window_ms: i64,
    pub per_account: usize,
    pub per_address: usize,
}

impl Default for ThrottleLimits {
    fn default() -> Self {
        ThrottleLimits {
            window_ms: 15 * 60_000,
            per_account: 5,
            per_address: 20,
        }
    }
}

/// Most keys tracked per map (accounts, addresses). Reaching it, keys
/// without failures in the window are dropped first; if that is not enough,
/// the half whose last failure is oldest goes, so memory stays bounded even
/// under a spray of ever new names or addresses.
const MAX_KEYS: usize = 50_000;

#[derive(Debug, Default)]
struct Failures {
    at: VecDeque<i64>,
    /// When a refusal for this key was last reported (to the audit log).
    reported_at: Option<i64>,
}

impl Failures {
    fn prune(&mut self, now: i64, window: i64) {
        while self.at.front().is_some_and(|t| *t <= now - window) {
            self.at.pop_front();
        }
    }

    /// Milliseconds until the count drops below `limit`, if it is at the limit.
    fn blocked_for(&self, now: i64, window: i64, limit: usize) -> Option<i64> {
        (self.at.len() >= limit).then(|| self.at[self.at.len() - limit] + window - now)
    }
}

/// The answer to "may this login be tried?".
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    Allowed,
    /// Refused; `report` is true for the first refusal of a key in a window,
    /// so a flood of attempts does not flood the audit log.
    Blocked {
        retry_after_ms: i64,
        report: bool,
    },
}

#[derive(Debug, Default)]
pub struct Throttle {
    limits: ThrottleLimits,
    accounts: HashMap<String, Failures>,
    addresses: HashMap<String, Failures>,
    /// [`MAX_KEYS`], smaller in tests.
    max_keys: usize,
}

/// Drop the keys with nothing left in the window; if still at `max`, keep
/// only the `max / 2` keys failed most recently.
fn evict(map: &mut HashMap<String, Failures>, now: i64, window: i64, max: usize) {
    map.retain(|_, f| {
        f.prune(now, window);
        !f.at.is_empty() || f.reported_at.is_some_and(|r| r > now - window)
    });
    if map.len() >= max {
        let mut last: Vec<i64> = map
            .values()
            .map(|f| f.at.back().copied().unwrap_or(i64::MIN))
            .collect();
        let keep = max / 2;
        let cut_at = last.len() - keep;
        let (_, cut, _) = last.select_nth_unstable(cut_at);
        let cut = *cut;
        map.retain(|_, f| f.at.back().copied().unwrap_or(i64::MIN) > cut);
    }
}

impl Throttle {
    pub fn new(limits: ThrottleLimits) -> Throttle {
        Throttle::with_max_keys(limits, MAX_KEYS)
    }

    /// A throttle tracking at most `max_keys` accounts and as many addresses.
    pub fn with_max_keys(limits: ThrottleLimits, max_keys: usize) -> Throttle {
        Throttle {
            limits,
            max_keys: max_keys.max(2),
            ..Throttle::default()
        }
    }

    /// How many accounts and addresses are tracked.
    pub fn tracked(&self) -> (usize, usize) {
        (self.accounts.len(), self.addresses.len())
    }

    /// Forget every key with no failure (and no reported refusal) in the
    /// window: run periodically, so that memory follows recent attempts only.
    pub fn prune(&mut self, now: i64) {
        let w = self.limits.window_ms;
        for map in [&mut self.accounts, &mut self.addresses] {
            evict(map, now, w, usize::MAX);
        }
    }

    fn account_key(account: &str) -> String {
        account.trim().to_lowercase()
    }

    /// May `account` be tried from `address` now?
    pub fn check(&mut self, account: &str, address: &str, now: i64) -> Verdict {
        let w = self.limits.window_ms;
        let mut worst: Option<(i64, bool)> = None;
        for (map, key, limit) in [
            (
                &mut self.accounts,
                Self::account_key(account),
                self.limits.per_account,
            ),
            (
                &mut self.addresses,
                address.to_owned(),
                self.limits.per_address,
            ),
        ] {
            let Some(f) = map.get_mut(&key) else { continue };
            f.prune(now, w);
            if let Some(ms) = f.blocked_for(now, w, limit) {
                let report = f.reported_at.is_none_or(|r| r <= now - w);
                if report {
                    f.reported_at = Some(now);
                }
                let (prev_ms, prev_report) = worst.unwrap_or((0, false));
                worst = Some((prev_ms.max(ms), prev_report || report));
            }
        }
        match worst {
            Some((ms, report)) => Verdict::Blocked {
                retry_after_ms: ms.max(1),
                report,
            },
            None => Verdict::Allowed,
        }
    }

    /// Count a failed login.
    pub fn failed(&mut self, account: &str, address: &str, now: i64) {
        let w = self.limits.window_ms;
        let max = self.max_keys;
        for (map, key) in [
            (&mut self.accounts, Self::account_key(account)),
            (&mut self.addresses, address.to_owned()),
        ] {
            if map.len() >= max && !map.contains_key(&key) {
                evict(map, now, w, max);
            }
            let f = map.entry(key).or_default();
            f.prune(now, w);
            f.at.push_back(now);
        }
    }

    /// A successful login forgets the account's failures.
    pub fn succeeded(&mut self, account: &str) {
        self.accounts.remove(&Self::account_key(account));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MIN: i64 = 60_000;

    fn blocked(v: Verdict) -> Option<i64> {
        match v {
            Verdict::Blocked { retry_after_ms, .. } => Some(retry_after_ms),
            Verdict::Allowed => None,
        }
    }

    #[test]
    fn the_sixth_attempt_on_an_account_within_15_minutes_is_refused_until_the_first_failure_ages_out()
     {
        let mut t = Throttle::new(ThrottleLimits::default());
        for i in 0..5 {
            assert_eq!(t.check("li.lei", "10.0.0.1", i * MIN), Verdict::Allowed);
            t.failed("li.lei", "10.0.0.1", i * MIN);
        }
        assert_eq!(
            blocked(t.check("LI.LEI ", "10.0.0.2", 5 * MIN)),
            Some(10 * MIN)
        );
        assert_eq!(
            blocked(t.check("li.lei", "10.0.0.2", 15 * MIN - 1)),
            Some(1)
        );
        assert_eq!(t.check("li.lei", "10.0.0.2", 15 * MIN), Verdict::Allowed);
        assert_eq!(t.check("han.meimei", "10.0.0.1", 5 * MIN), Verdict::Allowed);
    }

    #[test]
    fn twenty_failures_from_one_address_block_it_for_every_account() {
        let mut t = Throttle::new(ThrottleLimits::default());
        for i in 0..20 {
            t.failed(&format!("user{i}"), "10.0.0.9", i);
        }
        assert!(blocked(t.check("someone.else", "10.0.0.9", 30)).is_some());
        assert_eq!(t.check("someone.else", "10.0.0.8", 30), Verdict::Allowed);
    }

    #[test]
    fn a_success_forgets_the_accounts_failures_and_a_refusal_is_reported_once_per_window() {
        let mut t = Throttle::new(ThrottleLimits::default());
        for i in 0..4 {
            t.failed("li.lei", "a", i);
        }
        t.succeeded("li.lei");
        t.failed("li.lei", "a", 10);
        assert_eq!(t.check("li.lei", "a", 11), Verdict::Allowed);
        for i in 0..4 {
            t.failed("li.lei", "a", 20 + i);
        }
        assert!(matches!(
            t.check("li.lei", "a", 30),
            Verdict::Blocked { report: true, .. }
        ));
        assert!(matches!(
            t.check("li.lei", "a", 31),
            Verdict::Blocked { report: false, .. }
        ));
    }

    #[test]
    fn the_maps_stay_bounded_under_a_spray_of_new_names_and_addresses() {
        let mut t = Throttle::with_max_keys(ThrottleLimits::default(), 100);
        for i in 0..10_000 {
            t.failed(
                &format!("spray{i}"),
                &format!("10.1.{}.{}", i / 256, i % 256),
                i,
            );
            let (a, b) = t.tracked();
            assert!(a <= 100 && b <= 100, "{a} {b} after {i}");
        }
        // The most recent failures are the ones kept.
        for _ in 0..4 {
            t.failed("spray9999", "x", 10_001);
        }
        assert!(blocked(t.check("spray9999", "y", 10_002)).is_some());
    }

    #[test]
    fn prune_forgets_keys_whose_failures_left_the_window() {
        let mut t = Throttle::new(ThrottleLimits::default());
        t.failed("old", "10.0.0.1", 0);
        t.failed("new", "10.0.0.2", 10 * MIN);
        t.prune(15 * MIN);
        assert_eq!(t.tracked(), (1, 1));
        t.prune(25 * MIN);
        assert_eq!(t.tracked(), (0, 0));
    }
}
