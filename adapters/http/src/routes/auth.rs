//! `/api/auth`: registration, login, token refresh, logout, password reset, the caller.

use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use medsync_core::Error;
use utoipa::OpenApi;

use super::Module;
use crate::dto::auth::{
    LoginRequest, PasswordResetConfirm, PasswordResetRequest, RefreshRequest, RegisterRequest,
    TokenResponse,
};
use crate::dto::users::UserDto;
use crate::error::{ApiError, ApiResult, Problem};
use crate::extract::{ApiJson, AuthUser};
use crate::state::AppState;

/// The auth area.
pub const MODULE: Module = Module {
    name: "auth",
    router,
    openapi: <Api as OpenApi>::openapi,
};

#[derive(OpenApi)]
#[openapi(paths(
    register,
    login,
    refresh,
    logout,
    password_reset,
    password_reset_confirm,
    me
))]
struct Api;

fn router() -> Router<AppState> {
    Router::new()
        .route("/api/auth/register", post(register))
        .route("/api/auth/login", post(login))
        .route("/api/auth/refresh", post(refresh))
        .route("/api/auth/logout", post(logout))
        .route("/api/auth/password-reset", post(password_reset))
        .route(
            "/api/auth/password-reset/confirm",
            post(password_reset_confirm),
        )
        .route("/api/auth/me", get(me))
}

/// Registers an account. Patients get a chart; doctors and nurses wait for approval.
#[utoipa::path(post, path = "/api/auth/register", tag = "auth", request_body = RegisterRequest,
    responses(
        (status = 201, description = "Registered", body = UserDto),
        (status = 409, description = "Email taken", body = Problem),
        (status = 422, description = "Invalid fields (including role admin)", body = Problem),
        (status = 429, description = "Rate limited", body = Problem),
    ))]
async fn register(
    State(state): State<AppState>,
    ApiJson(body): ApiJson<RegisterRequest>,
) -> ApiResult<(StatusCode, Json<UserDto>)> {
    let user = state
        .svc
        .register(body.into_core())
        .await
        .map_err(|e| match e {
            Error::InvalidInput(mut fields) => {
                for f in &mut fields {
                    f.field = RegisterRequest::wire_field(&f.field).to_owned();
                }
                ApiError::Core(Error::InvalidInput(fields))
            }
            other => ApiError::Core(other),
        })?;
    Ok((StatusCode::CREATED, Json(user.into())))
}

/// Logs in with email and password.
#[utoipa::path(post, path = "/api/auth/login", tag = "auth", request_body = LoginRequest,
    responses(
        (status = 200, description = "Logged in", body = TokenResponse),
        (status = 401, description = "Wrong credentials or inactive account", body = Problem),
        (status = 429, description = "Rate limited", body = Problem),
    ))]
async fn login(
    State(state): State<AppState>,
    ApiJson(body): ApiJson<LoginRequest>,
) -> ApiResult<Json<TokenResponse>> {
    let pair = state.svc.login(&body.email, &body.password).await?;
    Ok(Json(pair.into()))
}

/// Exchanges a refresh token for a new pair; a reused token revokes the session.
#[utoipa::path(post, path = "/api/auth/refresh", tag = "auth", request_body = RefreshRequest,
    responses(
        (status = 200, description = "New tokens", body = TokenResponse),
        (status = 401, description = "Invalid, expired or reused refresh token", body = Problem),
    ))]
async fn refresh(
    State(state): State<AppState>,
    ApiJson(body): ApiJson<RefreshRequest>,
) -> ApiResult<Json<TokenResponse>> {
    let pair = state.svc.refresh(&body.refresh_token).await?;
    Ok(Json(pair.into()))
}

/// Ends the session of a refresh token (idempotent).
#[utoipa::path(post, path = "/api/auth/logout", tag = "auth", request_body = RefreshRequest,
    responses((status = 204, description = "Logged out")))]
async fn logout(
    State(state): State<AppState>,
    ApiJson(body): ApiJson<RefreshRequest>,
) -> ApiResult<StatusCode> {
    state.svc.logout(&body.refresh_token).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Starts a password reset. Always 202, whether or not the email is known; the token goes
/// to the configured mailer.
#[utoipa::path(post, path = "/api/auth/password-reset", tag = "auth",
    request_body = PasswordResetRequest,
    responses(
        (status = 202, description = "Accepted"),
        (status = 429, description = "Rate limited", body = Problem),
    ))]
async fn password_reset(
    State(state): State<AppState>,
    ApiJson(body): ApiJson<PasswordResetRequest>,
) -> ApiResult<StatusCode> {
    if let Some(token) = state.svc.request_password_reset(&body.email).await? {
        // Delivered in the background so the answer takes the same time either way.
        let mailer = state.reset_mailer.clone();
        tokio::spawn(async move { mailer.send_reset(&body.email, &token).await });
    }
    Ok(StatusCode::ACCEPTED)
}

/// Completes a password reset; every session of the user is revoked.
#[utoipa::path(post, path = "/api/auth/password-reset/confirm", tag = "auth",
    request_body = PasswordResetConfirm,
    responses(
        (status = 204, description = "Password replaced"),
        (status = 401, description = "Invalid or expired token", body = Problem),
        (status = 422, description = "Password refused by the policy", body = Problem),
    ))]
async fn password_reset_confirm(
    State(state): State<AppState>,
    ApiJson(body): ApiJson<PasswordResetConfirm>,
) -> ApiResult<StatusCode> {
    state
        .svc
        .confirm_password_reset(&body.token, &body.password)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The caller's own account.
#[utoipa::path(get, path = "/api/auth/me", tag = "auth", security(("bearer" = [])),
    responses(
        (status = 200, description = "The caller", body = UserDto),
        (status = 401, description = "Not authenticated", body = Problem),
    ))]
async fn me(State(state): State<AppState>, AuthUser(actor): AuthUser) -> ApiResult<Json<UserDto>> {
    Ok(Json(state.svc.me(&actor).await?.into()))
}
