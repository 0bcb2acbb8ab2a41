//! The SLA engine through the API: policies and calendars, a request's
//! clocks (with `?at=` time travel), and the scanner — downtime across two
//! breaches, and two nodes scanning one PostgreSQL database at once.

use crate::both_engines;
use crate::harness::*;
use fuwu_app::{App, ManualClock, Settings};
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::sync::Arc;

pub(crate) const MIN: i64 = 60_000;
pub(crate) const HOUR: i64 = 60 * MIN;

pub(crate) fn id(v: &Value) -> i64 {
    v["id"].as_i64().unwrap_or_else(|| panic!("no id in {v}"))
}

/// The people of a level-3 fault: an engineer in a team with a lead, a
/// project leader on the organization's contract.
pub(crate) struct People {
    pub org: i64,
    pub engineer: i64,
    pub engineer_token: String,
    pub lead: i64,
    pub lead_token: String,
    pub leader: i64,
    pub leader_token: String,
}

pub(crate) async fn people(t: &TestApp) -> People {
    let (lead, lead_token) = t.user("team.lead", "engineer", None).await;
    let team = id(&t
        .ok(
            &t.admin_token,
            "/api/v1/teams",
            json!({"name": "二线一组", "lead_id": lead}),
        )
        .await);
    let u = t
        .ok(&t.admin_token, "/api/v1/users", json!({"username": "eng", "display_name": "工程师", "role": "engineer", "team_id": team}))
        .await;
    let engineer = id(&u);
    let engineer_token = t
        .app
        .issue_token(engineer, "test", "write", None)
        .await
        .unwrap();
    let (leader, leader_token) = t.user("p.leader", "project_leader", None).await;
    let org = id(&t
        .ok(
            &t.admin_token,
            "/api/v1/organizations",
            json!({"name": "西城区教委"}),
        )
        .await);
    t.ok(&t.admin_token, "/api/v1/contracts", json!({"organization_id": org, "code": "HT-1", "name": "运维合同", "accepted_on": "2026-01-05", "project_leader_id": leader}))
        .await;
    People {
        org,
        engineer,
        engineer_token,
        lead,
        lead_token,
        leader,
        leader_token,
    }
}

/// A level-3 fault raised now and handed to the engineer at once.
pub(crate) async fn severe_fault(t: &TestApp, p: &People) -> i64 {
    let r = t
        .ok(&t.admin_token, "/api/v1/requests", json!({"channel": "phone", "category": "fault", "impact": "unusable", "urgency": "high", "title": "主备机均无法访问", "organization_id": p.org}))
        .await;
    assert_eq!(r["level"], 3);
    let rid = id(&r);
    t.hand_to(rid, "l2", p.engineer).await;
    rid
}

pub(crate) fn clock<'a>(clocks: &'a Value, key: &str, generation: i64) -> &'a Value {
    clocks["clocks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["target_key"] == key && c["generation"] == generation)
        .unwrap_or_else(|| panic!("no clock {key}/{generation} in {clocks}"))
}

/// (kind, threshold) of each notification in the inbox, oldest first.
pub(crate) async fn inbox(t: &TestApp, token: &str) -> Vec<(String, i64)> {
    let (s, v) = t.get(token, "/api/v1/me/notifications").await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let mut out: Vec<(String, i64)> = v
        .as_array()
        .unwrap()
        .iter()
        .map(|n| {
            (
                n["kind"].as_str().unwrap().to_owned(),
                n["threshold"].as_i64().unwrap_or(-1),
            )
        })
        .collect();
    out.reverse();
    out
}

pub(crate) fn count(items: &[(String, i64)], kind: &str, threshold: i64) -> usize {
    items
        .iter()
        .filter(|(k, th)| k == kind && *th == threshold)
        .count()
}

