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
use fuwu_app::access::Scope;
use fuwu_app::directory::{
    ContactInput, ContractInput, OrganizationInput, SystemInput, TeamInput, TeamPatch, UserInput,
};
use fuwu_app::requests::{ActionExtras, NewRequest, RequestPatch, VisitUpdate};
use fuwu_app::{Actor, App, ManualClock, Settings};
use fuwu_core::lifecycle::{Action, Feedback, Rating};
use fuwu_core::{
    Category, Channel, CloseBasis, FaultLevel, Impact, NonEmpty, ResponseMode, Role, Stage, Status,
    Tier, Urgency, Visibility, WaitingFor,
};
use fuwu_store::Db;
use fuwu_store::directory::{User, UserFields};
use fuwu_store::requests::{Request, RequestFilter, SortKey};
use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};
use std::collections::HashMap;
use std::sync::Arc;

mod directory_data;
mod scenarios;

use directory_data::*;
use scenarios::*;

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

// ------------------------------------------------------------------ setting up the directory

struct ContactRt {
    id: i64,
    name: &'static str,
    job_title: &'static str,
    phone: String,
}

struct SystemRt {
    seed: &'static SystemSeed,
    id: i64,
}

struct OrgRt {
    seed: &'static OrgSeed,
    id: i64,
    contacts: Vec<ContactRt>,
    systems: Vec<SystemRt>,
    /// Customer accounts; the i-th is the i-th contact. The first is the customer admin.
    customers: Vec<Actor>,
    auto_close_ms: i64,
}

struct Dir {
    agents: Vec<Actor>,
    l2: Vec<Actor>,
    field: Vec<Actor>,
    leaders: Vec<Actor>,
    cloud: Actor,
    storage: Actor,
    /// Monitoring alerts, planned tasks and hotline hand-overs arrive through this account.
    integration: Actor,
    /// The scheduler's auto-close, attributed to the admin account.
    system: Actor,
    team_l1: i64,
    team_l2: i64,
    team_field: i64,
    orgs: Vec<OrgRt>,
    users: usize,
    admin_token: String,
}

impl Dir {
    fn vendor(&self, v: Vendor) -> &Actor {
        match v {
            Vendor::Cloud => &self.cloud,
            Vendor::Storage => &self.storage,
        }
    }
}

fn actor_of(u: &User, role: Role) -> Actor {
    Actor {
        user_id: u.id,
        role,
        organization_id: u.organization_id,
        team_id: u.team_id,
        scope: if role == Role::Admin {
            Scope::Admin
        } else {
            Scope::Write
        },
        display_name: u.display_name.clone(),
    }
}

struct NewUser<'a> {
    login: &'a str,
    name: String,
    role: Role,
    email: String,
    organization_id: Option<i64>,
    contact_id: Option<i64>,
    team_id: Option<i64>,
}

async fn add_user(
    app: &App,
    admin: &Actor,
    rng: &mut StdRng,
    u: NewUser<'_>,
) -> anyhow::Result<Actor> {
    let user = app
        .create_user(
            admin,
            UserInput {
                username: u.login.to_owned(),
                display_name: u.name,
                email: Some(u.email),
                phone: Some(mobile(rng)),
                role: u.role.as_str().to_owned(),
                organization_id: u.organization_id,
                contact_id: u.contact_id,
                team_id: u.team_id,
            },
        )
        .await
        .with_context(|| format!("creating demo user {}", u.login))?;
    Ok(actor_of(&user, u.role))
}

async fn setup_directory(
    app: &App,
    clock: &ManualClock,
    rng: &mut StdRng,
    now_ms: i64,
) -> anyhow::Result<Dir> {
    let admin_user = app
        .create_user_bootstrap(UserFields {
            username: ADMIN.to_owned(),
            display_name: "系统管理员".to_owned(),
            email: Some(format!("admin@{STAFF_DOMAIN}")),
            phone: None,
            role: Role::Admin.as_str().to_owned(),
            organization_id: None,
            contact_id: None,
            team_id: None,
            active: true,
        })
        .await
        .context("creating the demo admin")?;
    let admin = actor_of(&admin_user, Role::Admin);
    let admin_token = app
        .issue_token(admin_user.id, "demo", "admin", None)
        .await
        .context("issuing the demo admin token")?;
    clock.advance(minutes(rng, 3, 8));

    // SLA policies: the templates may already ship; otherwise add them.
    let existing = app.list_sla_policies(&admin).await?;
    let mut policy_ids = Vec::new();
    for (name, description, auto_close) in POLICIES {
        if let Some(p) = existing.iter().find(|p| p.name == *name) {
            policy_ids.push((p.id, p.auto_close_after_ms));
            continue;
        }
        let now = app.now();
        let (n, d, a) = (*name, *description, *auto_close);
        let p = db_write_policy(&app.db, n, d, a, now).await?;
        policy_ids.push((p.id, p.auto_close_after_ms));
        clock.advance(minutes(rng, 1, 3));
    }

    // Teams, then their people, then their leads.
    let mut teams = Vec::new();
    for (name, description) in [
        (
            "一线服务台",
            "7×24 小时热线与网络受理：应答、关键信息获取、记录、分派，能解答的直接解答，并负责回访和关闭。",
        ),
        (
            "二线研发支持",
            "研发工程师：信息收集、分析判断、是否属于第三方故障、制定并实施方案，编写故障报告。",
        ),
        (
            "现场运维组",
            "现场故障处理（4 小时内到场）、日常巡检、健康检查、数据备份、产品使用培训和特殊时段现场支持。",
        ),
    ] {
        let t = app
            .create_team(
                &admin,
                TeamInput {
                    name: name.to_owned(),
                    description: description.to_owned(),
                    lead_id: None,
                },
            )
            .await?;
        teams.push(t);
        clock.advance(minutes(rng, 1, 4));
    }
    let (team_l1, team_l2, team_field) = (teams[0].id, teams[1].id, teams[2].id);
    let staff_email = |login: &str| format!("{login}@{STAFF_DOMAIN}");
    let mut users = 1;
    let mut group = |list: &[(&'static str, &'static str)]| -> Vec<(&'static str, &'static str)> {
        users += list.len();
        list.to_vec()
    };
    let (agent_seeds, l2_seeds, field_seeds, leader_seeds) = (
        group(AGENTS),
        group(L2_ENGINEERS),
        group(FIELD_ENGINEERS),
        group(LEADERS),
    );
    let make = async |seeds: Vec<(&'static str, &'static str)>,
                      role: Role,
                      team: Option<i64>,
                      rng: &mut StdRng|
           -> anyhow::Result<Vec<Actor>> {
        let mut out = Vec::new();
        for (name, login) in seeds {
            out.push(
                add_user(
                    app,
                    &admin,
                    rng,
                    NewUser {
                        login,
                        name: name.to_owned(),
                        role,
                        email: staff_email(login),
                        organization_id: None,
                        contact_id: None,
                        team_id: team,
                    },
                )
                .await?,
            );
            clock.advance(minutes(rng, 1, 3));
        }
        Ok(out)
    };
    let agents = make(agent_seeds, Role::Agent, Some(team_l1), rng).await?;
    let l2 = make(l2_seeds, Role::Engineer, Some(team_l2), rng).await?;
    let field = make(field_seeds, Role::Engineer, Some(team_field), rng).await?;
    let leaders = make(leader_seeds, Role::ProjectLeader, None, rng).await?;
    let integration = add_user(
        app,
        &admin,
        rng,
        NewUser {
            login: "integration",
            name: "接口对接账号（监控告警 / 运维计划 / 12345 转办）".to_owned(),
            role: Role::Agent,
            email: staff_email("integration"),
            organization_id: None,
            contact_id: None,
            team_id: Some(team_l1),
        },
    )
    .await?;
    let cloud = add_user(
        app,
        &admin,
        rng,
        NewUser {
            login: "zheng.kai.bce",
            name: "郑凯（百川云）".to_owned(),
            role: Role::ThirdParty,
            email: "zheng.kai@baichuan-cloud.example".to_owned(),
            organization_id: None,
            contact_id: None,
            team_id: None,
        },
    )
    .await?;
    let storage = add_user(
        app,
        &admin,
        rng,
        NewUser {
            login: "feng.lei.hcs",
            name: "冯雷（恒储存储）".to_owned(),
            role: Role::ThirdParty,
            email: "feng.lei@hengchu-storage.example".to_owned(),
            organization_id: None,
            contact_id: None,
            team_id: None,
        },
    )
    .await?;
    users += 3;
    for (team, lead) in [
        (&teams[0], &agents[0]),
        (&teams[1], &l2[0]),
        (&teams[2], &field[0]),
    ] {
        app.update_team(
            &admin,
            team.id,
            TeamPatch {
                version: team.version,
                name: None,
                description: None,
                lead_id: Some(Some(lead.user_id)),
            },
        )
        .await?;
    }
    clock.advance(HOUR + minutes(rng, 0, 50));

    // Customers: the archive, contacts, systems, contract, and their accounts.
    let today = zoned(now_ms)?.date();
    let mut orgs = Vec::new();
    for (i, seed) in ORGS.iter().enumerate() {
        let org = app
            .create_organization(
                &admin,
                OrganizationInput {
                    name: seed.name.to_owned(),
                    short_name: Some(seed.short_name.to_owned()),
                    industry: Some(seed.industry.to_owned()),
                    address: Some(seed.address.to_owned()),
                    phone: Some(seed.phone.to_owned()),
                    profile: seed.profile.to_owned(),
                    support_needs: seed.support_needs.to_owned(),
                    notes: seed.notes.to_owned(),
                },
            )
            .await
            .with_context(|| format!("creating demo organization {}", seed.name))?;
        clock.advance(minutes(rng, 2, 6));
        let mut contacts = Vec::new();
        for (k, c) in seed.contacts.iter().enumerate() {
            let phone = mobile(rng);
            let made = app
                .create_contact(
                    &admin,
                    ContactInput {
                        organization_id: org.id,
                        name: c.name.to_owned(),
                        email: Some(format!("{}@{}", c.login, seed.domain)),
                        phone: Some(phone.clone()),
                        job_title: Some(c.job_title.to_owned()),
                        notes: if k == 0 {
                            "甲方系统负责人；故障通报、月度电话工作总结对接人。".to_owned()
                        } else {
                            String::new()
                        },
                    },
                )
                .await?;
            contacts.push(ContactRt {
                id: made.id,
                name: c.name,
                job_title: c.job_title,
                phone,
            });
            clock.advance(minutes(rng, 1, 3));
        }
        let mut systems = Vec::new();
        for s in seed.systems {
            let made = app
                .create_system(
                    &admin,
                    SystemInput {
                        organization_id: org.id,
                        name: s.name.to_owned(),
                        kind: s.kind.to_owned(),
                        description: s.description.to_owned(),
                        location: Some(s.location.to_owned()),
                        serial_number: s.hardware.then(|| {
                            format!(
                                "{}{:010}",
                                ["210235A", "SN2A", "CN7C"][rng.random_range(0..3)],
                                rng.random_range(0..10_000_000_000u64)
                            )
                        }),
                    },
                )
                .await?;
            systems.push(SystemRt {
                seed: s,
                id: made.id,
            });
            clock.advance(minutes(rng, 1, 3));
        }
        let accepted = today
            .checked_sub(
                jiff::Span::new()
                    .months(seed.accepted_months_ago)
                    .days(seed.accepted_days_offset),
            )
            .context("contract acceptance date")?;
        let (policy_id, auto_close_ms) = policy_ids[seed.policy];
        let free_period_over = seed.accepted_months_ago >= 24;
        app.create_contract(
            &admin,
            ContractInput {
                organization_id: org.id,
                code: format!("FW-{}-{:03}", accepted.year(), 101 + i),
                name: format!("{}信息系统运维服务合同", seed.short_name),
                accepted_on: accepted.to_string(),
                free_service_months: Some(24),
                vip: seed.vip,
                sla_policy_id: Some(policy_id),
                project_leader_id: Some(leaders[seed.leader].user_id),
                notes: if free_period_over {
                    "自项目验收之日起提供两年免费系统运维及升级服务；两年期满后继续提供服务，只收取成本费用（工时与更换材料）。".to_owned()
                } else {
                    "自项目验收之日起提供两年免费系统运维及升级服务；期满后按成本费用提供服务。".to_owned()
                },
            },
        )
        .await?;
        clock.advance(minutes(rng, 2, 5));
        let mut customers = Vec::new();
        for (k, c) in seed.contacts.iter().enumerate().take(3) {
            let role = if k == 0 {
                Role::CustomerAdmin
            } else {
                Role::CustomerUser
            };
            customers.push(
                add_user(
                    app,
                    &admin,
                    rng,
                    NewUser {
                        login: c.login,
                        name: c.name.to_owned(),
                        role,
                        email: format!("{}@{}", c.login, seed.domain),
                        organization_id: Some(org.id),
                        contact_id: Some(contacts[k].id),
                        team_id: None,
                    },
                )
                .await?,
            );
            users += 1;
            clock.advance(minutes(rng, 1, 2));
        }
        orgs.push(OrgRt {
            seed,
            id: org.id,
            contacts,
            systems,
            customers,
            auto_close_ms,
        });
        clock.advance(minutes(rng, 10, 90));
    }

    let system = app.system_actor().await?;
    Ok(Dir {
        agents,
        l2,
        field,
        leaders,
        cloud,
        storage,
        integration,
        system,
        team_l1,
        team_l2,
        team_field,
        orgs,
        users,
        admin_token,
    })
}

