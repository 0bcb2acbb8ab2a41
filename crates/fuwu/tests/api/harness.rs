use fuwu_app::{App, ManualClock, Settings};
use fuwu_store::directory::UserFields;
use fuwu_store::{Db, Engine, Location};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

/// 2026-11-20T10:00:00+08:00, a Friday morning in Beijing.
pub const T0: i64 = 1_795_140_000_000;

static COUNTER: AtomicUsize = AtomicUsize::new(0);
static CLEANED: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// Seconds since the epoch when this test process started, part of its database names.
fn started() -> u64 {
    static STARTED: std::sync::OnceLock<u64> = std::sync::OnceLock::new();
    *STARTED.get_or_init(|| {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs())
    })
}

/// Test databases of runs that started over an hour ago are dropped once per
/// run, so repeated CI runs do not fill the disk, while a run going on beside
/// this one keeps its own.
use fuwu_store::pg::tokio_postgres::Client as PgClient;

async fn drop_stale_test_databases(c: &PgClient) {
    let names: Vec<String> = c
        .query(
            "select datname::text from pg_database where datname like 'fuwu_test_%'",
            &[],
        )
        .await
        .map(|rows| rows.iter().map(|r| r.get(0)).collect())
        .unwrap_or_default();
    let cutoff = started().saturating_sub(3600);
    for name in names {
        let born = name
            .trim_start_matches("fuwu_test_")
            .split('_')
            .next()
            .and_then(|t| t.parse::<u64>().ok());
        // Names without a start time come from older harness versions: stale as well.
        if born.is_none_or(|b| b < cutoff) {
            let _ = c
                .batch_execute(&format!("drop database if exists {name} with (force)"))
                .await;
        }
    }
}

