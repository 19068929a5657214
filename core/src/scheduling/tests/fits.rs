//! `fits_availability`: inside, outside, straddling, exceptions, DST.

use chrono::{Duration, Weekday};
use chrono_tz::America::New_York;
use chrono_tz::Europe::London;

use super::fixtures::{availability, rule, time_off, utc};
use crate::scheduling::{fits_availability, Availability};

/// Monday 09:00–12:00 and 13:00–17:00, Tuesday 09:00–12:00 Europe/London (GMT in January).
fn london() -> Availability {
    availability(
        London,
        vec![
            rule(Weekday::Mon, (9, 0), (12, 0)),
            rule(Weekday::Mon, (12, 0), (17, 0)),
            rule(Weekday::Tue, (9, 0), (12, 0)),
        ],
        30,
        10,
    )
}

#[test]
fn inside_a_window() {
    let a = london();
    assert!(fits_availability(
        &a,
        utc(2026, 1, 12, 9, 0),
        utc(2026, 1, 12, 9, 30)
    ));
    // No slot alignment needed; the whole window fits; ends exactly at the window end.
    assert!(fits_availability(
        &a,
        utc(2026, 1, 12, 9, 7),
        utc(2026, 1, 12, 9, 19)
    ));
    assert!(fits_availability(
        &a,
        utc(2026, 1, 12, 9, 0),
        utc(2026, 1, 12, 12, 0)
    ));
    assert!(fits_availability(
        &a,
        utc(2026, 1, 13, 11, 0),
        utc(2026, 1, 13, 12, 0)
    ));
}

#[test]
fn outside_or_empty() {
    let a = london();
    // Before the window, other weekday, next week's Wednesday.
    assert!(!fits_availability(
        &a,
        utc(2026, 1, 12, 8, 0),
        utc(2026, 1, 12, 8, 30)
    ));
    assert!(!fits_availability(
        &a,
        utc(2026, 1, 14, 9, 0),
        utc(2026, 1, 14, 9, 30)
    ));
    // Empty and reversed intervals never fit.
    let t = utc(2026, 1, 12, 10, 0);
    assert!(!fits_availability(&a, t, t));
    assert!(!fits_availability(&a, t, t - Duration::minutes(30)));
}

#[test]
fn straddling_a_window_edge() {
    let a = london();
    assert!(!fits_availability(
        &a,
        utc(2026, 1, 13, 11, 45),
        utc(2026, 1, 13, 12, 15)
    ));
    assert!(!fits_availability(
        &a,
        utc(2026, 1, 13, 8, 45),
        utc(2026, 1, 13, 9, 15)
    ));
    // Two touching windows do not combine into one.
    assert!(!fits_availability(
        &a,
        utc(2026, 1, 12, 11, 45),
        utc(2026, 1, 12, 12, 15)
    ));
    assert!(fits_availability(
        &a,
        utc(2026, 1, 12, 12, 0),
        utc(2026, 1, 12, 12, 30)
    ));
}

#[test]
fn across_an_exception() {
    let mut a = london();
    a.exceptions
        .push(time_off(utc(2026, 1, 12, 10, 0), utc(2026, 1, 12, 10, 30)));
    assert!(!fits_availability(
        &a,
        utc(2026, 1, 12, 9, 45),
        utc(2026, 1, 12, 10, 15)
    ));
    assert!(!fits_availability(
        &a,
        utc(2026, 1, 12, 10, 10),
        utc(2026, 1, 12, 10, 20)
    ));
    // Touching the exception is fine (half-open).
    assert!(fits_availability(
        &a,
        utc(2026, 1, 12, 9, 30),
        utc(2026, 1, 12, 10, 0)
    ));
    assert!(fits_availability(
        &a,
        utc(2026, 1, 12, 10, 30),
        utc(2026, 1, 12, 11, 0)
    ));
    // An empty (invalid) exception blocks nothing.
    let mut a = london();
    let t = utc(2026, 1, 12, 10, 0);
    a.exceptions.push(time_off(t, t));
    assert!(fits_availability(
        &a,
        utc(2026, 1, 12, 9, 45),
        utc(2026, 1, 12, 10, 15)
    ));
}

#[test]
fn on_dst_days() {
    // New York Sunday 00:00–04:00: 05:00Z–08:00Z on 8 March, 04:00Z–09:00Z on 1 November.
    let a = availability(New_York, vec![rule(Weekday::Sun, (0, 0), (4, 0))], 60, 0);
    assert!(fits_availability(
        &a,
        utc(2026, 3, 8, 5, 0),
        utc(2026, 3, 8, 8, 0)
    ));
    assert!(!fits_availability(
        &a,
        utc(2026, 3, 8, 7, 30),
        utc(2026, 3, 8, 8, 30)
    ));
    assert!(!fits_availability(
        &a,
        utc(2026, 3, 8, 4, 30),
        utc(2026, 3, 8, 5, 30)
    ));
    assert!(fits_availability(
        &a,
        utc(2026, 11, 1, 4, 0),
        utc(2026, 11, 1, 9, 0)
    ));
    assert!(!fits_availability(
        &a,
        utc(2026, 11, 1, 8, 30),
        utc(2026, 11, 1, 9, 30)
    ));
    // The week after spring forward the window is 04:00Z–08:00Z.
    assert!(fits_availability(
        &a,
        utc(2026, 3, 15, 4, 0),
        utc(2026, 3, 15, 5, 0)
    ));
}
