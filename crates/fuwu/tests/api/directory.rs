//! The directory over HTTP, and the OpenAPI document against the real routes.

use crate::both_engines;
use crate::harness::*;
use reqwest::{Method, StatusCode};
use serde_json::json;

both_engines! {
    async fn directory_records_are_created_read_listed_and_updated_with_versions(t: TestApp) {
        let o = t.ok(&t.admin_token, "/api/v1/organizations", json!({"name": "北京市第八中学", "profile": "重点中学，约3000名师生", "support_needs": "考试周需要现场值守", "phone": "010-6601 2345"})).await;
        let org = o["id"].as_i64().unwrap();
        assert_eq!(o["phone"], "01066012345");
        let k = t.ok(&t.admin_token, "/api/v1/contacts", json!({"organization_id": org, "name": "张伟", "phone": "186 1132 1849", "email": "Zhang.Wei@Example.CN"})).await;
        assert_eq!((k["phone"].as_str(), k["email"].as_str()), (Some("18611321849"), Some("Zhang.Wei@example.cn")));
        let (_, by_phone) = t.get(&t.admin_token, "/api/v1/contacts?phone=186-1132-1849").await;
        assert_eq!(by_phone["items"][0]["name"], "张伟", "the hotline finds a caller by any spelling of the number");
        let s = t.ok(&t.admin_token, "/api/v1/systems", json!({"organization_id": org, "name": "教务管理系统", "kind": "software"})).await;
        let (st, e) = t.post(&t.admin_token, "/api/v1/systems", json!({"organization_id": org, "name": "x", "kind": "spaceship"})).await;
        assert_eq!((st, e["field"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("kind")));
        let team = t.ok(&t.admin_token, "/api/v1/teams", json!({"name": "一线服务台"})).await;
        let (st, e) = t.post(&t.admin_token, "/api/v1/teams", json!({"name": "一线服务台"})).await;
        assert_eq!((st, TestApp::code(&e)), (StatusCode::CONFLICT, "conflict"));
        let (st, upd) = t.patch(&t.admin_token, &format!("/api/v1/organizations/{org}"), json!({"version": 1, "notes": "2026年续签"})).await;
        assert_eq!((st, upd["version"].as_i64(), upd["profile"].as_str()), (StatusCode::OK, Some(2), Some("重点中学，约3000名师生")));
        let (st, e) = t.patch(&t.admin_token, &format!("/api/v1/organizations/{org}"), json!({"version": 1, "notes": "旧"})).await;
        assert_eq!((st, TestApp::code(&e)), (StatusCode::CONFLICT, "version_conflict"));
        let (st, e) = t.post(&t.admin_token, "/api/v1/contracts", json!({"organization_id": org, "code": "X", "name": "x", "accepted_on": "2025-02-30"})).await;
        assert_eq!((st, e["field"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("accepted_on")));
        let k2 = t.ok(&t.admin_token, "/api/v1/contracts", json!({"organization_id": org, "code": "HT-8", "name": "运维", "accepted_on": "2025-02-28", "vip": true})).await;
        assert_eq!((k2["free_service_months"].as_i64(), k2["vip"].as_bool()), (Some(24), Some(true)));
        let r = t.ok(&t.admin_token, "/api/v1/requests", json!({"channel": "phone", "category": "fault", "impact": "minor", "urgency": "low", "title": "x", "organization_id": org, "system_id": s["id"], "requester_contact_id": k["id"]})).await;
        assert_eq!(r["system_id"], s["id"]);
        let (other, _) = t.organization("别的学校", "2025-06-01").await;
        let (st, e) = t.post(&t.admin_token, "/api/v1/requests", json!({"channel": "phone", "category": "fault", "impact": "minor", "urgency": "low", "title": "x", "organization_id": other, "system_id": s["id"]})).await;
        assert_eq!((st, e["field"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("system_id")), "a system of another organization");
        let (st, e) = t.post(&t.admin_token, "/api/v1/requests", json!({"channel": "phone", "category": "fault", "impact": "minor", "urgency": "low", "title": "x", "organization_id": other, "requester_contact_id": k["id"]})).await;
        assert_eq!((st, e["field"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("requester_contact_id")), "a contact of another organization");
        let (st, e) = t.post(&t.admin_token, "/api/v1/requests", json!({"channel": "phone", "category": "fault", "impact": "minor", "urgency": "low", "title": "x", "organization_id": org, "system_id": s["id"], "requester_contact_id": 999_999})).await;
        assert_eq!((st, e["field"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("requester_contact_id")), "no such contact");
        let (st, e) = t.post(&t.admin_token, "/api/v1/requests", json!({"channel": "phone", "category": "fault", "impact": "minor", "urgency": "low", "title": "x", "organization_id": org, "system_id": 999_999})).await;
        assert_eq!((st, e["field"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("system_id")), "no such system");
        let (_, agent) = t.user("agent1", "agent", None).await;
        let (st, _) = t.post(&agent, "/api/v1/teams", json!({"name": "x"})).await;
        assert_eq!(st, StatusCode::FORBIDDEN, "teams are the admin's");
        let (_, cust) = t.user("cust1", "customer_admin", Some(org)).await;
        let (_, mine) = t.get(&cust, "/api/v1/systems").await;
        assert_eq!(mine["items"].as_array().unwrap().len(), 1);
        let (st, _) = t.get(&cust, &format!("/api/v1/organizations/{other}")).await;
        assert_eq!(st, StatusCode::NOT_FOUND);
        let (st, _) = t.get(&cust, "/api/v1/users").await;
        assert_eq!(st, StatusCode::FORBIDDEN);
        let _ = team;
    }

    async fn every_documented_operation_is_served_and_every_served_route_is_documented(t: TestApp) {
        let (s, doc) = t.http.get(format!("{}/api/v1/openapi.json", t.base)).send().await.map(|r| (r.status(), r)).unwrap();
        assert_eq!(s, StatusCode::OK);
        let doc: serde_json::Value = doc.json().await.unwrap();
        assert!(doc["openapi"].as_str().unwrap().starts_with("3."));
        let paths = doc["paths"].as_object().unwrap();
        let mut operations = 0;
        for (path, item) in paths {
            for (method, _) in item.as_object().unwrap() {
                let m = Method::from_bytes(method.to_uppercase().as_bytes()).unwrap();
                let concrete = path.replace("{id}", "999999").replace("{attachment_id}", "999999").replace("{visit_id}", "999999");
                let body = if m == Method::GET { None } else { Some(json!({})) };
                let (status, e) = t.call(&t.admin_token, m.clone(), &concrete, body).await;
                assert_ne!(status, StatusCode::METHOD_NOT_ALLOWED, "{method} {path} is documented but not served");
                assert!(!e["message"].as_str().unwrap_or("").contains("no such endpoint"), "{method} {path} is documented but not served");
                operations += 1;
            }
        }
        assert!(operations >= 40, "{operations} operations");
        // The other way round: what the server serves is documented.
        for (m, p) in [("get", "/api/v1/requests"), ("post", "/api/v1/requests/{id}/escalate"), ("patch", "/api/v1/requests/{id}/visits/{visit_id}"), ("get", "/api/v1/sla-policies")] {
            assert!(paths.get(p).and_then(|i| i.get(m)).is_some(), "{m} {p} undocumented");
        }
        let desc = doc["info"]["description"].as_str().unwrap();
        for (code, _, _) in fuwu_web::error::CODES {
            assert!(desc.contains(code), "error code {code} is listed in the API description");
        }
    }
}
