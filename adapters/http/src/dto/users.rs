//! Users, roles and statuses.

use chrono::{DateTime, Utc};
use medsync_core::identity::{Role, User, UserStatus};
use medsync_core::service::UserUpdate;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

/// A role.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum RoleDto {
    /// Manages users, schedules and the system.
    Admin,
    /// A clinician who sees patients.
    Doctor,
    /// A clinician who reads records and adds notes.
    Nurse,
    /// A person with a chart of their own.
    Patient,
    /// A person a patient delegates scoped access to.
    Caregiver,
}

impl From<Role> for RoleDto {
    fn from(r: Role) -> Self {
        match r {
            Role::Admin => Self::Admin,
            Role::Doctor => Self::Doctor,
            Role::Nurse => Self::Nurse,
            Role::Patient => Self::Patient,
            Role::Caregiver => Self::Caregiver,
        }
    }
}

impl From<RoleDto> for Role {
    fn from(r: RoleDto) -> Self {
        match r {
            RoleDto::Admin => Self::Admin,
            RoleDto::Doctor => Self::Doctor,
            RoleDto::Nurse => Self::Nurse,
            RoleDto::Patient => Self::Patient,
            RoleDto::Caregiver => Self::Caregiver,
        }
    }
}

/// Whether a user may log in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum UserStatusDto {
    /// May log in.
    Active,
    /// A doctor or nurse waiting for an admin's approval.
    PendingApproval,
    /// Switched off by an admin.
    Deactivated,
}

impl From<UserStatus> for UserStatusDto {
    fn from(s: UserStatus) -> Self {
        match s {
            UserStatus::Active => Self::Active,
            UserStatus::PendingApproval => Self::PendingApproval,
            UserStatus::Deactivated => Self::Deactivated,
        }
    }
}

impl From<UserStatusDto> for UserStatus {
    fn from(s: UserStatusDto) -> Self {
        match s {
            UserStatusDto::Active => Self::Active,
            UserStatusDto::PendingApproval => Self::PendingApproval,
            UserStatusDto::Deactivated => Self::Deactivated,
        }
    }
}

/// A user account (never its password hash).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct UserDto {
    /// Id.
    pub id: Uuid,
    /// Display name.
    pub name: String,
    /// Normalised email.
    pub email: String,
    /// Role.
    pub role: RoleDto,
    /// Status.
    pub status: UserStatusDto,
    /// For patients: their own chart.
    pub patient_id: Option<Uuid>,
    /// For doctors: specialisation.
    pub specialization: Option<String>,
    /// Creation time.
    pub created_at: DateTime<Utc>,
    /// Last change time.
    pub updated_at: DateTime<Utc>,
    /// Version (also the `ETag`).
    pub version: u64,
}

impl From<User> for UserDto {
    fn from(u: User) -> Self {
        Self {
            id: u.id.0,
            name: u.name,
            email: u.email,
            role: u.role.into(),
            status: u.status.into(),
            patient_id: u.patient_id.map(|p| p.0),
            specialization: u.specialization,
            created_at: u.created_at,
            updated_at: u.updated_at,
            version: u.version,
        }
    }
}

/// An admin's change to a user; absent fields stay as they are.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UserPatch {
    /// New status (`active` approves, `deactivated` switches off).
    pub status: Option<UserStatusDto>,
    /// New role (never to or from `patient`).
    pub role: Option<RoleDto>,
    /// New display name: at most 200 characters after trimming, not blank, no control
    /// characters.
    #[schema(
        min_length = 1,
        max_length = 200,
        pattern = r"^[^\x00-\x1f\x7f-\x9f]*[^\s\x00-\x1f\x7f-\x9f][^\x00-\x1f\x7f-\x9f]*$"
    )]
    pub name: Option<String>,
    /// New specialisation (at most 100 characters).
    #[schema(max_length = 100)]
    pub specialization: Option<String>,
}

impl From<UserPatch> for UserUpdate {
    fn from(p: UserPatch) -> Self {
        Self {
            status: p.status.map(Into::into),
            role: p.role.map(Into::into),
            name: p.name,
            specialization: p.specialization,
        }
    }
}

/// Filters of the admin user list.
#[derive(Debug, Clone, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct UserQuery {
    /// Case-insensitive substring of name or email.
    pub q: Option<String>,
    /// Only this role.
    pub role: Option<RoleDto>,
    /// Only this status.
    pub status: Option<UserStatusDto>,
    /// Rows to skip (default 0).
    pub offset: Option<u64>,
    /// Page size (default 50); larger values are treated as 500, and 0 as 1.
    pub limit: Option<u32>,
}

/// A doctor as patients see them.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct DoctorDto {
    /// The doctor's user id.
    pub id: Uuid,
    /// Name.
    pub name: String,
    /// Specialisation.
    pub specialization: Option<String>,
}

impl From<User> for DoctorDto {
    fn from(u: User) -> Self {
        Self {
            id: u.id.0,
            name: u.name,
            specialization: u.specialization,
        }
    }
}
