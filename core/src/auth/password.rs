//! Password hashing: the [`PasswordHasher`] port and its argon2id implementation.

use std::fmt;
use std::sync::{Arc, OnceLock};

use argon2::password_hash::{
    PasswordHash as PhcHash, PasswordHasher as _, PasswordVerifier as _, SaltString,
};
use argon2::{Algorithm, Argon2, Params, Version};
use async_trait::async_trait;
use rand::rngs::OsRng;
use rand::RngCore as _;

use crate::identity::PasswordHash;
use crate::{Error, Result};

/// Hashes and verifies passwords.
///
/// The trait is async so an adapter can move the (deliberately slow) work off the async
/// executor, e.g. with `spawn_blocking`. Implementations never log or echo passwords or
/// hashes.
#[async_trait]
pub trait PasswordHasher: Send + Sync + 'static {
    /// Hashes `password` with a fresh random salt, returning a PHC string.
    ///
    /// Errors only if the hashing backend fails ([`Error::Backend`]).
    async fn hash(&self, password: &str) -> Result<PasswordHash>;

    /// Checks `password` against a stored `hash`: `Ok(true)` on a match, `Ok(false)` on a
    /// mismatch. Errs only if the stored hash cannot be parsed or used.
    async fn verify(&self, password: &str, hash: &PasswordHash) -> Result<bool>;

    /// Burns the same time as a real [`verify`](Self::verify), against a hash computed once
    /// with the same parameters. Call it when the account is unknown so response times do
    /// not reveal which emails are registered.
    async fn verify_dummy(&self, password: &str);
}

/// argon2id (v19) password hasher. Computes inline on the calling thread.
///
/// `Debug` prints the cost parameters only.
#[derive(Clone)]
pub struct Argon2Hasher {
    params: Params,
    /// Hash of a random password with `params`, built on first use by `verify_dummy`.
    dummy: Arc<OnceLock<Option<PasswordHash>>>,
}

impl fmt::Debug for Argon2Hasher {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Argon2Hasher")
            .field("m_cost_kib", &self.params.m_cost())
            .field("t_cost", &self.params.t_cost())
            .field("p_cost", &self.params.p_cost())
            .finish()
    }
}

impl Argon2Hasher {
    /// OWASP Password Storage Cheat Sheet parameters: argon2id, m = 19456 KiB (19 MiB),
    /// t = 2 iterations, p = 1 lane.
    pub fn owasp() -> Self {
        Self::from_params(Params::new(19_456, 2, 1, None).unwrap_or_default())
    }

    /// argon2id with custom costs: memory `m_cost_kib` KiB, `t_cost` iterations, `p_cost`
    /// lanes. Use low costs in tests and higher ones for stronger deployments.
    ///
    /// Errors with [`Error::InvalidInput`] (field `argon2_params`) when argon2 rejects the
    /// combination (e.g. `t_cost` of 0 or memory below 8 KiB per lane).
    pub fn with_params(m_cost_kib: u32, t_cost: u32, p_cost: u32) -> Result<Self> {
        let params = Params::new(m_cost_kib, t_cost, p_cost, None).map_err(|e| {
            Error::invalid("argon2_params", format!("invalid argon2 parameters: {e}"))
        })?;
        Ok(Self::from_params(params))
    }

    fn from_params(params: Params) -> Self {
        Self {
            params,
            dummy: Arc::new(OnceLock::new()),
        }
    }

    fn argon2(&self) -> Argon2<'static> {
        Argon2::new(Algorithm::Argon2id, Version::V0x13, self.params.clone())
    }

    /// [`PasswordHasher::hash`] on the calling thread (CPU-bound: tens of milliseconds with
    /// OWASP parameters). For adapters that move the work to a blocking pool.
    pub fn hash_sync(&self, password: &str) -> Result<PasswordHash> {
        let mut salt_bytes = [0u8; 16];
        OsRng.fill_bytes(&mut salt_bytes);
        let salt = SaltString::encode_b64(&salt_bytes).map_err(|_| backend("salt encoding"))?;
        let phc = self
            .argon2()
            .hash_password(password.as_bytes(), &salt)
            .map_err(|_| backend("password hashing failed"))?;
        Ok(PasswordHash(phc.to_string()))
    }

    /// [`PasswordHasher::verify`] on the calling thread.
    pub fn verify_sync(&self, password: &str, hash: &PasswordHash) -> Result<bool> {
        let parsed =
            PhcHash::new(&hash.0).map_err(|_| backend("stored password hash is malformed"))?;
        if parsed.salt.is_none() || parsed.hash.is_none() {
            return Err(backend("stored password hash is malformed"));
        }
        match self.argon2().verify_password(password.as_bytes(), &parsed) {
            Ok(()) => Ok(true),
            Err(argon2::password_hash::Error::Password) => Ok(false),
            Err(_) => Err(backend("stored password hash is unusable")),
        }
    }

    /// The dummy hash, and whether this call computed it (which costs as much as a verify).
    fn dummy_hash(&self) -> (Option<&PasswordHash>, bool) {
        let mut fresh = false;
        let dummy = self.dummy.get_or_init(|| {
            fresh = true;
            let mut random = [0u8; 16];
            OsRng.fill_bytes(&mut random);
            self.hash_sync(&crate::audit::chain::to_hex(&random)).ok()
        });
        (dummy.as_ref(), fresh)
    }
}

