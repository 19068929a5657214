//! Scheduling: availability, free-slot search and the appointment lifecycle.

mod model;

pub use model::{
    Appointment, AppointmentStatus, Availability, Cancellation, Slot, TimeOff, WeeklyRule,
};
