//! `apply_transition`: the full status × transition table and the specific rules.

use chrono::{DateTime, Duration, Utc};

use super::fixtures::{actor, appointment, pending, utc};
use crate::identity::Role;
use crate::scheduling::{apply_transition, Appointment, AppointmentStatus as S, Transition};
use crate::Error;

fn now() -> DateTime<Utc> {
    utc(2026, 1, 12, 10, 0)
}

/// The starting points of the table: the appointment started at `now - 1h`.
#[derive(Debug, Clone, Copy)]
enum Origin {
    PendingLive,
    PendingLapsed,
    Status(S),
}

fn make(from: Origin) -> Appointment {
    let base = appointment(
        now() - Duration::hours(1),
        now() - Duration::minutes(30),
        10,
    );
    match from {
        Origin::PendingLive => pending(base, now() + Duration::minutes(5)),
        Origin::PendingLapsed => pending(base, now() - Duration::minutes(5)),
        Origin::Status(s) => Appointment { status: s, ..base },
    }
}

fn all_transitions() -> Vec<Transition> {
    vec![
        Transition::Confirm,
        Transition::Complete,
        Transition::NoShow,
        Transition::Cancel {
            reason: Some("ill".into()),
        },
        Transition::Reschedule {
            start: now() + Duration::days(1),
            end: now() + Duration::days(1) + Duration::minutes(30),
        },
        Transition::Expire,
    ]
}

/// Expected outcome: `Some(status)` for success, `None` for `InvalidState`.
fn expected(from: Origin, t: &Transition) -> Option<S> {
    use Transition as T;
    match (from, t) {
        (Origin::PendingLive, T::Confirm) => Some(S::Confirmed),
        (Origin::PendingLive, T::Cancel { .. }) => Some(S::Cancelled),
        (Origin::PendingLive, T::Reschedule { .. }) => Some(S::Pending),
        (Origin::PendingLapsed, T::Expire) => Some(S::Expired),
        (Origin::Status(S::Confirmed), T::Complete) => Some(S::Completed),
        (Origin::Status(S::Confirmed), T::NoShow) => Some(S::NoShow),
        (Origin::Status(S::Confirmed), T::Cancel { .. }) => Some(S::Cancelled),
        (Origin::Status(S::Confirmed), T::Reschedule { .. }) => Some(S::Confirmed),
        _ => None,
    }
}

#[test]
fn status_by_transition_table() {
    let froms = [
        Origin::PendingLive,
        Origin::PendingLapsed,
        Origin::Status(S::Confirmed),
        Origin::Status(S::Completed),
        Origin::Status(S::Cancelled),
        Origin::Status(S::NoShow),
        Origin::Status(S::Expired),
    ];
    let who = actor(Role::Doctor);
    let mut checked = 0;
    for from in froms {
        for t in all_transitions() {
            let appt = make(from);
            let got = apply_transition(&appt, &t, &who, now());
            match (expected(from, &t), got) {
                (Some(status), Ok(next)) => {
                    assert_eq!(next.status, status, "{from:?} {}", t.name());
                    assert_eq!(next.version, appt.version, "version is the store's job");
                    assert_eq!(next.updated_at, now());
                    assert_eq!(next.id, appt.id);
                }
                (None, Err(Error::InvalidState(msg))) => {
                    assert!(
                        msg.contains(appt.status.as_str()) || msg.contains("hold"),
                        "{msg}"
                    );
                }
                (want, got) => panic!("{from:?} {}: want {want:?}, got {got:?}", t.name()),
            }
            checked += 1;
        }
    }
    assert_eq!(checked, 42);
}

#[test]
fn generic_refusal_message() {
    let err = apply_transition(
        &make(Origin::Status(S::Cancelled)),
        &Transition::Confirm,
        &actor(Role::Patient),
        now(),
    )
    .expect_err("refused");
    assert_eq!(
        err.to_string(),
        "invalid state: cannot confirm an appointment that is cancelled"
    );
    let err = apply_transition(
        &make(Origin::Status(S::Expired)),
        &Transition::NoShow,
        &actor(Role::Doctor),
        now(),
    )
    .expect_err("refused");
    assert!(err
        .to_string()
        .contains("cannot mark as no-show an appointment that is expired"));
}

#[test]
fn transition_names() {
    let names: Vec<_> = all_transitions().iter().map(Transition::name).collect();
    assert_eq!(
        names,
        [
            "confirm",
            "complete",
            "no_show",
            "cancel",
            "reschedule",
            "expire"
        ]
    );
}

