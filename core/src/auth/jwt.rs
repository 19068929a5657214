//! Short-lived HS256 JWT access tokens carrying an [`Actor`].
//!
//! The algorithm is pinned to HS256, issuer and audience are required and checked, and time
//! is injected: expiry and not-before are checked against the caller's `now`, never the
//! system clock. Every verification failure is a generic [`Error::Unauthenticated`] that
//! never echoes the token.

use std::fmt;
use std::sync::Once;

use chrono::{DateTime, Duration, Utc};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use rand::rngs::OsRng;
use rand::RngCore as _;
use serde::{Deserialize, Serialize};

use crate::identity::Role;
use crate::ids::{PatientId, UserId};
use crate::policy::Actor;
use crate::{Error, Result};

/// Minimum length of the HMAC secret, in bytes (the HS256 output size).
pub const MIN_JWT_SECRET_BYTES: usize = 32;
/// Tolerated clock skew for `nbf`, in seconds.
const NBF_SKEW_SECS: i64 = 30;
/// Tokens longer than this are rejected before parsing.
const MAX_TOKEN_BYTES: usize = 8 * 1024;

const INVALID: &str = "invalid access token";
const EXPIRED: &str = "access token expired";

/// Settings of the access-token issuer. `Debug` redacts the secret.
#[derive(Clone)]
pub struct JwtConfig {
    /// HMAC-SHA256 key; at least 32 bytes of high-entropy secret.
    pub secret: Vec<u8>,
    /// `iss` claim written and required.
    pub issuer: String,
    /// `aud` claim written and required.
    pub audience: String,
    /// Lifetime of an access token; must be positive.
    pub access_ttl: Duration,
}

impl JwtConfig {
    /// A config with `secret`, issuer `"medsync"`, audience `"medsync-api"` and a 15-minute
    /// access-token lifetime. The secret's length is checked by [`JwtIssuer::new`].
    pub fn new(secret: impl Into<Vec<u8>>) -> Self {
        Self {
            secret: secret.into(),
            issuer: "medsync".to_owned(),
            audience: "medsync-api".to_owned(),
            access_ttl: Duration::minutes(15),
        }
    }
}

impl fmt::Debug for JwtConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("JwtConfig")
            .field("secret", &"<redacted>")
            .field("issuer", &self.issuer)
            .field("audience", &self.audience)
            .field("access_ttl", &self.access_ttl)
            .finish()
    }
}

/// The claims of a MedSync access token.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccessClaims {
    /// The user (UUID string).
    pub sub: UserId,
    /// The user's role at issue time.
    pub role: Role,
    /// For patient users, their own chart.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pid: Option<PatientId>,
    /// Issued at (Unix seconds).
    pub iat: i64,
    /// Expiry (Unix seconds); the token is valid while `now < exp`.
    pub exp: i64,
    /// Not before (Unix seconds).
    pub nbf: i64,
    /// Issuer.
    pub iss: String,
    /// Audience.
    pub aud: String,
    /// Unique token id (random UUID).
    pub jti: String,
}

/// Issues and verifies access tokens. `Debug` never prints the keys.
#[derive(Clone)]
pub struct JwtIssuer {
    encoding: EncodingKey,
    decoding: DecodingKey,
    validation: Validation,
    issuer: String,
    audience: String,
    access_ttl: Duration,
}

impl fmt::Debug for JwtIssuer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("JwtIssuer")
            .field("issuer", &self.issuer)
            .field("audience", &self.audience)
            .field("access_ttl", &self.access_ttl)
            .finish_non_exhaustive()
    }
}

/// Makes sure jsonwebtoken has a crypto provider, whatever features other crates enable.
fn ensure_crypto_provider() {
    static INSTALL: Once = Once::new();
    INSTALL.call_once(|| {
        // Err means another provider is already installed, which is fine.
        let _ = jsonwebtoken::crypto::rust_crypto::DEFAULT_PROVIDER.install_default();
    });
}

