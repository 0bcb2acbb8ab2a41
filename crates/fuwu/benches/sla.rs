//! The SLA benchmark (issue 4, item 10). Run it as
//!
//! ```text
//! cargo bench -p fuwu --bench sla -- [--engine sqlite|postgres|both] [--clocks 100000] [--due 1000]
//! ```
//!
//! 1. **Deadline computation** per call, on `cn-mainland` and `24x7`, for
//!    durations 0 m, 30 m, 4 h, 1 d, 1 wd, 5 wd and 10 wd, from 20,000 random
//!    starts in 2024–2026 each (official years), and on `cn-mainland` from
//!    starts in 2027-01-01 … 2028-06-01 (provisional years: the statutory
//!    holidays computed, no notice): ns per call, p50 / p99 / mean.
//!    `--deadlines-only` stops after this part.
//! 2. **One scan over N running clocks** (default 100,000) on each engine: N
//!    requests with a running 4 h restoration clock each are bulk-loaded (a
//!    SQLite file database in `$TMPDIR/fuwu-bench-sla`; the PostgreSQL
//!    database `fuwu_bench_sla`, dropped and recreated), `--due` of them
//!    (default 1,000) past their 50 % warning. Timed: the scanner's query for
//!    due rows when none is due and when some are, and one whole scanner pass
//!    (`App::scan_clocks`) that handles every due warning.
//!
//! A Markdown report goes to stdout, progress to stderr. PostgreSQL is reached
//! through `FUWU_BENCH_PG_URL` (default: the local Unix socket when it exists, else 127.0.0.1:5432).

mod common;

use anyhow::{Context, Result, anyhow, bail};
use fuwu_app::{App, ManualClock, Settings};
use fuwu_core::Timestamp;
use fuwu_core::calendar::{BusinessDuration, CN_MAINLAND_TIME_ZONE, Calendar};
use fuwu_store::directory::UserFields;
use fuwu_store::{Db, Engine, Location, StoreError, query, query_owned};
use std::hint::black_box;
use std::sync::Arc;
use std::time::{Duration, Instant};

const USAGE: &str = "usage: cargo bench -p fuwu --bench sla -- [--engine sqlite|postgres|both] [--clocks N] [--due N] [--deadlines-only]";
const MINUTE: i64 = 60_000;
const HOUR: i64 = 60 * MINUTE;
/// 2024-01-01T00:00:00+08:00 and 2026-06-01: starts whose deadlines stay in the shipped data.
const FIRST: i64 = 1_704_038_400_000;
const LAST: i64 = 1_780_272_000_000;
/// 2027-01-01T00:00:00+08:00 and 2028-06-01: starts in provisional years.
const PROVISIONAL_FIRST: i64 = 1_798_732_800_000;
const PROVISIONAL_LAST: i64 = 1_843_401_600_000;
const CALLS: usize = 20_000;
const BENCH_DB: &str = "fuwu_bench_sla";
const ROWS_PER_STATEMENT: usize = 500;

struct Args {
    engines: Vec<Engine>,
    clocks: usize,
    due: usize,
    deadlines_only: bool,
}

fn parse_args() -> Result<Args> {
    let mut args = Args {
        engines: vec![Engine::Sqlite, Engine::Postgres],
        clocks: 100_000,
        due: 1_000,
        deadlines_only: false,
    };
    let mut it = std::env::args().skip(1);
    while let Some(key) = it.next() {
        let mut value = || {
            it.next()
                .ok_or_else(|| anyhow!("{key} needs a value; {USAGE}"))
        };
        match key.as_str() {
            "--bench" => {}
            "--engine" => {
                args.engines = match value()?.as_str() {
                    "sqlite" => vec![Engine::Sqlite],
                    "postgres" => vec![Engine::Postgres],
                    "both" => vec![Engine::Sqlite, Engine::Postgres],
                    other => bail!("unknown engine {other}; {USAGE}"),
                }
            }
            "--clocks" => args.clocks = value()?.parse().context("--clocks")?,
            "--due" => args.due = value()?.parse().context("--due")?,
            "--deadlines-only" => args.deadlines_only = true,
            other => bail!("unknown argument {other}; {USAGE}"),
        }
    }
    if args.due > args.clocks {
        bail!("--due cannot exceed --clocks");
    }
    Ok(args)
}

/// A small deterministic generator (no dependency, same starts every run).
struct Lcg(u64);

impl Lcg {
    fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        self.0 >> 11
    }
    fn range(&mut self, lo: i64, hi: i64) -> i64 {
        lo + (self.next() % (hi - lo) as u64) as i64
    }
}

fn percentile(sorted: &[u64], p: usize) -> u64 {
    let rank = (p * sorted.len()).div_ceil(100).max(1);
    sorted[rank - 1]
}

