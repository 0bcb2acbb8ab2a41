//! The `fuwu` command line: clear messages and non-zero exits for bad input.

use std::process::Command;

fn fuwu(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_fuwu"))
        .args(args)
        .env_remove("FUWU_DATABASE_URL")
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
}
