//! Validation of a doctor's [`Availability`].

use chrono::{Duration, Weekday};

use super::{Availability, MAX_BUFFER_MINUTES};
use crate::error::{Result, Validator};

/// Smallest and largest slot length, in minutes.
const SLOT_MINUTES: std::ops::RangeInclusive<u32> = 5..=480;
/// Most weekly rules one availability may hold.
const MAX_WEEKLY_RULES: usize = 50;
/// Most exceptions (time off) one availability may hold.
const MAX_EXCEPTIONS: usize = 1000;

/// Checks an availability and reports every problem at once.
///
/// Returns `Err(Error::InvalidInput)` listing one field error per problem:
///
/// * `slot_minutes` — not in `5..=480`;
/// * `buffer_minutes` — not in `0..=240`;
/// * `weekly` — more than 50 rules;
/// * `weekly[i].end` — not after `weekly[i].start` (windows do not cross midnight);
/// * `weekly[i]` — shorter than one slot, or overlapping an earlier-starting rule on the
///   same day (the rule that starts later, or has the larger index on a tie, is reported);
/// * `exceptions[i].end` — not after `exceptions[i].start`;
/// * `exceptions` — more than 1000 exceptions.
///
/// The time zone needs no check: [`chrono_tz::Tz`] only holds valid IANA zones.
pub fn validate_availability(a: &Availability) -> Result<()> {
    let mut v = Validator::new();
    v.check(
        SLOT_MINUTES.contains(&a.slot_minutes),
        "slot_minutes",
        "must be between 5 and 480",
    );
    v.check(
        a.buffer_minutes <= MAX_BUFFER_MINUTES,
        "buffer_minutes",
        "must be between 0 and 240",
    );
    v.check(
        a.weekly.len() <= MAX_WEEKLY_RULES,
        "weekly",
        "must have at most 50 rules",
    );
    v.check(
        a.exceptions.len() <= MAX_EXCEPTIONS,
        "exceptions",
        "must have at most 1000 entries",
    );

    let slot = Duration::minutes(i64::from(a.slot_minutes));
    for (i, rule) in a.weekly.iter().enumerate() {
        if rule.end <= rule.start {
            v.push(
                format!("weekly[{i}].end"),
                "must be after start (windows do not cross midnight)",
            );
        } else if rule.end - rule.start < slot {
            v.push(format!("weekly[{i}]"), "shorter than one slot");
        }
    }
    check_overlaps(a, &mut v);

    for (i, x) in a.exceptions.iter().enumerate() {
        if x.end <= x.start {
            v.push(format!("exceptions[{i}].end"), "must be after start");
        }
    }
    v.finish()
}

/// Reports each well-formed weekly rule that overlaps an earlier-starting rule of the same
/// day. `O(n log n)`.
fn check_overlaps(a: &Availability, v: &mut Validator) {
    let mut order: Vec<usize> = (0..a.weekly.len())
        .filter(|&i| a.weekly.get(i).is_some_and(|r| r.start < r.end))
        .collect();
    let key = |i: &usize| {
        a.weekly
            .get(*i)
            .map(|r| (r.day.num_days_from_monday(), r.start, *i))
    };
    order.sort_unstable_by_key(key);

    // The rule reaching furthest so far on the current day: (day, index, end).
    let mut reach: Option<(Weekday, usize, chrono::NaiveTime)> = None;
    for i in order {
        let Some(rule) = a.weekly.get(i) else {
            continue;
        };
        match reach {
            Some((day, j, end)) if day == rule.day && rule.start < end => {
                v.push(
                    format!("weekly[{i}]"),
                    format!("overlaps weekly[{j}] on {}", day_name(day)),
                );
                if rule.end > end {
                    reach = Some((day, i, rule.end));
                }
            }
            _ => reach = Some((rule.day, i, rule.end)),
        }
    }
}

/// The English name of a weekday, for messages.
fn day_name(d: Weekday) -> &'static str {
    match d {
        Weekday::Mon => "Monday",
        Weekday::Tue => "Tuesday",
        Weekday::Wed => "Wednesday",
        Weekday::Thu => "Thursday",
        Weekday::Fri => "Friday",
        Weekday::Sat => "Saturday",
        Weekday::Sun => "Sunday",
    }
}
