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

mod common;

// As in the product (src/main.rs).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

use anyhow::{Context, Result, anyhow, bail};
use common::*;
use fuwu_store::{Engine, StoreError, query};
use rand::rngs::SmallRng;
use rand::{RngExt, SeedableRng};
use reqwest::StatusCode;
use serde_json::Value;
use std::fmt::Write as _;
use std::os::unix::fs::{FileExt, MetadataExt};
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

const USAGE: &str = "usage: cargo bench -p fuwu --bench api -- [--engine sqlite|postgres|both] \
[--sizes 10000,1000000] [--seconds N] [--keep]";

/// Concurrent HTTP clients in every measurement.
const CLIENTS: usize = 16;

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
        .map_or_else(
            || "unknown".into(),
            |l| l.trim_start_matches([' ', '\t', ':']).trim().to_owned(),
        );
    let meminfo = std::fs::read_to_string("/proc/meminfo").unwrap_or_default();
    let memory = meminfo
        .lines()
        .find_map(|l| l.strip_prefix("MemTotal:"))
        .and_then(|l| l.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        .map_or_else(
            || "unknown".into(),
            |kb| format!("{:.1} GiB", kb / 1024.0 / 1024.0),
        );
    let kernel = std::fs::read_to_string("/proc/sys/kernel/osrelease").map_or_else(
        |_| std::env::consts::OS.to_owned(),
        |s| format!("Linux {}", s.trim()),
    );
    Machine {
        cpus: std::thread::available_parallelism().map_or(1, std::num::NonZero::get),
        cpu_model,
        memory,
        kernel,
        date: jiff::Zoned::now()
            .strftime("%Y-%m-%d %H:%M:%S %Z")
            .to_string(),
    }
}

// ---------------------------------------------------------------- disk ceiling

