//! The curated rules: documented drug–drug interactions and drug–allergy contraindications.
//!
//! A term is a normalised generic name (`"warfarin"`) or `@class` (any member of a class of
//! [`super::curated_names::CLASSES`]). Drug–drug rules are symmetric. When several rules match
//! a pair, the most severe wins, then the first in table order — so specific rules come before
//! class rules.

use super::model::Severity::{self, Contraindicated, Major, Minor, Moderate};

/// One documented drug–drug interaction between any term of `a` and any term of `b`.
pub(super) struct PairRule {
    /// One side.
    pub a: &'static [&'static str],
    /// The other side.
    pub b: &'static [&'static str],
    /// How serious.
    pub severity: Severity,
    /// One sentence for the prescriber.
    pub description: &'static str,
    /// Where it is documented.
    pub source: &'static str,
}

/// A drug–allergy rule: a patient allergic to any of `allergens` must (or should) not get any
/// of `drugs`. An allergen term is a literal substance name (`"sulfa"`) or `@class`, matching
/// an allergy recorded against any member of that class.
pub(super) struct AllergyRule {
    /// Allergy substances.
    pub allergens: &'static [&'static str],
    /// Drugs affected.
    pub drugs: &'static [&'static str],
    /// How serious.
    pub severity: Severity,
    /// One sentence for the prescriber.
    pub description: &'static str,
    /// Where it is documented.
    pub source: &'static str,
}

const WARFARIN_LABEL: &str = "FDA label: warfarin (Coumadin), Drug Interactions";
const SEROTONIN: &str = "Risk of serotonin syndrome (hyperthermia, rigidity, autonomic \
                         instability), which can be fatal.";

