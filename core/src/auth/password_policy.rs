//! The password policy applied when a password is set (registration, change, reset).
//!
//! Follows NIST SP 800-63B: a length floor, a length ceiling, no composition rules (spaces and
//! any Unicode are welcome, so passphrases work), and a deny-list of common, trivially
//! guessable or personal passwords.

use std::collections::HashSet;
use std::sync::OnceLock;

use crate::{Error, Result};

/// Maximum length, in characters.
pub const MAX_PASSWORD_CHARS: usize = 128;
/// Minimum length, in characters.
///
/// There is no separate, shorter rule for passphrases: any passphrase worth the name (four
/// words of three letters and their spaces) is already longer than this.
pub const MIN_PASSWORD_CHARS: usize = 12;
/// Context items (name, email local part) shorter than this are not checked.
const CONTEXT_MIN_CHARS: usize = 4;

/// Bundled deny-list: one password per line, `#` comments.
const COMMON_PASSWORDS: &str = include_str!("common_passwords.txt");

/// Character sequences (treated as cyclic) that a password must not merely walk along.
const SEQUENCES: [&str; 4] = [
    "0123456789",
    "abcdefghijklmnopqrstuvwxyz",
    "qwertyuiopasdfghjklzxcvbnm",
    "1234567890-=",
];

/// Checks `password` against the policy.
///
/// Accepts a password of 12 to 128 characters (Unicode scalar values), unless it
/// - is in the bundled list of common passwords (case-insensitive),
/// - is a single character repeated, or a pure run along the digits, the alphabet or a
///   keyboard row (`"123456789012345"`, `"qwertyuiopas"`), forwards or backwards,
/// - contains one of `context` (the user's name, email local part, …), case-insensitively;
///   each item is checked whole and split into its alphanumeric parts, and only items or
///   parts of at least 4 characters count.
///
/// On failure returns [`Error::InvalidInput`] with one field error on `field` whose message
/// explains the rule; the password itself is never echoed.
pub fn check_password_policy(password: &str, field: &str, context: &[&str]) -> Result<()> {
    let reject = |message: &str| Err(Error::invalid(field, message));
    let chars = password.chars().count();
    if chars > MAX_PASSWORD_CHARS {
        return reject("must be at most 128 characters");
    }
    if chars < MIN_PASSWORD_CHARS {
        return reject("must be at least 12 characters (a passphrase of a few words works well)");
    }
    let lower = password.to_lowercase();
    if common_passwords().contains(lower.trim()) {
        return reject("is too common; choose a less predictable password");
    }
    if is_repeated_char(&lower) {
        return reject("must not be a single repeated character");
    }
    if is_sequence(&lower) {
        return reject("must not be a simple sequence of digits, letters or keyboard keys");
    }
    if contains_context(&lower, context) {
        return reject("must not contain your name or email address");
    }
    Ok(())
}

/// The deny-list, lower-cased, built once.
fn common_passwords() -> &'static HashSet<String> {
    static SET: OnceLock<HashSet<String>> = OnceLock::new();
    SET.get_or_init(|| {
        COMMON_PASSWORDS
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty() && !l.starts_with('#'))
            .map(str::to_lowercase)
            .collect()
    })
}

/// Every character equal to the first (an empty string is not "repeated").
fn is_repeated_char(lower: &str) -> bool {
    let mut it = lower.chars();
    it.next().is_some_and(|first| it.all(|c| c == first))
}

/// The whole password walks one step at a time, in one direction, along a cyclic sequence.
fn is_sequence(lower: &str) -> bool {
    let chars: Vec<char> = lower.chars().collect();
    if chars.len() < 2 {
        return false;
    }
    SEQUENCES.iter().any(|seq| {
        let seq: Vec<char> = seq.chars().collect();
        let n = seq.len();
        let Some(idx) = chars
            .iter()
            .map(|c| seq.iter().position(|s| s == c))
            .collect::<Option<Vec<usize>>>()
        else {
            return false;
        };
        let forward = idx.windows(2).all(|w| (w[0] + 1) % n == w[1]);
        let backward = idx.windows(2).all(|w| (w[1] + 1) % n == w[0]);
        forward || backward
    })
}

