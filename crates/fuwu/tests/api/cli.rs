//! The `fuwu` command line: clear messages and non-zero exits for bad input.

use std::process::Command;

fn fuwu(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_fuwu"))
        .args(args)
        .env_remove("FUWU_DATABASE_URL")
        .env_remove("FUWU_PASSWORD")
        .env("FUWU_LOG", "warn")
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into(),
        String::from_utf8_lossy(&out.stderr).into(),
    )
}

fn temp(name: &str) -> String {
    let d = std::env::temp_dir().join(format!("fuwu-cli-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    d.to_string_lossy().into_owned()
}

#[test]
fn unknown_arguments_are_a_usage_error() {
    let (code, _, err) = fuwu(&["serve", "--no-such-flag"]);
    assert_eq!(code, 2);
    assert!(err.contains("--no-such-flag"), "{err}");
}

#[test]
fn migrate_then_user_create_prints_a_token_that_works_once_created() {
    let dir = temp("user");
    let (code, out, err) = fuwu(&["migrate", "--data-dir", &dir]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("migrations applied"), "{out}");
    let (code, out, err) = fuwu(&[
        "user",
        "create",
        "--username",
        "ops.admin",
        "--data-dir",
        &dir,
    ]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("API token (shown once): fuwu_"), "{out}");
    let (code, _, err) = fuwu(&[
        "user",
        "create",
        "--username",
        "ops.admin",
        "--data-dir",
        &dir,
    ]);
    assert_eq!(code, 1);
    assert!(
        err.contains("already exists"),
        "a duplicate is refused clearly: {err}"
    );
    let (code, _, err) = fuwu(&[
        "user",
        "create",
        "--username",
        "bad name!",
        "--data-dir",
        &dir,
    ]);
    assert_eq!(code, 1);
    assert!(err.contains("username"), "{err}");
}

#[test]
fn a_busy_port_is_reported() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = taken.local_addr().unwrap().to_string();
    let (code, _, err) = fuwu(&["serve", "--listen", &addr, "--data-dir", &temp("port")]);
    assert_eq!(code, 1);
    assert!(
        err.contains(&format!("cannot listen on {addr}")) && err.contains("in use"),
        "{err}"
    );
}

#[test]
fn an_unreachable_database_is_reported_without_its_password() {
    let (code, _, err) = fuwu(&[
        "migrate",
        "--database-url",
        "postgres://fuwu:secret@127.0.0.1:1/fuwu",
    ]);
    assert_eq!(code, 1);
    assert!(
        err.contains(
            "cannot open the database (PostgreSQL at postgres://fuwu:***@127.0.0.1:1/fuwu)"
        ),
        "{err}"
    );
    assert!(!err.contains("secret"));
    let (code, _, err) = fuwu(&["migrate", "--database-url", "mysql://x@y/z"]);
    assert_eq!(code, 1);
    assert!(err.contains("unsupported database URL"), "{err}");
}

#[test]
fn a_broken_config_file_is_named() {
    let dir = temp("config");
    std::fs::create_dir_all(&dir).unwrap();
    let path = format!("{dir}/fuwu.toml");
    std::fs::write(&path, "listen = 8080\n").unwrap();
    let (code, _, err) = fuwu(&["--config", &path, "migrate"]);
    assert_eq!(code, 1);
    assert!(err.contains(&path) && err.contains("not valid"), "{err}");
}

#[test]
fn demo_data_loads_into_an_empty_database_only() {
    let dir = temp("demo");
    let (code, out, err) = fuwu(&["demo", "--requests", "40", "--data-dir", &dir]);
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains("40 requests") && out.contains("admin API token: fuwu_"),
        "{out}"
    );
    let (code, _, err) = fuwu(&["demo", "--data-dir", &dir]);
    assert_eq!(code, 1);
    assert!(err.contains("already holds data"), "{err}");
    // The full-text index is rebuilt from the database, with progress.
    let (code, out, err) = fuwu(&["search", "reindex", "--data-dir", &dir]);
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains("reindexed 40 requests and 0 articles"),
        "{out}"
    );
    assert!(err.contains("40/40 (100%)"), "{err}");
}

fn fuwu_stdin(args: &[&str], input: &str) -> (i32, String, String) {
    use std::io::Write;
    let mut child = Command::new(env!("CARGO_BIN_EXE_fuwu"))
        .args(args)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into(),
        String::from_utf8_lossy(&out.stderr).into(),
    )
}

