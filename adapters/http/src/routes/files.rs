//! Uploaded reports: `/api/patients/{id}/reports`, plus the `/api/records/upload`,
//! `/api/records/{patient_id}` and `/api/files/{file_id}` aliases.
//!
//! Uploads are streamed and cut off at [`crate::HttpConfig::max_upload_bytes`] (413) by
//! [`crate::upload`]; the service decides the type by sniffing (415), scans (422) and hashes.

use axum::extract::{DefaultBodyLimit, State};
use axum::http::header::LOCATION;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use medsync_core::ids::{FileId, PatientId};
use utoipa::OpenApi;
use uuid::Uuid;

use super::Module;
use crate::download::Attachment;
use crate::dto::files::{FileDto, RecordUploadForm, UploadForm};
use crate::error::{ApiResult, Problem};
use crate::extract::{ApiPath, AuthUser};
use crate::state::AppState;
use crate::upload::{FileUpload, RecordUpload};

/// The uploaded-files area.
pub const MODULE: Module = Module {
    name: "files",
    router,
    openapi: <Api as OpenApi>::openapi,
};

#[derive(OpenApi)]
#[openapi(paths(
    upload,
    list,
    download,
    delete,
    upload_alias,
    list_alias,
    download_alias
))]
struct Api;

fn router() -> Router<AppState> {
    Router::new()
        .route(
            "/api/patients/{id}/reports",
            get(list).post(upload).layer(DefaultBodyLimit::disable()),
        )
        .route(
            "/api/patients/{id}/reports/{file_id}",
            get(download).delete(delete),
        )
        .route(
            "/api/records/upload",
            post(upload_alias).layer(DefaultBodyLimit::disable()),
        )
        .route("/api/records/{patient_id}", get(list_alias))
        .route("/api/files/{file_id}", get(download_alias))
}

/// 201 with the file's metadata and its `Location`.
fn created(f: medsync_core::files::StoredFile) -> Response {
    let location = format!("/api/patients/{}/reports/{}", f.patient_id, f.id);
    (
        StatusCode::CREATED,
        [(LOCATION, location)],
        Json(FileDto::from(f)),
    )
        .into_response()
}

fn attachment(meta: medsync_core::files::StoredFile, bytes: Vec<u8>) -> Attachment {
    Attachment {
        content_type: meta.kind.mime(),
        filename: meta.filename,
        bytes,
    }
}

/// Uploads a report to a chart (`multipart/form-data`, field `file`). The type is decided
/// from the content (PDF, PNG, JPEG, DICOM), never from the name or the declared type.
#[utoipa::path(post, path = "/api/patients/{id}/reports", tag = "files",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Chart id")),
    request_body(content = UploadForm, content_type = "multipart/form-data"),
    responses(
        (status = 201, description = "Stored", body = FileDto),
        (status = 403, description = "Not allowed to add files to this chart", body = Problem),
        (status = 404, description = "No such chart", body = Problem),
        (status = 413, description = "Larger than the upload limit", body = Problem),
        (status = 415, description = "Not multipart, or not an accepted file type", body = Problem),
        (status = 422, description = "Missing file, or refused by the malware scanner", body = Problem),
    ))]
async fn upload(
    State(state): State<AppState>,
    AuthUser(actor): AuthUser,
    ApiPath(id): ApiPath<Uuid>,
    file: FileUpload,
) -> ApiResult<Response> {
    let f = state
        .svc
        .upload_file(&actor, PatientId(id), &file.filename, &file.bytes)
        .await?;
    Ok(created(f))
}

/// The chart's files, oldest first.
#[utoipa::path(get, path = "/api/patients/{id}/reports", tag = "files",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Chart id")),
    responses(
        (status = 200, description = "The chart's files", body = Vec<FileDto>),
        (status = 403, description = "Not allowed", body = Problem),
    ))]
async fn list(
    State(state): State<AppState>,
    AuthUser(actor): AuthUser,
    ApiPath(id): ApiPath<Uuid>,
) -> ApiResult<Json<Vec<FileDto>>> {
    let files = state.svc.list_files(&actor, PatientId(id)).await?;
    Ok(Json(files.into_iter().map(FileDto::from).collect()))
}

