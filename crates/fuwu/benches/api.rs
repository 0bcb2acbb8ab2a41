//! The API benchmark. Run it as
//!
//! ```text
//! cargo bench -p fuwu --bench api -- [--engine sqlite|postgres|both] [--sizes 10000,1000000] [--seconds N] [--keep]
//! ```
//!
//! It starts the real server in-process on each engine, drives it over HTTP with
//! 16 concurrent keep-alive clients, bulk-loads realistic requests and histories
//! to each size, and prints a Markdown report to stdout (progress goes to stderr).
//! `docs/benchmarks.md` explains every figure. PostgreSQL is reached through
//! `FUWU_BENCH_PG_URL` (default `postgres://postgres@127.0.0.1:5432/postgres`);
//! the benchmark drops and recreates the database `fuwu_bench` there.

use anyhow::{Context, Result, anyhow, bail};
use fuwu_app::{App, Settings, SystemClock};
use fuwu_core::{FaultLevel, Impact, Urgency};
use fuwu_store::directory::UserFields;
use fuwu_store::{Conn, Db, Engine, Location, StoreError, query, query_owned};
use rand::rngs::SmallRng;
use rand::{RngExt, SeedableRng};
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::fmt::Write as _;
use std::os::unix::fs::{FileExt, MetadataExt};
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

const USAGE: &str = "usage: cargo bench -p fuwu --bench api -- [--engine sqlite|postgres|both] \
[--sizes 10000,1000000] [--seconds N] [--keep]";

/// Concurrent HTTP clients in every measurement.
const CLIENTS: usize = 16;
/// Requests per bulk-load transaction.
const REQUESTS_PER_TX: usize = 10_000;
/// Rows per multi-row INSERT of requests (38 columns: 19,000 parameters).
const REQUESTS_PER_STATEMENT: usize = 500;
/// Rows per multi-row INSERT of history (9 columns: 18,000 parameters).
const EVENTS_PER_STATEMENT: usize = 2_000;
const MINUTE_MS: i64 = 60_000;
const HOUR_MS: i64 = 60 * MINUTE_MS;
const DAY_MS: i64 = 24 * HOUR_MS;
/// Bulk-loaded requests are created over this much of the past.
const HISTORY_MS: i64 = 730 * DAY_MS;
const BENCH_DB: &str = "fuwu_bench";

// ---------------------------------------------------------------- arguments

struct Args {
    engines: Vec<Engine>,
    sizes: Vec<u64>,
    seconds: u64,
    keep: bool,
}

fn parse_args() -> Result<Args> {
    let mut args = Args {
        engines: vec![Engine::Sqlite, Engine::Postgres],
        sizes: vec![10_000, 1_000_000],
        seconds: 10,
        keep: false,
    };
    let mut it = std::env::args().skip(1);
    while let Some(raw) = it.next() {
        let (key, inline) = match raw.split_once('=') {
            Some((k, v)) => (k.to_owned(), Some(v.to_owned())),
            None => (raw.clone(), None),
        };
        let value = |it: &mut dyn Iterator<Item = String>| {
            inline
                .clone()
                .or_else(|| it.next())
                .ok_or_else(|| anyhow!("{key} needs a value; {USAGE}"))
        };
        match key.as_str() {
            // `cargo bench` passes `--bench` to every bench target.
            "--bench" => {}
            "--engine" => {
                args.engines = match value(&mut it)?.as_str() {
                    "sqlite" => vec![Engine::Sqlite],
                    "postgres" => vec![Engine::Postgres],
                    "both" => vec![Engine::Sqlite, Engine::Postgres],
                    other => bail!("unknown engine `{other}`; {USAGE}"),
                }
            }
            "--sizes" => {
                let mut sizes = value(&mut it)?
                    .split(',')
                    .map(|s| s.trim().replace('_', "").parse::<u64>())
                    .collect::<Result<Vec<_>, _>>()
                    .context("--sizes takes comma-separated counts, e.g. 10000,1000000")?;
                sizes.sort_unstable();
                sizes.dedup();
                if sizes.is_empty() || sizes[0] == 0 {
                    bail!("--sizes must be positive counts");
                }
                args.sizes = sizes;
            }
            "--seconds" => {
                args.seconds = value(&mut it)?
                    .parse()
                    .context("--seconds takes a whole number")?;
                if args.seconds == 0 {
                    bail!("--seconds must be at least 1");
                }
            }
            "--keep" => args.keep = true,
            "-h" | "--help" => {
                println!("{USAGE}");
                std::process::exit(0);
            }
            other => bail!("unknown argument `{other}`; {USAGE}"),
        }
    }
    Ok(args)
}

// ---------------------------------------------------------------- small helpers

fn progress(msg: impl AsRef<str>) {
    eprintln!(
        "[{}] {}",
        jiff::Zoned::now().strftime("%H:%M:%S"),
        msg.as_ref()
    );
}

/// 1234567.8 → "1,234,568".
fn thousands(v: f64) -> String {
    let n = v.round() as i64;
    let digits = n.unsigned_abs().to_string();
    let mut out = String::new();
    for (i, ch) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(ch);
    }
    if n < 0 { format!("-{out}") } else { out }
}

fn ms(v: f64) -> String {
    if v >= 100.0 {
        format!("{v:.0} ms")
    } else if v >= 10.0 {
        format!("{v:.1} ms")
    } else {
        format!("{v:.2} ms")
    }
}

fn mark(ok: bool) -> &'static str {
    if ok { "✅" } else { "❌" }
}

fn pick<T: Copy>(rng: &mut SmallRng, table: &[(T, u32)]) -> T {
    let total: u32 = table.iter().map(|(_, w)| w).sum();
    let mut x = rng.random_range(0..total);
    for &(v, w) in table {
        if x < w {
            return v;
        }
        x -= w;
    }
    table[table.len() - 1].0
}

fn one<'a, T>(rng: &mut SmallRng, items: &'a [T]) -> &'a T {
    &items[rng.random_range(0..items.len())]
}

// ---------------------------------------------------------------- machine facts

struct Machine {
    cpus: usize,
    cpu_model: String,
    memory: String,
    kernel: String,
    date: String,
}

