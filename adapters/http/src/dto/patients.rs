//! Patient charts.

use chrono::{DateTime, NaiveDate, Utc};
use medsync_core::identity::{Contact, Patient, PatientDetails, Sex};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

/// Administrative sex.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum SexDto {
    /// Female.
    Female,
    /// Male.
    Male,
    /// Other.
    Other,
    /// Unknown or not recorded.
    Unknown,
}

impl From<Sex> for SexDto {
    fn from(s: Sex) -> Self {
        match s {
            Sex::Female => Self::Female,
            Sex::Male => Self::Male,
            Sex::Other => Self::Other,
            Sex::Unknown => Self::Unknown,
        }
    }
}

impl From<SexDto> for Sex {
    fn from(s: SexDto) -> Self {
        match s {
            SexDto::Female => Self::Female,
            SexDto::Male => Self::Male,
            SexDto::Other => Self::Other,
            SexDto::Unknown => Self::Unknown,
        }
    }
}

/// How to reach a patient.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ContactDto {
    /// Email: one `@`, a non-empty local part, a domain with a dot that neither starts nor
    /// ends with one, no spaces; at most 254 bytes after trimming.
    #[schema(
        max_length = 254,
        pattern = r"^\s*[^\s@]+@[^\s@.][^\s@]*\.[^\s@]*[^\s@.]\s*$",
        example = "pat@mail.example"
    )]
    pub email: Option<String>,
    /// Phone number: 3 to 32 of digits, spaces and `+ - ( ) .`.
    #[schema(pattern = r"^[0-9 +().-]{3,32}$", example = "+1 555 0100")]
    pub phone: Option<String>,
    /// Postal address, at most 500 characters.
    #[schema(max_length = 500)]
    pub address: Option<String>,
}

impl From<Contact> for ContactDto {
    fn from(c: Contact) -> Self {
        Self {
            email: c.email,
            phone: c.phone,
            address: c.address,
        }
    }
}

impl From<ContactDto> for Contact {
    fn from(c: ContactDto) -> Self {
        Self {
            email: c.email,
            phone: c.phone,
            address: c.address,
        }
    }
}

/// A chart's demographics as a caller supplies them (create and replace).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PatientDetailsDto {
    /// Full name: at most 200 characters after trimming, not blank, no control characters.
    #[schema(
        min_length = 1,
        max_length = 200,
        pattern = r"^[^\x00-\x1f\x7f-\x9f]*[^\s\x00-\x1f\x7f-\x9f][^\x00-\x1f\x7f-\x9f]*$",
        example = "Pat Doe"
    )]
    pub name: String,
    /// Date of birth (`YYYY-MM-DD`), from 1900-01-01 and not in the future.
    pub date_of_birth: Option<NaiveDate>,
    /// Administrative sex.
    pub sex: Option<SexDto>,
    /// Contact details.
    #[serde(default)]
    pub contact: ContactDto,
}

impl From<PatientDetailsDto> for PatientDetails {
    fn from(d: PatientDetailsDto) -> Self {
        Self {
            name: d.name,
            date_of_birth: d.date_of_birth,
            sex: d.sex.map(Into::into),
            contact: d.contact.into(),
        }
    }
}

/// A patient chart.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct PatientDto {
    /// Id.
    pub id: Uuid,
    /// Full name.
    pub name: String,
    /// Date of birth.
    pub date_of_birth: Option<NaiveDate>,
    /// Administrative sex.
    pub sex: SexDto,
    /// Contact details.
    pub contact: ContactDto,
    /// Medical record number.
    pub mrn: String,
    /// The patient's own login, when they have one.
    pub user_id: Option<Uuid>,
    /// When archived.
    pub archived_at: Option<DateTime<Utc>>,
    /// Creation time.
    pub created_at: DateTime<Utc>,
    /// Last change time.
    pub updated_at: DateTime<Utc>,
    /// Version (also the `ETag`).
    pub version: u64,
}

impl From<Patient> for PatientDto {
    fn from(p: Patient) -> Self {
        Self {
            id: p.id.0,
            name: p.name,
            date_of_birth: p.date_of_birth,
            sex: p.sex.into(),
            contact: p.contact.into(),
            mrn: p.mrn,
            user_id: p.user_id.map(|u| u.0),
            archived_at: p.archived_at,
            created_at: p.created_at,
            updated_at: p.updated_at,
            version: p.version,
        }
    }
}

/// Filters of the chart list.
#[derive(Debug, Clone, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PatientQuery {
    /// Case-insensitive substring of name or MRN.
    pub q: Option<String>,
    /// Rows to skip (default 0).
    pub offset: Option<u64>,
    /// Page size (default 50); larger values are treated as 500, and 0 as 1.
    pub limit: Option<u32>,
}
