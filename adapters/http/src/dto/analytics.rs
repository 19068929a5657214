//! Admin analytics and the monthly billing report.

use chrono::{DateTime, NaiveDate, Utc};
use medsync_core::analytics::{
    AnalyticsReport, AnalyticsSeries, AppointmentPoint, Bucket, CountPoint, RevenuePoint,
};
use medsync_core::billing::{Currency, MonthlyReport, Totals};
use serde::{Deserialize, Deserializer, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use super::billing::InvoiceStatusDto;
use super::users::RoleDto;

/// Bucket width of a time series (UTC; weeks start on Monday).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum BucketDto {
    /// Calendar day.
    #[default]
    Day,
    /// ISO week.
    Week,
    /// Calendar month.
    Month,
}

impl From<BucketDto> for Bucket {
    fn from(b: BucketDto) -> Self {
        match b {
            BucketDto::Day => Self::Day,
            BucketDto::Week => Self::Week,
            BucketDto::Month => Self::Month,
        }
    }
}

impl From<Bucket> for BucketDto {
    fn from(b: Bucket) -> Self {
        match b {
            Bucket::Day => Self::Day,
            Bucket::Week => Self::Week,
            Bucket::Month => Self::Month,
        }
    }
}

/// Which series to export as CSV.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum SeriesDto {
    /// `bucket,booked,cancelled,no_show,completed`.
    Appointments,
    /// `day,count`.
    Logins,
    /// `month,currency,amount_minor,amount`.
    Revenue,
    /// `role,count`.
    ActiveUsers,
}

impl SeriesDto {
    /// The core series.
    pub fn to_core(self) -> AnalyticsSeries {
        match self {
            Self::Appointments => AnalyticsSeries::Appointments,
            Self::Logins => AnalyticsSeries::Logins,
            Self::Revenue => AnalyticsSeries::Revenue,
            Self::ActiveUsers => AnalyticsSeries::ActiveUsers,
        }
    }

    /// The series' wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Appointments => "appointments",
            Self::Logins => "logins",
            Self::Revenue => "revenue",
            Self::ActiveUsers => "active_users",
        }
    }
}

/// The range of an analytics report.
#[derive(Debug, Clone, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AnalyticsQuery {
    /// Range start (RFC 3339).
    #[param(example = "2026-01-01T00:00:00Z")]
    pub from: DateTime<Utc>,
    /// Range end, exclusive (RFC 3339): after `from` and at most 366 days after it.
    #[param(example = "2026-04-01T00:00:00Z")]
    pub to: DateTime<Utc>,
    /// Bucket width of the appointment series (default `day`).
    pub bucket: Option<BucketDto>,
}

/// The range and series of a CSV export.
#[derive(Debug, Clone, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AnalyticsExportQuery {
    /// Range start (RFC 3339).
    #[param(example = "2026-01-01T00:00:00Z")]
    pub from: DateTime<Utc>,
    /// Range end, exclusive (RFC 3339): after `from` and at most 366 days after it.
    #[param(example = "2026-04-01T00:00:00Z")]
    pub to: DateTime<Utc>,
    /// Bucket width of the appointment series (default `day`).
    pub bucket: Option<BucketDto>,
    /// The series to export.
    pub series: SeriesDto,
}

/// One point of the appointment series.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct AppointmentPointDto {
    /// Start of the bucket.
    pub bucket: DateTime<Utc>,
    /// Booked in the bucket.
    pub booked: u64,
    /// Cancelled in the bucket.
    pub cancelled: u64,
    /// Starting in the bucket and marked no-show.
    pub no_show: u64,
    /// Starting in the bucket and completed.
    pub completed: u64,
}

impl From<AppointmentPoint> for AppointmentPointDto {
    fn from(p: AppointmentPoint) -> Self {
        Self {
            bucket: p.bucket,
            booked: p.booked,
            cancelled: p.cancelled,
            no_show: p.no_show,
            completed: p.completed,
        }
    }
}

/// A count per bucket.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct CountPointDto {
    /// Start of the bucket.
    pub bucket: DateTime<Utc>,
    /// The count.
    pub count: u64,
}

impl From<CountPoint> for CountPointDto {
    fn from(p: CountPoint) -> Self {
        Self {
            bucket: p.bucket,
            count: p.count,
        }
    }
}

/// Revenue of one month in one currency (invoices paid that month).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct RevenuePointDto {
    /// First instant of the month.
    pub month: DateTime<Utc>,
    /// ISO 4217 code.
    pub currency: String,
    /// Sum in minor units.
    pub amount_minor: i64,
}

impl From<RevenuePoint> for RevenuePointDto {
    fn from(p: RevenuePoint) -> Self {
        Self {
            month: p.month,
            currency: p.currency.0,
            amount_minor: p.amount_minor,
        }
    }
}

