//! Identity and access, the parts not covered beside logins and tokens:
//! trusted proxies, the cleanup of ended sessions, rehashing old password
//! hashes at login, customer admin versus customer user, and bad input
//! (wrong password, expired token, forged CSRF token, tampered cookie)
//! answered with a clear error and changing nothing.

use crate::both_engines;
use crate::harness::*;
use fuwu_app::Settings;
use fuwu_app::proxies::TrustedProxies;
use reqwest::header::{COOKIE, SET_COOKIE};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

const PW: &str = "identity-password-2026";
const MIN: i64 = 60_000;
const HOUR: i64 = 3_600_000;

/// POST /login from this test's address, with an `X-Forwarded-For` header when given.
async fn try_login(
    t: &TestApp,
    login: &str,
    password: &str,
    forwarded: Option<&str>,
) -> (StatusCode, Value, Option<String>) {
    let mut req = t
        .http
        .post(format!("{}/login", t.base))
        .json(&json!({"login": login, "password": password}));
    if let Some(f) = forwarded {
        req = req.header("X-Forwarded-For", f);
    }
    let r = req.send().await.unwrap();
    let status = r.status();
    let cookie = r
        .headers()
        .get(SET_COOKIE)
        .map(|v| v.to_str().unwrap().split(';').next().unwrap().to_owned());
    (status, r.json().await.unwrap_or(Value::Null), cookie)
}

/// Log in; returns (cookie, CSRF token).
async fn login(t: &TestApp, login: &str) -> (String, String) {
    let (s, body, cookie) = try_login(t, login, PW, None).await;
    assert_eq!(s, StatusCode::OK, "{body}");
    (
        cookie.unwrap(),
        body["csrf_token"].as_str().unwrap().to_owned(),
    )
}

async fn with_cookie(
    t: &TestApp,
    cookie: &str,
    method: Method,
    path: &str,
    csrf: Option<&str>,
    body: Option<Value>,
) -> (StatusCode, Value) {
    let mut req = t
        .http
        .request(method, format!("{}{path}", t.base))
        .header(COOKIE, cookie);
    if let Some(c) = csrf {
        req = req.header("X-CSRF-Token", c);
    }
    if let Some(b) = body {
        req = req.json(&b);
    }
    let r = req.send().await.unwrap();
    let status = r.status();
    let text = r.text().await.unwrap();
    (
        status,
        serde_json::from_str(&text).unwrap_or(Value::String(text)),
    )
}

