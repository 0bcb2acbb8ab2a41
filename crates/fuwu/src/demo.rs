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
use fuwu_store::directory::{User, UserFields};
use fuwu_store::requests::{Request, RequestFilter, SortKey};
use fuwu_store::{Db, StoreError};
use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};
use std::collections::HashMap;
use std::sync::Arc;

/// What [`load`] created, and how to get in.
pub struct DemoSummary {
    pub organizations: usize,
    pub users: usize,
    pub requests: usize,
    pub admin_username: String,
    pub admin_token: String,
}

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

/// Whether the database already holds demo data (a user named "admin" exists),
/// so `fuwu serve --demo` loads it only once.
pub async fn is_loaded(db: &Db) -> anyhow::Result<bool> {
    let found = db
        .read(|mut c| {
            Box::pin(async move {
                match fuwu_store::directory::get_user_by_username(&mut c, ADMIN).await {
                    Ok(_) => Ok::<bool, StoreError>(true),
                    Err(StoreError::NotFound) => Ok(false),
                    Err(e) => Err(e),
                }
            })
        })
        .await?;
    Ok(found)
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
    })
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

// ------------------------------------------------------------------ directory

/// What a demo system is, so that requests about it make sense.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Sys {
    Sso,
    Academic,
    His,
    Pacs,
    Oracle,
    Portal,
    Video,
    Firewall,
    Switch,
    Storage,
    Cloud,
    Business,
    Backup,
    /// Any system of the organization.
    Any,
    /// About the service itself, no system.
    NoSystem,
}

impl Sys {
    /// Watched by monitoring, whose alerts open requests by themselves.
    fn monitored(self) -> bool {
        matches!(
            self,
            Sys::Oracle | Sys::Firewall | Sys::Switch | Sys::Storage | Sys::Cloud | Sys::Backup
        )
    }
}

struct ContactSeed {
    name: &'static str,
    login: &'static str,
    job_title: &'static str,
}

struct SystemSeed {
    sys: Sys,
    name: &'static str,
    kind: &'static str,
    description: &'static str,
    location: &'static str,
    hardware: bool,
}

struct OrgSeed {
    name: &'static str,
    short_name: &'static str,
    /// Mail domain of its people (under the reserved `.example` top-level domain).
    domain: &'static str,
    industry: &'static str,
    address: &'static str,
    phone: &'static str,
    profile: &'static str,
    support_needs: &'static str,
    notes: &'static str,
    contacts: &'static [ContactSeed],
    systems: &'static [SystemSeed],
    /// Acceptance date: this many months (and days) before today.
    accepted_months_ago: i64,
    accepted_days_offset: i64,
    vip: bool,
    /// Index into [`POLICIES`].
    policy: usize,
    /// Index of the project leader.
    leader: usize,
    /// How many requests it tends to raise.
    weight: u32,
}

const fn contact(name: &'static str, login: &'static str, job_title: &'static str) -> ContactSeed {
    ContactSeed {
        name,
        login,
        job_title,
    }
}

const fn system(
    sys: Sys,
    name: &'static str,
    kind: &'static str,
    description: &'static str,
    location: &'static str,
) -> SystemSeed {
    SystemSeed {
        sys,
        name,
        kind,
        description,
        location,
        hardware: matches!(kind.as_bytes(), b"server" | b"device" | b"network"),
    }
}

/// (name, description, auto-close after).
const POLICIES: &[(&str, &str, i64)] = &[
    (
        "levels-0-5",
        "故障级别0–5（服务方案1.1.6/1.1.7）：0级 1个工作日内恢复，工作日2小时内远程/电话响应，需现场时2个工作日内到场；1级 24小时内恢复，2小时内响应，现场24小时内；2级 4小时内恢复，30分钟内响应，现场2小时内；3级 2小时内恢复，15分钟内响应，现场2小时内；4级 4小时内恢复（硬件故障），2小时内到达现场；5级 启动灾难恢复，尽最大努力并立即上报。响应时间除特别指明为工作时间外均按自然时间（7×24）计算。",
        3 * DAY,
    ),
    (
        "three-grades",
        "三级响应（服务方案1.1.5）：1级（全部用户无法使用、系统或网络瘫痪）第一时间响应、24小时内解决；2级（部分用户或个别班级无法正常操作，或有瘫痪风险）30分钟内响应、36小时内解决；3级（单个用户受影响）30分钟内响应、48小时内解决。",
        3 * DAY,
    ),
    (
        "vendor-vip",
        "厂商VIP：云厂商工单10分钟内应答，7×24小时受理；邮件当日回复；厂商侧故障报告12小时内提交；用户1天内未反馈即自动关闭。",
        DAY,
    ),
];

const AGENTS: &[(&str, &str)] = &[
    ("李娜", "li.na"),
    ("王芳", "wang.fang"),
    ("张敏", "zhang.min"),
    ("刘洋", "liu.yang"),
    ("陈静", "chen.jing"),
    ("杨帆", "yang.fan"),
];
const L2_ENGINEERS: &[(&str, &str)] = &[
    ("张伟", "zhang.wei"),
    ("王磊", "wang.lei"),
    ("赵强", "zhao.qiang"),
    ("孙涛", "sun.tao"),
];
const FIELD_ENGINEERS: &[(&str, &str)] = &[("周杰", "zhou.jie"), ("吴昊", "wu.hao")];
const LEADERS: &[(&str, &str)] = &[("王建国", "wang.jianguo"), ("陈立新", "chen.lixin")];
const STAFF_DOMAIN: &str = "fuwu-service.example";

/// A third-party vendor whose engineers work some requests in the system.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Vendor {
    Cloud,
    Storage,
}

impl Vendor {
    fn company(self) -> &'static str {
        match self {
            Vendor::Cloud => "百川云",
            Vendor::Storage => "恒储存储",
        }
    }
    fn case_prefix(self) -> &'static str {
        match self {
            Vendor::Cloud => "BCE",
            Vendor::Storage => "HCS",
        }
    }
}

