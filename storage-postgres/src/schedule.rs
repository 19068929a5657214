//! Availability and appointments: [`ScheduleStore`] over `doctor_availability` and
//! `appointments`.
//!
//! Booking and rescheduling rely on the exclusion constraints, not on a prior read: the
//! transaction takes the advisory locks of the doctor's and the patient's calendars (which
//! only queue writers that could collide, see [`claim_calendars`]), expires their lapsed
//! holds, then writes. A booking without an idempotency key is three round trips (a key adds
//! one, its lookup): `BEGIN` with one call that takes the locks and expires the holds
//! (`medsync_claim_calendars`, migration 0013), one statement that inserts the appointment
//! and appends its audit entry, `COMMIT`. The insert does nothing on a conflict (`ON
//! CONFLICT DO NOTHING` arbitrates the exclusion constraints too); the booking then looks up
//! what blocks it (the constraint waited for the blocker's transaction to commit, so a fresh
//! snapshot sees it) and fails with `Conflict { blocking: Some(id) }`. A move writes under a savepoint instead: an exclusion
//! violation rolls back to it and is resolved the same way.

use std::sync::LazyLock;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use medsync_core::audit::AuditEvent;
use medsync_core::ids::{AppointmentId, PatientId, UserId};
use medsync_core::scheduling::{Appointment, Availability};
use medsync_core::store::{AppointmentFilter, BookOutcome, BookingFacts, Page, ScheduleStore};
use medsync_core::{Error, Result};
use sqlx::{Connection, Executor, PgConnection};

use crate::appointments::{
    appointments, bind, blocking_conflict, claim_calendars, claim_calendars_sql, doctor_busy_sql,
    list_query, AppointmentRow, COLUMNS, PLACEHOLDERS,
};
use crate::audit::{append_ctes, Pending};
use crate::constraints::{meaning, Meaning};
use crate::convert::to_i64;
use crate::errors::{map, violated_constraint, DbResultExt};
use crate::users::cas_miss;
use crate::{audit, retry, PostgresStore};

/// How many times a write is retried when the appointment that blocked it vanished before it
/// could be named (cancelled right after blocking).
const BLOCKER_ATTEMPTS: usize = 3;

/// `INSERT` of a new appointment that does nothing on a conflict with any unique or
/// exclusion constraint (a repeated id or idempotency key, an overlap).
static INSERT: LazyLock<String> = LazyLock::new(|| {
    format!(
        "INSERT INTO appointments ({COLUMNS}) VALUES ({PLACEHOLDERS}) \
         ON CONFLICT DO NOTHING RETURNING {COLUMNS}"
    )
});

/// [`INSERT`] and, if it inserted the appointment, the audit append (`$20`, `$21`), in one
/// statement; the result has the appointment's columns and `audit_head`'s.
static INSERT_AUDITED: LazyLock<String> = LazyLock::new(|| {
    format!(
        "WITH booked AS ({}), {} \
         SELECT booked.*, audit_head.seq AS audit_seq, audit_head.prev_hash AS audit_prev_hash, \
                audit_head.hash AS audit_hash \
         FROM booked LEFT JOIN audit_head ON TRUE",
        *INSERT,
        append_ctes(20, Some("booked"))
    )
});

/// A row of [`INSERT_AUDITED`].
#[derive(sqlx::FromRow)]
struct BookedRow {
    #[sqlx(flatten)]
    appointment: AppointmentRow,
    audit_seq: Option<i64>,
    audit_prev_hash: Option<String>,
    audit_hash: Option<String>,
}

/// Compare-and-set replacement: `$1` is the id, `$2 … $19` the other columns, `$20` the
/// expected version.
static REPLACE: LazyLock<String> = LazyLock::new(|| {
    let set: Vec<String> = COLUMNS
        .split(',')
        .map(str::trim)
        .enumerate()
        .skip(1)
        .map(|(i, col)| format!("{col} = ${}", i + 1))
        .collect();
    format!(
        "UPDATE appointments SET {} WHERE id = $1 AND version = $20 RETURNING {COLUMNS}",
        set.join(", ")
    )
});

