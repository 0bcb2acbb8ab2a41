//! The desk keeps working across New Year into a year without the State
//! Council's holiday notice (a *provisional* year), and an administrator
//! then enters the official days: through the API and through an iCalendar
//! feed (the admin page is driven by the browser test).

use crate::both_engines;
use crate::harness::*;
use reqwest::StatusCode;
use serde_json::{Value, json};

const MIN: i64 = 60_000;
const HOUR: i64 = 60 * MIN;
const DAY: i64 = 24 * HOUR;
/// 2026-12-28T10:00:00+08:00, a Monday morning in Beijing.
const DEC28: i64 = T0 + 38 * DAY;

fn id(v: &Value) -> i64 {
    v["id"].as_i64().unwrap_or_else(|| panic!("no id in {v}"))
}

fn clock<'a>(clocks: &'a Value, key: &str) -> &'a Value {
    clocks["clocks"]
        .as_array()
        .unwrap()
        .iter()
        .rfind(|c| c["target_key"] == key)
        .unwrap_or_else(|| panic!("no clock {key} in {clocks}"))
}

/// A call that must not answer 5xx (the failure this file guards against).
async fn no_5xx(t: &TestApp, method: &str, token: &str, path: &str, body: Value) -> Value {
    let m = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
    let body = (method != "GET").then_some(body);
    let (s, v) = t.call(token, m, path, body).await;
    assert!(
        !s.is_server_error(),
        "{method} {path} → {s} at {}: {v}",
        fuwu_store::ser::rfc3339(t.app.now())
    );
    v
}

/// A request of `level` (overridden by the admin with a reason).
async fn raise(t: &TestApp, org: i64, level: i64, title: &str) -> Value {
    no_5xx(
        t,
        "POST",
        &t.admin_token,
        "/api/v1/requests",
        json!({
            "channel": "phone", "category": "fault", "impact": "partial", "urgency": "medium",
            "level": level, "level_reason": "跨年测试", "title": title, "organization_id": org,
        }),
    )
    .await
}

/// The official 2027 days an administrator enters: 元旦 bridged over Monday
/// 4 January (worked back on Saturday 9 January), then the rest of the year
/// as the statutory holidays (enough for these tests).
fn official_2027() -> Vec<Value> {
    let mut days = vec![
        json!({"date": "2027-01-01", "kind": "holiday", "name": "元旦"}),
        json!({"date": "2027-01-02", "kind": "holiday", "name": "元旦"}),
        json!({"date": "2027-01-03", "kind": "holiday", "name": "元旦"}),
        json!({"date": "2027-01-04", "kind": "holiday", "name": "元旦"}),
        json!({"date": "2027-01-09", "kind": "workday", "name": "元旦"}),
    ];
    for d in [
        "2027-02-05",
        "2027-02-06",
        "2027-02-07",
        "2027-02-08",
        "2027-02-09",
        "2027-02-10",
        "2027-02-11",
    ] {
        days.push(json!({"date": d, "kind": "holiday", "name": "春节"}));
    }
    days
}

