//! Registration, login, tokens and password reset. Request types holding secrets do not
//! implement `Debug`.

use chrono::{DateTime, NaiveDate, Utc};
use medsync_core::identity::{Contact, PatientDetails};
use medsync_core::service::{Registration, TokenPair};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::patients::SexDto;
use super::users::RoleDto;

/// A self-registration.
#[derive(Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RegisterRequest {
    /// Display name: at most 200 characters after trimming, not blank, no control
    /// characters.
    #[schema(
        min_length = 1,
        max_length = 200,
        pattern = r"^[^\x00-\x1f\x7f-\x9f]*[^\s\x00-\x1f\x7f-\x9f][^\x00-\x1f\x7f-\x9f]*$",
        example = "Pat Doe"
    )]
    pub name: String,
    /// Email (unique, case-insensitive): one `@`, a non-empty local part, a domain with a dot
    /// that neither starts nor ends with one, no spaces; at most 254 bytes after trimming.
    #[schema(
        max_length = 254,
        pattern = r"^\s*[^\s@]+@[^\s@.][^\s@]*\.[^\s@]*[^\s@.]\s*$",
        example = "pat@mail.example"
    )]
    pub email: String,
    /// 12 to 128 characters (a passphrase of 4 or more words is encouraged). Refused as well:
    /// a common password (a bundled deny-list, case-insensitive), a single repeated
    /// character, a plain run along the digits, the alphabet or a keyboard row, and a
    /// password containing the name or the email's local part (parts of 4+ characters).
    #[schema(
        min_length = 12,
        max_length = 128,
        format = Password,
        example = "violet ferry quartz meadow"
    )]
    pub password: String,
    /// `patient` (default), `caregiver`, `doctor` or `nurse`; doctors and nurses wait for an
    /// admin's approval; `admin` is refused (422).
    #[schema(value_type = Option<RegistrationRoleDto>)]
    pub role: Option<RoleDto>,
    /// Patients: date of birth, from 1900-01-01 and not in the future.
    pub date_of_birth: Option<NaiveDate>,
    /// Patients: administrative sex.
    pub sex: Option<SexDto>,
    /// Patients: phone number, 3 to 32 of digits, spaces and `+ - ( ) .`.
    #[schema(pattern = r"^[0-9 +().-]{3,32}$", example = "+1 555 0100")]
    pub phone: Option<String>,
    /// Doctors: specialisation (at most 100 characters; ignored for other roles).
    #[schema(max_length = 100)]
    pub specialization: Option<String>,
}

/// The roles one may register for (`RegisterRequest::role`); `admin` accounts are made by
/// admins only.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ToSchema)]
#[schema(rename_all = "snake_case")]
pub enum RegistrationRoleDto {
    /// A person with a chart of their own (the default).
    Patient,
    /// A person a patient delegates scoped access to.
    Caregiver,
    /// A clinician who sees patients (waits for approval).
    Doctor,
    /// A clinician who reads records and adds notes (waits for approval).
    Nurse,
}

impl RegisterRequest {
    /// The service's registration.
    pub fn into_core(self) -> Registration {
        let patient = (self.date_of_birth.is_some() || self.sex.is_some() || self.phone.is_some())
            .then(|| PatientDetails {
                name: self.name.clone(),
                date_of_birth: self.date_of_birth,
                sex: self.sex.map(Into::into),
                contact: Contact {
                    phone: self.phone,
                    ..Contact::default()
                },
            });
        Registration {
            name: self.name,
            email: self.email,
            password: self.password,
            role: self.role.map(Into::into),
            patient,
            specialization: self.specialization,
        }
    }

    /// Maps the service's field names for chart details (`patient.contact.phone`) back to
    /// this request's (`phone`).
    pub fn wire_field(field: &str) -> &str {
        match field {
            "patient.date_of_birth" => "date_of_birth",
            "patient.sex" => "sex",
            "patient.contact.phone" => "phone",
            other => other,
        }
    }
}

/// Email and password.
#[derive(Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LoginRequest {
    /// Email.
    pub email: String,
    /// Password.
    pub password: String,
}

/// A refresh token (refresh, logout).
#[derive(Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RefreshRequest {
    /// The opaque refresh token from login or the previous refresh.
    pub refresh_token: String,
}

/// The tokens of a session.
#[derive(Clone, Serialize, Deserialize, ToSchema)]
pub struct TokenResponse {
    /// JWT access token: send as `Authorization: Bearer …`.
    pub access_token: String,
    /// Opaque, single-use refresh token; every refresh rotates it and reusing a spent one
    /// revokes the session.
    pub refresh_token: String,
    /// Always `Bearer`.
    pub token_type: String,
    /// Seconds until the access token expires.
    pub expires_in: i64,
    /// When the access token expires.
    pub expires_at: DateTime<Utc>,
    /// When the refresh token expires.
    pub refresh_expires_at: DateTime<Utc>,
}

impl From<TokenPair> for TokenResponse {
    fn from(p: TokenPair) -> Self {
        Self {
            expires_in: p.expires_in,
            access_token: p.access_token,
            refresh_token: p.refresh_token,
            token_type: "Bearer".to_owned(),
            expires_at: p.access_expires_at,
            refresh_expires_at: p.refresh_expires_at,
        }
    }
}

/// Starts a password reset.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PasswordResetRequest {
    /// The account's email.
    pub email: String,
}

/// Completes a password reset.
#[derive(Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PasswordResetConfirm {
    /// The token that was delivered out of band.
    pub token: String,
    /// The new password: 12 to 128 characters, not a common password, a single repeated
    /// character, or a plain run along the digits, the alphabet or a keyboard row.
    #[schema(
        min_length = 12,
        max_length = 128,
        format = Password,
        example = "violet ferry quartz meadow"
    )]
    pub password: String,
}
