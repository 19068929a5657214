//! Helpers over interaction findings.

use super::model::{InteractionFinding, InteractionResult, Severity};

impl InteractionResult {
    /// The severity of a documented interaction; `None` for no known interaction or an
    /// unknown drug.
    pub fn severity(&self) -> Option<Severity> {
        match self {
            InteractionResult::Interaction { severity, .. } => Some(*severity),
            _ => None,
        }
    }
}

impl InteractionFinding {
    /// Whether this finding blocks prescribing unless the prescriber overrides it with a
    /// reason: a `Contraindicated` interaction.
    pub fn is_contraindicated(&self) -> bool {
        self.result.severity() == Some(Severity::Contraindicated)
    }

    /// Whether the checker could not vouch for this pair (`UnknownDrug`).
    pub fn is_unknown(&self) -> bool {
        matches!(self.result, InteractionResult::UnknownDrug { .. })
    }

    /// Whether the pair is checked against an allergy (`against` = `allergy:<substance>`).
    pub fn is_allergy(&self) -> bool {
        self.against.starts_with("allergy:")
    }
}
