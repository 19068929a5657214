//! Invoice changes: issue, edit a draft, record a payment, void, attach a claim. Each
//! answers the invoice with its new `ETag`.

use axum::extract::State;
use axum::routing::{post, put};
use axum::Router;
use medsync_core::ids::InvoiceId;
use utoipa::OpenApi;
use uuid::Uuid;

use super::billing::versioned;
use super::Module;
use crate::dto::billing::{ClaimDto, DraftBody, InvoiceDto, PaymentBody, VoidBody};
use crate::error::{ApiResult, Problem};
use crate::etag::Versioned;
use crate::extract::{ApiJson, ApiPath, AuthUser};
use crate::state::AppState;

/// The invoice-lifecycle area.
pub const MODULE: Module = Module {
    name: "invoices",
    router,
    openapi: <Api as OpenApi>::openapi,
};

#[derive(OpenApi)]
#[openapi(paths(issue, update_draft, pay, void, claim))]
struct Api;

fn router() -> Router<AppState> {
    Router::new()
        .route("/api/invoices/{id}/issue", post(issue))
        .route("/api/invoices/{id}/draft", put(update_draft))
        .route("/api/invoices/{id}/payments", post(pay))
        .route("/api/invoices/{id}/void", post(void))
        .route("/api/invoices/{id}/claim", put(claim))
}

/// Issues a draft (admins); a zero total is settled at once.
#[utoipa::path(post, path = "/api/invoices/{id}/issue", tag = "billing",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Invoice id")),
    responses(
        (status = 200, description = "Issued", body = InvoiceDto),
        (status = 403, description = "Not an admin", body = Problem),
        (status = 404, description = "No such invoice", body = Problem),
        (status = 409, description = "Not a draft with lines", body = Problem),
    ))]
async fn issue(
    State(state): State<AppState>,
    AuthUser(actor): AuthUser,
    ApiPath(id): ApiPath<Uuid>,
) -> ApiResult<Versioned<InvoiceDto>> {
    Ok(versioned(
        state.svc.issue_invoice(&actor, InvoiceId(id)).await?,
    ))
}

/// Replaces a draft's lines and discount (admins); amounts and tax are recomputed.
#[utoipa::path(put, path = "/api/invoices/{id}/draft", tag = "billing",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Invoice id")),
    request_body = DraftBody,
    responses(
        (status = 200, description = "The updated draft", body = InvoiceDto),
        (status = 403, description = "Not an admin", body = Problem),
        (status = 404, description = "No such invoice", body = Problem),
        (status = 409, description = "Not a draft", body = Problem),
        (status = 422, description = "Invalid lines or discount", body = Problem),
    ))]
async fn update_draft(
    State(state): State<AppState>,
    AuthUser(actor): AuthUser,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(body): ApiJson<DraftBody>,
) -> ApiResult<Versioned<InvoiceDto>> {
    let (lines, discount) = body.core_lines();
    let invoice = state
        .svc
        .update_draft_invoice(&actor, InvoiceId(id), lines, discount)
        .await?;
    Ok(versioned(invoice))
}

/// Records a payment on an issued invoice (the patient pays their own; admins record any).
/// The invoice becomes `paid` when nothing is left owing.
#[utoipa::path(post, path = "/api/invoices/{id}/payments", tag = "billing",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Invoice id")),
    request_body = PaymentBody,
    responses(
        (status = 200, description = "The invoice with the payment", body = InvoiceDto),
        (status = 403, description = "Not allowed", body = Problem),
        (status = 404, description = "No such invoice", body = Problem),
        (status = 409, description = "Not issued", body = Problem),
        (status = 422, description = "Amount not within what is owed, or bad method",
            body = Problem),
    ))]
async fn pay(
    State(state): State<AppState>,
    AuthUser(actor): AuthUser,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(body): ApiJson<PaymentBody>,
) -> ApiResult<Versioned<InvoiceDto>> {
    let invoice = state
        .svc
        .record_payment(
            &actor,
            InvoiceId(id),
            body.amount_minor,
            body.method,
            body.reference,
        )
        .await?;
    Ok(versioned(invoice))
}

/// Voids a draft, or an issued invoice without payments (admins).
#[utoipa::path(post, path = "/api/invoices/{id}/void", tag = "billing",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Invoice id")),
    request_body = VoidBody,
    responses(
        (status = 200, description = "Voided", body = InvoiceDto),
        (status = 403, description = "Not an admin", body = Problem),
        (status = 404, description = "No such invoice", body = Problem),
        (status = 409, description = "Paid, or has payments", body = Problem),
        (status = 422, description = "Missing reason", body = Problem),
    ))]
async fn void(
    State(state): State<AppState>,
    AuthUser(actor): AuthUser,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(body): ApiJson<VoidBody>,
) -> ApiResult<Versioned<InvoiceDto>> {
    let invoice = state
        .svc
        .void_invoice(&actor, InvoiceId(id), body.reason)
        .await?;
    Ok(versioned(invoice))
}

/// Attaches or replaces the insurance-claim placeholder.
#[utoipa::path(put, path = "/api/invoices/{id}/claim", tag = "billing",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Invoice id")),
    request_body = ClaimDto,
    responses(
        (status = 200, description = "The invoice with its claim", body = InvoiceDto),
        (status = 403, description = "Not allowed", body = Problem),
        (status = 404, description = "No such invoice", body = Problem),
        (status = 409, description = "The invoice is void", body = Problem),
        (status = 422, description = "Invalid payer or policy number", body = Problem),
    ))]
async fn claim(
    State(state): State<AppState>,
    AuthUser(actor): AuthUser,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(body): ApiJson<ClaimDto>,
) -> ApiResult<Versioned<InvoiceDto>> {
    let invoice = state
        .svc
        .set_claim(&actor, InvoiceId(id), body.into())
        .await?;
    Ok(versioned(invoice))
}