async fn db_write_policy(
    db: &Db,
    name: &'static str,
    description: &'static str,
    auto_close: i64,
    now: i64,
) -> anyhow::Result<fuwu_store::directory::SlaPolicy> {
    Ok(db
        .write(move |mut c| {
            Box::pin(async move {
                fuwu_store::directory::insert_sla_policy(&mut c, name, description, auto_close, now)
                    .await
            })
        })
        .await?)
}

// ------------------------------------------------------------------ planning the requests

/// Where a request's story ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Target {
    New,
    Acknowledged,
    Assigned,
    InProgress,
    PendingCustomer,
    PendingThirdParty,
    /// Resolved, no feedback yet.
    Resolved,
    /// Resolved and confirmed solved, waiting for the agent to close it.
    ResolvedConfirmed,
    Reopened,
    Closed,
    ClosedAfterReopen,
    AutoClosed,
    CancelledDuplicate,
    CancelledWithdrawn,
}

impl Target {
    fn cancelled(self) -> bool {
        matches!(
            self,
            Target::CancelledDuplicate | Target::CancelledWithdrawn
        )
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Creator {
    /// The customer account with this index (the contact with the same index).
    Customer(usize),
    Agent(usize),
    Field(usize),
    Integration,
}

struct Plan {
    at: i64,
    target: Target,
    sc: &'static Scenario,
    org: usize,
    system: Option<usize>,
    channel: Channel,
    creator: Creator,
    contact: Option<usize>,
    urgency: Urgency,
    /// The level the request carries (with a staff override, if any).
    level: u8,
    override_reason: Option<&'static str>,
    title: String,
    description: String,
}

impl Plan {
    fn system_name<'d>(&self, dir: &'d Dir) -> &'d str {
        self.system
            .map_or("", |s| dir.orgs[self.org].systems[s].seed.name)
    }
}

fn render(text: &str, sys: &str, org: &str) -> String {
    text.replace("{sys}", sys).replace("{org}", org)
}

/// A creation instant in the window, mostly in office hours.
fn random_instant(rng: &mut StdRng, from: i64, to: i64) -> i64 {
    loop {
        // More customers and systems each month: volume grows towards now.
        let u: f64 = rng.random();
        let t = from + ((to - from) as f64 * u.powf(0.7)) as i64;
        let p = if office_hours(t) {
            1.0
        } else if weekday(t) < 5 {
            0.10
        } else {
            0.12
        };
        if rng.random_bool(p) {
            return t;
        }
    }
}

fn target_for_age(rng: &mut StdRng, age: i64, flow: Flow) -> Target {
    use Target as T;
    let days = age / DAY;
    if flow == Flow::Project && (14..45).contains(&days) && rng.random_bool(0.3) {
        return weighted(rng, &[(T::InProgress, 3), (T::PendingCustomer, 2)]);
    }
    let table: &[(Target, u32)] = if days >= 14 {
        &[
            (T::Closed, 84),
            (T::ClosedAfterReopen, 3),
            (T::AutoClosed, 7),
            (T::CancelledDuplicate, 3),
            (T::CancelledWithdrawn, 3),
        ]
    } else if days >= 3 {
        &[
            (T::Closed, 47),
            (T::AutoClosed, 6),
            (T::ResolvedConfirmed, 5),
            (T::InProgress, 11),
            (T::PendingCustomer, 9),
            (T::PendingThirdParty, 4),
            (T::Assigned, 4),
            (T::Reopened, 3),
            (T::CancelledDuplicate, 3),
            (T::CancelledWithdrawn, 3),
        ]
    } else if days >= 1 {
        &[
            (T::Closed, 20),
            (T::Resolved, 18),
            (T::ResolvedConfirmed, 10),
            (T::InProgress, 20),
            (T::PendingCustomer, 10),
            (T::PendingThirdParty, 4),
            (T::Assigned, 8),
            (T::Reopened, 4),
            (T::CancelledWithdrawn, 3),
            (T::Acknowledged, 3),
        ]
    } else {
        &[
            (T::New, 12),
            (T::Acknowledged, 14),
            (T::Assigned, 20),
            (T::InProgress, 26),
            (T::PendingCustomer, 8),
            (T::Resolved, 14),
            (T::Closed, 6),
        ]
    };
    let t = weighted(rng, table);
    // Auto-close needs the whole auto-close period behind it.
    if t == T::AutoClosed && days < 6 {
        T::Closed
    } else {
        t
    }
}

