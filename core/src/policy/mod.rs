//! The policy engine: deny by default, rules as data.
//!
//! A [`PolicyEngine`] holds an ordered list of [`Rule`]s. Any matching [`Effect::Deny`] rule
//! denies; otherwise the first matching [`Effect::Allow`] rule allows; otherwise the answer
//! is `"default-deny"`. [`PolicyEngine::standard`] is MedSync's rule set
//! ([`standard_rules`]); embedders extend it with [`PolicyEngine::with_rule`] or load their
//! own rules with serde.

mod engine;
mod model;
mod rule;
mod standard;

#[cfg(test)]
mod matrix_tests;

pub use engine::{PolicyEngine, DEFAULT_DENY};
pub use model::{Action, Actor, Decision, Relationships, Resource};
pub use rule::{Condition, Effect, Rule};
pub use standard::standard_rules;
