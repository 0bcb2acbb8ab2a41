//! API tokens: created with a secret shown once, scoped, expiring, revocable,
//! their last use recorded in the background.

use crate::both_engines;
use crate::harness::*;
use reqwest::StatusCode;
use serde_json::json;

both_engines! {
    async fn tokens_are_scoped_expire_and_stop_working_when_revoked(t: TestApp) {
        let (org, _) = t.organization("令牌单位", "2025-06-01").await;
        let (agent_id, agent) = t.user("tok.agent", "agent", None).await;
        let (other_id, _) = t.user("tok.other", "agent", None).await;
        let (s, created) = t.post(&agent, "/api/v1/tokens", json!({"name": "监控告警接入", "scope": "read"})).await;
        assert_eq!(s, StatusCode::CREATED, "{created}");
        let read = created["secret"].as_str().unwrap().to_owned();
        assert!(read.starts_with("fuwu_"));
        assert_eq!(created["token"]["user_id"], agent_id);
        assert!(created["token"].get("token_hash").is_none(), "never the hash");
        let (s, _) = t.get(&read, "/api/v1/requests").await;
        assert_eq!(s, StatusCode::OK);
        let (s, e) = t.post(&read, "/api/v1/requests", json!({"channel": "api", "category": "fault", "impact": "minor", "urgency": "low", "title": "x", "organization_id": org})).await;
        assert_eq!((s, TestApp::code(&e)), (StatusCode::FORBIDDEN, "forbidden"), "a read token cannot write");
        let (s, _) = t.post(&agent, "/api/v1/tokens", json!({"name": "x", "scope": "admin"})).await;
        assert_eq!(s, StatusCode::FORBIDDEN, "no token more powerful than the one asking");
        let (s, _) = t.post(&agent, "/api/v1/tokens", json!({"name": "x", "scope": "read", "user_id": other_id})).await;
        assert_eq!(s, StatusCode::FORBIDDEN, "only admins issue tokens for others");
        let (_, mine) = t.get(&agent, "/api/v1/tokens").await;
        assert!(mine.as_array().unwrap().iter().all(|k| k["user_id"] == agent_id));

        let id = created["token"]["id"].as_i64().unwrap();
        let (s, revoked) = t.call(&agent, reqwest::Method::DELETE, &format!("/api/v1/tokens/{id}"), None).await;
        assert_eq!(s, StatusCode::OK, "{revoked}");
        assert!(revoked["revoked_at"].is_string());
        let (s, e) = t.get(&read, "/api/v1/requests").await;
        assert_eq!((s, TestApp::code(&e)), (StatusCode::UNAUTHORIZED, "unauthenticated"), "revoked at once");

        let soon = jiff::Timestamp::from_millisecond(T0 + 3_600_000).unwrap().to_string();
        let (_, short) = t.post(&agent, "/api/v1/tokens", json!({"name": "临时", "scope": "write", "expires_at": soon})).await;
        let short = short["secret"].as_str().unwrap().to_owned();
        assert_eq!(t.get(&short, "/api/v1/requests").await.0, StatusCode::OK);
        t.clock.advance(2 * 3_600_000);
        assert_eq!(t.get(&short, "/api/v1/requests").await.0, StatusCode::UNAUTHORIZED, "expired");
        let past = jiff::Timestamp::from_millisecond(T0).unwrap().to_string();
        let (s, e) = t.post(&agent, "/api/v1/tokens", json!({"name": "x", "scope": "read", "expires_at": past})).await;
        assert_eq!((s, e["field"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("expires_at")));
    }

    async fn the_last_use_of_a_token_is_recorded_without_waiting_for_it(t: TestApp) {
        let (_, agent) = t.user("use.agent", "agent", None).await;
        t.get(&agent, "/api/v1/requests").await;
        t.clock.advance(6_000);
        t.get(&agent, "/api/v1/requests").await;
        // The write-back runs in the background; give it a bounded moment.
        let mut recorded = false;
        for _ in 0..50 {
            let (_, list) = t.get(&agent, "/api/v1/tokens").await;
            if list[0]["last_used_at"].is_string() {
                recorded = true;
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
        assert!(recorded, "last use recorded");
    }

    async fn token_use_is_audited_at_most_once_an_hour_per_token(t: TestApp) {
        let (uid, agent) = t.user("used.agent", "agent", None).await;
        let (_, mine) = t.get(&agent, "/api/v1/tokens").await;
        let tid = mine[0]["id"].as_i64().unwrap();
        // Uses 6 s apart are written back in batches; within the hour only the first is audited.
        for step in [6_000, 6_000, 6_000, 3_600_000, 6_000] {
            t.clock.advance(step);
            assert_eq!(t.get(&agent, "/api/v1/requests").await.0, StatusCode::OK);
        }
        let path = format!("/api/v1/audit?kind=token_used&object_type=token&object_id={tid}");
        let mut entries = Vec::new();
        for _ in 0..100 {
            let (_, log) = t.get(&t.admin_token, &path).await;
            entries = log["items"].as_array().unwrap().clone();
            if entries.len() >= 2 {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        let (_, log) = t.get(&t.admin_token, &path).await;
        assert_eq!(log["items"].as_array().map(Vec::len), Some(2), "one entry per token per hour: {log}");
        assert_eq!(entries.len(), 2);
        assert!(entries.iter().all(|e| e["actor_id"] == uid), "recorded as the token's owner");
        let times: Vec<&str> = entries.iter().filter_map(|e| e["at"].as_str()).collect();
        assert_ne!(times[0], times[1]);
    }
}

both_engines! {
    async fn directory_changes_and_security_events_land_in_the_audit_log(t: TestApp) {
        let (org, _) = t.organization("审计单位", "2025-06-01").await;
        let (uid, agent) = t.user("audit.agent", "agent", None).await;
        let (s, _) = t.patch(&t.admin_token, &format!("/api/v1/organizations/{org}"), json!({"version": 1, "notes": "续签"})).await;
        assert_eq!(s, StatusCode::OK);
        let (s, _) = t.patch(&t.admin_token, &format!("/api/v1/users/{uid}"), json!({"version": 1, "role": "engineer"})).await;
        assert_eq!(s, StatusCode::OK);
        let (_, created) = t.post(&t.admin_token, "/api/v1/tokens", json!({"name": "接口", "scope": "read", "user_id": uid})).await;
        let token_id = created["token"]["id"].as_i64().unwrap();
        t.call(&t.admin_token, reqwest::Method::DELETE, &format!("/api/v1/tokens/{token_id}"), None).await;

        let (s, log) = t.get(&t.admin_token, "/api/v1/audit?limit=200").await;
        assert_eq!(s, StatusCode::OK, "{log}");
        let kinds: Vec<&str> = log["items"].as_array().unwrap().iter().map(|e| e["kind"].as_str().unwrap()).collect();
        for k in ["organization_created", "contract_created", "user_created", "organization_updated", "role_changed", "user_updated", "token_created", "token_revoked"] {
            assert!(kinds.contains(&k), "{k} in {kinds:?}");
        }
        let (_, org_log) = t.get(&t.admin_token, &format!("/api/v1/audit?object_type=organization&object_id={org}&kind=organization_updated")).await;
        let entry = &org_log["items"][0];
        let details: serde_json::Value = serde_json::from_str(entry["details"].as_str().unwrap()).unwrap();
        assert_eq!(details["notes"], json!(["", "续签"]), "before and after");
        assert!(details.get("version").is_none() && details.get("updated_at").is_none());
        let (_, role) = t.get(&t.admin_token, &format!("/api/v1/audit?kind=role_changed&object_id={uid}")).await;
        assert_eq!(role["items"][0]["details"].as_str().map(|d| d.contains("agent") && d.contains("engineer")), Some(true));
        let (s, e) = t.get(&agent, "/api/v1/audit").await;
        assert_eq!((s, TestApp::code(&e)), (StatusCode::FORBIDDEN, "forbidden"), "the audit log is the admin's");
    }
}
