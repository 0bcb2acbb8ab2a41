//! `fuwu`: the service desk's one binary.

mod calendar_cli;
mod config;
mod demo;

use anyhow::{Context, Result, bail};

// mimalloc instead of the C library's allocator: a request allocates and
// frees dozens of small buffers on whichever worker thread runs it, and
// glibc's malloc was 6 % of a get-by-id's CPU (docs/design.md, "mimalloc as
// the global allocator"; the runs in docs/benchmarks-history.md, session 8).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;
use clap::{Args, Parser, Subcommand};
use config::{FileConfig, Storage};
use fuwu_app::{App, Clock, Settings, SystemClock};
use fuwu_store::Db;
use fuwu_store::directory::UserFields;
use std::path::PathBuf;
use std::sync::Arc;

#[derive(Parser)]
#[command(
    name = "fuwu",
    version,
    about = "Fuwu (服务) — a service desk for after-sales support and O&M teams"
)]
struct Cli {
    /// TOML config file (default: ./fuwu.toml when present).
    #[arg(long, global = true, env = "FUWU_CONFIG")]
    config: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Args, Clone)]
struct StorageArgs {
    /// Folder for the embedded SQLite database (default: ./data).
    #[arg(long, env = "FUWU_DATA_DIR")]
    data_dir: Option<PathBuf>,
    /// postgres://user@host/db to use PostgreSQL instead of SQLite.
    #[arg(long, env = "FUWU_DATABASE_URL")]
    database_url: Option<String>,
}

#[derive(Subcommand)]
enum Command {
    /// Run the web server (API under /api/v1).
    Serve {
        /// Address to listen on (default 127.0.0.1:8080).
        #[arg(long, env = "FUWU_LISTEN")]
        listen: Option<String>,
        #[command(flatten)]
        storage: StorageArgs,
        /// Load the demo data first if the database has none.
        #[arg(long)]
        demo: bool,
        /// Mark the session cookie Secure: set it when users reach Fuwu over HTTPS (default false).
        #[arg(long, env = "FUWU_COOKIE_SECURE")]
        cookie_secure: Option<bool>,
        /// Reverse proxies whose X-Forwarded-For names the client, for login
        /// throttling and the audit log: addresses or CIDR networks, comma-separated
        /// (e.g. 10.0.0.0/8,::1). Default: none, the connection's address is the client.
        #[arg(long, env = "FUWU_TRUSTED_PROXIES", value_delimiter = ',')]
        trusted_proxies: Option<Vec<String>>,
    },
    /// Apply pending database migrations and exit.
    Migrate {
        #[command(flatten)]
        storage: StorageArgs,
    },
    /// Load realistic demo data into an empty database.
    Demo {
        #[command(flatten)]
        storage: StorageArgs,
        /// How many service requests to generate.
        #[arg(long, default_value_t = 300)]
        requests: usize,
        /// Load the demo as of this RFC 3339 instant instead of now (its
        /// histories end there), e.g. to try a date in a provisional year.
        #[arg(long)]
        now: Option<String>,
    },
    /// Working-time calendars: deadlines and holidays.
    Calendar {
        #[command(subcommand)]
        command: CalendarCommand,
    },
    /// Manage API tokens.
    Token {
        #[command(subcommand)]
        command: TokenCommand,
    },
    /// Manage users.
    User {
        #[command(subcommand)]
        command: UserCommand,
    },
    /// SLA clocks.
    Sla {
        #[command(subcommand)]
        command: SlaCommand,
    },
    /// The full-text index of requests and articles.
    Search {
        #[command(subcommand)]
        command: SearchCommand,
    },
}

#[derive(Subcommand)]
enum SlaCommand {
    /// Rebuild every request's clocks from its history and report what
    /// changed: open requests under the policies and calendars in force now,
    /// closed and cancelled ones under those in force when they ended.
    Recompute {
        #[command(flatten)]
        storage: StorageArgs,
    },
}