both_engines! {
    async fn the_desk_works_from_28_december_into_a_provisional_2027_and_takes_the_official_days(t: TestApp) {
        t.clock.set(DEC28);
        let (leader_id, _) = t.user("leader", "project_leader", None).await;
        let (eng_id, eng) = t.user("eng", "engineer", None).await;
        let org = id(&t.ok(&t.admin_token, "/api/v1/organizations", json!({"name": "跨年单位"})).await);
        t.ok(&t.admin_token, "/api/v1/contracts", json!({"organization_id": org, "code": "HT-NY", "name": "运维合同", "accepted_on": "2026-01-05", "project_leader_id": leader_id})).await;
        let admin = t.admin_token.clone();

        // Every level, responded to, with an on-site visit requested (and
        // recorded on 4 January, below).
        let mut ids = Vec::new();
        let mut ids_visits: Vec<(i64, i64, i64)> = Vec::new();
        for level in 0..=5 {
            let r = raise(&t, org, level, &format!("{level} 级故障")).await;
            let rid = id(&r);
            ids.push(rid);
            no_5xx(&t, "POST", &admin, &format!("/api/v1/requests/{rid}/acknowledge"), json!({})).await;
            no_5xx(&t, "POST", &admin, &format!("/api/v1/requests/{rid}/dispatch"), json!({"tier": "l2", "assignee_id": eng_id})).await;
            no_5xx(&t, "POST", &eng, &format!("/api/v1/requests/{rid}/respond"), json!({"mode": "onsite", "plan": "上门检查"})).await;
            let v = no_5xx(&t, "POST", &eng, &format!("/api/v1/requests/{rid}/visits"), json!({})).await;
            let vid = id(&v);
            ids_visits.push((rid, vid, v["version"].as_i64().unwrap_or(1)));
        }

        // Day by day to 6 January: new requests of every level each day,
        // clocks read, the scanner run, one fault resolved and reported.
        let mut resolved: Option<i64> = None;
        let mut late_level0: Option<i64> = None;
        for day in 0..=9 {
            t.clock.set(DEC28 + day * DAY);
            for level in 0..=5 {
                let r = raise(&t, org, level, &format!("第 {day} 天的 {level} 级故障")).await;
                assert!(r["id"].is_i64(), "a level-{level} request on day {day}: {r}");
                if day == 3 && level == 0 {
                    late_level0 = Some(id(&r));
                }
            }
            for rid in &ids {
                let c = no_5xx(&t, "GET", &admin, &format!("/api/v1/requests/{rid}/clocks"), json!({})).await;
                assert!(c["clocks"].is_array(), "{c}");
            }
            t.app.scan_clocks().await.expect("the scanner handles every clock");
            assert!(t.app.scan_problems().is_empty(), "{:?}", t.app.scan_problems());
            if day == 1 {
                // 29 December: resolve a level-1 fault: its report is due
                // in 2 working days, in 2027.
                let rid = ids[1];
                no_5xx(&t, "POST", &eng, &format!("/api/v1/requests/{rid}/resolve"), json!({"resolution": "更换硬盘"})).await;
                let draft = no_5xx(&t, "POST", &eng, &format!("/api/v1/requests/{rid}/fault-report"), json!({})).await;
                assert_eq!(draft["status"], "draft", "{draft}");
                resolved = Some(rid);
            }
            if day == 7 {
                // 4 January: the engineers arrived at 09:30, entered at 10:00.
                for (rid, vid, version) in &ids_visits {
                    let (s, v) = t.patch(&eng, &format!("/api/v1/requests/{rid}/visits/{vid}"), json!({"version": version, "departed_at": "2027-01-04T09:00:00+08:00", "arrived_at": "2027-01-04T09:30:00+08:00"})).await;
                    assert_eq!(s, StatusCode::OK, "recording a visit on 4 January: {v}");
                }
            }
            if day == 9 {
                let rid = resolved.unwrap();
                for step in ["submit-review", "approve", "deliver"] {
                    let (s, v) = t.post(&admin, &format!("/api/v1/requests/{rid}/fault-report/{step}"), json!({})).await;
                    assert!(s.is_success(), "{step} on 6 January: {s} {v}");
                }
            }
        }

        // Recompute, a policy edit and an import, all in 2027.
        let report = t.app.recompute_clocks(|_, _| {}).await.expect("recompute");
        assert!(report.requests >= 66, "{report:?}");
        let policies = no_5xx(&t, "GET", &admin, "/api/v1/sla-policies", json!({})).await;
        let levels = policies.as_array().unwrap().iter().find(|p| p["name"] == "levels-0-5").unwrap().clone();
        let mut def: Value = levels["definition"].clone();
        def["description"] = json!("跨年后修改");
        let (s, v) = t.patch(&admin, &format!("/api/v1/sla-policies/{}", id(&levels)), json!({"version": levels["version"], "definition": def})).await;
        assert_eq!(s, StatusCode::OK, "a policy edit in a provisional year: {v}");
        let (s, v) = t.post(&admin, "/api/v1/requests/import", json!({
            "external_ref": "OTRS-NY-1", "organization_id": org, "channel": "phone", "category": "fault",
            "impact": "partial", "urgency": "medium", "level": 0, "level_reason": "导入",
            "title": "跨年导入", "created_at": "2026-12-31T17:00:00+08:00",
            "events": [
                {"at": "2026-12-31T17:05:00+08:00", "type": "acknowledged"},
                {"at": "2026-12-31T17:10:00+08:00", "type": "dispatched", "tier": "l2", "assignee_id": eng_id},
                {"at": "2027-01-04T09:30:00+08:00", "type": "responded", "mode": "remote", "plan": "远程处理"},
                {"at": "2027-01-05T10:00:00+08:00", "type": "resolved", "resolution": "已恢复"},
            ],
        })).await;
        assert_eq!(s, StatusCode::CREATED, "an import across New Year: {v}");

        // The clocks say 2027 was provisional. The level-0 request raised on
        // 31 December at 10:00: its 1 working day of restoration ends on
        // 4 January 10:00 (元旦 is a statutory holiday, then the weekend).
        let rid = late_level0.unwrap();
        let c = no_5xx(&t, "GET", &admin, &format!("/api/v1/requests/{rid}/clocks"), json!({})).await;
        let restoration = clock(&c, "restoration_l0");
        assert_eq!(restoration["deadline"], "2027-01-04T02:00:00Z", "{restoration}");
        assert_eq!(restoration["provisional_years"], json!([2027]), "{restoration}");
        let panel = t.http.get(format!("{}/ui/requests/{rid}/clocks", t.base)).bearer_auth(&admin).send().await.unwrap().text().await.unwrap();
        assert!(panel.contains("data-provisional=\"2027\""), "the request page says so beside the clock: {panel}");
        let year = no_5xx(&t, "GET", &admin, "/api/v1/calendars/cn-mainland/years/2027", json!({})).await;
        assert_eq!(year["provisional"], true, "{year}");
        assert!(year["days"].as_array().unwrap().iter().any(|d| d["date"] == "2027-02-06" && d["name"] == "春节"), "{year}");

        // The administrator enters the official 2027 days through the API.
        let (s, v) = t.call(&admin, reqwest::Method::PUT, "/api/v1/calendars/cn-mainland/years/2027", Some(json!({"version": 0, "days": official_2027()}))).await;
        assert_eq!(s, StatusCode::OK, "{v}");
        assert_eq!(v["provisional"], false, "{v}");
        assert_eq!(v["days"].as_array().unwrap().len(), official_2027().len(), "{v}");
        // A stale version is refused and changes nothing.
        let (s, v) = t.call(&admin, reqwest::Method::PUT, "/api/v1/calendars/cn-mainland/years/2027", Some(json!({"version": 0, "days": []}))).await;
        assert_eq!(s, StatusCode::CONFLICT, "{v}");
        // Open requests' clocks were recomputed at once: 4 January is now a
        // holiday, so the deadline moves to the 5th, no longer provisional.
        let c = no_5xx(&t, "GET", &admin, &format!("/api/v1/requests/{rid}/clocks"), json!({})).await;
        let restoration = clock(&c, "restoration_l0");
        assert_eq!(restoration["deadline"], "2027-01-05T02:00:00Z", "{restoration}");
        assert_eq!(restoration["provisional_years"], json!([]), "{restoration}");
        let panel = t.http.get(format!("{}/ui/requests/{rid}/clocks", t.base)).bearer_auth(&admin).send().await.unwrap().text().await.unwrap();
        assert!(!panel.contains("data-provisional"), "{panel}");
        let stored = t.app.db.read(move |mut c| Box::pin(async move {
            fuwu_store::sla::list_clocks(&mut c, rid).await
        })).await.unwrap();
        let stored = stored.iter().rfind(|k| k.target_key == "restoration_l0").unwrap();
        assert_eq!(stored.deadline.map(fuwu_store::ser::rfc3339).as_deref(), Some("2027-01-05T02:00:00Z"), "the stored clock too");
        // The calendar shows the year as official; other staff read it; the change is audited.
        let cal = no_5xx(&t, "GET", &admin, "/api/v1/calendars/cn-mainland", json!({})).await;
        assert!(cal["definition"]["data_years"].as_array().unwrap().contains(&json!(2027)), "{cal}");
        assert_eq!(cal["version"], 1, "{cal}");
        let audit = no_5xx(&t, "GET", &admin, "/api/v1/audit?object_type=calendar", json!({})).await;
        assert!(audit.to_string().contains("calendar_created"), "{audit}");
        // 2028 is provisional now, and a PUT that changes the built-in's windows is refused.
        let (s, v) = t.get(&eng, "/api/v1/calendars/cn-mainland/years/2028").await;
        assert_eq!((s, v["provisional"].as_bool()), (StatusCode::OK, Some(true)), "{v}");
        let mut bad = cal["definition"].clone();
        bad["time_zone"] = json!("UTC");
        let (s, v) = t.call(&admin, reqwest::Method::PUT, "/api/v1/calendars/cn-mainland", Some(json!({"version": 1, "definition": bad}))).await;
        assert_eq!((s, TestApp::code(&v)), (StatusCode::UNPROCESSABLE_ENTITY, "validation_failed"), "{v}");
        // 24x7 stays read-only.
        let (s, _) = t.call(&admin, reqwest::Method::PUT, "/api/v1/calendars/24x7/years/2027", Some(json!({"version": 0, "days": []}))).await;
        assert_eq!(s, StatusCode::FORBIDDEN);
    }

    async fn an_icalendar_feed_makes_a_year_of_cn_mainland_official(t: TestApp) {
        t.clock.set(DEC28 + 3 * DAY + 7 * HOUR); // 31 December, 17:00
        let admin = t.admin_token.clone();
        let org = id(&t.ok(&admin, "/api/v1/organizations", json!({"name": "订阅单位"})).await);
        let r = raise(&t, org, 0, "跨年远程响应").await;
        let rid = id(&r);
        let c = no_5xx(&t, "GET", &admin, &format!("/api/v1/requests/{rid}/clocks"), json!({})).await;
        // 2 working hours of remote response from 17:00: 1 h today, 1 h on 4 January.
        assert_eq!(clock(&c, "remote_response_l0")["deadline"], "2027-01-04T02:00:00Z", "{c}");
        assert_eq!(clock(&c, "remote_response_l0")["provisional_years"], json!([2027]));

        // A plain holiday feed for 2027 (no X-FUWU-DATA-YEARS): 元旦 1–4 January.
        let feed = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//gov//holidays//ZH\r\n\
            BEGIN:VEVENT\r\nUID:ny\r\nDTSTAMP:20261201T000000Z\r\nDTSTART;VALUE=DATE:20270101\r\nDTEND;VALUE=DATE:20270105\r\nSUMMARY:元旦\r\nCATEGORIES:HOLIDAY\r\nEND:VEVENT\r\n\
            BEGIN:VEVENT\r\nUID:ny-w\r\nDTSTAMP:20261201T000000Z\r\nDTSTART;VALUE=DATE:20270109\r\nSUMMARY:元旦\r\nCATEGORIES:WORKDAY\r\nEND:VEVENT\r\n\
            END:VCALENDAR\r\n";
        let resp = t.http.post(format!("{}/api/v1/calendars/cn-mainland/ical", t.base))
            .bearer_auth(&admin).header("content-type", "text/calendar").body(feed).send().await.unwrap();
        let status = resp.status();
        let v: Value = resp.json().await.unwrap();
        assert_eq!(status, StatusCode::OK, "{v}");
        assert!(v["definition"]["data_years"].as_array().unwrap().contains(&json!(2027)), "the feed's year becomes official: {v}");
        let year = no_5xx(&t, "GET", &admin, "/api/v1/calendars/cn-mainland/years/2027", json!({})).await;
        assert_eq!(year["provisional"], false);
        assert_eq!(year["days"].as_array().unwrap().len(), 5, "the feed's days replace the statutory ones: {year}");
        let c = no_5xx(&t, "GET", &admin, &format!("/api/v1/requests/{rid}/clocks"), json!({})).await;
        assert_eq!(clock(&c, "remote_response_l0")["deadline"], "2027-01-05T02:00:00Z", "{c}");
        assert_eq!(clock(&c, "remote_response_l0")["provisional_years"], json!([]));
        // The export carries the year.
        let (s, text) = (t.http.get(format!("{}/api/v1/calendars/cn-mainland/ical", t.base)).bearer_auth(&admin).send().await.unwrap().status(), ());
        assert_eq!((s, text), (StatusCode::OK, ()));
    }

    async fn administrators_see_from_november_that_next_year_is_provisional(t: TestApp) {
        let admin = t.admin_token.clone();
        let (_, eng) = t.user("eng2", "engineer", None).await;
        t.clock.set(T0 - 30 * DAY); // 21 October
        let (_, v) = t.get(&admin, "/api/v1/sla/notices").await;
        assert_eq!(v["provisional_years"], json!([]), "{v}");
        t.clock.set(T0); // 20 November
        let (_, v) = t.get(&admin, "/api/v1/sla/notices").await;
        assert_eq!(v["provisional_years"], json!([{"calendar": "cn-mainland", "year": 2027}]), "{v}");
        let (_, v) = t.get(&eng, "/api/v1/sla/notices").await;
        assert_eq!(v["provisional_years"], json!([]), "administrators only: {v}");
        let page = t.http.get(format!("{}/ui/dashboard", t.base)).bearer_auth(&admin).send().await.unwrap().text().await.unwrap();
        assert!(page.contains("data-notice=\"provisional-cn-mainland\""), "the dashboard shows it");
        let page = t.http.get(format!("{}/ui/admin/calendars/cn-mainland?year=2027", t.base)).bearer_auth(&admin).send().await.unwrap().text().await.unwrap();
        assert!(page.contains("data-notice=\"provisional-cn-mainland\"") && page.contains("id=\"year-provisional\""), "the admin calendar page marks 2027 provisional");
        t.call(&admin, reqwest::Method::PUT, "/api/v1/calendars/cn-mainland/years/2027", Some(json!({"version": 0, "days": official_2027()}))).await;
        let (_, v) = t.get(&admin, "/api/v1/sla/notices").await;
        assert_eq!(v["provisional_years"], json!([]), "{v}");
    }
}

