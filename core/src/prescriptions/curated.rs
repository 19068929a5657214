//! The built-in checker: a small curated table of well-documented interactions.

use std::collections::HashMap;
use std::sync::OnceLock;

use async_trait::async_trait;

use super::checker::InteractionChecker;
use super::curated_names::{ALIASES, CLASSES, OTHER_KNOWN, RXNORM};
use super::curated_table::{ALLERGY_RULES, INTERACTIONS};
use super::model::{InteractionFinding, InteractionResult, Medication, Severity};
use crate::error::Result;

/// MedSync's built-in [`InteractionChecker`]: a curated table of well-documented drug–drug
/// interactions (FDA labels, the ONC high-priority list) and drug–allergy contraindications.
///
/// It knows every drug named in its tables plus a few common drugs with no listed interaction.
/// Names match case-insensitively after trimming; common brand names and synonyms map to the
/// generic (`"Coumadin"` → warfarin), as do a few RxNorm ingredient ids. For each pair:
///
/// - a listed interaction → `Interaction` (the most severe listed one);
/// - the same ingredient twice → a moderate duplicate-therapy `Interaction`;
/// - otherwise `NoKnownInteraction` only when both drugs are known, else `UnknownDrug` naming
///   the one it does not know (the new drug first). Silence is never reported as safety.
///
/// For an allergy, an allergy recorded against the very substance prescribed is always
/// `Contraindicated`; otherwise a listed allergy rule gives `Interaction`, a known drug
/// `NoKnownInteraction`, an unknown one `UnknownDrug`.
///
/// It is a teaching-grade safety net, not a substitute for a commercial drug knowledge base:
/// inject another checker with [`crate::service::MedSyncBuilder::interactions`].
#[derive(Debug, Default, Clone, Copy)]
pub struct CuratedInteractions {
    /// Room for configuration without breaking callers; the tables themselves are static.
    _private: (),
}

/// A matched rule, before it becomes an [`InteractionResult`].
struct Hit {
    severity: Severity,
    description: &'static str,
    source: &'static str,
}

impl From<Hit> for InteractionResult {
    fn from(h: Hit) -> Self {
        InteractionResult::Interaction {
            severity: h.severity,
            description: h.description.to_owned(),
            source: h.source.to_owned(),
        }
    }
}

const DUPLICATE: Hit = Hit {
    severity: Severity::Moderate,
    description: "Duplicate therapy: the same active ingredient is already prescribed.",
    source: "MedSync curated rule: duplicate ingredient",
};

const SAME_SUBSTANCE: Hit = Hit {
    severity: Severity::Contraindicated,
    description: "The patient has a documented allergy to this drug.",
    source: "Patient allergy record (same substance)",
};

/// The most severe hit; among equally severe ones, the first.
fn strongest(hits: impl Iterator<Item = Hit>) -> Option<Hit> {
    hits.fold(None, |best: Option<Hit>, h| match best {
        Some(b) if b.severity >= h.severity => Some(b),
        _ => Some(h),
    })
}

/// Normalises a drug or substance name: trimmed, lower case, single spaces, and `/`, `+` or
/// spaced dashes joining a combination product turned into a plain `-`.
pub(crate) fn normalize(name: &str) -> String {
    let mapped: String = name
        .trim()
        .to_lowercase()
        .chars()
        .map(|c| if c == '/' || c == '+' { '-' } else { c })
        .collect();
    mapped
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .replace(" -", "-")
        .replace("- ", "-")
}

/// Lookup tables built once from the curated data.
struct Index {
    /// Normalised generic name, brand name or synonym → generic name.
    names: HashMap<&'static str, &'static str>,
    /// RxNorm ingredient id → generic name.
    rxnorm: HashMap<&'static str, &'static str>,
    /// Generic name → the classes it belongs to.
    classes: HashMap<&'static str, Vec<&'static str>>,
}

impl Index {
    fn build() -> Self {
        let mut classes: HashMap<&'static str, Vec<&'static str>> = HashMap::new();
        for class in CLASSES {
            for member in class.members {
                classes.entry(member).or_default().push(class.name);
            }
        }
        let plain = |terms: &'static [&'static str]| terms.iter().filter(|t| !t.starts_with('@'));
        let mut names: HashMap<&'static str, &'static str> = HashMap::new();
        let generics = classes
            .keys()
            .copied()
            .chain(
                INTERACTIONS
                    .iter()
                    .flat_map(|r| plain(r.a).chain(plain(r.b)))
                    .copied(),
            )
            .chain(ALLERGY_RULES.iter().flat_map(|r| plain(r.drugs)).copied())
            .chain(OTHER_KNOWN.iter().copied())
            .chain(ALIASES.iter().map(|(_, g)| *g))
            .chain(RXNORM.iter().map(|(_, g)| *g))
            .collect::<Vec<_>>();
        for g in generics {
            names.insert(g, g);
        }
        for (alias, generic) in ALIASES {
            names.entry(alias).or_insert(generic);
        }
        Self {
            names,
            rxnorm: RXNORM.iter().copied().collect(),
            classes,
        }
    }

    fn get() -> &'static Self {
        static INDEX: OnceLock<Index> = OnceLock::new();
        INDEX.get_or_init(Self::build)
    }

    fn resolve(&self, name: &str) -> Option<&'static str> {
        self.names.get(normalize(name).as_str()).copied()
    }

    /// The generic names a medication stands for: by name and by RxNorm id (both, if they
    /// disagree, so a mismatch can only add findings). Empty when unknown.
    fn identities(&self, m: &Medication) -> Vec<&'static str> {
        let by_id = m
            .rxnorm
            .as_deref()
            .and_then(|id| self.rxnorm.get(id.trim()).copied());
        let mut ids: Vec<&'static str> = self.resolve(&m.name).into_iter().collect();
        if let Some(g) = by_id.filter(|g| !ids.contains(g)) {
            ids.push(g);
        }
        ids
    }

    fn in_class(&self, drug: &str, class: &str) -> bool {
        self.classes.get(drug).is_some_and(|cs| cs.contains(&class))
    }

    /// Whether `term` (a generic name or `@class`) covers `drug`.
    fn covers(&self, term: &str, drug: &str) -> bool {
        match term.strip_prefix('@') {
            Some(class) => self.in_class(drug, class),
            None => term == drug,
        }
    }

    fn any(&self, terms: &[&str], drugs: &[&'static str]) -> bool {
        terms
            .iter()
            .any(|t| drugs.iter().any(|d| self.covers(t, d)))
    }
}

