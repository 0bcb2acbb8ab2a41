//! Issue 18 §2, SLA evidence that holds up in a dispute: a breach is never
//! erased by a level change, a policy edit or a recompute; a level change
//! moves only running clocks; attainment and the dashboard count each
//! target of each request once; `percent_used` to the hundredth; a
//! severe-fault notice is decided when it is sent.

use crate::both_engines;
use crate::harness::*;
use crate::sla::{
    HOUR, MIN, WithVersion, clock, count, id, inbox, people, severe_fault, stored_clocks,
};
use reqwest::StatusCode;
use serde_json::{Value, json};

fn has(clocks: &Value, key: &str) -> bool {
    clocks["clocks"]
        .as_array()
        .unwrap()
        .iter()
        .any(|c| c["target_key"] == key)
}

async fn attainment(t: &TestApp) -> Vec<(String, i64, i64)> {
    let (s, all) = t
        .get(
            &t.admin_token,
            "/api/v1/sla/attainment?from=2026-11-01T00:00:00Z",
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{all}");
    all.as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["target_key"].as_str().unwrap().to_owned(),
                r["met"].as_i64().unwrap(),
                r["breached"].as_i64().unwrap(),
            )
        })
        .collect()
}

/// The dashboard's figures from the store: (met, finished) of the trend
/// over every day since November, and the breached clocks of open requests.
async fn dashboard_counts(t: &TestApp) -> ((i64, i64), i64) {
    t.app
        .db
        .read(|mut c| {
            Box::pin(async move {
                let days =
                    fuwu_store::dashboard::daily_attainment(&mut c, T0 - 30 * 24 * HOUR, 0).await?;
                let (_, breached) = fuwu_store::dashboard::clock_risk(&mut c, 0).await?;
                let met = days.iter().map(|d| d.1).sum();
                let all = days.iter().map(|d| d.2).sum();
                Ok::<_, fuwu_store::StoreError>(((met, all), breached))
            })
        })
        .await
        .unwrap()
}

async fn set_level(t: &TestApp, rid: i64, level: i64) {
    let body = json!({"version": 0, "level": level, "level_reason": "复核后调整"})
        .with_version(t, rid)
        .await;
    t.ok_patch(&format!("/api/v1/requests/{rid}"), body).await;
}

async fn restoration_l3_hours(t: &TestApp, duration: &str) {
    let (_, policies) = t.get(&t.admin_token, "/api/v1/sla-policies").await;
    let levels = &policies[0];
    let mut def = levels["definition"].clone();
    for target in def["targets"].as_array_mut().unwrap() {
        if target["key"] == "restoration_l3" {
            target["duration"] = json!(duration);
        }
    }
    t.ok_patch(
        &format!("/api/v1/sla-policies/{}", id(levels)),
        json!({"version": levels["version"], "definition": def}),
    )
    .await;
}

