//! mockall unit tests of the service against mocked ports.
//!
//! These pin the service's orchestration — which port is called, with what, and what is
//! never called — independently of any real backend.

use std::sync::Arc;

use async_trait::async_trait;
use chrono::{DateTime, Duration, NaiveDate, NaiveTime, TimeZone, Utc, Weekday};
use mockall::mock;
use mockall::predicate::eq;
use uuid::Uuid;

use super::{BookRequest, MedSync};
use crate::access::{BreakGlass, Grant};
use crate::analytics::{AnalyticsReport, Bucket};
use crate::audit::{AuditEntry, AuditEvent, Outcome};
use crate::auth::{Argon2Hasher, PasswordHasher, RefreshToken, ResetToken, RotateOutcome};
use crate::billing::{Fee, Invoice, MonthlyReport};
use crate::clock::ManualClock;
use crate::error::{Error, Result};
use crate::identity::{Contact, PasswordHash, Patient, Role, Sex, User, UserStatus};
use crate::ids::{
    AppointmentId, GrantId, InvoiceId, NotificationId, PatientId, PrescriptionId, RecordId,
    RefreshTokenId, UserId,
};
use crate::notify::{Notification, NotificationKind, Notifier};
use crate::policy::{Actor, Relationships};
use crate::prescriptions::{Prescription, PrescriptionStatus};
use crate::records::{MedicalRecord, RecordNote, RecordVersion};
use crate::scheduling::{
    Appointment, AppointmentStatus, Availability, WeeklyRule, DEFAULT_APPOINTMENT_TYPE,
};
use crate::store::{
    AccessStore, AnalyticsStore, AppointmentFilter, AuditFilter, AuditStore, BillingStore,
    BookOutcome, Completion, InvoiceFilter, NotificationStore, Page, PatientFilter, PatientStore,
    PrescriptionStore, RecordStore, ScheduleStore, TokenStore, UserFilter, UserStore,
};

