//! Caller-supplied text is only ever a typed value in a filter: operator-shaped JSON and
//! regular-expression metacharacters match literally.

use crate::support::{chart, event, user};
use medsync_core::identity::Role;
use medsync_core::store::{Page, PatientFilter, PatientStore, UserFilter, UserStore};
use medsync_storage_mongo::testing;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn operator_shaped_and_regex_input_is_matched_literally() {
    let Some(s) = testing::fresh_mongo_store().await else {
        eprintln!("skipped: no database configured (run scripts/test)");
        return;
    };
    let mut alice = user(1, "alice@example.org", Role::Doctor);
    alice.name = "Alice (A.) Smith".into();
    s.create_user(&alice, None, &event("user.create"))
        .await
        .unwrap();
    s.create_user(
        &user(2, "bob@example.org", Role::Nurse),
        None,
        &event("user.create"),
    )
    .await
    .unwrap();

    // An email lookup with an operator document as text finds nothing.
    for probe in [r#"{"$gt": ""}"#, r#"{"$ne": null}"#, "$where", ".*", "^a"] {
        assert_eq!(s.user_by_email(probe).await.unwrap(), None, "{probe}");
    }
    let taken = user(3, r#"{"$gt": ""}"#, Role::Patient);
    s.create_user(&taken, None, &event("user.create"))
        .await
        .unwrap();
    assert_eq!(
        s.user_by_email(r#"{"$gt": ""}"#)
            .await
            .unwrap()
            .map(|u| u.id),
        Some(taken.id),
        "the odd string is an ordinary value"
    );

    let list = |q: &str| {
        let f = UserFilter {
            query: Some(q.to_owned()),
            ..Default::default()
        };
        let s = s.clone();
        async move {
            s.list_users(&f, Page::default())
                .await
                .unwrap()
                .into_iter()
                .map(|u| u.id)
                .collect::<Vec<_>>()
        }
    };
    assert_eq!(list(".*").await, vec![], "regex wildcards are literal");
    assert_eq!(
        list("$").await,
        vec![taken.id],
        "only the email containing a dollar"
    );
    assert_eq!(
        list("(a.)").await,
        vec![alice.id],
        "parentheses and dots are literal"
    );
    assert_eq!(
        list("ALICE (").await,
        vec![alice.id],
        "case-insensitive, unbalanced ok"
    );
    assert_eq!(list("[").await, vec![], "an invalid pattern is just text");
    assert_eq!(list("\\").await, vec![]);
    assert_eq!(list("").await.len(), 3, "empty matches everything");

    s.create_patient(&chart(1, "Zoë Ünal", "MRN-A.1"), &event("chart.create"))
        .await
        .unwrap();
    s.create_patient(&chart(2, "Zed", "MRN-AX1"), &event("chart.create"))
        .await
        .unwrap();
    let f = PatientFilter {
        query: Some("a.1".into()),
        ..Default::default()
    };
    let names: Vec<_> = s
        .list_patients(&f, Page::default())
        .await
        .unwrap()
        .into_iter()
        .map(|p| p.name)
        .collect();
    assert_eq!(names, vec!["Zoë Ünal"], "the dot does not match X");
}
