//! Whole lists a page needs for names and choices (employees, departments, site zones),
//! read through [`all_pages`] with the viewer's scope.

use std::collections::HashMap;

use attend_protocol::ids::{DepartmentId, EmployeeId, SiteId};

use super::session::Viewer;
use crate::http::AppState;
use crate::platform::error::Error;
use crate::storage::{Department, Employee, all_pages};

/// The employees the viewer may see, by name.
pub async fn employees(state: &AppState, viewer: &Viewer) -> Result<Vec<Employee>, Error> {
    let (scope, depts) = (viewer.auth.scope(), viewer.auth.departments());
    let mut people = all_pages(|page| {
        let (store, depts) = (state.store.clone(), depts.clone());
        async move { store.list_employees(scope, &depts, &page).await }
    })
    .await?;
    people.sort_by(|a, b| a.display_name.cmp(&b.display_name));
    Ok(people)
}

pub fn names(people: &[Employee]) -> HashMap<EmployeeId, String> {
    people
        .iter()
        .map(|e| (e.id, e.display_name.clone()))
        .collect()
}

/// The departments of the viewer's organisation(s), by name.
pub async fn departments(state: &AppState, viewer: &Viewer) -> Result<Vec<Department>, Error> {
    let scope = viewer.auth.scope();
    let mut all = all_pages(|page| {
        let store = state.store.clone();
        async move { store.list_departments(scope, &page).await }
    })
    .await?;
    all.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(all)
}

pub fn department_names(all: &[Department]) -> HashMap<DepartmentId, String> {
    all.iter().map(|d| (d.id, d.name.clone())).collect()
}

/// Each visible site's time zone, for showing times on that site's wall clock.
pub async fn site_zones(
    state: &AppState,
    viewer: &Viewer,
) -> Result<HashMap<SiteId, String>, Error> {
    let scope = viewer.auth.scope();
    let sites = all_pages(|page| {
        let store = state.store.clone();
        async move { store.list_sites(scope, &page).await }
    })
    .await?;
    Ok(sites.into_iter().map(|s| (s.id, s.timezone)).collect())
}
