//! Errors as `application/problem+json` (RFC 9457).
//!
//! | cause | status |
//! |---|---|
//! | malformed JSON, bad header syntax | 400 |
//! | [`Error::Unauthenticated`] | 401 + `WWW-Authenticate: Bearer` |
//! | [`Error::Forbidden`] | 403 |
//! | [`Error::NotFound`], unknown route, malformed id in a path | 404 |
//! | wrong method on a known path | 405 |
//! | [`Error::Conflict`] (with `blocking_id`) | 409 |
//! | [`Error::InvalidState`] (type `invalid-state`) | 409: the request conflicts with the resource's current state (RFC 9110 §15.5.10) |
//! | [`Error::PreconditionFailed`] (stale `If-Match`) | 412 |
//! | [`Error::PayloadTooLarge`] | 413 |
//! | [`Error::UnsupportedMediaType`] | 415 |
//! | [`Error::InvalidInput`], well-formed JSON of the wrong shape | 422 with `errors[]` |
//! | `If-Match` missing where required | 428 |
//! | [`Error::RateLimited`] | 429 + `Retry-After` |
//! | [`Error::Backend`], anything unexpected | 500, generic detail; the cause is logged |
//! | not ready | 503 |
//!
//! Bodies never contain SQL, driver messages, stack traces or secrets: a 5xx always says
//! only "internal error" and the cause goes to the `tracing` log.

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use medsync_core::{Error, FieldError};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// The media type of error bodies.
pub const PROBLEM_JSON: &str = "application/problem+json";

/// Result of a handler.
pub type ApiResult<T> = Result<T, ApiError>;

/// An RFC 9457 problem document.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Problem {
    /// A URI identifying the kind of problem, e.g. `urn:medsync:problem:conflict`.
    #[serde(rename = "type")]
    pub type_: String,
    /// Short summary of the kind of problem (the status's reason phrase).
    pub title: String,
    /// The HTTP status code.
    pub status: u16,
    /// What went wrong in this occurrence, safe to show to the caller.
    pub detail: String,
    /// For 422: every invalid field.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldProblem>,
    /// For 409: the id of the existing thing that blocks the request (e.g. the overlapping
    /// appointment).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub blocking_id: Option<String>,
    /// For 412: the version the caller sent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expected_version: Option<u64>,
    /// For 412: the current version.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub current_version: Option<u64>,
    /// For 429: seconds to wait (also in the `Retry-After` header).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retry_after: Option<u64>,
}

/// One invalid field of a 422 problem.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct FieldProblem {
    /// The field as the caller spelled it: `email`, `weekly[0].start`, a query parameter.
    pub field: String,
    /// Why it is invalid.
    pub message: String,
}

impl From<FieldError> for FieldProblem {
    fn from(f: FieldError) -> Self {
        Self {
            field: f.field,
            message: f.message,
        }
    }
}

/// Everything a handler can fail with.
#[derive(Debug)]
pub enum ApiError {
    /// A domain error from the service.
    Core(Error),
    /// The request is not well-formed (malformed JSON, bad header syntax): 400.
    BadRequest(String),
    /// A conditional header (`If-Match`) is required but missing: 428.
    PreconditionRequired(&'static str),
    /// No route has this path, or a path parameter is not a valid id: 404.
    RouteNotFound,
    /// The path exists, the method does not: 405.
    MethodNotAllowed,
    /// A dependency is not ready (readiness probe): 503. The message is logged, not shown.
    Unavailable(String),
}

impl From<Error> for ApiError {
    fn from(e: Error) -> Self {
        Self::Core(e)
    }
}

impl ApiError {
    /// A 422 for one field.
    pub fn invalid(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self::Core(Error::invalid(field, message))
    }

    /// The status code this error answers with.
    pub fn status(&self) -> StatusCode {
        self.parts().0
    }

