//! CSV export of one series of an [`AnalyticsReport`].

use serde::{Deserialize, Serialize};

use super::model::AnalyticsReport;
use crate::billing::format_amount;
use crate::export::csv::to_csv;

/// Which series of an [`AnalyticsReport`] to export.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AnalyticsSeries {
    /// `bucket,booked,cancelled,no_show,completed` (bucket: `YYYY-MM-DD` of its first day).
    Appointments,
    /// `day,count` (day: `YYYY-MM-DD`).
    Logins,
    /// `month,currency,amount_minor,amount` (month: `YYYY-MM`; amount in major units).
    Revenue,
    /// `role,count`.
    ActiveUsers,
}

/// The chosen series as CSV (CRLF line ends, header first), in the report's order. Columns
/// are documented on each [`AnalyticsSeries`] variant.
pub fn analytics_csv(report: &AnalyticsReport, series: AnalyticsSeries) -> String {
    match series {
        AnalyticsSeries::Appointments => to_csv(
            &["bucket", "booked", "cancelled", "no_show", "completed"],
            report.appointments.iter().map(|p| {
                vec![
                    p.bucket.format("%Y-%m-%d").to_string(),
                    p.booked.to_string(),
                    p.cancelled.to_string(),
                    p.no_show.to_string(),
                    p.completed.to_string(),
                ]
            }),
        ),
        AnalyticsSeries::Logins => to_csv(
            &["day", "count"],
            report
                .logins_per_day
                .iter()
                .map(|p| vec![p.bucket.format("%Y-%m-%d").to_string(), p.count.to_string()]),
        ),
        AnalyticsSeries::Revenue => to_csv(
            &["month", "currency", "amount_minor", "amount"],
            report.revenue_per_month.iter().map(|p| {
                vec![
                    p.month.format("%Y-%m").to_string(),
                    p.currency.0.clone(),
                    p.amount_minor.to_string(),
                    format_amount(p.amount_minor, &p.currency),
                ]
            }),
        ),
        AnalyticsSeries::ActiveUsers => to_csv(
            &["role", "count"],
            report
                .active_users_by_role
                .iter()
                .map(|(role, n)| vec![role.as_str().to_owned(), n.to_string()]),
        ),
    }
}

#[cfg(test)]
mod tests {
    use chrono::{TimeZone, Utc};

    use super::*;
    use crate::analytics::{AppointmentPoint, Bucket, CountPoint, RevenuePoint};
    use crate::billing::Currency;
    use crate::identity::Role;

    fn report() -> AnalyticsReport {
        let day = |m, d| Utc.with_ymd_and_hms(2026, m, d, 0, 0, 0).unwrap();
        AnalyticsReport {
            from: day(3, 1),
            to: day(5, 1),
            bucket: Some(Bucket::Week),
            appointments: vec![AppointmentPoint {
                bucket: day(3, 30),
                booked: 4,
                cancelled: 1,
                no_show: 1,
                completed: 2,
            }],
            completion_rate: Some(2.0 / 3.0),
            active_users_by_role: vec![(Role::Admin, 1), (Role::Doctor, 2)],
            logins_per_day: vec![CountPoint {
                bucket: day(3, 30),
                count: 3,
            }],
            revenue_per_month: vec![RevenuePoint {
                month: day(4, 1),
                currency: Currency("USD".into()),
                amount_minor: 12990,
            }],
        }
    }

    #[test]
    fn every_series_is_exact() {
        let r = report();
        assert_eq!(
            analytics_csv(&r, AnalyticsSeries::Appointments),
            "bucket,booked,cancelled,no_show,completed\r\n2026-03-30,4,1,1,2\r\n"
        );
        assert_eq!(
            analytics_csv(&r, AnalyticsSeries::Logins),
            "day,count\r\n2026-03-30,3\r\n"
        );
        assert_eq!(
            analytics_csv(&r, AnalyticsSeries::Revenue),
            "month,currency,amount_minor,amount\r\n2026-04,USD,12990,129.90\r\n"
        );
        assert_eq!(
            analytics_csv(&r, AnalyticsSeries::ActiveUsers),
            "role,count\r\nadmin,1\r\ndoctor,2\r\n"
        );
        assert_eq!(
            analytics_csv(&AnalyticsReport::default(), AnalyticsSeries::Logins),
            "day,count\r\n"
        );
    }
}
