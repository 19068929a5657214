//! Authentication: password hashing and policy, JWT access tokens, opaque refresh and reset
//! tokens.

mod argon2_memory;
mod jwt;
mod model;
mod opaque;
mod password;
mod password_policy;

pub use jwt::{AccessClaims, JwtConfig, JwtIssuer, MIN_JWT_SECRET_BYTES};
pub use model::{RefreshToken, ResetToken, RotateOutcome};
pub use opaque::{hash_token, new_opaque_token};
pub use password::{Argon2Hasher, PasswordHasher};
pub use password_policy::{check_password_policy, MAX_PASSWORD_CHARS, MIN_PASSWORD_CHARS};
