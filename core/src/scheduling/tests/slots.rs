//! `free_slots` basics: grid, buffers, busy appointments, exceptions, `now`, range edges.

use chrono::{Duration, Weekday};
use chrono_tz::Europe::London;

use super::fixtures::{appointment, availability, pending, rule, starts, time_off, utc};
use crate::scheduling::{free_slots, AppointmentStatus, Availability, Slot};

/// Monday 09:00–12:00 Europe/London, 30-minute slots, 10-minute buffer.
fn monday_morning() -> Availability {
    availability(London, vec![rule(Weekday::Mon, (9, 0), (12, 0))], 30, 10)
}

// 2026-01-12 is a Monday in GMT (UTC+0); 2026-06-15 a Monday in BST (UTC+1).
fn day_start() -> chrono::DateTime<chrono::Utc> {
    utc(2026, 1, 12, 0, 0)
}
fn day_end() -> chrono::DateTime<chrono::Utc> {
    utc(2026, 1, 13, 0, 0)
}
fn long_ago() -> chrono::DateTime<chrono::Utc> {
    utc(2025, 1, 1, 0, 0)
}

#[test]
fn grid_steps_by_slot_plus_buffer() {
    let slots = free_slots(&monday_morning(), &[], day_start(), day_end(), long_ago());
    assert_eq!(
        slots,
        [
            Slot {
                start: utc(2026, 1, 12, 9, 0),
                end: utc(2026, 1, 12, 9, 30)
            },
            Slot {
                start: utc(2026, 1, 12, 9, 40),
                end: utc(2026, 1, 12, 10, 10)
            },
            Slot {
                start: utc(2026, 1, 12, 10, 20),
                end: utc(2026, 1, 12, 10, 50)
            },
            Slot {
                start: utc(2026, 1, 12, 11, 0),
                end: utc(2026, 1, 12, 11, 30)
            },
        ]
    );
}

#[test]
fn summer_time_shifts_the_utc_instants() {
    let slots = free_slots(
        &monday_morning(),
        &[],
        utc(2026, 6, 15, 0, 0),
        utc(2026, 6, 16, 0, 0),
        long_ago(),
    );
    assert_eq!(
        starts(&slots),
        [
            utc(2026, 6, 15, 8, 0),
            utc(2026, 6, 15, 8, 40),
            utc(2026, 6, 15, 9, 20),
            utc(2026, 6, 15, 10, 0),
        ]
    );
}

#[test]
fn only_the_rule_weekday_has_slots_and_weeks_repeat() {
    let slots = free_slots(
        &monday_morning(),
        &[],
        utc(2026, 1, 10, 0, 0), // Saturday
        utc(2026, 1, 24, 0, 0), // Saturday two weeks on
        long_ago(),
    );
    assert_eq!(slots.len(), 8);
    assert_eq!(slots[0].start, utc(2026, 1, 12, 9, 0));
    assert_eq!(slots[4].start, utc(2026, 1, 19, 9, 0));
    assert!(slots.windows(2).all(|w| w[0].start < w[1].start), "sorted");
}

#[test]
fn busy_appointment_removes_overlapping_slots() {
    // Busy 10:00–10:30 with its own 10-minute buffer blocks [10:00, 10:40).
    let busy = [appointment(
        utc(2026, 1, 12, 10, 0),
        utc(2026, 1, 12, 10, 30),
        10,
    )];
    let slots = free_slots(&monday_morning(), &busy, day_start(), day_end(), long_ago());
    assert_eq!(
        starts(&slots),
        [utc(2026, 1, 12, 9, 0), utc(2026, 1, 12, 11, 0)]
    );
}

#[test]
fn the_busy_appointments_buffer_blocks_the_next_slot() {
    // Ends 08:55 but its 10-minute buffer runs to 09:05: the 09:00 slot is gone.
    let busy = [appointment(
        utc(2026, 1, 12, 8, 30),
        utc(2026, 1, 12, 8, 55),
        10,
    )];
    let slots = free_slots(&monday_morning(), &busy, day_start(), day_end(), long_ago());
    assert_eq!(slots[0].start, utc(2026, 1, 12, 9, 40));
    assert_eq!(slots.len(), 3);

    // A buffer ending exactly at 09:00 does not block it (half-open).
    let busy = [appointment(
        utc(2026, 1, 12, 8, 30),
        utc(2026, 1, 12, 8, 50),
        10,
    )];
    let slots = free_slots(&monday_morning(), &busy, day_start(), day_end(), long_ago());
    assert_eq!(slots[0].start, utc(2026, 1, 12, 9, 0));
    assert_eq!(slots.len(), 4);
}

