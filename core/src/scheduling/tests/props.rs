//! Property test: `free_slots` never returns a slot that collides with an active busy block,
//! lies outside the range or outside the availability, and agrees with a brute-force check.

use chrono::{DateTime, Duration, Utc, Weekday};
use chrono_tz::Tz;
use proptest::prelude::*;

use super::fixtures::{appointment, availability, hm, utc};
use crate::scheduling::{
    fits_availability, free_slots, Appointment, AppointmentStatus, Availability, TimeOff,
    WeeklyRule,
};

const ZONES: [Tz; 5] = [
    chrono_tz::America::New_York,
    chrono_tz::Europe::Berlin,
    chrono_tz::Europe::London,
    chrono_tz::Australia::Lord_Howe, // 30-minute DST shift
    chrono_tz::Asia::Kolkata,
];

const DAYS: [Weekday; 7] = [
    Weekday::Mon,
    Weekday::Tue,
    Weekday::Wed,
    Weekday::Thu,
    Weekday::Fri,
    Weekday::Sat,
    Weekday::Sun,
];

/// The instant the strategies generate around; each case shifts everything to one of
/// [`epochs`].
fn epoch() -> DateTime<Utc> {
    utc(2026, 3, 5, 0, 0)
}

/// A few days before each 2026 DST transition of the zones above.
fn epochs() -> [DateTime<Utc>; 6] {
    [
        utc(2026, 3, 5, 0, 0),   // New York springs forward on the 8th
        utc(2026, 3, 26, 0, 0),  // Berlin and London on the 29th
        utc(2026, 4, 2, 0, 0),   // Lord Howe falls back 30 minutes on the 5th
        utc(2026, 10, 1, 0, 0),  // Lord Howe springs forward on the 4th
        utc(2026, 10, 22, 0, 0), // Berlin and London fall back on the 25th
        utc(2026, 10, 29, 0, 0), // New York falls back on 1 November
    ]
}

/// Moves every instant of the case by `by`.
fn shift(a: &mut Availability, busy: &mut [Appointment], by: Duration) {
    for x in &mut a.exceptions {
        x.start += by;
        x.end += by;
    }
    for b in busy {
        b.start += by;
        b.end += by;
        b.hold_expires_at = b.hold_expires_at.map(|h| h + by);
    }
}

fn rule_strategy() -> impl Strategy<Value = WeeklyRule> {
    (0usize..7, 0u32..96, 1u32..40).prop_map(|(d, q, len)| {
        let start = q * 15;
        let end = (start + len * 15).min(24 * 60 - 1);
        WeeklyRule {
            day: DAYS[d],
            start: hm(start / 60, start % 60),
            end: hm(end / 60, end % 60),
        }
    })
}

fn busy_strategy() -> impl Strategy<Value = Appointment> {
    (
        0i64..(6 * 24 * 12),
        1i64..25,
        0u32..40,
        0usize..6,
        -30i64..30,
    )
        .prop_map(|(start5, len5, buffer, status, hold)| {
            let start = epoch() + Duration::minutes(start5 * 5);
            let mut a = appointment(start, start + Duration::minutes(len5 * 5), buffer);
            a.status = [
                AppointmentStatus::Pending,
                AppointmentStatus::Confirmed,
                AppointmentStatus::Completed,
                AppointmentStatus::Cancelled,
                AppointmentStatus::NoShow,
                AppointmentStatus::Expired,
            ][status];
            if a.status == AppointmentStatus::Pending {
                a.hold_expires_at = Some(now() + Duration::minutes(hold));
            }
            a
        })
}

fn now() -> DateTime<Utc> {
    epoch() + Duration::hours(20)
}

fn availability_strategy() -> impl Strategy<Value = Availability> {
    (
        0usize..ZONES.len(),
        prop::collection::vec(rule_strategy(), 0..8),
        prop::collection::vec((0i64..(6 * 24), 1i64..12), 0..4),
        1u32..13,
        0u32..5,
    )
        .prop_map(|(z, weekly, offs, slot5, buffer5)| {
            let mut a = availability(ZONES[z], weekly, slot5 * 5, buffer5 * 5);
            a.exceptions = offs
                .into_iter()
                .map(|(h, len)| TimeOff {
                    start: epoch() + Duration::hours(h),
                    end: epoch() + Duration::hours(h + len),
                    reason: None,
                })
                .collect();
            a
        })
}

fn block_intersects(s: DateTime<Utc>, block_end: DateTime<Utc>, b: &Appointment) -> bool {
    s < b.doctor_block_end() && b.start < block_end
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn slots_are_free_in_range_and_available(
        mut a in availability_strategy(),
        mut busy in prop::collection::vec(busy_strategy(), 0..60),
        which in 0usize..6,
        from_h in 0i64..72,
        len_h in 1i64..96,
    ) {
        let by = epochs()[which] - epoch();
        shift(&mut a, &mut busy, by);
        let now = now() + by;
        let from = epoch() + by + Duration::hours(from_h);
        let to = from + Duration::hours(len_h);
        let slots = free_slots(&a, &busy, from, to, now);
        let slot = Duration::minutes(i64::from(a.slot_minutes));
        let buffer = Duration::minutes(i64::from(a.buffer_minutes));

        prop_assert!(slots.windows(2).all(|w| w[0].start < w[1].start || w[0] < w[1]));
        for s in &slots {
            prop_assert!(from <= s.start && s.end <= to, "{s:?} outside range");
            prop_assert!(s.start >= now, "{s:?} in the past");
            prop_assert_eq!(s.end - s.start, slot);
            prop_assert!(fits_availability(&a, s.start, s.end), "{:?} does not fit", s);
            for b in busy.iter().filter(|b| b.is_active(now)) {
                prop_assert!(
                    !block_intersects(s.start, s.end + buffer, b),
                    "{:?} collides with {:?}", s, (b.start, b.doctor_block_end())
                );
            }
        }

        // Brute force: the slots without any busy appointment, minus the blocked ones by a
        // linear scan, are exactly what came back.
        let expected: Vec<_> = free_slots(&a, &[], from, to, now)
            .into_iter()
            .filter(|s| {
                !busy
                    .iter()
                    .any(|b| b.is_active(now) && block_intersects(s.start, s.end + buffer, b))
            })
            .collect();
        prop_assert_eq!(slots, expected);
    }
}
