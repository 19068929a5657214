//! Live notifications across servers: two routers (two `AppState`s), each with its own store
//! connection to one database and its own notification hub, wired as `medsync-server` wires
//! them (`adapters/server/src/backend.rs`). A patient's WebSocket on server B receives what
//! an action on server A raises for them, and nobody else's socket does.

use std::sync::Arc;
use std::time::Duration as StdDuration;

use chrono::Duration;
use futures::StreamExt as _;
use medsync_core::clock::Clock as _;
use medsync_core::notify::Notifier;
use medsync_core::store::{FileStore, Store};
use medsync_http::live::{self, LiveNotifications};
use medsync_storage_mongo::MongoStore;
use medsync_storage_postgres::{PgNotifier, PostgresStore};
use reqwest::Method;
use serde_json::{json, Value};
use tokio::sync::broadcast;
use tokio_tungstenite::tungstenite::client::IntoClientRequest as _;
use tokio_tungstenite::tungstenite::Message;

use super::{new_clock, next_monday_at, rfc3339, start_with, Account, Server};

type Socket =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// One server's storage and notification plumbing.
struct Wiring {
    store: Arc<dyn Store>,
    files: Arc<dyn FileStore>,
    notifier: Arc<dyn Notifier>,
    live: Arc<dyn LiveNotifications>,
}

/// As `medsync-server` over PostgreSQL: `PgNotifier` on the store's pool, one `LISTEN`
/// subscription (open before the server starts) fanned out through a broadcast channel.
async fn postgres_wiring(store: PostgresStore) -> Wiring {
    let notifier = PgNotifier::new(store.pool().clone());
    let (tx, _) = broadcast::channel(1024);
    let hub = tx.clone();
    let mut sub = notifier.subscribe().await.expect("LISTEN");
    tokio::spawn(async move {
        while let Some(n) = sub.recv().await {
            let _ = hub.send(n);
        }
    });
    Wiring {
        store: Arc::new(store.clone()),
        files: Arc::new(store),
        notifier: Arc::new(notifier),
        live: live::from_broadcast(move || tx.subscribe()),
    }
}

