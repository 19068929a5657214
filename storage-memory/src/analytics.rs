//! TEMPORARY skeleton: being implemented.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use medsync_core::analytics::{AnalyticsReport, Bucket};
#[allow(unused_imports)]
use medsync_core::audit::AuditEvent;
use medsync_core::error::Result;
use medsync_core::store::AnalyticsStore;

use crate::MemoryStore;

#[async_trait]
impl AnalyticsStore for MemoryStore {
    async fn analytics(
        &self,
        _from: DateTime<Utc>,
        _to: DateTime<Utc>,
        _bucket: Bucket,
    ) -> Result<AnalyticsReport> {
        todo!("TEMP")
    }
}
