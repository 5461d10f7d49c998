//! Equipment management: machines and their activation codes, lockout and out-of-service
//! holds, the live "who is using what" board and the usage history.

use attend_protocol::ids::{EquipmentId, QualificationId, SiteId};
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use jiff::civil::Date;
use jiff::{SignedDuration, Timestamp};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::platform::password;
use crate::http::AppState;
use crate::platform::error::{AppResult, Error};
use crate::platform::extract::{ApiJson, ApiPath, ApiQuery};
use crate::platform::validate::Check;
use crate::http::session::{ADMINS, AuthUser, STAFF};
use crate::storage::{Equipment, EquipmentUpdate, Hold, MachineSession, NewEquipment};

/// Relay channels a kiosk drives (GPIO expanders top out well below this).
const MAX_RELAY: u8 = 31;

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateEquipment {
    pub site_id: SiteId,
    pub name: String,
    pub relay_channel: u8,
    /// 4 to 8 digits, printed on the machine; stored only as a hash.
    pub activation_code: String,
    pub required_qualification_id: Option<QualificationId>,
}

#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PatchEquipment {
    pub name: Option<String>,
    pub relay_channel: Option<u8>,
    /// A qualification id, or `null` for none.
    #[serde(default, deserialize_with = "some")]
    #[schema(value_type = Option<String>)]
    pub required_qualification_id: Option<Option<QualificationId>>,
}

#[allow(clippy::option_option)]
fn some<'de, D: serde::Deserializer<'de>, T: Deserialize<'de>>(
    d: D,
) -> Result<Option<Option<T>>, D::Error> {
    Option::<T>::deserialize(d).map(Some)
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewCode {
    pub activation_code: String,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct HoldReason {
    pub reason: String,
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct UsageQuery {
    /// First day (UTC), `YYYY-MM-DD`.
    #[param(value_type = String, format = Date)]
    pub from: Date,
    /// Last day (UTC), inclusive.
    #[param(value_type = String, format = Date)]
    pub to: Date,
}

/// A machine on the board: its holds and who runs it now.
#[derive(Debug, Serialize, ToSchema)]
pub struct BoardEntry {
    pub equipment: Equipment,
    pub running: Option<MachineSession>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Usage {
    pub sessions: Vec<MachineSession>,
    /// Minutes of the stopped sessions (running ones count once stopped).
    pub machine_minutes: i64,
}

fn check_code(check: &mut Check, code: &str) {
    if !(4..=8).contains(&code.len()) || !code.bytes().all(|b| b.is_ascii_digit()) {
        check.fail("activation_code", "must be 4 to 8 digits");
    }
}

/// A kiosk finds a machine by its code, so two machines of a site must not share one.
async fn code_free(
    state: &AppState,
    site: SiteId,
    except: Option<EquipmentId>,
    code: &str,
) -> AppResult<String> {
    for hash in state.store.site_code_hashes(site, except).await? {
        if password::verify(code.to_owned(), Some(hash)).await {
            return Err(Error::field(
                "activation_code",
                "another machine of this site already uses this code",
            ));
        }
    }
    Ok(password::hash(code.to_owned()).await)
}

#[utoipa::path(post, path = "/api/v1/equipment", tag = "equipment", security(("bearer" = [])), request_body = CreateEquipment,
    responses((status = 201, body = Equipment), (status = 409, body = attend_protocol::error::ErrorBody), (status = 422, body = attend_protocol::error::ErrorBody)))]
pub async fn create_equipment(
    State(state): State<AppState>,
    caller: AuthUser,
    ApiJson(req): ApiJson<CreateEquipment>,
) -> AppResult<(StatusCode, Json<Equipment>)> {
    caller.require(ADMINS)?;
    let mut check = Check::default();
    check.text("name", &req.name, 1, 80);
    check_code(&mut check, &req.activation_code);
    if req.relay_channel > MAX_RELAY {
        check.fail("relay_channel", &format!("must be 0 to {MAX_RELAY}"));
    }
    check.finish()?;
    let site = state
        .store
        .get_site(caller.scope(), req.site_id)
        .await
        .map_err(|_| Error::field("site_id", "does not exist"))?;
    let hash = code_free(&state, site.id, None, &req.activation_code).await?;
    let new = NewEquipment {
        org_id: site.org_id,
        site_id: site.id,
        name: req.name.trim().to_owned(),
        relay_channel: req.relay_channel,
        activation_code_hash: hash,
        required_qualification: req.required_qualification_id,
    };
    let id = state.store.create_equipment(&caller.audit(), new).await?;
    Ok((
        StatusCode::CREATED,
        Json(state.store.get_equipment(caller.scope(), id).await?),
    ))
}

#[utoipa::path(get, path = "/api/v1/equipment", tag = "equipment", security(("bearer" = [])), responses((status = 200, body = Vec<Equipment>)))]
pub async fn list_equipment(
    State(state): State<AppState>,
    caller: AuthUser,
) -> AppResult<Json<Vec<Equipment>>> {
    caller.require(STAFF)?;
    Ok(Json(state.store.list_equipment(caller.scope()).await?))
}

#[utoipa::path(get, path = "/api/v1/equipment/{id}", tag = "equipment", security(("bearer" = [])), responses((status = 200, body = Equipment)))]
pub async fn get_equipment(
    State(state): State<AppState>,
    caller: AuthUser,
    ApiPath(id): ApiPath<EquipmentId>,
) -> AppResult<Json<Equipment>> {
    caller.require(STAFF)?;
    Ok(Json(state.store.get_equipment(caller.scope(), id).await?))
}

#[utoipa::path(patch, path = "/api/v1/equipment/{id}", tag = "equipment", security(("bearer" = [])), request_body = PatchEquipment, responses((status = 200, body = Equipment)))]
pub async fn update_equipment(
    State(state): State<AppState>,
    caller: AuthUser,
    ApiPath(id): ApiPath<EquipmentId>,
    ApiJson(req): ApiJson<PatchEquipment>,
) -> AppResult<Json<Equipment>> {
    caller.require(ADMINS)?;
    let mut check = Check::default();
    if let Some(name) = &req.name {
        check.text("name", name, 1, 80);
    }
    if req.relay_channel.is_some_and(|r| r > MAX_RELAY) {
        check.fail("relay_channel", &format!("must be 0 to {MAX_RELAY}"));
    }
    check.finish()?;
    let update = EquipmentUpdate {
        name: req.name.map(|n| n.trim().to_owned()),
        relay_channel: req.relay_channel,
        required_qualification: req.required_qualification_id,
        activation_code_hash: None,
    };
    Ok(Json(
        state
            .store
            .update_equipment(&caller.audit(), caller.scope(), id, update)
            .await?,
    ))
}

#[utoipa::path(post, path = "/api/v1/equipment/{id}/code", tag = "equipment", security(("bearer" = [])), request_body = NewCode,
    responses((status = 200, body = Equipment, description = "the old code stops working at each kiosk's next roster pull")))]
