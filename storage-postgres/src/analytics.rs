//! The admin dashboard, aggregated by PostgreSQL: `GROUP BY` over UTC buckets made with
//! `date_trunc(<day|week|month>, t AT TIME ZONE 'UTC')` (PostgreSQL's weeks start on Monday,
//! as ISO 8601 and [`Bucket::Week`] do). No row is loaded into the process, only the groups.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use medsync_core::analytics::{
    AnalyticsReport, AppointmentPoint, Bucket, CountPoint, RevenuePoint,
};
use medsync_core::billing::Currency;
use medsync_core::identity::Role;
use medsync_core::store::AnalyticsStore;
use medsync_core::Result;

use crate::convert::{parse_wire, to_u64};
use crate::errors::DbResultExt;
use crate::PostgresStore;

/// The `date_trunc` field of a bucket width.
fn field(bucket: Bucket) -> &'static str {
    match bucket {
        Bucket::Day => "day",
        Bucket::Week => "week",
        Bucket::Month => "month",
    }
}

/// The UTC bucket start of column `t` with the `date_trunc` field in `$1`.
fn utc_bucket(t: &str) -> String {
    format!("(date_trunc($1, {t} AT TIME ZONE 'UTC') AT TIME ZONE 'UTC')")
}

/// One bucket of the appointment series.
#[derive(sqlx::FromRow)]
struct PointRow {
    bucket: DateTime<Utc>,
    booked: i64,
    cancelled: i64,
    no_show: i64,
    completed: i64,
}

impl PostgresStore {
    /// Bookings by creation, cancellations by cancellation time, completions and no-shows
    /// by start, each within `[from, to)`, per bucket (non-empty buckets only, ascending).
    async fn appointment_series(
        &self,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
        bucket: Bucket,
    ) -> Result<Vec<AppointmentPoint>> {
        let (created, cancelled, start) = (
            utc_bucket("created_at"),
            utc_bucket("cancelled_at"),
            utc_bucket("start_at"),
        );
        let rows: Vec<PointRow> = sqlx::query_as(&format!(
            "WITH events (bucket, booked, cancelled, no_show, completed) AS ( \
                 SELECT {created}, 1, 0, 0, 0 FROM appointments \
                 WHERE created_at >= $2 AND created_at < $3 \
               UNION ALL \
                 SELECT {cancelled}, 0, 1, 0, 0 FROM appointments \
                 WHERE status = 'cancelled' AND cancelled_at >= $2 AND cancelled_at < $3 \
               UNION ALL \
                 SELECT {start}, 0, 0, 1, 0 FROM appointments \
                 WHERE status = 'no_show' AND start_at >= $2 AND start_at < $3 \
               UNION ALL \
                 SELECT {start}, 0, 0, 0, 1 FROM appointments \
                 WHERE status = 'completed' AND start_at >= $2 AND start_at < $3) \
             SELECT bucket, sum(booked)::bigint AS booked, sum(cancelled)::bigint AS cancelled, \
                    sum(no_show)::bigint AS no_show, sum(completed)::bigint AS completed \
             FROM events GROUP BY bucket ORDER BY bucket"
        ))
        .bind(field(bucket))
        .bind(from)
        .bind(to)
        .fetch_all(&self.pool)
        .await
        .db("aggregate appointments")?;
        rows.into_iter()
            .map(|r| {
                Ok(AppointmentPoint {
                    bucket: r.bucket,
                    booked: to_u64(r.booked, "count")?,
                    cancelled: to_u64(r.cancelled, "count")?,
                    no_show: to_u64(r.no_show, "count")?,
                    completed: to_u64(r.completed, "count")?,
                })
            })
            .collect()
    }

    /// Active users per role (roles with at least one), in [`Role`] order.
    async fn active_users_by_role(&self) -> Result<Vec<(Role, u64)>> {
        let rows: Vec<(String, i64)> = sqlx::query_as(
            "SELECT role, count(*) FROM users WHERE status = 'active' GROUP BY role",
        )
        .fetch_all(&self.pool)
        .await
        .db("count active users")?;
        let mut out = rows
            .into_iter()
            .map(|(role, n)| Ok((parse_wire::<Role>(&role, "user role")?, to_u64(n, "count")?)))
            .collect::<Result<Vec<_>>>()?;
        out.sort_by_key(|(role, _)| *role);
        Ok(out)
    }

    /// Successful logins (audit action `auth.login`, outcome `allowed`) per UTC day.
    async fn logins_per_day(
        &self,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Result<Vec<CountPoint>> {
        let day = utc_bucket("at");
        let rows: Vec<(DateTime<Utc>, i64)> = sqlx::query_as(&format!(
            "SELECT {day} AS bucket, count(*) FROM audit_log \
             WHERE action = 'auth.login' AND outcome = 'allowed' AND at >= $2 AND at < $3 \
             GROUP BY bucket ORDER BY bucket"
        ))
        .bind("day")
        .bind(from)
        .bind(to)
        .fetch_all(&self.pool)
        .await
        .db("count logins")?;
        rows.into_iter()
            .map(|(bucket, n)| {
                Ok(CountPoint {
                    bucket,
                    count: to_u64(n, "count")?,
                })
            })
            .collect()
    }

    /// Totals of invoices paid in each UTC month of the range, per currency.
    async fn revenue_per_month(
        &self,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Result<Vec<RevenuePoint>> {
        let month = utc_bucket("paid_at");
        let rows: Vec<(DateTime<Utc>, String, i64)> = sqlx::query_as(&format!(
            "SELECT {month} AS month, currency, sum(total_minor)::bigint FROM invoices \
             WHERE paid_at >= $2 AND paid_at < $3 \
             GROUP BY month, currency ORDER BY month, currency COLLATE \"C\""
        ))
        .bind("month")
        .bind(from)
        .bind(to)
        .fetch_all(&self.pool)
        .await
        .db("sum revenue")?;
        Ok(rows
            .into_iter()
            .map(|(month, currency, amount_minor)| RevenuePoint {
                month,
                currency: Currency(currency),
                amount_minor,
            })
            .collect())
    }
}

#[async_trait]
impl AnalyticsStore for PostgresStore {
    async fn analytics(
        &self,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
        bucket: Bucket,
    ) -> Result<AnalyticsReport> {
        let appointments = self.appointment_series(from, to, bucket).await?;
        let completed: u64 = appointments.iter().map(|p| p.completed).sum();
        let no_show: u64 = appointments.iter().map(|p| p.no_show).sum();
        let seen = completed + no_show;
        // Counts stay far below 2^53, where f64 is exact.
        #[allow(clippy::cast_precision_loss)]
        let completion_rate = (seen > 0).then(|| completed as f64 / seen as f64);
        Ok(AnalyticsReport {
            from,
            to,
            bucket: Some(bucket),
            appointments,
            completion_rate,
            active_users_by_role: self.active_users_by_role().await?,
            logins_per_day: self.logins_per_day(from, to).await?,
            revenue_per_month: self.revenue_per_month(from, to).await?,
        })
    }
}
