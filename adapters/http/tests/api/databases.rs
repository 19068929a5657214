//! The HTTP API over the real database backends: the journey and the booking race, once
//! over PostgreSQL and once over MongoDB, and (in [`live`]) live notifications pushed across
//! two servers sharing one database. Each test skips (prints "skipped") when its database is
//! not configured (`DATABASE_URL` / `MONGODB_URL`), except under CI.

mod live;

use std::net::SocketAddr;
use std::sync::Arc;

use chrono::{DateTime, Datelike as _, Duration, NaiveTime, TimeZone as _, Utc};
use chrono_tz::America::New_York;
use futures::future::join_all;
use medsync_core::auth::Argon2Hasher;
use medsync_core::clock::{Clock as _, ManualClock};
use medsync_core::notify::Notifier;
use medsync_core::store::{FileStore, Store};
use medsync_core::MedSync;
use medsync_http::live::{self as live_source, LiveNotifications};
use medsync_http::{AppState, BlockingHasher, HttpConfig, RateLimitConfig};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

const SECRET: &[u8] = b"db-http-tests-secret-0123456789-abcdefghijklmnop";
const PASSWORD: &str = "plum kettle orbit lantern";
const ADMIN_EMAIL: &str = "admin@clinic.example";

/// A running server over one backend.
struct Server {
    base: String,
    addr: SocketAddr,
    client: reqwest::Client,
    clock: Arc<ManualClock>,
}

/// A response, read.
struct Reply {
    status: StatusCode,
    body: Value,
    text: String,
}

/// A logged-in user.
struct Account {
    id: String,
    token: String,
}

/// A manual clock at the current second.
fn new_clock() -> Arc<ManualClock> {
    let now = Utc::now();
    Arc::new(ManualClock::new(
        now - Duration::nanoseconds(i64::from(now.timestamp_subsec_nanos())),
    ))
}

/// Starts the router over `store` (also its file store) with `notifier`, a manual clock, a
/// bootstrapped admin and no live notifications.
async fn start(
    store: Arc<dyn Store>,
    files: Arc<dyn FileStore>,
    notifier: Arc<dyn Notifier>,
) -> Server {
    start_with(store, files, notifier, live_source::none(), new_clock()).await
}

/// Starts the router over `store` with `notifier`, WebSockets fed by `live`, `clock` and a
/// bootstrapped admin (kept if the database already has it).
async fn start_with(
    store: Arc<dyn Store>,
    files: Arc<dyn FileStore>,
    notifier: Arc<dyn Notifier>,
    live: Arc<dyn LiveNotifications>,
    clock: Arc<ManualClock>,
) -> Server {
    let hasher = BlockingHasher::new(Argon2Hasher::with_params(1024, 1, 1).expect("params"));
    let svc = MedSync::builder(store, SECRET.to_vec())
        .notifier(notifier)
        .hasher(Arc::new(hasher))
        .files(files)
        .clock(clock.clone())
        .build()
        .expect("service");
    svc.bootstrap_admin(ADMIN_EMAIL, "Ada Admin", PASSWORD)
        .await
        .expect("admin");
    let config = HttpConfig {
        rate_limit: RateLimitConfig::disabled(),
        ..HttpConfig::default()
    };
    let state = AppState::new(svc, live, config);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    let app = medsync_http::router(state).into_make_service_with_connect_info::<SocketAddr>();
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    Server {
        base: format!("http://{addr}"),
        addr,
        client: reqwest::Client::new(),
        clock,
    }
}

async fn postgres_server() -> Option<Server> {
    let store = medsync_storage_postgres::testing::fresh_postgres_store_with(24).await?;
    let notifier = medsync_storage_postgres::PgNotifier::new(store.pool().clone());
    let store = Arc::new(store);
    Some(start(store.clone(), store, Arc::new(notifier)).await)
}

async fn mongo_server() -> Option<Server> {
    let store = medsync_storage_mongo::testing::fresh_mongo_store().await?;
    let notifier = store.notifier();
    let store = Arc::new(store);
    Some(start(store.clone(), store, Arc::new(notifier)).await)
}

