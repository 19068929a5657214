//! The deny-by-default decision procedure over a list of [`Rule`]s.

use serde::{Deserialize, Serialize};

use super::model::{Action, Actor, Decision, Relationships, Resource};
use super::rule::{Effect, Facts, Rule};
use super::standard::standard_rules;

/// The rule name reported when no rule allows an action.
pub const DEFAULT_DENY: &str = "default-deny";

/// A deny-by-default policy engine over an ordered list of rules.
///
/// Serialises as `{ "rules": [...] }` so an embedder can keep a whole rule set in one JSON or
/// TOML document.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PolicyEngine {
    rules: Vec<Rule>,
}

impl PolicyEngine {
    /// An engine with MedSync's default rule set ([`standard_rules`]).
    pub fn standard() -> Self {
        Self::from_rules(standard_rules())
    }

    /// An engine without rules: it denies everything.
    pub fn empty() -> Self {
        Self { rules: Vec::new() }
    }

    /// An engine with exactly `rules`, in that order.
    pub fn from_rules(rules: impl IntoIterator<Item = Rule>) -> Self {
        Self {
            rules: rules.into_iter().collect(),
        }
    }

    /// This engine with `rule` appended (after every existing rule). A `Deny` rule overrides
    /// every `Allow` rule wherever it appears; an appended `Allow` rule only decides requests
    /// no earlier `Allow` rule matched.
    pub fn with_rule(mut self, rule: Rule) -> Self {
        self.rules.push(rule);
        self
    }

    /// The rules, in evaluation order.
    pub fn rules(&self) -> &[Rule] {
        &self.rules
    }

    /// Decides whether `actor` may perform `action` on `resource` given its relationships
    /// `rel` to it.
    ///
    /// 1. If any `Deny` rule matches (break-glass included), the action is denied and the
    ///    first such rule names the decision.
    /// 2. Otherwise the first `Allow` rule that matches with break-glass ignored allows it.
    /// 3. Otherwise, if `rel.break_glass` is set, the first `Allow` rule that matches with
    ///    break-glass allows it, with `via_break_glass = true`.
    /// 4. Otherwise it is denied as [`DEFAULT_DENY`].
    ///
    /// Pure and total: never panics, never performs I/O.
    pub fn decide(
        &self,
        actor: &Actor,
        action: Action,
        resource: &Resource,
        rel: &Relationships,
    ) -> Decision {
        let facts = Facts {
            actor,
            action,
            resource,
            rel,
            break_glass: rel.break_glass,
        };
        if let Some(rule) = self.first_match(Effect::Deny, &facts) {
            return decision(false, &rule.name, false);
        }
        let without_break_glass = Facts {
            break_glass: false,
            ..facts
        };
        if let Some(rule) = self.first_match(Effect::Allow, &without_break_glass) {
            return decision(true, &rule.name, false);
        }
        if rel.break_glass {
            if let Some(rule) = self.first_match(Effect::Allow, &facts) {
                return decision(true, &rule.name, true);
            }
        }
        decision(false, DEFAULT_DENY, false)
    }

    fn first_match(&self, effect: Effect, facts: &Facts<'_>) -> Option<&Rule> {
        self.rules
            .iter()
            .find(|r| r.effect == effect && r.matches(facts))
    }
}

impl Default for PolicyEngine {
    /// The standard engine ([`PolicyEngine::standard`]).
    fn default() -> Self {
        Self::standard()
    }
}

