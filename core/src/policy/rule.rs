//! Rules as data: an [`Effect`], the roles and actions a rule covers, and the [`Condition`]
//! under which it applies.

use serde::{Deserialize, Serialize};

use super::model::{Action, Actor, Relationships, Resource};
use crate::identity::Role;

/// What a matching rule does. Any matching `Deny` rule overrides every `Allow` rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Effect {
    /// Permit the action (unless a `Deny` rule also matches).
    Allow,
    /// Forbid the action, whatever the `Allow` rules say.
    Deny,
}

/// When a rule applies, evaluated against the actor, the action, the resource and the actor's
/// [`Relationships`] to it.
///
/// The relationship conditions ([`Owner`](Condition::Owner), [`CareTeam`](Condition::CareTeam),
/// [`Granted`](Condition::Granted), [`BreakGlass`](Condition::BreakGlass)) describe the
/// actor's relationship to a chart, so they only ever hold when the resource is a
/// [`Resource::Chart`]; on any other resource they are false whatever `rel` says.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Condition {
    /// Always holds.
    Always,
    /// The chart is the actor's own (`rel.owner`).
    Owner,
    /// The actor is on the chart's care team (`rel.care_team`).
    CareTeam,
    /// The action itself is among the actor's unexpired grants on the chart (`rel.granted`).
    Granted,
    /// The actor holds an active break-glass session on the chart (`rel.break_glass`).
    BreakGlass,
    /// The resource is the actor's own user account or own schedule.
    SelfUser,
    /// At least one of the conditions holds (an empty list never holds).
    AnyOf(Vec<Condition>),
    /// Every one of the conditions holds (an empty list always holds).
    AllOf(Vec<Condition>),
}

/// The facts a condition is evaluated against. `break_glass` is separate from `rel` so the
/// engine can evaluate with break-glass ignored without cloning the relationships.
#[derive(Debug, Clone, Copy)]
pub(super) struct Facts<'a> {
    pub(super) actor: &'a Actor,
    pub(super) action: Action,
    pub(super) resource: &'a Resource,
    pub(super) rel: &'a Relationships,
    pub(super) break_glass: bool,
}

impl Condition {
    /// Whether the condition holds for `actor` performing `action` on `resource` with
    /// relationships `rel` (break-glass taken from `rel.break_glass`). Pure; never panics.
    pub fn holds(
        &self,
        actor: &Actor,
        action: Action,
        resource: &Resource,
        rel: &Relationships,
    ) -> bool {
        self.holds_for(&Facts {
            actor,
            action,
            resource,
            rel,
            break_glass: rel.break_glass,
        })
    }

    pub(super) fn holds_for(&self, f: &Facts<'_>) -> bool {
        let on_chart = matches!(f.resource, Resource::Chart(_));
        match self {
            Condition::Always => true,
            Condition::Owner => on_chart && f.rel.owner,
            Condition::CareTeam => on_chart && f.rel.care_team,
            Condition::Granted => on_chart && f.rel.granted.contains(&f.action),
            Condition::BreakGlass => on_chart && f.break_glass,
            Condition::SelfUser => match f.resource {
                Resource::User(id) | Resource::Schedule(id) => *id == f.actor.user_id,
                Resource::System | Resource::Chart(_) => false,
            },
            Condition::AnyOf(cs) => cs.iter().any(|c| c.holds_for(f)),
            Condition::AllOf(cs) => cs.iter().all(|c| c.holds_for(f)),
        }
    }
}

/// One policy rule. It matches a request when the actor's role is in `roles` (an empty list
/// means any role), the action is in `actions` (an empty list matches nothing) and the
/// `condition` holds.
///
/// Deserialisation is strict: every field is required and unknown fields are rejected, so a
/// typo in an embedder's rule file cannot silently widen or narrow access.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Rule {
    /// A unique, kebab-case name; reported in [`super::Decision::rule`] and the audit trail.
    pub name: String,
    /// Allow or deny.
    pub effect: Effect,
    /// The roles the rule covers; empty means every role.
    pub roles: Vec<Role>,
    /// The actions the rule covers; empty matches no action.
    pub actions: Vec<Action>,
    /// When the rule applies.
    pub condition: Condition,
}

impl Rule {
    /// An `Allow` rule named `name` for `roles` (empty = any) on `actions` when `condition`.
    pub fn allow(
        name: impl Into<String>,
        roles: &[Role],
        actions: &[Action],
        condition: Condition,
    ) -> Self {
        Self::new(name, Effect::Allow, roles, actions, condition)
    }

    /// A `Deny` rule named `name` for `roles` (empty = any) on `actions` when `condition`.
    pub fn deny(
        name: impl Into<String>,
        roles: &[Role],
        actions: &[Action],
        condition: Condition,
    ) -> Self {
        Self::new(name, Effect::Deny, roles, actions, condition)
    }

    fn new(
        name: impl Into<String>,
        effect: Effect,
        roles: &[Role],
        actions: &[Action],
        condition: Condition,
    ) -> Self {
        Self {
            name: name.into(),
            effect,
            roles: roles.to_vec(),
            actions: actions.to_vec(),
            condition,
        }
    }

    /// Whether the rule covers `role` and `action` (ignoring its condition).
    pub fn covers(&self, role: Role, action: Action) -> bool {
        (self.roles.is_empty() || self.roles.contains(&role)) && self.actions.contains(&action)
    }

    pub(super) fn matches(&self, f: &Facts<'_>) -> bool {
        self.covers(f.actor.role, f.action) && self.condition.holds_for(f)
    }
}
