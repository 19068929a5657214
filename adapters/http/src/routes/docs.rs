//! `/api/openapi.json` and the `/api/docs` page.

use axum::http::header::CONTENT_TYPE;
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use utoipa::OpenApi;

use super::Module;
use crate::state::AppState;

/// The documentation area.
pub const MODULE: Module = Module {
    name: "docs",
    router,
    openapi: <Api as OpenApi>::openapi,
};

#[derive(OpenApi)]
#[openapi(paths(openapi_json, docs_page))]
struct Api;

fn router() -> Router<AppState> {
    Router::new()
        .route("/api/openapi.json", get(openapi_json))
        .route("/api/docs", get(docs_page))
}

/// The OpenAPI 3.1 description of this API.
#[utoipa::path(get, path = "/api/openapi.json", tag = "docs",
    responses((status = 200, description = "OpenAPI 3.1 document", content_type = "application/json")))]
async fn openapi_json() -> Response {
    ([(CONTENT_TYPE, "application/json")], crate::openapi::json()).into_response()
}

/// A self-contained page rendering the OpenAPI document (no external assets).
#[utoipa::path(get, path = "/api/docs", tag = "docs",
    responses((status = 200, description = "HTML page", content_type = "text/html")))]
async fn docs_page() -> Html<&'static str> {
    Html(include_str!("docs.html"))
}
