//! The `appointments` row and the statements scheduling shares: locking calendars, expiring
//! lapsed holds, binding a row, naming the appointment that blocks a write after an exclusion
//! violation, and the two hot read queries (listing, slot search).

use chrono::{DateTime, Utc};
use medsync_core::ids::{AppointmentId, PatientId, UserId};
use medsync_core::scheduling::{Appointment, Cancellation};
use medsync_core::store::{AppointmentFilter, Page};
use medsync_core::{Error, Result};
use sqlx::postgres::PgArguments;
use sqlx::query::QueryAs;
use sqlx::{PgConnection, Postgres, QueryBuilder};
use uuid::Uuid;

use crate::convert::{limit_offset, parse_wire, to_i32, to_i64, to_u32, to_u64, wire};
use crate::errors::DbResultExt;

/// The columns of an [`AppointmentRow`], in order (also the insert order of [`bind`]).
pub(crate) const COLUMNS: &str = "id, doctor_id, patient_id, start_at, end_at, buffer_minutes, \
     appointment_type, status, hold_expires_at, reason, cancelled_by, cancelled_by_role, \
     cancellation_reason, cancelled_at, idempotency_key, booked_by, version, created_at, updated_at";

/// `$1, …, $19` for [`COLUMNS`].
pub(crate) const PLACEHOLDERS: &str =
    "$1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19";

/// The predicate of the exclusion constraints: rows that block their interval.
pub(crate) const BLOCKING: &str = "status IN ('pending', 'confirmed')";

/// An `appointments` row.
#[derive(sqlx::FromRow)]
pub(crate) struct AppointmentRow {
    id: Uuid,
    doctor_id: Uuid,
    patient_id: Uuid,
    start_at: DateTime<Utc>,
    end_at: DateTime<Utc>,
    buffer_minutes: i32,
    appointment_type: String,
    status: String,
    hold_expires_at: Option<DateTime<Utc>>,
    reason: Option<String>,
    cancelled_by: Option<Uuid>,
    cancelled_by_role: Option<String>,
    cancellation_reason: Option<String>,
    cancelled_at: Option<DateTime<Utc>>,
    idempotency_key: Option<String>,
    booked_by: Uuid,
    version: i64,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

impl AppointmentRow {
    /// The domain appointment.
    pub(crate) fn into_appointment(self) -> Result<Appointment> {
        let cancellation = match (self.cancelled_by, self.cancelled_by_role, self.cancelled_at) {
            (Some(by), Some(role), Some(at)) => Some(Cancellation {
                by: UserId(by),
                by_role: parse_wire(&role, "cancellation role")?,
                reason: self.cancellation_reason,
                at,
            }),
            _ => None,
        };
        Ok(Appointment {
            id: AppointmentId(self.id),
            doctor_id: UserId(self.doctor_id),
            patient_id: PatientId(self.patient_id),
            start: self.start_at,
            end: self.end_at,
            buffer_minutes: to_u32(self.buffer_minutes, "appointment buffer")?,
            appointment_type: self.appointment_type,
            status: parse_wire(&self.status, "appointment status")?,
            hold_expires_at: self.hold_expires_at,
            reason: self.reason,
            cancellation,
            idempotency_key: self.idempotency_key,
            booked_by: UserId(self.booked_by),
            version: to_u64(self.version, "appointment version")?,
            created_at: self.created_at,
            updated_at: self.updated_at,
        })
    }
}

/// Rows → appointments.
pub(crate) fn appointments(rows: Vec<AppointmentRow>) -> Result<Vec<Appointment>> {
    rows.into_iter()
        .map(AppointmentRow::into_appointment)
        .collect()
}

type RowQuery<'q, O> = QueryAs<'q, Postgres, O, PgArguments>;

/// Binds `a` as `$1 … $19` in [`COLUMNS`] order, with `version` as the stored version.
pub(crate) fn bind<'q, O>(
    q: RowQuery<'q, O>,
    a: &'q Appointment,
    version: u64,
) -> Result<RowQuery<'q, O>> {
    let c = a.cancellation.as_ref();
    Ok(q.bind(a.id.0)
        .bind(a.doctor_id.0)
        .bind(a.patient_id.0)
        .bind(a.start)
        .bind(a.end)
        .bind(to_i32(a.buffer_minutes, "buffer_minutes")?)
        .bind(&a.appointment_type)
        .bind(wire(&a.status)?)
        .bind(a.hold_expires_at)
        .bind(&a.reason)
        .bind(c.map(|c| c.by.0))
        .bind(c.map(|c| wire(&c.by_role)).transpose()?)
        .bind(c.and_then(|c| c.reason.clone()))
        .bind(c.map(|c| c.at))
        .bind(&a.idempotency_key)
        .bind(a.booked_by.0)
        .bind(to_i64(version, "version")?)
        .bind(a.created_at)
        .bind(a.updated_at))
}

