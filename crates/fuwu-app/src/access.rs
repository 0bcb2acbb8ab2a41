//! Who is acting, and what they may see and do — the one place that decides.
//!
//! Two questions, answered from the acting user (role, organization, team)
//! and never by the web layer:
//!
//! * **What may they do?** A [`Capability`] names each kind of act; one
//!   table, [`allows`], says which roles hold it, and
//!   [`Actor::require`] also checks the token's scope (read, write, admin).
//!   The lifecycle's own table (`fuwu_core::lifecycle::roles_allowed`) says
//!   which roles may take which action on a request.
//! * **How far do they see?** A [`Reach`]: everything (staff, admins), one
//!   organization (customers), the contracts a project leader leads, or the
//!   requests handed to a third-party engineer. Lists turn it into SQL
//!   ([`Actor::narrow_requests`], [`Actor::org_reach`]); single records are
//!   checked with [`Actor::may_read_request`] / [`Actor::sees_organization`].
//!   Something out of reach is "not found" (404), so its existence does not
//!   leak; something in sight that the actor may not change is 403.
//!
//! Working a request (editing it, taking lifecycle actions, messages, work
//! logs, attachments, visits) needs more than seeing it: [`Actor::may_work`].
//! The rules, and why, are in `docs/design.md` ("Access in the app layer");
//! the README has them as a table ("Who may do what").

use crate::AppError;
use fuwu_core::Role;
use fuwu_store::Conn;
use fuwu_store::directory::{self as dir, OrgReach};
use fuwu_store::requests::{Request, RequestFilter};

/// What an API token allows, whatever the user's role would allow.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Scope {
    Read,
    Write,
    Admin,
}

impl Scope {
    pub fn parse(s: &str) -> Option<Scope> {
        match s {
            "read" => Some(Scope::Read),
            "write" => Some(Scope::Write),
            "admin" => Some(Scope::Admin),
            _ => None,
        }
    }
}

/// A kind of act a use case needs the actor to be entitled to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Capability {
    /// Take in a new request.
    CreateRequests,
    /// Change a request's details (title, level, system …).
    EditRequests,
    /// Read and write internal notes, the work log and the full history.
    SeeInternal,
    /// Record time spent on a request.
    LogWork,
    /// Request and record on-site visits.
    RecordVisits,
    /// Keep the customer archive current: organizations, contacts, systems.
    KeepDirectory,
    /// Read contracts (of the organizations in reach).
    ReadContracts,
    /// Read the service provider's own directory: users, teams, SLA policies.
    ReadStaffDirectory,
    /// Write knowledge-base articles and draft them from requests.
    WriteKnowledge,
    /// Draft and edit fault reports (故障报告) and submit them for review:
    /// the engineers (L2) who handled the fault, SPEC §1.
    WriteFaultReports,
    /// Review fault reports (approve or return) and deliver them to the
    /// customer: project leaders and administrators, SPEC §1.
    ReviewFaultReports,
    /// Read service reports (SLA attainment) of the organizations in reach:
    /// a customer admin its own organization's (SPEC §1 "sees its reports"),
    /// a customer user none.
    ReadReports,
    /// Import requests with their history and original timestamps (a
    /// migration from another service desk). Administrators only — it writes
    /// the past, which attainment reports are made of — but a write-scoped
    /// token of an administrator is enough, so an import script need not
    /// hold an admin-scope token.
    ImportRequests,
    /// Users, teams, contracts, password resets, others' tokens, the audit log.
    Administer,
}

impl Capability {
    /// The least token scope this capability needs.
    fn scope(self) -> Scope {
        match self {
            Capability::SeeInternal
            | Capability::ReadContracts
            | Capability::ReadStaffDirectory
            | Capability::ReadReports => Scope::Read,
            Capability::Administer => Scope::Admin,
            _ => Scope::Write,
        }
    }

    fn describe(self) -> &'static str {
        match self {
            Capability::CreateRequests => "create requests",
            Capability::EditRequests => "edit requests",
            Capability::SeeInternal => "see or write internal notes",
            Capability::LogWork => "log work",
            Capability::RecordVisits => "record on-site visits",
            Capability::KeepDirectory => "change the customer archive",
            Capability::ReadContracts => "read contracts",
            Capability::ReadStaffDirectory => "read users, teams and SLA policies",
            Capability::WriteKnowledge => "write knowledge-base articles",
            Capability::WriteFaultReports => "write fault reports",
            Capability::ReviewFaultReports => "review or deliver fault reports",
            Capability::ReadReports => "read service reports",
            Capability::ImportRequests => "import requests with their history",
            Capability::Administer => "administer the service desk",
        }
    }
}

