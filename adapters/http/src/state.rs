//! The state every handler receives.

use std::sync::Arc;

use medsync_core::MedSync;

use crate::config::HttpConfig;
use crate::live::LiveNotifications;
use crate::mailer::{LogResetMailer, ResetMailer};
use crate::metrics::Metrics;
use crate::rate_limit::RateLimits;

/// What the router shares with every handler. Cheap to clone.
///
/// Handlers take `State(state): State<AppState>` and call `state.svc`; the [`crate::AuthUser`]
/// extractor reads it too.
#[derive(Clone)]
pub struct AppState {
    /// The MedSync service: every use case is one of its methods.
    pub svc: MedSync,
    /// The live notification source the WebSocket endpoint subscribes to.
    pub notifications: Arc<dyn LiveNotifications>,
    /// Where password-reset tokens go (e-mail in production; the default only logs that a
    /// reset was requested, never the token).
    pub reset_mailer: Arc<dyn ResetMailer>,
    /// HTTP settings.
    pub config: Arc<HttpConfig>,
    pub(crate) limits: Arc<RateLimits>,
    pub(crate) metrics: Arc<Metrics>,
}

impl AppState {
    /// State over `svc`, pushing live notifications from `notifications`, with the
    /// [`LogResetMailer`].
    pub fn new(
        svc: MedSync,
        notifications: Arc<dyn LiveNotifications>,
        config: HttpConfig,
    ) -> Self {
        Self {
            svc,
            notifications,
            reset_mailer: Arc::new(LogResetMailer),
            limits: Arc::new(RateLimits::new(&config.rate_limit)),
            metrics: Arc::new(Metrics::default()),
            config: Arc::new(config),
        }
    }

    /// Replaces the password-reset mailer.
    pub fn with_reset_mailer(mut self, mailer: Arc<dyn ResetMailer>) -> Self {
        self.reset_mailer = mailer;
        self
    }
}

impl std::fmt::Debug for AppState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AppState")
            .field("svc", &self.svc)
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}
