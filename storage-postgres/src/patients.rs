//! Patient charts: `patients`, with the unique MRN (`patients_mrn_key`).

use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, Utc};
use medsync_core::audit::AuditEvent;
use medsync_core::identity::{Contact, Patient};
use medsync_core::ids::{PatientId, UserId};
use medsync_core::store::{Page, PatientFilter, PatientStore};
use medsync_core::Result;
use sqlx::{PgConnection, QueryBuilder};
use uuid::Uuid;

use crate::convert::{limit_offset, parse_wire, to_i64, to_u64, wire};
use crate::errors::DbResultExt;
use crate::users::cas_miss;
use crate::{audit, PostgresStore};

/// The columns of a [`PatientRow`], in order.
const COLUMNS: &str = "id, name, date_of_birth, sex, contact_email, contact_phone, \
                       contact_address, mrn, user_id, archived_at, created_at, updated_at, version";

/// A `patients` row.
#[derive(sqlx::FromRow)]
struct PatientRow {
    id: Uuid,
    name: String,
    date_of_birth: Option<NaiveDate>,
    sex: String,
    contact_email: Option<String>,
    contact_phone: Option<String>,
    contact_address: Option<String>,
    mrn: String,
    user_id: Option<Uuid>,
    archived_at: Option<DateTime<Utc>>,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
    version: i64,
}

impl PatientRow {
    fn into_patient(self) -> Result<Patient> {
        Ok(Patient {
            id: PatientId(self.id),
            name: self.name,
            date_of_birth: self.date_of_birth,
            sex: parse_wire(&self.sex, "patient sex")?,
            contact: Contact {
                email: self.contact_email,
                phone: self.contact_phone,
                address: self.contact_address,
            },
            mrn: self.mrn,
            user_id: self.user_id.map(UserId),
            archived_at: self.archived_at,
            created_at: self.created_at,
            updated_at: self.updated_at,
            version: to_u64(self.version, "patient version")?,
        })
    }
}

/// Inserts a chart as given, inside the caller's transaction.
pub(crate) async fn insert(conn: &mut PgConnection, p: &Patient) -> Result<()> {
    sqlx::query(&format!(
        "INSERT INTO patients ({COLUMNS}) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)"
    ))
    .bind(p.id.0)
    .bind(&p.name)
    .bind(p.date_of_birth)
    .bind(wire(&p.sex)?)
    .bind(&p.contact.email)
    .bind(&p.contact.phone)
    .bind(&p.contact.address)
    .bind(&p.mrn)
    .bind(p.user_id.map(|u| u.0))
    .bind(p.archived_at)
    .bind(p.created_at)
    .bind(p.updated_at)
    .bind(to_i64(p.version, "version")?)
    .execute(conn)
    .await
    .db("create the chart")?;
    Ok(())
}

#[async_trait]
impl PatientStore for PostgresStore {
    async fn create_patient(&self, patient: &Patient, audit: &AuditEvent) -> Result<()> {
        let mut tx = self.begin().await?;
        insert(&mut tx, patient).await?;
        audit::append(&mut tx, audit).await?;
        tx.commit().await.db("create the chart")
    }

    async fn patient(&self, id: PatientId) -> Result<Option<Patient>> {
        let row: Option<PatientRow> =
            sqlx::query_as(&format!("SELECT {COLUMNS} FROM patients WHERE id = $1"))
                .bind(id.0)
                .fetch_optional(&self.pool)
                .await
                .db("read a chart")?;
        row.map(PatientRow::into_patient).transpose()
    }

    async fn update_patient(
        &self,
        p: &Patient,
        expected_version: u64,
        audit: &AuditEvent,
    ) -> Result<()> {
        let expected = to_i64(expected_version, "version")?;
        let mut tx = self.begin().await?;
        let done = sqlx::query(
            "UPDATE patients SET name = $2, date_of_birth = $3, sex = $4, contact_email = $5, \
             contact_phone = $6, contact_address = $7, mrn = $8, user_id = $9, \
             archived_at = $10, created_at = $11, updated_at = $12, version = $13 + 1 \
             WHERE id = $1 AND version = $13",
        )
        .bind(p.id.0)
        .bind(&p.name)
        .bind(p.date_of_birth)
        .bind(wire(&p.sex)?)
        .bind(&p.contact.email)
        .bind(&p.contact.phone)
        .bind(&p.contact.address)
        .bind(&p.mrn)
        .bind(p.user_id.map(|u| u.0))
        .bind(p.archived_at)
        .bind(p.created_at)
        .bind(p.updated_at)
        .bind(expected)
        .execute(&mut *tx)
        .await
        .db("update the chart")?;
        if done.rows_affected() == 0 {
            return Err(cas_miss(&mut tx, "patients", "patient", p.id.0, expected_version).await);
        }
        audit::append(&mut tx, audit).await?;
        tx.commit().await.db("update the chart")
    }

    async fn list_patients(&self, filter: &PatientFilter, page: Page) -> Result<Vec<Patient>> {
        let mut q = QueryBuilder::new(format!("SELECT {COLUMNS} FROM patients WHERE TRUE"));
        if !filter.include_archived {
            q.push(" AND archived_at IS NULL");
        }
        if let Some(ids) = &filter.ids {
            let ids: Vec<Uuid> = ids.iter().map(|p| p.0).collect();
            q.push(" AND id = ANY(").push_bind(ids).push(")");
        }
        if let Some(text) = &filter.query {
            let needle = text.to_lowercase();
            q.push(" AND (strpos(lower(name), ")
                .push_bind(needle.clone())
                .push(") > 0 OR strpos(lower(mrn), ")
                .push_bind(needle)
                .push(") > 0)");
        }
        let (limit, offset) = limit_offset(page);
        q.push(" ORDER BY name COLLATE \"C\", id LIMIT ")
            .push_bind(limit)
            .push(" OFFSET ")
            .push_bind(offset);
        let rows: Vec<PatientRow> = q
            .build_query_as()
            .fetch_all(&self.pool)
            .await
            .db("list charts")?;
        rows.into_iter().map(PatientRow::into_patient).collect()
    }
}
