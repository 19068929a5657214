//! `free_slots` across daylight-saving transitions. The expected UTC instants are worked out
//! by hand and are the specification.
//!
//! America/New_York 2026: EST (UTC−5) → EDT (UTC−4) on Sunday 8 March at 02:00 local
//! (= 07:00Z); back on Sunday 1 November at 02:00 EDT (= 06:00Z), local 01:00–02:00 repeats.
//! Europe/Berlin 2026: CET (UTC+1) → CEST (UTC+2) on Sunday 29 March at 02:00 local
//! (= 01:00Z); back on Sunday 25 October at 03:00 CEST (= 01:00Z), local 02:00–03:00 repeats.

use chrono::{DateTime, Duration, Utc, Weekday};
use chrono_tz::America::New_York;
use chrono_tz::Europe::Berlin;
use chrono_tz::Tz;

use super::fixtures::{availability, rule, starts, utc};
use crate::scheduling::{free_slots, Availability, WeeklyRule};

fn long_ago() -> DateTime<Utc> {
    utc(2025, 1, 1, 0, 0)
}

/// Hour-long slots, no buffer.
fn hourly(tz: Tz, weekly: Vec<WeeklyRule>) -> Availability {
    availability(tz, weekly, 60, 0)
}

/// Slot starts in the 48 hours around `day` (a UTC midnight).
fn slots_around(a: &Availability, day: DateTime<Utc>) -> Vec<DateTime<Utc>> {
    starts(&free_slots(
        a,
        &[],
        day - Duration::hours(24),
        day + Duration::hours(48),
        long_ago(),
    ))
}

#[test]
fn new_york_spring_forward_skips_the_missing_hour() {
    let a = hourly(New_York, vec![rule(Weekday::Sun, (0, 0), (4, 0))]);
    // 00:00 EST = 05:00Z … 04:00 EDT = 08:00Z: local 00:00, 01:00, 03:00.
    assert_eq!(
        slots_around(&a, utc(2026, 3, 8, 0, 0)),
        [
            utc(2026, 3, 8, 5, 0),
            utc(2026, 3, 8, 6, 0),
            utc(2026, 3, 8, 7, 0)
        ]
    );
}

#[test]
fn new_york_fall_back_keeps_the_repeated_hour() {
    let a = hourly(New_York, vec![rule(Weekday::Sun, (0, 0), (4, 0))]);
    // 00:00 EDT = 04:00Z … 04:00 EST = 09:00Z: five real hours.
    assert_eq!(
        slots_around(&a, utc(2026, 11, 1, 0, 0)),
        [
            utc(2026, 11, 1, 4, 0),
            utc(2026, 11, 1, 5, 0),
            utc(2026, 11, 1, 6, 0),
            utc(2026, 11, 1, 7, 0),
            utc(2026, 11, 1, 8, 0),
        ]
    );
}

#[test]
fn new_york_office_hours_move_with_the_offset() {
    let a = hourly(New_York, vec![rule(Weekday::Mon, (9, 0), (17, 0))]);
    // Monday 2 March (EST): 09:00 = 14:00Z; Monday 9 March (EDT): 09:00 = 13:00Z.
    let before = slots_around(&a, utc(2026, 3, 2, 0, 0));
    assert_eq!(before.len(), 8);
    assert_eq!(before[0], utc(2026, 3, 2, 14, 0));
    assert_eq!(before[7], utc(2026, 3, 2, 21, 0));
    let after = slots_around(&a, utc(2026, 3, 9, 0, 0));
    assert_eq!(after.len(), 8);
    assert_eq!(after[0], utc(2026, 3, 9, 13, 0));
    assert_eq!(after[7], utc(2026, 3, 9, 20, 0));
    // And back in November: Monday 26 Oct 13:00Z, Monday 2 Nov 14:00Z.
    assert_eq!(
        slots_around(&a, utc(2026, 10, 26, 0, 0))[0],
        utc(2026, 10, 26, 13, 0)
    );
    assert_eq!(
        slots_around(&a, utc(2026, 11, 2, 0, 0))[0],
        utc(2026, 11, 2, 14, 0)
    );
}

#[test]
fn new_york_window_starting_in_the_gap_starts_at_its_end() {
    // 02:30 does not exist on 8 March: the window starts at 03:00 EDT = 07:00Z; 05:00 EDT =
    // 09:00Z.
    let a = hourly(New_York, vec![rule(Weekday::Sun, (2, 30), (5, 0))]);
    assert_eq!(
        slots_around(&a, utc(2026, 3, 8, 0, 0)),
        [utc(2026, 3, 8, 7, 0), utc(2026, 3, 8, 8, 0)]
    );
    // A window entirely inside the gap has no occurrence that day.
    let a = availability(New_York, vec![rule(Weekday::Sun, (2, 0), (2, 50))], 30, 0);
    assert!(slots_around(&a, utc(2026, 3, 8, 0, 0)).is_empty());
    // … but the week before it is a normal window (02:00 EST = 07:00Z).
    assert_eq!(
        slots_around(&a, utc(2026, 3, 1, 0, 0)),
        [utc(2026, 3, 1, 7, 0)]
    );
}