fn plan_requests(rng: &mut StdRng, dir: &Dir, now_ms: i64, n: usize) -> anyhow::Result<Vec<Plan>> {
    // When they came in: spread over the window, the two newest within the last hours.
    let from = now_ms - WINDOW_DAYS * DAY;
    let mut times: Vec<i64> = (0..n.saturating_sub(2))
        .map(|_| random_instant(rng, from, now_ms - 4 * HOUR))
        .collect();
    if n >= 2 {
        times.push(now_ms - minutes(rng, 70, 200));
    }
    if n >= 1 {
        times.push(now_ms - minutes(rng, 8, 50));
    }
    times.sort_unstable();

    // Every state, category and level appears at least once (given enough requests).
    let mut forced_target: Vec<Option<Target>> = vec![None; n];
    let mut forced_category: Vec<Option<Category>> = vec![None; n];
    let mut forced_level: Vec<Option<u8>> = vec![None; n];
    if n >= 2 {
        forced_target[n - 1] = Some(Target::New);
        forced_target[n - 2] = Some(Target::Acknowledged);
    }
    let mut recent = vec![
        Target::Assigned,
        Target::InProgress,
        Target::PendingCustomer,
        Target::PendingThirdParty,
        Target::Resolved,
        Target::ResolvedConfirmed,
        Target::Reopened,
        Target::InProgress,
    ];
    shuffle(rng, &mut recent);
    for (k, t) in recent.into_iter().enumerate() {
        if let Some(i) = n.checked_sub(3 + k) {
            forced_target[i] = Some(t);
        }
    }
    let mut old: Vec<usize> = (0..n * 6 / 10).collect();
    shuffle(rng, &mut old);
    let mut old = old.into_iter();
    for t in [
        Target::CancelledDuplicate,
        Target::CancelledWithdrawn,
        Target::AutoClosed,
        Target::ClosedAfterReopen,
        Target::Closed,
    ] {
        if let Some(i) = old.next() {
            forced_target[i] = Some(t);
        }
    }
    for c in Category::ALL {
        if let Some(i) = old.next() {
            forced_category[i] = Some(*c);
        }
    }
    let severest = if n >= 200 { 2 } else { 1 };
    for l in (0..=4u8).chain(std::iter::repeat_n(5, severest)) {
        if let Some(i) = old.next() {
            forced_level[i] = Some(l);
        }
    }

    let mut plans = Vec::with_capacity(n);
    for i in 0..n {
        let at = times[i];
        // Sample what kind of request it is.
        let target = forced_target[i];
        let level = forced_level[i].or_else(|| {
            if forced_category[i].is_some() {
                return None;
            }
            let calm = target.is_some_and(|t| t.cancelled() || t == Target::AutoClosed);
            let table: &[(u8, u32)] = if calm {
                &[(0, 50), (1, 30), (2, 20)]
            } else {
                &[(0, 48), (1, 26), (2, 20), (3, 4), (4, 2)]
            };
            Some(weighted(rng, table))
        });
        let need_vendor = target == Some(Target::PendingThirdParty);
        let candidates = |vendor: bool| -> Vec<&'static Scenario> {
            SCENARIOS
                .iter()
                .filter(|s| forced_category[i].is_none_or(|c| s.category == c))
                .filter(|s| level.map_or(s.level < 5, |l| s.level == l))
                .filter(|s| !vendor || s.vendor.is_some())
                .collect()
        };
        let mut pool = candidates(need_vendor);
        if pool.is_empty() && need_vendor {
            pool = SCENARIOS
                .iter()
                .filter(|s| s.vendor.is_some() && s.level < 5)
                .collect();
        }
        if pool.is_empty() {
            pool = candidates(false);
        }
        ensure!(!pool.is_empty(), "no demo scenario fits request {i}");
        let sc = *pick(rng, &pool);
        let target = match target {
            Some(t) => t,
            None => {
                let mut t = target_for_age(rng, now_ms - at, sc.flow);
                if t == Target::PendingThirdParty && sc.vendor.is_none() {
                    t = Target::PendingCustomer;
                }
                if sc.level >= 3 && (t.cancelled() || t == Target::AutoClosed) {
                    t = Target::Closed;
                }
                t
            }
        };

        // Whose system.
        let orgs: Vec<(usize, u32)> = dir
            .orgs
            .iter()
            .enumerate()
            .filter(|(_, o)| org_fits(o.seed, sc))
            .map(|(k, o)| (k, o.seed.weight))
            .collect();
        ensure!(!orgs.is_empty(), "no organization for “{}”", sc.title);
        let org_ix = weighted(rng, &orgs);
        let org = &dir.orgs[org_ix];
        let system = if sc.sys == Sys::NoSystem {
            None
        } else {
            let fitting: Vec<usize> = (0..org.systems.len())
                .filter(|k| system_fits(org.systems[*k].seed, sc))
                .collect();
            Some(*pick(rng, &fitting))
        };

        // Who raised it, how.
        let gov = org.seed.industry == "政府";
        let (channel, creator) = if sc.flow == Flow::Planned
            && matches!(
                sc.category,
                Category::Inspection | Category::HealthCheck | Category::Backup
            ) {
            if rng.random_bool(0.5) {
                (Channel::Api, Creator::Integration)
            } else {
                (
                    Channel::Onsite,
                    Creator::Field(rng.random_range(0..dir.field.len())),
                )
            }
        } else if sc.sys.monitored()
            && matches!(sc.category, Category::Fault | Category::Backup)
            && sc.level >= 1
            && rng.random_bool(0.55)
        {
            (Channel::Monitoring, Creator::Integration)
        } else {
            let customer = Creator::Customer(rng.random_range(0..org.customers.len()));
            let agent = Creator::Agent(rng.random_range(0..dir.agents.len()));
            let on_site = Creator::Field(rng.random_range(0..dir.field.len()));
            let hotline = gov
                && matches!(sc.sys, Sys::Portal | Sys::Sso | Sys::Business)
                && matches!(sc.category, Category::Fault | Category::Consultation);
            let choice = weighted(
                rng,
                &[
                    ((Channel::Web, customer), 35),
                    ((Channel::Phone, agent), 42),
                    ((Channel::Email, agent), 13),
                    ((Channel::Onsite, on_site), 5),
                    (
                        if hotline {
                            (Channel::Api, Creator::Integration)
                        } else {
                            (Channel::Web, customer)
                        },
                        5,
                    ),
                ],
            );
            // A severe fault is reported by telephone, not by filling in a form.
            if sc.level >= 3 && choice.0 != Channel::Phone {
                (Channel::Phone, agent)
            } else {
                choice
            }
        };
        let contact = match creator {
            Creator::Customer(k) => Some(k),
            Creator::Integration if channel == Channel::Monitoring => None,
            _ => Some(rng.random_range(0..org.contacts.len())),
        };
        let options = urgencies_for(sc.impact, sc.level);
        let urgency = *pick(rng, &options);
        let staff = !matches!(creator, Creator::Customer(_));
        let (level, override_reason) = match sc.override_to {
            // Not every agent sees the public impact at once.
            Some((l, why)) if staff && rng.random_bool(0.4) => (l, Some(why)),
            _ => (sc.level, None),
        };

        let sys_name = system.map_or("", |s| org.systems[s].seed.name);
        let mut title = render(sc.title, sys_name, org.seed.short_name);
        let mut description = render(sc.description, sys_name, org.seed.short_name);
        let who = contact.map(|k| &org.contacts[k]);
        match (channel, creator) {
            (Channel::Monitoring, _) => {
                title = format!("【监控告警】{title}");
                description = format!(
                    "{description}\n\n告警来源：综合监控平台；告警时间：{}。",
                    fmt_local(at, "%Y-%m-%d %H:%M:%S")
                );
            }
            (Channel::Api, _) if sc.flow == Flow::Planned => {
                description = format!("【运维计划自动生成】{description}");
            }
            (Channel::Api, _) => {
                description = format!(
                    "【12345 政务服务便民热线转办】{description}\n\n热线工单号：{}{:06}，请于当日反馈处理情况。",
                    fmt_local(at, "%Y%m%d"),
                    rng.random_range(1..999_999)
                );
            }
            (Channel::Phone, _) => {
                if let Some(c) = who {
                    description = format!(
                        "{description}\n\n来电人：{}（{}），联系电话 {}。",
                        c.name, c.job_title, c.phone
                    );
                }
            }
            (Channel::Email, _) => {
                if let Some(c) = who {
                    description = format!(
                        "{description}\n\n（{}发送至服务邮箱的邮件，由服务台录入。）",
                        c.name
                    );
                }
            }
            (Channel::Onsite, Creator::Field(f)) => {
                if let Some(c) = who {
                    description = format!(
                        "{description}\n\n（现场受理：{}在客户现场由{}提出。）",
                        dir.field[f].display_name, c.name
                    );
                }
            }
            _ => {}
        }
        plans.push(Plan {
            at,
            target,
            sc,
            org: org_ix,
            system,
            channel,
            creator,
            contact,
            urgency,
            level,
            override_reason,
            title,
            description,
        });
    }
    Ok(plans)
}

