//! Prescriptions and the drug-interaction checker port.

mod checker;
mod curated;
mod model;

pub use checker::InteractionChecker;
pub use curated::CuratedInteractions;

pub use model::{
    InteractionFinding, InteractionResult, Medication, Prescription, PrescriptionStatus, Severity,
};
