//! Access control and token handling over HTTP.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use chrono::{Duration, Utc};
use reqwest::Method;
use serde_json::{json, Value};

use crate::support::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn another_patients_resources_are_never_served() {
    let s = start().await;
    let doctor = s.doctor("idor-doc@clinic.example").await;
    let alice = s.patient("alice@mail.example").await;
    let mallory = s.patient("mallory@mail.example").await;
    let alice_chart = alice.patient_id.clone().unwrap();
    let r = s.book(&alice, &doctor, monday_slot(Utc::now(), 13)).await;
    assert_eq!(r.status, 201, "{}", r.text);
    let appt = r.body["id"].as_str().unwrap().to_owned();
    let chart = s
        .get(&format!("/api/patients/{alice_chart}"), &alice.token)
        .await;
    let mrn = chart.body["mrn"].as_str().unwrap().to_owned();

    let attempts = [
        s.get(&format!("/api/patients/{alice_chart}"), &mallory.token)
            .await,
        s.call(
            Method::PUT,
            &format!("/api/patients/{alice_chart}"),
            Some(&mallory.token),
            Some(json!({ "name": "Pwned" })),
        )
        .await,
        s.call(
            Method::DELETE,
            &format!("/api/patients/{alice_chart}"),
            Some(&mallory.token),
            None,
        )
        .await,
        s.get(&format!("/api/appointments/{appt}"), &mallory.token)
            .await,
        s.post(
            &format!("/api/appointments/{appt}/confirm"),
            Some(&mallory.token),
            json!({}),
        )
        .await,
        s.call(
            Method::DELETE,
            &format!("/api/appointments/{appt}"),
            Some(&mallory.token),
            None,
        )
        .await,
        s.post(
            "/api/appointments",
            Some(&mallory.token),
            json!({ "doctor_id": doctor.id, "patient_id": alice_chart,
                    "start": monday_slot(Utc::now(), 15).0, "end": monday_slot(Utc::now(), 15).1 }),
        )
        .await,
    ];
    for r in &attempts {
        assert!(
            matches!(r.status.as_u16(), 403 | 404),
            "{} {}",
            r.status,
            r.text
        );
        r.assert_problem(r.status.as_u16());
        assert!(
            !r.text.contains("Patient alice") && !r.text.contains(&mrn),
            "{}",
            r.text
        );
    }
    // Lists are narrowed to the caller's own data.
    let r = s
        .get(
            &format!("/api/appointments?patient_id={alice_chart}"),
            &mallory.token,
        )
        .await;
    assert_eq!(r.status, 200);
    assert_eq!(r.body["items"], json!([]));
    let r = s.get("/api/patients", &mallory.token).await;
    let ids: Vec<_> = r.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["id"].clone())
        .collect();
    assert_eq!(ids, [json!(mallory.patient_id.clone().unwrap())]);
    // Alice's appointment is untouched.
    let r = s
        .get(&format!("/api/appointments/{appt}"), &alice.token)
        .await;
    assert_eq!(r.body["status"], "pending");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn role_escalation_is_refused() {
    let s = start().await;
    let eve = s.patient("eve@mail.example").await;
    let r = s
        .call(
            Method::PATCH,
            &format!("/api/admin/users/{}", eve.id),
            Some(&eve.token),
            Some(json!({ "role": "admin" })),
        )
        .await;
    r.assert_problem(403);
    s.get("/api/admin/users", &eve.token)
        .await
        .assert_problem(403);
    s.get("/api/admin/audit", &eve.token)
        .await
        .assert_problem(403);
    s.post("/api/admin/audit/verify", Some(&eve.token), json!({}))
        .await
        .assert_problem(403);
    let me = s.get("/api/auth/me", &eve.token).await;
    assert_eq!(me.body["role"], "patient");

    let r = s
        .post(
            "/api/auth/register",
            None,
            json!({ "name": "Root", "email": "root@mail.example", "password": PASSWORD, "role": "admin" }),
        )
        .await;
    r.assert_problem(422);
    assert_eq!(r.fields(), ["role"]);
    s.login("root@mail.example", PASSWORD)
        .await
        .assert_problem(401);

    // A doctor is no admin either, and cannot manage another doctor's schedule.
    let doc = s.doctor("doc-esc@clinic.example").await;
    let other = s.doctor("doc-other@clinic.example").await;
    s.call(
        Method::PATCH,
        &format!("/api/admin/users/{}", doc.id),
        Some(&doc.token),
        Some(json!({ "status": "active" })),
    )
    .await
    .assert_problem(403);
    s.call(
        Method::PUT,
        &format!("/api/doctors/{}/availability", other.id),
        Some(&doc.token),
        Some(weekdays()),
    )
    .await
    .assert_problem(403);
}

fn b64json(part: &str) -> Value {
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(part).unwrap()).unwrap()
}

