//! What the benchmarks share: the server they start in-process on either
//! engine, the directory they create over the API (organizations, contracts,
//! staff) and the bulk generator of realistic requests with their histories.
//! Each bench binary includes this module (`mod common;`) and uses a part of it.
#![allow(dead_code)]

use anyhow::{Context, Result, anyhow, bail};
use fuwu_app::{App, Settings, SystemClock};
use fuwu_core::{FaultLevel, Impact, Urgency};
use fuwu_store::directory::UserFields;
use fuwu_store::{Conn, Db, Engine, Location, StoreError, query, query_owned};
use rand::RngExt;
use rand::rngs::SmallRng;
use serde_json::{Value, json};
use std::fmt::Write as _;
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Requests per bulk-load transaction.
pub const REQUESTS_PER_TX: usize = 10_000;
/// Rows per multi-row INSERT of requests (38 columns: 19,000 parameters).
pub const REQUESTS_PER_STATEMENT: usize = 500;
/// Rows per multi-row INSERT of history (9 columns: 18,000 parameters).
pub const EVENTS_PER_STATEMENT: usize = 2_000;
pub const MINUTE_MS: i64 = 60_000;
pub const HOUR_MS: i64 = 60 * MINUTE_MS;
pub const DAY_MS: i64 = 24 * HOUR_MS;
/// Bulk-loaded requests are created over this much of the past.
pub const HISTORY_MS: i64 = 730 * DAY_MS;
pub const BENCH_DB: &str = "fuwu_bench";

// ---------------------------------------------------------------- small helpers

pub fn progress(msg: impl AsRef<str>) {
    eprintln!(
        "[{}] {}",
        jiff::Zoned::now().strftime("%H:%M:%S"),
        msg.as_ref()
    );
}

/// 1234567.8 → "1,234,568".
pub fn thousands(v: f64) -> String {
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

pub fn pick<T: Copy>(rng: &mut SmallRng, table: &[(T, u32)]) -> T {
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

pub fn one<'a, T>(rng: &mut SmallRng, items: &'a [T]) -> &'a T {
    &items[rng.random_range(0..items.len())]
}

// ---------------------------------------------------------------- the server and its directory

pub struct Org {
    pub id: i64,
    pub weight: u32,
    pub contract_id: i64,
    pub accepted_on: String,
    pub contacts: Vec<i64>,
    pub systems: Vec<i64>,
    pub customer_user: i64,
}

pub struct Staff {
    pub id: i64,
    pub team_id: i64,
    pub agent: bool,
}

/// The organizations, staff and token the benchmark works with.
pub struct Directory {
    pub orgs: Vec<Org>,
    pub staff: Vec<Staff>,
    pub agents: Vec<i64>,
    /// A write token of an agent: every API call of the measurements uses it.
    pub token: String,
}

