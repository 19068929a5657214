//! The full decision matrix of the standard rule set: every role × action × relationship
//! profile × resource kind, checked against an expected table written independently of
//! [`super::standard_rules`]. A mutation test proves that changing any single standard rule
//! makes the matrix fail.

use std::collections::BTreeSet;

use uuid::Uuid;

use super::{Action, Actor, Condition, Decision, Effect, PolicyEngine, Relationships, Resource};
use crate::identity::Role;
use crate::ids::{PatientId, UserId};

use Action::*;

/// Under which circumstances an expected `Allow` holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum When {
    /// On any resource, with any relationships.
    Always,
    /// On the actor's own user account or own schedule.
    OwnUser,
    /// On a chart the actor owns.
    OwnChart,
    /// On a chart whose care team the actor is on.
    Team,
    /// On a chart whose care team the actor is on, or else via break-glass.
    TeamOrBreakGlass,
    /// On a chart, via break-glass only.
    BreakGlassOnly,
    /// On a chart where the actor holds a grant for this very action.
    Granted,
}

/// The expected outcome of one (role, action) cell.
#[derive(Debug, Clone, Copy)]
enum Expect {
    /// Allowed by the named rule when the circumstances hold, `default-deny` otherwise.
    Allow(When, &'static str),
    /// Always denied by the named rule.
    Deny(&'static str),
}

use Expect::{Allow, Deny};
use When::*;

const OWN_PROFILE: Expect = Allow(OwnUser, "read-own-profile");
const NEVER_DELETED: Expect = Deny("records-are-never-deleted");

const ADMIN_OPS: Expect = Allow(Always, "admin-administers");
const ADMIN_BG: Expect = Allow(BreakGlassOnly, "admin-reads-clinical-via-break-glass");
/// Admin: every listed action; anything not listed is `default-deny` everywhere.
const ADMIN: &[(Action, Expect)] = &[
    (CreateChart, ADMIN_OPS),
    (ReadChart, ADMIN_OPS),
    (UpdateChart, ADMIN_OPS),
    (ArchiveChart, ADMIN_OPS),
    (ReadAppointments, ADMIN_OPS),
    (BookAppointment, ADMIN_OPS),
    (ManageAppointment, ADMIN_OPS),
    // CompleteAppointment: default deny
    (ReadRecords, ADMIN_BG),
    // CreateRecord, AmendRecord, AddNote: default deny
    (DeleteRecord, NEVER_DELETED),
    (ReadPrescriptions, ADMIN_BG),
    // Prescribe: default deny
    (ReadBilling, ADMIN_OPS),
    (ManageBilling, ADMIN_OPS),
    (ManageGrants, ADMIN_OPS),
    // BreakGlass: default deny (doctors only)
    (ManageCareTeam, ADMIN_OPS),
    (ManageUsers, ADMIN_OPS),
    (ReadOwnProfile, ADMIN_OPS),
    (ManageAvailability, ADMIN_OPS),
    (ReadAudit, ADMIN_OPS),
    (ViewAnalytics, ADMIN_OPS),
];

const DOC_TREATS: Expect = Allow(TeamOrBreakGlass, "doctor-treats-care-team-charts");
const DOC_REGISTERS: Expect = Allow(Always, "doctor-registers-walk-ins");
/// Doctor.
const DOCTOR: &[(Action, Expect)] = &[
    (CreateChart, DOC_REGISTERS),
    (ReadChart, DOC_TREATS),
    (UpdateChart, DOC_TREATS),
    // ArchiveChart: default deny
    (ReadAppointments, DOC_TREATS),
    (BookAppointment, DOC_TREATS),
    (ManageAppointment, DOC_TREATS),
    (CompleteAppointment, DOC_TREATS),
    (ReadRecords, DOC_TREATS),
    (CreateRecord, DOC_TREATS),
    (AmendRecord, DOC_TREATS),
    (AddNote, DOC_TREATS),
    (DeleteRecord, NEVER_DELETED),
    (ReadPrescriptions, DOC_TREATS),
    (Prescribe, DOC_TREATS),
    (ReadBilling, DOC_TREATS),
    // ManageBilling, ManageGrants: default deny
    (BreakGlass, Allow(Always, "doctor-declares-emergency")),
    // ManageCareTeam, ManageUsers: default deny
    (ReadOwnProfile, OWN_PROFILE),
    (
        ManageAvailability,
        Allow(OwnUser, "doctor-manages-own-schedule"),
    ),
    // ReadAudit, ViewAnalytics: default deny
];

const NURSE_ASSISTS: Expect = Allow(Team, "nurse-assists-care-team-charts");
const NURSE_NEVER: Expect = Deny("nurse-never-amends-or-deletes");
/// Nurse.
const NURSE: &[(Action, Expect)] = &[
    (ReadChart, NURSE_ASSISTS),
    (ReadAppointments, NURSE_ASSISTS),
    (BookAppointment, NURSE_ASSISTS),
    (ManageAppointment, NURSE_ASSISTS),
    (ReadRecords, NURSE_ASSISTS),
    (AmendRecord, NURSE_NEVER),
    (AddNote, NURSE_ASSISTS),
    (DeleteRecord, NURSE_NEVER),
    (ReadPrescriptions, NURSE_ASSISTS),
    (Prescribe, NURSE_NEVER),
    (ReadOwnProfile, OWN_PROFILE),
];

const PATIENT_OWNS: Expect = Allow(OwnChart, "patient-manages-own-chart");
/// Patient.
const PATIENT: &[(Action, Expect)] = &[
    (ReadChart, PATIENT_OWNS),
    (UpdateChart, PATIENT_OWNS),
    (ReadAppointments, PATIENT_OWNS),
    (BookAppointment, PATIENT_OWNS),
    (ManageAppointment, PATIENT_OWNS),
    (ReadRecords, PATIENT_OWNS),
    (CreateRecord, PATIENT_OWNS),
    (DeleteRecord, NEVER_DELETED),
    (ReadPrescriptions, PATIENT_OWNS),
    (ReadBilling, PATIENT_OWNS),
    (ManageBilling, PATIENT_OWNS),
    (ManageGrants, PATIENT_OWNS),
    (ReadOwnProfile, OWN_PROFILE),
];

const CARER_GRANTED: Expect = Allow(Granted, "caregiver-acts-on-grants");
/// Caregiver: only the seven delegable actions, and only when granted.
const CAREGIVER: &[(Action, Expect)] = &[
    (ReadChart, CARER_GRANTED),
    (ReadAppointments, CARER_GRANTED),
    (BookAppointment, CARER_GRANTED),
    (ManageAppointment, CARER_GRANTED),
    (ReadRecords, CARER_GRANTED),
    (DeleteRecord, NEVER_DELETED),
    (ReadPrescriptions, CARER_GRANTED),
    (ReadBilling, CARER_GRANTED),
    (ReadOwnProfile, OWN_PROFILE),
];

fn table(role: Role) -> &'static [(Action, Expect)] {
    match role {
        Role::Admin => ADMIN,
        Role::Doctor => DOCTOR,
        Role::Nurse => NURSE,
        Role::Patient => PATIENT,
        Role::Caregiver => CAREGIVER,
    }
}

/// The relationship profiles every cell is checked under.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Profile {
    None,
    Owner,
    CareTeam,
    GrantedDelegable,
    GrantedReadChart,
    /// A grant that (wrongly) holds every action, non-delegable ones included.
    GrantedEverything,
    BreakGlass,
    CareTeamAndBreakGlass,
}

