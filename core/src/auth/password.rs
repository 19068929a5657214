//! Password hashing: the [`PasswordHasher`] port and its argon2id implementation.

use std::fmt;
use std::sync::{Arc, OnceLock};

use argon2::password_hash::{Output, ParamsString, PasswordHash as PhcHash, Salt, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use async_trait::async_trait;
use rand::rngs::OsRng;
use rand::RngCore as _;

use super::argon2_memory;
use crate::identity::PasswordHash;
use crate::{Error, Result};

/// The only algorithm hashed and accepted.
const ALGORITHM: Algorithm = Algorithm::Argon2id;
/// The version new hashes use (verification honours the stored one).
const VERSION: Version = Version::V0x13;

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
/// Hashes are PHC strings (`$argon2id$v=19$m=…,t=…,p=…$salt$hash`, 16-byte salt, 32-byte
/// output), the same as the argon2 crate's `PasswordHasher` produces, and either side
/// verifies the other's.
///
/// Memory: each thread that hashes or verifies keeps one working buffer of the configured
/// memory cost (19 MiB with [`owasp`](Self::owasp)) for reuse until it exits, instead of
/// allocating one per call (which glibc's per-thread arenas turned into hundreds of
/// megabytes). So memory is bounded by the number of threads that hash: a fixed pool such as
/// medsync-http's `BlockingHasher` keeps one buffer per pool thread, while calling the async
/// methods directly on a Tokio runtime keeps one per worker thread (and per blocking thread
/// while it lives, under `spawn_blocking`).
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
        Argon2::new(ALGORITHM, VERSION, self.params.clone())
    }

    /// [`PasswordHasher::hash`] on the calling thread (CPU-bound: tens of milliseconds with
    /// OWASP parameters). For adapters that move the work to a blocking pool.
    pub fn hash_sync(&self, password: &str) -> Result<PasswordHash> {
        let mut salt_bytes = [0u8; Salt::RECOMMENDED_LENGTH];
        OsRng.fill_bytes(&mut salt_bytes);
        let salt = SaltString::encode_b64(&salt_bytes).map_err(|_| backend("salt encoding"))?;
        let failed = || backend("password hashing failed");
        let mut out = [0u8; Params::DEFAULT_OUTPUT_LEN];
        self.compute(&self.argon2(), password, &salt_bytes, &mut out)
            .map_err(|_| failed())?;
        // The PHC string the argon2 crate's own `PasswordHasher` would build.
        let phc = PhcHash {
            algorithm: ALGORITHM.ident(),
            version: Some(VERSION.into()),
            params: ParamsString::try_from(&self.params).map_err(|_| failed())?,
            salt: Some(salt.as_salt()),
            hash: Some(Output::new(&out).map_err(|_| failed())?),
        };
        Ok(PasswordHash(phc.to_string()))
    }

    /// [`PasswordHasher::verify`] on the calling thread.
    ///
    /// Honours the version and costs stored in `hash`, so hashes made with other parameters
    /// still verify. Errs when `hash` is not a PHC string with a salt and an output
    /// ("malformed"), or is not argon2id or has parameters argon2 rejects ("unusable").
    /// Outputs are compared in constant time.
    pub fn verify_sync(&self, password: &str, hash: &PasswordHash) -> Result<bool> {
        let malformed = || backend("stored password hash is malformed");
        let parsed = PhcHash::new(&hash.0).map_err(|_| malformed())?;
        let (Some(salt), Some(expected)) = (parsed.salt, parsed.hash) else {
            return Err(malformed());
        };
        if parsed.algorithm != ALGORITHM.ident() {
            return Err(unusable(()));
        }
        let version = match parsed.version {
            Some(v) => Version::try_from(v).map_err(unusable)?,
            None => Version::default(),
        };
        let params = Params::try_from(&parsed).map_err(unusable)?;
        let argon2 = Argon2::new(ALGORITHM, version, params);
        let mut salt_buf = [0u8; Salt::MAX_LENGTH];
        let salt = salt.decode_b64(&mut salt_buf).map_err(unusable)?;
        let mut out = [0u8; Output::MAX_LENGTH];
        let out = &mut out[..expected.len()];
        self.compute(&argon2, password, salt, out)
            .map_err(unusable)?;
        // `Output`'s equality is constant-time.
        Ok(Output::new(out).map_err(unusable)? == expected)
    }

    /// Runs `argon2` on this thread's reused memory, kept at this hasher's memory cost.
    fn compute(
        &self,
        argon2: &Argon2<'_>,
        password: &str,
        salt: &[u8],
        out: &mut [u8],
    ) -> argon2::Result<()> {
        let keep_blocks = self.params.block_count();
        argon2_memory::hash_into(argon2, password.as_bytes(), salt, out, keep_blocks)
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

/// The error for a stored hash that parses but cannot be used; discards `_cause`, whose text
/// could echo the hash.
fn unusable<E>(_cause: E) -> Error {
    backend("stored password hash is unusable")
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

    /// A hash made by the argon2 crate's standard (allocating) path.
    fn standard_hash(argon2: &Argon2<'_>, password: &str) -> PasswordHash {
        use argon2::password_hash::PasswordHasher as _;
        let salt = SaltString::encode_b64(b"sixteen byte slt").unwrap();
        let phc = argon2.hash_password(password.as_bytes(), &salt).unwrap();
        PasswordHash(phc.to_string())
    }

    fn standard_verify(password: &str, hash: &PasswordHash) -> bool {
        use argon2::password_hash::PasswordVerifier as _;
        let parsed = PhcHash::new(&hash.0).unwrap();
        Argon2::default()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok()
    }

    #[test]
    fn hashes_verify_with_the_standard_argon2_path_and_back() {
        for h in [fast(), Argon2Hasher::owasp()] {
            let ours = h.hash_sync("interoperable password").unwrap();
            assert!(standard_verify("interoperable password", &ours));
            assert!(!standard_verify("interoperable passworD", &ours));
            // Twice: the second run reuses this thread's memory.
            let theirs = standard_hash(&h.argon2(), "stored before the change");
            for _ in 0..2 {
                assert!(h.verify_sync("stored before the change", &theirs).unwrap());
                assert!(!h.verify_sync("stored before the changE", &theirs).unwrap());
            }
        }
        // The OWASP parameters are argon2's defaults: the same PHC prefix either way.
        let owasp = Argon2Hasher::owasp().hash_sync("pw").unwrap().0;
        let default = standard_hash(&Argon2::default(), "pw").0;
        assert_eq!(owasp.rsplitn(3, '$').last(), default.rsplitn(3, '$').last());
    }

    #[test]
    fn honours_cheaper_params_versions_and_output_lengths_in_stored_hashes() {
        let h = Argon2Hasher::owasp();
        h.hash_sync("fills this thread's memory").unwrap();
        let cheaper = Params::new(2048, 3, 2, Some(64)).unwrap();
        for version in [Version::V0x13, Version::V0x10] {
            let stored = standard_hash(&Argon2::new(ALGORITHM, version, cheaper.clone()), "pw");
            assert!(h.verify_sync("pw", &stored).unwrap(), "{}", stored.0);
            assert!(!h.verify_sync("pW", &stored).unwrap());
        }
    }

    #[test]
    fn other_argon2_variants_are_unusable() {
        for algorithm in [Algorithm::Argon2i, Algorithm::Argon2d] {
            let params = Params::new(1024, 1, 1, None).unwrap();
            let stored = standard_hash(&Argon2::new(algorithm, VERSION, params), "pw");
            let err = fast().verify_sync("pw", &stored).unwrap_err();
            assert!(matches!(err, Error::Backend { .. }), "{err:?}");
            assert!(!err.to_string().contains(&stored.0));
        }
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
