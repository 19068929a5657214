//! Extractors that turn HTTP into service inputs and every rejection into problem+json.

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{FromRequest, FromRequestParts, OptionalFromRequest, Path, Request};
use axum::http::header::{AUTHORIZATION, CONTENT_TYPE};
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode};
use medsync_core::policy::Actor;
use medsync_core::{Error, FieldError};
use serde::de::DeserializeOwned;

use crate::error::ApiError;
use crate::state::AppState;

/// The authenticated caller: `Authorization: Bearer <access token>` verified by
/// [`medsync_core::MedSync::authenticate`] (so deactivation and role changes apply at once),
/// then charged against the per-user rate limit.
///
/// Rejects with 401 (missing, malformed, tampered or expired token; inactive account) or 429.
#[derive(Debug, Clone)]
pub struct AuthUser(pub Actor);

impl FromRequestParts<AppState> for AuthUser {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let token =
            bearer_token(&parts.headers)?.ok_or_else(|| unauthenticated("missing bearer token"))?;
        authenticate(state, token).await.map(AuthUser)
    }
}

/// Verifies `token` and applies the per-user rate limit.
pub(crate) async fn authenticate(state: &AppState, token: &str) -> Result<Actor, ApiError> {
    let actor = state.svc.authenticate(token).await?;
    state.limits.check_user(actor.user_id)?;
    Ok(actor)
}

/// The token of an `Authorization: Bearer …` header, if there is one.
pub(crate) fn bearer_token(headers: &HeaderMap) -> Result<Option<&str>, ApiError> {
    let Some(value) = headers.get(AUTHORIZATION) else {
        return Ok(None);
    };
    let value = value
        .to_str()
        .map_err(|_| unauthenticated("malformed Authorization header"))?;
    match value.split_once(' ') {
        Some((scheme, token))
            if scheme.eq_ignore_ascii_case("bearer") && !token.trim().is_empty() =>
        {
            Ok(Some(token.trim()))
        }
        _ => Err(unauthenticated("expected an Authorization: Bearer token")),
    }
}

fn unauthenticated(message: &str) -> ApiError {
    ApiError::Core(Error::Unauthenticated(message.to_owned()))
}

/// A JSON request body.
///
/// Rejections: content type other than `application/json` (or `…+json`) → 415; body over
/// [`crate::HttpConfig::max_json_bytes`] → 413; malformed JSON → 400; well-formed JSON of the
/// wrong shape → 422 naming the field from serde's path (`weekly[0].start`).
///
/// As `Option<ApiJson<T>>` the body is optional: an empty body gives `None` (with or without
/// a JSON content type).
#[derive(Debug, Clone, Copy, Default)]
pub struct ApiJson<T>(pub T);

impl<T: DeserializeOwned> FromRequest<AppState> for ApiJson<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, ApiError> {
        if !is_json(req.headers()) {
            return Err(unsupported());
        }
        let bytes = body_bytes(req, state).await?;
        parse_json(&bytes).map(ApiJson)
    }
}

impl<T: DeserializeOwned> OptionalFromRequest<AppState> for ApiJson<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &AppState) -> Result<Option<Self>, ApiError> {
        let typed = req.headers().contains_key(CONTENT_TYPE);
        if typed && !is_json(req.headers()) {
            return Err(unsupported());
        }
        let bytes = body_bytes(req, state).await?;
        if bytes.iter().all(u8::is_ascii_whitespace) {
            Ok(None)
        } else if typed {
            parse_json(&bytes).map(|v| Some(ApiJson(v)))
        } else {
            Err(unsupported())
        }
    }
}

fn unsupported() -> ApiError {
    ApiError::Core(Error::UnsupportedMediaType(
        "expected Content-Type: application/json".into(),
    ))
}

async fn body_bytes(req: Request, state: &AppState) -> Result<Bytes, ApiError> {
    Bytes::from_request(req, state)
        .await
        .map_err(|e: BytesRejection| {
            if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
                ApiError::Core(Error::PayloadTooLarge {
                    limit: state.config.max_json_bytes as u64,
                })
            } else {
                ApiError::BadRequest("could not read the request body".into())
            }
        })
}

fn is_json(headers: &HeaderMap) -> bool {
    let Some(ct) = headers.get(CONTENT_TYPE).and_then(|v| v.to_str().ok()) else {
        return false;
    };
    let essence = ct
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase();
    essence == "application/json"
        || (essence.starts_with("application/") && essence.ends_with("+json"))
}

/// Parses a JSON body, mapping errors as [`ApiJson`] documents.
pub fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let value = serde_path_to_error::deserialize(&mut de).map_err(|e| {
        let path = e.path().to_string();
        let inner = e.into_inner();
        match inner.classify() {
            serde_json::error::Category::Data => {
                let message = strip_position(&inner.to_string());
                ApiError::Core(Error::InvalidInput(vec![field_error(&path, message)]))
            }
            _ => ApiError::BadRequest(format!("malformed JSON: {inner}")),
        }
    })?;
    de.end()
        .map_err(|e| ApiError::BadRequest(format!("malformed JSON: {e}")))?;
    Ok(value)
}

