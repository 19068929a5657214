//! Registration, login, token refresh, logout, password reset and authentication.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::support::Subject;
use super::MedSync;
use crate::audit::Outcome;
use crate::auth::{
    check_password_policy, hash_token, new_opaque_token, RefreshToken, ResetToken, RotateOutcome,
};
use crate::error::{Error, Result, Validator};
use crate::identity::{
    mrn_for, normalize_email, validate_email, validate_name, PasswordHash, Patient, PatientDetails,
    Role, User, UserStatus,
};
use crate::ids::{PatientId, RefreshTokenId, TokenFamilyId, UserId};
use crate::policy::Actor;

/// A self-registration request.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Registration {
    /// Display name.
    pub name: String,
    /// Email (unique, case-insensitive).
    pub email: String,
    /// Password (checked against the password policy; never stored or logged).
    pub password: String,
    /// `patient` (default), `caregiver`, `doctor` or `nurse`; doctors and nurses wait for an
    /// admin's approval. `admin` is refused.
    pub role: Option<Role>,
    /// For patients: chart details beyond the name (date of birth, sex, contact).
    #[serde(default)]
    pub patient: Option<PatientDetails>,
    /// For doctors: specialisation.
    pub specialization: Option<String>,
}

/// What a successful login or refresh returns.
#[derive(Clone, Serialize, Deserialize)]
pub struct TokenPair {
    /// JWT access token (short-lived).
    pub access_token: String,
    /// When the access token expires.
    pub access_expires_at: DateTime<Utc>,
    /// Seconds from issue until the access token expires (OAuth's `expires_in`).
    pub expires_in: i64,
    /// Opaque refresh token: single use, rotated on every refresh.
    pub refresh_token: String,
    /// When the refresh token expires.
    pub refresh_expires_at: DateTime<Utc>,
    /// The user logged in.
    pub user_id: UserId,
}

impl std::fmt::Debug for TokenPair {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenPair")
            .field("access_token", &"<redacted>")
            .field("refresh_token", &"<redacted>")
            .field("access_expires_at", &self.access_expires_at)
            .field("user_id", &self.user_id)
            .finish()
    }
}

const BAD_LOGIN: &str = "invalid email or password";

impl MedSync {
    /// Creates the first admin from configuration, or returns it if an admin with this email
    /// already exists. `Conflict` if the email belongs to a non-admin.
    pub async fn bootstrap_admin(&self, email: &str, name: &str, password: &str) -> Result<User> {
        let email_n = normalize_email(email);
        if let Some(existing) = self.inner.store.user_by_email(&email_n).await? {
            return if existing.role == Role::Admin {
                Ok(existing)
            } else {
                Err(Error::conflict(
                    "email belongs to a non-admin user",
                    Some(existing.id.to_string()),
                ))
            };
        }
        let user = self
            .new_user(
                Validator::new(),
                name,
                email,
                password,
                Role::Admin,
                UserStatus::Active,
                None,
                None,
            )
            .await?;
        let ev = self.event(
            None,
            "auth.bootstrap_admin",
            &Subject::new("user", user.id),
            Outcome::Allowed,
            None,
        );
        self.inner.store.create_user(&user, None, &ev).await?;
        Ok(user)
    }

