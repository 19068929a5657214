//! Ordered indexes over appointments: interval timelines keyed by start (for collision
//! checks, busy lookups and listing) and pending holds keyed by expiry.

use std::collections::BTreeSet;
use std::ops::Bound;

use chrono::{DateTime, Duration, Utc};
use medsync_core::ids::AppointmentId;
use uuid::Uuid;

/// The smallest key at instant `t`.
fn min_key(t: DateTime<Utc>) -> (DateTime<Utc>, AppointmentId) {
    (t, AppointmentId(Uuid::nil()))
}

/// The largest key at instant `t`.
fn max_key(t: DateTime<Utc>) -> (DateTime<Utc>, AppointmentId) {
    (t, AppointmentId(Uuid::max()))
}

/// Half-open intervals `[start, start + len)` keyed by `(start, id)`, with the longest `len`
/// seen since the timeline was last empty. Every interval that intersects `[from, to)` starts
/// in `[from - max_len, to)`, so finding them is a range query: O(log n + k).
#[derive(Debug, Default)]
pub(crate) struct Timeline {
    starts: BTreeSet<(DateTime<Utc>, AppointmentId)>,
    max_len: Duration,
}

impl Timeline {
    /// Adds the interval of `id` starting at `start` and lasting `len`.
    pub(crate) fn insert(&mut self, start: DateTime<Utc>, len: Duration, id: AppointmentId) {
        self.starts.insert((start, id));
        if len > self.max_len {
            self.max_len = len;
        }
    }

    /// Removes the interval of `id` starting at `start` (a no-op when absent).
    ///
    /// `max_len` only shrinks back to zero when the timeline empties: a stale, larger bound
    /// widens later range queries a little but never hides an intersection.
    pub(crate) fn remove(&mut self, start: DateTime<Utc>, id: AppointmentId) {
        self.starts.remove(&(start, id));
        if self.starts.is_empty() {
            self.max_len = Duration::zero();
        }
    }

    /// Ids of the intervals that may intersect `[from, to)` (an absent bound is unbounded), in
    /// `(start, id)` order. A superset: callers filter the candidates exactly.
    pub(crate) fn candidates(
        &self,
        from: Option<DateTime<Utc>>,
        to: Option<DateTime<Utc>>,
    ) -> impl Iterator<Item = AppointmentId> + '_ {
        let lo = from.map(|f| {
            min_key(
                f.checked_sub_signed(self.max_len)
                    .unwrap_or(DateTime::<Utc>::MIN_UTC),
            )
        });
        let hi = to.map(min_key);
        let empty = matches!((&lo, &hi), (Some(l), Some(h)) if l > h);
        let lo = lo.map_or(Bound::Unbounded, Bound::Included);
        let hi = hi.map_or(Bound::Unbounded, Bound::Excluded);
        (!empty)
            .then(|| self.starts.range((lo, hi)).map(|(_, id)| *id))
            .into_iter()
            .flatten()
    }
}

/// Pending holds keyed by `(hold_expires_at, id)`.
#[derive(Debug, Default)]
pub(crate) struct Holds(BTreeSet<(DateTime<Utc>, AppointmentId)>);

impl Holds {
    /// Adds the hold of `id` lapsing at `expires_at`.
    pub(crate) fn insert(&mut self, expires_at: DateTime<Utc>, id: AppointmentId) {
        self.0.insert((expires_at, id));
    }

    /// Removes the hold of `id` lapsing at `expires_at` (a no-op when absent).
    pub(crate) fn remove(&mut self, expires_at: DateTime<Utc>, id: AppointmentId) {
        self.0.remove(&(expires_at, id));
    }

    /// The holds with `expires_at <= now`, soonest first.
    pub(crate) fn lapsed(&self, now: DateTime<Utc>) -> Vec<AppointmentId> {
        self.0.range(..=max_key(now)).map(|(_, id)| *id).collect()
    }

    /// The holds with `expires_at > now`, soonest first.
    pub(crate) fn live(&self, now: DateTime<Utc>) -> impl Iterator<Item = AppointmentId> + '_ {
        self.0
            .range((Bound::Excluded(max_key(now)), Bound::Unbounded))
            .map(|(_, id)| *id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixtures::{at, id};

    fn ids(it: impl Iterator<Item = AppointmentId>) -> Vec<AppointmentId> {
        it.collect()
    }

    #[test]
    fn long_interval_is_found_through_max_len() {
        let mut t = Timeline::default();
        t.insert(at(8, 0), Duration::hours(8), id(1));
        t.insert(at(14, 0), Duration::minutes(30), id(2));
        // [15:00, 15:30): id 1 started 7 hours earlier but is still a candidate.
        assert_eq!(
            ids(t.candidates(Some(at(15, 0)), Some(at(15, 30)))),
            vec![id(1), id(2)]
        );
        // Intervals starting at or after `to` are never candidates.
        assert_eq!(ids(t.candidates(Some(at(6, 0)), Some(at(8, 0)))), vec![]);
    }

    #[test]
    fn max_len_resets_when_empty_and_inverted_ranges_are_empty() {
        let mut t = Timeline::default();
        t.insert(at(8, 0), Duration::hours(8), id(1));
        t.remove(at(8, 0), id(1));
        t.insert(at(9, 0), Duration::minutes(30), id(2));
        assert_eq!(ids(t.candidates(Some(at(12, 0)), Some(at(13, 0)))), vec![]);
        assert_eq!(ids(t.candidates(Some(at(12, 0)), Some(at(9, 0)))), vec![]);
        assert_eq!(ids(t.candidates(None, None)), vec![id(2)]);
        let far = DateTime::<Utc>::MIN_UTC;
        assert_eq!(ids(t.candidates(Some(far), Some(far))), vec![]);
    }

    #[test]
    fn holds_split_at_now() {
        let mut h = Holds::default();
        h.insert(at(9, 0), id(1));
        h.insert(at(10, 0), id(2));
        h.insert(at(11, 0), id(3));
        assert_eq!(h.lapsed(at(10, 0)), vec![id(1), id(2)]);
        assert_eq!(ids(h.live(at(10, 0))), vec![id(3)]);
        h.remove(at(9, 0), id(1));
        assert_eq!(h.lapsed(at(10, 0)), vec![id(2)]);
    }
}
