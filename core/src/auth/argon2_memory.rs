//! argon2 block memory reused across hashes: one buffer per thread.
//!
//! argon2 needs its whole memory cost as working memory for every hash (19 MiB with the
//! OWASP parameters). Allocating it per call lets glibc keep freed buffers in per-thread
//! arenas: after ~90 logins a server held 720 MB with no data (docs/PERFORMANCE.md, "argon2
//! and glibc's arenas"). Here each thread allocates its buffer once and reuses it, so the
//! memory held is one buffer per thread that ever hashed, released when that thread exits.

use std::cell::RefCell;

use argon2::{Argon2, Block};

thread_local! {
    /// This thread's argon2 working memory; empty until the thread first hashes.
    static BLOCKS: RefCell<Vec<Block>> = const { RefCell::new(Vec::new()) };
}

/// Computes `argon2`'s output for `password` and `salt` into `out` (its length is the output
/// length), like [`Argon2::hash_password_into`] but on this thread's reused memory.
///
/// The thread's buffer holds at most `keep_blocks` blocks (callers pass their configured
/// cost's [`Params::block_count`](argon2::Params::block_count)); it grows to that size on
/// first use and is never shrunk. A computation needing more (a stored hash made with a
/// higher memory cost) gets a buffer of its own that is freed afterwards, so a stray costly
/// hash cannot inflate what every thread keeps. One needing less uses a prefix of the
/// buffer: argon2 writes every block before reading it, so earlier contents do not matter.
///
/// Errors as [`Argon2::hash_password_into_with_memory`] does (output or salt length).
pub(super) fn hash_into(
    argon2: &Argon2<'_>,
    password: &[u8],
    salt: &[u8],
    out: &mut [u8],
    keep_blocks: usize,
) -> argon2::Result<()> {
    let needed = argon2.params().block_count();
    if needed <= keep_blocks {
        // `None` when the buffer is unavailable: borrowed (a re-entrant call) or already
        // destroyed (called from another thread-local's destructor). Then fall through.
        let reused = BLOCKS.try_with(|cell| {
            let mut blocks = cell.try_borrow_mut().ok()?;
            if blocks.len() < needed {
                // Free the old buffer before allocating the new one, and size it exactly.
                *blocks = Vec::new();
                *blocks = vec![Block::new(); keep_blocks];
            }
            Some(argon2.hash_password_into_with_memory(
                password,
                salt,
                &mut *out,
                &mut blocks[..needed],
            ))
        });
        if let Ok(Some(result)) = reused {
            return result;
        }
    }
    argon2.hash_password_into_with_memory(password, salt, out, vec![Block::new(); needed])
}

#[cfg(test)]
mod tests {
    use argon2::{Algorithm, Params, Version};

    use super::*;

    fn argon2(m_cost_kib: u32) -> Argon2<'static> {
        let params = Params::new(m_cost_kib, 1, 1, None).expect("valid params");
        Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
    }

    fn reference(argon2: &Argon2<'_>, password: &[u8], salt: &[u8]) -> [u8; 32] {
        let mut out = [0u8; 32];
        argon2.hash_password_into(password, salt, &mut out).unwrap();
        out
    }

    fn buffer_len() -> usize {
        BLOCKS.with_borrow(Vec::len)
    }

    #[test]
    fn reused_memory_gives_the_reference_output() {
        let (small, big) = (argon2(64), argon2(256));
        let salt = b"sixteen byte slt";
        // Fill the buffer with one computation, then reuse it (whole and as a prefix).
        for (a, pw) in [(&big, &b"one"[..]), (&big, b"two"), (&small, b"three")] {
            let mut out = [0u8; 32];
            hash_into(a, pw, salt, &mut out, 256).unwrap();
            assert_eq!(out, reference(a, pw, salt));
        }
        assert_eq!(buffer_len(), 256);
    }

    #[test]
    fn a_costlier_hash_does_not_grow_the_kept_buffer() {
        let (kept, costly) = (argon2(64), argon2(512));
        let mut out = [0u8; 32];
        hash_into(&kept, b"pw", b"saltsaltsalt", &mut out, 64).unwrap();
        hash_into(&costly, b"pw", b"saltsaltsalt", &mut out, 64).unwrap();
        assert_eq!(out, reference(&costly, b"pw", b"saltsaltsalt"));
        assert_eq!(buffer_len(), 64);
    }

    #[test]
    fn bad_inputs_are_errors() {
        let mut out = [0u8; 32];
        let short_salt = hash_into(&argon2(64), b"pw", b"salt", &mut out, 64);
        assert_eq!(short_salt, Err(argon2::Error::SaltTooShort));
        let short_out = hash_into(&argon2(64), b"pw", b"saltsaltsalt", &mut out[..2], 64);
        assert_eq!(short_out, Err(argon2::Error::OutputTooShort));
    }
}