const PROFILES: [Profile; 8] = [
    Profile::None,
    Profile::Owner,
    Profile::CareTeam,
    Profile::GrantedDelegable,
    Profile::GrantedReadChart,
    Profile::GrantedEverything,
    Profile::BreakGlass,
    Profile::CareTeamAndBreakGlass,
];

impl Profile {
    fn granted(self) -> BTreeSet<Action> {
        match self {
            Profile::GrantedDelegable => Action::DELEGABLE.into_iter().collect(),
            Profile::GrantedReadChart => BTreeSet::from([ReadChart]),
            Profile::GrantedEverything => Action::ALL.into_iter().collect(),
            _ => BTreeSet::new(),
        }
    }

    fn relationships(self) -> Relationships {
        Relationships {
            owner: self == Profile::Owner,
            care_team: matches!(self, Profile::CareTeam | Profile::CareTeamAndBreakGlass),
            granted: self.granted(),
            break_glass: matches!(self, Profile::BreakGlass | Profile::CareTeamAndBreakGlass),
        }
    }
}

/// The resource kinds every cell is checked on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Chart,
    System,
    UserSelf,
    UserOther,
    ScheduleSelf,
    ScheduleOther,
}

const KINDS: [Kind; 6] = [
    Kind::Chart,
    Kind::System,
    Kind::UserSelf,
    Kind::UserOther,
    Kind::ScheduleSelf,
    Kind::ScheduleOther,
];