#[derive(Subcommand)]
enum SearchCommand {
    /// Rebuild the whole index from the database (it is kept current on every
    /// write; use this after restoring a backup or changing the tokenizer).
    Reindex {
        #[command(flatten)]
        storage: StorageArgs,
    },
}

#[derive(Subcommand)]
enum CalendarCommand {
    /// The deadline of a business duration from a start. Without --start and
    /// --duration, reads `START DURATION` lines from stdin and writes one deadline per line.
    Deadline {
        /// Calendar name: 24x7, cn-mainland or one of the database's.
        #[arg(long)]
        calendar: String,
        /// RFC 3339 instant, e.g. 2025-09-30T17:00:00+08:00.
        #[arg(long)]
        start: Option<String>,
        /// Working time: 30m, 2h, 1d (24 h), 2wd (working days), 1h30m.
        #[arg(long)]
        duration: Option<String>,
        #[command(flatten)]
        storage: StorageArgs,
    },
    /// List a year's holidays and adjusted working days.
    Show {
        /// Calendar name: 24x7, cn-mainland or one of the database's.
        name: String,
        #[arg(long)]
        year: i16,
        #[command(flatten)]
        storage: StorageArgs,
    },
}

#[derive(Subcommand)]
enum TokenCommand {
    /// Create a token for a user and print its secret (shown once).
    Create {
        #[arg(long)]
        username: String,
        /// What it is for.
        #[arg(long, default_value = "cli")]
        name: String,
        /// read, write or admin.
        #[arg(long, default_value = "write")]
        scope: String,
        /// Expire after this many days (default: never).
        #[arg(long)]
        expires_days: Option<i64>,
        #[command(flatten)]
        storage: StorageArgs,
    },
    /// List tokens (of one user, or all).
    List {
        #[arg(long)]
        username: Option<String>,
        #[command(flatten)]
        storage: StorageArgs,
    },
    /// Revoke a token by its id.
    Revoke {
        id: i64,
        #[command(flatten)]
        storage: StorageArgs,
    },
}

#[derive(Subcommand)]
enum UserCommand {
    /// Create a user and print an API token for it.
    Create {
        #[arg(long)]
        username: String,
        /// Display name (default: the username).
        #[arg(long)]
        name: Option<String>,
        /// admin, agent, engineer, third_party, project_leader, customer_user or customer_admin.
        #[arg(long, default_value = "admin")]
        role: String,
        #[arg(long)]
        email: Option<String>,
        /// Organization id, for customer users.
        #[arg(long)]
        organization_id: Option<i64>,
        /// Token scope: read, write or admin (default: admin for admins, else write).
        #[arg(long)]
        scope: Option<String>,
        #[command(flatten)]
        password: PasswordArgs,
        #[command(flatten)]
        storage: StorageArgs,
    },
    /// Set a user's password (ends the user's browser sessions).
    SetPassword {
        #[arg(long)]
        username: String,
        #[command(flatten)]
        password: PasswordArgs,
        #[command(flatten)]
        storage: StorageArgs,
    },
}

#[derive(Args, Clone)]
struct PasswordArgs {
    /// Read the password from the first line of standard input
    /// (else from the FUWU_PASSWORD environment variable, if set).
    #[arg(long)]
    password_stdin: bool,
}

impl PasswordArgs {
    /// The password given, if any: never from a command-line argument, which
    /// other users of the machine could see.
    fn read(&self) -> Result<Option<String>> {
        if self.password_stdin {
            let mut line = String::new();
            std::io::stdin()
                .read_line(&mut line)
                .context("cannot read the password from standard input")?;
            let pw = line.trim_end_matches(['\n', '\r']).to_owned();
            if pw.is_empty() {
                bail!("--password-stdin: standard input held no password");
            }
            return Ok(Some(pw));
        }
        Ok(std::env::var("FUWU_PASSWORD")
            .ok()
            .filter(|p| !p.is_empty()))
    }
}

fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("FUWU_LOG")
                .unwrap_or_else(|_| "info,tokio_postgres=warn".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: cannot start the runtime: {e}");
            return std::process::ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(cli)) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

/// A progress bar on stderr, redrawn in place: `what [#####     ] done/total (pct%)`.
fn progress(what: &str, done: u64, total: u64) {
    const WIDTH: u64 = 25;
    let pct = (done * 100).checked_div(total).unwrap_or(100).min(100);
    let filled = "#".repeat((pct * WIDTH / 100) as usize);
    eprint!(
        "\r{what} [{filled:<width$}] {done}/{total} ({pct}%)",
        width = WIDTH as usize
    );
}

async fn open(storage: &Storage) -> Result<Db> {
    let now = SystemClock.now().as_millis();
    Db::open(&storage.location()?, now)
        .await
        .with_context(|| format!("cannot open the database ({})", storage.describe()))
}

async fn run(cli: Cli) -> Result<()> {
    let file = FileConfig::load(cli.config.as_deref())?;
    match cli.command {
        Command::Serve {
            listen,
            storage,
            demo,
            cookie_secure,
            trusted_proxies,
        } => {
            // A mistyped proxy list is an error before anything starts.
            let trusted_proxies = fuwu_app::proxies::TrustedProxies::parse(
                &trusted_proxies
                    .or(file.trusted_proxies.clone())
                    .unwrap_or_default(),
            )
            .map_err(|e| anyhow::anyhow!("trusted proxies: {e}"))?;
            let listen = listen
                .or(file.listen.clone())
                .unwrap_or_else(|| "127.0.0.1:8080".into());
            let st = Storage::resolve(storage.data_dir, storage.database_url, &file);
            // Bind first: a busy port is reported before any database work.
            let listener = tokio::net::TcpListener::bind(&listen)
                .await
                .with_context(|| format!("cannot listen on {listen}"))?;
            let db = open(&st).await?;
            db.preallocate_wal().await;
            if demo {
                if demo::is_loaded(&db).await? {
                    tracing::info!(
                        "the database already holds data; demo data is loaded only into an empty one"
                    );
                } else {
                    let s = demo::load(&db, SystemClock.now().as_millis(), 300, 7)
                        .await
                        .context("loading demo data")?;
                    let addr = listener.local_addr()?;
                    print_demo(&s, &format!("http://{addr}"));
                }
            }
            let defaults = Settings::default();
            let settings = Settings {
                max_attachment_bytes: file
                    .max_attachment_mb
                    .map_or(defaults.max_attachment_bytes, |mb| mb * 1024 * 1024),
                session_max_age_ms: file
                    .session_hours
                    .filter(|h| *h > 0)
                    .map_or(defaults.session_max_age_ms, |h| i64::from(h) * 3_600_000),
                session_idle_ms: file
                    .session_idle_minutes
                    .filter(|m| *m > 0)
                    .map_or(defaults.session_idle_ms, |m| i64::from(m) * 60_000),
                cookie_secure: cookie_secure.or(file.cookie_secure).unwrap_or(false),
                trusted_proxies,
                ..defaults
            };
            let app = App::new(db.clone(), Arc::new(SystemClock), settings);
            // The SLA scanner: warnings, breaches and notices by their due
            // time, including those that fell while the server was down.
            let scanner = tokio::spawn(scan_loop(app.clone()));
            // Expired and idle sessions are deleted, the login throttle pruned.
            let cleaner = tokio::spawn(session_cleanup_loop(app.clone()));
            // New requests reach the full-text index in the background every
            // 2 s (and before any search, which drains the queue first). Fewer,
            // fuller batches: under a stream of creates the writer's p99 fell
            // from ~15 ms to ~9 ms against every 0.5 s (docs/benchmarks-history.md,
            // session 8).
            let indexer = tokio::spawn(app.clone().index_forever(fuwu_app::INDEX_EVERY));
            let addr = listener.local_addr()?;
            tracing::info!(%addr, storage = %st.describe(), "Fuwu is serving; API description at /api/v1/openapi.json");
            let service =
                fuwu_web::router(app).into_make_service_with_connect_info::<std::net::SocketAddr>();
            axum::serve(listener, service)
                .with_graceful_shutdown(shutdown_signal())
                .await
                .context("server failed")?;
            scanner.abort();
            cleaner.abort();
            indexer.abort();
            db.close().await;
            Ok(())
        }
        Command::Migrate { storage } => {
            let st = Storage::resolve(storage.data_dir, storage.database_url, &file);
            let db = open(&st).await?;
            db.close().await;
            println!("migrations applied ({})", st.describe());
            Ok(())
        }
        Command::Demo {
            storage,
            requests,
            now,
        } => {
            let now = match now {
                Some(t) => fuwu_core::calendar::parse_rfc3339(&t)
                    .map_err(|e| anyhow::anyhow!("--now: {e}"))?
                    .as_millis(),
                None => SystemClock.now().as_millis(),
            };
            let st = Storage::resolve(storage.data_dir, storage.database_url, &file);
            let db = open(&st).await?;
            if demo::is_loaded(&db).await? {
                bail!(
                    "the database already holds data ({}); demo data is loaded only into an empty one",
                    st.describe()
                );
            }
            let s = demo::load(&db, now, requests, 7).await?;
            print_demo(&s, "http://127.0.0.1:8080");
            db.close().await;
            Ok(())
        }
        Command::Calendar {
            command:
                CalendarCommand::Deadline {
                    calendar,
                    start,
                    duration,
                    storage,
                },
        } => {
            let st = Storage::resolve(storage.data_dir, storage.database_url, &file);
            calendar_cli::run_deadline(&calendar, start, duration, &st).await
        }
        Command::Calendar {
            command:
                CalendarCommand::Show {
                    name,
                    year,
                    storage,
                },
        } => {
            let st = Storage::resolve(storage.data_dir, storage.database_url, &file);
            calendar_cli::run_show(&name, year, &st).await
        }
        Command::Token { command } => run_token(command, &file).await,
        Command::Sla {
            command: SlaCommand::Recompute { storage },
        } => {
            let st = Storage::resolve(storage.data_dir, storage.database_url, &file);
            let db = open(&st).await?;
            let app = App::new(db.clone(), Arc::new(SystemClock), Settings::default());
            let report = app
                .recompute_clocks(|done, total| progress("recomputing", done as u64, total as u64))
                .await
                .context("recomputing the SLA clocks")?;
            eprintln!();
            println!(
                "{} requests, {} with changed clocks, {} clocks changed",
                report.requests, report.changed_requests, report.changed_clocks
            );
            db.close().await;
            Ok(())
        }
        Command::Search {
            command: SearchCommand::Reindex { storage },
        } => {
            let st = Storage::resolve(storage.data_dir, storage.database_url, &file);
            let db = open(&st).await?;
            let app = App::new(db.clone(), Arc::new(SystemClock), Default::default());
            let started = std::time::Instant::now();
            let (requests, articles) = app
                .reindex(|done, total| progress("indexing", done as u64, total as u64))
                .await
                .context("reindex failed")?;
            eprintln!();
            println!(
                "reindexed {requests} requests and {articles} articles in {:.1} s ({})",
                started.elapsed().as_secs_f64(),
                st.describe()
            );
            db.close().await;
            Ok(())
        }
        Command::User {
            command:
                UserCommand::Create {
                    username,
                    name,
                    role,
                    email,
                    organization_id,
                    scope,
                    password,
                    storage,
                },
        } => {
            let password = password.read()?;
            if let Some(pw) = &password {
                fuwu_app::password::check_new_password(pw, &username)
                    .map_err(|e| anyhow::anyhow!("the password {e}"))?;
            }
            let st = Storage::resolve(storage.data_dir, storage.database_url, &file);
            let db = open(&st).await?;
            let app = App::new(db.clone(), Arc::new(SystemClock), Settings::default());
            let scope = scope.unwrap_or_else(|| {
                if role == "admin" {
                    "admin".into()
                } else {
                    "write".into()
                }
            });
            let fields = UserFields {
                display_name: name.unwrap_or_else(|| username.clone()),
                username,
                email,
                phone: None,
                role,
                organization_id,
                contact_id: None,
                team_id: None,
                active: true,
            };
            let user = app
                .create_user_bootstrap(fields)
                .await
                .map_err(|e| anyhow::anyhow!("cannot create the user: {e}"))?;
            let token = app
                .issue_token(user.id, "cli", &scope, None)
                .await
                .map_err(|e| anyhow::anyhow!("{e}"))?;
            if let Some(pw) = password {
                app.set_password_bootstrap(user.id, pw)
                    .await
                    .map_err(|e| anyhow::anyhow!("cannot set the password: {e}"))?;
            }
            println!(
                "created user {} (id {}, role {})",
                user.username, user.id, user.role
            );
            println!("API token (shown once): {token}");
            db.close().await;
            Ok(())
        }
        Command::User {
            command:
                UserCommand::SetPassword {
                    username,
                    password,
                    storage,
                },
        } => {
            let Some(pw) = password.read()? else {
                bail!("give the password with --password-stdin or FUWU_PASSWORD");
            };
            fuwu_app::password::check_new_password(&pw, &username)
                .map_err(|e| anyhow::anyhow!("the password {e}"))?;
            let st = Storage::resolve(storage.data_dir, storage.database_url, &file);
            let db = open(&st).await?;
            let app = App::new(db.clone(), Arc::new(SystemClock), Settings::default());
            let name = username.clone();
            let user = db
                .read(move |mut c| {
                    Box::pin(async move {
                        fuwu_store::directory::get_user_by_username(&mut c, &name).await
                    })
                })
                .await
                .map_err(|_| anyhow::anyhow!("there is no user `{username}`"))?;
            app.set_password_bootstrap(user.id, pw)
                .await
                .map_err(|e| anyhow::anyhow!("cannot set the password: {e}"))?;
            println!("password set for {username}; their browser sessions have ended");
            db.close().await;
            Ok(())
        }
    }
}

