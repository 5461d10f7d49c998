//! The reports JSON API: the payroll rows of one pay period as JSON or as a CSV download and
//! labour cost (heavy tier), and pay rates.

use attend_protocol::ids::DepartmentId;
use axum::Json;
use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use jiff::civil::Date;
use serde::Deserialize;
use utoipa::IntoParams;

use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::PayRate;
use super::labour::LabourCost;
use super::payroll::{PayrollRow, payroll_csv};
use super::service::SetPayRate;
use crate::access::Caller;
use crate::app::state::AppState;
use crate::platform::error::{AppResult, Error};
use crate::platform::extract::{ApiJson, ApiPath, ApiQuery};

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(pay_rates, set_pay_rate))
}

/// Routes in the heavy rate-limit tier.
pub fn heavy_routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(payroll_json))
        .routes(routes!(payroll_download))
        .routes(routes!(labour_cost))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct PayrollQuery {
    /// Any date in the pay period, `YYYY-MM-DD`.
    #[param(value_type = String, format = Date)]
    pub date: Date,
    /// Only this department.
    pub department_id: Option<DepartmentId>,
}

#[utoipa::path(get, path = "/api/v1/reports/payroll", tag = "reports", security(("bearer" = [])), params(PayrollQuery),
    responses((status = 200, body = Vec<PayrollRow>, description = "one row per active employee in scope, by employee number")))]
pub async fn payroll_json(
    State(app): State<AppState>,
    caller: Caller,
    ApiQuery(q): ApiQuery<PayrollQuery>,
) -> AppResult<Json<Vec<PayrollRow>>> {
    Ok(Json(
        app.reports
            .payroll(&caller, q.date, q.department_id)
            .await?,
    ))
}

#[utoipa::path(get, path = "/api/v1/reports/payroll.csv", tag = "reports", security(("bearer" = [])), params(PayrollQuery),
    responses((status = 200, content_type = "text/csv", description = "employee_number, name, department, period, timesheet status, regular / overtime / leave / machine / paid hours (decimal)")))]
pub async fn payroll_download(
    State(app): State<AppState>,
    caller: Caller,
    ApiQuery(q): ApiQuery<PayrollQuery>,
) -> AppResult<Response> {
    let rows = app
        .reports
        .payroll(&caller, q.date, q.department_id)
        .await?;
    csv_response(&rows, q.date)
}

/// The payroll CSV as a download named after its period (the dashboard serves it too).
pub(super) fn csv_response(rows: &[PayrollRow], date: Date) -> AppResult<Response> {
    let body = payroll_csv(rows).map_err(|e| Error::Internal(e.into()))?;
    let name = rows.first().map_or_else(
        || format!("payroll-{date}.csv"),
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
#[into_params(parameter_in = Query)]
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
    responses((status = 200, body = LabourCost, description = "cost per period and department, the next period's forecast and its held-out error")))]
pub async fn labour_cost(
    State(app): State<AppState>,
    caller: Caller,
    ApiQuery(q): ApiQuery<LabourQuery>,
) -> AppResult<Json<LabourCost>> {
    let history = q.history.unwrap_or(8);
    let report = app
        .reports
        .labour_cost(&caller, q.org_id, q.date, history)
        .await?;
    Ok(Json(report))
}

#[utoipa::path(put, path = "/api/v1/employees/{id}/pay-rates", tag = "reports", security(("bearer" = [])), request_body = SetPayRate,
    responses((status = 200, body = Vec<PayRate>, description = "all of the employee's rates, oldest first")))]
pub async fn set_pay_rate(
    State(app): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<attend_protocol::ids::EmployeeId>,
    ApiJson(req): ApiJson<SetPayRate>,
) -> AppResult<Json<Vec<PayRate>>> {
    Ok(Json(app.reports.set_pay_rate(&caller, id, req).await?))
}

#[utoipa::path(get, path = "/api/v1/employees/{id}/pay-rates", tag = "reports", security(("bearer" = [])),
    responses((status = 200, body = Vec<PayRate>)))]
pub async fn pay_rates(
    State(app): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<attend_protocol::ids::EmployeeId>,
) -> AppResult<Json<Vec<PayRate>>> {
    Ok(Json(app.reports.pay_rates(&caller, id).await?))
}
