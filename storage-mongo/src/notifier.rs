//! [`MongoNotifier`]: real-time delivery across server processes through a change stream.

use std::pin::Pin;

use async_trait::async_trait;
use bson::doc;
use futures::{Stream, StreamExt};
use medsync_core::ids::UserId;
use medsync_core::notify::{Notification, Notifier};
use medsync_core::Result;
use mongodb::change_stream::event::ChangeStreamEvent;
use mongodb::Collection;

use crate::convert::bid;
use crate::error;
use crate::model::notify::NotificationDoc;
use crate::schema::NOTIFICATIONS;
use crate::store::MongoStore;

/// A stream of notifications as they are stored, in commit order. Ends only when the
/// change stream fails beyond the driver's automatic resume (an `Err` item, then `None`).
pub type NotificationStream = Pin<Box<dyn Stream<Item = Result<Notification>> + Send>>;

/// Delivers notifications to every process watching the database.
///
/// MedSync stores each notification ([`medsync_core::store::NotificationStore`]) before it
/// calls [`Notifier::deliver`]; the insert itself is the message. So `deliver` does nothing,
/// and [`MongoNotifier::subscribe`] opens a change stream of inserts into the notifications
/// collection: every process (e.g. each server's WebSocket hub) that subscribes sees every
/// notification stored by any process, exactly once per subscription while it is open.
#[derive(Clone, Debug)]
pub struct MongoNotifier {
    notifications: Collection<NotificationDoc>,
}

impl MongoNotifier {
    /// A notifier over the store's database.
    pub fn new(store: &MongoStore) -> Self {
        Self {
            notifications: store.coll(NOTIFICATIONS),
        }
    }

    /// Every notification stored from now on (the stream is open when this returns, so
    /// nothing inserted afterwards is missed).
    pub async fn subscribe(&self) -> Result<NotificationStream> {
        self.watch(None).await
    }

    /// The notifications of one user stored from now on (filtered by the server).
    pub async fn subscribe_user(&self, user_id: UserId) -> Result<NotificationStream> {
        self.watch(Some(user_id)).await
    }

    async fn watch(&self, user: Option<UserId>) -> Result<NotificationStream> {
        let mut matching = doc! {"operationType": "insert"};
        if let Some(u) = user {
            matching.insert("fullDocument.user_id", bid(u.0));
        }
        let stream = self
            .notifications
            .watch()
            .pipeline([doc! {"$match": matching}])
            .await
            .map_err(|e| error::backend(&e, "opening a change stream"))?;
        let notifications = stream.filter_map(|event| async move {
            match event {
                Ok(ChangeStreamEvent {
                    full_document: Some(doc),
                    ..
                }) => Some(doc.into_domain()),
                Ok(_) => None,
                Err(e) => Some(Err(error::backend(&e, "reading a change stream"))),
            }
        });
        Ok(Box::pin(notifications))
    }
}

#[async_trait]
impl Notifier for MongoNotifier {
    /// Does nothing: the stored notification is already on every subscriber's change stream.
    async fn deliver(&self, _: &Notification) -> Result<()> {
        Ok(())
    }
}
