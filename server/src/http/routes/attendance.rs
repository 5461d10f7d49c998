//! Attendance set-up and results: a site's pay policy, shift patterns, employees' schedules,
//! and the computed hours of one employee over a range of work dates.

use attend_engine::RulesError;
use attend_protocol::ids::{EmployeeId, ShiftId, SiteId};
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use jiff::ToSpan as _;
use jiff::civil::{Date, Time, Weekday};
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};

use crate::attendance::{AttendanceReport, MAX_RANGE_DAYS, report};
use crate::http::AppState;
use crate::platform::error::{AppResult, Error};
use crate::platform::extract::{ApiJson, ApiPath, ApiQuery};
use crate::platform::validate::Check;
use crate::http::session::{ADMINS, AuthUser, STAFF};
use crate::storage::{Assignment, NewShift, Policy, Role, Shift};

/// Longest range one schedule change may cover.
const MAX_SCHEDULE_DAYS: i32 = 366;

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateShift {
    pub site_id: SiteId,
    pub name: String,
    /// `HH:MM` on the site's wall clock.
    pub start: String,
    /// `HH:MM`; not after `start` means the shift ends the next day.
    pub end: String,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SetSchedule {
    #[schema(value_type = String, format = Date)]
    pub from: Date,
    #[schema(value_type = String, format = Date)]
    pub to: Date,
    /// Only these weekdays (`monday` … `sunday`); every day when absent.
    pub weekdays: Option<Vec<String>>,
    /// The shift to work, or `null` to clear those dates.
    pub shift_id: Option<ShiftId>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct DateRange {
    /// First work date, `YYYY-MM-DD`.
    #[param(value_type = String, format = Date)]
    pub from: Date,
    /// Last work date (inclusive).
    #[param(value_type = String, format = Date)]
    pub to: Date,
}

fn parse_time(check: &mut Check, field: &str, text: &str) -> Option<Time> {
    let parsed = Time::strptime("%H:%M", text.trim()).ok();
    if parsed.is_none() {
        check.fail(field, "must be a time as HH:MM, e.g. 07:30");
    }
    parsed
}

fn parse_weekday(name: &str) -> Option<Weekday> {
    Some(match name.trim().to_ascii_lowercase().as_str() {
        "monday" => Weekday::Monday,
        "tuesday" => Weekday::Tuesday,
        "wednesday" => Weekday::Wednesday,
        "thursday" => Weekday::Thursday,
        "friday" => Weekday::Friday,
        "saturday" => Weekday::Saturday,
        "sunday" => Weekday::Sunday,
        _ => return None,
    })
}

fn check_range(from: Date, to: Date, max_days: i32) -> AppResult<()> {
    if to < from {
        return Err(Error::field("to", "must not be before `from`"));
    }
    if from
        .checked_add(max_days.days())
        .is_ok_and(|limit| to >= limit)
    {
        return Err(Error::field(
            "to",
            format!("at most {max_days} days after `from`"),
        ));
    }
    Ok(())
}

/// Employees may see their own schedule and hours and nobody else's.
fn require_self_or_staff(caller: &AuthUser, id: EmployeeId) -> AppResult<()> {
    if caller.user.role == Role::Employee {
        return if caller.user.employee_id == Some(id) {
            Ok(())
        } else {
            Err(Error::NotFound)
        };
    }
    caller.require(STAFF)
}

#[utoipa::path(get, path = "/api/v1/sites/{id}/policy", tag = "attendance", security(("bearer" = [])),
    responses((status = 200, body = Policy, description = "the defaults when none was set")))]
pub async fn get_policy(
    State(state): State<AppState>,
    caller: AuthUser,
    ApiPath(id): ApiPath<SiteId>,
) -> AppResult<Json<Policy>> {
    caller.require(STAFF)?;
    Ok(Json(state.store.site_policy(caller.scope(), id).await?))
}

#[utoipa::path(put, path = "/api/v1/sites/{id}/policy", tag = "attendance", security(("bearer" = [])), request_body = Policy,
    responses((status = 200, body = Policy), (status = 422, body = attend_protocol::error::ErrorBody)))]
pub async fn set_policy(
    State(state): State<AppState>,
    caller: AuthUser,
    ApiPath(id): ApiPath<SiteId>,
    ApiJson(policy): ApiJson<Policy>,
) -> AppResult<Json<Policy>> {
    caller.require(ADMINS)?;
    if let Err(e) = policy.rules(jiff::tz::TimeZone::UTC).validate() {
        let field = match e {
            RulesError::RoundingIncrement(_) => "rounding.increment_minutes",
            RulesError::MaxOpenHours(_) => "max_open_hours",
            RulesError::Grace => "grace_late_minutes",
        };
        return Err(Error::field(field, e.to_string()));
    }
    Ok(Json(
        state
            .store
            .set_site_policy(&caller.audit(), caller.scope(), id, policy)
            .await?,
    ))
}

#[utoipa::path(post, path = "/api/v1/shifts", tag = "attendance", security(("bearer" = [])), request_body = CreateShift,
    responses((status = 201, body = Shift), (status = 409, body = attend_protocol::error::ErrorBody), (status = 422, body = attend_protocol::error::ErrorBody)))]
