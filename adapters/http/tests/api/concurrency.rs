//! Races through the HTTP layer.

use chrono::Utc;
use futures::future::join_all;

use crate::support::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn fifty_concurrent_bookings_of_one_slot_have_one_winner() {
    let s = start().await;
    let doctor = s.doctor("race@clinic.example").await;
    let patients =
        join_all((0..50).map(|i| s.patient_owned(format!("racer{i}@mail.example")))).await;
    let slot = monday_slot(Utc::now(), 9);

    let replies = join_all(patients.iter().map(|p| s.book(p, &doctor, slot))).await;

    let winners: Vec<_> = replies.iter().filter(|r| r.status == 201).collect();
    let losers: Vec<_> = replies.iter().filter(|r| r.status == 409).collect();
    assert_eq!(
        winners.len(),
        1,
        "{:?}",
        replies.iter().map(|r| r.status).collect::<Vec<_>>()
    );
    assert_eq!(losers.len(), 49);
    let winner_id = winners[0].body["id"].as_str().unwrap();
    for l in losers {
        l.assert_problem(409);
        assert_eq!(l.body["blocking_id"], winner_id, "{}", l.text);
    }
}

impl Server {
    /// [`Server::patient`] with an owned email (for `join_all`).
    async fn patient_owned(&self, email: String) -> Account {
        self.patient(&email).await
    }
}