const SELF_ID: u128 = 1;
const OTHER_ID: u128 = 2;
const CHART_ID: u128 = 7;

impl Kind {
    fn resource(self) -> Resource {
        let me = UserId(Uuid::from_u128(SELF_ID));
        let other = UserId(Uuid::from_u128(OTHER_ID));
        match self {
            Kind::Chart => Resource::Chart(PatientId(Uuid::from_u128(CHART_ID))),
            Kind::System => Resource::System,
            Kind::UserSelf => Resource::User(me),
            Kind::UserOther => Resource::User(other),
            Kind::ScheduleSelf => Resource::Schedule(me),
            Kind::ScheduleOther => Resource::Schedule(other),
        }
    }
}

fn actor(role: Role) -> Actor {
    Actor {
        user_id: UserId(Uuid::from_u128(SELF_ID)),
        role,
        patient_id: (role == Role::Patient).then_some(PatientId(Uuid::from_u128(CHART_ID))),
    }
}

/// `Some(via_break_glass)` when `when` holds for the scenario, `None` when it does not.
fn circumstances(when: When, action: Action, profile: Profile, kind: Kind) -> Option<bool> {
    use Profile as P;
    let chart = kind == Kind::Chart;
    match when {
        Always => Some(false),
        OwnUser => matches!(kind, Kind::UserSelf | Kind::ScheduleSelf).then_some(false),
        OwnChart => (chart && profile == P::Owner).then_some(false),
        Team => {
            (chart && matches!(profile, P::CareTeam | P::CareTeamAndBreakGlass)).then_some(false)
        }
        TeamOrBreakGlass if !chart => None,
        TeamOrBreakGlass => match profile {
            P::CareTeam | P::CareTeamAndBreakGlass => Some(false),
            P::BreakGlass => Some(true),
            _ => None,
        },
        BreakGlassOnly => {
            (chart && matches!(profile, P::BreakGlass | P::CareTeamAndBreakGlass)).then_some(true)
        }
        Granted => (chart && profile.granted().contains(&action)).then_some(false),
    }
}

fn expected(role: Role, action: Action, profile: Profile, kind: Kind) -> Decision {
    let cell = table(role)
        .iter()
        .find(|(a, _)| *a == action)
        .map(|(_, e)| *e);
    let (allowed, rule, via_break_glass) = match cell {
        Some(Deny(rule)) => (false, rule, false),
        Some(Allow(when, rule)) => match circumstances(when, action, profile, kind) {
            Some(via) => (true, rule, via),
            None => (false, "default-deny", false),
        },
        None => (false, "default-deny", false),
    };
    Decision {
        allowed,
        rule: rule.to_owned(),
        via_break_glass,
    }
}

/// Every cell where `engine` disagrees with the expected table.
fn mismatches(engine: &PolicyEngine) -> Vec<String> {
    let mut out = Vec::new();
    for role in Role::ALL {
        let who = actor(role);
        for action in Action::ALL {
            for profile in PROFILES {
                let rel = profile.relationships();
                for kind in KINDS {
                    let got = engine.decide(&who, action, &kind.resource(), &rel);
                    let want = expected(role, action, profile, kind);
                    if got != want {
                        out.push(format!(
                            "{role:?} {action:?} {profile:?} {kind:?}: got {got:?}, want {want:?}"
                        ));
                    }
                }
            }
        }
    }
    out
}

#[test]
fn standard_engine_matches_the_expected_matrix() {
    let bad = mismatches(&PolicyEngine::standard());
    assert!(
        bad.is_empty(),
        "{} mismatches:\n{}",
        bad.len(),
        bad.join("\n")
    );
}

