//! Users (login identities): `users`, with the case-insensitive unique index
//! `users_email_key`.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use medsync_core::audit::AuditEvent;
use medsync_core::identity::{PasswordHash, Patient, User};
use medsync_core::ids::{PatientId, UserId};
use medsync_core::store::{Page, UserFilter, UserStore};
use medsync_core::{Error, Result};
use sqlx::{PgConnection, QueryBuilder};
use uuid::Uuid;

use crate::convert::{limit_offset, parse_wire, to_i64, to_u64, wire};
use crate::errors::DbResultExt;
use crate::{audit, patients, tokens, PostgresStore};

/// The columns of a [`UserRow`], in order.
const COLUMNS: &str = "id, email, name, role, status, password_hash, patient_id, specialization, \
                       created_at, updated_at, version";

/// A `users` row.
#[derive(sqlx::FromRow)]
struct UserRow {
    id: Uuid,
    email: String,
    name: String,
    role: String,
    status: String,
    password_hash: String,
    patient_id: Option<Uuid>,
    specialization: Option<String>,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
    version: i64,
}

impl UserRow {
    fn into_user(self) -> Result<User> {
        Ok(User {
            id: UserId(self.id),
            email: self.email,
            name: self.name,
            role: parse_wire(&self.role, "user role")?,
            status: parse_wire(&self.status, "user status")?,
            password_hash: PasswordHash(self.password_hash),
            patient_id: self.patient_id.map(PatientId),
            specialization: self.specialization,
            created_at: self.created_at,
            updated_at: self.updated_at,
            version: to_u64(self.version, "user version")?,
        })
    }
}

fn users(rows: Vec<UserRow>) -> Result<Vec<User>> {
    rows.into_iter().map(UserRow::into_user).collect()
}

/// Inserts `user` as stored (version as given).
async fn insert(conn: &mut PgConnection, user: &User) -> Result<()> {
    sqlx::query(&format!(
        "INSERT INTO users ({COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)"
    ))
    .bind(user.id.0)
    .bind(&user.email)
    .bind(&user.name)
    .bind(wire(&user.role)?)
    .bind(wire(&user.status)?)
    .bind(&user.password_hash.0)
    .bind(user.patient_id.map(|p| p.0))
    .bind(&user.specialization)
    .bind(user.created_at)
    .bind(user.updated_at)
    .bind(to_i64(user.version, "version")?)
    .execute(conn)
    .await
    .db("create the user")?;
    Ok(())
}

/// Sets the password hash of `user_id` at `at` (version + 1). `NotFound` if absent.
pub(crate) async fn set_password_in(
    conn: &mut PgConnection,
    user_id: UserId,
    hash: &PasswordHash,
    at: DateTime<Utc>,
) -> Result<()> {
    let done = sqlx::query(
        "UPDATE users SET password_hash = $2, updated_at = $3, version = version + 1 \
         WHERE id = $1",
    )
    .bind(user_id.0)
    .bind(&hash.0)
    .bind(at)
    .execute(conn)
    .await
    .db("set the password")?;
    if done.rows_affected() == 0 {
        return Err(Error::not_found("user", user_id));
    }
    Ok(())
}

/// The error for a compare-and-set that matched no row: `PreconditionFailed` naming the
/// stored version, or `NotFound`. `table` is one of the schema's tables with `id` and
/// `version` columns.
pub(crate) async fn cas_miss(
    conn: &mut PgConnection,
    table: &'static str,
    entity: &'static str,
    id: Uuid,
    expected: u64,
) -> Error {
    let current: std::result::Result<Option<i64>, _> =
        sqlx::query_scalar(&format!("SELECT version FROM {table} WHERE id = $1"))
            .bind(id)
            .fetch_optional(conn)
            .await;
    match current {
        Ok(Some(v)) => Error::PreconditionFailed {
            entity,
            expected,
            current: u64::try_from(v).unwrap_or_default(),
        },
        Ok(None) => Error::not_found(entity, id),
        Err(e) => crate::errors::map(e, "read the current version"),
    }
}