fn shuffle<T>(rng: &mut StdRng, items: &mut [T]) {
    for i in (1..items.len()).rev() {
        let j = rng.random_range(0..=i);
        items.swap(i, j);
    }
}

async fn create_request(app: &App, dir: &Dir, p: &Plan) -> anyhow::Result<Request> {
    let org = &dir.orgs[p.org];
    let actor = match p.creator {
        Creator::Customer(k) => &org.customers[k],
        Creator::Agent(k) => &dir.agents[k],
        Creator::Field(k) => &dir.field[k],
        Creator::Integration => &dir.integration,
    };
    let level = match p.override_reason {
        Some(_) => Some(FaultLevel::new(p.level as i64)?),
        None => None,
    };
    let (r, _) = app
        .create_request(
            actor,
            NewRequest {
                channel: p.channel,
                category: p.sc.category,
                impact: p.sc.impact,
                urgency: p.urgency,
                level,
                level_reason: p.override_reason.map(str::to_owned),
                title: p.title.clone(),
                description: p.description.clone(),
                organization_id: Some(org.id),
                requester_contact_id: p.contact.map(|k| org.contacts[k].id),
                system_id: p.system.map(|s| org.systems[s].id),
            },
            None,
        )
        .await?;
    Ok(r)
}

// ------------------------------------------------------------------ telling the stories

enum Attachment {
    /// A log file a customer exports to show the error.
    ErrorLog { system: String },
    /// The engineer's report of planned work.
    Report {
        kind: &'static str,
        title: String,
        org: String,
        system: String,
        engineer: String,
    },
}

enum Op {
    Act(Actor, Action, ActionExtras),
    Msg(Actor, Visibility, String),
    Work(Actor, i64, String),
    Attach(Actor, Attachment),
    VisitRequest(Actor, i64),
    VisitArrive(Actor),
    VisitLeave(Actor, String),
    /// Record the third party's own case number on the request.
    SetRef(Actor, String),
    /// A step of the request's fault report (故障报告).
    Report(Actor, ReportOp),
}

/// The fault report steps a story can take, each through the real use case.
enum ReportOp {
    /// Draft from the history, then fill in the cause and the prevention.
    Draft {
        cause: String,
        prevention: String,
    },
    SubmitReview,
    Return(String),
    /// Edit after a return (the impact, as the reviewer asked).
    Amend(String),
    Approve,
    Deliver,
}

/// How far a fault's report got.
#[derive(Clone, Copy, PartialEq)]
enum ReportFate {
    Draft,
    InReview,
    Returned,
    OnTime,
    ReturnedThenOnTime,
    Late,
}

struct Step {
    /// Milliseconds after the previous step.
    delay: i64,
    /// Not compressed when the story must fit before now (the auto-close period).
    fixed: bool,
    op: Op,
}

struct Story {
    request_id: i64,
    created_at: i64,
    /// No step happens after this instant.
    budget_end: i64,
    steps: Vec<Step>,
}

/// A story being written: steps, and roughly when each will happen.
struct Steps {
    steps: Vec<Step>,
    start: i64,
    elapsed: i64,
    /// Work that can wait for office hours waits for them (levels 0–1).
    office: bool,
}

impl Steps {
    fn new(start: i64, office: bool) -> Self {
        Steps {
            steps: Vec::new(),
            start,
            elapsed: 0,
            office,
        }
    }
    fn done(self) -> anyhow::Result<Vec<Step>> {
        Ok(self.steps)
    }
    fn add(&mut self, mut delay: i64, fixed: bool, snap: bool, op: Op) {
        if snap {
            let at = self.start + self.elapsed + delay;
            if !office_hours(at) {
                // Some time in the next working morning (08:30–12:00).
                let jitter = (at / 7919).rem_euclid(210) * MIN;
                delay = next_office_start(at) + jitter - self.start - self.elapsed;
            }
        }
        self.elapsed += delay;
        self.steps.push(Step { delay, fixed, op });
    }
    fn push(&mut self, delay: i64, op: Op) {
        self.add(delay, false, self.office, op);
    }
    /// Something people do in office hours whatever the level (feedback, revisits).
    fn push_office(&mut self, delay: i64, op: Op) {
        self.add(delay, false, true, op);
    }
    fn fixed(&mut self, delay: i64, op: Op) {
        self.add(delay, true, false, op);
    }
    fn act(&mut self, delay: i64, who: &Actor, action: Action) {
        self.push(delay, Op::Act(who.clone(), action, ActionExtras::default()));
    }
    fn act_office(&mut self, delay: i64, who: &Actor, action: Action) {
        self.push_office(delay, Op::Act(who.clone(), action, ActionExtras::default()));
    }
    fn say(&mut self, delay: i64, who: &Actor, visibility: Visibility, text: String) {
        self.push(delay, Op::Msg(who.clone(), visibility, text));
    }
    fn say_office(&mut self, delay: i64, who: &Actor, visibility: Visibility, text: String) {
        self.push_office(delay, Op::Msg(who.clone(), visibility, text));
    }
}

/// Compress a story that would otherwise run past now (the auto-close wait is kept).
fn fit_to_budget(steps: Vec<Step>, budget: i64) -> Vec<Step> {
    let total: i64 = steps.iter().map(|s| s.delay).sum();
    if total <= budget || budget <= 0 {
        return steps;
    }
    let fixed: i64 = steps.iter().filter(|s| s.fixed).map(|s| s.delay).sum();
    let (scalable, kept) = if budget > fixed && total > fixed {
        ((budget - fixed) as f64 / (total - fixed) as f64, 1.0)
    } else {
        let f = budget as f64 / total as f64;
        (f, f)
    };
    steps
        .into_iter()
        .map(|s| Step {
            delay: (s.delay as f64 * if s.fixed { kept } else { scalable }) as i64,
            ..s
        })
        .collect()
}

const ACK_REPLIES: &[&str] = &[
    "您好，您的请求已受理（受理人：{agent}），我们正在安排工程师处理，请保持电话畅通。",
    "您好，已收到您反映的问题，已记录并转交相关工程师，处理进展会在本请求中及时更新。",
    "您好，服务台已受理，按 {level} 级请求处理，我们会在服务承诺时限内给您答复。",
];
const ACK_SEVERE: &str = "您好，已按严重故障（{level} 级）受理并启动应急处理流程，项目负责人已知悉，工程师正在处理，请保持电话畅通。";
const L1_FIRST_PLAN: &str = "一线先行电话排查：确认故障现象和影响范围，按知识库指引检查常见原因。";
const ESCALATE_L2: &str = "一线按知识库指引排查后问题仍存在，需二线研发工程师进一步分析处理。";
const LEADER_NOTE: &str = "已启动严重故障处理流程并通报{org}信息化负责人。请现场与二线每 30 分钟同步一次进展；故障解决后 2 个工作日内提交故障报告。";
const FAULT_REPORT_NOTE: &str =
    "故障报告已编写完成（故障时间线、原因、处理方法、影响范围及日常运维建议），已提交客户确认。";