mock! {
    pub Backend {}

    #[async_trait]
    impl UserStore for Backend {
        // Every lifetime named, in order: async_trait puts named lifetimes before the ones it
        // invents, so naming only the `Option<&Patient>` one would misalign them with the
        // trait's (mockall cannot elide a reference nested in `Option`).
        async fn create_user<'s, 'u, 'p, 'e>(
            &'s self,
            user: &'u User,
            patient: Option<&'p Patient>,
            audit: &'e AuditEvent,
        ) -> Result<()>;
        async fn user(&self, id: UserId) -> Result<Option<User>>;
        async fn user_by_email(&self, email: &str) -> Result<Option<User>>;
        async fn update_user(
            &self,
            user: &User,
            expected_version: u64,
            audit: &AuditEvent,
        ) -> Result<()>;
        async fn set_password(
            &self,
            user_id: UserId,
            hash: &PasswordHash,
            audit: &AuditEvent,
        ) -> Result<()>;
        async fn list_users(&self, filter: &UserFilter, page: Page) -> Result<Vec<User>>;
    }

    #[async_trait]
    impl PatientStore for Backend {
        async fn create_patient(&self, patient: &Patient, audit: &AuditEvent) -> Result<()>;
        async fn patient(&self, id: PatientId) -> Result<Option<Patient>>;
        async fn update_patient(
            &self,
            patient: &Patient,
            expected_version: u64,
            audit: &AuditEvent,
        ) -> Result<()>;
        async fn list_patients(&self, filter: &PatientFilter, page: Page) -> Result<Vec<Patient>>;
    }

    #[async_trait]
    impl TokenStore for Backend {
        async fn insert_refresh_token(&self, token: &RefreshToken) -> Result<()>;
        async fn rotate_refresh_token(
            &self,
            presented_hash: &str,
            next_id: RefreshTokenId,
            next_hash: &str,
            next_expires_at: DateTime<Utc>,
            now: DateTime<Utc>,
        ) -> Result<RotateOutcome>;
        async fn revoke_refresh_family(
            &self,
            token_hash: &str,
            now: DateTime<Utc>,
        ) -> Result<Option<UserId>>;
        async fn revoke_user_tokens(&self, user_id: UserId, now: DateTime<Utc>) -> Result<u64>;
        async fn insert_reset_token(&self, token: &ResetToken) -> Result<()>;
        async fn consume_reset_token(
            &self,
            token_hash: &str,
            new_hash: &PasswordHash,
            now: DateTime<Utc>,
            audit: &AuditEvent,
        ) -> Result<Option<UserId>>;
    }

    #[async_trait]
    impl ScheduleStore for Backend {
        async fn put_availability(&self, availability: &Availability, audit: &AuditEvent)
            -> Result<()>;
        async fn availability(&self, doctor_id: UserId) -> Result<Option<Availability>>;
        async fn book(
            &self,
            appointment: &Appointment,
            now: DateTime<Utc>,
            audit: &AuditEvent,
        ) -> Result<BookOutcome>;
        async fn appointment(&self, id: AppointmentId) -> Result<Option<Appointment>>;
        async fn update_appointment(
            &self,
            next: &Appointment,
            expected_version: u64,
            now: DateTime<Utc>,
            audit: &AuditEvent,
        ) -> Result<Appointment>;
        async fn list_appointments(
            &self,
            filter: &AppointmentFilter,
            page: Page,
        ) -> Result<Vec<Appointment>>;
        async fn doctor_busy(
            &self,
            doctor_id: UserId,
            from: DateTime<Utc>,
            to: DateTime<Utc>,
            now: DateTime<Utc>,
        ) -> Result<Vec<Appointment>>;
        async fn expire_holds(&self, now: DateTime<Utc>) -> Result<u64>;
    }

    #[async_trait]
    impl AccessStore for Backend {
        async fn assign_care_team(
            &self,
            patient_id: PatientId,
            member: UserId,
            audit: &AuditEvent,
        ) -> Result<()>;
        async fn unassign_care_team(
            &self,
            patient_id: PatientId,
            member: UserId,
            audit: &AuditEvent,
        ) -> Result<()>;
        async fn create_grant(&self, grant: &Grant, audit: &AuditEvent) -> Result<()>;
        async fn revoke_grant(
            &self,
            id: GrantId,
            now: DateTime<Utc>,
            audit: &AuditEvent,
        ) -> Result<Grant>;
        async fn grant(&self, id: GrantId) -> Result<Option<Grant>>;
        async fn grants_for_patient(&self, patient_id: PatientId) -> Result<Vec<Grant>>;
        async fn start_break_glass(&self, session: &BreakGlass, audit: &AuditEvent) -> Result<()>;
        async fn relationships(
            &self,
            actor: UserId,
            patient_id: PatientId,
            now: DateTime<Utc>,
        ) -> Result<Relationships>;
        async fn related_patients(&self, actor: UserId, now: DateTime<Utc>) -> Result<Vec<PatientId>>;
    }

    #[async_trait]
    impl AuditStore for Backend {
        async fn append_audit(&self, event: &AuditEvent) -> Result<AuditEntry>;
        async fn audit_chains(&self) -> Result<Vec<u32>>;
        async fn audit_chain(&self, chain: u32, after_seq: u64, limit: u32) -> Result<Vec<AuditEntry>>;
        async fn query_audit(&self, filter: &AuditFilter, page: Page) -> Result<Vec<AuditEntry>>;
    }

    #[async_trait]
    impl NotificationStore for Backend {
        async fn insert_notification(&self, notification: &Notification) -> Result<()>;
        async fn notifications(
            &self,
            user_id: UserId,
            unread_only: bool,
            page: Page,
        ) -> Result<Vec<Notification>>;
        async fn unread_count(&self, user_id: UserId) -> Result<u64>;
        async fn mark_read<'s, 'i>(
            &'s self,
            user_id: UserId,
            ids: Option<&'i [NotificationId]>,
            now: DateTime<Utc>,
        ) -> Result<u64>;
    }

    #[async_trait]
    impl RecordStore for Backend {
        async fn create_record(
            &self,
            record: &MedicalRecord,
            first: &RecordVersion,
            audit: &AuditEvent,
        ) -> Result<()>;
        async fn append_version(
            &self,
            version: &RecordVersion,
            expected_current: u64,
            audit: &AuditEvent,
        ) -> Result<MedicalRecord>;
        async fn record(&self, id: RecordId) -> Result<Option<MedicalRecord>>;
        async fn record_version(&self, id: RecordId, version: u64) -> Result<Option<RecordVersion>>;
        async fn record_history(&self, id: RecordId) -> Result<Vec<RecordVersion>>;
        async fn records_for_patient<'s, 'k>(
            &'s self,
            patient_id: PatientId,
            kind: Option<&'k str>,
        ) -> Result<Vec<(MedicalRecord, RecordVersion)>>;
        async fn add_note(&self, note: &RecordNote, audit: &AuditEvent) -> Result<()>;
        async fn notes(&self, record_id: RecordId) -> Result<Vec<RecordNote>>;
    }

    #[async_trait]
    impl PrescriptionStore for Backend {
        async fn create_prescription(
            &self,
            prescription: &Prescription,
            audit: &AuditEvent,
        ) -> Result<()>;
        async fn prescription(&self, id: PrescriptionId) -> Result<Option<Prescription>>;
        async fn prescriptions_for_patient(
            &self,
            patient_id: PatientId,
            status: Option<PrescriptionStatus>,
        ) -> Result<Vec<Prescription>>;
        async fn update_prescription(
            &self,
            next: &Prescription,
            expected_version: u64,
            audit: &AuditEvent,
        ) -> Result<()>;
    }

    #[async_trait]
    impl BillingStore for Backend {
        async fn put_fee(&self, fee: &Fee, audit: &AuditEvent) -> Result<()>;
        async fn fee(&self, doctor_id: UserId, appointment_type: &str) -> Result<Option<Fee>>;
        async fn fees(&self, doctor_id: UserId) -> Result<Vec<Fee>>;
        async fn complete_with_invoice(
            &self,
            next: &Appointment,
            expected_version: u64,
            invoice: &Invoice,
            audit: &AuditEvent,
        ) -> Result<Completion>;
        async fn invoice(&self, id: InvoiceId) -> Result<Option<Invoice>>;
        async fn invoice_for_appointment(
            &self,
            appointment_id: AppointmentId,
        ) -> Result<Option<Invoice>>;
        async fn list_invoices(&self, filter: &InvoiceFilter, page: Page) -> Result<Vec<Invoice>>;
        async fn update_invoice(
            &self,
            next: &Invoice,
            expected_version: u64,
            audit: &AuditEvent,
        ) -> Result<()>;
        async fn monthly_report(&self, month: NaiveDate) -> Result<MonthlyReport>;
    }

    #[async_trait]
    impl AnalyticsStore for Backend {
        async fn analytics(
            &self,
            from: DateTime<Utc>,
            to: DateTime<Utc>,
            bucket: Bucket,
        ) -> Result<AnalyticsReport>;
    }
}