both_engines! {
    async fn a_restoration_breached_at_10_stays_breached_after_a_downgrade_a_policy_edit_and_a_recompute(t: TestApp) {
        let p = people(&t).await;
        let rid = severe_fault(&t, &p).await; // level 3, 10:00 Beijing (02:00Z)
        let path = format!("/api/v1/requests/{rid}/clocks");
        t.clock.advance(5 * MIN);
        t.ok(&p.engineer_token, &format!("/api/v1/requests/{rid}/respond"), json!({"mode": "remote", "plan": "远程排查"})).await;
        // 12:00 the two hours are up; 12:30 the fault is lowered to level 1.
        t.clock.advance(2 * HOUR);
        t.app.scan_clocks().await.unwrap();
        t.clock.advance(25 * MIN);
        set_level(&t, rid, 1).await;
        let (_, now) = t.get(&p.engineer_token, &path).await;
        let r = clock(&now, "restoration_l3", 1);
        assert_eq!((r["state"].as_str(), r["level"].as_i64(), r["duration"].as_str()), (Some("breached"), Some(3), Some("2h")), "{now}");
        assert_eq!(r["deadline"], "2026-11-20T04:00:00Z");
        assert!(!has(&now, "restoration_l1"), "level 1 does not judge the restoration again: {now}");
        assert_eq!(clock(&now, "remote_response_l3", 1)["state"], "met");
        assert!(!has(&now, "remote_response_l1"), "{now}");

        // Resolved at 13:00 — and then level 3 gets four hours: the breach stands.
        t.clock.advance(30 * MIN);
        t.ok(&p.engineer_token, &format!("/api/v1/requests/{rid}/resolve"), json!({"resolution": "更换电源"})).await;
        restoration_l3_hours(&t, "4h").await;
        let again = t.app.recompute_clocks(|_, _| {}).await.unwrap();
        assert_eq!(again.changed_clocks, 0, "a recompute changes nothing");
        let (_, after) = t.get(&p.engineer_token, &path).await;
        let r = clock(&after, "restoration_l3", 1);
        assert_eq!((r["state"].as_str(), r["duration"].as_str(), r["deadline"].as_str()), (Some("breached"), Some("2h"), Some("2026-11-20T04:00:00Z")), "{after}");
        assert_eq!(r["stopped_at"], "2026-11-20T05:00:00Z");
        let stored = stored_clocks(&t, rid).await;
        let row = stored.iter().find(|k| k.target_key == "restoration_l3").unwrap();
        assert_eq!((row.state.as_str(), row.duration.as_str()), ("breached", "2h"));

        // Counted once each: the restoration breached, the response met.
        let counts = attainment(&t).await;
        assert!(counts.contains(&("restoration_l3".into(), 0, 1)), "{counts:?}");
        assert!(counts.contains(&("remote_response_l3".into(), 1, 0)), "{counts:?}");
        assert!(counts.iter().all(|(k, _, _)| k != "restoration_l1" && k != "remote_response_l1"), "{counts:?}");
        assert_eq!(dashboard_counts(&t).await.0, (1, 2));
    }

    async fn a_response_met_at_level_1_is_not_judged_again_after_an_upgrade(t: TestApp) {
        let p = people(&t).await;
        let r = t.ok(&t.admin_token, "/api/v1/requests", json!({"channel": "phone", "category": "fault", "impact": "minor", "urgency": "low", "level": 1, "level_reason": "单个用户受影响", "title": "打印机无法使用", "organization_id": p.org})).await;
        assert_eq!(r["level"], 1);
        let rid = id(&r);
        t.hand_to(rid, "l2", p.engineer).await;
        t.clock.advance(30 * MIN);
        t.ok(&p.engineer_token, &format!("/api/v1/requests/{rid}/respond"), json!({"mode": "remote", "plan": "远程排查"})).await;
        t.clock.advance(30 * MIN);
        set_level(&t, rid, 3).await;
        let (_, now) = t.get(&p.engineer_token, &format!("/api/v1/requests/{rid}/clocks")).await;
        let response = clock(&now, "remote_response_l1", 1);
        assert_eq!((response["state"].as_str(), response["level"].as_i64()), (Some("met"), Some(1)));
        assert!(!has(&now, "remote_response_l3"), "a response met at level 1 is not a late level-3 response: {now}");
        // Restoration was running: level 3's two hours, from 10:00.
        assert_eq!(clock(&now, "restoration_l1", 1)["state"], "superseded");
        let r3 = clock(&now, "restoration_l3", 2);
        assert_eq!((r3["state"].as_str(), r3["deadline"].as_str()), (Some("running"), Some("2026-11-20T04:00:00Z")));
        t.clock.advance(30 * MIN);
        t.ok(&p.engineer_token, &format!("/api/v1/requests/{rid}/resolve"), json!({"resolution": "更换硒鼓"})).await;
        let counts = attainment(&t).await;
        assert!(counts.contains(&("remote_response_l1".into(), 1, 0)), "{counts:?}");
        assert!(counts.contains(&("restoration_l3".into(), 1, 0)), "{counts:?}");
        assert_eq!(counts.len(), 2, "each target once: {counts:?}");
        assert_eq!(dashboard_counts(&t).await.0, (2, 2));
    }

    async fn stored_clocks_from_before_the_rule_are_counted_once_and_a_recompute_retires_them(t: TestApp) {
        let p = people(&t).await;
        let rid = severe_fault(&t, &p).await;
        t.clock.advance(3 * HOUR);
        // Restoration and response both breached; then history as an older
        // version stored it: a second, met restoration_l3 in a generation 2,
        // and a level-1 response judged again.
        t.app.scan_clocks().await.unwrap();
        for (generation, key, state, level) in [(2, "restoration_l3", "met", 3), (2, "remote_response_l1", "met", 1)] {
            t.app.db.write(move |mut c| Box::pin(async move {
                c.execute(fuwu_store::query(
                    "insert into request_clocks (request_id, generation, policy_id, target_key, level, calendar, duration,
                     started_at, stopped_at, paused_since, paused_ms, deadline, state, handled, next_threshold, next_due_at, updated_at)
                     select request_id, $2, policy_id, $3, $6, calendar, duration, started_at, $5, null, 0, deadline, $4, '[]', null, null, updated_at
                     from request_clocks where request_id = $1 and target_key = 'restoration_l3' and generation = 1")
                    .bind(rid).bind(generation).bind(key).bind(state).bind(T0 + HOUR).bind(level)).await
            })).await.unwrap();
        }
        let counts = attainment(&t).await;
        assert!(counts.contains(&("restoration_l3".into(), 0, 1)), "a breach outranks a met clock of the same target: {counts:?}");
        let ((met, all), breached) = dashboard_counts(&t).await;
        assert_eq!((met, all, breached), (1, 3, 2), "the dashboard's SQL applies the same rule");
        // A recompute retires the clock no longer computed; the breaches stand.
        t.app.recompute_clocks(|_, _| {}).await.unwrap();
        let stored = stored_clocks(&t, rid).await;
        let response = stored.iter().find(|k| k.target_key == "remote_response_l1").unwrap();
        assert_eq!(response.state, "superseded");
        let counts = attainment(&t).await;
        assert!(counts.contains(&("restoration_l3".into(), 0, 1)), "{counts:?}");
        assert!(counts.contains(&("remote_response_l3".into(), 0, 1)), "{counts:?}");
        assert!(counts.iter().all(|(k, _, _)| k != "remote_response_l1"), "{counts:?}");
    }

    async fn percent_used_is_exact_to_the_hundredth(t: TestApp) {
        let p = people(&t).await;
        let rid = severe_fault(&t, &p).await;
        t.clock.advance(7 * MIN);
        let (_, now) = t.get(&p.engineer_token, &format!("/api/v1/requests/{rid}/clocks")).await;
        // 7 of the 15 minutes of a level-3 response.
        assert_eq!(clock(&now, "remote_response_l3", 1)["percent_used"], 46.67);
        assert_eq!(clock(&now, "restoration_l3", 1)["percent_used"], 5.83);
    }

    async fn a_severe_fault_lowered_before_the_scan_does_not_page_the_project_leader(t: TestApp) {
        let p = people(&t).await;
        let rid = severe_fault(&t, &p).await;
        t.clock.advance(MIN);
        set_level(&t, rid, 1).await;
        t.app.scan_clocks().await.unwrap();
        let leader = inbox(&t, &p.leader_token).await;
        assert_eq!(count(&leader, "severe_fault", -1), 0, "{leader:?}");
        assert_eq!(t.app.scan_clocks().await.unwrap(), 0, "the notice is handled, not left due");
        // Raised again to level 3: that is a severe fault now, and it is told.
        set_level(&t, rid, 3).await;
        t.app.scan_clocks().await.unwrap();
        let leader = inbox(&t, &p.leader_token).await;
        assert_eq!(count(&leader, "severe_fault", -1), 1, "{leader:?}");
    }
}

