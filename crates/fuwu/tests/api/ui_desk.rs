//! The desk's pages over HTTP: live SLA clocks on the request page, the
//! "breaching soon" queue, the dashboard, attachments (upload, refusal
//! beside the field, download). (In a real browser: `tests/api/browser.rs`.)

use crate::both_engines;
use crate::harness::*;
use crate::ui::{Page, person};
use reqwest::StatusCode;
use reqwest::header::{CONTENT_TYPE, COOKIE, LOCATION};

const HOUR_MS: i64 = 3_600_000;

/// Post a multipart upload form as the page does (CSRF, reply, then the file).
async fn upload(
    p: &mut Page,
    path: &str,
    filename: &str,
    data: &[u8],
    reply: &str,
) -> (StatusCode, String, Option<String>) {
    let mut body = Vec::new();
    let b = "----fuwuTestBoundary7MA4YWxk";
    body.extend_from_slice(
        format!(
            "--{b}\r\nContent-Disposition: form-data; name=\"csrf_token\"\r\n\r\n{}\r\n",
            p.csrf
        )
        .as_bytes(),
    );
    body.extend_from_slice(
        format!("--{b}\r\nContent-Disposition: form-data; name=\"body\"\r\n\r\n{reply}\r\n")
            .as_bytes(),
    );
    body.extend_from_slice(
        format!("--{b}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{filename}\"\r\nContent-Type: application/octet-stream\r\n\r\n")
            .as_bytes(),
    );
    body.extend_from_slice(data);
    body.extend_from_slice(format!("\r\n--{b}--\r\n").as_bytes());
    let r = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
        .post(format!("{}{path}", p.base))
        .header(COOKIE, p.cookies.join("; "))
        .header(CONTENT_TYPE, format!("multipart/form-data; boundary={b}"))
        .body(body)
        .send()
        .await
        .unwrap();
    let status = r.status();
    let to = r
        .headers()
        .get(LOCATION)
        .map(|v| v.to_str().unwrap().to_owned());
    (status, r.text().await.unwrap(), to)
}

/// The `data-state` of every clock in a page, in order.
fn clock_states(html: &str) -> Vec<String> {
    html.split("class=\"clock risk-")
        .skip(1)
        .map(|s| {
            s.split("data-state=\"")
                .nth(1)
                .and_then(|x| x.split('"').next())
                .unwrap_or("")
                .to_owned()
        })
        .collect()
}