/// Strips words that often decorate an allergy entry ("penicillin allergy").
fn allergy_substance(substance: &str) -> String {
    let s = normalize(substance);
    for suffix in [
        " allergy",
        " allergies",
        " hypersensitivity",
        " intolerance",
    ] {
        if let Some(stem) = s.strip_suffix(suffix) {
            return stem.to_owned();
        }
    }
    s
}

fn unknown(m: &Medication) -> InteractionResult {
    InteractionResult::UnknownDrug {
        drug: m.name.trim().to_owned(),
    }
}

impl CuratedInteractions {
    /// The checker (it holds no state: the tables are static).
    pub fn new() -> Self {
        Self::default()
    }

    /// The generic name the checker knows `name` by (`"Advil"` → `"ibuprofen"`), if any.
    pub fn generic_name(&self, name: &str) -> Option<&'static str> {
        Index::get().resolve(name)
    }

    /// Whether the checker knows the medication (by name or RxNorm id).
    pub fn knows(&self, medication: &Medication) -> bool {
        !Index::get().identities(medication).is_empty()
    }

    /// What the table says about prescribing `new` next to `other`.
    pub fn check_pair(&self, new: &Medication, other: &Medication) -> InteractionResult {
        let idx = Index::get();
        let a = idx.identities(new);
        if a.is_empty() {
            return unknown(new);
        }
        let b = idx.identities(other);
        if b.is_empty() {
            return unknown(other);
        }
        let rules = INTERACTIONS
            .iter()
            .filter(|r| {
                (idx.any(r.a, &a) && idx.any(r.b, &b)) || (idx.any(r.b, &a) && idx.any(r.a, &b))
            })
            .map(|r| Hit {
                severity: r.severity,
                description: r.description,
                source: r.source,
            });
        let duplicate = a.iter().any(|g| b.contains(g)).then_some(DUPLICATE);
        strongest(rules.chain(duplicate)).map_or(InteractionResult::NoKnownInteraction, Into::into)
    }

    /// What the table says about prescribing `new` to a patient allergic to `substance`.
    pub fn check_allergy(&self, new: &Medication, substance: &str) -> InteractionResult {
        let idx = Index::get();
        let sub = allergy_substance(substance);
        let sub_drug = idx.names.get(sub.as_str()).copied();
        let ids = idx.identities(new);
        let same = !sub.is_empty()
            && (normalize(&new.name) == sub || sub_drug.is_some_and(|d| ids.contains(&d)));
        if same {
            return SAME_SUBSTANCE.into();
        }
        if ids.is_empty() {
            return unknown(new);
        }
        let allergen = |term: &&str| match term.strip_prefix('@') {
            Some(class) => sub_drug.is_some_and(|d| idx.in_class(d, class)),
            None => *term == sub || sub_drug == Some(*term),
        };
        let rules = ALLERGY_RULES
            .iter()
            .filter(|r| r.allergens.iter().any(allergen) && idx.any(r.drugs, &ids))
            .map(|r| Hit {
                severity: r.severity,
                description: r.description,
                source: r.source,
            });
        strongest(rules).map_or(InteractionResult::NoKnownInteraction, Into::into)
    }

    /// The findings for `new` per the [`InteractionChecker`] contract (synchronous).
    pub fn findings(
        &self,
        new: &Medication,
        active: &[Medication],
        allergies: &[String],
    ) -> Vec<InteractionFinding> {
        let drug = new.name.trim().to_owned();
        let drugs = active.iter().map(|other| InteractionFinding {
            drug: drug.clone(),
            against: other.name.trim().to_owned(),
            result: self.check_pair(new, other),
        });
        let allergies = allergies.iter().map(|substance| InteractionFinding {
            drug: drug.clone(),
            against: format!("allergy:{}", substance.trim()),
            result: self.check_allergy(new, substance),
        });
        drugs.chain(allergies).collect()
    }
}

#[async_trait]
impl InteractionChecker for CuratedInteractions {
    async fn check(
        &self,
        new: &Medication,
        active: &[Medication],
        allergies: &[String],
    ) -> Result<Vec<InteractionFinding>> {
        Ok(self.findings(new, active, allergies))
    }
}