    /// Self-registration. Patients get a chart and are active at once; caregivers are
    /// active; doctors and nurses are `pending_approval` until an admin approves them.
    pub async fn register(&self, reg: Registration) -> Result<User> {
        let role = reg.role.unwrap_or(Role::Patient);
        if role == Role::Admin {
            return Err(Error::invalid("role", "cannot self-register as admin"));
        }
        let status = match role {
            Role::Doctor | Role::Nurse => UserStatus::PendingApproval,
            _ => UserStatus::Active,
        };
        let now = self.now();
        let details = reg.patient.clone().unwrap_or_default();
        let mut patient = None;
        let mut v = Validator::new();
        if role == Role::Patient {
            let d = PatientDetails {
                name: reg.name.clone(),
                ..details
            };
            // Collected with the account's own errors so the caller sees them all at once.
            if let Err(e) = d.validate(now.date_naive()) {
                for f in prefix_fields(e, "patient.")
                    .field_errors()
                    .iter()
                    .filter(|f| f.field != "name")
                {
                    v.push(f.field.clone(), f.message.clone());
                }
            }
            let id = PatientId(self.uuid(now));
            patient = Some(Patient {
                id,
                name: d.name.trim().to_owned(),
                date_of_birth: d.date_of_birth,
                sex: d.sex.unwrap_or(crate::identity::Sex::Unknown),
                contact: crate::identity::Contact {
                    email: d
                        .contact
                        .email
                        .clone()
                        .or_else(|| Some(normalize_email(&reg.email))),
                    ..d.contact
                },
                mrn: mrn_for(id),
                user_id: None,
                archived_at: None,
                created_at: now,
                updated_at: now,
                version: 1,
            });
        }
        let specialization = if role == Role::Doctor {
            reg.specialization.clone()
        } else {
            None
        };
        let mut user = self
            .new_user(
                v,
                &reg.name,
                &reg.email,
                &reg.password,
                role,
                status,
                patient.as_ref().map(|p| p.id),
                specialization,
            )
            .await?;
        if let Some(p) = patient.as_mut() {
            p.user_id = Some(user.id);
        }
        user.patient_id = patient.as_ref().map(|p| p.id);
        let subject = Subject::new("user", user.id);
        let ev = self.event(
            None,
            "auth.register",
            &subject,
            Outcome::Allowed,
            Some(format!("role {role}")),
        );
        self.inner
            .store
            .create_user(&user, patient.as_ref(), &ev)
            .await?;
        Ok(user)
    }

    #[allow(clippy::too_many_arguments)]
    async fn new_user(
        &self,
        mut v: Validator,
        name: &str,
        email: &str,
        password: &str,
        role: Role,
        status: UserStatus,
        patient_id: Option<PatientId>,
        specialization: Option<String>,
    ) -> Result<User> {
        validate_name(&mut v, "name", name);
        validate_email(&mut v, "email", email);
        if let Some(s) = &specialization {
            v.check(
                s.chars().count() <= 100,
                "specialization",
                "must be at most 100 characters",
            );
        }
        let local = email.split('@').next().unwrap_or_default();
        if let Err(e) = check_password_policy(password, "password", &[local, name]) {
            e.field_errors().iter().for_each(|f| {
                v.push(f.field.clone(), f.message.clone());
            });
        }
        v.finish()?;
        let now = self.now();
        Ok(User {
            id: UserId(self.uuid(now)),
            email: normalize_email(email),
            name: name.trim().to_owned(),
            role,
            status,
            password_hash: self.inner.hasher.hash(password).await?,
            patient_id,
            specialization,
            created_at: now,
            updated_at: now,
            version: 1,
        })
    }

    /// Logs in with email and password. The error does not reveal whether the email exists,
    /// and an unknown email costs the same argon2 work as a wrong password. Only after a
    /// correct password does the error say that the account is pending or deactivated.
    pub async fn login(&self, email: &str, password: &str) -> Result<TokenPair> {
        let user = self
            .inner
            .store
            .user_by_email(&normalize_email(email))
            .await?;
        let Some(user) = user else {
            self.inner.hasher.verify_dummy(password).await;
            self.audit(
                None,
                "auth.login",
                &Subject::kind("user"),
                Outcome::Denied,
                Some("unknown email".into()),
            )
            .await?;
            return Err(Error::Unauthenticated(BAD_LOGIN.into()));
        };
        let actor = actor_of(&user);
        let subject = Subject::new("user", user.id);
        let verified = match self
            .inner
            .hasher
            .verify(password, &user.password_hash)
            .await
        {
            Ok(v) => v,
            Err(e) => return self.failed(Some(&actor), "auth.login", &subject, e).await,
        };
        if !verified {
            self.audit(
                Some(&actor),
                "auth.login",
                &subject,
                Outcome::Denied,
                Some("wrong password".into()),
            )
            .await?;
            return Err(Error::Unauthenticated(BAD_LOGIN.into()));
        }
        if let Err(e) = ensure_active(&user) {
            return self.failed(Some(&actor), "auth.login", &subject, e).await;
        }
        let pair = self
            .issue_pair(&user, TokenFamilyId(self.uuid(self.now())))
            .await?;
        self.audit(Some(&actor), "auth.login", &subject, Outcome::Allowed, None)
            .await?;
        Ok(pair)
    }