const REVISIT_NO_ANSWER: &str = "回访：已两次致电报修人未接通。如问题仍未解决请直接回复本请求；回访期限届满未收到反馈将按规定自动关闭。";
/// (why we wait, what the customer answers, whether the answer carries a log file).
const WAITS: &[(&str, &str, bool)] = &[
    (
        "为进一步定位问题，请提供出现问题时的报错截图或日志、发生时间和操作人账号。",
        "日志已上传，问题大约在今天上午 9:20 左右开始出现，涉及窗口 3 号机的工作人员账号。",
        true,
    ),
    (
        "处理需要进入机房并使用服务器管理员账号，请协调机房门禁和管理员的到场时间。",
        "已和机房管理员约好，明天上午 9:00 可以进机房，管理员会在现场配合。",
        false,
    ),
    (
        "修复需要重启应用服务，约中断 10 分钟，请确认今晚 20:00 以后是否可以操作。",
        "可以，今晚 20:00 以后没有业务办理，同意重启。",
        false,
    ),
    (
        "请提供 2–3 个受影响用户的账号，便于我们复现问题。",
        "受影响的账号和操作记录见附件日志，均为本周新开通的账号。",
        true,
    ),
    (
        "请确认问题出现前是否有网络或设备变更（如机房施工、设备搬迁、系统补丁）。",
        "经确认，前天晚上机房做过一次网络割接，相关日志已上传。",
        true,
    ),
];
const WAIT_PROJECT: (&str, &str, bool) = (
    "需求说明书已发送至贵单位邮箱，请确认功能范围和上线时间后回复。",
    "需求说明书已确认，请按方案实施，希望在月底前上线。",
    false,
);
const WAIT_PLANNED: (&str, &str, bool) = (
    "请确认本次服务的时间窗口和现场对接人。",
    "时间没问题，现场对接人由我们信息中心安排，届时电话联系。",
    false,
);
const WITHDRAWN: &[&str] = &[
    "问题已自行恢复，撤回申请。",
    "经内部核实是操作人员误操作，不需要处理了，撤回本请求。",
    "已通过其他渠道解决，撤回本请求。",
];
const REOPEN_COMMENTS: &[&str] = &[
    "问题又出现了，今天上午同样的报错又出现了两次。",
    "刚才测试发现问题仍然存在，部分用户还是不行。",
    "恢复了半天后又出现同样的情况，请再查一下。",
];
const SECOND_RESOLUTIONS: &[&str] = &[
    "复查发现备节点配置未同步，已补齐配置并在主备两端验证，观察 24 小时未再复现。",
    "复查发现问题由定时任务在高峰期重复触发引起，已调整任务执行时间，连续观察两天正常。",
    "复查确认为客户端缓存未清理导致，已指导全部终端清理缓存并推送更新，问题不再出现。",
];
const COMMENTS_5: &[&str] = &[
    "处理很及时，工程师非常专业，满意！",
    "响应快，问题彻底解决了，感谢服务团队。",
    "工程师耐心细致，还讲解了日常注意事项，非常满意。",
    "一次就讲清楚了，很方便。",
];
const COMMENTS_4: &[&str] = &[
    "问题已解决，整体满意。",
    "处理结果满意，希望下次响应能再快一点。",
    "解决了，沟通顺畅。",
];
const COMMENTS_3: &[&str] = &[
    "问题解决了，但中间沟通有些反复。",
    "处理时间比预期长，基本满意。",
];
const COMMENTS_2: &[&str] = &["处理时间较长，影响了窗口业务办理。"];
const COMMENTS_1: &[&str] = &["等了很久才有人处理，对响应速度不满意。"];

fn respond_delay(rng: &mut StdRng, level: u8) -> i64 {
    match level {
        0 => minutes(rng, 30, 240),
        1 => minutes(rng, 20, 90),
        2 => minutes(rng, 10, 25),
        _ => minutes(rng, 4, 10),
    }
}

fn vendor_texts(v: Vendor, case: &str) -> (String, String, String, String, &'static str) {
    match v {
        Vendor::Cloud => (
            format!("经分析属于云平台底层资源问题，转百川云工程师处理，厂商案例号 {case}。"),
            format!("已向百川云提交工单（案例号 {case}），等待云厂商排查底层计算与网络资源。"),
            "百川云二线排查宿主机、网络及云存储资源，必要时在线迁移云主机。".to_owned(),
            "【百川云】已受理，正在排查云主机所在宿主机及网络资源，定位后将在线迁移，迁移期间请勿重启云主机。".to_owned(),
            "底层资源问题已处理，云主机已迁移到健康宿主机，请业务侧验证。",
        ),
        Vendor::Storage => (
            format!("经分析为存储阵列硬件故障，转恒储存储原厂工程师处理，厂商案例号 {case}。"),
            format!("已向恒储存储报修（案例号 {case}），等待原厂备件到货后上门更换。"),
            "原厂远程收集阵列日志确认故障部件，携带备件到场更换。".to_owned(),
            "【恒储存储】已确认为硬件故障，备件已从备件库调拨，工程师将携带备件到场更换，更换过程不影响业务。".to_owned(),
            "备件已到货，原厂工程师已预约到场时间，一同前往更换。",
        ),
    }
}

