//! In-process real-time fan-out of notifications over a Tokio broadcast channel.

use async_trait::async_trait;
use medsync_core::notify::{Notification, Notifier};
use medsync_core::Result;
use tokio::sync::broadcast;

/// A [`Notifier`] that broadcasts every delivered notification to all current subscribers
/// (e.g. one per open WebSocket, each filtering on its user). Delivery never fails: with no
/// subscribers the notification is dropped (it is stored anyway), and a subscriber that falls
/// more than `capacity` notifications behind sees `RecvError::Lagged` and skips ahead.
#[derive(Debug, Clone)]
pub struct BroadcastNotifier {
    tx: broadcast::Sender<Notification>,
}

impl BroadcastNotifier {
    /// The buffer used by [`BroadcastNotifier::new`].
    pub const DEFAULT_CAPACITY: usize = 1024;

    /// A notifier buffering up to [`BroadcastNotifier::DEFAULT_CAPACITY`] notifications per
    /// lagging subscriber.
    pub fn new() -> Self {
        Self::with_capacity(Self::DEFAULT_CAPACITY)
    }

    /// The largest buffer [`BroadcastNotifier::with_capacity`] allocates.
    pub const MAX_CAPACITY: usize = 1 << 20;

    /// A notifier buffering up to `capacity` notifications per lagging subscriber, clamped to
    /// `1..=MAX_CAPACITY`.
    pub fn with_capacity(capacity: usize) -> Self {
        let (tx, _) = broadcast::channel(capacity.clamp(1, Self::MAX_CAPACITY));
        Self { tx }
    }

    /// A receiver of every notification delivered from now on.
    pub fn subscribe(&self) -> broadcast::Receiver<Notification> {
        self.tx.subscribe()
    }

    /// How many receivers are subscribed.
    pub fn subscriber_count(&self) -> usize {
        self.tx.receiver_count()
    }
}

impl Default for BroadcastNotifier {
    fn default() -> Self {
        Self::new()
    }
}

#[async_trait]
impl Notifier for BroadcastNotifier {
    async fn deliver(&self, notification: &Notification) -> Result<()> {
        // `send` only fails when nobody is subscribed, which is not an error here.
        let _ = self.tx.send(notification.clone());
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use medsync_core::notify::Notifier;

    use super::BroadcastNotifier;
    use crate::fixtures::{at, notification, uid};

    #[tokio::test]
    async fn delivers_to_every_subscriber_and_never_fails_without_one() {
        let n = BroadcastNotifier::with_capacity(0);
        n.deliver(&notification(1, uid(1), at(9, 0))).await.unwrap();
        let mut a = n.subscribe();
        let mut b = n.clone().subscribe();
        assert_eq!(n.subscriber_count(), 2);
        let sent = notification(2, uid(1), at(9, 1));
        n.deliver(&sent).await.unwrap();
        assert_eq!(a.recv().await.unwrap(), sent);
        assert_eq!(b.recv().await.unwrap(), sent);
        drop((a, b));
        n.deliver(&sent).await.unwrap();
        assert_eq!(BroadcastNotifier::default().subscriber_count(), 0);
    }
}
