//! Account creation: self-registration ([`Registration`], [`MedSync::register`]) and the
//! first admin's bootstrap ([`MedSync::bootstrap_admin`]), with the validation they share.

use serde::{Deserialize, Serialize};

use super::support::Subject;
use super::MedSync;
use crate::audit::Outcome;
use crate::auth::check_password_policy;
use crate::error::{Error, Result, Validator};
use crate::identity::{
    mrn_for, normalize_email, validate_email, validate_name, Patient, PatientDetails, Role, User,
    UserStatus,
};
use crate::ids::{PatientId, UserId};

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