#[test]
fn calendar_deadline_keeps_a_window_end_and_skips_national_day() {
    let (code, out, err) = fuwu(&[
        "calendar",
        "deadline",
        "--calendar",
        "cn-mainland",
        "--start",
        "2025-09-30T17:00:00+08:00",
        "--duration",
        "1h",
    ]);
    assert_eq!(
        (code, out.trim()),
        (0, "2025-09-30T18:00:00+08:00"),
        "{err}"
    );
    let (code, out, err) = fuwu(&[
        "calendar",
        "deadline",
        "--calendar",
        "cn-mainland",
        "--start",
        "2025-09-30T17:30:00+08:00",
        "--duration",
        "1h",
    ]);
    assert_eq!(
        (code, out.trim()),
        (0, "2025-10-09T09:30:00+08:00"),
        "the holidays run to 10-08: {err}"
    );
    let (code, out, _) = fuwu(&[
        "calendar",
        "deadline",
        "--calendar",
        "24x7",
        "--start",
        "2025-09-30T17:30:00+08:00",
        "--duration",
        "1d",
    ]);
    assert_eq!((code, out.trim()), (0, "2025-10-01T09:30:00+00:00"));
}

#[test]
fn calendar_deadline_reads_lines_and_names_the_bad_one() {
    let input = "2025-09-30T11:30:00+08:00 1h\n2026-01-05T09:00:00+08:00 0m\n";
    let (code, out, err) = fuwu_stdin(
        &["calendar", "deadline", "--calendar", "cn-mainland"],
        input,
    );
    assert_eq!(code, 0, "{err}");
    assert_eq!(
        out, "2025-09-30T14:00:00+08:00\n2026-01-05T09:00:00+08:00\n",
        "the lunch break is not working time"
    );
    let (code, out, err) = fuwu_stdin(
        &["calendar", "deadline", "--calendar", "cn-mainland"],
        "2025-09-30T11:30:00+08:00 1h\n2025-09-30T11:30:00+08:00 2x\n",
    );
    assert_eq!(code, 1);
    assert_eq!(out, "2025-09-30T14:00:00+08:00\n");
    assert!(err.contains("line 2"), "{err}");
    let (code, out, err) = fuwu_stdin(
        &["calendar", "deadline", "--calendar", "cn-mainland"],
        "2019-05-01T09:00:00+08:00 1h\n2025-05-06T09:00:00+08:00 1h\n",
    );
    assert_eq!(
        code, 0,
        "a year without data is provisional, not an error: {err}"
    );
    assert_eq!(
        out, "2019-05-02T10:00:00+08:00\n2025-05-06T10:00:00+08:00\n",
        "2019's statutory 劳动节 (one day before 2025)"
    );
    assert!(
        err.contains("line 1")
            && err.contains("warning")
            && err.contains("2019")
            && !err.contains("line 2"),
        "a warning for the provisional year only: {err}"
    );
    let (code, out, err) = fuwu(&[
        "calendar",
        "deadline",
        "--calendar",
        "cn-mainland",
        "--start",
        "2026-12-31T17:00:00+08:00",
        "--duration",
        "2wd",
    ]);
    assert_eq!(
        (code, out.trim()),
        (0, "2027-01-05T17:00:00+08:00"),
        "元旦 2027 is a statutory holiday, then the weekend: {err}"
    );
    assert!(err.contains("warning") && err.contains("2027"), "{err}");
    let (code, _, err) = fuwu(&[
        "calendar",
        "deadline",
        "--calendar",
        "mars",
        "--start",
        "2025-01-01T00:00:00Z",
        "--duration",
        "1h",
    ]);
    assert_eq!(code, 1);
    assert!(
        err.contains("unknown calendar `mars`") && err.contains("cn-mainland"),
        "{err}"
    );
}

#[test]
fn calendar_show_lists_holidays_and_adjusted_working_days() {
    let (code, out, err) = fuwu(&["calendar", "show", "cn-mainland", "--year", "2025"]);
    assert_eq!(code, 0, "{err}");
    assert!(
        out.lines()
            .any(|l| l.starts_with("2025-10-08") && l.contains("holiday")),
        "{out}"
    );
    assert!(
        out.lines()
            .any(|l| l.starts_with("2025-10-11") && l.contains("Sat") && l.contains("workday")),
        "{out}"
    );
    let (code, out, err) = fuwu(&["calendar", "show", "cn-mainland", "--year", "2027"]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("provisional"), "{out}");
    assert!(
        out.lines()
            .any(|l| l.starts_with("2027-02-06") && l.contains("holiday") && l.contains("春节")),
        "{out}"
    );
    assert!(err.contains("warning") && err.contains("2027"), "{err}");
}

