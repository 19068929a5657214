use chrono::Duration;

/// Tunables of the service. `Config::default()` is what the README documents.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Config {
    /// How long a `pending` booking holds its slot (default 10 minutes).
    pub hold_ttl: Duration,
    /// Lifetime of a refresh token (default 14 days; every use rotates it).
    pub refresh_ttl: Duration,
    /// Lifetime of a password-reset token (default 30 minutes).
    pub reset_ttl: Duration,
    /// Lifetime of a break-glass session (default 60 minutes).
    pub break_glass_ttl: Duration,
    /// Longest range a free-slot search may cover (default 31 days).
    pub max_slot_search: Duration,
    /// Longest appointment (default 8 hours).
    pub max_appointment: Duration,
    /// Largest accepted upload in bytes (default 10 MiB).
    pub max_upload_bytes: u64,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            hold_ttl: Duration::minutes(10),
            refresh_ttl: Duration::days(14),
            reset_ttl: Duration::minutes(30),
            break_glass_ttl: Duration::minutes(60),
            max_slot_search: Duration::days(31),
            max_appointment: Duration::hours(8),
            max_upload_bytes: 10 * 1024 * 1024,
        }
    }
}
