//! `/api/doctors`: the doctor directory, availability and free slots.

use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};
use medsync_core::ids::UserId;
use utoipa::OpenApi;
use uuid::Uuid;

use super::Module;
use crate::dto::common::page;
use crate::dto::scheduling::{AvailabilityBody, AvailabilityDto, DoctorQuery, SlotDto, SlotQuery};
use crate::dto::users::DoctorDto;
use crate::error::{ApiResult, Problem};
use crate::extract::{ApiJson, ApiPath, ApiQuery, AuthUser};
use crate::state::AppState;

/// The doctors area.
pub const MODULE: Module = Module {
    name: "doctors",
    router,
    openapi: <Api as OpenApi>::openapi,
};

#[derive(OpenApi)]
#[openapi(paths(list, get_availability, set_availability, slots))]
struct Api;

fn router() -> Router<AppState> {
    Router::new()
        .route("/api/doctors", get(list))
        .route(
            "/api/doctors/{id}/availability",
            get(get_availability).put(set_availability),
        )
        .route("/api/doctors/{id}/slots", get(slots))
}

/// Active doctors.
#[utoipa::path(get, path = "/api/doctors", tag = "doctors", security(("bearer" = [])),
    params(DoctorQuery),
    responses(
        (status = 200, description = "Active doctors", body = Vec<DoctorDto>),
        (status = 401, description = "Not authenticated", body = Problem),
    ))]
async fn list(
    State(state): State<AppState>,
    _caller: AuthUser,
    ApiQuery(q): ApiQuery<DoctorQuery>,
) -> ApiResult<Json<Vec<DoctorDto>>> {
    let doctors = state.svc.list_doctors(page(q.offset, q.limit)).await?;
    Ok(Json(doctors.into_iter().map(DoctorDto::from).collect()))
}

/// A doctor's availability.
#[utoipa::path(get, path = "/api/doctors/{id}/availability", tag = "doctors",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "The doctor's user id")),
    responses(
        (status = 200, description = "The availability", body = AvailabilityDto),
        (status = 404, description = "None set", body = Problem),
    ))]
async fn get_availability(
    State(state): State<AppState>,
    _caller: AuthUser,
    ApiPath(id): ApiPath<Uuid>,
) -> ApiResult<Json<AvailabilityDto>> {
    Ok(Json(state.svc.availability(UserId(id)).await?.into()))
}

/// Replaces a doctor's availability (the doctor, or an admin).
#[utoipa::path(put, path = "/api/doctors/{id}/availability", tag = "doctors",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "The doctor's user id")),
    request_body = AvailabilityBody,
    responses(
        (status = 200, description = "The stored availability", body = AvailabilityDto),
        (status = 403, description = "Not this doctor or an admin", body = Problem),
        (status = 404, description = "No such active doctor", body = Problem),
        (status = 422, description = "Invalid fields, e.g. weekly[0].start", body = Problem),
    ))]
async fn set_availability(
    State(state): State<AppState>,
    AuthUser(actor): AuthUser,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(body): ApiJson<AvailabilityBody>,
) -> ApiResult<Json<AvailabilityDto>> {
    let availability = body.into_core(UserId(id))?;
    let stored = state.svc.set_availability(&actor, availability).await?;
    Ok(Json(stored.into()))
}

/// Free slots of a doctor in `[from, to)` (at most 31 days).
#[utoipa::path(get, path = "/api/doctors/{id}/slots", tag = "doctors", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "The doctor's user id"), SlotQuery),
    responses(
        (status = 200, description = "Free slots, in order", body = Vec<SlotDto>),
        (status = 404, description = "No availability", body = Problem),
        (status = 422, description = "Bad range", body = Problem),
    ))]
async fn slots(
    State(state): State<AppState>,
    _caller: AuthUser,
    ApiPath(id): ApiPath<Uuid>,
    ApiQuery(q): ApiQuery<SlotQuery>,
) -> ApiResult<Json<Vec<SlotDto>>> {
    let slots = state.svc.free_slots(UserId(id), q.from, q.to).await?;
    Ok(Json(slots.into_iter().map(SlotDto::from).collect()))
}