async fn run_token(command: TokenCommand, file: &FileConfig) -> Result<()> {
    let storage = match &command {
        TokenCommand::Create { storage, .. }
        | TokenCommand::List { storage, .. }
        | TokenCommand::Revoke { storage, .. } => storage.clone(),
    };
    let st = Storage::resolve(storage.data_dir, storage.database_url, file);
    let db = open(&st).await?;
    let app = App::new(db.clone(), Arc::new(SystemClock), Settings::default());
    let operator = fuwu_app::Actor::operator();
    let user_id = |name: String| {
        let db = db.clone();
        async move {
            db.read(move |mut c| {
                Box::pin(
                    async move { fuwu_store::directory::get_user_by_username(&mut c, &name).await },
                )
            })
            .await
            .map(|u| u.id)
            .map_err(|e| anyhow::anyhow!("no user `{}`: {e}", "given"))
        }
    };
    let result = match command {
        TokenCommand::Create {
            username,
            name,
            scope,
            expires_days,
            ..
        } => {
            let owner = user_id(username.clone())
                .await
                .map_err(|_| anyhow::anyhow!("there is no user `{username}`"))?;
            if expires_days.is_some_and(|d| d <= 0) {
                bail!("--expires-days must be positive");
            }
            let expires_at = expires_days.map(|d| SystemClock.now().as_millis() + d * 86_400_000);
            let input = fuwu_app::identity::NewToken {
                user_id: Some(owner),
                name,
                scope,
                expires_at,
            };
            let (token, secret) = app
                .create_token(&operator, input)
                .await
                .map_err(|e| anyhow::anyhow!("{e}"))?;
            println!(
                "created token {} for {username} (scope {})",
                token.id, token.scope
            );
            println!("API token (shown once): {secret}");
            Ok(())
        }
        TokenCommand::List { username, .. } => {
            let owner = match username {
                Some(u) => Some(
                    user_id(u.clone())
                        .await
                        .map_err(|_| anyhow::anyhow!("there is no user `{u}`"))?,
                ),
                None => None,
            };
            let tokens = app
                .list_tokens(&operator, owner)
                .await
                .map_err(|e| anyhow::anyhow!("{e}"))?;
            println!(
                "{:>5}  {:>5}  {:<6}  {:<20}  {:<25}  {:<25}  name",
                "id", "user", "scope", "state", "expires", "last used"
            );
            let now = SystemClock.now().as_millis();
            for t in tokens {
                let state = match (t.revoked_at, t.expires_at) {
                    (Some(_), _) => "revoked",
                    (None, Some(e)) if e <= now => "expired",
                    _ => "active",
                };
                let show = |v: Option<i64>| v.map_or("-".to_owned(), fuwu_store::ser::rfc3339);
                println!(
                    "{:>5}  {:>5}  {:<6}  {:<20}  {:<25}  {:<25}  {}",
                    t.id,
                    t.user_id,
                    t.scope,
                    state,
                    show(t.expires_at),
                    show(t.last_used_at),
                    t.name
                );
            }
            Ok(())
        }
        TokenCommand::Revoke { id, .. } => {
            let t = app
                .revoke_token(&operator, id)
                .await
                .map_err(|e| anyhow::anyhow!("{e}"))?;
            println!("revoked token {} of user {}", t.id, t.user_id);
            Ok(())
        }
    };
    db.close().await;
    result
}

