//! The search benchmark (issue 6, item 7). Run it as
//!
//! ```text
//! cargo bench -p fuwu --bench search -- [--engine sqlite|postgres|both] [--requests N] [--articles M] [--seconds S]
//! ```
//!
//! Per engine, on a fresh database: bulk-loads N requests (Chinese, English
//! and mixed titles and descriptions made from the scenarios of the search
//! quality set — the demo data and the fault categories of the service plan —
//! with varied organizations, systems, numbers and error codes), creates M
//! articles through the knowledge-base use case (indexed in their
//! transaction), queues every request for the index and times the real queue
//! drain (`App::drain_search_queue`, as `fuwu serve` and every search run
//! it), then runs the quality set's queries for S seconds through the app
//! layer and S seconds over HTTP, one at a time, and reports p50/p99.
//! Prints a Markdown report to stdout, progress to stderr. PostgreSQL is
//! reached through `FUWU_BENCH_PG_URL` (default: the local Unix socket when
//! it exists, else `postgres://postgres@127.0.0.1:5432/postgres`); the benchmark drops and
//! recreates the database `fuwu_bench_search` there. SQLite lives in
//! `target/bench-search-sqlite`. `--reuse` keeps either engine's data from
//! the previous run and only searches it (a fresh process: cold queries).

mod common;

use anyhow::{Context, Result, anyhow, bail};
use fuwu_app::search::{SearchFilters, SearchKind};
use fuwu_app::{App, Settings, SystemClock};
use fuwu_store::directory::UserFields;
use fuwu_store::{Db, Engine, Location, StoreError, query, query_owned};
use rand::rngs::SmallRng;
use rand::{RngExt, SeedableRng};
use serde_json::{Value, json};
use std::fmt::Write as _;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

const USAGE: &str = "usage: cargo bench -p fuwu --bench search -- [--engine sqlite|postgres|both] \
[--requests N] [--articles M] [--seconds S] [--reuse]";
const BENCH_DB: &str = "fuwu_bench_search";
const ROWS_PER_STATEMENT: usize = 500;
const ROWS_PER_TX: usize = 10_000;
const ORGANIZATIONS: usize = 20;
const QUALITY_SET: &str = include_str!("../tests/api/search_quality.json");

struct Args {
    engines: Vec<Engine>,
    requests: usize,
    articles: usize,
    seconds: u64,
    /// SQLite: search the database a previous run left, without loading or indexing.
    reuse: bool,
}

fn parse_args() -> Result<Args> {
    let mut a = Args {
        engines: vec![Engine::Sqlite, Engine::Postgres],
        requests: 100_000,
        articles: 1_000,
        seconds: 10,
        reuse: false,
    };
    let mut it = std::env::args().skip(1);
    while let Some(raw) = it.next() {
        let (key, inline) = match raw.split_once('=') {
            Some((k, v)) => (k.to_owned(), Some(v.to_owned())),
            None => (raw.clone(), None),
        };
        let mut value = || {
            inline
                .clone()
                .or_else(|| it.next())
                .ok_or_else(|| anyhow!("{key} needs a value; {USAGE}"))
        };
        let count = |v: String| -> Result<usize> {
            v.replace('_', "")
                .parse()
                .with_context(|| format!("{key} takes a count; {USAGE}"))
        };
        match key.as_str() {
            // `cargo bench` passes `--bench` to every bench target.
            "--bench" => {}
            "--engine" => {
                a.engines = match value()?.as_str() {
                    "sqlite" => vec![Engine::Sqlite],
                    "postgres" => vec![Engine::Postgres],
                    "both" => vec![Engine::Sqlite, Engine::Postgres],
                    other => bail!("unknown engine `{other}`; {USAGE}"),
                }
            }
            "--requests" => a.requests = count(value()?)?,
            "--articles" => a.articles = count(value()?)?,
            "--seconds" => a.seconds = count(value()?)?.max(1) as u64,
            "--reuse" => a.reuse = true,
            "-h" | "--help" => {
                println!("{USAGE}");
                std::process::exit(0);
            }
            other => bail!("unknown argument `{other}`; {USAGE}"),
        }
    }
    Ok(a)
}

fn progress(msg: impl AsRef<str>) {
    eprintln!(
        "[{}] {}",
        jiff::Zoned::now().strftime("%H:%M:%S"),
        msg.as_ref()
    );
}

