//! Stored credentials other than passwords: refresh tokens and password-reset tokens.
//! Only SHA-256 hashes of the opaque token strings are ever stored.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::ids::{RefreshTokenId, TokenFamilyId, UserId};

/// One refresh token of a rotation family.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RefreshToken {
    /// Id.
    pub id: RefreshTokenId,
    /// The family: every token rotated from one login shares it.
    pub family_id: TokenFamilyId,
    /// Owner.
    pub user_id: UserId,
    /// Lower-case hex SHA-256 of the opaque token; unique.
    pub token_hash: String,
    /// Issue time.
    pub issued_at: DateTime<Utc>,
    /// Expiry.
    pub expires_at: DateTime<Utc>,
    /// Set when this token was exchanged for its successor.
    pub rotated_at: Option<DateTime<Utc>>,
    /// Set when the token (or its family) was revoked.
    pub revoked_at: Option<DateTime<Utc>>,
}

/// What presenting a refresh token for rotation did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RotateOutcome {
    /// The token was live; it is now rotated and the successor stored.
    Rotated {
        /// Owner of the family.
        user_id: UserId,
        /// The family, unchanged.
        family_id: TokenFamilyId,
    },
    /// The token had already been rotated: a replay. The store has revoked the whole family.
    Reused {
        /// Owner of the family.
        user_id: UserId,
        /// The revoked family.
        family_id: TokenFamilyId,
    },
    /// The token is expired or revoked; nothing changed.
    Dead,
    /// No such token.
    Unknown,
}

/// A single-use password-reset token.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ResetToken {
    /// Lower-case hex SHA-256 of the opaque token; unique.
    pub token_hash: String,
    /// The user it resets.
    pub user_id: UserId,
    /// Issue time.
    pub issued_at: DateTime<Utc>,
    /// Expiry (30 minutes after issue by default).
    pub expires_at: DateTime<Utc>,
    /// Set when used.
    pub used_at: Option<DateTime<Utc>>,
}
