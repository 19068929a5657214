//! Medical records over HTTP: versions with ETag / If-Match, history, diff, restore, notes.

use reqwest::Method;
use serde_json::json;

use crate::clinic::*;
use crate::support::*;

const NIL: &str = "00000000-0000-0000-0000-000000000000";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn records_are_versioned_with_etags() {
    let s = start().await;
    let doctor = staff(&s, "emr-doc@clinic.example", "doctor").await;
    let nurse = staff(&s, "emr-nurse@clinic.example", "nurse").await;
    let patient = s.patient("emr-pat@mail.example").await;
    let chart = patient.patient_id.clone().unwrap();
    assign(&s, &chart, &doctor).await;
    assign(&s, &chart, &nurse).await;

    // Create: 201 with ETag "1" and Location.
    let r = s
        .post(
            &format!("/api/patients/{chart}/emr"),
            Some(&doctor.token),
            json!({ "kind": "diagnosis", "description": "Asthma", "status": "active",
                    "reason": "first visit" }),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    assert_eq!(r.header("etag"), Some("\"1\""));
    let id = r.body["record"]["id"].as_str().unwrap().to_owned();
    assert_eq!(
        r.header("location"),
        Some(format!("/api/emr/{id}").as_str())
    );
    assert_eq!(r.body["record"]["kind"], "diagnosis");
    assert_eq!(r.body["current"]["version"], 1);
    assert_eq!(r.body["current"]["change"], json!({ "type": "created" }));
    assert_eq!(r.body["current"]["content"]["description"], "Asthma");

    // Bad bodies name the field.
    let r = s
        .post(
            &format!("/api/patients/{chart}/emr"),
            Some(&doctor.token),
            json!({ "kind": "diagnosis", "status": "active" }),
        )
        .await;
    r.assert_problem(422);
    assert_eq!(r.fields(), ["description"]);

    // Lists, filtered by kind.
    let r = s
        .get(&format!("/api/patients/{chart}/emr"), &patient.token)
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body[0]["record"]["id"], id.as_str());
    assert_eq!(r.body[0]["current"]["version"], 1);
    let r = s
        .get(
            &format!("/api/patients/{chart}/emr?kind=allergy"),
            &doctor.token,
        )
        .await;
    assert_eq!(r.body, json!([]));
    let r = s
        .get(
            &format!("/api/patients/{chart}/emr?kind=x-ray"),
            &doctor.token,
        )
        .await;
    r.assert_problem(422);
    assert_eq!(r.fields(), ["kind"]);

    // Amending requires If-Match.
    let path = format!("/api/emr/{id}");
    let amended = json!({
        "content": { "kind": "diagnosis", "description": "Mild asthma", "status": "resolved",
                     "code": "J45.20" },
        "reason": "review after treatment",
    });
    let r = send(
        &s,
        Method::PUT,
        &path,
        &doctor.token,
        Some(amended.clone()),
        &[],
    )
    .await;
    r.assert_problem(428);
    let r = send(
        &s,
        Method::PUT,
        &path,
        &doctor.token,
        Some(amended.clone()),
        &[("If-Match", "\"1\"")],
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.header("etag"), Some("\"2\""));
    assert_eq!(r.body["current"]["change"], json!({ "type": "amended" }));

    // A stale If-Match is 412 naming the current version.
    let r = send(
        &s,
        Method::PUT,
        &path,
        &doctor.token,
        Some(amended.clone()),
        &[("If-Match", "\"1\"")],
    )
    .await;
    r.assert_problem(412);
    assert_eq!(r.body["current_version"], 2);
    assert_eq!(r.body["expected_version"], 1);

    // Nurses may not amend, but may add notes.
    let r = send(
        &s,
        Method::PUT,
        &path,
        &nurse.token,
        Some(amended),
        &[("If-Match", "\"2\"")],
    )
    .await;
    r.assert_problem(403);
    let r = s
        .post(
            &format!("{path}/notes"),
            Some(&nurse.token),
            json!({ "text": "Inhaler technique reviewed" }),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    assert_eq!(r.body["author"], nurse.id.as_str());
    let r = s
        .post(
            &format!("{path}/notes"),
            Some(&nurse.token),
            json!({ "text": "   " }),
        )
        .await;
    r.assert_problem(422);
    let r = s.get(&format!("{path}/notes"), &doctor.token).await;
    assert_eq!(r.body.as_array().unwrap().len(), 1, "{}", r.text);
    // Patients read but do not write notes.
    let r = s
        .post(
            &format!("{path}/notes"),
            Some(&patient.token),
            json!({ "text": "hi" }),
        )
        .await;
    r.assert_problem(403);

    // History, versions and the diff between them.
    let r = s.get(&format!("{path}/history"), &patient.token).await;
    assert_eq!(r.status, 200, "{}", r.text);
    let versions: Vec<_> = r
        .body
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["version"].clone())
        .collect();
    assert_eq!(versions, [json!(1), json!(2)]);
    let r = s.get(&format!("{path}/versions/1"), &doctor.token).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.header("etag"), Some("\"1\""));
    assert_eq!(r.body["content"]["description"], "Asthma");
    s.get(&format!("{path}/versions/9"), &doctor.token)
        .await
        .assert_problem(404);
    let r = s
        .get(&format!("{path}/diff?from=1&to=2"), &doctor.token)
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let ops = r.body.as_array().unwrap();
    assert!(
        ops.contains(&json!({ "op": "replace", "path": "/description", "value": "Mild asthma" })),
        "{}",
        r.text
    );
    assert!(
        ops.contains(&json!({ "op": "replace", "path": "/status", "value": "resolved" })),
        "{}",
        r.text
    );
    assert!(ops.iter().any(|o| o["path"] == "/code"), "{}", r.text);
    let r = s
        .get(&format!("{path}/diff?from=2&to=2"), &doctor.token)
        .await;
    assert_eq!(r.body, json!([]));
    let r = s.get(&format!("{path}/diff?from=1"), &doctor.token).await;
    r.assert_problem(422);
    assert_eq!(r.fields(), ["to"]);

    // Restore version 1 as version 3 (If-Match required as for amendments).
    let restore = json!({ "version": 1, "reason": "amended in error" });
    send(
        &s,
        Method::POST,
        &format!("{path}/restore"),
        &doctor.token,
        Some(restore.clone()),
        &[],
    )
    .await
    .assert_problem(428);
    let r = send(
        &s,
        Method::POST,
        &format!("{path}/restore"),
        &doctor.token,
        Some(restore),
        &[("If-Match", "\"2\"")],
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.header("etag"), Some("\"3\""));
    assert_eq!(
        r.body["current"]["change"],
        json!({ "type": "restored", "from": 1 })
    );
    assert_eq!(r.body["current"]["content"]["description"], "Asthma");
    let r = s.get(&path, &patient.token).await;
    assert_eq!(r.header("etag"), Some("\"3\""));

    // Records are never deleted, whoever asks.
    let admin = s.admin().await;
    for token in [&doctor.token, &admin.token, &patient.token] {
        s.call(Method::DELETE, &path, Some(token), None)
            .await
            .assert_problem(403);
    }
    s.get(&format!("/api/emr/{NIL}"), &doctor.token)
        .await
        .assert_problem(404);
    // Strangers cannot read it.
    let other = s.patient("emr-other@mail.example").await;
    s.get(&path, &other.token).await.assert_problem(403);
}