fn deadlines() -> Result<()> {
    let tz = jiff::tz::TimeZone::get(CN_MAINLAND_TIME_ZONE)?;
    let cn = Calendar::cn_mainland(tz)?;
    let calendars = [
        ("cn-mainland", cn.clone(), FIRST, LAST),
        ("24x7", Calendar::twenty_four_seven(), FIRST, LAST),
        (
            "cn-mainland, provisional 2027–2028",
            cn,
            PROVISIONAL_FIRST,
            PROVISIONAL_LAST,
        ),
    ];
    let durations = ["0m", "30m", "4h", "1d", "1wd", "5wd", "10wd"];
    println!("## Deadline computation\n");
    println!(
        "`Calendar::deadline_after`, one call timed at a time, {CALLS} random starts per row in 2024-01-01 … 2026-06-01 (official years), or in 2027-01-01 … 2028-06-01 (provisional years) (ns per call).\n"
    );
    println!("| calendar | duration | p50 ns | p99 ns | mean ns |");
    println!("|---|---|---:|---:|---:|");
    for (name, cal, first, last) in &calendars {
        for d in durations {
            let amount = cal.duration_ms(BusinessDuration::parse(d)?);
            let mut rng = Lcg(42);
            let starts: Vec<Timestamp> = (0..CALLS)
                .map(|_| Timestamp(rng.range(*first, *last)))
                .collect();
            // Warm up caches and branch predictors on the same inputs.
            for s in starts.iter().take(1_000) {
                black_box(cal.deadline_after(black_box(*s), amount)?);
            }
            let mut ns: Vec<u64> = Vec::with_capacity(CALLS);
            let total = Instant::now();
            for s in &starts {
                let t = Instant::now();
                black_box(cal.deadline_after(black_box(*s), black_box(amount))?);
                ns.push(t.elapsed().as_nanos() as u64);
            }
            let mean = total.elapsed().as_nanos() as u64 / CALLS as u64;
            ns.sort_unstable();
            println!(
                "| {name} | {d} | {} | {} | {mean} |",
                percentile(&ns, 50),
                percentile(&ns, 99)
            );
        }
    }
    println!();
    Ok(())
}

fn pg_bench_url() -> String {
    let admin = common::pg_admin_url();
    let base = admin.split('?').next().unwrap_or(&admin);
    let base = base.rsplit_once('/').map_or(base, |(b, _)| b);
    format!("{base}/{BENCH_DB}")
}