/// A 64-bit advisory-lock key for one calendar (`kind` 1: a doctor's, 2: a patient's).
fn calendar_key(kind: u8, id: Uuid) -> i64 {
    // SplitMix64 finaliser; a collision only makes two calendars share a lock.
    let v = id.as_u128();
    let mut z = (v as u64) ^ ((v >> 64) as u64) ^ (u64::from(kind) << 56);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    (z ^ (z >> 31)) as i64
}

/// Claims the doctor's and the patient's calendars for the current transaction, the first
/// step of every booking and move (`medsync_claim_calendars`, migration 0013):
///
/// 1. takes their transaction-scoped advisory locks, always in ascending key order. The
///    exclusion constraints stay the invariant; the locks only queue writers that could
///    collide (they share a doctor or a patient) instead of letting them insert
///    concurrently: two concurrent conflicting inserts each wait for the other's uncommitted
///    index entry, a deadlock PostgreSQL only breaks after `deadlock_timeout`. Writers on
///    unrelated calendars never share a lock;
/// 2. marks every pending hold of the doctor or the patient lapsed at `now` expired
///    (version + 1), except `keep` (the appointment being moved: expiring it would bump the
///    version its compare-and-set is about to match), having locked those rows — and
///    `keep` — in id order, the order every scheduling transaction uses, so two of them do
///    not wait on each other in a cycle over those rows (a cycle through an exclusion
///    constraint's wait is still possible; `retry` retries the deadlock PostgreSQL breaks).
///
/// Returns how many holds it expired.
pub(crate) async fn claim_calendars(
    conn: &mut PgConnection,
    doctor: UserId,
    patient: PatientId,
    now: DateTime<Utc>,
    keep: Option<AppointmentId>,
) -> Result<u64> {
    let (first, second) = calendar_keys(doctor, patient);
    let expired: i64 = sqlx::query_scalar("SELECT medsync_claim_calendars($1, $2, $3, $4, $5, $6)")
        .bind(first)
        .bind(second)
        .bind(doctor.0)
        .bind(patient.0)
        .bind(now)
        .bind(keep.map(|k| k.0))
        .fetch_one(conn)
        .await
        .db("claim the calendars")?;
    to_u64(expired, "expired holds")
}

/// [`claim_calendars`] without a `keep`, as one statement with literal values: a booking
/// sends it in the message that carries `BEGIN`. Every value is typed (keys, ids, a time), so
/// nothing a caller wrote reaches the SQL text.
pub(crate) fn claim_calendars_sql(
    doctor: UserId,
    patient: PatientId,
    now: DateTime<Utc>,
) -> String {
    let (first, second) = calendar_keys(doctor, patient);
    let at = now.to_rfc3339_opts(chrono::SecondsFormat::Micros, true);
    format!(
        "SELECT medsync_claim_calendars({first}, {second}, '{}', '{}', '{at}', NULL)",
        doctor.0, patient.0
    )
}

/// The advisory-lock keys of the doctor's and the patient's calendars, ascending.
fn calendar_keys(doctor: UserId, patient: PatientId) -> (i64, i64) {
    let (d, p) = (calendar_key(1, doctor.0), calendar_key(2, patient.0));
    (d.min(p), d.max(p))
}