    fn parts(&self) -> (StatusCode, &'static str, String) {
        use StatusCode as S;
        match self {
            Self::BadRequest(m) => (S::BAD_REQUEST, "bad-request", m.clone()),
            Self::PreconditionRequired(h) => (
                S::PRECONDITION_REQUIRED,
                "precondition-required",
                format!("this request requires the {h} header"),
            ),
            Self::RouteNotFound => (S::NOT_FOUND, "not-found", "no such resource".into()),
            Self::MethodNotAllowed => (
                S::METHOD_NOT_ALLOWED,
                "method-not-allowed",
                "this method is not allowed on this resource".into(),
            ),
            Self::Unavailable(_) => (
                S::SERVICE_UNAVAILABLE,
                "unavailable",
                "the service is not ready".into(),
            ),
            Self::Core(e) => match e {
                Error::NotFound { .. } => (S::NOT_FOUND, "not-found", e.to_string()),
                Error::Conflict { message, .. } => (S::CONFLICT, "conflict", message.clone()),
                Error::PreconditionFailed { .. } => {
                    (S::PRECONDITION_FAILED, "precondition-failed", e.to_string())
                }
                Error::InvalidState(m) => (S::CONFLICT, "invalid-state", m.clone()),
                Error::Forbidden(m) => (S::FORBIDDEN, "forbidden", m.clone()),
                Error::Unauthenticated(m) => (S::UNAUTHORIZED, "unauthenticated", m.clone()),
                Error::InvalidInput(_) => (
                    S::UNPROCESSABLE_ENTITY,
                    "invalid-input",
                    "the request has invalid fields".into(),
                ),
                Error::PayloadTooLarge { .. } => {
                    (S::PAYLOAD_TOO_LARGE, "payload-too-large", e.to_string())
                }
                Error::UnsupportedMediaType(m) => (
                    S::UNSUPPORTED_MEDIA_TYPE,
                    "unsupported-media-type",
                    m.clone(),
                ),
                Error::RateLimited { retry_after_secs } => (
                    S::TOO_MANY_REQUESTS,
                    "rate-limited",
                    format!("too many requests; retry after {retry_after_secs} s"),
                ),
                _ => (
                    S::INTERNAL_SERVER_ERROR,
                    "internal",
                    "internal error".into(),
                ),
            },
        }
    }

    /// The problem document of this error.
    pub fn problem(&self) -> Problem {
        let (status, slug, detail) = self.parts();
        let mut p = Problem {
            type_: format!("urn:medsync:problem:{slug}"),
            title: status.canonical_reason().unwrap_or("Error").to_owned(),
            status: status.as_u16(),
            detail,
            errors: Vec::new(),
            blocking_id: None,
            expected_version: None,
            current_version: None,
            retry_after: None,
        };
        if let Self::Core(e) = self {
            match e {
                Error::InvalidInput(fields) => {
                    p.errors = fields.iter().cloned().map(FieldProblem::from).collect();
                }
                Error::Conflict { blocking, .. } => p.blocking_id = blocking.clone(),
                Error::PreconditionFailed {
                    expected, current, ..
                } => {
                    p.expected_version = Some(*expected);
                    p.current_version = Some(*current);
                }
                Error::RateLimited { retry_after_secs } => p.retry_after = Some(*retry_after_secs),
                _ => {}
            }
        }
        p
    }