fn b64(v: &Value) -> String {
    URL_SAFE_NO_PAD.encode(serde_json::to_vec(v).unwrap())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_tokens_are_401() {
    let s = start_with(Options {
        manual_clock: true,
        ..Options::default()
    })
    .await;
    let pat = s.patient("tok@mail.example").await;
    let parts: Vec<&str> = pat.token.split('.').collect();
    assert_eq!(parts.len(), 3);
    let mut claims = b64json(parts[1]);
    claims["role"] = json!("admin");

    let tampered = format!("{}.{}.{}", parts[0], b64(&claims), parts[2]);
    let alg_none = format!(
        "{}.{}.",
        b64(&json!({ "alg": "none", "typ": "JWT" })),
        b64(&claims)
    );
    let mut flipped_sig = parts[2].to_owned();
    let last = flipped_sig.pop().unwrap();
    flipped_sig.push(if last == 'A' { 'B' } else { 'A' });
    let flipped = format!("{}.{}.{}", parts[0], parts[1], flipped_sig);

    for token in [
        tampered.as_str(),
        alg_none.as_str(),
        flipped.as_str(),
        "garbage",
        "a.b.c",
    ] {
        let r = s.get("/api/admin/users", token).await;
        r.assert_problem(401);
        assert_eq!(
            r.header("www-authenticate"),
            Some("Bearer realm=\"medsync\"")
        );
        assert!(!r.text.contains(token), "the token is never echoed");
    }
    let r = s.call(Method::GET, "/api/auth/me", None, None).await;
    r.assert_problem(401);
    let r = s
        .client
        .get(s.url("/api/auth/me"))
        .header("Authorization", format!("Basic {}", pat.token))
        .send()
        .await
        .unwrap();
    read(r).await.assert_problem(401);

    // Expiry: the access token lives 15 minutes.
    assert_eq!(s.get("/api/auth/me", &pat.token).await.status, 200);
    s.clock.as_ref().unwrap().advance(Duration::minutes(16));
    let r = s.get("/api/auth/me", &pat.token).await;
    r.assert_problem(401);
    assert!(
        r.body["detail"].as_str().unwrap().contains("expired"),
        "{}",
        r.text
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refresh_token_reuse_revokes_the_family() {
    let s = start().await;
    let pat = s.patient("refresh@mail.example").await;
    let r1 = pat.refresh.clone();
    let r = s
        .post("/api/auth/refresh", None, json!({ "refresh_token": r1 }))
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["token_type"], "Bearer");
    assert!(r.body["expires_in"].as_i64().unwrap() > 0);
    let r2 = r.body["refresh_token"].as_str().unwrap().to_owned();
    assert_ne!(r1, r2);
    assert_eq!(
        s.get("/api/auth/me", r.body["access_token"].as_str().unwrap())
            .await
            .status,
        200
    );

    // Replaying the spent token is refused and revokes the whole family.
    s.post("/api/auth/refresh", None, json!({ "refresh_token": r1 }))
        .await
        .assert_problem(401);
    s.post("/api/auth/refresh", None, json!({ "refresh_token": r2 }))
        .await
        .assert_problem(401);

    // Logout ends a session; other sessions live on.
    let a = s.session("refresh@mail.example").await;
    let b = s.session("refresh@mail.example").await;
    let r = s
        .post(
            "/api/auth/logout",
            None,
            json!({ "refresh_token": a.refresh }),
        )
        .await;
    assert_eq!(r.status, 204, "{}", r.text);
    s.post(
        "/api/auth/refresh",
        None,
        json!({ "refresh_token": a.refresh }),
    )
    .await
    .assert_problem(401);
    let r = s
        .post(
            "/api/auth/refresh",
            None,
            json!({ "refresh_token": b.refresh }),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn password_reset_never_reveals_accounts() {
    let s = start().await;
    let pat = s.patient("forgetful@mail.example").await;
    let r = s
        .post(
            "/api/auth/password-reset",
            None,
            json!({ "email": "nobody@mail.example" }),
        )
        .await;
    assert_eq!(r.status, 202, "{}", r.text);
    assert!(r.text.is_empty());
    let r = s
        .post(
            "/api/auth/password-reset",
            None,
            json!({ "email": pat.email }),
        )
        .await;
    assert_eq!(r.status, 202, "{}", r.text);
    assert!(r.text.is_empty(), "the token is never in the response");
    let (to, token) = s.next_mail().await;
    assert_eq!(to, pat.email);

    let new_password = "violet canyon ember whistle";
    let r = s
        .post(
            "/api/auth/password-reset/confirm",
            None,
            json!({ "token": token, "password": "short" }),
        )
        .await;
    r.assert_problem(422);
    assert_eq!(r.fields(), ["password"]);
    let r = s
        .post(
            "/api/auth/password-reset/confirm",
            None,
            json!({ "token": token, "password": new_password }),
        )
        .await;
    assert_eq!(r.status, 204, "{}", r.text);
    s.login(&pat.email, PASSWORD).await.assert_problem(401);
    assert_eq!(s.login(&pat.email, new_password).await.status, 200);
    s.post(
        "/api/auth/refresh",
        None,
        json!({ "refresh_token": pat.refresh }),
    )
    .await
    .assert_problem(401);
    s.post(
        "/api/auth/password-reset/confirm",
        None,
        json!({ "token": token, "password": "another fine passphrase here" }),
    )
    .await
    .assert_problem(401);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deactivation_takes_effect_at_once() {
    let s = start().await;
    let admin = s.admin().await;
    let pat = s.patient("leaving@mail.example").await;
    let r = s
        .call(
            Method::PATCH,
            &format!("/api/admin/users/{}", pat.id),
            Some(&admin.token),
            Some(json!({ "status": "deactivated" })),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    s.get("/api/auth/me", &pat.token).await.assert_problem(401);
    s.post(
        "/api/auth/refresh",
        None,
        json!({ "refresh_token": pat.refresh }),
    )
    .await
    .assert_problem(401);
    // An admin cannot lock themself out.
    let r = s
        .call(
            Method::PATCH,
            &format!("/api/admin/users/{}", admin.id),
            Some(&admin.token),
            Some(json!({ "status": "deactivated" })),
        )
        .await;
    r.assert_problem(422);
}
