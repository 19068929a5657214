//! What does the audit log cost a booking? Booking throughput on PostgreSQL with the audit
//! append (the production path), without it, and with every entry forced onto one chain
//! (what a single global hash chain would cost), for several numbers of concurrent clients.
//!
//! ```sh
//! DATABASE_URL=postgres://… cargo run -p medsync-storage-postgres --features testing \
//!     --example audit_overhead [bookings per run] [rounds] [clients,…]
//! ```
//!
//! Defaults: 2000 bookings per run, 3 rounds, 1,8,32 clients. Each run uses a fresh database
//! and one warm-up booking per client before the clock starts; each client books
//! back-to-back slots for its own doctor and patient, so runs measure the write path rather
//! than contention on one calendar.

use std::sync::Arc;

use futures::FutureExt;
use medsync_core::audit::AuditEvent;
use medsync_core::ids::PatientId;
use medsync_core::scheduling::{Appointment, AppointmentStatus};
use medsync_core::testkit::throughput::{self, booking_event, now, Args, BoxError, Client};
use medsync_storage_postgres::testing::{
    book_with_audit, book_without_audit, fresh_postgres_store_with,
};
use medsync_storage_postgres::PostgresStore;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    /// The booking transaction without its audit statements.
    NoAudit,
    /// Production: the entry joins one of 16 chains, chosen by the chart.
    Audit,
    /// Every entry on one chain: a single global head row lock.
    OneChain,
}

/// A confirmed appointment in slot `k` of `client`'s doctor.
fn appointment(client: &Client, k: u64) -> Appointment {
    Appointment {
        status: AppointmentStatus::Confirmed,
        hold_expires_at: None,
        ..client.hold(k)
    }
}

/// The audit entry of booking `a`. The chain follows the chart: under [`Mode::OneChain`]
/// every entry names the `shared` chart, so all of them go onto one chain.
fn event(a: &Appointment, mode: Mode, shared: PatientId) -> AuditEvent {
    let mut event = booking_event(a);
    if mode == Mode::OneChain {
        event.patient_id = Some(shared);
    }
    event
}

/// `per_client` bookings from each of `clients` concurrent tasks on a fresh database (a
/// doctor and a patient per client, registered first); returns bookings per second.
async fn run(mode: Mode, clients: usize, per_client: u64) -> Result<f64, BoxError> {
    let pool_size = u32::try_from(clients).unwrap_or(u32::MAX);
    let store = fresh_postgres_store_with(pool_size)
        .await
        .ok_or("DATABASE_URL is not set")?;
    let svc = throughput::service_builder(Arc::new(store.clone()))?.build()?;
    let people = throughput::world(&svc, clients).await?;
    let shared = people.first().ok_or("no clients")?.chart();
    let per_task: Vec<_> = people.into_iter().map(|c| (c, store.clone())).collect();
    let timed = throughput::timed(
        per_task,
        per_client,
        move |(client, store): &(Client, PostgresStore), k| {
            async move {
                let a = appointment(client, k);
                match mode {
                    Mode::NoAudit => book_without_audit(store, &a, now()).await?,
                    Mode::Audit | Mode::OneChain => {
                        book_with_audit(store, &a, now(), &event(&a, mode, shared)).await?
                    }
                };
                Ok(())
            }
            .boxed()
        },
        |_| {},
    )
    .await;
    store.pool().close().await;
    Ok(timed?.per_second())
}

#[tokio::main(flavor = "multi_thread")]
async fn main() -> Result<(), BoxError> {
    if medsync_storage_postgres::testing::database_url().is_none() {
        eprintln!("set DATABASE_URL to a PostgreSQL server (scripts/test starts one)");
        return Ok(());
    }
    let args = Args::from_env(&[1, 8, 32]);
    println!(
        "bookings/s, median of {} interleaved rounds ({} bookings per run, fresh database each)",
        args.rounds, args.total
    );
    println!(
        "{:>8} {:>10} {:>10} {:>10} {:>9}",
        "clients", "no audit", "audit", "one chain", "overhead"
    );
    let modes = [Mode::NoAudit, Mode::Audit, Mode::OneChain];
    for &clients in &args.levels {
        let per_client = args.per_client(clients);
        let [off, on, one] =
            throughput::interleaved(modes, args.rounds, |mode| run(mode, clients, per_client))
                .await?;
        println!(
            "{clients:>8} {off:>10.0} {on:>10.0} {one:>10.0} {:>8.1}%",
            (off - on) / off * 100.0
        );
    }
    Ok(())
}
