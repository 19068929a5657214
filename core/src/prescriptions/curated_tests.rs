//! Tests of the curated checker: every table family, names, unknowns, allergies, order.

use super::curated::{normalize, CuratedInteractions};
use super::curated_names::{ALIASES, CLASSES, OTHER_KNOWN, RXNORM};
use super::curated_table::{ALLERGY_RULES, INTERACTIONS};
use super::model::{InteractionResult, Medication, Severity};
use super::InteractionChecker;

fn med(name: &str) -> Medication {
    Medication {
        name: name.into(),
        rxnorm: None,
    }
}

fn pair(a: &str, b: &str) -> InteractionResult {
    CuratedInteractions::new().check_pair(&med(a), &med(b))
}

fn allergy(drug: &str, substance: &str) -> InteractionResult {
    CuratedInteractions::new().check_allergy(&med(drug), substance)
}

/// Asserts `a` × `b` (both ways) is an interaction of `severity`.
fn assert_pair(a: &str, b: &str, severity: Severity) {
    for (x, y) in [(a, b), (b, a)] {
        let r = pair(x, y);
        assert_eq!(r.severity(), Some(severity), "{x} × {y}: {r:?}");
    }
}

fn assert_allergy(drug: &str, substance: &str, severity: Severity) {
    let r = allergy(drug, substance);
    assert_eq!(
        r.severity(),
        Some(severity),
        "{drug} × allergy {substance}: {r:?}"
    );
}

#[test]
fn tables_are_consistent() {
    let class = |t: &str| {
        t.strip_prefix('@')
            .map(|c| CLASSES.iter().any(|k| k.name == c))
    };
    let terms = INTERACTIONS
        .iter()
        .flat_map(|r| r.a.iter().chain(r.b))
        .chain(
            ALLERGY_RULES
                .iter()
                .flat_map(|r| r.drugs.iter().chain(r.allergens)),
        );
    for t in terms {
        assert_ne!(class(t), Some(false), "unknown class {t}");
        assert_eq!(normalize(t), *t, "term not normalised");
    }
    let c = CuratedInteractions::new();
    for k in CLASSES {
        for m in k.members {
            assert_eq!(c.generic_name(m), Some(*m), "class member {m}");
        }
    }
    for (alias, generic) in ALIASES {
        assert_eq!(normalize(alias), *alias, "alias not normalised");
        assert_eq!(c.generic_name(alias), Some(*generic), "alias {alias}");
        assert_eq!(
            c.generic_name(generic),
            Some(*generic),
            "alias target {generic}"
        );
    }
    for (id, generic) in RXNORM {
        assert!(id.chars().all(|ch| ch.is_ascii_digit()));
        assert_eq!(c.generic_name(generic), Some(*generic));
    }
    for g in OTHER_KNOWN {
        assert_eq!(c.generic_name(g), Some(*g));
    }
    for r in INTERACTIONS {
        assert!(r.description.ends_with('.') && !r.source.is_empty());
    }
    for r in ALLERGY_RULES {
        assert!(r.description.ends_with('.') && !r.source.is_empty());
    }
}

#[test]
fn warfarin_with_aspirin_and_nsaids_is_major() {
    assert_pair("warfarin", "aspirin", Severity::Major);
    for nsaid in [
        "ibuprofen",
        "naproxen",
        "diclofenac",
        "celecoxib",
        "ketorolac",
    ] {
        assert_pair("warfarin", nsaid, Severity::Major);
    }
    let InteractionResult::Interaction { source, .. } = pair("warfarin", "aspirin") else {
        panic!("expected an interaction");
    };
    assert!(source.contains("warfarin (Coumadin)"), "{source}");
}

#[test]
fn pde5_inhibitors_with_nitrates_are_contraindicated() {
    for pde5 in ["sildenafil", "tadalafil", "vardenafil"] {
        for nitrate in [
            "nitroglycerin",
            "isosorbide mononitrate",
            "isosorbide dinitrate",
        ] {
            assert_pair(pde5, nitrate, Severity::Contraindicated);
        }
    }
}

#[test]
fn cyp3a4_statins_with_macrolides_and_azoles_are_contraindicated() {
    for statin in ["simvastatin", "lovastatin"] {
        for inhibitor in [
            "clarithromycin",
            "erythromycin",
            "itraconazole",
            "ketoconazole",
        ] {
            assert_pair(statin, inhibitor, Severity::Contraindicated);
        }
    }
    // Atorvastatin is dose-limited, not contraindicated.
    assert_pair("atorvastatin", "clarithromycin", Severity::Moderate);
}