fn rfc(ms: i64) -> String {
    jiff::Timestamp::from_millisecond(ms).unwrap().to_string()
}

both_engines! {
    async fn an_arrival_entered_afterwards_stops_the_onsite_clock_at_its_real_time(t: TestApp) {
        let p = people(&t).await;
        let rid = severe_fault(&t, &p).await; // level 3: on site within 2 h of the request
        t.clock.advance(10 * MIN);
        let v = t.ok(&t.admin_token, &format!("/api/v1/requests/{rid}/visits"), json!({"engineer_id": p.engineer})).await;
        let vp = format!("/api/v1/requests/{rid}/visits/{}", id(&v));
        // The engineer arrived at 11:00 and enters it at 13:00, past the deadline (12:10).
        t.clock.advance(170 * MIN);
        for (at, why) in [(T0 + 5 * MIN, "before the visit was requested"), (T0 + 4 * HOUR, "in the future")] {
            let (s, e) = t.patch(&p.engineer_token, &vp, json!({"version": 1, "arrived_at": rfc(at)})).await;
            assert_eq!((s, e["field"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("arrived_at")), "{why}: {e}");
        }
        let (s, saved) = t.patch(&p.engineer_token, &vp, json!({"version": 1, "arrived_at": rfc(T0 + HOUR)})).await;
        assert_eq!(s, StatusCode::OK, "{saved}");
        let (_, clocks) = t.get(&p.engineer_token, &format!("/api/v1/requests/{rid}/clocks")).await;
        let onsite = clock(&clocks, "onsite_response_l3", 1);
        assert_eq!((onsite["state"].as_str(), onsite["stopped_at"].as_str()), (Some("met"), Some(rfc(T0 + HOUR).as_str())), "{clocks}");
        let stored = stored_clocks(&t, rid).await;
        let row = stored.iter().find(|k| k.target_key == "onsite_response_l3").unwrap();
        assert_eq!((row.state.as_str(), row.stopped_at), ("met", Some(T0 + HOUR)));
        // The history shows who entered it, when, and the time entered.
        let (_, tl) = t.get(&t.admin_token, &format!("/api/v1/requests/{rid}/timeline")).await;
        let ev = tl["history"].as_array().unwrap().iter().find(|e| e["kind"] == "onsite_arrived").unwrap().clone();
        assert_eq!(ev["actor_id"], p.engineer);
        assert_eq!(ev["at"].as_str(), Some(rfc(T0 + 3 * HOUR).as_str()));
        assert_eq!(ev["after"].as_str(), Some(rfc(T0 + HOUR).as_str()));
    }

    async fn the_visit_form_takes_the_real_arrival_time_in_the_viewers_zone(t: TestApp) {
        let p = people(&t).await;
        let rid = severe_fault(&t, &p).await;
        crate::ui::person(&t, "ev.desk", "agent", None, None).await;
        let v = t.ok(&t.admin_token, &format!("/api/v1/requests/{rid}/visits"), json!({"engineer_id": p.engineer})).await;
        t.clock.advance(3 * HOUR);
        // Departed at 10:30 (entered through the API), arrived at 11:00 (through the page).
        t.ok_patch(&format!("/api/v1/requests/{rid}/visits/{}", id(&v)), json!({"version": 1, "departed_at": rfc(T0 + 30 * MIN)})).await;
        let mut desk = crate::ui::Page::login(&t, "ev.desk").await;
        let page = format!("/ui/requests/{rid}");
        let (_, body, _) = desk.get(&page).await;
        let version = body.split("name=\"visit_version\" value=\"").nth(1).unwrap().split('"').next().unwrap().to_owned();
        let visit = id(&v).to_string();
        let form = [("action", "visit_progress"), ("visit_id", visit.as_str()), ("visit_version", version.as_str()), ("step", "arrived")];
        assert!(body.contains(&format!("id=\"visit-{visit}-arrived-at\"")), "{body}");
        let (s, body, _) = desk.post(&page, &[&form[..], &[("arrived_at", "不是时间")]].concat()).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(body.contains("id=\"err-arrived_at\""), "{body}");
        // Beijing, the default zone.
        let (s, body, _) = desk.post(&page, &[&form[..], &[("arrived_at", "2026-11-20T11:00")]].concat()).await;
        assert_eq!(s, StatusCode::SEE_OTHER, "{body}");
        let (_, tl) = t.get(&t.admin_token, &format!("/api/v1/requests/{rid}/timeline")).await;
        assert_eq!(tl["visits"][0]["arrived_at"].as_str(), Some(rfc(T0 + HOUR).as_str()));
        let (_, clocks) = t.get(&p.engineer_token, &format!("/api/v1/requests/{rid}/clocks")).await;
        assert_eq!(clock(&clocks, "onsite_response_l3", 1)["stopped_at"].as_str(), Some(rfc(T0 + HOUR).as_str()));
    }
}

/// A request of `org` taken through to resolved (as the admin); its id.
async fn resolved(t: &TestApp, org: i64, title: &str) -> i64 {
    let rid = id(&t.request(org, title).await);
    for (a, b) in [
        ("acknowledge", json!({})),
        ("respond", json!({"mode": "phone", "plan": "电话指导"})),
        ("resolve", json!({"resolution": "已处理"})),
    ] {
        t.ok(&t.admin_token, &format!("/api/v1/requests/{rid}/{a}"), b)
            .await;
    }
    rid
}

async fn closing_event(t: &TestApp, rid: i64) -> (i64, Value) {
    let (_, d) = t
        .get(&t.admin_token, &format!("/api/v1/requests/{rid}/timeline"))
        .await;
    let e = d["history"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["kind"] == "closed")
        .unwrap_or_else(|| panic!("no closing: {d}"))
        .clone();
    let details: Value = serde_json::from_str(e["details"].as_str().unwrap()).unwrap();
    (e["actor_id"].as_i64().unwrap(), details)
}

both_engines! {
    async fn the_scanner_auto_closes_a_request_resolved_without_feedback_and_records_the_rule(t: TestApp) {
        let (org, _) = t.organization("自动关闭单位", "2025-06-01").await;
        let silent = resolved(&t, org, "无人反馈的请求").await;
        let answered = resolved(&t, org, "用户已确认的请求").await;
        t.ok(&t.admin_token, &format!("/api/v1/requests/{answered}/feedback"), json!({"solved": true, "rating": 4})).await;
        t.clock.advance(2 * 24 * HOUR);
        assert_eq!(t.app.auto_close_due().await.unwrap(), 0, "not due before three days");
        t.clock.advance(24 * HOUR);
        assert_eq!(t.app.auto_close_due().await.unwrap(), 1);
        assert_eq!(t.app.auto_close_due().await.unwrap(), 0, "once");
        let (_, r) = t.get(&t.admin_token, &format!("/api/v1/requests/{silent}")).await;
        assert_eq!((r["status"].as_str(), r["close_basis"].as_str()), (Some("closed"), Some("auto_close")));
        let (actor, details) = closing_event(&t, silent).await;
        assert_eq!(actor, t.app.system_actor().await.unwrap().user_id, "closed by the scheduler");
        assert_eq!(details["rule"], json!({"policy": "levels-0-5", "after": "3d", "calendar": "24x7"}), "{details}");
        let (_, r) = t.get(&t.admin_token, &format!("/api/v1/requests/{answered}")).await;
        assert_eq!(r["status"], "resolved", "a request with feedback waits for its confirmed closing");
    }

    async fn closing_on_confirmation_records_the_rating_or_that_the_customer_declined(t: TestApp) {
        let (org, _) = t.organization("回访单位", "2025-06-01").await;
        let rated = resolved(&t, org, "打印机无法打印").await;
        let declined = resolved(&t, org, "邮箱无法登录").await;
        for rid in [rated, declined] {
            t.ok(&t.admin_token, &format!("/api/v1/requests/{rid}/feedback"), json!({"solved": true})).await;
        }
        let close = |rid: i64| format!("/api/v1/requests/{rid}/close");
        for body in [
            json!({"basis": "confirmed"}),
            json!({"basis": "confirmed", "rating": 6}),
            json!({"basis": "confirmed", "rating": 0}),
            json!({"basis": "confirmed", "rating": 4, "declined_to_rate": true}),
            json!({"basis": "confirmed", "declined_to_rate": false}),
        ] {
            let (s, e) = t.post(&t.admin_token, &close(rated), body.clone()).await;
            assert_eq!((s, e["field"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("rating")), "{body}: {e}");
        }
        let r = t.ok(&t.admin_token, &close(rated), json!({"basis": "confirmed", "rating": 4})).await;
        assert_eq!((r["status"].as_str(), r["feedback_rating"].as_i64()), (Some("closed"), Some(4)));
        assert_eq!(closing_event(&t, rated).await.1["rating"], 4);
        let r = t.ok(&t.admin_token, &close(declined), json!({"basis": "confirmed", "declined_to_rate": true})).await;
        assert_eq!((r["status"].as_str(), r["feedback_rating"].as_i64()), (Some("closed"), None));
        assert_eq!(closing_event(&t, declined).await.1["declined_to_rate"], true);
    }

    async fn the_close_form_asks_for_the_rating_or_that_the_customer_declined(t: TestApp) {
        let (org, _) = t.organization("回访单位", "2025-06-01").await;
        let rid = resolved(&t, org, "打印机无法打印").await;
        t.ok(&t.admin_token, &format!("/api/v1/requests/{rid}/feedback"), json!({"solved": true})).await;
        crate::ui::person(&t, "ev.closer", "agent", None, None).await;
        let mut desk = crate::ui::Page::login(&t, "ev.closer").await;
        let page = format!("/ui/requests/{rid}");
        let (_, body, _) = desk.get(&page).await;
        assert!(body.contains("id=\"close-rating-5\"") && body.contains("id=\"close-declined\""), "{body}");
        let (s, body, _) = desk.post(&page, &[("action", "close"), ("basis", "confirmed")]).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(body.contains("id=\"err-rating\"") && body.contains("用户评分"), "the refusal in Chinese: {body}");
        let (s, _, _) = desk.post(&page, &[("action", "close"), ("basis", "confirmed"), ("declined_to_rate", "yes")]).await;
        assert_eq!(s, StatusCode::SEE_OTHER);
        assert_eq!(closing_event(&t, rid).await.1["declined_to_rate"], true);
    }
}
