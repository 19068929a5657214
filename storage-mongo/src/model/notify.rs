//! Stored notifications.

use medsync_core::ids::{NotificationId, UserId};
use medsync_core::notify::{Notification, NotificationKind};
use medsync_core::{Error, Result};
use serde::{Deserialize, Serialize};

use crate::convert::{bdate, bdate_opt, bid, cdate, cdate_opt, corrupt, uid};

/// A notification in `notifications`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct NotificationDoc {
    #[serde(rename = "_id")]
    pub(crate) id: bson::Uuid,
    pub(crate) user_id: bson::Uuid,
    pub(crate) kind: NotificationKind,
    pub(crate) message: String,
    /// The structured data as JSON text.
    pub(crate) data: String,
    pub(crate) created_at: bson::DateTime,
    pub(crate) read_at: Option<bson::DateTime>,
}

impl NotificationDoc {
    /// The document of `n`.
    pub(crate) fn of(n: &Notification) -> Result<Self> {
        let data = serde_json::to_string(&n.data)
            .map_err(|e| Error::backend("notification data could not be encoded", e))?;
        Ok(Self {
            id: bid(n.id.0),
            user_id: bid(n.user_id.0),
            kind: n.kind,
            message: n.message.clone(),
            data,
            created_at: bdate(n.created_at),
            read_at: bdate_opt(n.read_at),
        })
    }

    /// The notification stored in this document.
    pub(crate) fn into_domain(self) -> Result<Notification> {
        let data = serde_json::from_str(&self.data).map_err(|e| corrupt("notification", e))?;
        Ok(Notification {
            id: NotificationId(uid(self.id)),
            user_id: UserId(uid(self.user_id)),
            kind: self.kind,
            message: self.message,
            data,
            created_at: cdate(self.created_at),
            read_at: cdate_opt(self.read_at),
        })
    }
}
