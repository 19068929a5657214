//! Whether a proposed interval lies within a doctor's availability.

use chrono::{DateTime, Utc};

use super::windows::occurrences_around;
use super::Availability;

/// Whether `[start, end)` can be booked against `a`, ignoring other appointments.
///
/// True iff `start < end`, the interval lies entirely inside **one** occurrence of a weekly
/// rule (the rule's local start and end on a local date, mapped to UTC with the DST rule of
/// [`free_slots`](super::free_slots)), and it intersects no exception. Slot alignment and
/// length are not checked. Two touching windows do not combine: an interval straddling their
/// shared edge does not fit.
pub fn fits_availability(a: &Availability, start: DateTime<Utc>, end: DateTime<Utc>) -> bool {
    if start >= end {
        return false;
    }
    let inside = occurrences_around(a, start, start).any(|w| w.start <= start && end <= w.end);
    inside
        && !a
            .exceptions
            .iter()
            .any(|x| x.start < x.end && x.start < end && start < x.end)
}
