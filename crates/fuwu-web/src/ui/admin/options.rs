//! The choices of the admin forms' selects (organizations, teams, people)
//! and a chosen one's name in a list.

use super::form::page_id;
use crate::AppState;
use fuwu_app::Actor;

pub(super) async fn org_options(s: &AppState, actor: &Actor) -> Vec<(String, String)> {
    s.app
        .list_organizations(actor, None, Some(200), None)
        .await
        .map(|p| {
            p.items
                .into_iter()
                .map(|o| (o.id.to_string(), o.name))
                .collect()
        })
        .unwrap_or_default()
}

pub(super) async fn team_options(s: &AppState, actor: &Actor) -> Vec<(String, String)> {
    s.app
        .list_teams(actor, None, Some(200))
        .await
        .map(|p| {
            p.items
                .into_iter()
                .map(|t| (t.id.to_string(), t.name))
                .collect()
        })
        .unwrap_or_default()
}

/// The chosen organization among the options even beyond the first 200, so
/// saving a form never drops a value the list did not reach.
pub(super) async fn with_chosen_org(
    s: &AppState,
    actor: &Actor,
    mut options: Vec<(String, String)>,
    chosen: &str,
) -> Vec<(String, String)> {
    if let Some(id) = page_id(chosen)
        && !options.iter().any(|(k, _)| k == chosen)
        && let Ok(o) = s.app.get_organization(actor, id).await
    {
        options.push((chosen.to_owned(), o.name));
    }
    options
}

/// Likewise for a chosen user (a project leader, a team lead).
pub(super) async fn with_chosen_user(
    s: &AppState,
    actor: &Actor,
    mut options: Vec<(String, String)>,
    chosen: &str,
) -> Vec<(String, String)> {
    if let Some(id) = page_id(chosen)
        && !options.iter().any(|(k, _)| k == chosen)
        && let Ok(u) = s.app.get_user(actor, id).await
    {
        options.push((chosen.to_owned(), u.display_name));
    }
    options
}

pub(super) fn name_in(options: &[(String, String)], id: Option<i64>) -> String {
    let Some(id) = id else {
        return String::new();
    };
    let key = id.to_string();
    options
        .iter()
        .find(|(k, _)| *k == key)
        .map_or_else(|| format!("#{id}"), |(_, n)| n.clone())
}