#[test]
fn the_slots_own_buffer_must_be_free() {
    // 09:35–09:38 does not touch the 09:00–09:30 slot but falls in its buffer (to 09:40).
    let busy = [appointment(
        utc(2026, 1, 12, 9, 35),
        utc(2026, 1, 12, 9, 38),
        0,
    )];
    let slots = free_slots(&monday_morning(), &busy, day_start(), day_end(), long_ago());
    assert_eq!(
        starts(&slots),
        [
            utc(2026, 1, 12, 9, 40),
            utc(2026, 1, 12, 10, 20),
            utc(2026, 1, 12, 11, 0)
        ]
    );

    // Starting exactly where the 09:00 slot's buffer ends is fine; it blocks 09:40 though.
    let busy = [appointment(
        utc(2026, 1, 12, 9, 40),
        utc(2026, 1, 12, 9, 45),
        0,
    )];
    let slots = free_slots(&monday_morning(), &busy, day_start(), day_end(), long_ago());
    assert_eq!(
        starts(&slots),
        [
            utc(2026, 1, 12, 9, 0),
            utc(2026, 1, 12, 10, 20),
            utc(2026, 1, 12, 11, 0)
        ]
    );
}

#[test]
fn exceptions_remove_slots() {
    let mut a = monday_morning();
    a.exceptions
        .push(time_off(utc(2026, 1, 12, 10, 30), utc(2026, 1, 12, 11, 10)));
    let slots = free_slots(&a, &[], day_start(), day_end(), long_ago());
    assert_eq!(
        starts(&slots),
        [utc(2026, 1, 12, 9, 0), utc(2026, 1, 12, 9, 40)]
    );

    // Time off is checked against the slot itself, not its buffer.
    let mut a = monday_morning();
    a.exceptions
        .push(time_off(utc(2026, 1, 12, 9, 30), utc(2026, 1, 12, 9, 40)));
    let slots = free_slots(&a, &[], day_start(), day_end(), long_ago());
    assert_eq!(slots.len(), 4);

    // A whole-day exception removes the day.
    let mut a = monday_morning();
    a.exceptions.push(time_off(day_start(), day_end()));
    assert!(free_slots(&a, &[], day_start(), day_end(), long_ago()).is_empty());
}

#[test]
fn slots_before_now_are_removed() {
    let now = utc(2026, 1, 12, 9, 50);
    let slots = free_slots(&monday_morning(), &[], day_start(), day_end(), now);
    assert_eq!(
        starts(&slots),
        [utc(2026, 1, 12, 10, 20), utc(2026, 1, 12, 11, 0)]
    );
    // A slot starting exactly now is kept.
    let now = utc(2026, 1, 12, 9, 40);
    let slots = free_slots(&monday_morning(), &[], day_start(), day_end(), now);
    assert_eq!(slots[0].start, now);
    assert_eq!(slots.len(), 3);
    // Sub-minute `now` just after a slot start drops that slot.
    let now = utc(2026, 1, 12, 9, 40) + Duration::nanoseconds(1);
    let slots = free_slots(&monday_morning(), &[], day_start(), day_end(), now);
    assert_eq!(slots[0].start, utc(2026, 1, 12, 10, 20));
}

#[test]
fn the_range_clips_slots() {
    // from after 09:00 drops it; the grid does not move.
    let slots = free_slots(
        &monday_morning(),
        &[],
        utc(2026, 1, 12, 9, 1),
        utc(2026, 1, 12, 11, 29),
        long_ago(),
    );
    assert_eq!(
        starts(&slots),
        [utc(2026, 1, 12, 9, 40), utc(2026, 1, 12, 10, 20)]
    );
    // A slot ending exactly at `to` is in.
    let slots = free_slots(
        &monday_morning(),
        &[],
        utc(2026, 1, 12, 9, 0),
        utc(2026, 1, 12, 11, 30),
        long_ago(),
    );
    assert_eq!(slots.len(), 4);
    // Empty and reversed ranges give nothing.
    let t = utc(2026, 1, 12, 9, 0);
    assert!(free_slots(&monday_morning(), &[], t, t, long_ago()).is_empty());
    assert!(free_slots(&monday_morning(), &[], day_end(), day_start(), long_ago()).is_empty());
}

