//! Analytics: exact counts on a fixed data set straddling a Sunday → Monday week boundary and
//! a month end, computed by the store.

use std::sync::Arc;

use chrono::{DateTime, Duration, TimeZone, Utc};

use crate::analytics::{AnalyticsSeries, AppointmentPoint, Bucket, CountPoint, RevenuePoint};
use crate::billing::{Currency, Fee};
use crate::error::Error;
use crate::identity::Role;
use crate::service::Registration;
use crate::store::Store;
use crate::testkit::fixture::{Fixture, PASSWORD};

/// `d` March 2026 (or April for `d > 31`: 32 = 1 April) at `h:m` UTC.
fn mar(d: i64, h: u32, m: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 1, h, m, 0).unwrap() + Duration::days(d - 1)
}

fn point(bucket: DateTime<Utc>, counts: [u64; 4]) -> AppointmentPoint {
    let [booked, cancelled, no_show, completed] = counts;
    AppointmentPoint {
        bucket,
        booked,
        cancelled,
        no_show,
        completed,
    }
}

/// The data set (2026-03-29 is a Sunday, 03-30 a Monday, 04-01 = `mar(32)` a Wednesday):
///
/// | appt | booked       | cancelled    | starts       | ends as   |
/// |------|--------------|--------------|--------------|-----------|
/// | C    | Fri 27 10:00 |              | Fri 27 11:00 | completed (paid Fri 27) |
/// | A    | Sun 29 20:00 |              | Mon 30 09:00 | completed |
/// | B    | Sun 29 20:00 | Mon 30 10:00 | Tue 31 09:00 | cancelled |
/// | E    | Sun 29 20:00 | Sun 29 21:00 | Tue 31 10:00 | cancelled |
/// | D    | Mon 30 08:00 |              | Wed  1 09:00 | completed (paid Wed 1) |
/// | F    | Tue 31 08:00 |              | Tue 31 11:00 | no-show   |
/// | G    | Wed  1 09:45 |              | Thu  2 09:00 | pending   |
///
/// Successful logins: Fri 20 (outside the range), Sun 29 ×1, Mon 30 ×2, Tue 31 ×1 (plus a
/// failed one).
pub async fn analytics_exact_counts_with_week_and_month_boundaries(store: Arc<dyn Store>) {
    let f = Fixture::new(store).await;
    let d = f.doctor("Dr Grey").await;
    let (p1, p2, p3) = (
        f.patient("Pat Doe").await,
        f.patient("Sam Roe").await,
        f.patient("Kim Poe").await,
    );
    // A nurse awaiting approval is not an active user.
    f.svc
        .register(Registration {
            name: "Nora Nurse".into(),
            email: "nora@clinic.test".into(),
            password: PASSWORD.into(),
            role: Some(Role::Nurse),
            ..Default::default()
        })
        .await
        .unwrap();
    let fee = Fee {
        doctor_id: d.user.id,
        appointment_type: "consultation".into(),
        amount_minor: 12000,
        currency: Currency("USD".into()),
        tax_rate_bp: 825,
    };
    f.svc.set_fee(&f.admin, fee).await.unwrap();
    let login = |email: &'static str, at: DateTime<Utc>| {
        f.clock.set(at);
        f.svc.login(email, PASSWORD)
    };
    login("pat.doe@mail.test", mar(20, 12, 0)).await.unwrap();

    f.clock.set(mar(27, 10, 0));
    let c = f.confirmed(&d, &p1, mar(27, 11, 0)).await;
    f.clock.set(mar(27, 11, 30));
    f.svc.complete(&d.actor, c.id).await.unwrap();
    let inv_c = f.svc.invoice_for_appointment(&f.admin, c.id).await.unwrap();
    f.svc
        .record_payment(&f.admin, inv_c.id, 12990, "card".into(), None)
        .await
        .unwrap();

    login("pat.doe@mail.test", mar(29, 19, 0)).await.unwrap();
    f.clock.set(mar(29, 20, 0));
    let a = f.confirmed(&d, &p1, mar(30, 9, 0)).await;
    let b = f.confirmed(&d, &p2, mar(31, 9, 0)).await;
    let e = f.confirmed(&d, &p3, mar(31, 10, 0)).await;
    f.clock.set(mar(29, 21, 0));
    f.svc.cancel(&p3.actor, e.id, None).await.unwrap();

    login("admin@clinic.test", mar(30, 7, 0)).await.unwrap();
    f.clock.set(mar(30, 8, 0));
    let dd = f.confirmed(&d, &p3, mar(32, 9, 0)).await;
    login("admin@clinic.test", mar(30, 9, 0)).await.unwrap();
    f.clock.set(mar(30, 9, 30));
    f.svc.complete(&d.actor, a.id).await.unwrap();
    f.clock.set(mar(30, 10, 0));
    f.svc.cancel(&p2.actor, b.id, None).await.unwrap();

    f.clock.set(mar(31, 8, 0));
    let ff = f.confirmed(&d, &p2, mar(31, 11, 0)).await;
    login("dr.grey@clinic.test", mar(31, 8, 30)).await.unwrap();
    assert!(f
        .svc
        .login("dr.grey@clinic.test", "wrong password")
        .await
        .is_err());
    f.clock.set(mar(31, 11, 15));
    f.svc.no_show(&d.actor, ff.id).await.unwrap();

    f.clock.set(mar(32, 9, 30));
    f.svc.complete(&d.actor, dd.id).await.unwrap();
    let inv_d = f
        .svc
        .invoice_for_appointment(&f.admin, dd.id)
        .await
        .unwrap();
    f.svc
        .record_payment(&f.admin, inv_d.id, 12990, "card".into(), None)
        .await
        .unwrap();
    f.clock.set(mar(32, 9, 45));
    f.svc
        .book(&p1.actor, f.request(d.user.id, p1.chart, mar(33, 9, 0), 30))
        .await
        .unwrap();

    let (from, to) = (mar(23, 0, 0), mar(37, 0, 0));
    let day = f
        .svc
        .analytics(&f.admin, from, to, Bucket::Day)
        .await
        .unwrap();
    assert_eq!(
        (day.from, day.to, day.bucket),
        (from, to, Some(Bucket::Day))
    );
    assert_eq!(
        day.appointments,
        vec![
            point(mar(27, 0, 0), [1, 0, 0, 1]),
            point(mar(29, 0, 0), [3, 1, 0, 0]),
            point(mar(30, 0, 0), [1, 1, 0, 1]),
            point(mar(31, 0, 0), [1, 0, 1, 0]),
            point(mar(32, 0, 0), [1, 0, 0, 1]),
        ]
    );
    assert_eq!(day.completion_rate, Some(0.75));
    assert_eq!(
        day.active_users_by_role,
        vec![(Role::Admin, 1), (Role::Doctor, 1), (Role::Patient, 3)]
    );
    assert_eq!(
        day.logins_per_day,
        vec![
            CountPoint {
                bucket: mar(29, 0, 0),
                count: 1
            },
            CountPoint {
                bucket: mar(30, 0, 0),
                count: 2
            },
            CountPoint {
                bucket: mar(31, 0, 0),
                count: 1
            },
        ]
    );
    let usd = Currency("USD".into());
    assert_eq!(
        day.revenue_per_month,
        vec![
            RevenuePoint {
                month: mar(1, 0, 0),
                currency: usd.clone(),
                amount_minor: 12990
            },
            RevenuePoint {
                month: mar(32, 0, 0),
                currency: usd.clone(),
                amount_minor: 12990
            },
        ]
    );

    let week = f
        .svc
        .analytics(&f.admin, from, to, Bucket::Week)
        .await
        .unwrap();
    assert_eq!(
        week.appointments,
        vec![
            point(mar(23, 0, 0), [4, 1, 0, 1]),
            point(mar(30, 0, 0), [3, 1, 1, 2]),
        ]
    );
    let month = f
        .svc
        .analytics(&f.admin, from, to, Bucket::Month)
        .await
        .unwrap();
    assert_eq!(
        month.appointments,
        vec![
            point(mar(1, 0, 0), [6, 2, 1, 2]),
            point(mar(32, 0, 0), [1, 0, 0, 1]),
        ]
    );
    assert_eq!(month.completion_rate, Some(0.75));

    // `to` is exclusive: D (starting 1 April) and its payment fall outside.
    let narrow = f
        .svc
        .analytics(&f.admin, mar(30, 0, 0), mar(32, 0, 0), Bucket::Week)
        .await
        .unwrap();
    assert_eq!(
        narrow.appointments,
        vec![point(mar(30, 0, 0), [2, 1, 1, 1])]
    );
    assert_eq!(narrow.completion_rate, Some(0.5));
    assert_eq!(narrow.revenue_per_month, vec![]);
    let quiet = f
        .svc
        .analytics(&f.admin, mar(2, 0, 0), mar(3, 0, 0), Bucket::Day)
        .await
        .unwrap();
    assert!(quiet.appointments.is_empty() && quiet.logins_per_day.is_empty());
    assert_eq!(quiet.completion_rate, None);

    let csv = f
        .svc
        .export_analytics_csv(
            &f.admin,
            from,
            to,
            Bucket::Week,
            AnalyticsSeries::Appointments,
        )
        .await
        .unwrap();
    assert_eq!(
        csv,
        "bucket,booked,cancelled,no_show,completed\r\n2026-03-23,4,1,0,1\r\n2026-03-30,3,1,1,2\r\n"
    );
    let csv = f
        .svc
        .export_analytics_csv(&f.admin, from, to, Bucket::Day, AnalyticsSeries::Revenue)
        .await
        .unwrap();
    assert_eq!(
        csv,
        "month,currency,amount_minor,amount\r\n2026-03,USD,12990,129.90\r\n2026-04,USD,12990,129.90\r\n"
    );

    // Validation and access.
    let field = |e: Error| e.field_errors().first().map(|f| f.field.clone());
    let err = f
        .svc
        .analytics(&f.admin, to, from, Bucket::Day)
        .await
        .unwrap_err();
    assert_eq!(field(err).as_deref(), Some("to"));
    let err = f
        .svc
        .analytics(&f.admin, from, from + Duration::days(367), Bucket::Month)
        .await
        .unwrap_err();
    assert_eq!(field(err).as_deref(), Some("to"));
    for who in [&d.actor, &p1.actor] {
        assert!(matches!(
            f.svc.analytics(who, from, to, Bucket::Day).await,
            Err(Error::Forbidden(_))
        ));
        assert!(matches!(
            f.svc
                .export_analytics_csv(who, from, to, Bucket::Day, AnalyticsSeries::Logins)
                .await,
            Err(Error::Forbidden(_))
        ));
    }
}
