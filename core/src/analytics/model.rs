//! Admin analytics, computed by the store (SQL `GROUP BY`, Mongo aggregation), never by
//! loading rows into the service.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::billing::Currency;
use crate::identity::Role;

/// Bucket width of a time series. Buckets are UTC: days start at 00:00, weeks on Monday
/// (ISO 8601), months on the 1st.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Bucket {
    /// Calendar day.
    Day,
    /// ISO week (Monday–Sunday).
    Week,
    /// Calendar month.
    Month,
}

/// One point of an appointment time series.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AppointmentPoint {
    /// Start of the bucket.
    pub bucket: DateTime<Utc>,
    /// Appointments booked (by `created_at`) in the bucket.
    pub booked: u64,
    /// Appointments cancelled (by cancellation time) in the bucket.
    pub cancelled: u64,
    /// Appointments starting in the bucket that ended `no_show`.
    pub no_show: u64,
    /// Appointments starting in the bucket that ended `completed`.
    pub completed: u64,
}

/// A count per bucket.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CountPoint {
    /// Start of the bucket.
    pub bucket: DateTime<Utc>,
    /// The count.
    pub count: u64,
}

/// Revenue of one month in one currency: the totals of invoices paid in that month.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RevenuePoint {
    /// First instant of the month.
    pub month: DateTime<Utc>,
    /// Currency.
    pub currency: Currency,
    /// Sum of `total_minor` of invoices whose `paid_at` falls in the month.
    pub amount_minor: i64,
}

/// The admin dashboard's numbers for `[from, to)`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct AnalyticsReport {
    /// Range start.
    pub from: DateTime<Utc>,
    /// Range end (exclusive).
    pub to: DateTime<Utc>,
    /// Bucket width used for `appointments`.
    pub bucket: Option<Bucket>,
    /// Appointment counts per bucket (only buckets with at least one non-zero count).
    pub appointments: Vec<AppointmentPoint>,
    /// `completed / (completed + no_show)` over the range, `None` when both are zero.
    pub completion_rate: Option<f64>,
    /// Active users per role (as of now, not bounded by the range).
    pub active_users_by_role: Vec<(Role, u64)>,
    /// Successful logins per UTC day (from the audit log).
    pub logins_per_day: Vec<CountPoint>,
    /// Revenue per month and currency.
    pub revenue_per_month: Vec<RevenuePoint>,
}