#[test]
fn the_demo_loads_in_a_provisional_year_and_calendar_commands_read_the_database() {
    let dir = temp("demo-2027");
    let (code, out, err) = fuwu(&[
        "demo",
        "--requests",
        "30",
        "--now",
        "2027-01-04T10:00:00+08:00",
        "--data-dir",
        &dir,
    ]);
    assert_eq!(code, 0, "the demo on 4 January 2027: {out}{err}");
    // The database's calendars: the built-in ones and an unknown name.
    let (code, out, err) = fuwu(&[
        "calendar",
        "deadline",
        "--calendar",
        "cn-mainland",
        "--start",
        "2026-12-31T17:00:00+08:00",
        "--duration",
        "2h",
        "--data-dir",
        &dir,
    ]);
    assert_eq!(
        (code, out.trim()),
        (0, "2027-01-04T10:00:00+08:00"),
        "{err}"
    );
    assert!(err.contains("warning") && err.contains("2027"), "{err}");
    let (code, _, err) = fuwu(&[
        "calendar",
        "show",
        "no-such",
        "--year",
        "2027",
        "--data-dir",
        &dir,
    ]);
    assert_eq!(code, 1);
    assert!(
        err.contains("unknown calendar `no-such`") && err.contains("cn-mainland"),
        "{err}"
    );
}

#[test]
fn tokens_are_created_listed_and_revoked_from_the_command_line() {
    let dir = temp("tokens");
    assert_eq!(
        fuwu(&["user", "create", "--username", "ops", "--data-dir", &dir]).0,
        0
    );
    let (code, out, err) = fuwu(&[
        "token",
        "create",
        "--username",
        "ops",
        "--name",
        "监控",
        "--scope",
        "read",
        "--expires-days",
        "30",
        "--data-dir",
        &dir,
    ]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("API token (shown once): fuwu_"), "{out}");
    let (code, out, _) = fuwu(&["token", "list", "--data-dir", &dir]);
    assert_eq!(code, 0);
    assert!(
        out.lines()
            .any(|l| l.contains("监控") && l.contains("active") && l.contains("read")),
        "{out}"
    );
    let id = out
        .lines()
        .find(|l| l.contains("监控"))
        .unwrap()
        .split_whitespace()
        .next()
        .unwrap()
        .to_owned();
    let (code, out, err) = fuwu(&["token", "revoke", &id, "--data-dir", &dir]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("revoked"));
    let (_, out, _) = fuwu(&["token", "list", "--username", "ops", "--data-dir", &dir]);
    assert!(
        out.lines()
            .any(|l| l.contains("监控") && l.contains("revoked")),
        "{out}"
    );
    let (code, _, err) = fuwu(&[
        "token",
        "create",
        "--username",
        "nobody",
        "--data-dir",
        &dir,
    ]);
    assert_eq!(code, 1);
    assert!(err.contains("nobody"), "{err}");
}

/// Run `fuwu` with `stdin` as its input and extra environment variables.
fn fuwu_with(args: &[&str], stdin: &str, env: &[(&str, &str)]) -> (i32, String, String) {
    use std::io::Write;
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_fuwu"));
    cmd.args(args)
        .env_remove("FUWU_DATABASE_URL")
        .env_remove("FUWU_PASSWORD")
        .env("FUWU_LOG", "warn")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped());
    for (k, v) in env {
        cmd.env(k, v);
    }
    let mut child = cmd.spawn().unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into(),
        String::from_utf8_lossy(&out.stderr).into(),
    )
}

