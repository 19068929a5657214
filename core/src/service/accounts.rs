//! Admin user management: list, approve, edit, deactivate.

use serde::{Deserialize, Serialize};
use serde_json::json;

use super::auth::actor_of;
use super::support::Subject;
use super::MedSync;
use crate::audit::Outcome;
use crate::error::{Error, Result, Validator};
use crate::identity::{validate_name, Role, User, UserStatus};
use crate::ids::UserId;
use crate::notify::NotificationKind;
use crate::policy::{Action, Actor, Resource};
use crate::store::{Page, UserFilter};

/// An admin's change to a user. Absent fields stay as they are.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserUpdate {
    /// New status (approve = `active`, deactivate = `deactivated`).
    pub status: Option<UserStatus>,
    /// New role; changes to or from `patient` are refused (charts hang off patient users).
    pub role: Option<Role>,
    /// New display name.
    pub name: Option<String>,
    /// New specialisation (doctors).
    pub specialization: Option<String>,
}

impl MedSync {
    /// Users matching `filter` (admins only).
    pub async fn list_users(
        &self,
        actor: &Actor,
        filter: &UserFilter,
        page: Page,
    ) -> Result<Vec<User>> {
        let subject = Subject::kind("user");
        self.authorize(
            actor,
            Action::ManageUsers,
            Resource::System,
            "user.list",
            &subject,
        )
        .await?;
        let users = self.inner.store.list_users(filter, page.clamped()).await?;
        self.audit(Some(actor), "user.list", &subject, Outcome::Allowed, None)
            .await?;
        Ok(users)
    }

    /// Active doctors, for patients choosing whom to book (any authenticated actor).
    pub async fn list_doctors(&self, page: Page) -> Result<Vec<User>> {
        let filter = UserFilter {
            role: Some(Role::Doctor),
            status: Some(UserStatus::Active),
            query: None,
        };
        self.inner.store.list_users(&filter, page.clamped()).await
    }

    /// A user's record: the user themself, or an admin.
    pub async fn get_user(&self, actor: &Actor, id: UserId) -> Result<User> {
        let subject = Subject::new("user", id);
        let action = if id == actor.user_id {
            Action::ReadOwnProfile
        } else {
            Action::ManageUsers
        };
        self.authorize(actor, action, Resource::User(id), "user.read", &subject)
            .await?;
        self.inner
            .store
            .user(id)
            .await?
            .ok_or_else(|| Error::not_found("user", id))
    }

    /// Applies an admin's change. Deactivation revokes every refresh token of the user; an
    /// admin cannot deactivate or demote themself. The user is notified.
    pub async fn update_user(&self, actor: &Actor, id: UserId, change: UserUpdate) -> Result<User> {
        let subject = Subject::new("user", id);
        self.authorize(
            actor,
            Action::ManageUsers,
            Resource::User(id),
            "user.update",
            &subject,
        )
        .await?;
        let current = self
            .inner
            .store
            .user(id)
            .await?
            .ok_or_else(|| Error::not_found("user", id))?;
        let mut v = Validator::new();
        if let Some(name) = &change.name {
            validate_name(&mut v, "name", name);
        }
        if let Some(role) = change.role {
            v.check(
                (role == Role::Patient) == (current.role == Role::Patient),
                "role",
                "cannot change a role to or from patient",
            );
        }
        if id == actor.user_id {
            v.check(
                change.status.is_none_or(|s| s == UserStatus::Active),
                "status",
                "cannot deactivate yourself",
            );
            v.check(
                change.role.is_none_or(|r| r == Role::Admin),
                "role",
                "cannot demote yourself",
            );
        }
        if let Some(s) = &change.specialization {
            v.check(
                s.chars().count() <= 100,
                "specialization",
                "must be at most 100 characters",
            );
        }
        if let Err(e) = v.finish() {
            return self.failed(Some(actor), "user.update", &subject, e).await;
        }
        let mut next = current.clone();
        next.status = change.status.unwrap_or(current.status);
        next.role = change.role.unwrap_or(current.role);
        next.name = change
            .name
            .as_deref()
            .map(str::trim)
            .map(str::to_owned)
            .unwrap_or(current.name.clone());
        if change.specialization.is_some() {
            next.specialization = change.specialization.clone();
        }
        next.updated_at = self.now();
        next.version = current.version + 1;
        let detail = format!(
            "status {} → {}, role {} → {}",
            current.status.as_str(),
            next.status.as_str(),
            current.role,
            next.role
        );
        let ev = self.event(
            Some(actor),
            "user.update",
            &subject,
            Outcome::Allowed,
            Some(detail),
        );
        if let Err(e) = self
            .inner
            .store
            .update_user(&next, current.version, &ev)
            .await
        {
            return self.failed(Some(actor), "user.update", &subject, e).await;
        }
        if next.status == UserStatus::Deactivated && current.status != UserStatus::Deactivated {
            self.inner.store.revoke_user_tokens(id, self.now()).await?;
        }
        if next.status != current.status || next.role != current.role {
            let message = match (current.status, next.status) {
                (UserStatus::PendingApproval, UserStatus::Active) => {
                    "Your account was approved".to_owned()
                }
                _ => format!(
                    "Your account is now {} ({})",
                    next.status.as_str(),
                    next.role
                ),
            };
            self.notify(
                next.id,
                NotificationKind::AccountChanged,
                message,
                json!({ "user_id": next.id }),
            )
            .await;
        }
        let _ = actor_of(&next);
        Ok(next)
    }

    /// Approves a pending doctor or nurse registration.
    pub async fn approve_user(&self, actor: &Actor, id: UserId) -> Result<User> {
        self.update_user(
            actor,
            id,
            UserUpdate {
                status: Some(UserStatus::Active),
                ..Default::default()
            },
        )
        .await
    }
}
