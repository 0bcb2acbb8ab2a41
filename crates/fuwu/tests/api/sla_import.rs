//! Importing requests with their history (`POST /api/v1/requests/import`),
//! and `?at=` under the policy that applied then.

use crate::both_engines;
use crate::harness::*;
use reqwest::StatusCode;
use serde_json::{Value, json};

const MIN: i64 = 60_000;
const HOUR: i64 = 60 * MIN;

fn rfc(ms: i64) -> String {
    fuwu_store::ser::rfc3339(ms)
}

fn id(v: &Value) -> i64 {
    v["id"].as_i64().unwrap_or_else(|| panic!("no id in {v}"))
}

/// What the request looks like, without what differs by nature (its id).
fn request_state(r: &Value) -> Value {
    let mut r = r.clone();
    r.as_object_mut().unwrap().remove("id");
    r
}

/// The history as (at, kind, field, before, after, who), ids left out.
fn history(timeline: &Value) -> Vec<Value> {
    timeline["history"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            json!([
                e["at"],
                e["kind"],
                e["field"],
                e["before"],
                e["after"],
                e["actor_id"]
            ])
        })
        .collect()
}

/// The clocks as the API shows them at `at` (None: now).
async fn clocks(t: &TestApp, rid: i64, at: Option<i64>) -> Value {
    let path = match at {
        Some(at) => format!(
            "/api/v1/requests/{rid}/clocks?at={}",
            rfc(at).replace('+', "%2B")
        ),
        None => format!("/api/v1/requests/{rid}/clocks"),
    };
    let (s, v) = t.get(&t.admin_token, &path).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    v["clocks"].clone()
}

/// One step of the story: after `offset` ms, this live call and this import event.
struct Step {
    offset: i64,
    path: &'static str,
    body: Value,
    event: Value,
}

fn story(engineer: i64) -> Vec<Step> {
    let s = |offset: i64, path: &'static str, body: Value, event: Value| Step {
        offset,
        path,
        body,
        event,
    };
    vec![
        s(
            10 * MIN,
            "acknowledge",
            json!({}),
            json!({"type": "acknowledged"}),
        ),
        s(
            12 * MIN,
            "dispatch",
            json!({"tier": "l2", "assignee_id": engineer}),
            json!({"type": "dispatched", "tier": "l2", "assignee_id": engineer}),
        ),
        s(
            40 * MIN,
            "respond",
            json!({"mode": "remote", "plan": "远程排查"}),
            json!({"type": "responded", "mode": "remote", "plan": "远程排查"}),
        ),
        s(
            50 * MIN,
            "messages",
            json!({"visibility": "public", "body": "请提供日志"}),
            json!({"type": "message", "visibility": "public", "body": "请提供日志"}),
        ),
        s(
            HOUR,
            "wait",
            json!({"waiting_for": "customer", "reason": "等待日志"}),
            json!({"type": "waiting", "waiting_for": "customer", "reason": "等待日志"}),
        ),
        s(3 * HOUR, "resume", json!({}), json!({"type": "resumed"})),
        // PATCH (level) is the one step that is not a POST.
        s(
            3 * HOUR + 30 * MIN,
            "PATCH",
            json!({"level": 3, "level_reason": "备机也已宕机"}),
            json!({"type": "level_changed", "level": 3, "reason": "备机也已宕机"}),
        ),
        s(
            3 * HOUR + 45 * MIN,
            "messages",
            json!({"visibility": "internal", "body": "已联系厂商"}),
            json!({"type": "message", "visibility": "internal", "body": "已联系厂商"}),
        ),
        s(
            5 * HOUR,
            "resolve",
            json!({"resolution": "更换电源"}),
            json!({"type": "resolved", "resolution": "更换电源"}),
        ),
        s(
            6 * HOUR,
            "feedback",
            json!({"solved": true, "rating": 5}),
            json!({"type": "feedback", "solved": true, "rating": 5}),
        ),
        s(
            7 * HOUR,
            "close",
            json!({"basis": "confirmed", "rating": 5}),
            json!({"type": "closed", "basis": "confirmed", "rating": 5}),
        ),
    ]
}

