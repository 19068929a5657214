//! Scheduling: availability, free-slot search and the appointment lifecycle.
//!
//! Everything here is pure: functions take the current time as `now` and never read a clock
//! or a store.

mod availability;
mod intervals;
mod lifecycle;
mod model;
mod slots;
mod validation;
mod wall_clock;
mod windows;

#[cfg(test)]
mod tests;

pub use availability::fits_availability;
pub use lifecycle::{apply_transition, Transition};
pub use model::{
    Appointment, AppointmentStatus, Availability, Cancellation, Slot, TimeOff, WeeklyRule,
    DEFAULT_APPOINTMENT_TYPE, MAX_APPOINTMENT_MINUTES, MAX_BLOCK_MINUTES, MAX_BUFFER_MINUTES,
};
pub use slots::free_slots;
pub use validation::validate_availability;
