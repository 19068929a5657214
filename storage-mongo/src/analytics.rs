//! [`AnalyticsStore`]: the admin dashboard, aggregated by the server with `$dateTrunc`
//! (UTC; weeks start on Monday) and `$group`; only the groups come back.

use std::collections::BTreeMap;

use async_trait::async_trait;
use bson::{doc, Bson, Document};
use chrono::{DateTime, Utc};
use futures::TryStreamExt;
use medsync_core::analytics::{
    AnalyticsReport, AppointmentPoint, Bucket, CountPoint, RevenuePoint,
};
use medsync_core::billing::Currency;
use medsync_core::identity::{Role, UserStatus};
use medsync_core::scheduling::AppointmentStatus;
use medsync_core::store::AnalyticsStore;
use medsync_core::Result;
use serde::de::DeserializeOwned;
use serde::Deserialize;

use crate::convert::{bdate, cdate, tag, u64_of};
use crate::error;
use crate::schema::{APPOINTMENTS, AUDIT_LOG, INVOICES, USERS};
use crate::store::MongoStore;

/// `{$dateTrunc: …}` of `field` to the start of its UTC `bucket`.
fn trunc(field: &str, bucket: Bucket) -> Document {
    let unit = match bucket {
        Bucket::Day => "day",
        Bucket::Week => "week",
        Bucket::Month => "month",
    };
    let mut spec = doc! {"date": field, "unit": unit, "timezone": "UTC"};
    if bucket == Bucket::Week {
        spec.insert("startOfWeek", "monday");
    }
    doc! {"$dateTrunc": spec}
}

/// `{$gte: from, $lt: to}`.
fn within(from: DateTime<Utc>, to: DateTime<Utc>) -> Document {
    doc! {"$gte": bdate(from), "$lt": bdate(to)}
}

/// A count per bucket.
#[derive(Debug, Deserialize)]
struct Counted {
    #[serde(rename = "_id")]
    bucket: bson::DateTime,
    n: i64,
}

/// The appointment facets.
#[derive(Debug, Deserialize)]
struct AppointmentFacets {
    booked: Vec<Counted>,
    cancelled: Vec<Counted>,
    no_show: Vec<Counted>,
    completed: Vec<Counted>,
}

#[derive(Debug, Deserialize)]
struct RoleCount {
    #[serde(rename = "_id")]
    role: Role,
    n: i64,
}

#[derive(Debug, Deserialize)]
struct RevenueKey {
    month: bson::DateTime,
    currency: Currency,
}

#[derive(Debug, Deserialize)]
struct Revenue {
    #[serde(rename = "_id")]
    key: RevenueKey,
    amount: i64,
}

/// The pipeline stages counting documents per bucket of `field`.
fn count_by(field: &str, bucket: Bucket, matching: Document) -> Bson {
    Bson::Array(vec![
        Bson::Document(doc! {"$match": matching}),
        Bson::Document(doc! {"$group": {"_id": trunc(field, bucket), "n": {"$sum": 1_i64}}}),
    ])
}

impl MongoStore {
    /// Runs `pipeline` on `collection` and decodes every result.
    async fn aggregate<T>(&self, collection: &str, pipeline: Vec<Document>) -> Result<Vec<T>>
    where
        T: DeserializeOwned + Send + Sync + Unpin,
    {
        self.raw(collection)
            .aggregate(pipeline)
            .with_type::<T>()
            .await
            .map_err(|e| error::map(e, "aggregating"))?
            .try_collect()
            .await
            .map_err(|e| error::map(e, "aggregating"))
    }