/// Documented drug–drug interactions.
pub(super) const INTERACTIONS: &[PairRule] = &[
    // --- warfarin ---
    PairRule {
        a: &["warfarin"],
        b: &["aspirin"],
        severity: Major,
        description: "Aspirin's antiplatelet effect and gastric injury add to warfarin's \
                      anticoagulation, markedly raising the risk of serious bleeding.",
        source: "FDA label: warfarin (Coumadin) — bleeding risk with antiplatelets/NSAIDs",
    },
    PairRule {
        a: &["warfarin"],
        b: &["@nsaid"],
        severity: Major,
        description: "NSAIDs inhibit platelets and injure the gastric mucosa, increasing the \
                      risk of gastrointestinal and other serious bleeding with warfarin.",
        source: "FDA label: warfarin (Coumadin) — bleeding risk with antiplatelets/NSAIDs",
    },
    PairRule {
        a: &["warfarin"],
        b: &["clopidogrel"],
        severity: Major,
        description: "An anticoagulant combined with a P2Y12 antiplatelet agent substantially \
                      increases the risk of bleeding.",
        source: "FDA labels: warfarin (Coumadin) and clopidogrel (Plavix), bleeding warnings",
    },
    PairRule {
        a: &["warfarin"],
        b: &[
            "sulfamethoxazole-trimethoprim",
            "fluconazole",
            "metronidazole",
        ],
        severity: Major,
        description: "Inhibits warfarin metabolism (CYP2C9), raising the INR and the risk of \
                      bleeding; reduce the warfarin dose or choose another agent.",
        source: WARFARIN_LABEL,
    },
    PairRule {
        a: &["warfarin"],
        b: &["amiodarone"],
        severity: Major,
        description: "Amiodarone inhibits warfarin metabolism, raising the INR for weeks; \
                      warfarin doses usually need reduction.",
        source: "FDA label: amiodarone (Pacerone), Drug Interactions — warfarin",
    },
    PairRule {
        a: &["warfarin"],
        b: &["@ssri"],
        severity: Moderate,
        description: "SSRIs impair platelet function and add to warfarin's bleeding risk; \
                      some also raise the INR.",
        source: "FDA labels of SSRIs (e.g. sertraline/Zoloft), Warnings — abnormal bleeding",
    },
    PairRule {
        a: &["warfarin"],
        b: &[
            "ciprofloxacin",
            "clarithromycin",
            "erythromycin",
            "azithromycin",
            "levothyroxine",
        ],
        severity: Moderate,
        description: "May potentiate warfarin and raise the INR; monitor the INR closely when \
                      starting or stopping it.",
        source: WARFARIN_LABEL,
    },
    PairRule {
        a: &["warfarin"],
        b: &["acetaminophen"],
        severity: Minor,
        description: "Regular acetaminophen above about 2 g a day can raise the INR; monitor \
                      when regular use starts or stops.",
        source: WARFARIN_LABEL,
    },
    // --- nitrates ---
    PairRule {
        a: &["@pde5 inhibitor"],
        b: &["@nitrate"],
        severity: Contraindicated,
        description: "PDE5 inhibitors potentiate the vasodilation of nitrates and can cause \
                      severe, potentially fatal hypotension.",
        source: "FDA labels: sildenafil (Viagra), tadalafil (Cialis), vardenafil (Levitra) \
                 — Contraindications: nitrates",
    },
    // --- statins ---
    PairRule {
        a: &["@cyp3a4 statin"],
        b: &["@cyp3a4 inhibitor"],
        severity: Contraindicated,
        description: "CYP3A4 inhibition raises simvastatin/lovastatin exposure many-fold, with \
                      a high risk of myopathy and rhabdomyolysis.",
        source: "FDA labels: simvastatin (Zocor), lovastatin (Mevacor) — Contraindications: \
                 strong CYP3A4 inhibitors; ONC High-Priority DDI list (Phansalkar et al., \
                 JAMIA 2012)",
    },
    PairRule {
        a: &["simvastatin"],
        b: &["gemfibrozil"],
        severity: Contraindicated,
        description: "Gemfibrozil raises simvastatin exposure and the risk of myopathy and \
                      rhabdomyolysis.",
        source: "FDA label: simvastatin (Zocor) — Contraindications: gemfibrozil",
    },
    PairRule {
        a: &["simvastatin"],
        b: &["amiodarone", "amlodipine"],
        severity: Moderate,
        description: "Raises simvastatin exposure and the risk of myopathy; do not exceed \
                      simvastatin 20 mg daily.",
        source: "FDA label: simvastatin (Zocor), Dosage and Administration",
    },
    PairRule {
        a: &["atorvastatin"],
        b: &["@cyp3a4 inhibitor"],
        severity: Moderate,
        description: "Raises atorvastatin exposure and the risk of myopathy; limit the dose \
                      (e.g. 20 mg with clarithromycin or itraconazole) and monitor.",
        source: "FDA label: atorvastatin (Lipitor), Drug Interactions — CYP3A4 inhibitors",
    },
    PairRule {
        a: &["amlodipine"],
        b: &["@cyp3a4 inhibitor"],
        severity: Moderate,
        description: "CYP3A4 inhibition raises amlodipine exposure; monitor for hypotension \
                      and oedema.",
        source: "FDA label: amlodipine (Norvasc), Drug Interactions — CYP3A inhibitors",
    },
    // --- serotonergic ---
    PairRule {
        a: &["@maoi"],
        b: &["@ssri", "@snri"],
        severity: Contraindicated,
        description: SEROTONIN,
        source: "FDA labels of SSRIs/SNRIs (e.g. fluoxetine/Prozac) — Contraindications: \
                 MAOIs within 14 days; ONC High-Priority DDI list (Phansalkar et al., JAMIA \
                 2012)",
    },
    PairRule {
        a: &["@maoi"],
        b: &["tramadol", "meperidine"],
        severity: Contraindicated,
        description: "Opioids with serotonergic activity given with an MAOI can cause \
                      serotonin syndrome, seizures or opioid toxicity.",
        source: "FDA labels: tramadol (Ultram), meperidine (Demerol) — Contraindications: \
                 MAOIs; ONC High-Priority DDI list (Phansalkar et al., JAMIA 2012)",
    },
    PairRule {
        a: &["tramadol"],
        b: &["@ssri", "@snri"],
        severity: Major,
        description: "Tramadol with another serotonergic drug raises the risk of serotonin \
                      syndrome and lowers the seizure threshold.",
        source: "FDA label: tramadol (Ultram), Warnings — serotonin syndrome",
    },
    PairRule {
        a: &["tizanidine"],
        b: &["@cyp1a2 inhibitor"],
        severity: Contraindicated,
        description: "CYP1A2 inhibition raises tizanidine exposure about tenfold or more, \
                      causing profound hypotension and sedation.",
        source: "FDA label: tizanidine (Zanaflex) — Contraindications: fluvoxamine, \
                 ciprofloxacin; ONC High-Priority DDI list (Phansalkar et al., JAMIA 2012)",
    },
    PairRule {
        a: &["lithium"],
        b: &["@ssri", "@snri"],
        severity: Moderate,
        description: SEROTONIN,
        source: "FDA label: lithium, Drug Interactions — serotonergic drugs",
    },
    // --- methotrexate ---
    PairRule {
        a: &["methotrexate"],
        b: &["@trimethoprim-containing"],
        severity: Major,
        description: "Trimethoprim adds antifolate effect and reduces methotrexate clearance, \
                      risking severe bone-marrow suppression.",
        source: "FDA label: methotrexate, Drug Interactions — trimethoprim/sulfamethoxazole",
    },
    PairRule {
        a: &["methotrexate"],
        b: &["@nsaid"],
        severity: Moderate,
        description: "NSAIDs can reduce methotrexate clearance and increase its toxicity, \
                      especially at high doses.",
        source: "FDA label: methotrexate, Drug Interactions — NSAIDs",
    },
    PairRule {
        a: &["methotrexate"],
        b: &["@proton pump inhibitor"],
        severity: Minor,
        description: "Proton pump inhibitors may delay methotrexate elimination, mainly at \
                      high doses.",
        source: "FDA label: methotrexate, Drug Interactions — proton pump inhibitors",
    },
    // --- antiplatelets ---
    PairRule {
        a: &["clopidogrel"],
        b: &["omeprazole", "esomeprazole"],
        severity: Moderate,
        description: "Omeprazole and esomeprazole inhibit CYP2C19 and reduce clopidogrel's \
                      activation, weakening its antiplatelet effect.",
        source: "FDA label: clopidogrel (Plavix), Warnings — avoid omeprazole or esomeprazole",
    },
    PairRule {
        a: &["clopidogrel"],
        b: &["aspirin", "@nsaid"],
        severity: Moderate,
        description: "Additive antiplatelet effects increase the risk of bleeding.",
        source: "FDA label: clopidogrel (Plavix), Drug Interactions — NSAIDs, aspirin",
    },
    PairRule {
        a: &["@ssri"],
        b: &["aspirin", "@nsaid"],
        severity: Moderate,
        description: "SSRIs impair platelet function; with aspirin or NSAIDs the risk of \
                      gastrointestinal bleeding rises.",
        source: "FDA labels of SSRIs (e.g. sertraline/Zoloft), Warnings — abnormal bleeding",
    },
    // --- renin–angiotensin system, potassium, lithium ---
    PairRule {
        a: &["@ace inhibitor", "@angiotensin receptor blocker"],
        b: &["@potassium-sparing diuretic"],
        severity: Moderate,
        description: "Both raise serum potassium; monitor for hyperkalaemia, especially with \
                      renal impairment.",
        source: "FDA labels: lisinopril (Zestril), spironolactone (Aldactone) — hyperkalaemia",
    },
    PairRule {
        a: &[
            "@ace inhibitor",
            "@angiotensin receptor blocker",
            "@potassium-sparing diuretic",
        ],
        b: &["@nsaid"],
        severity: Moderate,
        description: "NSAIDs blunt the antihypertensive effect and can worsen renal function \
                      and hyperkalaemia.",
        source: "FDA label: lisinopril (Zestril), Drug Interactions — NSAIDs",
    },
    PairRule {
        a: &["lithium"],
        b: &["@nsaid", "@ace inhibitor", "@angiotensin receptor blocker"],
        severity: Moderate,
        description: "Reduces renal lithium clearance and can raise lithium to toxic levels; \
                      monitor lithium concentrations.",
        source: "FDA label: lithium, Drug Interactions",
    },
    PairRule {
        a: &["digoxin"],
        b: &["amiodarone"],
        severity: Major,
        description: "Amiodarone raises serum digoxin by about 70%; halve the digoxin dose \
                      and monitor levels.",
        source: "FDA label: amiodarone (Pacerone), Drug Interactions — digoxin",
    },
    PairRule {
        a: &["levothyroxine"],
        b: &["@proton pump inhibitor"],
        severity: Minor,
        description: "Reduced gastric acidity may lower levothyroxine absorption; check TSH \
                      after starting.",
        source: "FDA label: levothyroxine (Synthroid), Drug Interactions",
    },
];

