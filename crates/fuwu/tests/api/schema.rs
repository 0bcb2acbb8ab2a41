//! Both engines' migrations produce the same tables and columns, and SQLite
//! runs durable: WAL, synchronous FULL, foreign keys on.

use crate::harness::*;
use fuwu_store::Engine;

#[test]
fn both_engines_ship_migrations_of_the_same_names() {
    let s: Vec<_> = fuwu_store::sqlite_migrations()
        .iter()
        .map(|m| m.0)
        .collect();
    let p: Vec<_> = fuwu_store::postgres_migrations()
        .iter()
        .map(|m| m.0)
        .collect();
    assert_eq!(s, p);
    assert_eq!(s, fuwu_store::MIGRATION_NAMES);
    let on_disk = |dir: &str| {
        let mut names: Vec<String> = std::fs::read_dir(format!(
            "{}/../../migrations/{dir}",
            env!("CARGO_MANIFEST_DIR")
        ))
        .unwrap()
        .map(|e| {
            e.unwrap()
                .file_name()
                .to_string_lossy()
                .trim_end_matches(".sql")
                .to_owned()
        })
        .collect();
        names.sort();
        names
    };
    assert_eq!(
        on_disk("sqlite"),
        on_disk("postgres"),
        "every migration file exists for both engines"
    );
    assert_eq!(on_disk("sqlite"), s, "every migration file is embedded");
}

/// The full-text index (`search_*`) is the one part of the schema where the
/// engines differ: FTS5 tables (and their shadow tables) on SQLite,
/// `tsvector` columns on PostgreSQL. Both must have one per indexed kind.
fn split_search(cols: Vec<(String, String)>) -> (Vec<(String, String)>, Vec<String>) {
    let (search, rest): (Vec<_>, Vec<_>) = cols
        .into_iter()
        .partition(|(t, _)| t.starts_with("search_"));
    let mut tables: Vec<String> = search
        .into_iter()
        .map(|(t, _)| t)
        .filter(|t| t == "search_requests" || t == "search_articles")
        .collect();
    tables.dedup();
    (rest, tables)
}

#[tokio::test]
async fn both_engines_have_the_same_tables_and_columns() {
    let sqlite = fresh_db(Engine::Sqlite)
        .await
        .unwrap()
        .schema_columns()
        .await
        .unwrap();
    assert!(sqlite.contains(&("requests".into(), "level".into())));
    let (sqlite, sqlite_search) = split_search(sqlite);
    assert_eq!(sqlite_search, ["search_articles", "search_requests"]);
    let Some(pg) = fresh_db(Engine::Postgres).await else {
        return;
    };
    let (pg, pg_search) = split_search(pg.schema_columns().await.unwrap());
    assert_eq!(sqlite, pg);
    assert_eq!(sqlite_search, pg_search);
}

#[tokio::test]
async fn sqlite_commits_durably_with_foreign_keys() {
    let db = fresh_db(Engine::Sqlite).await.unwrap();
    let (mode, sync, fk) = db.sqlite_settings().await.unwrap().unwrap();
    assert_eq!(mode, "wal");
    // NORMAL: the writer syncs the WAL itself before it answers (checked below).
    assert_eq!(
        sync, 1,
        "synchronous must be NORMAL (1) with the writer's own WAL sync"
    );
    assert_eq!(fk, 1);
    // Every acknowledged write was preceded by a sync of the WAL: written one
    // after another, each write needs its own.
    let before = db.sqlite_wal_syncs().unwrap();
    for i in 0..5 {
        db.write(move |mut c| {
            Box::pin(async move {
                c.execute(
                    fuwu_store::query("insert into teams (name, description, created_at, updated_at) values ($1, '', 0, 0)")
                        .bind(format!("durable-{i}").as_str()),
                )
                .await
            })
        })
        .await
        .unwrap();
        let after = db.sqlite_wal_syncs().unwrap();
        assert!(
            after > before + i,
            "write {i} was acknowledged without a WAL sync ({before} → {after})"
        );
    }
    let wal = db.sqlite_wal_syncs().unwrap();
    assert!(wal >= before + 5);
}