fn decision(allowed: bool, rule: &str, via_break_glass: bool) -> Decision {
    Decision {
        allowed,
        rule: rule.to_owned(),
        via_break_glass,
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use uuid::Uuid;

    use super::*;
    use crate::identity::Role;
    use crate::ids::{PatientId, UserId};
    use crate::policy::{Condition, Effect};

    fn actor(role: Role) -> Actor {
        Actor {
            user_id: UserId(Uuid::from_u128(1)),
            role,
            patient_id: None,
        }
    }

    fn chart() -> Resource {
        Resource::Chart(PatientId(Uuid::from_u128(7)))
    }

    fn care_team() -> Relationships {
        Relationships {
            care_team: true,
            ..Relationships::default()
        }
    }

    #[test]
    fn deny_overrides_an_embedder_allow() {
        let engine = PolicyEngine::standard().with_rule(Rule::allow(
            "let-nurses-amend",
            &[Role::Nurse],
            &[Action::AmendRecord],
            Condition::Always,
        ));
        let d = engine.decide(
            &actor(Role::Nurse),
            Action::AmendRecord,
            &chart(),
            &care_team(),
        );
        assert!(!d.allowed);
        assert_eq!(d.rule, "nurse-never-amends-or-deletes");
    }

    #[test]
    fn embedder_deny_overrides_a_standard_allow() {
        let engine = PolicyEngine::standard().with_rule(Rule::deny(
            "no-prescribing-here",
            &[],
            &[Action::Prescribe],
            Condition::Always,
        ));
        let d = engine.decide(
            &actor(Role::Doctor),
            Action::Prescribe,
            &chart(),
            &care_team(),
        );
        assert!(!d.allowed);
        assert_eq!(d.rule, "no-prescribing-here");
    }

    #[test]
    fn embedder_extension_allows_new_access() {
        let nurse = actor(Role::Nurse);
        let before = PolicyEngine::standard().decide(
            &nurse,
            Action::ViewAnalytics,
            &Resource::System,
            &Relationships::default(),
        );
        assert!(!before.allowed);
        assert_eq!(before.rule, DEFAULT_DENY);

        let engine = PolicyEngine::default().with_rule(Rule::allow(
            "nurse-views-analytics",
            &[Role::Nurse],
            &[Action::ViewAnalytics],
            Condition::Always,
        ));
        let after = engine.decide(
            &nurse,
            Action::ViewAnalytics,
            &Resource::System,
            &Relationships::default(),
        );
        assert_eq!(
            after,
            Decision {
                allowed: true,
                rule: "nurse-views-analytics".into(),
                via_break_glass: false
            }
        );
        assert_eq!(
            engine.rules().len(),
            PolicyEngine::standard().rules().len() + 1
        );
    }

    #[test]
    fn empty_engine_denies_everything() {
        let engine = PolicyEngine::empty();
        assert!(engine.rules().is_empty());
        let everything = Relationships {
            owner: true,
            care_team: true,
            granted: Action::ALL.into_iter().collect(),
            break_glass: true,
        };
        for role in Role::ALL {
            let a = actor(role);
            let own = Resource::User(a.user_id);
            for action in Action::ALL {
                for resource in [Resource::System, own, chart()] {
                    let d = engine.decide(&a, action, &resource, &everything);
                    assert!(!d.allowed, "{role:?} {action:?} {resource:?}");
                    assert_eq!(d.rule, DEFAULT_DENY);
                    assert!(!d.via_break_glass);
                }
            }
        }
    }

    #[test]
    fn rules_round_trip_through_json() {
        let engine = PolicyEngine::standard().with_rule(Rule::deny(
            "nested",
            &[],
            &[Action::ReadAudit],
            Condition::AllOf(vec![
                Condition::SelfUser,
                Condition::AnyOf(vec![Condition::Owner, Condition::Granted]),
            ]),
        ));
        let json = serde_json::to_string(&engine).expect("serialises");
        let back: PolicyEngine = serde_json::from_str(&json).expect("deserialises");
        assert_eq!(back, engine);

        let rules: Vec<Rule> =
            serde_json::from_value(serde_json::to_value(engine.rules()).expect("to value"))
                .expect("from value");
        assert_eq!(rules, engine.rules());
    }

    #[test]
    fn rules_load_from_hand_written_json() {
        let json = r#"{
            "name": "nurse-reads-billing",
            "effect": "allow",
            "roles": ["nurse"],
            "actions": ["read_billing"],
            "condition": { "all_of": ["care_team", { "any_of": ["owner", "break_glass"] }] }
        }"#;
        let rule: Rule = serde_json::from_str(json).expect("parses");
        assert_eq!(
            rule,
            Rule::allow(
                "nurse-reads-billing",
                &[Role::Nurse],
                &[Action::ReadBilling],
                Condition::AllOf(vec![
                    Condition::CareTeam,
                    Condition::AnyOf(vec![Condition::Owner, Condition::BreakGlass]),
                ]),
            )
        );
        assert_eq!(rule.effect, Effect::Allow);
    }

    #[test]
    fn malformed_rules_are_rejected() {
        // Missing `roles` must not silently mean "any role".
        let missing =
            r#"{"name":"x","effect":"allow","actions":["read_audit"],"condition":"always"}"#;
        assert!(serde_json::from_str::<Rule>(missing).is_err());
        // A typo'd field is an error, not ignored.
        let typo = r#"{"name":"x","effect":"allow","role":[],"roles":[],"actions":[],"condition":"always"}"#;
        assert!(serde_json::from_str::<Rule>(typo).is_err());
        let unknown_condition =
            r#"{"name":"x","effect":"allow","roles":[],"actions":[],"condition":"sometimes"}"#;
        assert!(serde_json::from_str::<Rule>(unknown_condition).is_err());
    }

    #[test]
    fn caregiver_with_expired_grant_is_denied() {
        let caregiver = actor(Role::Caregiver);
        let engine = PolicyEngine::standard();
        let active = Relationships {
            granted: BTreeSet::from([Action::ReadRecords]),
            ..Relationships::default()
        };
        assert!(
            engine
                .decide(&caregiver, Action::ReadRecords, &chart(), &active)
                .allowed
        );

        // The store drops expired and revoked grants, leaving `granted` empty.
        let expired = Relationships::default();
        let d = engine.decide(&caregiver, Action::ReadRecords, &chart(), &expired);
        assert!(!d.allowed);
        assert_eq!(d.rule, DEFAULT_DENY);
    }

    #[test]
    fn break_glass_is_flagged_only_when_access_rests_on_it() {
        let engine = PolicyEngine::standard();
        let doctor = actor(Role::Doctor);
        let bg = Relationships {
            break_glass: true,
            ..Relationships::default()
        };
        let both = Relationships {
            care_team: true,
            break_glass: true,
            ..Relationships::default()
        };
        let via_bg = engine.decide(&doctor, Action::ReadRecords, &chart(), &bg);
        assert!(via_bg.allowed && via_bg.via_break_glass);
        let via_team = engine.decide(&doctor, Action::ReadRecords, &chart(), &both);
        assert!(via_team.allowed && !via_team.via_break_glass);
        // An unconditional allow does not rest on break-glass even when a session is open.
        let create = engine.decide(&doctor, Action::CreateChart, &chart(), &bg);
        assert!(create.allowed && !create.via_break_glass);
    }

    #[test]
    fn relationship_conditions_only_hold_on_charts() {
        let everything = Relationships {
            owner: true,
            care_team: true,
            granted: Action::ALL.into_iter().collect(),
            break_glass: true,
        };
        let a = actor(Role::Patient);
        for c in [
            Condition::Owner,
            Condition::CareTeam,
            Condition::Granted,
            Condition::BreakGlass,
        ] {
            assert!(c.holds(&a, Action::ReadChart, &chart(), &everything));
            for r in [
                Resource::System,
                Resource::User(a.user_id),
                Resource::Schedule(a.user_id),
            ] {
                assert!(
                    !c.holds(&a, Action::ReadChart, &r, &everything),
                    "{c:?} {r:?}"
                );
            }
        }
        assert!(!Condition::AnyOf(vec![]).holds(&a, Action::ReadChart, &chart(), &everything));
        assert!(Condition::AllOf(vec![]).holds(&a, Action::ReadChart, &chart(), &everything));
    }

    #[test]
    fn rule_names_are_unique_and_kebab_case() {
        let rules = PolicyEngine::standard();
        let names: BTreeSet<&str> = rules.rules().iter().map(|r| r.name.as_str()).collect();
        assert_eq!(names.len(), rules.rules().len());
        assert!(!names.contains(DEFAULT_DENY));
        for n in names {
            assert!(
                !n.is_empty()
                    && n.chars().all(|c| c.is_ascii_lowercase() || c == '-')
                    && !n.starts_with('-')
                    && !n.ends_with('-'),
                "{n}"
            );
        }
    }
}
