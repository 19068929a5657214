//! `/api/appointments`: booking and the appointment lifecycle.

use axum::extract::State;
use axum::http::header::LOCATION;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use medsync_core::ids::AppointmentId;
use medsync_core::scheduling::{Appointment, Transition};
use utoipa::OpenApi;
use uuid::Uuid;

use super::Module;
use crate::dto::appointments::{
    AppointmentDto, AppointmentListQuery, BookBody, CancelBody, CancelQuery, RescheduleBody,
};
use crate::dto::common::{page, Paged};
use crate::error::{ApiResult, Problem};
use crate::etag::{IfMatch, IfMatchHeader, Versioned};
use crate::extract::{ApiJson, ApiPath, ApiQuery, AuthUser, IdempotencyKey};
use crate::state::AppState;

/// The appointments area.
pub const MODULE: Module = Module {
    name: "appointments",
    router,
    openapi: <Api as OpenApi>::openapi,
};

#[derive(OpenApi)]
#[openapi(paths(list, book, read, reschedule, cancel, confirm, complete, no_show))]
struct Api;

fn router() -> Router<AppState> {
    Router::new()
        .route("/api/appointments", get(list).post(book))
        .route(
            "/api/appointments/{id}",
            get(read).put(reschedule).delete(cancel),
        )
        .route("/api/appointments/{id}/confirm", post(confirm))
        .route("/api/appointments/{id}/complete", post(complete))
        .route("/api/appointments/{id}/no-show", post(no_show))
}

fn versioned(a: Appointment) -> Versioned<AppointmentDto> {
    Versioned(a.version, a.into())
}

/// Appointments the caller may see (doctors: their own schedule).
#[utoipa::path(get, path = "/api/appointments", tag = "appointments", security(("bearer" = [])),
    params(AppointmentListQuery),
    responses(
        (status = 200, description = "A page of appointments", body = Paged<AppointmentDto>),
        (status = 422, description = "Bad filter", body = Problem),
    ))]
async fn list(
    State(state): State<AppState>,
    AuthUser(actor): AuthUser,
    ApiQuery(q): ApiQuery<AppointmentListQuery>,
) -> ApiResult<Json<Paged<AppointmentDto>>> {
    let page = page(q.offset, q.limit);
    let rows = state
        .svc
        .list_appointments(&actor, q.to_core()?, page)
        .await?;
    Ok(Json(Paged::of(rows, page)))
}

/// Books a pending hold; confirm it before `hold_expires_at`.
#[utoipa::path(post, path = "/api/appointments", tag = "appointments", security(("bearer" = [])),
    params(("Idempotency-Key" = Option<String>, Header, nullable = false,
        pattern = r"^[!-~]{1,255}$",
        description = "Retry key (1 to 255 visible ASCII characters): the same caller and key \
            return the same appointment")),
    request_body = BookBody,
    responses(
        (status = 201, description = "Booked (pending)", body = AppointmentDto),
        (status = 403, description = "Not allowed to book for this chart", body = Problem),
        (status = 404, description = "No such doctor or chart", body = Problem),
        (status = 409, description = "Overlaps `blocking_id`", body = Problem),
        (status = 422, description = "Invalid fields or outside availability", body = Problem),
    ))]
async fn book(
    State(state): State<AppState>,
    AuthUser(actor): AuthUser,
    IdempotencyKey(key): IdempotencyKey,
    ApiJson(body): ApiJson<BookBody>,
) -> ApiResult<Response> {
    let a = state.svc.book(&actor, body.into_core(key)).await?;
    let location = format!("/api/appointments/{}", a.id);
    Ok((StatusCode::CREATED, [(LOCATION, location)], versioned(a)).into_response())
}

/// Reads an appointment.
#[utoipa::path(get, path = "/api/appointments/{id}", tag = "appointments",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Appointment id")),
    responses(
        (status = 200, description = "The appointment", body = AppointmentDto),
        (status = 403, description = "Not allowed", body = Problem),
        (status = 404, description = "No such appointment", body = Problem),
    ))]
async fn read(
    State(state): State<AppState>,
    AuthUser(actor): AuthUser,
    ApiPath(id): ApiPath<Uuid>,
) -> ApiResult<Versioned<AppointmentDto>> {
    let a = state.svc.get_appointment(&actor, AppointmentId(id)).await?;
    Ok(versioned(a))
}

/// Moves an appointment atomically (the old interval is freed only if the new one is free).
#[utoipa::path(put, path = "/api/appointments/{id}", tag = "appointments",
    security(("bearer" = [])),
    params(
        ("id" = Uuid, Path, description = "Appointment id"),
        IfMatchHeader,
    ),
    request_body = RescheduleBody,
    responses(
        (status = 200, description = "The moved appointment", body = AppointmentDto),
        (status = 409, description = "New interval taken, or not movable", body = Problem),
        (status = 412, description = "Stale If-Match", body = Problem),
        (status = 422, description = "Invalid interval", body = Problem),
    ))]