    fn log(&self, status: StatusCode) {
        if !status.is_server_error() {
            tracing::debug!(status = status.as_u16(), error = ?self, "request failed");
            return;
        }
        match self {
            Self::Core(e) => {
                let mut causes = Vec::new();
                let mut source = std::error::Error::source(e);
                while let Some(s) = source {
                    causes.push(s.to_string());
                    source = s.source();
                }
                tracing::error!(error = %e, causes = ?causes, "request failed with a server error");
            }
            other => tracing::warn!(error = ?other, "request failed with a server error"),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let problem = self.problem();
        let status =
            StatusCode::from_u16(problem.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        self.log(status);
        problem_response(status, &problem, self.retry_after())
    }
}

impl ApiError {
    fn retry_after(&self) -> Option<u64> {
        match self {
            Self::Core(Error::RateLimited { retry_after_secs }) => Some(*retry_after_secs),
            _ => None,
        }
    }
}

/// Renders `problem` with `status`, the problem+json content type and, where they apply,
/// `WWW-Authenticate` (401) and `Retry-After` (429).
pub fn problem_response(
    status: StatusCode,
    problem: &Problem,
    retry_after: Option<u64>,
) -> Response {
    let body = serde_json::to_vec(problem).unwrap_or_else(|_| b"{}".to_vec());
    let mut res = (status, body).into_response();
    let headers = res.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(PROBLEM_JSON));
    if status == StatusCode::UNAUTHORIZED {
        headers.insert(
            header::WWW_AUTHENTICATE,
            HeaderValue::from_static("Bearer realm=\"medsync\""),
        );
    }
    if let Some(secs) = retry_after {
        headers.insert(header::RETRY_AFTER, HeaderValue::from(secs.max(1)));
    }
    res
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_follow_the_table() {
        let cases: Vec<(ApiError, u16)> = vec![
            (Error::not_found("appointment", 1).into(), 404),
            (
                Error::conflict("doctor is booked", Some("abc".into())).into(),
                409,
            ),
            (Error::InvalidState("cancelled".into()).into(), 409),
            (
                Error::PreconditionFailed {
                    entity: "patient",
                    expected: 1,
                    current: 2,
                }
                .into(),
                412,
            ),
            (Error::Forbidden("no".into()).into(), 403),
            (Error::Unauthenticated("no".into()).into(), 401),
            (Error::invalid("email", "bad").into(), 422),
            (Error::PayloadTooLarge { limit: 10 }.into(), 413),
            (Error::UnsupportedMediaType("x".into()).into(), 415),
            (
                Error::RateLimited {
                    retry_after_secs: 7,
                }
                .into(),
                429,
            ),
            (ApiError::BadRequest("x".into()), 400),
            (ApiError::PreconditionRequired("If-Match"), 428),
            (ApiError::RouteNotFound, 404),
            (ApiError::MethodNotAllowed, 405),
            (ApiError::Unavailable("db down".into()), 503),
        ];
        for (e, status) in cases {
            assert_eq!(e.problem().status, status, "{e:?}");
            assert_eq!(e.into_response().status().as_u16(), status);
        }
    }

    #[test]
    fn problem_details_carry_the_extras() {
        let p = ApiError::from(Error::conflict("doctor is booked", Some("abc".into()))).problem();
        assert_eq!(p.blocking_id.as_deref(), Some("abc"));
        assert_eq!(p.type_, "urn:medsync:problem:conflict");
        let p = ApiError::from(Error::invalid("weekly[0].start", "bad")).problem();
        assert_eq!(p.errors[0].field, "weekly[0].start");
        let res = ApiError::from(Error::RateLimited {
            retry_after_secs: 7,
        })
        .into_response();
        assert_eq!(res.headers()[header::RETRY_AFTER], "7");
        let res = ApiError::from(Error::Unauthenticated("x".into())).into_response();
        assert_eq!(
            res.headers()[header::WWW_AUTHENTICATE],
            "Bearer realm=\"medsync\""
        );
        assert_eq!(res.headers()[header::CONTENT_TYPE], PROBLEM_JSON);
    }

    #[test]
    fn server_errors_never_leak_their_cause() {
        let source = std::io::Error::other("SELECT * FROM users WHERE password = 'hunter2'");
        let e = ApiError::from(Error::backend("postgres://admin:hunter2@db failed", source));
        let p = e.problem();
        assert_eq!((p.status, p.detail.as_str()), (500, "internal error"));
        let body = serde_json::to_string(&p).unwrap();
        assert!(
            !body.contains("hunter2") && !body.contains("SELECT"),
            "{body}"
        );
        let p = ApiError::Unavailable("connection refused to 10.0.0.5".into()).problem();
        assert!(!p.detail.contains("10.0.0.5"));
    }
}