/// The scenarios (documents) and queries of the quality set.
struct Corpus {
    docs: Vec<Value>,
    queries: Vec<String>,
}

fn corpus() -> Result<Corpus> {
    let set: Value = serde_json::from_str(QUALITY_SET)?;
    let docs = set["documents"].as_array().context("documents")?.clone();
    let queries = set["queries"]
        .as_array()
        .context("queries")?
        .iter()
        .filter_map(|q| q["q"].as_str().map(str::to_owned))
        .collect();
    Ok(Corpus { docs, queries })
}

const PLACES: &[&str] = &[
    "门诊楼",
    "住院部",
    "教务处",
    "信息中心",
    "财务科",
    "放射科",
    "办事大厅",
    "机房",
    "三楼",
    "分会场",
];
const HOSTS: &[&str] = &[
    "app01", "db-02", "his-web3", "pacs-01", "fw-core", "sw-b2", "nas01",
];
/// English requests (a share of customers and monitoring write English).
const ENGLISH: &[(&str, &str)] = &[
    (
        "VPN client cannot connect after certificate renewal",
        "Users report the VPN client fails with a TLS handshake error since this morning.",
    ),
    (
        "Database connection pool exhausted on the HIS application server",
        "Connection pool timeout errors in the application log, ORA-12519 seen repeatedly.",
    ),
    (
        "Printer jams and invoices cannot be reprinted",
        "The invoice printer at the cashier window jams; the reprint button is greyed out.",
    ),
    (
        "Core switch power supply alarm",
        "Monitoring alarm: power module 2 of the core switch reports a failure, traffic is normal.",
    ),
    (
        "Backup job failed with client connection timeout",
        "Two nightly backup jobs failed, the backup server could not reach the clients.",
    ),
    (
        "Portal website very slow under heavy traffic",
        "The homepage takes more than 20 seconds to load, the WAF log shows many requests from abroad.",
    ),
    (
        "Storage controller failure, volumes offline",
        "Both storage controllers reported errors, all mounted volumes went offline.",
    ),
    (
        "Request for training on the new version",
        "Please arrange a training session on the new features for key users.",
    ),
];

fn one<'a, T>(rng: &mut SmallRng, items: &'a [T]) -> &'a T {
    &items[rng.random_range(0..items.len())]
}

fn text(doc: &Value, field: &str) -> String {
    doc[field].as_str().unwrap_or_default().to_owned()
}

/// A request: (title, description, resolution) in Chinese (70 %), mixed
/// (15 %) or English (15 %).
fn gen_text(rng: &mut SmallRng, docs: &[Value]) -> (String, String, Option<String>) {
    let doc = one(rng, docs);
    let place = one(rng, PLACES);
    let host = one(rng, HOSTS);
    let n = rng.random_range(1..100);
    let solved = rng.random_range(0..10) < 7;
    match rng.random_range(0..20) {
        0..14 => (
            format!("{}{}", place, text(doc, "title")),
            format!("{} 第 {n} 次来电，联系人在{place}。", text(doc, "symptom")),
            solved.then(|| text(doc, "solution")),
        ),
        14..17 => (
            format!("{} ({host})", text(doc, "title")),
            format!(
                "{} Server {host} logs error code E{n:03}; {}",
                text(doc, "symptom"),
                doc["tags"]
                    .as_array()
                    .map(|t| t
                        .iter()
                        .filter_map(Value::as_str)
                        .collect::<Vec<_>>()
                        .join(", "))
                    .unwrap_or_default()
            ),
            solved.then(|| text(doc, "solution")),
        ),
        _ => {
            let (t, d) = one(rng, ENGLISH);
            (
                format!("{t} ({host})"),
                format!("{d} Seen {n} times."),
                solved.then(|| "Fixed remotely, the user confirmed.".to_owned()),
            )
        }
    }
}

const COLUMNS: &str = "id, channel, category, impact, urgency, level, title, description, organization_id, \
tier, status, resolution, created_by, created_at, updated_at";
const COLUMN_COUNT: usize = 15;

