//! Browser logins: password check, session cookie, CSRF on state-changing
//! requests, logout, expiry and idle timeout, throttling, password change and
//! reset, and the audit entries they leave.

use crate::both_engines;
use crate::harness::*;
use reqwest::header::{CONTENT_TYPE, COOKIE, LOCATION, RETRY_AFTER, SET_COOKIE};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

const PW: &str = "春眠不觉晓-2026";
const MIN: i64 = 60_000;
const HOUR: i64 = 3_600_000;

/// A browser: the session cookie and the CSRF token it was given.
#[derive(Clone, Debug)]
struct Browser {
    cookie: String,
    csrf: String,
    set_cookie: String,
}

/// A client that shows redirects instead of following them.
fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

/// POST /login with JSON; returns status, body and the Set-Cookie header.
async fn try_login(
    t: &TestApp,
    login: &str,
    password: &str,
) -> (StatusCode, Value, Option<String>, Option<String>) {
    let r = client()
        .post(format!("{}/login", t.base))
        .json(&json!({"login": login, "password": password}))
        .send()
        .await
        .unwrap();
    let status = r.status();
    let cookie = r
        .headers()
        .get(SET_COOKIE)
        .map(|v| v.to_str().unwrap().to_owned());
    let retry = r
        .headers()
        .get(RETRY_AFTER)
        .map(|v| v.to_str().unwrap().to_owned());
    let body: Value = r.json().await.unwrap_or(Value::Null);
    (status, body, cookie, retry)
}

async fn login(t: &TestApp, login: &str, password: &str) -> Browser {
    let (s, body, set_cookie, _) = try_login(t, login, password).await;
    assert_eq!(s, StatusCode::OK, "{body}");
    let set_cookie = set_cookie.expect("a session cookie");
    let cookie = set_cookie.split(';').next().unwrap().to_owned();
    Browser {
        cookie,
        csrf: body["csrf_token"].as_str().unwrap().to_owned(),
        set_cookie,
    }
}

/// A request with the session cookie and, when given, an X-CSRF-Token header.
async fn send(
    t: &TestApp,
    b: &Browser,
    method: Method,
    path: &str,
    csrf: Option<&str>,
    body: Option<Value>,
) -> (StatusCode, Value) {
    let mut req = client()
        .request(method, format!("{}{}", t.base, path))
        .header(COOKIE, &b.cookie);
    if let Some(c) = csrf {
        req = req.header("X-CSRF-Token", c);
    }
    if let Some(body) = body {
        req = req.json(&body);
    }
    let r = req.send().await.unwrap();
    let status = r.status();
    let text = r.text().await.unwrap();
    (
        status,
        serde_json::from_str(&text).unwrap_or(Value::String(text)),
    )
}

