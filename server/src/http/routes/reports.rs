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
use crate::http::error::{ApiResult, Error};
use crate::http::extract::ApiQuery;
use crate::http::session::AuthUser;
use crate::reports::{PayrollRow, payroll, payroll_csv};
use crate::storage::Role;
use crate::timesheet::Caller;

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct PayrollQuery {
    /// Any date in the pay period, `YYYY-MM-DD`.
    #[param(value_type = String, format = Date)]
    pub date: Date,
    /// Only this department.
    pub department_id: Option<DepartmentId>,
}

async fn rows(state: &AppState, caller: &AuthUser, q: &PayrollQuery) -> ApiResult<Vec<PayrollRow>> {
    caller.require(&[Role::SuperAdmin, Role::OrgAdmin, Role::Manager])?;
    let who = Caller {
        scope: caller.scope(),
        depts: caller.departments(),
        employee_id: None,
        reviewer: true,
        audit: caller.audit(),
    };
    Ok(payroll(
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
) -> ApiResult<Json<Vec<PayrollRow>>> {
    Ok(Json(rows(&state, &caller, &q).await?))
}

#[utoipa::path(get, path = "/api/v1/reports/payroll.csv", tag = "reports", security(("bearer" = [])), params(PayrollQuery),
    responses((status = 200, content_type = "text/csv", description = "employee_number, name, department, period, timesheet status, regular / overtime / leave / machine / paid hours (decimal)")))]
pub async fn payroll_download(
    State(state): State<AppState>,
    caller: AuthUser,
    ApiQuery(q): ApiQuery<PayrollQuery>,
) -> ApiResult<Response> {
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
