//! The test server and request helpers.

use std::net::SocketAddr;
use std::sync::Arc;

use async_trait::async_trait;
use chrono::{DateTime, Datelike as _, Duration, NaiveTime, TimeZone as _, Utc};
use chrono_tz::America::New_York;
use medsync_core::auth::Argon2Hasher;
use medsync_core::clock::ManualClock;
use medsync_core::MedSync;
use medsync_http::live;
use medsync_http::{AppState, BlockingHasher, HttpConfig, RateLimitConfig, ResetMailer};
use medsync_storage_memory::{BroadcastNotifier, MemoryStore};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use tokio::sync::{mpsc, Mutex};

pub const SECRET: &[u8] = b"http-tests-secret-0123456789-abcdefghijklmnop";
pub const PASSWORD: &str = "plum kettle orbit lantern";
pub const ADMIN_EMAIL: &str = "admin@clinic.example";

/// A running server.
pub struct Server {
    pub base: String,
    pub addr: SocketAddr,
    pub client: reqwest::Client,
    pub clock: Option<Arc<ManualClock>>,
    pub mails: Mutex<mpsc::UnboundedReceiver<(String, String)>>,
}

/// How to start one.
#[derive(Default)]
pub struct Options {
    pub config: Option<HttpConfig>,
    pub manual_clock: bool,
}

struct CapturingMailer(mpsc::UnboundedSender<(String, String)>);

#[async_trait]
impl ResetMailer for CapturingMailer {
    async fn send_reset(&self, email: &str, token: &str) {
        let _ = self.0.send((email.to_owned(), token.to_owned()));
    }
}

/// Test settings: rate limiting off.
pub fn quiet_config() -> HttpConfig {
    HttpConfig {
        rate_limit: RateLimitConfig::disabled(),
        ..HttpConfig::default()
    }
}

pub async fn start() -> Server {
    start_with(Options::default()).await
}

pub async fn start_with(opts: Options) -> Server {
    let store = MemoryStore::new();
    let notifier = BroadcastNotifier::new();
    let hasher = BlockingHasher::new(Argon2Hasher::with_params(1024, 1, 1).expect("params"));
    let mut builder = MedSync::builder(Arc::new(store.clone()), SECRET.to_vec())
        .notifier(Arc::new(notifier.clone()))
        .hasher(Arc::new(hasher))
        .files(Arc::new(store));
    let clock = opts.manual_clock.then(|| {
        let now = Utc::now();
        Arc::new(ManualClock::new(
            now - Duration::nanoseconds(i64::from(now.timestamp_subsec_nanos())),
        ))
    });
    if let Some(c) = &clock {
        builder = builder.clock(c.clone());
    }
    let svc = builder.build().expect("service");
    svc.bootstrap_admin(ADMIN_EMAIL, "Ada Admin", PASSWORD)
        .await
        .expect("admin");
    let (tx, rx) = mpsc::unbounded_channel();
    let state = AppState::new(
        svc.clone(),
        live::from_broadcast(move || notifier.subscribe()),
        opts.config.unwrap_or_else(quiet_config),
    )
    .with_reset_mailer(Arc::new(CapturingMailer(tx)));
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
        mails: Mutex::new(rx),
    }
}

/// A logged-in user.
#[derive(Debug, Clone)]
pub struct Account {
    pub id: String,
    pub email: String,
    pub token: String,
    pub refresh: String,
    pub patient_id: Option<String>,
}

/// A response, read.
#[derive(Debug)]
pub struct Reply {
    pub status: StatusCode,
    pub headers: reqwest::header::HeaderMap,
    pub body: Value,
    pub text: String,
}