/// Which roles hold which capability: the whole table.
pub const fn allows(role: Role, cap: Capability) -> bool {
    use Capability::*;
    use Role::*;
    match cap {
        CreateRequests => matches!(
            role,
            CustomerUser | CustomerAdmin | Agent | Engineer | ProjectLeader | Admin
        ),
        EditRequests | SeeInternal | LogWork | RecordVisits | ReadStaffDirectory => {
            matches!(role, Agent | Engineer | ProjectLeader | Admin | System)
        }
        KeepDirectory => matches!(role, Agent | Engineer | Admin),
        ReadContracts => matches!(
            role,
            CustomerAdmin | Agent | Engineer | ProjectLeader | Admin
        ),
        WriteKnowledge => matches!(role, Agent | Engineer | ProjectLeader | Admin),
        WriteFaultReports => matches!(role, Engineer | ProjectLeader | Admin),
        ReviewFaultReports => matches!(role, ProjectLeader | Admin),
        ReadReports => matches!(role, CustomerAdmin | Agent | Engineer | Admin | System),
        ImportRequests | Administer => matches!(role, Admin),
    }
}

/// How far an actor sees: which organizations' records and which requests.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reach {
    /// Everything (agents, engineers, administrators, the scheduler).
    All,
    /// One organization: a customer's own.
    Organization(i64),
    /// The organizations with a contract this project leader leads, and the
    /// requests under those contracts.
    ContractsLedBy(i64),
    /// Only the requests handed to (assigned to) this third-party engineer;
    /// no directory at all.
    HandedTo(i64),
    /// Nothing: a customer account without an organization.
    Nothing,
}

/// The user on whose behalf a use case runs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor {
    pub user_id: i64,
    pub role: Role,
    pub organization_id: Option<i64>,
    pub team_id: Option<i64>,
    pub scope: Scope,
    pub display_name: String,
}

/// What a request list gets when the caller's own filter lies outside their reach.
pub enum Narrowed {
    Filter,
    Empty,
}

impl Actor {
    /// Whoever runs the command line on the server: full rights, as having
    /// the database at hand gives them anyway. Not a stored user.
    pub fn operator() -> Actor {
        Actor {
            user_id: 0,
            role: Role::Admin,
            organization_id: None,
            team_id: None,
            scope: Scope::Admin,
            display_name: "operator (command line)".to_owned(),
        }
    }

    /// Whether the role holds `cap` (whatever the token's scope).
    pub fn has(&self, cap: Capability) -> bool {
        allows(self.role, cap)
    }

    /// The role must hold `cap` and the token's scope must reach its level: 403 otherwise.
    pub fn require(&self, cap: Capability) -> Result<(), AppError> {
        if !self.has(cap) {
            return Err(AppError::Forbidden(cap.describe()));
        }
        if self.scope < cap.scope() {
            return Err(AppError::Forbidden(match cap.scope() {
                Scope::Admin => "administer with a token without the admin scope",
                _ => "write with a read-only token",
            }));
        }
        Ok(())
    }

    pub fn require_write(&self) -> Result<(), AppError> {
        if self.scope >= Scope::Write {
            Ok(())
        } else {
            Err(AppError::Forbidden("write with a read-only token"))
        }
    }

    /// Administer (`what` says what, for the 403's message): the admin role with an admin-scope token.
    pub fn require_admin(&self, what: &'static str) -> Result<(), AppError> {
        if self.is_admin() {
            Ok(())
        } else {
            Err(AppError::Forbidden(what))
        }
    }

    pub fn is_admin(&self) -> bool {
        self.has(Capability::Administer) && self.scope == Scope::Admin
    }

    /// Whether internal notes, work logs and the full history are shown.
    pub fn sees_internal(&self) -> bool {
        self.has(Capability::SeeInternal)
    }

    /// How far this actor sees.
    pub fn reach(&self) -> Reach {
        match self.role {
            Role::CustomerUser | Role::CustomerAdmin => self
                .organization_id
                .map_or(Reach::Nothing, Reach::Organization),
            Role::ThirdParty => Reach::HandedTo(self.user_id),
            Role::ProjectLeader => Reach::ContractsLedBy(self.user_id),
            Role::Agent | Role::Engineer | Role::Admin | Role::System => Reach::All,
        }
    }