/// As `medsync-server` over MongoDB: the store's notifier, one change stream (open before the
/// server starts) fanned out through a broadcast channel.
async fn mongo_wiring(store: MongoStore) -> Wiring {
    let notifier = store.notifier();
    let (tx, _) = broadcast::channel(1024);
    let hub = tx.clone();
    let mut stream = notifier.subscribe().await.expect("change stream");
    tokio::spawn(async move {
        while let Some(Ok(n)) = stream.next().await {
            let _ = hub.send(n);
        }
    });
    Wiring {
        store: Arc::new(store.clone()),
        files: Arc::new(store),
        notifier: Arc::new(notifier),
        live: live::from_broadcast(move || tx.subscribe()),
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

/// Two servers on one fresh PostgreSQL database, each with its own pool and hub.
async fn postgres_pair() -> Option<(Server, Server)> {
    let first = medsync_storage_postgres::testing::fresh_postgres_store_with(10).await?;
    let options = first.pool().connect_options();
    let name = options.get_database().expect("database name");
    let url = medsync_storage_postgres::testing::database_url().expect("DATABASE_URL");
    let second = PostgresStore::connect(&with_database(&url, name))
        .await
        .expect("second connection to the test database");
    second.migrate().await.expect("migrations");
    let clock = new_clock();
    let w = postgres_wiring(first).await;
    let a = start_with(w.store, w.files, w.notifier, w.live, clock.clone()).await;
    let w = postgres_wiring(second).await;
    let b = start_with(w.store, w.files, w.notifier, w.live, clock).await;
    Some((a, b))
}

/// Two servers on one fresh MongoDB database, each with its own client and change stream.
async fn mongo_pair() -> Option<(Server, Server)> {
    let first = medsync_storage_mongo::testing::fresh_mongo_store().await?;
    let url = medsync_storage_mongo::testing::mongodb_url().expect("MONGODB_URL");
    let second = MongoStore::connect(&url, first.database().name())
        .await
        .expect("second client on the test database");
    let clock = new_clock();
    let w = mongo_wiring(first).await;
    let a = start_with(w.store, w.files, w.notifier, w.live, clock.clone()).await;
    let w = mongo_wiring(second).await;
    let b = start_with(w.store, w.files, w.notifier, w.live, clock).await;
    Some((a, b))
}

/// A notification socket on `s`, authenticated by header or by `access_token` query.
async fn connect(s: &Server, account: &Account, by_header: bool) -> Socket {
    let url = if by_header {
        format!("ws://{}/api/notifications/ws", s.addr)
    } else {
        format!(
            "ws://{}/api/notifications/ws?access_token={}",
            s.addr, account.token
        )
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

/// The next JSON text frame (fails after 20 s rather than hanging).
async fn next_json(ws: &mut Socket) -> Value {
    loop {
        let msg = tokio::time::timeout(StdDuration::from_secs(20), ws.next())
            .await
            .expect("a notification within 20 s")
            .expect("socket open")
            .expect("frame");
        if let Message::Text(t) = msg {
            return serde_json::from_str(&t).expect("JSON");
        }
    }
}

/// Actions on server A (and B) reach the right sockets on server B, and only them.
async fn pushes_across_servers(a: &Server, b: &Server) {
    let doctor = a.doctor("live-doc@clinic.example").await;
    let patient = a.patient("live-pat@mail.example".to_owned()).await;
    let other = b.patient("live-other@mail.example".to_owned()).await;
    let mut doctor_ws = connect(b, &doctor, true).await;
    let mut patient_ws = connect(b, &patient, false).await;
    let mut other_ws = connect(b, &other, true).await;

    // The patient books on A: B pushes the request to the doctor.
    let ten = next_monday_at(a.clock.now(), 10);
    let (start, end) = (rfc3339(ten), rfc3339(ten + Duration::minutes(30)));
    let r = a.book(&patient, &doctor, (&start, &end)).await;
    assert_eq!(r.status, 201, "{}", r.text);
    let appt = r.body["id"].as_str().expect("id").to_owned();
    let n = next_json(&mut doctor_ws).await;
    assert_eq!(n["kind"], "appointment_booked", "{n}");
    assert_eq!(n["user_id"], doctor.id.as_str(), "{n}");
    assert_eq!(n["data"]["appointment_id"], appt.as_str(), "{n}");

    // The doctor confirms on A: B pushes the confirmation to the patient.
    let r = a
        .post(
            &format!("/api/appointments/{appt}/confirm"),
            Some(&doctor.token),
            json!({}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["status"], "confirmed", "{}", r.text);
    let n = next_json(&mut patient_ws).await;
    assert_eq!(n["kind"], "appointment_confirmed", "{n}");
    assert_eq!(n["user_id"], patient.id.as_str(), "{n}");
    assert_eq!(n["data"]["appointment_id"], appt.as_str(), "{n}");
    assert_eq!(n["data"]["status"], "confirmed", "{n}");
    assert!(n["read_at"].is_null(), "{n}");
    // It is the notification A stored.
    let stored = a.get("/api/notifications", &patient.token).await;
    assert_eq!(stored.status, 200, "{}", stored.text);
    assert!(
        stored.text.contains(n["id"].as_str().expect("id")),
        "pushed {n}, stored {}",
        stored.text
    );

    // The other patient books on B and the doctor cancels on A. That patient's first frame
    // is their own cancellation: neither earlier notification reached their socket, though
    // B's hub had already fanned both out.
    let eleven = ten + Duration::hours(1);
    let (start, end) = (rfc3339(eleven), rfc3339(eleven + Duration::minutes(30)));
    let r = b.book(&other, &doctor, (&start, &end)).await;
    assert_eq!(r.status, 201, "{}", r.text);
    let other_appt = r.body["id"].as_str().expect("id").to_owned();
    let r = a
        .call(
            Method::DELETE,
            &format!("/api/appointments/{other_appt}"),
            Some(&doctor.token),
            json!({ "reason": "clinic closed" }),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let n = next_json(&mut other_ws).await;
    assert_eq!(n["kind"], "appointment_cancelled", "{n}");
    assert_eq!(n["user_id"], other.id.as_str(), "{n}");
    assert_eq!(n["data"]["appointment_id"], other_appt.as_str(), "{n}");
    // And the doctor's next frame is the second booking, not the confirmation they made.
    let n = next_json(&mut doctor_ws).await;
    assert_eq!(n["kind"], "appointment_booked", "{n}");
    assert_eq!(n["data"]["appointment_id"], other_appt.as_str(), "{n}");

    for mut ws in [doctor_ws, patient_ws, other_ws] {
        ws.close(None).await.ok();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn postgres_notifications_reach_another_servers_websockets() {
    let Some((a, b)) = postgres_pair().await else {
        println!("skipped: DATABASE_URL is not set");
        return;
    };
    pushes_across_servers(&a, &b).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn mongo_notifications_reach_another_servers_websockets() {
    let Some((a, b)) = mongo_pair().await else {
        println!("skipped: MONGODB_URL is not set");
        return;
    };
    pushes_across_servers(&a, &b).await;
}