/// `fuwu calendar deadline` against this test's database.
fn cli_deadline(t: &TestApp, calendar: &str, start: &str, duration: &str) -> (i32, String, String) {
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_fuwu"));
    cmd.args([
        "calendar",
        "deadline",
        "--calendar",
        calendar,
        "--start",
        start,
        "--duration",
        duration,
    ])
    .env_remove("FUWU_DATABASE_URL")
    .env("FUWU_LOG", "warn");
    match &t.location {
        fuwu_store::Location::SqliteFolder(dir) => cmd.arg("--data-dir").arg(dir),
        fuwu_store::Location::Postgres(url) => cmd.arg("--database-url").arg(url),
    };
    let out = cmd.output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).trim().to_owned(),
        String::from_utf8_lossy(&out.stderr).into(),
    )
}

both_engines! {
    async fn an_administrators_calendar_with_data_years_is_provisional_elsewhere_in_the_api_and_the_cli(t: TestApp) {
        let mut spec = fuwu_core::calendar::CalendarSpec::twenty_four_seven();
        spec.name = "plant".into();
        spec.time_zone = "Asia/Shanghai".into();
        spec.week = fuwu_core::calendar::Week::monday_to_friday("08:00-16:00".parse().unwrap());
        spec.standard_day = "08:00-16:00".parse().unwrap();
        spec.data_years = Some([2026].into());
        t.ok(&t.admin_token, "/api/v1/calendars", json!({"definition": spec})).await;
        let (_, y) = t.get(&t.admin_token, "/api/v1/calendars/plant/years/2027").await;
        assert_eq!((y["provisional"].as_bool(), y["days"].as_array().map(Vec::len)), (Some(true), Some(0)), "{y}");
        let (code, out, err) = cli_deadline(&t, "plant", "2026-12-31T15:00:00+08:00", "2h");
        assert_eq!((code, out.as_str()), (0, "2027-01-01T09:00:00+08:00"), "1 January is worked by the week: {err}");
        assert!(err.contains("warning") && err.contains("2027"), "{err}");
        // The built-in with an administrator's 2027 from this database.
        t.call(&t.admin_token, reqwest::Method::PUT, "/api/v1/calendars/cn-mainland/years/2027", Some(json!({"version": 0, "days": official_2027()}))).await;
        let (code, out, err) = cli_deadline(&t, "cn-mainland", "2026-12-31T17:00:00+08:00", "2h");
        assert_eq!((code, out.as_str()), (0, "2027-01-05T10:00:00+08:00"), "{err}");
        assert!(!err.contains("warning"), "2027 is official now: {err}");
    }
}

