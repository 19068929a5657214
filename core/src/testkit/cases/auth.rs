use std::sync::Arc;

use chrono::Duration;

use crate::error::Error;
use crate::identity::{Role, UserStatus};
use crate::service::Registration;
use crate::store::Store;
use crate::testkit::fixture::{Fixture, PASSWORD};

fn reg(name: &str, email: &str, role: Option<Role>) -> Registration {
    Registration {
        name: name.into(),
        email: email.into(),
        password: PASSWORD.into(),
        role,
        ..Default::default()
    }
}

/// Self-registration: patients get a chart, doctors wait for approval, admin is refused,
/// emails are unique case-insensitively, weak passwords are refused naming the field.
pub async fn register_roles_and_login(store: Arc<dyn Store>) {
    let f = Fixture::new(store).await;
    let p = f
        .svc
        .register(reg("Pat Doe", "Pat@Mail.test", None))
        .await
        .unwrap();
    assert_eq!(p.role, Role::Patient);
    assert_eq!(p.status, UserStatus::Active);
    assert_eq!(p.email, "pat@mail.test");
    let chart = p
        .patient_id
        .expect("a patient registration creates a chart");
    let pa = f
        .svc
        .authenticate(
            &f.svc
                .login("PAT@mail.test", PASSWORD)
                .await
                .unwrap()
                .access_token,
        )
        .await
        .unwrap();
    assert_eq!(pa.patient_id, Some(chart));
    assert_eq!(
        f.svc.get_patient(&pa, chart).await.unwrap().user_id,
        Some(p.id)
    );

    let dup = f
        .svc
        .register(reg("Other", "pat@MAIL.test", None))
        .await
        .unwrap_err();
    assert!(matches!(dup, Error::Conflict { .. }), "{dup:?}");

    let admin = f
        .svc
        .register(reg("Mallory", "mallory@mail.test", Some(Role::Admin)))
        .await
        .unwrap_err();
    assert_eq!(admin.field_errors()[0].field, "role");

    let weak = Registration {
        password: "password".into(),
        ..reg("Weak", "weak@mail.test", None)
    };
    let err = f.svc.register(weak).await.unwrap_err();
    assert!(
        err.field_errors().iter().any(|e| e.field == "password"),
        "{err:?}"
    );
    let bad_email = f
        .svc
        .register(reg("X", "not-an-email", None))
        .await
        .unwrap_err();
    assert!(bad_email.field_errors().iter().any(|e| e.field == "email"));

    let d = f
        .svc
        .register(reg("Dr Who", "who@clinic.test", Some(Role::Doctor)))
        .await
        .unwrap();
    assert_eq!(d.status, UserStatus::PendingApproval);
    let pending = f.svc.login("who@clinic.test", PASSWORD).await.unwrap_err();
    assert!(
        matches!(pending, Error::Unauthenticated(ref m) if m.contains("approval")),
        "{pending:?}"
    );
    f.svc.approve_user(&f.admin, d.id).await.unwrap();
    let tokens = f.svc.login("who@clinic.test", PASSWORD).await.unwrap();
    let actor = f.svc.authenticate(&tokens.access_token).await.unwrap();
    assert_eq!(actor.role, Role::Doctor);
    assert_eq!(f.svc.me(&actor).await.unwrap().id, d.id);

    let c = f
        .svc
        .register(reg("Carol Care", "carol@mail.test", Some(Role::Caregiver)))
        .await
        .unwrap();
    assert_eq!((c.status, c.patient_id), (UserStatus::Active, None));
}

/// An unknown email and a wrong password give the same error, and both are audited.
pub async fn login_does_not_reveal_unknown_email(store: Arc<dyn Store>) {
    let f = Fixture::new(store).await;
    f.patient("Pat Doe").await;
    let unknown = f.svc.login("nobody@mail.test", PASSWORD).await.unwrap_err();
    let wrong = f
        .svc
        .login("pat.doe@mail.test", "wrong password entirely")
        .await
        .unwrap_err();
    assert_eq!(unknown.to_string(), wrong.to_string());
    assert!(matches!(unknown, Error::Unauthenticated(_)));
    let log = f
        .svc
        .audit_log(&f.admin, &Default::default(), Default::default())
        .await
        .unwrap();
    let denied_logins = log
        .iter()
        .filter(|e| {
            e.event.action == "auth.login" && e.event.outcome == crate::audit::Outcome::Denied
        })
        .count();
    assert_eq!(denied_logins, 2);
}

/// Each refresh spends the presented token; replaying a spent token revokes the family, so
/// even the newest token of that family stops working.
pub async fn refresh_rotates_and_reuse_revokes_family(store: Arc<dyn Store>) {
    let f = Fixture::new(store).await;
    f.patient("Pat Doe").await;
    let t1 = f.svc.login("pat.doe@mail.test", PASSWORD).await.unwrap();
    let other_session = f.svc.login("pat.doe@mail.test", PASSWORD).await.unwrap();
    let t2 = f.svc.refresh(&t1.refresh_token).await.unwrap();
    assert_ne!(t1.refresh_token, t2.refresh_token);
    f.svc.authenticate(&t2.access_token).await.unwrap();
    let t3 = f.svc.refresh(&t2.refresh_token).await.unwrap();

    let reuse = f.svc.refresh(&t1.refresh_token).await.unwrap_err();
    assert!(
        matches!(reuse, Error::Unauthenticated(ref m) if m.contains("reuse")),
        "{reuse:?}"
    );
    assert!(
        f.svc.refresh(&t3.refresh_token).await.is_err(),
        "the family is revoked"
    );
    // Another login's family is untouched.
    f.svc.refresh(&other_session.refresh_token).await.unwrap();

    // Expiry.
    let t4 = f.svc.login("pat.doe@mail.test", PASSWORD).await.unwrap();
    f.clock
        .advance(f.svc.config().refresh_ttl + Duration::seconds(1));
    assert!(f.svc.refresh(&t4.refresh_token).await.is_err());
    assert!(f.svc.refresh("not-a-token").await.is_err());
}

