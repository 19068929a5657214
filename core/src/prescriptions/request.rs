//! What a prescriber asks for, and how it is checked before anything is stored.

use serde::{Deserialize, Serialize};

use super::model::Medication;
use crate::error::{Result, Validator};

/// Longest medication name, in characters.
const MAX_MEDICATION_NAME: usize = 200;
/// Longest dose, route or frequency, in characters.
const MAX_SHORT_FIELD: usize = 100;
/// Longest patient instructions, in characters.
const MAX_INSTRUCTIONS: usize = 2000;
/// Shortest override reason, in characters: a real justification, not "ok".
const MIN_OVERRIDE_REASON: usize = 10;
/// Longest override reason, in characters.
const MAX_OVERRIDE_REASON: usize = 2000;
/// Most units dispensed at once.
const MAX_QUANTITY: u32 = 10_000;
/// Most refills.
const MAX_REFILLS: u32 = 12;
/// Longest course, in days.
const MAX_DURATION_DAYS: u32 = 365;

impl Medication {
    /// A medication by name only (no RxNorm id).
    pub fn named(name: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            rxnorm: None,
        }
    }
}

/// A request to prescribe, as sent by the prescriber (see [`crate::MedSync::prescribe`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PrescriptionRequest {
    /// The medication: name 1–200 characters; RxNorm id, if given, 1–12 digits.
    pub medication: Medication,
    /// Dose, e.g. "5 mg" (1–100 characters).
    pub dose: String,
    /// Route, e.g. "oral" (1–100 characters).
    pub route: String,
    /// Frequency, e.g. "once daily" (1–100 characters).
    pub frequency: String,
    /// Course length in days (1–365), if bounded.
    #[serde(default)]
    pub duration_days: Option<u32>,
    /// Units dispensed (1–10000).
    pub quantity: u32,
    /// Refills allowed (0–12).
    #[serde(default)]
    pub refills: u32,
    /// Instructions for the patient (at most 2000 characters; blank counts as absent).
    #[serde(default)]
    pub instructions: Option<String>,
    /// Why a contraindication is overridden (10–2000 characters; blank counts as absent).
    /// Without it, a contraindicated finding refuses the prescription.
    #[serde(default)]
    pub override_reason: Option<String>,
}

impl PrescriptionRequest {
    /// A request for `quantity` units of `medication`, with no duration, refills,
    /// instructions or override.
    pub fn new(
        medication: Medication,
        dose: impl Into<String>,
        route: impl Into<String>,
        frequency: impl Into<String>,
        quantity: u32,
    ) -> Self {
        Self {
            medication,
            dose: dose.into(),
            route: route.into(),
            frequency: frequency.into(),
            duration_days: None,
            quantity,
            refills: 0,
            instructions: None,
            override_reason: None,
        }
    }

    /// Checks every field and returns the request with its text trimmed and blank optional
    /// text dropped. `InvalidInput` names every bad field (`medication.name`, `dose`, …).
    pub fn normalized(&self) -> Result<Self> {
        let mut v = Validator::new();
        let medication = check_medication(&mut v, &self.medication);
        let dose = required(&mut v, "dose", &self.dose, MAX_SHORT_FIELD);
        let route = required(&mut v, "route", &self.route, MAX_SHORT_FIELD);
        let frequency = required(&mut v, "frequency", &self.frequency, MAX_SHORT_FIELD);
        v.check(
            (1..=MAX_QUANTITY).contains(&self.quantity),
            "quantity",
            "must be between 1 and 10000",
        );
        v.check(self.refills <= MAX_REFILLS, "refills", "must be at most 12");
        if let Some(d) = self.duration_days {
            v.check(
                (1..=MAX_DURATION_DAYS).contains(&d),
                "duration_days",
                "must be between 1 and 365",
            );
        }
        let instructions = optional(
            &mut v,
            "instructions",
            self.instructions.as_deref(),
            MAX_INSTRUCTIONS,
        );
        let override_reason = optional(
            &mut v,
            "override_reason",
            self.override_reason.as_deref(),
            MAX_OVERRIDE_REASON,
        );
        if let Some(r) = &override_reason {
            v.check(
                r.chars().count() >= MIN_OVERRIDE_REASON,
                "override_reason",
                "must be at least 10 characters",
            );
        }
        v.finish()?;
        Ok(Self {
            medication,
            dose,
            route,
            frequency,
            duration_days: self.duration_days,
            quantity: self.quantity,
            refills: self.refills,
            instructions,
            override_reason,
        })
    }
}

