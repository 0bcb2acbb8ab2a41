//! Realistic demo data: customer organizations with their archives, contacts,
//! systems and contracts; service staff in three teams; and a few hundred
//! service requests spread over the last 120 days, each with a believable
//! story (acknowledged, dispatched, answered, escalated, visited, resolved,
//! confirmed and closed …) told through the application's own use cases, so
//! every history entry is real.
//!
//! The clock is a [`ManualClock`] moved as each story unfolds. Requests are
//! created one after another in the order of their creation time (so ids
//! follow `created_at`); their stories then run on a few workers at once,
//! each with its own clock, so that SQLite's group commit shares the fsyncs.

use anyhow::{Context, bail, ensure};
use fuwu_app::{App, ManualClock, Settings};
use fuwu_core::{Category, FaultLevel, Impact, NonEmpty, Role, Status, Urgency};
use fuwu_store::Db;
use fuwu_store::requests::{Request, RequestFilter, SortKey};
use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};
use std::collections::HashMap;
use std::sync::Arc;

mod directory;
mod directory_data;
mod ops;
mod plan;
mod replies;
mod scenarios;
mod story;

use directory::setup_directory;
use directory_data::*;
use ops::{Story, fit_to_budget, run_story};
use plan::{create_request, plan_requests};
use scenarios::*;
use story::build_story;

/// What [`load`] created, and how to get in.
pub struct DemoSummary {
    pub organizations: usize,
    pub users: usize,
    pub requests: usize,
    pub admin_username: String,
    pub admin_token: String,
    /// One user of each role who can log in to the web UI with [`WEB_PASSWORD`].
    pub web_logins: Vec<(String, String)>,
}

/// The password of the demo's web UI users (see [`DemoSummary::web_logins`]).
pub const WEB_PASSWORD: &str = "fuwu-demo-2026";

const MIN: i64 = 60_000;
const HOUR: i64 = 60 * MIN;
const DAY: i64 = 24 * HOUR;
/// China Standard Time, UTC+8, all year.
const CST: i64 = 8 * HOUR;
/// How far back the requests reach.
const WINDOW_DAYS: i64 = 120;
/// Stories run on this many workers at once (each with its own clock).
const WORKERS: usize = 8;
const ADMIN: &str = "admin";

/// Whether the database already holds data (any user: the demo's own admin or
/// a real one), so `fuwu serve --demo` loads the demo once and never mixes it
/// into a database in use.
pub async fn is_loaded(db: &Db) -> anyhow::Result<bool> {
    let users = db
        .read(|mut c| {
            Box::pin(async move {
                fuwu_store::directory::list_users(&mut c, 0, 2, None, None, None).await
            })
        })
        .await?;
    // The scheduler's own user comes with every database.
    Ok(users.iter().any(|u| u.role != Role::System.as_str()))
}