mock! {
    pub Sink {}

    #[async_trait]
    impl Notifier for Sink {
        async fn deliver(&self, notification: &Notification) -> Result<()>;
    }
}

mock! {
    pub Hasher {}

    #[async_trait]
    impl PasswordHasher for Hasher {
        async fn hash(&self, password: &str) -> Result<PasswordHash>;
        async fn verify(&self, password: &str, hash: &PasswordHash) -> Result<bool>;
        async fn verify_dummy(&self, password: &str);
    }
}

// ---------------------------------------------------------------- fixtures

const JWT_SECRET: &[u8; 32] = b"0123456789abcdef0123456789abcdef";
const BOOK: &str = "appointment.book";

/// The pinned "now": Monday 2026-03-02 08:00 UTC.
fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 2, 8, 0, 0).unwrap()
}

fn at(hour: u32, minute: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 2, hour, minute, 0).unwrap()
}

fn build(store: MockBackend, notifier: MockSink, hasher: Arc<dyn PasswordHasher>) -> MedSync {
    MedSync::builder(Arc::new(store), JWT_SECRET.to_vec())
        .clock(Arc::new(ManualClock::new(now())))
        .hasher(hasher)
        .notifier(Arc::new(notifier))
        .build()
        .expect("valid service")
}

fn service(store: MockBackend, notifier: MockSink) -> MedSync {
    build(
        store,
        notifier,
        Arc::new(Argon2Hasher::with_params(1024, 1, 1).unwrap()),
    )
}