fn machine() -> Machine {
    let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let cpu_model = cpuinfo
        .lines()
        .find_map(|l| l.strip_prefix("model name"))
        .map(|l| l.trim_start_matches([' ', '\t', ':']).trim().to_owned())
        .unwrap_or_else(|| "unknown".into());
    let meminfo = std::fs::read_to_string("/proc/meminfo").unwrap_or_default();
    let memory = meminfo
        .lines()
        .find_map(|l| l.strip_prefix("MemTotal:"))
        .and_then(|l| l.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        .map_or_else(
            || "unknown".into(),
            |kb| format!("{:.1} GiB", kb / 1024.0 / 1024.0),
        );
    let kernel = std::fs::read_to_string("/proc/sys/kernel/osrelease")
        .map(|s| format!("Linux {}", s.trim()))
        .unwrap_or_else(|_| std::env::consts::OS.to_owned());
    Machine {
        cpus: std::thread::available_parallelism().map_or(1, |n| n.get()),
        cpu_model,
        memory,
        kernel,
        date: jiff::Zoned::now()
            .strftime("%Y-%m-%d %H:%M:%S %Z")
            .to_string(),
    }
}

// ---------------------------------------------------------------- disk ceiling

/// Durable commits per second the disk under `dir` allows: (write 4 KiB at offset 0, fdatasync) in a loop.
fn disk_ceiling(dir: &Path, seconds: f64) -> Result<f64> {
    std::fs::create_dir_all(dir)?;
    let path = dir.join("fsync-probe");
    let file = std::fs::OpenOptions::new()
        .create(true)
        .read(true)
        .write(true)
        .truncate(true)
        .open(&path)
        .with_context(|| format!("open {}", path.display()))?;
    let mut block = [0x5a_u8; 4096];
    file.write_all_at(&block, 0)?;
    file.sync_all()?;
    let start = Instant::now();
    let mut n: u64 = 0;
    while start.elapsed().as_secs_f64() < seconds {
        block[..8].copy_from_slice(&n.to_le_bytes());
        file.write_all_at(&block, 0)?;
        file.sync_data()?;
        n += 1;
    }
    let rate = n as f64 / start.elapsed().as_secs_f64();
    drop(file);
    let _ = std::fs::remove_file(&path);
    Ok(rate)
}

// ---------------------------------------------------------------- load generator

type MakeRequest =
    Arc<dyn Fn(&reqwest::Client, &mut SmallRng) -> reqwest::RequestBuilder + Send + Sync>;

/// One measurement: successes, errors, latencies.
struct Measure {
    ok: u64,
    errors: u64,
    secs: f64,
    /// Sorted, in microseconds.
    latencies: Vec<u32>,
    first_error: Option<String>,
    cpu: CpuUse,
}

/// Jiffies from `/proc`: the whole machine, this process, PostgreSQL's processes.
#[derive(Debug, Clone, Copy, Default)]
struct CpuSample {
    busy: u64,
    total: u64,
    own: u64,
    postgres: u64,
}

/// Cores in use during a measurement: by this process (server and clients),
/// by PostgreSQL, and by everything else (other processes, interrupts).
#[derive(Debug, Clone, Copy, Default)]
struct CpuUse {
    own: f64,
    postgres: f64,
    other: f64,
}

/// utime + stime of a `/proc/<pid>/stat` line, and the command name.
fn proc_times(stat: &str) -> Option<(&str, u64)> {
    let open = stat.find('(')?;
    let close = stat.rfind(')')?;
    let comm = &stat[open + 1..close];
    let fields: Vec<&str> = stat[close + 1..].split_whitespace().collect();
    let utime: u64 = fields.get(11)?.parse().ok()?;
    let stime: u64 = fields.get(12)?.parse().ok()?;
    Some((comm, utime + stime))
}

fn cpu_sample() -> CpuSample {
    let mut s = CpuSample::default();
    let stat = std::fs::read_to_string("/proc/stat").unwrap_or_default();
    let v: Vec<u64> = stat
        .lines()
        .next()
        .unwrap_or_default()
        .split_whitespace()
        .skip(1)
        .filter_map(|x| x.parse().ok())
        .collect();
    if v.len() >= 8 {
        s.busy = v[0] + v[1] + v[2] + v[5] + v[6] + v[7];
        s.total = s.busy + v[3] + v[4];
    }
    if let Ok(stat) = std::fs::read_to_string("/proc/self/stat") {
        s.own = proc_times(&stat).map_or(0, |(_, t)| t);
    }
    if let Ok(dir) = std::fs::read_dir("/proc") {
        for entry in dir.flatten() {
            let name = entry.file_name();
            if !name.to_string_lossy().bytes().all(|b| b.is_ascii_digit()) {
                continue;
            }
            let stat = std::fs::read_to_string(entry.path().join("stat")).unwrap_or_default();
            if let Some(("postgres", t)) = proc_times(&stat) {
                s.postgres += t;
            }
        }
    }
    s
}

impl CpuUse {
    fn between(a: CpuSample, b: CpuSample) -> CpuUse {
        let cpus = std::thread::available_parallelism().map_or(1, |n| n.get()) as f64;
        let total = b.total.saturating_sub(a.total) as f64;
        if total <= 0.0 {
            return CpuUse::default();
        }
        let cores = |j: u64| j as f64 * cpus / total;
        let own = cores(b.own.saturating_sub(a.own));
        let postgres = cores(b.postgres.saturating_sub(a.postgres));
        let busy = cores(b.busy.saturating_sub(a.busy));
        CpuUse {
            own,
            postgres,
            other: (busy - own - postgres).max(0.0),
        }
    }
    fn cell(self) -> String {
        format!("{:.2} / {:.2} / {:.2}", self.own, self.postgres, self.other)
    }
}

impl Measure {
    fn rate(&self) -> f64 {
        self.ok as f64 / self.secs.max(1e-9)
    }
    /// Percentile `q` (0–1) of latency, in milliseconds.
    fn pct(&self, q: f64) -> f64 {
        if self.latencies.is_empty() {
            return f64::NAN;
        }
        let idx =
            ((q * self.latencies.len() as f64).ceil() as usize).clamp(1, self.latencies.len()) - 1;
        self.latencies[idx] as f64 / 1000.0
    }
    fn p50(&self) -> f64 {
        self.pct(0.50)
    }
    fn p99(&self) -> f64 {
        self.pct(0.99)
    }
    fn summary(&self, unit: &str) -> String {
        format!(
            "{} {unit}/s · p50 {} · p99 {}",
            thousands(self.rate()),
            ms(self.p50()),
            ms(self.p99())
        )
    }
}

/// Run `make` from [`CLIENTS`] concurrent tasks for a short warm-up and then
/// `seconds`; count answers with `expect` as successes.
async fn hammer(
    client: &reqwest::Client,
    seconds: u64,
    expect: StatusCode,
    make: MakeRequest,
) -> Measure {
    let warmup = Duration::from_secs_f64((seconds as f64 / 5.0).min(1.0));
    let measure_from = Instant::now() + warmup;
    let until = measure_from + Duration::from_secs(seconds);
    let mut tasks = Vec::new();
    for t in 0..CLIENTS {
        let client = client.clone();
        let make = make.clone();
        let seed = rand::random::<u64>() ^ t as u64;
        tasks.push(tokio::spawn(async move {
            let mut rng = SmallRng::seed_from_u64(seed);
            let mut lat: Vec<u32> = Vec::with_capacity(1 << 16);
            let (mut ok, mut errors, mut first_error, mut last) = (0u64, 0u64, None, measure_from);
            loop {
                let t0 = Instant::now();
                if t0 >= until {
                    break;
                }
                let outcome = match make(&client, &mut rng).send().await {
                    Ok(resp) => {
                        let status = resp.status();
                        match resp.bytes().await {
                            Ok(_) if status == expect => Ok(()),
                            Ok(body) => Err(format!(
                                "{status}: {}",
                                String::from_utf8_lossy(&body[..body.len().min(300)])
                            )),
                            Err(e) => Err(format!("reading the body: {e}")),
                        }
                    }
                    Err(e) => Err(format!("sending: {e}")),
                };
                let done = Instant::now();
                if t0 < measure_from {
                    continue;
                }
                last = last.max(done);
                match outcome {
                    Ok(()) => {
                        ok += 1;
                        lat.push(done.duration_since(t0).as_micros().min(u32::MAX as u128) as u32);
                    }
                    Err(e) => {
                        errors += 1;
                        first_error.get_or_insert(e);
                    }
                }
            }
            (lat, ok, errors, first_error, last)
        }));
    }
    tokio::time::sleep_until(measure_from.into()).await;
    let before = cpu_sample();
    tokio::time::sleep_until(until.into()).await;
    let after = cpu_sample();
    let mut m = Measure {
        ok: 0,
        errors: 0,
        secs: 0.0,
        latencies: Vec::new(),
        first_error: None,
        cpu: CpuUse::between(before, after),
    };
    let mut last = measure_from;
    for task in tasks {
        match task.await {
            Ok((lat, ok, errors, first_error, l)) => {
                m.latencies.extend(lat);
                m.ok += ok;
                m.errors += errors;
                if m.first_error.is_none() {
                    m.first_error = first_error;
                }
                last = last.max(l);
            }
            Err(e) => {
                m.errors += 1;
                m.first_error
                    .get_or_insert(format!("client task failed: {e}"));
            }
        }
    }
    m.secs = last
        .duration_since(measure_from)
        .as_secs_f64()
        .max(seconds as f64);
    m.latencies.sort_unstable();
    m
}

// ---------------------------------------------------------------- the server and its directory

struct Org {
    id: i64,
    weight: u32,
    contract_id: i64,
    accepted_on: String,
    contacts: Vec<i64>,
    systems: Vec<i64>,
    customer_user: i64,
}

struct Staff {
    id: i64,
    team_id: i64,
    agent: bool,
}

/// The organizations, staff and token the benchmark works with.
struct Directory {
    orgs: Vec<Org>,
    staff: Vec<Staff>,
    agents: Vec<i64>,
    /// A write token of an agent: every API call of the measurements uses it.
    token: String,
}

impl Directory {
    fn org(&self, rng: &mut SmallRng) -> &Org {
        let total: u32 = self.orgs.iter().map(|o| o.weight).sum();
        let mut x = rng.random_range(0..total);
        for o in &self.orgs {
            if x < o.weight {
                return o;
            }
            x -= o.weight;
        }
        &self.orgs[0]
    }
}

struct Server {
    db: Db,
    app: App,
    base: String,
    admin_token: String,
    task: tokio::task::JoinHandle<()>,
    engine_facts: String,
}

fn pg_admin_url() -> String {
    std::env::var("FUWU_BENCH_PG_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into())
}

fn pg_bench_url() -> String {
    let admin = pg_admin_url();
    let base = admin.split('?').next().unwrap_or(&admin);
    let base = base.rsplit_once('/').map_or(base, |(b, _)| b);
    format!("{base}/{BENCH_DB}")
}

async fn query_string(db: &Db, sql: &'static str) -> Result<String> {
    Ok(db
        .read(move |mut c| {
            Box::pin(async move {
                let (v,): (String,) = c.fetch_one(query(sql)).await?;
                Ok::<_, StoreError>(v)
            })
        })
        .await?)
}

async fn query_i64(db: &Db, sql: &'static str) -> Result<i64> {
    Ok(db
        .read(move |mut c| {
            Box::pin(async move {
                let (v,): (i64,) = c.fetch_one(query(sql)).await?;
                Ok::<_, StoreError>(v)
            })
        })
        .await?)
}

async fn start_server(engine: Engine, sqlite_dir: &Path) -> Result<Server> {
    let location = match engine {
        Engine::Sqlite => {
            let _ = std::fs::remove_dir_all(sqlite_dir);
            Location::SqliteFolder(sqlite_dir.to_path_buf())
        }
        Engine::Postgres => {
            let admin = pg_admin_url();
            let c = fuwu_store::pg::connect(&admin)
                .await
                .with_context(|| format!("connect to {admin}"))?;
            c.batch_execute(&format!("drop database if exists {BENCH_DB} with (force)"))
                .await?;
            c.batch_execute(&format!("create database {BENCH_DB}"))
                .await?;
            Location::Postgres(pg_bench_url())
        }
    };
    let now = jiff::Timestamp::now().as_millisecond();
    let db = Db::open(&location, now)
        .await
        .context("open the database")?;
    let engine_facts = match engine {
        Engine::Sqlite => {
            let version = query_string(&db, "select sqlite_version()").await?;
            let (mode, sync, _) = db.sqlite_settings().await?.unwrap_or_default();
            format!(
                "SQLite {version} (rusqlite, in-process), journal_mode={mode}, synchronous={} (1 = NORMAL; the writer fdatasyncs the WAL before answering), reads on the calling thread from a small pool + 1 writer thread with group commit; data in `{}`",
                sync,
                sqlite_dir.display()
            )
        }
        Engine::Postgres => {
            let version = query_string(&db, "select current_setting('server_version')").await?;
            let sb = query_string(&db, "select current_setting('shared_buffers')").await?;
            let sc = query_string(&db, "select current_setting('synchronous_commit')").await?;
            format!(
                "PostgreSQL {version} (local, TCP, tokio-postgres), shared_buffers={sb}, synchronous_commit={sc}, pool of 16 connections, statements prepared once per connection"
            )
        }
    };
    let app = App::new(db.clone(), Arc::new(SystemClock), Settings::default());
    let admin = app
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
        .map_err(|e| anyhow!("bootstrap admin: {e}"))?;
    let admin_token = app
        .issue_token(admin.id, "bench", "admin", None)
        .await
        .map_err(|e| anyhow!("admin token: {e}"))?;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    // As `fuwu serve` does: new requests reach the search index in batches.
    tokio::spawn(
        app.clone()
            .index_forever(std::time::Duration::from_millis(500)),
    );
    let router = fuwu_web::router(app.clone());
    let task = tokio::spawn(async move {
        if let Err(e) = axum::serve(listener, router).await {
            eprintln!("server stopped: {e}");
        }
    });
    Ok(Server {
        db,
        app,
        base: format!("http://{addr}"),
        admin_token,
        task,
        engine_facts,
    })
}

async fn post_ok(http: &reqwest::Client, s: &Server, path: &str, body: Value) -> Result<i64> {
    let resp = http
        .post(format!("{}{path}", s.base))
        .bearer_auth(&s.admin_token)
        .json(&body)
        .send()
        .await?;
    let status = resp.status();
    let v: Value = resp.json().await?;
    if !status.is_success() {
        bail!("POST {path} → {status}: {v}");
    }
    v["id"]
        .as_i64()
        .ok_or_else(|| anyhow!("POST {path}: no id in {v}"))
}

const TEAMS: &[(&str, &str)] = &[
    ("一线服务台", "受理、应答与分派"),
    ("二线运维", "应用与服务器故障处理"),
    ("网络与安全", "网络、VPN、防火墙"),
    ("数据库与中间件", "数据库、备份、中间件"),
];
const STAFF_NAMES: &[&str] = &[
    "张伟", "王芳", "李娜", "刘洋", "陈静", "杨磊", "赵敏", "黄强", "周杰", "吴霞", "徐涛", "孙丽",
    "马超", "朱琳", "胡军", "郭鹏", "何欣", "高峰", "林晓", "罗斌",
];
const ORGS: &[(&str, &str, &str, u32)] = &[
    ("华东电力设计院", "电力", "2021-03-18", 20),
    ("江南水务集团", "水务", "2022-06-30", 15),
    ("滨海市人民医院", "医疗", "2023-01-15", 12),
    ("明德大学", "教育", "2023-09-01", 10),
    ("东方航空物流", "物流", "2024-04-20", 8),
    ("恒信证券", "金融", "2024-11-11", 7),
    ("蓝天制药", "制药", "2022-12-01", 6),
    ("北辰市政务服务中心", "政务", "2021-08-08", 5),
    ("安远保险", "金融", "2025-02-28", 5),
    ("西湖文旅集团", "文旅", "2023-05-05", 4),
    ("中科精密仪器", "制造", "2024-07-07", 4),
    ("新港码头公司", "港口", "2020-10-10", 4),
];
const SYSTEMS: &[(&str, &str)] = &[
    ("统一身份认证平台", "software"),
    ("核心数据库服务器", "server"),
    ("办公网络", "network"),
    ("OA 办公系统", "software"),
    ("备份一体机", "device"),
    ("云主机集群", "cloud"),
];

/// Teams, 20 staff, 12 organizations with a contract, contacts, systems and a
/// customer user each — created through the API as an administrator would.
async fn create_directory(http: &reqwest::Client, s: &Server) -> Result<Directory> {
    let mut teams = Vec::new();
    for (name, description) in TEAMS {
        teams.push(
            post_ok(
                http,
                s,
                "/api/v1/teams",
                json!({"name": name, "description": description}),
            )
            .await?,
        );
    }
    let mut staff = Vec::new();
    for (i, name) in STAFF_NAMES.iter().enumerate() {
        // 6 agents at the desk, 14 engineers across the other teams.
        let agent = i < 6;
        let team_id = if agent { teams[0] } else { teams[1 + i % 3] };
        let role = if agent { "agent" } else { "engineer" };
        let id = post_ok(
            http,
            s,
            "/api/v1/users",
            json!({"username": format!("{role}{i:02}"), "display_name": name, "role": role, "team_id": team_id}),
        )
        .await?;
        staff.push(Staff { id, team_id, agent });
    }
    let mut orgs = Vec::new();
    for (i, (name, industry, accepted_on, weight)) in ORGS.iter().enumerate() {
        let id = post_ok(
            http,
            s,
            "/api/v1/organizations",
            json!({"name": name, "industry": industry, "profile": format!("{name}：{industry}行业客户，驻场与远程运维")}),
        )
        .await?;
        let contract_id = post_ok(
            http,
            s,
            "/api/v1/contracts",
            json!({"organization_id": id, "code": format!("HT-{:03}", i + 1), "name": "运维服务合同", "accepted_on": accepted_on}),
        )
        .await?;
        let mut contacts = Vec::new();
        for k in 0..3 {
            contacts.push(
                post_ok(
                    http,
                    s,
                    "/api/v1/contacts",
                    json!({"organization_id": id, "name": format!("联系人{}-{}", i + 1, k + 1),
                           "phone": format!("1380000{:02}{:02}", i, k), "job_title": "信息中心"}),
                )
                .await?,
            );
        }
        let mut systems = Vec::new();
        for k in 0..2 {
            let (sys, kind) = SYSTEMS[(i + k * 3) % SYSTEMS.len()];
            systems.push(
                post_ok(
                    http,
                    s,
                    "/api/v1/systems",
                    json!({"organization_id": id, "name": sys, "kind": kind}),
                )
                .await?,
            );
        }
        let customer_user = post_ok(
            http,
            s,
            "/api/v1/users",
            json!({"username": format!("customer{i:02}"), "display_name": format!("{name}用户"), "role": "customer_user", "organization_id": id}),
        )
        .await?;
        orgs.push(Org {
            id,
            weight: *weight,
            contract_id,
            accepted_on: (*accepted_on).to_owned(),
            contacts,
            systems,
            customer_user,
        });
    }
    let agents: Vec<i64> = staff.iter().filter(|s| s.agent).map(|s| s.id).collect();
    let token = s
        .app
        .issue_token(agents[0], "bench", "write", None)
        .await
        .map_err(|e| anyhow!("agent token: {e}"))?;
    Ok(Directory {
        orgs,
        staff,
        agents,
        token,
    })
}

// ---------------------------------------------------------------- realistic content

const TITLES: &[&str] = &[
    "统一身份认证平台登录缓慢",
    "OA 系统审批流程卡住",
    "数据库备份作业失败",
    "邮件无法发送到外部地址",
    "VPN 连接频繁中断",
    "服务器磁盘空间不足告警",
    "报表导出超时",
    "核心交换机端口故障",
    "打印机无法连接",
    "新员工开通账号申请",
    "防火墙策略变更申请",
    "季度例行巡检",
    "系统健康检查",
    "备份恢复演练",
    "新版门户使用培训",
    "网站证书即将过期",
    "数据库主从同步延迟",
    "业务系统响应缓慢",
    "存储阵列硬盘告警",
    "咨询：如何导出历史数据",
];
const SENTENCES: &[&str] = &[
    "用户反映今天上午开始出现该问题，影响部门日常办公。",
    "已尝试重启客户端，问题依旧。",
    "监控平台在凌晨触发告警，需要尽快确认原因。",
    "涉及约 30 名用户，暂无替代方案。",
    "请安排工程师远程协助排查。",
    "问题可稳定复现，错误提示为“连接超时”。",
    "客户希望本周内完成处理。",
    "相关日志已收集，等待分析。",
    "此前同类问题曾于上月出现过一次。",
    "需要与第三方厂商确认兼容性。",
];
const PLANS: &[&str] = &[
    "远程登录服务器检查日志并调整配置",
    "电话指导用户清理缓存后重试",
    "安排工程师现场更换故障硬件",
    "联系厂商获取补丁并择期升级",
];
const RESOLUTIONS: &[&str] = &[
    "调整连接池参数后恢复正常",
    "更换故障硬盘并完成数据重建",
    "清理日志释放磁盘空间，已配置自动轮转",
    "更新证书并重启服务",
    "指导用户完成操作，确认问题解决",
    "厂商补丁升级完成，观察无异常",
];
const CANCEL_REASONS: &[&str] = &["用户重复提交", "问题已自行恢复", "用户撤回申请"];
const CHANNELS: &[(&str, u32)] = &[
    ("phone", 40),
    ("web", 25),
    ("email", 15),
    ("onsite", 5),
    ("api", 5),
    ("monitoring", 10),
];
const CATEGORIES: &[(&str, u32)] = &[
    ("fault", 40),
    ("consultation", 20),
    ("change_request", 10),
    ("training", 4),
    ("inspection", 10),
    ("health_check", 6),
    ("backup", 5),
    ("other", 5),
];
const IMPACTS: &[(Impact, u32)] = &[
    (Impact::None, 10),
    (Impact::Minor, 35),
    (Impact::Partial, 30),
    (Impact::Unusable, 12),
    (Impact::Crashed, 8),
    (Impact::DataDamaged, 5),
];
const URGENCIES: &[(Urgency, u32)] = &[
    (Urgency::Low, 30),
    (Urgency::Medium, 50),
    (Urgency::High, 20),
];

fn description(rng: &mut SmallRng) -> String {
    let n = rng.random_range(2..=4);
    (0..n).map(|_| *one(rng, SENTENCES)).collect()
}

/// The body of a valid `POST /api/v1/requests`.
fn new_request_body(rng: &mut SmallRng, d: &Directory) -> Value {
    let org = d.org(rng);
    let mut body = json!({
        "channel": pick(rng, CHANNELS),
        "category": pick(rng, CATEGORIES),
        "impact": pick(rng, IMPACTS).as_str(),
        "urgency": pick(rng, URGENCIES).as_str(),
        "title": one(rng, TITLES),
        "description": description(rng),
        "organization_id": org.id,
    });
    if rng.random_bool(0.7) {
        body["requester_contact_id"] = json!(one(rng, &org.contacts));
    }
    if rng.random_bool(0.5) {
        body["system_id"] = json!(one(rng, &org.systems));
    }
    body
}

// ---------------------------------------------------------------- bulk generator

/// A request row, every column including `id` and `version`.
struct GenRequest {
    id: i64,
    channel: &'static str,
    category: &'static str,
    impact: &'static str,
    urgency: &'static str,
    level: i64,
    level_override_reason: Option<&'static str>,
    title: &'static str,
    description: String,
    organization_id: i64,
    requester_contact_id: Option<i64>,
    requester_user_id: Option<i64>,
    system_id: Option<i64>,
    contract_id: Option<i64>,
    assignee_id: Option<i64>,
    team_id: Option<i64>,
    tier: &'static str,
    status: &'static str,
    stage: Option<&'static str>,
    waiting_for: Option<&'static str>,
    response_mode: Option<&'static str>,
    response_plan: Option<&'static str>,
    resolution: Option<&'static str>,
    third_party_ref: Option<String>,
    billable: bool,
    feedback_solved: Option<bool>,
    feedback_rating: Option<i64>,
    feedback_comment: Option<&'static str>,
    close_basis: Option<&'static str>,
    cancel_reason: Option<&'static str>,
    created_by: i64,
    created_at: i64,
    updated_at: i64,
    acknowledged_at: Option<i64>,
    responded_at: Option<i64>,
    resolved_at: Option<i64>,
    closed_at: Option<i64>,
    version: i64,
}

const REQUEST_COLUMNS: &str = "id, channel, category, impact, urgency, level, level_override_reason, title, description, \
organization_id, requester_contact_id, requester_user_id, system_id, contract_id, assignee_id, team_id, tier, status, \
stage, waiting_for, response_mode, response_plan, resolution, third_party_ref, billable, feedback_solved, \
feedback_rating, feedback_comment, close_basis, cancel_reason, created_by, created_at, updated_at, \
acknowledged_at, responded_at, resolved_at, closed_at, version";
const REQUEST_COLUMN_COUNT: usize = 38;

macro_rules! bind_requests {
    ($q:expr, $rows:expr) => {{
        let mut q = $q;
        for r in $rows {
            q = q
                .bind(r.id)
                .bind(r.channel)
                .bind(r.category)
                .bind(r.impact)
                .bind(r.urgency)
                .bind(r.level)
                .bind(r.level_override_reason)
                .bind(r.title)
                .bind(r.description.as_str())
                .bind(r.organization_id)
                .bind(r.requester_contact_id)
                .bind(r.requester_user_id)
                .bind(r.system_id)
                .bind(r.contract_id)
                .bind(r.assignee_id)
                .bind(r.team_id)
                .bind(r.tier)
                .bind(r.status)
                .bind(r.stage)
                .bind(r.waiting_for)
                .bind(r.response_mode)
                .bind(r.response_plan)
                .bind(r.resolution)
                .bind(r.third_party_ref.as_deref())
                .bind(r.billable)
                .bind(r.feedback_solved)
                .bind(r.feedback_rating)
                .bind(r.feedback_comment)
                .bind(r.close_basis)
                .bind(r.cancel_reason)
                .bind(r.created_by)
                .bind(r.created_at)
                .bind(r.updated_at)
                .bind(r.acknowledged_at)
                .bind(r.responded_at)
                .bind(r.resolved_at)
                .bind(r.closed_at)
                .bind(r.version);
        }
        q
    }};
}

/// A history row.
struct GenEvent {
    id: i64,
    request_id: i64,
    at: i64,
    actor_id: i64,
    kind: &'static str,
    field: Option<&'static str>,
    before: Option<String>,
    after: Option<String>,
    details: Option<String>,
}

const EVENT_COLUMNS: &str = "id, request_id, at, actor_id, kind, field, before, after, details";
const EVENT_COLUMN_COUNT: usize = 9;

macro_rules! bind_events {
    ($q:expr, $rows:expr) => {{
        let mut q = $q;
        for e in $rows {
            q = q
                .bind(e.id)
                .bind(e.request_id)
                .bind(e.at)
                .bind(e.actor_id)
                .bind(e.kind)
                .bind(e.field)
                .bind(e.before.as_deref())
                .bind(e.after.as_deref())
                .bind(e.details.as_deref());
        }
        q
    }};
}

/// `insert into table (columns) values (…), (…)` for `rows` rows. SQLite gets
/// anonymous `?` placeholders: it looks a numbered or named one (`$n`, `?n`) up
/// in a linear list on every bind, which makes binding 19,000 of them quadratic.
fn insert_sql(
    engine: Engine,
    table: &str,
    columns: &str,
    column_count: usize,
    rows: usize,
) -> String {
    let mut s = String::with_capacity(rows * column_count * 8 + 300);
    let _ = write!(s, "insert into {table} ({columns}) values ");
    let mut p = 1;
    for r in 0..rows {
        s.push_str(if r == 0 { "(" } else { ",(" });
        for c in 0..column_count {
            if c > 0 {
                s.push(',');
            }
            match engine {
                Engine::Sqlite => s.push('?'),
                Engine::Postgres => {
                    let _ = write!(s, "${p}");
                }
            }
            p += 1;
        }
        s.push(')');
    }
    s
}

/// Status by age: old requests are mostly closed, recent ones open.
fn status_for_age(rng: &mut SmallRng, age_ms: i64) -> &'static str {
    let table: &[(&str, u32)] = if age_ms < 2 * DAY_MS {
        &[
            ("new", 15),
            ("acknowledged", 15),
            ("assigned", 15),
            ("in_progress", 35),
            ("pending", 10),
            ("resolved", 7),
            ("cancelled", 3),
        ]
    } else if age_ms < 14 * DAY_MS {
        &[
            ("new", 2),
            ("acknowledged", 3),
            ("assigned", 8),
            ("in_progress", 30),
            ("pending", 15),
            ("resolved", 25),
            ("reopened", 2),
            ("closed", 12),
            ("cancelled", 3),
        ]
    } else if age_ms < 60 * DAY_MS {
        &[
            ("assigned", 2),
            ("in_progress", 8),
            ("pending", 5),
            ("resolved", 5),
            ("reopened", 1),
            ("closed", 75),
            ("cancelled", 4),
        ]
    } else {
        &[
            ("in_progress", 5),
            ("pending", 5),
            ("closed", 940),
            ("cancelled", 50),
        ]
    };
    pick(rng, table)
}

/// The statuses a request went through to reach `status`.
fn path_to(status: &str) -> &'static [&'static str] {
    const OPENED: [&str; 4] = ["new", "acknowledged", "assigned", "in_progress"];
    match status {
        "new" => &["new"],
        "acknowledged" => &OPENED[..2],
        "assigned" => &OPENED[..3],
        "in_progress" => &OPENED,
        "pending" => &["new", "acknowledged", "assigned", "in_progress", "pending"],
        "resolved" => &["new", "acknowledged", "assigned", "in_progress", "resolved"],
        "reopened" => &[
            "new",
            "acknowledged",
            "assigned",
            "in_progress",
            "resolved",
            "reopened",
        ],
        "closed" => &[
            "new",
            "acknowledged",
            "assigned",
            "in_progress",
            "resolved",
            "closed",
        ],
        _ => &["new", "acknowledged", "cancelled"],
    }
}

