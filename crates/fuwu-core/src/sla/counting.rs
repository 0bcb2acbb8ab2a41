//! Which finished clocks attainment counts (SPEC §4, issue 18 §2): each
//! target of each request exactly once.
//!
//! [`super::clock::compute`] leaves one clock per promise that is not
//! superseded, so a store written by it holds one finished clock per
//! (request, target). Stored history written before that rule (or by hand)
//! may hold more: then a breach wins over a met clock (a breach is never
//! erased), and among equals the latest generation counts. The dashboard's
//! SQL applies the same rule (`fuwu_store::sla::COUNTED`); the API tests
//! check that both agree.

use std::collections::HashMap;

/// What the rule needs of a finished (met or breached) clock.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Finished<'a> {
    pub request_id: i64,
    pub target_key: &'a str,
    pub generation: i64,
    pub breached: bool,
}

/// The indexes (ascending) of the clocks that count: one per (request, target).
pub fn counted(clocks: &[Finished<'_>]) -> Vec<usize> {
    let mut best: HashMap<(i64, &str), usize> = HashMap::new();
    for (i, k) in clocks.iter().enumerate() {
        best.entry((k.request_id, k.target_key))
            .and_modify(|b| {
                let old = &clocks[*b];
                if (k.breached, k.generation) > (old.breached, old.generation) {
                    *b = i;
                }
            })
            .or_insert(i);
    }
    let mut out: Vec<usize> = best.into_values().collect();
    out.sort_unstable();
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn f(request_id: i64, target_key: &str, generation: i64, breached: bool) -> Finished<'_> {
        Finished {
            request_id,
            target_key,
            generation,
            breached,
        }
    }

    #[test]
    fn a_target_met_and_breached_in_two_generations_counts_once_as_breached() {
        let rows = [
            f(1, "remote_response_l1", 1, false),
            f(1, "remote_response_l1", 2, false),
            f(1, "restoration_l3", 1, true),
            f(1, "restoration_l3", 3, false),
            f(2, "restoration_l3", 1, false),
        ];
        assert_eq!(counted(&rows), vec![1, 2, 4]);
    }

    proptest! {
        #[test]
        fn each_request_and_target_counts_exactly_once_and_a_breach_is_never_dropped(
            rows in proptest::collection::vec((0i64..4, 0usize..3, 1i64..4, any::<bool>()), 0..40)
        ) {
            const KEYS: [&str; 3] = ["a", "b", "c"];
            let list: Vec<Finished> = rows.iter().map(|&(r, k, g, b)| f(r, KEYS[k], g, b)).collect();
            let chosen = counted(&list);
            let mut seen = std::collections::HashSet::new();
            for &i in &chosen {
                prop_assert!(seen.insert((list[i].request_id, list[i].target_key)), "counted twice");
            }
            for k in &list {
                prop_assert!(seen.contains(&(k.request_id, k.target_key)), "not counted at all");
                if k.breached {
                    let i = chosen.iter().find(|&&i| list[i].request_id == k.request_id && list[i].target_key == k.target_key).unwrap();
                    prop_assert!(list[*i].breached, "a breach was outvoted");
                }
            }
        }
    }
}
