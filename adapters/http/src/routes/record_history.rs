//! A record's history: `/api/emr/{record_id}/history`, `/versions/{version}`, `/diff`,
//! `/restore` and `/notes`.

use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use medsync_core::ids::RecordId;
use utoipa::OpenApi;
use uuid::Uuid;

use super::records::versioned;
use super::Module;
use crate::dto::records::{
    DiffQuery, NoteBody, NoteDto, PatchOperationDto, RecordDto, RecordVersionDto, RestoreBody,
};
use crate::error::{ApiResult, Problem};
use crate::etag::{IfMatch, Versioned};
use crate::extract::{ApiJson, ApiPath, ApiQuery, AuthUser};
use crate::state::AppState;

/// The record-history area.
pub const MODULE: Module = Module {
    name: "record_history",
    router,
    openapi: <Api as OpenApi>::openapi,
};

#[derive(OpenApi)]
#[openapi(paths(history, version, diff, restore, add_note, notes))]
struct Api;

fn router() -> Router<AppState> {
    Router::new()
        .route("/api/emr/{record_id}/history", get(history))
        .route("/api/emr/{record_id}/versions/{version}", get(version))
        .route("/api/emr/{record_id}/diff", get(diff))
        .route("/api/emr/{record_id}/restore", post(restore))
        .route("/api/emr/{record_id}/notes", get(notes).post(add_note))
}

/// Every version of a record, oldest first.
#[utoipa::path(get, path = "/api/emr/{record_id}/history", tag = "records",
    security(("bearer" = [])),
    params(("record_id" = Uuid, Path, description = "Record id")),
    responses(
        (status = 200, description = "The versions", body = Vec<RecordVersionDto>),
        (status = 403, description = "Not allowed", body = Problem),
        (status = 404, description = "No such record", body = Problem),
    ))]
async fn history(
    State(state): State<AppState>,
    AuthUser(actor): AuthUser,
    ApiPath(id): ApiPath<Uuid>,
) -> ApiResult<Json<Vec<RecordVersionDto>>> {
    let versions = state.svc.record_history(&actor, RecordId(id)).await?;
    Ok(Json(
        versions.into_iter().map(RecordVersionDto::from).collect(),
    ))
}

/// One version of a record.
#[utoipa::path(get, path = "/api/emr/{record_id}/versions/{version}", tag = "records",
    security(("bearer" = [])),
    params(
        ("record_id" = Uuid, Path, description = "Record id"),
        ("version" = u64, Path, minimum = 1, description = "Version number, 1-based"),
    ),
    responses(
        (status = 200, description = "The version", body = RecordVersionDto,
            headers(("ETag" = String, description = "This version"))),
        (status = 403, description = "Not allowed", body = Problem),
        (status = 404, description = "No such record or version", body = Problem),
    ))]
async fn version(
    State(state): State<AppState>,
    AuthUser(actor): AuthUser,
    ApiPath((id, number)): ApiPath<(Uuid, u64)>,
) -> ApiResult<Versioned<RecordVersionDto>> {
    let v = state
        .svc
        .record_version(&actor, RecordId(id), number)
        .await?;
    Ok(Versioned(v.version, v.into()))
}

/// The RFC 6902 JSON Patch turning version `from`'s content into version `to`'s.
#[utoipa::path(get, path = "/api/emr/{record_id}/diff", tag = "records",
    security(("bearer" = [])),
    params(("record_id" = Uuid, Path, description = "Record id"), DiffQuery),
    responses(
        (status = 200, description = "The patch (empty for equal contents)",
            body = Vec<PatchOperationDto>),
        (status = 403, description = "Not allowed", body = Problem),
        (status = 404, description = "No such record or version", body = Problem),
        (status = 422, description = "`from` or `to` missing or not a number", body = Problem),
    ))]
async fn diff(
    State(state): State<AppState>,
    AuthUser(actor): AuthUser,
    ApiPath(id): ApiPath<Uuid>,
    ApiQuery(q): ApiQuery<DiffQuery>,
) -> ApiResult<Json<Vec<PatchOperationDto>>> {
    let ops = state
        .svc
        .diff_record(&actor, RecordId(id), q.from, q.to)
        .await?;
    Ok(Json(ops.into_iter().map(PatchOperationDto::from).collect()))
}

/// Makes an earlier version's content current again, as a new version. `If-Match` must
/// carry the current version.
#[utoipa::path(post, path = "/api/emr/{record_id}/restore", tag = "records",
    security(("bearer" = [])),
    params(
        ("record_id" = Uuid, Path, description = "Record id"),
        ("If-Match" = String, Header, pattern = r#"^("[0-9]{1,19}"|[0-9]{1,19})$"#,
            description = "The ETag read, e.g. \"3\" (required; `*` does not count)"),
    ),
    request_body = RestoreBody,
    responses(
        (status = 200, description = "The record at its new version", body = RecordDto,
            headers(("ETag" = String, description = "The new version"))),
        (status = 403, description = "Not allowed", body = Problem),
        (status = 404, description = "No such record or version", body = Problem),
        (status = 412, description = "Stale If-Match", body = Problem),
        (status = 422, description = "Missing reason, or already current", body = Problem),
        (status = 428, description = "If-Match missing", body = Problem),
    ))]
async fn restore(
    State(state): State<AppState>,
    AuthUser(actor): AuthUser,
    ApiPath(id): ApiPath<Uuid>,
    if_match: IfMatch,
    ApiJson(body): ApiJson<RestoreBody>,
) -> ApiResult<Versioned<RecordDto>> {
    let expected = if_match.required()?;
    let pair = state
        .svc
        .restore_record(&actor, RecordId(id), body.version, expected, &body.reason)
        .await?;
    Ok(versioned(pair))
}

/// Appends a note to a record (doctors and nurses of the care team).
#[utoipa::path(post, path = "/api/emr/{record_id}/notes", tag = "records",
    security(("bearer" = [])),
    params(("record_id" = Uuid, Path, description = "Record id")),
    request_body = NoteBody,
    responses(
        (status = 201, description = "Added", body = NoteDto),
        (status = 403, description = "Not allowed", body = Problem),
        (status = 404, description = "No such record", body = Problem),
        (status = 422, description = "Empty or too long", body = Problem),
    ))]
async fn add_note(
    State(state): State<AppState>,
    AuthUser(actor): AuthUser,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(body): ApiJson<NoteBody>,
) -> ApiResult<(StatusCode, Json<NoteDto>)> {
    let note = state.svc.add_note(&actor, RecordId(id), &body.text).await?;
    Ok((StatusCode::CREATED, Json(note.into())))
}

/// A record's notes, oldest first.
#[utoipa::path(get, path = "/api/emr/{record_id}/notes", tag = "records",
    security(("bearer" = [])),
    params(("record_id" = Uuid, Path, description = "Record id")),
    responses(
        (status = 200, description = "The notes", body = Vec<NoteDto>),
        (status = 403, description = "Not allowed", body = Problem),
        (status = 404, description = "No such record", body = Problem),
    ))]
async fn notes(
    State(state): State<AppState>,
    AuthUser(actor): AuthUser,
    ApiPath(id): ApiPath<Uuid>,
) -> ApiResult<Json<Vec<NoteDto>>> {
    let notes = state.svc.record_notes(&actor, RecordId(id)).await?;
    Ok(Json(notes.into_iter().map(NoteDto::from).collect()))
}