#[test]
fn maois_with_ssris_are_contraindicated() {
    for maoi in [
        "phenelzine",
        "tranylcypromine",
        "selegiline",
        "isocarboxazid",
    ] {
        for ssri in [
            "fluoxetine",
            "sertraline",
            "paroxetine",
            "citalopram",
            "escitalopram",
        ] {
            assert_pair(maoi, ssri, Severity::Contraindicated);
        }
        assert_pair(maoi, "tramadol", Severity::Contraindicated);
    }
}

#[test]
fn methotrexate_with_trimethoprim_is_major() {
    for t in [
        "trimethoprim",
        "sulfamethoxazole-trimethoprim",
        "Sulfamethoxazole / Trimethoprim",
        "Bactrim DS",
        "TMP-SMX",
    ] {
        assert_pair("methotrexate", t, Severity::Major);
    }
}

#[test]
fn other_well_known_interactions() {
    assert_pair("clopidogrel", "omeprazole", Severity::Moderate);
    assert_pair("lisinopril", "spironolactone", Severity::Moderate);
    assert_pair("enalapril", "eplerenone", Severity::Moderate);
    assert_pair("tramadol", "sertraline", Severity::Major);
    assert_pair("tramadol", "duloxetine", Severity::Major);
    assert_pair("ciprofloxacin", "tizanidine", Severity::Contraindicated);
    assert_pair("fluvoxamine", "tizanidine", Severity::Contraindicated);
    assert_pair("digoxin", "amiodarone", Severity::Major);
}

#[test]
fn brand_names_case_and_whitespace_map_to_generics() {
    let c = CuratedInteractions::new();
    for (brand, generic) in [
        ("Coumadin", "warfarin"),
        ("VIAGRA", "sildenafil"),
        ("  Zocor ", "simvastatin"),
        ("Prozac", "fluoxetine"),
        ("Advil", "ibuprofen"),
        ("motrin", "ibuprofen"),
        ("Bactrim", "sulfamethoxazole-trimethoprim"),
        ("Paracetamol", "acetaminophen"),
        ("  WARFARIN  ", "warfarin"),
        ("Isosorbide   Mononitrate", "isosorbide mononitrate"),
    ] {
        assert_eq!(c.generic_name(brand), Some(generic), "{brand}");
    }
    assert_pair("Coumadin", "Advil", Severity::Major);
    assert_pair("Viagra", "Nitrostat", Severity::Contraindicated);
    assert_pair("Zocor", "Biaxin", Severity::Contraindicated);
    assert_pair("Prozac", "Nardil", Severity::Contraindicated);
}

#[test]
fn rxnorm_ids_identify_drugs() {
    let by_id = |id: &str| Medication {
        name: "House brand tablets".into(),
        rxnorm: Some(id.into()),
    };
    let c = CuratedInteractions::new();
    assert!(c.knows(&by_id("11289")));
    assert!(!c.knows(&by_id("999999999")));
    let r = c.check_pair(&by_id("11289"), &med("aspirin"));
    assert_eq!(r.severity(), Some(Severity::Major), "{r:?}");
    // A name and an id that disagree are both checked.
    let mixed = Medication {
        name: "metformin".into(),
        rxnorm: Some("36567".into()),
    };
    let r = c.check_pair(&mixed, &med("clarithromycin"));
    assert_eq!(r.severity(), Some(Severity::Contraindicated), "{r:?}");
}

#[test]
fn unknown_drugs_are_never_reported_safe() {
    assert_eq!(
        pair("Zyxotrol", "warfarin"),
        InteractionResult::UnknownDrug {
            drug: "Zyxotrol".into()
        }
    );
    assert_eq!(
        pair("warfarin", " Zyxotrol "),
        InteractionResult::UnknownDrug {
            drug: "Zyxotrol".into()
        }
    );
    assert_eq!(
        pair("Zyxotrol", "Qwerty"),
        InteractionResult::UnknownDrug {
            drug: "Zyxotrol".into()
        }
    );
    assert_eq!(
        pair("", "warfarin"),
        InteractionResult::UnknownDrug { drug: "".into() }
    );
    // Known and unlisted: no known interaction.
    assert_eq!(
        pair("metformin", "amlodipine"),
        InteractionResult::NoKnownInteraction
    );
    assert_eq!(
        pair("acetaminophen", "sertraline"),
        InteractionResult::NoKnownInteraction
    );
}

#[test]
fn same_ingredient_twice_is_duplicate_therapy() {
    assert_pair("warfarin", "Coumadin", Severity::Moderate);
    let InteractionResult::Interaction { description, .. } = pair("sertraline", "Zoloft") else {
        panic!("expected duplicate therapy");
    };
    assert!(
        description.starts_with("Duplicate therapy"),
        "{description}"
    );
}

