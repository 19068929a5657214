//! Identities and charts: a [`User`] logs in; a [`Patient`] is a chart. They are separate so
//! clinicians can keep charts of patients who have no account, and a patient user links to
//! exactly one chart.

use std::fmt;

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::error::{Result, Validator};
use crate::ids::{PatientId, UserId};

/// The five roles of MedSync.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Manages users, schedules and the system; reads clinical content only via break-glass.
    Admin,
    /// A clinician who sees patients and writes clinical content.
    Doctor,
    /// A clinician who reads records and adds notes; never amends or deletes.
    Nurse,
    /// A person with a chart of their own.
    Patient,
    /// A person a patient delegates scoped access to.
    Caregiver,
}

impl Role {
    /// Every role, in a stable order.
    pub const ALL: [Role; 5] = [
        Role::Admin,
        Role::Doctor,
        Role::Nurse,
        Role::Patient,
        Role::Caregiver,
    ];

    /// The role's wire name (`"doctor"`).
    pub fn as_str(&self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Doctor => "doctor",
            Role::Nurse => "nurse",
            Role::Patient => "patient",
            Role::Caregiver => "caregiver",
        }
    }

    /// Parses a wire name; `field` names the input in the error.
    pub fn parse(s: &str, field: &str) -> Result<Self> {
        Role::ALL
            .into_iter()
            .find(|r| r.as_str() == s)
            .ok_or_else(|| {
                crate::Error::invalid(
                    field,
                    "must be one of admin, doctor, nurse, patient, caregiver",
                )
            })
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Whether a user may log in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum UserStatus {
    /// May log in.
    Active,
    /// A doctor or nurse registration waiting for an admin's approval; cannot log in.
    PendingApproval,
    /// Switched off by an admin; cannot log in or refresh.
    Deactivated,
}

impl UserStatus {
    /// The status's wire name.
    pub fn as_str(&self) -> &'static str {
        match self {
            UserStatus::Active => "active",
            UserStatus::PendingApproval => "pending_approval",
            UserStatus::Deactivated => "deactivated",
        }
    }
}

/// An argon2id PHC string. Its `Debug` never prints the hash.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct PasswordHash(pub String);

impl fmt::Debug for PasswordHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("PasswordHash(<redacted>)")
    }
}

/// A login identity.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct User {
    /// Id.
    pub id: UserId,
    /// Normalised (trimmed, lower-case) email; unique across users.
    pub email: String,
    /// Display name.
    pub name: String,
    /// Role.
    pub role: Role,
    /// Whether the user may log in.
    pub status: UserStatus,
    /// argon2id hash of the password.
    pub password_hash: PasswordHash,
    /// For patient users: their own chart.
    pub patient_id: Option<PatientId>,
    /// For doctors: specialisation shown to patients.
    pub specialization: Option<String>,
    /// Creation time.
    pub created_at: DateTime<Utc>,
    /// Last change time.
    pub updated_at: DateTime<Utc>,
    /// Optimistic-concurrency version, starts at 1.
    pub version: u64,
}

/// Normalises an email for storage and lookup: trimmed and lower-cased.
pub fn normalize_email(email: &str) -> String {
    email.trim().to_lowercase()
}

/// Validates an email's shape (one `@`, non-empty local part, a dot in the domain, no spaces).
pub fn validate_email(v: &mut Validator, field: &str, email: &str) {
    let e = email.trim();
    let ok = e.len() <= 254
        && !e.contains(char::is_whitespace)
        && e.split_once('@').is_some_and(|(local, domain)| {
            !local.is_empty()
                && !domain.contains('@')
                && domain.contains('.')
                && !domain.starts_with('.')
                && !domain.ends_with('.')
        });
    v.check(ok, field, "must be a valid email address");
}

/// Administrative sex as recorded on a chart (FHIR `AdministrativeGender`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Sex {
    /// Female.
    Female,
    /// Male.
    Male,
    /// Other.
    Other,
    /// Unknown or not recorded.
    Unknown,
}