both_engines! {
    async fn the_templates_are_seeded_and_only_administrators_change_policies_and_calendars(t: TestApp) {
        let (_, agent) = t.user("agent", "agent", None).await;
        let (s, list) = t.get(&agent, "/api/v1/sla-policies").await;
        assert_eq!(s, StatusCode::OK);
        let names: Vec<&str> = list.as_array().unwrap().iter().map(|p| p["name"].as_str().unwrap()).collect();
        assert_eq!(names, ["levels-0-5", "three-grades", "vendor-vip", "general"]);
        let levels = &list[0];
        assert!(levels["definition"]["targets"].as_array().unwrap().iter().any(|t| t["key"] == "restoration_l3" && t["duration"] == "2h"));

        // Agents read but do not write.
        let mut def = levels["definition"].clone();
        def["key"] = json!("custom");
        let (s, body) = t.post(&agent, "/api/v1/sla-policies", json!({"definition": def})).await;
        assert_eq!((s, TestApp::code(&body)), (StatusCode::FORBIDDEN, "forbidden"));
        // An administrator's policy is validated.
        let mut bad = def.clone();
        bad["targets"][0]["calendar"] = json!("nowhere");
        let (s, body) = t.post(&t.admin_token, "/api/v1/sla-policies", json!({"definition": bad})).await;
        assert_eq!((s, TestApp::code(&body)), (StatusCode::UNPROCESSABLE_ENTITY, "validation_failed"));
        assert!(body["message"].as_str().unwrap().contains("nowhere"), "{body}");
        let created = t.ok(&t.admin_token, "/api/v1/sla-policies", json!({"definition": def})).await;
        assert_eq!(created["name"], "custom");
        let pid = id(&created);
        let mut changed = def.clone();
        changed["targets"][0]["duration"] = json!("3wd");
        let (s, body) = t.patch(&t.admin_token, &format!("/api/v1/sla-policies/{pid}"), json!({"version": 7, "definition": changed})).await;
        assert_eq!((s, TestApp::code(&body)), (StatusCode::CONFLICT, "version_conflict"));
        let updated = t.ok_patch(&format!("/api/v1/sla-policies/{pid}"), json!({"version": 1, "definition": changed})).await;
        assert_eq!(updated["definition"]["targets"][0]["duration"], "3wd");
        let (_, audit) = t.get(&t.admin_token, "/api/v1/audit?object_type=sla_policy").await;
        let kinds: Vec<&str> = audit["items"].as_array().unwrap().iter().map(|e| e["kind"].as_str().unwrap()).collect();
        assert_eq!(kinds, ["sla_policy_updated", "sla_policy_created"]);

        // Calendars: the presets are built in; only cn-mainland's years may change.
        let (_, cals) = t.get(&agent, "/api/v1/calendars").await;
        let cal_names: Vec<&str> = cals.as_array().unwrap().iter().map(|c| c["name"].as_str().unwrap()).collect();
        assert_eq!(cal_names, ["24x7", "cn-mainland"]);
        let (_, cn) = t.get(&agent, "/api/v1/calendars/cn-mainland").await;
        assert_eq!(cn["definition"]["time_zone"], "Asia/Shanghai");
        assert_eq!(cn["version"], 0, "never changed");
        let (s, _) = t.call(&t.admin_token, reqwest::Method::PUT, "/api/v1/calendars/cn-mainland", Some(json!({"version": 1, "definition": cn["definition"]}))).await;
        assert_eq!(s, StatusCode::CONFLICT, "a version it never had");
        let (s, _) = t.call(&agent, reqwest::Method::PUT, "/api/v1/calendars/cn-mainland", Some(json!({"version": 0, "definition": cn["definition"]}))).await;
        assert_eq!(s, StatusCode::FORBIDDEN, "administrators only");
        let (_, all_day) = t.get(&agent, "/api/v1/calendars/24x7").await;
        let (s, _) = t.call(&t.admin_token, reqwest::Method::PUT, "/api/v1/calendars/24x7", Some(json!({"version": 0, "definition": all_day["definition"]}))).await;
        assert_eq!(s, StatusCode::FORBIDDEN, "24x7 stays as it is");
        // Export cn-mainland, import it as a regional calendar: the same days.
        let ical = t.http.get(format!("{}/api/v1/calendars/cn-mainland/ical", t.base)).bearer_auth(&agent).send().await.unwrap();
        assert_eq!(ical.headers()["content-type"], "text/calendar; charset=utf-8");
        let text = ical.text().await.unwrap();
        assert!(text.contains("BEGIN:VCALENDAR") && text.contains("CATEGORIES:HOLIDAY"));
        let imported: Value = t.http.post(format!("{}/api/v1/calendars/beijing-office/ical", t.base)).bearer_auth(&t.admin_token)
            .body(text).send().await.unwrap().json().await.unwrap();
        assert_eq!(imported["name"], "beijing-office");
        assert_eq!(imported["definition"]["days"], cn["definition"]["days"]);
        assert_eq!(imported["definition"]["week"], cn["definition"]["week"]);
        // A policy using it keeps it from being deleted.
        let mut uses = def.clone();
        uses["key"] = json!("regional");
        uses["targets"][0]["calendar"] = json!("beijing-office");
        t.ok(&t.admin_token, "/api/v1/sla-policies", json!({"definition": uses})).await;
        let (s, body) = t.call(&t.admin_token, reqwest::Method::DELETE, "/api/v1/calendars/beijing-office", None).await;
        assert_eq!((s, TestApp::code(&body)), (StatusCode::CONFLICT, "conflict"));
    }

    async fn a_requests_clocks_run_pause_and_travel_in_time(t: TestApp) {
        let p = people(&t).await;
        let rid = severe_fault(&t, &p).await; // Friday 2026-11-20 10:00 in Beijing
        let path = format!("/api/v1/requests/{rid}/clocks");
        t.clock.advance(HOUR);
        let (s, now) = t.get(&p.engineer_token, &path).await;
        assert_eq!(s, StatusCode::OK, "{now}");
        assert_eq!(now["policy"], "levels-0-5", "a contract without a policy runs the default");
        let restoration = clock(&now, "restoration_l3", 1);
        assert_eq!((restoration["state"].as_str(), restoration["percent_used"].as_f64()), (Some("running"), Some(50.0)));
        assert_eq!(restoration["deadline"], "2026-11-20T04:00:00Z");
        assert_eq!(restoration["remaining_seconds"], 3600);
        assert_eq!(clock(&now, "remote_response_l3", 1)["state"], "breached");

        // Waiting for the customer pauses restoration for two hours.
        t.ok(&p.engineer_token, &format!("/api/v1/requests/{rid}/respond"), json!({"mode": "remote", "plan": "远程排查"})).await;
        t.ok(&p.engineer_token, &format!("/api/v1/requests/{rid}/wait"), json!({"waiting_for": "customer", "reason": "等待用户提供日志"})).await;
        t.clock.advance(2 * HOUR);
        let (_, paused) = t.get(&p.engineer_token, &path).await;
        let r = clock(&paused, "restoration_l3", 1);
        assert_eq!((r["state"].as_str(), r["deadline"].as_str()), (Some("paused"), None));
        assert_eq!(r["percent_used"], 50.0);
        t.ok(&p.engineer_token, &format!("/api/v1/requests/{rid}/resume"), json!({})).await;
        let (_, resumed) = t.get(&p.engineer_token, &path).await;
        let r = clock(&resumed, "restoration_l3", 1);
        assert_eq!((r["state"].as_str(), r["deadline"].as_str()), (Some("running"), Some("2026-11-20T06:00:00Z")));
        assert_eq!(r["paused_seconds"], 7200);

        // As of 10:30 Beijing: running, a quarter used — the pause had not happened yet.
        let (_, then) = t.get(&p.engineer_token, &format!("{path}?at=2026-11-20T10:30:00%2B08:00")).await;
        let r = clock(&then, "restoration_l3", 1);
        assert_eq!((r["state"].as_str(), r["percent_used"].as_f64(), r["paused_seconds"].as_i64()), (Some("running"), Some(25.0), Some(0)));

        // A bad instant is a 400.
        let (s, bad) = t.get(&p.engineer_token, &format!("{path}?at=yesterday")).await;
        assert_eq!((s, TestApp::code(&bad)), (StatusCode::BAD_REQUEST, "bad_request"));

        // Lowering the level to 2 supersedes the level-3 clocks and keeps them.
        t.ok_patch(&format!("/api/v1/requests/{rid}"), json!({"version": 0, "level": 2, "level_reason": "备机已恢复"}).with_version(&t, rid).await).await;
        let (_, after) = t.get(&p.engineer_token, &path).await;
        assert_eq!(clock(&after, "restoration_l3", 1)["state"], "superseded");
        assert_eq!(clock(&after, "restoration_l2", 2)["level"], 2);
        // Customers of another organization see nothing.
        let other = id(&t.ok(&t.admin_token, "/api/v1/organizations", json!({"name": "别的单位"})).await);
        let (_, stranger) = t.user("stranger", "customer_user", Some(other)).await;
        let (s, _) = t.get(&stranger, &path).await;
        assert_eq!(s, StatusCode::NOT_FOUND);
    }

    async fn after_six_hours_down_the_scanner_handles_both_breaches_once(t: TestApp) {
        let p = people(&t).await;
        let rid = severe_fault(&t, &p).await;
        // The server goes down for six hours: the 15-minute response and the
        // 2-hour restoration both breach meanwhile. Nothing scans.
        t.clock.advance(6 * HOUR);
        // On restart: every threshold that fell is handled, once.
        let handled = t.app.scan_clocks().await.unwrap();
        assert_eq!(handled, 7, "the severe-fault notice + 50/80/100 % of two clocks");
        assert_eq!(t.app.scan_clocks().await.unwrap(), 0, "nothing twice");
        let engineer = inbox(&t, &p.engineer_token).await;
        assert_eq!(count(&engineer, "breach", 100), 2, "{engineer:?}");
        assert_eq!(count(&engineer, "warning", 50), 2);
        assert_eq!(count(&engineer, "warning", 80), 2);
        let lead = inbox(&t, &p.lead_token).await;
        assert_eq!((count(&lead, "warning", 50), count(&lead, "warning", 80), count(&lead, "breach", 100)), (0, 2, 2), "{lead:?}");
        let leader = inbox(&t, &p.leader_token).await;
        assert_eq!(count(&leader, "severe_fault", -1), 1, "{leader:?}");
        assert_eq!(count(&leader, "breach", 100), 2);
        assert_eq!(leader.len(), 3);
        // The outbox holds the same, for the delivery channels.
        let outbox = t.app.db.read(|mut c| Box::pin(async move { fuwu_store::sla::list_outbox(&mut c).await })).await.unwrap();
        assert_eq!(outbox.len(), engineer.len() + lead.len() + leader.len());
        assert!(outbox.iter().all(|(u, r, _, _)| *r == rid && [p.engineer, p.lead, p.leader].contains(u)));
        // The stored clock says breached, nothing more due.
        let (_, clocks) = t.get(&p.engineer_token, &format!("/api/v1/requests/{rid}/clocks")).await;
        assert_eq!(clock(&clocks, "restoration_l3", 1)["state"], "breached");
        assert_eq!(clock(&clocks, "restoration_l3", 1)["percent_used"], 300.0);
    }

    async fn two_nodes_scanning_one_database_notify_once_per_threshold(t: TestApp) {
        if t.app.db.engine() != fuwu_store::Engine::Postgres {
            return; // SQLite has one writer per database file: nothing to race.
        }
        let p = people(&t).await;
        for _ in 0..3 {
            severe_fault(&t, &p).await;
        }
        t.clock.advance(3 * HOUR);
        let db2 = fuwu_store::Db::open(&t.location, T0).await.unwrap();
        let clock2 = ManualClock::at(T0 + 3 * HOUR);
        let node2 = App::new(db2, Arc::new(clock2), Settings::default());
        let (a, b) = tokio::join!(t.app.scan_clocks(), node2.scan_clocks());
        let (a, b) = (a.unwrap(), b.unwrap());
        assert_eq!(a + b, 3 * 7, "each threshold of each request handled by exactly one node (a {a}, b {b})");
        let engineer = inbox(&t, &p.engineer_token).await;
        assert_eq!(count(&engineer, "breach", 100), 6, "{engineer:?}");
        assert_eq!(engineer.len(), 18);
        let leader = inbox(&t, &p.leader_token).await;
        assert_eq!(count(&leader, "severe_fault", -1), 3);
    }
}