#[test]
fn new_york_ambiguous_edges() {
    // Start 01:30 is ambiguous: the earlier instant, 01:30 EDT = 05:30Z. End 03:00 EST = 08:00Z.
    let a = hourly(New_York, vec![rule(Weekday::Sun, (1, 30), (3, 0))]);
    assert_eq!(
        slots_around(&a, utc(2026, 11, 1, 0, 0)),
        [utc(2026, 11, 1, 5, 30), utc(2026, 11, 1, 6, 30)]
    );
    // End 01:30 is ambiguous: the later instant, 01:30 EST = 06:30Z. Start 00:00 EDT = 04:00Z.
    let a = availability(New_York, vec![rule(Weekday::Sun, (0, 0), (1, 30))], 30, 0);
    assert_eq!(
        slots_around(&a, utc(2026, 11, 1, 0, 0)),
        [
            utc(2026, 11, 1, 4, 0),
            utc(2026, 11, 1, 4, 30),
            utc(2026, 11, 1, 5, 0),
            utc(2026, 11, 1, 5, 30),
            utc(2026, 11, 1, 6, 0),
        ]
    );
}

#[test]
fn berlin_spring_forward() {
    let a = hourly(Berlin, vec![rule(Weekday::Sun, (0, 0), (4, 0))]);
    // 00:00 CET = 23:00Z Saturday … 04:00 CEST = 02:00Z: local 00:00, 01:00, 03:00.
    assert_eq!(
        slots_around(&a, utc(2026, 3, 29, 0, 0)),
        [
            utc(2026, 3, 28, 23, 0),
            utc(2026, 3, 29, 0, 0),
            utc(2026, 3, 29, 1, 0)
        ]
    );
    // 02:30 does not exist: starts at 03:00 CEST = 01:00Z; 05:00 CEST = 03:00Z.
    let a = hourly(Berlin, vec![rule(Weekday::Sun, (2, 30), (5, 0))]);
    assert_eq!(
        slots_around(&a, utc(2026, 3, 29, 0, 0)),
        [utc(2026, 3, 29, 1, 0), utc(2026, 3, 29, 2, 0)]
    );
}

#[test]
fn berlin_fall_back() {
    let a = hourly(Berlin, vec![rule(Weekday::Sun, (0, 0), (4, 0))]);
    // 00:00 CEST = 22:00Z Saturday … 04:00 CET = 03:00Z: five real hours.
    assert_eq!(
        slots_around(&a, utc(2026, 10, 25, 0, 0)),
        [
            utc(2026, 10, 24, 22, 0),
            utc(2026, 10, 24, 23, 0),
            utc(2026, 10, 25, 0, 0),
            utc(2026, 10, 25, 1, 0),
            utc(2026, 10, 25, 2, 0),
        ]
    );
    // Start 02:30 is ambiguous: earlier, 02:30 CEST = 00:30Z; end 04:00 CET = 03:00Z.
    let a = hourly(Berlin, vec![rule(Weekday::Sun, (2, 30), (4, 0))]);
    assert_eq!(
        slots_around(&a, utc(2026, 10, 25, 0, 0)),
        [utc(2026, 10, 25, 0, 30), utc(2026, 10, 25, 1, 30)]
    );
}

#[test]
fn berlin_office_hours_move_with_the_offset() {
    let a = hourly(Berlin, vec![rule(Weekday::Mon, (9, 0), (17, 0))]);
    // Monday 23 March (CET) 08:00Z; Monday 30 March (CEST) 07:00Z.
    assert_eq!(
        slots_around(&a, utc(2026, 3, 23, 0, 0))[0],
        utc(2026, 3, 23, 8, 0)
    );
    assert_eq!(
        slots_around(&a, utc(2026, 3, 30, 0, 0))[0],
        utc(2026, 3, 30, 7, 0)
    );
    // Monday 19 October (CEST) 07:00Z; Monday 26 October (CET) 08:00Z.
    assert_eq!(
        slots_around(&a, utc(2026, 10, 19, 0, 0))[0],
        utc(2026, 10, 19, 7, 0)
    );
    assert_eq!(
        slots_around(&a, utc(2026, 10, 26, 0, 0))[0],
        utc(2026, 10, 26, 8, 0)
    );
}

#[test]
fn steps_are_absolute_time_across_the_gap() {
    // 00:00–05:00 NY on 8 March is 05:00Z–09:00Z; 90-minute slots fit at 05:00Z and 06:30Z
    // only (08:00Z would end at 09:30Z).
    let a = availability(New_York, vec![rule(Weekday::Sun, (0, 0), (5, 0))], 90, 0);
    assert_eq!(
        slots_around(&a, utc(2026, 3, 8, 0, 0)),
        [utc(2026, 3, 8, 5, 0), utc(2026, 3, 8, 6, 30)]
    );
}

#[test]
fn range_spanning_the_local_day_boundary() {
    // A Berlin Sunday window late on Saturday UTC is found from a range starting Saturday.
    let a = hourly(Berlin, vec![rule(Weekday::Sun, (0, 0), (1, 0))]);
    let slots = free_slots(
        &a,
        &[],
        utc(2026, 1, 10, 22, 0),
        utc(2026, 1, 11, 0, 0),
        long_ago(),
    );
    assert_eq!(starts(&slots), [utc(2026, 1, 10, 23, 0)]);
    // And a window at the end of a Sunday in New York lands on Monday UTC.
    let a = hourly(New_York, vec![rule(Weekday::Sun, (22, 0), (23, 0))]);
    let slots = free_slots(
        &a,
        &[],
        utc(2026, 1, 12, 0, 0),
        utc(2026, 1, 12, 6, 0),
        long_ago(),
    );
    assert_eq!(starts(&slots), [utc(2026, 1, 12, 3, 0)]);
}
