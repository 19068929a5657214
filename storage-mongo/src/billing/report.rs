//! The monthly billing report, aggregated by the server (`$match` on the month, one `$facet`
//! of three `$group`s).

use bson::doc;
use chrono::{Datelike, Months, NaiveDate, NaiveTime};
use futures::TryStreamExt;
use medsync_core::billing::{Currency, InvoiceStatus, MonthlyReport, Totals};
use medsync_core::ids::UserId;
use medsync_core::{Error, Result};
use serde::Deserialize;

use crate::convert::{bdate, u64_of, uid};
use crate::error;
use crate::schema::INVOICES;
use crate::store::MongoStore;

/// One group's totals.
#[derive(Debug, Deserialize)]
struct Group<K> {
    #[serde(rename = "_id")]
    key: K,
    count: i64,
    total: i64,
}

impl<K> Group<K> {
    fn totals(&self) -> Totals {
        Totals {
            count: u64_of(self.count),
            total_minor: self.total,
        }
    }
}

#[derive(Debug, Deserialize)]
struct StatusKey {
    status: InvoiceStatus,
    currency: Currency,
}

#[derive(Debug, Deserialize)]
struct DoctorKey {
    doctor: bson::Uuid,
    currency: Currency,
}

/// The three facets of the report.
#[derive(Debug, Deserialize)]
struct Facets {
    overall: Vec<Group<Currency>>,
    by_status: Vec<Group<StatusKey>>,
    by_doctor: Vec<Group<DoctorKey>>,
}

/// The `$group` stage counting and summing invoices by `key`.
fn group(key: impl Into<bson::Bson>) -> bson::Document {
    doc! {"$group": {
        "_id": key.into(),
        "count": {"$sum": 1_i64},
        "total": {"$sum": "$total_minor"},
    }}
}

/// [`medsync_core::store::BillingStore::monthly_report`] for the UTC month starting at
/// `month` (which must be a 1st).
pub(super) async fn monthly(store: &MongoStore, month: NaiveDate) -> Result<MonthlyReport> {
    if month.day() != 1 {
        return Err(Error::invalid("month", "must be the first day of a month"));
    }
    let first = month;
    let next = first
        .checked_add_months(Months::new(1))
        .ok_or_else(|| Error::invalid("month", "is out of range"))?;
    let (from, to) = (
        first.and_time(NaiveTime::MIN).and_utc(),
        next.and_time(NaiveTime::MIN).and_utc(),
    );
    let pipeline = [
        doc! {"$match": {"created_at": {"$gte": bdate(from), "$lt": bdate(to)}}},
        doc! {"$facet": {
            "overall": [group("$currency")],
            "by_status": [group(doc! {"status": "$status", "currency": "$currency"})],
            "by_doctor": [group(doc! {"doctor": "$doctor_id", "currency": "$currency"})],
        }},
    ];
    let facets: Option<Facets> = store
        .raw(INVOICES)
        .aggregate(pipeline)
        .with_type::<Facets>()
        .await
        .map_err(|e| error::map(e, "aggregating invoices"))?
        .try_next()
        .await
        .map_err(|e| error::map(e, "aggregating invoices"))?;
    let Some(f) = facets else {
        return Ok(MonthlyReport {
            month: first,
            ..Default::default()
        });
    };
    let mut overall: Vec<_> = f
        .overall
        .iter()
        .map(|g| (g.key.clone(), g.totals()))
        .collect();
    overall.sort_by(|a, b| a.0.cmp(&b.0));
    let mut by_status: Vec<_> = f
        .by_status
        .iter()
        .map(|g| (g.key.status, g.key.currency.clone(), g.totals()))
        .collect();
    by_status.sort_by(|a, b| (a.0, &a.1).cmp(&(b.0, &b.1)));
    let mut by_doctor: Vec<_> = f
        .by_doctor
        .iter()
        .map(|g| {
            (
                UserId(uid(g.key.doctor)),
                g.key.currency.clone(),
                g.totals(),
            )
        })
        .collect();
    by_doctor.sort_by(|a, b| (a.0, &a.1).cmp(&(b.0, &b.1)));
    Ok(MonthlyReport {
        month: first,
        overall,
        by_status,
        by_doctor,
    })
}
