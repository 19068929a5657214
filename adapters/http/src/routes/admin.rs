//! `/api/admin`: user management and the audit trail (admins only; the service enforces it).

use axum::extract::State;
use axum::routing::{get, patch, post};
use axum::{Json, Router};
use medsync_core::ids::UserId;
use medsync_core::store::UserFilter;
use utoipa::OpenApi;
use uuid::Uuid;

use super::Module;
use crate::dto::audit::{AuditEntryDto, AuditQuery, VerifyReportDto};
use crate::dto::common::{page, Paged};
use crate::dto::users::{UserDto, UserPatch, UserQuery};
use crate::error::{ApiResult, Problem};
use crate::etag::Versioned;
use crate::extract::{ApiJson, ApiPath, ApiQuery, AuthUser};
use crate::state::AppState;

/// The admin area.
pub const MODULE: Module = Module {
    name: "admin",
    router,
    openapi: <Api as OpenApi>::openapi,
};

#[derive(OpenApi)]
#[openapi(paths(list_users, update_user, audit_log, verify_audit))]
struct Api;

fn router() -> Router<AppState> {
    Router::new()
        .route("/api/admin/users", get(list_users))
        .route("/api/admin/users/{id}", patch(update_user))
        .route("/api/admin/audit", get(audit_log))
        .route("/api/admin/audit/verify", post(verify_audit))
}

/// Lists users.
#[utoipa::path(get, path = "/api/admin/users", tag = "admin", security(("bearer" = [])),
    params(UserQuery),
    responses(
        (status = 200, description = "A page of users", body = Paged<UserDto>),
        (status = 401, description = "Not authenticated", body = Problem),
        (status = 403, description = "Not an admin", body = Problem),
    ))]
async fn list_users(
    State(state): State<AppState>,
    AuthUser(actor): AuthUser,
    ApiQuery(q): ApiQuery<UserQuery>,
) -> ApiResult<Json<Paged<UserDto>>> {
    let filter = UserFilter {
        query: q.q,
        role: q.role.map(Into::into),
        status: q.status.map(Into::into),
    };
    let page = page(q.offset, q.limit);
    let users = state.svc.list_users(&actor, &filter, page).await?;
    Ok(Json(Paged::of(users, page)))
}

/// Approves, deactivates, renames or re-roles a user.
#[utoipa::path(patch, path = "/api/admin/users/{id}", tag = "admin", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "User id")),
    request_body = UserPatch,
    responses(
        (status = 200, description = "The updated user", body = UserDto),
        (status = 403, description = "Not an admin", body = Problem),
        (status = 404, description = "No such user", body = Problem),
        (status = 422, description = "Invalid change", body = Problem),
    ))]
async fn update_user(
    State(state): State<AppState>,
    AuthUser(actor): AuthUser,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(body): ApiJson<UserPatch>,
) -> ApiResult<Versioned<UserDto>> {
    let user = state
        .svc
        .update_user(&actor, UserId(id), body.into())
        .await?;
    Ok(Versioned(user.version, user.into()))
}

/// Reads the audit log, newest first.
#[utoipa::path(get, path = "/api/admin/audit", tag = "admin", security(("bearer" = [])),
    params(AuditQuery),
    responses(
        (status = 200, description = "A page of audit entries", body = Paged<AuditEntryDto>),
        (status = 403, description = "Not an admin", body = Problem),
    ))]
async fn audit_log(
    State(state): State<AppState>,
    AuthUser(actor): AuthUser,
    ApiQuery(q): ApiQuery<AuditQuery>,
) -> ApiResult<Json<Paged<AuditEntryDto>>> {
    let page = page(q.offset, q.limit);
    let entries = state.svc.audit_log(&actor, &q.filter(), page).await?;
    Ok(Json(Paged::of(entries, page)))
}

/// Verifies the whole audit chain and reports the first tampered entry.
#[utoipa::path(post, path = "/api/admin/audit/verify", tag = "admin", security(("bearer" = [])),
    responses(
        (status = 200, description = "The verification report", body = VerifyReportDto),
        (status = 403, description = "Not an admin", body = Problem),
    ))]
async fn verify_audit(
    State(state): State<AppState>,
    AuthUser(actor): AuthUser,
) -> ApiResult<Json<VerifyReportDto>> {
    Ok(Json(state.svc.verify_audit(&actor).await?.into()))
}
