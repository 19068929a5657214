//! Prescriptions and the drug-interaction checker port.

mod checker;
mod curated;
mod curated_names;
mod curated_table;
#[cfg(test)]
mod curated_tests;
mod findings;
mod lifecycle;
mod model;
mod request;

pub use checker::InteractionChecker;
pub use curated::CuratedInteractions;
pub(crate) use request::check_medication;
pub use request::PrescriptionRequest;

pub use model::{
    InteractionFinding, InteractionResult, Medication, Prescription, PrescriptionStatus, Severity,
};
