//! The prescription state machine: `Active` → `Completed` | `Cancelled`.

use chrono::{DateTime, Utc};

use super::model::{Prescription, PrescriptionStatus};
use crate::error::{Error, Result};

impl PrescriptionStatus {
    /// The wire name (`"active"`).
    pub fn as_str(&self) -> &'static str {
        match self {
            PrescriptionStatus::Active => "active",
            PrescriptionStatus::Completed => "completed",
            PrescriptionStatus::Cancelled => "cancelled",
        }
    }
}

impl Prescription {
    /// The prescription moved to `to` at `now` (the version is left for the store's
    /// compare-and-set to advance). Only an `Active` prescription can be completed or
    /// cancelled: anything else is `InvalidState`.
    pub fn finished(&self, to: PrescriptionStatus, now: DateTime<Utc>) -> Result<Prescription> {
        if self.status != PrescriptionStatus::Active {
            return Err(Error::InvalidState(format!(
                "the prescription is {}, not active",
                self.status.as_str()
            )));
        }
        if to == PrescriptionStatus::Active {
            return Err(Error::InvalidState(
                "the prescription is already active".into(),
            ));
        }
        let mut next = self.clone();
        next.status = to;
        next.updated_at = now;
        Ok(next)
    }
}