impl JwtIssuer {
    /// An issuer for `config`.
    ///
    /// Errors with [`Error::InvalidInput`]: field `jwt_secret` if the secret is shorter than
    /// 32 bytes, field `jwt_access_ttl` if the lifetime is not positive.
    pub fn new(config: JwtConfig) -> Result<Self> {
        if config.secret.len() < MIN_JWT_SECRET_BYTES {
            return Err(Error::invalid("jwt_secret", "must be at least 32 bytes"));
        }
        if config.access_ttl <= Duration::zero() {
            return Err(Error::invalid("jwt_access_ttl", "must be positive"));
        }
        ensure_crypto_provider();
        let mut validation = Validation::new(Algorithm::HS256);
        // Time is checked against the injected `now` in `verify`.
        validation.validate_exp = false;
        validation.validate_nbf = false;
        validation.leeway = 0;
        validation.validate_aud = true;
        validation.set_issuer(&[config.issuer.as_str()]);
        validation.set_audience(&[config.audience.as_str()]);
        validation.set_required_spec_claims(&["exp", "sub", "iss", "aud"]);
        Ok(Self {
            encoding: EncodingKey::from_secret(&config.secret),
            decoding: DecodingKey::from_secret(&config.secret),
            validation,
            issuer: config.issuer,
            audience: config.audience,
            access_ttl: config.access_ttl,
        })
    }

    /// The lifetime of the tokens this issuer signs.
    pub fn access_ttl(&self) -> Duration {
        self.access_ttl
    }

    /// Signs an access token for `actor`, issued at `now`. Returns the token and its expiry
    /// (`now + access_ttl`, truncated to whole seconds like the `exp` claim).
    ///
    /// Errors with [`Error::Backend`] only if signing fails or the expiry overflows.
    pub fn issue(&self, actor: &Actor, now: DateTime<Utc>) -> Result<(String, DateTime<Utc>)> {
        let iat = now.timestamp();
        let expires_at = now
            .checked_add_signed(self.access_ttl)
            .and_then(|e| DateTime::from_timestamp(e.timestamp(), 0))
            .ok_or_else(|| backend("access token expiry out of range"))?;
        let mut jti = [0u8; 16];
        OsRng.fill_bytes(&mut jti);
        let claims = AccessClaims {
            sub: actor.user_id,
            role: actor.role,
            pid: actor.patient_id,
            iat,
            exp: expires_at.timestamp(),
            nbf: iat,
            iss: self.issuer.clone(),
            aud: self.audience.clone(),
            jti: uuid::Builder::from_random_bytes(jti)
                .into_uuid()
                .to_string(),
        };
        let token = jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &self.encoding)
            .map_err(|_| backend("failed to sign access token"))?;
        Ok((token, expires_at))
    }

    /// Verifies `token` at `now` and returns the actor it carries.
    ///
    /// Requires an HS256 signature with this issuer's secret (other algorithms, including
    /// `none`, are rejected), the configured `iss` and `aud`, `exp > now` and
    /// `nbf <= now + 30 s`. Every failure is [`Error::Unauthenticated`] with the message
    /// `"access token expired"` or `"invalid access token"`.
    pub fn verify(&self, token: &str, now: DateTime<Utc>) -> Result<Actor> {
        if token.len() > MAX_TOKEN_BYTES {
            return Err(Error::Unauthenticated(INVALID.to_owned()));
        }
        let data = jsonwebtoken::decode::<AccessClaims>(token, &self.decoding, &self.validation)
            .map_err(|_| Error::Unauthenticated(INVALID.to_owned()))?;
        let claims = data.claims;
        let now = now.timestamp();
        if claims.nbf > now.saturating_add(NBF_SKEW_SECS)
            || claims.iat > now.saturating_add(NBF_SKEW_SECS)
        {
            return Err(Error::Unauthenticated(INVALID.to_owned()));
        }
        if claims.exp <= now {
            return Err(Error::Unauthenticated(EXPIRED.to_owned()));
        }
        Ok(Actor {
            user_id: claims.sub,
            role: claims.role,
            patient_id: claims.pid,
        })
    }
}

