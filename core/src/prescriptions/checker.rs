//! The interaction-checker port.

use async_trait::async_trait;

use super::model::{InteractionFinding, Medication};
use crate::error::Result;

/// Checks a new prescription against the patient's active medications and allergies.
///
/// Contract: exactly one [`InteractionFinding`] per pair — one for each entry of `active`
/// (`against` = that drug's name) and one for each allergy (`against` = `allergy:<substance>`)
/// — in that order. A drug the checker does not know yields `UnknownDrug`, never
/// `NoKnownInteraction`: silence is not safety.
#[async_trait]
pub trait InteractionChecker: Send + Sync + 'static {
    /// Checks `new` against `active` medications and `allergies` (substance names).
    async fn check(
        &self,
        new: &Medication,
        active: &[Medication],
        allergies: &[String],
    ) -> Result<Vec<InteractionFinding>>;
}
