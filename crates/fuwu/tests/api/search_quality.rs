//! Search quality: the checked-in set `search_quality.json` (documents from
//! the demo scenarios and the fault categories of the service plan, and
//! Chinese, English and mixed queries with what each must find) is loaded,
//! every query is run over HTTP, and recall@5 — the share of (query, expected
//! document) pairs found among the first five results — must be ≥ 0.9.

use crate::both_engines;
use crate::harness::*;
use crate::knowledge::urlencode;
use serde::Deserialize;
use serde_json::json;
use std::collections::HashMap;

#[derive(Deserialize)]
struct Doc {
    key: String,
    title: String,
    symptom: String,
    cause: String,
    solution: String,
    category: String,
    tags: Vec<String>,
    related_systems: Vec<String>,
}

#[derive(Deserialize)]
struct Q {
    q: String,
    article: String,
    request: Option<String>,
}

#[derive(Deserialize)]
struct Set {
    documents: Vec<Doc>,
    queries: Vec<Q>,
}

const MIN_RECALL: f64 = 0.9;

both_engines! {
    async fn recall_at_5_of_the_checked_in_query_set_is_at_least_0_9(t: TestApp) {
        let set: Set = serde_json::from_str(include_str!("search_quality.json")).unwrap();
        assert!(set.queries.len() >= 100, "the set has at least 100 queries");
        let (org, _) = t.organization("质量评测单位", "2025-06-01").await;
        let mut articles = HashMap::new();
        let mut requests = HashMap::new();
        for d in &set.documents {
            let a = t.ok(&t.admin_token, "/api/v1/articles", json!({
                "title": d.title, "symptom": d.symptom, "cause": d.cause, "solution": d.solution,
                "tags": d.tags, "related_systems": d.related_systems, "visibility": "customers", "status": "published"})).await;
            articles.insert(a["id"].as_i64().unwrap(), d.key.clone());
            let r = t.ok(&t.admin_token, "/api/v1/requests", json!({"channel": "phone", "category": d.category, "impact": "minor", "urgency": "low",
                "title": d.title, "description": d.symptom, "organization_id": org})).await;
            let rid = r["id"].as_i64().unwrap();
            if !d.cause.is_empty() {
                t.ok(&t.admin_token, &format!("/api/v1/requests/{rid}/messages"), json!({"visibility": "internal", "body": d.cause})).await;
            }
            t.ok(&t.admin_token, &format!("/api/v1/requests/{rid}/messages"), json!({"visibility": "public", "body": d.solution})).await;
            requests.insert(rid, d.key.clone());
        }
        let (mut pairs, mut found) = (0, 0);
        let mut misses = Vec::new();
        for q in &set.queries {
            let (s, v) = t.get(&t.admin_token, &format!("/api/v1/search?q={}&limit=5", urlencode(&q.q))).await;
            assert!(s.is_success(), "{}: {v}", q.q);
            let top = |list: &str, keys: &HashMap<i64, String>| -> Vec<String> {
                v[list].as_array().unwrap().iter().take(5).map(|h| keys[&h["id"].as_i64().unwrap()].clone()).collect()
            };
            for (want, got) in [(Some(&q.article), top("articles", &articles)), (q.request.as_ref(), top("requests", &requests))] {
                let Some(want) = want else { continue };
                pairs += 1;
                if got.contains(want) {
                    found += 1;
                } else {
                    misses.push(format!("{:?} should find {want}, got {got:?}", q.q));
                }
            }
        }
        let recall = found as f64 / pairs as f64;
        println!("search quality: recall@5 = {recall:.3} ({found} of {pairs} expected hits, {} queries)", set.queries.len());
        for m in &misses {
            println!("  miss: {m}");
        }
        assert!(recall >= MIN_RECALL, "recall@5 {recall:.3} < {MIN_RECALL}:\n{}", misses.join("\n"));
    }
}
