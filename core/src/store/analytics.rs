use async_trait::async_trait;
use chrono::{DateTime, Utc};

use crate::analytics::{AnalyticsReport, Bucket};
use crate::error::Result;

/// Aggregations for the admin dashboard. Implementations aggregate in the backend
/// (`GROUP BY`, aggregation pipelines) and must not load every row into memory.
#[async_trait]
pub trait AnalyticsStore: Send + Sync {
    /// The report for `[from, to)` with appointment series bucketed by `bucket`, counts as
    /// documented on [`AnalyticsReport`]. Logins are audit entries with action `auth.login`
    /// and outcome `allowed`.
    async fn analytics(
        &self,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
        bucket: Bucket,
    ) -> Result<AnalyticsReport>;
}
