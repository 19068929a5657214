//! [`UserStore`]: login identities, created together with their chart and audit entry.

use async_trait::async_trait;
use bson::{doc, Document};
use futures::FutureExt;
use medsync_core::audit::AuditEvent;
use medsync_core::identity::{PasswordHash, Patient, User};
use medsync_core::ids::UserId;
use medsync_core::store::{Page, UserFilter, UserStore};
use medsync_core::{Error, Result};
use mongodb::ClientSession;

use crate::cas::replace_versioned;
use crate::convert::{all, bdate, bid, i64_of, literal_regex, page_bounds, tag};
use crate::error;
use crate::model::identity::{PatientDoc, UserDoc};
use crate::schema::{PATIENTS, REFRESH_TOKENS, USERS};
use crate::store::MongoStore;
use crate::txn::Attempt;

/// The filter of a user listing, built from typed values only.
fn user_filter(f: &UserFilter) -> Document {
    let mut q = Document::new();
    if let Some(role) = f.role {
        q.insert("role", tag(&role));
    }
    if let Some(status) = f.status {
        q.insert("status", tag(&status));
    }
    if let Some(text) = &f.query {
        let re = literal_regex(text);
        q.insert("$or", vec![doc! {"name": re.clone()}, doc! {"email": re}]);
    }
    q
}

impl MongoStore {
    async fn create_user_in(
        &self,
        s: &mut ClientSession,
        chain: u32,
        user: &User,
        patient: Option<&Patient>,
        audit: &AuditEvent,
    ) -> Attempt<()> {
        self.coll::<UserDoc>(USERS)
            .insert_one(UserDoc::from(user))
            .session(&mut *s)
            .await?;
        if let Some(p) = patient {
            self.coll::<PatientDoc>(PATIENTS)
                .insert_one(PatientDoc::from(p))
                .session(&mut *s)
                .await?;
        }
        self.append_in(s, chain, audit).await?;
        Ok(())
    }

    async fn update_user_in(
        &self,
        s: &mut ClientSession,
        chain: u32,
        user: &User,
        expected: u64,
        audit: &AuditEvent,
    ) -> Attempt<()> {
        let mut next = UserDoc::from(user);
        next.version = i64_of(expected.saturating_add(1));
        let users = self.coll::<UserDoc>(USERS);
        replace_versioned(&users, s, "user", user.id.0, expected, &next).await?;
        self.append_in(s, chain, audit).await?;
        Ok(())
    }

    async fn set_password_in(
        &self,
        s: &mut ClientSession,
        chain: u32,
        user_id: UserId,
        hash: &PasswordHash,
        audit: &AuditEvent,
    ) -> Attempt<()> {
        self.set_password_hash(s, user_id, hash, audit.at).await?;
        self.revoke_all_refresh(s, user_id, audit.at).await?;
        self.append_in(s, chain, audit).await?;
        Ok(())
    }

    /// Sets the user's password hash (version + 1, `updated_at = at`). `NotFound` if absent.
    pub(crate) async fn set_password_hash(
        &self,
        s: &mut ClientSession,
        user_id: UserId,
        hash: &PasswordHash,
        at: chrono::DateTime<chrono::Utc>,
    ) -> Attempt<()> {
        let r = self
            .raw(USERS)
            .update_one(
                doc! {"_id": bid(user_id.0)},
                doc! {
                    "$set": {"password_hash": &hash.0, "updated_at": bdate(at)},
                    "$inc": {"version": 1_i64},
                },
            )
            .session(s)
            .await?;
        if r.matched_count == 0 {
            return Err(Error::not_found("user", user_id).into());
        }
        Ok(())
    }

    /// Sets `revoked_at = at` on every refresh token of the user not revoked yet; returns how
    /// many changed.
    pub(crate) async fn revoke_all_refresh(
        &self,
        s: &mut ClientSession,
        user_id: UserId,
        at: chrono::DateTime<chrono::Utc>,
    ) -> Attempt<u64> {
        let r = self
            .raw(REFRESH_TOKENS)
            .update_many(
                doc! {"user_id": bid(user_id.0), "revoked_at": null},
                doc! {"$set": {"revoked_at": bdate(at)}},
            )
            .session(s)
            .await?;
        Ok(r.modified_count)
    }
}

#[async_trait]
impl UserStore for MongoStore {
    async fn create_user(
        &self,
        user: &User,
        patient: Option<&Patient>,
        audit: &AuditEvent,
    ) -> Result<()> {
        let ctx = (self, user, patient, audit);
        self.transaction("user creation", &ctx, |s, chain, &(st, u, p, a)| {
            st.create_user_in(s, chain, u, p, a).boxed()
        })
        .await
    }

    async fn user(&self, id: UserId) -> Result<Option<User>> {
        let found = self
            .coll::<UserDoc>(USERS)
            .find_one(doc! {"_id": bid(id.0)})
            .await
            .map_err(|e| error::map(e, "reading a user"))?;
        Ok(found.map(User::from))
    }

    async fn user_by_email(&self, email: &str) -> Result<Option<User>> {
        // A typed string value: matched literally, never interpreted as an operator.
        let found = self
            .coll::<UserDoc>(USERS)
            .find_one(doc! {"email": email})
            .await
            .map_err(|e| error::map(e, "reading a user"))?;
        Ok(found.map(User::from))
    }

    async fn update_user(
        &self,
        user: &User,
        expected_version: u64,
        audit: &AuditEvent,
    ) -> Result<()> {
        let ctx = (self, user, expected_version, audit);
        self.transaction("user update", &ctx, |s, chain, &(st, u, v, a)| {
            st.update_user_in(s, chain, u, v, a).boxed()
        })
        .await
    }

    async fn set_password(
        &self,
        user_id: UserId,
        hash: &PasswordHash,
        audit: &AuditEvent,
    ) -> Result<()> {
        let ctx = (self, user_id, hash, audit);
        self.transaction("password change", &ctx, |s, chain, &(st, id, h, a)| {
            st.set_password_in(s, chain, id, h, a).boxed()
        })
        .await
    }

    async fn list_users(&self, filter: &UserFilter, page: Page) -> Result<Vec<User>> {
        let (skip, limit) = page_bounds(page);
        let cursor = self
            .coll::<UserDoc>(USERS)
            .find(user_filter(filter))
            .sort(doc! {"created_at": 1, "_id": 1})
            .skip(skip)
            .limit(limit)
            .await
            .map_err(|e| error::map(e, "listing users"))?;
        Ok(all(cursor).await?.into_iter().map(User::from).collect())
    }
}