/// Who is who in a booking scene; ids are fixed so expectations can name them.
#[derive(Clone, Copy)]
struct Scene {
    doctor: UserId,
    patient_user: UserId,
    chart: PatientId,
}

fn scene() -> Scene {
    Scene {
        doctor: UserId(Uuid::from_u128(0xD0C)),
        patient_user: UserId(Uuid::from_u128(0xA11CE)),
        chart: PatientId(Uuid::from_u128(0xC4A27)),
    }
}

fn user(id: UserId, role: Role, email: &str) -> User {
    User {
        id,
        email: email.to_owned(),
        name: "Some One".to_owned(),
        role,
        status: UserStatus::Active,
        password_hash: PasswordHash("$argon2id$not-a-real-hash".to_owned()),
        patient_id: None,
        specialization: None,
        created_at: now() - Duration::days(30),
        updated_at: now() - Duration::days(30),
        version: 1,
    }
}

fn chart(s: Scene) -> Patient {
    Patient {
        id: s.chart,
        name: "Alice Patient".to_owned(),
        date_of_birth: None,
        sex: Sex::Female,
        contact: Contact::default(),
        mrn: "MRN-0001".to_owned(),
        user_id: Some(s.patient_user),
        archived_at: None,
        created_at: now() - Duration::days(30),
        updated_at: now() - Duration::days(30),
        version: 1,
    }
}

/// Open every day 00:00–23:59 UTC, no buffer exceptions.
fn open_all_week(doctor: UserId) -> Availability {
    let days = [
        Weekday::Mon,
        Weekday::Tue,
        Weekday::Wed,
        Weekday::Thu,
        Weekday::Fri,
        Weekday::Sat,
        Weekday::Sun,
    ];
    Availability {
        doctor_id: doctor,
        timezone: chrono_tz::UTC,
        weekly: days
            .into_iter()
            .map(|day| WeeklyRule {
                day,
                start: NaiveTime::from_hms_opt(0, 0, 0).unwrap(),
                end: NaiveTime::from_hms_opt(23, 59, 0).unwrap(),
            })
            .collect(),
        exceptions: vec![],
        slot_minutes: 30,
        buffer_minutes: 5,
    }
}

/// The patient user acting on their own chart.
fn patient_actor(s: Scene) -> Actor {
    Actor {
        user_id: s.patient_user,
        role: Role::Patient,
        patient_id: Some(s.chart),
    }
}

fn request(s: Scene) -> BookRequest {
    BookRequest {
        doctor_id: s.doctor,
        patient_id: Some(s.chart),
        start: at(10, 0),
        end: at(10, 30),
        reason: Some("check-up".to_owned()),
        appointment_type: None,
        idempotency_key: None,
    }
}

/// A stored appointment of the scene at 10:00–10:30.
fn appointment(s: Scene, status: AppointmentStatus, version: u64) -> Appointment {
    Appointment {
        id: AppointmentId(Uuid::from_u128(0xA99)),
        doctor_id: s.doctor,
        patient_id: s.chart,
        start: at(10, 0),
        end: at(10, 30),
        buffer_minutes: 5,
        appointment_type: DEFAULT_APPOINTMENT_TYPE.to_owned(),
        status,
        hold_expires_at: (status == AppointmentStatus::Pending)
            .then(|| now() + Duration::minutes(10)),
        reason: None,
        cancellation: None,
        idempotency_key: None,
        booked_by: s.patient_user,
        version,
        created_at: now() - Duration::minutes(1),
        updated_at: now() - Duration::minutes(1),
    }
}

/// What `append_audit` returns: the event chained at some position.
fn entry(event: &AuditEvent) -> AuditEntry {
    AuditEntry {
        chain: 0,
        seq: 1,
        event: event.clone(),
        prev_hash: "0".repeat(64),
        hash: "f".repeat(64),
    }
}

fn backend_error(message: &str) -> Error {
    Error::Backend {
        message: message.to_owned(),
        source: None,
    }
}