/// The history kind of reaching `status`, and how long that step took.
fn step(rng: &mut SmallRng, status: &str, level: i64) -> (&'static str, i64) {
    match status {
        "acknowledged" => ("acknowledged", rng.random_range(MINUTE_MS..30 * MINUTE_MS)),
        "assigned" => ("dispatched", rng.random_range(5 * MINUTE_MS..2 * HOUR_MS)),
        "in_progress" => ("responded", rng.random_range(10 * MINUTE_MS..4 * HOUR_MS)),
        "pending" => ("waiting_started", rng.random_range(HOUR_MS..2 * DAY_MS)),
        "resolved" if level >= 3 => ("resolved", rng.random_range(30 * MINUTE_MS..DAY_MS)),
        "resolved" => ("resolved", rng.random_range(HOUR_MS..5 * DAY_MS)),
        "reopened" => ("reopened", rng.random_range(HOUR_MS..3 * DAY_MS)),
        "closed" => ("closed", rng.random_range(DAY_MS..3 * DAY_MS)),
        _ => ("cancelled", rng.random_range(10 * MINUTE_MS..DAY_MS)),
    }
}

/// One request created at `created_at` with its 3–6 history rows, pushed to `events`.
fn gen_request(
    rng: &mut SmallRng,
    d: &Directory,
    id: i64,
    created_at: i64,
    now: i64,
    events: &mut Vec<GenEvent>,
) -> GenRequest {
    let org = d.org(rng);
    let channel = pick(rng, CHANNELS);
    let category = pick(rng, CATEGORIES);
    let impact = pick(rng, IMPACTS);
    let urgency = pick(rng, URGENCIES);
    let derived = FaultLevel::derive(impact, urgency).get() as i64;
    let (level, level_override_reason) = if derived < 5 && rng.random_bool(0.03) {
        (derived + 1, Some("VIP 客户关键业务受影响"))
    } else {
        (derived, None)
    };
    let status = status_for_age(rng, now - created_at);
    let path = path_to(status);
    let (created_by, requester_user_id, requester_contact_id) = if channel == "web" {
        (org.customer_user, Some(org.customer_user), None)
    } else {
        let contact = rng.random_bool(0.8).then(|| *one(rng, &org.contacts));
        (*one(rng, &d.agents), None, contact)
    };
    let desk_agent = *one(rng, &d.agents);
    let assigned = path.contains(&"assigned");
    let handler = one(rng, &d.staff);
    let (assignee_id, team_id) = if assigned {
        (Some(handler.id), Some(handler.team_id))
    } else {
        (None, None)
    };
    let tier = if !assigned {
        "l1"
    } else {
        pick(rng, &[("l1", 60), ("l2", 35), ("third_party", 5)])
    };

    // Time line: each step takes a while; squeeze it into the time since creation.
    let steps: Vec<(&str, &'static str, i64)> = path
        .iter()
        .skip(1)
        .map(|s| {
            let (kind, dt) = step(rng, s, level);
            (*s, kind, dt)
        })
        .collect();
    let total: i64 = steps.iter().map(|s| s.2).sum();
    let room = (now - MINUTE_MS - created_at).max(0);
    let scale = if total > room {
        room as f64 / total as f64
    } else {
        1.0
    };
    let mut at = created_at;
    let mut times = Vec::with_capacity(steps.len());
    for s in &steps {
        at += (s.2 as f64 * scale) as i64;
        times.push(at);
    }
    let updated_at = times.last().copied().unwrap_or(created_at);
    let time_of = |status: &str| {
        steps
            .iter()
            .zip(&times)
            .find(|(s, _)| s.0 == status)
            .map(|(_, t)| *t)
    };
    let responded = path.contains(&"in_progress");
    let resolution =
        matches!(status, "resolved" | "closed" | "reopened").then(|| *one(rng, RESOLUTIONS));
    let (feedback_solved, feedback_rating, feedback_comment) =
        if status == "closed" && rng.random_bool(0.6) {
            (
                Some(rng.random_bool(0.95)),
                Some(rng.random_range(3..=5)),
                rng.random_bool(0.5)
                    .then(|| *one(rng, &["处理及时，非常满意", "问题解决了，谢谢"])),
            )
        } else {
            (None, None, None)
        };
    let close_basis = (status == "closed").then_some(if feedback_solved.is_some() {
        "confirmed"
    } else {
        "auto_close"
    });
    let cancel_reason = (status == "cancelled").then(|| *one(rng, CANCEL_REASONS));
    let response_mode =
        responded.then(|| pick(rng, &[("remote", 60), ("phone", 30), ("onsite", 10)]));
    let response_plan = responded.then(|| *one(rng, PLANS));
    let waiting_for =
        (status == "pending").then(|| pick(rng, &[("customer", 70), ("third_party", 30)]));
    let r = GenRequest {
        id,
        channel,
        category,
        impact: impact.as_str(),
        urgency: urgency.as_str(),
        level,
        level_override_reason,
        title: TITLES[rng.random_range(0..TITLES.len())],
        description: description(rng),
        organization_id: org.id,
        requester_contact_id,
        requester_user_id,
        system_id: rng.random_bool(0.6).then(|| *one(rng, &org.systems)),
        contract_id: Some(org.contract_id),
        assignee_id,
        team_id,
        tier,
        status,
        stage: (status == "in_progress" && rng.random_bool(0.7)).then(|| {
            *one(
                rng,
                &["collecting", "analysing", "planning", "implementing"],
            )
        }),
        waiting_for,
        response_mode,
        response_plan,
        resolution,
        third_party_ref: (tier == "third_party").then(|| format!("TP-{id:08}")),
        billable: fuwu_app::requests::outside_free_period(&org.accepted_on, 24, created_at),
        feedback_solved,
        feedback_rating,
        feedback_comment,
        close_basis,
        cancel_reason,
        created_by,
        created_at,
        updated_at,
        acknowledged_at: time_of("acknowledged"),
        responded_at: time_of("in_progress"),
        resolved_at: if status == "reopened" {
            None
        } else {
            time_of("resolved")
        },
        closed_at: time_of("closed").or(time_of("cancelled")),
        version: path.len() as i64,
    };

    // History: created, one row per status change, padded with edits to 3–6 rows.
    let mut rows: Vec<GenEvent> = Vec::with_capacity(6);
    let details = json!({"channel": r.channel, "category": r.category, "level": r.level,
        "level_override_reason": r.level_override_reason, "billable": r.billable, "contract_id": r.contract_id});
    rows.push(GenEvent {
        id: 0,
        request_id: id,
        at: created_at,
        actor_id: created_by,
        kind: "created",
        field: None,
        before: None,
        after: None,
        details: Some(details.to_string()),
    });
    let mut prev = "new";
    for (s, t) in steps.iter().zip(&times) {
        let (to, kind) = (s.0, s.1);
        let actor = match kind {
            "acknowledged" | "dispatched" => desk_agent,
            "cancelled" => created_by,
            _ => handler.id,
        };
        let details = match kind {
            "dispatched" => {
                json!({"tier": r.tier, "assignee_id": r.assignee_id, "team_id": r.team_id})
            }
            "responded" => json!({"mode": r.response_mode, "plan": r.response_plan}),
            "waiting_started" => {
                json!({"waiting_for": r.waiting_for, "reason": "等待客户提供日志"})
            }
            "resolved" => json!({"resolution": r.resolution}),
            "reopened" => json!({"comment": "问题再次出现"}),
            "closed" => json!({"basis": r.close_basis}),
            "cancelled" => json!({"reason": r.cancel_reason}),
            _ => json!({}),
        };
        rows.push(GenEvent {
            id: 0,
            request_id: id,
            at: *t,
            actor_id: actor,
            kind,
            field: Some("status"),
            before: Some(prev.to_owned()),
            after: Some(to.to_owned()),
            details: Some(details.to_string()),
        });
        prev = to;
    }
    let target = if rows.len() < 6 && rng.random_bool(0.3) {
        (rows.len() + 1).max(3)
    } else {
        rows.len().max(3)
    };
    while rows.len() < target {
        let at = created_at + ((updated_at - created_at) as f64 * rng.random::<f64>()) as i64;
        rows.push(GenEvent {
            id: 0,
            request_id: id,
            at,
            actor_id: desk_agent,
            kind: "changed",
            field: Some("description"),
            before: Some(one(rng, SENTENCES).to_string()),
            after: Some(r.description.clone()),
            details: None,
        });
    }
    rows[1..].sort_by_key(|e| e.at);
    events.extend(rows);
    r
}

async fn insert_batch(
    c: &mut Conn<'_>,
    requests: &[GenRequest],
    events: &[GenEvent],
) -> Result<(), StoreError> {
    for chunk in requests.chunks(REQUESTS_PER_STATEMENT) {
        let sql = insert_sql(
            c.engine(),
            "requests",
            REQUEST_COLUMNS,
            REQUEST_COLUMN_COUNT,
            chunk.len(),
        );
        c.execute(bind_requests!(query_owned(sql), chunk)).await?;
    }
    for chunk in events.chunks(EVENTS_PER_STATEMENT) {
        let sql = insert_sql(
            c.engine(),
            "request_events",
            EVENT_COLUMNS,
            EVENT_COLUMN_COUNT,
            chunk.len(),
        );
        c.execute(bind_events!(query_owned(sql), chunk)).await?;
    }
    Ok(())
}

struct LoadStats {
    requests: u64,
    events: u64,
    secs: f64,
    /// Statistics and (PostgreSQL) vacuum + checkpoint after the load.
    settle_secs: f64,
}

/// Insert requests (with histories) until there are `target` in total.
async fn load_to(
    engine: Engine,
    db: &Db,
    d: &Directory,
    target: u64,
    rng: &mut SmallRng,
) -> Result<LoadStats> {
    let count = query_i64(db, "select count(*) from requests").await? as u64;
    let mut next_id = query_i64(db, "select coalesce(max(id), 0) from requests").await? + 1;
    let mut next_event =
        query_i64(db, "select coalesce(max(id), 0) from request_events").await? + 1;
    let n = target.saturating_sub(count);
    let now = jiff::Timestamp::now().as_millisecond();
    // Creation times over the past two years, in id order as they would be in service.
    let mut times: Vec<i64> = (0..n)
        .map(|_| rng.random_range(now - HISTORY_MS..now - MINUTE_MS))
        .collect();
    times.sort_unstable();
    let start = Instant::now();
    let mut done: u64 = 0;
    let mut events_total: u64 = 0;
    let mut last_report = Instant::now();
    for chunk in times.chunks(REQUESTS_PER_TX) {
        let mut requests = Vec::with_capacity(chunk.len());
        let mut events = Vec::with_capacity(chunk.len() * 5);
        for &created_at in chunk {
            requests.push(gen_request(rng, d, next_id, created_at, now, &mut events));
            next_id += 1;
        }
        for e in &mut events {
            e.id = next_event;
            next_event += 1;
        }
        done += requests.len() as u64;
        events_total += events.len() as u64;
        db.write(move |mut c| {
            Box::pin(async move { insert_batch(&mut c, &requests, &events).await })
        })
        .await
        .context("bulk insert")?;
        if last_report.elapsed() > Duration::from_secs(15) {
            last_report = Instant::now();
            progress(format!(
                "  loaded {} of {} requests ({:.0}/s)",
                thousands(done as f64),
                thousands(n as f64),
                done as f64 / start.elapsed().as_secs_f64()
            ));
        }
    }
    if engine == Engine::Postgres && n > 0 {
        db.write(|mut c| {
            Box::pin(async move {
                for t in ["requests", "request_events"] {
                    let sql = format!(
                        "select setval(pg_get_serial_sequence('{t}', 'id'), (select max(id) from {t}))"
                    );
                    c.execute_script(&sql).await?;
                }
                Ok::<_, StoreError>(())
            })
        })
        .await?;
    }
    let secs = start.elapsed().as_secs_f64();
    let settle = Instant::now();
    db.analyze().await?;
    if engine == Engine::Postgres {
        // Start the measurements from a steady state rather than measuring the
        // autovacuum and checkpoint the load would trigger anyway.
        let c = fuwu_store::pg::connect(&pg_bench_url()).await?;
        for sql in [
            "vacuum (analyze) requests",
            "vacuum (analyze) request_events",
            "checkpoint",
        ] {
            c.batch_execute(sql).await?;
        }
    }
    Ok(LoadStats {
        requests: n,
        events: events_total,
        secs,
        settle_secs: settle.elapsed().as_secs_f64(),
    })
}

// ---------------------------------------------------------------- one engine

struct ListResult {
    label: String,
    rows: usize,
    m: Measure,
}

struct SizeResult {
    size: u64,
    load: LoadStats,
    get_by_id: Measure,
    timeline: Measure,
    lists: Vec<ListResult>,
}

struct EngineResult {
    engine: Engine,
    facts: String,
    healthz: Measure,
    creates: Measure,
    created_rows: i64,
    sizes: Vec<SizeResult>,
}

const SEVERE_OPEN: &str = "level=3,4,5&status=new,acknowledged,assigned,in_progress&limit=50";
/// The severe queue in pages of 25, for its second page: at 10,000 requests the
/// queue holds about 60 rows, so pages of 50 would compare a 9-row page at
/// 10,000 with a full one at 1,000,000 — a page size, not a data size, effect.
const SEVERE_OPEN_25: &str = "level=3,4,5&status=new,acknowledged,assigned,in_progress&limit=25";

fn get(base: &str, token: &str, path: String) -> MakeRequest {
    let (base, token) = (base.to_owned(), token.to_owned());
    Arc::new(move |http, _| http.get(format!("{base}{path}")).bearer_auth(&token))
}

/// GET once; the number of items on the page and its `next_cursor`.
async fn probe(
    http: &reqwest::Client,
    base: &str,
    token: &str,
    query: &str,
) -> Result<(usize, Option<String>)> {
    let resp = http
        .get(format!("{base}/api/v1/requests?{query}"))
        .bearer_auth(token)
        .send()
        .await?;
    let status = resp.status();
    let v: Value = resp.json().await?;
    if status != StatusCode::OK {
        bail!("GET /api/v1/requests?{query} → {status}: {v}");
    }
    let rows = v["items"].as_array().map_or(0, Vec::len);
    Ok((rows, v["next_cursor"].as_str().map(str::to_owned)))
}

async fn measure_size(
    http: &reqwest::Client,
    s: &Server,
    d: &Arc<Directory>,
    size: u64,
    seconds: u64,
    load: LoadStats,
) -> Result<SizeResult> {
    let base = s.base.clone();
    let token = d.token.clone();
    progress(format!(
        "  GET /api/v1/requests/{{id}} at {}",
        thousands(size as f64)
    ));
    let make: MakeRequest = {
        let (base, token) = (base.clone(), token.clone());
        Arc::new(move |http, rng| {
            let id = rng.random_range(1..=size);
            http.get(format!("{base}/api/v1/requests/{id}"))
                .bearer_auth(&token)
        })
    };
    let get_by_id = hammer(http, seconds, StatusCode::OK, make).await;
    progress("  GET /api/v1/requests/{id}/timeline");
    let make: MakeRequest = {
        let (base, token) = (base.clone(), token.clone());
        Arc::new(move |http, rng| {
            let id = rng.random_range(1..=size);
            http.get(format!("{base}/api/v1/requests/{id}/timeline"))
                .bearer_auth(&token)
        })
    };
    let timeline = hammer(http, seconds, StatusCode::OK, make).await;

    let mut lists = Vec::new();
    let fixed = [
        "status=in_progress&limit=50".to_owned(),
        SEVERE_OPEN.to_owned(),
    ];
    let mut cases: Vec<(String, MakeRequest, String)> = fixed
        .iter()
        .map(|q| {
            (
                q.clone(),
                get(&base, &token, format!("/api/v1/requests?{q}")),
                q.clone(),
            )
        })
        .collect();
    {
        let (base, token, dd) = (base.clone(), token.clone(), d.clone());
        cases.push((
            "organization_id=X&limit=50 (X: one of 12 organizations, by their share)".into(),
            Arc::new(move |http, rng| {
                let org = dd.org(rng).id;
                http.get(format!(
                    "{base}/api/v1/requests?organization_id={org}&limit=50"
                ))
                .bearer_auth(&token)
            }),
            format!("organization_id={}&limit=50", d.orgs[0].id),
        ));
    }
    {
        let (base, token, dd) = (base.clone(), token.clone(), d.clone());
        cases.push((
            "assignee_id=Y&status=in_progress&limit=50 (Y: one of 20 staff)".into(),
            Arc::new(move |http, rng| {
                let y = one(rng, &dd.staff).id;
                http.get(format!(
                    "{base}/api/v1/requests?assignee_id={y}&status=in_progress&limit=50"
                ))
                .bearer_auth(&token)
            }),
            format!("assignee_id={}&status=in_progress&limit=50", d.staff[10].id),
        ));
    }
    cases.push((
        "sort=-updated_at&limit=50".into(),
        get(
            &base,
            &token,
            "/api/v1/requests?sort=-updated_at&limit=50".into(),
        ),
        "sort=-updated_at&limit=50".into(),
    ));
    let (_, cursor) = probe(http, &base, &token, SEVERE_OPEN_25).await?;
    match cursor {
        Some(cur) => {
            let q = format!("{SEVERE_OPEN_25}&cursor={cur}");
            cases.push((
                format!("{SEVERE_OPEN_25}&cursor=… (its second page)"),
                get(&base, &token, format!("/api/v1/requests?{q}")),
                q,
            ));
        }
        None => progress("  (the severe open queue has a single page: no second page to measure)"),
    }
    for (label, make, probe_query) in cases {
        let (rows, _) = probe(http, &base, &token, &probe_query).await?;
        progress(format!("  list {label}: {rows} rows on the probe page"));
        let m = hammer(http, seconds, StatusCode::OK, make).await;
        lists.push(ListResult { label, rows, m });
    }
    Ok(SizeResult {
        size,
        load,
        get_by_id,
        timeline,
        lists,
    })
}

async fn run_engine(engine: Engine, args: &Args, work_dir: &Path) -> Result<EngineResult> {
    let sqlite_dir = work_dir.join("sqlite");
    progress(format!("{}: starting the server", engine.name()));
    let s = start_server(engine, &sqlite_dir).await?;
    let http = reqwest::Client::builder()
        .no_proxy()
        .pool_max_idle_per_host(CLIENTS * 2)
        .build()?;
    let d = Arc::new(create_directory(&http, &s).await?);

    progress(format!("{}: GET /healthz", engine.name()));
    let healthz = hammer(&http, args.seconds, StatusCode::OK, {
        let base = s.base.clone();
        Arc::new(move |http, _| http.get(format!("{base}/healthz")))
    })
    .await;

    progress(format!("{}: POST /api/v1/requests", engine.name()));
    let creates = hammer(&http, args.seconds, StatusCode::CREATED, {
        let (base, token, dd) = (s.base.clone(), d.token.clone(), d.clone());
        Arc::new(move |http, rng| {
            http.post(format!("{base}/api/v1/requests"))
                .bearer_auth(&token)
                .json(&new_request_body(rng, &dd))
        })
    })
    .await;
    let created_rows = query_i64(&s.db, "select count(*) from requests").await?;
    // Remove them so that each size below is exact and the ids run 1..=size.
    s.db.write(|mut c| {
        Box::pin(async move {
            // Everything that refers to a request first (clocks, notifications, the search index).
            for sql in [
                "delete from outbox",
                "delete from notifications",
                "delete from request_clocks",
                // The queue before the index: a drain running meanwhile then finds
                // its entries gone and writes nothing.
                "delete from search_queue",
                "delete from search_requests",
                "delete from idempotency_keys",
                "delete from request_events",
                "delete from requests",
            ] {
                c.execute(query(sql)).await?;
            }
            Ok::<_, StoreError>(())
        })
    })
    .await?;

    let mut rng = SmallRng::seed_from_u64(20_260_101);
    let mut sizes = Vec::new();
    for &size in &args.sizes {
        progress(format!(
            "{}: loading to {} requests",
            engine.name(),
            thousands(size as f64)
        ));
        let load = load_to(engine, &s.db, &d, size, &mut rng).await?;
        progress(format!(
            "  loaded {} requests + {} history rows in {:.1} s ({:.0} requests/s), settled in {:.1} s",
            thousands(load.requests as f64),
            thousands(load.events as f64),
            load.secs,
            load.requests as f64 / load.secs.max(1e-9),
            load.settle_secs
        ));
        sizes.push(measure_size(&http, &s, &d, size, args.seconds, load).await?);
    }

    drop(http);
    s.task.abort();
    let _ = s.task.await;
    drop(s.app);
    s.db.close().await;
    if engine == Engine::Sqlite && !args.keep {
        let _ = std::fs::remove_dir_all(&sqlite_dir);
    }
    Ok(EngineResult {
        engine,
        facts: s.engine_facts,
        healthz,
        creates,
        created_rows,
        sizes,
    })
}

// ---------------------------------------------------------------- the report

fn engine_report(r: &EngineResult, disk: f64, seconds: u64) -> String {
    let mut o = String::new();
    let title = match r.engine {
        Engine::Sqlite => "SQLite",
        Engine::Postgres => "PostgreSQL",
    };
    let _ = writeln!(o, "## {title}\n\n{}\n", r.facts);
    let _ = writeln!(
        o,
        "Every HTTP figure: {CLIENTS} clients for {seconds} s. CPU: cores busy during the measurement — this process (server and clients) / PostgreSQL / everything else.\n"
    );
    let _ = writeln!(
        o,
        "| Figure | Result | CPU | Target | Met |\n|---|---|---|---|---|"
    );
    let _ = writeln!(
        o,
        "| Disk ceiling (4 KiB write + fdatasync) | {} commits/s | | — | |",
        thousands(disk)
    );
    let _ = writeln!(
        o,
        "| `GET /healthz` | {} | {} | the ceiling | |",
        r.healthz.summary("req"),
        r.healthz.cpu.cell()
    );
    let create_target = 0.5 * disk;
    let _ = writeln!(
        o,
        "| `POST /api/v1/requests` (empty database) | {} | {} | ≥ 0.5 × disk = {}/s | {} |",
        r.creates.summary("creates"),
        r.creates.cpu.cell(),
        thousands(create_target),
        mark(r.creates.rate() >= create_target && r.creates.errors == 0)
    );
    let get_target = 0.5 * r.healthz.rate();
    for sz in &r.sizes {
        let l = &sz.load;
        let _ = writeln!(
            o,
            "| Bulk load to {} | {} requests + {} history rows in {:.1} s: **{} requests/s** (then {:.1} s {}) | | — | |",
            thousands(sz.size as f64),
            thousands(l.requests as f64),
            thousands(l.events as f64),
            l.secs,
            thousands(l.requests as f64 / l.secs.max(1e-9)),
            l.settle_secs,
            match r.engine {
                Engine::Sqlite => "analyze",
                Engine::Postgres => "analyze, vacuum, checkpoint",
            }
        );
        let _ = writeln!(
            o,
            "| `GET /api/v1/requests/{{id}}` at {} | {} | {} | ≥ 0.5 × healthz = {}/s | {} |",
            thousands(sz.size as f64),
            sz.get_by_id.summary("req"),
            sz.get_by_id.cpu.cell(),
            thousands(get_target),
            mark(sz.get_by_id.rate() >= get_target && sz.get_by_id.errors == 0)
        );
        let _ = writeln!(
            o,
            "| `GET /api/v1/requests/{{id}}/timeline` at {} (for reference) | {} | {} | — | |",
            thousands(sz.size as f64),
            sz.timeline.summary("req"),
            sz.timeline.cpu.cell(),
        );
    }
    let _ = writeln!(o);

    if let (Some(small), Some(large)) = (r.sizes.first(), r.sizes.last()) {
        let (a, b) = (thousands(small.size as f64), thousands(large.size as f64));
        let _ = writeln!(
            o,
            "List latencies, `GET /api/v1/requests?…` (rows: on the page measured; target: p99 at {b} ≤ 2 × p99 at {a}):\n"
        );
        let _ = writeln!(
            o,
            "| Query | Size | Rows | req/s | p50 | p99 | CPU | Target | Met |\n|---|---|---|---|---|---|---|---|---|"
        );
        for q in &small.lists {
            let big = large.lists.iter().find(|x| x.label == q.label);
            let _ = writeln!(
                o,
                "| `{}` | {a} | {} | {} | {} | {} | {} | | |",
                q.label,
                q.rows,
                thousands(q.m.rate()),
                ms(q.m.p50()),
                ms(q.m.p99()),
                q.m.cpu.cell()
            );
            if let (Some(big), true) = (big, small.size != large.size) {
                let limit = 2.0 * q.m.p99();
                let _ = writeln!(
                    o,
                    "| ″ | {b} | {} | {} | {} | {} | {} | ≤ {} | {} |",
                    big.rows,
                    thousands(big.m.rate()),
                    ms(big.m.p50()),
                    ms(big.m.p99()),
                    big.m.cpu.cell(),
                    ms(limit),
                    mark(big.m.p99() <= limit && big.m.errors == 0 && q.m.errors == 0)
                );
            }
        }
        if small.size == large.size {
            let _ = writeln!(o, "\n(One size only: the scaling target needs two sizes.)");
        }
        let uneven: Vec<&str> = small
            .lists
            .iter()
            .filter(|q| {
                large
                    .lists
                    .iter()
                    .any(|x| x.label == q.label && x.rows != q.rows)
            })
            .map(|q| q.label.as_str())
            .collect();
        if small.size != large.size && !uneven.is_empty() {
            let _ = writeln!(
                o,
                "\nNote: {} returned fewer rows at {a} than at {b} (see Rows); every row served costs time, so part of the difference is the page size, not the data size.",
                uneven
                    .iter()
                    .map(|l| format!("`{l}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            );
        }
    }

    let mut problems = Vec::new();
    let mut note = |what: &str, m: &Measure| {
        if m.errors > 0 {
            problems.push(format!(
                "- {what}: {} errors (first: {})",
                m.errors,
                m.first_error.as_deref().unwrap_or("?")
            ));
        }
    };
    note("GET /healthz", &r.healthz);
    note("POST /api/v1/requests", &r.creates);
    for sz in &r.sizes {
        note(
            &format!("GET /api/v1/requests/{{id}} at {}", sz.size),
            &sz.get_by_id,
        );
        note(
            &format!("GET /api/v1/requests/{{id}}/timeline at {}", sz.size),
            &sz.timeline,
        );
        for q in &sz.lists {
            note(&format!("list `{}` at {}", q.label, sz.size), &q.m);
        }
    }
    let _ = writeln!(
        o,
        "\nThe create test made {} requests; they were deleted before the bulk load so that each size is exact.",
        thousands(r.created_rows as f64)
    );
    if problems.is_empty() {
        let _ = writeln!(o, "No request failed in any measurement.\n");
    } else {
        let _ = writeln!(
            o,
            "\n**Failed requests** (a figure with failures does not meet its target):\n"
        );
        for p in problems {
            let _ = writeln!(o, "{p}");
        }
        let _ = writeln!(o);
    }
    o
}

async fn run(args: Args) -> Result<()> {
    let work_dir = std::env::temp_dir().join("fuwu-bench");
    std::fs::create_dir_all(&work_dir)?;
    let m = machine();
    let disk_secs = (args.seconds as f64).min(5.0);
    progress(format!(
        "disk ceiling in {} ({disk_secs} s)",
        work_dir.display()
    ));
    let disk = {
        let dir = work_dir.clone();
        tokio::task::spawn_blocking(move || disk_ceiling(&dir, disk_secs)).await??
    };
    let pg_note = if args.engines.contains(&Engine::Postgres) {
        pg_data_directory_note(&work_dir).await
    } else {
        String::new()
    };
    let engines = args
        .engines
        .iter()
        .map(|e| e.name())
        .collect::<Vec<_>>()
        .join(",");
    let sizes = args
        .sizes
        .iter()
        .map(u64::to_string)
        .collect::<Vec<_>>()
        .join(",");
    println!("# Fuwu API benchmark\n");
    println!(
        "- Command: `cargo bench -p fuwu --bench api -- --engine {} --sizes {sizes} --seconds {}`",
        if args.engines.len() == 2 {
            "both"
        } else {
            engines.as_str()
        },
        args.seconds
    );
    println!("- Date: {}", m.date);
    println!("- Code: {}", git_revision());
    println!(
        "- Machine: nproc = {}, {}, {} RAM, {}",
        m.cpus, m.cpu_model, m.memory, m.kernel
    );
    println!(
        "- Clients: {CLIENTS} concurrent HTTP/1.1 keep-alive clients (tokio tasks sharing one reqwest::Client) in the same process as the server, so they share its CPUs; a warm-up of up to 1 s precedes each measurement and is not counted."
    );
    println!(
        "- Disk ceiling: **{} durable commits/s** (write 4 KiB at offset 0 + fdatasync, {disk_secs} s, in `{}`){pg_note}\n",
        thousands(disk),
        work_dir.display()
    );
    for &engine in &args.engines {
        match run_engine(engine, &args, &work_dir).await {
            Ok(r) => println!("{}", engine_report(&r, disk, args.seconds)),
            Err(e) => {
                progress(format!("{}: failed: {e:#}", engine.name()));
                println!("## {}\n\nNot measured: {e:#}\n", engine.name());
            }
        }
    }
    Ok(())
}

/// The commit measured, and whether the work tree had changes.
fn git_revision() -> String {
    let git = |args: &[&str]| {
        std::process::Command::new("git")
            .args(args)
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .output()
            .ok()
            .filter(|o| o.status.success())
            .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
    };
    match git(&["log", "-1", "--format=%h %s"]) {
        Some(head) => {
            let dirty = git(&["status", "--porcelain", "--untracked-files=no"])
                .is_some_and(|s| !s.is_empty());
            format!(
                "commit {head}{}",
                if dirty {
                    " (with uncommitted changes)"
                } else {
                    ""
                }
            )
        }
        None => "unknown (no git)".into(),
    }
}

/// Where PostgreSQL keeps its data, and whether that is the disk measured.
async fn pg_data_directory_note(work_dir: &Path) -> String {
    let Ok(c) = fuwu_store::pg::connect(&pg_admin_url()).await else {
        return String::new();
    };
    let dir: Option<String> = c
        .query_opt("select current_setting('data_directory')", &[])
        .await
        .ok()
        .flatten()
        .map(|r| r.get(0));
    let Some(dir) = dir else {
        return String::new();
    };
    let same = match (std::fs::metadata(&dir), std::fs::metadata(work_dir)) {
        (Ok(a), Ok(b)) if a.dev() == b.dev() => "the same device",
        (Ok(_), Ok(_)) => "a DIFFERENT device",
        _ => "a device not checked (no access)",
    };
    format!("; PostgreSQL's data directory `{dir}` is on {same}")
}

fn main() -> Result<()> {
    let args = parse_args()?;
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    rt.block_on(run(args))
}
