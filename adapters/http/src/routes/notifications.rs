//! `/api/notifications`: the caller's notifications, and their live WebSocket feed.

use axum::extract::ws::rejection::WebSocketUpgradeRejection;
use axum::extract::ws::WebSocketUpgrade;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::Response;
use axum::routing::{get, post};
use axum::{Json, Router};
use medsync_core::ids::NotificationId;
use serde::Deserialize;
use utoipa::{IntoParams, OpenApi};

use super::Module;
use crate::dto::common::{page, Count, Paged};
use crate::dto::notifications::{MarkReadBody, MarkedRead, NotificationDto, NotificationQuery};
use crate::error::{ApiError, ApiResult, Problem};
use crate::extract::{authenticate, bearer_token, ApiJson, ApiQuery, AuthUser};
use crate::state::AppState;
use crate::ws;

/// The notifications area.
pub const MODULE: Module = Module {
    name: "notifications",
    router,
    openapi: <Api as OpenApi>::openapi,
};

#[derive(OpenApi)]
#[openapi(paths(list, unread_count, mark_read, live))]
struct Api;

fn router() -> Router<AppState> {
    Router::new()
        .route("/api/notifications", get(list))
        .route("/api/notifications/unread-count", get(unread_count))
        .route("/api/notifications/read", post(mark_read))
        .route("/api/notifications/ws", get(live))
}

/// The caller's notifications, newest first.
#[utoipa::path(get, path = "/api/notifications", tag = "notifications",
    security(("bearer" = [])),
    params(NotificationQuery),
    responses((status = 200, description = "A page of notifications", body = Paged<NotificationDto>)))]
async fn list(
    State(state): State<AppState>,
    AuthUser(actor): AuthUser,
    ApiQuery(q): ApiQuery<NotificationQuery>,
) -> ApiResult<Json<Paged<NotificationDto>>> {
    let page = page(q.offset, q.limit);
    let rows = state
        .svc
        .notifications(&actor, q.unread.unwrap_or(false), page)
        .await?;
    Ok(Json(Paged::of(rows, page)))
}

/// How many of the caller's notifications are unread.
#[utoipa::path(get, path = "/api/notifications/unread-count", tag = "notifications",
    security(("bearer" = [])),
    responses((status = 200, description = "The count", body = Count)))]
async fn unread_count(
    State(state): State<AppState>,
    AuthUser(actor): AuthUser,
) -> ApiResult<Json<Count>> {
    let count = state.svc.unread_count(&actor).await?;
    Ok(Json(Count { count }))
}

/// Marks the caller's notifications read: `ids`, or all when absent.
#[utoipa::path(post, path = "/api/notifications/read", tag = "notifications",
    security(("bearer" = [])),
    request_body(content = Option<MarkReadBody>, description = "Which ones (absent: all)"),
    responses((status = 200, description = "How many changed", body = MarkedRead)))]
async fn mark_read(
    State(state): State<AppState>,
    AuthUser(actor): AuthUser,
    body: Option<ApiJson<MarkReadBody>>,
) -> ApiResult<Json<MarkedRead>> {
    let ids: Option<Vec<NotificationId>> = body
        .and_then(|ApiJson(b)| b.ids)
        .map(|ids| ids.into_iter().map(NotificationId).collect());
    let marked = state.svc.mark_read(&actor, ids.as_deref()).await?;
    Ok(Json(MarkedRead { marked }))
}

/// `?access_token=` for WebSocket clients that cannot set headers (browsers).
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
struct WsQuery {
    /// The access token, when no `Authorization` header is sent.
    access_token: Option<String>,
}

/// Upgrades to a WebSocket that pushes the caller's notifications (JSON text frames, one
/// `NotificationDto` each) as they happen. Authenticated by the access token in the
/// `Authorization` header or the `access_token` query parameter; a bad token answers 401
/// before the upgrade. The socket closes (code 1008) once the token expires.
#[utoipa::path(get, path = "/api/notifications/ws", tag = "notifications",
    security(("bearer" = [])),
    params(WsQuery),
    responses(
        (status = 101, description = "Switching to the WebSocket protocol"),
        (status = 401, description = "Missing or invalid token", body = Problem),
    ))]
async fn live(
    State(state): State<AppState>,
    headers: HeaderMap,
    ApiQuery(q): ApiQuery<WsQuery>,
    upgrade: Result<WebSocketUpgrade, WebSocketUpgradeRejection>,
) -> ApiResult<Response> {
    let token = match bearer_token(&headers)? {
        Some(t) => t.to_owned(),
        None => q.access_token.ok_or_else(|| {
            ApiError::Core(medsync_core::Error::Unauthenticated(
                "missing access token".into(),
            ))
        })?,
    };
    let actor = authenticate(&state, &token).await?;
    let upgrade =
        upgrade.map_err(|e| ApiError::BadRequest(format!("not a WebSocket upgrade: {e}")))?;
    // Subscribe before answering 101, so everything after the handshake is delivered.
    let feed = state.notifications.subscribe();
    Ok(upgrade.on_upgrade(move |socket| ws::session(socket, state, token, actor, feed)))
}
