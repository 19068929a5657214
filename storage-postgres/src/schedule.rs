//! Availability and appointments: [`ScheduleStore`] over `doctor_availability` and
//! `appointments`.
//!
//! Booking and rescheduling rely on the exclusion constraints, not on a prior read: the
//! transaction takes the advisory locks of the doctor's and the patient's calendars (which
//! only queue writers that could collide, see [`lock_calendars`]), expires their lapsed
//! holds, then writes under a savepoint. An exclusion violation rolls back to the savepoint,
//! looks up the appointment that blocks (the constraint waited for its transaction to commit,
//! so a fresh snapshot sees it) and fails with `Conflict { blocking: Some(id) }`.

use std::sync::LazyLock;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use medsync_core::audit::AuditEvent;
use medsync_core::ids::{AppointmentId, UserId};
use medsync_core::scheduling::{Appointment, Availability};
use medsync_core::store::{AppointmentFilter, BookOutcome, Page, ScheduleStore};
use medsync_core::{Error, Result};
use sqlx::PgConnection;

use crate::appointments::{
    appointments, bind, blocking_conflict, doctor_busy_sql, expire_lapsed_of, list_query,
    lock_calendars, AppointmentRow, COLUMNS, PLACEHOLDERS,
};
use crate::convert::to_i64;
use crate::errors::{map, violated_constraint, DbResultExt};
use crate::users::cas_miss;
use crate::{audit, retry, PostgresStore};

/// How many times a write is retried when the appointment that blocked it vanished before it
/// could be named (cancelled right after blocking).
const BLOCKER_ATTEMPTS: usize = 3;

/// `INSERT` of a new appointment; a repeated idempotency key inserts nothing.
static INSERT: LazyLock<String> = LazyLock::new(|| {
    format!(
        "INSERT INTO appointments ({COLUMNS}) VALUES ({PLACEHOLDERS}) \
         ON CONFLICT ON CONSTRAINT appointments_idempotency_key DO NOTHING \
         RETURNING {COLUMNS}"
    )
});

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
        let mut tx = self.begin().await?;
        if let Some(key) = &a.idempotency_key {
            // A replay writes nothing, not even `audit` (it names an appointment that was
            // never created); the service audits the replay itself.
            if let Some(existing) = by_key(&mut tx, a.booked_by, key).await? {
                return Ok(BookOutcome::Existing(existing));
            }
        }
        lock_calendars(&mut tx, a.doctor_id, a.patient_id).await?;
        expire_lapsed_of(&mut tx, a.doctor_id, a.patient_id, None, now).await?;
        for _ in 0..BLOCKER_ATTEMPTS {
            savepoint(&mut tx, "SAVEPOINT book").await?;
            let inserted = bind(sqlx::query_as(&INSERT), a, a.version)?
                .fetch_optional(&mut *tx)
                .await;
            let created = match inserted {
                Ok(Some(row)) => row.into_appointment()?,
                // The key was taken by a concurrent booking that has committed since: a
                // replay, which writes nothing (the expired holds may stay expired).
                Ok(None) => match &a.idempotency_key {
                    Some(key) => match by_key(&mut tx, a.booked_by, key).await? {
                        Some(existing) => {
                            tx.commit().await.db(WHAT)?;
                            return Ok(BookOutcome::Existing(existing));
                        }
                        None => continue,
                    },
                    None => continue,
                },
                Err(e) => {
                    let Some(constraint) = overlap(&e) else {
                        return Err(map(e, WHAT));
                    };
                    savepoint(&mut tx, "ROLLBACK TO SAVEPOINT book").await?;
                    match blocking_conflict(&mut tx, &constraint, a).await? {
                        Some(conflict) => {
                            // Keep the expired holds; nothing else was written.
                            tx.commit().await.db(WHAT)?;
                            return Err(conflict);
                        }
                        None => continue,
                    }
                }
            };
            if let Some(ev) = audit {
                audit::append(&mut tx, ev).await?;
            }
            tx.commit().await.db(WHAT)?;
            return Ok(BookOutcome::Created(created));
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
            lock_calendars(conn, next.doctor_id, next.patient_id).await?;
            expire_lapsed_of(conn, next.doctor_id, next.patient_id, Some(next.id), now).await?;
        }
        for _ in 0..BLOCKER_ATTEMPTS {
            savepoint(conn, "SAVEPOINT reschedule").await?;
            let replaced = bind(sqlx::query_as(&REPLACE), next, version)?
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

    async fn book(
        &self,
        appointment: &Appointment,
        now: DateTime<Utc>,
        audit: &AuditEvent,
    ) -> Result<BookOutcome> {
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
