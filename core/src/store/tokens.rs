use async_trait::async_trait;
use chrono::{DateTime, Utc};

use crate::audit::AuditEvent;
use crate::auth::{RefreshToken, ResetToken, RotateOutcome};
use crate::error::Result;
use crate::identity::PasswordHash;
use crate::ids::{RefreshTokenId, UserId};

/// Refresh and password-reset tokens (stored as hashes only).
#[async_trait]
pub trait TokenStore: Send + Sync {
    /// Stores a new refresh token (a login starts a family). `Conflict` on a duplicate hash.
    async fn insert_refresh_token(&self, token: &RefreshToken) -> Result<()>;

    /// Atomically exchanges the token whose hash is `presented_hash`:
    /// - live (not rotated, not revoked, `expires_at > now`): marks it rotated at `now`, stores
    ///   the successor (`next_id`, `next_hash`, same family and user, `next_expires_at`) and
    ///   returns `Rotated`;
    /// - already rotated: revokes every token of its family and returns `Reused`;
    /// - revoked or expired: `Dead`; unknown hash: `Unknown`.
    ///
    /// Of two concurrent calls with the same hash, at most one returns `Rotated`.
    async fn rotate_refresh_token(
        &self,
        presented_hash: &str,
        next_id: RefreshTokenId,
        next_hash: &str,
        next_expires_at: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> Result<RotateOutcome>;

    /// Revokes the family of the token with this hash (logout). Returns the owner, or `None`
    /// for an unknown hash. Idempotent.
    async fn revoke_refresh_family(
        &self,
        token_hash: &str,
        now: DateTime<Utc>,
    ) -> Result<Option<UserId>>;

    /// Revokes every refresh token of the user; returns how many were live.
    async fn revoke_user_tokens(&self, user_id: UserId, now: DateTime<Utc>) -> Result<u64>;

    /// Stores a password-reset token. `Conflict` on a duplicate hash.
    async fn insert_reset_token(&self, token: &ResetToken) -> Result<()>;

    /// Atomically consumes a reset token and applies the new password: if the token with this
    /// hash exists, is unused and `expires_at > now`, marks it used, sets the user's password
    /// hash, revokes all the user's refresh tokens, appends `audit`, and returns the user.
    /// Otherwise changes nothing and returns `None`. Of two concurrent calls at most one
    /// returns `Some`.
    async fn consume_reset_token(
        &self,
        token_hash: &str,
        new_hash: &PasswordHash,
        now: DateTime<Utc>,
        audit: &AuditEvent,
    ) -> Result<Option<UserId>>;
}