pub async fn rotate_code(
    State(state): State<AppState>,
    caller: AuthUser,
    ApiPath(id): ApiPath<EquipmentId>,
    ApiJson(req): ApiJson<NewCode>,
) -> AppResult<Json<Equipment>> {
    caller.require(ADMINS)?;
    let mut check = Check::default();
    check_code(&mut check, &req.activation_code);
    check.finish()?;
    let machine = state.store.get_equipment(caller.scope(), id).await?;
    let hash = code_free(&state, machine.site_id, Some(id), &req.activation_code).await?;
    let update = EquipmentUpdate {
        activation_code_hash: Some(hash),
        ..EquipmentUpdate::default()
    };
    Ok(Json(
        state
            .store
            .update_equipment(&caller.audit(), caller.scope(), id, update)
            .await?,
    ))
}

async fn hold(
    state: &AppState,
    caller: &AuthUser,
    id: EquipmentId,
    make: fn(Option<String>) -> Hold,
    reason: Option<String>,
) -> AppResult<Json<Equipment>> {
    caller.require(STAFF)?;
    if let Some(r) = &reason {
        Check::default().text("reason", r, 1, 300).finish()?;
    }
    let hold = make(reason.map(|r| r.trim().to_owned()));
    Ok(Json(
        state
            .store
            .set_hold(&caller.audit(), caller.scope(), id, hold)
            .await?,
    ))
}

#[utoipa::path(post, path = "/api/v1/equipment/{id}/lockout", tag = "equipment", security(("bearer" = [])), request_body = HoldReason, responses((status = 200, body = Equipment)))]
pub async fn lock_out(
    State(state): State<AppState>,
    caller: AuthUser,
    ApiPath(id): ApiPath<EquipmentId>,
    ApiJson(req): ApiJson<HoldReason>,
) -> AppResult<Json<Equipment>> {
    hold(&state, &caller, id, Hold::Lockout, Some(req.reason)).await
}

