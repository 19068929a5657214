//! Access relationships that are data: caregiver delegation grants, care-team assignments
//! and break-glass sessions. The [`crate::policy`] engine decides with them.

use std::collections::BTreeSet;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::ids::{BreakGlassId, GrantId, PatientId, UserId};
use crate::policy::Action;

/// A patient's delegation of scoped actions on their chart to a caregiver.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Grant {
    /// Id.
    pub id: GrantId,
    /// The chart.
    pub patient_id: PatientId,
    /// The caregiver's user id.
    pub grantee: UserId,
    /// The delegated actions (a subset of [`Action::DELEGABLE`]).
    pub actions: BTreeSet<Action>,
    /// Who granted (the patient, or an admin on their behalf).
    pub granted_by: UserId,
    /// When granted.
    pub created_at: DateTime<Utc>,
    /// When the grant lapses, if ever.
    pub expires_at: Option<DateTime<Utc>>,
    /// When revoked, if it was.
    pub revoked_at: Option<DateTime<Utc>>,
}

impl Grant {
    /// Whether the grant is in force at `now`.
    pub fn is_active(&self, now: DateTime<Utc>) -> bool {
        self.revoked_at.is_none() && self.expires_at.is_none_or(|e| e > now)
    }
}

/// A doctor's time-boxed emergency access to a chart outside the care team.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BreakGlass {
    /// Id.
    pub id: BreakGlassId,
    /// The doctor.
    pub actor: UserId,
    /// The chart opened.
    pub patient_id: PatientId,
    /// The declared emergency (required, audited, shown to the patient).
    pub reason: String,
    /// When declared.
    pub started_at: DateTime<Utc>,
    /// When the access lapses.
    pub expires_at: DateTime<Utc>,
}
