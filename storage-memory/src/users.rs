//! Login identities: users by id and by normalised email.

use std::collections::HashMap;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use medsync_core::audit::AuditEvent;
use medsync_core::identity::{PasswordHash, Patient, User};
use medsync_core::ids::UserId;
use medsync_core::store::{Page, UserFilter, UserStore};
use medsync_core::{Error, Result};

use crate::page::{contains_ci, paginate};
use crate::MemoryStore;

/// Users, with a unique index on their (already normalised) email.
#[derive(Debug, Default)]
pub(crate) struct Users {
    by_id: HashMap<UserId, User>,
    by_email: HashMap<String, UserId>,
}

fn email_taken() -> Error {
    Error::conflict("email already registered", None)
}

impl Users {
    /// How many users are stored.
    pub(crate) fn count(&self) -> usize {
        self.by_id.len()
    }

    /// The user with this id.
    pub(crate) fn get(&self, id: UserId) -> Option<&User> {
        self.by_id.get(&id)
    }

    /// Whether `user` can be inserted: `Conflict` on a taken id or email.
    fn check_insert(&self, user: &User) -> Result<()> {
        if self.by_id.contains_key(&user.id) {
            return Err(Error::conflict(
                "user id already exists",
                Some(user.id.to_string()),
            ));
        }
        if self.by_email.contains_key(&user.email) {
            return Err(email_taken());
        }
        Ok(())
    }

    /// Inserts a user that passed [`Users::check_insert`].
    fn insert(&mut self, user: User) {
        self.by_email.insert(user.email.clone(), user.id);
        self.by_id.insert(user.id, user);
    }

    /// Compare-and-set replacement; the stored version becomes `expected_version + 1`.
    fn update(&mut self, user: &User, expected_version: u64) -> Result<()> {
        let stored = self
            .by_id
            .get(&user.id)
            .ok_or_else(|| Error::not_found("user", user.id))?;
        if stored.version != expected_version {
            return Err(Error::PreconditionFailed {
                entity: "user",
                expected: expected_version,
                current: stored.version,
            });
        }
        let old_email = stored.email.clone();
        if user.email != old_email {
            if self
                .by_email
                .get(&user.email)
                .is_some_and(|o| *o != user.id)
            {
                return Err(email_taken());
            }
            self.by_email.remove(&old_email);
            self.by_email.insert(user.email.clone(), user.id);
        }
        let mut next = user.clone();
        next.version = expected_version.saturating_add(1);
        self.by_id.insert(next.id, next);
        Ok(())
    }

    /// Sets the password hash of `id` at `at` (version + 1). `NotFound` if absent.
    pub(crate) fn set_password(
        &mut self,
        id: UserId,
        hash: &PasswordHash,
        at: DateTime<Utc>,
    ) -> Result<()> {
        let user = self
            .by_id
            .get_mut(&id)
            .ok_or_else(|| Error::not_found("user", id))?;
        user.password_hash = hash.clone();
        user.updated_at = at;
        user.version = user.version.saturating_add(1);
        Ok(())
    }

    /// Users matching `filter`, ordered by creation time then id.
    fn list(&self, filter: &UserFilter, page: Page) -> Vec<User> {
        let query = filter.query.as_deref().map(str::to_lowercase);
        let mut rows: Vec<&User> = self
            .by_id
            .values()
            .filter(|u| filter.role.is_none_or(|r| u.role == r))
            .filter(|u| filter.status.is_none_or(|s| u.status == s))
            .filter(|u| {
                query
                    .as_deref()
                    .is_none_or(|q| contains_ci(&u.name, q) || contains_ci(&u.email, q))
            })
            .collect();
        rows.sort_by_key(|u| (u.created_at, u.id));
        paginate(rows.into_iter().cloned(), page)
    }
}

#[async_trait]
impl UserStore for MemoryStore {
    async fn create_user(
        &self,
        user: &User,
        patient: Option<&Patient>,
        audit: &AuditEvent,
    ) -> Result<()> {
        let mut guard = self.lock();
        let st = &mut *guard;
        st.users.check_insert(user)?;
        if let Some(p) = patient {
            st.patients.check_insert(p)?;
        }
        st.users.insert(user.clone());
        if let Some(p) = patient {
            st.patients.insert(p.clone());
        }
        st.audit.append(audit);
        Ok(())
    }

    async fn user(&self, id: UserId) -> Result<Option<User>> {
        Ok(self.lock().users.get(id).cloned())
    }

    async fn user_by_email(&self, email: &str) -> Result<Option<User>> {
        let st = self.lock();
        Ok(st
            .users
            .by_email
            .get(email)
            .and_then(|id| st.users.get(*id))
            .cloned())
    }

    async fn update_user(
        &self,
        user: &User,
        expected_version: u64,
        audit: &AuditEvent,
    ) -> Result<()> {
        let mut guard = self.lock();
        let st = &mut *guard;
        st.users.update(user, expected_version)?;
        st.audit.append(audit);
        Ok(())
    }

    async fn set_password(
        &self,
        user_id: UserId,
        hash: &PasswordHash,
        audit: &AuditEvent,
    ) -> Result<()> {
        let mut guard = self.lock();
        let st = &mut *guard;
        st.users.set_password(user_id, hash, audit.at)?;
        st.tokens.revoke_user(user_id, audit.at);
        st.audit.append(audit);
        Ok(())
    }

    async fn list_users(&self, filter: &UserFilter, page: Page) -> Result<Vec<User>> {
        Ok(self.lock().users.list(filter, page))
    }
}

