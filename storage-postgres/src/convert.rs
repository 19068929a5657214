//! Conversions between domain values and column values: unsigned counters ↔ `bigint`,
//! serde wire names ↔ `text`, domain structs ↔ `jsonb`, pages ↔ `LIMIT`/`OFFSET`.

use medsync_core::store::Page;
use medsync_core::{Error, Result};
use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::errors::corrupt;

/// A version or counter as a `bigint`. `InvalidInput` beyond `i64::MAX`.
pub(crate) fn to_i64(v: u64, field: &str) -> Result<i64> {
    i64::try_from(v).map_err(|_| Error::invalid(field, "is too large"))
}

/// A `u32` as a `bigint` (always fits).
pub(crate) fn u32_to_i64(v: u32) -> i64 {
    i64::from(v)
}

/// A `u32` as an `integer`. `InvalidInput` beyond `i32::MAX`.
pub(crate) fn to_i32(v: u32, field: &str) -> Result<i32> {
    i32::try_from(v).map_err(|_| Error::invalid(field, "is too large"))
}

/// A stored non-negative `bigint` as `u64`.
pub(crate) fn to_u64(v: i64, what: &str) -> Result<u64> {
    u64::try_from(v).map_err(|e| corrupt(what, e))
}

/// A stored non-negative `bigint` or `integer` as `u32`.
pub(crate) fn to_u32(
    v: impl TryInto<u32, Error = std::num::TryFromIntError>,
    what: &str,
) -> Result<u32> {
    v.try_into().map_err(|e| corrupt(what, e))
}

/// The serde wire name of a unit enum value (`Role::Doctor` → `"doctor"`).
pub(crate) fn wire<T: Serialize>(value: &T) -> Result<String> {
    match serde_json::to_value(value) {
        Ok(serde_json::Value::String(s)) => Ok(s),
        Ok(_) => Err(Error::invalid("value", "is not a named value")),
        Err(e) => Err(Error::backend("could not serialise a value", e)),
    }
}

/// Parses a stored wire name back into its enum (`"doctor"` → `Role::Doctor`).
pub(crate) fn parse_wire<T: DeserializeOwned>(s: &str, what: &str) -> Result<T> {
    serde_json::from_value(serde_json::Value::String(s.to_owned())).map_err(|e| corrupt(what, e))
}

/// A domain value as `jsonb`.
pub(crate) fn to_json<T: Serialize>(value: &T) -> Result<serde_json::Value> {
    serde_json::to_value(value).map_err(|e| Error::backend("could not serialise a value", e))
}

/// A stored `jsonb` value back as its domain type.
pub(crate) fn from_json<T: DeserializeOwned>(value: serde_json::Value, what: &str) -> Result<T> {
    serde_json::from_value(value).map_err(|e| corrupt(what, e))
}

/// `(LIMIT, OFFSET)` of a page (clamped like the service does).
pub(crate) fn limit_offset(page: Page) -> (i64, i64) {
    let page = page.clamped();
    (
        i64::from(page.limit),
        i64::try_from(page.offset).unwrap_or(i64::MAX),
    )
}

#[cfg(test)]
mod tests {
    use medsync_core::identity::Role;
    use medsync_core::scheduling::AppointmentStatus;

    use super::*;

    #[test]
    fn wire_names_round_trip() {
        assert_eq!(wire(&Role::Caregiver).unwrap(), "caregiver");
        assert_eq!(wire(&AppointmentStatus::NoShow).unwrap(), "no_show");
        let s: AppointmentStatus = parse_wire("no_show", "status").unwrap();
        assert_eq!(s, AppointmentStatus::NoShow);
        assert!(parse_wire::<Role>("emperor", "role").is_err());
    }

    #[test]
    fn counters_refuse_to_wrap() {
        assert!(to_i64(u64::MAX, "version").is_err());
        assert_eq!(to_i64(7, "version").unwrap(), 7);
        assert!(to_u64(-1, "version").is_err());
        assert!(to_i32(u32::MAX, "buffer").is_err());
        assert_eq!(
            limit_offset(Page {
                offset: 3,
                limit: 0
            }),
            (1, 3)
        );
    }
}