fn import_body(org: i64, reference: &str, created: i64, events: Vec<Value>) -> Value {
    json!({
        "external_ref": reference, "organization_id": org,
        "channel": "phone", "category": "fault", "impact": "partial", "urgency": "medium",
        "title": "核心交换机故障", "description": "机房断电后无法启动",
        "created_at": rfc(created), "events": events,
    })
}

both_engines! {
    async fn an_imported_request_equals_one_driven_through_the_live_api(t: TestApp) {
        let (org, _) = t.organization("海淀区教委", "2026-01-05").await;
        let (engineer, _) = t.user("eng", "engineer", None).await;
        let steps = story(engineer);

        // Live: the fixed clock moves to each step's instant.
        let start = t.app.now();
        let live = t.ok(&t.admin_token, "/api/v1/requests", json!({"channel": "phone", "category": "fault", "impact": "partial", "urgency": "medium", "title": "核心交换机故障", "description": "机房断电后无法启动", "organization_id": org})).await;
        let lid = id(&live);
        for st in &steps {
            t.clock.set(start + st.offset);
            let path = format!("/api/v1/requests/{lid}/{}", st.path);
            if st.path == "PATCH" {
                let (_, r) = t.get(&t.admin_token, &format!("/api/v1/requests/{lid}")).await;
                let mut body = st.body.clone();
                body["version"] = r["version"].clone();
                let (s, v) = t.patch(&t.admin_token, &format!("/api/v1/requests/{lid}"), body).await;
                assert_eq!(s, StatusCode::OK, "{v}");
            } else {
                t.ok(&t.admin_token, &path, st.body.clone()).await;
            }
        }

        // Import: the same story, told afterwards with its timestamps.
        t.clock.set(start + 2 * 24 * HOUR);
        let events: Vec<Value> = steps
            .iter()
            .map(|st| {
                let mut e = st.event.clone();
                e["at"] = json!(rfc(start + st.offset));
                e
            })
            .collect();
        let body = import_body(org, "OTRS-1", start, events);
        let (s, imported) = t.post(&t.admin_token, "/api/v1/requests/import", body.clone()).await;
        assert_eq!(s, StatusCode::CREATED, "{imported}");
        let iid = id(&imported);

        let (_, live) = t.get(&t.admin_token, &format!("/api/v1/requests/{lid}")).await;
        let (_, imported_now) = t.get(&t.admin_token, &format!("/api/v1/requests/{iid}")).await;
        assert_eq!(request_state(&imported_now), request_state(&live), "the same row, contract and policy");
        assert_eq!(request_state(&imported), { let mut r = request_state(&live); r.as_object_mut().unwrap().remove("entitlement"); r });
        assert_eq!(imported["status"], "closed");
        let (_, lt) = t.get(&t.admin_token, &format!("/api/v1/requests/{lid}/timeline")).await;
        let (_, it) = t.get(&t.admin_token, &format!("/api/v1/requests/{iid}/timeline")).await;
        assert_eq!(history(&it), history(&lt));
        assert_eq!(it["messages"].as_array().unwrap().len(), 2);
        // Clocks now and at instants along the way (paused, after the level change).
        for at in [None, Some(start + 2 * HOUR), Some(start + 4 * HOUR), Some(start + 5 * HOUR)] {
            let (a, b) = (clocks(&t, iid, at).await, clocks(&t, lid, at).await);
            assert!(!a.as_array().unwrap().is_empty());
            assert_eq!(a, b, "clocks at {at:?}");
        }
        // Level 2 then 3: generation 1 superseded, generation 2 met.
        let now = clocks(&t, iid, None).await;
        let states: Vec<(i64, String, String)> = now.as_array().unwrap().iter()
            .map(|c| (c["generation"].as_i64().unwrap(), c["target_key"].as_str().unwrap().to_owned(), c["state"].as_str().unwrap().to_owned()))
            .collect();
        assert!(states.iter().any(|(g, k, s)| *g == 1 && k == "restoration_l2" && s == "superseded"), "{states:?}");
        assert!(states.iter().any(|(g, k, _)| *g == 2 && k == "restoration_l3"), "{states:?}");

        // The same reference and body again: the first import, 200.
        let (s, again) = t.post(&t.admin_token, "/api/v1/requests/import", body.clone()).await;
        assert_eq!((s, id(&again)), (StatusCode::OK, iid));
        // The same reference with other content: 409.
        let mut other = body.clone();
        other["title"] = json!("另一个请求");
        let (s, v) = t.post(&t.admin_token, "/api/v1/requests/import", other).await;
        assert_eq!((s, TestApp::code(&v)), (StatusCode::CONFLICT, "conflict"), "{v}");
    }

    async fn an_illegal_or_unordered_history_is_refused_by_index_and_nothing_is_written(t: TestApp) {
        let (org, _) = t.organization("朝阳区教委", "2026-01-05").await;
        let start = t.app.now() - 10 * HOUR;
        let count = |v: &Value| v["items"].as_array().unwrap().len();
        let (_, before) = t.get(&t.admin_token, "/api/v1/requests").await;
        let at = |m: i64| json!(rfc(start + m * MIN));
        let cases = [
            // Resolved before anyone responded: illegal from `acknowledged`.
            (vec![json!({"at": at(5), "type": "acknowledged"}), json!({"at": at(9), "type": "resolved", "resolution": "x"})], "events[1]"),
            // Time runs backwards.
            (vec![json!({"at": at(5), "type": "acknowledged"}), json!({"at": at(3), "type": "dispatched", "tier": "l2", "team_id": 1})], "events[1]"),
            // Before the request was raised.
            (vec![json!({"at": at(-1), "type": "acknowledged"})], "events[0]"),
            // In the future.
            (vec![json!({"at": at(20 * 60), "type": "acknowledged"})], "events[0]"),
            // A reply to a closed request.
            (vec![json!({"at": at(1), "type": "cancelled", "reason": "重复"}), json!({"at": at(2), "type": "message", "visibility": "public", "body": "x"})], "events[1]"),
        ];
        for (events, field) in cases {
            let (s, v) = t.post(&t.admin_token, "/api/v1/requests/import", import_body(org, "XLS-7", start, events)).await;
            assert_eq!((s, TestApp::code(&v), v["field"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, "validation_failed", Some(field)), "{v}");
        }
        // A failure after the checks (an assignee who does not exist) rolls back too.
        let (s, v) = t.post(&t.admin_token, "/api/v1/requests/import", import_body(org, "XLS-7", start, vec![
            json!({"at": at(1), "type": "acknowledged"}),
            json!({"at": at(2), "type": "escalated", "to": "l2", "reason": "x", "assignee_id": 999_999}),
        ])).await;
        assert_eq!((s, v["field"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("events[1]")), "{v}");
        let (_, after) = t.get(&t.admin_token, "/api/v1/requests").await;
        assert_eq!(count(&after), count(&before), "nothing written");
        // The reference is still free.
        let (s, v) = t.post(&t.admin_token, "/api/v1/requests/import", import_body(org, "XLS-7", start, vec![json!({"at": at(5), "type": "acknowledged"})])).await;
        assert_eq!(s, StatusCode::CREATED, "{v}");
        assert_eq!(v["status"], "acknowledged");
        // Only administrators import.
        let (_, agent) = t.user("agent", "agent", None).await;
        let (s, _) = t.post(&agent, "/api/v1/requests/import", import_body(org, "XLS-8", start, vec![])).await;
        assert_eq!(s, StatusCode::FORBIDDEN);
    }

    async fn an_import_tells_no_one_of_thresholds_that_fell_before_it(t: TestApp) {
        let (leader, leader_token) = t.user("leader", "project_leader", None).await;
        let org = id(&t.ok(&t.admin_token, "/api/v1/organizations", json!({"name": "东城区教委"})).await);
        t.ok(&t.admin_token, "/api/v1/contracts", json!({"organization_id": org, "code": "HT-D", "name": "运维合同", "accepted_on": "2026-01-05", "project_leader_id": leader})).await;
        // A level-3 fault raised a day ago, never resolved: every clock breached long since.
        let start = t.app.now() - 24 * HOUR;
        let mut body = import_body(org, "OLD-3", start, vec![json!({"at": rfc(start + 5 * MIN), "type": "acknowledged"})]);
        body["impact"] = json!("unusable");
        let (s, v) = t.post(&t.admin_token, "/api/v1/requests/import", body).await;
        assert_eq!(s, StatusCode::CREATED, "{v}");
        assert_eq!(v["level"], 3);
        let rid = id(&v);
        let now = clocks(&t, rid, None).await;
        assert!(now.as_array().unwrap().iter().any(|c| c["state"] == "breached"), "{now}");
        // Nothing left for the scanner, and nobody was told.
        assert_eq!(t.app.scan_clocks().await.unwrap(), 0);
        let (_, inbox) = t.get(&leader_token, "/api/v1/me/notifications").await;
        assert_eq!(inbox.as_array().unwrap().len(), 0, "{inbox}");
        // The same fault raised live now does reach the project leader.
        t.ok(&t.admin_token, "/api/v1/requests", json!({"channel": "phone", "category": "fault", "impact": "unusable", "urgency": "high", "title": "新故障", "organization_id": org})).await;
        assert!(t.app.scan_clocks().await.unwrap() > 0);
        let (_, inbox) = t.get(&leader_token, "/api/v1/me/notifications").await;
        assert_eq!(inbox.as_array().unwrap().len(), 1, "{inbox}");
        assert_eq!(inbox[0]["kind"], "severe_fault");
    }

    async fn at_shows_the_policy_in_force_then_and_recompute_the_current_one(t: TestApp) {
        let (org, _) = t.organization("丰台区教委", "2026-01-05").await;
        let r = t.request(org, "打印机无法打印").await; // level 2: restoration 4 h
        let rid = id(&r);
        let start = t.app.now();
        let deadline = |clocks: &Value| {
            clocks.as_array().unwrap().iter()
                .find(|c| c["target_key"] == "restoration_l2").map_or_else(|| panic!("no restoration_l2 in {clocks}"), |c| c["deadline"].clone())
        };
        assert_eq!(deadline(&clocks(&t, rid, None).await), json!(rfc(start + 4 * HOUR)));

        // A request that ended before the change (imported: it lived earlier).
        let closed = import_body(org, "CLOSED-1", start - 5 * HOUR, [
            (1, json!({"type": "acknowledged"})),
            (2, json!({"type": "responded", "mode": "remote", "plan": "远程排查"})),
            (3, json!({"type": "resolved", "resolution": "重启"})),
            (4, json!({"type": "feedback", "solved": true})),
            (4, json!({"type": "closed", "basis": "confirmed"})),
        ].into_iter().map(|(h, mut e)| { e["at"] = json!(rfc(start - 5 * HOUR + h * HOUR)); e }).collect());
        let closed = id(&t.ok(&t.admin_token, "/api/v1/requests/import", closed).await);
        assert_eq!(deadline(&clocks(&t, closed, None).await), json!(rfc(start - HOUR)));

        // An hour later the administrator changes restoration for level 2 to 6 h.
        t.clock.advance(HOUR);
        let (_, policy) = t.get(&t.admin_token, "/api/v1/sla-policies/1").await;
        assert_eq!(policy["name"], "levels-0-5");
        let mut def = policy["definition"].clone();
        let targets = def["targets"].as_array_mut().unwrap();
        let target = targets.iter_mut().find(|x| x["key"] == "restoration_l2").unwrap();
        assert_eq!(target["duration"], "4h");
        target["duration"] = json!("6h");
        let (s, v) = t.patch(&t.admin_token, "/api/v1/sla-policies/1", json!({"version": policy["version"], "definition": def})).await;
        assert_eq!(s, StatusCode::OK, "{v}");
        t.clock.advance(HOUR);

        // As of before the change: the old deadline; now: the new one.
        assert_eq!(deadline(&clocks(&t, rid, Some(start + 30 * MIN)).await), json!(rfc(start + 4 * HOUR)));
        assert_eq!(deadline(&clocks(&t, rid, None).await), json!(rfc(start + 6 * HOUR)));
        // Recompute keeps the open request under the current terms: nothing to change.
        let report = t.app.recompute_clocks(|_, _| {}).await.unwrap();
        assert_eq!(report.changed_clocks, 0, "{report:?}");
        assert_eq!(deadline(&clocks(&t, rid, None).await), json!(rfc(start + 6 * HOUR)));
        assert_eq!(deadline(&clocks(&t, rid, Some(start + 59 * MIN)).await), json!(rfc(start + 4 * HOUR)));
        // The request closed before the change keeps the terms it was closed under.
        assert_eq!(deadline(&clocks(&t, closed, None).await), json!(rfc(start - HOUR)));
    }
}
