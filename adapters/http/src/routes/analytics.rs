//! Admin analytics and exports: `/api/admin/analytics`, `/api/admin/analytics/export` and
//! `/api/admin/reports/monthly` (admins only; the service enforces it).

use axum::extract::State;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use medsync_core::billing::ReportFormat;
use utoipa::OpenApi;

use super::Module;
use crate::download::Attachment;
use crate::dto::analytics::{
    AnalyticsExportQuery, AnalyticsQuery, AnalyticsReportDto, MonthlyFormatDto, MonthlyQuery,
    MonthlyReportDto, SeriesDto,
};
use crate::error::{ApiResult, Problem};
use crate::extract::{ApiQuery, AuthUser};
use crate::state::AppState;

/// The analytics area.
pub const MODULE: Module = Module {
    name: "analytics",
    router,
    openapi: <Api as OpenApi>::openapi,
};

#[derive(OpenApi)]
#[openapi(
    paths(dashboard, export, monthly_report),
    components(schemas(SeriesDto, MonthlyFormatDto))
)]
struct Api;

fn router() -> Router<AppState> {
    Router::new()
        .route("/api/admin/analytics", get(dashboard))
        .route("/api/admin/analytics/export", get(export))
        .route("/api/admin/reports/monthly", get(monthly_report))
}

/// The CSV media type of exports.
const CSV: &str = "text/csv; charset=utf-8";

/// The dashboard for `[from, to)`: appointment series per bucket, completion rate, active
/// users per role, logins per day and revenue per month — computed by the storage backend.
#[utoipa::path(get, path = "/api/admin/analytics", tag = "analytics", security(("bearer" = [])),
    params(AnalyticsQuery),
    responses(
        (status = 200, description = "The report", body = AnalyticsReportDto),
        (status = 403, description = "Not an admin", body = Problem),
        (status = 422, description = "Bad range or bucket", body = Problem),
    ))]
async fn dashboard(
    State(state): State<AppState>,
    AuthUser(actor): AuthUser,
    ApiQuery(q): ApiQuery<AnalyticsQuery>,
) -> ApiResult<Json<AnalyticsReportDto>> {
    let bucket = q.bucket.unwrap_or_default().into();
    let report = state.svc.analytics(&actor, q.from, q.to, bucket).await?;
    Ok(Json(report.into()))
}

/// One series of the dashboard as CSV (an attachment).
#[utoipa::path(get, path = "/api/admin/analytics/export", tag = "analytics",
    security(("bearer" = [])),
    params(AnalyticsExportQuery),
    responses(
        (status = 200, description = "The series as CSV", content_type = "text/csv",
            body = String),
        (status = 403, description = "Not an admin", body = Problem),
        (status = 422, description = "Bad range, bucket or series", body = Problem),
    ))]
async fn export(
    State(state): State<AppState>,
    AuthUser(actor): AuthUser,
    ApiQuery(q): ApiQuery<AnalyticsExportQuery>,
) -> ApiResult<Attachment> {
    let bucket = q.bucket.unwrap_or_default().into();
    let csv = state
        .svc
        .export_analytics_csv(&actor, q.from, q.to, bucket, q.series.to_core())
        .await?;
    Ok(Attachment {
        content_type: CSV,
        filename: format!("medsync-{}.csv", q.series.as_str()),
        bytes: csv.into_bytes(),
    })
}

/// The billing summary of a UTC month as JSON, CSV or XLSX (the files as attachments).
#[utoipa::path(get, path = "/api/admin/reports/monthly", tag = "analytics",
    security(("bearer" = [])),
    params(MonthlyQuery),
    responses(
        (status = 200, description = "The report: JSON, `text/csv` or \
            `application/vnd.openxmlformats-officedocument.spreadsheetml.sheet`",
            body = MonthlyReportDto),
        (status = 403, description = "Not an admin", body = Problem),
        (status = 422, description = "Bad month or format", body = Problem),
    ))]
async fn monthly_report(
    State(state): State<AppState>,
    AuthUser(actor): AuthUser,
    ApiQuery(q): ApiQuery<MonthlyQuery>,
) -> ApiResult<Response> {
    let format = match q.format.unwrap_or_default() {
        MonthlyFormatDto::Json => {
            let report = state.svc.monthly_report(&actor, q.month).await?;
            return Ok(Json(MonthlyReportDto::from(report)).into_response());
        }
        MonthlyFormatDto::Csv => ReportFormat::Csv,
        MonthlyFormatDto::Xlsx => ReportFormat::Xlsx,
    };
    let bytes = state
        .svc
        .export_monthly_report(&actor, q.month, format)
        .await?;
    Ok(Attachment {
        content_type: format.content_type(),
        filename: format!(
            "medsync-billing-{}.{}",
            q.month.format("%Y-%m"),
            format.extension()
        ),
        bytes,
    }
    .into_response())
}