async fn reschedule(
    State(state): State<AppState>,
    AuthUser(actor): AuthUser,
    ApiPath(id): ApiPath<Uuid>,
    IfMatch(version): IfMatch,
    ApiJson(body): ApiJson<RescheduleBody>,
) -> ApiResult<Versioned<AppointmentDto>> {
    let t = Transition::Reschedule {
        start: body.start,
        end: body.end,
    };
    let a = state
        .svc
        .transition(&actor, AppointmentId(id), t, version)
        .await?;
    Ok(versioned(a))
}

/// Cancels an appointment; the reason comes from an optional JSON body or `?reason=`.
#[utoipa::path(delete, path = "/api/appointments/{id}", tag = "appointments",
    security(("bearer" = [])),
    params(
        ("id" = Uuid, Path, description = "Appointment id"),
        IfMatchHeader,
        CancelQuery,
    ),
    request_body(content = Option<CancelBody>, description = "Optional reason"),
    responses(
        (status = 200, description = "The cancelled appointment", body = AppointmentDto),
        (status = 409, description = "Not cancellable in its state", body = Problem),
        (status = 412, description = "Stale If-Match", body = Problem),
    ))]
async fn cancel(
    State(state): State<AppState>,
    AuthUser(actor): AuthUser,
    ApiPath(id): ApiPath<Uuid>,
    IfMatch(version): IfMatch,
    ApiQuery(q): ApiQuery<CancelQuery>,
    body: Option<ApiJson<CancelBody>>,
) -> ApiResult<Versioned<AppointmentDto>> {
    let reason = body.and_then(|ApiJson(b)| b.reason).or(q.reason);
    let a = state
        .svc
        .transition(
            &actor,
            AppointmentId(id),
            Transition::Cancel { reason },
            version,
        )
        .await?;
    Ok(versioned(a))
}

/// Applies a body-less lifecycle transition.
async fn act(
    state: &AppState,
    actor: &medsync_core::policy::Actor,
    id: Uuid,
    t: Transition,
    version: Option<u64>,
) -> ApiResult<Versioned<AppointmentDto>> {
    let a = state
        .svc
        .transition(actor, AppointmentId(id), t, version)
        .await?;
    Ok(versioned(a))
}

/// Confirms a pending hold before it lapses.
#[utoipa::path(post, path = "/api/appointments/{id}/confirm", tag = "appointments",
    security(("bearer" = [])),
    params(
        ("id" = Uuid, Path, description = "Appointment id"),
        IfMatchHeader,
    ),
    responses(
        (status = 200, description = "Confirmed", body = AppointmentDto),
        (status = 409, description = "Not pending, or the hold lapsed", body = Problem),
    ))]
async fn confirm(
    State(state): State<AppState>,
    AuthUser(actor): AuthUser,
    ApiPath(id): ApiPath<Uuid>,
    IfMatch(version): IfMatch,
) -> ApiResult<Versioned<AppointmentDto>> {
    act(&state, &actor, id, Transition::Confirm, version).await
}

/// Marks a confirmed appointment completed (its doctor, once started); bills the visit.
#[utoipa::path(post, path = "/api/appointments/{id}/complete", tag = "appointments",
    security(("bearer" = [])),
    params(
        ("id" = Uuid, Path, description = "Appointment id"),
        IfMatchHeader,
    ),
    responses(
        (status = 200, description = "Completed", body = AppointmentDto),
        (status = 403, description = "Not the appointment's doctor", body = Problem),
        (status = 409, description = "Not confirmed, or not started yet", body = Problem),
    ))]
async fn complete(
    State(state): State<AppState>,
    AuthUser(actor): AuthUser,
    ApiPath(id): ApiPath<Uuid>,
    IfMatch(version): IfMatch,
) -> ApiResult<Versioned<AppointmentDto>> {
    act(&state, &actor, id, Transition::Complete, version).await
}

/// Marks a confirmed appointment as no-show (its doctor, once started).
#[utoipa::path(post, path = "/api/appointments/{id}/no-show", tag = "appointments",
    security(("bearer" = [])),
    params(
        ("id" = Uuid, Path, description = "Appointment id"),
        IfMatchHeader,
    ),
    responses(
        (status = 200, description = "Marked no-show", body = AppointmentDto),
        (status = 403, description = "Not the appointment's doctor", body = Problem),
        (status = 409, description = "Not confirmed, or not started yet", body = Problem),
    ))]
async fn no_show(
    State(state): State<AppState>,
    AuthUser(actor): AuthUser,
    ApiPath(id): ApiPath<Uuid>,
    IfMatch(version): IfMatch,
) -> ApiResult<Versioned<AppointmentDto>> {
    act(&state, &actor, id, Transition::NoShow, version).await
}
