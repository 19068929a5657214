//! Prescriptions over HTTP: interaction checks, contraindications and overrides, lifecycle.

use serde_json::{json, Value};

use crate::clinic::*;
use crate::support::*;

fn rx(name: &str) -> Value {
    json!({ "medication": { "name": name }, "dose": "20 mg", "route": "oral",
            "frequency": "once daily", "quantity": 30 })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn contraindications_block_unless_overridden() {
    let s = start().await;
    let doctor = staff(&s, "rx-doc@clinic.example", "doctor").await;
    let patient = s.patient("rx-pat@mail.example").await;
    let chart = patient.patient_id.clone().unwrap();
    assign(&s, &chart, &doctor).await;
    let base = format!("/api/patients/{chart}/prescriptions");

    // Simvastatin is prescribed.
    let r = s.post(&base, Some(&doctor.token), rx("simvastatin")).await;
    assert_eq!(r.status, 201, "{}", r.text);
    assert_eq!(r.header("etag"), Some("\"1\""));
    assert_eq!(r.body["status"], "active");
    let simva = r.body["id"].as_str().unwrap().to_owned();
    assert_eq!(
        r.header("location"),
        Some(format!("/api/prescriptions/{simva}").as_str())
    );

    // The dry run shows the contraindication with gemfibrozil.
    let r = s
        .post(
            &format!("{base}/check"),
            Some(&doctor.token),
            json!({ "medication": { "name": "gemfibrozil" } }),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let finding = &r.body[0];
    assert_eq!(finding["against"], "simvastatin", "{}", r.text);
    assert_eq!(finding["result"], "interaction");
    assert_eq!(finding["severity"], "contraindicated");

    // Prescribing it is refused, naming the blocking prescription ...
    let r = s.post(&base, Some(&doctor.token), rx("gemfibrozil")).await;
    r.assert_problem(409);
    assert_eq!(r.body["blocking_id"], simva.as_str());
    assert!(r.body["detail"]
        .as_str()
        .unwrap()
        .contains("contraindicated"));
    // ... unless overridden with a real reason.
    let mut body = rx("gemfibrozil");
    body["override_reason"] = json!("ok");
    let r = s.post(&base, Some(&doctor.token), body.clone()).await;
    r.assert_problem(422);
    assert_eq!(r.fields(), ["override_reason"]);
    body["override_reason"] = json!("Lipid specialist reviewed; CK monitored weekly");
    let r = s.post(&base, Some(&doctor.token), body).await;
    assert_eq!(r.status, 201, "{}", r.text);
    assert_eq!(
        r.body["override_reason"],
        "Lipid specialist reviewed; CK monitored weekly"
    );
    assert_eq!(r.body["interactions"][0]["severity"], "contraindicated");
    let gem = r.body["id"].as_str().unwrap().to_owned();

    // An allergy record blocks too, naming the record.
    let r = s
        .post(
            &format!("/api/patients/{chart}/emr"),
            Some(&doctor.token),
            json!({ "kind": "allergy", "substance": "penicillin", "severity": "severe" }),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    let allergy = r.body["record"]["id"].as_str().unwrap().to_owned();
    let r = s.post(&base, Some(&doctor.token), rx("amoxicillin")).await;
    r.assert_problem(409);
    assert_eq!(r.body["blocking_id"], allergy.as_str());

    // Bad fields are named; patients cannot prescribe.
    let mut bad = rx("metformin");
    bad["dose"] = json!(" ");
    let r = s.post(&base, Some(&doctor.token), bad).await;
    r.assert_problem(422);
    assert_eq!(r.fields(), ["dose"]);
    let r = s.post(&base, Some(&patient.token), rx("metformin")).await;
    r.assert_problem(403);

    // The patient reads their prescriptions.
    let r = s.get(&base, &patient.token).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body.as_array().unwrap().len(), 2);
    let r = s
        .get(&format!("/api/prescriptions/{simva}"), &patient.token)
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["medication"]["name"], "simvastatin");

    // Lifecycle: complete one, cancel the other; finished ones do not move again.
    let r = s
        .post(
            &format!("/api/prescriptions/{simva}/complete"),
            Some(&doctor.token),
            json!({}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["status"], "completed");
    assert_eq!(r.header("etag"), Some("\"2\""));
    let r = s
        .post(
            &format!("/api/prescriptions/{gem}/cancel"),
            Some(&doctor.token),
            json!({ "reason": "muscle pain" }),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["status"], "cancelled");
    let r = s
        .call(
            reqwest::Method::POST,
            &format!("/api/prescriptions/{simva}/cancel"),
            Some(&doctor.token),
            None,
        )
        .await;
    r.assert_problem(409);
    let r = s.get(&format!("{base}?status=active"), &doctor.token).await;
    assert_eq!(r.body, json!([]));
    let r = s
        .get(&format!("{base}?status=finished"), &doctor.token)
        .await;
    r.assert_problem(422);
    assert_eq!(r.fields(), ["status"]);
}
