//! `/api/patients`: charts.

use axum::extract::State;
use axum::http::header::LOCATION;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use medsync_core::ids::PatientId;
use utoipa::OpenApi;
use uuid::Uuid;

use super::Module;
use crate::dto::common::{page, Paged};
use crate::dto::patients::{PatientDetailsDto, PatientDto, PatientQuery};
use crate::error::{ApiResult, Problem};
use crate::etag::{IfMatch, IfMatchHeader, Versioned};
use crate::extract::{ApiJson, ApiPath, ApiQuery, AuthUser};
use crate::state::AppState;

/// The charts area.
pub const MODULE: Module = Module {
    name: "patients",
    router,
    openapi: <Api as OpenApi>::openapi,
};

#[derive(OpenApi)]
#[openapi(paths(list, create, read, update, archive))]
struct Api;

fn router() -> Router<AppState> {
    Router::new()
        .route("/api/patients", get(list).post(create))
        .route("/api/patients/{id}", get(read).put(update).delete(archive))
}

/// Charts the caller may see (all for admins).
#[utoipa::path(get, path = "/api/patients", tag = "patients", security(("bearer" = [])),
    params(PatientQuery),
    responses(
        (status = 200, description = "A page of charts", body = Paged<PatientDto>),
        (status = 401, description = "Not authenticated", body = Problem),
    ))]
async fn list(
    State(state): State<AppState>,
    AuthUser(actor): AuthUser,
    ApiQuery(q): ApiQuery<PatientQuery>,
) -> ApiResult<Json<Paged<PatientDto>>> {
    let page = page(q.offset, q.limit);
    let rows = state.svc.list_patients(&actor, q.q, page).await?;
    Ok(Json(Paged::of(rows, page)))
}

/// Creates a chart for a patient without an account (admins, doctors).
#[utoipa::path(post, path = "/api/patients", tag = "patients", security(("bearer" = [])),
    request_body = PatientDetailsDto,
    responses(
        (status = 201, description = "Created", body = PatientDto,
            headers(("ETag" = String, description = "The chart's version"))),
        (status = 403, description = "Not allowed", body = Problem),
        (status = 422, description = "Invalid fields", body = Problem),
    ))]
async fn create(
    State(state): State<AppState>,
    AuthUser(actor): AuthUser,
    ApiJson(body): ApiJson<PatientDetailsDto>,
) -> ApiResult<Response> {
    let p = state.svc.create_patient(&actor, body.into()).await?;
    let location = format!("/api/patients/{}", p.id);
    Ok((
        StatusCode::CREATED,
        [(LOCATION, location)],
        Versioned(p.version, PatientDto::from(p)),
    )
        .into_response())
}

/// Reads a chart.
#[utoipa::path(get, path = "/api/patients/{id}", tag = "patients", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Chart id")),
    responses(
        (status = 200, description = "The chart", body = PatientDto,
            headers(("ETag" = String, description = "The chart's version"))),
        (status = 403, description = "Not allowed", body = Problem),
        (status = 404, description = "No such chart", body = Problem),
    ))]
async fn read(
    State(state): State<AppState>,
    AuthUser(actor): AuthUser,
    ApiPath(id): ApiPath<Uuid>,
) -> ApiResult<Versioned<PatientDto>> {
    let p = state.svc.get_patient(&actor, PatientId(id)).await?;
    Ok(Versioned(p.version, p.into()))
}

/// Replaces a chart's demographics. Send `If-Match` with the ETag you read to avoid
/// overwriting someone else's change (412 when stale).
#[utoipa::path(put, path = "/api/patients/{id}", tag = "patients", security(("bearer" = [])),
    params(
        ("id" = Uuid, Path, description = "Chart id"),
        IfMatchHeader,
    ),
    request_body = PatientDetailsDto,
    responses(
        (status = 200, description = "The updated chart", body = PatientDto),
        (status = 403, description = "Not allowed", body = Problem),
        (status = 404, description = "No such chart", body = Problem),
        (status = 412, description = "Stale If-Match", body = Problem),
        (status = 422, description = "Invalid fields", body = Problem),
    ))]
async fn update(
    State(state): State<AppState>,
    AuthUser(actor): AuthUser,
    ApiPath(id): ApiPath<Uuid>,
    IfMatch(version): IfMatch,
    ApiJson(body): ApiJson<PatientDetailsDto>,
) -> ApiResult<Versioned<PatientDto>> {
    let p = state
        .svc
        .update_patient(&actor, PatientId(id), body.into(), version)
        .await?;
    Ok(Versioned(p.version, p.into()))
}

/// Archives a chart (nothing is destroyed).
#[utoipa::path(delete, path = "/api/patients/{id}", tag = "patients", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Chart id")),
    responses(
        (status = 200, description = "The archived chart", body = PatientDto),
        (status = 403, description = "Not allowed", body = Problem),
        (status = 404, description = "No such chart", body = Problem),
    ))]
async fn archive(
    State(state): State<AppState>,
    AuthUser(actor): AuthUser,
    ApiPath(id): ApiPath<Uuid>,
) -> ApiResult<Versioned<PatientDto>> {
    let p = state.svc.archive_patient(&actor, PatientId(id)).await?;
    Ok(Versioned(p.version, p.into()))
}