fn insert_sql(engine: Engine, rows: usize) -> String {
    let mut s = format!("insert into requests ({COLUMNS}) values ");
    let mut p = 1;
    for r in 0..rows {
        s.push_str(if r == 0 { "(" } else { ",(" });
        for c in 0..COLUMN_COUNT {
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

struct Row {
    id: i64,
    category: &'static str,
    level: i64,
    title: String,
    description: String,
    org: i64,
    status: &'static str,
    resolution: Option<String>,
    at: i64,
}

/// Load `n` requests with SQL (the load is not what is measured).
async fn load_requests(db: &Db, docs: &[Value], orgs: &[i64], admin: i64, n: usize) -> Result<()> {
    let mut rng = SmallRng::seed_from_u64(6);
    let now = jiff::Timestamp::now().as_millisecond();
    let start_id = 1_000_000_000i64;
    let started = Instant::now();
    let mut done = 0;
    while done < n {
        let rows: Vec<Row> = (done..(done + ROWS_PER_TX).min(n))
            .map(|i| {
                let (title, description, resolution) = gen_text(&mut rng, docs);
                let doc = one(&mut rng, docs);
                Row {
                    id: start_id + i as i64,
                    category: match doc["category"].as_str().unwrap_or("fault") {
                        "consultation" => "consultation",
                        "change_request" => "change_request",
                        "training" => "training",
                        "inspection" => "inspection",
                        "health_check" => "health_check",
                        "backup" => "backup",
                        _ => "fault",
                    },
                    level: rng.random_range(0..6),
                    title,
                    description,
                    org: *one(&mut rng, orgs),
                    status: if resolution.is_some() {
                        "closed"
                    } else {
                        "in_progress"
                    },
                    resolution,
                    // Spread over two years.
                    at: now - rng.random_range(0..730 * 86_400_000i64),
                }
            })
            .collect();
        let count = rows.len();
        // Shared, not copied, with the write's possible reruns (`Db::write`).
        let rows = std::sync::Arc::new(rows);
        db.write(move |mut c| {
            Box::pin(async move {
                for chunk in rows.chunks(ROWS_PER_STATEMENT) {
                    let mut q = query_owned(insert_sql(c.engine(), chunk.len()));
                    for r in chunk {
                        q = q
                            .bind(r.id)
                            .bind("phone")
                            .bind(r.category)
                            .bind("partial")
                            .bind("medium")
                            .bind(r.level)
                            .bind(r.title.as_str())
                            .bind(r.description.as_str())
                            .bind(r.org)
                            .bind("l2")
                            .bind(r.status)
                            .bind(r.resolution.as_deref())
                            .bind(admin)
                            .bind(r.at)
                            .bind(r.at);
                    }
                    c.execute(q).await?;
                }
                Ok::<_, StoreError>(())
            })
        })
        .await?;
        done += count;
        if done % 100_000 == 0 || done == n {
            progress(format!(
                "loaded {done} of {n} requests ({:.0}/s)",
                done as f64 / started.elapsed().as_secs_f64()
            ));
        }
    }
    Ok(())
}

fn percentile(sorted: &[Duration], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let i = ((sorted.len() as f64 * p).ceil() as usize).clamp(1, sorted.len()) - 1;
    sorted[i].as_secs_f64() * 1000.0
}

struct Latency {
    runs: usize,
    p50: f64,
    p99: f64,
    max: f64,
    slowest: String,
}

fn latency(mut samples: Vec<(Duration, String)>) -> Latency {
    samples.sort_by_key(|s| s.0);
    let slowest = samples.last().map(|s| s.1.clone()).unwrap_or_default();
    // The tail, for whoever works on it (stderr: not part of the report).
    let tail: Vec<String> = samples
        .iter()
        .rev()
        .take(8)
        .map(|(d, q)| format!("{:.1} ms {q}", d.as_secs_f64() * 1000.0))
        .collect();
    progress(format!("slowest: {}", tail.join(" | ")));
    let d: Vec<Duration> = samples.into_iter().map(|s| s.0).collect();
    Latency {
        runs: d.len(),
        p50: percentile(&d, 0.50),
        p99: percentile(&d, 0.99),
        max: d.last().map_or(0.0, |x| x.as_secs_f64() * 1000.0),
        slowest,
    }
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

struct Report {
    engine: Engine,
    load_s: f64,
    articles_per_s: f64,
    indexed: usize,
    index_per_s: f64,
    app: Latency,
    http: Latency,
    agent: Latency,
}

async fn run(engine: Engine, a: &Args, corpus: &Corpus) -> Result<Report> {
    let location = match engine {
        Engine::Sqlite => {
            let dir =
                PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../target/bench-search-sqlite");
            if !a.reuse {
                let _ = std::fs::remove_dir_all(&dir);
            }
            Location::SqliteFolder(dir)
        }
        Engine::Postgres => {
            let admin = common::pg_admin_url();
            let c = fuwu_store::pg::connect(&admin)
                .await
                .with_context(|| format!("connect to {admin}"))?;
            if !a.reuse {
                c.batch_execute(&format!("drop database if exists {BENCH_DB} with (force)"))
                    .await?;
                c.batch_execute(&format!("create database {BENCH_DB}"))
                    .await?;
            }
            let base = admin.split('?').next().unwrap_or(&admin);
            let base = base.rsplit_once('/').map_or(base, |(b, _)| b);
            Location::Postgres(format!("{base}/{BENCH_DB}"))
        }
    };
    let db = Db::open(&location, jiff::Timestamp::now().as_millisecond()).await?;
    let app = App::new(db.clone(), Arc::new(SystemClock), Settings::default());
    let bootstrap = |name: &str, role: &str| UserFields {
        username: name.into(),
        display_name: name.into(),
        email: None,
        phone: None,
        role: role.into(),
        organization_id: None,
        contact_id: None,
        team_id: None,
        active: true,
    };
    let reuse = a.reuse;
    let suffix = if reuse {
        format!("{}", jiff::Timestamp::now().as_second())
    } else {
        String::new()
    };
    let admin = app
        .create_user_bootstrap(bootstrap(&format!("admin{suffix}"), "admin"))
        .await
        .map_err(|e| anyhow!("admin: {e}"))?;
    let token = app
        .issue_token(admin.id, "bench", "admin", None)
        .await
        .map_err(|e| anyhow!("token: {e}"))?;
    let actor = app.authenticate(&token).await.map_err(|e| anyhow!("{e}"))?;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let base = format!("http://{}", listener.local_addr()?);
    let router = fuwu_web::router(app.clone());
    tokio::spawn(async move { axum::serve(listener, router).await });
    let http = reqwest::Client::new();

    let mut orgs = Vec::new();
    for i in 0..ORGANIZATIONS {
        let v: Value = http
            .post(format!("{base}/api/v1/organizations"))
            .bearer_auth(&token)
            .json(&json!({"name": format!("评测单位 {i}{suffix}")}))
            .send()
            .await?
            .json()
            .await?;
        orgs.push(v["id"].as_i64().context("organization id")?);
    }
    // An agent: searches within a reach (every organization, internal notes).
    let (agent_user, _) = {
        let u = app
            .create_user_bootstrap(bootstrap(&format!("agent{suffix}"), "agent"))
            .await
            .map_err(|e| anyhow!("agent: {e}"))?;
        (u.id, ())
    };
    let agent_token = app
        .issue_token(agent_user, "bench", "read", None)
        .await
        .map_err(|e| anyhow!("token: {e}"))?;
    let agent = app
        .authenticate(&agent_token)
        .await
        .map_err(|e| anyhow!("{e}"))?;

    progress(format!("{engine:?}: loading {} requests", a.requests));
    let t = Instant::now();
    if !reuse {
        load_requests(&db, &corpus.docs, &orgs, admin.id, a.requests).await?;
    }
    let load_s = t.elapsed().as_secs_f64();

    progress(format!("{engine:?}: creating {} articles", a.articles));
    let mut rng = SmallRng::seed_from_u64(7);
    let t = Instant::now();
    for i in 0..if reuse { 0 } else { a.articles } {
        let d = one(&mut rng, &corpus.docs);
        let input = serde_json::from_value(json!({
            "title": format!("{} #{i}", text(d, "title")), "symptom": text(d, "symptom"), "cause": text(d, "cause"),
            "solution": text(d, "solution"), "category": text(d, "category"), "tags": d["tags"],
            "related_systems": d["related_systems"], "visibility": "customers", "status": "published"}))?;
        app.create_article(&actor, input)
            .await
            .map_err(|e| anyhow!("article: {e}"))?;
    }
    let created = if reuse { 0 } else { a.articles };
    let articles_per_s = created as f64 / t.elapsed().as_secs_f64().max(1e-9);

    progress(format!("{engine:?}: indexing through the queue"));
    let queued_at = if reuse {
        // Nothing is queued: the index is the previous run's.
        i64::MIN
    } else {
        jiff::Timestamp::now().as_millisecond()
    };
    db.write(move |mut c| {
        Box::pin(async move {
            c.execute(
                query("insert into search_queue (request_id, queued_at) select id, $1 from requests where $1 > $2 on conflict (request_id) do nothing")
                    .bind(queued_at)
                    .bind(i64::MIN),
            )
            .await?;
            Ok::<_, StoreError>(())
        })
    })
    .await?;
    let t = Instant::now();
    let indexed = app
        .drain_search_queue()
        .await
        .map_err(|e| anyhow!("drain: {e}"))?;
    let index_per_s = indexed as f64 / t.elapsed().as_secs_f64().max(1e-9);
    progress(format!(
        "{engine:?}: indexed {indexed} at {index_per_s:.0}/s"
    ));
    if engine == Engine::Postgres {
        // As after the API benchmark's bulk load: the searches are measured
        // in the steady state, not while autovacuum and the first readers
        // (setting hint bits on a million fresh rows) catch up with a bulk
        // index of a million documents in three minutes.
        db.read(|mut c| {
            Box::pin(async move {
                // One statement each: VACUUM cannot run inside the implicit
                // transaction of a multi-statement string.
                c.execute_script("vacuum (analyze)").await?;
                c.execute_script("checkpoint").await?;
                Ok::<_, StoreError>(())
            })
        })
        .await?;
    }

    let window = Duration::from_secs(a.seconds);
    let measure_app = async |who: &fuwu_app::Actor| -> Result<Latency> {
        let mut samples = Vec::new();
        let end = Instant::now() + window;
        for q in corpus.queries.iter().cycle() {
            if Instant::now() >= end {
                break;
            }
            let t = Instant::now();
            app.search(who, q, SearchKind::Both, SearchFilters::default(), 20)
                .await
                .map_err(|e| anyhow!("{q}: {e}"))?;
            samples.push((t.elapsed(), q.clone()));
        }
        Ok(latency(samples))
    };
    progress(format!("{engine:?}: searching through the app layer"));
    let app_lat = measure_app(&actor).await?;
    let agent_lat = measure_app(&agent).await?;
    progress(format!("{engine:?}: searching over HTTP"));
    let mut samples = Vec::new();
    let end = Instant::now() + window;
    for q in corpus.queries.iter().cycle() {
        if Instant::now() >= end {
            break;
        }
        let t = Instant::now();
        let r = http
            .get(format!("{base}/api/v1/search?q={}&limit=20", urlencode(q)))
            .bearer_auth(&token)
            .send()
            .await?;
        if !r.status().is_success() {
            bail!("{q}: {}", r.status());
        }
        r.bytes().await?;
        samples.push((t.elapsed(), q.clone()));
    }
    Ok(Report {
        engine,
        load_s,
        articles_per_s,
        indexed,
        index_per_s,
        app: app_lat,
        http: latency(samples),
        agent: agent_lat,
    })
}

#[tokio::main(flavor = "multi_thread")]
async fn main() -> Result<()> {
    let a = parse_args()?;
    let corpus = corpus()?;
    let mut out = String::new();
    let _ = writeln!(
        out,
        "### Search: {} requests, {} articles, {} queries, {} s per measure\n",
        a.requests,
        a.articles,
        corpus.queries.len(),
        a.seconds
    );
    let _ = writeln!(
        out,
        "| engine | load (s) | articles created/s | requests indexed | indexing docs/s (≥ 5,000) | app p50 / p99 ms (admin) | app p50 / p99 ms (agent) | HTTP p50 / p99 ms (≤ 50) | slowest query (HTTP) |"
    );
    let _ = writeln!(out, "|---|---|---|---|---|---|---|---|---|");
    for engine in &a.engines {
        let r = run(*engine, &a, &corpus).await?;
        let _ = writeln!(
            out,
            "| {:?} | {:.0} | {:.0} | {} | {:.0} {} | {:.1} / {:.1} ({} runs) | {:.1} / {:.1} | {:.1} / {:.1} (max {:.0}, {} runs) {} | {} |",
            r.engine,
            r.load_s,
            r.articles_per_s,
            r.indexed,
            r.index_per_s,
            if r.index_per_s >= 5000.0 {
                "✓"
            } else {
                "✗"
            },
            r.app.p50,
            r.app.p99,
            r.app.runs,
            r.agent.p50,
            r.agent.p99,
            r.http.p50,
            r.http.p99,
            r.http.max,
            r.http.runs,
            if r.http.p99 <= 50.0 { "✓" } else { "✗" },
            r.http.slowest,
        );
        eprint!("{out}");
    }
    print!("{out}");
    Ok(())
}
