//! `validate_availability`: every field error, and several reported together.

use chrono::{Duration, Weekday};
use chrono_tz::Europe::London;

use super::fixtures::{availability, rule, time_off, utc};
use crate::scheduling::{validate_availability, Availability};
use crate::Error;

fn valid() -> Availability {
    availability(
        London,
        vec![
            rule(Weekday::Mon, (9, 0), (12, 0)),
            rule(Weekday::Mon, (13, 0), (17, 0)),
            rule(Weekday::Tue, (9, 0), (12, 0)),
        ],
        30,
        10,
    )
}

/// The (field, message) pairs of a validation error.
fn fields(a: &Availability) -> Vec<(String, String)> {
    match validate_availability(a) {
        Ok(()) => Vec::new(),
        Err(Error::InvalidInput(f)) => f.into_iter().map(|e| (e.field, e.message)).collect(),
        Err(other) => panic!("unexpected error {other:?}"),
    }
}

fn field_names(a: &Availability) -> Vec<String> {
    fields(a).into_iter().map(|(f, _)| f).collect()
}

#[test]
fn valid_availability_passes() {
    assert!(validate_availability(&valid()).is_ok());
    let mut a = valid();
    a.weekly.clear();
    a.buffer_minutes = 0;
    assert!(validate_availability(&a).is_ok(), "no rules is valid");
}

#[test]
fn slot_minutes_bounds() {
    for ok in [5, 30, 180] {
        let mut a = valid();
        a.slot_minutes = ok;
        assert!(validate_availability(&a).is_ok(), "{ok}");
    }
    for bad in [0, 4, 481, u32::MAX] {
        let mut a = valid();
        a.slot_minutes = bad;
        assert!(
            field_names(&a).contains(&"slot_minutes".to_owned()),
            "{bad}"
        );
    }
    let mut a = availability(London, vec![rule(Weekday::Mon, (0, 0), (8, 0))], 480, 0);
    assert!(validate_availability(&a).is_ok());
    a.slot_minutes = 5;
    assert!(validate_availability(&a).is_ok());
}

#[test]
fn buffer_minutes_bounds() {
    let mut a = valid();
    a.buffer_minutes = 240;
    assert!(validate_availability(&a).is_ok());
    a.buffer_minutes = 241;
    assert_eq!(field_names(&a), ["buffer_minutes"]);
}

#[test]
fn at_most_fifty_weekly_rules() {
    let mut a = availability(London, Vec::new(), 5, 0);
    // 50 disjoint 10-minute rules across the week.
    let days = [
        Weekday::Mon,
        Weekday::Tue,
        Weekday::Wed,
        Weekday::Thu,
        Weekday::Fri,
    ];
    for i in 0..50u32 {
        let day = days[(i % 5) as usize];
        let h = 8 + i / 5;
        a.weekly.push(rule(day, (h, 0), (h, 10)));
    }
    assert!(validate_availability(&a).is_ok());
    a.weekly.push(rule(Weekday::Sat, (9, 0), (10, 0)));
    assert_eq!(field_names(&a), ["weekly"]);
}

#[test]
fn weekly_end_must_be_after_start() {
    let mut a = valid();
    a.weekly.push(rule(Weekday::Wed, (22, 0), (2, 0))); // crosses midnight
    a.weekly.push(rule(Weekday::Thu, (9, 0), (9, 0))); // empty
    let f = fields(&a);
    assert_eq!(
        f.iter().map(|(f, _)| f.as_str()).collect::<Vec<_>>(),
        ["weekly[3].end", "weekly[4].end"]
    );
    assert!(f[0].1.contains("after start"));
}

#[test]
fn weekly_window_shorter_than_a_slot() {
    let mut a = valid();
    a.weekly.push(rule(Weekday::Fri, (9, 0), (9, 20)));
    let f = fields(&a);
    assert_eq!(
        f,
        [("weekly[3]".to_owned(), "shorter than one slot".to_owned())]
    );
    // Exactly one slot long is fine.
    a.weekly[3] = rule(Weekday::Fri, (9, 0), (9, 30));
    assert!(validate_availability(&a).is_ok());
}

#[test]
fn overlapping_rules_on_the_same_day() {
    let mut a = valid();
    a.weekly.push(rule(Weekday::Mon, (11, 0), (14, 0))); // overlaps both Monday rules
    a.weekly.push(rule(Weekday::Tue, (12, 0), (13, 0))); // touches Tue 9-12: fine
    a.weekly.push(rule(Weekday::Wed, (11, 0), (14, 0))); // other day: fine
    let f = fields(&a);
    assert_eq!(
        f.iter().map(|(f, _)| f.as_str()).collect::<Vec<_>>(),
        ["weekly[3]", "weekly[1]"],
        "{f:?}"
    );
    assert!(f[0].1.contains("overlaps weekly[0]"), "{f:?}");
    assert!(f[1].1.contains("overlaps weekly[3]"), "{f:?}");
}

#[test]
fn nested_and_identical_rules_overlap() {
    let a = availability(
        London,
        vec![
            rule(Weekday::Thu, (8, 0), (18, 0)),
            rule(Weekday::Thu, (9, 0), (10, 0)),
            rule(Weekday::Thu, (12, 0), (13, 0)),
            rule(Weekday::Thu, (8, 0), (18, 0)),
        ],
        30,
        0,
    );
    let mut names = field_names(&a);
    names.sort();
    assert_eq!(names, ["weekly[1]", "weekly[2]", "weekly[3]"]);
}

#[test]
fn exception_end_must_be_after_start() {
    let mut a = valid();
    let t = utc(2026, 1, 12, 9, 0);
    a.exceptions.push(time_off(t, t + Duration::hours(1)));
    a.exceptions.push(time_off(t, t));
    a.exceptions.push(time_off(t, t - Duration::hours(1)));
    assert_eq!(field_names(&a), ["exceptions[1].end", "exceptions[2].end"]);
}

#[test]
fn at_most_a_thousand_exceptions() {
    let mut a = valid();
    let t = utc(2026, 1, 1, 0, 0);
    for i in 0..1000 {
        let s = t + Duration::days(i);
        a.exceptions.push(time_off(s, s + Duration::hours(1)));
    }
    assert!(validate_availability(&a).is_ok());
    a.exceptions.push(time_off(t, t + Duration::hours(1)));
    assert_eq!(field_names(&a), ["exceptions"]);
}

#[test]
fn every_problem_is_reported_together() {
    let mut a = valid();
    a.slot_minutes = 2;
    a.buffer_minutes = 300;
    a.weekly.push(rule(Weekday::Mon, (10, 0), (11, 0))); // overlaps weekly[0]
    a.weekly.push(rule(Weekday::Sun, (10, 0), (9, 0))); // end before start
    let t = utc(2026, 1, 12, 9, 0);
    a.exceptions.push(time_off(t, t));
    let mut names = field_names(&a);
    names.sort();
    assert_eq!(
        names,
        [
            "buffer_minutes",
            "exceptions[0].end",
            "slot_minutes",
            "weekly[3]",
            "weekly[4].end"
        ]
    );
    let err = validate_availability(&a).expect_err("invalid");
    assert_eq!(err.field_errors().len(), 5);
}