fn build_story(
    rng: &mut StdRng,
    dir: &Dir,
    p: &Plan,
    prev_in_org: Option<i64>,
    now_ms: i64,
) -> anyhow::Result<Vec<Step>> {
    use Target as T;
    let org = &dir.orgs[p.org];
    let sc = p.sc;
    let sys = p.system_name(dir).to_owned();
    let org_name = org.seed.short_name;
    let txt = |s: &str| render(s, &sys, org_name);
    let level = p.level;
    let mut target = p.target;
    if target == T::AutoClosed && now_ms - p.at < org.auto_close_ms + 2 * DAY {
        target = T::Closed;
    }
    let mut s = Steps::new(p.at, level <= 1);
    if target == T::New {
        return s.done();
    }

    let agent = match p.creator {
        Creator::Agent(k) => dir.agents[k].clone(),
        _ => pick(rng, &dir.agents).clone(),
    };
    let customer_requester = matches!(p.creator, Creator::Customer(_));
    let customer = match (p.creator, p.contact) {
        (Creator::Customer(k), _) => org.customers[k].clone(),
        (_, Some(k)) if k < org.customers.len() => org.customers[k].clone(),
        _ => org.customers[0].clone(),
    };
    let contact_name = p
        .contact
        .map_or(org.contacts[0].name, |k| org.contacts[k].name);
    let leader = &dir.leaders[org.seed.leader];
    let field_eng = pick(rng, &dir.field).clone();

    // 应答 (answer) and 记录 (record).
    let live = matches!(
        p.channel,
        Channel::Phone | Channel::Monitoring | Channel::Onsite
    );
    let ack = if live {
        if level >= 3 {
            minutes(rng, 1, 4)
        } else {
            minutes(rng, 1, 10)
        }
    } else if level <= 1 && !office_hours(p.at) {
        next_office_start(p.at) - p.at + minutes(rng, 5, 40)
    } else {
        match level {
            0 => minutes(rng, 15, 120),
            1 => minutes(rng, 10, 45),
            2 => minutes(rng, 5, 20),
            _ => minutes(rng, 2, 8),
        }
    };
    // The hotline answers around the clock; web and mail wait for the morning (see above).
    s.add(
        ack,
        false,
        false,
        Op::Act(agent.clone(), Action::Acknowledge, ActionExtras::default()),
    );
    if level >= 3 || p.channel == Channel::Web || rng.random_bool(0.5) {
        let template = if level >= 3 {
            ACK_SEVERE
        } else if level == 0 {
            *pick(rng, &ACK_REPLIES[..2])
        } else {
            *pick(rng, ACK_REPLIES)
        };
        let text = template
            .replace("{agent}", &agent.display_name)
            .replace("{level}", &level.to_string());
        s.say(minutes(rng, 1, 5), &agent, Visibility::Public, text);
    }
    if target == T::Acknowledged {
        return s.done();
    }
    if target == T::CancelledDuplicate {
        let reason = match prev_in_org {
            Some(id) => format!(
                "与请求 #{id} 重复：同一问题已由{org_name}其他人员报修，合并到 #{id} 处理。"
            ),
            None => "重复报修：同一问题已电话报修并在处理中，本请求作废。".to_owned(),
        };
        s.act(
            minutes(rng, 3, 25),
            &agent,
            Action::Cancel {
                reason: ne(&reason)?,
            },
        );
        return s.done();
    }

    // 分派 (dispatch) and 响应 (response: mode + plan).
    let mut handler: Actor;
    let worker: Actor;
    if sc.flow == Flow::L1 {
        if target == T::Assigned {
            s.act(
                minutes(rng, 2, 15),
                &agent,
                Action::Dispatch {
                    tier: Tier::L1,
                    assignee: Some(agent.user_id),
                    team: Some(dir.team_l1),
                },
            );
            return s.done();
        }
        let mode = if rng.random_bool(0.6) {
            ResponseMode::Phone
        } else {
            ResponseMode::Remote
        };
        s.act(
            respond_delay(rng, level),
            &agent,
            Action::Respond {
                mode,
                plan: ne(&txt(sc.plan))?,
            },
        );
        handler = agent.clone();
        worker = agent.clone();
    } else {
        let (eng, team) = if sc.flow == Flow::Planned {
            (field_eng.clone(), dir.team_field)
        } else {
            (pick(rng, &dir.l2).clone(), dir.team_l2)
        };
        if sc.flow == Flow::L2 && level <= 2 && rng.random_bool(0.35) {
            s.act(
                respond_delay(rng, 2),
                &agent,
                Action::Respond {
                    mode: ResponseMode::Phone,
                    plan: ne(L1_FIRST_PLAN)?,
                },
            );
            s.push(
                minutes(rng, 10, 60),
                Op::Act(
                    agent.clone(),
                    Action::Escalate {
                        to: Tier::L2,
                        reason: ne(ESCALATE_L2)?,
                    },
                    ActionExtras {
                        assignee_id: Some(eng.user_id),
                        team_id: Some(team),
                        third_party_ref: None,
                        ..Default::default()
                    },
                ),
            );
        } else {
            s.act(
                if level >= 3 {
                    minutes(rng, 1, 5)
                } else {
                    minutes(rng, 3, 20)
                },
                &agent,
                Action::Dispatch {
                    tier: Tier::L2,
                    assignee: Some(eng.user_id),
                    team: Some(team),
                },
            );
        }
        if target == T::Assigned {
            return s.done();
        }
        let mode = if sc.onsite {
            ResponseMode::Onsite
        } else {
            ResponseMode::Remote
        };
        s.act(
            respond_delay(rng, level),
            &eng,
            Action::Respond {
                mode,
                plan: ne(&txt(sc.plan))?,
            },
        );
        handler = eng.clone();
        worker = eng;
    }
    if target == T::CancelledWithdrawn {
        let why = *pick(rng, WITHDRAWN);
        let (who, reason) = if customer_requester {
            (&customer, why.to_owned())
        } else {
            (&agent, format!("客户来电告知：{why}"))
        };
        s.act_office(
            minutes(rng, 20, 600),
            who,
            Action::Cancel {
                reason: ne(&reason)?,
            },
        );
        return s.done();
    }
    if level >= 3 {
        s.say(
            minutes(rng, 3, 15),
            leader,
            Visibility::Internal,
            txt(LEADER_NOTE),
        );
    }
    if sc.flow == Flow::Project {
        let days = rng.random_range(3..=10);
        s.say(
            minutes(rng, 60, 600),
            leader,
            Visibility::Internal,
            format!(
                "已纳入项目组排期，由{}负责需求分析与开发实施，预计 {days} 个工作日完成。",
                worker.display_name
            ),
        );
    }

    // 信息收集、分析判断 (collect and analyse).
    if matches!(sc.flow, Flow::L2 | Flow::Project) {
        s.act(
            minutes(rng, 5, 40),
            &handler,
            Action::SetStage {
                stage: Stage::Analysing,
            },
        );
    }
    if !sc.note.is_empty() {
        s.say(
            minutes(rng, 10, 60),
            &worker,
            Visibility::Internal,
            txt(sc.note),
        );
    }
    let early_reply = sc.onsite || sc.vendor.is_some() || sc.flow == Flow::Planned;
    if early_reply && !sc.reply.is_empty() {
        s.say(
            minutes(rng, 5, 30),
            &worker,
            Visibility::Public,
            txt(sc.reply),
        );
    }
    if target == T::InProgress {
        match sc.flow {
            Flow::Project => {
                s.act(
                    minutes(rng, 600, 2400),
                    &handler,
                    Action::SetStage {
                        stage: Stage::Planning,
                    },
                );
                if rng.random_bool(0.5) {
                    s.act(
                        minutes(rng, 600, 2400),
                        &handler,
                        Action::SetStage {
                            stage: Stage::Implementing,
                        },
                    );
                }
            }
            _ if sc.onsite && rng.random_bool(0.6) => {
                s.push(
                    minutes(rng, 3, 20),
                    Op::VisitRequest(worker.clone(), field_eng.user_id),
                );
                s.push(minutes(rng, 40, 180), Op::VisitArrive(field_eng.clone()));
            }
            Flow::L2 if rng.random_bool(0.4) => s.act(
                minutes(rng, 20, 120),
                &handler,
                Action::SetStage {
                    stage: Stage::Implementing,
                },
            ),
            _ => {}
        }
        return s.done();
    }

    // 等待用户 (waiting for the customer): a customer's reply resumes the request.
    // Nobody asks a customer for screenshots while their whole system is down.
    let wait_customer = target == T::PendingCustomer
        || (target != T::PendingThirdParty
            && level < 3
            && rng.random_bool(if sc.flow == Flow::Project { 0.7 } else { 0.15 }));
    if wait_customer {
        let (reason, answer, with_log) = match sc.flow {
            Flow::Project => WAIT_PROJECT,
            Flow::Planned => WAIT_PLANNED,
            _ => *pick(rng, WAITS),
        };
        s.act(
            minutes(rng, 10, 90),
            &worker,
            Action::Wait {
                waiting_for: WaitingFor::Customer,
                reason: ne(reason)?,
            },
        );
        if target == T::PendingCustomer {
            return s.done();
        }
        let delay = if sc.flow == Flow::Project {
            minutes(rng, 600, 4000)
        } else {
            minutes(rng, 60, 1200)
        };
        if with_log {
            s.push_office(
                delay,
                Op::Attach(
                    customer.clone(),
                    Attachment::ErrorLog {
                        system: sys.clone(),
                    },
                ),
            );
            s.say(
                minutes(rng, 1, 3),
                &customer,
                Visibility::Public,
                answer.to_owned(),
            );
        } else {
            s.say_office(delay, &customer, Visibility::Public, answer.to_owned());
        }
    }

    // 第三方故障 (a third party's fault): wait for it, or hand the request over.
    match sc.vendor {
        Some(v) => {
            let case = format!(
                "{}-{}-{:04}",
                v.case_prefix(),
                fmt_local(p.at, "%Y%m%d"),
                rng.random_range(1..=9999)
            );
            let (escalate_reason, wait_reason, vendor_plan, vendor_reply, done) =
                vendor_texts(v, &case);
            let vendor = dir.vendor(v);
            if target == T::PendingThirdParty || rng.random_bool(0.45) {
                s.push(
                    minutes(rng, 10, 40),
                    Op::SetRef(worker.clone(), case.clone()),
                );
                s.act(
                    minutes(rng, 1, 5),
                    &worker,
                    Action::Wait {
                        waiting_for: WaitingFor::ThirdParty,
                        reason: ne(&wait_reason)?,
                    },
                );
                if target == T::PendingThirdParty {
                    return s.done();
                }
                let delay = match (v, level >= 3) {
                    (Vendor::Storage, false) => minutes(rng, 600, 2400),
                    (Vendor::Cloud, false) => minutes(rng, 60, 300),
                    (_, true) => minutes(rng, 40, 120),
                };
                s.act(delay, &worker, Action::Resume);
                s.say(
                    minutes(rng, 2, 10),
                    &worker,
                    Visibility::Internal,
                    format!("{}反馈（案例 {case}）：{done}", v.company()),
                );
            } else {
                s.push(
                    minutes(rng, 10, 40),
                    Op::Act(
                        worker.clone(),
                        Action::Escalate {
                            to: Tier::ThirdParty,
                            reason: ne(&escalate_reason)?,
                        },
                        ActionExtras {
                            assignee_id: Some(vendor.user_id),
                            team_id: None,
                            third_party_ref: Some(case.clone()),
                            ..Default::default()
                        },
                    ),
                );
                s.act(
                    if level >= 3 {
                        minutes(rng, 5, 10)
                    } else {
                        minutes(rng, 8, 30)
                    },
                    vendor,
                    Action::Respond {
                        mode: if v == Vendor::Storage {
                            ResponseMode::Onsite
                        } else {
                            ResponseMode::Remote
                        },
                        plan: ne(&vendor_plan)?,
                    },
                );
                s.say(
                    minutes(rng, 15, 60),
                    vendor,
                    Visibility::Public,
                    vendor_reply,
                );
                handler = vendor.clone();
            }
        }
        None if target == T::PendingThirdParty => {
            s.act(
                minutes(rng, 10, 40),
                &worker,
                Action::Wait {
                    waiting_for: WaitingFor::ThirdParty,
                    reason: ne("已向线路运营商报障，等待运营商排查专线。")?,
                },
            );
            return s.done();
        }
        None => {}
    }

    // 现场方式 (on site): departed, arrived (stops the on-site clock), left, work done.
    if sc.onsite {
        s.push(
            minutes(rng, 3, 20),
            Op::VisitRequest(worker.clone(), field_eng.user_id),
        );
        let travel = if level >= 3 {
            minutes(rng, 35, 110)
        } else if sc.flow == Flow::Planned {
            minutes(rng, 900, 2900)
        } else {
            minutes(rng, 120, 1400)
        };
        if level >= 2 {
            s.push(travel, Op::VisitArrive(field_eng.clone()));
        } else {
            s.push_office(travel, Op::VisitArrive(field_eng.clone()));
        }
        let work_done = format!(
            "{}已请{contact_name}在服务单上签字确认。",
            txt(sc.resolution)
        );
        s.push(
            minutes(rng, 60, 240),
            Op::VisitLeave(field_eng.clone(), work_done),
        );
        let spent = rng.random_range(90..=360);
        s.push(
            minutes(rng, 1, 10),
            Op::Work(
                field_eng.clone(),
                spent,
                format!("现场处理（含往返路程）：{}", p.title),
            ),
        );
    }

    // 制定方案、实施方案 (plan and implement).
    if !early_reply && !sc.reply.is_empty() {
        s.say(
            minutes(rng, 10, 60),
            &worker,
            Visibility::Public,
            txt(sc.reply),
        );
    }
    match sc.flow {
        Flow::Project => {
            s.act(
                minutes(rng, 600, 2400),
                &handler,
                Action::SetStage {
                    stage: Stage::Planning,
                },
            );
            s.act(
                minutes(rng, 600, 2400),
                &handler,
                Action::SetStage {
                    stage: Stage::Implementing,
                },
            );
            let spent = rng.random_range(240..=720);
            s.push(
                minutes(rng, 240, 600),
                Op::Work(
                    worker.clone(),
                    spent,
                    format!("需求分析与方案编写：{}", p.title),
                ),
            );
        }
        Flow::L2 | Flow::Planned => s.act(
            minutes(rng, 5, 40),
            &handler,
            Action::SetStage {
                stage: Stage::Implementing,
            },
        ),
        Flow::L1 => {}
    }
    let (lo, hi, note) = match sc.flow {
        Flow::L1 => (10, 40, "电话指导及记录"),
        Flow::L2 => (30, if level >= 3 { 480 } else { 240 }, "远程排查与处理"),
        Flow::Project => (300, 900, "开发、测试及生产环境部署"),
        Flow::Planned => (60, 240, "实施及报告编写"),
    };
    let spent = rng.random_range(lo..=hi);
    if !(sc.onsite && worker.user_id == field_eng.user_id) {
        s.push(
            minutes(rng, 5, 30),
            Op::Work(worker.clone(), spent, format!("{note}：{}", p.title)),
        );
    }
    if sc.flow == Flow::Planned
        && matches!(
            sc.category,
            Category::Inspection | Category::HealthCheck | Category::Backup
        )
    {
        let kind = match sc.category {
            Category::Inspection => "巡检",
            Category::HealthCheck => "健康检查",
            _ => "恢复演练",
        };
        s.push(
            minutes(rng, 20, 120),
            Op::Attach(
                worker.clone(),
                Attachment::Report {
                    kind,
                    title: p.title.clone(),
                    org: org.seed.name.to_owned(),
                    system: if sys.is_empty() {
                        "—".to_owned()
                    } else {
                        sys.clone()
                    },
                    engineer: worker.display_name.clone(),
                },
            ),
        );
    }

    // 解决 (resolve).
    let resolve_after = match (sc.flow, level) {
        (_, 5) => minutes(rng, 1200, 2100),
        (_, 4) => minutes(rng, 40, 150),
        (_, 3) => minutes(rng, 20, 80),
        (Flow::L1, _) => minutes(rng, 10, 120),
        (Flow::Project, _) => minutes(rng, 1440, 5000),
        (Flow::Planned, _) => minutes(rng, 30, 180),
        (Flow::L2, 2) => minutes(rng, 30, 180),
        (Flow::L2, _) => minutes(rng, 60, 1200),
    };
    s.act(
        resolve_after,
        &handler,
        Action::Resolve {
            resolution: ne(&txt(sc.resolution))?,
        },
    );
    if sc.category == Category::Fault && level >= 1 && worker.role == Role::Engineer {
        report_story(rng, &mut s, &worker, leader, level);
    }
    if target == T::Resolved {
        return s.done();
    }

    // 回访用户、用户反馈、关闭请求 (revisit, feedback, close).
    if target == T::AutoClosed {
        if rng.random_bool(0.6) {
            s.say_office(
                minutes(rng, 300, 1200),
                &agent,
                Visibility::Public,
                REVISIT_NO_ANSWER.to_owned(),
            );
        }
        s.fixed(
            org.auto_close_ms + minutes(rng, 5, 120),
            Op::Act(
                dir.system.clone(),
                Action::Close {
                    basis: CloseBasis::AutoClose,
                },
                ActionExtras::default(),
            ),
        );
        return s.done();
    }
    let by_customer = customer_requester || rng.random_bool(0.35);
    let feedback_actor = if by_customer { &customer } else { &agent };
    let voice = |comment: &str| {
        if by_customer {
            comment.to_owned()
        } else {
            format!("电话回访{contact_name}：{comment}")
        }
    };
    let reopened = matches!(target, T::Reopened | T::ClosedAfterReopen);
    if reopened {
        s.act_office(
            minutes(rng, 60, 1800),
            feedback_actor,
            Action::Feedback(Feedback {
                solved: false,
                rating: None,
                comment: Some(voice(pick::<&str>(rng, REOPEN_COMMENTS))),
            }),
        );
        if target == T::Reopened {
            return s.done();
        }
        s.act(
            minutes(rng, 15, 90),
            &worker,
            Action::Respond {
                mode: ResponseMode::Remote,
                plan: ne("复发后重新排查：扩大检查范围，核对主备节点及相关配置。")?,
            },
        );
        s.say(
            minutes(rng, 20, 120),
            &worker,
            Visibility::Internal,
            "复发原因分析：首次处理未覆盖全部节点和定时任务，正在补充检查。".to_owned(),
        );
        s.act(
            minutes(rng, 60, 480),
            &worker,
            Action::Resolve {
                resolution: ne(pick::<&str>(rng, SECOND_RESOLUTIONS))?,
            },
        );
    }
    let rating = if reopened {
        weighted(rng, &[(5, 20), (4, 40), (3, 25), (2, 10), (1, 5)])
    } else {
        weighted(rng, &[(5, 55), (4, 30), (3, 9), (2, 4), (1, 2)])
    };
    let comments = match rating {
        5 => COMMENTS_5,
        4 => COMMENTS_4,
        3 => COMMENTS_3,
        2 => COMMENTS_2,
        _ => COMMENTS_1,
    };
    let comment = voice(pick::<&str>(rng, comments));
    s.act_office(
        minutes(rng, 60, 1800),
        feedback_actor,
        Action::Feedback(Feedback {
            solved: true,
            rating: Some(Rating::new(rating)?),
            comment: Some(comment),
        }),
    );
    if target == T::ResolvedConfirmed {
        return s.done();
    }
    s.act_office(
        minutes(rng, 10, 240),
        &agent,
        Action::Close {
            basis: CloseBasis::Confirmed,
        },
    );
    s.done()
}