/// Load realistic demo data into an empty database. `now_ms` is the real
/// current time; requests are spread over the 120 days before it.
pub async fn load(
    db: &Db,
    now_ms: i64,
    request_count: usize,
    seed: u64,
) -> anyhow::Result<DemoSummary> {
    if is_loaded(db).await? {
        bail!(
            "the database already has a user named \"{ADMIN}\"; demo data loads only into an empty database"
        );
    }
    check_catalog()?;
    let started = std::time::Instant::now();
    let mut rng = StdRng::seed_from_u64(seed);

    // The directory is set up a few days before the first request.
    let setup_at = local_day_start(now_ms - (WINDOW_DAYS + 5) * DAY) + 9 * HOUR;
    let clock = ManualClock::at(setup_at);
    let app = App::new(db.clone(), Arc::new(clock.clone()), Settings::default());
    let dir = setup_directory(&app, &clock, &mut rng, now_ms).await?;
    tracing::info!(
        organizations = dir.orgs.len(),
        users = dir.users,
        elapsed_ms = started.elapsed().as_millis() as u64,
        "demo directory created"
    );

    // Intake, in the order the requests arrived.
    let plans = plan_requests(&mut rng, &dir, now_ms, request_count)?;
    let mut created: Vec<Request> = Vec::with_capacity(plans.len());
    for p in &plans {
        clock.set(p.at);
        let r = create_request(&app, &dir, p)
            .await
            .with_context(|| format!("creating demo request “{}”", p.title))?;
        created.push(r);
    }
    tracing::debug!(
        requests = created.len(),
        elapsed_ms = started.elapsed().as_millis() as u64,
        "demo requests created"
    );

    // What happened to each of them afterwards.
    let mut last_in_org: HashMap<usize, i64> = HashMap::new();
    let mut stories = Vec::with_capacity(plans.len());
    for (p, r) in plans.iter().zip(&created) {
        let prev = last_in_org.insert(p.org, r.id);
        let steps = build_story(&mut rng, &dir, p, prev, now_ms)?;
        stories.push(Story {
            request_id: r.id,
            created_at: r.created_at,
            budget_end: now_ms - 2 * MIN,
            steps: fit_to_budget(steps, now_ms - 2 * MIN - r.created_at),
        });
    }
    let mut buckets: Vec<Vec<Story>> = (0..WORKERS).map(|_| Vec::new()).collect();
    for (i, s) in stories.into_iter().enumerate() {
        buckets[i % WORKERS].push(s);
    }
    let mut set = tokio::task::JoinSet::new();
    for bucket in buckets.into_iter().filter(|b| !b.is_empty()) {
        let db = db.clone();
        set.spawn(async move {
            let clock = ManualClock::default();
            let app = App::new(db, Arc::new(clock.clone()), Settings::default());
            for story in bucket {
                let id = story.request_id;
                run_story(&app, &clock, story)
                    .await
                    .with_context(|| format!("telling the story of demo request #{id}"))?;
            }
            anyhow::Ok(())
        });
    }
    while let Some(done) = set.join_next().await {
        done.context("a demo worker panicked")??;
    }

    // Sanity checks: everything is there, in order, and in the past.
    let all = all_requests(db).await?;
    ensure!(
        all.len() == request_count,
        "expected {request_count} demo requests, found {}",
        all.len()
    );
    ensure!(
        all.windows(2).all(|w| w[0].created_at <= w[1].created_at),
        "demo request ids do not follow their creation time"
    );
    ensure!(
        all.iter().all(|r| r.updated_at <= now_ms),
        "a demo request was touched in the future"
    );
    let mut by_status: HashMap<String, usize> = HashMap::new();
    for r in &all {
        *by_status.entry(r.status.clone()).or_default() += 1;
    }
    if request_count >= 40 {
        for s in Status::ALL {
            ensure!(
                by_status.contains_key(s.as_str()),
                "no demo request ended {s}"
            );
        }
    }
    ensure!(
        is_loaded(db).await?,
        "the demo admin is missing after loading"
    );
    // Fault reports in every state, delivered both in time and late.
    let reports = db
        .read(|mut c| Box::pin(async move { fuwu_store::reports::report_summary(&mut c).await }))
        .await?;
    if request_count >= 200 {
        for (status, clock) in [
            ("draft", None),
            ("in_review", None),
            ("delivered", Some("met")),
            ("delivered", Some("breached")),
        ] {
            ensure!(
                reports
                    .iter()
                    .any(|(s, k, _)| s == status && clock.is_none_or(|c| c == k)),
                "no demo fault report is {status} {}",
                clock.unwrap_or("")
            );
        }
    }
    tracing::info!(fault_reports = ?reports, "demo fault reports");
    let web_logins = web_logins(&app).await?;
    db.analyze().await?;
    let mut counts: Vec<_> = by_status.into_iter().collect();
    counts.sort();
    tracing::info!(
        requests = all.len(),
        billable = all.iter().filter(|r| r.billable).count(),
        statuses = ?counts,
        elapsed_ms = started.elapsed().as_millis() as u64,
        "demo data loaded"
    );
    Ok(DemoSummary {
        organizations: dir.orgs.len(),
        users: dir.users,
        requests: all.len(),
        admin_username: ADMIN.to_owned(),
        admin_token: dir.admin_token.clone(),
        web_logins,
    })
}