#[async_trait]
impl UserStore for PostgresStore {
    async fn create_user(
        &self,
        user: &User,
        patient: Option<&Patient>,
        audit: &AuditEvent,
    ) -> Result<()> {
        let mut tx = self.begin().await?;
        insert(&mut tx, user).await?;
        if let Some(p) = patient {
            patients::insert(&mut tx, p).await?;
        }
        audit::append(&mut tx, audit).await?;
        tx.commit().await.db("create the user")
    }

    async fn user(&self, id: UserId) -> Result<Option<User>> {
        let row: Option<UserRow> =
            sqlx::query_as(&format!("SELECT {COLUMNS} FROM users WHERE id = $1"))
                .bind(id.0)
                .fetch_optional(&self.pool)
                .await
                .db("read a user")?;
        row.map(UserRow::into_user).transpose()
    }

    async fn user_by_email(&self, email: &str) -> Result<Option<User>> {
        let row: Option<UserRow> = sqlx::query_as(&format!(
            "SELECT {COLUMNS} FROM users WHERE lower(email) = lower($1)"
        ))
        .bind(email)
        .fetch_optional(&self.pool)
        .await
        .db("read a user")?;
        row.map(UserRow::into_user).transpose()
    }

    async fn update_user(
        &self,
        user: &User,
        expected_version: u64,
        audit: &AuditEvent,
    ) -> Result<()> {
        let expected = to_i64(expected_version, "version")?;
        let mut tx = self.begin().await?;
        let done = sqlx::query(
            "UPDATE users SET email = $2, name = $3, role = $4, status = $5, password_hash = $6, \
             patient_id = $7, specialization = $8, created_at = $9, updated_at = $10, \
             version = $11 + 1 \
             WHERE id = $1 AND version = $11",
        )
        .bind(user.id.0)
        .bind(&user.email)
        .bind(&user.name)
        .bind(wire(&user.role)?)
        .bind(wire(&user.status)?)
        .bind(&user.password_hash.0)
        .bind(user.patient_id.map(|p| p.0))
        .bind(&user.specialization)
        .bind(user.created_at)
        .bind(user.updated_at)
        .bind(expected)
        .execute(&mut *tx)
        .await
        .db("update the user")?;
        if done.rows_affected() == 0 {
            return Err(cas_miss(&mut tx, "users", "user", user.id.0, expected_version).await);
        }
        audit::append(&mut tx, audit).await?;
        tx.commit().await.db("update the user")
    }

    async fn set_password(
        &self,
        user_id: UserId,
        hash: &PasswordHash,
        audit: &AuditEvent,
    ) -> Result<()> {
        let mut tx = self.begin().await?;
        set_password_in(&mut tx, user_id, hash, audit.at).await?;
        tokens::revoke_user_in(&mut tx, user_id, audit.at).await?;
        audit::append(&mut tx, audit).await?;
        tx.commit().await.db("set the password")
    }

    async fn list_users(&self, filter: &UserFilter, page: Page) -> Result<Vec<User>> {
        let mut q = QueryBuilder::new(format!("SELECT {COLUMNS} FROM users WHERE TRUE"));
        if let Some(text) = &filter.query {
            let needle = text.to_lowercase();
            q.push(" AND (strpos(lower(name), ")
                .push_bind(needle.clone())
                .push(") > 0 OR strpos(lower(email), ")
                .push_bind(needle)
                .push(") > 0)");
        }
        if let Some(role) = filter.role {
            q.push(" AND role = ").push_bind(wire(&role)?);
        }
        if let Some(status) = filter.status {
            q.push(" AND status = ").push_bind(wire(&status)?);
        }
        let (limit, offset) = limit_offset(page);
        q.push(" ORDER BY created_at, id LIMIT ")
            .push_bind(limit)
            .push(" OFFSET ")
            .push_bind(offset);
        let rows: Vec<UserRow> = q
            .build_query_as()
            .fetch_all(&self.pool)
            .await
            .db("list users")?;
        users(rows)
    }
}
