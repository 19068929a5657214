//! Caregiver delegation grants and break-glass sessions.

use std::collections::BTreeSet;

use chrono::{DateTime, Utc};
use medsync_core::access::{BreakGlass, Grant};
use medsync_core::policy::Action;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

/// An action a patient may delegate to a caregiver.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum DelegableActionDto {
    /// Read the chart's demographics.
    ReadChart,
    /// See the patient's appointments.
    ReadAppointments,
    /// Book appointments for the patient.
    BookAppointment,
    /// Confirm, reschedule or cancel the patient's appointments.
    ManageAppointment,
    /// Read medical records and files.
    ReadRecords,
    /// Read prescriptions.
    ReadPrescriptions,
    /// Read invoices.
    ReadBilling,
}

impl From<DelegableActionDto> for Action {
    fn from(a: DelegableActionDto) -> Self {
        match a {
            DelegableActionDto::ReadChart => Self::ReadChart,
            DelegableActionDto::ReadAppointments => Self::ReadAppointments,
            DelegableActionDto::BookAppointment => Self::BookAppointment,
            DelegableActionDto::ManageAppointment => Self::ManageAppointment,
            DelegableActionDto::ReadRecords => Self::ReadRecords,
            DelegableActionDto::ReadPrescriptions => Self::ReadPrescriptions,
            DelegableActionDto::ReadBilling => Self::ReadBilling,
        }
    }
}

/// A grant of scoped access to a chart.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct GrantBody {
    /// The caregiver's user id (an active caregiver account, else 422).
    pub caregiver_id: Uuid,
    /// The delegated actions (at least one; repeats count once).
    #[schema(min_items = 1)]
    pub actions: Vec<DelegableActionDto>,
    /// When the grant lapses (in the future), if ever.
    #[serde(default)]
    #[schema(example = "2030-01-01T00:00:00Z")]
    pub expires_at: Option<DateTime<Utc>>,
}

impl GrantBody {
    /// The actions as a set of core actions.
    pub fn core_actions(&self) -> BTreeSet<Action> {
        self.actions.iter().copied().map(Action::from).collect()
    }
}

/// A caregiver's delegated access to a chart.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct GrantDto {
    /// Id.
    pub id: Uuid,
    /// The chart.
    pub patient_id: Uuid,
    /// The caregiver's user id.
    pub caregiver_id: Uuid,
    /// The delegated actions (wire names, e.g. `read_records`).
    pub actions: Vec<String>,
    /// Who granted.
    pub granted_by: Uuid,
    /// When granted.
    pub created_at: DateTime<Utc>,
    /// When it lapses, if ever.
    pub expires_at: Option<DateTime<Utc>>,
    /// When revoked, if it was.
    pub revoked_at: Option<DateTime<Utc>>,
}

impl From<Grant> for GrantDto {
    fn from(g: Grant) -> Self {
        Self {
            id: g.id.0,
            patient_id: g.patient_id.0,
            caregiver_id: g.grantee.0,
            actions: g.actions.iter().map(Action::as_str).collect(),
            granted_by: g.granted_by.0,
            created_at: g.created_at,
            expires_at: g.expires_at,
            revoked_at: g.revoked_at,
        }
    }
}

/// A declared emergency.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BreakGlassBody {
    /// What the emergency is: 10 to 1000 characters after trimming (shown to the patient and
    /// audited).
    #[schema(min_length = 10, max_length = 1000, pattern = r"\S[\s\S]{8,}\S")]
    pub reason: String,
}

/// A doctor's time-boxed emergency access to a chart.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct BreakGlassDto {
    /// Id.
    pub id: Uuid,
    /// The doctor.
    pub doctor_id: Uuid,
    /// The chart opened.
    pub patient_id: Uuid,
    /// The declared emergency.
    pub reason: String,
    /// When declared.
    pub started_at: DateTime<Utc>,
    /// When the access lapses.
    pub expires_at: DateTime<Utc>,
}

impl From<BreakGlass> for BreakGlassDto {
    fn from(b: BreakGlass) -> Self {
        Self {
            id: b.id.0,
            doctor_id: b.actor.0,
            patient_id: b.patient_id.0,
            reason: b.reason,
            started_at: b.started_at,
            expires_at: b.expires_at,
        }
    }
}
