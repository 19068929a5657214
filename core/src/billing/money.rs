//! Money arithmetic on integer minor units: currency codes, checked sums, half-up tax and
//! exact rendering in major units. No floating point is involved.

use super::model::Currency;
use crate::error::{Error, Result};

/// The currency of an invoice created without a fee (a draft with no lines), when nothing
/// else names one.
pub const DEFAULT_CURRENCY: &str = "USD";

/// The largest price a fee may carry, in minor units (10¹²: ten billion major units). Keeps
/// every invoice total, tax included, far from `i64` overflow.
pub const MAX_AMOUNT_MINOR: i64 = 1_000_000_000_000;

/// Basis points in one whole (100 %).
pub const BASIS_POINTS: u32 = 10_000;

/// `Ok` when `code` is an ISO 4217 alphabetic code: exactly three upper-case ASCII letters.
/// Otherwise `InvalidInput` on `field`.
pub fn validate_currency(field: &str, code: &str) -> Result<()> {
    if code.len() == 3 && code.bytes().all(|b| b.is_ascii_uppercase()) {
        Ok(())
    } else {
        Err(Error::invalid(
            field,
            "must be three upper-case letters (ISO 4217)",
        ))
    }
}

/// The number of decimals of `currency`'s minor unit per ISO 4217: 0 for currencies without
/// a minor unit (JPY, KRW, …), 3 for BHD, IQD, JOD, KWD, LYD, OMR and TND, 4 for CLF and
/// UYW, 2 for every other code.
pub fn minor_unit_exponent(currency: &Currency) -> u32 {
    match currency.0.as_str() {
        "BIF" | "CLP" | "DJF" | "GNF" | "ISK" | "JPY" | "KMF" | "KRW" | "PYG" | "RWF" | "UGX"
        | "UYI" | "VND" | "VUV" | "XAF" | "XOF" | "XPF" => 0,
        "BHD" | "IQD" | "JOD" | "KWD" | "LYD" | "OMR" | "TND" => 3,
        "CLF" | "UYW" => 4,
        _ => 2,
    }
}

/// `amount_minor` written in major units with exactly `exponent` decimals, computed with
/// integer arithmetic: `format_major(-12345, 2) == "-123.45"`, `format_major(7, 0) == "7"`.
pub fn format_major(amount_minor: i64, exponent: u32) -> String {
    let sign = if amount_minor < 0 { "-" } else { "" };
    let abs = amount_minor.unsigned_abs();
    if exponent == 0 {
        return format!("{sign}{abs}");
    }
    let scale = 10u64.pow(exponent);
    let width = usize::try_from(exponent).unwrap_or(usize::MAX);
    format!("{sign}{}.{:0width$}", abs / scale, abs % scale)
}

/// `amount_minor` in major units of `currency` (see [`format_major`]).
pub fn format_amount(amount_minor: i64, currency: &Currency) -> String {
    format_major(amount_minor, minor_unit_exponent(currency))
}

/// Tax on a non-negative `base` at `rate_bp` basis points, rounded half up:
/// `round(base × rate_bp / 10 000)`. `InvalidInput` on `field` for a negative base, a rate
/// over 100 % or a result that does not fit in `i64`.
pub fn tax_half_up(field: &str, base: i64, rate_bp: u32) -> Result<i64> {
    if base < 0 {
        return Err(Error::invalid(field, "must not be negative"));
    }
    if rate_bp > BASIS_POINTS {
        return Err(Error::invalid("tax_rate_bp", "must be at most 10000"));
    }
    let scaled = i128::from(base) * i128::from(rate_bp) + i128::from(BASIS_POINTS / 2);
    i64::try_from(scaled / i128::from(BASIS_POINTS))
        .map_err(|_| Error::invalid(field, "amount is too large"))
}

/// `a + b`, or `InvalidInput` on `field` when it overflows.
pub fn add(field: &str, a: i64, b: i64) -> Result<i64> {
    a.checked_add(b)
        .ok_or_else(|| Error::invalid(field, "amount is too large"))
}

/// `a - b`, or `InvalidInput` on `field` when it overflows.
pub fn sub(field: &str, a: i64, b: i64) -> Result<i64> {
    a.checked_sub(b)
        .ok_or_else(|| Error::invalid(field, "amount is too large"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn currency_codes() {
        assert!(validate_currency("currency", "USD").is_ok());
        for bad in ["usd", "US", "USDD", "U$D", "", "ÉUR"] {
            let e = validate_currency("currency", bad).unwrap_err();
            assert_eq!(e.field_errors()[0].field, "currency", "{bad}");
        }
    }

    #[test]
    fn major_units_are_exact() {
        assert_eq!(format_major(12990, 2), "129.90");
        assert_eq!(format_major(5, 2), "0.05");
        assert_eq!(format_major(-12345, 2), "-123.45");
        assert_eq!(format_major(-5, 3), "-0.005");
        assert_eq!(format_major(7, 0), "7");
        assert_eq!(format_major(i64::MIN, 2), "-92233720368547758.08");
        assert_eq!(format_major(i64::MAX, 4), "922337203685477.5807");
        assert_eq!(format_amount(1500, &Currency("JPY".into())), "1500");
        assert_eq!(format_amount(1500, &Currency("KWD".into())), "1.500");
        assert_eq!(format_amount(1500, &Currency("EUR".into())), "15.00");
    }

    #[test]
    fn tax_rounds_half_up() {
        // 1999 × 8.25 % = 164.9175 → 165.
        assert_eq!(tax_half_up("x", 1999, 825).unwrap(), 165);
        // 12000 × 8.25 % = 990 exactly.
        assert_eq!(tax_half_up("x", 12000, 825).unwrap(), 990);
        // 2 × 25 % = 0.5 → 1; 1 × 25 % = 0.25 → 0.
        assert_eq!(tax_half_up("x", 2, 2500).unwrap(), 1);
        assert_eq!(tax_half_up("x", 1, 2500).unwrap(), 0);
        assert_eq!(tax_half_up("x", 0, 825).unwrap(), 0);
        assert_eq!(tax_half_up("x", i64::MAX, 10_000).unwrap(), i64::MAX);
        assert!(tax_half_up("x", -1, 825).is_err());
        assert!(tax_half_up("x", 1, 10_001).is_err());
    }

    #[test]
    fn checked_sums() {
        assert_eq!(add("a", 1, 2).unwrap(), 3);
        assert_eq!(
            add("a", i64::MAX, 1).unwrap_err().field_errors()[0].field,
            "a"
        );
        assert_eq!(
            sub("b", i64::MIN, 1).unwrap_err().field_errors()[0].field,
            "b"
        );
    }
}