/// A `Backend` error with a fixed, secret-free message.
fn backend(message: &str) -> Error {
    Error::Backend {
        message: message.to_owned(),
        source: None,
    }
}

#[async_trait]
impl PasswordHasher for Argon2Hasher {
    async fn hash(&self, password: &str) -> Result<PasswordHash> {
        self.hash_sync(password)
    }

    async fn verify(&self, password: &str, hash: &PasswordHash) -> Result<bool> {
        self.verify_sync(password, hash)
    }

    async fn verify_dummy(&self, password: &str) {
        self.verify_dummy_sync(password);
    }
}

impl Argon2Hasher {
    /// [`PasswordHasher::verify_dummy`] on the calling thread.
    pub fn verify_dummy_sync(&self, password: &str) {
        // Computing the dummy hash on first use costs the same as one verify, so the first
        // call does only that; later calls verify against the cached hash.
        if let (Some(dummy), false) = self.dummy_hash() {
            let _ = self.verify_sync(password, dummy);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fast() -> Argon2Hasher {
        Argon2Hasher::with_params(1024, 1, 1).expect("valid params")
    }

    #[tokio::test]
    async fn round_trip_fast_params() {
        let h = fast();
        let hash = h.hash("correct horse battery staple").await.unwrap();
        assert!(hash.0.starts_with("$argon2id$v=19$m=1024,t=1,p=1$"));
        assert!(h
            .verify("correct horse battery staple", &hash)
            .await
            .unwrap());
    }

    #[tokio::test]
    async fn owasp_params_phc_string() {
        let h = Argon2Hasher::owasp();
        let hash = h.hash("Tr0ub4dor&3-extended").await.unwrap();
        assert!(
            hash.0.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"),
            "{}",
            hash.0
        );
        assert!(h.verify("Tr0ub4dor&3-extended", &hash).await.unwrap());
        assert!(!h.verify("Tr0ub4dor&3-extendeD", &hash).await.unwrap());
    }

    #[tokio::test]
    async fn salts_differ() {
        let h = fast();
        let a = h.hash("same password here").await.unwrap();
        let b = h.hash("same password here").await.unwrap();
        assert_ne!(a, b);
    }

    #[tokio::test]
    async fn wrong_password_is_false() {
        let h = fast();
        let hash = h.hash("the right password").await.unwrap();
        assert!(!h.verify("the wrong password", &hash).await.unwrap());
        assert!(!h.verify("", &hash).await.unwrap());
    }

    #[tokio::test]
    async fn verifies_hash_made_with_other_params() {
        let strong = Argon2Hasher::with_params(2048, 2, 1).unwrap();
        let hash = strong.hash("portable password").await.unwrap();
        assert!(fast().verify("portable password", &hash).await.unwrap());
    }

    #[tokio::test]
    async fn garbage_hash_is_err_without_leaking() {
        let h = fast();
        for garbage in [
            "",
            "not a hash",
            "$argon2id$v=19$m=oops",
            "$argon2id$v=19$m=1024,t=1,p=1$c2FsdA$",
        ] {
            let err = h
                .verify("pw", &PasswordHash(garbage.to_owned()))
                .await
                .unwrap_err();
            assert!(matches!(err, Error::Backend { .. }), "{err:?}");
            if !garbage.is_empty() {
                assert!(!err.to_string().contains(garbage));
            }
        }
    }

    #[tokio::test]
    async fn verify_dummy_runs_and_caches() {
        let h = fast();
        h.verify_dummy("whatever").await;
        let (first, fresh) = h.dummy_hash();
        assert!(!fresh);
        let first = first.cloned();
        assert!(first.is_some());
        h.verify_dummy("again").await;
        assert_eq!(h.dummy_hash().0.cloned(), first);
        let d = first.unwrap();
        assert!(d.0.starts_with("$argon2id$v=19$m=1024,t=1,p=1$"));
    }

    #[test]
    fn invalid_params_rejected() {
        let err = Argon2Hasher::with_params(1024, 0, 1).unwrap_err();
        assert_eq!(err.field_errors()[0].field, "argon2_params");
        assert!(Argon2Hasher::with_params(1, 1, 1).is_err());
    }

    #[test]
    fn debug_shows_params_only() {
        let s = format!("{:?}", fast());
        assert!(s.contains("m_cost_kib: 1024"));
        assert!(!s.contains("argon2id$"));
    }
}