/// A user of `role` with password `PW`; returns (id, API token).
async fn user_with_password(t: &TestApp, username: &str, role: &str) -> (i64, String) {
    let org = if role.starts_with("customer") {
        Some(
            t.organization(&format!("{username}单位"), "2025-06-01")
                .await
                .0,
        )
    } else {
        None
    };
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

/// The audit entries of `kind`, newest first.
async fn audit(t: &TestApp, kind: &str) -> Vec<Value> {
    let (s, v) = t
        .get(
            &t.admin_token,
            &format!("/api/v1/audit?kind={kind}&limit=200"),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    v["items"].as_array().unwrap().clone()
}

fn details(e: &Value) -> Value {
    serde_json::from_str(e["details"].as_str().unwrap()).unwrap()
}

both_engines! {
    async fn a_right_password_opens_a_session_and_every_failure_gets_the_same_answer(t: TestApp) {
        let (id, _) = user_with_password(&t, "wang.fang", "agent").await;
        let (s, body, set_cookie, _) = try_login(&t, "wang.fang", PW).await;
        assert_eq!(s, StatusCode::OK, "{body}");
        assert_eq!(body["user"]["id"], id);
        assert!(body["user"].get("password_hash").is_none(), "never the hash");
        assert_eq!(body["csrf_token"].as_str().map(str::len), Some(64));
        let set_cookie = set_cookie.unwrap();
        let value = set_cookie.split(';').next().unwrap();
        assert!(value.starts_with("fuwu_session=") && value.len() == "fuwu_session=".len() + 64, "{set_cookie}");
        for attr in ["HttpOnly", "SameSite=Lax", "Path=/", "Max-Age=43200"] {
            assert!(set_cookie.split("; ").any(|a| a == attr), "{attr} in {set_cookie}");
        }
        assert!(!set_cookie.contains("Secure"), "not Secure on plain http by default: {set_cookie}");

        // A user without a password, an inactive one, an unknown one, a wrong password: one answer.
        t.user("no.password", "agent", None).await;
        let (inactive, _) = user_with_password(&t, "li.tuixiu", "engineer").await;
        let (s, v) = t.patch(&t.admin_token, &format!("/api/v1/users/{inactive}"), json!({"version": 1, "active": false})).await;
        assert_eq!(s, StatusCode::OK, "{v}");
        let mut answers = vec![];
        for (login, pw) in [("wang.fang", "wrong password!"), ("nobody.here", PW), ("li.tuixiu", PW), ("no.password", PW), ("", "")] {
            let (s, body, cookie, _) = try_login(&t, login, pw).await;
            assert_eq!((s, TestApp::code(&body)), (StatusCode::UNAUTHORIZED, "login_failed"), "{login}: {body}");
            assert!(cookie.is_none(), "no cookie for a failure");
            answers.push(body);
        }
        assert!(answers.windows(2).all(|w| w[0] == w[1]), "the same body every time: {answers:?}");
        assert!(answers[0]["message"].as_str().unwrap().contains("wrong username or password"));

        let ok = audit(&t, "login_succeeded").await;
        assert_eq!(ok.len(), 1);
        assert_eq!(ok[0]["actor_id"], id);
        assert_eq!(details(&ok[0])["client_addr"], "127.0.0.1");
        let failed = audit(&t, "login_failed").await;
        let reasons: Vec<String> = failed.iter().map(|e| details(e)["reason"].as_str().unwrap().to_owned()).collect();
        for r in ["wrong_password", "unknown_account", "inactive", "no_password"] {
            assert!(reasons.iter().any(|x| x == r), "{r} in {reasons:?}");
        }
        assert!(failed.iter().all(|e| !e["details"].as_str().unwrap().contains(PW) && !e["details"].as_str().unwrap().contains("wrong password!")), "never the password");
    }

    async fn an_html_form_logs_in_and_is_sent_back_to_a_local_page_only(t: TestApp) {
        user_with_password(&t, "form.user", "agent").await;
        let form = |next: &str| format!("login=form.user&password={}&next={next}", urlencode(PW));
        let r = client().post(format!("{}/login", t.base)).header(CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(form("%2Frequests%3Fstatus%3Dnew")).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::SEE_OTHER);
        assert_eq!(r.headers()[LOCATION], "/requests?status=new");
        let cookie = r.headers()[SET_COOKIE].to_str().unwrap().split(';').next().unwrap().to_owned();
        let (s, me) = send(&t, &Browser { cookie, csrf: String::new(), set_cookie: String::new() }, Method::GET, "/api/v1/me", None, None).await;
        assert_eq!((s, me["user"]["username"].as_str()), (StatusCode::OK, Some("form.user")));
        let r = client().post(format!("{}/login", t.base)).header(CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(form("%2F%2Fevil.example.com")).send().await.unwrap();
        assert_eq!(r.headers()[LOCATION], "/", "never to another site");
        let host = t.base.trim_start_matches("http://").to_owned();
        let r = client().post(format!("{}/login", t.base)).header(CONTENT_TYPE, "application/x-www-form-urlencoded")
            .header("Origin", "https://evil.example.com").body(form("%2F")).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::FORBIDDEN, "a login form on another site");
        assert!(r.headers().get(SET_COOKIE).is_none());
        assert_eq!(r.json::<Value>().await.unwrap()["code"], "cross_site_request");
        let r = client().post(format!("{}/login", t.base)).header(CONTENT_TYPE, "application/x-www-form-urlencoded")
            .header("Origin", format!("http://{host}")).body(form("%2F")).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::SEE_OTHER, "a login form of this site");
        let r = client().post(format!("{}/login", t.base)).header(CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body("login=form.user&password=nope").send().await.unwrap();
        assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
        assert!(r.headers().get(SET_COOKIE).is_none());
    }

    async fn a_session_reads_freely_but_writes_only_with_its_csrf_token(t: TestApp) {
        let (id, _) = user_with_password(&t, "csrf.admin", "admin").await;
        let b = login(&t, "csrf.admin", PW).await;
        let other = login(&t, "csrf.admin", PW).await;
        assert_ne!(b.csrf, other.csrf, "a token per session");
        let (s, me) = send(&t, &b, Method::GET, "/api/v1/me", None, None).await;
        assert_eq!(s, StatusCode::OK, "{me}");
        assert_eq!((me["auth"].as_str(), me["csrf_token"].as_str()), (Some("session"), Some(b.csrf.as_str())));
        assert_eq!(me["identities"][0]["provider"], "password");
        assert_eq!(send(&t, &b, Method::GET, "/api/v1/requests", None, None).await.0, StatusCode::OK);

        let org = json!({"name": "跨站单位", "profile": "x"});
        let (s, e) = send(&t, &b, Method::POST, "/api/v1/organizations", None, Some(org.clone())).await;
        assert_eq!((s, TestApp::code(&e)), (StatusCode::FORBIDDEN, "csrf_token_missing"), "{e}");
        let (s, e) = send(&t, &b, Method::POST, "/api/v1/organizations", Some(&other.csrf), Some(org.clone())).await;
        assert_eq!((s, TestApp::code(&e)), (StatusCode::FORBIDDEN, "csrf_token_invalid"), "another session's token: {e}");
        let (s, e) = send(&t, &b, Method::POST, "/api/v1/organizations", Some(&"0".repeat(64)), Some(org.clone())).await;
        assert_eq!((s, TestApp::code(&e)), (StatusCode::FORBIDDEN, "csrf_token_invalid"), "{e}");
        let (_, list) = t.get(&t.admin_token, "/api/v1/organizations").await;
        assert!(list["items"].as_array().unwrap().is_empty(), "nothing was written: {list}");
        let (s, created) = send(&t, &b, Method::POST, "/api/v1/organizations", Some(&b.csrf), Some(org)).await;
        assert_eq!(s, StatusCode::CREATED, "{created}");
        let (_, list) = t.get(&t.admin_token, "/api/v1/organizations").await;
        assert_eq!(list["items"].as_array().unwrap().len(), 1);
        // Bearer tokens need no CSRF token.
        let (s, _) = t.post(&t.admin_token, "/api/v1/organizations", json!({"name": "令牌单位", "profile": "x"})).await;
        assert_eq!(s, StatusCode::CREATED);

        let denied = audit(&t, "access_denied").await;
        let codes: Vec<&str> = denied.iter().filter(|e| e["actor_id"] == id).map(|e| e["details"].as_str().unwrap()).collect();
        assert!(codes.iter().any(|d| d.contains("csrf_token_missing")) && codes.iter().any(|d| d.contains("csrf_token_invalid")), "{codes:?}");
    }

    async fn logout_needs_the_csrf_token_and_ends_the_session_at_once(t: TestApp) {
        let (id, _) = user_with_password(&t, "bye.user", "agent").await;
        let b = login(&t, "bye.user", PW).await;
        assert_eq!(send(&t, &b, Method::GET, "/api/v1/me", None, None).await.0, StatusCode::OK);
        let (s, e) = send(&t, &b, Method::POST, "/logout", None, None).await;
        assert_eq!((s, TestApp::code(&e)), (StatusCode::FORBIDDEN, "csrf_token_missing"));
        assert_eq!(send(&t, &b, Method::GET, "/api/v1/me", None, None).await.0, StatusCode::OK, "still logged in");
        let r = client().post(format!("{}/logout", t.base)).header(COOKIE, &b.cookie).header("X-CSRF-Token", &b.csrf).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::NO_CONTENT);
        let cleared = r.headers()[SET_COOKIE].to_str().unwrap().to_owned();
        assert!(cleared.starts_with("fuwu_session=;") && cleared.contains("Max-Age=0"), "{cleared}");
        let (s, e) = send(&t, &b, Method::GET, "/api/v1/me", None, None).await;
        assert_eq!((s, TestApp::code(&e)), (StatusCode::UNAUTHORIZED, "unauthenticated"), "ended at once");
        let out = audit(&t, "logout").await;
        assert_eq!((out.len(), &out[0]["actor_id"]), (1, &json!(id)));

        // An HTML form posts its token as a field.
        let b = login(&t, "bye.user", PW).await;
        let r = client().post(format!("{}/logout", t.base)).header(COOKIE, &b.cookie).header(CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(format!("csrf_token={}", "f".repeat(64))).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::FORBIDDEN, "a forged form field");
        let r = client().post(format!("{}/logout", t.base)).header(COOKIE, &b.cookie).header(CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(format!("csrf_token={}", b.csrf)).send().await.unwrap();
        assert_eq!((r.status(), r.headers()[LOCATION].to_str().unwrap()), (StatusCode::SEE_OTHER, "/"));
        assert_eq!(send(&t, &b, Method::GET, "/api/v1/me", None, None).await.0, StatusCode::UNAUTHORIZED);
    }

    async fn a_session_ends_when_idle_for_two_hours_and_twelve_hours_after_login(t: TestApp) {
        user_with_password(&t, "clock.user", "agent").await;
        let b = login(&t, "clock.user", PW).await;
        t.clock.advance(90 * MIN);
        assert_eq!(send(&t, &b, Method::GET, "/api/v1/me", None, None).await.0, StatusCode::OK);
        t.clock.advance(90 * MIN);
        assert_eq!(send(&t, &b, Method::GET, "/api/v1/me", None, None).await.0, StatusCode::OK, "3 h after login, 1.5 h idle");
        t.clock.advance(2 * HOUR);
        let (s, e) = send(&t, &b, Method::GET, "/api/v1/me", None, None).await;
        assert_eq!((s, TestApp::code(&e)), (StatusCode::UNAUTHORIZED, "unauthenticated"), "idle for 2 h");

        let b = login(&t, "clock.user", PW).await;
        for _ in 0..6 {
            t.clock.advance(110 * MIN);
            assert_eq!(send(&t, &b, Method::GET, "/api/v1/me", None, None).await.0, StatusCode::OK);
        }
        t.clock.advance(59 * MIN);
        assert_eq!(send(&t, &b, Method::GET, "/api/v1/me", None, None).await.0, StatusCode::OK, "11 h 59 min");
        t.clock.advance(MIN);
        assert_eq!(send(&t, &b, Method::GET, "/api/v1/me", None, None).await.0, StatusCode::UNAUTHORIZED, "12 h after login, however active");
    }

    async fn five_failures_lock_an_account_for_a_while_whether_or_not_it_exists(t: TestApp) {
        user_with_password(&t, "slow.down", "agent").await;
        for _ in 0..5 {
            assert_eq!(try_login(&t, "slow.down", "not the password").await.0, StatusCode::UNAUTHORIZED);
            assert_eq!(try_login(&t, "ghost.account", "not the password").await.0, StatusCode::UNAUTHORIZED);
        }
        let (s, real, cookie, retry) = try_login(&t, "slow.down", PW).await;
        assert_eq!((s, TestApp::code(&real)), (StatusCode::TOO_MANY_REQUESTS, "too_many_attempts"), "even the right password waits: {real}");
        assert!(cookie.is_none());
        let retry: i64 = retry.expect("Retry-After").parse().unwrap();
        assert!((1..=900).contains(&retry), "{retry}");
        let (s, ghost, _, _) = try_login(&t, "ghost.account", PW).await;
        assert_eq!(s, StatusCode::TOO_MANY_REQUESTS);
        assert_eq!(real["message"], ghost["message"], "no hint whether the account exists");
        assert_eq!(audit(&t, "login_throttled").await.len(), 2, "one entry per locked key");
        t.clock.advance(15 * MIN);
        let (s, body, _, _) = try_login(&t, "slow.down", PW).await;
        assert_eq!(s, StatusCode::OK, "after the window: {body}");
    }

    async fn twenty_failures_from_one_address_block_it_for_every_account(t: TestApp) {
        user_with_password(&t, "victim.user", "agent").await;
        for i in 0..20 {
            assert_eq!(try_login(&t, &format!("guess{i}"), "123456").await.0, StatusCode::UNAUTHORIZED);
        }
        let (s, e, _, retry) = try_login(&t, "victim.user", PW).await;
        assert_eq!((s, TestApp::code(&e)), (StatusCode::TOO_MANY_REQUESTS, "too_many_attempts"));
        assert!(retry.is_some());
        t.clock.advance(15 * MIN);
        assert_eq!(try_login(&t, "victim.user", PW).await.0, StatusCode::OK);
    }

    async fn changing_your_password_needs_the_current_one_and_ends_your_other_sessions(t: TestApp) {
        let (id, token) = user_with_password(&t, "change.me", "agent").await;
        let b = login(&t, "change.me", PW).await;
        let elsewhere = login(&t, "change.me", PW).await;
        let new_pw = "夏日长-长-2027";
        let (s, e) = send(&t, &b, Method::POST, "/api/v1/me/password", Some(&b.csrf), Some(json!({"current_password": "guess-guess", "new_password": new_pw}))).await;
        assert_eq!((s, e["field"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("current_password")), "{e}");
        let (s, e) = send(&t, &b, Method::POST, "/api/v1/me/password", Some(&b.csrf), Some(json!({"current_password": PW, "new_password": "short"}))).await;
        assert_eq!((s, TestApp::code(&e), e["field"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, "validation_failed", Some("new_password")), "{e}");
        assert!(e["message"].as_str().unwrap().contains("at least 10 characters"), "{e}");
        let (s, e) = send(&t, &b, Method::POST, "/api/v1/me/password", None, Some(json!({"current_password": PW, "new_password": new_pw}))).await;
        assert_eq!(s, StatusCode::FORBIDDEN, "CSRF applies: {e}");
        assert_eq!(try_login(&t, "change.me", new_pw).await.0, StatusCode::UNAUTHORIZED, "nothing changed yet");
        let (s, e) = send(&t, &b, Method::POST, "/api/v1/me/password", Some(&b.csrf), Some(json!({"current_password": PW, "new_password": new_pw}))).await;
        assert_eq!(s, StatusCode::NO_CONTENT, "{e}");
        assert_eq!(send(&t, &b, Method::GET, "/api/v1/me", None, None).await.0, StatusCode::OK, "this session stays");
        assert_eq!(send(&t, &elsewhere, Method::GET, "/api/v1/me", None, None).await.0, StatusCode::UNAUTHORIZED, "the others end");
        assert_eq!(try_login(&t, "change.me", PW).await.0, StatusCode::UNAUTHORIZED);
        assert_eq!(try_login(&t, "change.me", new_pw).await.0, StatusCode::OK);
        // With an API token as well (no session to keep).
        let (s, _) = t.post(&token, "/api/v1/me/password", json!({"current_password": new_pw, "new_password": PW})).await;
        assert_eq!(s, StatusCode::NO_CONTENT);
        let changed = audit(&t, "password_changed").await;
        assert_eq!((changed.len(), &changed[0]["object_id"]), (2, &json!(id)));
        assert_eq!(audit(&t, "password_change_failed").await.len(), 1);
    }

    async fn an_admin_reset_ends_every_session_and_others_may_not_reset(t: TestApp) {
        let (id, _) = user_with_password(&t, "forgot.it", "customer_user").await;
        let (agent_id, agent) = t.user("not.admin", "agent", None).await;
        let b1 = login(&t, "forgot.it", PW).await;
        let b2 = login(&t, "forgot.it", PW).await;
        let (s, e) = t.post(&agent, &format!("/api/v1/users/{id}/password"), json!({"new_password": "agent-sets-this"})).await;
        assert_eq!((s, TestApp::code(&e)), (StatusCode::FORBIDDEN, "forbidden"));
        let (s, e) = send(&t, &b1, Method::POST, &format!("/api/v1/users/{id}/password"), Some(&b1.csrf), Some(json!({"new_password": "self-service!"}))).await;
        assert_eq!(s, StatusCode::FORBIDDEN, "a customer may not reset either: {e}");
        assert_eq!(send(&t, &b1, Method::GET, "/api/v1/me", None, None).await.0, StatusCode::OK, "a refused reset ends nothing");
        let (s, e) = t.post(&t.admin_token, &format!("/api/v1/users/{id}/password"), json!({"new_password": "123"})).await;
        assert_eq!((s, e["field"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("new_password")));
        let (s, e) = t.post(&t.admin_token, "/api/v1/users/999999/password", json!({"new_password": "long enough now"})).await;
        assert_eq!(s, StatusCode::NOT_FOUND, "{e}");

        let (s, v) = t.post(&t.admin_token, &format!("/api/v1/users/{id}/password"), json!({"new_password": "重置后的新密码-0001"})).await;
        assert_eq!((s, &v["sessions_ended"]), (StatusCode::OK, &json!(2)), "{v}");
        for b in [&b1, &b2] {
            assert_eq!(send(&t, b, Method::GET, "/api/v1/me", None, None).await.0, StatusCode::UNAUTHORIZED);
        }
        assert_eq!(try_login(&t, "forgot.it", PW).await.0, StatusCode::UNAUTHORIZED);
        assert_eq!(try_login(&t, "forgot.it", "重置后的新密码-0001").await.0, StatusCode::OK);

        let resets = audit(&t, "password_reset").await;
        assert!(resets.iter().any(|e| e["object_id"] == id && details(e)["sessions_ended"] == 2), "{resets:?}");
        let denied = audit(&t, "access_denied").await;
        assert!(denied.iter().any(|e| e["actor_id"] == agent_id && details(e)["path"] == format!("/api/v1/users/{id}/password")), "{denied:?}");
        assert!(denied.iter().any(|e| e["actor_id"] == id), "the customer's denial too");
    }

    async fn a_tampered_or_unknown_cookie_is_refused(t: TestApp) {
        user_with_password(&t, "tamper.user", "agent").await;
        let b = login(&t, "tamper.user", PW).await;
        let value = b.cookie.trim_start_matches("fuwu_session=").to_owned();
        let flipped = format!("{}{}", if value.starts_with('0') { '1' } else { '0' }, &value[1..]);
        for bad in [flipped, format!("{value}00"), "not-a-session".to_owned(), String::new(), value.to_uppercase()] {
            let fake = Browser { cookie: format!("fuwu_session={bad}"), ..b.clone() };
            let (s, e) = send(&t, &fake, Method::GET, "/api/v1/me", None, None).await;
            assert_eq!((s, TestApp::code(&e)), (StatusCode::UNAUTHORIZED, "unauthenticated"), "{bad}: {e}");
            let (s, _) = send(&t, &fake, Method::POST, "/api/v1/organizations", Some(&b.csrf), Some(json!({"name": "x", "profile": "x"}))).await;
            assert_eq!(s, StatusCode::UNAUTHORIZED);
        }
        assert_eq!(send(&t, &b, Method::GET, "/api/v1/me", None, None).await.0, StatusCode::OK, "the real one still works");
        assert!(b.set_cookie.contains("HttpOnly"));
    }

    async fn deactivating_a_user_ends_their_sessions_at_once(t: TestApp) {
        let (id, _) = user_with_password(&t, "leaving.soon", "engineer").await;
        let b = login(&t, "leaving.soon", PW).await;
        assert_eq!(send(&t, &b, Method::GET, "/api/v1/me", None, None).await.0, StatusCode::OK);
        let (s, v) = t.patch(&t.admin_token, &format!("/api/v1/users/{id}"), json!({"version": 1, "active": false})).await;
        assert_eq!(s, StatusCode::OK, "{v}");
        assert_eq!(send(&t, &b, Method::GET, "/api/v1/me", None, None).await.0, StatusCode::UNAUTHORIZED);
        let (s, v) = t.patch(&t.admin_token, &format!("/api/v1/users/{id}"), json!({"version": 2, "active": true})).await;
        assert_eq!(s, StatusCode::OK, "{v}");
        assert_eq!(send(&t, &b, Method::GET, "/api/v1/me", None, None).await.0, StatusCode::UNAUTHORIZED, "the ended session stays ended");
        assert_eq!(try_login(&t, "leaving.soon", PW).await.0, StatusCode::OK);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_cookie_is_secure_when_the_server_is_configured_for_https() {
    let settings = fuwu_app::Settings {
        cookie_secure: true,
        ..fuwu_app::Settings::default()
    };
    let t = TestApp::spawn_with(fuwu_store::Engine::Sqlite, settings)
        .await
        .unwrap();
    user_with_password(&t, "tls.user", "agent").await;
    let b = login(&t, "tls.user", PW).await;
    assert!(
        b.set_cookie.split("; ").any(|a| a == "Secure"),
        "{}",
        b.set_cookie
    );
}

fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}
