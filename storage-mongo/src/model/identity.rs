//! Users and patient charts.

use chrono::NaiveDate;
use medsync_core::identity::{Contact, PasswordHash, Patient, Role, Sex, User, UserStatus};
use medsync_core::ids::{PatientId, UserId};
use serde::{Deserialize, Serialize};

use crate::convert::{bdate, bdate_opt, bid, cdate, cdate_opt, i64_of, u64_of, uid};

/// A user in `users`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct UserDoc {
    #[serde(rename = "_id")]
    pub(crate) id: bson::Uuid,
    /// Normalised; unique index.
    pub(crate) email: String,
    pub(crate) name: String,
    pub(crate) role: Role,
    pub(crate) status: UserStatus,
    pub(crate) password_hash: String,
    pub(crate) patient_id: Option<bson::Uuid>,
    pub(crate) specialization: Option<String>,
    pub(crate) created_at: bson::DateTime,
    pub(crate) updated_at: bson::DateTime,
    pub(crate) version: i64,
}

impl From<&User> for UserDoc {
    fn from(u: &User) -> Self {
        Self {
            id: bid(u.id.0),
            email: u.email.clone(),
            name: u.name.clone(),
            role: u.role,
            status: u.status,
            password_hash: u.password_hash.0.clone(),
            patient_id: u.patient_id.map(|p| bid(p.0)),
            specialization: u.specialization.clone(),
            created_at: bdate(u.created_at),
            updated_at: bdate(u.updated_at),
            version: i64_of(u.version),
        }
    }
}

impl From<UserDoc> for User {
    fn from(d: UserDoc) -> Self {
        Self {
            id: UserId(uid(d.id)),
            email: d.email,
            name: d.name,
            role: d.role,
            status: d.status,
            password_hash: PasswordHash(d.password_hash),
            patient_id: d.patient_id.map(|p| PatientId(uid(p))),
            specialization: d.specialization,
            created_at: cdate(d.created_at),
            updated_at: cdate(d.updated_at),
            version: u64_of(d.version),
        }
    }
}

/// A chart in `patients`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct PatientDoc {
    #[serde(rename = "_id")]
    pub(crate) id: bson::Uuid,
    pub(crate) name: String,
    /// ISO date string.
    pub(crate) date_of_birth: Option<NaiveDate>,
    pub(crate) sex: Sex,
    pub(crate) contact: Contact,
    /// Unique index.
    pub(crate) mrn: String,
    pub(crate) user_id: Option<bson::Uuid>,
    pub(crate) archived_at: Option<bson::DateTime>,
    pub(crate) created_at: bson::DateTime,
    pub(crate) updated_at: bson::DateTime,
    pub(crate) version: i64,
}

impl From<&Patient> for PatientDoc {
    fn from(p: &Patient) -> Self {
        Self {
            id: bid(p.id.0),
            name: p.name.clone(),
            date_of_birth: p.date_of_birth,
            sex: p.sex,
            contact: p.contact.clone(),
            mrn: p.mrn.clone(),
            user_id: p.user_id.map(|u| bid(u.0)),
            archived_at: bdate_opt(p.archived_at),
            created_at: bdate(p.created_at),
            updated_at: bdate(p.updated_at),
            version: i64_of(p.version),
        }
    }
}

impl From<PatientDoc> for Patient {
    fn from(d: PatientDoc) -> Self {
        Self {
            id: PatientId(uid(d.id)),
            name: d.name,
            date_of_birth: d.date_of_birth,
            sex: d.sex,
            contact: d.contact,
            mrn: d.mrn,
            user_id: d.user_id.map(|u| UserId(uid(u))),
            archived_at: cdate_opt(d.archived_at),
            created_at: cdate(d.created_at),
            updated_at: cdate(d.updated_at),
            version: u64_of(d.version),
        }
    }
}
