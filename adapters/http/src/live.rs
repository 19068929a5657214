//! Sources of live notifications for the WebSocket endpoint.

use std::sync::Arc;

use futures::stream::{self, BoxStream, StreamExt as _};
use medsync_core::notify::Notification;
use tokio::sync::broadcast;

/// A source of notifications as they are delivered, for every user (the WebSocket endpoint
/// keeps the caller's own).
///
/// Contract: the subscription is live when `subscribe` returns — every notification
/// delivered after the call is yielded (unless the subscriber lags far behind).
pub trait LiveNotifications: Send + Sync + 'static {
    /// Subscribes to every notification delivered from now on.
    fn subscribe(&self) -> BoxStream<'static, Notification>;
}

impl<F> LiveNotifications for F
where
    F: Fn() -> BoxStream<'static, Notification> + Send + Sync + 'static,
{
    fn subscribe(&self) -> BoxStream<'static, Notification> {
        self()
    }
}

/// Live notifications from a Tokio broadcast channel, e.g. the memory backend's
/// `BroadcastNotifier`: `from_broadcast(move || notifier.subscribe())`.
///
/// A subscriber that lags behind the channel's capacity skips ahead (with a warning).
pub fn from_broadcast<F>(subscribe: F) -> Arc<dyn LiveNotifications>
where
    F: Fn() -> broadcast::Receiver<Notification> + Send + Sync + 'static,
{
    Arc::new(move || receiver_stream(subscribe()))
}

/// No live source: WebSockets stay open but receive nothing.
pub fn none() -> Arc<dyn LiveNotifications> {
    Arc::new(|| stream::pending().boxed())
}

fn receiver_stream(rx: broadcast::Receiver<Notification>) -> BoxStream<'static, Notification> {
    stream::unfold(rx, |mut rx| async move {
        loop {
            match rx.recv().await {
                Ok(n) => return Some((n, rx)),
                Err(broadcast::error::RecvError::Lagged(skipped)) => {
                    tracing::warn!(
                        skipped,
                        "live notification subscriber lagged; skipping ahead"
                    );
                }
                Err(broadcast::error::RecvError::Closed) => return None,
            }
        }
    })
    .boxed()
}