both_engines! {
    async fn the_request_page_shows_live_clocks_and_late_ones_queue_up_as_breaching_soon(t: TestApp) {
        let (org, _) = t.organization("计时单位", "2025-06-01").await;
        person(&t, "clk.cust", "customer_user", Some(org), None).await;
        person(&t, "clk.desk", "agent", None, None).await;
        let mut cust = Page::login(&t, "clk.cust").await;
        cust.get("/ui/new").await;
        // Level 1: the remote response is due in 2 hours, restoration in a day.
        let (s, _, to) = cust.post("/ui/new", &[("category", "fault"), ("impact", "minor"), ("urgency", "medium"), ("title", "计时测试故障"), ("description", "x")]).await;
        assert_eq!(s, StatusCode::SEE_OTHER);
        let to = to.unwrap();

        let mut desk = Page::login(&t, "clk.desk").await;
        let (s, body, _) = desk.get(&to).await;
        assert_eq!(s, StatusCode::OK);
        let states = clock_states(&body);
        assert!(!states.is_empty() && states.iter().all(|s| s == "running"), "fresh clocks run: {states:?}");
        assert!(body.contains("risk-ok") && body.contains("hx-get=\"/ui/requests/") && body.contains("every 30s"), "{body}");
        // Nothing due within one hour; the response within three.
        let (_, body, _) = desk.get("/ui/queue?view=breaching&hours=1").await;
        assert!(!body.contains("计时测试故障"), "{body}");
        let (_, body, _) = desk.get("/ui/queue?view=breaching&hours=3").await;
        assert!(body.contains("计时测试故障") && body.contains("1级远程/电话响应"), "by the target's name: {body}");
        assert!(!body.contains("1级故障恢复"), "restoration is a day away");

        // Two days later nothing was done: every clock is breached, on the page and in its partial.
        t.clock.advance(48 * HOUR_MS);
        // (The sessions have expired meanwhile.)
        let mut desk = Page::login(&t, "clk.desk").await;
        let mut cust = Page::login(&t, "clk.cust").await;
        let (s, part, _) = desk.get(&format!("{to}/clocks")).await;
        assert_eq!(s, StatusCode::OK);
        assert!(part.starts_with("<section") && !part.contains("<html"), "a fragment: {part}");
        let states = clock_states(&part);
        assert!(!states.is_empty() && states.iter().all(|s| s == "breached"), "{states:?}");
        assert!(part.contains("risk-breached"));
        // The stored clocks still run (the scanner has not passed): the queue lists them, soonest first.
        let (_, body, _) = desk.get("/ui/queue?view=breaching").await;
        assert!(body.contains("计时测试故障") && body.contains("aria-current=\"page\""), "{body}");
        // Filtered to another level: not there.
        let (_, body, _) = desk.get("/ui/queue?view=breaching&level=0&sort=level_desc").await;
        assert!(!body.contains("计时测试故障"));
        // The customer reads the clocks of their own request; the breaching queue is a staff view.
        let (s, part, _) = cust.get(&format!("{to}/clocks")).await;
        assert_eq!(s, StatusCode::OK);
        assert!(!clock_states(&part).is_empty());
        let (_, body, _) = cust.get("/ui/queue?view=breaching").await;
        assert!(!body.contains("id=\"f-hours\""), "customers get their own list");
    }

    async fn the_dashboard_counts_what_is_open_and_carries_its_chart_data(t: TestApp) {
        let (org, _) = t.organization("看板单位", "2025-06-01").await;
        person(&t, "dash.cust", "customer_user", Some(org), None).await;
        person(&t, "dash.desk", "agent", None, None).await;
        let mut cust = Page::login(&t, "dash.cust").await;
        cust.get("/ui/new").await;
        for title in ["看板一", "看板二"] {
            let (s, _, _) = cust.post("/ui/new", &[("category", "fault"), ("impact", "unusable"), ("urgency", "high"), ("title", title)]).await;
            assert_eq!(s, StatusCode::SEE_OTHER);
        }
        let mut desk = Page::login(&t, "dash.desk").await;
        let (s, body, _) = desk.get("/ui/dashboard").await;
        assert_eq!(s, StatusCode::OK, "{body}");
        assert!(body.contains("<canvas id=\"chart-volume\"") && body.contains("<canvas id=\"chart-attainment\""));
        assert!(body.contains("id=\"tile-open\"><span class=\"n\">2</span>"), "two open requests: {body}");
        assert!(body.contains("id=\"dash-as-of\""), "the figures say when they were counted");
        assert!(body.contains("/ui/assets/chart-"), "the embedded chart library");
        // The chart data: 30 days, today's bar holds both requests.
        let raw = body.split("data-charts=\"").nth(1).unwrap().split('"').next().unwrap().replace("&#34;", "\"").replace("&quot;", "\"");
        let charts: serde_json::Value = serde_json::from_str(&raw).unwrap_or_else(|e| panic!("{e}: {raw}"));
        assert_eq!(charts["labels"].as_array().unwrap().len(), 30);
        let today: i64 = charts["volume"].as_array().unwrap().iter().map(|s| s["data"][29].as_i64().unwrap()).sum();
        assert_eq!(today, 2, "{charts}");
        let (s, _, _) = cust.get("/ui/dashboard").await;
        assert_eq!(s, StatusCode::FORBIDDEN, "customers have no desk dashboard");
    }

    async fn files_upload_from_the_request_page_and_a_refused_one_keeps_the_reply(t: TestApp) {
        let (org, _) = t.organization("附件单位", "2025-06-01").await;
        person(&t, "att.cust", "customer_user", Some(org), None).await;
        person(&t, "att.desk", "agent", None, None).await;
        let mut cust = Page::login(&t, "att.cust").await;
        cust.get("/ui/new").await;
        let (_, _, to) = cust.post("/ui/new", &[("category", "fault"), ("impact", "minor"), ("urgency", "medium"), ("title", "附件测试")]).await;
        let to = to.unwrap();
        let (_, body, _) = cust.get(&to).await;
        assert!(body.contains("enctype=\"multipart/form-data\"") && body.contains("id=\"files-none\""));

        // A customer replies with a log file.
        let (s, _, back) = upload(&mut cust, &format!("{to}/attachments"), "错误日志.txt", "ERROR 登录失败\n".as_bytes(), "日志见附件").await;
        assert_eq!(s, StatusCode::SEE_OTHER);
        assert_eq!(back.unwrap(), format!("{to}#files"));
        let (_, body, _) = cust.get(&to).await;
        assert!(body.contains("错误日志.txt") && body.contains("日志见附件"), "{body}");
        let link = body.split("href=\"/api/v1/requests/").nth(1).unwrap().split('"').next().unwrap().to_owned();
        let r = reqwest::Client::new().get(format!("{}/api/v1/requests/{link}", t.base))
            .header(COOKIE, cust.cookies.join("; ")).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::OK);
        assert_eq!(r.bytes().await.unwrap().as_ref(), "ERROR 登录失败\n".as_bytes());

        // An executable is refused beside the field; the typed reply stays, no reply is posted alone.
        let mut desk = Page::login(&t, "att.desk").await;
        desk.get(&to).await;
        let elf = b"\x7fELF\x02\x01\x01\0\0\0\0\0\0\0\0\0rest";
        let (s, body, _) = upload(&mut desk, &format!("{to}/attachments"), "tool", elf, "请运行此工具").await;
        assert_eq!(s, StatusCode::UNSUPPORTED_MEDIA_TYPE);
        assert!(body.contains("id=\"err-file\"") && body.contains(">请运行此工具</textarea>"), "{body}");
        // Too large: refused with the limit's message, not a bare error.
        let big = vec![b'a'; 20 * 1024 * 1024 + 300 * 1024];
        let (s, body, _) = upload(&mut desk, &format!("{to}/attachments"), "big.log", &big, "大日志").await;
        assert_eq!(s, StatusCode::PAYLOAD_TOO_LARGE);
        assert!(body.contains("id=\"err-file\"") && body.contains(">大日志</textarea>"), "{body}");
        let (_, body, _) = desk.get(&to).await;
        assert_eq!(body.matches("class=\"reply\"").count(), 1, "only the customer's reply");
        // Without the CSRF token the upload is refused.
        desk.csrf = "wrong".into();
        let (s, _, _) = upload(&mut desk, &format!("{to}/attachments"), "x.txt", b"x", "").await;
        assert_eq!(s, StatusCode::FORBIDDEN);
    }
}
