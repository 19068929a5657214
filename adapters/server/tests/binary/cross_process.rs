//! Two `medsync-server` processes on one database: a WebSocket on process 2 receives the
//! notifications that requests to process 1 raise for its user, and no other user's socket
//! does. Once over PostgreSQL (`DATABASE_URL`), once over MongoDB (`MONGODB_URL`), each on a
//! fresh database; skipped (prints "skipped") without one, except under CI.

use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::time::Duration as StdDuration;

use chrono::{DateTime, Datelike as _, Duration, NaiveTime, TimeZone as _, Utc};
use chrono_tz::America::New_York;
use futures::StreamExt as _;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use tokio::io::{AsyncBufReadExt as _, AsyncRead, BufReader};
use tokio::process::Child;
use tokio_tungstenite::tungstenite::client::IntoClientRequest as _;
use tokio_tungstenite::tungstenite::Message;

use super::server;

const SECRET: &str = "cross-process-test-secret-0123456789-abcdefghij";
const ADMIN_EMAIL: &str = "admin@clinic.example";
const PASSWORD: &str = "plum kettle orbit lantern";

type Socket =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// One running server process.
struct Process {
    child: Child,
    /// `http://127.0.0.1:<port>`.
    base: String,
    /// What it wrote to stderr so far (shown when an assertion about it fails).
    log: Arc<Mutex<Vec<String>>>,
}

/// Collects `from`'s lines into `into` until it closes (so the child never blocks on a full
/// pipe, and never writes to a closed one).
fn drain(from: impl AsyncRead + Unpin + Send + 'static, into: Option<Arc<Mutex<Vec<String>>>>) {
    tokio::spawn(async move {
        let mut lines = BufReader::new(from).lines();
        while let Ok(Some(line)) = lines.next_line().await {
            if let Some(into) = &into {
                into.lock().expect("log").push(line);
            }
        }
    });
}

impl Process {
    /// Starts `medsync-server` on `database_url` (and MongoDB database `mongo_db`) with a
    /// shared JWT secret and first admin; returns once it listens.
    async fn start(database_url: &str, mongo_db: Option<&str>) -> Process {
        let mut cmd = server(&["--bind", "127.0.0.1:0", "--no-rate-limit"]);
        cmd.env("DATABASE_URL", database_url)
            .env("MEDSYNC_JWT_SECRET", SECRET)
            .env("MEDSYNC_ADMIN_EMAIL", ADMIN_EMAIL)
            .env("MEDSYNC_ADMIN_PASSWORD", PASSWORD)
            .stdin(Stdio::null());
        match mongo_db {
            Some(db) => cmd.env("MEDSYNC_MONGO_DB", db),
            None => cmd.env_remove("MEDSYNC_MONGO_DB"),
        };
        let mut child = cmd.spawn().expect("spawn medsync-server");
        let log = Arc::new(Mutex::new(Vec::new()));
        drain(child.stderr.take().expect("stderr"), Some(log.clone()));
        let mut lines = BufReader::new(child.stdout.take().expect("stdout")).lines();
        let listening = async {
            while let Some(line) = lines.next_line().await.expect("read stdout") {
                if let Some(rest) = line.strip_prefix("listening on ") {
                    return Some(rest.split_whitespace().next().expect("url").to_owned());
                }
            }
            None
        };
        let base = tokio::time::timeout(StdDuration::from_secs(60), listening)
            .await
            .expect("listening within 60 s");
        let Some(base) = base else {
            let status = child.wait().await.expect("wait");
            tokio::time::sleep(StdDuration::from_millis(200)).await; // let stderr drain
            panic!(
                "medsync-server exited before listening ({status}): {:?}",
                log.lock().expect("log")
            );
        };
        drain(lines.into_inner(), None);
        Process { child, base, log }
    }