    /// Appointment points per bucket (only buckets with a non-zero count), and the
    /// completed and no-show totals.
    async fn appointment_series(
        &self,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
        bucket: Bucket,
    ) -> Result<(Vec<AppointmentPoint>, u64, u64)> {
        let range = within(from, to);
        let status = |s: AppointmentStatus| tag(&s);
        let pipeline = vec![
            doc! {"$match": {"$or": [
                {"created_at": range.clone()},
                {"cancellation.at": range.clone()},
                {"start": range.clone()},
            ]}},
            doc! {"$facet": {
                "booked": count_by("$created_at", bucket, doc! {"created_at": range.clone()}),
                "cancelled": count_by("$cancellation.at", bucket, doc! {
                    "status": status(AppointmentStatus::Cancelled),
                    "cancellation.at": range.clone(),
                }),
                "no_show": count_by("$start", bucket, doc! {
                    "status": status(AppointmentStatus::NoShow), "start": range.clone(),
                }),
                "completed": count_by("$start", bucket, doc! {
                    "status": status(AppointmentStatus::Completed), "start": range,
                }),
            }},
        ];
        let facets = self
            .aggregate::<AppointmentFacets>(APPOINTMENTS, pipeline)
            .await?
            .into_iter()
            .next();
        let Some(f) = facets else {
            return Ok((Vec::new(), 0, 0));
        };
        let mut points: BTreeMap<DateTime<Utc>, AppointmentPoint> = BTreeMap::new();
        let mut add = |rows: &[Counted], set: fn(&mut AppointmentPoint, u64)| {
            for c in rows {
                let at = cdate(c.bucket);
                let p = points.entry(at).or_insert_with(|| AppointmentPoint {
                    bucket: at,
                    ..Default::default()
                });
                set(p, u64_of(c.n));
            }
        };
        add(&f.booked, |p, n| p.booked = n);
        add(&f.cancelled, |p, n| p.cancelled = n);
        add(&f.no_show, |p, n| p.no_show = n);
        add(&f.completed, |p, n| p.completed = n);
        let total = |rows: &[Counted]| rows.iter().map(|c| u64_of(c.n)).sum::<u64>();
        let (completed, no_show) = (total(&f.completed), total(&f.no_show));
        Ok((points.into_values().collect(), completed, no_show))
    }

    async fn active_users(&self) -> Result<Vec<(Role, u64)>> {
        let pipeline = vec![
            doc! {"$match": {"status": tag(&UserStatus::Active)}},
            doc! {"$group": {"_id": "$role", "n": {"$sum": 1_i64}}},
        ];
        let mut rows: Vec<(Role, u64)> = self
            .aggregate::<RoleCount>(USERS, pipeline)
            .await?
            .into_iter()
            .map(|r| (r.role, u64_of(r.n)))
            .collect();
        rows.sort();
        Ok(rows)
    }

    async fn logins(&self, from: DateTime<Utc>, to: DateTime<Utc>) -> Result<Vec<CountPoint>> {
        let pipeline = vec![
            doc! {"$match": {
                "action": "auth.login",
                "outcome": tag(&medsync_core::audit::Outcome::Allowed),
                "at": within(from, to),
            }},
            doc! {"$group": {"_id": trunc("$at", Bucket::Day), "n": {"$sum": 1_i64}}},
            doc! {"$sort": {"_id": 1}},
        ];
        Ok(self
            .aggregate::<Counted>(AUDIT_LOG, pipeline)
            .await?
            .into_iter()
            .map(|c| CountPoint {
                bucket: cdate(c.bucket),
                count: u64_of(c.n),
            })
            .collect())
    }

    async fn revenue(&self, from: DateTime<Utc>, to: DateTime<Utc>) -> Result<Vec<RevenuePoint>> {
        let pipeline = vec![
            doc! {"$match": {"paid_at": within(from, to)}},
            doc! {"$group": {
                "_id": {"month": trunc("$paid_at", Bucket::Month), "currency": "$currency"},
                "amount": {"$sum": "$total_minor"},
            }},
        ];
        let mut rows: Vec<RevenuePoint> = self
            .aggregate::<Revenue>(INVOICES, pipeline)
            .await?
            .into_iter()
            .map(|r| RevenuePoint {
                month: cdate(r.key.month),
                currency: r.key.currency,
                amount_minor: r.amount,
            })
            .collect();
        rows.sort_by(|a, b| (a.month, &a.currency).cmp(&(b.month, &b.currency)));
        Ok(rows)
    }
}

#[async_trait]
impl AnalyticsStore for MongoStore {
    async fn analytics(
        &self,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
        bucket: Bucket,
    ) -> Result<AnalyticsReport> {
        let (appointments, completed, no_show) = self.appointment_series(from, to, bucket).await?;
        let decided = completed + no_show;
        let completion_rate = (decided > 0).then(|| completed as f64 / decided as f64);
        Ok(AnalyticsReport {
            from,
            to,
            bucket: Some(bucket),
            appointments,
            completion_rate,
            active_users_by_role: self.active_users().await?,
            logins_per_day: self.logins(from, to).await?,
            revenue_per_month: self.revenue(from, to).await?,
        })
    }
}
