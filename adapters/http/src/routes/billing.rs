//! Billing reads and fee schedules: `/api/doctors/{id}/fees`, `/api/invoices`,
//! `/api/invoices/{id}` and `/api/appointments/{id}/invoice`. Invoice changes are in
//! [`super::invoices`].
//!
//! Invoices are created by the service when an appointment is completed (exactly one per
//! appointment); they carry `ETag: "<version>"`.

use axum::extract::State;
use axum::routing::{get, put};
use axum::{Json, Router};
use medsync_core::billing::Invoice;
use medsync_core::ids::{AppointmentId, InvoiceId, UserId};
use utoipa::OpenApi;
use uuid::Uuid;

use super::Module;
use crate::dto::billing::{FeeBody, FeeDto, InvoiceDto, InvoiceListQuery};
use crate::dto::common::{page, Paged};
use crate::error::{ApiResult, Problem};
use crate::etag::Versioned;
use crate::extract::{ApiJson, ApiPath, ApiQuery, AuthUser};
use crate::state::AppState;

/// The billing area.
pub const MODULE: Module = Module {
    name: "billing",
    router,
    openapi: <Api as OpenApi>::openapi,
};

#[derive(OpenApi)]
#[openapi(paths(set_fee, fees, list_invoices, read_invoice, appointment_invoice))]
struct Api;

fn router() -> Router<AppState> {
    Router::new()
        .route("/api/doctors/{id}/fees", get(fees))
        .route("/api/doctors/{id}/fees/{appointment_type}", put(set_fee))
        .route("/api/invoices", get(list_invoices))
        .route("/api/invoices/{id}", get(read_invoice))
        .route("/api/appointments/{id}/invoice", get(appointment_invoice))
}

/// The invoice, tagged with `ETag: "<version>"`.
pub(crate) fn versioned(i: Invoice) -> Versioned<InvoiceDto> {
    Versioned(i.version, i.into())
}

/// Sets a doctor's fee for an appointment type (admins). Invoices already created keep
/// their amounts.
#[utoipa::path(put, path = "/api/doctors/{id}/fees/{appointment_type}", tag = "billing",
    security(("bearer" = [])),
    params(
        ("id" = Uuid, Path, description = "The doctor's user id"),
        ("appointment_type" = String, Path, pattern = r"^[A-Za-z0-9_-]{1,64}$",
            description = "1 to 64 ASCII letters, digits, `_` or `-`, e.g. `consultation`"),
    ),
    request_body = FeeBody,
    responses(
        (status = 200, description = "The fee", body = FeeDto),
        (status = 403, description = "Not an admin", body = Problem),
        (status = 422, description = "Invalid amount, currency, rate, type or doctor",
            body = Problem),
    ))]
async fn set_fee(
    State(state): State<AppState>,
    AuthUser(actor): AuthUser,
    ApiPath((doctor, appointment_type)): ApiPath<(Uuid, String)>,
    ApiJson(body): ApiJson<FeeBody>,
) -> ApiResult<Json<FeeDto>> {
    let fee = state
        .svc
        .set_fee(&actor, body.into_core(doctor, appointment_type))
        .await?;
    Ok(Json(fee.into()))
}

/// A doctor's fee schedule, ordered by appointment type (a price list any user may read).
#[utoipa::path(get, path = "/api/doctors/{id}/fees", tag = "billing",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "The doctor's user id")),
    responses(
        (status = 200, description = "The fees", body = Vec<FeeDto>),
        (status = 401, description = "Not authenticated", body = Problem),
    ))]
async fn fees(
    State(state): State<AppState>,
    _caller: AuthUser,
    ApiPath(doctor): ApiPath<Uuid>,
) -> ApiResult<Json<Vec<FeeDto>>> {
    let fees = state.svc.fees(UserId(doctor)).await?;
    Ok(Json(fees.into_iter().map(FeeDto::from).collect()))
}

/// Invoices the caller may see, newest first (admins: all; doctors: their appointments';
/// patients and caregivers: the charts they may read billing of).
#[utoipa::path(get, path = "/api/invoices", tag = "billing", security(("bearer" = [])),
    params(InvoiceListQuery),
    responses(
        (status = 200, description = "A page of invoices", body = Paged<InvoiceDto>),
        (status = 422, description = "Bad filter", body = Problem),
    ))]
async fn list_invoices(
    State(state): State<AppState>,
    AuthUser(actor): AuthUser,
    ApiQuery(q): ApiQuery<InvoiceListQuery>,
) -> ApiResult<Json<Paged<InvoiceDto>>> {
    let page = page(q.offset, q.limit);
    let rows = state.svc.list_invoices(&actor, q.to_core(), page).await?;
    Ok(Json(Paged::of(rows, page)))
}

/// Reads an invoice.
#[utoipa::path(get, path = "/api/invoices/{id}", tag = "billing", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Invoice id")),
    responses(
        (status = 200, description = "The invoice", body = InvoiceDto,
            headers(("ETag" = String, description = "The invoice's version"))),
        (status = 403, description = "Not allowed", body = Problem),
        (status = 404, description = "No such invoice", body = Problem),
    ))]
async fn read_invoice(
    State(state): State<AppState>,
    AuthUser(actor): AuthUser,
    ApiPath(id): ApiPath<Uuid>,
) -> ApiResult<Versioned<InvoiceDto>> {
    Ok(versioned(
        state.svc.get_invoice(&actor, InvoiceId(id)).await?,
    ))
}

/// The invoice of an appointment (it exists once the appointment is completed).
#[utoipa::path(get, path = "/api/appointments/{id}/invoice", tag = "billing",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Appointment id")),
    responses(
        (status = 200, description = "The invoice", body = InvoiceDto,
            headers(("ETag" = String, description = "The invoice's version"))),
        (status = 403, description = "Not allowed", body = Problem),
        (status = 404, description = "No invoice (not completed) or no such appointment",
            body = Problem),
    ))]
async fn appointment_invoice(
    State(state): State<AppState>,
    AuthUser(actor): AuthUser,
    ApiPath(id): ApiPath<Uuid>,
) -> ApiResult<Versioned<InvoiceDto>> {
    let invoice = state
        .svc
        .invoice_for_appointment(&actor, AppointmentId(id))
        .await?;
    Ok(versioned(invoice))
}
