//! Prescriptions: `/api/patients/{id}/prescriptions` and `/api/prescriptions/{id}`.
//!
//! Prescribing runs the interaction check; a contraindication answers 409 with the
//! `blocking_id` of the active prescription or allergy record, unless the request carries an
//! `override_reason`.

use axum::extract::State;
use axum::http::header::LOCATION;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use medsync_core::ids::{PatientId, PrescriptionId};
use medsync_core::prescriptions::Prescription;
use utoipa::OpenApi;
use uuid::Uuid;

use super::Module;
use crate::dto::prescriptions::{
    CancelPrescriptionBody, CheckBody, FindingDto, PrescriptionDto, PrescriptionListQuery,
    PrescriptionRequestDto,
};
use crate::error::{ApiResult, Problem};
use crate::etag::Versioned;
use crate::extract::{ApiJson, ApiPath, ApiQuery, AuthUser};
use crate::state::AppState;

/// The prescriptions area.
pub const MODULE: Module = Module {
    name: "prescriptions",
    router,
    openapi: <Api as OpenApi>::openapi,
};

#[derive(OpenApi)]
#[openapi(paths(list, prescribe, check, read, complete, cancel))]
struct Api;

fn router() -> Router<AppState> {
    Router::new()
        .route(
            "/api/patients/{id}/prescriptions",
            get(list).post(prescribe),
        )
        .route("/api/patients/{id}/prescriptions/check", post(check))
        .route("/api/prescriptions/{id}", get(read))
        .route("/api/prescriptions/{id}/complete", post(complete))
        .route("/api/prescriptions/{id}/cancel", post(cancel))
}

fn versioned(p: Prescription) -> Versioned<PrescriptionDto> {
    Versioned(p.version, p.into())
}

/// The chart's prescriptions, newest first.
#[utoipa::path(get, path = "/api/patients/{id}/prescriptions", tag = "prescriptions",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Chart id"), PrescriptionListQuery),
    responses(
        (status = 200, description = "The prescriptions", body = Vec<PrescriptionDto>),
        (status = 403, description = "Not allowed", body = Problem),
    ))]
async fn list(
    State(state): State<AppState>,
    AuthUser(actor): AuthUser,
    ApiPath(id): ApiPath<Uuid>,
    ApiQuery(q): ApiQuery<PrescriptionListQuery>,
) -> ApiResult<Json<Vec<PrescriptionDto>>> {
    let rows = state
        .svc
        .list_prescriptions(&actor, PatientId(id), q.status.map(Into::into))
        .await?;
    Ok(Json(rows.into_iter().map(PrescriptionDto::from).collect()))
}

/// Prescribes (doctors of the care team). Every interaction finding is stored with the
/// prescription.
#[utoipa::path(post, path = "/api/patients/{id}/prescriptions", tag = "prescriptions",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Chart id")),
    request_body = PrescriptionRequestDto,
    responses(
        (status = 201, description = "Prescribed", body = PrescriptionDto),
        (status = 403, description = "Not allowed", body = Problem),
        (status = 404, description = "No such chart", body = Problem),
        (status = 409, description = "Contraindicated with `blocking_id` (send \
            `override_reason` to override), or the chart is archived", body = Problem),
        (status = 422, description = "Invalid fields", body = Problem),
    ))]
async fn prescribe(
    State(state): State<AppState>,
    AuthUser(actor): AuthUser,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(body): ApiJson<PrescriptionRequestDto>,
) -> ApiResult<Response> {
    let rx = state
        .svc
        .prescribe(&actor, PatientId(id), body.into())
        .await?;
    let location = format!("/api/prescriptions/{}", rx.id);
    Ok((StatusCode::CREATED, [(LOCATION, location)], versioned(rx)).into_response())
}

/// A dry run: what prescribing `medication` would find against the chart's active
/// prescriptions and allergies. Nothing is stored.
#[utoipa::path(post, path = "/api/patients/{id}/prescriptions/check", tag = "prescriptions",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Chart id")),
    request_body = CheckBody,
    responses(
        (status = 200, description = "The findings", body = Vec<FindingDto>),
        (status = 403, description = "Not allowed", body = Problem),
        (status = 404, description = "No such chart", body = Problem),
        (status = 422, description = "Invalid medication", body = Problem),
    ))]
async fn check(
    State(state): State<AppState>,
    AuthUser(actor): AuthUser,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(body): ApiJson<CheckBody>,
) -> ApiResult<Json<Vec<FindingDto>>> {
    let findings = state
        .svc
        .check_interactions(&actor, PatientId(id), &body.medication.into())
        .await?;
    Ok(Json(findings.into_iter().map(FindingDto::from).collect()))
}

/// Reads a prescription.
#[utoipa::path(get, path = "/api/prescriptions/{id}", tag = "prescriptions",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Prescription id")),
    responses(
        (status = 200, description = "The prescription", body = PrescriptionDto),
        (status = 403, description = "Not allowed", body = Problem),
        (status = 404, description = "No such prescription", body = Problem),
    ))]
async fn read(
    State(state): State<AppState>,
    AuthUser(actor): AuthUser,
    ApiPath(id): ApiPath<Uuid>,
) -> ApiResult<Versioned<PrescriptionDto>> {
    let rx = state
        .svc
        .get_prescription(&actor, PrescriptionId(id))
        .await?;
    Ok(versioned(rx))
}

/// Marks an active prescription completed.
#[utoipa::path(post, path = "/api/prescriptions/{id}/complete", tag = "prescriptions",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Prescription id")),
    responses(
        (status = 200, description = "Completed", body = PrescriptionDto),
        (status = 403, description = "Not allowed", body = Problem),
        (status = 404, description = "No such prescription", body = Problem),
        (status = 409, description = "Not active", body = Problem),
    ))]
async fn complete(
    State(state): State<AppState>,
    AuthUser(actor): AuthUser,
    ApiPath(id): ApiPath<Uuid>,
) -> ApiResult<Versioned<PrescriptionDto>> {
    let rx = state
        .svc
        .complete_prescription(&actor, PrescriptionId(id))
        .await?;
    Ok(versioned(rx))
}

/// Cancels an active prescription, with an optional reason.
#[utoipa::path(post, path = "/api/prescriptions/{id}/cancel", tag = "prescriptions",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Prescription id")),
    request_body(content = Option<CancelPrescriptionBody>, description = "Optional reason"),
    responses(
        (status = 200, description = "Cancelled", body = PrescriptionDto),
        (status = 403, description = "Not allowed", body = Problem),
        (status = 404, description = "No such prescription", body = Problem),
        (status = 409, description = "Not active", body = Problem),
        (status = 422, description = "Reason too long", body = Problem),
    ))]
async fn cancel(
    State(state): State<AppState>,
    AuthUser(actor): AuthUser,
    ApiPath(id): ApiPath<Uuid>,
    body: Option<ApiJson<CancelPrescriptionBody>>,
) -> ApiResult<Versioned<PrescriptionDto>> {
    let reason = body.and_then(|ApiJson(b)| b.reason);
    let rx = state
        .svc
        .cancel_prescription(&actor, PrescriptionId(id), reason)
        .await?;
    Ok(versioned(rx))
}