/// The reads `MedSync::book` makes before the atomic write, for the patient on their own chart.
fn expect_booking_reads(store: &mut MockBackend, s: Scene) {
    store
        .expect_relationships()
        .with(eq(s.patient_user), eq(s.chart), eq(now()))
        .times(1)
        .returning(|_, _, _| {
            Ok(Relationships {
                owner: true,
                ..Default::default()
            })
        });
    store
        .expect_user()
        .with(eq(s.doctor))
        .times(1)
        .returning(move |id| Ok(Some(user(id, Role::Doctor, "doc@example.org"))));
    store
        .expect_patient()
        .with(eq(s.chart))
        .times(1)
        .returning(move |_| Ok(Some(chart(s))));
    store
        .expect_availability()
        .with(eq(s.doctor))
        .times(1)
        .returning(|d| Ok(Some(open_all_week(d))));
}

/// `book` succeeds, storing what it was given.
fn expect_book_created(store: &mut MockBackend) {
    store
        .expect_book()
        .times(1)
        .returning(|appt, _, _| Ok(BookOutcome::Created(appt.clone())));
}

/// Nothing may be undone or re-written after the booking.
fn expect_no_rollback(store: &mut MockBackend) {
    store.expect_update_appointment().times(0);
    store.expect_append_audit().times(0);
}

// ---------------------------------------------------------------- notification is best effort

#[tokio::test]
async fn failing_notifier_never_fails_or_undoes_a_booking() {
    let s = scene();
    let mut store = MockBackend::new();
    expect_booking_reads(&mut store, s);
    expect_book_created(&mut store);
    expect_no_rollback(&mut store);
    store
        .expect_insert_notification()
        .withf(move |n| {
            n.user_id == s.doctor
                && n.kind == NotificationKind::AppointmentBooked
                && n.created_at == now()
                && n.read_at.is_none()
        })
        .times(1)
        .returning(|_| Ok(()));
    let mut notifier = MockSink::new();
    notifier
        .expect_deliver()
        .withf(move |n| n.user_id == s.doctor && n.kind == NotificationKind::AppointmentBooked)
        .times(1)
        .returning(|_| Err(backend_error("websocket hub down")));

    let svc = service(store, notifier);
    let booked = svc
        .book(&patient_actor(s), request(s))
        .await
        .expect("booking survives the notifier");

    assert_eq!(booked.doctor_id, s.doctor);
    assert_eq!(booked.patient_id, s.chart);
    assert_eq!((booked.start, booked.end), (at(10, 0), at(10, 30)));
    assert_eq!(booked.status, AppointmentStatus::Pending);
    assert_eq!(booked.hold_expires_at, Some(now() + Duration::minutes(10)));
}

#[tokio::test]
async fn failing_notification_store_neither_fails_the_booking_nor_reaches_the_notifier() {
    let s = scene();
    let mut store = MockBackend::new();
    expect_booking_reads(&mut store, s);
    expect_book_created(&mut store);
    expect_no_rollback(&mut store);
    store
        .expect_insert_notification()
        .times(1)
        .returning(|_| Err(backend_error("notifications table locked")));
    let mut notifier = MockSink::new();
    notifier.expect_deliver().times(0);

    let svc = service(store, notifier);
    let booked = svc
        .book(&patient_actor(s), request(s))
        .await
        .expect("booking survives the store");

    assert_eq!(booked.status, AppointmentStatus::Pending);
    assert_eq!(booked.doctor_id, s.doctor);
}

// ---------------------------------------------------------------- booking orchestration