/// After an exclusion violation on `constraint` by `a` (or an insert of `a` that did nothing
/// on a conflict): the `Conflict` naming the active appointment that blocks it under that
/// constraint (found with a fresh snapshot: the constraint waited for the blocker's
/// transaction to commit). `None` if no such blocker is visible (any more: it was cancelled
/// meanwhile), in which case the caller may try again.
pub(crate) async fn blocking_conflict(
    conn: &mut PgConnection,
    constraint: &str,
    a: &Appointment,
) -> Result<Option<Error>> {
    const WHAT: &str = "find the blocking appointment";
    let (blocker, message): (Option<Uuid>, _) = if constraint == "appointments_doctor_overlap" {
        let sql = format!(
            "SELECT id FROM appointments WHERE doctor_id = $1 AND {BLOCKING} AND id <> $2 \
             AND medsync_doctor_block(start_at, end_at, buffer_minutes) \
                 && medsync_doctor_block($3, $4, $5) \
             ORDER BY start_at, id LIMIT 1"
        );
        let q = sqlx::query_scalar(&sql)
            .bind(a.doctor_id.0)
            .bind(a.id.0)
            .bind(a.start)
            .bind(a.end)
            .bind(to_i32(a.buffer_minutes, "buffer_minutes")?);
        (
            q.fetch_optional(conn).await.db(WHAT)?,
            "doctor is booked at that time",
        )
    } else {
        let sql = format!(
            "SELECT id FROM appointments WHERE patient_id = $1 AND {BLOCKING} AND id <> $2 \
             AND tstzrange(start_at, end_at, '[)') && tstzrange($3, $4, '[)') \
             ORDER BY start_at, id LIMIT 1"
        );
        let q = sqlx::query_scalar(&sql)
            .bind(a.patient_id.0)
            .bind(a.id.0)
            .bind(a.start)
            .bind(a.end);
        (
            q.fetch_optional(conn).await.db(WHAT)?,
            "patient already has an appointment at that time",
        )
    };
    Ok(blocker.map(|id| Error::conflict(message, Some(id.to_string()))))
}

/// The listing query of [`medsync_core::store::ScheduleStore::list_appointments`], after
/// `prefix` (`""`, or `"EXPLAIN (FORMAT JSON) "` to inspect its plan).
pub(crate) fn list_query(
    prefix: &str,
    filter: &AppointmentFilter,
    page: Page,
) -> Result<QueryBuilder<'static, Postgres>> {
    let mut q = QueryBuilder::new(format!(
        "{prefix}SELECT {COLUMNS} FROM appointments WHERE TRUE"
    ));
    if let Some(d) = filter.doctor_id {
        q.push(" AND doctor_id = ").push_bind(d.0);
    }
    if let Some(ps) = &filter.patient_ids {
        let ids: Vec<Uuid> = ps.iter().map(|p| p.0).collect();
        q.push(" AND patient_id = ANY(").push_bind(ids).push(")");
    }
    if let Some(from) = filter.from {
        q.push(" AND end_at > ").push_bind(from);
    }
    if let Some(to) = filter.to {
        q.push(" AND start_at < ").push_bind(to);
    }
    if let Some(statuses) = &filter.statuses {
        let names = statuses.iter().map(wire).collect::<Result<Vec<_>>>()?;
        q.push(" AND status = ANY(").push_bind(names).push(")");
    }
    let (limit, offset) = limit_offset(page);
    q.push(" ORDER BY start_at, id LIMIT ")
        .push_bind(limit)
        .push(" OFFSET ")
        .push_bind(offset);
    Ok(q)
}

/// The slot-search query of [`medsync_core::store::ScheduleStore::doctor_busy`] (`$1` the
/// doctor, `$2`/`$3` the window, `$4` now): served by the `appointments_doctor_overlap`
/// exclusion index.
pub(crate) fn doctor_busy_sql() -> String {
    format!(
        "SELECT {COLUMNS} FROM appointments \
         WHERE doctor_id = $1 AND {BLOCKING} \
           AND (status = 'confirmed' OR hold_expires_at > $4) \
           AND medsync_doctor_block(start_at, end_at, buffer_minutes) \
               && tstzrange($2, $3, '[)') \
         ORDER BY start_at, id"
    )
}
