//! Settings of the HTTP adapter (the service's own tunables are in
//! [`medsync_core::service::Config`]).

use std::time::Duration;

/// Settings of the HTTP layer. `HttpConfig::default()` is safe for production except that it
/// allows no cross-origin browser calls.
#[derive(Debug, Clone, PartialEq)]
pub struct HttpConfig {
    /// Origins allowed to call the API from a browser (`https://app.example.org`); empty (the
    /// default) sends no CORS headers at all.
    pub cors_origins: Vec<String>,
    /// Largest JSON request body in bytes (default 1 MiB); larger bodies answer 413.
    pub max_json_bytes: usize,
    /// Largest upload in bytes (default 10 MiB), for the upload routes.
    pub max_upload_bytes: usize,
    /// Rate limiting.
    pub rate_limit: RateLimitConfig,
    /// How often an open notification WebSocket re-checks its access token (default 60 s);
    /// the socket is closed once the token has expired or the account is deactivated.
    pub ws_reauth_interval: Duration,
    /// Serve `GET /metrics` (default true).
    pub metrics_enabled: bool,
}

impl Default for HttpConfig {
    fn default() -> Self {
        Self {
            cors_origins: Vec::new(),
            max_json_bytes: 1024 * 1024,
            max_upload_bytes: 10 * 1024 * 1024,
            rate_limit: RateLimitConfig::default(),
            ws_reauth_interval: Duration::from_secs(60),
            metrics_enabled: true,
        }
    }
}

/// A token bucket: up to `burst` requests at once, refilled at `per_minute` requests per
/// minute.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateQuota {
    /// Bucket size: requests allowed in a burst.
    pub burst: u32,
    /// Sustained rate: tokens added per minute.
    pub per_minute: u32,
}

impl RateQuota {
    /// A quota of `per_minute` requests per minute with a burst of the same size.
    pub const fn per_minute(per_minute: u32) -> Self {
        Self {
            burst: per_minute,
            per_minute,
        }
    }
}

/// Rate limits per client IP and per authenticated user, answered with 429 and
/// `Retry-After`. Health, readiness and metrics endpoints are never limited.
#[derive(Debug, Clone, PartialEq)]
pub struct RateLimitConfig {
    /// Master switch (off for tests and benchmarks).
    pub enabled: bool,
    /// Every request, per client IP (default 300/min).
    pub per_ip: RateQuota,
    /// Login, registration and password reset, per client IP (default 10/min, burst 5).
    pub auth_per_ip: RateQuota,
    /// Authenticated requests, per user (default 600/min).
    pub per_user: RateQuota,
    /// Take the client IP from the left-most `X-Forwarded-For` entry. Enable only behind a
    /// proxy that sets it; otherwise clients could pick their own bucket.
    pub trust_forwarded_for: bool,
    /// Most keys one limiter tracks; idle keys are swept every minute (default 100 000).
    pub max_keys: usize,
}

impl RateLimitConfig {
    /// No rate limiting at all.
    pub fn disabled() -> Self {
        Self {
            enabled: false,
            ..Self::default()
        }
    }
}

impl Default for RateLimitConfig {
    fn default() -> Self {
        Self {
            enabled: true,
            per_ip: RateQuota::per_minute(300),
            auth_per_ip: RateQuota {
                burst: 5,
                per_minute: 10,
            },
            per_user: RateQuota::per_minute(600),
            trust_forwarded_for: false,
            max_keys: 100_000,
        }
    }
}
