//! A static index of half-open UTC intervals answering "does `[s, e)` intersect any?" in
//! `O(log n)`.

use chrono::{DateTime, Utc};

/// Half-open intervals sorted by start, with the running maximum of their ends, so that an
/// intersection query is one binary search. Empty intervals are dropped (they intersect
/// nothing).
#[derive(Debug, Clone, Default)]
pub(crate) struct IntervalIndex {
    starts: Vec<DateTime<Utc>>,
    /// `max_end[i]` is the largest end among the first `i + 1` intervals by start.
    max_end: Vec<DateTime<Utc>>,
}

impl IntervalIndex {
    /// Builds the index in `O(n log n)`.
    pub(crate) fn new(intervals: impl IntoIterator<Item = (DateTime<Utc>, DateTime<Utc>)>) -> Self {
        let mut v: Vec<_> = intervals.into_iter().filter(|(s, e)| s < e).collect();
        v.sort_unstable_by_key(|(s, _)| *s);
        let mut max_end = Vec::with_capacity(v.len());
        let mut running: Option<DateTime<Utc>> = None;
        for (_, e) in &v {
            let m = running.map_or(*e, |r| r.max(*e));
            running = Some(m);
            max_end.push(m);
        }
        Self {
            starts: v.into_iter().map(|(s, _)| s).collect(),
            max_end,
        }
    }

    /// Whether `[start, end)` intersects any indexed interval. An empty query intersects
    /// nothing.
    pub(crate) fn intersects(&self, start: DateTime<Utc>, end: DateTime<Utc>) -> bool {
        if start >= end {
            return false;
        }
        // Intervals starting before `end` are a prefix; one of them reaches past `start` iff
        // the prefix's largest end does.
        let k = self.starts.partition_point(|s| *s < end);
        k > 0 && self.max_end.get(k - 1).is_some_and(|m| *m > start)
    }
}
