//! Service requests over HTTP: intake, lifecycle, history, versions,
//! idempotency, tenancy, attachments, lists.

use crate::both_engines;
use crate::harness::*;
use reqwest::StatusCode;
use serde_json::{Value, json};

fn id(v: &Value) -> i64 {
    v["id"].as_i64().expect("id")
}

both_engines! {
    async fn a_request_goes_through_its_whole_lifecycle_with_a_full_history(t: TestApp) {
        let (org, contract) = t.organization("西城区教委", "2026-01-05").await;
        let (_, agent) = t.user("li.na", "agent", None).await;
        let (engineer_id, engineer) = t.user("wang.qiang", "engineer", None).await;
        let (_, customer) = t.user("zhao.min", "customer_user", Some(org)).await;
        let (_, r) = t.post(&customer, "/api/v1/requests", json!({
            "channel": "web", "category": "fault", "impact": "unusable", "urgency": "high",
            "title": "教务管理系统主备机均无法访问", "description": "早上八点起所有老师无法登录"})).await;
        assert_eq!(r["status"], "new");
        assert_eq!(r["level"], 3, "unusable × high is a severe fault");
        assert_eq!(r["contract_id"], contract);
        assert_eq!(r["billable"], false, "inside the two free years");
        let rid = id(&r);
        let path = |a: &str| format!("/api/v1/requests/{rid}/{a}");

        t.clock.advance(60_000);
        assert_eq!(t.ok(&agent, &path("acknowledge"), json!({})).await["status"], "acknowledged");
        let (s, e) = t.post(&agent, &path("dispatch"), json!({"tier": "l1"})).await;
        assert_eq!((s, TestApp::code(&e)), (StatusCode::UNPROCESSABLE_ENTITY, "action_requirements"));
        t.clock.advance(60_000);
        let team = t.ok(&t.admin_token, "/api/v1/teams", json!({"name": "一线服务台"})).await;
        let r = t.ok(&agent, &path("dispatch"), json!({"tier": "l1", "team_id": team["id"]})).await;
        assert_eq!((r["status"].as_str(), r["team_id"].as_i64(), r["assignee_id"].as_i64()), (Some("assigned"), team["id"].as_i64(), None));
        let r = t.ok(&agent, &path("respond"), json!({"mode": "phone", "plan": "电话指导重启应用服务"})).await;
        assert_eq!(r["status"], "in_progress");
        assert_eq!(r["response_mode"], "phone");
        let responded_at = r["responded_at"].clone();
        t.clock.advance(600_000);
        let r = t.ok(&agent, &path("escalate"), json!({"to": "l2", "reason": "重启无效，需要研发分析", "assignee_id": engineer_id})).await;
        assert_eq!((r["status"].as_str(), r["tier"].as_str(), r["assignee_id"].as_i64()), (Some("assigned"), Some("l2"), Some(engineer_id)));
        let r = t.ok(&engineer, &path("respond"), json!({"mode": "remote", "plan": "远程登录数据库服务器检查"})).await;
        assert_eq!(r["responded_at"], responded_at, "the first response time stays");
        t.ok(&engineer, &path("stage"), json!({"stage": "analysing"})).await;
        t.ok(&engineer, &path("wait"), json!({"waiting_for": "customer", "reason": "需要提供VPN账号"})).await;
        t.clock.advance(1_800_000);
        t.ok(&customer, &format!("/api/v1/requests/{rid}/messages"), json!({"body": "VPN账号: test / 已发邮件"})).await;
        let (_, d) = t.get(&engineer, &format!("/api/v1/requests/{rid}/timeline")).await;
        assert_eq!(d["request"]["status"], "in_progress", "the customer's reply ended the wait");
        t.ok(&engineer, &format!("/api/v1/requests/{rid}/messages"), json!({"visibility": "internal", "body": "数据库归档日志满"})).await;
        t.clock.advance(3_600_000);
        let r = t.ok(&engineer, &path("resolve"), json!({"resolution": "清理归档日志并扩容"})).await;
        assert_eq!(r["status"], "resolved");
        let (s, e) = t.post(&agent, &path("close"), json!({"basis": "confirmed"})).await;
        assert_eq!((s, TestApp::code(&e)), (StatusCode::UNPROCESSABLE_ENTITY, "action_requirements"), "no confirmation yet: {e}");
        let r = t.ok(&customer, &path("feedback"), json!({"solved": true, "rating": 5, "comment": "很及时"})).await;
        assert_eq!((r["status"].as_str(), r["feedback_rating"].as_i64()), (Some("resolved"), Some(5)));
        let r = t.ok(&agent, &path("close"), json!({"basis": "confirmed", "rating": 5})).await;
        assert_eq!((r["status"].as_str(), r["close_basis"].as_str()), (Some("closed"), Some("confirmed")));

        let (_, d) = t.get(&t.admin_token, &format!("/api/v1/requests/{rid}/timeline")).await;
        let history = d["history"].as_array().unwrap();
        let statuses: Vec<(&str, &str)> = history
            .iter()
            .filter(|e| e["field"] == "status")
            .map(|e| (e["before"].as_str().unwrap(), e["after"].as_str().unwrap()))
            .collect();
        assert_eq!(statuses, [
            ("new", "acknowledged"), ("acknowledged", "assigned"), ("assigned", "in_progress"), ("in_progress", "assigned"), ("assigned", "in_progress"),
            ("in_progress", "pending"), ("pending", "in_progress"), ("in_progress", "resolved"), ("resolved", "closed"),
        ]);
        let escalated = history.iter().find(|e| e["kind"] == "escalated" && e["field"] == "tier").expect("tier change recorded");
        assert_eq!((escalated["before"].as_str(), escalated["after"].as_str()), (Some("l1"), Some("l2")));
        assert!(escalated["actor_id"].as_i64().is_some() && escalated["at"].as_str().is_some());
        assert!(history.iter().any(|e| e["kind"] == "created"));

        let (_, seen) = t.get(&customer, &format!("/api/v1/requests/{rid}/timeline")).await;
        assert!(seen["messages"].as_array().unwrap().iter().all(|m| m["visibility"] == "public"), "customers never see internal notes");
        assert!(seen["history"].as_array().unwrap().iter().all(|e| e["details"].is_null() && (e["field"].is_null() || e["field"] == "status")));
        assert_eq!(d["messages"].as_array().unwrap().len(), 2);
    }

    async fn an_illegal_transition_is_a_409_and_changes_nothing(t: TestApp) {
        let (org, _) = t.organization("某市人民医院", "2025-06-01").await;
        let r = t.request(org, "HIS 挂号模块报错").await;
        let rid = id(&r);
        for (action, body) in [("resolve", json!({"resolution": "x"})), ("close", json!({"basis": "confirmed"})), ("resume", json!({})), ("wait", json!({"waiting_for": "customer", "reason": "x"}))] {
            let (s, e) = t.post(&t.admin_token, &format!("/api/v1/requests/{rid}/{action}"), body).await;
            assert_eq!(s, StatusCode::CONFLICT, "{action}: {e}");
            assert_eq!(TestApp::code(&e), "invalid_transition");
        }
        let (_, d) = t.get(&t.admin_token, &format!("/api/v1/requests/{rid}/timeline")).await;
        assert_eq!((d["request"]["status"].as_str(), d["request"]["version"].as_i64()), (Some("new"), Some(1)));
        assert_eq!(d["history"].as_array().unwrap().len(), 1, "only the creation is recorded");
        let (s, e) = t.post(&t.admin_token, &format!("/api/v1/requests/{rid}/cancel"), json!({"reason": "  "})).await;
        assert_eq!((s, TestApp::code(&e)), (StatusCode::UNPROCESSABLE_ENTITY, "validation_failed"), "cancelling needs a reason");
        let (_, customer) = t.user("c1", "customer_user", Some(org)).await;
        let (s, e) = t.post(&customer, &format!("/api/v1/requests/{rid}/acknowledge"), json!({})).await;
        assert_eq!((s, TestApp::code(&e)), (StatusCode::FORBIDDEN, "action_not_allowed"));
    }

    async fn a_stale_version_is_refused_and_overwrites_nothing(t: TestApp) {
        let (org, _) = t.organization("报业集团", "2025-06-01").await;
        let rid = id(&t.request(org, "稿件系统卡顿").await);
        let p = format!("/api/v1/requests/{rid}");
        let (s, r) = t.patch(&t.admin_token, &p, json!({"version": 1, "title": "稿件系统严重卡顿", "urgency": "high"})).await;
        assert_eq!(s, StatusCode::OK, "{r}");
        assert_eq!((r["version"].as_i64(), r["level"].as_i64()), (Some(2), Some(3)), "partial × high → 3");
        let (s, e) = t.patch(&t.admin_token, &p, json!({"version": 1, "title": "被覆盖"})).await;
        assert_eq!((s, TestApp::code(&e)), (StatusCode::CONFLICT, "version_conflict"));
        let (_, d) = t.get(&t.admin_token, &format!("{p}/timeline")).await;
        assert_eq!(d["request"]["title"], "稿件系统严重卡顿");
        let (s, e) = t.post(&t.admin_token, &format!("{p}/acknowledge"), json!({"version": 1})).await;
        assert_eq!((s, TestApp::code(&e)), (StatusCode::CONFLICT, "version_conflict"), "actions check a version when given");
        let changed: Vec<&str> = d["history"].as_array().unwrap().iter().filter(|e| e["kind"] == "changed").map(|e| e["field"].as_str().unwrap()).collect();
        assert!(changed.contains(&"title") && changed.contains(&"level") && changed.contains(&"urgency"));
    }

    async fn an_idempotency_key_never_creates_a_second_request(t: TestApp) {
        let (org, _) = t.organization("教育局", "2025-06-01").await;
        let body = json!({"channel": "api", "category": "fault", "impact": "minor", "urgency": "low", "title": "监控告警：磁盘使用率 91%", "organization_id": org});
        let send = |key: &'static str, body: Value| {
            let req = t.http.post(format!("{}/api/v1/requests", t.base)).bearer_auth(&t.admin_token).header("Idempotency-Key", key).json(&body);
            async move {
                let r = req.send().await.unwrap();
                (r.status(), r.json::<Value>().await.unwrap())
            }
        };
        let (s1, r1) = send("alert-42", body.clone()).await;
        assert_eq!(s1, StatusCode::CREATED);
        let retries = futures_join(vec![send("alert-42", body.clone()), send("alert-42", body.clone()), send("alert-42", body.clone())]).await;
        for (s, r) in &retries {
            assert_eq!(*s, StatusCode::OK);
            assert_eq!(r["id"], r1["id"]);
        }
        let (s, e) = send("alert-42", json!({"channel": "api", "category": "fault", "impact": "minor", "urgency": "low", "title": "另一个告警", "organization_id": org})).await;
        assert_eq!((s, TestApp::code(&e)), (StatusCode::UNPROCESSABLE_ENTITY, "idempotency_key_reused"));
        // Fresh keys sent concurrently: each creates exactly one.
        let fresh = futures_join(vec![send("k-a", body.clone()), send("k-a", body.clone()), send("k-b", body.clone())]).await;
        let created = fresh.iter().filter(|(s, _)| *s == StatusCode::CREATED).count();
        assert_eq!(created, 2, "{fresh:?}");
        let (_, page) = t.get(&t.admin_token, &format!("/api/v1/requests?organization_id={org}&limit=200")).await;
        assert_eq!(page["items"].as_array().unwrap().len(), 3);
    }

    async fn customers_see_only_their_own_organization(t: TestApp) {
        let (a, _) = t.organization("甲单位", "2025-06-01").await;
        let (b, _) = t.organization("乙单位", "2025-06-01").await;
        let ra = id(&t.request(a, "甲的故障").await);
        let rb = id(&t.request(b, "乙的故障").await);
        t.ok(&t.admin_token, &format!("/api/v1/requests/{ra}/messages"), json!({"visibility": "internal", "body": "内部备注"})).await;
        let (_, ca) = t.user("ca", "customer_user", Some(a)).await;
        let (s, e) = t.get(&ca, &format!("/api/v1/requests/{rb}")).await;
        assert_eq!((s, TestApp::code(&e)), (StatusCode::NOT_FOUND, "not_found"));
        assert!(!e.to_string().contains("乙"), "nothing of the other tenant leaks: {e}");
        let (s, _) = t.get(&ca, &format!("/api/v1/requests/{rb}/timeline")).await;
        assert_eq!(s, StatusCode::NOT_FOUND);
        let (s, own) = t.get(&ca, &format!("/api/v1/requests/{ra}")).await;
        assert_eq!((s, own["title"].as_str()), (StatusCode::OK, Some("甲的故障")));
        let (s, _) = t.post(&ca, &format!("/api/v1/requests/{rb}/messages"), json!({"body": "hi"})).await;
        assert_eq!(s, StatusCode::NOT_FOUND);
        let (_, page) = t.get(&ca, &format!("/api/v1/requests?organization_id={b}")).await;
        assert_eq!(page["items"].as_array().map(Vec::len), Some(0), "asking for another organization finds nothing of it");
        let (_, page) = t.get(&ca, "/api/v1/requests").await;
        let ids: Vec<i64> = page["items"].as_array().unwrap().iter().map(id).collect();
        assert_eq!(ids, [ra], "a customer's list is held to its own organization");
        let (_, d) = t.get(&ca, &format!("/api/v1/requests/{ra}/timeline")).await;
        assert_eq!(d["messages"].as_array().unwrap().len(), 0);
        let (s, e) = t.post(&ca, &format!("/api/v1/requests/{ra}/messages"), json!({"visibility": "internal", "body": "x"})).await;
        assert_eq!((s, TestApp::code(&e)), (StatusCode::FORBIDDEN, "forbidden"));
        let (s, _) = t.post(&ca, "/api/v1/requests", json!({"channel": "web", "category": "fault", "impact": "minor", "urgency": "low", "title": "x", "organization_id": b})).await;
        assert_eq!(s, StatusCode::FORBIDDEN);
        let (s, e) = t.post(&ca, "/api/v1/requests", json!({"channel": "web", "category": "consultation", "impact": "none", "urgency": "low", "title": "如何导出成绩", "level": 3, "level_reason": "x"})).await;
        assert_eq!(s, StatusCode::FORBIDDEN, "customers do not set levels: {e}");
        let (_, third) = t.user("tp", "third_party", None).await;
        let (s, _) = t.get(&third, &format!("/api/v1/requests/{ra}")).await;
        assert_eq!(s, StatusCode::NOT_FOUND, "a third party sees only what is handed to it");
    }

    async fn bad_input_gets_a_clear_error(t: TestApp) {
        let (org, _) = t.organization("测试单位", "2025-06-01").await;
        let url = format!("{}/api/v1/requests", t.base);
        let r = t.http.post(&url).bearer_auth(&t.admin_token).header("content-type", "application/json").body("{not json").send().await.unwrap();
        assert_eq!(r.status(), StatusCode::BAD_REQUEST);
        assert_eq!(r.json::<Value>().await.unwrap()["code"], "bad_request");
        let (s, e) = t.post(&t.admin_token, "/api/v1/requests", json!({"channel": "fax", "category": "fault", "impact": "minor", "urgency": "low", "title": "x", "organization_id": org})).await;
        assert_eq!((s, TestApp::code(&e)), (StatusCode::UNPROCESSABLE_ENTITY, "validation_failed"));
        assert!(e["message"].as_str().unwrap().contains("fax"), "{e}");
        let (s, e) = t.post(&t.admin_token, "/api/v1/requests", json!({"channel": "phone", "category": "fault", "impact": "minor", "urgency": "low", "title": "  ", "organization_id": org})).await;
        assert_eq!((s, e["field"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("title")));
        let (s, e) = t.post(&t.admin_token, "/api/v1/requests", json!({"channel": "phone", "category": "fault", "impact": "minor", "urgency": "low", "title": "x", "organization_id": org, "level": 9})).await;
        assert_eq!((s, TestApp::code(&e)), (StatusCode::UNPROCESSABLE_ENTITY, "validation_failed"));
        let (s, e) = t.post(&t.admin_token, "/api/v1/requests", json!({"channel": "phone", "category": "fault", "impact": "minor", "urgency": "low", "title": "x", "organization_id": org, "level": 4})).await;
        assert_eq!((s, e["field"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("level_reason")), "an override needs a reason");
        let r = t.ok(&t.admin_token, "/api/v1/requests", json!({"channel": "phone", "category": "fault", "impact": "minor", "urgency": "low", "title": "x", "organization_id": org, "level": 4, "level_reason": "涉及考试系统"})).await;
        assert_eq!((r["level"].as_i64(), r["level_override_reason"].as_str()), (Some(4), Some("涉及考试系统")));
        let (s, e) = t.post(&t.admin_token, "/api/v1/requests", json!({"channel": "phone", "category": "fault", "impact": "minor", "urgency": "low", "title": "x", "organization_id": 9999})).await;
        assert_eq!((s, TestApp::code(&e)), (StatusCode::NOT_FOUND, "not_found"));
        for q in ["status=open", "level=7", "sort=title", "created_from=yesterday", "cursor=zzz"] {
            let (s, e) = t.get(&t.admin_token, &format!("/api/v1/requests?{q}")).await;
            assert!(s == StatusCode::BAD_REQUEST || s == StatusCode::UNPROCESSABLE_ENTITY, "{q}: {s} {e}");
        }
        let (s, e) = t.get("nonsense", "/api/v1/requests").await;
        assert_eq!((s, TestApp::code(&e)), (StatusCode::UNAUTHORIZED, "unauthenticated"));
        let r = t.http.get(&url).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
        let (s, e) = t.get(&t.admin_token, "/api/v1/requests/abc").await;
        assert_eq!((s, TestApp::code(&e)), (StatusCode::NOT_FOUND, "not_found"));
        let (s, e) = t.call(&t.admin_token, reqwest::Method::DELETE, "/api/v1/requests", None).await;
        assert_eq!((s, TestApp::code(&e)), (StatusCode::METHOD_NOT_ALLOWED, "method_not_allowed"));
        let (s, e) = t.get(&t.admin_token, "/api/v1/nothing-here").await;
        assert_eq!((s, TestApp::code(&e)), (StatusCode::NOT_FOUND, "not_found"));
    }

    async fn attachments_are_typed_by_content_size_limited_and_served_as_downloads(t: TestApp) {
        let (org, _) = t.organization("附件单位", "2025-06-01").await;
        let rid = id(&t.request(org, "日志上传").await);
        let up = |name: &str, data: Vec<u8>| {
            let req = t.http.post(format!("{}/api/v1/requests/{rid}/attachments?filename={name}", t.base)).bearer_auth(&t.admin_token).body(data);
            async move {
                let r = req.send().await.unwrap();
                (r.status(), r.json::<Value>().await.unwrap_or(Value::Null))
            }
        };
        let log = "2026-11-20 10:00:01 ERROR 连接池耗尽\n".repeat(20).into_bytes();
        let (s, a) = up("..%2F..%2Fapp.log", log.clone()).await;
        assert_eq!(s, StatusCode::CREATED, "{a}");
        assert_eq!((a["filename"].as_str(), a["content_type"].as_str()), (Some("app.log"), Some("text/plain; charset=utf-8")));
        let r = t.http.get(format!("{}/api/v1/requests/{rid}/attachments/{}", t.base, id(&a))).bearer_auth(&t.admin_token).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::OK);
        assert_eq!(r.headers()["x-content-type-options"], "nosniff");
        assert!(r.headers()["content-disposition"].to_str().unwrap().starts_with("attachment"));
        assert_eq!(r.bytes().await.unwrap().to_vec(), log);
        let (s, e) = up("setup.pdf", b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00".repeat(8)).await;
        assert_eq!((s, TestApp::code(&e)), (StatusCode::UNPROCESSABLE_ENTITY, "file_type_not_allowed"), "an executable named .pdf");
        let (s, e) = up("big.log", vec![b'a'; 64 * 1024 + 1]).await;
        assert_eq!((s, TestApp::code(&e)), (StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large"));
        let (_, d) = t.get(&t.admin_token, &format!("/api/v1/requests/{rid}/timeline")).await;
        assert_eq!(d["attachments"].as_array().unwrap().len(), 1, "refused uploads leave nothing behind");
        t.ok(&t.admin_token, &format!("/api/v1/requests/{rid}/cancel"), json!({"reason": "重复提交"})).await;
        let (s, e) = up("late.log", b"after the end".to_vec()).await;
        assert_eq!((s, TestApp::code(&e)), (StatusCode::CONFLICT, "conflict"), "a cancelled request takes no attachments");
        let (b, _) = t.organization("别的单位", "2025-06-01").await;
        let (_, other) = t.user("cb", "customer_user", Some(b)).await;
        let (s, _) = t.get(&other, &format!("/api/v1/requests/{rid}/attachments/{}", id(&a))).await;
        assert_eq!(s, StatusCode::NOT_FOUND);
    }

    async fn lists_filter_sort_and_page_with_a_cursor(t: TestApp) {
        let (a, _) = t.organization("列表甲", "2025-06-01").await;
        let (b, _) = t.organization("列表乙", "2025-06-01").await;
        let mut ids = Vec::new();
        for i in 0..25 {
            t.clock.advance(60_000);
            let impact = ["none", "minor", "partial", "unusable", "crashed"][i % 5];
            let org = if i % 3 == 0 { b } else { a };
            let r = t.ok(&t.admin_token, "/api/v1/requests", json!({"channel": "phone", "category": if i.is_multiple_of(2) { "fault" } else { "consultation" }, "impact": impact, "urgency": "medium", "title": format!("请求 {i}"), "organization_id": org})).await;
            if i % 4 == 0 {
                t.ok(&t.admin_token, &format!("/api/v1/requests/{}/acknowledge", id(&r)), json!({})).await;
            }
            ids.push(id(&r));
        }
        let mut seen = Vec::new();
        let mut cursor: Option<String> = None;
        loop {
            let q = cursor.as_ref().map_or(String::new(), |c| format!("&cursor={c}"));
            let (s, page) = t.get(&t.admin_token, &format!("/api/v1/requests?limit=10{q}")).await;
            assert_eq!(s, StatusCode::OK);
            seen.extend(page["items"].as_array().unwrap().iter().map(id));
            match page["next_cursor"].as_str() {
                Some(c) => cursor = Some(c.to_owned()),
                None => break,
            }
        }
        let mut newest_first = ids.clone();
        newest_first.reverse();
        assert_eq!(seen, newest_first, "every request once, newest first");
        let (_, p) = t.get(&t.admin_token, "/api/v1/requests?level=3,4&limit=200").await;
        assert!(p["items"].as_array().unwrap().iter().all(|r| r["level"].as_i64().unwrap() >= 3));
        assert_eq!(p["items"].as_array().unwrap().len(), 10);
        let (_, p) = t.get(&t.admin_token, &format!("/api/v1/requests?status=acknowledged&organization_id={b}&limit=200")).await;
        assert!(p["items"].as_array().unwrap().iter().all(|r| r["status"] == "acknowledged" && r["organization_id"] == b));
        assert_eq!(p["items"].as_array().unwrap().len(), 3, "i = 0, 12, 24");
        let (_, p) = t.get(&t.admin_token, "/api/v1/requests?sort=level&limit=5&category=fault").await;
        let levels: Vec<i64> = p["items"].as_array().unwrap().iter().map(|r| r["level"].as_i64().unwrap()).collect();
        assert!(levels.windows(2).all(|w| w[0] <= w[1]), "{levels:?}");
        let from = jiff::Timestamp::from_millisecond(T0 + 10 * 60_000).unwrap();
        let (_, p) = t.get(&t.admin_token, &format!("/api/v1/requests?created_to={from}&limit=200")).await;
        assert_eq!(p["items"].as_array().unwrap().len(), 9, "created before the tenth minute");
        let (_, p) = t.get(&t.admin_token, "/api/v1/requests?unassigned=true&limit=1").await;
        assert!(p["next_cursor"].is_string());
    }

    async fn billable_follows_the_contracts_free_service_period(t: TestApp) {
        let (old, _) = t.organization("老客户", "2023-03-01").await;
        let (new, _) = t.organization("新客户", "2025-12-01").await;
        assert_eq!(t.request(old, "质保期外的故障").await["billable"], true);
        assert_eq!(t.request(new, "免费期内的故障").await["billable"], false);
        let (eid, engineer) = t.user("eng", "engineer", None).await;
        let rid = id(&t.request(old, "需要计费的工作").await);
        let (s, e) = t.post(&engineer, &format!("/api/v1/requests/{rid}/work-logs"), json!({"minutes": 90})).await;
        assert_eq!((s, TestApp::code(&e)), (StatusCode::FORBIDDEN, "forbidden"), "an engineer works only what is theirs");
        t.hand_to(rid, "l2", eid).await;
        let w = t.ok(&engineer, &format!("/api/v1/requests/{rid}/work-logs"), json!({"minutes": 90, "note": "现场排查"})).await;
        assert_eq!((w["minutes"].as_i64(), w["billable"].as_bool()), (Some(90), Some(true)));
        let (s, _) = t.post(&engineer, &format!("/api/v1/requests/{rid}/work-logs"), json!({"minutes": 0})).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
        let tomorrow = jiff::Timestamp::from_millisecond(T0 + 86_400_000).unwrap().to_string();
        let (s, e) = t.post(&engineer, &format!("/api/v1/requests/{rid}/work-logs"), json!({"minutes": 30, "worked_at": tomorrow})).await;
        assert_eq!((s, e["field"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("worked_at")));
    }

    async fn on_site_visits_record_departure_arrival_and_work_in_order(t: TestApp) {
        let (org, _) = t.organization("现场单位", "2025-06-01").await;
        let (eid, engineer) = t.user("onsite", "engineer", None).await;
        let rid = id(&t.request(org, "存储阵列告警灯亮").await);
        let (s, _) = t.post(&engineer, &format!("/api/v1/requests/{rid}/visits"), json!({"engineer_id": eid})).await;
        assert_eq!(s, StatusCode::FORBIDDEN, "not the engineer's request yet");
        // The desk sends the engineer on site: from then on they record their visit.
        let v = t.ok(&t.admin_token, &format!("/api/v1/requests/{rid}/visits"), json!({"engineer_id": eid})).await;
        let vp = format!("/api/v1/requests/{rid}/visits/{}", id(&v));
        let at = |mins: i64| jiff::Timestamp::from_millisecond(T0 + mins * 60_000).unwrap().to_string();
        let (s, e) = t.patch(&engineer, &vp, json!({"version": 1, "departed_at": at(10)})).await;
        assert_eq!((s, TestApp::code(&e)), (StatusCode::UNPROCESSABLE_ENTITY, "validation_failed"), "a departure in the future");
        t.clock.advance(4 * 3_600_000);
        let (s, e) = t.patch(&engineer, &vp, json!({"version": 1, "departed_at": at(30), "arrived_at": at(20)})).await;
        assert_eq!((s, TestApp::code(&e)), (StatusCode::UNPROCESSABLE_ENTITY, "validation_failed"), "arrival before departure");
        let (s, v) = t.patch(&engineer, &vp, json!({"version": 1, "departed_at": at(10), "arrived_at": at(95)})).await;
        assert_eq!(s, StatusCode::OK, "{v}");
        let (s, v) = t.patch(&engineer, &vp, json!({"version": 2, "left_at": at(200), "work_done": "更换故障硬盘"})).await;
        assert_eq!(s, StatusCode::OK, "{v}");
        assert_eq!(v["arrived_at"].as_str(), Some(at(95).as_str()));
        let (_, d) = t.get(&t.admin_token, &format!("/api/v1/requests/{rid}/timeline")).await;
        let kinds: Vec<&str> = d["history"].as_array().unwrap().iter().map(|e| e["kind"].as_str().unwrap()).collect();
        for k in ["onsite_requested", "onsite_departed", "onsite_arrived", "onsite_left", "onsite_work_recorded"] {
            assert!(kinds.contains(&k), "{k} in {kinds:?}");
        }
    }
}

async fn futures_join<F: std::future::Future<Output = T> + Send + 'static, T: Send + 'static>(
    fs: Vec<F>,
) -> Vec<T> {
    let handles: Vec<_> = fs.into_iter().map(tokio::spawn).collect();
    let mut out = Vec::new();
    for h in handles {
        out.push(h.await.unwrap());
    }
    out
}

both_engines! {
    async fn the_scheduler_auto_closes_as_its_own_user_once_the_period_has_passed(t: TestApp) {
        let (org, _) = t.organization("自动关闭单位", "2025-06-01").await;
        let rid = id(&t.request(org, "无人反馈的请求").await);
        for (a, b) in [("acknowledge", json!({})), ("respond", json!({"mode": "phone", "plan": "电话指导"})), ("resolve", json!({"resolution": "已指导"}))] {
            t.ok(&t.admin_token, &format!("/api/v1/requests/{rid}/{a}"), b).await;
        }
        let system = t.app.system_actor().await.unwrap();
        assert_eq!(system.role, fuwu_core::Role::System);
        let close = || fuwu_core::lifecycle::Action::Close { basis: fuwu_core::CloseBasis::AutoClose };
        let early = t.app.act(&system, rid, None, close(), Default::default()).await;
        assert!(matches!(early, Err(fuwu_app::AppError::Lifecycle(fuwu_core::lifecycle::LifecycleError::AutoCloseNotDue { .. }))), "{early:?}");
        t.clock.advance(3 * 86_400_000);
        let closed = t.app.act(&system, rid, None, close(), Default::default()).await.unwrap();
        assert_eq!((closed.status.as_str(), closed.close_basis.as_deref()), ("closed", Some("auto_close")));
        let (_, d) = t.get(&t.admin_token, &format!("/api/v1/requests/{rid}/timeline")).await;
        let closing = d["history"].as_array().unwrap().iter().find(|e| e["kind"] == "closed").unwrap();
        assert_eq!(closing["actor_id"].as_i64(), Some(system.user_id), "history names the scheduler");
        let (_, users) = t.get(&t.admin_token, "/api/v1/users?role=system").await;
        assert_eq!(users["items"][0]["active"], false, "the scheduler cannot log in");
    }
}

/// `GET path` as `token` on a client of its own, for reads running at once.
async fn get_with(
    http: reqwest::Client,
    base: String,
    token: String,
    path: String,
) -> (StatusCode, Value) {
    let resp = http
        .get(format!("{base}{path}"))
        .bearer_auth(token)
        .send()
        .await
        .expect("http");
    let status = resp.status();
    (status, resp.json().await.expect("json"))
}

both_engines! {
    // Reads that arrive together (on PostgreSQL they share one statement)
    // each get their own request as their caller may see it, a missing one
    // 404, and a read after an acknowledged write sees that write.
    async fn reads_arriving_together_each_get_their_own_request(t: TestApp) {
        let (org, contract) = t.organization("并发读取单位", "2026-01-05").await;
        let (other, other_contract) = t.organization("另一个单位", "2026-01-05").await;
        let (_, customer) = t.user("chen.jing", "customer_user", Some(org)).await;
        let mut ids = Vec::new();
        for i in 0..12 {
            ids.push(id(&t.request(if i % 3 == 0 { other } else { org }, &format!("并发请求 {i}")).await));
        }
        let missing = ids.iter().max().unwrap() + 1000;
        let mut cases = Vec::new();
        for &rid in ids.iter().chain([&missing]) {
            for token in [&t.admin_token, &customer] {
                let path = format!("/api/v1/requests/{rid}");
                cases.push((token.clone(), path.clone(), t.get(token, &path).await));
            }
        }
        let own = cases.iter().find(|(tok, p, _)| *tok == customer && *p == format!("/api/v1/requests/{}", ids[1])).unwrap();
        assert_eq!((own.2.0, own.2.1["entitlement"]["contract"]["id"].as_i64()), (StatusCode::OK, Some(contract)));
        let foreign = cases.iter().find(|(tok, p, _)| *tok == customer && *p == format!("/api/v1/requests/{}", ids[0])).unwrap();
        assert_eq!(foreign.2.0, StatusCode::NOT_FOUND, "another organization's request is out of the customer's sight");

        // Straight at the store, 300 at once (batches of many, duplicates among them).
        let reads: Vec<_> = (0..300usize).map(|k| {
            let db = t.app.db.clone();
            let rid = if k % 25 == 0 { missing } else { ids[k % ids.len()] };
            tokio::spawn(async move { (rid, db.request_with_contract(rid).await) })
        }).collect();
        for r in reads {
            match r.await.unwrap() {
                (rid, Ok(found)) => {
                    assert_eq!(found.request.id, rid);
                    let expected = if found.request.organization_id == org { contract } else { other_contract };
                    assert_eq!(found.contract.map(|k| k.id), Some(expected));
                }
                (rid, Err(e)) => assert!(rid == missing && matches!(e, fuwu_store::StoreError::NotFound), "{rid}: {e}"),
            }
        }
        // Writers on their own requests, each reading its write back at once…
        let writers: Vec<_> = ids[6..].iter().map(|&rid| {
            let (http, base, token) = (t.http.clone(), t.base.clone(), t.admin_token.clone());
            tokio::spawn(async move {
                for round in 0..5 {
                    let path = format!("/api/v1/requests/{rid}");
                    let (_, before) = get_with(http.clone(), base.clone(), token.clone(), path.clone()).await;
                    let title = format!("改过 {round} 次的请求 {rid}");
                    let resp = http.patch(format!("{base}{path}")).bearer_auth(&token)
                        .json(&json!({"version": before["version"], "title": title}))
                        .send().await.expect("http");
                    assert_eq!(resp.status(), StatusCode::OK);
                    let (_, after) = get_with(http.clone(), base.clone(), token.clone(), path).await;
                    assert_eq!(after["title"], title.as_str(), "a read after the write sees it");
                }
            })
        }).collect();
        // …while readers of the unchanged ones ask 400 times, 64 at a time.
        let stable: Vec<_> = cases.iter().filter(|(_, p, _)| !ids[6..].iter().any(|r| *p == format!("/api/v1/requests/{r}"))).cloned().collect();
        for round in 0..(400 / 64 + 1) {
            let reads: Vec<_> = (0..64).map(|k| {
                let (token, path, expected) = stable[(round * 64 + k * 7) % stable.len()].clone();
                let (http, base) = (t.http.clone(), t.base.clone());
                tokio::spawn(async move {
                    let got = get_with(http, base, token, path.clone()).await;
                    assert_eq!(got, expected, "GET {path}");
                })
            }).collect();
            for r in reads {
                r.await.unwrap();
            }
        }
        for w in writers {
            w.await.unwrap();
        }
    }
}

both_engines! {
    // Creates that arrive together (on PostgreSQL written together, one
    // statement per table) each get their own request with its own history
    // row, clocks and search entry; a key two of them share still creates
    // one request, and that conflict fails none of the others.
    async fn creates_arriving_together_each_get_their_own_request(t: TestApp) {
        let (org, contract) = t.organization("并发受理单位", "2026-01-05").await;
        let body = |i: usize| json!({"channel": "phone", "category": "fault", "impact": if i.is_multiple_of(2) { "unusable" } else { "minor" },
            "urgency": "high", "title": format!("并发受理 第{i}号 故障"), "description": format!("编号 ZX{i:03}"), "organization_id": org});
        let send = |i: usize| {
            let mut req = t.http.post(format!("{}/api/v1/requests", t.base)).bearer_auth(&t.admin_token).json(&body(if i == 1 { 0 } else { i }));
            // 0 and 1 share a key and a body; 2 and 3 share a key with different bodies.
            match i {
                0 | 1 => req = req.header("Idempotency-Key", "shared-key"),
                2 | 3 => req = req.header("Idempotency-Key", "reused-key"),
                i if i.is_multiple_of(5) => req = req.header("Idempotency-Key", format!("own-{i}")),
                _ => {}
            }
            tokio::spawn(async move {
                let r = req.send().await.expect("http");
                (i, r.status(), r.json::<Value>().await.expect("json"))
            })
        };
        // A wave that writes together without a conflict, then one with the
        // conflicting keys among others.
        let mut results = Vec::new();
        for wave in [(4..24).collect::<Vec<usize>>(), (0..4).chain(24..40).collect()] {
            let sent: Vec<_> = wave.into_iter().map(send).collect();
            for s in sent {
                results.push(s.await.unwrap());
            }
        }
        results.sort_by_key(|(i, _, _)| *i);
        let mut created = Vec::new();
        for (i, status, r) in &results {
            match i {
                1 => continue,
                3 => {
                    // Whichever of 2 and 3 came second was told the key was reused.
                    let first = &results[2];
                    if first.1 == StatusCode::CREATED {
                        assert_eq!((*status, TestApp::code(r)), (StatusCode::UNPROCESSABLE_ENTITY, "idempotency_key_reused"), "{r}");
                        continue;
                    }
                }
                2 if results[3].1 == StatusCode::CREATED => {
                    assert_eq!((*status, TestApp::code(r)), (StatusCode::UNPROCESSABLE_ENTITY, "idempotency_key_reused"), "{r}");
                    continue;
                }
                _ => {}
            }
            assert!(*status == StatusCode::CREATED || (*i == 0 && *status == StatusCode::OK), "{i}: {status} {r}");
            assert_eq!(r["title"], format!("并发受理 第{i}号 故障"), "{i}: {r}");
            assert_eq!((r["level"].as_i64(), r["contract_id"].as_i64(), r["version"].as_i64()), (Some(if i.is_multiple_of(2) { 3 } else { 2 }), Some(contract), Some(1)));
            created.push((*i, id(r)));
        }
        let shared: Vec<_> = results[..2].iter().map(|(_, s, r)| (*s, id(r))).collect();
        assert_eq!(shared[0].1, shared[1].1, "one key, one request: {shared:?}");
        assert_eq!(shared.iter().filter(|(s, _)| *s == StatusCode::CREATED).count(), 1, "{shared:?}");
        let mut ids: Vec<i64> = created.iter().map(|(_, rid)| *rid).collect();
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(ids.len(), 38, "38 distinct requests (0 and 1 share one, 2 or 3 was refused)");
        let (_, page) = t.get(&t.admin_token, &format!("/api/v1/requests?organization_id={org}&limit=200")).await;
        assert_eq!(page["items"].as_array().unwrap().len(), 38);

        for (i, rid) in created.iter().filter(|(i, _)| *i != 1) {
            let (s, d) = t.get(&t.admin_token, &format!("/api/v1/requests/{rid}/timeline")).await;
            assert_eq!(s, StatusCode::OK);
            assert_eq!(d["request"]["description"], format!("编号 ZX{i:03}"));
            let history = d["history"].as_array().unwrap();
            assert_eq!(history.len(), 1, "{rid}: {history:?}");
            assert_eq!(history[0]["kind"], "created");
            assert_eq!(history[0]["details"]["level"].as_i64().or_else(|| {
                history[0]["details"].as_str().and_then(|s| serde_json::from_str::<Value>(s).ok()).and_then(|v| v["level"].as_i64())
            }), Some(if i.is_multiple_of(2) { 3 } else { 2 }));
            let (s, clocks) = t.get(&t.admin_token, &format!("/api/v1/requests/{rid}/clocks")).await;
            assert_eq!(s, StatusCode::OK, "{clocks}");
            let clocks = clocks["clocks"].as_array().unwrap();
            assert!(!clocks.is_empty() && clocks.iter().all(|k| k["level"].as_i64() == Some(if i.is_multiple_of(2) { 3 } else { 2 })), "{rid}: {clocks:?}");
        }
        // Each is in the search queue: a search (which drains it) finds it by its own text.
        for (i, rid) in created.iter().filter(|(i, _)| *i != 1 && i.is_multiple_of(7)) {
            let (s, v) = t.get(&t.admin_token, &format!("/api/v1/search?q=ZX{i:03}&type=request")).await;
            assert_eq!(s, StatusCode::OK, "{v}");
            let found: Vec<i64> = v["requests"].as_array().unwrap().iter().map(id).collect();
            assert_eq!(found.first(), Some(rid), "ZX{i:03}: {v}");
        }
    }
}
