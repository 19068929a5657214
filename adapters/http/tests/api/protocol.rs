//! HTTP conventions: problem+json, validation, conditional requests, request ids, probes,
//! CORS and size limits.

use chrono::Utc;
use reqwest::Method;
use serde_json::{json, Value};

use crate::support::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn malformed_requests_are_problem_json() {
    let s = start().await;
    let send = |body: &'static str, ct: &'static str| {
        s.client
            .post(s.url("/api/auth/login"))
            .header("content-type", ct)
            .body(body)
            .send()
    };
    let r = read(
        send(r#"{"email": "a@b.c", "password": "#, "application/json")
            .await
            .unwrap(),
    )
    .await;
    r.assert_problem(400);
    assert_eq!(r.body["type"], "urn:medsync:problem:bad-request");
    let r = read(
        send(
            r#"{"email": "a@b.c", "password": "x"} {}"#,
            "application/json",
        )
        .await
        .unwrap(),
    )
    .await;
    r.assert_problem(400);
    let r = read(
        send(r#"{"email": "a@b.c", "password": "x"}"#, "text/plain")
            .await
            .unwrap(),
    )
    .await;
    r.assert_problem(415);
    let r = read(
        send(r#"{"email": 5, "password": "x"}"#, "application/json")
            .await
            .unwrap(),
    )
    .await;
    r.assert_problem(422);
    assert_eq!(r.fields(), ["email"]);
    let r = read(
        send(r#"{"email": "a@b.c"}"#, "application/json")
            .await
            .unwrap(),
    )
    .await;
    r.assert_problem(422);
    assert_eq!(r.fields(), ["password"]);

    // Unknown routes, wrong methods and malformed ids.
    let pat = s.patient("proto@mail.example").await;
    s.get("/api/nothing-here", &pat.token)
        .await
        .assert_problem(404);
    s.call(Method::GET, "/nope", None, None)
        .await
        .assert_problem(404);
    s.call(Method::DELETE, "/api/auth/login", None, None)
        .await
        .assert_problem(405);
    s.get("/api/patients/not-a-uuid", &pat.token)
        .await
        .assert_problem(404);
    s.get(&format!("/api/appointments/{}", uuid_nil()), &pat.token)
        .await
        .assert_problem(404);
}

fn uuid_nil() -> &'static str {
    "00000000-0000-0000-0000-000000000000"
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn validation_names_the_fields() {
    let s = start().await;
    let r = s
        .post(
            "/api/auth/register",
            None,
            json!({ "name": "Val Idation", "email": "not-an-email", "password": "short",
                    "role": "caregiver" }),
        )
        .await;
    r.assert_problem(422);
    let mut fields = r.fields();
    fields.sort();
    assert_eq!(fields, ["email", "password"], "{}", r.text);
    assert!(!r.text.contains("short"), "passwords are never echoed");

    let r = s
        .post(
            "/api/auth/register",
            None,
            json!({ "name": "Future Kid", "email": "kid@mail.example", "password": PASSWORD,
                    "date_of_birth": "2999-01-01", "phone": "call me maybe" }),
        )
        .await;
    r.assert_problem(422);
    let mut fields = r.fields();
    fields.sort();
    assert_eq!(fields, ["date_of_birth", "phone"], "{}", r.text);

    let r = s
        .post(
            "/api/auth/register",
            None,
            json!({ "name": "X", "email": "x@mail.example", "password": PASSWORD, "is_admin": true }),
        )
        .await;
    r.assert_problem(422);
    assert_eq!(r.fields(), ["is_admin"]);

    let doctor = s.doctor("val@clinic.example").await;
    let availability = format!("/api/doctors/{}/availability", doctor.id);
    let put = |body: Value| s.call(Method::PUT, &availability, Some(&doctor.token), Some(body));
    let r = put(json!({ "timezone": "Mars/Olympus", "slot_minutes": 30,
        "weekly": [{ "day": "monday", "start": "9am", "end": "17:00" },
                   { "day": "someday", "start": "09:00", "end": "17:00" }] }))
    .await;
    r.assert_problem(422);
    assert_eq!(
        r.fields(),
        ["timezone", "weekly[0].start", "weekly[1].day"],
        "{}",
        r.text
    );
    let r = put(json!({ "timezone": "UTC", "slot_minutes": 1,
        "weekly": [{ "day": "monday", "start": "17:00", "end": "09:00" }] }))
    .await;
    r.assert_problem(422);
    assert_eq!(r.fields(), ["slot_minutes", "weekly[0].end"], "{}", r.text);
    let r = put(json!({ "timezone": "UTC", "slot_minutes": 30, "weekly": [{ "day": "monday", "start": 9 }] })).await;
    r.assert_problem(422);
    assert_eq!(r.fields(), ["weekly[0].start"], "{}", r.text);

    // Query parameters and booking times.
    let pat = s.patient("val-pat@mail.example").await;
    let r = s
        .get(
            &format!("/api/doctors/{}/slots?from=yesterday&to=now", doctor.id),
            &pat.token,
        )
        .await;
    r.assert_problem(422);
    assert_eq!(r.fields(), ["from"]);
    let r = s
        .get("/api/appointments?status=pending,lost", &pat.token)
        .await;
    r.assert_problem(422);
    assert_eq!(r.fields(), ["status"]);
    let r = s
        .post(
            "/api/appointments",
            Some(&pat.token),
            json!({ "doctor_id": doctor.id, "start": "2001-01-01T10:00:30Z", "end": "2001-01-01T09:00:00Z" }),
        )
        .await;
    r.assert_problem(422);
    let mut fields = r.fields();
    fields.dedup();
    assert!(
        fields.contains(&"start".to_owned()) && fields.contains(&"end".to_owned()),
        "{}",
        r.text
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stale_if_match_is_412() {
    let s = start().await;
    let pat = s.patient("etag@mail.example").await;
    let chart = format!("/api/patients/{}", pat.patient_id.clone().unwrap());
    let put = |etag: &'static str, name: &'static str| {
        s.client
            .put(s.url(&chart))
            .bearer_auth(&pat.token)
            .header("If-Match", etag)
            .json(&json!({ "name": name }))
            .send()
    };
    let r = read(put("\"1\"", "First Edit").await.unwrap()).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.header("etag"), Some("\"2\""));
    let r = read(put("\"1\"", "Lost Update").await.unwrap()).await;
    r.assert_problem(412);
    assert_eq!(
        (
            r.body["expected_version"].as_u64(),
            r.body["current_version"].as_u64()
        ),
        (Some(1), Some(2))
    );
    let r = read(put("W/\"2\"", "Weak").await.unwrap()).await;
    r.assert_problem(400);
    let r = s.get(&chart, &pat.token).await;
    assert_eq!(r.body["name"], "First Edit");

    // Appointments too.
    let doctor = s.doctor("etag-doc@clinic.example").await;
    let r = s.book(&pat, &doctor, monday_slot(Utc::now(), 12)).await;
    let id = r.body["id"].as_str().unwrap().to_owned();
    let confirm = |etag: &'static str| {
        s.client
            .post(s.url(&format!("/api/appointments/{id}/confirm")))
            .bearer_auth(&pat.token)
            .header("If-Match", etag)
            .send()
    };
    read(confirm("\"7\"").await.unwrap())
        .await
        .assert_problem(412);
    let r = read(confirm("\"1\"").await.unwrap()).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.header("etag"), Some("\"2\""));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn request_ids_are_generated_and_echoed() {
    let s = start().await;
    let r = s.client.get(s.url("/health")).send().await.unwrap();
    let generated = r.headers()["x-request-id"].to_str().unwrap().to_owned();
    assert_eq!(generated.len(), 36, "a UUID: {generated}");
    assert_eq!(r.headers()["cache-control"], "no-store");
    assert_eq!(r.headers()["x-content-type-options"], "nosniff");
    let r = s
        .client
        .get(s.url("/api/nothing"))
        .header("x-request-id", "trace-me-42")
        .send()
        .await
        .unwrap();
    assert_eq!(r.headers()["x-request-id"], "trace-me-42");
    assert_eq!(r.status(), 404);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn probes_cors_and_body_limits() {
    let s = start_with(Options {
        config: Some(medsync_http::HttpConfig {
            cors_origins: vec!["https://app.example".into()],
            max_json_bytes: 2048,
            ..quiet_config()
        }),
        ..Options::default()
    })
    .await;
    let r = s.call(Method::GET, "/health", None, None).await;
    assert_eq!(
        (r.status.as_u16(), r.body.clone()),
        (200, json!({ "status": "ok" }))
    );
    let r = s.call(Method::GET, "/ready", None, None).await;
    assert_eq!(
        (r.status.as_u16(), r.body.clone()),
        (200, json!({ "status": "ready" }))
    );

    let preflight = |origin: &'static str| {
        s.client
            .request(Method::OPTIONS, s.url("/api/auth/login"))
            .header("Origin", origin)
            .header("Access-Control-Request-Method", "POST")
            .header("Access-Control-Request-Headers", "content-type")
            .send()
    };
    let r = preflight("https://app.example").await.unwrap();
    assert_eq!(
        r.headers()["access-control-allow-origin"],
        "https://app.example"
    );
    let r = preflight("https://evil.example").await.unwrap();
    assert!(r.headers().get("access-control-allow-origin").is_none());

    let big = "x".repeat(4096);
    let r = s
        .post(
            "/api/auth/login",
            None,
            json!({ "email": big, "password": "y" }),
        )
        .await;
    r.assert_problem(413);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_cors_headers_by_default() {
    let s = start().await;
    let r = s
        .client
        .get(s.url("/health"))
        .header("Origin", "https://app.example")
        .send()
        .await
        .unwrap();
    assert!(r.headers().get("access-control-allow-origin").is_none());
}
