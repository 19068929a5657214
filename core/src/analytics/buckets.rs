//! UTC bucketing of instants, as every backend must do it.

use chrono::{DateTime, Datelike, Duration, NaiveDate, NaiveTime, Utc};

use super::model::Bucket;

/// Midnight UTC of `date`.
fn midnight(date: NaiveDate) -> DateTime<Utc> {
    date.and_time(NaiveTime::MIN).and_utc()
}

/// The start of the UTC bucket containing `at`: 00:00 of its day, of the Monday of its ISO
/// week, or of the 1st of its month.
pub fn bucket_start(at: DateTime<Utc>, bucket: Bucket) -> DateTime<Utc> {
    let day = at.date_naive();
    match bucket {
        Bucket::Day => midnight(day),
        Bucket::Week => {
            let back = i64::from(day.weekday().num_days_from_monday());
            midnight(day - Duration::days(back))
        }
        Bucket::Month => midnight(day.with_day(1).unwrap_or(day)),
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    #[test]
    fn buckets_are_utc_days_iso_weeks_and_months() {
        let t = |d, h| Utc.with_ymd_and_hms(2026, 3, d, h, 30, 0).unwrap();
        let day = |m, d| Utc.with_ymd_and_hms(2026, m, d, 0, 0, 0).unwrap();
        // 2026-03-29 is a Sunday, 2026-03-30 a Monday.
        assert_eq!(bucket_start(t(29, 23), Bucket::Day), day(3, 29));
        assert_eq!(bucket_start(t(29, 23), Bucket::Week), day(3, 23));
        assert_eq!(bucket_start(t(30, 0), Bucket::Week), day(3, 30));
        assert_eq!(bucket_start(t(31, 12), Bucket::Week), day(3, 30));
        assert_eq!(bucket_start(t(31, 12), Bucket::Month), day(3, 1));
        assert_eq!(bucket_start(day(4, 1), Bucket::Week), day(3, 30));
        assert_eq!(bucket_start(day(4, 1), Bucket::Month), day(4, 1));
    }
}