async fn run_report_op(app: &App, who: &Actor, id: i64, op: ReportOp) -> anyhow::Result<()> {
    use fuwu_app::reports::{FaultReportPatch, ReportStep};
    use fuwu_core::report::ReportAction;
    let step = |action, comment: Option<String>| async move {
        app.fault_report_step(
            who,
            id,
            action,
            ReportStep {
                version: None,
                comment,
            },
        )
        .await
    };
    match op {
        ReportOp::Draft { cause, prevention } => {
            let draft = app.create_fault_report(who, id).await?;
            app.update_fault_report(
                who,
                id,
                FaultReportPatch {
                    version: draft.version,
                    cause: Some(cause),
                    prevention: Some(prevention),
                    ..Default::default()
                },
            )
            .await?;
        }
        ReportOp::Amend(impact) => {
            let now = match app.fault_report(who, id).await? {
                fuwu_app::reports::FaultReportView::Staff(r) => r.version,
                fuwu_app::reports::FaultReportView::Customer(_) => {
                    bail!("staff read the whole report")
                }
            };
            app.update_fault_report(
                who,
                id,
                FaultReportPatch {
                    version: now,
                    impact: Some(impact),
                    ..Default::default()
                },
            )
            .await?;
        }
        ReportOp::SubmitReview => {
            step(ReportAction::SubmitReview, None).await?;
        }
        ReportOp::Return(comment) => {
            step(ReportAction::Return, Some(comment)).await?;
        }
        ReportOp::Approve => {
            step(ReportAction::Approve, Some("同意提交客户。".to_owned())).await?;
        }
        ReportOp::Deliver => {
            step(ReportAction::Deliver, None).await?;
        }
    }
    Ok(())
}