/// A user of `role` with password [`PW`]; returns (id, API token).
async fn user_with_password(
    t: &TestApp,
    username: &str,
    role: &str,
    org: Option<i64>,
) -> (i64, String) {
    let (id, token) = t.user(username, role, org).await;
    let (s, v) = t
        .post(
            &t.admin_token,
            &format!("/api/v1/users/{id}/password"),
            json!({"new_password": PW}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    (id, token)
}

async fn sessions_stored(t: &TestApp, user: Option<i64>) -> i64 {
    t.app
        .db
        .read(move |mut c| {
            Box::pin(async move { fuwu_store::sessions::count_sessions(&mut c, user).await })
        })
        .await
        .unwrap()
}

async fn stored_hash(t: &TestApp, id: i64) -> String {
    t.app
        .db
        .read(move |mut c| {
            Box::pin(async move { fuwu_store::directory::get_user(&mut c, id).await })
        })
        .await
        .unwrap()
        .password_hash
        .unwrap()
}

async fn audit(t: &TestApp, query: &str) -> Vec<Value> {
    let (s, v) = t
        .get(&t.admin_token, &format!("/api/v1/audit?limit=200&{query}"))
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    v["items"].as_array().unwrap().clone()
}

fn details(e: &Value) -> Value {
    serde_json::from_str(e["details"].as_str().unwrap()).unwrap()
}

/// What bad input must not change: stored sessions, the organizations, the
/// users (with their versions) and every user's password hash.
async fn snapshot(t: &TestApp) -> Value {
    let (_, orgs) = t.get(&t.admin_token, "/api/v1/organizations").await;
    let (_, users) = t.get(&t.admin_token, "/api/v1/users?limit=200").await;
    let mut hashes = Vec::new();
    for u in users["items"].as_array().unwrap() {
        let id = u["id"].as_i64().unwrap();
        let h = t
            .app
            .db
            .read(move |mut c| {
                Box::pin(async move { fuwu_store::directory::get_user(&mut c, id).await })
            })
            .await
            .unwrap()
            .password_hash;
        hashes.push(json!(h));
    }
    json!({
        "sessions": sessions_stored(t, None).await,
        "organizations": orgs["items"],
        "users": users["items"],
        "hashes": hashes,
    })
}

fn with_proxies(list: &[&str]) -> Settings {
    Settings {
        trusted_proxies: TrustedProxies::parse(list).unwrap(),
        ..Settings::default()
    }
}

// ---- Trusted proxies -------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_forged_x_forwarded_for_from_an_untrusted_peer_does_not_escape_throttling() {
    // No proxy is trusted (the default): the header is the client's own words.
    let t = TestApp::spawn_with(fuwu_store::Engine::Sqlite, Settings::default())
        .await
        .unwrap();
    user_with_password(&t, "victim.user", "agent", None).await;
    for i in 0..20 {
        let forged = format!("203.0.113.{i}");
        let (s, _, _) = try_login(&t, &format!("guess{i}"), "123456", Some(&forged)).await;
        assert_eq!(s, StatusCode::UNAUTHORIZED);
    }
    let (s, e, cookie) = try_login(&t, "victim.user", PW, Some("198.51.100.99")).await;
    assert_eq!(
        (s, TestApp::code(&e)),
        (StatusCode::TOO_MANY_REQUESTS, "too_many_attempts"),
        "a fresh forged address is still 127.0.0.1: {e}"
    );
    assert!(cookie.is_none());
    let failed = audit(&t, "kind=login_failed").await;
    assert_eq!(failed.len(), 20);
    assert!(
        failed
            .iter()
            .all(|e| details(e)["client_addr"] == "127.0.0.1"),
        "the audit names the real peer, not the forged one"
    );
    // A peer that is not in the list is not believed either.
    let t = TestApp::spawn_with(fuwu_store::Engine::Sqlite, with_proxies(&["10.0.0.0/8"]))
        .await
        .unwrap();
    for i in 0..20 {
        let forged = format!("10.0.0.1, 203.0.113.{i}");
        try_login(&t, &format!("guess{i}"), "123456", Some(&forged)).await;
    }
    let (s, _, _) = try_login(&t, "anyone", PW, Some("10.9.9.9")).await;
    assert_eq!(s, StatusCode::TOO_MANY_REQUESTS);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn behind_a_trusted_proxy_the_forwarded_client_is_throttled_and_audited() {
    // The test's connections come from 127.0.0.1: the trusted proxy here.
    let t = TestApp::spawn_with(
        fuwu_store::Engine::Sqlite,
        with_proxies(&["127.0.0.0/8", "::1"]),
    )
    .await
    .unwrap();
    let (id, _) = user_with_password(&t, "office.user", "agent", None).await;
    // The client writes anything on the left; the proxy appends what it saw.
    for i in 0..20 {
        let hop = format!("1.2.3.{i}, 198.51.100.7");
        let (s, _, _) = try_login(&t, &format!("guess{i}"), "123456", Some(&hop)).await;
        assert_eq!(s, StatusCode::UNAUTHORIZED);
    }
    let (s, e, _) = try_login(&t, "office.user", PW, Some("9.9.9.9, 198.51.100.7")).await;
    assert_eq!(
        (s, TestApp::code(&e)),
        (StatusCode::TOO_MANY_REQUESTS, "too_many_attempts"),
        "the forwarded client is blocked, whatever it forges left of it"
    );
    // Another client behind the same proxy is not.
    let (s, body, _) = try_login(&t, "office.user", PW, Some("198.51.100.8")).await;
    assert_eq!(s, StatusCode::OK, "{body}");
    let ok = audit(&t, "kind=login_succeeded").await;
    assert_eq!(
        (&ok[0]["actor_id"], &details(&ok[0])["client_addr"]),
        (&json!(id), &json!("198.51.100.8"))
    );
    let failed = audit(&t, "kind=login_failed").await;
    assert!(
        failed
            .iter()
            .all(|e| details(e)["client_addr"] == "198.51.100.7"),
        "{failed:?}"
    );
    let throttled = audit(&t, "kind=login_throttled").await;
    assert_eq!(details(&throttled[0])["client_addr"], "198.51.100.7");
    // Without a header the proxy itself is the client.
    user_with_password(&t, "direct.user", "agent", None).await;
    assert_eq!(
        try_login(&t, "direct.user", PW, None).await.0,
        StatusCode::OK
    );
    let ok = audit(&t, "kind=login_succeeded").await;
    assert_eq!(details(&ok[0])["client_addr"], "127.0.0.1");
}

both_engines! {
    // ---- Ended sessions are deleted -------------------------------------------

    async fn cleanup_deletes_expired_and_idle_sessions_and_keeps_live_ones(t: TestApp) {
        let (idle_id, _) = user_with_password(&t, "idle.user", "agent", None).await;
        let (busy_id, _) = user_with_password(&t, "busy.user", "agent", None).await;
        let idle = login(&t, "idle.user").await;
        let busy = login(&t, "busy.user").await;
        assert_eq!(t.app.clean_sessions().await.unwrap(), 0, "nothing has ended yet");
        assert_eq!(sessions_stored(&t, None).await, 2);
        // The busy user keeps working; the idle one walks away.
        for _ in 0..3 {
            t.clock.advance(50 * MIN);
            assert_eq!(with_cookie(&t, &busy.0, Method::GET, "/api/v1/me", None, None).await.0, StatusCode::OK);
        }
        assert_eq!(t.app.clean_sessions().await.unwrap(), 1, "idle for 2 h 30 min");
        assert_eq!(sessions_stored(&t, Some(idle_id)).await, 0);
        assert_eq!(sessions_stored(&t, Some(busy_id)).await, 1);
        assert_eq!(with_cookie(&t, &idle.0, Method::GET, "/api/v1/me", None, None).await.0, StatusCode::UNAUTHORIZED);
        assert_eq!(with_cookie(&t, &busy.0, Method::GET, "/api/v1/me", None, None).await.0, StatusCode::OK, "the live one works");
        // However busy, a session ends 12 h after login.
        for _ in 0..9 {
            t.clock.advance(HOUR);
            with_cookie(&t, &busy.0, Method::GET, "/api/v1/me", None, None).await;
        }
        assert_eq!(t.app.clean_sessions().await.unwrap(), 0, "11 h 30 min after login");
        t.clock.advance(30 * MIN);
        assert_eq!(t.app.clean_sessions().await.unwrap(), 1, "12 h after login");
        assert_eq!(sessions_stored(&t, None).await, 0);
    }

    // ---- Rehash on login ------------------------------------------------------

    async fn a_hash_with_weaker_parameters_is_replaced_at_the_next_login(t: TestApp) {
        let (id, _) = user_with_password(&t, "old.hash", "agent", None).await;
        let current = stored_hash(&t, id).await;
        assert!(current.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{current}");
        // As a hash made under an earlier, weaker setting would be stored.
        let weak = fuwu_app::password::hash_password_with_params(PW, 8, 1, 1).unwrap();
        let w = weak.clone();
        t.app.db.write(move |mut c| Box::pin(async move {
            fuwu_store::sessions::set_password_hash(&mut c, id, &w, T0).await
        })).await.unwrap();
        // A wrong password changes nothing.
        assert_eq!(try_login(&t, "old.hash", "not the password", None).await.0, StatusCode::UNAUTHORIZED);
        assert_eq!(stored_hash(&t, id).await, weak);
        // The right one logs in and replaces the hash.
        let (s, body, _) = try_login(&t, "old.hash", PW, None).await;
        assert_eq!(s, StatusCode::OK, "{body}");
        let replaced = stored_hash(&t, id).await;
        assert_ne!(replaced, weak);
        assert!(replaced.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{replaced}");
        assert!(fuwu_app::password::verify_password(PW, &replaced));
        let ok = audit(&t, "kind=login_succeeded").await;
        assert_eq!(details(&ok[0])["password_rehashed"], true);
        // It still logs in, and a current hash is left alone.
        let (s, _, _) = try_login(&t, "old.hash", PW, None).await;
        assert_eq!(s, StatusCode::OK);
        assert_eq!(stored_hash(&t, id).await, replaced);
        let ok = audit(&t, "kind=login_succeeded").await;
        assert!(details(&ok[0]).get("password_rehashed").is_none());
    }

    // ---- Customer admin and customer user (SPEC §1) ----------------------------

    async fn a_customer_admin_reads_its_organizations_attainment_and_a_customer_user_does_not(t: TestApp) {
        let (a, _) = t.organization("报表甲方", "2025-06-01").await;
        let (b, _) = t.organization("报表乙方", "2025-06-01").await;
        let (eng, _) = t.user("report.eng", "engineer", None).await;
        // Two requests resolved in A, one in B.
        for org in [a, a, b] {
            let r = t.request(org, "报表用故障").await["id"].as_i64().unwrap();
            t.hand_to(r, "l2", eng).await;
            t.ok(&t.admin_token, &format!("/api/v1/requests/{r}/respond"), json!({"mode": "remote", "plan": "远程排查"})).await;
            t.clock.advance(10 * MIN);
            t.ok(&t.admin_token, &format!("/api/v1/requests/{r}/resolve"), json!({"resolution": "已修复"})).await;
        }
        let (_, cust_admin) = t.user("report.admin", "customer_admin", Some(a)).await;
        let (_, cust_user) = t.user("report.user", "customer_user", Some(a)).await;
        let period = "from=2026-11-01T00:00:00Z";
        let counted = |rows: &Value| -> i64 {
            rows.as_array().unwrap().iter().map(|r| r["met"].as_i64().unwrap() + r["breached"].as_i64().unwrap()).sum()
        };
        let (_, all) = t.get(&t.admin_token, &format!("/api/v1/sla/attainment?{period}")).await;
        let (_, only_a) = t.get(&t.admin_token, &format!("/api/v1/sla/attainment?{period}&organization_id={a}")).await;
        assert!(counted(&all) > counted(&only_a) && counted(&only_a) > 0, "{all} {only_a}");

        let (s, mine) = t.get(&cust_admin, &format!("/api/v1/sla/attainment?{period}")).await;
        assert_eq!(s, StatusCode::OK, "{mine}");
        assert_eq!(mine, only_a, "its own organization's, unasked");
        let (s, e) = t.get(&cust_admin, &format!("/api/v1/sla/attainment?{period}&organization_id={b}")).await;
        assert_eq!((s, TestApp::code(&e)), (StatusCode::NOT_FOUND, "not_found"), "another organization's: {e}");
        let (s, e) = t.get(&cust_user, &format!("/api/v1/sla/attainment?{period}")).await;
        assert_eq!((s, TestApp::code(&e)), (StatusCode::FORBIDDEN, "forbidden"), "a customer user reads no reports: {e}");
        // Both see the organization's requests, and only those.
        for token in [&cust_admin, &cust_user] {
            let (_, list) = t.get(token, "/api/v1/requests").await;
            let items = list["items"].as_array().unwrap();
            assert_eq!(items.len(), 2, "{list}");
            assert!(items.iter().all(|r| r["organization_id"] == a));
        }
    }

    async fn a_customer_users_own_request_names_their_contact_record_as_requester(t: TestApp) {
        let (a, _) = t.organization("联系人甲方", "2025-06-01").await;
        let (b, _) = t.organization("联系人乙方", "2025-06-01").await;
        let me = t.ok(&t.admin_token, "/api/v1/contacts", json!({"organization_id": a, "name": "刘护士长"})).await["id"].as_i64().unwrap();
        let colleague = t.ok(&t.admin_token, "/api/v1/contacts", json!({"organization_id": a, "name": "陈医生"})).await["id"].as_i64().unwrap();
        let elsewhere = t.ok(&t.admin_token, "/api/v1/contacts", json!({"organization_id": b, "name": "别处的人"})).await["id"].as_i64().unwrap();
        let linked = t.ok(&t.admin_token, "/api/v1/users", json!({"username": "liu.hsz", "display_name": "刘护士长", "role": "customer_user", "organization_id": a, "contact_id": me})).await;
        assert_eq!(linked["contact_id"], me);
        let token = t.app.issue_token(linked["id"].as_i64().unwrap(), "test", "write", None).await.unwrap();
        let new = json!({"channel": "web", "category": "fault", "impact": "minor", "urgency": "low", "title": "打印机无法打印"});
        let (s, r) = t.post(&token, "/api/v1/requests", new.clone()).await;
        assert_eq!((s, &r["requester_contact_id"]), (StatusCode::CREATED, &json!(me)), "{r}");
        assert_eq!(r["requester_user_id"], linked["id"]);
        // Naming someone else of the organization still wins.
        let mut for_colleague = new.clone();
        for_colleague["requester_contact_id"] = json!(colleague);
        let (_, r) = t.post(&token, "/api/v1/requests", for_colleague).await;
        assert_eq!(r["requester_contact_id"], colleague);
        // The link is optional; a link to another organization's contact is not used.
        let (_, unlinked) = t.user("no.contact", "customer_user", Some(a)).await;
        let (_, r) = t.post(&unlinked, "/api/v1/requests", new.clone()).await;
        assert_eq!(r["requester_contact_id"], Value::Null);
        let odd = t.ok(&t.admin_token, "/api/v1/users", json!({"username": "odd.link", "display_name": "x", "role": "customer_user", "organization_id": a, "contact_id": elsewhere})).await;
        let odd = t.app.issue_token(odd["id"].as_i64().unwrap(), "test", "write", None).await.unwrap();
        let (s, r) = t.post(&odd, "/api/v1/requests", new).await;
        assert_eq!((s, &r["requester_contact_id"]), (StatusCode::CREATED, &Value::Null), "{r}");
    }

    // ---- Audit: the requests' changes, across requests, for admins --------------

    async fn admins_filter_every_requests_changes_through_the_api(t: TestApp) {
        let (org, _) = t.organization("审计请求单位", "2025-06-01").await;
        let (agent_id, agent) = t.user("audit.desk", "agent", None).await;
        let r1 = t.request(org, "第一个故障").await["id"].as_i64().unwrap();
        let r2 = t.request(org, "第二个故障").await["id"].as_i64().unwrap();
        t.clock.advance(MIN);
        t.ok(&agent, &format!("/api/v1/requests/{r1}/acknowledge"), json!({})).await;
        t.ok(&agent, &format!("/api/v1/requests/{r1}/messages"), json!({"visibility": "internal", "body": "已电话联系"})).await;
        let (s, all) = t.get(&t.admin_token, "/api/v1/audit/request-events?limit=200").await;
        assert_eq!(s, StatusCode::OK, "{all}");
        let items = all["items"].as_array().unwrap();
        for (r, kind) in [(r1, "created"), (r2, "created"), (r1, "acknowledged"), (r1, "message_internal")] {
            assert!(items.iter().any(|e| e["request_id"] == r && e["kind"] == kind), "{kind} of {r} in {all}");
        }
        let (_, by_agent) = t.get(&t.admin_token, &format!("/api/v1/audit/request-events?actor_id={agent_id}")).await;
        let by_agent = by_agent["items"].as_array().unwrap().clone();
        assert_eq!(by_agent.len(), 3, "acknowledged (status and time) and the note: {by_agent:?}");
        assert!(by_agent.iter().all(|e| e["actor_id"] == agent_id && e["request_id"] == r1));
        let (_, created) = t.get(&t.admin_token, &format!("/api/v1/audit/request-events?kind=created&request_id={r2}")).await;
        assert_eq!(created["items"].as_array().unwrap().len(), 1);
        let (_, later) = t.get(&t.admin_token, "/api/v1/audit/request-events?from=2026-11-20T02:00:30Z").await;
        assert!(later["items"].as_array().unwrap().iter().all(|e| e["actor_id"] == agent_id), "{later}");
        let (_, page) = t.get(&t.admin_token, "/api/v1/audit/request-events?limit=1").await;
        let cursor = page["next_cursor"].as_str().unwrap().to_owned();
        let (_, next) = t.get(&t.admin_token, &format!("/api/v1/audit/request-events?limit=1&cursor={cursor}")).await;
        assert!(next["items"][0]["id"].as_i64() < page["items"][0]["id"].as_i64());
        let (s, e) = t.get(&agent, "/api/v1/audit/request-events").await;
        assert_eq!((s, TestApp::code(&e)), (StatusCode::FORBIDDEN, "forbidden"), "administrators only");
        let denied = audit(&t, &format!("kind=access_denied&actor_id={agent_id}")).await;
        assert!(denied.iter().any(|e| details(e)["path"] == "/api/v1/audit/request-events"), "the denial is audited too");
    }

    // ---- API tokens: the secret is shown once and stored only hashed ----------

    async fn a_token_secret_is_shown_once_and_stored_only_as_a_hash(t: TestApp) {
        let (uid, agent) = t.user("secret.keeper", "agent", None).await;
        let (s, created) = t.post(&agent, "/api/v1/tokens", json!({"name": "监控", "scope": "read"})).await;
        assert_eq!(s, StatusCode::CREATED, "{created}");
        let secret = created["secret"].as_str().unwrap().to_owned();
        let id = created["token"]["id"].as_i64().unwrap();
        for (who, path) in [(&agent, "/api/v1/tokens".to_owned()), (&t.admin_token, format!("/api/v1/tokens?user_id={uid}"))] {
            let (s, list) = t.get(who, &path).await;
            assert_eq!(s, StatusCode::OK);
            assert!(list.as_array().unwrap().iter().any(|k| k["id"] == id));
            assert!(!list.to_string().contains(&secret[5..]), "never shown again: {list}");
        }
        let (_, audit_log) = t.get(&t.admin_token, "/api/v1/audit?limit=200").await;
        assert!(!audit_log.to_string().contains(&secret[5..]), "nor in the audit log");
        let (stored,): (String,) = t.app.db.read(move |mut c| Box::pin(async move {
            c.fetch_one(fuwu_store::query("select token_hash from api_tokens where id = $1").bind(id)).await
        })).await.unwrap();
        assert_eq!(stored.len(), 64, "a SHA-256: {stored}");
        assert!(!stored.contains(&secret[5..]) && !secret.contains(&stored));
        assert_eq!(t.get(&secret, "/api/v1/me").await.0, StatusCode::OK, "the secret itself works");
    }

    // ---- SSO later, without migrating users -----------------------------------

    async fn a_single_sign_on_identity_links_to_an_existing_user_without_touching_it(t: TestApp) {
        let (id, token) = user_with_password(&t, "sso.later", "agent", None).await;
        let (_, before) = t.get(&token, "/api/v1/me").await;
        assert_eq!(before["identities"].as_array().unwrap().len(), 1);
        assert_eq!(before["identities"][0]["provider"], "password");
        // What an OIDC login would do: link the issuer's subject to the same user.
        for _ in 0..2 {
            t.app.db.write(move |mut c| Box::pin(async move {
                fuwu_store::sessions::link_identity(&mut c, id, "oidc", "https://sso.example.com|248289761001", T0).await
            })).await.unwrap();
        }
        let (_, after) = t.get(&token, "/api/v1/me").await;
        let providers: Vec<&str> = after["identities"].as_array().unwrap().iter().map(|i| i["provider"].as_str().unwrap()).collect();
        assert_eq!(providers, ["password", "oidc"], "linked once, beside the password");
        assert_eq!(after["user"], before["user"], "the user record is unchanged");
        assert_eq!(try_login(&t, "sso.later", PW, None).await.0, StatusCode::OK, "the password still works");
    }

    // ---- Bad input: a clear error, and nothing changes -------------------------

    async fn bad_input_a_wrong_password_is_401_and_changes_nothing(t: TestApp) {
        let (id, _) = user_with_password(&t, "wrong.pw", "agent", None).await;
        let before = snapshot(&t).await;
        let (s, e, cookie) = try_login(&t, "wrong.pw", "not-the-password", None).await;
        assert_eq!((s, TestApp::code(&e)), (StatusCode::UNAUTHORIZED, "login_failed"), "{e}");
        assert!(e["message"].as_str().unwrap().contains("wrong username or password"), "{e}");
        assert!(cookie.is_none(), "no session cookie");
        assert_eq!(snapshot(&t).await, before, "no session, no change to the user");
        assert!(audit(&t, "kind=login_succeeded").await.is_empty());
        let failed = audit(&t, "kind=login_failed").await;
        assert_eq!((failed.len(), &failed[0]["object_id"]), (1, &json!(id)), "only the failure is recorded");
    }

    async fn bad_input_an_expired_token_is_401_and_changes_nothing(t: TestApp) {
        let (_, agent) = t.user("expiring.agent", "agent", None).await;
        let soon = jiff::Timestamp::from_millisecond(T0 + HOUR).unwrap().to_string();
        let (_, created) = t.post(&agent, "/api/v1/tokens", json!({"name": "临时", "scope": "write", "expires_at": soon})).await;
        let short = created["secret"].as_str().unwrap().to_owned();
        let tid = created["token"]["id"].as_i64().unwrap();
        t.clock.advance(2 * HOUR);
        let before = snapshot(&t).await;
        let (_, tokens_before) = t.get(&agent, "/api/v1/tokens").await;
        let (s, e) = t.post(&short, "/api/v1/organizations", json!({"name": "过期令牌单位"})).await;
        assert_eq!((s, TestApp::code(&e)), (StatusCode::UNAUTHORIZED, "unauthenticated"), "{e}");
        assert!(e["message"].as_str().unwrap().contains("expired"), "{e}");
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        assert_eq!(snapshot(&t).await, before, "nothing was written");
        let (_, tokens_after) = t.get(&agent, "/api/v1/tokens").await;
        let find = |l: &Value| l.as_array().unwrap().iter().find(|k| k["id"] == tid).cloned();
        assert_eq!(find(&tokens_after), find(&tokens_before), "not even its last use");
        assert!(audit(&t, &format!("kind=token_used&object_id={tid}")).await.is_empty());
    }

    async fn bad_input_a_forged_csrf_token_is_403_and_changes_nothing(t: TestApp) {
        let (id, _) = user_with_password(&t, "csrf.victim", "admin", None).await;
        let (cookie, real) = login(&t, "csrf.victim").await;
        let before = snapshot(&t).await;
        let forged = format!("{}{}", if real.starts_with('0') { '1' } else { '0' }, &real[1..]);
        for (token, code) in [(Some(forged.as_str()), "csrf_token_invalid"), (None, "csrf_token_missing")] {
            let (s, e) = with_cookie(&t, &cookie, Method::POST, "/api/v1/organizations", token, Some(json!({"name": "伪造单位"}))).await;
            assert_eq!((s, TestApp::code(&e)), (StatusCode::FORBIDDEN, code), "{e}");
            let (s, e) = with_cookie(&t, &cookie, Method::PATCH, &format!("/api/v1/users/{id}"), token, Some(json!({"version": 1, "role": "agent"}))).await;
            assert_eq!((s, TestApp::code(&e)), (StatusCode::FORBIDDEN, code), "{e}");
        }
        assert_eq!(snapshot(&t).await, before, "nothing was written, the session is untouched");
        assert_eq!(with_cookie(&t, &cookie, Method::GET, "/api/v1/me", None, None).await.0, StatusCode::OK);
        assert!(audit(&t, "kind=role_changed").await.is_empty());
    }

    async fn every_state_changing_route_refuses_a_cookie_session_without_its_csrf_token(t: TestApp) {
        user_with_password(&t, "csrf.everywhere", "admin", None).await;
        let (cookie, _) = login(&t, "csrf.everywhere").await;
        let (org, _) = t.organization("CSRF 单位", "2025-06-01").await;
        t.request(org, "CSRF 请求").await;
        let doc: Value = t.http.get(format!("{}/api/v1/openapi.json", t.base)).send().await.unwrap().json().await.unwrap();
        let mut routes: Vec<(String, String)> = Vec::new();
        for (path, item) in doc["paths"].as_object().unwrap() {
            for method in item.as_object().unwrap().keys() {
                routes.push((method.to_uppercase(), path.clone()));
            }
        }
        // The pages' forms, which the API document does not describe.
        routes.push(("POST".into(), "/ui/requests/{id}".into()));
        routes.push(("POST".into(), "/ui/new".into()));
        let before = snapshot(&t).await;
        let mut checked = 0;
        for (method, route) in routes {
            // Logging in has no session yet: another site's login form is refused by its Origin (sessions.rs).
            if method == "GET" || route == "/login" {
                continue;
            }
            let path = route.split('/').map(|seg| if seg.starts_with('{') { "1" } else { seg }).collect::<Vec<_>>().join("/");
            let m = Method::from_bytes(method.as_bytes()).unwrap();
            let (s, e) = with_cookie(&t, &cookie, m, &path, None, Some(json!({"version": 1, "name": "x", "title": "x"}))).await;
            assert_eq!(s, StatusCode::FORBIDDEN, "{method} {route} without a CSRF token: {e}");
            if !route.starts_with("/ui") {
                assert_eq!(TestApp::code(&e), "csrf_token_missing", "{method} {route}: {e}");
            }
            checked += 1;
        }
        assert!(checked > 40, "{checked} state-changing routes");
        assert_eq!(snapshot(&t).await, before, "none of them changed anything");
        let (_, reqs) = t.get(&t.admin_token, "/api/v1/requests").await;
        assert_eq!(reqs["items"].as_array().unwrap().len(), 1);
    }

    async fn bad_input_a_tampered_cookie_is_401_and_changes_nothing(t: TestApp) {
        user_with_password(&t, "cookie.owner", "admin", None).await;
        let (cookie, csrf) = login(&t, "cookie.owner").await;
        let before = snapshot(&t).await;
        let value = cookie.trim_start_matches("fuwu_session=");
        let flipped = format!("fuwu_session={}{}", if value.starts_with('0') { '1' } else { '0' }, &value[1..]);
        for bad in [flipped, format!("{cookie}00"), "fuwu_session=../../etc".to_owned()] {
            let (s, e) = with_cookie(&t, &bad, Method::POST, "/api/v1/organizations", Some(&csrf), Some(json!({"name": "篡改单位"}))).await;
            assert_eq!((s, TestApp::code(&e)), (StatusCode::UNAUTHORIZED, "unauthenticated"), "{bad}: {e}");
            assert!(e["message"].as_str().unwrap().contains("log in again"), "{e}");
        }
        assert_eq!(snapshot(&t).await, before, "nothing was written; the real session was not ended");
        assert_eq!(with_cookie(&t, &cookie, Method::GET, "/api/v1/me", None, None).await.0, StatusCode::OK);
    }
}