    /// Whether this actor may see the request at all. A request out of reach
    /// is reported as not found, so its existence does not leak.
    pub async fn may_read_request(&self, c: &mut Conn<'_>, r: &Request) -> Result<bool, AppError> {
        let leader = match (self.reach(), r.contract_id) {
            (Reach::ContractsLedBy(_), Some(k)) => dir::contract_leader(c, k).await?,
            _ => None,
        };
        Ok(self.may_read_request_led_by(r, leader))
    }

    /// [`Actor::may_read_request`] with the project leader of the request's
    /// contract already at hand (`None`: no contract, or no leader).
    pub fn may_read_request_led_by(&self, r: &Request, leader: Option<i64>) -> bool {
        match self.reach() {
            Reach::All => true,
            Reach::Organization(o) => r.organization_id == o,
            Reach::HandedTo(u) => r.assignee_id == Some(u),
            Reach::ContractsLedBy(u) => r.contract_id.is_some() && leader == Some(u),
            Reach::Nothing => false,
        }
    }

    /// Whether this actor may work a request it can see: change it, act on
    /// it, write to it. Agents are the service desk (intake, dispatch,
    /// revisit and closing of every request, SPEC §6); engineers work their
    /// team's queue, what is assigned to them and the requests they are sent
    /// on site for; customers the requests of their organization (a phone
    /// intake names the caller as a contact, not as a user, so "raised by
    /// me" cannot be told reliably); project leaders
    /// everything under their contracts; a third-party engineer what is
    /// handed to them.
    pub async fn may_work(&self, c: &mut Conn<'_>, r: &Request) -> Result<bool, AppError> {
        Ok(match self.role {
            Role::Engineer => {
                r.assignee_id == Some(self.user_id)
                    || (r.team_id.is_some() && r.team_id == self.team_id)
                    || fuwu_store::requests::list_visits(c, r.id)
                        .await?
                        .iter()
                        .any(|v| v.engineer_id == Some(self.user_id))
            }
            Role::CustomerUser
            | Role::CustomerAdmin
            | Role::Agent
            | Role::ThirdParty
            | Role::ProjectLeader
            | Role::Admin
            | Role::System => true,
        })
    }

    /// Narrow a list filter to this actor's reach, in SQL. A filter the
    /// caller set that lies outside the reach makes the list empty.
    pub fn narrow_requests(&self, filter: &mut RequestFilter) -> Narrowed {
        match self.reach() {
            Reach::All => {}
            Reach::Organization(o) => {
                if filter.organization_id.is_some_and(|f| f != o) {
                    return Narrowed::Empty;
                }
                filter.organization_id = Some(o);
            }
            Reach::HandedTo(u) => {
                if filter.assignee_id.is_some_and(|f| f != u) || filter.unassigned {
                    return Narrowed::Empty;
                }
                filter.assignee_id = Some(u);
            }
            Reach::ContractsLedBy(u) => filter.contract_leader_id = Some(u),
            Reach::Nothing => return Narrowed::Empty,
        }
        Narrowed::Filter
    }

    /// The reach of a directory list (organizations, contacts, systems,
    /// contracts), with the caller's own organization filter folded in.
    /// A customer asking for another organization gets 404; a third party
    /// reads no directory (403).
    pub fn org_reach(&self, requested: Option<i64>) -> Result<OrgReach, AppError> {
        match self.reach() {
            Reach::All => Ok(OrgReach {
                organization_id: requested,
                leader_id: None,
            }),
            Reach::Organization(own) => {
                if requested.is_some_and(|r| r != own) {
                    return Err(AppError::NotFound {
                        what: "organization",
                    });
                }
                Ok(OrgReach {
                    organization_id: Some(own),
                    leader_id: None,
                })
            }
            Reach::ContractsLedBy(u) => Ok(OrgReach {
                organization_id: requested,
                leader_id: Some(u),
            }),
            Reach::HandedTo(_) | Reach::Nothing => Err(AppError::Forbidden("read the directory")),
        }
    }

    /// Whether this actor may see an organization's records (its archive,
    /// contacts, systems).
    pub async fn sees_organization(
        &self,
        c: &mut Conn<'_>,
        organization_id: i64,
    ) -> Result<bool, AppError> {
        Ok(match self.reach() {
            Reach::All => true,
            Reach::Organization(o) => o == organization_id,
            Reach::ContractsLedBy(u) => dir::leads_organization(c, u, organization_id).await?,
            Reach::HandedTo(_) | Reach::Nothing => false,
        })
    }

