//! Command-line flags and environment variables.

use std::net::SocketAddr;

use clap::Parser;

/// Secrets are read from the environment only (never flags, which `ps` shows).
pub const JWT_SECRET_ENV: &str = "MEDSYNC_JWT_SECRET";
/// The first admin's password (environment only).
pub const ADMIN_PASSWORD_ENV: &str = "MEDSYNC_ADMIN_PASSWORD";

/// The MedSync REST server.
#[derive(Debug, Clone, Parser)]
#[command(
    name = "medsync-server",
    version,
    about = "The MedSync REST API server (OpenAPI at /api/openapi.json, docs at /api/docs)",
    after_help = "Secrets come from the environment only:\n  \
        MEDSYNC_JWT_SECRET      HMAC key for access tokens, at least 32 bytes (required unless --dev)\n  \
        MEDSYNC_ADMIN_PASSWORD  password of the first admin (with MEDSYNC_ADMIN_EMAIL)\n\
        Logging: RUST_LOG (default info)."
)]
pub struct Args {
    /// Development mode: generates an ephemeral JWT secret when MEDSYNC_JWT_SECRET is unset.
    #[arg(long)]
    pub dev: bool,

    /// Address to listen on.
    #[arg(long, env = "MEDSYNC_BIND", default_value = "127.0.0.1:8080")]
    pub bind: SocketAddr,

    /// Storage backend: unset or memory:// for the in-memory store (postgres:// and
    /// mongodb:// are not wired yet).
    #[arg(long, env = "DATABASE_URL", hide_env_values = true)]
    pub database_url: Option<String>,

    /// Email of the first admin, created at start if absent (needs MEDSYNC_ADMIN_PASSWORD).
    #[arg(long, env = "MEDSYNC_ADMIN_EMAIL")]
    pub admin_email: Option<String>,

    /// Display name of the first admin.
    #[arg(long, env = "MEDSYNC_ADMIN_NAME", default_value = "Administrator")]
    pub admin_name: String,

    /// Largest accepted upload, in bytes.
    #[arg(long, env = "MEDSYNC_MAX_UPLOAD_BYTES", default_value_t = 10 * 1024 * 1024)]
    pub max_upload_bytes: u64,

    /// Requests per minute per client IP.
    #[arg(long, env = "MEDSYNC_RATE_LIMIT_PER_MINUTE", default_value_t = 300)]
    pub rate_limit_per_minute: u32,

    /// Login, registration and password-reset requests per minute per client IP.
    #[arg(long, env = "MEDSYNC_AUTH_RATE_LIMIT_PER_MINUTE", default_value_t = 10)]
    pub auth_rate_limit_per_minute: u32,

    /// Authenticated requests per minute per user.
    #[arg(
        long,
        env = "MEDSYNC_USER_RATE_LIMIT_PER_MINUTE",
        default_value_t = 600
    )]
    pub user_rate_limit_per_minute: u32,

    /// Turn rate limiting off (benchmarks).
    #[arg(long, env = "MEDSYNC_NO_RATE_LIMIT")]
    pub no_rate_limit: bool,

    /// Take client IPs from X-Forwarded-For (only behind a proxy that sets it).
    #[arg(long, env = "MEDSYNC_TRUST_FORWARDED_FOR")]
    pub trust_forwarded_for: bool,

    /// Origins allowed to call the API from browsers, comma-separated (none by default).
    #[arg(long, env = "MEDSYNC_CORS_ORIGINS", value_delimiter = ',')]
    pub cors_origins: Vec<String>,

    /// Load demo doctors (with availability) and patients, and print their logins.
    #[arg(long)]
    pub seed_demo: bool,

    /// Development only (needs --dev): book N appointments at start, through the service
    /// (audit and notifications included), for load and memory tests (scripts/loadtest).
    /// Expects a fresh store.
    #[arg(long, value_name = "N")]
    pub seed_appointments: Option<u64>,

    /// Seconds between sweeps that expire lapsed appointment holds.
    #[arg(long, env = "MEDSYNC_EXPIRE_HOLDS_EVERY_SECS", default_value_t = 30)]
    pub expire_holds_every_secs: u64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_flags() {
        let a = Args::try_parse_from([
            "medsync-server",
            "--dev",
            "--bind",
            "0.0.0.0:9000",
            "--cors-origins",
            "https://a.example,https://b.example",
            "--seed-demo",
        ])
        .unwrap();
        assert!(a.dev && a.seed_demo);
        assert_eq!(a.bind.port(), 9000);
        assert_eq!(a.cors_origins.len(), 2);
        assert!(Args::try_parse_from(["medsync-server", "--bind", "nowhere"]).is_err());
        let a = Args::try_parse_from(["medsync-server", "--dev", "--seed-appointments", "1000"])
            .unwrap();
        assert_eq!(a.seed_appointments, Some(1000));
    }
}
