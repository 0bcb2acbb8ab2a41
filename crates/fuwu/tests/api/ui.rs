//! The web UI over HTTP, as a browser without JavaScript sees it: logins and
//! redirects, language and time zone, assets, the queues, the request page's
//! actions with their validation, the phone intake and the customer portal.
//! (The same story in a real browser is `tests/api/browser.rs`.)

use crate::both_engines;
use crate::harness::*;
use reqwest::StatusCode;
use reqwest::header::{CACHE_CONTROL, CONTENT_TYPE, COOKIE, LOCATION, SET_COOKIE};
use serde_json::json;

pub const PW: &str = "页面测试-password-1";

fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

pub fn enc(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

fn form(pairs: &[(&str, &str)]) -> String {
    pairs
        .iter()
        .map(|(k, v)| format!("{k}={}", enc(v)))
        .collect::<Vec<_>>()
        .join("&")
}

/// A browser without JavaScript: its cookies and the page's CSRF token.
pub struct Page {
    pub base: String,
    pub cookies: Vec<String>,
    pub csrf: String,
}

impl Page {
    fn new(t: &TestApp) -> Page {
        Page {
            base: t.base.clone(),
            cookies: Vec::new(),
            csrf: String::new(),
        }
    }

    pub fn keep(&mut self, r: &reqwest::Response) {
        for v in r.headers().get_all(SET_COOKIE) {
            let pair = v.to_str().unwrap().split(';').next().unwrap().to_owned();
            let name = pair.split('=').next().unwrap().to_owned();
            self.cookies.retain(|c| !c.starts_with(&format!("{name}=")));
            self.cookies.push(pair);
        }
    }

    pub async fn get(&mut self, path: &str) -> (StatusCode, String, Option<String>) {
        let r = client()
            .get(format!("{}{path}", self.base))
            .header(COOKIE, self.cookies.join("; "))
            .send()
            .await
            .unwrap();
        self.keep(&r);
        let status = r.status();
        let location = r
            .headers()
            .get(LOCATION)
            .map(|v| v.to_str().unwrap().to_owned());
        let text = r.text().await.unwrap();
        if let Some(t) = text.split("name=\"csrf-token\" content=\"").nth(1) {
            self.csrf = t.split('"').next().unwrap().to_owned();
        }
        (status, text, location)
    }

    pub async fn post(
        &mut self,
        path: &str,
        pairs: &[(&str, &str)],
    ) -> (StatusCode, String, Option<String>) {
        let mut all = pairs.to_vec();
        let csrf = self.csrf.clone();
        if !csrf.is_empty() {
            all.push(("csrf_token", &csrf));
        }
        let r = client()
            .post(format!("{}{path}", self.base))
            .header(COOKIE, self.cookies.join("; "))
            .header(CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(form(&all))
            .send()
            .await
            .unwrap();
        self.keep(&r);
        let status = r.status();
        let location = r
            .headers()
            .get(LOCATION)
            .map(|v| v.to_str().unwrap().to_owned());
        (status, r.text().await.unwrap(), location)
    }

    pub async fn login(t: &TestApp, username: &str) -> Page {
        let mut p = Page::new(t);
        let (s, _, to) = p
            .post(
                "/login",
                &[("login", username), ("password", PW), ("next", "/ui/queue")],
            )
            .await;
        assert_eq!(
            (s, to.as_deref()),
            (StatusCode::SEE_OTHER, Some("/ui/queue"))
        );
        let (s, body, _) = p.get("/ui/queue").await;
        assert_eq!(s, StatusCode::OK, "{body}");
        assert!(!p.csrf.is_empty());
        p
    }
}

/// A user with a password (PW); returns the id.
pub async fn person(
    t: &TestApp,
    username: &str,
    role: &str,
    org: Option<i64>,
    team: Option<i64>,
) -> i64 {
    let (id, _) = t.user(username, role, org).await;
    let (s, v) = t
        .post(
            &t.admin_token,
            &format!("/api/v1/users/{id}/password"),
            json!({"new_password": PW}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    if let Some(team) = team {
        let (s, v) = t
            .patch(
                &t.admin_token,
                &format!("/api/v1/users/{id}"),
                json!({"version": 1, "team_id": team}),
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{v}");
    }
    id
}

async fn status_of(t: &TestApp, id: i64) -> String {
    let (_, r) = t
        .get(&t.admin_token, &format!("/api/v1/requests/{id}"))
        .await;
    r["status"].as_str().unwrap_or("").to_owned()
}

both_engines! {
    async fn pages_send_strangers_to_the_login_page_which_keeps_the_typed_name(t: TestApp) {
        person(&t, "ui.agent", "agent", None, None).await;
        let mut p = Page::new(&t);
        let (s, _, to) = p.get("/ui/queue?view=mine").await;
        assert_eq!((s, to.as_deref()), (StatusCode::SEE_OTHER, Some("/ui/login?next=/ui/queue%3Fview%3Dmine")));
        let (s, _, to) = p.get("/").await;
        assert_eq!((s, to.as_deref()), (StatusCode::SEE_OTHER, Some("/ui/queue")));
        let (s, body, _) = p.get("/ui/login?next=/ui/queue").await;
        assert_eq!(s, StatusCode::OK);
        assert!(body.contains("<html lang=\"zh-CN\">") && body.contains("用户名"), "zh-CN by default");
        let (s, body, _) = p.post("/login", &[("login", "ui.agent"), ("password", "wrong"), ("next", "/ui/queue")]).await;
        assert_eq!(s, StatusCode::UNAUTHORIZED);
        assert!(body.contains("id=\"login-error\"") && body.contains("用户名或密码错误"), "{body}");
        assert!(body.contains("value=\"ui.agent\""), "the typed name is kept");
        assert!(!body.contains("wrong"), "never the password");
        // Escaped, not markup: a typed name cannot inject.
        let (_, body, _) = p.post("/login", &[("login", "<script>x</script>"), ("password", "wrong")]).await;
        assert!(body.contains("&#60;script&#62;") || body.contains("&lt;script&gt;"), "{body}");
        assert!(!body.contains("<script>x"));
        let p = Page::login(&t, "ui.agent").await;
        // Logging out needs the CSRF token and ends the session.
        let mut p = p;
        let (s, _, to) = p.post("/logout", &[]).await;
        assert_eq!((s, to.as_deref()), (StatusCode::SEE_OTHER, Some("/")));
        let (s, _, _) = p.get("/ui/queue").await;
        assert_eq!(s, StatusCode::SEE_OTHER);
    }

    async fn the_language_switch_the_time_zone_and_the_embedded_assets(t: TestApp) {
        person(&t, "ui.lang", "agent", None, None).await;
        let mut p = Page::login(&t, "ui.lang").await;
        let (_, body, _) = p.get("/ui/queue").await;
        assert!(body.contains("退出登录") && body.contains("Asia/Shanghai"));
        let (s, _, to) = p.get("/ui/lang/en?next=/ui/queue%3Fview%3Dsevere").await;
        assert_eq!((s, to.as_deref()), (StatusCode::SEE_OTHER, Some("/ui/queue?view=severe")));
        let (_, body, _) = p.get("/ui/queue").await;
        assert!(body.contains("<html lang=\"en\">") && body.contains("Log out") && !body.contains("退出登录"), "{body}");
        let (_, _, to) = p.get("/ui/lang/en?next=https://evil.example").await;
        assert_eq!(to.as_deref(), Some("/ui"), "back to this site only");
        p.cookies.push("fuwu_tz=America%2FNew_York".into());
        let (_, body, _) = p.get("/ui/queue").await;
        assert!(body.contains("America/New_York"));
        // Assets: named by their content, cached for a year, htmx pinned.
        let css = body.split("href=\"/ui/assets/").nth(1).unwrap().split('"').next().unwrap().to_owned();
        let r = client().get(format!("{}/ui/assets/{css}", t.base)).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::OK);
        assert!(r.headers()[CACHE_CONTROL].to_str().unwrap().contains("immutable"));
        let js = body.split("src=\"/ui/assets/htmx-").nth(1).unwrap().split('"').next().unwrap().to_owned();
        let r = client().get(format!("{}/ui/assets/htmx-{js}", t.base)).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::OK);
        assert!(r.text().await.unwrap().contains("htmx"));
        let r = client().get(format!("{}/ui/assets/nope.css", t.base)).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::NOT_FOUND);
    }

    async fn a_fault_lives_its_whole_life_in_the_pages(t: TestApp) {
        let (org, _) = t.organization("页面单位", "2025-06-01").await;
        let (other_org, _) = t.organization("别家单位", "2025-06-01").await;
        let team = t.ok(&t.admin_token, "/api/v1/teams", json!({"name": "二线网络组"})).await["id"].as_i64().unwrap();
        person(&t, "ui.cust", "customer_user", Some(org), None).await;
        person(&t, "ui.other", "customer_user", Some(other_org), None).await;
        person(&t, "ui.desk", "agent", None, None).await;
        let eng = person(&t, "ui.eng", "engineer", None, Some(team)).await;

        // The customer submits a fault in plain words; nothing typed is lost on a refusal.
        let mut cust = Page::login(&t, "ui.cust").await;
        let (s, body, _) = cust.get("/ui/new").await;
        assert_eq!(s, StatusCode::OK);
        assert!(body.contains("系统无法使用"), "plain-word levels");
        let (s, body, _) = cust.post("/ui/new", &[("category", "fault"), ("impact", "unusable"), ("urgency", "high"), ("title", " "), ("description", "登录页打不开")]).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(body.contains("id=\"err-title\"") && body.contains("登录页打不开"), "{body}");
        let (s, _, to) = cust.post("/ui/new", &[("category", "fault"), ("impact", "unusable"), ("urgency", "high"), ("title", "统一门户无法登录"), ("description", "登录页打不开")]).await;
        assert_eq!(s, StatusCode::SEE_OTHER);
        let to = to.unwrap();
        let id: i64 = to.trim_start_matches("/ui/requests/").parse().unwrap();
        assert_eq!(status_of(&t, id).await, "new");

        // The agent sees it among the severe faults, acknowledges, responds, escalates to L2.
        let mut desk = Page::login(&t, "ui.desk").await;
        let (_, body, _) = desk.get("/ui/queue?view=severe").await;
        assert!(body.contains("统一门户无法登录"));
        let (_, body, _) = desk.get("/ui/queue?view=waiting").await;
        assert!(!body.contains("统一门户无法登录"));
        let (_, body, _) = desk.get(&to).await;
        assert!(body.contains("id=\"act-acknowledge\"") && body.contains("id=\"sla-clocks\""), "{body}");
        assert!(!body.contains("id=\"details-close\""), "only what is allowed now");
        let (s, _, _) = desk.post(&to, &[("action", "acknowledge")]).await;
        assert_eq!(s, StatusCode::SEE_OTHER);
        let (_, _, _) = desk.get(&to).await;
        let (s, body, _) = desk.post(&to, &[("action", "respond"), ("mode", "phone"), ("plan", "")]).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(body.contains("id=\"err-plan\"") && body.contains("<option value=\"phone\" selected>"), "the typed mode is kept: {body}");
        let (s, _, _) = desk.post(&to, &[("action", "respond"), ("mode", "phone"), ("plan", "电话指导排查")]).await;
        assert_eq!(s, StatusCode::SEE_OTHER);
        let (_, _, _) = desk.get(&to).await;
        let (s, _, _) = desk.post(&to, &[("action", "message"), ("visibility", "internal"), ("body", "内部：疑似证书过期")]).await;
        assert_eq!(s, StatusCode::SEE_OTHER);
        let (s, _, _) = desk.post(&to, &[("action", "escalate"), ("to", "l2"), ("team_id", &team.to_string()), ("assignee_id", &eng.to_string()), ("reason", "需二线分析")]).await;
        assert_eq!(s, StatusCode::SEE_OTHER);
        assert_eq!(status_of(&t, id).await, "assigned");
        // A stale form is refused with the typed text kept.
        let (s, body, _) = desk.post(&to, &[("action", "message"), ("visibility", "public"), ("body", "")]).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(body.contains("id=\"err-body\""));

        // The engineer responds and resolves.
        let mut eng_p = Page::login(&t, "ui.eng").await;
        let (_, body, _) = eng_p.get("/ui/queue?view=mine").await;
        assert!(body.contains("统一门户无法登录"));
        let (_, body, _) = eng_p.get(&to).await;
        assert!(body.contains("内部：疑似证书过期"), "staff read internal notes");
        eng_p.post(&to, &[("action", "respond"), ("mode", "remote"), ("plan", "远程更换证书")]).await;
        let (_, _, _) = eng_p.get(&to).await;
        let (s, _, _) = eng_p.post(&to, &[("action", "resolve"), ("resolution", "证书已更换，登录恢复")]).await;
        assert_eq!(s, StatusCode::SEE_OTHER);
        assert_eq!(status_of(&t, id).await, "resolved");

        // The customer confirms and rates; never sees the internal note.
        let (_, body, _) = cust.get(&to).await;
        assert!(!body.contains("疑似证书过期"), "no internal notes for customers");
        assert!(body.contains("证书已更换") && body.contains("id=\"form-feedback\""), "{body}");
        let (s, _, _) = cust.post(&to, &[("action", "feedback"), ("solved", "yes"), ("rating", "5"), ("comment", "很快")]).await;
        assert_eq!(s, StatusCode::SEE_OTHER);

        // The agent closes it.
        let (_, body, _) = desk.get(&to).await;
        assert!(body.contains("id=\"form-close\""));
        let (s, _, _) = desk.post(&to, &[("action", "close"), ("basis", "confirmed"), ("rating", "5")]).await;
        assert_eq!(s, StatusCode::SEE_OTHER);
        assert_eq!(status_of(&t, id).await, "closed");
        let (_, body, _) = cust.get(&to).await;
        assert!(body.contains("data-status=\"closed\"") && body.contains("5/5"));

        // Another organization's customer typing the URL gets a denial, and nothing of it.
        let mut other = Page::login(&t, "ui.other").await;
        let (s, body, _) = other.get(&to).await;
        assert_eq!(s, StatusCode::NOT_FOUND);
        assert!(!body.contains("统一门户无法登录") && body.contains("id=\"page-error\""));
        let (s, _, _) = other.post(&to, &[("action", "feedback"), ("solved", "no")]).await;
        assert_eq!(s, StatusCode::NOT_FOUND);
        let (_, body, _) = other.get("/ui/queue").await;
        assert!(!body.contains("统一门户无法登录"));
        // A form without the CSRF token is refused.
        other.csrf.clear();
        let (s, _, _) = other.post("/ui/new", &[("category", "fault"), ("impact", "minor"), ("urgency", "low"), ("title", "x")]).await;
        assert_eq!(s, StatusCode::FORBIDDEN);
    }

    async fn the_phone_intake_finds_the_caller_and_saves_the_request(t: TestApp) {
        let (org, _) = t.organization("市政务服务中心", "2025-06-01").await;
        let contact = t.ok(&t.admin_token, "/api/v1/contacts", json!({"organization_id": org, "name": "王建国", "phone": "13800138000"})).await["id"].as_i64().unwrap();
        let sys = t.ok(&t.admin_token, "/api/v1/systems", json!({"organization_id": org, "name": "政务服务网", "kind": "software"})).await["id"].as_i64().unwrap();
        person(&t, "ui.hotline", "agent", None, None).await;
        let cust_org = t.organization("客户单位", "2025-06-01").await.0;
        person(&t, "ui.cust2", "customer_user", Some(cust_org), None).await;
        let mut desk = Page::login(&t, "ui.hotline").await;
        let (s, body, _) = desk.get("/ui/new").await;
        assert_eq!(s, StatusCode::OK);
        assert!(body.contains("data-levels=") && body.contains("主备均故障"), "definitions shown");
        for q in ["13800", "王建", "政务服务"] {
            let (s, part, _) = desk.get(&format!("/ui/new/lookup?q={}", enc(q))).await;
            assert_eq!(s, StatusCode::OK);
            assert!(part.contains("市政务服务中心") && part.contains("HT-市政务服务中心") && part.contains("政务服务网"), "{q}: {part}");
        }
        let (_, part, _) = desk.get("/ui/new/lookup?q=zzzz").await;
        assert!(part.contains("lookup-none"));
        let (s, body, _) = desk.post("/ui/new", &[("category", "fault"), ("impact", "crashed"), ("urgency", "high"), ("title", "政务服务网全部中断")]).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(body.contains("id=\"err-organization_id\"") && body.contains("政务服务网全部中断"));
        let (s, _, to) = desk.post("/ui/new", &[("organization_id", &org.to_string()), ("requester_contact_id", &contact.to_string()), ("system_id", &sys.to_string()), ("category", "fault"), ("impact", "crashed"), ("urgency", "high"), ("title", "政务服务网全部中断")]).await;
        assert_eq!(s, StatusCode::SEE_OTHER);
        let id = to.unwrap().trim_start_matches("/ui/requests/").parse::<i64>().unwrap();
        let (_, r) = t.get(&t.admin_token, &format!("/api/v1/requests/{id}")).await;
        assert_eq!((r["level"].as_i64(), r["channel"].as_str(), r["system_id"].as_i64()), (Some(4), Some("phone"), Some(sys)));
        // On site: request a visit, then record departure, arrival and leaving with the work done.
        let page = format!("/ui/requests/{id}");
        let (_, body, _) = desk.get(&page).await;
        // The request shows the contract it runs under and its SLA policy (SPEC §4).
        let dd = |id: &str| body.split(&format!("id=\"{id}\">")).nth(1).map(|x| x.split("</dd>").next().unwrap().to_owned());
        assert!(dd("req-contract").is_some_and(|k| k.contains("HT-市政务服务中心")), "{body}");
        assert_eq!(dd("req-policy").as_deref(), Some("六级故障服务响应时间"), "the default policy, by its Chinese name");
        let (s, _, _) = desk.post(&page, &[("action", "visit")]).await;
        assert_eq!(s, StatusCode::SEE_OTHER);
        for step in ["departed", "arrived", "left"] {
            let (_, body, _) = desk.get(&page).await;
            let form_part = body.split("name=\"visit_id\" value=\"").nth(1).expect("a visit form");
            let visit = form_part.split('"').next().unwrap().to_owned();
            let version = form_part.split("name=\"visit_version\" value=\"").nth(1).unwrap().split('"').next().unwrap().to_owned();
            assert!(body.contains(&format!("id=\"visit-{visit}-{step}\"")), "{step}: {body}");
            let (s, _, _) = desk.post(&page, &[("action", "visit_progress"), ("visit_id", &visit), ("visit_version", &version), ("step", step), ("work_done", "更换了交换机电源")]).await;
            assert_eq!(s, StatusCode::SEE_OTHER, "{step}");
        }
        let (_, tl) = t.get(&t.admin_token, &format!("/api/v1/requests/{id}/timeline")).await;
        let v = &tl["visits"][0];
        assert!(v["arrived_at"].is_string() && v["left_at"].is_string(), "{v}");
        assert_eq!(v["work_done"], "更换了交换机电源");
        // Customers have no intake lookup.
        let mut cust = Page::login(&t, "ui.cust2").await;
        let (s, _, _) = cust.get("/ui/new/lookup?q=13800").await;
        assert_eq!(s, StatusCode::FORBIDDEN);
    }
}
