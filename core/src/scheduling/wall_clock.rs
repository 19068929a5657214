//! Mapping a doctor's local wall time to a UTC instant, with MedSync's DST rule.
//!
//! * A unique local time maps to its instant.
//! * An ambiguous local time (the repeated hour when clocks fall back) maps to the earlier
//!   instant for a window start and the later instant for a window end, so a window that
//!   spans the repeated hour keeps all of its real time.
//! * A nonexistent local time (the hour skipped when clocks spring forward) maps to the
//!   first instant after the gap, i.e. the instant of the transition.

use chrono::{DateTime, LocalResult, NaiveDateTime, Offset as _, TimeZone as _, Utc};
use chrono_tz::Tz;

/// Which edge of a window a wall time is; decides how an ambiguous time resolves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Edge {
    /// A window start: ambiguous times take the earlier instant.
    Start,
    /// A window end: ambiguous times take the later instant.
    End,
}

/// The UTC instant of `local` in `tz` under the DST rule of this module.
///
/// `None` only when the instant is outside chrono's representable range.
pub(crate) fn wall_to_utc(tz: Tz, local: NaiveDateTime, edge: Edge) -> Option<DateTime<Utc>> {
    match tz.from_local_datetime(&local) {
        LocalResult::Single(t) => Some(t.with_timezone(&Utc)),
        LocalResult::Ambiguous(a, b) => {
            let (a, b) = (a.with_timezone(&Utc), b.with_timezone(&Utc));
            Some(match edge {
                Edge::Start => a.min(b),
                Edge::End => a.max(b),
            })
        }
        LocalResult::None => gap_end(tz, local),
    }
}

/// The first instant whose local time is at or after `local`, for a `local` that falls in a
/// gap: the instant the clocks jumped over it.
///
/// Bisects over whole seconds in a two-day bracket around `local` (offsets are under 24 h, so
/// the bracket's ends lie on either side of it); transitions happen on whole seconds, so the
/// boundary found is the transition itself.
fn gap_end(tz: Tz, local: NaiveDateTime) -> Option<DateTime<Utc>> {
    let reaches = |secs: i64| -> Option<bool> {
        let utc = DateTime::from_timestamp(secs, 0)?.naive_utc();
        let offset = tz.offset_from_utc_datetime(&utc).fix();
        Some(utc.checked_add_offset(offset)? >= local)
    };
    let center = local.and_utc().timestamp();
    let mut lo = center.checked_sub(86_400)?;
    let mut hi = center.checked_add(86_400)?;
    if reaches(lo)? || !reaches(hi)? {
        return None;
    }
    // Invariant: !reaches(lo) && reaches(hi).
    while hi - lo > 1 {
        let mid = lo + (hi - lo) / 2;
        if reaches(mid)? {
            hi = mid;
        } else {
            lo = mid;
        }
    }
    DateTime::from_timestamp(hi, 0)
}
