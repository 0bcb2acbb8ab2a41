//! Errors that tell the truth: a database failure is never a validation
//! error; a lost deadlock is run again; what still fails is 503 `unavailable`
//! with `Retry-After`. Real faults, provoked on a real PostgreSQL.

use crate::both_engines;
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

/// 150 imports, 12 at a time, into a fresh database while the indexer runs:
/// returns the imports' failures, the indexer's, and the database's deadlocks.
async fn fresh_load(t: &TestApp) -> (Vec<String>, Vec<String>, i64) {
    let (org, _) = t.organization("海淀区教委", "2026-01-05").await;
    let (name, admin) = pg_admin(&t.location).await;
    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let indexer = {
        let (app, stop) = (t.app.clone(), stop.clone());
        tokio::spawn(async move {
            let mut failures = Vec::new();
            while !stop.load(Ordering::SeqCst) {
                if let Err(e) = app.drain_search_queue().await {
                    failures.push(e.to_string());
                }
                tokio::time::sleep(Duration::from_millis(5)).await;
            }
            failures
        })
    };
    let gate = Arc::new(tokio::sync::Semaphore::new(12));
    let mut imports = tokio::task::JoinSet::new();
    for i in 0..150 {
        let body = json!({
            "external_ref": format!("OTRS-{i}"), "organization_id": org,
            "channel": "phone", "category": "fault", "impact": "partial", "urgency": "medium",
            "title": format!("核心交换机故障 {i}"), "created_at": fuwu_store::ser::rfc3339(T0 - 3_600_000),
            "events": [{"at": fuwu_store::ser::rfc3339(T0 - 3_000_000), "type": "acknowledged"},
                       {"at": fuwu_store::ser::rfc3339(T0 - 2_000_000), "type": "message", "visibility": "public", "body": "已派工程师"}],
        });
        let (http, base, token) = (t.http.clone(), t.base.clone(), t.admin_token.clone());
        let gate = gate.clone();
        imports.spawn(async move {
            let _turn = gate.acquire_owned().await.expect("gate");
            let r = http
                .post(format!("{base}/api/v1/requests/import"))
                .bearer_auth(token)
                .json(&body)
                .send()
                .await
                .expect("http");
            let status = r.status();
            let text = r.text().await.expect("body");
            (status != StatusCode::CREATED).then(|| format!("{status} {text}"))
        });
    }
    let failed: Vec<String> = imports.join_all().await.into_iter().flatten().collect();
    stop.store(true, Ordering::SeqCst);
    let index_failed = indexer.await.expect("indexer");
    (failed, index_failed, deadlocks(&admin, &name).await)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fresh_databases_take_a_load_of_concurrent_imports_while_indexing() {
    for _ in 0..3 {
        let Some(t) = TestApp::spawn(Engine::Postgres).await else {
            return;
        };
        let (failed, index_failed, deadlocks) = fresh_load(&t).await;
        assert!(
            failed.is_empty(),
            "{} imports failed: {failed:?}",
            failed.len()
        );
        assert!(index_failed.is_empty(), "indexing failed: {index_failed:?}");
        assert_eq!(deadlocks, 0, "no write waited on a partition being made");
        t.app.drain_search_queue().await.expect("the rest indexed");
        // Every request's index row is in the partition made at migration time.
        let Location::Postgres(url) = &t.location else {
            unreachable!()
        };
        let c = fuwu_store::pg::connect(url).await.expect("connect");
        let count = |table: &'static str| {
            let c = &c;
            async move {
                let n: i64 = c
                    .query_one(&format!("select count(*) from {table}"), &[])
                    .await
                    .expect("count")
                    .get(0);
                n
            }
        };
        assert_eq!(count("search_requests_p0").await, 150);
        assert_eq!(count("search_requests_default").await, 0);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn making_a_partition_never_waits_for_another_maker_or_for_long_for_a_lock() {
    let Some((db, location)) = fresh_db_at(Engine::Postgres).await else {
        return;
    };
    let Location::Postgres(url) = &location else {
        unreachable!()
    };
    let ensure = |id: i64| {
        db.write(move |mut c| {
            Box::pin(async move { fuwu_store::search::ensure_partitions(&mut c, id).await })
        })
    };
    // Migration made partitions 0 and 1: ids up to 131,071 have one beyond theirs.
    assert_eq!(ensure(1).await.expect("ensure"), (1 << 17) - 1);
    let other = fuwu_store::pg::connect(url).await.expect("other session");
    // Another maker is at it: this one does not wait for it.
    other
        .batch_execute("begin; select pg_advisory_xact_lock(7235473)")
        .await
        .expect("lock");
    let started = std::time::Instant::now();
    assert_eq!(ensure(200_000).await.expect("ensure"), i64::MIN);
    other.batch_execute("rollback").await.expect("rollback");
    // A search holds the default partition: the maker gives up within 200 ms.
    other
        .batch_execute("begin; lock table search_requests_default in access share mode")
        .await
        .expect("lock");
    assert_eq!(ensure(200_000).await.expect("ensure"), i64::MIN);
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "{:?}",
        started.elapsed()
    );
    other.batch_execute("rollback").await.expect("rollback");
    // Free: partition 2 is made.
    assert_eq!(ensure(200_000).await.expect("ensure"), (2 << 17) - 1);
}

both_engines! {
    async fn an_early_auto_close_names_its_due_time_in_china_time(t: TestApp) {
        let (org, _) = t.organization("自动关闭单位", "2025-06-01").await;
        let rid = t.request(org, "无人反馈的请求").await["id"].as_i64().expect("id");
        for (a, b) in [("acknowledge", json!({})), ("respond", json!({"mode": "phone", "plan": "电话指导"})), ("resolve", json!({"resolution": "已指导"}))] {
            t.ok(&t.admin_token, &format!("/api/v1/requests/{rid}/{a}"), b).await;
        }
        let (s, v) = t.post(&t.admin_token, &format!("/api/v1/requests/{rid}/close"), json!({"basis": "auto_close"})).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
        let message = v["message"].as_str().expect("message");
        let due = message
            .strip_prefix("auto-close is not due before ")
            .unwrap_or_else(|| panic!("{message}"));
        // RFC 3339 in Asia/Shanghai, to the second; the same instant the policy sets.
        assert!(due.ends_with("+08:00") && due.len() == 25, "{message}");
        let due: i64 = due.parse::<jiff::Timestamp>().expect("RFC 3339").as_millisecond();
        let (_, r) = t.get(&t.admin_token, &format!("/api/v1/requests/{rid}")).await;
        let resolved: i64 = r["resolved_at"].as_str().expect("resolved_at").parse::<jiff::Timestamp>().expect("RFC 3339").as_millisecond();
        assert!(due > resolved && due <= resolved + 30 * 86_400_000, "{message}");
        assert!(!message.contains("Timestamp("), "{message}");
    }
}
