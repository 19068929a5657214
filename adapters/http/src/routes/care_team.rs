//! `/api/patients/{id}/care-team`: assigning doctors and nurses to a chart (admins).

use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::put;
use axum::Router;
use medsync_core::ids::{PatientId, UserId};
use utoipa::OpenApi;
use uuid::Uuid;

use super::Module;
use crate::error::{ApiResult, Problem};
use crate::extract::{ApiPath, AuthUser};
use crate::state::AppState;

/// The care-team area.
pub const MODULE: Module = Module {
    name: "care_team",
    router,
    openapi: <Api as OpenApi>::openapi,
};

#[derive(OpenApi)]
#[openapi(paths(assign, unassign))]
struct Api;

fn router() -> Router<AppState> {
    Router::new().route(
        "/api/patients/{id}/care-team/{user_id}",
        put(assign).delete(unassign),
    )
}

/// Adds an active doctor or nurse to the chart's care team.
#[utoipa::path(put, path = "/api/patients/{id}/care-team/{user_id}", tag = "care_team",
    security(("bearer" = [])),
    params(
        ("id" = Uuid, Path, description = "Chart id"),
        ("user_id" = Uuid, Path, description = "The doctor's or nurse's user id"),
    ),
    responses(
        (status = 204, description = "Assigned"),
        (status = 403, description = "Not an admin", body = Problem),
        (status = 404, description = "No such chart or user", body = Problem),
        (status = 422, description = "Not an active doctor or nurse", body = Problem),
    ))]
async fn assign(
    State(state): State<AppState>,
    AuthUser(actor): AuthUser,
    ApiPath((patient, member)): ApiPath<(Uuid, Uuid)>,
) -> ApiResult<StatusCode> {
    state
        .svc
        .assign_care_team(&actor, PatientId(patient), UserId(member))
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Removes a care-team assignment.
#[utoipa::path(delete, path = "/api/patients/{id}/care-team/{user_id}", tag = "care_team",
    security(("bearer" = [])),
    params(
        ("id" = Uuid, Path, description = "Chart id"),
        ("user_id" = Uuid, Path, description = "The member's user id"),
    ),
    responses(
        (status = 204, description = "Unassigned"),
        (status = 403, description = "Not an admin", body = Problem),
    ))]
async fn unassign(
    State(state): State<AppState>,
    AuthUser(actor): AuthUser,
    ApiPath((patient, member)): ApiPath<(Uuid, Uuid)>,
) -> ApiResult<StatusCode> {
    state
        .svc
        .unassign_care_team(&actor, PatientId(patient), UserId(member))
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
