//! `/api/v1/{organizations,contacts,teams,users,systems,contracts}`: list,
//! create, read and update (with the version you read), and the SLA policies.

use crate::AppState;
use crate::error::{ApiError, ErrorBody};
use crate::extract::{ApiJson, ApiQuery, Auth, Id};
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use fuwu_app::Page;
use fuwu_app::directory::*;
use fuwu_store::directory::{Contact, Contract, Organization, System, Team, User};
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// Paging and the filters the directory lists share.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct DirectoryParams {
    cursor: Option<String>,
    /// 1–200, default 50.
    limit: Option<i64>,
    /// Organizations: part of the name.
    q: Option<String>,
    /// Contacts, systems, contracts, users: of this organization.
    organization_id: Option<i64>,
    /// Contacts: with this phone number (any spelling; it is normalized).
    phone: Option<String>,
    /// Users: with this role.
    role: Option<String>,
    /// Users: in this team.
    team_id: Option<i64>,
}

macro_rules! crud {
    ($m:ident, $tag:literal, $coll:literal, $one:literal, $Row:ty, $Input:ty, $Patch:ty,
     create = $create:ident, update = $update:ident, get = $get:ident,
     list = |$s:ident, $a:ident, $p:ident| $list:expr) => {
        pub(crate) mod $m {
            use super::*;

            #[utoipa::path(get, path = $coll, tag = $tag, params(DirectoryParams),
                responses((status = 200, body = Page<$Row>), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
            pub(crate) async fn list(State($s): State<AppState>, Auth($a): Auth, ApiQuery($p): ApiQuery<DirectoryParams>) -> Result<Json<Page<$Row>>, ApiError> {
                Ok(Json($list))
            }

            #[utoipa::path(post, path = $coll, tag = $tag, request_body = $Input,
                responses((status = 201, body = $Row), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
            pub(crate) async fn create(State(s): State<AppState>, Auth(a): Auth, ApiJson(input): ApiJson<$Input>) -> Result<(StatusCode, Json<$Row>), ApiError> {
                Ok((StatusCode::CREATED, Json(s.app.$create(&a, input).await?)))
            }

            #[utoipa::path(get, path = $one, tag = $tag, params(("id" = i64, Path)),
                responses((status = 200, body = $Row), (status = 404, body = ErrorBody)))]
            pub(crate) async fn get_one(State(s): State<AppState>, Auth(a): Auth, Id(id): Id) -> Result<Json<$Row>, ApiError> {
                Ok(Json(s.app.$get(&a, id).await?))
            }

            #[utoipa::path(patch, path = $one, tag = $tag, params(("id" = i64, Path)), request_body = $Patch,
                responses((status = 200, body = $Row), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
            pub(crate) async fn update(State(s): State<AppState>, Auth(a): Auth, Id(id): Id, ApiJson(p): ApiJson<$Patch>) -> Result<Json<$Row>, ApiError> {
                Ok(Json(s.app.$update(&a, id, p).await?))
            }
        }
    };
}

crud!(
    organizations,
    "directory",
    "/api/v1/organizations",
    "/api/v1/organizations/{id}",
    Organization,
    OrganizationInput,
    OrganizationPatch,
    create = create_organization,
    update = update_organization,
    get = get_organization,
    list = |s, a, p| s.app.list_organizations(&a, p.cursor, p.limit, p.q).await?
);
crud!(
    contacts,
    "directory",
    "/api/v1/contacts",
    "/api/v1/contacts/{id}",
    Contact,
    ContactInput,
    ContactPatch,
    create = create_contact,
    update = update_contact,
    get = get_contact,
    list = |s, a, p| s
        .app
        .list_contacts(&a, p.cursor, p.limit, p.organization_id, p.phone)
        .await?
);
crud!(
    teams,
    "directory",
    "/api/v1/teams",
    "/api/v1/teams/{id}",
    Team,
    TeamInput,
    TeamPatch,
    create = create_team,
    update = update_team,
    get = get_team,
    list = |s, a, p| s.app.list_teams(&a, p.cursor, p.limit).await?
);
crud!(
    users,
    "directory",
    "/api/v1/users",
    "/api/v1/users/{id}",
    User,
    UserInput,
    UserPatch,
    create = create_user,
    update = update_user,
    get = get_user,
    list = |s, a, p| s
        .app
        .list_users(&a, p.cursor, p.limit, p.role, p.team_id, p.organization_id)
        .await?
);
crud!(
    systems,
    "directory",
    "/api/v1/systems",
    "/api/v1/systems/{id}",
    System,
    SystemInput,
    SystemPatch,
    create = create_system,
    update = update_system,
    get = get_system,
    list = |s, a, p| s
        .app
        .list_systems(&a, p.cursor, p.limit, p.organization_id)
        .await?
);
crud!(
    contracts,
    "directory",
    "/api/v1/contracts",
    "/api/v1/contracts/{id}",
    Contract,
    ContractInput,
    ContractPatch,
    create = create_contract,
    update = update_contract,
    get = get_contract,
    list = |s, a, p| s
        .app
        .list_contracts(&a, p.cursor, p.limit, p.organization_id)
        .await?
);

pub(crate) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(organizations::list, organizations::create))
        .routes(routes!(organizations::get_one, organizations::update))
        .routes(routes!(contacts::list, contacts::create))
        .routes(routes!(contacts::get_one, contacts::update))
        .routes(routes!(teams::list, teams::create))
        .routes(routes!(teams::get_one, teams::update))
        .routes(routes!(users::list, users::create))
        .routes(routes!(users::get_one, users::update))
        .routes(routes!(systems::list, systems::create))
        .routes(routes!(systems::get_one, systems::update))
        .routes(routes!(contracts::list, contracts::create))
        .routes(routes!(contracts::get_one, contracts::update))
}