both_engines! {
    async fn recompute_matches_what_each_action_stored_and_applies_a_policy_correction(t: TestApp) {
        let p = people(&t).await;
        let rid = severe_fault(&t, &p).await;
        t.clock.advance(20 * MIN);
        t.ok(&p.engineer_token, &format!("/api/v1/requests/{rid}/respond"), json!({"mode": "remote", "plan": "远程排查"})).await;
        t.ok(&p.engineer_token, &format!("/api/v1/requests/{rid}/wait"), json!({"waiting_for": "third_party", "reason": "等厂商"})).await;
        // Replaying the history gives exactly what the actions stored.
        let same = t.app.recompute_clocks(|_, _| {}).await.unwrap();
        assert_eq!((same.requests, same.changed_requests, same.changed_clocks), (1, 0, 0));
        // An administrator corrects the policy: level-3 restoration 3 hours.
        let (_, policies) = t.get(&t.admin_token, "/api/v1/sla-policies").await;
        let levels = &policies[0];
        let mut def = levels["definition"].clone();
        for target in def["targets"].as_array_mut().unwrap() {
            if target["key"] == "restoration_l3" {
                target["duration"] = json!("3h");
            }
        }
        t.ok_patch(&format!("/api/v1/sla-policies/{}", id(levels)), json!({"version": levels["version"], "definition": def})).await;
        // The running clock follows the correction at once (waiting for a third party does not pause).
        let stored = stored_clocks(&t, rid).await;
        let restoration = stored.iter().find(|c| c.target_key == "restoration_l3").unwrap();
        assert_eq!((restoration.deadline, restoration.duration.as_str()), (Some(T0 + 3 * HOUR), "3h"));
        // A stored row that drifted (say, a calendar corrected by hand) is repaired by a recompute.
        let drifted = restoration.id;
        t.app.db.write(move |mut c| Box::pin(async move {
            c.execute(fuwu_store::query("update request_clocks set deadline = 0 where id = $1").bind(drifted)).await
        })).await.unwrap();
        let mut seen = Vec::new();
        let fixed = t.app.recompute_clocks(|done, total| seen.push((done, total))).await.unwrap();
        assert_eq!((fixed.changed_requests, fixed.changed_clocks), (1, 1));
        assert_eq!(seen, [(1, 1)]);
        let stored = stored_clocks(&t, rid).await;
        assert_eq!(stored.iter().find(|c| c.id == drifted).unwrap().deadline, Some(T0 + 3 * HOUR));

        // The contract takes another policy: the open request's clocks switch at once.
        let (_, r) = t.get(&t.admin_token, &format!("/api/v1/requests/{rid}")).await;
        let contract = r["contract_id"].as_i64().unwrap();
        let (_, k) = t.get(&t.admin_token, &format!("/api/v1/contracts/{contract}")).await;
        let grades = id(&policies[1]);
        assert_eq!(policies[1]["name"], "three-grades");
        t.ok_patch(&format!("/api/v1/contracts/{contract}"), json!({"version": k["version"], "sla_policy_id": grades})).await;
        let (_, clocks) = t.get(&p.engineer_token, &format!("/api/v1/requests/{rid}/clocks")).await;
        assert_eq!(clocks["policy"], "three-grades");
        assert_eq!(clock(&clocks, "resolution_g1", 1)["deadline"], "2026-11-21T02:00:00Z");
        let stored = stored_clocks(&t, rid).await;
        assert!(stored.iter().any(|c| c.target_key == "resolution_g1" && c.state == "running"));
        assert!(stored.iter().any(|c| c.target_key == "restoration_l3" && c.state == "superseded"), "the old policy's clock is kept, retired");
    }
}