pub async fn create_shift(
    State(state): State<AppState>,
    caller: AuthUser,
    ApiJson(req): ApiJson<CreateShift>,
) -> AppResult<(StatusCode, Json<Shift>)> {
    caller.require(ADMINS)?;
    let mut check = Check::default();
    check.text("name", &req.name, 1, 60);
    let start = parse_time(&mut check, "start", &req.start);
    let end = parse_time(&mut check, "end", &req.end);
    if start.is_some() && start == end {
        check.fail("end", "must differ from `start`");
    }
    check.finish()?;
    let (Some(start), Some(end)) = (start, end) else {
        return Err(Error::field("start", "must be a time as HH:MM"));
    };
    let site = state
        .store
        .get_site(caller.scope(), req.site_id)
        .await
        .map_err(|_| Error::field("site_id", "does not exist"))?;
    let new = NewShift {
        org_id: site.org_id,
        site_id: site.id,
        name: req.name.trim().to_owned(),
        start,
        end,
    };
    Ok((
        StatusCode::CREATED,
        Json(state.store.create_shift(&caller.audit(), new).await?),
    ))
}

#[utoipa::path(get, path = "/api/v1/shifts", tag = "attendance", security(("bearer" = [])), responses((status = 200, body = Vec<Shift>)))]
pub async fn list_shifts(
    State(state): State<AppState>,
    caller: AuthUser,
) -> AppResult<Json<Vec<Shift>>> {
    caller.require(STAFF)?;
    Ok(Json(state.store.list_shifts(caller.scope()).await?))
}

#[utoipa::path(delete, path = "/api/v1/shifts/{id}", tag = "attendance", security(("bearer" = [])),
    responses((status = 204, description = "no longer assignable; past assignments stay")))]
pub async fn delete_shift(
    State(state): State<AppState>,
    caller: AuthUser,
    ApiPath(id): ApiPath<ShiftId>,
) -> AppResult<StatusCode> {
    caller.require(ADMINS)?;
    state
        .store
        .delete_shift(&caller.audit(), caller.scope(), id)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(put, path = "/api/v1/employees/{id}/schedule", tag = "attendance", security(("bearer" = [])), request_body = SetSchedule,
    responses((status = 200, body = Vec<Assignment>, description = "the schedule of the range afterwards")))]
pub async fn set_schedule(
    State(state): State<AppState>,
    caller: AuthUser,
    ApiPath(id): ApiPath<EmployeeId>,
    ApiJson(req): ApiJson<SetSchedule>,
) -> AppResult<Json<Vec<Assignment>>> {
    caller.require(STAFF)?;
    check_range(req.from, req.to, MAX_SCHEDULE_DAYS)?;
    let weekdays = match &req.weekdays {
        None => None,
        Some(names) => {
            let parsed: Option<Vec<Weekday>> = names.iter().map(|n| parse_weekday(n)).collect();
            match parsed {
                Some(days) if !days.is_empty() => Some(days),
                _ => {
                    return Err(Error::field(
                        "weekdays",
                        "must be weekday names, e.g. [\"monday\", \"friday\"]",
                    ));
                }
            }
        }
    };
    let dates: Vec<Date> = req
        .from
        .series(1.day())
        .take_while(|d| *d <= req.to)
        .filter(|d| weekdays.as_ref().is_none_or(|w| w.contains(&d.weekday())))
        .collect();
    let (scope, depts) = (caller.scope(), caller.departments());
    state
        .store
        .assign_shift(&caller.audit(), scope, &depts, id, dates, req.shift_id)
        .await?;
    Ok(Json(
        state
            .store
            .schedule(scope, &depts, id, req.from, req.to)
            .await?,
    ))
}

#[utoipa::path(get, path = "/api/v1/employees/{id}/schedule", tag = "attendance", security(("bearer" = [])), params(DateRange),
    responses((status = 200, body = Vec<Assignment>)))]
pub async fn get_schedule(
    State(state): State<AppState>,
    caller: AuthUser,
    ApiPath(id): ApiPath<EmployeeId>,
    ApiQuery(q): ApiQuery<DateRange>,
) -> AppResult<Json<Vec<Assignment>>> {
    require_self_or_staff(&caller, id)?;
    check_range(q.from, q.to, MAX_SCHEDULE_DAYS)?;
    Ok(Json(
        state
            .store
            .schedule(caller.scope(), &caller.departments(), id, q.from, q.to)
            .await?,
    ))
}

#[utoipa::path(get, path = "/api/v1/employees/{id}/attendance", tag = "attendance", security(("bearer" = [])), params(DateRange),
    responses((status = 200, body = AttendanceReport, description = "hours per work date from the synced punches, shifts and the site's policy")))]
pub async fn get_attendance(
    State(state): State<AppState>,
    caller: AuthUser,
    ApiPath(id): ApiPath<EmployeeId>,
    ApiQuery(q): ApiQuery<DateRange>,
) -> AppResult<Json<AttendanceReport>> {
    require_self_or_staff(&caller, id)?;
    check_range(q.from, q.to, MAX_RANGE_DAYS)?;
    let now = jiff::Timestamp::now();
    Ok(Json(
        report(
            &state.store,
            caller.scope(),
            &caller.departments(),
            id,
            q.from,
            q.to,
            now,
        )
        .await?,
    ))
}