#[tokio::test]
async fn user_create_takes_a_password_from_stdin_or_the_environment_and_stores_only_its_argon2id_hash()
 {
    let dir = temp("password");
    let args = |name: &'static str| {
        vec![
            "user",
            "create",
            "--username",
            name,
            "--role",
            "agent",
            "--password-stdin",
            "--data-dir",
        ]
    };
    let mut a = args("short.pw");
    a.push(&dir);
    let (code, _, err) = fuwu_with(&a, "short\n", &[]);
    assert_eq!(code, 1);
    assert!(err.contains("at least 10 characters"), "{err}");
    let mut a = args("stdin.pw");
    a.push(&dir);
    let (code, out, err) = fuwu_with(&a, "门禁系统-口令-2026\n", &[]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("created user stdin.pw"), "{out}");
    let (code, _, err) = fuwu_with(
        &[
            "user",
            "set-password",
            "--username",
            "env.nobody",
            "--data-dir",
            &dir,
        ],
        "",
        &[("FUWU_PASSWORD", "long enough password")],
    );
    assert_eq!(code, 1);
    assert!(err.contains("no user `env.nobody`"), "{err}");
    let (code, out, err) = fuwu_with(
        &[
            "user",
            "set-password",
            "--username",
            "short.pw",
            "--data-dir",
            &dir,
        ],
        "",
        &[],
    );
    assert_eq!(code, 1, "{out}");
    assert!(err.contains("--password-stdin or FUWU_PASSWORD"), "{err}");

    let (code, _, err) = fuwu_with(
        &[
            "user",
            "create",
            "--username",
            "env.pw",
            "--role",
            "agent",
            "--data-dir",
            &dir,
        ],
        "",
        &[("FUWU_PASSWORD", "环境变量里的密码-0001")],
    );
    assert_eq!(code, 0, "{err}");
    let db = fuwu_store::Db::open(&fuwu_store::Location::SqliteFolder(dir.clone().into()), 0)
        .await
        .unwrap();
    let (user, identities) = db
        .read(|mut c| {
            Box::pin(async move {
                let u = fuwu_store::directory::get_user_by_username(&mut c, "stdin.pw").await?;
                let ids = fuwu_store::sessions::list_identities(&mut c, u.id).await?;
                Ok::<_, fuwu_store::StoreError>((u, ids))
            })
        })
        .await
        .unwrap();
    let hash = user.password_hash.unwrap();
    assert!(hash.starts_with("$argon2id$"), "{hash}");
    assert!(!hash.contains("门禁系统"));
    assert!(
        fuwu_app::password::verify_password("门禁系统-口令-2026", &hash),
        "the line without its newline"
    );
    assert_eq!(identities.len(), 1);
    assert_eq!(identities[0].provider, "password");
    let env_user = db
        .read(|mut c| {
            Box::pin(
                async move { fuwu_store::directory::get_user_by_username(&mut c, "env.pw").await },
            )
        })
        .await
        .unwrap();
    assert!(fuwu_app::password::verify_password(
        "环境变量里的密码-0001",
        &env_user.password_hash.unwrap()
    ));
    db.close().await;
}

#[test]
fn a_mistyped_trusted_proxy_is_refused_from_the_flag_the_environment_or_the_file() {
    let dir = temp("proxies");
    let (code, _, err) = fuwu(&[
        "serve",
        "--listen",
        "127.0.0.1:0",
        "--data-dir",
        &dir,
        "--trusted-proxies",
        "10.0.0.1,10.0.0.0/33",
    ]);
    assert_eq!(code, 1);
    assert!(
        err.contains("trusted proxies") && err.contains("10.0.0.0/33"),
        "{err}"
    );
    let out = Command::new(env!("CARGO_BIN_EXE_fuwu"))
        .args(["serve", "--listen", "127.0.0.1:0", "--data-dir", &dir])
        .env("FUWU_TRUSTED_PROXIES", "proxy.local")
        .env_remove("FUWU_DATABASE_URL")
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1));
    assert!(err.contains("`proxy.local` is not an IP address"), "{err}");
    std::fs::create_dir_all(&dir).unwrap();
    let path = format!("{dir}/fuwu.toml");
    std::fs::write(&path, "trusted_proxies = [\"::1\", \"fd00::/200\"]\n").unwrap();
    let (code, _, err) = fuwu(&[
        "--config",
        &path,
        "serve",
        "--listen",
        "127.0.0.1:0",
        "--data-dir",
        &dir,
    ]);
    assert_eq!(code, 1);
    assert!(err.contains("fd00::/200"), "{err}");
}

#[tokio::test]
async fn a_migration_edited_after_it_was_applied_stops_the_start_with_its_name() {
    let dir = temp("edited-migration");
    let (code, _, err) = fuwu(&["migrate", "--data-dir", &dir]);
    assert_eq!(code, 0, "{err}");
    let location = fuwu_store::Location::SqliteFolder(dir.clone().into());
    let db = fuwu_store::Db::open(&location, 0).await.unwrap();
    db.write(|mut c| {
        Box::pin(async move {
            c.execute(fuwu_store::query(
                "update schema_migrations set checksum = 'edited' where name = '0004_sessions'",
            ))
            .await
        })
    })
    .await
    .unwrap();
    db.close().await;
    let (code, _, err) = fuwu(&["migrate", "--data-dir", &dir]);
    assert_eq!(code, 1, "{err}");
    assert!(
        err.contains("migration 0004_sessions was changed after it was applied"),
        "{err}"
    );
}
