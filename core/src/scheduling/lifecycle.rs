//! The appointment lifecycle as a pure state machine.

use chrono::{DateTime, Utc};

use super::{Appointment, AppointmentStatus, Cancellation};
use crate::error::Validator;
use crate::policy::Actor;
use crate::{Error, Result};

/// Longest cancellation reason, in characters (after trimming).
const MAX_REASON_CHARS: usize = 500;

/// A requested change of an appointment's lifecycle state.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Transition {
    /// Confirm a pending hold before it lapses.
    Confirm,
    /// Mark a confirmed appointment as having taken place (not before it starts).
    Complete,
    /// Mark a confirmed appointment as missed by the patient (not before it starts).
    NoShow,
    /// Cancel a live pending hold or a confirmed appointment.
    Cancel {
        /// Why; trimmed, at most 500 characters, blank means none.
        reason: Option<String>,
    },
    /// Move a live pending hold or a confirmed appointment to a new future interval.
    Reschedule {
        /// New start (must be after `now`).
        start: DateTime<Utc>,
        /// New end (must be after `start`).
        end: DateTime<Utc>,
    },
    /// Retire a pending hold whose `hold_expires_at` has passed.
    Expire,
}

impl Transition {
    /// The transition's wire name: `"confirm"`, `"complete"`, `"no_show"`, `"cancel"`,
    /// `"reschedule"` or `"expire"`.
    pub fn name(&self) -> &'static str {
        match self {
            Self::Confirm => "confirm",
            Self::Complete => "complete",
            Self::NoShow => "no_show",
            Self::Cancel { .. } => "cancel",
            Self::Reschedule { .. } => "reschedule",
            Self::Expire => "expire",
        }
    }

    /// The verb used in error messages ("cannot {verb} an appointment that is …").
    fn verb(&self) -> &'static str {
        match self {
            Self::NoShow => "mark as no-show",
            other => other.name(),
        }
    }
}

/// Applies `t` to `appt` on behalf of `actor` at `now` and returns the next state.
///
/// Pure: nothing is stored. The result keeps `version` (the store bumps it on write) and has
/// `updated_at = now`. Authorisation is the caller's job; `actor` is only recorded.
///
/// A pending appointment is *live* while `hold_expires_at > now` (a pending appointment
/// without a hold is treated as lapsed).
///
/// * `Confirm`: live pending → `confirmed`, hold cleared; lapsed pending →
///   `Error::InvalidState("hold expired …")`.
/// * `Complete` / `NoShow`: confirmed and `now >= start` → `completed` / `no_show`; before the
///   start → `Error::InvalidState`.
/// * `Cancel`: live pending or confirmed → `cancelled`, with `cancellation` recording the
///   actor's id and role, the trimmed reason (blank → `None`) and `now`; a reason over 500
///   characters → `Error::InvalidInput` on `reason`.
/// * `Reschedule`: live pending (hold kept) or confirmed (status kept) → new `start`/`end`;
///   `end <= start` → `Error::InvalidInput` on `end`, `start <= now` → on `start` (both
///   reported together).
/// * `Expire`: lapsed pending → `expired`.
///
/// Every other combination → `Error::InvalidState("cannot {verb} an appointment that is
/// {status}")`, with a detail appended for a pending appointment. The state is checked
/// before the transition's input.
pub fn apply_transition(
    appt: &Appointment,
    t: &Transition,
    actor: &Actor,
    now: DateTime<Utc>,
) -> Result<Appointment> {
    use AppointmentStatus as S;

    let live = appt.status == S::Pending && appt.is_active(now);
    let lapsed = appt.status == S::Pending && !live;
    let mut next = appt.clone();
    next.updated_at = now;

    match t {
        Transition::Confirm if live => {
            next.status = S::Confirmed;
            next.hold_expires_at = None;
        }
        Transition::Confirm if lapsed => {
            return Err(Error::InvalidState(format!(
                "hold expired{}; book the slot again",
                hold_detail(appt, " at")
            )));
        }
        Transition::Complete | Transition::NoShow if appt.status == S::Confirmed => {
            if now < appt.start {
                return Err(Error::InvalidState(format!(
                    "cannot {} an appointment before it starts at {}",
                    t.verb(),
                    appt.start.to_rfc3339()
                )));
            }
            next.status = if *t == Transition::Complete {
                S::Completed
            } else {
                S::NoShow
            };
        }
        Transition::Cancel { reason } if live || appt.status == S::Confirmed => {
            next.status = S::Cancelled;
            next.cancellation = Some(Cancellation {
                by: actor.user_id,
                by_role: actor.role,
                reason: cancel_reason(reason.as_deref())?,
                at: now,
            });
        }
        Transition::Reschedule { start, end } if live || appt.status == S::Confirmed => {
            let mut v = Validator::new();
            v.check(start < end, "end", "must be after start");
            v.check(*start > now, "start", "must be in the future");
            v.finish()?;
            next.start = *start;
            next.end = *end;
        }
        Transition::Expire if lapsed => {
            next.status = S::Expired;
        }
        _ => {
            let detail = match (appt.status, live) {
                (S::Pending, true) => hold_detail(appt, ": its hold is live until"),
                (S::Pending, false) => hold_detail(appt, ": its hold expired at"),
                _ => String::new(),
            };
            return Err(Error::InvalidState(format!(
                "cannot {} an appointment that is {}{detail}",
                t.verb(),
                appt.status.as_str()
            )));
        }
    }
    Ok(next)
}

/// `"{prefix} {hold_expires_at}"`, or nothing when there is no hold.
fn hold_detail(appt: &Appointment, prefix: &str) -> String {
    appt.hold_expires_at
        .map(|h| format!("{prefix} {}", h.to_rfc3339()))
        .unwrap_or_default()
}

/// The stored form of a cancellation reason: trimmed, `None` when blank, at most 500
/// characters.
fn cancel_reason(reason: Option<&str>) -> Result<Option<String>> {
    let Some(r) = reason.map(str::trim).filter(|r| !r.is_empty()) else {
        return Ok(None);
    };
    if r.chars().count() > MAX_REASON_CHARS {
        return Err(Error::invalid("reason", "must be at most 500 characters"));
    }
    Ok(Some(r.to_owned()))
}
