//! Sessions: login, token refresh, logout and authentication ([`TokenPair`], [`actor_of`]).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::support::Subject;
use super::MedSync;
use crate::audit::Outcome;
use crate::auth::{hash_token, new_opaque_token, RefreshToken, RotateOutcome};
use crate::error::{Error, Result};
use crate::identity::{normalize_email, User, UserStatus};
use crate::ids::{RefreshTokenId, TokenFamilyId, UserId};
use crate::policy::Actor;

/// What a successful login or refresh returns.
#[derive(Clone, Serialize, Deserialize)]
pub struct TokenPair {
    /// JWT access token (short-lived).
    pub access_token: String,
    /// When the access token expires.
    pub access_expires_at: DateTime<Utc>,
    /// Seconds from issue until the access token expires (OAuth's `expires_in`).
    pub expires_in: i64,
    /// Opaque refresh token: single use, rotated on every refresh.
    pub refresh_token: String,
    /// When the refresh token expires.
    pub refresh_expires_at: DateTime<Utc>,
    /// The user logged in.
    pub user_id: UserId,
}

impl std::fmt::Debug for TokenPair {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenPair")
            .field("access_token", &"<redacted>")
            .field("refresh_token", &"<redacted>")
            .field("access_expires_at", &self.access_expires_at)
            .field("user_id", &self.user_id)
            .finish()
    }
}

const BAD_LOGIN: &str = "invalid email or password";

impl MedSync {
    /// Logs in with email and password. The error does not reveal whether the email exists,
    /// and an unknown email costs the same argon2 work as a wrong password. Only after a
    /// correct password does the error say that the account is pending or deactivated.
    pub async fn login(&self, email: &str, password: &str) -> Result<TokenPair> {
        let user = self
            .inner
            .store
            .user_by_email(&normalize_email(email))
            .await?;
        let Some(user) = user else {
            self.inner.hasher.verify_dummy(password).await;
            self.audit(
                None,
                "auth.login",
                &Subject::kind("user"),
                Outcome::Denied,
                Some("unknown email".into()),
            )
            .await?;
            return Err(Error::Unauthenticated(BAD_LOGIN.into()));
        };
        let actor = actor_of(&user);
        let subject = Subject::new("user", user.id);
        let verified = match self
            .inner
            .hasher
            .verify(password, &user.password_hash)
            .await
        {
            Ok(v) => v,
            Err(e) => return self.failed(Some(&actor), "auth.login", &subject, e).await,
        };
        if !verified {
            self.audit(
                Some(&actor),
                "auth.login",
                &subject,
                Outcome::Denied,
                Some("wrong password".into()),
            )
            .await?;
            return Err(Error::Unauthenticated(BAD_LOGIN.into()));
        }
        if let Err(e) = ensure_active(&user) {
            return self.failed(Some(&actor), "auth.login", &subject, e).await;
        }
        let pair = self
            .issue_pair(&user, TokenFamilyId(self.uuid(self.now())))
            .await?;
        self.audit(Some(&actor), "auth.login", &subject, Outcome::Allowed, None)
            .await?;
        Ok(pair)
    }

    async fn issue_pair(&self, user: &User, family: TokenFamilyId) -> Result<TokenPair> {
        let now = self.now();
        let (access_token, access_expires_at) = self.inner.jwt.issue(&actor_of(user), now)?;
        let refresh_token = new_opaque_token();
        let refresh_expires_at = now + self.inner.config.refresh_ttl;
        let token = RefreshToken {
            id: RefreshTokenId(self.uuid(now)),
            family_id: family,
            user_id: user.id,
            token_hash: hash_token(&refresh_token),
            issued_at: now,
            expires_at: refresh_expires_at,
            rotated_at: None,
            revoked_at: None,
        };
        self.inner.store.insert_refresh_token(&token).await?;
        Ok(TokenPair {
            access_token,
            access_expires_at,
            expires_in: (access_expires_at - now).num_seconds().max(0),
            refresh_token,
            refresh_expires_at,
            user_id: user.id,
        })
    }

