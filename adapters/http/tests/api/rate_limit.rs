//! Rate limiting answers 429 with Retry-After.

use medsync_http::{HttpConfig, RateLimitConfig, RateQuota};
use serde_json::json;

use crate::support::*;

fn limited(auth: RateQuota, per_user: RateQuota) -> Options {
    Options {
        config: Some(HttpConfig {
            rate_limit: RateLimitConfig {
                auth_per_ip: auth,
                per_user,
                ..RateLimitConfig::default()
            },
            ..HttpConfig::default()
        }),
        ..Options::default()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn credential_endpoints_are_limited_per_ip() {
    let s = start_with(limited(
        RateQuota {
            burst: 3,
            per_minute: 3,
        },
        RateQuota::per_minute(600),
    ))
    .await;
    for _ in 0..3 {
        s.login("nobody@mail.example", "wrong password here")
            .await
            .assert_problem(401);
    }
    let r = s.login("nobody@mail.example", "wrong password here").await;
    r.assert_problem(429);
    let retry: u64 = r.header("retry-after").unwrap().parse().unwrap();
    assert!((1..=20).contains(&retry), "retry after {retry}");
    assert_eq!(r.body["retry_after"], retry);
    // The limit covers registration and reset too, but not probes or other routes.
    s.post(
        "/api/auth/password-reset",
        None,
        json!({ "email": "a@b.example" }),
    )
    .await
    .assert_problem(429);
    assert_eq!(
        s.call(reqwest::Method::GET, "/health", None, None)
            .await
            .status,
        200
    );
    s.call(reqwest::Method::GET, "/api/doctors", None, None)
        .await
        .assert_problem(401);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn authenticated_requests_are_limited_per_user() {
    let s = start_with(limited(
        RateQuota::per_minute(100),
        RateQuota {
            burst: 4,
            per_minute: 4,
        },
    ))
    .await;
    let a = s.patient("busy@mail.example").await; // `session` spends one request (me)
    let b = s.patient("calm@mail.example").await;
    let mut statuses = Vec::new();
    for _ in 0..4 {
        statuses.push(s.get("/api/auth/me", &a.token).await.status.as_u16());
    }
    assert_eq!(statuses, [200, 200, 200, 429]);
    let r = s.get("/api/auth/me", &a.token).await;
    r.assert_problem(429);
    assert!(r.header("retry-after").is_some());
    assert_eq!(
        s.get("/api/auth/me", &b.token).await.status,
        200,
        "other users are unaffected"
    );
}
