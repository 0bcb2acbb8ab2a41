//! Setting up the directory: teams and staff, the organizations with their
//! contacts, systems, contracts and customer accounts, and the SLA policies.

use super::directory_data::*;
use super::{ADMIN, HOUR, minutes, mobile, zoned};
use anyhow::Context;
use fuwu_app::access::Scope;
use fuwu_app::directory::{
    ContactInput, ContractInput, OrganizationInput, SystemInput, TeamInput, TeamPatch, UserInput,
};
use fuwu_app::{Actor, App, ManualClock};
use fuwu_core::Role;
use fuwu_store::Db;
use fuwu_store::directory::{User, UserFields};
use rand::RngExt;
use rand::rngs::StdRng;

pub(super) struct ContactRt {
    pub(super) id: i64,
    pub(super) name: &'static str,
    pub(super) job_title: &'static str,
    pub(super) phone: String,
}

pub(super) struct SystemRt {
    pub(super) seed: &'static SystemSeed,
    pub(super) id: i64,
}

pub(super) struct OrgRt {
    pub(super) seed: &'static OrgSeed,
    pub(super) id: i64,
    pub(super) contacts: Vec<ContactRt>,
    pub(super) systems: Vec<SystemRt>,
    /// Customer accounts; the i-th is the i-th contact. The first is the customer admin.
    pub(super) customers: Vec<Actor>,
    pub(super) auto_close_ms: i64,
}

pub(super) struct Dir {
    pub(super) agents: Vec<Actor>,
    pub(super) l2: Vec<Actor>,
    pub(super) field: Vec<Actor>,
    pub(super) leaders: Vec<Actor>,
    pub(super) cloud: Actor,
    pub(super) storage: Actor,
    /// Monitoring alerts, planned tasks and hotline hand-overs arrive through this account.
    pub(super) integration: Actor,
    /// The scheduler's auto-close, attributed to the admin account.
    pub(super) system: Actor,
    pub(super) team_l1: i64,
    pub(super) team_l2: i64,
    pub(super) team_field: i64,
    pub(super) orgs: Vec<OrgRt>,
    pub(super) users: usize,
    pub(super) admin_token: String,
}

impl Dir {
    pub(super) fn vendor(&self, v: Vendor) -> &Actor {
        match v {
            Vendor::Cloud => &self.cloud,
            Vendor::Storage => &self.storage,
        }
    }
}

pub(super) fn actor_of(u: &User, role: Role) -> Actor {
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

pub(super) struct NewUser<'a> {
    pub(super) login: &'a str,
    pub(super) name: String,
    pub(super) role: Role,
    pub(super) email: String,
    pub(super) organization_id: Option<i64>,
    pub(super) contact_id: Option<i64>,
    pub(super) team_id: Option<i64>,
}

pub(super) async fn add_user(
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

pub(super) async fn setup_directory(
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

pub(super) async fn db_write_policy(
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
