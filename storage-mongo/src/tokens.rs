//! [`TokenStore`]: refresh-token rotation with reuse detection, and single-use reset tokens.

use async_trait::async_trait;
use bson::doc;
use chrono::{DateTime, Utc};
use futures::FutureExt;
use medsync_core::audit::AuditEvent;
use medsync_core::auth::{RefreshToken, ResetToken, RotateOutcome};
use medsync_core::identity::PasswordHash;
use medsync_core::ids::{RefreshTokenId, TokenFamilyId, UserId};
use medsync_core::store::TokenStore;
use medsync_core::Result;
use mongodb::options::ReturnDocument;
use mongodb::ClientSession;

use crate::convert::{bdate, bid, uid};
use crate::error;
use crate::model::tokens::{RefreshTokenDoc, ResetTokenDoc};
use crate::schema::{REFRESH_TOKENS, RESET_TOKENS};
use crate::store::MongoStore;
use crate::txn::Attempt;

/// What [`TokenStore::rotate_refresh_token`] needs to store the successor.
struct Successor<'a> {
    id: RefreshTokenId,
    hash: &'a str,
    expires_at: DateTime<Utc>,
}

impl MongoStore {
    /// One attempt of the rotation state machine: the live filter claims the token with one
    /// conditional write; otherwise the token is classified (reuse revokes the family).
    async fn rotate_in(
        &self,
        s: &mut ClientSession,
        presented: &str,
        next: &Successor<'_>,
        now: DateTime<Utc>,
    ) -> Attempt<RotateOutcome> {
        let tokens = self.coll::<RefreshTokenDoc>(REFRESH_TOKENS);
        let live = doc! {
            "token_hash": presented,
            "rotated_at": null,
            "revoked_at": null,
            "expires_at": {"$gt": bdate(now)},
        };
        let claimed = tokens
            .find_one_and_update(live, doc! {"$set": {"rotated_at": bdate(now)}})
            .return_document(ReturnDocument::Before)
            .session(&mut *s)
            .await?;
        if let Some(current) = claimed {
            let successor = RefreshTokenDoc {
                id: bid(next.id.0),
                family_id: current.family_id,
                user_id: current.user_id,
                token_hash: next.hash.to_owned(),
                issued_at: bdate(now),
                expires_at: bdate(next.expires_at),
                rotated_at: None,
                revoked_at: None,
            };
            tokens.insert_one(successor).session(&mut *s).await?;
            return Ok(RotateOutcome::Rotated {
                user_id: UserId(uid(current.user_id)),
                family_id: TokenFamilyId(uid(current.family_id)),
            });
        }
        let found = tokens
            .find_one(doc! {"token_hash": presented})
            .session(&mut *s)
            .await?;
        let Some(current) = found else {
            return Ok(RotateOutcome::Unknown);
        };
        let (user_id, family_id) = (
            UserId(uid(current.user_id)),
            TokenFamilyId(uid(current.family_id)),
        );
        if current.rotated_at.is_some() {
            tokens
                .update_many(
                    doc! {"family_id": current.family_id, "revoked_at": null},
                    doc! {"$set": {"revoked_at": bdate(now)}},
                )
                .session(s)
                .await?;
            return Ok(RotateOutcome::Reused { user_id, family_id });
        }
        Ok(RotateOutcome::Dead)
    }

    /// Revokes the user's refresh tokens, counting the live ones first.
    async fn revoke_user_in(
        &self,
        s: &mut ClientSession,
        user_id: UserId,
        now: DateTime<Utc>,
    ) -> Attempt<u64> {
        let live = self
            .raw(REFRESH_TOKENS)
            .update_many(
                doc! {
                    "user_id": bid(user_id.0),
                    "rotated_at": null,
                    "revoked_at": null,
                    "expires_at": {"$gt": bdate(now)},
                },
                doc! {"$set": {"revoked_at": bdate(now)}},
            )
            .session(&mut *s)
            .await?
            .modified_count;
        self.revoke_all_refresh(s, user_id, now).await?;
        Ok(live)
    }