/// Durable commits the disk under `dir` allows: (write 4 KiB at offset 0,
/// fdatasync) in a loop for `seconds`; the commits made and the seconds taken.
fn disk_ceiling(dir: &Path, seconds: f64) -> Result<(u64, f64)> {
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
    let took = start.elapsed().as_secs_f64();
    drop(file);
    let _ = std::fs::remove_file(&path);
    Ok((n, took))
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
        let cpus = std::thread::available_parallelism().map_or(1, std::num::NonZero::get) as f64;
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
    fn empty() -> Measure {
        Measure {
            ok: 0,
            errors: 0,
            secs: 0.0,
            latencies: Vec::new(),
            first_error: None,
            cpu: CpuUse::default(),
        }
    }
    /// Add another slice of the same measurement (latencies are sorted by the caller).
    fn absorb(&mut self, other: Measure) {
        let (w0, w1) = (self.secs, other.secs);
        let total = (w0 + w1).max(1e-9);
        let mix = |x: f64, y: f64| (x * w0 + y * w1) / total;
        self.cpu = CpuUse {
            own: mix(self.cpu.own, other.cpu.own),
            postgres: mix(self.cpu.postgres, other.cpu.postgres),
            other: mix(self.cpu.other, other.cpu.other),
        };
        self.ok += other.ok;
        self.errors += other.errors;
        self.secs += other.secs;
        self.latencies.extend(other.latencies);
        if self.first_error.is_none() {
            self.first_error = other.first_error;
        }
    }
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

/// A warm-up that is not counted, then the time that is.
#[derive(Debug, Clone, Copy)]
struct Window {
    warmup: Duration,
    measure: Duration,
}

impl Window {
    /// One measurement of `seconds`, after a warm-up of up to 1 s.
    fn whole(seconds: u64) -> Window {
        Window {
            warmup: Duration::from_secs_f64((seconds as f64 / 5.0).min(1.0)),
            measure: Duration::from_secs(seconds),
        }
    }
}

/// Run `make` from [`CLIENTS`] concurrent tasks for the window's warm-up and
/// then its measured time; count answers with `expect` as successes.
async fn hammer(
    client: &reqwest::Client,
    window: Window,
    expect: StatusCode,
    make: MakeRequest,
) -> Measure {
    let measure_from = Instant::now() + window.warmup;
    let until = measure_from + window.measure;
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
    let mut m = Measure::empty();
    m.cpu = CpuUse::between(before, after);
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
        .max(window.measure.as_secs_f64());
    m.latencies.sort_unstable();
    m
}

/// What one side of an interleaved measurement does.
#[derive(Clone)]
enum Load {
    /// HTTP requests from [`CLIENTS`] clients; answers with this status count.
    Http(StatusCode, MakeRequest),
    /// The disk ceiling's write + fdatasync loop in this folder.
    Disk(std::path::PathBuf),
}

/// Length of one slice of an interleaved measurement.
const SLICE: Duration = Duration::from_millis(500);

/// Measure `a` and `b` for `seconds` each, in alternating half-second slices
/// (A B B A A B …), so that both see the same machine. On these shared hosts
/// the rate of the same loop moves by ±30 % within minutes; a ceiling measured
/// a minute away from the figure it is a ceiling for compares two machines.
async fn interleaved(
    client: &reqwest::Client,
    seconds: u64,
    a: &Load,
    b: &Load,
) -> Result<(Measure, Measure)> {
    let (mut ma, mut mb) = (Measure::empty(), Measure::empty());
    // Each side's first slice starts from a full warm-up; later ones from a short one.
    let mut warm = (false, false);
    for round in 0..seconds * 2 {
        let order = if round % 2 == 0 {
            [true, false]
        } else {
            [false, true]
        };
        for first in order {
            let (load, into, warmed) = if first {
                (a, &mut ma, &mut warm.0)
            } else {
                (b, &mut mb, &mut warm.1)
            };
            let window = Window {
                warmup: Duration::from_millis(if *warmed { 100 } else { 1000 }),
                measure: SLICE,
            };
            *warmed = true;
            into.absorb(slice(client, load, window).await?);
        }
    }
    ma.latencies.sort_unstable();
    mb.latencies.sort_unstable();
    Ok((ma, mb))
}

async fn slice(client: &reqwest::Client, load: &Load, window: Window) -> Result<Measure> {
    Ok(match load {
        Load::Http(expect, make) => hammer(client, window, *expect, make.clone()).await,
        Load::Disk(dir) => {
            let dir = dir.clone();
            let secs = window.measure.as_secs_f64();
            let before = cpu_sample();
            let (n, took) = tokio::task::spawn_blocking(move || disk_ceiling(&dir, secs)).await??;
            let mut m = Measure::empty();
            m.ok = n;
            m.secs = took;
            m.cpu = CpuUse::between(before, cpu_sample());
            m
        }
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
    /// `GET /healthz`, interleaved with `get_by_id`: its ceiling.
    healthz: Measure,
    timeline: Measure,
    lists: Vec<ListResult>,
}

struct EngineResult {
    engine: Engine,
    facts: String,
    /// The disk ceiling's loop, interleaved with `creates`: their ceiling.
    disk: Measure,
    creates: Measure,
    created_rows: i64,
    sizes: Vec<SizeResult>,
}

const SEVERE_OPEN: &str = "level=3,4,5&status=new,acknowledged,assigned,in_progress&limit=50";
/// The severe queue in pages of 25, for its second page: at 10,000 requests the
/// queue holds about 60 rows, so pages of 50 would compare a 9-row page at
/// 10,000 with a full one at 1,000,000 — a page size, not a data size, effect.
/// The page of one person's queue, measured: every person fills it at each size.
const QUEUE_PAGE: usize = 5;
const SEVERE_OPEN_25: &str = "level=3,4,5&status=new,acknowledged,assigned,in_progress&limit=25";

fn healthz_request(base: &str) -> MakeRequest {
    let base = base.to_owned();
    Arc::new(move |http, _| http.get(format!("{base}/healthz")))
}

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
    // Against the ceiling measured in the same seconds (see `interleaved`).
    let (get_by_id, healthz) = interleaved(
        http,
        seconds,
        &Load::Http(StatusCode::OK, make),
        &Load::Http(StatusCode::OK, healthz_request(&base)),
    )
    .await?;
    progress("  GET /api/v1/requests/{id}/timeline");
    let make: MakeRequest = {
        let (base, token) = (base.clone(), token.clone());
        Arc::new(move |http, rng| {
            let id = rng.random_range(1..=size);
            http.get(format!("{base}/api/v1/requests/{id}/timeline"))
                .bearer_auth(&token)
        })
    };
    let timeline = hammer(http, Window::whole(seconds), StatusCode::OK, make).await;

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
    // One person's queue: every person's queue is short at 10,000 requests
    // (a handful in progress each) and long at 1,000,000, so a page of 50
    // would compare 7 rows with 50 — the page's size, not the data's. A page
    // of QUEUE_PAGE from people who fill it compares the same work at both sizes.
    let mut full_queues = Vec::new();
    for person in &d.staff {
        let q = format!(
            "assignee_id={}&status=in_progress&limit={QUEUE_PAGE}",
            person.id
        );
        if probe(http, &base, &token, &q).await?.0 == QUEUE_PAGE {
            full_queues.push(person.id);
        }
    }
    if let Some(&first) = full_queues.first() {
        let (base, token) = (base.clone(), token.clone());
        let people = Arc::new(full_queues);
        cases.push((
            format!(
                "assignee_id=Y&status=in_progress&limit={QUEUE_PAGE} (Y: one of the staff with ≥ {QUEUE_PAGE} in progress)"
            ),
            Arc::new(move |http, rng| {
                let y = one(rng, &people[..]);
                http.get(format!(
                    "{base}/api/v1/requests?assignee_id={y}&status=in_progress&limit={QUEUE_PAGE}"
                ))
                .bearer_auth(&token)
            }),
            format!("assignee_id={first}&status=in_progress&limit={QUEUE_PAGE}"),
        ));
    } else {
        progress(format!(
            "  (nobody has {QUEUE_PAGE} requests in progress: one person's queue is not measured)"
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
        let m = hammer(http, Window::whole(seconds), StatusCode::OK, make).await;
        lists.push(ListResult { label, rows, m });
    }
    Ok(SizeResult {
        size,
        load,
        get_by_id,
        healthz,
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

    progress(format!(
        "{}: POST /api/v1/requests, interleaved with the disk ceiling",
        engine.name()
    ));
    let create: MakeRequest = {
        let (base, token, dd) = (s.base.clone(), d.token.clone(), d.clone());
        Arc::new(move |http, rng| {
            http.post(format!("{base}/api/v1/requests"))
                .bearer_auth(&token)
                .json(&new_request_body(rng, &dd))
        })
    };
    let (creates, disk) = interleaved(
        &http,
        args.seconds,
        &Load::Http(StatusCode::CREATED, create),
        &Load::Disk(work_dir.to_path_buf()),
    )
    .await?;
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
        disk,
        creates,
        created_rows,
        sizes,
    })
}

// ---------------------------------------------------------------- the report

fn engine_report(r: &EngineResult, seconds: u64) -> String {
    let mut o = String::new();
    let title = match r.engine {
        Engine::Sqlite => "SQLite",
        Engine::Postgres => "PostgreSQL",
    };
    let _ = writeln!(o, "## {title}\n\n{}\n", r.facts);
    let _ = writeln!(
        o,
        "Every HTTP figure: {CLIENTS} clients for {seconds} s. A figure with a ceiling is measured in alternating half-second slices with that ceiling (creates with the disk's commit loop, get-by-id with `GET /healthz`), so that both see the same machine. CPU: cores busy during the measurement — this process (server and clients) / PostgreSQL / everything else.\n"
    );
    let _ = writeln!(
        o,
        "| Figure | Result | CPU | Target | Met |\n|---|---|---|---|---|"
    );
    let _ = writeln!(
        o,
        "| Disk ceiling (4 KiB write + fdatasync), interleaved with the creates | {} commits/s | | the ceiling | |",
        thousands(r.disk.rate())
    );
    let create_target = 0.5 * r.disk.rate();
    let _ = writeln!(
        o,
        "| `POST /api/v1/requests` (empty database) | {} | {} | ≥ 0.5 × disk = {}/s | {} |",
        r.creates.summary("creates"),
        r.creates.cpu.cell(),
        thousands(create_target),
        mark(r.creates.rate() >= create_target && r.creates.errors == 0)
    );
    for sz in &r.sizes {
        let get_target = 0.5 * sz.healthz.rate();
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
            "| `GET /healthz` at {}, interleaved with get-by-id | {} | {} | the ceiling | |",
            thousands(sz.size as f64),
            sz.healthz.summary("req"),
            sz.healthz.cpu.cell()
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
    note("POST /api/v1/requests", &r.creates);
    for sz in &r.sizes {
        note(&format!("GET /healthz at {}", sz.size), &sz.healthz);
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
        let (n, took) =
            tokio::task::spawn_blocking(move || disk_ceiling(&dir, disk_secs)).await??;
        n as f64 / took.max(1e-9)
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
        "- Disk at the start: **{} durable commits/s** (write 4 KiB at offset 0 + fdatasync, {disk_secs} s, in `{}`){pg_note}; each engine's create target uses the disk measured alongside its creates\n",
        thousands(disk),
        work_dir.display()
    );
    for &engine in &args.engines {
        match run_engine(engine, &args, &work_dir).await {
            Ok(r) => println!("{}", engine_report(&r, args.seconds)),
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
