//! Occurrences of weekly rules: a rule's local window on one local date, in UTC.

use chrono::{DateTime, Datelike as _, Days, NaiveDate, Utc};

use super::wall_clock::{wall_to_utc, Edge};
use super::{Availability, WeeklyRule};

/// One occurrence of a weekly rule, `[start, end)` in UTC, `start < end`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Window {
    /// Start (inclusive).
    pub start: DateTime<Utc>,
    /// End (exclusive).
    pub end: DateTime<Utc>,
}

/// The occurrence of `rule` on the local `date`, or `None` when the rule is not on that
/// weekday, is empty after the DST mapping (e.g. entirely inside a spring-forward gap) or is
/// out of range.
pub(crate) fn occurrence(a: &Availability, rule: &WeeklyRule, date: NaiveDate) -> Option<Window> {
    if rule.day != date.weekday() {
        return None;
    }
    let start = wall_to_utc(a.timezone, date.and_time(rule.start), Edge::Start)?;
    let end = wall_to_utc(a.timezone, date.and_time(rule.end), Edge::End)?;
    (start < end).then_some(Window { start, end })
}

/// Every occurrence that can intersect the UTC instants `[from, to]`, in no particular order
/// (occurrences outside the range may be included; callers filter).
///
/// Local dates are taken from two days before `from`'s UTC date to two days after `to`'s: a
/// local date is never more than a day away from the UTC date, plus a day of margin.
pub(crate) fn occurrences_around(
    a: &Availability,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> impl Iterator<Item = Window> + '_ {
    let first = from
        .date_naive()
        .checked_sub_days(Days::new(2))
        .unwrap_or(NaiveDate::MIN);
    let last = to
        .date_naive()
        .checked_add_days(Days::new(2))
        .unwrap_or(NaiveDate::MAX);
    first
        .iter_days()
        .take_while(move |d| *d <= last)
        .flat_map(move |date| {
            a.weekly
                .iter()
                .filter_map(move |rule| occurrence(a, rule, date))
        })
}
