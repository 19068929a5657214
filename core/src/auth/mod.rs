//! Authentication: password hashing and policy, JWT access tokens, opaque refresh and reset
//! tokens.

mod model;

pub use model::{RefreshToken, ResetToken, RotateOutcome};
