//! Admin analytics: the dashboard report and its CSV export.

use chrono::{DateTime, Duration, Utc};

use super::support::Subject;
use super::MedSync;
use crate::analytics::{analytics_csv, AnalyticsReport, AnalyticsSeries, Bucket};
use crate::audit::Outcome;
use crate::error::{Result, Validator};
use crate::policy::{Action, Actor, Resource};

/// The longest range one report may cover.
const MAX_RANGE_DAYS: i64 = 366;

impl MedSync {
    /// The admin dashboard for `[from, to)` with appointment series per `bucket`, computed by
    /// the store (`ViewAnalytics`: admins; audited). `InvalidInput` on `to` unless
    /// `from < to ≤ from + 366 days`.
    pub async fn analytics(
        &self,
        actor: &Actor,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
        bucket: Bucket,
    ) -> Result<AnalyticsReport> {
        self.analytics_report(actor, from, to, bucket, "analytics.read")
            .await
    }

    /// One series of [`MedSync::analytics`] as CSV (see [`crate::analytics::analytics_csv`]).
    pub async fn export_analytics_csv(
        &self,
        actor: &Actor,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
        bucket: Bucket,
        series: AnalyticsSeries,
    ) -> Result<String> {
        let report = self
            .analytics_report(actor, from, to, bucket, "analytics.export")
            .await?;
        Ok(analytics_csv(&report, series))
    }

    async fn analytics_report(
        &self,
        actor: &Actor,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
        bucket: Bucket,
        action: &str,
    ) -> Result<AnalyticsReport> {
        let subject = Subject::kind("analytics");
        self.authorize(
            actor,
            Action::ViewAnalytics,
            Resource::System,
            action,
            &subject,
        )
        .await?;
        let mut v = Validator::new();
        v.check(to > from, "to", "must be after from");
        v.check(
            to - from <= Duration::days(MAX_RANGE_DAYS),
            "to",
            "range must be at most 366 days",
        );
        v.finish()?;
        let report = match self.inner.store.analytics(from, to, bucket).await {
            Ok(r) => r,
            Err(e) => return self.failed(Some(actor), action, &subject, e).await,
        };
        let detail = format!("{} .. {}", from.to_rfc3339(), to.to_rfc3339());
        self.audit(
            Some(actor),
            action,
            &subject,
            Outcome::Allowed,
            Some(detail),
        )
        .await?;
        Ok(report)
    }
}
