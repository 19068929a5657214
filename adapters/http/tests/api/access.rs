//! Delegated access (caregiver grants) and emergency access (break-glass) over HTTP.

use reqwest::Method;
use serde_json::json;

use crate::clinic::*;
use crate::support::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn caregiver_reads_the_chart_only_while_granted() {
    let s = start().await;
    let patient = s.patient("grant-pat@mail.example").await;
    let chart = patient.patient_id.clone().unwrap();
    let carer = caregiver(&s, "carer@mail.example").await;
    let chart_path = format!("/api/patients/{chart}");
    let grants = format!("{chart_path}/grants");

    s.get(&chart_path, &carer.token).await.assert_problem(403);

    // Only delegable actions, only by the patient (or an admin).
    let r = s
        .post(
            &grants,
            Some(&patient.token),
            json!({ "caregiver_id": carer.id, "actions": ["read_chart", "prescribe"] }),
        )
        .await;
    r.assert_problem(422);
    assert_eq!(r.fields(), ["actions[1]"]);
    let r = s
        .post(
            &grants,
            Some(&carer.token),
            json!({ "caregiver_id": carer.id, "actions": ["read_chart"] }),
        )
        .await;
    r.assert_problem(403);
    let r = s
        .post(
            &grants,
            Some(&patient.token),
            json!({ "caregiver_id": patient.id, "actions": ["read_chart"] }),
        )
        .await;
    r.assert_problem(422);
    assert_eq!(r.fields(), ["caregiver_id"]);

    let r = s
        .post(
            &grants,
            Some(&patient.token),
            json!({ "caregiver_id": carer.id, "actions": ["read_chart", "read_records"] }),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    assert_eq!(r.body["caregiver_id"], carer.id.as_str());
    assert_eq!(r.body["actions"], json!(["read_chart", "read_records"]));
    let grant = r.body["id"].as_str().unwrap().to_owned();
    let r = s.get(&grants, &patient.token).await;
    assert_eq!(r.body[0]["id"], grant.as_str(), "{}", r.text);

    // The caregiver reads the chart and its records, but not what was not granted.
    let r = s.get(&chart_path, &carer.token).await;
    assert_eq!(r.status, 200, "{}", r.text);
    let r = s.get(&format!("{chart_path}/emr"), &carer.token).await;
    assert_eq!(r.status, 200, "{}", r.text);
    s.get(&format!("{chart_path}/prescriptions"), &carer.token)
        .await
        .assert_problem(403);
    s.get(&grants, &carer.token).await.assert_problem(403);

    // Revoked: 200 with the revoked grant, and access ends at once.
    let r = s
        .call(
            Method::DELETE,
            &format!("/api/grants/{grant}"),
            Some(&carer.token),
            None,
        )
        .await;
    r.assert_problem(403);
    let r = s
        .call(
            Method::DELETE,
            &format!("/api/grants/{grant}"),
            Some(&patient.token),
            None,
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert!(r.body["revoked_at"].is_string());
    s.get(&chart_path, &carer.token).await.assert_problem(403);
    s.get(&format!("{chart_path}/emr"), &carer.token)
        .await
        .assert_problem(403);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn break_glass_opens_a_chart_with_a_reason() {
    let s = start().await;
    let doctor = staff(&s, "er-doc@clinic.example", "doctor").await;
    let nurse = staff(&s, "er-nurse@clinic.example", "nurse").await;
    let patient = s.patient("er-pat@mail.example").await;
    let chart = patient.patient_id.clone().unwrap();
    let chart_path = format!("/api/patients/{chart}");
    let bg = format!("{chart_path}/break-glass");

    s.get(&chart_path, &doctor.token).await.assert_problem(403);
    s.get(&format!("{chart_path}/emr"), &doctor.token)
        .await
        .assert_problem(403);

    let r = s
        .post(&bg, Some(&doctor.token), json!({ "reason": "urgent" }))
        .await;
    r.assert_problem(422);
    assert_eq!(r.fields(), ["reason"]);
    let r = s
        .post(
            &bg,
            Some(&nurse.token),
            json!({ "reason": "Unconscious patient brought to the ER" }),
        )
        .await;
    r.assert_problem(403);
    let r = s
        .post(
            &bg,
            Some(&doctor.token),
            json!({ "reason": "Unconscious patient brought to the ER" }),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    assert_eq!(r.body["doctor_id"], doctor.id.as_str());
    assert_eq!(r.body["patient_id"], chart.as_str());
    assert!(r.body["expires_at"].is_string());

    // The chart and its records are readable now; the patient was told.
    let r = s.get(&chart_path, &doctor.token).await;
    assert_eq!(r.status, 200, "{}", r.text);
    let r = s.get(&format!("{chart_path}/emr"), &doctor.token).await;
    assert_eq!(r.status, 200, "{}", r.text);
    let r = s.get("/api/notifications", &patient.token).await;
    let kinds: Vec<_> = r.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["kind"].clone())
        .collect();
    assert!(kinds.contains(&json!("break_glass_access")), "{kinds:?}");
}
