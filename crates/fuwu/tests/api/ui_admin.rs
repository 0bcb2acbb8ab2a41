//! The admin area over HTTP (`/ui/admin/...`), as a browser without
//! JavaScript sees it: who may open it, the forms for users, organizations
//! and contracts with their refusals (the typed input kept, the error beside
//! the field, a clear message when someone else changed the record), the
//! calendar's year view and an SLA target's edit.

use crate::both_engines;
use crate::harness::*;
use crate::ui::{PW, enc, person};
use reqwest::StatusCode;
use reqwest::header::{CONTENT_TYPE, COOKIE, LOCATION, SET_COOKIE};
use serde_json::Value;

/// A browser without JavaScript: its cookies and the page's CSRF token.
struct Browser {
    base: String,
    cookies: Vec<String>,
    csrf: String,
}

type Answer = (StatusCode, String, Option<String>);

impl Browser {
    async fn login(t: &TestApp, username: &str) -> Browser {
        let mut b = Browser {
            base: t.base.clone(),
            cookies: Vec::new(),
            csrf: String::new(),
        };
        let (s, _, _) = b
            .post("/login", &[("login", username), ("password", PW)])
            .await;
        assert_eq!(s, StatusCode::SEE_OTHER);
        let (s, _, _) = b.get("/ui/queue").await;
        assert_eq!(s, StatusCode::OK);
        b
    }

    async fn answer(&mut self, r: reqwest::Response) -> Answer {
        for v in r.headers().get_all(SET_COOKIE) {
            let pair = v.to_str().unwrap().split(';').next().unwrap().to_owned();
            let name = pair.split('=').next().unwrap().to_owned();
            self.cookies.retain(|c| !c.starts_with(&format!("{name}=")));
            self.cookies.push(pair);
        }
        let status = r.status();
        let to = r
            .headers()
            .get(LOCATION)
            .map(|v| v.to_str().unwrap().to_owned());
        let text = r.text().await.unwrap();
        if let Some(t) = text.split("name=\"csrf-token\" content=\"").nth(1) {
            self.csrf = t.split('"').next().unwrap().to_owned();
        }
        (status, text, to)
    }

    async fn get(&mut self, path: &str) -> Answer {
        let r = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap()
            .get(format!("{}{path}", self.base))
            .header(COOKIE, self.cookies.join("; "))
            .send()
            .await
            .unwrap();
        self.answer(r).await
    }

