//! Stored notifications: [`NotificationStore`] over `notifications`.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use medsync_core::ids::{NotificationId, UserId};
use medsync_core::notify::Notification;
use medsync_core::store::{NotificationStore, Page};
use medsync_core::Result;
use sqlx::PgExecutor;
use uuid::Uuid;

use crate::convert::{limit_offset, parse_wire, to_u64, wire};
use crate::errors::DbResultExt;
use crate::PostgresStore;

/// The columns of a [`NotificationRow`], in order.
const COLUMNS: &str = "id, user_id, kind, message, data, created_at, read_at";

/// A `notifications` row.
#[derive(sqlx::FromRow)]
struct NotificationRow {
    id: Uuid,
    user_id: Uuid,
    kind: String,
    message: String,
    data: serde_json::Value,
    created_at: DateTime<Utc>,
    read_at: Option<DateTime<Utc>>,
}

impl NotificationRow {
    fn into_notification(self) -> Result<Notification> {
        Ok(Notification {
            id: NotificationId(self.id),
            user_id: UserId(self.user_id),
            kind: parse_wire(&self.kind, "notification kind")?,
            message: self.message,
            data: self.data,
            created_at: self.created_at,
            read_at: self.read_at,
        })
    }
}

/// The stored notification with this id (for subscribers that received only its id).
pub(crate) async fn by_id<'c>(
    conn: impl PgExecutor<'c>,
    id: NotificationId,
) -> Result<Option<Notification>> {
    let row: Option<NotificationRow> = sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM notifications WHERE id = $1"
    ))
    .bind(id.0)
    .fetch_optional(conn)
    .await
    .db("read a notification")?;
    row.map(NotificationRow::into_notification).transpose()
}

#[async_trait]
impl NotificationStore for PostgresStore {
    async fn insert_notification(&self, n: &Notification) -> Result<()> {
        sqlx::query(&format!(
            "INSERT INTO notifications ({COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7)"
        ))
        .bind(n.id.0)
        .bind(n.user_id.0)
        .bind(wire(&n.kind)?)
        .bind(&n.message)
        .bind(&n.data)
        .bind(n.created_at)
        .bind(n.read_at)
        .execute(&self.pool)
        .await
        .db("store a notification")?;
        Ok(())
    }

    async fn notifications(
        &self,
        user_id: UserId,
        unread_only: bool,
        page: Page,
    ) -> Result<Vec<Notification>> {
        let (limit, offset) = limit_offset(page);
        let rows: Vec<NotificationRow> = sqlx::query_as(&format!(
            "SELECT {COLUMNS} FROM notifications \
             WHERE user_id = $1 AND (NOT $2 OR read_at IS NULL) \
             ORDER BY created_at DESC, id DESC LIMIT $3 OFFSET $4"
        ))
        .bind(user_id.0)
        .bind(unread_only)
        .bind(limit)
        .bind(offset)
        .fetch_all(&self.pool)
        .await
        .db("list notifications")?;
        rows.into_iter()
            .map(NotificationRow::into_notification)
            .collect()
    }

    async fn unread_count(&self, user_id: UserId) -> Result<u64> {
        let n: i64 = sqlx::query_scalar(
            "SELECT count(*) FROM notifications WHERE user_id = $1 AND read_at IS NULL",
        )
        .bind(user_id.0)
        .fetch_one(&self.pool)
        .await
        .db("count unread notifications")?;
        to_u64(n, "unread count")
    }

    async fn mark_read(
        &self,
        user_id: UserId,
        ids: Option<&[NotificationId]>,
        now: DateTime<Utc>,
    ) -> Result<u64> {
        let ids: Option<Vec<Uuid>> = ids.map(|v| v.iter().map(|i| i.0).collect());
        let done = sqlx::query(
            "UPDATE notifications SET read_at = $2 \
             WHERE user_id = $1 AND read_at IS NULL AND ($3::uuid[] IS NULL OR id = ANY($3))",
        )
        .bind(user_id.0)
        .bind(now)
        .bind(ids)
        .execute(&self.pool)
        .await
        .db("mark notifications read")?;
        Ok(done.rows_affected())
    }
}
