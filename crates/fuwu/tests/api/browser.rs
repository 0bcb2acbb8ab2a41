//! The web UI in a real browser: Debian's `chromium`, driven over WebDriver
//! (`chromedriver`, from `chromium-driver`) by a small client on the HTTP
//! client the tests already use — no browser download, no extra crates.
//!
//! A customer submits a fault; an agent acknowledges, responds and escalates
//! it to L2; the engineer responds and resolves; the customer confirms and
//! rates; the agent closes it; the language switch works; the phone intake
//! finds a caller and saves with the keyboard; another organization's
//! customer who types the request's URL is denied. At the end each SLA clock on
//! the page shows the state the engine computes, and the dashboard draws its charts.
//!
//! Without chromium and chromedriver the test says so loudly and passes;
//! with `FUWU_TEST_REQUIRE_BROWSER=1` (CI) it fails instead. With
//! `FUWU_SCREENSHOTS=1` it saves the main pages to `docs/screenshots/`.

use crate::harness::*;
use crate::ui::{PW, person};
use serde_json::{Value, json};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const ELEMENT: &str = "element-6066-11e4-a52e-4f735466cecf";

fn find_program(names: &[&str]) -> Option<String> {
    let path = std::env::var("PATH").unwrap_or_default();
    for name in names {
        for dir in path.split(':') {
            let p = std::path::Path::new(dir).join(name);
            if p.is_file() {
                return Some(p.to_string_lossy().into_owned());
            }
        }
    }
    None
}

/// chromedriver, ended when dropped.
struct Driver {
    child: Child,
    base: String,
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

/// One browser window over WebDriver.
struct Browser {
    http: reqwest::Client,
    session: String,
    app: String,
}

impl Browser {
    async fn cmd(&self, method: reqwest::Method, path: &str, body: Option<Value>) -> Value {
        let url = format!("{}{path}", self.session);
        let mut req = self.http.request(method.clone(), &url);
        if let Some(b) = body {
            req = req.json(&b);
        } else if method == reqwest::Method::POST {
            req = req.json(&json!({}));
        }
        let r = req.send().await.expect("webdriver");
        let status = r.status();
        let v: Value = r.json().await.expect("webdriver json");
        assert!(status.is_success(), "{method} {path}: {status} {v}");
        v["value"].clone()
    }

    async fn goto(&self, path: &str) {
        let url = format!("{}{path}", self.app);
        self.cmd(reqwest::Method::POST, "/url", Some(json!({"url": url})))
            .await;
    }

    async fn url(&self) -> String {
        let v = self.cmd(reqwest::Method::GET, "/url", None).await;
        v.as_str()
            .unwrap_or("")
            .trim_start_matches(&self.app)
            .to_owned()
    }

    async fn try_find(&self, css: &str) -> Option<String> {
        let url = format!("{}/element", self.session);
        let r = self
            .http
            .post(&url)
            .json(&json!({"using": "css selector", "value": css}))
            .send()
            .await
            .ok()?;
        if !r.status().is_success() {
            return None;
        }
        let v: Value = r.json().await.ok()?;
        v["value"][ELEMENT].as_str().map(str::to_owned)
    }

