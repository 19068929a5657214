//! Delegated and emergency access: `/api/patients/{id}/grants`, `/api/grants/{id}` and
//! `/api/patients/{id}/break-glass`.

use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{delete, get, post};
use axum::{Json, Router};
use medsync_core::ids::{GrantId, PatientId, UserId};
use utoipa::OpenApi;
use uuid::Uuid;

use super::Module;
use crate::dto::access::{BreakGlassBody, BreakGlassDto, GrantBody, GrantDto};
use crate::error::{ApiResult, Problem};
use crate::extract::{ApiJson, ApiPath, AuthUser};
use crate::state::AppState;

/// The access area.
pub const MODULE: Module = Module {
    name: "access",
    router,
    openapi: <Api as OpenApi>::openapi,
};

#[derive(OpenApi)]
#[openapi(paths(list_grants, grant, revoke, break_glass))]
struct Api;

fn router() -> Router<AppState> {
    Router::new()
        .route("/api/patients/{id}/grants", get(list_grants).post(grant))
        .route("/api/grants/{id}", delete(revoke))
        .route("/api/patients/{id}/break-glass", post(break_glass))
}

/// Every grant of a chart (the patient and admins).
#[utoipa::path(get, path = "/api/patients/{id}/grants", tag = "access",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Chart id")),
    responses(
        (status = 200, description = "The grants", body = Vec<GrantDto>),
        (status = 403, description = "Not allowed", body = Problem),
    ))]
async fn list_grants(
    State(state): State<AppState>,
    AuthUser(actor): AuthUser,
    ApiPath(id): ApiPath<Uuid>,
) -> ApiResult<Json<Vec<GrantDto>>> {
    let grants = state.svc.list_grants(&actor, PatientId(id)).await?;
    Ok(Json(grants.into_iter().map(GrantDto::from).collect()))
}

/// Delegates scoped access to the chart to a caregiver (the patient or an admin); the
/// caregiver is notified.
#[utoipa::path(post, path = "/api/patients/{id}/grants", tag = "access",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Chart id")),
    request_body = GrantBody,
    responses(
        (status = 201, description = "Granted", body = GrantDto),
        (status = 403, description = "Not allowed", body = Problem),
        (status = 422, description = "No actions, not a caregiver, or expiry in the past",
            body = Problem),
    ))]
async fn grant(
    State(state): State<AppState>,
    AuthUser(actor): AuthUser,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(body): ApiJson<GrantBody>,
) -> ApiResult<(StatusCode, Json<GrantDto>)> {
    let actions = body.core_actions();
    let g = state
        .svc
        .grant_caregiver(
            &actor,
            PatientId(id),
            UserId(body.caregiver_id),
            actions,
            body.expires_at,
        )
        .await?;
    Ok((StatusCode::CREATED, Json(g.into())))
}

/// Revokes a grant at once (the patient or an admin); the grant is kept, marked revoked.
#[utoipa::path(delete, path = "/api/grants/{id}", tag = "access", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Grant id")),
    responses(
        (status = 200, description = "The revoked grant", body = GrantDto),
        (status = 403, description = "Not allowed", body = Problem),
        (status = 404, description = "No such grant", body = Problem),
    ))]
async fn revoke(
    State(state): State<AppState>,
    AuthUser(actor): AuthUser,
    ApiPath(id): ApiPath<Uuid>,
) -> ApiResult<Json<GrantDto>> {
    let g = state.svc.revoke_grant(&actor, GrantId(id)).await?;
    Ok(Json(g.into()))
}

/// A doctor declares an emergency to open a chart outside their care team: time-boxed,
/// audited, and the patient is notified.
#[utoipa::path(post, path = "/api/patients/{id}/break-glass", tag = "access",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Chart id")),
    request_body = BreakGlassBody,
    responses(
        (status = 201, description = "Emergency access open", body = BreakGlassDto),
        (status = 403, description = "Not a doctor", body = Problem),
        (status = 404, description = "No such chart", body = Problem),
        (status = 422, description = "Reason shorter than 10 characters", body = Problem),
    ))]
async fn break_glass(
    State(state): State<AppState>,
    AuthUser(actor): AuthUser,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(body): ApiJson<BreakGlassBody>,
) -> ApiResult<(StatusCode, Json<BreakGlassDto>)> {
    let session = state
        .svc
        .break_glass(&actor, PatientId(id), &body.reason)
        .await?;
    Ok((StatusCode::CREATED, Json(session.into())))
}