    /// Whether this actor may see a contract.
    pub fn sees_contract(&self, k: &dir::Contract) -> bool {
        match self.reach() {
            Reach::All => true,
            Reach::Organization(o) => o == k.organization_id,
            Reach::ContractsLedBy(u) => k.project_leader_id == Some(u),
            Reach::HandedTo(_) | Reach::Nothing => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn actor(role: Role, org: Option<i64>, team: Option<i64>) -> Actor {
        Actor {
            user_id: 7,
            role,
            organization_id: org,
            team_id: team,
            scope: Scope::Write,
            display_name: "x".into(),
        }
    }

    #[test]
    fn only_staff_see_internal_notes_and_only_admins_administer() {
        for r in Role::ALL {
            let a = actor(*r, None, None);
            assert_eq!(a.sees_internal(), r.is_staff(), "{r}");
            assert_eq!(a.has(Capability::Administer), *r == Role::Admin, "{r}");
        }
    }

    #[test]
    fn a_customer_admin_reads_reports_and_a_customer_user_does_not() {
        let admin = actor(Role::CustomerAdmin, Some(1), None);
        let user = actor(Role::CustomerUser, Some(1), None);
        assert!(admin.require(Capability::ReadReports).is_ok());
        assert!(matches!(
            user.require(Capability::ReadReports),
            Err(AppError::Forbidden(_))
        ));
        // Otherwise the two are alike: the same reach, no internal notes.
        assert_eq!(admin.reach(), user.reach());
        assert!(!admin.sees_internal() && !user.sees_internal());
        let mut read_only = admin.clone();
        read_only.scope = Scope::Read;
        assert!(
            read_only.require(Capability::ReadReports).is_ok(),
            "a read token suffices"
        );
    }

    #[test]
    fn a_read_only_token_cannot_create_even_when_the_role_may() {
        let mut a = actor(Role::Agent, None, None);
        assert!(a.require(Capability::CreateRequests).is_ok());
        a.scope = Scope::Read;
        assert!(a.require(Capability::CreateRequests).is_err());
        assert!(a.require(Capability::ReadStaffDirectory).is_ok());
    }

    #[test]
    fn an_admin_with_a_write_token_does_not_administer() {
        let a = actor(Role::Admin, None, None);
        assert!(a.require(Capability::Administer).is_err());
    }

    #[test]
    fn a_customer_listing_another_organization_gets_an_empty_list() {
        let a = actor(Role::CustomerUser, Some(1), None);
        let mut f = RequestFilter {
            organization_id: Some(2),
            ..Default::default()
        };
        assert!(matches!(a.narrow_requests(&mut f), Narrowed::Empty));
        let mut f = RequestFilter::default();
        assert!(matches!(a.narrow_requests(&mut f), Narrowed::Filter));
        assert_eq!(f.organization_id, Some(1));
    }

    #[test]
    fn a_third_party_list_is_held_to_what_is_handed_to_it() {
        let a = actor(Role::ThirdParty, None, None);
        let mut f = RequestFilter::default();
        assert!(matches!(a.narrow_requests(&mut f), Narrowed::Filter));
        assert_eq!(f.assignee_id, Some(7));
        let mut f = RequestFilter {
            unassigned: true,
            ..Default::default()
        };
        assert!(matches!(a.narrow_requests(&mut f), Narrowed::Empty));
    }

    #[test]
    fn a_project_leader_list_is_held_to_their_contracts() {
        let a = actor(Role::ProjectLeader, None, None);
        let mut f = RequestFilter::default();
        assert!(matches!(a.narrow_requests(&mut f), Narrowed::Filter));
        assert_eq!(f.contract_leader_id, Some(7));
        assert_eq!(a.org_reach(Some(3)).unwrap().leader_id, Some(7));
    }

    #[test]
    fn a_third_party_reads_no_directory_and_a_customer_no_other_organization() {
        assert!(matches!(
            actor(Role::ThirdParty, None, None).org_reach(None),
            Err(AppError::Forbidden(_))
        ));
        assert!(matches!(
            actor(Role::CustomerAdmin, Some(1), None).org_reach(Some(2)),
            Err(AppError::NotFound { .. })
        ));
    }
}