#[tokio::test]
async fn storage_conflict_is_returned_unchanged_and_audited_as_failed() {
    let s = scene();
    let blocking = AppointmentId(Uuid::from_u128(0xB10C)).to_string();
    let mut store = MockBackend::new();
    expect_booking_reads(&mut store, s);
    let b = blocking.clone();
    store.expect_book().times(1).returning(move |_, _, _| {
        Err(Error::Conflict {
            message: "doctor is booked".to_owned(),
            blocking: Some(b.clone()),
        })
    });
    store
        .expect_append_audit()
        .withf(move |e| {
            e.outcome == Outcome::Failed
                && e.action == BOOK
                && e.actor == Some(s.patient_user)
                && e.patient_id == Some(s.chart)
                && e.detail
                    .as_deref()
                    .is_some_and(|d| d.contains("conflict") && d.contains("doctor is booked"))
        })
        .times(1)
        .returning(|e| Ok(entry(e)));
    store.expect_insert_notification().times(0);
    let mut notifier = MockSink::new();
    notifier.expect_deliver().times(0);

    let svc = service(store, notifier);
    let err = svc.book(&patient_actor(s), request(s)).await.unwrap_err();

    match err {
        Error::Conflict {
            message,
            blocking: got,
        } => {
            assert_eq!(message, "doctor is booked");
            assert_eq!(got, Some(blocking));
        }
        other => panic!("expected the storage conflict, got {other:?}"),
    }
}

#[tokio::test]
async fn policy_denial_never_reaches_the_write() {
    let s = scene();
    // A patient with a chart of their own, booking into someone else's chart.
    let stranger = Actor {
        user_id: UserId(Uuid::from_u128(0x5_7A9)),
        role: Role::Patient,
        patient_id: Some(PatientId(Uuid::from_u128(0x0_7E4))),
    };
    let mut store = MockBackend::new();
    store
        .expect_relationships()
        .with(eq(stranger.user_id), eq(s.chart), eq(now()))
        .times(1)
        .returning(|_, _, _| Ok(Relationships::default()));
    store
        .expect_append_audit()
        .withf(move |e| {
            e.outcome == Outcome::Denied
                && e.action == BOOK
                && e.actor == Some(stranger.user_id)
                && e.actor_role == Some(Role::Patient)
                && e.patient_id == Some(s.chart)
                && e.detail.as_deref() == Some("policy: default-deny")
        })
        .times(1)
        .returning(|e| Ok(entry(e)));
    store.expect_book().times(0);
    store.expect_user().times(0);
    store.expect_patient().times(0);
    store.expect_availability().times(0);
    store.expect_insert_notification().times(0);
    let mut notifier = MockSink::new();
    notifier.expect_deliver().times(0);

    let svc = service(store, notifier);
    let err = svc.book(&stranger, request(s)).await.unwrap_err();

    assert!(matches!(err, Error::Forbidden(_)), "{err:?}");
}

#[tokio::test]
async fn the_atomic_write_carries_the_allowed_audit_event() {
    let s = scene();
    let mut store = MockBackend::new();
    expect_booking_reads(&mut store, s);
    expect_no_rollback(&mut store);
    store
        .expect_book()
        .withf(move |appt, at_now, ev| {
            *at_now == now()
                && ev.actor == Some(s.patient_user)
                && ev.actor_role == Some(Role::Patient)
                && ev.action == BOOK
                && ev.resource_kind == "appointment"
                && ev.resource_id == Some(appt.id.to_string())
                && ev.patient_id == Some(s.chart)
                && ev.outcome == Outcome::Allowed
                && ev.at == now()
                && ev.detail.is_none()
                && appt.booked_by == s.patient_user
                && appt.version == 1
                && appt.buffer_minutes == 5
                && appt.reason.as_deref() == Some("check-up")
                && appt.appointment_type == DEFAULT_APPOINTMENT_TYPE
        })
        .times(1)
        .returning(|appt, _, _| Ok(BookOutcome::Created(appt.clone())));
    store
        .expect_insert_notification()
        .times(1)
        .returning(|_| Ok(()));
    let mut notifier = MockSink::new();
    notifier.expect_deliver().times(1).returning(|_| Ok(()));

    let svc = service(store, notifier);
    let booked = svc.book(&patient_actor(s), request(s)).await.unwrap();

    assert_eq!(booked.booked_by, s.patient_user);
    assert_eq!(booked.version, 1);
}

