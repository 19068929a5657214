//! One notification WebSocket: forwards the caller's live notifications until the client
//! leaves, the feed ends, or the access token stops being valid.

use axum::extract::ws::{CloseFrame, Message, WebSocket};
use futures::stream::BoxStream;
use futures::StreamExt as _;
use medsync_core::notify::Notification;
use medsync_core::policy::Actor;

use crate::dto::notifications::NotificationDto;
use crate::state::AppState;

/// Close code for "policy violation" (the token expired or the account was switched off).
const POLICY_VIOLATION: u16 = 1008;

/// Runs one session. `feed` was subscribed before the upgrade was answered.
pub(crate) async fn session(
    mut socket: WebSocket,
    state: AppState,
    token: String,
    actor: Actor,
    mut feed: BoxStream<'static, Notification>,
) {
    let user = actor.user_id;
    let every = state
        .config
        .ws_reauth_interval
        .max(std::time::Duration::from_secs(1));
    let mut reauth = tokio::time::interval(every);
    reauth.tick().await;
    tracing::debug!(%user, "notification socket opened");
    loop {
        tokio::select! {
            next = feed.next() => {
                let Some(n) = next else { break };
                if n.user_id != user {
                    continue;
                }
                let Ok(text) = serde_json::to_string(&NotificationDto::from(n)) else {
                    continue;
                };
                if socket.send(Message::Text(text.into())).await.is_err() {
                    break;
                }
            }
            incoming = socket.recv() => match incoming {
                None | Some(Err(_)) | Some(Ok(Message::Close(_))) => break,
                // Pings are answered by the protocol layer; anything else is ignored.
                Some(Ok(_)) => {}
            },
            _ = reauth.tick() => {
                if state.svc.authenticate(&token).await.is_err() {
                    let frame = CloseFrame {
                        code: POLICY_VIOLATION,
                        reason: "access token no longer valid".into(),
                    };
                    let _ = socket.send(Message::Close(Some(frame))).await;
                    break;
                }
            }
        }
    }
    tracing::debug!(%user, "notification socket closed");
}
