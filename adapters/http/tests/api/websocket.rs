//! The live notification WebSocket.

use std::time::Duration;

use chrono::Utc;
use futures::StreamExt as _;
use serde_json::{json, Value};
use tokio_tungstenite::tungstenite::client::IntoClientRequest as _;
use tokio_tungstenite::tungstenite::{self, Message};

use crate::support::*;

type Socket =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

async fn connect_with_header(s: &Server, token: &str) -> Result<Socket, tungstenite::Error> {
    let mut req = format!("ws://{}/api/notifications/ws", s.addr)
        .into_client_request()
        .unwrap();
    req.headers_mut()
        .insert("authorization", format!("Bearer {token}").parse().unwrap());
    tokio_tungstenite::connect_async(req)
        .await
        .map(|(ws, _)| ws)
}

async fn connect_with_query(s: &Server, token: &str) -> Result<Socket, tungstenite::Error> {
    let url = format!("ws://{}/api/notifications/ws?access_token={token}", s.addr);
    tokio_tungstenite::connect_async(url)
        .await
        .map(|(ws, _)| ws)
}

/// The next JSON text frame (fails after 10 s rather than hanging).
async fn next_json(ws: &mut Socket) -> Value {
    loop {
        let msg = tokio::time::timeout(Duration::from_secs(10), ws.next())
            .await
            .expect("a message within 10 s")
            .expect("socket open")
            .expect("frame");
        if let Message::Text(t) = msg {
            return serde_json::from_str(&t).expect("JSON");
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pushes_each_users_own_notifications() {
    let s = start().await;
    let doctor = s.doctor("ws-doc@clinic.example").await;
    let patient = s.patient("ws-pat@mail.example").await;
    let mut doctor_ws = connect_with_header(&s, &doctor.token)
        .await
        .expect("doctor connects");
    let mut patient_ws = connect_with_query(&s, &patient.token)
        .await
        .expect("patient connects");

    // Booking after connecting reaches the doctor.
    let r = s.book(&patient, &doctor, monday_slot(Utc::now(), 16)).await;
    assert_eq!(r.status, 201, "{}", r.text);
    let appt = r.body["id"].as_str().unwrap().to_owned();
    let n = next_json(&mut doctor_ws).await;
    assert_eq!(n["kind"], "appointment_booked", "{n}");
    assert_eq!(n["user_id"], doctor.id.as_str());
    assert_eq!(n["data"]["appointment_id"], appt.as_str());
    assert!(n["id"].is_string() && n["created_at"].is_string());

    // The doctor cancels: the patient's first frame is their own cancellation notice, not the
    // doctor's booking notice.
    let r = s
        .call(
            reqwest::Method::DELETE,
            &format!("/api/appointments/{appt}"),
            Some(&doctor.token),
            Some(json!({ "reason": "sick" })),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let n = next_json(&mut patient_ws).await;
    assert_eq!(n["kind"], "appointment_cancelled", "{n}");
    assert_eq!(n["user_id"], patient.id.as_str());
    doctor_ws.close(None).await.ok();
    patient_ws.close(None).await.ok();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_tokens_are_refused_before_the_upgrade() {
    let s = start().await;
    for attempt in [
        connect_with_header(&s, "not-a-token").await,
        connect_with_query(&s, "not-a-token").await,
        tokio_tungstenite::connect_async(format!("ws://{}/api/notifications/ws", s.addr))
            .await
            .map(|(ws, _)| ws),
    ] {
        match attempt {
            Err(tungstenite::Error::Http(res)) => assert_eq!(res.status(), 401),
            Err(other) => panic!("expected an HTTP 401, got {other:?}"),
            Ok(_) => panic!("upgrade must be refused"),
        }
    }
}
