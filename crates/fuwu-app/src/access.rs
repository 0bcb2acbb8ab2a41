//! Who is acting, and what they may see and do. Every use case asks here;
//! the web layer never decides access on its own. The identity work will
//! deepen these rules (teams, project leaders' contracts); the seams are here.

use crate::AppError;
use fuwu_core::Role;
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

    pub fn require_write(&self) -> Result<(), AppError> {
        if self.scope >= Scope::Write {
            Ok(())
        } else {
            Err(AppError::Forbidden("write with a read-only token"))
        }
    }

    pub fn require_staff(&self, what: &'static str) -> Result<(), AppError> {
        if self.role.is_staff() {
            Ok(())
        } else {
            Err(AppError::Forbidden(what))
        }
    }

    pub fn require_admin(&self, what: &'static str) -> Result<(), AppError> {
        if self.role == Role::Admin && self.scope == Scope::Admin {
            Ok(())
        } else {
            Err(AppError::Forbidden(what))
        }
    }

    /// Whether this actor may see the request at all. A request the actor may
    /// not see is reported as not found, so its existence does not leak.
    pub fn can_see_request(&self, r: &Request) -> bool {
        match self.role {
            Role::CustomerUser | Role::CustomerAdmin => {
                self.organization_id == Some(r.organization_id)
            }
            Role::ThirdParty => r.assignee_id == Some(self.user_id),
            _ => true,
        }
    }

    /// Whether internal notes, work logs and the full history are shown.
    pub fn sees_internal(&self) -> bool {
        self.role.is_staff()
    }

    /// Narrow a list filter to what this actor may see.
    pub fn scope_filter(&self, filter: &mut RequestFilter) -> Result<(), AppError> {
        match self.role {
            Role::CustomerUser | Role::CustomerAdmin => {
                let org = self
                    .organization_id
                    .ok_or(AppError::Forbidden("list requests without an organization"))?;
                filter.organization_id = Some(org);
            }
            Role::ThirdParty => filter.assignee_id = Some(self.user_id),
            _ => {}
        }
        Ok(())
    }

    /// Whether this actor may see an organization's records.
    pub fn can_see_organization(&self, organization_id: i64) -> bool {
        if self.role.is_customer() {
            self.organization_id == Some(organization_id)
        } else {
            self.role != Role::ThirdParty
        }
    }
}
