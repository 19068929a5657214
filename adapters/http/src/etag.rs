//! Optimistic concurrency over HTTP: `ETag: "<version>"` on responses, `If-Match` on writes.

use axum::extract::FromRequestParts;
use axum::http::header::{ETAG, IF_MATCH};
use axum::http::request::Parts;
use axum::http::HeaderValue;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Serialize;

use crate::error::ApiError;

/// The `If-Match` header of a write: `"<version>"` (the ETag of a previous response), or
/// absent / `*` (no precondition).
///
/// A malformed value answers 400. Pass the version to the service, which answers 412 when it
/// is stale. Routes that must not write blindly call [`IfMatch::required`] (428 when absent).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct IfMatch(pub Option<u64>);

/// The `If-Match` request header as the OpenAPI document describes it: name this type in the
/// `params(…)` of every route that takes an [`IfMatch`]. Optional; `*`, or an entity tag from
/// a previous response, quoted or not.
#[derive(Debug, utoipa::IntoParams)]
#[into_params(parameter_in = Header)]
pub struct IfMatchHeader {
    /// The ETag read, e.g. "2" (`*` or absent: no precondition)
    #[param(rename = "If-Match", value_type = String, required = false, pattern = r#"^(\*|"[0-9]{1,19}"|[0-9]{1,19})$"#)]
    pub if_match: Option<String>,
}

impl IfMatch {
    /// The version, or 428 Precondition Required when the header is absent or `*`.
    pub fn required(self) -> Result<u64, ApiError> {
        self.0.ok_or(ApiError::PreconditionRequired("If-Match"))
    }

    /// Parses a header value: `"3"`, `3` or `*`.
    pub fn parse(value: &str) -> Result<Self, ApiError> {
        let v = value.trim();
        if v == "*" {
            return Ok(Self(None));
        }
        let unquoted = v
            .strip_prefix('"')
            .and_then(|s| s.strip_suffix('"'))
            .unwrap_or(v);
        unquoted.parse::<u64>().map(|n| Self(Some(n))).map_err(|_| {
            ApiError::BadRequest(
                "If-Match must be one entity tag from a previous response, e.g. \"3\"".into(),
            )
        })
    }
}

impl<S: Send + Sync> FromRequestParts<S> for IfMatch {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, ApiError> {
        match parts.headers.get(IF_MATCH) {
            None => Ok(Self(None)),
            Some(v) => Self::parse(
                v.to_str()
                    .map_err(|_| ApiError::BadRequest("malformed If-Match header".into()))?,
            ),
        }
    }
}

/// The strong entity tag of a version: `"3"`.
pub fn etag(version: u64) -> HeaderValue {
    HeaderValue::from_str(&format!("\"{version}\"")).unwrap_or(HeaderValue::from_static("\"0\""))
}

/// A JSON response carrying `ETag: "<version>"`.
#[derive(Debug, Clone)]
pub struct Versioned<T>(pub u64, pub T);

impl<T: Serialize> IntoResponse for Versioned<T> {
    fn into_response(self) -> Response {
        ([(ETAG, etag(self.0))], Json(self.1)).into_response()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_if_match() {
        assert_eq!(IfMatch::parse("\"7\"").unwrap(), IfMatch(Some(7)));
        assert_eq!(IfMatch::parse("7").unwrap(), IfMatch(Some(7)));
        assert_eq!(IfMatch::parse("*").unwrap(), IfMatch(None));
        assert!(IfMatch::parse("W/\"7\"").is_err());
        assert!(IfMatch::parse("\"a\"").is_err());
        assert_eq!(
            IfMatch(None).required().unwrap_err().status(),
            axum::http::StatusCode::PRECONDITION_REQUIRED
        );
        assert_eq!(etag(3), "\"3\"");
    }
}