/// Give the admin and the first user of every other role the demo web
/// password, so the web UI can be tried at once (a handful of hashes: the
/// others keep no password).
async fn web_logins(app: &App) -> anyhow::Result<Vec<(String, String)>> {
    let operator = fuwu_app::Actor::operator();
    let users = app
        .list_users(&operator, None, Some(200), None, None, None)
        .await
        .context("listing demo users")?;
    let mut out = Vec::new();
    for role in Role::ALL.iter().filter(|r| **r != Role::System) {
        if let Some(u) = users.items.iter().find(|u| u.role == role.as_str()) {
            app.set_password_bootstrap(u.id, WEB_PASSWORD.to_owned())
                .await
                .with_context(|| format!("setting the demo password of {}", u.username))?;
            out.push((u.username.clone(), role.as_str().to_owned()));
        }
    }
    Ok(out)
}

async fn all_requests(db: &Db) -> anyhow::Result<Vec<Request>> {
    let mut out = Vec::new();
    let mut after = None;
    loop {
        let (rows, next) = db
            .read(move |mut c| {
                Box::pin(async move {
                    fuwu_store::requests::list_requests(
                        &mut c,
                        &RequestFilter::default(),
                        SortKey::Id,
                        false,
                        after,
                        500,
                    )
                    .await
                })
            })
            .await?;
        out.extend(rows);
        match next {
            Some(n) => after = Some(n),
            None => return Ok(out),
        }
    }
}

// ------------------------------------------------------------------ time

/// Local (UTC+8) midnight of the day holding `ms`.
fn local_day_start(ms: i64) -> i64 {
    (ms + CST).div_euclid(DAY) * DAY - CST
}

/// 0 = Monday … 6 = Sunday, local time (1970-01-01 was a Thursday).
fn weekday(ms: i64) -> i64 {
    ((ms + CST).div_euclid(DAY) + 3).rem_euclid(7)
}

/// Minutes since local midnight.
fn minute_of_day(ms: i64) -> i64 {
    (ms + CST).rem_euclid(DAY) / MIN
}

/// Inside office hours (Mon–Fri 08:30–18:00; holidays are not modelled here).
fn office_hours(ms: i64) -> bool {
    weekday(ms) < 5 && (8 * 60 + 30..18 * 60).contains(&minute_of_day(ms))
}

/// The next start of office hours (08:30 on a weekday) after `ms`.
fn next_office_start(ms: i64) -> i64 {
    let mut day = local_day_start(ms);
    loop {
        let start = day + 8 * HOUR + 30 * MIN;
        if start > ms && weekday(start) < 5 {
            return start;
        }
        day += DAY;
    }
}

fn zoned(ms: i64) -> anyhow::Result<jiff::Zoned> {
    Ok(jiff::Timestamp::from_millisecond(ms)?
        .to_zoned(jiff::tz::TimeZone::fixed(jiff::tz::offset(8))))
}

fn fmt_local(ms: i64, pattern: &str) -> String {
    zoned(ms)
        .map(|z| z.strftime(pattern).to_string())
        .unwrap_or_default()
}

// ------------------------------------------------------------------ randomness

fn pick<'a, T>(rng: &mut StdRng, items: &'a [T]) -> &'a T {
    &items[rng.random_range(0..items.len())]
}

fn weighted<T: Copy>(rng: &mut StdRng, items: &[(T, u32)]) -> T {
    let total: u32 = items.iter().map(|(_, w)| *w).sum();
    let mut x = rng.random_range(0..total.max(1));
    for (item, w) in items {
        if x < *w {
            return *item;
        }
        x -= w;
    }
    items[items.len() - 1].0
}

fn minutes(rng: &mut StdRng, lo: i64, hi: i64) -> i64 {
    rng.random_range(lo..=hi) * MIN
}

/// A mainland mobile number: 13x, 15x or 18x and eight more digits.
fn mobile(rng: &mut StdRng) -> String {
    const PREFIXES: &[&str] = &[
        "130", "131", "132", "133", "135", "136", "137", "138", "139", "150", "151", "152", "153",
        "155", "156", "157", "158", "159", "180", "181", "182", "183", "185", "186", "187", "188",
        "189",
    ];
    format!(
        "{}{:08}",
        pick(rng, PREFIXES),
        rng.random_range(0..100_000_000u32)
    )
}

fn ne(text: &str) -> anyhow::Result<NonEmpty> {
    NonEmpty::parse(text).with_context(|| format!("demo text “{text}”"))
}

