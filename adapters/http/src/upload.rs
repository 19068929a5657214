//! `multipart/form-data` uploads, read as a stream and cut off at
//! [`crate::HttpConfig::max_upload_bytes`].
//!
//! Upload routes lift the JSON body cap with `.layer(DefaultBodyLimit::disable())`; these
//! extractors then enforce the upload limit themselves: a declared `Content-Length` that
//! cannot fit answers 413 before any byte is read, and the `file` field is read chunk by
//! chunk, answering 413 as soon as it passes the limit (the rest of the body is never read
//! nor buffered). Rejections: not `multipart/form-data` → 415; malformed multipart → 400;
//! a missing, repeated or unknown field → 422 naming it. The file's type is not judged here:
//! the service sniffs the bytes.

use axum::extract::multipart::{Field, MultipartError};
use axum::extract::{FromRequest, Multipart, Request};
use axum::http::header::{CONTENT_LENGTH, CONTENT_TYPE};
use axum::http::{HeaderMap, StatusCode};
use medsync_core::Error;
use uuid::Uuid;

use crate::error::ApiError;
use crate::state::AppState;

/// Room for multipart framing and small text fields on top of the file itself.
const FRAMING_BYTES: usize = 64 * 1024;
/// Longest text field (e.g. `patient_id`).
const MAX_TEXT_FIELD: usize = 1024;

/// An upload whose chart is named by the path: one `file` field.
#[derive(Debug, Clone)]
pub struct FileUpload {
    /// The client's file name (the service sanitises it).
    pub filename: String,
    /// The content, at most `max_upload_bytes`.
    pub bytes: Vec<u8>,
}

impl FromRequest<AppState> for FileUpload {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, ApiError> {
        let form = read_form(req, state, &[]).await?;
        Ok(form.file)
    }
}

/// An upload naming its chart in a `patient_id` field, plus the `file` field.
#[derive(Debug, Clone)]
pub struct RecordUpload {
    /// The chart.
    pub patient_id: Uuid,
    /// The file.
    pub file: FileUpload,
}

impl FromRequest<AppState> for RecordUpload {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, ApiError> {
        let form = read_form(req, state, &["patient_id"]).await?;
        let raw = form
            .texts
            .into_iter()
            .find_map(|(name, value)| (name == "patient_id").then_some(value))
            .ok_or_else(|| ApiError::invalid("patient_id", "is required"))?;
        let patient_id = Uuid::parse_str(raw.trim())
            .map_err(|_| ApiError::invalid("patient_id", "must be a UUID"))?;
        Ok(Self {
            patient_id,
            file: form.file,
        })
    }
}

struct Form {
    file: FileUpload,
    texts: Vec<(String, String)>,
}

async fn read_form(req: Request, state: &AppState, text_fields: &[&str]) -> Result<Form, ApiError> {
    let limit = state.config.max_upload_bytes;
    if !is_multipart(req.headers()) {
        return Err(ApiError::Core(Error::UnsupportedMediaType(
            "expected Content-Type: multipart/form-data".into(),
        )));
    }
    if declared_length(req.headers()).is_some_and(|n| n > limit.saturating_add(FRAMING_BYTES)) {
        return Err(too_large(limit));
    }
    let mut multipart = Multipart::from_request(req, state)
        .await
        .map_err(|_| ApiError::BadRequest("malformed multipart/form-data body".into()))?;
    let mut file = None;
    let mut texts: Vec<(String, String)> = Vec::new();
    while let Some(field) = multipart
        .next_field()
        .await
        .map_err(|e| malformed(e, limit))?
    {
        let name = field.name().unwrap_or_default().to_owned();
        if name == "file" {
            if file.is_some() {
                return Err(ApiError::invalid("file", "must be sent only once"));
            }
            let filename = field.file_name().unwrap_or_default().to_owned();
            let bytes = read_limited(field, limit, || too_large(limit)).await?;
            file = Some(FileUpload { filename, bytes });
        } else if text_fields.contains(&name.as_str()) {
            if texts.iter().any(|(n, _)| *n == name) {
                return Err(ApiError::invalid(name, "must be sent only once"));
            }
            let field_name = name.clone();
            let bytes = read_limited(field, MAX_TEXT_FIELD, || {
                ApiError::invalid(field_name.clone(), "is too long")
            })
            .await?;
            let text = String::from_utf8(bytes)
                .map_err(|_| ApiError::invalid(name.clone(), "must be UTF-8 text"))?;
            texts.push((name, text));
        } else {
            let field = if name.is_empty() { "body".into() } else { name };
            return Err(ApiError::invalid(field, "unknown form field"));
        }
    }
    let file = file.ok_or_else(|| ApiError::invalid("file", "is required"))?;
    Ok(Form { file, texts })
}

/// Reads a field chunk by chunk, failing with `over()` as soon as it passes `limit` bytes.
async fn read_limited(
    mut field: Field<'_>,
    limit: usize,
    over: impl Fn() -> ApiError,
) -> Result<Vec<u8>, ApiError> {
    let mut buf = Vec::new();
    while let Some(chunk) = field.chunk().await.map_err(|e| malformed(e, limit))? {
        if buf.len().saturating_add(chunk.len()) > limit {
            return Err(over());
        }
        buf.extend_from_slice(&chunk);
    }
    Ok(buf)
}

fn malformed(e: MultipartError, limit: usize) -> ApiError {
    if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
        too_large(limit)
    } else {
        ApiError::BadRequest(format!(
            "malformed multipart/form-data body: {}",
            e.body_text()
        ))
    }
}

fn too_large(limit: usize) -> ApiError {
    ApiError::Core(Error::PayloadTooLarge {
        limit: limit as u64,
    })
}

fn is_multipart(headers: &HeaderMap) -> bool {
    headers
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|ct| ct.split(';').next())
        .is_some_and(|essence| essence.trim().eq_ignore_ascii_case("multipart/form-data"))
}

fn declared_length(headers: &HeaderMap) -> Option<usize> {
    headers
        .get(CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse().ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recognises_multipart() {
        let mut h = HeaderMap::new();
        assert!(!is_multipart(&h));
        h.insert(
            CONTENT_TYPE,
            "multipart/form-data; boundary=x".parse().unwrap(),
        );
        assert!(is_multipart(&h));
        h.insert(CONTENT_TYPE, "application/pdf".parse().unwrap());
        assert!(!is_multipart(&h));
        h.insert(CONTENT_LENGTH, "12".parse().unwrap());
        assert_eq!(declared_length(&h), Some(12));
    }
}
