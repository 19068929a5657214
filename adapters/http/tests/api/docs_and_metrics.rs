//! The OpenAPI document, the docs page and the metrics endpoint.

use reqwest::Method;

use crate::support::*;

const NIL: &str = "00000000-0000-0000-0000-000000000000";

/// Every route this adapter implements, as (method, OpenAPI path).
const ROUTES: &[(&str, &str)] = &[
    ("get", "/health"),
    ("get", "/ready"),
    ("get", "/metrics"),
    ("get", "/api/openapi.json"),
    ("get", "/api/docs"),
    ("post", "/api/auth/register"),
    ("post", "/api/auth/login"),
    ("post", "/api/auth/refresh"),
    ("post", "/api/auth/logout"),
    ("post", "/api/auth/password-reset"),
    ("post", "/api/auth/password-reset/confirm"),
    ("get", "/api/auth/me"),
    ("get", "/api/admin/users"),
    ("patch", "/api/admin/users/{id}"),
    ("get", "/api/admin/audit"),
    ("post", "/api/admin/audit/verify"),
    ("put", "/api/patients/{id}/care-team/{user_id}"),
    ("delete", "/api/patients/{id}/care-team/{user_id}"),
    ("get", "/api/patients"),
    ("post", "/api/patients"),
    ("get", "/api/patients/{id}"),
    ("put", "/api/patients/{id}"),
    ("delete", "/api/patients/{id}"),
    ("get", "/api/doctors"),
    ("get", "/api/doctors/{id}/availability"),
    ("put", "/api/doctors/{id}/availability"),
    ("get", "/api/doctors/{id}/slots"),
    ("get", "/api/appointments"),
    ("post", "/api/appointments"),
    ("get", "/api/appointments/{id}"),
    ("put", "/api/appointments/{id}"),
    ("delete", "/api/appointments/{id}"),
    ("post", "/api/appointments/{id}/confirm"),
    ("post", "/api/appointments/{id}/complete"),
    ("post", "/api/appointments/{id}/no-show"),
    ("get", "/api/notifications"),
    ("get", "/api/notifications/unread-count"),
    ("post", "/api/notifications/read"),
    ("get", "/api/notifications/ws"),
    ("post", "/api/patients/{id}/reports"),
    ("get", "/api/patients/{id}/reports"),
    ("get", "/api/patients/{id}/reports/{file_id}"),
    ("delete", "/api/patients/{id}/reports/{file_id}"),
    ("post", "/api/records/upload"),
    ("get", "/api/records/{patient_id}"),
    ("get", "/api/files/{file_id}"),
    ("get", "/api/patients/{id}/emr"),
    ("post", "/api/patients/{id}/emr"),
    ("get", "/api/emr/{record_id}"),
    ("put", "/api/emr/{record_id}"),
    ("delete", "/api/emr/{record_id}"),
    ("get", "/api/emr/{record_id}/history"),
    ("get", "/api/emr/{record_id}/versions/{version}"),
    ("get", "/api/emr/{record_id}/diff"),
    ("post", "/api/emr/{record_id}/restore"),
    ("get", "/api/emr/{record_id}/notes"),
    ("post", "/api/emr/{record_id}/notes"),
    ("get", "/api/patients/{id}/prescriptions"),
    ("post", "/api/patients/{id}/prescriptions"),
    ("post", "/api/patients/{id}/prescriptions/check"),
    ("get", "/api/prescriptions/{id}"),
    ("post", "/api/prescriptions/{id}/complete"),
    ("post", "/api/prescriptions/{id}/cancel"),
    ("get", "/api/doctors/{id}/fees"),
    ("put", "/api/doctors/{id}/fees/{appointment_type}"),
    ("get", "/api/invoices"),
    ("get", "/api/invoices/{id}"),
    ("get", "/api/appointments/{id}/invoice"),
    ("post", "/api/invoices/{id}/issue"),
    ("put", "/api/invoices/{id}/draft"),
    ("post", "/api/invoices/{id}/payments"),
    ("post", "/api/invoices/{id}/void"),
    ("put", "/api/invoices/{id}/claim"),
    ("get", "/api/admin/analytics"),
    ("get", "/api/admin/analytics/export"),
    ("get", "/api/admin/reports/monthly"),
    ("get", "/api/patients/{id}/grants"),
    ("post", "/api/patients/{id}/grants"),
    ("delete", "/api/grants/{id}"),
    ("post", "/api/patients/{id}/break-glass"),
];