    fn stderr(&self) -> String {
        self.log.lock().expect("log").join("\n")
    }
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

async fn call(p: &Process, method: Method, path: &str, token: Option<&str>, body: Value) -> Reply {
    let mut req = reqwest::Client::new()
        .request(method, format!("{}{path}", p.base))
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

async fn login(p: &Process, email: &str) -> Account {
    let r = call(
        p,
        Method::POST,
        "/api/auth/login",
        None,
        json!({ "email": email, "password": PASSWORD }),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let token = r.body["access_token"].as_str().expect("token").to_owned();
    let me = call(p, Method::GET, "/api/auth/me", Some(&token), Value::Null).await;
    assert_eq!(me.status, 200, "{}", me.text);
    Account {
        id: me.body["id"].as_str().expect("id").to_owned(),
        token,
    }
}

async fn register(p: &Process, body: Value) -> Reply {
    let r = call(p, Method::POST, "/api/auth/register", None, body).await;
    assert_eq!(r.status, 201, "{}", r.text);
    r
}

async fn patient(p: &Process, email: &str) -> Account {
    register(
        p,
        json!({ "name": "Pat Doe", "email": email, "password": PASSWORD }),
    )
    .await;
    login(p, email).await
}

/// A doctor, approved by the admin, available on weekdays 09:00–17:00 New York time.
async fn doctor(p: &Process, email: &str) -> Account {
    let r = register(
        p,
        json!({ "name": "Dr Who", "email": email, "password": PASSWORD,
                "role": "doctor", "specialization": "General practice" }),
    )
    .await;
    let id = r.body["id"].as_str().expect("id").to_owned();
    let admin = login(p, ADMIN_EMAIL).await;
    let r = call(
        p,
        Method::PATCH,
        &format!("/api/admin/users/{id}"),
        Some(&admin.token),
        json!({ "status": "active" }),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let doctor = login(p, email).await;
    let weekly: Vec<Value> = ["monday", "tuesday", "wednesday", "thursday", "friday"]
        .iter()
        .map(|d| json!({ "day": d, "start": "09:00", "end": "17:00" }))
        .collect();
    let r = call(
        p,
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

/// Books `at` .. `at + 30 min` for `patient` with `doctor`; returns the appointment id.
async fn book(p: &Process, patient: &Account, doctor: &Account, at: DateTime<Utc>) -> String {
    let fmt = |t: DateTime<Utc>| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    let r = call(
        p,
        Method::POST,
        "/api/appointments",
        Some(&patient.token),
        json!({ "doctor_id": doctor.id, "start": fmt(at),
                "end": fmt(at + Duration::minutes(30)), "reason": "check-up" }),
    )
    .await;
    assert_eq!(r.status, 201, "{}", r.text);
    r.body["id"].as_str().expect("id").to_owned()
}

/// `hh:00` New York time on the Monday at least two days from now, in UTC.
fn next_monday_at(hour: u32) -> DateTime<Utc> {
    let mut day = Utc::now().with_timezone(&New_York).date_naive() + Duration::days(2);
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

/// A notification socket on `p`, authenticated by header or by `access_token` query.
async fn connect(p: &Process, account: &Account, by_header: bool) -> Socket {
    let ws = p.base.replacen("http://", "ws://", 1);
    let url = if by_header {
        format!("{ws}/api/notifications/ws")
    } else {
        format!("{ws}/api/notifications/ws?access_token={}", account.token)
    };
    let mut req = url.into_client_request().expect("request");
    if by_header {
        req.headers_mut().insert(
            "authorization",
            format!("Bearer {}", account.token).parse().expect("header"),
        );
    }
    tokio_tungstenite::connect_async(req)
        .await
        .expect("WebSocket upgrade")
        .0
}

/// The next JSON text frame on a socket of `p` (fails after 30 s rather than hanging).
async fn next_json(p: &Process, ws: &mut Socket) -> Value {
    let next = async {
        loop {
            let msg = ws.next().await.expect("socket open").expect("frame");
            if let Message::Text(t) = msg {
                return serde_json::from_str::<Value>(&t).expect("JSON");
            }
        }
    };
    match tokio::time::timeout(StdDuration::from_secs(30), next).await {
        Ok(v) => v,
        Err(_) => panic!(
            "no notification within 30 s; its server said:\n{}",
            p.stderr()
        ),
    }
}

/// `url` (a `scheme://authority/db?query` connection string) naming database `name`.
fn with_database(url: &str, name: &str) -> String {
    let (base, query) = url
        .split_once('?')
        .map_or((url, None), |(b, q)| (b, Some(q)));
    let (scheme, rest) = base.split_once("://").expect("a URL with a scheme");
    let authority = rest.split('/').next().unwrap_or_default();
    match query {
        Some(q) => format!("{scheme}://{authority}/{name}?{q}"),
        None => format!("{scheme}://{authority}/{name}"),
    }
}

/// Starts process 1 then process 2 on one database and checks live delivery between them.
async fn two_processes(database_url: &str, mongo_db: Option<&str>) {
    let one = Process::start(database_url, mongo_db).await;
    let two = Process::start(database_url, mongo_db).await;

    let doctor = doctor(&one, "live-doc@clinic.example").await;
    let pat = patient(&one, "live-pat@mail.example").await;
    let other = patient(&two, "live-other@mail.example").await;
    let mut doctor_ws = connect(&two, &doctor, true).await;
    let mut pat_ws = connect(&two, &pat, false).await;
    let mut other_ws = connect(&two, &other, true).await;

    // Booked through process 1: process 2 pushes the request to the doctor.
    let ten = next_monday_at(10);
    let appt = book(&one, &pat, &doctor, ten).await;
    let n = next_json(&two, &mut doctor_ws).await;
    assert_eq!(n["kind"], "appointment_booked", "{n}");
    assert_eq!(n["user_id"], doctor.id.as_str(), "{n}");
    assert_eq!(n["data"]["appointment_id"], appt.as_str(), "{n}");

    // Confirmed by the doctor through process 1: process 2 pushes it to the patient.
    let r = call(
        &one,
        Method::POST,
        &format!("/api/appointments/{appt}/confirm"),
        Some(&doctor.token),
        json!({}),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let n = next_json(&two, &mut pat_ws).await;
    assert_eq!(n["kind"], "appointment_confirmed", "{n}");
    assert_eq!(n["user_id"], pat.id.as_str(), "{n}");
    assert_eq!(n["data"]["appointment_id"], appt.as_str(), "{n}");
    assert_eq!(n["data"]["status"], "confirmed", "{n}");
    let stored = call(
        &one,
        Method::GET,
        "/api/notifications",
        Some(&pat.token),
        Value::Null,
    )
    .await;
    assert_eq!(stored.status, 200, "{}", stored.text);
    assert!(
        stored.text.contains(n["id"].as_str().expect("id")),
        "pushed {n}, stored {}",
        stored.text
    );

    // The other patient books through process 2, the doctor cancels through process 1: the
    // other patient's first frame is their own cancellation, so neither earlier notification
    // reached their socket.
    let other_appt = book(&two, &other, &doctor, ten + Duration::hours(1)).await;
    let r = call(
        &one,
        Method::DELETE,
        &format!("/api/appointments/{other_appt}"),
        Some(&doctor.token),
        json!({ "reason": "clinic closed" }),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let n = next_json(&two, &mut other_ws).await;
    assert_eq!(n["kind"], "appointment_cancelled", "{n}");
    assert_eq!(n["user_id"], other.id.as_str(), "{n}");
    assert_eq!(n["data"]["appointment_id"], other_appt.as_str(), "{n}");
    let n = next_json(&two, &mut doctor_ws).await;
    assert_eq!(n["kind"], "appointment_booked", "{n}");
    assert_eq!(n["data"]["appointment_id"], other_appt.as_str(), "{n}");

    for mut ws in [doctor_ws, pat_ws, other_ws] {
        ws.close(None).await.ok();
    }
    for mut p in [one, two] {
        p.child.kill().await.expect("kill");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_processes_push_each_others_notifications() {
    let Some(url) = medsync_storage_postgres::testing::database_url() else {
        println!("skipped: DATABASE_URL is not set");
        return;
    };
    // A fresh, migrated database from the storage crate's template; the servers use it by name.
    let store = medsync_storage_postgres::testing::fresh_postgres_store_with(1)
        .await
        .expect("a test database");
    let name = store
        .pool()
        .connect_options()
        .get_database()
        .expect("database name")
        .to_owned();
    store.pool().close().await;
    two_processes(&with_database(&url, &name), None).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mongo_processes_push_each_others_notifications() {
    let Some(url) = medsync_storage_mongo::testing::mongodb_url() else {
        println!("skipped: MONGODB_URL is not set");
        return;
    };
    // A fresh database (replica set ready, indexes created), dropped at the end.
    let store = medsync_storage_mongo::testing::fresh_mongo_store()
        .await
        .expect("a test database");
    let name = store.database().name().to_owned();
    two_processes(&url, Some(&name)).await;
    store.database().drop().await.ok();
}
