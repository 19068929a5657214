//! MedSync's default rule set, as data.

use super::model::Action::{self, *};
use super::rule::{Condition, Rule};
use crate::identity::Role::{Admin, Caregiver, Doctor, Nurse, Patient};

/// Everything an admin may do unconditionally: administration, charts' demographics,
/// appointments, care teams, grants, billing — but no clinical content.
const ADMIN_ADMINISTERS: &[Action] = &[
    ManageUsers,
    ManageAvailability,
    ReadAudit,
    ViewAnalytics,
    CreateChart,
    ReadChart,
    UpdateChart,
    ArchiveChart,
    ReadAppointments,
    BookAppointment,
    ManageAppointment,
    ManageCareTeam,
    ManageGrants,
    ReadBilling,
    ManageBilling,
    ReadOwnProfile,
];

/// What a doctor may do on a chart of their care team (or one opened via break-glass).
const DOCTOR_TREATS: &[Action] = &[
    ReadChart,
    UpdateChart,
    ReadAppointments,
    BookAppointment,
    ManageAppointment,
    CompleteAppointment,
    ReadRecords,
    CreateRecord,
    AmendRecord,
    AddNote,
    ReadPrescriptions,
    Prescribe,
    ReadBilling,
];

/// What a nurse may do on a chart of their care team.
const NURSE_ASSISTS: &[Action] = &[
    ReadChart,
    ReadAppointments,
    BookAppointment,
    ManageAppointment,
    ReadRecords,
    AddNote,
    ReadPrescriptions,
];

/// What a patient may do on their own chart.
const PATIENT_OWNS: &[Action] = &[
    ReadChart,
    UpdateChart,
    ReadAppointments,
    BookAppointment,
    ManageAppointment,
    ReadRecords,
    CreateRecord,
    ReadPrescriptions,
    ReadBilling,
    ManageBilling,
    ManageGrants,
];

/// MedSync's default rules, in evaluation order. Deny rules come first (the first matching
/// one names a denial); among allow rules the first match names the decision. Anything no
/// rule allows is denied as `"default-deny"`.
pub fn standard_rules() -> Vec<Rule> {
    use Condition::{Always, CareTeam, Granted, Owner, SelfUser};
    vec![
        // --- hard limits ---
        Rule::deny(
            "nurse-never-amends-or-deletes",
            &[Nurse],
            &[AmendRecord, DeleteRecord, Prescribe],
            Always,
        ),
        Rule::deny("records-are-never-deleted", &[], &[DeleteRecord], Always),
        // --- everyone with an account ---
        Rule::allow(
            "read-own-profile",
            &[Doctor, Nurse, Patient, Caregiver],
            &[ReadOwnProfile],
            SelfUser,
        ),
        // --- admin ---
        Rule::allow("admin-administers", &[Admin], ADMIN_ADMINISTERS, Always),
        Rule::allow(
            "admin-reads-clinical-via-break-glass",
            &[Admin],
            &[ReadRecords, ReadPrescriptions],
            Condition::BreakGlass,
        ),
        // --- doctor ---
        Rule::allow(
            "doctor-manages-own-schedule",
            &[Doctor],
            &[ManageAvailability],
            SelfUser,
        ),
        // Booking is not a way into a chart: a doctor books only patients they already
        // treat (see doctor-treats-care-team-charts); walk-ins get a chart, which makes its
        // creator part of the care team.
        Rule::allow(
            "doctor-registers-walk-ins",
            &[Doctor],
            &[CreateChart],
            Always,
        ),
        Rule::allow(
            "doctor-declares-emergency",
            &[Doctor],
            &[Action::BreakGlass],
            Always,
        ),
        Rule::allow(
            "doctor-treats-care-team-charts",
            &[Doctor],
            DOCTOR_TREATS,
            Condition::AnyOf(vec![CareTeam, Condition::BreakGlass]),
        ),
        // --- nurse ---
        Rule::allow(
            "nurse-assists-care-team-charts",
            &[Nurse],
            NURSE_ASSISTS,
            CareTeam,
        ),
        // --- patient ---
        Rule::allow("patient-manages-own-chart", &[Patient], PATIENT_OWNS, Owner),
        // --- caregiver ---
        Rule::allow(
            "caregiver-acts-on-grants",
            &[Caregiver],
            &Action::DELEGABLE,
            Granted,
        ),
    ]
}