/// The same refresh token presented twice at once: at most one exchange succeeds.
pub async fn concurrent_refresh_at_most_one_wins(store: Arc<dyn Store>) {
    let f = Arc::new(Fixture::new(store).await);
    f.patient("Pat Doe").await;
    for _ in 0..5 {
        let t = f.svc.login("pat.doe@mail.test", PASSWORD).await.unwrap();
        let tasks: Vec<_> = (0..8)
            .map(|_| {
                let (f, tok) = (f.clone(), t.refresh_token.clone());
                tokio::spawn(async move { f.svc.refresh(&tok).await.is_ok() })
            })
            .collect();
        let mut wins = 0;
        for task in tasks {
            wins += usize::from(task.await.unwrap());
        }
        assert!(
            wins <= 1,
            "{wins} concurrent refreshes of one token succeeded"
        );
    }
}

/// Logout revokes the session; the access token of an inactive user stops working.
pub async fn logout_revokes_session(store: Arc<dyn Store>) {
    let f = Fixture::new(store).await;
    f.patient("Pat Doe").await;
    let t = f.svc.login("pat.doe@mail.test", PASSWORD).await.unwrap();
    let t2 = f.svc.refresh(&t.refresh_token).await.unwrap();
    f.svc.logout(&t2.refresh_token).await.unwrap();
    assert!(f.svc.refresh(&t2.refresh_token).await.is_err());
    f.svc.logout(&t2.refresh_token).await.unwrap(); // idempotent
    f.svc.logout("unknown").await.unwrap();
    // Access tokens are short-lived: 15 minutes by default.
    f.clock.advance(Duration::minutes(16));
    assert!(matches!(
        f.svc.authenticate(&t2.access_token).await,
        Err(Error::Unauthenticated(_))
    ));
}

/// A reset token works once, lapses after 30 minutes, and revokes every session.
pub async fn password_reset_is_single_use_and_revokes_sessions(store: Arc<dyn Store>) {
    let f = Fixture::new(store).await;
    f.patient("Pat Doe").await;
    let session = f.svc.login("pat.doe@mail.test", PASSWORD).await.unwrap();
    assert_eq!(
        f.svc
            .request_password_reset("nobody@mail.test")
            .await
            .unwrap(),
        None
    );
    let token = f
        .svc
        .request_password_reset("pat.doe@mail.test")
        .await
        .unwrap()
        .expect("token for a known email");
    let weak = f
        .svc
        .confirm_password_reset(&token, "short")
        .await
        .unwrap_err();
    assert_eq!(weak.field_errors()[0].field, "password");
    let new_pw = "a brand new passphrase here";
    f.svc.confirm_password_reset(&token, new_pw).await.unwrap();
    assert!(
        f.svc
            .confirm_password_reset(&token, "yet another passphrase now")
            .await
            .is_err(),
        "single use"
    );
    assert!(
        f.svc.refresh(&session.refresh_token).await.is_err(),
        "sessions revoked"
    );
    assert!(f.svc.login("pat.doe@mail.test", PASSWORD).await.is_err());
    f.svc.login("pat.doe@mail.test", new_pw).await.unwrap();

    let late = f
        .svc
        .request_password_reset("pat.doe@mail.test")
        .await
        .unwrap()
        .unwrap();
    f.clock.advance(Duration::minutes(31));
    assert!(
        f.svc
            .confirm_password_reset(&late, "another fine passphrase")
            .await
            .is_err(),
        "expired"
    );
}

/// A deactivated user can neither log in, refresh, nor use a live access token.
pub async fn deactivated_user_is_locked_out(store: Arc<dyn Store>) {
    let f = Fixture::new(store).await;
    let p = f.patient("Pat Doe").await;
    let t = f.svc.login("pat.doe@mail.test", PASSWORD).await.unwrap();
    let change = crate::service::UserUpdate {
        status: Some(UserStatus::Deactivated),
        ..Default::default()
    };
    f.svc
        .update_user(&f.admin, p.user.id, change)
        .await
        .unwrap();
    assert!(f.svc.login("pat.doe@mail.test", PASSWORD).await.is_err());
    assert!(f.svc.refresh(&t.refresh_token).await.is_err());
    assert!(f.svc.authenticate(&t.access_token).await.is_err());
    let me = crate::service::UserUpdate {
        status: Some(UserStatus::Deactivated),
        ..Default::default()
    };
    let err = f
        .svc
        .update_user(&f.admin, f.admin.user_id, me)
        .await
        .unwrap_err();
    assert_eq!(err.field_errors()[0].field, "status");
}
