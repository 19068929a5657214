//! Delivery of password-reset tokens.

use async_trait::async_trait;

/// Hands a password-reset token to the user, out of band (e-mail, SMS …).
///
/// Called in the background after `POST /api/auth/password-reset` answered 202, and only
/// when an active account has this email. Implementations must never log the token.
#[async_trait]
pub trait ResetMailer: Send + Sync + 'static {
    /// Sends `token` to `email` (the address as the user typed it).
    async fn send_reset(&self, email: &str, token: &str);
}

/// The default mailer: logs that a reset was requested, without the address or the token.
/// Replace it with a real one in production ([`crate::AppState::with_reset_mailer`]).
#[derive(Debug, Default, Clone, Copy)]
pub struct LogResetMailer;

#[async_trait]
impl ResetMailer for LogResetMailer {
    async fn send_reset(&self, _email: &str, _token: &str) {
        tracing::info!("password reset requested; no mailer is configured to deliver it");
    }
}