/// `base`: where the server answers (the default address when it is not running yet).
fn print_demo(s: &demo::DemoSummary, base: &str) {
    println!(
        "demo data loaded: {} organizations, {} users, {} requests",
        s.organizations, s.users, s.requests
    );
    println!("admin user: {}", s.admin_username);
    println!("admin API token: {}", s.admin_token);
    println!(
        "web UI: {base}/ — password {} for: {}",
        demo::WEB_PASSWORD,
        s.web_logins
            .iter()
            .map(|(u, r)| format!("{u} ({r})"))
            .collect::<Vec<_>>()
            .join(", ")
    );
    println!(
        "try: curl -H 'Authorization: Bearer {}' {base}/api/v1/requests",
        s.admin_token
    );
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        {
            s.recv().await;
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! { _ = ctrl_c => {}, _ = term => {} }
}

/// Every 15 seconds, handle what the SLA clocks have due (see
/// `App::scan_clocks`), then close the resolved requests whose auto-close
/// period passed without feedback (`App::auto_close_due`).
async fn scan_loop(app: App) {
    let mut tick = tokio::time::interval(std::time::Duration::from_secs(15));
    loop {
        tick.tick().await;
        match app.scan_clocks().await {
            Ok(0) => {}
            Ok(n) => tracing::info!(handled = n, "SLA scan"),
            Err(e) => tracing::warn!(error = %e, "SLA scan failed"),
        }
        match app.auto_close_due().await {
            Ok(0) => {}
            Ok(n) => tracing::info!(closed = n, "auto-close"),
            Err(e) => tracing::warn!(error = %e, "auto-close failed"),
        }
    }
}

/// Every 10 minutes, delete ended sessions and prune the login throttle (see `App::clean_sessions`).
async fn session_cleanup_loop(app: App) {
    let mut tick = tokio::time::interval(std::time::Duration::from_secs(600));
    loop {
        tick.tick().await;
        match app.clean_sessions().await {
            Ok(0) => {}
            Ok(n) => tracing::info!(deleted = n, "ended sessions deleted"),
            Err(e) => tracing::warn!(error = %e, "session cleanup failed"),
        }
    }
}