static ORGS: &[OrgSeed] = &[
    OrgSeed {
        name: "北京市西城区教育委员会",
        short_name: "西城区教委",
        domain: "xcjw.edu.example",
        industry: "教育",
        address: "北京市西城区文华胡同 18 号",
        phone: "010-66015832",
        profile: "区级教育行政主管部门。信息中心负责全区 96 所中小学、幼儿园的教育信息化建设与运行，机房位于区教委办公楼 3 层。本项目覆盖统一身份认证平台、教育资源公共服务平台、视频会议系统和教育城域网出口防火墙。",
        support_needs: "开学季（2 月底、9 月初）账号开通和登录咨询集中，需要加强一线电话支持；全区视频会议前需提前 1 小时联调；中高考等重要时段需要现场值守。",
        notes: "甲方系统负责人：信息中心主任赵立群。每月最后一个周五进行电话工作总结。",
        contacts: &[
            contact("赵立群", "zhao.liqun", "信息中心主任"),
            contact("孙晓燕", "sun.xiaoyan", "信息中心网络管理员"),
            contact("马俊", "ma.jun", "教育资源科科员"),
        ],
        systems: &[
            system(
                Sys::Sso,
                "统一身份认证平台",
                "software",
                "为全区师生提供统一登录，已对接教务、资源、办公等 23 个应用，双节点部署。",
                "区教委信息中心机房",
            ),
            system(
                Sys::Portal,
                "西城教育资源公共服务平台",
                "software",
                "面向全区师生的教学资源门户，日均访问约 3 万人次。",
                "区教委信息中心机房",
            ),
            system(
                Sys::Video,
                "视频会议系统",
                "device",
                "主会场 MCU 1 台，分会场终端 58 台，覆盖全区中小学。",
                "区教委 5 层会议室及各校分会场",
            ),
            system(
                Sys::Firewall,
                "教育城域网出口防火墙",
                "network",
                "双机热备，承担城域网互联网出口访问控制和入侵防御。",
                "区教委信息中心机房 A03 机柜",
            ),
        ],
        accepted_months_ago: 14,
        accepted_days_offset: 9,
        vip: false,
        policy: 1,
        leader: 0,
        weight: 9,
    },
    OrgSeed {
        name: "北京市德外实验中学",
        short_name: "德外实验中学",
        domain: "dwsyzx.edu.example",
        industry: "教育",
        address: "北京市西城区新康街 7 号",
        phone: "010-62013577",
        profile: "完全中学，初高中共 48 个教学班、学生约 2100 人、教职工 230 人。教务管理系统和校园一卡通于三年多前验收上线，已过两年免费运维期，现按成本收费提供运维服务。",
        support_needs: "期中、期末考试前后成绩录入集中；走班选课开放日需要重点保障；一卡通与门禁联动故障要求当天处理。",
        notes: "质保期外：工时与更换材料按成本计费，每季度与总务处结算一次。",
        contacts: &[
            contact("钱文博", "qian.wenbo", "信息技术中心主任"),
            contact("周雨欣", "zhou.yuxin", "教务处干事"),
        ],
        systems: &[
            system(
                Sys::Academic,
                "教务管理系统",
                "software",
                "排课、选课、成绩、学籍异动管理，师生约 2300 个账号。",
                "学校信息中心机房",
            ),
            system(
                Sys::Business,
                "校园一卡通系统",
                "software",
                "食堂消费、门禁、图书借阅一卡通，含 3 台圈存机。",
                "学校信息中心机房",
            ),
            system(
                Sys::Video,
                "录播教室及视频会议系统",
                "device",
                "2 间录播教室和 1 套视频会议终端，可接入区教委视频会议。",
                "学校综合楼 4 层",
            ),
        ],
        accepted_months_ago: 38,
        accepted_days_offset: 3,
        vip: false,
        policy: 1,
        leader: 0,
        weight: 6,
    },
    OrgSeed {
        name: "江滨大学",
        short_name: "江滨大学",
        domain: "jbu.edu.example",
        industry: "高等教育",
        address: "江滨市高新区学府路 88 号",
        phone: "0531-88362100",
        profile: "省属综合性大学，全日制在校生约 2.6 万人。网络与信息中心负责校园网、统一身份认证、本科教务管理系统和校园私有云平台的运行，私有云底层由百川云提供技术支持。",
        support_needs: "每学期第 1 周选课高并发需重点保障；统一身份认证已对接 30 余个业务系统，新系统接入需求频繁；私有云底层问题需转百川云并登记厂商案例号。",
        notes: "网络与信息中心值班电话 7×24 小时有人值守。",
        contacts: &[
            contact("郭志远", "guo.zhiyuan", "网络与信息中心副主任"),
            contact("林晓", "lin.xiao", "网络与信息中心工程师"),
            contact("何佳怡", "he.jiayi", "教务处科员"),
            contact("沈浩", "shen.hao", "教务处副处长"),
        ],
        systems: &[
            system(
                Sys::Academic,
                "本科教务管理系统",
                "software",
                "本科生培养方案、排课选课、成绩与考务管理，高峰并发约 8000。",
                "网络与信息中心主机房",
            ),
            system(
                Sys::Sso,
                "统一身份认证平台",
                "software",
                "全校统一身份认证与单点登录，已对接 32 个业务系统。",
                "网络与信息中心主机房",
            ),
            system(
                Sys::Switch,
                "校园网核心交换机",
                "network",
                "两台核心交换机堆叠，承载全校有线与无线汇聚。",
                "网络与信息中心主机房 B 列",
            ),
            system(
                Sys::Cloud,
                "校园私有云平台",
                "cloud",
                "基于百川云专有云的计算与存储资源池，承载 120 余台云主机。",
                "网络与信息中心主机房",
            ),
        ],
        accepted_months_ago: 10,
        accepted_days_offset: 17,
        vip: false,
        policy: 1,
        leader: 1,
        weight: 12,
    },
    OrgSeed {
        name: "江滨市教育局",
        short_name: "市教育局",
        domain: "jbjy.gov.example",
        industry: "教育",
        address: "江滨市人民路 156 号",
        phone: "0531-86910233",
        profile: "市级教育行政部门。电教馆负责全市中小学学籍管理系统、江滨教育网和教育系统视频会议系统的建设与运行。",
        support_needs: "学籍系统每年 9 月新生注册、6 月毕业审核为高峰；视频会议覆盖 11 个区县教育局，重要会议提前一天申请保障。",
        notes: "电教馆为本项目的甲方对接部门。",
        contacts: &[
            contact("韩东", "han.dong", "电教馆馆长"),
            contact("曹丽", "cao.li", "电教馆技术员"),
        ],
        systems: &[
            system(
                Sys::Academic,
                "中小学学籍管理系统",
                "software",
                "全市约 46 万名中小学生的学籍注册、转学、毕业管理。",
                "市教育局数据中心",
            ),
            system(
                Sys::Portal,
                "江滨教育网",
                "software",
                "市教育局门户网站，发布政策文件、招生信息。",
                "市教育局数据中心",
            ),
            system(
                Sys::Video,
                "教育系统视频会议系统",
                "device",
                "市局主会场及 11 个区县分会场。",
                "市教育局 8 层会议中心",
            ),
        ],
        accepted_months_ago: 18,
        accepted_days_offset: 5,
        vip: false,
        policy: 1,
        leader: 1,
        weight: 7,
    },
    OrgSeed {
        name: "江滨市人民医院",
        short_name: "市人民医院",
        domain: "jbrmyy.example",
        industry: "医疗卫生",
        address: "江滨市解放路 301 号",
        phone: "0531-86201120",
        profile: "三级甲等综合医院，开放床位 1500 张，日均门急诊量约 6000 人次。HIS、PACS 运行在 Oracle RAC 双节点集群与存储阵列上，7×24 小时不间断运行。",
        support_needs: "工作日 8:00–11:30 门急诊高峰期间，任何影响挂号收费的故障按严重故障处理；医保接口故障需同时通知医保办；存储硬件故障由恒储存储原厂支持。",
        notes: "VIP 客户：项目负责人每季度到院检查服务工作；严重故障须在解决后 2 个工作日内提交故障报告。",
        contacts: &[
            contact("宋立军", "song.lijun", "信息科科长"),
            contact("许婷", "xu.ting", "信息科工程师"),
            contact("邓辉", "deng.hui", "门诊部主任"),
            contact("韦红", "wei.hong", "医保办主任"),
        ],
        systems: &[
            system(
                Sys::His,
                "HIS 医院信息系统",
                "software",
                "门急诊挂号收费、住院、药房、医保结算，终端约 900 台。",
                "医院信息中心机房",
            ),
            system(
                Sys::Pacs,
                "PACS 影像归档与通信系统",
                "software",
                "CT、MR、DR 等 23 台设备影像归档与调阅，在线影像约 180TB。",
                "医院信息中心机房",
            ),
            system(
                Sys::Oracle,
                "核心数据库服务器 Oracle RAC",
                "server",
                "两节点 Oracle 19c RAC，承载 HIS 与 PACS 数据库。",
                "医院信息中心机房 C01–C02 机柜",
            ),
            system(
                Sys::Storage,
                "存储阵列",
                "device",
                "双控制器 SAN 存储，可用容量 320TB，恒储存储原厂维保。",
                "医院信息中心机房 C03 机柜",
            ),
        ],
        accepted_months_ago: 8,
        accepted_days_offset: 12,
        vip: true,
        policy: 0,
        leader: 1,
        weight: 14,
    },
    OrgSeed {
        name: "北京市西城区德胜社区卫生服务中心",
        short_name: "德胜社区卫生服务中心",
        domain: "dssq.example",
        industry: "医疗卫生",
        address: "北京市西城区六铺炕北小街 21 号",
        phone: "010-62371046",
        profile: "社区卫生服务中心，下设 6 个社区卫生服务站，使用社区卫生 HIS 系统和家庭医生签约服务系统。项目验收已超过三年，现为质保期外有偿服务。",
        support_needs: "信息管理员仅 1 人，需要更多电话指导；每年 4–6 月家庭医生签约高峰。",
        notes: "质保期外按成本收费，现场服务需提前一天预约。",
        contacts: &[
            contact("冯秀兰", "feng.xiulan", "办公室主任"),
            contact("蒋鹏", "jiang.peng", "信息管理员"),
        ],
        systems: &[
            system(
                Sys::His,
                "社区卫生 HIS 系统",
                "software",
                "门诊挂号收费、药房、慢病管理，中心及 6 个服务站共用。",
                "中心 2 层机房",
            ),
            system(
                Sys::Business,
                "家庭医生签约服务系统",
                "software",
                "家庭医生签约、履约记录和随访管理，对接区卫健委平台。",
                "中心 2 层机房",
            ),
        ],
        accepted_months_ago: 38,
        accepted_days_offset: 20,
        vip: false,
        policy: 0,
        leader: 0,
        weight: 5,
    },
    OrgSeed {
        name: "北京市西城区政务服务管理局",
        short_name: "西城区政务服务局",
        domain: "xczwfw.gov.example",
        industry: "政府",
        address: "北京市西城区西直门南小街 35 号",
        phone: "010-88064570",
        profile: "负责全区政务服务事项的网上办理。网上办事大厅对接统一身份认证平台，业务部署在政务云主机上（百川云提供云资源），互联网出口由防火墙防护。",
        support_needs: "对外服务系统故障直接影响群众办事，按严重故障从快处理；12345 热线转办的系统问题需当日反馈。",
        notes: "网络安全等级保护三级系统，变更须提前三个工作日报备。",
        contacts: &[
            contact("谢明", "xie.ming", "信息化科科长"),
            contact("唐颖", "tang.ying", "信息化科科员"),
            contact("罗斌", "luo.bin", "综合窗口负责人"),
        ],
        systems: &[
            system(
                Sys::Portal,
                "政务服务网上办事大厅",
                "software",
                "全区 1200 余项政务服务事项网上申报、查询与评价。",
                "政务云（业务区）",
            ),
            system(
                Sys::Sso,
                "统一身份认证平台",
                "software",
                "政务服务统一身份认证，对接市级自然人与法人认证。",
                "政务云（业务区）",
            ),
            system(
                Sys::Cloud,
                "政务云主机（业务区）",
                "cloud",
                "政务云上 18 台云主机，承载办事大厅应用与数据库。",
                "百川云政务云",
            ),
            system(
                Sys::Firewall,
                "互联网出口防火墙",
                "network",
                "双机热备，开启入侵防御与 WAF 模块。",
                "区政务服务中心机房",
            ),
        ],
        accepted_months_ago: 12,
        accepted_days_offset: 2,
        vip: false,
        policy: 0,
        leader: 0,
        weight: 10,
    },
    OrgSeed {
        name: "江滨市不动产登记中心",
        short_name: "不动产登记中心",
        domain: "jbbdc.gov.example",
        industry: "政府",
        address: "江滨市建设北路 66 号",
        phone: "0531-86117790",
        profile: "负责全市不动产登记业务，日均办件约 800 件。不动产登记业务系统运行于 Oracle RAC 集群，数据存放在存储阵列上并由备份一体机每日备份。项目验收已满两年左右。",
        support_needs: "登记窗口 8:30–17:00 办件，窗口期内故障需 15 分钟内响应；每季度进行一次备份恢复演练。",
        notes: "免费运维期近期到期，到期后的服务按合同约定以成本价收费。",
        contacts: &[
            contact("彭涛", "peng.tao", "信息科科长"),
            contact("袁静", "yuan.jing", "登记窗口负责人"),
        ],
        systems: &[
            system(
                Sys::Business,
                "不动产登记业务系统",
                "software",
                "登记受理、审核、缮证、发证全流程，窗口终端 60 台。",
                "中心机房",
            ),
            system(
                Sys::Oracle,
                "核心数据库服务器 Oracle RAC",
                "server",
                "两节点 Oracle 19c RAC，存放全部登记簿数据。",
                "中心机房 2 号机柜",
            ),
            system(
                Sys::Storage,
                "存储阵列",
                "device",
                "双控制器存储，可用容量 96TB，存放数据库与扫描件。",
                "中心机房 3 号机柜",
            ),
            system(
                Sys::Backup,
                "备份一体机",
                "device",
                "每日数据库全备与扫描件增量备份，保留 30 天。",
                "中心机房 4 号机柜",
            ),
        ],
        accepted_months_ago: 26,
        accepted_days_offset: 0,
        vip: false,
        policy: 0,
        leader: 1,
        weight: 10,
    },
    OrgSeed {
        name: "江滨市人力资源和社会保障局",
        short_name: "市人社局",
        domain: "jbrs.gov.example",
        industry: "政府",
        address: "江滨市府前街 12 号",
        phone: "0531-86033188",
        profile: "社会保险经办系统服务全市约 120 万参保人，人社门户网站提供政策发布与在线查询，业务部署在政务云主机上。",
        support_needs: "每月 1–10 日社保缴费高峰；与省级平台的数据接口需要重点监控。",
        notes: "省平台接口变更由省厅统一通知，收到通知后需及时评估影响。",
        contacts: &[
            contact("潘志刚", "pan.zhigang", "信息中心主任"),
            contact("董欣", "dong.xin", "信息中心工程师"),
        ],
        systems: &[
            system(
                Sys::Business,
                "社会保险经办系统",
                "software",
                "参保登记、缴费核定、待遇发放，与省级平台实时交换数据。",
                "政务云（社保业务区）",
            ),
            system(
                Sys::Portal,
                "江滨人社门户网站",
                "software",
                "政策发布、办事指南与个人社保查询。",
                "政务云（社保业务区）",
            ),
            system(
                Sys::Cloud,
                "政务云主机（社保业务区）",
                "cloud",
                "政务云上 12 台云主机，承载社保经办与门户应用。",
                "百川云政务云",
            ),
        ],
        accepted_months_ago: 15,
        accepted_days_offset: 8,
        vip: false,
        policy: 0,
        leader: 0,
        weight: 9,
    },
    OrgSeed {
        name: "江滨市档案馆",
        short_name: "市档案馆",
        domain: "jbdag.gov.example",
        industry: "政府",
        address: "江滨市文昌路 9 号",
        phone: "0531-86550317",
        profile: "市级综合档案馆，馆藏数字化档案约 2400 万页。数字档案管理系统、档案数据存储阵列和备份一体机于三年多前验收，现为质保期外有偿服务。",
        support_needs: "数字化加工期间存储扩容需求较多；备份数据需异地保存并定期验证可恢复。",
        notes: "质保期外，工时和材料按成本收费；现场作业需档案馆人员陪同。",
        contacts: &[
            contact("贾敏", "jia.min", "技术保护部主任"),
            contact("夏雪", "xia.xue", "档案数字化专员"),
        ],
        systems: &[
            system(
                Sys::Business,
                "数字档案管理系统",
                "software",
                "档案著录、数字化成果管理与利用查询。",
                "档案馆 1 层机房",
            ),
            system(
                Sys::Storage,
                "档案数据存储阵列",
                "device",
                "可用容量 600TB，存放档案数字化成果。",
                "档案馆 1 层机房",
            ),
            system(
                Sys::Backup,
                "备份一体机",
                "device",
                "数据库每日备份，数字化成果每周备份并异地复制。",
                "档案馆 1 层机房",
            ),
        ],
        accepted_months_ago: 40,
        accepted_days_offset: 11,
        vip: false,
        policy: 0,
        leader: 1,
        weight: 5,
    },
    OrgSeed {
        name: "江滨农村商业银行城东支行",
        short_name: "江滨农商行城东支行",
        domain: "jbrcb.example",
        industry: "金融",
        address: "江滨市东环路 208 号",
        phone: "0531-86772015",
        profile: "下辖 4 个营业网点。柜面业务系统由总行统一部署，本项目负责支行柜面业务系统终端侧、网点核心交换机及备份一体机的运维。",
        support_needs: "营业时间（8:30–17:00）网点网络中断按最高优先级处理；所有变更须在营业时间外进行并经总行科技部审批。",
        notes: "现场操作需支行科技专员陪同并在机房登记簿签字。",
        contacts: &[
            contact("蔡俊", "cai.jun", "支行科技专员"),
            contact("吕娟", "lv.juan", "运营主管"),
        ],
        systems: &[
            system(
                Sys::Business,
                "柜面业务系统",
                "software",
                "支行 4 个网点 26 个柜员终端，总行集中部署。",
                "支行机房",
            ),
            system(
                Sys::Switch,
                "网点核心交换机",
                "network",
                "支行核心交换机双机，上联总行专线。",
                "支行机房 1 号机柜",
            ),
            system(
                Sys::Backup,
                "备份一体机",
                "device",
                "网点前置数据与影像资料每日备份。",
                "支行机房 2 号机柜",
            ),
        ],
        accepted_months_ago: 6,
        accepted_days_offset: 14,
        vip: false,
        policy: 0,
        leader: 0,
        weight: 6,
    },
    OrgSeed {
        name: "江滨日报社传媒集团",
        short_name: "江滨日报传媒集团",
        domain: "jbrb.example",
        industry: "新闻传媒",
        address: "江滨市新华路 1 号",
        phone: "0531-86088800",
        profile: "市属媒体集团，运营江滨日报、江滨新闻网和新闻客户端。融媒体采编发布系统 7×24 小时运行，客户端后台部署在百川云云主机上，媒资存储阵列容量 800TB。",
        support_needs: "重大新闻事件和晚间出版时段（20:00–24:00）需要 7×24 小时快速响应；直播活动需提前报备并安排值守。",
        notes: "VIP 客户，适用厂商VIP服务策略（10 分钟应答）。",
        contacts: &[
            contact("程亮", "cheng.liang", "技术部主任"),
            contact("魏倩", "wei.qian", "新媒体中心编辑"),
            contact("田宇", "tian.yu", "技术部系统管理员"),
        ],
        systems: &[
            system(
                Sys::Business,
                "融媒体采编发布系统",
                "software",
                "报纸、网站、客户端一体化采编与发布，编辑记者约 350 人。",
                "集团数据中心",
            ),
            system(
                Sys::Portal,
                "江滨新闻网",
                "software",
                "集团新闻门户网站，日均 PV 约 120 万。",
                "集团数据中心",
            ),
            system(
                Sys::Cloud,
                "新闻客户端云主机集群",
                "cloud",
                "百川云上 16 台云主机，承载新闻客户端接口与推送服务。",
                "百川云公有云",
            ),
            system(
                Sys::Storage,
                "媒资存储阵列",
                "device",
                "图片、视频媒资存储，可用容量 800TB。",
                "集团数据中心",
            ),
        ],
        accepted_months_ago: 9,
        accepted_days_offset: 4,
        vip: true,
        policy: 2,
        leader: 1,
        weight: 9,
    },
];

