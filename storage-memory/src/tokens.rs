//! Refresh tokens (by hash, by family, by user) and password-reset tokens (by hash).

use std::collections::HashMap;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use medsync_core::audit::AuditEvent;
use medsync_core::auth::{RefreshToken, ResetToken, RotateOutcome};
use medsync_core::identity::PasswordHash;
use medsync_core::ids::{RefreshTokenId, TokenFamilyId, UserId};
use medsync_core::store::TokenStore;
use medsync_core::{Error, Result};

use crate::MemoryStore;

/// Stored token hashes and the indexes revocation needs.
#[derive(Debug, Default)]
pub(crate) struct Tokens {
    refresh: HashMap<String, RefreshToken>,
    families: HashMap<TokenFamilyId, Vec<String>>,
    by_user: HashMap<UserId, Vec<String>>,
    reset: HashMap<String, ResetToken>,
}

/// Whether a refresh token may still be exchanged at `now`.
fn is_live(t: &RefreshToken, now: DateTime<Utc>) -> bool {
    t.rotated_at.is_none() && t.revoked_at.is_none() && t.expires_at > now
}

impl Tokens {
    /// Stores a refresh token. `Conflict` on a duplicate hash.
    fn insert_refresh(&mut self, token: &RefreshToken) -> Result<()> {
        if self.refresh.contains_key(&token.token_hash) {
            return Err(Error::conflict("refresh token already exists", None));
        }
        let hash = token.token_hash.clone();
        self.families
            .entry(token.family_id)
            .or_default()
            .push(hash.clone());
        self.by_user
            .entry(token.user_id)
            .or_default()
            .push(hash.clone());
        self.refresh.insert(hash, token.clone());
        Ok(())
    }

    /// Sets `revoked_at = now` on the tokens with these hashes that are not revoked yet;
    /// returns how many of them were live.
    fn revoke_hashes(
        refresh: &mut HashMap<String, RefreshToken>,
        hashes: &[String],
        now: DateTime<Utc>,
    ) -> u64 {
        let mut live = 0;
        for h in hashes {
            if let Some(t) = refresh.get_mut(h) {
                if is_live(t, now) {
                    live += 1;
                }
                if t.revoked_at.is_none() {
                    t.revoked_at = Some(now);
                }
            }
        }
        live
    }

    /// Revokes every token of the family.
    fn revoke_family(&mut self, family: TokenFamilyId, now: DateTime<Utc>) {
        if let Some(hashes) = self.families.get(&family) {
            Self::revoke_hashes(&mut self.refresh, hashes, now);
        }
    }

    /// Revokes every refresh token of the user; returns how many were live.
    pub(crate) fn revoke_user(&mut self, user: UserId, now: DateTime<Utc>) -> u64 {
        match self.by_user.get(&user) {
            Some(hashes) => Self::revoke_hashes(&mut self.refresh, hashes, now),
            None => 0,
        }
    }

    /// The rotation state machine of [`TokenStore::rotate_refresh_token`].
    fn rotate(
        &mut self,
        presented_hash: &str,
        next_id: RefreshTokenId,
        next_hash: &str,
        next_expires_at: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> Result<RotateOutcome> {
        let Some(current) = self.refresh.get(presented_hash) else {
            return Ok(RotateOutcome::Unknown);
        };
        let (user_id, family_id) = (current.user_id, current.family_id);
        if current.rotated_at.is_some() {
            self.revoke_family(family_id, now);
            return Ok(RotateOutcome::Reused { user_id, family_id });
        }
        if current.revoked_at.is_some() || current.expires_at <= now {
            return Ok(RotateOutcome::Dead);
        }
        let successor = RefreshToken {
            id: next_id,
            family_id,
            user_id,
            token_hash: next_hash.to_owned(),
            issued_at: now,
            expires_at: next_expires_at,
            rotated_at: None,
            revoked_at: None,
        };
        self.insert_refresh(&successor)?;
        if let Some(current) = self.refresh.get_mut(presented_hash) {
            current.rotated_at = Some(now);
        }
        Ok(RotateOutcome::Rotated { user_id, family_id })
    }

    /// Marks the reset token used if it is usable at `now`; returns its user.
    fn take_reset(&mut self, token_hash: &str, now: DateTime<Utc>) -> Option<UserId> {
        let t = self.reset.get_mut(token_hash)?;
        if t.used_at.is_some() || t.expires_at <= now {
            return None;
        }
        t.used_at = Some(now);
        Some(t.user_id)
    }

    /// Whether the reset token is usable at `now`, and whose it is.
    fn usable_reset(&self, token_hash: &str, now: DateTime<Utc>) -> Option<UserId> {
        self.reset
            .get(token_hash)
            .filter(|t| t.used_at.is_none() && t.expires_at > now)
            .map(|t| t.user_id)
    }
}

#[async_trait]
impl TokenStore for MemoryStore {
    async fn insert_refresh_token(&self, token: &RefreshToken) -> Result<()> {
        self.lock().tokens.insert_refresh(token)
    }