impl Directory {
    pub fn org(&self, rng: &mut SmallRng) -> &Org {
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

pub struct Server {
    pub db: Db,
    pub app: App,
    pub base: String,
    pub admin_token: String,
    pub task: tokio::task::JoinHandle<()>,
    pub engine_facts: String,
}

/// The local server's Unix socket when it has one (a server on the same
/// machine is reached that way: on these VMs a round trip over the socket
/// costs well under half of one over TCP loopback), else TCP on 127.0.0.1.
pub fn pg_admin_url() -> String {
    std::env::var("FUWU_BENCH_PG_URL").unwrap_or_else(|_| {
        if std::path::Path::new("/var/run/postgresql/.s.PGSQL.5432").exists() {
            "postgres://postgres@%2Fvar%2Frun%2Fpostgresql/postgres".into()
        } else {
            "postgres://postgres@127.0.0.1:5432/postgres".into()
        }
    })
}

pub fn pg_bench_url() -> String {
    let admin = pg_admin_url();
    let base = admin.split('?').next().unwrap_or(&admin);
    let base = base.rsplit_once('/').map_or(base, |(b, _)| b);
    format!("{base}/{BENCH_DB}")
}

pub async fn query_string(db: &Db, sql: &'static str) -> Result<String> {
    Ok(db
        .read(move |mut c| {
            Box::pin(async move {
                let (v,): (String,) = c.fetch_one(query(sql)).await?;
                Ok::<_, StoreError>(v)
            })
        })
        .await?)
}

pub async fn query_i64(db: &Db, sql: &'static str) -> Result<i64> {
    Ok(db
        .read(move |mut c| {
            Box::pin(async move {
                let (v,): (i64,) = c.fetch_one(query(sql)).await?;
                Ok::<_, StoreError>(v)
            })
        })
        .await?)
}

pub async fn start_server(engine: Engine, sqlite_dir: &Path) -> Result<Server> {
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
    // As `fuwu serve` does when it starts.
    db.preallocate_wal().await;
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
            let via = if pg_admin_url().contains("@%2F") {
                "Unix socket"
            } else {
                "TCP"
            };
            format!(
                "PostgreSQL {version} (local, {via}, tokio-postgres), shared_buffers={sb}, synchronous_commit={sc}, pool of 16 connections, statements prepared once per connection"
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
    tokio::spawn(app.clone().index_forever(fuwu_app::INDEX_EVERY));
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

pub async fn post_ok(http: &reqwest::Client, s: &Server, path: &str, body: Value) -> Result<i64> {
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

pub const TEAMS: &[(&str, &str)] = &[
    ("一线服务台", "受理、应答与分派"),
    ("二线运维", "应用与服务器故障处理"),
    ("网络与安全", "网络、VPN、防火墙"),
    ("数据库与中间件", "数据库、备份、中间件"),
];
pub const STAFF_NAMES: &[&str] = &[
    "张伟", "王芳", "李娜", "刘洋", "陈静", "杨磊", "赵敏", "黄强", "周杰", "吴霞", "徐涛", "孙丽",
    "马超", "朱琳", "胡军", "郭鹏", "何欣", "高峰", "林晓", "罗斌",
];
pub const ORGS: &[(&str, &str, &str, u32)] = &[
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
pub const SYSTEMS: &[(&str, &str)] = &[
    ("统一身份认证平台", "software"),
    ("核心数据库服务器", "server"),
    ("办公网络", "network"),
    ("OA 办公系统", "software"),
    ("备份一体机", "device"),
    ("云主机集群", "cloud"),
];

/// Teams, 20 staff, 12 organizations with a contract, contacts, systems and a
/// customer user each — created through the API as an administrator would.
pub async fn create_directory(http: &reqwest::Client, s: &Server) -> Result<Directory> {
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

pub const TITLES: &[&str] = &[
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
pub const SENTENCES: &[&str] = &[
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
pub const PLANS: &[&str] = &[
    "远程登录服务器检查日志并调整配置",
    "电话指导用户清理缓存后重试",
    "安排工程师现场更换故障硬件",
    "联系厂商获取补丁并择期升级",
];
pub const RESOLUTIONS: &[&str] = &[
    "调整连接池参数后恢复正常",
    "更换故障硬盘并完成数据重建",
    "清理日志释放磁盘空间，已配置自动轮转",
    "更新证书并重启服务",
    "指导用户完成操作，确认问题解决",
    "厂商补丁升级完成，观察无异常",
];
pub const CANCEL_REASONS: &[&str] = &["用户重复提交", "问题已自行恢复", "用户撤回申请"];
pub const CHANNELS: &[(&str, u32)] = &[
    ("phone", 40),
    ("web", 25),
    ("email", 15),
    ("onsite", 5),
    ("api", 5),
    ("monitoring", 10),
];
pub const CATEGORIES: &[(&str, u32)] = &[
    ("fault", 40),
    ("consultation", 20),
    ("change_request", 10),
    ("training", 4),
    ("inspection", 10),
    ("health_check", 6),
    ("backup", 5),
    ("other", 5),
];
pub const IMPACTS: &[(Impact, u32)] = &[
    (Impact::None, 10),
    (Impact::Minor, 35),
    (Impact::Partial, 30),
    (Impact::Unusable, 12),
    (Impact::Crashed, 8),
    (Impact::DataDamaged, 5),
];
pub const URGENCIES: &[(Urgency, u32)] = &[
    (Urgency::Low, 30),
    (Urgency::Medium, 50),
    (Urgency::High, 20),
];

pub fn description(rng: &mut SmallRng) -> String {
    let n = rng.random_range(2..=4);
    (0..n).map(|_| *one(rng, SENTENCES)).collect()
}

/// The body of a valid `POST /api/v1/requests`.
pub fn new_request_body(rng: &mut SmallRng, d: &Directory) -> Value {
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
pub struct GenRequest {
    pub id: i64,
    pub channel: &'static str,
    pub category: &'static str,
    pub impact: &'static str,
    pub urgency: &'static str,
    pub level: i64,
    pub level_override_reason: Option<&'static str>,
    pub title: &'static str,
    pub description: String,
    pub organization_id: i64,
    pub requester_contact_id: Option<i64>,
    pub requester_user_id: Option<i64>,
    pub system_id: Option<i64>,
    pub contract_id: Option<i64>,
    pub assignee_id: Option<i64>,
    pub team_id: Option<i64>,
    pub tier: &'static str,
    pub status: &'static str,
    pub stage: Option<&'static str>,
    pub waiting_for: Option<&'static str>,
    pub response_mode: Option<&'static str>,
    pub response_plan: Option<&'static str>,
    pub resolution: Option<&'static str>,
    pub third_party_ref: Option<String>,
    pub billable: bool,
    pub feedback_solved: Option<bool>,
    pub feedback_rating: Option<i64>,
    pub feedback_comment: Option<&'static str>,
    pub close_basis: Option<&'static str>,
    pub cancel_reason: Option<&'static str>,
    pub created_by: i64,
    pub created_at: i64,
    pub updated_at: i64,
    pub acknowledged_at: Option<i64>,
    pub responded_at: Option<i64>,
    pub resolved_at: Option<i64>,
    pub closed_at: Option<i64>,
    pub version: i64,
}

pub const REQUEST_COLUMNS: &str = "id, channel, category, impact, urgency, level, level_override_reason, title, description, \
organization_id, requester_contact_id, requester_user_id, system_id, contract_id, assignee_id, team_id, tier, status, \
stage, waiting_for, response_mode, response_plan, resolution, third_party_ref, billable, feedback_solved, \
feedback_rating, feedback_comment, close_basis, cancel_reason, created_by, created_at, updated_at, \
acknowledged_at, responded_at, resolved_at, closed_at, version";
pub const REQUEST_COLUMN_COUNT: usize = 38;

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
pub struct GenEvent {
    pub id: i64,
    pub request_id: i64,
    pub at: i64,
    pub actor_id: i64,
    pub kind: &'static str,
    pub field: Option<&'static str>,
    pub before: Option<String>,
    pub after: Option<String>,
    pub details: Option<String>,
}

pub const EVENT_COLUMNS: &str = "id, request_id, at, actor_id, kind, field, before, after, details";
pub const EVENT_COLUMN_COUNT: usize = 9;

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
pub fn insert_sql(
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
pub fn status_for_age(rng: &mut SmallRng, age_ms: i64) -> &'static str {
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
pub fn path_to(status: &str) -> &'static [&'static str] {
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
pub fn step(rng: &mut SmallRng, status: &str, level: i64) -> (&'static str, i64) {
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
pub fn gen_request(
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

pub async fn insert_batch(
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

pub struct LoadStats {
    pub requests: u64,
    pub events: u64,
    pub secs: f64,
    /// Statistics and (PostgreSQL) vacuum + checkpoint after the load.
    pub settle_secs: f64,
}

/// Insert requests (with histories) until there are `target` in total.
pub async fn load_to(
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
        // Shared, not copied, with the write's possible reruns (`Db::write`).
        let (requests, events) = (std::sync::Arc::new(requests), std::sync::Arc::new(events));
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