both_engines! {
    async fn attainment_counts_met_and_breached_targets_with_their_percentiles(t: TestApp) {
        let p = people(&t).await;
        let fast = severe_fault(&t, &p).await;
        let slow = severe_fault(&t, &p).await;
        for rid in [fast, slow] {
            t.ok(&p.engineer_token, &format!("/api/v1/requests/{rid}/respond"), json!({"mode": "remote", "plan": "远程排查"})).await;
        }
        t.clock.advance(90 * MIN);
        t.ok(&p.engineer_token, &format!("/api/v1/requests/{fast}/resolve"), json!({"resolution": "更换电源"})).await;
        t.clock.advance(90 * MIN);
        t.ok(&p.engineer_token, &format!("/api/v1/requests/{slow}/resolve"), json!({"resolution": "重装系统"})).await;
        let (s, all) = t.get(&t.admin_token, "/api/v1/sla/attainment?from=2026-11-01T00:00:00Z").await;
        assert_eq!(s, StatusCode::OK, "{all}");
        let row = all.as_array().unwrap().iter().find(|r| r["target_key"] == "restoration_l3").unwrap_or_else(|| panic!("{all}"));
        assert_eq!((row["met"].as_i64(), row["breached"].as_i64()), (Some(1), Some(1)));
        assert_eq!((row["median_natural_seconds"].as_i64(), row["p90_natural_seconds"].as_i64()), (Some(5400), Some(10800)));
        assert_eq!(row["median_working_seconds"], 5400, "24x7: working time is natural time");
        let response = all.as_array().unwrap().iter().find(|r| r["target_key"] == "remote_response_l3").unwrap();
        assert_eq!((response["met"].as_i64(), response["breached"].as_i64()), (Some(2), Some(0)));
        // Another organization's period is empty; project leaders do not read across organizations.
        let other = id(&t.ok(&t.admin_token, "/api/v1/organizations", json!({"name": "别的单位"})).await);
        let (_, none) = t.get(&t.admin_token, &format!("/api/v1/sla/attainment?from=2026-11-01T00:00:00Z&organization_id={other}")).await;
        assert_eq!(none, json!([]));
        let (s, _) = t.get(&p.leader_token, "/api/v1/sla/attainment").await;
        assert_eq!(s, StatusCode::FORBIDDEN);
    }
}

pub(crate) async fn stored_clocks(t: &TestApp, rid: i64) -> Vec<fuwu_store::sla::ClockRow> {
    t.app
        .db
        .read(move |mut c| Box::pin(async move { fuwu_store::sla::list_clocks(&mut c, rid).await }))
        .await
        .unwrap()
}

pub(crate) trait WithVersion {
    async fn with_version(self, t: &TestApp, rid: i64) -> Value;
}

impl WithVersion for Value {
    /// This body with the request's current version.
    async fn with_version(mut self, t: &TestApp, rid: i64) -> Value {
        let (_, r) = t
            .get(&t.admin_token, &format!("/api/v1/requests/{rid}"))
            .await;
        self["version"] = r["version"].clone();
        self
    }
}

impl TestApp {
    /// PATCH as the admin, expecting 200.
    pub(crate) async fn ok_patch(&self, path: &str, body: Value) -> Value {
        let (s, v) = self.patch(&self.admin_token, path, body).await;
        assert_eq!(s, StatusCode::OK, "{path}: {v}");
        v
    }
}