    async fn issue_pair(&self, user: &User, family: TokenFamilyId) -> Result<TokenPair> {
        let now = self.now();
        let (access_token, access_expires_at) = self.inner.jwt.issue(&actor_of(user), now)?;
        let refresh_token = new_opaque_token();
        let refresh_expires_at = now + self.inner.config.refresh_ttl;
        let token = RefreshToken {
            id: RefreshTokenId(self.uuid(now)),
            family_id: family,
            user_id: user.id,
            token_hash: hash_token(&refresh_token),
            issued_at: now,
            expires_at: refresh_expires_at,
            rotated_at: None,
            revoked_at: None,
        };
        self.inner.store.insert_refresh_token(&token).await?;
        Ok(TokenPair {
            access_token,
            access_expires_at,
            expires_in: (access_expires_at - now).num_seconds().max(0),
            refresh_token,
            refresh_expires_at,
            user_id: user.id,
        })
    }

    /// Exchanges a refresh token for a new pair. The presented token is spent; presenting a
    /// spent token again revokes its whole family (every session descended from that login).
    pub async fn refresh(&self, refresh_token: &str) -> Result<TokenPair> {
        let now = self.now();
        let next = new_opaque_token();
        let next_id = RefreshTokenId(self.uuid(now));
        let next_exp = now + self.inner.config.refresh_ttl;
        let outcome = self
            .inner
            .store
            .rotate_refresh_token(
                &hash_token(refresh_token),
                next_id,
                &hash_token(&next),
                next_exp,
                now,
            )
            .await?;
        match outcome {
            RotateOutcome::Rotated { user_id, family_id } => {
                let user = self.inner.store.user(user_id).await?;
                let Some(user) = user.filter(|u| u.status == UserStatus::Active) else {
                    self.inner
                        .store
                        .revoke_refresh_family(&hash_token(&next), now)
                        .await?;
                    let subject = Subject::new("user", user_id);
                    self.audit(
                        None,
                        "auth.refresh",
                        &subject,
                        Outcome::Denied,
                        Some("account not active".into()),
                    )
                    .await?;
                    return Err(Error::Unauthenticated("account is not active".into()));
                };
                let (access_token, access_expires_at) =
                    self.inner.jwt.issue(&actor_of(&user), now)?;
                let _ = family_id;
                Ok(TokenPair {
                    access_token,
                    access_expires_at,
                    expires_in: (access_expires_at - now).num_seconds().max(0),
                    refresh_token: next,
                    refresh_expires_at: next_exp,
                    user_id,
                })
            }
            RotateOutcome::Reused { user_id, family_id } => {
                let subject = Subject::new("token_family", family_id);
                let actor = self.inner.store.user(user_id).await?.map(|u| actor_of(&u));
                self.audit(
                    actor.as_ref(),
                    "auth.refresh_reuse",
                    &subject,
                    Outcome::Denied,
                    Some("family revoked".into()),
                )
                .await?;
                Err(Error::Unauthenticated(
                    "refresh token reuse detected; the session was revoked".into(),
                ))
            }
            RotateOutcome::Dead | RotateOutcome::Unknown => {
                Err(Error::Unauthenticated("invalid refresh token".into()))
            }
        }
    }