/// The password contains a context item, or an alphanumeric part of one, of ≥ 4 characters.
fn contains_context(lower: &str, context: &[&str]) -> bool {
    context.iter().any(|item| {
        let item = item.trim().to_lowercase();
        std::iter::once(item.as_str())
            .chain(item.split(|c: char| !c.is_alphanumeric()))
            .filter(|part| part.chars().count() >= CONTEXT_MIN_CHARS)
            .any(|part| lower.contains(part))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn message(password: &str, context: &[&str]) -> String {
        let err = check_password_policy(password, "new_password", context).unwrap_err();
        let fields = err.field_errors();
        assert_eq!(fields.len(), 1);
        assert_eq!(fields[0].field, "new_password");
        assert!(!err.to_string().contains(password) || password.len() < 4);
        fields[0].message.clone()
    }

    #[test]
    fn accepts_random_looking_password() {
        check_password_policy("vK7#pq2!Lm9zR", "password", &[]).unwrap();
        check_password_policy("bluefinch-otter-42", "password", &["alice"]).unwrap();
    }

    #[test]
    fn accepts_passphrase() {
        check_password_policy("purple monkey dishwasher lamp", "password", &[]).unwrap();
        check_password_policy("cat dog owl bee", "password", &[]).unwrap();
        // Words do not lower the floor.
        assert!(message("cat dog owl", &[]).contains("at least 12"));
    }

    #[test]
    fn accepts_exactly_max_length() {
        let p: String = "aB3$xY9!".repeat(16);
        assert_eq!(p.chars().count(), 128);
        check_password_policy(&p, "password", &[]).unwrap();
    }

    #[test]
    fn rejects_too_long() {
        let p: String = "aB3$xY9!".repeat(16) + "q";
        assert!(message(&p, &[]).contains("at most 128"));
    }

    #[test]
    fn rejects_too_short() {
        assert!(message("Xk9#mQ2z", &[]).contains("at least 12"));
        assert!(message("", &[]).contains("at least 12"));
        // Counted in characters, not bytes.
        assert!(message("ééééééx", &[]).contains("at least 12"));
    }

    #[test]
    fn rejects_common_passwords_case_insensitively() {
        for p in [
            "password1234",
            "qwertyuiop123",
            "123456789012",
            "iloveyou1234",
            "PassWord1234",
            "correct horse battery staple",
        ] {
            assert!(message(p, &[]).contains("too common"), "{p}");
        }
    }

    #[test]
    fn common_list_is_large_enough() {
        let set = common_passwords();
        assert!(set.len() >= 300, "{}", set.len());
        assert!(set.contains("123456"));
        assert!(!set.iter().any(|p| p.starts_with('#') || p.is_empty()));
    }

    #[test]
    fn rejects_repeated_character() {
        assert!(message("aaaaaaaaaaaa", &[]).contains("repeated"));
        assert!(message("!!!!!!!!!!!!!!", &[]).contains("repeated"));
        assert!(message("ZZZZzzzzZZZZ", &[]).contains("repeated"));
    }

    #[test]
    fn rejects_sequences() {
        for p in [
            "123456789012345",
            "543210987654321",
            "abcdefghijklmn",
            "qwertyuiopasdf",
            "mnbvcxzlkjhgfd",
            "34567890123456",
        ] {
            assert!(message(p, &[]).contains("sequence"), "{p}");
        }
        assert!(!is_sequence("1234567890x"));
        assert!(!is_sequence("13579135791357"));
    }

    #[test]
    fn rejects_context() {
        assert!(message("xX-Alice.Smith-2024", &["alice.smith", "Alice Smith"]).contains("name"));
        assert!(message("smithfamily!2024", &["Alice Smith"]).contains("name"));
        assert!(message("MyJohnDoe#Secret", &["jdoe", "John Doe"]).contains("name"));
    }

    #[test]
    fn short_context_items_ignored() {
        check_password_policy("bobcat-river-991", "password", &["bob", "Al Bo"]).unwrap();
        check_password_policy("bobcat-river-991", "password", &["", "   "]).unwrap();
    }
}
