//! The EMR: `/api/patients/{id}/emr` and `/api/emr/{record_id}` (create, list, read, amend,
//! delete). History, versions, diffs, restores and notes are in
//! [`super::record_history`].
//!
//! Versions are immutable; the `ETag` of a record is its current version, and an amendment
//! must name it in `If-Match` (428 without, 412 when stale).

use axum::extract::State;
use axum::http::header::LOCATION;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use medsync_core::ids::{PatientId, RecordId};
use medsync_core::records::{MedicalRecord, RecordVersion};
use utoipa::OpenApi;
use uuid::Uuid;

use super::Module;
use crate::dto::records::{AmendRecordBody, CreateRecordBody, RecordDto, RecordListQuery};
use crate::error::{ApiResult, Problem};
use crate::etag::{IfMatch, Versioned};
use crate::extract::{ApiJson, ApiPath, ApiQuery, AuthUser};
use crate::state::AppState;

/// The records area.
pub const MODULE: Module = Module {
    name: "records",
    router,
    openapi: <Api as OpenApi>::openapi,
};

#[derive(OpenApi)]
#[openapi(paths(list, create, read, amend, delete))]
struct Api;

fn router() -> Router<AppState> {
    Router::new()
        .route("/api/patients/{id}/emr", get(list).post(create))
        .route("/api/emr/{record_id}", get(read).put(amend).delete(delete))
}

/// The record with its current version, tagged with `ETag: "<current version>"`.
pub(crate) fn versioned(pair: (MedicalRecord, RecordVersion)) -> Versioned<RecordDto> {
    Versioned(pair.0.current_version, pair.into())
}

/// A chart's records with their current versions, oldest first.
#[utoipa::path(get, path = "/api/patients/{id}/emr", tag = "records", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Chart id"), RecordListQuery),
    responses(
        (status = 200, description = "The chart's records", body = Vec<RecordDto>),
        (status = 403, description = "Not allowed", body = Problem),
        (status = 422, description = "Unknown kind", body = Problem),
    ))]
async fn list(
    State(state): State<AppState>,
    AuthUser(actor): AuthUser,
    ApiPath(id): ApiPath<Uuid>,
    ApiQuery(q): ApiQuery<RecordListQuery>,
) -> ApiResult<Json<Vec<RecordDto>>> {
    let rows = state
        .svc
        .list_records(&actor, PatientId(id), q.kind.as_deref())
        .await?;
    Ok(Json(rows.into_iter().map(RecordDto::from).collect()))
}

/// Creates a record as version 1. The body is the content, tagged by `kind`, plus an
/// optional `reason`.
#[utoipa::path(post, path = "/api/patients/{id}/emr", tag = "records", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Chart id")),
    request_body = CreateRecordBody,
    responses(
        (status = 201, description = "Created", body = RecordDto,
            headers(("ETag" = String, description = "The record's version: \"1\""))),
        (status = 403, description = "Not allowed", body = Problem),
        (status = 404, description = "No such chart", body = Problem),
        (status = 409, description = "The chart is archived", body = Problem),
        (status = 422, description = "Invalid content", body = Problem),
    ))]
async fn create(
    State(state): State<AppState>,
    AuthUser(actor): AuthUser,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(body): ApiJson<CreateRecordBody>,
) -> ApiResult<Response> {
    let pair = state
        .svc
        .create_record(&actor, PatientId(id), body.content.into(), body.reason)
        .await?;
    let location = format!("/api/emr/{}", pair.0.id);
    Ok((StatusCode::CREATED, [(LOCATION, location)], versioned(pair)).into_response())
}

/// A record and its current version.
#[utoipa::path(get, path = "/api/emr/{record_id}", tag = "records", security(("bearer" = [])),
    params(("record_id" = Uuid, Path, description = "Record id")),
    responses(
        (status = 200, description = "The record", body = RecordDto,
            headers(("ETag" = String, description = "The current version"))),
        (status = 403, description = "Not allowed", body = Problem),
        (status = 404, description = "No such record", body = Problem),
    ))]
async fn read(
    State(state): State<AppState>,
    AuthUser(actor): AuthUser,
    ApiPath(id): ApiPath<Uuid>,
) -> ApiResult<Versioned<RecordDto>> {
    Ok(versioned(state.svc.get_record(&actor, RecordId(id)).await?))
}

/// Amends a record: appends a new version with `content` (same `kind`). `If-Match` must
/// carry the current version.
#[utoipa::path(put, path = "/api/emr/{record_id}", tag = "records", security(("bearer" = [])),
    params(
        ("record_id" = Uuid, Path, description = "Record id"),
        ("If-Match" = String, Header, pattern = r#"^("[0-9]{1,19}"|[0-9]{1,19})$"#,
            description = "The ETag read, e.g. \"3\" (required; `*` does not count)"),
    ),
    request_body = AmendRecordBody,
    responses(
        (status = 200, description = "The amended record", body = RecordDto,
            headers(("ETag" = String, description = "The new version"))),
        (status = 403, description = "Not allowed (e.g. nurses)", body = Problem),
        (status = 404, description = "No such record", body = Problem),
        (status = 412, description = "Stale If-Match: `current_version` names the newest",
            body = Problem),
        (status = 422, description = "Invalid content or reason", body = Problem),
        (status = 428, description = "If-Match missing", body = Problem),
    ))]
async fn amend(
    State(state): State<AppState>,
    AuthUser(actor): AuthUser,
    ApiPath(id): ApiPath<Uuid>,
    if_match: IfMatch,
    ApiJson(body): ApiJson<AmendRecordBody>,
) -> ApiResult<Versioned<RecordDto>> {
    let expected = if_match.required()?;
    let pair = state
        .svc
        .amend_record(
            &actor,
            RecordId(id),
            expected,
            body.content.into(),
            &body.reason,
        )
        .await?;
    Ok(versioned(pair))
}

/// Records are append-only: deleting is always refused (403, audited). Amend instead.
#[utoipa::path(delete, path = "/api/emr/{record_id}", tag = "records", security(("bearer" = [])),
    params(("record_id" = Uuid, Path, description = "Record id")),
    responses(
        (status = 204, description = "Never: records are not deleted"),
        (status = 403, description = "Refused", body = Problem),
        (status = 404, description = "No such record", body = Problem),
    ))]
async fn delete(
    State(state): State<AppState>,
    AuthUser(actor): AuthUser,
    ApiPath(id): ApiPath<Uuid>,
) -> ApiResult<StatusCode> {
    state.svc.delete_record(&actor, RecordId(id)).await?;
    Ok(StatusCode::NO_CONTENT)
}