#[test]
fn expected_tables_list_each_action_once() {
    for role in Role::ALL {
        let actions: BTreeSet<Action> = table(role).iter().map(|(a, _)| *a).collect();
        assert_eq!(actions.len(), table(role).len(), "{role:?}");
    }
}

#[test]
fn via_break_glass_is_set_exactly_when_access_rests_on_break_glass() {
    let engine = PolicyEngine::standard();
    for role in Role::ALL {
        let who = actor(role);
        for action in Action::ALL {
            for profile in PROFILES {
                let rel = profile.relationships();
                let without = Relationships {
                    break_glass: false,
                    ..rel.clone()
                };
                for kind in KINDS {
                    let res = kind.resource();
                    let d = engine.decide(&who, action, &res, &rel);
                    let d_without = engine.decide(&who, action, &res, &without);
                    let rests_on_bg = d.allowed && !d_without.allowed;
                    assert_eq!(
                        d.via_break_glass, rests_on_bg,
                        "{role:?} {action:?} {profile:?} {kind:?}"
                    );
                }
            }
        }
    }
}

/// Whether the expected table leaves `(role, action)` to `default-deny` everywhere.
fn unlisted(role: Role, action: Action) -> bool {
    table(role).iter().all(|(a, _)| *a != action)
}

/// Every single-rule mutation of the standard set that the matrix must catch: flipping,
/// renaming, widening or narrowing, removing, dropping an action or a role, and adding an
/// action or role — the latter only where the addition can be observed (the added action is
/// `default-deny` for a covered role; adding e.g. `DeleteRecord` to an allow rule, or an
/// action another rule already allows first, is an equivalent mutant no test can see).
fn mutations() -> Vec<(String, Vec<super::Rule>)> {
    let base = super::standard_rules();
    let mut out = Vec::new();
    for (i, rule) in base.iter().enumerate() {
        let mut push = |what: String, mutate: &dyn Fn(&mut super::Rule)| {
            let mut rules = base.clone();
            if let Some(r) = rules.get_mut(i) {
                mutate(r);
            }
            out.push((format!("{}: {what}", rule.name), rules));
        };
        push("effect flipped".into(), &|r| {
            r.effect = match r.effect {
                Effect::Allow => Effect::Deny,
                Effect::Deny => Effect::Allow,
            }
        });
        push("renamed".into(), &|r| r.name.push_str("-x"));
        push("condition widened or narrowed".into(), &|r| {
            r.condition = if r.condition == Condition::Always {
                Condition::AnyOf(vec![])
            } else {
                Condition::Always
            }
        });
        for a in &rule.actions {
            let a = *a;
            push(format!("drops {a:?}"), &move |r| {
                r.actions.retain(|x| *x != a)
            });
        }
        let covered: Vec<Role> = if rule.roles.is_empty() {
            Role::ALL.to_vec()
        } else {
            rule.roles.clone()
        };
        for extra in Action::ALL {
            if !rule.actions.contains(&extra) && covered.iter().any(|r| unlisted(*r, extra)) {
                push(format!("adds {extra:?}"), &move |r| r.actions.push(extra));
            }
        }
        for role in &rule.roles {
            let role = *role;
            push(format!("drops {role:?}"), &move |r| {
                r.roles.retain(|x| *x != role)
            });
        }
        if !rule.roles.is_empty() {
            for extra in Role::ALL {
                if !rule.roles.contains(&extra) && rule.actions.iter().any(|a| unlisted(extra, *a))
                {
                    push(format!("adds {extra:?}"), &move |r| r.roles.push(extra));
                }
            }
        }
    }
    for i in 0..base.len() {
        let mut rules = base.clone();
        let removed = rules.remove(i);
        out.push((format!("{}: removed", removed.name), rules));
    }
    out
}

#[test]
fn the_matrix_catches_any_single_rule_change() {
    let all = mutations();
    // Guard against the generator silently producing nothing.
    assert!(all.len() >= 100, "only {} mutations", all.len());
    let undetected: Vec<String> = all
        .into_iter()
        .filter(|(_, rules)| mismatches(&PolicyEngine::from_rules(rules.clone())).is_empty())
        .map(|(what, _)| what)
        .collect();
    assert!(
        undetected.is_empty(),
        "undetected mutations:\n{}",
        undetected.join("\n")
    );
}