impl Server {
    async fn call(&self, method: Method, path: &str, token: Option<&str>, body: Value) -> Reply {
        let mut req = self
            .client
            .request(method, format!("{}{path}", self.base))
            .json(&body);
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        let res = req.send().await.expect("request");
        let status = res.status();
        let text = res.text().await.unwrap_or_default();
        let body = serde_json::from_str(&text).unwrap_or(Value::Null);
        Reply { status, body, text }
    }

    async fn get(&self, path: &str, token: &str) -> Reply {
        let res = self
            .client
            .get(format!("{}{path}", self.base))
            .bearer_auth(token)
            .send()
            .await
            .expect("request");
        let status = res.status();
        let text = res.text().await.unwrap_or_default();
        let body = serde_json::from_str(&text).unwrap_or(Value::Null);
        Reply { status, body, text }
    }

    async fn post(&self, path: &str, token: Option<&str>, body: Value) -> Reply {
        self.call(Method::POST, path, token, body).await
    }

    async fn session(&self, email: &str) -> Account {
        let r = self
            .post(
                "/api/auth/login",
                None,
                json!({ "email": email, "password": PASSWORD }),
            )
            .await;
        assert_eq!(r.status, 200, "{}", r.text);
        let token = r.body["access_token"].as_str().expect("token").to_owned();
        let me = self.get("/api/auth/me", &token).await;
        assert_eq!(me.status, 200, "{}", me.text);
        Account {
            id: me.body["id"].as_str().expect("id").to_owned(),
            token,
        }
    }

    async fn patient(&self, email: String) -> Account {
        let r = self
            .post(
                "/api/auth/register",
                None,
                json!({ "name": format!("Patient {email}"), "email": email, "password": PASSWORD }),
            )
            .await;
        assert_eq!(r.status, 201, "{}", r.text);
        self.session(&email).await
    }

    /// Registers a doctor, has the admin approve them and sets weekday availability.
    async fn doctor(&self, email: &str) -> Account {
        let r = self
            .post(
                "/api/auth/register",
                None,
                json!({ "name": "Dr Who", "email": email, "password": PASSWORD,
                        "role": "doctor", "specialization": "General practice" }),
            )
            .await;
        assert_eq!(r.status, 201, "{}", r.text);
        assert_eq!(r.body["status"], "pending_approval", "{}", r.text);
        let id = r.body["id"].as_str().expect("id").to_owned();
        let admin = self.session(ADMIN_EMAIL).await;
        let r = self
            .call(
                Method::PATCH,
                &format!("/api/admin/users/{id}"),
                Some(&admin.token),
                json!({ "status": "active" }),
            )
            .await;
        assert_eq!(r.status, 200, "{}", r.text);
        let doctor = self.session(email).await;
        assert_eq!(doctor.id, id);
        let weekly: Vec<Value> = ["monday", "tuesday", "wednesday", "thursday", "friday"]
            .iter()
            .map(|d| json!({ "day": d, "start": "09:00", "end": "17:00" }))
            .collect();
        let r = self
            .call(
                Method::PUT,
                &format!("/api/doctors/{id}/availability"),
                Some(&doctor.token),
                json!({ "timezone": "America/New_York", "weekly": weekly,
                        "slot_minutes": 30, "buffer_minutes": 0 }),
            )
            .await;
        assert_eq!(r.status, 200, "{}", r.text);
        doctor
    }

    async fn book(&self, patient: &Account, doctor: &Account, slot: (&str, &str)) -> Reply {
        self.post(
            "/api/appointments",
            Some(&patient.token),
            json!({ "doctor_id": doctor.id, "start": slot.0, "end": slot.1, "reason": "check-up" }),
        )
        .await
    }
}

/// `hh:00` New York time on the Monday at least two days after `now`, in UTC.
fn next_monday_at(now: DateTime<Utc>, hour: u32) -> DateTime<Utc> {
    let mut day = now.with_timezone(&New_York).date_naive() + Duration::days(2);
    while day.weekday() != chrono::Weekday::Mon {
        day += Duration::days(1);
    }
    let local = day.and_time(NaiveTime::from_hms_opt(hour, 0, 0).expect("time"));
    New_York
        .from_local_datetime(&local)
        .single()
        .expect("unambiguous")
        .with_timezone(&Utc)
}

