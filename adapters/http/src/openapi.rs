//! The OpenAPI 3.1 document, assembled from every [`crate::routes::MODULES`] entry.

use std::sync::OnceLock;

use utoipa::openapi::path::Operation;
use utoipa::openapi::schema::{AdditionalProperties, ArrayItems, OneOf, Schema, SchemaType, Type};
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::openapi::{RefOr, Required};
use utoipa::OpenApi;

use crate::error::{FieldProblem, Problem};
use crate::routes::MODULES;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "MedSync API",
        description = "Healthcare appointment booking and clinical records. JSON with snake_case \
            fields, RFC 3339 UTC timestamps and UUID ids; errors are application/problem+json; \
            versioned resources carry an ETag and accept If-Match. Request bodies reject unknown \
            fields, and integer fields take JSON integers only (`2`, not `2.0` or `2e0`). The \
            schemas state each field's limits; rules that JSON Schema cannot express (one field \
            against another, the clock, existing data) are in the field descriptions, and a \
            request breaking any of them answers 422 naming the field.",
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
    for op in operations(&mut doc) {
        optional_body_is_absent_not_null(op);
    }
    nullable_formats_as_one_of(&mut doc);
    close_record_content(&mut doc);
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

/// Every operation of the document.
fn operations(doc: &mut utoipa::openapi::OpenApi) -> impl Iterator<Item = &mut Operation> {
    doc.paths.paths.values_mut().flat_map(|item| {
        [
            &mut item.get,
            &mut item.put,
            &mut item.post,
            &mut item.delete,
            &mut item.patch,
            &mut item.head,
            &mut item.options,
            &mut item.trace,
        ]
        .into_iter()
        .flatten()
    })
}

/// An optional body (`request_body(content = Option<T>)`) may be left out, but when sent it
/// must be a `T`: the server reads an empty body as absent and refuses a JSON `null` (422).
/// utoipa documents `Option<T>` as `oneOf: [null, T]`; this keeps only `T` (the body stays
/// optional: `required` is unset).
fn optional_body_is_absent_not_null(op: &mut Operation) {
    let Some(body) = op.request_body.as_mut() else {
        return;
    };
    if body.required == Some(Required::True) {
        return;
    }
    for content in body.content.values_mut() {
        if let Some(RefOr::T(Schema::OneOf(one_of))) = &content.schema {
            let mut rest = one_of.items.iter().filter(|item| !is_null(item));
            if let (Some(only), None) = (rest.next(), rest.next()) {
                content.schema = Some(only.clone());
            }
        }
    }
}

/// Whether `schema` is `{"type": "null"}`.
fn is_null(schema: &RefOr<Schema>) -> bool {
    matches!(schema, RefOr::T(Schema::Object(o)) if o.schema_type == SchemaType::Type(Type::Null))
}

/// Rewrites `{"type": [T, "null"], "format": F, …}` (utoipa's `Option<scalar>`) as the
/// equivalent `{"oneOf": [{"type": "null"}, {"type": T, "format": F, …}]}`, the spelling
/// utoipa already uses for nullable references. Some client and test generators ignore the
/// `format` of a multi-type schema and treat an `Option<DateTime>` as any string.
fn nullable_formats_as_one_of(doc: &mut utoipa::openapi::OpenApi) {
    if let Some(components) = doc.components.as_mut() {
        components.schemas.values_mut().for_each(visit_schemas);
    }
    for op in operations(doc) {
        for p in op.parameters.iter_mut().flatten() {
            p.schema.iter_mut().for_each(visit_schemas);
        }
        for content in op
            .request_body
            .iter_mut()
            .flat_map(|b| b.content.values_mut())
        {
            content.schema.iter_mut().for_each(visit_schemas);
        }
        for response in op.responses.responses.values_mut() {
            if let RefOr::T(r) = response {
                for content in r.content.values_mut() {
                    content.schema.iter_mut().for_each(visit_schemas);
                }
            }
        }
    }
}

/// Applies [`nullable_formats_as_one_of`] to `schema` and everything inside it.
fn visit_schemas(schema: &mut RefOr<Schema>) {
    let RefOr::T(s) = schema else {
        return;
    };
    match s {
        Schema::Object(o) => {
            o.properties.values_mut().for_each(visit_schemas);
            if let Some(AdditionalProperties::RefOr(inner)) = o.additional_properties.as_deref_mut()
            {
                visit_schemas(inner);
            }
        }
        Schema::Array(a) => {
            if let ArrayItems::RefOrSchema(items) = &mut a.items {
                visit_schemas(items);
            }
        }
        Schema::OneOf(x) => x.items.iter_mut().for_each(visit_schemas),
        Schema::AllOf(x) => x.items.iter_mut().for_each(visit_schemas),
        Schema::AnyOf(x) => x.items.iter_mut().for_each(visit_schemas),
        _ => {}
    }
    let Schema::Object(o) = s else {
        return;
    };
    let SchemaType::Array(types) = &o.schema_type else {
        return;
    };
    let others: Vec<Type> = types
        .iter()
        .filter(|t| **t != Type::Null)
        .cloned()
        .collect();
    if o.format.is_none() || others.len() != 1 || others.len() == types.len() {
        return;
    }
    let mut inner = o.clone();
    inner.schema_type = SchemaType::Type(others[0].clone());
    let mut one_of = OneOf::new();
    one_of.description = inner.description.take();
    one_of.title = inner.title.take();
    one_of.default = inner.default.take();
    one_of.items = vec![
        RefOr::T(Schema::Object(utoipa::openapi::Object::with_type(
            Type::Null,
        ))),
        RefOr::T(Schema::Object(inner)),
    ];
    *s = Schema::OneOf(one_of);
}

