//! Refresh tokens (`refresh_tokens`) and password-reset tokens (`password_reset_tokens`),
//! stored as hashes only. Rotation and reset are single conditional `UPDATE`s, so of two
//! concurrent presentations of one token at most one wins.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use medsync_core::audit::AuditEvent;
use medsync_core::auth::{RefreshToken, ResetToken, RotateOutcome};
use medsync_core::identity::PasswordHash;
use medsync_core::ids::{RefreshTokenId, TokenFamilyId, UserId};
use medsync_core::store::TokenStore;
use medsync_core::Result;
use sqlx::PgConnection;
use uuid::Uuid;

use crate::convert::to_u64;
use crate::errors::DbResultExt;
use crate::{audit, users, PostgresStore};

/// Inserts a refresh token inside the caller's transaction.
async fn insert_refresh(conn: &mut PgConnection, t: &RefreshToken) -> Result<()> {
    sqlx::query(
        "INSERT INTO refresh_tokens \
         (id, family_id, user_id, token_hash, issued_at, expires_at, rotated_at, revoked_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(t.id.0)
    .bind(t.family_id.0)
    .bind(t.user_id.0)
    .bind(&t.token_hash)
    .bind(t.issued_at)
    .bind(t.expires_at)
    .bind(t.rotated_at)
    .bind(t.revoked_at)
    .execute(conn)
    .await
    .db("store a refresh token")?;
    Ok(())
}

/// Revokes every refresh token of the user inside the caller's transaction; returns how many
/// were live.
pub(crate) async fn revoke_user_in(
    conn: &mut PgConnection,
    user_id: UserId,
    now: DateTime<Utc>,
) -> Result<u64> {
    let live: i64 = sqlx::query_scalar(
        "WITH revoked AS ( \
             UPDATE refresh_tokens SET revoked_at = $2 \
             WHERE user_id = $1 AND revoked_at IS NULL \
             RETURNING rotated_at, expires_at) \
         SELECT count(*) FROM revoked WHERE rotated_at IS NULL AND expires_at > $2",
    )
    .bind(user_id.0)
    .bind(now)
    .fetch_one(conn)
    .await
    .db("revoke the user's sessions")?;
    to_u64(live, "revoked count")
}

/// Revokes every not-yet-revoked token of the family.
async fn revoke_family_in(conn: &mut PgConnection, family: Uuid, now: DateTime<Utc>) -> Result<()> {
    sqlx::query(
        "UPDATE refresh_tokens SET revoked_at = $2 WHERE family_id = $1 AND revoked_at IS NULL",
    )
    .bind(family)
    .bind(now)
    .execute(conn)
    .await
    .db("revoke a session family")?;
    Ok(())
}

#[async_trait]
impl TokenStore for PostgresStore {
    async fn insert_refresh_token(&self, token: &RefreshToken) -> Result<()> {
        let mut conn = self.pool.acquire().await.db("store a refresh token")?;
        insert_refresh(&mut conn, token).await
    }

    async fn rotate_refresh_token(
        &self,
        presented_hash: &str,
        next_id: RefreshTokenId,
        next_hash: &str,
        next_expires_at: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> Result<RotateOutcome> {
        const WHAT: &str = "rotate a refresh token";
        let mut tx = self.begin().await?;
        // The exchange itself: only a live token matches, and the row lock makes a concurrent
        // exchange of the same token wait, then see it rotated.
        let rotated: Option<(Uuid, Uuid)> = sqlx::query_as(
            "UPDATE refresh_tokens SET rotated_at = $2 \
             WHERE token_hash = $1 AND rotated_at IS NULL AND revoked_at IS NULL \
               AND expires_at > $2 \
             RETURNING user_id, family_id",
        )
        .bind(presented_hash)
        .bind(now)
        .fetch_optional(&mut *tx)
        .await
        .db(WHAT)?;
        if let Some((user, family)) = rotated {
            let successor = RefreshToken {
                id: next_id,
                family_id: TokenFamilyId(family),
                user_id: UserId(user),
                token_hash: next_hash.to_owned(),
                issued_at: now,
                expires_at: next_expires_at,
                rotated_at: None,
                revoked_at: None,
            };
            insert_refresh(&mut tx, &successor).await?;
            tx.commit().await.db(WHAT)?;
            return Ok(RotateOutcome::Rotated {
                user_id: UserId(user),
                family_id: TokenFamilyId(family),
            });
        }
        // Not live: classify, locking the row so a concurrent rotation has settled.
        let stored: Option<(Uuid, Uuid, Option<DateTime<Utc>>)> = sqlx::query_as(
            "SELECT user_id, family_id, rotated_at FROM refresh_tokens \
             WHERE token_hash = $1 FOR UPDATE",
        )
        .bind(presented_hash)
        .fetch_optional(&mut *tx)
        .await
        .db(WHAT)?;
        let outcome = match stored {
            None => RotateOutcome::Unknown,
            Some((user, family, Some(_rotated))) => {
                // A replay of an already exchanged token: the whole session is compromised.
                revoke_family_in(&mut tx, family, now).await?;
                RotateOutcome::Reused {
                    user_id: UserId(user),
                    family_id: TokenFamilyId(family),
                }
            }
            Some((_, _, None)) => RotateOutcome::Dead,
        };
        tx.commit().await.db(WHAT)?;
        Ok(outcome)
    }

    async fn revoke_refresh_family(
        &self,
        token_hash: &str,
        now: DateTime<Utc>,
    ) -> Result<Option<UserId>> {
        let owner: Option<Uuid> = sqlx::query_scalar(
            "WITH token AS ( \
                 SELECT user_id, family_id FROM refresh_tokens WHERE token_hash = $1), \
             revoked AS ( \
                 UPDATE refresh_tokens r SET revoked_at = $2 FROM token t \
                 WHERE r.family_id = t.family_id AND r.revoked_at IS NULL) \
             SELECT user_id FROM token",
        )
        .bind(token_hash)
        .bind(now)
        .fetch_optional(&self.pool)
        .await
        .db("revoke a session family")?;
        Ok(owner.map(UserId))
    }

    async fn revoke_user_tokens(&self, user_id: UserId, now: DateTime<Utc>) -> Result<u64> {
        let mut conn = self.pool.acquire().await.db("revoke the user's sessions")?;
        revoke_user_in(&mut conn, user_id, now).await
    }

    async fn insert_reset_token(&self, token: &ResetToken) -> Result<()> {
        sqlx::query(
            "INSERT INTO password_reset_tokens (token_hash, user_id, issued_at, expires_at, used_at) \
             VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(&token.token_hash)
        .bind(token.user_id.0)
        .bind(token.issued_at)
        .bind(token.expires_at)
        .bind(token.used_at)
        .execute(&self.pool)
        .await
        .db("store a reset token")?;
        Ok(())
    }

    async fn consume_reset_token(
        &self,
        token_hash: &str,
        new_hash: &PasswordHash,
        now: DateTime<Utc>,
        audit: &AuditEvent,
    ) -> Result<Option<UserId>> {
        const WHAT: &str = "reset the password";
        let mut tx = self.begin().await?;
        let user: Option<Uuid> = sqlx::query_scalar(
            "UPDATE password_reset_tokens SET used_at = $2 \
             WHERE token_hash = $1 AND used_at IS NULL AND expires_at > $2 \
             RETURNING user_id",
        )
        .bind(token_hash)
        .bind(now)
        .fetch_optional(&mut *tx)
        .await
        .db(WHAT)?;
        let Some(user) = user.map(UserId) else {
            return Ok(None);
        };
        users::set_password_in(&mut tx, user, new_hash, now).await?;
        revoke_user_in(&mut tx, user, now).await?;
        audit::append(&mut tx, audit).await?;
        tx.commit().await.db(WHAT)?;
        Ok(Some(user))
    }
}