#[utoipa::path(delete, path = "/api/v1/equipment/{id}/lockout", tag = "equipment", security(("bearer" = [])), responses((status = 200, body = Equipment)))]
pub async fn lift_lockout(
    State(state): State<AppState>,
    caller: AuthUser,
    ApiPath(id): ApiPath<EquipmentId>,
) -> AppResult<Json<Equipment>> {
    hold(&state, &caller, id, Hold::Lockout, None).await
}

#[utoipa::path(post, path = "/api/v1/equipment/{id}/out-of-service", tag = "equipment", security(("bearer" = [])), request_body = HoldReason, responses((status = 200, body = Equipment)))]
pub async fn out_of_service(
    State(state): State<AppState>,
    caller: AuthUser,
    ApiPath(id): ApiPath<EquipmentId>,
    ApiJson(req): ApiJson<HoldReason>,
) -> AppResult<Json<Equipment>> {
    hold(&state, &caller, id, Hold::OutOfService, Some(req.reason)).await
}

#[utoipa::path(delete, path = "/api/v1/equipment/{id}/out-of-service", tag = "equipment", security(("bearer" = [])), responses((status = 200, body = Equipment)))]
pub async fn back_in_service(
    State(state): State<AppState>,
    caller: AuthUser,
    ApiPath(id): ApiPath<EquipmentId>,
) -> AppResult<Json<Equipment>> {
    hold(&state, &caller, id, Hold::OutOfService, None).await
}

#[utoipa::path(delete, path = "/api/v1/equipment/{id}", tag = "equipment", security(("bearer" = [])), responses((status = 204, description = "removed from every kiosk")))]
pub async fn delete_equipment(
    State(state): State<AppState>,
    caller: AuthUser,
    ApiPath(id): ApiPath<EquipmentId>,
) -> AppResult<StatusCode> {
    caller.require(ADMINS)?;
    state
        .store
        .delete_equipment(&caller.audit(), caller.scope(), id)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(get, path = "/api/v1/equipment/board", tag = "equipment", security(("bearer" = [])),
    responses((status = 200, body = Vec<BoardEntry>, description = "every machine with its holds and its running session")))]
pub async fn board(
    State(state): State<AppState>,
    caller: AuthUser,
) -> AppResult<Json<Vec<BoardEntry>>> {
    caller.require(STAFF)?;
    let now = Timestamp::now();
    // Kiosks cap a session well under a day; anything older without a stop is not running.
    let since = now
        .checked_sub(SignedDuration::from_hours(24))
        .unwrap_or(now);
    let sessions = state
        .store
        .machine_sessions(caller.scope(), None, since, now)
        .await?;
    let machines = state.store.list_equipment(caller.scope()).await?;
    Ok(Json(
        machines
            .into_iter()
            .map(|equipment| {
                let running = sessions
                    .iter()
                    .rev()
                    .find(|s| s.equipment_id == equipment.id && s.stopped_at.is_none())
                    .cloned();
                BoardEntry { equipment, running }
            })
            .collect(),
    ))
}

#[utoipa::path(get, path = "/api/v1/equipment/{id}/sessions", tag = "equipment", security(("bearer" = [])), params(UsageQuery),
    responses((status = 200, body = Usage)))]
pub async fn usage(
    State(state): State<AppState>,
    caller: AuthUser,
    ApiPath(id): ApiPath<EquipmentId>,
    ApiQuery(q): ApiQuery<UsageQuery>,
) -> AppResult<Json<Usage>> {
    caller.require(STAFF)?;
    if q.to < q.from {
        return Err(Error::field("to", "must not be before `from`"));
    }
    state.store.get_equipment(caller.scope(), id).await?;
    let utc = |d: Date| d.to_zoned(jiff::tz::TimeZone::UTC).map(|z| z.timestamp());
    let from = utc(q.from).map_err(|_| Error::field("from", "out of range"))?;
    let to =
        q.to.tomorrow()
            .and_then(utc)
            .map_err(|_| Error::field("to", "out of range"))?;
    let sessions = state
        .store
        .machine_sessions(caller.scope(), Some(id), from, to)
        .await?;
    let machine_minutes = sessions
        .iter()
        .filter_map(|s| {
            s.stopped_at
                .map(|stop| stop.duration_since(s.started_at).as_mins())
        })
        .sum();
    Ok(Json(Usage {
        sessions,
        machine_minutes,
    }))
}
