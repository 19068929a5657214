//! Admin analytics: time series and totals computed by the storage backend.

mod model;

pub use model::{AnalyticsReport, AppointmentPoint, Bucket, CountPoint, RevenuePoint};
