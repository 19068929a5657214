//! The policy engine: deny by default, rules as data.

mod model;

pub use model::{Action, Actor, Decision, Relationships, Resource};
