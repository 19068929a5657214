//! The OpenAPI 3.1 document, assembled from every [`crate::routes::MODULES`] entry.

use std::sync::OnceLock;

use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::OpenApi;

use crate::error::{FieldProblem, Problem};
use crate::routes::MODULES;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "MedSync API",
        description = "Healthcare appointment booking and clinical records. JSON with snake_case \
            fields, RFC 3339 UTC timestamps and UUID ids; errors are application/problem+json; \
            versioned resources carry an ETag and accept If-Match.",
    ),
    components(schemas(Problem, FieldProblem))
)]
struct Base;

/// The whole API description.
pub fn openapi() -> utoipa::openapi::OpenApi {
    let mut doc = Base::openapi();
    for m in MODULES {
        let mut part = (m.openapi)();
        qualify_operation_ids(&mut part, m.name);
        doc.merge(part);
    }
    let components = doc.components.get_or_insert_with(Default::default);
    components.add_security_scheme(
        "bearer",
        SecurityScheme::Http(
            HttpBuilder::new()
                .scheme(HttpAuthScheme::Bearer)
                .bearer_format("JWT")
                .description(Some(
                    "Access token from POST /api/auth/login or /api/auth/refresh",
                ))
                .build(),
        ),
    );
    doc
}

/// Prefixes every operation id with its module's name (`appointments_list`): handler names
/// repeat across modules, and OpenAPI requires operation ids to be unique.
fn qualify_operation_ids(doc: &mut utoipa::openapi::OpenApi, module: &str) {
    for item in doc.paths.paths.values_mut() {
        let ops = [
            &mut item.get,
            &mut item.put,
            &mut item.post,
            &mut item.delete,
            &mut item.patch,
            &mut item.head,
            &mut item.options,
            &mut item.trace,
        ];
        for op in ops.into_iter().flatten() {
            if let Some(id) = op.operation_id.as_mut() {
                *id = format!("{module}_{id}");
            }
        }
    }
}

/// The document as JSON, built once.
pub fn json() -> &'static str {
    static JSON: OnceLock<String> = OnceLock::new();
    JSON.get_or_init(|| {
        openapi().to_json().unwrap_or_else(|e| {
            tracing::error!(error = %e, "could not serialise the OpenAPI document");
            "{}".to_owned()
        })
    })
}