/// How to reach a patient.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Contact {
    /// Email.
    pub email: Option<String>,
    /// Phone number.
    pub phone: Option<String>,
    /// Postal address.
    pub address: Option<String>,
}

/// A patient chart: demographics and a medical record number.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Patient {
    /// Id.
    pub id: PatientId,
    /// Full name.
    pub name: String,
    /// Date of birth, when known.
    pub date_of_birth: Option<NaiveDate>,
    /// Administrative sex.
    pub sex: Sex,
    /// Contact details.
    pub contact: Contact,
    /// Medical record number; unique across charts.
    pub mrn: String,
    /// The patient's own login, when they have one.
    pub user_id: Option<UserId>,
    /// Set when the chart was archived; archived charts are kept, never destroyed.
    pub archived_at: Option<DateTime<Utc>>,
    /// Creation time.
    pub created_at: DateTime<Utc>,
    /// Last change time.
    pub updated_at: DateTime<Utc>,
    /// Optimistic-concurrency version, starts at 1.
    pub version: u64,
}

/// Derives a medical record number from a chart id: `MRN-` and 12 upper-case hex digits
/// taken from the random tail of the UUID v7.
pub fn mrn_for(id: PatientId) -> String {
    let hex = id.0.simple().to_string().to_uppercase();
    format!("MRN-{}", &hex[hex.len() - 12..])
}

/// The demographic fields of a chart, as a caller supplies them.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PatientDetails {
    /// Full name (required, 1..=200 characters).
    pub name: String,
    /// Date of birth (not in the future).
    pub date_of_birth: Option<NaiveDate>,
    /// Administrative sex; `unknown` when absent.
    pub sex: Option<Sex>,
    /// Contact details.
    #[serde(default)]
    pub contact: Contact,
}

impl PatientDetails {
    /// Validates the details against `today`.
    pub fn validate(&self, today: NaiveDate) -> Result<()> {
        let mut v = Validator::new();
        validate_name(&mut v, "name", &self.name);
        if let Some(dob) = self.date_of_birth {
            v.check(dob <= today, "date_of_birth", "must not be in the future");
            v.check(
                dob.year_ce().1 >= 1900,
                "date_of_birth",
                "must be after 1900",
            );
        }
        if let Some(email) = &self.contact.email {
            validate_email(&mut v, "contact.email", email);
        }
        if let Some(phone) = &self.contact.phone {
            let ok = (3..=32).contains(&phone.len())
                && phone
                    .chars()
                    .all(|c| c.is_ascii_digit() || " +-().".contains(c));
            v.check(
                ok,
                "contact.phone",
                "must be a phone number (digits, spaces, + - ( ) .)",
            );
        }
        if let Some(addr) = &self.contact.address {
            v.check(
                addr.chars().count() <= 500,
                "contact.address",
                "must be at most 500 characters",
            );
        }
        v.finish()
    }
}

use chrono::Datelike as _;

/// Validates a person's name: non-blank, at most 200 characters, no control characters.
pub fn validate_name(v: &mut Validator, field: &str, name: &str) {
    let n = name.trim();
    v.check(!n.is_empty(), field, "must not be empty");
    v.check(
        n.chars().count() <= 200,
        field,
        "must be at most 200 characters",
    );
    v.check(
        !n.chars().any(char::is_control),
        field,
        "must not contain control characters",
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn address_limit_counts_characters_not_bytes() {
        let today = NaiveDate::from_ymd_opt(2026, 3, 2).unwrap();
        let with_address = |address: String| PatientDetails {
            name: "Zoë Éluard".into(),
            contact: Contact {
                address: Some(address),
                ..Default::default()
            },
            ..Default::default()
        };
        // 500 two-byte characters (1000 bytes) are within the limit; 501 are not.
        with_address("é".repeat(500)).validate(today).unwrap();
        match with_address("é".repeat(501)).validate(today) {
            Err(crate::Error::InvalidInput(errors)) => {
                assert_eq!(errors.len(), 1);
                assert_eq!(errors[0].field, "contact.address");
            }
            other => panic!("expected a field error, got {other:?}"),
        }
    }
}
