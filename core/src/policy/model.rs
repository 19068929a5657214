//! The vocabulary of the policy engine: actors, actions, resources, relationships, decisions.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

use crate::identity::Role;
use crate::ids::{PatientId, UserId};

/// The authenticated principal performing a call.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Actor {
    /// The user.
    pub user_id: UserId,
    /// The user's role (as of the access token's issue time).
    pub role: Role,
    /// For patient users, their own chart.
    pub patient_id: Option<PatientId>,
}

/// Everything an actor can ask to do. Chart-scoped actions are evaluated against the actor's
/// [`Relationships`] to the chart's patient.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    // --- charts (patient demographics) ---
    /// Create a chart for a patient without an account.
    CreateChart,
    /// Read a chart's demographics.
    ReadChart,
    /// Change a chart's demographics.
    UpdateChart,
    /// Archive a chart (nothing is destroyed).
    ArchiveChart,
    // --- appointments ---
    /// See appointments of a patient.
    ReadAppointments,
    /// Book an appointment for a patient.
    BookAppointment,
    /// Confirm, reschedule or cancel a patient's appointment.
    ManageAppointment,
    /// Mark an appointment completed or no-show (the treating doctor).
    CompleteAppointment,
    // --- clinical content ---
    /// Read medical records and files.
    ReadRecords,
    /// Create a medical record or upload a file.
    CreateRecord,
    /// Amend (append a new version of) a medical record.
    AmendRecord,
    /// Append a note to a record.
    AddNote,
    /// Delete a record or file (destructive; nobody but an extension may).
    DeleteRecord,
    /// Read prescriptions.
    ReadPrescriptions,
    /// Issue or change a prescription.
    Prescribe,
    /// Read invoices.
    ReadBilling,
    /// Record payments, void invoices.
    ManageBilling,
    // --- access management ---
    /// Grant or revoke a caregiver's delegated access to a chart.
    ManageGrants,
    /// Declare an emergency and open a chart via break-glass.
    BreakGlass,
    /// Add or remove care-team members of a chart.
    ManageCareTeam,
    // --- non-chart ---
    /// List, approve, edit and deactivate users.
    ManageUsers,
    /// Read one's own user profile (`Resource::User` of oneself).
    ReadOwnProfile,
    /// Set a doctor's availability.
    ManageAvailability,
    /// Read the audit log and verify it.
    ReadAudit,
    /// Read analytics and reports.
    ViewAnalytics,
}

impl Action {
    /// Every action, in a stable order (used by the matrix test and documentation).
    pub const ALL: [Action; 25] = [
        Action::CreateChart,
        Action::ReadChart,
        Action::UpdateChart,
        Action::ArchiveChart,
        Action::ReadAppointments,
        Action::BookAppointment,
        Action::ManageAppointment,
        Action::CompleteAppointment,
        Action::ReadRecords,
        Action::CreateRecord,
        Action::AmendRecord,
        Action::AddNote,
        Action::DeleteRecord,
        Action::ReadPrescriptions,
        Action::Prescribe,
        Action::ReadBilling,
        Action::ManageBilling,
        Action::ManageGrants,
        Action::BreakGlass,
        Action::ManageCareTeam,
        Action::ManageUsers,
        Action::ReadOwnProfile,
        Action::ManageAvailability,
        Action::ReadAudit,
        Action::ViewAnalytics,
    ];

    /// The actions a patient may delegate to a caregiver through a grant.
    pub const DELEGABLE: [Action; 7] = [
        Action::ReadChart,
        Action::ReadAppointments,
        Action::BookAppointment,
        Action::ManageAppointment,
        Action::ReadRecords,
        Action::ReadPrescriptions,
        Action::ReadBilling,
    ];

    /// Whether the action touches clinical content (admins need break-glass for it).
    pub fn is_clinical(&self) -> bool {
        matches!(
            self,
            Action::ReadRecords
                | Action::CreateRecord
                | Action::AmendRecord
                | Action::AddNote
                | Action::DeleteRecord
                | Action::ReadPrescriptions
                | Action::Prescribe
        )
    }

    /// The action's wire name (`"read_records"`).
    pub fn as_str(&self) -> String {
        serde_json::to_value(self)
            .ok()
            .and_then(|v| v.as_str().map(str::to_owned))
            .unwrap_or_default()
    }
}

/// What an action is performed on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", content = "id", rename_all = "snake_case")]
pub enum Resource {
    /// The system as a whole (user management, audit, analytics, chart creation).
    System,
    /// A user account.
    User(UserId),
    /// A doctor's schedule (availability).
    Schedule(UserId),
    /// A patient's chart and everything that hangs off it.
    Chart(PatientId),
}

/// The actor's relationships to a chart at the time of the decision, loaded by the store in
/// one read ([`crate::store::AccessStore::relationships`]).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Relationships {
    /// The chart is the actor's own.
    pub owner: bool,
    /// The actor is a doctor or nurse on the patient's care team (assigned, or has or had an
    /// appointment with the patient).
    pub care_team: bool,
    /// Actions delegated to the actor by unexpired, unrevoked grants.
    pub granted: BTreeSet<Action>,
    /// The actor holds an active (unexpired) break-glass session on the chart.
    pub break_glass: bool,
}

/// The engine's answer, with the rule that decided it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Decision {
    /// Whether the action may proceed.
    pub allowed: bool,
    /// The name of the deciding rule, or `"default-deny"`.
    pub rule: String,
    /// The access rests on break-glass (must be audited as such).
    pub via_break_glass: bool,
}
