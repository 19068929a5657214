//! Everything the store holds, behind the one lock of [`crate::MemoryStore`].

use crate::access::Access;
use crate::audit::AuditLog;
use crate::billing::Billing;
use crate::files::Files;
use crate::notifications::Notifications;
use crate::patients::Patients;
use crate::prescriptions::Prescriptions;
use crate::records::Records;
use crate::schedule::Schedule;
use crate::tokens::Tokens;
use crate::users::Users;

/// The whole state. Every store method locks it once, checks and writes under the lock, and
/// appends its audit event in the same critical section.
#[derive(Debug, Default)]
pub(crate) struct State {
    /// Login identities.
    pub(crate) users: Users,
    /// Patient charts.
    pub(crate) patients: Patients,
    /// Refresh and reset tokens.
    pub(crate) tokens: Tokens,
    /// Availability and appointments with their indexes.
    pub(crate) schedule: Schedule,
    /// Care teams, grants and break-glass sessions.
    pub(crate) access: Access,
    /// The hash-chained audit log.
    pub(crate) audit: AuditLog,
    /// Stored notifications.
    pub(crate) notifications: Notifications,
    /// Medical records, versions and notes.
    pub(crate) records: Records,
    /// Prescriptions.
    pub(crate) prescriptions: Prescriptions,
    /// Fees and invoices.
    pub(crate) billing: Billing,
    /// Uploaded files.
    pub(crate) files: Files,
}