    /// One attempt of consuming a reset token: claim it with one conditional write, then set
    /// the password, revoke the sessions and audit.
    async fn consume_reset_in(
        &self,
        s: &mut ClientSession,
        chain: u32,
        token_hash: &str,
        new_hash: &PasswordHash,
        now: DateTime<Utc>,
        audit: &AuditEvent,
    ) -> Attempt<Option<UserId>> {
        let claimed = self
            .coll::<ResetTokenDoc>(RESET_TOKENS)
            .find_one_and_update(
                doc! {"token_hash": token_hash, "used_at": null, "expires_at": {"$gt": bdate(now)}},
                doc! {"$set": {"used_at": bdate(now)}},
            )
            .session(&mut *s)
            .await?;
        let Some(token) = claimed else {
            return Ok(None);
        };
        let user_id = UserId(uid(token.user_id));
        self.set_password_hash(s, user_id, new_hash, now).await?;
        self.revoke_all_refresh(s, user_id, now).await?;
        self.append_in(s, chain, audit).await?;
        Ok(Some(user_id))
    }
}

#[async_trait]
impl TokenStore for MongoStore {
    async fn insert_refresh_token(&self, token: &RefreshToken) -> Result<()> {
        self.coll::<RefreshTokenDoc>(REFRESH_TOKENS)
            .insert_one(RefreshTokenDoc::from(token))
            .await
            .map_err(|e| error::map(e, "storing a refresh token"))?;
        Ok(())
    }

    async fn rotate_refresh_token(
        &self,
        presented_hash: &str,
        next_id: RefreshTokenId,
        next_hash: &str,
        next_expires_at: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> Result<RotateOutcome> {
        let next = Successor {
            id: next_id,
            hash: next_hash,
            expires_at: next_expires_at,
        };
        let ctx = (self, presented_hash, &next, now);
        self.unaudited_transaction("refresh rotation", &ctx, |s, _, &(st, hash, next, now)| {
            st.rotate_in(s, hash, next, now).boxed()
        })
        .await
    }

    async fn revoke_refresh_family(
        &self,
        token_hash: &str,
        now: DateTime<Utc>,
    ) -> Result<Option<UserId>> {
        let tokens = self.coll::<RefreshTokenDoc>(REFRESH_TOKENS);
        let found = tokens
            .find_one(doc! {"token_hash": token_hash})
            .await
            .map_err(|e| error::map(e, "reading a refresh token"))?;
        let Some(token) = found else {
            return Ok(None);
        };
        // The family never changes, so revoking it needs no transaction: the write is
        // idempotent and covers every token of the family, whenever it was issued.
        tokens
            .update_many(
                doc! {"family_id": token.family_id, "revoked_at": null},
                doc! {"$set": {"revoked_at": bdate(now)}},
            )
            .await
            .map_err(|e| error::map(e, "revoking a token family"))?;
        Ok(Some(UserId(uid(token.user_id))))
    }

    async fn revoke_user_tokens(&self, user_id: UserId, now: DateTime<Utc>) -> Result<u64> {
        self.unaudited_transaction(
            "token revocation",
            &(self, user_id, now),
            |s, _, &(st, u, now)| st.revoke_user_in(s, u, now).boxed(),
        )
        .await
    }

    async fn insert_reset_token(&self, token: &ResetToken) -> Result<()> {
        self.coll::<ResetTokenDoc>(RESET_TOKENS)
            .insert_one(ResetTokenDoc::from(token))
            .await
            .map_err(|e| error::map(e, "storing a reset token"))?;
        Ok(())
    }

    async fn consume_reset_token(
        &self,
        token_hash: &str,
        new_hash: &PasswordHash,
        now: DateTime<Utc>,
        audit: &AuditEvent,
    ) -> Result<Option<UserId>> {
        let ctx = (self, token_hash, new_hash, now, audit);
        self.transaction("password reset", &ctx, |s, chain, &(st, t, h, now, a)| {
            st.consume_reset_in(s, chain, t, h, now, a).boxed()
        })
        .await
    }
}