#[test]
fn confirm_clears_a_live_hold_and_refuses_a_lapsed_one() {
    let who = actor(Role::Patient);
    let next = apply_transition(
        &make(Origin::PendingLive),
        &Transition::Confirm,
        &who,
        now(),
    )
    .expect("live hold");
    assert_eq!(next.status, S::Confirmed);
    assert_eq!(next.hold_expires_at, None);

    let err = apply_transition(
        &make(Origin::PendingLapsed),
        &Transition::Confirm,
        &who,
        now(),
    )
    .expect_err("lapsed");
    match err {
        Error::InvalidState(msg) => assert!(msg.starts_with("hold expired"), "{msg}"),
        other => panic!("{other:?}"),
    }
    // A hold expiring exactly now has lapsed.
    let appt = pending(make(Origin::PendingLive), now());
    assert!(matches!(
        apply_transition(&appt, &Transition::Confirm, &who, now()),
        Err(Error::InvalidState(_))
    ));
}

#[test]
fn expire_only_once_the_hold_lapsed() {
    let who = actor(Role::Admin);
    let err = apply_transition(&make(Origin::PendingLive), &Transition::Expire, &who, now())
        .expect_err("still live");
    assert!(
        matches!(err, Error::InvalidState(ref m) if m.contains("live until")),
        "{err}"
    );
    let appt = pending(make(Origin::PendingLive), now());
    let next = apply_transition(&appt, &Transition::Expire, &who, now()).expect("lapsed");
    assert_eq!(next.status, S::Expired);
}

#[test]
fn complete_and_no_show_not_before_start() {
    let who = actor(Role::Doctor);
    let mut appt = make(Origin::Status(S::Confirmed));
    appt.start = now() + Duration::minutes(1);
    appt.end = now() + Duration::minutes(31);
    for t in [Transition::Complete, Transition::NoShow] {
        match apply_transition(&appt, &t, &who, now()) {
            Err(Error::InvalidState(msg)) => assert!(msg.contains("before it starts"), "{msg}"),
            other => panic!("{other:?}"),
        }
    }
    // At the start instant it is allowed.
    appt.start = now();
    let next = apply_transition(&appt, &Transition::Complete, &who, now()).expect("at start");
    assert_eq!(next.status, S::Completed);
}

#[test]
fn cancel_records_who_and_why() {
    let who = actor(Role::Caregiver);
    let t = Transition::Cancel {
        reason: Some("  feeling better \n".into()),
    };
    let next =
        apply_transition(&make(Origin::Status(S::Confirmed)), &t, &who, now()).expect("cancel");
    assert_eq!(next.status, S::Cancelled);
    let c = next.cancellation.expect("recorded");
    assert_eq!(c.by, who.user_id);
    assert_eq!(c.by_role, Role::Caregiver);
    assert_eq!(c.reason.as_deref(), Some("feeling better"));
    assert_eq!(c.at, now());

    // Blank and absent reasons are stored as none.
    for reason in [None, Some("   ".to_owned())] {
        let next = apply_transition(
            &make(Origin::PendingLive),
            &Transition::Cancel { reason },
            &who,
            now(),
        )
        .expect("cancel");
        assert_eq!(next.cancellation.and_then(|c| c.reason), None);
    }
}

#[test]
fn cancel_reason_at_most_500_chars() {
    let who = actor(Role::Patient);
    let ok = Transition::Cancel {
        reason: Some(format!("  {}  ", "é".repeat(500))),
    };
    assert!(apply_transition(&make(Origin::Status(S::Confirmed)), &ok, &who, now()).is_ok());
    let long = Transition::Cancel {
        reason: Some("x".repeat(501)),
    };
    let err = apply_transition(&make(Origin::Status(S::Confirmed)), &long, &who, now())
        .expect_err("too long");
    assert_eq!(err.field_errors()[0].field, "reason");
}

#[test]
fn reschedule_moves_and_keeps_the_hold() {
    let who = actor(Role::Patient);
    let start = now() + Duration::days(2);
    let end = start + Duration::minutes(45);
    let appt = make(Origin::PendingLive);
    let next = apply_transition(&appt, &Transition::Reschedule { start, end }, &who, now())
        .expect("reschedule");
    assert_eq!((next.start, next.end), (start, end));
    assert_eq!(next.status, S::Pending);
    assert_eq!(next.hold_expires_at, appt.hold_expires_at);
}

#[test]
fn reschedule_validates_the_new_interval() {
    let who = actor(Role::Doctor);
    let appt = make(Origin::Status(S::Confirmed));
    let field = |start: DateTime<Utc>, end: DateTime<Utc>| -> Vec<String> {
        apply_transition(&appt, &Transition::Reschedule { start, end }, &who, now())
            .expect_err("invalid")
            .field_errors()
            .iter()
            .map(|f| f.field.clone())
            .collect()
    };
    let later = now() + Duration::hours(1);
    assert_eq!(field(later, later), ["end"]);
    assert_eq!(field(now(), now() + Duration::minutes(30)), ["start"]);
    assert_eq!(
        field(now() - Duration::hours(1), now() - Duration::hours(2)),
        ["end", "start"]
    );
}