    async fn post(&mut self, path: &str, pairs: &[(&str, &str)]) -> Answer {
        let mut all: Vec<String> = pairs
            .iter()
            .map(|(k, v)| format!("{k}={}", enc(v)))
            .collect();
        if !self.csrf.is_empty() {
            all.push(format!("csrf_token={}", enc(&self.csrf)));
        }
        let r = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap()
            .post(format!("{}{path}", self.base))
            .header(COOKIE, self.cookies.join("; "))
            .header(CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(all.join("&"))
            .send()
            .await
            .unwrap();
        self.answer(r).await
    }
}

/// The value of the input `name` in a page (`value="…"`).
fn value_of(html: &str, name: &str) -> String {
    html.split(&format!("name=\"{name}\" value=\""))
        .nth(1)
        .and_then(|r| r.split('"').next())
        .unwrap_or_default()
        .to_owned()
}

fn id_after(location: &str, prefix: &str) -> i64 {
    location
        .trim_start_matches(prefix)
        .split('?')
        .next()
        .unwrap()
        .parse()
        .unwrap()
}

const PAGES: &[&str] = &[
    "/ui/admin",
    "/ui/admin/users",
    "/ui/admin/users/new",
    "/ui/admin/teams",
    "/ui/admin/teams/new",
    "/ui/admin/organizations",
    "/ui/admin/organizations/new",
    "/ui/admin/contracts",
    "/ui/admin/contracts/new",
    "/ui/admin/systems",
    "/ui/admin/calendars",
    "/ui/admin/calendars/cn-mainland",
    "/ui/admin/sla-policies",
    "/ui/admin/sla-policies/1",
];

both_engines! {
    async fn only_administrators_open_the_admin_pages(t: TestApp) {
        let (org, _) = t.organization("管理页单位", "2025-06-01").await;
        person(&t, "adm.admin", "admin", None, None).await;
        person(&t, "adm.agent", "agent", None, None).await;
        person(&t, "adm.custadmin", "customer_admin", Some(org), None).await;
        let mut admin = Browser::login(&t, "adm.admin").await;
        let (_, queue, _) = admin.get("/ui/queue").await;
        assert!(queue.contains("id=\"nav-admin\""), "admins see the entry");
        for page in PAGES {
            let (s, body, _) = admin.get(page).await;
            assert_eq!(s, StatusCode::OK, "{page}: {body}");
            assert!(body.contains("aria-current=\"page\""), "{page} shows its place in the admin tabs");
        }
        // The roles page reads the capability table: an agent keeps the archive, a customer admin administers nothing.
        let (_, roles, _) = admin.get("/ui/admin").await;
        let row = |role: &str| roles.split(&format!("data-role=\"{role}\"")).nth(1).unwrap().split("</tr>").next().unwrap().to_owned();
        assert_eq!(row("admin").matches("class=\"yes\"").count(), 14);
        assert_eq!(row("customer_admin").matches("class=\"yes\"").count(), 3, "create requests, read contracts, read reports");
        assert!(row("agent").contains("应答"), "the lifecycle's actions are listed: {}", row("agent"));
        for who in ["adm.agent", "adm.custadmin"] {
            let mut b = Browser::login(&t, who).await;
            let (_, queue, _) = b.get("/ui/queue").await;
            assert!(!queue.contains("id=\"nav-admin\""));
            for page in PAGES {
                let (s, body, _) = b.get(page).await;
                assert_eq!(s, StatusCode::FORBIDDEN, "{who} {page}");
                assert!(!body.contains("<form method=\"post\" action=\"/ui/admin"), "{who} {page}");
            }
            let (s, _, _) = b.post("/ui/admin/organizations/new", &[("name", "不该建成")]).await;
            assert_eq!(s, StatusCode::FORBIDDEN, "{who}");
        }
        let (_, list) = t.get(&t.admin_token, "/api/v1/organizations?q=不该建成").await;
        assert_eq!(list["items"], Value::Array(vec![]));
    }

    async fn an_administrator_creates_and_edits_a_user_and_resets_the_password(t: TestApp) {
        person(&t, "adm.root", "admin", None, None).await;
        let team = t.ok(&t.admin_token, "/api/v1/teams", serde_json::json!({"name": "二线数据库组"})).await["id"].as_i64().unwrap();
        let mut b = Browser::login(&t, "adm.root").await;
        b.get("/ui/admin/users/new").await;
        // Refused: the error beside the field, everything typed kept.
        let (s, body, _) = b.post("/ui/admin/users/new", &[("username", "wang.qiang"), ("display_name", " "), ("email", "wq@example.cn"), ("role", "engineer"), ("team_id", &team.to_string())]).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(body.contains("id=\"err-display_name\""), "{body}");
        assert_eq!(value_of(&body, "username"), "wang.qiang");
        assert_eq!(value_of(&body, "email"), "wq@example.cn");
        assert!(body.contains(&format!("<option value=\"{team}\" selected>")), "the team stays chosen");
        let (s, body, _) = b.post("/ui/admin/users/new", &[("username", "wang.qiang"), ("display_name", "王强"), ("email", "not-an-address"), ("role", "engineer")]).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(body.contains("id=\"err-email\"") && body.contains("王强"), "the use case's own check, beside its field: {body}");
        assert!(body.contains("`not-an-address` 不是有效的电子邮件地址") && !body.contains("is not a valid email"), "the use case's refusal in the viewer's language: {body}");
        b.get("/ui/lang/en?next=/ui/admin/users/new").await;
        let (_, body, _) = b.post("/ui/admin/users/new", &[("username", "wang.qiang"), ("display_name", "王强"), ("email", "not-an-address"), ("role", "engineer")]).await;
        assert!(body.contains("`not-an-address` is not a valid email address"), "{body}");
        b.get("/ui/lang/zh-CN?next=/ui/admin/users/new").await;
        let (s, _, to) = b.post("/ui/admin/users/new", &[("username", "wang.qiang"), ("display_name", "王强"), ("email", "wq@example.cn"), ("role", "engineer"), ("team_id", &team.to_string())]).await;
        assert_eq!(s, StatusCode::SEE_OTHER);
        let to = to.unwrap();
        let id = id_after(&to, "/ui/admin/users/");
        let (_, body, _) = b.get(&to).await;
        assert!(body.contains("id=\"saved\"") && body.contains("wang.qiang"));
        let (_, list, _) = b.get(&format!("/ui/admin/users?role=engineer&team={team}")).await;
        assert!(list.contains("wang.qiang"), "filtered by role and team");
        let (_, list, _) = b.get("/ui/admin/users?role=agent").await;
        assert!(!list.contains("wang.qiang"));
        // Edit: another role, out of the team, deactivated.
        let (s, _, _) = b.post(&format!("/ui/admin/users/{id}"), &[("action", "edit"), ("version", "1"), ("display_name", "王强"), ("role", "agent"), ("team_id", "")]).await;
        assert_eq!(s, StatusCode::SEE_OTHER);
        let (_, u) = t.get(&t.admin_token, &format!("/api/v1/users/{id}")).await;
        assert_eq!((u["role"].as_str(), u["team_id"].is_null(), u["active"].as_bool()), (Some("agent"), true, Some(false)));
        let (_, list, _) = b.get("/ui/admin/users?active=no").await;
        assert!(list.contains("wang.qiang"));
        let (_, list, _) = b.get("/ui/admin/users?active=yes").await;
        assert!(!list.contains("wang.qiang") && list.contains("adm.root"));
        // An update's own check (inside its transaction) lands beside its field too.
        let (s, body, _) = b.post(&format!("/ui/admin/users/{id}"), &[("action", "edit"), ("version", "2"), ("display_name", "王强"), ("email", "not-an-address"), ("role", "agent")]).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(body.contains("id=\"err-email\"") && body.contains("value=\"not-an-address\""), "{body}");
        // Someone else changed it meanwhile: a clear message, the typed name kept.
        let (s, body, _) = b.post(&format!("/ui/admin/users/{id}"), &[("action", "edit"), ("version", "1"), ("display_name", "王强强"), ("role", "agent"), ("active", "on")]).await;
        assert_eq!(s, StatusCode::CONFLICT);
        assert!(body.contains("id=\"form-alert\"") && body.contains("已被他人修改"), "{body}");
        assert_eq!(value_of(&body, "display_name"), "王强强");
        // A password reset: refused when too short (never echoed), then set.
        let (s, body, _) = b.post(&format!("/ui/admin/users/{id}"), &[("action", "password"), ("new_password", "short-pw")]).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(body.contains("id=\"err-new_password\"") && !body.contains("short-pw"), "{body}");
        let (s, _, _) = b.post(&format!("/ui/admin/users/{id}"), &[("action", "password"), ("new_password", "一个足够长的新密码-2026")]).await;
        assert_eq!(s, StatusCode::SEE_OTHER);
    }

    async fn an_administrator_keeps_an_organizations_archive_and_its_contract(t: TestApp) {
        person(&t, "adm.org", "admin", None, None).await;
        let pl = person(&t, "adm.pl", "project_leader", None, None).await;
        let mut b = Browser::login(&t, "adm.org").await;
        b.get("/ui/admin/organizations/new").await;
        let (s, body, _) = b.post("/ui/admin/organizations/new", &[("name", ""), ("industry", "医疗"), ("profile", "三甲医院，HIS 与 PACS")]).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(body.contains("id=\"err-name\"") && body.contains("三甲医院，HIS 与 PACS"), "{body}");
        assert_eq!(value_of(&body, "industry"), "医疗");
        let (s, _, to) = b.post("/ui/admin/organizations/new", &[("name", "市第一人民医院"), ("industry", "医疗"), ("profile", "三甲医院，HIS 与 PACS"), ("support_needs", "夜间值守")]).await;
        assert_eq!(s, StatusCode::SEE_OTHER);
        let to = to.unwrap();
        let org = id_after(&to, "/ui/admin/organizations/");
        let (_, body, _) = b.get(&to).await;
        assert!(body.contains("夜间值守") && body.contains("id=\"org-contracts\""));
        let (s, _, _) = b.post(&to, &[("version", "1"), ("name", "市第一人民医院"), ("industry", "医疗"), ("profile", "三甲医院"), ("notes", "机房在 3 楼")]).await;
        assert_eq!(s, StatusCode::SEE_OTHER);
        let (_, o) = t.get(&t.admin_token, &format!("/api/v1/organizations/{org}")).await;
        assert_eq!((o["notes"].as_str(), o["support_needs"].as_str()), (Some("机房在 3 楼"), Some("")));
        let (s, body, _) = b.post(&to, &[("version", "1"), ("name", "第一医院"), ("notes", "旧版本上的修改")]).await;
        assert_eq!(s, StatusCode::CONFLICT);
        assert!(body.contains("id=\"form-alert\"") && body.contains("旧版本上的修改"));

        // Its contract: a bad date is refused beside the field, the rest kept.
        let (_, form, _) = b.get(&format!("/ui/admin/contracts/new?org={org}")).await;
        assert!(form.contains(&format!("<option value=\"{org}\" selected>")), "the organization comes chosen");
        let policy = t.get(&t.admin_token, "/api/v1/sla-policies").await.1[0]["id"].as_i64().unwrap().to_string();
        let pl = pl.to_string();
        let org_s = org.to_string();
        let fields = |date: &'static str| vec![("organization_id", org_s.clone()), ("code", "HT-2026-001".to_owned()), ("name", "运维服务合同".to_owned()), ("accepted_on", date.to_owned()), ("free_service_months", "24".to_owned()), ("vip", "on".to_owned()), ("sla_policy_id", policy.clone()), ("project_leader_id", pl.clone())];
        let bad = fields("2026-13-40");
        let pairs: Vec<(&str, &str)> = bad.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let (s, body, _) = b.post("/ui/admin/contracts/new", &pairs).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(body.contains("id=\"err-accepted_on\""), "{body}");
        assert_eq!((value_of(&body, "code"), value_of(&body, "accepted_on")), ("HT-2026-001".to_owned(), "2026-13-40".to_owned()));
        assert!(body.contains("name=\"vip\" checked"));
        let good = fields("2025-03-18");
        let pairs: Vec<(&str, &str)> = good.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let (s, _, to) = b.post("/ui/admin/contracts/new", &pairs).await;
        assert_eq!(s, StatusCode::SEE_OTHER);
        let to = to.unwrap();
        let k = id_after(&to, "/ui/admin/contracts/");
        let (_, body, _) = b.get(&to).await;
        assert!(body.contains("id=\"billable\"") && body.contains("2027-03-18"), "billable after the free period: {body}");
        // Edit: a shorter free period, no longer VIP (an unchecked box sends nothing).
        let (s, _, _) = b.post(&to, &[("version", "1"), ("code", "HT-2026-001"), ("name", "运维服务合同"), ("accepted_on", "2025-03-18"), ("free_service_months", "12"), ("sla_policy_id", &policy), ("project_leader_id", &pl)]).await;
        assert_eq!(s, StatusCode::SEE_OTHER);
        let (_, c) = t.get(&t.admin_token, &format!("/api/v1/contracts/{k}")).await;
        assert_eq!((c["free_service_months"].as_i64(), c["vip"].as_bool(), c["project_leader_id"].as_i64()), (Some(12), Some(false), pl.parse().ok()));
        let (_, list, _) = b.get(&format!("/ui/admin/contracts?org={org}")).await;
        assert!(list.contains("HT-2026-001") && list.contains("2026-03-18"));
    }

    async fn teams_and_an_organizations_contacts_and_systems_are_added_from_their_pages(t: TestApp) {
        person(&t, "adm.teams", "admin", None, None).await;
        let lead = person(&t, "adm.lead", "engineer", None, None).await;
        let (org, _) = t.organization("县人民医院", "2025-06-01").await;
        let mut b = Browser::login(&t, "adm.teams").await;
        b.get("/ui/admin/teams/new").await;
        let (s, body, _) = b.post("/ui/admin/teams/new", &[("name", ""), ("description", "负责网络设备")]).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(body.contains("id=\"err-name\"") && body.contains("负责网络设备"));
        let (s, _, to) = b.post("/ui/admin/teams/new", &[("name", "网络组"), ("description", "负责网络设备"), ("lead_id", &lead.to_string())]).await;
        assert_eq!(s, StatusCode::SEE_OTHER);
        let to = to.unwrap();
        let team = id_after(&to, "/ui/admin/teams/");
        let (_, body, _) = b.get(&to).await;
        assert!(body.contains(&format!("<option value=\"{lead}\" selected>")), "{body}");
        let (s, _, _) = b.post(&to, &[("version", "1"), ("name", "网络与安全组"), ("lead_id", "")]).await;
        assert_eq!(s, StatusCode::SEE_OTHER);
        let (_, tm) = t.get(&t.admin_token, &format!("/api/v1/teams/{team}")).await;
        assert_eq!((tm["name"].as_str(), tm["lead_id"].is_null()), (Some("网络与安全组"), true));
        let (_, list, _) = b.get("/ui/admin/teams").await;
        assert!(list.contains("网络与安全组"));

        let page = format!("/ui/admin/organizations/{org}");
        b.get(&page).await;
        let (s, body, _) = b.post(&page, &[("action", "contact"), ("name", "赵工"), ("phone", "12"), ("job_title", "信息科")]).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(body.contains("id=\"err-contact-phone\"") && body.contains("value=\"信息科\""), "{body}");
        assert_eq!(value_of(&body, "name"), "县人民医院", "the organization's own form still shows the record");
        let (s, _, _) = b.post(&page, &[("action", "contact"), ("name", "赵工"), ("phone", "13800138000"), ("job_title", "信息科")]).await;
        assert_eq!(s, StatusCode::SEE_OTHER);
        let (s, body, _) = b.post(&page, &[("action", "system"), ("name", ""), ("kind", "server"), ("location", "3 楼机房")]).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(body.contains("id=\"err-system-name\"") && body.contains("3 楼机房"));
        let (s, _, _) = b.post(&page, &[("action", "system"), ("name", "PACS 服务器"), ("kind", "server"), ("location", "3 楼机房")]).await;
        assert_eq!(s, StatusCode::SEE_OTHER);
        let (_, body, _) = b.get(&page).await;
        assert!(body.contains("赵工") && body.contains("PACS 服务器"));
        let (_, list, _) = b.get(&format!("/ui/admin/systems?org={org}")).await;
        assert!(list.contains("PACS 服务器") && list.contains("3 楼机房"));
        // Edit the system from the list: a rejected form keeps the input, a stale version says so.
        let sys = list.split("<a href=\"/ui/admin/systems/").nth(1).unwrap().split('"').next().unwrap().to_owned();
        let edit = format!("/ui/admin/systems/{sys}");
        let (s, body, _) = b.get(&edit).await;
        assert_eq!(s, StatusCode::OK);
        let version = value_of(&body, "version");
        let (s, body, _) = b.post(&edit, &[("version", &version), ("name", ""), ("kind", "server"), ("location", "4 楼机房")]).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(body.contains("id=\"err-name\"") && body.contains("4 楼机房"), "{body}");
        let (s, _, to) = b.post(&edit, &[("version", &version), ("name", "PACS 主服务器"), ("kind", "server"), ("location", "4 楼机房"), ("serial_number", "SN-01")]).await;
        assert_eq!((s, to.as_deref()), (StatusCode::SEE_OTHER, Some(format!("{edit}?saved=1").as_str())));
        let (_, sys_json) = t.get(&t.admin_token, &format!("/api/v1/systems/{sys}")).await;
        assert_eq!((sys_json["name"].as_str(), sys_json["location"].as_str(), sys_json["serial_number"].as_str()), (Some("PACS 主服务器"), Some("4 楼机房"), Some("SN-01")));
        let (s, body, _) = b.post(&edit, &[("version", &version), ("name", "旧"), ("kind", "server")]).await;
        assert_eq!(s, StatusCode::CONFLICT, "the old version: {body}");
        assert_eq!(t.get(&t.admin_token, &format!("/api/v1/systems/{sys}")).await.1["name"], "PACS 主服务器", "nothing overwritten");

        // Edit the contact from the organization's page: a bad phone is refused
        // beside its field (in Chinese), an emptied field is cleared, a stale version says so.
        let (_, body, _) = b.get(&page).await;
        assert!(body.contains(&format!("href=\"/ui/admin/systems/{sys}\"")), "the organization's systems link to their pages");
        let contact = body.split("<a href=\"/ui/admin/contacts/").nth(1).unwrap().split('"').next().unwrap().to_owned();
        let edit = format!("/ui/admin/contacts/{contact}");
        let (s, body, _) = b.get(&edit).await;
        assert_eq!(s, StatusCode::OK);
        assert_eq!((value_of(&body, "name"), value_of(&body, "phone")), ("赵工".to_owned(), "13800138000".to_owned()));
        let version = value_of(&body, "version");
        let (s, body, _) = b.post(&edit, &[("version", &version), ("name", "赵工"), ("phone", "12"), ("job_title", "信息中心")]).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(body.contains("id=\"err-phone\"") && body.contains("`12` 不是有效的电话号码") && body.contains("value=\"信息中心\""), "{body}");
        let (s, _, to) = b.post(&edit, &[("version", &version), ("name", "赵建国"), ("phone", "13900139000"), ("email", "zhao@example.cn"), ("job_title", ""), ("notes", "夜间可打手机")]).await;
        assert_eq!((s, to.as_deref()), (StatusCode::SEE_OTHER, Some(format!("{edit}?saved=1").as_str())));
        let (_, k) = t.get(&t.admin_token, &format!("/api/v1/contacts/{contact}")).await;
        assert_eq!(
            (k["name"].as_str(), k["phone"].as_str(), k["email"].as_str(), k["job_title"].is_null(), k["notes"].as_str()),
            (Some("赵建国"), Some("13900139000"), Some("zhao@example.cn"), true, Some("夜间可打手机"))
        );
        let (s, body, _) = b.post(&edit, &[("version", &version), ("name", "旧名字")]).await;
        assert_eq!(s, StatusCode::CONFLICT, "the old version: {body}");
        assert_eq!(t.get(&t.admin_token, &format!("/api/v1/contacts/{contact}")).await.1["name"], "赵建国", "nothing overwritten");
        let (_, body, _) = b.get(&page).await;
        assert!(body.contains("赵建国"), "the organization's page shows the new name");
    }

    async fn the_calendar_year_view_shows_holidays_and_adjusted_working_days(t: TestApp) {
        person(&t, "adm.cal", "admin", None, None).await;
        let mut b = Browser::login(&t, "adm.cal").await;
        let (s, body, _) = b.get("/ui/admin/calendars/cn-mainland?year=2026").await;
        assert_eq!(s, StatusCode::OK);
        assert!(body.contains("data-date=\"2026-10-01\" data-kind=\"holiday\""), "National Day");
        // The data file's adjusted Sunday before National Day 2026 is 09-20 (09-28 is an ordinary Monday).
        assert!(body.contains("data-date=\"2026-09-20\" data-kind=\"workday\""));
        assert!(body.contains("data-date=\"2026-09-28\" data-kind=\"work\""));
        assert!(body.contains("data-date=\"2026-09-19\" data-kind=\"off\""));
        assert_eq!(body.matches("<table class=\"month\"").count(), 12);
        assert!(body.contains("href=\"/ui/admin/calendars/cn-mainland?year=2027\""), "year navigation");
        assert!(body.contains("id=\"preset-note\""), "a built-in calendar: its years may change, its windows not");
        assert!(!body.contains("id=\"windows-form\""), "{body}");
        let (_, body, _) = b.get("/ui/admin/calendars/cn-mainland?year=1999").await;
        assert!(body.contains("id=\"provisional-note\"") && body.contains("id=\"year-provisional\""), "1999 has no notice: provisional");
        assert!(body.contains("data-date=\"1999-10-01\" data-kind=\"holiday\""), "its statutory holidays are shown");

        // A calendar of one's own: a holiday set through the form, a bad date refused.
        let mut spec = fuwu_core::calendar::CalendarSpec::cn_mainland();
        spec.name = "hospital".into();
        t.ok(&t.admin_token, "/api/v1/calendars", serde_json::json!({"definition": spec})).await;
        let (_, body, _) = b.get("/ui/admin/calendars/hospital?year=2026").await;
        let version = value_of(&body, "version");
        let (s, body, _) = b.post("/ui/admin/calendars/hospital", &[("action", "day"), ("version", &version), ("year", "2026"), ("date", "2026-02-30"), ("kind", "holiday"), ("name", "院庆")]).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(body.contains("id=\"err-date\"") && body.contains("院庆"));
        let (s, _, to) = b.post("/ui/admin/calendars/hospital", &[("action", "day"), ("version", &version), ("year", "2026"), ("date", "2026-11-11"), ("kind", "holiday"), ("name", "院庆")]).await;
        assert_eq!(s, StatusCode::SEE_OTHER);
        let (_, body, _) = b.get(&to.unwrap()).await;
        assert!(body.contains("data-date=\"2026-11-11\" data-kind=\"holiday\""));
        let (s, body, _) = b.post("/ui/admin/calendars/hospital", &[("action", "windows"), ("version", &version), ("week_monday", "9-5")]).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        assert!(body.contains("9-5"));
        let (s, body, _) = b.post("/ui/admin/calendars/hospital", &[("action", "day"), ("version", &version), ("date", "2026-11-12"), ("kind", "holiday"), ("name", "x")]).await;
        assert_eq!(s, StatusCode::CONFLICT, "the version read is stale now: {body}");
    }

    async fn an_sla_targets_duration_and_warnings_are_edited_on_its_policy_page(t: TestApp) {
        person(&t, "adm.sla", "admin", None, None).await;
        let mut b = Browser::login(&t, "adm.sla").await;
        let (_, list, _) = b.get("/ui/admin/sla-policies").await;
        assert!(list.contains("levels-0-5"));
        let (_, policies) = t.get(&t.admin_token, "/api/v1/sla-policies").await;
        let p = policies.as_array().unwrap().iter().find(|p| p["name"] == "levels-0-5").unwrap().clone();
        let id = p["id"].as_i64().unwrap();
        let targets = p["definition"]["targets"].as_array().unwrap();
        let level3: Vec<&Value> = targets.iter().filter(|x| x["levels"]["min"].as_i64().unwrap() <= 3 && x["levels"]["max"].as_i64().unwrap() >= 3).collect();
        let key = level3[0]["key"].as_str().unwrap().to_owned();
        let (_, body, _) = b.get(&format!("/ui/admin/sla-policies/{id}?level=3")).await;
        assert_eq!(body.matches("class=\"card target\"").count(), level3.len(), "filtered by level");
        let version = p["version"].as_i64().unwrap().to_string();
        let (s, body, _) = b.post(&format!("/ui/admin/sla-policies/{id}"), &[("action", &key), ("version", &version), ("duration", "2 hours"), ("warn", "50, 80")]).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(body.contains("id=\"err-duration\"") && body.contains("value=\"2 hours\""), "{body}");
        let (s, _, _) = b.post(&format!("/ui/admin/sla-policies/{id}"), &[("action", &key), ("version", &version), ("duration", "3h"), ("warn", "60, 90")]).await;
        assert_eq!(s, StatusCode::SEE_OTHER);
        let (_, after) = t.get(&t.admin_token, &format!("/api/v1/sla-policies/{id}")).await;
        let target = after["definition"]["targets"].as_array().unwrap().iter().find(|x| x["key"] == key.as_str()).unwrap().clone();
        assert_eq!((target["duration"].as_str(), target["warn_at_percent"].clone()), (Some("3h"), serde_json::json!([60, 90])));
        let (s, body, _) = b.post(&format!("/ui/admin/sla-policies/{id}"), &[("action", &key), ("version", &version), ("duration", "4h"), ("warn", "50")]).await;
        assert_eq!(s, StatusCode::CONFLICT);
        assert!(body.contains("id=\"form-alert\"") && body.contains("value=\"4h\""));
    }
}