/// Whether the error is a violation of one of the two non-overlap constraints; its name.
fn overlap(err: &sqlx::Error) -> Option<String> {
    violated_constraint(err)
        .filter(|c| *c == "appointments_doctor_overlap" || *c == "appointments_patient_overlap")
        .map(str::to_owned)
}

/// The appointment the booker created with this idempotency key.
async fn by_key(
    conn: &mut PgConnection,
    booked_by: UserId,
    key: &str,
) -> Result<Option<Appointment>> {
    let row: Option<AppointmentRow> = sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM appointments WHERE booked_by = $1 AND idempotency_key = $2"
    ))
    .bind(booked_by.0)
    .bind(key)
    .fetch_optional(conn)
    .await
    .db("read an appointment by idempotency key")?;
    row.map(AppointmentRow::into_appointment).transpose()
}

async fn savepoint(conn: &mut PgConnection, sql: &'static str) -> Result<()> {
    sqlx::query(sql)
        .execute(conn)
        .await
        .db("manage a savepoint")?;
    Ok(())
}

impl PostgresStore {
    /// The booking transaction of [`ScheduleStore::book`]; `audit` is always given in
    /// production (`None` only for measuring the audit's cost, see `testing`).
    pub(crate) async fn book_with(
        &self,
        a: &Appointment,
        now: DateTime<Utc>,
        audit: Option<&AuditEvent>,
    ) -> Result<BookOutcome> {
        const WHAT: &str = "book the appointment";
        let pending = audit.map(Pending::new).transpose()?;
        let mut conn = self.pool.acquire().await.db(WHAT)?;
        // `BEGIN`, the calendar locks and the expiry of lapsed holds in one round trip.
        let begin = format!(
            "BEGIN; {}",
            claim_calendars_sql(a.doctor_id, a.patient_id, now)
        );
        let begun = conn.begin_with(begin).await;
        if begun.is_err() {
            // The locks may have failed after `BEGIN`, and sqlx rolls back only transactions
            // it counted as begun: roll back here rather than pool a connection left inside a
            // transaction.
            let error = begun.err(); // ends the borrow of `conn`
            if conn.execute("ROLLBACK").await.is_err() {
                conn.close_on_drop();
            }
            return Err(error.map_or_else(
                || Error::backend("could not start the booking", std::io::Error::other(WHAT)),
                |e| map(e, WHAT),
            ));
        }
        let mut tx = begun.db(WHAT)?;
        if let Some(key) = &a.idempotency_key {
            // A replay writes nothing, not even `audit` (it names an appointment that was
            // never created); the service audits the replay itself.
            if let Some(existing) = by_key(&mut tx, a.booked_by, key).await? {
                return Ok(BookOutcome::Existing(existing));
            }
        }
        for _ in 0..BLOCKER_ATTEMPTS {
            let inserted = match &pending {
                Some(p) => {
                    let row: Option<BookedRow> = p
                        .bind(bind(sqlx::query_as(&INSERT_AUDITED), a, a.version)?)
                        .fetch_optional(&mut *tx)
                        .await
                        .db(WHAT)?;
                    match row {
                        Some(r) => {
                            p.entry(r.audit_seq, r.audit_prev_hash, r.audit_hash)?;
                            Some(r.appointment)
                        }
                        None => None,
                    }
                }
                None => bind(sqlx::query_as(&INSERT), a, a.version)?
                    .fetch_optional(&mut *tx)
                    .await
                    .db(WHAT)?,
            };
            if let Some(row) = inserted {
                let created = row.into_appointment()?;
                tx.commit().await.db(WHAT)?;
                return Ok(BookOutcome::Created(created));
            }
            // Nothing inserted: name what is in the way (what would have been violated
            // first), keeping the expired holds; nothing else was written.
            if let Some(key) = &a.idempotency_key {
                // The key was taken by a concurrent booking that has committed since: a
                // replay.
                if let Some(existing) = by_key(&mut tx, a.booked_by, key).await? {
                    tx.commit().await.db(WHAT)?;
                    return Ok(BookOutcome::Existing(existing));
                }
            }
            let taken: bool =
                sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM appointments WHERE id = $1)")
                    .bind(a.id.0)
                    .fetch_one(&mut *tx)
                    .await
                    .db(WHAT)?;
            if taken {
                // As the violated primary key would say.
                return Err(meaning("appointments_pkey").map_or_else(
                    || Error::conflict("appointment id already exists", None),
                    Meaning::to_error,
                ));
            }
            for constraint in [
                "appointments_doctor_overlap",
                "appointments_patient_overlap",
            ] {
                if let Some(conflict) = blocking_conflict(&mut tx, constraint, a).await? {
                    tx.commit().await.db(WHAT)?;
                    return Err(conflict);
                }
            }
            // The blocker was cancelled meanwhile: try again.
        }
        Err(Error::conflict("the slot is contended, try again", None))
    }

    /// The compare-and-set move of [`ScheduleStore::update_appointment`] inside the caller's
    /// transaction, without the audit append. The stored version becomes
    /// `expected_version + 1`.
    pub(crate) async fn update_in(
        conn: &mut PgConnection,
        next: &Appointment,
        expected_version: u64,
        now: DateTime<Utc>,
    ) -> Result<Appointment> {
        const WHAT: &str = "update the appointment";
        let version = expected_version
            .checked_add(1)
            .ok_or_else(|| Error::invalid("version", "is too large"))?;
        let expected = to_i64(expected_version, "version")?;
        if next.is_active(now) {
            // The appointment being replaced is left alone: expiring it here would bump the
            // version this compare-and-set is about to match.
            claim_calendars(conn, next.doctor_id, next.patient_id, now, Some(next.id)).await?;
        }
        for _ in 0..BLOCKER_ATTEMPTS {
            savepoint(conn, "SAVEPOINT reschedule").await?;
            let replaced = bind::<AppointmentRow>(sqlx::query_as(&REPLACE), next, version)?
                .bind(expected)
                .fetch_optional(&mut *conn)
                .await;
            match replaced {
                Ok(Some(row)) => return row.into_appointment(),
                Ok(None) => {
                    return Err(cas_miss(
                        conn,
                        "appointments",
                        "appointment",
                        next.id.0,
                        expected_version,
                    )
                    .await)
                }
                Err(e) => {
                    let Some(constraint) = overlap(&e) else {
                        return Err(map(e, WHAT));
                    };
                    savepoint(conn, "ROLLBACK TO SAVEPOINT reschedule").await?;
                    if let Some(conflict) = blocking_conflict(conn, &constraint, next).await? {
                        return Err(conflict);
                    }
                }
            }
        }
        Err(Error::conflict("the slot is contended, try again", None))
    }

    async fn update_once(
        &self,
        next: &Appointment,
        expected_version: u64,
        now: DateTime<Utc>,
        audit: &AuditEvent,
    ) -> Result<Appointment> {
        const WHAT: &str = "update the appointment";
        let mut tx = self.begin().await?;
        match Self::update_in(&mut tx, next, expected_version, now).await {
            Ok(stored) => {
                audit::append(&mut tx, audit).await?;
                tx.commit().await.db(WHAT)?;
                Ok(stored)
            }
            Err(e @ Error::Conflict { .. }) => {
                // Keep the expired holds, as a booking does; the move itself was rolled back.
                tx.commit().await.db(WHAT)?;
                Err(e)
            }
            Err(e) => Err(e),
        }
    }
}

