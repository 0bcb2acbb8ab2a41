//! Fault reports (SPEC §7) and reopened requests, through the API with a
//! fixed clock: a report drafted from the history, reviewed and delivered;
//! what the customer may read; the report clock met in time and breached
//! when late; a reopen that resumes restoration and voids the report clock;
//! the entitlement every request shows.

use crate::both_engines;
use crate::harness::*;
use reqwest::StatusCode;
use serde_json::{Value, json};

const MIN: i64 = 60_000;
const HOUR: i64 = 60 * MIN;
const SECRET: &str = "SECRET-INTERNAL-REPORT";

fn id(v: &Value) -> i64 {
    v["id"].as_i64().unwrap_or_else(|| panic!("no id in {v}"))
}

struct People {
    org: i64,
    engineer: String,
    leader: String,
    customer: String,
    customer_admin: String,
    stranger: String,
}

async fn people(t: &TestApp) -> People {
    let team = id(&t
        .ok(&t.admin_token, "/api/v1/teams", json!({"name": "二线一组"}))
        .await);
    let u = t
        .ok(&t.admin_token, "/api/v1/users", json!({"username": "eng", "display_name": "工程师", "role": "engineer", "team_id": team}))
        .await;
    let engineer = t
        .app
        .issue_token(id(&u), "test", "write", None)
        .await
        .unwrap();
    let (leader_id, leader) = t.user("p.leader", "project_leader", None).await;
    let org = id(&t
        .ok(
            &t.admin_token,
            "/api/v1/organizations",
            json!({"name": "西城区教委"}),
        )
        .await);
    t.ok(&t.admin_token, "/api/v1/contracts", json!({"organization_id": org, "code": "HT-1", "name": "运维合同", "accepted_on": "2026-01-05", "project_leader_id": leader_id}))
        .await;
    let (_, customer) = t.user("cust", "customer_user", Some(org)).await;
    let (_, customer_admin) = t.user("cust.admin", "customer_admin", Some(org)).await;
    let other = id(&t
        .ok(
            &t.admin_token,
            "/api/v1/organizations",
            json!({"name": "别的单位"}),
        )
        .await);
    let (_, stranger) = t.user("stranger", "customer_user", Some(other)).await;
    People {
        org,
        engineer,
        leader,
        customer,
        customer_admin,
        stranger,
    }
}

/// A level-3 fault raised now (Friday 2026-11-20 10:00 Beijing), dispatched
/// to the engineer's team, responded to.
async fn fault(t: &TestApp, p: &People) -> i64 {
    let r = t
        .ok(&t.admin_token, "/api/v1/requests", json!({"channel": "phone", "category": "fault", "impact": "unusable", "urgency": "high", "title": "主备机均无法访问", "description": "上午 9:50 起门户无法登录，主备机均无响应", "organization_id": p.org}))
        .await;
    assert_eq!(r["level"], 3);
    let rid = id(&r);
    let (_, me) = t.get(&p.engineer, "/api/v1/me").await;
    let engineer = me["user"]["id"].as_i64().unwrap();
    t.hand_to(rid, "l2", engineer).await;
    t.ok(
        &p.engineer,
        &format!("/api/v1/requests/{rid}/respond"),
        json!({"mode": "remote", "plan": "远程登录检查存储"}),
    )
    .await;
    rid
}

fn clock<'a>(clocks: &'a Value, key: &str) -> &'a Value {
    clocks["clocks"]
        .as_array()
        .unwrap()
        .iter()
        .rfind(|c| c["target_key"] == key)
        .unwrap_or_else(|| panic!("no clock {key} in {clocks}"))
}

async fn clocks(t: &TestApp, rid: i64) -> Value {
    let (s, v) = t
        .get(&t.admin_token, &format!("/api/v1/requests/{rid}/clocks"))
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    v
}

fn report_path(rid: i64, step: &str) -> String {
    if step.is_empty() {
        format!("/api/v1/requests/{rid}/fault-report")
    } else {
        format!("/api/v1/requests/{rid}/fault-report/{step}")
    }
}