/// A query string, deserialised from `application/x-www-form-urlencoded`. A parameter that
/// does not parse answers 422 naming it.
#[derive(Debug, Clone, Copy, Default)]
pub struct ApiQuery<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequestParts<S> for ApiQuery<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, ApiError> {
        let query = parts.uri.query().unwrap_or_default();
        let de = serde_urlencoded::Deserializer::new(form_urlencoded::parse(query.as_bytes()));
        serde_path_to_error::deserialize(de)
            .map(ApiQuery)
            .map_err(|e| {
                let path = e.path().to_string();
                let message = e.into_inner().to_string();
                ApiError::Core(Error::InvalidInput(vec![field_error(&path, message)]))
            })
    }
}

/// Path parameters. A parameter that does not parse (e.g. an id that is not a UUID) answers
/// 404: the URL names no resource.
#[derive(Debug, Clone, Copy)]
pub struct ApiPath<T>(pub T);

impl<T: DeserializeOwned + Send, S: Send + Sync> FromRequestParts<S> for ApiPath<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        Path::<T>::from_request_parts(parts, state)
            .await
            .map(|Path(v)| ApiPath(v))
            .map_err(|_| ApiError::RouteNotFound)
    }
}

/// The `Idempotency-Key` header: retrying a request with the same key returns the first
/// result instead of acting twice. A value that is not visible ASCII answers 422.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct IdempotencyKey(pub Option<String>);

impl<S: Send + Sync> FromRequestParts<S> for IdempotencyKey {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, ApiError> {
        match parts.headers.get("idempotency-key") {
            None => Ok(Self(None)),
            Some(v) => v
                .to_str()
                .map(|s| Self(Some(s.to_owned())))
                .map_err(|_| ApiError::invalid("Idempotency-Key", "must be visible ASCII")),
        }
    }
}

/// A field error from a serde path and message. serde reports a missing field at the path
/// of the object that lacks it, so "missing field `x`" names `<path>.x`. Content that serde
/// buffers (tagged enums, flattened fields) loses its path; an unknown field there is named
/// from the message.
fn field_error(path: &str, message: String) -> FieldError {
    let quoted = |prefix: &str| {
        message
            .strip_prefix(prefix)
            .and_then(|rest| rest.split('`').next())
            .map(str::to_owned)
    };
    let base = if path == "." { "" } else { path };
    let field = match quoted("missing field `") {
        Some(name) if base.is_empty() => name,
        Some(name) => format!("{base}.{name}"),
        None if base.is_empty() => quoted("unknown field `").unwrap_or_else(|| "body".into()),
        None => base.to_owned(),
    };
    FieldError::new(field, message)
}

/// Drops serde_json's " at line L column C" suffix.
fn strip_position(message: &str) -> String {
    match message.rfind(" at line ") {
        Some(i) => message[..i].to_owned(),
        None => message.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Rule {
        day: String,
        start: u32,
    }

    #[derive(Debug, serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Body {
        name: String,
        weekly: Vec<Rule>,
    }

    fn fields(e: ApiError) -> Vec<String> {
        match e {
            ApiError::Core(Error::InvalidInput(f)) => f.into_iter().map(|f| f.field).collect(),
            other => panic!("expected 422, got {other:?}"),
        }
    }

    #[test]
    fn json_errors_name_the_field() {
        let e =
            parse_json::<Body>(br#"{"name":"a","weekly":[{"day":"x","start":"9"}]}"#).unwrap_err();
        assert_eq!(fields(e), ["weekly[0].start"]);
        let e = parse_json::<Body>(br#"{"weekly":[]}"#).unwrap_err();
        assert_eq!(fields(e), ["name"]);
        let e = parse_json::<Body>(br#"{"name":"a","weekly":[{"day":"x"}]}"#).unwrap_err();
        assert_eq!(fields(e), ["weekly[0].start"]);
        let e = parse_json::<Body>(br#"{"name":"a","weekly":[],"admin":true}"#).unwrap_err();
        assert_eq!(fields(e), ["admin"]);
        let e = parse_json::<Body>(br#""text""#).unwrap_err();
        assert_eq!(fields(e), ["body"]);
    }

    #[test]
    fn syntax_errors_are_bad_requests() {
        for body in [
            &br#"{"name": "#[..],
            b"{",
            b"",
            br#"{"name":"a","weekly":[]} trailing"#,
        ] {
            let e = parse_json::<Body>(body).unwrap_err();
            assert_eq!(e.status(), StatusCode::BAD_REQUEST, "{body:?}");
        }
    }

    #[test]
    fn content_types() {
        let mut h = HeaderMap::new();
        assert!(!is_json(&h));
        h.insert(
            CONTENT_TYPE,
            "application/json; charset=utf-8".parse().unwrap(),
        );
        assert!(is_json(&h));
        h.insert(
            CONTENT_TYPE,
            "application/merge-patch+json".parse().unwrap(),
        );
        assert!(is_json(&h));
        h.insert(CONTENT_TYPE, "text/plain".parse().unwrap());
        assert!(!is_json(&h));
    }

    #[test]
    fn bearer_tokens() {
        let mut h = HeaderMap::new();
        assert!(bearer_token(&h).unwrap().is_none());
        h.insert(AUTHORIZATION, "bearer abc.def".parse().unwrap());
        assert_eq!(bearer_token(&h).unwrap(), Some("abc.def"));
        h.insert(AUTHORIZATION, "Basic Zm9vOmJhcg==".parse().unwrap());
        assert!(bearer_token(&h).is_err());
        h.insert(AUTHORIZATION, "Bearer ".parse().unwrap());
        assert!(bearer_token(&h).is_err());
    }
}