#[async_trait]
impl ScheduleStore for PostgresStore {
    async fn put_availability(
        &self,
        availability: &Availability,
        audit: &AuditEvent,
    ) -> Result<()> {
        crate::availability::put(self, availability, audit).await
    }

    async fn availability(&self, doctor_id: UserId) -> Result<Option<Availability>> {
        crate::availability::get(self, doctor_id).await
    }

    /// The relationships, the doctor, the chart and the availability in one statement.
    async fn booking_facts(
        &self,
        actor: UserId,
        doctor_id: UserId,
        patient_id: PatientId,
        now: DateTime<Utc>,
    ) -> Result<Option<BookingFacts>> {
        crate::booking_facts::read(self, actor, doctor_id, patient_id, now)
            .await
            .map(Some)
    }

    async fn book(
        &self,
        appointment: &Appointment,
        now: DateTime<Utc>,
        audit: &AuditEvent,
    ) -> Result<BookOutcome> {
        // `appointments_span` enforces it too; checked first for the error's field names.
        appointment.check_span()?;
        retry::transient(|| self.book_with(appointment, now, Some(audit))).await
    }

    async fn appointment(&self, id: AppointmentId) -> Result<Option<Appointment>> {
        let row: Option<AppointmentRow> =
            sqlx::query_as(&format!("SELECT {COLUMNS} FROM appointments WHERE id = $1"))
                .bind(id.0)
                .fetch_optional(&self.pool)
                .await
                .db("read an appointment")?;
        row.map(AppointmentRow::into_appointment).transpose()
    }