impl Reply {
    pub fn content_type(&self) -> &str {
        self.headers
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// The fields named by a 422 problem.
    pub fn fields(&self) -> Vec<String> {
        self.body["errors"]
            .as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|e| e["field"].as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default()
    }

    /// Asserts a problem+json with `status`.
    #[track_caller]
    pub fn assert_problem(&self, status: u16) {
        assert_eq!(self.status.as_u16(), status, "{}", self.text);
        assert!(
            self.content_type().starts_with("application/problem+json"),
            "{:?}",
            self.headers
        );
        assert_eq!(self.body["status"], status, "{}", self.text);
        assert!(self.body["type"].is_string() && self.body["title"].is_string());
        assert!(self.body["detail"].is_string());
    }
}

impl Server {
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// Sends `method path` with an optional bearer token and JSON body.
    pub async fn call(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> Reply {
        let mut req = self.client.request(method, self.url(path));
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        if let Some(b) = body {
            req = req.json(&b);
        }
        read(req.send().await.expect("request")).await
    }

    pub async fn get(&self, path: &str, token: &str) -> Reply {
        self.call(Method::GET, path, Some(token), None).await
    }

    pub async fn post(&self, path: &str, token: Option<&str>, body: Value) -> Reply {
        self.call(Method::POST, path, token, Some(body)).await
    }

    pub async fn login(&self, email: &str, password: &str) -> Reply {
        self.post(
            "/api/auth/login",
            None,
            json!({ "email": email, "password": password }),
        )
        .await
    }

    /// Logs in and returns the account.
    pub async fn session(&self, email: &str) -> Account {
        let r = self.login(email, PASSWORD).await;
        assert_eq!(r.status, 200, "{}", r.text);
        let token = r.body["access_token"].as_str().expect("token").to_owned();
        let refresh = r.body["refresh_token"]
            .as_str()
            .expect("refresh")
            .to_owned();
        let me = self.get("/api/auth/me", &token).await;
        assert_eq!(me.status, 200, "{}", me.text);
        Account {
            id: me.body["id"].as_str().expect("id").to_owned(),
            email: email.to_owned(),
            token,
            refresh,
            patient_id: me.body["patient_id"].as_str().map(str::to_owned),
        }
    }

    pub async fn admin(&self) -> Account {
        self.session(ADMIN_EMAIL).await
    }

    /// Registers and logs in a patient.
    pub async fn patient(&self, email: &str) -> Account {
        let r = self
            .post(
                "/api/auth/register",
                None,
                json!({ "name": format!("Patient {email}"), "email": email, "password": PASSWORD }),
            )
            .await;
        assert_eq!(r.status, 201, "{}", r.text);
        self.session(email).await
    }

    /// Registers a doctor, has the admin approve them, logs them in and sets weekday
    /// availability 09:00–17:00 New York time, 30-minute slots, no buffer.
    pub async fn doctor(&self, email: &str) -> Account {
        let r = self
            .post(
                "/api/auth/register",
                None,
                json!({ "name": "Dr Who", "email": email, "password": PASSWORD,
                        "role": "doctor", "specialization": "General practice" }),
            )
            .await;
        assert_eq!(r.status, 201, "{}", r.text);
        let id = r.body["id"].as_str().expect("id").to_owned();
        let admin = self.admin().await;
        let r = self
            .call(
                Method::PATCH,
                &format!("/api/admin/users/{id}"),
                Some(&admin.token),
                Some(json!({ "status": "active" })),
            )
            .await;
        assert_eq!(r.status, 200, "{}", r.text);
        let doctor = self.session(email).await;
        let r = self
            .call(
                Method::PUT,
                &format!("/api/doctors/{id}/availability"),
                Some(&doctor.token),
                Some(weekdays()),
            )
            .await;
        assert_eq!(r.status, 200, "{}", r.text);
        doctor
    }

    /// Books `slot` for `patient` with `doctor`.
    pub async fn book(
        &self,
        patient: &Account,
        doctor: &Account,
        slot: (DateTime<Utc>, DateTime<Utc>),
    ) -> Reply {
        self.post(
            "/api/appointments",
            Some(&patient.token),
            json!({ "doctor_id": doctor.id, "start": slot.0, "end": slot.1, "reason": "check-up" }),
        )
        .await
    }

    /// The next reset token the mailer received.
    pub async fn next_mail(&self) -> (String, String) {
        let mut rx = self.mails.lock().await;
        tokio::time::timeout(std::time::Duration::from_secs(10), rx.recv())
            .await
            .expect("a reset mail within 10 s")
            .expect("mailer open")
    }
}

pub async fn read(res: reqwest::Response) -> Reply {
    let status = res.status();
    let headers = res.headers().clone();
    let text = res.text().await.unwrap_or_default();
    let body = serde_json::from_str(&text).unwrap_or(Value::Null);
    Reply {
        status,
        headers,
        body,
        text,
    }
}

/// Weekday availability 09:00–17:00 New York time, 30-minute slots.
pub fn weekdays() -> Value {
    let weekly: Vec<Value> = ["monday", "tuesday", "wednesday", "thursday", "friday"]
        .iter()
        .map(|d| json!({ "day": d, "start": "09:00", "end": "17:00" }))
        .collect();
    json!({ "timezone": "America/New_York", "weekly": weekly, "slot_minutes": 30, "buffer_minutes": 0 })
}

/// `hh:mm` New York time on the Monday at least two days after `now`, in UTC.
pub fn next_monday_at(now: DateTime<Utc>, hour: u32, minute: u32) -> DateTime<Utc> {
    let today = now.with_timezone(&New_York).date_naive();
    let mut day = today + Duration::days(2);
    while day.weekday() != chrono::Weekday::Mon {
        day += Duration::days(1);
    }
    let local = day.and_time(NaiveTime::from_hms_opt(hour, minute, 0).expect("time"));
    New_York
        .from_local_datetime(&local)
        .single()
        .expect("unambiguous")
        .with_timezone(&Utc)
}

/// A 30-minute slot next Monday at `hour`:00 New York time.
pub fn monday_slot(now: DateTime<Utc>, hour: u32) -> (DateTime<Utc>, DateTime<Utc>) {
    let start = next_monday_at(now, hour, 0);
    (start, start + Duration::minutes(30))
}

pub fn rfc3339(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}
