//! The middleware stack and the problem+json fallbacks.

use std::any::Any;
use std::time::Duration;

use axum::extract::{DefaultBodyLimit, Request};
use axum::http::{header, HeaderName, HeaderValue, Method, StatusCode};
use axum::middleware::{self, from_fn_with_state, Next};
use axum::response::{IntoResponse, Response};
use axum::Router;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::cors::{AllowOrigin, CorsLayer};
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::trace::{DefaultOnResponse, TraceLayer};
use tracing::Level;

use crate::error::{problem_response, ApiError};
use crate::state::AppState;
use crate::{metrics, rate_limit};

const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// Adds fallbacks and middleware to `routes` and binds `state`.
///
/// Order, outermost first: panic catcher → request id (generated if absent) → tracing span →
/// request-id echo → CORS → security headers (`Cache-Control: no-store`, `nosniff`) →
/// metrics → per-IP rate limit → body limit → handler. Every layer
/// wraps each route (so the route template is known to metrics and spans) and the fallbacks.
pub(crate) fn apply(routes: Router<AppState>, state: AppState) -> Router {
    let cors = cors(&state.config.cors_origins);
    let mut router = routes
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(DefaultBodyLimit::max(state.config.max_json_bytes))
        .layer(from_fn_with_state(state.clone(), rate_limit::per_ip))
        .layer(from_fn_with_state(state.clone(), metrics::track))
        .layer(middleware::from_fn(security_headers));
    if let Some(cors) = cors {
        router = router.layer(cors);
    }
    router
        .layer(PropagateRequestIdLayer::new(REQUEST_ID))
        .layer(
            TraceLayer::new_for_http()
                .make_span_with(span)
                .on_response(DefaultOnResponse::new().level(Level::INFO)),
        )
        .layer(SetRequestIdLayer::new(REQUEST_ID, MakeRequestUuid))
        .layer(CatchPanicLayer::custom(panicked))
        .with_state(state)
}

/// The span of one request. Only the path is recorded, never the query string (it may hold
/// an `access_token`).
fn span(req: &Request) -> tracing::Span {
    let route = req
        .extensions()
        .get::<axum::extract::MatchedPath>()
        .map_or("unmatched", |m| m.as_str());
    let id = req
        .headers()
        .get(&REQUEST_ID)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("-");
    tracing::info_span!("request", method = %req.method(), route, path = req.uri().path(), request_id = id)
}

fn cors(origins: &[String]) -> Option<CorsLayer> {
    let origins: Vec<HeaderValue> = origins
        .iter()
        .filter_map(|o| match HeaderValue::from_str(o.trim()) {
            Ok(v) => Some(v),
            Err(_) => {
                tracing::warn!(origin = %o, "ignoring an invalid CORS origin");
                None
            }
        })
        .collect();
    if origins.is_empty() {
        return None;
    }
    Some(
        CorsLayer::new()
            .allow_origin(AllowOrigin::list(origins))
            .allow_methods([
                Method::GET,
                Method::POST,
                Method::PUT,
                Method::PATCH,
                Method::DELETE,
            ])
            .allow_headers([
                header::AUTHORIZATION,
                header::CONTENT_TYPE,
                header::IF_MATCH,
                HeaderName::from_static("idempotency-key"),
                REQUEST_ID,
            ])
            .expose_headers([
                header::ETAG,
                header::LOCATION,
                header::RETRY_AFTER,
                REQUEST_ID,
            ])
            .max_age(Duration::from_secs(600)),
    )
}

/// Responses may carry health data: never cache them, never sniff their type.
async fn security_headers(req: Request, next: Next) -> Response {
    let mut res = next.run(req).await;
    let h = res.headers_mut();
    h.entry(header::CACHE_CONTROL)
        .or_insert(HeaderValue::from_static("no-store"));
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    res
}

async fn not_found() -> ApiError {
    ApiError::RouteNotFound
}

async fn method_not_allowed() -> ApiError {
    ApiError::MethodNotAllowed
}

fn panicked(_: Box<dyn Any + Send + 'static>) -> Response {
    tracing::error!("a handler panicked");
    let err = ApiError::Core(medsync_core::Error::Backend {
        message: "handler panicked".into(),
        source: None,
    });
    let status = StatusCode::INTERNAL_SERVER_ERROR;
    let mut res = problem_response(status, &err.problem(), None);
    *res.status_mut() = status;
    res.into_response()
}
