//! Planning the requests: when each arrives, from whom, about what, and
//! where its story ends; then creating them, in the order they arrived.

use super::directory::Dir;
use super::directory_data::*;
use super::scenarios::*;
use super::{
    DAY, HOUR, WINDOW_DAYS, fmt_local, minutes, office_hours, org_fits, pick, system_fits,
    urgencies_for, weekday, weighted,
};
use anyhow::ensure;
use fuwu_app::App;
use fuwu_app::requests::NewRequest;
use fuwu_core::{Category, Channel, FaultLevel, Urgency};
use fuwu_store::requests::Request;
use rand::RngExt;
use rand::rngs::StdRng;

/// Where a request's story ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Target {
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
    pub(super) fn cancelled(self) -> bool {
        matches!(
            self,
            Target::CancelledDuplicate | Target::CancelledWithdrawn
        )
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Creator {
    /// The customer account with this index (the contact with the same index).
    Customer(usize),
    Agent(usize),
    Field(usize),
    Integration,
}

pub(super) struct Plan {
    pub(super) at: i64,
    pub(super) target: Target,
    pub(super) sc: &'static Scenario,
    pub(super) org: usize,
    pub(super) system: Option<usize>,
    pub(super) channel: Channel,
    pub(super) creator: Creator,
    pub(super) contact: Option<usize>,
    pub(super) urgency: Urgency,
    /// The level the request carries (with a staff override, if any).
    pub(super) level: u8,
    pub(super) override_reason: Option<&'static str>,
    pub(super) title: String,
    pub(super) description: String,
}

impl Plan {
    pub(super) fn system_name<'d>(&self, dir: &'d Dir) -> &'d str {
        self.system
            .map_or("", |s| dir.orgs[self.org].systems[s].seed.name)
    }
}

pub(super) fn render(text: &str, sys: &str, org: &str) -> String {
    text.replace("{sys}", sys).replace("{org}", org)
}

/// A creation instant in the window, mostly in office hours.
pub(super) fn random_instant(rng: &mut StdRng, from: i64, to: i64) -> i64 {
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

pub(super) fn target_for_age(rng: &mut StdRng, age: i64, flow: Flow) -> Target {
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

pub(super) fn plan_requests(
    rng: &mut StdRng,
    dir: &Dir,
    now_ms: i64,
    n: usize,
) -> anyhow::Result<Vec<Plan>> {
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

pub(super) fn shuffle<T>(rng: &mut StdRng, items: &mut [T]) {
    for i in (1..items.len()).rev() {
        let j = rng.random_range(0..=i);
        items.swap(i, j);
    }
}

pub(super) async fn create_request(app: &App, dir: &Dir, p: &Plan) -> anyhow::Result<Request> {
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