/// The urgency that, with this impact, gives this level (or why none does).
fn urgencies_for(impact: Impact, level: u8) -> Vec<Urgency> {
    Urgency::ALL
        .iter()
        .copied()
        .filter(|u| FaultLevel::derive(impact, *u).get() == level)
        .collect()
}

/// The catalog is data: check once that every entry can be told.
fn check_catalog() -> anyhow::Result<()> {
    for s in SCENARIOS {
        ensure!(
            !urgencies_for(s.impact, s.level).is_empty(),
            "demo scenario “{}”: impact {} never gives level {}",
            s.title,
            s.impact,
            s.level
        );
        ensure!(
            !s.title.is_empty() && !s.plan.is_empty() && !s.resolution.is_empty(),
            "demo scenario “{}” lacks text",
            s.title
        );
        ensure!(
            s.vendor.is_none() || s.flow == Flow::L2,
            "demo scenario “{}”: vendors join second-line work only",
            s.title
        );
        let covered = ORGS.iter().any(|o| org_fits(o, s));
        ensure!(covered, "demo scenario “{}” fits no organization", s.title);
    }
    for c in Category::ALL {
        ensure!(
            SCENARIOS.iter().any(|s| s.category == *c),
            "no demo scenario of category {c}"
        );
    }
    for l in 0..=5u8 {
        ensure!(
            SCENARIOS.iter().any(|s| s.level == l),
            "no demo scenario of level {l}"
        );
    }
    Ok(())
}

fn system_fits(sys: &SystemSeed, s: &Scenario) -> bool {
    (s.sys == Sys::Any || s.sys == sys.sys) && s.fits.is_none_or(|f| sys.name.contains(f))
}

fn org_fits(o: &OrgSeed, s: &Scenario) -> bool {
    s.sys == Sys::NoSystem || o.systems.iter().any(|y| system_fits(y, s))
}

#[cfg(test)]
mod tests {
    use super::*;
    use fuwu_store::Location;

    #[tokio::test]
    async fn demo_data_covers_every_status_category_and_level() {
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap();
        let folder = std::env::temp_dir().join(format!(
            "fuwu-demo-test-{}-{}",
            std::process::id(),
            now.as_nanos()
        ));
        let now_ms = now.as_millis() as i64;
        let db = Db::open(&Location::SqliteFolder(folder.clone()), now_ms)
            .await
            .unwrap();
        assert!(!is_loaded(&db).await.unwrap());

        let summary = load(&db, now_ms, 120, 7).await.unwrap();
        assert_eq!(summary.requests, 120);
        assert_eq!(summary.organizations, ORGS.len());
        assert_eq!(summary.admin_username, "admin");
        assert!(summary.admin_token.starts_with("fuwu_"));

        let all = all_requests(&db).await.unwrap();
        assert_eq!(all.len(), 120);
        for s in Status::ALL {
            assert!(
                all.iter().any(|r| r.status == s.as_str()),
                "no request is {s}"
            );
        }
        for c in Category::ALL {
            assert!(
                all.iter().any(|r| r.category == c.as_str()),
                "no request of category {c}"
            );
        }
        for level in 0..=5 {
            assert!(
                all.iter().any(|r| r.level == level),
                "no request of level {level}"
            );
        }
        assert!(all.iter().any(|r| r.billable), "no billable request");
        assert!(
            all.iter()
                .all(|r| r.created_at <= now_ms && r.updated_at <= now_ms)
        );
        assert!(all.iter().any(|r| r.third_party_ref.is_some()));
        assert!(
            all.iter()
                .any(|r| r.close_basis.as_deref() == Some("auto_close"))
        );
        assert!(
            all.iter()
                .any(|r| r.waiting_for.as_deref() == Some("customer"))
        );
        assert!(
            all.iter()
                .any(|r| r.waiting_for.as_deref() == Some("third_party"))
        );

        assert!(is_loaded(&db).await.unwrap());
        assert!(
            load(&db, now_ms, 10, 7).await.is_err(),
            "demo data loads only once"
        );
        db.close().await;
        let _ = std::fs::remove_dir_all(&folder);
    }
}