/// `RecordContentDto` is a `kind`-tagged enum with `deny_unknown_fields`, and
/// `CreateRecordBody` flattens it next to `reason`; serde refuses unknown fields in both, but
/// utoipa closes neither (it leaves enum variants open and renders the flattened body as an
/// `allOf`). This closes each content variant and spells the create body as "one closed
/// variant plus `reason`".
fn close_record_content(doc: &mut utoipa::openapi::OpenApi) {
    let Some(schemas) = doc.components.as_mut().map(|c| &mut c.schemas) else {
        return;
    };
    let Some(RefOr::T(Schema::OneOf(content))) = schemas.get_mut("RecordContentDto") else {
        return;
    };
    for variant in &mut content.items {
        if let RefOr::T(Schema::Object(o)) = variant {
            o.additional_properties = Some(Box::new(AdditionalProperties::FreeForm(false)));
        }
    }
    let variants = content.items.clone();
    let Some(RefOr::T(Schema::AllOf(create))) = schemas.get("CreateRecordBody") else {
        return;
    };
    let extra: Vec<(String, RefOr<Schema>)> = create
        .items
        .iter()
        .filter_map(|item| match item {
            RefOr::T(Schema::Object(o)) => Some(o.properties.clone()),
            _ => None,
        })
        .flatten()
        .collect();
    let mut one_of = OneOf::new();
    one_of.description = create.description.clone();
    one_of.items = variants
        .into_iter()
        .map(|mut variant| {
            if let RefOr::T(Schema::Object(o)) = &mut variant {
                o.properties.extend(extra.iter().cloned());
            }
            variant
        })
        .collect();
    schemas.insert(
        "CreateRecordBody".to_owned(),
        RefOr::T(Schema::OneOf(one_of)),
    );
}

/// Prefixes every operation id with its module's name (`appointments_list`): handler names
/// repeat across modules, and OpenAPI requires operation ids to be unique.
fn qualify_operation_ids(doc: &mut utoipa::openapi::OpenApi, module: &str) {
    for op in operations(doc) {
        if let Some(id) = op.operation_id.as_mut() {
            *id = format!("{module}_{id}");
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

#[cfg(test)]
mod tests {
    use serde_json::Value;

    fn doc() -> Value {
        serde_json::from_str(super::json()).unwrap()
    }

    /// Calls `f` on every JSON object inside `v`.
    fn each_object(v: &Value, f: &mut dyn FnMut(&serde_json::Map<String, Value>)) {
        match v {
            Value::Object(o) => {
                f(o);
                o.values().for_each(|x| each_object(x, f));
            }
            Value::Array(a) => a.iter().for_each(|x| each_object(x, f)),
            _ => {}
        }
    }

    #[test]
    fn optional_bodies_are_absent_not_null() {
        let doc = doc();
        for (path, method) in [
            ("/api/appointments/{id}", "delete"),
            ("/api/prescriptions/{id}/cancel", "post"),
            ("/api/notifications/read", "post"),
        ] {
            let body = &doc["paths"][path][method]["requestBody"];
            assert_ne!(body["required"], true, "{method} {path}");
            let schema = &body["content"]["application/json"]["schema"];
            assert!(schema["$ref"].is_string(), "{method} {path}: {schema}");
        }
    }

    #[test]
    fn nullable_scalars_with_a_format_are_one_of() {
        let mut seen = 0;
        each_object(&doc(), &mut |o| {
            if let (Some(Value::Array(types)), Some(_)) = (o.get("type"), o.get("format")) {
                panic!("multi-type schema with a format: {types:?} in {o:?}");
            }
            if let Some(Value::Array(items)) = o.get("oneOf") {
                seen += usize::from(items.len() == 2 && items[1]["format"] == "date-time");
            }
        });
        assert!(seen > 0, "no nullable date-time found");
    }

    #[test]
    fn record_content_is_closed_and_create_adds_only_reason() {
        let doc = doc();
        let schemas = &doc["components"]["schemas"];
        let content = schemas["RecordContentDto"]["oneOf"].as_array().unwrap();
        let create = schemas["CreateRecordBody"]["oneOf"].as_array().unwrap();
        assert_eq!(content.len(), 5);
        assert_eq!(create.len(), content.len());
        for (c, b) in content.iter().zip(create) {
            assert_eq!(c["additionalProperties"], false);
            assert_eq!(b["additionalProperties"], false);
            assert_eq!(b["properties"]["kind"], c["properties"]["kind"]);
            assert_eq!(b["properties"]["reason"]["maxLength"], 1000);
            let mut without_reason = b["properties"].as_object().unwrap().clone();
            without_reason.remove("reason");
            assert_eq!(&Value::Object(without_reason), &c["properties"]);
            assert_eq!(b["required"], c["required"]);
        }
    }

    #[test]
    fn if_match_patterns_follow_the_parser() {
        // Required If-Match never admits `*` (IfMatch::required answers 428 for it).
        let doc = doc();
        let mut optional = 0;
        for item in doc["paths"].as_object().unwrap().values() {
            for op in item.as_object().unwrap().values() {
                for p in op["parameters"].as_array().into_iter().flatten() {
                    if p["name"] != "If-Match" {
                        continue;
                    }
                    let pattern = p["schema"]["pattern"].as_str().unwrap();
                    assert_eq!(p["schema"]["type"], "string");
                    if p["required"] == true {
                        assert!(!pattern.contains(r"\*"), "{pattern}");
                    } else {
                        optional += 1;
                        assert!(pattern.contains(r"\*"), "{pattern}");
                    }
                }
            }
        }
        assert!(optional >= 6);
        for accepted in ["\"3\"", "3", "*"] {
            assert!(crate::etag::IfMatch::parse(accepted).is_ok(), "{accepted}");
        }
    }
}
