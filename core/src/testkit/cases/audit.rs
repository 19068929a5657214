use std::sync::Arc;

use crate::audit::Outcome;
use crate::error::Error;
use crate::store::{AuditFilter, Page, Store};
use crate::testkit::fixture::Fixture;

/// After a day of activity the chain verifies; reads, writes and refusals are all recorded;
/// only admins read or verify it.
pub async fn audit_chain_verifies_and_records_denials(store: Arc<dyn Store>) {
    let f = Fixture::new(store).await;
    let d = f.doctor("Dr Grey").await;
    let p = f.patient("Pat Doe").await;
    let q = f.patient("Quinn Roe").await;
    let a = f.confirmed(&d, &p, f.at(0, 10, 0)).await;
    f.svc.get_appointment(&p.actor, a.id).await.unwrap();
    assert!(f.svc.get_patient(&q.actor, p.chart).await.is_err());
    let _ = f
        .svc
        .book(&q.actor, f.request(d.user.id, q.chart, f.at(0, 10, 0), 30))
        .await
        .unwrap_err();

    let report = f.svc.verify_audit(&f.admin).await.unwrap();
    assert!(report.ok, "{report:?}");
    assert!(report.entries_checked >= 10, "{report:?}");
    assert!(matches!(
        f.svc.verify_audit(&d.actor).await,
        Err(Error::Forbidden(_))
    ));

    let about_p = AuditFilter {
        patient_id: Some(p.chart),
        ..Default::default()
    };
    let log = f
        .svc
        .audit_log(&f.admin, &about_p, Page::first(200))
        .await
        .unwrap();
    let has = |action: &str, outcome: Outcome| {
        log.iter()
            .any(|e| e.event.action == action && e.event.outcome == outcome)
    };
    assert!(has("appointment.book", Outcome::Allowed));
    assert!(has("appointment.confirm", Outcome::Allowed));
    assert!(has("appointment.read", Outcome::Allowed));
    assert!(
        has("patient.read", Outcome::Denied),
        "the IDOR attempt is recorded"
    );
    assert!(
        log.windows(2).all(|w| w[0].event.at >= w[1].event.at),
        "newest first"
    );
    let failed = AuditFilter {
        actor: Some(q.user.id),
        action_prefix: Some("appointment.".into()),
        ..Default::default()
    };
    let q_log = f
        .svc
        .audit_log(&f.admin, &failed, Page::first(50))
        .await
        .unwrap();
    assert!(q_log.iter().any(|e| e.event.outcome == Outcome::Failed
        && e.event
            .detail
            .as_deref()
            .is_some_and(|d| d.contains("conflict"))));
    assert!(q_log
        .iter()
        .all(|e| e.event.actor == Some(q.user.id) && e.event.action.starts_with("appointment.")));

    // Every chain as stored is gap-free and linked.
    let chains = f.svc.store().audit_chains().await.unwrap();
    assert!(!chains.is_empty());
    let mut total = 0;
    for id in &chains {
        let chain = f.svc.store().audit_chain(*id, 0, 10_000).await.unwrap();
        assert_eq!(chain.first().map(|e| e.seq), Some(1));
        assert!(chain.iter().all(|e| e.chain == *id));
        assert!(chain
            .windows(2)
            .all(|w| w[1].seq == w[0].seq + 1 && w[1].prev_hash == w[0].hash));
        total += chain.len();
    }
    assert!(
        total as u64 > report.entries_checked,
        "reads after the verification were audited too"
    );
    // Paging from the middle of the longest chain returns exactly its tail.
    let mut longest = Vec::new();
    for id in &chains {
        let c = f.svc.store().audit_chain(*id, 0, 10_000).await.unwrap();
        if c.len() > longest.len() {
            longest = c;
        }
    }
    assert!(
        longest.len() >= 2,
        "ten writes leave some chain with two entries"
    );
    let (id, len) = (longest[0].chain, longest.len() as u64);
    let tail = f.svc.store().audit_chain(id, len - 2, 10).await.unwrap();
    assert_eq!(tail, longest[longest.len() - 2..].to_vec());
    // No secret ever lands in the log.
    let everything = f
        .svc
        .audit_log(&f.admin, &AuditFilter::default(), Page::first(500))
        .await
        .unwrap();
    let text = serde_json::to_string(&everything).unwrap();
    assert!(!text.contains(crate::testkit::fixture::PASSWORD) && !text.contains("$argon2id$"));
}

/// Notifications are listed newest first, counted and marked read per user.
pub async fn notifications_list_and_mark_read(store: Arc<dyn Store>) {
    let f = Fixture::new(store).await;
    let d = f.doctor("Dr Grey").await;
    let p = f.patient("Pat Doe").await;
    let q = f.patient("Quinn Roe").await;
    assert_eq!(
        f.svc.mark_read(&d.actor, None).await.unwrap(),
        1,
        "the approval notice"
    );
    let a = f.confirmed(&d, &p, f.at(0, 10, 0)).await;
    f.confirmed(&d, &q, f.at(0, 11, 0)).await;
    assert_eq!(f.svc.unread_count(&d.actor).await.unwrap(), 4);
    let list = f
        .svc
        .notifications(&d.actor, true, Page::default())
        .await
        .unwrap();
    assert_eq!(list.len(), 4);
    assert!(list.windows(2).all(|w| w[0].created_at >= w[1].created_at));
    assert!(list.iter().all(|n| n.user_id == d.user.id));
    // Marking someone else's notification does nothing.
    assert_eq!(
        f.svc
            .mark_read(&q.actor, Some(&[list[0].id]))
            .await
            .unwrap(),
        0
    );
    assert_eq!(
        f.svc
            .mark_read(&d.actor, Some(&[list[0].id]))
            .await
            .unwrap(),
        1
    );
    assert_eq!(f.svc.unread_count(&d.actor).await.unwrap(), 3);
    assert_eq!(
        f.svc
            .notifications(&d.actor, true, Page::default())
            .await
            .unwrap()
            .len(),
        3
    );
    assert_eq!(f.svc.mark_read(&d.actor, None).await.unwrap(), 3);
    assert_eq!(f.svc.unread_count(&d.actor).await.unwrap(), 0);
    assert_eq!(
        f.svc
            .notifications(&d.actor, false, Page::first(1))
            .await
            .unwrap()
            .len(),
        1
    );
    let _ = a;
}
