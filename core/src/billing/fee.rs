//! Fee schedule validation.

use super::model::Fee;
use super::money::{validate_currency, BASIS_POINTS, MAX_AMOUNT_MINOR};
use crate::error::{Result, Validator};

/// Whether `t` is a valid appointment type: 1–64 ASCII letters, digits, `_` or `-` (the rule
/// bookings use).
pub fn is_valid_appointment_type(t: &str) -> bool {
    (1..=64).contains(&t.len())
        && t.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
}

/// `Ok` when `fee` is well-formed, otherwise `InvalidInput` listing every bad field:
/// `appointment_type` (see [`is_valid_appointment_type`]), `amount_minor` (0 to
/// [`MAX_AMOUNT_MINOR`]), `currency` (three upper-case letters), `tax_rate_bp` (at most
/// 10 000). Whether the doctor exists is the service's concern.
pub fn validate_fee(fee: &Fee) -> Result<()> {
    let mut v = Validator::new();
    v.check(
        is_valid_appointment_type(&fee.appointment_type),
        "appointment_type",
        "must be 1 to 64 letters, digits, '_' or '-'",
    );
    v.check(
        (0..=MAX_AMOUNT_MINOR).contains(&fee.amount_minor),
        "amount_minor",
        "must be 0 to 1000000000000",
    );
    if let Err(e) = validate_currency("currency", &fee.currency.0) {
        for f in e.field_errors() {
            v.push(f.field.clone(), f.message.clone());
        }
    }
    v.check(
        fee.tax_rate_bp <= BASIS_POINTS,
        "tax_rate_bp",
        "must be at most 10000",
    );
    v.finish()
}

#[cfg(test)]
mod tests {
    use uuid::Uuid;

    use super::*;
    use crate::billing::Currency;
    use crate::ids::UserId;

    fn fee() -> Fee {
        Fee {
            doctor_id: UserId(Uuid::from_u128(1)),
            appointment_type: "consultation".into(),
            amount_minor: 12000,
            currency: Currency("USD".into()),
            tax_rate_bp: 825,
        }
    }

    #[test]
    fn a_good_fee_passes_and_a_bad_one_names_every_field() {
        assert!(validate_fee(&fee()).is_ok());
        assert!(validate_fee(&Fee {
            amount_minor: 0,
            tax_rate_bp: 10_000,
            ..fee()
        })
        .is_ok());
        let bad = Fee {
            appointment_type: "follow up".into(),
            amount_minor: -1,
            currency: Currency("usd".into()),
            tax_rate_bp: 10_001,
            ..fee()
        };
        let e = validate_fee(&bad).unwrap_err();
        let fields: Vec<_> = e.field_errors().iter().map(|f| f.field.as_str()).collect();
        assert_eq!(
            fields,
            [
                "appointment_type",
                "amount_minor",
                "currency",
                "tax_rate_bp"
            ]
        );
        let huge = Fee {
            amount_minor: MAX_AMOUNT_MINOR + 1,
            ..fee()
        };
        assert_eq!(
            validate_fee(&huge).unwrap_err().field_errors()[0].field,
            "amount_minor"
        );
    }
}