/// `path` with every `{param}` filled in: `{version}` with 1, `{appointment_type}` with a
/// type name, ids with the nil UUID.
fn concrete(path: &str) -> String {
    let mut out = String::new();
    let mut rest = path;
    while let Some(start) = rest.find('{') {
        out.push_str(&rest[..start]);
        let end = rest[start..]
            .find('}')
            .map_or(rest.len(), |e| start + e + 1);
        out.push_str(match &rest[start..end] {
            "{version}" => "1",
            "{appointment_type}" => "consultation",
            _ => NIL,
        });
        rest = &rest[end..];
    }
    out.push_str(rest);
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn openapi_documents_every_route() {
    let s = start().await;
    let r = s.call(Method::GET, "/api/openapi.json", None, None).await;
    assert_eq!(r.status, 200);
    assert!(r.content_type().starts_with("application/json"));
    let doc = &r.body;
    assert_eq!(doc["openapi"], "3.1.0");
    assert_eq!(doc["info"]["title"], "MedSync API");
    let paths = doc["paths"].as_object().unwrap();
    for (method, path) in ROUTES {
        assert!(
            paths.get(*path).and_then(|p| p.get(*method)).is_some(),
            "{method} {path} undocumented"
        );
    }
    // Operation ids are unique and every `$ref` resolves (openapi-spec-validator rejects both).
    let mut ids = std::collections::BTreeSet::new();
    for item in paths.values() {
        for op in item.as_object().unwrap().values() {
            let id = op["operationId"].as_str().unwrap_or_default().to_owned();
            assert!(ids.insert(id.clone()), "duplicate operationId {id}");
        }
    }
    let text = doc.to_string();
    let schemas = doc["components"]["schemas"].as_object().unwrap();
    for part in text.split("#/components/schemas/").skip(1) {
        let name: String = part
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
            .collect();
        assert!(schemas.contains_key(&name), "dangling $ref to {name}");
    }
    let documented: usize = paths.values().map(|p| p.as_object().unwrap().len()).sum();
    assert_eq!(
        documented,
        ROUTES.len(),
        "routes documented but not listed here"
    );
    assert!(doc["components"]["securitySchemes"]["bearer"].is_object());
    for schema in [
        "Problem",
        "UserDto",
        "AppointmentDto",
        "AvailabilityBody",
        "TokenResponse",
        "FileDto",
        "RecordDto",
        "RecordContentDto",
        "CreateRecordBody",
        "PrescriptionDto",
        "FindingDto",
        "InvoiceDto",
        "FeeDto",
        "AnalyticsReportDto",
        "MonthlyReportDto",
        "GrantDto",
        "BreakGlassDto",
    ] {
        assert!(
            doc["components"]["schemas"][schema].is_object(),
            "{schema} missing"
        );
    }
    // Every documented route is served (no 404 from the router for its path).
    let admin = s.admin().await;
    for (method, path) in ROUTES {
        let m = Method::from_bytes(method.to_uppercase().as_bytes()).unwrap();
        let r = s.call(m, &concrete(path), Some(&admin.token), None).await;
        assert!(
            r.body["type"] != "urn:medsync:problem:not-found"
                || r.body["detail"] != "no such resource",
            "{method} {path} is not routed: {}",
            r.text
        );
        assert_ne!(r.status, 405, "{method} {path}");
    }

    let r = s.client.get(s.url("/api/docs")).send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert!(r.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/html"));
    assert!(r.text().await.unwrap().contains("/api/openapi.json"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn metrics_count_requests_by_route_template() {
    let s = start().await;
    let pat = s.patient("metrics@mail.example").await;
    s.get(
        &format!("/api/patients/{}", pat.patient_id.clone().unwrap()),
        &pat.token,
    )
    .await;
    s.get(&format!("/api/patients/{}", NIL), &pat.token).await;
    s.call(Method::GET, "/health", None, None).await;
    let r = s.client.get(s.url("/metrics")).send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert!(r.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/plain"));
    let text = r.text().await.unwrap();
    for line in [
        "medsync_http_requests_total{method=\"GET\",route=\"/health\",status=\"200\"} 1",
        "medsync_http_requests_total{method=\"GET\",route=\"/api/patients/{id}\",status=\"200\"} 1",
        "medsync_http_requests_total{method=\"GET\",route=\"/api/patients/{id}\",status=\"403\"} 1",
        "medsync_http_requests_total{method=\"POST\",route=\"/api/auth/register\",status=\"201\"} 1",
        "medsync_http_request_errors_total{method=\"GET\",route=\"/api/patients/{id}\",class=\"client\"} 1",
        "medsync_http_request_duration_seconds_count{method=\"GET\",route=\"/api/patients/{id}\"} 2",
        "# TYPE medsync_http_request_duration_seconds histogram",
    ] {
        assert!(text.contains(line), "missing {line:?} in\n{text}");
    }
    assert!(
        !text.contains(&pat.patient_id.unwrap()),
        "raw ids never become labels"
    );
}
