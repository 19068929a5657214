//! What does the audit log cost a booking? Booking throughput on PostgreSQL with the audit
//! append (the production path), without it, and with every entry forced onto one chain
//! (what a single global hash chain would cost), for several numbers of concurrent clients.
//!
//! ```sh
//! DATABASE_URL=postgres://… cargo run -p medsync-storage-postgres --features testing \
//!     --example audit_overhead [bookings per run]
//! ```
//!
//! Each run uses a fresh database; each client books back-to-back slots for its own doctor
//! and patient, so runs measure the write path rather than contention on one calendar.

use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::{DateTime, TimeZone, Utc};
use medsync_core::audit::{AuditEvent, Outcome};
use medsync_core::ids::{AppointmentId, AuditId, PatientId, UserId};
use medsync_core::scheduling::{Appointment, AppointmentStatus};
use medsync_storage_postgres::testing::{
    book_with_audit, book_without_audit, fresh_postgres_store_with,
};
use medsync_storage_postgres::PostgresStore;
use uuid::Uuid;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    /// The booking transaction without its audit statements.
    NoAudit,
    /// Production: the entry joins one of 16 chains, chosen by the chart.
    Audit,
    /// Every entry on one chain: a single global head row lock.
    OneChain,
}

fn id(prefix: u32, n: usize) -> Uuid {
    Uuid::parse_str(&format!("{prefix:08x}-0000-4000-8000-{n:012x}")).expect("valid uuid")
}

fn base() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 1, 5, 0, 0, 0)
        .single()
        .expect("valid date")
}

/// One doctor and one chart per client, created server-side.
async fn seed(store: &PostgresStore, clients: usize) -> Result<(), sqlx::Error> {
    let n = i32::try_from(clients).unwrap_or(i32::MAX);
    sqlx::query(
        "INSERT INTO users (id, email, name, role, status, password_hash, created_at, updated_at, \
                            version) \
         SELECT ('00000001-0000-4000-8000-' || lpad(to_hex(g), 12, '0'))::uuid, \
                'doctor' || g || '@bench.test', 'Doctor ' || g, 'doctor', 'active', 'x', now(), \
                now(), 1 FROM generate_series(0, $1 - 1) AS g",
    )
    .bind(n)
    .execute(store.pool())
    .await?;
    sqlx::query(
        "INSERT INTO patients (id, name, sex, mrn, created_at, updated_at, version) \
         SELECT ('00000002-0000-4000-8000-' || lpad(to_hex(g), 12, '0'))::uuid, 'Patient ' || g, \
                'unknown', 'MRN-' || g, now(), now(), 1 FROM generate_series(0, $1 - 1) AS g",
    )
    .bind(n)
    .execute(store.pool())
    .await?;
    Ok(())
}

fn appointment(client: usize, k: usize) -> Appointment {
    let doctor = UserId(id(1, client));
    let start = base() + chrono::Duration::minutes(40 * k as i64);
    Appointment {
        id: AppointmentId(Uuid::now_v7()),
        doctor_id: doctor,
        patient_id: PatientId(id(2, client)),
        start,
        end: start + chrono::Duration::minutes(30),
        buffer_minutes: 10,
        appointment_type: "consultation".into(),
        status: AppointmentStatus::Confirmed,
        hold_expires_at: None,
        reason: None,
        cancellation: None,
        idempotency_key: None,
        booked_by: doctor,
        version: 1,
        created_at: base(),
        updated_at: base(),
    }
}

fn event(a: &Appointment, mode: Mode) -> AuditEvent {
    AuditEvent {
        id: AuditId(Uuid::now_v7()),
        at: base(),
        actor: Some(a.booked_by),
        actor_role: Some(medsync_core::identity::Role::Doctor),
        action: "appointment.book".into(),
        resource_kind: "appointment".into(),
        resource_id: Some(a.id.to_string()),
        // The chain follows the chart: one shared chart id puts every entry on one chain.
        patient_id: Some(if mode == Mode::OneChain {
            PatientId(id(2, 0))
        } else {
            a.patient_id
        }),
        outcome: Outcome::Allowed,
        detail: None,
    }
}

/// Books `total` appointments from `clients` concurrent tasks; returns bookings per second.
async fn run(mode: Mode, clients: usize, total: usize) -> Result<f64, Box<dyn std::error::Error>> {
    let pool_size = u32::try_from(clients).unwrap_or(u32::MAX);
    let store = fresh_postgres_store_with(pool_size)
        .await
        .ok_or("DATABASE_URL is not set")?;
    seed(&store, clients).await?;
    let per_client = total / clients;
    let barrier = Arc::new(tokio::sync::Barrier::new(clients + 1));
    let tasks: Vec<_> = (0..clients)
        .map(|c| {
            let (store, barrier) = (store.clone(), barrier.clone());
            tokio::spawn(async move {
                barrier.wait().await;
                for k in 0..per_client {
                    let a = appointment(c, k);
                    let r = match mode {
                        Mode::NoAudit => book_without_audit(&store, &a, base()).await,
                        Mode::Audit | Mode::OneChain => {
                            book_with_audit(&store, &a, base(), &event(&a, mode)).await
                        }
                    };
                    r?;
                }
                Ok::<(), medsync_core::Error>(())
            })
        })
        .collect();
    barrier.wait().await;
    let started = Instant::now();
    for t in tasks {
        t.await??;
    }
    let elapsed = started.elapsed().max(Duration::from_micros(1));
    store.pool().close().await;
    Ok((per_client * clients) as f64 / elapsed.as_secs_f64())
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

#[tokio::main(flavor = "multi_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    if medsync_storage_postgres::testing::database_url().is_none() {
        eprintln!("set DATABASE_URL to a PostgreSQL server (scripts/test starts one)");
        return Ok(());
    }
    let mut args = std::env::args().skip(1);
    let total: usize = args.next().and_then(|s| s.parse().ok()).unwrap_or(2_000);
    let rounds: usize = args.next().and_then(|s| s.parse().ok()).unwrap_or(3);
    println!(
        "bookings/s, median of {rounds} interleaved rounds ({total} bookings per run, fresh \
         database each)"
    );
    println!(
        "{:>8} {:>10} {:>10} {:>10} {:>9}",
        "clients", "no audit", "audit", "one chain", "overhead"
    );
    let modes = [Mode::NoAudit, Mode::Audit, Mode::OneChain];
    for clients in [1, 8, 32] {
        let mut results: Vec<Vec<f64>> = vec![Vec::new(); modes.len()];
        for round in 0..rounds {
            // Rotate the order so background load drifts evenly over the modes.
            for i in 0..modes.len() {
                let m = (i + round) % modes.len();
                results[m].push(run(modes[m], clients, total).await?);
            }
        }
        let [off, on, one] = [0, 1, 2].map(|m| median(results[m].clone()));
        println!(
            "{clients:>8} {off:>10.0} {on:>10.0} {one:>10.0} {:>8.1}%",
            (off - on) / off * 100.0
        );
    }
    Ok(())
}