// ------------------------------------------------------------------ what customers ask for

/// How a request is handled (seed 1.1.8.5).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Flow {
    /// The first line answers it from the knowledge base and experience.
    L1,
    /// Second line collects, analyses, plans and implements.
    L2,
    /// A change request: the project team analyses, plans and builds over days.
    Project,
    /// Planned service work: inspection, health check, backup drill, training, on-site support.
    Planned,
}

/// One kind of request, with the words of its whole story.
struct Scenario {
    sys: Sys,
    /// The system's name must contain this (when the scenario fits only some systems of a kind).
    fits: Option<&'static str>,
    category: Category,
    impact: Impact,
    level: u8,
    flow: Flow,
    /// Needs an engineer on site.
    onsite: bool,
    vendor: Option<Vendor>,
    title: &'static str,
    description: &'static str,
    /// The response plan (mode + plan stops the response clock).
    plan: &'static str,
    /// Internal analysis note (may be empty).
    note: &'static str,
    /// A public progress reply to the customer.
    reply: &'static str,
    resolution: &'static str,
    /// Staff raise the level to this, for this reason.
    override_to: Option<(u8, &'static str)>,
}

const BASE: Scenario = Scenario {
    sys: Sys::Any,
    fits: None,
    category: Category::Consultation,
    impact: Impact::None,
    level: 0,
    flow: Flow::L1,
    onsite: false,
    vendor: None,
    title: "",
    description: "",
    plan: "",
    note: "",
    reply: "",
    resolution: "",
    override_to: None,
};

// `{sys}` is replaced by the system's name and `{org}` by the organization's short name.
static SCENARIOS: &[Scenario] = &[
    // ---------------------------------------------------------------- 统一身份认证
    Scenario {
        sys: Sys::Sso,
        title: "如何为新入职人员批量开通统一身份认证账号",
        description: "本月有 46 名新入职人员，需要在{sys}中开通账号并关联到各自部门，请问是否支持 Excel 批量导入？模板在哪里下载？",
        plan: "电话指导使用“用户管理—批量导入”功能，并通过邮件发送导入模板。",
        note: "客户使用 3.2 版本，批量导入单次上限 500 条；已提醒身份证号列须设为文本格式。",
        reply: "您好，{sys}支持批量导入：进入“用户管理—批量导入”，下载模板填写后上传即可。模板已发送到您的邮箱，身份证号一列请设置为文本格式，避免变成科学计数法导致校验失败。",
        resolution: "已指导客户完成 46 个账号的批量导入，抽查 5 个账号登录及应用跳转均正常。",
        ..BASE
    },
    Scenario {
        sys: Sys::Sso,
        category: Category::Fault,
        impact: Impact::Minor,
        level: 1,
        flow: Flow::L2,
        title: "部分用户登录后跳转应用时提示“票据已失效”",
        description: "今天上午起，有十几位用户反映登录{sys}后跳转到其他应用时提示“票据已失效，请重新登录”，重新登录后偶尔又正常。",
        plan: "远程检查认证节点与应用服务器的时间同步及票据有效期配置。",
        note: "两台认证节点时间相差 4 分 12 秒，节点 2 的 NTP 服务未启动，导致票据校验随机失败。",
        reply: "经排查，问题与两台认证服务器时间不同步有关，我们正在远程调整时间同步配置，预计 30 分钟内完成，期间不影响正常登录。",
        resolution: "已在认证节点 2 上启用并校准 NTP 时间同步，两节点时间偏差小于 1 秒，观察 2 小时未再出现票据失效。",
        ..BASE
    },
    Scenario {
        sys: Sys::Sso,
        category: Category::Fault,
        impact: Impact::Partial,
        level: 2,
        flow: Flow::L2,
        title: "短信验证码收不到，用户无法自助找回密码",
        description: "从昨天下午开始，通过{sys}找回密码时收不到短信验证码，已有多位用户来电反映，其他功能正常。",
        plan: "检查短信网关接口调用日志，联系短信服务商核实通道状态。",
        note: "短信网关返回错误码 E106（签名未报备）：服务商通道昨日升级后要求重新报备签名。",
        reply: "您好，短信验证码问题已定位为短信服务商通道升级所致，我们正在协助重新报备短信签名，预计今天下午恢复。在此期间可联系管理员人工重置密码。",
        resolution: "短信签名重新报备通过，验证码发送恢复正常，已补发故障期间失败的 37 条验证码通知。",
        ..BASE
    },
    Scenario {
        sys: Sys::Sso,
        category: Category::Fault,
        impact: Impact::Unusable,
        level: 3,
        flow: Flow::L2,
        onsite: true,
        title: "统一身份认证平台无法登录，所有应用单点登录失败",
        description: "今天早上 8 点起所有用户都无法登录{sys}，登录页提示“服务不可用（503）”，依赖单点登录的各业务系统全部无法进入，主备节点均无法访问。",
        plan: "立即远程登录主备节点排查认证服务与 LDAP 目录服务，现场工程师同时出发，2 小时内到场。",
        note: "主备节点上的 LDAP 目录服务均因磁盘 inode 耗尽无法写入会话；清理历史审计日志后服务可以启动。",
        reply: "您好，已按严重故障启动处理流程，二线工程师正在远程排查，现场工程师已出发。初步判断为认证节点磁盘问题，处理进展每 30 分钟同步一次。",
        resolution: "清理两节点审计日志释放 inode，重启 LDAP 与认证服务后全部应用单点登录恢复；已增加日志轮转策略和 inode 使用率监控告警。",
        ..BASE
    },
    Scenario {
        sys: Sys::Sso,
        category: Category::ChangeRequest,
        flow: Flow::Project,
        title: "统一身份认证平台对接新上线的业务系统",
        description: "我单位新采购的业务系统需要接入{sys}实现单点登录，厂商说支持 CAS 协议，请安排对接。",
        plan: "收集对方系统回调地址和协议参数，先在测试环境完成 CAS 对接联调，再发布到生产环境。",
        note: "对方系统仅支持 CAS 2.0，需要在认证平台开启 2.0 兼容模式；已与项目组确认不影响现有应用。",
        reply: "您好，对接需求已收到。请协助提供新系统的访问地址和回调地址，我们先在测试环境完成联调，预计一周内上线。",
        resolution: "新业务系统已完成 CAS 单点登录对接并发布到生产环境，已向管理员提供接入说明文档。",
        ..BASE
    },
    // ---------------------------------------------------------------- 教务 / 学籍
    Scenario {
        sys: Sys::Academic,
        title: "如何批量导入学生信息",
        description: "新生入学，需要把 1200 多名新生的基本信息导入{sys}，请问有没有批量导入的方法和模板？",
        plan: "电话讲解“学生管理—批量导入”的操作步骤并提供导入模板。",
        note: "客户原始数据中出生日期格式不统一，已建议先用模板中的校验列检查。",
        reply: "您好，请在{sys}中进入“学生管理—批量导入”，下载导入模板，按模板填写后上传。导入前可以使用模板中的“数据校验”列检查格式，出生日期请统一为 YYYY-MM-DD。",
        resolution: "已指导客户完成 1236 名新生信息导入，导入失败的 8 条记录已协助修正后补录。",
        ..BASE
    },
    Scenario {
        sys: Sys::Academic,
        fits: Some("教务"),
        title: "成绩录入截止后如何为个别教师延长录入时间",
        description: "期末成绩录入已经截止，还有两位老师没有录完，请问在{sys}哪里可以单独为这两位老师延长录入时间？",
        plan: "电话指导教务管理员在“成绩管理—录入控制”中按教师设置例外时间。",
        reply: "您好，请使用教务管理员账号进入“成绩管理—录入控制—例外设置”，选择对应教师和课程，设置新的截止时间即可，不影响其他老师。",
        resolution: "已指导客户为两位教师单独延长成绩录入时间，教师确认可以继续录入。",
        ..BASE
    },
    Scenario {
        sys: Sys::Academic,
        fits: Some("教务"),
        category: Category::Fault,
        impact: Impact::Minor,
        level: 1,
        flow: Flow::L2,
        title: "课表导出 Excel 后部分课程名称显示乱码",
        description: "在{sys}中导出班级课表为 Excel 后，带有“Ⅱ”“②”等特殊字符的课程名称显示为乱码，其他内容正常。",
        plan: "远程复现问题，检查导出组件的字符集设置。",
        note: "导出组件按 GBK 编码写文件，特殊字符超出 GBK 范围；改为带 BOM 的 UTF-8 后正常。属于程序缺陷，已提交研发在下个补丁中修复。",
        reply: "您好，问题已复现，原因是导出功能的字符编码设置不当。我们已在服务器上调整导出编码，请您重新导出确认。",
        resolution: "已将导出编码调整为 UTF-8，课表导出显示正常；该缺陷将在 5.3.2 补丁中正式修复。",
        ..BASE
    },
    Scenario {
        sys: Sys::Academic,
        fits: Some("教务"),
        category: Category::Fault,
        impact: Impact::Partial,
        level: 2,
        flow: Flow::L2,
        title: "选课高峰期系统响应缓慢，部分学生提交失败",
        description: "今天 9 点开放选课后{sys}非常卡，很多学生点击提交后转圈一分钟以上，部分提示“请求超时”，学生和家长投诉较多。",
        plan: "远程查看应用服务器负载和数据库会话，临时扩充连接池并对选课接口限流。",
        note: "数据库连接池上限 200 已耗尽；选课提交 SQL 缺少复合索引导致全表扫描，已在线创建索引。",
        reply: "您好，我们已定位到选课高峰期数据库连接不足的问题，正在优化调整，预计 20 分钟内明显改善。请提醒学生不要反复点击提交。",
        resolution: "为选课记录表增加复合索引并将连接池上限调整为 400，选课接口平均响应从 38 秒降到 0.6 秒，选课顺利完成。",
        ..BASE
    },
    Scenario {
        sys: Sys::Academic,
        category: Category::Fault,
        impact: Impact::Unusable,
        level: 3,
        flow: Flow::L2,
        onsite: true,
        title: "{sys}主备机均无法访问",
        description: "早上 7:50 起{sys}打不开，提示“无法连接到服务器”，切换到备用机后同样无法访问，今天正是业务高峰，情况紧急。",
        plan: "二线工程师远程排查网络与应用服务，现场工程师同时出发到机房。",
        note: "机房接入交换机上主备机所在 VLAN 在前一晚网络改造中被误删，主备机网络同时中断。",
        reply: "您好，已按严重故障处理，工程师正在赶往现场。远程排查显示主备机网络均不可达，初步怀疑与机房网络变更有关。",
        resolution: "恢复接入交换机 VLAN 配置后主备机访问正常；已与客户网络管理员约定，今后网络变更前通知我方评估影响。",
        ..BASE
    },
    Scenario {
        sys: Sys::Academic,
        fits: Some("学籍"),
        category: Category::Fault,
        impact: Impact::Minor,
        level: 1,
        flow: Flow::L2,
        title: "转学学生学籍异动审核通过后仍显示“待审核”",
        description: "区县已审核通过的 5 名转学学生，在{sys}中状态仍然是“待审核”，接收学校无法办理注册。",
        plan: "远程检查异动审核流程的状态回写任务和消息队列。",
        note: "状态回写依赖的消息队列消费者因内存不足退出，重启并调大内存后积压消息已处理。",
        reply: "您好，问题原因是审核结果回写任务中断，我们已恢复该任务，积压的审核结果正在同步，请 10 分钟后刷新查看。",
        resolution: "审核回写任务恢复，5 名学生状态已更新为“已通过”，接收学校已完成注册；已为该任务增加存活监控。",
        ..BASE
    },
    Scenario {
        sys: Sys::Academic,
        fits: Some("教务"),
        category: Category::ChangeRequest,
        flow: Flow::Project,
        title: "新增成绩复核申请流程",
        description: "根据学校新规定，学生对期末成绩有异议时可在线提交复核申请，需要在{sys}中增加“学生申请—任课教师复核—教务处审批”的流程。",
        plan: "需求调研后由项目组评估工作量，出具需求说明书，经确认后开发上线。",
        note: "需求涉及成绩模块和消息通知，预计 8 人天，已提交项目组排期。",
        reply: "您好，需求已收到。项目组将在本周内与教务处沟通细节，形成需求说明书后请您确认。",
        resolution: "成绩复核申请流程已开发完成并上线，已为教务处老师进行操作培训。",
        ..BASE
    },
    Scenario {
        sys: Sys::Academic,
        category: Category::Training,
        flow: Flow::Planned,
        onsite: true,
        title: "新学期{sys}操作培训",
        description: "新学期有一批新任业务管理员，希望安排一次{sys}操作培训，内容包括日常数据维护、统计查询和常见问题处理。",
        plan: "安排工程师到现场进行 2 小时培训，并提供操作手册和培训录屏。",
        reply: "您好，培训已安排，工程师将于约定时间到现场，请提前准备好能上网的机房或会议室。",
        resolution: "已完成现场培训，参训 14 人，提供了操作手册和培训录屏，并解答了 6 个现场提问。",
        ..BASE
    },
    // ---------------------------------------------------------------- HIS
    Scenario {
        sys: Sys::His,
        title: "如何在 HIS 中为新开设的科室设置挂号号源",
        description: "我院新开设了疼痛科门诊，需要在{sys}中设置科室、医生排班和挂号号源，请问具体操作步骤。",
        plan: "电话指导基础数据维护、医生排班和号源生成的操作顺序。",
        reply: "您好，请按以下顺序操作：1. “基础数据—科室维护”新增科室；2. “排班管理”为医生排班；3. “号源管理”按排班生成号源。号源生成后次日即可在自助机上显示。",
        resolution: "已指导客户完成疼痛科科室、3 位医生排班和未来两周号源设置，自助机已可挂号。",
        ..BASE
    },
    Scenario {
        sys: Sys::His,
        category: Category::Fault,
        impact: Impact::Minor,
        level: 1,
        flow: Flow::L2,
        title: "收费窗口发票打印卡纸后无法重打",
        description: "3 号收费窗口打印发票时卡纸，之后在{sys}中“重打发票”按钮变灰，只能作废重开，影响患者缴费。",
        plan: "远程检查发票打印状态的回写逻辑和打印日志。",
        note: "打印失败时未回写“打印失败”状态，属于程序缺陷；已提供临时处理方法并提交研发修复。",
        reply: "您好，问题已确认为打印状态回写异常。临时处理方法：在“发票管理—打印状态”中将该发票重置为“未打印”后即可重打，正式修复将随补丁发布。",
        resolution: "已为 3 号窗口重置卡纸发票状态并完成重打；研发已修复打印状态回写缺陷，补丁已在生产环境部署。",
        ..BASE
    },
    Scenario {
        sys: Sys::His,
        category: Category::Fault,
        impact: Impact::Partial,
        level: 2,
        flow: Flow::L2,
        title: "医保患者结算失败，提示“医保交易超时”",
        description: "上午 10 点起门诊医保患者结算时大量提示“医保交易超时”，自费患者结算正常，窗口排队人数增加。",
        plan: "检查医保前置机网络与接口日志，同时联系医保中心核实平台状态。",
        note: "医保前置机到医保专网的路由在今晨专线割接后丢失，补加静态路由后恢复。",
        reply: "您好，经排查为医保专网路由问题，已在医保前置机上修复，医保结算已恢复，请窗口重新结算刚才失败的交易。",
        resolution: "补加医保专网静态路由后结算恢复，协助窗口重新结算失败交易 58 笔；已通知医保办并建议专线割接前报备。",
        ..BASE
    },
    Scenario {
        sys: Sys::His,
        category: Category::Fault,
        impact: Impact::Unusable,
        level: 3,
        flow: Flow::L2,
        onsite: true,
        title: "门诊挂号收费无法使用",
        description: "全院门诊挂号和收费界面打开后一直转圈，无法出号，患者在窗口排起长队，目前已启用手工挂号应急预案。",
        plan: "立即远程排查应用服务器与数据库会话，现场工程师同步赶往医院信息中心。",
        note: "应用服务器与数据库之间存在大量锁等待，源头是一个未提交的药房库存批处理事务。",
        reply: "您好，已按严重故障处理，定位到数据库锁等待问题，正在处理，预计 30 分钟内恢复。请继续执行手工挂号预案。",
        resolution: "终止阻塞会话并修正批处理提交逻辑，挂号收费于 40 分钟内恢复，协助补录手工挂号 126 笔。",
        ..BASE
    },
    Scenario {
        sys: Sys::His,
        category: Category::Fault,
        impact: Impact::Crashed,
        level: 4,
        flow: Flow::L2,
        onsite: true,
        title: "HIS 应用服务器宕机，全院业务中断",
        description: "凌晨 2:10 HIS 应用服务器突然宕机，急诊、住院、药房全部无法使用，数据库服务器运行正常。",
        plan: "现场工程师立即出发，远程尝试带外管理重启并检查硬件日志，准备切换到备用应用服务器。",
        note: "应用服务器两个电源模块之一故障后另一模块过载保护导致宕机，数据完好；业务已切换到备用应用服务器。",
        reply: "您好，已按严重故障处理，业务正在切换到备用应用服务器，预计 1 小时内恢复，请急诊先启用应急预案。",
        resolution: "业务切换到备用应用服务器后全院恢复，宕机服务器已更换电源模块并完成 24 小时拷机；数据无丢失。",
        ..BASE
    },
    Scenario {
        sys: Sys::His,
        category: Category::Training,
        flow: Flow::Planned,
        onsite: true,
        title: "新入职护士 HIS 护理模块培训",
        description: "本月有 32 名新入职护士，需要进行{sys}护理模块（医嘱执行、护理记录、床位管理）培训。",
        plan: "分两场到院进行现场培训，每场 1.5 小时，并提供护理模块操作手册。",
        reply: "您好，培训已安排在护理部会议室，分两场进行，请护理部协助组织签到。",
        resolution: "已完成两场护理模块培训，参训 32 人，课后测试全部通过，操作手册已发至护理部。",
        ..BASE
    },
    // ---------------------------------------------------------------- PACS
    Scenario {
        sys: Sys::Pacs,
        category: Category::Fault,
        impact: Impact::Minor,
        level: 1,
        flow: Flow::L2,
        title: "阅片工作站调阅历史影像速度慢",
        description: "放射科医生反映在{sys}中调阅半年以前的历史影像需要 1 分钟以上，近期影像调阅正常。",
        plan: "远程检查近线存储的迁移策略和历史影像的回迁速度。",
        note: "历史影像迁移到近线存储后回迁走的是千兆链路，且预取策略未开启；已开启按预约检查预取。",
        reply: "您好，已开启历史影像预取功能：有预约检查的患者，其历史影像将在前一天夜间自动回迁，调阅速度会明显提升。",
        resolution: "开启历史影像预取并调整回迁并发数，历史影像调阅时间从 70 秒降到 8 秒以内。",
        ..BASE
    },
    Scenario {
        sys: Sys::Pacs,
        category: Category::Fault,
        impact: Impact::Partial,
        level: 2,
        flow: Flow::L2,
        title: "CT 检查影像未能自动归档到 PACS",
        description: "今天上午 CT 室检查的 30 余例影像没有自动传到{sys}，医生工作站无法调阅，其他设备正常。",
        plan: "检查 CT 设备的 DICOM 发送配置与 PACS 接收日志。",
        note: "CT 设备厂家昨日维修后改动了 DICOM 发送节点的 AE Title，与 PACS 中登记的不一致，接收被拒绝。",
        reply: "您好，原因是 CT 设备维修后发送配置被改动，我们已在 PACS 侧完成调整，请 CT 室重新发送今天上午的检查。",
        resolution: "修正 AE Title 配置后，34 例影像已全部补传归档，医生工作站调阅正常；已提醒设备科在厂家维修后通知我方核对配置。",
        ..BASE
    },
    Scenario {
        sys: Sys::Pacs,
        title: "如何将患者影像刻录成光盘",
        description: "患者要求将 CT 影像刻录成光盘带去外院会诊，请问在{sys}中如何操作？",
        plan: "电话指导使用“影像导出—刻录”功能并确认刻录机驱动正常。",
        reply: "您好，请在{sys}中检索患者检查，右键选择“导出—刻录光盘”，勾选“附带阅片软件”，放入空白光盘即可，刻录约需 3 分钟。",
        resolution: "已指导窗口人员完成影像刻录，光盘在其他电脑上可正常打开阅片。",
        ..BASE
    },
    // ---------------------------------------------------------------- Oracle RAC
    Scenario {
        sys: Sys::Oracle,
        category: Category::Fault,
        impact: Impact::Minor,
        level: 1,
        flow: Flow::L2,
        onsite: true,
        title: "Oracle RAC 节点 2 实例异常终止，业务已切换至节点 1",
        description: "监控告警：{sys}节点 2 实例异常终止，业务已自动切换到节点 1 运行，目前应用访问正常。",
        plan: "远程分析节点 2 告警日志和集群日志，确认原因后择机重启实例，必要时现场检查心跳网络。",
        note: "节点 2 因私网心跳网卡持续丢包被集群驱逐（ORA-29740）；现场检查发现心跳线缆接头松动。",
        reply: "您好，数据库节点 2 已被集群自动隔离，业务运行在节点 1 上不受影响。我们将安排工程师现场检查心跳网络后恢复节点 2。",
        resolution: "更换节点 2 心跳线缆后实例重新加入集群，业务恢复双节点负载均衡，观察 24 小时无丢包。",
        ..BASE
    },
    Scenario {
        sys: Sys::Oracle,
        category: Category::Fault,
        impact: Impact::Partial,
        level: 2,
        flow: Flow::L2,
        title: "业务表空间使用率超过 95%",
        description: "监控告警：{sys}业务表空间 USERS_DATA 使用率达到 96%，近一周增长较快，如写满将导致业务无法写入。",
        plan: "远程扩充表空间数据文件，并排查异常增长原因。",
        note: "操作日志表近一个月未做归档清理，每天增长约 8GB；已扩容 64GB，并与客户确认历史数据归档策略。",
        reply: "您好，我们已为表空间扩容 64GB，当前使用率降到 71%，业务不受影响。同时建议对操作日志做定期归档，方案稍后发给您确认。",
        resolution: "扩容表空间并建立操作日志按月归档任务，使用率稳定在 70% 左右，已将容量趋势纳入月度巡检。",
        ..BASE
    },
    Scenario {
        sys: Sys::Oracle,
        category: Category::Fault,
        impact: Impact::Crashed,
        level: 4,
        flow: Flow::L2,
        onsite: true,
        title: "归档日志空间写满，数据库挂起，全部业务停止",
        description: "上午 10:25 起所有业务系统无法办理，应用报错 ORA-00257 archiver error，{sys}处于挂起状态。",
        plan: "立即远程清理已备份的归档日志释放空间，现场工程师到场检查备份与归档删除策略。",
        note: "RMAN 备份脚本上周被修改，归档删除策略失效，归档日志占满快速恢复区；数据文件完好。",
        reply: "您好，已按严重故障处理，正在清理归档日志释放空间，数据库预计 15 分钟内恢复，数据不会丢失。",
        resolution: "清理已备份的归档日志并扩充快速恢复区，数据库 12 分钟内恢复，数据无丢失；已修正 RMAN 归档删除策略并增加空间告警。",
        ..BASE
    },
    Scenario {
        sys: Sys::Oracle,
        category: Category::Fault,
        impact: Impact::DataDamaged,
        level: 5,
        flow: Flow::L2,
        onsite: true,
        vendor: Some(Vendor::Storage),
        title: "存储故障导致数据库数据文件损坏，全部业务中断",
        description: "凌晨 3 点{sys}所在存储出现多块磁盘同时离线，数据库崩溃，重启后报 ORA-01578 数据块损坏，大量表无法读取，全部业务中断。",
        plan: "启动灾难恢复预案：现场抢修存储，协调存储原厂，基于最近一次全量备份和归档日志恢复数据库。",
        note: "存储背板故障导致同一 RAID 组 3 块磁盘离线，数据文件损坏；最近一次全备为前一日 23:00，归档日志完整。",
        reply: "您好，已启动灾难恢复预案，项目负责人和原厂工程师均已到场。预计先恢复存储，再从备份恢复数据库，每小时通报一次进展。",
        resolution: "更换故障背板和磁盘后存储恢复；使用前一日全量备份加归档日志将数据库恢复到故障前 3 分钟，故障期间的业务由窗口补录，全部业务于次日 9:40 恢复。",
        ..BASE
    },
    Scenario {
        sys: Sys::Oracle,
        category: Category::HealthCheck,
        flow: Flow::Planned,
        title: "{sys}季度健康检查",
        description: "按服务合同约定开展本季度数据库健康检查，从配置、性能、容量三方面检查并出具报告。",
        plan: "远程采集 AWR 报告、集群状态、表空间与备份情况，形成健康检查报告。",
        note: "Top SQL 中有 2 条全表扫描语句，建议优化；表空间按当前增速约 5 个月后需扩容。",
        reply: "您好，本季度健康检查已完成数据采集，报告将在两个工作日内发送给您。",
        resolution: "完成季度健康检查：集群状态正常，备份全部成功；2 条 Top SQL 需优化，表空间约 5 个月后需扩容。报告已上传。",
        ..BASE
    },
    Scenario {
        sys: Sys::Oracle,
        category: Category::Backup,
        impact: Impact::Minor,
        level: 1,
        flow: Flow::L2,
        title: "RMAN 夜间全量备份任务失败",
        description: "备份监控显示昨晚 23:00 的{sys}全量备份任务失败，报错 ORA-19502 写文件错误。",
        plan: "远程检查备份目标空间和备份日志，清理过期备份集后手工补做全量备份。",
        note: "备份目标 NFS 挂载点空间不足，过期备份集未按保留策略删除；已清理并修正保留策略。",
        reply: "您好，备份失败原因是备份存储空间不足，已清理过期备份并手工补做全量备份，补做备份已成功。",
        resolution: "清理过期备份集并修正保留策略，手工补做全量备份成功，之后连续 3 晚备份均正常。",
        ..BASE
    },
    // ---------------------------------------------------------------- 门户网站
    Scenario {
        sys: Sys::Portal,
        title: "如何在{sys}发布带附件的通知公告",
        description: "需要在{sys}发布一则通知，附件是 PDF 和 Excel 文件，编辑时找不到上传附件的位置。",
        plan: "电话指导在编辑器中使用“插入附件”按钮，并说明附件格式和大小限制。",
        reply: "您好，在文章编辑页面的编辑器工具栏中点击回形针图标“插入附件”即可上传，单个附件不超过 50MB，支持 PDF、Word、Excel 和压缩包。",
        resolution: "已指导客户上传附件并发布通知，前台页面附件可正常下载。",
        ..BASE
    },
    Scenario {
        sys: Sys::Portal,
        category: Category::Fault,
        impact: Impact::Minor,
        level: 1,
        flow: Flow::L2,
        title: "{sys}部分栏目页面图片无法显示",
        description: "{sys}“工作动态”栏目中上周以后发布的文章图片都显示不出来，之前的文章正常。",
        plan: "远程检查图片存储目录和静态资源发布配置。",
        note: "上周扩容后新图片写入了新挂载的目录，但 Nginx 静态资源路径未同步修改。",
        reply: "您好，问题原因是服务器扩容后图片存放路径调整，静态资源配置未同步，我们已修正配置，请刷新页面确认。",
        resolution: "修正 Nginx 静态资源路径并重新发布相关页面，图片显示正常。",
        ..BASE
    },
    Scenario {
        sys: Sys::Portal,
        category: Category::Fault,
        impact: Impact::Partial,
        level: 2,
        flow: Flow::L2,
        title: "{sys}遭受 CC 攻击，访问缓慢",
        description: "今天下午{sys}访问非常缓慢，首页加载超过 20 秒，WAF 日志显示大量来自境外 IP 的高频请求。",
        plan: "在 WAF 上启用 CC 防护策略、封禁攻击源，并开启页面缓存减轻源站压力。",
        note: "攻击峰值约 1.2 万 QPS，集中请求搜索接口；已对搜索接口启用人机验证。",
        reply: "您好，确认为 CC 攻击，我们已启用防护策略并封禁攻击源，目前网站访问已基本恢复正常，我们将持续观察。",
        resolution: "启用 CC 防护和搜索接口人机验证后访问恢复，攻击持续约 3 小时后停止；已向客户提交攻击分析说明。",
        ..BASE
    },
    Scenario {
        sys: Sys::Portal,
        category: Category::Fault,
        impact: Impact::Partial,
        level: 3,
        flow: Flow::L2,
        onsite: true,
        title: "{sys}首页被篡改",
        description: "今天早上发现{sys}首页被篡改，出现与本单位无关的博彩链接，已有群众来电反映，情况紧急。",
        plan: "立即将网站切换到维护页面，排查入侵途径，清除后门并恢复页面，完成安全加固后重新上线。",
        note: "攻击者利用旧版富文本编辑器的上传漏洞写入 webshell；已删除 webshell、升级编辑器、修改全部后台密码。",
        reply: "您好，网站已切换到维护页面，我们正在清除被篡改内容并排查入侵途径，预计 2 小时内恢复正常页面。",
        resolution: "清除 webshell 和篡改页面，升级编辑器组件并修改全部后台密码，网站恢复上线；已协助客户向网信部门报备并提交事件分析报告。",
        ..BASE
    },
    Scenario {
        sys: Sys::Portal,
        fits: Some("办事"),
        category: Category::Fault,
        impact: Impact::Partial,
        level: 2,
        flow: Flow::L2,
        override_to: Some((3, "面向群众的对外办事服务中断，按严重故障处理")),
        title: "网上申报提交失败，提示“系统繁忙”",
        description: "群众在{sys}上提交事项申报时，点击提交提示“系统繁忙，请稍后再试”，已持续 1 小时，影响对外服务。",
        plan: "远程检查申报接口、附件服务和数据库连接，必要时切换备用附件存储。",
        note: "附件服务所在云主机磁盘写满，上传附件失败导致申报整体提交失败；已清理临时文件并扩容磁盘。",
        reply: "您好，问题已定位为附件服务存储空间不足，已完成清理和扩容，申报提交已恢复，请通知窗口引导群众重新提交。",
        resolution: "清理附件服务临时文件并扩容磁盘 200GB，申报提交恢复；已增加磁盘使用率告警，并统计出故障期间提交失败的 41 件申报供窗口回访。",
        ..BASE
    },
    Scenario {
        sys: Sys::Portal,
        category: Category::ChangeRequest,
        flow: Flow::Project,
        title: "{sys}新增专题栏目",
        description: "根据年度重点工作安排，需要在{sys}首页新增一个专题栏目，包括专题首页、三个子栏目和首页轮播入口。",
        plan: "与客户确认栏目结构和页面设计稿，项目组完成模板开发和测试后上线。",
        note: "需要新增 4 个页面模板，预计 5 人天；设计稿需客户宣传部门确认。",
        reply: "您好，专题栏目需求已收到，页面设计稿将在 3 个工作日内提供给您确认。",
        resolution: "专题栏目已上线，包括专题首页、三个子栏目和首页轮播入口，已培训客户编辑人员发布内容。",
        ..BASE
    },
    // ---------------------------------------------------------------- 视频会议
    Scenario {
        sys: Sys::Video,
        title: "视频会议如何预约并开启会议录制",
        description: "下周要召开全系统工作会议，想提前在{sys}预约会议并全程录制，请问怎么操作？",
        plan: "电话指导在管理平台预约会议、选择分会场并开启自动录制。",
        reply: "您好，请登录视频会议管理平台，在“会议预约”中选择时间和参会分会场，并勾选“自动录制”。会后录像可在“录播管理”中下载。",
        resolution: "已指导客户完成会议预约并开启自动录制，测试录制文件可以正常回放。",
        ..BASE
    },
    Scenario {
        sys: Sys::Video,
        category: Category::Fault,
        impact: Impact::Minor,
        level: 1,
        flow: Flow::L2,
        onsite: true,
        title: "部分分会场终端有图像无声音",
        description: "本周例会时，有三个分会场的终端能看到画面但听不到主会场声音，其他分会场正常。",
        plan: "远程检查分会场终端音频协议配置，必要时到现场检查音频线路和调音台。",
        note: "三个分会场终端升级固件后音频协议被重置为 G.722.1，与 MCU 模板不匹配。",
        reply: "您好，经远程检查是终端升级后音频参数被重置，我们将安排工程师到分会场逐一调整并测试。",
        resolution: "现场将三台终端音频协议调整为与 MCU 一致，并完成联调测试，声音正常。",
        ..BASE
    },
    Scenario {
        sys: Sys::Video,
        category: Category::Fault,
        impact: Impact::Partial,
        level: 2,
        flow: Flow::L2,
        title: "多方视频会议频繁掉线",
        description: "近两天召开多方视频会议时，分会场每隔十几分钟就会掉线重连，会议无法正常进行。",
        plan: "远程查看 MCU 呼叫日志和网络丢包情况，排查带宽和防火墙会话超时配置。",
        note: "出口防火墙 H.323 会话超时被调整为 600 秒，导致长会议周期性断开；已恢复为 3600 秒。",
        reply: "您好，问题原因是网络设备会话超时设置过短，我们已协调调整，请在下次会议时观察是否还有掉线。",
        resolution: "调整防火墙 H.323 会话超时后，连续两次 2 小时会议未再掉线。",
        ..BASE
    },
    Scenario {
        sys: Sys::Video,
        category: Category::Other,
        flow: Flow::Planned,
        onsite: true,
        title: "全系统工作会议视频会议现场保障",
        description: "本周五上午 9:00 召开全系统工作会议，通过{sys}连接各分会场，请安排工程师提前到场保障。",
        plan: "会前 1 小时到场，与各分会场逐一联调，会议全程值守。",
        reply: "您好，已安排工程师周五 8:00 到场保障，会前将与各分会场完成联调。",
        resolution: "会议保障完成：会前联调分会场全部正常，会议全程 2.5 小时无中断，录像已交会务组。",
        ..BASE
    },
    // ---------------------------------------------------------------- 防火墙
    Scenario {
        sys: Sys::Firewall,
        category: Category::ChangeRequest,
        flow: Flow::L2,
        title: "防火墙新增对外开放端口策略",
        description: "新上线的预约系统需要从互联网访问 443 端口，请在{sys}上新增地址映射和访问策略。",
        plan: "核对变更申请单和等保要求，在业务低峰期新增映射和访问策略并验证。",
        note: "已确认变更单经客户领导审批；策略仅放行 443 端口，并开启入侵防御。",
        reply: "您好，策略变更将在今晚 20:00 后实施，实施完成后会通知您验证访问。",
        resolution: "已新增地址映射和访问策略（仅放行 443），外网访问预约系统正常，变更记录已归档。",
        ..BASE
    },
    Scenario {
        sys: Sys::Firewall,
        category: Category::Fault,
        impact: Impact::Minor,
        level: 1,
        flow: Flow::L2,
        title: "防火墙双机发生主备切换",
        description: "监控告警：{sys}发生 HA 主备切换，备机已接管，业务访问正常。",
        plan: "远程检查原主机日志和接口状态，查明切换原因。",
        note: "原主机业务口光模块收光功率过低，触发接口监控导致切换；需更换光模块。",
        reply: "您好，防火墙已由备机正常接管，业务不受影响。原主机光模块需更换，我们会安排在业务低峰期处理。",
        resolution: "更换原主机光模块后恢复双机热备状态，并验证主备切换正常。",
        ..BASE
    },
    Scenario {
        sys: Sys::Firewall,
        category: Category::Fault,
        impact: Impact::Partial,
        level: 2,
        flow: Flow::L2,
        title: "防火墙告警内网主机感染挖矿病毒",
        description: "{sys}入侵防御模块告警：内网 3 台主机持续连接境外矿池地址，疑似感染挖矿病毒。",
        plan: "在防火墙上阻断矿池通信，定位感染主机并协助查杀病毒、排查入侵途径。",
        note: "3 台主机均为同一批安装的办公电脑，存在弱口令远程桌面，病毒通过暴力破解进入。",
        reply: "您好，我们已在防火墙上阻断矿池通信，感染的 3 台电脑需要断网查杀，请协助通知使用人员。",
        resolution: "3 台主机完成病毒查杀并修改弱口令、关闭远程桌面，防火墙阻断策略保留；已出具病毒事件处理报告。",
        ..BASE
    },
    Scenario {
        sys: Sys::Firewall,
        category: Category::Inspection,
        flow: Flow::Planned,
        title: "{sys}策略及日志月度巡检",
        description: "按服务计划开展本月防火墙巡检：检查设备状态、策略命中、特征库版本和安全日志。",
        plan: "远程登录防火墙采集运行状态与日志，对照巡检清单逐项检查。",
        reply: "您好，本月防火墙巡检已完成，巡检报告已上传至本请求。",
        resolution: "巡检完成：设备运行正常，特征库为最新版本；发现 12 条长期未命中的策略，已建议客户确认后清理。",
        ..BASE
    },
    // ---------------------------------------------------------------- 核心交换机
    Scenario {
        sys: Sys::Switch,
        category: Category::Fault,
        impact: Impact::Minor,
        level: 1,
        flow: Flow::L2,
        onsite: true,
        title: "{sys}一个电源模块故障",
        description: "监控告警：{sys}电源模块 2 状态异常，设备由另一电源模块供电，业务正常。",
        plan: "远程确认告警，调取备件后到现场更换电源模块。",
        note: "电源模块 2 风扇故障导致过温保护，设备仍在保修期内，已申请备件。",
        reply: "您好，交换机由冗余电源正常供电，业务不受影响，我们已调取备件，将尽快到现场更换。",
        resolution: "现场更换电源模块 2，双电源恢复正常，告警消除。",
        ..BASE
    },
    Scenario {
        sys: Sys::Switch,
        category: Category::Fault,
        impact: Impact::Crashed,
        level: 4,
        flow: Flow::L2,
        onsite: true,
        title: "{sys}宕机，全部业务网络中断",
        description: "上午 9:05 起全部业务系统无法访问，{sys}无法登录管理，面板指示灯异常，服务器运行正常。",
        plan: "现场工程师携带备用配置立即出发，远程协助排查堆叠状态，必要时启用备机。",
        note: "堆叠主设备软件异常导致堆叠分裂且双主冲突；重启并修复堆叠后恢复，已提交厂商分析软件缺陷。",
        reply: "您好，已按严重故障处理，工程师已出发，预计 1 小时内到场恢复网络。请通知各部门暂停业务办理。",
        resolution: "现场修复交换机堆叠并重启，网络 1 小时 20 分钟后恢复；已升级交换机软件到厂商推荐版本，并配置双主检测。",
        ..BASE
    },
    Scenario {
        sys: Sys::Switch,
        category: Category::Inspection,
        flow: Flow::Planned,
        onsite: true,
        title: "网络设备季度巡检",
        description: "按服务计划开展本季度网络设备巡检：{sys}及各楼层接入交换机的运行状态、端口、日志与配置备份。",
        plan: "到现场逐台检查设备运行状态，导出配置备份，形成巡检报告。",
        reply: "您好，本季度网络设备巡检已安排，工程师将到现场检查，预计半天完成，不影响业务。",
        resolution: "巡检完成：共检查 24 台设备，23 台正常；1 台接入交换机端口 CRC 错误较多，已更换跳线。配置已全部备份，报告已上传。",
        ..BASE
    },
    // ---------------------------------------------------------------- 存储
    Scenario {
        sys: Sys::Storage,
        category: Category::Fault,
        impact: Impact::Minor,
        level: 1,
        flow: Flow::L2,
        onsite: true,
        vendor: Some(Vendor::Storage),
        title: "{sys}一块硬盘故障告警",
        description: "{sys}前面板 12 号盘亮黄灯，管理界面显示磁盘故障，热备盘已自动开始重建，业务正常。",
        plan: "确认热备重建进度，向存储原厂报修备件，到货后现场更换故障盘。",
        note: "故障盘为 1.8TB SAS 盘，RAID 重建预计 6 小时；已向原厂报修。",
        reply: "您好，故障盘已由热备盘接替，数据安全，业务不受影响。备件到货后我们会与您预约时间到现场更换。",
        resolution: "原厂备件到货后现场更换 12 号盘，新盘已设为热备盘，阵列状态恢复正常。",
        ..BASE
    },
    Scenario {
        sys: Sys::Storage,
        category: Category::Fault,
        impact: Impact::Unusable,
        level: 3,
        flow: Flow::L2,
        onsite: true,
        vendor: Some(Vendor::Storage),
        title: "{sys}控制器故障，业务读写中断",
        description: "{sys}两个控制器先后报错，挂载的卷全部离线，依赖存储的业务系统均无法访问。",
        plan: "现场工程师立即出发，同时向存储原厂报修，原厂工程师携备件到场更换控制器。",
        note: "控制器 A 硬件故障后业务切换到控制器 B，切换过程中 B 触发固件缺陷重启，导致卷离线。",
        reply: "您好，已按严重故障处理，我方工程师和原厂工程师均在赶往现场，预计 2 小时内到场。",
        resolution: "原厂更换控制器 A 并升级双控固件，卷全部上线，业务恢复；数据完整性检查无异常。",
        ..BASE
    },
    Scenario {
        sys: Sys::Storage,
        category: Category::HealthCheck,
        flow: Flow::Planned,
        onsite: true,
        title: "{sys}半年度健康检查",
        description: "按服务合同约定开展{sys}半年度健康检查：控制器、磁盘、链路、容量与性能。",
        plan: "到现场检查硬件状态，导出性能和容量数据，出具健康检查报告。",
        reply: "您好，健康检查已安排，工程师将到现场检查，过程中不影响业务。",
        resolution: "健康检查完成：硬件状态正常，2 块磁盘介质错误计数偏高已列入观察；容量使用率 78%，预计 8 个月后需扩容。报告已上传。",
        ..BASE
    },
    Scenario {
        sys: Sys::Storage,
        flow: Flow::L2,
        title: "{sys}扩容方案咨询",
        description: "明年数据量预计增长 40%，想了解{sys}扩容的可选方案、所需硬盘框和大致费用。",
        plan: "收集当前容量和增长数据，由二线工程师编写扩容方案建议。",
        reply: "您好，我们已收集当前容量数据，扩容方案建议（含两种配置和估算）将在 3 个工作日内发给您。",
        resolution: "已提交扩容方案建议：推荐增加 1 个硬盘框（24 块 1.8TB），扩容后可用容量满足未来 18 个月需求。",
        ..BASE
    },
    // ---------------------------------------------------------------- 云
    Scenario {
        sys: Sys::Cloud,
        category: Category::Fault,
        impact: Impact::Partial,
        level: 2,
        flow: Flow::L2,
        vendor: Some(Vendor::Cloud),
        title: "{sys}上两台云主机无法远程登录，业务端口访问超时",
        description: "{sys}上的 2 台云主机从今天中午起无法通过堡垒机远程登录，业务端口访问超时，云平台控制台显示运行中。",
        plan: "检查安全组、路由和云主机内部状态，必要时向云厂商提交工单。",
        note: "安全组与系统内部配置均正常，两台云主机位于同一台宿主机，判断为云平台底层网络问题。",
        reply: "您好，我们已排除安全组和系统配置问题，初步判断为云平台底层网络故障，已提交云厂商处理。",
        resolution: "云厂商确认宿主机所在机柜交换机故障，已将两台云主机迁移到其他宿主机，远程登录和业务访问恢复。",
        ..BASE
    },
    Scenario {
        sys: Sys::Cloud,
        category: Category::Fault,
        impact: Impact::Crashed,
        level: 4,
        flow: Flow::L2,
        vendor: Some(Vendor::Cloud),
        title: "{sys}所在可用区故障，托管业务全部中断",
        description: "{sys}所在可用区整体不可用，托管的全部应用无法访问，云平台控制台也无法打开。",
        plan: "立即向云厂商提交最高级别工单，同时评估将核心业务切换到备用可用区。",
        note: "云厂商确认可用区核心网络设备故障；数据盘完好，核心应用已具备在备用可用区拉起的条件。",
        reply: "您好，已按严重故障处理，已向云厂商提交最高级别工单，我们正在评估切换到备用可用区，进展每 30 分钟通报。",
        resolution: "云厂商修复可用区核心网络后全部云主机恢复，业务中断约 2 小时 10 分钟，数据无丢失；已要求云厂商在 12 小时内提交故障报告。",
        ..BASE
    },
    Scenario {
        sys: Sys::Cloud,
        title: "如何申请云主机扩容配置",
        description: "业务量增长，{sys}上有一台应用云主机 CPU 长期在 85% 以上，想申请从 8 核升到 16 核，请问流程是什么？",
        plan: "电话说明扩容申请流程和停机窗口要求，并提供申请表。",
        reply: "您好，云主机升配需要填写资源变更申请表（已发送至邮箱），经贵单位审批后我们在约定窗口实施，升配过程需重启约 5 分钟。",
        resolution: "已向客户说明升配流程并提供申请表，客户将走内部审批后再提交变更申请。",
        ..BASE
    },
    Scenario {
        sys: Sys::Cloud,
        category: Category::ChangeRequest,
        flow: Flow::L2,
        title: "申请新增两台测试环境云主机",
        description: "新系统上线前需要一套测试环境，申请在{sys}新增两台云主机（4 核 16G，数据盘 200G），与生产网络隔离。",
        plan: "按申请规格创建云主机，配置独立安全组与测试网段，交付账号。",
        note: "资源配额充足；已按等保要求为测试网段单独配置安全组。",
        reply: "您好，两台测试云主机已创建，登录方式已通过邮件发送，请注意测试环境与生产网络隔离。",
        resolution: "已交付两台测试云主机并配置独立安全组，客户确认可正常登录使用。",
        ..BASE
    },
    Scenario {
        sys: Sys::Cloud,
        category: Category::Fault,
        impact: Impact::Minor,
        level: 1,
        flow: Flow::L2,
        vendor: Some(Vendor::Cloud),
        title: "{sys}云硬盘 IO 延迟偶发升高",
        description: "最近一周{sys}上的数据库云主机每天晚上 22 点左右 IO 延迟升高到 200ms 以上，持续十几分钟，白天正常。",
        plan: "对比云主机监控与业务日志，排除业务侧原因后提交云厂商排查存储集群。",
        note: "业务侧夜间无大批量任务，延迟与云存储集群快照任务时间吻合，转云厂商确认。",
        reply: "您好，初步判断与云平台存储集群的夜间任务有关，已提交云厂商确认。",
        resolution: "云厂商将该存储集群的快照任务调整到凌晨 3 点并限速，此后一周 IO 延迟未再升高。",
        ..BASE
    },
    // ---------------------------------------------------------------- 各类业务系统
    Scenario {
        sys: Sys::Business,
        title: "{sys}如何导出本月业务统计报表",
        description: "月底需要上报本月业务量统计，请问在{sys}中从哪里导出按科室（窗口）汇总的统计报表？",
        plan: "电话指导使用“统计查询—业务量汇总”并导出 Excel。",
        reply: "您好，请进入“统计查询—业务量汇总”，选择统计周期和汇总维度后点击“导出 Excel”即可。",
        resolution: "已指导客户导出本月业务量汇总报表，数据与客户手工统计一致。",
        ..BASE
    },
    Scenario {
        sys: Sys::Business,
        title: "{sys}新增工作人员账号及权限如何配置",
        description: "本月有 3 名新同事到岗，需要在{sys}中开通账号并分配与老员工相同的权限，请问怎么操作？",
        plan: "电话指导在“系统管理—用户管理”新增账号，并使用“复制权限”功能。",
        reply: "您好，请在“系统管理—用户管理”新增账号后，点击“复制权限”，选择一位岗位相同的老员工即可一次性分配相同权限。",
        resolution: "已指导客户为 3 名新同事开通账号并复制权限，新同事已登录确认。",
        ..BASE
    },
    Scenario {
        sys: Sys::Business,
        category: Category::Fault,
        impact: Impact::Minor,
        level: 1,
        title: "{sys}个别用户登录提示“账号已锁定”",
        description: "窗口一位工作人员登录{sys}时提示“账号已锁定，请联系管理员”，其他人正常。",
        plan: "核实身份后在管理后台解锁账号，并提醒用户密码连续输错 5 次会锁定。",
        reply: "您好，已为该账号解锁并重置初始密码，请登录后及时修改密码。连续输错 5 次密码会再次锁定。",
        resolution: "已解锁账号并重置密码，用户登录正常。",
        ..BASE
    },
    Scenario {
        sys: Sys::Business,
        category: Category::Fault,
        impact: Impact::Minor,
        level: 1,
        flow: Flow::L2,
        title: "{sys}部分页面在新版浏览器下显示错位",
        description: "升级浏览器后，{sys}的“业务受理”页面表格错位，部分按钮被遮挡无法点击，换回旧电脑正常。",
        plan: "远程复现问题，定位页面兼容性问题并提供修复补丁。",
        note: "新版浏览器调整了表格默认样式，页面使用了已废弃的属性；已修改样式表。",
        reply: "您好，问题是页面样式与新版浏览器不兼容，修复补丁已部署，请清除浏览器缓存后再试。",
        resolution: "已部署页面兼容性补丁，新版浏览器下页面显示和按钮操作正常。",
        ..BASE
    },
    Scenario {
        sys: Sys::Business,
        category: Category::Fault,
        impact: Impact::Partial,
        level: 2,
        flow: Flow::L2,
        title: "{sys}与上级平台数据接口同步失败",
        description: "{sys}与上级平台的数据同步接口从昨晚开始报错，今天的业务数据没有同步过去，本地业务办理暂时正常。",
        plan: "检查接口日志和证书，联系上级平台确认接口变更情况。",
        note: "上级平台昨晚更换了接口签名证书，未提前通知；已获取新证书并更新配置。",
        reply: "您好，接口失败原因是上级平台更换了签名证书，我们已更新证书配置，正在补传今天的数据。",
        resolution: "更新接口签名证书后同步恢复，补传积压数据 2316 条，与上级平台核对一致。",
        ..BASE
    },
    Scenario {
        sys: Sys::Business,
        category: Category::Fault,
        impact: Impact::Partial,
        level: 2,
        flow: Flow::L2,
        title: "{sys}查询统计功能响应缓慢",
        description: "最近几天在{sys}中做综合查询和统计时要等两三分钟，有时直接超时，影响日常工作。",
        plan: "远程分析慢查询日志和执行计划，优化 SQL 与索引。",
        note: "统计 SQL 因数据量增长执行计划走错，全表扫描约 4000 万行；已收集统计信息并增加索引。",
        reply: "您好，已找到统计查询慢的原因并完成优化，请再试一下查询速度。",
        resolution: "优化统计 SQL 并增加索引，综合查询从 150 秒降到 3 秒以内。",
        ..BASE
    },
    Scenario {
        sys: Sys::Business,
        category: Category::Fault,
        impact: Impact::Unusable,
        level: 3,
        flow: Flow::L2,
        onsite: true,
        title: "{sys}无法访问，主备应用服务器均无响应",
        description: "今天上午 10 点起{sys}所有终端都打不开，主备两台应用服务器均无响应，业务全部停办。",
        plan: "远程排查应用服务与中间件，现场工程师同步出发，2 小时内到场。",
        note: "中间件会话数据写入的共享目录所在 NAS 只读挂载，导致主备应用线程全部阻塞。",
        reply: "您好，已按严重故障处理，二线工程师正在远程排查，现场工程师已出发。",
        resolution: "重新挂载共享目录并重启中间件，业务恢复；已将会话存储改为本地缓存并增加共享目录可写性监控。",
        ..BASE
    },
    Scenario {
        sys: Sys::Business,
        category: Category::Fault,
        impact: Impact::DataDamaged,
        level: 5,
        flow: Flow::L2,
        onsite: true,
        title: "服务器感染勒索病毒，{sys}业务数据被加密",
        description: "今天早上{sys}无法使用，服务器上大量文件被改为 .locked 后缀并出现勒索提示，数据库文件也被加密，全部业务中断。",
        plan: "立即断网隔离受感染服务器，启动灾难恢复预案，从离线备份恢复系统和数据，并排查入侵途径。",
        note: "攻击者通过对外暴露的远程桌面弱口令进入；离线备份未受影响，最近一次为前一日 22:00。",
        reply: "您好，已启动灾难恢复预案并隔离受感染服务器，正在使用离线备份恢复，项目负责人已到现场协调，每小时通报一次进展。",
        resolution: "在新服务器上重建系统并从离线备份恢复数据（恢复至前一日 22:00），当天数据由业务部门补录；关闭对外远程桌面、全面更换口令，并出具安全事件报告。",
        ..BASE
    },
    Scenario {
        sys: Sys::Business,
        category: Category::ChangeRequest,
        flow: Flow::Project,
        title: "{sys}新增按月统计报表",
        description: "上级部门要求每月报送新的统计口径，需要在{sys}中新增一张按月统计报表，可按部门和业务类型筛选并导出。",
        plan: "确认统计口径和报表样式，项目组开发报表并在测试环境核对数据后上线。",
        note: "统计口径涉及 3 张业务表，需要客户确认“办结”的判定规则；预计 4 人天。",
        reply: "您好，报表需求已收到，需求说明书（含统计口径说明）将发送给您确认。",
        resolution: "按月统计报表已上线，数据与客户手工统计核对一致，已说明导出和筛选方法。",
        ..BASE
    },
    Scenario {
        sys: Sys::Business,
        category: Category::Training,
        flow: Flow::Planned,
        onsite: true,
        title: "{sys}新版本功能培训",
        description: "{sys}近期升级到新版本，希望安排一次新功能培训，参训人员为各业务岗位骨干。",
        plan: "到现场进行 1.5 小时新功能培训，并提供新版本操作说明。",
        reply: "您好，培训已安排，请协助通知参训人员并准备投影设备。",
        resolution: "已完成新版本功能培训，参训 21 人，新版本操作说明已发放。",
        ..BASE
    },
    // ---------------------------------------------------------------- 备份
    Scenario {
        sys: Sys::Backup,
        category: Category::Backup,
        flow: Flow::Planned,
        onsite: true,
        title: "季度数据备份恢复演练",
        description: "按合同约定开展本季度数据恢复演练，验证{sys}中备份数据的完整性和可恢复性。",
        plan: "在隔离环境中从{sys}恢复最近一次全量备份，校验数据并记录恢复时长。",
        reply: "您好，恢复演练将在隔离环境进行，不影响生产业务，完成后提交演练报告。",
        resolution: "演练完成：从最近一次全量备份恢复数据库用时 47 分钟，数据校验一致，演练报告已上传。",
        ..BASE
    },
    Scenario {
        sys: Sys::Backup,
        category: Category::Backup,
        impact: Impact::Minor,
        level: 1,
        flow: Flow::L2,
        title: "{sys}夜间备份任务失败",
        description: "监控告警：{sys}昨晚有 2 个备份任务失败，错误信息为“客户端连接超时”。",
        plan: "远程检查备份客户端服务和网络连通性，重新执行失败任务。",
        note: "业务服务器上的备份客户端服务在系统补丁重启后未自动启动。",
        reply: "您好，失败原因是服务器重启后备份客户端未自动启动，已处理并重新执行备份，执行成功。",
        resolution: "启动备份客户端并设为开机自启，补做备份成功，已在巡检清单中增加备份客户端状态检查。",
        ..BASE
    },
    // ---------------------------------------------------------------- 通用
    Scenario {
        category: Category::Inspection,
        flow: Flow::Planned,
        onsite: true,
        title: "{sys}月度例行巡检",
        description: "按服务计划开展本月系统日常巡检，检查服务器资源、应用服务、日志、备份及安全补丁情况。",
        plan: "到现场按巡检清单逐项检查，形成巡检报告并请客户签字确认。",
        reply: "您好，本月例行巡检已安排，工程师将到现场检查，过程中不影响业务。",
        resolution: "巡检完成，共检查 18 项，17 项正常；系统日志分区使用率 82%，已提醒关注。巡检报告已上传。",
        ..BASE
    },
    Scenario {
        category: Category::Inspection,
        impact: Impact::Minor,
        level: 1,
        flow: Flow::L2,
        title: "巡检发现{sys}服务器日志分区使用率超过 90%",
        description: "例行巡检发现{sys}应用服务器 /var/log 分区使用率 93%，按当前增速约 3 天后写满，可能导致服务异常。",
        plan: "远程清理过期日志并配置日志轮转，评估是否需要扩容分区。",
        note: "应用调试日志级别被设为 DEBUG 后未恢复，单日日志约 6GB。",
        reply: "您好，巡检发现日志分区空间不足，我们已远程清理并将日志级别恢复为正常，业务不受影响。",
        resolution: "清理过期日志、恢复日志级别并配置按天轮转保留 30 天，分区使用率降到 35%。",
        ..BASE
    },
    Scenario {
        category: Category::HealthCheck,
        flow: Flow::Planned,
        title: "{sys}年度健康检查",
        description: "按服务合同约定开展{sys}年度健康检查，检查配置、性能和容量，评估能否满足未来一年的应用规模。",
        plan: "远程采集过去一年的性能、可用性与容量数据，结合配置检查出具健康检查报告。",
        note: "过去一年可用性 99.96%；高峰期 CPU 峰值 78%，建议下半年评估扩容。",
        reply: "您好，年度健康检查数据已采集完毕，报告将在两个工作日内提交。",
        resolution: "年度健康检查完成：可用性 99.96%，配置符合基线；高峰期资源使用偏高，已在报告中给出扩容建议。",
        ..BASE
    },
    Scenario {
        category: Category::Backup,
        flow: Flow::L2,
        title: "系统升级前申请对{sys}做一次手工全量备份",
        description: "本周六计划升级{sys}，升级前需要对数据库和应用做一次手工全量备份，请安排。",
        plan: "周六升级前两小时执行手工全量备份并校验备份集。",
        reply: "您好，已安排周六 7:00 执行手工全量备份，完成后通知您再开始升级。",
        resolution: "手工全量备份完成并校验通过（备份集 186GB），已通知客户可以开始升级。",
        ..BASE
    },
    Scenario {
        category: Category::Training,
        flow: Flow::Planned,
        onsite: true,
        title: "{sys}管理员日常维护培训",
        description: "我单位更换了系统管理员，希望安排一次{sys}日常维护培训，包括日常巡检、常见故障判断和备份检查。",
        plan: "到现场进行 2 小时管理员培训，提供日常维护手册和故障判断清单。",
        reply: "您好，管理员培训已安排，请提前开通培训用的管理账号。",
        resolution: "已完成管理员日常维护培训，新管理员已能独立完成日常巡检和备份检查，维护手册已交付。",
        ..BASE
    },
    Scenario {
        title: "{sys}操作手册最新版本在哪里下载",
        description: "{sys}升级后界面有变化，请问最新版的用户操作手册在哪里可以下载？",
        plan: "提供最新版操作手册下载地址，并说明主要变化章节。",
        reply: "您好，最新版操作手册已作为附件发送到您的邮箱，也可以在系统右上角“帮助—操作手册”中在线查看，主要变化在第 3、5 章。",
        resolution: "已提供最新版操作手册，客户确认已收到。",
        ..BASE
    },
    Scenario {
        sys: Sys::NoSystem,
        category: Category::Other,
        title: "咨询维保合同续签及质保期外收费标准",
        description: "我单位的免费运维期即将到期，想了解续签维保合同的方式，以及质保期外按次服务的收费标准。",
        plan: "说明合同约定：质保期外只收取成本费用，并转项目负责人提供续签方案。",
        reply: "您好，根据合同约定，免费运维期满后我们继续提供服务，只收取成本费用（工时与更换材料）。项目负责人将与您联系续签方案。",
        resolution: "已向客户说明质保期外收费方式，项目负责人已发送续签方案和成本价目表。",
        ..BASE
    },
    Scenario {
        sys: Sys::NoSystem,
        category: Category::Other,
        title: "申请出具上季度运维服务报告",
        description: "单位内部审计需要上季度的运维服务报告，包括服务请求统计、响应及时率和满意度。",
        plan: "从服务台导出上季度请求统计和 SLA 达成情况，编写季度服务报告。",
        reply: "您好，上季度运维服务报告将在 3 个工作日内发送到您的邮箱。",
        resolution: "已发送上季度运维服务报告（含请求趋势、各级别 SLA 达成率、满意度统计）。",
        ..BASE
    },
    Scenario {
        sys: Sys::NoSystem,
        category: Category::Other,
        flow: Flow::Planned,
        onsite: true,
        title: "重要时段现场值守保障申请",
        description: "下周三至周五为{org}重要业务时段，申请安排工程师现场值守，保障各系统稳定运行。",
        plan: "安排现场工程师值守，提前完成系统巡检和应急预案确认。",
        reply: "您好，已安排工程师全程现场值守，值守前一天将完成系统巡检并确认应急预案。",
        resolution: "三天现场值守完成，期间系统运行平稳，无故障发生，值守记录已提交。",
        ..BASE
    },
    Scenario {
        sys: Sys::NoSystem,
        category: Category::Other,
        title: "更新我单位服务对接人联系方式",
        description: "我单位信息化负责人有调整，请更新客户档案中的服务对接人及手机号码，今后的故障通知请发给新负责人。",
        plan: "核实变更后更新客户档案中的对接人和通知方式。",
        reply: "您好，客户档案中的服务对接人已更新，今后的通知将发送给新负责人。",
        resolution: "已更新客户档案对接人信息，并通知项目组同步调整通讯录。",
        ..BASE
    },
];

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

    let system = Actor {
        role: Role::System,
        display_name: "系统（自动关闭）".to_owned(),
        ..admin.clone()
    };
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
    if level >= 3 || (sc.category == Category::Fault && rng.random_bool(0.3)) {
        let author = if level >= 3 { leader } else { &worker };
        s.say_office(
            minutes(rng, 120, 1500),
            author,
            Visibility::Internal,
            FAULT_REPORT_NOTE.to_owned(),
        );
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
                app.add_message(&who, id, visibility, &body).await?;
            }
            Op::Work(who, spent, note) => {
                app.add_work_log(&who, id, spent, None, &note, None).await?;
            }
            Op::Attach(who, a) => {
                let (name, data) = attachment_file(&a, t);
                app.add_attachment(&who, id, &name, data).await?;
            }
            Op::VisitRequest(who, engineer) => {
                let v = app.request_visit(&who, id, Some(engineer)).await?;
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
