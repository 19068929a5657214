//! Admin analytics by scanning: the memory backend has no query engine, so it walks the
//! appointments, users, audit log and invoices once each and aggregates into ordered maps.
//! (The database backends push the same aggregations into `GROUP BY` / pipelines.)

use std::collections::BTreeMap;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use medsync_core::analytics::{
    bucket_start, AnalyticsReport, AppointmentPoint, Bucket, CountPoint, RevenuePoint,
};
use medsync_core::audit::Outcome;
use medsync_core::billing::Currency;
use medsync_core::identity::{Role, UserStatus};
use medsync_core::scheduling::{Appointment, AppointmentStatus};
use medsync_core::store::{
    AnalyticsStore, AppointmentFilter, AuditFilter, AuditStore, Page, ScheduleStore, UserFilter,
    UserStore,
};
use medsync_core::{Error, Result};

use crate::MemoryStore;

/// Every row at once: the scans below read whole collections.
const ALL: Page = Page {
    offset: 0,
    limit: u32::MAX,
};

/// The audit action of a login.
const LOGIN: &str = "auth.login";

/// Per-bucket appointment counts and the range's completion totals.
#[derive(Default)]
struct AppointmentCounts {
    points: BTreeMap<DateTime<Utc>, AppointmentPoint>,
    completed: u64,
    no_show: u64,
}

impl AppointmentCounts {
    fn point(&mut self, at: DateTime<Utc>, bucket: Bucket) -> &mut AppointmentPoint {
        let b = bucket_start(at, bucket);
        self.points.entry(b).or_insert_with(|| AppointmentPoint {
            bucket: b,
            ..Default::default()
        })
    }

    /// Counts `a` as documented on [`AppointmentPoint`]: booked by `created_at`, cancelled by
    /// cancellation time, completed / no-show by `start`, each only inside `[from, to)`.
    fn add(&mut self, a: &Appointment, from: DateTime<Utc>, to: DateTime<Utc>, bucket: Bucket) {
        let within = |t: DateTime<Utc>| t >= from && t < to;
        if within(a.created_at) {
            self.point(a.created_at, bucket).booked += 1;
        }
        if a.status == AppointmentStatus::Cancelled {
            if let Some(c) = a.cancellation.as_ref().filter(|c| within(c.at)) {
                self.point(c.at, bucket).cancelled += 1;
            }
        }
        if within(a.start) {
            match a.status {
                AppointmentStatus::Completed => {
                    self.point(a.start, bucket).completed += 1;
                    self.completed += 1;
                }
                AppointmentStatus::NoShow => {
                    self.point(a.start, bucket).no_show += 1;
                    self.no_show += 1;
                }
                _ => {}
            }
        }
    }

    fn rate(&self) -> Option<f64> {
        let seen = self.completed + self.no_show;
        // Counts stay far below 2^53, where f64 is exact.
        #[allow(clippy::cast_precision_loss)]
        let rate = (seen > 0).then(|| self.completed as f64 / seen as f64);
        rate
    }
}

impl MemoryStore {
    async fn appointment_counts(
        &self,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
        bucket: Bucket,
    ) -> Result<AppointmentCounts> {
        let mut counts = AppointmentCounts::default();
        for a in self
            .list_appointments(&AppointmentFilter::default(), ALL)
            .await?
        {
            counts.add(&a, from, to, bucket);
        }
        Ok(counts)
    }

    async fn active_users_by_role(&self) -> Result<Vec<(Role, u64)>> {
        let filter = UserFilter {
            status: Some(UserStatus::Active),
            ..Default::default()
        };
        let mut by_role: BTreeMap<Role, u64> = BTreeMap::new();
        for u in self.list_users(&filter, ALL).await? {
            *by_role.entry(u.role).or_default() += 1;
        }
        Ok(by_role.into_iter().collect())
    }

    async fn logins_per_day(
        &self,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Result<Vec<CountPoint>> {
        let filter = AuditFilter {
            action_prefix: Some(LOGIN.to_owned()),
            from: Some(from),
            to: Some(to),
            ..Default::default()
        };
        let mut days: BTreeMap<DateTime<Utc>, u64> = BTreeMap::new();
        for e in self.query_audit(&filter, ALL).await? {
            if e.event.action == LOGIN && e.event.outcome == Outcome::Allowed {
                *days
                    .entry(bucket_start(e.event.at, Bucket::Day))
                    .or_default() += 1;
            }
        }
        Ok(days
            .into_iter()
            .map(|(bucket, count)| CountPoint { bucket, count })
            .collect())
    }

    fn revenue_per_month(
        &self,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Result<Vec<RevenuePoint>> {
        let st = self.lock();
        let mut months: BTreeMap<(DateTime<Utc>, Currency), i64> = BTreeMap::new();
        for (paid_at, i) in st
            .billing
            .invoices()
            .filter_map(|i| i.paid_at.map(|p| (p, i)))
            .filter(|(p, _)| *p >= from && *p < to)
        {
            let sum = months
                .entry((bucket_start(paid_at, Bucket::Month), i.currency.clone()))
                .or_default();
            *sum = sum
                .checked_add(i.total_minor)
                .ok_or_else(|| Error::invalid("to", "revenue is too large"))?;
        }
        Ok(months
            .into_iter()
            .map(|((month, currency), amount_minor)| RevenuePoint {
                month,
                currency,
                amount_minor,
            })
            .collect())
    }
}

#[async_trait]
impl AnalyticsStore for MemoryStore {
    async fn analytics(
        &self,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
        bucket: Bucket,
    ) -> Result<AnalyticsReport> {
        let counts = self.appointment_counts(from, to, bucket).await?;
        Ok(AnalyticsReport {
            from,
            to,
            bucket: Some(bucket),
            completion_rate: counts.rate(),
            appointments: counts.points.into_values().collect(),
            active_users_by_role: self.active_users_by_role().await?,
            logins_per_day: self.logins_per_day(from, to).await?,
            revenue_per_month: self.revenue_per_month(from, to)?,
        })
    }
}
