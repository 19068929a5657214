//! The free-slot search: bookable slots of a doctor in a UTC range.

use chrono::{DateTime, Duration, Utc};

use super::intervals::IntervalIndex;
use super::windows::{occurrences_around, Window};
use super::{Appointment, Availability, Slot};

/// The bookable slots of `a` in `[from, to)`, sorted by start, without duplicates.
///
/// For every local date around the range (in `a.timezone`) and every weekly rule of that
/// weekday, the rule's window occurrence runs from its local start to its local end mapped to
/// UTC. DST rule for that mapping: a unique local time maps to its instant; an ambiguous one
/// (clocks falling back) to the **earlier** instant for a window start and the **later** for
/// a window end; a nonexistent one (clocks springing forward) to the first instant after the
/// gap. Candidates start at the window start and step by `slot_minutes + buffer_minutes` of
/// absolute time; a candidate `[s, s + slot_minutes)` must end by the window end.
///
/// A candidate is kept iff `s >= now`, `s >= from`, `s + slot_minutes <= to`, it
/// intersects no exception, and its doctor block `[s, s + slot_minutes + buffer_minutes)`
/// intersects no block `[b.start, b.end + b.buffer_minutes)` of a `busy` appointment that is
/// active at `now` ([`Appointment::is_active`]). `busy` is taken to be this doctor's
/// appointments and is not filtered by doctor; it need not be sorted.
///
/// Cost is `O((slots + busy + exceptions) · log(busy + exceptions))` plus a constant per
/// local day in the range: callers must cap `to - from` (the function computes whatever it
/// is given). Returns nothing for an empty range or a zero `slot_minutes`; never panics.
/// Overlapping weekly rules (rejected by
/// [`validate_availability`](super::validate_availability)) may yield overlapping slots.
pub fn free_slots(
    a: &Availability,
    busy: &[Appointment],
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Vec<Slot> {
    if from >= to || a.slot_minutes == 0 {
        return Vec::new();
    }
    let slot = Duration::minutes(i64::from(a.slot_minutes));
    let buffer = Duration::minutes(i64::from(a.buffer_minutes));
    let step = slot + buffer;

    let busy = IntervalIndex::new(
        busy.iter()
            .filter(|b| b.is_active(now))
            .map(|b| (b.start, block_end(b))),
    );
    let time_off = IntervalIndex::new(a.exceptions.iter().map(|x| (x.start, x.end)));
    let earliest = from.max(now);

    let mut out = Vec::new();
    for w in occurrences_around(a, from, to) {
        let latest_end = w.end.min(to);
        let mut candidate = first_candidate(w, earliest, step);
        while let Some(s) = candidate {
            let Some(e) = s.checked_add_signed(slot).filter(|e| *e <= latest_end) else {
                break;
            };
            let block = e
                .checked_add_signed(buffer)
                .unwrap_or(DateTime::<Utc>::MAX_UTC);
            if !time_off.intersects(s, e) && !busy.intersects(s, block) {
                out.push(Slot { start: s, end: e });
            }
            candidate = s.checked_add_signed(step);
        }
    }
    out.sort_unstable();
    out.dedup();
    out
}

/// The first candidate start of window `w` at or after `earliest`, on the window's step grid;
/// `None` when the window is over by then.
fn first_candidate(w: Window, earliest: DateTime<Utc>, step: Duration) -> Option<DateTime<Utc>> {
    if w.start >= earliest {
        return Some(w.start);
    }
    if earliest >= w.end {
        return None;
    }
    // Here 0 < earliest - w.start < w.end - w.start, which is about a day: nanoseconds fit.
    let behind = (earliest - w.start).num_nanoseconds()?;
    let step_ns = step.num_nanoseconds().filter(|n| *n > 0)?;
    let k = behind.div_euclid(step_ns) + i64::from(behind.rem_euclid(step_ns) != 0);
    w.start
        .checked_add_signed(Duration::nanoseconds(k.checked_mul(step_ns)?))
}

/// End of `b`'s doctor block, `b.end + b.buffer_minutes`, saturating instead of overflowing.
fn block_end(b: &Appointment) -> DateTime<Utc> {
    b.end
        .checked_add_signed(Duration::minutes(i64::from(b.buffer_minutes)))
        .unwrap_or(DateTime::<Utc>::MAX_UTC)
}
