//! Admin analytics: time series and totals computed by the storage backend.

mod model;

pub use model::{AnalyticsReport, AppointmentPoint, Bucket, CountPoint, RevenuePoint};

mod buckets;
mod export;

pub use buckets::bucket_start;
pub use export::{analytics_csv, AnalyticsSeries};
