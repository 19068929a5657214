//! Conversions between domain values and their BSON representation, used by every module.
//!
//! Uuids become BSON binary subtype 4, instants BSON dates (milliseconds), versions and
//! counters `i64`. Nothing here parses caller-supplied text as a query.

use bson::Bson;
use chrono::{DateTime, Utc};
use futures::TryStreamExt;
use medsync_core::store::Page;
use medsync_core::{Error, Result};
use mongodb::{ClientSession, Cursor, SessionCursor};
use serde::Serialize;
use uuid::Uuid;

/// A uuid as BSON binary subtype 4.
pub(crate) fn bid(u: Uuid) -> bson::Uuid {
    bson::Uuid::from(u)
}

/// A BSON uuid back as a uuid.
pub(crate) fn uid(u: bson::Uuid) -> Uuid {
    Uuid::from(u)
}

/// An instant as a BSON date (sub-millisecond digits are dropped).
pub(crate) fn bdate(t: DateTime<Utc>) -> bson::DateTime {
    bson::DateTime::from_chrono(t)
}

/// A BSON date back as an instant.
pub(crate) fn cdate(t: bson::DateTime) -> DateTime<Utc> {
    t.to_chrono()
}

/// An optional instant as an optional BSON date.
pub(crate) fn bdate_opt(t: Option<DateTime<Utc>>) -> Option<bson::DateTime> {
    t.map(bdate)
}

/// An optional BSON date back as an optional instant.
pub(crate) fn cdate_opt(t: Option<bson::DateTime>) -> Option<DateTime<Utc>> {
    t.map(cdate)
}

/// A version or counter as stored (saturating; versions never get near `i64::MAX`).
pub(crate) fn i64_of(v: u64) -> i64 {
    i64::try_from(v).unwrap_or(i64::MAX)
}

/// A stored version or counter back as `u64` (a negative value, which MedSync never writes,
/// reads as 0).
pub(crate) fn u64_of(v: i64) -> u64 {
    u64::try_from(v).unwrap_or(0)
}

/// The BSON value of a unit enum's serde name (`AppointmentStatus::Confirmed` →
/// `"confirmed"`), for filters.
pub(crate) fn tag<T: Serialize>(v: &T) -> Bson {
    bson::to_bson(v).unwrap_or(Bson::Null)
}

/// A BSON array of uuids, for `$in` filters.
pub(crate) fn bids(ids: impl IntoIterator<Item = Uuid>) -> Vec<Bson> {
    ids.into_iter().map(|u| Bson::from(bid(u))).collect()
}

/// `(skip, limit)` of a clamped page.
pub(crate) fn page_bounds(page: Page) -> (u64, i64) {
    let page = page.clamped();
    (page.offset, i64::from(page.limit))
}

/// A case-insensitive regular expression matching `text` literally anywhere (every ASCII
/// punctuation character is escaped, so `.*`, `(`, `$` and `\` mean themselves).
pub(crate) fn literal_regex(text: &str) -> bson::Regex {
    let mut pattern = String::with_capacity(text.len() * 2);
    for c in text.chars() {
        if c.is_ascii_punctuation() {
            pattern.push('\\');
        }
        pattern.push(c);
    }
    bson::Regex {
        pattern,
        options: "i".to_owned(),
    }
}

/// A case-sensitive regular expression matching strings that start with `prefix` literally.
pub(crate) fn literal_prefix(prefix: &str) -> bson::Regex {
    let escaped = literal_regex(prefix).pattern;
    bson::Regex {
        pattern: format!("^{escaped}"),
        options: String::new(),
    }
}

/// A document that could not be decoded: the store holds something MedSync did not write.
pub(crate) fn corrupt(
    what: &'static str,
    e: impl std::error::Error + Send + Sync + 'static,
) -> Error {
    Error::backend(format!("stored {what} could not be decoded"), e)
}

/// Every item of a cursor outside a session.
pub(crate) async fn all<T>(cursor: Cursor<T>) -> Result<Vec<T>>
where
    T: serde::de::DeserializeOwned + Send + Sync + Unpin,
{
    cursor
        .try_collect()
        .await
        .map_err(|e| crate::error::map(e, "read"))
}

/// Every item of a cursor inside a session.
pub(crate) async fn all_in<T>(
    mut cursor: SessionCursor<T>,
    session: &mut ClientSession,
) -> std::result::Result<Vec<T>, mongodb::error::Error>
where
    T: serde::de::DeserializeOwned + Send + Sync + Unpin,
{
    cursor.stream(session).try_collect().await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn literal_regex_escapes_metacharacters() {
        let r = literal_regex("a.*(b)$ [\\");
        assert_eq!(r.pattern, "a\\.\\*\\(b\\)\\$ \\[\\\\");
        assert_eq!(r.options, "i");
    }

    #[test]
    fn versions_saturate() {
        assert_eq!(i64_of(u64::MAX), i64::MAX);
        assert_eq!(u64_of(-1), 0);
        assert_eq!(u64_of(i64_of(42)), 42);
    }
}
