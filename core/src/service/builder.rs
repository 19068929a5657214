use std::sync::Arc;

use chrono::Duration;

use super::{Config, Inner, MedSync};
use crate::auth::{Argon2Hasher, JwtConfig, JwtIssuer, PasswordHasher};
use crate::clock::{Clock, SystemClock};
use crate::error::{Error, Result};
use crate::files::{EicarScanner, FileScanner};
use crate::ids::{IdGen, V7Ids};
use crate::notify::{NoopNotifier, Notifier};
use crate::policy::PolicyEngine;
use crate::prescriptions::{CuratedInteractions, InteractionChecker};
use crate::scheduling::MAX_APPOINTMENT_MINUTES;
use crate::store::{FileStore, Store};

/// Builds a [`MedSync`]. Every port has a production default: the system clock, UUID v7 ids,
/// argon2id with OWASP parameters, no real-time notifier, the curated interaction table, the
/// standard policy.
pub struct MedSyncBuilder {
    store: Arc<dyn Store>,
    jwt: JwtConfig,
    clock: Arc<dyn Clock>,
    ids: Arc<dyn IdGen>,
    hasher: Arc<dyn PasswordHasher>,
    notifier: Arc<dyn Notifier>,
    interactions: Arc<dyn InteractionChecker>,
    files: Option<Arc<dyn FileStore>>,
    scanner: Arc<dyn FileScanner>,
    policy: PolicyEngine,
    config: Config,
}

impl MedSyncBuilder {
    pub(super) fn new(store: Arc<dyn Store>, jwt_secret: impl Into<Vec<u8>>) -> Self {
        Self {
            store,
            jwt: JwtConfig::new(jwt_secret),
            clock: Arc::new(SystemClock),
            ids: Arc::new(V7Ids),
            hasher: Arc::new(Argon2Hasher::owasp()),
            notifier: Arc::new(NoopNotifier),
            interactions: Arc::new(CuratedInteractions::default()),
            files: None,
            scanner: Arc::new(EicarScanner),
            policy: PolicyEngine::standard(),
            config: Config::default(),
        }
    }

    /// Injects the clock (tests pin and advance time).
    pub fn clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = clock;
        self
    }

    /// Injects the id generator.
    pub fn ids(mut self, ids: Arc<dyn IdGen>) -> Self {
        self.ids = ids;
        self
    }

    /// Injects the password hasher (e.g. one that runs argon2 on a blocking pool).
    pub fn hasher(mut self, hasher: Arc<dyn PasswordHasher>) -> Self {
        self.hasher = hasher;
        self
    }

    /// Injects the real-time notifier.
    pub fn notifier(mut self, notifier: Arc<dyn Notifier>) -> Self {
        self.notifier = notifier;
        self
    }

    /// Injects the drug-interaction checker (default: the built-in curated table).
    pub fn interactions(mut self, checker: Arc<dyn InteractionChecker>) -> Self {
        self.interactions = checker;
        self
    }

    /// Plugs in file storage for uploads (without it, uploads fail with a backend error).
    pub fn files(mut self, files: Arc<dyn FileStore>) -> Self {
        self.files = Some(files);
        self
    }

    /// Replaces the upload scanner (default: [`EicarScanner`], which only knows the EICAR
    /// test signature — plug in a real engine in production).
    pub fn scanner(mut self, scanner: Arc<dyn FileScanner>) -> Self {
        self.scanner = scanner;
        self
    }

    /// Replaces the policy engine (start from [`PolicyEngine::standard`] and add rules).
    pub fn policy(mut self, policy: PolicyEngine) -> Self {
        self.policy = policy;
        self
    }

    /// Replaces the tunables.
    pub fn config(mut self, config: Config) -> Self {
        self.config = config;
        self
    }

    /// Sets the JWT issuer and audience (defaults `medsync` / `medsync-api`).
    pub fn jwt_issuer(mut self, issuer: impl Into<String>, audience: impl Into<String>) -> Self {
        self.jwt.issuer = issuer.into();
        self.jwt.audience = audience.into();
        self
    }

    /// Sets the access-token lifetime (default 15 minutes).
    pub fn access_ttl(mut self, ttl: chrono::Duration) -> Self {
        self.jwt.access_ttl = ttl;
        self
    }

    /// Builds the service. Fails with `InvalidInput` on `jwt_secret` if it is shorter than
    /// 32 bytes, and on `max_appointment` unless it is more than zero and at most
    /// [`MAX_APPOINTMENT_MINUTES`] (what stores accept).
    pub fn build(self) -> Result<MedSync> {
        let longest = Duration::minutes(i64::from(MAX_APPOINTMENT_MINUTES));
        if self.config.max_appointment > longest || self.config.max_appointment <= Duration::zero()
        {
            return Err(Error::invalid(
                "max_appointment",
                "must be more than zero and at most 24 hours",
            ));
        }
        let jwt = JwtIssuer::new(self.jwt)?;
        Ok(MedSync {
            inner: Arc::new(Inner {
                store: self.store,
                clock: self.clock,
                ids: self.ids,
                hasher: self.hasher,
                jwt,
                notifier: self.notifier,
                interactions: self.interactions,
                files: self.files,
                scanner: self.scanner,
                policy: self.policy,
                config: self.config,
            }),
        })
    }
}
