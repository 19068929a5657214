//! The patient / doctor / admin journey, end to end.

use chrono::{Duration, Utc};
use reqwest::Method;
use serde_json::json;

use crate::support::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn patient_doctor_admin_journey() {
    let s = start_with(Options {
        manual_clock: true,
        ..Options::default()
    })
    .await;
    let clock = s.clock.clone().expect("manual clock");
    let admin = s.admin().await;

    // A doctor registers and waits for approval.
    let r = s
        .post(
            "/api/auth/register",
            None,
            json!({ "name": "Meredith Grey", "email": "grey@clinic.example", "password": PASSWORD,
                    "role": "doctor", "specialization": "Surgery" }),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    assert_eq!(r.body["status"], "pending_approval");
    assert_eq!(r.body["role"], "doctor");
    assert!(r.body.get("password_hash").is_none() && !r.text.contains("argon2"));
    let doctor_id = r.body["id"].as_str().unwrap().to_owned();
    s.login("grey@clinic.example", PASSWORD)
        .await
        .assert_problem(401);

    // The admin finds and approves them.
    let r = s
        .get(
            "/api/admin/users?role=doctor&status=pending_approval",
            &admin.token,
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["items"][0]["id"], doctor_id.as_str());
    assert_eq!(
        (r.body["offset"].as_u64(), r.body["limit"].as_u64()),
        (Some(0), Some(50))
    );
    let r = s
        .call(
            Method::PATCH,
            &format!("/api/admin/users/{doctor_id}"),
            Some(&admin.token),
            Some(json!({ "status": "active" })),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["status"], "active");

    // The doctor sets their availability.
    let doctor = s.session("grey@clinic.example").await;
    let r = s
        .call(
            Method::PUT,
            &format!("/api/doctors/{doctor_id}/availability"),
            Some(&doctor.token),
            Some(weekdays()),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let r = s
        .get(
            &format!("/api/doctors/{doctor_id}/availability"),
            &doctor.token,
        )
        .await;
    assert_eq!(r.body["timezone"], "America/New_York");
    assert_eq!(
        r.body["weekly"][0],
        json!({ "day": "monday", "start": "09:00", "end": "17:00" })
    );

    // A patient registers (a chart is created) and looks for a slot next Monday.
    let r = s
        .post(
            "/api/auth/register",
            None,
            json!({ "name": "Pat Doe", "email": "pat@mail.example", "password": PASSWORD,
                    "date_of_birth": "1990-05-01", "sex": "female", "phone": "+1 555 0100" }),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    assert_eq!(r.body["role"], "patient");
    assert!(r.body["patient_id"].is_string());
    let patient = s.session("pat@mail.example").await;
    let chart = s
        .get(
            &format!("/api/patients/{}", patient.patient_id.as_deref().unwrap()),
            &patient.token,
        )
        .await;
    assert_eq!(chart.status, 200, "{}", chart.text);
    assert_eq!(chart.body["date_of_birth"], "1990-05-01");
    assert_eq!(chart.body["contact"]["phone"], "+1 555 0100");
    assert_eq!(chart.header("etag"), Some("\"1\""));

    let r = s.get("/api/doctors", &patient.token).await;
    assert_eq!(r.status, 200);
    assert_eq!(
        r.body,
        json!([{ "id": doctor_id, "name": "Meredith Grey", "specialization": "Surgery" }])
    );
    let now = clock_now(&s);
    let from = next_monday_at(now, 0, 0);
    let r = s
        .get(
            &format!(
                "/api/doctors/{doctor_id}/slots?from={}&to={}",
                rfc3339(from),
                rfc3339(from + Duration::days(1))
            ),
            &patient.token,
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let slots = r.body.as_array().unwrap();
    assert_eq!(slots.len(), 16, "09:00–17:00 in 30-minute slots");
    let slot = (
        slots[2]["start"].as_str().unwrap().to_owned(),
        slots[2]["end"].as_str().unwrap().to_owned(),
    );
    assert_eq!(
        slot.0.parse::<chrono::DateTime<Utc>>().unwrap(),
        next_monday_at(now, 10, 0)
    );

    // Books it (an idempotent retry returns the same appointment).
    let book = || {
        s.client
            .post(s.url("/api/appointments"))
            .bearer_auth(&patient.token)
            .header("Idempotency-Key", "booking-1")
            .json(
                &json!({ "doctor_id": doctor_id, "start": slot.0, "end": slot.1,
                           "reason": "annual check-up" }),
            )
            .send()
    };
    let r = read(book().await.unwrap()).await;
    assert_eq!(r.status, 201, "{}", r.text);
    assert_eq!(r.body["status"], "pending");
    assert!(r.body["hold_expires_at"].is_string());
    assert_eq!(r.body["appointment_type"], "consultation");
    let appt = r.body["id"].as_str().unwrap().to_owned();
    assert_eq!(
        r.header("location"),
        Some(format!("/api/appointments/{appt}").as_str())
    );
    assert_eq!(r.header("etag"), Some("\"1\""));
    let again = read(book().await.unwrap()).await;
    assert_eq!(again.body["id"], appt.as_str(), "{}", again.text);

    // The doctor was notified of the booking.
    let r = s.get("/api/notifications?unread=true", &doctor.token).await;
    assert_eq!(r.status, 200, "{}", r.text);
    let booked: Vec<_> = r.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|n| n["kind"] == "appointment_booked")
        .collect();
    assert_eq!(booked.len(), 1, "{}", r.text);
    assert_eq!(booked[0]["data"]["appointment_id"], appt.as_str());

    // The patient confirms; both see the appointment.
    let r = s
        .post(
            &format!("/api/appointments/{appt}/confirm"),
            Some(&patient.token),
            json!({}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["status"], "confirmed");
    let r = s
        .get("/api/appointments?status=confirmed", &doctor.token)
        .await;
    assert_eq!(r.body["items"].as_array().unwrap().len(), 1, "{}", r.text);
    let r = s.get("/api/appointments", &patient.token).await;
    assert_eq!(r.body["items"][0]["id"], appt.as_str());

    // Completing before the visit starts is refused; after it started it succeeds.
    let r = s
        .post(
            &format!("/api/appointments/{appt}/complete"),
            Some(&doctor.token),
            json!({}),
        )
        .await;
    r.assert_problem(409);
    let start: chrono::DateTime<Utc> = slot.0.parse().unwrap();
    clock.set(start + Duration::minutes(35));
    s.get("/api/auth/me", &doctor.token)
        .await
        .assert_problem(401);
    let doctor = s.session("grey@clinic.example").await;
    let r = s
        .post(
            &format!("/api/appointments/{appt}/complete"),
            Some(&doctor.token),
            json!({}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["status"], "completed");

    // The patient hears of the completion and clears their notifications.
    let patient = s.session("pat@mail.example").await;
    let r = s.get("/api/notifications", &patient.token).await;
    let kinds: Vec<_> = r.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["kind"].clone())
        .collect();
    assert!(kinds.contains(&json!("appointment_completed")), "{kinds:?}");
    let r = s
        .get("/api/notifications/unread-count", &patient.token)
        .await;
    assert!(r.body["count"].as_u64().unwrap() >= 1, "{}", r.text);
    let r = s
        .post("/api/notifications/read", Some(&patient.token), json!({}))
        .await;
    assert!(r.body["marked"].as_u64().unwrap() >= 1, "{}", r.text);
    let r = s
        .get("/api/notifications/unread-count", &patient.token)
        .await;
    assert_eq!(r.body, json!({ "count": 0 }));

    // The admin reads and verifies the audit trail.
    let admin = s.admin().await;
    let r = s
        .get(
            "/api/admin/audit?action=appointment.&limit=100",
            &admin.token,
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let actions: Vec<_> = r.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap().to_owned())
        .collect();
    for a in [
        "appointment.book",
        "appointment.confirm",
        "appointment.complete",
    ] {
        assert!(
            actions.iter().any(|x| x == a),
            "{a} missing from {actions:?}"
        );
    }
    let r = s
        .post("/api/admin/audit/verify", Some(&admin.token), json!({}))
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["ok"], true);
    assert!(r.body["entries_checked"].as_u64().unwrap() > 10);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn charts_crud_with_etags_and_care_team() {
    let s = start().await;
    let admin = s.admin().await;
    let doctor = s.doctor("house@clinic.example").await;
    let r = s
        .post(
            "/api/patients",
            Some(&doctor.token),
            json!({ "name": "Walk In", "date_of_birth": "1970-01-02", "contact": { "phone": "555-0101" } }),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    assert_eq!(r.header("etag"), Some("\"1\""));
    let id = r.body["id"].as_str().unwrap().to_owned();
    assert!(r.body["mrn"].as_str().unwrap().starts_with("MRN-"));

    let r = s.get("/api/patients?q=walk", &doctor.token).await;
    assert_eq!(r.body["items"][0]["id"], id.as_str(), "{}", r.text);

    let r = s
        .client
        .put(s.url(&format!("/api/patients/{id}")))
        .bearer_auth(&doctor.token)
        .header("If-Match", "\"1\"")
        .json(&json!({ "name": "Walk In Renamed", "sex": "other" }))
        .send()
        .await
        .unwrap();
    let r = read(r).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.header("etag"), Some("\"2\""));
    assert_eq!(r.body["sex"], "other");

    // Care team: the admin assigns a second doctor, who can then read the chart.
    let other = s.doctor("cuddy@clinic.example").await;
    s.get(&format!("/api/patients/{id}"), &other.token)
        .await
        .assert_problem(403);
    let path = format!("/api/patients/{id}/care-team/{}", other.id);
    let r = s.call(Method::PUT, &path, Some(&admin.token), None).await;
    assert_eq!(r.status, 204, "{}", r.text);
    let r = s.get(&format!("/api/patients/{id}"), &other.token).await;
    assert_eq!(r.status, 200, "{}", r.text);
    let r = s
        .call(Method::DELETE, &path, Some(&admin.token), None)
        .await;
    assert_eq!(r.status, 204, "{}", r.text);
    s.get(&format!("/api/patients/{id}"), &other.token)
        .await
        .assert_problem(403);

    let r = s
        .call(
            Method::DELETE,
            &format!("/api/patients/{id}"),
            Some(&admin.token),
            None,
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert!(r.body["archived_at"].is_string());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reschedule_and_cancel() {
    let s = start().await;
    let doctor = s.doctor("yang@clinic.example").await;
    let patient = s.patient("resched@mail.example").await;
    let now = Utc::now();
    let r = s.book(&patient, &doctor, monday_slot(now, 11)).await;
    assert_eq!(r.status, 201, "{}", r.text);
    let id = r.body["id"].as_str().unwrap().to_owned();
    let (start, end) = monday_slot(now, 14);
    let r = s
        .call(
            Method::PUT,
            &format!("/api/appointments/{id}"),
            Some(&patient.token),
            Some(json!({ "start": start, "end": end })),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(
        r.body["start"]
            .as_str()
            .unwrap()
            .parse::<chrono::DateTime<Utc>>()
            .unwrap(),
        start
    );
    let r = s
        .call(
            Method::DELETE,
            &format!("/api/appointments/{id}?reason=feeling%20better"),
            Some(&patient.token),
            None,
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["status"], "cancelled");
    assert_eq!(r.body["cancellation"]["reason"], "feeling better");
    assert_eq!(r.body["cancellation"]["by_role"], "patient");

    // A JSON body works too, and cancelling twice is a state conflict (the doctor, whose
    // only appointment with the patient is now cancelled, is no longer on the care team).
    let r = s.book(&patient, &doctor, monday_slot(now, 15)).await;
    let id = r.body["id"].as_str().unwrap().to_owned();
    let r = s
        .call(
            Method::DELETE,
            &format!("/api/appointments/{id}"),
            Some(&doctor.token),
            Some(json!({ "reason": "doctor unavailable" })),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["cancellation"]["reason"], "doctor unavailable");
    let r = s
        .call(
            Method::DELETE,
            &format!("/api/appointments/{id}"),
            Some(&patient.token),
            None,
        )
        .await;
    r.assert_problem(409);
    assert_eq!(r.body["type"], "urn:medsync:problem:invalid-state");
}

fn clock_now(s: &Server) -> chrono::DateTime<Utc> {
    use medsync_core::clock::Clock as _;
    s.clock.as_ref().map_or_else(Utc::now, |c| c.now())
}