const PENICILLIN: &[&str] = &[
    "penicillin",
    "penicillins",
    "pcn",
    "penicillin antibiotics",
    "@penicillin",
];
const CEPHALOSPORIN: &[&str] = &["cephalosporin", "cephalosporins", "@cephalosporin"];
const SULFA: &[&str] = &[
    "sulfa",
    "sulfa drugs",
    "sulfonamide",
    "sulfonamides",
    "sulfonamide antibiotics",
    "@sulfonamide",
];
const NSAID: &[&str] = &["aspirin", "nsaid", "nsaids", "salicylates", "@nsaid"];

/// Documented drug–allergy contraindications and cross-reactivities.
pub(super) const ALLERGY_RULES: &[AllergyRule] = &[
    AllergyRule {
        allergens: PENICILLIN,
        drugs: &["@penicillin"],
        severity: Contraindicated,
        description: "Documented penicillin allergy: penicillin-class antibiotics can cause \
                      anaphylaxis in sensitised patients.",
        source: "FDA labels of penicillins (e.g. amoxicillin/Amoxil) — Contraindications: \
                 serious hypersensitivity to beta-lactams",
    },
    AllergyRule {
        allergens: PENICILLIN,
        drugs: &["@cephalosporin"],
        severity: Moderate,
        description: "Penicillin allergy: cephalosporins carry a small risk of \
                      cross-reactivity; avoid after a severe immediate reaction.",
        source: "FDA labels of cephalosporins (e.g. cephalexin/Keflex), Warnings — \
                 cross-hypersensitivity with penicillins",
    },
    AllergyRule {
        allergens: CEPHALOSPORIN,
        drugs: &["@cephalosporin"],
        severity: Contraindicated,
        description: "Documented cephalosporin allergy: cephalosporins can cause anaphylaxis \
                      in sensitised patients.",
        source: "FDA labels of cephalosporins (e.g. cephalexin/Keflex) — Contraindications",
    },
    AllergyRule {
        allergens: CEPHALOSPORIN,
        drugs: &["@penicillin"],
        severity: Moderate,
        description: "Cephalosporin allergy: penicillins carry a small risk of \
                      cross-reactivity.",
        source: "FDA labels of penicillins (e.g. amoxicillin/Amoxil) — Contraindications: \
                 serious hypersensitivity to beta-lactams",
    },
    AllergyRule {
        allergens: SULFA,
        drugs: &["@sulfonamide"],
        severity: Contraindicated,
        description: "Documented sulfonamide allergy: sulfonamides can cause severe reactions \
                      including Stevens–Johnson syndrome and anaphylaxis.",
        source: "FDA label: sulfamethoxazole-trimethoprim (Bactrim) — Contraindications: \
                 hypersensitivity to sulfonamides",
    },
    AllergyRule {
        allergens: &["trimethoprim"],
        drugs: &["@trimethoprim-containing"],
        severity: Contraindicated,
        description: "Documented trimethoprim allergy: trimethoprim-containing products are \
                      contraindicated.",
        source: "FDA label: sulfamethoxazole-trimethoprim (Bactrim) — Contraindications: \
                 hypersensitivity to trimethoprim",
    },
    AllergyRule {
        allergens: NSAID,
        drugs: &["aspirin", "@nsaid"],
        severity: Contraindicated,
        description: "Aspirin/NSAID hypersensitivity: NSAIDs can trigger asthma, urticaria or \
                      anaphylaxis in patients who reacted to aspirin or another NSAID.",
        source: "FDA NSAID class labeling (e.g. ibuprofen/Motrin) — Contraindications: \
                 reactions to aspirin or other NSAIDs",
    },
];