/// Checks a medication (`medication.name`, `medication.rxnorm`) and returns it trimmed.
pub(crate) fn check_medication(v: &mut Validator, m: &Medication) -> Medication {
    let name = m.name.trim();
    let len = name.chars().count();
    v.check(
        (1..=MAX_MEDICATION_NAME).contains(&len) && !name.chars().any(char::is_control),
        "medication.name",
        "must be 1 to 200 characters",
    );
    let rxnorm = m.rxnorm.as_deref().map(str::trim).filter(|r| !r.is_empty());
    if let Some(r) = rxnorm {
        v.check(
            r.len() <= 12 && r.chars().all(|c| c.is_ascii_digit()),
            "medication.rxnorm",
            "must be 1 to 12 digits",
        );
    }
    Medication {
        name: name.to_owned(),
        rxnorm: rxnorm.map(str::to_owned),
    }
}

fn required(v: &mut Validator, field: &str, value: &str, max: usize) -> String {
    let value = value.trim();
    if value.is_empty() {
        v.push(field, "is required");
    } else if value.chars().count() > max {
        v.push(field, format!("must be at most {max} characters"));
    }
    value.to_owned()
}

fn optional(v: &mut Validator, field: &str, value: Option<&str>, max: usize) -> Option<String> {
    let value = value.map(str::trim).filter(|s| !s.is_empty())?;
    if value.chars().count() > max {
        v.push(field, format!("must be at most {max} characters"));
    }
    Some(value.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok() -> PrescriptionRequest {
        PrescriptionRequest::new(
            Medication::named(" warfarin "),
            " 5 mg",
            "oral",
            "daily",
            30,
        )
    }

    fn fields(r: &PrescriptionRequest) -> Vec<String> {
        match r.normalized() {
            Ok(_) => vec![],
            Err(e) => e.field_errors().iter().map(|f| f.field.clone()).collect(),
        }
    }

    #[test]
    fn a_valid_request_is_trimmed() {
        let mut r = ok();
        r.instructions = Some("   ".into());
        r.override_reason = Some("  documented specialist advice  ".into());
        let n = r.normalized().unwrap();
        assert_eq!(n.medication.name, "warfarin");
        assert_eq!(n.dose, "5 mg");
        assert_eq!(n.instructions, None);
        assert_eq!(
            n.override_reason.as_deref(),
            Some("documented specialist advice")
        );
    }

    #[test]
    fn every_bad_field_is_named() {
        let r = PrescriptionRequest {
            medication: Medication {
                name: " ".into(),
                rxnorm: Some("12a".into()),
            },
            dose: String::new(),
            route: "x".repeat(101),
            frequency: "\t".into(),
            duration_days: Some(0),
            quantity: 0,
            refills: 13,
            instructions: Some("y".repeat(2001)),
            override_reason: Some("because".into()),
        };
        assert_eq!(
            fields(&r),
            [
                "medication.name",
                "medication.rxnorm",
                "dose",
                "route",
                "frequency",
                "quantity",
                "refills",
                "duration_days",
                "instructions",
                "override_reason",
            ]
        );
    }

    #[test]
    fn bounds_are_inclusive() {
        let mut r = ok();
        r.medication.name = "m".repeat(200);
        r.quantity = 10_000;
        r.refills = 12;
        r.duration_days = Some(365);
        r.instructions = Some("i".repeat(2000));
        r.override_reason = Some("r".repeat(10));
        assert!(fields(&r).is_empty(), "{:?}", fields(&r));
        r.medication.name = "m".repeat(201);
        r.quantity = 10_001;
        r.duration_days = Some(366);
        assert_eq!(fields(&r), ["medication.name", "quantity", "duration_days"]);
    }
}
