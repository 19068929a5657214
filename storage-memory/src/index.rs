//! Ordered indexes over appointments: interval timelines keyed by start (for collision
//! checks, busy lookups and listing) and pending holds keyed by expiry.

use std::collections::{BTreeMap, BTreeSet};
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

/// What a collision check needs to know of a blocking appointment, kept inside the index so
/// that the check never touches the appointment table (at a million appointments, each
/// lookup there is a cache miss).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Block {
    /// End of the blocked interval (for a doctor, after the buffer).
    pub(crate) end: DateTime<Utc>,
    /// The appointment blocks while `now < live_until`: the hold's expiry for a pending
    /// appointment, [`DateTime::<Utc>::MAX_UTC`] for a confirmed one.
    pub(crate) live_until: DateTime<Utc>,
}

/// Half-open intervals `[start, start + len)` keyed by `(start, id)`, each with a value `V`,
/// and the longest `len` seen since the timeline was last empty. Every interval that
/// intersects `[from, to)` starts in `[from - max_len, to)`, so finding them is a range query:
/// O(log n + k).
#[derive(Debug)]
pub(crate) struct Timeline<V = ()> {
    starts: BTreeMap<(DateTime<Utc>, AppointmentId), V>,
    max_len: Duration,
}

impl<V> Default for Timeline<V> {
    fn default() -> Self {
        Self {
            starts: BTreeMap::new(),
            max_len: Duration::zero(),
        }
    }
}

impl<V> Timeline<V> {
    /// Adds the interval of `id` starting at `start` and lasting `len`, with its value.
    pub(crate) fn insert(
        &mut self,
        start: DateTime<Utc>,
        len: Duration,
        id: AppointmentId,
        value: V,
    ) {
        self.starts.insert((start, id), value);
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

    /// The intervals that may intersect `[from, to)` (an absent bound is unbounded), with
    /// their values, in `(start, id)` order. A superset: callers filter the candidates exactly.
    pub(crate) fn entries(
        &self,
        from: Option<DateTime<Utc>>,
        to: Option<DateTime<Utc>>,
    ) -> impl Iterator<Item = (AppointmentId, &V)> + '_ {
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
            .then(|| self.starts.range((lo, hi)).map(|((_, id), v)| (*id, v)))
            .into_iter()
            .flatten()
    }

    /// Ids of [`Timeline::entries`].
    pub(crate) fn candidates(
        &self,
        from: Option<DateTime<Utc>>,
        to: Option<DateTime<Utc>>,
    ) -> impl Iterator<Item = AppointmentId> + '_ {
        self.entries(from, to).map(|(id, _)| id)
    }
}

impl Timeline<Block> {
    /// The blocks live at `now` that intersect `[from, to)`, in `(start, id)` order: exact,
    /// decided from the index alone.
    pub(crate) fn live_overlapping(
        &self,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> impl Iterator<Item = AppointmentId> + '_ {
        self.entries(Some(from), Some(to))
            .filter(move |(_, b)| b.live_until > now && b.end > from)
            .map(|(id, _)| id)
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

    /// Whether there are no holds.
    pub(crate) fn is_empty(&self) -> bool {
        self.0.is_empty()
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
        let mut t: Timeline = Timeline::default();
        t.insert(at(8, 0), Duration::hours(8), id(1), ());
        t.insert(at(14, 0), Duration::minutes(30), id(2), ());
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
        let mut t: Timeline = Timeline::default();
        t.insert(at(8, 0), Duration::hours(8), id(1), ());
        t.remove(at(8, 0), id(1));
        t.insert(at(9, 0), Duration::minutes(30), id(2), ());
        assert_eq!(ids(t.candidates(Some(at(12, 0)), Some(at(13, 0)))), vec![]);
        assert_eq!(ids(t.candidates(Some(at(12, 0)), Some(at(9, 0)))), vec![]);
        assert_eq!(ids(t.candidates(None, None)), vec![id(2)]);
        let far = DateTime::<Utc>::MIN_UTC;
        assert_eq!(ids(t.candidates(Some(far), Some(far))), vec![]);
    }

    #[test]
    fn live_overlapping_is_exact() {
        let mut t: Timeline<Block> = Timeline::default();
        let block = |end, live_until| Block { end, live_until };
        let forever = DateTime::<Utc>::MAX_UTC;
        // A long confirmed block, a hold that lapses at 8:30, and a short confirmed one.
        t.insert(
            at(8, 0),
            Duration::hours(8),
            id(1),
            block(at(16, 0), forever),
        );
        t.insert(
            at(9, 0),
            Duration::minutes(30),
            id(2),
            block(at(9, 30), at(8, 30)),
        );
        t.insert(
            at(9, 30),
            Duration::minutes(30),
            id(3),
            block(at(10, 0), forever),
        );
        let hits = |from, to, now| t.live_overlapping(from, to, now).collect::<Vec<_>>();
        assert_eq!(hits(at(9, 0), at(9, 30), at(8, 0)), vec![id(1), id(2)]);
        // Once the hold lapses it no longer blocks; touching ends never collide.
        assert_eq!(hits(at(9, 0), at(9, 30), at(8, 30)), vec![id(1)]);
        assert_eq!(hits(at(16, 0), at(17, 0), at(8, 0)), vec![]);
        assert_eq!(hits(at(10, 0), at(10, 30), at(8, 0)), vec![id(1)]);
        assert_eq!(hits(at(7, 0), at(8, 0), at(8, 0)), vec![]);
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