#[cfg(test)]
mod tests {
    use medsync_core::identity::{Role, UserStatus};
    use medsync_core::store::{
        AuditStore, Page, PatientFilter, PatientStore, UserFilter, UserStore,
    };
    use medsync_core::Error;

    use crate::fixtures::{chart, event, pid, uid, user};
    use crate::MemoryStore;

    #[tokio::test]
    async fn create_user_with_chart_is_all_or_nothing() {
        let s = MemoryStore::new();
        s.create_patient(&chart(1, "Ann", "MRN-1", None), &event("chart.create"))
            .await
            .unwrap();
        let mut u = user(1, "bob@example.org", Role::Patient);
        u.patient_id = Some(pid(2));
        let taken_mrn = chart(2, "Bob", "MRN-1", Some(u.id));
        let err = s
            .create_user(&u, Some(&taken_mrn), &event("user.register"))
            .await
            .unwrap_err();
        assert!(matches!(err, Error::Conflict { .. }), "{err:?}");
        assert!(s.user(u.id).await.unwrap().is_none());
        assert!(s.user_by_email(&u.email).await.unwrap().is_none());
        assert!(s.patient(pid(2)).await.unwrap().is_none());
        assert_eq!(s.audit_chain(0, 0, 10).await.unwrap().len(), 1);

        let ok = chart(2, "Bob", "MRN-2", Some(u.id));
        s.create_user(&u, Some(&ok), &event("user.register"))
            .await
            .unwrap();
        assert_eq!(s.patient(pid(2)).await.unwrap(), Some(ok));
    }

    #[tokio::test]
    async fn email_conflicts_never_echo_the_hash() {
        let s = MemoryStore::new();
        let a = user(1, "a@example.org", Role::Doctor);
        s.create_user(&a, None, &event("x")).await.unwrap();
        let err = s
            .create_user(&user(2, "a@example.org", Role::Nurse), None, &event("x"))
            .await
            .unwrap_err();
        let text = format!("{err} {err:?}");
        assert!(text.contains("email already registered"), "{text}");
        assert!(!text.contains("secret-hash"), "{text}");

        // Changing to a taken email conflicts; to a free one moves the index.
        let b = user(2, "b@example.org", Role::Nurse);
        s.create_user(&b, None, &event("x")).await.unwrap();
        let mut b2 = b.clone();
        b2.email = "a@example.org".into();
        b2.version = 2;
        assert!(matches!(
            s.update_user(&b2, 1, &event("x")).await,
            Err(Error::Conflict { .. })
        ));
        b2.email = "c@example.org".into();
        s.update_user(&b2, 1, &event("x")).await.unwrap();
        assert!(s.user_by_email("b@example.org").await.unwrap().is_none());
        assert_eq!(
            s.user_by_email("c@example.org")
                .await
                .unwrap()
                .map(|u| u.version),
            Some(2)
        );
        assert!(matches!(
            s.update_user(&b2, 1, &event("x")).await,
            Err(Error::PreconditionFailed {
                entity: "user",
                expected: 1,
                current: 2
            })
        ));
        let mut ghost = user(9, "g@example.org", Role::Admin);
        ghost.id = uid(9);
        assert!(matches!(
            s.update_user(&ghost, 1, &event("x")).await,
            Err(Error::NotFound { entity: "user", .. })
        ));
    }

    #[tokio::test]
    async fn listing_filters_sorts_and_pages() {
        let s = MemoryStore::new();
        for (n, email, role) in [
            (3, "carol@example.org", Role::Doctor),
            (1, "alice@example.org", Role::Doctor),
            (2, "bob@example.org", Role::Nurse),
        ] {
            let mut u = user(n, email, role);
            u.name = email.split('@').next().unwrap_or_default().to_uppercase();
            s.create_user(&u, None, &event("x")).await.unwrap();
        }
        let f = UserFilter {
            role: Some(Role::Doctor),
            ..Default::default()
        };
        let ids: Vec<_> = s
            .list_users(&f, Page::default())
            .await
            .unwrap()
            .into_iter()
            .map(|u| u.id)
            .collect();
        assert_eq!(ids, vec![uid(1), uid(3)]);
        let f = UserFilter {
            query: Some("Bo".into()),
            status: Some(UserStatus::Active),
            ..Default::default()
        };
        assert_eq!(s.list_users(&f, Page::default()).await.unwrap().len(), 1);
        let page = Page {
            offset: 2,
            limit: 5,
        };
        let rest = s.list_users(&UserFilter::default(), page).await.unwrap();
        assert_eq!(
            rest.into_iter().map(|u| u.id).collect::<Vec<_>>(),
            vec![uid(3)]
        );

        s.create_patient(&chart(1, "Zed", "MRN-9", None), &event("x"))
            .await
            .unwrap();
        let mut archived = chart(2, "Amy", "MRN-7", None);
        archived.archived_at = Some(archived.created_at);
        s.create_patient(&archived, &event("x")).await.unwrap();
        let f = PatientFilter {
            query: Some("mrn".into()),
            ..Default::default()
        };
        assert_eq!(s.list_patients(&f, Page::default()).await.unwrap().len(), 1);
        let f = PatientFilter {
            include_archived: true,
            ..f
        };
        let names: Vec<_> = s
            .list_patients(&f, Page::default())
            .await
            .unwrap()
            .into_iter()
            .map(|p| p.name)
            .collect();
        assert_eq!(names, vec!["Amy", "Zed"]);
    }
}