/// Downloads a file of the chart: its bytes with the sniffed type, as an attachment.
#[utoipa::path(get, path = "/api/patients/{id}/reports/{file_id}", tag = "files",
    security(("bearer" = [])),
    params(
        ("id" = Uuid, Path, description = "Chart id"),
        ("file_id" = Uuid, Path, description = "File id"),
    ),
    responses(
        (status = 200, description = "The file", content_type = "application/octet-stream",
            headers(("Content-Disposition" = String, description = "attachment; filename=\"…\""))),
        (status = 403, description = "Not allowed", body = Problem),
        (status = 404, description = "No such file on this chart", body = Problem),
    ))]
async fn download(
    State(state): State<AppState>,
    AuthUser(actor): AuthUser,
    ApiPath((id, file_id)): ApiPath<(Uuid, Uuid)>,
) -> ApiResult<Attachment> {
    let (meta, bytes) = state
        .svc
        .download_patient_file(&actor, PatientId(id), FileId(file_id))
        .await?;
    Ok(attachment(meta, bytes))
}

/// Deletes a file of the chart: it leaves listings and downloads; its bytes are retained.
#[utoipa::path(delete, path = "/api/patients/{id}/reports/{file_id}", tag = "files",
    security(("bearer" = [])),
    params(
        ("id" = Uuid, Path, description = "Chart id"),
        ("file_id" = Uuid, Path, description = "File id"),
    ),
    responses(
        (status = 204, description = "Deleted"),
        (status = 403, description = "Not allowed", body = Problem),
        (status = 404, description = "No such file on this chart", body = Problem),
    ))]
async fn delete(
    State(state): State<AppState>,
    AuthUser(actor): AuthUser,
    ApiPath((id, file_id)): ApiPath<(Uuid, Uuid)>,
) -> ApiResult<StatusCode> {
    state
        .svc
        .delete_patient_file(&actor, PatientId(id), FileId(file_id))
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Uploads a file to the chart named by the `patient_id` form field (alias of
/// `POST /api/patients/{id}/reports`).
#[utoipa::path(post, path = "/api/records/upload", tag = "files",
    security(("bearer" = [])),
    request_body(content = RecordUploadForm, content_type = "multipart/form-data"),
    responses(
        (status = 201, description = "Stored", body = FileDto),
        (status = 403, description = "Not allowed to add files to this chart", body = Problem),
        (status = 413, description = "Larger than the upload limit", body = Problem),
        (status = 415, description = "Not multipart, or not an accepted file type", body = Problem),
        (status = 422, description = "Missing field, or refused by the malware scanner", body = Problem),
    ))]
async fn upload_alias(
    State(state): State<AppState>,
    AuthUser(actor): AuthUser,
    form: RecordUpload,
) -> ApiResult<Response> {
    let f = state
        .svc
        .upload_file(
            &actor,
            PatientId(form.patient_id),
            &form.file.filename,
            &form.file.bytes,
        )
        .await?;
    Ok(created(f))
}

/// The chart's files (alias of `GET /api/patients/{id}/reports`).
#[utoipa::path(get, path = "/api/records/{patient_id}", tag = "files",
    security(("bearer" = [])),
    params(("patient_id" = Uuid, Path, description = "Chart id")),
    responses(
        (status = 200, description = "The chart's files", body = Vec<FileDto>),
        (status = 403, description = "Not allowed", body = Problem),
    ))]
async fn list_alias(
    State(state): State<AppState>,
    AuthUser(actor): AuthUser,
    ApiPath(patient_id): ApiPath<Uuid>,
) -> ApiResult<Json<Vec<FileDto>>> {
    let files = state.svc.list_files(&actor, PatientId(patient_id)).await?;
    Ok(Json(files.into_iter().map(FileDto::from).collect()))
}

/// Downloads a file by id.
#[utoipa::path(get, path = "/api/files/{file_id}", tag = "files",
    security(("bearer" = [])),
    params(("file_id" = Uuid, Path, description = "File id")),
    responses(
        (status = 200, description = "The file", content_type = "application/octet-stream",
            headers(("Content-Disposition" = String, description = "attachment; filename=\"…\""))),
        (status = 403, description = "Not allowed", body = Problem),
        (status = 404, description = "No such file", body = Problem),
    ))]
async fn download_alias(
    State(state): State<AppState>,
    AuthUser(actor): AuthUser,
    ApiPath(file_id): ApiPath<Uuid>,
) -> ApiResult<Attachment> {
    let (meta, bytes) = state.svc.download_file(&actor, FileId(file_id)).await?;
    Ok(attachment(meta, bytes))
}
