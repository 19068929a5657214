//! TEMPORARY skeleton: the built-in curated interaction table is being written.

use async_trait::async_trait;

use super::checker::InteractionChecker;
use super::model::{InteractionFinding, Medication};
use crate::error::Result;

/// The built-in checker (being written).
#[derive(Debug, Default, Clone)]
pub struct CuratedInteractions;

#[async_trait]
impl InteractionChecker for CuratedInteractions {
    async fn check(
        &self,
        _new: &Medication,
        _active: &[Medication],
        _allergies: &[String],
    ) -> Result<Vec<InteractionFinding>> {
        todo!("TEMP")
    }
}
