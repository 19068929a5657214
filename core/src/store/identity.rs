use async_trait::async_trait;

use super::Page;
use crate::audit::AuditEvent;
use crate::error::Result;
use crate::identity::{PasswordHash, Patient, Role, User, UserStatus};
use crate::ids::{PatientId, UserId};

/// Which users to list.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct UserFilter {
    /// Case-insensitive substring of name or email.
    pub query: Option<String>,
    /// Only this role.
    pub role: Option<Role>,
    /// Only this status.
    pub status: Option<UserStatus>,
}

/// Which charts to list.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PatientFilter {
    /// Case-insensitive substring of name or MRN.
    pub query: Option<String>,
    /// Only these charts (`None`: all).
    pub ids: Option<Vec<PatientId>>,
    /// Include archived charts.
    pub include_archived: bool,
}

/// Users (login identities).
#[async_trait]
pub trait UserStore: Send + Sync {
    /// Inserts `user` and, when given, its chart `patient`, together with `audit`, atomically.
    ///
    /// Fails with `Conflict` (nothing written) if a user with the same normalised email exists
    /// or the chart's MRN is taken.
    async fn create_user(
        &self,
        user: &User,
        patient: Option<&Patient>,
        audit: &AuditEvent,
    ) -> Result<()>;

    /// The user with this id.
    async fn user(&self, id: UserId) -> Result<Option<User>>;

    /// The user with this normalised email.
    async fn user_by_email(&self, email: &str) -> Result<Option<User>>;

    /// Replaces the stored user with `user` (whose `version` must be `expected_version + 1`)
    /// if the stored version is still `expected_version`, and appends `audit`, atomically.
    ///
    /// `PreconditionFailed` if the version moved; `NotFound` if absent; `Conflict` if the new
    /// email is taken.
    async fn update_user(
        &self,
        user: &User,
        expected_version: u64,
        audit: &AuditEvent,
    ) -> Result<()>;

    /// Sets the password hash of `user_id` and revokes every refresh token of the user,
    /// appending `audit`, atomically. `NotFound` if absent.
    async fn set_password(
        &self,
        user_id: UserId,
        hash: &PasswordHash,
        audit: &AuditEvent,
    ) -> Result<()>;

    /// Users matching `filter`, ordered by creation time then id.
    async fn list_users(&self, filter: &UserFilter, page: Page) -> Result<Vec<User>>;
}

/// Patient charts.
#[async_trait]
pub trait PatientStore: Send + Sync {
    /// Inserts a chart with `audit`, atomically. `Conflict` if the MRN is taken.
    async fn create_patient(&self, patient: &Patient, audit: &AuditEvent) -> Result<()>;

    /// The chart with this id (archived charts included).
    async fn patient(&self, id: PatientId) -> Result<Option<Patient>>;

    /// Compare-and-set replacement, like [`UserStore::update_user`].
    async fn update_patient(
        &self,
        patient: &Patient,
        expected_version: u64,
        audit: &AuditEvent,
    ) -> Result<()>;

    /// Charts matching `filter`, ordered by name then id.
    async fn list_patients(&self, filter: &PatientFilter, page: Page) -> Result<Vec<Patient>>;
}
