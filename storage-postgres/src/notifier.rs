//! Real-time notifications across server processes with `LISTEN`/`NOTIFY`.
//!
//! [`PgNotifier::deliver`] publishes a stored notification on [`NOTIFY_CHANNEL`] as JSON; a
//! notification too large for a `NOTIFY` payload (8000 bytes) is published as `{"id": …}`
//! and subscribers load it from `notifications`. [`PgNotifier::subscribe`] listens on a
//! dedicated connection and yields every notification any process delivers.

use std::pin::Pin;
use std::task::{Context, Poll};

use async_trait::async_trait;
use medsync_core::ids::NotificationId;
use medsync_core::notify::{Notification, Notifier};
use medsync_core::{Error, Result};
use serde::{Deserialize, Serialize};
use sqlx::postgres::{PgListener, PgPool};
use tokio::sync::mpsc;

use crate::errors::DbResultExt;
use crate::notifications;

/// The channel notifications are published on.
pub const NOTIFY_CHANNEL: &str = "medsync_notifications";

/// PostgreSQL refuses `NOTIFY` payloads of 8000 bytes or more.
const MAX_PAYLOAD: usize = 7999;

/// How many received notifications a slow subscriber may have queued before the listener
/// waits for it.
const BUFFER: usize = 256;

/// What travels on the channel.
#[derive(Debug, Serialize, Deserialize)]
#[serde(untagged)]
enum Payload {
    /// The whole notification.
    Full(Notification),
    /// Just its id: the subscriber loads it.
    Id {
        /// The stored notification's id.
        id: NotificationId,
    },
}

/// The JSON payload for `n`: the notification itself, or its id when that would not fit.
fn payload(n: &Notification) -> Result<String> {
    let full = serde_json::to_string(&Payload::Full(n.clone()))
        .map_err(|e| Error::backend("could not serialise a notification", e))?;
    if full.len() <= MAX_PAYLOAD {
        return Ok(full);
    }
    serde_json::to_string(&Payload::Id { id: n.id })
        .map_err(|e| Error::backend("could not serialise a notification", e))
}

/// A [`Notifier`] that publishes through PostgreSQL, so every server process sharing the
/// database can push notifications to its own WebSocket clients. Cheap to clone.
#[derive(Clone)]
pub struct PgNotifier {
    pool: PgPool,
}

impl std::fmt::Debug for PgNotifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PgNotifier")
            .field("channel", &NOTIFY_CHANNEL)
            .finish_non_exhaustive()
    }
}

impl PgNotifier {
    /// A notifier publishing through `pool` (usually [`crate::PostgresStore::pool`]).
    pub fn new(pool: PgPool) -> Self {
        Self { pool }
    }

    /// Starts listening on a connection taken from the pool for the subscription's lifetime
    /// (size the pool accordingly). Once this returns, every notification
    /// delivered by any process (this one included) is yielded by the subscription, in
    /// delivery order. Dropping the subscription stops listening.
    ///
    /// Delivery is best effort, like `NOTIFY` itself: notifications published while the
    /// listening connection is being re-established are missed (they stay stored).
    pub async fn subscribe(&self) -> Result<Subscription> {
        let mut listener = PgListener::connect_with(&self.pool)
            .await
            .db("connect the notification listener")?;
        listener
            .listen(NOTIFY_CHANNEL)
            .await
            .db("listen for notifications")?;
        let (tx, rx) = mpsc::channel(BUFFER);
        tokio::spawn(forward(listener, tx));
        Ok(Subscription { rx })
    }
}

/// Forwards received notifications to the subscriber until it goes away.
async fn forward(mut listener: PgListener, tx: mpsc::Sender<Notification>) {
    loop {
        let received = tokio::select! {
            () = tx.closed() => return,
            r = listener.recv() => r,
        };
        let message = match received {
            Ok(m) => m,
            Err(e) => {
                // The listener reconnects on the next `recv`; don't spin on a dead server.
                tracing::warn!(error = %e, "notification listener failed; retrying");
                tokio::time::sleep(std::time::Duration::from_millis(500)).await;
                continue;
            }
        };
        let notification = match serde_json::from_str::<Payload>(message.payload()) {
            Ok(Payload::Full(n)) => Some(n),
            // Loaded over the listener's own connection: no second pool connection needed.
            Ok(Payload::Id { id }) => match notifications::by_id(&mut listener, id).await {
                Ok(n) => n,
                Err(e) => {
                    tracing::warn!(error = %e, "could not load a notified notification");
                    None
                }
            },
            Err(e) => {
                tracing::warn!(error = %e, "ignoring a malformed notification payload");
                None
            }
        };
        if let Some(n) = notification {
            if tx.send(n).await.is_err() {
                return;
            }
        }
    }
}

#[async_trait]
impl Notifier for PgNotifier {
    async fn deliver(&self, notification: &Notification) -> Result<()> {
        sqlx::query("SELECT pg_notify($1, $2)")
            .bind(NOTIFY_CHANNEL)
            .bind(payload(notification)?)
            .execute(&self.pool)
            .await
            .db("publish a notification")?;
        Ok(())
    }
}

/// The notifications delivered by any process, from [`PgNotifier::subscribe`]. Also a
/// [`futures::Stream`].
#[derive(Debug)]
pub struct Subscription {
    rx: mpsc::Receiver<Notification>,
}

impl Subscription {
    /// The next notification; `None` once the listener has stopped.
    pub async fn recv(&mut self) -> Option<Notification> {
        self.rx.recv().await
    }
}

impl futures::Stream for Subscription {
    type Item = Notification;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Notification>> {
        self.rx.poll_recv(cx)
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;
    use medsync_core::ids::UserId;
    use medsync_core::notify::NotificationKind;
    use uuid::Uuid;

    use super::*;

    fn notification(message: String) -> Notification {
        Notification {
            id: NotificationId(Uuid::from_u128(1)),
            user_id: UserId(Uuid::from_u128(2)),
            kind: NotificationKind::AppointmentBooked,
            message,
            data: serde_json::json!({"appointment_id": "x"}),
            created_at: chrono::Utc.with_ymd_and_hms(2026, 3, 2, 8, 0, 0).unwrap(),
            read_at: None,
        }
    }

    #[test]
    fn small_notifications_travel_whole_and_large_ones_by_id() {
        let small = notification("hello".into());
        match serde_json::from_str::<Payload>(&payload(&small).unwrap()).unwrap() {
            Payload::Full(n) => assert_eq!(n, small),
            other => panic!("{other:?}"),
        }
        let large = notification("x".repeat(10_000));
        let p = payload(&large).unwrap();
        assert!(p.len() < 100, "{p}");
        match serde_json::from_str::<Payload>(&p).unwrap() {
            Payload::Id { id } => assert_eq!(id, large.id),
            other => panic!("{other:?}"),
        }
    }
}
