//! Stored notifications, per user, kept in `(created_at, id)` order.

use std::collections::{HashMap, HashSet};

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use medsync_core::ids::{NotificationId, UserId};
use medsync_core::notify::Notification;
use medsync_core::store::{NotificationStore, Page};
use medsync_core::{Error, Result};

use crate::page::paginate;
use crate::MemoryStore;

/// Each user's notifications, oldest first, and every stored id.
#[derive(Debug, Default)]
pub(crate) struct Notifications {
    by_user: HashMap<UserId, Vec<Notification>>,
    ids: HashSet<NotificationId>,
}

impl Notifications {
    fn insert(&mut self, n: &Notification) -> Result<()> {
        if !self.ids.insert(n.id) {
            return Err(Error::conflict(
                "notification id already exists",
                Some(n.id.to_string()),
            ));
        }
        let list = self.by_user.entry(n.user_id).or_default();
        let key = (n.created_at, n.id);
        let at = list.partition_point(|m| (m.created_at, m.id) <= key);
        list.insert(at, n.clone());
        Ok(())
    }

    fn of(&self, user: UserId) -> &[Notification] {
        self.by_user.get(&user).map_or(&[], Vec::as_slice)
    }

    fn mark_read(
        &mut self,
        user: UserId,
        ids: Option<&[NotificationId]>,
        now: DateTime<Utc>,
    ) -> u64 {
        let wanted: Option<HashSet<NotificationId>> = ids.map(|v| v.iter().copied().collect());
        let mut changed = 0;
        for n in self.by_user.get_mut(&user).into_iter().flatten() {
            if n.read_at.is_none() && wanted.as_ref().is_none_or(|w| w.contains(&n.id)) {
                n.read_at = Some(now);
                changed += 1;
            }
        }
        changed
    }
}

#[async_trait]
impl NotificationStore for MemoryStore {
    async fn insert_notification(&self, notification: &Notification) -> Result<()> {
        self.lock().notifications.insert(notification)
    }

    async fn notifications(
        &self,
        user_id: UserId,
        unread_only: bool,
        page: Page,
    ) -> Result<Vec<Notification>> {
        let st = self.lock();
        let rows = st
            .notifications
            .of(user_id)
            .iter()
            .rev()
            .filter(|n| !unread_only || n.read_at.is_none())
            .cloned();
        Ok(paginate(rows, page))
    }

    async fn unread_count(&self, user_id: UserId) -> Result<u64> {
        let st = self.lock();
        let n = st
            .notifications
            .of(user_id)
            .iter()
            .filter(|n| n.read_at.is_none())
            .count();
        Ok(u64::try_from(n).unwrap_or(u64::MAX))
    }

    async fn mark_read(
        &self,
        user_id: UserId,
        ids: Option<&[NotificationId]>,
        now: DateTime<Utc>,
    ) -> Result<u64> {
        Ok(self.lock().notifications.mark_read(user_id, ids, now))
    }
}

#[cfg(test)]
mod tests {
    use medsync_core::store::{NotificationStore, Page};

    use crate::fixtures::{at, notification, uid};
    use crate::MemoryStore;

    #[tokio::test]
    async fn newest_first_and_mark_read() {
        let s = MemoryStore::new();
        let (u, other) = (uid(1), uid(2));
        // Inserted out of order; listed by creation time, newest first.
        for (n, h) in [(1, 9), (2, 11), (3, 10)] {
            s.insert_notification(&notification(n, u, at(h, 0)))
                .await
                .unwrap();
        }
        s.insert_notification(&notification(4, other, at(12, 0)))
            .await
            .unwrap();
        assert!(s
            .insert_notification(&notification(4, other, at(12, 0)))
            .await
            .is_err());
        let list = s.notifications(u, false, Page::default()).await.unwrap();
        assert_eq!(
            list.iter().map(|n| n.created_at).collect::<Vec<_>>(),
            vec![at(11, 0), at(10, 0), at(9, 0)]
        );
        let first = list[0].id;
        let foreign = notification(4, other, at(12, 0)).id;
        // Other users' ids are ignored; already-read ones are not counted twice.
        assert_eq!(
            s.mark_read(u, Some(&[first, foreign]), at(13, 0))
                .await
                .unwrap(),
            1
        );
        assert_eq!(s.mark_read(u, Some(&[first]), at(13, 0)).await.unwrap(), 0);
        assert_eq!(s.unread_count(u).await.unwrap(), 2);
        assert_eq!(s.unread_count(other).await.unwrap(), 1);
        let unread = s
            .notifications(
                u,
                true,
                Page {
                    offset: 1,
                    limit: 10,
                },
            )
            .await
            .unwrap();
        assert_eq!(unread.len(), 1);
        assert_eq!(unread[0].created_at, at(9, 0));
        assert_eq!(s.mark_read(u, None, at(14, 0)).await.unwrap(), 2);
        assert_eq!(s.unread_count(u).await.unwrap(), 0);
    }
}