    async fn update_appointment(
        &self,
        next: &Appointment,
        expected_version: u64,
        now: DateTime<Utc>,
        audit: &AuditEvent,
    ) -> Result<Appointment> {
        next.check_span()?;
        retry::transient(|| self.update_once(next, expected_version, now, audit)).await
    }

    async fn list_appointments(
        &self,
        filter: &AppointmentFilter,
        page: Page,
    ) -> Result<Vec<Appointment>> {
        let mut q = list_query("", filter, page)?;
        let rows: Vec<AppointmentRow> = q
            .build_query_as()
            .fetch_all(&self.pool)
            .await
            .db("list appointments")?;
        appointments(rows)
    }

    async fn doctor_busy(
        &self,
        doctor_id: UserId,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> Result<Vec<Appointment>> {
        if from >= to {
            return Ok(Vec::new());
        }
        let rows: Vec<AppointmentRow> = sqlx::query_as(&doctor_busy_sql())
            .bind(doctor_id.0)
            .bind(from)
            .bind(to)
            .bind(now)
            .fetch_all(&self.pool)
            .await
            .db("read the doctor's calendar")?;
        appointments(rows)
    }

    async fn expire_holds(&self, now: DateTime<Utc>) -> Result<u64> {
        retry::transient(|| async {
            let done = sqlx::query(
                "UPDATE appointments SET status = 'expired', version = version + 1, \
                 updated_at = $1 \
                 WHERE id IN (SELECT id FROM appointments \
                              WHERE status = 'pending' AND hold_expires_at <= $1 \
                              ORDER BY id FOR UPDATE) \
                   AND status = 'pending' AND hold_expires_at <= $1",
            )
            .bind(now)
            .execute(&self.pool)
            .await
            .db("expire lapsed holds")?;
            Ok(done.rows_affected())
        })
        .await
    }
}

#[cfg(all(test, feature = "testing"))]
mod tests {
    use chrono::TimeZone;
    use medsync_core::ids::PatientId;
    use medsync_core::testkit::confirmed_appointment;
    use medsync_core::testkit::throughput::booking_event;
    use uuid::Uuid;

    use super::*;
    use crate::testing::fresh_postgres_store_with;

    fn at(h: u32, m: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 3, 2, h, m, 0).unwrap()
    }

    fn id(kind: u128, n: u128) -> Uuid {
        Uuid::from_u128((kind << 64) | n)
    }

    /// Doctors `1..=n` and charts `11..=10 + n`.
    async fn people(s: &PostgresStore, n: u128) {
        for i in 1..=n {
            sqlx::query(
                "INSERT INTO users (id, email, name, role, status, password_hash, created_at, \
                                    updated_at, version) \
                 VALUES ($1, $2, 'D', 'doctor', 'active', 'x', now(), now(), 1)",
            )
            .bind(id(1, i))
            .bind(format!("d{i}@clinic.test"))
            .execute(s.pool())
            .await
            .unwrap();
            sqlx::query(
                "INSERT INTO patients (id, name, sex, mrn, created_at, updated_at, version) \
                 VALUES ($1, 'P', 'unknown', $2, now(), now(), 1)",
            )
            .bind(id(2, 10 + i))
            .bind(format!("MRN-{i}"))
            .execute(s.pool())
            .await
            .unwrap();
        }
    }

