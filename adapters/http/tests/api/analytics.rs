//! Admin analytics and exports: JSON, CSV and XLSX, admins only.

use chrono::{Duration, Utc};

use crate::clinic::download;
use crate::support::*;

const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn analytics_and_exports_for_admins_only() {
    let s = start().await;
    let admin = s.admin().await;
    let doctor = s.doctor("stats-doc@clinic.example").await;
    let patient = s.patient("stats-pat@mail.example").await;
    let now = Utc::now();
    let r = s.book(&patient, &doctor, monday_slot(now, 9)).await;
    assert_eq!(r.status, 201, "{}", r.text);
    let range = format!(
        "from={}&to={}",
        rfc3339(now - Duration::days(1)),
        rfc3339(now + Duration::days(1))
    );

    // The dashboard.
    let r = s
        .get(
            &format!("/api/admin/analytics?{range}&bucket=day"),
            &admin.token,
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["bucket"], "day");
    let booked: u64 = r.body["appointments"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["booked"].as_u64().unwrap())
        .sum();
    assert_eq!(booked, 1, "{}", r.text);
    let roles = r.body["active_users_by_role"].as_array().unwrap();
    assert!(
        roles
            .iter()
            .any(|x| x["role"] == "doctor" && x["count"] == 1),
        "{}",
        r.text
    );
    assert!(
        r.body["logins_per_day"].as_array().unwrap().len() == 1,
        "{}",
        r.text
    );
    let r = s
        .get(
            &format!("/api/admin/analytics?{range}&bucket=year"),
            &admin.token,
        )
        .await;
    r.assert_problem(422);
    assert_eq!(r.fields(), ["bucket"]);
    let r = s
        .get(
            &format!(
                "/api/admin/analytics?from={}&to={}",
                rfc3339(now),
                rfc3339(now - Duration::days(1))
            ),
            &admin.token,
        )
        .await;
    r.assert_problem(422);
    assert_eq!(r.fields(), ["to"]);

    // One series as CSV.
    let (status, headers, bytes) = download(
        &s,
        &format!("/api/admin/analytics/export?{range}&series=appointments"),
        &admin.token,
    )
    .await;
    assert_eq!(status, 200);
    assert!(headers["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/csv"));
    assert!(headers["content-disposition"]
        .to_str()
        .unwrap()
        .starts_with("attachment;"));
    let csv = String::from_utf8(bytes).unwrap();
    let mut lines = csv.lines();
    assert_eq!(
        lines.next(),
        Some("bucket,booked,cancelled,no_show,completed")
    );
    assert_eq!(lines.count(), 1, "{csv}");

    // The monthly report in each format.
    let month = now.format("%Y-%m").to_string();
    let base = format!("/api/admin/reports/monthly?month={month}");
    let r = s.get(&base, &admin.token).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["month"], format!("{month}-01"));
    let (status, headers, bytes) = download(&s, &format!("{base}&format=csv"), &admin.token).await;
    assert_eq!(status, 200);
    assert!(headers["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/csv"));
    assert!(!bytes.is_empty());
    let (status, headers, bytes) = download(&s, &format!("{base}&format=xlsx"), &admin.token).await;
    assert_eq!(status, 200);
    assert_eq!(headers["content-type"], XLSX);
    assert_eq!(
        headers["content-disposition"],
        format!("attachment; filename=\"medsync-billing-{month}.xlsx\"").as_str()
    );
    assert!(bytes.starts_with(b"PK"), "an XLSX is a zip");
    let r = s
        .get("/api/admin/reports/monthly?month=2026-13", &admin.token)
        .await;
    r.assert_problem(422);
    assert_eq!(r.fields(), ["month"]);
    let r = s.get(&format!("{base}&format=pdf"), &admin.token).await;
    r.assert_problem(422);
    assert_eq!(r.fields(), ["format"]);

    // Everyone else is refused.
    for token in [&doctor.token, &patient.token] {
        for path in [
            format!("/api/admin/analytics?{range}"),
            format!("/api/admin/analytics/export?{range}&series=revenue"),
            format!("{base}&format=xlsx"),
            base.clone(),
        ] {
            s.get(&path, token).await.assert_problem(403);
        }
    }
}