    async fn rotate_refresh_token(
        &self,
        presented_hash: &str,
        next_id: RefreshTokenId,
        next_hash: &str,
        next_expires_at: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> Result<RotateOutcome> {
        self.lock()
            .tokens
            .rotate(presented_hash, next_id, next_hash, next_expires_at, now)
    }

    async fn revoke_refresh_family(
        &self,
        token_hash: &str,
        now: DateTime<Utc>,
    ) -> Result<Option<UserId>> {
        let mut st = self.lock();
        let Some(t) = st.tokens.refresh.get(token_hash) else {
            return Ok(None);
        };
        let (user, family) = (t.user_id, t.family_id);
        st.tokens.revoke_family(family, now);
        Ok(Some(user))
    }

    async fn revoke_user_tokens(&self, user_id: UserId, now: DateTime<Utc>) -> Result<u64> {
        Ok(self.lock().tokens.revoke_user(user_id, now))
    }

    async fn insert_reset_token(&self, token: &ResetToken) -> Result<()> {
        let mut st = self.lock();
        if st.tokens.reset.contains_key(&token.token_hash) {
            return Err(Error::conflict("reset token already exists", None));
        }
        st.tokens
            .reset
            .insert(token.token_hash.clone(), token.clone());
        Ok(())
    }

    async fn consume_reset_token(
        &self,
        token_hash: &str,
        new_hash: &PasswordHash,
        now: DateTime<Utc>,
        audit: &AuditEvent,
    ) -> Result<Option<UserId>> {
        let mut guard = self.lock();
        let st = &mut *guard;
        let Some(user_id) = st.tokens.usable_reset(token_hash, now) else {
            return Ok(None);
        };
        // Checked before any write so a dangling token changes nothing.
        st.users.set_password(user_id, new_hash, now)?;
        st.tokens.take_reset(token_hash, now);
        st.tokens.revoke_user(user_id, now);
        st.audit.append(audit);
        Ok(Some(user_id))
    }
}

#[cfg(test)]
mod tests {
    use medsync_core::auth::{ResetToken, RotateOutcome};
    use medsync_core::identity::{PasswordHash, Role};
    use medsync_core::ids::{RefreshTokenId, TokenFamilyId};
    use medsync_core::store::{TokenStore, UserStore};
    use uuid::Uuid;

    use crate::fixtures::{at, event, refresh, uid, user};
    use crate::MemoryStore;

    fn next(n: u128) -> RefreshTokenId {
        RefreshTokenId(Uuid::from_u128(n))
    }