pub fn pg_admin_url() -> String {
    std::env::var("FUWU_TEST_PG_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into())
}

/// Generate one test per engine: `name::sqlite` and `name::postgres`.
#[macro_export]
macro_rules! both_engines {
    ($(async fn $name:ident($t:ident: TestApp) $body:block)+) => {
        $(
            mod $name {
                use super::*;
                async fn body($t: TestApp) $body
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn sqlite() {
                    body(TestApp::spawn(fuwu_store::Engine::Sqlite).await.expect("sqlite")).await
                }
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn postgres() {
                    if let Some(t) = TestApp::spawn(fuwu_store::Engine::Postgres).await {
                        body(t).await
                    }
                }
            }
        )+
    };
}

pub struct TestApp {
    pub base: String,
    pub http: reqwest::Client,
    pub admin_token: String,
    pub clock: ManualClock,
    pub app: App,
    /// Where the database is, for a second node on it.
    pub location: Location,
}

/// Open a fresh database of this engine, or `None` (said loudly) when PostgreSQL is not reachable.
pub async fn fresh_db(engine: Engine) -> Option<Db> {
    fresh_db_at(engine).await.map(|(db, _)| db)
}

/// [`fresh_db`] and where it is.
pub async fn fresh_db_at(engine: Engine) -> Option<(Db, Location)> {
    let n = COUNTER.fetch_add(1, Ordering::SeqCst);
    let pid = std::process::id();
    let location = match engine {
        Engine::Sqlite => {
            let dir = std::env::temp_dir().join(format!("fuwu-test-{pid}-{n}"));
            let _ = std::fs::remove_dir_all(&dir);
            Location::SqliteFolder(dir)
        }
        Engine::Postgres => {
            let admin = pg_admin_url();
            let name = format!("fuwu_test_{}_{pid}_{n}", started());
            match fuwu_store::pg::connect(&admin).await {
                Ok(c) => {
                    if !CLEANED.swap(true, Ordering::SeqCst) {
                        drop_stale_test_databases(&c).await;
                    }
                    c.batch_execute(&format!("drop database if exists {name}"))
                        .await
                        .expect("drop test database");
                    c.batch_execute(&format!("create database {name}"))
                        .await
                        .expect("create test database");
                }
                Err(e) => {
                    if std::env::var("FUWU_TEST_REQUIRE_PG").is_ok_and(|v| v == "1") {
                        panic!(
                            "PostgreSQL is required (FUWU_TEST_REQUIRE_PG=1) but {admin} is unreachable: {e}"
                        );
                    }
                    eprintln!(
                        "\n!!!!!!!! SKIPPING the PostgreSQL suite: {admin} is unreachable ({e}) !!!!!!!!\n"
                    );
                    return None;
                }
            }
            let base = admin
                .rsplit_once('/')
                .map_or(admin.as_str(), |(b, _)| b)
                .to_owned();
            Location::Postgres(format!("{base}/{name}"))
        }
    };
    let db = Db::open(&location, T0).await.expect("open test database");
    Some((db, location))
}

impl TestApp {
    pub async fn spawn(engine: Engine) -> Option<TestApp> {
        Self::spawn_with(
            engine,
            Settings {
                max_attachment_bytes: 64 * 1024,
                ..Settings::default()
            },
        )
        .await
    }

    pub async fn spawn_with(engine: Engine, settings: Settings) -> Option<TestApp> {
        let (db, location) = fresh_db_at(engine).await?;
        let clock = ManualClock::at(T0);
        let app = App::new(db.clone(), Arc::new(clock.clone()), settings);
        let admin_user = app
            .create_user_bootstrap(UserFields {
                username: "admin".into(),
                display_name: "管理员".into(),
                email: None,
                phone: None,
                role: "admin".into(),
                organization_id: None,
                contact_id: None,
                team_id: None,
                active: true,
            })
            .await
            .expect("admin");
        let admin_token = app
            .issue_token(admin_user.id, "test", "admin", None)
            .await
            .expect("token");
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let addr = listener.local_addr().expect("addr");
        let router = fuwu_web::router(app.clone())
            .into_make_service_with_connect_info::<std::net::SocketAddr>();
        tokio::spawn(async move { axum::serve(listener, router).await });
        Some(TestApp {
            base: format!("http://{addr}"),
            http: reqwest::Client::new(),
            admin_token,
            clock,
            app,
            location,
        })
    }

    /// Send a JSON request as the holder of `token`; returns status and parsed body.
    pub async fn call(
        &self,
        token: &str,
        method: Method,
        path: &str,
        body: Option<Value>,
    ) -> (StatusCode, Value) {
        let mut req = self
            .http
            .request(method, format!("{}{}", self.base, path))
            .bearer_auth(token);
        if let Some(b) = body {
            req = req.json(&b);
        }
        let resp = req.send().await.expect("http");
        let status = resp.status();
        let text = resp.text().await.expect("body");
        (
            status,
            serde_json::from_str(&text).unwrap_or(Value::String(text)),
        )
    }

    /// POST an HTML form (the object's fields, as text) as the holder of `token`;
    /// redirects are not followed.
    pub async fn call_form(
        &self,
        token: &str,
        path: &str,
        fields: Option<Value>,
    ) -> (StatusCode, Value) {
        let body = fields
            .as_ref()
            .and_then(Value::as_object)
            .map(|o| {
                o.iter()
                    .map(|(k, v)| {
                        let v = v.as_str().map_or_else(|| v.to_string(), str::to_owned);
                        let enc: String = v
                            .bytes()
                            .map(|b| match b {
                                b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' => {
                                    (b as char).to_string()
                                }
                                _ => format!("%{b:02X}"),
                            })
                            .collect();
                        format!("{k}={enc}")
                    })
                    .collect::<Vec<_>>()
                    .join("&")
            })
            .unwrap_or_default();
        // A page answers a done form with 303 to the next page: judge the POST itself.
        let resp = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("client")
            .post(format!("{}{}", self.base, path))
            .bearer_auth(token)
            .header("content-type", "application/x-www-form-urlencoded")
            .body(body)
            .send()
            .await
            .expect("http");
        let status = resp.status();
        let text = resp.text().await.expect("body");
        (
            status,
            serde_json::from_str(&text).unwrap_or(Value::String(text)),
        )
    }

    pub async fn get(&self, token: &str, path: &str) -> (StatusCode, Value) {
        self.call(token, Method::GET, path, None).await
    }

    pub async fn post(&self, token: &str, path: &str, body: Value) -> (StatusCode, Value) {
        self.call(token, Method::POST, path, Some(body)).await
    }

    pub async fn patch(&self, token: &str, path: &str, body: Value) -> (StatusCode, Value) {
        self.call(token, Method::PATCH, path, Some(body)).await
    }

    /// POST that must succeed; returns the body.
    pub async fn ok(&self, token: &str, path: &str, body: Value) -> Value {
        let (s, v) = self.post(token, path, body).await;
        assert!(s.is_success(), "POST {path} → {s}: {v}");
        v
    }

    /// A user of `role` (in `org` for customers) and a write token for them.
    pub async fn user(&self, username: &str, role: &str, org: Option<i64>) -> (i64, String) {
        let u = self
            .ok(&self.admin_token, "/api/v1/users", json!({"username": username, "display_name": username, "role": role, "organization_id": org}))
            .await;
        let id = u["id"].as_i64().expect("user id");
        let scope = if role == "admin" { "admin" } else { "write" };
        (
            id,
            self.app
                .issue_token(id, "test", scope, None)
                .await
                .expect("token"),
        )
    }

    /// An organization with a contract accepted on `accepted_on`; returns (org id, contract id).
    pub async fn organization(&self, name: &str, accepted_on: &str) -> (i64, i64) {
        let o = self
            .ok(
                &self.admin_token,
                "/api/v1/organizations",
                json!({"name": name, "profile": "测试用户"}),
            )
            .await;
        let org = o["id"].as_i64().unwrap();
        let k = self
            .ok(&self.admin_token, "/api/v1/contracts", json!({"organization_id": org, "code": format!("HT-{name}"), "name": "运维服务合同", "accepted_on": accepted_on}))
            .await;
        (org, k["id"].as_i64().unwrap())
    }

    /// A new fault request of `org`, created by the admin on the phone.
    pub async fn request(&self, org: i64, title: &str) -> Value {
        self.ok(
            &self.admin_token,
            "/api/v1/requests",
            json!({"channel": "phone", "category": "fault", "impact": "partial", "urgency": "medium", "title": title, "organization_id": org}),
        )
        .await
    }

    /// Acknowledge a new request and dispatch it at `tier` to `assignee` (as the admin).
    pub async fn hand_to(&self, request_id: i64, tier: &str, assignee: i64) -> Value {
        self.ok(
            &self.admin_token,
            &format!("/api/v1/requests/{request_id}/acknowledge"),
            json!({}),
        )
        .await;
        self.ok(
            &self.admin_token,
            &format!("/api/v1/requests/{request_id}/dispatch"),
            json!({"tier": tier, "assignee_id": assignee}),
        )
        .await
    }

    pub fn code(body: &Value) -> &str {
        body["code"].as_str().unwrap_or("")
    }
}