/// Draft (engineer), review and approve (project leader).
async fn approved_report(t: &TestApp, p: &People, rid: i64) -> Value {
    let draft = t.ok(&p.engineer, &report_path(rid, ""), json!({})).await;
    t.ok(
        &p.engineer,
        &report_path(rid, "submit-review"),
        json!({"version": draft["version"]}),
    )
    .await;
    t.ok(&p.leader, &report_path(rid, "approve"), json!({}))
        .await
}

both_engines! {
    async fn a_fault_report_is_drafted_from_the_history_reviewed_and_delivered_in_time(t: TestApp) {
        let p = people(&t).await;
        let rid = fault(&t, &p).await;
        let path = report_path(rid, "");
        // Not resolved yet: nothing to report.
        let (s, e) = t.post(&p.engineer, &path, json!({})).await;
        assert_eq!((s, TestApp::code(&e)), (StatusCode::CONFLICT, "invalid_transition"), "{e}");
        t.ok(&p.engineer, &format!("/api/v1/requests/{rid}/wait"), json!({"waiting_for": "customer", "reason": "等待用户提供日志"})).await;
        t.clock.advance(30 * MIN);
        t.ok(&p.engineer, &format!("/api/v1/requests/{rid}/resume"), json!({})).await;
        t.clock.advance(30 * MIN); // 11:00 Beijing
        t.ok(&p.engineer, &format!("/api/v1/requests/{rid}/resolve"), json!({"resolution": "更换存储控制器并恢复服务"})).await;

        // The customer cannot tell whether a report exists before delivery.
        assert_eq!(t.get(&p.customer, &path).await.0, StatusCode::NOT_FOUND);
        let (s, draft) = t.post(&p.engineer, &path, json!({})).await;
        assert_eq!(s, StatusCode::CREATED, "{draft}");
        assert_eq!(draft["status"], "draft");
        assert_eq!(draft["symptom"], "上午 9:50 起门户无法登录，主备机均无响应");
        assert_eq!(draft["solution"], "更换存储控制器并恢复服务");
        assert!(draft["handling"].as_str().unwrap().contains("远程登录检查存储"), "{draft}");
        assert_eq!(draft["resolved_at"], "2026-11-20T03:00:00Z");
        let kinds: Vec<&str> = draft["timeline"].as_array().unwrap().iter().map(|e| e["kind"].as_str().unwrap()).collect();
        assert_eq!(kinds, ["created", "acknowledged", "dispatched", "responded", "waiting_started", "waiting_ended", "resolved"]);
        let resolved = &draft["timeline"][6];
        assert_eq!(resolved["at"], "2026-11-20T03:00:00Z");
        assert!(resolved["text"].as_str().unwrap().contains("更换存储控制器"), "{resolved}");
        assert_eq!(draft["timeline"][4]["at"], "2026-11-20T02:00:00Z");
        // 2 working days on cn-mainland from Friday 11:00: Tuesday 11:00 Beijing.
        assert_eq!((draft["due"]["target_key"].as_str(), draft["due"]["deadline"].as_str(), draft["due"]["state"].as_str()),
            (Some("fault_report"), Some("2026-11-24T03:00:00Z"), Some("running")));
        // One report per request.
        let (s, e) = t.post(&p.engineer, &path, json!({})).await;
        assert_eq!((s, TestApp::code(&e)), (StatusCode::CONFLICT, "conflict"));
        assert_eq!(t.get(&p.customer, &path).await.0, StatusCode::NOT_FOUND, "a draft stays hidden");

        // Edits carry the version read.
        let edit = json!({"version": 1, "cause": "存储控制器固件缺陷", "prevention": "升级固件，每月巡检存储日志", "internal_notes": format!("厂商承认缺陷 {SECRET}")});
        let edited = t.ok_patch_as(&p.engineer, &path, edit.clone()).await;
        assert_eq!((edited["version"].as_i64(), edited["cause"].as_str()), (Some(2), Some("存储控制器固件缺陷")));
        let (s, e) = t.patch(&p.engineer, &path, edit).await;
        assert_eq!((s, TestApp::code(&e)), (StatusCode::CONFLICT, "version_conflict"));

        // Review: the engineer submits, may not approve; the leader returns, then approves.
        t.ok(&p.engineer, &report_path(rid, "submit-review"), json!({"version": 2})).await;
        let (s, e) = t.patch(&p.engineer, &path, json!({"version": 3, "cause": "x"})).await;
        assert_eq!((s, TestApp::code(&e)), (StatusCode::CONFLICT, "invalid_transition"), "in review: no edits");
        let (s, _) = t.post(&p.engineer, &report_path(rid, "approve"), json!({})).await;
        assert_eq!(s, StatusCode::FORBIDDEN);
        let (s, e) = t.post(&p.leader, &report_path(rid, "return"), json!({})).await;
        assert_eq!((s, TestApp::code(&e)), (StatusCode::UNPROCESSABLE_ENTITY, "validation_failed"));
        let returned = t.ok(&p.leader, &report_path(rid, "return"), json!({"comment": format!("补充影响范围 {SECRET}")})).await;
        assert_eq!(returned["status"], "returned");
        t.ok_patch_as(&p.engineer, &path, json!({"version": returned["version"], "impact": "全体用户无法登录门户约 1 小时"})).await;
        t.ok(&p.engineer, &report_path(rid, "submit-review"), json!({})).await;
        let approved = t.ok(&p.leader, &report_path(rid, "approve"), json!({"comment": "同意"})).await;
        assert_eq!(approved["status"], "approved");
        assert_eq!(t.get(&p.customer, &path).await.0, StatusCode::NOT_FOUND, "approved is not delivered");

        // Delivered on Monday: in time.
        t.clock.advance(3 * 24 * HOUR);
        let delivered = t.ok(&p.leader, &report_path(rid, "deliver"), json!({})).await;
        assert_eq!((delivered["status"].as_str(), delivered["due"]["state"].as_str()), (Some("delivered"), Some("met")));
        assert_eq!(clock(&clocks(&t, rid).await, "fault_report")["state"], "met");

        // The customer (and the organization's admin) read it without internal fields.
        for token in [&p.customer, &p.customer_admin] {
            let (s, seen) = t.get(token, &path).await;
            assert_eq!(s, StatusCode::OK, "{seen}");
            assert_eq!(seen["cause"], "存储控制器固件缺陷");
            assert_eq!(seen["impact"], "全体用户无法登录门户约 1 小时");
            assert_eq!(seen["timeline"].as_array().unwrap().len(), 7);
            for internal in ["internal_notes", "review_comment", "author_id", "reviewer_id", "version", "due"] {
                assert!(seen.get(internal).is_none(), "{internal} leaks: {seen}");
            }
            assert!(!seen.to_string().contains(SECRET), "{seen}");
        }
        // The customer's history shows the delivery, not the internal review.
        let (_, detail) = t.get(&p.customer, &format!("/api/v1/requests/{rid}/timeline")).await;
        let kinds: Vec<&str> = detail["history"].as_array().unwrap().iter().map(|e| e["kind"].as_str().unwrap()).collect();
        assert!(kinds.contains(&"report_submitted"), "{kinds:?}");
        assert!(!kinds.iter().any(|k| k.starts_with("fault_report_")), "{kinds:?}");
        let (_, staff) = t.get(&t.admin_token, &format!("/api/v1/requests/{rid}/timeline")).await;
        assert!(staff["history"].as_array().unwrap().iter().any(|e| e["kind"] == "fault_report_returned"));
        // Another organization's customer: not found.
        assert_eq!(t.get(&p.stranger, &path).await.0, StatusCode::NOT_FOUND);
        assert_eq!(t.post(&p.stranger, &report_path(rid, "deliver"), json!({})).await.0, StatusCode::FORBIDDEN);
        // Delivered is final.
        let (s, e) = t.post(&p.leader, &report_path(rid, "deliver"), json!({})).await;
        assert_eq!((s, TestApp::code(&e)), (StatusCode::CONFLICT, "invalid_transition"));
    }

    async fn a_late_fault_report_breaches_escalates_and_stays_breached_once_delivered(t: TestApp) {
        let p = people(&t).await;
        let rid = fault(&t, &p).await;
        t.clock.advance(HOUR);
        t.ok(&p.engineer, &format!("/api/v1/requests/{rid}/resolve"), json!({"resolution": "重启服务"})).await;
        let approved = approved_report(&t, &p, rid).await;
        assert_eq!(approved["due"]["deadline"], "2026-11-24T03:00:00Z");
        // Wednesday: past Tuesday 11:00. The scanner tells the engineer once.
        t.clock.advance(5 * 24 * HOUR);
        t.app.scan_clocks().await.unwrap();
        let (_, inbox) = t.get(&p.engineer, "/api/v1/me/notifications").await;
        let report_breaches: Vec<&Value> = inbox.as_array().unwrap().iter()
            .filter(|n| n["kind"] == "breach" && n["message"].as_str().unwrap().contains("fault_report"))
            .collect();
        assert_eq!(report_breaches.len(), 1, "{inbox}");
        assert_eq!(clock(&clocks(&t, rid).await, "fault_report")["state"], "breached");
        let delivered = t.ok(&p.leader, &report_path(rid, "deliver"), json!({})).await;
        assert_eq!(delivered["due"]["state"], "breached");
        let c = clocks(&t, rid).await;
        let k = clock(&c, "fault_report");
        assert_eq!((k["state"].as_str(), k["stopped_at"].is_string()), (Some("breached"), true));
        assert_eq!(t.app.scan_clocks().await.unwrap(), 0, "nothing more is due");
    }

    async fn a_reopened_request_resumes_restoration_and_voids_the_report_clock_until_resolved_again(t: TestApp) {
        let p = people(&t).await;
        let rid = fault(&t, &p).await;
        t.clock.advance(30 * MIN);
        t.ok(&p.engineer, &format!("/api/v1/requests/{rid}/resolve"), json!({"resolution": "重启服务"})).await;
        let first = clocks(&t, rid).await;
        assert_eq!((clock(&first, "restoration_l3")["state"].as_str(), clock(&first, "restoration_l3")["elapsed_seconds"].as_i64()), (Some("met"), Some(1800)));
        approved_report(&t, &p, rid).await;
        // The customer finds it not solved 90 minutes later.
        t.clock.advance(90 * MIN);
        t.ok(&p.customer, &format!("/api/v1/requests/{rid}/feedback"), json!({"solved": false, "comment": "仍无法登录"})).await;
        let reopened = clocks(&t, rid).await;
        let r = clock(&reopened, "restoration_l3");
        assert_eq!((r["state"].as_str(), r["stopped_at"].as_str()), (Some("running"), None));
        assert_eq!(r["elapsed_seconds"], 1800, "the 30 minutes before are kept");
        assert_eq!(r["deadline"], "2026-11-20T05:30:00Z", "2 h + the 90 minutes it was stopped");
        assert_eq!(r["earlier_stops"], json!([{"stopped_at": "2026-11-20T02:30:00Z", "resumed_at": "2026-11-20T04:00:00Z"}]));
        assert_eq!(clock(&reopened, "fault_report")["state"], "voided");
        // The stored clocks agree, and nothing is due for the report.
        let stored = t.app.db.read(move |mut c| Box::pin(async move { fuwu_store::sla::list_clocks(&mut c, rid).await })).await.unwrap();
        let report = stored.iter().find(|k| k.target_key == "fault_report").unwrap();
        assert_eq!((report.state.as_str(), report.next_due_at), ("voided", None));
        let restoration = stored.iter().find(|k| k.target_key == "restoration_l3").unwrap();
        assert_eq!((restoration.state.as_str(), restoration.deadline), ("running", Some(T0 + 3 * HOUR + 30 * MIN)));
        // An approved report cannot go out while the fault is open again.
        let (s, e) = t.post(&p.leader, &report_path(rid, "deliver"), json!({})).await;
        assert_eq!((s, TestApp::code(&e)), (StatusCode::CONFLICT, "invalid_transition"), "{e}");
        // Resolved again 30 minutes later: restoration met after 1 h in all; the report clock starts afresh.
        t.clock.advance(30 * MIN);
        t.ok(&p.engineer, &format!("/api/v1/requests/{rid}/respond"), json!({"mode": "onsite", "plan": "到场更换硬件"})).await;
        t.ok(&p.engineer, &format!("/api/v1/requests/{rid}/resolve"), json!({"resolution": "更换硬盘"})).await;
        let again = clocks(&t, rid).await;
        let r = clock(&again, "restoration_l3");
        assert_eq!((r["state"].as_str(), r["elapsed_seconds"].as_i64()), (Some("met"), Some(3600)));
        let k = clock(&again, "fault_report");
        assert_eq!((k["state"].as_str(), k["started_at"].as_str(), k["elapsed_seconds"].as_i64()), (Some("running"), Some("2026-11-20T04:30:00Z"), Some(0)));
        let delivered = t.ok(&p.leader, &report_path(rid, "deliver"), json!({})).await;
        assert_eq!(delivered["due"]["state"], "met");
        let recomputed = t.app.recompute_clocks(|_, _| {}).await.unwrap();
        assert_eq!(recomputed.changed_clocks, 0, "what each action stored is what the history gives");
    }

    async fn every_request_shows_its_contract_its_policy_and_whether_it_is_billable(t: TestApp) {
        let (old, _) = t.organization("老用户", "2023-06-01").await;
        let (org, contract) = t.organization("新用户", "2026-01-05").await;
        let billable = id(&t.request(old, "质保期外的故障").await);
        let free = id(&t.request(org, "免费期内的故障").await);
        let (_, r) = t.get(&t.admin_token, &format!("/api/v1/requests/{billable}")).await;
        assert_eq!((r["billable"].as_bool(), r["entitlement"]["billable"].as_bool()), (Some(true), Some(true)), "{r}");
        assert_eq!(r["entitlement"]["contract"]["code"], "HT-老用户");
        assert_eq!(r["entitlement"]["contract"]["free_until"], "2025-06-01");
        assert_eq!(r["entitlement"]["policy"]["name"], "levels-0-5");
        assert_eq!(r["title"], "质保期外的故障", "the request's own fields stay where they were");
        // The contract's policy, once it names one; customers see it too.
        let (_, policies) = t.get(&t.admin_token, "/api/v1/sla-policies").await;
        let grades = &policies[1];
        t.patch(&t.admin_token, &format!("/api/v1/contracts/{contract}"), json!({"version": 1, "sla_policy_id": id(grades)})).await;
        let (_, cust) = t.user("new.cust", "customer_user", Some(org)).await;
        let (s, r) = t.get(&cust, &format!("/api/v1/requests/{free}")).await;
        assert_eq!(s, StatusCode::OK);
        assert_eq!((r["entitlement"]["billable"].as_bool(), r["entitlement"]["contract"]["id"].as_i64()), (Some(false), Some(contract)));
        assert_eq!((r["entitlement"]["policy"]["name"].as_str(), r["entitlement"]["policy"]["id"].as_i64()), (Some("three-grades"), grades["id"].as_i64()));
        let (_, detail) = t.get(&cust, &format!("/api/v1/requests/{free}/timeline")).await;
        assert_eq!(detail["entitlement"]["policy"]["name"], "three-grades");
        assert_eq!(detail["entitlement"]["contract"]["name"], "运维服务合同");
    }
}

impl TestApp {
    async fn ok_patch_as(&self, token: &str, path: &str, body: Value) -> Value {
        let (s, v) = self.patch(token, path, body).await;
        assert_eq!(s, StatusCode::OK, "{path}: {v}");
        v
    }
}