#[test]
fn pending_holds_block_only_while_live() {
    let now = utc(2026, 1, 5, 12, 0);
    let base = appointment(utc(2026, 1, 12, 10, 0), utc(2026, 1, 12, 10, 30), 10);
    let expected_blocked = [utc(2026, 1, 12, 9, 0), utc(2026, 1, 12, 11, 0)];

    let live = pending(base.clone(), now + Duration::minutes(5));
    let slots = free_slots(&monday_morning(), &[live], day_start(), day_end(), now);
    assert_eq!(starts(&slots), expected_blocked);

    let lapsed = pending(base.clone(), now - Duration::minutes(5));
    let slots = free_slots(&monday_morning(), &[lapsed], day_start(), day_end(), now);
    assert_eq!(slots.len(), 4);

    let lapsing_now = pending(base.clone(), now);
    let slots = free_slots(
        &monday_morning(),
        &[lapsing_now],
        day_start(),
        day_end(),
        now,
    );
    assert_eq!(slots.len(), 4, "a hold expiring at `now` has lapsed");

    let mut no_hold = pending(base, now);
    no_hold.hold_expires_at = None;
    let slots = free_slots(&monday_morning(), &[no_hold], day_start(), day_end(), now);
    assert_eq!(slots.len(), 4);
}

#[test]
fn only_active_statuses_block() {
    let base = appointment(utc(2026, 1, 12, 10, 0), utc(2026, 1, 12, 10, 30), 10);
    for status in [
        AppointmentStatus::Cancelled,
        AppointmentStatus::Completed,
        AppointmentStatus::NoShow,
        AppointmentStatus::Expired,
    ] {
        let mut b = base.clone();
        b.status = status;
        let slots = free_slots(&monday_morning(), &[b], day_start(), day_end(), long_ago());
        assert_eq!(slots.len(), 4, "{status:?} must not block");
    }
}

#[test]
fn many_unsorted_busy_appointments() {
    // A week of 5-minute slots, busy every other 5 minutes, given in reverse order.
    let a = availability(London, vec![rule(Weekday::Mon, (0, 0), (23, 55))], 5, 0);
    let mut busy = Vec::new();
    let mut t = day_start();
    while t < day_end() {
        busy.push(appointment(t, t + Duration::minutes(5), 0));
        t += Duration::minutes(10);
    }
    busy.reverse();
    let slots = free_slots(&a, &busy, day_start(), day_end(), long_ago());
    assert_eq!(slots.len(), 143);
    assert!(slots
        .iter()
        .all(|s| (s.start - day_start()).num_minutes() % 10 == 5));
}

#[test]
fn nested_busy_blocks_are_seen() {
    // A long block with a short one inside: a slot after the short one but inside the long
    // one must still be blocked.
    let busy = [
        appointment(utc(2026, 1, 12, 9, 0), utc(2026, 1, 12, 11, 0), 0),
        appointment(utc(2026, 1, 12, 9, 10), utc(2026, 1, 12, 9, 15), 0),
    ];
    let slots = free_slots(&monday_morning(), &busy, day_start(), day_end(), long_ago());
    assert_eq!(starts(&slots), [utc(2026, 1, 12, 11, 0)]);
}

#[test]
fn degenerate_inputs_do_not_panic() {
    let mut a = monday_morning();
    a.slot_minutes = 0;
    assert!(free_slots(&a, &[], day_start(), day_end(), long_ago()).is_empty());

    let a = monday_morning();
    let min = chrono::DateTime::<chrono::Utc>::MIN_UTC;
    let max = chrono::DateTime::<chrono::Utc>::MAX_UTC;
    assert!(free_slots(&a, &[], min, min + Duration::days(10), min).len() <= 40);
    assert!(free_slots(&a, &[], max - Duration::days(10), max, min).len() <= 40);
    let mut huge = monday_morning();
    huge.slot_minutes = u32::MAX;
    huge.buffer_minutes = u32::MAX;
    assert!(free_slots(&huge, &[], day_start(), day_end(), long_ago()).is_empty());
    let busy = [appointment(max - Duration::minutes(1), max, u32::MAX)];
    assert!(free_slots(&a, &busy, max - Duration::days(10), max, min).len() <= 40);
}