#[tokio::test]
async fn migrations_run_once_and_a_reopen_keeps_the_data() {
    let dir = std::env::temp_dir().join(format!("fuwu-reopen-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let loc = fuwu_store::Location::SqliteFolder(dir.clone());
    let db = fuwu_store::Db::open(&loc, T0).await.unwrap();
    let app = fuwu_app::App::new(
        db.clone(),
        std::sync::Arc::new(fuwu_app::ManualClock::at(T0)),
        Default::default(),
    );
    app.create_user_bootstrap(fuwu_store::directory::UserFields {
        username: "keeper".into(),
        display_name: "k".into(),
        email: None,
        phone: None,
        role: "admin".into(),
        organization_id: None,
        contact_id: None,
        team_id: None,
        active: true,
    })
    .await
    .unwrap();
    db.close().await;
    let db = fuwu_store::Db::open(&loc, T0).await.unwrap();
    let n = db
        .read(|mut c| {
            Box::pin(
                async move { fuwu_store::directory::get_user_by_username(&mut c, "keeper").await },
            )
        })
        .await;
    assert!(
        n.is_ok(),
        "the acknowledged write survived closing and reopening"
    );
}

fn organization_named(name: String) -> fuwu_store::directory::OrganizationFields {
    fuwu_store::directory::OrganizationFields {
        name,
        short_name: None,
        industry: None,
        address: None,
        phone: None,
        profile: String::new(),
        support_needs: String::new(),
        notes: String::new(),
    }
}

async fn add_organization(db: &fuwu_store::Db, name: String) {
    db.write(move |mut c| {
        Box::pin(async move {
            fuwu_store::directory::insert_organization(&mut c, &organization_named(name), T0).await
        })
    })
    .await
    .unwrap();
}

async fn organization_names(db: &fuwu_store::Db) -> Vec<String> {
    let mut names: Vec<String> = db
        .read(|mut c| {
            Box::pin(async move {
                fuwu_store::directory::list_organizations(&mut c, 0, 1000, None, Default::default())
                    .await
            })
        })
        .await
        .unwrap()
        .into_iter()
        .map(|o| o.name)
        .collect();
    names.sort();
    names
}

/// The zeros a server gives the WAL ahead of its writes change nothing
/// SQLite reads: writes before and after them survive a crash (the files
/// copied while the server runs, as a power cut would leave them, recovered
/// from the WAL) and a clean close.
#[tokio::test]
async fn a_preallocated_wal_loses_no_acknowledged_write() {
    let base = std::env::temp_dir().join(format!("fuwu-walzero-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&base);
    let (live, crashed) = (base.join("live"), base.join("crashed"));
    let db = fuwu_store::Db::open(&fuwu_store::Location::SqliteFolder(live.clone()), T0)
        .await
        .unwrap();
    for i in 0..20 {
        add_organization(&db, format!("before {i:03}")).await;
    }
    db.preallocate_wal().await;
    let wal_len = std::fs::metadata(live.join("fuwu.db-wal")).unwrap().len();
    assert!(wal_len >= 48 << 20, "the WAL has {wal_len} bytes");
    for i in 0..300 {
        add_organization(&db, format!("after {i:03}")).await;
    }
    let mut expected: Vec<String> = (0..20)
        .map(|i| format!("before {i:03}"))
        .chain((0..300).map(|i| format!("after {i:03}")))
        .collect();
    expected.sort();
    // What a power cut leaves: the database and its WAL, no shared memory.
    std::fs::create_dir_all(&crashed).unwrap();
    for f in ["fuwu.db", "fuwu.db-wal"] {
        std::fs::copy(live.join(f), crashed.join(f)).unwrap();
    }
    let recovered = fuwu_store::Db::open(&fuwu_store::Location::SqliteFolder(crashed), T0)
        .await
        .unwrap();
    assert_eq!(organization_names(&recovered).await, expected);
    recovered.close().await;
    db.close().await;
    let reopened = fuwu_store::Db::open(&fuwu_store::Location::SqliteFolder(live), T0)
        .await
        .unwrap();
    assert_eq!(organization_names(&reopened).await, expected);
    reopened.close().await;
    let _ = std::fs::remove_dir_all(&base);
}

/// Writes that queue up together share a commit, but each keeps its own fate:
/// a failing call undoes only its own work, whatever its neighbours did.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn grouped_writes_succeed_or_fail_one_by_one() {
    for engine in [Engine::Sqlite, Engine::Postgres] {
        let Some(db) = fresh_db(engine).await else {
            continue;
        };
        let mut calls = Vec::new();
        for i in 0..40 {
            let db = db.clone();
            calls.push(tokio::spawn(async move {
                db.write(move |mut c| {
                    Box::pin(async move {
                        let f = organization_named(format!("org {i}"));
                        fuwu_store::directory::insert_organization(&mut c, &f, T0).await?;
                        if i % 3 == 0 {
                            // Fails after writing: its insert must be undone.
                            return Err(fuwu_store::StoreError::Config(format!(
                                "call {i} gives up"
                            )));
                        }
                        Ok(i)
                    })
                })
                .await
            }));
        }
        let mut ok = Vec::new();
        for (i, call) in calls.into_iter().enumerate() {
            match call.await.unwrap() {
                Ok(v) => ok.push(v),
                Err(e) => assert!(i % 3 == 0 && e.to_string().contains("gives up"), "{i}: {e}"),
            }
        }
        assert_eq!(ok, (0..40).filter(|i| i % 3 != 0).collect::<Vec<_>>());
        let mut expected: Vec<String> = (0..40)
            .filter(|i| i % 3 != 0)
            .map(|i| format!("org {i}"))
            .collect();
        expected.sort();
        let got = organization_names(&db).await;
        assert_eq!(got, expected, "{engine:?}");
    }
}

/// A write is all or nothing on both engines: an error after a successful
/// statement leaves nothing behind, and the next write on the same pool works.
#[tokio::test]
async fn a_failed_write_leaves_nothing_behind() {
    for engine in [Engine::Sqlite, Engine::Postgres] {
        let Some(db) = fresh_db(engine).await else {
            continue;
        };
        let insert = |name: &'static str, fail: bool| {
            db.write(move |mut c| {
                Box::pin(async move {
                    c.execute(
                        fuwu_store::query(
                            "insert into teams (name, description, created_at, updated_at) values ($1, '', 0, 0)",
                        )
                        .bind(name),
                    )
                    .await?;
                    if fail {
                        return Err(fuwu_store::StoreError::Invalid {
                            constraint: "test".into(),
                        });
                    }
                    Ok(())
                })
            })
        };
        assert!(insert("undone", true).await.is_err());
        insert("kept", false).await.unwrap();
        let names: Vec<(String,)> = db
            .read(|mut c| {
                Box::pin(async move {
                    c.fetch_all(fuwu_store::query(
                        "select name from teams where name in ('undone', 'kept') order by name",
                    ))
                    .await
                })
            })
            .await
            .unwrap();
        assert_eq!(names, vec![("kept".to_owned(),)], "{engine:?}");
    }
}

async fn recorded_checksums(db: &fuwu_store::Db) -> Vec<(String, Option<String>)> {
    db.read(|mut c| {
        Box::pin(async move {
            c.fetch_all(fuwu_store::query(
                "select name, checksum from schema_migrations order by name",
            ))
            .await
        })
    })
    .await
    .unwrap()
}

async fn run_sql(db: &fuwu_store::Db, sql: &'static str) {
    db.write(move |mut c| Box::pin(async move { c.execute(fuwu_store::query(sql)).await }))
        .await
        .unwrap();
}

#[tokio::test]
async fn an_applied_migration_edited_afterwards_is_refused_at_start() {
    for engine in [Engine::Sqlite, Engine::Postgres] {
        let Some((db, location)) = fresh_db_at(engine).await else {
            continue;
        };
        let embedded = match engine {
            Engine::Sqlite => fuwu_store::sqlite_migrations(),
            Engine::Postgres => fuwu_store::postgres_migrations(),
        };
        let expected: Vec<(String, Option<String>)> = embedded
            .iter()
            .map(|(name, sql)| {
                (
                    (*name).to_owned(),
                    Some(fuwu_store::migration_checksum(sql)),
                )
            })
            .collect();
        assert_eq!(recorded_checksums(&db).await, expected, "{engine:?}");

        // A database migrated before checksums were kept gets them at its next start.
        run_sql(&db, "update schema_migrations set checksum = null").await;
        db.close().await;
        let db = fuwu_store::Db::open(&location, T0).await.unwrap();
        assert_eq!(recorded_checksums(&db).await, expected, "{engine:?}");

        // What an edited file looks like to the database: another checksum.
        run_sql(
            &db,
            "update schema_migrations set checksum = 'edited' where name = '0007_kb'",
        )
        .await;
        db.close().await;
        let Err(e) = fuwu_store::Db::open(&location, T0).await else {
            panic!("{engine:?}: an edited migration was accepted");
        };
        let e = e.to_string();
        assert!(
            e.contains("migration 0007_kb was changed after it was applied"),
            "{engine:?}: {e}"
        );
    }
}