/// A `Backend` error with a fixed, secret-free message.
fn backend(message: &str) -> Error {
    Error::Backend {
        message: message.to_owned(),
        source: None,
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone as _;
    use uuid::Uuid;

    use super::*;

    const SECRET: &[u8] = b"0123456789abcdef0123456789abcdef-test-secret";

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2025, 3, 1, 9, 30, 0).unwrap()
    }

    fn issuer() -> JwtIssuer {
        JwtIssuer::new(JwtConfig::new(SECRET)).unwrap()
    }

    fn patient() -> Actor {
        Actor {
            user_id: UserId(Uuid::from_u128(0x0190_0000_0000_7000_8000_0000_0000_0001)),
            role: Role::Patient,
            patient_id: Some(PatientId(Uuid::from_u128(42))),
        }
    }

    fn doctor() -> Actor {
        Actor {
            user_id: UserId(Uuid::from_u128(7)),
            role: Role::Doctor,
            patient_id: None,
        }
    }

    /// Minimal unpadded base64url encoder for hand-crafted tokens.
    fn b64url(bytes: &[u8]) -> String {
        const A: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
        let mut out = String::new();
        for chunk in bytes.chunks(3) {
            let b = [
                chunk[0],
                *chunk.get(1).unwrap_or(&0),
                *chunk.get(2).unwrap_or(&0),
            ];
            let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
            for i in 0..=chunk.len() {
                out.push(char::from(A[((n >> (18 - 6 * i)) & 63) as usize]));
            }
        }
        out
    }

    fn claims_json(iss: &str, aud: &str, role: &str, exp: i64) -> String {
        let t = now().timestamp();
        format!(
            r#"{{"sub":"{}","role":"{role}","iat":{t},"exp":{exp},"nbf":{t},"iss":"{iss}","aud":"{aud}","jti":"x"}}"#,
            doctor().user_id
        )
    }

    fn assert_invalid(result: Result<Actor>) {
        match result {
            Err(Error::Unauthenticated(m)) => assert_eq!(m, INVALID),
            other => panic!("expected invalid access token, got {other:?}"),
        }
    }

    #[test]
    fn b64url_matches_known_values() {
        assert_eq!(
            b64url(br#"{"alg":"none","typ":"JWT"}"#),
            "eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0"
        );
        assert_eq!(b64url(b"f"), "Zg");
        assert_eq!(b64url(b"fo"), "Zm8");
        assert_eq!(b64url(b"foo"), "Zm9v");
    }

    #[test]
    fn round_trip() {
        let iss = issuer();
        for actor in [patient(), doctor()] {
            let (token, exp) = iss.issue(&actor, now()).unwrap();
            assert_eq!(exp, now() + Duration::minutes(15));
            assert_eq!(iss.verify(&token, now()).unwrap(), actor);
            let later = now() + Duration::minutes(14) + Duration::seconds(59);
            assert_eq!(iss.verify(&token, later).unwrap(), actor);
        }
        assert_eq!(iss.access_ttl(), Duration::minutes(15));
    }

    #[test]
    fn claims_are_as_specified() {
        let iss = issuer();
        let (token, _) = iss.issue(&patient(), now()).unwrap();
        let (t2, _) = iss.issue(&patient(), now()).unwrap();
        assert_ne!(token, t2, "jti makes every token unique");
        let c = jsonwebtoken::decode::<AccessClaims>(&token, &iss.decoding, &iss.validation)
            .unwrap()
            .claims;
        assert_eq!(c.sub, patient().user_id);
        assert_eq!(c.pid, patient().patient_id);
        assert_eq!(c.iss, "medsync");
        assert_eq!(c.aud, "medsync-api");
        assert_eq!(c.iat, now().timestamp());
        assert_eq!(c.nbf, now().timestamp());
        assert_eq!(c.exp, now().timestamp() + 900);
        assert!(Uuid::parse_str(&c.jti).is_ok());
        let header = jsonwebtoken::decode_header(&token).unwrap();
        assert_eq!(header.alg, Algorithm::HS256);
    }

    #[test]
    fn expired_rejected() {
        let iss = issuer();
        let (token, exp) = iss.issue(&doctor(), now()).unwrap();
        for at in [exp, exp + Duration::seconds(1), exp + Duration::days(30)] {
            match iss.verify(&token, at) {
                Err(Error::Unauthenticated(m)) => assert_eq!(m, EXPIRED),
                other => panic!("{other:?}"),
            }
        }
    }

    #[test]
    fn not_yet_valid_rejected_beyond_skew() {
        let iss = issuer();
        let (token, _) = iss.issue(&doctor(), now()).unwrap();
        assert!(iss.verify(&token, now() - Duration::seconds(30)).is_ok());
        assert_invalid(iss.verify(&token, now() - Duration::seconds(31)));
    }

    #[test]
    fn wrong_secret_rejected() {
        let (token, _) = issuer().issue(&doctor(), now()).unwrap();
        let other = JwtIssuer::new(JwtConfig::new(vec![7u8; 32])).unwrap();
        assert_invalid(other.verify(&token, now()));
    }

    #[test]
    fn wrong_issuer_rejected() {
        let mut cfg = JwtConfig::new(SECRET);
        cfg.issuer = "evil".into();
        let (token, _) = JwtIssuer::new(cfg)
            .unwrap()
            .issue(&doctor(), now())
            .unwrap();
        assert_invalid(issuer().verify(&token, now()));
    }

    #[test]
    fn wrong_audience_rejected() {
        let mut cfg = JwtConfig::new(SECRET);
        cfg.audience = "other-api".into();
        let (token, _) = JwtIssuer::new(cfg)
            .unwrap()
            .issue(&doctor(), now())
            .unwrap();
        assert_invalid(issuer().verify(&token, now()));
    }

    #[test]
    fn alg_none_rejected() {
        let iss = issuer();
        let header = b64url(br#"{"alg":"none","typ":"JWT"}"#);
        let exp = now().timestamp() + 600;
        let payload = b64url(claims_json("medsync", "medsync-api", "admin", exp).as_bytes());
        assert_invalid(iss.verify(&format!("{header}.{payload}."), now()));
        // Attaching a real HS256 signature does not help a token whose header says `none`.
        let (good, _) = iss.issue(&doctor(), now()).unwrap();
        let sig = good.rsplit('.').next().unwrap();
        assert_invalid(iss.verify(&format!("{header}.{payload}.{sig}"), now()));
    }

    #[test]
    fn hs512_with_same_secret_rejected() {
        let iss = issuer();
        let claims: AccessClaims = serde_json::from_str(&claims_json(
            "medsync",
            "medsync-api",
            "doctor",
            now().timestamp() + 600,
        ))
        .unwrap();
        let token = jsonwebtoken::encode(
            &Header::new(Algorithm::HS512),
            &claims,
            &EncodingKey::from_secret(SECRET),
        )
        .unwrap();
        assert_invalid(iss.verify(&token, now()));
        // The same claims signed with HS256 verify, so only the algorithm is at fault.
        let ok = jsonwebtoken::encode(
            &Header::new(Algorithm::HS256),
            &claims,
            &EncodingKey::from_secret(SECRET),
        )
        .unwrap();
        assert_eq!(iss.verify(&ok, now()).unwrap(), doctor());
    }

    #[test]
    fn tampered_payload_rejected() {
        let iss = issuer();
        let (token, _) = iss.issue(&doctor(), now()).unwrap();
        let parts: Vec<&str> = token.split('.').collect();
        assert_eq!(parts.len(), 3);
        let forged = b64url(
            claims_json("medsync", "medsync-api", "admin", now().timestamp() + 600).as_bytes(),
        );
        let tampered = format!("{}.{}.{}", parts[0], forged, parts[2]);
        assert_invalid(iss.verify(&tampered, now()));
    }

    #[test]
    fn garbage_rejected_without_echo() {
        let iss = issuer();
        for t in [
            "",
            "abc",
            "a.b.c",
            "eyJhbGciOiJIUzI1NiJ9..",
            &"x".repeat(10_000),
        ] {
            let err = iss.verify(t, now()).unwrap_err();
            assert!(matches!(&err, Error::Unauthenticated(m) if m == INVALID));
        }
        let (token, _) = iss.issue(&doctor(), now()).unwrap();
        let err = iss.verify(&token, now() + Duration::hours(1)).unwrap_err();
        assert!(!err.to_string().contains(&token));
        assert!(!format!("{err:?}").contains(&token));
    }

    #[test]
    fn short_secret_rejected() {
        let err = JwtIssuer::new(JwtConfig::new(vec![1u8; 31])).unwrap_err();
        let f = &err.field_errors()[0];
        assert_eq!(
            (f.field.as_str(), f.message.as_str()),
            ("jwt_secret", "must be at least 32 bytes")
        );
        assert!(JwtIssuer::new(JwtConfig::new(vec![1u8; 32])).is_ok());
    }

    #[test]
    fn non_positive_ttl_rejected() {
        let mut cfg = JwtConfig::new(SECRET);
        cfg.access_ttl = Duration::zero();
        let err = JwtIssuer::new(cfg).unwrap_err();
        assert_eq!(err.field_errors()[0].field, "jwt_access_ttl");
    }

    #[test]
    fn debug_redacts_secret() {
        let cfg = JwtConfig::new(SECRET);
        let s = format!("{cfg:?}");
        assert!(s.contains("<redacted>"));
        assert!(!s.contains("0123456789abcdef"));
        assert!(!s.contains(&format!("{:?}", SECRET)));
        let s = format!("{:?}", JwtIssuer::new(cfg).unwrap());
        assert!(!s.contains("0123456789abcdef"));
        assert!(!s.contains("48, 49, 50"));
    }
}
