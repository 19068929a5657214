//! The hot read paths use indexes at scale: on 100,000 appointments (100 doctors, 2,000
//! patients, generated server-side with `generate_series`), the slot search
//! (`doctor_busy`) and the appointment listings by doctor and by patient never scan the
//! whole `appointments` table.

use chrono::{DateTime, TimeZone, Utc};
use medsync_core::ids::{PatientId, UserId};
use medsync_core::scheduling::AppointmentStatus;
use medsync_core::store::{AppointmentFilter, Page, ScheduleStore};
use medsync_storage_postgres::testing::{explain_doctor_busy, explain_list_appointments};
use medsync_storage_postgres::PostgresStore;
use serde_json::Value;
use uuid::Uuid;

const APPOINTMENTS: i64 = 100_000;

fn doctor(n: u32) -> UserId {
    UserId(Uuid::parse_str(&format!("00000000-0000-4000-8000-{n:012x}")).unwrap())
}

fn patient(n: u32) -> PatientId {
    PatientId(Uuid::parse_str(&format!("00000000-0000-4000-9000-{n:012x}")).unwrap())
}

fn day(d: u32, h: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap()
        + chrono::Duration::days(i64::from(d))
        + chrono::Duration::hours(i64::from(h))
}

/// 100 doctors × 1,000 back-to-back 30-minute appointments (40 minutes apart: buffer 10),
/// spread over 2,000 patients (50 each), in mixed statuses.
async fn load(store: &PostgresStore) {
    let statements = [
        "INSERT INTO users (id, email, name, role, status, password_hash, created_at, \
                            updated_at, version) \
         SELECT ('00000000-0000-4000-8000-' || lpad(to_hex(g), 12, '0'))::uuid, \
                'doctor' || g || '@clinic.test', 'Doctor ' || g, 'doctor', 'active', 'x', \
                now(), now(), 1 \
         FROM generate_series(1, 100) AS g",
        "INSERT INTO patients (id, name, sex, mrn, created_at, updated_at, version) \
         SELECT ('00000000-0000-4000-9000-' || lpad(to_hex(g), 12, '0'))::uuid, \
                'Patient ' || g, 'unknown', 'MRN-' || g, now(), now(), 1 \
         FROM generate_series(1, 2000) AS g",
        "INSERT INTO appointments (id, doctor_id, patient_id, start_at, end_at, \
                                   buffer_minutes, appointment_type, status, booked_by, \
                                   version, created_at, updated_at) \
         SELECT gen_random_uuid(), \
                ('00000000-0000-4000-8000-' || lpad(to_hex(g % 100 + 1), 12, '0'))::uuid, \
                ('00000000-0000-4000-9000-' || lpad(to_hex(g % 2000 + 1), 12, '0'))::uuid, \
                timestamptz '2026-01-01 00:00+00' + (g / 100) * interval '40 minutes', \
                timestamptz '2026-01-01 00:30+00' + (g / 100) * interval '40 minutes', \
                10, 'consultation', \
                (ARRAY['confirmed', 'completed', 'cancelled', 'no_show'])[(g / 100 + g / 2000) % 4 + 1], \
                ('00000000-0000-4000-8000-' || lpad(to_hex(g % 100 + 1), 12, '0'))::uuid, \
                1, now(), now() \
         FROM generate_series(0, 99999) AS g",
        "ANALYZE users",
        "ANALYZE patients",
        "ANALYZE appointments",
    ];
    for sql in statements {
        sqlx::query(sql).execute(store.pool()).await.unwrap();
    }
    let n: i64 = sqlx::query_scalar("SELECT count(*) FROM appointments")
        .fetch_one(store.pool())
        .await
        .unwrap();
    assert_eq!(n, APPOINTMENTS);
}

/// Every plan node, depth first.
fn nodes(plan: &Value) -> Vec<&Value> {
    let mut out = vec![plan];
    if let Some(children) = plan.get("Plans").and_then(Value::as_array) {
        for c in children {
            out.extend(nodes(c));
        }
    }
    out
}

/// Asserts the plan reads `appointments` only through indexes; returns the indexes used.
fn assert_indexed(what: &str, explained: &Value) -> Vec<String> {
    let root = &explained[0]["Plan"];
    let all = nodes(root);
    let seq: Vec<_> = all
        .iter()
        .filter(|n| n["Node Type"] == "Seq Scan" && n["Relation Name"] == "appointments")
        .collect();
    assert!(
        seq.is_empty(),
        "{what}: sequential scan of appointments:\n{explained:#}"
    );
    let indexes: Vec<String> = all
        .iter()
        .filter_map(|n| n.get("Index Name").and_then(Value::as_str))
        .map(str::to_owned)
        .collect();
    assert!(!indexes.is_empty(), "{what}: no index used:\n{explained:#}");
    eprintln!("{what}: {} via {indexes:?}", root["Node Type"]);
    indexes
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn slot_search_and_listings_use_indexes_on_100k_appointments() {
    let store = store_or_skip!(2);
    load(&store).await;
    let (d, now) = (doctor(7), day(0, 0));
    // Doctor 7 has appointments every 40 minutes from 2026-01-01 on (day 3: 36 of them).
    let (from, to) = (day(3, 0), day(4, 0));

    let busy = store.doctor_busy(d, from, to, now).await.unwrap();
    let expected: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM appointments WHERE doctor_id = $1 AND status = 'confirmed' \
         AND start_at < $3 AND end_at + interval '10 minutes' > $2",
    )
    .bind(d.0)
    .bind(from)
    .bind(to)
    .fetch_one(store.pool())
    .await
    .unwrap();
    assert!(expected > 0);
    assert_eq!(busy.len() as i64, expected);
    assert!(busy.iter().all(|a| a.doctor_id == d && a.is_active(now)));
    let plan = explain_doctor_busy(&store, d, from, to, now).await.unwrap();
    let used = assert_indexed("doctor_busy", &plan);
    assert!(
        used.iter().any(|i| i == "appointments_doctor_overlap"),
        "{used:?}"
    );

    let by_doctor = AppointmentFilter {
        doctor_id: Some(d),
        from: Some(from),
        to: Some(to),
        ..Default::default()
    };
    let listed = store
        .list_appointments(&by_doctor, Page::first(100))
        .await
        .unwrap();
    assert_eq!(listed.len(), 36);
    assert!(listed.windows(2).all(|w| w[0].start < w[1].start));
    let plan = explain_list_appointments(&store, &by_doctor, Page::first(100))
        .await
        .unwrap();
    assert_indexed("list_appointments by doctor", &plan);

    let by_patient = AppointmentFilter {
        patient_ids: Some(vec![patient(42), patient(43)]),
        statuses: Some(vec![
            AppointmentStatus::Confirmed,
            AppointmentStatus::Completed,
        ]),
        ..Default::default()
    };
    let listed = store
        .list_appointments(&by_patient, Page::first(500))
        .await
        .unwrap();
    let expected: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM appointments WHERE patient_id = ANY($1) \
         AND status IN ('confirmed', 'completed')",
    )
    .bind(vec![patient(42).0, patient(43).0])
    .fetch_one(store.pool())
    .await
    .unwrap();
    assert!(expected > 0);
    assert_eq!(listed.len() as i64, expected);
    let plan = explain_list_appointments(&store, &by_patient, Page::first(500))
        .await
        .unwrap();
    assert_indexed("list_appointments by patient", &plan);
}
