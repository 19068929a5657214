//! Billing over HTTP: fees, the one invoice of a completed appointment, payment.

use chrono::Duration;
use medsync_core::clock::Clock as _;
use reqwest::Method;
use serde_json::json;

use crate::support::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn completing_a_visit_bills_it_once_and_the_patient_pays() {
    let s = start_with(Options {
        manual_clock: true,
        ..Options::default()
    })
    .await;
    let clock = s.clock.clone().expect("manual clock");
    let admin = s.admin().await;
    let doctor = s.doctor("bill-doc@clinic.example").await;
    let patient = s.patient("bill-pat@mail.example").await;
    let chart = patient.patient_id.clone().unwrap();

    // The admin sets the consultation fee; nobody else may.
    let fee_path = format!("/api/doctors/{}/fees/consultation", doctor.id);
    let fee = json!({ "amount_minor": 12_000, "currency": "USD", "tax_rate_bp": 500 });
    let r = s
        .call(
            Method::PUT,
            &fee_path,
            Some(&doctor.token),
            Some(fee.clone()),
        )
        .await;
    r.assert_problem(403);
    let r = s
        .call(
            Method::PUT,
            &fee_path,
            Some(&admin.token),
            Some(json!({ "amount_minor": 1, "currency": "usd" })),
        )
        .await;
    r.assert_problem(422);
    assert_eq!(r.fields(), ["currency"]);
    let r = s
        .call(Method::PUT, &fee_path, Some(&admin.token), Some(fee))
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let r = s
        .get(&format!("/api/doctors/{}/fees", doctor.id), &patient.token)
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body[0]["appointment_type"], "consultation");
    assert_eq!(r.body[0]["amount_minor"], 12_000);

    // A confirmed visit, then the clock moves into it.
    let slot = monday_slot(clock.now(), 10);
    let r = s.book(&patient, &doctor, slot).await;
    assert_eq!(r.status, 201, "{}", r.text);
    let appt = r.body["id"].as_str().unwrap().to_owned();
    let r = s
        .post(
            &format!("/api/appointments/{appt}/confirm"),
            Some(&patient.token),
            json!({}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    s.get(&format!("/api/appointments/{appt}/invoice"), &patient.token)
        .await
        .assert_problem(404);
    clock.set(slot.0 + Duration::minutes(35));
    let doctor = s.session("bill-doc@clinic.example").await;
    let patient = s.session("bill-pat@mail.example").await;
    let admin = s.session(ADMIN_EMAIL).await;

    // Two concurrent completions: exactly one succeeds, and exactly one invoice exists.
    let complete = || {
        s.client
            .post(s.url(&format!("/api/appointments/{appt}/complete")))
            .bearer_auth(&doctor.token)
            .send()
    };
    let (a, b) = tokio::join!(complete(), complete());
    let mut statuses = [a.unwrap().status().as_u16(), b.unwrap().status().as_u16()];
    statuses.sort_unstable();
    assert!(
        statuses == [200, 409] || statuses == [200, 412],
        "{statuses:?}"
    );
    let r = s
        .get(&format!("/api/invoices?patient_id={chart}"), &admin.token)
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["items"].as_array().unwrap().len(), 1, "{}", r.text);
    assert_eq!(r.body["items"][0]["appointment_id"], appt.as_str());

    // The patient sees the issued invoice: 120.00 + 5 % tax.
    let r = s
        .get(&format!("/api/appointments/{appt}/invoice"), &patient.token)
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["status"], "issued");
    assert_eq!(r.body["subtotal_minor"], 12_000);
    assert_eq!(r.body["tax_minor"], 600);
    assert_eq!(r.body["total_minor"], 12_600);
    let etag = r.header("etag").unwrap().to_owned();
    let invoice = r.body["id"].as_str().unwrap().to_owned();
    let r = s
        .get(&format!("/api/invoices/{invoice}"), &patient.token)
        .await;
    assert_eq!(r.header("etag"), Some(etag.as_str()));
    let r = s.get("/api/invoices", &patient.token).await;
    assert_eq!(r.body["items"][0]["id"], invoice.as_str(), "{}", r.text);

    // Paying: too much is refused; the exact amount settles it.
    let pay = format!("/api/invoices/{invoice}/payments");
    let r = s
        .post(
            &pay,
            Some(&patient.token),
            json!({ "amount_minor": 99_999, "method": "card" }),
        )
        .await;
    r.assert_problem(422);
    assert_eq!(r.fields(), ["amount_minor"]);
    let r = s
        .post(
            &pay,
            Some(&patient.token),
            json!({ "amount_minor": 2_600, "method": "card", "reference": "r-1" }),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["status"], "issued");
    let r = s
        .post(
            &pay,
            Some(&patient.token),
            json!({ "amount_minor": 10_000, "method": "card" }),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["status"], "paid");
    assert_eq!(r.body["payments"].as_array().unwrap().len(), 2);
    assert!(r.body["paid_at"].is_string());

    // A paid invoice cannot be voided; only admins may try.
    let void = format!("/api/invoices/{invoice}/void");
    let r = s
        .post(&void, Some(&patient.token), json!({ "reason": "mistake" }))
        .await;
    r.assert_problem(403);
    let r = s
        .post(&void, Some(&admin.token), json!({ "reason": "mistake" }))
        .await;
    r.assert_problem(409);
    let r = s
        .call(
            Method::PUT,
            &format!("/api/invoices/{invoice}/claim"),
            Some(&patient.token),
            Some(
                json!({ "payer": "Acme Health", "policy_number": "P-123", "status": "submitted" }),
            ),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["claim"]["status"], "submitted");
    let r = s
        .get("/api/invoices?status=paid&limit=5", &admin.token)
        .await;
    assert_eq!(r.body["items"].as_array().unwrap().len(), 1, "{}", r.text);
    assert_eq!(r.body["limit"], 5);
}