#[test]
fn most_severe_rule_wins() {
    // Fluvoxamine is both an SSRI (moderate with warfarin)…
    assert_pair("warfarin", "fluvoxamine", Severity::Moderate);
    // …and a CYP1A2 inhibitor (contraindicated with tizanidine).
    assert_pair("tizanidine", "fluvoxamine", Severity::Contraindicated);
    // The specific warfarin + aspirin rule is reported, not a generic one.
    let InteractionResult::Interaction { description, .. } = pair("aspirin", "warfarin") else {
        panic!("expected an interaction");
    };
    assert!(description.starts_with("Aspirin"), "{description}");
}

#[test]
fn penicillin_allergy_blocks_penicillins_and_flags_cephalosporins() {
    for drug in [
        "amoxicillin",
        "ampicillin",
        "penicillin v",
        "Penicillin VK",
        "piperacillin",
        "Augmentin",
    ] {
        assert_allergy(drug, "penicillin", Severity::Contraindicated);
        assert_allergy(drug, "Penicillins", Severity::Contraindicated);
    }
    assert_allergy(
        "amoxicillin",
        "Penicillin allergy",
        Severity::Contraindicated,
    );
    // An allergy to one penicillin covers the class.
    assert_allergy("ampicillin", "amoxicillin", Severity::Contraindicated);
    assert_allergy("cephalexin", "penicillin", Severity::Moderate);
    assert_allergy("Keflex", "PCN", Severity::Moderate);
    assert_allergy("cefazolin", "cephalosporins", Severity::Contraindicated);
}

#[test]
fn sulfa_and_nsaid_allergies_block() {
    for substance in ["sulfa", "Sulfonamide", "sulfa drugs"] {
        assert_allergy(
            "sulfamethoxazole-trimethoprim",
            substance,
            Severity::Contraindicated,
        );
        assert_allergy("Bactrim", substance, Severity::Contraindicated);
    }
    assert_allergy("Bactrim", "trimethoprim", Severity::Contraindicated);
    for substance in ["aspirin", "NSAID", "nsaids", "ibuprofen"] {
        for drug in ["ibuprofen", "naproxen", "diclofenac", "aspirin"] {
            assert_allergy(drug, substance, Severity::Contraindicated);
        }
    }
}

#[test]
fn allergy_to_the_drug_itself_blocks_even_if_unknown() {
    assert_allergy("warfarin", "Coumadin", Severity::Contraindicated);
    assert_allergy("Zyxotrol", "zyxotrol", Severity::Contraindicated);
}

#[test]
fn unrelated_allergies_follow_the_known_drug_rule() {
    assert_eq!(
        allergy("metformin", "penicillin"),
        InteractionResult::NoKnownInteraction
    );
    assert_eq!(
        allergy("metformin", "peanuts"),
        InteractionResult::NoKnownInteraction
    );
    assert_eq!(
        allergy("Zyxotrol", "penicillin"),
        InteractionResult::UnknownDrug {
            drug: "Zyxotrol".into()
        }
    );
}

#[tokio::test]
async fn findings_follow_the_port_order() {
    let active = [med("aspirin"), med("Zyxotrol"), med("metformin")];
    let allergies = ["sulfa".to_owned(), " latex ".to_owned()];
    let found = CuratedInteractions::new()
        .check(&med(" Warfarin "), &active, &allergies)
        .await
        .unwrap();
    let against: Vec<&str> = found.iter().map(|f| f.against.as_str()).collect();
    assert_eq!(
        against,
        [
            "aspirin",
            "Zyxotrol",
            "metformin",
            "allergy:sulfa",
            "allergy:latex"
        ]
    );
    assert!(found.iter().all(|f| f.drug == "Warfarin"));
    assert_eq!(found[0].result.severity(), Some(Severity::Major));
    assert!(found[1].is_unknown());
    assert_eq!(found[2].result, InteractionResult::NoKnownInteraction);
    assert!(found[3].is_allergy() && !found[3].is_contraindicated());
    assert_eq!(found[4].result, InteractionResult::NoKnownInteraction);
    let none = CuratedInteractions::new()
        .check(&med("warfarin"), &[], &[])
        .await
        .unwrap();
    assert!(none.is_empty());
}

#[test]
fn normalize_joins_combinations() {
    assert_eq!(
        normalize(" Sulfamethoxazole / Trimethoprim "),
        "sulfamethoxazole-trimethoprim"
    );
    assert_eq!(normalize("A + B"), "a-b");
    assert_eq!(normalize("a - b"), "a-b");
    assert_eq!(normalize("Penicillin   V"), "penicillin v");
}