async fn open(engine: Engine, now: i64) -> Result<Db> {
    let location = match engine {
        Engine::Sqlite => {
            let dir = std::env::temp_dir().join("fuwu-bench-sla");
            let _ = std::fs::remove_dir_all(&dir);
            Location::SqliteFolder(dir)
        }
        Engine::Postgres => {
            let admin = common::pg_admin_url();
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
    Db::open(&location, now).await.context("open the database")
}

/// `rows` rows of `columns` placeholders each: `($1, $2), ($3, $4)`.
fn values(rows: usize, columns: usize) -> String {
    (0..rows)
        .map(|r| {
            let cells: Vec<String> = (1..=columns)
                .map(|c| format!("${}", r * columns + c))
                .collect();
            format!("({})", cells.join(", "))
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// N in-progress level-2 requests, each with its `created` event and a
/// running 4 h restoration clock on 24x7; the first `due` are past their
/// 50 % warning at `now`, the others are not yet.
async fn load(db: &Db, n: usize, due: usize, now: i64) -> Result<()> {
    let (policy_id, user, org) = db
        .write(move |mut c| {
            Box::pin(async move {
                let (org,): (i64,) = c.fetch_one(query("insert into organizations (name, created_at, updated_at) values ('基准测试单位', $1, $1) returning id").bind(now)).await?;
                let (user,): (i64,) = c.fetch_one(query("select id from users where username = 'admin'")).await?;
                let p = fuwu_store::sla::get_policy_by_name(&mut c, "levels-0-5").await?;
                Ok::<_, StoreError>((p.id, user, org))
            })
        })
        .await?;
    let mut rng = Lcg(7);
    let mut done = 0;
    while done < n {
        let batch = (n - done).min(10_000);
        // Created so that the 50 % warning (2 h in) is behind `now` for the
        // due ones, and the 80 % one (3 h 12 min) not yet.
        let created: Vec<i64> = (done..done + batch)
            .map(|i| {
                if i < due {
                    now - rng.range(2 * HOUR + MINUTE, 3 * HOUR + 5 * MINUTE)
                } else {
                    now - rng.range(0, 2 * HOUR - MINUTE)
                }
            })
            .collect();
        let first_id = done as i64 + 1;
        db.write(move |mut c| {
            Box::pin(async move {
                for (chunk_no, chunk) in created.chunks(ROWS_PER_STATEMENT).enumerate() {
                    let base = first_id + (chunk_no * ROWS_PER_STATEMENT) as i64;
                    let sql = format!("insert into requests (id, channel, category, impact, urgency, level, title, organization_id, tier, status, created_by, created_at, updated_at) values {}", values(chunk.len(), 13));
                    let mut q = query_owned(sql);
                    for (k, at) in chunk.iter().enumerate() {
                        q = q.bind(base + k as i64).bind("phone").bind("fault").bind("partial").bind("medium").bind(2_i64)
                            .bind("基准测试请求").bind(org).bind("l2").bind("in_progress").bind(user).bind(*at).bind(*at);
                    }
                    c.execute(q).await?;
                    let sql = format!("insert into request_events (request_id, at, actor_id, kind, details) values {}", values(chunk.len(), 5));
                    let mut q = query_owned(sql);
                    for (k, at) in chunk.iter().enumerate() {
                        q = q.bind(base + k as i64).bind(*at).bind(user).bind("created")
                            .bind(r#"{"channel":"phone","category":"fault","level":2}"#);
                    }
                    c.execute(q).await?;
                    let sql = format!("insert into request_clocks (request_id, generation, policy_id, target_key, level, calendar, duration, started_at, paused_ms, deadline, state, handled, next_threshold, next_due_at, updated_at) values {}", values(chunk.len(), 15));
                    let mut q = query_owned(sql);
                    for (k, at) in chunk.iter().enumerate() {
                        q = q.bind(base + k as i64).bind(1_i64).bind(policy_id).bind("restoration_l2").bind(2_i64)
                            .bind("24x7").bind("4h").bind(*at).bind(0_i64).bind(*at + 4 * HOUR).bind("running")
                            .bind("[]").bind(50_i64).bind(*at + 2 * HOUR).bind(*at);
                    }
                    c.execute(q).await?;
                }
                Ok::<_, StoreError>(())
            })
        })
        .await?;
        done += batch;
        eprint!("\r  loaded {done}/{n}");
    }
    eprintln!();
    Ok(())
}

async fn due_query(db: &Db, at: i64) -> Result<(Duration, usize)> {
    let t = Instant::now();
    let rows = db
        .read(move |mut c| {
            Box::pin(async move { fuwu_store::sla::due_clocks(&mut c, at, None, 100).await })
        })
        .await?;
    Ok((t.elapsed(), rows.len()))
}

fn ms(d: Duration) -> String {
    format!("{:.2}", d.as_secs_f64() * 1000.0)
}

async fn scan(engine: Engine, n: usize, due: usize) -> Result<()> {
    let now = jiff::Timestamp::now().as_millisecond();
    let name = match engine {
        Engine::Sqlite => "SQLite",
        Engine::Postgres => "PostgreSQL",
    };
    eprintln!("{name}: loading {n} running clocks");
    let db = open(engine, now).await?;
    let clock = ManualClock::at(now);
    let app = App::new(db.clone(), Arc::new(clock.clone()), Settings::default());
    app.create_user_bootstrap(UserFields {
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
    .await?;
    let t = Instant::now();
    load(&db, n, due, now).await?;
    let load_time = t.elapsed();
    // The scanner's query when nothing is due yet (an hour before the earliest warning).
    let mut idle = Vec::new();
    for _ in 0..50 {
        idle.push(due_query(&db, now - 4 * HOUR).await?.0);
    }
    idle.sort_unstable();
    let mut busy = Vec::new();
    let mut found = 0;
    for _ in 0..50 {
        let (d, k) = due_query(&db, now).await?;
        busy.push(d);
        found = k;
    }
    busy.sort_unstable();
    let t = Instant::now();
    let handled = app.scan_clocks().await?;
    let pass = t.elapsed();
    let (_, left) = due_query(&db, now).await?;
    println!("### {name}: one scan over {n} running clocks\n");
    println!("Loaded in {:.1} s.\n", load_time.as_secs_f64());
    println!("| what | result |");
    println!("|---|---:|");
    println!(
        "| due query, nothing due (p50 / max of 50) | {} / {} ms |",
        ms(idle[idle.len() / 2]),
        ms(idle[idle.len() - 1])
    );
    println!(
        "| due query, {due} due (first page of {found}; p50 / max of 50) | {} / {} ms |",
        ms(busy[busy.len() / 2]),
        ms(busy[busy.len() - 1])
    );
    println!(
        "| scanner pass (`App::scan_clocks`): {handled} warnings handled | {} ms total, {:.2} ms per warning |",
        ms(pass),
        pass.as_secs_f64() * 1000.0 / handled.max(1) as f64
    );
    println!("| left due after the pass | {left} |\n");
    if handled != due || left != 0 {
        bail!("the scanner handled {handled} of {due} due warnings ({left} left)");
    }
    Ok(())
}

fn main() -> Result<()> {
    let args = parse_args()?;
    println!("# SLA benchmark\n");
    deadlines()?;
    if args.deadlines_only {
        return Ok(());
    }
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    println!("## Scanner\n");
    for engine in &args.engines {
        rt.block_on(scan(*engine, args.clocks, args.due))?;
    }
    Ok(())
}
