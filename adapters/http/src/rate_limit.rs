//! Rate limiting: token buckets per client IP (stricter on the credential endpoints) and per
//! authenticated user, answered with 429 and `Retry-After`.

use std::collections::HashMap;
use std::hash::Hash;
use std::net::{IpAddr, SocketAddr};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use axum::extract::{ConnectInfo, Request, State};
use axum::http::HeaderMap;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use medsync_core::ids::UserId;
use medsync_core::Error;

use crate::config::{RateLimitConfig, RateQuota};
use crate::error::ApiError;
use crate::state::AppState;

/// How often idle buckets are swept.
const SWEEP_EVERY: Duration = Duration::from_secs(60);

/// A keyed token-bucket limiter.
#[derive(Debug)]
pub struct Limiter<K> {
    burst: f64,
    per_sec: f64,
    max_keys: usize,
    state: Mutex<Buckets<K>>,
}

#[derive(Debug)]
struct Buckets<K> {
    map: HashMap<K, Bucket>,
    last_sweep: Instant,
}

#[derive(Debug, Clone, Copy)]
struct Bucket {
    tokens: f64,
    at: Instant,
}

impl<K: Hash + Eq + Clone> Limiter<K> {
    /// A limiter enforcing `quota` per key, tracking at most `max_keys` keys.
    pub fn new(quota: RateQuota, max_keys: usize) -> Self {
        Self {
            burst: f64::from(quota.burst.max(1)),
            per_sec: f64::from(quota.per_minute.max(1)) / 60.0,
            max_keys: max_keys.max(1),
            state: Mutex::new(Buckets {
                map: HashMap::new(),
                last_sweep: Instant::now(),
            }),
        }
    }

    /// Takes one token of `key`'s bucket at `now`; `Err(seconds)` to wait when it is empty.
    pub fn check_at(&self, key: &K, now: Instant) -> Result<(), u64> {
        let mut st = self.state.lock().unwrap_or_else(|p| p.into_inner());
        if now.saturating_duration_since(st.last_sweep) >= SWEEP_EVERY
            || st.map.len() >= self.max_keys
        {
            self.sweep(&mut st, now);
        }
        if !st.map.contains_key(key) && st.map.len() >= self.max_keys {
            // Every tracked key is busy: refuse newcomers rather than grow without bound.
            return Err(1);
        }
        let bucket = st.map.entry(key.clone()).or_insert(Bucket {
            tokens: self.burst,
            at: now,
        });
        let refilled = self.refill(*bucket, now);
        if refilled >= 1.0 {
            *bucket = Bucket {
                tokens: refilled - 1.0,
                at: now,
            };
            Ok(())
        } else {
            *bucket = Bucket {
                tokens: refilled,
                at: now,
            };
            let wait = (1.0 - refilled) / self.per_sec;
            Err(wait.ceil().max(1.0) as u64)
        }
    }

    /// Takes one token of `key`'s bucket now.
    pub fn check(&self, key: &K) -> Result<(), u64> {
        self.check_at(key, Instant::now())
    }

    fn refill(&self, b: Bucket, now: Instant) -> f64 {
        let elapsed = now.saturating_duration_since(b.at).as_secs_f64();
        (b.tokens + elapsed * self.per_sec).min(self.burst)
    }

    /// Forgets buckets that have refilled completely (they behave exactly like new ones).
    fn sweep(&self, st: &mut Buckets<K>, now: Instant) {
        st.map.retain(|_, b| self.refill(*b, now) < self.burst);
        st.last_sweep = now;
    }

    /// How many keys are tracked.
    pub fn len(&self) -> usize {
        self.state
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .map
            .len()
    }

    /// Whether no key is tracked.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// The limiters of one router.
#[derive(Debug)]
pub(crate) struct RateLimits {
    enabled: bool,
    trust_forwarded_for: bool,
    per_ip: Limiter<IpAddr>,
    auth_per_ip: Limiter<IpAddr>,
    per_user: Limiter<UserId>,
}

impl RateLimits {
    pub(crate) fn new(c: &RateLimitConfig) -> Self {
        Self {
            enabled: c.enabled,
            trust_forwarded_for: c.trust_forwarded_for,
            per_ip: Limiter::new(c.per_ip, c.max_keys),
            auth_per_ip: Limiter::new(c.auth_per_ip, c.max_keys),
            per_user: Limiter::new(c.per_user, c.max_keys),
        }
    }