/// The fault report of a resolved fault: drafted by the engineer who
/// handled it, reviewed and delivered by the contract's project leader —
/// in every state the desk meets: a draft, in review, returned, delivered
/// in time (after a return or not) and delivered late.
fn report_story(rng: &mut StdRng, s: &mut Steps, worker: &Actor, leader: &Actor, level: u8) {
    use ReportFate as F;
    let fate = weighted(
        rng,
        &[
            (F::Draft, 10),
            (F::InReview, 10),
            (F::Returned, 5),
            (F::OnTime, 50),
            (F::ReturnedThenOnTime, 10),
            (F::Late, 15),
        ],
    );
    let (cause, prevention) = pick(rng, REPORT_CAUSES);
    let report = |who: &Actor, op: ReportOp| Op::Report(who.clone(), op);
    s.push_office(
        minutes(rng, 60, 600),
        report(
            worker,
            ReportOp::Draft {
                cause: (*cause).to_owned(),
                prevention: (*prevention).to_owned(),
            },
        ),
    );
    if fate == F::Draft {
        return;
    }
    s.push_office(
        minutes(rng, 30, 240),
        report(worker, ReportOp::SubmitReview),
    );
    if fate == F::InReview {
        return;
    }
    if matches!(fate, F::Returned | F::ReturnedThenOnTime) {
        s.push_office(
            minutes(rng, 60, 300),
            report(leader, ReportOp::Return(REPORT_RETURN.to_owned())),
        );
        if fate == F::Returned {
            return;
        }
        let impact = if level >= 3 {
            "全部用户无法使用系统，业务中断至故障恢复；数据完好。"
        } else {
            "部分用户的相关功能受影响，其余业务正常；数据完好。"
        };
        s.push_office(
            minutes(rng, 30, 180),
            report(worker, ReportOp::Amend(impact.to_owned())),
        );
        s.push_office(minutes(rng, 10, 60), report(worker, ReportOp::SubmitReview));
    }
    s.push_office(minutes(rng, 30, 240), report(leader, ReportOp::Approve));
    if fate == F::Late {
        // Sent days later than the 2 working days: the report clock breaches.
        s.fixed(
            minutes(rng, 4 * 1440, 6 * 1440),
            report(leader, ReportOp::Deliver),
        );
    } else {
        s.push_office(minutes(rng, 5, 60), report(leader, ReportOp::Deliver));
    }
    s.say(
        minutes(rng, 1, 10),
        leader,
        Visibility::Internal,
        FAULT_REPORT_NOTE.to_owned(),
    );
}

const REPORT_CAUSES: &[(&str, &str)] = &[
    (
        "数据库连接池配置过小，业务高峰时连接耗尽，应用请求排队超时。",
        "将连接池上限调整为 400 并加入监控告警（使用率 80% 预警）；每月巡检时核对连接池及慢查询情况。",
    ),
    (
        "存储控制器固件缺陷导致主备切换失败，主备机同时不可用。",
        "升级存储控制器固件至厂商修复版本；每季度进行一次主备切换演练，巡检时检查存储日志。",
    ),
    (
        "应用服务器磁盘空间被日志占满，服务进程异常退出。",
        "配置日志按天切割并保留 30 天；磁盘使用率超过 80% 时告警；日常巡检检查各分区增长趋势。",
    ),
    (
        "接口证书过期，统一身份认证接口调用失败。",
        "建立证书到期台账，到期前 30 天提醒更换；巡检清单增加证书有效期检查项。",
    ),
    (
        "网络设备端口故障，部分楼层终端无法访问业务系统。",
        "更换故障端口模块并启用链路冗余；每月检查核心设备端口错误计数。",
    ),
];
const REPORT_RETURN: &str =
    "请补充影响范围（受影响的用户和业务、持续时间），时间线与工单记录核对一致后再提交。";

fn attachment_file(a: &Attachment, at: i64) -> (String, Vec<u8>) {
    let ts = |back_min: i64| fmt_local(at - back_min * MIN, "%Y-%m-%d %H:%M:%S");
    match a {
        Attachment::ErrorLog { system } => {
            let name = if system.is_empty() { "系统" } else { system };
            let text = format!(
                "# {name} 应用日志摘录（客户导出）\n\
                 [{}] INFO  app-01  健康检查通过\n\
                 [{}] WARN  app-01  数据库连接池使用率 93% (186/200)\n\
                 [{}] ERROR app-01  请求处理超时 timeout=30000ms uri=/api/business/submit\n\
                 [{}] ERROR app-01  java.sql.SQLTimeoutException: ORA-01013: 用户请求取消当前的操作\n\
                 [{}] WARN  app-02  会话同步失败，已重试 3 次\n\
                 [{}] INFO  app-01  请求处理恢复，耗时 2315ms\n",
                ts(185),
                ts(160),
                ts(158),
                ts(158),
                ts(120),
                ts(95)
            );
            (
                format!("错误日志-{}.txt", fmt_local(at, "%Y%m%d-%H%M")),
                text.into_bytes(),
            )
        }
        Attachment::Report {
            kind,
            title,
            org,
            system,
            engineer,
        } => {
            let date = fmt_local(at, "%Y-%m-%d");
            let text = format!(
                "{title}\n\n单位：{org}\n系统：{system}\n日期：{date}\n工程师：{engineer}\n\n\
                 检查项                结果    说明\n\
                 CPU 使用率（峰值）     正常    35%\n\
                 内存使用率            正常    61%\n\
                 磁盘空间              正常    最高 72%（/data）\n\
                 系统与应用日志        正常    无严重错误\n\
                 服务进程              正常    全部运行\n\
                 备份任务              正常    最近 7 次均成功\n\
                 安全补丁              关注    2 个中危补丁待下次维护窗口安装\n\n\
                 结论：系统运行正常；建议关注 /data 分区增长趋势，并在下次维护窗口安装补丁。\n"
            );
            (format!("{kind}报告-{date}.txt"), text.into_bytes())
        }
    }
}

async fn run_story(app: &App, clock: &ManualClock, story: Story) -> anyhow::Result<()> {
    let id = story.request_id;
    let mut t = story.created_at;
    let mut visit: Option<(i64, i64)> = None;
    for step in story.steps {
        let prev = t;
        t = (t + step.delay.max(1000)).min(story.budget_end).max(prev);
        clock.set(t);
        match step.op {
            Op::Act(who, action, extras) => {
                let kind = action.kind();
                app.act(&who, id, None, action, extras)
                    .await
                    .with_context(|| format!("{} by {}", kind, who.display_name))?;
            }
            Op::Msg(who, visibility, body) => {
                app.add_message(&who, id, visibility, &body)
                    .await
                    .with_context(|| format!("a message by {}", who.display_name))?;
            }
            Op::Work(who, spent, note) => {
                app.add_work_log(&who, id, spent, None, &note, None)
                    .await
                    .with_context(|| format!("work logged by {}", who.display_name))?;
            }
            Op::Attach(who, a) => {
                let (name, data) = attachment_file(&a, t);
                app.add_attachment(&who, id, &name, data)
                    .await
                    .with_context(|| format!("an attachment by {}", who.display_name))?;
            }
            Op::VisitRequest(who, engineer) => {
                let v = app
                    .request_visit(&who, id, Some(engineer))
                    .await
                    .with_context(|| format!("a visit requested by {}", who.display_name))?;
                visit = Some((v.id, v.version));
            }
            Op::VisitArrive(who) => {
                let (vid, version) = visit.context("arrival without a visit")?;
                let departed = prev.max(t - ((t - prev) / 2).min(90 * MIN));
                let v = app
                    .update_visit(
                        &who,
                        id,
                        vid,
                        VisitUpdate {
                            version,
                            departed_at: Some(departed),
                            arrived_at: Some(t),
                            ..Default::default()
                        },
                    )
                    .await?;
                visit = Some((v.id, v.version));
            }
            Op::VisitLeave(who, work_done) => {
                let (vid, version) = visit.context("leaving without a visit")?;
                let v = app
                    .update_visit(
                        &who,
                        id,
                        vid,
                        VisitUpdate {
                            version,
                            left_at: Some(t),
                            work_done: Some(work_done),
                            ..Default::default()
                        },
                    )
                    .await?;
                visit = Some((v.id, v.version));
            }
            Op::Report(who, op) => {
                run_report_op(app, &who, id, op)
                    .await
                    .with_context(|| format!("a fault report step by {}", who.display_name))?;
            }
            Op::SetRef(who, case) => {
                let r = app.get_request(&who, id).await?;
                app.update_request(
                    &who,
                    id,
                    RequestPatch {
                        version: r.version,
                        third_party_ref: Some(case),
                        ..Default::default()
                    },
                )
                .await?;
            }
        }
    }
    Ok(())
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
