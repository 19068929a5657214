//! Opaque bearer tokens (refresh and password-reset tokens) and their storage hashes.
//!
//! Only [`hash_token`] of a token is ever stored; the token itself is handed to the client
//! once and never logged.

use rand::rngs::OsRng;
use rand::RngCore as _;
use sha2::{Digest as _, Sha256};

use crate::audit::chain::to_hex;

/// Number of random bytes in an opaque token.
const TOKEN_BYTES: usize = 32;

/// A fresh opaque token: 32 bytes from the operating system's CSPRNG, as 64 lower-case hex
/// characters (URL-safe, no padding).
pub fn new_opaque_token() -> String {
    let mut bytes = [0u8; TOKEN_BYTES];
    OsRng.fill_bytes(&mut bytes);
    to_hex(&bytes)
}

/// The storage form of an opaque token: lower-case hex SHA-256 of its UTF-8 bytes
/// (64 characters). Deterministic, so a presented token can be looked up by its hash.
pub fn hash_token(token: &str) -> String {
    to_hex(&Sha256::digest(token.as_bytes()))
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use super::*;

    fn is_lower_hex(s: &str) -> bool {
        s.chars()
            .all(|c| c.is_ascii_digit() || ('a'..='f').contains(&c))
    }

    #[test]
    fn token_is_64_lower_hex() {
        let t = new_opaque_token();
        assert_eq!(t.len(), 64);
        assert!(is_lower_hex(&t));
    }

    #[test]
    fn tokens_are_unique() {
        let set: HashSet<String> = (0..1000).map(|_| new_opaque_token()).collect();
        assert_eq!(set.len(), 1000);
    }

    #[test]
    fn hash_is_deterministic_64_hex() {
        let t = new_opaque_token();
        let h = hash_token(&t);
        assert_eq!(h, hash_token(&t));
        assert_eq!(h.len(), 64);
        assert!(is_lower_hex(&h));
        assert_ne!(h, t);
        assert_ne!(h, hash_token(&new_opaque_token()));
    }

    #[test]
    fn hash_matches_known_vector() {
        assert_eq!(
            hash_token("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}