    fn confirmed(doctor: u128, patient: u128, start: DateTime<Utc>) -> Appointment {
        confirmed_appointment(
            UserId(id(1, doctor)),
            PatientId(id(2, patient)),
            start,
            30,
            10,
        )
    }

    fn event(a: &Appointment) -> AuditEvent {
        booking_event(a)
    }

    async fn book(s: &PostgresStore, a: &Appointment) -> Result<BookOutcome> {
        s.book(a, at(8, 0), &event(a)).await
    }

    async fn audit_rows(s: &PostgresStore) -> i64 {
        sqlx::query_scalar("SELECT count(*) FROM audit_log")
            .fetch_one(s.pool())
            .await
            .unwrap()
    }

    fn blocker(r: Result<BookOutcome>) -> (String, Option<String>) {
        match r {
            Err(Error::Conflict { message, blocking }) => (message, blocking),
            other => panic!("expected a conflict, got {other:?}"),
        }
    }

    /// The insert that does nothing on a conflict names what is in the way, as the violated
    /// constraint did: a taken id, else the doctor's blocker, else the patient's; and writes
    /// no audit entry.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_booking_that_inserts_nothing_names_what_is_in_the_way() {
        let Some(s) = fresh_postgres_store_with(2).await else {
            eprintln!("skipped: DATABASE_URL is not set");
            return;
        };
        people(&s, 3).await;
        let first = confirmed(1, 11, at(9, 0));
        book(&s, &first).await.unwrap();
        let second = confirmed(2, 12, at(9, 0));
        book(&s, &second).await.unwrap();
        let entries = audit_rows(&s).await;
        let mut same_id = confirmed(3, 13, at(12, 0));
        same_id.id = first.id;
        let (message, _) = blocker(book(&s, &same_id).await);
        assert!(message.contains("id already exists"), "{message}");
        let (message, blocking) = blocker(book(&s, &confirmed(1, 12, at(9, 10))).await);
        assert!(message.contains("doctor"), "{message}");
        assert_eq!(blocking, Some(first.id.to_string()));
        let (message, blocking) = blocker(book(&s, &confirmed(3, 12, at(9, 20))).await);
        assert!(message.contains("patient"), "{message}");
        assert_eq!(blocking, Some(second.id.to_string()));
        assert_eq!(audit_rows(&s).await, entries);
        // The audited insert still links its entry.
        assert!(matches!(
            book(&s, &confirmed(1, 13, at(9, 40))).await,
            Ok(BookOutcome::Created(_))
        ));
        assert_eq!(audit_rows(&s).await, entries + 1);
    }

    /// When the calendar locks sent with `BEGIN` fail, the connection goes back to the pool
    /// outside any transaction.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_failed_begin_leaves_no_transaction_open() {
        let Some(s) = fresh_postgres_store_with(1).await else {
            eprintln!("skipped: DATABASE_URL is not set");
            return;
        };
        people(&s, 1).await;
        // The pool's only connection gives up waiting for a lock after 200 ms.
        sqlx::query("SET lock_timeout = '200ms'")
            .execute(s.pool())
            .await
            .unwrap();
        let a = confirmed(1, 11, at(9, 0));
        let mut holder = PgConnection::connect_with(&s.pool().connect_options())
            .await
            .unwrap();
        let mut held = holder.begin().await.unwrap();
        claim_calendars(&mut held, a.doctor_id, a.patient_id, at(8, 0), None)
            .await
            .unwrap();
        assert!(matches!(book(&s, &a).await, Err(Error::Backend { .. })));
        held.rollback().await.unwrap();
        // Left inside the failed transaction, the connection would refuse every statement
        // ("current transaction is aborted") until rolled back.
        assert!(matches!(book(&s, &a).await, Ok(BookOutcome::Created(_))));
    }
}
