//! The password-reset flow: issuing a single-use reset token
//! ([`MedSync::request_password_reset`]) and spending it ([`MedSync::confirm_password_reset`]).

use super::auth::actor_of;
use super::support::Subject;
use super::MedSync;
use crate::audit::Outcome;
use crate::auth::{check_password_policy, hash_token, new_opaque_token, ResetToken};
use crate::error::{Error, Result};
use crate::identity::{normalize_email, PasswordHash, UserStatus};

impl MedSync {
    /// Starts a password reset. Returns the single-use token (valid 30 minutes by default)
    /// for the embedder to deliver out of band, or `None` when no active user has this email —
    /// callers must answer both cases identically.
    pub async fn request_password_reset(&self, email: &str) -> Result<Option<String>> {
        let user = self
            .inner
            .store
            .user_by_email(&normalize_email(email))
            .await?;
        let Some(user) = user.filter(|u| u.status == UserStatus::Active) else {
            self.audit(
                None,
                "auth.password_reset_request",
                &Subject::kind("user"),
                Outcome::Denied,
                None,
            )
            .await?;
            return Ok(None);
        };
        let now = self.now();
        let token = new_opaque_token();
        let reset = ResetToken {
            token_hash: hash_token(&token),
            user_id: user.id,
            issued_at: now,
            expires_at: now + self.inner.config.reset_ttl,
            used_at: None,
        };
        self.inner.store.insert_reset_token(&reset).await?;
        let actor = actor_of(&user);
        self.audit(
            Some(&actor),
            "auth.password_reset_request",
            &Subject::new("user", user.id),
            Outcome::Allowed,
            None,
        )
        .await?;
        Ok(Some(token))
    }

    /// Completes a password reset: the token is spent, the password replaced and every
    /// refresh token of the user revoked, atomically.
    pub async fn confirm_password_reset(&self, token: &str, new_password: &str) -> Result<()> {
        check_password_policy(new_password, "password", &[])?;
        let hash: PasswordHash = self.inner.hasher.hash(new_password).await?;
        let ev = self.event(
            None,
            "auth.password_reset",
            &Subject::kind("user"),
            Outcome::Allowed,
            None,
        );
        match self
            .inner
            .store
            .consume_reset_token(&hash_token(token), &hash, self.now(), &ev)
            .await?
        {
            Some(_) => Ok(()),
            None => Err(Error::Unauthenticated(
                "invalid or expired reset token".into(),
            )),
        }
    }
}