#[tokio::test]
async fn idempotent_replay_returns_the_existing_appointment_audited_without_notifying() {
    let s = scene();
    // The replayed request is the original one, reason included.
    let existing = Appointment {
        reason: Some("check-up".to_owned()),
        ..appointment(s, AppointmentStatus::Pending, 1)
    };
    let mut store = MockBackend::new();
    expect_booking_reads(&mut store, s);
    expect_no_rollback(&mut store);
    let e = existing.clone();
    store
        .expect_book()
        .withf(|appt, _, _| appt.idempotency_key.as_deref() == Some("retry-1"))
        .times(1)
        .returning(move |_, _, _| Ok(BookOutcome::Existing(e.clone())));
    // The store wrote nothing for the replay; the service audits it against the real id.
    let replayed = existing.id.to_string();
    store
        .expect_append_audit()
        .withf(move |e| {
            e.outcome == Outcome::Allowed
                && e.action == BOOK
                && e.resource_id.as_deref() == Some(replayed.as_str())
                && e.detail.as_deref() == Some("idempotent replay")
        })
        .times(1)
        .returning(|e| Ok(entry(e)));
    store.expect_insert_notification().times(0);
    let mut notifier = MockSink::new();
    notifier.expect_deliver().times(0);

    let svc = service(store, notifier);
    let req = BookRequest {
        idempotency_key: Some("retry-1".to_owned()),
        ..request(s)
    };
    let got = svc.book(&patient_actor(s), req).await.unwrap();

    assert_eq!(got, existing);
}

#[tokio::test]
async fn idempotency_key_reused_for_another_slot_is_a_conflict_naming_the_original() {
    let s = scene();
    // The key first booked 09:00–09:30; the retry asks for 10:00–10:30.
    let original = Appointment {
        start: at(9, 0),
        end: at(9, 30),
        ..appointment(s, AppointmentStatus::Pending, 1)
    };
    let mut store = MockBackend::new();
    expect_booking_reads(&mut store, s);
    let o = original.clone();
    store
        .expect_book()
        .times(1)
        .returning(move |_, _, _| Ok(BookOutcome::Existing(o.clone())));
    store
        .expect_append_audit()
        .withf(|e| e.outcome == Outcome::Failed && e.action == BOOK)
        .times(1)
        .returning(|e| Ok(entry(e)));
    store.expect_insert_notification().times(0);
    let mut notifier = MockSink::new();
    notifier.expect_deliver().times(0);

    let svc = service(store, notifier);
    let req = BookRequest {
        idempotency_key: Some("retry-1".to_owned()),
        ..request(s)
    };
    let err = svc.book(&patient_actor(s), req).await.unwrap_err();

    match err {
        Error::Conflict { blocking, .. } => assert_eq!(blocking, Some(original.id.to_string())),
        other => panic!("expected Conflict, got {other:?}"),
    }
}

// ---------------------------------------------------------------- lifecycle

#[tokio::test]
async fn lost_compare_and_set_on_confirm_is_passed_through_and_audited_as_failed() {
    let s = scene();
    let held = appointment(s, AppointmentStatus::Pending, 3);
    let id = held.id;
    let mut store = MockBackend::new();
    let h = held.clone();
    store
        .expect_appointment()
        .with(eq(id))
        .times(1)
        .returning(move |_| Ok(Some(h.clone())));
    store
        .expect_relationships()
        .with(eq(s.patient_user), eq(s.chart), eq(now()))
        .times(1)
        .returning(|_, _, _| {
            Ok(Relationships {
                owner: true,
                ..Default::default()
            })
        });
    store
        .expect_update_appointment()
        .withf(move |next, expected, at_now, ev| {
            next.id == id
                && next.status == AppointmentStatus::Confirmed
                && next.hold_expires_at.is_none()
                && *expected == 3
                && *at_now == now()
                && ev.action == "appointment.confirm"
                && ev.outcome == Outcome::Allowed
        })
        .times(1)
        .returning(|_, _, _, _| {
            Err(Error::PreconditionFailed {
                entity: "appointment",
                expected: 3,
                current: 4,
            })
        });
    store
        .expect_append_audit()
        .withf(move |e| {
            e.outcome == Outcome::Failed
                && e.action == "appointment.confirm"
                && e.resource_id == Some(id.to_string())
                && e.patient_id == Some(s.chart)
                && e.detail
                    .as_deref()
                    .is_some_and(|d| d.contains("precondition failed"))
        })
        .times(1)
        .returning(|e| Ok(entry(e)));
    store.expect_insert_notification().times(0);
    let mut notifier = MockSink::new();
    notifier.expect_deliver().times(0);

    let svc = service(store, notifier);
    let err = svc.confirm(&patient_actor(s), id).await.unwrap_err();

    assert!(
        matches!(
            err,
            Error::PreconditionFailed {
                entity: "appointment",
                expected: 3,
                current: 4
            }
        ),
        "{err:?}"
    );
}