    /// The element, waiting (polling) up to 10 s for it to appear.
    async fn find(&self, css: &str) -> String {
        let until = Instant::now() + Duration::from_secs(10);
        loop {
            if let Some(id) = self.try_find(css).await {
                return id;
            }
            assert!(
                Instant::now() < until,
                "no `{css}` on {}:\n{}",
                self.url().await,
                self.source().await
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    async fn click(&self, css: &str) {
        let id = self.find(css).await;
        self.cmd(reqwest::Method::POST, &format!("/element/{id}/click"), None)
            .await;
    }

    async fn type_in(&self, css: &str, text: &str) {
        let id = self.find(css).await;
        self.cmd(
            reqwest::Method::POST,
            &format!("/element/{id}/value"),
            Some(json!({"text": text})),
        )
        .await;
    }

    /// Sets a field's value as a person picking it would (date pickers and
    /// selects do not take typed keys the same way in every locale).
    async fn set_value(&self, css: &str, value: &str) {
        self.find(css).await;
        self.cmd(
            reqwest::Method::POST,
            "/execute/sync",
            Some(json!({
                "script": "const e = document.querySelector(arguments[0]); e.value = arguments[1]; e.dispatchEvent(new Event('change', {bubbles: true}));",
                "args": [css, value],
            })),
        )
        .await;
    }

    async fn text(&self, css: &str) -> String {
        let id = self.find(css).await;
        let v = self
            .cmd(reqwest::Method::GET, &format!("/element/{id}/text"), None)
            .await;
        v.as_str().unwrap_or("").to_owned()
    }

    async fn source(&self) -> String {
        let v = self.cmd(reqwest::Method::GET, "/source", None).await;
        v.as_str().unwrap_or("").to_owned()
    }

    /// Wait until the page's address is `path`-like (after a form post).
    async fn wait_url(&self, pred: impl Fn(&str) -> bool) -> String {
        let until = Instant::now() + Duration::from_secs(10);
        loop {
            let u = self.url().await;
            if pred(&u) {
                return u;
            }
            assert!(Instant::now() < until, "stuck on {u}");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    async fn login(&self, username: &str) {
        self.goto("/ui/queue").await;
        self.wait_url(|u| u.starts_with("/ui/login")).await;
        self.type_in("#login", username).await;
        self.type_in("#password", PW).await;
        self.click("#login-submit").await;
        self.find("#whoami").await;
    }

    async fn logout(&self) {
        self.click("#logout").await;
        self.wait_url(|u| u.starts_with("/ui/login")).await;
    }

    async fn scroll_to(&self, css: &str) {
        let script = format!("document.querySelector({css:?}).scrollIntoView()");
        self.cmd(
            reqwest::Method::POST,
            "/execute/sync",
            Some(json!({"script": script, "args": []})),
        )
        .await;
    }

    async fn screenshot(&self, name: &str) {
        if std::env::var("FUWU_SCREENSHOTS").is_err() {
            return;
        }
        let v = self.cmd(reqwest::Method::GET, "/screenshot", None).await;
        let png = base64_decode(v.as_str().unwrap_or(""));
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/screenshots");
        std::fs::create_dir_all(&dir).expect("screenshot folder");
        std::fs::write(dir.join(format!("{name}.png")), png).expect("screenshot");
    }

    async fn end(&self) {
        let _ = self.http.delete(&self.session).send().await;
    }
}

fn base64_decode(s: &str) -> Vec<u8> {
    let val = |c: u8| -> Option<u32> {
        Some(match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            _ => return None,
        } as u32)
    };
    let mut out = Vec::with_capacity(s.len() * 3 / 4);
    let (mut acc, mut bits) = (0u32, 0);
    for v in s.bytes().filter_map(val) {
        acc = (acc << 6) | v;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    out
}

/// chromedriver and a chromium session, or `None` (said loudly) when not installed.
async fn start_browser(app: &str) -> Option<(Driver, Browser)> {
    let required = std::env::var("FUWU_TEST_REQUIRE_BROWSER").is_ok_and(|v| v == "1");
    let chromium = find_program(&["chromium", "chromium-browser"]);
    let driver = find_program(&["chromedriver"]);
    let (Some(chromium), Some(driver)) = (chromium, driver) else {
        assert!(
            !required,
            "a browser is required (FUWU_TEST_REQUIRE_BROWSER=1) but chromium or chromedriver is not installed: apt-get install -y chromium chromium-driver"
        );
        eprintln!(
            "\n!!!!!!!! SKIPPING the browser test: chromium or chromedriver is not installed (apt-get install -y chromium chromium-driver) !!!!!!!!\n"
        );
        return None;
    };
    let port = free_port();
    let child = Command::new(driver)
        .arg(format!("--port={port}"))
        // The browser reports its zone to the pages; make it the desk's.
        .env("TZ", "Asia/Shanghai")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start chromedriver");
    let d = Driver {
        child,
        base: format!("http://127.0.0.1:{port}"),
    };
    let http = reqwest::Client::new();
    let until = Instant::now() + Duration::from_secs(20);
    loop {
        let ready = http.get(format!("{}/status", d.base)).send().await;
        if let Ok(r) = ready
            && let Ok(v) = r.json::<Value>().await
            && v["value"]["ready"] == true
        {
            break;
        }
        assert!(Instant::now() < until, "chromedriver did not start");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let profile = std::env::temp_dir().join(format!("fuwu-chromium-{}-{port}", std::process::id()));
    let caps = json!({"capabilities": {"alwaysMatch": {
        "browserName": "chrome",
        "goog:chromeOptions": {
            "binary": chromium,
            "args": ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                     "--window-size=1280,1000", "--lang=zh-CN", format!("--user-data-dir={}", profile.display())]
        }
    }}});
    let r = http
        .post(format!("{}/session", d.base))
        .json(&caps)
        .send()
        .await
        .expect("new session");
    let v: Value = r.json().await.expect("session json");
    let id = v["value"]["sessionId"]
        .as_str()
        .unwrap_or_else(|| panic!("no WebDriver session: {v}"))
        .to_owned();
    let b = Browser {
        session: format!("{}/session/{id}", d.base),
        http,
        app: app.to_owned(),
    };
    Some((d, b))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_fault_from_submission_to_closing_in_a_real_browser() {
    let t = TestApp::spawn(fuwu_store::Engine::Sqlite)
        .await
        .expect("sqlite");
    let Some((_driver, b)) = start_browser(&t.base).await else {
        return;
    };
    let (org, _) = t.organization("浏览器测试医院", "2025-06-01").await;
    let (other_org, _) = t.organization("另一家学校", "2025-06-01").await;
    let team = t
        .ok(
            &t.admin_token,
            "/api/v1/teams",
            json!({"name": "二线应用组"}),
        )
        .await["id"]
        .as_i64()
        .unwrap();
    t.ok(
        &t.admin_token,
        "/api/v1/contacts",
        json!({"organization_id": org, "name": "李主任", "phone": "13912345678"}),
    )
    .await;
    t.ok(
        &t.admin_token,
        "/api/v1/systems",
        json!({"organization_id": org, "name": "医院信息系统 HIS", "kind": "software"}),
    )
    .await;
    person(&t, "b.customer", "customer_user", Some(org), None).await;
    person(&t, "b.stranger", "customer_user", Some(other_org), None).await;
    person(&t, "b.agent", "agent", None, None).await;
    let eng = person(&t, "b.engineer", "engineer", None, Some(team)).await;

    // The customer submits a fault.
    b.goto("/ui/queue").await;
    b.wait_url(|u| u.starts_with("/ui/login")).await;
    b.find("#login").await;
    b.screenshot("login").await;
    b.type_in("#login", "b.customer").await;
    b.type_in("#password", "wrong password").await;
    b.click("#login-submit").await;
    assert!(b.text("#login-error").await.contains("用户名或密码错误"));
    b.type_in("#password", PW).await;
    b.click("#login-submit").await;
    b.find("#whoami").await;
    b.click("#portal-new").await;
    b.click("#impact-unusable").await;
    b.type_in("#title", "门诊挂号系统无法使用").await;
    b.type_in("#description", "所有窗口都无法挂号，提示数据库连接失败。")
        .await;
    b.screenshot("portal-new").await;
    b.click("#save").await;
    let url = b.wait_url(|u| u.starts_with("/ui/requests/")).await;
    assert_eq!(b.text("#request-status").await, "新建");
    b.logout().await;

    // The agent acknowledges, responds and escalates to L2.
    b.login("b.agent").await;
    b.click("#view-severe").await;
    b.find("#queue").await;
    assert!(b.source().await.contains("门诊挂号系统无法使用"));
    b.screenshot("queue").await;
    // The agent finds it from the search box in the header (Enter submits).
    b.type_in("#header-search", "挂号 数据库连接\u{E007}").await;
    b.wait_url(|u| u.starts_with("/ui/search")).await;
    b.find(&format!("li.hit a[href=\"{url}\"]")).await;
    assert!(b.source().await.contains("<mark>数据库连接</mark>"));
    b.screenshot("search").await;
    b.goto(&url).await;
    b.click("#act-acknowledge").await;
    b.click("#details-respond summary").await;
    b.click("#respond-mode option[value=\"phone\"]").await;
    b.click("#submit-respond").await;
    assert!(
        !b.text("#err-plan").await.is_empty(),
        "a missing plan is shown beside the field"
    );
    b.type_in("#respond-plan", "电话指导重启数据库连接池").await;
    b.click("#submit-respond").await;
    b.find("#details-escalate").await;
    b.click("#details-escalate summary").await;
    b.click("#escalate-to option[value=\"l2\"]").await;
    b.click(&format!("#escalate-team option[value=\"{team}\"]"))
        .await;
    b.click(&format!("#escalate-assignee option[value=\"{eng}\"]"))
        .await;
    b.type_in("#escalate-reason", "数据库层面故障，需二线分析")
        .await;
    b.click("#submit-escalate").await;
    b.find("#request-status[data-status=\"assigned\"]").await;
    assert_eq!(b.text("#req-tier").await, "二线");
    b.screenshot("request-agent").await;
    b.logout().await;

    // The engineer responds and resolves.
    b.login("b.engineer").await;
    b.goto(&url).await;
    b.click("#details-respond summary").await;
    b.type_in("#respond-plan", "远程检查数据库").await;
    b.click("#submit-respond").await;
    b.find("#request-status[data-status=\"in_progress\"]").await;
    b.click("#details-resolve summary").await;
    b.type_in(
        "#resolve-resolution",
        "数据库连接数耗尽，已调整连接池并重启服务。",
    )
    .await;
    b.click("#submit-resolve").await;
    b.find("#request-status[data-status=\"resolved\"]").await;
    b.logout().await;

    // The customer confirms and rates it; the language switch works.
    b.login("b.customer").await;
    b.goto(&url).await;
    b.click("#details-feedback summary").await;
    b.click("#feedback-yes").await;
    b.click("#rating-5").await;
    b.type_in("#feedback-comment", "处理很及时").await;
    b.click("#submit-feedback").await;
    b.find("#request-status[data-status=\"resolved\"]").await;
    b.click("#lang-en").await;
    b.find("html[lang=\"en\"]").await;
    assert_eq!(b.text("#request-status").await, "Resolved");
    assert_eq!(b.text("#logout").await, "Log out");
    b.screenshot("request-customer-en").await;
    b.click("#lang-zh").await;
    b.find("html[lang=\"zh-CN\"]").await;
    b.logout().await;

    // The agent closes it; then takes a call at the phone intake, keyboard only.
    b.login("b.agent").await;
    b.goto(&url).await;
    b.click("#details-close summary").await;
    b.click("#close-rating-5").await;
    b.click("#submit-close").await;
    b.find("#request-status[data-status=\"closed\"]").await;
    assert!(b.text("#timeline").await.contains("处理很及时") || b.source().await.contains("5/5"));
    // Each clock shows its final state, as the SLA engine computes it: none runs on.
    let (_, k) = t
        .get(
            &t.admin_token,
            &format!(
                "/api/v1/requests/{}/clocks",
                url.trim_start_matches("/ui/requests/")
            ),
        )
        .await;
    let shown: Vec<(String, String)> = k["clocks"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| {
            c["state"] != "superseded" && !c["target_key"].as_str().unwrap().starts_with("notice:")
        })
        .map(|c| {
            (
                c["target_key"].as_str().unwrap().to_owned(),
                c["state"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    let want: Vec<String> = shown.iter().map(|(_, s)| s.clone()).collect();
    let got = clock_states(&b.source().await);
    assert_eq!(got, want, "the page's clocks are the engine's: {shown:?}");
    // Answered and restored in time; the written fault report is still due after closing.
    for (key, state) in &shown {
        let expected = if key == "fault_report" {
            "running"
        } else {
            "met"
        };
        assert_eq!(state, expected, "{key}: {shown:?}");
    }
    b.find("li.clock.risk-met").await;
    b.scroll_to("#sla-clocks").await;
    b.screenshot("request-clocks").await;
    b.goto("/ui/new").await;
    b.type_in("#lookup", "139123").await;
    b.click("button.pick").await;
    assert!(b.text("#chosen").await.contains("李主任"));
    b.click("#impact option[value=\"crashed\"]").await;
    let level = b.text("#level-out").await;
    assert!(
        level.starts_with("4级"),
        "the level follows impact × urgency live: {level}"
    );
    b.type_in("#title", "HIS 全部中断").await;
    b.screenshot("intake").await;
    b.type_in("#title", "\u{E009}\u{E007}").await;
    let intake = b
        .wait_url(|u| u.starts_with("/ui/requests/") && u != url)
        .await;
    assert!(b.text("#request-title").await.contains("HIS 全部中断"));
    let id: i64 = intake.trim_start_matches("/ui/requests/").parse().unwrap();
    let (_, r) = t
        .get(&t.admin_token, &format!("/api/v1/requests/{id}"))
        .await;
    assert_eq!(
        (r["level"].as_i64(), r["channel"].as_str()),
        (Some(4), Some("phone"))
    );
    // The dashboard draws its charts with the embedded chart library.
    b.click("#nav-dashboard").await;
    b.find("#charts[data-drawn=\"true\"]").await;
    b.find("canvas#chart-volume").await;
    b.find("canvas#chart-attainment").await;
    b.scroll_to("#open-h").await;
    b.screenshot("dashboard").await;
    b.logout().await;

    // Another organization's customer typing the URL is denied.
    b.login("b.stranger").await;
    b.goto(&url).await;
    b.find("#page-error").await;
    assert!(!b.source().await.contains("门诊挂号系统无法使用"));
    b.logout().await;

    // An administrator opens the calendar's year view from the admin menu.
    person(&t, "b.admin", "admin", None, None).await;
    b.login("b.admin").await;
    b.click("#nav-admin").await;
    b.goto("/ui/admin/calendars/cn-mainland?year=2026").await;
    b.find("td[data-date=\"2026-10-01\"][data-kind=\"holiday\"]")
        .await;
    b.find("td[data-date=\"2026-09-20\"][data-kind=\"workday\"]")
        .await;
    b.screenshot("admin-calendar").await;
    // 2027 has no notice yet: provisional, with the statutory holidays. The
    // administrator enters 元旦 (1–4 January) and its adjusted Saturday.
    b.click("#year-next").await;
    b.find("#year-provisional").await;
    b.find("td[data-date=\"2027-02-06\"][data-kind=\"holiday\"]")
        .await;
    b.find("td[data-date=\"2027-01-04\"][data-kind=\"work\"]")
        .await;
    b.set_value("#f-date", "2027-01-01").await;
    b.set_value("#f-to", "2027-01-04").await;
    b.set_value("#f-kind", "holiday").await;
    b.type_in("#f-name", "元旦").await;
    b.click("#day-save").await;
    b.find("td[data-date=\"2027-01-04\"][data-kind=\"holiday\"]")
        .await;
    assert!(
        b.try_find("#year-provisional").await.is_none(),
        "entering the year's days makes it official"
    );
    b.set_value("#f-date", "2027-01-09").await;
    b.set_value("#f-kind", "workday").await;
    b.type_in("#f-name", "元旦").await;
    b.click("#day-save").await;
    b.find("td[data-date=\"2027-01-09\"][data-kind=\"workday\"]")
        .await;
    b.screenshot("admin-calendar-2027").await;
    b.end().await;
    let (_, year) = t
        .get(&t.admin_token, "/api/v1/calendars/cn-mainland/years/2027")
        .await;
    assert_eq!(year["provisional"], false, "{year}");
    let days = year["days"].as_array().unwrap();
    assert!(
        days.iter()
            .any(|d| d["date"] == "2027-01-04" && d["kind"] == "holiday")
            && days
                .iter()
                .any(|d| d["date"] == "2027-01-09" && d["kind"] == "workday")
            && days
                .iter()
                .any(|d| d["date"] == "2027-02-06" && d["name"] == "春节"),
        "the statutory days are kept with the entered ones: {year}"
    );
    let (_, r) = t
        .get(
            &t.admin_token,
            &format!(
                "/api/v1/requests/{}",
                url.trim_start_matches("/ui/requests/")
            ),
        )
        .await;
    assert_eq!(
        (r["status"].as_str(), r["feedback_rating"].as_i64()),
        (Some("closed"), Some(5))
    );
}

/// The `data-state` of every SLA clock in a page, in order.
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