    #[tokio::test]
    async fn rotation_outcomes() {
        let s = MemoryStore::new();
        let u = uid(1);
        let fam = TokenFamilyId(Uuid::from_u128(100));
        s.insert_refresh_token(&refresh(1, 100, u, "h1", at(12, 0)))
            .await
            .unwrap();
        s.insert_refresh_token(&refresh(9, 900, u, "old", at(9, 0)))
            .await
            .unwrap();

        let r = |hash: &'static str, n: u128, new: &'static str, now| {
            let s = s.clone();
            async move {
                s.rotate_refresh_token(hash, next(n), new, at(13, 0), now)
                    .await
                    .unwrap()
            }
        };
        assert_eq!(
            r("h1", 2, "h2", at(10, 0)).await,
            RotateOutcome::Rotated {
                user_id: u,
                family_id: fam
            }
        );
        assert_eq!(
            r("h2", 3, "h3", at(10, 1)).await,
            RotateOutcome::Rotated {
                user_id: u,
                family_id: fam
            }
        );
        // Replaying h1 revokes the whole family, so the live h3 is dead afterwards.
        assert_eq!(
            r("h1", 4, "h4", at(10, 2)).await,
            RotateOutcome::Reused {
                user_id: u,
                family_id: fam
            }
        );
        assert_eq!(r("h3", 5, "h5", at(10, 3)).await, RotateOutcome::Dead);
        // Expired and unknown.
        assert_eq!(r("old", 6, "h6", at(9, 0)).await, RotateOutcome::Dead);
        assert_eq!(r("nope", 7, "h7", at(9, 0)).await, RotateOutcome::Unknown);
        // Nothing was stored for the failed rotations.
        assert_eq!(r("h4", 8, "h8", at(10, 4)).await, RotateOutcome::Unknown);
        // A successor hash that already exists is a conflict and changes nothing.
        s.insert_refresh_token(&refresh(20, 200, u, "a", at(12, 0)))
            .await
            .unwrap();
        let dup = s
            .rotate_refresh_token("a", next(21), "old", at(13, 0), at(10, 0))
            .await;
        assert!(matches!(dup, Err(medsync_core::Error::Conflict { .. })));
        assert!(matches!(
            r("a", 22, "b", at(10, 0)).await,
            RotateOutcome::Rotated { .. }
        ));
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn concurrent_rotations_of_one_token_rotate_once() {
        let s = MemoryStore::new();
        s.insert_refresh_token(&refresh(1, 100, uid(1), "h", at(12, 0)))
            .await
            .unwrap();
        let tasks: Vec<_> = (0..100u128)
            .map(|i| {
                let s = s.clone();
                tokio::spawn(async move {
                    let hash = format!("next-{i}");
                    s.rotate_refresh_token("h", next(10 + i), &hash, at(13, 0), at(10, 0))
                        .await
                        .unwrap()
                })
            })
            .collect();
        let mut rotated = 0;
        for t in tasks {
            match t.await.unwrap() {
                RotateOutcome::Rotated { .. } => rotated += 1,
                RotateOutcome::Reused { .. } => {}
                other => panic!("{other:?}"),
            }
        }
        assert_eq!(rotated, 1);
    }

    #[tokio::test]
    async fn password_changes_revoke_refresh_tokens_and_resets_are_single_use() {
        let s = MemoryStore::new();
        let u = user(1, "a@example.org", Role::Patient);
        s.create_user(&u, None, &event("user.register"))
            .await
            .unwrap();
        s.insert_refresh_token(&refresh(1, 100, u.id, "h1", at(12, 0)))
            .await
            .unwrap();
        s.set_password(u.id, &PasswordHash("new".into()), &event("user.password"))
            .await
            .unwrap();
        assert_eq!(
            s.rotate_refresh_token("h1", next(2), "h2", at(13, 0), at(9, 0))
                .await
                .unwrap(),
            RotateOutcome::Dead
        );

        s.insert_refresh_token(&refresh(3, 300, u.id, "h3", at(12, 0)))
            .await
            .unwrap();
        let reset = ResetToken {
            token_hash: "r".into(),
            user_id: u.id,
            issued_at: at(9, 0),
            expires_at: at(9, 30),
            used_at: None,
        };
        s.insert_reset_token(&reset).await.unwrap();
        let consume = |now| {
            let s = s.clone();
            async move {
                s.consume_reset_token("r", &PasswordHash("reset".into()), now, &event("x"))
                    .await
                    .unwrap()
            }
        };
        assert_eq!(consume(at(9, 10)).await, Some(u.id));
        assert_eq!(consume(at(9, 11)).await, None);
        let stored = s.user(u.id).await.unwrap().unwrap();
        assert_eq!(stored.password_hash, PasswordHash("reset".into()));
        assert_eq!(s.revoke_user_tokens(u.id, at(9, 12)).await.unwrap(), 0);
        assert_eq!(
            s.revoke_refresh_family("h3", at(9, 12)).await.unwrap(),
            Some(u.id)
        );
        assert_eq!(
            s.revoke_refresh_family("zz", at(9, 12)).await.unwrap(),
            None
        );
    }
}