    /// The per-user check, called by [`crate::AuthUser`] once the token is verified.
    pub(crate) fn check_user(&self, user: UserId) -> Result<(), ApiError> {
        if !self.enabled {
            return Ok(());
        }
        self.per_user.check(&user).map_err(limited)
    }

    fn client_ip(&self, req: &Request) -> Option<IpAddr> {
        if self.trust_forwarded_for {
            if let Some(ip) = forwarded_for(req.headers()) {
                return Some(ip);
            }
        }
        req.extensions()
            .get::<ConnectInfo<SocketAddr>>()
            .map(|c| c.0.ip())
    }
}

fn forwarded_for(headers: &HeaderMap) -> Option<IpAddr> {
    headers
        .get("x-forwarded-for")?
        .to_str()
        .ok()?
        .split(',')
        .next()?
        .trim()
        .parse()
        .ok()
}

fn limited(retry_after_secs: u64) -> ApiError {
    ApiError::Core(Error::RateLimited { retry_after_secs })
}

/// Whether `path` is a credential endpoint (login, registration, password reset).
fn is_auth_path(path: &str) -> bool {
    path == "/api/auth/login"
        || path == "/api/auth/register"
        || path.starts_with("/api/auth/password-reset")
}

/// Whether `path` is never limited (probes and metrics scrapes).
fn is_exempt(path: &str) -> bool {
    matches!(path, "/health" | "/ready" | "/metrics")
}

/// Middleware: the per-IP limits. Requests whose client IP is unknown (no `ConnectInfo`, no
/// trusted `X-Forwarded-For`) are only limited per user.
pub(crate) async fn per_ip(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let limits = &state.limits;
    let path = req.uri().path();
    if !limits.enabled || is_exempt(path) {
        return next.run(req).await;
    }
    if let Some(ip) = limits.client_ip(&req) {
        let auth = is_auth_path(path);
        let verdict = limits.per_ip.check(&ip).and_then(|()| {
            if auth {
                limits.auth_per_ip.check(&ip)
            } else {
                Ok(())
            }
        });
        if let Err(secs) = verdict {
            tracing::info!(%ip, path, "rate limited");
            return limited(secs).into_response();
        }
    }
    next.run(req).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bucket_allows_burst_then_refuses_then_refills() {
        let l = Limiter::new(
            RateQuota {
                burst: 2,
                per_minute: 60,
            },
            10,
        );
        let t0 = Instant::now();
        assert!(l.check_at(&1, t0).is_ok());
        assert!(l.check_at(&1, t0).is_ok());
        assert_eq!(l.check_at(&1, t0), Err(1));
        assert!(l.check_at(&2, t0).is_ok(), "keys are independent");
        assert!(l.check_at(&1, t0 + Duration::from_secs(1)).is_ok());
    }

    #[test]
    fn retry_after_reflects_the_refill_rate() {
        let l = Limiter::new(
            RateQuota {
                burst: 1,
                per_minute: 2,
            },
            10,
        );
        let t0 = Instant::now();
        assert!(l.check_at(&"k", t0).is_ok());
        assert_eq!(l.check_at(&"k", t0), Err(30));
    }

    #[test]
    fn idle_buckets_are_swept_and_key_count_is_bounded() {
        let l = Limiter::new(RateQuota::per_minute(60), 3);
        let t0 = Instant::now();
        for k in 0..3 {
            assert!(l.check_at(&k, t0).is_ok());
        }
        assert_eq!(l.check_at(&99, t0), Err(1), "full map refuses newcomers");
        assert!(l.check_at(&99, t0 + SWEEP_EVERY).is_ok());
        assert_eq!(l.len(), 1);
    }

    #[test]
    fn paths_are_classified() {
        assert!(is_auth_path("/api/auth/login"));
        assert!(is_auth_path("/api/auth/password-reset/confirm"));
        assert!(!is_auth_path("/api/auth/me"));
        assert!(is_exempt("/health") && !is_exempt("/api/doctors"));
    }

    #[test]
    fn forwarded_for_takes_the_leftmost_address() {
        let mut h = HeaderMap::new();
        h.insert("x-forwarded-for", "203.0.113.7, 10.0.0.1".parse().unwrap());
        assert_eq!(forwarded_for(&h), Some("203.0.113.7".parse().unwrap()));
        h.insert("x-forwarded-for", "garbage".parse().unwrap());
        assert_eq!(forwarded_for(&h), None);
    }
}