    /// Exchanges a refresh token for a new pair. The presented token is spent; presenting a
    /// spent token again revokes its whole family (every session descended from that login).
    pub async fn refresh(&self, refresh_token: &str) -> Result<TokenPair> {
        let now = self.now();
        let next = new_opaque_token();
        let next_id = RefreshTokenId(self.uuid(now));
        let next_exp = now + self.inner.config.refresh_ttl;
        let outcome = self
            .inner
            .store
            .rotate_refresh_token(
                &hash_token(refresh_token),
                next_id,
                &hash_token(&next),
                next_exp,
                now,
            )
            .await?;
        match outcome {
            RotateOutcome::Rotated { user_id, family_id } => {
                let user = self.inner.store.user(user_id).await?;
                let Some(user) = user.filter(|u| u.status == UserStatus::Active) else {
                    self.inner
                        .store
                        .revoke_refresh_family(&hash_token(&next), now)
                        .await?;
                    let subject = Subject::new("user", user_id);
                    self.audit(
                        None,
                        "auth.refresh",
                        &subject,
                        Outcome::Denied,
                        Some("account not active".into()),
                    )
                    .await?;
                    return Err(Error::Unauthenticated("account is not active".into()));
                };
                let (access_token, access_expires_at) =
                    self.inner.jwt.issue(&actor_of(&user), now)?;
                let _ = family_id;
                Ok(TokenPair {
                    access_token,
                    access_expires_at,
                    expires_in: (access_expires_at - now).num_seconds().max(0),
                    refresh_token: next,
                    refresh_expires_at: next_exp,
                    user_id,
                })
            }
            RotateOutcome::Reused { user_id, family_id } => {
                let subject = Subject::new("token_family", family_id);
                let actor = self.inner.store.user(user_id).await?.map(|u| actor_of(&u));
                self.audit(
                    actor.as_ref(),
                    "auth.refresh_reuse",
                    &subject,
                    Outcome::Denied,
                    Some("family revoked".into()),
                )
                .await?;
                Err(Error::Unauthenticated(
                    "refresh token reuse detected; the session was revoked".into(),
                ))
            }
            RotateOutcome::Dead | RotateOutcome::Unknown => {
                Err(Error::Unauthenticated("invalid refresh token".into()))
            }
        }
    }

    /// Revokes the session (the refresh-token family) of `refresh_token`. Idempotent; an
    /// unknown token is not an error.
    pub async fn logout(&self, refresh_token: &str) -> Result<()> {
        if let Some(user_id) = self
            .inner
            .store
            .revoke_refresh_family(&hash_token(refresh_token), self.now())
            .await?
        {
            let actor = self.inner.store.user(user_id).await?.map(|u| actor_of(&u));
            self.audit(
                actor.as_ref(),
                "auth.logout",
                &Subject::new("user", user_id),
                Outcome::Allowed,
                None,
            )
            .await?;
        }
        Ok(())
    }

    /// Verifies an access token and returns the actor, with role and status read from the
    /// store so that deactivation and role changes take effect at once.
    pub async fn authenticate(&self, access_token: &str) -> Result<Actor> {
        let claimed = self.inner.jwt.verify(access_token, self.now())?;
        let user = self.inner.store.user(claimed.user_id).await?;
        match user {
            Some(u) if u.status == UserStatus::Active => Ok(actor_of(&u)),
            _ => Err(Error::Unauthenticated("account is not active".into())),
        }
    }

    /// The actor's own user record.
    pub async fn me(&self, actor: &Actor) -> Result<User> {
        self.inner
            .store
            .user(actor.user_id)
            .await?
            .ok_or_else(|| Error::not_found("user", actor.user_id))
    }
}

/// The actor a user acts as.
pub(crate) fn actor_of(user: &User) -> Actor {
    Actor {
        user_id: user.id,
        role: user.role,
        patient_id: user.patient_id,
    }
}

fn ensure_active(user: &User) -> Result<()> {
    match user.status {
        UserStatus::Active => Ok(()),
        UserStatus::PendingApproval => Err(Error::Unauthenticated(
            "account is waiting for an admin's approval".into(),
        )),
        UserStatus::Deactivated => Err(Error::Unauthenticated("account is deactivated".into())),
    }
}