// ---------------------------------------------------------------- login

#[tokio::test]
async fn unknown_email_burns_a_dummy_verify_and_fails_like_a_wrong_password() {
    // Unknown email: verify_dummy, never verify; audited anonymously as Denied.
    let mut store = MockBackend::new();
    store
        .expect_user_by_email()
        .with(eq("ghost@example.org"))
        .times(1)
        .returning(|_| Ok(None));
    store
        .expect_append_audit()
        .withf(|e| {
            e.action == "auth.login"
                && e.outcome == Outcome::Denied
                && e.actor.is_none()
                && e.detail.as_deref() == Some("unknown email")
        })
        .times(1)
        .returning(|e| Ok(entry(e)));
    store.expect_insert_refresh_token().times(0);
    let mut hasher = MockHasher::new();
    hasher
        .expect_verify_dummy()
        .with(eq("Correct-Horse-9"))
        .times(1)
        .returning(|_| ());
    hasher.expect_verify().times(0);
    hasher.expect_hash().times(0);
    let svc = build(store, MockSink::new(), Arc::new(hasher));
    let unknown = svc
        .login("  Ghost@Example.org ", "Correct-Horse-9")
        .await
        .unwrap_err();

    // Known email, wrong password: verify, never verify_dummy.
    let known = user(
        UserId(Uuid::from_u128(0xB0B)),
        Role::Patient,
        "bob@example.org",
    );
    let mut store = MockBackend::new();
    let k = known.clone();
    store
        .expect_user_by_email()
        .with(eq("bob@example.org"))
        .times(1)
        .returning(move |_| Ok(Some(k.clone())));
    store
        .expect_append_audit()
        .withf(move |e| {
            e.action == "auth.login"
                && e.outcome == Outcome::Denied
                && e.actor == Some(known.id)
                && e.detail.as_deref() == Some("wrong password")
        })
        .times(1)
        .returning(|e| Ok(entry(e)));
    store.expect_insert_refresh_token().times(0);
    let mut hasher = MockHasher::new();
    hasher
        .expect_verify()
        .withf(|pw, hash| pw == "Correct-Horse-9" && hash.0 == "$argon2id$not-a-real-hash")
        .times(1)
        .returning(|_, _| Ok(false));
    hasher.expect_verify_dummy().times(0);
    let svc = build(store, MockSink::new(), Arc::new(hasher));
    let wrong = svc
        .login("bob@example.org", "Correct-Horse-9")
        .await
        .unwrap_err();

    match (&unknown, &wrong) {
        (Error::Unauthenticated(a), Error::Unauthenticated(b)) => assert_eq!(a, b),
        other => panic!("expected two Unauthenticated errors, got {other:?}"),
    }
    assert_eq!(unknown.to_string(), wrong.to_string());
}

#[test]
fn the_builder_refuses_appointments_longer_than_stores_accept() {
    for hours in [0, 25] {
        let config = super::Config {
            max_appointment: chrono::Duration::hours(hours),
            ..super::Config::default()
        };
        let built = MedSync::builder(Arc::new(MockBackend::new()), JWT_SECRET.to_vec())
            .config(config)
            .build();
        match built {
            Err(e) => assert_eq!(e.field_errors()[0].field, "max_appointment", "{hours} h"),
            Ok(_) => panic!("{hours} h accepted"),
        }
    }
    let day = super::Config {
        max_appointment: chrono::Duration::hours(24),
        ..super::Config::default()
    };
    assert!(
        MedSync::builder(Arc::new(MockBackend::new()), JWT_SECRET.to_vec())
            .config(day)
            .build()
            .is_ok()
    );
}
