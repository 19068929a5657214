//! Notifications.

use chrono::{DateTime, Utc};
use medsync_core::notify::Notification;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

/// A message for the caller; also what the WebSocket pushes.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct NotificationDto {
    /// Id.
    pub id: Uuid,
    /// Recipient.
    pub user_id: Uuid,
    /// Kind, e.g. `appointment_booked`, `appointment_confirmed`, `account_changed`.
    pub kind: String,
    /// Human-readable message.
    pub message: String,
    /// Structured data, e.g. `{"appointment_id": "…"}`.
    #[schema(value_type = Object)]
    pub data: serde_json::Value,
    /// When raised.
    pub created_at: DateTime<Utc>,
    /// When marked read.
    pub read_at: Option<DateTime<Utc>>,
}

impl From<Notification> for NotificationDto {
    fn from(n: Notification) -> Self {
        let kind = serde_json::to_value(n.kind)
            .ok()
            .and_then(|v| v.as_str().map(str::to_owned))
            .unwrap_or_else(|| "unknown".to_owned());
        Self {
            id: n.id.0,
            user_id: n.user_id.0,
            kind,
            message: n.message,
            data: n.data,
            created_at: n.created_at,
            read_at: n.read_at,
        }
    }
}

/// Filters of the notification list.
#[derive(Debug, Clone, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct NotificationQuery {
    /// Only unread ones.
    pub unread: Option<bool>,
    /// Rows to skip (default 0).
    pub offset: Option<u64>,
    /// Page size (default 50); larger values are treated as 500, and 0 as 1.
    pub limit: Option<u32>,
}

/// Which notifications to mark read.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MarkReadBody {
    /// These ids; absent = all of the caller's. Other users' ids are ignored.
    pub ids: Option<Vec<Uuid>>,
}

/// How many notifications were marked read.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, ToSchema)]
pub struct MarkedRead {
    /// How many changed.
    pub marked: u64,
}