/// Active users of one role.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct RoleCountDto {
    /// The role.
    pub role: RoleDto,
    /// Active users with it.
    pub count: u64,
}

/// The admin dashboard for `[from, to)`.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct AnalyticsReportDto {
    /// Range start.
    pub from: DateTime<Utc>,
    /// Range end (exclusive).
    pub to: DateTime<Utc>,
    /// Bucket width of `appointments`.
    pub bucket: Option<BucketDto>,
    /// Appointment counts per bucket (buckets with at least one non-zero count).
    pub appointments: Vec<AppointmentPointDto>,
    /// `completed / (completed + no_show)`, absent when both are zero.
    pub completion_rate: Option<f64>,
    /// Active users per role (now).
    pub active_users_by_role: Vec<RoleCountDto>,
    /// Successful logins per UTC day.
    pub logins_per_day: Vec<CountPointDto>,
    /// Revenue per month and currency.
    pub revenue_per_month: Vec<RevenuePointDto>,
}

impl From<AnalyticsReport> for AnalyticsReportDto {
    fn from(r: AnalyticsReport) -> Self {
        Self {
            from: r.from,
            to: r.to,
            bucket: r.bucket.map(Into::into),
            appointments: r.appointments.into_iter().map(Into::into).collect(),
            completion_rate: r.completion_rate,
            active_users_by_role: r
                .active_users_by_role
                .into_iter()
                .map(|(role, count)| RoleCountDto {
                    role: role.into(),
                    count,
                })
                .collect(),
            logins_per_day: r.logins_per_day.into_iter().map(Into::into).collect(),
            revenue_per_month: r.revenue_per_month.into_iter().map(Into::into).collect(),
        }
    }
}

/// The file format of the monthly report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum MonthlyFormatDto {
    /// JSON ([`MonthlyReportDto`]).
    #[default]
    Json,
    /// RFC 4180 CSV.
    Csv,
    /// An Office Open XML workbook.
    Xlsx,
}

/// Which month, in which format.
#[derive(Debug, Clone, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct MonthlyQuery {
    /// The UTC month, `YYYY-MM`.
    #[param(value_type = String, pattern = r"^[0-9]{4}-(0[1-9]|1[0-2])$", example = "2026-03")]
    #[serde(deserialize_with = "year_month")]
    pub month: NaiveDate,
    /// `json` (default), `csv` or `xlsx`.
    pub format: Option<MonthlyFormatDto>,
}

/// `YYYY-MM` as the first day of that month.
fn year_month<'de, D: Deserializer<'de>>(d: D) -> Result<NaiveDate, D::Error> {
    let s = String::deserialize(d)?;
    NaiveDate::parse_from_str(&format!("{}-01", s.trim()), "%Y-%m-%d")
        .ok()
        .filter(|_| s.trim().len() == 7)
        .ok_or_else(|| serde::de::Error::custom("must be a month as YYYY-MM"))
}

/// Totals of one group in one currency.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct TotalsDto {
    /// ISO 4217 code.
    pub currency: String,
    /// Number of invoices.
    pub count: u64,
    /// Sum of their totals, minor units.
    pub total_minor: i64,
}

fn totals(c: Currency, t: Totals) -> TotalsDto {
    TotalsDto {
        currency: c.0,
        count: t.count,
        total_minor: t.total_minor,
    }
}

/// Totals of the invoices in one status.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct StatusTotalsDto {
    /// The status.
    pub status: InvoiceStatusDto,
    /// The totals.
    #[serde(flatten)]
    pub totals: TotalsDto,
}

/// Totals of one doctor's invoices.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct DoctorTotalsDto {
    /// The doctor.
    pub doctor_id: Uuid,
    /// The totals.
    #[serde(flatten)]
    pub totals: TotalsDto,
}

/// A month's billing summary (invoices created in that UTC month).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct MonthlyReportDto {
    /// First day of the month.
    pub month: NaiveDate,
    /// All invoices, per currency.
    pub overall: Vec<TotalsDto>,
    /// Per status and currency.
    pub by_status: Vec<StatusTotalsDto>,
    /// Per doctor and currency.
    pub by_doctor: Vec<DoctorTotalsDto>,
}

impl From<MonthlyReport> for MonthlyReportDto {
    fn from(r: MonthlyReport) -> Self {
        Self {
            month: r.month,
            overall: r.overall.into_iter().map(|(c, t)| totals(c, t)).collect(),
            by_status: r
                .by_status
                .into_iter()
                .map(|(s, c, t)| StatusTotalsDto {
                    status: s.into(),
                    totals: totals(c, t),
                })
                .collect(),
            by_doctor: r
                .by_doctor
                .into_iter()
                .map(|(d, c, t)| DoctorTotalsDto {
                    doctor_id: d.0,
                    totals: totals(c, t),
                })
                .collect(),
        }
    }
}