both_engines! {
    async fn a_clock_that_cannot_be_handled_is_reported_and_never_stops_the_scan(t: TestApp) {
        let admin = t.admin_token.clone();
        let org = id(&t.ok(&admin, "/api/v1/organizations", json!({"name": "扫描单位"})).await);
        let mut ids = Vec::new();
        for n in 0..3 {
            ids.push(id(&raise(&t, org, 3, &format!("严重故障 {n}")).await));
        }
        // Corrupt the second one's history as a broken import or a manual
        // edit of the database could: a status the code does not know.
        let broken = ids[1];
        t.app.db.write(move |mut c| Box::pin(async move {
            c.execute(fuwu_store::query(
                "insert into request_events (request_id, at, actor_id, kind, field, before, after)
                 select $1, created_at, created_by, 'status_changed', 'status', 'new', 'bogus' from requests where id = $1",
            ).bind(broken)).await
        })).await.unwrap();
        t.clock.advance(90 * MIN); // past every restoration warning of level 3
        let handled = t.app.scan_clocks().await.expect("the scan goes on");
        assert!(handled >= 2, "the two sound requests were handled: {handled}");
        let problems = t.app.scan_problems();
        assert!(!problems.is_empty() && problems.iter().all(|p| p.request_id == broken), "{problems:?}");
        let (_, n) = t.get(&admin, "/api/v1/sla/notices").await;
        assert_eq!(n["scan_problems"][0]["request_id"], broken, "{n}");
        let page = t.http.get(format!("{}/ui/dashboard", t.base)).bearer_auth(&admin).send().await.unwrap().text().await.unwrap();
        assert!(page.contains("id=\"scan-problems\"") && page.contains(&format!("/ui/requests/{broken}")), "the dashboard says so");
        for rid in [ids[0], ids[2]] {
            let rows = t.app.db.read(move |mut c| Box::pin(async move {
                fuwu_store::sla::list_clocks(&mut c, rid).await
            })).await.unwrap();
            let restoration = rows.iter().find(|k| k.target_key == "restoration_l3").unwrap();
            assert!(restoration.handled.contains("50"), "request {rid}: its warning was handled: {restoration:?}");
        }
    }
}
