//! Errors that tell the truth: a database failure is never a validation
//! error; a lost deadlock is run again; what still fails is 503 `unavailable`
//! with `Retry-After`. Real faults, provoked on a real PostgreSQL.

use crate::harness::*;
use fuwu_store::pg::tokio_postgres::Client as PgClient;
use fuwu_store::{Engine, Location, StoreError, query};
use reqwest::StatusCode;
use serde_json::json;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

/// The test database's name and a connection to the server's admin database.
async fn pg_admin(location: &Location) -> (String, PgClient) {
    let Location::Postgres(url) = location else {
        panic!("a PostgreSQL test")
    };
    let name = url.rsplit('/').next().expect("a database name").to_owned();
    let admin = fuwu_store::pg::connect(&pg_admin_url())
        .await
        .expect("admin connection");
    (name, admin)
}

/// Wait until a backend of database `db` other than `except` waits for a lock.
async fn until_waiting_for_a_lock(admin: &PgClient, db: &str, except: i32) {
    for _ in 0..1000 {
        let n: i64 = admin
            .query_one(
                "select count(*) from pg_stat_activity where datname = $1 and pid <> $2 and wait_event_type = 'Lock'",
                &[&db, &except],
            )
            .await
            .expect("pg_stat_activity")
            .get(0);
        if n > 0 {
            return;
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    panic!("nothing came to wait for a lock");
}

async fn deadlocks(admin: &PgClient, db: &str) -> i64 {
    admin
        .query_one(
            "select deadlocks from pg_stat_database where datname = $1",
            &[&db],
        )
        .await
        .expect("pg_stat_database")
        .get(0)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_writes_that_deadlock_both_succeed_the_loser_run_again() {
    let Some((db, location)) = fresh_db_at(Engine::Postgres).await else {
        return;
    };
    let (name, admin) = pg_admin(&location).await;
    db.write(|mut c| {
        Box::pin(async move {
            c.execute_script(
                "create table deadlock_probe (id int8 primary key, v int8 not null);
                 insert into deadlock_probe values (1, 0), (2, 0)",
            )
            .await
        })
    })
    .await
    .expect("probe table");
    // Each write locks one row, waits for the other to lock the other row
    // (on its first run only), then wants the other's row: a real deadlock,
    // which PostgreSQL resolves by rolling one of them back (40P01).
    let met = Arc::new(tokio::sync::Barrier::new(2));
    let runs = Arc::new(AtomicUsize::new(0));
    let write = |first: i64, second: i64| {
        let (db, met, runs) = (db.clone(), met.clone(), runs.clone());
        async move {
            db.write(move |mut c| {
                Box::pin(async move {
                    let run = runs.fetch_add(1, Ordering::SeqCst);
                    let bump = "update deadlock_probe set v = v + 1 where id = $1";
                    c.execute(query(bump).bind(first)).await?;
                    if run < 2 {
                        met.wait().await;
                    }
                    c.execute(query(bump).bind(second)).await?;
                    Ok::<_, StoreError>(())
                })
            })
            .await
        }
    };
    let before = deadlocks(&admin, &name).await;
    let (a, b) = tokio::join!(write(1, 2), write(2, 1));
    a.expect("the first write");
    b.expect("the second write");
    assert_eq!(runs.load(Ordering::SeqCst), 3, "the loser ran once more");
    assert!(deadlocks(&admin, &name).await > before, "a real deadlock");
    let rows: Vec<(i64, i64)> = db
        .read(|mut c| {
            Box::pin(async move {
                c.fetch_all(query("select id, v from deadlock_probe order by id"))
                    .await
            })
        })
        .await
        .expect("probe rows");
    assert_eq!(rows, vec![(1, 2), (2, 2)], "each write counted once");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_import_that_loses_a_deadlock_is_run_again_and_succeeds() {
    let Some(t) = TestApp::spawn(Engine::Postgres).await else {
        return;
    };
    let (org, _) = t.organization("海淀区教委", "2026-01-05").await;
    let (name, admin) = pg_admin(&t.location).await;
    let Location::Postgres(url) = &t.location else {
        unreachable!()
    };
    // Another session locks the organization's row, so the import's insert
    // of the request (its foreign key) waits for it; then that session wants
    // the requests table, which the waiting import holds: a deadlock. The
    // other session checks for deadlocks late, so the import is the one
    // PostgreSQL rolls back.
    let other = fuwu_store::pg::connect(url).await.expect("other session");
    other
        .batch_execute("set deadlock_timeout = '10s'; begin")
        .await
        .expect("begin");
    other
        .execute(
            "select id from organizations where id = $1 for update",
            &[&org],
        )
        .await
        .expect("lock the organization");
    let other_pid: i32 = other
        .query_one("select pg_backend_pid()", &[])
        .await
        .expect("pid")
        .get(0);
    let before = deadlocks(&admin, &name).await;
    let body = json!({
        "external_ref": "OTRS-DEADLOCK-1", "organization_id": org,
        "channel": "phone", "category": "fault", "impact": "partial", "urgency": "medium",
        "title": "核心交换机故障", "created_at": fuwu_store::ser::rfc3339(T0 - 3_600_000),
        "events": [{"at": fuwu_store::ser::rfc3339(T0 - 3_000_000), "type": "acknowledged"}],
    });
    let import = {
        let (http, base, token) = (t.http.clone(), t.base.clone(), t.admin_token.clone());
        tokio::spawn(async move {
            let r = http
                .post(format!("{base}/api/v1/requests/import"))
                .bearer_auth(token)
                .json(&body)
                .send()
                .await
                .expect("http");
            let status = r.status();
            (status, r.text().await.expect("body"))
        })
    };
    until_waiting_for_a_lock(&admin, &name, other_pid).await;
    other
        .batch_execute("lock table requests in share mode")
        .await
        .expect("the other session gets its lock once the import is rolled back");
    other.batch_execute("commit").await.expect("commit");
    let (status, text) = import.await.expect("import task");
    assert_eq!(status, StatusCode::CREATED, "{text}");
    assert!(deadlocks(&admin, &name).await > before, "a real deadlock");
    let (s, list) = t.get(&t.admin_token, "/api/v1/requests?limit=10").await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(list["items"].as_array().map(Vec::len), Some(1), "{list}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unreachable_database_answers_503_with_retry_after_and_the_desk_recovers() {
    let Some(t) = TestApp::spawn(Engine::Postgres).await else {
        return;
    };
    let (org, _) = t.organization("海淀区教委", "2026-01-05").await;
    let (name, admin) = pg_admin(&t.location).await;
    // The server refuses new connections to the database and ends the current ones.
    admin
        .batch_execute(&format!(
            "alter database {name} allow_connections false;
             select pg_terminate_backend(pid) from pg_stat_activity where datname = '{name}'"
        ))
        .await
        .expect("cut the database off");
    let send = |path: &'static str, body: Option<serde_json::Value>| {
        let req = match &body {
            Some(b) => t.http.post(format!("{}{path}", t.base)).json(b),
            None => t.http.get(format!("{}{path}", t.base)),
        };
        req.bearer_auth(&t.admin_token).send()
    };
    let create = json!({"channel": "phone", "category": "fault", "impact": "partial", "urgency": "medium", "title": "断网", "organization_id": org});
    for (path, body) in [
        ("/api/v1/requests", None),
        ("/api/v1/requests", Some(create.clone())),
    ] {
        let r = send(path, body).await.expect("http");
        assert_eq!(r.status(), StatusCode::SERVICE_UNAVAILABLE, "{path}");
        let retry = r
            .headers()
            .get("retry-after")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse::<u64>().ok());
        assert!(retry.is_some_and(|s| s > 0), "Retry-After: {retry:?}");
        let v: serde_json::Value = r.json().await.expect("json");
        assert_eq!(v["code"], "unavailable", "{v}");
        assert!(
            !v["message"].as_str().unwrap_or("").contains("terminat"),
            "the cause is logged, not sent: {v}"
        );
    }
    admin
        .batch_execute(&format!("alter database {name} allow_connections true"))
        .await
        .expect("reconnect the database");
    let r = send("/api/v1/requests", Some(create)).await.expect("http");
    assert_eq!(r.status(), StatusCode::CREATED, "the desk works again");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_locked_sqlite_database_answers_503_with_retry_after() {
    let t = TestApp::spawn(Engine::Sqlite).await.expect("sqlite");
    let (org, _) = t.organization("海淀区教委", "2026-01-05").await;
    let Location::SqliteFolder(dir) = &t.location else {
        unreachable!()
    };
    // Another process (here: another connection) holds the write lock
    // longer than the writer waits for it (10 s).
    let other = rusqlite::Connection::open(dir.join("fuwu.db")).expect("open");
    other
        .execute_batch("begin immediate")
        .expect("take the write lock");
    let r = t
        .http
        .post(format!("{}/api/v1/requests", t.base))
        .bearer_auth(&t.admin_token)
        .json(&json!({"channel": "phone", "category": "fault", "impact": "partial", "urgency": "medium", "title": "断网", "organization_id": org}))
        .send()
        .await
        .expect("http");
    assert_eq!(r.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert!(r.headers().contains_key("retry-after"));
    let v: serde_json::Value = r.json().await.expect("json");
    assert_eq!(v["code"], "unavailable", "{v}");
    other.execute_batch("rollback").expect("release");
    t.request(org, "断网").await;
}
