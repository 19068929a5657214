//! [`NotificationStore`]: stored notifications, per user.

use async_trait::async_trait;
use bson::doc;
use chrono::{DateTime, Utc};
use medsync_core::ids::{NotificationId, UserId};
use medsync_core::notify::Notification;
use medsync_core::store::{NotificationStore, Page};
use medsync_core::Result;

use crate::convert::{all, bdate, bid, bids, page_bounds};
use crate::error;
use crate::model::notify::NotificationDoc;
use crate::schema::NOTIFICATIONS;
use crate::store::MongoStore;

#[async_trait]
impl NotificationStore for MongoStore {
    async fn insert_notification(&self, notification: &Notification) -> Result<()> {
        self.coll::<NotificationDoc>(NOTIFICATIONS)
            .insert_one(NotificationDoc::of(notification)?)
            .await
            .map_err(|e| error::map(e, "storing a notification"))?;
        Ok(())
    }

    async fn notifications(
        &self,
        user_id: UserId,
        unread_only: bool,
        page: Page,
    ) -> Result<Vec<Notification>> {
        let mut filter = doc! {"user_id": bid(user_id.0)};
        if unread_only {
            filter.insert("read_at", bson::Bson::Null);
        }
        let (skip, limit) = page_bounds(page);
        let cursor = self
            .coll::<NotificationDoc>(NOTIFICATIONS)
            .find(filter)
            .sort(doc! {"created_at": -1, "_id": -1})
            .skip(skip)
            .limit(limit)
            .await
            .map_err(|e| error::map(e, "listing notifications"))?;
        all(cursor)
            .await?
            .into_iter()
            .map(NotificationDoc::into_domain)
            .collect()
    }

    async fn unread_count(&self, user_id: UserId) -> Result<u64> {
        self.raw(NOTIFICATIONS)
            .count_documents(doc! {"user_id": bid(user_id.0), "read_at": null})
            .await
            .map_err(|e| error::map(e, "counting notifications"))
    }

    async fn mark_read(
        &self,
        user_id: UserId,
        ids: Option<&[NotificationId]>,
        now: DateTime<Utc>,
    ) -> Result<u64> {
        let mut filter = doc! {"user_id": bid(user_id.0), "read_at": null};
        if let Some(ids) = ids {
            filter.insert("_id", doc! {"$in": bids(ids.iter().map(|n| n.0))});
        }
        let r = self
            .raw(NOTIFICATIONS)
            .update_many(filter, doc! {"$set": {"read_at": bdate(now)}})
            .await
            .map_err(|e| error::map(e, "marking notifications read"))?;
        Ok(r.modified_count)
    }
}
