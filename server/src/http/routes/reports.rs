//! Reports (heavy tier): the payroll rows of one pay period as JSON or as a CSV download.

use attend_protocol::ids::DepartmentId;
use axum::Json;
use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use jiff::civil::Date;
use serde::Deserialize;
use utoipa::IntoParams;

use crate::http::AppState;
use crate::platform::error::{AppResult, Error};
use crate::platform::extract::ApiQuery;
use crate::http::session::{ADMINS, AuthUser, STAFF};
use crate::reports::{PayrollRow, payroll_csv, payroll_with_sheets};
use crate::timesheet::{Caller, TimesheetView};

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct PayrollQuery {
    /// Any date in the pay period, `YYYY-MM-DD`.
    #[param(value_type = String, format = Date)]
    pub date: Date,
    /// Only this department.
    pub department_id: Option<DepartmentId>,
}

async fn rows(state: &AppState, caller: &AuthUser, q: &PayrollQuery) -> AppResult<Vec<PayrollRow>> {
    let sheets = payroll_sheets(state, caller, q).await?;
    Ok(sheets.into_iter().map(|(row, _)| row).collect())
}

/// The payroll rows with their timesheets, for staff only (the dashboard's report page draws
/// the days from the same timesheets the rows were summed from).
pub async fn payroll_sheets(
    state: &AppState,
    caller: &AuthUser,
    q: &PayrollQuery,
) -> AppResult<Vec<(PayrollRow, TimesheetView)>> {
    caller.require(STAFF)?;
    let who = Caller {
        scope: caller.scope(),
        depts: caller.departments(),
        employee_id: None,
        reviewer: true,
        audit: caller.audit(),
    };
    Ok(payroll_with_sheets(
        &state.store,
        &who,
        q.date,
        q.department_id,
        jiff::Timestamp::now(),
    )
    .await?)
}

#[utoipa::path(get, path = "/api/v1/reports/payroll", tag = "reports", security(("bearer" = [])), params(PayrollQuery),
    responses((status = 200, body = Vec<PayrollRow>, description = "one row per active employee in scope, by employee number")))]
pub async fn payroll_json(
    State(state): State<AppState>,
    caller: AuthUser,
    ApiQuery(q): ApiQuery<PayrollQuery>,
) -> AppResult<Json<Vec<PayrollRow>>> {
    Ok(Json(rows(&state, &caller, &q).await?))
}

#[utoipa::path(get, path = "/api/v1/reports/payroll.csv", tag = "reports", security(("bearer" = [])), params(PayrollQuery),
    responses((status = 200, content_type = "text/csv", description = "employee_number, name, department, period, timesheet status, regular / overtime / leave / machine / paid hours (decimal)")))]
pub async fn payroll_download(
    State(state): State<AppState>,
    caller: AuthUser,
    ApiQuery(q): ApiQuery<PayrollQuery>,
) -> AppResult<Response> {
    let rows = rows(&state, &caller, &q).await?;
    let body = payroll_csv(&rows).map_err(|e| Error::Internal(e.into()))?;
    let name = rows.first().map_or_else(
        || format!("payroll-{}.csv", q.date),
        |r| format!("payroll-{}-{}.csv", r.period.start, r.period.end),
    );
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}\""),
            ),
            (header::CACHE_CONTROL, "private, no-store".to_owned()),
        ],
        body,
    )
        .into_response())
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct LabourQuery {
    /// Any date in the last period to include, `YYYY-MM-DD`.
    #[param(value_type = String, format = Date)]
    pub date: Date,
    /// How many periods of history (2 to 26, default 8).
    pub history: Option<usize>,
    /// For a global account: the organisation.
    pub org_id: Option<attend_protocol::ids::OrgId>,
}

#[utoipa::path(get, path = "/api/v1/reports/labour-cost", tag = "reports", security(("bearer" = [])), params(LabourQuery),
    responses((status = 200, body = crate::reports::labour::LabourCost, description = "cost per period and department, the next period's forecast and its held-out error")))]
pub async fn labour_cost(
    State(state): State<AppState>,
    caller: AuthUser,
    ApiQuery(q): ApiQuery<LabourQuery>,
) -> AppResult<Json<crate::reports::labour::LabourCost>> {
    // Pay is confidential: org admins only.
    caller.require(ADMINS)?;
    let history = q.history.unwrap_or(8);
    if !(2..=26).contains(&history) {
        return Err(Error::field("history", "must be 2 to 26 periods"));
    }
    let org = crate::http::session::target_org(&caller, q.org_id)?;
    let who = Caller {
        scope: caller.scope(),
        depts: caller.departments(),
        employee_id: None,
        reviewer: true,
        audit: caller.audit(),
    };
    let report = crate::reports::labour::labour_cost(
        &state.store,
        &who,
        org,
        q.date,
        history,
        jiff::Timestamp::now(),
    )
    .await?;
    Ok(Json(report))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SetPayRate {
    #[schema(value_type = String, format = Date)]
    pub effective_from: Date,
    pub hourly_cents: u32,
    /// Default 150.
    pub overtime_rate_percent: Option<u32>,
}

#[utoipa::path(put, path = "/api/v1/employees/{id}/pay-rates", tag = "reports", security(("bearer" = [])), request_body = SetPayRate,
    responses((status = 200, body = Vec<crate::storage::PayRate>, description = "all of the employee's rates, oldest first")))]
pub async fn set_pay_rate(
    State(state): State<AppState>,
    caller: AuthUser,
    crate::platform::extract::ApiPath(id): crate::platform::extract::ApiPath<
        attend_protocol::ids::EmployeeId,
    >,
    crate::platform::extract::ApiJson(req): crate::platform::extract::ApiJson<SetPayRate>,
) -> AppResult<Json<Vec<crate::storage::PayRate>>> {
    caller.require(ADMINS)?;
    let percent = req.overtime_rate_percent.unwrap_or(150);
    if !(100..=400).contains(&percent) {
        return Err(Error::field("overtime_rate_percent", "must be 100 to 400"));
    }
    if req.hourly_cents == 0 || req.hourly_cents > 1_000_000 {
        return Err(Error::field("hourly_cents", "must be 1 to 1,000,000"));
    }
    let rate = crate::storage::PayRate {
        employee_id: id,
        effective_from: req.effective_from,
        hourly_cents: req.hourly_cents,
        overtime_rate_percent: percent,
    };
    Ok(Json(
        state
            .store
            .set_pay_rate(&caller.audit(), caller.scope(), &caller.departments(), rate)
            .await?,
    ))
}

#[utoipa::path(get, path = "/api/v1/employees/{id}/pay-rates", tag = "reports", security(("bearer" = [])),
    responses((status = 200, body = Vec<crate::storage::PayRate>)))]
pub async fn pay_rates(
    State(state): State<AppState>,
    caller: AuthUser,
    crate::platform::extract::ApiPath(id): crate::platform::extract::ApiPath<
        attend_protocol::ids::EmployeeId,
    >,
) -> AppResult<Json<Vec<crate::storage::PayRate>>> {
    caller.require(ADMINS)?;
    Ok(Json(
        state
            .store
            .pay_rates(caller.scope(), &caller.departments(), id)
            .await?,
    ))
}