fn rfc3339(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

/// Admin approval, availability, fee, booking, confirmation, completion and the invoice.
async fn journey(s: &Server) {
    let doctor = s.doctor("journey-doc@clinic.example").await;
    let admin = s.session(ADMIN_EMAIL).await;
    let r = s
        .call(
            Method::PUT,
            &format!("/api/doctors/{}/fees/consultation", doctor.id),
            Some(&admin.token),
            json!({ "amount_minor": 12_000, "currency": "USD", "tax_rate_bp": 500 }),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);

    let patient = s.patient("journey-pat@mail.example".to_owned()).await;
    let from = next_monday_at(s.clock.now(), 0);
    let r = s
        .get(
            &format!(
                "/api/doctors/{}/slots?from={}&to={}",
                doctor.id,
                rfc3339(from),
                rfc3339(from + Duration::days(1))
            ),
            &patient.token,
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let slots = r.body.as_array().expect("slots");
    assert_eq!(slots.len(), 16, "{}", r.text);
    let (start, end) = (
        slots[2]["start"].as_str().expect("start").to_owned(),
        slots[2]["end"].as_str().expect("end").to_owned(),
    );

    let r = s.book(&patient, &doctor, (&start, &end)).await;
    assert_eq!(r.status, 201, "{}", r.text);
    assert_eq!(r.body["status"], "pending");
    let appt = r.body["id"].as_str().expect("id").to_owned();

    let r = s
        .post(
            &format!("/api/appointments/{appt}/confirm"),
            Some(&patient.token),
            json!({}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["status"], "confirmed");

    // Into the visit: fresh tokens, then the doctor completes it.
    let start: DateTime<Utc> = start.parse().expect("rfc3339");
    s.clock.set(start + Duration::minutes(35));
    let doctor = s.session("journey-doc@clinic.example").await;
    let patient = s.session("journey-pat@mail.example").await;
    let r = s
        .post(
            &format!("/api/appointments/{appt}/complete"),
            Some(&doctor.token),
            json!({}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["status"], "completed");

    let r = s
        .get(&format!("/api/appointments/{appt}/invoice"), &patient.token)
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["appointment_id"], appt.as_str());
    assert_eq!(r.body["total_minor"], 12_600, "{}", r.text);
}

/// 50 patients book the same slot at once: one 201, 49 409.
async fn booking_race(s: &Server) {
    let doctor = s.doctor("race@clinic.example").await;
    let patients = join_all((0..50).map(|i| s.patient(format!("racer{i}@mail.example")))).await;
    let start = next_monday_at(s.clock.now(), 9);
    let (start, end) = (rfc3339(start), rfc3339(start + Duration::minutes(30)));

    let replies = join_all(patients.iter().map(|p| s.book(p, &doctor, (&start, &end)))).await;
    let statuses: Vec<u16> = replies.iter().map(|r| r.status.as_u16()).collect();
    let winners = statuses.iter().filter(|&&c| c == 201).count();
    let losers = statuses.iter().filter(|&&c| c == 409).count();
    assert_eq!((winners, losers), (1, 49), "{statuses:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn postgres_journey() {
    let Some(s) = postgres_server().await else {
        println!("skipped: DATABASE_URL is not set");
        return;
    };
    journey(&s).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn postgres_booking_race() {
    let Some(s) = postgres_server().await else {
        println!("skipped: DATABASE_URL is not set");
        return;
    };
    booking_race(&s).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn mongo_journey() {
    let Some(s) = mongo_server().await else {
        println!("skipped: MONGODB_URL is not set");
        return;
    };
    journey(&s).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn mongo_booking_race() {
    let Some(s) = mongo_server().await else {
        println!("skipped: MONGODB_URL is not set");
        return;
    };
    booking_race(&s).await;
}