    /// Revokes the session (the refresh-token family) of `refresh_token`. Idempotent; an
    /// unknown token is not an error.
    pub async fn logout(&self, refresh_token: &str) -> Result<()> {
        if let Some(user_id) = self
            .inner
            .store
            .revoke_refresh_family(&hash_token(refresh_token), self.now())
            .await?
        {
            let actor = self.inner.store.user(user_id).await?.map(|u| actor_of(&u));
            self.audit(
                actor.as_ref(),
                "auth.logout",
                &Subject::new("user", user_id),
                Outcome::Allowed,
                None,
            )
            .await?;
        }
        Ok(())
    }

    /// Starts a password reset. Returns the single-use token (valid 30 minutes by default)
    /// for the embedder to deliver out of band, or `None` when no active user has this email —
    /// callers must answer both cases identically.
    pub async fn request_password_reset(&self, email: &str) -> Result<Option<String>> {
        let user = self
            .inner
            .store
            .user_by_email(&normalize_email(email))
            .await?;
        let Some(user) = user.filter(|u| u.status == UserStatus::Active) else {
            self.audit(
                None,
                "auth.password_reset_request",
                &Subject::kind("user"),
                Outcome::Denied,
                None,
            )
            .await?;
            return Ok(None);
        };
        let now = self.now();
        let token = new_opaque_token();
        let reset = ResetToken {
            token_hash: hash_token(&token),
            user_id: user.id,
            issued_at: now,
            expires_at: now + self.inner.config.reset_ttl,
            used_at: None,
        };
        self.inner.store.insert_reset_token(&reset).await?;
        let actor = actor_of(&user);
        self.audit(
            Some(&actor),
            "auth.password_reset_request",
            &Subject::new("user", user.id),
            Outcome::Allowed,
            None,
        )
        .await?;
        Ok(Some(token))
    }

    /// Completes a password reset: the token is spent, the password replaced and every
    /// refresh token of the user revoked, atomically.
    pub async fn confirm_password_reset(&self, token: &str, new_password: &str) -> Result<()> {
        check_password_policy(new_password, "password", &[])?;
        let hash: PasswordHash = self.inner.hasher.hash(new_password).await?;
        let ev = self.event(
            None,
            "auth.password_reset",
            &Subject::kind("user"),
            Outcome::Allowed,
            None,
        );
        match self
            .inner
            .store
            .consume_reset_token(&hash_token(token), &hash, self.now(), &ev)
            .await?
        {
            Some(_) => Ok(()),
            None => Err(Error::Unauthenticated(
                "invalid or expired reset token".into(),
            )),
        }
    }

    /// Verifies an access token and returns the actor, with role and status read from the
    /// store so that deactivation and role changes take effect at once.
    pub async fn authenticate(&self, access_token: &str) -> Result<Actor> {
        let claimed = self.inner.jwt.verify(access_token, self.now())?;
        let user = self.inner.store.user(claimed.user_id).await?;
        match user {
            Some(u) if u.status == UserStatus::Active => Ok(actor_of(&u)),
            _ => Err(Error::Unauthenticated("account is not active".into())),
        }
    }

    /// The actor's own user record.
    pub async fn me(&self, actor: &Actor) -> Result<User> {
        self.inner
            .store
            .user(actor.user_id)
            .await?
            .ok_or_else(|| Error::not_found("user", actor.user_id))
    }
}

/// The actor a user acts as.
pub(crate) fn actor_of(user: &User) -> Actor {
    Actor {
        user_id: user.id,
        role: user.role,
        patient_id: user.patient_id,
    }
}

fn ensure_active(user: &User) -> Result<()> {
    match user.status {
        UserStatus::Active => Ok(()),
        UserStatus::PendingApproval => Err(Error::Unauthenticated(
            "account is waiting for an admin's approval".into(),
        )),
        UserStatus::Deactivated => Err(Error::Unauthenticated("account is deactivated".into())),
    }
}

fn prefix_fields(e: Error, prefix: &str) -> Error {
    match e {
        Error::InvalidInput(fields) => Error::InvalidInput(
            fields
                .into_iter()
                .map(|mut f| {
                    if f.field != "name" {
                        f.field = format!("{prefix}{}", f.field);
                    }
                    f
                })
                .collect(),
        ),
        other => other,
    }
}
